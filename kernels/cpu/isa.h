// isa.h — instruction-set variants of the CPU kernels and their run-time detection
// (__builtin_cpu_supports): every kernel has a portable C++ path and, on x86-64, an
// AVX2+FMA+F16C path compiled with function-level target attributes; the quantized matmuls
// also have an AVX-512 VNNI path. Each variant includes the ones listed before it, so a
// kernel without a path of its own for `isa` runs its best lower one. The one CPU feature
// detector of the tool: the profiler's probes and its topology report ask it too.
// Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace llmsizer::kernels::cpu {

enum class Isa : std::uint8_t {
  kPortable,    // plain C++ (whatever the compiler's baseline vectorises)
  kAvx2,        // x86-64 AVX2 + FMA + F16C
  kAvx512Vnni,  // kAvx2 + AVX-512 F/BW/VL + VNNI (vpdpbusd, vpdpwssd): Ice Lake, Zen 4, ...
};

// Single CPU features, as __builtin_cpu_supports detects them (false off x86-64).
enum class CpuFeature : std::uint8_t {
  kSse42,
  kAvx,
  kAvx2,
  kFma,
  kF16c,
  kAvx512f,
  kAvx512bw,
  kAvx512vl,
  kAvx512vnni,
  kAvx512bf16,
  kAvxVnni,
  kAmxTile,
};
bool cpu_has(CpuFeature f);
// The features a hardware profile lists (topology.isa), present on this host, in the order
// above, spelled as profiles spell them ("avx512_vnni"); avx512vl is checked for kAvx512Vnni
// but not listed. "neon" on AArch64.
std::vector<std::string> listed_cpu_features();

// True when this host can run kernels built for `isa`.
bool isa_supported(Isa isa);
// The fastest supported variant.
Isa best_isa();
std::string_view isa_name(Isa isa);
// True when kernels for `isa` may use the AVX2+FMA+F16C paths (kAvx2 and every later ISA).
inline bool isa_has_avx2(Isa isa) {
  return isa >= Isa::kAvx2;
}

}  // namespace llmsizer::kernels::cpu

#if defined(__x86_64__)
#define LLMSIZER_HAVE_X86 1
#define LLMSIZER_TARGET_AVX2 __attribute__((target("avx2,fma,f16c")))
#define LLMSIZER_TARGET_AVX512VNNI \
  __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")))
#else
#define LLMSIZER_HAVE_X86 0
#define LLMSIZER_TARGET_AVX2
#define LLMSIZER_TARGET_AVX512VNNI
#endif
