// test_cli.cc — the llmsizer executable as a user runs it: exit codes, located errors on
// stderr, the documented JSON fields, atomic --out.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>
#include <vector>

#include "cli_runner.h"
#include "test_paths.h"

namespace {

using Run = llmsizer::test::CliRun;

Run run(const std::string& args) {
  return llmsizer::test::run_cli_captured(args);
}

}  // namespace

TEST_CASE("estimate prints memory with units and basis", "[cli]") {
  const auto r = run("estimate -m llama-3.1-8b -H l4 -w q4_k_m -b 8 -p 2048 -n 512");
  INFO(r.out);
  CHECK(r.code == 0);
  CHECK(r.out.find("GiB") != std::string::npos);
  CHECK(r.out.find("basis") != std::string::npos);
  CHECK(r.out.find("datasheet") != std::string::npos);
  CHECK(r.out.find("nan") == std::string::npos);
}

TEST_CASE("estimate --format json has the documented fields", "[cli]") {
  const auto r = run("estimate -m meta-llama/Llama-2-7b-hf -H h100-sxm --format json");
  INFO(r.out);
  CHECK(r.code == 0);
  for (const char* k :
       {"\"id\": \"llama-2-7b\"", "\"params_total\": 6738415616", "\"params_active\"",
        "\"weights_bytes\": 13476831232", "\"kv_cache_bytes_per_token\": 524288",
        "\"kv_cache_bytes\"", "\"activation_bytes\"", "\"total_bytes\"", "\"capacity_bytes\"",
        "\"fits\": true", "\"max_batch\""})
    CHECK(r.out.find(k) != std::string::npos);
}

TEST_CASE("estimate JSON carries latency and throughput with their basis", "[cli][perf]") {
  const auto r = run("estimate -m llama-3.1-70b -H h100-sxm --tp 4 -b 8 -f json --explain");
  INFO(r.out);
  CHECK(r.code == 0);
  for (const char* k :
       {"\"prefill\": {", "\"time_s\"", "\"tokens_per_s\"", "\"decode\": {", "\"time_per_step_s\"",
        "\"latency\": {", "\"ttft_s\"", "\"tpot_s\"", "\"e2e_s\"", "\"throughput\": {",
        "\"output_tokens_per_s\"", "\"output_tokens_per_s_per_device\"", "\"total_tokens_per_s\"",
        "\"efficiency_basis\": \"assumed: datacenter-gpu class default\"",
        "\"name\": \"tp_allreduce\"", "\"bound\": \"communication\"", "\"basis\": \"datasheet\""})
    CHECK(r.out.find(k) != std::string::npos);
  const auto t = run("estimate -m mixtral-8x7b -H a100-sxm-80gb --tp 2 --ep 2 --explain");
  INFO(t.out);
  CHECK(t.code == 0);
  CHECK(t.out.find("ep_all_to_all") != std::string::npos);
  CHECK(t.out.find("time per output token") != std::string::npos);
  const auto u = run("estimate -m llama-2-7b -H h100-sxm --compute-eff 0.5 --memory-eff 0.9");
  CHECK(u.out.find("user (command line)") != std::string::npos);
}

TEST_CASE("serve, plan and fit run as a user runs them", "[cli][serving]") {
  namespace fs = std::filesystem;
  const std::string wl = llmsizer::test::profiles_dir() + "/workloads/chat.yaml";
  auto r = run("serve -m llama-3.1-8b -H h100-sxm -w fp8 --workload " + wl +
               " --requests 300 --slo ttft_p99=1s,tpot_p99=50ms");
  INFO(r.out);
  CHECK(r.code == 0);
  CHECK(r.out.find("time to first token") != std::string::npos);
  CHECK(r.out.find("SLO            ttft_p99=1000ms,tpot_p99=50ms: met") != std::string::npos);
  CHECK(r.out.find("basis: simulated on the datasheet roofline") != std::string::npos);
  const fs::path tl =
      fs::temp_directory_path() / ("llmsizer-cli-timeline-" + std::to_string(getpid()) + ".csv");
  r = run("serve -m llama-3.1-8b -H l4 --rate 2rps -p 512 -n 64 --requests 50 -f json --timeline " +
          tl.string());
  INFO(r.out);
  CHECK(r.code == 0);
  for (const char* k : {"\"ttft_s\": {", "\"p99\"", "\"goodput_requests_per_s\"", "\"kv_mean\"",
                        "\"completed\": 50"})
    CHECK(r.out.find(k) != std::string::npos);
  std::ifstream in(tl);
  std::string header;
  std::getline(in, header);
  CHECK(header == "time_s,step_s,running,waiting,decode_seqs,prefill_tokens,kv_utilization");
  fs::remove(tl);
  r =
      run("plan -m llama-3.1-8b --rate 10rps -p 512 -n 128 --slo ttft_p99=1s,tpot_p99=80ms "
          "-H l4,a10g --requests 150 --prices l4=0.8,a10g=1.0");
  INFO(r.out);
  CHECK(r.code == 0);
  CHECK(r.out.find("plan for Llama 3.1 8B at 10 requests/s") != std::string::npos);
  CHECK(r.out.find("$/hour") != std::string::npos);
  r = run("fit -H rtx-4090 --context 4096");
  CHECK(r.code == 0);
  CHECK(r.out.find("llama-3.1-8b") != std::string::npos);
}

TEST_CASE("serve rejects requests that can never run and counts them", "[cli][serving]") {
  // Beyond one replica's KV capacity (a 24 GB card holds ~61k tokens beside 8B bf16 weights).
  auto r = run("serve -m llama-3.1-8b -H rtx-4090 --rate 5rps -p 100000 -n 100 --requests 50");
  INFO(r.out);
  CHECK(r.code == 0);
  CHECK(r.out.find("0 completed of 50") != std::string::npos);
  CHECK(r.out.find("rejected       50 of 50 requests: need more KV cache") != std::string::npos);
  CHECK(r.out.find("0.0 ms") == std::string::npos);  // no latency for what never ran
  // Beyond the model's context.
  r = run("serve -m llama-3.1-8b -H h100-sxm --rate 5rps -p 200000 -n 100 --requests 20 -f json");
  INFO(r.out);
  CHECK(r.code == 0);
  CHECK(r.out.find("\"rejected_beyond_context\": 20") != std::string::npos);
  CHECK(r.out.find("\"completed\": 0") != std::string::npos);
  CHECK(r.out.find("\"ttft_s\": null") != std::string::npos);
}

TEST_CASE("serve stays within its step bound and says so", "[cli][serving]") {
  const auto r =
      run("serve -m llama-3.1-8b -H h100-sxm --rate 5rps --max-batched-tokens 1 --requests "
          "1000000 -p 8000 --max-steps 200000");
  INFO(r.out);
  CHECK(r.code == 0);
  CHECK(r.out.find("stopped        at the step limit (--max-steps 200000)") != std::string::npos);
  CHECK(r.out.find("in 200000 engine steps") != std::string::npos);
}

TEST_CASE("every command states the precision it ran with and why", "[cli][precision]") {
  // fp8 weights on a device with fp8 tensor cores run W8A8 in every command.
  for (const char* cmd : {"estimate -m llama-3.1-8b -H h100-sxm -w fp8",
                          "serve -m llama-3.1-8b -H h100-sxm -w fp8 --rate 2rps --requests 20",
                          "cost -m llama-3.1-8b -H h100-sxm -w fp8 --usd-per-hour 2"}) {
    const auto r = run(cmd);
    INFO(cmd << "\n" << r.out);
    CHECK(r.code == 0);
    CHECK(r.out.find("activations fp8_e4m3") != std::string::npos);
    CHECK(r.out.find("W8A8") != std::string::npos);
  }
  // A device without fp8 tensor cores runs the same weights weight-only.
  auto r = run("estimate -m llama-3.1-8b -H a100-sxm-80gb -w fp8");
  INFO(r.out);
  CHECK(r.out.find("activations f16: weight-only fp8") != std::string::npos);
  r = run("estimate -m llama-3.1-8b -H h100-sxm -w fp8 --activations f16");
  INFO(r.out);
  CHECK(r.out.find("activations f16: given (--activations)") != std::string::npos);
}

TEST_CASE("compare --slo sizes the layout it is given, and does not cost what cannot meet it",
          "[cli][cost]") {
  auto r =
      run("compare -m llama-3.1-8b -H h100-sxm --tp 2 --volume 5B --slo ttft_p99=1s,tpot_p99=50ms");
  INFO(r.out);
  CHECK(r.code == 0);
  CHECK(r.out.find("one replica serves") != std::string::npos);
  CHECK(r.out.find("dominated") == std::string::npos);
  r = run("compare -m llama-3.1-8b -H h100-sxm --volume 5B --slo ttft_p99=1ms -f json");
  INFO(r.out);
  CHECK(r.code == 0);
  CHECK(r.out.find("\"slo_met\": false") != std::string::npos);
  CHECK(r.out.find("\"versus\": []") != std::string::npos);
}

TEST_CASE("cost and compare price a deployment against APIs", "[cli][cost]") {
  auto r =
      run("cost -m llama-3.1-8b -H h100-sxm -w fp8 --usd-per-hour 2.5 --purchase-usd 30000 "
          "-f json");
  INFO(r.out);
  CHECK(r.code == 0);
  for (const char* k :
       {"\"usd_per_hour\": 2.5", "\"usd_per_mtok_input\"", "\"usd_per_mtok_output\"",
        "\"price_basis\": \"user (--usd-per-hour)\"", "\"capacity\": {"})
    CHECK(r.out.find(k) != std::string::npos);
  r =
      run("compare -m llama-3.1-70b -H h100-sxm --tp 2 -w fp8 --volume 2e9tok/month --mix 3:1 "
          "--usd-per-hour 2.99 --apis openai/gpt-4o-mini");
  INFO(r.out);
  CHECK(r.code == 0);
  CHECK(r.out.find("openai/gpt-4o-mini") != std::string::npos);
  CHECK(r.out.find("sensitivity versus") != std::string::npos);
  CHECK(r.out.find("break-even rent") != std::string::npos);
  r =
      run("compare -m llama-3.1-70b -H h100-sxm --tp 2 -w fp8 --volume 2e9tok/month --as-of "
          "2023-12-31 --apis gpt-3.5-turbo --usd-per-hour 2.99 -f json");
  INFO(r.out);
  CHECK(r.code == 0);
  CHECK(r.out.find("\"as_of\": \"2023-") != std::string::npos);
  r =
      run("compare -m llama-3.1-8b -H l40s -w fp8 --volume 5e9tok/month --apis openai/gpt-4o-mini "
          "--slo ttft_p99=2s,tpot_p99=80ms");
  INFO(r.out);
  CHECK(r.code == 0);
  CHECK(r.out.find("one replica serves") != std::string::npos);
}

TEST_CASE("a study gives the same files on 1 or 2 threads and sharded then merged",
          "[cli][study]") {
  namespace fs = std::filesystem;
  const std::string study = llmsizer::test::profiles_dir() + "/studies/quantization-what-if.yaml";
  const fs::path base =
      fs::temp_directory_path() / ("llmsizer-cli-study-" + std::to_string(getpid()));
  fs::remove_all(base);
  auto read = [](const fs::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  auto r = run("study " + study + " --quiet --threads 1 --out " + (base / "one").string());
  INFO(r.out);
  CHECK(r.code == 0);
  r = run("study " + study + " --quiet --threads 2 --out " + (base / "two").string());
  CHECK(r.code == 0);
  const std::string one = read(base / "one" / "results.csv");
  CHECK(one.size() > 1000);
  CHECK(one == read(base / "two" / "results.csv"));
  const std::string jsonl = read(base / "one" / "results.jsonl");
  CHECK(jsonl.size() > 1000);
  CHECK(jsonl == read(base / "two" / "results.jsonl"));
  CHECK(read(base / "one" / "report.md") == read(base / "two" / "report.md"));
  CHECK(read(base / "one" / "report.md").find("## The winner and why") != std::string::npos);
  CHECK(read(base / "one" / "pareto.svg").find("<svg") != std::string::npos);
  for (int i = 0; i < 3; ++i) {
    r = run("study " + study + " --quiet --shard " + std::to_string(i) + "/3 --out " +
            (base / "sharded").string());
    CHECK(r.code == 0);
  }
  r = run("study " + study + " --quiet --merge --out " + (base / "sharded").string());
  INFO(r.out);
  CHECK(r.code == 0);
  CHECK(read(base / "sharded" / "results.csv") == one);
  r = run("study " + study + " --shard 3/3");
  CHECK(r.code == 2);
  CHECK(r.out.find("--shard: '3/3' is not i/n") != std::string::npos);
  fs::remove_all(base);
}

TEST_CASE("the same inputs give byte-identical output across runs and thread counts",
          "[cli][determinism]") {
  for (const char* args :
       {"estimate -m mixtral-8x7b -H a100-sxm-80gb --tp 2 -b 16 -f json --explain",
        "estimate -m llama-3.1-8b -H l4 -w q4_k_m -b 8 -f csv",
        "serve -m llama-3.1-8b -H l4 --rate 2rps -p 512 -n 64 --requests 100 -f json",
        "compare -m llama-3.1-8b -H l40s -w fp8 --volume 5e9tok/month -f json"}) {
    INFO(args);
    const auto a = run(args), b = run(args);
    CHECK(a.code == 0);
    CHECK(a.out.size() > 200);
    CHECK(a.out == b.out);
  }
  const std::string plan =
      "plan -m llama-3.1-8b --rate 10rps -p 512 -n 128 --slo ttft_p99=1s,tpot_p99=80ms "
      "-H l4,a10g --requests 150 --prices l4=0.8,a10g=1.0 -f json --threads ";
  const auto one = run(plan + "1"), two = run(plan + "2");
  INFO(one.out);
  CHECK(one.code == 0);
  CHECK(one.out == two.out);
}

TEST_CASE("hw describes this host", "[cli][hw]") {
  const auto r = run("hw --format json");
  INFO(r.out);
#ifdef LLMSIZER_TEST_HAVE_PROFILER
  CHECK(r.code == 0);
  CHECK(r.out.find("\"cores\": ") != std::string::npos);
  CHECK(r.out.find("\"usable_memory_bytes\"") != std::string::npos);
#else
  CHECK(r.code == 2);  // estimator-only builds have no profiler
#endif
}

TEST_CASE("bad input exits 2 with a located message, never a crash", "[cli]") {
  struct Case {
    const char* args;
    const char* expect;
  };
  const Case cases[] = {
      {"estimate -m llama-2-7 -H h100-sxm", "<command line>: error: --model: unknown model"},
      {"estimate -m llama-2-7b -H h200x", "error: --hardware: unknown hardware 'h200x'"},
      {"estimate -m llama-2-7b -H h100-sxm -w q4_k_x", "did you mean 'q4_k_s', 'q4_k_m'"},
      {"estimate -m llama-2-7b -H h100-sxm --tp 3", "tp 3 does not divide the 32 attention"},
      {"estimate -m llama-2-7b -H h100-sxm --kv fp7", "--kv: 'fp7' is not a KV-cache dtype"},
      {"estimate -m llama-2-7b -H h100-sxm --kv q2_k", "--kv: 'q2_k' is not a KV-cache dtype"},
      {"estimate -m llama-2-7b -H h100-sxm --activations int4", "--activations: 'int4'"},
      {"estimate -m llama-2-7b -H h100-sxm -b 0", "<command line>: error:"},
      {"estimate -m llama-2-7b -H h100-sxm -b lots", "<command line>: error:"},
      {"estimate -m llama-2-7b -H h100-sxm --overhead 3parsecs", "--overhead: '3parsecs'"},
      {"estimate -m llama-2-7b -H h100-sxm --format xml", "--format: 'xml' is not one of"},
      {"estimate -m /nonexistent/model.yaml -H h100-sxm",
       "/nonexistent/model.yaml: error: no such"},
      {"estimate -m llama-2-7b", "<command line>: error:"},
      {"serve -m llama-2-7b -H h100-sxm", "give a workload YAML (--workload FILE) or a --rate"},
      {"serve -m llama-2-7b -H h100-sxm --rate fast", "--rate: 'fast' is not a rate"},
      {"serve -m llama-2-7b -H h100-sxm --rate 2rps --slo ttft=1s", "--slo: 'ttft=1s' is not"},
      {"serve -m llama-2-7b -H h100-sxm --workload /nonexistent.yaml", "/nonexistent.yaml: error"},
      {"serve -m llama-3.1-405b -H l4 --rate 1rps", "does not fit on 1 x l4"},
      {"plan -m llama-2-7b --rate 2rps --slo ttft_p99=1s -H h1000", "unknown hardware 'h1000'"},
      {"plan -m llama-2-7b --rate 2rps --slo ttft_p99=1s --prices h100-sxm=free",
       "--prices: 'h100-sxm=free'"},
      {"plan -m llama-2-7b --rate 2rps", "<command line>: error:"},
      {"fit -H l4 -w q9_k", "unknown weight scheme 'q9_k'"},
      {"compare -m llama-2-7b -H h100-sxm --volume lots", "--volume: 'lots' is not a monthly"},
      {"compare -m llama-2-7b -H h100-sxm --volume 1e9 --mix 3-1", "--mix: '3-1' is not"},
      {"compare -m llama-2-7b -H h100-sxm --volume 1e9 --apis gpt-9", "no API model 'gpt-9'"},
      {"cost -m llama-2-7b -H h100-sxm --rent forever", "--rent: 'forever' is not one of"},
      {"cost -m llama-3.1-405b -H l4", "does not fit on 1 x l4"},
      {"estimate -m llama-2-7b -H h100-sxm --tp 2 --ep 2", "--ep needs a mixture-of-experts"},
      {"estimate -m mixtral-8x7b -H h100-sxm --ep 2", "--ep 2 must be 1 or equal to --tp 1"},
      {"estimate -m llama-2-7b -H h100-sxm --memory-eff 1.5", "<command line>: error:"},
      {"show model no-such-model", "unknown model 'no-such-model'"},
      {"list gpus", "<command line>: error:"},
      {"frobnicate", "<command line>: error:"},
  };
  for (const auto& c : cases) {
    INFO(c.args);
    const auto r = run(c.args);
    INFO(r.out);
    CHECK(r.code == 2);
    CHECK(r.out.find(c.expect) != std::string::npos);
  }
}

namespace {

// "nan"/"inf" as a word in the output: a computed value that should never be printed.
bool mentions_non_finite(const std::string& text) {
  static const std::regex word(R"(\b(nan|inf|infinity)\b)", std::regex::icase);
  return std::regex_search(text, word);
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
  return s;
}

}  // namespace

// tests/data/invalid/cli/*.args: `# expect: TEXT` lines, then one line of arguments with
// {data}, {profiles} and {tmp} standing for the test-data folder, the shipped catalog and a
// scratch folder. Each must exit 2 with every expected text (the option name or
// file:line:col) in its output and no NaN/inf.
TEST_CASE("bad-input corpus: every CLI case exits 2 with a located message", "[cli][invalid]") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(llmsizer::test::data_dir()) / "invalid" / "cli";
  const fs::path tmp = fs::temp_directory_path() / "llmsizer-cli-invalid";
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".args") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    INFO("case " << f.string());
    std::ifstream in(f);
    std::vector<std::string> expect;
    std::string line, args;
    while (std::getline(in, line)) {
      if (line.rfind("# expect: ", 0) == 0)
        expect.push_back(line.substr(10));
      else if (!line.empty())
        args = line;
    }
    args = replace_all(args, "{data}", llmsizer::test::data_dir());
    args = replace_all(args, "{profiles}", llmsizer::test::profiles_dir());
    args = replace_all(args, "{tmp}", tmp.string());
    INFO("llmsizer " << args);
    const auto r = run(args);
    INFO(r.out);
    CHECK_FALSE(expect.empty());
    CHECK(r.code == 2);
    for (const auto& e : expect) CHECK(r.out.find(e) != std::string::npos);
    CHECK_FALSE(mentions_non_finite(r.out));
  }
  CHECK(files.size() >= 20);
  fs::remove_all(tmp);
}

namespace {

// The document fixtures under tests/data/invalid/<kind>/ given to the command that reads
// them: exit 2, an error located in the fixture (its path starts the message), no NaN/inf.
// `per_kind` fixtures of each kind (0 = all; each run loads the catalog, ~0.2 s under ASan).
void invalid_documents_through_cli(std::size_t per_kind) {
  namespace fs = std::filesystem;
  const fs::path root = fs::path(llmsizer::test::data_dir()) / "invalid";
  const fs::path tmp = fs::temp_directory_path() / "llmsizer-cli-invalid-docs";
  const std::pair<const char*, const char*> kinds[] = {
      {"model", "estimate -m {} -H h100-sxm"},
      {"hf_config", "estimate -m {} -H h100-sxm"},
      {"gguf", "estimate -m {} -H h100-sxm"},
      {"hardware", "estimate -m llama-2-7b -H {}"},
      {"workload", "serve -m llama-2-7b -H h100-sxm --workload {}"},
      {"study", "study {} --quiet --out "},
  };
  int n = 0;
  for (const auto& [kind, pattern] : kinds) {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(root / kind))
      if (e.path().extension() != ".expect") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    if (per_kind > 0 && files.size() > per_kind) {  // spread the sample over the sorted list
      std::vector<fs::path> sample;
      for (std::size_t i = 0; i < per_kind; ++i)
        sample.push_back(files[i * files.size() / per_kind]);
      files = sample;
    }
    for (const auto& f : files) {
      std::string args = replace_all(pattern, "{}", f.string());
      if (std::string(kind) == "study") args += tmp.string();
      INFO("llmsizer " << args);
      const auto r = run(args);
      INFO(r.out);
      CHECK(r.code == 2);
      CHECK(r.out.find(f.string() + ":") != std::string::npos);
      CHECK(r.out.find("error:") != std::string::npos);
      std::ifstream raw(f, std::ios::binary);
      const std::string content((std::istreambuf_iterator<char>(raw)), {});
      if (!mentions_non_finite(content)) CHECK_FALSE(mentions_non_finite(r.out));
      ++n;
    }
  }
  CHECK(n >= (per_kind == 0 ? 60 : 6 * static_cast<int>(per_kind)));
  fs::remove_all(tmp);
}

}  // namespace

TEST_CASE("bad-input corpus: invalid documents given to the CLI exit 2 (sample)",
          "[cli][invalid]") {
  invalid_documents_through_cli(3);
}

TEST_CASE("bad-input corpus: every invalid document given to the CLI exits 2",
          "[.slow][cli][invalid]") {
  invalid_documents_through_cli(0);
}

TEST_CASE("a broken catalog is reported with file:line:col", "[cli]") {
  namespace fs = std::filesystem;
  const fs::path dir =
      fs::temp_directory_path() / ("llmsizer-cli-broken-catalog-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "models");
  fs::create_directories(dir / "hardware");
  std::ofstream(dir / "models" / "bad.yaml") << "schema: model\nschema_version: 1\nid: bad\n"
                                                "name: [unclosed\n";
  const std::string cmd =
      std::string(LLMSIZER_CLI_PATH) + " --profiles " + dir.string() + " list models 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p);
  std::string out;
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  const int status = pclose(p);
  INFO(out);
  CHECK(WEXITSTATUS(status) == 2);
  CHECK(out.find("bad.yaml:") != std::string::npos);
  CHECK(out.find("error: YAML syntax error") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("--out writes the whole report atomically", "[cli]") {
  namespace fs = std::filesystem;
  // A private folder: other tests create and delete files in the temp dir concurrently.
  const fs::path dir =
      fs::temp_directory_path() / ("llmsizer-cli-out-test-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path out = dir / "report.json";
  const auto r = run("estimate -m llama-2-7b -H h100-sxm -f json -o " + out.string());
  INFO(r.out);
  CHECK(r.code == 0);
  std::ifstream in(out);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  CHECK(text.find("\"max_batch\"") != std::string::npos);
  REQUIRE_FALSE(text.empty());
  CHECK(text.back() == '\n');
  std::size_t files = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    ++files;
    CHECK(e.path().filename() == "report.json");  // no temporary left behind
  }
  CHECK(files == 1);
  fs::remove_all(dir);
}

namespace {

// Starts `llmsizer study` on a study of some millions of points, waits until the results
// temporary exists (the run is streaming), sends `sig` and waits for the exit.
int interrupt_study(const std::filesystem::path& study, const std::filesystem::path& out, int sig) {
  namespace fs = std::filesystem;
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    const int devnull = ::open("/dev/null", O_WRONLY);
    dup2(devnull, 1);
    dup2(devnull, 2);
    const std::string profiles = llmsizer::test::profiles_dir();
    execl(LLMSIZER_CLI_PATH, LLMSIZER_CLI_PATH, "--profiles", profiles.c_str(), "study",
          study.c_str(), "--quiet", "--threads", "2", "--out", out.c_str(), nullptr);
    _exit(127);
  }
  auto has_temp = [&] {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(out, ec))
      if (e.path().filename().string().rfind(".results.csv.tmp.", 0) == 0) return true;
    return false;
  };
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  int status = 0;
  bool exited = false;
  while (!has_temp() && elapsed() < 60)
    if (waitpid(pid, &status, WNOHANG) == pid) {
      exited = true;
      break;
    }
  if (!exited) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // mid-stream
    kill(pid, sig);
    while (waitpid(pid, &status, WNOHANG) == 0 && elapsed() < 90)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (elapsed() >= 90) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      FAIL("the study did not stop within 90 s of the signal");
    }
  }
  REQUIRE_FALSE(exited);  // it must still have been running when the signal came
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

TEST_CASE("an interrupted study leaves the old results or none, and no temporaries",
          "[cli][study][atomic]") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / "llmsizer-cli-interrupt";
  fs::remove_all(dir);
  fs::create_directories(dir / "out");
  struct Cleanup {
    fs::path dir;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  } cleanup{dir};
  const fs::path study = dir / "big.yaml";
  // 2 x 1024 x 127 = 260,096 points: seconds of work, interrupted after a moment.
  std::ofstream(study) << "schema: study\nschema_version: 1\nid: big\ntitle: Big\n"
                          "question: Interrupted?\nevaluate: estimate\nbase:\n"
                          "  model: llama-3.1-8b\n  output: 64\nsweep:\n  grid:\n"
                          "    hardware: [h100-sxm, l4]\n  ranges:\n"
                          "    batch: {from: 1, to: 1024, step: 1}\n"
                          "    prompt: {from: 64, to: 8128, step: 64}\n";
  auto listing = [&] {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir / "out"))
      names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  };
  for (const int sig : {SIGINT, SIGTERM}) {
    INFO("signal " << sig);
    // With earlier results in place: they stay, whole.
    std::ofstream(dir / "out" / "results.csv") << "old results\n";
    std::ofstream(dir / "out" / "results.jsonl") << "{\"old\": 1}\n";
    CHECK(interrupt_study(study, dir / "out", sig) == 128 + sig);
    CHECK(listing() == std::vector<std::string>{"results.csv", "results.jsonl"});
    std::ifstream in(dir / "out" / "results.csv");
    std::string line;
    std::getline(in, line);
    CHECK(line == "old results");
    // Without: nothing is left at all.
    fs::remove(dir / "out" / "results.csv");
    fs::remove(dir / "out" / "results.jsonl");
    CHECK(interrupt_study(study, dir / "out", sig) == 128 + sig);
    CHECK(listing().empty());
  }
}

TEST_CASE("list and show run on the whole catalog", "[cli]") {
  auto r = run("list models");
  CHECK(r.code == 0);
  CHECK(r.out.find("deepseek-v3") != std::string::npos);
  r = run("list hardware --format json");
  CHECK(r.code == 0);
  CHECK(r.out.find("\"short_name\": \"h100-sxm\"") != std::string::npos);
  r = run("show model mixtral-8x7b");
  CHECK(r.code == 0);
  CHECK(r.out.find("published total 46,702,792,704 (matches)") != std::string::npos);
  r = run("estimate --help");
  CHECK(r.code == 0);
  CHECK(r.out.find("--weights") != std::string::npos);
}

TEST_CASE("estimate --profile times ops from a measured profile", "[cli][measured]") {
  const std::string profile = llmsizer::test::profiles_dir() + "/measured/vm-2026-11-27.yaml";
  auto r = run("estimate -m tinyllama-1.1b --profile " + profile +
               " -w q4_0 --activations f32 -p 128 -n 16 --format json --explain");
  INFO(r.out);
  CHECK(r.code == 0);
  CHECK(r.out.find("\"time_basis\"") != std::string::npos);
  CHECK(r.out.find("\"basis\": \"datasheet\"") == std::string::npos);  // no op on a datasheet
  CHECK(r.out.find("vm-2026-11-27") != std::string::npos);
  CHECK(r.out.find("nan") == std::string::npos);
  // The profile is the hardware: a datasheet device as well is a contradiction.
  r = run("estimate -m tinyllama-1.1b --profile " + profile + " -H h100-sxm");
  INFO(r.out);
  CHECK(r.code == 2);
  CHECK(r.out.find("--calibrate") != std::string::npos);
  r = run("estimate -m tinyllama-1.1b --profile " + profile + " --threads 64");
  INFO(r.out);
  CHECK(r.code == 2);
  CHECK(r.out.find("--threads") != std::string::npos);
  r = run("estimate -m tinyllama-1.1b --profile /nonexistent/profile.yaml");
  INFO(r.out);
  CHECK(r.code == 2);
  r = run("estimate -m tinyllama-1.1b");
  INFO(r.out);
  CHECK(r.code == 2);
  CHECK(r.out.find("--hardware") != std::string::npos);
}

TEST_CASE("estimate states its expected error from the committed validation results",
          "[cli][band]") {
  const auto r = run("estimate -m llama-2-7b -H h100-sxm --format json");
  INFO(r.out);
  CHECK(r.code == 0);
  CHECK(r.out.find("\"error_band\"") != std::string::npos);
  CHECK(r.out.find("\"basis\": \"datasheet\"") != std::string::npos);
  CHECK(r.out.find("validation/accuracy-") != std::string::npos);
  const auto t = run("estimate -m llama-2-7b -H h100-sxm");
  CHECK(t.out.find("expected error") != std::string::npos);
}
