// probes_cuda.h — GPU micro-probes, built only with LLMSIZER_ENABLE_CUDA: device-memory
// bandwidth (read kernel, copy kernel, cudaMemcpy device-to-device), host <-> device
// transfer over pinned memory, and an FP32 FMA throughput kernel. Each is timed with CUDA
// events over `reps` calls after one warm-up and returns a rate; throws CudaError on failure.
#pragma once

#include <cstddef>

namespace llmsizer::kernels::cuda {

enum class GpuBandwidthKind {
  kRead,          // kernel summing float4 loads; counts bytes read
  kCopyKernel,    // kernel b[i] = a[i] (float4); counts read + written
  kCopyMemcpy,    // cudaMemcpyAsync device-to-device; counts read + written
  kHostToDevice,  // cudaMemcpyAsync from pinned host memory; counts bytes moved
  kDeviceToHost,
};
const char* to_string(GpuBandwidthKind k);

// Bytes per second moved by `kind` over a working set of `bytes` (all arrays together).
double probe_bandwidth(GpuBandwidthKind kind, std::size_t bytes, int reps);

// FP32 FLOP/s of a kernel of independent FMA chains filling every SM (FMA = 2 FLOPs).
double probe_fp32_fma(int reps);

}  // namespace llmsizer::kernels::cuda
