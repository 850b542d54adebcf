// deployment.cc — shared resolution of deployment options (see deployment.h).
#include "cli/deployment.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include <unistd.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/units.h"
#include "estimator/precision.h"
#include "schema/validation_results.h"

#ifdef LLMSIZER_HAVE_PROFILER
#include "profiler/make_profile.h"
#endif

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

namespace {

// This host's CPU signature (hwloc, as `llmsizer profile` records it); nullopt in a build
// without the measuring side, where profiles are matched by host name only.
std::optional<schema::CpuSignature> host_cpu() {
#ifdef LLMSIZER_HAVE_PROFILER
  return profiler::host_signature();
#else
  return std::nullopt;
#endif
}

}  // namespace

estimator::Deployment Deployment::view() const {
  estimator::Deployment v = spec;
  v.model = &model;
  v.hardware = &hardware;
  v.measured = measured.get();
  return v;
}

std::optional<Deployment> resolve_deployment(const GlobalOptions& g, const DeploymentOptions& o,
                                             core::Diagnostics& d) {
  Deployment dep;
  auto& spec = dep.spec;
  if (!o.weights.empty()) {
    spec.weights = core::parse_weight_scheme(o.weights);
    if (!spec.weights)
      d.error(kCmdLine, "--weights",
              fmt::format("unknown weight scheme '{}'{}; one of: f32, f16, bf16, fp8, int8, "
                          "int4, int4-g<N>, q8_0, q4_0, q4_1, q5_0, q5_1, q2_k, q3_k_s/m/l, "
                          "q4_k_s/m, q5_k_s/m, q6_k",
                          o.weights, core::did_you_mean(o.weights, core::weight_scheme_names())));
  }
  // The dtype policy of every command (estimator/deployment.h).
  std::string why;
  if (auto kv = estimator::parse_kv_dtype(o.kv, &why))
    spec.kv = *kv;
  else
    d.error(kCmdLine, "--kv", why);
  const bool activations_given = !o.activations.empty();
  if (activations_given) {
    if (auto act = estimator::parse_activation_dtype(o.activations, &why))
      spec.activations = *act;
    else
      d.error(kCmdLine, "--activations", why);
  }
  if (!o.overhead.empty()) {
    spec.overhead_bytes = core::parse_bytes(o.overhead);
    if (!spec.overhead_bytes)
      d.error(kCmdLine, "--overhead",
              fmt::format("'{}' is not a size (e.g. 1GiB, 512MB, 2e9)", o.overhead));
  }
  spec.par = {o.tp, o.pp};
  spec.ep = o.ep;
  spec.efficiency.compute = o.compute_eff;
  spec.efficiency.memory = o.memory_eff;
  if (o.kernel_overhead_us) spec.efficiency.kernel_overhead_s = *o.kernel_overhead_us * 1e-6;
  auto c = catalog(g, d);
  if (!c) return std::nullopt;
  auto model = schema::resolve_model(*c, o.model, kCmdLine, "--model", d);
  // The hardware: a datasheet entry, or the host described by a measured profile.
  std::string profile_path = o.profile;
  if (o.hardware == "host") {
    if (!profile_path.empty())
      d.error(kCmdLine, "--hardware", "give either --hardware host or --profile FILE, not both");
    else if (auto p = newest_host_profile(g.profiles, d))
      profile_path = *p;
  }
  std::optional<schema::HardwareSpec> hw;
  if (!profile_path.empty()) {
    if (!o.hardware.empty() && o.hardware != "host")
      d.error(kCmdLine, "--profile",
              fmt::format("--profile describes the hardware: drop --hardware {} (or use "
                          "--calibrate {} to apply its measured efficiencies to {})",
                          o.hardware, profile_path, o.hardware));
    dep.profile = schema::load_hardware_profile_yaml(profile_path, d);
    if (dep.profile && dep.profile->device == schema::ProfileDevice::kCpu && o.hardware != "host") {
      // A profile of another CPU predicts that CPU: allowed (sizing a machine one does not
      // sit at), but said.
      if (const auto cpu = host_cpu()) {
        const auto diff = schema::signature_mismatches(schema::cpu_signature(*dep.profile), *cpu);
        if (!diff.empty())
          std::fprintf(stderr,
                       "warning: --profile %s was measured on another CPU (%s); the estimate "
                       "describes that machine, not this host\n",
                       profile_path.c_str(), fmt::format("{}", fmt::join(diff, ", ")).c_str());
      }
    }
    if (dep.profile) {
      if (o.threads > 0 && o.threads > dep.profile->context.threads)
        d.error(kCmdLine, "--threads",
                fmt::format("{} threads, but the profiled host has {} hardware threads", o.threads,
                            dep.profile->context.threads));
      auto m = std::make_shared<estimator::MeasuredTimeModel>(*dep.profile, o.threads);
      const auto& tt = m->table_threads();
      if (!tt.empty() && std::find(tt.begin(), tt.end(), m->threads()) == tt.end())
        d.error(kCmdLine, "--threads",
                fmt::format("profile {} has kernel tables at {} threads, not {}", profile_path,
                            fmt::join(tt, ", "), m->threads()));
      hw = estimator::hardware_from_profile(*dep.profile, m->threads());
      dep.measured = std::move(m);
      dep.profile_path = profile_path;
    }
  } else if (o.hardware.empty()) {
    d.error(kCmdLine, "--hardware",
            o.profile_options ? "give --hardware NAME|FILE|host or --profile FILE"
                              : "give --hardware NAME|FILE");
  } else {
    hw = schema::resolve_hardware(*c, o.hardware, kCmdLine, "--hardware", d);
    if (!o.calibrate.empty()) {
      if (auto cal = schema::load_hardware_profile_yaml(o.calibrate, d)) {
        const auto e = estimator::calibration_from_profile(*cal, o.threads);
        if (!e.compute && !e.memory)
          d.error(kCmdLine, "--calibrate",
                  fmt::format("profile {} has no matmul kernel tables to calibrate from (a "
                              "profile from `llmsizer profile` with its kernel sweeps has them)",
                              o.calibrate));
        if (!spec.efficiency.compute) spec.efficiency.compute = e.compute;
        if (!spec.efficiency.memory) spec.efficiency.memory = e.memory;
      }
    }
  }
  if (d.has_errors() || !model || !hw) return std::nullopt;
  dep.catalog = std::move(*c);
  dep.model = std::move(*model);
  dep.hardware = std::move(*hw);
  // The one precision rule (estimator/precision.h) unless --activations says otherwise.
  if (activations_given) {
    spec.activations_basis = "given (--activations)";
  } else {
    auto choice = estimator::default_activations(dep.view().scheme(), dep.hardware);
    spec.activations = choice.dtype;
    spec.activations_basis = std::move(choice.why);
  }
  for (const auto& problem : estimator::check_deployment(dep.view()))
    d.error(kCmdLine, "", problem);
  if (d.has_errors()) return std::nullopt;
  return dep;
}

std::optional<estimator::ErrorBand> find_error_band(const std::string& profiles_dir,
                                                    bool measured) {
  namespace fs = std::filesystem;
  const std::string prefix = measured ? "validate-" : "accuracy-";
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(fs::path(profiles_dir) / "validation", ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind(prefix, 0) == 0 && e.path().extension() == ".json") files.push_back(e.path());
  }
  if (files.empty()) return std::nullopt;
  std::sort(files.begin(), files.end());
  core::Diagnostics ignore;
  auto r = schema::load_validation_results(files.back().string(), ignore);
  if (!r || r->samples.empty()) return std::nullopt;
  r->file = fs::path(r->file).lexically_relative(fs::path(profiles_dir).parent_path()).string();
  return estimator::error_band(*r, measured ? "measured" : "datasheet");
}

std::optional<std::string> newest_host_profile(const std::string& profiles_dir,
                                               core::Diagnostics& d) {
  namespace fs = std::filesystem;
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) name[0] = 0;
  const std::string host = name;
  const auto cpu = host_cpu();
  const fs::path dir = fs::path(profiles_dir) / "measured";
  std::optional<std::string> best;
  std::string best_date;
  std::error_code ec;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().extension() == ".yaml") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  // A profile of this host: the same CPU (model, cores, threads, caches, ISA) where the
  // signature is known, else the same host name. Newest first.
  std::string nearest;  // why the first CPU profile that was not taken differs
  for (const auto& f : files) {
    core::Diagnostics ignore;
    auto p = schema::load_hardware_profile_yaml(f.string(), ignore);
    if (!p || p->device == schema::ProfileDevice::kGpu) continue;
    bool match = p->context.host == host;
    if (cpu) {
      const auto diff = schema::signature_mismatches(schema::cpu_signature(*p), *cpu);
      match = diff.empty();
      if (!match && nearest.empty())
        nearest = fmt::format("; {} differs: {}", f.filename().string(), fmt::join(diff, ", "));
    }
    if (!match) continue;
    if (!best || p->context.date_utc > best_date)
      best = f.string(), best_date = p->context.date_utc;
  }
  if (!best)
    d.error(kCmdLine, "--hardware",
            fmt::format("no measured profile of this host ('{}'{}) under {}{}; run `llmsizer "
                        "profile --out {}/{}-<date>.yaml` first, or give --profile FILE",
                        host, cpu ? ", " + cpu->cpu_model : std::string(), dir.string(), nearest,
                        dir.string(), host));
  return best;
}

void add_profile_options(CLI::App* app, DeploymentOptions& o) {
  o.profile_options = true;
  app->add_option("--profile", o.profile,
                  "time ops from a measured hardware profile (llmsizer profile --out FILE) "
                  "instead of a datasheet; --hardware host picks this host's newest one");
  app->add_option("--threads", o.threads,
                  "threads to predict for with --profile (default: the profile's largest)")
      ->check(CLI::Range(1, 1 << 20));
  app->add_option("--calibrate", o.calibrate,
                  "apply a profile's measured compute and memory efficiencies to the datasheet "
                  "--hardware (sound only for the same kind of device: docs/cost-model.md)");
}

void add_deployment_options(CLI::App* app, DeploymentOptions& o) {
  app->add_option("-m,--model", o.model, "model: catalog name, HF repo id, or a .yaml/.json/.gguf")
      ->required();
  app->add_option("-H,--hardware", o.hardware, "device short name (h100-sxm) or hardware YAML");
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
  app->add_option("--activations", o.activations,
                  "activation dtype (f16, bf16, fp8_e4m3, f32); default: fp8_e4m3 for fp8 "
                  "weights on a device with fp8 tensor cores (W8A8), else f16");
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
