// reference.h — naive, obviously-correct kernels: the oracles every optimised kernel is
// tested against. Row-major float32; W is [N x K] (one row per output feature).
#pragma once

#include <cstdint>
#include <span>

namespace llmsizer::kernels::reference {

// Y[M x N] = X[M x K] * W^T. Accumulates in double for an exact-enough oracle.
void matmul(std::span<const float> x, std::span<const float> w, std::span<float> y, std::int64_t m,
            std::int64_t k, std::int64_t n);

// y = x / sqrt(mean(x^2) + eps) * gamma, per row of `dim` elements.
void rmsnorm(std::span<const float> x, std::span<const float> gamma, std::span<float> y,
             std::int64_t rows, std::int64_t dim, float eps);

}  // namespace llmsizer::kernels::reference
