// test_reference.cc — the naive oracles against hand-computed results.
#include <catch2/catch.hpp>

#include <vector>

#include "core/op_cost.h"
#include "kernels/reference/reference.h"

using namespace llmsizer;

TEST_CASE("reference matmul computes X * W^T", "[kernels][reference]") {
  const std::vector<float> x = {1, 2, 3, 4, 5, 6};  // 2 x 3
  const std::vector<float> w = {1, 0, 1, 0, 1, 0};  // 2 x 3
  std::vector<float> y(4);
  kernels::reference::matmul(x, w, y, 2, 3, 2);
  CHECK(y == std::vector<float>{4, 2, 10, 5});
  const auto cost = core::matmul_cost(2, 3, 2, core::DType::kF32, core::DType::kF32);
  CHECK(cost.flops == 24);
  CHECK(cost.bytes() == (6 + 6 + 4) * 4);
}

TEST_CASE("reference rmsnorm normalises each row", "[kernels][reference]") {
  const std::vector<float> x = {3, 4};
  const std::vector<float> g = {1, 2};
  std::vector<float> y(2);
  kernels::reference::rmsnorm(x, g, y, 1, 2, 0.0f);
  // rms = sqrt((9 + 16) / 2) = 3.5355
  CHECK(y[0] == Approx(3 / 3.5355339).epsilon(1e-6));
  CHECK(y[1] == Approx(2 * 4 / 3.5355339).epsilon(1e-6));
}
