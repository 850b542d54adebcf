// weight_scheme.cc — per-tensor dtype choice. The llama.cpp rules restate, for the mixes
// llmsizer models, what llama.cpp's src/llama-quant.cpp (llama_tensor_get_type) decides;
// docs/cost-model.md#weight-schemes lists them with the resulting bits per weight.
#include "core/weight_scheme.h"

#include <array>
#include <charconv>

#include "core/diagnostics.h"

namespace llmsizer::core {
namespace {

struct MixName {
  const char* name;
  GgufMix mix;
  DType base;
};
constexpr std::array<MixName, 20> kMixes = {{
    {"q8_0", GgufMix::kQ8_0, DType::kQ8_0},
    {"q4_0", GgufMix::kQ4_0, DType::kQ4_0},
    {"q4_1", GgufMix::kQ4_1, DType::kQ4_1},
    {"q5_0", GgufMix::kQ5_0, DType::kQ5_0},
    {"q5_1", GgufMix::kQ5_1, DType::kQ5_1},
    {"q2_k", GgufMix::kQ2_K, DType::kQ2_K},
    {"q3_k_s", GgufMix::kQ3_K_S, DType::kQ3_K},
    {"q3_k_m", GgufMix::kQ3_K_M, DType::kQ3_K},
    {"q3_k_l", GgufMix::kQ3_K_L, DType::kQ3_K},
    {"q4_k_s", GgufMix::kQ4_K_S, DType::kQ4_K},
    {"q4_k_m", GgufMix::kQ4_K_M, DType::kQ4_K},
    {"q5_k_s", GgufMix::kQ5_K_S, DType::kQ5_K},
    {"q5_k_m", GgufMix::kQ5_K_M, DType::kQ5_K},
    {"q6_k", GgufMix::kQ6_K, DType::kQ6_K},
    // llama-quantize's aliases
    {"q3_k", GgufMix::kQ3_K_M, DType::kQ3_K},
    {"q4_k", GgufMix::kQ4_K_M, DType::kQ4_K},
    {"q5_k", GgufMix::kQ5_K_M, DType::kQ5_K},
    // GGUF float files (llama.cpp conventions: 1-D tensors f32)
    {"gguf_f16", GgufMix::kF16, DType::kF16},
    {"gguf_bf16", GgufMix::kBF16, DType::kBF16},
    {"gguf_f32", GgufMix::kF32, DType::kF32},
}};

const char* canonical_mix_name(GgufMix m) {
  for (const auto& e : kMixes)
    if (e.mix == m) return e.name;
  return "?";
}

bool use_more_bits(std::int64_t i, std::int64_t n) {
  return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2;
}

// Families whose GGUF stores one fused attn_qkv tensor (llama.cpp's ATTENTION_QKV rules).
bool fused_qkv(Family f) {
  return f == Family::kFalcon || f == Family::kMpt || f == Family::kGptNeoX || f == Family::kPhi3;
}

// llama.cpp's LLM_TYPE_70B: a llama-architecture (or qwen2) model of 80 layers with GQA.
bool is_70b_class(const ModelArch& a) {
  const bool llama_like = a.family == Family::kLlama || a.family == Family::kMistral ||
                          a.family == Family::kMixtral || a.family == Family::kQwen2;
  return llama_like && a.num_layers == 80 && a.attention.num_kv_heads < a.attention.num_heads;
}

DType fallback(DType t, std::int64_t cols) {
  if (row_fits_blocks(t, static_cast<std::uint64_t>(cols))) return t;
  DType f = DType::kF16;
  switch (t) {
    case DType::kQ2_K:
    case DType::kQ3_K:
      f = DType::kQ4_0;
      break;
    case DType::kQ4_K:
      f = DType::kQ5_0;
      break;
    case DType::kQ5_K:
      f = DType::kQ5_1;
      break;
    case DType::kQ6_K:
      f = DType::kQ8_0;
      break;
    default:
      break;
  }
  return row_fits_blocks(f, static_cast<std::uint64_t>(cols)) ? f : DType::kF16;
}

bool is_quantized_mix(GgufMix m) {
  return m != GgufMix::kNone && m != GgufMix::kF32 && m != GgufMix::kF16 && m != GgufMix::kBF16;
}

DType llama_cpp_dtype(const ModelArch& a, const TensorInfo& t, const WeightScheme& s) {
  if (!role_is_matrix(t.role)) return DType::kF32;
  if (t.role == TensorRole::kRouter) return DType::kF32;
  if (!is_quantized_mix(s.mix)) return s.base;
  if (t.role == TensorRole::kPosEmbd) return DType::kF16;

  const GgufMix m = s.mix;
  const std::int64_t n_layer = a.num_layers;
  const std::int64_t i = t.layer;
  const std::int64_t n_expert = a.moe.num_experts;
  const std::int64_t n_gqa =
      a.attention.num_kv_heads > 0 ? a.attention.num_heads / a.attention.num_kv_heads : 1;
  const bool falcon = a.family == Family::kFalcon;
  DType nt = s.base;

  const bool is_output =
      t.role == TensorRole::kOutput || (a.tie_embeddings && t.role == TensorRole::kTokenEmbd);
  const bool qkv =
      fused_qkv(a.family) && (t.role == TensorRole::kAttnQ || t.role == TensorRole::kAttnK ||
                              t.role == TensorRole::kAttnV);
  const bool attn_v_like = !qkv && (t.role == TensorRole::kAttnV || t.role == TensorRole::kMlaKvB);
  const bool ffn_down = t.role == TensorRole::kFfnDown || t.role == TensorRole::kExpertDown ||
                        t.role == TensorRole::kSharedDown;

  if (is_output) {
    if (falcon || !row_fits_blocks(nt, static_cast<std::uint64_t>(t.cols))) {
      nt = DType::kQ8_0;
    } else if (nt != DType::kQ8_0) {
      nt = DType::kQ6_K;
    }
  } else if (t.role == TensorRole::kTokenEmbd) {
    // default type
  } else if (qkv) {
    if (m == GgufMix::kQ3_K_M || m == GgufMix::kQ3_K_L)
      nt = DType::kQ4_K;
    else if (m == GgufMix::kQ4_K_M)
      nt = DType::kQ5_K;
    else if (m == GgufMix::kQ5_K_M)
      nt = DType::kQ6_K;
  } else if (attn_v_like) {
    if (m == GgufMix::kQ2_K)
      nt = n_gqa >= 4 ? DType::kQ4_K : DType::kQ3_K;
    else if (m == GgufMix::kQ3_K_M)
      nt = i < 2 ? DType::kQ5_K : DType::kQ4_K;
    else if (m == GgufMix::kQ3_K_L)
      nt = DType::kQ5_K;
    else if ((m == GgufMix::kQ4_K_M || m == GgufMix::kQ5_K_M) && use_more_bits(i, n_layer))
      nt = DType::kQ6_K;
    else if (m == GgufMix::kQ4_K_S && i < 4)
      nt = DType::kQ5_K;
    if (is_70b_class(a) && (nt == DType::kQ3_K || nt == DType::kQ4_K)) nt = DType::kQ5_K;
    if (n_expert == 8) nt = DType::kQ8_0;
  } else if (t.role == TensorRole::kAttnK) {
    if (n_expert == 8) nt = DType::kQ8_0;
  } else if (ffn_down) {
    if (m == GgufMix::kQ2_K) {
      nt = DType::kQ3_K;
    } else if (m == GgufMix::kQ3_K_M) {
      nt = i < n_layer / 16                       ? DType::kQ5_K
           : !falcon || use_more_bits(i, n_layer) ? DType::kQ4_K
                                                  : DType::kQ3_K;
    } else if (m == GgufMix::kQ3_K_L) {
      nt = falcon ? DType::kQ4_K : DType::kQ5_K;
    } else if (m == GgufMix::kQ4_K_M) {
      if (falcon) {
        nt = i < n_layer / 16            ? DType::kQ6_K
             : use_more_bits(i, n_layer) ? DType::kQ5_K
                                         : DType::kQ4_K;
      } else if (use_more_bits(i, n_layer)) {
        nt = DType::kQ6_K;
      }
    } else if (m == GgufMix::kQ5_K_M && use_more_bits(i, n_layer)) {
      nt = DType::kQ6_K;
    } else if (m == GgufMix::kQ4_K_S && !falcon && i < n_layer / 8) {
      nt = DType::kQ5_K;
    }
  } else if (t.role == TensorRole::kAttnOutput) {
    if (!falcon) {
      if (n_expert == 8) {
        if (m == GgufMix::kQ2_K || m == GgufMix::kQ3_K_S || m == GgufMix::kQ3_K_M ||
            m == GgufMix::kQ4_K_S || m == GgufMix::kQ4_K_M)
          nt = DType::kQ5_K;
      } else {
        if (m == GgufMix::kQ2_K)
          nt = DType::kQ3_K;
        else if (m == GgufMix::kQ3_K_M)
          nt = DType::kQ4_K;
        else if (m == GgufMix::kQ3_K_L)
          nt = DType::kQ5_K;
      }
    } else if (m == GgufMix::kQ3_K_L) {
      nt = DType::kQ4_K;
    }
  }
  return fallback(nt, t.cols);
}

DType checkpoint_dtype(const TensorInfo& t, const WeightScheme& s) {
  if (is_float(s.base) && s.base != DType::kFP8E4M3 && s.base != DType::kFP8E5M2) return s.base;
  // Quantized checkpoints keep embeddings, lm_head, norms, biases and the router 16-bit.
  switch (t.role) {
    case TensorRole::kAttnQ:
    case TensorRole::kAttnK:
    case TensorRole::kAttnV:
    case TensorRole::kAttnOutput:
    case TensorRole::kMlaQA:
    case TensorRole::kMlaQB:
    case TensorRole::kMlaKvA:
    case TensorRole::kMlaKvB:
    case TensorRole::kFfnGate:
    case TensorRole::kFfnUp:
    case TensorRole::kFfnDown:
    case TensorRole::kExpertGate:
    case TensorRole::kExpertUp:
    case TensorRole::kExpertDown:
    case TensorRole::kSharedGate:
    case TensorRole::kSharedUp:
    case TensorRole::kSharedDown:
      return s.base;
    default:
      return DType::kBF16;
  }
}

}  // namespace

std::optional<WeightScheme> parse_weight_scheme(std::string_view text) {
  const std::string l = to_lower(text);
  if (constexpr std::string_view kPure = "-pure"; l.size() > kPure.size() && l.ends_with(kPure)) {
    const auto dt = parse_dtype(std::string_view(l).substr(0, l.size() - kPure.size()));
    if (!dt || !(is_float(*dt) || is_block_quantized(*dt)) || *dt == DType::kFP8E4M3 ||
        *dt == DType::kFP8E5M2)
      return std::nullopt;
    WeightScheme s{std::string(name(*dt)) + "-pure", *dt, GgufMix::kNone, -1};
    s.pure = true;
    return s;
  }
  for (const auto& e : kMixes) {
    if (l == e.name) return WeightScheme{canonical_mix_name(e.mix), e.base, e.mix, -1};
  }
  // int4 / int8 with an optional "-gN" group size.
  std::string head = l;
  int group = -1;
  if (const auto pos = l.find("-g"); pos != std::string::npos) {
    head = l.substr(0, pos);
    const std::string num = l.substr(pos + 2);
    int g = 0;
    const auto [ptr, ec] = std::from_chars(num.data(), num.data() + num.size(), g);
    if (ec != std::errc() || ptr != num.data() + num.size() || g < 1 || g > 65536)
      return std::nullopt;
    group = g;
  }
  const auto dt = parse_dtype(head);
  if (!dt) return std::nullopt;
  switch (*dt) {
    case DType::kF32:
    case DType::kF16:
    case DType::kBF16:
    case DType::kFP8E4M3:
    case DType::kFP8E5M2:
      if (group != -1) return std::nullopt;
      return WeightScheme{std::string(name(*dt)), *dt, GgufMix::kNone, -1};
    case DType::kInt8:
    case DType::kInt4: {
      const int g = group == -1 ? default_group_size(*dt) : group;
      std::string n(name(*dt));
      if (g > 0) n += "-g" + std::to_string(g);
      return WeightScheme{n, *dt, GgufMix::kNone, g};
    }
    default:
      return std::nullopt;
  }
}

std::vector<std::string> weight_scheme_names() {
  std::vector<std::string> out = {"f32",      "f16",  "bf16", "fp8_e4m3",
                                  "fp8_e5m2", "int8", "int4", "int4-g<N>"};
  for (const auto& e : kMixes) out.emplace_back(e.name);
  out.emplace_back("<dtype>-pure");
  return out;
}

DType tensor_dtype(const ModelArch& a, const TensorInfo& t, const WeightScheme& scheme) {
  if (scheme.pure) return role_is_matrix(t.role) ? scheme.base : DType::kF32;
  if (scheme.mix != GgufMix::kNone) return llama_cpp_dtype(a, t, scheme);
  return checkpoint_dtype(t, scheme);
}

std::uint64_t tensor_weight_bytes(const ModelArch& a, const TensorInfo& t,
                                  const WeightScheme& scheme) {
  const DType dt = tensor_dtype(a, t, scheme);
  return tensor_bytes(dt, static_cast<std::uint64_t>(t.rows * t.copies),
                      static_cast<std::uint64_t>(t.cols), scheme.group_size);
}

std::uint64_t total_weight_bytes(const ModelArch& a, const WeightScheme& scheme) {
  std::uint64_t total = 0;
  for (const auto& t : enumerate_tensors(a)) total += tensor_weight_bytes(a, t, scheme);
  return total;
}

}  // namespace llmsizer::core
