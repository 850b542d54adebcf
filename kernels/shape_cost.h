// shape_cost.h — the FLOP and byte counts of each registry op for an OpShape, computed by
// core/op_cost.h (activations f32 unless a template says otherwise). Shared by the CPU registry
// (registry.cc) and the CUDA one (cuda/registry_cuda.cc) so a measured efficiency means the same
// thing on both.
#pragma once

#include "core/op_cost.h"
#include "kernels/registry.h"

namespace llmsizer::kernels {

template <core::DType W, core::DType Act = core::DType::kF32>
core::OpCost matmul_cost_of(const OpShape& s) {
  return core::matmul_cost(s.m, s.k, s.n, W, Act);
}
inline core::OpCost norm_cost_of(const OpShape& s) {
  return core::norm_cost(static_cast<double>(s.m), static_cast<double>(s.k), core::DType::kF32);
}
inline core::OpCost rope_cost_of(const OpShape& s) {
  return core::rope_cost(static_cast<double>(s.m), static_cast<double>(s.heads),
                         static_cast<double>(s.head_dim), core::DType::kF32);
}
inline core::OpCost activation_cost_of(const OpShape& s) {
  return core::activation_cost(static_cast<double>(s.m * s.k), false, core::DType::kF32);
}
inline core::OpCost gated_cost_of(const OpShape& s) {
  return core::activation_cost(static_cast<double>(s.m * s.k), true, core::DType::kF32);
}
inline core::OpCost softmax_cost_of(const OpShape& s) {
  return core::softmax_cost(static_cast<double>(s.m), static_cast<double>(s.k), core::DType::kF32);
}
template <core::DType KV>
core::OpCost attention_cost_of(const OpShape& s) {
  const auto hd = static_cast<std::uint64_t>(s.head_dim);
  core::AttentionDims d;
  d.heads = static_cast<double>(s.heads);
  d.kv_heads = static_cast<double>(s.kv_heads);
  d.qk_dim = d.v_dim = static_cast<double>(s.head_dim);
  d.kv_entry_bytes = 2.0 * d.kv_heads * static_cast<double>(core::tensor_bytes(KV, 1, hd));
  return core::attention_cost(d, 1, static_cast<double>(s.m), static_cast<double>(s.past),
                              static_cast<double>(s.window), core::DType::kF32);
}

inline core::OpCost add_cost_of(const OpShape& s) {
  return core::elementwise_cost(static_cast<double>(s.m * s.k), 2, 1, 1, core::DType::kF32);
}
template <core::DType T>
core::OpCost embedding_cost_of(const OpShape& s) {
  return core::embedding_cost(
      static_cast<double>(s.m), static_cast<double>(s.k),
      static_cast<double>(core::tensor_bytes(T, 1, static_cast<std::uint64_t>(s.k))),
      core::DType::kF32);
}
template <core::DType KV>
core::OpCost kv_append_cost_of(const OpShape& s) {
  return core::kv_append_cost(static_cast<double>(s.m), static_cast<double>(s.kv_heads), s.head_dim,
                              KV, core::DType::kF32);
}

}  // namespace llmsizer::kernels
