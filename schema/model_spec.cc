// model_spec.cc — strict decode/encode of `model` documents (docs/schema/model.md).
#include "schema/model_spec.h"

#include <fmt/format.h>

#include "schema/impl/yaml_reader.h"
#include "schema/text_writer.h"

namespace llmsizer::schema {

using core::Activation;
using core::AttentionKind;
using core::Family;
using core::FfnKind;
using core::LayerWindow;
using core::NormKind;
using core::PositionKind;
using impl::Need;
using impl::Reader;

namespace {

constexpr std::int64_t kMaxDim = std::int64_t{1} << 32;

template <class E>
std::vector<std::pair<std::string, E>> enum_names(E last) {
  std::vector<std::pair<std::string, E>> out;
  for (int i = 0; i <= static_cast<int>(last); ++i) {
    const auto e = static_cast<E>(i);
    out.emplace_back(core::to_string(e), e);
  }
  return out;
}

void read_attention(Reader& r, core::ModelArch& a) {
  auto& at = a.attention;
  r.get_enum("kind", at.kind, Need::kRequired, enum_names(AttentionKind::kMla));
  r.get("num_heads", at.num_heads, Need::kRequired, 1, kMaxDim);
  const Need std_need = at.kind == AttentionKind::kStandard ? Need::kRequired : Need::kOptional;
  if (!r.get("num_kv_heads", at.num_kv_heads, std_need, 1, kMaxDim)) at.num_kv_heads = at.num_heads;
  r.get("head_dim", at.head_dim, std_need, 1, kMaxDim);
  r.get("qkv_bias", at.qkv_bias, Need::kOptional);
  r.get("out_bias", at.out_bias, Need::kOptional);
  r.get("sliding_window", at.sliding_window, Need::kOptional, 0, kMaxDim);
  std::vector<std::string> pattern;
  if (r.get("sliding_window_pattern", pattern, Need::kOptional)) {
    if (pattern.empty()) r.error("sliding_window_pattern", "the pattern is empty");
    for (const auto& p : pattern) {
      if (p == "sliding")
        at.window_pattern.push_back(LayerWindow::kSliding);
      else if (p == "full")
        at.window_pattern.push_back(LayerWindow::kFull);
      else
        r.error("sliding_window_pattern", "'" + p + "' is not one of: sliding, full");
    }
  }
  if (auto m = r.child("mla", at.kind == AttentionKind::kMla ? Need::kRequired : Need::kOptional)) {
    if (at.kind != AttentionKind::kMla) m->error_here("mla settings need attention.kind: mla");
    m->get("q_lora_rank", at.mla.q_lora_rank, Need::kRequired, 0, kMaxDim);
    m->get("kv_lora_rank", at.mla.kv_lora_rank, Need::kRequired, 1, kMaxDim);
    m->get("qk_nope_head_dim", at.mla.qk_nope_head_dim, Need::kRequired, 1, kMaxDim);
    m->get("qk_rope_head_dim", at.mla.qk_rope_head_dim, Need::kRequired, 1, kMaxDim);
    m->get("v_head_dim", at.mla.v_head_dim, Need::kRequired, 1, kMaxDim);
    m->finish();
  }
  r.finish();
}

void read_arch(Reader& r, core::ModelArch& a) {
  r.get("hidden_size", a.hidden_size, Need::kRequired, 1, kMaxDim);
  r.get("num_layers", a.num_layers, Need::kRequired, 1, kMaxDim);
  r.get("vocab_size", a.vocab_size, Need::kRequired, 1, kMaxDim);
  r.get("max_context", a.max_context, Need::kRequired, 1, kMaxDim);
  r.get("tie_embeddings", a.tie_embeddings, Need::kRequired);
  r.get("lm_head_bias", a.lm_head_bias, Need::kOptional);
  r.get_enum("position", a.position, Need::kRequired, enum_names(PositionKind::kNone));
  r.get("rotary_dim", a.rotary_dim, Need::kOptional, 0, kMaxDim);
  r.get("parallel_block", a.parallel_block, Need::kOptional);
  if (auto at = r.child("attention", Need::kRequired)) read_attention(*at, a);
  if (auto f = r.child("ffn", Need::kRequired)) {
    f->get_enum("kind", a.ffn.kind, Need::kRequired, enum_names(FfnKind::kPlain));
    f->get_enum("activation", a.ffn.activation, Need::kRequired, enum_names(Activation::kRelu));
    f->get("intermediate_size", a.ffn.intermediate_size, Need::kRequired, 0, kMaxDim);
    f->get("bias", a.ffn.bias, Need::kOptional);
    f->finish();
  }
  if (auto m = r.child("moe", Need::kOptional)) {
    m->get("num_experts", a.moe.num_experts, Need::kRequired, 1, kMaxDim);
    m->get("top_k", a.moe.top_k, Need::kRequired, 1, kMaxDim);
    m->get("expert_intermediate_size", a.moe.expert_intermediate_size, Need::kRequired, 1, kMaxDim);
    m->get("num_shared_experts", a.moe.num_shared_experts, Need::kOptional, 0, kMaxDim);
    m->get("first_dense_layers", a.moe.first_dense_layers, Need::kOptional, 0, kMaxDim);
    m->get("router_bias", a.moe.router_bias, Need::kOptional);
    m->finish();
  }
  if (auto n = r.child("norm", Need::kRequired)) {
    n->get_enum("kind", a.norm.kind, Need::kRequired, enum_names(NormKind::kLayerNorm));
    n->get("bias", a.norm.bias, Need::kOptional);
    n->get("per_layer", a.norm.per_layer, Need::kRequired, 0, 16);
    n->get("final", a.norm.final_norm, Need::kOptional);
    n->finish();
  }
  r.finish();
}

}  // namespace

std::optional<ModelSpec> parse_model_yaml(std::string_view text, const std::string& file,
                                          core::Diagnostics& diags) {
  const std::size_t errors_before = diags.error_count();
  impl::DocContext ctx{file, &diags};
  auto root = impl::parse_yaml_text(text, ctx);
  if (!root) return std::nullopt;
  Reader r(*root, "", &ctx);
  ModelSpec m;
  m.origin_path = file;
  impl::read_header(r, "model", kModelSchemaVersion, m.id);
  r.get("name", m.name, Need::kRequired);
  r.get("hf_repo", m.hf_repo, Need::kRequired);
  r.get("aliases", m.aliases, Need::kOptional);
  r.get_enum("family", m.arch.family, Need::kRequired, enum_names(Family::kDeepseekV3));
  if (auto a = r.child("architecture", Need::kRequired)) read_arch(*a, m.arch);
  if (auto p = r.child("published", Need::kRequired)) {
    PublishedParams pp;
    std::int64_t total = 0, active = 0;
    if (p->get("params_total", total, Need::kRequired, 1, std::int64_t{1} << 53))
      pp.params_total = static_cast<std::uint64_t>(total);
    if (p->get("params_active", active, Need::kOptional, 1, std::int64_t{1} << 53))
      pp.params_active = static_cast<std::uint64_t>(active);
    p->get("source", pp.source, Need::kRequired);
    if (p->get("as_of", pp.as_of, Need::kRequired) && !impl::is_valid_date(pp.as_of))
      p->error("as_of", "'" + pp.as_of + "' is not a date (YYYY-MM-DD)");
    p->finish();
    m.published = pp;
  }
  r.get("source", m.source, Need::kRequired);
  if (r.get("as_of", m.as_of, Need::kRequired) && !impl::is_valid_date(m.as_of))
    r.error("as_of", "'" + m.as_of + "' is not a date (YYYY-MM-DD)");
  r.get("notes", m.notes, Need::kOptional);
  r.finish();

  if (diags.error_count() == errors_before) {
    for (const auto& prob : core::check_arch(m.arch))
      diags.error(r.where(), prob.key_path, prob.message);
  }
  if (diags.error_count() != errors_before) return std::nullopt;
  return m;
}

std::optional<ModelSpec> load_model_yaml(const std::string& path, core::Diagnostics& diags) {
  auto text = impl::read_text_file(path, diags);
  if (!text) return std::nullopt;
  auto m = parse_model_yaml(*text, path, diags);
  if (m) m->origin = ModelOrigin::kYamlFile;
  return m;
}

std::string write_model_yaml(const ModelSpec& m) {
  const auto& a = m.arch;
  YamlWriter w;
  w.field("schema", "model");
  w.field("schema_version", kModelSchemaVersion);
  w.field("id", m.id);
  w.field("name", m.name);
  w.field("hf_repo", m.hf_repo);
  if (!m.aliases.empty()) w.field("aliases", m.aliases);
  w.field("family", core::to_string(a.family));
  w.begin_map("architecture");
  w.field("hidden_size", a.hidden_size);
  w.field("num_layers", a.num_layers);
  w.field("vocab_size", a.vocab_size);
  w.field("max_context", a.max_context);
  w.field("tie_embeddings", a.tie_embeddings);
  if (a.lm_head_bias) w.field("lm_head_bias", true);
  w.field("position", core::to_string(a.position));
  if (a.rotary_dim) w.field("rotary_dim", a.rotary_dim);
  if (a.parallel_block) w.field("parallel_block", true);
  w.begin_map("attention");
  const auto& at = a.attention;
  w.field("kind", core::to_string(at.kind));
  w.field("num_heads", at.num_heads);
  if (at.kind == AttentionKind::kStandard) {
    w.field("num_kv_heads", at.num_kv_heads);
    w.field("head_dim", at.head_dim);
  }
  if (at.qkv_bias) w.field("qkv_bias", true);
  if (at.out_bias) w.field("out_bias", true);
  if (at.sliding_window) w.field("sliding_window", at.sliding_window);
  if (!at.window_pattern.empty()) {
    std::vector<std::string> p;
    for (auto lw : at.window_pattern) p.emplace_back(core::to_string(lw));
    w.field("sliding_window_pattern", p);
  }
  if (at.kind == AttentionKind::kMla) {
    w.begin_map("mla");
    w.field("q_lora_rank", at.mla.q_lora_rank);
    w.field("kv_lora_rank", at.mla.kv_lora_rank);
    w.field("qk_nope_head_dim", at.mla.qk_nope_head_dim);
    w.field("qk_rope_head_dim", at.mla.qk_rope_head_dim);
    w.field("v_head_dim", at.mla.v_head_dim);
    w.end_map();
  }
  w.end_map();
  w.begin_map("ffn");
  w.field("kind", core::to_string(a.ffn.kind));
  w.field("activation", core::to_string(a.ffn.activation));
  w.field("intermediate_size", a.ffn.intermediate_size);
  if (a.ffn.bias) w.field("bias", true);
  w.end_map();
  if (a.is_moe()) {
    w.begin_map("moe");
    w.field("num_experts", a.moe.num_experts);
    w.field("top_k", a.moe.top_k);
    w.field("expert_intermediate_size", a.moe.expert_intermediate_size);
    if (a.moe.num_shared_experts) w.field("num_shared_experts", a.moe.num_shared_experts);
    if (a.moe.first_dense_layers) w.field("first_dense_layers", a.moe.first_dense_layers);
    if (a.moe.router_bias) w.field("router_bias", true);
    w.end_map();
  }
  w.begin_map("norm");
  w.field("kind", core::to_string(a.norm.kind));
  if (a.norm.bias) w.field("bias", true);
  w.field("per_layer", a.norm.per_layer);
  if (!a.norm.final_norm) w.field("final", false);
  w.end_map();
  w.end_map();
  if (m.published) {
    w.begin_map("published");
    w.field("params_total", m.published->params_total);
    if (m.published->params_active) w.field("params_active", m.published->params_active);
    w.field("source", m.published->source);
    w.field("as_of", m.published->as_of);
    w.end_map();
  }
  w.field("source", m.source);
  w.field("as_of", m.as_of);
  if (!m.notes.empty()) w.field("notes", m.notes);
  return w.str();
}

}  // namespace llmsizer::schema
