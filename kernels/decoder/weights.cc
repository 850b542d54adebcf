// weights.cc — random weights for the reference decoder: layout, generation of valid blocks
// straight from a counter-based generator (splitmix64 seeded per tensor and chunk, so the
// bytes do not depend on the thread count), anonymous or file-backed storage.
#include "kernels/decoder/weights.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>

#include "kernels/block_layout.h"

namespace llmsizer::kernels::decoder_weights {

namespace {

constexpr std::uint64_t kAlign = 64;
constexpr char kMagic[] = "llmsizer-random-weights v1\n";

std::uint64_t splitmix64(std::uint64_t& s) {
  std::uint64_t z = (s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Uniform on [-1, 1) from 24 random bits.
float unit(std::uint64_t bits) {
  return static_cast<float>(static_cast<std::int32_t>(bits & 0xFFFFFFu) - 0x800000) /
         static_cast<float>(0x800000);
}

// Rows [r0, r1) of tensor i.
void fill_rows(core::DType dt, const core::TensorInfo& t, std::int64_t layers, std::int64_t r0,
               std::int64_t r1, std::uint64_t state, std::byte* out) {
  const bool matrix = core::role_is_matrix(t.role);
  const auto cols = static_cast<std::uint64_t>(t.cols);
  float a = matrix ? std::sqrt(3.0f / static_cast<float>(t.cols)) : 0.1f;
  // Token embeddings with unit-variance entries, and the two projections that write into
  // the residual stream scaled down by sqrt(2 layers) (GPT-2's initialisation): the stream
  // stays dominated by each token's own embedding, as in trained models, so the last
  // token's logits depend on that token and the cache tests compare something informative.
  if (t.role == core::TensorRole::kTokenEmbd) a = std::sqrt(3.0f);
  if (t.role == core::TensorRole::kAttnOutput || t.role == core::TensorRole::kFfnDown)
    a /= std::sqrt(2.0f * static_cast<float>(std::max<std::int64_t>(1, layers)));
  const float center = (!matrix && (t.role == core::TensorRole::kAttnNorm ||
                                    t.role == core::TensorRole::kOutputNorm))
                           ? 1.0f
                           : 0.0f;
  const std::uint64_t row_bytes = core::tensor_bytes(dt, 1, cols);
  std::byte* p = out + static_cast<std::uint64_t>(r0) * row_bytes;
  const std::uint64_t n_rows = static_cast<std::uint64_t>(r1 - r0);
  switch (dt) {
    case core::DType::kF32: {
      auto* f = reinterpret_cast<float*>(p);
      for (std::uint64_t i = 0; i < n_rows * cols; ++i) f[i] = center + a * unit(splitmix64(state));
      break;
    }
    case core::DType::kF16: {
      auto* h = reinterpret_cast<std::uint16_t*>(p);
      for (std::uint64_t i = 0; i < n_rows * cols; ++i)
        h[i] = f32_to_f16(center + a * unit(splitmix64(state)));
      break;
    }
    case core::DType::kQ8_0: {
      auto* b = reinterpret_cast<BlockQ8_0*>(p);
      const std::uint16_t d = f32_to_f16(a / 127.0f);
      for (std::uint64_t i = 0; i < n_rows * cols / kQK8_0; ++i) {
        b[i].d = d;
        for (int j = 0; j < kQK8_0; j += 8) {
          std::uint64_t r = splitmix64(state);
          for (int k = 0; k < 8; ++k, r >>= 8) {
            const auto v = static_cast<std::int8_t>(r & 0xFF);
            b[i].qs[j + k] = v == -128 ? std::int8_t{-127} : v;
          }
        }
      }
      break;
    }
    case core::DType::kQ4_0: {
      auto* b = reinterpret_cast<BlockQ4_0*>(p);
      const std::uint16_t d = f32_to_f16(a / 8.0f);
      for (std::uint64_t i = 0; i < n_rows * cols / kQK4_0; ++i) {
        b[i].d = d;
        const std::uint64_t r0b = splitmix64(state), r1b = splitmix64(state);
        std::memcpy(b[i].qs, &r0b, 8);
        std::memcpy(b[i].qs + 8, &r1b, 8);
      }
      break;
    }
    case core::DType::kQ4_K: {
      // value = d * sc * q - dmin * m with m = sc and dmin = 8 d: d * sc * (q - 8), sc in
      // [32, 63], so values lie in about [-a, a].
      auto* b = reinterpret_cast<BlockQ4_K*>(p);
      const float d = a / (8.0f * 63.0f);
      const std::uint16_t dh = f32_to_f16(d);
      const std::uint16_t dminh = f32_to_f16(8.0f * d);
      for (std::uint64_t i = 0; i < n_rows * cols / kQKK; ++i) {
        b[i].d = dh;
        b[i].dmin = dminh;
        std::uint64_t r = splitmix64(state);
        std::uint8_t sc[8];
        for (int j = 0; j < 8; ++j, r >>= 5) sc[j] = static_cast<std::uint8_t>(32 + (r & 31));
        std::uint8_t* q = b[i].scales;
        for (int j = 0; j < 4; ++j) {
          q[j] = sc[j];      // low 6 bits: scale j; top 2 bits: high bits of scale j + 4
          q[j + 4] = sc[j];  // low 6 bits: min j; top 2 bits: high bits of min j + 4
        }
        for (int j = 4; j < 8; ++j) {
          q[j + 4] = static_cast<std::uint8_t>((sc[j] & 0xF) | ((sc[j] & 0xF) << 4));
          q[j - 4] = static_cast<std::uint8_t>(q[j - 4] | ((sc[j] >> 4) << 6));
          q[j] = static_cast<std::uint8_t>(q[j] | ((sc[j] >> 4) << 6));
        }
        for (int j = 0; j < kQKK / 2; j += 8) {
          const std::uint64_t v = splitmix64(state);
          std::memcpy(b[i].qs + j, &v, 8);
        }
      }
      break;
    }
    default:
      break;
  }
}

std::string errno_text() {
  return std::strerror(errno);
}

}  // namespace

Layout make_layout(const core::ModelArch& a, core::DType weights) {
  Layout l;
  l.tensors = core::enumerate_tensors(a);
  l.layers = a.num_layers;
  std::uint64_t off = 0;
  for (const auto& t : l.tensors) {
    const core::DType dt = core::role_is_matrix(t.role) ? weights : core::DType::kF32;
    const std::uint64_t b = core::tensor_bytes(
        dt, static_cast<std::uint64_t>(t.rows) * static_cast<std::uint64_t>(t.copies),
        static_cast<std::uint64_t>(t.cols));
    l.dtypes.push_back(dt);
    l.offsets.push_back(off);
    l.bytes.push_back(b);
    off += (b + kAlign - 1) / kAlign * kAlign;
  }
  l.total = off;
  return l;
}

void fill_tensor(const Layout& layout, std::size_t i, std::uint64_t seed, std::byte* out,
                 cpu::ThreadPool& pool) {
  const auto& t = layout.tensors[i];
  const core::DType dt = layout.dtypes[i];
  const std::int64_t rows = t.rows * t.copies;
  const std::uint64_t row_bytes = core::tensor_bytes(dt, 1, static_cast<std::uint64_t>(t.cols));
  // Chunks of about 256 KiB of rows; each chunk has its own generator state.
  const auto chunk_rows = std::max<std::int64_t>(
      1, static_cast<std::int64_t>((256u << 10) / std::max<std::uint64_t>(1, row_bytes)));
  const std::int64_t chunks = (rows + chunk_rows - 1) / chunk_rows;
  pool.parallel_for(0, chunks, 1, [&](std::int64_t c0, std::int64_t c1) {
    for (std::int64_t c = c0; c < c1; ++c) {
      std::uint64_t s = seed ^ 0x5DEECE66Dull;
      s = splitmix64(s) ^ (static_cast<std::uint64_t>(i) * 0x100000001B3ull);
      s = splitmix64(s) ^ static_cast<std::uint64_t>(c);
      splitmix64(s);
      fill_rows(dt, t, layout.layers, c * chunk_rows, std::min(rows, (c + 1) * chunk_rows), s, out);
    }
  });
}

namespace {

void fill_all(const Layout& layout, std::uint64_t seed, std::byte* base, cpu::ThreadPool& pool,
              const std::function<void(double)>& progress) {
  std::uint64_t done = 0;
  double last = 0;
  for (std::size_t i = 0; i < layout.tensors.size(); ++i) {
    fill_tensor(layout, i, seed, base + layout.offsets[i], pool);
    done += layout.bytes[i];
    const double f =
        layout.total ? static_cast<double>(done) / static_cast<double>(layout.total) : 1;
    if (progress && (f - last >= 0.1 || i + 1 == layout.tensors.size())) {
      progress(f);
      last = f;
    }
  }
}

// A private anonymous region of at least `bytes` (64-byte aligned: mmap gives pages), with
// transparent huge pages requested where the host allows them (THP "madvise" mode).
void* map_anonymous(std::size_t bytes, std::string* error) {
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    *error = "cannot allocate " + std::to_string(bytes) + " bytes of weights: " + errno_text();
    return nullptr;
  }
  madvise(p, bytes, MADV_HUGEPAGE);
  return p;
}

}  // namespace

std::unique_ptr<Store> Store::anonymous(const Layout& layout, std::uint64_t seed,
                                        cpu::ThreadPool& pool,
                                        const std::function<void(double)>& progress,
                                        std::string* error) {
  std::unique_ptr<Store> s(new Store());
  s->map_bytes_ = std::max<std::size_t>(kAlign, layout.total);
  s->map_ = map_anonymous(s->map_bytes_, error);
  if (!s->map_) return nullptr;
  s->writable_ = static_cast<std::byte*>(s->map_);
  s->data_ = s->writable_;
  fill_all(layout, seed, static_cast<std::byte*>(s->map_), pool, progress);
  return s;
}

std::unique_ptr<Store> Store::file(const std::string& path, const std::string& fingerprint,
                                   const Layout& layout, std::uint64_t seed, cpu::ThreadPool& pool,
                                   bool keep_mapped, const std::function<void(double)>& progress,
                                   const std::function<void(double)>& read_progress,
                                   std::string* error) {
  namespace fs = std::filesystem;
  std::string header(kMagic);
  header += fingerprint;
  header += "\nbytes=" + std::to_string(layout.total) + "\n";
  if (header.size() >= kFileHeaderBytes) {
    *error = "internal: weight-file header too long";
    return nullptr;
  }
  const std::uint64_t file_bytes = kFileHeaderBytes + layout.total;
  std::unique_ptr<Store> s(new Store());

  std::error_code ec;
  if (!fs::exists(path, ec)) {
    // Create: temp file in the same directory, filled through a shared writable mapping,
    // synced, then renamed over the final name.
    const std::string tmp = path + ".tmp." + std::to_string(getpid());
    const int fd = ::open(tmp.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
      *error = path + ": cannot create the weight file (" + errno_text() + ")";
      return nullptr;
    }
    auto fail = [&](const std::string& what) {
      *error = path + ": " + what + " (" + errno_text() + ")";
      ::close(fd);
      ::unlink(tmp.c_str());
      return nullptr;
    };
    if (::ftruncate(fd, static_cast<off_t>(file_bytes)) != 0)
      return fail("cannot size the weight file to " + std::to_string(file_bytes) + " bytes");
    void* m = mmap(nullptr, file_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED) return fail("cannot map the weight file for writing");
    auto* base = static_cast<std::byte*>(m);
    std::memcpy(base, header.data(), header.size());
    fill_all(layout, seed, base + kFileHeaderBytes, pool, progress);
    const bool synced = msync(m, file_bytes, MS_SYNC) == 0;
    munmap(m, file_bytes);
    if (!synced || ::fsync(fd) != 0) return fail("cannot write the weight file");
    ::close(fd);
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
      *error = path + ": cannot rename the finished weight file into place (" + errno_text() + ")";
      ::unlink(tmp.c_str());
      return nullptr;
    }
    s->created_file_ = true;
  }

  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) {
    *error = path + ": cannot open the weight file (" + errno_text() + ")";
    return nullptr;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || static_cast<std::uint64_t>(st.st_size) != file_bytes) {
    ::close(fd);
    *error = path + ": is not a weight file for this model, dtype and seed (size " +
             std::to_string(st.st_size) + " bytes, expected " + std::to_string(file_bytes) +
             "); delete it or pass another --weights-file";
    return nullptr;
  }
  void* m = mmap(nullptr, file_bytes, PROT_READ, MAP_SHARED, fd, 0);
  if (m == MAP_FAILED) {
    *error = path + ": cannot map the weight file (" + errno_text() + ")";
    ::close(fd);
    return nullptr;
  }
  s->map_ = m;
  s->map_bytes_ = file_bytes;
  if (std::memcmp(m, header.data(), header.size()) != 0 ||
      static_cast<const char*>(m)[header.size()] != '\0') {
    *error = path +
             ": was made for another model shape, weight dtype or seed; delete it or "
             "pass another --weights-file";
    ::close(fd);
    return nullptr;  // ~Store unmaps
  }
  if (keep_mapped) {
    ::close(fd);
    s->data_ = static_cast<const std::byte*>(m) + kFileHeaderBytes;
    s->mapped_file_ = true;
    // Fault every page in now, so the timed passes do not pay for it.
    madvise(m, file_bytes, MADV_WILLNEED);
    const long page = sysconf(_SC_PAGESIZE);
    const auto step = static_cast<std::uint64_t>(page > 0 ? page : 4096);
    volatile unsigned char sink = 0;
    const auto* bytes = static_cast<const unsigned char*>(m);
    for (std::uint64_t off = 0; off < file_bytes; off += step) sink = sink ^ bytes[off];
    (void)sink;
    return s;
  }
  // Read the tensors into huge-page anonymous memory; the header stays checked above.
  munmap(m, file_bytes);
  s->map_ = nullptr;
  s->map_bytes_ = std::max<std::size_t>(kAlign, layout.total);
  s->map_ = map_anonymous(s->map_bytes_, error);
  if (!s->map_) {
    ::close(fd);
    return nullptr;
  }
  auto* dst = static_cast<std::byte*>(s->map_);
  constexpr std::uint64_t kChunk = 64u << 20;
  std::uint64_t done = 0, next_report = layout.total / 10;
  while (done < layout.total) {
    const std::size_t want = static_cast<std::size_t>(std::min(kChunk, layout.total - done));
    const ssize_t got = ::pread(fd, dst + done, want, static_cast<off_t>(kFileHeaderBytes + done));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      *error = path + ": cannot read the weight file at byte " +
               std::to_string(kFileHeaderBytes + done) + " (" +
               (got == 0 ? std::string("unexpected end of file") : errno_text()) + ")";
      ::close(fd);
      return nullptr;  // ~Store unmaps
    }
    done += static_cast<std::uint64_t>(got);
    if (read_progress && (done >= next_report || done == layout.total)) {
      read_progress(static_cast<double>(done) / static_cast<double>(layout.total));
      next_report = done + layout.total / 10;
    }
  }
  ::close(fd);
  s->data_ = s->writable_ = dst;
  s->loaded_file_ = true;
  return s;
}

Store::~Store() {
  if (map_) munmap(map_, map_bytes_);
}

}  // namespace llmsizer::kernels::decoder_weights
