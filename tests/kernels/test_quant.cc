// test_quant.cc — block layouts and conversions: f16/bf16 rounding, llama.cpp's q8_0, q4_0
// and q4_k encodings (hand-built blocks decode to known values), quantize/dequantize round
// trips within the format's step, and the AVX2 activation quantizers matching the reference
// bit for bit.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "kernels/block_layout.h"
#include "kernels/cpu/matmul.h"
#include "kernels/reference/quant.h"

using namespace llmsizer;
using namespace llmsizer::kernels;

namespace {

std::vector<float> random_values(std::size_t n, unsigned seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, scale);
  std::vector<float> v(n);
  for (auto& x : v) x = dist(rng);
  return v;
}

}  // namespace

TEST_CASE("f16 and bf16 conversions round to nearest even", "[kernels][quant]") {
  CHECK(f32_to_f16(1.0f) == 0x3C00);
  CHECK(f32_to_f16(-2.0f) == 0xC000);
  CHECK(f32_to_f16(65504.0f) == 0x7BFF);
  CHECK(f32_to_f16(65520.0f) == 0x7C00);                      // halfway to 65536 -> inf
  CHECK(f32_to_f16(std::ldexp(1.0f, -24)) == 0x0001);         // smallest subnormal
  CHECK(f32_to_f16(std::ldexp(1.0f, -25)) == 0x0000);         // tie -> even (zero)
  CHECK(f32_to_f16(1.0f + std::ldexp(1.0f, -11)) == 0x3C00);  // tie -> even
  CHECK(f32_to_f16(1.0f + 3 * std::ldexp(1.0f, -11)) == 0x3C02);
  CHECK(std::isnan(f16_to_f32(f32_to_f16(NAN))));
  for (std::uint32_t h = 0; h < 0x7C00; ++h) {  // every finite positive half round-trips
    const auto hh = static_cast<std::uint16_t>(h);
    REQUIRE(f32_to_f16(f16_to_f32(hh)) == hh);
  }
  CHECK(f16_to_f32(0x0001) == std::ldexp(1.0f, -24));
  CHECK(bf16_to_f32(f32_to_bf16(1.5f)) == 1.5f);
  CHECK(f32_to_bf16(1.0f + std::ldexp(1.0f, -8)) == 0x3F80);  // tie -> even
  CHECK(f32_to_bf16(1.0f + 3 * std::ldexp(1.0f, -8)) == 0x3F82);
}

TEST_CASE("hand-built llama.cpp blocks decode to the documented values", "[kernels][quant]") {
  BlockQ4_0 q4{};
  q4.d = f32_to_f16(0.5f);
  for (int i = 0; i < 16; ++i) q4.qs[i] = static_cast<std::uint8_t>(i | ((15 - i) << 4));
  std::vector<float> y(32);
  reference::dequantize_row_q4_0({&q4, 1}, y);
  CHECK(y[0] == -4.0f);  // (0 - 8) * 0.5
  CHECK(y[15] == 3.5f);  // (15 - 8) * 0.5
  CHECK(y[16] == 3.5f);  // high nibble of qs[0] = 15
  CHECK(y[31] == -4.0f);

  BlockQ4_K k{};
  k.d = f32_to_f16(1.0f);
  k.dmin = f32_to_f16(0.5f);
  // sub-block 1: scale 3, min 2; sub-block 5: scale 33 (6 bits), min 17.
  k.scales[1] = 3;
  k.scales[5] = 2;
  k.scales[9] = static_cast<std::uint8_t>((33 & 0xF) | ((17 & 0xF) << 4));
  k.scales[1] |= static_cast<std::uint8_t>((33 >> 4) << 6);
  k.scales[5] |= static_cast<std::uint8_t>((17 >> 4) << 6);
  k.qs[0] = 0x70;   // element 0: 0, element 32 (sub-block 1): 7
  k.qs[64] = 0x0A;  // element 128 + 0 (sub-block 4): 10; element 160 (sub-block 5): 0
  k.qs[65] = 0x90;  // element 161 (sub-block 5): 9
  std::vector<float> yk(256);
  reference::dequantize_row_q4_k({&k, 1}, yk);
  CHECK(yk[32] == 3.0f * 7 - 0.5f * 2);
  CHECK(yk[161] == 33.0f * 9 - 0.5f * 17);
  CHECK(yk[160] == -0.5f * 17);
  std::uint8_t sc = 0, mn = 0;
  q4k_scale_min(5, k.scales, &sc, &mn);
  CHECK(sc == 33);
  CHECK(mn == 17);
}

TEST_CASE("quantize/dequantize round trips stay within the format's step", "[kernels][quant]") {
  const std::int64_t rows = 3, cols = 512;
  const auto x = random_values(static_cast<std::size_t>(rows * cols), 7);
  struct Case {
    core::DType dtype;
    double max_rel;  // max |x - x'| / max|x| over the matrix
  };
  for (const Case c : {Case{core::DType::kF32, 0.0}, Case{core::DType::kF16, 1e-3},
                       Case{core::DType::kBF16, 8e-3}, Case{core::DType::kQ8_0, 1.0 / 254 + 1e-3},
                       Case{core::DType::kQ4_0, 1.0 / 8 + 1e-3}, Case{core::DType::kQ4_K, 0.15}}) {
    INFO(core::name(c.dtype));
    const auto bytes = reference::quantize(c.dtype, x, rows, cols);
    CHECK(bytes.size() == core::tensor_bytes(c.dtype, rows, cols));
    const auto back = reference::dequantize(c.dtype, bytes, rows, cols);
    double amax = 0, err = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
      amax = std::max(amax, std::abs(static_cast<double>(x[i])));
      err = std::max(err, std::abs(static_cast<double>(x[i]) - back[i]));
    }
    CHECK(err <= c.max_rel * amax);
  }
}

TEST_CASE("vector activation quantizers match the reference bit for bit", "[kernels][quant]") {
  for (const std::int64_t k : {1024, 96}) {  // whole groups of eight blocks, and a partial one
    auto x = random_values(static_cast<std::size_t>(k), 11, 3.0f);
    std::fill(x.begin() + 32, x.begin() + 64, 0.0f);  // an all-zero block: d = 0
    const auto nb = static_cast<std::size_t>(k / 32);
    std::vector<BlockQ8Act> ref(nb);
    reference::quantize_act_q8(x, ref);
    for (auto isa : {cpu::Isa::kPortable, cpu::Isa::kAvx2, cpu::Isa::kAvx512Vnni}) {
      if (!cpu::isa_supported(isa)) continue;
      INFO(cpu::isa_name(isa) << " k = " << k);
      std::vector<BlockQ8Act8> got((nb + 7) / 8);
      std::memset(static_cast<void*>(got.data()), 0x5A, got.size() * sizeof(BlockQ8Act8));
      cpu::quantize_act_q8(isa, x.data(), k, got.data());
      for (std::size_t b = 0; b < got.size() * 8; ++b) {
        const BlockQ8Act8& g = got[b / 8];
        const std::size_t i = b % 8;
        if (b >= nb) {  // padding: zero
          CHECK(g.d[i] == 0.0f);
          CHECK(g.s[i] == 0.0f);
          CHECK(std::all_of(g.qs[i], g.qs[i] + 32, [](std::int8_t q) { return q == 0; }));
          continue;
        }
        CHECK(std::memcmp(&g.d[i], &ref[b].d, 4) == 0);
        CHECK(std::memcmp(&g.s[i], &ref[b].s, 4) == 0);
        CHECK(std::memcmp(g.qs[i], ref[b].qs, 32) == 0);
      }
      if (k % 256 != 0) continue;
      std::vector<BlockQ8K> refk(static_cast<std::size_t>(k / 256)), gotk(refk.size());
      reference::quantize_act_q8k(x, refk);
      cpu::quantize_act_q8k(isa, x.data(), k, gotk.data());
      CHECK(std::memcmp(refk.data(), gotk.data(), refk.size() * sizeof(BlockQ8K)) == 0);
    }
    std::vector<float> back(static_cast<std::size_t>(k));
    reference::dequantize_act_q8(ref, back);
    for (std::size_t i = 0; i < back.size(); ++i)
      REQUIRE(std::abs(back[i] - x[i]) <= ref[i / 32].d * 0.5f * (1 + 1e-5f));
  }
}
