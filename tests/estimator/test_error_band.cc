// test_error_band.cc — error bands (the expected error a figure carries): committed validation
// results are read into per-metric samples, and the band is the stated quantile of |error|.
#include <catch2/catch.hpp>

#include "estimator/error_band.h"
#include "schema/validation_results.h"
#include "test_paths.h"

using namespace llmsizer;

TEST_CASE("validation results of both kinds become error samples", "[estimator][band]") {
  core::Diagnostics d;
  const auto acc = schema::parse_validation_results(R"J({"schema": "accuracy-report", "points": [
      {"metric": "ttft", "predicted_as": "latency.ttft_s", "skipped": false, "error": -0.3},
      {"metric": "prefill_tokens_per_s (pp512)", "predicted_as": "prefill.tokens_per_s",
       "skipped": false, "error": 0.05},
      {"metric": "output_throughput", "predicted_as": "throughput.output_tokens_per_s",
       "skipped": false, "error": 0.1},
      {"metric": "output_throughput", "skipped": true, "error": 9.0}]})J",
                                                    "acc.json", d);
  INFO(d.format());
  REQUIRE(acc);
  REQUIRE(acc->samples.size() == 3);
  CHECK(acc->samples[0].metric == schema::ErrorMetric::kPrefill);
  CHECK(acc->samples[1].metric == schema::ErrorMetric::kPrefill);
  CHECK(acc->samples[2].metric == schema::ErrorMetric::kDecode);
  const auto val = schema::parse_validation_results(R"J({"schema": "validation-result", "metrics": [
      {"metric": "prefill", "error": 0.1}, {"metric": "decode_step", "error": -0.02},
      {"metric": "decode_step", "error": 0.04}, {"metric": "peak_rss", "error": 0.01}]})J",
                                                    "val.json", d);
  REQUIRE(val);
  const auto b = estimator::error_band(*val, "measured", 0.8);
  REQUIRE(b.prefill);
  REQUIRE(b.decode);
  REQUIRE(b.memory);
  CHECK(*b.prefill == Approx(0.1));
  CHECK(*b.decode == Approx(0.04));  // nearest rank: ceil(0.8 * 2) = 2nd of {0.02, 0.04}
  CHECK(*b.memory == Approx(0.01));
  CHECK(b.points == 4);
  REQUIRE(b.median);  // over all classes: |error| {0.01, 0.02, 0.04, 0.1}
  CHECK(*b.median == Approx(0.03));
  CHECK(*b.max == Approx(0.1));
  const auto ab = estimator::error_band(*acc, "datasheet", 0.5);
  CHECK(*ab.prefill == Approx(0.05));
  CHECK_FALSE(ab.memory);

  core::Diagnostics bad;
  CHECK_FALSE(schema::parse_validation_results(R"J({"schema": "model"})J", "x.json", bad));
  CHECK(bad.format().find("x.json") != std::string::npos);
  CHECK_FALSE(schema::parse_validation_results("{\"schema\": ", "y.json", bad));
}

TEST_CASE("the committed accuracy results load and give a finite band", "[estimator][band]") {
  core::Diagnostics d;
  const auto r = schema::load_validation_results(
      test::profiles_dir() + "/validation/accuracy-2026-11-27.json", d);
  INFO(d.format());
  REQUIRE(r);
  CHECK(r->samples.size() >= 40);
  const auto b = estimator::error_band(*r, "datasheet");
  REQUIRE(b.prefill);
  REQUIRE(b.decode);
  CHECK(*b.prefill > 0);
  CHECK(*b.decode > 0);
  CHECK(*b.decode < 1.0);
}
