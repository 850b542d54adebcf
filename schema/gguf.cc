// gguf.cc — reads the header of a llama.cpp GGUF file (metadata key/values and tensor
// infos, never the weights) into a ModelSpec with the exact stored type and bytes of every
// tensor. Format: ggml docs/gguf.md (versions 2 and 3, little-endian). Built to be fuzzed:
// every read is bounds-checked against the file size, every count and length is capped,
// and every failure becomes one `gguf: <what> at byte offset N` diagnostic.
#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "schema/model_spec.h"

namespace llmsizer::schema {
namespace {

using core::Activation;
using core::AttentionKind;
using core::Family;
using core::FfnKind;
using core::LayerWindow;
using core::NormKind;
using core::PositionKind;

// Limits: far above any real model, low enough that hostile files cannot make us allocate
// or loop without bound. Work is also bounded by the file size: every count is checked
// against the bytes left before the loop over it starts.
constexpr std::uint64_t kMaxStringBytes = std::uint64_t{1} << 20;
constexpr std::uint64_t kMaxKeyBytes = 65535;  // the spec's limit on key length
constexpr std::uint64_t kMaxTensorNameBytes = 64;
constexpr std::uint64_t kMaxArrayElements = std::uint64_t{1} << 24;
constexpr std::uint64_t kMaxTensors = std::uint64_t{1} << 20;
constexpr std::uint64_t kMaxKvs = std::uint64_t{1} << 20;
constexpr std::uint32_t kMaxDims = 4;
constexpr int kMaxArrayNesting = 8;
constexpr std::uint64_t kMaxTensorElements = std::uint64_t{1} << 50;
// Integer arrays up to this length are kept (per-layer head counts); longer ones (token
// types) are checked and skipped. Stored keys and values share one memory budget.
constexpr std::uint64_t kMaxStoredArray = 65536;
constexpr std::uint64_t kMaxStoredBytes = std::uint64_t{64} << 20;
constexpr std::uint64_t kDefaultAlignment = 32;
constexpr std::uint64_t kMetadataStart = 24;  // magic, version, tensor count, KV count

enum ValueType : std::uint32_t {
  kU8 = 0,
  kI8 = 1,
  kU16 = 2,
  kI16 = 3,
  kU32 = 4,
  kI32 = 5,
  kF32 = 6,
  kBool = 7,
  kString = 8,
  kArray = 9,
  kU64 = 10,
  kI64 = 11,
  kF64 = 12,
};
constexpr std::uint32_t kLastValueType = kF64;

const char* type_name(std::uint32_t t) {
  static constexpr std::array<const char*, 13> kNames = {
      "uint8", "int8",   "uint16", "int16",  "uint32", "int32",  "float32",
      "bool",  "string", "array",  "uint64", "int64",  "float64"};
  return t <= kLastValueType ? kNames[t] : "unknown";
}

// Bytes of one scalar element, or the fewest bytes a string/array element can take.
std::uint64_t min_value_bytes(std::uint32_t t) {
  switch (t) {
    case kU8:
    case kI8:
    case kBool:
      return 1;
    case kU16:
    case kI16:
      return 2;
    case kU32:
    case kI32:
    case kF32:
      return 4;
    case kU64:
    case kI64:
    case kF64:
      return 8;
    case kString:
      return 8;  // the length
    case kArray:
      return 12;  // element type + count
    default:
      return 1;
  }
}
bool is_integer_type(std::uint32_t t) {
  return t == kU8 || t == kI8 || t == kU16 || t == kI16 || t == kU32 || t == kI32 || t == kU64 ||
         t == kI64;
}
bool is_signed_type(std::uint32_t t) {
  return t == kI8 || t == kI16 || t == kI32 || t == kI64;
}

// One metadata value as kept for mapping: scalars, short strings, short integer arrays.
struct MetaValue {
  std::uint32_t type = kU8;
  std::uint32_t elem_type = kU8;  // arrays only
  std::uint64_t offset = 0;       // where the key/value pair starts in the file
  bool int_ok = false;            // `integer` holds the value (integers within int64)
  std::int64_t integer = 0;
  double real = 0;
  bool boolean = false;
  std::string text;
  bool array_stored = false;
  std::vector<std::int64_t> ints;  // integer arrays up to kMaxStoredArray elements
};

struct TensorEntry {
  GgufTensor tensor;
  std::uint64_t info_offset = 0;  // where its tensor info starts
  std::uint64_t data_offset = 0;  // relative to the start of the tensor data
};

struct Header {
  std::map<std::string, MetaValue> meta;
  std::vector<TensorEntry> tensors;
  std::uint64_t tensor_infos_start = 0;
  std::uint64_t data_start = 0;
};

std::string printable(const std::string& s) {
  std::string out;
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c < 0x7f && c != '\'')
      out += ch;
    else
      out += fmt::format("\\x{:02x}", c);
  }
  return out;
}

// A forward-only, buffered view of the file that knows its size. Callers check that the
// bytes they want exist (remaining()) before reading, so reads only fail on I/O errors.
class Cursor {
 public:
  bool open(const std::string& path, std::uint64_t size) {
    size_ = size;
    in_.open(path, std::ios::binary);
    return in_.is_open();
  }
  std::uint64_t offset() const { return buf_start_ + pos_; }
  std::uint64_t size() const { return size_; }
  std::uint64_t remaining() const { return size_ - offset(); }

  bool read(unsigned char* dst, std::size_t n) {
    while (n > 0) {
      if (pos_ == len_ && !refill()) return false;
      const std::size_t k = std::min(n, len_ - pos_);
      std::memcpy(dst, buf_.data() + pos_, k);
      pos_ += k;
      dst += k;
      n -= k;
    }
    return true;
  }

  bool skip(std::uint64_t n) {
    if (n <= len_ - pos_) {
      pos_ += static_cast<std::size_t>(n);
      return true;
    }
    const std::uint64_t target = offset() + n;
    buf_start_ = target;
    pos_ = len_ = 0;
    in_.clear();
    in_.seekg(static_cast<std::streamoff>(target));
    return static_cast<bool>(in_);
  }

 private:
  bool refill() {
    buf_start_ += len_;
    pos_ = len_ = 0;
    in_.clear();
    in_.read(reinterpret_cast<char*>(buf_.data()), static_cast<std::streamsize>(buf_.size()));
    len_ = static_cast<std::size_t>(in_.gcount());
    return len_ > 0;
  }

  std::ifstream in_;
  std::vector<unsigned char> buf_ = std::vector<unsigned char>(std::size_t{1} << 16);
  std::uint64_t buf_start_ = 0;  // file offset of buf_[0]
  std::size_t pos_ = 0;
  std::size_t len_ = 0;
  std::uint64_t size_ = 0;
};

// Parses the header; on the first problem records one message with its byte offset and
// every read after it fails.
class HeaderParser {
 public:
  explicit HeaderParser(Cursor& c) : c_(c) {}

  const std::string& error() const { return error_; }

  bool parse(Header& h) {
    std::array<unsigned char, 4> magic{};
    if (c_.size() < 4 || !c_.read(magic.data(), 4))
      return fail(fmt::format("not a GGUF file (the file has only {} bytes)", c_.size()), 0);
    const std::string m(magic.begin(), magic.end());
    if (m == "FUGG")  // the magic written as a big-endian integer
      return fail("big-endian GGUF files are not supported", 0);
    if (m != "GGUF")
      return fail(fmt::format("not a GGUF file (magic '{}', expected 'GGUF')", printable(m)), 0);

    std::uint64_t version = 0;
    if (!read_uint(4, version, "version")) return false;
    if ((version & 0xffff) == 0 && version != 0)
      return fail("big-endian GGUF files are not supported (byte-swapped version)", 4);
    if (version == 1)
      return fail(
          "GGUF version 1 is not supported (re-convert the model with a current "
          "llama.cpp; versions 2 and 3 are read)",
          4);
    if (version != 2 && version != 3)
      return fail(fmt::format("unsupported GGUF version {} (versions 2 and 3 are read)", version),
                  4);

    std::uint64_t n_tensors = 0;
    std::uint64_t n_kvs = 0;
    if (!read_uint(8, n_tensors, "tensor count")) return false;
    if (!read_uint(8, n_kvs, "metadata key/value count")) return false;
    if (n_tensors > kMaxTensors)
      return fail(fmt::format("tensor count {} exceeds the limit of {}", n_tensors, kMaxTensors),
                  8);
    if (n_kvs > kMaxKvs)
      return fail(
          fmt::format("metadata key/value count {} exceeds the limit of {}", n_kvs, kMaxKvs), 16);
    // Each KV needs at least a key length, a type and a 1-byte value; each tensor info a
    // name length, n_dims, one dim, a type and an offset.
    if (n_kvs * 13 > c_.remaining())
      return fail(fmt::format("unexpected end of file: {} metadata key/values cannot fit in the {} "
                              "bytes after the header",
                              n_kvs, c_.remaining()),
                  16);
    if (n_tensors * 32 > c_.remaining())
      return fail(
          fmt::format(
              "unexpected end of file: {} tensor infos cannot fit in the {} bytes after the header",
              n_tensors, c_.remaining()),
          8);

    for (std::uint64_t i = 0; i < n_kvs; ++i)
      if (!read_kv(h)) return false;

    std::uint64_t alignment = kDefaultAlignment;
    if (auto it = h.meta.find("general.alignment"); it != h.meta.end()) {
      const MetaValue& v = it->second;
      if (!v.int_ok || v.integer <= 0 || v.integer > (1 << 30) ||
          !std::has_single_bit(static_cast<std::uint64_t>(v.integer)))
        return fail("general.alignment must be a power of two integer", v.offset);
      alignment = static_cast<std::uint64_t>(v.integer);
    }

    h.tensor_infos_start = c_.offset();
    h.tensors.reserve(static_cast<std::size_t>(n_tensors));
    std::set<std::string> names;
    for (std::uint64_t i = 0; i < n_tensors; ++i) {
      const std::uint64_t at = c_.offset();
      if (!read_tensor_info(h)) return false;
      if (!names.insert(h.tensors.back().tensor.name).second)
        return fail(
            fmt::format("duplicate tensor name '{}'", printable(h.tensors.back().tensor.name)), at);
    }

    // The tensor data starts at the next multiple of the alignment; every tensor must lie
    // inside the file (a check on the size only: the data is never read).
    const std::uint64_t end = c_.offset();
    h.data_start = end + (alignment - end % alignment) % alignment;
    const std::uint64_t data_bytes = h.data_start <= c_.size() ? c_.size() - h.data_start : 0;
    for (const auto& t : h.tensors) {
      if (t.data_offset % alignment != 0)
        return fail(fmt::format("tensor '{}' data offset {} is not a multiple of the alignment {}",
                                printable(t.tensor.name), t.data_offset, alignment),
                    t.info_offset);
      if (h.data_start > c_.size() || t.data_offset > data_bytes ||
          t.tensor.bytes > data_bytes - t.data_offset)
        return fail(fmt::format("tensor '{}' ({} bytes at data offset {}) extends past the end of "
                                "the file ({} bytes): the file is truncated",
                                printable(t.tensor.name), t.tensor.bytes, t.data_offset, c_.size()),
                    t.info_offset);
    }
    return true;
  }

 private:
  bool fail(std::string what, std::uint64_t offset) {
    if (error_.empty()) error_ = fmt::format("{} at byte offset {}", what, offset);
    return false;
  }

  // Reads `n` bytes that the caller says should be there.
  bool need(std::uint64_t n, const char* what) {
    if (n > c_.remaining())
      return fail(fmt::format("unexpected end of file reading {} ({} bytes needed, {} left)", what,
                              n, c_.remaining()),
                  c_.offset());
    return true;
  }
  bool read_bytes(unsigned char* dst, std::size_t n, const char* what) {
    const std::uint64_t at = c_.offset();
    if (!need(n, what)) return false;
    if (!c_.read(dst, n)) return fail(fmt::format("I/O error reading {}", what), at);
    return true;
  }
  bool skip(std::uint64_t n, const char* what) {
    const std::uint64_t at = c_.offset();
    if (!need(n, what)) return false;
    if (!c_.skip(n)) return fail(fmt::format("I/O error reading {}", what), at);
    return true;
  }
  // Little-endian unsigned integer of `n` (1..8) bytes.
  bool read_uint(std::size_t n, std::uint64_t& out, const char* what) {
    std::array<unsigned char, 8> b{};
    if (!read_bytes(b.data(), n, what)) return false;
    out = 0;
    for (std::size_t i = 0; i < n; ++i) out |= static_cast<std::uint64_t>(b[i]) << (8 * i);
    return true;
  }
  bool read_u32(std::uint32_t& out, const char* what) {
    std::uint64_t v = 0;
    if (!read_uint(4, v, what)) return false;
    out = static_cast<std::uint32_t>(v);
    return true;
  }

  // A GGUF string: u64 length, then that many bytes. `out` null: checked and skipped.
  bool read_string(std::string* out, std::uint64_t cap, const char* what) {
    const std::uint64_t at = c_.offset();
    std::uint64_t len = 0;
    if (!read_uint(8, len, what)) return false;
    if (len > cap)
      return fail(fmt::format("{} length {} exceeds the limit of {} bytes", what, len, cap), at);
    if (len > c_.remaining())
      return fail(fmt::format("unexpected end of file: {} length {} is larger than the {} bytes "
                              "left in the file",
                              what, len, c_.remaining()),
                  at);
    if (out == nullptr) return skip(len, what);
    out->assign(static_cast<std::size_t>(len), '\0');
    return len == 0 || read_bytes(reinterpret_cast<unsigned char*>(out->data()), out->size(), what);
  }

  bool charge(std::uint64_t bytes, std::uint64_t at) {
    stored_bytes_ += bytes;
    if (stored_bytes_ > kMaxStoredBytes)
      return fail(fmt::format("metadata exceeds the limit of {} bytes", kMaxStoredBytes), at);
    return true;
  }

  // A scalar of type `t` (not string/array) as integer/real/bool.
  bool read_scalar(std::uint32_t t, MetaValue& v, const char* what) {
    const std::uint64_t at = c_.offset();
    std::uint64_t raw = 0;
    const auto n = static_cast<std::size_t>(min_value_bytes(t));
    if (!read_uint(n, raw, what)) return false;
    v.int_ok = false;
    if (t == kBool) {
      if (raw > 1) return fail(fmt::format("bool {} is {} (must be 0 or 1)", what, raw), at);
      v.boolean = raw == 1;
    } else if (t == kF32) {
      v.real = std::bit_cast<float>(static_cast<std::uint32_t>(raw));
    } else if (t == kF64) {
      v.real = std::bit_cast<double>(raw);
    } else if (is_signed_type(t)) {
      const unsigned bits = static_cast<unsigned>(8 * n);
      std::int64_t s = static_cast<std::int64_t>(raw);
      if (bits < 64 && (raw >> (bits - 1)) != 0)
        s = static_cast<std::int64_t>(raw | (~std::uint64_t{0} << bits));
      v.integer = s;
      v.int_ok = true;
    } else {
      v.int_ok = raw <= static_cast<std::uint64_t>(INT64_MAX);
      v.integer = v.int_ok ? static_cast<std::int64_t>(raw) : 0;
    }
    return true;
  }

  // The value of type `t`; `store` null: checked and skipped.
  bool read_value(std::uint32_t t, int depth, MetaValue* store) {
    if (t == kString) {
      if (store == nullptr) return read_string(nullptr, kMaxStringBytes, "string");
      if (!read_string(&store->text, kMaxStringBytes, "string")) return false;
      return charge(store->text.size(), store->offset);
    }
    if (t != kArray) {
      MetaValue scratch;
      return read_scalar(t, store != nullptr ? *store : scratch, "value");
    }
    const std::uint64_t at = c_.offset();
    std::uint32_t elem = 0;
    std::uint64_t count = 0;
    if (!read_u32(elem, "array element type")) return false;
    if (elem > kLastValueType) return fail(fmt::format("unknown array element type {}", elem), at);
    if (!read_uint(8, count, "array length")) return false;
    if (count > kMaxArrayElements)
      return fail(
          fmt::format("array of {} elements exceeds the limit of {}", count, kMaxArrayElements),
          at + 4);
    if (count * min_value_bytes(elem) > c_.remaining())
      return fail(
          fmt::format(
              "unexpected end of file: array of {} {} elements cannot fit in the {} bytes left",
              count, type_name(elem), c_.remaining()),
          at + 4);
    if (elem == kArray && depth + 1 >= kMaxArrayNesting)
      return fail(fmt::format("arrays nested deeper than {} levels", kMaxArrayNesting), at);
    if (store != nullptr) store->elem_type = elem;

    if (elem == kString || elem == kArray) {
      for (std::uint64_t i = 0; i < count; ++i)
        if (!read_value(elem, depth + 1, nullptr)) return false;
      return true;
    }
    const bool keep = store != nullptr && is_integer_type(elem) && count <= kMaxStoredArray;
    if (!keep && elem != kBool) return skip(count * min_value_bytes(elem), "array data");
    if (keep) {
      if (!charge(count * 8, store->offset)) return false;
      store->ints.reserve(static_cast<std::size_t>(count));
      store->array_stored = true;
    }
    MetaValue scalar;
    for (std::uint64_t i = 0; i < count; ++i) {
      if (!read_scalar(elem, scalar, "array element")) return false;
      if (keep && scalar.int_ok) store->ints.push_back(scalar.integer);
      if (keep && !scalar.int_ok) store->array_stored = false;  // beyond int64: not used
    }
    return true;
  }

  bool read_kv(Header& h) {
    const std::uint64_t at = c_.offset();
    std::string key;
    if (!read_string(&key, kMaxKeyBytes, "metadata key")) return false;
    if (!charge(key.size() + 64, at)) return false;
    const std::uint64_t type_at = c_.offset();
    std::uint32_t type = 0;
    if (!read_u32(type, "metadata value type")) return false;
    if (type > kLastValueType)
      return fail(fmt::format("unknown metadata value type {} for key '{}'", type, printable(key)),
                  type_at);
    auto [it, inserted] = h.meta.try_emplace(key);
    if (!inserted) return fail(fmt::format("duplicate metadata key '{}'", printable(key)), at);
    it->second.type = type;
    it->second.offset = at;
    return read_value(type, 0, &it->second);
  }

  bool read_tensor_info(Header& h) {
    const std::uint64_t at = c_.offset();
    TensorEntry e;
    e.info_offset = at;
    GgufTensor& t = e.tensor;
    if (!read_string(&t.name, kMaxTensorNameBytes, "tensor name")) return false;
    const std::string name = printable(t.name);
    const std::uint64_t dims_at = c_.offset();
    std::uint32_t n_dims = 0;
    if (!read_u32(n_dims, "tensor n_dims")) return false;
    if (n_dims < 1 || n_dims > kMaxDims)
      return fail(fmt::format("tensor '{}' has {} dimensions (1 to {} are allowed)", name, n_dims,
                              kMaxDims),
                  dims_at);
    std::uint64_t elements = 1;
    for (std::uint32_t d = 0; d < n_dims; ++d) {
      const std::uint64_t d_at = c_.offset();
      std::uint64_t ne = 0;
      if (!read_uint(8, ne, "tensor dimension")) return false;
      if (ne > kMaxTensorElements || (ne != 0 && elements > kMaxTensorElements / ne))
        return fail(fmt::format("tensor '{}' has more than 2^50 elements (dimension {} is {})",
                                name, d, ne),
                    d_at);
      elements *= ne;
      t.shape.push_back(ne);
    }
    const std::uint64_t type_at = c_.offset();
    std::uint32_t ggml_type = 0;
    if (!read_u32(ggml_type, "tensor type")) return false;
    const auto dtype =
        ggml_type <= 1024 ? core::dtype_from_ggml(static_cast<int>(ggml_type)) : std::nullopt;
    if (!dtype)
      return fail(fmt::format("tensor '{}' has unknown ggml type {}", name, ggml_type), type_at);
    t.dtype = *dtype;
    if (!core::row_fits_blocks(t.dtype, t.shape[0]))
      return fail(
          fmt::format("tensor '{}': row length {} is not a multiple of the {} block of {} "
                      "elements",
                      name, t.shape[0], core::name(t.dtype), core::info(t.dtype).block_elems),
          dims_at);
    const std::uint64_t cols = t.shape[0];
    const std::uint64_t rows = cols == 0 ? 0 : elements / cols;
    t.bytes = core::tensor_bytes(t.dtype, rows, cols);
    if (!read_uint(8, e.data_offset, "tensor data offset")) return false;
    h.tensors.push_back(std::move(e));
    return true;
  }

  Cursor& c_;
  std::string error_;
  std::uint64_t stored_bytes_ = 0;
};

// ---------------------------------------------------------------------------------------
// Header -> ModelSpec

// What a GGUF architecture implies that the header does not say. These follow the real
// families (HF modelling code / llama.cpp's graphs):
//   llama (also Mistral, Mixtral): RMSNorm, SwiGLU (silu), RoPE, sequential block.
//   qwen2: as llama; q/k/v biases come from the tensors.
//   gemma2: RMSNorm, GeGLU with tanh GELU, RoPE; local sliding-window layers alternate with
//     global ones starting with a sliding layer (pattern [sliding, full]).
//   phi3: RMSNorm, SwiGLU, RoPE, sequential (Phi-2, not Phi-3, has the parallel block);
//     every layer uses the sliding window when one is given.
//   falcon: LayerNorm, plain GELU MLP, RoPE, parallel attention/MLP (7B and 40B+ alike).
//   mpt: LayerNorm, plain GELU MLP, ALiBi (no rotary), sequential block.
//   gptj: LayerNorm, plain MLP with gelu_new (tanh), partial RoPE, parallel block.
//   gptneox: LayerNorm, plain GELU MLP, partial RoPE, parallel residual unless
//     gptneox.use_parallel_residual says otherwise.
//   deepseek2 (DeepSeek-V2/V3; DeepSeek-V3 files say deepseek2): MLA attention, SwiGLU,
//     MoE after the leading dense blocks; family deepseek_v3.
struct ArchTraits {
  const char* gguf_name;
  Family family;
  NormKind norm;
  Activation activation;
  PositionKind position;
  bool parallel_block;
  bool mla;
};

constexpr std::array<ArchTraits, 9> kArchs = {{
    {"llama", Family::kLlama, NormKind::kRmsNorm, Activation::kSilu, PositionKind::kRope, false,
     false},
    {"qwen2", Family::kQwen2, NormKind::kRmsNorm, Activation::kSilu, PositionKind::kRope, false,
     false},
    {"gemma2", Family::kGemma2, NormKind::kRmsNorm, Activation::kGeluTanh, PositionKind::kRope,
     false, false},
    {"phi3", Family::kPhi3, NormKind::kRmsNorm, Activation::kSilu, PositionKind::kRope, false,
     false},
    {"falcon", Family::kFalcon, NormKind::kLayerNorm, Activation::kGelu, PositionKind::kRope, true,
     false},
    {"mpt", Family::kMpt, NormKind::kLayerNorm, Activation::kGelu, PositionKind::kAlibi, false,
     false},
    {"gptj", Family::kGptJ, NormKind::kLayerNorm, Activation::kGeluTanh, PositionKind::kRope, true,
     false},
    {"gptneox", Family::kGptNeoX, NormKind::kLayerNorm, Activation::kGelu, PositionKind::kRope,
     true, false},
    {"deepseek2", Family::kDeepseekV3, NormKind::kRmsNorm, Activation::kSilu, PositionKind::kRope,
     false, true},
}};

std::string supported_archs() {
  std::string out;
  for (const auto& a : kArchs) {
    if (!out.empty()) out += ", ";
    out += a.gguf_name;
  }
  return out;
}

// llama.cpp's llama_ftype values (include/llama.h) for general.file_type.
struct FileType {
  std::int64_t id;
  const char* name;
};
constexpr std::array<FileType, 34> kFileTypes = {{
    {0, "f32"},     {1, "f16"},      {2, "q4_0"},     {3, "q4_1"},       {4, "q4_1_some_f16"},
    {7, "q8_0"},    {8, "q5_0"},     {9, "q5_1"},     {10, "q2_k"},      {11, "q3_k_s"},
    {12, "q3_k_m"}, {13, "q3_k_l"},  {14, "q4_k_s"},  {15, "q4_k_m"},    {16, "q5_k_s"},
    {17, "q5_k_m"}, {18, "q6_k"},    {19, "iq2_xxs"}, {20, "iq2_xs"},    {21, "q2_k_s"},
    {22, "iq3_xs"}, {23, "iq3_xxs"}, {24, "iq1_s"},   {25, "iq4_nl"},    {26, "iq3_s"},
    {27, "iq3_m"},  {28, "iq2_s"},   {29, "iq2_m"},   {30, "iq4_xs"},    {31, "iq1_m"},
    {32, "bf16"},   {36, "tq1_0"},   {37, "tq2_0"},   {38, "mxfp4_moe"},
}};

const char* file_type_name(std::int64_t ftype) {
  for (const auto& f : kFileTypes)
    if (f.id == ftype) return f.name;
  return nullptr;
}

class Mapper {
 public:
  Mapper(const Header& h, const std::string& path, core::Diagnostics& diags)
      : h_(h), path_(path), diags_(diags) {
    for (std::size_t i = 0; i < h.tensors.size(); ++i) by_name_[h.tensors[i].tensor.name] = i;
  }

  void error(const std::string& what, std::uint64_t offset) {
    diags_.error({path_, 0, 0}, "gguf", fmt::format("{} at byte offset {}", what, offset));
  }

  const MetaValue* find(const std::string& key) const {
    auto it = h_.meta.find(key);
    return it == h_.meta.end() ? nullptr : &it->second;
  }

  std::optional<std::string> get_string(const std::string& key) {
    const MetaValue* v = find(key);
    if (v == nullptr) return std::nullopt;
    if (v->type != kString) {
      error(fmt::format("key '{}' is a {}, expected a string", key, type_name(v->type)), v->offset);
      return std::nullopt;
    }
    return v->text;
  }

  std::optional<bool> get_bool(const std::string& key) {
    const MetaValue* v = find(key);
    if (v == nullptr) return std::nullopt;
    if (v->type != kBool) {
      error(fmt::format("key '{}' is a {}, expected a bool", key, type_name(v->type)), v->offset);
      return std::nullopt;
    }
    return v->boolean;
  }

  // An integer in [0, 2^40]; an integer array (one value per layer) is accepted when all
  // its values agree. Missing and `required`: an error.
  std::optional<std::int64_t> get_int(const std::string& key, bool required,
                                      const char* per_layer_what = "per-layer values") {
    const MetaValue* v = find(key);
    if (v == nullptr) {
      if (required) error(fmt::format("missing key '{}'", key), kMetadataStart);
      return std::nullopt;
    }
    constexpr std::int64_t kMax = std::int64_t{1} << 40;
    std::int64_t value = 0;
    if (is_integer_type(v->type)) {
      if (!v->int_ok) {
        error(fmt::format("key '{}' is out of range", key), v->offset);
        return std::nullopt;
      }
      value = v->integer;
    } else if (v->type == kArray && is_integer_type(v->elem_type) && v->array_stored) {
      if (v->ints.empty()) {
        error(fmt::format("key '{}' is an empty array", key), v->offset);
        return std::nullopt;
      }
      value = v->ints.front();
      for (const std::int64_t x : v->ints) {
        if (x != value) {
          error(fmt::format("key '{}' has per-layer values that differ ({} and {}): {} are not "
                            "supported",
                            key, value, x, per_layer_what),
                v->offset);
          return std::nullopt;
        }
      }
    } else {
      error(fmt::format("key '{}' is a {}, expected an integer", key, type_name(v->type)),
            v->offset);
      return std::nullopt;
    }
    if (value < 0 || value > kMax) {
      error(fmt::format("key '{}' value {} is out of range [0, 2^40]", key, value), v->offset);
      return std::nullopt;
    }
    return value;
  }

  const TensorEntry* tensor(const std::string& name) const {
    auto it = by_name_.find(name);
    return it == by_name_.end() ? nullptr : &h_.tensors[it->second];
  }
  bool has(const std::string& name) const { return by_name_.count(name) != 0; }

  std::optional<ModelSpec> map() {
    const std::size_t errors_before = diags_.error_count();
    ModelSpec spec;
    const std::filesystem::path p(path_);
    const std::string stem = p.stem().string();
    spec.id = core::to_lower(stem);
    spec.name = get_string("general.name").value_or(stem);
    spec.origin = ModelOrigin::kGguf;
    spec.origin_path = path_;
    spec.source = "GGUF header of " + path_;

    if (const MetaValue* ft = find("general.file_type")) {
      if (auto n = get_int("general.file_type", false)) {
        if (const char* fname = file_type_name(*n))
          spec.gguf_file_type = fname;
        else
          diags_.warning(
              {path_, 0, 0}, "gguf",
              fmt::format("unknown general.file_type {} at byte offset {}", *n, ft->offset));
      }
    }

    for (const auto& t : h_.tensors) spec.gguf_tensors.push_back(t.tensor);

    const auto arch_name = get_string("general.architecture");
    if (!arch_name) {
      if (find("general.architecture") == nullptr)
        error("missing key 'general.architecture'", kMetadataStart);
      return std::nullopt;
    }
    const ArchTraits* traits = nullptr;
    for (const auto& a : kArchs)
      if (*arch_name == a.gguf_name) traits = &a;
    if (traits == nullptr) {
      error(fmt::format("unsupported architecture '{}' (supported: {})", printable(*arch_name),
                        supported_archs()),
            find("general.architecture")->offset);
      return std::nullopt;
    }
    map_arch(*traits, spec.arch);
    if (diags_.error_count() != errors_before) return std::nullopt;

    for (const auto& prob : core::check_arch(spec.arch))
      error(fmt::format("{}: {} (as read from the metadata)", prob.key_path, prob.message),
            kMetadataStart);
    if (diags_.error_count() != errors_before) return std::nullopt;
    return spec;
  }

 private:
  void map_arch(const ArchTraits& tr, core::ModelArch& a) {
    const std::string k = std::string(tr.gguf_name) + ".";
    a.family = tr.family;
    a.position = tr.position;
    a.parallel_block = tr.parallel_block;
    a.ffn.activation = tr.activation;

    a.num_layers = get_int(k + "block_count", true).value_or(0);
    a.hidden_size = get_int(k + "embedding_length", true).value_or(0);
    a.max_context = get_int(k + "context_length", true).value_or(0);
    auto& at = a.attention;
    at.num_heads = get_int(k + "attention.head_count", true, "per-layer head counts").value_or(0);
    at.num_kv_heads = get_int(k + "attention.head_count_kv", false, "per-layer head counts")
                          .value_or(at.num_heads);
    at.sliding_window = get_int(k + "attention.sliding_window", false).value_or(0);
    if (tr.family == Family::kGemma2 && at.sliding_window > 0)
      at.window_pattern = {LayerWindow::kSliding, LayerWindow::kFull};
    if (tr.family == Family::kGptNeoX)
      a.parallel_block = get_bool(k + "use_parallel_residual").value_or(true);

    // Vocabulary: the rows of the token embedding.
    if (const TensorEntry* emb = tensor("token_embd.weight");
        emb && emb->tensor.shape.size() >= 2) {
      a.vocab_size = static_cast<std::int64_t>(emb->tensor.shape[1]);
    } else {
      error("missing 2-D tensor 'token_embd.weight' (the vocabulary size comes from its shape)",
            h_.tensor_infos_start);
    }
    a.tie_embeddings = !has("output.weight");
    a.lm_head_bias = has("output.bias");
    a.norm.final_norm = has("output_norm.weight");

    // Biases and norms, from the tensors of the first block.
    at.qkv_bias = has("blk.0.attn_q.bias") || has("blk.0.attn_qkv.bias");
    at.out_bias = has("blk.0.attn_output.bias");
    a.ffn.bias = has("blk.0.ffn_up.bias");
    a.norm.bias = has("blk.0.attn_norm.bias");
    a.norm.kind = a.norm.bias ? NormKind::kLayerNorm : tr.norm;
    // Per-layer norms of width d: MLA's low-rank norms (attn_q_a_norm, attn_kv_a_norm) and
    // per-head q/k norms are not block norms and are left out.
    std::int64_t norms = 0;
    for (const auto& t : h_.tensors) {
      const std::string& n = t.tensor.name;
      constexpr std::string_view kPrefix = "blk.0.";
      constexpr std::string_view kSuffix = ".weight";
      if (n.size() <= kPrefix.size() + kSuffix.size() ||
          n.compare(0, kPrefix.size(), kPrefix) != 0 ||
          n.compare(n.size() - kSuffix.size(), kSuffix.size(), kSuffix) != 0)
        continue;
      const std::string base = n.substr(kPrefix.size(), n.size() - kPrefix.size() - kSuffix.size());
      if (base.find("norm") == std::string::npos) continue;
      if (base == "attn_q_a_norm" || base == "attn_kv_a_norm" || base == "attn_q_norm" ||
          base == "attn_k_norm")
        continue;
      ++norms;
    }
    a.norm.per_layer = norms;

    // FFN: gated iff the first block has a gate projection (dense, expert or shared).
    const bool gated = has("blk.0.ffn_gate.weight") || has("blk.0.ffn_gate_exps.weight") ||
                       has("blk.0.ffn_gate.0.weight") || has("blk.0.ffn_gate_shexp.weight");
    a.ffn.kind = gated ? FfnKind::kGated : FfnKind::kPlain;
    auto ff = get_int(k + "feed_forward_length", false, "per-layer FFN sizes");
    if (!ff) {
      // Some converters leave it out; the first block's up projection has it.
      if (const TensorEntry* up = tensor("blk.0.ffn_up.weight"); up && up->tensor.shape.size() >= 2)
        ff = static_cast<std::int64_t>(up->tensor.shape[1]);
      else
        error(fmt::format("missing key '{}feed_forward_length'", k), kMetadataStart);
    }
    a.ffn.intermediate_size = ff.value_or(0);
    // Phi-3 stores gate and up fused in ffn_up (2*I rows).
    if (tr.family == Family::kPhi3 && !gated) {
      if (const TensorEntry* up = tensor("blk.0.ffn_up.weight");
          up && up->tensor.shape.size() >= 2 && ff &&
          up->tensor.shape[1] == 2 * static_cast<std::uint64_t>(*ff)) {
        a.ffn.kind = FfnKind::kGated;
        a.ffn.intermediate_size = static_cast<std::int64_t>(up->tensor.shape[1] / 2);
      }
    }

    // Mixture of experts.
    a.moe.num_experts = get_int(k + "expert_count", false).value_or(0);
    if (a.moe.num_experts > 0) {
      a.moe.top_k = get_int(k + "expert_used_count", true).value_or(0);
      a.moe.expert_intermediate_size =
          get_int(k + "expert_feed_forward_length", false).value_or(a.ffn.intermediate_size);
      a.moe.num_shared_experts = get_int(k + "expert_shared_count", false).value_or(0);
      a.moe.first_dense_layers = get_int(k + "leading_dense_block_count", false).value_or(0);
      a.moe.router_bias = has(fmt::format("blk.{}.exp_probs_b.bias", a.moe.first_dense_layers)) ||
                          has(fmt::format("blk.{}.ffn_gate_inp.bias", a.moe.first_dense_layers));
      if (tr.family == Family::kLlama) a.family = Family::kMixtral;
    }

    const auto rope_dims = get_int(k + "rope.dimension_count", false);
    if (tr.mla) {
      // MLA. Current llama.cpp converters write the absorbed (MQA-like) shapes as
      // key_length/value_length and the original head sizes as key_length_mla /
      // value_length_mla; older files have only the originals. KV heads do not exist in
      // MLA: num_kv_heads is set to num_heads.
      at.kind = AttentionKind::kMla;
      at.num_kv_heads = at.num_heads;
      auto& m = at.mla;
      m.q_lora_rank = get_int(k + "attention.q_lora_rank", false).value_or(0);
      m.kv_lora_rank = get_int(k + "attention.kv_lora_rank", true).value_or(0);
      m.qk_rope_head_dim = rope_dims.value_or(64);  // DeepSeek-V2/V3 use 64
      const auto key_len = find(k + "attention.key_length_mla")
                               ? get_int(k + "attention.key_length_mla", true)
                               : get_int(k + "attention.key_length", true);
      const auto value_len = find(k + "attention.value_length_mla")
                                 ? get_int(k + "attention.value_length_mla", true)
                                 : get_int(k + "attention.value_length", true);
      m.qk_nope_head_dim = key_len.value_or(0) - m.qk_rope_head_dim;
      m.v_head_dim = value_len.value_or(0);
      at.head_dim = key_len.value_or(0);
      a.rotary_dim = 0;
    } else {
      const std::int64_t default_head_dim = at.num_heads > 0 ? a.hidden_size / at.num_heads : 0;
      at.head_dim = get_int(k + "attention.key_length", false).value_or(default_head_dim);
      if (a.position == PositionKind::kRope && rope_dims && *rope_dims < at.head_dim)
        a.rotary_dim = *rope_dims;
    }
  }

  const Header& h_;
  const std::string& path_;
  core::Diagnostics& diags_;
  std::map<std::string, std::size_t> by_name_;
};

std::optional<ModelSpec> load(const std::string& path, core::Diagnostics& diags) {
  auto fail = [&](const std::string& what, std::uint64_t offset) {
    diags.error({path, 0, 0}, "gguf", fmt::format("{} at byte offset {}", what, offset));
    return std::nullopt;
  };
  std::error_code ec;
  const auto st = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(st)) return fail("cannot open the file: no such file", 0);
  if (ec) return fail(fmt::format("cannot open the file: {}", ec.message()), 0);
  if (std::filesystem::is_directory(st)) return fail("the path is a directory, not a GGUF file", 0);
  if (!std::filesystem::is_regular_file(st)) return fail("not a regular file", 0);
  const std::uint64_t size = std::filesystem::file_size(path, ec);
  if (ec) return fail(fmt::format("cannot read the file size ({})", ec.message()), 0);

  Cursor cursor;
  if (!cursor.open(path, size)) return fail("cannot open the file", 0);
  Header header;
  HeaderParser parser(cursor);
  if (!parser.parse(header)) {
    diags.error({path, 0, 0}, "gguf", parser.error());
    return std::nullopt;
  }
  return Mapper(header, path, diags).map();
}

}  // namespace

std::optional<ModelSpec> load_gguf(const std::string& path, core::Diagnostics& diags) {
  try {
    return load(path, diags);
  } catch (const std::exception& e) {
    diags.error(
        {path, 0, 0}, "gguf",
        fmt::format("internal error while reading the header ({}) at byte offset 0", e.what()));
  } catch (...) {
    diags.error({path, 0, 0}, "gguf", "internal error while reading the header at byte offset 0");
  }
  return std::nullopt;
}

}  // namespace llmsizer::schema
