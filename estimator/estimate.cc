// estimate.cc — assembles an EstimateReport from the memory model (and, in later stages,
// the time model). See estimate.h for the contract.
#include "estimator/estimate.h"

#include <fmt/format.h>

#include "core/check.h"

namespace llmsizer::estimator {

const char* origin_name(schema::ModelOrigin o) {
  switch (o) {
    case schema::ModelOrigin::kCatalog:
      return "catalog";
    case schema::ModelOrigin::kYamlFile:
      return "yaml";
    case schema::ModelOrigin::kHfConfig:
      return "hf_config";
    case schema::ModelOrigin::kGguf:
      return "gguf";
  }
  return "?";
}

std::vector<std::string> check_request(const EstimateRequest& r) {
  std::vector<std::string> out;
  LLMSIZER_CHECK(r.model && r.hardware, "estimate request without model or hardware");
  out = check_deployment(r);
  if (r.devices != 0 && r.devices % r.par.devices() != 0)
    out.push_back(
        fmt::format("--count {} is not a multiple of tp x pp = {}", r.devices, r.par.devices()));
  if (r.batch < 1) out.push_back("batch must be at least 1");
  if (r.prompt_tokens < 1) out.push_back("prompt must be at least 1 token");
  if (r.output_tokens < 0) out.push_back("output must be 0 or more tokens");
  return out;
}

schema::EstimateReport estimate(const EstimateRequest& r) {
  const schema::ModelSpec& m = *r.model;
  const schema::HardwareSpec& hw = *r.hardware;
  schema::EstimateReport rep;
  const auto params = core::count_params(m.arch);
  rep.model = {m.id, m.name.empty() ? m.id : m.name, origin_name(m.origin), params.total,
               params.active};
  rep.hardware = {hw.id, hw.name, hw.memory.capacity_bytes, hw.memory.bandwidth_bytes_per_s,
                  hw.memory.from.source};

  const bool as_stored = r.as_stored();
  const core::WeightScheme scheme = r.scheme();
  const MemoryBreakdown mem =
      size_memory(r.memory_inputs(r.batch, r.prompt_tokens, r.output_tokens), as_stored);

  const std::int64_t devices = r.devices ? r.devices : r.par.devices();
  rep.setup = {devices,
               r.par.tp,
               r.par.pp,
               as_stored ? "as stored in " + m.origin_path : scheme.name,
               std::string(core::name(r.kv)),
               std::string(core::name(r.activations)),
               r.batch,
               r.prompt_tokens,
               r.output_tokens};
  rep.memory.weights_bytes = mem.weights_bytes;
  rep.memory.weights_bytes_total = mem.weights_bytes_total;
  rep.memory.bits_per_weight = mem.bits_per_weight;
  rep.memory.kv_cache_bytes_per_token = mem.kv_bytes_per_token;
  rep.memory.kv_cache_bytes = mem.kv_cache_bytes;
  rep.memory.activation_bytes = mem.activation_bytes;
  rep.memory.activation_basis =
      r.prefill_chunk_tokens > 0
          ? fmt::format(
                "assumed: largest step, prefill chunked at {} tokens "
                "(docs/cost-model.md#memory)",
                r.prefill_chunk_tokens)
          : std::string("assumed: whole prefill in one step (docs/cost-model.md#memory)");
  rep.memory.overhead_bytes = mem.overhead_bytes;
  rep.memory.overhead_basis = mem.overhead_basis;
  rep.memory.total_bytes = mem.total_bytes;
  rep.memory.capacity_bytes = mem.capacity_bytes;
  rep.memory.fits = mem.fits;
  rep.memory.reason = mem.reason;
  rep.memory.max_batch = mem.max_batch;
  rep.memory.max_context = mem.max_context;
  const PerfModel pm(r);
  const double replicas = static_cast<double>(devices) / static_cast<double>(r.par.devices());
  const Performance perf =
      pm.evaluate(static_cast<double>(r.batch), static_cast<double>(r.prompt_tokens),
                  static_cast<double>(std::max<std::int64_t>(1, r.output_tokens)), replicas);
  auto& p = rep.perf;
  p.prefill_time_s = perf.prefill.time_s;
  p.prefill_tokens_per_s = perf.prefill_tokens_per_s;
  p.prefill_bound = to_string(perf.prefill.bound);
  p.decode_time_per_step_s = perf.decode_step_avg_s;
  p.decode_time_first_step_s = perf.decode_step_first_s;
  p.decode_time_last_step_s = perf.decode_step_last_s;
  p.decode_tokens_per_s = perf.decode_tokens_per_s;
  p.decode_bound = to_string(perf.decode_bound);
  p.ttft_s = perf.ttft_s;
  p.tpot_s = perf.tpot_s;
  p.e2e_s = perf.e2e_s;
  p.output_tokens_per_s = perf.output_tokens_per_s;
  p.output_tokens_per_s_per_device = perf.output_tokens_per_s_per_device;
  p.total_tokens_per_s = perf.total_tokens_per_s;
  p.compute_dtype = pm.compute_peak_key();
  p.compute_peak_flop_per_s = pm.compute_peak_flop_per_s();
  p.compute_efficiency = pm.efficiency().compute;
  p.memory_efficiency = pm.efficiency().memory;
  p.kernel_overhead_s = pm.efficiency().kernel_overhead_s;
  p.efficiency_basis = pm.efficiency().basis;
  if (r.explain) {
    auto add_rows = [&](const char* phase, const std::vector<OpRow>& rows) {
      double total = 0;
      for (const auto& o : rows) total += o.time_s;
      for (const auto& o : rows)
        p.ops.push_back({phase, o.name, o.count, o.time_s, o.flops, o.bytes, to_string(o.bound),
                         to_string(o.basis), total > 0 ? o.time_s / total : 0.0});
    };
    const double b = static_cast<double>(r.batch);
    add_rows("prefill", pm.explain_prefill(b, static_cast<double>(r.prompt_tokens)));
    add_rows("decode", pm.explain_decode(b, static_cast<double>(r.prompt_tokens) +
                                                0.5 * static_cast<double>(r.output_tokens)));
  }
  rep.basis = "datasheet";
  if (r.measured) {
    rep.basis = "measured";
    p.efficiency_basis = fmt::format(
        "measured profile {}, {} threads; CPU-class efficiencies only where no kernel table covers "
        "an op",
        r.measured->profile_id(), r.measured->threads());
    // The weakest basis the prefill and decode ops rest on (ops under 1% of a phase aside).
    const double b = static_cast<double>(r.batch);
    const TimeBasis worst =
        std::max(phase_basis(pm.explain_prefill(b, static_cast<double>(r.prompt_tokens))),
                 phase_basis(pm.explain_decode(b, static_cast<double>(r.prompt_tokens))));
    p.time_basis = to_string(worst);
  } else {
    p.time_basis = "datasheet";
  }
  if (r.error_band) {
    const auto& b = *r.error_band;
    p.error_band = schema::ReportErrorBand{
        b.basis,  b.quantile, b.prefill.value_or(-1), b.decode.value_or(-1), b.memory.value_or(-1),
        b.points, b.source};
  }
  if (devices > r.par.devices())
    rep.notes.push_back(
        fmt::format("{} data-parallel replicas of tp={} x pp={}; memory is per "
                    "device",
                    devices / r.par.devices(), r.par.tp, r.par.pp));
  if (!r.activations_basis.empty())
    rep.notes.push_back(
        fmt::format("activations {}: {}", core::name(r.activations), r.activations_basis));
  if (m.arch.attention.sliding_window > 0)
    rep.notes.push_back(fmt::format("sliding-window layers keep at most {} tokens of KV cache",
                                    m.arch.attention.sliding_window));
  return rep;
}

}  // namespace llmsizer::estimator
