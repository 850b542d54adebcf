// estimate_report.cc — JSON/CSV/Markdown/table encodings of EstimateReport.
// The JSON layout is the contract in docs/schema/estimate-report.md; keep it stable.
#include "schema/estimate_report.h"

#include <fmt/format.h>

#include "core/units.h"
#include "schema/text_writer.h"

namespace llmsizer::schema {

namespace {

std::string gib(std::uint64_t b) {
  return core::format_bytes(b);
}

}  // namespace

std::string report_to_json(const EstimateReport& r) {
  JsonWriter w;
  w.begin_object();
  w.key("schema").value("estimate-report");
  w.key("schema_version").value(kEstimateReportVersion);
  w.key("basis").value(r.basis);
  w.key("model").begin_object();
  w.key("id").value(r.model.id);
  w.key("name").value(r.model.name);
  w.key("origin").value(r.model.origin);
  w.key("params_total").value(r.model.params_total);
  w.key("params_active").value(r.model.params_active);
  w.end_object();
  w.key("hardware").begin_object();
  w.key("id").value(r.hardware.id);
  w.key("name").value(r.hardware.name);
  w.key("capacity_bytes").value(r.hardware.capacity_bytes);
  w.key("bandwidth_bytes_per_s").value(r.hardware.bandwidth_bytes_per_s);
  w.key("source").value(r.hardware.source);
  w.end_object();
  w.key("setup").begin_object();
  w.key("devices").value(r.setup.devices);
  w.key("tp").value(r.setup.tp);
  w.key("pp").value(r.setup.pp);
  w.key("weights").value(r.setup.weights);
  w.key("kv").value(r.setup.kv);
  w.key("activations").value(r.setup.activations);
  w.key("batch").value(r.setup.batch);
  w.key("prompt_tokens").value(r.setup.prompt_tokens);
  w.key("output_tokens").value(r.setup.output_tokens);
  w.end_object();
  const auto& m = r.memory;
  w.key("memory").begin_object();
  w.key("per_device").value(true);
  w.key("weights_bytes").value(m.weights_bytes);
  w.key("weights_bytes_total").value(m.weights_bytes_total);
  w.key("bits_per_weight").value(m.bits_per_weight);
  w.key("kv_cache_bytes_per_token").value(m.kv_cache_bytes_per_token);
  w.key("kv_cache_bytes").value(m.kv_cache_bytes);
  w.key("activation_bytes").value(m.activation_bytes);
  w.key("activation_basis").value(m.activation_basis);
  w.key("overhead_bytes").value(m.overhead_bytes);
  w.key("overhead_basis").value(m.overhead_basis);
  w.key("total_bytes").value(m.total_bytes);
  w.key("capacity_bytes").value(m.capacity_bytes);
  w.key("fits").value(m.fits);
  w.key("reason").value(m.reason);
  w.key("max_batch").value(m.max_batch);
  w.key("max_context").value(m.max_context);
  w.end_object();
  const auto& p = r.perf;
  w.key("prefill").begin_object();
  w.key("time_s").value(p.prefill_time_s);
  w.key("tokens_per_s").value(p.prefill_tokens_per_s);
  w.key("bound").value(p.prefill_bound);
  w.end_object();
  w.key("decode").begin_object();
  w.key("time_per_step_s").value(p.decode_time_per_step_s);
  w.key("time_first_step_s").value(p.decode_time_first_step_s);
  w.key("time_last_step_s").value(p.decode_time_last_step_s);
  w.key("tokens_per_s").value(p.decode_tokens_per_s);
  w.key("bound").value(p.decode_bound);
  w.end_object();
  w.key("latency").begin_object();
  w.key("ttft_s").value(p.ttft_s);
  w.key("tpot_s").value(p.tpot_s);
  w.key("e2e_s").value(p.e2e_s);
  w.end_object();
  w.key("throughput").begin_object();
  w.key("output_tokens_per_s").value(p.output_tokens_per_s);
  w.key("output_tokens_per_s_per_device").value(p.output_tokens_per_s_per_device);
  w.key("total_tokens_per_s").value(p.total_tokens_per_s);
  w.end_object();
  w.key("time_model").begin_object();
  w.key("compute_dtype").value(p.compute_dtype);
  w.key("compute_peak_flop_per_s").value(p.compute_peak_flop_per_s);
  w.key("compute_efficiency").value(p.compute_efficiency);
  w.key("memory_efficiency").value(p.memory_efficiency);
  w.key("kernel_overhead_s").value(p.kernel_overhead_s);
  w.key("efficiency_basis").value(p.efficiency_basis);
  w.key("time_basis").value(p.time_basis);
  w.end_object();
  if (p.error_band) {
    const auto& b = *p.error_band;
    auto band = [&](const char* k, double v) {
      w.key(k);
      if (v >= 0)
        w.value(v);
      else
        w.null();
    };
    const double e2e = std::max(b.prefill, b.decode);
    w.key("error_band").begin_object();
    w.key("basis").value(b.basis).key("quantile").value(b.quantile);
    band("prefill", b.prefill);
    band("ttft", b.prefill);
    band("decode", b.decode);
    band("tpot", b.decode);
    band("e2e", b.prefill >= 0 && b.decode >= 0 ? e2e : -1);
    band("throughput", b.decode);
    band("memory", b.memory);
    w.key("points").value(b.points).key("source").value(b.source);
    w.end_object();
  }
  if (!p.ops.empty()) {
    w.key("ops").begin_array();
    for (const auto& o : p.ops) {
      w.begin_object();
      w.key("phase").value(o.phase).key("name").value(o.name).key("count").value(o.count);
      w.key("time_s").value(o.time_s).key("flops").value(o.flops).key("bytes").value(o.bytes);
      w.key("bound").value(o.bound).key("basis").value(o.basis).key("share").value(o.share);
      w.end_object();
    }
    w.end_array();
  }
  w.key("notes").begin_array();
  for (const auto& n : r.notes) w.value(n);
  w.end_array();
  w.end_object();
  return w.str();
}

std::string report_to_csv(const std::vector<EstimateReport>& rows) {
  std::string out =
      "model_id,hardware_id,devices,tp,pp,weights,kv,batch,prompt_tokens,output_tokens,"
      "params_total,params_active,weights_bytes,kv_cache_bytes_per_token,kv_cache_bytes,"
      "activation_bytes,overhead_bytes,total_bytes,capacity_bytes,fits,max_batch,max_context,"
      "prefill_time_s,ttft_s,tpot_s,e2e_s,decode_tokens_per_s,output_tokens_per_s,"
      "output_tokens_per_s_per_device,total_tokens_per_s,basis\n";
  for (const auto& r : rows) {
    const auto& m = r.memory;
    const auto& p = r.perf;
    out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},",
                       csv_field(r.model.id), csv_field(r.hardware.id), r.setup.devices, r.setup.tp,
                       r.setup.pp, csv_field(r.setup.weights), csv_field(r.setup.kv), r.setup.batch,
                       r.setup.prompt_tokens, r.setup.output_tokens, r.model.params_total,
                       r.model.params_active, m.weights_bytes, m.kv_cache_bytes_per_token,
                       m.kv_cache_bytes, m.activation_bytes, m.overhead_bytes, m.total_bytes,
                       m.capacity_bytes, m.fits ? "true" : "false", m.max_batch, m.max_context);
    out += fmt::format("{},{},{},{},{},{},{},{},{}\n", format_number(p.prefill_time_s),
                       format_number(p.ttft_s), format_number(p.tpot_s), format_number(p.e2e_s),
                       format_number(p.decode_tokens_per_s), format_number(p.output_tokens_per_s),
                       format_number(p.output_tokens_per_s_per_device),
                       format_number(p.total_tokens_per_s), csv_field(r.basis));
  }
  return out;
}

namespace {

struct Row {
  std::string what, value, basis;
};

std::vector<Row> memory_rows(const EstimateReport& r) {
  const auto& m = r.memory;
  const std::string per_dev = r.setup.devices > 1 ? " (per device)" : "";
  return {
      {"weights" + per_dev,
       fmt::format("{} ({:.2f} bits/weight, {} whole model)", gib(m.weights_bytes),
                   m.bits_per_weight, gib(m.weights_bytes_total)),
       "computed from architecture"},
      {"KV cache per token", core::format_bytes(m.kv_cache_bytes_per_token),
       "computed from architecture"},
      {fmt::format("KV cache ({} x {} tokens)", r.setup.batch,
                   r.setup.prompt_tokens + r.setup.output_tokens),
       gib(m.kv_cache_bytes), "computed"},
      {"activations (peak)", gib(m.activation_bytes), m.activation_basis},
      {"runtime overhead", gib(m.overhead_bytes), m.overhead_basis},
      {"total" + per_dev, gib(m.total_bytes), "sum"},
      {"capacity" + per_dev, gib(m.capacity_bytes), "datasheet"},
      {"fits", m.fits ? "yes" : "NO", m.reason},
      {fmt::format("max batch at {} tokens", r.setup.prompt_tokens + r.setup.output_tokens),
       fmt::format("{} sequences", m.max_batch), "computed"},
      {fmt::format("max context at batch {}", r.setup.batch),
       fmt::format("{} tokens", m.max_context), "computed, capped at the model's max"},
  };
}

std::string seconds(double s) {
  if (s >= 1.0) return fmt::format("{:.3g} s", s);
  if (s >= 1e-3) return fmt::format("{:.3g} ms", s * 1e3);
  return fmt::format("{:.3g} us", s * 1e6);
}

// " ±12%" after a value when the report carries an error band for its metric class.
std::string band_suffix(const EstimateReport& r, double ReportErrorBand::*field) {
  if (!r.perf.error_band) return "";
  const double v = (*r.perf.error_band).*field;
  return v >= 0 ? fmt::format(" ±{:.0f}%", 100.0 * v) : "";
}

std::vector<Row> perf_rows(const EstimateReport& r) {
  const auto& p = r.perf;
  const std::string basis = p.time_basis == "datasheet"
                                ? "datasheet roofline, " + p.efficiency_basis
                                : p.time_basis + " (" + p.efficiency_basis + ")";
  const std::int64_t ctx = r.setup.prompt_tokens + r.setup.output_tokens;
  const std::string pre = band_suffix(r, &ReportErrorBand::prefill);
  const std::string dec = band_suffix(r, &ReportErrorBand::decode);
  std::vector<Row> rows = {
      {fmt::format("prefill ({} x {} tokens)", r.setup.batch, r.setup.prompt_tokens),
       fmt::format("{}{} ({:.0f} tokens/s, {}-bound)", seconds(p.prefill_time_s), pre,
                   p.prefill_tokens_per_s, p.prefill_bound),
       basis},
      {"time to first token", seconds(p.ttft_s) + pre, basis},
      {"time per output token",
       fmt::format("{}{} (step at context {}: {}, at {}: {}; {}-bound)", seconds(p.tpot_s), dec,
                   r.setup.prompt_tokens, seconds(p.decode_time_first_step_s), ctx - 1,
                   seconds(p.decode_time_last_step_s), p.decode_bound),
       basis},
      {"end-to-end latency", seconds(p.e2e_s), basis},
      {"decode throughput", fmt::format("{:.1f} tokens/s{}", p.decode_tokens_per_s, dec), basis},
      {"output throughput",
       fmt::format("{:.1f} tokens/s ({:.1f} per device){}", p.output_tokens_per_s,
                   p.output_tokens_per_s_per_device, dec),
       "static batch, " + basis},
      {"total throughput", fmt::format("{:.1f} tokens/s (prompt + output)", p.total_tokens_per_s),
       "static batch"},
      {"compute peak used",
       fmt::format("{:.1f} TFLOP/s {} x {:.2f}; memory x {:.2f}; {} per kernel",
                   p.compute_peak_flop_per_s / 1e12, p.compute_dtype, p.compute_efficiency,
                   p.memory_efficiency, seconds(p.kernel_overhead_s)),
       p.efficiency_basis},
  };
  if (p.error_band) {
    const auto& b = *p.error_band;
    auto pct = [](double v) {
      return v >= 0 ? fmt::format("±{:.0f}%", 100.0 * v) : std::string("not validated");
    };
    rows.push_back({"expected error",
                    fmt::format("prefill/TTFT {}, decode/TPOT/throughput {}, memory {}",
                                pct(b.prefill), pct(b.decode), pct(b.memory)),
                    fmt::format("{:.0f}% of {} {} validation points ({}) fall within",
                                100 * b.quantile, b.points, b.basis, b.source)});
  }
  return rows;
}

std::string table(const char* title, const std::vector<Row>& rows) {
  std::size_t w1 = 6, w2 = 5;
  for (const auto& row : rows) {
    w1 = std::max(w1, row.what.size());
    w2 = std::max(w2, row.value.size());
  }
  std::string out = fmt::format("{:<{}}  {:<{}}  {}\n", title, w1, "value", w2, "basis");
  out += fmt::format("{:-<{}}  {:-<{}}  {:-<5}\n", "", w1, "", w2, "");
  for (const auto& row : rows)
    out += fmt::format("{:<{}}  {:<{}}  {}\n", row.what, w1, row.value, w2, row.basis);
  return out;
}

std::string ops_table(const EstimateReport& r) {
  if (r.perf.ops.empty()) return "";
  std::string out;
  std::string phase;
  for (const auto& o : r.perf.ops) {
    if (o.phase != phase) {
      phase = o.phase;
      out += fmt::format("\n{} ops (per device; time summed over layers)\n", phase);
      out += fmt::format("{:<22} {:>6} {:>11} {:>12} {:>12} {:>14} {:>6}\n", "op", "layers", "time",
                         "GFLOP", "MB", "bound", "share");
    }
    out += fmt::format("{:<22} {:>6.0f} {:>11} {:>12.3f} {:>12.3f} {:>14} {:>5.1f}%  {}\n", o.name,
                       o.count, seconds(o.time_s), o.flops / 1e9, o.bytes / 1e6, o.bound,
                       100.0 * o.share, o.basis);
  }
  return out;
}

std::string header_text(const EstimateReport& r) {
  return fmt::format(
      "{} ({} params total, {} active) on {} x {} [tp={} pp={}]\n"
      "weights {}, KV cache {}, batch {}, prompt {} + output {} tokens\n",
      r.model.name, core::format_count(r.model.params_total),
      core::format_count(r.model.params_active), r.setup.devices, r.hardware.name, r.setup.tp,
      r.setup.pp, r.setup.weights, r.setup.kv, r.setup.batch, r.setup.prompt_tokens,
      r.setup.output_tokens);
}

}  // namespace

std::string report_to_table(const EstimateReport& r) {
  std::string out = header_text(r) + "\n";
  out += table("memory", memory_rows(r)) + "\n";
  out += table("latency and throughput", perf_rows(r));
  out += ops_table(r);
  for (const auto& n : r.notes) out += "note: " + n + "\n";
  return out;
}

std::string report_to_markdown(const EstimateReport& r) {
  std::string out = "## " + r.model.name + " on " + r.hardware.name + "\n\n";
  out += header_text(r) + "\n";
  out += "| memory | value | basis |\n|---|---|---|\n";
  for (const auto& row : memory_rows(r))
    out += fmt::format("| {} | {} | {} |\n", row.what, row.value, row.basis);
  out += "\n| latency and throughput | value | basis |\n|---|---|---|\n";
  for (const auto& row : perf_rows(r))
    out += fmt::format("| {} | {} | {} |\n", row.what, row.value, row.basis);
  if (!r.perf.ops.empty()) out += "\n```" + ops_table(r) + "```\n";
  if (!r.notes.empty()) {
    out += "\n";
    for (const auto& n : r.notes) out += "- " + n + "\n";
  }
  return out;
}

}  // namespace llmsizer::schema
