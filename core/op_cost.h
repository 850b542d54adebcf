// op_cost.h — THE FLOP and byte counts of transformer ops (docs/cost-model.md#op-costs): the
// kernel ops, attention, the MLA and MoE blocks and the collectives. Kernel tests, the
// profiler, the reference decoder and the estimator (through core/op_graph.h) all count work
// through these functions, so a measured efficiency means the same thing everywhere. All
// counts are for one device's share (callers pass per-device heads and weight bytes).
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
// The same with the weight bytes given (a device's share of a tensor, or several tensors
// fused into one matmul): 2mkn FLOPs, weight_bytes + m k e read, m n e written.
OpCost matmul_cost_bytes(double m, double k, double n, double weight_bytes, DType act);

// RMSNorm/LayerNorm over `rows` vectors of `dim` elements (4 ops per element; reads the
// input and gamma, writes the output).
OpCost norm_cost(double rows, double dim, DType act);

// Element-wise kernels (docs/cost-model.md#op-costs): activation over n elements (SiLU/GELU
// 4 ops per element, reads x, writes y; gated = SwiGLU/GeGLU 5 ops, also reads up); RoPE
// over tokens * heads * head_dim elements in place (3 ops); softmax over `rows` rows of `n`
// (max, exp, sum, scale: 5 ops each).
OpCost activation_cost(double n, bool gated, DType act);
OpCost rope_cost(double tokens, double heads, double head_dim, DType act);
OpCost softmax_cost(double rows, double n, DType act);

// Appending `tokens` new K and V rows (each kv_heads * head_dim values in act) to a KV cache
// stored as `cache`: reads both in act, writes both in the cache dtype (conversion counted as
// one op per element).
OpCost kv_append_cost(double tokens, double kv_heads, std::int64_t head_dim, DType cache,
                      DType act);

// Elementwise op over n elements reading `reads` and writing `writes` arrays of act dtype,
// `flops_per_elem` operations each (residual add: 1, bias add: 1).
OpCost elementwise_cost(double n, double reads, double writes, double flops_per_elem, DType act);

// Embedding gather: `tokens` rows of `dim` read from a table stored at `table_bytes_per_row`.
OpCost embedding_cost(double tokens, double dim, double table_bytes_per_row, DType act);

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
// Flash-style: the score matrix never leaves the chip. Linear in `batch`.
OpCost attention_cost(const AttentionDims& d, double batch, double tokens, double past,
                      double window, DType act);

// MLA (docs/cost-model.md#mla). The query (q_a then q_b, or a plain q when q_lora = 0) and
// the kv_a projections of `tokens` tokens, as one op: reads x once and the weights, writes
// the per-head queries and the latent + rope key.
struct MlaDims {
  double heads = 0;  // query heads on this device
  double q_lora = 0, kv_lora = 0, qk_nope = 0, qk_rope = 0, v_head = 0;
};
OpCost mla_q_kv_a_cost(const MlaDims& m, double tokens, double hidden, double weight_bytes,
                       DType act);
// Decode with kv_b absorbed into the query and the output (attention then runs on the
// latent): 2 tokens h lora (nope + v) FLOPs; reads kv_b and the queries/outputs per head.
OpCost mla_absorb_cost(const MlaDims& m, double tokens, double weight_bytes, DType act);

// MoE experts (docs/cost-model.md#moe-experts): `tokens` tokens each through top_k experts
// of three matrices (gate, up, down) of hidden x expert_inter, FLOPs split over `split`
// devices; reads `weight_bytes` (the touched experts' share) and x, writes the output.
OpCost moe_experts_cost(double tokens, double top_k, double hidden, double expert_inter,
                        double split, double weight_bytes, DType act);

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
// Expert-parallel dispatch (or combine) of `tokens` tokens routed to top_k experts over
// `ep` ranks: each rank sends tokens top_k hidden e (ep - 1) / ep bytes in ep - 1 steps
// (docs/cost-model.md#collectives).
double all_to_all_bytes_per_rank(double tokens, double top_k, double hidden, double ep, DType act);

}  // namespace llmsizer::core
