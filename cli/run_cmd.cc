// run_cmd.cc — `llmsizer run`: resolve the model through the catalog, build the reference
// decoder (random weights of the requested dtype), prefill + decode, and print tokens/s,
// useful FLOP/s and bytes/s (op costs from core/), the per-op breakdown, memory and RSS.
#include "cli/run_cmd.h"

#include <sys/resource.h>

#include <cstdio>

#include <fmt/format.h>

#include "cli/deployment.h"
#include "cli/output.h"
#include "core/units.h"
#include "kernels/cpu/thread_pool.h"
#include "kernels/decoder/decoder.h"
#include "schema/catalog.h"
#include "schema/text_writer.h"

namespace llmsizer::cli {

namespace {

using kernels::DecoderOp;
using kernels::PhaseStats;

std::uint64_t peak_rss_bytes() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<std::uint64_t>(u.ru_maxrss) * 1024;  // Linux: KiB
}

double per_s(double v, double s) {
  return s > 0 ? v / s : 0;
}

void phase_json(schema::JsonWriter& j, const PhaseStats& p, bool decode) {
  j.begin_object();
  j.key("tokens").value(p.tokens).key("passes").value(p.passes);
  j.key("seconds").value(p.seconds).key("cpu_seconds").value(p.cpu_seconds);
  j.key("tokens_per_s").value(per_s(static_cast<double>(p.tokens), p.seconds));
  j.key("flops").value(p.flops()).key("flop_per_s").value(per_s(p.flops(), p.seconds));
  j.key("bytes").value(p.bytes()).key("bytes_read").value(p.bytes_read());
  j.key("bytes_per_s").value(per_s(p.bytes(), p.seconds));
  if (decode && p.passes > 0) {
    j.key("seconds_per_step").value(p.seconds / static_cast<double>(p.passes));
    j.key("bytes_per_step").value(p.bytes() / static_cast<double>(p.passes));
    j.key("bytes_read_per_step").value(p.bytes_read() / static_cast<double>(p.passes));
  }
  j.key("ops").begin_object();
  for (std::size_t i = 0; i < kernels::kDecoderOpCount; ++i) {
    const auto& o = p.ops[i];
    j.key(kernels::decoder_op_name(static_cast<DecoderOp>(i))).begin_object();
    j.key("seconds").value(o.seconds).key("flops").value(o.flops).key("bytes").value(o.bytes);
    j.key("bytes_read").value(o.bytes_read);
    j.key("calls").value(o.calls);
    j.end_object();
  }
  j.end_object();
  j.end_object();
}

}  // namespace

CLI::App* add_run_command(CLI::App& app, RunCmdOptions& o) {
  auto* cmd = app.add_subcommand(
      "run",
      "run the reference decoder on this CPU with random weights of a model's shape: "
      "prefill and decode tokens/s (like llama-bench), per-op times, memory");
  cmd->footer(
      "The decoder is a Llama-family forward pass (GQA, SwiGLU/GeGLU, RMSNorm, RoPE, sliding "
      "window, q/k/v biases) on llmsizer's own kernels. Weights are random (from --seed), so "
      "the speed is real and the text is not: nothing is generated for reading.\n"
      "MoE, MLA, ALiBi, parallel-block and Gemma-2 models are refused with the reason, and so "
      "is a run whose weights + KV cache + buffers exceed the available memory.\n"
      "Weights: 2-D tensors (embedding and lm_head included) in --weights, norms and biases "
      "f32. f16 matrices get an f32 copy on load. q4_k needs hidden, FFN and q widths that are "
      "multiples of 256. On AVX-512 VNNI CPUs q8_0/q4_0 matrices are regrouped in place on "
      "load (rows4x16: same bytes, one forward stream per tile of 4 rows), as llama.cpp "
      "repacks its CPU weights; a --mmap'd file keeps llama.cpp's block layout.\n"
      "Examples:\n"
      "  llmsizer run -m tinyllama-1.1b -w q4_0 -p 128 -n 32\n"
      "  llmsizer run -m llama-2-7b -w q8_0 -t 2 --weights-file /var/tmp/l2-7b.q8_0.bin\n"
      "  llmsizer run -m llama-3.2-1b -w q4_k --kv-dtype q8_0 -b 4 --format json");
  cmd->add_option("-m,--model", o.model, "catalog name, HF repo id, or a .yaml/.json/.gguf path")
      ->required();
  cmd->add_option("-w,--weights", o.weights, "weight dtype: f32 | f16 | q8_0 | q4_0 | q4_k")
      ->capture_default_str();
  cmd->add_option("-p,--prompt", o.prompt, "prompt tokens per sequence (prefill)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 20))
      ->capture_default_str();
  cmd->add_option("-n,--output", o.output, "decode steps (tokens generated per sequence)")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 20))
      ->capture_default_str();
  cmd->add_option("-b,--batch", o.batch, "sequences decoded together")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{4096}))
      ->capture_default_str();
  cmd->add_option("-t,--threads", o.threads, "threads (default: all cores)")
      ->check(CLI::Range(1, 1024));
  cmd->add_flag("--pin", o.pin, "bind thread i to core i (hwloc)");
  cmd->add_option("--kv-dtype", o.kv, "KV-cache dtype: f32 | f16 | q8_0")->capture_default_str();
  cmd->add_option("--seed", o.seed, "seed of the random weights and prompt")->capture_default_str();
  cmd->add_option("--weights-file", o.weights_file,
                  "keep the weights in FILE: created once for (model, dtype, seed), then read "
                  "into memory (huge pages) on each run; repeated runs start fast");
  cmd->add_flag("--mmap", o.mmap,
                "map --weights-file read-only instead of reading it (4 KiB page-cache pages, as "
                "llama.cpp's default mmap: decode is slower on most hosts)");
  cmd->add_option("-f,--format", o.format, "table | json")->capture_default_str();
  cmd->add_option("-o,--out", o.out, "write the report to FILE (atomically) instead of stdout");
  cmd->add_flag("-q,--quiet", o.quiet, "no progress lines on stderr");
  return cmd;
}

// The report of a run as JSON and as a table.
std::string run_json(const RunCmdOptions& o, const schema::ModelSpec& model, core::DType weights,
                     core::DType kv_dtype, const kernels::Decoder& dec,
                     const kernels::DecoderRun& r, std::uint64_t rss) {
  const auto* m = &model;
  const auto wdt = &weights;
  const auto kv = &kv_dtype;
  const auto& mem = dec.memory();
  schema::JsonWriter j;
  j.begin_object();
  j.key("model").value(m->id).key("weights").value(core::name(*wdt));
  j.key("kv_dtype").value(core::name(*kv)).key("batch").value(o.batch);
  j.key("prompt").value(o.prompt).key("output").value(o.output);
  j.key("threads").value(dec.threads()).key("pinned").value(dec.pinned());
  j.key("seed").value(o.seed);
  j.key("weights_bytes").value(mem.weights_stored).key("weights_resident_bytes").value(mem.weights);
  j.key("kv_cache_bytes").value(mem.kv_cache).key("activation_bytes").value(mem.activations);
  j.key("weights_source")
      .value(dec.weights_mapped()   ? "file-mapped"
             : dec.weights_loaded() ? "file-read"
                                    : "generated");
  j.key("weights_layout").value(kernels::cpu::layout_name(dec.weights_layout()));
  j.key("peak_rss_bytes").value(rss);
  j.key("setup_seconds").value(dec.setup_seconds());
  j.key("logits_finite").value(r.logits_finite);
  j.key("prefill");
  phase_json(j, r.prefill, false);
  j.key("decode");
  phase_json(j, r.decode, true);
  j.key("basis").value(
      "measured on this host (steady_clock around each kernel call); FLOPs and bytes from "
      "core/ op costs");
  j.end_object();
  return j.str();
}

std::string run_table(const RunCmdOptions& o, const schema::ModelSpec& model, core::DType weights,
                      core::DType kv_dtype, const kernels::Decoder& dec,
                      const kernels::DecoderRun& r, std::uint64_t rss, const std::string& wsrc) {
  const auto* m = &model;
  const auto wdt = &weights;
  const auto kv = &kv_dtype;
  const auto& mem = dec.memory();
  std::string out;
  out += fmt::format("llmsizer run: {} ({}), random {} weights (seed {}), KV cache {}\n", m->name,
                     m->id, core::name(*wdt), o.seed, core::name(*kv));
  out += fmt::format(
      "threads {} ({}), batch {}; weights {} ({}), KV cache {}, activations {}; peak RSS {}; "
      "setup {:.1f} s\n\n",
      dec.threads(), dec.pinned() ? "pinned" : "unpinned", o.batch,
      core::format_bytes(mem.weights_stored), wsrc, core::format_bytes(mem.kv_cache),
      core::format_bytes(mem.activations), core::format_bytes(rss), dec.setup_seconds());
  out += fmt::format("{:<8} {:>8} {:>10} {:>10} {:>14} {:>18} {:>14}\n", "phase", "tokens", "time",
                     "CPU time", "tokens/s", "useful FLOP/s", "bytes/s");
  for (const auto& [name, p] :
       {std::pair<const char*, const PhaseStats&>{"prefill", r.prefill}, {"decode", r.decode}})
    out += fmt::format("{:<8} {:>8} {:>8.3f} s {:>8.3f} s {:>10.2f} t/s {:>18} {:>14}\n", name,
                       p.tokens, p.seconds, p.cpu_seconds,
                       per_s(static_cast<double>(p.tokens), p.seconds),
                       format_rate(per_s(p.flops(), p.seconds), "FLOP/s"),
                       format_rate(per_s(p.bytes(), p.seconds), "B/s"));
  if (r.decode.passes > 0)
    out += fmt::format("decode: {:.2f} ms per step, {} read+written per step\n",
                       1e3 * r.decode.seconds / static_cast<double>(r.decode.passes),
                       core::format_bytes(static_cast<std::uint64_t>(
                           r.decode.bytes() / static_cast<double>(r.decode.passes))));
  out += fmt::format("\n{:<12} {:>11} {:>6} {:>11} {:>6} {:>14}\n", "op", "prefill", "share",
                     "decode", "share", "decode/step");
  for (std::size_t i = 0; i < kernels::kDecoderOpCount; ++i) {
    const auto& pp = r.prefill.ops[i];
    const auto& dd = r.decode.ops[i];
    if (pp.calls == 0 && dd.calls == 0) continue;
    out += fmt::format(
        "{:<12} {:>9.4f} s {:>5.1f}% {:>9.4f} s {:>5.1f}% {:>11.3f} ms\n",
        kernels::decoder_op_name(static_cast<DecoderOp>(i)), pp.seconds,
        100 * per_s(pp.seconds, r.prefill.seconds), dd.seconds,
        100 * per_s(dd.seconds, r.decode.seconds),
        r.decode.passes ? 1e3 * dd.seconds / static_cast<double>(r.decode.passes) : 0.0);
  }
  out += fmt::format(
      "\nbasis: measured on this host, wall time per phase (CPU time: the process's, all "
      "threads; far below threads x time means the host was busy) and steady_clock around "
      "each kernel call; useful FLOPs and bytes are core/ op costs (a matmul counts 2 m k n "
      "FLOPs and its "
      "stored weight bytes)\n");
  return out;
}

int run_run(const GlobalOptions& g, const RunCmdOptions& o) {
  core::Diagnostics d;
  check_format(o.format, {"table", "json"}, d);
  const auto wdt = core::parse_dtype(o.weights);
  if (!wdt ||
      !(*wdt == core::DType::kF32 || *wdt == core::DType::kF16 || *wdt == core::DType::kQ8_0 ||
        *wdt == core::DType::kQ4_0 || *wdt == core::DType::kQ4_K))
    d.error(kCmdLine, "--weights",
            fmt::format("'{}' is not a weight dtype the decoder runs; use f32, f16, q8_0, q4_0 "
                        "or q4_k",
                        o.weights));
  const auto kv = core::parse_dtype(o.kv);
  if (!kv || !(*kv == core::DType::kF32 || *kv == core::DType::kF16 || *kv == core::DType::kQ8_0))
    d.error(
        kCmdLine, "--kv-dtype",
        fmt::format("'{}' is not a KV-cache dtype the decoder runs; use f32, f16 or q8_0", o.kv));
  if (d.has_errors()) return fail(d);
  auto c = catalog(g, d);
  if (!c) return fail(d);
  auto m = schema::resolve_model(*c, o.model, kCmdLine, "--model", d);
  if (!m) return fail(d);

  kernels::DecoderConfig cfg;
  cfg.weights = *wdt;
  cfg.kv = *kv;
  cfg.batch = o.batch;
  cfg.max_prefill = o.prompt;
  cfg.max_tokens = o.prompt + o.output;
  cfg.threads = o.threads > 0 ? o.threads : kernels::cpu::ThreadPool::hardware_cores();
  cfg.pin = o.pin;
  cfg.seed = o.seed;
  cfg.weights_file = o.weights_file;
  cfg.mmap_weights = o.mmap;
  if (o.mmap && o.weights_file.empty()) {
    d.error(kCmdLine, "--mmap", "--mmap maps a weight file; give one with --weights-file FILE");
    return fail(d);
  }
  if (!o.quiet)
    cfg.progress = [](const std::string& line) {
      std::fprintf(stderr, "run: %s\n", line.c_str());
      std::fflush(stderr);
    };
  auto created = kernels::Decoder::create(m->arch, cfg);
  if (!created.decoder) {
    d.error(kCmdLine,
            o.weights_file.empty() || created.error.find(o.weights_file) != 0 ? "--model"
                                                                              : "--weights-file",
            fmt::format("{}: {}", m->id, created.error));
    return fail(d);
  }
  auto& dec = *created.decoder;
  if (!o.quiet)
    std::fprintf(stderr, "run: setup %.1f s; prefill %lld x %lld tokens, then %lld decode steps\n",
                 dec.setup_seconds(), static_cast<long long>(o.batch),
                 static_cast<long long>(o.prompt), static_cast<long long>(o.output));
  const auto r = kernels::run_decoder(dec, o.prompt, o.output, o.seed);
  const std::uint64_t rss = peak_rss_bytes();
  std::string wsrc = dec.weights_mapped()   ? "mapped from " + o.weights_file
                     : dec.weights_loaded() ? "read from " + o.weights_file + " into memory"
                                            : "generated in memory";
  if (dec.weights_layout() != kernels::cpu::WeightLayout::kBlocks)
    wsrc += fmt::format(", regrouped {}", kernels::cpu::layout_name(dec.weights_layout()));

  const std::string out = o.format == "json" ? run_json(o, *m, *wdt, *kv, dec, r, rss)
                                             : run_table(o, *m, *wdt, *kv, dec, r, rss, wsrc);
  if (!emit(o.out, out, d)) return fail(d);
  if (!r.logits_finite) {
    std::fputs("run: error: some logits were not finite (a kernel bug)\n", stderr);
    return 1;
  }
  return 0;
}

}  // namespace llmsizer::cli
