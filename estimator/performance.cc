// performance.cc — times the calls of core's op graph (core/op_graph.h) per phase
// (docs/cost-model.md#time-model): by the datasheet roofline, or by table lookups in a
// measured profile. The graph's structure is built once per PerfModel; a phase is arithmetic
// over it into a stack buffer.
#include "estimator/performance.h"

#include <algorithm>
#include <cmath>

#include "core/check.h"

namespace llmsizer::estimator {

using core::TensorRole;

namespace {

// Rows are named from core's role table only when they are kept.
struct NullSink {
  void operator()(core::OpRole, const OpRow&) {}
};
struct VectorSink {
  std::vector<OpRow>* rows;
  void operator()(core::OpRole role, OpRow r) {
    r.name = core::op_role_name(role).data();  // a NUL-terminated literal of the table
    rows->push_back(r);
  }
};

// The compute dtype: weight-only formats compute in the activation dtype; FP8 weights with
// FP8 activations use the FP8 tensor cores.
core::DType compute_dtype(const Deployment& s) {
  return s.activations;
}

}  // namespace

PerfModel::PerfModel(const Deployment& s) : setup_(s), weights_(s.scheme()) {
  LLMSIZER_CHECK(s.model && s.hardware, "PerfModel without model or hardware");
  const auto& a = s.model->arch;
  const auto& hw = *s.hardware;
  eff_ = resolve_efficiency(hw, s.efficiency);
  peak_ = peak_flops(hw, compute_dtype(s), &peak_key_);
  if (peak_key_ == "fp8") eff_.compute = eff_.compute_fp8;
  eff_weights_ = eff_;
  if (!core::is_float(weights_.base)) eff_weights_.memory *= eff_.quantized_weight_memory;
  bandwidth_ = hw.memory.bandwidth_bytes_per_s;
  link_bw_ = hw.interconnect ? hw.interconnect->bandwidth_bytes_per_s
             : hw.host_link  ? hw.host_link->bandwidth_bytes_per_s
                             : 3.2e10;  // assumed: PCIe 4.0 x16 per direction
  const std::int64_t tp = s.par.tp;
  const double ep = static_cast<double>(std::max<std::int64_t>(1, s.ep));

  core::GraphInputs in;
  in.tp = tp;
  in.ep = std::max<std::int64_t>(1, s.ep);
  in.heads = static_cast<double>(a.attention.num_heads) / static_cast<double>(tp);
  in.kv_heads = static_cast<double>(kv_heads_per_device(a, tp));
  in.act = s.activations;
  in.kv = s.kv;
  in.weights = weights_.base;
  // The measured tables time the reference decoder's kernels (separate q, k, v, gate and up
  // matmuls, bias adds, kv_append); the datasheet roofline stands for serving engines, which
  // fuse them (vLLM's QKVParallelLinear and MergedColumnParallelLinear).
  in.fused = s.measured == nullptr;
  for (const auto& t : core::enumerate_tensors(a)) {
    const double full = static_cast<double>(core::tensor_weight_bytes(a, t, weights_));
    const bool expert = t.role == TensorRole::kExpertGate || t.role == TensorRole::kExpertUp ||
                        t.role == TensorRole::kExpertDown;
    in.tensor_bytes.push_back(expert && ep > 1 ? full / ep : full * tp_share(a, t, tp));
    in.tensor_dtypes.push_back(core::tensor_dtype(a, t, weights_));
    if (t.role == TensorRole::kTokenEmbd)
      in.embed_row_bytes = full / static_cast<double>(a.vocab_size);
  }
  kv_entry_bytes_ = static_cast<double>(kv_bytes_per_device(a, s.kv, {tp, 1}, 1)) /
                    static_cast<double>(a.num_layers);
  in.kv_entry_bytes = kv_entry_bytes_;
  graph_ = core::OpGraph(a, in);
  weights_device_bytes_ =
      static_cast<double>(weights_bytes_per_device(*s.model, weights_, s.par, s.as_stored()));
  capacity_bytes_ = static_cast<double>(hw.memory.capacity_bytes);
  overhead_bytes_ = static_cast<double>(
      s.overhead_bytes ? *s.overhead_bytes
                       : default_overhead(hw.hw_class, hw.memory.capacity_bytes).first);
}

template <class Sink>
PhaseResult PerfModel::run_phase(const Step& st, Sink& sink) const {
  // One buffer per thread: value-initialising kMaxCalls calls per phase would cost more
  // than timing them.
  thread_local std::array<core::OpCall, core::OpGraph::kMaxCalls> buf;
  const std::size_t n = graph_.build(
      {st.decode_seqs, st.decode_past, st.prefill_seqs, st.prefill_tokens, st.prefill_past}, buf);
  const MeasuredTimeModel* mt = setup_.measured;
  PhaseResult r;
  std::array<double, 4> by_bound{};
  // Consecutive calls of one role and count form one row (qkv_proj = the q, k and v matmuls
  // of an unfused graph; attention = decode plus prefill in a mixed step).
  std::size_t i = 0;
  while (i < n) {
    const core::OpCall& head = buf[i];
    std::size_t j = i + 1;
    while (j < n && buf[j].role == head.role && buf[j].count == head.count) ++j;
    const double count = head.count;
    if (head.kind == core::OpKind::kAllReduce || head.kind == core::OpKind::kAllToAll) {
      double time = 0, bytes = 0;
      for (std::size_t c = i; c < j; ++c) {
        time +=
            time_collective(buf[c].cost.bytes_read, buf[c].steps, link_bw_, eff_).time_s * count;
        bytes += buf[c].cost.bytes_read * count;
      }
      r.time_s += time;
      by_bound[static_cast<std::size_t>(Bound::kCommunication)] += time;
      sink(head.role, OpRow{"", count, 0.0, bytes, time, Bound::kCommunication});
      i = j;
      continue;
    }
    double flops = 0, bytes = 0;
    for (std::size_t c = i; c < j; ++c) {
      flops += buf[c].total.flops;
      bytes += buf[c].total.bytes();
    }
    OpTime t;
    TimeBasis basis = TimeBasis::kDatasheet;
    if (mt) {
      // Table lookups of the same calls: each call's time from the profile, times its calls.
      basis = TimeBasis::kMeasured;
      double compute_s = 0, memory_s = 0;
      for (std::size_t c = i; c < j; ++c) {
        const core::OpCall& call = buf[c];
        if (call.calls <= 0) continue;
        const double stream = call.operand == core::Operand::kNone ? 0.0 : weights_device_bytes_;
        const MeasuredOpTime m = mt->time(call.kind, call.dtype, call.shape, call.cost, stream);
        (m.bound == Bound::kCompute ? compute_s : memory_s) += m.time_s * call.calls;
        basis = std::max(basis, m.basis);
      }
      t.time_s = compute_s + memory_s;
      t.bound = compute_s > memory_s ? Bound::kCompute : Bound::kMemory;
    } else {
      // Rooflines over each call's cost; a row of several calls is bound by the bound that
      // takes most of its time.
      std::array<double, 4> row_bound{};
      for (std::size_t c = i; c < j; ++c) {
        const core::OpCall& call = buf[c];
        const OpTime ct = time_compute_op(call.total, peak_, bandwidth_,
                                          call.reads_weights ? eff_weights_ : eff_, call.launches);
        t.time_s += ct.time_s;
        t.bound = ct.bound;
        row_bound[static_cast<std::size_t>(ct.bound)] += ct.time_s;
      }
      if (j > i + 1)
        t.bound = static_cast<Bound>(std::max_element(row_bound.begin(), row_bound.end()) -
                                     row_bound.begin());
    }
    const double time = t.time_s * count;
    r.time_s += time;
    r.flops += flops * count;
    r.bytes += bytes * count;
    by_bound[static_cast<std::size_t>(t.bound)] += time;
    sink(head.role, OpRow{"", count, flops * count, bytes * count, time, t.bound, basis});
    i = j;
  }
  std::size_t best = 0;
  for (std::size_t b = 1; b < by_bound.size(); ++b)
    if (by_bound[b] > by_bound[best]) best = b;
  r.bound = static_cast<Bound>(best);
  return r;
}

namespace {
// Pipeline: m = min(batch, pp) micro-batches flow through pp stages of equal work; a
// step takes (m + pp - 1) stage slots plus a point-to-point hop per stage boundary
// (docs/cost-model.md#pipeline).
template <class F>
PhaseResult pipelined(double batch, double pp, double hop_bytes_per_seq, double link_bw,
                      double latency, F&& whole_model) {
  if (pp <= 1) return whole_model(batch);
  const double m = std::min(batch, pp);
  PhaseResult micro = whole_model(batch / m);
  PhaseResult r = micro;
  r.time_s = (m + pp - 1.0) * micro.time_s / pp +
             (pp - 1.0) * (hop_bytes_per_seq * batch / m / link_bw + latency);
  r.flops = micro.flops * m;
  r.bytes = micro.bytes * m;
  return r;
}
}  // namespace

TimeBasis phase_basis(const std::vector<OpRow>& rows, double min_share) {
  double total = 0;
  for (const auto& r : rows) total += r.time_s;
  TimeBasis b = TimeBasis::kMeasured;
  for (const auto& r : rows)
    if (r.time_s >= min_share * total) b = std::max(b, r.basis);
  return b;
}

PhaseResult PerfModel::prefill(double batch, double prompt_tokens) const {
  NullSink sink;
  const double hop = prompt_tokens * static_cast<double>(setup_.model->arch.hidden_size) *
                     core::bits_per_element(setup_.activations) / 8.0;
  return pipelined(batch, static_cast<double>(setup_.par.pp), hop, link_bw_, eff_.link_latency_s,
                   [&](double b) {
                     return run_phase(Step{0, 0, b, prompt_tokens, 0}, sink);
                   });
}

PhaseResult PerfModel::decode_step(double batch, double context) const {
  NullSink sink;
  const double hop = static_cast<double>(setup_.model->arch.hidden_size) *
                     core::bits_per_element(setup_.activations) / 8.0;
  return pipelined(batch, static_cast<double>(setup_.par.pp), hop, link_bw_, eff_.link_latency_s,
                   [&](double b) {
                     return run_phase(Step{b, context, 0, 0, 0}, sink);
                   });
}

PhaseResult PerfModel::step(const Step& st) const {
  NullSink sink;
  return run_phase(st, sink);
}

std::vector<OpRow> PerfModel::explain_prefill(double batch, double prompt_tokens) const {
  std::vector<OpRow> rows;
  VectorSink sink{&rows};
  run_phase(Step{0, 0, batch, prompt_tokens, 0}, sink);
  return rows;
}

std::vector<OpRow> PerfModel::explain_decode(double batch, double context) const {
  std::vector<OpRow> rows;
  VectorSink sink{&rows};
  run_phase(Step{batch, context, 0, 0, 0}, sink);
  return rows;
}

Performance PerfModel::evaluate(double batch, double prompt_tokens, double output_tokens,
                                double replicas) const {
  Performance p;
  p.prefill = prefill(batch, prompt_tokens);
  p.ttft_s = p.prefill.time_s;
  p.prefill_tokens_per_s = batch * prompt_tokens / p.prefill.time_s * replicas;
  // Decode: the cache grows from prompt to prompt + output - 1 tokens; average the step
  // time over that range with Simpson's rule (exact for the linear parts).
  const double c0 = prompt_tokens;
  const double c1 = prompt_tokens + std::max(0.0, output_tokens - 1.0);
  const PhaseResult first = decode_step(batch, c0);
  const PhaseResult last = c1 > c0 ? decode_step(batch, c1) : first;
  const PhaseResult mid = c1 > c0 ? decode_step(batch, 0.5 * (c0 + c1)) : first;
  p.decode_step_first_s = first.time_s;
  p.decode_step_last_s = last.time_s;
  p.decode_step_avg_s = (first.time_s + 4.0 * mid.time_s + last.time_s) / 6.0;
  p.decode_bound = mid.bound;
  p.tpot_s = p.decode_step_avg_s;
  p.decode_tokens_per_s = batch / p.tpot_s * replicas;
  // The prefill produces the first output token; each further token takes one step.
  p.e2e_s = p.ttft_s + std::max(0.0, output_tokens - 1.0) * p.tpot_s;
  // Expert parallelism spreads the experts over the tensor-parallel ranks (ep = tp).
  const double devices = static_cast<double>(setup_.par.devices());
  p.output_tokens_per_s = replicas * batch * output_tokens / p.e2e_s;
  p.output_tokens_per_s_per_device = p.output_tokens_per_s / (replicas * devices);
  p.total_tokens_per_s = replicas * batch * (prompt_tokens + output_tokens) / p.e2e_s;

  const auto& a = setup_.model->arch;
  const auto context = static_cast<std::int64_t>(prompt_tokens + output_tokens);
  // KV per sequence: with one pipeline stage, sum the layer kinds (the same count as
  // kv_bytes_per_device(), without walking every layer); otherwise the heaviest stage.
  double kv_seq = 0;
  if (setup_.par.pp == 1) {
    const double ctx = static_cast<double>(context);
    for (const auto& k : graph_.layer_kinds())
      kv_seq += k.count * (k.window > 0 ? std::min(ctx, k.window) : ctx);
    kv_seq *= kv_entry_bytes_;
  } else {
    kv_seq = static_cast<double>(kv_bytes_per_device(a, setup_.kv, setup_.par, context));
  }
  // Activations of the largest step (chunked prefill: estimator/memory.h, one rule with
  // size_memory()).
  const auto prompt = static_cast<std::int64_t>(prompt_tokens);
  const auto b = static_cast<std::int64_t>(batch);
  const double act = static_cast<double>(
      step_activation_bytes(a, setup_.activations, setup_.par,
                            largest_step_tokens(b, prompt, setup_.prefill_chunk_tokens), b));
  const double fixed = weights_device_bytes_ + overhead_bytes_;
  p.memory_weights_bytes = weights_device_bytes_;
  p.memory_kv_bytes = batch * kv_seq;
  p.memory_activation_bytes = act;
  p.memory_overhead_bytes = overhead_bytes_;
  p.memory_total_bytes = fixed + batch * kv_seq + act;
  p.fits = p.memory_total_bytes <= capacity_bytes_ && context <= a.max_context;
  p.max_batch = context <= a.max_context
                    ? max_batch_in(capacity_bytes_ - fixed, kv_seq, a, setup_.activations,
                                   setup_.par, prompt, setup_.prefill_chunk_tokens)
                    : 0.0;
  return p;
}

}  // namespace llmsizer::estimator
