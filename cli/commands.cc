// commands.cc — list / show / estimate: resolve names, call the library, print.
#include "cli/commands.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <optional>

#include <fmt/format.h>

#include "cli/deployment.h"
#include "cli/output.h"
#include "core/units.h"
#include "core/weight_scheme.h"
#include "estimator/estimate.h"
#include "report/listings.h"
#include "schema/catalog.h"
#include "schema/pricing.h"
#include "schema/text_writer.h"

namespace llmsizer::cli {

int run_list(const GlobalOptions& g, const std::string& what, const std::string& format) {
  core::Diagnostics d;
  if (!check_format(format, {"table", "json"}, d)) return fail(d);
  std::optional<report::Listing> l;
  if (what == "models" || what == "hardware") {
    auto c = catalog(g, d);
    if (!c) return fail(d);
    l = what == "models" ? report::list_models(*c) : report::list_hardware(*c);
  } else if (what == "apis" || what == "prices") {
    auto pc = schema::load_price_catalog(g.profiles, d);
    if (!pc) return fail(d);
    l = what == "apis" ? report::list_apis(*pc, "") : report::list_prices(*pc, "");
  } else if (what == "workloads") {
    l = report::list_workloads((std::filesystem::path(g.profiles) / "workloads").string(), d);
    if (d.has_errors()) return fail(d);
  } else {
    d.error(kCmdLine, "list", fmt::format("'{}': list one of {}", what, report::kListNames));
    return fail(d);
  }
  return emit("", format == "json" ? l->json : l->table, d) ? 0 : fail(d);
}

int run_show_model(const GlobalOptions& g, const std::string& name, const std::string& format) {
  core::Diagnostics d;
  if (!check_format(format, {"table", "json", "yaml"}, d)) return fail(d);
  auto c = catalog(g, d);
  if (!c) return fail(d);
  auto m = schema::resolve_model(*c, name, kCmdLine, "model", d);
  if (!m) return fail(d);
  const auto& a = m->arch;
  const auto p = core::count_params(a);
  static const char* kSchemes[] = {"f32",  "bf16",   "fp8",    "int8", "int4",   "q8_0",
                                   "q6_k", "q5_k_m", "q4_k_m", "q4_0", "q3_k_m", "q2_k"};
  if (format == "yaml") return emit("", schema::write_model_yaml(*m), d) ? 0 : fail(d);
  if (format == "json") {
    schema::JsonWriter j;
    j.begin_object();
    j.key("id").value(m->id).key("name").value(m->name).key("hf_repo").value(m->hf_repo);
    j.key("family").value(core::to_string(a.family));
    j.key("params").begin_object();
    j.key("total").value(p.total).key("active").value(p.active);
    j.key("embedding").value(p.embedding).key("attention").value(p.attention);
    j.key("ffn_dense").value(p.ffn_dense).key("ffn_experts").value(p.ffn_experts);
    j.key("ffn_shared").value(p.ffn_shared).key("router").value(p.router);
    j.key("norms").value(p.norms).key("lm_head").value(p.lm_head);
    j.end_object();
    j.key("weights_bytes").begin_object();
    for (const char* s : kSchemes)
      j.key(s).value(core::total_weight_bytes(a, *core::parse_weight_scheme(s)));
    j.end_object();
    j.key("kv_cache_bytes_per_token").begin_object();
    for (const char* kv : {"f16", "fp8_e4m3", "q8_0"})
      j.key(kv).value(core::kv_bytes_for_context(a, *core::parse_dtype(kv), 1));
    j.end_object();
    j.end_object();
    return emit("", j.str(), d) ? 0 : fail(d);
  }
  std::string out =
      fmt::format("{}{}, family {}\n", m->name, m->hf_repo.empty() ? "" : " (" + m->hf_repo + ")",
                  core::to_string(a.family));
  const auto& at = a.attention;
  out += fmt::format("  layers {}, hidden {}, vocab {}, context {} tokens, position {}\n",
                     a.num_layers, a.hidden_size, a.vocab_size, a.max_context,
                     core::to_string(a.position));
  if (at.kind == core::AttentionKind::kMla) {
    out += fmt::format(
        "  attention: MLA, {} heads, kv_lora_rank {}, q_lora_rank {}, "
        "qk {}+{} (nope+rope), v {}\n",
        at.num_heads, at.mla.kv_lora_rank, at.mla.q_lora_rank, at.mla.qk_nope_head_dim,
        at.mla.qk_rope_head_dim, at.mla.v_head_dim);
  } else {
    const char* kind = at.num_kv_heads == at.num_heads ? "MHA"
                       : at.num_kv_heads == 1          ? "MQA"
                                                       : "GQA";
    out +=
        fmt::format("  attention: {}, {} heads, {} KV heads, head_dim {}{}{}\n", kind, at.num_heads,
                    at.num_kv_heads, at.head_dim, at.qkv_bias ? ", qkv bias" : "",
                    at.sliding_window ? fmt::format(", sliding window {}", at.sliding_window) : "");
  }
  out += fmt::format("  ffn: {} {}, intermediate {}{}\n", core::to_string(a.ffn.kind),
                     core::to_string(a.ffn.activation), a.ffn.intermediate_size,
                     a.parallel_block ? ", parallel attention+MLP block" : "");
  if (a.is_moe())
    out += fmt::format(
        "  moe: {} experts, top {}, {} shared, expert width {}, {} leading dense "
        "layers\n",
        a.moe.num_experts, a.moe.top_k, a.moe.num_shared_experts, a.moe.expert_intermediate_size,
        a.moe.first_dense_layers);
  out += fmt::format("  norm: {} x{} per layer{}, embeddings {}\n\n", core::to_string(a.norm.kind),
                     a.norm.per_layer, a.norm.bias ? " with bias" : "",
                     a.tie_embeddings ? "tied" : "untied");
  out += "parameters (computed from the architecture)\n";
  auto row = [&](const char* what, std::uint64_t n) {
    if (n == 0) return;
    out += fmt::format("  {:<16} {:>20} {:>10} {:>6.2f}%\n", what, core::format_thousands(n),
                       core::format_count(n),
                       100.0 * static_cast<double>(n) / static_cast<double>(p.total));
  };
  row("embedding", p.embedding);
  row("attention", p.attention);
  row("ffn (dense)", p.ffn_dense);
  row("routed experts", p.ffn_experts);
  row("shared experts", p.ffn_shared);
  row("router", p.router);
  row("norms", p.norms);
  row("lm_head", p.lm_head);
  row("total", p.total);
  if (p.active != p.total) row("active/token", p.active);
  if (m->published) {
    const bool match = m->published->params_total == p.total;
    out += fmt::format("  published total {} ({}){}\n",
                       core::format_thousands(m->published->params_total),
                       match ? "matches" : "DIFFERS", "; source: " + m->published->source);
  }
  out += "\nweight size by scheme (computed; llama.cpp mixes follow llama-quantize's rules)\n";
  for (const char* s : kSchemes) {
    const auto bytes = core::total_weight_bytes(a, *core::parse_weight_scheme(s));
    out += fmt::format("  {:<8} {:>12}  {:>5.2f} bits/weight\n", s, core::format_bytes(bytes),
                       8.0 * static_cast<double>(bytes) / static_cast<double>(p.total));
  }
  out += "\nKV cache per token (all layers, one sequence)\n";
  for (const char* kv : {"f16", "fp8_e4m3", "q8_0"})
    out +=
        fmt::format("  {:<8} {:>12}\n", kv,
                    core::format_bytes(core::kv_bytes_for_context(a, *core::parse_dtype(kv), 1)));
  return emit("", out, d) ? 0 : fail(d);
}

int run_estimate(const GlobalOptions& g, const EstimateOptions& o) {
  core::Diagnostics d;
  check_format(o.format, {"table", "json", "csv", "md"}, d);
  auto dep = resolve_deployment(g, o.dep, d);
  if (d.has_errors() || !dep) return fail(d);
  estimator::EstimateRequest req;
  static_cast<estimator::Deployment&>(req) = dep->view();
  req.devices = o.count;
  req.batch = o.batch;
  req.prompt_tokens = o.prompt;
  req.output_tokens = o.output;
  req.explain = o.explain;
  req.error_band = find_error_band(g.profiles, req.measured != nullptr);
  for (const auto& problem : estimator::check_request(req)) d.error(kCmdLine, "", problem);
  if (d.has_errors()) return fail(d);

  const auto report = estimator::estimate(req);
  std::string text;
  if (o.format == "json")
    text = schema::report_to_json(report);
  else if (o.format == "csv")
    text = schema::report_to_csv({report});
  else if (o.format == "md")
    text = schema::report_to_markdown(report);
  else
    text = schema::report_to_table(report);
  return emit(o.out, text, d) ? 0 : fail(d);
}

}  // namespace llmsizer::cli
