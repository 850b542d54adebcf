// command_args.h — the defaults of each command's arguments besides the deployment, in one
// place. The CLI's options start from them (cli/commands.h), the library structs that take
// them (EstimateRequest, ServingConfig, PlanRequest, CostInputs) default to them, and a study
// point without the key takes the same value (estimator/study.cc): `llmsizer estimate` and
// a study's `evaluate: estimate` give the same figures for the same inputs.
#pragma once

#include <cstdint>

namespace llmsizer::estimator {

struct EstimateArgs {
  std::int64_t batch = 1;
  std::int64_t prompt = 512;
  std::int64_t output = 512;
};

struct ServeArgs {
  std::int64_t prompt = 512;  // request shape of --rate without a workload
  std::int64_t output = 256;
  std::int64_t max_batch = 256;            // running sequences per step
  std::int64_t max_batched_tokens = 8192;  // tokens per step (the chunked-prefill budget)
  std::int64_t block_size = 16;            // KV-cache tokens per block
  std::int64_t max_steps = 10'000'000;     // the bound on one simulation (several seconds)
};

struct PlanArgs {
  std::int64_t prompt = 512;  // request shape of --rate without a workload
  std::int64_t output = 256;
  std::int64_t max_devices = 8;        // per replica
  double headroom = 0.2;               // capacity kept spare above the target load
  std::int64_t search_requests = 600;  // simulated requests per probe
};

struct CostArgs {
  std::int64_t prompt = 768;  // mean request shape
  std::int64_t output = 256;
  double utilization = 0.6;  // of capacity, averaged over the month
};

inline constexpr EstimateArgs kEstimateArgs{};
inline constexpr ServeArgs kServeArgs{};
inline constexpr PlanArgs kPlanArgs{};
inline constexpr CostArgs kCostArgs{};

}  // namespace llmsizer::estimator
