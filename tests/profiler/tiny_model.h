// tiny_model.h — a decoder small enough that the kernel sweeps time it in milliseconds even
// under ASan (hidden 64, 4 heads / 2 KV heads of 16, FFN 128, vocabulary 256).
#pragma once

#include "profiler/sweeps.h"

namespace llmsizer::test {

inline profiler::SweepModel tiny_sweep_model() {
  core::ModelArch a;
  a.hidden_size = 64;
  a.num_layers = 2;
  a.vocab_size = 256;
  a.max_context = 256;
  a.attention.num_heads = 4;
  a.attention.num_kv_heads = 2;
  a.attention.head_dim = 16;
  a.ffn.intermediate_size = 128;
  return {"tiny", a};
}

}  // namespace llmsizer::test
