// test_op_graph.cc — core's op vocabulary and op graph: the name tables round-trip, and the
// per-phase FLOP totals of a dense GQA model (Llama-3.1-8B), an MoE model (Mixtral-8x7B)
// and an MLA + MoE model (DeepSeek-V3) equal hand counts written out here from the model
// cards (the values of profiles/models/*.yaml), not from the graph's own code.
#include <catch2/catch.hpp>

#include <cmath>
#include <set>
#include <string>

#include "core/op_graph.h"

using namespace llmsizer;
using core::OpKind;
using core::OpRole;

namespace {

core::ModelArch llama31_8b() {
  core::ModelArch a;
  a.hidden_size = 4096;
  a.num_layers = 32;
  a.vocab_size = 128256;
  a.max_context = 131072;
  a.attention.num_heads = 32;
  a.attention.num_kv_heads = 8;
  a.attention.head_dim = 128;
  a.ffn.intermediate_size = 14336;
  return a;
}

core::ModelArch mixtral_8x7b() {
  core::ModelArch a = llama31_8b();
  a.vocab_size = 32000;
  a.max_context = 32768;
  a.moe.num_experts = 8;
  a.moe.top_k = 2;
  a.moe.expert_intermediate_size = 14336;
  return a;
}

core::ModelArch deepseek_v3() {
  core::ModelArch a;
  a.hidden_size = 7168;
  a.num_layers = 61;
  a.vocab_size = 129280;
  a.max_context = 163840;
  a.attention.kind = core::AttentionKind::kMla;
  a.attention.num_heads = 128;
  a.attention.num_kv_heads = 128;
  a.attention.head_dim = 192;
  a.attention.mla = {1536, 512, 128, 64, 128};
  a.ffn.intermediate_size = 18432;
  a.moe.num_experts = 256;
  a.moe.top_k = 8;
  a.moe.expert_intermediate_size = 2048;
  a.moe.num_shared_experts = 1;
  a.moe.first_dense_layers = 3;
  a.moe.router_bias = true;
  return a;
}

double total_flops(const std::vector<core::OpCall>& calls) {
  double f = 0;
  for (const auto& c : calls) f += c.total.flops * c.count;
  return f;
}

std::vector<core::OpCall> graph(const core::ModelArch& a, const core::GraphStep& st,
                                bool fused = true) {
  const auto in = core::uniform_graph_inputs(a, core::DType::kBF16, core::DType::kBF16,
                                             core::DType::kBF16, fused);
  return core::OpGraph(a, in).calls(st);
}

}  // namespace

TEST_CASE("op kind and role names round-trip through one table each", "[core][op_graph]") {
  std::set<std::string> kinds;
  for (std::size_t i = 0; i < core::kOpKindCount; ++i) {
    const auto k = static_cast<OpKind>(i);
    const auto name = core::op_name(k);
    INFO(name);
    CHECK(kinds.insert(std::string(name)).second);
    CHECK(core::parse_op_kind(name) == k);
    CHECK(core::op_kind_names()[i] == name);
  }
  CHECK(core::op_kind_names().size() == core::kOpKindCount);
  CHECK_FALSE(core::parse_op_kind("matmull"));
  CHECK_FALSE(core::parse_op_kind(""));
  std::set<std::string> roles;
  for (std::size_t i = 0; i < core::kOpRoleCount; ++i) {
    const auto r = static_cast<OpRole>(i);
    INFO(core::op_role_name(r));
    CHECK(roles.insert(std::string(core::op_role_name(r))).second);
    CHECK(core::parse_op_role(core::op_role_name(r)) == r);
  }
  CHECK_FALSE(core::parse_op_role("attn_out"));
  // The names the profile files and the registry spell.
  CHECK(core::op_name(OpKind::kMatmul) == "matmul");
  CHECK(core::op_name(OpKind::kAttentionDecode) == "attention_decode");
  CHECK(core::op_role_name(OpRole::kOProj) == "o_proj");
}

TEST_CASE("dense GQA graph: Llama-3.1-8B FLOPs per phase equal a hand count", "[core][op_graph]") {
  const auto a = llama31_8b();
  const double L = 32, d = 4096, h = 32, kv = 8, hd = 128, I = 14336, V = 128256;
  SECTION("decode: 4 sequences over 1000 cached tokens") {
    const double B = 4, P = 1000;
    const double keys = P + 1;                            // the cached tokens plus the new one
    const double layer = 2 * B * d * (h + 2 * kv) * hd    // q, k, v
                         + 3 * B * (h + kv) * hd          // RoPE
                         + 2 * B * keys * h * 2 * hd      // q k^T and p v
                         + 5 * B * keys * h               // softmax
                         + 2 * B * h * hd * d             // o
                         + 2 * 4 * B * d                  // two RMSNorms
                         + 2 * B * d                      // two residual adds
                         + 2 * B * d * 2 * I + 5 * B * I  // gate + up, SwiGLU
                         + 2 * B * I * d;                 // down
    const double outside = 4 * B * d + 2 * B * d * V + 5 * B * V;  // final norm, lm_head, softmax
    const auto calls = graph(a, {B, P, 0, 0, 0});
    CHECK(total_flops(calls) == Approx(L * layer + outside).epsilon(1e-12));
    // The unfused (reference decoder) graph does the same work plus the KV append.
    const auto unfused = graph(a, {B, P, 0, 0, 0}, false);
    CHECK(total_flops(unfused) == Approx(L * (layer + 2 * B * kv * hd) + outside).epsilon(1e-12));
  }
  SECTION("prefill: 2 prompts of 512 tokens") {
    const double S = 2, t = 512, T = S * t;
    const double pairs = S * t * (t + 1) / 2;  // causal query-key pairs per head
    const double layer = 2 * T * d * (h + 2 * kv) * hd + 3 * T * (h + kv) * hd +
                         2 * pairs * h * 2 * hd + 5 * pairs * h + 2 * T * h * hd * d + 8 * T * d +
                         2 * T * d + 4 * T * d * I + 5 * T * I + 2 * T * I * d;
    const double outside = 4 * S * d + 2 * S * d * V + 5 * S * V;  // last position only
    CHECK(total_flops(graph(a, {0, 0, S, t, 0})) == Approx(L * layer + outside).epsilon(1e-12));
  }
  SECTION("the fused graph's calls, in order") {
    std::vector<OpRole> roles;
    for (const auto& c : graph(a, {1, 10, 0, 0, 0})) roles.push_back(c.role);
    CHECK(roles == std::vector<OpRole>{OpRole::kEmbedding, OpRole::kNorms, OpRole::kQkvProj,
                                       OpRole::kRope, OpRole::kAttention, OpRole::kOProj,
                                       OpRole::kResidual, OpRole::kFfnUpGate, OpRole::kFfnAct,
                                       OpRole::kFfnDown, OpRole::kFinalNorm, OpRole::kLmHead,
                                       OpRole::kSampling});
    const auto calls = graph(a, {1, 10, 0, 0, 0});
    CHECK(calls[2].kind == OpKind::kMatmul);
    CHECK(calls[2].shape.n == (32 + 2 * 8) * 128);
    CHECK(calls[4].kind == OpKind::kAttentionDecode);
    CHECK(calls[4].shape.past == 10);
    CHECK(calls[4].shape.kv_heads == 8);
    // Weight bytes: q, k, v of one layer in bf16.
    CHECK(calls[2].total.bytes_read == Approx(2.0 * (4096.0 * 4096 + 2 * 1024.0 * 4096) + 2 * d));
  }
}

TEST_CASE("MoE graph: Mixtral-8x7B decode and prefill FLOPs equal a hand count",
          "[core][op_graph]") {
  const auto a = mixtral_8x7b();
  const double L = 32, d = 4096, h = 32, kv = 8, hd = 128, E = 8, k = 2, Ie = 14336, V = 32000;
  auto attention_layer = [&](double T, double pairs) {
    return 2 * T * d * (h + 2 * kv) * hd + 3 * T * (h + kv) * hd + 2 * pairs * h * 2 * hd +
           5 * pairs * h + 2 * T * h * hd * d + 8 * T * d + 2 * T * d;
  };
  // Router, then every token through top_k experts of three matrices.
  auto moe_layer = [&](double T) { return 2 * T * d * E + 2 * T * k * 3 * d * Ie; };
  const double B = 3, P = 777;
  const double decode =
      L * (attention_layer(B, B * (P + 1)) + moe_layer(B)) + 4 * B * d + 2 * B * d * V + 5 * B * V;
  const auto calls = graph(a, {B, P, 0, 0, 0});
  CHECK(total_flops(calls) == Approx(decode).epsilon(1e-12));
  const double t = 300;
  const double prefill =
      L * (attention_layer(t, t * (t + 1) / 2) + moe_layer(t)) + 4 * d + 2 * d * V + 5 * V;
  CHECK(total_flops(graph(a, {0, 0, 1, t, 0})) == Approx(prefill).epsilon(1e-12));
  // Decode reads the weights of the experts the batch touches: E (1 - (1 - k/E)^T) of E.
  bool found = false;
  for (const auto& c : calls) {
    if (c.role != OpRole::kMoeExperts) continue;
    found = true;
    CHECK(c.kind == OpKind::kMoeExperts);
    const double touched = E * (1 - std::pow(1 - k / E, B)) / E;
    const double experts_bytes = E * 3 * d * Ie * 2;  // bf16
    CHECK(c.total.bytes_read == Approx(experts_bytes * touched + B * d * 2).epsilon(1e-12));
  }
  CHECK(found);
}

TEST_CASE("MLA graph: DeepSeek-V3 decode and prefill FLOPs equal a hand count",
          "[core][op_graph]") {
  const auto a = deepseek_v3();
  const double d = 7168, h = 128, ql = 1536, lora = 512, nope = 128, rope = 64, v = 128;
  const double I = 18432, E = 256, k = 8, Ie = 2048, V = 129280;
  const double dense_layers = 3, moe_layers = 58;
  // Per token: the query (q_a then q_b) and kv_a projections, the output projection, norms
  // and residuals.
  const double proj =
      2 * (d * ql + ql * h * (nope + rope)) + 2 * d * (lora + rope) + 2 * h * v * d + 8 * d + 2 * d;
  const double dense_ffn = 4 * d * I + 5 * I + 2 * I * d;
  const double moe_ffn = 2 * d * E + 2 * k * 3 * d * Ie + 4 * d * Ie + 2 * Ie * d;  // + shared
  SECTION("decode: kv_b absorbed, attention over the latent cache") {
    const double B = 2, P = 4000, keys = P + 1;
    const double absorb = 2 * B * h * lora * (nope + v);
    const double attn = 2 * B * keys * h * ((lora + rope) + lora) + 5 * B * keys * h;
    const double layer_common = B * proj + absorb + attn;
    const double total = dense_layers * (layer_common + B * dense_ffn) +
                         moe_layers * (layer_common + B * moe_ffn) + 4 * B * d + 2 * B * d * V +
                         5 * B * V;
    CHECK(total_flops(graph(a, {B, P, 0, 0, 0})) == Approx(total).epsilon(1e-12));
  }
  SECTION("prefill: latents decompressed into per-head keys and values") {
    const double t = 1000, pairs = t * (t + 1) / 2;
    const double decompress = 2 * t * lora * h * (nope + v);
    const double attn = 2 * pairs * h * ((nope + rope) + v) + 5 * pairs * h;
    const double layer_common = t * proj + decompress + attn;
    const double total = dense_layers * (layer_common + t * dense_ffn) +
                         moe_layers * (layer_common + t * moe_ffn) + 4 * d + 2 * d * V + 5 * V;
    CHECK(total_flops(graph(a, {0, 0, 1, t, 0})) == Approx(total).epsilon(1e-12));
  }
  SECTION("two layer kinds, MLA ops, no RoPE call of its own") {
    const auto in = core::uniform_graph_inputs(a, core::DType::kBF16, core::DType::kBF16,
                                               core::DType::kBF16, true);
    const core::OpGraph g(a, in);
    REQUIRE(g.layer_kinds().size() == 2);
    CHECK(g.layer_kinds()[0].count == 3);
    CHECK(g.layer_kinds()[1].count == 58);
    CHECK(g.layer_kinds()[1].moe);
    std::set<OpKind> kinds;
    for (const auto& c : g.calls({1, 100, 0, 0, 0})) kinds.insert(c.kind);
    CHECK(kinds.count(OpKind::kMlaQKvA));
    CHECK(kinds.count(OpKind::kMlaAbsorb));
    CHECK(kinds.count(OpKind::kAttentionMla));
    CHECK(kinds.count(OpKind::kMoeExperts));
    CHECK_FALSE(kinds.count(OpKind::kRopeHalfSplit));
    CHECK_FALSE(kinds.count(OpKind::kAttentionDecode));
  }
}

TEST_CASE("tensor parallelism adds an all-reduce per block half and splits the work",
          "[core][op_graph]") {
  auto a = llama31_8b();
  auto in = core::uniform_graph_inputs(a, core::DType::kBF16, core::DType::kBF16,
                                       core::DType::kBF16, true);
  const double one = total_flops(core::OpGraph(a, in).calls({8, 100, 0, 0, 0}));
  in.tp = 2;
  in.heads = 16;
  in.kv_heads = 4;
  for (auto& b : in.tensor_bytes) b /= 2;
  const auto calls = core::OpGraph(a, in).calls({8, 100, 0, 0, 0});
  int reduces = 0;
  for (const auto& c : calls)
    if (c.kind == OpKind::kAllReduce) {
      ++reduces;
      CHECK(c.count == 64);                                            // two per layer
      CHECK(c.cost.bytes_read == Approx(2.0 * 1 / 2 * 8 * 4096 * 2));  // ring, T d e bytes
      CHECK(c.steps == 2);
    }
  CHECK(reduces == 1);
  // Everything but the norms, residuals, embedding and the replicated final norm halves.
  CHECK(total_flops(calls) < 0.51 * one);
  CHECK(total_flops(calls) > 0.49 * one);
}
