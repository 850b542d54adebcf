// thread_pool.h — the kernels' own fixed-size thread pool: a fixed set of worker threads,
// created once, optionally pinned one per core with hwloc, that run a job on every thread or
// split an index range; dispatching work allocates nothing (hot-loop safe). CpuPinning is
// the one place any thread of the tool (pool workers, profiler probes) is bound to a CPU.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "kernels/cpu/function_ref.h"

struct hwloc_topology;
struct hwloc_bitmap_s;

namespace llmsizer::kernels::cpu {

// The host's processing units in pinning order (hwloc): the first hardware thread of every
// core, then every core's second, and so on, so up to the core count no two pinned threads
// share a core, and beyond it they take the cores' siblings. Built once per process on first
// use, read-only (thread-safe) afterwards.
class CpuPinning {
 public:
  static const CpuPinning& host();
  ~CpuPinning();
  CpuPinning(const CpuPinning&) = delete;
  CpuPinning& operator=(const CpuPinning&) = delete;

  // Physical cores hwloc sees; the hardware concurrency when hwloc sees none; at least 1.
  int cores() const { return cores_; }
  // Binds the calling thread to processing unit i (mod their count). False when hwloc could
  // not load the topology or refused the binding (a restricted container).
  bool bind_current_thread(int i) const;

  // The calling thread's binding when constructed, put back by the destructor (on the
  // thread that destroys it); does nothing when hwloc could not read it.
  class SavedBinding {
   public:
    SavedBinding();
    ~SavedBinding();
    SavedBinding(const SavedBinding&) = delete;
    SavedBinding& operator=(const SavedBinding&) = delete;

   private:
    hwloc_bitmap_s* set_ = nullptr;
  };

 private:
  CpuPinning();
  hwloc_topology* topo_ = nullptr;
  std::vector<const hwloc_bitmap_s*> pus_;  // cpusets owned by topo_
  int cores_ = 1;
};

class ThreadPool {
 public:
  // Starts threads - 1 workers (the calling thread is thread 0). threads >= 1. With
  // pin = true, thread t is bound to processing unit t of CpuPinning's order, and the
  // thread that constructs the pool is bound too (its previous binding is restored by the
  // destructor); when binding fails (restricted container), the pool runs unpinned and
  // pinned() says so.
  explicit ThreadPool(int threads = 1, bool pin = false);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return threads_; }
  bool pinned() const { return pinned_; }

  // Calls fn(t) once on every thread t in [0, size()) (the caller runs t = 0) and returns
  // when all have finished. fn must not throw and must not call back into this pool.
  // Not thread-safe: one calling thread at a time.
  void run(FunctionRef<void(int)> fn);

  // Splits [begin, end) into chunks that are multiples of `grain` (the last may be short)
  // and calls fn(lo, hi) for each chunk, spread dynamically over the threads. grain >= 1.
  // Same contract as run().
  void parallel_for(std::int64_t begin, std::int64_t end, std::int64_t grain,
                    FunctionRef<void(std::int64_t, std::int64_t)> fn);

  // Number of threads worth using on this host: CpuPinning::host().cores().
  static int hardware_cores();

 private:
  void worker_main(int tid);
  void bind_current_thread(int tid);

  int threads_;
  bool pinned_ = false;
  bool pin_ = false;
  std::unique_ptr<CpuPinning::SavedBinding> caller_before_;
  std::vector<std::thread> workers_;
  FunctionRef<void(int)> job_;
  std::atomic<std::uint32_t> generation_{0};
  std::atomic<int> pending_{0};
  std::atomic<int> bind_failures_{0};
  std::atomic<bool> stop_{false};
};

}  // namespace llmsizer::kernels::cpu
