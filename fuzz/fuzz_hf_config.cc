// fuzz_hf_config.cc — libFuzzer target: schema::parse_hf_config (Hugging Face config.json).
// Contract checked (fuzz_common.h): no crash/leak/UB; a rejection comes with an error.
#include "fuzz/fuzz_common.h"
#include "schema/model_spec.h"

LLMSIZER_FUZZ_TARGET(hf_config) {
  using namespace llmsizer;
  return fuzz::document_target(
      data, size,
      [](std::string_view t, const std::string& f, core::Diagnostics& d) {
        return schema::parse_hf_config(t, f, d);
      },
      nullptr);
}
