// serving.cc — request generation and the continuous-batching simulator (see serving.h and
// docs/serving.md for the scheduling rules, which follow vLLM's: decode first, then
// chunked prefill within the token budget, admission by free KV blocks, recompute
// preemption of the newest sequence when decode runs out of blocks).
#include "estimator/serving.h"

#include <algorithm>
#include <cmath>
#include <deque>

#include <fmt/format.h>

#include "core/check.h"
#include "core/units.h"

namespace llmsizer::estimator {

namespace {

// SplitMix64: small, fast, and the same stream on every platform (std::*_distribution
// are implementation-defined, which would break determinism across standard libraries).
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : s_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (s_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }  // [0, 1)
  double open_uniform() { return (static_cast<double>(next() >> 11) + 0.5) * 0x1.0p-53; }
  double exponential(double rate) { return -std::log(open_uniform()) / rate; }
  double normal() {
    const double u1 = open_uniform(), u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
  }
  // Marsaglia-Tsang gamma(shape, 1).
  double gamma(double shape) {
    if (shape < 1.0) return gamma(shape + 1.0) * std::pow(open_uniform(), 1.0 / shape);
    const double d = shape - 1.0 / 3.0, c = 1.0 / std::sqrt(9.0 * d);
    for (;;) {
      double x = 0, v = 0;
      do {
        x = normal();
        v = 1.0 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const double u = open_uniform();
      if (u < 1.0 - 0.0331 * x * x * x * x) return d * v;
      if (std::log(u) < 0.5 * x * x + d * (1.0 - v + std::log(v))) return d * v;
    }
  }

 private:
  std::uint64_t s_;
};

std::int64_t draw_length(const schema::LengthSpec& l, Rng& rng) {
  double v = 0;
  switch (l.kind) {
    case schema::LengthKind::kFixed:
      v = l.value;
      break;
    case schema::LengthKind::kUniform:
      v = static_cast<double>(l.min) +
          std::floor(rng.uniform() * static_cast<double>(l.max - l.min + 1));
      break;
    case schema::LengthKind::kNormal:
      v = l.mean + l.stddev * rng.normal();
      break;
    case schema::LengthKind::kLognormal: {
      const double s2 = std::log(1.0 + (l.stddev * l.stddev) / (l.mean * l.mean));
      const double mu = std::log(l.mean) - 0.5 * s2;
      v = std::exp(mu + std::sqrt(s2) * rng.normal());
      break;
    }
    case schema::LengthKind::kEmpirical:
      v = l.value;  // not reached: empirical lengths come from the trace rows
      break;
  }
  const double lo = static_cast<double>(l.min), hi = static_cast<double>(l.max);
  return static_cast<std::int64_t>(std::llround(std::clamp(v, lo, hi)));
}

struct Seq {
  std::int64_t prompt_left = 0;  // prompt tokens still to prefill
  std::int64_t context = 0;      // tokens in the KV cache
  std::int64_t out_done = 0;
  std::int64_t blocks = 0;
  std::int64_t chunk = 0;  // tokens scheduled this step
  double first_token_s = -1;
  double last_token_s = 0;
  bool done = false;
};

// Log-spaced histogram for inter-token latencies (one sample per generated token would
// need O(tokens) memory): 0.5% relative resolution from 1 us to ~1000 s.
class LogHistogram {
 public:
  void add(double v) {
    const double x = std::max(v, kMin);
    auto b = static_cast<std::size_t>(std::log(x / kMin) / kStep);
    b = std::min(b, bins_.size() - 1);
    ++bins_[b];
    ++n_;
    sum_ += v;
    max_ = std::max(max_, v);
  }
  double quantile(double q) const {
    if (n_ == 0) return 0;
    const auto target = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(n_)));
    std::uint64_t seen = 0;
    for (std::size_t b = 0; b < bins_.size(); ++b) {
      seen += bins_[b];
      if (seen >= std::max<std::uint64_t>(target, 1))
        return kMin * std::exp((static_cast<double>(b) + 0.5) * kStep);
    }
    return max_;
  }
  double mean() const { return n_ ? sum_ / static_cast<double>(n_) : 0; }
  double max() const { return max_; }

 private:
  static constexpr double kMin = 1e-6;
  static constexpr double kStep = 0.005;
  std::vector<std::uint64_t> bins_ = std::vector<std::uint64_t>(4200, 0);
  std::uint64_t n_ = 0;
  double sum_ = 0, max_ = 0;
};

Percentiles percentiles(std::vector<double>& v) {
  Percentiles p;
  if (v.empty()) return p;
  auto at = [&](double q) {
    const auto k = static_cast<std::size_t>(std::min<double>(
        static_cast<double>(v.size() - 1), std::ceil(q * static_cast<double>(v.size())) - 1.0));
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
    return v[k];
  };
  double sum = 0, mx = 0;
  for (double x : v) sum += x, mx = std::max(mx, x);
  p.mean = sum / static_cast<double>(v.size());
  p.max = mx;
  p.p50 = at(0.50);
  p.p90 = at(0.90);
  p.p99 = at(0.99);
  return p;
}

double at_percentile(const Percentiles& p, double q) {
  if (q >= 99) return p.p99;
  if (q >= 90) return p.p90;
  return p.p50;
}

}  // namespace

std::optional<Slo> parse_slo(std::string_view text, std::string* error) {
  Slo slo;
  std::size_t pos = 0;
  if (text.empty()) {
    *error = "empty SLO; e.g. ttft_p99=500ms,tpot_p99=50ms";
    return std::nullopt;
  }
  while (pos <= text.size()) {
    const std::size_t comma = std::min(text.find(',', pos), text.size());
    const std::string_view item = text.substr(pos, comma - pos);
    const std::size_t eq = item.find('=');
    const std::size_t us = item.find('_');
    if (eq == std::string_view::npos || us == std::string_view::npos || us > eq) {
      *error = fmt::format("'{}' is not METRIC_pN=DURATION (e.g. ttft_p99=500ms)", item);
      return std::nullopt;
    }
    const std::string_view metric = item.substr(0, us);
    const std::string_view pct = item.substr(us + 1, eq - us - 1);
    const auto limit = core::parse_duration_s(item.substr(eq + 1));
    double percentile = 0;
    if (pct == "p50")
      percentile = 50;
    else if (pct == "p90")
      percentile = 90;
    else if (pct == "p99")
      percentile = 99;
    if (percentile == 0) {
      *error = fmt::format("'{}': the percentile must be p50, p90 or p99", item);
      return std::nullopt;
    }
    if (!limit || *limit <= 0) {
      *error = fmt::format("'{}': '{}' is not a positive duration (e.g. 500ms, 2s)", item,
                           item.substr(eq + 1));
      return std::nullopt;
    }
    std::optional<SloTarget>* slot = metric == "ttft"   ? &slo.ttft
                                     : metric == "tpot" ? &slo.tpot
                                     : metric == "e2e"  ? &slo.e2e
                                                        : nullptr;
    if (!slot) {
      *error = fmt::format("'{}': the metric must be ttft, tpot or e2e", item);
      return std::nullopt;
    }
    if (*slot) {
      *error = fmt::format("'{}': {} is given twice", item, metric);
      return std::nullopt;
    }
    *slot = SloTarget{*limit, percentile};
    pos = comma + 1;
  }
  return slo;
}

std::string format_slo(const Slo& slo) {
  std::string out;
  auto one = [&](const char* name, const std::optional<SloTarget>& t) {
    if (!t) return;
    if (!out.empty()) out += ",";
    out += fmt::format("{}_p{:.0f}={}ms", name, t->percentile, t->limit_s * 1e3);
  };
  one("ttft", slo.ttft);
  one("tpot", slo.tpot);
  one("e2e", slo.e2e);
  return out;
}

std::vector<Request> generate_requests(const schema::Workload& w, std::optional<double> rate,
                                       std::optional<std::int64_t> count) {
  std::vector<Request> out;
  Rng rng(w.seed);
  const double prefix = w.shared_prefix_fraction;
  if (w.arrival == schema::ArrivalKind::kTrace) {
    const std::size_t n = count ? static_cast<std::size_t>(*count) : w.trace.size();
    out.reserve(std::min(n, w.trace.size()));
    for (std::size_t i = 0; i < w.trace.size() && out.size() < n; ++i) {
      const auto& t = w.trace[i];
      out.push_back({t.arrival_s, t.prompt_tokens, t.output_tokens,
                     static_cast<std::int64_t>(prefix * static_cast<double>(t.prompt_tokens))});
    }
    return out;
  }
  const std::int64_t n = count ? *count : w.requests;
  const double r = rate ? *rate : w.rate_per_s;
  out.reserve(static_cast<std::size_t>(n));
  double t = 0;
  const double shape = 1.0 / (w.cv * w.cv);
  for (std::int64_t i = 0; i < n; ++i) {
    if (w.arrival == schema::ArrivalKind::kGamma)
      t += rng.gamma(shape) / (shape * r);
    else
      t += rng.exponential(r);
    const std::int64_t p = draw_length(w.prompt, rng);
    const std::int64_t o = draw_length(w.output, rng);
    out.push_back({t, p, o, static_cast<std::int64_t>(prefix * static_cast<double>(p))});
  }
  return out;
}

ServingResult simulate(const PerfModel& perf, const ServingConfig& cfg,
                       const std::vector<Request>& req, const Slo& slo, bool keep_timeline) {
  LLMSIZER_CHECK(cfg.max_batch >= 1 && cfg.max_batched_tokens >= 1 && cfg.block_size >= 1,
                 "serving config must be positive");
  ServingResult res;
  const std::size_t n = req.size();
  res.requests = static_cast<std::int64_t>(n);
  if (n == 0) return res;
  const std::int64_t total_blocks =
      std::max<std::int64_t>(0, cfg.kv_capacity_tokens) / cfg.block_size;
  std::int64_t free_blocks = total_blocks;
  auto blocks_for = [&](std::int64_t tokens) {
    return (tokens + cfg.block_size - 1) / cfg.block_size;
  };

  std::vector<Seq> seqs(n);
  std::vector<double> ttft, tpot, e2e;
  ttft.reserve(n), tpot.reserve(n), e2e.reserve(n);
  LogHistogram itl;
  std::deque<std::size_t> waiting;
  std::vector<std::size_t> running;
  running.reserve(static_cast<std::size_t>(cfg.max_batch));
  std::vector<std::size_t> finished_now;
  std::size_t next = 0;
  double t = req.front().arrival_s;
  const double t0 = t;
  std::int64_t good = 0;
  double kv_area = 0, batch_area = 0, queue_area = 0;

  auto complete = [&](std::size_t i) {
    Seq& s = seqs[i];
    s.done = true;
    free_blocks += s.blocks;
    s.blocks = 0;
    ++res.completed;
    const Request& r = req[i];
    const double e = t - r.arrival_s;
    const double first = s.first_token_s - r.arrival_s;
    const double per_token =
        r.output_tokens > 1 ? (t - s.first_token_s) / static_cast<double>(r.output_tokens - 1) : 0;
    ttft.push_back(first);
    tpot.push_back(per_token);
    e2e.push_back(e);
    const bool ok = (!slo.ttft || first <= slo.ttft->limit_s) &&
                    (!slo.tpot || per_token <= slo.tpot->limit_s) &&
                    (!slo.e2e || e <= slo.e2e->limit_s);
    if (ok) ++good;
  };

  while (res.completed + static_cast<std::int64_t>(0) < static_cast<std::int64_t>(n)) {
    while (next < n && req[next].arrival_s <= t) waiting.push_back(next++);
    if (running.empty() && waiting.empty()) {
      if (next >= n) break;
      t = req[next].arrival_s;
      continue;
    }
    // --- schedule one step ---
    std::int64_t budget = cfg.max_batched_tokens;
    double decode_n = 0, decode_past = 0, prefill_n = 0, prefill_tok = 0, prefill_past = 0;
    const bool batch_busy = !running.empty();
    if (!cfg.static_batching || !batch_busy) {
      // Admit: FIFO while there is room in the batch, the budget and the KV cache.
      while (!waiting.empty() && static_cast<std::int64_t>(running.size()) < cfg.max_batch &&
             (budget > 0 || cfg.static_batching)) {
        const std::size_t i = waiting.front();
        Seq& s = seqs[i];
        const Request& r = req[i];
        if (s.out_done == 0 && s.context == 0 && s.prompt_left == 0)
          s.prompt_left = r.prompt_tokens - r.cached_prefix_tokens;
        // With preemption, admit on the prompt's blocks (+1 to start decoding), as vLLM does;
        // without it, reserve the whole sequence up front so decode can never run dry
        // (TensorRT-LLM's guaranteed-no-evict policy).
        const std::int64_t full = s.context + s.prompt_left + (r.output_tokens - s.out_done);
        const std::int64_t need =
            (cfg.preemption ? blocks_for(s.context + s.prompt_left) + 1 : blocks_for(full)) -
            s.blocks;
        if (need > free_blocks) {
          if (running.empty() && need > total_blocks) {
            // Can never fit on this replica: drop it, counted as not completed.
            waiting.pop_front();
            s.done = true;
            ++res.completed;
            continue;
          }
          break;
        }
        waiting.pop_front();
        running.push_back(i);
        if (!cfg.preemption) {
          free_blocks -= need;
          s.blocks += need;
        }
        if (!cfg.static_batching) budget -= std::min(budget, s.prompt_left);
      }
      budget = cfg.max_batched_tokens;
    }
    // Decode first (one token each), then prefill chunks within the remaining budget.
    for (std::size_t k = 0; k < running.size(); ++k) {  // preemption shrinks `running`
      const std::size_t i = running[k];
      Seq& s = seqs[i];
      s.chunk = 0;
      if (s.done || s.prompt_left > 0 || s.out_done >= req[i].output_tokens) continue;
      // Needs a new block?
      if (blocks_for(s.context + 1) > s.blocks) {
        while (free_blocks == 0 && cfg.preemption && running.size() > 1) {
          // Preempt the newest running sequence (recompute later).
          const std::size_t victim = running.back();
          if (victim == i) break;
          Seq& v = seqs[victim];
          free_blocks += v.blocks;
          v.blocks = 0;
          v.prompt_left = v.context + std::max<std::int64_t>(v.prompt_left, 0);
          v.context = 0;
          v.chunk = 0;
          running.pop_back();
          waiting.push_front(victim);
          ++res.preemptions;
        }
        if (free_blocks == 0) continue;  // stalls this step
        --free_blocks;
        ++s.blocks;
      }
      s.chunk = 1;
      decode_n += 1;
      decode_past += static_cast<double>(s.context);
      if (!cfg.static_batching) --budget;
    }
    for (std::size_t i : running) {
      Seq& s = seqs[i];
      if (s.done || s.prompt_left <= 0) continue;
      const std::int64_t chunk = cfg.static_batching
                                     ? s.prompt_left
                                     : std::min(s.prompt_left, std::max<std::int64_t>(budget, 0));
      if (chunk <= 0) continue;
      const std::int64_t grow = blocks_for(s.context + chunk) - s.blocks;
      if (grow > free_blocks) continue;
      free_blocks -= std::max<std::int64_t>(grow, 0);
      s.blocks += std::max<std::int64_t>(grow, 0);
      s.chunk = chunk;
      budget -= chunk;
      prefill_n += 1;
      prefill_tok += static_cast<double>(chunk);
      prefill_past += static_cast<double>(s.context);
    }
    if (decode_n == 0 && prefill_n == 0) {
      // Nothing can run (KV full without preemption): wait for the next arrival or stop.
      if (next < n) {
        t = std::max(t, req[next].arrival_s);
        continue;
      }
      break;
    }
    Step st;
    st.decode_seqs = decode_n;
    st.decode_past = decode_n > 0 ? decode_past / decode_n : 0;
    st.prefill_seqs = prefill_n;
    st.prefill_tokens = prefill_n > 0 ? prefill_tok / prefill_n : 0;
    st.prefill_past = prefill_n > 0 ? prefill_past / prefill_n : 0;
    const double dt = perf.step(st).time_s;
    // Time-weighted utilisation over this step.
    const double kv_util = total_blocks > 0 ? static_cast<double>(total_blocks - free_blocks) /
                                                  static_cast<double>(total_blocks)
                                            : 0;
    kv_area += kv_util * dt;
    res.kv_utilization_max = std::max(res.kv_utilization_max, kv_util);
    batch_area += static_cast<double>(running.size()) / static_cast<double>(cfg.max_batch) * dt;
    queue_area += static_cast<double>(waiting.size()) * dt;
    res.queue_length_max =
        std::max(res.queue_length_max, static_cast<std::int64_t>(waiting.size()));
    if (keep_timeline)
      res.timeline.push_back({t, dt, static_cast<std::int32_t>(running.size()),
                              static_cast<std::int32_t>(waiting.size()),
                              static_cast<std::int32_t>(decode_n),
                              static_cast<std::int32_t>(prefill_tok), kv_util});
    t += dt;
    ++res.steps;
    // --- apply the step ---
    finished_now.clear();
    for (std::size_t i : running) {
      Seq& s = seqs[i];
      if (s.chunk == 0) continue;
      const Request& r = req[i];
      if (s.prompt_left > 0) {
        s.prompt_left -= s.chunk;
        s.context += s.chunk;
        if (s.prompt_left == 0 && s.out_done == 0) {
          s.out_done = 1;  // the prefill's logits give the first token
          s.first_token_s = t;
          s.last_token_s = t;
        }
      } else {
        s.context += 1;
        s.out_done += 1;
        itl.add(t - s.last_token_s);
        s.last_token_s = t;
      }
      if (s.out_done >= r.output_tokens && s.prompt_left == 0) finished_now.push_back(i);
    }
    if (!finished_now.empty()) {
      // A static batch frees its slots only when the whole batch is done.
      if (!cfg.static_batching) {
        for (std::size_t i : finished_now) complete(i);
        running.erase(std::remove_if(running.begin(), running.end(),
                                     [&](std::size_t i) { return seqs[i].done; }),
                      running.end());
      } else {
        bool all = true;
        for (std::size_t i : running)
          all = all && seqs[i].prompt_left == 0 && seqs[i].out_done >= req[i].output_tokens;
        if (all) {
          for (std::size_t i : running) complete(i);
          running.clear();
        }
      }
    }
  }
  res.duration_s = t - t0;
  const double dur = std::max(res.duration_s, 1e-12);
  std::int64_t out_tokens = 0, all_tokens = 0;
  for (std::size_t i = 0; i < n; ++i)
    if (seqs[i].first_token_s >= 0) {
      out_tokens += req[i].output_tokens;
      all_tokens += req[i].output_tokens + req[i].prompt_tokens;
    }
  const auto done = static_cast<double>(e2e.size());
  res.requests_per_s = done / dur;
  res.output_tokens_per_s = static_cast<double>(out_tokens) / dur;
  res.total_tokens_per_s = static_cast<double>(all_tokens) / dur;
  res.goodput_requests_per_s = static_cast<double>(good) / dur;
  res.slo_attainment = static_cast<double>(good) / static_cast<double>(n);
  res.kv_utilization_mean = kv_area / dur;
  res.batch_utilization_mean = batch_area / dur;
  res.queue_length_mean = queue_area / dur;
  res.ttft_s = percentiles(ttft);
  res.tpot_s = percentiles(tpot);
  res.e2e_s = percentiles(e2e);
  res.itl_s = {itl.quantile(0.5), itl.quantile(0.9), itl.quantile(0.99), itl.mean(), itl.max()};
  auto holds = [](const std::optional<SloTarget>& target, const Percentiles& p) {
    return !target || at_percentile(p, target->percentile) <= target->limit_s;
  };
  res.slo_met = e2e.size() == n && holds(slo.ttft, res.ttft_s) && holds(slo.tpot, res.tpot_s) &&
                holds(slo.e2e, res.e2e_s);
  return res;
}

}  // namespace llmsizer::estimator
