// isa.cc — run-time CPU feature detection for the kernel variants (see isa.h). The answer
// is computed once per process (a function-local static) and then only read.
#include "kernels/cpu/isa.h"

namespace llmsizer::kernels::cpu {

bool isa_supported(Isa isa) {
  switch (isa) {
    case Isa::kPortable:
      return true;
    case Isa::kAvx2: {
#if LLMSIZER_HAVE_X86
      static const bool ok = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                             __builtin_cpu_supports("f16c");
      return ok;
#else
      return false;
#endif
    }
    case Isa::kAvx512Vnni: {
#if LLMSIZER_HAVE_X86
      static const bool ok = isa_supported(Isa::kAvx2) && __builtin_cpu_supports("avx512f") &&
                             __builtin_cpu_supports("avx512bw") &&
                             __builtin_cpu_supports("avx512vl") &&
                             __builtin_cpu_supports("avx512vnni");
      return ok;
#else
      return false;
#endif
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
