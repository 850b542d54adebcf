// test_gguf.cc — the GGUF header reader (schema/gguf.cc) against small GGUF files that the
// tests write themselves (a tiny writer following ggml docs/gguf.md): architecture fields,
// exact tensor bytes, parameter counts, and every kind of broken file (truncated at every
// header byte, absurd counts, unknown types, garbage), which must give one located error.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <regex>
#include <string>
#include <vector>

#include "core/diagnostics.h"
#include "core/model_arch.h"
#include "schema/model_spec.h"
#include "test_paths.h"

namespace fs = std::filesystem;
using llmsizer::core::Diagnostics;
using llmsizer::schema::load_gguf;
using llmsizer::schema::ModelSpec;

namespace {

// GGML type ids and GGUF value types (docs/gguf.md).
constexpr std::uint32_t kF32 = 0, kF16 = 1, kQ4_0 = 2, kQ8_0 = 8, kQ6_K = 14;
enum : std::uint32_t {
  kVU8 = 0,
  kVI32 = 5,
  kVF32 = 6,
  kVBool = 7,
  kVString = 8,
  kVArray = 9,
  kVU64 = 10,
  kVF64 = 12,
};

// Storage of a tensor of `type` computed by hand: blocks of 32 (q4_0: 2-byte scale + 16
// bytes of nibbles = 18; q8_0: 2 + 32 = 34) or 256 weights (q6_k: 128 + 64 + 16 + 2 = 210).
std::uint64_t hand_bytes(std::uint32_t type, const std::vector<std::uint64_t>& dims) {
  std::uint64_t n = 1;
  for (auto d : dims) n *= d;
  switch (type) {
    case kF32:
      return n * 4;
    case kF16:
      return n * 2;
    case kQ4_0:
      return n / 32 * 18;
    case kQ8_0:
      return n / 32 * 34;
    case kQ6_K:
      return n / 256 * 210;
    default:
      return 0;
  }
}

// A minimal GGUF writer: little-endian, version 3, alignment 32, data zero-filled.
class GgufWriter {
 public:
  std::uint32_t version = 3;

  void kv_u32(const std::string& key, std::uint32_t v) { kv_head(key, 4), put(kvs_, v, 4); }
  void kv_u64(const std::string& key, std::uint64_t v) { kv_head(key, kVU64), put(kvs_, v, 8); }
  void kv_i32(const std::string& key, std::int32_t v) {
    kv_head(key, kVI32), put(kvs_, static_cast<std::uint32_t>(v), 4);
  }
  void kv_f32(const std::string& key, float v) {
    std::uint32_t bits = 0;
    std::memcpy(&bits, &v, 4);
    kv_head(key, kVF32), put(kvs_, bits, 4);
  }
  void kv_bool(const std::string& key, std::uint8_t v) { kv_head(key, kVBool), put(kvs_, v, 1); }
  void kv_str(const std::string& key, const std::string& v) {
    kv_head(key, kVString), str(kvs_, v);
  }
  void kv_u32_array(const std::string& key, const std::vector<std::uint32_t>& v) {
    kv_head(key, kVArray), put(kvs_, 4u, 4), put(kvs_, v.size(), 8);
    for (auto x : v) put(kvs_, x, 4);
  }
  void kv_str_array(const std::string& key, const std::vector<std::string>& v) {
    kv_head(key, kVArray), put(kvs_, kVString, 4), put(kvs_, v.size(), 8);
    for (const auto& x : v) str(kvs_, x);
  }
  // A key whose value bytes (type included) are given raw.
  void kv_raw(const std::string& key, const std::string& type_and_value) {
    ++n_kvs_;
    str(kvs_, key);
    kvs_ += type_and_value;
  }

  void tensor(const std::string& name, std::uint32_t type, std::vector<std::uint64_t> dims) {
    tensors_.push_back({name, type, std::move(dims)});
  }

  std::uint64_t data_bytes() const {
    std::uint64_t off = 0;
    for (const auto& t : tensors_) off = align(off) + hand_bytes(t.type, t.dims);
    return off;
  }

  std::string build() const {
    std::string out = "GGUF";
    put(out, version, 4);
    put(out, tensors_.size(), 8);
    put(out, n_kvs_, 8);
    out += kvs_;
    std::uint64_t off = 0;
    for (const auto& t : tensors_) {
      str(out, t.name);
      put(out, t.dims.size(), 4);
      for (auto d : t.dims) put(out, d, 8);
      put(out, t.type, 4);
      off = align(off);
      put(out, off, 8);
      off += hand_bytes(t.type, t.dims);
    }
    out.resize(align(out.size()), '\0');
    out.resize(out.size() + off, '\0');
    return out;
  }

  static void put(std::string& s, std::uint64_t v, int n) {
    for (int i = 0; i < n; ++i) s += static_cast<char>((v >> (8 * i)) & 0xff);
  }
  static void str(std::string& s, const std::string& v) {
    put(s, v.size(), 8);
    s += v;
  }

 private:
  struct Tensor {
    std::string name;
    std::uint32_t type;
    std::vector<std::uint64_t> dims;
  };
  static std::uint64_t align(std::uint64_t x) { return (x + 31) / 32 * 32; }
  void kv_head(const std::string& key, std::uint32_t type) {
    ++n_kvs_;
    str(kvs_, key);
    put(kvs_, type, 4);
  }
  std::string kvs_;
  std::uint64_t n_kvs_ = 0;
  std::vector<Tensor> tensors_;
};

std::string raw_u32(std::uint32_t v) {
  std::string s;
  GgufWriter::put(s, v, 4);
  return s;
}
std::string raw_u64(std::uint64_t v) {
  std::string s;
  GgufWriter::put(s, v, 8);
  return s;
}

// A private temp dir, removed at exit.
struct TempDir {
  fs::path path;
  TempDir() {
    std::random_device rd;
    path = fs::temp_directory_path() / ("llmsizer-gguf-test-" + std::to_string(rd()));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};
const fs::path& temp_dir() {
  static TempDir dir;
  return dir.path;
}

std::string write_file(const std::string& name, const std::string& bytes) {
  const fs::path p = temp_dir() / name;
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return p.string();
}

struct Tiny {
  std::string arch = "llama";
  std::uint64_t layers = 2, d = 256, heads = 4, kv = 2, ff = 512, vocab = 100, ctx = 2048;
  bool tied = false;
  std::uint32_t experts = 0, top_k = 0;
};

// A llama-shaped model: q4_0 matrices, q6_k for v/down/output, f32 norms.
GgufWriter tiny_llama(const Tiny& m) {
  GgufWriter w;
  const std::string a = m.arch + ".";
  w.kv_str("general.architecture", m.arch);
  w.kv_str("general.name", "Tiny Llama");
  w.kv_u32("general.file_type", 15);
  w.kv_u32("general.quantization_version", 2);
  w.kv_u32(a + "block_count", static_cast<std::uint32_t>(m.layers));
  w.kv_u32(a + "context_length", static_cast<std::uint32_t>(m.ctx));
  w.kv_u32(a + "embedding_length", static_cast<std::uint32_t>(m.d));
  w.kv_u32(a + "feed_forward_length", static_cast<std::uint32_t>(m.ff));
  w.kv_u32(a + "attention.head_count", static_cast<std::uint32_t>(m.heads));
  w.kv_u32(a + "attention.head_count_kv", static_cast<std::uint32_t>(m.kv));
  w.kv_u32(a + "rope.dimension_count", static_cast<std::uint32_t>(m.d / m.heads));
  w.kv_f32(a + "rope.freq_base", 500000.0f);
  w.kv_f32(a + "attention.layer_norm_rms_epsilon", 1e-5f);
  if (m.experts > 0) {
    w.kv_u32(a + "expert_count", m.experts);
    w.kv_u32(a + "expert_used_count", m.top_k);
  }
  w.kv_str("tokenizer.ggml.model", "gpt2");
  std::vector<std::string> tokens;
  std::vector<std::uint32_t> types;
  for (std::uint64_t i = 0; i < m.vocab; ++i) {
    tokens.push_back("tok" + std::to_string(i));
    types.push_back(1);
  }
  w.kv_str_array("tokenizer.ggml.tokens", tokens);
  w.kv_u32_array("tokenizer.ggml.token_type", types);

  const std::uint64_t hd = m.d / m.heads;
  w.tensor("token_embd.weight", kQ4_0, {m.d, m.vocab});
  for (std::uint64_t l = 0; l < m.layers; ++l) {
    const std::string b = "blk." + std::to_string(l) + ".";
    w.tensor(b + "attn_norm.weight", kF32, {m.d});
    w.tensor(b + "attn_q.weight", kQ4_0, {m.d, m.heads * hd});
    w.tensor(b + "attn_k.weight", kQ4_0, {m.d, m.kv * hd});
    w.tensor(b + "attn_v.weight", kQ6_K, {m.d, m.kv * hd});
    w.tensor(b + "attn_output.weight", kQ4_0, {m.heads * hd, m.d});
    w.tensor(b + "ffn_norm.weight", kF32, {m.d});
    if (m.experts > 0) {
      w.tensor(b + "ffn_gate_inp.weight", kF32, {m.d, m.experts});
      w.tensor(b + "ffn_gate_exps.weight", kQ4_0, {m.d, m.ff, m.experts});
      w.tensor(b + "ffn_up_exps.weight", kQ4_0, {m.d, m.ff, m.experts});
      w.tensor(b + "ffn_down_exps.weight", kQ8_0, {m.ff, m.d, m.experts});
    } else {
      w.tensor(b + "ffn_gate.weight", kQ4_0, {m.d, m.ff});
      w.tensor(b + "ffn_up.weight", kQ4_0, {m.d, m.ff});
      w.tensor(b + "ffn_down.weight", kQ6_K, {m.ff, m.d});
    }
  }
  w.tensor("output_norm.weight", kF32, {m.d});
  if (!m.tied) w.tensor("output.weight", kQ6_K, {m.d, m.vocab});
  return w;
}

std::uint64_t sum_elements(const ModelSpec& m) {
  std::uint64_t n = 0;
  for (const auto& t : m.gguf_tensors) {
    std::uint64_t e = 1;
    for (auto d : t.shape) e *= d;
    n += e;
  }
  return n;
}
std::uint64_t sum_bytes(const ModelSpec& m) {
  std::uint64_t n = 0;
  for (const auto& t : m.gguf_tensors) n += t.bytes;
  return n;
}

// Loads `bytes` written to `name`; the load must fail with exactly one located error
// `<path>: error: gguf: ... <substring> ... at byte offset N`.
void require_one_error(const std::string& path, const std::string& substring) {
  Diagnostics diags;
  const auto m = load_gguf(path, diags);
  INFO(diags.format());
  REQUIRE_FALSE(m.has_value());
  REQUIRE(diags.error_count() == 1);
  const std::string line = llmsizer::core::format_diagnostic(diags.items()[0]);
  CHECK(line.rfind(path + ": error: gguf: ", 0) == 0);
  CHECK(std::regex_search(line, std::regex(" at byte offset [0-9]+$")));
  CHECK(line.find(substring) != std::string::npos);
}
void require_bytes_fail(const std::string& name, const std::string& bytes,
                        const std::string& substring) {
  require_one_error(write_file(name, bytes), substring);
}

// Every diagnostic of a failed load is an error of the located form.
void require_located_failure(const std::string& path) {
  Diagnostics diags;
  const auto m = load_gguf(path, diags);
  INFO(diags.format());
  REQUIRE_FALSE(m.has_value());
  REQUIRE(diags.has_errors());
  for (const auto& d : diags.items()) {
    if (d.severity != llmsizer::core::Severity::kError) continue;
    const std::string line = llmsizer::core::format_diagnostic(d);
    CHECK(line.rfind(path + ": error: gguf: ", 0) == 0);
    CHECK(std::regex_search(line, std::regex(" at byte offset [0-9]+$")));
  }
}

std::string header_only(std::uint32_t version, std::uint64_t n_tensors, std::uint64_t n_kvs) {
  return "GGUF" + raw_u32(version) + raw_u64(n_tensors) + raw_u64(n_kvs);
}

}  // namespace

TEST_CASE("gguf: a tiny llama reads back with its architecture and exact tensor bytes") {
  const Tiny t;
  const std::string path = write_file("Tiny-Llama-Q4_K_M.gguf", tiny_llama(t).build());
  Diagnostics diags;
  const auto m = load_gguf(path, diags);
  INFO(diags.format());
  REQUIRE(m.has_value());
  CHECK(diags.empty());
  CHECK(m->id == "tiny-llama-q4_k_m");
  CHECK(m->name == "Tiny Llama");
  CHECK(m->origin == llmsizer::schema::ModelOrigin::kGguf);
  CHECK(m->origin_path == path);
  CHECK(m->gguf_file_type == "q4_k_m");

  const auto& a = m->arch;
  CHECK(a.family == llmsizer::core::Family::kLlama);
  CHECK(a.num_layers == 2);
  CHECK(a.hidden_size == 256);
  CHECK(a.vocab_size == 100);
  CHECK(a.max_context == 2048);
  CHECK(a.attention.kind == llmsizer::core::AttentionKind::kStandard);
  CHECK(a.attention.num_heads == 4);
  CHECK(a.attention.num_kv_heads == 2);
  CHECK(a.attention.head_dim == 64);
  CHECK(a.attention.sliding_window == 0);
  CHECK_FALSE(a.attention.qkv_bias);
  CHECK_FALSE(a.attention.out_bias);
  CHECK(a.rotary_dim == 0);
  CHECK(a.ffn.kind == llmsizer::core::FfnKind::kGated);
  CHECK(a.ffn.activation == llmsizer::core::Activation::kSilu);
  CHECK(a.ffn.intermediate_size == 512);
  CHECK_FALSE(a.ffn.bias);
  CHECK(a.norm.kind == llmsizer::core::NormKind::kRmsNorm);
  CHECK(a.norm.per_layer == 2);
  CHECK(a.norm.final_norm);
  CHECK_FALSE(a.norm.bias);
  CHECK_FALSE(a.tie_embeddings);
  CHECK_FALSE(a.lm_head_bias);
  CHECK_FALSE(a.parallel_block);
  CHECK_FALSE(a.is_moe());
  CHECK(llmsizer::core::check_arch(a).empty());

  // 3 + 9 per layer tensors, in file order, with ggml shapes.
  REQUIRE(m->gguf_tensors.size() == 3 + 9 * 2);
  CHECK(m->gguf_tensors[0].name == "token_embd.weight");
  CHECK(m->gguf_tensors[0].dtype == llmsizer::core::DType::kQ4_0);
  CHECK(m->gguf_tensors[0].shape == std::vector<std::uint64_t>{256, 100});
  CHECK(m->gguf_tensors[0].bytes == 100 * (256 / 32) * 18);

  CHECK(llmsizer::core::count_params(a).total == sum_elements(*m));

  // By hand, per layer: norms 2 * 256 * 4; q, o 256 rows * 8 blocks * 18; k 128 * 8 * 18;
  // v 128 rows * 1 block * 210; gate, up 512 * 8 * 18; down 256 * 2 * 210.
  const std::uint64_t per_layer = 2 * 1024 + 2 * 36864 + 18432 + 26880 + 2 * 73728 + 107520;
  CHECK(per_layer == 376064);
  // token_embd 100 * 8 * 18, output_norm 1024, output (q6_k) 100 * 210.
  const std::uint64_t expected = 14400 + 2 * per_layer + 1024 + 21000;
  CHECK(expected == 788552);
  CHECK(sum_bytes(*m) == expected);
}

TEST_CASE("gguf: tied embeddings when there is no output.weight") {
  Tiny t;
  t.tied = true;
  const std::string path = write_file("tied.gguf", tiny_llama(t).build());
  Diagnostics diags;
  const auto m = load_gguf(path, diags);
  INFO(diags.format());
  REQUIRE(m.has_value());
  CHECK(m->arch.tie_embeddings);
  CHECK(llmsizer::core::count_params(m->arch).total == sum_elements(*m));
  CHECK(sum_bytes(*m) == 788552 - 21000);
}

TEST_CASE("gguf: a llama file with experts is a Mixtral-style MoE") {
  Tiny t;
  t.experts = 4;
  t.top_k = 2;
  t.ff = 128;
  const std::string path = write_file("moe.gguf", tiny_llama(t).build());
  Diagnostics diags;
  const auto m = load_gguf(path, diags);
  INFO(diags.format());
  REQUIRE(m.has_value());
  const auto& a = m->arch;
  CHECK(a.family == llmsizer::core::Family::kMixtral);
  CHECK(a.moe.num_experts == 4);
  CHECK(a.moe.top_k == 2);
  CHECK(a.moe.expert_intermediate_size == 128);
  CHECK(a.moe.num_shared_experts == 0);
  CHECK(a.moe.first_dense_layers == 0);
  CHECK_FALSE(a.moe.router_bias);
  CHECK(a.ffn.kind == llmsizer::core::FfnKind::kGated);
  const auto p = llmsizer::core::count_params(a);
  CHECK(p.total == sum_elements(*m));
  CHECK(p.active < p.total);
  // Experts: gate/up 128 rows * 8 blocks * 18 * 4; down (q8_0) 256 rows * 4 blocks * 34 * 4.
  const std::uint64_t per_layer =
      2 * 1024 + 2 * 36864 + 18432 + 26880 + 256 * 4 * 4 + 2 * 73728 + 139264;
  CHECK(sum_bytes(*m) == 14400 + 2 * per_layer + 1024 + 21000);
}

TEST_CASE("gguf: phi3 with fused qkv and gate+up is a gated FFN of half the rows") {
  GgufWriter w;
  w.kv_str("general.architecture", "phi3");
  w.kv_u32("phi3.block_count", 1);
  w.kv_u32("phi3.context_length", 4096);
  w.kv_u32("phi3.embedding_length", 128);
  w.kv_u32("phi3.feed_forward_length", 256);
  w.kv_u32("phi3.attention.head_count", 4);
  w.kv_u32("phi3.attention.head_count_kv", 4);
  w.kv_u32("phi3.attention.sliding_window", 2047);
  w.kv_u32("phi3.rope.dimension_count", 32);
  w.tensor("token_embd.weight", kF16, {128, 64});
  w.tensor("blk.0.attn_norm.weight", kF32, {128});
  w.tensor("blk.0.attn_qkv.weight", kQ8_0, {128, 3 * 128});
  w.tensor("blk.0.attn_output.weight", kQ8_0, {128, 128});
  w.tensor("blk.0.ffn_norm.weight", kF32, {128});
  w.tensor("blk.0.ffn_up.weight", kQ8_0, {128, 512});
  w.tensor("blk.0.ffn_down.weight", kQ8_0, {256, 128});
  w.tensor("output_norm.weight", kF32, {128});
  w.tensor("output.weight", kQ8_0, {128, 64});
  Diagnostics diags;
  const auto m = load_gguf(write_file("phi3.gguf", w.build()), diags);
  INFO(diags.format());
  REQUIRE(m.has_value());
  CHECK(m->arch.family == llmsizer::core::Family::kPhi3);
  CHECK(m->arch.ffn.kind == llmsizer::core::FfnKind::kGated);
  CHECK(m->arch.ffn.intermediate_size == 256);
  CHECK(m->arch.attention.sliding_window == 2047);
  CHECK(m->arch.attention.window_pattern.empty());
  CHECK(llmsizer::core::count_params(m->arch).total == sum_elements(*m));
  CHECK(m->gguf_file_type.empty());
}

TEST_CASE("gguf: gemma2 has four norms per layer and alternating sliding windows") {
  GgufWriter w;
  w.kv_str("general.architecture", "gemma2");
  w.kv_u32("gemma2.block_count", 2);
  w.kv_u32("gemma2.context_length", 8192);
  w.kv_u32("gemma2.embedding_length", 64);
  w.kv_u32("gemma2.feed_forward_length", 128);
  w.kv_u32("gemma2.attention.head_count", 2);
  w.kv_u32("gemma2.attention.head_count_kv", 1);
  w.kv_u32("gemma2.attention.key_length", 64);
  w.kv_u32("gemma2.attention.value_length", 64);
  w.kv_u32("gemma2.attention.sliding_window", 4096);
  w.tensor("token_embd.weight", kF32, {64, 10});
  for (int l = 0; l < 2; ++l) {
    const std::string b = "blk." + std::to_string(l) + ".";
    for (const char* n : {"attn_norm", "post_attention_norm", "ffn_norm", "post_ffw_norm"})
      w.tensor(b + n + ".weight", kF32, {64});
    w.tensor(b + "attn_q.weight", kF32, {64, 128});
    w.tensor(b + "attn_k.weight", kF32, {64, 64});
    w.tensor(b + "attn_v.weight", kF32, {64, 64});
    w.tensor(b + "attn_output.weight", kF32, {128, 64});
    w.tensor(b + "ffn_gate.weight", kF32, {64, 128});
    w.tensor(b + "ffn_up.weight", kF32, {64, 128});
    w.tensor(b + "ffn_down.weight", kF32, {128, 64});
  }
  w.tensor("output_norm.weight", kF32, {64});
  Diagnostics diags;
  const auto m = load_gguf(write_file("gemma2.gguf", w.build()), diags);
  INFO(diags.format());
  REQUIRE(m.has_value());
  const auto& a = m->arch;
  CHECK(a.family == llmsizer::core::Family::kGemma2);
  CHECK(a.norm.per_layer == 4);
  CHECK(a.attention.head_dim == 64);
  CHECK(a.tie_embeddings);
  CHECK(a.ffn.activation == llmsizer::core::Activation::kGeluTanh);
  REQUIRE(a.attention.window_pattern.size() == 2);
  CHECK(a.attention.window_pattern[0] == llmsizer::core::LayerWindow::kSliding);
  CHECK(a.attention.window_pattern[1] == llmsizer::core::LayerWindow::kFull);
  CHECK(llmsizer::core::count_params(a).total == sum_elements(*m));
}

TEST_CASE("gguf: gptneox with LayerNorm biases, fused qkv and partial rotary") {
  GgufWriter w;
  w.kv_str("general.architecture", "gptneox");
  w.kv_u32("gptneox.block_count", 1);
  w.kv_u32("gptneox.context_length", 2048);
  w.kv_u32("gptneox.embedding_length", 64);
  w.kv_u32("gptneox.feed_forward_length", 256);
  w.kv_u32("gptneox.attention.head_count", 4);
  w.kv_u32("gptneox.rope.dimension_count", 4);
  w.kv_bool("gptneox.use_parallel_residual", 1);
  w.tensor("token_embd.weight", kF16, {64, 50});
  for (const char* n : {"attn_norm", "ffn_norm"}) {
    w.tensor(std::string("blk.0.") + n + ".weight", kF32, {64});
    w.tensor(std::string("blk.0.") + n + ".bias", kF32, {64});
  }
  w.tensor("blk.0.attn_qkv.weight", kF16, {64, 192});
  w.tensor("blk.0.attn_qkv.bias", kF32, {192});
  w.tensor("blk.0.attn_output.weight", kF16, {64, 64});
  w.tensor("blk.0.attn_output.bias", kF32, {64});
  w.tensor("blk.0.ffn_up.weight", kF16, {64, 256});
  w.tensor("blk.0.ffn_up.bias", kF32, {256});
  w.tensor("blk.0.ffn_down.weight", kF16, {256, 64});
  w.tensor("blk.0.ffn_down.bias", kF32, {64});
  w.tensor("output_norm.weight", kF32, {64});
  w.tensor("output_norm.bias", kF32, {64});
  w.tensor("output.weight", kF16, {64, 50});
  Diagnostics diags;
  const auto m = load_gguf(write_file("neox.gguf", w.build()), diags);
  INFO(diags.format());
  REQUIRE(m.has_value());
  const auto& a = m->arch;
  CHECK(a.family == llmsizer::core::Family::kGptNeoX);
  CHECK(a.norm.kind == llmsizer::core::NormKind::kLayerNorm);
  CHECK(a.norm.bias);
  CHECK(a.attention.qkv_bias);
  CHECK(a.attention.out_bias);
  CHECK(a.ffn.kind == llmsizer::core::FfnKind::kPlain);
  CHECK(a.ffn.bias);
  CHECK(a.parallel_block);
  CHECK(a.rotary_dim == 4);
  CHECK(llmsizer::core::count_params(a).total == sum_elements(*m));
}

TEST_CASE("gguf: deepseek2 maps to MLA + MoE (DeepSeek-V3)") {
  GgufWriter w;
  const std::uint64_t d = 64, heads = 2, q_rank = 32, kv_rank = 32, nope = 32, rope = 16, v = 32;
  w.kv_str("general.architecture", "deepseek2");
  w.kv_u32("deepseek2.block_count", 2);
  w.kv_u32("deepseek2.context_length", 4096);
  w.kv_u32("deepseek2.embedding_length", d);
  w.kv_u32("deepseek2.feed_forward_length", 128);
  w.kv_u32("deepseek2.attention.head_count", heads);
  w.kv_u32("deepseek2.attention.head_count_kv", 1);
  w.kv_u32("deepseek2.attention.q_lora_rank", q_rank);
  w.kv_u32("deepseek2.attention.kv_lora_rank", kv_rank);
  w.kv_u32("deepseek2.attention.key_length", kv_rank + rope);
  w.kv_u32("deepseek2.attention.value_length", kv_rank);
  w.kv_u32("deepseek2.attention.key_length_mla", nope + rope);
  w.kv_u32("deepseek2.attention.value_length_mla", v);
  w.kv_u32("deepseek2.rope.dimension_count", rope);
  w.kv_u32("deepseek2.expert_count", 4);
  w.kv_u32("deepseek2.expert_used_count", 2);
  w.kv_u32("deepseek2.expert_feed_forward_length", 32);
  w.kv_u32("deepseek2.expert_shared_count", 1);
  w.kv_u32("deepseek2.leading_dense_block_count", 1);
  w.tensor("token_embd.weight", kF32, {d, 40});
  for (int l = 0; l < 2; ++l) {
    const std::string b = "blk." + std::to_string(l) + ".";
    w.tensor(b + "attn_norm.weight", kF32, {d});
    w.tensor(b + "attn_q_a.weight", kF32, {d, q_rank});
    w.tensor(b + "attn_q_a_norm.weight", kF32, {q_rank});
    w.tensor(b + "attn_q_b.weight", kF32, {q_rank, heads * (nope + rope)});
    w.tensor(b + "attn_kv_a_mqa.weight", kF32, {d, kv_rank + rope});
    w.tensor(b + "attn_kv_a_norm.weight", kF32, {kv_rank});
    w.tensor(b + "attn_kv_b.weight", kF32, {kv_rank, heads * (nope + v)});
    w.tensor(b + "attn_output.weight", kF32, {heads * v, d});
    w.tensor(b + "ffn_norm.weight", kF32, {d});
    if (l == 0) {
      w.tensor(b + "ffn_gate.weight", kF32, {d, 128});
      w.tensor(b + "ffn_up.weight", kF32, {d, 128});
      w.tensor(b + "ffn_down.weight", kF32, {128, d});
    } else {
      w.tensor(b + "ffn_gate_inp.weight", kF32, {d, 4});
      w.tensor(b + "exp_probs_b.bias", kF32, {4});
      w.tensor(b + "ffn_gate_exps.weight", kF32, {d, 32, 4});
      w.tensor(b + "ffn_up_exps.weight", kF32, {d, 32, 4});
      w.tensor(b + "ffn_down_exps.weight", kF32, {32, d, 4});
      w.tensor(b + "ffn_gate_shexp.weight", kF32, {d, 32});
      w.tensor(b + "ffn_up_shexp.weight", kF32, {d, 32});
      w.tensor(b + "ffn_down_shexp.weight", kF32, {32, d});
    }
  }
  w.tensor("output_norm.weight", kF32, {d});
  w.tensor("output.weight", kF32, {d, 40});
  Diagnostics diags;
  const auto m = load_gguf(write_file("dsv3.gguf", w.build()), diags);
  INFO(diags.format());
  REQUIRE(m.has_value());
  const auto& a = m->arch;
  CHECK(a.family == llmsizer::core::Family::kDeepseekV3);
  CHECK(a.attention.kind == llmsizer::core::AttentionKind::kMla);
  CHECK(a.attention.mla.q_lora_rank == 32);
  CHECK(a.attention.mla.kv_lora_rank == 32);
  CHECK(a.attention.mla.qk_nope_head_dim == 32);
  CHECK(a.attention.mla.qk_rope_head_dim == 16);
  CHECK(a.attention.mla.v_head_dim == 32);
  CHECK(a.norm.per_layer == 2);
  CHECK(a.moe.num_experts == 4);
  CHECK(a.moe.top_k == 2);
  CHECK(a.moe.expert_intermediate_size == 32);
  CHECK(a.moe.num_shared_experts == 1);
  CHECK(a.moe.first_dense_layers == 1);
  CHECK(a.moe.router_bias);
  CHECK(a.ffn.intermediate_size == 128);
  CHECK(llmsizer::core::count_params(a).total == sum_elements(*m));
}

TEST_CASE("gguf: every value type, nested arrays and per-layer head counts parse") {
  GgufWriter w = tiny_llama(Tiny{});
  w.kv_raw("x.u8", raw_u32(kVU8) + std::string(1, '\x07'));
  w.kv_raw("x.i8", raw_u32(1) + std::string(1, '\xff'));
  w.kv_raw("x.u16", raw_u32(2) + std::string("\x01\x02", 2));
  w.kv_raw("x.i16", raw_u32(3) + std::string("\xff\xff", 2));
  w.kv_raw("x.i64", raw_u32(11) + raw_u64(~std::uint64_t{0}));
  w.kv_raw("x.f64", raw_u32(kVF64) + raw_u64(0x3ff0000000000000ull));
  w.kv_u64("x.u64", ~std::uint64_t{0});
  w.kv_i32("x.i32", -5);
  w.kv_bool("x.bool", 1);
  w.kv_str("x.empty", "");
  // [[1, 2], [3]] as an array of u32 arrays, and an array of arrays of strings.
  w.kv_raw("x.nested", raw_u32(kVArray) + raw_u32(kVArray) + raw_u64(2) + raw_u32(4) + raw_u64(2) +
                           raw_u32(1) + raw_u32(2) + raw_u32(4) + raw_u64(1) + raw_u32(3));
  const std::string s = raw_u64(2) + "ab";
  w.kv_raw("x.nested_str", raw_u32(kVArray) + raw_u32(kVArray) + raw_u64(1) + raw_u32(kVString) +
                               raw_u64(2) + s + s);
  w.kv_raw("x.bools",
           raw_u32(kVArray) + raw_u32(kVBool) + raw_u64(3) + std::string("\x01\x00\x01", 3));
  w.kv_raw("x.f32s", raw_u32(kVArray) + raw_u32(kVF32) + raw_u64(2) + raw_u64(0));
  w.kv_raw("x.empty_array", raw_u32(kVArray) + raw_u32(kVU8) + raw_u64(0));
  Diagnostics diags;
  const auto m = load_gguf(write_file("types.gguf", w.build()), diags);
  INFO(diags.format());
  REQUIRE(m.has_value());
  CHECK(diags.empty());

  // head_count_kv as one value per layer (a qwen2 model with q/k/v biases): equal values
  // are fine ...
  auto qwen2 = [](std::vector<std::uint32_t> kv) {
    GgufWriter g;
    g.kv_str("general.architecture", "qwen2");
    g.kv_u32("qwen2.block_count", 2);
    g.kv_u32("qwen2.context_length", 32768);
    g.kv_u32("qwen2.embedding_length", 64);
    g.kv_u32("qwen2.feed_forward_length", 128);
    g.kv_u32("qwen2.attention.head_count", 4);
    g.kv_u32_array("qwen2.attention.head_count_kv", kv);
    g.tensor("token_embd.weight", kF32, {64, 10});
    for (int l = 0; l < 2; ++l) {
      const std::string b = "blk." + std::to_string(l) + ".";
      g.tensor(b + "attn_norm.weight", kF32, {64});
      g.tensor(b + "attn_q.weight", kF32, {64, 64});
      g.tensor(b + "attn_q.bias", kF32, {64});
      g.tensor(b + "attn_k.weight", kF32, {64, 32});
      g.tensor(b + "attn_k.bias", kF32, {32});
      g.tensor(b + "attn_v.weight", kF32, {64, 32});
      g.tensor(b + "attn_v.bias", kF32, {32});
      g.tensor(b + "attn_output.weight", kF32, {64, 64});
      g.tensor(b + "ffn_norm.weight", kF32, {64});
      g.tensor(b + "ffn_gate.weight", kF32, {64, 128});
      g.tensor(b + "ffn_up.weight", kF32, {64, 128});
      g.tensor(b + "ffn_down.weight", kF32, {128, 64});
    }
    g.tensor("output_norm.weight", kF32, {64});
    return g;
  };
  {
    Diagnostics d2;
    const auto q = load_gguf(write_file("qwen2.gguf", qwen2({2, 2}).build()), d2);
    INFO(d2.format());
    REQUIRE(q.has_value());
    CHECK(q->arch.family == llmsizer::core::Family::kQwen2);
    CHECK(q->arch.attention.num_kv_heads == 2);
    CHECK(q->arch.attention.qkv_bias);
    CHECK(q->arch.tie_embeddings);
    CHECK(llmsizer::core::count_params(q->arch).total == sum_elements(*q));
  }
  // ... differing ones are not supported.
  require_one_error(write_file("qwen2-mixed.gguf", qwen2({2, 4}).build()),
                    "per-layer head counts are not supported");
}

TEST_CASE("gguf: every truncation of a valid file is one located error") {
  const std::string full = tiny_llama(Tiny{}).build();
  const std::uint64_t data = tiny_llama(Tiny{}).data_bytes();
  const std::uint64_t header_end = full.size() - data;
  REQUIRE(header_end > 1000);
  std::vector<std::size_t> lengths;
  for (std::size_t n = 0; n <= header_end + 40; ++n) lengths.push_back(n);
  for (std::size_t n = header_end + 40; n < full.size(); n += 9973) lengths.push_back(n);
  lengths.push_back(full.size() - 1);
  for (const std::size_t n : lengths) {
    INFO("prefix length " << n);
    const std::string path = write_file("prefix.gguf", full.substr(0, n));
    Diagnostics diags;
    const auto m = load_gguf(path, diags);
    REQUIRE_FALSE(m.has_value());
    REQUIRE(diags.error_count() == 1);
    REQUIRE(std::regex_search(diags.format(), std::regex(" at byte offset [0-9]+\n$")));
  }
  // An empty file and a cut inside a value say why.
  require_bytes_fail("empty.gguf", "", "not a GGUF file");
  require_bytes_fail("cut.gguf", full.substr(0, 30), "unexpected end of file");
  require_bytes_fail("cut-data.gguf", full.substr(0, full.size() - 1), "the file is truncated");
}

TEST_CASE("gguf: malformed headers are rejected with a located error") {
  const std::string good = tiny_llama(Tiny{}).build();

  SECTION("bad magic") {
    require_bytes_fail("magic.gguf", "GGML" + good.substr(4), "not a GGUF file (magic 'GGML'");
    require_bytes_fail("magic2.gguf", std::string("\x00\x01\x02\x03", 4) + good.substr(4),
                       "magic '\\x00\\x01\\x02\\x03'");
  }
  SECTION("versions and byte order") {
    require_bytes_fail("v1.gguf", header_only(1, 0, 0), "GGUF version 1 is not supported");
    require_bytes_fail("v9.gguf", header_only(9, 0, 0), "unsupported GGUF version 9");
    require_bytes_fail("be.gguf", "GGUF" + std::string("\0\0\0\3", 4) + raw_u64(0) + raw_u64(0),
                       "big-endian");
    require_bytes_fail("be2.gguf", "FUGG" + good.substr(4), "big-endian");
  }
  SECTION("absurd counts") {
    require_bytes_fail("tensors.gguf", header_only(3, std::uint64_t{1} << 40, 0),
                       "tensor count 1099511627776 exceeds the limit");
    require_bytes_fail("kvs.gguf", header_only(3, 0, ~std::uint64_t{0}),
                       "metadata key/value count 18446744073709551615 exceeds the limit");
    require_bytes_fail("kvs2.gguf", header_only(3, 0, 1000000), "cannot fit");
    require_bytes_fail("tensors2.gguf", header_only(3, 1000000, 0), "cannot fit");
  }
  SECTION("strings") {
    require_bytes_fail("longstr.gguf",
                       header_only(3, 0, 1) + raw_u64(1000000000) + "abcdefghijklmnop",
                       "metadata key length 1000000000 exceeds the limit");
    require_bytes_fail("longstr2.gguf", header_only(3, 0, 1) + raw_u64(100) + "general.name",
                       "unexpected end of file: metadata key length 100 is larger than the 12 "
                       "bytes left");
    require_bytes_fail(
        "longval.gguf",
        header_only(3, 0, 1) + raw_u64(1) + "k" + raw_u32(kVString) + raw_u64(4096) + "abc",
        "string length 4096 is larger than");
    require_bytes_fail("hugeval.gguf",
                       header_only(3, 0, 1) + raw_u64(1) + "k" + raw_u32(kVString) +
                           raw_u64(std::uint64_t{1} << 62),
                       "exceeds the limit of 1048576 bytes");
  }
  SECTION("values") {
    const std::string kv1 = header_only(3, 0, 1) + raw_u64(1) + "k";
    require_bytes_fail("vtype.gguf", kv1 + raw_u32(13) + raw_u64(0),
                       "unknown metadata value type 13 for key 'k'");
    require_bytes_fail("bool.gguf", kv1 + raw_u32(kVBool) + "\x02" + std::string(12, '\0'),
                       "must be 0 or 1");
    require_bytes_fail("arrtype.gguf", kv1 + raw_u32(kVArray) + raw_u32(77) + raw_u64(1),
                       "unknown array element type 77");
    require_bytes_fail("arrlen.gguf", kv1 + raw_u32(kVArray) + raw_u32(kVU8) + raw_u64(1u << 25),
                       "exceeds the limit of 16777216");
    require_bytes_fail("arrfit.gguf",
                       kv1 + raw_u32(kVArray) + raw_u32(kVU64) + raw_u64(1000) + raw_u64(0),
                       "cannot fit");
    std::string deep = kv1 + raw_u32(kVArray);
    for (int i = 0; i < 20; ++i) deep += raw_u32(kVArray) + raw_u64(1);
    deep += std::string(64, '\0');
    require_bytes_fail("deep.gguf", deep, "nested deeper than");
    GgufWriter w = tiny_llama(Tiny{});
    w.kv_u32("llama.block_count", 3);
    require_bytes_fail("dupkey.gguf", w.build(), "duplicate metadata key 'llama.block_count'");
    GgufWriter a = tiny_llama(Tiny{});
    a.kv_u32("general.alignment", 24);
    require_bytes_fail("align.gguf", a.build(), "general.alignment");
  }
  SECTION("tensor infos") {
    auto with_tensor = [](const std::string& name, std::uint32_t type,
                          std::vector<std::uint64_t> dims) {
      GgufWriter w = tiny_llama(Tiny{});
      w.tensor(name, type, std::move(dims));
      return w.build();
    };
    require_bytes_fail("gtype.gguf", with_tensor("x.weight", 200, {32}),
                       "tensor 'x.weight' has unknown ggml type 200");
    require_bytes_fail("gtype31.gguf", with_tensor("x.weight", 31, {32}), "unknown ggml type 31");
    require_bytes_fail("ndims0.gguf", with_tensor("x.weight", kF32, {}), "has 0 dimensions");
    require_bytes_fail("ndims5.gguf", with_tensor("x.weight", kF32, {1, 1, 1, 1, 1}),
                       "has 5 dimensions");
    require_bytes_fail(
        "overflow.gguf",
        with_tensor("x.weight", kF32, {std::uint64_t{1} << 40, std::uint64_t{1} << 40}),
        "more than 2^50 elements");
    require_bytes_fail("blocks.gguf", with_tensor("x.weight", kQ4_0, {40, 2}),
                       "row length 40 is not a multiple of the q4_0 block");
    require_bytes_fail("dupname.gguf", with_tensor("output.weight", kF32, {4}),
                       "duplicate tensor name 'output.weight'");
    require_bytes_fail("longname.gguf", with_tensor(std::string(65, 'n'), kF32, {4}),
                       "tensor name length 65 exceeds the limit");
    // A data offset past the end of the file.
    std::string bad = good;
    const std::string last = "output.weight";
    const auto pos = bad.rfind(last);
    REQUIRE(pos != std::string::npos);
    const std::size_t off_at = pos + last.size() + 4 + 16 + 4;
    bad.replace(off_at, 8, raw_u64(std::uint64_t{1} << 40));
    require_bytes_fail("offset.gguf", bad, "extends past the end of the file");
    bad.replace(off_at, 8, raw_u64(33));
    require_bytes_fail("misaligned.gguf", bad, "is not a multiple of the alignment 32");
  }
}

TEST_CASE("gguf: metadata that cannot describe a supported model") {
  SECTION("unknown architecture lists the supported ones") {
    Tiny t;
    t.arch = "rwkv6";
    require_one_error(write_file("rwkv.gguf", tiny_llama(t).build()),
                      "unsupported architecture 'rwkv6' (supported: llama, qwen2, gemma2, phi3, "
                      "falcon, mpt, gptj, gptneox, deepseek2)");
  }
  SECTION("missing keys and tensors") {
    GgufWriter w;
    w.kv_str("general.architecture", "llama");
    w.tensor("output.weight", kF32, {4, 4});
    const std::string path = write_file("empty-llama.gguf", w.build());
    require_located_failure(path);
    Diagnostics diags;
    (void)load_gguf(path, diags);
    const std::string all = diags.format();
    CHECK(all.find("missing key 'llama.block_count'") != std::string::npos);
    CHECK(all.find("token_embd.weight") != std::string::npos);
    GgufWriter none;
    require_one_error(write_file("no-arch.gguf", none.build()),
                      "missing key 'general.architecture'");
  }
  SECTION("wrong value types") {
    GgufWriter w;
    w.kv_u32("general.architecture", 7);
    require_one_error(write_file("arch-type.gguf", w.build()), "expected a string");
  }
}

TEST_CASE("gguf: paths that are not GGUF files") {
  require_one_error((temp_dir() / "does-not-exist.gguf").string(), "cannot open");
  require_one_error(temp_dir().string(), "directory");
}

TEST_CASE("gguf: garbage and mutated files never crash") {
  std::mt19937_64 rng(12345);
  const std::string good = tiny_llama(Tiny{}).build();
  const std::size_t header_end = good.size() - tiny_llama(Tiny{}).data_bytes();
  for (int i = 0; i < 200; ++i) {
    std::string junk(rng() % 512, '\0');
    for (auto& c : junk) c = static_cast<char>(rng());
    if (i % 2 == 0 && junk.size() >= 8) junk.replace(0, 8, std::string("GGUF\3\0\0\0", 8));
    require_located_failure(write_file("junk.gguf", junk));
  }
  int loaded = 0;
  for (int i = 0; i < 400; ++i) {
    std::string m = good;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) m[rng() % header_end] = static_cast<char>(rng());
    Diagnostics diags;
    const auto r = load_gguf(write_file("mutant.gguf", m), diags);
    if (r)
      ++loaded;
    else
      CHECK(diags.has_errors());
  }
  CHECK(loaded < 400);
}

TEST_CASE("gguf: invalid fixtures give the error they expect") {
  const fs::path dir = fs::path(llmsizer::test::data_dir()) / "invalid" / "gguf";
  REQUIRE(fs::is_directory(dir));
  int n = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() != ".gguf") continue;
    std::ifstream in(e.path().string() + ".expect");
    REQUIRE(in.good());
    std::string expect;
    std::getline(in, expect);
    REQUIRE_FALSE(expect.empty());
    INFO(e.path().string());
    Diagnostics diags;
    REQUIRE_FALSE(load_gguf(e.path().string(), diags).has_value());
    CHECK(diags.format().find(expect) != std::string::npos);
    ++n;
  }
  CHECK(n >= 2);
}
