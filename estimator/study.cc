// study.cc — point expansion, validation and per-point evaluation of studies (study.h).
#include "estimator/study.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>

#include <fmt/format.h>

#include "core/units.h"
#include "core/weight_scheme.h"
#include "estimator/cost.h"
#include "estimator/estimate.h"
#include "estimator/performance.h"
#include "estimator/planner.h"
#include "estimator/precision.h"
#include "estimator/price_choice.h"
#include "estimator/serving.h"

namespace llmsizer::estimator {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;

// Every column evaluate_point() sets, by name; Study::prepare maps each to its index.
namespace col {
enum Id : int {
  activation_gib,
  api,
  api_monthly_usd,
  batch,
  breakeven_own_tokens_per_month,
  breakeven_rent_tokens_per_month,
  buy_vs_rent_months,
  capacity_gib,
  decode_tokens_per_s,
  devices,
  e2e_p99_s,
  e2e_s,
  fits,
  goodput_requests_per_s,
  hardware,
  kv,
  kv_cache_gib,
  kv_utilization,
  max_batch,
  max_rate_per_replica,
  min_utilization_rent,
  model,
  output,
  output_tokens_per_s,
  output_tokens_per_s_per_device,
  output_tokens_per_s_per_request,
  overhead_gib,
  own_monthly_usd,
  pp,
  prefill_tokens_per_s,
  prompt,
  rate,
  rent_monthly_usd,
  replicas,
  requests_per_s,
  slo_met,
  total_gib,
  tp,
  tpot_p50_s,
  tpot_p99_s,
  tpot_s,
  ttft_p50_s,
  ttft_p99_s,
  ttft_s,
  usd_per_hour,
  usd_per_mtok,
  usd_per_mtok_output,
  volume_tokens_per_month,
  weights,
  weights_gib,
  workload,
  kCount
};
constexpr const char* kNames[] = {"activation_gib",
                                  "api",
                                  "api_monthly_usd",
                                  "batch",
                                  "breakeven_own_tokens_per_month",
                                  "breakeven_rent_tokens_per_month",
                                  "buy_vs_rent_months",
                                  "capacity_gib",
                                  "decode_tokens_per_s",
                                  "devices",
                                  "e2e_p99_s",
                                  "e2e_s",
                                  "fits",
                                  "goodput_requests_per_s",
                                  "hardware",
                                  "kv",
                                  "kv_cache_gib",
                                  "kv_utilization",
                                  "max_batch",
                                  "max_rate_per_replica",
                                  "min_utilization_rent",
                                  "model",
                                  "output",
                                  "output_tokens_per_s",
                                  "output_tokens_per_s_per_device",
                                  "output_tokens_per_s_per_request",
                                  "overhead_gib",
                                  "own_monthly_usd",
                                  "pp",
                                  "prefill_tokens_per_s",
                                  "prompt",
                                  "rate",
                                  "rent_monthly_usd",
                                  "replicas",
                                  "requests_per_s",
                                  "slo_met",
                                  "total_gib",
                                  "tp",
                                  "tpot_p50_s",
                                  "tpot_p99_s",
                                  "tpot_s",
                                  "ttft_p50_s",
                                  "ttft_p99_s",
                                  "ttft_s",
                                  "usd_per_hour",
                                  "usd_per_mtok",
                                  "usd_per_mtok_output",
                                  "volume_tokens_per_month",
                                  "weights",
                                  "weights_gib",
                                  "workload"};
}  // namespace col

const std::vector<std::string> kCommon = {"model",       "hardware",  "weights", "kv",
                                          "activations", "tp",        "pp",      "ep",
                                          "compute_eff", "memory_eff"};

std::vector<std::string> with_common(std::vector<std::string> more) {
  std::vector<std::string> out = kCommon;
  out.insert(out.end(), more.begin(), more.end());
  return out;
}

std::vector<StudyColumn> columns_for(const std::string& e) {
  std::vector<StudyColumn> c = {
      {"model", true, ""}, {"hardware", true, ""}, {"weights", true, ""}, {"kv", true, ""},
      {"tp", false, ""},   {"pp", false, ""},      {"devices", false, ""}};
  auto add = [&](std::initializer_list<StudyColumn> more) { c.insert(c.end(), more); };
  if (e == "estimate") {
    add({{"batch", false, "sequences"},
         {"prompt", false, "tokens"},
         {"output", false, "tokens"},
         {"fits", false, ""},
         {"weights_gib", false, "GiB"},
         {"kv_cache_gib", false, "GiB"},
         {"activation_gib", false, "GiB"},
         {"overhead_gib", false, "GiB"},
         {"total_gib", false, "GiB"},
         {"capacity_gib", false, "GiB"},
         {"max_batch", false, "sequences"},
         {"ttft_s", false, "s"},
         {"tpot_s", false, "s"},
         {"e2e_s", false, "s"},
         {"prefill_tokens_per_s", false, "tokens/s"},
         {"decode_tokens_per_s", false, "tokens/s"},
         {"output_tokens_per_s", false, "tokens/s"},
         {"output_tokens_per_s_per_device", false, "tokens/s"},
         {"usd_per_hour", false, "$/hour"},
         {"usd_per_mtok_output", false, "$/1M tokens"}});
  } else if (e == "serve") {
    add({{"workload", true, ""},
         {"rate", false, "requests/s"},
         {"ttft_p50_s", false, "s"},
         {"ttft_p99_s", false, "s"},
         {"tpot_p50_s", false, "s"},
         {"tpot_p99_s", false, "s"},
         {"e2e_p99_s", false, "s"},
         {"requests_per_s", false, "requests/s"},
         {"output_tokens_per_s", false, "tokens/s"},
         {"goodput_requests_per_s", false, "requests/s"},
         {"slo_met", false, ""},
         {"kv_utilization", false, ""},
         {"usd_per_hour", false, "$/hour"}});
  } else if (e == "plan") {
    add({{"workload", true, ""},
         {"max_batch", false, "sequences"},
         {"max_rate_per_replica", false, "requests/s"},
         {"replicas", false, ""},
         {"usd_per_hour", false, "$/hour"},
         {"usd_per_mtok", false, "$/1M tokens"},
         {"ttft_p99_s", false, "s"},
         {"tpot_p99_s", false, "s"}});
  } else {
    add({{"api", true, ""},
         {"volume_tokens_per_month", false, "tokens/month"},
         {"api_monthly_usd", false, "$/month"},
         {"rent_monthly_usd", false, "$/month"},
         {"own_monthly_usd", false, "$/month"},
         {"replicas", false, ""},
         {"breakeven_rent_tokens_per_month", false, "tokens/month"},
         {"breakeven_own_tokens_per_month", false, "tokens/month"},
         {"buy_vs_rent_months", false, "months"},
         {"min_utilization_rent", false, ""},
         {"ttft_s", false, "s"},
         {"output_tokens_per_s_per_request", false, "tokens/s"}});
  }
  return c;
}

bool is_number_key(const std::string& k) {
  static const std::vector<std::string> kText = {
      "model", "hardware", "weights", "kv",    "activations", "workload", "slo",
      "api",   "mix",      "rent",    "as_of", "objective",   "volume",   "rate"};
  return std::find(kText.begin(), kText.end(), k) == kText.end();
}

double num(const std::string& s) {
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size() ? v : kNaN;
}

// Shell-style match: '*' any run, '?' one character.
bool glob_match(const char* p, const char* t) {
  if (*p == '\0') return *t == '\0';
  if (*p == '*') return glob_match(p + 1, t) || (*t != '\0' && glob_match(p, t + 1));
  if (*t == '\0') return false;
  return (*p == '?' || *p == *t) && glob_match(p + 1, t + 1);
}

// A model or hardware value with '*' or '?' stands for every catalog name it matches
// (catalog ids for models, short names for hardware), in catalog order.
std::vector<std::string> expand_names(const schema::StudyAxis& a, const schema::Catalog& c,
                                      core::Diagnostics& d) {
  std::vector<std::string> out;
  for (const auto& v : a.values) {
    if ((a.key != "model" && a.key != "hardware") ||
        v.text.find_first_of("*?") == std::string::npos) {
      out.push_back(v.text);
      continue;
    }
    std::size_t matched = 0;
    if (a.key == "model") {
      for (const auto& m : c.models)
        if (glob_match(v.text.c_str(), m.id.c_str())) out.push_back(m.id), ++matched;
    } else {
      for (const auto& h : c.hardware)
        if (glob_match(v.text.c_str(), h.short_name.c_str()))
          out.push_back(h.short_name), ++matched;
    }
    if (matched == 0)
      d.error(v.where, "sweep." + a.key,
              fmt::format("the pattern '{}' matches no catalog name", v.text));
  }
  return out;
}

}  // namespace

const std::vector<std::string>& study_keys(const std::string& e) {
  static const std::vector<std::string> kEstimate =
      with_common({"batch", "prompt", "output", "count"});
  static const std::vector<std::string> kServe =
      with_common({"workload", "rate", "prompt", "output", "requests", "max_batch",
                   "max_batched_tokens", "slo", "seed"});
  static const std::vector<std::string> kPlan =
      with_common({"workload", "rate", "prompt", "output", "slo", "headroom", "max_devices",
                   "objective", "requests"});
  static const std::vector<std::string> kCompare =
      with_common({"volume", "mix", "cached", "api", "utilization", "rent", "as_of", "prompt",
                   "output", "usd_per_hour", "purchase_usd"});
  if (e == "estimate") return kEstimate;
  if (e == "serve") return kServe;
  if (e == "plan") return kPlan;
  return kCompare;
}

std::vector<const schema::StudyValue*> measured_hardware_refs(const schema::StudySpec& spec) {
  std::vector<const schema::StudyValue*> out;
  for (const auto* axes : {&spec.base, &spec.grid, &spec.zip})
    for (const auto& a : *axes)
      if (a.key == "hardware")
        for (const auto& v : a.values)
          if (v.text.rfind(kMeasuredHardwarePrefix, 0) == 0 &&
              std::none_of(out.begin(), out.end(),
                           [&](const schema::StudyValue* o) { return o->text == v.text; }))
            out.push_back(&v);
  return out;
}

void add_measured_hardware(const std::string& name, const schema::HardwareProfile& p,
                           schema::Catalog& cat, MeasuredHardware& out) {
  auto m = std::make_shared<const MeasuredTimeModel>(p, 0);
  auto hw = hardware_from_profile(p, m->threads());
  hw.id = hw.short_name = name;
  cat.hardware.push_back(std::move(hw));
  out[name] = std::move(m);
}

std::optional<Study> Study::prepare(const schema::StudySpec& spec, const schema::Catalog& catalog,
                                    const schema::PriceCatalog& prices, core::Diagnostics& d,
                                    MeasuredHardware measured) {
  const std::size_t before = d.error_count();
  Study s;
  s.spec_ = spec;
  s.catalog_ = &catalog;
  s.prices_ = &prices;
  s.measured_ = std::move(measured);
  s.base_dir_ = std::filesystem::path(spec.origin_path).parent_path().string();
  const auto& keys = study_keys(spec.evaluate);
  std::map<std::string, core::SourceLocation> seen;
  auto check_axis = [&](const schema::StudyAxis& a_in, const char* where) {
    // Patterns expand to catalog names first; each name is then checked like any value.
    schema::StudyAxis a = a_in;
    bool pattern = false;
    for (const auto& v : a_in.values)
      pattern = pattern || v.text.find_first_of("*?") != std::string::npos;
    if (pattern) {
      core::Diagnostics quiet;  // a pattern matching nothing is reported where it is expanded
      a.values.clear();
      for (const auto& n : expand_names(a_in, catalog, quiet)) a.values.push_back({n, a_in.where});
    }
    if (std::find(keys.begin(), keys.end(), a.key) == keys.end()) {
      d.error(a.where, std::string(where) + "." + a.key,
              fmt::format("'{}' is not an option of `{}`{}", a.key, spec.evaluate,
                          core::did_you_mean(a.key, keys)));
      return;
    }
    if (auto it = seen.find(a.key); it != seen.end()) {
      d.error(a.where, std::string(where) + "." + a.key,
              fmt::format("'{}' is set twice (also at line {})", a.key, it->second.line));
      return;
    }
    seen[a.key] = a.where;
    for (const auto& v : a.values) {
      const std::string& t = v.text;
      const std::string path = std::string(where) + "." + a.key;
      if (a.key == "model") {
        if (!schema::find_model(catalog, t))
          d.error(v.where, path,
                  fmt::format("unknown model '{}'{}", t,
                              core::did_you_mean(t, schema::model_names(catalog))));
      } else if (a.key == "hardware") {
        if (!schema::find_hardware(catalog, t))
          d.error(v.where, path,
                  fmt::format("unknown hardware '{}'{}", t,
                              core::did_you_mean(t, schema::hardware_names(catalog))));
      } else if (a.key == "weights") {
        if (!core::parse_weight_scheme(t))
          d.error(v.where, path,
                  fmt::format("unknown weight scheme '{}'{}", t,
                              core::did_you_mean(t, core::weight_scheme_names())));
      } else if (a.key == "kv" || a.key == "activations") {
        // The dtype policy of every command (estimator/deployment.h).
        std::string why;
        if (!(a.key == "kv" ? parse_kv_dtype(t, &why) : parse_activation_dtype(t, &why)))
          d.error(v.where, path, why);
      } else if (a.key == "workload") {
        std::filesystem::path p(t);
        if (p.is_relative()) p = std::filesystem::path(s.base_dir_) / p;
        core::Diagnostics wd;
        if (!schema::load_workload(p.string(), wd)) {
          d.error(v.where, path, fmt::format("workload '{}' does not load:", t));
          d.append(wd);
        }
      } else if (a.key == "slo") {
        std::string why;
        if (!parse_slo(t, &why)) d.error(v.where, path, why);
      } else if (a.key == "api") {
        // Any snapshot will do here; the point's as_of picks the one it uses.
        bool known = false;
        for (const auto& snap : prices.apis)
          for (const auto& m : snap.models)
            known = known || core::to_lower(snap.provider + "/" + m.id) == core::to_lower(t) ||
                    core::to_lower(m.id) == core::to_lower(t);
        if (!known)
          d.error(v.where, path,
                  fmt::format("no API model '{}'{}", t,
                              core::did_you_mean(t, schema::api_model_names(prices, ""))));
      } else if (a.key == "volume") {
        if (!core::parse_tokens_per_month(t))
          d.error(v.where, path, fmt::format("'{}' is not {}", t, core::kVolumeHint));
      } else if (a.key == "rate") {
        if (!core::parse_rate_per_s(t))
          d.error(v.where, path, fmt::format("'{}' is not a rate", t));
      } else if (a.key == "mix") {
        if (!core::parse_mix(t)) d.error(v.where, path, fmt::format("'{}' is not IN:OUT", t));
      } else if (a.key == "rent") {
        if (!schema::parse_rental_term(t))
          d.error(v.where, path, std::string("one of: ") + schema::kRentalTermNames);
      } else if (a.key == "objective") {
        if (t != "cost" && t != "devices" && t != "latency")
          d.error(v.where, path, "one of: cost, devices, latency");
      } else if (a.key == "as_of") {
        std::string why;
        if (!core::parse_date(t, &why))
          d.error(v.where, path, fmt::format("'{}' is not a date YYYY-MM-DD: {}", t, why));
      } else if (is_number_key(a.key)) {
        const double x = num(t);
        if (!std::isfinite(x) || x < 0 || x > 1e15)
          d.error(v.where, path, fmt::format("'{}' is not a number >= 0", t));
      }
    }
  };
  for (const auto& a : spec.base) {
    check_axis(a, "base");
    if (!a.values.empty()) s.base_[a.key] = a.values[0].text;
  }
  for (const auto& group : {&spec.grid, &spec.ranges})
    for (const auto& a : *group) {
      check_axis(a, "sweep");
      s.product_.push_back(Axis{a.key, expand_names(a, catalog, d)});
    }
  for (const auto& a : spec.zip) {
    check_axis(a, "sweep.zip");
    Axis ax{a.key, {}};
    for (const auto& v : a.values) {
      if (v.text.find_first_of("*?") != std::string::npos)
        d.error(v.where, "sweep.zip." + a.key,
                "patterns are not allowed in zipped lists (their lengths must match); use grid");
      ax.values.push_back(v.text);
    }
    s.zip_len_ = ax.values.size();
    s.zip_.push_back(std::move(ax));
  }
  for (const char* required : {"model", "hardware"})
    if (!seen.count(required))
      d.error({spec.origin_path, 0, 0}, std::string("base.") + required,
              "required: give it in base or sweep");
  if (spec.evaluate == "compare" && !seen.count("volume"))
    d.error({spec.origin_path, 0, 0}, "base.volume", "required by compare");
  if (spec.evaluate == "compare" && !seen.count("api"))
    d.error({spec.origin_path, 0, 0}, "base.api", "required by compare (one API per point)");
  if ((spec.evaluate == "plan") && !seen.count("slo"))
    d.error({spec.origin_path, 0, 0}, "base.slo", "required by plan");
  // Points: the product of the axes times the zipped length, guarded against overflow.
  double total = static_cast<double>(s.zip_len_);
  for (const auto& a : s.product_) total *= static_cast<double>(a.values.size());
  if (total > 1e12)
    d.error({spec.origin_path, 0, 0}, "sweep",
            fmt::format("{:.3g} points is more than a study runs (at most 10^12)", total));
  s.points_ = static_cast<std::uint64_t>(total);
  // Columns, then expressions over them.
  s.columns_ = columns_for(spec.evaluate);
  s.base_columns_ = s.columns_.size();
  std::vector<std::string> names;
  for (const auto& c : s.columns_) names.push_back(c.name);
  for (const auto& c : spec.constraints) {
    std::string why;
    auto e = core::Expression::parse(c.text, names, &why);
    if (!e)
      d.error(c.where, "constraints", why);
    else
      s.constraints_.push_back(std::move(*e));
  }
  for (const auto& dv : spec.derived) {
    std::string why;
    auto e = core::Expression::parse(dv.text, names, &why);
    if (!e) {
      d.error(dv.where, "derived." + dv.name, why);
      continue;
    }
    s.derived_.push_back(std::move(*e));
    s.columns_.push_back({dv.name, false, ""});
    names.push_back(dv.name);  // later derived columns may use it
  }
  for (const auto& so : spec.sort)
    if (std::find(names.begin(), names.end(), so.column) == names.end())
      d.error(so.where, "sort",
              fmt::format("no column '{}'{}", so.column, core::did_you_mean(so.column, names)));
  for (int c = 0; c < col::kCount; ++c) s.col_.push_back(s.column_index(col::kNames[c]));
  if (d.error_count() != before) return std::nullopt;
  return s;
}

int Study::column_index(const std::string& name) const {
  for (std::size_t i = 0; i < columns_.size(); ++i)
    if (columns_[i].name == name) return static_cast<int>(i);
  return -1;
}

const std::string& Study::value(std::uint64_t point, const std::string& key) const {
  static const std::string kEmpty;
  // Mixed radix: the zipped lists vary fastest, then the product axes from the last.
  const std::uint64_t zi = point % zip_len_;
  for (const auto& z : zip_)
    if (z.key == key) return z.values[zi];
  std::uint64_t rest = point / zip_len_;
  for (std::size_t i = product_.size(); i-- > 0;) {
    const auto n = static_cast<std::uint64_t>(product_[i].values.size());
    const std::uint64_t idx = rest % n;
    rest /= n;
    if (product_[i].key == key) return product_[i].values[idx];
  }
  auto it = base_.find(key);
  return it == base_.end() ? kEmpty : it->second;
}

std::map<std::string, std::string> Study::parameters(std::uint64_t point) const {
  std::map<std::string, std::string> out = base_;
  for (const auto& a : product_) out[a.key] = value(point, a.key);
  for (const auto& z : zip_) out[z.key] = value(point, z.key);
  return out;
}

void Study::evaluate(std::uint64_t begin, std::uint64_t end, StudyCache& cache,
                     const std::function<void(StudyRow&&)>& sink) const {
  for (std::uint64_t p = begin; p < end && p < points_; ++p) {
    StudyRow row;
    row.point = p;
    row.num.assign(columns_.size(), kNaN);
    row.text.assign(columns_.size(), std::string());
    if (!evaluate_point(p, cache, row)) continue;
    for (std::size_t i = 0; i < derived_.size(); ++i)
      row.num[base_columns_ + i] =
          derived_[i].evaluate(std::span<const double>(row.num.data(), base_columns_ + i));
    bool pass = true;
    for (const auto& c : constraints_) {
      const double v = c.evaluate(std::span<const double>(row.num.data(), base_columns_));
      pass = pass && std::isfinite(v) && v != 0.0;
    }
    if (pass) sink(std::move(row));
  }
}

// One point being evaluated: its axis values, its prepared deployment and its row.
struct Study::Point {
  const Study& study;
  std::uint64_t point;
  StudyCache& cache;
  StudyRow& row;
  const StudyCache::Prepared* slot = nullptr;

  std::string get(const char* key, const char* dflt) const {
    const std::string& v = study.value(point, key);
    return v.empty() ? std::string(dflt) : v;
  }
  double getn(const char* key, double dflt) const {
    const std::string& v = study.value(point, key);
    return v.empty() ? dflt : num(v);
  }
  void set(col::Id c, double v) {
    const int i = study.col_[static_cast<std::size_t>(c)];
    if (i >= 0) row.num[static_cast<std::size_t>(i)] = std::isfinite(v) ? v : kNaN;
  }
  void set_text(col::Id c, const std::string& v) {
    const int i = study.col_[static_cast<std::size_t>(c)];
    if (i >= 0) row.text[static_cast<std::size_t>(i)] = v;
  }
  // The point's workload: a workload file (loaded once per cache), or fixed lengths.
  std::shared_ptr<const schema::Workload> workload() {
    const std::string w = study.value(point, "workload");
    if (w.empty()) {
      auto fixed = std::make_shared<schema::Workload>();
      fixed->id = "fixed";
      fixed->prompt.kind = fixed->output.kind = schema::LengthKind::kFixed;
      fixed->prompt.value = getn("prompt", static_cast<double>(kServeArgs.prompt));
      fixed->output.value = getn("output", static_cast<double>(kServeArgs.output));
      fixed->rate_per_s = 1;
      if (auto r = core::parse_rate_per_s(get("rate", "1"))) fixed->rate_per_s = *r;
      return fixed;
    }
    auto& ws = cache.workloads[w];
    if (!ws) {
      std::filesystem::path p(w);
      if (p.is_relative()) p = std::filesystem::path(study.base_dir_) / p;
      core::Diagnostics wd;
      if (auto loaded = schema::load_workload(p.string(), wd))
        ws = std::make_shared<schema::Workload>(std::move(*loaded));
    }
    return ws;
  }
};

bool Study::evaluate_point(std::uint64_t point, StudyCache& cache, StudyRow& row) const {
  auto get = [&](const char* key, const char* dflt) {
    const std::string& v = value(point, key);
    return v.empty() ? std::string(dflt) : v;
  };
  auto getn = [&](const char* key, double dflt) {
    const std::string& v = value(point, key);
    return v.empty() ? dflt : num(v);
  };
  // The structural parameters select a prepared model; everything derived from them alone
  // (names resolved, weight placement, overhead) is cached with it.
  static const char* const kStruct[] = {"model",       "hardware",  "weights", "kv",
                                        "activations", "tp",        "pp",      "ep",
                                        "compute_eff", "memory_eff"};
  std::string key;
  for (const char* k : kStruct) {
    key += value(point, k);
    key += '|';
  }
  auto& slot = cache.perf[key];
  if (!slot) {
    auto entry = std::make_shared<StudyCache::Prepared>();
    entry->model = schema::find_model(*catalog_, get("model", ""));
    entry->hardware = schema::find_hardware(*catalog_, get("hardware", ""));
    Deployment& ps = entry->setup;
    ps.model = entry->model;
    ps.hardware = entry->hardware;
    ps.weights = *core::parse_weight_scheme(get("weights", "bf16"));
    ps.kv = *core::parse_dtype(get("kv", "f16"));
    // The precision rule of every command (estimator/precision.h) unless the point names one.
    if (!value(point, "activations").empty())
      ps.activations = *core::parse_dtype(value(point, "activations"));
    else if (entry->hardware)
      ps.activations = default_activations(ps.scheme(), *entry->hardware).dtype;
    ps.par = {static_cast<std::int64_t>(getn("tp", 1)), static_cast<std::int64_t>(getn("pp", 1))};
    ps.ep = static_cast<std::int64_t>(getn("ep", 1));
    if (entry->hardware)
      if (const auto m = measured_.find(entry->hardware->short_name); m != measured_.end())
        ps.measured = m->second.get();
    const double ce = getn("compute_eff", kNaN), me = getn("memory_eff", kNaN);
    if (std::isfinite(ce)) ps.efficiency.compute = ce;
    if (std::isfinite(me)) ps.efficiency.memory = me;
    entry->valid = entry->model && entry->hardware && check_deployment(ps).empty();
    if (entry->valid) {
      entry->perf = std::make_shared<const PerfModel>(ps);
      entry->weights_bytes =
          static_cast<double>(weights_bytes_per_device(*entry->model, ps.scheme(), ps.par, false));
      entry->overhead_bytes = static_cast<double>(
          default_overhead(entry->hardware->hw_class, entry->hardware->memory.capacity_bytes)
              .first);
      const auto rent = schema::cheapest_rental(*prices_, entry->hardware->short_name,
                                                schema::RentalTerm::kOnDemand);
      entry->rent_usd_per_device_hour = rent ? rent->usd_per_hour : kNaN;
    }
    slot = std::move(entry);
  }
  if (!slot->valid) return false;  // not a valid layout for this model: no row
  Point P{*this, point, cache, row, slot.get()};
  const Deployment& ps = slot->setup;
  P.set_text(col::model, slot->model->id);
  P.set_text(col::hardware, slot->hardware->short_name);
  P.set_text(col::weights, ps.scheme().name);
  P.set_text(col::kv, std::string(core::name(ps.kv)));
  P.set(col::tp, static_cast<double>(ps.par.tp));
  P.set(col::pp, static_cast<double>(ps.par.pp));
  P.set(col::devices, static_cast<double>(ps.par.devices()));
  if (spec_.evaluate == "estimate") return evaluate_estimate(P);
  if (spec_.evaluate == "serve") return evaluate_serve(P);
  if (spec_.evaluate == "plan") return evaluate_plan(P);
  return evaluate_compare(P);
}

bool Study::evaluate_estimate(Point& P) const {
  const schema::HardwareSpec* hw = P.slot->hardware;
  const Deployment& ps = P.slot->setup;
  const PerfModel& pm = *P.slot->perf;
  const double devices = static_cast<double>(ps.par.devices());
  const double usd_per_hour = P.slot->rent_usd_per_device_hour * devices;  // NaN: no price
  const double batch = P.getn("batch", static_cast<double>(kEstimateArgs.batch)),
               prompt = P.getn("prompt", static_cast<double>(kEstimateArgs.prompt)),
               output = P.getn("output", static_cast<double>(kEstimateArgs.output));
  // `count`: devices in total, as estimate --count (data-parallel replicas of tp x pp).
  const double count = P.getn("count", devices);
  if (!(batch >= 1 && prompt >= 1 && output >= 1)) return false;
  if (!(count >= devices) || std::fmod(count, devices) != 0) return false;
  const double replicas = count / devices;
  const Performance p = pm.evaluate(batch, prompt, output, replicas);
  P.set(col::devices, count);
  P.set(col::batch, batch);
  P.set(col::prompt, prompt);
  P.set(col::output, output);
  P.set(col::fits, p.fits ? 1 : 0);
  P.set(col::weights_gib, p.memory_weights_bytes / kGiB);
  P.set(col::kv_cache_gib, p.memory_kv_bytes / kGiB);
  P.set(col::activation_gib, p.memory_activation_bytes / kGiB);
  P.set(col::overhead_gib, p.memory_overhead_bytes / kGiB);
  P.set(col::total_gib, p.memory_total_bytes / kGiB);
  P.set(col::capacity_gib, static_cast<double>(hw->memory.capacity_bytes) / kGiB);
  P.set(col::max_batch, p.max_batch);
  P.set(col::ttft_s, p.ttft_s);
  P.set(col::tpot_s, p.tpot_s);
  P.set(col::e2e_s, p.e2e_s);
  P.set(col::prefill_tokens_per_s, p.prefill_tokens_per_s);
  P.set(col::decode_tokens_per_s, p.decode_tokens_per_s);
  P.set(col::output_tokens_per_s, p.output_tokens_per_s);
  P.set(col::output_tokens_per_s_per_device, p.output_tokens_per_s_per_device);
  P.set(col::usd_per_hour, usd_per_hour * replicas);
  P.set(col::usd_per_mtok_output, usd_per_hour * replicas / (p.output_tokens_per_s * 3600.0) * 1e6);
  return true;
}

bool Study::evaluate_serve(Point& P) const {
  const std::uint64_t point = P.point;
  const schema::ModelSpec* model = P.slot->model;
  const Deployment& ps = P.slot->setup;
  const PerfModel& pm = *P.slot->perf;
  const double devices = static_cast<double>(ps.par.devices());
  const double usd_per_hour = P.slot->rent_usd_per_device_hour * devices;  // NaN: no price
  auto w = P.workload();
  if (!w) return false;
  const MemoryInputs mi = ps.memory_inputs(1, 512, 512);
  ServingConfig cfg;
  cfg.max_batch =
      static_cast<std::int64_t>(P.getn("max_batch", static_cast<double>(cfg.max_batch)));
  cfg.max_batched_tokens = static_cast<std::int64_t>(
      P.getn("max_batched_tokens", static_cast<double>(cfg.max_batched_tokens)));
  cfg.max_context_tokens = model->arch.max_context;
  cfg.max_steps = kServeArgs.max_steps;
  cfg.kv_capacity_tokens = kv_token_capacity(mi, cfg.max_batched_tokens);
  if (cfg.kv_capacity_tokens <= 0) return false;
  std::optional<double> rate;
  if (!value(point, "rate").empty()) rate = core::parse_rate_per_s(value(point, "rate"));
  const double requests = P.getn("requests", static_cast<double>(w->requests));
  schema::Workload wl = *w;
  if (!value(point, "seed").empty()) wl.seed = static_cast<std::uint64_t>(P.getn("seed", 1));
  Slo slo;
  std::string why;
  if (!value(point, "slo").empty()) slo = *parse_slo(value(point, "slo"), &why);
  const auto reqs = generate_requests(wl, rate, static_cast<std::int64_t>(requests));
  const ServingResult r = simulate(pm, cfg, reqs, slo);
  P.set_text(col::workload, wl.id);
  P.set(col::rate, rate ? *rate : wl.rate_per_s);
  P.set(col::ttft_p50_s, r.ttft_s.p50);
  P.set(col::ttft_p99_s, r.ttft_s.p99);
  P.set(col::tpot_p50_s, r.tpot_s.p50);
  P.set(col::tpot_p99_s, r.tpot_s.p99);
  P.set(col::e2e_p99_s, r.e2e_s.p99);
  P.set(col::requests_per_s, r.requests_per_s);
  P.set(col::output_tokens_per_s, r.output_tokens_per_s);
  P.set(col::goodput_requests_per_s, r.goodput_requests_per_s);
  P.set(col::slo_met, r.slo_met ? 1 : 0);
  P.set(col::kv_utilization, r.kv_utilization_mean);
  P.set(col::usd_per_hour, usd_per_hour);
  return true;
}

bool Study::evaluate_plan(Point& P) const {
  const std::uint64_t point = P.point;
  const schema::ModelSpec* model = P.slot->model;
  const schema::HardwareSpec* hw = P.slot->hardware;
  const Deployment& ps = P.slot->setup;
  auto w = P.workload();
  if (!w) return false;
  PlanRequest pr;
  pr.model = model;
  pr.hardware = {hw};
  pr.weights = {ps.scheme()};
  pr.kv = {ps.kv};
  pr.max_devices =
      static_cast<std::int64_t>(P.getn("max_devices", static_cast<double>(pr.max_devices)));
  pr.workload = *w;
  if (!value(point, "rate").empty())
    pr.workload.rate_per_s = *core::parse_rate_per_s(value(point, "rate"));
  std::string why;
  pr.slo = *parse_slo(value(point, "slo"), &why);
  pr.headroom = P.getn("headroom", pr.headroom);
  pr.search_requests =
      static_cast<std::int64_t>(P.getn("requests", static_cast<double>(pr.search_requests)));
  pr.threads = 1;
  const std::string obj = P.get("objective", "cost");
  pr.objective = obj == "devices"   ? Objective::kDevices
                 : obj == "latency" ? Objective::kLatency
                                    : Objective::kCost;
  if (std::isfinite(P.slot->rent_usd_per_device_hour))
    pr.price_per_hour.emplace_back(hw->id, P.slot->rent_usd_per_device_hour);
  const PlanResult res = plan(pr);
  if (res.ranked.empty()) return false;
  const PlanCandidate& best = res.ranked.front();
  P.set_text(col::workload, pr.workload.id);
  P.set(col::tp, static_cast<double>(best.tp));
  P.set(col::pp, static_cast<double>(best.pp));
  P.set(col::devices, static_cast<double>(best.devices));
  P.set(col::max_batch, static_cast<double>(best.max_batch));
  P.set(col::max_rate_per_replica, best.max_rate_per_replica);
  P.set(col::replicas, static_cast<double>(best.replicas));
  P.set(col::usd_per_hour, best.usd_per_hour ? *best.usd_per_hour : kNaN);
  P.set(col::usd_per_mtok, best.usd_per_mtok ? *best.usd_per_mtok : kNaN);
  P.set(col::ttft_p99_s, best.at_target.ttft_s.p99);
  P.set(col::tpot_p99_s, best.at_target.tpot_s.p99);
  return true;
}

bool Study::evaluate_compare(Point& P) const {
  const schema::HardwareSpec* hw = P.slot->hardware;
  const Deployment& ps = P.slot->setup;
  const PerfModel& pm = *P.slot->perf;
  const auto api = schema::find_api_model(*prices_, P.get("api", ""), P.get("as_of", ""));
  const auto vol_tokens = core::parse_tokens_per_month(P.get("volume", ""));
  if (!api || !vol_tokens) return false;
  CostInputs in;
  in.perf = &pm;
  in.devices = ps.par.devices();
  in.prompt_tokens = P.getn("prompt", in.prompt_tokens);
  in.output_tokens = P.getn("output", in.output_tokens);
  in.utilization = P.getn("utilization", in.utilization);
  const auto probe = pm.evaluate(1, in.prompt_tokens, in.output_tokens);
  if (!probe.fits) return false;
  in.batch = std::min(256.0, probe.max_batch);
  const std::string term_s = P.get("rent", "on-demand");
  const schema::RentalTerm term =
      schema::parse_rental_term(term_s).value_or(schema::RentalTerm::kOnDemand);
  // The price rule of cost and compare (estimator/price_choice.h).
  PriceOverrides user;
  user.study_keys = true;
  if (const double v = P.getn("usd_per_hour", kNaN); std::isfinite(v)) user.usd_per_hour = v;
  if (const double v = P.getn("purchase_usd", kNaN); std::isfinite(v)) user.purchase_usd = v;
  const PriceChoice prices = choose_prices(*hw, *prices_, user, term, P.get("as_of", ""));
  in.rent_usd_per_device_hour = prices.rent;
  in.own = prices.own;
  const CostBreakdown c = compute_cost(in);
  Volume v;
  v.tokens_per_month = *vol_tokens;
  v.input_share = core::parse_mix(P.get("mix", "3:1")).value_or(0.75);
  v.cached_share = P.getn("cached", 0);
  const ApiPrice ap{api->snapshot->provider + "/" + api->model->id, api->model->input_usd_per_mtok,
                    api->model->output_usd_per_mtok, api->model->cached_input_usd_per_mtok};
  const Comparison cmp = compare_with_api(in, c, ap, v);
  P.set_text(col::api, ap.name);
  P.set(col::volume_tokens_per_month, v.tokens_per_month);
  P.set(col::api_monthly_usd, cmp.api_monthly_usd);
  P.set(col::rent_monthly_usd, cmp.rent_monthly_usd.value_or(kNaN));
  P.set(col::own_monthly_usd, cmp.own_monthly_usd.value_or(kNaN));
  P.set(col::replicas, static_cast<double>(cmp.replicas));
  P.set(col::breakeven_rent_tokens_per_month, cmp.breakeven_tokens_per_month_rent.value_or(kNaN));
  P.set(col::breakeven_own_tokens_per_month, cmp.breakeven_tokens_per_month_own.value_or(kNaN));
  P.set(col::buy_vs_rent_months, cmp.buy_vs_rent_months.value_or(kNaN));
  P.set(col::min_utilization_rent, cmp.min_utilization_rent.value_or(kNaN));
  P.set(col::ttft_s, c.ttft_s);
  P.set(col::output_tokens_per_s_per_request, c.output_tokens_per_s_per_request);
  return true;
}

}  // namespace llmsizer::estimator
