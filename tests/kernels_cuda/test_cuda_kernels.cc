// test_cuda_kernels.cc — every CUDA registry entry against the CPU reference kernels
// (kernels/reference/) on several shapes (odd sizes, GQA, sliding windows, contexts spanning
// several decode splits), each with its own error bound; plus the probes and CUDA-event timing.
// Without a CUDA device every case prints "SKIPPED: no CUDA device" and returns; CTest marks
// them skipped (tests/CMakeLists.txt, SKIP_REGULAR_EXPRESSION).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <variant>
#include <vector>

#include "kernels/block_layout.h"
#include "kernels/cuda/cuda_kernels.h"
#include "kernels/cuda/probes_cuda.h"
#include "kernels/cuda/registry_cuda.h"
#include "kernels/cuda/weight_formats.h"
#include "kernels/reference/quant.h"
#include "kernels/reference/reference.h"
#include "random_values.h"

using namespace llmsizer;
using namespace llmsizer::kernels::cuda;
using kernels::Activation;
using kernels::bf16_to_f32;
using kernels::f16_to_f32;
using kernels::f32_to_bf16;
using kernels::f32_to_f16;
using kernels::OpKind;
using kernels::RopeStyle;
namespace reference = kernels::reference;
using core::DType;

namespace {

// True when a device is present; otherwise prints the skip line CTest looks for.
bool have_device() {
  std::string why;
  if (device_count(&why) > 0) return true;
  std::printf("SKIPPED: no CUDA device (%s)\n", why.c_str());
  return false;
}

using testing::uniform;

std::size_t sz(std::int64_t v) {
  return static_cast<std::size_t>(v);
}

template <class T>
DeviceBuffer to_device(const std::vector<T>& v) {
  DeviceBuffer b(v.size() * sizeof(T));
  b.upload(v.data(), v.size() * sizeof(T));
  return b;
}

std::vector<float> from_device(const DeviceBuffer& b, std::size_t n) {
  std::vector<float> v(n);
  b.download(v.data(), n * sizeof(float));
  return v;
}

// Values as stored in a 16-bit float type (bits) and as the f32 the reference sees.
struct Rounded16 {
  std::vector<std::uint16_t> bits;
  std::vector<float> values;
};
Rounded16 round16(const std::vector<float>& v, DType dt) {
  Rounded16 r;
  for (float x : v) {
    const std::uint16_t b = dt == DType::kF16 ? f32_to_f16(x) : f32_to_bf16(x);
    r.bits.push_back(b);
    r.values.push_back(dt == DType::kF16 ? f16_to_f32(b) : bf16_to_f32(b));
  }
  return r;
}

// Max over outputs of |y - y_ref| / sum_k |x_k w_k| (the matmul normalisation).
double matmul_error(const std::vector<float>& y, const std::vector<float>& x,
                    const std::vector<float>& w, std::int64_t m, std::int64_t k, std::int64_t n) {
  std::vector<float> ref(sz(m * n));
  reference::matmul(x, w, ref, m, k, n);
  double worst = 0;
  for (std::int64_t i = 0; i < m; ++i)
    for (std::int64_t j = 0; j < n; ++j) {
      double mag = 0;
      for (std::int64_t c = 0; c < k; ++c)
        mag += std::fabs(static_cast<double>(x[sz(i * k + c)]) * w[sz(j * k + c)]);
      const double e = std::fabs(y[sz(i * n + j)] - ref[sz(i * n + j)]) / (mag > 0 ? mag : 1.0);
      worst = std::max(worst, e);
    }
  return worst;
}

double elem_error(const std::vector<float>& y, const std::vector<float>& ref) {
  REQUIRE(y.size() == ref.size());
  double worst = 0;
  for (std::size_t i = 0; i < y.size(); ++i)
    worst =
        std::max(worst, std::fabs(static_cast<double>(y[i]) - ref[i]) / (1.0 + std::fabs(ref[i])));
  return worst;
}

double check_matmul(const CudaKernelEntry& e, std::int64_t m, std::int64_t k, std::int64_t n) {
  auto x = uniform(sz(m * k), 11);
  auto w = uniform(sz(n * k), 12);
  DeviceBuffer dx, dw, dy;
  std::vector<float> y;
  if (std::holds_alternative<GemmKernelFn>(e.fn)) {
    if (e.dtype == DType::kFP8E4M3) {
      std::vector<std::uint8_t> xb, wb;
      for (auto& v : x) v = e4m3_to_f32(xb.emplace_back(f32_to_e4m3(v)));
      for (auto& v : w) v = e4m3_to_f32(wb.emplace_back(f32_to_e4m3(v)));
      dx = to_device(xb);
      dw = to_device(wb);
      dy = DeviceBuffer(sz(m * n) * 2);
    } else {
      const auto rx = round16(x, e.dtype), rw = round16(w, e.dtype);
      x = rx.values;
      w = rw.values;
      dx = to_device(rx.bits);
      dw = to_device(rw.bits);
      dy = DeviceBuffer(sz(m * n) * sizeof(float));
    }
    std::get<GemmKernelFn>(e.fn)(GemmArgs{dx.data(), dw.data(), dy.data(), m, k, n});
    synchronize();
    if (e.dtype == DType::kFP8E4M3) {
      std::vector<std::uint16_t> bits(sz(m * n));
      dy.download(bits.data(), bits.size() * 2);
      for (auto b : bits) y.push_back(bf16_to_f32(b));
    } else {
      y = from_device(dy, sz(m * n));
    }
  } else {
    std::vector<std::byte> stored;
    if (e.dtype == DType::kF16 || e.dtype == DType::kBF16) {
      const auto rw = round16(w, e.dtype);
      w = rw.values;
      stored.resize(rw.bits.size() * 2);
      std::memcpy(stored.data(), rw.bits.data(), stored.size());
    } else if (e.dtype == DType::kInt8) {
      stored = quantize_int8(w, n, k);
      w = dequantize_int8(stored, n, k);
    } else if (e.dtype == DType::kInt4) {
      stored = quantize_int4(w, n, k);
      w = dequantize_int4(stored, n, k);
    } else {
      stored = reference::quantize(e.dtype, w, n, k);
      w = reference::dequantize(e.dtype, stored, n, k);
    }
    dx = to_device(x);
    dw = to_device(stored);
    dy = DeviceBuffer(sz(m * n) * sizeof(float));
    std::get<MatmulKernelFn>(e.fn)(MatmulArgs{dx.as<float>(), dw.data(), dy.as<float>(), m, k, n});
    synchronize();
    y = from_device(dy, sz(m * n));
  }
  return matmul_error(y, x, w, m, k, n);
}

double check_attention(const CudaKernelEntry& e, std::int64_t tokens, std::int64_t past,
                       std::int64_t heads, std::int64_t kv_heads, std::int64_t hd,
                       std::int64_t window) {
  const std::int64_t ctx = past + tokens;
  const auto q = uniform(sz(tokens * heads * hd), 21);
  auto k = uniform(sz(ctx * kv_heads * hd), 22);
  auto v = uniform(sz(ctx * kv_heads * hd), 23);
  DeviceBuffer dk, dv;
  if (e.dtype == DType::kF16) {
    const auto rk = round16(k, DType::kF16), rv = round16(v, DType::kF16);
    k = rk.values;
    v = rv.values;
    dk = to_device(rk.bits);
    dv = to_device(rv.bits);
  } else {
    dk = to_device(k);
    dv = to_device(v);
  }
  const auto dq = to_device(q);
  DeviceBuffer dout(q.size() * sizeof(float));
  AttentionArgs a;
  a.q = dq.as<float>();
  a.k = dk.data();
  a.v = dv.data();
  a.kv_dtype = e.dtype;
  a.out = dout.as<float>();
  a.tokens = tokens;
  a.past = past;
  a.heads = heads;
  a.kv_heads = kv_heads;
  a.head_dim = hd;
  a.window = window;
  a.scale = 1.0f / std::sqrt(static_cast<float>(hd));
  std::get<AttentionKernelFn>(e.fn)(a);
  synchronize();
  std::vector<float> ref(q.size());
  reference::attention(q, k, v, ref, tokens, past, heads, kv_heads, hd, window, a.scale);
  return elem_error(from_device(dout, q.size()), ref);
}

double check_other(const CudaKernelEntry& e) {
  switch (e.op) {
    case OpKind::kRmsNorm: {
      const std::int64_t rows = 5, dim = 4097;
      const auto x = uniform(sz(rows * dim), 31), g = uniform(sz(dim), 32);
      const auto dx = to_device(x), dg = to_device(g);
      DeviceBuffer dy(x.size() * sizeof(float));
      std::get<NormKernelFn>(e.fn)(
          NormArgs{dx.as<float>(), dg.as<float>(), dy.as<float>(), rows, dim, 1e-5f});
      synchronize();
      std::vector<float> ref(x.size());
      reference::rmsnorm(x, g, ref, rows, dim, 1e-5f);
      return elem_error(from_device(dy, x.size()), ref);
    }
    case OpKind::kRopeInterleaved:
    case OpKind::kRopeHalfSplit: {
      const std::int64_t tokens = 7, heads = 3, hd = 128;
      auto x = uniform(sz(tokens * heads * hd), 41);
      const std::vector<std::int32_t> pos{0, 1, 17, 255, 4096, 32767, 131071};
      auto dx = to_device(x);
      const auto dp = to_device(pos);
      std::get<RopeKernelFn>(e.fn)(
          RopeArgs{dx.as<float>(), dp.as<std::int32_t>(), tokens, heads, hd, 500000.0f});
      synchronize();
      reference::rope(
          e.op == OpKind::kRopeHalfSplit ? RopeStyle::kHalfSplit : RopeStyle::kInterleaved, x, pos,
          tokens, heads, hd, 500000.0f);
      return elem_error(from_device(dx, x.size()), x);
    }
    case OpKind::kSwiGlu: {
      const std::int64_t n = 10007;
      auto g = uniform(sz(n), 51), u = uniform(sz(n), 52);
      for (auto& v : g) v *= 12.0f;  // reach the saturated ends of silu
      const auto dg = to_device(g), du = to_device(u);
      DeviceBuffer dy(sz(n) * sizeof(float));
      std::get<GatedKernelFn>(e.fn)(GatedArgs{dg.as<float>(), du.as<float>(), dy.as<float>(), n});
      synchronize();
      std::vector<float> ref(sz(n));
      reference::gated(Activation::kSilu, g, u, ref);
      return elem_error(from_device(dy, sz(n)), ref);
    }
    default:
      FAIL("no check for " << e.name);
      return 1.0;
  }
}

}  // namespace

TEST_CASE("every CUDA kernel matches the CPU reference within its bound", "[cuda][device]") {
  if (!have_device()) return;
  const int cc = compute_capability();
  for (const auto& e : cuda_registry()) {
    if (!runs_on(e, cc)) {
      std::printf("not supported here (compute capability %d): %s\n", cc, e.name);
      continue;
    }
    DYNAMIC_SECTION(e.name) {
      if (e.op == OpKind::kMatmul) {
        for (auto [m, k, n] :
             {std::tuple{1, 256, 64}, {7, 512, 48}, {64, 256, 128}, {33, 1024, 16}}) {
          INFO("m " << m << " k " << k << " n " << n);
          CHECK(check_matmul(e, m, k, n) <= e.max_error);
        }
        if (std::holds_alternative<MatmulKernelFn>(e.fn)) {  // odd n, m past a token tile
          CHECK(check_matmul(e, 3, 256, 37) <= e.max_error);
          CHECK(check_matmul(e, 5, 128, 1) <= e.max_error);
        }
      } else if (e.op == OpKind::kAttentionPrefill) {
        CHECK(check_attention(e, 37, 0, 8, 2, 64, 0) <= e.max_error);
        CHECK(check_attention(e, 19, 5, 4, 4, 128, 0) <= e.max_error);
        CHECK(check_attention(e, 40, 3, 6, 1, 96, 16) <= e.max_error);  // MQA, window
        CHECK(check_attention(e, 2, 0, 2, 1, 256, 0) <= e.max_error);
      } else if (e.op == OpKind::kAttentionDecode) {
        CHECK(check_attention(e, 1, 0, 8, 2, 64, 0) <= e.max_error);
        CHECK(check_attention(e, 1, 700, 8, 2, 128, 0) <= e.max_error);    // 3 splits
        CHECK(check_attention(e, 1, 70000, 4, 1, 64, 0) <= e.max_error);   // chunk doubling
        CHECK(check_attention(e, 1, 900, 4, 2, 128, 300) <= e.max_error);  // window
      } else {
        CHECK(check_other(e) <= e.max_error);
      }
    }
  }
}

TEST_CASE("CUDA kernels reject shapes they do not support", "[cuda][device]") {
  if (!have_device()) return;
  DeviceBuffer b(4096);
  CHECK_THROWS_AS(
      matmul(DType::kQ4_0, MatmulArgs{b.as<float>(), b.data(), b.as<float>(), 1, 48, 4}),
      CudaError);
  CHECK_THROWS_AS(
      matmul(DType::kQ4_K, MatmulArgs{b.as<float>(), b.data(), b.as<float>(), 1, 256, 4}),
      CudaError);
  AttentionArgs a;
  a.head_dim = 80;
  CHECK_THROWS_AS(attention_prefill(a), CudaError);
  if (compute_capability() < kFp8MinCapability)
    CHECK_THROWS_AS(gemm(DType::kFP8E4M3, GemmArgs{b.data(), b.data(), b.data(), 1, 16, 16}),
                    CudaError);
}

TEST_CASE("GPU probes and CUDA-event timing give plausible rates", "[cuda][device]") {
  if (!have_device()) return;
  const std::size_t bytes = std::size_t{64} << 20;
  for (auto kind : {GpuBandwidthKind::kRead, GpuBandwidthKind::kWrite,
                    GpuBandwidthKind::kCopyKernel, GpuBandwidthKind::kCopyMemcpy,
                    GpuBandwidthKind::kHostToDevice, GpuBandwidthKind::kDeviceToHost}) {
    INFO(to_string(kind));
    const auto rates = probe_bandwidth(kind, bytes, 3, 2);
    REQUIRE(rates.size() == 3);
    for (double r : rates) {
      CHECK(r > 1e9);   // every CUDA GPU since 2008 moves more than 1 GB/s
      CHECK(r < 2e13);  // and none moves 20 TB/s
    }
  }
  const double f = probe_fp32_fma(2);
  CHECK(f > 1e11);
  CHECK(f < 5e14);
  CHECK(probe_threads() >= 1024);
  // CUDA-event timing of an RMSNorm over 64 MiB: positive and well under a second.
  DeviceBuffer x(bytes), y(bytes), g(4096 * sizeof(float));
  const double ms = time_ms(
      [&] {
        rmsnorm(NormArgs{x.as<float>(), g.as<float>(), y.as<float>(),
                         static_cast<std::int64_t>(bytes / 4 / 4096), 4096, 1e-5f});
      },
      3);
  CHECK(ms > 0.0);
  CHECK(ms < 1000.0);
}
