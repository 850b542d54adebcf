// stop_signals.h — SIGINT and SIGTERM for the long commands (study, profile): the handler
// only records the signal; the command polls it at its check points, removes its
// temporaries, leaves every output file as it was (old or none, never half written) and
// exits 128 + signal. A signal ignored by whoever started us (nohup, a background job) stays
// ignored.
#pragma once

#include <atomic>
#include <csignal>

namespace llmsizer::cli {

// Installs the handler for the object's lifetime (clearing any earlier record) and restores
// the previous handlers after. One at a time.
class StopSignals {
 public:
  StopSignals();
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  // 0, or the number of the first signal that came.
  static int signal() { return signal_.load(std::memory_order_relaxed); }
  // True once a signal came: for the profiler's cancel pointers.
  static const std::atomic<bool>* flag() { return &stopped_; }

 private:
  static void on_signal(int sig);
  static std::atomic<int> signal_;
  static std::atomic<bool> stopped_;
  static_assert(std::atomic<int>::is_always_lock_free && std::atomic<bool>::is_always_lock_free,
                "set from a signal handler");
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

}  // namespace llmsizer::cli
