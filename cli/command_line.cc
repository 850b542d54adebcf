// command_line.cc — the subcommands' options and their dispatch (see command_line.h).
#include "cli/command_line.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <thread>

#include "cli/deployment.h"
#ifdef LLMSIZER_HAVE_PROFILER
#include "profiler/topology.h"
#ifdef LLMSIZER_HAVE_CUDA
#include "profiler/gpu.h"
#endif
#endif

namespace llmsizer::cli {

void add_model_commands(CLI::App& app, CommandLine& c) {
  auto* list = c.list = app.add_subcommand(
      "list", "list catalog models, hardware, API prices, rental/purchase prices or workloads");
  std::string& list_what = c.list_what;
  std::string& list_format = c.list_format;
  list->add_option("what", list_what, "models | hardware | apis | prices | workloads")
      ->required()
      ->check(CLI::IsMember({"models", "hardware", "apis", "prices", "workloads"}));
  list->add_option("--format", list_format, "table | json")->capture_default_str();

  auto* show = c.show = app.add_subcommand("show",
                                           "show a model's architecture, parameter breakdown, "
                                           "weight size per dtype and KV cache per token");
  std::string &show_what = c.show_what, &show_name = c.show_name, &show_format = c.show_format;
  show->add_option("what", show_what, "model")->required()->check(CLI::IsMember({"model"}));
  show->add_option("name", show_name, "catalog name, HF repo id, or path (.yaml/.json/.gguf)")
      ->required();
  show->add_option("--format", show_format, "table | json | yaml")->capture_default_str();

  auto* est = c.est = app.add_subcommand(
      "estimate",
      "memory per device (weights, KV cache, activations, overhead, fit, largest batch and "
      "context) and latency/throughput (prefill, TTFT, time per output token, end-to-end, "
      "tokens/s) from the datasheet roofline, or from a measured hardware profile "
      "(--profile FILE, --hardware host)");
  EstimateOptions& o = c.o;
  add_deployment_options(est, o.dep);
  add_profile_options(est, o.dep);
  est->add_option("--count", o.count,
                  "devices in total (default tp x pp; a multiple adds data-parallel replicas)")
      ->check(CLI::Range(1, 1 << 20));
  est->add_option("-b,--batch", o.batch, "concurrent sequences")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 24))
      ->capture_default_str();
  est->add_option("-p,--prompt", o.prompt, "prompt tokens per sequence")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 32))
      ->capture_default_str();
  est->add_option("-n,--output", o.output, "output tokens per sequence")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 32))
      ->capture_default_str();
  est->add_flag("--explain", o.explain,
                "print the per-op table of each phase: time, FLOPs, bytes, bound, share");
  est->add_option("-f,--format", o.format, "table | json | csv | md")->capture_default_str();
  est->add_option("-o,--out", o.out, "write the report to FILE (atomically) instead of stdout");
}

void add_serving_commands(CLI::App& app, CommandLine& c) {
  auto* serve = c.serve = app.add_subcommand(
      "serve",
      "simulate one serving replica under a workload: continuous batching, chunked prefill, "
      "paged KV cache; TTFT/TPOT/ITL/e2e percentiles, throughput, goodput, utilisation");
  ServeOptions& so = c.so;
  add_deployment_options(serve, so.dep);
  serve->add_option("--workload", so.workload,
                    "workload YAML (profiles/workloads/*.yaml); or give --rate and lengths");
  serve->add_option("--rate", so.rate, "Poisson arrival rate, e.g. 20rps, 1200/min");
  serve->add_option("-p,--prompt", so.prompt, "prompt tokens per request (with --rate)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 24))
      ->capture_default_str();
  serve->add_option("-n,--output", so.output, "output tokens per request (with --rate)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 24))
      ->capture_default_str();
  serve->add_option("--requests", so.requests, "requests to simulate (default: the workload's)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{100'000'000}));
  serve->add_option("--seed", so.seed, "random seed (default: the workload's)");
  serve
      ->add_option("--max-batch", so.max_batch,
                   "running sequences per step at most (the KV cache may hold fewer)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 20))
      ->capture_default_str();
  serve
      ->add_option("--max-batched-tokens", so.max_batched_tokens,
                   "tokens per step: the chunked-prefill budget")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 24))
      ->capture_default_str();
  serve->add_option("--block-size", so.block_size, "KV-cache block size in tokens")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 16))
      ->capture_default_str();
  serve->add_flag("--static", so.static_batching,
                  "static batching: a batch runs to completion before new requests join");
  serve->add_flag("--no-preemption", so.no_preemption,
                  "queue instead of preempting when the KV cache is full");
  serve
      ->add_option("--max-steps", so.max_steps,
                   "stop the simulation after this many engine steps (roughly 1 s per million on "
                   "one core); the report then says how far it got")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 40))
      ->capture_default_str();
  serve->add_option("--slo", so.slo,
                    "latency targets, e.g. ttft_p99=500ms,tpot_p99=50ms,e2e_p90=20s");
  serve->add_option("-f,--format", so.format, "table | json | csv")->capture_default_str();
  serve->add_option("-o,--out", so.out, "write the report to FILE (atomically)");
  serve->add_option("--timeline", so.timeline, "write the per-step timeline CSV to FILE");

  auto* planc = c.planc = app.add_subcommand(
      "plan",
      "capacity plan: for each device x layout x precision, the highest load one replica "
      "serves within the SLOs (searched on the simulator), the replicas needed, and cost");
  PlanOptions& po = c.po;
  planc->add_option("-m,--model", po.model, "model name or file")->required();
  planc->add_option("--workload", po.workload, "workload YAML (its rate is the target load)");
  planc->add_option("--rate", po.rate, "target load with fixed lengths, e.g. 20rps");
  planc->add_option("--target", po.target_rate, "target load, overriding the workload's rate");
  planc->add_option("-p,--prompt", po.prompt, "prompt tokens (with --rate)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 24))
      ->capture_default_str();
  planc->add_option("-n,--output", po.output, "output tokens (with --rate)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 24))
      ->capture_default_str();
  planc->add_option("--slo", po.slo, "latency targets, e.g. ttft_p99=500ms,tpot_p99=50ms")
      ->required();
  planc->add_option("-H,--hardware", po.hardware, "comma list of devices, or all")
      ->capture_default_str();
  planc->add_option("-w,--weights", po.weights, "comma list of weight schemes")
      ->capture_default_str();
  planc->add_option("--kv", po.kv, "comma list of KV-cache dtypes")->capture_default_str();
  planc->add_option("--max-batch", po.max_batch, "comma list of max batch sizes to try")
      ->capture_default_str();
  planc->add_option("--max-devices", po.max_devices, "devices per replica at most")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{64}))
      ->capture_default_str();
  planc->add_option("--objective", po.objective, "cost | devices | latency")->capture_default_str();
  planc->add_option("--headroom", po.headroom, "spare capacity above the target load")
      ->check(CLI::Range(0.0, 10.0))
      ->capture_default_str();
  planc->add_option("--prices", po.prices,
                    "cloud $/hour per device, e.g. h100-sxm=2.99,l40s=0.99 (basis: user)");
  planc->add_option("--budget", po.budget, "most $/hour for the whole deployment")
      ->check(CLI::Range(0.0, 1e9));
  planc->add_option("--rent", po.rent, "rental term: on-demand | reserved-1y | reserved-3y | spot")
      ->capture_default_str();
  planc->add_option("--top", po.top, "configurations to show")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1000}))
      ->capture_default_str();
  planc->add_option("--requests", po.requests, "simulated requests per probe")
      ->check(CLI::Range(std::int64_t{50}, std::int64_t{1000000}))
      ->capture_default_str();
  planc->add_option("--threads", po.threads, "threads to search on")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  planc->add_option("-f,--format", po.format, "table | json")->capture_default_str();
  planc->add_option("-o,--out", po.out, "write the report to FILE (atomically)");

  auto* fitc = c.fitc = app.add_subcommand(
      "fit",
      "which catalog models fit a device group, largest first, with batch-1 decode "
      "speed and the largest batch");
  FitOptions& fo = c.fo;
  fitc->add_option("-H,--hardware", fo.hardware, "device short name or YAML")->required();
  fitc->add_option("--count", fo.count, "devices (tensor parallel, then pipeline)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{64}))
      ->capture_default_str();
  fitc->add_option("--context", fo.context, "tokens per sequence")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 24))
      ->capture_default_str();
  fitc->add_option("-w,--weights", fo.weights, "schemes to try, best first")->capture_default_str();
  fitc->add_option("-f,--format", fo.format, "table | json")->capture_default_str();
  fitc->add_option("-o,--out", fo.out, "write the report to FILE (atomically)");
}

void add_cost_commands(CLI::App& app, CommandLine& c) {
  // cost and compare share their options.
  auto add_cost_options = [](CLI::App* cmd, CostOptions& co) {
    add_deployment_options(cmd, co.dep);
    cmd->add_option("-p,--prompt", co.prompt, "mean prompt tokens per request")
        ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 24))
        ->capture_default_str();
    cmd->add_option("-n,--output", co.output, "mean output tokens per request")
        ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 24))
        ->capture_default_str();
    cmd->add_option("-b,--batch", co.batch, "serving batch (default: the most that fits, <= 256)")
        ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 20));
    cmd->add_option("--utilization", co.utilization,
                    "average fraction of the capacity used over the month")
        ->check(CLI::Range(0.01, 1.0))
        ->capture_default_str();
    cmd->add_option("--rent", co.rent, "rental term: on-demand | reserved-1y | reserved-3y | spot")
        ->capture_default_str();
    cmd->add_option("--usd-per-hour", co.usd_per_hour, "rental price per device-hour (basis: user)")
        ->check(CLI::Range(0.0001, 1e5));
    cmd->add_option("--purchase-usd", co.purchase_usd, "purchase price per device (basis: user)")
        ->check(CLI::Range(1.0, 1e8));
    cmd->add_option("--pue", co.pue, "data-centre power usage effectiveness")
        ->check(CLI::Range(1.0, 3.0));
    cmd->add_option("--kwh-usd", co.kwh_usd, "electricity price, $ per kWh")
        ->check(CLI::Range(0.0001, 5.0));
    cmd->add_option("--life-years", co.life_years, "useful life for amortisation")
        ->check(CLI::Range(0.5, 20.0));
    cmd->add_option("--idle-fraction", co.idle_fraction, "idle power as a fraction of TDP")
        ->check(CLI::Range(0.0, 1.0));
    cmd->add_option("--server-overhead", co.server_overhead,
                    "host server cost as a fraction of the accelerators' price")
        ->check(CLI::Range(0.0, 5.0));
    cmd->add_option("--hosting-usd", co.hosting_usd,
                    "colocation and operations per server per month, $")
        ->check(CLI::Range(0.0, 1e6));
    cmd->add_option("--workload", co.workload,
                    "take the mean prompt/output lengths from a workload YAML");
    cmd->add_option("-f,--format", co.format, "table | json")->capture_default_str();
    cmd->add_option("-o,--out", co.out, "write the report to FILE (atomically)");
  };
  auto* costc = c.costc = app.add_subcommand(
      "cost",
      "what a deployment costs: $/hour and $/1M input and output tokens, rented and "
      "owned (capex + energy + hosting), and energy per token");
  CostOptions& co = c.co;
  add_cost_options(costc, co);
  auto* cmpc = c.cmpc = app.add_subcommand(
      "compare",
      "self-hosting versus hosted APIs at a monthly volume: monthly cost, break-even "
      "volume, buy-vs-rent months, the utilisation where self-hosting stops paying, "
      "and a sensitivity table");
  CostOptions& cmo = c.cmo;
  add_cost_options(cmpc, cmo);
  cmpc->add_option("--volume", cmo.volume, "tokens per month, e.g. 2e9tok/month, 500M/month")
      ->required();
  cmpc->add_option("--mix", cmo.mix, "input:output token ratio")->capture_default_str();
  cmpc->add_option("--cached", cmo.cached, "share of input tokens that are cache hits")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  cmpc->add_option("--apis", cmo.apis,
                   "comma list of API models (provider/model or model); default: the APIs "
                   "serving this open model");
  cmpc->add_option("--as-of", cmo.as_of, "use the price snapshots in force at this date");
  cmpc->add_option("--slo", cmo.slo,
                   "size the deployment with the planner: the replicas that serve the volume "
                   "within these latency targets (e.g. ttft_p99=1s,tpot_p99=50ms)");

  auto* studyc = c.studyc = app.add_subcommand(
      "study",
      "run a YAML what-if study (sweeps, constraints, derived columns, sort) and write "
      "results.csv/.jsonl, report.md, report.html and SVG charts");
  StudyOptions& sto = c.sto;
  sto.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  studyc->add_option("file", sto.file, "the study YAML (profiles/studies/*.yaml)")->required();
  studyc->add_option("--out", sto.out, "output directory (default out/<study id>)");
  studyc->add_option("--threads", sto.threads, "threads (default: all cores)")
      ->check(CLI::Range(1, 1024));
  studyc->add_option("--shard", sto.shard,
                     "evaluate slice i of n (0-based), e.g. 3/16 for a Slurm array task; then "
                     "run once more with --merge");
  studyc->add_flag("--merge", sto.merge, "join results.shard-*-of-*.csv and write the report");
  studyc->add_flag("--quiet", sto.quiet, "no progress bar");

  AccuracyCmdOptions& acc_o = c.acc_o;
  c.acc = add_accuracy_command(app, acc_o);
}

#ifdef LLMSIZER_HAVE_PROFILER
void add_host_commands(CLI::App& app, CommandLine& c) {
  auto* hwc = c.hwc = app.add_subcommand("hw",
                                         "this host: packages, cores, threads, caches, NUMA nodes, "
                                         "memory (hwloc and the OS) and ISA features; GPUs in a "
                                         "CUDA build");
  std::string& hw_format = c.hw_format;
  hwc->add_option("-f,--format", hw_format, "table | json")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();

  auto* profc = c.profc =
      app.add_subcommand("profile",
                         "measure this host (bandwidth curve, FP32 FMA and int8 "
                         "peaks, kernel sweeps at the models' shapes) and write a "
                         "hardware-profile YAML");
  ProfileCmdOptions& prof_o = c.prof_o;
  bool& prof_quick_flag = c.prof_quick_flag;
  auto* prof_quick =
      profc->add_flag("--quick", prof_quick_flag, "quick run, under 90 s on 2 cores (default)");
  profc->add_flag("--full", prof_o.full, "finer sweep, longer repetitions (under 10 min)")
      ->excludes(prof_quick);
  profc->add_option("--out", prof_o.out,
                    "output file (default <profiles>/measured/<host>-<date>.yaml)");
  profc->add_option("--threads", prof_o.threads, "most threads to use (default: all cores)")
      ->check(CLI::Range(1, 1024));
  profc
      ->add_option("--models", prof_o.models,
                   "models whose shapes the kernel sweeps time, comma-separated catalog names "
                   "or model files (default: tinyllama-1.1b,llama-3.1-8b)")
      ->delimiter(',');
  profc->add_option("--benchmark-out", prof_o.benchmark_out,
                    "also write Google Benchmark's raw JSON of the kernel sweeps here");
  profc->add_flag("--quiet", prof_o.quiet, "no progress");
  profc->add_option("--device", prof_o.device, "cpu | gpu (gpu needs a CUDA build)")
      ->check(CLI::IsMember({"cpu", "gpu"}))
      ->capture_default_str();
  profc->add_option("--gpu", prof_o.gpu_index, "which CUDA device with --device gpu")
      ->check(CLI::Range(0, 63))
      ->capture_default_str();

  RunCmdOptions& run_o = c.run_o;
  c.runc = add_run_command(app, run_o);
  ValidateOptions& val_o = c.val_o;
  c.valc = add_validate_command(app, val_o);
}
#endif

int dispatch(const CommandLine& c) {
  if (c.list->parsed()) return run_list(c.g, c.list_what, c.list_format);
  if (c.show->parsed()) return run_show_model(c.g, c.show_name, c.show_format);
  if (c.est->parsed()) return run_estimate(c.g, c.o);
  if (c.serve->parsed()) return run_serve(c.g, c.so);
  if (c.planc->parsed()) return run_plan(c.g, c.po);
  if (c.fitc->parsed()) return run_fit(c.g, c.fo);
  if (c.costc->parsed()) return run_cost(c.g, c.co);
  if (c.studyc->parsed()) return run_study(c.g, c.sto);
#ifdef LLMSIZER_HAVE_PROFILER
  if (c.hwc->parsed()) {
    const auto t = llmsizer::profiler::discover_topology();
#ifdef LLMSIZER_HAVE_CUDA
    std::string why;
    const auto gpus = llmsizer::profiler::discover_gpus(&why);
    std::fputs(
        (c.hw_format == "json"
             ? llmsizer::profiler::topology_json(
                   t, [&](auto& j) { llmsizer::profiler::gpus_json(j, gpus); })
             : llmsizer::profiler::topology_table(t) + llmsizer::profiler::gpus_table(gpus, why))
            .c_str(),
        stdout);
#else
    std::fputs((c.hw_format == "json" ? llmsizer::profiler::topology_json(t)
                                      : llmsizer::profiler::topology_table(t))
                   .c_str(),
               stdout);
#endif
    return 0;
  }
  if (c.profc->parsed()) return run_profile(c.g, c.prof_o);
  if (c.runc->parsed()) return run_run(c.g, c.run_o);
  if (c.valc->parsed()) return run_validate(c.g, c.val_o);
#endif
  if (c.cmpc->parsed()) return run_compare(c.g, c.cmo);
  if (c.acc->parsed()) return run_accuracy(c.g, c.acc_o);
  return 2;
}

}  // namespace llmsizer::cli
