// random_values.h — reproducible test inputs: n floats uniform in [-scale, scale) from a
// seeded mt19937 (same seed, same values on every platform's libstdc++).
#pragma once

#include <cstddef>
#include <random>
#include <vector>

namespace llmsizer::testing {

inline std::vector<float> uniform(std::size_t n, unsigned seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (auto& x : v) x = dist(rng) * scale;
  return v;
}

}  // namespace llmsizer::testing
