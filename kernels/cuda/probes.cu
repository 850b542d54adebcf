// probes.cu — the GPU bandwidth and FP32 throughput probes of probes_cuda.h. Kernels use a
// grid-stride loop over float4 with enough resident blocks to fill every SM; the read kernel
// keeps its sum alive with a data-dependent store the compiler cannot remove.
#include <functional>
#include <memory>

#include "kernels/cuda/cuda_check.cuh"
#include "kernels/cuda/probes_cuda.h"

namespace llmsizer::kernels::cuda {
namespace {

constexpr int kThreads = 256;

__global__ void read_kernel(const float4* __restrict__ a, std::size_t n, float* sink) {
  float4 acc{0, 0, 0, 0};
  for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<std::size_t>(gridDim.x) * blockDim.x) {
    const float4 v = a[i];
    acc.x += v.x;
    acc.y += v.y;
    acc.z += v.z;
    acc.w += v.w;
  }
  const float s = acc.x + acc.y + acc.z + acc.w;
  if (s == -1.25e-30f) *sink = s;  // never true for the zero-filled input; not provable
}

__global__ void write_kernel(float4* __restrict__ b, std::size_t n) {
  for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<std::size_t>(gridDim.x) * blockDim.x)
    b[i] = float4{1.0f, 2.0f, 3.0f, 4.0f};
}

__global__ void copy_kernel(const float4* __restrict__ a, float4* __restrict__ b, std::size_t n) {
  for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<std::size_t>(gridDim.x) * blockDim.x)
    b[i] = a[i];
}

constexpr int kChains = 8;
constexpr int kFmaIters = 4096;

__global__ void fma_kernel(float seed, float* sink) {
  float v[kChains];
#pragma unroll
  for (int c = 0; c < kChains; ++c) v[c] = seed + static_cast<float>(threadIdx.x + c);
  const float a = 0.999999f, b = 1e-7f;
  for (int it = 0; it < kFmaIters; ++it) {
#pragma unroll
    for (int c = 0; c < kChains; ++c) v[c] = fmaf(v[c], a, b);
  }
  float s = 0;
#pragma unroll
  for (int c = 0; c < kChains; ++c) s += v[c];
  if (s == -1.25e-30f) *sink = s;
}

// Resident blocks of kThreads that fill every SM of the current device.
unsigned filling_blocks() {
  int dev = 0, sms = 0, per_sm = 0;
  LLMSIZER_CUDA(cudaGetDevice(&dev));
  LLMSIZER_CUDA(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, dev));
  LLMSIZER_CUDA(cudaDeviceGetAttribute(&per_sm, cudaDevAttrMaxThreadsPerMultiProcessor, dev));
  return static_cast<unsigned>(sms * (per_sm / kThreads));
}

}  // namespace

const char* to_string(GpuBandwidthKind k) {
  switch (k) {
    case GpuBandwidthKind::kRead:
      return "read";
    case GpuBandwidthKind::kWrite:
      return "write";
    case GpuBandwidthKind::kCopyKernel:
      return "copy";
    case GpuBandwidthKind::kCopyMemcpy:
      return "copy_memcpy";
    case GpuBandwidthKind::kHostToDevice:
      return "host_to_device";
    case GpuBandwidthKind::kDeviceToHost:
      return "device_to_host";
  }
  return "?";
}

std::int64_t probe_threads() {
  return static_cast<std::int64_t>(filling_blocks()) * kThreads;
}

std::vector<double> probe_bandwidth(GpuBandwidthKind kind, std::size_t bytes, int reps, int calls) {
  const unsigned blocks = filling_blocks();
  DeviceBuffer sink(sizeof(float));
  const bool two_arrays =
      kind == GpuBandwidthKind::kCopyKernel || kind == GpuBandwidthKind::kCopyMemcpy;
  const bool host =
      kind == GpuBandwidthKind::kHostToDevice || kind == GpuBandwidthKind::kDeviceToHost;
  const std::size_t n = bytes / (two_arrays ? 2 : 1) / sizeof(float4);
  const std::size_t array_bytes = n * sizeof(float4);
  DeviceBuffer a(array_bytes), b(two_arrays ? array_bytes : 0);
  std::unique_ptr<PinnedBuffer> h;
  if (host) h = std::make_unique<PinnedBuffer>(array_bytes);
  LLMSIZER_CUDA(cudaMemset(a.data(), 0, a.size()));
  std::function<void()> enqueue;
  switch (kind) {
    case GpuBandwidthKind::kRead:
      enqueue = [&] {
        read_kernel<<<blocks, kThreads>>>(a.as<const float4>(), n, sink.as<float>());
        LLMSIZER_CUDA_LAUNCHED("read_kernel");
      };
      break;
    case GpuBandwidthKind::kWrite:
      enqueue = [&] {
        write_kernel<<<blocks, kThreads>>>(a.as<float4>(), n);
        LLMSIZER_CUDA_LAUNCHED("write_kernel");
      };
      break;
    case GpuBandwidthKind::kCopyKernel:
      enqueue = [&] {
        copy_kernel<<<blocks, kThreads>>>(a.as<const float4>(), b.as<float4>(), n);
        LLMSIZER_CUDA_LAUNCHED("copy_kernel");
      };
      break;
    case GpuBandwidthKind::kCopyMemcpy:
      enqueue = [&] {
        LLMSIZER_CUDA(
            cudaMemcpyAsync(b.data(), a.data(), array_bytes, cudaMemcpyDeviceToDevice, nullptr));
      };
      break;
    case GpuBandwidthKind::kHostToDevice:
      enqueue = [&] {
        LLMSIZER_CUDA(
            cudaMemcpyAsync(a.data(), h->data(), array_bytes, cudaMemcpyHostToDevice, nullptr));
      };
      break;
    case GpuBandwidthKind::kDeviceToHost:
      enqueue = [&] {
        LLMSIZER_CUDA(
            cudaMemcpyAsync(h->data(), a.data(), array_bytes, cudaMemcpyDeviceToHost, nullptr));
      };
      break;
  }
  const double moved = static_cast<double>(array_bytes) * (two_arrays ? 2.0 : 1.0);
  std::vector<double> rates;
  for (int r = 0; r < reps; ++r) {
    const double ms = time_ms(enqueue, calls);
    rates.push_back(ms > 0 ? moved / (ms * 1e-3) : 0.0);
  }
  return rates;
}

double probe_fp32_fma(int reps) {
  const unsigned blocks = filling_blocks() * 4;
  DeviceBuffer sink(sizeof(float));
  const double ms = time_ms(
      [&] {
        fma_kernel<<<blocks, kThreads>>>(1.0f, sink.as<float>());
        LLMSIZER_CUDA_LAUNCHED("fma_kernel");
      },
      reps);
  const double flops = 2.0 * kChains * kFmaIters * static_cast<double>(blocks) * kThreads;
  return ms > 0 ? flops / (ms * 1e-3) : 0.0;
}

}  // namespace llmsizer::kernels::cuda
