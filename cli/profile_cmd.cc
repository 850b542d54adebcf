// profile_cmd.cc — `llmsizer profile`: resolves the sweep models, runs the probes and kernel
// sweeps (profiler/make_profile.h) with progress on stderr (a bar on a terminal, plain lines
// otherwise), writes the profile (and the raw benchmark JSON) atomically and prints the
// kernel efficiency summary. SIGINT or SIGTERM (StopSignals) sets a flag the probes and sweeps
// check; then the temp files are removed and nothing is written (exit 128 + signal).
#include "cli/profile_cmd.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <system_error>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "cli/deployment.h"
#include "cli/output.h"
#include "cli/stop_signals.h"
#include "core/atomic_file.h"
#include "profiler/make_profile.h"
#include "schema/catalog.h"
#include "schema/hardware_profile.h"
#ifdef LLMSIZER_HAVE_CUDA
#include "profiler/gpu.h"
#endif

namespace llmsizer::cli {

namespace {

// The sweep models: --models, or the default set (a default missing from a custom
// --profiles catalog is noted and left out; a name the user gave must resolve).
bool resolve_sweep_models(const GlobalOptions& g, const ProfileCmdOptions& o,
                          std::vector<profiler::SweepModel>& out) {
  core::Diagnostics d;
  auto c = catalog(g, d);
  if (!c) {
    std::fputs(d.format().c_str(), stderr);
    return false;
  }
  const bool defaults = o.models.empty();
  for (const auto& name : defaults ? kDefaultSweepModels : o.models) {
    if (defaults && !schema::find_model(*c, name)) {
      std::fprintf(stderr, "profile: note: default sweep model '%s' is not in %s; left out\n",
                   name.c_str(), g.profiles.c_str());
      continue;
    }
    auto m = schema::resolve_model(*c, name, kCmdLine, "--models", d);
    if (m) out.push_back({m->id.empty() ? name : m->id, m->arch});
  }
  if (d.error_count() > 0) {
    std::fputs(d.format().c_str(), stderr);
    return false;
  }
  return true;
}

// Each file through core::AtomicFile (temporaries beside the targets), put in place only
// when all were written and no SIGINT/SIGTERM came; otherwise the temporaries are removed.
int write_outputs(const std::vector<std::pair<std::string, std::string>>& files) {
  namespace fs = std::filesystem;
  std::vector<core::AtomicFile> outs;
  outs.reserve(files.size());
  auto failed = [](const core::AtomicFile& f) {
    std::fprintf(stderr, "%s: error: %s\n", f.path().c_str(), f.error().c_str());
    return 2;
  };
  for (const auto& [out, text] : files) {
    const fs::path path(out);
    std::error_code ec;
    if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
    outs.emplace_back(out);
    if (!outs.back().write(text)) return failed(outs.back());
  }
  if (StopSignals::signal()) {
    std::fputs("profile: interrupted; nothing written\n", stderr);
    return 128 + StopSignals::signal();
  }
  for (auto& f : outs)
    if (!f.commit()) return failed(f);
  return 0;
}

}  // namespace

// What the run measured, on stderr (the profile itself is the file).
static void print_cpu_summary(const profiler::ProfileRun& run, const std::string& out,
                              const ProfileCmdOptions& o,
                              std::chrono::steady_clock::time_point start) {
  const auto& pk = run.profile.peaks;
  std::fprintf(stderr, "profile: clock %s; fp32 %s (%s) = %.1f%% of %s theoretical\n",
               format_rate(pk.clock_hz, "Hz").c_str(),
               format_rate(pk.fp32_flop_per_s, "FLOP/s").c_str(), pk.fp32_isa.c_str(),
               pk.fp32_theoretical_flop_per_s > 0
                   ? 100 * pk.fp32_flop_per_s / pk.fp32_theoretical_flop_per_s
                   : 0.0,
               format_rate(pk.fp32_theoretical_flop_per_s, "FLOP/s").c_str());
  std::fprintf(stderr, "profile: int8 %s (%s)\n", format_rate(pk.int8_op_per_s, "op/s").c_str(),
               pk.int8_isa.c_str());
  for (const auto& c : run.triad_checks)
    std::fprintf(
        stderr, "profile: triad %llu B x%d: probe %s, STREAM-style loop %s (%.1f%%)\n",
        static_cast<unsigned long long>(c.working_set_bytes), c.threads,
        format_rate(c.probe_bytes_per_s, "B/s").c_str(),
        format_rate(c.reference_bytes_per_s, "B/s").c_str(),
        c.reference_bytes_per_s > 0 ? 100 * c.probe_bytes_per_s / c.reference_bytes_per_s : 0.0);
  for (const auto& n : run.sweep_notes) std::fprintf(stderr, "profile: note: %s\n", n.c_str());
  int noisy = 0;
  for (const auto& k : run.profile.kernels) noisy += k.noisy ? 1 : 0;
  std::fprintf(stderr,
               "profile: kernels: %zu points timed (%d noisy) of %d planned; %d predicted not to "
               "fit the time budget; %d not timed in the end\n",
               run.profile.kernels.size(), noisy, run.sweep_planned, run.sweep_dropped,
               run.sweep_not_run);
  std::fprintf(stderr,
               "profile: probes %.1f s, kernel sweeps %.1f s (budget %.1f s, predicted %.1f s), "
               "total %.1f s (wall)\n",
               run.probe_seconds, run.sweep_seconds, run.sweep_budget_s, run.sweep_predicted_s,
               std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  if (!run.profile.kernels.empty())
    std::fputs(profiler::efficiency_table(profiler::summarize_efficiency(run.profile)).c_str(),
               stderr);
  std::fprintf(stderr, "profile: wrote %s\n", out.c_str());
  if (!o.benchmark_out.empty())
    std::fprintf(stderr, "profile: wrote %s (Google Benchmark JSON)\n", o.benchmark_out.c_str());
}

#ifdef LLMSIZER_HAVE_CUDA
static void print_gpu_summary(const profiler::ProfileRun& run, const profiler::GpuExtras& extras) {
  const auto& pk = run.profile.peaks;
  std::fprintf(
      stderr, "profile: %s: fp32 FMA %s = %.1f%% of %s (SMs x lanes x 2 x reported clock)\n",
      extras.gpu.name.c_str(), format_rate(pk.fp32_flop_per_s, "FLOP/s").c_str(),
      pk.fp32_theoretical_flop_per_s > 0 ? 100 * pk.fp32_flop_per_s / pk.fp32_theoretical_flop_per_s
                                         : 0.0,
      format_rate(pk.fp32_theoretical_flop_per_s, "FLOP/s").c_str());
  std::fprintf(stderr, "profile: bf16 GEMM %lld^3 (cuBLASLt) %s\n",
               static_cast<long long>(extras.bf16_gemm_size),
               format_rate(extras.bf16_gemm_flop_per_s, "FLOP/s").c_str());
  for (const auto& b : run.profile.bandwidth)
    std::fprintf(stderr, "profile: %s %s: %s (cv %.3f)\n", schema::to_string(b.kind),
                 format_rate(static_cast<double>(b.working_set_bytes), "B").c_str(),
                 format_rate(b.bytes_per_s, "B/s").c_str(), b.cv);
  std::fprintf(
      stderr,
      "profile: cudaMemcpy device-to-device %s; interface %s (2 x memory clock x bus width)\n",
      format_rate(extras.memcpy_d2d_bytes_per_s, "B/s").c_str(),
      format_rate(extras.gpu.interface_bytes_per_s(), "B/s").c_str());
  std::fprintf(stderr, "profile: host to device %s, device to host %s (pinned, 256 MiB)\n",
               format_rate(extras.host_to_device_bytes_per_s, "B/s").c_str(),
               format_rate(extras.device_to_host_bytes_per_s, "B/s").c_str());
}
#endif

int run_profile(const GlobalOptions& g, const ProfileCmdOptions& o) {
  // The handler goes in first: Ctrl-C or SIGTERM at any point (even while the catalog loads)
  // ends with exit 128 + signal and no file.
  const bool gpu = o.device == "gpu";
#ifndef LLMSIZER_HAVE_CUDA
  if (gpu) {
    std::fputs(
        "<command line>: error: --device gpu: this llmsizer was built without CUDA; configure "
        "with `cmake --preset cuda` (LLMSIZER_ENABLE_CUDA=ON)\n",
        stderr);
    return 2;
  }
#endif
  const StopSignals stop_signals;

  std::vector<profiler::SweepModel> models;
  if (!resolve_sweep_models(g, o, models)) return 2;

  auto s = profiler::settings_for(o.full ? profiler::Effort::kFull : profiler::Effort::kQuick);
  s.probes.cancel = StopSignals::flag();
  const bool tty = isatty(STDERR_FILENO) != 0;
  const auto start = std::chrono::steady_clock::now();
  int last_percent = -1;
  if (!o.quiet)
    s.probes.progress = [&](const std::string& step, double f) {
      const double used =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      const double left = f > 0.02 ? used * (1 - f) / f : 0;
      if (tty) {
        constexpr int kWidth = 30;
        const int filled = static_cast<int>(f * kWidth);
        std::fprintf(stderr, "\r[%-*s] %3d%% ~%3.0f s left  %-50.50s", kWidth,
                     std::string(static_cast<std::size_t>(filled), '#').c_str(),
                     static_cast<int>(f * 100), left, step.c_str());
      } else {
        // Plain lines: one per percent, not one per point (hundreds of sweep points).
        const int percent = static_cast<int>(f * 100);
        if (percent == last_percent) return;
        last_percent = percent;
        std::fprintf(stderr, "profile: %3d%% ~%.0f s left %s\n", percent, left, step.c_str());
      }
      std::fflush(stderr);
    };

  profiler::ProfileRun run;
#ifdef LLMSIZER_HAVE_CUDA
  profiler::GpuExtras extras;
  if (gpu) {
    try {
      run = profiler::make_gpu_profile(s.probes, o.full, o.gpu_index, &extras);
    } catch (const std::exception& e) {
      if (!o.quiet && tty) std::fputs("\n", stderr);
      std::fprintf(stderr, "profile: error: GPU %d: %s\n", o.gpu_index, e.what());
      return 1;
    }
  } else {
    run = profiler::make_profile(s, o.threads, models);
  }
#else
  run = profiler::make_profile(s, o.threads, models);
#endif
  if (!o.quiet && tty) std::fputs("\n", stderr);
  if (run.cancelled || StopSignals::signal()) {
    std::fputs("profile: interrupted; nothing written\n", stderr);
    return 128 + (StopSignals::signal() ? StopSignals::signal() : SIGINT);
  }

  std::string out = o.out;
  if (out.empty()) out = g.profiles + "/measured/" + run.profile.id + ".yaml";
  std::vector<std::pair<std::string, std::string>> files = {
      {out, schema::write_hardware_profile_yaml(run.profile)}};
  if (!o.benchmark_out.empty()) files.emplace_back(o.benchmark_out, run.benchmark_json);
  const int rc = write_outputs(files);
  if (rc != 0) return rc;

#ifdef LLMSIZER_HAVE_CUDA
  if (gpu) {
    print_gpu_summary(run, extras);
    std::fprintf(stderr, "profile: wrote %s\n", out.c_str());
    return 0;
  }
#endif
  print_cpu_summary(run, out, o, start);
  return 0;
}

}  // namespace llmsizer::cli
