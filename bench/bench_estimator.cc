// bench_estimator.cc — how fast llmsizer's own estimates run: they sit inside every sweep,
// study and serving simulation. Targets (docs/benchmarks.md): >= 1,000,000 full latency/throughput
// evaluations per second on one core for a dense 32-layer model, >= 200,000 for
// DeepSeek-V3. A "full evaluation" is PerfModel::evaluate(): prefill, three decode steps
// (Simpson average over the growing context), TTFT, TPOT, e2e and throughput, for a model
// prepared once per (model, hardware, precision, layout) as a sweep does.
// Run: build/release/bench/bench_estimator
#include <benchmark/benchmark.h>

#include <cstdlib>

#include "core/weight_scheme.h"
#include "estimator/estimate.h"
#include "estimator/performance.h"
#include "estimator/serving.h"
#include "schema/catalog.h"

namespace {

using namespace llmsizer;

const schema::Catalog& catalog() {
  static const schema::Catalog c = [] {
    core::Diagnostics d;
    auto loaded = schema::load_catalog(LLMSIZER_BENCH_PROFILES, d);
    if (!loaded) std::abort();
    return *loaded;
  }();
  return c;
}

estimator::Deployment setup(const char* model, const char* hw, const char* weights, int tp) {
  estimator::Deployment s;
  s.model = schema::find_model(catalog(), model);
  s.hardware = schema::find_hardware(catalog(), hw);
  if (!s.model || !s.hardware) std::abort();
  s.weights = *core::parse_weight_scheme(weights);
  s.par.tp = tp;
  return s;
}

// Varies batch and lengths every iteration so nothing is hoisted out of the loop.
void BM_Evaluate(benchmark::State& state, const char* model, const char* hw, const char* w,
                 int tp) {
  const estimator::PerfModel pm(setup(model, hw, w, tp));
  double batch = 1, prompt = 128;
  for (auto _ : state) {
    benchmark::DoNotOptimize(pm.evaluate(batch, prompt, 256));
    batch = batch >= 256 ? 1 : batch + 1;
    prompt = prompt >= 4096 ? 128 : prompt + 64;
  }
  state.SetItemsProcessed(state.iterations());
}

// The whole CLI path (memory sizing, report with strings) per call, for contrast.
void BM_EstimateReport(benchmark::State& state, const char* model, const char* hw) {
  estimator::EstimateRequest r;
  r.model = schema::find_model(catalog(), model);
  r.hardware = schema::find_hardware(catalog(), hw);
  if (!r.model || !r.hardware) std::abort();
  r.weights = core::parse_weight_scheme("q4_k_m");
  r.batch = 8;
  for (auto _ : state) benchmark::DoNotOptimize(estimator::estimate(r));
  state.SetItemsProcessed(state.iterations());
}

// Serving simulation speed: simulated requests per second of wall time on one core
// (target: >= 1,000,000 per minute = 16,667 per second). A chat-like load at
// moderate utilisation on one H100.
void BM_Simulate(benchmark::State& state) {
  const estimator::PerfModel pm(setup("llama-3.1-8b", "h100-sxm", "fp8", 1));
  schema::Workload w;
  w.rate_per_s = 20;
  w.prompt.kind = w.output.kind = schema::LengthKind::kLognormal;
  w.prompt.mean = 1024, w.prompt.stddev = 768, w.prompt.min = 32, w.prompt.max = 8192;
  w.output.mean = 256, w.output.stddev = 192, w.output.min = 8, w.output.max = 2048;
  w.requests = state.range(0);
  const auto reqs = estimator::generate_requests(w);
  estimator::ServingConfig cfg;
  cfg.kv_capacity_tokens = 500000;
  for (auto _ : state) benchmark::DoNotOptimize(estimator::simulate(pm, cfg, reqs, {}));
  state.SetItemsProcessed(state.iterations() * state.range(0));
  state.counters["requests_per_minute"] = benchmark::Counter(
      static_cast<double>(state.iterations() * state.range(0)) * 60.0, benchmark::Counter::kIsRate);
}

void BM_CatalogLoad(benchmark::State& state) {
  for (auto _ : state) {
    core::Diagnostics d;
    benchmark::DoNotOptimize(schema::load_catalog(LLMSIZER_BENCH_PROFILES, d));
  }
}

}  // namespace

BENCHMARK_CAPTURE(BM_Evaluate, llama_3_1_8b_h100_bf16, "llama-3.1-8b", "h100-sxm", "bf16", 1);
BENCHMARK_CAPTURE(BM_Evaluate, llama_2_7b_a100_q4_k_m, "llama-2-7b", "a100-sxm-80gb", "q4_k_m", 1);
BENCHMARK_CAPTURE(BM_Evaluate, llama_3_1_70b_h100_tp4, "llama-3.1-70b", "h100-sxm", "fp8", 4);
BENCHMARK_CAPTURE(BM_Evaluate, gemma_2_9b_l4, "gemma-2-9b", "l4", "bf16", 1);
BENCHMARK_CAPTURE(BM_Evaluate, deepseek_v3_h200_tp8, "deepseek-v3", "h200-sxm", "fp8", 8);
BENCHMARK_CAPTURE(BM_EstimateReport, llama_3_1_8b_h100, "llama-3.1-8b", "h100-sxm");
BENCHMARK_CAPTURE(BM_EstimateReport, deepseek_v3_h200, "deepseek-v3", "h200-sxm");
BENCHMARK(BM_Simulate)->Arg(100000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CatalogLoad)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
