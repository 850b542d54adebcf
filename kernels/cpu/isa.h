// isa.h — instruction-set variants of the CPU kernels and their run-time detection
// (__builtin_cpu_supports): every kernel has a portable C++ path and, on x86-64, an
// AVX2+FMA+F16C path compiled with function-level target attributes. Thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

namespace llmsizer::kernels::cpu {

enum class Isa : std::uint8_t {
  kPortable,  // plain C++ (whatever the compiler's baseline vectorises)
  kAvx2,      // x86-64 AVX2 + FMA + F16C
};

// True when this host can run kernels built for `isa`.
bool isa_supported(Isa isa);
// The fastest supported variant.
Isa best_isa();
std::string_view isa_name(Isa isa);

}  // namespace llmsizer::kernels::cpu

#if defined(__x86_64__)
#define LLMSIZER_HAVE_X86 1
#define LLMSIZER_TARGET_AVX2 __attribute__((target("avx2,fma,f16c")))
#else
#define LLMSIZER_HAVE_X86 0
#define LLMSIZER_TARGET_AVX2
#endif
