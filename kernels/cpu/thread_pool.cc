// thread_pool.cc — fixed worker threads woken by a generation counter (spin briefly, then
// sleep on the atomic's futex), and hwloc core binding (the only hwloc use in kernels/).
#include "kernels/cpu/thread_pool.h"

#include <hwloc.h>

#include <algorithm>

#include "core/check.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define LLMSIZER_CPU_RELAX() _mm_pause()
#else
#define LLMSIZER_CPU_RELAX() ((void)0)
#endif

namespace llmsizer::kernels::cpu {
namespace {

// Spin iterations (about 20-50 us) before a waiting thread sleeps on the futex: long enough to
// cover the gap between two kernels of one forward pass, short enough not to burn a core that
// the thread being waited for needs on a busy host. Every kYieldEvery iterations the spinner
// yields, in case that thread is queued behind it.
constexpr int kSpinIterations = 1 << 11;
constexpr int kYieldEvery = 256;

// One spin step: pause, and now and then give the CPU away.
inline void spin_step(int i) {
  LLMSIZER_CPU_RELAX();
  if ((i + 1) % kYieldEvery == 0) std::this_thread::yield();
}

}  // namespace

struct ThreadPool::Binding {
  hwloc_topology_t topo = nullptr;
  std::vector<hwloc_bitmap_t> core_sets;  // one single-PU set per thread
  hwloc_bitmap_t caller_before = nullptr;

  ~Binding() {
    for (auto s : core_sets) hwloc_bitmap_free(s);
    if (caller_before) hwloc_bitmap_free(caller_before);
    if (topo) hwloc_topology_destroy(topo);
  }
};

int ThreadPool::hardware_cores() {
  hwloc_topology_t topo = nullptr;
  int cores = 0;
  if (hwloc_topology_init(&topo) == 0) {
    if (hwloc_topology_load(topo) == 0) cores = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);
    hwloc_topology_destroy(topo);
  }
  if (cores <= 0) cores = static_cast<int>(std::thread::hardware_concurrency());
  return std::max(cores, 1);
}

ThreadPool::ThreadPool(int threads, bool pin) : threads_(threads) {
  LLMSIZER_CHECK(threads >= 1, "a thread pool needs at least one thread");
  if (pin) {
    auto b = std::make_unique<Binding>();
    if (hwloc_topology_init(&b->topo) == 0 && hwloc_topology_load(b->topo) == 0) {
      const int cores = hwloc_get_nbobjs_by_type(b->topo, HWLOC_OBJ_CORE);
      for (int t = 0; cores > 0 && t < threads; ++t) {
        hwloc_obj_t core = hwloc_get_obj_by_type(b->topo, HWLOC_OBJ_CORE, t % cores);
        hwloc_bitmap_t set = hwloc_bitmap_dup(core->cpuset);
        hwloc_bitmap_singlify(set);  // one PU of the core: no migration between siblings
        b->core_sets.push_back(set);
      }
      if (static_cast<int>(b->core_sets.size()) == threads) {
        b->caller_before = hwloc_bitmap_alloc();
        if (hwloc_get_cpubind(b->topo, b->caller_before, HWLOC_CPUBIND_THREAD) != 0) {
          hwloc_bitmap_free(b->caller_before);
          b->caller_before = nullptr;
        }
        binding_ = std::move(b);
      }
    }
  }
  if (binding_) bind_current_thread(0);
  workers_.reserve(static_cast<std::size_t>(threads - 1));
  for (int t = 1; t < threads; ++t) workers_.emplace_back([this, t] { worker_main(t); });
  run([](int) {});  // every worker has started (and bound itself) once this returns
  pinned_ = binding_ != nullptr && bind_failures_.load() == 0;
}

ThreadPool::~ThreadPool() {
  stop_.store(true, std::memory_order_relaxed);
  generation_.fetch_add(1, std::memory_order_release);
  generation_.notify_all();
  for (auto& w : workers_) w.join();
  if (binding_ && binding_->caller_before)
    hwloc_set_cpubind(binding_->topo, binding_->caller_before, HWLOC_CPUBIND_THREAD);
}

void ThreadPool::bind_current_thread(int tid) {
  const auto& set = binding_->core_sets[static_cast<std::size_t>(tid)];
  if (hwloc_set_cpubind(binding_->topo, set, HWLOC_CPUBIND_THREAD) != 0) bind_failures_++;
}

void ThreadPool::worker_main(int tid) {
  if (binding_) bind_current_thread(tid);
  std::uint32_t seen = 0;
  for (;;) {
    std::uint32_t g = generation_.load(std::memory_order_acquire);
    for (int i = 0; g == seen && i < kSpinIterations; ++i) {
      spin_step(i);
      g = generation_.load(std::memory_order_acquire);
    }
    while (g == seen) {
      generation_.wait(seen, std::memory_order_acquire);
      g = generation_.load(std::memory_order_acquire);
    }
    seen = g;
    if (stop_.load(std::memory_order_relaxed)) return;
    job_(tid);
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) pending_.notify_one();
  }
}

void ThreadPool::run(FunctionRef<void(int)> fn) {
  if (threads_ == 1) {
    fn(0);
    return;
  }
  job_ = fn;
  pending_.store(threads_ - 1, std::memory_order_relaxed);
  generation_.fetch_add(1, std::memory_order_release);
  generation_.notify_all();
  fn(0);
  int left = pending_.load(std::memory_order_acquire);
  for (int i = 0; left != 0 && i < kSpinIterations; ++i) {
    spin_step(i);
    left = pending_.load(std::memory_order_acquire);
  }
  while (left != 0) {
    pending_.wait(left, std::memory_order_acquire);
    left = pending_.load(std::memory_order_acquire);
  }
}

void ThreadPool::parallel_for(std::int64_t begin, std::int64_t end, std::int64_t grain,
                              FunctionRef<void(std::int64_t, std::int64_t)> fn) {
  LLMSIZER_CHECK(grain >= 1, "parallel_for needs grain >= 1");
  const std::int64_t n = end - begin;
  if (n <= 0) return;
  if (threads_ == 1 || n <= grain) {
    fn(begin, end);
    return;
  }
  // About four chunks per thread balance load without much contention on the counter.
  std::int64_t chunk = (n + 4 * threads_ - 1) / (4 * threads_);
  chunk = std::max<std::int64_t>(grain, (chunk + grain - 1) / grain * grain);
  std::atomic<std::int64_t> next{begin};
  run([&](int) {
    for (;;) {
      const std::int64_t lo = next.fetch_add(chunk, std::memory_order_relaxed);
      if (lo >= end) return;
      fn(lo, std::min(end, lo + chunk));
    }
  });
}

}  // namespace llmsizer::kernels::cpu
