// fuzz_model_yaml.cc — libFuzzer target: schema::parse_model_yaml (model documents).
// Contract checked (fuzz_common.h): no crash/leak/UB; a rejection comes with an error; an
// accepted model estimates to finite figures (fuzz_estimate.h); an
// accepted document written back parses again.
#include "fuzz/fuzz_common.h"
#include "fuzz/fuzz_estimate.h"
#include "schema/model_spec.h"

LLMSIZER_FUZZ_TARGET(model_yaml) {
  using namespace llmsizer;
  return fuzz::document_target(
      data, size,
      [](std::string_view t, const std::string& f, core::Diagnostics& d) {
        auto m = schema::parse_model_yaml(t, f, d);
        if (m) fuzz::estimate_model(*m);
        return m;
      },
      [](const auto& x) { return schema::write_model_yaml(x); });
}
