// performance.cc — op graph per phase and its roofline timing (docs/cost-model.md#time-
// model). Layers are grouped into at most four kinds (dense/MoE x full/sliding window);
// each kind's ops are counted once and multiplied by its layers.
#include "estimator/performance.h"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <map>

#include "core/check.h"
#include "core/transformer_ops.h"

namespace llmsizer::estimator {

using core::AttentionKind;
using core::TensorRole;

namespace {

struct NullSink {
  void operator()(const OpRow&) {}
};
struct VectorSink {
  std::vector<OpRow>* rows;
  void operator()(const OpRow& r) { rows->push_back(r); }
};

// The compute dtype: weight-only formats compute in the activation dtype; FP8 weights with
// FP8 activations use the FP8 tensor cores.
core::DType compute_dtype(const PerfSetup& s) {
  return s.activations;
}

}  // namespace

PerfModel::PerfModel(const PerfSetup& s) : setup_(s) {
  LLMSIZER_CHECK(s.model && s.hardware, "PerfModel without model or hardware");
  const auto& a = s.model->arch;
  const auto& hw = *s.hardware;
  eff_ = resolve_efficiency(hw, s.overrides);
  peak_ = peak_flops(hw, compute_dtype(s), &peak_key_);
  if (peak_key_ == "fp8") eff_.compute = eff_.compute_fp8;
  eff_weights_ = eff_;
  if (!core::is_float(s.weights.base)) eff_weights_.memory *= eff_.quantized_weight_memory;
  bandwidth_ = hw.memory.bandwidth_bytes_per_s;
  link_bw_ = hw.interconnect ? hw.interconnect->bandwidth_bytes_per_s
             : hw.host_link  ? hw.host_link->bandwidth_bytes_per_s
                             : 3.2e10;  // assumed: PCIe 4.0 x16 per direction
  const std::int64_t tp = s.par.tp;
  const double ep = static_cast<double>(std::max<std::int64_t>(1, s.ep));

  std::array<int, 4> kind_of{-1, -1, -1, -1};  // (moe, sliding) -> kind index
  std::vector<int> layer_kind(static_cast<std::size_t>(a.num_layers));
  for (std::int64_t l = 0; l < a.num_layers; ++l) {
    const int key = (a.is_moe_layer(l) ? 2 : 0) + (a.layer_is_sliding(l) ? 1 : 0);
    if (kind_of[static_cast<std::size_t>(key)] < 0) {
      kind_of[static_cast<std::size_t>(key)] = n_kinds_;
      auto& k = kinds_[static_cast<std::size_t>(n_kinds_++)];
      k.moe = a.is_moe_layer(l);
      k.window = a.layer_is_sliding(l) ? static_cast<double>(a.attention.sliding_window) : 0.0;
    }
    const int idx = kind_of[static_cast<std::size_t>(key)];
    layer_kind[static_cast<std::size_t>(l)] = idx;
    kinds_[static_cast<std::size_t>(idx)].count += 1;
  }
  std::map<std::pair<TensorRole, core::DType>, int> role_dtypes;
  for (const auto& t : core::enumerate_tensors(a)) {
    ++role_dtypes[{t.role, core::tensor_dtype(a, t, s.weights)}];
    const double full = static_cast<double>(core::tensor_weight_bytes(a, t, s.weights));
    const bool expert = t.role == TensorRole::kExpertGate || t.role == TensorRole::kExpertUp ||
                        t.role == TensorRole::kExpertDown;
    const double bytes = expert && ep > 1 ? full / ep : full * tp_share(a, t, tp);
    if (t.layer < 0) {
      if (t.role == TensorRole::kTokenEmbd) {
        w_embed_row_ = full / static_cast<double>(a.vocab_size);
        if (a.tie_embeddings) w_lm_head_ = bytes;
      } else if (t.role == TensorRole::kOutput) {
        w_lm_head_ = bytes;
      }
      continue;
    }
    auto& k = kinds_[static_cast<std::size_t>(layer_kind[static_cast<std::size_t>(t.layer)])];
    switch (t.role) {
      case TensorRole::kAttnQ:
      case TensorRole::kAttnK:
      case TensorRole::kAttnV:
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
      case TensorRole::kFfnUp:
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
      case TensorRole::kSharedUp:
        k.w_shared_in += bytes;
        break;
      case TensorRole::kSharedDown:
        k.w_shared_out += bytes;
        break;
      default:
        break;  // norms and biases: counted with their elementwise ops
    }
  }
  for (int i = 0; i < n_kinds_; ++i) {
    auto& k = kinds_[static_cast<std::size_t>(i)];
    const double c = k.count;
    k.w_qkv /= c, k.w_o /= c, k.w_ffn_in /= c, k.w_ffn_out /= c, k.w_router /= c;
    k.w_experts /= c, k.w_shared_in /= c, k.w_shared_out /= c, k.w_mla_kvb /= c;
  }
  auto majority = [&](TensorRole role, core::DType fallback) {
    int best = 0;
    for (const auto& [key, n] : role_dtypes)
      if (key.first == role && n > best) best = n, fallback = key.second;
    return fallback;
  };
  dt_q_ = majority(TensorRole::kAttnQ, s.weights.base);
  dt_k_ = majority(TensorRole::kAttnK, s.weights.base);
  dt_v_ = majority(TensorRole::kAttnV, s.weights.base);
  dt_o_ = majority(TensorRole::kAttnOutput, s.weights.base);
  dt_gate_ = majority(TensorRole::kFfnGate, s.weights.base);
  dt_up_ = majority(TensorRole::kFfnUp, s.weights.base);
  dt_down_ = majority(TensorRole::kFfnDown, s.weights.base);
  dt_embd_ = majority(TensorRole::kTokenEmbd, s.weights.base);
  dt_out_ = a.tie_embeddings ? dt_embd_ : majority(TensorRole::kOutput, s.weights.base);
  kv_entry_bytes_ = static_cast<double>(kv_bytes_per_device(a, s.kv, {tp, 1}, 1)) /
                    static_cast<double>(a.num_layers);
  weights_device_bytes_ =
      static_cast<double>(weights_bytes_per_device(*s.model, s.weights, s.par, false));
  capacity_bytes_ = static_cast<double>(hw.memory.capacity_bytes);
  overhead_bytes_ = static_cast<double>(
      s.overhead_bytes ? *s.overhead_bytes
                       : default_overhead(hw.hw_class, hw.memory.capacity_bytes).first);
}

template <class Sink>
PhaseResult PerfModel::run_phase(const Step& st, Sink& sink) const {
  const auto& a = setup_.model->arch;
  const auto& at = a.attention;
  const core::DType act = setup_.activations;
  const double e = core::bits_per_element(act) / 8.0;
  const double tp = static_cast<double>(setup_.par.tp);
  const double ep = static_cast<double>(std::max<std::int64_t>(1, setup_.ep));
  const double d = static_cast<double>(a.hidden_size);
  const double T_prefill = st.prefill_seqs * st.prefill_tokens;
  const double T = st.decode_seqs + T_prefill;  // tokens every token-wise op processes
  const double seqs = st.decode_seqs + st.prefill_seqs;
  const double h = static_cast<double>(at.num_heads) / tp;
  const double hd = static_cast<double>(at.head_dim);
  const double kvh = static_cast<double>(kv_heads_per_device(a, setup_.par.tp));

  PhaseResult r;
  std::array<double, 4> by_bound{};
  const MeasuredTimeModel* mt = setup_.measured;
  // With a measured profile an op is the sum of the kernel calls it is made of (`parts`:
  // e.g. qkv_proj = the q, k and v matmuls); ops without parts (MoE, MLA, collectives) fall
  // back to the measured roofline.
  struct Part {
    const char* op;
    core::DType dtype;
    schema::KernelShape shape;
    double calls;
    core::OpCost cost;        // one call
    double stream_bytes = 0;  // see MeasuredTimeModel::time
  };
  auto add_with = [&](const Efficiency& eff, const char* name, double count, const core::OpCost& c,
                      double kernels, std::initializer_list<Part> parts) {
    OpTime t;
    TimeBasis basis = TimeBasis::kDatasheet;
    if (mt) {
      basis = TimeBasis::kMeasured;
      double compute_s = 0, memory_s = 0;
      auto take = [&](const MeasuredOpTime& m, double calls) {
        (m.bound == Bound::kCompute ? compute_s : memory_s) += m.time_s * calls;
        basis = std::max(basis, m.basis);
      };
      if (parts.size() == 0) take(mt->time("", core::DType::kF32, {}, c), kernels > 0 ? 1 : 0);
      for (const auto& p : parts)
        if (p.calls > 0) take(mt->time(p.op, p.dtype, p.shape, p.cost, p.stream_bytes), p.calls);
      t.time_s = compute_s + memory_s;
      t.bound = compute_s > memory_s ? Bound::kCompute : Bound::kMemory;
    } else {
      t = time_compute_op(c, peak_, bandwidth_, eff, kernels);
    }
    const double time = t.time_s * count;
    r.time_s += time;
    r.flops += c.flops * count;
    r.bytes += c.bytes() * count;
    by_bound[static_cast<std::size_t>(t.bound)] += time;
    sink(OpRow{name, count, c.flops * count, c.bytes() * count, time, t.bound, basis});
  };
  auto add = [&](const char* name, double count, const core::OpCost& c, double kernels,
                 std::initializer_list<Part> parts = {}) {
    add_with(eff_, name, count, c, kernels, parts);
  };
  // Matmuls over the weights (quantized formats dequantise as they read).
  auto add_w = [&](const char* name, double count, const core::OpCost& c, double kernels,
                   std::initializer_list<Part> parts = {}) {
    add_with(eff_weights_, name, count, c, kernels, parts);
  };
  auto i64 = [](double x) { return static_cast<std::int64_t>(std::llround(x)); };
  // One matmul kernel call over m tokens (the measured tables' unit).
  auto mm = [&](double m, double k, double n, core::DType w) {
    schema::KernelShape sh;
    sh.m = std::max<std::int64_t>(1, i64(m));
    sh.k = i64(k);
    sh.n = i64(n);
    return Part{
        "matmul", w, sh, 1.0, core::matmul_cost(sh.m, sh.k, sh.n, w, act), weights_device_bytes_};
  };
  auto rows_op = [&](const char* op, double m, double k, double calls, const core::OpCost& c) {
    schema::KernelShape sh;
    sh.m = std::max<std::int64_t>(1, i64(m));
    sh.k = i64(k);
    return Part{op, core::DType::kF32, sh, calls, c};
  };
  auto add_comm = [&](const char* name, double count, double bytes_per_rank, double steps) {
    const OpTime t = time_collective(bytes_per_rank, steps, link_bw_, eff_);
    const double time = t.time_s * count;
    r.time_s += time;
    by_bound[static_cast<std::size_t>(Bound::kCommunication)] += time;
    sink(OpRow{name, count, 0.0, bytes_per_rank * count, time, Bound::kCommunication});
  };
  auto matmul = [&](double m, double k, double n, double weight_bytes) {
    return core::OpCost{2.0 * m * k * n, weight_bytes + m * k * e, m * n * e};
  };

  // Outside the blocks: embedding gather.
  {
    const auto c = core::embedding_cost(T, d, w_embed_row_, act);
    Part p = rows_op("embedding", T, d, 1, c);
    p.dtype = dt_embd_;
    p.shape.n = a.vocab_size;
    add("embedding", 1, c, 1, {p});
  }

  const double norms = static_cast<double>(a.norm.per_layer);
  for (int i = 0; i < n_kinds_; ++i) {
    const LayerKind& k = kinds_[static_cast<std::size_t>(i)];
    const double c = k.count;
    if (norms > 0) {
      add("norms", c, core::elementwise_cost(T * d * norms, 1, 1, 4, act), norms,
          {rows_op(a.norm.kind == core::NormKind::kRmsNorm ? "rmsnorm" : "layernorm", T, d, norms,
                   core::norm_cost(std::max<std::int64_t>(1, i64(T)), i64(d), act))});
    }
    core::AttentionDims dims;          // the decode part (and standard prefill)
    core::AttentionDims prefill_dims;  // MLA prefill attends decompressed heads
    double o_in = 0;
    if (at.kind == AttentionKind::kStandard) {
      const double n_qkv = (h + 2.0 * kvh) * hd;
      add_w("qkv_proj", c, matmul(T, d, n_qkv, k.w_qkv), 1,
            {mm(T, d, h * hd, dt_q_), mm(T, d, kvh * hd, dt_k_), mm(T, d, kvh * hd, dt_v_)});
      const double rot = a.rotary_dim > 0 ? static_cast<double>(a.rotary_dim) : hd;
      if (a.position == core::PositionKind::kRope) {
        schema::KernelShape sh;
        sh.m = std::max<std::int64_t>(1, i64(T));
        sh.heads = i64(h + kvh);
        sh.head_dim = i64(rot);
        add("rope", c, core::elementwise_cost(T * (h + kvh) * rot, 1, 1, 3, act), 1,
            {Part{"rope_half_split", core::DType::kF32, sh, 1.0,
                  core::rope_cost(sh.m, sh.heads, sh.head_dim, act)}});
      }
      dims = {h, kvh, hd, hd, kv_entry_bytes_};
      prefill_dims = dims;
      o_in = h * hd;
    } else {
      const auto& m = at.mla;
      const double nope = static_cast<double>(m.qk_nope_head_dim);
      const double rope = static_cast<double>(m.qk_rope_head_dim);
      const double lora = static_cast<double>(m.kv_lora_rank);
      const double ql = static_cast<double>(m.q_lora_rank);
      const double v = static_cast<double>(m.v_head_dim);
      const double q_flops = ql > 0 ? d * ql + ql * h * (nope + rope) : d * h * (nope + rope);
      add_w("mla_q_kv_a_proj", c,
            core::OpCost{2.0 * T * (q_flops + d * (lora + rope)), k.w_qkv + T * d * e,
                         T * (h * (nope + rope) + lora + rope) * e},
            ql > 0 ? 3 : 2);
      if (T_prefill > 0) {
        // Prefill decompresses the new tokens' latents into per-head keys and values.
        add_w("mla_kv_b_decompress", c, matmul(T_prefill, lora, h * (nope + v), k.w_mla_kvb), 1);
        prefill_dims = {h, h, nope + rope, v, h * (nope + rope + v) * e};
      }
      if (st.decode_seqs > 0) {
        // Decode absorbs kv_b into the query and the output: attention runs on the latent.
        const double td = st.decode_seqs;
        add_w("mla_absorb", c,
              core::OpCost{2.0 * td * h * lora * (nope + v), k.w_mla_kvb + td * h * (nope + v) * e,
                           td * h * lora * 2.0 * e},
              2);
        dims = {h, 1.0, lora + rope, lora, kv_entry_bytes_};
      }
      o_in = h * v;
    }
    core::OpCost attn;
    Part attn_decode{}, attn_prefill{};
    if (st.decode_seqs > 0) {
      attn = core::attention_cost(dims, st.decode_seqs, 1.0, st.decode_past, k.window, act);
      schema::KernelShape sh;
      sh.past = i64(st.decode_past);
      sh.heads = i64(dims.heads), sh.kv_heads = i64(dims.kv_heads), sh.head_dim = i64(hd);
      sh.window = i64(k.window);
      // Between two layers' attention the weights of a whole layer stream through the
      // caches: the KV cache is read from memory.
      attn_decode = Part{"attention_decode",
                         setup_.kv,
                         sh,
                         st.decode_seqs,
                         core::attention_cost(dims, 1.0, 1.0, st.decode_past, k.window, act),
                         weights_device_bytes_};
    }
    if (T_prefill > 0) {
      const auto pc = core::attention_cost(prefill_dims, st.prefill_seqs, st.prefill_tokens,
                                           st.prefill_past, k.window, act);
      attn.flops += pc.flops, attn.bytes_read += pc.bytes_read;
      attn.bytes_written += pc.bytes_written;
      schema::KernelShape sh;
      sh.m = std::max<std::int64_t>(1, i64(st.prefill_tokens));
      sh.past = i64(st.prefill_past);
      sh.heads = i64(prefill_dims.heads), sh.kv_heads = i64(prefill_dims.kv_heads);
      sh.head_dim = i64(prefill_dims.qk_dim), sh.window = i64(k.window);
      // Prefill attention runs on the fresh f32 q/k/v (the reference decoder, like most CPU
      // engines, writes the cache in its dtype but attends the new tokens in f32).
      attn_prefill = Part{"attention_prefill", core::DType::kF32, sh, st.prefill_seqs,
                          core::attention_cost(prefill_dims, 1.0, st.prefill_tokens,
                                               st.prefill_past, k.window, act)};
    }
    if (at.kind == AttentionKind::kStandard)
      add("attention", c, attn, st.decode_seqs > 0 && T_prefill > 0 ? 2 : 1,
          {attn_decode, attn_prefill});
    else
      add("attention", c, attn, st.decode_seqs > 0 && T_prefill > 0 ? 2 : 1);
    add_w("o_proj", c, matmul(T, o_in, d, k.w_o), 1, {mm(T, o_in, d, dt_o_)});
    const double reduces = a.parallel_block ? 1.0 : 2.0;
    if (tp > 1)
      add_comm("tp_allreduce", c * reduces, core::ring_allreduce_bytes_per_rank(T * d * e, tp),
               core::allreduce_latency_steps(tp));
    // Engines fuse the residual add into the following norm (vLLM's fused_add_rms_norm,
    // TensorRT-LLM's fused layernorm): its bytes count, it launches no kernel of its own.
    add("residual", c, core::elementwise_cost(T * d * reduces, 2, 1, 1, act), 0,
        {rows_op("add", T, d, reduces, core::elementwise_cost(T * d, 2, 1, 1, act))});

    const bool gated = a.ffn.kind == core::FfnKind::kGated;
    if (!k.moe) {
      const double inter = static_cast<double>(a.ffn.intermediate_size) / tp;
      Part gate = mm(T, d, inter, dt_gate_);
      if (!gated) gate.calls = 0;
      add_w("ffn_up_gate", c, matmul(T, d, (gated ? 2.0 : 1.0) * inter, k.w_ffn_in), 1,
            {gate, mm(T, d, inter, dt_up_)});
      const bool silu = a.ffn.activation == core::Activation::kSilu;
      const char* act_op = gated ? (silu ? "swiglu" : "geglu") : (silu ? "silu" : "gelu");
      add("ffn_act", c, core::elementwise_cost(T * inter, gated ? 2 : 1, 1, 5, act), 1,
          {rows_op(
              act_op, T, inter, 1,
              core::activation_cost(std::max<std::int64_t>(1, i64(T)) * i64(inter), gated, act))});
      add_w("ffn_down", c, matmul(T, inter, d, k.w_ffn_out), 1, {mm(T, inter, d, dt_down_)});
    } else {
      const auto& moe = a.moe;
      const double E = static_cast<double>(moe.num_experts);
      const double topk = static_cast<double>(moe.top_k);
      const double ie = static_cast<double>(moe.expert_intermediate_size);
      add("moe_router", c, matmul(T, d, E, k.w_router), 1);
      // Decode reads only the experts the batch touches; prefill (many tokens) nearly all.
      const double touched = core::expected_distinct_experts(E, topk, T) / E;
      const double split = ep > 1 ? ep : tp;
      add_w("moe_experts", c,
            core::OpCost{2.0 * T * topk * 3.0 * d * ie / split, k.w_experts * touched + T * d * e,
                         T * d * e},
            3);
      if (ep > 1) add_comm("ep_all_to_all", c * 2.0, T * topk * d * e * (ep - 1.0) / ep, ep - 1.0);
      if (moe.num_shared_experts > 0) {
        const double is = static_cast<double>(moe.num_shared_experts) * ie / tp;
        add_w("shared_expert_up_gate", c, matmul(T, d, 2.0 * is, k.w_shared_in), 1);
        add_w("shared_expert_down", c, matmul(T, is, d, k.w_shared_out), 1);
      }
    }
  }
  if (a.norm.final_norm)
    add("final_norm", 1, core::elementwise_cost(seqs * d, 1, 1, 4, act), 1,
        {rows_op(a.norm.kind == core::NormKind::kRmsNorm ? "rmsnorm" : "layernorm", seqs, d, 1,
                 core::norm_cost(std::max<std::int64_t>(1, i64(seqs)), i64(d), act))});
  // Logits for the last position of each sequence only.
  const double vocab = static_cast<double>(a.vocab_size) / tp;
  add_w("lm_head", 1, matmul(seqs, d, vocab, w_lm_head_), 1, {mm(seqs, d, vocab, dt_out_)});
  add("sampling", 1, core::elementwise_cost(seqs * vocab, 1, 0, 5, act), 1,
      {rows_op("softmax", seqs, vocab, 1,
               core::softmax_cost(std::max<std::int64_t>(1, i64(seqs)), i64(vocab), act))});

  std::size_t best = 0;
  for (std::size_t b = 1; b < by_bound.size(); ++b)
    if (by_bound[b] > by_bound[best]) best = b;
  r.bound = static_cast<Bound>(best);
  return r;
}

namespace {
// Pipeline: m = min(batch, pp) micro-batches flow through pp stages of equal work; a
// step takes (m + pp - 1) stage slots plus a point-to-point hop per stage boundary
// (docs/cost-model.md#pipeline).
template <class F>
PhaseResult pipelined(double batch, double pp, double hop_bytes_per_seq, double link_bw,
                      double latency, F&& whole_model) {
  if (pp <= 1) return whole_model(batch);
  const double m = std::min(batch, pp);
  PhaseResult micro = whole_model(batch / m);
  PhaseResult r = micro;
  r.time_s = (m + pp - 1.0) * micro.time_s / pp +
             (pp - 1.0) * (hop_bytes_per_seq * batch / m / link_bw + latency);
  r.flops = micro.flops * m;
  r.bytes = micro.bytes * m;
  return r;
}
}  // namespace

TimeBasis phase_basis(const std::vector<OpRow>& rows, double min_share) {
  double total = 0;
  for (const auto& r : rows) total += r.time_s;
  TimeBasis b = TimeBasis::kMeasured;
  for (const auto& r : rows)
    if (r.time_s >= min_share * total) b = std::max(b, r.basis);
  return b;
}

PhaseResult PerfModel::prefill(double batch, double prompt_tokens) const {
  NullSink sink;
  const double hop = prompt_tokens * static_cast<double>(setup_.model->arch.hidden_size) *
                     core::bits_per_element(setup_.activations) / 8.0;
  return pipelined(batch, static_cast<double>(setup_.par.pp), hop, link_bw_, eff_.link_latency_s,
                   [&](double b) {
                     return run_phase(Step{0, 0, b, prompt_tokens, 0}, sink);
                   });
}

PhaseResult PerfModel::decode_step(double batch, double context) const {
  NullSink sink;
  const double hop = static_cast<double>(setup_.model->arch.hidden_size) *
                     core::bits_per_element(setup_.activations) / 8.0;
  return pipelined(batch, static_cast<double>(setup_.par.pp), hop, link_bw_, eff_.link_latency_s,
                   [&](double b) {
                     return run_phase(Step{b, context, 0, 0, 0}, sink);
                   });
}

PhaseResult PerfModel::step(const Step& st) const {
  NullSink sink;
  return run_phase(st, sink);
}

std::vector<OpRow> PerfModel::explain_prefill(double batch, double prompt_tokens) const {
  std::vector<OpRow> rows;
  VectorSink sink{&rows};
  run_phase(Step{0, 0, batch, prompt_tokens, 0}, sink);
  return rows;
}

std::vector<OpRow> PerfModel::explain_decode(double batch, double context) const {
  std::vector<OpRow> rows;
  VectorSink sink{&rows};
  run_phase(Step{batch, context, 0, 0, 0}, sink);
  return rows;
}

Performance PerfModel::evaluate(double batch, double prompt_tokens, double output_tokens,
                                double replicas) const {
  Performance p;
  p.prefill = prefill(batch, prompt_tokens);
  p.ttft_s = p.prefill.time_s;
  p.prefill_tokens_per_s = batch * prompt_tokens / p.prefill.time_s * replicas;
  // Decode: the cache grows from prompt to prompt + output - 1 tokens; average the step
  // time over that range with Simpson's rule (exact for the linear parts).
  const double c0 = prompt_tokens;
  const double c1 = prompt_tokens + std::max(0.0, output_tokens - 1.0);
  const PhaseResult first = decode_step(batch, c0);
  const PhaseResult last = c1 > c0 ? decode_step(batch, c1) : first;
  const PhaseResult mid = c1 > c0 ? decode_step(batch, 0.5 * (c0 + c1)) : first;
  p.decode_step_first_s = first.time_s;
  p.decode_step_last_s = last.time_s;
  p.decode_step_avg_s = (first.time_s + 4.0 * mid.time_s + last.time_s) / 6.0;
  p.decode_bound = mid.bound;
  p.tpot_s = p.decode_step_avg_s;
  p.decode_tokens_per_s = batch / p.tpot_s * replicas;
  // The prefill produces the first output token; each further token takes one step.
  p.e2e_s = p.ttft_s + std::max(0.0, output_tokens - 1.0) * p.tpot_s;
  // Expert parallelism spreads the experts over the tensor-parallel ranks (ep = tp).
  const double devices = static_cast<double>(setup_.par.devices());
  p.output_tokens_per_s = replicas * batch * output_tokens / p.e2e_s;
  p.output_tokens_per_s_per_device = p.output_tokens_per_s / (replicas * devices);
  p.total_tokens_per_s = replicas * batch * (prompt_tokens + output_tokens) / p.e2e_s;

  const auto& a = setup_.model->arch;
  const auto context = static_cast<std::int64_t>(prompt_tokens + output_tokens);
  // KV per sequence: with one pipeline stage, sum the layer kinds (the same count as
  // kv_bytes_per_device(), without walking every layer); otherwise the heaviest stage.
  double kv_seq = 0;
  if (setup_.par.pp == 1) {
    const double ctx = static_cast<double>(context);
    for (int i = 0; i < n_kinds_; ++i) {
      const LayerKind& k = kinds_[static_cast<std::size_t>(i)];
      kv_seq += k.count * (k.window > 0 ? std::min(ctx, k.window) : ctx);
    }
    kv_seq *= kv_entry_bytes_;
  } else {
    kv_seq = static_cast<double>(kv_bytes_per_device(a, setup_.kv, setup_.par, context));
  }
  const auto prompt = static_cast<std::int64_t>(prompt_tokens);
  const double act_seq = static_cast<double>(
      activation_bytes_per_device(a, setup_.activations, setup_.par, 1, prompt));
  const double fixed = weights_device_bytes_ + overhead_bytes_;
  p.memory_total_bytes = fixed + batch * (kv_seq + act_seq);
  p.fits = p.memory_total_bytes <= capacity_bytes_ && context <= a.max_context;
  p.max_batch = fixed < capacity_bytes_ && context <= a.max_context
                    ? std::floor((capacity_bytes_ - fixed) / (kv_seq + act_seq))
                    : 0.0;
  return p;
}

}  // namespace llmsizer::estimator
