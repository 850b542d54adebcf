// fuzz_gguf.cc — libFuzzer target: schema::load_gguf (GGUF headers; the input is written to
// a per-process temp file because the reader takes a path). Contract checked: no
// crash/leak/UB; rejection comes with an error; an accepted model estimates to finite
// figures (fuzz_estimate.h).
#include "fuzz/fuzz_common.h"
#include "fuzz/fuzz_estimate.h"
#include "schema/model_spec.h"

LLMSIZER_FUZZ_TARGET(gguf) {
  using namespace llmsizer;
  core::Diagnostics d;
  auto m = schema::load_gguf(fuzz::write_temp(data, size, ".gguf"), d);
  fuzz::require_contract(m, d);
  if (m) fuzz::estimate_model(*m);
  return 0;
}
