// isa.cc — run-time CPU feature detection for the kernel variants, the profiler's probes
// and its topology report (see isa.h). Each ISA level's answer is computed once per process
// (a function-local static) and then only read.
#include "kernels/cpu/isa.h"

#include <utility>

namespace llmsizer::kernels::cpu {

bool cpu_has(CpuFeature f) {
#if LLMSIZER_HAVE_X86
  static const bool kInit = (__builtin_cpu_init(), true);
  (void)kInit;
  switch (f) {
    case CpuFeature::kSse42:
      return __builtin_cpu_supports("sse4.2");
    case CpuFeature::kAvx:
      return __builtin_cpu_supports("avx");
    case CpuFeature::kAvx2:
      return __builtin_cpu_supports("avx2");
    case CpuFeature::kFma:
      return __builtin_cpu_supports("fma");
    case CpuFeature::kF16c:
      return __builtin_cpu_supports("f16c");
    case CpuFeature::kAvx512f:
      return __builtin_cpu_supports("avx512f");
    case CpuFeature::kAvx512bw:
      return __builtin_cpu_supports("avx512bw");
    case CpuFeature::kAvx512vl:
      return __builtin_cpu_supports("avx512vl");
    case CpuFeature::kAvx512vnni:
      return __builtin_cpu_supports("avx512vnni");
    case CpuFeature::kAvx512bf16:
      return __builtin_cpu_supports("avx512bf16");
#if defined(__GNUC__) && __GNUC__ >= 12
    case CpuFeature::kAvxVnni:
      return __builtin_cpu_supports("avxvnni");
    case CpuFeature::kAmxTile:
      return __builtin_cpu_supports("amx-tile");
#else
    case CpuFeature::kAvxVnni:
    case CpuFeature::kAmxTile:
      return false;  // this compiler's detection does not know them
#endif
  }
#else
  (void)f;
#endif
  return false;
}

std::vector<std::string> listed_cpu_features() {
  std::vector<std::string> out;
#if LLMSIZER_HAVE_X86
  static constexpr std::pair<CpuFeature, const char*> kListed[] = {
      {CpuFeature::kSse42, "sse4.2"},
      {CpuFeature::kAvx, "avx"},
      {CpuFeature::kAvx2, "avx2"},
      {CpuFeature::kFma, "fma"},
      {CpuFeature::kF16c, "f16c"},
      {CpuFeature::kAvx512f, "avx512f"},
      {CpuFeature::kAvx512bw, "avx512bw"},
      {CpuFeature::kAvx512vnni, "avx512_vnni"},
      {CpuFeature::kAvx512bf16, "avx512_bf16"},
      {CpuFeature::kAvxVnni, "avx_vnni"},
      {CpuFeature::kAmxTile, "amx_tile"},
  };
  for (const auto& [f, name] : kListed)
    if (cpu_has(f)) out.emplace_back(name);
#elif defined(__aarch64__)
  out.emplace_back("neon");
#endif
  return out;
}

bool isa_supported(Isa isa) {
  switch (isa) {
    case Isa::kPortable:
      return true;
    case Isa::kAvx2: {
      static const bool ok =
          cpu_has(CpuFeature::kAvx2) && cpu_has(CpuFeature::kFma) && cpu_has(CpuFeature::kF16c);
      return ok;
    }
    case Isa::kAvx512Vnni: {
      static const bool ok = isa_supported(Isa::kAvx2) && cpu_has(CpuFeature::kAvx512f) &&
                             cpu_has(CpuFeature::kAvx512bw) && cpu_has(CpuFeature::kAvx512vl) &&
                             cpu_has(CpuFeature::kAvx512vnni);
      return ok;
    }
  }
  return false;
}

Isa best_isa() {
  if (isa_supported(Isa::kAvx512Vnni)) return Isa::kAvx512Vnni;
  return isa_supported(Isa::kAvx2) ? Isa::kAvx2 : Isa::kPortable;
}

std::string_view isa_name(Isa isa) {
  switch (isa) {
    case Isa::kPortable:
      return "portable";
    case Isa::kAvx2:
      return "avx2";
    case Isa::kAvx512Vnni:
      return "avx512vnni";
  }
  return "?";
}

}  // namespace llmsizer::kernels::cpu
