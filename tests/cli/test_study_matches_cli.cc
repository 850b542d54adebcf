// test_study_matches_cli.cc — a study point and the command it stands for give the same
// figures, digit for digit: both resolve into one estimator::Deployment, take their defaults
// from estimator/command_args.h and apply the same precision rule (docs/studies.md).
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "cli_runner.h"

namespace {

namespace fs = std::filesystem;

// A CSV header and one data row as column -> text.
std::map<std::string, std::string> csv_row(const std::string& header, const std::string& row) {
  auto split = [](const std::string& s) {
    std::vector<std::string> out;
    std::stringstream ss(s);
    for (std::string cell; std::getline(ss, cell, ',');) out.push_back(cell);
    return out;
  };
  const auto names = split(header), cells = split(row);
  REQUIRE(names.size() == cells.size());
  std::map<std::string, std::string> m;
  for (std::size_t i = 0; i < names.size(); ++i) m[names[i]] = cells[i];
  return m;
}

// Runs a one-point study of `evaluate` over `base` (YAML lines) and returns its only
// results.csv row as column -> text.
std::map<std::string, std::string> study_row(const std::string& evaluate, const std::string& base) {
  const fs::path dir =
      fs::temp_directory_path() / ("llmsizer-study-cli-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  {
    std::ofstream f(dir / "s.yaml");
    f << "schema: study\nschema_version: 1\nid: s\ntitle: S\nquestion: Q?\nevaluate: " << evaluate
      << "\nbase:\n"
      << base;
  }
  const auto r = llmsizer::test::run_cli_captured("study " + (dir / "s.yaml").string() +
                                                  " --quiet --out " + (dir / "out").string());
  INFO(r.out);
  REQUIRE(r.code == 0);
  std::ifstream in(dir / "out" / "results.csv");
  std::string header, row;
  std::getline(in, header);
  std::getline(in, row);
  fs::remove_all(dir);
  return csv_row(header, row);
}

// The CSV output of a command as column -> text (one data row).
std::map<std::string, std::string> cli_csv(const std::string& args) {
  const auto r = llmsizer::test::run_cli_captured(args + " -f csv");
  INFO(r.out);
  REQUIRE(r.code == 0);
  std::stringstream ss(r.out);
  std::string header, row;
  std::getline(ss, header);
  std::getline(ss, row);
  return csv_row(header, row);
}

// The first value of "key": NUMBER in a JSON text.
std::string json_number(const std::string& text, const std::string& key) {
  std::smatch m;
  const std::regex re("\"" + key + "\": ([-0-9.eE+]+)");
  return std::regex_search(text, m, re) ? m[1].str() : std::string("<absent>");
}

}  // namespace

TEST_CASE("a study's estimate point equals `llmsizer estimate`", "[cli][study][consistency]") {
  // No output length given: both take estimate's default (512), and fp8 on an H100 runs
  // W8A8 in both.
  const auto s = study_row("estimate",
                           "  model: llama-3.1-8b\n  hardware: h100-sxm\n  weights: fp8\n"
                           "  batch: 8\n  prompt: 1024\n");
  const auto c = cli_csv("estimate -m llama-3.1-8b -H h100-sxm -w fp8 -b 8 -p 1024");
  CHECK(s.at("output") == c.at("output_tokens"));
  for (const char* k : {"ttft_s", "tpot_s", "e2e_s", "max_batch", "output_tokens_per_s"})
    CHECK(s.at(k) == c.at(k));
  CHECK(std::stod(s.at("total_gib")) * 1073741824.0 == Approx(std::stod(c.at("total_bytes"))));
  CHECK(std::stod(s.at("activation_gib")) * 1073741824.0 ==
        Approx(std::stod(c.at("activation_bytes"))));
}

TEST_CASE("a study's estimate point with `count` equals `estimate --count`",
          "[cli][study][consistency]") {
  const auto s =
      study_row("estimate", "  model: llama-3.1-8b\n  hardware: l40s\n  batch: 4\n  count: 4\n");
  const auto c = cli_csv("estimate -m llama-3.1-8b -H l40s -b 4 --count 4");
  CHECK(s.at("devices") == c.at("devices"));
  CHECK(s.at("output_tokens_per_s") == c.at("output_tokens_per_s"));
}

TEST_CASE("a study's serve point equals `llmsizer serve`", "[cli][study][consistency]") {
  const auto s = study_row("serve",
                           "  model: llama-3.1-8b\n  hardware: h100-sxm\n  weights: fp8\n"
                           "  rate: 5rps\n  prompt: 512\n  output: 128\n  requests: 200\n");
  const auto c =
      cli_csv("serve -m llama-3.1-8b -H h100-sxm -w fp8 --rate 5rps -p 512 -n 128 --requests 200");
  for (const char* k : {"ttft_p50_s", "ttft_p99_s", "tpot_p50_s", "tpot_p99_s", "e2e_p99_s",
                        "requests_per_s", "output_tokens_per_s", "goodput_requests_per_s"})
    CHECK(s.at(k) == c.at(k));
}

TEST_CASE("a study's plan point equals `llmsizer plan`", "[cli][study][consistency]") {
  // No probe size given: both simulate the planner's default number of requests.
  const auto s = study_row("plan",
                           "  model: llama-3.1-8b\n  hardware: l4\n  weights: bf16\n"
                           "  rate: 10rps\n  prompt: 512\n  output: 128\n"
                           "  slo: ttft_p99=1s,tpot_p99=80ms\n  max_devices: 2\n");
  const auto r = llmsizer::test::run_cli_captured(
      "plan -m llama-3.1-8b -H l4 -w bf16 --rate 10rps -p 512 -n 128 "
      "--slo ttft_p99=1s,tpot_p99=80ms --max-devices 2 --max-batch 256 -f json");
  INFO(r.out);
  REQUIRE(r.code == 0);
  CHECK(s.at("max_rate_per_replica") == json_number(r.out, "max_requests_per_s_per_replica"));
  CHECK(s.at("replicas") == json_number(r.out, "replicas"));
  CHECK(s.at("tp") == json_number(r.out, "tp"));
  CHECK(s.at("ttft_p99_s") == json_number(r.out, "ttft_p99_s"));
}
