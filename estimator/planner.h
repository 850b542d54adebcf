// planner.h — SLO-driven capacity planning (docs/serving.md#planner): for every candidate
// (device x devices per replica x tp/pp x weights x KV dtype x max batch) find, with the
// serving simulator, the highest request rate one replica sustains within the SLOs, the
// replicas the target load needs with headroom, and rank by $/hour, devices or latency.
// Candidates that cannot work are pruned first (memory, then latency at zero load) and
// kept with their reason. Evaluation runs on `threads` threads; results are deterministic.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/dtype.h"
#include "core/weight_scheme.h"
#include "estimator/command_args.h"
#include "estimator/performance.h"
#include "estimator/serving.h"
#include "schema/hardware_spec.h"
#include "schema/model_spec.h"
#include "schema/workload.h"

namespace llmsizer::estimator {

enum class Objective { kCost, kDevices, kLatency };

struct PlanRequest {
  const schema::ModelSpec* model = nullptr;
  std::vector<const schema::HardwareSpec*> hardware;
  std::vector<core::WeightScheme> weights;
  std::vector<core::DType> kv;
  std::vector<std::int64_t> max_batches = {64, 256};
  std::int64_t max_devices = kPlanArgs.max_devices;  // per replica
  // Only this layout (tp x pp), as a command that fixes it (compare --tp/--pp) asks;
  // nullopt: every layout up to max_devices.
  std::optional<Parallelism> layout;
  schema::Workload workload;  // its rate is the target load
  Slo slo;
  double headroom = kPlanArgs.headroom;  // capacity kept spare above the target load
  Objective objective = Objective::kCost;
  std::int64_t search_requests = kPlanArgs.search_requests;  // simulated requests per probe
  int threads = 2;
  // $/hour per device by hardware id (from the catalog or the user); absent = unknown.
  std::vector<std::pair<std::string, double>> price_per_hour;
  std::string price_basis;
  std::optional<double> budget_usd_per_hour;  // reject layouts above it ("over budget")
};

struct PlanCandidate {
  const schema::HardwareSpec* hardware = nullptr;
  core::WeightScheme weights;
  core::DType kv = core::DType::kF16;
  std::int64_t tp = 1;
  std::int64_t pp = 1;
  std::int64_t max_batch = 0;
  // Results (valid when ok)
  bool ok = false;
  std::string reason;               // why not, when !ok
  double max_rate_per_replica = 0;  // requests/s within the SLOs
  std::int64_t replicas = 0;
  std::int64_t devices = 0;            // replicas x tp x pp
  std::optional<double> usd_per_hour;  // all replicas
  std::optional<double> usd_per_mtok;  // per million tokens (prompt + output) at the target
  ServingResult at_target;             // one replica at its share of the target load
};

struct PlanResult {
  std::vector<PlanCandidate> ranked;    // ok candidates, best first
  std::vector<PlanCandidate> rejected;  // with reasons
  double target_rate = 0;
  std::int64_t evaluated = 0;
};

PlanResult plan(const PlanRequest& r);

// `fit`: which catalog models and weight schemes fit a device group, largest first.
struct FitRow {
  const schema::ModelSpec* model = nullptr;
  core::WeightScheme weights;
  std::int64_t tp = 1;
  std::int64_t pp = 1;
  double weights_bytes = 0;        // per device
  double decode_tokens_per_s = 0;  // batch 1 at the context
  double max_batch = 0;            // at the context
};

// A model `fit` leaves out, and why: the context is beyond its maximum, no layout of the
// devices suits it, or no scheme fits the memory.
struct FitExcluded {
  const schema::ModelSpec* model = nullptr;
  std::string reason;
};

struct FitResult {
  std::vector<FitRow> rows;           // largest model first
  std::vector<FitExcluded> excluded;  // in catalog order
};

FitResult fit(const std::vector<schema::ModelSpec>& models, const schema::HardwareSpec& hw,
              std::int64_t devices, std::int64_t context,
              const std::vector<core::WeightScheme>& schemes);

}  // namespace llmsizer::estimator
