// test_params.cc — parameter counts and KV bytes from hand-built architectures, checked
// against hand-worked numbers (docs/cost-model.md#params, #kv-cache).
#include <catch2/catch.hpp>

#include "core/model_arch.h"
#include "core/weight_scheme.h"
#include "llama2_arch.h"

using namespace llmsizer::core;

namespace {
ModelArch llama2_7b() {
  return llmsizer::test::llama2_7b_arch();
}
}  // namespace

TEST_CASE("Llama-2-7B by hand", "[params]") {
  const auto p = count_params(llama2_7b());
  // attention 4*d^2 per layer, ffn 3*d*I, 2 norms, embeddings + lm_head, final norm.
  CHECK(p.attention == 32ull * 4 * 4096 * 4096);
  CHECK(p.ffn_dense == 32ull * 3 * 4096 * 11008);
  CHECK(p.norms == 32ull * 2 * 4096 + 4096);
  CHECK(p.embedding == 32000ull * 4096);
  CHECK(p.lm_head == 32000ull * 4096);
  CHECK(p.total == 6'738'415'616ull);
  CHECK(p.active == p.total);
  // KV cache per token: 2 (K,V) * 32 heads * 128 * 2 bytes * 32 layers.
  CHECK(kv_bytes_for_context(llama2_7b(), DType::kF16, 1) == 524'288ull);
  CHECK(kv_bytes_for_context(llama2_7b(), DType::kF16, 1000) == 524'288'000ull);
}

TEST_CASE("tied embeddings drop lm_head; biases add their vectors", "[params]") {
  auto a = llama2_7b();
  const auto base = count_params(a).total;
  a.tie_embeddings = true;
  CHECK(count_params(a).total == base - 32000ull * 4096);
  a.attention.qkv_bias = true;
  CHECK(count_params(a).total == base - 32000ull * 4096 + 32ull * 3 * 4096);
}

TEST_CASE("MoE active parameters count top_k of the routed experts", "[params][moe]") {
  auto a = llama2_7b();
  a.moe.num_experts = 8;
  a.moe.top_k = 2;
  a.moe.expert_intermediate_size = 11008;
  const auto p = count_params(a);
  const std::uint64_t expert = 3ull * 4096 * 11008;
  CHECK(p.ffn_experts == 32 * 8 * expert);
  CHECK(p.router == 32ull * 8 * 4096);
  CHECK(p.ffn_dense == 0);
  CHECK(p.total - p.active == 32 * 6 * expert);
}

TEST_CASE("sliding windows cap the KV cache of windowed layers only", "[kv]") {
  auto a = llama2_7b();
  a.attention.sliding_window = 100;
  a.attention.window_pattern = {LayerWindow::kSliding, LayerWindow::kFull};
  const std::uint64_t per_layer = 2ull * 32 * 128 * 2;
  CHECK(kv_bytes_for_context(a, DType::kF16, 50) == 32 * 50 * per_layer);
  CHECK(kv_bytes_for_context(a, DType::kF16, 1000) == (16 * 100 + 16 * 1000) * per_layer);
}

TEST_CASE("MLA caches the latent and the rope key", "[kv][mla]") {
  auto a = llama2_7b();
  a.attention.kind = AttentionKind::kMla;
  a.attention.mla = {1536, 512, 128, 64, 128};
  CHECK(kv_bytes_per_token_layer(a, DType::kF16) == (512 + 64) * 2);
}

TEST_CASE("check_arch rejects inconsistent shapes", "[params]") {
  auto a = llama2_7b();
  CHECK(check_arch(a).empty());
  a.attention.num_kv_heads = 5;
  REQUIRE_FALSE(check_arch(a).empty());
  CHECK(check_arch(a)[0].key_path == "architecture.attention.num_kv_heads");
  a = llama2_7b();
  a.moe.num_experts = 4;
  a.moe.top_k = 8;
  a.moe.expert_intermediate_size = 10;
  CHECK_FALSE(check_arch(a).empty());
  a = llama2_7b();
  a.hidden_size = 1 << 20;
  a.ffn.intermediate_size = 1 << 24;
  a.num_layers = 1 << 14;
  CHECK_FALSE(check_arch(a).empty());  // beyond 10^15 parameters
}

TEST_CASE("llama.cpp mixes follow llama-quantize's per-tensor rules", "[schemes]") {
  const auto a = llama2_7b();
  const auto q4km = *parse_weight_scheme("q4_k_m");
  const auto tensors = enumerate_tensors(a);
  for (const auto& t : tensors) {
    const DType dt = tensor_dtype(a, t, q4km);
    if (!role_is_matrix(t.role)) {
      CHECK(dt == DType::kF32);
    } else if (t.role == TensorRole::kOutput) {
      CHECK(dt == DType::kQ6_K);
    } else if (t.role == TensorRole::kAttnV || t.role == TensorRole::kFfnDown) {
      // use_more_bits: first/last eighth and every third layer in between.
      const std::int64_t i = t.layer, n = 32;
      const bool more = i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2;
      CHECK(dt == (more ? DType::kQ6_K : DType::kQ4_K));
    } else {
      CHECK(dt == DType::kQ4_K);
    }
  }
  // llama-2-7b.Q4_K_M.gguf holds 4,081,004,224 bytes of which ~0.7 MB is metadata and
  // the tokenizer: the tensor bytes must be within 0.1% below it.
  const double bytes = static_cast<double>(total_weight_bytes(a, q4km));
  CHECK(bytes < 4'081'004'224.0);
  CHECK(bytes > 4'081'004'224.0 * 0.999);
  CHECK(parse_weight_scheme("q4_k")->name == "q4_k_m");
  CHECK(parse_weight_scheme("int4-g64")->group_size == 64);
  CHECK_FALSE(parse_weight_scheme("int4-g0"));
  CHECK_FALSE(parse_weight_scheme("f16-g32"));
}

TEST_CASE("checkpoint schemes keep embeddings and norms 16-bit when quantized", "[schemes]") {
  const auto a = llama2_7b();
  const auto fp8 = *parse_weight_scheme("fp8");
  for (const auto& t : enumerate_tensors(a)) {
    const DType dt = tensor_dtype(a, t, fp8);
    if (t.role == TensorRole::kTokenEmbd || t.role == TensorRole::kOutput ||
        !role_is_matrix(t.role))
      CHECK(dt == DType::kBF16);
    else
      CHECK(dt == DType::kFP8E4M3);
  }
  const auto bf16 = *parse_weight_scheme("bf16");
  CHECK(total_weight_bytes(a, bf16) == 2 * count_params(a).total);
}
