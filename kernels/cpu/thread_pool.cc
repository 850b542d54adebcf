// thread_pool.cc — fixed worker threads woken by a generation counter (spin briefly, then
// sleep on the atomic's futex), and CpuPinning's hwloc binding (the only hwloc use in
// kernels/).
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

CpuPinning::CpuPinning() {
  hwloc_topology_t topo = nullptr;
  int ncores = 0;
  if (hwloc_topology_init(&topo) == 0) {
    if (hwloc_topology_load(topo) == 0) {
      topo_ = topo;
      ncores = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);
      for (unsigned rank = 0;; ++rank) {
        bool any = false;
        for (int c = 0; c < ncores; ++c) {
          hwloc_obj_t core = hwloc_get_obj_by_type(topo, HWLOC_OBJ_CORE, static_cast<unsigned>(c));
          if (hwloc_obj_t pu =
                  hwloc_get_obj_inside_cpuset_by_type(topo, core->cpuset, HWLOC_OBJ_PU, rank)) {
            pus_.push_back(pu->cpuset);
            any = true;
          }
        }
        if (!any) break;
      }
    } else {
      hwloc_topology_destroy(topo);
    }
  }
  if (ncores <= 0) ncores = static_cast<int>(std::thread::hardware_concurrency());
  cores_ = std::max(ncores, 1);
}

CpuPinning::~CpuPinning() {
  if (topo_) hwloc_topology_destroy(topo_);
}

const CpuPinning& CpuPinning::host() {
  static const CpuPinning kHost;
  return kHost;
}

bool CpuPinning::bind_current_thread(int i) const {
  if (!topo_ || pus_.empty()) return false;
  const auto* set = pus_[static_cast<std::size_t>(i) % pus_.size()];
  return hwloc_set_cpubind(topo_, set, HWLOC_CPUBIND_THREAD) == 0;
}

CpuPinning::SavedBinding::SavedBinding() {
  const auto& h = host();
  if (!h.topo_) return;
  set_ = hwloc_bitmap_alloc();
  if (set_ && hwloc_get_cpubind(h.topo_, set_, HWLOC_CPUBIND_THREAD) != 0) {
    hwloc_bitmap_free(set_);
    set_ = nullptr;
  }
}

CpuPinning::SavedBinding::~SavedBinding() {
  if (!set_) return;
  hwloc_set_cpubind(host().topo_, set_, HWLOC_CPUBIND_THREAD);
  hwloc_bitmap_free(set_);
}

int ThreadPool::hardware_cores() {
  return CpuPinning::host().cores();
}

ThreadPool::ThreadPool(int threads, bool pin) : threads_(threads), pin_(pin) {
  LLMSIZER_CHECK(threads >= 1, "a thread pool needs at least one thread");
  if (pin_) {
    caller_before_ = std::make_unique<CpuPinning::SavedBinding>();
    bind_current_thread(0);
  }
  workers_.reserve(static_cast<std::size_t>(threads - 1));
  for (int t = 1; t < threads; ++t) workers_.emplace_back([this, t] { worker_main(t); });
  run([](int) {});  // every worker has started (and bound itself) once this returns
  pinned_ = pin_ && bind_failures_.load() == 0;
}

ThreadPool::~ThreadPool() {
  stop_.store(true, std::memory_order_relaxed);
  generation_.fetch_add(1, std::memory_order_release);
  generation_.notify_all();
  for (auto& w : workers_) w.join();
  caller_before_.reset();  // the constructing thread's binding back
}

void ThreadPool::bind_current_thread(int tid) {
  if (!CpuPinning::host().bind_current_thread(tid)) bind_failures_++;
}

void ThreadPool::worker_main(int tid) {
  if (pin_) bind_current_thread(tid);
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
