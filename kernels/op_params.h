// op_params.h — small closed sets that parameterise kernels and their references alike
// (RoPE convention, activation function). Plain enums; no behaviour.
#pragma once

#include <cstdint>

namespace llmsizer::kernels {

// Which elements RoPE rotates together: (2i, 2i + 1) (GPT-J, llama.cpp's default "norm"
// mode) or (i, i + head_dim / 2) (GPT-NeoX, Hugging Face Llama/Qwen/Mistral).
enum class RopeStyle : std::uint8_t { kInterleaved, kHalfSplit };

// SiLU(x) = x / (1 + e^-x); GELU = tanh approximation
// 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))) (GPT-2, Gemma, llama.cpp's gelu).
enum class Activation : std::uint8_t { kSilu, kGelu };

}  // namespace llmsizer::kernels
