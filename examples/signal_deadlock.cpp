// A lock shared between a signal handler and normal code: the user-space
// version of "a lock taken in an interrupt and with interrupts enabled".
//
// `stats_mu` is taken in a real SIGUSR1 handler and by `record_sample` with
// the signal unblocked. If the signal arrives while record_sample holds the
// lock, the handler spins on a lock its own thread holds, forever. Nothing
// deadlocks in this run (the signal is raised while the lock is free), but
// lockdep sees both usages and reports
//   inconsistent {IN-HARDIRQ-W} -> {HARDIRQ-ON-W} usage.
// The report is raised inside the handler; lockdep only queues it there and
// prints it after the handler returns (here: at the next lockdep call).
//
// `config_mu` shows the fix: the normal code blocks the signal while holding
// the lock (signals_blocked_scope), so lockdep knows no "interrupt" can come
// in between, and stays silent.
//
// Exits 0 after exactly one report.
#include <signal.h>

#include <cstdio>

#include "lockdep/lockdep.hpp"

namespace {

lockdep::spinlock stats_mu{"stats_mu"};
lockdep::spinlock config_mu{"config_mu"};
long samples = 0;
long config_reads = 0;

void on_sigusr1(int) {
  lockdep::signal_handler_scope in_handler;  // first thing in the handler
  stats_mu.lock();
  ++samples;
  stats_mu.unlock();
  config_mu.lock();
  ++config_reads;
  config_mu.unlock();
}

LOCKDEP_NOINLINE void record_sample() {
  stats_mu.lock();  // BUG: SIGUSR1 is not blocked here
  ++samples;
  stats_mu.unlock();
}

LOCKDEP_NOINLINE void update_config() {
  sigset_t usr1;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  lockdep::signals_blocked_scope no_sigusr1(usr1);  // the fix
  config_mu.lock();
  ++config_reads;
  config_mu.unlock();
}

}  // namespace

int main() {
  struct sigaction sa {};
  sa.sa_handler = on_sigusr1;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGUSR1, &sa, nullptr);

  record_sample();  // stats_mu: taken with "interrupts" (signals) enabled
  update_config();  // config_mu: taken with the signal blocked
  raise(SIGUSR1);   // the handler takes both while neither is held
  lockdep::flush_reports();  // deliver what the handler queued

  const auto reports = lockdep::get_statistics().reports;
  if (reports != 1) std::fprintf(stderr, "expected exactly one report, got %llu\n", static_cast<unsigned long long>(reports));
  return reports == 1 ? 0 : 1;
}
