// test_serving.cc — the serving simulator: deterministic for a seed, reduces to the static
// estimate with a constant batch and no arrivals, respects its memory and batch limits,
// and its SLO/percentile bookkeeping is right.
#include <catch2/catch.hpp>

#include "estimator/performance.h"
#include "estimator/serving.h"
#include "shipped_catalog.h"

using namespace llmsizer;

namespace {

estimator::PerfModel perf(const char* model, const char* hw, const char* weights) {
  estimator::Deployment s;
  s.model = schema::find_model(test::shipped_catalog(), model);
  s.hardware = schema::find_hardware(test::shipped_catalog(), hw);
  REQUIRE(s.model);
  REQUIRE(s.hardware);
  s.weights = *core::parse_weight_scheme(weights);
  return estimator::PerfModel(s);
}

schema::Workload fixed_workload(double rate, double prompt, double output, std::int64_t n) {
  schema::Workload w;
  w.id = "t";
  w.rate_per_s = rate;
  w.prompt.kind = w.output.kind = schema::LengthKind::kFixed;
  w.prompt.value = prompt;
  w.output.value = output;
  w.prompt.max = w.output.max = 1 << 20;
  w.requests = n;
  w.seed = 5;
  return w;
}

}  // namespace

TEST_CASE("a constant batch with no arrivals matches the static estimate", "[serving]") {
  const auto pm = perf("llama-2-7b", "h100-sxm", "bf16");
  for (double batch : {1.0, 8.0, 64.0}) {
    INFO("batch " << batch);
    std::vector<estimator::Request> reqs(static_cast<std::size_t>(batch), {0.0, 512, 128, 0});
    estimator::ServingConfig cfg;
    cfg.max_batch = static_cast<std::int64_t>(batch);
    cfg.max_batched_tokens = 1 << 20;  // the whole prefill in one step
    cfg.kv_capacity_tokens = 1 << 24;
    const auto r = estimator::simulate(pm, cfg, reqs, {});
    const auto p = pm.evaluate(batch, 512, 128);
    CHECK(r.completed == static_cast<std::int64_t>(batch));
    CHECK(r.ttft_s.p50 == Approx(p.ttft_s).epsilon(1e-9));
    CHECK(r.e2e_s.p50 == Approx(p.e2e_s).epsilon(0.005));  // step sum vs Simpson average
    CHECK(r.tpot_s.p50 == Approx(p.tpot_s).epsilon(0.005));
    CHECK(r.preemptions == 0);
  }
}

TEST_CASE("the simulator is deterministic for a seed", "[serving]") {
  const auto pm = perf("llama-3.1-8b", "l40s", "fp8");
  schema::Workload w = fixed_workload(8, 0, 0, 800);
  w.prompt.kind = w.output.kind = schema::LengthKind::kLognormal;
  w.prompt.mean = 800, w.prompt.stddev = 400, w.prompt.min = 16, w.prompt.max = 4096;
  w.output.mean = 200, w.output.stddev = 100, w.output.min = 4, w.output.max = 1024;
  estimator::ServingConfig cfg;
  cfg.kv_capacity_tokens = 200000;
  const auto a = estimator::simulate(pm, cfg, estimator::generate_requests(w), {});
  const auto b = estimator::simulate(pm, cfg, estimator::generate_requests(w), {});
  CHECK(a.ttft_s.p99 == b.ttft_s.p99);
  CHECK(a.e2e_s.mean == b.e2e_s.mean);
  CHECK(a.steps == b.steps);
  w.seed = 6;
  const auto c = estimator::simulate(pm, cfg, estimator::generate_requests(w), {});
  CHECK(c.e2e_s.mean != a.e2e_s.mean);
}

TEST_CASE("generated arrivals and lengths follow their distributions", "[serving][workload]") {
  schema::Workload w = fixed_workload(10, 0, 100, 20000);
  w.prompt.kind = schema::LengthKind::kLognormal;
  w.prompt.mean = 1000, w.prompt.stddev = 500, w.prompt.min = 1, w.prompt.max = 1 << 20;
  const auto reqs = estimator::generate_requests(w);
  double sum = 0;
  for (const auto& r : reqs) sum += static_cast<double>(r.prompt_tokens);
  CHECK(sum / static_cast<double>(reqs.size()) == Approx(1000).epsilon(0.03));
  CHECK(reqs.back().arrival_s / static_cast<double>(reqs.size()) == Approx(0.1).epsilon(0.03));
  w.arrival = schema::ArrivalKind::kGamma;
  w.cv = 3;
  const auto bursty = estimator::generate_requests(w);
  CHECK(bursty.back().arrival_s / static_cast<double>(bursty.size()) == Approx(0.1).epsilon(0.08));
}

TEST_CASE("overload queues, a small KV pool preempts, nothing is lost", "[serving]") {
  const auto pm = perf("llama-3.1-8b", "h100-sxm", "bf16");
  const auto w = fixed_workload(200, 2000, 300, 1500);
  estimator::ServingConfig cfg;
  cfg.kv_capacity_tokens = 60000;  // ~25 sequences of 2300 tokens
  const auto r = estimator::simulate(pm, cfg, estimator::generate_requests(w), {});
  CHECK(r.completed == 1500);
  CHECK(r.queue_length_max > 100);
  CHECK(r.kv_utilization_max <= 1.0);
  CHECK(r.kv_utilization_max > 0.8);
  CHECK(r.preemptions > 0);
  cfg.preemption = false;
  const auto q = estimator::simulate(pm, cfg, estimator::generate_requests(w), {});
  CHECK(q.completed == 1500);
  CHECK(q.preemptions == 0);
  // A request that can never fit is rejected, counted apart, and not simulated forever.
  std::vector<estimator::Request> huge = {{0.0, 100000, 10, 0}, {0.0, 100, 10, 0}};
  for (bool preempt : {true, false}) {
    cfg.preemption = preempt;
    const auto h = estimator::simulate(pm, cfg, huge, {});
    CHECK(h.completed == 1);
    CHECK(h.rejected_kv == 1);
    CHECK(h.rejected_context == 0);
    CHECK(h.e2e_s.max > 0);
    CHECK_FALSE(h.slo_met);  // not every request was served
  }
}

TEST_CASE("requests beyond the model's context are rejected, never completed in 0 ms",
          "[serving]") {
  const auto pm = perf("llama-3.1-8b", "h100-sxm", "bf16");
  estimator::ServingConfig cfg;
  cfg.kv_capacity_tokens = 1 << 22;
  cfg.max_context_tokens = 131072;
  std::vector<estimator::Request> reqs = {
      {0.0, 200000, 100, 0}, {0.1, 131000, 100, 0}, {0.2, 1000, 100, 0}};
  const auto r = estimator::simulate(pm, cfg, reqs, {});
  CHECK(r.requests == 3);
  CHECK(r.rejected_context == 2);  // 131000 + 100 > 131072 too
  CHECK(r.completed == 1);
  CHECK(r.ttft_s.p50 > 0);
  // Every request rejected: nothing completes and nothing reports a latency of 0 as served.
  reqs.pop_back();
  const auto none = estimator::simulate(pm, cfg, reqs, {});
  CHECK(none.completed == 0);
  CHECK(none.rejected() == 2);
  CHECK(none.requests_per_s == 0);
}

TEST_CASE("a step limit bounds a long simulation, and progress is reported", "[serving]") {
  const auto pm = perf("llama-3.1-8b", "h100-sxm", "bf16");
  const auto w = fixed_workload(50, 8000, 100, 400);
  estimator::ServingConfig cfg;
  cfg.kv_capacity_tokens = 1 << 20;
  cfg.max_batched_tokens = 1;  // 8000 steps per prompt
  cfg.max_steps = 200000;
  std::int64_t calls = 0, last_steps = 0;
  const auto r =
      estimator::simulate(pm, cfg, estimator::generate_requests(w), {}, false,
                          [&](std::int64_t finished, std::int64_t total, std::int64_t steps) {
                            ++calls;
                            CHECK(finished <= total);
                            CHECK(steps > last_steps);
                            last_steps = steps;
                          });
  CHECK(r.stopped_at_step_limit);
  CHECK(r.steps == 200000);
  CHECK(r.completed < 400);
  CHECK(calls == 200000 / 65536);
  cfg.max_steps = 0;
  cfg.max_batched_tokens = 8192;
  const auto full = estimator::simulate(pm, cfg, estimator::generate_requests(w), {});
  CHECK_FALSE(full.stopped_at_step_limit);
  CHECK(full.completed == 400);
}

TEST_CASE("continuous batching beats static batching under load", "[serving]") {
  const auto pm = perf("llama-3.1-8b", "a100-sxm-80gb", "bf16");
  schema::Workload w = fixed_workload(30, 512, 0, 1500);
  w.output.kind = schema::LengthKind::kUniform;
  w.output.min = 16, w.output.max = 512;
  estimator::ServingConfig cfg;
  cfg.max_batch = 64;
  cfg.kv_capacity_tokens = 1 << 22;
  const auto cont = estimator::simulate(pm, cfg, estimator::generate_requests(w), {});
  cfg.static_batching = true;
  const auto stat = estimator::simulate(pm, cfg, estimator::generate_requests(w), {});
  CHECK(cont.e2e_s.p50 < stat.e2e_s.p50);
  CHECK(cont.completed == stat.completed);
}

TEST_CASE("SLOs parse, and goodput counts only requests within them", "[serving][slo]") {
  std::string why;
  auto slo = estimator::parse_slo("ttft_p99=500ms,tpot_p90=0.05s", &why);
  REQUIRE(slo);
  CHECK(slo->ttft->limit_s == Approx(0.5));
  CHECK(slo->ttft->percentile == 99);
  CHECK(slo->tpot->limit_s == Approx(0.05));
  CHECK(slo->tpot->percentile == 90);
  CHECK_FALSE(slo->e2e);
  for (const char* bad : {"", "ttft=1s", "ttft_p95=1s", "latency_p99=1s", "ttft_p99=fast",
                          "ttft_p99=-1s", "ttft_p99=1s,ttft_p50=2s", "ttft_p99=0s"}) {
    INFO(bad);
    CHECK_FALSE(estimator::parse_slo(bad, &why));
    CHECK_FALSE(why.empty());
  }
  const auto pm = perf("llama-3.1-8b", "h100-sxm", "bf16");
  const auto reqs = estimator::generate_requests(fixed_workload(20, 1024, 128, 1000));
  estimator::ServingConfig cfg;
  cfg.kv_capacity_tokens = 400000;
  const auto loose = estimator::simulate(pm, cfg, reqs, *estimator::parse_slo("e2e_p99=60s", &why));
  CHECK(loose.slo_met);
  CHECK(loose.goodput_requests_per_s == Approx(loose.requests_per_s));
  const auto tight =
      estimator::simulate(pm, cfg, reqs, *estimator::parse_slo("ttft_p50=1us", &why));
  CHECK_FALSE(tight.slo_met);
  CHECK(tight.goodput_requests_per_s == 0);
}
