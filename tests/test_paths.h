// test_paths.h — where tests find their fixtures, the shipped profiles and the CLI binary
// (set by tests/CMakeLists.txt as compile definitions).
#pragma once

#include <string>

namespace llmsizer::test {
inline std::string data_dir() {
  return LLMSIZER_TEST_DATA_DIR;
}
inline std::string profiles_dir() {
  return LLMSIZER_TEST_PROFILES_DIR;
}
inline std::string shared_data_dir() {
  return LLMSIZER_TEST_SHARED_DATA_DIR;
}
}  // namespace llmsizer::test
