// deployment.cc — shared resolution of deployment options (see deployment.h).
#include "cli/deployment.h"

#include <algorithm>
#include <cstdio>

#include <fmt/format.h>

#include "core/units.h"

namespace llmsizer::cli {

int fail(const core::Diagnostics& d) {
  std::fputs(d.format().c_str(), stderr);
  return 2;
}

std::optional<schema::Catalog> catalog(const GlobalOptions& g, core::Diagnostics& d) {
  return schema::load_catalog(g.profiles, d);
}

bool check_format(const std::string& f, std::initializer_list<const char*> allowed,
                  core::Diagnostics& d) {
  std::vector<std::string> names;
  for (const char* a : allowed) {
    if (f == a) return true;
    names.emplace_back(a);
  }
  std::string list;
  for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
  d.error(kCmdLine, "--format",
          fmt::format("'{}' is not one of: {}{}", f, list, core::did_you_mean(f, names)));
  return false;
}

core::WeightScheme Deployment::scheme() const {
  if (weights) return *weights;
  if (!model.gguf_tensors.empty())
    if (auto s = core::parse_weight_scheme(model.gguf_file_type)) return *s;
  return *core::parse_weight_scheme("bf16");
}

std::optional<Deployment> resolve_deployment(const GlobalOptions& g, const DeploymentOptions& o,
                                             core::Diagnostics& d) {
  Deployment dep;
  if (!o.weights.empty()) {
    dep.weights = core::parse_weight_scheme(o.weights);
    if (!dep.weights)
      d.error(kCmdLine, "--weights",
              fmt::format("unknown weight scheme '{}'{}; one of: f32, f16, bf16, fp8, int8, "
                          "int4, int4-g<N>, q8_0, q4_0, q4_1, q5_0, q5_1, q2_k, q3_k_s/m/l, "
                          "q4_k_s/m, q5_k_s/m, q6_k",
                          o.weights, core::did_you_mean(o.weights, core::weight_scheme_names())));
  }
  // KV caches come in the dtypes serving engines offer (vLLM, TensorRT-LLM, llama.cpp's
  // --cache-type-k/v); activations in float types.
  auto dtype_opt = [&](const std::string& s, const char* opt, const char* what,
                       const std::vector<std::string>& allowed) -> core::DType {
    auto t = core::parse_dtype(s);
    if (!t ||
        std::find(allowed.begin(), allowed.end(), std::string(core::name(*t))) == allowed.end()) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      d.error(kCmdLine, opt,
              fmt::format("'{}' is not {} dtype{}; one of: {}", s, what,
                          core::did_you_mean(s, allowed), list));
      return core::DType::kF16;
    }
    return *t;
  };
  dep.kv = dtype_opt(o.kv, "--kv", "a KV-cache",
                     {"f32", "f16", "bf16", "fp8_e4m3", "fp8_e5m2", "q8_0", "q5_1", "q5_0", "q4_1",
                      "q4_0", "iq4_nl"});
  dep.activations = dtype_opt(o.activations, "--activations", "an activation",
                              {"f32", "f16", "bf16", "fp8_e4m3"});
  if (!o.overhead.empty()) {
    dep.overhead = core::parse_bytes(o.overhead);
    if (!dep.overhead)
      d.error(kCmdLine, "--overhead",
              fmt::format("'{}' is not a size (e.g. 1GiB, 512MB, 2e9)", o.overhead));
  }
  dep.par = {o.tp, o.pp};
  dep.ep = o.ep;
  dep.efficiency.compute = o.compute_eff;
  dep.efficiency.memory = o.memory_eff;
  if (o.kernel_overhead_us) dep.efficiency.kernel_overhead_s = *o.kernel_overhead_us * 1e-6;
  auto c = catalog(g, d);
  if (!c) return std::nullopt;
  auto model = schema::resolve_model(*c, o.model, kCmdLine, "--model", d);
  auto hw = schema::resolve_hardware(*c, o.hardware, kCmdLine, "--hardware", d);
  if (d.has_errors() || !model || !hw) return std::nullopt;
  dep.catalog = std::move(*c);
  dep.model = std::move(*model);
  dep.hardware = std::move(*hw);
  return dep;
}

void add_deployment_options(CLI::App* app, DeploymentOptions& o) {
  app->add_option("-m,--model", o.model, "model: catalog name, HF repo id, or a .yaml/.json/.gguf")
      ->required();
  app->add_option("-H,--hardware", o.hardware, "device short name (h100-sxm) or hardware YAML")
      ->required();
  app->add_option("--tp", o.tp, "tensor-parallel degree")
      ->check(CLI::Range(1, 1 << 12))
      ->capture_default_str();
  app->add_option("--pp", o.pp, "pipeline-parallel stages")
      ->check(CLI::Range(1, 1 << 12))
      ->capture_default_str();
  app->add_option("--ep", o.ep, "expert parallelism for MoE models: 1, or equal to --tp")
      ->check(CLI::Range(1, 1 << 12))
      ->capture_default_str();
  app->add_option("-w,--weights", o.weights,
                  "weight scheme: f32 f16 bf16 fp8 int8 int4[-gN] q8_0 q4_0 q4_1 q5_0 q5_1 q2_k "
                  "q3_k_s/m/l q4_k_s/m q5_k_s/m q6_k (default bf16; a .gguf model: as stored)");
  app->add_option("--kv", o.kv, "KV-cache dtype (f16, bf16, fp8_e4m3, q8_0, ...)")
      ->capture_default_str();
  app->add_option("--activations", o.activations, "activation dtype (f16, bf16, fp8_e4m3, f32)")
      ->capture_default_str();
  app->add_option("--overhead", o.overhead,
                  "runtime reserve per device, e.g. 1.5GiB (default by hardware class, "
                  "basis: assumed)");
  app->add_option("--compute-eff", o.compute_eff,
                  "fraction of the datasheet FLOP/s kernels reach (default per hardware class)")
      ->check(CLI::Range(0.001, 1.0));
  app->add_option("--memory-eff", o.memory_eff,
                  "fraction of the datasheet bandwidth kernels reach (default per class)")
      ->check(CLI::Range(0.001, 1.0));
  app->add_option("--kernel-overhead-us", o.kernel_overhead_us,
                  "fixed cost per kernel launch in microseconds (default per class)")
      ->check(CLI::Range(0.0, 1e6));
}

}  // namespace llmsizer::cli
