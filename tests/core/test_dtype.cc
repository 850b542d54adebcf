// test_dtype.cc — dtype table: block layouts, bytes of tensors, names.
#include <catch2/catch.hpp>

#include "core/dtype.h"

using namespace llmsizer::core;

TEST_CASE("block types have llama.cpp's bits per weight", "[dtype]") {
  struct Case {
    const char* name;
    double bpw;
  };
  // ggml-common.h block sizes: q4_0 18 B / 32, q8_0 34 B / 32, q4_k 144 B / 256, ...
  const Case cases[] = {{"q4_0", 4.5},  {"q4_1", 5.0},    {"q5_0", 5.5},    {"q5_1", 6.0},
                        {"q8_0", 8.5},  {"q2_k", 2.625},  {"q3_k", 3.4375}, {"q4_k", 4.5},
                        {"q5_k", 5.5},  {"q6_k", 6.5625}, {"iq4_xs", 4.25}, {"f16", 16.0},
                        {"bf16", 16.0}, {"f32", 32.0},    {"fp8_e4m3", 8.0}};
  for (const auto& c : cases) {
    INFO(c.name);
    auto t = parse_dtype(c.name);
    REQUIRE(t);
    CHECK(bits_per_element(*t) == Approx(c.bpw));
    CHECK(name(*t) == c.name);
  }
}

TEST_CASE("tensor bytes are whole blocks", "[dtype]") {
  CHECK(tensor_bytes(DType::kQ4_0, 4096, 4096) == 4096ull * 128 * 18);
  CHECK(tensor_bytes(DType::kQ6_K, 32000, 4096) == 32000ull * 16 * 210);
  CHECK(tensor_bytes(DType::kF16, 3, 5) == 30);
  CHECK(row_fits_blocks(DType::kQ4_K, 4096));
  CHECK_FALSE(row_fits_blocks(DType::kQ4_K, 4160));
  CHECK(row_fits_blocks(DType::kQ4_0, 4160));
}

TEST_CASE("group-scaled integers count their scales", "[dtype]") {
  // int4 g128: 64 value bytes + f16 scale + 4-bit zero per group of 128.
  CHECK(tensor_bytes(DType::kInt4, 1, 128, 128) == 64 + 3);
  CHECK(bits_per_element(DType::kInt4, 128) == Approx(4.0 + 20.0 / 128));
  // int8 per channel: one f16 scale per row.
  CHECK(tensor_bytes(DType::kInt8, 10, 100, 0) == 1000 + 20);
}

TEST_CASE("dtype names and aliases parse, unknown ones do not", "[dtype]") {
  CHECK(parse_dtype("FP16") == DType::kF16);
  CHECK(parse_dtype("fp8") == DType::kFP8E4M3);
  CHECK(parse_dtype("bfloat16") == DType::kBF16);
  CHECK_FALSE(parse_dtype("q4_k_m"));  // a mix, not a dtype
  CHECK_FALSE(parse_dtype(""));
  CHECK(dtype_from_ggml(12) == DType::kQ4_K);
  CHECK(dtype_from_ggml(30) == DType::kBF16);
  CHECK_FALSE(dtype_from_ggml(4));  // removed q4_2
}
