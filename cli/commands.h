// commands.h — the CLI's subcommands as functions of parsed options. Each returns the
// process exit code: 0 done, 2 bad input (diagnostics already printed).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "estimator/command_args.h"

namespace llmsizer::cli {

struct GlobalOptions {
  std::string profiles;  // catalog root
};

int run_list(const GlobalOptions& g, const std::string& what, const std::string& format);
int run_show_model(const GlobalOptions& g, const std::string& name, const std::string& format);

// What every deployment-shaped command takes: the model on the hardware, precision,
// parallel layout and time-model overrides (cli/deployment.h resolves them).
struct DeploymentOptions {
  std::string model;
  std::string hardware;
  std::int64_t tp = 1;
  std::int64_t pp = 1;
  std::int64_t ep = 1;
  std::string weights;  // empty: bf16 (or as stored for GGUF)
  std::string kv = "f16";
  std::string activations;  // empty: the precision rule (estimator/precision.h)
  std::string overhead;     // size string, empty = default
  std::optional<double> compute_eff;
  std::optional<double> memory_eff;
  std::optional<double> kernel_overhead_us;
  // Measured time model (estimate, validate): --profile FILE or --hardware host times ops
  // from a hardware profile; --calibrate FILE applies a profile's measured efficiencies to
  // the datasheet --hardware.
  std::string profile;
  std::string calibrate;
  std::int64_t threads = 0;      // 0: the profile's largest measured thread count
  bool profile_options = false;  // set when the command offers the options above
};

struct EstimateOptions {
  DeploymentOptions dep;
  std::int64_t count = 0;
  std::int64_t batch = estimator::kEstimateArgs.batch;
  std::int64_t prompt = estimator::kEstimateArgs.prompt;
  std::int64_t output = estimator::kEstimateArgs.output;
  bool explain = false;
  std::string format = "table";
  std::string out;
};
int run_estimate(const GlobalOptions& g, const EstimateOptions& o);

struct ServeOptions {
  DeploymentOptions dep;
  std::string workload;  // YAML path; or the flags below
  std::string rate;      // e.g. 20rps
  std::int64_t prompt = estimator::kServeArgs.prompt;
  std::int64_t output = estimator::kServeArgs.output;
  std::int64_t requests = 0;  // 0: the workload's (1000 with --rate)
  std::optional<std::int64_t> seed;
  std::int64_t max_batch = estimator::kServeArgs.max_batch;
  std::int64_t max_batched_tokens = estimator::kServeArgs.max_batched_tokens;
  std::int64_t block_size = estimator::kServeArgs.block_size;
  bool static_batching = false;
  bool no_preemption = false;
  std::int64_t max_steps = estimator::kServeArgs.max_steps;
  std::string slo;  // "ttft_p99=500ms,tpot_p99=50ms"
  std::string format = "table";
  std::string out;
  std::string timeline;
};
int run_serve(const GlobalOptions& g, const ServeOptions& o);

struct PlanOptions {
  std::string model;
  std::string workload;
  std::string rate;
  std::string target_rate;  // overrides the workload's rate
  std::int64_t prompt = estimator::kPlanArgs.prompt;
  std::int64_t output = estimator::kPlanArgs.output;
  std::string slo;
  std::string hardware = "all";
  std::string weights = "bf16,fp8,int4";
  std::string kv = "f16";
  std::string max_batch = "64,256";
  std::int64_t max_devices = estimator::kPlanArgs.max_devices;
  std::string objective = "cost";
  double headroom = estimator::kPlanArgs.headroom;
  std::string prices;
  std::optional<double> budget;  // $/hour for the whole deployment
  std::string rent = "on-demand";
  std::int64_t top = 5;
  std::int64_t requests = estimator::kPlanArgs.search_requests;
  int threads = 2;
  std::string format = "table";
  std::string out;
};
int run_plan(const GlobalOptions& g, const PlanOptions& o);

struct CostOptions {
  DeploymentOptions dep;  // --hardware may be a comma list for compare
  std::int64_t prompt = estimator::kCostArgs.prompt;
  std::int64_t output = estimator::kCostArgs.output;
  std::int64_t batch = 0;  // 0: the most that fits, at most 256
  double utilization = estimator::kCostArgs.utilization;
  std::string rent = "on-demand";
  std::optional<double> usd_per_hour;
  std::optional<double> purchase_usd;
  std::optional<double> pue;
  std::optional<double> kwh_usd;
  std::optional<double> life_years;
  std::optional<double> idle_fraction;
  std::optional<double> server_overhead;
  std::optional<double> hosting_usd;
  std::string workload;  // mean prompt/output from a workload YAML instead of -p/-n
  // compare
  std::string volume;
  std::string mix = "3:1";
  double cached = 0;
  std::string apis;
  std::string as_of;
  std::string slo;  // size replicas with the planner's SLO search instead of --utilization
  std::string format = "table";
  std::string out;
};
int run_cost(const GlobalOptions& g, const CostOptions& o);
int run_compare(const GlobalOptions& g, const CostOptions& o);

struct StudyOptions {
  std::string file;
  std::string out;    // output directory (default out/<study id>)
  int threads = 0;    // 0: all cores
  std::string shard;  // "i/n"
  bool merge = false;
  bool quiet = false;
};
int run_study(const GlobalOptions& g, const StudyOptions& o);

struct FitOptions {
  std::string hardware;
  std::int64_t count = 1;
  std::int64_t context = 4096;
  std::string weights = "bf16,fp8,q8_0,q6_k,q4_k_m,q3_k_m,q2_k";
  std::string format = "table";
  std::string out;
};
int run_fit(const GlobalOptions& g, const FitOptions& o);

}  // namespace llmsizer::cli
