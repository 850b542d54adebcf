// gpu.cc — GPU discovery and the GPU hardware profile (gpu.h). CUDA runtime for what it
// knows; NVML, loaded with dlopen at run time (so neither nvml.h nor libnvidia-ml is needed
// to build), for PCIe link generation/width and NVLink state. Probes come from
// kernels/cuda (probes_cuda.h, cuBLASLt GEMM).
#include "profiler/gpu.h"

#include <cuda_runtime.h>
#include <dlfcn.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <random>

#include <fmt/format.h>

#include "core/units.h"
#include "kernels/block_layout.h"
#include "kernels/cuda/cuda_kernels.h"
#include "kernels/cuda/probes_cuda.h"

namespace llmsizer::profiler {
namespace {

namespace kc = kernels::cuda;

// ---- NVML through dlopen: the few entry points used, with their stable C ABI --------------

using NvmlDevice = struct NvmlDeviceOpaque*;
constexpr int kNvmlSuccess = 0;
constexpr int kNvmlClockSm = 1;
constexpr int kNvmlClockMem = 2;
constexpr unsigned kNvmlMaxLinks = 18;

class Nvml {
 public:
  Nvml() {
    lib_ = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!lib_) return;
    init_ = sym<int (*)()>("nvmlInit_v2");
    shutdown_ = sym<int (*)()>("nvmlShutdown");
    by_pci_ = sym<int (*)(const char*, NvmlDevice*)>("nvmlDeviceGetHandleByPciBusId_v2");
    gen_max_ = sym<int (*)(NvmlDevice, unsigned*)>("nvmlDeviceGetMaxPcieLinkGeneration");
    width_max_ = sym<int (*)(NvmlDevice, unsigned*)>("nvmlDeviceGetMaxPcieLinkWidth");
    gen_cur_ = sym<int (*)(NvmlDevice, unsigned*)>("nvmlDeviceGetCurrPcieLinkGeneration");
    width_cur_ = sym<int (*)(NvmlDevice, unsigned*)>("nvmlDeviceGetCurrPcieLinkWidth");
    max_clock_ = sym<int (*)(NvmlDevice, int, unsigned*)>("nvmlDeviceGetMaxClockInfo");
    nvlink_state_ = sym<int (*)(NvmlDevice, unsigned, int*)>("nvmlDeviceGetNvLinkState");
    ok_ = init_ && shutdown_ && by_pci_ && init_() == kNvmlSuccess;
  }
  ~Nvml() {
    if (ok_) shutdown_();
    if (lib_) dlclose(lib_);
  }
  Nvml(const Nvml&) = delete;
  Nvml& operator=(const Nvml&) = delete;

  // Fills the NVML fields of g (found by PCI bus id); false when NVML is unavailable.
  bool fill(GpuInfo& g) const {
    NvmlDevice d = nullptr;
    if (!ok_ || by_pci_(g.pci_bus_id.c_str(), &d) != kNvmlSuccess) return false;
    auto get = [&](int (*f)(NvmlDevice, unsigned*), int& out) {
      unsigned v = 0;
      if (f && f(d, &v) == kNvmlSuccess) out = static_cast<int>(v);
    };
    get(gen_max_, g.pcie_gen_max);
    get(width_max_, g.pcie_width_max);
    get(gen_cur_, g.pcie_gen_current);
    get(width_cur_, g.pcie_width_current);
    unsigned mhz = 0;
    if (max_clock_ && g.sm_clock_hz == 0 && max_clock_(d, kNvmlClockSm, &mhz) == kNvmlSuccess)
      g.sm_clock_hz = mhz * 1e6;
    if (max_clock_ && g.memory_clock_hz == 0 && max_clock_(d, kNvmlClockMem, &mhz) == kNvmlSuccess)
      g.memory_clock_hz = mhz * 1e6;
    if (nvlink_state_)
      for (unsigned l = 0; l < kNvmlMaxLinks; ++l) {
        int active = 0;
        if (nvlink_state_(d, l, &active) == kNvmlSuccess && active == 1) ++g.nvlinks_active;
      }
    return true;
  }

 private:
  template <class F>
  F sym(const char* name) {
    return reinterpret_cast<F>(dlsym(lib_, name));
  }
  void* lib_ = nullptr;
  bool ok_ = false;
  int (*init_)() = nullptr;
  int (*shutdown_)() = nullptr;
  int (*by_pci_)(const char*, NvmlDevice*) = nullptr;
  int (*gen_max_)(NvmlDevice, unsigned*) = nullptr;
  int (*width_max_)(NvmlDevice, unsigned*) = nullptr;
  int (*gen_cur_)(NvmlDevice, unsigned*) = nullptr;
  int (*width_cur_)(NvmlDevice, unsigned*) = nullptr;
  int (*max_clock_)(NvmlDevice, int, unsigned*) = nullptr;
  int (*nvlink_state_)(NvmlDevice, unsigned, int*) = nullptr;
};

int attribute(cudaDeviceAttr a, int dev) {
  int v = 0;
  if (cudaDeviceGetAttribute(&v, a, dev) != cudaSuccess) {
    (void)cudaGetLastError();
    return 0;
  }
  return v;
}

std::string slug(const std::string& s) {
  std::string out;
  for (char ch : s) {
    const auto u = static_cast<unsigned char>(ch);
    if (std::isalnum(u) || ch == '.')
      out += static_cast<char>(std::tolower(u));
    else if (!out.empty() && out.back() != '-')
      out += '-';
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? "gpu" : out;
}

std::string link_text(const GpuInfo& g) {
  if (!g.nvml) return "PCIe link and NVLink: unknown (NVML not available)";
  return fmt::format("PCIe gen {} x{} (max gen {} x{}); NVLink links active: {}",
                     g.pcie_gen_current, g.pcie_width_current, g.pcie_gen_max, g.pcie_width_max,
                     g.nvlinks_active);
}

// bf16 GEMM n x n x n through cuBLASLt, FLOP/s (best of a few timed batches).
double bf16_gemm_rate(std::int64_t n, int reps) {
  const auto elems = static_cast<std::size_t>(n * n);
  std::vector<std::uint16_t> host(elems);
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  for (auto& h : host) h = kernels::f32_to_bf16(dist(rng));
  kc::DeviceBuffer x(elems * 2), w(elems * 2), y(elems * 4);
  x.upload(host.data(), elems * 2);
  w.upload(host.data(), elems * 2);
  const kc::GemmArgs a{x.data(), w.data(), y.data(), n, n, n};
  double best = 0;
  for (int r = 0; r < reps; ++r) {
    const double ms = kc::time_ms([&] { kc::gemm(core::DType::kBF16, a); }, 5);
    const auto dn = static_cast<double>(n);
    best = std::max(best, 2.0 * dn * dn * dn / (ms * 1e-3));
  }
  return best;
}

}  // namespace

double GpuInfo::interface_bytes_per_s() const {
  return 2.0 * memory_clock_hz * memory_bus_bits / 8.0;
}

int GpuInfo::fp32_lanes_per_sm() const {
  return compute_capability == 80 || compute_capability < 75 ? 64 : 128;
}

std::vector<GpuInfo> discover_gpus(std::string* why) {
  std::vector<GpuInfo> out;
  const int n = kc::device_count(why);
  if (n == 0) return out;
  const Nvml nvml;
  for (int dev = 0; dev < n; ++dev) {
    cudaDeviceProp p{};
    if (cudaGetDeviceProperties(&p, dev) != cudaSuccess) {
      (void)cudaGetLastError();
      continue;
    }
    GpuInfo g;
    g.index = dev;
    g.name = p.name;
    g.compute_capability = p.major * 10 + p.minor;
    g.sms = p.multiProcessorCount;
    g.max_threads_per_sm = p.maxThreadsPerMultiProcessor;
    g.memory_bytes = p.totalGlobalMem;
    g.l2_bytes = static_cast<std::uint64_t>(p.l2CacheSize);
    g.memory_bus_bits = p.memoryBusWidth;
    g.sm_clock_hz = attribute(cudaDevAttrClockRate, dev) * 1e3;  // kHz
    g.memory_clock_hz = attribute(cudaDevAttrMemoryClockRate, dev) * 1e3;
    char bus[32] = {};
    if (cudaDeviceGetPCIBusId(bus, sizeof(bus), dev) == cudaSuccess)
      g.pci_bus_id = bus;
    else
      (void)cudaGetLastError();
    for (int peer = 0; peer < n; ++peer) {
      int can = 0;
      if (peer != dev && cudaDeviceCanAccessPeer(&can, dev, peer) == cudaSuccess && can)
        g.peers.push_back(peer);
    }
    g.nvml = nvml.fill(g);
    out.push_back(g);
  }
  return out;
}

std::string gpus_table(const std::vector<GpuInfo>& gpus, const std::string& why) {
  if (gpus.empty()) return fmt::format("gpus           none ({})\n", why);
  std::string out;
  for (const auto& g : gpus) {
    out += fmt::format("gpu {:<10} {} (sm_{}), {} SMs, {} memory, {} L2\n", g.index, g.name,
                       g.compute_capability, g.sms, core::format_bytes(g.memory_bytes),
                       core::format_bytes(g.l2_bytes));
    out += fmt::format(
        "  clocks       SM {:.3g} GHz, memory {:.3g} GHz x {}-bit = {:.3g} TB/s interface "
        "(2 x clock x width)\n",
        g.sm_clock_hz / 1e9, g.memory_clock_hz / 1e9, g.memory_bus_bits,
        g.interface_bytes_per_s() / 1e12);
    std::string peers;
    for (int p : g.peers) peers += (peers.empty() ? "" : " ") + std::to_string(p);
    out += fmt::format("  bus          PCI {}; {}; peer access: {}\n", g.pci_bus_id, link_text(g),
                       peers.empty() ? "none" : peers);
  }
  out += "basis: reported by the CUDA runtime (and NVML where it loads) on this host\n";
  return out;
}

void gpus_json(schema::JsonWriter& j, const std::vector<GpuInfo>& gpus) {
  j.key("gpus").begin_array();
  for (const auto& g : gpus) {
    j.begin_object();
    j.key("index").value(g.index);
    j.key("name").value(g.name);
    j.key("compute_capability").value(g.compute_capability);
    j.key("sms").value(g.sms);
    j.key("memory_bytes").value(g.memory_bytes);
    j.key("l2_bytes").value(g.l2_bytes);
    j.key("sm_clock_hz").value(g.sm_clock_hz);
    j.key("memory_clock_hz").value(g.memory_clock_hz);
    j.key("memory_bus_bits").value(g.memory_bus_bits);
    j.key("interface_bytes_per_s").value(g.interface_bytes_per_s());
    j.key("pci_bus_id").value(g.pci_bus_id);
    j.key("peers").begin_array();
    for (int p : g.peers) j.value(p);
    j.end_array();
    j.key("nvml").value(g.nvml);
    if (g.nvml) {
      j.key("pcie_gen_current").value(g.pcie_gen_current);
      j.key("pcie_width_current").value(g.pcie_width_current);
      j.key("pcie_gen_max").value(g.pcie_gen_max);
      j.key("pcie_width_max").value(g.pcie_width_max);
      j.key("nvlinks_active").value(g.nvlinks_active);
    }
    j.end_object();
  }
  j.end_array();
}

ProfileRun make_gpu_profile(const ProbeSettings& s, bool full, int device, GpuExtras* extras) {
  ProfileRun run;
  std::string why;
  const auto gpus = discover_gpus(&why);
  if (device < 0 || device >= static_cast<int>(gpus.size()))
    throw kc::CudaError(
        gpus.empty() ? "no CUDA device (" + why + ")"
                     : fmt::format("no CUDA device {} (this host has {})", device, gpus.size()));
  const GpuInfo& g = gpus[static_cast<std::size_t>(device)];
  kc::set_device(device);
  auto cancelled = [&] { return s.cancel && s.cancel->load(); };
  auto progress = [&](const std::string& step, double f) {
    if (s.progress) s.progress(step, f);
  };

  auto& p = run.profile;
  p.device = schema::ProfileDevice::kGpu;
  p.context = host_context();
  p.id = slug(g.name) + "-" + p.context.date_utc.substr(0, 10);
  p.topology.packages = 1;
  p.topology.cores = g.sms;
  p.topology.hardware_threads = static_cast<std::int64_t>(g.sms) * g.max_threads_per_sm;
  p.topology.numa_nodes = 0;
  p.topology.memory_bytes = g.memory_bytes;
  p.topology.caches = {{2, g.l2_bytes, 1}};
  p.topology.isa = {fmt::format("sm_{}", g.compute_capability)};
  if (g.compute_capability >= kc::kFp8MinCapability) p.topology.isa.emplace_back("fp8_e4m3");

  // Working sets: from 4 x L2 (at least 64 MiB) up; quick 3 sizes to 1 GiB, full doubling to
  // 4 GiB, always leaving half the device memory free.
  const std::uint64_t lo = std::max<std::uint64_t>(64ull << 20, 4 * g.l2_bytes);
  const std::uint64_t hi =
      std::min<std::uint64_t>(full ? 4ull << 30 : 1ull << 30, g.memory_bytes / 2);
  std::vector<std::uint64_t> sizes;
  for (std::uint64_t ws = lo; ws <= hi; ws *= full ? 2 : 4) sizes.push_back(ws);
  if (sizes.empty() || sizes.back() != hi) sizes.push_back(hi);
  const int reps = full ? 20 : 8;
  const double rate_guess = std::max(1e11, g.interface_bytes_per_s());
  const std::int64_t threads = kc::probe_threads();
  const std::pair<schema::BandwidthKind, kc::GpuBandwidthKind> kinds[] = {
      {schema::BandwidthKind::kRead, kc::GpuBandwidthKind::kRead},
      {schema::BandwidthKind::kWrite, kc::GpuBandwidthKind::kWrite},
      {schema::BandwidthKind::kCopy, kc::GpuBandwidthKind::kCopyKernel}};
  const double steps = static_cast<double>(sizes.size() * std::size(kinds)) + 5;
  double done = 0;
  for (const auto& [kind, gkind] : kinds)
    for (std::uint64_t ws : sizes) {
      if (cancelled()) {
        run.cancelled = true;
        return run;
      }
      progress(fmt::format("{} {}", schema::to_string(kind), core::format_bytes(ws)),
               done++ / steps);
      // Each repetition at least ~2 ms of transfers so event resolution does not matter.
      const int calls = static_cast<int>(
          std::clamp(std::ceil(2e-3 * rate_guess / static_cast<double>(ws)), 1.0, 1000.0));
      const auto m = summarize(kc::probe_bandwidth(gkind, ws, reps, calls), s);
      p.bandwidth.push_back({kind, ws, threads, m.rate, m.cv, m.reps, m.noisy});
    }

  progress("fp32 FMA", done++ / steps);
  std::vector<double> fma;
  for (int r = 0; r < 5; ++r) fma.push_back(kc::probe_fp32_fma(3));
  p.peaks.fp32_flop_per_s = summarize(fma, s).rate;
  p.peaks.clock_hz = g.sm_clock_hz;
  p.peaks.fp32_theoretical_flop_per_s =
      static_cast<double>(g.sms) * g.fp32_lanes_per_sm() * 2.0 * g.sm_clock_hz;
  p.peaks.int8_op_per_s = 0;  // no GPU int8 probe yet (docs/schema/hardware-profile.md)
  p.peaks.fp32_isa = fmt::format("cuda_sm_{}", g.compute_capability);
  p.peaks.int8_isa = "none";

  if (extras) {
    extras->gpu = g;
    const std::size_t link_ws = 256ull << 20;
    progress("host to device", done++ / steps);
    extras->host_to_device_bytes_per_s =
        summarize(kc::probe_bandwidth(kc::GpuBandwidthKind::kHostToDevice, link_ws, 5, 2), s).rate;
    progress("device to host", done++ / steps);
    extras->device_to_host_bytes_per_s =
        summarize(kc::probe_bandwidth(kc::GpuBandwidthKind::kDeviceToHost, link_ws, 5, 2), s).rate;
    progress("cudaMemcpy device to device", done++ / steps);
    extras->memcpy_d2d_bytes_per_s =
        summarize(kc::probe_bandwidth(
                      kc::GpuBandwidthKind::kCopyMemcpy, sizes.back(), reps,
                      static_cast<int>(std::clamp(
                          std::ceil(2e-3 * rate_guess / static_cast<double>(sizes.back())), 1.0,
                          1000.0))),
                  s)
            .rate;
    progress("bf16 GEMM (cuBLASLt)", done++ / steps);
    extras->bf16_gemm_size = g.memory_bytes >= (8ull << 30) ? 8192 : 4096;
    extras->bf16_gemm_flop_per_s = bf16_gemm_rate(extras->bf16_gemm_size, full ? 5 : 3);
  }
  kc::synchronize();
  run.cancelled = cancelled();
  return run;
}

}  // namespace llmsizer::profiler
