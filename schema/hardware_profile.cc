// hardware_profile.cc — strict decode/encode of `hardware-profile` documents
// (docs/schema/hardware-profile.md). Lists (caches, bandwidth) are written one flow map per
// line so that a profile diffs row by row.
#include "schema/hardware_profile.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "core/dtype.h"
#include "core/units.h"

#include "schema/impl/yaml_reader.h"
#include "schema/text_writer.h"

namespace llmsizer::schema {

using impl::Need;
using impl::Reader;

namespace {

const std::vector<std::pair<std::string, BandwidthKind>>& kind_names() {
  static const std::vector<std::pair<std::string, BandwidthKind>> kNames = {
      {"read", BandwidthKind::kRead},
      {"write", BandwidthKind::kWrite},
      {"copy", BandwidthKind::kCopy},
      {"triad", BandwidthKind::kTriad},
  };
  return kNames;
}

const std::vector<std::pair<std::string, ProfileDevice>>& device_names() {
  static const std::vector<std::pair<std::string, ProfileDevice>> kNames = {
      {"cpu", ProfileDevice::kCpu}, {"gpu", ProfileDevice::kGpu}};
  return kNames;
}

constexpr double kMaxRate = 1e18;
constexpr std::int64_t kMaxBytes = std::int64_t{1} << 50;

bool get_u64(Reader& r, std::string_view key, std::uint64_t& out, Need need) {
  std::int64_t v = 0;
  if (!r.get(key, v, need, 0, kMaxBytes)) return false;
  out = static_cast<std::uint64_t>(v);
  return true;
}

// A required list of mappings under `key`; calls f(reader) for each element.
template <class F>
void read_list(Reader& r, std::string_view key, Need need, F f) {
  auto list = r.node(key, need);
  if (!list) return;
  if (!list->IsSequence()) {
    r.error(key, "expected a list");
    return;
  }
  for (std::size_t i = 0; i < list->size(); ++i) {
    Reader e((*list)[i], fmt::format("{}[{}]", key, i), &r.ctx());
    if (!e.valid()) continue;
    f(e);
    e.finish();
  }
}

// One flow map per kernel point: the identity, then only the shape fields that differ from
// their defaults (so a matmul row shows m, k, n and an attention row its heads and past).
std::string kernel_row(const KernelPoint& k) {
  const core::OpShape d;
  std::string shape;
  auto dim = [&](const char* name, std::int64_t v, std::int64_t def) {
    if (v != def) shape += fmt::format("{}: {}, ", name, v);
  };
  dim("m", k.shape.m, d.m);
  dim("k", k.shape.k, d.k);
  dim("n", k.shape.n, d.n);
  dim("past", k.shape.past, d.past);
  dim("heads", k.shape.heads, d.heads);
  dim("kv_heads", k.shape.kv_heads, d.kv_heads);
  dim("head_dim", k.shape.head_dim, d.head_dim);
  dim("window", k.shape.window, d.window);
  return fmt::format(
      "  - {{op: {}, kernel: {}, dtype: {}, {}condition: {}, threads: {}, seconds: {}, flop: {}, "
      "bytes: {}, cv: {}, reps: {}, noisy: {}}}\n",
      core::op_name(k.op), k.kernel, k.dtype, shape, to_string(k.condition), k.threads,
      format_number(k.seconds), format_number(k.flop), format_number(k.bytes), format_number(k.cv),
      k.reps, k.noisy ? "true" : "false");
}

const std::vector<std::pair<std::string, TimingCondition>>& condition_names() {
  static const std::vector<std::pair<std::string, TimingCondition>> kNames = {
      {"streamed", TimingCondition::kStreamed}, {"cached", TimingCondition::kCached}};
  return kNames;
}

constexpr std::int64_t kMaxDim = std::int64_t{1} << 40;

}  // namespace

const char* to_string(TimingCondition c) {
  for (const auto& [n, v] : condition_names())
    if (v == c) return n.c_str();
  return "?";
}

const char* to_string(BandwidthKind k) {
  for (const auto& [n, v] : kind_names())
    if (v == k) return n.c_str();
  return "?";
}

std::string write_hardware_profile_yaml(const HardwareProfile& p) {
  YamlWriter w;
  w.field("schema", "hardware-profile");
  w.field("schema_version", kHardwareProfileSchemaVersion);
  w.field("id", p.id);
  // Written only when not the default, so CPU profiles keep their bytes.
  if (p.device == ProfileDevice::kGpu) w.field("device", "gpu");
  w.begin_map("context");
  w.field("host", p.context.host);
  w.field("cpu_model", p.context.cpu_model);
  w.field("cores", p.context.cores);
  w.field("threads", p.context.threads);
  w.field("compiler", p.context.compiler);
  w.field("compiler_flags", p.context.compiler_flags);
  w.field("llmsizer_version", p.context.llmsizer_version);
  w.field("date_utc", p.context.date_utc);
  for (const auto& [key, hz] : {std::pair{"max_freq_hz", p.context.max_freq_hz},
                                {"base_freq_hz", p.context.base_freq_hz},
                                {"os_freq_hz", p.context.os_freq_hz},
                                {"measured_clock_hz", p.context.measured_clock_hz}})
    if (hz > 0) w.field(key, hz);
  w.end_map();
  w.begin_map("topology");
  w.field("packages", p.topology.packages);
  w.field("cores", p.topology.cores);
  w.field("hardware_threads", p.topology.hardware_threads);
  w.field("numa_nodes", p.topology.numa_nodes);
  w.field("memory_bytes", p.topology.memory_bytes);
  w.field("isa", p.topology.isa);
  std::string out = w.str();
  out += "  caches:\n";
  for (const auto& c : p.topology.caches)
    out += fmt::format("    - {{level: {}, size_bytes: {}, instances: {}}}\n", c.level,
                       c.size_bytes, c.instances);
  YamlWriter pk;
  pk.begin_map("peaks");
  pk.field("fp32_flop_per_s", p.peaks.fp32_flop_per_s);
  pk.field("fp32_theoretical_flop_per_s", p.peaks.fp32_theoretical_flop_per_s);
  pk.field("int8_op_per_s", p.peaks.int8_op_per_s);
  pk.field("clock_hz", p.peaks.clock_hz);
  pk.field("fp32_isa", p.peaks.fp32_isa);
  pk.field("int8_isa", p.peaks.int8_isa);
  pk.end_map();
  out += pk.str();
  out += "bandwidth:\n";
  for (const auto& b : p.bandwidth)
    out += fmt::format(
        "  - {{kind: {}, working_set_bytes: {}, threads: {}, bytes_per_s: {}, cv: {}, reps: {}, "
        "noisy: {}}}\n",
        to_string(b.kind), b.working_set_bytes, b.threads, format_number(b.bytes_per_s),
        format_number(b.cv), b.reps, b.noisy ? "true" : "false");
  if (!p.kernels.empty()) {
    out += "kernels:\n";
    for (const auto& k : p.kernels) out += kernel_row(k);
  }
  return out;
}

std::optional<HardwareProfile> parse_hardware_profile_yaml(std::string_view text,
                                                           const std::string& file,
                                                           core::Diagnostics& diags) {
  const std::size_t errors_before = diags.error_count();
  impl::DocContext ctx{file, &diags};
  auto root = impl::parse_yaml_text(text, ctx);
  if (!root) return std::nullopt;
  Reader r(*root, "", &ctx);
  if (!r.valid()) return std::nullopt;
  HardwareProfile p;
  const YAML::Node& doc = *root;
  if (doc.IsMap() && doc["schema_version"] && doc["schema_version"].IsScalar() &&
      doc["schema_version"].Scalar() == "1") {
    // Version 1 did not record how each kernel point was timed; guessing it here would
    // hide the guess from every estimate that uses the file.
    r.error("schema_version",
            "hardware-profile schema_version 1 does not record the condition each kernel point "
            "was timed under; re-run `llmsizer profile`, or migrate the file with "
            "scripts/migrate-profile-v1.sh (docs/schema/hardware-profile.md#version-1)");
    return std::nullopt;
  }
  impl::read_header(r, "hardware-profile", kHardwareProfileSchemaVersion, p.id);
  r.get_enum("device", p.device, Need::kOptional, device_names());
  if (auto c = r.child("context", Need::kRequired)) {
    c->get("host", p.context.host, Need::kRequired);
    c->get("cpu_model", p.context.cpu_model, Need::kRequired);
    c->get("cores", p.context.cores, Need::kRequired, 1, 1 << 20);
    c->get("threads", p.context.threads, Need::kRequired, 1, 1 << 22);
    c->get("compiler", p.context.compiler, Need::kRequired);
    c->get("compiler_flags", p.context.compiler_flags, Need::kOptional);
    c->get("llmsizer_version", p.context.llmsizer_version, Need::kRequired);
    if (c->get("date_utc", p.context.date_utc, Need::kRequired) &&
        !impl::is_valid_date(p.context.date_utc.substr(0, 10)))
      c->error("date_utc", "'" + p.context.date_utc + "' is not a date (YYYY-MM-DDTHH:MM:SSZ)");
    c->get("max_freq_hz", p.context.max_freq_hz, Need::kOptional, 0.0, 1e11);
    c->get("base_freq_hz", p.context.base_freq_hz, Need::kOptional, 0.0, 1e11);
    c->get("os_freq_hz", p.context.os_freq_hz, Need::kOptional, 0.0, 1e11);
    c->get("measured_clock_hz", p.context.measured_clock_hz, Need::kOptional, 0.0, 1e11);
    c->finish();
  }
  if (auto t = r.child("topology", Need::kRequired)) {
    t->get("packages", p.topology.packages, Need::kRequired, 1, 1 << 12);
    t->get("cores", p.topology.cores, Need::kRequired, 1, 1 << 20);
    t->get("hardware_threads", p.topology.hardware_threads, Need::kRequired, 1, 1 << 22);
    t->get("numa_nodes", p.topology.numa_nodes, Need::kOptional, 0, 1 << 12);
    get_u64(*t, "memory_bytes", p.topology.memory_bytes, Need::kRequired);
    t->get("isa", p.topology.isa, Need::kOptional);
    read_list(*t, "caches", Need::kOptional, [&](Reader& e) {
      ProfileCache c;
      e.get("level", c.level, Need::kRequired, 1, 8);
      get_u64(e, "size_bytes", c.size_bytes, Need::kRequired);
      e.get("instances", c.instances, Need::kRequired, 1, 1 << 22);
      p.topology.caches.push_back(c);
    });
    t->finish();
  }
  if (auto k = r.child("peaks", Need::kRequired)) {
    k->get("fp32_flop_per_s", p.peaks.fp32_flop_per_s, Need::kRequired, 0.0, kMaxRate);
    k->get("fp32_theoretical_flop_per_s", p.peaks.fp32_theoretical_flop_per_s, Need::kRequired, 0.0,
           kMaxRate);
    k->get("int8_op_per_s", p.peaks.int8_op_per_s, Need::kRequired, 0.0, kMaxRate);
    k->get("clock_hz", p.peaks.clock_hz, Need::kRequired, 0.0, 1e11);
    k->get("fp32_isa", p.peaks.fp32_isa, Need::kOptional);
    k->get("int8_isa", p.peaks.int8_isa, Need::kOptional);
    k->finish();
  }
  read_list(r, "bandwidth", Need::kRequired, [&](Reader& e) {
    BandwidthPoint b;
    e.get_enum("kind", b.kind, Need::kRequired, kind_names());
    get_u64(e, "working_set_bytes", b.working_set_bytes, Need::kRequired);
    e.get("threads", b.threads, Need::kRequired, 1, 1 << 22);
    e.get("bytes_per_s", b.bytes_per_s, Need::kRequired, 0.0, kMaxRate);
    e.get("cv", b.cv, Need::kRequired, 0.0, 100.0);
    e.get("reps", b.reps, Need::kOptional, 0, 1 << 30);
    e.get("noisy", b.noisy, Need::kOptional);
    p.bandwidth.push_back(b);
  });
  read_list(r, "kernels", Need::kOptional, [&](Reader& e) {
    KernelPoint k;
    std::string op;
    if (e.get("op", op, Need::kRequired)) {
      if (const auto kind = core::parse_op_kind(op)) {
        k.op = *kind;
      } else {
        const auto names = core::op_kind_names();
        e.error("op", fmt::format("unknown op '{}'{}", op,
                                  core::did_you_mean(op, {names.begin(), names.end()})));
      }
    }
    e.get("kernel", k.kernel, Need::kRequired);
    if (e.get("dtype", k.dtype, Need::kRequired) && !core::parse_dtype(k.dtype))
      e.error("dtype", fmt::format("unknown dtype '{}'", k.dtype));
    e.get("m", k.shape.m, Need::kOptional, 1, kMaxDim);
    e.get("k", k.shape.k, Need::kOptional, 1, kMaxDim);
    e.get("n", k.shape.n, Need::kOptional, 1, kMaxDim);
    e.get("past", k.shape.past, Need::kOptional, 0, kMaxDim);
    e.get("heads", k.shape.heads, Need::kOptional, 1, 1 << 20);
    e.get("kv_heads", k.shape.kv_heads, Need::kOptional, 1, 1 << 20);
    e.get("head_dim", k.shape.head_dim, Need::kOptional, 1, 1 << 20);
    e.get("window", k.shape.window, Need::kOptional, 0, kMaxDim);
    e.get_enum("condition", k.condition, Need::kRequired, condition_names());
    e.get("threads", k.threads, Need::kRequired, 1, 1 << 22);
    e.get("seconds", k.seconds, Need::kRequired, 1e-12, 1e6);
    e.get("flop", k.flop, Need::kRequired, 0.0, 1e21);
    e.get("bytes", k.bytes, Need::kRequired, 0.0, 1e21);
    e.get("cv", k.cv, Need::kRequired, 0.0, 100.0);
    e.get("reps", k.reps, Need::kOptional, 0, 1 << 30);
    e.get("noisy", k.noisy, Need::kOptional);
    p.kernels.push_back(k);
  });
  r.finish();
  if (diags.error_count() != errors_before) return std::nullopt;
  return p;
}

std::optional<HardwareProfile> load_hardware_profile_yaml(const std::string& path,
                                                          core::Diagnostics& diags) {
  auto text = impl::read_text_file(path, diags);
  if (!text) return std::nullopt;
  return parse_hardware_profile_yaml(*text, path, diags);
}

CpuSignature cpu_signature(const HardwareProfile& p) {
  CpuSignature s;
  s.cpu_model = p.context.cpu_model;
  s.cores = p.context.cores;
  s.threads = p.context.threads;
  s.caches = p.topology.caches;
  s.isa = p.topology.isa;
  return s;
}

std::vector<std::string> signature_mismatches(const CpuSignature& profile,
                                              const CpuSignature& host) {
  std::vector<std::string> out;
  if (profile.cpu_model != host.cpu_model)
    out.push_back(
        fmt::format("CPU '{}' in the profile, '{}' here", profile.cpu_model, host.cpu_model));
  if (profile.cores != host.cores)
    out.push_back(fmt::format("cores: {} in the profile, {} here", profile.cores, host.cores));
  if (profile.threads != host.threads)
    out.push_back(
        fmt::format("hardware threads: {} in the profile, {} here", profile.threads, host.threads));
  for (const auto& c : profile.caches)
    for (const auto& h : host.caches)
      if (c.level == h.level && c.size_bytes != h.size_bytes)
        out.push_back(fmt::format("L{} cache: {} in the profile, {} here", c.level,
                                  core::format_bytes(c.size_bytes),
                                  core::format_bytes(h.size_bytes)));
  std::vector<std::string> missing;
  for (const auto& f : profile.isa)
    if (std::find(host.isa.begin(), host.isa.end(), f) == host.isa.end()) missing.push_back(f);
  if (!missing.empty())
    out.push_back(fmt::format("ISA: this host lacks {}", fmt::join(missing, ", ")));
  return out;
}

}  // namespace llmsizer::schema
