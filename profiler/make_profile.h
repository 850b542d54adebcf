// make_profile.h — runs the probes and the kernel sweeps at a chosen effort and assembles the
// measured `hardware-profile` document (schema/hardware_profile.h) with its context block,
// plus the STREAM-style yardstick figures that judge the probes (docs/profiler.md).
#pragma once

#include <string>

#include "profiler/probes.h"
#include "profiler/sweeps.h"
#include "schema/hardware_profile.h"

namespace llmsizer::profiler {

enum class Effort { kQuick, kFull };

// Everything one run needs. `probes.cancel` and `probes.progress` serve the sweeps too.
struct ProfileSettings {
  ProbeSettings probes;
  SweepSettings sweeps;
  // Wall-clock bound of the whole run: the sweeps get what the probes leave of it (less a
  // small reserve for writing), at most sweeps.budget_s.
  double total_budget_s = 80;
  // What the probes are expected to take (for the progress fraction only).
  double probes_expected_s = 15;
};

// Settings for an effort level: quick < 90 s, full < 10 min on a 2-core machine.
ProfileSettings settings_for(Effort e);

// The yardstick: triad probe vs a plain-loop STREAM triad at the largest working set.
struct TriadCheck {
  std::uint64_t working_set_bytes = 0;
  int threads = 0;
  double probe_bytes_per_s = 0;
  double reference_bytes_per_s = 0;
};

struct ProfileRun {
  schema::HardwareProfile profile;
  std::vector<TriadCheck> triad_checks;
  bool cancelled = false;
  // The kernel sweeps: Google Benchmark's raw JSON, what the plan skipped or reduced, how
  // many planned points were predicted not to fit the budget (dropped) and how many were
  // finally not timed (not_run: dropped and never re-admitted, or cut while running).
  std::string benchmark_json;
  std::vector<std::string> sweep_notes;
  int sweep_planned = 0;
  int sweep_dropped = 0;
  int sweep_not_run = 0;
  double probe_seconds = 0;
  double sweep_seconds = 0;
  double sweep_predicted_s = 0;  // what the selection predicted for the points it took
  double sweep_budget_s = 0;     // what the sweeps were given
};

// Measures this host: probes only. `threads` caps the thread counts (0: all cores). Honours
// s.cancel.
ProfileRun make_profile(const ProbeSettings& s, int threads);

// Probes, then the kernel sweeps over the shapes of `models` (none: probes only).
ProfileRun make_profile(const ProfileSettings& s, int threads,
                        const std::vector<SweepModel>& models);

// The context block of this build on this host (host name, CPU, compiler, flags, date).
schema::ProfileContext host_context();
// This host's CPU signature (schema::cpu_signature of a profile made here would equal it).
schema::CpuSignature host_signature();

}  // namespace llmsizer::profiler
