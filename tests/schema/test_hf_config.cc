// test_hf_config.cc — Hugging Face config.json reading (schema/hf_config.cc).
// Real config.json files (tests/data/hf, sources in its README.md) must give exactly the
// published or derived parameter totals; bad files (tests/data/invalid/hf_config) must give
// the located diagnostics their `.expect` sidecars list, one substring per line.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/model_arch.h"
#include "schema/model_spec.h"
#include "test_paths.h"

namespace fs = std::filesystem;
using llmsizer::core::Activation;
using llmsizer::core::AttentionKind;
using llmsizer::core::Diagnostics;
using llmsizer::core::Family;
using llmsizer::core::FfnKind;
using llmsizer::core::LayerWindow;
using llmsizer::core::NormKind;
using llmsizer::core::PositionKind;
using llmsizer::schema::ModelOrigin;
using llmsizer::schema::ModelSpec;

namespace {

std::string hf_path(const std::string& file) {
  return llmsizer::test::data_dir() + "/hf/" + file;
}

ModelSpec load_ok(const std::string& file) {
  Diagnostics diags;
  auto m = llmsizer::schema::load_hf_config(hf_path(file), diags);
  INFO(diags.format());
  REQUIRE(m.has_value());
  // Only notes (a default taken because a key is absent, e.g. Falcon's context), no errors
  // or warnings.
  for (const auto& d : diags.items()) CHECK(d.severity == llmsizer::core::Severity::kNote);
  return *m;
}

std::optional<ModelSpec> parse(const std::string& json, Diagnostics& diags,
                               const std::string& file = "<string>") {
  return llmsizer::schema::parse_hf_config(json, file, diags);
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

// Totals: `param_count_*_derived` from profiles/published/published_calibration.yaml where it lists
// the model; otherwise the published count named in the comment.
TEST_CASE("real config.json files give the published parameter totals exactly") {
  struct Case {
    const char* file;
    Family family;
    std::uint64_t total;
    std::uint64_t active;  // 0: dense (active == total)
  };
  const Case cases[] = {
      {"llama-2-7b.json", Family::kLlama, 6738415616, 0},
      {"llama-3.1-8b.json", Family::kLlama, 8030261248, 0},  // = 16060522496 B bf16 / 2
      {"mistral-7b-v0.1.json", Family::kMistral, 7241732096, 0},
      {"mixtral-8x7b.json", Family::kMixtral, 46702792704, 12879925248},
      {"qwen2.5-7b.json", Family::kQwen2, 7615616512, 0},
      {"gemma-2-9b-it.json", Family::kGemma2, 9241705984, 0},
      {"phi-3-mini-4k-instruct.json", Family::kPhi3, 3821079552, 0},
      {"falcon-7b-instruct.json", Family::kFalcon, 6921720704, 0},
      {"falcon-7b-rw.json", Family::kFalcon, 6921720704, 0},
      {"falcon-40b-instruct.json", Family::kFalcon, 41303293952, 0},
      // MPT-7B: 6.7B on the model card; no wpe with ALiBi, weight-only LayerNorms (no_bias).
      {"mpt-7b.json", Family::kMpt, 6649286656, 0},
      // GPT-J-6B: sum(p.numel()) of transformers' GPTJForCausalLM. The model card's
      // 6,053,381,344 counts the mesh-transformer-jax parameters instead.
      {"gpt-j-6b.json", Family::kGptJ, 6050882784, 0},
      // GPT-NeoX-20B: n_parameters 20554567680 in the EleutherAI model card.
      {"gpt-neox-20b.json", Family::kGptNeoX, 20554567680, 0},
      // DeepSeek-V3: 671B total / 37B active (README), multi-token-prediction module excluded.
      {"deepseek-v3.json", Family::kDeepseekV3, 671026419200, 37552297472},
  };
  for (const auto& c : cases) {
    SECTION(c.file) {
      const ModelSpec m = load_ok(c.file);
      CHECK(m.arch.family == c.family);
      CHECK(m.origin == ModelOrigin::kHfConfig);
      CHECK_FALSE(m.published.has_value());
      CHECK(m.source == hf_path(c.file));
      const auto p = llmsizer::core::count_params(m.arch);
      CHECK(p.total == c.total);
      CHECK(p.active == (c.active ? c.active : c.total));
    }
  }
}

TEST_CASE("family conventions come out of config.json as the models are built") {
  SECTION("Llama-2-7B: identity from _name_or_path") {
    const auto m = load_ok("llama-2-7b.json");
    CHECK(m.id == "llama-2-7b-hf");
    CHECK(m.hf_repo == "meta-llama/Llama-2-7b-hf");
    CHECK(m.name == "meta-llama/Llama-2-7b-hf");
    CHECK(m.arch.attention.head_dim == 128);
    CHECK(m.arch.max_context == 4096);
    CHECK(m.arch.norm.per_layer == 2);
    CHECK(m.arch.attention.sliding_window == 0);
  }
  SECTION("Llama-3.1-8B: GQA, no _name_or_path so the file names it") {
    const auto m = load_ok("llama-3.1-8b.json");
    CHECK(m.id == "llama-3.1-8b");
    CHECK(m.hf_repo.empty());
    CHECK(m.arch.attention.num_kv_heads == 8);
    CHECK(m.arch.max_context == 131072);
  }
  SECTION("Mistral-7B: every layer slides over 4096 tokens") {
    const auto m = load_ok("mistral-7b-v0.1.json");
    CHECK(m.arch.attention.sliding_window == 4096);
    CHECK(m.arch.attention.window_pattern.empty());
  }
  SECTION("Mixtral-8x7B: 8 experts, top-2, no window (sliding_window: null)") {
    const auto m = load_ok("mixtral-8x7b.json");
    CHECK(m.arch.moe.num_experts == 8);
    CHECK(m.arch.moe.top_k == 2);
    CHECK(m.arch.moe.expert_intermediate_size == 14336);
    CHECK(m.arch.attention.sliding_window == 0);
  }
  SECTION("Qwen2.5-7B: q/k/v biases, use_sliding_window false means no window") {
    const auto m = load_ok("qwen2.5-7b.json");
    CHECK(m.arch.attention.qkv_bias);
    CHECK_FALSE(m.arch.attention.out_bias);
    CHECK(m.arch.attention.sliding_window == 0);
    CHECK_FALSE(m.arch.tie_embeddings);
  }
  SECTION("Gemma-2-9B: head_dim 256, 4 norms, tied, GeGLU, alternate local/global") {
    const auto m = load_ok("gemma-2-9b-it.json");
    CHECK(m.arch.attention.head_dim == 256);
    CHECK(m.arch.norm.per_layer == 4);
    CHECK(m.arch.tie_embeddings);  // absent from the file: Gemma2Config default
    CHECK(m.arch.ffn.activation == Activation::kGeluTanh);
    CHECK(m.arch.attention.sliding_window == 4096);
    CHECK(m.arch.attention.window_pattern ==
          std::vector<LayerWindow>{LayerWindow::kSliding, LayerWindow::kFull});
  }
  SECTION("Phi-3-mini: window 2047 on every layer") {
    const auto m = load_ok("phi-3-mini-4k-instruct.json");
    CHECK(m.id == "phi-3-mini-4k-instruct");
    CHECK(m.arch.attention.head_dim == 96);
    CHECK(m.arch.attention.sliding_window == 2047);
  }
  SECTION("Falcon-7B: multi_query wins over num_kv_heads, one LayerNorm, parallel") {
    for (const char* file : {"falcon-7b-instruct.json", "falcon-7b-rw.json"}) {
      const auto m = load_ok(file);
      CHECK(m.arch.attention.num_heads == 71);
      CHECK(m.arch.attention.num_kv_heads == 1);
      CHECK(m.arch.attention.head_dim == 64);
      CHECK(m.arch.norm.kind == NormKind::kLayerNorm);
      CHECK(m.arch.norm.bias);
      CHECK(m.arch.norm.per_layer == 1);
      CHECK(m.arch.parallel_block);
      CHECK(m.arch.tie_embeddings);
      CHECK(m.arch.ffn.kind == FfnKind::kPlain);
      CHECK(m.arch.ffn.intermediate_size == 4 * 4544);
      CHECK(m.arch.max_context == 2048);
    }
  }
  SECTION("Falcon-40B: new decoder, 8 KV heads, two LayerNorms") {
    const auto m = load_ok("falcon-40b-instruct.json");
    CHECK(m.id == "falcon-40b-instruct");
    CHECK(m.arch.attention.num_kv_heads == 8);
    CHECK(m.arch.norm.per_layer == 2);
  }
  SECTION("MPT-7B: ALiBi, no biases, tied") {
    const auto m = load_ok("mpt-7b.json");
    CHECK(m.arch.position == PositionKind::kAlibi);
    CHECK_FALSE(m.arch.norm.bias);
    CHECK_FALSE(m.arch.ffn.bias);
    CHECK(m.arch.tie_embeddings);
    CHECK(m.arch.ffn.intermediate_size == 16384);
  }
  SECTION("GPT-J-6B: rotary_dim 64, n_inner null = 4 d, biased untied lm_head") {
    const auto m = load_ok("gpt-j-6b.json");
    CHECK(m.arch.rotary_dim == 64);
    CHECK(m.arch.attention.head_dim == 256);
    CHECK(m.arch.ffn.intermediate_size == 16384);
    CHECK(m.arch.lm_head_bias);
    CHECK_FALSE(m.arch.tie_embeddings);
    CHECK(m.arch.norm.per_layer == 1);
    CHECK(m.arch.ffn.activation == Activation::kGeluTanh);
  }
  SECTION("GPT-NeoX-20B: rotary_pct 0.25 of 96, biased attention, parallel residual") {
    const auto m = load_ok("gpt-neox-20b.json");
    CHECK(m.arch.rotary_dim == 24);
    CHECK(m.arch.attention.qkv_bias);
    CHECK(m.arch.attention.out_bias);
    CHECK(m.arch.parallel_block);
    CHECK(m.arch.norm.per_layer == 2);
  }
  SECTION("DeepSeek-V3: MLA ranks, 3 dense layers, router bias, MTP noted") {
    const auto m = load_ok("deepseek-v3.json");
    const auto& at = m.arch.attention;
    CHECK(at.kind == AttentionKind::kMla);
    CHECK(at.mla.q_lora_rank == 1536);
    CHECK(at.mla.kv_lora_rank == 512);
    CHECK(at.head_dim == 192);
    CHECK(m.arch.moe.first_dense_layers == 3);
    CHECK(m.arch.moe.num_shared_experts == 1);
    CHECK(m.arch.moe.router_bias);
    CHECK(m.arch.max_context == 163840);
    CHECK(m.notes.find("num_nextn_predict_layers") != std::string::npos);
  }
}

TEST_CASE("config.json defaults, nulls and layouts follow the transformers config classes") {
  Diagnostics diags;
  SECTION("id falls back to the folder holding config.json") {
    const auto m = parse(R"({"architectures": ["MistralForCausalLM"], "hidden_size": 64,
        "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 128,
        "vocab_size": 100})",
                         diags, "/models/Mistral-7B-v0.1/config.json");
    REQUIRE(m);
    CHECK(m->id == "mistral-7b-v0.1");
    CHECK(m->name == "mistral-7b-v0.1");
    CHECK(m->arch.attention.sliding_window == 4096);  // MistralConfig default
    CHECK(m->arch.max_context == 131072);
    CHECK(m->arch.attention.num_kv_heads == 4);
  }
  SECTION("an absent max_position_embeddings takes the class default, with a note saying so") {
    const auto m = parse(R"({"architectures": ["LlamaForCausalLM"], "model_type": "llama",
        "hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
        "intermediate_size": 128, "vocab_size": 100})",
                         diags, "config.json");
    REQUIRE(m);
    CHECK(m->arch.max_context == 2048);  // LlamaConfig default
    CHECK_FALSE(diags.has_errors());
    REQUIRE(diags.items().size() == 1);
    CHECK(diags.items()[0].severity == llmsizer::core::Severity::kNote);
    CHECK(diags.items()[0].key_path == "max_position_embeddings");
    CHECK_THAT(diags.items()[0].message,
               Catch::Contains("2048 tokens") && Catch::Contains("model_type 'llama'"));
    Diagnostics given;
    const auto g = parse(R"({"architectures": ["LlamaForCausalLM"], "hidden_size": 64,
        "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 128,
        "vocab_size": 100, "max_position_embeddings": 8192})",
                         given, "config.json");
    REQUIRE(g);
    CHECK(g->arch.max_context == 8192);
    CHECK(given.empty());
  }
  SECTION("no folder and no _name_or_path: hf-config") {
    const auto m = parse(R"({"architectures": ["LlamaForCausalLM"], "hidden_size": 64,
        "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 128,
        "vocab_size": 100})",
                         diags, "config.json");
    REQUIRE(m);
    CHECK(m->id == "hf-config");
  }
  SECTION("Qwen2 with use_sliding_window: layers from max_window_layers slide") {
    const auto m = parse(R"({"architectures": ["Qwen2ForCausalLM"], "hidden_size": 64,
        "num_hidden_layers": 4, "num_attention_heads": 4, "intermediate_size": 128,
        "vocab_size": 100, "use_sliding_window": true, "sliding_window": 512,
        "max_window_layers": 2})",
                         diags);
    REQUIRE(m);
    CHECK(m->arch.attention.sliding_window == 512);
    CHECK(m->arch.attention.window_pattern ==
          std::vector<LayerWindow>{LayerWindow::kFull, LayerWindow::kFull, LayerWindow::kSliding,
                                   LayerWindow::kSliding});
  }
  SECTION("layer_types, when written out, decides which layers slide") {
    const auto m = parse(R"({"architectures": ["Gemma2ForCausalLM"], "hidden_size": 64,
        "num_hidden_layers": 3, "num_attention_heads": 4, "intermediate_size": 128,
        "vocab_size": 100, "head_dim": 16, "sliding_window": 32,
        "layer_types": ["full_attention", "full_attention", "sliding_attention"]})",
                         diags);
    REQUIRE(m);
    CHECK(m->arch.attention.window_pattern ==
          std::vector<LayerWindow>{LayerWindow::kFull, LayerWindow::kFull, LayerWindow::kSliding});
  }
  SECTION("legacy RefinedWeb (Falcon-40B layout) is the new decoder with n_head_kv") {
    const auto m = parse(R"({"architectures": ["RWForCausalLM"], "model_type": "RefinedWeb",
        "hidden_size": 8192, "n_head": 128, "n_head_kv": 8, "n_layer": 60,
        "vocab_size": 65024, "parallel_attn": true, "bias": false, "alibi": false})",
                         diags);
    REQUIRE(m);
    CHECK(m->arch.attention.num_kv_heads == 8);
    CHECK(m->arch.norm.per_layer == 2);
    CHECK(llmsizer::core::count_params(m->arch).total == 41303293952);
  }
  SECTION("MPT without ALiBi learns its positions") {
    const auto m = parse(R"({"architectures": ["MPTForCausalLM"], "d_model": 64,
        "n_heads": 4, "n_layers": 2, "vocab_size": 100, "max_seq_len": 256,
        "attn_config": {"alibi": false}})",
                         diags);
    REQUIRE(m);
    CHECK(m->arch.position == PositionKind::kLearned);
  }
  SECTION("DeepSeek q_lora_rank: null means a plain q projection") {
    const auto m = parse(R"({"architectures": ["DeepseekV3ForCausalLM"], "hidden_size": 64,
        "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 128,
        "vocab_size": 100, "q_lora_rank": null, "kv_lora_rank": 16, "qk_nope_head_dim": 8,
        "qk_rope_head_dim": 4, "v_head_dim": 8, "n_routed_experts": 4,
        "num_experts_per_tok": 2, "moe_intermediate_size": 32, "first_k_dense_replace": 1})",
                         diags);
    REQUIRE(m);
    CHECK(m->arch.attention.mla.q_lora_rank == 0);
    CHECK(m->arch.moe.num_experts == 4);
  }
  SECTION("minified JSON reads the same") {
    const auto m = parse(R"({"architectures":["LlamaForCausalLM"],"hidden_size":64,)"
                         R"("num_hidden_layers":2,"num_attention_heads":4,)"
                         R"("intermediate_size":128,"vocab_size":100})",
                         diags);
    REQUIRE(m);
    CHECK(m->arch.attention.head_dim == 16);
  }
  INFO(diags.format());
  // The minimal configs above leave out the context length: a note each, nothing else.
  for (const auto& d : diags.items()) CHECK(d.severity == llmsizer::core::Severity::kNote);
}

TEST_CASE("supported architectures are listed and unknown ones are named with a suggestion") {
  const auto names = llmsizer::schema::supported_hf_architectures();
  for (const char* n :
       {"LlamaForCausalLM", "MistralForCausalLM", "MixtralForCausalLM", "Qwen2ForCausalLM",
        "Gemma2ForCausalLM", "Phi3ForCausalLM", "FalconForCausalLM", "RWForCausalLM",
        "MPTForCausalLM", "GPTJForCausalLM", "GPTNeoXForCausalLM", "DeepseekV3ForCausalLM"})
    CHECK(std::find(names.begin(), names.end(), n) != names.end());

  Diagnostics diags;
  const auto m = parse("{\n  \"architectures\": [\"LlamaForCausalLm\"]\n}\n", diags);
  CHECK_FALSE(m);
  REQUIRE(diags.error_count() == 1);
  const std::string text = diags.format();
  INFO(text);
  CHECK(text.find("<string>:2:21: error: architectures[0]: 'LlamaForCausalLm' is not a "
                  "supported architecture (did you mean 'LlamaForCausalLM'") != std::string::npos);
  CHECK(text.find("DeepseekV3ForCausalLM") != std::string::npos);
}

TEST_CASE("invalid config.json files give the diagnostics their .expect files name") {
  const fs::path dir = fs::path(llmsizer::test::data_dir()) / "invalid" / "hf_config";
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".json") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() >= 5);
  for (const auto& f : files) {
    SECTION(f.filename().string()) {
      const fs::path expect = f.string() + ".expect";
      REQUIRE(fs::exists(expect));
      Diagnostics diags;
      const auto m = llmsizer::schema::load_hf_config(f.string(), diags);
      const std::string text = diags.format();
      INFO(text);
      CHECK_FALSE(m.has_value());
      CHECK(diags.has_errors());
      std::istringstream lines(read_file(expect));
      std::string line;
      int expectations = 0;
      while (std::getline(lines, line)) {
        if (line.empty()) continue;
        ++expectations;
        INFO("expected: " << line);
        CHECK(text.find(line) != std::string::npos);
      }
      CHECK(expectations > 0);
    }
  }
}
