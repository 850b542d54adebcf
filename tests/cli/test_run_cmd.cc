// test_run_cmd.cc — `llmsizer run` as a user runs it on a tiny Llama-shaped model
// (tests/data/models/tiny-decoder.yaml): the table and the documented JSON fields, located
// errors with exit 2 for bad options and refused models, and the weight file.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <string>

#include "cli_runner.h"
#include "test_paths.h"

#ifdef LLMSIZER_TEST_HAVE_PROFILER

namespace {

using Result = llmsizer::test::CliRun;

Result run(const std::string& args) {
  return llmsizer::test::run_cli_captured("run " + args);
}

std::string tiny() {
  return "-m " + llmsizer::test::data_dir() + "/models/tiny-decoder.yaml";
}

bool has(const std::string& s, const std::string& what) {
  return s.find(what) != std::string::npos;
}

}  // namespace

TEST_CASE("run prints tokens/s per phase and the per-op breakdown", "[cli][run]") {
  const auto r = run(tiny() + " -w q8_0 -p 16 -n 4 -t 2");
  INFO(r.out);
  CHECK(r.code == 0);
  for (const char* k : {"prefill", "decode", "t/s", "FLOP/s", "ms per step", "qkv_proj",
                        "attention", "lm_head", "peak RSS", "basis: measured", "KiB"})
    CHECK(has(r.out, k));
  CHECK(!has(r.out, "nan"));
}

TEST_CASE("run --format json has the documented fields", "[cli][run]") {
  const auto r = run(tiny() + " -w q4_k --kv-dtype q8_0 -b 2 -p 8 -n 3 --format json -q");
  INFO(r.out);
  CHECK(r.code == 0);
  for (const char* k :
       {"\"prefill\": {", "\"decode\": {", "\"tokens_per_s\"", "\"peak_rss_bytes\"", "\"seconds\"",
        "\"flops\"", "\"ops\"", "\"ffn_down\"", "\"logits_finite\": true", "\"tokens\": 16",
        "\"tokens\": 6", "\"weights\": \"q4_k\"", "\"kv_dtype\": \"q8_0\"", "\"weights_bytes\""})
    CHECK(has(r.out, k));
  CHECK(!has(r.out, "run:"));  // --quiet: no progress lines
}

TEST_CASE("run rejects bad input with a located message and exit 2", "[cli][run]") {
  auto r = run(tiny() + " -w q5_1");
  CHECK(r.code == 2);
  CHECK(has(r.out, "<command line>: error: --weights: 'q5_1'"));
  r = run(tiny() + " --kv-dtype q4_0");
  CHECK(r.code == 2);
  CHECK(has(r.out, "--kv-dtype"));
  r = run(tiny() + " --format yaml");
  CHECK(r.code == 2);
  r = run(tiny() + " -p 0");
  CHECK(r.code == 2);
  r = run("-m no-such-model");
  CHECK(r.code == 2);
  CHECK(has(r.out, "--model"));
  r = run("-m mixtral-8x7b");
  CHECK(r.code == 2);
  CHECK(has(r.out, "mixture-of-experts"));
  r = run("-m llama-3.1-405b -w f32");
  CHECK(r.code == 2);
  CHECK(has(r.out, "does not fit in memory"));
}

TEST_CASE("run --weights-file creates the file once, then reads or maps it", "[cli][run]") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("llmsizer-run-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string file = (dir / "tiny.bin").string();
  auto r = run(tiny() + " -p 4 -n 1 --format json --weights-file " + file);
  INFO(r.out);
  CHECK(r.code == 0);
  CHECK(has(r.out, "\"weights_source\": \"file-read\""));
  CHECK(fs::exists(file));
  // Read back and mapped, the same weights give the same logits, so the same finite run.
  r = run(tiny() + " -p 4 -n 1 --format json --weights-file " + file);
  CHECK(r.code == 0);
  CHECK(has(r.out, "\"weights_source\": \"file-read\""));
  r = run(tiny() + " -p 4 -n 1 --format json --mmap --weights-file " + file);
  CHECK(r.code == 0);
  CHECK(has(r.out, "\"weights_source\": \"file-mapped\""));
  r = run(tiny() + " -p 4 -n 1 --mmap");
  CHECK(r.code == 2);
  CHECK(has(r.out, "--mmap"));
  r = run(tiny() + " -p 4 -n 1 --seed 2 --weights-file " + file);
  CHECK(r.code == 2);
  CHECK(has(r.out, "--weights-file"));
  fs::remove_all(dir);
}

TEST_CASE("run --help teaches", "[cli][run]") {
  const auto r = run("--help");
  CHECK(r.code == 0);
  for (const char* k : {"--weights-file", "--kv-dtype", "Examples", "random"}) CHECK(has(r.out, k));
}

#endif
