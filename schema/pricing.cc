// pricing.cc — strict decode of the money documents and the snapshot lookups.
#include "schema/pricing.h"

#include <algorithm>

#include <fmt/format.h>

#include "core/check.h"
#include "schema/catalog.h"
#include "schema/impl/yaml_reader.h"

namespace llmsizer::schema {

using impl::Need;
using impl::Reader;

namespace {

constexpr double kMaxUsdPerMtok = 10000;
constexpr double kMaxUsdPerHour = 100000;

void read_date(Reader& r, const char* key, std::string& out, Need need) {
  if (r.get(key, out, need) && !impl::is_valid_date(out))
    r.error(key, "'" + out + "' is not a date (YYYY-MM-DD)");
}

// An entry's own source/as_of, defaulting to the document's.
void read_entry_provenance(Reader& r, Provenance& p, const std::string& doc_source,
                           const std::string& doc_as_of) {
  p.source = doc_source;
  p.as_of = doc_as_of;
  r.get("source", p.source, Need::kOptional);
  read_date(r, "as_of", p.as_of, Need::kOptional);
}

template <class F>
void for_each_item(Reader& r, const char* key, F&& f) {
  auto list = r.node(key, Need::kRequired);
  if (!list) return;
  if (!list->IsSequence()) {
    r.error(key, "expected a list");
    return;
  }
  for (std::size_t i = 0; i < list->size(); ++i) {
    const std::string path = r.path().empty() ? fmt::format("{}[{}]", key, i)
                                              : fmt::format("{}.{}[{}]", r.path(), key, i);
    Reader item((*list)[i], path, &r.ctx());
    f(item);
    item.finish();
  }
}

void read_api(Reader& r, ApiPricing& a) {
  r.get("provider", a.provider, Need::kRequired);
  read_date(r, "as_of", a.as_of, Need::kRequired);
  r.get("source", a.source, Need::kRequired);
  for_each_item(r, "models", [&](Reader& m) {
    ApiModelPrice p;
    m.get("id", p.id, Need::kRequired);
    m.get("name", p.name, Need::kRequired);
    m.get("input_usd_per_mtok", p.input_usd_per_mtok, Need::kRequired, 0, kMaxUsdPerMtok);
    m.get("output_usd_per_mtok", p.output_usd_per_mtok, Need::kRequired, 0, kMaxUsdPerMtok);
    double v = 0;
    if (m.get("cached_input_usd_per_mtok", v, Need::kOptional, 0, kMaxUsdPerMtok))
      p.cached_input_usd_per_mtok = v;
    if (m.get("batch_input_usd_per_mtok", v, Need::kOptional, 0, kMaxUsdPerMtok))
      p.batch_input_usd_per_mtok = v;
    if (m.get("batch_output_usd_per_mtok", v, Need::kOptional, 0, kMaxUsdPerMtok))
      p.batch_output_usd_per_mtok = v;
    std::int64_t ctx = 0;
    if (m.get("context_tokens", ctx, Need::kOptional, 1, std::int64_t{1} << 40))
      p.context_tokens = ctx;
    m.get("open_model", p.open_model, Need::kOptional);
    read_entry_provenance(m, p.from, a.source, a.as_of);
    if (auto s = m.child("speed", Need::kOptional)) {
      ApiSpeed sp;
      s->get("ttft_s", sp.ttft_s, Need::kRequired, 0, 3600);
      s->get("output_tokens_per_s", sp.output_tokens_per_s, Need::kRequired, 0.001, 1e6);
      s->get("source", sp.from.source, Need::kRequired);
      read_date(*s, "as_of", sp.from.as_of, Need::kRequired);
      s->finish();
      p.speed = sp;
    }
    a.models.push_back(std::move(p));
  });
  r.get("notes", a.notes, Need::kOptional);
}

void read_cloud(Reader& r, CloudPricing& c) {
  r.get("provider", c.provider, Need::kRequired);
  read_date(r, "as_of", c.as_of, Need::kRequired);
  r.get("source", c.source, Need::kRequired);
  for_each_item(r, "offers", [&](Reader& o) {
    CloudOffer off;
    o.get("hardware", off.hardware, Need::kRequired);
    o.get("instance", off.instance, Need::kRequired);
    o.get("devices", off.devices, Need::kRequired, 1, 1024);
    o.get("region", off.region, Need::kOptional);
    o.get("on_demand_usd_per_hour", off.on_demand_usd_per_hour, Need::kRequired, 0.001,
          kMaxUsdPerHour);
    double v = 0;
    if (o.get("reserved_1y_usd_per_hour", v, Need::kOptional, 0.001, kMaxUsdPerHour))
      off.reserved_1y_usd_per_hour = v;
    if (o.get("reserved_3y_usd_per_hour", v, Need::kOptional, 0.001, kMaxUsdPerHour))
      off.reserved_3y_usd_per_hour = v;
    if (o.get("spot_usd_per_hour", v, Need::kOptional, 0.001, kMaxUsdPerHour))
      off.spot_usd_per_hour = v;
    read_entry_provenance(o, off.from, c.source, c.as_of);
    c.offers.push_back(std::move(off));
  });
  r.get("notes", c.notes, Need::kOptional);
}

void read_assumptions(Reader& r, CostAssumptions& a) {
  if (auto v = r.child("values", Need::kRequired)) {
    struct Range {
      const char* key;
      double lo, hi;
    };
    const Range ranges[] = {{"pue", 1.0, 3.0},
                            {"electricity_usd_per_kwh", 0.001, 5.0},
                            {"useful_life_years", 0.5, 20.0},
                            {"idle_power_fraction", 0.0, 1.0},
                            {"server_overhead_fraction", 0.0, 5.0},
                            {"hosting_usd_per_server_month", 0.0, 1e6}};
    for (const auto& rg : ranges) {
      if (auto item = v->child(rg.key, Need::kRequired)) {
        AssumedValue av;
        item->get("value", av.value, Need::kRequired, rg.lo, rg.hi);
        item->get("source", av.from.source, Need::kRequired);
        read_date(*item, "as_of", av.from.as_of, Need::kRequired);
        item->finish();
        a.values[rg.key] = av;
      }
    }
    v->finish();
  }
}

void read_purchase(Reader& r, PurchasePricing& p) {
  read_date(r, "as_of", p.as_of, Need::kRequired);
  for_each_item(r, "items", [&](Reader& i) {
    PurchaseItem it;
    i.get("hardware", it.hardware, Need::kRequired);
    i.get("usd", it.usd, Need::kRequired, 1, 1e8);
    i.get("what", it.what, Need::kRequired);
    i.get("source", it.from.source, Need::kRequired);
    read_date(i, "as_of", it.from.as_of, Need::kRequired);
    p.items.push_back(std::move(it));
  });
  r.get("notes", p.notes, Need::kOptional);
}

}  // namespace

const std::vector<std::string>& cost_assumption_keys() {
  static const std::vector<std::string> kKeys = {"pue",
                                                 "electricity_usd_per_kwh",
                                                 "useful_life_years",
                                                 "idle_power_fraction",
                                                 "server_overhead_fraction",
                                                 "hosting_usd_per_server_month"};
  return kKeys;
}

const AssumedValue& CostAssumptions::at(const std::string& key) const {
  auto it = values.find(key);
  LLMSIZER_CHECK(it != values.end(), "cost assumption missing after a successful load");
  return it->second;
}

bool parse_price_document(std::string_view text, const std::string& file, PriceCatalog& into,
                          core::Diagnostics& diags) {
  const std::size_t before = diags.error_count();
  impl::DocContext ctx{file, &diags};
  auto root = impl::parse_yaml_text(text, ctx);
  if (!root) return false;
  Reader r(*root, "", &ctx);
  if (!r.valid()) return false;
  std::string kind;
  if (!r.get("schema", kind, Need::kRequired)) return false;
  static const std::vector<std::string> kKinds = {"api-pricing", "cloud-pricing",
                                                  "cost-assumptions", "purchase-pricing"};
  if (std::find(kKinds.begin(), kKinds.end(), kind) == kKinds.end()) {
    r.error("schema", fmt::format("'{}' is not a price document (one of: api-pricing, "
                                  "cloud-pricing, cost-assumptions, purchase-pricing){}",
                                  kind, core::did_you_mean(kind, kKinds)));
    return false;
  }
  std::string id;
  std::int64_t version = 0;
  r.get("schema_version", version, Need::kRequired, 1, 1);
  r.get("id", id, Need::kRequired);
  if (kind == "api-pricing") {
    ApiPricing a;
    a.id = id;
    a.origin_path = file;
    read_api(r, a);
    r.finish();
    if (diags.error_count() == before) into.apis.push_back(std::move(a));
  } else if (kind == "cloud-pricing") {
    CloudPricing c;
    c.id = id;
    c.origin_path = file;
    read_cloud(r, c);
    r.finish();
    if (diags.error_count() == before) into.clouds.push_back(std::move(c));
  } else if (kind == "cost-assumptions") {
    CostAssumptions a;
    a.id = id;
    a.origin_path = file;
    read_assumptions(r, a);
    r.finish();
    if (diags.error_count() == before) {
      if (into.assumptions)
        diags.error({file, 0, 0}, "", "a second cost-assumptions document; keep one");
      else
        into.assumptions = std::move(a);
    }
  } else {
    PurchasePricing p;
    p.id = id;
    p.origin_path = file;
    read_purchase(r, p);
    r.finish();
    if (diags.error_count() == before) into.purchases.push_back(std::move(p));
  }
  return diags.error_count() == before;
}

std::optional<PriceCatalog> load_price_catalog(const std::string& root, core::Diagnostics& diags) {
  const std::size_t before = diags.error_count();
  PriceCatalog c;
  for (const char* sub : {"/apis", "/costs"})
    for (const auto& f : list_yaml_files(root + sub)) {
      auto text = impl::read_text_file(f, diags);
      if (text) parse_price_document(*text, f, c, diags);
    }
  if (diags.error_count() != before) return std::nullopt;
  return c;
}

std::vector<const ApiPricing*> api_snapshots(const PriceCatalog& c, const std::string& as_of) {
  std::map<std::string, const ApiPricing*> newest;
  for (const auto& a : c.apis) {
    if (!as_of.empty() && a.as_of > as_of) continue;
    auto& slot = newest[a.provider];
    if (!slot || a.as_of > slot->as_of) slot = &a;
  }
  std::vector<const ApiPricing*> out;
  for (const auto& [p, a] : newest) out.push_back(a);
  return out;
}

std::optional<ApiChoice> find_api_model(const PriceCatalog& c, std::string_view name,
                                        const std::string& as_of) {
  const std::string lname = core::to_lower(name);
  const auto snaps = api_snapshots(c, as_of);
  for (const auto* snap : snaps)
    for (const auto& m : snap->models) {
      if (core::to_lower(m.id) == lname || core::to_lower(snap->provider + "/" + m.id) == lname)
        return ApiChoice{snap, &m};
    }
  // "provider/<catalog model id>": the provider's first listed row serving that open model.
  for (const auto* snap : snaps)
    for (const auto& m : snap->models)
      if (!m.open_model.empty() && core::to_lower(snap->provider + "/" + m.open_model) == lname)
        return ApiChoice{snap, &m};
  return std::nullopt;
}

std::vector<std::string> api_model_names(const PriceCatalog& c, const std::string& as_of) {
  std::vector<std::string> out;
  for (const auto* snap : api_snapshots(c, as_of))
    for (const auto& m : snap->models) out.push_back(snap->provider + "/" + m.id);
  return out;
}

std::optional<RentalTerm> parse_rental_term(std::string_view s) {
  if (s == "on-demand") return RentalTerm::kOnDemand;
  if (s == "reserved-1y") return RentalTerm::kReserved1y;
  if (s == "reserved-3y") return RentalTerm::kReserved3y;
  if (s == "spot") return RentalTerm::kSpot;
  return std::nullopt;
}

std::optional<DevicePrice> cheapest_rental(const PriceCatalog& c, const std::string& hardware,
                                           RentalTerm term, const std::string& as_of) {
  std::map<std::string, const CloudPricing*> newest;
  for (const auto& cp : c.clouds) {
    if (!as_of.empty() && cp.as_of > as_of) continue;
    auto& slot = newest[cp.provider];
    if (!slot || cp.as_of > slot->as_of) slot = &cp;
  }
  std::optional<DevicePrice> best;
  for (const auto& [prov, cp] : newest)
    for (const auto& o : cp->offers) {
      if (o.hardware != hardware) continue;
      std::optional<double> price;
      switch (term) {
        case RentalTerm::kOnDemand:
          price = o.on_demand_usd_per_hour;
          break;
        case RentalTerm::kReserved1y:
          price = o.reserved_1y_usd_per_hour;
          break;
        case RentalTerm::kReserved3y:
          price = o.reserved_3y_usd_per_hour;
          break;
        case RentalTerm::kSpot:
          price = o.spot_usd_per_hour;
          break;
      }
      if (!price) continue;
      const double per_device = *price / static_cast<double>(o.devices);
      if (!best || per_device < best->usd_per_hour) best = DevicePrice{per_device, cp, &o};
    }
  return best;
}

std::optional<PurchaseItem> purchase_price(const PriceCatalog& c, const std::string& hardware) {
  const PurchaseItem* best = nullptr;
  for (const auto& p : c.purchases)
    for (const auto& i : p.items)
      if (i.hardware == hardware && (!best || i.from.as_of > best->from.as_of)) best = &i;
  if (!best) return std::nullopt;
  return *best;
}

}  // namespace llmsizer::schema
