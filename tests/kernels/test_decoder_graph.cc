// test_decoder_graph.cc — the reference decoder against core's op graph: for a phase it runs
// the graph's ops (same order of first appearance, same kernel kinds, same FLOPs per op).
// Separate from test_decoder.cc, whose counting operator new makes GCC 12 misreport
// -Wmismatched-new-delete on containers inlined next to it.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "core/model_arch.h"
#include "core/op_graph.h"
#include "kernels/decoder/decoder.h"

using namespace llmsizer;
using namespace llmsizer::kernels;
using core::DType;

namespace {

core::ModelArch tiny_arch() {
  core::ModelArch a;
  a.hidden_size = 256;
  a.num_layers = 2;
  a.vocab_size = 96;
  a.max_context = 64;
  a.attention.num_heads = 8;
  a.attention.num_kv_heads = 2;
  a.attention.head_dim = 32;
  a.ffn.intermediate_size = 512;
  return a;
}

DecoderConfig config(DType w, DType kv, std::int64_t prefill, std::int64_t tokens, int threads,
                     std::int64_t batch) {
  DecoderConfig c;
  c.weights = w;
  c.kv = kv;
  c.batch = batch;
  c.max_prefill = prefill;
  c.max_tokens = tokens;
  c.threads = threads;
  c.seed = 7;
  return c;
}

std::unique_ptr<Decoder> make(const core::ModelArch& a, const DecoderConfig& c) {
  auto r = Decoder::create(a, c);
  INFO(r.error);
  REQUIRE(r.decoder);
  return std::move(r.decoder);
}

}  // namespace

// The decoder runs exactly the ops of core's graph for the phase (core::OpGraph, unfused,
// ending at the logits): the same ops in the same order of first appearance, each with the
// same kernel kind and the same FLOPs. The graph merges the layers of one kind into one
// call with a count, so the comparison is over the op sequence of a layer and per-op totals
// (a multiset of per-layer calls), not over the interleaving of layers.
TEST_CASE("the decoder runs the op graph's calls", "[decoder][op_graph]") {
  auto biased = tiny_arch();
  biased.attention.qkv_bias = true;
  biased.attention.out_bias = true;
  biased.attention.sliding_window = 4;
  biased.ffn.activation = core::Activation::kGelu;
  for (const auto& a : {tiny_arch(), biased}) {
    INFO("qkv_bias " << a.attention.qkv_bias);
    const std::int64_t B = 2, n = 6, steps = 3;
    const auto cfg = config(DType::kQ8_0, DType::kF16, n, n + steps, 1, B);
    auto dec = make(a, cfg);
    const auto r = run_decoder(*dec, n, steps, 5);
    auto in = core::uniform_graph_inputs(a, cfg.weights, cfg.kv, DType::kF32, false);
    in.sampling = false;
    const core::OpGraph g(a, in);
    auto compare = [&](const PhaseStats& st, const std::vector<core::GraphStep>& graph_steps) {
      std::vector<core::OpRole> graph_order;
      std::array<double, core::kOpRoleCount> graph_flops{};
      std::array<std::uint32_t, core::kOpRoleCount> graph_kinds{};  // bit per OpKind
      for (const auto& gs : graph_steps)
        for (const auto& c : g.calls(gs)) {
          if (std::find(graph_order.begin(), graph_order.end(), c.role) == graph_order.end())
            graph_order.push_back(c.role);
          graph_flops[static_cast<std::size_t>(c.role)] += c.total.flops * c.count;
          graph_kinds[static_cast<std::size_t>(c.role)] |= 1u << static_cast<unsigned>(c.kind);
        }
      std::vector<core::OpRole> decoder_order(static_cast<std::size_t>(st.ops_seen));
      for (std::size_t i = 0; i < kDecoderOpCount; ++i) {
        const auto& o = st.ops[i];
        if (o.order < 0) continue;
        const auto role = decoder_op_role(static_cast<DecoderOp>(i));
        INFO(core::op_role_name(role));
        decoder_order[static_cast<std::size_t>(o.order)] = role;
        const auto ri = static_cast<std::size_t>(role);
        CHECK(graph_kinds[ri] == 1u << static_cast<unsigned>(o.kind));
        CHECK(o.flops == Approx(graph_flops[ri]).epsilon(1e-12));
      }
      CHECK(decoder_order == graph_order);
    };
    compare(r.prefill, {{0, 0, static_cast<double>(B), static_cast<double>(n), 0}});
    std::vector<core::GraphStep> decode;
    for (std::int64_t p = n; p < n + steps; ++p)
      decode.push_back({static_cast<double>(B), static_cast<double>(p), 0, 0, 0});
    compare(r.decode, decode);
  }
}
