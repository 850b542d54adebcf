// bench_gpu.cc — GPU figures for scripts/gpu-check.sh, one `key value` line each (units in
// the key): memory bandwidth (read/write/copy kernels, cudaMemcpy, host links), cuBLASLt
// GEMM rates, and every CUDA registry kernel on Llama-2-7B shapes (hidden 4096, FFN 11008,
// 32 heads of 128, context 4096) timed with CUDA events, with FLOP/s and B/s from the
// registry's core/ costs. Inputs are a constant byte pattern (finite in every format).
// Exit 1 without a CUDA device.
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <variant>

#include "kernels/cuda/cuda_kernels.h"
#include "kernels/cuda/probes_cuda.h"
#include "kernels/cuda/registry_cuda.h"
#include "profiler/gpu.h"

using namespace llmsizer;
namespace kc = llmsizer::kernels::cuda;

namespace {

// A device buffer of `bytes` filled with 0x3C (f32 ~0.0115, f16 ~1.06, e4m3 1.5, q-blocks
// with finite scales).
kc::DeviceBuffer filled(std::size_t bytes) {
  kc::DeviceBuffer b(std::max<std::size_t>(bytes, 256));
  if (cudaMemset(b.data(), 0x3C, b.size()) != cudaSuccess) throw kc::CudaError("cudaMemset failed");
  return b;
}

double best_of(const std::vector<double>& v) {
  return v.empty() ? 0.0 : *std::max_element(v.begin(), v.end());
}

kernels::OpShape shape_for(const kc::CudaKernelEntry& e) {
  kernels::OpShape s;
  s.heads = s.kv_heads = 32;
  s.head_dim = 128;
  switch (e.op) {
    case kernels::OpKind::kMatmul:
      if (std::holds_alternative<kc::GemmKernelFn>(e.fn)) {
        s.m = s.k = s.n = 8192;  // the datasheet-comparison GEMM
      } else {
        s.m = 1;  // decode GEMV through the FFN up-projection
        s.k = 4096;
        s.n = 11008;
      }
      break;
    case kernels::OpKind::kAttentionPrefill:
      s.m = 512;
      break;
    case kernels::OpKind::kAttentionDecode:
      s.m = 1;
      s.past = 4095;
      break;
    case kernels::OpKind::kSwiGlu:
      s.m = 2048;
      s.k = 11008;
      break;
    default:  // norms, RoPE: a 2048-token prefill of the 4096-wide residual
      s.m = 2048;
      s.k = 4096;
      break;
  }
  return s;
}

// Times one registry entry on its shape; milliseconds per call.
double time_entry(const kc::CudaKernelEntry& e, const kernels::OpShape& s) {
  const auto cost = e.cost(s);
  auto big = [&](double bytes) { return filled(static_cast<std::size_t>(bytes) + 4096); };
  const double wbytes = cost.bytes_read, obytes = std::max(cost.bytes_written, 1.0) * 4;
  if (auto* f = std::get_if<kc::GemmKernelFn>(&e.fn)) {
    auto x = big(wbytes), w = big(wbytes), y = big(obytes);
    return kc::time_ms([&] { (*f)({x.data(), w.data(), y.data(), s.m, s.k, s.n}); }, 10);
  }
  if (auto* f = std::get_if<kc::MatmulKernelFn>(&e.fn)) {
    auto x = big(static_cast<double>(s.m * s.k) * 4), w = big(wbytes), y = big(obytes);
    return kc::time_ms([&] { (*f)({x.as<float>(), w.data(), y.as<float>(), s.m, s.k, s.n}); }, 20);
  }
  if (auto* f = std::get_if<kc::NormKernelFn>(&e.fn)) {
    auto x = big(wbytes), g = big(wbytes), y = big(wbytes);
    return kc::time_ms(
        [&] {
          (*f)({x.as<float>(), g.as<float>(), y.as<float>(), s.m, s.k, 1e-5f});
        },
        20);
  }
  if (auto* f = std::get_if<kc::RopeKernelFn>(&e.fn)) {
    auto x = big(wbytes), pos = big(static_cast<double>(s.m) * 4);
    return kc::time_ms(
        [&] {
          (*f)({x.as<float>(), pos.as<std::int32_t>(), s.m, s.heads, s.head_dim, 10000.0f});
        },
        20);
  }
  if (auto* f = std::get_if<kc::GatedKernelFn>(&e.fn)) {
    auto g = big(wbytes), u = big(wbytes), y = big(wbytes);
    return kc::time_ms([&] { (*f)({g.as<float>(), u.as<float>(), y.as<float>(), s.m * s.k}); }, 20);
  }
  auto* f = std::get_if<kc::AttentionKernelFn>(&e.fn);
  const std::int64_t ctx = s.past + s.m;
  const double kv = static_cast<double>(ctx * s.kv_heads * s.head_dim) * 4;
  auto q = big(static_cast<double>(s.m * s.heads * s.head_dim) * 4), k = big(kv), v = big(kv),
       o = big(static_cast<double>(s.m * s.heads * s.head_dim) * 4);
  kc::AttentionArgs a;
  a.q = q.as<float>();
  a.k = k.data();
  a.v = v.data();
  a.kv_dtype = e.dtype;
  a.out = o.as<float>();
  a.tokens = s.m;
  a.past = s.past;
  a.heads = s.heads;
  a.kv_heads = s.kv_heads;
  a.head_dim = s.head_dim;
  a.scale = 0.088f;
  return kc::time_ms([&] { (*f)(a); }, 10);
}

}  // namespace

int main() {
  std::string why;
  const auto gpus = profiler::discover_gpus(&why);
  if (gpus.empty()) {
    std::fprintf(stderr, "bench_gpu: no CUDA device (%s)\n", why.c_str());
    return 1;
  }
  try {
    const auto& g = gpus.front();
    kc::set_device(0);
    std::printf("gpu_name %s\ncompute_capability %d\nsms %d\nmemory_bytes %llu\n", g.name.c_str(),
                g.compute_capability, g.sms, static_cast<unsigned long long>(g.memory_bytes));
    std::printf("interface_bytes_per_s %.4g\n", g.interface_bytes_per_s());
    const std::size_t ws = std::min<std::size_t>(std::size_t{2} << 30, g.memory_bytes / 4);
    const int calls = 10;
    for (auto kind : {kc::GpuBandwidthKind::kRead, kc::GpuBandwidthKind::kWrite,
                      kc::GpuBandwidthKind::kCopyKernel, kc::GpuBandwidthKind::kCopyMemcpy})
      std::printf("bandwidth_%s_bytes_per_s %.4g\n", kc::to_string(kind),
                  best_of(kc::probe_bandwidth(kind, ws, 7, calls)));
    for (auto kind : {kc::GpuBandwidthKind::kHostToDevice, kc::GpuBandwidthKind::kDeviceToHost})
      std::printf("bandwidth_%s_bytes_per_s %.4g\n", kc::to_string(kind),
                  best_of(kc::probe_bandwidth(kind, std::size_t{256} << 20, 5, 3)));
    std::printf("fp32_fma_flop_per_s %.4g\n", kc::probe_fp32_fma(5));
    std::printf("bandwidth_working_set_bytes %zu\n", ws);
    for (const auto& e : kc::cuda_registry()) {
      if (!kc::runs_on(e, g.compute_capability)) {
        std::printf("kernel %s not_supported sm_%d\n", e.name, g.compute_capability);
        continue;
      }
      const auto s = shape_for(e);
      const double ms = time_entry(e, s);
      const auto c = e.cost(s);
      std::printf(
          "kernel %s m=%lld k=%lld n=%lld past=%lld ms %.4g flop_per_s %.4g bytes_per_s %.4g\n",
          e.name, static_cast<long long>(s.m), static_cast<long long>(s.k),
          static_cast<long long>(s.n), static_cast<long long>(s.past), ms, c.flops / (ms * 1e-3),
          c.bytes() / (ms * 1e-3));
    }
    kc::synchronize();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_gpu: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
