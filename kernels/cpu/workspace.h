// workspace.h — Workspace, reusable 64-byte-aligned scratch memory for kernels (packed
// panels, quantized activations). A kernel asks for what it needs before its parallel
// region; memory is allocated only when a call needs more than any call before it, so steady
// state (the same shapes again) allocates nothing. Not thread-safe: one kernel call at a time.
#pragma once

#include <cstddef>
#include <memory>
#include <span>

namespace llmsizer::kernels::cpu {

class Workspace {
 public:
  // At least `bytes` bytes, 64-byte aligned; contents unspecified. Invalidates spans
  // returned earlier when it has to grow.
  std::span<std::byte> get(std::size_t bytes);
  std::size_t capacity() const { return capacity_; }

 private:
  struct Free {
    void operator()(std::byte* p) const;
  };
  std::unique_ptr<std::byte, Free> buffer_;
  std::size_t capacity_ = 0;
};

}  // namespace llmsizer::kernels::cpu
