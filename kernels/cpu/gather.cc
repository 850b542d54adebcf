// gather.cc — memory-bound row kernels: residual add, embedding gather (dequantizing one table
// row per token) and KV-cache append (converting new K/V rows into the cache dtype). See ops.h.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/check.h"
#include "kernels/block_layout.h"
#include "kernels/cpu/ops.h"

#if LLMSIZER_HAVE_X86
#include <immintrin.h>
#endif

namespace llmsizer::kernels::cpu {
namespace {

using core::DType;

constexpr std::int64_t kElementGrain = 16384;

std::size_t row_bytes(DType dt, std::int64_t dim) {
  return static_cast<std::size_t>(core::tensor_bytes(dt, 1, static_cast<std::uint64_t>(dim)));
}

std::uint16_t load_u16(const std::byte* p) {
  std::uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}

// One stored row -> f32 (portable).
void decode_row_portable(DType dt, const std::byte* src, std::int64_t dim, float* dst) {
  switch (dt) {
    case DType::kF32:
      std::memcpy(dst, src, static_cast<std::size_t>(dim) * 4);
      return;
    case DType::kF16:
      for (std::int64_t i = 0; i < dim; ++i) dst[i] = f16_to_f32(load_u16(src + 2 * i));
      return;
    case DType::kBF16:
      for (std::int64_t i = 0; i < dim; ++i) dst[i] = bf16_to_f32(load_u16(src + 2 * i));
      return;
    case DType::kQ8_0: {
      const auto* b = reinterpret_cast<const BlockQ8_0*>(src);
      for (std::int64_t j = 0; j < dim / kQK8_0; ++j) {
        const float d = f16_to_f32(b[j].d);
        for (int i = 0; i < kQK8_0; ++i) dst[j * kQK8_0 + i] = d * static_cast<float>(b[j].qs[i]);
      }
      return;
    }
    case DType::kQ4_0: {
      const auto* b = reinterpret_cast<const BlockQ4_0*>(src);
      for (std::int64_t j = 0; j < dim / kQK4_0; ++j) {
        const float d = f16_to_f32(b[j].d);
        for (int i = 0; i < 16; ++i) {
          dst[j * kQK4_0 + i] = d * static_cast<float>((b[j].qs[i] & 0xF) - 8);
          dst[j * kQK4_0 + i + 16] = d * static_cast<float>((b[j].qs[i] >> 4) - 8);
        }
      }
      return;
    }
    case DType::kQ4_K: {
      const auto* b = reinterpret_cast<const BlockQ4_K*>(src);
      for (std::int64_t j = 0; j < dim / kQKK; ++j) {
        const float d = f16_to_f32(b[j].d), dmin = f16_to_f32(b[j].dmin);
        for (int s = 0; s < 8; ++s) {
          std::uint8_t sc = 0, m = 0;
          q4k_scale_min(s, b[j].scales, &sc, &m);
          const std::uint8_t* q = b[j].qs + 32 * (s / 2);
          for (int l = 0; l < 32; ++l) {
            const int v = (s % 2) ? (q[l] >> 4) : (q[l] & 0xF);
            dst[j * kQKK + 32 * s + l] = d * sc * static_cast<float>(v) - dmin * m;
          }
        }
      }
      return;
    }
    default:
      LLMSIZER_CHECK(false, "embedding: unsupported table dtype");
  }
}

#if LLMSIZER_HAVE_X86

// f16 and q8_0 rows with F16C/AVX2; other dtypes take the portable decoder.
LLMSIZER_TARGET_AVX2 void decode_row_avx2(DType dt, const std::byte* src, std::int64_t dim,
                                          float* dst) {
  if (dt == DType::kF16) {
    std::int64_t i = 0;
    for (; i + 8 <= dim; i += 8)
      _mm256_storeu_ps(
          dst + i, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + 2 * i))));
    for (; i < dim; ++i) dst[i] = f16_to_f32(load_u16(src + 2 * i));
    return;
  }
  if (dt == DType::kQ8_0) {
    const auto* b = reinterpret_cast<const BlockQ8_0*>(src);
    for (std::int64_t j = 0; j < dim / kQK8_0; ++j) {
      const __m256 d = _mm256_set1_ps(_cvtsh_ss(b[j].d));
      for (int part = 0; part < 4; ++part) {
        const __m128i q = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(b[j].qs + 8 * part));
        _mm256_storeu_ps(dst + j * kQK8_0 + 8 * part,
                         _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(q))));
      }
    }
    return;
  }
  decode_row_portable(dt, src, dim, dst);
}

LLMSIZER_TARGET_AVX2 void add_avx2(const float* x, const float* up, float* y, std::int64_t n) {
  std::int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(y + i, _mm256_add_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(up + i)));
  for (; i < n; ++i) y[i] = x[i] + up[i];
}

LLMSIZER_TARGET_AVX2 void to_f16_avx2(const float* x, std::int64_t n, std::byte* dst) {
  std::int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + 2 * i),
                     _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT));
  for (; i < n; ++i) {
    const std::uint16_t h = f32_to_f16(x[i]);
    std::memcpy(dst + 2 * i, &h, 2);
  }
}

#endif  // LLMSIZER_HAVE_X86

// f32 row -> cache row in dt, exactly as reference::quantize.
void encode_row(bool avx2, DType dt, const float* x, std::int64_t n, std::byte* dst) {
  if (dt == DType::kF32) {
    std::memcpy(dst, x, static_cast<std::size_t>(n) * 4);
    return;
  }
  if (dt == DType::kF16) {
#if LLMSIZER_HAVE_X86
    if (avx2) return to_f16_avx2(x, n, dst);
#endif
    for (std::int64_t i = 0; i < n; ++i) {
      const std::uint16_t h = f32_to_f16(x[i]);
      std::memcpy(dst + 2 * i, &h, 2);
    }
    return;
  }
  LLMSIZER_CHECK(dt == DType::kQ8_0, "kv_append: cache dtype must be f32, f16 or q8_0");
  auto* b = reinterpret_cast<BlockQ8_0*>(dst);
  for (std::int64_t j = 0; j < n / kQK8_0; ++j) {
    const float* v = x + j * kQK8_0;
    float amax = 0;
    for (int i = 0; i < kQK8_0; ++i) amax = std::max(amax, std::fabs(v[i]));
    const float d = amax / 127.0f;
    const float id = d != 0 ? 1.0f / d : 0.0f;
    b[j].d = f32_to_f16(d);
    for (int i = 0; i < kQK8_0; ++i) b[j].qs[i] = static_cast<std::int8_t>(std::round(v[i] * id));
  }
  (void)avx2;
}

bool use_avx2(Isa isa) {
  LLMSIZER_CHECK(isa_supported(isa), "instruction set not supported on this host");
  return LLMSIZER_HAVE_X86 && isa_has_avx2(isa);
}

}  // namespace

void add(Isa isa, const UnaryArgs& a, ThreadPool& pool, Workspace&) {
  LLMSIZER_CHECK(a.up.size() == a.x.size() && a.y.size() == a.x.size(), "add: sizes differ");
  const bool avx2 = use_avx2(isa);
  pool.parallel_for(0, static_cast<std::int64_t>(a.x.size()), kElementGrain,
                    [&](std::int64_t i0, std::int64_t i1) {
#if LLMSIZER_HAVE_X86
                      if (avx2)
                        return add_avx2(a.x.data() + i0, a.up.data() + i0, a.y.data() + i0,
                                        i1 - i0);
#endif
                      for (std::int64_t i = i0; i < i1; ++i) {
                        const auto u = static_cast<std::size_t>(i);
                        a.y[u] = a.x[u] + a.up[u];
                      }
                    });
  (void)avx2;
}

void embedding(Isa isa, const EmbeddingArgs& a, ThreadPool& pool, Workspace&) {
  const bool avx2 = use_avx2(isa);
  LLMSIZER_CHECK(a.rows >= 0 && a.dim > 0, "embedding: bad shape");
  LLMSIZER_CHECK(!core::is_block_quantized(a.dtype) ||
                     core::row_fits_blocks(a.dtype, static_cast<std::uint64_t>(a.dim)),
                 "embedding: dim is not a whole number of blocks");
  const std::size_t rb = row_bytes(a.dtype, a.dim);
  LLMSIZER_CHECK(a.table.size() == rb * static_cast<std::size_t>(a.rows),
                 "embedding: table has the wrong size");
  LLMSIZER_CHECK(a.out.size() == a.ids.size() * static_cast<std::size_t>(a.dim),
                 "embedding: out has the wrong size");
  for (const auto id : a.ids) LLMSIZER_CHECK(id >= 0 && id < a.rows, "embedding: id out of range");
  pool.parallel_for(
      0, static_cast<std::int64_t>(a.ids.size()), 1, [&](std::int64_t t0, std::int64_t t1) {
        for (std::int64_t t = t0; t < t1; ++t) {
          const std::byte* src =
              a.table.data() + rb * static_cast<std::size_t>(a.ids[static_cast<std::size_t>(t)]);
          float* dst = a.out.data() + t * a.dim;
#if LLMSIZER_HAVE_X86
          if (avx2) {
            decode_row_avx2(a.dtype, src, a.dim, dst);
            continue;
          }
#endif
          decode_row_portable(a.dtype, src, a.dim, dst);
        }
      });
  (void)avx2;
}

void kv_append(Isa isa, const KvAppendArgs& a, ThreadPool& pool, Workspace&) {
  const bool avx2 = use_avx2(isa);
  LLMSIZER_CHECK(a.dtype == DType::kF32 || a.dtype == DType::kF16 || a.dtype == DType::kQ8_0,
                 "kv_append: cache dtype must be f32, f16 or q8_0");
  LLMSIZER_CHECK(a.head_dim > 0 && (a.dtype != DType::kQ8_0 || a.head_dim % kQK8_0 == 0),
                 "kv_append: a q8_0 cache needs head_dim % 32 == 0");
  LLMSIZER_CHECK(a.past >= 0 && a.tokens >= 0 && a.past + a.tokens <= a.capacity,
                 "kv_append: the cache is full");
  const std::size_t rb = row_bytes(a.dtype, a.head_dim);
  LLMSIZER_CHECK(a.cache.size() == rb * static_cast<std::size_t>(a.capacity * a.kv_heads),
                 "kv_append: cache has the wrong size");
  LLMSIZER_CHECK(a.src.size() == static_cast<std::size_t>(a.tokens * a.kv_heads * a.head_dim),
                 "kv_append: src has the wrong size");
  pool.parallel_for(0, a.tokens * a.kv_heads, 8, [&](std::int64_t r0, std::int64_t r1) {
    for (std::int64_t r = r0; r < r1; ++r)
      encode_row(avx2, a.dtype, a.src.data() + r * a.head_dim, a.head_dim,
                 a.cache.data() + rb * static_cast<std::size_t>(a.past * a.kv_heads + r));
  });
}

}  // namespace llmsizer::kernels::cpu
