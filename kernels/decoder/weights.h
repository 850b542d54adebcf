// weights.h — the reference decoder's random weights: where each tensor of
// core::enumerate_tensors lives in one contiguous region, how its random values are made
// (valid q8_0/q4_0/q4_k blocks written directly, no f32 detour), and the region itself in
// anonymous memory or in a weight file created once (atomically), then either read into
// anonymous memory (huge pages, the default) or mapped read-only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/dtype.h"
#include "core/model_arch.h"
#include "kernels/cpu/thread_pool.h"

namespace llmsizer::kernels::decoder_weights {

// Tensor i of enumerate_tensors(arch) is stored as dtypes[i] (the weight dtype for 2-D
// tensors, f32 for 1-D ones) at offsets[i] (64-byte aligned) for bytes[i] bytes
// (core::tensor_bytes).
struct Layout {
  std::vector<core::TensorInfo> tensors;
  std::vector<core::DType> dtypes;
  std::vector<std::uint64_t> offsets;
  std::vector<std::uint64_t> bytes;
  std::uint64_t total = 0;
  std::int64_t layers = 0;
};
Layout make_layout(const core::ModelArch& a, core::DType weights);

// Writes tensor i's random values into `out` (layout.bytes[i] bytes): a pure function of
// (layout, i, seed), whatever the thread count. Matrices are uniform on about
// [-sqrt(3 / cols), sqrt(3 / cols)] (unit-variance outputs for unit-variance inputs), the
// attention-output and FFN-down projections 1 / sqrt(2 layers) of that, token embeddings
// unit variance; norm weights 1 +- 0.1; biases +- 0.1.
void fill_tensor(const Layout& layout, std::size_t i, std::uint64_t seed, std::byte* out,
                 cpu::ThreadPool& pool);

// The region holding every tensor, 64-byte aligned.
class Store {
 public:
  // Anonymous memory, filled here. progress(fraction) is called between tensors.
  static std::unique_ptr<Store> anonymous(const Layout& layout, std::uint64_t seed,
                                          cpu::ThreadPool& pool,
                                          const std::function<void(double)>& progress,
                                          std::string* error);
  // The file at `path`: created (temp file + rename) when missing. Then, with keep_mapped,
  // mapped read-only with every page touched once (4 KiB page-cache pages); otherwise read
  // into anonymous memory with transparent huge pages, as Store::anonymous holds its weights:
  // a decode step streams every weight once, and through 4 KiB pages it pays a TLB miss per
  // page and loses the hardware prefetcher at each page boundary (TinyLlama q4_0, one thread:
  // 23.5 tok/s mapped, 29.9 tok/s in huge pages on the reference VM). `fingerprint` names the
  // model shape, dtype and seed; a file whose header carries another fingerprint is refused
  // (error says so). progress(fraction) reports generation, read_progress(fraction) the read.
  static std::unique_ptr<Store> file(const std::string& path, const std::string& fingerprint,
                                     const Layout& layout, std::uint64_t seed,
                                     cpu::ThreadPool& pool, bool keep_mapped,
                                     const std::function<void(double)>& progress,
                                     const std::function<void(double)>& read_progress,
                                     std::string* error);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  const std::byte* data() const { return data_; }
  // The same bytes for rewriting in place (e.g. regrouping for a kernel's weight layout);
  // nullptr for a mapped file, whose pages are read-only.
  std::byte* writable_data() { return writable_; }
  bool mapped_file() const { return mapped_file_; }  // file pages mapped (keep_mapped)
  bool loaded_file() const { return loaded_file_; }  // read from a file into anonymous memory
  bool created_file() const { return created_file_; }

 private:
  Store() = default;
  void* map_ = nullptr;  // the whole mapping (a file's header included)
  std::size_t map_bytes_ = 0;
  const std::byte* data_ = nullptr;
  std::byte* writable_ = nullptr;
  bool mapped_file_ = false;
  bool loaded_file_ = false;
  bool created_file_ = false;
};

// Header bytes in front of the tensors in a weight file.
inline constexpr std::size_t kFileHeaderBytes = 4096;

}  // namespace llmsizer::kernels::decoder_weights
