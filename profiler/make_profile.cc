// make_profile.cc — assembles a measured hardware profile: context (host, CPU, frequencies,
// compiler and flags from compile definitions, version, UTC date), topology summary, peaks,
// the bandwidth curve, the triad-vs-STREAM-loop check, and the kernel sweeps within what is
// left of the run's time budget.
#include "profiler/make_profile.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <string>

#include <fmt/format.h>

#include "profiler/topology.h"

#ifndef LLMSIZER_CXX_FLAGS
#define LLMSIZER_CXX_FLAGS ""
#endif
#ifndef LLMSIZER_VERSION
#define LLMSIZER_VERSION "unknown"
#endif
#ifndef LLMSIZER_COMPILER
#define LLMSIZER_COMPILER "unknown"
#endif

namespace llmsizer::profiler {

ProfileSettings settings_for(Effort e) {
  ProfileSettings ps;
  if (e == Effort::kFull) {
    auto& s = ps.probes;
    s.size_step = 2.0;
    s.point_budget_s = 1.5;
    s.max_reps = 40;
    s.min_rep_s = 1e-2;
    s.peak_rep_s = 0.05;
    for (int t = 1; t < core_count(); t *= 2) s.threads.push_back(t);  // 1, 2, 4, ... all
    s.threads.push_back(core_count());
    auto& w = ps.sweeps;
    w.m_values = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512};
    w.weight_dtypes = {core::DType::kF32,  core::DType::kF16,  core::DType::kBF16,
                       core::DType::kQ8_0, core::DType::kQ4_0, core::DType::kQ4_K};
    w.contexts = {128, 256, 512, 1024, 2048, 4096, 8192};
    w.prefill_tokens = {128, 512, 2048};
    w.row_tokens = {1, 16, 128, 512};
    w.max_operand_bytes = 512ull << 20;
    w.budget_s = 420;
    w.min_rep_s = 1e-2;
    w.max_reps = 20;
    w.point_budget_s = 1.0;
    ps.total_budget_s = 540;
    ps.probes_expected_s = 45;
  }
  return ps;
}

namespace {

// First line of a small sysfs/procfs file as a number; 0 when absent or unreadable.
double read_number(const char* path) {
  std::ifstream f(path);
  double v = 0;
  return f >> v ? v : 0;
}

double proc_cpuinfo_mhz() {
  std::ifstream f("/proc/cpuinfo");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("cpu MHz", 0) == 0) {
      const auto colon = line.find(':');
      if (colon == std::string::npos) return 0;
      try {
        return std::stod(line.substr(colon + 1));
      } catch (...) {
        return 0;
      }
    }
  return 0;
}

}  // namespace

schema::ProfileContext host_context() {
  schema::ProfileContext c;
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0 || !host[0]) std::snprintf(host, 8, "unknown");
  c.host = host;
  const auto t = discover_topology();
  c.cpu_model = t.cpu_model.empty() ? "unknown" : t.cpu_model;
  c.cores = std::max(1, t.cores);
  c.threads = std::max(1, t.hardware_threads);
  c.compiler = LLMSIZER_COMPILER;
  c.compiler_flags = LLMSIZER_CXX_FLAGS;
  c.llmsizer_version = LLMSIZER_VERSION;
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char date[32];
  std::strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm);
  c.date_utc = date;
  c.max_freq_hz = 1e3 * read_number("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq");
  c.base_freq_hz = 1e3 * read_number("/sys/devices/system/cpu/cpu0/cpufreq/base_frequency");
  c.os_freq_hz = 1e6 * proc_cpuinfo_mhz();
  return c;
}

schema::CpuSignature host_signature() {
  const auto t = discover_topology();
  schema::CpuSignature s;
  s.cpu_model = t.cpu_model.empty() ? "unknown" : t.cpu_model;
  s.cores = std::max(1, t.cores);
  s.threads = std::max(1, t.hardware_threads);
  for (const auto& c : t.caches) s.caches.push_back({c.level, c.size_bytes, c.instances});
  s.isa = t.isa;  // as make_profile() writes it
  return s;
}

namespace {

std::uint64_t last_level_cache(const schema::HardwareProfile& p) {
  std::uint64_t llc = 0;
  for (const auto& c : p.topology.caches) llc = std::max<std::uint64_t>(llc, c.size_bytes);
  return llc ? llc : 8ull << 20;
}

}  // namespace

ProfileRun make_profile(const ProbeSettings& s, int threads) {
  const auto start = std::chrono::steady_clock::now();
  ProfileRun run;
  auto& p = run.profile;
  p.context = host_context();
  std::string id;
  for (char ch : p.context.host) {
    const auto u = static_cast<unsigned char>(ch);
    id += std::isalnum(u) || ch == '.' || ch == '-' ? static_cast<char>(std::tolower(u)) : '-';
  }
  p.id = id + "-" + p.context.date_utc.substr(0, 10);

  const auto t = discover_topology();
  p.topology.packages = std::max(1, t.packages);
  p.topology.cores = std::max(1, t.cores);
  p.topology.hardware_threads = std::max(1, t.hardware_threads);
  p.topology.numa_nodes = t.numa_nodes;
  p.topology.memory_bytes = t.usable_memory_bytes();
  p.topology.isa = t.isa;
  std::uint64_t llc = 0;
  for (const auto& c : t.caches) {
    p.topology.caches.push_back({c.level, c.size_bytes, c.instances});
    llc = std::max(llc, c.size_bytes);
  }
  if (llc == 0) llc = 8ull << 20;

  const int all = core_count();
  const int top = threads > 0 ? std::min(threads, all) : all;
  ProbeSettings bs = s;
  bs.threads.clear();  // the settings' counts capped at `top`, always ending with `top`
  for (int th : s.threads)
    if (th < top && (bs.threads.empty() || th > bs.threads.back())) bs.threads.push_back(th);
  if (bs.threads.empty() || s.threads.empty()) bs.threads.insert(bs.threads.begin(), 1);
  if (bs.threads.back() != top) bs.threads.push_back(top);
  // Progress: bandwidth is ~80% of the time, peaks the rest.
  auto scaled = [&](double lo, double hi) {
    return [lo, hi, &s](const std::string& step, double f) {
      if (s.progress) s.progress(step, lo + (hi - lo) * f);
    };
  };
  bs.progress = scaled(0.0, 0.75);
  p.bandwidth = probe_bandwidth(bs, llc);

  ProbeSettings ps = s;
  ps.progress = scaled(0.75, 0.9);
  const auto peaks = probe_peaks(ps, top);
  p.peaks.fp32_flop_per_s = peaks.fp32_flop_per_s;
  p.peaks.fp32_theoretical_flop_per_s = peaks.fp32_theoretical_flop_per_s;
  p.peaks.int8_op_per_s = peaks.int8_op_per_s;
  p.peaks.clock_hz = peaks.clock_hz;
  p.peaks.fp32_isa = peaks.fp32_isa;
  p.peaks.int8_isa = peaks.int8_isa;
  p.context.measured_clock_hz = peaks.clock_hz;

  // The yardstick at the largest (memory-bound) working set, for each thread count:
  // probe and plain loop alternate three times so that both see the same machine state.
  const std::uint64_t ws = sweep_sizes(bs, llc).back();
  for (int th : bs.threads) {
    if (s.progress) s.progress(fmt::format("triad vs STREAM-style loop x{}", th), 0.9);
    TriadCheck c;
    c.working_set_bytes = ws;
    c.threads = th;
    for (int round = 0; round < 3 && !(s.cancel && s.cancel->load()); ++round) {
      c.probe_bytes_per_s =
          std::max(c.probe_bytes_per_s,
                   probe_bandwidth_point(schema::BandwidthKind::kTriad, ws, th, s).rate);
      c.reference_bytes_per_s =
          std::max(c.reference_bytes_per_s, probe_stream_reference_triad(s, ws, th).rate);
    }
    run.triad_checks.push_back(c);
  }
  run.cancelled = s.cancel && s.cancel->load();
  run.probe_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return run;
}

ProfileRun make_profile(const ProfileSettings& s, int threads,
                        const std::vector<SweepModel>& models) {
  // Progress: the probes take probes_expected_s of the expected whole, the sweeps the rest.
  // The run never takes much longer than total_budget_s (the sweeps get what the probes
  // leave), so the fraction is at least the share of that bound already used: on a loaded
  // host, where the probes overrun, "time left" is then that bound less the time used.
  const auto t0 = std::chrono::steady_clock::now();
  auto used_share = [&] {
    const double used =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return std::min(0.99, used / std::max(1.0, s.total_budget_s));
  };
  const double sweep_expected = models.empty() ? 0 : s.sweeps.budget_s;
  const double probe_share = s.probes_expected_s / (s.probes_expected_s + sweep_expected);
  ProbeSettings ps = s.probes;
  if (s.probes.progress)
    ps.progress = [&](const std::string& step, double f) {
      s.probes.progress(step, std::max(std::min(f, 1.0) * probe_share, used_share()));
    };
  ProfileRun run = make_profile(ps, threads);
  if (run.cancelled || models.empty()) return run;

  const auto start = std::chrono::steady_clock::now();
  const std::uint64_t llc = last_level_cache(run.profile);
  SweepSettings w = s.sweeps;
  w.cancel = s.probes.cancel;
  if (w.stream_bytes == 0) w.stream_bytes = 4 * llc;
  const int all = core_count();
  const int top = threads > 0 ? std::min(threads, all) : all;
  const auto plan = derive_sweep(models, w, top, llc);
  run.sweep_notes = plan.notes;
  run.sweep_planned = static_cast<int>(plan.points.size());
  // The sweeps get what the probes left of the total, less 2 s for writing the files.
  const double budget =
      std::max(0.0, std::min(w.budget_s, s.total_budget_s - run.probe_seconds - 2.0));
  const auto points =
      select_within_budget(plan.points, roofline_of(run.profile), w, budget, &run.sweep_dropped);
  run.sweep_budget_s = budget;
  for (const auto& pt : points)
    if (pt.in_budget) run.sweep_predicted_s += pt.predicted_s;
  // From here on: the probes' actual share of (probes + sweep budget).
  const double done_share = run.probe_seconds / std::max(1e-9, run.probe_seconds + budget);
  if (s.probes.progress)
    w.progress = [&](const std::string& step, double f) {
      s.probes.progress(step, done_share + (1 - done_share) * std::min(f, 1.0));
    };
  // Hard stop: predictions can be wrong (a loaded host); no new point starts past the budget.
  auto sweep = run_sweep(points, w, llc, budget);
  run.profile.kernels = std::move(sweep.points);
  run.benchmark_json = std::move(sweep.benchmark_json);
  run.sweep_not_run = sweep.not_run;
  run.cancelled = sweep.cancelled || (s.probes.cancel && s.probes.cancel->load());
  run.sweep_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return run;
}

}  // namespace llmsizer::profiler
