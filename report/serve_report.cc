// serve_report.cc — the serve report's encodings (see serve_report.h).
#include "report/serve_report.h"

#include <fmt/format.h>

namespace llmsizer::report {

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

std::string serve_json(const ServeReport& r) {
  schema::JsonWriter j;
  j.begin_object();
  j.key("schema").value("serve-report").key("schema_version").value(1);
  j.key("basis").value(r.basis);
  j.key("model").value(r.dep->model->id).key("hardware").value(r.dep->hardware->id);
  j.key("tp").value(r.dep->par.tp).key("pp").value(r.dep->par.pp);
  precision_json(j, *r.dep);
  j.key("workload").value(r.workload->id);
  j.key("config").begin_object();
  j.key("max_batch")
      .value(r.cfg->max_batch)
      .key("max_batched_tokens")
      .value(r.cfg->max_batched_tokens);
  j.key("block_size")
      .value(r.cfg->block_size)
      .key("kv_capacity_tokens")
      .value(r.cfg->kv_capacity_tokens);
  j.key("static_batching").value(r.cfg->static_batching).key("preemption").value(r.cfg->preemption);
  j.end_object();
  j.key("requests").value(r.result->requests).key("completed").value(r.result->completed);
  j.key("rejected_beyond_context").value(r.result->rejected_context);
  j.key("rejected_beyond_kv_capacity").value(r.result->rejected_kv);
  j.key("stopped_at_step_limit").value(r.result->stopped_at_step_limit);
  j.key("preemptions").value(r.result->preemptions).key("steps").value(r.result->steps);
  j.key("duration_s").value(r.result->duration_s);
  percentiles_json(j, "ttft_s", r.result->ttft_s, r.result->completed > 0);
  percentiles_json(j, "tpot_s", r.result->tpot_s, r.result->completed > 0);
  percentiles_json(j, "itl_s", r.result->itl_s, r.result->completed > 0);
  percentiles_json(j, "e2e_s", r.result->e2e_s, r.result->completed > 0);
  j.key("throughput").begin_object();
  j.key("requests_per_s").value(r.result->requests_per_s);
  j.key("output_tokens_per_s").value(r.result->output_tokens_per_s);
  j.key("total_tokens_per_s").value(r.result->total_tokens_per_s);
  j.key("goodput_requests_per_s").value(r.result->goodput_requests_per_s);
  j.end_object();
  j.key("slo").value(estimator::format_slo(r.slo)).key("slo_met").value(r.result->slo_met);
  j.key("slo_attainment").value(r.result->slo_attainment);
  j.key("utilization").begin_object();
  j.key("kv_mean")
      .value(r.result->kv_utilization_mean)
      .key("kv_max")
      .value(r.result->kv_utilization_max);
  j.key("batch_mean").value(r.result->batch_utilization_mean);
  j.key("queue_mean")
      .value(r.result->queue_length_mean)
      .key("queue_max")
      .value(r.result->queue_length_max);
  j.end_object();
  j.end_object();
  return j.str();
}

std::string serve_csv(const ServeReport& r) {
  std::string text;
  text =
      "model,hardware,tp,pp,weights,workload,requests,completed,ttft_p50_s,ttft_p99_s,"
      "tpot_p50_s,tpot_p99_s,itl_p99_s,e2e_p50_s,e2e_p99_s,requests_per_s,output_tokens_per_s,"
      "goodput_requests_per_s,slo_met,kv_utilization_mean,preemptions,rejected\n";
  text += fmt::format(
      "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", r.dep->model->id,
      r.dep->hardware->id, r.dep->par.tp, r.dep->par.pp, r.dep->scheme().name, r.workload->id,
      r.result->requests, r.result->completed, schema::format_number(r.result->ttft_s.p50),
      schema::format_number(r.result->ttft_s.p99), schema::format_number(r.result->tpot_s.p50),
      schema::format_number(r.result->tpot_s.p99), schema::format_number(r.result->itl_s.p99),
      schema::format_number(r.result->e2e_s.p50), schema::format_number(r.result->e2e_s.p99),
      schema::format_number(r.result->requests_per_s),
      schema::format_number(r.result->output_tokens_per_s),
      schema::format_number(r.result->goodput_requests_per_s), r.result->slo_met ? "true" : "false",
      schema::format_number(r.result->kv_utilization_mean), r.result->preemptions,
      r.result->rejected());
  return text;
}

std::string serve_table(const ServeReport& r) {
  std::string text;
  text = fmt::format("{} on {} x {} [tp={} pp={}]\n{}\n", r.dep->model->name, r.dep->par.devices(),
                     r.dep->hardware->name, r.dep->par.tp, r.dep->par.pp, precision_text(*r.dep));
  text += fmt::format(
      "workload {}: {} requests; {} batching, max batch {}, {} tokens/step, "
      "KV pool {} tokens in {}-token blocks\n",
      r.workload->name, r.result->requests, r.cfg->static_batching ? "static" : "continuous",
      r.cfg->max_batch, r.cfg->max_batched_tokens, r.cfg->kv_capacity_tokens, r.cfg->block_size);
  text += fmt::format("basis: {}\n\n", r.basis);
  text +=
      fmt::format("{:<26} {:>11} {:>11} {:>11} {:>11}\n", "latency", "p50", "p90", "p99", "mean");
  // With nothing completed there is no latency to show (never 0 ms).
  auto row = [&](const char* what, const estimator::Percentiles& p) {
    if (r.result->completed == 0)
      text += fmt::format("{:<26} {:>11} {:>11} {:>11} {:>11}\n", what, "-", "-", "-", "-");
    else
      text += fmt::format("{:<26} {:>11} {:>11} {:>11} {:>11}\n", what, ms(p.p50), ms(p.p90),
                          ms(p.p99), ms(p.mean));
  };
  row("time to first token", r.result->ttft_s);
  row("time per output token", r.result->tpot_s);
  row("inter-token latency", r.result->itl_s);
  row("end-to-end", r.result->e2e_s);
  text += fmt::format(
      "\nthroughput     {:.2f} requests/s, {:.0f} output tokens/s, {:.0f} "
      "tokens/s in total\n",
      r.result->requests_per_s, r.result->output_tokens_per_s, r.result->total_tokens_per_s);
  if (!r.slo.empty())
    text += fmt::format(
        "SLO            {}: {} ({:.1f}% of requests within every limit; "
        "goodput {:.2f} requests/s)\n",
        estimator::format_slo(r.slo), r.result->slo_met ? "met" : "MISSED",
        100.0 * r.result->slo_attainment, r.result->goodput_requests_per_s);
  text += fmt::format(
      "utilisation    KV cache {:.0f}% mean / {:.0f}% max, batch {:.0f}% mean; "
      "queue {:.1f} mean / {} max; {} preemptions; {} completed of {}\n",
      100 * r.result->kv_utilization_mean, 100 * r.result->kv_utilization_max,
      100 * r.result->batch_utilization_mean, r.result->queue_length_mean,
      r.result->queue_length_max, r.result->preemptions, r.result->completed, r.result->requests);
  text += fmt::format("simulated      {:.1f} s of serving in {} engine steps\n",
                      r.result->duration_s, r.result->steps);
  if (r.result->rejected_context > 0)
    text +=
        fmt::format("rejected       {} of {} requests: longer than the model's {}-token context\n",
                    r.result->rejected_context, r.result->requests, r.dep->model->arch.max_context);
  if (r.result->rejected_kv > 0)
    text += fmt::format(
        "rejected       {} of {} requests: need more KV cache than one replica holds ({} "
        "tokens); try more devices (--tp/--pp) or a smaller KV dtype (--kv)\n",
        r.result->rejected_kv, r.result->requests, r.cfg->kv_capacity_tokens);
  if (r.result->stopped_at_step_limit)
    text += fmt::format(
        "stopped        at the step limit (--max-steps {}): the figures cover the {} requests "
        "finished by then\n",
        r.cfg->max_steps, r.result->completed);
  return text;
}

std::string serve_timeline_csv(const estimator::ServingResult& r) {
  std::string csv = "time_s,step_s,running,waiting,decode_seqs,prefill_tokens,kv_utilization\n";
  for (const auto& row : r.timeline)
    csv += fmt::format("{},{},{},{},{},{},{}\n", schema::format_number(row.time_s),
                       schema::format_number(row.step_s), row.running, row.waiting, row.decode_seqs,
                       row.prefill_tokens, schema::format_number(row.kv_utilization));
  return csv;
}

}  // namespace llmsizer::report
