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
#include "estimator/command_args.h"
#include "estimator/deployment.h"
#include "estimator/error_band.h"
#include "estimator/memory.h"
#include "estimator/performance.h"
#include "schema/estimate_report.h"
#include "schema/hardware_spec.h"
#include "schema/model_spec.h"

namespace llmsizer::estimator {

// A deployment (estimator/deployment.h) and the workload shape to estimate it at.
struct EstimateRequest : Deployment {
  std::int64_t devices = 0;  // 0 = tp * pp
  std::int64_t batch = kEstimateArgs.batch;
  std::int64_t prompt_tokens = kEstimateArgs.prompt;
  std::int64_t output_tokens = kEstimateArgs.output;
  bool explain = false;  // fill report.perf.ops with the per-op tables
  // Attached to the report as its expected error (error_band() of the basis' results).
  std::optional<ErrorBand> error_band;
};

// Input problems a caller must reject before estimate(): check_deployment() and the counts
// and lengths.
std::vector<std::string> check_request(const EstimateRequest& r);

schema::EstimateReport estimate(const EstimateRequest& r);

const char* origin_name(schema::ModelOrigin o);

}  // namespace llmsizer::estimator
