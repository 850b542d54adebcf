// transformer_ops.cc — attention, elementwise, embedding, MoE and collective formulas
// (docs/cost-model.md#op-costs).
#include "core/transformer_ops.h"

#include <algorithm>
#include <cmath>

namespace llmsizer::core {

OpCost attention_cost(const AttentionDims& d, double batch, double tokens, double past,
                      double window, DType act) {
  const double e = bits_per_element(act) / 8.0;
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

OpCost elementwise_cost(double n, double reads, double writes, double flops_per_elem, DType act) {
  const double e = bits_per_element(act) / 8.0;
  return {n * flops_per_elem, n * reads * e, n * writes * e};
}

OpCost embedding_cost(double tokens, double dim, double table_bytes_per_row, DType act) {
  const double e = bits_per_element(act) / 8.0;
  return {0.0, tokens * table_bytes_per_row, tokens * dim * e};
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

}  // namespace llmsizer::core
