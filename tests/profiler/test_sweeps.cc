// test_sweeps.cc — the kernel sweep plan derived from catalog models (exact shapes, dedupe,
// determinism, operand cap, streamed flag), the time-budgeted selection, the efficiency
// summary on synthetic profiles, and a tiny real sweep through Google Benchmark (including
// the cancel flag).
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <set>
#include <tuple>

#include "profiler/make_profile.h"
#include "profiler/sweeps.h"
#include "schema/hardware_profile.h"
#include "schema/model_spec.h"
#include "test_paths.h"
#include "tiny_model.h"

using namespace llmsizer;
using core::DType;
using kernels::OpKind;

namespace {

profiler::SweepModel catalog_model(const std::string& id) {
  core::Diagnostics d;
  const auto m = schema::load_model_yaml(test::profiles_dir() + "/models/" + id + ".yaml", d);
  INFO(d.format());
  REQUIRE(m);
  return {m->id, m->arch};
}

profiler::SweepSettings small_settings() {
  profiler::SweepSettings s;
  s.m_values = {1, 16};
  s.weight_dtypes = {DType::kF32, DType::kQ4_K};
  s.kv_dtypes = {DType::kF16, DType::kQ8_0};
  s.contexts = {256, 4096};
  s.prefill_tokens = {128};
  s.row_tokens = {1};
  s.threads = {1};
  return s;
}

std::vector<profiler::SweepPoint> of_op(const profiler::SweepPlan& plan, OpKind op) {
  std::vector<profiler::SweepPoint> out;
  for (const auto& p : plan.points)
    if (p.kernel->op == op) out.push_back(p);
  return out;
}

}  // namespace

TEST_CASE("sweep shapes come from the model: one layer's matmuls and the lm_head",
          "[profiler][sweeps]") {
  const auto tl = catalog_model("tinyllama-1.1b");
  const auto plan = profiler::derive_sweep({tl}, small_settings(), 1, 32ull << 20);

  // q/o 2048x2048, k/v 2048->256, gate/up 2048->5632, down 5632->2048, lm_head 2048->32000.
  std::set<std::pair<std::int64_t, std::int64_t>> kn;
  for (const auto& p : of_op(plan, OpKind::kMatmul)) {
    kn.insert({p.shape.k, p.shape.n});
    CHECK(p.tier == (p.shape.m == 1 ? 0 : 1));
    CHECK(p.streamed);  // 1.1B parameters do not fit 32 MiB
    CHECK(p.cost.flops == Approx(2.0 * static_cast<double>(p.shape.m * p.shape.k * p.shape.n)));
  }
  const std::set<std::pair<std::int64_t, std::int64_t>> expect = {
      {2048, 2048}, {2048, 256}, {2048, 5632}, {5632, 2048}, {2048, 32000}};
  CHECK(kn == expect);
  CHECK(of_op(plan, OpKind::kMatmul).size() == 5 * 2 * 2);  // pairs x dtypes x m
  for (const auto& p : of_op(plan, OpKind::kMatmul))
    CHECK((p.kernel->dtype == DType::kF32 || p.kernel->dtype == DType::kQ4_K));

  // Decode attention: the model's heads; 4096 is past TinyLlama's 2048 context (noted).
  const auto dec = of_op(plan, OpKind::kAttentionDecode);
  REQUIRE(dec.size() == 2);
  for (const auto& p : dec) {
    CHECK(p.shape.heads == 32);
    CHECK(p.shape.kv_heads == 4);
    CHECK(p.shape.head_dim == 64);
    CHECK(p.shape.past == 255);
    CHECK(p.shape.m == 1);
    // 256 positions of KV are far below 32 MiB, but a decode step also streams the weights,
    // which evict them: the sweep reads the cache from memory as the decoder does.
    CHECK(p.streamed);
  }
  CHECK(std::any_of(plan.notes.begin(), plan.notes.end(), [](const std::string& n) {
    return n.find("context 4096") != std::string::npos;
  }));
  REQUIRE(of_op(plan, OpKind::kAttentionPrefill).size() == 1);
  CHECK(of_op(plan, OpKind::kAttentionPrefill)[0].shape.m == 128);

  // Row ops at model sizes.
  REQUIRE(of_op(plan, OpKind::kRmsNorm).size() == 1);
  CHECK(of_op(plan, OpKind::kRmsNorm)[0].shape.k == 2048);
  REQUIRE(of_op(plan, OpKind::kRopeHalfSplit).size() == 1);
  // RoPE over the q and k heads together (32 + 4), the call the estimator looks up.
  CHECK(of_op(plan, OpKind::kRopeHalfSplit)[0].shape.heads == 36);
  REQUIRE(of_op(plan, OpKind::kSwiGlu).size() == 1);
  CHECK(of_op(plan, OpKind::kSwiGlu)[0].shape.k == 5632);
  REQUIRE(of_op(plan, OpKind::kAdd).size() == 1);
  REQUIRE(of_op(plan, OpKind::kSoftmax).size() == 1);
  CHECK(of_op(plan, OpKind::kSoftmax)[0].shape.k == 32000);
  CHECK(plan.points.size() == 20 + 2 + 1 + 5);
}

TEST_CASE("sweep shapes are the op graph's calls: experts, MLA, windows", "[profiler][sweeps]") {
  auto s = small_settings();
  s.weight_dtypes = {DType::kF32};
  // Mixtral: the router (4096 -> 8 experts) and the experts' gate/up and down matrices.
  const auto mix = profiler::derive_sweep({catalog_model("mixtral-8x7b")}, s, 1, 32ull << 20);
  std::set<std::pair<std::int64_t, std::int64_t>> kn;
  for (const auto& p : of_op(mix, OpKind::kMatmul)) kn.insert({p.shape.k, p.shape.n});
  CHECK(kn.count({4096, 8}));
  CHECK(kn.count({4096, 14336}));
  CHECK(kn.count({14336, 4096}));
  // DeepSeek-V3: MLA attention has no kernel; the prefill decompression of kv_b is a matmul
  // (512 -> 128 x (128 + 128)); the fused query/kv_a projection is noted, not swept.
  const auto ds = profiler::derive_sweep({catalog_model("deepseek-v3")}, s, 1, 32ull << 20);
  kn.clear();
  for (const auto& p : of_op(ds, OpKind::kMatmul)) kn.insert({p.shape.k, p.shape.n});
  CHECK(kn.count({512, 32768}));
  CHECK(of_op(ds, OpKind::kAttentionDecode).empty());
  auto noted = [&](const profiler::SweepPlan& plan, const std::string& what) {
    return std::any_of(plan.notes.begin(), plan.notes.end(),
                       [&](const std::string& n) { return n.find(what) != std::string::npos; });
  };
  CHECK(noted(ds, "mla_q_kv_a_proj has no kernel"));
  CHECK(noted(ds, "attention (MLA) has no kernel shape"));
  // Mistral-7B-v0.1: every layer slides over 4096 tokens; decode attention carries it.
  const auto mis = profiler::derive_sweep({catalog_model("mistral-7b-v0.1")}, s, 1, 32ull << 20);
  REQUIRE_FALSE(of_op(mis, OpKind::kAttentionDecode).empty());
  for (const auto& p : of_op(mis, OpKind::kAttentionDecode)) CHECK(p.shape.window == 4096);
}

// The committed profile was migrated from schema version 1 by scripts/migrate-profile-v1.sh
// (matmul and decode attention streamed, the rest cached). That is honest only if the
// profiler streamed exactly those points when it ran: re-derive the plan of that run (the
// models of the validation matrix at --full, the profile's last-level cache) and compare
// every row.
TEST_CASE("the committed profile's timing conditions are the ones its sweep used",
          "[profiler][sweeps]") {
  core::Diagnostics d;
  const auto prof =
      schema::load_hardware_profile_yaml(test::profiles_dir() + "/measured/vm-2026-11-27.yaml", d);
  INFO(d.format());
  REQUIRE(prof);
  std::uint64_t llc = 0;
  for (const auto& c : prof->topology.caches) llc = std::max(llc, c.size_bytes);
  auto s = profiler::settings_for(profiler::Effort::kFull).sweeps;
  s.threads = {1, 2};
  const auto plan = profiler::derive_sweep(
      {catalog_model("tinyllama-1.1b"), catalog_model("llama-3.1-8b"), catalog_model("llama-2-7b")},
      s, 2, llc);
  int matched = 0;
  std::string unmatched;
  for (const auto& k : prof->kernels) {
    const auto it = std::find_if(plan.points.begin(), plan.points.end(), [&](const auto& p) {
      return p.kernel->op == k.op && core::name(p.kernel->dtype) == k.dtype && p.shape == k.shape &&
             p.threads == k.threads;
    });
    if (it == plan.points.end()) {
      unmatched += k.kernel + " " + profiler::shape_label(k.shape) + "\n";
      continue;
    }
    ++matched;
    INFO(k.kernel << " " << profiler::shape_label(k.shape));
    CHECK((k.condition == schema::TimingCondition::kStreamed) == it->streamed);
  }
  // Every row is found in today's plan but RoPE's: that sweep rotated the q heads only, the
  // graph's RoPE call (what the estimator looks up) covers the q and k heads.
  int rope = 0;
  for (const auto& k : prof->kernels) rope += k.op == core::OpKind::kRopeHalfSplit;
  INFO(unmatched);
  CHECK(matched == static_cast<int>(prof->kernels.size()) - rope);
}

TEST_CASE("the sweep plan is deterministic, deduplicated and capped", "[profiler][sweeps]") {
  const auto tl = catalog_model("tinyllama-1.1b");
  const auto l8 = catalog_model("llama-3.1-8b");
  auto s = small_settings();
  const auto a = profiler::derive_sweep({tl, l8}, s, 2, 32ull << 20);
  const auto b = profiler::derive_sweep({tl, l8}, s, 2, 32ull << 20);
  REQUIRE(a.points.size() == b.points.size());
  for (std::size_t i = 0; i < a.points.size(); ++i) {
    CHECK(a.points[i].kernel == b.points[i].kernel);
    CHECK(a.points[i].shape.k == b.points[i].shape.k);
    CHECK(a.points[i].shape.n == b.points[i].shape.n);
    CHECK(a.points[i].threads == b.points[i].threads);
  }
  // The same model twice adds nothing.
  CHECK(profiler::derive_sweep({tl, tl}, s, 1, 32ull << 20).points.size() ==
        profiler::derive_sweep({tl}, s, 1, 32ull << 20).points.size());
  // Thread counts are capped at the cores and deduplicated.
  s.threads = {1, 2, 8};
  const auto two = profiler::derive_sweep({tl}, s, 2, 32ull << 20);
  CHECK(two.points.size() ==
        2 * profiler::derive_sweep({tl}, small_settings(), 1, 32ull << 20).points.size());

  // Llama 3.1 8B's lm_head in f32 is 2 GiB: measured with n cut to the operand cap.
  s = small_settings();
  s.max_operand_bytes = 256ull << 20;
  const auto capped = profiler::derive_sweep({l8}, s, 1, 32ull << 20);
  std::int64_t head_n = 0;
  for (const auto& p : of_op(capped, OpKind::kMatmul))
    if (p.kernel->dtype == DType::kF32 && p.shape.k == 4096 && p.shape.n > 14336)
      head_n = p.shape.n;
  CHECK(head_n == 16384);  // 256 MiB / (4096 x 4 B)
  CHECK(std::any_of(capped.notes.begin(), capped.notes.end(), [](const std::string& n) {
    return n.find("lm_head 4096x128256 in f32") != std::string::npos;
  }));

  // A cache bigger than the whole model: nothing is streamed.
  for (const auto& p : profiler::derive_sweep({tl}, small_settings(), 1, 1ull << 40).points)
    CHECK_FALSE(p.streamed);
}

TEST_CASE("selection fits the budget, decode points first", "[profiler][sweeps]") {
  const auto tl = catalog_model("tinyllama-1.1b");
  auto s = small_settings();
  const auto plan = profiler::derive_sweep({tl}, s, 1, 32ull << 20);
  profiler::Roofline r;
  r.fp32_flop_per_s = 1e11;
  r.int8_op_per_s = 4e11;
  r.cores = 1;
  r.triad = {{schema::BandwidthKind::kTriad, 1 << 20, 1, 1e11, 0, 3, false},
             {schema::BandwidthKind::kTriad, 1ull << 28, 1, 2e10, 0, 3, false}};
  int dropped = -1;
  const auto all = profiler::select_within_budget(plan.points, r, s, 1e9, &dropped);
  CHECK(dropped == 0);
  CHECK(all.size() == plan.points.size());
  for (std::size_t i = 1; i < all.size(); ++i) CHECK(all[i - 1].tier <= all[i].tier);
  for (const auto& p : all) CHECK(p.predicted_s > 0);

  for (const auto& p : all) CHECK(p.in_budget);
  const auto none = profiler::select_within_budget(plan.points, r, s, 0, &dropped);
  CHECK(none.size() == plan.points.size());  // all returned, none in the budget
  CHECK(std::none_of(none.begin(), none.end(), [](const auto& p) { return p.in_budget; }));
  CHECK(dropped == static_cast<int>(plan.points.size()));

  // A budget for about the decode points: no prefill point is taken before all of tier 0.
  double tier0 = 0;
  for (const auto& p : all)
    if (p.tier == 0) tier0 += p.predicted_s;
  const std::size_t n0 = static_cast<std::size_t>(
      std::count_if(all.begin(), all.end(), [](const auto& p) { return p.tier == 0; }));
  REQUIRE(n0 < all.size());
  const auto some = profiler::select_within_budget(plan.points, r, s, tier0 * (1 + 1e-9), &dropped);
  CHECK(dropped == static_cast<int>(all.size() - n0));
  for (const auto& p : some) CHECK(p.in_budget == (p.tier == 0));
}

TEST_CASE("efficiency is measured against the roof that binds", "[profiler][sweeps]") {
  schema::HardwareProfile p;
  p.topology.cores = 2;
  p.peaks.fp32_flop_per_s = 2e11;  // 1e11 per core
  p.peaks.int8_op_per_s = 8e11;
  p.bandwidth = {{schema::BandwidthKind::kTriad, 1 << 20, 1, 1e11, 0, 3, false},
                 {schema::BandwidthKind::kTriad, 1ull << 28, 1, 2e10, 0, 3, false},
                 {schema::BandwidthKind::kTriad, 1ull << 28, 2, 3e10, 0, 3, false}};
  // Matmul rows streamed (their weights from memory), the norm cache-hot, as recorded.
  auto point = [](std::string op, std::string dtype, std::int64_t threads, double seconds,
                  double flop, double bytes) {
    schema::KernelPoint k;
    k.op = *core::parse_op_kind(op);
    k.condition = k.op == core::OpKind::kMatmul ? schema::TimingCondition::kStreamed
                                                : schema::TimingCondition::kCached;
    k.kernel = "x";
    k.dtype = std::move(dtype);
    k.threads = threads;
    k.seconds = seconds;
    k.flop = flop;
    k.bytes = bytes;
    return k;
  };
  // GEMV: 1e9 B streamed in 0.1 s = 1e10 B/s of 2e10 (memory, 1 thread): 50%.
  p.kernels.push_back(point("matmul", "f32", 1, 0.1, 2e8, 1e9));
  // GEMM: 1e11 FLOP in 2 s on 2 threads = 5e10 of 2e11: 25% of the FP32 peak.
  p.kernels.push_back(point("matmul", "f32", 2, 2.0, 1e11, 1e8));
  // q4_0 GEMM: 4e11 op in 2 s = 2e11 of the int8 peak 8e11 (2 threads): 25%.
  p.kernels.push_back(point("matmul", "q4_0", 2, 2.0, 4e11, 1e8));
  // rmsnorm, 1 MiB hot: 1e6 B in 2e-5 s = 5e10 of the 1 MiB triad 1e11: 50%.
  p.kernels.push_back(point("rmsnorm", "f32", 1, 2e-5, 4e5, 1e6));
  const auto rows = profiler::summarize_efficiency(p);
  REQUIRE(rows.size() == 4);
  auto find = [&](const std::string& op, const std::string& dt, std::int64_t t) {
    for (const auto& r : rows)
      if (r.op == op && r.dtype == dt && r.threads == t) return r;
    FAIL("no row " << op << " " << dt << " " << t);
    return profiler::EfficiencyRow{};
  };
  CHECK(find("matmul", "f32", 1).basis == "triad");
  CHECK(find("matmul", "f32", 1).best == Approx(0.5));
  CHECK(find("matmul", "f32", 2).basis == "fp32 peak");
  CHECK(find("matmul", "f32", 2).median == Approx(0.25));
  CHECK(find("matmul", "q4_0", 2).basis == "int8 peak");
  CHECK(find("matmul", "q4_0", 2).best == Approx(0.25));
  CHECK(find("rmsnorm", "f32", 1).basis == "triad");
  CHECK(find("rmsnorm", "f32", 1).best == Approx(0.5));
  const auto table = profiler::efficiency_table(rows);
  CHECK(table.find("int8 peak") != std::string::npos);
  CHECK(table.find("50.0%") != std::string::npos);
}

TEST_CASE("a tiny real sweep times every op through Google Benchmark", "[profiler][sweeps]") {
  auto s = small_settings();
  s.m_values = {1, 4};
  s.weight_dtypes = {DType::kF32, DType::kQ8_0};
  s.kv_dtypes = {DType::kF32};
  s.contexts = {32};
  s.prefill_tokens = {8};
  s.min_rep_s = 1e-4;
  s.max_reps = 3;
  s.point_budget_s = 0.01;
  const auto plan = profiler::derive_sweep({test::tiny_sweep_model()}, s, 1, 32ull << 20);
  REQUIRE_FALSE(plan.points.empty());
  for (const auto& p : plan.points) CHECK_FALSE(p.streamed);
  const auto run = profiler::run_sweep(plan.points, s, 32ull << 20, 60);
  CHECK_FALSE(run.cancelled);
  CHECK(run.not_run == 0);
  REQUIRE(run.points.size() == plan.points.size());
  std::set<std::string> ops;
  for (const auto& k : run.points) {
    INFO(k.kernel << " " << k.shape.m << "x" << k.shape.k << "x" << k.shape.n);
    CHECK(k.seconds > 0);
    CHECK(k.seconds < 1);
    CHECK(k.reps >= 1);
    CHECK(k.flop > 0);
    CHECK(k.bytes > 0);
    CHECK(k.threads == 1);
    ops.insert(std::string(core::op_name(k.op)));
    CHECK(k.condition == schema::TimingCondition::kCached);  // nothing streamed in this plan
  }
  CHECK(ops == std::set<std::string>{"matmul", "attention_decode", "attention_prefill", "rmsnorm",
                                     "rope_half_split", "swiglu", "add", "softmax"});
  // Sorted (op, dtype, threads, shape) for the writer.
  for (std::size_t i = 1; i < run.points.size(); ++i)
    CHECK(std::make_tuple(core::op_name(run.points[i - 1].op), run.points[i - 1].dtype) <=
          std::make_tuple(core::op_name(run.points[i].op), run.points[i].dtype));
  CHECK(run.benchmark_json.find("\"benchmarks\"") != std::string::npos);
  CHECK(run.benchmark_json.find("matmul_q8_0_") != std::string::npos);

  // Points outside the budget run when the time allows: the first re-plan (after 8 points,
  // all left out here) finds the 60 s deadline far away and takes the rest.
  auto outside = plan.points;
  for (auto& p : outside) p.in_budget = false;
  const auto readmitted = profiler::run_sweep(outside, s, 32ull << 20, 60);
  CHECK(readmitted.not_run == 8);
  CHECK(readmitted.points.size() == plan.points.size() - 8);

  // Cancelled before it starts: nothing is timed.
  std::atomic<bool> stop{true};
  s.cancel = &stop;
  const auto none = profiler::run_sweep(plan.points, s, 32ull << 20, 60);
  CHECK(none.cancelled);
  CHECK(none.points.empty());
  // Past the deadline: no point starts, all are counted as not run.
  s.cancel = nullptr;
  const auto late = profiler::run_sweep(plan.points, s, 32ull << 20, -1);
  CHECK(late.points.empty());
  CHECK(late.not_run == static_cast<int>(plan.points.size()));
}
