// test_report.cc — the estimate report's JSON carries the documented keys, is
// deterministic, and CSV has one header and one row per report.
#include <catch2/catch.hpp>

#include "estimator/estimate.h"
#include "schema/catalog.h"
#include "test_paths.h"

using namespace llmsizer;

TEST_CASE("estimate JSON has the stable keys and is deterministic", "[report]") {
  core::Diagnostics d;
  auto c = schema::load_catalog(test::profiles_dir(), d);
  REQUIRE(c);
  estimator::EstimateRequest r;
  r.model = schema::find_model(*c, "mixtral-8x7b");
  r.hardware = schema::find_hardware(*c, "a100-sxm-80gb");
  r.par.tp = 2;
  const std::string json = schema::report_to_json(estimator::estimate(r));
  for (const char* key :
       {"\"params_total\": 46702792704", "\"params_active\": 12879925248", "\"weights_bytes\"",
        "\"kv_cache_bytes_per_token\"", "\"kv_cache_bytes\"", "\"activation_bytes\"",
        "\"total_bytes\"", "\"capacity_bytes\"", "\"fits\"", "\"max_batch\"", "\"basis\""}) {
    INFO(key);
    CHECK(json.find(key) != std::string::npos);
  }
  CHECK(json == schema::report_to_json(estimator::estimate(r)));
  const std::string csv = schema::report_to_csv({estimator::estimate(r), estimator::estimate(r)});
  CHECK(std::count(csv.begin(), csv.end(), '\n') == 3);
}
