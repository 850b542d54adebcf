// test_measured_time.cc — the measured time model (kernel tables of a profile): exact table rows
// give their measured time, shapes between rows interpolate in log space, missing ops fall back to
// the measured roofline, and a PerfModel driven by a profile sums exactly the kernel calls the
// decoder makes (each op's basis reported).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <map>

#include "core/op_cost.h"
#include "core/op_graph.h"
#include "estimator/estimate.h"
#include "estimator/measured_time.h"
#include "estimator/performance.h"
#include "shipped_catalog.h"

using namespace llmsizer;

namespace {

schema::HardwareProfile base_profile() {
  schema::HardwareProfile p;
  p.id = "test-2026-11-27";
  p.context.host = "test";
  p.context.cpu_model = "Test CPU";
  p.context.cores = 2;
  p.context.threads = 2;
  p.context.date_utc = "2026-11-27T00:00:00Z";
  p.topology.memory_bytes = 16ull << 30;
  p.topology.caches = {{3, 32ull << 20, 1}};
  p.peaks.fp32_flop_per_s = 2e11;
  using K = schema::BandwidthKind;
  p.bandwidth = {{K::kTriad, 1 << 16, 2, 2e11, 0.01, 5, false},
                 {K::kTriad, 1 << 26, 2, 5e10, 0.01, 5, false},
                 {K::kTriad, 1 << 28, 2, 3e10, 0.01, 5, false},
                 {K::kTriad, 1 << 28, 1, 2e10, 0.01, 5, false}};
  return p;
}

// A table row timed as the profiler times it for a model bigger than the caches: matmul
// weights and the decode KV cache streamed, the other ops cache-hot.
schema::KernelPoint row(core::OpKind op, const char* dtype, core::OpShape sh, double seconds,
                        const core::OpCost& c, std::int64_t threads = 2) {
  schema::KernelPoint k;
  k.op = op;
  k.condition = op == core::OpKind::kMatmul || op == core::OpKind::kAttentionDecode
                    ? schema::TimingCondition::kStreamed
                    : schema::TimingCondition::kCached;
  k.kernel = std::string(core::op_name(op)) + "_test";
  k.dtype = dtype;
  k.shape = sh;
  k.threads = threads;
  k.seconds = seconds;
  k.flop = c.flops;
  k.bytes = c.bytes();
  return k;
}

core::OpShape mm_shape(std::int64_t m, std::int64_t k, std::int64_t n) {
  core::OpShape s;
  s.m = m, s.k = k, s.n = n;
  return s;
}

core::OpCost mm_cost(std::int64_t m, std::int64_t k, std::int64_t n) {
  return core::matmul_cost(m, k, n, core::DType::kQ4_0, core::DType::kF32);
}

// Matmul queries as a PerfModel of a model far larger than the caches makes them.
constexpr double kCold = 1e12;

}  // namespace

TEST_CASE("measured bandwidth interpolates the triad curve in log-log", "[estimator][measured]") {
  const estimator::MeasuredTimeModel m(base_profile(), 2);
  CHECK(m.bandwidth(1 << 16) == Approx(2e11));
  CHECK(m.bandwidth(1.0) == Approx(2e11));   // clamped below
  CHECK(m.bandwidth(1e15) == Approx(3e10));  // clamped above
  // Halfway in log between 2^16 and 2^26: the geometric mean of the two rates.
  CHECK(m.bandwidth(std::pow(2.0, 21)) == Approx(std::sqrt(2e11 * 5e10)));
  const estimator::MeasuredTimeModel one(base_profile(), 1);
  CHECK(one.bandwidth(1e15) == Approx(2e10));
  CHECK(one.peak_flop_per_s() == Approx(1e11));  // one of two cores
}

TEST_CASE("a kernel row of the exact shape gives its measured time", "[estimator][measured]") {
  auto p = base_profile();
  p.kernels = {
      row(core::OpKind::kMatmul, "q4_0", mm_shape(1, 4096, 4096), 1e-3, mm_cost(1, 4096, 4096)),
      row(core::OpKind::kMatmul, "q4_0", mm_shape(64, 4096, 4096), 8e-3, mm_cost(64, 4096, 4096)),
      row(core::OpKind::kMatmul, "q4_0", mm_shape(1, 4096, 4096), 5e-3, mm_cost(1, 4096, 4096), 1)};
  const estimator::MeasuredTimeModel m(p, 2);
  auto t = m.time(core::OpKind::kMatmul, core::DType::kQ4_0, mm_shape(1, 4096, 4096),
                  mm_cost(1, 4096, 4096), kCold);
  CHECK(t.basis == estimator::TimeBasis::kMeasured);
  CHECK(t.time_s == Approx(1e-3));
  t = m.time(core::OpKind::kMatmul, core::DType::kQ4_0, mm_shape(64, 4096, 4096),
             mm_cost(64, 4096, 4096), kCold);
  CHECK(t.time_s == Approx(8e-3));
  // The 1-thread row belongs to the 1-thread model only.
  const estimator::MeasuredTimeModel one(p, 1);
  t = one.time(core::OpKind::kMatmul, core::DType::kQ4_0, mm_shape(1, 4096, 4096),
               mm_cost(1, 4096, 4096), kCold);
  CHECK(t.time_s == Approx(5e-3));
  CHECK(t.basis == estimator::TimeBasis::kMeasured);
}

TEST_CASE("shapes between rows interpolate; missing dtypes fall back to the roofline",
          "[estimator][measured]") {
  auto p = base_profile();
  p.kernels = {
      row(core::OpKind::kMatmul, "q4_0", mm_shape(1, 4096, 4096), 1e-3, mm_cost(1, 4096, 4096)),
      row(core::OpKind::kMatmul, "q4_0", mm_shape(64, 4096, 4096), 8e-3, mm_cost(64, 4096, 4096))};
  const estimator::MeasuredTimeModel m(p, 2);
  const auto t1 = m.time(core::OpKind::kMatmul, core::DType::kQ4_0, mm_shape(1, 4096, 4096),
                         mm_cost(1, 4096, 4096), kCold);
  const auto t64 = m.time(core::OpKind::kMatmul, core::DType::kQ4_0, mm_shape(64, 4096, 4096),
                          mm_cost(64, 4096, 4096), kCold);
  const auto t8 = m.time(core::OpKind::kMatmul, core::DType::kQ4_0, mm_shape(8, 4096, 4096),
                         mm_cost(8, 4096, 4096), kCold);
  CHECK(t8.basis == estimator::TimeBasis::kInterpolated);
  CHECK(t8.time_s > t1.time_s);
  CHECK(t8.time_s < t64.time_s);
  // Beyond the measured range the edge efficiency carries over (time grows with the work).
  const auto t512 = m.time(core::OpKind::kMatmul, core::DType::kQ4_0, mm_shape(512, 4096, 4096),
                           mm_cost(512, 4096, 4096), kCold);
  CHECK(t512.time_s == Approx(8e-3 * 8).epsilon(0.02));
  // A different (k, n) scales by the roofline of the query: a 4x larger weight, 4x the time
  // when memory-bound at the same bandwidth.
  const auto big = m.time(core::OpKind::kMatmul, core::DType::kQ4_0, mm_shape(1, 8192, 8192),
                          mm_cost(1, 8192, 8192), kCold);
  CHECK(big.basis == estimator::TimeBasis::kInterpolated);
  CHECK(big.time_s == Approx(4e-3).epsilon(0.01));
  const auto q8 =
      m.time(core::OpKind::kMatmul, core::DType::kQ8_0, mm_shape(1, 4096, 4096),
             core::matmul_cost(1, 4096, 4096, core::DType::kQ8_0, core::DType::kF32), kCold);
  CHECK(q8.basis == estimator::TimeBasis::kRooflineMeasured);
  CHECK(q8.time_s > 0);
  CHECK(std::isfinite(q8.time_s));
}

TEST_CASE("a profile describes its host as hardware, and calibrates a datasheet",
          "[estimator][measured]") {
  auto p = base_profile();
  p.kernels = {
      row(core::OpKind::kMatmul, "q4_0", mm_shape(1, 16384, 8192), 4e-3, mm_cost(1, 16384, 8192)),
      row(core::OpKind::kMatmul, "q4_0", mm_shape(128, 4096, 4096), 0.04,
          mm_cost(128, 4096, 4096))};
  const auto hw = estimator::hardware_from_profile(p, 2);
  CHECK(hw.memory.capacity_bytes == 16ull << 30);
  CHECK(hw.memory.bandwidth_bytes_per_s == Approx(3e10));
  CHECK(hw.compute.peak_flop_per_s.at("f32") == Approx(2e11));
  CHECK(hw.memory.from.source.find("measured") != std::string::npos);
  const auto cal = estimator::calibration_from_profile(p, 2);
  REQUIRE(cal.compute);
  REQUIRE(cal.memory);
  CHECK(*cal.compute == Approx(2.0 * 128 * 4096 * 4096 / 0.04 / 2e11));
  CHECK(*cal.memory == Approx(mm_cost(1, 16384, 8192).bytes() / 4e-3 / 3e10));
}

TEST_CASE("a PerfModel on a measured profile sums the decoder's kernel calls",
          "[estimator][measured]") {
  const auto* model = schema::find_model(test::shipped_catalog(), "tinyllama-1.1b");
  REQUIRE(model);
  const auto& a = model->arch;
  const std::int64_t d = a.hidden_size, hd = a.attention.head_dim;
  const std::int64_t h = a.attention.num_heads, kvh = a.attention.num_kv_heads;
  const std::int64_t inter = a.ffn.intermediate_size, vocab = a.vocab_size;
  const std::int64_t past = 200;
  const auto f32 = core::DType::kF32;
  auto mm = [&](std::int64_t k, std::int64_t n) { return core::matmul_cost(1, k, n, f32, f32); };
  // A distinct time per call so that a missing or doubled call changes the sum.
  auto p = base_profile();
  std::map<std::string, double> t = {
      {"q", 11e-6},   {"kv", 7e-6},      {"o", 13e-6},   {"up", 31e-6},   {"down", 29e-6},
      {"lm", 101e-6}, {"norm", 1e-6},    {"rope", 2e-6}, {"attn", 17e-6}, {"add", 0.5e-6},
      {"glu", 3e-6},  {"embd", 0.25e-6}, {"soft", 5e-6}, {"kva", 0.75e-6}};
  core::OpShape sh;
  auto shape = [](std::int64_t m, std::int64_t k, std::int64_t n = 1) {
    core::OpShape s;
    s.m = m, s.k = k, s.n = n;
    return s;
  };
  p.kernels.push_back(
      row(core::OpKind::kMatmul, "f32", shape(1, d, h * hd), t["q"], mm(d, h * hd)));
  p.kernels.push_back(
      row(core::OpKind::kMatmul, "f32", shape(1, d, kvh * hd), t["kv"], mm(d, kvh * hd)));
  if (h * hd != d)
    p.kernels.push_back(
        row(core::OpKind::kMatmul, "f32", shape(1, h * hd, d), t["o"], mm(h * hd, d)));
  p.kernels.push_back(row(core::OpKind::kMatmul, "f32", shape(1, d, inter), t["up"], mm(d, inter)));
  p.kernels.push_back(
      row(core::OpKind::kMatmul, "f32", shape(1, inter, d), t["down"], mm(inter, d)));
  p.kernels.push_back(row(core::OpKind::kMatmul, "f32", shape(1, d, vocab), t["lm"], mm(d, vocab)));
  p.kernels.push_back(row(core::OpKind::kRmsNorm, "f32", shape(1, d), t["norm"],
                          core::norm_cost(1, static_cast<double>(d), f32)));
  sh = {};
  sh.heads = h + kvh, sh.head_dim = hd;
  p.kernels.push_back(
      row(core::OpKind::kRopeHalfSplit, "f32", sh, t["rope"],
          core::rope_cost(1, static_cast<double>(h + kvh), static_cast<double>(hd), f32)));
  sh = {};
  sh.past = past, sh.heads = h, sh.kv_heads = kvh, sh.head_dim = hd;
  const core::AttentionDims dims{static_cast<double>(h), static_cast<double>(kvh),
                                 static_cast<double>(hd), static_cast<double>(hd),
                                 2.0 * static_cast<double>(kvh * hd) * 4.0};
  p.kernels.push_back(row(core::OpKind::kAttentionDecode, "f32", sh, t["attn"],
                          core::attention_cost(dims, 1, 1, static_cast<double>(past), 0, f32)));
  p.kernels.push_back(row(core::OpKind::kAdd, "f32", shape(1, d), t["add"],
                          core::elementwise_cost(static_cast<double>(d), 2, 1, 1, f32)));
  p.kernels.push_back(row(core::OpKind::kSwiGlu, "f32", shape(1, inter), t["glu"],
                          core::activation_cost(static_cast<double>(inter), true, f32)));
  p.kernels.push_back(
      row(core::OpKind::kEmbedding, "f32", shape(1, d, vocab), t["embd"],
          core::embedding_cost(1, static_cast<double>(d), 4.0 * static_cast<double>(d), f32)));
  p.kernels.push_back(row(core::OpKind::kSoftmax, "f32", shape(1, vocab), t["soft"],
                          core::softmax_cost(1, static_cast<double>(vocab), f32)));
  sh = {};
  sh.kv_heads = kvh, sh.head_dim = hd;
  schema::KernelPoint kva = row(core::OpKind::kKvAppend, "f32", sh, t["kva"],
                                core::kv_append_cost(1, static_cast<double>(kvh), hd, f32, f32));
  p.kernels.push_back(kva);
  // TinyLlama's o_proj has the q shape transposed: with h * hd == d it is the q row.
  if (h * hd == d) t["o"] = t["q"];

  const estimator::MeasuredTimeModel mt(p, 2);
  const auto hw = estimator::hardware_from_profile(p, 2);
  estimator::Deployment s;
  s.model = model;
  s.hardware = &hw;
  s.weights = *core::parse_weight_scheme("f32");
  s.kv = f32;
  s.activations = f32;
  s.measured = &mt;
  const estimator::PerfModel pm(s);
  const double L = static_cast<double>(a.num_layers);
  const double per_layer = 2 * t["norm"] + t["q"] + 2 * t["kv"] + t["rope"] + t["attn"] + t["o"] +
                           2 * t["add"] + 2 * t["up"] + t["glu"] + t["down"] + t["kva"];
  const double expected = L * per_layer + t["embd"] + t["norm"] + t["lm"] + t["soft"];
  CHECK(pm.decode_step(1, static_cast<double>(past)).time_s == Approx(expected).epsilon(1e-9));
  for (const auto& o : pm.explain_decode(1, static_cast<double>(past))) {
    INFO(o.name);
    CHECK(o.basis == estimator::TimeBasis::kMeasured);
  }
  // A longer context than measured: attention is interpolated (grows), the rest measured.
  const double longer = pm.decode_step(1, 2.0 * past).time_s;
  CHECK(longer > expected);
  bool interpolated = false;
  for (const auto& o : pm.explain_decode(1, 2.0 * past))
    if (o.basis == estimator::TimeBasis::kInterpolated) interpolated = true;
  CHECK(interpolated);
  // Without a profile the same model is timed by the datasheet roofline.
  s.measured = nullptr;
  for (const auto& o : estimator::PerfModel(s).explain_decode(1, static_cast<double>(past)))
    CHECK(o.basis == estimator::TimeBasis::kDatasheet);
}

// Both timing paths time the calls of the deployment's op graph, nothing else: the rows of
// --explain are the graph's calls grouped by role (in order), their FLOPs and bytes the
// graph's. The measured path times the graph of the reference decoder's kernels (unfused),
// the datasheet path that of serving engines (fused projections), from the same builder.
TEST_CASE("the datasheet and the measured path time the op graph's calls",
          "[estimator][measured]") {
  for (const char* id : {"qwen2.5-0.5b", "mixtral-8x7b", "deepseek-v3"}) {
    const auto* model = schema::find_model(test::shipped_catalog(), id);
    REQUIRE(model);
    const auto* h100 = schema::find_hardware(test::shipped_catalog(), "h100-sxm");
    REQUIRE(h100);
    const estimator::MeasuredTimeModel mt(base_profile(), 2);
    const auto host = estimator::hardware_from_profile(base_profile(), 2);
    for (const bool measured : {false, true}) {
      INFO(id << (measured ? " measured" : " datasheet"));
      estimator::Deployment s;
      s.model = model;
      s.hardware = measured ? &host : h100;
      s.weights = *core::parse_weight_scheme("bf16");
      s.measured = measured ? &mt : nullptr;
      const estimator::PerfModel pm(s);
      for (const auto& [step, rows] :
           {std::pair{core::GraphStep{4, 300, 0, 0, 0}, pm.explain_decode(4, 300)},
            std::pair{core::GraphStep{0, 0, 2, 64, 0}, pm.explain_prefill(2, 64)}}) {
        const auto calls = pm.graph().calls(step);
        // Group the calls as the rows are grouped: consecutive calls of one role and count.
        std::vector<std::string> names;
        std::vector<double> flops, bytes;
        for (std::size_t i = 0; i < calls.size(); ++i) {
          const bool comm =
              calls[i].kind == core::OpKind::kAllReduce || calls[i].kind == core::OpKind::kAllToAll;
          const double f = comm ? 0 : calls[i].total.flops * calls[i].count;
          const double b =
              (comm ? calls[i].cost.bytes_read : calls[i].total.bytes()) * calls[i].count;
          if (i > 0 && calls[i].role == calls[i - 1].role && calls[i].count == calls[i - 1].count) {
            flops.back() += f, bytes.back() += b;
          } else {
            names.emplace_back(core::op_role_name(calls[i].role));
            flops.push_back(f), bytes.push_back(b);
          }
        }
        REQUIRE(rows.size() == names.size());
        for (std::size_t i = 0; i < rows.size(); ++i) {
          INFO(names[i]);
          CHECK(rows[i].name == names[i]);
          CHECK(rows[i].flops == Approx(flops[i]).epsilon(1e-12));
          CHECK(rows[i].bytes == Approx(bytes[i]).epsilon(1e-12));
          if (measured) CHECK(rows[i].basis != estimator::TimeBasis::kDatasheet);
          if (!measured) CHECK(rows[i].basis == estimator::TimeBasis::kDatasheet);
        }
        // The unfused graph separates what the fused one concatenates.
        const bool has_q = std::count(names.begin(), names.end(), "qkv_proj") > 0;
        std::size_t qkv_calls = 0;
        for (const auto& c : calls) qkv_calls += c.role == core::OpRole::kQkvProj;
        if (has_q) CHECK(qkv_calls == (measured ? 3u : 1u));
      }
    }
  }
}

// The profile says how each row was timed; the model reads the row's efficiency against the
// bandwidth of that condition, so the same seconds mean a different efficiency.
TEST_CASE("the recorded timing condition picks the bandwidth a row is read against",
          "[estimator][measured]") {
  auto p = base_profile();
  p.kernels = {
      row(core::OpKind::kMatmul, "q4_0", mm_shape(1, 4096, 4096), 1e-3, mm_cost(1, 4096, 4096))};
  REQUIRE(p.kernels[0].condition == schema::TimingCondition::kStreamed);
  const estimator::MeasuredTimeModel streamed(p, 2);
  p.kernels[0].condition = schema::TimingCondition::kCached;
  const estimator::MeasuredTimeModel cached(p, 2);
  const auto c = mm_cost(1, 4096, 4096);
  const auto ts =
      streamed.time(core::OpKind::kMatmul, core::DType::kQ4_0, mm_shape(1, 4096, 4096), c, kCold);
  const auto tc =
      cached.time(core::OpKind::kMatmul, core::DType::kQ4_0, mm_shape(1, 4096, 4096), c, kCold);
  // Streamed: the row is the query, its measured time. Cached: the row reached the cache's
  // bandwidth at its own bytes; the cold query gets the DRAM share of that efficiency.
  CHECK(ts.time_s == Approx(1e-3));
  const double P = cached.peak_flop_per_s();
  const double row_roof = std::max(c.flops / P, c.bytes() / cached.bandwidth(c.bytes()));
  const double query_roof = std::max(c.flops / P, c.bytes() / cached.bandwidth(1e15));
  CHECK(tc.time_s == Approx(1e-3 * query_roof / row_roof));
  CHECK(tc.time_s > 1.5 * ts.time_s);
}
