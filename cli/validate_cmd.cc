// validate_cmd.cc — `llmsizer validate` (validate_cmd.h): parses the options, runs the
// self-validation harness (validation/self_validation.h) and prints its result.
#include "cli/validate_cmd.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <thread>

#include "cli/deployment.h"
#include "cli/output.h"
#include "validation/self_validation.h"

namespace llmsizer::cli {

CLI::App* add_validate_command(CLI::App& app, ValidateOptions& o) {
  auto* v = app.add_subcommand(
      "validate",
      "run the reference decoder on this host (random weights, real shapes), measure prefill "
      "time, decode time per token at several contexts and peak RSS, and compare with the "
      "measured-profile prediction; exits 1 when an error exceeds --tolerance");
  v->add_option("-m,--model", o.models, "model(s) (catalog name or file), comma-separated")
      ->delimiter(',')
      ->capture_default_str();
  v->add_option("-w,--weights", o.weights,
                "weight dtype(s) of every matrix: f32 f16 q8_0 q4_0 q4_k (comma-separated)")
      ->delimiter(',')
      ->capture_default_str();
  v->add_option("-p,--prompt", o.prompts, "prompt length(s) to time the prefill of")
      ->delimiter(',')
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 20))
      ->capture_default_str();
  v->add_option("--contexts", o.contexts, "cached contexts to time a decode step at")
      ->delimiter(',')
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 20))
      ->capture_default_str();
  v->add_option("--decode-steps", o.decode_steps, "decode steps timed at each context")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 16))
      ->capture_default_str();
  v->add_option("-t,--threads", o.threads, "thread count(s) (default: all cores)")
      ->delimiter(',')
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 12));
  v->add_option("--kv", o.kv, "KV-cache dtype: f32 f16 q8_0")->capture_default_str();
  v->add_option("--profile", o.profile,
                "hardware profile to predict from (default: this host's newest under "
                "<profiles>/measured/)");
  v->add_option("--tolerance", o.tolerance_pct, "largest accepted |error| in percent")
      ->check(CLI::Range(0.0, 1e6))
      ->capture_default_str();
  v->add_flag("--matrix", o.matrix,
              "run the validation matrix (TinyLlama f32/q8_0/q4_0, Llama-2-7B q8_0/q4_0, "
              "Llama-3-8B q4_0; prompts 128, 512; contexts 128, 1024; 1 and all threads)");
  v->add_option(
      "--weights-dir", o.weights_dir,
      "keep the random weights in files here (created once, then read into huge-page memory on "
      "each run; big models start in seconds)");
  v->add_option("-f,--format", o.format, "table | json")->capture_default_str();
  v->add_option("-o,--out", o.out, "write the report to FILE (atomically)");
  v->add_option("--json-out", o.json_out,
                "also write the JSON result to FILE (atomically), whatever --format says");
  return v;
}

int run_validate(const GlobalOptions& g, const ValidateOptions& o) {
  core::Diagnostics d;
  check_format(o.format, {"table", "json"}, d);
  const std::int64_t cores = std::max<unsigned>(1, std::thread::hardware_concurrency());
  validation::RunPlan plan;
  plan.prompts = o.prompts;
  plan.contexts = o.contexts;
  plan.threads = o.threads;
  plan.decode_steps = o.decode_steps;
  plan.weights_dir = o.weights_dir;
  plan.progress = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
  if (o.matrix) validation::apply_matrix(plan, cores);
  validation::apply_defaults(plan, cores);
  const auto kv = validation::parse_kv_dtype(o.kv, kCmdLine, d);
  if (kv) plan.kv = *kv;
  auto cat = catalog(g, d);
  std::string profile_path = o.profile;
  if (profile_path.empty()) {
    if (auto p = newest_host_profile(g.profiles, d)) profile_path = *p;
  }
  std::optional<schema::HardwareProfile> profile;
  if (!profile_path.empty()) profile = schema::load_hardware_profile_yaml(profile_path, d);
  if (d.has_errors() || !cat || !profile) return fail(d);

  // Resolve every cell first so that a typo fails before minutes of measuring.
  std::vector<std::pair<std::string, std::vector<std::string>>> models;
  if (o.matrix) {
    for (const auto& r : validation::matrix_rows()) models.emplace_back(r.model, r.weights);
  } else {
    for (const auto& m : o.models) models.emplace_back(m, o.weights);
  }
  const auto cells = validation::resolve_cells(*cat, models, kCmdLine, d);
  validation::check_plan(plan, *profile, kCmdLine, d);
  if (d.has_errors()) return fail(d);

  const auto result = validation::run(cells, plan, *profile);
  if (!result.error.empty()) {
    d.error(kCmdLine, "--model", result.error);
    return fail(d);
  }
  const validation::ResultContext ctx{&*profile, plan.kv, plan.decode_steps,
                                      o.tolerance_pct / 100.0};
  const std::string json = validation::to_json(result, ctx);
  if (!emit(o.out, o.format == "json" ? json : validation::to_table(result, ctx), d))
    return fail(d);
  if (!o.json_out.empty() && !emit(o.json_out, json, d)) return fail(d);
  return validation::beyond(result.metrics, ctx.tolerance) == 0 && result.logits_finite ? 0 : 1;
}

}  // namespace llmsizer::cli
