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
  out = check_parallelism(r.model->arch, r.par);
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

  const bool as_stored = !r.weights && !m.gguf_tensors.empty();
  core::WeightScheme scheme;
  if (r.weights) {
    scheme = *r.weights;
  } else if (as_stored) {
    // Use the file's own mix for how the bytes spread over devices; totals are exact.
    auto parsed = core::parse_weight_scheme(m.gguf_file_type);
    scheme = parsed ? *parsed : *core::parse_weight_scheme("q8_0");
  } else {
    scheme = *core::parse_weight_scheme("bf16");
  }

  MemoryInputs in;
  in.model = &m;
  in.weights = scheme;
  in.kv = r.kv;
  in.activations = r.activations;
  in.par = r.par;
  in.batch = r.batch;
  in.prompt_tokens = r.prompt_tokens;
  in.output_tokens = r.output_tokens;
  in.capacity_bytes = hw.memory.capacity_bytes;
  in.overhead_bytes = r.overhead_bytes;
  in.hw_class = hw.hw_class;
  const MemoryBreakdown mem = size_memory(in, as_stored);

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
  rep.memory.activation_basis = "assumed: formula in docs/cost-model.md#memory";
  rep.memory.overhead_bytes = mem.overhead_bytes;
  rep.memory.overhead_basis = mem.overhead_basis;
  rep.memory.total_bytes = mem.total_bytes;
  rep.memory.capacity_bytes = mem.capacity_bytes;
  rep.memory.fits = mem.fits;
  rep.memory.reason = mem.reason;
  rep.memory.max_batch = mem.max_batch;
  rep.memory.max_context = mem.max_context;
  rep.basis = "datasheet";
  if (devices > r.par.devices())
    rep.notes.push_back(
        fmt::format("{} data-parallel replicas of tp={} x pp={}; memory is per "
                    "device",
                    devices / r.par.devices(), r.par.tp, r.par.pp));
  if (m.arch.attention.sliding_window > 0)
    rep.notes.push_back(fmt::format("sliding-window layers keep at most {} tokens of KV cache",
                                    m.arch.attention.sliding_window));
  return rep;
}

}  // namespace llmsizer::estimator
