// fuzz_study_yaml.cc — libFuzzer target: schema::parse_study_yaml (study documents).
// Contract checked (fuzz_common.h): no crash/leak/UB; a rejection comes with an error.
#include "fuzz/fuzz_common.h"
#include "schema/study.h"

LLMSIZER_FUZZ_TARGET(study_yaml) {
  using namespace llmsizer;
  return fuzz::document_target(
      data, size,
      [](std::string_view t, const std::string& f, core::Diagnostics& d) {
        return schema::parse_study_yaml(t, f, d);
      },
      nullptr);
}
