// lockdep::install_signal_handler (irq.hpp): the program's handler behind a
// wrapper that runs it inside a signal_handler_scope of its signal.
#include <signal.h>

#include <atomic>

#include "core/frontend.hpp"
#include "lockdep/irq.hpp"

LOCKDEP_BEGIN_NAMESPACE

namespace {

constexpr int k_signals = 65;  // Linux: 1..64
std::atomic<void (*)(int)> g_wrapped[k_signals];
std::atomic<int> g_flags[k_signals];

void run_wrapped(int sig) {
  if (sig <= 0 || sig >= k_signals) return;
  void (*handler)(int) = g_wrapped[sig].load(std::memory_order_acquire);
  if (!handler) return;
  signal_handler_scope scope(sig);
  // The scope reads the mask; the flag says it too, also where a runtime
  // (TSan) runs handlers with its own mask.
  if (g_flags[sig].load(std::memory_order_relaxed) & SA_NODEFER)
    internal::set_signal_lines_deliverable(internal::signal_lines_deliverable() | (1u << internal::signal_line(sig)));
  handler(sig);
}

}  // namespace

int install_signal_handler(int sig, void (*handler)(int), int flags, const sigset_t* mask) {
  struct sigaction sa {};
  sa.sa_flags = flags & ~SA_SIGINFO;
  if (mask) sa.sa_mask = *mask;
  else sigemptyset(&sa.sa_mask);
  const bool wrap = sig > 0 && sig < k_signals && handler != SIG_DFL && handler != SIG_IGN;
  sa.sa_handler = wrap ? run_wrapped : handler;
  if (wrap) {  // before a delivery can run it
    internal::signal_line(sig);  // the line exists before the first delivery: threads mark it
    g_flags[sig].store(flags, std::memory_order_relaxed);
    g_wrapped[sig].store(handler, std::memory_order_release);
  }
  return sigaction(sig, &sa, nullptr);
}

LOCKDEP_END_NAMESPACE
