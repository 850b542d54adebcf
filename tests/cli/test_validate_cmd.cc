// test_validate_cmd.cc — `llmsizer validate` on a tiny Llama-shaped model: the loop (decoder
// run, measured-profile prediction, comparison) stays working; errors are located (exit 2).
#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "cli_runner.h"
#include "test_paths.h"

// validate needs the kernels: built only with the profiler (not in estimator-only builds).
#ifdef LLMSIZER_TEST_HAVE_PROFILER

using llmsizer::test::run_cli_captured;

namespace {
const std::string& tiny() {
  static const std::string p = llmsizer::test::data_dir() + "/models/tiny-decoder.yaml";
  return p;
}
const std::string& profile() {
  static const std::string p = llmsizer::test::profiles_dir() + "/measured/vm-2026-11-27.yaml";
  return p;
}
}  // namespace

TEST_CASE("validate runs the decoder and compares with the prediction", "[cli][validate]") {
  // A huge tolerance: timings on a loaded CI box say nothing; the loop must run.
  const auto r = run_cli_captured("validate -m " + tiny() + " -w q8_0 -p 16 --contexts 8,32 " +
                                  "--decode-steps 2 -t 1 --profile " + profile() +
                                  " --tolerance 1e5 --format json");
  INFO(r.out);
  REQUIRE(r.code == 0);
  for (const char* k :
       {"\"schema\": \"validation-result\"", "\"metric\": \"prefill\"",
        "\"metric\": \"decode_step\"", "\"metric\": \"peak_rss\"", "\"context\": 32",
        "\"prompt_tokens\": 16", "\"logits_finite\": true", "\"median_abs_error\"", "\"basis\""})
    CHECK(r.out.find(k) != std::string::npos);
  CHECK(r.out.find("nan") == std::string::npos);
  CHECK(r.out.find("inf") == std::string::npos);
  // A zero tolerance: some error is beyond it, exit 1 (a result, not an input error).
  const auto strict = run_cli_captured("validate -m " + tiny() +
                                       " -w q4_0 -p 8 --contexts 8 --decode-steps 1 -t 1 "
                                       "--profile " +
                                       profile() + " --tolerance 0");
  INFO(strict.out);
  CHECK(strict.code == 1);
  CHECK(strict.out.find("beyond") != std::string::npos);
}

TEST_CASE("validate rejects bad input with located errors", "[cli][validate]") {
  auto r = run_cli_captured("validate -m " + tiny() + " -w q5_1 --profile " + profile());
  INFO(r.out);
  CHECK(r.code == 2);
  CHECK(r.out.find("--weights") != std::string::npos);
  r = run_cli_captured("validate -m mixtral-8x7b --profile " + profile());
  INFO(r.out);
  CHECK(r.code == 2);
  CHECK(r.out.find("cannot run") != std::string::npos);
  r = run_cli_captured("validate -m " + tiny() + " --profile /nonexistent.yaml");
  INFO(r.out);
  CHECK(r.code == 2);
  r = run_cli_captured("validate -m " + tiny() + " -t 999 --profile " + profile());
  INFO(r.out);
  CHECK(r.code == 2);
  CHECK(r.out.find("--threads") != std::string::npos);
}

#endif  // LLMSIZER_TEST_HAVE_PROFILER
