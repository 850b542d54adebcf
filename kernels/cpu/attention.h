// attention.h — CPU attention kernels. Prefill: causal, tiled flash-style (online softmax over
// key tiles, the score matrix never materialised), GQA/MQA, optional sliding window, over f32
// K/V. Decode: one query token per head over a KV cache stored as f32, f16 or q8_0, split over
// threads along the context (partial softmax states merged at the end). Definitions are those
// of reference::attention.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "core/dtype.h"
#include "kernels/cpu/isa.h"
#include "kernels/cpu/thread_pool.h"
#include "kernels/cpu/workspace.h"

namespace llmsizer::kernels::cpu {

// q, out: [tokens][heads][head_dim] f32 for the new tokens at positions past .. past+tokens-1.
// k, v: [past + tokens][kv_heads][head_dim] stored as kv_dtype — f32 (prefill and decode), or
// f16 / q8_0 (decode only, tokens == 1; q8_0 needs head_dim % 32 == 0, each (position, head)
// row being head_dim / 32 BlockQ8_0). heads % kv_heads == 0; head_dim <= kMaxHeadDim.
// A query at position i sees keys j <= i with i - j < window when window > 0.
struct AttentionArgs {
  std::span<const float> q;
  std::span<const std::byte> k;
  std::span<const std::byte> v;
  core::DType kv_dtype = core::DType::kF32;
  std::span<float> out;
  std::int64_t tokens = 1;
  std::int64_t past = 0;
  std::int64_t heads = 1;
  std::int64_t kv_heads = 1;
  std::int64_t head_dim = 1;
  std::int64_t window = 0;
  float scale = 1.0f;  // usually 1 / sqrt(head_dim)
};

inline constexpr std::int64_t kMaxHeadDim = 512;

// Causal prefill (any tokens >= 1; past > 0 is chunked prefill). kv_dtype must be f32.
void attention_prefill(Isa isa, const AttentionArgs& a, ThreadPool& pool, Workspace& ws);
// Single-token decode (tokens == 1) over past + 1 cached positions (the new token's K/V are
// already appended at position past).
void attention_decode(Isa isa, const AttentionArgs& a, ThreadPool& pool, Workspace& ws);

}  // namespace llmsizer::kernels::cpu
