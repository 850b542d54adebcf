// gpu.h — the GPU side of the profiler, built only with LLMSIZER_ENABLE_CUDA (profiler/gpu.cc):
// discovers CUDA devices (name, SMs, memory, clocks, L2, PCI bus, peer access via the CUDA
// runtime; PCIe link and NVLink state via NVML when libnvidia-ml.so.1 loads at run time) and
// measures one of them into the same hardware-profile document as the CPU, with `device: gpu`.
// Not thread-safe (selects the device for the calling process).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "profiler/make_profile.h"
#include "schema/text_writer.h"

namespace llmsizer::profiler {

struct GpuInfo {
  int index = 0;
  std::string name;
  int compute_capability = 0;  // major * 10 + minor
  int sms = 0;
  int max_threads_per_sm = 0;
  std::uint64_t memory_bytes = 0;  // total device memory
  std::uint64_t l2_bytes = 0;
  double sm_clock_hz = 0;      // maximum SM clock the runtime (or NVML) reports
  double memory_clock_hz = 0;  // maximum memory clock
  int memory_bus_bits = 0;
  std::string pci_bus_id;  // e.g. 0000:3b:00.0
  std::vector<int> peers;  // devices this one can access directly (cudaDeviceCanAccessPeer)
  bool nvml = false;       // the NVML fields below were read
  int pcie_gen_max = 0, pcie_width_max = 0, pcie_gen_current = 0, pcie_width_current = 0;
  int nvlinks_active = 0;

  // Bytes per second the memory interface can move: 2 transfers per memory clock (the
  // runtime reports the DDR/HBM clock so) x bus width. A derived figure, not a datasheet one.
  double interface_bytes_per_s() const;
  // FP32 FMA lanes per SM for the architecture (64 on sm_80, 128 on sm_86 and later).
  int fp32_lanes_per_sm() const;
};

// Every CUDA device; empty when there is none (`why` receives the runtime's reason).
std::vector<GpuInfo> discover_gpus(std::string* why = nullptr);

// `llmsizer hw` additions: a table section, or a "gpus" member for the JSON object.
std::string gpus_table(const std::vector<GpuInfo>& gpus, const std::string& why);
void gpus_json(schema::JsonWriter& j, const std::vector<GpuInfo>& gpus);

// Extra figures of a GPU run that the hardware-profile document has no place for (yet).
struct GpuExtras {
  GpuInfo gpu;
  double host_to_device_bytes_per_s = 0;  // pinned, 256 MiB transfers
  double device_to_host_bytes_per_s = 0;
  double memcpy_d2d_bytes_per_s = 0;  // cudaMemcpy device-to-device, largest working set
  double bf16_gemm_flop_per_s = 0;    // cuBLASLt bf16, 8192^3 (4096^3 quick)
  std::int64_t bf16_gemm_size = 0;
};

// Measures GPU `device`: read/write/copy bandwidth kernels over working sets from 4 x L2 up
// (quick: 3 sizes to 1 GiB; full: doubling to 4 GiB or half the memory), the FP32 FMA
// kernel, plus the extras. s.cancel and s.progress are honoured. Throws
// kernels::cuda::CudaError when the device fails.
ProfileRun make_gpu_profile(const ProbeSettings& s, bool full, int device, GpuExtras* extras);

}  // namespace llmsizer::profiler
