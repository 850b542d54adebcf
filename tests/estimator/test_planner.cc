// test_planner.cc — the capacity planner finds a rate that really meets the SLO (and a
// clearly higher one that does not), sizes replicas for the target, ranks by cost, and
// rejects what cannot work with a reason; `fit` lists what fits, largest first.
#include <catch2/catch.hpp>

#include "estimator/planner.h"
#include "estimator/precision.h"
#include "shipped_catalog.h"

using namespace llmsizer;

namespace {
estimator::PlanRequest base_request() {
  estimator::PlanRequest r;
  r.model = schema::find_model(test::shipped_catalog(), "llama-3.1-8b");
  REQUIRE(r.model);
  for (const char* h : {"h100-sxm", "l4", "epyc-9654"})
    r.hardware.push_back(schema::find_hardware(test::shipped_catalog(), h));
  r.weights = {*core::parse_weight_scheme("bf16"), *core::parse_weight_scheme("fp8")};
  r.kv = {core::DType::kF16};
  r.max_batches = {128};
  r.max_devices = 2;
  r.workload.id = "t";
  r.workload.rate_per_s = 30;
  r.workload.prompt.kind = r.workload.output.kind = schema::LengthKind::kFixed;
  r.workload.prompt.value = 1000;
  r.workload.output.value = 200;
  std::string why;
  r.slo = *estimator::parse_slo("ttft_p99=1s,tpot_p99=60ms", &why);
  r.search_requests = 300;
  r.price_per_hour = {{"nvidia-h100-sxm", 3.0}, {"nvidia-l4", 0.8}};
  return r;
}
}  // namespace

namespace {
// One replica of a plan row as `serve` runs it: same layout, precision rule and KV pool.
estimator::ServingResult serve_row(const estimator::PlanRequest& r,
                                   const estimator::PlanCandidate& c, double rate,
                                   std::int64_t requests) {
  estimator::Deployment ps;
  ps.model = r.model;
  ps.hardware = c.hardware;
  ps.weights = c.weights;
  ps.kv = c.kv;
  ps.activations = estimator::default_activations(c.weights, *c.hardware).dtype;
  ps.par = {c.tp, c.pp};
  const estimator::PerfModel pm(ps);
  estimator::MemoryInputs mi;
  mi.model = r.model;
  mi.weights = c.weights;
  mi.kv = c.kv;
  mi.activations = ps.activations;
  mi.par = ps.par;
  mi.capacity_bytes = c.hardware->memory.capacity_bytes;
  mi.hw_class = c.hardware->hw_class;
  estimator::ServingConfig cfg;
  cfg.max_batch = c.max_batch;
  cfg.kv_capacity_tokens = estimator::kv_token_capacity(mi, cfg.max_batched_tokens);
  cfg.max_context_tokens = r.model->arch.max_context;
  return estimator::simulate(pm, cfg, estimator::generate_requests(r.workload, rate, requests),
                             r.slo);
}
}  // namespace

TEST_CASE("the planner's rate meets the SLO and a higher one does not", "[planner]") {
  const auto r = base_request();
  const auto res = estimator::plan(r);
  REQUIRE_FALSE(res.ranked.empty());
  const auto& best = res.ranked.front();
  CHECK(best.usd_per_hour);
  // Ranked by $/hour.
  for (std::size_t i = 1; i < res.ranked.size(); ++i)
    if (res.ranked[i].usd_per_hour)
      CHECK(*res.ranked[i].usd_per_hour >= *res.ranked[i - 1].usd_per_hour);
  // Replicas cover the target with headroom.
  CHECK(best.max_rate_per_replica * static_cast<double>(best.replicas) >=
        r.workload.rate_per_s * (1 + r.headroom) - 1e-9);
  CHECK(best.at_target.slo_met);
  // Re-check the search result independently with the simulator.
  auto at = [&](double rate) { return serve_row(r, best, rate, r.search_requests); };
  CHECK(at(best.max_rate_per_replica).slo_met);
  CHECK_FALSE(at(best.max_rate_per_replica * 2.0).slo_met);
  // The CPU cannot meet a 1 s TTFT for 1000-token prompts; it is rejected with a reason.
  bool cpu_rejected = false;
  for (const auto& c : res.rejected)
    if (c.hardware->short_name == "epyc-9654") {
      cpu_rejected = true;
      CHECK_FALSE(c.reason.empty());
    }
  CHECK(cpu_rejected);
}

TEST_CASE("fit lists what fits on a device, largest first", "[planner][fit]") {
  const auto& cat = test::shipped_catalog();
  const auto* hw = schema::find_hardware(cat, "rtx-4090");
  const std::vector<core::WeightScheme> schemes = {*core::parse_weight_scheme("bf16"),
                                                   *core::parse_weight_scheme("q4_k_m")};
  const auto fitted = estimator::fit(cat.models, *hw, 1, 4096, schemes);
  const auto& rows = fitted.rows;
  REQUIRE(rows.size() >= 10);
  // Everything in the catalog is either listed or excluded with a reason.
  CHECK(rows.size() + fitted.excluded.size() == cat.models.size());
  for (const auto& e : fitted.excluded) CHECK_FALSE(e.reason.empty());
  for (std::size_t i = 1; i < rows.size(); ++i)
    CHECK(core::count_params(rows[i].model->arch).total <=
          core::count_params(rows[i - 1].model->arch).total);
  for (const auto& row : rows) {
    INFO(row.model->id);
    CHECK(row.weights_bytes < static_cast<double>(hw->memory.capacity_bytes));
    CHECK(row.decode_tokens_per_s > 0);
    CHECK(row.max_batch >= 1);
    CHECK(core::count_params(row.model->arch).total < 60000000000ull);  // no 70B on 24 GiB
  }
}

TEST_CASE("fit excludes the models whose maximum context is below the one asked, with why",
          "[planner][fit]") {
  const auto& cat = test::shipped_catalog();
  const auto* hw = schema::find_hardware(cat, "h100-sxm");
  const std::vector<core::WeightScheme> schemes = {*core::parse_weight_scheme("q4_k_m")};
  const auto res = estimator::fit(cat.models, *hw, 8, 131072, schemes);
  std::size_t short_context = 0;
  for (const auto& row : res.rows) {
    INFO(row.model->id);
    CHECK(row.model->arch.max_context >= 131072);
  }
  for (const auto& e : res.excluded)
    if (e.model->arch.max_context < 131072) {
      ++short_context;
      CHECK(e.reason.find("beyond its maximum") != std::string::npos);
    }
  CHECK(short_context > 0);  // the catalog has 2k-32k models (e.g. falcon, llama-2)
  CHECK_FALSE(res.rows.empty());
}

TEST_CASE("every plan row's rate per replica holds when served, for several models and devices",
          "[planner][steady]") {
  struct Case {
    const char* model;
    const char* hardware;
    double prompt, output;
    const char* slo;
  };
  const Case cases[] = {
      {"llama-3.1-8b", "h100-sxm", 1024, 300, "ttft_p99=1s,tpot_p99=50ms"},
      {"qwen2.5-7b", "l4", 512, 256, "ttft_p99=2s,tpot_p99=100ms"},
      {"mixtral-8x7b", "a100-sxm-80gb", 2000, 200, "ttft_p99=2s,tpot_p99=80ms"},
      {"llama-3.1-70b", "h100-sxm", 1024, 300, "ttft_p99=2s,tpot_p99=60ms"},
  };
  for (const auto& k : cases) {
    auto r = base_request();
    r.model = schema::find_model(test::shipped_catalog(), k.model);
    REQUIRE(r.model);
    r.hardware = {schema::find_hardware(test::shipped_catalog(), k.hardware)};
    r.weights = {*core::parse_weight_scheme("bf16"), *core::parse_weight_scheme("fp8"),
                 *core::parse_weight_scheme("int4")};
    r.max_batches = {64, 256};
    r.max_devices = 4;
    r.workload.rate_per_s = 50;
    r.workload.prompt.value = k.prompt;
    r.workload.output.value = k.output;
    std::string why;
    r.slo = *estimator::parse_slo(k.slo, &why);
    r.search_requests = 600;  // the CLI's default
    const auto res = estimator::plan(r);
    REQUIRE_FALSE(res.ranked.empty());
    for (const auto& c : res.ranked) {
      INFO(k.model << " on " << k.hardware << " " << c.weights.name << " tp=" << c.tp << " batch "
                   << c.max_batch << " at " << c.max_rate_per_replica << " req/s");
      // serve's default request count with --rate, and a run four times as long in which
      // an overloaded queue would have grown.
      for (std::int64_t n : {1000, 4000}) {
        const auto s = serve_row(r, c, c.max_rate_per_replica, n);
        INFO(n << " requests: TTFT p99 " << s.ttft_s.p99 << " s, TPOT p99 " << s.tpot_s.p99
               << " s, queue " << s.queue_mean_early << " -> " << s.queue_mean_late);
        CHECK(s.slo_met);
        CHECK(s.queue_stable);
      }
    }
  }
}

TEST_CASE("a budget rejects the layouts that cost more per hour, with the figures",
          "[planner][budget]") {
  auto r = base_request();
  const auto open = estimator::plan(r);
  REQUIRE(open.ranked.size() >= 2);
  double lo = 1e300, hi = 0;
  for (const auto& c : open.ranked)
    if (c.usd_per_hour) lo = std::min(lo, *c.usd_per_hour), hi = std::max(hi, *c.usd_per_hour);
  REQUIRE(hi > lo);
  r.budget_usd_per_hour = 0.5 * (lo + hi);
  const auto capped = estimator::plan(r);
  REQUIRE_FALSE(capped.ranked.empty());
  CHECK(capped.ranked.size() < open.ranked.size());
  for (const auto& c : capped.ranked) {
    REQUIRE(c.usd_per_hour);
    CHECK(*c.usd_per_hour <= *r.budget_usd_per_hour);
  }
  bool over = false;
  for (const auto& c : capped.rejected) over = over || c.reason.rfind("over budget: $", 0) == 0;
  CHECK(over);
  // Devices without a price cannot be held against a budget: rejected, saying so.
  r.price_per_hour = {{"nvidia-h100-sxm", 3.0}};
  const auto unpriced = estimator::plan(r);
  for (const auto& c : unpriced.ranked) CHECK(c.hardware->short_name == "h100-sxm");
}

TEST_CASE("a fixed layout is planned as given, never reported as dominated by a smaller one",
          "[planner][layout]") {
  auto r = base_request();
  r.hardware = {schema::find_hardware(test::shipped_catalog(), "h100-sxm")};
  r.weights = {*core::parse_weight_scheme("fp8")};
  r.max_devices = 8;
  for (std::int64_t tp : {2, 8}) {
    r.layout = estimator::Parallelism{tp, 1};
    const auto res = estimator::plan(r);
    REQUIRE(res.ranked.size() == 1);
    CHECK(res.ranked.front().tp == tp);
    CHECK(res.rejected.empty());
  }
}
