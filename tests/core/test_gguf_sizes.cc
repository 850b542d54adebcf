// test_gguf_sizes.cc — llama.cpp mixes reproduce real GGUF file sizes.
// Facts: TheBloke/Llama-2-7B-Chat-GGUF file sizes (Hugging Face LFS sizes, as quoted in
// public repositories; as_of 2026-11-27): Q4_K_M 4,081,004,224 B, Q8_0 7,161,089,728 B.
// (Their Q2_K file, 2,825,940,672 B, predates llama.cpp's current Q2_K rules, which give
// smaller files: llmsizer models the current rules, so it is not compared here.) A file is the
// tensor bytes plus the same metadata (tokenizer etc.) and alignment padding, so file - computed
// tensor bytes must be the same small constant for all three mixes if the per-tensor rules are
// right.
#include <catch2/catch.hpp>

#include "core/model_arch.h"
#include "core/weight_scheme.h"
#include "llama2_arch.h"

using namespace llmsizer::core;

TEST_CASE("Llama-2-7B GGUF sizes match TheBloke's files", "[schemes][gguf]") {
  const ModelArch a = llmsizer::test::llama2_7b_arch();
  struct Case {
    const char* mix;
    double file_bytes;
  };
  const Case cases[] = {{"q4_k_m", 4'081'004'224.0}, {"q8_0", 7'161'089'728.0}};
  double first_overhead = -1;
  for (const auto& c : cases) {
    INFO(c.mix);
    const double ours = static_cast<double>(total_weight_bytes(a, *parse_weight_scheme(c.mix)));
    const double overhead = c.file_bytes - ours;
    CHECK(overhead > 0);
    CHECK(overhead < 2e6);  // metadata + vocabulary of 32000 tokens
    if (first_overhead < 0) first_overhead = overhead;
    CHECK(overhead == Approx(first_overhead).margin(32 * 300));  // tensor alignment padding
  }
}

TEST_CASE("a -pure scheme stores every matrix in its dtype and 1-D tensors in f32", "[schemes]") {
  const auto a = llmsizer::test::llama2_7b_arch();
  const auto pure = parse_weight_scheme("Q4_0-pure");
  REQUIRE(pure);
  CHECK(pure->name == "q4_0-pure");
  CHECK(pure->pure);
  std::uint64_t expect = 0;
  for (const auto& t : enumerate_tensors(a)) {
    const auto dt = tensor_dtype(a, t, *pure);
    CHECK(dt == (role_is_matrix(t.role) ? DType::kQ4_0 : DType::kF32));
    expect += tensor_bytes(dt, static_cast<std::uint64_t>(t.rows * t.copies),
                           static_cast<std::uint64_t>(t.cols));
  }
  CHECK(total_weight_bytes(a, *pure) == expect);
  // llama-quantize's Q4_0 mix keeps the output matrix in q6_k: the pure file is smaller.
  CHECK(expect < total_weight_bytes(a, *parse_weight_scheme("q4_0")));
  CHECK_FALSE(parse_weight_scheme("int4-pure"));
  CHECK_FALSE(parse_weight_scheme("-pure"));
  CHECK_FALSE(parse_weight_scheme("fp8-pure"));
}
