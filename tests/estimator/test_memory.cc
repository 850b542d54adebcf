// test_memory.cc — memory sizing: hand-worked cases and invariants
// (docs/cost-model.md#memory).
#include <catch2/catch.hpp>

#include "core/units.h"
#include "estimator/estimate.h"
#include "estimator/performance.h"
#include "schema/catalog.h"
#include "shipped_catalog.h"
#include "test_paths.h"

using namespace llmsizer;

namespace {
const schema::Catalog& catalog() {
  return test::shipped_catalog();
}

estimator::EstimateRequest request(const char* model, const char* hw, const char* weights) {
  estimator::EstimateRequest r;
  r.model = schema::find_model(catalog(), model);
  r.hardware = schema::find_hardware(catalog(), hw);
  REQUIRE(r.model);
  REQUIRE(r.hardware);
  r.weights = core::parse_weight_scheme(weights);
  return r;
}
}  // namespace

TEST_CASE("Llama-2-7B bf16 on one H100: hand-worked", "[memory]") {
  auto r = request("llama-2-7b", "h100-sxm", "bf16");
  r.batch = 4;
  r.prompt_tokens = 1000;
  r.output_tokens = 24;
  const auto rep = estimator::estimate(r);
  CHECK(rep.memory.weights_bytes == 2ull * 6'738'415'616ull);
  CHECK(rep.memory.kv_cache_bytes_per_token == 524'288ull);
  CHECK(rep.memory.kv_cache_bytes == 4ull * 1024 * 524'288ull);
  CHECK(rep.memory.overhead_bytes == 1ull << 30);
  CHECK(rep.memory.total_bytes == rep.memory.weights_bytes + rep.memory.kv_cache_bytes +
                                      rep.memory.activation_bytes + rep.memory.overhead_bytes);
  CHECK(rep.memory.fits);
  // Max batch at 1024 tokens: (capacity - weights - overhead) / (KV + activations per seq).
  const double per_seq = 1024.0 * 524'288.0;
  CHECK(rep.memory.max_batch <=
        static_cast<std::int64_t>((85'899'345'920.0 - 2 * 6'738'415'616.0 - (1 << 30)) / per_seq));
  CHECK(rep.memory.max_batch >= 100);
  CHECK(rep.memory.max_context == 4096);  // capped at the model's context
}

TEST_CASE("tensor parallelism splits weights and KV heads", "[memory][parallel]") {
  auto r = request("llama-3.1-70b", "h100-sxm", "bf16");
  const auto one = estimator::estimate(r);
  r.par.tp = 4;
  const auto four = estimator::estimate(r);
  // Everything but norms and the router splits four ways.
  CHECK(static_cast<double>(four.memory.weights_bytes) ==
        Approx(static_cast<double>(one.memory.weights_bytes) / 4).epsilon(0.001));
  CHECK(four.memory.kv_cache_bytes_per_token * 4 == one.memory.kv_cache_bytes_per_token);
  CHECK_FALSE(one.memory.fits);
  CHECK(one.memory.reason.find("weights") != std::string::npos);
  CHECK(four.memory.fits);
  // 8 KV heads on tp=16: each rank keeps one (replicated), so KV per device stops shrinking.
  r.par.tp = 8;
  const auto eight = estimator::estimate(r);
  r.par.tp = 16;
  CHECK(estimator::check_request(r).empty());
  CHECK(estimator::estimate(r).memory.kv_cache_bytes_per_token ==
        eight.memory.kv_cache_bytes_per_token);
}

TEST_CASE("tp=1 pp=1 equals the whole model, pp splits layers", "[memory][parallel]") {
  auto r = request("llama-2-13b", "a100-sxm-80gb", "f16");
  const auto one = estimator::estimate(r);
  CHECK(one.memory.weights_bytes == one.memory.weights_bytes_total);
  r.par.pp = 2;
  const auto two = estimator::estimate(r);
  CHECK(two.memory.weights_bytes < one.memory.weights_bytes);
  CHECK(two.memory.weights_bytes > one.memory.weights_bytes / 2);
  CHECK(two.memory.kv_cache_bytes_per_token * 2 == one.memory.kv_cache_bytes_per_token);
}

TEST_CASE("invalid layouts are reported, not estimated", "[memory][parallel]") {
  auto r = request("llama-2-7b", "h100-sxm", "bf16");
  r.par.tp = 3;
  const auto problems = estimator::check_request(r);
  REQUIRE_FALSE(problems.empty());
  CHECK(problems[0] == "tp 3 does not divide the 32 attention heads");
  r.par.tp = 1;
  r.par.pp = 64;
  CHECK_FALSE(estimator::check_request(r).empty());
}

TEST_CASE("MLA keeps DeepSeek-V3's KV cache small and replicated under tp", "[memory][mla]") {
  auto r = request("deepseek-v3", "h200-sxm", "fp8");
  r.par.tp = 8;
  const auto rep = estimator::estimate(r);
  CHECK(rep.memory.kv_cache_bytes_per_token == 61ull * (512 + 64) * 2);
  CHECK(rep.memory.fits);
}

TEST_CASE("a context beyond the model's is a no with its reason", "[memory]") {
  auto r = request("llama-2-7b", "h100-sxm", "q4_k_m");
  r.prompt_tokens = 4000;
  r.output_tokens = 200;
  const auto rep = estimator::estimate(r);
  CHECK_FALSE(rep.memory.fits);
  CHECK(rep.memory.reason.find("exceeds the model's context of 4096") != std::string::npos);
}

TEST_CASE("memory grows with batch, context and bits; max_batch really fits", "[memory]") {
  for (const auto& m : catalog().models) {
    INFO(m.id);
    estimator::EstimateRequest r;
    r.model = &m;
    r.hardware = schema::find_hardware(catalog(), "h200-sxm");
    r.weights = core::parse_weight_scheme("q4_k_m");
    r.prompt_tokens = 512;
    r.output_tokens = 128;
    const auto a = estimator::estimate(r);
    r.batch = 8;
    const auto b = estimator::estimate(r);
    CHECK(b.memory.total_bytes > a.memory.total_bytes);
    r.weights = core::parse_weight_scheme("bf16");
    const auto c = estimator::estimate(r);
    CHECK(c.memory.weights_bytes > b.memory.weights_bytes);
    if (a.memory.max_batch > 0) {
      r.weights = core::parse_weight_scheme("q4_k_m");
      r.batch = a.memory.max_batch;
      CHECK(estimator::estimate(r).memory.fits);
      r.batch = a.memory.max_batch + 1;
      CHECK_FALSE(estimator::estimate(r).memory.fits);
    }
  }
}

TEST_CASE("max_batch is exact in every regime of chunked prefill", "[memory][activations]") {
  // Prompts below, around and above the chunk, chunking on and off: the largest batch fits
  // and one more does not, by the same formulas the total uses.
  for (const char* id : {"llama-3.1-8b", "qwen2.5-0.5b", "mixtral-8x7b"}) {
    for (const std::int64_t prompt : {16, 512, 3000, 9000, 40000}) {
      for (const std::int64_t chunk : {std::int64_t{0}, std::int64_t{2048}, std::int64_t{8192}}) {
        INFO(id << " prompt " << prompt << " chunk " << chunk);
        auto r = request(id, "h200-sxm", "q4_k_m");
        r.prompt_tokens = prompt;
        r.output_tokens = 64;
        r.prefill_chunk_tokens = chunk;
        const auto a = estimator::estimate(r);
        if (a.memory.max_batch <= 0 || a.memory.max_batch > 100'000) continue;
        r.batch = a.memory.max_batch;
        CHECK(estimator::estimate(r).memory.fits);
        r.batch = a.memory.max_batch + 1;
        CHECK_FALSE(estimator::estimate(r).memory.fits);
        // PerfModel's figures are the same rule.
        const estimator::PerfModel pm(r);
        CHECK(pm.evaluate(1, static_cast<double>(prompt), 64).max_batch ==
              static_cast<double>(a.memory.max_batch));
      }
    }
  }
}

TEST_CASE("chunked prefill caps the activations at one chunk", "[memory][activations]") {
  auto r = request("llama-3.1-70b", "h100-sxm", "fp8");
  r.par = {2, 1};
  r.batch = 16;
  r.prompt_tokens = 2048;  // 32768 prompt tokens: four 8192-token chunks
  const auto chunked = estimator::estimate(r);
  r.prefill_chunk_tokens = 0;
  const auto whole = estimator::estimate(r);
  CHECK(chunked.memory.activation_bytes < whole.memory.activation_bytes / 3);
  // Below one chunk there is nothing to cap.
  r.batch = 2;
  const auto small_whole = estimator::estimate(r);
  r.prefill_chunk_tokens = 8192;
  CHECK(estimator::estimate(r).memory.activation_bytes == small_whole.memory.activation_bytes);
}
