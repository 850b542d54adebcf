// test_output_paths.cc — the CLI's output files on unusual paths, as a user gives them:
// a full device is an error (exit 2) and stays a device, /dev/null is written through, a
// symlink (to a file, or a study's output folder) is followed and kept.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

#include "cli_runner.h"
#include "test_paths.h"

namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path dir;
  explicit TempDir(const std::string& name) {
    dir = fs::temp_directory_path() / (name + "-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const std::string kEstimate = "estimate -m llama-3.1-8b -H h100-sxm";

}  // namespace

TEST_CASE("writing a report to /dev/full exits 2 with the reason and leaves the device alone",
          "[cli][out]") {
  if (!fs::is_character_file("/dev/full")) {
    WARN("no /dev/full on this host");
    return;
  }
  const auto r = llmsizer::test::run_cli_captured(kEstimate + " -o /dev/full");
  INFO(r.out);
  CHECK(r.code == 2);
  CHECK_THAT(r.out, Catch::Contains("/dev/full: error: --out: cannot write"));
  CHECK_THAT(r.out, Catch::Contains("No space left on device"));
  CHECK(fs::is_character_file(fs::symlink_status("/dev/full")));
}

TEST_CASE("writing a report to /dev/null succeeds and /dev/null stays a device", "[cli][out]") {
  const auto r = llmsizer::test::run_cli_captured(kEstimate + " -o /dev/null");
  INFO(r.out);
  CHECK(r.code == 0);
  CHECK(fs::is_character_file(fs::symlink_status("/dev/null")));
}

TEST_CASE("writing a report into a missing directory exits 2 naming the directory", "[cli][out]") {
  TempDir t("llmsizer-cli-missing");
  const auto r =
      llmsizer::test::run_cli_captured(kEstimate + " -o " + (t.dir / "absent" / "x.txt").string());
  INFO(r.out);
  CHECK(r.code == 2);
  CHECK_THAT(r.out, Catch::Contains((t.dir / "absent").string() + " does not exist"));
}

TEST_CASE("writing a report to a symlink writes the link's target and keeps the link",
          "[cli][out]") {
  TempDir t("llmsizer-cli-symlink");
  std::ofstream(t.dir / "real.txt") << "old\n";
  fs::create_symlink("real.txt", t.dir / "link.txt");
  const auto to_stdout = llmsizer::test::run_cli_captured(kEstimate);
  REQUIRE(to_stdout.code == 0);
  const auto r =
      llmsizer::test::run_cli_captured(kEstimate + " -o " + (t.dir / "link.txt").string());
  INFO(r.out);
  CHECK(r.code == 0);
  CHECK(fs::is_symlink(fs::symlink_status(t.dir / "link.txt")));
  CHECK(slurp(t.dir / "real.txt") == to_stdout.out);
}

TEST_CASE("a study's --out through a symlink fills the linked folder and files", "[cli][out]") {
  TempDir t("llmsizer-cli-study-link");
  const std::string study = llmsizer::test::profiles_dir() + "/studies/quantization-what-if.yaml";
  fs::create_directories(t.dir / "real");
  fs::create_symlink("real", t.dir / "out");
  // results.csv itself a link to a file elsewhere: that file gets the results.
  fs::create_directories(t.dir / "elsewhere");
  fs::create_symlink(t.dir / "elsewhere" / "results.csv", t.dir / "real" / "results.csv");
  auto r = llmsizer::test::run_cli_captured("study " + study + " --quiet --threads 1 --out " +
                                            (t.dir / "out").string());
  INFO(r.out);
  CHECK(r.code == 0);
  CHECK(fs::is_symlink(fs::symlink_status(t.dir / "out")));
  CHECK(fs::is_symlink(fs::symlink_status(t.dir / "real" / "results.csv")));
  const std::string csv = slurp(t.dir / "elsewhere" / "results.csv");
  CHECK(csv.size() > 1000);
  CHECK(slurp(t.dir / "real" / "report.md").find("## The winner and why") != std::string::npos);
  // A results file that cannot be written: exit 2, the reason, the device untouched.
  if (fs::is_character_file("/dev/full")) {
    fs::remove(t.dir / "real" / "results.csv");
    fs::create_symlink("/dev/full", t.dir / "real" / "results.csv");
    r = llmsizer::test::run_cli_captured("study " + study + " --quiet --threads 1 --out " +
                                         (t.dir / "out").string());
    CHECK(r.code == 2);
    CHECK_THAT(r.out, Catch::Contains("No space left on device"));
    CHECK(fs::is_character_file(fs::symlink_status("/dev/full")));
  }
}
