// decoder.h — the reference decoder: a Llama-family transformer (GQA, SwiGLU/GeGLU, RMSNorm,
// half-split RoPE, Mistral sliding window, Qwen2 q/k/v biases) built from a core::ModelArch
// with random weights from a seed, run on the registry's fastest CPU kernels. It prefills P
// tokens for B sequences, then decodes one token per sequence per step over its KV cache,
// timing each phase and each op of core's graph (core/op_graph.h); costs per op come from
// core/op_cost.h.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/dtype.h"
#include "core/model_arch.h"
#include "core/op_graph.h"
#include "kernels/cpu/matmul.h"

namespace llmsizer::kernels {

// The ops the decoder times separately (one accumulator each per phase), each one of
// core's graph roles (core/op_graph.h), in the order a forward pass first runs them.
enum class DecoderOp : std::uint8_t {
  kEmbedding,   // token-embedding gather
  kNorm,        // RMSNorm: the per-layer norms
  kQkv,         // the q, k and v projections (matmul)
  kBias,        // q/k/v and output-projection biases (Qwen2)
  kRope,        // rotary embedding of q and k
  kKvAppend,    // storing the new K/V rows in the cache dtype
  kAttention,   // softmax(q k^T) v: flash-style prefill, split-context decode
  kAttnOut,     // output projection (matmul)
  kResidual,    // the two residual adds per layer
  kFfnUpGate,   // gate and up projections (matmul)
  kActivation,  // SwiGLU / GeGLU
  kFfnDown,     // down projection (matmul)
  kFinalNorm,   // the final norm of each sequence's last token
  kLmHead,      // logits of each sequence's last token (matmul)
};
inline constexpr std::size_t kDecoderOpCount = 14;
core::OpRole decoder_op_role(DecoderOp op);
std::string_view decoder_op_name(DecoderOp op);  // core::op_role_name of its role

struct DecoderConfig {
  core::DType weights = core::DType::kQ4_0;  // f32, f16, q8_0, q4_0 or q4_k (2-D tensors)
  core::DType kv = core::DType::kF16;        // KV cache: f32, f16 or q8_0
  std::int64_t batch = 1;                    // sequences, all at the same position
  std::int64_t max_prefill = 1;              // longest prefill per sequence (buffers)
  std::int64_t max_tokens = 1;               // KV capacity per sequence (prompt + decode)
  int threads = 1;
  bool pin = false;        // bind thread t to core t (hwloc)
  std::uint64_t seed = 1;  // the weights are a pure function of (arch, weights, seed)
  // Empty: weights in anonymous memory. Otherwise the weights live in this file: created
  // (atomically: temp file + rename) when missing, then read into anonymous huge-page memory
  // (or, with mmap_weights, memory-mapped read-only; see decoder_weights::Store::file). A file
  // made for another (model shape, dtype, seed) is refused, never overwritten.
  std::string weights_file;
  bool mmap_weights = false;
  std::uint64_t memory_limit_bytes = 0;  // 0: MemAvailable of this host (/proc/meminfo)
  float rope_base = 10000.0f;  // core::ModelArch carries no theta; it does not change speed
  float norm_eps = 1e-5f;
  std::function<void(const std::string&)> progress;  // setup progress lines; may be empty
};

// Why the decoder cannot run `a` (MoE, MLA, ALiBi, parallel blocks, ...), one sentence per
// problem; empty when it can.
std::vector<std::string> decoder_unsupported(const core::ModelArch& a);

// Bytes the decoder will hold. weights: every tensor as stored (2-D tensors in cfg.weights,
// 1-D tensors f32; core::tensor_bytes) plus the f32 copies MatmulWeights makes of f16
// matrices; kv_cache: K and V of every layer for batch x max_tokens positions
// (core::tensor_bytes of cfg.kv; sliding windows do not shrink it); activations: the
// preallocated buffers plus an estimate of the kernels' scratch.
struct DecoderMemory {
  std::uint64_t weights = 0;
  std::uint64_t weights_stored = 0;  // the weight tensors alone (what a weight file holds)
  std::uint64_t kv_cache = 0;
  std::uint64_t activations = 0;
  std::uint64_t total() const { return weights + kv_cache + activations; }
};
DecoderMemory decoder_memory(const core::ModelArch& a, const DecoderConfig& cfg);

// Available memory in bytes (MemAvailable), 0 when unknown.
std::uint64_t available_memory_bytes();

// Time, work and calls of one op class in one phase. flops/bytes: core/ op costs.
struct OpStats {
  core::OpKind kind = core::OpKind::kMatmul;  // the kernel op it ran (the last one)
  std::int64_t order = -1;  // its first call's position among the phase's ops (-1: none)
  double seconds = 0;
  double flops = 0;
  double bytes = 0;  // read + written
  double bytes_read = 0;
  std::int64_t calls = 0;
};
struct PhaseStats {
  double seconds = 0;         // wall time of the phase's forward passes
  double cpu_seconds = 0;     // process CPU time over the same passes (all threads; spinning
                              // waits count): on a busy host, seconds >> cpu_seconds / threads
                              // says the run was starved
  std::int64_t tokens = 0;    // tokens processed (all sequences)
  std::int64_t passes = 0;    // forward passes (1 per prefill, 1 per decode step)
  std::int64_t ops_seen = 0;  // ops with at least one call (the next OpStats::order)
  std::array<OpStats, kDecoderOpCount> ops{};
  double flops() const;
  double bytes() const;
  double bytes_read() const;
  double op_seconds() const;  // sum of the per-op times (<= seconds)
};

class Decoder {
 public:
  // Builds the model: checks support and config, refuses when decoder_memory().total()
  // exceeds the limit, makes or maps the weights, allocates every buffer, and runs one
  // untimed warm-up layer at each phase's shape so the kernels' scratch has its final size.
  // On failure `error` says why (the decoder is null); nothing is thrown for bad input.
  struct Created {
    std::unique_ptr<Decoder> decoder;
    std::string error;
  };
  static Created create(const core::ModelArch& a, const DecoderConfig& cfg);
  ~Decoder();
  Decoder(const Decoder&) = delete;
  Decoder& operator=(const Decoder&) = delete;

  // Token ids must lie in [0, vocab_size) (checked by the embedding kernel: a bug, not bad
  // input, since callers draw them). Sizes are CHECKed.
  // Prefill: tokens [batch x n] (row b = sequence b), n in [1, max_prefill]; positions
  // 0 .. n-1, replacing whatever the cache held. logits: [batch x vocab], each sequence's
  // last token. Timed into prefill_stats().
  void prefill(std::span<const std::int32_t> tokens, std::int64_t n, std::span<float> logits);
  // One decode step: tokens [batch], at position position(); requires position() <
  // max_tokens. logits [batch x vocab]. Timed into decode_stats().
  void decode(std::span<const std::int32_t> tokens, std::span<float> logits);

  std::int64_t position() const { return pos_; }
  // Moves the decode position to p (1 <= p < max_tokens) without computing the tokens before
  // it: the cache keeps whatever it holds there. For timing decode at a long context
  // (`llmsizer validate`); the cached values do not change the kernels' speed. Not for text.
  void set_position(std::int64_t p);
  const PhaseStats& prefill_stats() const { return prefill_; }
  const PhaseStats& decode_stats() const { return decode_; }
  void reset_stats();

  const core::ModelArch& arch() const { return arch_; }
  const DecoderConfig& config() const { return cfg_; }
  const DecoderMemory& memory() const { return mem_; }
  int threads() const;
  bool pinned() const;
  bool weights_mapped() const;  // a weight file mapped (mmap_weights)
  bool weights_loaded() const;  // a weight file read into anonymous memory
  double setup_seconds() const { return setup_seconds_; }
  // Capacity of the kernels' scratch Workspace; the warm-up in create() brings it to its
  // final size, so prefill() and decode() leave it unchanged (tested).
  std::size_t scratch_bytes() const;

  // The layout the matrices were regrouped into for the matmul kernel (kBlocks when none was).
  cpu::WeightLayout weights_layout() const;

  // The weights as stored, for tests: tensor i of core::enumerate_tensors(arch()), its dtype
  // (cfg.weights for 2-D tensors, f32 otherwise), its bytes in tensor_layout(i), and a copy
  // of them in llama.cpp's block layout.
  std::size_t tensor_count() const;
  core::DType tensor_dtype(std::size_t i) const;
  std::span<const std::byte> tensor_data(std::size_t i) const;
  cpu::WeightLayout tensor_layout(std::size_t i) const;
  std::vector<std::byte> tensor_blocks(std::size_t i) const;

 private:
  struct Impl;
  explicit Decoder(std::unique_ptr<Impl> impl);
  void forward(std::span<const std::int32_t> tokens, std::int64_t n, std::span<float> logits,
               PhaseStats* stats, std::int64_t max_layers);

  std::unique_ptr<Impl> impl_;
  core::ModelArch arch_;
  DecoderConfig cfg_;
  DecoderMemory mem_;
  std::int64_t pos_ = 0;
  PhaseStats prefill_, decode_;
  double setup_seconds_ = 0;
};

// A llama-bench-like run: prefill `prompt` random tokens per sequence, then `output` decode
// steps feeding back the argmax token. Stats are those of the decoder after the run.
struct DecoderRun {
  PhaseStats prefill;
  PhaseStats decode;
  bool logits_finite = true;
};
DecoderRun run_decoder(Decoder& d, std::int64_t prompt, std::int64_t output, std::uint64_t seed);

}  // namespace llmsizer::kernels
