// test_numeric_robustness.cc — no NaN or infinity in any estimate over the shipped catalog's
// cross product: every model x every hardware x weight schemes x KV dtypes x batch 1..1024
// x context up to the model's maximum (log grids). The default test samples the product so
// it runs in seconds (each model meets every hardware, and every grid value meets every
// model); `[.full-sweep]` runs all of it. Estimator API directly (estimate + report_to_json,
// whose writer aborts on a non-finite number).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "estimator/estimate.h"
#include "schema/estimate_report.h"
#include "shipped_catalog.h"

using namespace llmsizer;

namespace {

struct Grid {
  std::vector<core::WeightScheme> weights;
  std::vector<core::DType> kv;
  std::vector<std::int64_t> batch = {1, 4, 16, 64, 256, 1024};
  int context_steps = 5;  // log grid from 16 tokens to the model's max context
};

Grid grid() {
  Grid g;
  for (const char* w : {"bf16", "fp8", "int8", "int4", "q8_0", "q4_k_m", "q2_k"})
    g.weights.push_back(*core::parse_weight_scheme(w));
  for (const char* k : {"f16", "fp8_e4m3", "q8_0"}) g.kv.push_back(*core::parse_dtype(k));
  return g;
}

// Context lengths 16 .. max on a log grid (max itself included).
std::vector<std::int64_t> contexts(std::int64_t max_context, int steps) {
  std::vector<std::int64_t> out;
  const double lo = std::log(16.0),
               hi = std::log(static_cast<double>(std::max<std::int64_t>(32, max_context)));
  for (int i = 0; i < steps; ++i)
    out.push_back(static_cast<std::int64_t>(
        std::llround(std::exp(lo + (hi - lo) * i / std::max(1, steps - 1)))));
  return out;
}

// Every double of the report; a failure names the field.
void check_finite(const schema::EstimateReport& r) {
  const auto& p = r.perf;
  const std::pair<const char*, double> fields[] = {
      {"hardware.bandwidth_bytes_per_s", r.hardware.bandwidth_bytes_per_s},
      {"memory.bits_per_weight", r.memory.bits_per_weight},
      {"perf.prefill_time_s", p.prefill_time_s},
      {"perf.prefill_tokens_per_s", p.prefill_tokens_per_s},
      {"perf.decode_time_per_step_s", p.decode_time_per_step_s},
      {"perf.decode_time_first_step_s", p.decode_time_first_step_s},
      {"perf.decode_time_last_step_s", p.decode_time_last_step_s},
      {"perf.decode_tokens_per_s", p.decode_tokens_per_s},
      {"perf.ttft_s", p.ttft_s},
      {"perf.tpot_s", p.tpot_s},
      {"perf.e2e_s", p.e2e_s},
      {"perf.output_tokens_per_s", p.output_tokens_per_s},
      {"perf.output_tokens_per_s_per_device", p.output_tokens_per_s_per_device},
      {"perf.total_tokens_per_s", p.total_tokens_per_s},
      {"perf.compute_peak_flop_per_s", p.compute_peak_flop_per_s},
      {"perf.compute_efficiency", p.compute_efficiency},
      {"perf.memory_efficiency", p.memory_efficiency},
      {"perf.kernel_overhead_s", p.kernel_overhead_s},
  };
  for (const auto& [name, v] : fields) {
    INFO(name << " = " << v);
    CHECK(std::isfinite(v));
    CHECK(v >= 0);
  }
  for (const auto& op : p.ops) {
    INFO("op " << op.phase << "/" << op.name);
    CHECK(std::isfinite(op.count));
    CHECK(std::isfinite(op.time_s));
    CHECK(std::isfinite(op.flops));
    CHECK(std::isfinite(op.bytes));
    CHECK(std::isfinite(op.share));
  }
  CHECK(r.memory.total_bytes >= r.memory.weights_bytes);
}

// Runs point `i` of the product for one (model, hardware) pair; false when the request is
// one the CLI would reject (context past the model's maximum, a scheme the shapes refuse).
// `seen` (when given) collects "w:<scheme>", "k:<kv>", "b:<batch>", "c:<context step>".
bool run_point(const schema::ModelSpec& m, const schema::HardwareSpec& h, const Grid& g,
               std::size_t i, std::int64_t& checked, std::set<std::string>* seen = nullptr) {
  const auto ctx = contexts(m.arch.max_context, g.context_steps);
  const std::size_t nw = g.weights.size(), nk = g.kv.size(), nb = g.batch.size();
  estimator::EstimateRequest r;
  r.model = &m;
  r.hardware = &h;
  r.weights = g.weights[i % nw];
  r.kv = g.kv[(i / nw) % nk];
  r.batch = g.batch[(i / nw / nk) % nb];
  const std::size_t context_step = (i / nw / nk / nb) % ctx.size();
  const std::int64_t context = ctx[context_step];
  r.output_tokens = std::max<std::int64_t>(1, context / 4);
  r.prompt_tokens = std::max<std::int64_t>(1, context - r.output_tokens);
  r.explain = (i % 7) == 0;
  if (!estimator::check_request(r).empty()) return false;
  if (seen)
    seen->insert({"w:" + r.weights->name, "k:" + std::string(core::name(r.kv)),
                  "b:" + std::to_string(r.batch), "c:" + std::to_string(context_step)});
  INFO(m.id << " on " << h.id << ": weights " << r.weights->name << ", kv " << core::name(r.kv)
            << ", batch " << r.batch << ", context " << context);
  const auto report = estimator::estimate(r);
  check_finite(report);
  CHECK_FALSE(schema::report_to_json(report).empty());  // the writer CHECKs finiteness
  ++checked;
  return true;
}

std::size_t product_size(const Grid& g) {
  return g.weights.size() * g.kv.size() * g.batch.size() *
         static_cast<std::size_t>(g.context_steps);
}

}  // namespace

TEST_CASE("no NaN or inf over the catalog cross product (sampled)", "[estimator][numeric]") {
  const auto& c = test::shipped_catalog();
  const Grid g = grid();
  const std::size_t total = product_size(g);
  const std::size_t per_pair = 2;  // points per (model, hardware); rotated over the product
  const std::size_t grid_values =
      g.weights.size() + g.kv.size() + g.batch.size() + static_cast<std::size_t>(g.context_steps);
  std::int64_t checked = 0, skipped = 0;
  std::size_t pair = 0;
  for (const auto& m : c.models) {
    std::set<std::string> seen;  // every grid value must meet every model
    for (const auto& h : c.hardware) {
      for (std::size_t k = 0; k < per_pair; ++k)
        if (!run_point(m, h, g, (pair * per_pair + k) * 7919 % total, checked, &seen)) ++skipped;
      ++pair;
    }
    INFO(m.id);
    CHECK(seen.size() == grid_values);
  }
  INFO(checked << " estimates, " << skipped << " requests refused by check_request");
  CHECK(checked > 1500);
  CHECK(skipped * 10 < checked);
}

TEST_CASE("no NaN or inf over the whole catalog cross product", "[.full-sweep]") {
  const auto& c = test::shipped_catalog();
  const Grid g = grid();
  std::int64_t checked = 0;
  for (const auto& m : c.models)
    for (const auto& h : c.hardware)
      for (std::size_t i = 0; i < product_size(g); ++i) run_point(m, h, g, i, checked);
  CHECK(checked > 0);
}
