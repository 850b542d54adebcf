// listings.h — `llmsizer list WHAT`: the catalog's models and hardware, the hosted-API price
// snapshots, the cloud rental and purchase prices, and the shipped workloads, each as a
// table for people (units in the headers, basis and sources at the foot) and as JSON.
#pragma once

#include <string>
#include <string_view>

#include "core/diagnostics.h"
#include "schema/catalog.h"
#include "schema/pricing.h"

namespace llmsizer::report {

struct Listing {
  std::string table;
  std::string json;
};

// What `list` takes, for its help and its error text.
inline constexpr std::string_view kListNames = "models, hardware, apis, prices, workloads";

Listing list_models(const schema::Catalog& c);
Listing list_hardware(const schema::Catalog& c);
// The API models of the newest snapshot per provider not after `as_of` ("" = newest), with
// the ids `compare --apis` takes (provider/id, and provider/<catalog model> for open models).
Listing list_apis(const schema::PriceCatalog& p, const std::string& as_of);
// Cloud rental offers (newest snapshot per provider not after `as_of`) and purchase prices.
Listing list_prices(const schema::PriceCatalog& p, const std::string& as_of);
// The workload YAMLs under `dir` (profiles/workloads); files that do not load are errors.
Listing list_workloads(const std::string& dir, core::Diagnostics& d);

}  // namespace llmsizer::report
