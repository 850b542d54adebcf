// make_profile.cc — assembles a measured hardware profile: context (host, CPU, compiler
// and flags from compile definitions, version, UTC date), topology summary, peaks and the
// bandwidth curve, and the triad-vs-STREAM-loop check.
#include "profiler/make_profile.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>

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

ProbeSettings settings_for(Effort e) {
  ProbeSettings s;
  if (e == Effort::kFull) {
    s.size_step = 2.0;
    s.point_budget_s = 1.5;
    s.max_reps = 40;
    s.min_rep_s = 1e-2;
    s.peak_rep_s = 0.05;
    for (int t = 1; t < core_count(); t *= 2) s.threads.push_back(t);  // 1, 2, 4, ... all
    s.threads.push_back(core_count());
  }
  return s;
}

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
  return c;
}

ProfileRun make_profile(const ProbeSettings& s, int threads) {
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
  return run;
}

}  // namespace llmsizer::profiler
