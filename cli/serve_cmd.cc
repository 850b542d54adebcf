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
#include "schema/text_writer.h"
#include "schema/workload.h"

namespace llmsizer::cli {

namespace {

std::string ms(double s) {
  return fmt::format("{:.1f} ms", s * 1e3);
}

// null when nothing completed: there is no latency to report.
void percentiles_json(schema::JsonWriter& j, const char* key, const estimator::Percentiles& p,
                      bool any) {
  if (!any) {
    j.key(key).null();
    return;
  }
  j.key(key).begin_object();
  j.key("p50").value(p.p50).key("p90").value(p.p90).key("p99").value(p.p99);
  j.key("mean").value(p.mean).key("max").value(p.max);
  j.end_object();
}

}  // namespace

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

  if (!o.timeline.empty()) {
    std::string csv = "time_s,step_s,running,waiting,decode_seqs,prefill_tokens,kv_utilization\n";
    for (const auto& r : res.timeline)
      csv += fmt::format("{},{},{},{},{},{},{}\n", schema::format_number(r.time_s),
                         schema::format_number(r.step_s), r.running, r.waiting, r.decode_seqs,
                         r.prefill_tokens, schema::format_number(r.kv_utilization));
    if (!emit(o.timeline, csv, d)) return fail(d);
  }

  const std::string basis = "simulated on the datasheet roofline, " + pm.efficiency().basis;
  std::string text;
  if (o.format == "json") {
    schema::JsonWriter j;
    j.begin_object();
    j.key("schema").value("serve-report").key("schema_version").value(1);
    j.key("basis").value(basis);
    j.key("model").value(dep->model.id).key("hardware").value(dep->hardware.id);
    j.key("tp").value(spec.par.tp).key("pp").value(spec.par.pp);
    precision_json(j, spec);
    j.key("workload").value(wl->id);
    j.key("config").begin_object();
    j.key("max_batch").value(cfg.max_batch).key("max_batched_tokens").value(cfg.max_batched_tokens);
    j.key("block_size")
        .value(cfg.block_size)
        .key("kv_capacity_tokens")
        .value(cfg.kv_capacity_tokens);
    j.key("static_batching").value(cfg.static_batching).key("preemption").value(cfg.preemption);
    j.end_object();
    j.key("requests").value(res.requests).key("completed").value(res.completed);
    j.key("rejected_beyond_context").value(res.rejected_context);
    j.key("rejected_beyond_kv_capacity").value(res.rejected_kv);
    j.key("stopped_at_step_limit").value(res.stopped_at_step_limit);
    j.key("preemptions").value(res.preemptions).key("steps").value(res.steps);
    j.key("duration_s").value(res.duration_s);
    percentiles_json(j, "ttft_s", res.ttft_s, res.completed > 0);
    percentiles_json(j, "tpot_s", res.tpot_s, res.completed > 0);
    percentiles_json(j, "itl_s", res.itl_s, res.completed > 0);
    percentiles_json(j, "e2e_s", res.e2e_s, res.completed > 0);
    j.key("throughput").begin_object();
    j.key("requests_per_s").value(res.requests_per_s);
    j.key("output_tokens_per_s").value(res.output_tokens_per_s);
    j.key("total_tokens_per_s").value(res.total_tokens_per_s);
    j.key("goodput_requests_per_s").value(res.goodput_requests_per_s);
    j.end_object();
    j.key("slo").value(estimator::format_slo(slo)).key("slo_met").value(res.slo_met);
    j.key("slo_attainment").value(res.slo_attainment);
    j.key("utilization").begin_object();
    j.key("kv_mean").value(res.kv_utilization_mean).key("kv_max").value(res.kv_utilization_max);
    j.key("batch_mean").value(res.batch_utilization_mean);
    j.key("queue_mean").value(res.queue_length_mean).key("queue_max").value(res.queue_length_max);
    j.end_object();
    j.end_object();
    text = j.str();
  } else if (o.format == "csv") {
    text =
        "model,hardware,tp,pp,weights,workload,requests,completed,ttft_p50_s,ttft_p99_s,"
        "tpot_p50_s,tpot_p99_s,itl_p99_s,e2e_p50_s,e2e_p99_s,requests_per_s,output_tokens_per_s,"
        "goodput_requests_per_s,slo_met,kv_utilization_mean,preemptions,rejected\n";
    text += fmt::format(
        "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", dep->model.id,
        dep->hardware.id, spec.par.tp, spec.par.pp, spec.scheme().name, wl->id, res.requests,
        res.completed, schema::format_number(res.ttft_s.p50), schema::format_number(res.ttft_s.p99),
        schema::format_number(res.tpot_s.p50), schema::format_number(res.tpot_s.p99),
        schema::format_number(res.itl_s.p99), schema::format_number(res.e2e_s.p50),
        schema::format_number(res.e2e_s.p99), schema::format_number(res.requests_per_s),
        schema::format_number(res.output_tokens_per_s),
        schema::format_number(res.goodput_requests_per_s), res.slo_met ? "true" : "false",
        schema::format_number(res.kv_utilization_mean), res.preemptions, res.rejected());
  } else {
    text = fmt::format("{} on {} x {} [tp={} pp={}]\n{}\n", dep->model.name, spec.par.devices(),
                       dep->hardware.name, spec.par.tp, spec.par.pp, precision_text(spec));
    text += fmt::format(
        "workload {}: {} requests; {} batching, max batch {}, {} tokens/step, "
        "KV pool {} tokens in {}-token blocks\n",
        wl->name, res.requests, cfg.static_batching ? "static" : "continuous", cfg.max_batch,
        cfg.max_batched_tokens, cfg.kv_capacity_tokens, cfg.block_size);
    text += fmt::format("basis: {}\n\n", basis);
    text +=
        fmt::format("{:<26} {:>11} {:>11} {:>11} {:>11}\n", "latency", "p50", "p90", "p99", "mean");
    // With nothing completed there is no latency to show (never 0 ms).
    auto row = [&](const char* what, const estimator::Percentiles& p) {
      if (res.completed == 0)
        text += fmt::format("{:<26} {:>11} {:>11} {:>11} {:>11}\n", what, "-", "-", "-", "-");
      else
        text += fmt::format("{:<26} {:>11} {:>11} {:>11} {:>11}\n", what, ms(p.p50), ms(p.p90),
                            ms(p.p99), ms(p.mean));
    };
    row("time to first token", res.ttft_s);
    row("time per output token", res.tpot_s);
    row("inter-token latency", res.itl_s);
    row("end-to-end", res.e2e_s);
    text += fmt::format(
        "\nthroughput     {:.2f} requests/s, {:.0f} output tokens/s, {:.0f} "
        "tokens/s in total\n",
        res.requests_per_s, res.output_tokens_per_s, res.total_tokens_per_s);
    if (!slo.empty())
      text += fmt::format(
          "SLO            {}: {} ({:.1f}% of requests within every limit; "
          "goodput {:.2f} requests/s)\n",
          estimator::format_slo(slo), res.slo_met ? "met" : "MISSED", 100.0 * res.slo_attainment,
          res.goodput_requests_per_s);
    text += fmt::format(
        "utilisation    KV cache {:.0f}% mean / {:.0f}% max, batch {:.0f}% mean; "
        "queue {:.1f} mean / {} max; {} preemptions; {} completed of {}\n",
        100 * res.kv_utilization_mean, 100 * res.kv_utilization_max,
        100 * res.batch_utilization_mean, res.queue_length_mean, res.queue_length_max,
        res.preemptions, res.completed, res.requests);
    text += fmt::format("simulated      {:.1f} s of serving in {} engine steps\n", res.duration_s,
                        res.steps);
    if (res.rejected_context > 0)
      text += fmt::format(
          "rejected       {} of {} requests: longer than the model's {}-token context\n",
          res.rejected_context, res.requests, dep->model.arch.max_context);
    if (res.rejected_kv > 0)
      text += fmt::format(
          "rejected       {} of {} requests: need more KV cache than one replica holds ({} "
          "tokens); try more devices (--tp/--pp) or a smaller KV dtype (--kv)\n",
          res.rejected_kv, res.requests, cfg.kv_capacity_tokens);
    if (res.stopped_at_step_limit)
      text += fmt::format(
          "stopped        at the step limit (--max-steps {}): the figures cover the {} requests "
          "finished by then\n",
          cfg.max_steps, res.completed);
  }
  return emit(o.out, text, d) ? 0 : fail(d);
}

}  // namespace llmsizer::cli
