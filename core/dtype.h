// dtype.h — element types and their storage cost (docs/cost-model.md#dtypes).
// Covers plain floats (f32, f16, bf16, fp8), integer weight formats with per-group scales
// (int8, int4) and llama.cpp's block-quantized GGUF types. The bytes of a tensor are exact:
// block formats store whole blocks of `block_elems` weights in `block_bytes` bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace llmsizer::core {

enum class DType : std::uint8_t {
  kF64,
  kF32,
  kF16,
  kBF16,
  kFP8E4M3,
  kFP8E5M2,
  kInt8,  // weight-only/W8A8 integer, scale per group (or per output channel)
  kInt4,  // 4-bit integer with f16 scale and 4-bit zero point per group (AWQ/GPTQ)
  kI8,    // plain GGUF integer tensors (no scales)
  kI16,
  kI32,
  kI64,
  // llama.cpp / GGUF block types
  kQ4_0,
  kQ4_1,
  kQ5_0,
  kQ5_1,
  kQ8_0,
  kQ8_1,
  kQ2_K,
  kQ3_K,
  kQ4_K,
  kQ5_K,
  kQ6_K,
  kQ8_K,
  kIQ2_XXS,
  kIQ2_XS,
  kIQ3_XXS,
  kIQ1_S,
  kIQ4_NL,
  kIQ3_S,
  kIQ2_S,
  kIQ4_XS,
  kIQ1_M,
  kTQ1_0,
  kTQ2_0,
  kMXFP4,
};

enum class DTypeKind : std::uint8_t { kFloat, kInteger, kGroupScaled, kBlock };

struct DTypeInfo {
  DType dtype;
  const char* name;  // canonical lower-case name, e.g. "q4_k", "bf16", "fp8_e4m3"
  DTypeKind kind;
  int block_elems;  // elements per block (1 for plain types)
  int block_bytes;  // bytes per block (kGroupScaled: bytes of the values only)
  int ggml_type;    // GGML type id in GGUF files, -1 if none
};

const DTypeInfo& info(DType t);
const std::vector<DTypeInfo>& all_dtypes();
std::string_view name(DType t);

// Parses a dtype name (case-insensitive; accepts aliases fp16, half, fp32, float, fp8 =
// fp8_e4m3, e4m3, e5m2, q4_k_s... no: only single types). nullopt when unknown.
std::optional<DType> parse_dtype(std::string_view s);
std::optional<DType> dtype_from_ggml(int ggml_type);
bool is_float(DType t);
bool is_block_quantized(DType t);  // llama.cpp block types

// Default group size for group-scaled integer types (int4: 128; int8: 0 = per channel).
int default_group_size(DType t);

// Average bits per element for a long row (ignoring partial blocks and per-channel scales).
double bits_per_element(DType t, int group_size = -1);

// Exact storage bytes of a [rows x cols] weight matrix (cols = the contiguous input dim).
// Block types need cols to be a multiple of the block size (the caller checks with
// row_fits_blocks); group-scaled types add their scales (and int4 zero points) per group
// along cols, or one f16 scale per row when group_size is 0 (per channel).
std::uint64_t tensor_bytes(DType t, std::uint64_t rows, std::uint64_t cols, int group_size = -1);
bool row_fits_blocks(DType t, std::uint64_t cols);

// Comma-separated list of every accepted dtype name, for error messages.
std::string dtype_names();

}  // namespace llmsizer::core
