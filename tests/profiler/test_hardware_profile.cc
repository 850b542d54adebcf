// test_hardware_profile.cc — the measured hardware-profile document: write/parse round
// trip, determinism, and the invalid fixtures under tests/data/invalid/hardware_profile/
// (each states the diagnostics it expects in `# expect:` lines at its top).
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "profiler/make_profile.h"
#include "profiler/topology.h"
#include "schema/hardware_profile.h"
#include "test_paths.h"
#include "tiny_model.h"

using namespace llmsizer;
namespace fs = std::filesystem;

namespace {

schema::HardwareProfile sample() {
  schema::HardwareProfile p;
  p.id = "testhost-2026-11-27";
  p.context = {"testhost",   "AMD EPYC: \"x\"", 2,       2,
               "GNU 12.2.0", "-O3 -DNDEBUG",    "0.1.0", "2026-11-27T04:00:00Z"};
  p.context.max_freq_hz = 3.7e9;
  p.context.os_freq_hz = 2596.128e6;
  p.context.measured_clock_hz = 3.63e9;  // base_freq_hz unknown: not written, reads back 0
  p.topology.packages = 1;
  p.topology.cores = 2;
  p.topology.hardware_threads = 2;
  p.topology.numa_nodes = 1;
  p.topology.memory_bytes = 8ull << 30;
  p.topology.caches = {{1, 32768, 2}, {2, 1 << 20, 2}, {3, 32 << 20, 1}};
  p.topology.isa = {"avx2", "fma", "avx512f"};
  p.peaks = {1.23e11, 1.4e11, 4.5e11, 2.45e9, "avx512", "avx512_vnni"};
  p.bandwidth = {{schema::BandwidthKind::kTriad, 16384, 1, 1.5e11, 0.012, 5, false},
                 {schema::BandwidthKind::kRead, 1ull << 27, 2, 2.0e10, 0.051, 20, true}};
  schema::KernelPoint mm;
  mm.op = core::OpKind::kMatmul;
  mm.condition = schema::TimingCondition::kStreamed;
  mm.kernel = "matmul_q4_0_avx2";
  mm.dtype = "q4_0";
  mm.shape.m = 1;
  mm.shape.k = 4096;
  mm.shape.n = 11008;
  mm.threads = 2;
  mm.seconds = 1.25e-3;
  mm.flop = 2.0 * 4096 * 11008;
  mm.bytes = 25.4e6;
  mm.cv = 0.011;
  mm.reps = 12;
  schema::KernelPoint at;
  at.op = core::OpKind::kAttentionDecode;
  at.condition = schema::TimingCondition::kCached;
  at.kernel = "attention_decode_f16";
  at.dtype = "f16";
  at.shape.past = 1023;
  at.shape.heads = 32;
  at.shape.kv_heads = 8;
  at.shape.head_dim = 128;
  at.threads = 1;
  at.seconds = 4e-4;
  at.flop = 1.6e7;
  at.bytes = 4.2e6;
  at.cv = 0.04;
  at.reps = 30;
  at.noisy = true;
  p.kernels = {mm, at};
  return p;
}

bool same(const schema::HardwareProfile& a, const schema::HardwareProfile& b) {
  if (a.bandwidth.size() != b.bandwidth.size() ||
      a.topology.caches.size() != b.topology.caches.size())
    return false;
  for (std::size_t i = 0; i < a.bandwidth.size(); ++i) {
    const auto &x = a.bandwidth[i], &y = b.bandwidth[i];
    if (x.kind != y.kind || x.working_set_bytes != y.working_set_bytes || x.threads != y.threads ||
        x.bytes_per_s != y.bytes_per_s || x.cv != y.cv || x.reps != y.reps || x.noisy != y.noisy)
      return false;
  }
  if (a.kernels.size() != b.kernels.size()) return false;
  for (std::size_t i = 0; i < a.kernels.size(); ++i) {
    const auto &x = a.kernels[i], &y = b.kernels[i];
    if (x.op != y.op || x.kernel != y.kernel || x.dtype != y.dtype || !(x.shape == y.shape) ||
        x.condition != y.condition || x.threads != y.threads || x.seconds != y.seconds ||
        x.flop != y.flop || x.bytes != y.bytes || x.cv != y.cv || x.reps != y.reps ||
        x.noisy != y.noisy)
      return false;
  }
  for (std::size_t i = 0; i < a.topology.caches.size(); ++i)
    if (a.topology.caches[i].size_bytes != b.topology.caches[i].size_bytes ||
        a.topology.caches[i].level != b.topology.caches[i].level ||
        a.topology.caches[i].instances != b.topology.caches[i].instances)
      return false;
  return a.id == b.id && a.context.host == b.context.host &&
         a.context.cpu_model == b.context.cpu_model && a.context.cores == b.context.cores &&
         a.context.compiler_flags == b.context.compiler_flags &&
         a.context.date_utc == b.context.date_utc && a.topology.isa == b.topology.isa &&
         a.context.max_freq_hz == b.context.max_freq_hz &&
         a.context.base_freq_hz == b.context.base_freq_hz &&
         a.context.os_freq_hz == b.context.os_freq_hz &&
         a.context.measured_clock_hz == b.context.measured_clock_hz &&
         a.topology.memory_bytes == b.topology.memory_bytes &&
         a.peaks.fp32_flop_per_s == b.peaks.fp32_flop_per_s &&
         a.peaks.int8_op_per_s == b.peaks.int8_op_per_s && a.peaks.clock_hz == b.peaks.clock_hz &&
         a.peaks.fp32_isa == b.peaks.fp32_isa && a.peaks.int8_isa == b.peaks.int8_isa;
}

}  // namespace

TEST_CASE("a hardware profile round-trips through YAML", "[profiler][profile]") {
  const auto p = sample();
  const std::string text = schema::write_hardware_profile_yaml(p);
  core::Diagnostics d;
  const auto back = schema::parse_hardware_profile_yaml(text, "p.yaml", d);
  INFO(text << d.format());
  REQUIRE(back);
  CHECK(same(p, *back));
  CHECK(schema::write_hardware_profile_yaml(*back) == text);  // deterministic
  CHECK(text.find("max_freq_hz: 3700000000") != std::string::npos);
  CHECK(text.find("base_freq_hz") == std::string::npos);  // unknown: left out
}

TEST_CASE("schema version 2: each kernel point carries its timing condition",
          "[profiler][profile]") {
  const std::string text = schema::write_hardware_profile_yaml(sample());
  CHECK(text.find("schema_version: 2\n") != std::string::npos);
  CHECK(text.find("n: 11008, condition: streamed, threads: 2") != std::string::npos);
  CHECK(text.find("head_dim: 128, condition: cached, threads: 1") != std::string::npos);
  // The condition is required: a row without it is an error at that row.
  std::string missing = text;
  const auto at = missing.find("condition: cached, ");
  REQUIRE(at != std::string::npos);
  missing.erase(at, std::string("condition: cached, ").size());
  core::Diagnostics d;
  CHECK_FALSE(schema::parse_hardware_profile_yaml(missing, "p.yaml", d));
  CHECK(d.format().find("kernels[1]") != std::string::npos);
  CHECK(d.format().find("condition") != std::string::npos);
  std::string bad = text;
  bad.replace(bad.find("condition: cached"), 17, "condition: warm");
  core::Diagnostics d2;
  CHECK_FALSE(schema::parse_hardware_profile_yaml(bad, "p.yaml", d2));
  CHECK(d2.format().find("'warm' is not one of: streamed, cached") != std::string::npos);
}

TEST_CASE("a version 1 profile is refused with the way to migrate it", "[profiler][profile]") {
  std::string text = schema::write_hardware_profile_yaml(sample());
  text.replace(text.find("schema_version: 2"), 17, "schema_version: 1");
  core::Diagnostics d;
  CHECK_FALSE(schema::parse_hardware_profile_yaml(text, "old.yaml", d));
  INFO(d.format());
  CHECK(d.error_count() == 1);
  CHECK(d.format().find("old.yaml:2:") != std::string::npos);
  CHECK(d.format().find("scripts/migrate-profile-v1.sh") != std::string::npos);
  CHECK(d.format().find("re-run `llmsizer profile`") != std::string::npos);
}

TEST_CASE("a real minimal profile round-trips through the schema", "[profiler][profile]") {
  profiler::ProbeSettings s;
  s.min_bytes = s.max_bytes = 64 << 10;
  s.threads = {1};
  s.kinds = {schema::BandwidthKind::kTriad};
  s.max_reps = 3;
  s.point_budget_s = 0.01;
  s.min_rep_s = 5e-4;
  s.peak_rep_s = 1e-3;
  const auto run = profiler::make_profile(s, 1);
  REQUIRE(run.profile.bandwidth.size() == 1);
  REQUIRE(run.triad_checks.size() == 1);
  CHECK(run.triad_checks[0].reference_bytes_per_s > 0);
  const std::string text = schema::write_hardware_profile_yaml(run.profile);
  core::Diagnostics d;
  const auto back = schema::parse_hardware_profile_yaml(text, "real.yaml", d);
  INFO(text << d.format());
  REQUIRE(back);
  CHECK(same(run.profile, *back));
}

TEST_CASE("a real minimal profile with kernel sweeps round-trips through the schema",
          "[profiler][profile][sweeps]") {
  profiler::ProfileSettings s;
  s.probes.min_bytes = s.probes.max_bytes = 64 << 10;
  s.probes.threads = {1};
  s.probes.kinds = {schema::BandwidthKind::kTriad};
  s.probes.max_reps = 3;
  s.probes.point_budget_s = 0.01;
  s.probes.min_rep_s = 5e-4;
  s.probes.peak_rep_s = 1e-3;
  auto& w = s.sweeps;
  w.m_values = {1};
  w.weight_dtypes = {core::DType::kQ4_0};
  w.kv_dtypes = {core::DType::kF16};
  w.contexts = {16};
  w.prefill_tokens = {};
  w.row_tokens = {1};
  w.threads = {1};
  w.min_rep_s = 1e-4;
  w.max_reps = 3;
  w.point_budget_s = 0.01;
  w.budget_s = 20;
  s.total_budget_s = 60;
  const auto run = profiler::make_profile(s, 1, {test::tiny_sweep_model()});
  REQUIRE_FALSE(run.cancelled);
  CHECK(run.sweep_planned == 5 + 1 + 5);  // 5 matmuls, decode attention, 5 row ops
  REQUIRE(run.profile.kernels.size() == static_cast<std::size_t>(run.sweep_planned));
  CHECK(run.profile.context.measured_clock_hz == run.profile.peaks.clock_hz);
  bool q4 = false;
  for (const auto& k : run.profile.kernels)
    q4 = q4 || (k.op == core::OpKind::kMatmul && k.dtype == "q4_0");
  CHECK(q4);
  CHECK(run.benchmark_json.find("\"benchmarks\"") != std::string::npos);
  const std::string text = schema::write_hardware_profile_yaml(run.profile);
  core::Diagnostics d;
  const auto back = schema::parse_hardware_profile_yaml(text, "real.yaml", d);
  INFO(text << d.format());
  REQUIRE(back);
  CHECK(same(run.profile, *back));
  CHECK(back->context.measured_clock_hz == run.profile.context.measured_clock_hz);
  CHECK(schema::write_hardware_profile_yaml(*back) == text);
  CHECK_FALSE(profiler::summarize_efficiency(*back).empty());
}

TEST_CASE("invalid hardware profiles are rejected with the diagnostics they state",
          "[profiler][profile][invalid]") {
  const fs::path dir = fs::path(test::data_dir()) / "invalid" / "hardware_profile";
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir)) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  int checked = 0;
  for (const auto& f : files) {
    std::vector<std::string> expect;
    std::ifstream in(f);
    std::string line;
    while (std::getline(in, line) && line.rfind("# expect: ", 0) == 0)
      expect.push_back(line.substr(10));
    INFO("fixture " << f.string());
    REQUIRE_FALSE(expect.empty());
    core::Diagnostics d;
    CHECK_FALSE(schema::load_hardware_profile_yaml(f.string(), d));
    const std::string text = d.format();
    INFO("diagnostics:\n" << text);
    for (const auto& e : expect) CHECK(text.find(e) != std::string::npos);
    ++checked;
  }
  CHECK(checked >= 4);
}

TEST_CASE("the device field: absent means cpu, gpu round-trips, other values are errors",
          "[profiler][profile]") {
  auto p = sample();
  const std::string cpu_text = schema::write_hardware_profile_yaml(p);
  CHECK(cpu_text.find("device:") == std::string::npos);  // default: CPU files keep their bytes
  core::Diagnostics d;
  auto back = schema::parse_hardware_profile_yaml(cpu_text, "p.yaml", d);
  REQUIRE(back);
  CHECK(back->device == schema::ProfileDevice::kCpu);

  p.device = schema::ProfileDevice::kGpu;
  const std::string gpu_text = schema::write_hardware_profile_yaml(p);
  CHECK(gpu_text.find("\ndevice: gpu\n") != std::string::npos);
  back = schema::parse_hardware_profile_yaml(gpu_text, "p.yaml", d);
  INFO(d.format());
  REQUIRE(back);
  CHECK(back->device == schema::ProfileDevice::kGpu);
  CHECK(schema::write_hardware_profile_yaml(*back) == gpu_text);

  std::string bad = gpu_text;
  bad.replace(bad.find("device: gpu"), 11, "device: tpu");
  core::Diagnostics bd;
  CHECK_FALSE(schema::parse_hardware_profile_yaml(bad, "bad.yaml", bd));
  CHECK(bd.format().find("bad.yaml:4") != std::string::npos);
  CHECK(bd.format().find("device") != std::string::npos);
}

TEST_CASE("a GPU-shaped profile (as make_gpu_profile fills it) passes the strict parser",
          "[profiler][profile]") {
  // Field meanings of docs/schema/hardware-profile.md#gpu-profiles, H100-sized values.
  schema::HardwareProfile p;
  p.id = "nvidia-h100-80gb-hbm3-2026-11-27";
  p.device = schema::ProfileDevice::kGpu;
  p.context = {"gpuhost",    "Intel Xeon", 16,      32,
               "GNU 12.2.0", "-O3",        "0.1.0", "2026-11-27T04:00:00Z"};
  p.topology.packages = 1;
  p.topology.cores = 132;                    // SMs
  p.topology.hardware_threads = 132 * 2048;  // resident threads
  p.topology.numa_nodes = 0;
  p.topology.memory_bytes = 85ull << 30;
  p.topology.caches = {{2, 50ull << 20, 1}};
  p.topology.isa = {"sm_90", "fp8_e4m3"};
  p.peaks = {5.0e13, 6.7e13, 0.0, 1.98e9, "cuda_sm_90", "none"};
  p.bandwidth = {
      {schema::BandwidthKind::kRead, 4ull << 30, 132 * 8 * 256, 3.0e12, 0.004, 20, false},
      {schema::BandwidthKind::kCopy, 4ull << 30, 132 * 8 * 256, 2.9e12, 0.006, 20, false}};
  const std::string text = schema::write_hardware_profile_yaml(p);
  core::Diagnostics d;
  const auto back = schema::parse_hardware_profile_yaml(text, "gpu.yaml", d);
  INFO(text << d.format());
  REQUIRE(back);
  CHECK(back->device == schema::ProfileDevice::kGpu);
  CHECK(same(p, *back));
  CHECK(schema::write_hardware_profile_yaml(*back) == text);
}

TEST_CASE("a profile made here has this host's CPU signature; another CPU's is told apart",
          "[profile][signature]") {
  const auto host = profiler::host_signature();
  schema::HardwareProfile p;
  p.context = profiler::host_context();
  const auto t = profiler::discover_topology();
  p.topology.isa = t.isa;
  for (const auto& c : t.caches) p.topology.caches.push_back({c.level, c.size_bytes, c.instances});
  CHECK(schema::signature_mismatches(schema::cpu_signature(p), host).empty());
  // Another machine with the same host name ("vm"): every difference is named.
  auto other = schema::cpu_signature(p);
  other.cpu_model = "AMD EPYC 9654 96-Core Processor";
  other.cores = host.cores + 94;
  other.isa.push_back("amx_tile_not_here");
  if (!other.caches.empty()) other.caches.back().size_bytes *= 4;
  const auto why = schema::signature_mismatches(other, host);
  REQUIRE(why.size() >= 3);
  CHECK(why[0].find("EPYC 9654") != std::string::npos);
  CHECK(why[1].find("cores") != std::string::npos);
  CHECK(why.back().find("amx_tile_not_here") != std::string::npos);
  // Extra ISA on the host is no mismatch (the profile's kernels still run).
  auto fewer = schema::cpu_signature(p);
  if (!fewer.isa.empty()) fewer.isa.pop_back();
  CHECK(schema::signature_mismatches(fewer, host).empty());
}
