// self_validation.cc — decoder runs against the measured time model's predictions, their
// statistics and the result document (self_validation.h).
#include "validation/self_validation.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <random>

#include <fmt/format.h>

#include "core/statistics.h"
#include "core/weight_scheme.h"
#include "estimator/estimate.h"
#include "estimator/measured_time.h"
#include "estimator/performance.h"
#include "kernels/decoder/decoder.h"
#include "profiler/probes.h"
#include "schema/text_writer.h"

namespace llmsizer::validation {

namespace {

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

bool decoder_weights(core::DType t) {
  return t == core::DType::kF32 || t == core::DType::kF16 || t == core::DType::kQ8_0 ||
         t == core::DType::kQ4_0 || t == core::DType::kQ4_K;
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

// The capacity every decoder is built with: the longest prompt, or the longest context plus
// the timed steps and the warm-up step.
struct Sizes {
  std::int64_t max_prompt = 0, capacity = 0;
};
Sizes sizes(const RunPlan& plan) {
  const std::int64_t max_prompt = *std::max_element(plan.prompts.begin(), plan.prompts.end());
  const std::int64_t max_ctx = *std::max_element(plan.contexts.begin(), plan.contexts.end());
  return {max_prompt, std::max(max_prompt, max_ctx + plan.decode_steps + 1) + 1};
}

// Measures one cell at `threads` threads into r.metrics; false (r.error) when the decoder
// cannot be built.
bool run_cell(const Cell& cell, std::int64_t t, const RunPlan& plan,
              const schema::HardwareProfile& profile, Result& r) {
  const Sizes sz = sizes(plan);
  const std::string tag =
      fmt::format("{} {} {} thread{}", cell.model.id, cell.scheme, t, t == 1 ? "" : "s");
  auto say = [&](const std::string& line) {
    if (plan.progress) plan.progress("[" + tag + "] " + line);
  };
  kernels::DecoderConfig cfg;
  cfg.weights = cell.weights;
  cfg.kv = plan.kv;
  cfg.batch = 1;
  cfg.max_prefill = sz.max_prompt;
  cfg.max_tokens = sz.capacity;
  cfg.threads = static_cast<int>(t);
  cfg.pin = true;
  cfg.seed = 1;
  if (!plan.weights_dir.empty())
    cfg.weights_file = fmt::format("{}/{}-{}-seed1.weights", plan.weights_dir, cell.model.id,
                                   core::name(cell.weights));
  cfg.progress = say;
  reset_peak_rss();
  const std::uint64_t baseline = proc_status_bytes("VmRSS");
  say("building the model ...");
  auto created = kernels::Decoder::create(cell.model.arch, cfg);
  if (!created.decoder) {
    r.error = fmt::format("{}: {}", tag, created.error);
    return false;
  }
  auto& dec = *created.decoder;

  // Predictions: the measured time model of the same profile at the same thread count.
  const estimator::MeasuredTimeModel mt(profile, t);
  const auto hw = estimator::hardware_from_profile(profile, t);
  estimator::Deployment ps;
  ps.model = &cell.model;
  ps.hardware = &hw;
  ps.weights = *core::parse_weight_scheme(cell.scheme);
  ps.kv = plan.kv;
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
  auto check_logits = [&] {
    for (float x : logits) r.logits_finite = r.logits_finite && std::isfinite(x);
  };
  for (const auto p : plan.prompts) {
    std::vector<std::int32_t> ids(static_cast<std::size_t>(p));
    for (auto& x : ids) x = tok(rng);
    // Repeat short prefills (the median of up to 3 within about 2 s).
    std::vector<double> times;
    double spent = 0;
    while (times.size() < 3 && (times.empty() || spent < 2.0)) {
      say(fmt::format("prefill {} tokens ...", p));
      dec.reset_stats();
      dec.prefill(ids, p, logits);
      times.push_back(dec.prefill_stats().seconds);
      spent += times.back();
      check_logits();
    }
    const double n = static_cast<double>(p);
    r.metrics.push_back({cell.model.id, cell.scheme, t, "prefill", p, *core::median(times),
                         pm.prefill(1, n).time_s, weakest(pm.explain_prefill(1, n))});
  }
  for (const auto c : plan.contexts) {
    say(fmt::format("decode at context {} ...", c));
    std::vector<std::int32_t> one{tok(rng)};
    dec.set_position(c);
    dec.decode(one, logits);  // warm-up step, not timed
    dec.set_position(c);
    dec.reset_stats();
    for (std::int64_t s = 0; s < plan.decode_steps; ++s) {
      dec.decode(one, logits);
      dec.set_position(c);  // every timed step sees the same context
    }
    check_logits();
    const auto& st = dec.decode_stats();
    const double ctx = static_cast<double>(c);
    r.metrics.push_back({cell.model.id, cell.scheme, t, "decode_step", c,
                         st.seconds / static_cast<double>(std::max<std::int64_t>(1, st.passes)),
                         pm.decode_step(1, ctx).time_s, weakest(pm.explain_decode(1, ctx))});
  }
  // Memory: what the estimator predicts the model adds (weights, KV cache for the decoder's
  // capacity, activations) on top of this process before the model existed.
  estimator::EstimateRequest req;
  req.model = &cell.model;
  req.hardware = &hw;
  req.weights = ps.weights;
  req.kv = plan.kv;
  req.activations = core::DType::kF32;
  req.prompt_tokens = sz.max_prompt;
  req.output_tokens = sz.capacity - sz.max_prompt;
  req.overhead_bytes = baseline;
  const auto rep = estimator::estimate(req);
  r.metrics.push_back({cell.model.id, cell.scheme, t, "peak_rss", sz.capacity,
                       static_cast<double>(proc_status_bytes("VmHWM")),
                       static_cast<double>(rep.memory.total_bytes),
                       fmt::format("computed + measured process baseline {:.0f} MiB",
                                   static_cast<double>(baseline) / (1 << 20))});
  return true;
}

}  // namespace

const std::vector<MatrixRow>& matrix_rows() {
  static const std::vector<MatrixRow> kRows = {
      {"tinyllama-1.1b", {"f32", "q8_0", "q4_0"}},
      {"llama-2-7b", {"q8_0", "q4_0"}},
      {"llama-3-8b", {"q4_0"}},
  };
  return kRows;
}

void apply_matrix(RunPlan& plan, std::int64_t cores) {
  plan.prompts = {128, 512};
  plan.contexts = {128, 1024};
  plan.threads = {1, cores};
  if (cores == 1) plan.threads = {1};
}

void apply_defaults(RunPlan& plan, std::int64_t cores) {
  if (plan.threads.empty()) plan.threads = {cores};
}

std::vector<Cell> resolve_cells(
    const schema::Catalog& catalog,
    const std::vector<std::pair<std::string, std::vector<std::string>>>& models,
    const core::SourceLocation& where, core::Diagnostics& d) {
  std::vector<Cell> cells;
  for (const auto& [model, weights] : models) {
    auto m = schema::resolve_model(catalog, model, where, "--model", d);
    if (!m) continue;
    for (const auto& why : kernels::decoder_unsupported(m->arch))
      d.error(where, "--model",
              fmt::format("{}: the reference decoder cannot run it: {}", m->id, why));
    for (const auto& w : weights) {
      const auto dt = core::parse_dtype(w);
      if (!dt || !decoder_weights(*dt)) {
        d.error(where, "--weights",
                fmt::format("'{}' is not one of f32, f16, q8_0, q4_0, q4_k (the dtypes the "
                            "reference decoder builds)",
                            w));
        continue;
      }
      cells.push_back({*m, *dt, std::string(core::name(*dt)) + "-pure"});
    }
  }
  return cells;
}

std::optional<core::DType> parse_kv_dtype(const std::string& text,
                                          const core::SourceLocation& where, core::Diagnostics& d) {
  const auto kv = core::parse_dtype(text);
  if (kv && (*kv == core::DType::kF32 || *kv == core::DType::kF16 || *kv == core::DType::kQ8_0))
    return kv;
  d.error(where, "--kv", fmt::format("'{}' is not f32, f16 or q8_0", text));
  return std::nullopt;
}

void check_plan(const RunPlan& plan, const schema::HardwareProfile& profile,
                const core::SourceLocation& where, core::Diagnostics& d) {
  for (auto t : plan.threads)
    if (t > profile.context.threads)
      d.error(where, "--threads",
              fmt::format("{} threads, but the profiled host has {}", t, profile.context.threads));
}

Result run(const std::vector<Cell>& cells, const RunPlan& plan,
           const schema::HardwareProfile& profile) {
  Result r;
  if (!reset_peak_rss())
    r.notes.push_back("the kernel refused to reset the peak-RSS counter: peak RSS is per process");
  for (const auto& cell : cells)
    for (const auto t : plan.threads)
      if (!run_cell(cell, t, plan, profile, r)) return r;
  return r;
}

Summary summarise(const std::vector<Metric>& metrics, const std::string& name) {
  std::vector<double> e;
  for (const auto& m : metrics)
    if (m.name == name) e.push_back(std::abs(m.error()));
  Summary s;
  s.n = e.size();
  s.median = core::median(e).value_or(0);
  for (double x : e) s.max = std::max(s.max, x);
  return s;
}

std::size_t beyond(const std::vector<Metric>& metrics, double tolerance) {
  return static_cast<std::size_t>(
      std::count_if(metrics.begin(), metrics.end(),
                    [&](const Metric& m) { return std::abs(m.error()) > tolerance; }));
}

std::string to_json(const Result& r, const ResultContext& c) {
  schema::JsonWriter w;
  w.begin_object();
  w.key("schema").value("validation-result");
  w.key("profile").value(c.profile->id);
  w.key("host").value(c.profile->context.host);
  w.key("cpu_model").value(c.profile->context.cpu_model);
  w.key("kv").value(std::string(core::name(c.kv)));
  w.key("decode_steps").value(c.decode_steps);
  w.key("tolerance").value(c.tolerance);
  w.key("metrics").begin_array();
  for (const auto& m : r.metrics) {
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
  for (const char* name : {"prefill", "decode_step", "peak_rss"}) {
    const Summary s = summarise(r.metrics, name);
    w.key(name).begin_object();
    w.key("points").value(static_cast<std::int64_t>(s.n));
    w.key("median_abs_error").value(s.median).key("max_abs_error").value(s.max);
    w.end_object();
  }
  w.key("beyond_tolerance").value(static_cast<std::int64_t>(beyond(r.metrics, c.tolerance)));
  w.end_object();
  w.key("logits_finite").value(r.logits_finite);
  w.key("notes").begin_array();
  for (const auto& n : r.notes) w.value(n);
  w.end_array();
  w.end_object();
  return w.str() + "\n";
}

std::string to_table(const Result& r, const ResultContext& c) {
  const auto& p = *c.profile;
  std::string text = fmt::format(
      "validate on {} ({}), profile {}; KV {}; errors = (predicted - measured) / measured\n\n",
      p.context.host, p.context.cpu_model, p.id, core::name(c.kv));
  text += fmt::format("{:<16} {:<11} {:>3}  {:<34} {:>12} {:>12} {:>8}  {}\n", "model", "weights",
                      "thr", "metric", "measured", "predicted", "error", "basis of the prediction");
  for (const auto& m : r.metrics)
    text += fmt::format("{:<16} {:<11} {:>3}  {:<34} {:>12} {:>12} {:>8}{} {}\n", m.model,
                        m.weights, m.threads, label(m), human(m, m.measured), human(m, m.predicted),
                        pct(m.error()), std::abs(m.error()) > c.tolerance ? "!" : " ", m.basis);
  const Summary sp = summarise(r.metrics, "prefill"), sd = summarise(r.metrics, "decode_step"),
                sm = summarise(r.metrics, "peak_rss");
  text += fmt::format(
      "\nmedian |error|: prefill {:.1f}% ({} points, max {:.1f}%), decode {:.1f}% ({}, max "
      "{:.1f}%), peak RSS {:.1f}% ({}, max {:.1f}%)\n",
      100 * sp.median, sp.n, 100 * sp.max, 100 * sd.median, sd.n, 100 * sd.max, 100 * sm.median,
      sm.n, 100 * sm.max);
  const std::size_t n_beyond = beyond(r.metrics, c.tolerance);
  const double tol_pct = 100 * c.tolerance;
  text += n_beyond == 0 ? fmt::format("all {} within ±{:.0f}%\n", r.metrics.size(), tol_pct)
                        : fmt::format("{} of {} beyond ±{:.0f}% (marked !)\n", n_beyond,
                                      r.metrics.size(), tol_pct);
  if (!r.logits_finite) text += "non-finite logits: a kernel bug\n";
  for (const auto& n : r.notes) text += "note: " + n + "\n";
  return text;
}

}  // namespace llmsizer::validation
