// test_cpu_features.cc — the one CPU feature detector (kernels/cpu/isa.h): the ISA levels are
// exactly the conjunctions of the features they name, the listed features are the detected
// ones, and the pinning order covers every core.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "kernels/cpu/isa.h"
#include "kernels/cpu/thread_pool.h"

using namespace llmsizer::kernels::cpu;

TEST_CASE("ISA levels are the conjunctions of their features", "[kernels][isa]") {
  const bool avx2 =
      cpu_has(CpuFeature::kAvx2) && cpu_has(CpuFeature::kFma) && cpu_has(CpuFeature::kF16c);
  CHECK(isa_supported(Isa::kAvx2) == avx2);
  const bool vnni = avx2 && cpu_has(CpuFeature::kAvx512f) && cpu_has(CpuFeature::kAvx512bw) &&
                    cpu_has(CpuFeature::kAvx512vl) && cpu_has(CpuFeature::kAvx512vnni);
  CHECK(isa_supported(Isa::kAvx512Vnni) == vnni);
  CHECK(isa_supported(Isa::kPortable));
}

TEST_CASE("the listed features are the detected ones, in the profile's spelling",
          "[kernels][isa]") {
  const auto listed = listed_cpu_features();
  auto has = [&](const std::string& n) {
    for (const auto& l : listed)
      if (l == n) return true;
    return false;
  };
  CHECK(has("avx2") == cpu_has(CpuFeature::kAvx2));
  CHECK(has("fma") == cpu_has(CpuFeature::kFma));
  CHECK(has("avx512f") == cpu_has(CpuFeature::kAvx512f));
  CHECK(has("avx512_vnni") == cpu_has(CpuFeature::kAvx512vnni));
  CHECK_FALSE(has("avx512vl"));  // checked for the VNNI level, not listed
}

TEST_CASE("the pinning order knows the cores the thread pool uses", "[kernels][isa]") {
  CHECK(CpuPinning::host().cores() >= 1);
  CHECK(ThreadPool::hardware_cores() == CpuPinning::host().cores());
  const CpuPinning::SavedBinding before;  // put back when the case ends
  // Binding may be refused in a restricted container; it must not crash, any index is valid.
  (void)CpuPinning::host().bind_current_thread(CpuPinning::host().cores() + 3);
}
