// serve_cmd.cc — `llmsizer serve`: simulate one serving replica under a workload and print
// latency percentiles, throughput, goodput and utilisation (docs/serving.md).
#include <chrono>
#include <cstdio>

#include <unistd.h>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/deployment.h"
#include "cli/output.h"
#include "core/units.h"
#include "estimator/estimate.h"
#include "estimator/performance.h"
#include "estimator/serving.h"
#include "report/serve_report.h"
#include "schema/text_writer.h"
#include "schema/workload.h"

namespace llmsizer::cli {

int run_serve(const GlobalOptions& g, const ServeOptions& o) {
  core::Diagnostics d;
  check_format(o.format, {"table", "json", "csv"}, d);
  estimator::Slo slo;
  if (!o.slo.empty()) {
    std::string why;
    auto parsed = estimator::parse_slo(o.slo, &why);
    if (!parsed)
      d.error(kCmdLine, "--slo", why);
    else
      slo = *parsed;
  }
  // The workload: a YAML file, or Poisson arrivals at --rate with fixed lengths.
  std::optional<schema::Workload> wl;
  if (!o.workload.empty() && !o.rate.empty()) {
    d.error(kCmdLine, "--rate", "give either --workload FILE or --rate, not both");
  } else if (!o.workload.empty()) {
    wl = schema::load_workload(o.workload, d);
  } else if (!o.rate.empty()) {
    const auto rate = core::parse_rate_per_s(o.rate);
    if (!rate || *rate <= 0) {
      d.error(kCmdLine, "--rate", fmt::format("'{}' is not a rate (e.g. 20rps, 1200/min)", o.rate));
    } else {
      schema::Workload w;
      w.id = "cli";
      w.name = fmt::format("Poisson {} req/s, {} + {} tokens", *rate, o.prompt, o.output);
      w.rate_per_s = *rate;
      w.prompt.kind = w.output.kind = schema::LengthKind::kFixed;
      w.prompt.value = static_cast<double>(o.prompt);
      w.output.value = static_cast<double>(o.output);
      w.prompt.max = w.output.max = std::int64_t{1} << 24;
      w.source = "command line";
      wl = w;
    }
  } else {
    d.error(kCmdLine, "--workload", "give a workload YAML (--workload FILE) or a --rate");
  }
  auto dep = resolve_deployment(g, o.dep, d);
  if (d.has_errors() || !dep || !wl) return fail(d);
  if (o.seed) wl->seed = static_cast<std::uint64_t>(*o.seed);

  estimator::Deployment spec = dep->view();
  spec.prefill_chunk_tokens = o.max_batched_tokens;  // the engine's chunked-prefill budget
  const estimator::PerfModel pm(spec);
  const estimator::MemoryInputs mi = spec.memory_inputs(1, o.prompt, o.output);
  estimator::ServingConfig cfg;
  cfg.max_batched_tokens = o.max_batched_tokens;
  cfg.block_size = o.block_size;
  cfg.kv_capacity_tokens = estimator::kv_token_capacity(mi, cfg.max_batched_tokens);
  cfg.max_batch = o.max_batch;
  cfg.static_batching = o.static_batching;
  cfg.preemption = !o.no_preemption;
  cfg.max_context_tokens = dep->model.arch.max_context;
  cfg.max_steps = o.max_steps;
  if (cfg.kv_capacity_tokens <= 0) {
    d.error(kCmdLine, "",
            fmt::format("{} does not fit on {} x {} with room for a KV cache (weights, overhead "
                        "and the activations of a {}-token step fill the memory); try more "
                        "devices (--tp/--pp), fewer bits (--weights) or a smaller "
                        "--max-batched-tokens",
                        dep->model.id, spec.par.devices(), dep->hardware.short_name,
                        cfg.max_batched_tokens));
    return fail(d);
  }

  const auto requests = estimator::generate_requests(
      *wl, std::nullopt, o.requests > 0 ? std::optional<std::int64_t>(o.requests) : std::nullopt);
  // Progress on stderr once a simulation has run for a second, at most once a second.
  const auto start = std::chrono::steady_clock::now();
  auto last = start;
  bool shown = false;
  const bool tty = isatty(2) != 0;
  const estimator::SimulationProgress progress = [&](std::int64_t finished, std::int64_t total,
                                                     std::int64_t steps) {
    const auto now = std::chrono::steady_clock::now();
    if (now - start < std::chrono::seconds(1) || now - last < std::chrono::seconds(1)) return;
    last = now;
    shown = true;
    std::fprintf(stderr, "%sserve: %lld of %lld requests done, %lld of at most %lld steps%s",
                 tty ? "\r" : "", static_cast<long long>(finished), static_cast<long long>(total),
                 static_cast<long long>(steps), static_cast<long long>(cfg.max_steps),
                 tty ? "" : "\n");
  };
  const auto res = estimator::simulate(pm, cfg, requests, slo, !o.timeline.empty(), progress);
  if (shown && tty) std::fputs("\n", stderr);

  if (!o.timeline.empty() && !emit(o.timeline, report::serve_timeline_csv(res), d)) return fail(d);
  report::ServeReport rep;
  rep.dep = &spec;
  rep.workload = &*wl;
  rep.cfg = &cfg;
  rep.result = &res;
  rep.slo = slo;
  rep.basis = "simulated on the datasheet roofline, " + pm.efficiency().basis;
  const std::string text = o.format == "json"  ? report::serve_json(rep)
                           : o.format == "csv" ? report::serve_csv(rep)
                                               : report::serve_table(rep);
  return emit(o.out, text, d) ? 0 : fail(d);
}

}  // namespace llmsizer::cli
