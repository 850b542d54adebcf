// op_cost.h — THE FLOP and byte counts of transformer ops (docs/cost-model.md#op-costs).
// Kernel tests, the profiler and the estimator all count work through these functions, so a
// measured efficiency means the same thing everywhere.
#pragma once

#include <cstdint>

#include "core/dtype.h"

namespace llmsizer::core {

struct OpCost {
  double flops = 0;       // floating-point (or integer) operations, a multiply-add = 2
  double bytes_read = 0;  // from memory, assuming each operand is read once
  double bytes_written = 0;
  double bytes() const { return bytes_read + bytes_written; }
};

// Y[M x N] = X[M x K] * W[N x K]^T, W stored in `weight`, X and Y in `act`.
OpCost matmul_cost(std::int64_t m, std::int64_t k, std::int64_t n, DType weight, DType act,
                   int group_size = -1);

// RMSNorm/LayerNorm over `rows` vectors of `dim` elements (about 4 ops per element).
OpCost norm_cost(std::int64_t rows, std::int64_t dim, DType act);

// Element-wise kernels, with the per-element operation counts of docs/cost-model.md
// (RoPE 3, SiLU*up 5): activation over n elements (SiLU/GELU 4 ops per element, reads x,
// writes y; gated = SwiGLU/GeGLU 5 ops, also reads up); RoPE over tokens * heads * head_dim
// elements in place; softmax over `rows` rows of `n` (max, exp, sum, scale: 5 ops each).
OpCost activation_cost(std::int64_t n, bool gated, DType act);
OpCost rope_cost(std::int64_t tokens, std::int64_t heads, std::int64_t head_dim, DType act);
OpCost softmax_cost(std::int64_t rows, std::int64_t n, DType act);

// Appending `tokens` new K and V rows (each kv_heads * head_dim values in act) to a KV cache
// stored as `cache`: reads both in act, writes both in the cache dtype (conversion counted as
// one op per element).
OpCost kv_append_cost(std::int64_t tokens, std::int64_t kv_heads, std::int64_t head_dim,
                      DType cache, DType act);

}  // namespace llmsizer::core
