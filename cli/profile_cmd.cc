// profile_cmd.cc — `llmsizer profile`: runs the probes (profiler/make_profile.h) with
// progress on stderr (a bar on a terminal, plain lines otherwise) and writes the profile
// atomically. SIGINT sets a flag the probes check; then the temp file is removed (exit 130).
#include "cli/profile_cmd.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <system_error>

#include <fmt/format.h>

#include "cli/output.h"
#include "profiler/make_profile.h"
#include "schema/hardware_profile.h"
#ifdef LLMSIZER_HAVE_CUDA
#include "profiler/gpu.h"
#endif

namespace llmsizer::cli {

namespace {

std::atomic<bool> g_interrupted{false};

extern "C" void on_sigint(int) {
  g_interrupted.store(true);
}

}  // namespace

int run_profile(const GlobalOptions& g, const ProfileCmdOptions& o) {
  namespace fs = std::filesystem;
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
  g_interrupted.store(false);
  struct sigaction sa = {};
  struct sigaction old = {};
  sa.sa_handler = on_sigint;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, &old);

  auto s = profiler::settings_for(o.full ? profiler::Effort::kFull : profiler::Effort::kQuick);
  s.cancel = &g_interrupted;
  const bool tty = isatty(STDERR_FILENO) != 0;
  const auto start = std::chrono::steady_clock::now();
  if (!o.quiet)
    s.progress = [&](const std::string& step, double f) {
      const double used =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      const double left = f > 0.02 ? used * (1 - f) / f : 0;
      if (tty) {
        constexpr int kWidth = 30;
        const int filled = static_cast<int>(f * kWidth);
        std::fprintf(stderr, "\r[%-*s] %3d%% ~%3.0f s left  %-40.40s", kWidth,
                     std::string(static_cast<std::size_t>(filled), '#').c_str(),
                     static_cast<int>(f * 100), left, step.c_str());
      } else {
        std::fprintf(stderr, "profile: %3d%% %s\n", static_cast<int>(f * 100), step.c_str());
      }
      std::fflush(stderr);
    };

  profiler::ProfileRun run;
#ifdef LLMSIZER_HAVE_CUDA
  profiler::GpuExtras extras;
  if (gpu) {
    try {
      run = profiler::make_gpu_profile(s, o.full, o.gpu_index, &extras);
    } catch (const std::exception& e) {
      sigaction(SIGINT, &old, nullptr);
      if (!o.quiet && tty) std::fputs("\n", stderr);
      std::fprintf(stderr, "profile: error: GPU %d: %s\n", o.gpu_index, e.what());
      return 1;
    }
  } else {
    run = profiler::make_profile(s, o.threads);
  }
#else
  run = profiler::make_profile(s, o.threads);
#endif
  if (!o.quiet && tty) std::fputs("\n", stderr);
  if (run.cancelled || g_interrupted.load()) {
    sigaction(SIGINT, &old, nullptr);
    std::fputs("profile: interrupted; nothing written\n", stderr);
    return 130;
  }

  std::string out = o.out;
  if (out.empty()) out = g.profiles + "/measured/" + run.profile.id + ".yaml";
  const fs::path path(out);
  std::error_code ec;
  if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
  const fs::path tmp = path.string() + fmt::format(".tmp.{}", getpid());
  {
    std::ofstream f(tmp, std::ios::binary);
    f << schema::write_hardware_profile_yaml(run.profile);
    f.close();
    if (!f) {
      fs::remove(tmp, ec);
      sigaction(SIGINT, &old, nullptr);
      std::fprintf(stderr, "%s: error: cannot write\n", tmp.string().c_str());
      return 1;
    }
  }
  if (g_interrupted.load()) {
    fs::remove(tmp, ec);
    sigaction(SIGINT, &old, nullptr);
    std::fputs("profile: interrupted; nothing written\n", stderr);
    return 130;
  }
  fs::rename(tmp, path, ec);
  sigaction(SIGINT, &old, nullptr);
  if (ec) {
    fs::remove(tmp, ec);
    std::fprintf(stderr, "%s: error: cannot write (%s)\n", out.c_str(), ec.message().c_str());
    return 1;
  }

#ifdef LLMSIZER_HAVE_CUDA
  if (gpu) {
    const auto& pk = run.profile.peaks;
    std::fprintf(stderr,
                 "profile: %s: fp32 FMA %s = %.1f%% of %s (SMs x lanes x 2 x reported clock)\n",
                 extras.gpu.name.c_str(), format_rate(pk.fp32_flop_per_s, "FLOP/s").c_str(),
                 pk.fp32_theoretical_flop_per_s > 0
                     ? 100 * pk.fp32_flop_per_s / pk.fp32_theoretical_flop_per_s
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
    std::fprintf(stderr, "profile: wrote %s\n", out.c_str());
    return 0;
  }
#endif
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
  std::fprintf(stderr, "profile: wrote %s\n", out.c_str());
  return 0;
}

}  // namespace llmsizer::cli
