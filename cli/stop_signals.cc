// stop_signals.cc — the SIGINT/SIGTERM record shared by `study` and `profile`.
#include "cli/stop_signals.h"

namespace llmsizer::cli {

std::atomic<int> StopSignals::signal_{0};
std::atomic<bool> StopSignals::stopped_{false};

void StopSignals::on_signal(int sig) {
  int none = 0;
  signal_.compare_exchange_strong(none, sig);
  stopped_.store(true);
}

StopSignals::StopSignals() {
  signal_.store(0);
  stopped_.store(false);
  struct sigaction sa {};
  sa.sa_handler = &StopSignals::on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, &old_int_);
  sigaction(SIGTERM, &sa, &old_term_);
  if (old_int_.sa_handler == SIG_IGN) sigaction(SIGINT, &old_int_, nullptr);
  if (old_term_.sa_handler == SIG_IGN) sigaction(SIGTERM, &old_term_, nullptr);
}

StopSignals::~StopSignals() {
  sigaction(SIGINT, &old_int_, nullptr);
  sigaction(SIGTERM, &old_term_, nullptr);
}

}  // namespace llmsizer::cli
