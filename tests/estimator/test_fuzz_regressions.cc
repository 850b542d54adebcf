// test_fuzz_regressions.cc — replays saved inputs through the fuzz targets themselves (the
// fuzz/*.cc sources compiled with LLMSIZER_FUZZ_REPLAY): every crash/hang/leak input that a
// fuzzing run found (tests/data/fuzz-regressions/<target>/), the seed files
// (tests/data/fuzz-seeds/<target>/), the bad-input corpus and the shipped documents of the
// target's kind. A target aborts when a loader breaks its contract (a rejection without an
// error, a written-back document that does not parse again, a non-finite parsed value), so
// passing means: no crash, and diagnostics or success for each input.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "fuzz/fuzz_targets.h"
#include "test_paths.h"

namespace fs = std::filesystem;

namespace {

// Folders (relative to tests/data or profiles/) whose files seed each target.
const std::map<std::string, std::vector<std::string>>& inputs_by_target() {
  static const std::map<std::string, std::vector<std::string>> m = {
      {"model_yaml", {"data:invalid/model", "profiles:models"}},
      {"hardware_yaml", {"data:invalid/hardware", "profiles:hardware"}},
      {"hardware_profile_yaml", {"data:invalid/hardware_profile", "profiles:measured"}},
      {"pricing_yaml",
       {"data:invalid/api_pricing", "data:invalid/cloud", "data:invalid/purchase",
        "data:invalid/assumptions", "profiles:apis", "profiles:costs"}},
      {"workload_yaml", {"data:invalid/workload", "profiles:workloads"}},
      {"study_yaml", {"data:invalid/study", "profiles:studies"}},
      {"hf_config", {"data:invalid/hf_config", "data:hf"}},
      {"gguf", {"data:invalid/gguf"}},
      {"trace_csv", {"data:invalid/trace", "profiles:workloads/traces"}},
      {"units", {}},
      {"slo", {}},
      {"expression", {}},
  };
  return m;
}

std::vector<fs::path> files_under(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  for (const auto& e : fs::recursive_directory_iterator(dir, ec))
    if (e.is_regular_file() && e.path().extension() != ".expect" && e.path().extension() != ".md")
      out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

}  // namespace

TEST_CASE("saved fuzz inputs, seeds and corpora replay through every fuzz target",
          "[fuzz][invalid]") {
  const fs::path data = llmsizer::test::data_dir();
  const fs::path profiles = llmsizer::test::profiles_dir();
  std::size_t regressions = 0, total = 0;
  for (const auto& t : llmsizer::fuzz::kTargets) {
    const auto found = inputs_by_target().find(t.name);
    REQUIRE(found != inputs_by_target().end());  // every target has its inputs listed
    std::vector<fs::path> files = files_under(data / "fuzz-regressions" / t.name);
    regressions += files.size();
    for (const auto& f : files_under(data / "fuzz-seeds" / t.name)) files.push_back(f);
    for (const auto& where : found->second) {
      const auto colon = where.find(':');
      const fs::path root = where.substr(0, colon) == "data" ? data : profiles;
      for (const auto& f : files_under(root / where.substr(colon + 1))) files.push_back(f);
    }
    CHECK(files.size() >= 3);
    for (const auto& f : files) {
      INFO("fuzz_" << t.name << " < " << f.string());
      const std::string bytes = read_all(f);
      CHECK(t.run(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()) == 0);
      ++total;
    }
  }
  INFO(total << " inputs, " << regressions << " of them saved fuzz findings");
  CHECK(total >= 250);
}
