// test_invalid_fixtures.cc — every bad input under tests/data/invalid/<kind>/ must be
// rejected with the diagnostics it states. A fixture states them in `# expect: ...` lines
// at its top (YAML) or, for JSON and binary files, one per line in a sidecar
// `<file>.expect`. Each expectation is a substring of the formatted diagnostics (which
// start with the fixture's own path, so `:12:3: error: key: message` pins the location).
// Kinds: model, hardware, hf_config, gguf, workload, trace (CSV), study and the four price
// documents (api_pricing, cloud, purchase, assumptions); hardware_profile fixtures are
// replayed by tests/profiler, CLI cases (invalid/cli) by tests/cli.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "schema/hardware_spec.h"
#include "schema/model_spec.h"
#include "schema/pricing.h"
#include "schema/study.h"
#include "schema/workload.h"
#include "test_paths.h"

namespace fs = std::filesystem;
using namespace llmsizer;

namespace {

std::vector<std::string> expectations(const fs::path& file) {
  std::vector<std::string> out;
  const fs::path side = file.string() + ".expect";
  std::ifstream in(fs::exists(side) ? side : file, std::ios::binary);
  std::string line;
  const bool sidecar = fs::exists(side);
  while (std::getline(in, line)) {
    if (sidecar) {
      if (!line.empty()) out.push_back(line);
      continue;
    }
    const std::string tag = "# expect: ";
    if (line.rfind(tag, 0) != 0) break;
    out.push_back(line.substr(tag.size()));
  }
  return out;
}

constexpr const char* kKinds[] = {"model",    "hardware", "hf_config",  "gguf",
                                  "workload", "trace",    "study",      "api_pricing",
                                  "cloud",    "purchase", "assumptions"};

bool load(const std::string& kind, const std::string& path, core::Diagnostics& d) {
  if (kind == "model") return schema::load_model_yaml(path, d).has_value();
  if (kind == "hardware") return schema::load_hardware_yaml(path, d).has_value();
  if (kind == "hf_config") return schema::load_hf_config(path, d).has_value();
  if (kind == "gguf") return schema::load_gguf(path, d).has_value();
  if (kind == "workload") return schema::load_workload(path, d).has_value();
  if (kind == "trace") return schema::load_trace_csv(path, d).has_value();
  if (kind == "study") return schema::load_study(path, d).has_value();
  // The price documents are read by load_price_catalog(root); one file goes through the
  // same per-document entry it uses.
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  schema::PriceCatalog into;
  return schema::parse_price_document(text.str(), path, into, d);
}

// "nan"/"inf" as a word: a number that should never reach a message.
bool mentions_non_finite(const std::string& text) {
  static const std::regex word(R"(\b(nan|inf|infinity)\b)", std::regex::icase);
  return std::regex_search(text, word);
}

}  // namespace

TEST_CASE("invalid inputs are rejected with the diagnostics they state", "[invalid]") {
  const fs::path root = fs::path(test::data_dir()) / "invalid";
  int checked = 0;
  for (const char* kind : kKinds) {
    if (!fs::is_directory(root / kind)) continue;
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(root / kind))
      if (e.path().extension() != ".expect") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      const auto expect = expectations(f);
      INFO("fixture " << f.string());
      core::Diagnostics d;
      CHECK_FALSE(load(kind, f.string(), d));
      CHECK(d.has_errors());
      const std::string text = d.format();
      INFO("diagnostics:\n" << text);
      CHECK_FALSE(expect.empty());  // every fixture states what it expects
      for (const auto& e : expect) CHECK(text.find(e) != std::string::npos);
      CHECK(text.find(f.string() + ":") != std::string::npos);  // located in the fixture
      std::ifstream raw(f, std::ios::binary);
      const std::string content((std::istreambuf_iterator<char>(raw)), {});
      if (!mentions_non_finite(content)) CHECK_FALSE(mentions_non_finite(text));
      ++checked;
    }
  }
  CHECK(checked >= 90);
}

TEST_CASE("a directory given as a document is a located error", "[invalid]") {
  core::Diagnostics d;
  CHECK_FALSE(schema::load_model_yaml(test::data_dir(), d));
  CHECK(d.format().find("is a directory") != std::string::npos);
  d.clear();
  CHECK_FALSE(schema::load_hardware_yaml(test::data_dir() + "/no-such-file.yaml", d));
  CHECK(d.format().find("no such file") != std::string::npos);
}

TEST_CASE("all problems in a document are collected, not just the first", "[invalid]") {
  const std::string text =
      "schema: model\nschema_version: 1\nid: x\nname: X\nhf_repo: a/b\nfamily: lama\n"
      "architecture:\n  hidden_size: -1\n  num_layerz: 2\n";
  core::Diagnostics d;
  CHECK_FALSE(schema::parse_model_yaml(text, "x.yaml", d));
  const std::string out = d.format();
  CHECK(out.find("x.yaml:6:9: error: family: 'lama' is not one of") != std::string::npos);
  CHECK(out.find("x.yaml:8:16: error: architecture.hidden_size: -1 is out of range") !=
        std::string::npos);
  CHECK(out.find("x.yaml:9:3: error: architecture.num_layerz: unknown key (did you mean "
                 "'num_layers'?)") != std::string::npos);
  CHECK(out.find("error: published: missing required key") != std::string::npos);
  CHECK(d.error_count() >= 6);
}
