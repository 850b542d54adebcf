// serving.h — a discrete-event simulator of one serving replica (docs/serving.md):
// continuous batching with a max batch and a token budget per step, chunked prefill, a
// paged KV cache with admission limited by free blocks (preemption by recomputation when
// decode runs out of blocks), prefix-cache hits, or static batching for comparison. Step
// times come from PerfModel::step(), so the simulator inherits the roofline's basis.
// Deterministic for a seed; single-threaded; no allocation per simulated token.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "estimator/command_args.h"
#include "estimator/performance.h"
#include "schema/workload.h"

namespace llmsizer::estimator {

struct Request {
  double arrival_s = 0;
  std::int64_t prompt_tokens = 0;
  std::int64_t output_tokens = 0;
  std::int64_t cached_prefix_tokens = 0;  // served from the prefix cache
};

// Draws `w.requests` requests (or the trace's) from the workload's distributions with its
// seed. rate_override replaces the arrival rate (for the planner's search).
std::vector<Request> generate_requests(const schema::Workload& w,
                                       std::optional<double> rate_override = std::nullopt,
                                       std::optional<std::int64_t> count_override = std::nullopt);

struct ServingConfig {
  std::int64_t max_batch = kServeArgs.max_batch;                    // running sequences
  std::int64_t max_batched_tokens = kServeArgs.max_batched_tokens;  // prefill chunk budget
  std::int64_t block_size = kServeArgs.block_size;                  // KV-cache tokens per block
  std::int64_t kv_capacity_tokens = 0;  // KV tokens that fit per replica (from memory)
  bool static_batching = false;         // run batches to completion, no joining
  bool preemption = true;               // recompute-preempt when decode needs blocks
  // Requests longer than this (prompt + output tokens) are rejected; 0: no limit. Set to the
  // model's maximum context.
  std::int64_t max_context_tokens = 0;
  // The simulation stops after this many steps (ServingResult::stopped_at_step_limit); 0: no
  // limit. A bound on the run time for interactive use (roughly 1 s per million steps).
  std::int64_t max_steps = 0;
  // The first fraction of the requests (in arrival order) warms the replica up: they load
  // it, but their latencies are left out of the percentiles, goodput and SLO check.
  double warmup_fraction = 0;
};

struct SloTarget {
  double limit_s = 0;
  double percentile = 99;  // 50, 90 or 99
};

// Latency targets; a request "meets the SLO" when each of its own latencies is within the
// limits (goodput), and the deployment meets it when each percentile is (slo_met).
struct Slo {
  std::optional<SloTarget> ttft;
  std::optional<SloTarget> tpot;
  std::optional<SloTarget> e2e;
  bool empty() const { return !ttft && !tpot && !e2e; }
};

// Parses "ttft_p99=500ms,tpot_p99=50ms,e2e_p90=20s" (metrics ttft, tpot, e2e; percentiles
// p50, p90, p99; durations as core::parse_duration_s). On failure returns nullopt and says
// why in *error.
std::optional<Slo> parse_slo(std::string_view text, std::string* error);
std::string format_slo(const Slo& slo);

struct Percentiles {
  double p50 = 0, p90 = 0, p99 = 0, mean = 0, max = 0;
};

struct TimelineRow {
  double time_s;
  double step_s;
  std::int32_t running;
  std::int32_t waiting;
  std::int32_t decode_seqs;
  std::int32_t prefill_tokens;
  double kv_utilization;
};

// The stability test on the queue (docs/serving.md#steady-state): a replica keeps up when
// its waiting queue grows, from the first to the second half of the measured window, by no
// more than kQueueDrift of the requests that arrive in a half (it falls behind by at most
// that share of the load), plus kQueueSlack requests of noise. Assumed, not fitted.
inline constexpr double kQueueDrift = 0.02;
inline constexpr double kQueueSlack = 2.0;

struct ServingResult {
  std::int64_t requests = 0;
  std::int64_t completed = 0;
  // Requests that can never run, rejected on arrival and not completed: longer than the
  // model's context (ServingConfig::max_context_tokens), or needing more KV blocks than the
  // whole replica has.
  std::int64_t rejected_context = 0;
  std::int64_t rejected_kv = 0;
  std::int64_t rejected() const { return rejected_context + rejected_kv; }
  bool stopped_at_step_limit = false;  // ServingConfig::max_steps reached before the end
  std::int64_t preemptions = 0;
  std::int64_t steps = 0;
  double duration_s = 0;  // first arrival to last completion
  Percentiles ttft_s, tpot_s, itl_s, e2e_s;
  double requests_per_s = 0;
  double output_tokens_per_s = 0;
  double total_tokens_per_s = 0;
  double goodput_requests_per_s = 0;  // requests meeting every SLO given
  double slo_attainment = 0;          // fraction of requests meeting every SLO
  double kv_utilization_mean = 0;     // time-weighted
  double kv_utilization_max = 0;
  double batch_utilization_mean = 0;  // running / max_batch, time-weighted
  double queue_length_mean = 0;       // waiting requests, time-weighted
  std::int64_t queue_length_max = 0;
  bool slo_met = true;        // the SLO percentiles hold
  std::int64_t measured = 0;  // requests after the warm-up (in the percentiles)
  // Steady state: the time-weighted mean of waiting requests over the first and second
  // half of the measured arrival window (after the warm-up, up to the last arrival). A
  // replica past its capacity queues without bound, so the second is much the larger.
  double queue_mean_early = 0;
  double queue_mean_late = 0;
  // The queue does not grow: queue_mean_late - queue_mean_early <= kQueueDrift x the
  // arrivals in half the window + kQueueSlack (docs/serving.md#steady-state).
  bool queue_stable = true;
  std::vector<TimelineRow> timeline;  // only when asked
};

// Called every 65,536 steps with the requests finished (completed or rejected), the total,
// and the steps simulated so far: for progress on long runs.
using SimulationProgress =
    std::function<void(std::int64_t finished, std::int64_t requests, std::int64_t steps)>;

ServingResult simulate(const PerfModel& perf, const ServingConfig& cfg,
                       const std::vector<Request>& requests, const Slo& slo,
                       bool keep_timeline = false, const SimulationProgress& progress = {});

}  // namespace llmsizer::estimator
