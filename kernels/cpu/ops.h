// ops.h — the CPU element-wise and row kernels of a transformer layer: RMSNorm, LayerNorm,
// RoPE (interleaved and half-split), SiLU/GELU and the gated SwiGLU/GeGLU, row softmax,
// residual add, embedding gather and KV-cache append.
// Each has an AVX2 and a portable path (chosen by `isa`, which must be supported), splits its
// rows over the pool's threads, and takes its scratch from the Workspace. Definitions are
// those of the reference twins in kernels/reference/reference.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "core/dtype.h"
#include "kernels/cpu/isa.h"
#include "kernels/cpu/thread_pool.h"
#include "kernels/cpu/workspace.h"
#include "kernels/op_params.h"

namespace llmsizer::kernels::cpu {

// x, y: [rows x dim]; gamma (and beta, LayerNorm only; empty for RMSNorm): [dim].
// y may alias x.
struct NormArgs {
  std::span<const float> x;
  std::span<const float> gamma;
  std::span<const float> beta;
  std::span<float> y;
  std::int64_t rows = 0;
  std::int64_t dim = 0;
  float eps = 1e-5f;
};
void rmsnorm(Isa isa, const NormArgs& a, ThreadPool& pool, Workspace& ws);
void layernorm(Isa isa, const NormArgs& a, ThreadPool& pool, Workspace& ws);

// In place on x: [tokens][heads][head_dim], head_dim even; pos: [tokens] positions.
struct RopeArgs {
  std::span<float> x;
  std::span<const std::int32_t> pos;
  std::int64_t tokens = 0;
  std::int64_t heads = 0;
  std::int64_t head_dim = 0;
  float base = 10000.0f;  // theta base (rope_freq_base)
};
void rope(Isa isa, RopeStyle style, const RopeArgs& a, ThreadPool& pool, Workspace& ws);

// y = act(x), or y = act(x) * up when `up` is not empty (SwiGLU, GeGLU). All the same length;
// y may alias x.
struct UnaryArgs {
  std::span<const float> x;
  std::span<const float> up;
  std::span<float> y;
};
void activation(Isa isa, Activation act, const UnaryArgs& a, ThreadPool& pool, Workspace& ws);

// Row softmax: x, y [rows x n]; y may alias x.
struct SoftmaxArgs {
  std::span<const float> x;
  std::span<float> y;
  std::int64_t rows = 0;
  std::int64_t n = 0;
};
void softmax(Isa isa, const SoftmaxArgs& a, ThreadPool& pool, Workspace& ws);

// Residual add: y = x + up (UnaryArgs; `up` required). y may alias x or up.
void add(Isa isa, const UnaryArgs& a, ThreadPool& pool, Workspace& ws);

// Embedding gather: out[t] = row ids[t] of `table` ([rows x dim] stored as dtype: f32, f16,
// bf16, q8_0, q4_0 or q4_k with dim a multiple of the block size), as f32. out: [ids x dim].
// Every id must be in [0, rows) (CHECK).
struct EmbeddingArgs {
  core::DType dtype = core::DType::kF32;
  std::span<const std::byte> table;
  std::int64_t rows = 0;
  std::int64_t dim = 0;
  std::span<const std::int32_t> ids;
  std::span<float> out;
};
void embedding(Isa isa, const EmbeddingArgs& a, ThreadPool& pool, Workspace& ws);

// KV-cache append: `src` [tokens][kv_heads][head_dim] f32 rows (new K or V) are stored at
// positions past .. past + tokens - 1 of `cache` ([capacity][kv_heads][head_dim] in dtype:
// f32, f16 or q8_0 with head_dim % 32 == 0; the layout attention_decode reads), converted
// exactly as reference::quantize does. past + tokens <= capacity.
struct KvAppendArgs {
  std::span<const float> src;
  core::DType dtype = core::DType::kF32;
  std::span<std::byte> cache;
  std::int64_t capacity = 0;
  std::int64_t past = 0;
  std::int64_t tokens = 0;
  std::int64_t kv_heads = 0;
  std::int64_t head_dim = 0;
};
void kv_append(Isa isa, const KvAppendArgs& a, ThreadPool& pool, Workspace& ws);

}  // namespace llmsizer::kernels::cpu
