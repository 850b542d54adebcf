// attention.cu — causal prefill and split-KV decode attention with GQA, the definitions of
// reference::attention. One warp per (query, head) in prefill; in decode one warp per (head,
// split of the context), partial softmax states (max, sum, accumulator) merged by a second
// kernel. Each lane holds head_dim / 32 elements of q and of the accumulator; scores use an
// online softmax, so the score matrix never exists. f32 arithmetic; K/V f32 or f16.
#include <mutex>

#include "core/op_graph.h"
#include "kernels/cuda/cuda_check.cuh"
#include "kernels/cuda/device_math.cuh"

namespace llmsizer::kernels::cuda {
namespace {

using detail::kWarp;
constexpr int kMaxPerLane = static_cast<int>(kMaxHeadDim) / kWarp;  // 8
constexpr int kWarpsPerBlock = 4;
constexpr std::int64_t kDecodeChunk = 256;  // keys per decode split
constexpr std::int64_t kMaxSplits = 256;

template <class T>
__device__ __forceinline__ float kv_at(const T* p, std::int64_t i) {
  if constexpr (sizeof(T) == 2)
    return detail::half_bits_to_float(p[i]);
  else
    return p[i];
}

// Online softmax over keys [lo, hi) for one query held in q[]; returns (max, sum) and the
// unnormalised accumulator in acc[].
struct State {
  float max;
  float sum;
};

template <class T, int P>
__device__ State attend(const float (&q)[P], float (&acc)[P], const T* k, const T* v,
                        std::int64_t lo, std::int64_t hi, std::int64_t row_stride,
                        std::int64_t head_off, int lane, float scale) {
  State s{-INFINITY, 0.0f};
#pragma unroll
  for (int i = 0; i < P; ++i) acc[i] = 0.0f;
  for (std::int64_t j = lo; j < hi; ++j) {
    const std::int64_t base = j * row_stride + head_off;
    float dot = 0.0f;
#pragma unroll
    for (int i = 0; i < P; ++i) dot = fmaf(q[i], kv_at(k, base + lane + i * kWarp), dot);
    const float score = detail::warp_sum(dot) * scale;
    const float new_max = fmaxf(s.max, score);
    const float c = expf(s.max - new_max);  // 0 on the first key (max = -inf)
    const float p = expf(score - new_max);
    s.sum = s.sum * c + p;
#pragma unroll
    for (int i = 0; i < P; ++i) acc[i] = fmaf(p, kv_at(v, base + lane + i * kWarp), acc[i] * c);
    s.max = new_max;
  }
  return s;
}

template <class T, int P>
__global__ void prefill_kernel(AttentionArgs a) {
  const int lane = static_cast<int>(threadIdx.x) % kWarp;
  const std::int64_t item =
      static_cast<std::int64_t>(blockIdx.x) * kWarpsPerBlock + threadIdx.x / kWarp;
  if (item >= a.tokens * a.heads) return;
  const std::int64_t t = item / a.heads, h = item % a.heads;
  const std::int64_t kvh = h / (a.heads / a.kv_heads);
  const std::int64_t pos = a.past + t;
  const std::int64_t lo = a.window > 0 && pos - a.window + 1 > 0 ? pos - a.window + 1 : 0;
  float q[P], acc[P];
  const float* qp = a.q + (t * a.heads + h) * a.head_dim;
#pragma unroll
  for (int i = 0; i < P; ++i) q[i] = qp[lane + i * kWarp];
  const State s = attend<T, P>(q, acc, static_cast<const T*>(a.k), static_cast<const T*>(a.v), lo,
                               pos + 1, a.kv_heads * a.head_dim, kvh * a.head_dim, lane, a.scale);
  float* out = a.out + (t * a.heads + h) * a.head_dim;
#pragma unroll
  for (int i = 0; i < P; ++i) out[lane + i * kWarp] = acc[i] / s.sum;
}

// Decode partials: part[(h * splits + s) * (head_dim + 2)] = {max, sum, acc[head_dim]}.
template <class T, int P>
__global__ void decode_split_kernel(AttentionArgs a, std::int64_t splits, std::int64_t chunk,
                                    float* part) {
  const int lane = static_cast<int>(threadIdx.x) % kWarp;
  const std::int64_t item =
      static_cast<std::int64_t>(blockIdx.x) * kWarpsPerBlock + threadIdx.x / kWarp;
  if (item >= a.heads * splits) return;
  const std::int64_t h = item / splits, sp = item % splits;
  const std::int64_t kvh = h / (a.heads / a.kv_heads);
  const std::int64_t pos = a.past;
  const std::int64_t first = a.window > 0 && pos - a.window + 1 > 0 ? pos - a.window + 1 : 0;
  const std::int64_t lo = first + sp * chunk;
  const std::int64_t hi = lo + chunk < pos + 1 ? lo + chunk : pos + 1;
  float q[P], acc[P];
  const float* qp = a.q + h * a.head_dim;
#pragma unroll
  for (int i = 0; i < P; ++i) q[i] = qp[lane + i * kWarp];
  const State s = attend<T, P>(q, acc, static_cast<const T*>(a.k), static_cast<const T*>(a.v), lo,
                               hi, a.kv_heads * a.head_dim, kvh * a.head_dim, lane, a.scale);
  float* dst = part + item * (a.head_dim + 2);
  if (lane == 0) {
    dst[0] = s.max;
    dst[1] = s.sum;
  }
#pragma unroll
  for (int i = 0; i < P; ++i) dst[2 + lane + i * kWarp] = acc[i];
}

// One block per head, one thread per output element: rescale the partials to a common max.
__global__ void decode_merge_kernel(AttentionArgs a, std::int64_t splits, const float* part) {
  const std::int64_t h = blockIdx.x;
  const std::int64_t stride = a.head_dim + 2;
  const float* p = part + h * splits * stride;
  float m = -INFINITY;
  for (std::int64_t s = 0; s < splits; ++s) m = fmaxf(m, p[s * stride]);
  for (std::int64_t d = threadIdx.x; d < a.head_dim; d += blockDim.x) {
    float num = 0.0f, den = 0.0f;
    for (std::int64_t s = 0; s < splits; ++s) {
      const float c = p[s * stride] == -INFINITY ? 0.0f : expf(p[s * stride] - m);
      num = fmaf(c, p[s * stride + 2 + d], num);
      den = fmaf(c, p[s * stride + 1], den);
    }
    a.out[h * a.head_dim + d] = num / den;
  }
}

void validate(const AttentionArgs& a, core::OpKind op) {
  const std::string w(core::op_name(op));
  if (a.head_dim < kWarp || a.head_dim > kMaxHeadDim || a.head_dim % kWarp != 0)
    throw CudaError(w + ": head_dim must be a multiple of 32 in 32..256");
  if (a.heads < 1 || a.kv_heads < 1 || a.heads % a.kv_heads != 0)
    throw CudaError(w + ": heads must be a positive multiple of kv_heads");
  if (a.tokens < 1 || a.past < 0) throw CudaError(w + ": needs tokens >= 1 and past >= 0");
  if (a.kv_dtype != core::DType::kF32 && a.kv_dtype != core::DType::kF16)
    throw CudaError(w + ": K/V must be f32 or f16");
}

// The per-lane register count P = head_dim / 32 is a template parameter (1..8).
template <template <class, int> class Launch, class T>
void dispatch_p(std::int64_t head_dim, const AttentionArgs& a) {
  switch (head_dim / kWarp) {
    case 1:
      return Launch<T, 1>::run(a);
    case 2:
      return Launch<T, 2>::run(a);
    case 3:
      return Launch<T, 3>::run(a);
    case 4:
      return Launch<T, 4>::run(a);
    case 5:
      return Launch<T, 5>::run(a);
    case 6:
      return Launch<T, 6>::run(a);
    case 7:
      return Launch<T, 7>::run(a);
    default:
      return Launch<T, kMaxPerLane>::run(a);
  }
}

template <class T, int P>
struct PrefillLaunch {
  static void run(const AttentionArgs& a) {
    prefill_kernel<T, P>
        <<<detail::blocks_for(a.tokens * a.heads, kWarpsPerBlock), kWarpsPerBlock * kWarp>>>(a);
    LLMSIZER_CUDA_LAUNCHED(core::op_name(core::OpKind::kAttentionPrefill).data());
  }
};

// Split buffer for decode partials, grown on demand (not re-entrant across host threads).
float* decode_workspace(std::size_t floats) {
  static std::mutex mu;
  static DeviceBuffer buf;
  const std::lock_guard<std::mutex> lock(mu);
  if (buf.size() < floats * sizeof(float)) buf = DeviceBuffer(floats * sizeof(float));
  return buf.as<float>();
}

template <class T, int P>
struct DecodeLaunch {
  static void run(const AttentionArgs& a) {
    const std::int64_t first =
        a.window > 0 && a.past - a.window + 1 > 0 ? a.past - a.window + 1 : 0;
    const std::int64_t keys = a.past + 1 - first;
    std::int64_t chunk = kDecodeChunk;
    while ((keys + chunk - 1) / chunk > kMaxSplits) chunk *= 2;
    const std::int64_t splits = (keys + chunk - 1) / chunk;
    float* part = decode_workspace(static_cast<std::size_t>(a.heads * splits * (a.head_dim + 2)));
    decode_split_kernel<T, P>
        <<<detail::blocks_for(a.heads * splits, kWarpsPerBlock), kWarpsPerBlock * kWarp>>>(
            a, splits, chunk, part);
    LLMSIZER_CUDA_LAUNCHED("attention_decode (splits)");
    decode_merge_kernel<<<static_cast<unsigned>(a.heads), 128>>>(a, splits, part);
    LLMSIZER_CUDA_LAUNCHED("attention_decode (merge)");
  }
};

}  // namespace

void attention_prefill(const AttentionArgs& a) {
  validate(a, core::OpKind::kAttentionPrefill);
  if (a.kv_dtype == core::DType::kF16)
    dispatch_p<PrefillLaunch, std::uint16_t>(a.head_dim, a);
  else
    dispatch_p<PrefillLaunch, float>(a.head_dim, a);
}

void attention_decode(const AttentionArgs& a) {
  validate(a, core::OpKind::kAttentionDecode);
  if (a.tokens != 1) throw CudaError("attention_decode: tokens must be 1");
  if (a.kv_dtype == core::DType::kF16)
    dispatch_p<DecodeLaunch, std::uint16_t>(a.head_dim, a);
  else
    dispatch_p<DecodeLaunch, float>(a.head_dim, a);
}

}  // namespace llmsizer::kernels::cuda
