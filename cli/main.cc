// main.cc — the `llmsizer` executable: parse the command line (CLI11), call the library,
// print. Exit codes: 0 success, 2 bad input (located diagnostics on stderr).
#include <cstdio>
#include <cstdlib>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/commands.h"

namespace {

std::string default_profiles() {
  if (const char* env = std::getenv("LLMSIZER_PROFILES"); env && *env) return env;
  return LLMSIZER_DEFAULT_PROFILES;
}

}  // namespace

int main(int argc, char** argv) {
  using llmsizer::cli::EstimateOptions;
  using llmsizer::cli::GlobalOptions;

  CLI::App app{
      "llmsizer: what hardware you need, and what it costs, to run an open LLM.\n"
      "Models are named by catalog id (llama-3.1-8b), Hugging Face repo\n"
      "(meta-llama/Llama-3.1-8B), or a path to a model YAML, a config.json or a .gguf file.\n"
      "Hardware by short name (h100-sxm) or a hardware YAML. Sizes are bytes (GiB = 2^30)."};
  app.require_subcommand(1);
  GlobalOptions g;
  g.profiles = default_profiles();
  app.add_option("--profiles", g.profiles,
                 "catalog root with models/ and hardware/ (default: $LLMSIZER_PROFILES or the "
                 "shipped profiles/)");

  auto* list = app.add_subcommand("list", "list catalog models or hardware");
  std::string list_what;
  std::string list_format = "table";
  list->add_option("what", list_what, "models | hardware")
      ->required()
      ->check(CLI::IsMember({"models", "hardware"}));
  list->add_option("--format", list_format, "table | json")->capture_default_str();

  auto* show = app.add_subcommand("show",
                                  "show a model's architecture, parameter breakdown, "
                                  "weight size per dtype and KV cache per token");
  std::string show_what, show_name, show_format = "table";
  show->add_option("what", show_what, "model")->required()->check(CLI::IsMember({"model"}));
  show->add_option("name", show_name, "catalog name, HF repo id, or path (.yaml/.json/.gguf)")
      ->required();
  show->add_option("--format", show_format, "table | json | yaml")->capture_default_str();

  auto* est = app.add_subcommand(
      "estimate",
      "memory per device (weights, KV cache, activations, overhead, fit, largest batch and "
      "context) and latency/throughput (prefill, TTFT, time per output token, end-to-end, "
      "tokens/s) from the datasheet roofline");
  EstimateOptions o;
  est->add_option("-m,--model", o.model, "model name or file")->required();
  est->add_option("-H,--hardware", o.hardware, "device short name or hardware YAML")->required();
  est->add_option("--count", o.count,
                  "devices in total (default tp x pp; a multiple adds "
                  "data-parallel replicas)")
      ->check(CLI::Range(1, 1 << 20));
  est->add_option("--tp", o.tp, "tensor-parallel degree")
      ->check(CLI::Range(1, 1 << 12))
      ->capture_default_str();
  est->add_option("--pp", o.pp, "pipeline-parallel stages")
      ->check(CLI::Range(1, 1 << 12))
      ->capture_default_str();
  est->add_option("-w,--weights", o.weights,
                  "weight scheme: f32 f16 bf16 fp8 int8 int4[-gN] q8_0 q4_0 q4_1 q5_0 q5_1 q2_k "
                  "q3_k_s/m/l q4_k_s/m q5_k_s/m q6_k (default bf16; a .gguf model: as stored)");
  est->add_option("--kv", o.kv, "KV-cache dtype (f16, bf16, fp8_e4m3, q8_0, ...)")
      ->capture_default_str();
  est->add_option("--activations", o.activations, "activation dtype")->capture_default_str();
  est->add_option("-b,--batch", o.batch, "concurrent sequences")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 24))
      ->capture_default_str();
  est->add_option("-p,--prompt", o.prompt, "prompt tokens per sequence")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 32))
      ->capture_default_str();
  est->add_option("-n,--output", o.output, "output tokens per sequence")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 32))
      ->capture_default_str();
  est->add_option("--overhead", o.overhead,
                  "runtime reserve per device, e.g. 1.5GiB (default by hardware class, "
                  "basis: assumed)");
  est->add_option("--ep", o.ep, "expert parallelism for MoE models: 1, or equal to --tp")
      ->check(CLI::Range(1, 1 << 12))
      ->capture_default_str();
  est->add_option("--compute-eff", o.compute_eff,
                  "fraction of the datasheet FLOP/s kernels reach (default per hardware class)")
      ->check(CLI::Range(0.001, 1.0));
  est->add_option("--memory-eff", o.memory_eff,
                  "fraction of the datasheet bandwidth kernels reach (default per class)")
      ->check(CLI::Range(0.001, 1.0));
  est->add_option("--kernel-overhead-us", o.kernel_overhead_us,
                  "fixed cost per kernel launch in microseconds (default per class)")
      ->check(CLI::Range(0.0, 1e6));
  est->add_flag("--explain", o.explain,
                "print the per-op table of each phase: time, FLOPs, bytes, bound, share");
  est->add_option("-f,--format", o.format, "table | json | csv | md")->capture_default_str();
  est->add_option("-o,--out", o.out, "write the report to FILE (atomically) instead of stdout");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "<command line>: error: %s\n", e.what());
    std::fprintf(stderr, "run `llmsizer %s--help` for the options\n",
                 app.get_subcommands().empty()
                     ? ""
                     : (app.get_subcommands().front()->get_name() + " ").c_str());
    return 2;
  }

  if (list->parsed()) return llmsizer::cli::run_list(g, list_what, list_format);
  if (show->parsed()) return llmsizer::cli::run_show_model(g, show_name, show_format);
  if (est->parsed()) return llmsizer::cli::run_estimate(g, o);
  return 2;
}
