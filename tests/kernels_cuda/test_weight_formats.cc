// test_weight_formats.cc — the host side of the CUDA backend, runs without a GPU: int8/int4
// weight layouts (byte counts equal core::tensor_bytes, round-trip error within half a step),
// FP8 e4m3 conversions (exact decode, round-to-nearest-even encode, saturation) and the CUDA
// registry's invariants (unique names, every op the backend promises, costs from core/).
#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <set>
#include <string>

#include "core/dtype.h"
#include "kernels/cuda/registry_cuda.h"
#include "kernels/cuda/weight_formats.h"
#include "random_values.h"

using namespace llmsizer;
using namespace llmsizer::kernels::cuda;
using kernels::OpShape;

namespace {
using testing::uniform;
}  // namespace

TEST_CASE("int8 weight-only layout: size from core, error within half a step", "[cuda][formats]") {
  const std::int64_t rows = 5, cols = 96;
  const auto w = uniform(static_cast<std::size_t>(rows * cols), 1);
  const auto q = quantize_int8(w, rows, cols);
  CHECK(q.size() == core::tensor_bytes(core::DType::kInt8, rows, cols));
  const auto d = dequantize_int8(q, rows, cols);
  for (std::int64_t r = 0; r < rows; ++r) {
    float amax = 0;
    for (std::int64_t c = 0; c < cols; ++c) amax = std::max(amax, std::fabs(w[r * cols + c]));
    const float step = amax / 127.0f;
    for (std::int64_t c = 0; c < cols; ++c)
      REQUIRE(std::fabs(d[r * cols + c] - w[r * cols + c]) <= 0.5f * step * 1.01f);
  }
}

TEST_CASE("int4 weight-only layout: size from core, error within half a step", "[cuda][formats]") {
  const std::int64_t rows = 3, cols = 4 * kInt4Group;
  auto w = uniform(static_cast<std::size_t>(rows * cols), 2);
  for (std::size_t i = 0; i < 64; ++i) w[i] = 0.25f + 0.001f * static_cast<float>(i);  // all > 0
  const auto q = quantize_int4(w, rows, cols);
  CHECK(q.size() == core::tensor_bytes(core::DType::kInt4, rows, cols));
  const auto d = dequantize_int4(q, rows, cols);
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t g = 0; g < cols / kInt4Group; ++g) {
      float lo = 0, hi = 0;
      for (int i = 0; i < kInt4Group; ++i) {
        lo = std::min(lo, w[r * cols + g * kInt4Group + i]);
        hi = std::max(hi, w[r * cols + g * kInt4Group + i]);
      }
      const float step = (hi - lo) / 15.0f;
      for (int i = 0; i < kInt4Group; ++i) {
        const auto e = static_cast<std::size_t>(r * cols + g * kInt4Group + i);
        REQUIRE(std::fabs(d[e] - w[e]) <= 0.5f * step * 1.01f + 1e-6f);
      }
    }
}

TEST_CASE("fp8 e4m3: exact decode, nearest-even encode, saturation", "[cuda][formats]") {
  CHECK(e4m3_to_f32(0x7E) == 448.0f);
  CHECK(e4m3_to_f32(0x01) == std::ldexp(1.0f, -9));  // smallest subnormal
  CHECK(e4m3_to_f32(0x08) == std::ldexp(1.0f, -6));  // smallest normal
  CHECK(e4m3_to_f32(0x38) == 1.0f);
  CHECK(e4m3_to_f32(0xB8) == -1.0f);
  CHECK(std::isnan(e4m3_to_f32(0x7F)));
  CHECK(f32_to_e4m3(1.0f) == 0x38);
  CHECK(f32_to_e4m3(1.0625f) == 0x38);  // halfway 1 and 1.125: even mantissa (1.0)
  CHECK(f32_to_e4m3(1.1875f) == 0x3A);  // halfway 1.125 and 1.25: even (1.25)
  CHECK(f32_to_e4m3(1e6f) == 0x7E);
  CHECK(f32_to_e4m3(-1e6f) == 0xFE);
  CHECK(f32_to_e4m3(std::ldexp(1.0f, -11)) == 0x00);  // below half the smallest subnormal
  CHECK(f32_to_e4m3(std::nanf("")) == 0x7F);
  // Every finite code decodes and encodes back to itself.
  for (int b = 0; b < 256; ++b) {
    if ((b & 0x7F) == 0x7F) continue;
    const auto code = static_cast<std::uint8_t>(b);
    const float v = e4m3_to_f32(code);
    if (v == 0.0f) continue;  // +0 and -0
    REQUIRE(f32_to_e4m3(v) == code);
  }
}

TEST_CASE("the CUDA registry lists every promised kernel once, with costs from core",
          "[cuda][registry]") {
  std::set<std::string> names;
  for (const auto& e : cuda_registry()) {
    INFO(e.name);
    CHECK(names.insert(e.name).second);
    CHECK(find_cuda_kernel(e.name) == &e);
    CHECK(e.max_error > 0);
    CHECK(e.min_capability >= 80);
    OpShape s;
    s.m = 4;
    s.k = 256;
    s.n = 64;
    s.heads = 8;
    s.kv_heads = 2;
    s.head_dim = 64;
    s.past = 100;
    const auto c = e.cost(s);
    CHECK(c.flops > 0);
    CHECK(c.bytes() > 0);
  }
  for (const char* n :
       {"gemm_f16_cublaslt", "gemm_bf16_cublaslt", "gemm_fp8_e4m3_cublaslt", "matmul_f16_cuda",
        "matmul_bf16_cuda", "matmul_int8_cuda", "matmul_int4_cuda", "matmul_q8_0_cuda",
        "matmul_q4_0_cuda", "rmsnorm_cuda", "rope_interleaved_cuda", "rope_half_split_cuda",
        "swiglu_cuda", "attention_prefill_f32_cuda", "attention_decode_f32_cuda",
        "attention_decode_f16_cuda"}) {
    INFO(n);
    CHECK(find_cuda_kernel(n) != nullptr);
  }
  CHECK(find_cuda_kernel("no_such_kernel") == nullptr);
  CHECK_FALSE(runs_on(*find_cuda_kernel("gemm_fp8_e4m3_cublaslt"), 80));
  CHECK(runs_on(*find_cuda_kernel("gemm_fp8_e4m3_cublaslt"), 89));
  // The weight bytes a matmul reads are core's count for its dtype.
  OpShape s;
  s.m = 1;
  s.k = 4096;
  s.n = 4096;
  CHECK(find_cuda_kernel("matmul_q4_0_cuda")->cost(s).bytes_read ==
        static_cast<double>(core::tensor_bytes(core::DType::kQ4_0, 4096, 4096)) + 4096.0 * 4);
}
