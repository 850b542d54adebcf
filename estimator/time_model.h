// time_model.h — datasheet roofline per op (docs/cost-model.md#time-model):
//   time = max(FLOPs / (peak(dtype) x compute eff), bytes / (bandwidth x memory eff))
//          + kernels x kernel overhead
// and collectives from the link bandwidth and an assumed per-step latency. Efficiencies
// default per hardware class (basis: assumed), a hardware YAML `efficiency:` block or the
// command line override them. Pure and thread-safe.
#pragma once

#include <optional>
#include <string>

#include "core/dtype.h"
#include "core/op_cost.h"
#include "schema/hardware_spec.h"

namespace llmsizer::estimator {

struct Efficiency {
  double compute = 0.7;                  // of the dense peak, 16-bit (and f32) compute
  double memory = 0.8;                   // of the datasheet bandwidth
  double kernel_overhead_s = 4e-6;       // per kernel launch
  double link_latency_s = 5e-6;          // per collective latency step
  double compute_fp8 = 0.7;              // of the dense FP8 peak (FP8 GEMMs reach less of it)
  double quantized_weight_memory = 1.0;  // bandwidth factor for dequantising weight reads
  std::string basis;  // "assumed: datacenter-gpu class default" / "hardware YAML" / "user"
};

struct EfficiencyOverrides {
  std::optional<double> compute;
  std::optional<double> memory;
  std::optional<double> kernel_overhead_s;
};

Efficiency class_default_efficiency(schema::HardwareClass c);
Efficiency resolve_efficiency(const schema::HardwareSpec& hw, const EfficiencyOverrides& o);

// Dense peak FLOP/s for computing in `compute` dtype, falling back along
// fp8 -> f16/bf16 -> f32 when the datasheet lists no figure; `used` names the key taken.
double peak_flops(const schema::HardwareSpec& hw, core::DType compute, std::string* used);

enum class Bound { kCompute, kMemory, kCommunication, kOverhead };
const char* to_string(Bound b);

struct OpTime {
  double time_s = 0;
  Bound bound = Bound::kMemory;
};

OpTime time_compute_op(const core::OpCost& c, double peak_flop_per_s, double bandwidth,
                       const Efficiency& e, double kernels);

// One collective moving `bytes_per_rank` over a link of `link_bw` bytes/s (per direction)
// in `steps` latency-bound steps.
OpTime time_collective(double bytes_per_rank, double steps, double link_bw, const Efficiency& e);

}  // namespace llmsizer::estimator
