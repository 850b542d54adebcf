// probes.h — micro-probes of this host: memory bandwidth (read, write, copy, triad) over
// working sets from L1 to several times the last-level cache on 1..N pinned threads, peak
// FP32 FMA throughput against the theoretical peak at the measured clock, and int8
// dot-product throughput. Every measurement repeats until its coefficient of variation is
// below a target or a cap; the CV is recorded and noisy points are flagged, not hidden.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "schema/hardware_profile.h"

namespace llmsizer::profiler {

// How hard to measure. Defaults are `--quick`; tests shrink everything.
struct ProbeSettings {
  std::uint64_t min_bytes = 16ull << 10;  // smallest working set (all arrays, all threads)
  std::uint64_t max_bytes = 0;            // 0: 4 x the last-level cache
  double size_step = 4.0;                 // working-set growth factor (log steps), > 1
  std::vector<int> threads;               // thread counts; empty: {1, all cores}
  std::vector<schema::BandwidthKind> kinds = {
      schema::BandwidthKind::kRead, schema::BandwidthKind::kWrite, schema::BandwidthKind::kCopy,
      schema::BandwidthKind::kTriad};
  double cv_target = 0.03;      // stop repeating once the CV is below this ...
  int min_reps = 3;             // ... and at least this many repetitions were taken,
  int max_reps = 20;            // ... or at this cap,
  double point_budget_s = 0.3;  // ... or when one point has used this much time.
  double min_rep_s = 4e-3;      // each repetition runs the kernel at least this long
  double peak_rep_s = 0.02;     // one repetition of the FMA / int8 probes
  // Checked between repetitions; when it becomes true the probes return what they have.
  const std::atomic<bool>* cancel = nullptr;
  // Called before each point: what is being measured, and the fraction done so far [0, 1].
  std::function<void(const std::string& step, double fraction)> progress;
};

// One measured rate with its spread.
struct Measurement {
  double rate = 0;  // median of the last max(min_reps, 5) repetitions, units per second
  double cv = 0;    // coefficient of variation of those same repetitions
  int reps = 0;
  bool noisy = false;
};

struct PeakResult {
  double fp32_flop_per_s = 0;
  double fp32_theoretical_flop_per_s = 0;
  double int8_op_per_s = 0;
  double clock_hz = 0;
  std::string fp32_isa;  // avx512 | avx2 | scalar
  std::string int8_isa;  // avx512_vnni | avx2 | scalar
  Measurement fp32;
  Measurement int8;
};

// Bytes each kernel moves per element (8-byte doubles): reads + writes the code performs.
// Write-allocate traffic (a store miss first reading the line) is NOT counted, as STREAM.
int bytes_per_element(schema::BandwidthKind k);

// The working-set sizes the sweep uses: min_bytes, x size_step, ..., up to max_bytes.
std::vector<std::uint64_t> sweep_sizes(const ProbeSettings& s, std::uint64_t llc_bytes);

// The bandwidth curve. Threads are pinned one per core (CpuPinning), first-touch allocated.
// `llc_bytes` sizes the default sweep. Not reentrant (one probe at a time per process).
std::vector<schema::BandwidthPoint> probe_bandwidth(const ProbeSettings& s,
                                                    std::uint64_t llc_bytes);

// One point of the curve: `kind` over `working_set_bytes` on `threads` pinned threads,
// the faster of the vector widths the CPU has (128-bit, 256-bit).
Measurement probe_bandwidth_point(schema::BandwidthKind kind, std::uint64_t working_set_bytes,
                                  int threads, const ProbeSettings& s);

// A STREAM-style triad `a[j] = b[j] + s * c[j]` written as a plain loop (compiler's own
// vectorisation), on the same pinned threads: the yardstick for the triad probe.
Measurement probe_stream_reference_triad(const ProbeSettings& s, std::uint64_t working_set_bytes,
                                         int threads);

// Core clock estimated by timing a dependent chain of integer adds (1 cycle each).
double measure_clock_hz(const ProbeSettings& s);

// FP32 FMA and int8 dot-product throughput on `threads` pinned threads (0: all cores),
// best ISA chosen at run time; theoretical = cores x FMA units x lanes x 2 x clock (the
// higher of two clock readings, before and after; 2 units; 1 for AVX-512 when it is not
// clearly faster than AVX2, e.g. Zen 4).
PeakResult probe_peaks(const ProbeSettings& s, int threads = 0);

// Rate, CV and noisy flag of a series of per-repetition rates, over the last max(min_reps, 5)
// (the window every probe reports; reps counts them all).
Measurement summarize(const std::vector<double>& rates, const ProbeSettings& s);
// Sample coefficient of variation (stddev / mean; 0 below two values) of repeated
// measurements, reported with their median (core::median) by every probe and sweep point.
double coefficient_of_variation(const std::vector<double>& v);

// Physical cores hwloc sees (kernels::cpu::CpuPinning; at least 1).
int core_count();

}  // namespace llmsizer::profiler
