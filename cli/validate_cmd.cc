// validate_cmd.cc — `llmsizer validate` (validate_cmd.h): decoder runs on this host against
// the measured time model's predictions (docs/validation.md#self-validation).
#include "cli/validate_cmd.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <random>
#include <thread>

#include "cli/deployment.h"
#include "cli/output.h"
#include "core/weight_scheme.h"
#include "estimator/estimate.h"
#include "estimator/measured_time.h"
#include "estimator/performance.h"
#include "kernels/decoder/decoder.h"
#include "schema/text_writer.h"

namespace llmsizer::cli {

namespace {

// The validation matrix of issue 6 / docs/validation.md.
struct MatrixRow {
  const char* model;
  std::vector<std::string> weights;
};
const std::vector<MatrixRow>& matrix_rows() {
  static const std::vector<MatrixRow> kRows = {
      {"tinyllama-1.1b", {"f32", "q8_0", "q4_0"}},
      {"llama-2-7b", {"q8_0", "q4_0"}},
      {"llama-3-8b", {"q4_0"}},
  };
  return kRows;
}

// One measured-vs-predicted comparison.
struct Metric {
  std::string model;
  std::string weights;
  std::int64_t threads = 0;
  std::string name;         // prefill | decode_step | peak_rss
  std::int64_t tokens = 0;  // prefill: prompt tokens; decode: context; memory: KV capacity
  double measured = 0;      // seconds or bytes
  double predicted = 0;
  std::string basis;  // of the prediction
  double error() const { return measured > 0 ? (predicted - measured) / measured : 0.0; }
};

// /proc/self/status field in bytes (VmRSS, VmHWM), 0 when unknown.
std::uint64_t proc_status_bytes(const char* key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  const std::string k = std::string(key) + ":";
  while (std::getline(in, line))
    if (line.rfind(k, 0) == 0) return std::stoull(line.substr(k.size())) * 1024ull;
  return 0;
}

// Resets the peak-RSS counter (VmHWM) to the current RSS; false where the kernel refuses.
bool reset_peak_rss() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
  out.flush();
  return static_cast<bool>(out);
}

std::string pct(double e) {
  return fmt::format("{:+.1f}%", 100.0 * e);
}

// A measured or predicted value of metric `m` with its unit (MiB, s or ms).
std::string human(const Metric& m, double v) {
  if (m.name == "peak_rss") return fmt::format("{:.1f} MiB", v / (1 << 20));
  return v >= 1 ? fmt::format("{:.3f} s", v) : fmt::format("{:.2f} ms", v * 1e3);
}

std::string label(const Metric& m) {
  if (m.name == "prefill") return fmt::format("prefill {} tokens", m.tokens);
  if (m.name == "decode_step") return fmt::format("decode step at context {}", m.tokens);
  return fmt::format("peak RSS (KV for {} tokens)", m.tokens);
}

double median_abs(std::vector<double> v) {
  if (v.empty()) return 0;
  for (auto& x : v) x = std::abs(x);
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

struct Summary {
  std::size_t n = 0;
  double median = 0;
  double max = 0;
};
Summary summarise(const std::vector<Metric>& ms, const std::string& name) {
  std::vector<double> e;
  for (const auto& m : ms)
    if (m.name == name) e.push_back(m.error());
  Summary s;
  s.n = e.size();
  s.median = median_abs(e);
  for (double x : e) s.max = std::max(s.max, std::abs(x));
  return s;
}

}  // namespace

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

int run_validate(const GlobalOptions& g, const ValidateOptions& opt) {
  core::Diagnostics d;
  check_format(opt.format, {"table", "json"}, d);
  ValidateOptions o = opt;
  const std::int64_t cores = std::max<unsigned>(1, std::thread::hardware_concurrency());
  if (o.matrix) {
    o.prompts = {128, 512};
    o.contexts = {128, 1024};
    o.threads = {1, cores};
    if (cores == 1) o.threads = {1};
  }
  if (o.threads.empty()) o.threads = {cores};
  auto kv = core::parse_dtype(o.kv);
  if (!kv || (*kv != core::DType::kF32 && *kv != core::DType::kF16 && *kv != core::DType::kQ8_0))
    d.error(kCmdLine, "--kv", fmt::format("'{}' is not f32, f16 or q8_0", o.kv));
  auto cat = catalog(g, d);
  std::string profile_path = o.profile;
  if (profile_path.empty()) {
    if (auto p = newest_host_profile(g.profiles, d)) profile_path = *p;
  }
  std::optional<schema::HardwareProfile> profile;
  if (!profile_path.empty()) profile = schema::load_hardware_profile_yaml(profile_path, d);
  if (d.has_errors() || !cat || !profile) return fail(d);

  // Resolve every cell first so that a typo fails before minutes of measuring.
  struct Cell {
    schema::ModelSpec model;
    core::DType weights;
    std::string scheme;
  };
  std::vector<Cell> cells;
  auto add_cells = [&](const std::string& model, const std::vector<std::string>& weights) {
    auto m = schema::resolve_model(*cat, model, kCmdLine, "--model", d);
    if (!m) return;
    for (const auto& why : kernels::decoder_unsupported(m->arch))
      d.error(kCmdLine, "--model",
              fmt::format("{}: the reference decoder cannot run it: {}", m->id, why));
    for (const auto& w : weights) {
      const auto dt = core::parse_dtype(w);
      if (!dt ||
          (*dt != core::DType::kF32 && *dt != core::DType::kF16 && *dt != core::DType::kQ8_0 &&
           *dt != core::DType::kQ4_0 && *dt != core::DType::kQ4_K)) {
        d.error(kCmdLine, "--weights",
                fmt::format("'{}' is not one of f32, f16, q8_0, q4_0, q4_k (the dtypes the "
                            "reference decoder builds)",
                            w));
        continue;
      }
      cells.push_back({*m, *dt, std::string(core::name(*dt)) + "-pure"});
    }
  };
  if (o.matrix) {
    for (const auto& r : matrix_rows()) add_cells(r.model, r.weights);
  } else {
    for (const auto& m : o.models) add_cells(m, o.weights);
  }
  for (auto t : o.threads)
    if (t > profile->context.threads)
      d.error(kCmdLine, "--threads",
              fmt::format("{} threads, but the profiled host has {}", t, profile->context.threads));
  if (d.has_errors()) return fail(d);

  const std::int64_t max_prompt = *std::max_element(o.prompts.begin(), o.prompts.end());
  const std::int64_t max_ctx = *std::max_element(o.contexts.begin(), o.contexts.end());
  const std::int64_t capacity = std::max(max_prompt, max_ctx + o.decode_steps + 1) + 1;
  std::vector<Metric> metrics;
  std::vector<std::string> notes;
  bool finite = true;
  const bool peak_resettable = reset_peak_rss();
  if (!peak_resettable)
    notes.push_back("the kernel refused to reset the peak-RSS counter: peak RSS is per process");

  for (const auto& cell : cells) {
    for (const auto t : o.threads) {
      const std::string tag =
          fmt::format("{} {} {} thread{}", cell.model.id, cell.scheme, t, t == 1 ? "" : "s");
      kernels::DecoderConfig cfg;
      cfg.weights = cell.weights;
      cfg.kv = *kv;
      cfg.batch = 1;
      cfg.max_prefill = max_prompt;
      cfg.max_tokens = capacity;
      cfg.threads = static_cast<int>(t);
      cfg.pin = true;
      cfg.seed = 1;
      if (!o.weights_dir.empty())
        cfg.weights_file = fmt::format("{}/{}-{}-seed1.weights", o.weights_dir, cell.model.id,
                                       core::name(cell.weights));
      cfg.progress = [&](const std::string& line) {
        std::fprintf(stderr, "[%s] %s\n", tag.c_str(), line.c_str());
      };
      reset_peak_rss();
      const std::uint64_t baseline = proc_status_bytes("VmRSS");
      std::fprintf(stderr, "[%s] building the model ...\n", tag.c_str());
      auto created = kernels::Decoder::create(cell.model.arch, cfg);
      if (!created.decoder) {
        d.error(kCmdLine, "--model", fmt::format("{}: {}", tag, created.error));
        return fail(d);
      }
      auto& dec = *created.decoder;

      // Predictions: the measured time model of the same profile at the same thread count.
      const estimator::MeasuredTimeModel mt(*profile, t);
      const auto hw = estimator::hardware_from_profile(*profile, t);
      estimator::PerfSetup ps;
      ps.model = &cell.model;
      ps.hardware = &hw;
      ps.weights = *core::parse_weight_scheme(cell.scheme);
      ps.kv = *kv;
      ps.activations = core::DType::kF32;
      ps.measured = &mt;
      const estimator::PerfModel pm(ps);
      auto weakest = [](const std::vector<estimator::OpRow>& rows) {
        return std::string(estimator::to_string(estimator::phase_basis(rows)));
      };

      std::mt19937_64 rng(7);
      std::uniform_int_distribution<std::int32_t> tok(
          0, static_cast<std::int32_t>(cell.model.arch.vocab_size - 1));
      std::vector<float> logits(static_cast<std::size_t>(cell.model.arch.vocab_size));
      for (const auto p : o.prompts) {
        std::vector<std::int32_t> ids(static_cast<std::size_t>(p));
        for (auto& x : ids) x = tok(rng);
        // Repeat short prefills (median of up to 3 within about 2 s).
        std::vector<double> times;
        double spent = 0;
        while (times.size() < 3 && (times.empty() || spent < 2.0)) {
          std::fprintf(stderr, "[%s] prefill %lld tokens ...\n", tag.c_str(),
                       static_cast<long long>(p));
          dec.reset_stats();
          dec.prefill(ids, p, logits);
          times.push_back(dec.prefill_stats().seconds);
          spent += times.back();
          for (float x : logits) finite = finite && std::isfinite(x);
        }
        std::sort(times.begin(), times.end());
        Metric m{cell.model.id,
                 cell.scheme,
                 t,
                 "prefill",
                 p,
                 times[times.size() / 2],
                 pm.prefill(1, static_cast<double>(p)).time_s,
                 weakest(pm.explain_prefill(1, static_cast<double>(p)))};
        metrics.push_back(m);
      }
      for (const auto c : o.contexts) {
        std::fprintf(stderr, "[%s] decode at context %lld ...\n", tag.c_str(),
                     static_cast<long long>(c));
        std::vector<std::int32_t> one{tok(rng)};
        dec.set_position(c);
        dec.decode(one, logits);  // warm-up step, not timed
        dec.set_position(c);
        dec.reset_stats();
        for (std::int64_t s = 0; s < o.decode_steps; ++s) {
          dec.decode(one, logits);
          dec.set_position(c);  // every timed step sees the same context
        }
        for (float x : logits) finite = finite && std::isfinite(x);
        const auto& st = dec.decode_stats();
        metrics.push_back({cell.model.id, cell.scheme, t, "decode_step", c,
                           st.seconds / static_cast<double>(std::max<std::int64_t>(1, st.passes)),
                           pm.decode_step(1, static_cast<double>(c)).time_s,
                           weakest(pm.explain_decode(1, static_cast<double>(c)))});
      }
      // Memory: what the estimator predicts the model adds (weights, KV cache for the
      // decoder's capacity, activations) on top of this process before the model existed.
      estimator::EstimateRequest req;
      req.model = &cell.model;
      req.hardware = &hw;
      req.weights = ps.weights;
      req.kv = *kv;
      req.activations = core::DType::kF32;
      req.prompt_tokens = max_prompt;
      req.output_tokens = capacity - max_prompt;
      req.overhead_bytes = baseline;
      const auto rep = estimator::estimate(req);
      metrics.push_back({cell.model.id, cell.scheme, t, "peak_rss", capacity,
                         static_cast<double>(proc_status_bytes("VmHWM")),
                         static_cast<double>(rep.memory.total_bytes),
                         fmt::format("computed + measured process baseline {:.0f} MiB",
                                     static_cast<double>(baseline) / (1 << 20))});
    }
  }

  const double tol = o.tolerance_pct / 100.0;
  std::size_t beyond = 0;
  for (const auto& m : metrics)
    if (std::abs(m.error()) > tol) ++beyond;
  const Summary sp = summarise(metrics, "prefill"), sd = summarise(metrics, "decode_step"),
                sm = summarise(metrics, "peak_rss");
  std::string json;
  {
    schema::JsonWriter w;
    w.begin_object();
    w.key("schema").value("validation-result");
    w.key("profile").value(profile->id);
    w.key("host").value(profile->context.host);
    w.key("cpu_model").value(profile->context.cpu_model);
    w.key("kv").value(std::string(core::name(*kv)));
    w.key("decode_steps").value(o.decode_steps);
    w.key("tolerance").value(tol);
    w.key("metrics").begin_array();
    for (const auto& m : metrics) {
      w.begin_object();
      w.key("model").value(m.model).key("weights").value(m.weights);
      w.key("threads").value(m.threads).key("metric").value(m.name);
      w.key(m.name == "prefill"    ? "prompt_tokens"
            : m.name == "peak_rss" ? "kv_tokens"
                                   : "context")
          .value(m.tokens);
      w.key("unit").value(m.name == "peak_rss" ? "bytes" : "s");
      w.key("measured").value(m.measured).key("predicted").value(m.predicted);
      w.key("error").value(m.error()).key("basis").value(m.basis);
      w.end_object();
    }
    w.end_array();
    w.key("summary").begin_object();
    for (const auto& [name, s] :
         {std::pair{"prefill", sp}, {"decode_step", sd}, {"peak_rss", sm}}) {
      w.key(name).begin_object();
      w.key("points").value(static_cast<std::int64_t>(s.n));
      w.key("median_abs_error").value(s.median).key("max_abs_error").value(s.max);
      w.end_object();
    }
    w.key("beyond_tolerance").value(static_cast<std::int64_t>(beyond));
    w.end_object();
    w.key("logits_finite").value(finite);
    w.key("notes").begin_array();
    for (const auto& n : notes) w.value(n);
    w.end_array();
    w.end_object();
    json = w.str() + "\n";
  }
  std::string text = json;
  if (o.format != "json") {
    text = fmt::format(
        "validate on {} ({}), profile {}; KV {}; errors = (predicted - measured) / "
        "measured\n\n",
        profile->context.host, profile->context.cpu_model, profile->id, core::name(*kv));
    text +=
        fmt::format("{:<16} {:<11} {:>3}  {:<34} {:>12} {:>12} {:>8}  {}\n", "model", "weights",
                    "thr", "metric", "measured", "predicted", "error", "basis of the prediction");
    for (const auto& m : metrics)
      text +=
          fmt::format("{:<16} {:<11} {:>3}  {:<34} {:>12} {:>12} {:>8}{} {}\n", m.model, m.weights,
                      m.threads, label(m), human(m, m.measured), human(m, m.predicted),
                      pct(m.error()), std::abs(m.error()) > tol ? "!" : " ", m.basis);
    text += fmt::format(
        "\nmedian |error|: prefill {:.1f}% ({} points, max {:.1f}%), decode {:.1f}% ({}, max "
        "{:.1f}%), peak RSS {:.1f}% ({}, max {:.1f}%)\n",
        100 * sp.median, sp.n, 100 * sp.max, 100 * sd.median, sd.n, 100 * sd.max, 100 * sm.median,
        sm.n, 100 * sm.max);
    text += beyond == 0 ? fmt::format("all {} within ±{:.0f}%\n", metrics.size(), o.tolerance_pct)
                        : fmt::format("{} of {} beyond ±{:.0f}% (marked !)\n", beyond,
                                      metrics.size(), o.tolerance_pct);
    if (!finite) text += "non-finite logits: a kernel bug\n";
    for (const auto& n : notes) text += "note: " + n + "\n";
  }
  if (!emit(o.out, text, d)) return fail(d);
  if (!o.json_out.empty() && !emit(o.json_out, json, d)) return fail(d);
  return beyond == 0 && finite ? 0 : 1;
}

}  // namespace llmsizer::cli
