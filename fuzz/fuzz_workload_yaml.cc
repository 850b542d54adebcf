// fuzz_workload_yaml.cc — libFuzzer target: schema::parse_workload_yaml (workload documents).
// Contract checked (fuzz_common.h): no crash/leak/UB; a rejection comes with an error; an
// accepted document written back parses again.
#include "fuzz/fuzz_common.h"
#include "schema/workload.h"

LLMSIZER_FUZZ_TARGET(workload_yaml) {
  using namespace llmsizer;
  return fuzz::document_target(
      data, size,
      [](std::string_view t, const std::string& f, core::Diagnostics& d) {
        return schema::parse_workload_yaml(t, f, d);
      },
      [](const auto& x) { return schema::write_workload_yaml(x); });
}
