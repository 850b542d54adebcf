// deployment.cc — weight-scheme resolution, memory inputs and validation of a Deployment
// (see deployment.h).
#include "estimator/deployment.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/check.h"
#include "core/diagnostics.h"

namespace llmsizer::estimator {

core::WeightScheme Deployment::scheme() const {
  if (weights) return *weights;
  if (model && !model->gguf_tensors.empty())
    if (auto s = core::parse_weight_scheme(model->gguf_file_type)) return *s;
  // A GGUF file of a type without a scheme name still has its stored sizes (as_stored());
  // q8_0 only spreads its bytes over the devices.
  if (model && !model->gguf_tensors.empty()) return *core::parse_weight_scheme("q8_0");
  return *core::parse_weight_scheme("bf16");
}

bool Deployment::as_stored() const {
  return !weights && model && !model->gguf_tensors.empty();
}

MemoryInputs Deployment::memory_inputs(std::int64_t batch, std::int64_t prompt_tokens,
                                       std::int64_t output_tokens) const {
  LLMSIZER_CHECK(model && hardware, "deployment without model or hardware");
  MemoryInputs in;
  in.model = model;
  in.weights = scheme();
  in.kv = kv;
  in.activations = activations;
  in.par = par;
  in.batch = batch;
  in.prompt_tokens = prompt_tokens;
  in.output_tokens = output_tokens;
  in.capacity_bytes = hardware->memory.capacity_bytes;
  in.overhead_bytes = overhead_bytes;
  in.prefill_chunk_tokens = prefill_chunk_tokens;
  in.hw_class = hardware->hw_class;
  return in;
}

const std::vector<std::string>& kv_cache_dtype_names() {
  static const std::vector<std::string> names = {"f32",      "f16",  "bf16",  "fp8_e4m3",
                                                 "fp8_e5m2", "q8_0", "q5_1",  "q5_0",
                                                 "q4_1",     "q4_0", "iq4_nl"};
  return names;
}

const std::vector<std::string>& activation_dtype_names() {
  static const std::vector<std::string> names = {"f32", "f16", "bf16", "fp8_e4m3"};
  return names;
}

namespace {

std::optional<core::DType> parse_listed(std::string_view s, const std::vector<std::string>& allowed,
                                        const char* what, std::string* why) {
  const auto t = core::parse_dtype(s);
  if (t && std::find(allowed.begin(), allowed.end(), std::string(core::name(*t))) != allowed.end())
    return t;
  if (why)
    *why = fmt::format("'{}' is not {} dtype{}; one of: {}", s, what,
                       core::did_you_mean(s, allowed), fmt::join(allowed, ", "));
  return std::nullopt;
}

}  // namespace

std::optional<core::DType> parse_kv_dtype(std::string_view s, std::string* why) {
  return parse_listed(s, kv_cache_dtype_names(), "a KV-cache", why);
}

std::optional<core::DType> parse_activation_dtype(std::string_view s, std::string* why) {
  return parse_listed(s, activation_dtype_names(), "an activation", why);
}

std::vector<std::string> check_deployment(const Deployment& d) {
  LLMSIZER_CHECK(d.model && d.hardware, "deployment without model or hardware");
  std::vector<std::string> out;
  if (d.par.tp < 1 || d.par.pp < 1) {
    out.push_back(fmt::format("--tp {} / --pp {}: both must be at least 1", d.par.tp, d.par.pp));
    return out;
  }
  out = check_parallelism(d.model->arch, d.par);
  if (d.ep < 1)
    out.push_back(fmt::format("--ep {} must be at least 1", d.ep));
  else if (d.ep != 1 && d.ep != d.par.tp)
    out.push_back(
        fmt::format("--ep {} must be 1 or equal to --tp {} (experts spread over the "
                    "tensor-parallel ranks)",
                    d.ep, d.par.tp));
  if (d.ep > 1 && !d.model->arch.is_moe())
    out.push_back("--ep needs a mixture-of-experts model");
  else if (d.ep > 1 && d.model->arch.moe.num_experts % d.ep != 0)
    out.push_back(
        fmt::format("--ep {} does not divide the {} experts", d.ep, d.model->arch.moe.num_experts));
  // A non-finite value is named as such, not echoed ("nan" in a message reads as a bug).
  auto shown = [](double v) {
    return std::isfinite(v) ? fmt::format("{}", v) : std::string("(not a finite number)");
  };
  auto fraction = [&](const std::optional<double>& v, const char* opt) {
    if (v && !(std::isfinite(*v) && *v > 0 && *v <= 1))
      out.push_back(fmt::format("{} {}: give a fraction in (0, 1]", opt, shown(*v)));
  };
  fraction(d.efficiency.compute, "--compute-eff");
  fraction(d.efficiency.memory, "--memory-eff");
  if (const auto& k = d.efficiency.kernel_overhead_s;
      k && !(std::isfinite(*k) && *k >= 0 && *k < 1))
    out.push_back(
        fmt::format("--kernel-overhead-us {}: give microseconds in [0, 1e6)", shown(*k * 1e6)));
  return out;
}

}  // namespace llmsizer::estimator
