// hf_config.cc — reads a Hugging Face config.json into a ModelSpec (contract: model_spec.h).
// Each supported architecture maps its own key names onto core::ModelArch the way the
// transformers modeling code builds that model; an absent key takes the transformers config
// class default. config.json carries many keys llmsizer does not use, so unknown keys are not
// errors here; wrong types, missing dimensions and out-of-range values are, located.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <initializer_list>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "schema/impl/yaml_reader.h"
#include "schema/model_spec.h"

namespace llmsizer::schema {

using core::Activation;
using core::AttentionKind;
using core::Family;
using core::FfnKind;
using core::LayerWindow;
using core::ModelArch;
using core::NormKind;
using core::PositionKind;
using impl::Need;
using impl::Reader;

namespace {

constexpr std::int64_t kMaxDim = std::int64_t{1} << 32;

struct ArchitectureName {
  const char* name;
  Family family;
};

// The `architectures[0]` values read here. RWForCausalLM is Falcon's pre-transformers-4.33
// custom-code name; MptForCausalLM is the name transformers writes for MPT checkpoints.
const std::vector<ArchitectureName>& architecture_names() {
  static const std::vector<ArchitectureName> names = {
      {"LlamaForCausalLM", Family::kLlama},
      {"MistralForCausalLM", Family::kMistral},
      {"MixtralForCausalLM", Family::kMixtral},
      {"Qwen2ForCausalLM", Family::kQwen2},
      {"Gemma2ForCausalLM", Family::kGemma2},
      {"Phi3ForCausalLM", Family::kPhi3},
      {"FalconForCausalLM", Family::kFalcon},
      {"RWForCausalLM", Family::kFalcon},
      {"MPTForCausalLM", Family::kMpt},
      {"MptForCausalLM", Family::kMpt},
      {"GPTJForCausalLM", Family::kGptJ},
      {"GPTNeoXForCausalLM", Family::kGptNeoX},
      {"DeepseekV3ForCausalLM", Family::kDeepseekV3},
  };
  return names;
}

// Typed access to one config.json mapping on top of impl::Reader. Absent and null keys both
// take the default (config classes treat `null` as "use the default") unless a reader asks
// for the difference with is_null(). Numbers and booleans written as JSON strings are errors:
// transformers would carry them as str and fail later.
class Config {
 public:
  explicit Config(Reader& r) : r_(r) {}

  Reader& reader() { return r_; }
  bool has(std::string_view key) const { return r_.has(key); }
  bool is_null(std::string_view key) { return r_.has(key) && !r_.node(key, Need::kOptional); }
  bool has_value(std::string_view key) { return r_.has(key) && !is_null(key); }
  void error(std::string_view key, std::string message) const { r_.error(key, std::move(message)); }

  // The first of `keys` that is present (families renamed keys over time), else the first.
  std::string_view pick(std::initializer_list<std::string_view> keys) const {
    for (const auto k : keys)
      if (r_.has(k)) return k;
    return *keys.begin();
  }

  // A required size in [lo, kMaxDim]; 0 when missing or invalid (the error is reported).
  std::int64_t dim(std::string_view key, std::int64_t lo = 1, std::int64_t hi = kMaxDim) {
    std::int64_t v = 0;
    if (quoted(key, "an integer")) return 0;
    if (!r_.get(key, v, Need::kRequired, lo, hi)) return 0;
    return v;
  }
  // A layer count: bounded before anything loops over the layers (a fuzz finding: 1.5e9
  // layers made the sliding-window scan run for minutes).
  std::int64_t layers(std::string_view key) { return dim(key, 1, core::kMaxLayers); }

  std::int64_t dim_or(std::string_view key, std::int64_t fallback, std::int64_t lo = 1) {
    if (!has_value(key)) return fallback;
    std::int64_t v = fallback;
    if (quoted(key, "an integer")) return fallback;
    r_.get(key, v, Need::kOptional, lo, kMaxDim);
    return v;
  }

  // The longest context: `key`, or when absent the config class's default, with a note that
  // says so (a checkpoint that supports more states it in its config.json).
  std::int64_t context_or(std::string_view key, std::int64_t fallback) {
    if (has_value(key)) return dim_or(key, fallback);
    const std::string type = text_or("model_type", "");
    r_.ctx().diags->note(
        r_.where(), std::string(key),
        fmt::format("absent: the longest context is taken as {} tokens, the default of "
                    "transformers' config class{}; add `{}` to the config.json if the "
                    "checkpoint supports more",
                    fallback, type.empty() ? "" : " for model_type '" + type + "'", key));
    return fallback;
  }

  bool flag_or(std::string_view key, bool fallback) {
    if (!has_value(key)) return fallback;
    bool v = fallback;
    if (quoted(key, "true or false")) return fallback;
    r_.get(key, v, Need::kOptional);
    return v;
  }

  double number_or(std::string_view key, double fallback, double lo, double hi) {
    if (!has_value(key)) return fallback;
    double v = fallback;
    if (quoted(key, "a number")) return fallback;
    r_.get(key, v, Need::kOptional, lo, hi);
    return v;
  }

  std::string text_or(std::string_view key, std::string fallback) {
    if (!has_value(key)) return fallback;
    std::string v = fallback;
    r_.get(key, v, Need::kOptional);
    return v;
  }

 private:
  bool quoted(std::string_view key, std::string_view expected) {
    const auto n = r_.node(key, Need::kOptional);
    if (!n || !n->IsScalar() || n->Tag() != "!") return false;
    r_.error(key, fmt::format("expected {}, found the string \"{}\"", expected, n->Scalar()));
    return true;
  }

  Reader& r_;
};

Activation activation(Config& c, std::string_view key, const char* fallback) {
  // transformers ACT2FN names; gelu_new, gelu_fast and gelu_pytorch_tanh are the tanh form.
  static const std::vector<std::pair<std::string, Activation>> names = {
      {"silu", Activation::kSilu},
      {"swish", Activation::kSilu},
      {"gelu", Activation::kGelu},
      {"gelu_python", Activation::kGelu},
      {"gelu_new", Activation::kGeluTanh},
      {"gelu_fast", Activation::kGeluTanh},
      {"gelu_pytorch_tanh", Activation::kGeluTanh},
      {"relu", Activation::kRelu},
  };
  const std::string s = c.text_or(key, fallback);
  std::vector<std::string> all;
  for (const auto& [n, v] : names) {
    if (n == s) return v;
    all.push_back(n);
  }
  std::string list;
  for (const auto& n : all) list += (list.empty() ? "" : ", ") + n;
  c.error(key, "'" + s + "' is not an activation llmsizer knows (" + list + ")" +
                   core::did_you_mean(s, all));
  return Activation::kSilu;
}

// hidden / heads, the head size of families without an explicit head_dim.
std::int64_t derived_head_dim(Config& c, std::string_view heads_key, std::int64_t hidden,
                              std::int64_t heads) {
  if (hidden <= 0 || heads <= 0) return 0;
  if (hidden % heads != 0) {
    c.error(heads_key, fmt::format("{} heads do not divide the hidden size {} (the head size "
                                   "would not be whole)",
                                   heads, hidden));
    return 0;
  }
  return hidden / heads;
}

// Grouped-query attention shares each KV head among a whole number of query heads.
void check_kv_heads(Config& c, std::string_view kv_key, std::int64_t heads, std::int64_t kv) {
  if (heads > 0 && kv > 0 && heads % kv != 0)
    c.error(kv_key, fmt::format("{} KV heads do not divide the {} attention heads", kv, heads));
}

// Per-layer sliding/full from `layer_types` (newer transformers write it), when present.
std::optional<std::vector<bool>> layer_types(Config& c, std::int64_t layers) {
  if (!c.has_value("layer_types")) return std::nullopt;
  std::vector<std::string> types;
  if (!c.reader().get("layer_types", types, Need::kOptional)) return std::nullopt;
  if (layers > 0 && static_cast<std::int64_t>(types.size()) != layers) {
    c.error("layer_types",
            fmt::format("{} entries for {} layers (num_hidden_layers)", types.size(), layers));
    return std::nullopt;
  }
  std::vector<bool> sliding;
  for (const auto& t : types) {
    if (t == "sliding_attention") {
      sliding.push_back(true);
    } else if (t == "full_attention") {
      sliding.push_back(false);
    } else {
      c.error("layer_types", "'" + t + "' is not one of: sliding_attention, full_attention");
      return std::nullopt;
    }
  }
  return sliding;
}

// Stores a per-layer sliding mask as sliding_window + the shortest repeating pattern.
void set_windows(ModelArch& a, std::int64_t window, const std::vector<bool>& sliding) {
  auto& at = a.attention;
  at.window_pattern.clear();
  const bool any = std::find(sliding.begin(), sliding.end(), true) != sliding.end();
  const bool all = std::find(sliding.begin(), sliding.end(), false) == sliding.end();
  if (window <= 0 || !any) {
    at.sliding_window = 0;
    return;
  }
  at.sliding_window = window;
  if (all) return;
  const std::size_t n = sliding.size();
  for (std::size_t period = 1; period <= n; ++period) {
    bool repeats = true;
    for (std::size_t i = period; i < n && repeats; ++i) repeats = sliding[i] == sliding[i % period];
    if (!repeats) continue;
    for (std::size_t i = 0; i < period; ++i)
      at.window_pattern.push_back(sliding[i] ? LayerWindow::kSliding : LayerWindow::kFull);
    return;
  }
}

// Llama, Mistral, Mixtral, Qwen2, Gemma-2 and Phi-3 share the LlamaConfig key names and the
// pre-norm RMSNorm block with a gated MLP; they differ in defaults, biases and windows.
void read_llama_like(Config& c, Family f, ModelArch& a) {
  auto& at = a.attention;
  a.hidden_size = c.dim("hidden_size");
  a.num_layers = c.layers("num_hidden_layers");
  a.vocab_size = c.dim("vocab_size");
  at.num_heads = c.dim("num_attention_heads");
  at.num_kv_heads = c.dim_or("num_key_value_heads", at.num_heads);
  check_kv_heads(c, "num_key_value_heads", at.num_heads, at.num_kv_heads);
  if (f == Family::kGemma2) {
    at.head_dim = c.dim_or("head_dim", 256);  // Gemma2Config default, not hidden / heads
  } else if (c.has_value("head_dim")) {
    at.head_dim = c.dim("head_dim");
  } else {
    at.head_dim = derived_head_dim(c, "num_attention_heads", a.hidden_size, at.num_heads);
  }

  std::int64_t max_positions = 2048;  // LlamaConfig
  switch (f) {
    case Family::kMistral:
    case Family::kMixtral:
      max_positions = 4096 * 32;
      break;
    case Family::kQwen2:
      max_positions = 32768;
      break;
    case Family::kGemma2:
      max_positions = 8192;
      break;
    case Family::kPhi3:
      max_positions = 4096;
      break;
    default:
      break;
  }
  a.max_context = c.context_or("max_position_embeddings", max_positions);
  a.tie_embeddings = c.flag_or("tie_word_embeddings", f == Family::kGemma2);
  a.position = PositionKind::kRope;
  if (c.has_value("partial_rotary_factor") && at.head_dim > 0) {
    const double factor = c.number_or("partial_rotary_factor", 1.0, 0.0, 1.0);
    if (factor < 1.0)
      a.rotary_dim = static_cast<std::int64_t>(static_cast<double>(at.head_dim) * factor);
  }

  a.ffn.kind = FfnKind::kGated;
  a.ffn.activation = f == Family::kGemma2 ? activation(c, "hidden_activation", "gelu_pytorch_tanh")
                                          : activation(c, "hidden_act", "silu");
  a.ffn.intermediate_size = c.dim("intermediate_size");
  a.norm.kind = NormKind::kRmsNorm;
  a.norm.bias = false;
  a.norm.per_layer = f == Family::kGemma2 ? 4 : 2;  // Gemma-2: pre/post attention and MLP
  a.norm.final_norm = true;

  if (f == Family::kLlama || f == Family::kGemma2) {
    at.qkv_bias = at.out_bias = c.flag_or("attention_bias", false);
  }
  if (f == Family::kLlama) a.ffn.bias = c.flag_or("mlp_bias", false);
  if (f == Family::kQwen2) at.qkv_bias = true;  // Qwen2Attention: q/k/v biased, o not

  // Sliding windows: which layers slide, then the window, then layer_types if written out.
  const auto layers = static_cast<std::size_t>(std::max<std::int64_t>(a.num_layers, 0));
  std::vector<bool> sliding(layers, true);
  std::int64_t window = 0;
  switch (f) {
    case Family::kMistral:
      window = c.has("sliding_window") ? c.dim_or("sliding_window", 0, 0) : 4096;
      break;
    case Family::kMixtral:
    case Family::kPhi3:
      window = c.dim_or("sliding_window", 0, 0);
      break;
    case Family::kGemma2:
      window = c.has("sliding_window") ? c.dim_or("sliding_window", 0, 0) : 4096;
      for (std::size_t i = 0; i < layers; ++i) sliding[i] = i % 2 == 0;
      break;
    case Family::kQwen2:
      if (c.flag_or("use_sliding_window", false)) {
        window = c.dim_or("sliding_window", 4096, 0);
        const auto first = static_cast<std::size_t>(c.dim_or("max_window_layers", 28, 0));
        for (std::size_t i = 0; i < layers; ++i) sliding[i] = i >= first;
      }
      break;
    default:
      break;
  }
  if (window > 0) {
    if (auto types = layer_types(c, a.num_layers)) sliding = *types;
  }
  set_windows(a, window, sliding);

  if (f == Family::kMixtral) {
    a.moe.num_experts = c.dim_or("num_local_experts", 8);
    a.moe.top_k = c.dim_or("num_experts_per_tok", 2);
    a.moe.expert_intermediate_size = a.ffn.intermediate_size;
  }
}

// Falcon, in-library (FalconForCausalLM) and legacy custom-code (RWForCausalLM) layouts.
void read_falcon(Config& c, bool legacy, ModelArch& a) {
  auto& at = a.attention;
  const auto hidden_key = c.pick({"hidden_size", "n_embed"});
  const auto heads_key = c.pick({"num_attention_heads", "n_head"});
  a.hidden_size = c.dim(hidden_key);
  a.num_layers = c.layers(c.pick({"num_hidden_layers", "n_layer"}));
  a.vocab_size = c.dim("vocab_size");
  at.num_heads = c.dim(heads_key);
  at.head_dim = derived_head_dim(c, heads_key, a.hidden_size, at.num_heads);

  // Legacy: "RefinedWeb" (40B/180B) is the new decoder with n_head_kv; "RefinedWebModel" (7B)
  // the old one. transformers' conversion script decides the same way.
  bool new_arch = false;
  if (c.has("new_decoder_architecture")) {
    new_arch = c.flag_or("new_decoder_architecture", false);
  } else if (legacy) {
    new_arch = c.has("n_head_kv") || c.text_or("model_type", "") == "RefinedWeb";
  }
  const bool multi_query = c.flag_or("multi_query", true);
  const auto kv_key = c.pick({"num_kv_heads", "n_head_kv"});
  const std::int64_t kv = c.dim_or(kv_key, at.num_heads);
  // FalconAttention: the old decoder's fused QKV is d + 2*head_dim wide with multi_query, 3*d
  // without, whatever num_kv_heads says.
  at.num_kv_heads = new_arch ? kv : (multi_query ? 1 : at.num_heads);
  if (new_arch) check_kv_heads(c, kv_key, at.num_heads, kv);

  const bool bias = c.flag_or("bias", false);
  at.qkv_bias = at.out_bias = bias;
  a.position = c.flag_or("alibi", false) ? PositionKind::kAlibi : PositionKind::kRope;
  a.max_context = c.context_or("max_position_embeddings", 2048);
  a.tie_embeddings = c.flag_or("tie_word_embeddings", true);
  a.parallel_block = c.flag_or("parallel_attn", true);

  a.ffn.kind = FfnKind::kPlain;
  a.ffn.activation = activation(c, "activation", "gelu");
  a.ffn.intermediate_size =
      c.dim_or("ffn_hidden_size", 4 * std::max<std::int64_t>(a.hidden_size, 0));
  a.ffn.bias = bias;

  // FalconDecoderLayer: sequential blocks have input + post-attention norms; parallel ones
  // num_ln_in_parallel_attn (default 2 for the new decoder, 1 for the old).
  const std::int64_t parallel_norms = c.dim_or("num_ln_in_parallel_attn", new_arch ? 2 : 1);
  a.norm.kind = NormKind::kLayerNorm;
  a.norm.bias = true;
  a.norm.per_layer = !a.parallel_block ? 2 : (parallel_norms == 2 ? 2 : 1);
  a.norm.final_norm = true;
}

// MPT (MosaicML llm-foundry; transformers MptForCausalLM).
void read_mpt(Config& c, ModelArch& a) {
  auto& at = a.attention;
  a.hidden_size = c.dim("d_model");
  a.num_layers = c.layers("n_layers");
  a.vocab_size = c.dim("vocab_size");
  at.num_heads = c.dim("n_heads");
  at.head_dim = derived_head_dim(c, "n_heads", a.hidden_size, at.num_heads);
  at.num_kv_heads = at.num_heads;
  a.max_context = c.context_or("max_seq_len", 2048);

  bool alibi = true;  // MptAttentionConfig default
  bool rope = false;
  if (c.has_value("attn_config")) {
    if (auto ac = c.reader().child("attn_config", Need::kOptional)) {
      Config attn(*ac);
      alibi = attn.flag_or("alibi", true);
      rope = attn.flag_or("rope", false);
      const std::string type = attn.text_or("attn_type", "multihead_attention");
      if (type == "multiquery_attention") {
        at.num_kv_heads = 1;
      } else if (type == "grouped_query_attention") {
        at.num_kv_heads = attn.dim_or("kv_n_heads", 1);
        check_kv_heads(attn, "kv_n_heads", at.num_heads, at.num_kv_heads);
      } else if (type != "multihead_attention") {
        attn.error("attn_type", "'" + type +
                                    "' is not one of: multihead_attention, "
                                    "multiquery_attention, grouped_query_attention");
      }
    }
  }
  // MPTModel builds wpe only without ALiBi (and without RoPE in later llm-foundry).
  if (alibi) {
    a.position = PositionKind::kAlibi;
  } else if (rope) {
    a.position = PositionKind::kRope;
  } else {
    a.position = c.flag_or("learned_pos_emb", true) ? PositionKind::kLearned : PositionKind::kNone;
  }

  const bool bias = !c.flag_or("no_bias", true);
  at.qkv_bias = at.out_bias = bias;
  a.tie_embeddings = c.flag_or("tie_word_embeddings", true);
  const double ratio = c.number_or("expansion_ratio", 4.0, 1e-3, 1e3);
  a.ffn.kind = FfnKind::kPlain;
  a.ffn.activation = Activation::kGelu;
  a.ffn.intermediate_size = static_cast<std::int64_t>(
      static_cast<double>(std::max<std::int64_t>(a.hidden_size, 0)) * ratio);
  a.ffn.bias = bias;
  a.norm.kind = NormKind::kLayerNorm;
  a.norm.bias = bias;  // no_bias drops the LayerNorm biases too
  a.norm.per_layer = 2;
  a.norm.final_norm = true;
}

// GPT-J: parallel attention + MLP off one LayerNorm, partial rotary, biased lm_head.
void read_gptj(Config& c, ModelArch& a) {
  auto& at = a.attention;
  a.hidden_size = c.dim("n_embd");
  a.num_layers = c.layers("n_layer");
  a.vocab_size = c.dim("vocab_size");
  at.num_heads = c.dim("n_head");
  at.num_kv_heads = at.num_heads;
  at.head_dim = derived_head_dim(c, "n_head", a.hidden_size, at.num_heads);
  a.max_context = c.context_or("n_positions", 2048);
  a.position = PositionKind::kRope;
  a.rotary_dim = c.is_null("rotary_dim") ? 0 : c.dim_or("rotary_dim", 64);  // null: whole head
  a.tie_embeddings = c.flag_or("tie_word_embeddings", false);
  a.lm_head_bias = true;
  a.parallel_block = true;
  a.ffn.kind = FfnKind::kPlain;
  a.ffn.activation = activation(c, "activation_function", "gelu_new");
  a.ffn.intermediate_size = c.dim_or("n_inner", 4 * std::max<std::int64_t>(a.hidden_size, 0));
  a.ffn.bias = true;
  a.norm.kind = NormKind::kLayerNorm;
  a.norm.bias = true;
  a.norm.per_layer = 1;
  a.norm.final_norm = true;
}

// GPT-NeoX (and Pythia): biased fused QKV, biased MLP, two LayerNorms, partial rotary.
void read_gptneox(Config& c, ModelArch& a) {
  auto& at = a.attention;
  a.hidden_size = c.dim("hidden_size");
  a.num_layers = c.layers("num_hidden_layers");
  a.vocab_size = c.dim("vocab_size");
  at.num_heads = c.dim("num_attention_heads");
  at.num_kv_heads = at.num_heads;
  at.head_dim = derived_head_dim(c, "num_attention_heads", a.hidden_size, at.num_heads);
  a.max_context = c.context_or("max_position_embeddings", 2048);
  a.position = PositionKind::kRope;
  const double pct = c.number_or(c.pick({"rotary_pct", "partial_rotary_factor"}), 0.25, 0.0, 1.0);
  if (pct < 1.0) a.rotary_dim = static_cast<std::int64_t>(static_cast<double>(at.head_dim) * pct);
  a.tie_embeddings = c.flag_or("tie_word_embeddings", false);
  a.parallel_block = c.flag_or("use_parallel_residual", true);
  at.qkv_bias = at.out_bias = c.flag_or("attention_bias", true);
  a.ffn.kind = FfnKind::kPlain;
  a.ffn.activation = activation(c, "hidden_act", "gelu");
  a.ffn.intermediate_size = c.dim("intermediate_size");
  a.ffn.bias = true;
  a.norm.kind = NormKind::kLayerNorm;
  a.norm.bias = true;
  a.norm.per_layer = 2;
  a.norm.final_norm = true;
}

// DeepSeek-V3: multi-head latent attention, leading dense layers, then routed + shared experts.
void read_deepseek_v3(Config& c, ModelArch& a, std::string& notes) {
  auto& at = a.attention;
  auto& mla = at.mla;
  a.hidden_size = c.dim("hidden_size");
  a.num_layers = c.layers("num_hidden_layers");
  a.vocab_size = c.dim("vocab_size");
  at.kind = AttentionKind::kMla;
  at.num_heads = c.dim("num_attention_heads");
  at.num_kv_heads = c.dim_or("num_key_value_heads", at.num_heads);
  mla.q_lora_rank = c.is_null("q_lora_rank") ? 0 : c.dim_or("q_lora_rank", 1536, 0);
  mla.kv_lora_rank = c.dim_or("kv_lora_rank", 512);
  mla.qk_nope_head_dim = c.dim_or("qk_nope_head_dim", 128);
  mla.qk_rope_head_dim = c.dim_or("qk_rope_head_dim", 64);
  mla.v_head_dim = c.dim_or("v_head_dim", 128);
  at.head_dim = mla.qk_nope_head_dim + mla.qk_rope_head_dim;
  if (c.flag_or("attention_bias", false)) {
    at.qkv_bias = at.out_bias = true;
    Reader& r = c.reader();
    r.ctx().diags->warning(r.where("attention_bias"), "attention_bias",
                           "biased MLA projections are counted approximately (a bias on q and "
                           "o; the kv_a bias is left out)");
  }
  a.max_context = c.context_or("max_position_embeddings", 4096);
  a.tie_embeddings = c.flag_or("tie_word_embeddings", false);
  a.position = PositionKind::kRope;
  a.ffn.kind = FfnKind::kGated;
  a.ffn.activation = activation(c, "hidden_act", "silu");
  a.ffn.intermediate_size = c.dim("intermediate_size");
  a.norm.kind = NormKind::kRmsNorm;
  a.norm.per_layer = 2;
  a.norm.final_norm = true;

  const std::int64_t experts =
      c.is_null("n_routed_experts") ? 0 : c.dim_or("n_routed_experts", 256);
  if (experts > 0) {
    auto& moe = a.moe;
    moe.num_experts = experts;
    moe.top_k = c.dim_or("num_experts_per_tok", 8);
    moe.expert_intermediate_size = c.dim_or("moe_intermediate_size", 2048);
    moe.num_shared_experts = c.is_null("n_shared_experts") ? 0 : c.dim_or("n_shared_experts", 1, 0);
    moe.first_dense_layers = c.dim_or("first_k_dense_replace", 3, 0);
    // noaux_tc routing adds a per-expert e_score_correction_bias to the router.
    moe.router_bias = c.text_or("topk_method", "noaux_tc") == "noaux_tc";
    const std::int64_t freq = c.dim_or("moe_layer_freq", 1);
    if (freq != 1)
      c.error("moe_layer_freq",
              fmt::format("{} is not supported: llmsizer models every layer after "
                          "first_k_dense_replace as MoE (moe_layer_freq 1)",
                          freq));
  }
  const std::int64_t mtp = c.dim_or("num_nextn_predict_layers", 0, 0);
  if (mtp > 0)
    notes = fmt::format(
        "num_nextn_predict_layers: {} multi-token-prediction layer(s) are not "
        "counted (they are not used for plain decoding)",
        mtp);
}

// A lower-case [a-z0-9._-] id; empty when `s` holds no letter or digit.
std::string to_id(std::string_view s) {
  std::string out;
  bool any_alnum = false;
  for (const char ch : s) {
    const auto u = static_cast<unsigned char>(ch);
    if (std::isalnum(u)) {
      out += static_cast<char>(std::tolower(u));
      any_alnum = true;
    } else if (ch == '.' || ch == '_' || ch == '-') {
      out += ch;
    } else {
      out += '-';
    }
  }
  return any_alnum ? out : std::string();
}

std::string make_id(const std::string& name_or_path, const std::string& file) {
  std::string_view s = name_or_path;
  while (!s.empty() && (s.back() == '/' || s.back() == '\\')) s.remove_suffix(1);
  const auto slash = s.find_last_of("/\\");
  if (auto id = to_id(slash == std::string_view::npos ? s : s.substr(slash + 1)); !id.empty())
    return id;
  // A file called config.json is named by its folder (a downloaded repo); any other file
  // by its own stem (llama-2-7b.json).
  const std::filesystem::path p(file);
  const std::string base =
      p.filename() == "config.json" ? p.parent_path().filename().string() : p.stem().string();
  if (auto id = to_id(base); !id.empty()) return id;
  return "hf-config";
}

}  // namespace

std::vector<std::string> supported_hf_architectures() {
  std::vector<std::string> out;
  for (const auto& a : architecture_names()) out.emplace_back(a.name);
  return out;
}

std::optional<ModelSpec> parse_hf_config(std::string_view json_text, const std::string& file,
                                         core::Diagnostics& diags) {
  const std::size_t errors_before = diags.error_count();
  impl::DocContext ctx{file, &diags};
  // JSON is YAML; say JSON in syntax errors all the same.
  core::Diagnostics syntax;
  auto root = impl::parse_yaml_text(json_text, impl::DocContext{file, &syntax});
  for (auto d : syntax.items()) {
    if (d.message.rfind("YAML syntax error", 0) == 0) d.message.replace(0, 4, "JSON");
    diags.add(std::move(d));
  }
  if (!root) return std::nullopt;
  Reader r(*root, "", &ctx);
  if (!r.valid()) return std::nullopt;
  Config c(r);

  ModelSpec m;
  m.origin = ModelOrigin::kHfConfig;
  m.origin_path = file;
  m.source = file;

  // architectures[0] picks the family.
  std::vector<std::string> archs;
  if (!r.get("architectures", archs, Need::kRequired)) return std::nullopt;
  if (archs.empty()) {
    r.error("architectures", "the list is empty; expected the model class, e.g. LlamaForCausalLM");
    return std::nullopt;
  }
  const std::string& arch_name = archs.front();
  const ArchitectureName* arch = nullptr;
  for (const auto& a : architecture_names())
    if (arch_name == a.name) arch = &a;
  if (arch == nullptr) {
    const auto supported = supported_hf_architectures();
    std::string list;
    for (const auto& s : supported) list += (list.empty() ? "" : ", ") + s;
    const auto node = r.node("architectures", Need::kOptional);
    diags.error(node ? impl::location_of((*node)[0], ctx) : r.where("architectures"),
                "architectures[0]",
                fmt::format("'{}' is not a supported architecture{}; supported: {}", arch_name,
                            core::did_you_mean(arch_name, supported), list));
    return std::nullopt;
  }

  ModelArch& a = m.arch;
  a.family = arch->family;
  switch (arch->family) {
    case Family::kLlama:
    case Family::kMistral:
    case Family::kMixtral:
    case Family::kQwen2:
    case Family::kGemma2:
    case Family::kPhi3:
      read_llama_like(c, arch->family, a);
      break;
    case Family::kFalcon:
      read_falcon(c, std::string_view(arch->name) == "RWForCausalLM", a);
      break;
    case Family::kMpt:
      read_mpt(c, a);
      break;
    case Family::kGptJ:
      read_gptj(c, a);
      break;
    case Family::kGptNeoX:
      read_gptneox(c, a);
      break;
    case Family::kDeepseekV3:
      read_deepseek_v3(c, a, m.notes);
      break;
  }

  // Identity: `_name_or_path` when the file names its repository, else the file (or, for a
  // config.json, its folder).
  const std::string name_or_path = c.text_or("_name_or_path", "");
  m.id = make_id(name_or_path, file);
  m.hf_repo = name_or_path;
  m.name = name_or_path.empty() ? m.id : name_or_path;

  if (diags.error_count() == errors_before) {
    for (const auto& prob : core::check_arch(a))
      diags.error(r.where(), prob.key_path, prob.message);
  }
  if (diags.error_count() != errors_before) return std::nullopt;
  return m;
}

std::optional<ModelSpec> load_hf_config(const std::string& path, core::Diagnostics& diags) {
  auto text = impl::read_text_file(path, diags);
  if (!text) return std::nullopt;
  return parse_hf_config(*text, path, diags);
}

}  // namespace llmsizer::schema
