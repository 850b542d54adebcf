// price_choice.cc — the price rule (see price_choice.h).
#include "estimator/price_choice.h"

#include <fmt/format.h>

namespace llmsizer::estimator {

namespace {

std::string sourced(const schema::Provenance& p) {
  return p.source + " (" + p.as_of + ")";
}

}  // namespace

PriceChoice choose_prices(const schema::HardwareSpec& hw, const schema::PriceCatalog& pc,
                          const PriceOverrides& o, schema::RentalTerm term,
                          const std::string& as_of) {
  auto user = [&](const char* flag, const char* key) {
    return std::string("user (") + (o.study_keys ? key : flag) + ")";
  };
  PriceChoice p;
  if (o.usd_per_hour) {
    p.rent = Sourced{*o.usd_per_hour, user("--usd-per-hour", "usd_per_hour")};
  } else if (auto r = schema::cheapest_rental(pc, hw.short_name, term, as_of)) {
    p.rent = Sourced{r->usd_per_hour,
                     fmt::format("{} {} / {} devices, {}", r->snapshot->provider,
                                 r->offer->instance, r->offer->devices, sourced(r->offer->from))};
  } else if (hw.price && hw.price->cloud_usd_per_hour) {
    p.rent = Sourced{*hw.price->cloud_usd_per_hour,
                     hw.price->cloud_provider + ", " + sourced(hw.price->from)};
  } else {
    p.missing.push_back("no published rental price for " + hw.short_name + " (give " +
                        (o.study_keys ? "usd_per_hour" : "--usd-per-hour") + ")");
  }
  std::optional<Sourced> purchase;
  if (o.purchase_usd)
    purchase = Sourced{*o.purchase_usd, user("--purchase-usd", "purchase_usd")};
  else if (auto item = schema::purchase_price(pc, hw.short_name))
    purchase = Sourced{item->usd, item->what + ", " + sourced(item->from)};
  else if (hw.price && hw.price->purchase_usd)
    purchase = Sourced{*hw.price->purchase_usd, sourced(hw.price->from)};
  if (!purchase)
    p.missing.push_back("no published purchase price for " + hw.short_name + " (give " +
                        (o.study_keys ? "purchase_usd" : "--purchase-usd") + ")");
  if (purchase && !pc.assumptions)
    p.missing.push_back("no cost assumptions document (profiles/costs/assumptions.yaml)");
  if (purchase && pc.assumptions) {
    const auto& a = *pc.assumptions;
    auto val = [&](const char* key, const std::optional<double>& v, const char* flag) {
      if (v) return Sourced{*v, user(flag, key)};
      const auto& known = a.at(key);
      return Sourced{known.value, sourced(known.from)};
    };
    OwnershipCosts own;
    own.purchase_usd_per_device = *purchase;
    own.server_overhead_fraction =
        val("server_overhead_fraction", o.server_overhead, "--server-overhead");
    own.useful_life_years = val("useful_life_years", o.life_years, "--life-years");
    own.idle_power_fraction = val("idle_power_fraction", o.idle_fraction, "--idle-fraction");
    own.pue = val("pue", o.pue, "--pue");
    own.electricity_usd_per_kwh = val("electricity_usd_per_kwh", o.kwh_usd, "--kwh-usd");
    own.hosting_usd_per_server_month =
        val("hosting_usd_per_server_month", o.hosting_usd, "--hosting-usd");
    own.tdp_w = {hw.power.tdp_w, "datasheet, " + sourced(hw.power.from)};
    p.own = own;
  }
  return p;
}

}  // namespace llmsizer::estimator
