// plan_report.cc — the plan report's encodings (see plan_report.h).
#include "report/plan_report.h"

#include <algorithm>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "core/dtype.h"
#include "schema/text_writer.h"

namespace llmsizer::report {

std::string plan_json(const estimator::PlanRequest& req, const estimator::PlanResult& res,
                      std::size_t top) {
  top = std::min(top, res.ranked.size());
  schema::JsonWriter j;
  j.begin_object();
  j.key("schema").value("plan-report").key("schema_version").value(1);
  j.key("basis").value(
      "serving simulation on the datasheet roofline; prices: cloud $/hour "
      "from the catalog or --prices (user)");
  j.key("model").value(req.model->id).key("target_requests_per_s").value(res.target_rate);
  j.key("slo").value(estimator::format_slo(req.slo)).key("headroom").value(req.headroom);
  j.key("evaluated").value(res.evaluated);
  j.key("ranked").begin_array();
  for (std::size_t i = 0; i < top; ++i) {
    const auto& c2 = res.ranked[i];
    j.begin_object();
    j.key("hardware").value(c2.hardware->id).key("weights").value(c2.weights.name);
    j.key("kv").value(std::string(core::name(c2.kv))).key("tp").value(c2.tp).key("pp").value(c2.pp);
    j.key("max_batch").value(c2.max_batch);
    j.key("max_requests_per_s_per_replica").value(c2.max_rate_per_replica);
    j.key("replicas").value(c2.replicas).key("devices").value(c2.devices);
    if (c2.usd_per_hour)
      j.key("usd_per_hour").value(*c2.usd_per_hour);
    else
      j.key("usd_per_hour").null();
    if (c2.usd_per_mtok)
      j.key("usd_per_mtok").value(*c2.usd_per_mtok);
    else
      j.key("usd_per_mtok").null();
    j.key("ttft_p99_s")
        .value(c2.at_target.ttft_s.p99)
        .key("tpot_p99_s")
        .value(c2.at_target.tpot_s.p99);
    j.key("e2e_p99_s").value(c2.at_target.e2e_s.p99);
    j.end_object();
  }
  j.end_array();
  j.key("rejected").begin_array();
  for (const auto& c2 : res.rejected) {
    j.begin_object();
    j.key("hardware").value(c2.hardware->id).key("weights").value(c2.weights.name);
    j.key("kv").value(std::string(core::name(c2.kv))).key("tp").value(c2.tp).key("pp").value(c2.pp);
    j.key("max_batch").value(c2.max_batch).key("reason").value(c2.reason);
    j.end_object();
  }
  j.end_array();
  j.end_object();
  return j.str();
}

std::string plan_table(const estimator::PlanRequest& req, const estimator::PlanResult& res,
                       std::size_t top, const std::string& rent) {
  top = std::min(top, res.ranked.size());
  std::string text;
  text = fmt::format("plan for {} at {:.3g} requests/s ({}), SLO {}, headroom {:.0f}%\n",
                     req.model->name, res.target_rate, req.workload.id,
                     estimator::format_slo(req.slo), 100 * req.headroom);
  text += fmt::format(
      "basis: serving simulation on the datasheet roofline (assumed class efficiencies); {} "
      "rental prices: the cheapest published per device (profiles/costs) or --prices; {} "
      "configurations evaluated, {} work\n\n",
      rent, res.evaluated, res.ranked.size());
  text += fmt::format(
      "{:<4} {:<14} {:<10} {:<9} {:>3} {:>3} {:>5} {:>9} {:>8} {:>7} {:>10} "
      "{:>9} {:>9} {:>9}\n",
      "#", "device", "weights", "kv", "tp", "pp", "batch", "req/s/rep", "replicas", "devices",
      "$/hour", "$/Mtok", "TTFT p99", "TPOT p99");
  for (std::size_t i = 0; i < top; ++i) {
    const auto& c2 = res.ranked[i];
    text += fmt::format(
        "{:<4} {:<14} {:<10} {:<9} {:>3} {:>3} {:>5} {:>9.3g} {:>8} {:>7} {:>10} {:>9} "
        "{:>7.0f}ms "
        "{:>7.1f}ms\n",
        i + 1, c2.hardware->short_name, c2.weights.name, core::name(c2.kv), c2.tp, c2.pp,
        c2.max_batch, c2.max_rate_per_replica, c2.replicas, c2.devices,
        c2.usd_per_hour ? fmt::format("{:.2f}", *c2.usd_per_hour) : "no price",
        c2.usd_per_mtok ? fmt::format("{:.3f}", *c2.usd_per_mtok) : "-",
        c2.at_target.ttft_s.p99 * 1e3, c2.at_target.tpot_s.p99 * 1e3);
  }
  if (res.ranked.empty()) text += "no configuration meets the SLO at any load\n";
  // Why the others failed: count by reason kind, with one example each.
  std::vector<std::pair<std::string, std::pair<int, std::string>>> kinds;
  for (const auto& c2 : res.rejected) {
    const std::string kind = c2.reason.substr(0, c2.reason.find(':'));
    auto it =
        std::find_if(kinds.begin(), kinds.end(), [&](const auto& k) { return k.first == kind; });
    if (it == kinds.end())
      kinds.push_back({kind,
                       {1, fmt::format("{} {} tp={} pp={}: {}", c2.hardware->short_name,
                                       c2.weights.name, c2.tp, c2.pp, c2.reason)}});
    else
      ++it->second.first;
  }
  if (!kinds.empty()) text += "\nrejected:\n";
  for (const auto& [kind, v] : kinds)
    text += fmt::format("  {:>4} x {} (e.g. {})\n", v.first, kind, v.second);
  if (!res.ranked.empty() && !res.ranked.front().usd_per_hour)
    text +=
        "\nnote: no cloud price for the top devices in the catalog; give --prices "
        "NAME=USD_PER_HOUR to rank by cost\n";
  return text;
}

}  // namespace llmsizer::report
