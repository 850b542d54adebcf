// workspace.cc — aligned, grow-only scratch buffer (see workspace.h): std::aligned_alloc in
// multiples of 64 bytes, freed and replaced only when a larger request arrives.
#include "kernels/cpu/workspace.h"

#include <sys/mman.h>

#include <cstdlib>
#include <new>

namespace llmsizer::kernels::cpu {

void Workspace::Free::operator()(std::byte* p) const {
  std::free(p);
}

std::span<std::byte> Workspace::get(std::size_t bytes) {
  if (bytes > capacity_) {
    // Large buffers (weights the profiler streams, big scratch) on 2 MiB boundaries with
    // transparent huge pages requested, as the decoder's weights are: streaming from memory
    // through 4 KiB pages costs TLB misses the real model does not pay.
    constexpr std::size_t kHuge = std::size_t{2} << 20;
    const std::size_t align = bytes >= kHuge ? kHuge : 64;
    const std::size_t rounded = (bytes + align - 1) / align * align;
    buffer_.reset();
    auto* p = static_cast<std::byte*>(std::aligned_alloc(align, rounded));
    if (p == nullptr) throw std::bad_alloc();
    if (align == kHuge) madvise(p, rounded, MADV_HUGEPAGE);
    buffer_.reset(p);
    capacity_ = rounded;
  }
  return {buffer_.get(), bytes};
}

}  // namespace llmsizer::kernels::cpu
