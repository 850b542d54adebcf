// ops.cc — RMSNorm, LayerNorm, RoPE, activations and softmax (see ops.h). Rows are spread over
// the pool; each row is one pass of 8-wide AVX2 code (scalar tails) or portable C++.
#include "kernels/cpu/ops.h"

#include <algorithm>
#include <cmath>

#include "core/check.h"
#include "kernels/cpu/vec_math.h"

namespace llmsizer::kernels::cpu {
namespace {

// Elements per parallel chunk of element-wise work (amortises waking the threads).
constexpr std::int64_t kElementGrain = 16384;

// Rows per chunk so that a chunk holds about kElementGrain elements.
std::int64_t row_grain(std::int64_t dim) {
  return std::max<std::int64_t>(1, kElementGrain / std::max<std::int64_t>(dim, 1));
}

float silu1(float x) {
  return x / (1.0f + std::exp(-x));
}
float gelu1(float x) {
  const float u = 0.7978845608028654f * (x + 0.044715f * x * x * x);
  return 0.5f * x * (1.0f + std::tanh(u));
}
float act1(Activation a, float x) {
  return a == Activation::kSilu ? silu1(x) : gelu1(x);
}

// ---- portable rows -------------------------------------------------------------------------

void rmsnorm_row_portable(const float* x, const float* g, float* y, std::int64_t dim, float eps) {
  double ss = 0;
  for (std::int64_t i = 0; i < dim; ++i) ss += static_cast<double>(x[i]) * x[i];
  const auto scale = static_cast<float>(1.0 / std::sqrt(ss / static_cast<double>(dim) + eps));
  for (std::int64_t i = 0; i < dim; ++i) y[i] = x[i] * scale * g[i];
}

void layernorm_row_portable(const float* x, const float* g, const float* b, float* y,
                            std::int64_t dim, float eps) {
  double mean = 0, var = 0;
  for (std::int64_t i = 0; i < dim; ++i) mean += x[i];
  mean /= static_cast<double>(dim);
  for (std::int64_t i = 0; i < dim; ++i) var += (x[i] - mean) * (x[i] - mean);
  const auto inv = static_cast<float>(1.0 / std::sqrt(var / static_cast<double>(dim) + eps));
  const auto m = static_cast<float>(mean);
  for (std::int64_t i = 0; i < dim; ++i) y[i] = (x[i] - m) * inv * g[i] + b[i];
}

// tab = [cos_full[d], sin_signed[d]] (see build_rope_table).
void rope_row_portable(RopeStyle style, float* v, const float* tab, std::int64_t d) {
  const float* c = tab;
  const float* s = tab + d;
  if (style == RopeStyle::kInterleaved) {
    for (std::int64_t i = 0; i < d; i += 2) {
      const float x0 = v[i], x1 = v[i + 1];
      v[i] = x0 * c[i] + x1 * s[i];
      v[i + 1] = x1 * c[i + 1] + x0 * s[i + 1];
    }
  } else {
    const std::int64_t h = d / 2;
    for (std::int64_t i = 0; i < h; ++i) {
      const float x0 = v[i], x1 = v[i + h];
      v[i] = x0 * c[i] + x1 * s[i];
      v[i + h] = x1 * c[i + h] + x0 * s[i + h];
    }
  }
}

void softmax_row_portable(const float* x, float* y, std::int64_t n) {
  float mx = -INFINITY;
  for (std::int64_t i = 0; i < n; ++i) mx = std::max(mx, x[i]);
  double sum = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    y[i] = std::exp(x[i] - mx);
    sum += y[i];
  }
  const auto inv = static_cast<float>(1.0 / sum);
  for (std::int64_t i = 0; i < n; ++i) y[i] *= inv;
}

// ---- AVX2 rows -----------------------------------------------------------------------------
#if LLMSIZER_HAVE_X86

LLMSIZER_TARGET_AVX2 void rmsnorm_row_avx2(const float* x, const float* g, float* y,
                                           std::int64_t dim, float eps) {
  __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
  std::int64_t i = 0;
  for (; i + 16 <= dim; i += 16) {
    const __m256 v0 = _mm256_loadu_ps(x + i), v1 = _mm256_loadu_ps(x + i + 8);
    a0 = _mm256_fmadd_ps(v0, v0, a0);
    a1 = _mm256_fmadd_ps(v1, v1, a1);
  }
  for (; i + 8 <= dim; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i);
    a0 = _mm256_fmadd_ps(v, v, a0);
  }
  float ss = vec::hsum(_mm256_add_ps(a0, a1));
  for (; i < dim; ++i) ss += x[i] * x[i];
  const float scale = 1.0f / std::sqrt(ss / static_cast<float>(dim) + eps);
  const __m256 sv = _mm256_set1_ps(scale);
  i = 0;
  for (; i + 8 <= dim; i += 8)
    _mm256_storeu_ps(
        y + i, _mm256_mul_ps(_mm256_mul_ps(_mm256_loadu_ps(x + i), sv), _mm256_loadu_ps(g + i)));
  for (; i < dim; ++i) y[i] = x[i] * scale * g[i];
}

LLMSIZER_TARGET_AVX2 void layernorm_row_avx2(const float* x, const float* g, const float* b,
                                             float* y, std::int64_t dim, float eps) {
  __m256 a = _mm256_setzero_ps();
  std::int64_t i = 0;
  for (; i + 8 <= dim; i += 8) a = _mm256_add_ps(a, _mm256_loadu_ps(x + i));
  float sum = vec::hsum(a);
  for (; i < dim; ++i) sum += x[i];
  const float mean = sum / static_cast<float>(dim);
  const __m256 mv = _mm256_set1_ps(mean);
  a = _mm256_setzero_ps();
  for (i = 0; i + 8 <= dim; i += 8) {
    const __m256 dv = _mm256_sub_ps(_mm256_loadu_ps(x + i), mv);
    a = _mm256_fmadd_ps(dv, dv, a);
  }
  float var = vec::hsum(a);
  for (; i < dim; ++i) var += (x[i] - mean) * (x[i] - mean);
  const float inv = 1.0f / std::sqrt(var / static_cast<float>(dim) + eps);
  const __m256 iv = _mm256_set1_ps(inv);
  for (i = 0; i + 8 <= dim; i += 8) {
    const __m256 n = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(x + i), mv), iv);
    _mm256_storeu_ps(y + i, _mm256_fmadd_ps(n, _mm256_loadu_ps(g + i), _mm256_loadu_ps(b + i)));
  }
  for (; i < dim; ++i) y[i] = (x[i] - mean) * inv * g[i] + b[i];
}

LLMSIZER_TARGET_AVX2 void rope_row_avx2(RopeStyle style, float* v, const float* tab,
                                        std::int64_t d) {
  const float* c = tab;
  const float* s = tab + d;
  if (style == RopeStyle::kInterleaved) {
    std::int64_t i = 0;
    for (; i + 8 <= d; i += 8) {
      const __m256 x = _mm256_loadu_ps(v + i);
      const __m256 swapped = _mm256_permute_ps(x, 0xB1);  // (x1, x0, x3, x2, ...)
      _mm256_storeu_ps(v + i, _mm256_fmadd_ps(x, _mm256_loadu_ps(c + i),
                                              _mm256_mul_ps(swapped, _mm256_loadu_ps(s + i))));
    }
    for (; i < d; i += 2) {
      const float x0 = v[i], x1 = v[i + 1];
      v[i] = x0 * c[i] + x1 * s[i];
      v[i + 1] = x1 * c[i + 1] + x0 * s[i + 1];
    }
    return;
  }
  const std::int64_t h = d / 2;
  std::int64_t i = 0;
  for (; i + 8 <= h; i += 8) {
    const __m256 x0 = _mm256_loadu_ps(v + i), x1 = _mm256_loadu_ps(v + i + h);
    _mm256_storeu_ps(v + i, _mm256_fmadd_ps(x0, _mm256_loadu_ps(c + i),
                                            _mm256_mul_ps(x1, _mm256_loadu_ps(s + i))));
    _mm256_storeu_ps(v + i + h, _mm256_fmadd_ps(x1, _mm256_loadu_ps(c + i + h),
                                                _mm256_mul_ps(x0, _mm256_loadu_ps(s + i + h))));
  }
  for (; i < h; ++i) {
    const float x0 = v[i], x1 = v[i + h];
    v[i] = x0 * c[i] + x1 * s[i];
    v[i + h] = x1 * c[i + h] + x0 * s[i + h];
  }
}

LLMSIZER_TARGET_AVX2 void activation_avx2(Activation act, const float* x, const float* up, float* y,
                                          std::int64_t n) {
  std::int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i);
    __m256 r = act == Activation::kSilu ? vec::silu(v) : vec::gelu(v);
    if (up) r = _mm256_mul_ps(r, _mm256_loadu_ps(up + i));
    _mm256_storeu_ps(y + i, r);
  }
  for (; i < n; ++i) y[i] = act1(act, x[i]) * (up ? up[i] : 1.0f);
}

LLMSIZER_TARGET_AVX2 void softmax_row_avx2(const float* x, float* y, std::int64_t n) {
  std::int64_t i = 0;
  __m256 m = _mm256_set1_ps(-INFINITY);
  for (; i + 8 <= n; i += 8) m = _mm256_max_ps(m, _mm256_loadu_ps(x + i));
  float mx = vec::hmax(m);
  for (; i < n; ++i) mx = std::max(mx, x[i]);
  const __m256 mv = _mm256_set1_ps(mx);
  __m256 s = _mm256_setzero_ps();
  for (i = 0; i + 8 <= n; i += 8) {
    const __m256 e = vec::exp(_mm256_sub_ps(_mm256_loadu_ps(x + i), mv));
    _mm256_storeu_ps(y + i, e);
    s = _mm256_add_ps(s, e);
  }
  float sum = vec::hsum(s);
  for (; i < n; ++i) {
    y[i] = std::exp(x[i] - mx);
    sum += y[i];
  }
  const float inv = 1.0f / sum;
  const __m256 iv = _mm256_set1_ps(inv);
  for (i = 0; i + 8 <= n; i += 8)
    _mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_loadu_ps(y + i), iv));
  for (; i < n; ++i) y[i] *= inv;
}

#endif  // LLMSIZER_HAVE_X86

bool use_avx2(Isa isa) {
  LLMSIZER_CHECK(isa_supported(isa), "instruction set not supported on this host");
  return LLMSIZER_HAVE_X86 && isa_has_avx2(isa);
}

void check_norm(const NormArgs& a, bool layer) {
  LLMSIZER_CHECK(a.rows >= 0 && a.dim > 0, "norm: bad shape");
  LLMSIZER_CHECK(a.x.size() == static_cast<std::size_t>(a.rows * a.dim) && a.y.size() == a.x.size(),
                 "norm: x/y have the wrong size");
  LLMSIZER_CHECK(a.gamma.size() == static_cast<std::size_t>(a.dim),
                 "norm: gamma has the wrong size");
  LLMSIZER_CHECK(!layer || a.beta.size() == static_cast<std::size_t>(a.dim),
                 "layernorm: beta has the wrong size");
}

}  // namespace

void rmsnorm(Isa isa, const NormArgs& a, ThreadPool& pool, Workspace&) {
  check_norm(a, false);
  const bool avx2 = use_avx2(isa);
  pool.parallel_for(0, a.rows, row_grain(a.dim), [&](std::int64_t r0, std::int64_t r1) {
    for (std::int64_t r = r0; r < r1; ++r) {
      const float* x = a.x.data() + r * a.dim;
      float* y = a.y.data() + r * a.dim;
#if LLMSIZER_HAVE_X86
      if (avx2) {
        rmsnorm_row_avx2(x, a.gamma.data(), y, a.dim, a.eps);
        continue;
      }
#endif
      rmsnorm_row_portable(x, a.gamma.data(), y, a.dim, a.eps);
    }
  });
  (void)avx2;
}

void layernorm(Isa isa, const NormArgs& a, ThreadPool& pool, Workspace&) {
  check_norm(a, true);
  const bool avx2 = use_avx2(isa);
  pool.parallel_for(0, a.rows, row_grain(a.dim), [&](std::int64_t r0, std::int64_t r1) {
    for (std::int64_t r = r0; r < r1; ++r) {
      const float* x = a.x.data() + r * a.dim;
      float* y = a.y.data() + r * a.dim;
#if LLMSIZER_HAVE_X86
      if (avx2) {
        layernorm_row_avx2(x, a.gamma.data(), a.beta.data(), y, a.dim, a.eps);
        continue;
      }
#endif
      layernorm_row_portable(x, a.gamma.data(), a.beta.data(), y, a.dim, a.eps);
    }
  });
  (void)avx2;
}

void rope(Isa isa, RopeStyle style, const RopeArgs& a, ThreadPool& pool, Workspace& ws) {
  const std::int64_t d = a.head_dim;
  LLMSIZER_CHECK(d > 0 && d % 2 == 0, "rope: head_dim must be even");
  LLMSIZER_CHECK(a.x.size() == static_cast<std::size_t>(a.tokens * a.heads * d),
                 "rope: x has the wrong size");
  LLMSIZER_CHECK(a.pos.size() == static_cast<std::size_t>(a.tokens),
                 "rope: pos has the wrong size");
  const bool avx2 = use_avx2(isa);
  // Per token: cos_full[d] and sin_signed[d], computed in double like the reference, laid
  // out so a row update is y = x * cos_full + partner(x) * sin_signed.
  auto* tab = reinterpret_cast<float*>(
      ws.get(static_cast<std::size_t>(a.tokens * 2 * d) * sizeof(float)).data());
  const std::int64_t half = d / 2;
  pool.parallel_for(0, a.tokens, 8, [&](std::int64_t t0, std::int64_t t1) {
    for (std::int64_t t = t0; t < t1; ++t) {
      float* c = tab + t * 2 * d;
      float* s = c + d;
      for (std::int64_t i = 0; i < half; ++i) {
        const double theta = a.pos[static_cast<std::size_t>(t)] *
                             std::pow(static_cast<double>(a.base),
                                      -2.0 * static_cast<double>(i) / static_cast<double>(d));
        const auto cv = static_cast<float>(std::cos(theta));
        const auto sv = static_cast<float>(std::sin(theta));
        const std::int64_t p = style == RopeStyle::kInterleaved ? 2 * i : i;
        const std::int64_t q = style == RopeStyle::kInterleaved ? 2 * i + 1 : i + half;
        c[p] = cv;
        c[q] = cv;
        s[p] = -sv;
        s[q] = sv;
      }
    }
  });
  pool.parallel_for(0, a.tokens * a.heads, row_grain(d), [&](std::int64_t r0, std::int64_t r1) {
    for (std::int64_t r = r0; r < r1; ++r) {
      const float* t = tab + (r / a.heads) * 2 * d;
#if LLMSIZER_HAVE_X86
      if (avx2) {
        rope_row_avx2(style, a.x.data() + r * d, t, d);
        continue;
      }
#endif
      rope_row_portable(style, a.x.data() + r * d, t, d);
    }
  });
  (void)avx2;
}

void activation(Isa isa, Activation act, const UnaryArgs& a, ThreadPool& pool, Workspace&) {
  LLMSIZER_CHECK(a.y.size() == a.x.size(), "activation: y has the wrong size");
  LLMSIZER_CHECK(a.up.empty() || a.up.size() == a.x.size(), "activation: up has the wrong size");
  const bool avx2 = use_avx2(isa);
  const float* up = a.up.empty() ? nullptr : a.up.data();
  pool.parallel_for(0, static_cast<std::int64_t>(a.x.size()), kElementGrain,
                    [&](std::int64_t i0, std::int64_t i1) {
#if LLMSIZER_HAVE_X86
                      if (avx2) {
                        activation_avx2(act, a.x.data() + i0, up ? up + i0 : nullptr,
                                        a.y.data() + i0, i1 - i0);
                        return;
                      }
#endif
                      for (std::int64_t i = i0; i < i1; ++i)
                        a.y[static_cast<std::size_t>(i)] =
                            act1(act, a.x[static_cast<std::size_t>(i)]) * (up ? up[i] : 1.0f);
                    });
  (void)avx2;
}

void softmax(Isa isa, const SoftmaxArgs& a, ThreadPool& pool, Workspace&) {
  LLMSIZER_CHECK(a.x.size() == static_cast<std::size_t>(a.rows * a.n) && a.y.size() == a.x.size(),
                 "softmax: x/y have the wrong size");
  const bool avx2 = use_avx2(isa);
  pool.parallel_for(0, a.rows, row_grain(a.n), [&](std::int64_t r0, std::int64_t r1) {
    for (std::int64_t r = r0; r < r1; ++r) {
#if LLMSIZER_HAVE_X86
      if (avx2) {
        softmax_row_avx2(a.x.data() + r * a.n, a.y.data() + r * a.n, a.n);
        continue;
      }
#endif
      softmax_row_portable(a.x.data() + r * a.n, a.y.data() + r * a.n, a.n);
    }
  });
  (void)avx2;
}

}  // namespace llmsizer::kernels::cpu
