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

namespace {

// One run of the simulator: the scheduler's state and the statistics it gathers. Each step
// is arrive -> admit -> schedule decode -> schedule prefill -> time -> apply (serving.h).
class Simulator {
 public:
  Simulator(const PerfModel& perf, const ServingConfig& cfg, const std::vector<Request>& req,
            const Slo& slo, bool keep_timeline, const SimulationProgress& progress)
      : perf_(perf),
        cfg_(cfg),
        req_(req),
        slo_(slo),
        keep_timeline_(keep_timeline),
        progress_(progress),
        n_(req.size()),
        total_blocks_(std::max<std::int64_t>(0, cfg.kv_capacity_tokens) / cfg.block_size),
        free_blocks_(total_blocks_),
        seqs_(req.size()) {
    ttft_.reserve(n_), tpot_.reserve(n_), e2e_.reserve(n_);
    warmup_ = static_cast<std::size_t>(
        std::floor(std::clamp(cfg.warmup_fraction, 0.0, 0.9) * static_cast<double>(n_)));
    if (n_ > 0) {
      window_begin_ = req[std::min(warmup_, n_ - 1)].arrival_s;
      window_end_ = req.back().arrival_s;
    }
    running_.reserve(static_cast<std::size_t>(cfg.max_batch));
    res_.requests = static_cast<std::int64_t>(n_);
  }

  ServingResult run() {
    if (n_ == 0) return res_;
    t_ = t0_ = req_.front().arrival_s;
    while (res_.completed + res_.rejected() < res_.requests) {
      arrive();
      if (running_.empty() && waiting_.empty()) {
        if (next_ >= n_) break;
        t_ = req_[next_].arrival_s;
        continue;
      }
      if (cfg_.max_steps > 0 && res_.steps >= cfg_.max_steps) {
        res_.stopped_at_step_limit = true;
        break;
      }
      if (!cfg_.static_batching || running_.empty()) admit();
      budget_ = cfg_.max_batched_tokens;
      Step st;
      schedule_decode(st);
      schedule_prefill(st);
      if (st.decode_seqs == 0 && st.prefill_seqs == 0) {
        // Nothing can run (KV full without preemption): wait for the next arrival or stop.
        if (next_ < n_) {
          t_ = std::max(t_, req_[next_].arrival_s);
          continue;
        }
        break;
      }
      time_step(st);
      apply_step();
      if (progress_ && (res_.steps & 0xFFFF) == 0)
        progress_(res_.completed + res_.rejected(), res_.requests, res_.steps);
    }
    return finish();
  }

 private:
  std::int64_t blocks_for(std::int64_t tokens) const {
    return (tokens + cfg_.block_size - 1) / cfg_.block_size;
  }

  // Queues the requests that have arrived; those that can never run are rejected here.
  void arrive() {
    while (next_ < n_ && req_[next_].arrival_s <= t_) {
      const std::size_t i = next_++;
      const Request& r = req_[i];
      if (cfg_.max_context_tokens > 0 &&
          r.prompt_tokens + r.output_tokens > cfg_.max_context_tokens) {
        reject(i, res_.rejected_context);
      } else if (blocks_for(r.prompt_tokens - r.cached_prefix_tokens + r.output_tokens) >
                 total_blocks_) {
        reject(i, res_.rejected_kv);
      } else {
        waiting_.push_back(i);
      }
    }
  }

  void reject(std::size_t i, std::int64_t& counter) {
    seqs_[i].done = true;
    ++counter;
  }

  // FIFO while there is room in the batch, the budget and the KV cache.
  void admit() {
    std::int64_t budget = cfg_.max_batched_tokens;
    while (!waiting_.empty() && static_cast<std::int64_t>(running_.size()) < cfg_.max_batch &&
           (budget > 0 || cfg_.static_batching)) {
      const std::size_t i = waiting_.front();
      Seq& s = seqs_[i];
      const Request& r = req_[i];
      if (s.out_done == 0 && s.context == 0 && s.prompt_left == 0)
        s.prompt_left = r.prompt_tokens - r.cached_prefix_tokens;
      // With preemption, admit on the prompt's blocks (+1 to start decoding), as vLLM does;
      // without it, reserve the whole sequence up front so decode can never run dry
      // (TensorRT-LLM's guaranteed-no-evict policy).
      const std::int64_t full = s.context + s.prompt_left + (r.output_tokens - s.out_done);
      const std::int64_t need =
          (cfg_.preemption ? blocks_for(s.context + s.prompt_left) + 1 : blocks_for(full)) -
          s.blocks;
      if (need > free_blocks_) {
        if (running_.empty() && need > total_blocks_) {
          waiting_.pop_front();  // one block short of fitting alone: can never run
          reject(i, res_.rejected_kv);
          continue;
        }
        break;
      }
      waiting_.pop_front();
      running_.push_back(i);
      if (!cfg_.preemption) {
        free_blocks_ -= need;
        s.blocks += need;
      }
      if (!cfg_.static_batching) budget -= std::min(budget, s.prompt_left);
    }
  }

  // Preempts the newest running sequence (recomputed later) unless it is `keep`.
  bool preempt_newest(std::size_t keep) {
    const std::size_t victim = running_.back();
    if (victim == keep) return false;
    Seq& v = seqs_[victim];
    free_blocks_ += v.blocks;
    v.blocks = 0;
    v.prompt_left = v.context + std::max<std::int64_t>(v.prompt_left, 0);
    v.context = 0;
    v.chunk = 0;
    running_.pop_back();
    waiting_.push_front(victim);
    ++res_.preemptions;
    return true;
  }

  // Decode first: one token for each running sequence past its prefill.
  void schedule_decode(Step& st) {
    double past = 0;
    for (std::size_t k = 0; k < running_.size(); ++k) {  // preemption shrinks `running_`
      const std::size_t i = running_[k];
      Seq& s = seqs_[i];
      s.chunk = 0;
      if (s.done || s.prompt_left > 0 || s.out_done >= req_[i].output_tokens) continue;
      if (blocks_for(s.context + 1) > s.blocks) {  // needs a new block
        while (free_blocks_ == 0 && cfg_.preemption && running_.size() > 1 && preempt_newest(i)) {
        }
        if (free_blocks_ == 0) continue;  // stalls this step
        --free_blocks_;
        ++s.blocks;
      }
      s.chunk = 1;
      st.decode_seqs += 1;
      past += static_cast<double>(s.context);
      if (!cfg_.static_batching) --budget_;
    }
    st.decode_past = st.decode_seqs > 0 ? past / st.decode_seqs : 0;
  }

  // Then prefill chunks within the remaining token budget.
  void schedule_prefill(Step& st) {
    double tokens = 0, past = 0;
    for (std::size_t i : running_) {
      Seq& s = seqs_[i];
      if (s.done || s.prompt_left <= 0) continue;
      const std::int64_t chunk = cfg_.static_batching
                                     ? s.prompt_left
                                     : std::min(s.prompt_left, std::max<std::int64_t>(budget_, 0));
      if (chunk <= 0) continue;
      const std::int64_t grow = blocks_for(s.context + chunk) - s.blocks;
      if (grow > free_blocks_) continue;
      free_blocks_ -= std::max<std::int64_t>(grow, 0);
      s.blocks += std::max<std::int64_t>(grow, 0);
      s.chunk = chunk;
      budget_ -= chunk;
      st.prefill_seqs += 1;
      tokens += static_cast<double>(chunk);
      past += static_cast<double>(s.context);
    }
    prefill_total_ = tokens;
    st.prefill_tokens = st.prefill_seqs > 0 ? tokens / st.prefill_seqs : 0;
    st.prefill_past = st.prefill_seqs > 0 ? past / st.prefill_seqs : 0;
  }

  // Times the step and adds it to the time-weighted utilisations.
  void time_step(const Step& st) {
    const double dt = perf_.step(st).time_s;
    const double kv_util = total_blocks_ > 0 ? static_cast<double>(total_blocks_ - free_blocks_) /
                                                   static_cast<double>(total_blocks_)
                                             : 0;
    kv_area_ += kv_util * dt;
    res_.kv_utilization_max = std::max(res_.kv_utilization_max, kv_util);
    batch_area_ += static_cast<double>(running_.size()) / static_cast<double>(cfg_.max_batch) * dt;
    queue_area_ += static_cast<double>(waiting_.size()) * dt;
    if (t_ >= window_begin_ && t_ < window_end_) {
      const double mid = 0.5 * (window_begin_ + window_end_);
      (t_ < mid ? queue_early_ : queue_late_) +=
          static_cast<double>(waiting_.size()) * std::min(dt, window_end_ - t_);
    }
    res_.queue_length_max =
        std::max(res_.queue_length_max, static_cast<std::int64_t>(waiting_.size()));
    if (keep_timeline_)
      res_.timeline.push_back({t_, dt, static_cast<std::int32_t>(running_.size()),
                               static_cast<std::int32_t>(waiting_.size()),
                               static_cast<std::int32_t>(st.decode_seqs),
                               static_cast<std::int32_t>(prefill_total_), kv_util});
    t_ += dt;
    ++res_.steps;
  }

  // Advances every scheduled sequence by its chunk and completes the finished ones.
  void apply_step() {
    finished_now_.clear();
    for (std::size_t i : running_) {
      Seq& s = seqs_[i];
      if (s.chunk == 0) continue;
      const Request& r = req_[i];
      if (s.prompt_left > 0) {
        s.prompt_left -= s.chunk;
        s.context += s.chunk;
        if (s.prompt_left == 0 && s.out_done == 0) {
          s.out_done = 1;  // the prefill's logits give the first token
          s.first_token_s = t_;
          s.last_token_s = t_;
        }
      } else {
        s.context += 1;
        s.out_done += 1;
        itl_.add(t_ - s.last_token_s);
        s.last_token_s = t_;
      }
      if (s.out_done >= r.output_tokens && s.prompt_left == 0) finished_now_.push_back(i);
    }
    if (finished_now_.empty()) return;
    if (!cfg_.static_batching) {
      for (std::size_t i : finished_now_) complete(i);
      running_.erase(std::remove_if(running_.begin(), running_.end(),
                                    [&](std::size_t i) { return seqs_[i].done; }),
                     running_.end());
      return;
    }
    // A static batch frees its slots only when the whole batch is done.
    bool all = true;
    for (std::size_t i : running_)
      all = all && seqs_[i].prompt_left == 0 && seqs_[i].out_done >= req_[i].output_tokens;
    if (!all) return;
    for (std::size_t i : running_) complete(i);
    running_.clear();
  }

  void complete(std::size_t i) {
    Seq& s = seqs_[i];
    s.done = true;
    free_blocks_ += s.blocks;
    s.blocks = 0;
    ++res_.completed;
    if (i < warmup_) return;
    const Request& r = req_[i];
    const double e = t_ - r.arrival_s;
    const double first = s.first_token_s - r.arrival_s;
    const double per_token =
        r.output_tokens > 1 ? (t_ - s.first_token_s) / static_cast<double>(r.output_tokens - 1) : 0;
    ttft_.push_back(first);
    tpot_.push_back(per_token);
    e2e_.push_back(e);
    const bool ok = (!slo_.ttft || first <= slo_.ttft->limit_s) &&
                    (!slo_.tpot || per_token <= slo_.tpot->limit_s) &&
                    (!slo_.e2e || e <= slo_.e2e->limit_s);
    if (ok) ++good_;
  }

  ServingResult finish() {
    res_.duration_s = t_ - t0_;
    const double dur = std::max(res_.duration_s, 1e-12);
    std::int64_t out_tokens = 0, all_tokens = 0;
    for (std::size_t i = 0; i < n_; ++i)
      if (seqs_[i].first_token_s >= 0) {
        out_tokens += req_[i].output_tokens;
        all_tokens += req_[i].output_tokens + req_[i].prompt_tokens;
      }
    const auto done = static_cast<double>(res_.completed);
    res_.requests_per_s = done / dur;
    res_.output_tokens_per_s = static_cast<double>(out_tokens) / dur;
    res_.total_tokens_per_s = static_cast<double>(all_tokens) / dur;
    res_.goodput_requests_per_s = static_cast<double>(good_) / dur;
    res_.measured = static_cast<std::int64_t>(n_ - warmup_);
    res_.slo_attainment = static_cast<double>(good_) / static_cast<double>(res_.measured);
    res_.kv_utilization_mean = kv_area_ / dur;
    res_.batch_utilization_mean = batch_area_ / dur;
    res_.queue_length_mean = queue_area_ / dur;
    res_.ttft_s = percentiles(ttft_);
    res_.tpot_s = percentiles(tpot_);
    res_.e2e_s = percentiles(e2e_);
    res_.itl_s = {itl_.quantile(0.5), itl_.quantile(0.9), itl_.quantile(0.99), itl_.mean(),
                  itl_.max()};
    auto holds = [](const std::optional<SloTarget>& target, const Percentiles& p) {
      return !target || at_percentile(p, target->percentile) <= target->limit_s;
    };
    const double half = 0.5 * (window_end_ - window_begin_);
    if (half > 0) {
      res_.queue_mean_early = queue_early_ / half;
      res_.queue_mean_late = queue_late_ / half;
    }
    const double half_arrivals = 0.5 * static_cast<double>(n_ - 1 - std::min(warmup_, n_ - 1));
    res_.queue_stable =
        res_.queue_mean_late - res_.queue_mean_early <= kQueueDrift * half_arrivals + kQueueSlack;
    res_.slo_met = e2e_.size() == n_ - warmup_ && holds(slo_.ttft, res_.ttft_s) &&
                   holds(slo_.tpot, res_.tpot_s) && holds(slo_.e2e, res_.e2e_s);
    return std::move(res_);
  }

  const PerfModel& perf_;
  const ServingConfig& cfg_;
  const std::vector<Request>& req_;
  const Slo& slo_;
  const bool keep_timeline_;
  const SimulationProgress& progress_;
  const std::size_t n_;
  const std::int64_t total_blocks_;
  std::int64_t free_blocks_;
  std::int64_t budget_ = 0;   // tokens left in this step
  double prefill_total_ = 0;  // prefill tokens scheduled this step
  std::vector<Seq> seqs_;
  std::vector<double> ttft_, tpot_, e2e_;
  LogHistogram itl_;
  std::deque<std::size_t> waiting_;
  std::vector<std::size_t> running_;
  std::vector<std::size_t> finished_now_;
  std::size_t next_ = 0;
  double t_ = 0, t0_ = 0;
  std::int64_t good_ = 0;
  double kv_area_ = 0, batch_area_ = 0, queue_area_ = 0;
  std::size_t warmup_ = 0;                    // requests [0, warmup_) are not measured
  double window_begin_ = 0, window_end_ = 0;  // the measured arrival window
  double queue_early_ = 0, queue_late_ = 0;   // waiting x time in its two halves
  ServingResult res_;
};

}  // namespace

ServingResult simulate(const PerfModel& perf, const ServingConfig& cfg,
                       const std::vector<Request>& requests, const Slo& slo, bool keep_timeline,
                       const SimulationProgress& progress) {
  LLMSIZER_CHECK(cfg.max_batch >= 1 && cfg.max_batched_tokens >= 1 && cfg.block_size >= 1,
                 "serving config must be positive");
  return Simulator(perf, cfg, requests, slo, keep_timeline, progress).run();
}

}  // namespace llmsizer::estimator
