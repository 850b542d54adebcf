// test_measured_profiles.cc — catalog lint for measured hardware profiles: every file under
// profiles/measured/ loads as a `hardware-profile` with zero diagnostics and writes back
// byte-identical (the writer is deterministic, so committed profiles stay canonical).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "schema/hardware_profile.h"
#include "test_paths.h"

using namespace llmsizer;
namespace fs = std::filesystem;

TEST_CASE("every measured profile loads cleanly and is canonical", "[schema][catalog]") {
  const fs::path dir = fs::path(test::profiles_dir()) / "measured";
  if (!fs::is_directory(dir)) return;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() != ".yaml") continue;
    INFO(e.path().string());
    core::Diagnostics d;
    const auto p = schema::load_hardware_profile_yaml(e.path().string(), d);
    INFO(d.format());
    REQUIRE(p);
    CHECK(d.empty());
    std::ifstream in(e.path(), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    CHECK(schema::write_hardware_profile_yaml(*p) == text.str());
  }
}
