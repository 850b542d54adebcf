// op_cost.cc — FLOP/byte formulas (docs/cost-model.md#op-costs).
#include "core/op_cost.h"

namespace llmsizer::core {

OpCost matmul_cost(std::int64_t m, std::int64_t k, std::int64_t n, DType weight, DType act,
                   int group_size) {
  const double e = bits_per_element(act) / 8.0;
  OpCost c;
  c.flops = 2.0 * static_cast<double>(m) * static_cast<double>(k) * static_cast<double>(n);
  c.bytes_read = static_cast<double>(tensor_bytes(weight, static_cast<std::uint64_t>(n),
                                                  static_cast<std::uint64_t>(k), group_size)) +
                 static_cast<double>(m) * static_cast<double>(k) * e;
  c.bytes_written = static_cast<double>(m) * static_cast<double>(n) * e;
  return c;
}

OpCost norm_cost(std::int64_t rows, std::int64_t dim, DType act) {
  const double e = bits_per_element(act) / 8.0;
  const double n = static_cast<double>(rows) * static_cast<double>(dim);
  return {4.0 * n, n * e + static_cast<double>(dim) * e, n * e};
}

OpCost activation_cost(std::int64_t n, bool gated, DType act) {
  const double e = bits_per_element(act) / 8.0;
  const auto dn = static_cast<double>(n);
  return {(gated ? 5.0 : 4.0) * dn, (gated ? 2.0 : 1.0) * dn * e, dn * e};
}

OpCost rope_cost(std::int64_t tokens, std::int64_t heads, std::int64_t head_dim, DType act) {
  const double e = bits_per_element(act) / 8.0;
  const double n =
      static_cast<double>(tokens) * static_cast<double>(heads) * static_cast<double>(head_dim);
  return {3.0 * n, n * e, n * e};
}

OpCost softmax_cost(std::int64_t rows, std::int64_t n, DType act) {
  const double e = bits_per_element(act) / 8.0;
  const double dn = static_cast<double>(rows) * static_cast<double>(n);
  return {5.0 * dn, dn * e, dn * e};
}

OpCost kv_append_cost(std::int64_t tokens, std::int64_t kv_heads, std::int64_t head_dim,
                      DType cache, DType act) {
  const double e = bits_per_element(act) / 8.0;
  const double rows = 2.0 * static_cast<double>(tokens) * static_cast<double>(kv_heads);
  const double n = rows * static_cast<double>(head_dim);
  const double written =
      rows * static_cast<double>(tensor_bytes(cache, 1, static_cast<std::uint64_t>(head_dim)));
  return {n, n * e, written};
}

}  // namespace llmsizer::core
