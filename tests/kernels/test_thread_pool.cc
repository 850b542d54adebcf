// test_thread_pool.cc — the kernels' thread pool: every thread runs, every index of a
// parallel_for is visited exactly once, chunks respect the grain, pinning is optional.
#include <catch2/catch.hpp>

#include <atomic>
#include <vector>

#include "kernels/cpu/thread_pool.h"
#include "kernels/cpu/workspace.h"

using llmsizer::kernels::cpu::ThreadPool;
using llmsizer::kernels::cpu::Workspace;

TEST_CASE("run calls every thread once", "[kernels][thread_pool]") {
  for (int threads : {1, 2, 3}) {
    ThreadPool pool(threads);
    REQUIRE(pool.size() == threads);
    std::vector<std::atomic<int>> hits(static_cast<std::size_t>(threads));
    for (int rep = 0; rep < 200; ++rep)
      pool.run([&](int t) { hits[static_cast<std::size_t>(t)]++; });
    for (auto& h : hits) CHECK(h.load() == 200);
  }
}

TEST_CASE("parallel_for visits each index exactly once in grain-aligned chunks",
          "[kernels][thread_pool]") {
  ThreadPool pool(2);
  for (std::int64_t n : {0, 1, 5, 64, 1000, 4099}) {
    for (std::int64_t grain : {1, 4, 16}) {
      INFO("n = " << n << ", grain = " << grain);
      std::vector<std::atomic<int>> seen(static_cast<std::size_t>(n));
      std::atomic<bool> aligned{true};
      pool.parallel_for(10, 10 + n, grain, [&](std::int64_t lo, std::int64_t hi) {
        if ((lo - 10) % grain != 0) aligned = false;
        for (std::int64_t i = lo; i < hi; ++i) seen[static_cast<std::size_t>(i - 10)]++;
      });
      CHECK(aligned.load());
      for (auto& s : seen) REQUIRE(s.load() == 1);
    }
  }
}

TEST_CASE("many back-to-back jobs complete (no lost wake-ups)", "[kernels][thread_pool]") {
  ThreadPool pool(2);
  std::atomic<std::int64_t> total{0};
  for (int rep = 0; rep < 5000; ++rep)
    pool.parallel_for(0, 8, 1, [&](std::int64_t lo, std::int64_t hi) { total += hi - lo; });
  CHECK(total.load() == 5000 * 8);
}

TEST_CASE("a pinned pool runs (pinning may be refused by the host)", "[kernels][thread_pool]") {
  ThreadPool pool(2, /*pin=*/true);
  std::atomic<int> n{0};
  pool.run([&](int) { n++; });
  CHECK(n.load() == 2);
  CHECK(ThreadPool::hardware_cores() >= 1);
}

TEST_CASE("workspace grows only when asked for more", "[kernels][thread_pool]") {
  Workspace ws;
  auto a = ws.get(1000);
  CHECK(reinterpret_cast<std::uintptr_t>(a.data()) % 64 == 0);
  const auto cap = ws.capacity();
  auto b = ws.get(500);
  CHECK(b.data() == a.data());
  CHECK(ws.capacity() == cap);
  ws.get(cap + 1);
  CHECK(ws.capacity() > cap);
}
