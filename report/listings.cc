// listings.cc — the `list` tables (see listings.h).
#include "report/listings.h"

#include <algorithm>
#include <filesystem>
#include <map>

#include <fmt/format.h>

#include "core/model_arch.h"
#include "core/units.h"
#include "schema/text_writer.h"
#include "schema/workload.h"

namespace llmsizer::report {

namespace {

std::string peak_text(const schema::HardwareSpec& h) {
  for (const char* k : {"bf16", "f16", "f32"}) {
    auto it = h.compute.peak_flop_per_s.find(k);
    if (it != h.compute.peak_flop_per_s.end())
      return fmt::format("{:.1f} TFLOP/s {}", it->second / 1e12, k);
  }
  return "-";
}

std::string length_text(const schema::LengthSpec& l) {
  switch (l.kind) {
    case schema::LengthKind::kFixed:
      return fmt::format("{:.0f}", l.value);
    case schema::LengthKind::kUniform:
      return fmt::format("{}-{}", l.min, l.max);
    case schema::LengthKind::kNormal:
      return fmt::format("N({:.0f}, {:.0f})", l.mean, l.stddev);
    case schema::LengthKind::kLognormal:
      return fmt::format("logN({:.0f}, {:.0f})", l.mean, l.stddev);
    case schema::LengthKind::kEmpirical:
      return "trace";
  }
  return "-";
}

const char* arrival_text(schema::ArrivalKind k) {
  switch (k) {
    case schema::ArrivalKind::kPoisson:
      return "poisson";
    case schema::ArrivalKind::kGamma:
      return "gamma";
    case schema::ArrivalKind::kTrace:
      return "trace";
  }
  return "-";
}

}  // namespace

Listing list_models(const schema::Catalog& c) {
  Listing out;
  schema::JsonWriter j;
  j.begin_array();
  out.table = fmt::format("{:<18} {:<36} {:>10} {:>10} {:>8}  {}\n", "id", "hugging face repo",
                          "params", "active", "context", "family");
  for (const auto& m : c.models) {
    const auto p = core::count_params(m.arch);
    out.table += fmt::format("{:<18} {:<36} {:>10} {:>10} {:>8}  {}\n", m.id, m.hf_repo,
                             core::format_count(p.total), core::format_count(p.active),
                             m.arch.max_context, core::to_string(m.arch.family));
    j.begin_object();
    j.key("id").value(m.id).key("name").value(m.name).key("hf_repo").value(m.hf_repo);
    j.key("family").value(core::to_string(m.arch.family));
    j.key("params_total").value(p.total).key("params_active").value(p.active);
    j.key("max_context").value(m.arch.max_context);
    j.end_object();
  }
  j.end_array();
  out.table += fmt::format(
      "{} models; params are counted from the architecture (basis: computed), context in "
      "tokens\n",
      c.models.size());
  out.json = j.str();
  return out;
}

Listing list_hardware(const schema::Catalog& c) {
  Listing out;
  schema::JsonWriter j;
  j.begin_array();
  out.table = fmt::format("{:<15} {:<40} {:<16} {:>10} {:>13} {:>22}\n", "short name", "name",
                          "class", "memory", "bandwidth", "dense peak");
  for (const auto& h : c.hardware) {
    out.table +=
        fmt::format("{:<15} {:<40} {:<16} {:>10} {:>9.0f} GB/s {:>22}\n", h.short_name, h.name,
                    schema::to_string(h.hw_class), core::format_bytes(h.memory.capacity_bytes),
                    h.memory.bandwidth_bytes_per_s / 1e9, peak_text(h));
    j.begin_object();
    j.key("id").value(h.id).key("short_name").value(h.short_name).key("name").value(h.name);
    j.key("class").value(schema::to_string(h.hw_class));
    j.key("capacity_bytes").value(h.memory.capacity_bytes);
    j.key("bandwidth_bytes_per_s").value(h.memory.bandwidth_bytes_per_s);
    j.key("peak_flop_per_s").begin_object();
    for (const auto& [k, v] : h.compute.peak_flop_per_s) j.key(k).value(v);
    j.end_object();
    j.end_object();
  }
  j.end_array();
  out.table += fmt::format("{} devices; figures are datasheet values (see each file's source)\n",
                           c.hardware.size());
  out.json = j.str();
  return out;
}

Listing list_apis(const schema::PriceCatalog& p, const std::string& as_of) {
  Listing out;
  schema::JsonWriter j;
  j.begin_array();
  out.table = fmt::format("{:<58} {:>9} {:>9} {:<15} {}\n", "id (for compare --apis)", "$/1M in",
                          "$/1M out", "open model", "price as of");
  std::size_t n = 0;
  for (const auto* snap : schema::api_snapshots(p, as_of))
    for (const auto& m : snap->models) {
      ++n;
      const std::string id = snap->provider + "/" + m.id;
      const std::string dated = m.from.as_of.empty() ? snap->as_of : m.from.as_of;
      out.table +=
          fmt::format("{:<58} {:>9.3f} {:>9.3f} {:<15} {}\n", id, m.input_usd_per_mtok,
                      m.output_usd_per_mtok, m.open_model.empty() ? "-" : m.open_model, dated);
      j.begin_object();
      j.key("id").value(id).key("name").value(m.name).key("provider").value(snap->provider);
      j.key("input_usd_per_mtok").value(m.input_usd_per_mtok);
      j.key("output_usd_per_mtok").value(m.output_usd_per_mtok);
      j.key("open_model").value(m.open_model);
      j.key("as_of").value(dated).key("snapshot").value(snap->id);
      j.key("source").value(m.from.source.empty() ? snap->source : m.from.source);
      j.end_object();
    }
  j.end_array();
  out.table += fmt::format(
      "{} API models in the newest snapshot per provider{} (profiles/apis; each row's source "
      "in its file); an open model is also named provider/<catalog model id>, e.g. "
      "together/llama-3.1-70b\n",
      n, as_of.empty() ? "" : " as of " + as_of);
  out.json = j.str();
  return out;
}

Listing list_prices(const schema::PriceCatalog& p, const std::string& as_of) {
  Listing out;
  schema::JsonWriter j;
  j.begin_object();
  j.key("rental").begin_array();
  out.table = fmt::format(
      "rental (per device; on-demand unless noted)\n{:<15} {:<10} {:<34} "
      "{:>8} {:>12} {:>12}  {}\n",
      "hardware", "provider", "instance", "devices", "$/hour/dev", "spot $/h/dev", "as of");
  std::map<std::string, const schema::CloudPricing*> newest;
  for (const auto& cp : p.clouds) {
    if (!as_of.empty() && cp.as_of > as_of) continue;
    auto& slot = newest[cp.provider];
    if (!slot || cp.as_of > slot->as_of) slot = &cp;
  }
  for (const auto& [provider, cp] : newest)
    for (const auto& o : cp->offers) {
      const double per_dev = o.on_demand_usd_per_hour / static_cast<double>(o.devices);
      const std::string spot =
          o.spot_usd_per_hour
              ? fmt::format("{:.2f}", *o.spot_usd_per_hour / static_cast<double>(o.devices))
              : "-";
      out.table +=
          fmt::format("{:<15} {:<10} {:<34} {:>8} {:>12.2f} {:>12}  {}\n", o.hardware, provider,
                      o.instance.substr(0, 34), o.devices, per_dev, spot, cp->as_of);
      j.begin_object();
      j.key("hardware").value(o.hardware).key("provider").value(provider);
      j.key("instance").value(o.instance).key("devices").value(o.devices);
      j.key("on_demand_usd_per_hour").value(o.on_demand_usd_per_hour);
      j.key("as_of").value(cp->as_of).key("snapshot").value(cp->id);
      j.key("source").value(o.from.source.empty() ? cp->source : o.from.source);
      j.end_object();
    }
  j.end_array();
  j.key("purchase").begin_array();
  out.table += fmt::format("\npurchase (per device)\n{:<15} {:>12}  {:<11} {}\n", "hardware", "USD",
                           "as of", "what");
  for (const auto& pp : p.purchases)
    for (const auto& it : pp.items) {
      const std::string dated = it.from.as_of.empty() ? pp.as_of : it.from.as_of;
      out.table += fmt::format("{:<15} {:>12}  {:<11} {}\n", it.hardware,
                               fmt::format("${:.0f}", it.usd), dated, it.what.substr(0, 60));
      j.begin_object();
      j.key("hardware").value(it.hardware).key("usd").value(it.usd);
      j.key("as_of").value(dated).key("what").value(it.what).key("source").value(it.from.source);
      j.end_object();
    }
  j.end_array();
  j.end_object();
  out.table += fmt::format(
      "\nprices as published (profiles/costs, newest snapshot per provider{}; each row's source "
      "in its file)\n",
      as_of.empty() ? "" : " as of " + as_of);
  out.json = j.str();
  return out;
}

Listing list_workloads(const std::string& dir, core::Diagnostics& d) {
  Listing out;
  schema::JsonWriter j;
  j.begin_array();
  out.table = fmt::format("{:<24} {:<9} {:>10} {:<18} {:<18} {:>8}  {}\n", "file", "arrival",
                          "rate/s", "prompt tokens", "output tokens", "requests", "source");
  std::size_t n = 0;
  for (const auto& path : schema::list_yaml_files(dir)) {
    auto w = schema::load_workload(path, d);
    if (!w) continue;
    ++n;
    const std::string file = std::filesystem::path(path).filename().string();
    const std::string rate =
        w->arrival == schema::ArrivalKind::kTrace ? "-" : fmt::format("{:g}", w->rate_per_s);
    out.table += fmt::format("{:<24} {:<9} {:>10} {:<18} {:<18} {:>8}  {}\n", file,
                             arrival_text(w->arrival), rate, length_text(w->prompt),
                             length_text(w->output), w->requests, w->source.substr(0, 50));
    j.begin_object();
    j.key("id").value(w->id).key("path").value(path).key("arrival").value(arrival_text(w->arrival));
    j.key("rate_per_s").value(w->rate_per_s).key("requests").value(w->requests);
    j.key("source").value(w->source);
    j.end_object();
  }
  j.end_array();
  out.table += fmt::format(
      "{} workloads in {} (serve/plan --workload FILE; lengths in tokens, basis: each file's "
      "source)\n",
      n, dir);
  out.json = j.str();
  return out;
}

}  // namespace llmsizer::report
