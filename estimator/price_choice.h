// price_choice.h — which prices a cost figure rests on, with the source of each: the rental
// (the cheapest published offer of the term not after as_of, else the hardware YAML's), the
// purchase price and the ownership assumptions (profiles/costs), each overridable by the
// user. One rule for cost, compare and studies (docs/cost-model.md#cost).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "estimator/cost.h"
#include "schema/hardware_spec.h"
#include "schema/pricing.h"

namespace llmsizer::estimator {

// User values; each is named in the basis as "user (<name>)", the names being the
// command-line flags (--usd-per-hour ...) or, with study_keys, the study keys.
struct PriceOverrides {
  std::optional<double> usd_per_hour;
  std::optional<double> purchase_usd;
  std::optional<double> pue;
  std::optional<double> kwh_usd;
  std::optional<double> life_years;
  std::optional<double> idle_fraction;
  std::optional<double> server_overhead;
  std::optional<double> hosting_usd;
  bool study_keys = false;
};

struct PriceChoice {
  std::optional<Sourced> rent;        // $/hour per device
  std::optional<OwnershipCosts> own;  // purchase and running costs
  std::vector<std::string> missing;   // what is unknown and how to give it
};

PriceChoice choose_prices(const schema::HardwareSpec& hw, const schema::PriceCatalog& pc,
                          const PriceOverrides& user, schema::RentalTerm term,
                          const std::string& as_of);

}  // namespace llmsizer::estimator
