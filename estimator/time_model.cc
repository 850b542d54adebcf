// time_model.cc — roofline timing and efficiency defaults (docs/cost-model.md#time-model).
#include "estimator/time_model.h"

#include <algorithm>
#include <span>

namespace llmsizer::estimator {

Efficiency class_default_efficiency(schema::HardwareClass c) {
  using schema::HardwareClass;
  // Assumed defaults per hardware class, set once for the whole class against the published
  // measurements in docs/validation.md — never per model or per point. FP8 GEMMs reach a
  // smaller share of the (doubled) FP8 peak than 16-bit GEMMs of theirs (TensorRT-LLM's
  // FP8 prefill reaches ~40% on H100 and ~50% on L40S); dequantising int4/int8/GGUF
  // weights on the fly costs bandwidth (gpt-fast reports 68%, 52% and 42% of peak for
  // bf16, int8 and int4 weights), hence the two factors.
  switch (c) {
    case HardwareClass::kDatacenterGpu:
      return {0.70, 0.80, 6e-6, 3e-6, 0.45, 0.85, "assumed: datacenter-gpu class default"};
    case HardwareClass::kWorkstationGpu:
    case HardwareClass::kConsumerGpu:
      return {
          0.70, 0.80, 6e-6, 10e-6, 0.45, 0.85, "assumed: consumer/workstation-gpu class default"};
    case HardwareClass::kAppleSoc:
      return {0.60, 0.70, 10e-6, 10e-6, 0.60, 0.85, "assumed: apple-soc class default"};
    case HardwareClass::kServerCpu:
    case HardwareClass::kDesktopCpu:
      return {0.50, 0.65, 5e-6, 10e-6, 0.50, 0.85, "assumed: cpu class default"};
  }
  return {};
}

Efficiency resolve_efficiency(const schema::HardwareSpec& hw, const EfficiencyOverrides& o) {
  Efficiency e = class_default_efficiency(hw.hw_class);
  if (hw.efficiency) {
    const auto& h = *hw.efficiency;
    bool any = false;
    if (h.compute) e.compute = *h.compute, any = true;
    if (h.memory) e.memory = *h.memory, any = true;
    if (h.kernel_overhead_s) e.kernel_overhead_s = *h.kernel_overhead_s, any = true;
    if (h.link_latency_s) e.link_latency_s = *h.link_latency_s, any = true;
    if (any) e.basis = "hardware YAML efficiency" + (h.note.empty() ? "" : " (" + h.note + ")");
  }
  if (o.compute || o.memory || o.kernel_overhead_s) {
    if (o.compute) e.compute = e.compute_fp8 = *o.compute;
    if (o.memory) e.memory = *o.memory;
    if (o.kernel_overhead_s) e.kernel_overhead_s = *o.kernel_overhead_s;
    e.basis = "user (command line)";
  }
  return e;
}

double peak_flops(const schema::HardwareSpec& hw, core::DType compute, std::string* used) {
  const auto& p = hw.compute.peak_flop_per_s;
  auto try_key = [&](const char* k) -> double {
    auto it = p.find(k);
    if (it == p.end()) return 0;
    if (used) *used = k;
    return it->second;
  };
  using core::DType;
  const char* chain_fp8[] = {"fp8", "f16", "bf16", "f32"};
  const char* chain_f16[] = {"f16", "bf16", "f32"};
  const char* chain_bf16[] = {"bf16", "f16", "f32"};
  const char* chain_f32[] = {"f32", "tf32", "f16"};
  std::span<const char* const> chain;
  switch (compute) {
    case DType::kFP8E4M3:
    case DType::kFP8E5M2:
      chain = chain_fp8;
      break;
    case DType::kBF16:
      chain = chain_bf16;
      break;
    case DType::kF32:
      chain = chain_f32;
      break;
    default:
      chain = chain_f16;
  }
  for (const char* k : chain)
    if (double v = try_key(k); v > 0) return v;
  // Last resort: the largest figure listed (a CPU may list only f32).
  double best = 0;
  for (const auto& [k, v] : p)
    if (v > best) {
      best = v;
      if (used) *used = k;
    }
  return best;
}

const char* to_string(Bound b) {
  switch (b) {
    case Bound::kCompute:
      return "compute";
    case Bound::kMemory:
      return "memory";
    case Bound::kCommunication:
      return "communication";
    case Bound::kOverhead:
      return "overhead";
  }
  return "?";
}

OpTime time_compute_op(const core::OpCost& c, double peak_flop_per_s, double bandwidth,
                       const Efficiency& e, double kernels) {
  const double tc = c.flops / (peak_flop_per_s * e.compute);
  const double tm = c.bytes() / (bandwidth * e.memory);
  const double to = kernels * e.kernel_overhead_s;
  OpTime t;
  t.time_s = std::max(tc, tm) + to;
  t.bound = to > std::max(tc, tm) ? Bound::kOverhead : tc >= tm ? Bound::kCompute : Bound::kMemory;
  return t;
}

OpTime time_collective(double bytes_per_rank, double steps, double link_bw, const Efficiency& e) {
  OpTime t;
  if (steps <= 0) return t;
  t.time_s = bytes_per_rank / link_bw + steps * e.link_latency_s;
  t.bound = Bound::kCommunication;
  return t;
}

}  // namespace llmsizer::estimator
