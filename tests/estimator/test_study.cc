// test_study.cc — studies: every name, number and expression is checked before anything
// runs (located errors), the sweep expands to the right points, and evaluating a range in
// pieces gives the same rows as in one go.
#include <catch2/catch.hpp>

#include <cmath>

#include "estimator/study.h"
#include "schema/hardware_profile.h"
#include "shipped_catalog.h"
#include "test_paths.h"

using namespace llmsizer;

namespace {

const schema::PriceCatalog& prices() {
  return test::shipped_prices();
}

std::optional<estimator::Study> prepare(const std::string& yaml, core::Diagnostics& d) {
  auto spec = schema::parse_study_yaml(yaml, "s.yaml", d);
  if (!spec) return std::nullopt;
  return estimator::Study::prepare(*spec, test::shipped_catalog(), prices(), d);
}

const char* kHeader = "schema: study\nschema_version: 1\nid: t\ntitle: T\nevaluate: estimate\n";

}  // namespace

TEST_CASE("a study's names and expressions are checked before it runs", "[study]") {
  core::Diagnostics d;
  CHECK_FALSE(prepare(std::string(kHeader) +
                          "base:\n  model: llama-2-7\n  hardware: h100-sxm\n  batchsize: 4\n"
                          "sweep:\n  grid:\n    weights: [bf16, q9_k]\n"
                          "constraints:\n  - \"fits && tpot_z < 1\"\n"
                          "sort:\n  - {column: nope}\n",
                      d));
  const std::string out = d.format();
  INFO(out);
  CHECK(out.find("s.yaml:7:10: error: base.model: unknown model 'llama-2-7'") != std::string::npos);
  CHECK(out.find("s.yaml:9:3: error: base.batchsize: 'batchsize' is not an option of `estimate` "
                 "(did you mean 'batch'?)") != std::string::npos);
  CHECK(out.find("s.yaml:12:21: error: sweep.weights: unknown weight scheme 'q9_k'") !=
        std::string::npos);
  CHECK(out.find("s.yaml:14:5: error: constraints: column 9: unknown name 'tpot_z'") !=
        std::string::npos);
  CHECK(out.find("s.yaml:16:5: error: sort: no column 'nope'") != std::string::npos);
}

TEST_CASE("zipped lists must match and points multiply", "[study]") {
  core::Diagnostics d;
  CHECK_FALSE(schema::parse_study_yaml(std::string(kHeader) + "sweep:\n  zip:\n    prompt: [1, 2]\n"
                                                              "    output: [1, 2, 3]\n",
                                       "s.yaml", d));
  CHECK(d.format().find("sweep.zip.output: 3 values, but prompt has 2") != std::string::npos);
  d.clear();
  auto s = prepare(std::string(kHeader) +
                       "base:\n  model: llama-3.1-8b\nsweep:\n  grid:\n    hardware: [h100-*, l4]\n"
                       "  zip:\n    prompt: [128, 2048]\n    output: [2048, 128]\n"
                       "  ranges:\n    batch: {from: 1, to: 64, log_steps: 7}\n",
                   d);
  INFO(d.format());
  REQUIRE(s);
  CHECK(s->point_count() == (3 + 1) * 2 * 7);  // h100-* is three devices
}

TEST_CASE("evaluating a range in pieces equals evaluating it at once", "[study]") {
  core::Diagnostics d;
  auto s = prepare(std::string(kHeader) +
                       "base:\n  model: llama-3.1-8b\n  prompt: 512\n  output: 128\n"
                       "sweep:\n  grid:\n    hardware: [h100-sxm, l40s, l4]\n"
                       "    weights: [bf16, fp8, q4_k_m]\n"
                       "  ranges:\n    batch: {from: 1, to: 256, log_steps: 9}\n"
                       "constraints:\n  - \"fits\"\n"
                       "derived:\n  tokens_per_s_per_user: \"1 / tpot_s\"\n",
                   d);
  INFO(d.format());
  REQUIRE(s);
  REQUIRE(s->point_count() == 81);
  std::vector<estimator::StudyRow> whole, pieces;
  estimator::StudyCache c1, c2;
  s->evaluate(0, 81, c1, [&](estimator::StudyRow&& r) { whole.push_back(std::move(r)); });
  for (std::uint64_t b = 0; b < 81; b += 10)
    s->evaluate(b, b + 10, c2, [&](estimator::StudyRow&& r) { pieces.push_back(std::move(r)); });
  REQUIRE(whole.size() == pieces.size());
  REQUIRE_FALSE(whole.empty());
  const int fits = s->column_index("fits");
  const int tps = s->column_index("tokens_per_s_per_user");
  const int tpot = s->column_index("tpot_s");
  for (std::size_t i = 0; i < whole.size(); ++i) {
    CHECK(whole[i].point == pieces[i].point);
    CHECK(whole[i].num[static_cast<std::size_t>(tpot)] ==
          pieces[i].num[static_cast<std::size_t>(tpot)]);
    CHECK(whole[i].num[static_cast<std::size_t>(fits)] == 1.0);  // the constraint held
    CHECK(whole[i].num[static_cast<std::size_t>(tps)] ==
          Approx(1.0 / whole[i].num[static_cast<std::size_t>(tpot)]));
  }
  // Parameters of a point decode the mixed radix: batch varies fastest.
  CHECK(s->parameters(0).at("batch") == "1");
  CHECK(s->parameters(1).at("batch") == "2");
  CHECK(s->parameters(9).at("weights") == "fp8");
}

TEST_CASE("every shipped study loads and validates", "[study][catalog]") {
  for (const auto& f : schema::list_yaml_files(test::profiles_dir() + "/studies")) {
    INFO(f);
    core::Diagnostics d;
    auto spec = schema::load_study(f, d);
    INFO(d.format());
    REQUIRE(spec);
    // "measured:<id>" hardware: the committed profile under profiles/measured/.
    schema::Catalog cat = test::shipped_catalog();
    estimator::MeasuredHardware measured;
    for (const auto* v : estimator::measured_hardware_refs(*spec)) {
      const std::string id = v->text.substr(estimator::kMeasuredHardwarePrefix.size());
      auto p =
          schema::load_hardware_profile_yaml(test::profiles_dir() + "/measured/" + id + ".yaml", d);
      REQUIRE(p);
      estimator::add_measured_hardware(v->text, *p, cat, measured);
    }
    const auto s = estimator::Study::prepare(*spec, cat, prices(), d, measured);
    CHECK(s);
    CHECK(d.empty());
    if (s && !measured.empty()) {
      // The measured host is evaluated like any device: its points give finite rows.
      estimator::StudyCache cache;
      std::size_t rows = 0;
      s->evaluate(0, s->point_count(), cache, [&](estimator::StudyRow&& r) {
        for (double x : r.num) CHECK_FALSE(std::isinf(x));
        ++rows;
      });
      CHECK(rows > 0);
    }
  }
}
