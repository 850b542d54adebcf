// workspace.cc — aligned, grow-only scratch buffer (see workspace.h): std::aligned_alloc in
// multiples of 64 bytes, freed and replaced only when a larger request arrives.
#include "kernels/cpu/workspace.h"

#include <cstdlib>
#include <new>

namespace llmsizer::kernels::cpu {

void Workspace::Free::operator()(std::byte* p) const {
  std::free(p);
}

std::span<std::byte> Workspace::get(std::size_t bytes) {
  if (bytes > capacity_) {
    const std::size_t rounded = (bytes + 63) / 64 * 64;
    buffer_.reset();
    auto* p = static_cast<std::byte*>(std::aligned_alloc(64, rounded));
    if (p == nullptr) throw std::bad_alloc();
    buffer_.reset(p);
    capacity_ = rounded;
  }
  return {buffer_.get(), bytes};
}

}  // namespace llmsizer::kernels::cpu
