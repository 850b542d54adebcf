// fuzz_common.h — helpers shared by the libFuzzer targets in fuzz/ (built only with
// -DLLMSIZER_BUILD_FUZZERS=ON and clang). A target aborts (= a finding) when a loader breaks
// its contract: a rejected input must come with at least one error diagnostic.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <string_view>
#include <type_traits>

#include <unistd.h>

#include "core/diagnostics.h"

// A target's entry: libFuzzer's LLVMFuzzerTestOneInput, or, when the sources are compiled
// into the test suite with LLMSIZER_FUZZ_REPLAY, a function llmsizer_fuzz_NAME that
// tests/estimator/test_fuzz_regressions.cc calls on the saved inputs (fuzz_targets.h).
#ifdef LLMSIZER_FUZZ_REPLAY
#define LLMSIZER_FUZZ_TARGET(name) \
  int llmsizer_fuzz_##name(const std::uint8_t* data, std::size_t size)
#else
#define LLMSIZER_FUZZ_TARGET(name) \
  extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
#endif

namespace llmsizer::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Aborts with a message when `cond` is false (libFuzzer records the input as a crash).
inline void require(bool cond, const char* what) {
  if (!cond) {
    std::fprintf(stderr, "fuzz contract violated: %s\n", what);
    std::abort();
  }
}

// A loader's contract: success, or failure with at least one error.
template <class T>
void require_contract(const T& result, const core::Diagnostics& d) {
  if (!result) require(d.has_errors(), "rejected without an error diagnostic");
}

// The common target body for a document kind: parse the input as `fuzz.yaml`; a rejection
// needs an error; with a writer, what was accepted must parse again once written back.
template <class Parse, class Write>
int document_target(const std::uint8_t* data, std::size_t size, Parse parse, Write write) {
  core::Diagnostics d;
  auto doc = parse(as_text(data, size), std::string("fuzz.yaml"), d);
  require_contract(doc, d);
  if constexpr (!std::is_same_v<Write, std::nullptr_t>) {
    if (doc) {
      core::Diagnostics again;
      require(parse(write(*doc), std::string("rt.yaml"), again).has_value(),
              "the written-back document does not parse again");
    }
  }
  return 0;
}

// For loaders that take a path: the input written to one temp file per process and suffix,
// removed when the process exits normally (a crash leaves it for inspection).
inline const std::string& write_temp(const std::uint8_t* data, std::size_t size,
                                     const char* suffix) {
  struct Files {
    std::map<std::string, std::string> by_suffix;
    ~Files() {
      for (const auto& [s, path] : by_suffix) std::remove(path.c_str());
    }
  };
  static Files files;
  auto [it, fresh] = files.by_suffix.try_emplace(suffix);
  if (fresh) it->second = std::string("/tmp/llmsizer-fuzz-") + std::to_string(::getpid()) + suffix;
  std::ofstream out(it->second, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  out.close();
  require(out.good(), "could not write the temp input file");
  return it->second;
}

}  // namespace llmsizer::fuzz
