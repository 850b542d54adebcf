// probes_cuda.h — GPU micro-probes, built only with LLMSIZER_ENABLE_CUDA: device-memory
// bandwidth (read kernel, copy kernel, cudaMemcpy device-to-device), host <-> device
// transfer over pinned memory, and an FP32 FMA throughput kernel. Each is timed with CUDA
// events over `reps` calls after one warm-up and returns a rate; throws CudaError on failure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace llmsizer::kernels::cuda {

enum class GpuBandwidthKind {
  kRead,          // kernel summing float4 loads; counts bytes read
  kWrite,         // kernel storing float4; counts bytes written
  kCopyKernel,    // kernel b[i] = a[i] (float4); counts read + written
  kCopyMemcpy,    // cudaMemcpyAsync device-to-device; counts read + written
  kHostToDevice,  // cudaMemcpyAsync from pinned host memory; counts bytes moved
  kDeviceToHost,
};
const char* to_string(GpuBandwidthKind k);

// Bytes per second moved by `kind` over a working set of `bytes` (all arrays together), one
// rate per repetition; each repetition times `calls` back-to-back calls with CUDA events
// (after one warm-up call). Buffers are allocated once per probe.
std::vector<double> probe_bandwidth(GpuBandwidthKind kind, std::size_t bytes, int reps, int calls);
// CUDA threads the read/write/copy kernels launch (enough resident blocks to fill every SM).
std::int64_t probe_threads();

// FP32 FLOP/s of a kernel of independent FMA chains filling every SM (FMA = 2 FLOPs).
double probe_fp32_fma(int reps);

}  // namespace llmsizer::kernels::cuda
