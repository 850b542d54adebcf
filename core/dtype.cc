// dtype.cc — the dtype table. Block layouts are llama.cpp's (ggml-common.h): e.g. q4_0 is
// 32 weights in 18 bytes (f16 scale + 16 bytes of nibbles), q4_k 256 weights in 144 bytes.
#include "core/dtype.h"

#include <array>

#include "core/check.h"
#include "core/diagnostics.h"

namespace llmsizer::core {
namespace {

const std::vector<DTypeInfo>& table() {
  static const std::vector<DTypeInfo> kTable = {
      {DType::kF64, "f64", DTypeKind::kFloat, 1, 8, 28},
      {DType::kF32, "f32", DTypeKind::kFloat, 1, 4, 0},
      {DType::kF16, "f16", DTypeKind::kFloat, 1, 2, 1},
      {DType::kBF16, "bf16", DTypeKind::kFloat, 1, 2, 30},
      {DType::kFP8E4M3, "fp8_e4m3", DTypeKind::kFloat, 1, 1, -1},
      {DType::kFP8E5M2, "fp8_e5m2", DTypeKind::kFloat, 1, 1, -1},
      {DType::kInt8, "int8", DTypeKind::kGroupScaled, 1, 1, -1},
      {DType::kInt4, "int4", DTypeKind::kGroupScaled, 2, 1, -1},
      {DType::kI8, "i8", DTypeKind::kInteger, 1, 1, 24},
      {DType::kI16, "i16", DTypeKind::kInteger, 1, 2, 25},
      {DType::kI32, "i32", DTypeKind::kInteger, 1, 4, 26},
      {DType::kI64, "i64", DTypeKind::kInteger, 1, 8, 27},
      {DType::kQ4_0, "q4_0", DTypeKind::kBlock, 32, 18, 2},
      {DType::kQ4_1, "q4_1", DTypeKind::kBlock, 32, 20, 3},
      {DType::kQ5_0, "q5_0", DTypeKind::kBlock, 32, 22, 6},
      {DType::kQ5_1, "q5_1", DTypeKind::kBlock, 32, 24, 7},
      {DType::kQ8_0, "q8_0", DTypeKind::kBlock, 32, 34, 8},
      {DType::kQ8_1, "q8_1", DTypeKind::kBlock, 32, 36, 9},
      {DType::kQ2_K, "q2_k", DTypeKind::kBlock, 256, 84, 10},
      {DType::kQ3_K, "q3_k", DTypeKind::kBlock, 256, 110, 11},
      {DType::kQ4_K, "q4_k", DTypeKind::kBlock, 256, 144, 12},
      {DType::kQ5_K, "q5_k", DTypeKind::kBlock, 256, 176, 13},
      {DType::kQ6_K, "q6_k", DTypeKind::kBlock, 256, 210, 14},
      {DType::kQ8_K, "q8_k", DTypeKind::kBlock, 256, 292, 15},
      {DType::kIQ2_XXS, "iq2_xxs", DTypeKind::kBlock, 256, 66, 16},
      {DType::kIQ2_XS, "iq2_xs", DTypeKind::kBlock, 256, 74, 17},
      {DType::kIQ3_XXS, "iq3_xxs", DTypeKind::kBlock, 256, 98, 18},
      {DType::kIQ1_S, "iq1_s", DTypeKind::kBlock, 256, 50, 19},
      {DType::kIQ4_NL, "iq4_nl", DTypeKind::kBlock, 32, 18, 20},
      {DType::kIQ3_S, "iq3_s", DTypeKind::kBlock, 256, 110, 21},
      {DType::kIQ2_S, "iq2_s", DTypeKind::kBlock, 256, 82, 22},
      {DType::kIQ4_XS, "iq4_xs", DTypeKind::kBlock, 256, 136, 23},
      {DType::kIQ1_M, "iq1_m", DTypeKind::kBlock, 256, 56, 29},
      {DType::kTQ1_0, "tq1_0", DTypeKind::kBlock, 256, 54, 34},
      {DType::kTQ2_0, "tq2_0", DTypeKind::kBlock, 256, 66, 35},
      {DType::kMXFP4, "mxfp4", DTypeKind::kBlock, 32, 17, 39},
  };
  return kTable;
}

struct Alias {
  const char* alias;
  DType dtype;
};
constexpr std::array<Alias, 10> kAliases = {{
    {"fp32", DType::kF32},
    {"float32", DType::kF32},
    {"fp16", DType::kF16},
    {"float16", DType::kF16},
    {"half", DType::kF16},
    {"bfloat16", DType::kBF16},
    {"fp8", DType::kFP8E4M3},
    {"e4m3", DType::kFP8E4M3},
    {"e5m2", DType::kFP8E5M2},
    {"fp64", DType::kF64},
}};

}  // namespace

const std::vector<DTypeInfo>& all_dtypes() {
  return table();
}

const DTypeInfo& info(DType t) {
  const auto& tab = table();
  const auto idx = static_cast<std::size_t>(t);
  LLMSIZER_CHECK(idx < tab.size() && tab[idx].dtype == t, "dtype table out of order");
  return tab[idx];
}

std::string_view name(DType t) {
  return info(t).name;
}

std::optional<DType> parse_dtype(std::string_view s) {
  const std::string l = to_lower(s);
  for (const auto& e : table())
    if (l == e.name) return e.dtype;
  for (const auto& a : kAliases)
    if (l == a.alias) return a.dtype;
  return std::nullopt;
}

std::optional<DType> dtype_from_ggml(int ggml_type) {
  for (const auto& e : table())
    if (e.ggml_type == ggml_type && ggml_type >= 0) return e.dtype;
  return std::nullopt;
}

bool is_float(DType t) {
  return info(t).kind == DTypeKind::kFloat;
}
bool is_block_quantized(DType t) {
  return info(t).kind == DTypeKind::kBlock;
}

int default_group_size(DType t) {
  if (t == DType::kInt4) return 128;
  return 0;
}

namespace {
// Scale/zero bytes per group for group-scaled integers: f16 scale, plus a packed 4-bit zero
// point for int4 (AWQ/GPTQ asymmetric layout) counted as half a byte.
double group_overhead_bytes(DType t) {
  return t == DType::kInt4 ? 2.5 : 2.0;
}
}  // namespace

double bits_per_element(DType t, int group_size) {
  const auto& i = info(t);
  if (i.kind == DTypeKind::kGroupScaled) {
    const double value_bits = t == DType::kInt4 ? 4.0 : 8.0;
    const int g = group_size < 0 ? default_group_size(t) : group_size;
    if (g <= 0) return value_bits;  // per-channel scales are negligible per element
    return value_bits + 8.0 * group_overhead_bytes(t) / g;
  }
  return 8.0 * i.block_bytes / i.block_elems;
}

bool row_fits_blocks(DType t, std::uint64_t cols) {
  const auto& i = info(t);
  if (i.kind != DTypeKind::kBlock) return true;
  return cols % static_cast<std::uint64_t>(i.block_elems) == 0;
}

std::uint64_t tensor_bytes(DType t, std::uint64_t rows, std::uint64_t cols, int group_size) {
  const auto& i = info(t);
  const std::uint64_t n = rows * cols;
  switch (i.kind) {
    case DTypeKind::kFloat:
    case DTypeKind::kInteger:
      return n * static_cast<std::uint64_t>(i.block_bytes);
    case DTypeKind::kGroupScaled: {
      const std::uint64_t values = t == DType::kInt4 ? (n + 1) / 2 : n;
      const int g = group_size < 0 ? default_group_size(t) : group_size;
      if (g <= 0) return values + rows * 2;  // one f16 scale per output row
      const std::uint64_t groups_per_row = (cols + static_cast<std::uint64_t>(g) - 1) / g;
      const double overhead = group_overhead_bytes(t) * static_cast<double>(rows * groups_per_row);
      return values + static_cast<std::uint64_t>(overhead + 0.5);
    }
    case DTypeKind::kBlock: {
      const auto be = static_cast<std::uint64_t>(i.block_elems);
      const std::uint64_t blocks_per_row = (cols + be - 1) / be;
      return rows * blocks_per_row * static_cast<std::uint64_t>(i.block_bytes);
    }
  }
  return 0;
}

std::string dtype_names() {
  std::string out;
  for (const auto& e : table()) {
    if (!out.empty()) out += ", ";
    out += e.name;
  }
  return out;
}

}  // namespace llmsizer::core
