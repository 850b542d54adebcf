// reference.cc — naive oracle kernels (see reference.h): straight loops in the order the
// definition reads, double accumulation, no blocking, no threads.
#include "kernels/reference/reference.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/check.h"

namespace llmsizer::kernels::reference {

void matmul(std::span<const float> x, std::span<const float> w, std::span<float> y, std::int64_t m,
            std::int64_t k, std::int64_t n) {
  LLMSIZER_CHECK(x.size() == static_cast<std::size_t>(m * k), "x has the wrong size");
  LLMSIZER_CHECK(w.size() == static_cast<std::size_t>(n * k), "w has the wrong size");
  LLMSIZER_CHECK(y.size() == static_cast<std::size_t>(m * n), "y has the wrong size");
  for (std::int64_t i = 0; i < m; ++i)
    for (std::int64_t j = 0; j < n; ++j) {
      double acc = 0;
      for (std::int64_t p = 0; p < k; ++p)
        acc += static_cast<double>(x[static_cast<std::size_t>(i * k + p)]) *
               static_cast<double>(w[static_cast<std::size_t>(j * k + p)]);
      y[static_cast<std::size_t>(i * n + j)] = static_cast<float>(acc);
    }
}

void rmsnorm(std::span<const float> x, std::span<const float> gamma, std::span<float> y,
             std::int64_t rows, std::int64_t dim, float eps) {
  LLMSIZER_CHECK(x.size() == static_cast<std::size_t>(rows * dim), "x has the wrong size");
  LLMSIZER_CHECK(gamma.size() == static_cast<std::size_t>(dim), "gamma has the wrong size");
  LLMSIZER_CHECK(y.size() == x.size(), "y has the wrong size");
  for (std::int64_t r = 0; r < rows; ++r) {
    double ss = 0;
    for (std::int64_t i = 0; i < dim; ++i) {
      const double v = x[static_cast<std::size_t>(r * dim + i)];
      ss += v * v;
    }
    const double scale = 1.0 / std::sqrt(ss / static_cast<double>(dim) + eps);
    for (std::int64_t i = 0; i < dim; ++i) {
      const auto idx = static_cast<std::size_t>(r * dim + i);
      y[idx] = static_cast<float>(x[idx] * scale * gamma[static_cast<std::size_t>(i)]);
    }
  }
}

void layernorm(std::span<const float> x, std::span<const float> gamma, std::span<const float> beta,
               std::span<float> y, std::int64_t rows, std::int64_t dim, float eps) {
  LLMSIZER_CHECK(x.size() == static_cast<std::size_t>(rows * dim), "x has the wrong size");
  LLMSIZER_CHECK(gamma.size() == static_cast<std::size_t>(dim) && beta.size() == gamma.size(),
                 "gamma/beta have the wrong size");
  LLMSIZER_CHECK(y.size() == x.size(), "y has the wrong size");
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* xr = x.data() + r * dim;
    double mean = 0, var = 0;
    for (std::int64_t i = 0; i < dim; ++i) mean += xr[i];
    mean /= static_cast<double>(dim);
    for (std::int64_t i = 0; i < dim; ++i) var += (xr[i] - mean) * (xr[i] - mean);
    var /= static_cast<double>(dim);
    const double inv = 1.0 / std::sqrt(var + eps);
    for (std::int64_t i = 0; i < dim; ++i) {
      const auto u = static_cast<std::size_t>(i);
      y[static_cast<std::size_t>(r * dim + i)] =
          static_cast<float>((xr[i] - mean) * inv * gamma[u] + beta[u]);
    }
  }
}

void rope(RopeStyle style, std::span<float> x, std::span<const std::int32_t> pos,
          std::int64_t tokens, std::int64_t heads, std::int64_t head_dim, float base) {
  LLMSIZER_CHECK(head_dim % 2 == 0, "rope needs an even head_dim");
  LLMSIZER_CHECK(x.size() == static_cast<std::size_t>(tokens * heads * head_dim),
                 "x has the wrong size");
  LLMSIZER_CHECK(pos.size() == static_cast<std::size_t>(tokens), "pos has the wrong size");
  const std::int64_t half = head_dim / 2;
  for (std::int64_t t = 0; t < tokens; ++t)
    for (std::int64_t h = 0; h < heads; ++h) {
      float* v = x.data() + (t * heads + h) * head_dim;
      for (std::int64_t i = 0; i < half; ++i) {
        const double theta = pos[static_cast<std::size_t>(t)] *
                             std::pow(static_cast<double>(base), -2.0 * static_cast<double>(i) /
                                                                     static_cast<double>(head_dim));
        const double c = std::cos(theta), s = std::sin(theta);
        const std::int64_t a = style == RopeStyle::kInterleaved ? 2 * i : i;
        const std::int64_t b = style == RopeStyle::kInterleaved ? 2 * i + 1 : i + half;
        const double x0 = v[a], x1 = v[b];
        v[a] = static_cast<float>(x0 * c - x1 * s);
        v[b] = static_cast<float>(x0 * s + x1 * c);
      }
    }
}

namespace {
double activate(Activation act, double x) {
  if (act == Activation::kSilu) return x / (1.0 + std::exp(-x));
  constexpr double kSqrt2OverPi = 0.7978845608028654;
  return 0.5 * x * (1.0 + std::tanh(kSqrt2OverPi * (x + 0.044715 * x * x * x)));
}
}  // namespace

void activation(Activation act, std::span<const float> x, std::span<float> y) {
  LLMSIZER_CHECK(y.size() == x.size(), "y has the wrong size");
  for (std::size_t i = 0; i < x.size(); ++i) y[i] = static_cast<float>(activate(act, x[i]));
}

void gated(Activation act, std::span<const float> gate, std::span<const float> up,
           std::span<float> y) {
  LLMSIZER_CHECK(up.size() == gate.size() && y.size() == gate.size(), "sizes differ");
  for (std::size_t i = 0; i < gate.size(); ++i)
    y[i] = static_cast<float>(activate(act, gate[i]) * up[i]);
}

void softmax(std::span<const float> x, std::span<float> y, std::int64_t rows, std::int64_t n) {
  LLMSIZER_CHECK(x.size() == static_cast<std::size_t>(rows * n) && y.size() == x.size(),
                 "x/y have the wrong size");
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* xr = x.data() + r * n;
    double mx = -INFINITY, sum = 0;
    for (std::int64_t i = 0; i < n; ++i) mx = std::max(mx, static_cast<double>(xr[i]));
    for (std::int64_t i = 0; i < n; ++i) sum += std::exp(xr[i] - mx);
    for (std::int64_t i = 0; i < n; ++i)
      y[static_cast<std::size_t>(r * n + i)] = static_cast<float>(std::exp(xr[i] - mx) / sum);
  }
}

void attention(std::span<const float> q, std::span<const float> k, std::span<const float> v,
               std::span<float> out, std::int64_t tokens, std::int64_t past, std::int64_t heads,
               std::int64_t kv_heads, std::int64_t head_dim, std::int64_t window, float scale) {
  LLMSIZER_CHECK(kv_heads > 0 && heads % kv_heads == 0, "heads must be a multiple of kv_heads");
  const std::int64_t ctx = past + tokens;
  LLMSIZER_CHECK(
      q.size() == static_cast<std::size_t>(tokens * heads * head_dim) && out.size() == q.size(),
      "q/out have the wrong size");
  LLMSIZER_CHECK(
      k.size() == static_cast<std::size_t>(ctx * kv_heads * head_dim) && v.size() == k.size(),
      "k/v have the wrong size");
  const std::int64_t group = heads / kv_heads;
  std::vector<double> p(static_cast<std::size_t>(ctx));
  for (std::int64_t t = 0; t < tokens; ++t) {
    const std::int64_t i = past + t;  // absolute position of the query
    const std::int64_t first = window > 0 ? std::max<std::int64_t>(0, i - window + 1) : 0;
    for (std::int64_t h = 0; h < heads; ++h) {
      const float* qh = q.data() + (t * heads + h) * head_dim;
      const std::int64_t g = h / group;
      double mx = -INFINITY;
      for (std::int64_t j = first; j <= i; ++j) {
        const float* kj = k.data() + (j * kv_heads + g) * head_dim;
        double s = 0;
        for (std::int64_t d = 0; d < head_dim; ++d) s += static_cast<double>(qh[d]) * kj[d];
        p[static_cast<std::size_t>(j)] = s * scale;
        mx = std::max(mx, s * scale);
      }
      double sum = 0;
      for (std::int64_t j = first; j <= i; ++j) {
        auto& pj = p[static_cast<std::size_t>(j)];
        pj = std::exp(pj - mx);
        sum += pj;
      }
      float* oh = out.data() + (t * heads + h) * head_dim;
      for (std::int64_t d = 0; d < head_dim; ++d) {
        double acc = 0;
        for (std::int64_t j = first; j <= i; ++j)
          acc += p[static_cast<std::size_t>(j)] *
                 v[static_cast<std::size_t>((j * kv_heads + g) * head_dim + d)];
        oh[d] = static_cast<float>(acc / sum);
      }
    }
  }
}

}  // namespace llmsizer::kernels::reference
