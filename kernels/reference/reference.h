// reference.h — naive, obviously-correct kernels: the oracles every optimised kernel is
// tested against. Row-major float32; W is [N x K] (one row per output feature). Everything
// accumulates in double; all functions are pure (thread-safe) and CHECK their sizes.
#pragma once

#include <cstdint>
#include <span>

#include "kernels/op_params.h"

namespace llmsizer::kernels::reference {

// Y[M x N] = X[M x K] * W^T. Accumulates in double for an exact-enough oracle.
void matmul(std::span<const float> x, std::span<const float> w, std::span<float> y, std::int64_t m,
            std::int64_t k, std::int64_t n);

// y = x / sqrt(mean(x^2) + eps) * gamma, per row of `dim` elements.
void rmsnorm(std::span<const float> x, std::span<const float> gamma, std::span<float> y,
             std::int64_t rows, std::int64_t dim, float eps);

// y = (x - mean) / sqrt(var + eps) * gamma + beta, per row of `dim` elements.
void layernorm(std::span<const float> x, std::span<const float> gamma, std::span<const float> beta,
               std::span<float> y, std::int64_t rows, std::int64_t dim, float eps);

// Rotary position embedding, in place on x[tokens][heads][head_dim] (head_dim even).
// Pair i (0 <= i < head_dim / 2, paired per RopeStyle) is rotated by the angle
// pos[t] * base^(-2i / head_dim).
void rope(RopeStyle style, std::span<float> x, std::span<const std::int32_t> pos,
          std::int64_t tokens, std::int64_t heads, std::int64_t head_dim, float base);

// y = act(x) (see Activation).
void activation(Activation act, std::span<const float> x, std::span<float> y);
// Gated: y = act(gate) * up (SwiGLU with SiLU, GeGLU with GELU).
void gated(Activation act, std::span<const float> gate, std::span<const float> up,
           std::span<float> y);

// Row softmax over `n` elements per row.
void softmax(std::span<const float> x, std::span<float> y, std::int64_t rows, std::int64_t n);

// Causal multi-head attention with grouped KV heads (GQA; heads % kv_heads == 0; query head h
// reads KV head h / (heads / kv_heads)). q and out are [tokens][heads][head_dim] for the new
// tokens at positions past .. past + tokens - 1; k and v are [past + tokens][kv_heads][head_dim].
// Query at position i sees key j when j <= i and, with window > 0, i - j < window.
// scores = scale * q . k, softmax over the visible keys, out = sum p_j v_j.
void attention(std::span<const float> q, std::span<const float> k, std::span<const float> v,
               std::span<float> out, std::int64_t tokens, std::int64_t past, std::int64_t heads,
               std::int64_t kv_heads, std::int64_t head_dim, std::int64_t window, float scale);

}  // namespace llmsizer::kernels::reference
