// hardware_spec.cc — strict decode/encode of `hardware` documents (docs/schema/hardware.md).
#include "schema/hardware_spec.h"

#include <fmt/format.h>

#include "schema/impl/yaml_reader.h"
#include "schema/text_writer.h"

namespace llmsizer::schema {

using impl::Need;
using impl::Reader;

namespace {

const std::vector<std::pair<std::string, HardwareClass>>& class_names() {
  static const std::vector<std::pair<std::string, HardwareClass>> kNames = {
      {"datacenter-gpu", HardwareClass::kDatacenterGpu},
      {"workstation-gpu", HardwareClass::kWorkstationGpu},
      {"consumer-gpu", HardwareClass::kConsumerGpu},
      {"apple-soc", HardwareClass::kAppleSoc},
      {"server-cpu", HardwareClass::kServerCpu},
      {"desktop-cpu", HardwareClass::kDesktopCpu},
  };
  return kNames;
}

void read_provenance(Reader& r, Provenance& p) {
  r.get("source", p.source, Need::kRequired);
  if (r.get("as_of", p.as_of, Need::kRequired) && !impl::is_valid_date(p.as_of))
    r.error("as_of", "'" + p.as_of + "' is not a date (YYYY-MM-DD)");
}

constexpr double kMaxBandwidth = 1e15;  // 1 PB/s: far beyond any device
constexpr double kMaxFlops = 1e18;

std::optional<HardwareLink> read_link(Reader& parent, std::string_view key) {
  auto r = parent.child(key, Need::kOptional);
  if (!r) return std::nullopt;
  HardwareLink l;
  r->get("kind", l.kind, Need::kRequired);
  r->get("bandwidth_bytes_per_s", l.bandwidth_bytes_per_s, Need::kRequired, 1.0, kMaxBandwidth);
  read_provenance(*r, l.from);
  r->finish();
  return l;
}

void write_provenance(YamlWriter& w, const Provenance& p) {
  w.field("source", p.source);
  w.field("as_of", p.as_of);
}

void write_link(YamlWriter& w, std::string_view key, const HardwareLink& l) {
  w.begin_map(key);
  w.field("kind", l.kind);
  w.field("bandwidth_bytes_per_s", l.bandwidth_bytes_per_s);
  write_provenance(w, l.from);
  w.end_map();
}

}  // namespace

const char* to_string(HardwareClass c) {
  for (const auto& [n, v] : class_names())
    if (v == c) return n.c_str();
  return "?";
}

const std::vector<std::string>& peak_dtype_keys() {
  static const std::vector<std::string> kKeys = {"f64",  "f32", "tf32", "f16",
                                                 "bf16", "fp8", "int8", "int4"};
  return kKeys;
}

std::optional<HardwareSpec> parse_hardware_yaml(std::string_view text, const std::string& file,
                                                core::Diagnostics& diags) {
  const std::size_t errors_before = diags.error_count();
  impl::DocContext ctx{file, &diags};
  auto root = impl::parse_yaml_text(text, ctx);
  if (!root) return std::nullopt;
  Reader r(*root, "", &ctx);
  HardwareSpec h;
  h.origin_path = file;
  impl::read_header(r, "hardware", kHardwareSchemaVersion, h.id);
  r.get("short_name", h.short_name, Need::kRequired);
  r.get("aliases", h.aliases, Need::kOptional);
  r.get("name", h.name, Need::kRequired);
  r.get("vendor", h.vendor, Need::kRequired);
  r.get_enum("class", h.hw_class, Need::kRequired, class_names());
  if (auto m = r.child("memory", Need::kRequired)) {
    std::int64_t cap = 0;
    if (m->get("capacity_bytes", cap, Need::kRequired, 1, std::int64_t{1} << 50))
      h.memory.capacity_bytes = static_cast<std::uint64_t>(cap);
    m->get("bandwidth_bytes_per_s", h.memory.bandwidth_bytes_per_s, Need::kRequired, 1.0,
           kMaxBandwidth);
    m->get("kind", h.memory.kind, Need::kOptional);
    read_provenance(*m, h.memory.from);
    m->finish();
  }
  if (auto c = r.child("compute", Need::kRequired)) {
    if (auto p = c->child("peak_flop_per_s", Need::kRequired)) {
      for (const auto& k : peak_dtype_keys()) {
        double v = 0;
        if (p->get(k, v, Need::kOptional, 1.0, kMaxFlops)) h.compute.peak_flop_per_s[k] = v;
      }
      if (h.compute.peak_flop_per_s.empty() && p->valid())
        p->error_here("at least one dense peak is needed (f32, f16, bf16, ...)");
      p->finish();
    }
    c->get("units", h.compute.units, Need::kOptional, 1, 1 << 20);
    read_provenance(*c, h.compute.from);
    c->finish();
  }
  h.interconnect = read_link(r, "interconnect");
  h.host_link = read_link(r, "host_link");
  if (auto p = r.child("power", Need::kRequired)) {
    p->get("tdp_w", h.power.tdp_w, Need::kRequired, 1.0, 1e5);
    read_provenance(*p, h.power.from);
    p->finish();
  }
  if (auto p = r.child("price", Need::kOptional)) {
    HardwarePrice pr;
    double v = 0;
    if (p->get("purchase_usd", v, Need::kOptional, 1.0, 1e8)) pr.purchase_usd = v;
    if (p->get("cloud_usd_per_hour", v, Need::kOptional, 0.001, 1e4)) pr.cloud_usd_per_hour = v;
    p->get("cloud_provider", pr.cloud_provider,
           pr.cloud_usd_per_hour ? Need::kRequired : Need::kOptional);
    read_provenance(*p, pr.from);
    if (!pr.purchase_usd && !pr.cloud_usd_per_hour && p->valid())
      p->error_here("a price block needs purchase_usd or cloud_usd_per_hour");
    p->finish();
    h.price = pr;
  }
  if (auto e = r.child("efficiency", Need::kOptional)) {
    HardwareEfficiency eff;
    double v = 0;
    if (e->get("compute", v, Need::kOptional, 1e-3, 1.0)) eff.compute = v;
    if (e->get("memory", v, Need::kOptional, 1e-3, 1.0)) eff.memory = v;
    if (e->get("kernel_overhead_s", v, Need::kOptional, 0.0, 1.0)) eff.kernel_overhead_s = v;
    if (e->get("link_latency_s", v, Need::kOptional, 0.0, 1.0)) eff.link_latency_s = v;
    e->get("note", eff.note, Need::kOptional);
    e->finish();
    h.efficiency = eff;
  }
  r.get("notes", h.notes, Need::kOptional);
  r.finish();
  if (diags.error_count() != errors_before) return std::nullopt;
  return h;
}

std::optional<HardwareSpec> load_hardware_yaml(const std::string& path, core::Diagnostics& diags) {
  auto text = impl::read_text_file(path, diags);
  if (!text) return std::nullopt;
  return parse_hardware_yaml(*text, path, diags);
}

std::string write_hardware_yaml(const HardwareSpec& h) {
  YamlWriter w;
  w.field("schema", "hardware");
  w.field("schema_version", kHardwareSchemaVersion);
  w.field("id", h.id);
  w.field("short_name", h.short_name);
  if (!h.aliases.empty()) w.field("aliases", h.aliases);
  w.field("name", h.name);
  w.field("vendor", h.vendor);
  w.field("class", to_string(h.hw_class));
  w.begin_map("memory");
  w.field("capacity_bytes", h.memory.capacity_bytes);
  w.field("bandwidth_bytes_per_s", h.memory.bandwidth_bytes_per_s);
  if (!h.memory.kind.empty()) w.field("kind", h.memory.kind);
  write_provenance(w, h.memory.from);
  w.end_map();
  w.begin_map("compute");
  w.begin_map("peak_flop_per_s");
  for (const auto& k : peak_dtype_keys()) {
    auto it = h.compute.peak_flop_per_s.find(k);
    if (it != h.compute.peak_flop_per_s.end()) w.field(k, it->second);
  }
  w.end_map();
  if (h.compute.units) w.field("units", h.compute.units);
  write_provenance(w, h.compute.from);
  w.end_map();
  if (h.interconnect) write_link(w, "interconnect", *h.interconnect);
  if (h.host_link) write_link(w, "host_link", *h.host_link);
  w.begin_map("power");
  w.field("tdp_w", h.power.tdp_w);
  write_provenance(w, h.power.from);
  w.end_map();
  if (h.price) {
    w.begin_map("price");
    if (h.price->purchase_usd) w.field("purchase_usd", *h.price->purchase_usd);
    if (h.price->cloud_usd_per_hour) w.field("cloud_usd_per_hour", *h.price->cloud_usd_per_hour);
    if (!h.price->cloud_provider.empty()) w.field("cloud_provider", h.price->cloud_provider);
    write_provenance(w, h.price->from);
    w.end_map();
  }
  if (h.efficiency) {
    const auto& e = *h.efficiency;
    w.begin_map("efficiency");
    if (e.compute) w.field("compute", *e.compute);
    if (e.memory) w.field("memory", *e.memory);
    if (e.kernel_overhead_s) w.field("kernel_overhead_s", *e.kernel_overhead_s);
    if (e.link_latency_s) w.field("link_latency_s", *e.link_latency_s);
    if (!e.note.empty()) w.field("note", e.note);
    w.end_map();
  }
  if (!h.notes.empty()) w.field("notes", h.notes);
  return w.str();
}

}  // namespace llmsizer::schema
