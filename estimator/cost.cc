// cost.cc — TCO and API comparison arithmetic (docs/cost-model.md#cost, with hand-worked
// cases there and in tests/estimator/test_cost.cc).
#include "estimator/cost.h"

#include <algorithm>
#include <cmath>

#include "core/check.h"

namespace llmsizer::estimator {

namespace {
constexpr double kHoursPerMonth = 730.0;  // 8760 / 12
constexpr double kHoursPerYear = 8760.0;
}  // namespace

CostBreakdown compute_cost(const CostInputs& in) {
  LLMSIZER_CHECK(in.perf && in.utilization > 0 && in.utilization <= 1 && in.devices >= 1,
                 "cost inputs out of range");
  CostBreakdown c;
  const Performance p = in.perf->evaluate(in.batch, in.prompt_tokens, in.output_tokens);
  c.input_tokens_per_s = in.batch * in.prompt_tokens / p.e2e_s;
  c.output_tokens_per_s = in.batch * in.output_tokens / p.e2e_s;
  c.input_time_share = p.ttft_s / p.e2e_s;
  // A request's TTFT on an idle replica (the static batch's TTFT would count the whole
  // batch's prefill, which continuous batching does not make a request wait for).
  c.ttft_s = in.perf->evaluate(1, in.prompt_tokens, in.output_tokens).ttft_s;
  c.output_tokens_per_s_per_request = 1.0 / p.tpot_s;
  const double devices = static_cast<double>(in.devices);
  const double u = in.utilization;
  if (in.rent_usd_per_device_hour)
    c.rent_usd_per_hour = in.rent_usd_per_device_hour->value * devices;
  if (in.own) {
    const OwnershipCosts& o = *in.own;
    c.capex_usd =
        o.purchase_usd_per_device.value * devices * (1.0 + o.server_overhead_fraction.value);
    c.capex_usd_per_hour = c.capex_usd / (o.useful_life_years.value * kHoursPerYear);
    // Power: idle draw plus the busy share of the rest, for every device, times PUE.
    const double per_device_w =
        o.tdp_w.value * (o.idle_power_fraction.value + (1.0 - o.idle_power_fraction.value) * u);
    c.power_w = per_device_w * devices * o.pue.value;
    c.energy_usd_per_hour = c.power_w / 1000.0 * o.electricity_usd_per_kwh.value;
    // Hosting is charged for the share of a server the replica occupies.
    const double servers = devices / static_cast<double>(o.devices_per_server);
    c.hosting_usd_per_hour = o.hosting_usd_per_server_month.value * servers / kHoursPerMonth;
    c.own_usd_per_hour = c.capex_usd_per_hour + c.energy_usd_per_hour + c.hosting_usd_per_hour;
    const double tokens_per_s = u * (c.input_tokens_per_s + c.output_tokens_per_s);
    c.energy_j_per_token = c.power_w / tokens_per_s;
    c.energy_j_per_output_token = c.power_w / (u * c.output_tokens_per_s);
  }
  // $/1M tokens: the hour's cost split by the time each phase takes, over the tokens it
  // produces at the utilisation.
  auto per_mtok = [&](double usd_per_hour, double share, double tokens_per_s) {
    return usd_per_hour * share / (u * tokens_per_s * 3600.0) * 1e6;
  };
  if (c.rent_usd_per_hour) {
    c.rent_usd_per_mtok_input =
        per_mtok(*c.rent_usd_per_hour, c.input_time_share, c.input_tokens_per_s);
    c.rent_usd_per_mtok_output =
        per_mtok(*c.rent_usd_per_hour, 1.0 - c.input_time_share, c.output_tokens_per_s);
  }
  if (c.own_usd_per_hour) {
    c.own_usd_per_mtok_input =
        per_mtok(*c.own_usd_per_hour, c.input_time_share, c.input_tokens_per_s);
    c.own_usd_per_mtok_output =
        per_mtok(*c.own_usd_per_hour, 1.0 - c.input_time_share, c.output_tokens_per_s);
  }
  return c;
}

double api_monthly_usd(const ApiPrice& api, const Volume& v) {
  const double input = v.tokens_per_month * v.input_share;
  const double output = v.tokens_per_month - input;
  const double cached = input * v.cached_share;
  const double cached_price =
      api.cached_input_usd_per_mtok ? *api.cached_input_usd_per_mtok : api.input_usd_per_mtok;
  return ((input - cached) * api.input_usd_per_mtok + cached * cached_price +
          output * api.output_usd_per_mtok) /
         1e6;
}

Comparison compare_with_api(const CostInputs& in, const CostBreakdown& c, const ApiPrice& api,
                            const Volume& v, std::optional<std::int64_t> replicas_given) {
  Comparison out;
  const double u = in.utilization;
  // Capacity in tokens of the volume's mix: the replica alternates prefill and decode, so
  // its mixed throughput is limited by whichever the mix needs more time for.
  const double in_tok = v.tokens_per_month * v.input_share;
  const double out_tok = v.tokens_per_month - in_tok;
  const double busy_hours_per_replica_month =
      (in_tok / c.input_tokens_per_s * c.input_time_share +
       out_tok / c.output_tokens_per_s * (1.0 - c.input_time_share)) /
      3600.0;
  // busy_hours is for the whole volume at full speed; spread over replicas at utilisation u.
  const double replica_hours_needed = busy_hours_per_replica_month / u;
  out.replicas = std::max<std::int64_t>(
      1, static_cast<std::int64_t>(std::ceil(replica_hours_needed / kHoursPerMonth - 1e-9)));
  if (replicas_given) out.replicas = std::max<std::int64_t>(1, *replicas_given);
  const double replicas = static_cast<double>(out.replicas);
  out.api_monthly_usd = api_monthly_usd(api, v);
  const double api_per_token =
      v.tokens_per_month > 0 ? out.api_monthly_usd / v.tokens_per_month : 0.0;
  // Tokens of this mix one replica serves in a month at the utilisation.
  const double replica_tokens_month =
      v.tokens_per_month > 0 ? v.tokens_per_month * kHoursPerMonth / replica_hours_needed : 0.0;
  auto fill = [&](const std::optional<double>& usd_per_hour, std::optional<double>& monthly,
                  std::optional<double>& breakeven, std::optional<double>& min_u) {
    if (!usd_per_hour) return;
    monthly = *usd_per_hour * kHoursPerMonth * replicas;
    const double fixed = *usd_per_hour * kHoursPerMonth;  // one replica, a month
    if (api_per_token > 0) {
      const double v_star = fixed / api_per_token;
      // Beyond one replica's capacity the comparison repeats per replica: self-hosting pays
      // only if a fully used replica beats the API.
      const double full_capacity = replica_tokens_month / u;
      if (v_star <= full_capacity) breakeven = v_star;
      // Self-hosted $/token at utilisation x: fixed / (x * full_capacity): equal to the API's
      // at x = fixed / (api_per_token * full_capacity).
      const double x = fixed / (api_per_token * full_capacity);
      if (x <= 1.0) min_u = x;
    }
  };
  fill(c.rent_usd_per_hour, out.rent_monthly_usd, out.breakeven_tokens_per_month_rent,
       out.min_utilization_rent);
  std::optional<double> own_hourly;
  if (c.own_usd_per_hour) own_hourly = *c.own_usd_per_hour;
  fill(own_hourly, out.own_monthly_usd, out.breakeven_tokens_per_month_own,
       out.min_utilization_own);
  if (c.rent_usd_per_hour && c.own_usd_per_hour) {
    // Buying pays back when the capex is covered by the rent saved net of running costs.
    const double running = c.energy_usd_per_hour + c.hosting_usd_per_hour;
    const double saving_per_month = (*c.rent_usd_per_hour - running) * kHoursPerMonth;
    if (saving_per_month > 0) out.buy_vs_rent_months = c.capex_usd / saving_per_month;
  }
  return out;
}

std::vector<SensitivityRow> sensitivity(const CostInputs& in, const ApiPrice& api, const Volume& v,
                                        std::optional<double> replicas_per_token) {
  std::vector<SensitivityRow> rows;
  auto run = [&](const char* what, CostInputs ci, Volume vol) {
    const CostBreakdown c = compute_cost(ci);
    std::optional<std::int64_t> replicas;
    if (replicas_per_token)
      replicas =
          static_cast<std::int64_t>(std::ceil(*replicas_per_token * vol.tokens_per_month - 1e-9));
    const Comparison cmp = compare_with_api(ci, c, api, vol, replicas);
    rows.push_back({what, cmp.rent_monthly_usd ? cmp.rent_monthly_usd : cmp.own_monthly_usd,
                    cmp.api_monthly_usd});
  };
  run("as given", in, v);
  for (const double f : {0.5, 1.5}) {
    CostInputs ci = in;
    if (ci.rent_usd_per_device_hour) ci.rent_usd_per_device_hour->value *= f;
    if (ci.own) ci.own->purchase_usd_per_device.value *= f;
    run(f < 1 ? "hardware price -50%" : "hardware price +50%", ci, v);
  }
  for (const double f : {0.5, 1.5}) {
    CostInputs ci = in;
    ci.utilization = std::min(1.0, in.utilization * f);
    run(f < 1 ? "utilisation -50%" : "utilisation +50% (at most 100%)", ci, v);
  }
  for (const double f : {0.5, 1.5}) {
    Volume vol = v;
    vol.tokens_per_month *= f;
    run(f < 1 ? "volume -50%" : "volume +50%", in, vol);
  }
  return rows;
}

}  // namespace llmsizer::estimator
