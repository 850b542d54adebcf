// fuzz_hf_config.cc — libFuzzer target: schema::parse_hf_config (Hugging Face config.json).
// Contract checked (fuzz_common.h): no crash/leak/UB; a rejection comes with an error; an
// accepted model estimates to finite figures (fuzz_estimate.h).
#include "fuzz/fuzz_common.h"
#include "fuzz/fuzz_estimate.h"
#include "schema/model_spec.h"

LLMSIZER_FUZZ_TARGET(hf_config) {
  using namespace llmsizer;
  return fuzz::document_target(
      data, size,
      [](std::string_view t, const std::string& f, core::Diagnostics& d) {
        auto m = schema::parse_hf_config(t, f, d);
        if (m) fuzz::estimate_model(*m);
        return m;
      },
      nullptr);
}
