// op_graph.cc — the op name tables and the op graph of a forward step
// (docs/cost-model.md#op-graph). Every cost comes from core/op_cost.h.
#include "core/op_graph.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>

#include "core/check.h"

namespace llmsizer::core {

namespace {

constexpr std::string_view kOpKindNames[] = {
    "matmul",
    "rmsnorm",
    "layernorm",
    "rope_interleaved",
    "rope_half_split",
    "silu",
    "gelu",
    "swiglu",
    "geglu",
    "softmax",
    "attention_prefill",
    "attention_decode",
    "add",
    "embedding",
    "kv_append",
    "bias_add",
    "mla_q_kv_a",
    "mla_absorb",
    "attention_mla",
    "moe_experts",
    "all_reduce",
    "all_to_all",
};
static_assert(std::size(kOpKindNames) == kOpKindCount, "one name per OpKind");
static_assert(static_cast<std::size_t>(OpKind::kAllToAll) + 1 == kOpKindCount);
static_assert(static_cast<std::size_t>(OpKind::kKvAppend) + 1 == kKernelOpKindCount);

constexpr std::string_view kOpRoleNames[] = {
    "embedding",
    "norms",
    "qkv_proj",
    "bias",
    "mla_q_kv_a_proj",
    "mla_kv_b_decompress",
    "mla_absorb",
    "rope",
    "kv_append",
    "attention",
    "o_proj",
    "tp_allreduce",
    "residual",
    "ffn_up_gate",
    "ffn_act",
    "ffn_down",
    "moe_router",
    "moe_experts",
    "ep_all_to_all",
    "shared_expert_up_gate",
    "shared_expert_down",
    "final_norm",
    "lm_head",
    "sampling",
};
static_assert(std::size(kOpRoleNames) == kOpRoleCount, "one name per OpRole");
static_assert(static_cast<std::size_t>(OpRole::kSampling) + 1 == kOpRoleCount);

// Rounds a non-negative count to the nearest integer (half up; no libm call on the hot path).
std::int64_t i64(double x) {
  return static_cast<std::int64_t>(x + 0.5);
}
std::int64_t rows_of(double x) {
  return std::max<std::int64_t>(1, i64(x));
}
OpCost scaled(const OpCost& c, double n) {
  return {c.flops * n, c.bytes_read * n, c.bytes_written * n};
}

}  // namespace

std::string_view op_name(OpKind k) {
  const auto i = static_cast<std::size_t>(k);
  return i < kOpKindCount ? kOpKindNames[i] : "?";
}

std::optional<OpKind> parse_op_kind(std::string_view name) {
  for (std::size_t i = 0; i < kOpKindCount; ++i)
    if (kOpKindNames[i] == name) return static_cast<OpKind>(i);
  return std::nullopt;
}

std::span<const std::string_view> op_kind_names() {
  return kOpKindNames;
}

std::string_view op_role_name(OpRole r) {
  const auto i = static_cast<std::size_t>(r);
  return i < kOpRoleCount ? kOpRoleNames[i] : "?";
}

std::optional<OpRole> parse_op_role(std::string_view name) {
  for (std::size_t i = 0; i < kOpRoleCount; ++i)
    if (kOpRoleNames[i] == name) return static_cast<OpRole>(i);
  return std::nullopt;
}

GraphInputs uniform_graph_inputs(const ModelArch& a, DType weights, DType kv, DType act,
                                 bool fused) {
  GraphInputs in;
  in.heads = static_cast<double>(a.attention.num_heads);
  in.kv_heads = static_cast<double>(a.attention.num_kv_heads);
  in.kv_entry_bytes = static_cast<double>(kv_bytes_per_token_layer(a, kv));
  in.embed_row_bytes =
      static_cast<double>(tensor_bytes(weights, 1, static_cast<std::uint64_t>(a.hidden_size)));
  in.act = act;
  in.kv = kv;
  in.weights = weights;
  in.fused = fused;
  for (const auto& t : enumerate_tensors(a)) {
    const DType dt = role_is_matrix(t.role) ? weights : DType::kF32;
    in.tensor_dtypes.push_back(dt);
    in.tensor_bytes.push_back(static_cast<double>(tensor_bytes(
        dt, static_cast<std::uint64_t>(t.rows * t.copies), static_cast<std::uint64_t>(t.cols))));
  }
  return in;
}

OpGraph::OpGraph(const ModelArch& a, const GraphInputs& in) : arch_(a), in_(in) {
  const auto tensors = enumerate_tensors(a);
  LLMSIZER_CHECK(
      in.tensor_bytes.size() == tensors.size() && in.tensor_dtypes.size() == tensors.size(),
      "op graph: one byte count and dtype per tensor");
  std::array<int, 4> kind_of{-1, -1, -1, -1};  // (moe, sliding) -> kind index
  std::vector<int> layer_kind(static_cast<std::size_t>(a.num_layers));
  for (std::int64_t l = 0; l < a.num_layers; ++l) {
    const int key = (a.is_moe_layer(l) ? 2 : 0) + (a.layer_is_sliding(l) ? 1 : 0);
    if (kind_of[static_cast<std::size_t>(key)] < 0) {
      kind_of[static_cast<std::size_t>(key)] = static_cast<int>(n_kinds_);
      auto& k = kinds_[n_kinds_++];
      k.moe = a.is_moe_layer(l);
      k.window = a.layer_is_sliding(l) ? static_cast<double>(a.attention.sliding_window) : 0.0;
    }
    const int idx = kind_of[static_cast<std::size_t>(key)];
    layer_kind[static_cast<std::size_t>(l)] = idx;
    kinds_[static_cast<std::size_t>(idx)].count += 1;
  }
  std::map<std::pair<TensorRole, DType>, int> role_dtypes;
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const auto& t = tensors[i];
    ++role_dtypes[{t.role, in.tensor_dtypes[i]}];
    const double bytes = in.tensor_bytes[i];
    if (t.layer < 0) {
      if (t.role == TensorRole::kOutput || (a.tie_embeddings && t.role == TensorRole::kTokenEmbd))
        w_lm_head_ = bytes;
      continue;
    }
    auto& k = kinds_[static_cast<std::size_t>(layer_kind[static_cast<std::size_t>(t.layer)])];
    switch (t.role) {
      case TensorRole::kAttnQ:
        k.w_q += bytes;
        k.w_qkv += bytes;
        break;
      case TensorRole::kAttnK:
        k.w_k += bytes;
        k.w_qkv += bytes;
        break;
      case TensorRole::kAttnV:
        k.w_v += bytes;
        k.w_qkv += bytes;
        break;
      case TensorRole::kMlaQA:
      case TensorRole::kMlaQB:
      case TensorRole::kMlaKvA:
        k.w_qkv += bytes;
        break;
      case TensorRole::kMlaKvB:
        k.w_mla_kvb += bytes;
        break;
      case TensorRole::kAttnOutput:
        k.w_o += bytes;
        break;
      case TensorRole::kFfnGate:
        k.w_gate += bytes;
        k.w_ffn_in += bytes;
        break;
      case TensorRole::kFfnUp:
        k.w_up += bytes;
        k.w_ffn_in += bytes;
        break;
      case TensorRole::kFfnDown:
        k.w_ffn_out += bytes;
        break;
      case TensorRole::kRouter:
        k.w_router += bytes;
        break;
      case TensorRole::kExpertGate:
      case TensorRole::kExpertUp:
      case TensorRole::kExpertDown:
        k.w_experts += bytes;
        break;
      case TensorRole::kSharedGate:
        k.w_shared_gate += bytes;
        k.w_shared_in += bytes;
        break;
      case TensorRole::kSharedUp:
        k.w_shared_up += bytes;
        k.w_shared_in += bytes;
        break;
      case TensorRole::kSharedDown:
        k.w_shared_out += bytes;
        break;
      default:
        break;  // norms and biases: counted with their elementwise ops
    }
  }
  for (std::size_t i = 0; i < n_kinds_; ++i) {
    auto& k = kinds_[i];
    const double c = k.count;
    k.w_qkv /= c, k.w_o /= c, k.w_ffn_in /= c, k.w_ffn_out /= c, k.w_router /= c;
    k.w_experts /= c, k.w_shared_in /= c, k.w_shared_out /= c, k.w_mla_kvb /= c;
    k.w_q /= c, k.w_k /= c, k.w_v /= c, k.w_gate /= c, k.w_up /= c;
    k.w_shared_gate /= c, k.w_shared_up /= c;
  }
  auto majority = [&](TensorRole role, DType fallback) {
    int best = 0;
    for (const auto& [key, n] : role_dtypes)
      if (key.first == role && n > best) best = n, fallback = key.second;
    return fallback;
  };
  const DType base = in.weights;
  dt_q_ = majority(TensorRole::kAttnQ, base);
  dt_k_ = majority(TensorRole::kAttnK, base);
  dt_v_ = majority(TensorRole::kAttnV, base);
  dt_o_ = majority(TensorRole::kAttnOutput, base);
  dt_gate_ = majority(TensorRole::kFfnGate, base);
  dt_up_ = majority(TensorRole::kFfnUp, base);
  dt_down_ = majority(TensorRole::kFfnDown, base);
  dt_embd_ = majority(TensorRole::kTokenEmbd, base);
  dt_out_ = a.tie_embeddings ? dt_embd_ : majority(TensorRole::kOutput, base);
  dt_router_ = majority(TensorRole::kRouter, base);
  dt_experts_ = majority(TensorRole::kExpertUp, base);
  dt_mla_ = majority(TensorRole::kMlaKvA, base);
  dt_mla_kvb_ = majority(TensorRole::kMlaKvB, base);
  dt_shared_ = majority(TensorRole::kSharedUp, base);
  in_.tensor_bytes.clear();
  in_.tensor_dtypes.clear();
}

// Writes one step's calls: the step's dimensions, the emit helpers, and one method per part
// of a layer (attention, dense FFN, MoE), so each formula's call stays next to its anchor.
struct OpGraph::Builder {
  const OpGraph& g;
  const GraphStep& st;
  std::span<OpCall, kMaxCalls> out;
  std::size_t n = 0;
  const ModelArch& a = g.arch_;
  const DType act = g.in_.act;
  const double tp = static_cast<double>(g.in_.tp);
  const double ep = static_cast<double>(std::max<std::int64_t>(1, g.in_.ep));
  const double d = static_cast<double>(a.hidden_size);
  const double T_prefill = st.prefill_seqs * st.prefill_tokens;
  const double T = st.decode_seqs + T_prefill;  // tokens every token-wise op processes
  const double seqs = st.decode_seqs + st.prefill_seqs;
  const double h = g.in_.heads;
  const double hd = static_cast<double>(a.attention.head_dim);
  const double kvh = g.in_.kv_heads;
  const bool fused = g.in_.fused;
  const OpKind norm_kind =
      a.norm.kind == NormKind::kRmsNorm ? OpKind::kRmsNorm : OpKind::kLayerNorm;

  OpCall& emit(OpRole role, OpKind kind, DType dt, const OpShape& sh, double count, double calls,
               double launches, const OpCost& cost, const OpCost& total, Operand operand,
               bool weights) {
    LLMSIZER_CHECK(n < kMaxCalls, "op graph: more calls than OpGraph::kMaxCalls");
    OpCall& c = out[n++];
    c.role = role, c.kind = kind, c.dtype = dt, c.shape = sh, c.count = count, c.calls = calls;
    c.launches = launches, c.cost = cost, c.total = total, c.steps = 0;
    c.operand = operand, c.reads_weights = weights;
    return c;
  }
  void once(OpRole role, OpKind kind, DType dt, const OpShape& sh, double count, double launches,
            const OpCost& cost, Operand operand, bool weights) {
    emit(role, kind, dt, sh, count, 1.0, launches, cost, cost, operand, weights);
  }
  static OpShape rows_shape(double m, double k) {
    OpShape sh;
    sh.m = rows_of(m);
    sh.k = i64(k);
    return sh;
  }
  // A matmul over `w` bytes of weights (docs/cost-model.md#op-costs).
  void matmul(OpRole role, double count, double m, double k, double nn, double w, DType dt,
              bool weights = true) {
    OpShape sh;
    sh.m = rows_of(m);
    sh.k = i64(k);
    sh.n = i64(nn);
    once(role, OpKind::kMatmul, dt, sh, count, 1, matmul_cost_bytes(m, k, nn, w, act),
         Operand::kWeights, weights);
  }
  void collective(OpRole role, OpKind kind, double count, double bytes_per_rank, double steps) {
    OpCost c{0.0, bytes_per_rank, 0.0};
    emit(role, kind, DType::kF32, OpShape{}, count, 1, 0, c, c, Operand::kNone, false).steps =
        steps;
  }
  void bias(double count, double width) {
    once(OpRole::kBias, OpKind::kBiasAdd, DType::kF32, rows_shape(T, width), count, 1,
         elementwise_cost(T * width, 2, 1, 1, act), Operand::kNone, false);
  }

  // What the attention of a layer kind attends with; o_in = the output projection's input.
  struct AttentionShape {
    AttentionDims decode;   // the decode part (and standard prefill)
    AttentionDims prefill;  // MLA prefill attends decompressed heads
    double o_in = 0;
  };

  AttentionShape standard_projections(const LayerKind& k) {
    const auto& at = a.attention;
    const double c = k.count;
    if (fused) {
      matmul(OpRole::kQkvProj, c, T, d, (h + 2.0 * kvh) * hd, k.w_qkv, g.dt_q_);
    } else {
      matmul(OpRole::kQkvProj, c, T, d, h * hd, k.w_q, g.dt_q_);
      matmul(OpRole::kQkvProj, c, T, d, kvh * hd, k.w_k, g.dt_k_);
      matmul(OpRole::kQkvProj, c, T, d, kvh * hd, k.w_v, g.dt_v_);
      if (at.qkv_bias)
        for (const double width : {h * hd, kvh * hd, kvh * hd}) bias(c, width);
    }
    const double rot = a.rotary_dim > 0 ? static_cast<double>(a.rotary_dim) : hd;
    if (a.position == PositionKind::kRope) {
      OpShape sh;
      sh.m = rows_of(T);
      sh.heads = i64(h + kvh);
      sh.head_dim = i64(rot);
      once(OpRole::kRope,
           a.family == Family::kGptJ ? OpKind::kRopeInterleaved : OpKind::kRopeHalfSplit,
           DType::kF32, sh, c, 1, rope_cost(T, h + kvh, rot, act), Operand::kNone, false);
    }
    if (!fused) {
      OpShape sh;
      sh.m = rows_of(T);
      sh.kv_heads = i64(kvh);
      sh.head_dim = at.head_dim;
      once(OpRole::kKvAppend, OpKind::kKvAppend, g.in_.kv, sh, c, 1,
           kv_append_cost(T, kvh, at.head_dim, g.in_.kv, act), Operand::kNone, false);
    }
    const AttentionDims dims{h, kvh, hd, hd, g.in_.kv_entry_bytes};
    return {dims, dims, h * hd};
  }

  // MLA (docs/cost-model.md#mla).
  AttentionShape mla_projections(const LayerKind& k) {
    const auto& m = a.attention.mla;
    const double c = k.count;
    MlaDims md;
    md.heads = h;
    md.q_lora = static_cast<double>(m.q_lora_rank);
    md.kv_lora = static_cast<double>(m.kv_lora_rank);
    md.qk_nope = static_cast<double>(m.qk_nope_head_dim);
    md.qk_rope = static_cast<double>(m.qk_rope_head_dim);
    md.v_head = static_cast<double>(m.v_head_dim);
    const double nope = md.qk_nope, rope = md.qk_rope, lora = md.kv_lora, v = md.v_head;
    once(OpRole::kMlaQKvAProj, OpKind::kMlaQKvA, g.dt_mla_, rows_shape(T, d), c,
         md.q_lora > 0 ? 3 : 2, mla_q_kv_a_cost(md, T, d, k.w_qkv, act), Operand::kWeights, true);
    AttentionShape s;
    if (T_prefill > 0) {
      // Prefill decompresses the new tokens' latents into per-head keys and values.
      matmul(OpRole::kMlaKvBDecompress, c, T_prefill, lora, h * (nope + v), k.w_mla_kvb,
             g.dt_mla_kvb_);
      s.prefill = {h, h, nope + rope, v, h * (nope + rope + v) * (bits_per_element(act) / 8.0)};
    }
    if (st.decode_seqs > 0) {
      // Decode absorbs kv_b into the query and the output: attention runs on the latent.
      once(OpRole::kMlaAbsorb, OpKind::kMlaAbsorb, g.dt_mla_kvb_, rows_shape(st.decode_seqs, lora),
           c, 2, mla_absorb_cost(md, st.decode_seqs, k.w_mla_kvb, act), Operand::kWeights, true);
      s.decode = {h, 1.0, lora + rope, lora, g.in_.kv_entry_bytes};
    }
    s.o_in = h * v;
    return s;
  }

  void attention(const LayerKind& k, const AttentionShape& s, bool mla) {
    const double c = k.count;
    if (st.decode_seqs > 0) {
      const AttentionDims& dims = s.decode;
      OpShape sh;
      sh.past = i64(st.decode_past);
      sh.heads = i64(dims.heads), sh.kv_heads = i64(dims.kv_heads), sh.head_dim = i64(hd);
      sh.window = i64(k.window);
      if (mla) sh.head_dim = i64(dims.qk_dim);
      emit(OpRole::kAttention, mla ? OpKind::kAttentionMla : OpKind::kAttentionDecode, g.in_.kv, sh,
           c, st.decode_seqs, 1, attention_cost(dims, 1.0, 1.0, st.decode_past, k.window, act),
           attention_cost(dims, st.decode_seqs, 1.0, st.decode_past, k.window, act),
           Operand::kKvCache, false);
    }
    if (T_prefill > 0) {
      const AttentionDims& dims = s.prefill;
      OpShape sh;
      sh.m = rows_of(st.prefill_tokens);
      sh.past = i64(st.prefill_past);
      sh.heads = i64(dims.heads), sh.kv_heads = i64(dims.kv_heads);
      sh.head_dim = i64(dims.qk_dim), sh.window = i64(k.window);
      // Prefill attention runs on the fresh f32 q/k/v (the reference decoder, like most CPU
      // engines, writes the cache in its dtype but attends the new tokens in f32).
      emit(OpRole::kAttention, mla ? OpKind::kAttentionMla : OpKind::kAttentionPrefill, DType::kF32,
           sh, c, st.prefill_seqs, 1,
           attention_cost(dims, 1.0, st.prefill_tokens, st.prefill_past, k.window, act),
           attention_cost(dims, st.prefill_seqs, st.prefill_tokens, st.prefill_past, k.window, act),
           Operand::kNone, false);
    }
  }

  // The output projection, the tensor-parallel all-reduces and the residual adds.
  void attention_output(const LayerKind& k, double o_in) {
    const double c = k.count;
    matmul(OpRole::kOProj, c, T, o_in, d, k.w_o, g.dt_o_);
    if (!fused && a.attention.out_bias) bias(c, d);
    const double reduces = a.parallel_block ? 1.0 : 2.0;
    if (tp > 1)
      collective(OpRole::kTpAllReduce, OpKind::kAllReduce, c * reduces,
                 ring_allreduce_bytes_per_rank(T * d * (bits_per_element(act) / 8.0), tp),
                 allreduce_latency_steps(tp));
    // Engines fuse the residual add into the following norm (vLLM's fused_add_rms_norm,
    // TensorRT-LLM's fused layernorm): its bytes count, it launches no kernel of its own.
    emit(OpRole::kResidual, OpKind::kAdd, DType::kF32, rows_shape(T, d), c, reduces, 0,
         elementwise_cost(T * d, 2, 1, 1, act), elementwise_cost(T * d * reduces, 2, 1, 1, act),
         Operand::kNone, false);
  }

  void dense_ffn(const LayerKind& k) {
    const double c = k.count;
    const bool gated = a.ffn.kind == FfnKind::kGated;
    const double inter = static_cast<double>(a.ffn.intermediate_size) / tp;
    if (fused) {
      matmul(OpRole::kFfnUpGate, c, T, d, (gated ? 2.0 : 1.0) * inter, k.w_ffn_in, g.dt_up_);
    } else {
      if (gated) matmul(OpRole::kFfnUpGate, c, T, d, inter, k.w_gate, g.dt_gate_);
      matmul(OpRole::kFfnUpGate, c, T, d, inter, k.w_up, g.dt_up_);
    }
    // ReLU has no kernel of its own: it is counted and looked up as GELU.
    const bool silu = a.ffn.activation == Activation::kSilu;
    const OpKind act_kind =
        gated ? (silu ? OpKind::kSwiGlu : OpKind::kGeGlu) : (silu ? OpKind::kSilu : OpKind::kGelu);
    once(OpRole::kFfnAct, act_kind, DType::kF32, rows_shape(T, inter), c, 1,
         activation_cost(T * inter, gated, act), Operand::kNone, false);
    matmul(OpRole::kFfnDown, c, T, inter, d, k.w_ffn_out, g.dt_down_);
  }

  // MoE (docs/cost-model.md#moe-experts).
  void moe_ffn(const LayerKind& k) {
    const double c = k.count;
    const auto& moe = a.moe;
    const double E = static_cast<double>(moe.num_experts);
    const double topk = static_cast<double>(moe.top_k);
    const double ie = static_cast<double>(moe.expert_intermediate_size);
    // The router stays 16-bit in quantized checkpoints: timed without the dequant factor.
    matmul(OpRole::kMoeRouter, c, T, d, E, k.w_router, g.dt_router_, false);
    // Decode reads only the experts the batch touches; prefill (many tokens) nearly all.
    const double distinct = expected_distinct_experts(E, topk, T);
    const double touched = distinct / E;
    const double split = ep > 1 ? ep : tp;
    OpShape sh;
    sh.m = rows_of(distinct > 0 ? T * topk / distinct : T);
    sh.k = a.hidden_size;
    sh.n = i64(ie / (ep > 1 ? 1.0 : tp));
    once(OpRole::kMoeExperts, OpKind::kMoeExperts, g.dt_experts_, sh, c, 3,
         moe_experts_cost(T, topk, d, ie, split, k.w_experts * touched, act), Operand::kWeights,
         true);
    if (ep > 1)
      collective(OpRole::kEpAllToAll, OpKind::kAllToAll, c * 2.0,
                 all_to_all_bytes_per_rank(T, topk, d, ep, act), ep - 1.0);
    if (moe.num_shared_experts > 0) {
      const double is = static_cast<double>(moe.num_shared_experts) * ie / tp;
      if (fused) {
        matmul(OpRole::kSharedExpertUpGate, c, T, d, 2.0 * is, k.w_shared_in, g.dt_shared_);
      } else {
        matmul(OpRole::kSharedExpertUpGate, c, T, d, is, k.w_shared_gate, g.dt_shared_);
        matmul(OpRole::kSharedExpertUpGate, c, T, d, is, k.w_shared_up, g.dt_shared_);
      }
      matmul(OpRole::kSharedExpertDown, c, T, is, d, k.w_shared_out, g.dt_shared_);
    }
  }

  std::size_t run() {
    // Outside the blocks: embedding gather.
    OpShape emb = rows_shape(T, d);
    emb.n = a.vocab_size;
    once(OpRole::kEmbedding, OpKind::kEmbedding, g.dt_embd_, emb, 1, 1,
         embedding_cost(T, d, g.in_.embed_row_bytes, act), Operand::kNone, false);
    const double norms = static_cast<double>(a.norm.per_layer);
    const bool mla = a.attention.kind == AttentionKind::kMla;
    for (std::size_t i = 0; i < g.n_kinds_; ++i) {
      const LayerKind& k = g.kinds_[i];
      if (norms > 0) {
        const OpCost one = norm_cost(T, d, act);
        emit(OpRole::kNorms, norm_kind, DType::kF32, rows_shape(T, d), k.count, norms, norms, one,
             scaled(one, norms), Operand::kNone, false);
      }
      const AttentionShape s = mla ? mla_projections(k) : standard_projections(k);
      attention(k, s, mla);
      attention_output(k, s.o_in);
      if (k.moe)
        moe_ffn(k);
      else
        dense_ffn(k);
    }
    if (a.norm.final_norm)
      once(OpRole::kFinalNorm, norm_kind, DType::kF32, rows_shape(seqs, d), 1, 1,
           norm_cost(seqs, d, act), Operand::kNone, false);
    // Logits for the last position of each sequence only.
    const double vocab = static_cast<double>(a.vocab_size) / tp;
    matmul(OpRole::kLmHead, 1, seqs, d, vocab, g.w_lm_head_, g.dt_out_);
    if (g.in_.sampling)
      once(OpRole::kSampling, OpKind::kSoftmax, DType::kF32, rows_shape(seqs, vocab), 1, 1,
           softmax_cost(seqs, vocab, act), Operand::kNone, false);
    return n;
  }
};

std::size_t OpGraph::build(const GraphStep& st, std::span<OpCall, kMaxCalls> out) const {
  return Builder{*this, st, out}.run();
}

std::vector<OpCall> OpGraph::calls(const GraphStep& st) const {
  std::vector<OpCall> v(kMaxCalls);
  v.resize(build(st, std::span<OpCall, kMaxCalls>(v.data(), kMaxCalls)));
  return v;
}

}  // namespace llmsizer::core
