// test_invalid_fixtures.cc — every bad input under tests/data/invalid/<kind>/ must be
// rejected with the diagnostics it states. A fixture states them in `# expect: ...` lines
// at its top (YAML) or, for JSON and binary files, one per line in a sidecar
// `<file>.expect`. Each expectation is a substring of the formatted diagnostics (which
// start with the fixture's own path, so `:12:3: error: key: message` pins the location).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "schema/hardware_spec.h"
#include "schema/model_spec.h"
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

bool load(const std::string& kind, const std::string& path, core::Diagnostics& d) {
  if (kind == "model") return schema::load_model_yaml(path, d).has_value();
  if (kind == "hardware") return schema::load_hardware_yaml(path, d).has_value();
  if (kind == "hf_config") return schema::load_hf_config(path, d).has_value();
  if (kind == "gguf") return schema::load_gguf(path, d).has_value();
  FAIL("no loader for fixture kind " << kind);
  return false;
}

}  // namespace

TEST_CASE("invalid inputs are rejected with the diagnostics they state", "[invalid]") {
  const fs::path root = fs::path(test::data_dir()) / "invalid";
  int checked = 0;
  for (const char* kind : {"model", "hardware", "hf_config", "gguf"}) {
    if (!fs::is_directory(root / kind)) continue;
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(root / kind))
      if (e.path().extension() != ".expect") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      const auto expect = expectations(f);
      INFO("fixture " << f.string());
      REQUIRE_FALSE(expect.empty());  // every fixture states what it expects
      core::Diagnostics d;
      CHECK_FALSE(load(kind, f.string(), d));
      CHECK(d.has_errors());
      const std::string text = d.format();
      INFO("diagnostics:\n" << text);
      for (const auto& e : expect) CHECK(text.find(e) != std::string::npos);
      ++checked;
    }
  }
  CHECK(checked >= 30);
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
