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

}  // namespace llmsizer::core
