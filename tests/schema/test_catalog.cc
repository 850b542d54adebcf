// test_catalog.cc — catalog lint (every shipped file loads with zero diagnostics), name
// lookup, write->parse round trips, and each model's computed parameter count against its
// published total. Set LLMSIZER_PARAMS_MODEL=<id> to check one model (CTest runs one test
// per model that way).
#include <catch2/catch.hpp>

#include <cstdlib>

#include "core/model_arch.h"
#include "schema/catalog.h"
#include "schema/pricing.h"
#include "shipped_catalog.h"
#include "test_paths.h"

using namespace llmsizer;

namespace {
const schema::Catalog& catalog() {
  return test::shipped_catalog();
}
}  // namespace

TEST_CASE("every shipped profile loads with zero diagnostics", "[catalog]") {
  core::Diagnostics d;
  auto c = schema::load_catalog(test::profiles_dir(), d);
  INFO(d.format());
  REQUIRE(c);
  CHECK(d.empty());
  CHECK(c->models.size() >= 35);
  CHECK(c->hardware.size() >= 22);
  for (const auto& h : c->hardware) {
    INFO(h.id);
    CHECK_FALSE(h.memory.from.source.empty());
    CHECK_FALSE(h.compute.from.source.empty());
  }
}

TEST_CASE("models are found by id, alias and HF repo, case-insensitively", "[catalog]") {
  const auto& c = catalog();
  REQUIRE(schema::find_model(c, "llama-2-7b"));
  CHECK(schema::find_model(c, "META-LLAMA/Llama-2-7b-HF") == schema::find_model(c, "llama-2-7b"));
  CHECK(schema::find_hardware(c, "H100-SXM") != nullptr);
  core::Diagnostics d;
  CHECK_FALSE(schema::resolve_model(c, "llama-2-7", {"<command line>", 0, 0}, "--model", d));
  CHECK(d.format().find("unknown model 'llama-2-7' (closest: ") != std::string::npos);
  CHECK(d.format().find("llama-2-7b") != std::string::npos);
  d.clear();
  CHECK_FALSE(schema::resolve_hardware(c, "h100-sxn", {"<command line>", 0, 0}, "--hardware", d));
  CHECK(d.format().find("h100-sxm") != std::string::npos);
}

TEST_CASE("computed parameter counts equal the published totals", "[catalog][params]") {
  const char* only = std::getenv("LLMSIZER_PARAMS_MODEL");
  int checked = 0;
  for (const auto& m : catalog().models) {
    if (only && m.id != only) continue;
    INFO(m.id << " (" << m.origin_path << ")");
    REQUIRE(m.published);
    const auto p = core::count_params(m.arch);
    CHECK(p.total == m.published->params_total);
    if (m.published->params_active)
      CHECK(p.active == m.published->params_active);
    else
      CHECK(p.active == p.total);
    ++checked;
  }
  CHECK(checked >= 1);
}

TEST_CASE("model and hardware documents round-trip through the writer", "[catalog][roundtrip]") {
  for (const auto& m : catalog().models) {
    INFO(m.id);
    const std::string once = schema::write_model_yaml(m);
    core::Diagnostics d;
    auto back = schema::parse_model_yaml(once, m.id + ".yaml", d);
    INFO(d.format());
    REQUIRE(back);
    CHECK(schema::write_model_yaml(*back) == once);  // deterministic and lossless
    CHECK(core::count_params(back->arch).total == core::count_params(m.arch).total);
  }
  for (const auto& h : catalog().hardware) {
    INFO(h.id);
    const std::string once = schema::write_hardware_yaml(h);
    core::Diagnostics d;
    auto back = schema::parse_hardware_yaml(once, h.id + ".yaml", d);
    INFO(d.format());
    REQUIRE(back);
    CHECK(schema::write_hardware_yaml(*back) == once);
    CHECK(back->memory.bandwidth_bytes_per_s == h.memory.bandwidth_bytes_per_s);
  }
}

TEST_CASE("API models are found by id, provider/id, or provider/catalog model id", "[pricing]") {
  core::Diagnostics d;
  const auto pc = schema::load_price_catalog(test::profiles_dir(), d);
  REQUIRE(pc);
  const auto by_open = schema::find_api_model(*pc, "together/llama-3.1-70b", "");
  REQUIRE(by_open);
  CHECK(by_open->model->open_model == "llama-3.1-70b");
  CHECK(by_open->snapshot->provider == "together");
  const auto by_id =
      schema::find_api_model(*pc, "together/" + by_open->model->id, by_open->snapshot->as_of);
  REQUIRE(by_id);
  CHECK(by_id->model == by_open->model);
  CHECK(schema::find_api_model(*pc, "openai/gpt-4o-mini", ""));
  CHECK_FALSE(schema::find_api_model(*pc, "together/gpt-4o-mini-nope", ""));
  // A catalog model id alone is not an API (which provider would it be?).
  CHECK_FALSE(schema::find_api_model(*pc, "llama-3.1-70b", ""));
}
