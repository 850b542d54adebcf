// test_self_validation.cc — the self-validation harness as library code: the matrix and the
// inputs resolve (bad ones are located errors), a run on a tiny Llama-shaped model measures
// and predicts every metric, and the statistics and documents follow from the metrics.
#include <catch2/catch.hpp>

#include <cmath>

#include "schema/hardware_profile.h"
#include "shipped_catalog.h"
#include "test_paths.h"
#include "validation/self_validation.h"

using namespace llmsizer;

namespace {

const core::SourceLocation kWhere{"<test>", 0, 0};

const schema::HardwareProfile& profile() {
  static const schema::HardwareProfile p = [] {
    core::Diagnostics d;
    auto loaded = schema::load_hardware_profile_yaml(
        test::profiles_dir() + "/measured/vm-2026-11-27.yaml", d);
    INFO(d.format());
    REQUIRE(loaded);
    return *loaded;
  }();
  return p;
}

std::string tiny() {
  return test::data_dir() + "/models/tiny-decoder.yaml";
}

validation::Metric metric(const char* name, double measured, double predicted) {
  return {"m", "q4_0-pure", 1, name, 16, measured, predicted, "measured"};
}

}  // namespace

TEST_CASE("the validation matrix resolves on the shipped catalog", "[validation]") {
  std::vector<std::pair<std::string, std::vector<std::string>>> models;
  for (const auto& r : validation::matrix_rows()) models.emplace_back(r.model, r.weights);
  core::Diagnostics d;
  const auto cells = validation::resolve_cells(test::shipped_catalog(), models, kWhere, d);
  INFO(d.format());
  CHECK(d.empty());
  CHECK(cells.size() == 6);
  CHECK(cells.front().scheme == "f32-pure");
  validation::RunPlan plan;
  validation::apply_matrix(plan, 8);
  CHECK(plan.prompts == std::vector<std::int64_t>{128, 512});
  CHECK(plan.contexts == std::vector<std::int64_t>{128, 1024});
  CHECK(plan.threads == std::vector<std::int64_t>{1, 8});
  validation::apply_matrix(plan, 1);
  CHECK(plan.threads == std::vector<std::int64_t>{1});
  validation::RunPlan defaults;
  validation::apply_defaults(defaults, 3);
  CHECK(defaults.threads == std::vector<std::int64_t>{3});
}

TEST_CASE("bad validation inputs are located errors", "[validation]") {
  core::Diagnostics d;
  auto cells =
      validation::resolve_cells(test::shipped_catalog(), {{tiny(), {"q8_0", "q5_1"}}}, kWhere, d);
  CHECK(cells.size() == 1);  // q8_0 builds, q5_1 does not
  CHECK(d.format().find("<test>: error: --weights: 'q5_1' is not one of f32, f16, q8_0, q4_0, "
                        "q4_k") != std::string::npos);
  core::Diagnostics moe;
  cells =
      validation::resolve_cells(test::shipped_catalog(), {{"mixtral-8x7b", {"q4_0"}}}, kWhere, moe);
  CHECK(moe.format().find("--model: mixtral-8x7b: the reference decoder cannot run it") !=
        std::string::npos);
  core::Diagnostics kv;
  CHECK(validation::parse_kv_dtype("q8_0", kWhere, kv) == core::DType::kQ8_0);
  CHECK_FALSE(validation::parse_kv_dtype("q4_0", kWhere, kv));
  CHECK(kv.format().find("--kv: 'q4_0' is not f32, f16 or q8_0") != std::string::npos);
  core::Diagnostics thr;
  validation::RunPlan plan;
  plan.threads = {1, profile().context.threads + 1};
  validation::check_plan(plan, profile(), kWhere, thr);
  CHECK(thr.format().find("--threads") != std::string::npos);
}

TEST_CASE("statistics and documents follow from the metrics", "[validation]") {
  validation::Result r;
  r.metrics = {metric("prefill", 1.0, 1.1), metric("prefill", 2.0, 1.0),
               metric("decode_step", 0.01, 0.0101), metric("peak_rss", 1 << 20, 1 << 21)};
  r.notes = {"a note"};
  const auto sp = validation::summarise(r.metrics, "prefill");
  CHECK(sp.n == 2);
  CHECK(sp.median == Approx(0.3));  // |+10%| and |-50%|: the mean of the two middle values
  CHECK(sp.max == Approx(0.5));
  CHECK(validation::summarise(r.metrics, "nothing").n == 0);
  CHECK(validation::beyond(r.metrics, 0.15) == 2);  // -50% and +100%
  CHECK(validation::beyond(r.metrics, 1.5) == 0);

  const validation::ResultContext ctx{&profile(), core::DType::kF16, 4, 0.15};
  const std::string table = validation::to_table(r, ctx);
  INFO(table);
  CHECK(table.find("profile vm-2026-11-27; KV f16;") != std::string::npos);
  CHECK(table.find("prefill 16 tokens") != std::string::npos);
  CHECK(table.find("  -50.0%! measured\n") != std::string::npos);
  CHECK(table.find("   +1.0%  measured\n") != std::string::npos);
  CHECK(table.find("1.0 MiB      2.0 MiB  +100.0%!") != std::string::npos);
  CHECK(table.find("median |error|: prefill 30.0% (2 points, max 50.0%), decode 1.0% (1, max "
                   "1.0%), peak RSS 100.0% (1, max 100.0%)\n") != std::string::npos);
  CHECK(table.find("2 of 4 beyond ±15% (marked !)\n") != std::string::npos);
  CHECK(table.find("note: a note\n") != std::string::npos);
  CHECK(table.find("non-finite") == std::string::npos);
  r.logits_finite = false;
  CHECK(validation::to_table(r, ctx).find("non-finite logits") != std::string::npos);

  const std::string json = validation::to_json(r, ctx);
  INFO(json);
  for (const char* k :
       {"\"schema\": \"validation-result\"", "\"profile\": \"vm-2026-11-27\"",
        "\"decode_steps\": 4", "\"tolerance\": 0.15", "\"prompt_tokens\": 16", "\"kv_tokens\": 16",
        "\"unit\": \"bytes\"", "\"beyond_tolerance\": 2", "\"logits_finite\": false", "\"a note\""})
    CHECK(json.find(k) != std::string::npos);
  CHECK(json.back() == '\n');
}

TEST_CASE("a run measures and predicts every metric of a tiny model", "[validation][decoder]") {
  core::Diagnostics d;
  const auto cells =
      validation::resolve_cells(test::shipped_catalog(), {{tiny(), {"q8_0"}}}, kWhere, d);
  INFO(d.format());
  REQUIRE(cells.size() == 1);
  validation::RunPlan plan;
  plan.prompts = {16};
  plan.contexts = {8, 32};
  plan.threads = {1};
  plan.decode_steps = 2;
  std::vector<std::string> progress;
  plan.progress = [&](const std::string& line) { progress.push_back(line); };
  validation::check_plan(plan, profile(), kWhere, d);
  REQUIRE(d.empty());
  const auto r = validation::run(cells, plan, profile());
  INFO(r.error);
  REQUIRE(r.error.empty());
  CHECK(r.logits_finite);
  REQUIRE(r.metrics.size() == 4);  // 1 prompt + 2 contexts + memory
  CHECK(r.metrics[0].name == "prefill");
  CHECK(r.metrics[0].tokens == 16);
  CHECK(r.metrics[1].name == "decode_step");
  CHECK(r.metrics[2].tokens == 32);
  CHECK(r.metrics[3].name == "peak_rss");
  CHECK(r.metrics[3].tokens == 32 + 2 + 1 + 1);  // the decoder's KV capacity
  for (const auto& m : r.metrics) {
    INFO(m.name);
    CHECK(m.measured > 0);
    CHECK(m.predicted > 0);
    CHECK(std::isfinite(m.error()));
    CHECK(m.threads == 1);
    CHECK(m.weights == "q8_0-pure");
  }
  CHECK(r.metrics[0].basis.find("measured") != std::string::npos);  // never a datasheet
  CHECK(r.metrics[3].basis.find("computed + measured process baseline") == 0);
  REQUIRE_FALSE(progress.empty());
  CHECK(progress.front().rfind("[tiny", 0) == 0);
}
