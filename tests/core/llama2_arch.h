// llama2_arch.h — Llama-2-7B's architecture built by hand (config.json values), for tests
// that check formulas against hand-worked numbers.
#pragma once

#include "core/model_arch.h"

namespace llmsizer::test {
inline core::ModelArch llama2_7b_arch() {
  core::ModelArch a;
  a.hidden_size = 4096;
  a.num_layers = 32;
  a.vocab_size = 32000;
  a.max_context = 4096;
  a.attention.num_heads = 32;
  a.attention.num_kv_heads = 32;
  a.attention.head_dim = 128;
  a.ffn.intermediate_size = 11008;
  return a;
}
}  // namespace llmsizer::test
