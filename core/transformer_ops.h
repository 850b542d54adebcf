// transformer_ops.h — FLOP and byte counts of the non-matmul transformer ops and of
// attention (docs/cost-model.md#op-costs). Matmuls use op_cost.h's matmul_cost(). All
// counts are for one device's share of one layer (the caller passes per-device heads).
// Bytes assume each operand crosses memory once (flash-style attention: the score matrix
// never leaves the chip).
#pragma once

#include <cstdint>

#include "core/dtype.h"
#include "core/op_cost.h"

namespace llmsizer::core {

struct AttentionDims {
  double heads = 0;           // query heads on this device
  double kv_heads = 0;        // KV heads on this device
  double qk_dim = 0;          // per-head query/key width (MLA absorbed: kv_lora_rank + rope dim)
  double v_dim = 0;           // per-head value width (MLA absorbed: kv_lora_rank)
  double kv_entry_bytes = 0;  // KV-cache bytes one token stores per layer on this device
};

// Causal self-attention over `tokens` new tokens per sequence for `batch` sequences, each
// attending to `past` cached tokens plus the causal part of the new ones, keys capped at
// `window` (0 = none). Covers prefill (past = 0), chunked prefill and decode (tokens = 1).
OpCost attention_cost(const AttentionDims& d, double batch, double tokens, double past,
                      double window, DType act);

// Elementwise op over n elements reading `reads` and writing `writes` arrays of act dtype,
// `flops_per_elem` operations each (residual add: 1, SiLU*up: ~5, RoPE: ~3).
OpCost elementwise_cost(double n, double reads, double writes, double flops_per_elem, DType act);

// Embedding gather: `tokens` rows of `dim` read from a table stored at `table_bytes_per_row`.
OpCost embedding_cost(double tokens, double dim, double table_bytes_per_row, DType act);

// Expected number of distinct experts that `tokens` routed tokens touch when each picks
// top_k of num_experts uniformly: E * (1 - (1 - k/E)^tokens)
// (docs/cost-model.md#moe-experts).
double expected_distinct_experts(double num_experts, double top_k, double tokens);

// All-reduce of `bytes` over `ranks` devices: bandwidth term of a ring (each rank sends and
// receives 2 (ranks - 1) / ranks * bytes); latency term of a tree / recursive doubling
// (2 ceil(log2 ranks) steps), which is what NCCL and TensorRT-LLM's one-shot kernels use
// for the small messages of inference (docs/cost-model.md#collectives).
double ring_allreduce_bytes_per_rank(double bytes, double ranks);
double allreduce_latency_steps(double ranks);

}  // namespace llmsizer::core
