// plan_cmd.cc — `llmsizer plan` (cheapest layouts that serve a workload within SLOs) and
// `llmsizer fit` (which models fit a device group). See docs/serving.md#planner.
#include <sstream>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/deployment.h"
#include "cli/output.h"
#include "core/units.h"
#include "estimator/deployment.h"
#include "estimator/planner.h"
#include "report/plan_report.h"
#include "schema/pricing.h"
#include "schema/text_writer.h"

namespace llmsizer::cli {

namespace {

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

std::vector<core::WeightScheme> parse_schemes(const std::string& list, const char* opt,
                                              core::Diagnostics& d) {
  std::vector<core::WeightScheme> out;
  for (const auto& w : split_list(list)) {
    if (auto s = core::parse_weight_scheme(w))
      out.push_back(*s);
    else
      d.error(kCmdLine, opt,
              fmt::format("unknown weight scheme '{}'{}", w,
                          core::did_you_mean(w, core::weight_scheme_names())));
  }
  if (out.empty() && !d.has_errors()) d.error(kCmdLine, opt, "the list is empty");
  return out;
}

// Prices: the cheapest published rental per device of the chosen term (price catalog),
// else the hardware YAML's, overridden by --prices (basis: user).
void add_prices(const GlobalOptions& g, const PlanOptions& o, const schema::Catalog& cat,
                const std::vector<const schema::HardwareSpec*>& hws, estimator::PlanRequest& req,
                core::Diagnostics& d) {
  const auto* c = &cat;
  const auto parsed_term = schema::parse_rental_term(o.rent);
  if (!parsed_term)
    d.error(kCmdLine, "--rent",
            fmt::format("'{}' is not one of: {}", o.rent, schema::kRentalTermNames));
  const schema::RentalTerm term = parsed_term.value_or(schema::RentalTerm::kOnDemand);
  auto prices = schema::load_price_catalog(g.profiles, d);
  for (const auto* h : hws) {
    if (prices)
      if (auto rp = schema::cheapest_rental(*prices, h->short_name, term)) {
        req.price_per_hour.emplace_back(h->id, rp->usd_per_hour);
        continue;
      }
    if (h->price && h->price->cloud_usd_per_hour)
      req.price_per_hour.emplace_back(h->id, *h->price->cloud_usd_per_hour);
  }
  for (const auto& item : split_list(o.prices)) {
    const auto eq = item.find('=');
    const double v = eq == std::string::npos ? -1 : std::atof(item.c_str() + eq + 1);
    const schema::HardwareSpec* h =
        eq == std::string::npos ? nullptr : schema::find_hardware(*c, item.substr(0, eq));
    if (!h || !(v > 0) || v > 1e4)
      d.error(kCmdLine, "--prices",
              fmt::format("'{}' is not NAME=USD_PER_HOUR with a catalog device (e.g. "
                          "h100-sxm=2.99)",
                          item));
    else
      req.price_per_hour.insert(req.price_per_hour.begin(), {h->id, v});
  }
}
}  // namespace

int run_plan(const GlobalOptions& g, const PlanOptions& o) {
  core::Diagnostics d;
  check_format(o.format, {"table", "json"}, d);
  estimator::PlanRequest req;
  std::string why;
  if (auto slo = estimator::parse_slo(o.slo, &why))
    req.slo = *slo;
  else
    d.error(kCmdLine, "--slo", why);
  req.weights = parse_schemes(o.weights, "--weights", d);
  for (const auto& k : split_list(o.kv)) {
    std::string kv_why;
    if (const auto t = estimator::parse_kv_dtype(k, &kv_why))
      req.kv.push_back(*t);
    else
      d.error(kCmdLine, "--kv", kv_why);
  }
  req.max_batches.clear();
  for (const auto& b : split_list(o.max_batch)) {
    const auto v = core::parse_int(b, 1, 1 << 20);
    if (!v)
      d.error(kCmdLine, "--max-batch", fmt::format("'{}' is not a batch size", b));
    else
      req.max_batches.push_back(*v);
  }
  if (o.objective == "cost")
    req.objective = estimator::Objective::kCost;
  else if (o.objective == "devices")
    req.objective = estimator::Objective::kDevices;
  else if (o.objective == "latency")
    req.objective = estimator::Objective::kLatency;
  else
    d.error(kCmdLine, "--objective",
            fmt::format("'{}' is not one of: cost, devices, latency", o.objective));
  auto c = catalog(g, d);
  if (!c) return fail(d);
  auto model = schema::resolve_model(*c, o.model, kCmdLine, "--model", d);
  // Workload
  if (!o.workload.empty() == !o.rate.empty())
    d.error(kCmdLine, "--workload", "give either --workload FILE or --rate");
  else if (!o.workload.empty()) {
    if (auto w = schema::load_workload(o.workload, d)) req.workload = *w;
  } else {
    const auto rate = core::parse_rate_per_s(o.rate);
    if (!rate || *rate <= 0)
      d.error(kCmdLine, "--rate", fmt::format("'{}' is not a rate (e.g. 20rps)", o.rate));
    else {
      req.workload.id = "cli";
      req.workload.rate_per_s = *rate;
      req.workload.prompt.kind = req.workload.output.kind = schema::LengthKind::kFixed;
      req.workload.prompt.value = static_cast<double>(o.prompt);
      req.workload.output.value = static_cast<double>(o.output);
    }
  }
  if (!o.rate.empty() || !o.workload.empty()) {
    if (o.target_rate.size()) {
      const auto t = core::parse_rate_per_s(o.target_rate);
      if (!t || *t <= 0)
        d.error(kCmdLine, "--target", fmt::format("'{}' is not a rate", o.target_rate));
      else
        req.workload.rate_per_s = *t;
    }
  }
  // Hardware: a list of names, or all of the catalog.
  std::vector<const schema::HardwareSpec*> hws;
  if (o.hardware == "all") {
    for (const auto& h : c->hardware) hws.push_back(&h);
  } else {
    for (const auto& name : split_list(o.hardware)) {
      if (const auto* h = schema::find_hardware(*c, name))
        hws.push_back(h);
      else
        d.error(kCmdLine, "--hardware",
                fmt::format("unknown hardware '{}'{}", name,
                            core::did_you_mean(name, schema::hardware_names(*c))));
    }
  }
  add_prices(g, o, *c, hws, req, d);
  req.budget_usd_per_hour = o.budget;
  if (d.has_errors() || !model) return fail(d);
  req.model = &*model;
  req.hardware = hws;
  req.max_devices = o.max_devices;
  req.headroom = o.headroom;
  req.search_requests = o.requests;
  req.threads = o.threads;

  const auto res = estimator::plan(req);
  const auto top = static_cast<std::size_t>(o.top);
  const std::string text = o.format == "json" ? report::plan_json(req, res, top)
                                              : report::plan_table(req, res, top, o.rent);
  return emit(o.out, text, d) ? 0 : fail(d);
}

int run_fit(const GlobalOptions& g, const FitOptions& o) {
  core::Diagnostics d;
  check_format(o.format, {"table", "json"}, d);
  const auto schemes = parse_schemes(o.weights, "--weights", d);
  auto c = catalog(g, d);
  if (!c) return fail(d);
  auto hw = schema::resolve_hardware(*c, o.hardware, kCmdLine, "--hardware", d);
  if (d.has_errors() || !hw) return fail(d);
  const auto fitted = estimator::fit(c->models, *hw, o.count, o.context, schemes);
  const auto& rows = fitted.rows;
  std::string text;
  if (o.format == "json") {
    schema::JsonWriter j;
    j.begin_array();
    for (const auto& r : rows) {
      j.begin_object();
      j.key("model").value(r.model->id).key("weights").value(r.weights.name);
      j.key("tp").value(r.tp).key("pp").value(r.pp);
      j.key("weights_bytes_per_device").value(r.weights_bytes);
      j.key("decode_tokens_per_s_batch1").value(r.decode_tokens_per_s);
      j.key("max_batch").value(r.max_batch);
      j.end_object();
    }
    j.end_array();
    text = j.str();
  } else {
    text = fmt::format(
        "what fits on {} x {} at a {}-token context (largest first; the "
        "highest-precision scheme that fits)\nbasis: datasheet memory and "
        "roofline, assumed class efficiencies\n\n",
        o.count, hw->name, o.context);
    text += fmt::format("{:<18} {:>10} {:<10} {:>3} {:>3} {:>12} {:>14} {:>10}\n", "model",
                        "params", "weights", "tp", "pp", "per device", "decode tok/s", "max batch");
    for (const auto& r : rows)
      text +=
          fmt::format("{:<18} {:>10} {:<10} {:>3} {:>3} {:>12} {:>14.1f} {:>10.0f}\n", r.model->id,
                      core::format_count(core::count_params(r.model->arch).total), r.weights.name,
                      r.tp, r.pp, core::format_bytes(static_cast<std::uint64_t>(r.weights_bytes)),
                      r.decode_tokens_per_s, r.max_batch);
    if (rows.empty()) text += "nothing in the catalog fits\n";
    if (!fitted.excluded.empty()) text += fmt::format("\nleft out ({}):\n", fitted.excluded.size());
    for (const auto& e : fitted.excluded) text += fmt::format("  {}: {}\n", e.model->id, e.reason);
  }
  return emit(o.out, text, d) ? 0 : fail(d);
}

}  // namespace llmsizer::cli
