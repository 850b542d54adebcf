// make_profile.h — runs the probes at a chosen effort and assembles the measured
// `hardware-profile` document (schema/hardware_profile.h) with its context block, plus
// the STREAM-style yardstick figures that judge the probes (docs/profiler.md).
#pragma once

#include <string>

#include "profiler/probes.h"
#include "schema/hardware_profile.h"

namespace llmsizer::profiler {

enum class Effort { kQuick, kFull };

// Probe settings for an effort level: quick < 90 s, full < 10 min on a 2-core machine.
ProbeSettings settings_for(Effort e);

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
};

// Measures this host. `threads` caps the thread counts (0: all cores). Honour s.cancel.
ProfileRun make_profile(const ProbeSettings& s, int threads);

// The context block of this build on this host (host name, CPU, compiler, flags, date).
schema::ProfileContext host_context();

}  // namespace llmsizer::profiler
