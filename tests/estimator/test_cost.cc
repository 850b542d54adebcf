// test_cost.cc — the cost arithmetic on hand-worked numbers (docs/cost-model.md#cost) and
// its invariants: linear in price, break-even where the monthly curves cross, the
// utilisation threshold where the per-token costs meet.
#include <catch2/catch.hpp>

#include "estimator/cost.h"
#include "shipped_catalog.h"

using namespace llmsizer;

namespace {

estimator::PerfModel h100_8b() {
  estimator::Deployment s;
  s.model = schema::find_model(test::shipped_catalog(), "llama-3.1-8b");
  s.hardware = schema::find_hardware(test::shipped_catalog(), "h100-sxm");
  REQUIRE(s.model);
  REQUIRE(s.hardware);
  s.weights = *core::parse_weight_scheme("bf16");
  return estimator::PerfModel(s);
}

estimator::OwnershipCosts own_example() {
  estimator::OwnershipCosts o;
  o.purchase_usd_per_device = {30000, "test"};
  o.server_overhead_fraction = {0.25, "test"};
  o.useful_life_years = {4, "test"};
  o.tdp_w = {700, "test"};
  o.idle_power_fraction = {0.25, "test"};
  o.pue = {1.5, "test"};
  o.electricity_usd_per_kwh = {0.10, "test"};
  o.hosting_usd_per_server_month = {1460, "test"};
  return o;
}

}  // namespace

TEST_CASE("owned hardware by hand", "[cost]") {
  const auto pm = h100_8b();
  estimator::CostInputs in;
  in.perf = &pm;
  in.utilization = 0.6;
  in.own = own_example();
  const auto c = estimator::compute_cost(in);
  // capex 30000 x 1.25 = 37500 over 4 x 8760 h = 1.07020 $/h
  CHECK(c.capex_usd == Approx(37500));
  CHECK(c.capex_usd_per_hour == Approx(37500.0 / 35040.0));
  // power 700 W x (0.25 + 0.75 x 0.6) = 490 W, x PUE 1.5 = 735 W -> 0.0735 $/h at $0.10/kWh
  CHECK(c.power_w == Approx(735));
  CHECK(c.energy_usd_per_hour == Approx(0.0735));
  // hosting 1460 $/server-month for 1/8 of a server over 730 h = 0.25 $/h
  CHECK(c.hosting_usd_per_hour == Approx(0.25));
  CHECK(*c.own_usd_per_hour == Approx(37500.0 / 35040.0 + 0.0735 + 0.25));
  // Energy per token = power / tokens per second at the utilisation.
  CHECK(c.energy_j_per_token ==
        Approx(735.0 / (0.6 * (c.input_tokens_per_s + c.output_tokens_per_s))));
}

TEST_CASE("rented cost is linear in the price", "[cost]") {
  const auto pm = h100_8b();
  estimator::CostInputs in;
  in.perf = &pm;
  in.rent_usd_per_device_hour = estimator::Sourced{2.0, "test"};
  const auto a = estimator::compute_cost(in);
  in.rent_usd_per_device_hour->value = 4.0;
  const auto b = estimator::compute_cost(in);
  CHECK(*b.rent_usd_per_mtok_output == Approx(2.0 * *a.rent_usd_per_mtok_output));
  CHECK(*b.rent_usd_per_mtok_input == Approx(2.0 * *a.rent_usd_per_mtok_input));
  // The hour is fully charged: input + output dollars per hour at the utilisation.
  const double dollars_per_hour =
      (*a.rent_usd_per_mtok_input * in.utilization * a.input_tokens_per_s +
       *a.rent_usd_per_mtok_output * in.utilization * a.output_tokens_per_s) *
      3600 / 1e6;
  CHECK(dollars_per_hour == Approx(2.0));
}

TEST_CASE("the API bill by hand, with cached input", "[cost][api]") {
  const estimator::ApiPrice api{"x", 0.15, 0.60, 0.075};
  // 1e9 tokens at 3:1 -> 750M input (20% cached) + 250M output
  const estimator::Volume v{1e9, 0.75, 0.2};
  CHECK(estimator::api_monthly_usd(api, v) ==
        Approx(600e6 * 0.15 / 1e6 + 150e6 * 0.075 / 1e6 + 250e6 * 0.60 / 1e6));  // 251.25
}

TEST_CASE("break-even and utilisation threshold are where the curves cross", "[cost][api]") {
  const auto pm = h100_8b();
  estimator::CostInputs in;
  in.perf = &pm;
  in.utilization = 0.5;
  in.rent_usd_per_device_hour = estimator::Sourced{2.5, "test"};
  const auto c = estimator::compute_cost(in);
  const estimator::ApiPrice api{"x", 1.0, 3.0, std::nullopt};
  estimator::Volume v{1e8, 0.75, 0};
  const auto cmp = estimator::compare_with_api(in, c, api, v);
  REQUIRE(cmp.breakeven_tokens_per_month_rent);
  // At the break-even volume one replica's month equals the API's bill.
  estimator::Volume at = v;
  at.tokens_per_month = *cmp.breakeven_tokens_per_month_rent;
  CHECK(estimator::api_monthly_usd(api, at) == Approx(2.5 * 730));
  REQUIRE(cmp.min_utilization_rent);
  // At the threshold utilisation the self-hosted blended $/token equals the API's.
  estimator::CostInputs at_u = in;
  at_u.utilization = *cmp.min_utilization_rent;
  const auto cu = estimator::compute_cost(at_u);
  const auto cmp_u = estimator::compare_with_api(at_u, cu, api, v);
  CHECK(cmp_u.min_utilization_rent == Approx(*cmp.min_utilization_rent));
  // Doubling the API price halves the break-even volume.
  const estimator::ApiPrice api2{"x", 2.0, 6.0, std::nullopt};
  const auto cmp2 = estimator::compare_with_api(in, c, api2, v);
  CHECK(*cmp2.breakeven_tokens_per_month_rent == Approx(*cmp.breakeven_tokens_per_month_rent / 2));
  // More volume never needs fewer replicas.
  estimator::Volume big = v;
  big.tokens_per_month = 5e10;
  CHECK(estimator::compare_with_api(in, c, api, big).replicas >= cmp.replicas);
}

TEST_CASE("buy vs rent pays back when rent exceeds running costs", "[cost]") {
  const auto pm = h100_8b();
  estimator::CostInputs in;
  in.perf = &pm;
  in.rent_usd_per_device_hour = estimator::Sourced{2.5, "test"};
  in.own = own_example();
  const auto c = estimator::compute_cost(in);
  const auto cmp = estimator::compare_with_api(in, c, {"x", 1, 3, std::nullopt}, {1e9, 0.75, 0});
  REQUIRE(cmp.buy_vs_rent_months);
  // 37500 / ((2.5 - 0.0735 - 0.25) x 730)
  CHECK(*cmp.buy_vs_rent_months == Approx(37500.0 / ((2.5 - 0.0735 - 0.25) * 730)));
  const auto rows = estimator::sensitivity(in, {"x", 1, 3, std::nullopt}, {1e9, 0.75, 0});
  REQUIRE(rows.size() == 7);
  CHECK(*rows[1].self_monthly_usd < *rows[0].self_monthly_usd);  // cheaper hardware
  CHECK(*rows[2].self_monthly_usd > *rows[0].self_monthly_usd);
  CHECK(rows[5].api_monthly_usd == Approx(rows[0].api_monthly_usd / 2));
}
