// test_listings.cc — `list` tables: every shipped item is listed, the ids shown are the ids
// the commands take, and the JSON holds the same rows.
#include <catch2/catch.hpp>

#include <algorithm>

#include "report/listings.h"
#include "schema/pricing.h"
#include "shipped_catalog.h"
#include "test_paths.h"

using namespace llmsizer;

namespace {
std::size_t count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (auto p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}
const schema::PriceCatalog& prices() {
  return test::shipped_prices();
}
}  // namespace

TEST_CASE("list models and hardware: one row each, units and basis at the foot", "[listings]") {
  const auto& c = test::shipped_catalog();
  const auto m = report::list_models(c);
  CHECK(count(m.json, "\"hf_repo\"") == c.models.size());
  CHECK(m.table.find("basis: computed") != std::string::npos);
  const auto h = report::list_hardware(c);
  CHECK(count(h.json, "\"short_name\"") == c.hardware.size());
  CHECK(h.table.find("GB/s") != std::string::npos);
}

TEST_CASE("list apis shows the ids compare --apis takes, each of which resolves",
          "[listings][api]") {
  const auto l = report::list_apis(prices(), "");
  std::size_t rows = 0;
  for (const auto* snap : schema::api_snapshots(prices(), ""))
    for (const auto& m : snap->models) {
      ++rows;
      const std::string id = snap->provider + "/" + m.id;
      CHECK(l.table.find(id) != std::string::npos);
      const auto found = schema::find_api_model(prices(), id, "");
      REQUIRE(found);
      CHECK(found->model == &m);
    }
  CHECK(rows > 10);
  CHECK(count(l.json, "\"input_usd_per_mtok\"") == rows);
  CHECK(l.table.find("together/llama-3.1-70b") != std::string::npos);
  // As of an earlier date: older snapshots, said in the foot.
  const auto old = report::list_apis(prices(), "2024-01-01");
  CHECK(old.table.find("as of 2024-01-01") != std::string::npos);
  CHECK(old.table != l.table);
}

TEST_CASE("list prices: rental per device and purchase prices, dated", "[listings]") {
  const auto l = report::list_prices(prices(), "");
  CHECK(l.table.find("h100-sxm") != std::string::npos);
  CHECK(l.table.find("$/hour/dev") != std::string::npos);
  CHECK(l.json.find("\"purchase\"") != std::string::npos);
  CHECK(count(l.json, "\"on_demand_usd_per_hour\"") > 5);
}

TEST_CASE("list workloads: every shipped workload loads and is listed", "[listings]") {
  core::Diagnostics d;
  const auto l = report::list_workloads(test::profiles_dir() + "/workloads", d);
  CHECK_FALSE(d.has_errors());
  const auto files = schema::list_yaml_files(test::profiles_dir() + "/workloads");
  REQUIRE(files.size() >= 3);
  CHECK(count(l.json, "\"rate_per_s\"") == files.size());
  CHECK(l.table.find("chat.yaml") != std::string::npos);
}
