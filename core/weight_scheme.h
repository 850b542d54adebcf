// weight_scheme.h — how a model's weights are stored: which dtype each tensor gets
// (docs/cost-model.md#weight-schemes). Two conventions:
//  * checkpoint schemes (f32, f16, bf16, fp8, int8, int4[-gN]): linear-layer weights in the
//    scheme's dtype; embeddings, lm_head, norms and the MoE router stay 16-bit when the
//    scheme is quantized (as in FP8/AWQ/GPTQ checkpoints served by vLLM/TensorRT-LLM);
//  * llama.cpp GGUF schemes (q8_0, q4_0, ..., q4_k_m ...): llama.cpp's per-tensor rules
//    (1-D tensors f32, output q6_k, attn_v/ffn_down bumped on some layers, fallbacks when a
//    row is not a whole number of blocks), so sizes match `llama-quantize` output.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/dtype.h"
#include "core/model_arch.h"

namespace llmsizer::core {

// llama.cpp file types ("ftype") that llmsizer models.
enum class GgufMix : std::uint8_t {
  kNone,  // not a llama.cpp scheme
  kF32,
  kF16,
  kBF16,
  kQ8_0,
  kQ4_0,
  kQ4_1,
  kQ5_0,
  kQ5_1,
  kQ2_K,
  kQ3_K_S,
  kQ3_K_M,
  kQ3_K_L,
  kQ4_K_S,
  kQ4_K_M,
  kQ5_K_S,
  kQ5_K_M,
  kQ6_K,
};

struct WeightScheme {
  std::string name;              // canonical, e.g. "q4_k_m", "int4-g128", "bf16"
  DType base = DType::kBF16;     // the type most weights get
  GgufMix mix = GgufMix::kNone;  // llama.cpp rules when not kNone
  int group_size = -1;           // int4/int8 group (0 = per channel); -1 = default
  // "<dtype>-pure" (llama-quantize --pure): every 2-D tensor, embeddings and lm_head
  // included, in `base`; 1-D tensors f32. What the reference decoder builds.
  bool pure = false;
};

// Parses "f16", "bf16", "fp8", "int8", "int4", "int4-g64", "q8_0", "q4_k_m", "q4_k" (alias of
// q4_k_m, as llama-quantize), "q4_0-pure" (any float or llama.cpp block dtype + "-pure"),
// ... case-insensitive. nullopt when unknown.
std::optional<WeightScheme> parse_weight_scheme(std::string_view s);
std::vector<std::string> weight_scheme_names();

// The dtype one tensor is stored in under `scheme`.
DType tensor_dtype(const ModelArch& a, const TensorInfo& t, const WeightScheme& scheme);

// Bytes of one tensor under `scheme` (all expert copies).
std::uint64_t tensor_weight_bytes(const ModelArch& a, const TensorInfo& t,
                                  const WeightScheme& scheme);

// Bytes of all weights; bits per weight = 8 * bytes / params.
std::uint64_t total_weight_bytes(const ModelArch& a, const WeightScheme& scheme);

}  // namespace llmsizer::core
