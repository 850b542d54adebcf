// cost_cmd.cc — `llmsizer cost` (what a deployment costs per hour, per million tokens and
// per token in energy, rented and owned) and `llmsizer compare` (self-hosting options
// against hosted APIs at a monthly volume). See docs/cost-model.md#cost.
#include <cmath>
#include <memory>
#include <sstream>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/deployment.h"
#include "cli/output.h"
#include "core/units.h"
#include "estimator/cost.h"
#include "estimator/estimate.h"
#include "estimator/planner.h"
#include "estimator/price_choice.h"
#include "estimator/serving.h"
#include "report/precision_text.h"
#include "schema/pricing.h"
#include "schema/text_writer.h"
#include "schema/workload.h"

namespace llmsizer::cli {

namespace {

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

using Pricing = estimator::PriceChoice;

Pricing prices_for(const schema::HardwareSpec& hw, const schema::PriceCatalog& pc,
                   const CostOptions& o, schema::RentalTerm term) {
  estimator::PriceOverrides u;
  u.usd_per_hour = o.usd_per_hour;
  u.purchase_usd = o.purchase_usd;
  u.pue = o.pue;
  u.kwh_usd = o.kwh_usd;
  u.life_years = o.life_years;
  u.idle_fraction = o.idle_fraction;
  u.server_overhead = o.server_overhead;
  u.hosting_usd = o.hosting_usd;
  return estimator::choose_prices(hw, pc, u, term, o.as_of);
}

// "$1,234" (decimals = 0) or "$0.0314": dollars with thousands separators.
std::string usd(std::optional<double> v, int decimals = 2) {
  if (!v) return "-";
  std::string digits = fmt::format("{:.{}f}", std::fabs(*v), decimals);
  const std::size_t dot = digits.find('.');
  std::string whole = digits.substr(0, dot),
              frac = dot == std::string::npos ? "" : digits.substr(dot);
  std::string grouped;
  for (std::size_t i = 0; i < whole.size(); ++i) {
    if (i > 0 && (whole.size() - i) % 3 == 0) grouped += ',';
    grouped += whole[i];
  }
  return std::string(*v < 0 ? "-$" : "$") + grouped + frac;
}

std::string tokens(double v) {
  if (v >= 1e12) return fmt::format("{:.2f}T", v / 1e12);
  if (v >= 1e9) return fmt::format("{:.2f}B", v / 1e9);
  if (v >= 1e6) return fmt::format("{:.1f}M", v / 1e6);
  return fmt::format("{:.0f}", v);
}

struct Prepared {
  std::optional<Deployment> dep;
  std::optional<estimator::PerfModel> pm;
  estimator::CostInputs in;
  schema::PriceCatalog prices;
};

// The deployment, its PerfModel and the cost inputs shared by cost and compare.
bool prepare(const GlobalOptions& g, const CostOptions& o, const std::string& hardware, Prepared& p,
             core::Diagnostics& d) {
  DeploymentOptions dep_opts = o.dep;
  dep_opts.hardware = hardware;
  p.dep = resolve_deployment(g, dep_opts, d);
  auto pc = schema::load_price_catalog(g.profiles, d);
  if (!p.dep || !pc) return false;
  p.prices = std::move(*pc);
  p.pm.emplace(p.dep->view());
  p.in.perf = &*p.pm;
  p.in.devices = p.dep->spec.par.devices();
  p.in.prompt_tokens = static_cast<double>(o.prompt);
  p.in.output_tokens = static_cast<double>(o.output);
  if (!o.workload.empty()) {
    // The workload's mean request shape (its arrival rate does not matter here).
    auto w = schema::load_workload(o.workload, d);
    if (!w) return false;
    const auto reqs =
        estimator::generate_requests(*w, std::nullopt, std::min<std::int64_t>(w->requests, 20000));
    double pt = 0, ot = 0;
    for (const auto& q : reqs)
      pt += static_cast<double>(q.prompt_tokens - q.cached_prefix_tokens),
          ot += static_cast<double>(q.output_tokens);
    p.in.prompt_tokens = std::max(1.0, pt / static_cast<double>(reqs.size()));
    p.in.output_tokens = std::max(1.0, ot / static_cast<double>(reqs.size()));
  }
  p.in.utilization = o.utilization;
  // Serving batch: as given, else the most that fits at this request shape (at most 256).
  const auto probe = p.pm->evaluate(1, p.in.prompt_tokens, p.in.output_tokens);
  if (!probe.fits) {
    d.error(kCmdLine, "",
            fmt::format("{} does not fit on {} x {} at {:.0f} + {:.0f} tokens; try more devices "
                        "(--tp/--pp) or fewer bits (--weights)",
                        p.dep->model.id, p.dep->spec.par.devices(), p.dep->hardware.short_name,
                        p.in.prompt_tokens, p.in.output_tokens));
    return false;
  }
  p.in.batch = o.batch > 0 ? static_cast<double>(o.batch) : std::min(256.0, probe.max_batch);
  return true;
}

}  // namespace

int run_cost(const GlobalOptions& g, const CostOptions& o) {
  core::Diagnostics d;
  check_format(o.format, {"table", "json"}, d);
  const auto term = schema::parse_rental_term(o.rent);
  if (!term)
    d.error(kCmdLine, "--rent",
            fmt::format("'{}' is not one of: {}", o.rent, schema::kRentalTermNames));
  Prepared p;
  if (!prepare(g, o, o.dep.hardware, p, d) || d.has_errors()) return fail(d);
  const Pricing pr = prices_for(p.dep->hardware, p.prices, o, *term);
  p.in.rent_usd_per_device_hour = pr.rent;
  p.in.own = pr.own;
  const auto c = estimator::compute_cost(p.in);
  std::string text;
  if (o.format == "json") {
    schema::JsonWriter j;
    j.begin_object();
    j.key("schema").value("cost-report").key("schema_version").value(1);
    j.key("model").value(p.dep->model.id).key("hardware").value(p.dep->hardware.id);
    report::precision_json(j, p.dep->view());
    j.key("devices_per_replica").value(p.in.devices).key("batch").value(p.in.batch);
    j.key("utilization").value(p.in.utilization);
    j.key("capacity").begin_object();
    j.key("input_tokens_per_s").value(c.input_tokens_per_s);
    j.key("output_tokens_per_s").value(c.output_tokens_per_s);
    j.key("input_time_share").value(c.input_time_share);
    j.key("basis").value("datasheet roofline, " + p.pm->efficiency().basis);
    j.end_object();
    auto opt = [&](const char* k, const std::optional<double>& v) {
      if (v)
        j.key(k).value(*v);
      else
        j.key(k).null();
    };
    j.key("rent").begin_object();
    opt("usd_per_hour", c.rent_usd_per_hour);
    opt("usd_per_mtok_input", c.rent_usd_per_mtok_input);
    opt("usd_per_mtok_output", c.rent_usd_per_mtok_output);
    j.key("price_basis").value(pr.rent ? pr.rent->basis : "unknown");
    j.end_object();
    j.key("own").begin_object();
    opt("usd_per_hour", c.own_usd_per_hour);
    j.key("capex_usd").value(c.capex_usd).key("capex_usd_per_hour").value(c.capex_usd_per_hour);
    j.key("energy_usd_per_hour").value(c.energy_usd_per_hour);
    j.key("hosting_usd_per_hour").value(c.hosting_usd_per_hour);
    opt("usd_per_mtok_input", c.own_usd_per_mtok_input);
    opt("usd_per_mtok_output", c.own_usd_per_mtok_output);
    j.key("power_w").value(c.power_w);
    j.key("energy_j_per_token").value(c.energy_j_per_token);
    j.key("energy_j_per_output_token").value(c.energy_j_per_output_token);
    j.end_object();
    j.key("missing").begin_array();
    for (const auto& m : pr.missing) j.value(m);
    j.end_array();
    j.end_object();
    text = j.str();
  } else {
    text = fmt::format(
        "{} on {} x {} [tp={} pp={}], {}\nrequests {:.0f} + {:.0f} tokens (mean), "
        "batch {:.0f}, utilisation {:.0f}%\n\n",
        p.dep->model.name, p.in.devices, p.dep->hardware.name, p.dep->spec.par.tp,
        p.dep->spec.par.pp, report::precision_text(p.dep->view()), p.in.prompt_tokens,
        p.in.output_tokens, p.in.batch, 100 * p.in.utilization);
    text += fmt::format(
        "capacity       {:.0f} input + {:.0f} output tokens/s per replica when "
        "busy ({:.0f}% of busy time on prefill); basis: datasheet roofline, {}\n",
        c.input_tokens_per_s, c.output_tokens_per_s, 100 * c.input_time_share,
        p.pm->efficiency().basis);
    text += fmt::format(
        "latency        TTFT {:.0f} ms on an idle replica, {:.1f} output tokens/s per request "
        "at that batch\n\n",
        c.ttft_s * 1e3, c.output_tokens_per_s_per_request);
    text += fmt::format("{:<28} {:>12} {:>14} {:>14}   {}\n", "", "$/hour", "$/1M input",
                        "$/1M output", "basis");
    text += fmt::format("{:<28} {:>12} {:>14} {:>14}   {}\n", "rented", usd(c.rent_usd_per_hour),
                        usd(c.rent_usd_per_mtok_input, 4), usd(c.rent_usd_per_mtok_output, 4),
                        pr.rent ? pr.rent->basis : "unknown");
    text +=
        fmt::format("{:<28} {:>12} {:>14} {:>14}   {}\n", "owned (TCO)", usd(c.own_usd_per_hour),
                    usd(c.own_usd_per_mtok_input, 4), usd(c.own_usd_per_mtok_output, 4),
                    pr.own ? "purchase: " + pr.own->purchase_usd_per_device.basis : "unknown");
    if (pr.own) {
      const auto& w = *pr.own;
      text += fmt::format(
          "  capex                      {:>12}   ${:.0f} x {} devices x (1 + {:.2f} "
          "server) over {:.1f} years\n",
          usd(c.capex_usd_per_hour), w.purchase_usd_per_device.value, p.in.devices,
          w.server_overhead_fraction.value, w.useful_life_years.value);
      text += fmt::format(
          "  energy                     {:>12}   {:.0f} W with PUE {:.2f} at "
          "${:.3f}/kWh\n",
          usd(c.energy_usd_per_hour, 3), c.power_w, w.pue.value, w.electricity_usd_per_kwh.value);
      text += fmt::format(
          "  hosting                    {:>12}   ${:.0f} per server-month, {} "
          "devices per server\n",
          usd(c.hosting_usd_per_hour, 3), w.hosting_usd_per_server_month.value,
          w.devices_per_server);
      text += fmt::format(
          "energy         {:.2f} J per token, {:.2f} J per output token (at the "
          "utilisation, with PUE)\n",
          c.energy_j_per_token, c.energy_j_per_output_token);
    }
    for (const auto& m : pr.missing) text += "note: " + m + "\n";
  }
  return emit(o.out, text, d) ? 0 : fail(d);
}

namespace {

struct Option {
  std::string hardware;
  Prepared p;
  Pricing pr;
  estimator::CostBreakdown c;
  std::optional<std::int64_t> replicas;  // from the SLO search
  std::optional<double> replicas_per_token;
  std::string slo_note;
  bool slo_unmet = false;  // no replica count meets the SLO: nothing to cost
};
// Sizes an option with the planner: the highest rate one replica of its layout serves within
// the SLO, for requests of the mean shape arriving as Poisson at the volume's rate.
void size_for_slo(Option& opt, const estimator::Slo& slo, const estimator::Volume& vol) {
  // Size with the planner: the highest rate one replica serves within the SLO, for
  // requests of the mean shape arriving as Poisson at the volume's rate.
  estimator::PlanRequest pr;
  pr.model = &opt.p.dep->model;
  pr.hardware = {&opt.p.dep->hardware};
  pr.weights = {opt.p.dep->spec.scheme()};
  pr.kv = {opt.p.dep->spec.kv};
  pr.max_batches = {256};
  pr.max_devices = opt.p.in.devices;
  pr.layout = opt.p.dep->spec.par;
  pr.slo = slo;
  pr.headroom = 0;
  pr.workload.id = "volume";
  pr.workload.prompt.kind = pr.workload.output.kind = schema::LengthKind::kFixed;
  pr.workload.prompt.value = std::round(opt.p.in.prompt_tokens);
  pr.workload.output.value = std::round(opt.p.in.output_tokens);
  pr.workload.rate_per_s =
      vol.tokens_per_month / (730.0 * 3600.0) / (opt.p.in.prompt_tokens + opt.p.in.output_tokens);
  const auto res = estimator::plan(pr);
  const estimator::PlanCandidate* found = nullptr;
  for (const auto& c : res.ranked)
    if (c.tp == opt.p.dep->spec.par.tp && c.pp == opt.p.dep->spec.par.pp) found = &c;
  if (found) {
    opt.replicas = found->replicas;
    opt.replicas_per_token = 1.0 / (found->max_rate_per_replica * 730.0 * 3600.0 *
                                    (opt.p.in.prompt_tokens + opt.p.in.output_tokens));
    opt.slo_note = fmt::format(
        "SLO {}: one replica serves {:.3g} requests/s; the volume is "
        "{:.3g} requests/s -> {} replicas",
        estimator::format_slo(slo), found->max_rate_per_replica, pr.workload.rate_per_s,
        found->replicas);
  } else {
    std::string why = "no layout found";
    for (const auto& c : res.rejected)
      if (c.tp == opt.p.dep->spec.par.tp && c.pp == opt.p.dep->spec.par.pp) why = c.reason;
    opt.slo_note = "SLO " + estimator::format_slo(slo) + " cannot be met: " + why + "; not costed";
    opt.slo_unmet = true;
  }
}

// The APIs to compare with: as named (--apis), else those serving this open model.
std::vector<schema::ApiChoice> resolve_apis(const schema::PriceCatalog& prices,
                                            const schema::ModelSpec& open_model,
                                            const CostOptions& o, core::Diagnostics& d) {
  std::vector<schema::ApiChoice> apis;
  const auto* pc = &prices;
  const auto* model = &open_model;
  if (!o.apis.empty()) {
    for (const auto& name : split(o.apis)) {
      if (auto a = schema::find_api_model(*pc, name, o.as_of))
        apis.push_back(*a);
      else
        d.error(kCmdLine, "--apis",
                fmt::format("no API model '{}' in the price snapshots{}{}", name,
                            o.as_of.empty() ? "" : " as of " + o.as_of,
                            core::did_you_mean(name, schema::api_model_names(*pc, o.as_of))));
    }
  } else {
    for (const auto* snap : schema::api_snapshots(*pc, o.as_of))
      for (const auto& m : snap->models)
        if (m.open_model == model->id) apis.push_back({snap, &m});
    if (apis.empty())
      d.error(kCmdLine, "--apis",
              fmt::format("no API in the catalog serves {}; name some with --apis (e.g. "
                          "openai/gpt-4o-mini)",
                          model->id));
  }
  return apis;
}

// One option of the comparison: its deployment, SLO sizing and prices, then its costs
// against each API and the sensitivity of the first, as text and JSON.
void write_option(const Option& opt, const std::vector<schema::ApiChoice>& apis,
                  const estimator::Volume& vol, bool slo, std::size_t name_w, std::string& text,
                  schema::JsonWriter& j) {
  const auto& dep = *opt.p.dep;
  text += fmt::format(
      "{} x {} [tp={} pp={}] {}: batch {:.0f}, TTFT {:.0f} ms (idle), {:.0f} output "
      "tokens/s per request\n  {}\n",
      opt.p.in.devices, dep.hardware.short_name, dep.spec.par.tp, dep.spec.par.pp,
      dep.spec.scheme().name, opt.p.in.batch, opt.c.ttft_s * 1e3,
      opt.c.output_tokens_per_s_per_request, report::precision_text(dep.view()));
  if (!opt.slo_note.empty()) text += "  " + opt.slo_note + "\n";
  if (opt.pr.rent) text += "  rent price: " + opt.pr.rent->basis + "\n";
  if (opt.pr.own) text += "  purchase:   " + opt.pr.own->purchase_usd_per_device.basis + "\n";
  for (const auto& m : opt.pr.missing) text += "  note: " + m + "\n";
  j.begin_object();
  j.key("hardware")
      .value(dep.hardware.id)
      .key("tp")
      .value(dep.spec.par.tp)
      .key("pp")
      .value(dep.spec.par.pp);
  report::precision_json(j, dep.view());
  j.key("batch").value(opt.p.in.batch);
  j.key("ttft_s").value(opt.c.ttft_s);
  j.key("output_tokens_per_s_per_request").value(opt.c.output_tokens_per_s_per_request);
  if (slo) j.key("slo_met").value(!opt.slo_unmet);
  if (opt.slo_unmet) {
    j.key("versus").begin_array().end_array();
    j.end_object();
    text += "\n";
    return;
  }
  j.key("versus").begin_array();
  text += fmt::format("  {:<{}} {:>9} {:>12} {:>12} {:>16} {:>16} {:>11} {:>11} {:>10}\n", "versus",
                      name_w, "replicas", "rent/month", "own/month", "break-even rent",
                      "break-even own", "min util r", "min util o", "buy pays");
  for (const auto& a : apis) {
    estimator::ApiPrice ap{a.snapshot->provider + "/" + a.model->id, a.model->input_usd_per_mtok,
                           a.model->output_usd_per_mtok, a.model->cached_input_usd_per_mtok};
    const auto cmp = estimator::compare_with_api(opt.p.in, opt.c, ap, vol, opt.replicas);
    auto vol_text = [&](const std::optional<double>& v, bool known) {
      return !known ? std::string("-") : v ? tokens(*v) + "/mo" : std::string("never");
    };
    auto util_text = [&](const std::optional<double>& v, bool known) {
      return !known ? std::string("-")
             : v    ? fmt::format("{:.0f}%", 100 * *v)
                    : std::string("never");
    };
    text += fmt::format(
        "  {:<{}} {:>9} {:>12} {:>12} {:>16} {:>16} {:>11} {:>11} {:>10}\n", ap.name, name_w,
        cmp.replicas, usd(cmp.rent_monthly_usd, 0), usd(cmp.own_monthly_usd, 0),
        vol_text(cmp.breakeven_tokens_per_month_rent, opt.c.rent_usd_per_hour.has_value()),
        vol_text(cmp.breakeven_tokens_per_month_own, opt.c.own_usd_per_hour.has_value()),
        util_text(cmp.min_utilization_rent, opt.c.rent_usd_per_hour.has_value()),
        util_text(cmp.min_utilization_own, opt.c.own_usd_per_hour.has_value()),
        cmp.buy_vs_rent_months ? fmt::format("{:.1f} mo", *cmp.buy_vs_rent_months) : "-");
    j.begin_object();
    j.key("api").value(ap.name).key("replicas").value(cmp.replicas);
    auto opt_val = [&](const char* k, const std::optional<double>& v) {
      if (v)
        j.key(k).value(*v);
      else
        j.key(k).null();
    };
    opt_val("rent_monthly_usd", cmp.rent_monthly_usd);
    opt_val("own_monthly_usd", cmp.own_monthly_usd);
    j.key("api_monthly_usd").value(cmp.api_monthly_usd);
    opt_val("breakeven_tokens_per_month_rent", cmp.breakeven_tokens_per_month_rent);
    opt_val("breakeven_tokens_per_month_own", cmp.breakeven_tokens_per_month_own);
    opt_val("min_utilization_rent", cmp.min_utilization_rent);
    opt_val("min_utilization_own", cmp.min_utilization_own);
    opt_val("buy_vs_rent_months", cmp.buy_vs_rent_months);
    j.key("sensitivity").begin_array();
    for (const auto& row : estimator::sensitivity(opt.p.in, ap, vol, opt.replicas_per_token)) {
      j.begin_object();
      j.key("what").value(row.what);
      opt_val("self_monthly_usd", row.self_monthly_usd);
      j.key("api_monthly_usd").value(row.api_monthly_usd);
      j.end_object();
    }
    j.end_array();
    j.end_object();
  }
  j.end_array();
  j.end_object();
  // The sensitivity of the first API comparison, for the memo.
  if (!apis.empty() && (opt.c.rent_usd_per_hour || opt.c.own_usd_per_hour)) {
    const auto& a = apis.front();
    estimator::ApiPrice ap{a.snapshot->provider + "/" + a.model->id, a.model->input_usd_per_mtok,
                           a.model->output_usd_per_mtok, a.model->cached_input_usd_per_mtok};
    text += fmt::format("  sensitivity versus {} ({}):\n", ap.name,
                        opt.c.rent_usd_per_hour ? "rented" : "owned");
    for (const auto& row : estimator::sensitivity(opt.p.in, ap, vol, opt.replicas_per_token))
      text += fmt::format("    {:<34} self-hosted {:>12}   API {:>12}   {}\n", row.what,
                          usd(row.self_monthly_usd, 0), usd(row.api_monthly_usd, 0),
                          row.self_monthly_usd && *row.self_monthly_usd < row.api_monthly_usd
                              ? "self-hosting cheaper"
                              : "API cheaper");
  }
  text += "\n";
}
}  // namespace

int run_compare(const GlobalOptions& g, const CostOptions& o) {
  core::Diagnostics d;
  check_format(o.format, {"table", "json"}, d);
  const auto term = schema::parse_rental_term(o.rent);
  if (!term)
    d.error(kCmdLine, "--rent",
            fmt::format("'{}' is not one of: {}", o.rent, schema::kRentalTermNames));
  estimator::Volume vol;
  if (auto v = core::parse_tokens_per_month(o.volume); v && *v > 0)
    vol.tokens_per_month = *v;
  else
    d.error(kCmdLine, "--volume", fmt::format("'{}' is not {}", o.volume, core::kVolumeHint));
  if (auto m = core::parse_mix(o.mix); m && *m > 0 && *m < 1)
    vol.input_share = *m;
  else
    d.error(kCmdLine, "--mix", fmt::format("'{}' is not INPUT:OUTPUT (e.g. 3:1)", o.mix));
  vol.cached_share = o.cached;
  if (!o.as_of.empty()) {
    std::string why;
    if (!core::parse_date(o.as_of, &why))
      d.error(kCmdLine, "--as-of", fmt::format("'{}' is not a date YYYY-MM-DD: {}", o.as_of, why));
  }
  std::optional<estimator::Slo> slo;
  if (!o.slo.empty()) {
    std::string why;
    slo = estimator::parse_slo(o.slo, &why);
    if (!slo) d.error(kCmdLine, "--slo", why);
  }
  if (o.dep.hardware.empty()) d.error(kCmdLine, "--hardware", "give one or more devices");
  if (d.has_errors()) return fail(d);
  auto pc = schema::load_price_catalog(g.profiles, d);
  auto cat = catalog(g, d);
  if (!pc || !cat) return fail(d);
  auto model = schema::resolve_model(*cat, o.dep.model, kCmdLine, "--model", d);
  if (!model) return fail(d);
  const auto apis = resolve_apis(*pc, *model, o, d);
  if (d.has_errors()) return fail(d);

  // Options live behind pointers: each holds a PerfModel that points at its own Deployment,
  // so an Option must never move.
  std::vector<std::unique_ptr<Option>> options;
  for (const auto& hw : split(o.dep.hardware)) {
    auto owned = std::make_unique<Option>();
    Option& opt = *owned;
    opt.hardware = hw;
    if (!prepare(g, o, hw, opt.p, d)) return fail(d);
    opt.pr = prices_for(opt.p.dep->hardware, opt.p.prices, o, *term);
    opt.p.in.rent_usd_per_device_hour = opt.pr.rent;
    opt.p.in.own = opt.pr.own;
    opt.p.in.perf = &*opt.p.pm;
    opt.c = estimator::compute_cost(opt.p.in);
    if (slo) size_for_slo(opt, *slo, vol);
    options.push_back(std::move(owned));
  }

  std::string text;
  schema::JsonWriter j;
  j.begin_object();
  j.key("schema").value("compare-report").key("schema_version").value(1);
  j.key("model").value(model->id).key("tokens_per_month").value(vol.tokens_per_month);
  j.key("input_share").value(vol.input_share).key("cached_share").value(vol.cached_share);
  j.key("utilization").value(o.utilization);
  text = fmt::format(
      "{}: {} tokens/month ({:.0f}% input, {:.0f}% of it cached), self-hosted at "
      "{:.0f}% utilisation, {} rental prices\n",
      model->name, tokens(vol.tokens_per_month), 100 * vol.input_share, 100 * vol.cached_share,
      100 * o.utilization, o.rent);
  text +=
      "basis: datasheet roofline (assumed class efficiencies); prices and TCO assumptions "
      "with their sources in profiles/; API prices per snapshot date\n\n";
  std::size_t name_w = 30;
  for (const auto& a : apis)
    name_w = std::max(name_w, a.snapshot->provider.size() + 1 + a.model->id.size());
  j.key("apis").begin_array();
  text += fmt::format("{:<{}} {:>10} {:>10} {:>14} {:>14}  {}\n", "API", name_w, "$/1M in",
                      "$/1M out", "monthly", "speed", "price as of");
  for (const auto& a : apis) {
    estimator::ApiPrice ap{a.snapshot->provider + "/" + a.model->id, a.model->input_usd_per_mtok,
                           a.model->output_usd_per_mtok, a.model->cached_input_usd_per_mtok};
    const double monthly = estimator::api_monthly_usd(ap, vol);
    const std::string speed = a.model->speed
                                  ? fmt::format("{:.0f} tok/s", a.model->speed->output_tokens_per_s)
                                  : "not published";
    text += fmt::format("{:<{}} {:>10.3f} {:>10.3f} {:>14} {:>14}  {}\n", ap.name, name_w,
                        ap.input_usd_per_mtok, ap.output_usd_per_mtok, usd(monthly, 0), speed,
                        a.model->from.as_of);
    j.begin_object();
    j.key("name").value(ap.name).key("input_usd_per_mtok").value(ap.input_usd_per_mtok);
    j.key("output_usd_per_mtok").value(ap.output_usd_per_mtok).key("monthly_usd").value(monthly);
    j.key("source").value(a.model->from.source).key("as_of").value(a.model->from.as_of);
    j.end_object();
  }
  j.end_array();
  text += "\n";
  j.key("options").begin_array();
  for (const auto& owned : options)
    write_option(*owned, apis, vol, slo.has_value(), name_w, text, j);
  j.end_array();
  j.end_object();
  if (o.format == "json") text = j.str();
  return emit(o.out, text, d) ? 0 : fail(d);
}

}  // namespace llmsizer::cli
