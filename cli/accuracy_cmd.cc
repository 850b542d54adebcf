// accuracy_cmd.cc — `llmsizer accuracy`: loads the calibration set, the published map and the
// catalog, runs estimator::evaluate_accuracy and prints the per-point table and the medians
// per regime and per hardware as a table, JSON or Markdown (docs/validation.md).
#include "cli/accuracy_cmd.h"

#include <cmath>
#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>

#include "cli/deployment.h"
#include "cli/output.h"
#include "estimator/accuracy.h"
#include "schema/published_data.h"
#include "schema/text_writer.h"

namespace llmsizer::cli {

namespace {

namespace fs = std::filesystem;
using estimator::AccuracyGroup;
using estimator::AccuracyRow;
using estimator::AccuracySummary;

std::string default_data(const GlobalOptions& g) {
  if (const char* env = std::getenv("LLMSIZER_PUBLISHED"); env && *env) return env;
  return (fs::path(g.profiles) / "published" / "published_calibration.yaml")
      .lexically_normal()
      .string();
}

std::string default_map(const GlobalOptions& g) {
  return (fs::path(g.profiles) / "validation" / "published_map.yaml").lexically_normal().string();
}

// "datacenter-gpu:compute=0.6,memory=0.85,overhead_us=4" -> (class, overrides).
bool parse_class_eff(const std::string& text, estimator::AccuracyOptions& out,
                     core::Diagnostics& d) {
  const auto colon = text.find(':');
  const std::string cls = text.substr(0, colon);
  std::optional<schema::HardwareClass> found;
  std::vector<std::string> names;
  for (const auto c :
       {schema::HardwareClass::kDatacenterGpu, schema::HardwareClass::kWorkstationGpu,
        schema::HardwareClass::kConsumerGpu, schema::HardwareClass::kAppleSoc,
        schema::HardwareClass::kServerCpu, schema::HardwareClass::kDesktopCpu}) {
    names.emplace_back(schema::to_string(c));
    if (cls == names.back()) found = c;
  }
  if (!found || colon == std::string::npos) {
    d.error(kCmdLine, "--class-eff",
            fmt::format("'{}' is not CLASS:key=value,...; CLASS is one of {}{}", text,
                        fmt::join(names, ", "), core::did_you_mean(cls, names)));
    return false;
  }
  estimator::EfficiencyOverrides o;
  std::string rest = text.substr(colon + 1);
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const std::string kv = rest.substr(0, comma);
    rest = comma == std::string::npos ? "" : rest.substr(comma + 1);
    const auto eq = kv.find('=');
    const std::string key = kv.substr(0, eq);
    char* end = nullptr;
    const std::string num = eq == std::string::npos ? "" : kv.substr(eq + 1);
    const double v = std::strtod(num.c_str(), &end);
    const bool number = !num.empty() && end == num.c_str() + num.size() && std::isfinite(v);
    if (key == "compute" && number && v > 0 && v <= 1) {
      o.compute = v;
    } else if (key == "memory" && number && v > 0 && v <= 1) {
      o.memory = v;
    } else if (key == "overhead_us" && number && v >= 0) {
      o.kernel_overhead_s = v * 1e-6;
    } else {
      d.error(kCmdLine, "--class-eff",
              fmt::format("'{}': expected compute=(0,1], memory=(0,1] or overhead_us=>=0", kv));
      return false;
    }
  }
  out.class_overrides.emplace_back(*found, o);
  return true;
}

std::string num(double v) {
  const double a = std::fabs(v);
  if (a >= 100) return fmt::format("{:.0f}", v);
  if (a >= 10) return fmt::format("{:.1f}", v);
  return fmt::format("{:.2f}", v);
}

std::string pct(double e) {
  return fmt::format("{:+.1f}%", 100.0 * e);
}

std::string short_metric(const std::string& m) {
  return m.size() <= 40 ? m : m.substr(0, 37) + "...";
}

std::string summary_lines(const AccuracySummary& s, const char* bullet) {
  std::string out;
  out += fmt::format("{}{} of {} points predicted, {} skipped\n", bullet, s.predicted,
                     s.rows.size(), s.skipped);
  if (s.predicted == 0) return out;
  out += fmt::format("{}median |error| {:.1f}% (target: at most 25%)\n", bullet,
                     100.0 * s.median_abs_error);
  out += fmt::format("{}within 25%: {} of {}; off by more than 2x: {} (target: none)\n", bullet,
                     s.within_25pct, s.predicted, s.beyond_2x);
  if (s.worst) {
    const auto& w = s.rows[*s.worst];
    out += fmt::format("{}worst: {} predicted {} vs measured {} {} ({}, x{:.2f})\n", bullet, w.id,
                       num(w.predicted), num(w.measured), w.unit, pct(w.error), w.ratio);
  }
  return out;
}

std::string to_table(const AccuracySummary& s) {
  std::string out = fmt::format("published measurements: {} (map {})\n\n", s.data_file, s.map_id);
  out += fmt::format("{:<50} {:<13} {:<14} {:<9} {:<23} {:<30} {:>9} {:>9} {:<19} {:>8}\n", "id",
                     "model", "hardware", "weights", "regime", "metric", "measured", "predicted",
                     "unit", "error");
  for (const auto& r : s.rows) {
    if (r.skipped) continue;
    out += fmt::format("{:<50} {:<13} {:<14} {:<9} {:<23} {:<30} {:>9} {:>9} {:<19} {:>8}\n", r.id,
                       r.catalog_model, r.catalog_hardware, r.weights, r.regime,
                       short_metric(r.metric), num(r.measured), num(r.predicted), r.unit,
                       pct(r.error));
  }
  if (s.skipped > 0) {
    out += "\nskipped (not predicted)\n";
    for (const auto& r : s.rows)
      if (r.skipped) out += fmt::format("  {}: {}\n", r.id, r.reason);
  }
  out += "\n" + summary_lines(s, "");
  auto groups = [&](const char* title, const std::vector<AccuracyGroup>& gs) {
    out += fmt::format("\n{:<24} {:>6} {:>16} {:>10} {:>10}\n", title, "points", "median |error|",
                       "within 25%", "beyond 2x");
    for (const auto& g : gs)
      out += fmt::format("{:<24} {:>6} {:>15.1f}% {:>10} {:>10}\n", g.key, g.points,
                         100.0 * g.median_abs_error, g.within_25pct, g.beyond_2x);
  };
  groups("regime", s.by_regime);
  groups("hardware", s.by_hardware);
  return out;
}

std::string to_markdown(const AccuracySummary& s) {
  std::string out =
      fmt::format("Published measurements: `{}` (map `{}`)\n\n", s.data_file, s.map_id);
  out +=
      "| id | model | hardware | weights | setup | regime | metric | measured | predicted | unit | "
      "error |\n|---|---|---|---|---|---|---|---:|---:|---|---:|\n";
  for (const auto& r : s.rows) {
    if (r.skipped) continue;
    out += fmt::format("| {} | {} | {} | {} | tp{} b{} {}+{} | {} | {} | {} | {} | {} | {} |\n",
                       r.id, r.catalog_model, r.catalog_hardware, r.weights, r.tp, r.batch,
                       r.input_len, r.output_len, r.regime, r.metric, num(r.measured),
                       num(r.predicted), r.unit, pct(r.error));
  }
  if (s.skipped > 0) {
    out += "\nSkipped (not predicted):\n\n";
    for (const auto& r : s.rows)
      if (r.skipped) out += fmt::format("- `{}`: {}\n", r.id, r.reason);
  }
  out += "\n" + summary_lines(s, "- ");
  auto groups = [&](const char* title, const std::vector<AccuracyGroup>& gs) {
    out += fmt::format(
        "\n| {} | points | median abs error | within 25% | beyond 2x "
        "|\n|---|---:|---:|---:|---:|\n",
        title);
    for (const auto& g : gs)
      out += fmt::format("| {} | {} | {:.1f}% | {} | {} |\n", g.key, g.points,
                         100.0 * g.median_abs_error, g.within_25pct, g.beyond_2x);
  };
  groups("regime", s.by_regime);
  groups("hardware", s.by_hardware);
  return out;
}

void group_json(schema::JsonWriter& j, const char* key, const std::vector<AccuracyGroup>& gs) {
  j.key(key).begin_array();
  for (const auto& g : gs) {
    j.begin_object();
    j.key("key").value(g.key).key("points").value(static_cast<std::uint64_t>(g.points));
    j.key("median_abs_error").value(g.median_abs_error);
    j.key("within_25pct").value(static_cast<std::uint64_t>(g.within_25pct));
    j.key("beyond_2x").value(static_cast<std::uint64_t>(g.beyond_2x));
    j.end_object();
  }
  j.end_array();
}

std::string to_json(const AccuracySummary& s) {
  schema::JsonWriter j;
  j.begin_object();
  j.key("schema").value("accuracy-report").key("schema_version").value(1);
  j.key("data_file").value(s.data_file).key("map").value(s.map_id);
  j.key("points").begin_array();
  for (const auto& r : s.rows) {
    j.begin_object();
    j.key("id").value(r.id).key("where").value(r.where);
    j.key("model").value(r.model).key("hardware").value(r.hardware);
    j.key("precision").value(r.precision).key("regime").value(r.regime);
    j.key("metric").value(r.metric).key("unit").value(r.unit).key("engine").value(r.engine);
    j.key("measured").value(r.measured);
    j.key("skipped").value(r.skipped);
    if (r.skipped) {
      j.key("reason").value(r.reason);
    } else {
      j.key("setup").begin_object();
      j.key("model").value(r.catalog_model).key("hardware").value(r.catalog_hardware);
      j.key("hardware_class").value(r.hardware_class);
      j.key("weights").value(r.weights).key("kv").value(r.kv);
      j.key("activations").value(r.activations);
      j.key("devices").value(r.devices).key("tp").value(r.tp).key("pp").value(r.pp);
      j.key("batch").value(r.batch).key("prompt_tokens").value(r.input_len);
      j.key("output_tokens").value(r.output_len);
      j.end_object();
      j.key("predicted_as").value(estimator::to_string(*r.quantity));
      j.key("predicted").value(r.predicted);
      j.key("error").value(r.error).key("ratio").value(r.ratio);
      j.key("bound").value(r.bound);
    }
    j.key("notes").begin_array();
    for (const auto& n : r.notes) j.value(n);
    j.end_array();
    j.end_object();
  }
  j.end_array();
  j.key("summary").begin_object();
  j.key("points").value(static_cast<std::uint64_t>(s.rows.size()));
  j.key("predicted").value(static_cast<std::uint64_t>(s.predicted));
  j.key("skipped").value(static_cast<std::uint64_t>(s.skipped));
  j.key("median_abs_error").value(s.median_abs_error);
  j.key("within_25pct").value(static_cast<std::uint64_t>(s.within_25pct));
  j.key("beyond_2x").value(static_cast<std::uint64_t>(s.beyond_2x));
  j.key("worst");
  if (s.worst) {
    const auto& w = s.rows[*s.worst];
    j.begin_object().key("id").value(w.id).key("error").value(w.error);
    j.key("ratio").value(w.ratio).end_object();
  } else {
    j.null();
  }
  j.end_object();
  group_json(j, "by_regime", s.by_regime);
  group_json(j, "by_hardware", s.by_hardware);
  j.end_object();
  return j.str() + "\n";
}

}  // namespace

CLI::App* add_accuracy_command(CLI::App& app, AccuracyCmdOptions& o) {
  auto* cmd = app.add_subcommand(
      "accuracy",
      "predict the published measurements of the calibration set (TensorRT-LLM, gpt-fast, "
      "llama.cpp) and print the error per point, per regime and per hardware");
  cmd->add_option("--data", o.data,
                  "calibration YAML (default: $LLMSIZER_PUBLISHED or "
                  "<profiles>/published/published_calibration.yaml)");
  cmd->add_option("--map", o.map,
                  "published-map YAML tying its names to the catalog (default: "
                  "<profiles>/validation/published_map.yaml)");
  cmd->add_option("--class-eff", o.class_eff,
                  "try efficiencies for a whole hardware class, e.g. "
                  "datacenter-gpu:compute=0.6,memory=0.85,overhead_us=4 (repeatable)");
  cmd->add_option("-f,--format", o.format, "table | json | md")->capture_default_str();
  cmd->add_option("-o,--out", o.out, "write the report to FILE (atomically) instead of stdout");
  return cmd;
}

int run_accuracy(const GlobalOptions& g, const AccuracyCmdOptions& o) {
  core::Diagnostics d;
  check_format(o.format, {"table", "json", "md"}, d);
  estimator::AccuracyOptions options;
  for (const auto& c : o.class_eff) parse_class_eff(c, options, d);
  if (d.has_errors()) return fail(d);

  const std::string data_path = o.data.empty() ? default_data(g) : o.data;
  std::error_code ec;
  if (!fs::exists(data_path, ec)) {
    d.error({data_path, 0, 0}, "",
            "no calibration file here; pass --data PATH or set $LLMSIZER_PUBLISHED (the "
            "shipped set is profiles/published/published_calibration.yaml)");
    return fail(d);
  }
  auto data = schema::load_published(data_path, d);
  auto map = schema::load_published_map(o.map.empty() ? default_map(g) : o.map, d);
  auto cat = catalog(g, d);
  if (!data || !map || !cat || d.has_errors()) return fail(d);

  const auto summary = estimator::evaluate_accuracy(*data, *map, *cat, options);
  std::string text;
  if (o.format == "json")
    text = to_json(summary);
  else if (o.format == "md")
    text = to_markdown(summary);
  else
    text = to_table(summary);
  return emit(o.out, text, d) ? 0 : fail(d);
}

}  // namespace llmsizer::cli
