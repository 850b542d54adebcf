// test_performance.cc — properties of the latency/throughput model (PerfModel): monotone in
// hardware speed and batch, tp=1 is the single device, decode FLOPs are ~2 x active
// parameters, no NaN/inf anywhere in the catalog, and the fast memory figures agree with
// size_memory().
#include <catch2/catch.hpp>

#include <cmath>

#include "estimator/estimate.h"
#include "estimator/performance.h"
#include "shipped_catalog.h"

using namespace llmsizer;

namespace {

estimator::Deployment setup(const schema::ModelSpec* m, const schema::HardwareSpec* h,
                            const char* weights) {
  estimator::Deployment s;
  s.model = m;
  s.hardware = h;
  s.weights = *core::parse_weight_scheme(weights);
  return s;
}

const schema::ModelSpec* model(const char* id) {
  auto m = schema::find_model(test::shipped_catalog(), id);
  REQUIRE(m);
  return m;
}
const schema::HardwareSpec* hw(const char* id) {
  auto h = schema::find_hardware(test::shipped_catalog(), id);
  REQUIRE(h);
  return h;
}

bool finite(const estimator::Performance& p) {
  for (double v : {p.prefill.time_s, p.ttft_s, p.tpot_s, p.e2e_s, p.output_tokens_per_s,
                   p.output_tokens_per_s_per_device, p.total_tokens_per_s, p.decode_tokens_per_s,
                   p.prefill_tokens_per_s, p.memory_total_bytes, p.max_batch})
    if (!std::isfinite(v) || v < 0) return false;
  return true;
}

}  // namespace

TEST_CASE("more bandwidth or FLOP/s never makes anything slower", "[perf][properties]") {
  for (const char* id : {"llama-2-7b", "mixtral-8x7b", "deepseek-v3", "gemma-2-9b"}) {
    INFO(id);
    schema::HardwareSpec base = *hw("h100-sxm");
    schema::HardwareSpec faster_mem = base, faster_flops = base;
    faster_mem.memory.bandwidth_bytes_per_s *= 1.5;
    for (auto& [k, v] : faster_flops.compute.peak_flop_per_s) v *= 1.5;
    for (double batch : {1.0, 16.0, 256.0}) {
      const auto p0 =
          estimator::PerfModel(setup(model(id), &base, "fp8")).evaluate(batch, 512, 128);
      const auto pm =
          estimator::PerfModel(setup(model(id), &faster_mem, "fp8")).evaluate(batch, 512, 128);
      const auto pf =
          estimator::PerfModel(setup(model(id), &faster_flops, "fp8")).evaluate(batch, 512, 128);
      CHECK(pm.ttft_s <= p0.ttft_s);
      CHECK(pm.tpot_s <= p0.tpot_s);
      CHECK(pf.ttft_s <= p0.ttft_s);
      CHECK(pf.tpot_s <= p0.tpot_s);
    }
    // Batch-1 decode is memory bound: bandwidth must matter.
    const auto d0 = estimator::PerfModel(setup(model(id), &base, "fp8")).evaluate(1, 128, 128);
    const auto dm =
        estimator::PerfModel(setup(model(id), &faster_mem, "fp8")).evaluate(1, 128, 128);
    CHECK(dm.tpot_s < 0.9 * d0.tpot_s);
  }
}

TEST_CASE("a larger batch never lowers aggregate decode throughput while it fits",
          "[perf][properties]") {
  for (const auto& m : test::shipped_catalog().models) {
    INFO(m.id);
    const estimator::PerfModel pm(setup(&m, hw("h200-sxm"), "q4_k_m"));
    double last = 0;
    for (double b = 1; b <= 1024; b *= 2) {
      const auto p = pm.evaluate(b, 512, 256);
      if (!p.fits) break;
      CHECK(p.decode_tokens_per_s >= last);
      last = p.decode_tokens_per_s;
    }
  }
}

TEST_CASE("tp=1 is the single device; tp splits the work", "[perf][parallel]") {
  auto s = setup(model("llama-3.1-70b"), hw("h100-sxm"), "bf16");
  const auto one = estimator::PerfModel(s).evaluate(8, 1024, 128);
  s.par.tp = 1;
  CHECK(estimator::PerfModel(s).evaluate(8, 1024, 128).tpot_s == one.tpot_s);
  s.par.tp = 4;
  const auto four = estimator::PerfModel(s).evaluate(8, 1024, 128);
  CHECK(four.tpot_s < one.tpot_s / 2.5);  // weight reads split 4 ways, plus all-reduces
  CHECK(four.tpot_s > one.tpot_s / 4.0);
  CHECK(four.output_tokens_per_s_per_device < one.output_tokens_per_s_per_device);
}

TEST_CASE("decode FLOPs per token are about 2 x active parameters plus attention",
          "[perf][flops]") {
  for (const char* id : {"llama-2-7b", "llama-3.1-70b", "mixtral-8x7b", "qwen2.5-7b"}) {
    INFO(id);
    const auto* m = model(id);
    const estimator::PerfModel pm(setup(m, hw("h100-sxm"), "bf16"));
    const auto step = pm.decode_step(1, 1);  // tiny context: attention ~ 0
    const auto p = core::count_params(m->arch);
    // Every weight except the embedding table is multiplied once per token.
    const double expected = 2.0 * static_cast<double>(p.active - p.embedding +
                                                      (m->arch.tie_embeddings ? p.embedding : 0));
    CHECK(step.flops == Approx(expected).epsilon(0.02));
  }
}

TEST_CASE("MoE decode reads the experts the batch touches, prefill nearly all", "[perf][moe]") {
  const estimator::PerfModel pm(setup(model("mixtral-8x7b"), hw("h100-sxm"), "bf16"));
  const auto one = pm.decode_step(1, 512);
  const auto many = pm.decode_step(64, 512);
  // Batch 1 touches 2 of 8 experts; batch 64 nearly all 8: weight bytes about 3.4x.
  CHECK(many.bytes / one.bytes > 2.5);
  CHECK(many.bytes / one.bytes < 4.5);
}

TEST_CASE("no NaN or infinity for any catalog model x hardware x scheme", "[perf][catalog]") {
  int evaluated = 0;
  for (const auto& m : test::shipped_catalog().models)
    for (const auto& h : test::shipped_catalog().hardware)
      for (const char* w : {"bf16", "fp8", "q4_k_m", "int4"}) {
        const estimator::PerfModel pm(setup(&m, &h, w));
        for (double b : {1.0, 64.0}) {
          const auto p = pm.evaluate(b, 1024, 256);
          INFO(m.id << " on " << h.id << " " << w << " batch " << b);
          CHECK(finite(p));
          ++evaluated;
        }
      }
  CHECK(evaluated > 5000);
}

TEST_CASE("the fast memory figures agree with size_memory()", "[perf][memory]") {
  for (const auto& m : test::shipped_catalog().models) {
    INFO(m.id);
    for (std::int64_t pp : {1, 2}) {
      estimator::EstimateRequest r;
      r.model = &m;
      r.hardware = hw("h200-sxm");
      r.weights = core::parse_weight_scheme("fp8");
      r.par.pp = pp;
      r.batch = 4;
      r.prompt_tokens = 1000;
      r.output_tokens = 200;
      const auto rep = estimator::estimate(r);
      auto s = setup(&m, r.hardware, "fp8");
      s.par.pp = pp;
      const auto p = estimator::PerfModel(s).evaluate(4, 1000, 200);
      CHECK(p.memory_total_bytes ==
            Approx(static_cast<double>(rep.memory.total_bytes)).epsilon(1e-9));
      CHECK(p.fits == rep.memory.fits);
      CHECK(p.max_batch == static_cast<double>(rep.memory.max_batch));
    }
  }
}
