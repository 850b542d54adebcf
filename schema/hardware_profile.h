// hardware_profile.h — the measured `hardware-profile` document (docs/schema/hardware-profile.md):
// what `llmsizer profile` found on one host (context, topology summary, peaks, bandwidth
// curve). It is the only bridge from the profiler to the estimator. Writing is
// deterministic; parsing is strict and never throws (problems are located Diagnostics).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostics.h"
#include "core/op_graph.h"

namespace llmsizer::schema {

// 2: every kernel point records the condition it was timed under (`condition:`). Version 1
// files are refused with a message that says how to migrate them
// (docs/schema/hardware-profile.md#version-1).
inline constexpr std::int64_t kHardwareProfileSchemaVersion = 2;

struct ProfileContext {
  std::string host;
  std::string cpu_model;
  std::int64_t cores = 0;
  std::int64_t threads = 0;  // hardware threads
  std::string compiler;
  std::string compiler_flags;
  std::string llmsizer_version;
  std::string date_utc;  // ISO 8601, e.g. 2026-11-27T04:00:00Z
  // Frequencies (Hz), each optional: 0 = unknown, and then not written.
  double max_freq_hz = 0;        // cpufreq cpuinfo_max_freq of cpu 0
  double base_freq_hz = 0;       // cpufreq base_frequency of cpu 0
  double os_freq_hz = 0;         // /proc/cpuinfo "cpu MHz" of cpu 0 at the start (VMs: nominal)
  double measured_clock_hz = 0;  // the clock probe (as peaks.clock_hz)
};

struct ProfileCache {
  std::int64_t level = 0;
  std::uint64_t size_bytes = 0;  // per instance
  std::int64_t instances = 0;
};

struct ProfileTopology {
  std::int64_t packages = 0;
  std::int64_t cores = 0;
  std::int64_t hardware_threads = 0;
  std::int64_t numa_nodes = 0;
  std::uint64_t memory_bytes = 0;  // usable (OS count, capped by cgroup)
  std::vector<ProfileCache> caches;
  std::vector<std::string> isa;
};

struct ProfilePeaks {
  double fp32_flop_per_s = 0;              // measured FMA throughput, all threads used
  double fp32_theoretical_flop_per_s = 0;  // cores x FMA units x lanes x 2 x clock_hz
  double int8_op_per_s = 0;                // measured int8 dot-product ops (mul + add = 2)
  double clock_hz = 0;                     // estimated from a dependent add chain
  std::string fp32_isa;                    // avx2 | avx512 | scalar
  std::string int8_isa;                    // avx2 | avx512_vnni | scalar
};

enum class BandwidthKind { kRead, kWrite, kCopy, kTriad };
const char* to_string(BandwidthKind k);

struct BandwidthPoint {
  BandwidthKind kind = BandwidthKind::kRead;
  std::uint64_t working_set_bytes = 0;  // all arrays together
  std::int64_t threads = 1;
  double bytes_per_s = 0;  // bytes the kernel reads + writes (no write-allocate)
  double cv = 0;           // coefficient of variation of the repetitions
  std::int64_t reps = 0;
  bool noisy = false;  // cv stayed above the target when the cap was reached
};

// One measured kernel call: the op (core::OpKind, written by its core::op_name), the
// registry entry that ran it, the dtype (matmul: weights; attention and kv_append: the KV
// cache; embedding: the table; others: f32), the shape (the fields of core::OpShape that the
// op reads; the others keep their defaults), the condition it was timed under, and the
// median time over repetitions. `flop` and `bytes` are the op's counts from core/op_cost.h
// (the same formulas the estimator uses), so flop_per_s and bytes_per_s are directly
// comparable with the estimator's roofline.
//
// The condition: kStreamed = the operand (weights, KV cache) came from memory on every call
// (the profiler rotated through copies totalling at least 8 x the last-level cache, as a
// model bigger than the cache streams its weights); kCached = the call's own working set,
// warm in the caches (it ran back to back on the same buffers).
enum class TimingCondition { kStreamed, kCached };
const char* to_string(TimingCondition c);

struct KernelPoint {
  core::OpKind op = core::OpKind::kMatmul;
  std::string kernel;  // registry entry name, e.g. matmul_q4_0_avx2
  std::string dtype;   // core::dtype name, e.g. q4_0, f16, f32
  core::OpShape shape;
  TimingCondition condition = TimingCondition::kCached;
  std::int64_t threads = 1;
  double seconds = 0;  // median wall time of one call
  double flop = 0;     // core/op_cost.h counts for this shape
  double bytes = 0;    // bytes read + written, core/op_cost.h
  double cv = 0;       // coefficient of variation of the repetitions
  std::int64_t reps = 0;
  bool noisy = false;  // cv stayed above the target when the cap was reached
  double flop_per_s() const { return seconds > 0 ? flop / seconds : 0; }
  double bytes_per_s() const { return seconds > 0 ? bytes / seconds : 0; }
};

// What was measured: the host CPU (default) or a GPU (profiler/gpu.h; the GPU meanings of
// topology, peaks and bandwidth are in docs/schema/hardware-profile.md).
enum class ProfileDevice { kCpu, kGpu };

struct HardwareProfile {
  std::string id;
  ProfileDevice device = ProfileDevice::kCpu;  // `device:`, optional, default cpu
  ProfileContext context;
  ProfileTopology topology;
  ProfilePeaks peaks;
  std::vector<BandwidthPoint> bandwidth;
  // Per-kernel efficiency tables (may be empty: a probes-only profile). Sorted by
  // (op, dtype, threads, shape) by the writer's caller; the reader keeps file order.
  std::vector<KernelPoint> kernels;
};

// What makes a CPU profile this host's: the CPU model, core and hardware-thread counts, the
// cache sizes per level and the ISA extensions. Not the host name: every cloud VM is "vm".
struct CpuSignature {
  std::string cpu_model;
  std::int64_t cores = 0;
  std::int64_t threads = 0;
  std::vector<ProfileCache> caches;  // size per instance, by level
  std::vector<std::string> isa;
};
CpuSignature cpu_signature(const HardwareProfile& p);
// How the profile's CPU differs from the host's, one phrase each ("cores: 16 in the profile,
// 2 here"); empty when they match. ISA extensions the host lacks count, extra ones do not.
std::vector<std::string> signature_mismatches(const CpuSignature& profile,
                                              const CpuSignature& host);

std::string write_hardware_profile_yaml(const HardwareProfile& p);
std::optional<HardwareProfile> parse_hardware_profile_yaml(std::string_view text,
                                                           const std::string& file,
                                                           core::Diagnostics& diags);
std::optional<HardwareProfile> load_hardware_profile_yaml(const std::string& path,
                                                          core::Diagnostics& diags);

}  // namespace llmsizer::schema
