// check.h — LLMSIZER_CHECK: the loud failure for bugs (never for bad input).
// Bad input is reported through Diagnostics; a CHECK that fires means llmsizer itself is
// wrong, so it prints where and why and aborts.
#pragma once

#include <cstdio>
#include <cstdlib>

#define LLMSIZER_CHECK(cond, msg)                                                               \
  do {                                                                                          \
    if (!(cond)) {                                                                              \
      std::fprintf(stderr, "%s:%d: internal error: check failed: %s: %s\n", __FILE__, __LINE__, \
                   #cond, msg);                                                                 \
      std::abort();                                                                             \
    }                                                                                           \
  } while (0)
