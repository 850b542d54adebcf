// model_arch.h — the architecture of a decoder-only transformer as plain data, and the
// formulas that follow from it alone: the list of weight tensors, parameter counts
// (docs/cost-model.md#params) and KV-cache bytes per token (docs/cost-model.md#kv-cache).
// schema/ fills a ModelArch from YAML, config.json or a GGUF header; estimator/ sizes it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/dtype.h"

namespace llmsizer::core {

enum class AttentionKind : std::uint8_t { kStandard, kMla };
enum class FfnKind : std::uint8_t { kGated, kPlain };
enum class Activation : std::uint8_t { kSilu, kGelu, kGeluTanh, kRelu };
enum class NormKind : std::uint8_t { kRmsNorm, kLayerNorm };
enum class PositionKind : std::uint8_t { kRope, kAlibi, kLearned, kNone };
enum class LayerWindow : std::uint8_t { kSliding, kFull };
// The model family decides a few conventions (llama.cpp's quantization mixes, fused QKV).
enum class Family : std::uint8_t {
  kLlama,
  kMistral,
  kMixtral,
  kQwen2,
  kGemma2,
  kPhi3,
  kFalcon,
  kMpt,
  kGptJ,
  kGptNeoX,
  kDeepseekV3,
};
const char* to_string(Family f);
std::vector<std::string> family_names();

struct MlaConfig {
  std::int64_t q_lora_rank = 0;  // 0: q is a plain d -> H*(nope+rope) projection
  std::int64_t kv_lora_rank = 0;
  std::int64_t qk_nope_head_dim = 0;
  std::int64_t qk_rope_head_dim = 0;
  std::int64_t v_head_dim = 0;
};

struct AttentionConfig {
  AttentionKind kind = AttentionKind::kStandard;
  std::int64_t num_heads = 0;
  std::int64_t num_kv_heads = 0;
  std::int64_t head_dim = 0;
  bool qkv_bias = false;
  bool out_bias = false;
  std::int64_t sliding_window = 0;          // tokens; 0 = full attention
  std::vector<LayerWindow> window_pattern;  // layer i uses [i % size]; empty = all sliding
  MlaConfig mla;                            // used iff kind == kMla
};

struct FfnConfig {
  FfnKind kind = FfnKind::kGated;
  Activation activation = Activation::kSilu;
  std::int64_t intermediate_size = 0;
  bool bias = false;
};

struct MoeConfig {
  std::int64_t num_experts = 0;  // 0 = dense model
  std::int64_t top_k = 0;
  std::int64_t expert_intermediate_size = 0;
  std::int64_t num_shared_experts = 0;
  std::int64_t first_dense_layers = 0;
  bool router_bias = false;
};

struct NormConfig {
  NormKind kind = NormKind::kRmsNorm;
  bool bias = false;
  std::int64_t per_layer = 2;
  bool final_norm = true;
};

// The most layers an architecture may have (check_arch); readers bound their per-layer
// loops by it before the rest is checked.
inline constexpr std::int64_t kMaxLayers = std::int64_t{1} << 14;

struct ModelArch {
  Family family = Family::kLlama;
  std::int64_t hidden_size = 0;
  std::int64_t num_layers = 0;
  std::int64_t vocab_size = 0;
  std::int64_t max_context = 0;
  bool tie_embeddings = false;
  bool lm_head_bias = false;
  PositionKind position = PositionKind::kRope;
  std::int64_t rotary_dim = 0;  // 0 = head_dim
  bool parallel_block = false;
  AttentionConfig attention;
  FfnConfig ffn;
  MoeConfig moe;
  NormConfig norm;

  bool is_moe() const { return moe.num_experts > 0; }
  bool is_moe_layer(std::int64_t layer) const {
    return is_moe() && layer >= moe.first_dense_layers;
  }
  // Whether layer i attends through a sliding window, and the tokens it keeps.
  bool layer_is_sliding(std::int64_t layer) const;
  std::int64_t layer_kv_tokens(std::int64_t layer, std::int64_t context) const;
};

// What a weight tensor is for; decides its dtype under mixed quantization schemes and how
// tensor/pipeline parallelism split it.
enum class TensorRole : std::uint8_t {
  kTokenEmbd,
  kPosEmbd,
  kOutput,  // lm_head
  kOutputBias,
  kOutputNorm,
  kAttnNorm,  // every per-layer norm weight/bias (input, post-attention, pre/post FFN)
  kAttnQ,
  kAttnK,
  kAttnV,
  kAttnOutput,
  kAttnBias,  // q/k/v/o biases
  kMlaQA,
  kMlaQB,
  kMlaKvA,
  kMlaKvB,
  kMlaNorm,
  kFfnGate,
  kFfnUp,
  kFfnDown,
  kFfnBias,
  kRouter,
  kRouterBias,
  kExpertGate,
  kExpertUp,
  kExpertDown,
  kSharedGate,
  kSharedUp,
  kSharedDown,
};

const char* role_name(TensorRole r);
bool role_is_matrix(TensorRole r);  // 2-D weights (quantizable); others are 1-D

struct TensorInfo {
  TensorRole role;
  std::int64_t layer;   // -1 for tensors outside the blocks
  std::int64_t rows;    // output features (1 for 1-D tensors)
  std::int64_t cols;    // input features (the contiguous dim; the length for 1-D tensors)
  std::int64_t copies;  // experts stacked in one tensor (1 otherwise)
  std::uint64_t elements() const {
    return static_cast<std::uint64_t>(rows) * static_cast<std::uint64_t>(cols) *
           static_cast<std::uint64_t>(copies);
  }
};

// Every weight tensor of the model, in layer order. Routed-expert tensors are listed once
// per layer with copies = num_experts.
std::vector<TensorInfo> enumerate_tensors(const ModelArch& a);

struct ParamBreakdown {
  std::uint64_t embedding = 0;    // token (+ learned position) embeddings
  std::uint64_t attention = 0;    // q/k/v/o (or MLA) weights and biases, all layers
  std::uint64_t ffn_dense = 0;    // dense FFN weights and biases, all layers
  std::uint64_t ffn_experts = 0;  // routed experts, all layers
  std::uint64_t ffn_shared = 0;   // shared experts, all layers
  std::uint64_t router = 0;
  std::uint64_t norms = 0;    // per-layer norms, MLA norms and the final norm
  std::uint64_t lm_head = 0;  // 0 when tied
  std::uint64_t total = 0;
  std::uint64_t active = 0;  // per token: routed experts counted top_k of num_experts
};

ParamBreakdown count_params(const ModelArch& a);

// KV-cache bytes one token adds in one layer (K and V of all KV heads, or MLA's latent plus
// rope key), at element type `kv` (block types count their block bytes).
std::uint64_t kv_bytes_per_token_layer(const ModelArch& a, DType kv);

// KV-cache bytes for one sequence of `context` tokens, all layers, sliding windows capping
// the tokens a windowed layer keeps.
std::uint64_t kv_bytes_for_context(const ModelArch& a, DType kv, std::int64_t context);

// Structural problems (zero sizes, heads not dividing, MoE top_k > experts ...) as
// key-path/message pairs; empty when consistent.
struct ArchProblem {
  std::string key_path;
  std::string message;
};
std::vector<ArchProblem> check_arch(const ModelArch& a);

const char* to_string(AttentionKind k);
const char* to_string(FfnKind k);
const char* to_string(Activation k);
const char* to_string(NormKind k);
const char* to_string(PositionKind k);
const char* to_string(LayerWindow k);

}  // namespace llmsizer::core
