// reference.cc — naive oracle kernels (see reference.h).
#include "kernels/reference/reference.h"

#include <cmath>

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

}  // namespace llmsizer::kernels::reference
