// cost.h — the money side (docs/cost-model.md#cost): what a deployment costs per hour and
// per million tokens, rented or owned (capex amortised over its life + energy at the
// utilisation + hosting), energy per token, and the comparison with a hosted API:
// break-even monthly volume, buy-vs-rent months, the utilisation below which
// self-hosting stops paying, and a sensitivity table. Pure functions of their inputs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "estimator/command_args.h"
#include "estimator/performance.h"

namespace llmsizer::estimator {

// A number with where it came from ("datasheet", "cloud-aws-2026-11", "user", "assumed: ...").
struct Sourced {
  double value = 0;
  std::string basis;
};

struct OwnershipCosts {
  Sourced purchase_usd_per_device;   // the accelerator itself
  Sourced server_overhead_fraction;  // host server as a fraction of the accelerators
  Sourced useful_life_years;
  Sourced tdp_w;                // per device
  Sourced idle_power_fraction;  // idle draw / TDP
  Sourced pue;
  Sourced electricity_usd_per_kwh;
  Sourced hosting_usd_per_server_month;  // colocation + operations, per server
  std::int64_t devices_per_server = 8;
};

struct CostInputs {
  const PerfModel* perf = nullptr;
  std::int64_t devices = 1;                                      // per replica (tp x pp)
  double batch = 64;                                             // serving batch used for capacity
  double prompt_tokens = static_cast<double>(kCostArgs.prompt);  // mean request shape
  double output_tokens = static_cast<double>(kCostArgs.output);
  double utilization = kCostArgs.utilization;  // of capacity, averaged over the month
  std::optional<Sourced> rent_usd_per_device_hour;
  std::optional<OwnershipCosts> own;
};

struct CostBreakdown {
  // Capacity of one replica at the batch, busy 100% of the time.
  double input_tokens_per_s = 0;
  double output_tokens_per_s = 0;
  double input_time_share = 0;  // of busy time spent on prefill
  // Per replica-hour.
  std::optional<double> rent_usd_per_hour;
  std::optional<double> own_usd_per_hour;  // capex + energy + hosting
  double capex_usd_per_hour = 0;
  double energy_usd_per_hour = 0;
  double hosting_usd_per_hour = 0;
  double capex_usd = 0;                  // purchase of one replica (with server share)
  double power_w = 0;                    // at the utilisation, with PUE
  double energy_j_per_output_token = 0;  // at the utilisation, with PUE
  double energy_j_per_token = 0;         // per (input + output) token
  // $/1M tokens at the utilisation (prefill time charged to input, decode to output).
  std::optional<double> rent_usd_per_mtok_input, rent_usd_per_mtok_output;
  std::optional<double> own_usd_per_mtok_input, own_usd_per_mtok_output;
  // Per-request latency: TTFT on an idle replica, decode speed at the batch.
  double ttft_s = 0;
  double output_tokens_per_s_per_request = 0;
};

CostBreakdown compute_cost(const CostInputs& in);

struct ApiPrice {
  std::string name;
  double input_usd_per_mtok = 0;
  double output_usd_per_mtok = 0;
  std::optional<double> cached_input_usd_per_mtok;
};

struct Volume {
  double tokens_per_month = 0;  // input + output
  double input_share = 0.75;    // of the tokens (a 3:1 mix is 0.75)
  double cached_share = 0;      // of the input tokens, billed at the cached price
};

double api_monthly_usd(const ApiPrice& api, const Volume& v);

struct Comparison {
  std::int64_t replicas = 0;  // to carry the volume at the utilisation
  std::optional<double> rent_monthly_usd;
  std::optional<double> own_monthly_usd;  // amortised capex + energy + hosting
  double api_monthly_usd = 0;
  // Monthly volume at which one self-hosted replica costs what the API costs (nullopt if the
  // API is cheaper even with the replica fully used).
  std::optional<double> breakeven_tokens_per_month_rent;
  std::optional<double> breakeven_tokens_per_month_own;
  std::optional<double> buy_vs_rent_months;  // purchase pays back versus renting
  // Utilisation below which the self-hosted $/token exceeds the API's.
  std::optional<double> min_utilization_rent;
  std::optional<double> min_utilization_own;
};

// replicas: when given (from the planner's SLO search), the deployment size instead of the
// utilisation-based one.
Comparison compare_with_api(const CostInputs& in, const CostBreakdown& cost, const ApiPrice& api,
                            const Volume& v, std::optional<std::int64_t> replicas = std::nullopt);

struct SensitivityRow {
  std::string what;  // "hardware price -50%", ...
  std::optional<double> self_monthly_usd;
  double api_monthly_usd = 0;
};
// Hardware price, utilisation and volume at -50% and +50% (rented, or owned if no rent).
// replicas_per_token: when the deployment is sized by the planner, replicas needed per
// token/month (fractional; rounded up per row), else sized by utilisation.
std::vector<SensitivityRow> sensitivity(const CostInputs& in, const ApiPrice& api, const Volume& v,
                                        std::optional<double> replicas_per_token = std::nullopt);

}  // namespace llmsizer::estimator
