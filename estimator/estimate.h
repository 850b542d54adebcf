// estimate.h — estimate(): the single entry point from a fully resolved request (model,
// hardware, precision, parallelism, workload shape) to an EstimateReport. Pure and
// thread-safe: no I/O, no globals; callers resolve names and validate input first.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/dtype.h"
#include "core/weight_scheme.h"
#include "estimator/error_band.h"
#include "estimator/memory.h"
#include "estimator/performance.h"
#include "schema/estimate_report.h"
#include "schema/hardware_spec.h"
#include "schema/model_spec.h"

namespace llmsizer::estimator {

struct EstimateRequest {
  const schema::ModelSpec* model = nullptr;
  const schema::HardwareSpec* hardware = nullptr;
  std::optional<core::WeightScheme> weights;  // nullopt: bf16, or as stored for GGUF input
  core::DType kv = core::DType::kF16;
  core::DType activations = core::DType::kF16;
  Parallelism par;
  std::int64_t devices = 0;  // 0 = tp * pp
  std::int64_t batch = 1;
  std::int64_t prompt_tokens = 512;
  std::int64_t output_tokens = 512;
  std::optional<std::uint64_t> overhead_bytes;
  std::int64_t ep = 1;  // expert parallelism: 1 or tp
  EfficiencyOverrides efficiency;
  bool explain = false;  // fill report.perf.ops with the per-op tables
  // Time ops from this measured profile (hardware should be hardware_from_profile() of it).
  const MeasuredTimeModel* measured = nullptr;
  // Attached to the report as its expected error (error_band() of the basis' results).
  std::optional<ErrorBand> error_band;
};

// Input problems a caller must reject before estimate() (layout, counts, lengths).
std::vector<std::string> check_request(const EstimateRequest& r);

schema::EstimateReport estimate(const EstimateRequest& r);

const char* origin_name(schema::ModelOrigin o);

}  // namespace llmsizer::estimator
