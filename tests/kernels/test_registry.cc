// test_registry.cc — every registry entry against its naive reference, table-driven: several
// shapes (odd m and n, k at and past the blocking sizes), 1 and 2 threads, each kernel's own
// error bound; plus the table's own invariants (unique names, costs from core/).
#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "core/op_cost.h"
#include "kernels/reference/quant.h"
#include "kernels/reference/reference.h"
#include "kernels/registry.h"

using namespace llmsizer;
using namespace llmsizer::kernels;

namespace {

std::vector<float> uniform(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (auto& x : v) x = dist(rng);
  return v;
}

std::vector<OpShape> matmul_shapes(int k_multiple) {
  std::vector<std::int64_t> ks;
  if (k_multiple == 1) ks = {1, 37, 300};  // 300 > the GEMM's depth block of 256
  if (k_multiple == 32) ks = {32, 96, 320};
  if (k_multiple == 256) ks = {256, 768};
  std::vector<OpShape> shapes;
  for (std::int64_t m : {1, 3, 17})
    for (std::int64_t n : {1, 7, 33})
      for (std::int64_t k : ks) shapes.push_back({m, k, n});
  shapes.push_back({150, ks.back(), 35});  // past the GEMM's row block of 144
  return shapes;
}

// The activations the op is defined on: x itself, or x through the reference 8-bit quantizer.
std::vector<float> reference_activations(ActQuant q, const std::vector<float>& x,
                                         std::int64_t m, std::int64_t k) {
  if (q == ActQuant::kNone) return x;
  std::vector<float> out(x.size());
  for (std::int64_t i = 0; i < m; ++i) {
    const std::span<const float> row(x.data() + i * k, static_cast<std::size_t>(k));
    const std::span<float> dst(out.data() + i * k, static_cast<std::size_t>(k));
    if (q == ActQuant::kQ8Block32) {
      std::vector<BlockQ8Act> b(static_cast<std::size_t>(k / 32));
      reference::quantize_act_q8(row, b);
      reference::dequantize_act_q8(b, dst);
    } else {
      std::vector<BlockQ8K> b(static_cast<std::size_t>(k / 256));
      reference::quantize_act_q8k(row, b);
      reference::dequantize_act_q8k(b, dst);
    }
  }
  return out;
}

std::vector<float> abs_of(std::vector<float> v) {
  for (auto& x : v) x = std::abs(x);
  return v;
}

// Largest |y - ref| / sum_k |x_k w_k| over all outputs.
double matmul_error(const KernelEntry& e, const OpShape& s, cpu::ThreadPool& pool,
                    cpu::Workspace& ws) {
  const auto x = uniform(static_cast<std::size_t>(s.m * s.k), 1);
  const auto w = uniform(static_cast<std::size_t>(s.n * s.k), 2);
  const auto stored = reference::quantize(e.weight, w, s.n, s.k);
  const auto w_ref = reference::dequantize(e.weight, stored, s.n, s.k);
  const auto x_ref = reference_activations(e.act_quant, x, s.m, s.k);
  std::vector<float> ref(static_cast<std::size_t>(s.m * s.n)), scale(ref.size());
  reference::matmul(x_ref, w_ref, ref, s.m, s.k, s.n);
  reference::matmul(abs_of(x_ref), abs_of(w_ref), scale, s.m, s.k, s.n);

  const cpu::MatmulWeights weights(e.weight, s.n, s.k, stored);
  std::vector<float> y(ref.size(), NAN);
  e.matmul({x, &weights, y, s.m}, pool, ws);
  double worst = 0;
  for (std::size_t i = 0; i < y.size(); ++i) {
    const double err = std::abs(static_cast<double>(y[i]) - ref[i]) /
                       std::max(static_cast<double>(scale[i]), 1e-30);
    worst = std::max(worst, std::isnan(err) ? INFINITY : err);
  }
  return worst;
}

}  // namespace

TEST_CASE("every registry kernel matches its reference", "[kernels][registry]") {
  cpu::ThreadPool pool1(1), pool2(2);
  cpu::Workspace ws;
  int ran = 0;
  for (const auto& e : registry()) {
    if (!runs_here(e)) {
      WARN(e.name << ": not supported on this host, skipped");
      continue;
    }
    for (cpu::ThreadPool* pool : {&pool1, &pool2}) {
      for (const auto& s : matmul_shapes(e.k_multiple)) {
        INFO(e.name << " m=" << s.m << " k=" << s.k << " n=" << s.n
                    << " threads=" << pool->size());
        REQUIRE(e.op == OpKind::kMatmul);
        CHECK(matmul_error(e, s, *pool, ws) <= e.max_error);
      }
    }
    ++ran;
  }
  CHECK(ran > 0);
}

TEST_CASE("the registry is well-formed", "[kernels][registry]") {
  std::set<std::string> names;
  for (const auto& e : registry()) {
    INFO(e.name);
    CHECK(names.insert(e.name).second);
    CHECK(find_kernel(e.name) == &e);
    CHECK(e.max_error > 0);
    CHECK(e.k_multiple >= 1);
    if (e.op == OpKind::kMatmul) {
      CHECK(e.matmul != nullptr);
      const auto c = e.cost({4, 256, 8});
      const auto want = core::matmul_cost(4, 256, 8, e.weight, core::DType::kF32);
      CHECK(c.flops == want.flops);
      CHECK(c.bytes() == want.bytes());
    }
  }
  CHECK(find_kernel("no_such_kernel") == nullptr);
  for (auto d : {core::DType::kF32, core::DType::kF16, core::DType::kBF16, core::DType::kQ8_0,
                 core::DType::kQ4_0, core::DType::kQ4_K}) {
    const auto* best = best_kernel(OpKind::kMatmul, d);
    REQUIRE(best != nullptr);
    CHECK(best->isa == cpu::best_isa());
  }
}

TEST_CASE("quantized kernels stay close to the unquantized product", "[kernels][registry]") {
  // The activation quantization is part of the op; this bounds what it costs in accuracy.
  const std::int64_t m = 4, k = 512, n = 16;
  const auto x = uniform(static_cast<std::size_t>(m * k), 3);
  const auto w = uniform(static_cast<std::size_t>(n * k), 4);
  cpu::ThreadPool pool(2);
  cpu::Workspace ws;
  for (auto d : {core::DType::kQ8_0, core::DType::kQ4_0, core::DType::kQ4_K}) {
    INFO(core::name(d));
    const auto stored = reference::quantize(d, w, n, k);
    const auto w_ref = reference::dequantize(d, stored, n, k);
    std::vector<float> ref(static_cast<std::size_t>(m * n)), y(ref.size());
    reference::matmul(x, w_ref, ref, m, k, n);
    const cpu::MatmulWeights weights(d, n, k, stored);
    best_kernel(OpKind::kMatmul, d)->matmul({x, &weights, y, m}, pool, ws);
    double num = 0, den = 0;
    for (std::size_t i = 0; i < y.size(); ++i) {
      num += (y[i] - ref[i]) * (y[i] - ref[i]);
      den += ref[i] * ref[i];
    }
    CHECK(num / den < 1e-3);  // normalised mean squared error
  }
}

TEST_CASE("matmul reuses its workspace on repeated calls", "[kernels][registry]") {
  const std::int64_t m = 8, k = 64, n = 24;
  const auto x = uniform(static_cast<std::size_t>(m * k), 5);
  const auto w = uniform(static_cast<std::size_t>(n * k), 6);
  cpu::ThreadPool pool(2);
  for (auto d : {core::DType::kF32, core::DType::kQ4_0}) {
    const auto stored = reference::quantize(d, w, n, k);
    const cpu::MatmulWeights weights(d, n, k, stored);
    std::vector<float> y(static_cast<std::size_t>(m * n));
    cpu::Workspace ws;
    cpu::matmul(cpu::best_isa(), {x, &weights, y, m}, pool, ws);
    const auto cap = ws.capacity();
    cpu::matmul(cpu::best_isa(), {x, &weights, y, m}, pool, ws);
    CHECK(ws.capacity() == cap);
  }
}

TEST_CASE("matmul weights reject bad shapes and dtypes", "[kernels][registry]") {
  std::vector<std::byte> bytes(18);
  CHECK_THROWS_AS(cpu::MatmulWeights(core::DType::kQ4_0, 1, 16, bytes), std::invalid_argument);
  CHECK_THROWS_AS(cpu::MatmulWeights(core::DType::kQ4_0, 2, 32, bytes), std::invalid_argument);
  CHECK_THROWS_AS(cpu::MatmulWeights(core::DType::kQ6_K, 1, 256, bytes), std::invalid_argument);
  CHECK_NOTHROW(cpu::MatmulWeights(core::DType::kQ4_0, 1, 32, bytes));
}
