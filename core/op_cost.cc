// op_cost.cc — FLOP/byte formulas (docs/cost-model.md#op-costs). The order of the
// arithmetic is part of the contract: estimates are compared byte for byte across versions.
#include "core/op_cost.h"

#include <algorithm>
#include <cmath>

namespace llmsizer::core {

namespace {
// Bytes per activation element: the plain float types directly (the hot path of the
// estimator calls this for every op), the rest through the dtype table.
double elem_bytes(DType act) {
  switch (act) {
    case DType::kF32:
      return 4.0;
    case DType::kF16:
    case DType::kBF16:
      return 2.0;
    case DType::kFP8E4M3:
    case DType::kFP8E5M2:
      return 1.0;
    default:
      return bits_per_element(act) / 8.0;
  }
}
}  // namespace

OpCost matmul_cost(std::int64_t m, std::int64_t k, std::int64_t n, DType weight, DType act,
                   int group_size) {
  const double e = elem_bytes(act);
  OpCost c;
  c.flops = 2.0 * static_cast<double>(m) * static_cast<double>(k) * static_cast<double>(n);
  c.bytes_read = static_cast<double>(tensor_bytes(weight, static_cast<std::uint64_t>(n),
                                                  static_cast<std::uint64_t>(k), group_size)) +
                 static_cast<double>(m) * static_cast<double>(k) * e;
  c.bytes_written = static_cast<double>(m) * static_cast<double>(n) * e;
  return c;
}

OpCost matmul_cost_bytes(double m, double k, double n, double weight_bytes, DType act) {
  const double e = elem_bytes(act);
  return {2.0 * m * k * n, weight_bytes + m * k * e, m * n * e};
}

OpCost norm_cost(double rows, double dim, DType act) {
  const double e = elem_bytes(act);
  const double n = rows * dim;
  return {4.0 * n, n * e + dim * e, n * e};
}

OpCost activation_cost(double n, bool gated, DType act) {
  const double e = elem_bytes(act);
  return {(gated ? 5.0 : 4.0) * n, (gated ? 2.0 : 1.0) * n * e, n * e};
}

OpCost rope_cost(double tokens, double heads, double head_dim, DType act) {
  const double e = elem_bytes(act);
  const double n = tokens * heads * head_dim;
  return {3.0 * n, n * e, n * e};
}

OpCost softmax_cost(double rows, double n, DType act) {
  const double e = elem_bytes(act);
  const double dn = rows * n;
  return {5.0 * dn, dn * e, dn * e};
}

OpCost kv_append_cost(double tokens, double kv_heads, std::int64_t head_dim, DType cache,
                      DType act) {
  const double e = elem_bytes(act);
  const double rows = 2.0 * tokens * kv_heads;
  const double n = rows * static_cast<double>(head_dim);
  const double written =
      rows * static_cast<double>(tensor_bytes(cache, 1, static_cast<std::uint64_t>(head_dim)));
  return {n, n * e, written};
}

OpCost elementwise_cost(double n, double reads, double writes, double flops_per_elem, DType act) {
  const double e = elem_bytes(act);
  return {n * flops_per_elem, n * reads * e, n * writes * e};
}

OpCost embedding_cost(double tokens, double dim, double table_bytes_per_row, DType act) {
  const double e = elem_bytes(act);
  return {0.0, tokens * table_bytes_per_row, tokens * dim * e};
}

OpCost attention_cost(const AttentionDims& d, double batch, double tokens, double past,
                      double window, DType act) {
  const double e = elem_bytes(act);
  // Keys each new token attends to: the cached past plus its causal prefix among the new
  // tokens (on average (tokens + 1) / 2), capped by the window.
  double keys = past + (tokens + 1.0) / 2.0;
  if (window > 0) keys = std::min(keys, window);
  const double pairs = batch * tokens * keys;  // query-key pairs per head
  OpCost c;
  c.flops = 2.0 * pairs * d.heads * (d.qk_dim + d.v_dim) + 5.0 * pairs * d.heads;  // + softmax
  // KV read: every cached key/value the batch needs (window-capped), plus the new ones.
  double cached = past + tokens;
  if (window > 0) cached = std::min(cached, window + tokens);
  c.bytes_read = batch * cached * d.kv_entry_bytes + batch * tokens * d.heads * d.qk_dim * e;
  c.bytes_written = batch * tokens * d.heads * d.v_dim * e;
  return c;
}

OpCost mla_q_kv_a_cost(const MlaDims& m, double tokens, double hidden, double weight_bytes,
                       DType act) {
  const double e = elem_bytes(act);
  const double d = hidden, h = m.heads, nope = m.qk_nope, rope = m.qk_rope, lora = m.kv_lora;
  const double ql = m.q_lora;
  const double q_flops = ql > 0 ? d * ql + ql * h * (nope + rope) : d * h * (nope + rope);
  return {2.0 * tokens * (q_flops + d * (lora + rope)), weight_bytes + tokens * d * e,
          tokens * (h * (nope + rope) + lora + rope) * e};
}

OpCost mla_absorb_cost(const MlaDims& m, double tokens, double weight_bytes, DType act) {
  const double e = elem_bytes(act);
  const double h = m.heads, lora = m.kv_lora, nope = m.qk_nope, v = m.v_head;
  return {2.0 * tokens * h * lora * (nope + v), weight_bytes + tokens * h * (nope + v) * e,
          tokens * h * lora * 2.0 * e};
}

OpCost moe_experts_cost(double tokens, double top_k, double hidden, double expert_inter,
                        double split, double weight_bytes, DType act) {
  const double e = elem_bytes(act);
  return {2.0 * tokens * top_k * 3.0 * hidden * expert_inter / split,
          weight_bytes + tokens * hidden * e, tokens * hidden * e};
}

double expected_distinct_experts(double num_experts, double top_k, double tokens) {
  if (num_experts <= 0 || tokens <= 0) return 0;
  const double p_miss = 1.0 - top_k / num_experts;
  return num_experts * (1.0 - std::pow(std::max(p_miss, 0.0), tokens));
}

double ring_allreduce_bytes_per_rank(double bytes, double ranks) {
  return ranks <= 1 ? 0.0 : 2.0 * (ranks - 1.0) / ranks * bytes;
}

double allreduce_latency_steps(double ranks) {
  return ranks <= 1 ? 0.0 : 2.0 * std::ceil(std::log2(ranks));
}

double all_to_all_bytes_per_rank(double tokens, double top_k, double hidden, double ep, DType act) {
  const double e = elem_bytes(act);
  return tokens * top_k * hidden * e * (ep - 1.0) / ep;
}

}  // namespace llmsizer::core
