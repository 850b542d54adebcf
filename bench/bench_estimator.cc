// bench_estimator.cc — how fast the memory estimate runs (it sits inside every sweep).
// Run: build/release/bench/bench_estimator
#include <benchmark/benchmark.h>

#include <cstdlib>

#include "core/model_arch.h"
#include "core/weight_scheme.h"
#include "estimator/estimate.h"
#include "schema/catalog.h"

namespace {

const llmsizer::schema::Catalog& catalog() {
  static const llmsizer::schema::Catalog c = [] {
    llmsizer::core::Diagnostics d;
    auto loaded = llmsizer::schema::load_catalog(LLMSIZER_BENCH_PROFILES, d);
    if (!loaded) std::abort();
    return *loaded;
  }();
  return c;
}

void BM_Estimate(benchmark::State& state, const char* model, const char* hw) {
  const auto& c = catalog();
  llmsizer::estimator::EstimateRequest r;
  r.model = llmsizer::schema::find_model(c, model);
  r.hardware = llmsizer::schema::find_hardware(c, hw);
  if (!r.model || !r.hardware) {
    state.SkipWithError("model or hardware missing from the catalog");
    return;
  }
  r.weights = llmsizer::core::parse_weight_scheme("q4_k_m");
  r.batch = 8;
  for (auto _ : state) benchmark::DoNotOptimize(llmsizer::estimator::estimate(r));
  state.SetItemsProcessed(state.iterations());
}

void BM_CatalogLoad(benchmark::State& state) {
  for (auto _ : state) {
    llmsizer::core::Diagnostics d;
    benchmark::DoNotOptimize(llmsizer::schema::load_catalog(LLMSIZER_BENCH_PROFILES, d));
  }
}

}  // namespace

BENCHMARK_CAPTURE(BM_Estimate, llama_3_1_8b_h100, "llama-3.1-8b", "h100-sxm");
BENCHMARK_CAPTURE(BM_Estimate, deepseek_v3_h200, "deepseek-v3", "h200-sxm");
BENCHMARK(BM_CatalogLoad)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
