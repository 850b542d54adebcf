// planner.cc — capacity planning by search on the serving simulator (see planner.h).
#include "estimator/planner.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <thread>

#include <fmt/format.h>

#include "core/model_arch.h"
#include "estimator/memory.h"
#include "estimator/precision.h"

namespace llmsizer::estimator {

namespace {

// The steady-state check of a replica's rate (docs/serving.md#steady-state).
constexpr double kPlanWarmupFraction = 0.2;  // of each probe's requests
constexpr double kSteadyLatencies = 50;      // zero-load latencies the arrivals span
constexpr std::int64_t kMinSteadyRequests = 4000;
constexpr std::int64_t kMaxSteadyRequests = 20000;
constexpr int kSteadyRetries = 12;  // 5% steps down from the bisection's rate

std::optional<double> price_of(const PlanRequest& r, const schema::HardwareSpec& h) {
  for (const auto& [id, p] : r.price_per_hour)
    if (id == h.id || id == h.short_name) return p;
  return std::nullopt;
}

struct Means {
  double prompt = 0, output = 0, max_context = 0;
};

Means means(const std::vector<Request>& reqs) {
  Means m;
  for (const auto& q : reqs) {
    m.prompt += static_cast<double>(q.prompt_tokens);
    m.output += static_cast<double>(q.output_tokens);
    m.max_context = std::max(m.max_context, static_cast<double>(q.prompt_tokens + q.output_tokens));
  }
  const double n = std::max<double>(1, static_cast<double>(reqs.size()));
  m.prompt /= n;
  m.output /= n;
  return m;
}

void evaluate(const PlanRequest& r, const Means& mean, PlanCandidate& c) {
  const auto& a = r.model->arch;
  const Parallelism par{c.tp, c.pp};
  if (auto problems = check_parallelism(a, par); !problems.empty()) {
    c.reason = problems.front();
    return;
  }
  Deployment ps;
  ps.model = r.model;
  ps.hardware = c.hardware;
  ps.weights = c.weights;
  ps.kv = c.kv;
  ps.activations = default_activations(c.weights, *c.hardware).dtype;
  ps.par = par;
  const MemoryInputs mi = ps.memory_inputs(1, 512, 512);
  ServingConfig cfg;
  cfg.max_batch = c.max_batch;
  cfg.max_context_tokens = a.max_context;
  if (mean.max_context > static_cast<double>(a.max_context)) {
    c.reason = fmt::format(
        "beyond the model's context: the longest request needs {:.0f} tokens, the model takes "
        "{}",
        mean.max_context, a.max_context);
    return;
  }
  cfg.kv_capacity_tokens = kv_token_capacity(mi, cfg.max_batched_tokens);
  if (static_cast<double>(cfg.kv_capacity_tokens) < mean.max_context) {
    c.reason = cfg.kv_capacity_tokens <= 0
                   ? "does not fit: weights, overhead and step activations fill the memory"
                   : fmt::format(
                         "does not fit: room for {} KV tokens, the longest request needs "
                         "{:.0f}",
                         cfg.kv_capacity_tokens, mean.max_context);
    return;
  }
  const PerfModel pm(ps);
  // Zero load: a lone request's latency is a floor no batching can beat.
  const Performance one = pm.evaluate(1, mean.prompt, std::max(1.0, mean.output));
  if (r.slo.ttft && one.ttft_s > r.slo.ttft->limit_s) {
    c.reason = fmt::format("SLO missed even at zero load: TTFT {:.3g} ms > {:.3g} ms",
                           one.ttft_s * 1e3, r.slo.ttft->limit_s * 1e3);
    return;
  }
  if (r.slo.tpot && one.tpot_s > r.slo.tpot->limit_s) {
    c.reason = fmt::format("SLO missed even at zero load: TPOT {:.3g} ms > {:.3g} ms",
                           one.tpot_s * 1e3, r.slo.tpot->limit_s * 1e3);
    return;
  }
  if (r.slo.e2e && one.e2e_s > r.slo.e2e->limit_s) {
    c.reason = fmt::format("SLO missed even at zero load: e2e {:.3g} s > {:.3g} s", one.e2e_s,
                           r.slo.e2e->limit_s);
    return;
  }
  // Upper bound: the static throughput of the largest batch that fits.
  const double ctx = mean.prompt + mean.output;
  const double batch =
      std::max(1.0, std::min(static_cast<double>(c.max_batch),
                             std::floor(static_cast<double>(cfg.kv_capacity_tokens) / ctx)));
  const Performance full = pm.evaluate(batch, mean.prompt, std::max(1.0, mean.output));
  const double hi_bound = full.output_tokens_per_s / std::max(1.0, mean.output) * 1.5;
  // A probe leaves the first requests out as warm-up and asks for a steady queue as well as
  // the SLO percentiles (docs/serving.md#steady-state).
  cfg.warmup_fraction = kPlanWarmupFraction;
  auto probe = [&](double rate, std::int64_t n) {
    const ServingResult res = simulate(pm, cfg, generate_requests(r.workload, rate, n), r.slo);
    return res.slo_met && res.queue_stable;
  };
  auto meets = [&](double rate) { return probe(rate, r.search_requests); };
  // Enough requests to tell a steady state: arrivals spanning kSteadyLatencies zero-load
  // request latencies at this rate.
  auto steady_requests = [&](double rate) {
    const double n = std::ceil(rate * kSteadyLatencies * one.e2e_s);
    const auto least = static_cast<double>(std::max(kMinSteadyRequests, r.search_requests));
    return static_cast<std::int64_t>(
        std::clamp(n, least, std::max(least, static_cast<double>(kMaxSteadyRequests))));
  };
  // Bracket: the bound over 8 usually meets the SLO; if not, try the bound over 64.
  double hi = hi_bound, lo = hi_bound / 8;
  if (!meets(lo)) {
    hi = lo;
    lo = hi_bound / 64;
    if (!meets(lo)) {
      c.reason = fmt::format(
          "SLO missed at every load probed: even {:.3g} requests/s (1/64 of the throughput "
          "bound) misses it, the slowest requests are too slow",
          lo);
      return;
    }
  } else if (meets(hi)) {
    lo = hi;
  }
  // Geometric bisection to within 5% of the highest sustainable rate.
  for (int it = 0; it < 8 && hi / lo > 1.05; ++it) {
    const double mid = std::sqrt(lo * hi);
    (meets(mid) ? lo : hi) = mid;
  }
  // The bisection's probes are short; the rate it found must also hold at steady state.
  for (int step = 0; !probe(lo, steady_requests(lo)); ++step) {
    if (step == kSteadyRetries) {
      c.reason = fmt::format(
          "no steady state: the queue grows or the SLO is missed at every rate down to {:.3g} "
          "requests/s",
          lo);
      return;
    }
    lo *= 0.95;
  }
  c.max_rate_per_replica = lo;
  const double target = r.workload.rate_per_s;
  c.replicas = std::max<std::int64_t>(
      1, static_cast<std::int64_t>(std::ceil(target * (1.0 + r.headroom) / lo - 1e-9)));
  c.devices = c.replicas * c.tp * c.pp;
  if (auto p = price_of(r, *c.hardware)) {
    c.usd_per_hour = *p * static_cast<double>(c.devices);
    const double mtok_per_hour = target * 3600.0 * ctx / 1e6;
    c.usd_per_mtok = *c.usd_per_hour / mtok_per_hour;
  }
  if (r.budget_usd_per_hour) {
    if (!c.usd_per_hour) {
      c.reason = fmt::format("over budget unknown: no price for {} to hold against the budget",
                             c.hardware->short_name);
      return;
    }
    if (*c.usd_per_hour > *r.budget_usd_per_hour) {
      c.reason = fmt::format("over budget: ${:.2f}/hour for {} devices > ${:.2f}/hour",
                             *c.usd_per_hour, c.devices, *r.budget_usd_per_hour);
      return;
    }
  }
  const double share = target / static_cast<double>(c.replicas);
  c.at_target =
      simulate(pm, cfg, generate_requests(r.workload, share, steady_requests(share)), r.slo);
  c.ok = true;
}

}  // namespace

PlanResult plan(const PlanRequest& r) {
  PlanResult out;
  out.target_rate = r.workload.rate_per_s;
  const Means mean = means(generate_requests(r.workload, std::nullopt, r.search_requests));
  // Candidates in groups of one (device, weights, KV, max batch) with growing layouts:
  // a group is evaluated in order by one worker, so once a smaller layout serves the whole
  // load with one replica, the larger ones are dominated (more devices, same job) and are
  // skipped for the cost and devices objectives.
  std::vector<std::vector<PlanCandidate>> groups;
  for (const auto* h : r.hardware)
    for (const auto& w : r.weights)
      for (const auto kv : r.kv)
        for (const auto mb : r.max_batches) {
          std::vector<PlanCandidate> g;
          auto add = [&](std::int64_t tp, std::int64_t pp) {
            PlanCandidate c;
            c.hardware = h;
            c.weights = w;
            c.kv = kv;
            c.tp = tp;
            c.pp = pp;
            c.max_batch = mb;
            g.push_back(c);
          };
          if (r.layout) {
            add(r.layout->tp, r.layout->pp);
            groups.push_back(std::move(g));
            continue;
          }
          for (std::int64_t tp = 1; tp <= r.max_devices; tp *= 2)
            for (std::int64_t pp = 1; tp * pp <= r.max_devices; pp *= 2) {
              // Pipeline stages only when tensor parallelism is already as wide as allowed.
              if (pp > 1 && tp * 2 <= r.max_devices) continue;
              // Only GPUs are ganged into tensor/pipeline groups (CPUs and Apple SoCs have
              // no device-to-device link in the catalog).
              if (tp * pp > 1 && !h->is_gpu()) continue;
              add(tp, pp);
            }
          groups.push_back(std::move(g));
        }
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i = next++; i < groups.size(); i = next++) {
      const PlanCandidate* served_by = nullptr;
      for (auto& c : groups[i]) {
        if (served_by && r.objective != Objective::kLatency) {
          c.reason = fmt::format("dominated: tp={} pp={} already serves the load with one replica",
                                 served_by->tp, served_by->pp);
          continue;
        }
        evaluate(r, mean, c);
        if (c.ok && c.replicas == 1 && !served_by) served_by = &c;
      }
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < std::max(1, r.threads); ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  std::vector<PlanCandidate> cands;
  for (auto& g : groups)
    for (auto& c : g) cands.push_back(std::move(c));
  out.evaluated = static_cast<std::int64_t>(cands.size());
  for (auto& c : cands) (c.ok ? out.ranked : out.rejected).push_back(std::move(c));
  auto key_cost = [](const PlanCandidate& c) { return c.usd_per_hour ? *c.usd_per_hour : 1e300; };
  std::stable_sort(out.ranked.begin(), out.ranked.end(),
                   [&](const PlanCandidate& x, const PlanCandidate& y) {
                     switch (r.objective) {
                       case Objective::kCost:
                         if (key_cost(x) != key_cost(y)) return key_cost(x) < key_cost(y);
                         if (x.devices != y.devices) return x.devices < y.devices;
                         // Same bill: the one with more spare capacity first.
                         return x.max_rate_per_replica * static_cast<double>(x.replicas) >
                                y.max_rate_per_replica * static_cast<double>(y.replicas);
                       case Objective::kDevices:
                         if (x.devices != y.devices) return x.devices < y.devices;
                         if (key_cost(x) != key_cost(y)) return key_cost(x) < key_cost(y);
                         return x.max_rate_per_replica > y.max_rate_per_replica;
                       case Objective::kLatency:
                         return x.at_target.e2e_s.p99 < y.at_target.e2e_s.p99;
                     }
                     return false;
                   });
  return out;
}

FitResult fit(const std::vector<schema::ModelSpec>& models, const schema::HardwareSpec& hw,
              std::int64_t devices, std::int64_t context,
              const std::vector<core::WeightScheme>& schemes) {
  FitResult out;
  for (const auto& m : models) {
    if (context > m.arch.max_context) {
      out.excluded.push_back({&m, fmt::format("a {}-token context is beyond its maximum of {}",
                                              context, m.arch.max_context)});
      continue;
    }
    // The widest tensor parallelism the model allows on these devices, the rest pipeline.
    std::int64_t tp = devices;
    while (tp > 1 && !check_parallelism(m.arch, {tp, 1}).empty()) tp /= 2;
    const std::int64_t pp = devices / tp;
    if (auto problems = check_parallelism(m.arch, {tp, pp}); !problems.empty()) {
      out.excluded.push_back({&m, problems.front()});
      continue;
    }
    bool fitted = false;
    for (const auto& w : schemes) {
      Deployment ps;
      ps.model = &m;
      ps.hardware = &hw;
      ps.weights = w;
      ps.activations = default_activations(w, hw).dtype;
      ps.par = {tp, pp};
      const PerfModel pm(ps);
      const auto ctx = static_cast<double>(context);
      const Performance p = pm.evaluate(1, std::max(1.0, ctx - 1), 1);
      if (!p.fits) continue;
      FitRow row;
      row.model = &m;
      row.weights = w;
      row.tp = tp;
      row.pp = pp;
      row.weights_bytes = static_cast<double>(weights_bytes_per_device(m, w, {tp, pp}, false));
      row.decode_tokens_per_s = 1.0 / pm.decode_step(1, ctx).time_s;
      row.max_batch = p.max_batch;
      out.rows.push_back(row);
      fitted = true;
      break;  // the highest-precision scheme that fits (schemes are ordered best first)
    }
    if (!fitted)
      out.excluded.push_back(
          {&m, fmt::format("does not fit in {} x {} at a {}-token context, even as {}", devices,
                           hw.short_name, context, schemes.empty() ? "-" : schemes.back().name)});
  }
  std::stable_sort(out.rows.begin(), out.rows.end(), [](const FitRow& a, const FitRow& b) {
    return core::count_params(a.model->arch).total > core::count_params(b.model->arch).total;
  });
  return out;
}

}  // namespace llmsizer::estimator
