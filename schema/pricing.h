// pricing.h — the money documents (docs/schema/api-pricing.md, cloud-pricing.md,
// cost-assumptions.md): hosted-API price snapshots, cloud instance prices, purchase prices
// and the TCO assumptions, each figure with its source and date; plus lookups that pick
// the newest snapshot (or the newest not after a date). Parsing never throws.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostics.h"
#include "schema/hardware_spec.h"

namespace llmsizer::schema {

struct ApiSpeed {
  double ttft_s = 0;
  double output_tokens_per_s = 0;
  Provenance from;
};

struct ApiModelPrice {
  std::string id;
  std::string name;
  double input_usd_per_mtok = 0;
  double output_usd_per_mtok = 0;
  std::optional<double> cached_input_usd_per_mtok;
  std::optional<double> batch_input_usd_per_mtok;
  std::optional<double> batch_output_usd_per_mtok;
  std::optional<std::int64_t> context_tokens;
  std::string open_model;  // catalog id when the API serves an open model
  Provenance from;         // the entry's, or the file's
  std::optional<ApiSpeed> speed;
};

struct ApiPricing {
  std::string id;
  std::string provider;
  std::string as_of;
  std::string source;
  std::vector<ApiModelPrice> models;
  std::string notes;
  std::string origin_path;
};

struct CloudOffer {
  std::string hardware;  // catalog short name
  std::string instance;
  std::int64_t devices = 1;
  std::string region;
  double on_demand_usd_per_hour = 0;  // the whole instance
  std::optional<double> reserved_1y_usd_per_hour;
  std::optional<double> reserved_3y_usd_per_hour;
  std::optional<double> spot_usd_per_hour;
  Provenance from;
};

struct CloudPricing {
  std::string id;
  std::string provider;
  std::string as_of;
  std::string source;
  std::vector<CloudOffer> offers;
  std::string notes;
  std::string origin_path;
};

struct AssumedValue {
  double value = 0;
  Provenance from;
};

// The TCO defaults (all required): pue, electricity_usd_per_kwh, useful_life_years,
// idle_power_fraction, server_overhead_fraction, hosting_usd_per_server_month.
struct CostAssumptions {
  std::string id;
  std::map<std::string, AssumedValue> values;
  std::string origin_path;
  const AssumedValue& at(const std::string& key) const;  // CHECKs the key exists
};
const std::vector<std::string>& cost_assumption_keys();

struct PurchaseItem {
  std::string hardware;
  double usd = 0;
  std::string what;
  Provenance from;
};

struct PurchasePricing {
  std::string id;
  std::string as_of;
  std::vector<PurchaseItem> items;
  std::string notes;
  std::string origin_path;
};

struct PriceCatalog {
  std::vector<ApiPricing> apis;
  std::vector<CloudPricing> clouds;
  std::vector<PurchasePricing> purchases;
  std::optional<CostAssumptions> assumptions;
};

// Every document under root/apis and root/costs, dispatched on its `schema:`.
std::optional<PriceCatalog> load_price_catalog(const std::string& root, core::Diagnostics& diags);

// Parses one document of any of the four kinds into `into` (used by the loader and tests).
bool parse_price_document(std::string_view text, const std::string& file, PriceCatalog& into,
                          core::Diagnostics& diags);

// The newest snapshot per provider whose as_of is not after `as_of` ("" = newest).
std::vector<const ApiPricing*> api_snapshots(const PriceCatalog& c, const std::string& as_of);

struct ApiChoice {
  const ApiPricing* snapshot = nullptr;
  const ApiModelPrice* model = nullptr;
};
// "gpt-4o-mini" or "openai/gpt-4o-mini", in the snapshots as of the date; or
// "together/llama-3.1-70b" (provider / catalog model id): the provider's first listed row
// serving that open model.
std::optional<ApiChoice> find_api_model(const PriceCatalog& c, std::string_view name,
                                        const std::string& as_of);
std::vector<std::string> api_model_names(const PriceCatalog& c, const std::string& as_of);

// Cheapest published on-demand per-device price for a hardware short name, newest
// snapshot per provider; nullopt when none.
struct DevicePrice {
  double usd_per_hour = 0;  // per device
  const CloudPricing* snapshot = nullptr;
  const CloudOffer* offer = nullptr;
};
enum class RentalTerm { kOnDemand, kReserved1y, kReserved3y, kSpot };
// "on-demand", "reserved-1y", "reserved-3y", "spot"; nullopt otherwise.
std::optional<RentalTerm> parse_rental_term(std::string_view s);
inline constexpr const char* kRentalTermNames = "on-demand, reserved-1y, reserved-3y, spot";
// as_of: only snapshots not after this date ("" = all), the newest per provider.
std::optional<DevicePrice> cheapest_rental(const PriceCatalog& c, const std::string& hardware,
                                           RentalTerm term, const std::string& as_of = "");
std::optional<PurchaseItem> purchase_price(const PriceCatalog& c, const std::string& hardware);

}  // namespace llmsizer::schema
