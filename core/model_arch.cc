// model_arch.cc — tensor list, parameter counts and KV-cache bytes of a ModelArch.
// Formulas: docs/cost-model.md#params and #kv-cache. Everything that counts parameters
// goes through enumerate_tensors(), so the count, the weight bytes under any quantization
// mix, and the GGUF cross-check all agree by construction.
#include "core/model_arch.h"

#include <algorithm>

#include <fmt/format.h>

namespace llmsizer::core {

bool ModelArch::layer_is_sliding(std::int64_t layer) const {
  if (attention.sliding_window <= 0) return false;
  const auto& p = attention.window_pattern;
  if (p.empty()) return true;
  return p[static_cast<std::size_t>(layer) % p.size()] == LayerWindow::kSliding;
}

std::int64_t ModelArch::layer_kv_tokens(std::int64_t layer, std::int64_t context) const {
  return layer_is_sliding(layer) ? std::min(context, attention.sliding_window) : context;
}

const char* role_name(TensorRole r) {
  switch (r) {
    case TensorRole::kTokenEmbd:
      return "token_embd";
    case TensorRole::kPosEmbd:
      return "pos_embd";
    case TensorRole::kOutput:
      return "output";
    case TensorRole::kOutputBias:
      return "output_bias";
    case TensorRole::kOutputNorm:
      return "output_norm";
    case TensorRole::kAttnNorm:
      return "norm";
    case TensorRole::kAttnQ:
      return "attn_q";
    case TensorRole::kAttnK:
      return "attn_k";
    case TensorRole::kAttnV:
      return "attn_v";
    case TensorRole::kAttnOutput:
      return "attn_output";
    case TensorRole::kAttnBias:
      return "attn_bias";
    case TensorRole::kMlaQA:
      return "attn_q_a";
    case TensorRole::kMlaQB:
      return "attn_q_b";
    case TensorRole::kMlaKvA:
      return "attn_kv_a_mqa";
    case TensorRole::kMlaKvB:
      return "attn_kv_b";
    case TensorRole::kMlaNorm:
      return "attn_lora_norm";
    case TensorRole::kFfnGate:
      return "ffn_gate";
    case TensorRole::kFfnUp:
      return "ffn_up";
    case TensorRole::kFfnDown:
      return "ffn_down";
    case TensorRole::kFfnBias:
      return "ffn_bias";
    case TensorRole::kRouter:
      return "ffn_gate_inp";
    case TensorRole::kRouterBias:
      return "exp_probs_b";
    case TensorRole::kExpertGate:
      return "ffn_gate_exps";
    case TensorRole::kExpertUp:
      return "ffn_up_exps";
    case TensorRole::kExpertDown:
      return "ffn_down_exps";
    case TensorRole::kSharedGate:
      return "ffn_gate_shexp";
    case TensorRole::kSharedUp:
      return "ffn_up_shexp";
    case TensorRole::kSharedDown:
      return "ffn_down_shexp";
  }
  return "?";
}

bool role_is_matrix(TensorRole r) {
  switch (r) {
    case TensorRole::kOutputBias:
    case TensorRole::kOutputNorm:
    case TensorRole::kAttnNorm:
    case TensorRole::kAttnBias:
    case TensorRole::kMlaNorm:
    case TensorRole::kFfnBias:
    case TensorRole::kRouterBias:
      return false;
    default:
      return true;
  }
}

std::vector<TensorInfo> enumerate_tensors(const ModelArch& a) {
  std::vector<TensorInfo> t;
  const std::int64_t d = a.hidden_size;
  auto mat = [&](TensorRole r, std::int64_t layer, std::int64_t rows, std::int64_t cols,
                 std::int64_t copies = 1) {
    t.push_back({r, layer, rows, cols, copies});
  };
  auto vec = [&](TensorRole r, std::int64_t layer, std::int64_t n) {
    if (n > 0) t.push_back({r, layer, 1, n, 1});
  };

  mat(TensorRole::kTokenEmbd, -1, a.vocab_size, d);
  if (a.position == PositionKind::kLearned) mat(TensorRole::kPosEmbd, -1, a.max_context, d);

  const auto& at = a.attention;
  for (std::int64_t l = 0; l < a.num_layers; ++l) {
    for (std::int64_t n = 0; n < a.norm.per_layer; ++n) {
      vec(TensorRole::kAttnNorm, l, d);
      if (a.norm.bias) vec(TensorRole::kAttnNorm, l, d);
    }
    if (at.kind == AttentionKind::kStandard) {
      const std::int64_t q = at.num_heads * at.head_dim;
      const std::int64_t kv = at.num_kv_heads * at.head_dim;
      mat(TensorRole::kAttnQ, l, q, d);
      mat(TensorRole::kAttnK, l, kv, d);
      mat(TensorRole::kAttnV, l, kv, d);
      mat(TensorRole::kAttnOutput, l, d, q);
      if (at.qkv_bias) {
        vec(TensorRole::kAttnBias, l, q);
        vec(TensorRole::kAttnBias, l, kv);
        vec(TensorRole::kAttnBias, l, kv);
      }
    } else {
      const auto& m = at.mla;
      const std::int64_t qk = m.qk_nope_head_dim + m.qk_rope_head_dim;
      if (m.q_lora_rank > 0) {
        mat(TensorRole::kMlaQA, l, m.q_lora_rank, d);
        vec(TensorRole::kMlaNorm, l, m.q_lora_rank);
        mat(TensorRole::kMlaQB, l, at.num_heads * qk, m.q_lora_rank);
      } else {
        mat(TensorRole::kAttnQ, l, at.num_heads * qk, d);
      }
      mat(TensorRole::kMlaKvA, l, m.kv_lora_rank + m.qk_rope_head_dim, d);
      vec(TensorRole::kMlaNorm, l, m.kv_lora_rank);
      mat(TensorRole::kMlaKvB, l, at.num_heads * (m.qk_nope_head_dim + m.v_head_dim),
          m.kv_lora_rank);
      mat(TensorRole::kAttnOutput, l, d, at.num_heads * m.v_head_dim);
      if (at.qkv_bias) vec(TensorRole::kAttnBias, l, at.num_heads * qk);
    }
    if (at.out_bias) vec(TensorRole::kAttnBias, l, d);

    if (a.is_moe_layer(l)) {
      const auto& moe = a.moe;
      const std::int64_t ie = moe.expert_intermediate_size;
      mat(TensorRole::kRouter, l, moe.num_experts, d);
      if (moe.router_bias) vec(TensorRole::kRouterBias, l, moe.num_experts);
      mat(TensorRole::kExpertGate, l, ie, d, moe.num_experts);
      mat(TensorRole::kExpertUp, l, ie, d, moe.num_experts);
      mat(TensorRole::kExpertDown, l, d, ie, moe.num_experts);
      if (moe.num_shared_experts > 0) {
        const std::int64_t is = moe.num_shared_experts * ie;
        mat(TensorRole::kSharedGate, l, is, d);
        mat(TensorRole::kSharedUp, l, is, d);
        mat(TensorRole::kSharedDown, l, d, is);
      }
    } else {
      const std::int64_t i = a.ffn.intermediate_size;
      if (a.ffn.kind == FfnKind::kGated) mat(TensorRole::kFfnGate, l, i, d);
      mat(TensorRole::kFfnUp, l, i, d);
      mat(TensorRole::kFfnDown, l, d, i);
      if (a.ffn.bias) {
        if (a.ffn.kind == FfnKind::kGated) vec(TensorRole::kFfnBias, l, i);
        vec(TensorRole::kFfnBias, l, i);
        vec(TensorRole::kFfnBias, l, d);
      }
    }
  }
  if (a.norm.final_norm) {
    vec(TensorRole::kOutputNorm, -1, d);
    if (a.norm.bias) vec(TensorRole::kOutputNorm, -1, d);
  }
  if (!a.tie_embeddings) mat(TensorRole::kOutput, -1, a.vocab_size, d);
  if (a.lm_head_bias) vec(TensorRole::kOutputBias, -1, a.vocab_size);
  return t;
}

ParamBreakdown count_params(const ModelArch& a) {
  ParamBreakdown p;
  for (const auto& t : enumerate_tensors(a)) {
    const std::uint64_t n = t.elements();
    switch (t.role) {
      case TensorRole::kTokenEmbd:
      case TensorRole::kPosEmbd:
        p.embedding += n;
        break;
      case TensorRole::kOutput:
      case TensorRole::kOutputBias:
        p.lm_head += n;
        break;
      case TensorRole::kOutputNorm:
      case TensorRole::kAttnNorm:
      case TensorRole::kMlaNorm:
        p.norms += n;
        break;
      case TensorRole::kAttnQ:
      case TensorRole::kAttnK:
      case TensorRole::kAttnV:
      case TensorRole::kAttnOutput:
      case TensorRole::kAttnBias:
      case TensorRole::kMlaQA:
      case TensorRole::kMlaQB:
      case TensorRole::kMlaKvA:
      case TensorRole::kMlaKvB:
        p.attention += n;
        break;
      case TensorRole::kFfnGate:
      case TensorRole::kFfnUp:
      case TensorRole::kFfnDown:
      case TensorRole::kFfnBias:
        p.ffn_dense += n;
        break;
      case TensorRole::kRouter:
      case TensorRole::kRouterBias:
        p.router += n;
        break;
      case TensorRole::kExpertGate:
      case TensorRole::kExpertUp:
      case TensorRole::kExpertDown:
        p.ffn_experts += n;
        // Active: only top_k of the stacked experts work on a token.
        p.active +=
            n / static_cast<std::uint64_t>(t.copies) * static_cast<std::uint64_t>(a.moe.top_k);
        p.total += n;
        continue;
      case TensorRole::kSharedGate:
      case TensorRole::kSharedUp:
      case TensorRole::kSharedDown:
        p.ffn_shared += n;
        break;
    }
    p.total += n;
    p.active += n;
  }
  return p;
}

std::uint64_t kv_bytes_per_token_layer(const ModelArch& a, DType kv) {
  const auto& at = a.attention;
  if (at.kind == AttentionKind::kMla) {
    return tensor_bytes(kv, 1,
                        static_cast<std::uint64_t>(at.mla.kv_lora_rank + at.mla.qk_rope_head_dim));
  }
  return tensor_bytes(kv, static_cast<std::uint64_t>(2 * at.num_kv_heads),
                      static_cast<std::uint64_t>(at.head_dim));
}

std::uint64_t kv_bytes_for_context(const ModelArch& a, DType kv, std::int64_t context) {
  if (context <= 0) return 0;
  const std::uint64_t per = kv_bytes_per_token_layer(a, kv);
  std::uint64_t tokens = 0;
  for (std::int64_t l = 0; l < a.num_layers; ++l)
    tokens += static_cast<std::uint64_t>(a.layer_kv_tokens(l, context));
  return tokens * per;
}

std::vector<ArchProblem> check_arch(const ModelArch& a) {
  std::vector<ArchProblem> p;
  auto range = [&](const char* key, std::int64_t v, std::int64_t lo, std::int64_t hi) {
    if (v < lo || v > hi) p.push_back({key, fmt::format("{} is out of range [{}, {}]", v, lo, hi)});
  };
  range("architecture.hidden_size", a.hidden_size, 1, 1 << 20);
  range("architecture.num_layers", a.num_layers, 1, kMaxLayers);
  range("architecture.vocab_size", a.vocab_size, 1, 1 << 24);
  range("architecture.max_context", a.max_context, 1, std::int64_t{1} << 32);
  const auto& at = a.attention;
  range("architecture.attention.num_heads", at.num_heads, 1, 1 << 14);
  if (at.kind == AttentionKind::kStandard) {
    range("architecture.attention.num_kv_heads", at.num_kv_heads, 1, 1 << 14);
    range("architecture.attention.head_dim", at.head_dim, 1, 1 << 14);
    if (at.num_kv_heads > 0 && at.num_heads > 0 && at.num_heads % at.num_kv_heads != 0)
      p.push_back({"architecture.attention.num_kv_heads",
                   fmt::format("num_heads {} is not a multiple of num_kv_heads {}", at.num_heads,
                               at.num_kv_heads)});
    if (a.rotary_dim > at.head_dim && at.head_dim > 0)
      p.push_back({"architecture.rotary_dim",
                   fmt::format("rotary_dim {} exceeds head_dim {}", a.rotary_dim, at.head_dim)});
  } else {
    range("architecture.attention.mla.q_lora_rank", at.mla.q_lora_rank, 0, 1 << 20);
    range("architecture.attention.mla.kv_lora_rank", at.mla.kv_lora_rank, 1, 1 << 20);
    range("architecture.attention.mla.qk_nope_head_dim", at.mla.qk_nope_head_dim, 1, 1 << 14);
    range("architecture.attention.mla.qk_rope_head_dim", at.mla.qk_rope_head_dim, 1, 1 << 14);
    range("architecture.attention.mla.v_head_dim", at.mla.v_head_dim, 1, 1 << 14);
  }
  range("architecture.rotary_dim", a.rotary_dim, 0, 1 << 14);
  range("architecture.attention.sliding_window", at.sliding_window, 0, std::int64_t{1} << 32);
  if (!at.window_pattern.empty() && at.sliding_window == 0)
    p.push_back(
        {"architecture.attention.sliding_window_pattern", "a pattern needs a sliding_window > 0"});
  const bool all_moe = a.is_moe() && a.moe.first_dense_layers == 0;
  range("architecture.ffn.intermediate_size", a.ffn.intermediate_size, all_moe ? 0 : 1, 1 << 24);
  if (a.is_moe()) {
    range("architecture.moe.num_experts", a.moe.num_experts, 1, 1 << 16);
    range("architecture.moe.top_k", a.moe.top_k, 1, a.moe.num_experts);
    range("architecture.moe.expert_intermediate_size", a.moe.expert_intermediate_size, 1, 1 << 24);
    range("architecture.moe.num_shared_experts", a.moe.num_shared_experts, 0, 1 << 10);
    range("architecture.moe.first_dense_layers", a.moe.first_dense_layers, 0, a.num_layers);
  }
  range("architecture.norm.per_layer", a.norm.per_layer, 0, 16);
  if (p.empty()) {
    // Guard the 64-bit counts: refuse anything beyond 10^15 parameters (a petaparameter).
    double approx = 0;
    for (const auto& t : enumerate_tensors(a))
      approx +=
          static_cast<double>(t.rows) * static_cast<double>(t.cols) * static_cast<double>(t.copies);
    if (approx > 1e15)
      p.push_back({"architecture",
                   fmt::format("{:.3g} parameters is beyond what llmsizer sizes (10^15)", approx)});
  }
  return p;
}

const char* to_string(Family f) {
  switch (f) {
    case Family::kLlama:
      return "llama";
    case Family::kMistral:
      return "mistral";
    case Family::kMixtral:
      return "mixtral";
    case Family::kQwen2:
      return "qwen2";
    case Family::kGemma2:
      return "gemma2";
    case Family::kPhi3:
      return "phi3";
    case Family::kFalcon:
      return "falcon";
    case Family::kMpt:
      return "mpt";
    case Family::kGptJ:
      return "gptj";
    case Family::kGptNeoX:
      return "gptneox";
    case Family::kDeepseekV3:
      return "deepseek_v3";
  }
  return "?";
}

std::vector<std::string> family_names() {
  std::vector<std::string> out;
  for (int i = 0; i <= static_cast<int>(Family::kDeepseekV3); ++i)
    out.emplace_back(to_string(static_cast<Family>(i)));
  return out;
}

const char* to_string(AttentionKind k) {
  return k == AttentionKind::kMla ? "mla" : "standard";
}
const char* to_string(FfnKind k) {
  return k == FfnKind::kGated ? "gated" : "plain";
}
const char* to_string(Activation k) {
  switch (k) {
    case Activation::kSilu:
      return "silu";
    case Activation::kGelu:
      return "gelu";
    case Activation::kGeluTanh:
      return "gelu_tanh";
    case Activation::kRelu:
      return "relu";
  }
  return "?";
}
const char* to_string(NormKind k) {
  return k == NormKind::kRmsNorm ? "rmsnorm" : "layernorm";
}
const char* to_string(PositionKind k) {
  switch (k) {
    case PositionKind::kRope:
      return "rope";
    case PositionKind::kAlibi:
      return "alibi";
    case PositionKind::kLearned:
      return "learned";
    case PositionKind::kNone:
      return "none";
  }
  return "?";
}
const char* to_string(LayerWindow k) {
  return k == LayerWindow::kSliding ? "sliding" : "full";
}

}  // namespace llmsizer::core
