// accuracy.cc — predicts published measurements and summarises the error (contract:
// accuracy.h; the metric definitions it matches are in docs/validation.md).
#include "estimator/accuracy.h"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "core/diagnostics.h"
#include "core/statistics.h"
#include "estimator/estimate.h"

namespace llmsizer::estimator {

namespace {

// "decode_tokens_per_s (tg128)" -> "decode_tokens_per_s".
std::string base_metric(const std::string& metric) {
  std::string s = metric.substr(0, metric.find('('));
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

// Lower case with runs of spaces collapsed: "Output tokens/s/GPU" -> "output tokens/s/gpu".
std::string norm_unit(const std::string& unit) {
  std::string out;
  for (const char ch : core::to_lower(unit)) {
    if (ch == ' ' && (out.empty() || out.back() == ' ')) continue;
    out += ch;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

struct MetricMatch {
  std::optional<PublishedQuantity> quantity;
  double scale = 1;  // predicted value in SI units x scale = the entry's unit
  std::string reason;
};

const char* const kKnownMetrics =
    "output_throughput_per_gpu, output_throughput, decode_tokens_per_s_per_user, ttft, "
    "prefill_tokens_per_s, decode_tokens_per_s";

MetricMatch match_metric(const std::string& metric, const std::string& unit) {
  const std::string m = base_metric(metric);
  const std::string u = norm_unit(unit);
  const bool per_device = u == "output tokens/s/gpu" || u == "tokens/s/gpu";
  const bool total = u == "output tokens/s" || u == "tokens/s";
  MetricMatch r;
  auto unit_mismatch = [&](const char* expected) {
    r.reason = fmt::format("unit '{}' does not fit metric '{}' (expected {})", unit, m, expected);
    return r;
  };
  if (m == "output_throughput_per_gpu") {
    if (!per_device) return unit_mismatch("output tokens/s/GPU");
    r.quantity = PublishedQuantity::kOutputTokensPerSPerDevice;
  } else if (m == "output_throughput") {
    if (!per_device && !total) return unit_mismatch("output tokens/s or output tokens/s/GPU");
    r.quantity = per_device ? PublishedQuantity::kOutputTokensPerSPerDevice
                            : PublishedQuantity::kOutputTokensPerS;
  } else if (m == "decode_tokens_per_s_per_user") {
    if (u != "tokens/s") return unit_mismatch("tokens/s");
    r.quantity = PublishedQuantity::kDecodeTokensPerSPerUser;
  } else if (m == "ttft") {
    if (u == "ms") {
      r.scale = 1e3;
    } else if (u != "s") {
      return unit_mismatch("ms or s");
    }
    r.quantity = PublishedQuantity::kTtft;
  } else if (m == "prefill_tokens_per_s") {
    if (u != "tokens/s") return unit_mismatch("tokens/s");
    r.quantity = PublishedQuantity::kPrefillTokensPerS;
  } else if (m == "decode_tokens_per_s") {
    if (u != "tokens/s") return unit_mismatch("tokens/s");
    r.quantity = PublishedQuantity::kDecodeTokensPerS;
  } else {
    r.reason =
        fmt::format("metric '{}' is not one the harness predicts ({})", metric, kKnownMetrics);
  }
  return r;
}

const schema::PublishedName* find_name(const std::vector<schema::PublishedName>& names,
                                       const std::string& published) {
  for (const auto& n : names)
    if (n.published == published) return &n;
  return nullptr;
}

const schema::PublishedPrecision* find_precision(const schema::PublishedMap& map,
                                                 const std::string& published) {
  for (const auto& p : map.precisions)
    if (p.published == published) return &p;
  return nullptr;
}

// A stated length, or the map's assumption for the entry's engine; nullopt when neither.
std::optional<std::int64_t> length(const schema::PublishedLength& stated, const char* key,
                                   const schema::PublishedPoint& p, const schema::PublishedMap& map,
                                   AccuracyRow& row) {
  if (stated.tokens) return stated.tokens;
  for (const auto& d : map.unstated_lengths) {
    if (p.engine.rfind(d.engine_prefix, 0) != 0) continue;
    const auto& v = std::string_view(key) == "input_len" ? d.input_len : d.output_len;
    if (!v) continue;
    row.notes.push_back(fmt::format("{} not stated{}: assumed {} ({})", key,
                                    stated.text.empty() ? "" : " ('" + stated.text + "')", *v,
                                    d.note));
    return v;
  }
  return std::nullopt;
}

std::string skip_reason_for_name(const char* what, const std::string& published,
                                 const schema::PublishedName* mapped) {
  if (mapped && !mapped->missing.empty())
    return fmt::format("{} '{}' is not in the catalog: {}", what, published, mapped->missing);
  if (mapped)
    return fmt::format("{} '{}' maps to catalog name '{}', which the catalog lacks", what,
                       published, mapped->catalog);
  return fmt::format("{} '{}' is neither in the published map nor a catalog name", what, published);
}

// Resolves names, precision, layout and lengths, then predicts. Fills `row`; returns false
// (with row.reason) when the point cannot be predicted.
bool predict(const schema::PublishedPoint& p, const schema::PublishedMap& map,
             const schema::Catalog& catalog, const AccuracyOptions& options, AccuracyRow& row) {
  const MetricMatch mm = match_metric(p.metric, p.unit);
  if (!mm.quantity) {
    row.reason = mm.reason;
    return false;
  }
  row.quantity = mm.quantity;
  for (const auto& u : map.unit_readings) {
    if (std::find(u.ids.begin(), u.ids.end(), p.id) == u.ids.end()) continue;
    if (*row.quantity != PublishedQuantity::kOutputTokensPerS &&
        *row.quantity != PublishedQuantity::kOutputTokensPerSPerDevice) {
      row.reason =
          "the published map gives a unit reading for a metric that is not an output "
          "throughput";
      return false;
    }
    row.quantity = u.per_device ? PublishedQuantity::kOutputTokensPerSPerDevice
                                : PublishedQuantity::kOutputTokensPerS;
    row.notes.push_back(fmt::format("unit '{}' read as {}: {}", p.unit,
                                    u.per_device ? "per device" : "the whole deployment", u.note));
  }

  const auto* model_name = find_name(map.models, p.model);
  const schema::ModelSpec* model =
      model_name ? (model_name->catalog.empty() ? nullptr
                                                : schema::find_model(catalog, model_name->catalog))
                 : schema::find_model(catalog, p.model);
  if (!model) {
    row.reason = skip_reason_for_name("model", p.model, model_name);
    return false;
  }
  if (model_name && !model_name->note.empty()) row.notes.push_back("model: " + model_name->note);
  row.catalog_model = model->id;

  const auto* hw_name = find_name(map.hardware, p.hardware);
  const schema::HardwareSpec* hw =
      hw_name
          ? (hw_name->catalog.empty() ? nullptr : schema::find_hardware(catalog, hw_name->catalog))
          : schema::find_hardware(catalog, p.hardware);
  if (!hw) {
    row.reason = skip_reason_for_name("hardware", p.hardware, hw_name);
    return false;
  }
  if (hw_name && !hw_name->note.empty()) row.notes.push_back("hardware: " + hw_name->note);
  row.catalog_hardware = hw->short_name.empty() ? hw->id : hw->short_name;
  row.hardware_class = schema::to_string(hw->hw_class);

  const auto* prec = find_precision(map, p.precision);
  if (!prec) {
    row.reason = fmt::format("precision '{}' is not in the published map", p.precision);
    return false;
  }
  if (!prec->missing.empty() || !prec->weights) {
    row.reason =
        fmt::format("precision '{}' has no llmsizer equivalent: {}", p.precision, prec->missing);
    return false;
  }
  if (!prec->note.empty()) row.notes.push_back("precision: " + prec->note);
  row.weights = prec->weights->name;
  row.kv = core::name(prec->kv);
  row.activations = core::name(prec->activations);

  if (!p.batch_size) {
    row.reason = "batch_size not stated";
    return false;
  }
  row.batch = *p.batch_size;
  row.tp = p.tp.value_or(1);
  row.pp = p.pp.value_or(1);
  row.devices = p.hardware_count;

  // Lengths per quantity: the prompt and output the measured run processed.
  const auto q = *row.quantity;
  std::optional<std::int64_t> in, out;
  switch (q) {
    case PublishedQuantity::kOutputTokensPerSPerDevice:
    case PublishedQuantity::kOutputTokensPerS:
    case PublishedQuantity::kDecodeTokensPerSPerUser:
      in = length(p.input_len, "input_len", p, map, row);
      out = length(p.output_len, "output_len", p, map, row);
      break;
    case PublishedQuantity::kTtft:
    case PublishedQuantity::kPrefillTokensPerS:
      in = length(p.input_len, "input_len", p, map, row);
      out = 1;  // only the prefill is compared
      break;
    case PublishedQuantity::kDecodeTokensPerS:
      // llama-bench tgN generates N tokens from an empty cache: no prompt.
      in = p.input_len.tokens ? p.input_len.tokens : std::optional<std::int64_t>(1);
      out = length(p.output_len, "output_len", p, map, row);
      break;
  }
  if (!in || *in < 1 || !out || *out < 1) {
    row.reason = fmt::format("{} not stated and the published map assumes none for engine '{}'",
                             !in || *in < 1 ? "input_len" : "output_len", p.engine);
    return false;
  }
  row.input_len = *in;
  row.output_len = *out;

  EstimateRequest req;
  req.model = model;
  req.hardware = hw;
  req.weights = prec->weights;
  req.kv = prec->kv;
  req.activations = prec->activations;
  req.par = {row.tp, row.pp};
  req.devices = row.devices;
  req.batch = row.batch;
  req.prompt_tokens = row.input_len;
  req.output_tokens = row.output_len;
  for (const auto& [cls, o] : options.class_overrides)
    if (cls == hw->hw_class) req.efficiency = o;
  const auto problems = check_request(req);
  if (!problems.empty()) {
    std::string all;
    for (const auto& s : problems) all += (all.empty() ? "" : "; ") + s;
    row.reason = "the setup is not valid for llmsizer: " + all;
    return false;
  }
  const auto rep = estimate(req);
  const auto& perf = rep.perf;
  if (!rep.memory.fits)
    row.notes.push_back("llmsizer's memory model says this does not fit (" + rep.memory.reason +
                        "); predicted anyway");
  switch (q) {
    case PublishedQuantity::kOutputTokensPerSPerDevice:
      row.predicted = perf.output_tokens_per_s_per_device;
      row.bound = fmt::format("prefill {}, decode {}", perf.prefill_bound, perf.decode_bound);
      break;
    case PublishedQuantity::kOutputTokensPerS:
      row.predicted = perf.output_tokens_per_s;
      row.bound = fmt::format("prefill {}, decode {}", perf.prefill_bound, perf.decode_bound);
      break;
    case PublishedQuantity::kDecodeTokensPerSPerUser:
      row.predicted = static_cast<double>(row.output_len) / perf.e2e_s;
      row.bound = perf.decode_bound;
      break;
    case PublishedQuantity::kTtft:
      row.predicted = perf.ttft_s;
      row.bound = perf.prefill_bound;
      break;
    case PublishedQuantity::kPrefillTokensPerS:
      row.predicted = perf.prefill_tokens_per_s;
      row.bound = perf.prefill_bound;
      break;
    case PublishedQuantity::kDecodeTokensPerS:
      row.predicted = perf.decode_tokens_per_s;
      row.bound = perf.decode_bound;
      break;
  }
  row.predicted *= mm.scale;
  if (!std::isfinite(row.predicted) || row.predicted <= 0) {
    row.reason = fmt::format("the prediction is not a positive finite number ({})", row.predicted);
    return false;
  }
  row.ratio = row.predicted / row.measured;
  row.error = row.ratio - 1.0;
  return true;
}

AccuracyGroup make_group(const std::string& key, const std::vector<const AccuracyRow*>& rows) {
  AccuracyGroup g;
  g.key = key;
  g.points = rows.size();
  g.median_abs_error = median_abs_error(rows);
  for (const auto* r : rows) {
    if (std::fabs(r->error) <= 0.25) ++g.within_25pct;
    if (r->ratio > 2.0 || r->ratio < 0.5) ++g.beyond_2x;
  }
  return g;
}

}  // namespace

const char* to_string(PublishedQuantity q) {
  switch (q) {
    case PublishedQuantity::kOutputTokensPerSPerDevice:
      return "throughput.output_tokens_per_s_per_device";
    case PublishedQuantity::kOutputTokensPerS:
      return "throughput.output_tokens_per_s";
    case PublishedQuantity::kDecodeTokensPerSPerUser:
      return "output_len / latency.e2e_s";
    case PublishedQuantity::kTtft:
      return "latency.ttft_s";
    case PublishedQuantity::kPrefillTokensPerS:
      return "prefill.tokens_per_s";
    case PublishedQuantity::kDecodeTokensPerS:
      return "decode.tokens_per_s";
  }
  return "?";
}

double median_abs_error(const std::vector<const AccuracyRow*>& rows) {
  std::vector<double> v;
  for (const auto* r : rows)
    if (!r->skipped) v.push_back(std::fabs(r->error));
  return core::median(v).value_or(0);
}

AccuracySummary evaluate_accuracy(const schema::PublishedSet& data, const schema::PublishedMap& map,
                                  const schema::Catalog& catalog, const AccuracyOptions& options) {
  AccuracySummary s;
  s.data_file = data.file;
  s.map_id = map.id;
  s.rows.reserve(data.points.size());
  for (const auto& p : data.points) {
    AccuracyRow row;
    row.id = p.id;
    row.where = p.where.line > 0 ? fmt::format("{}:{}", p.where.file, p.where.line) : p.where.file;
    row.model = p.model;
    row.hardware = p.hardware;
    row.precision = p.precision;
    row.regime = p.regime.empty() ? "unspecified" : p.regime;
    row.metric = p.metric;
    row.unit = p.unit;
    row.engine = p.engine;
    row.measured = p.value;
    row.skipped = !predict(p, map, catalog, options, row);
    s.rows.push_back(std::move(row));
  }

  std::vector<const AccuracyRow*> done;
  std::map<std::string, std::vector<const AccuracyRow*>> by_regime, by_hw;
  double worst = -1;
  for (std::size_t i = 0; i < s.rows.size(); ++i) {
    const auto& r = s.rows[i];
    if (r.skipped) {
      ++s.skipped;
      continue;
    }
    ++s.predicted;
    done.push_back(&r);
    by_regime[r.regime].push_back(&r);
    by_hw[r.catalog_hardware].push_back(&r);
    if (std::fabs(r.error) <= 0.25) ++s.within_25pct;
    if (r.ratio > 2.0 || r.ratio < 0.5) ++s.beyond_2x;
    const double off = std::fabs(std::log(r.ratio));
    if (off > worst) {
      worst = off;
      s.worst = i;
    }
  }
  s.median_abs_error = median_abs_error(done);
  for (const auto& [k, rows] : by_regime) s.by_regime.push_back(make_group(k, rows));
  for (const auto& [k, rows] : by_hw) s.by_hardware.push_back(make_group(k, rows));
  return s;
}

}  // namespace llmsizer::estimator
