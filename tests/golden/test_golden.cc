// test_golden.cc — every output format of every command against its committed expected file
// (tests/golden/<command>/...): the real CLI on the shipped profiles, with the parts that
// depend on the machine (absolute paths, elapsed seconds) masked. README.md says how to
// regenerate them.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "cli/cli_runner.h"
#include "golden/golden.h"
#include "test_paths.h"

namespace fs = std::filesystem;
using namespace llmsizer::test;

namespace {

// The machine-dependent parts of an output, replaced by placeholders.
std::string mask(std::string s, const std::string& out_dir = "") {
  s = replace_all(std::move(s), out_dir, "<out>");
  s = replace_all(std::move(s), shared_data_dir(), "<shared-data>");
  s = replace_all(std::move(s), data_dir(), "<test-data>");
  s = replace_all(std::move(s), profiles_dir(), "<profiles>");
  static const std::regex kSeconds(R"(in [0-9]+\.[0-9]+ s on)");
  // A committed profile used on another CPU is said on stderr; whether it is depends on the
  // machine the tests run on.
  static const std::regex kOtherCpu(
      R"(warning: --profile [^\n]* was measured on another CPU[^\n]*\n)");
  s = std::regex_replace(s, kOtherCpu, "");
  return std::regex_replace(s, kSeconds, "in <seconds> s on");
}

struct Case {
  std::string file;  // under tests/golden/
  std::string args;  // after `llmsizer --profiles <shipped>`
};

void check_cases(const std::vector<Case>& cases) {
  for (const auto& c : cases) {
    INFO("llmsizer " << c.args);
    const auto r = run_cli_captured(c.args);
    CHECK(r.code == 0);
    check_golden(c.file, mask(r.out));
  }
}

// Each format of one command line: <dir>/<name>.<format extension>.
std::vector<Case> formats(const std::string& dir, const std::string& name, const std::string& args,
                          const std::vector<std::string>& fmts, const std::string& flag = "-f") {
  std::vector<Case> out;
  for (const auto& f : fmts) {
    const std::string ext = f == "table" ? "txt" : f;
    out.push_back({dir + "/" + name + "." + ext, args + " " + flag + " " + f});
  }
  return out;
}

std::string measured_profile() {
  return profiles_dir() + "/measured/vm-2026-11-27.yaml";
}

// Runs a study into a fresh directory and checks stdout and every file it wrote, and that it
// wrote exactly the files the golden directory holds.
void check_study(const std::string& name, const std::string& study_file) {
  const fs::path out =
      fs::temp_directory_path() / ("llmsizer-golden-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(out);
  const auto r =
      run_cli_captured("study " + study_file + " --quiet --threads 2 --out " + out.string());
  INFO(r.out);
  CHECK(r.code == 0);
  const fs::path golden = fs::path(golden_dir()) / "study" / name;
  if (updating_golden() && fs::is_directory(golden))  // drop files the study no longer writes
    for (const auto& e : fs::directory_iterator(golden))
      if (e.path().filename() != "study.yaml") fs::remove(e.path());
  check_golden("study/" + name + "/stdout.txt", mask(r.out, out.string()));
  std::set<std::string> written;
  for (const auto& e : fs::directory_iterator(out)) written.insert(e.path().filename().string());
  for (const auto& f : written) check_golden("study/" + name + "/" + f, read_text(out / f));
  if (!updating_golden()) {
    std::set<std::string> expected;
    for (const auto& e : fs::directory_iterator(golden))
      expected.insert(e.path().filename().string());
    expected.erase("stdout.txt");
    expected.erase("study.yaml");  // the input of a test-only study
    CHECK(written == expected);
  }
  fs::remove_all(out);
}

}  // namespace

TEST_CASE("the golden comparison names the first differing line", "[golden]") {
  CHECK_FALSE(first_difference("a\nb 1.5 s\n", "a\nb 1.5 s\n"));
  CHECK_FALSE(first_difference("x 0.30000000000000004\n", "x 0.3\n"));  // last digits only
  CHECK(*first_difference("a\nb 1.5 s\nc\n", "a\nb 1.6 s\nc\n") ==
        "line 2: expected 'b 1.5 s', got 'b 1.6 s'");
  CHECK(*first_difference("a\nb\n", "a\n") == "line 2: expected 'b', got end of file");
  CHECK(*first_difference("a\n", "a") == "the final newline differs");
  CHECK(*first_difference("x 1 s\n", "x 1 ms\n") == "line 1: expected 'x 1 s', got 'x 1 ms'");
  CHECK(mask("in 0.25 s on 2 threads -> " + profiles_dir() + "/x") ==
        "in <seconds> s on 2 threads -> <profiles>/x");
}

TEST_CASE("list: models, hardware, apis, prices and workloads, table and json", "[golden]") {
  std::vector<Case> cases;
  for (const char* what : {"models", "hardware", "apis", "prices", "workloads"})
    for (auto& c :
         formats("list", what, std::string("list ") + what, {"table", "json"}, "--format"))
      cases.push_back(c);
  check_cases(cases);
}

TEST_CASE("show model: table, json and yaml", "[golden]") {
  check_cases(formats("show", "llama-3.1-8b", "show model llama-3.1-8b", {"table", "json", "yaml"},
                      "--format"));
}

TEST_CASE("estimate: table, json, csv and md (datasheet, --explain, measured profile)",
          "[golden]") {
  auto cases = formats("estimate", "llama-3.1-8b-h100",
                       "estimate -m llama-3.1-8b -H h100-sxm -b 8 -p 1024 -n 256",
                       {"table", "json", "csv", "md"});
  for (auto& c : formats("estimate", "mixtral-a100-tp2-explain",
                         "estimate -m mixtral-8x7b -H a100-sxm-80gb --tp 2 -b 16 --explain",
                         {"table", "json"}))
    cases.push_back(c);
  for (auto& c : formats("estimate", "tinyllama-measured",
                         "estimate -m tinyllama-1.1b --profile " + measured_profile() +
                             " -w q4_0 --activations f32 -p 128 -n 16",
                         {"table", "json"}))
    cases.push_back(c);
  check_cases(cases);
}

TEST_CASE("serve: table, json and csv", "[golden]") {
  check_cases(formats("serve", "llama-3.1-8b-l4",
                      "serve -m llama-3.1-8b -H l4 --rate 2rps -p 512 -n 64 --requests 100",
                      {"table", "json", "csv"}));
}

TEST_CASE("plan: table and json", "[golden]") {
  check_cases(formats("plan", "llama-3.1-8b-l4-a10g",
                      "plan -m llama-3.1-8b --rate 10rps -p 512 -n 128 --slo "
                      "ttft_p99=1s,tpot_p99=80ms -H l4,a10g --requests 150 --prices "
                      "l4=0.8,a10g=1.0 --threads 2",
                      {"table", "json"}));
}

TEST_CASE("fit: table and json", "[golden]") {
  check_cases(formats("fit", "l4", "fit -H l4", {"table", "json"}));
}

TEST_CASE("cost: table and json", "[golden]") {
  check_cases(formats("cost", "llama-3.1-8b-l40s-fp8", "cost -m llama-3.1-8b -H l40s -w fp8",
                      {"table", "json"}));
}

TEST_CASE("compare: table and json", "[golden]") {
  check_cases(formats("compare", "llama-3.1-8b-l40s-fp8",
                      "compare -m llama-3.1-8b -H l40s -w fp8 --volume 5e9tok/month",
                      {"table", "json"}));
}

TEST_CASE("accuracy: table, json and md", "[golden]") {
  const std::string data = shared_data_dir() + "/published_calibration.yaml";
  if (!fs::exists(data)) {
    WARN("SKIPPED: no published data at " << data);
    return;
  }
  check_cases(formats("accuracy", "published", "accuracy --data " + data, {"table", "json", "md"}));
}

TEST_CASE("study: datasheet hardware, three charts", "[golden][study]") {
  check_study("quantization-what-if", profiles_dir() + "/studies/quantization-what-if.yaml");
}

TEST_CASE("study: compare, the cost chart", "[golden][study]") {
  check_study("open-models-2023-vs-gpt", profiles_dir() + "/studies/open-models-2023-vs-gpt.yaml");
}

TEST_CASE("study: measured and datasheet hardware", "[golden][study]") {
  check_study("cpu-only-sizing", profiles_dir() + "/studies/cpu-only-sizing.yaml");
}

TEST_CASE("study: measured hardware only", "[golden][study]") {
  check_study("measured-only", golden_dir() + "/study/measured-only/study.yaml");
}
