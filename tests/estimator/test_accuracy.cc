// test_accuracy.cc — the accuracy harness (llmsizer accuracy) on a six-entry slice of the published
// calibration set (tests/data/published_slice.yaml, copied verbatim, so ../shared is not
// needed): every point is predicted with a finite error, the metric/unit mapping picks per-GPU
// vs total, TTFT in ms and per-user decode by hand-checked cases, ratios stay within a loose
// [0.2, 5], and unknown metrics, precisions and hardware are skipped with their reason.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "estimator/accuracy.h"
#include "estimator/estimate.h"
#include "schema/published_data.h"
#include "shipped_catalog.h"
#include "test_paths.h"

using namespace llmsizer;

namespace {

const schema::PublishedMap& shipped_map() {
  static const schema::PublishedMap m = [] {
    core::Diagnostics d;
    auto loaded =
        schema::load_published_map(test::profiles_dir() + "/validation/published_map.yaml", d);
    INFO(d.format());
    REQUIRE(loaded);
    REQUIRE(d.empty());
    return *loaded;
  }();
  return m;
}

schema::PublishedSet slice() {
  core::Diagnostics d;
  auto s = schema::load_published(test::data_dir() + "/published_slice.yaml", d);
  INFO(d.format());
  REQUIRE(s);
  REQUIRE(d.empty());
  return *s;
}

const estimator::AccuracyRow& row(const estimator::AccuracySummary& s, const std::string& id) {
  for (const auto& r : s.rows)
    if (r.id == id) return r;
  FAIL("no row " << id);
  return s.rows.front();
}

// The same point through estimate() directly, for the hand checks.
schema::EstimateReport direct(const char* model, const char* hw, const char* weights,
                              const char* kv, const char* act, std::int64_t tp, std::int64_t batch,
                              std::int64_t prompt, std::int64_t output) {
  const auto& c = test::shipped_catalog();
  estimator::EstimateRequest r;
  r.model = schema::find_model(c, model);
  r.hardware = schema::find_hardware(c, hw);
  REQUIRE(r.model);
  REQUIRE(r.hardware);
  r.weights = core::parse_weight_scheme(weights);
  r.kv = *core::parse_dtype(kv);
  r.activations = *core::parse_dtype(act);
  r.par = {tp, 1};
  r.devices = tp;
  r.batch = batch;
  r.prompt_tokens = prompt;
  r.output_tokens = output;
  return estimator::estimate(r);
}

const char* const kPerGpu = "trtllm061-h100-llama70b-tp2-bs1024-128-128";

}  // namespace

TEST_CASE("the slice loads and every point is predicted with a finite, sane error") {
  const auto data = slice();
  REQUIRE(data.points.size() == 6);
  const auto s = estimator::evaluate_accuracy(data, shipped_map(), test::shipped_catalog());
  REQUIRE(s.rows.size() == 6);
  CHECK(s.predicted == 6);
  CHECK(s.skipped == 0);
  for (const auto& r : s.rows) {
    INFO(r.id << ": " << r.reason);
    CHECK_FALSE(r.skipped);
    CHECK(std::isfinite(r.predicted));
    CHECK(std::isfinite(r.error));
    CHECK(r.error == Approx(r.predicted / r.measured - 1.0));
    // Loose sanity bound: the issue's target is 2x; this only catches unit mix-ups.
    CHECK(r.ratio >= 0.2);
    CHECK(r.ratio <= 5.0);
  }
  CHECK(std::isfinite(s.median_abs_error));
  REQUIRE(s.worst);
  CHECK(s.by_hardware.size() == 3);  // h100-sxm, a100-sxm-80gb, m2-ultra
  std::size_t n = 0;
  for (const auto& g : s.by_regime) n += g.points;
  CHECK(n == 6);
}

TEST_CASE("metric and unit mapping: per-GPU vs total, ms, per-user decode, llama-bench") {
  auto data = slice();
  const auto s = estimator::evaluate_accuracy(data, shipped_map(), test::shipped_catalog());

  // Per GPU: llama-2-70b FP8 on 2 x H100, tp 2, batch 1024, 128 + 128.
  const auto rep =
      direct("llama-2-70b", "h100-sxm", "fp8", "fp8_e4m3", "fp8_e4m3", 2, 1024, 128, 128);
  const auto& per_gpu = row(s, kPerGpu);
  REQUIRE(per_gpu.quantity == estimator::PublishedQuantity::kOutputTokensPerSPerDevice);
  CHECK(per_gpu.devices == 2);
  CHECK(per_gpu.predicted == Approx(rep.perf.output_tokens_per_s_per_device));
  // Hand check: per device = batch x output / e2e / devices.
  CHECK(per_gpu.predicted == Approx(1024.0 * 128.0 / rep.perf.e2e_s / 2.0));

  // The same entry stated as a total for its two GPUs predicts twice as much.
  for (auto& p : data.points) {
    if (p.id != kPerGpu) continue;
    p.metric = "output_throughput";
    p.unit = "output tokens/s";
  }
  const auto t = estimator::evaluate_accuracy(data, shipped_map(), test::shipped_catalog());
  const auto& total = row(t, kPerGpu);
  REQUIRE(total.quantity == estimator::PublishedQuantity::kOutputTokensPerS);
  CHECK(total.predicted == Approx(2.0 * per_gpu.predicted));

  // 'output tokens/s' on one GPU: the total, which is the per-device figure too.
  const auto& a100 = row(s, "trtllm061-a100-llama-2-7b-tp1-bs384-128-128");
  CHECK(a100.quantity == estimator::PublishedQuantity::kOutputTokensPerS);
  CHECK(a100.predicted ==
        Approx(direct("llama-2-7b", "a100-sxm-80gb", "f16", "f16", "f16", 1, 384, 128, 128)
                   .perf.output_tokens_per_s));

  // TTFT in ms = the prefill of batch 1 x 2048 tokens.
  const auto& ttft = row(s, "trtllm05-ttft-a100-sxm4-80gb-llama-2-7b-tp1-isl2048");
  CHECK(ttft.quantity == estimator::PublishedQuantity::kTtft);
  CHECK(ttft.predicted ==
        Approx(1e3 * direct("llama-2-7b", "a100-sxm-80gb", "f16", "f16", "f16", 1, 1, 2048, 1)
                         .perf.prefill_time_s));

  // gpt-fast: output_len not stated -> the map's 200, noted; per user = 200 / e2e.
  const auto& fast = row(s, "gptfast-a100-llama-2-7b-int4-tp1");
  CHECK(fast.quantity == estimator::PublishedQuantity::kDecodeTokensPerSPerUser);
  CHECK(fast.weights == "int4-g32");
  CHECK(fast.input_len == 5);
  CHECK(fast.output_len == 200);
  bool noted = false;
  for (const auto& n : fast.notes) noted = noted || n.find("output_len not stated") == 0;
  CHECK(noted);
  CHECK(fast.predicted == Approx(200.0 / direct("llama-2-7b", "a100-sxm-80gb", "int4-g32", "bf16",
                                                "bf16", 1, 1, 5, 200)
                                             .perf.e2e_s));

  // llama-bench: tg128 decodes 128 tokens from an empty cache; pp512 is a 512-token prefill.
  const auto& tg = row(s, "llamacpp-pr2917-m2ultra-7b-q4_0-tg128");
  CHECK(tg.quantity == estimator::PublishedQuantity::kDecodeTokensPerS);
  CHECK(tg.output_len == 128);
  CHECK(tg.predicted == Approx(direct("llama-2-7b", "m2-ultra", "q4_0", "f16", "f16", 1, 1, 1, 128)
                                   .perf.decode_tokens_per_s));
  const auto& pp = row(s, "llamacpp-pr3648-m2ultra-7b-q4_0-pp512");
  CHECK(pp.quantity == estimator::PublishedQuantity::kPrefillTokensPerS);
  CHECK(pp.predicted == Approx(direct("llama-2-7b", "m2-ultra", "q4_0", "f16", "f16", 1, 1, 512, 1)
                                   .perf.prefill_tokens_per_s));
}

TEST_CASE("unknown metrics, unmapped precisions and missing hardware are skipped with a reason") {
  const std::string text = R"(measurements:
- id: odd-metric
  model: llama-2-7b
  precision: FP16
  hardware: a100-sxm4-80gb
  batch_size: 8
  input_len: 128
  output_len: 128
  metric: requests_per_s
  value: 3.5
  unit: requests/s
- id: odd-precision
  model: llama-2-7b
  precision: FP4 (experimental)
  hardware: a100-sxm4-80gb
  batch_size: 1
  input_len: 128
  output_len: 1
  metric: ttft
  value: 12
  unit: ms
- id: odd-unit
  model: llama-2-7b
  precision: FP16
  hardware: a100-sxm4-80gb
  batch_size: 1
  input_len: 128
  output_len: 1
  metric: ttft
  value: 12
  unit: fortnights
- id: no-hardware
  model: llama-3.1-70b
  precision: GGUF F16
  hardware: amd-epyc-9175f-2s
  batch_size: 1
  metric: decode_tokens_per_s
  value: 4.31
  unit: tokens/s
- id: unstated-quant
  model: llama-2-7b
  precision: unknown GGUF quant
  hardware: intel-i9-13900k
  batch_size: 1
  output_len: 128
  metric: decode_tokens_per_s (gen 128, 8 threads)
  value: 18.27
  unit: tokens/s
- id: fine
  model: llama-2-7b
  precision: FP16
  hardware: a100-sxm4-80gb
  batch_size: 1
  input_len: 128
  output_len: 1
  metric: ttft
  value: 16
  unit: ms
)";
  core::Diagnostics d;
  auto data = schema::parse_published_yaml(text, "<skips>", d);
  INFO(d.format());
  REQUIRE(data);
  const auto s = estimator::evaluate_accuracy(*data, shipped_map(), test::shipped_catalog());
  REQUIRE(s.rows.size() == 6);
  CHECK(s.skipped == 5);
  CHECK(s.predicted == 1);
  auto reason = [&](const char* id) {
    const auto& r = row(s, id);
    CHECK(r.skipped);
    return r.reason;
  };
  CHECK_THAT(reason("odd-metric"), Catch::Contains("metric 'requests_per_s'"));
  CHECK_THAT(reason("odd-precision"), Catch::Contains("precision 'FP4 (experimental)'"));
  CHECK_THAT(reason("odd-unit"), Catch::Contains("unit 'fortnights'"));
  CHECK_THAT(reason("no-hardware"), Catch::Contains("amd-epyc-9175f-2s"));
  CHECK_THAT(reason("unstated-quant"), Catch::Contains("does not state the quantization"));
  CHECK_FALSE(row(s, "fine").skipped);
  REQUIRE(s.worst);
  CHECK(s.rows[*s.worst].id == "fine");  // skipped rows never count
}

TEST_CASE("the calibration reader locates wrong types and keeps unstated lengths as text") {
  core::Diagnostics d;
  auto bad = schema::parse_published_yaml(R"(measurements:
- id: a
  model: m
  hardware: h
  precision: FP16
  metric: ttft
  value: fast
  unit: ms
  batch_size: [1]
- id: a
  model: m
  hardware: h
  precision: FP16
  metric: ttft
  value: 3
  unit: ms
)",
                                          "cal.yaml", d);
  CHECK_FALSE(bad);
  const std::string text = d.format();
  CHECK_THAT(text, Catch::Contains("cal.yaml:7:10: error: measurements[0].value"));
  CHECK_THAT(text, Catch::Contains("measurements[0].batch_size"));

  core::Diagnostics d2;
  auto ok = schema::parse_published_yaml(R"(meta: {compiled: '2026-11-27'}
measurements:
- id: a
  model: m
  hardware: h
  precision: FP16
  metric: ttft
  value: 3
  unit: ms
  output_len: not stated (default)
  something_new: kept in the file
)",
                                         "cal.yaml", d2);
  INFO(d2.format());
  REQUIRE(ok);
  CHECK(ok->compiled == "2026-11-27");
  CHECK_FALSE(ok->points[0].output_len.tokens);
  CHECK(ok->points[0].output_len.text == "not stated (default)");
  CHECK(ok->points[0].where.line == 3);
}

TEST_CASE("the published map is strict and names only catalog entries") {
  core::Diagnostics d;
  auto bad = schema::parse_published_map_yaml(R"(schema: published-map
schema_version: 1
id: t
source: test
hardware:
  - published: x
    catalog: h100-sxm
    missing: both given
precisions:
  - published: p
    weights: int3
    kv: f16
    activations: q4_0
    colour: blue
)",
                                              "map.yaml", d);
  CHECK_FALSE(bad);
  const std::string text = d.format();
  CHECK_THAT(text, Catch::Contains("hardware[0]: give exactly one of"));
  CHECK_THAT(text, Catch::Contains("precisions[0].weights: unknown weight scheme 'int3'"));
  CHECK_THAT(text, Catch::Contains("precisions[0].activations: 'q4_0' is not one of"));
  CHECK_THAT(text, Catch::Contains("precisions[0].colour: unknown key"));

  // Every catalog name the shipped map uses exists.
  const auto& m = shipped_map();
  const auto& c = test::shipped_catalog();
  for (const auto& n : m.models)
    if (!n.catalog.empty()) CHECK(schema::find_model(c, n.catalog));
  for (const auto& n : m.hardware)
    if (!n.catalog.empty()) CHECK(schema::find_hardware(c, n.catalog));
}

TEST_CASE("the full shared calibration set, when present beside the repository") {
  core::Diagnostics d;
  const std::string path = test::shared_data_dir() + "/published_calibration.yaml";
  auto data = schema::load_published(path, d);
  if (!data) {
    WARN("skipped: " << path << " is not available");
    return;
  }
  const auto s = estimator::evaluate_accuracy(*data, shipped_map(), test::shipped_catalog());
  CHECK(s.rows.size() == 51);
  // Only the two points without a catalog device or a stated precision are skipped.
  CHECK(s.skipped == 2);
  for (const auto& r : s.rows) {
    INFO(r.id << ": " << r.reason);
    if (r.skipped) continue;
    CHECK(std::isfinite(r.error));
    CHECK(r.ratio > 0.2);
    CHECK(r.ratio < 5.0);
  }
}
