// Signal lines (signal_lines.hpp): assignment and names. Linked by
// lockdep-graph too (usage_chars.cpp names the lines).
#include "core/signal_lines.hpp"

#include <string.h>

#include <atomic>

LOCKDEP_INTERNAL_BEGIN

namespace {

constexpr int k_signals = 65;  // Linux: 1..64
constexpr std::uint8_t k_pending = 0xfe;

// sig -> line + 1 (0: none yet, k_pending: being assigned)
std::atomic<std::uint8_t> g_line_of[k_signals];
// line -> its signal (0: none, -1: shared), published after its labels
std::atomic<int> g_signal_of[k_signal_lines];
std::atomic<unsigned> g_next_line{0};

// Labels of the assigned lines: 4 usage labels and 2 state names each.
constexpr unsigned k_label_chars = 32;
char g_labels[k_signal_lines][6][k_label_chars];

#define LOCKDEP_GENERIC_LABELS(s, label) \
  {"IN-" label "-W", "IN-" label "-R", label "-ON-W", label "-ON-R", label, label "-READ"},
constexpr const char* k_generic[k_irq_states][6] = {LOCKDEP_USAGE_STATES(LOCKDEP_GENERIC_LABELS)};
#undef LOCKDEP_GENERIC_LABELS

void append(char* out, const char* s) {
  std::size_t n = strlen(out);
  while (*s && n + 1 < k_label_chars) out[n++] = *s++;
  out[n] = 0;
}

void append_number(char* out, unsigned n) {
  char digits[12];
  unsigned i = sizeof digits - 1;
  digits[i] = 0;
  do {
    digits[--i] = static_cast<char>('0' + n % 10);
    n /= 10;
  } while (n && i > 0);
  append(out, digits + i);
}

std::atomic<signal_line_hook> g_line_hook{nullptr};

}  // namespace

void signal_name(int sig, char (&out)[k_signal_name_chars]) noexcept {
  static_assert(k_signal_name_chars == k_label_chars);
  out[0] = 0;
  append(out, "SIG");
  if (const char* abbrev = sigabbrev_np(sig)) {
    append(out, abbrev);
  } else if (sig > SIGRTMIN && sig <= SIGRTMAX) {
    append(out, "RTMIN+");
    append_number(out, static_cast<unsigned>(sig - SIGRTMIN));
  } else {
    append_number(out, static_cast<unsigned>(sig));
  }
}

int signal_by_name(const char* name) noexcept {
  char n[k_signal_name_chars];
  for (int sig = 1; sig < k_signals; ++sig) {
    signal_name(sig, n);
    if (strcmp(n, name) == 0) return sig;
  }
  return 0;
}

void set_signal_line_hook(signal_line_hook h) noexcept { g_line_hook.store(h, std::memory_order_release); }

namespace {

void name_line(unsigned line, const char* name) {
  static const char* const k_prefix[6] = {"IN-", "IN-", "", "", "", ""};
  static const char* const k_suffix[6] = {"-W", "-R", "-ON-W", "-ON-R", "", "-READ"};
  for (unsigned i = 0; i < 6; ++i) {
    char* l = g_labels[line][i];
    l[0] = 0;
    append(l, k_prefix[i]);
    append(l, name);
    append(l, k_suffix[i]);
  }
}

}  // namespace

unsigned signal_line_if_any(int sig) noexcept {
  if (sig <= 0 || sig >= k_signals) return k_no_signal_line;
  const std::uint8_t v = g_line_of[sig].load(std::memory_order_acquire);
  return v == 0 || v == k_pending ? k_no_signal_line : v - 1u;
}

unsigned signal_line(int sig) noexcept {
  if (sig <= 0 || sig >= k_signals) return k_shared_signal_line;
  std::uint8_t v = g_line_of[sig].load(std::memory_order_acquire);
  if (v == 0 && g_line_of[sig].compare_exchange_strong(v, k_pending, std::memory_order_acq_rel)) {
    unsigned line = g_next_line.load(std::memory_order_relaxed);
    while (line < k_shared_signal_line &&
           !g_next_line.compare_exchange_weak(line, line + 1, std::memory_order_relaxed)) {
    }
    if (line >= k_shared_signal_line) line = k_shared_signal_line;
    if (line != k_shared_signal_line) {
      char name[k_signal_name_chars];
      signal_name(sig, name);
      name_line(line, name);
      g_signal_of[line].store(sig, std::memory_order_release);
    } else {
      g_signal_of[line].store(-1, std::memory_order_release);  // its generic name, SIGNAL, is its name
    }
    g_line_of[sig].store(static_cast<std::uint8_t>(line + 1), std::memory_order_release);
    if (line != k_shared_signal_line)
      if (signal_line_hook h = g_line_hook.load(std::memory_order_acquire)) h(sig, line);
    return line;
  }
  // Another assignment of `sig` is under way (maybe the code this handler
  // interrupted): never wait for it; the shared line is a safe answer.
  return v == k_pending ? k_shared_signal_line : v - 1u;
}

int line_signal(unsigned line) noexcept {
  return line < k_signal_lines ? g_signal_of[line].load(std::memory_order_acquire) : 0;
}

std::uint8_t assigned_signal_lines() noexcept {
  std::uint8_t m = 0;
  for (unsigned l = 0; l < k_signal_lines; ++l)
    if (line_signal(l) != 0) m |= static_cast<std::uint8_t>(1u << l);
  return m;
}

const char* signal_line_label(unsigned line, unsigned which) noexcept {
  if (line >= k_signal_lines || which >= 6) return "?";
  // A line of one signal has its labels; the shared line keeps its generic
  // name (SIGNAL), as does a line with no signal yet.
  if (line_signal(line) > 0) return g_labels[line][which];
  return k_generic[k_first_signal_state + line][which];
}

void assign_signal_lines(const sigset_t& set) noexcept {
  unsigned members = 0;
  for (int sig = 1; sig < k_signals; ++sig) members += sigismember(&set, sig) == 1;
  if (members == 0 || members > k_shared_signal_line) return;
  for (int sig = 1; sig < k_signals; ++sig)
    if (sigismember(&set, sig) == 1 && sig != SIGKILL && sig != SIGSTOP) signal_line(sig);
}

std::uint8_t signal_lines_unblocked(const sigset_t& blocked, std::uint8_t lines) noexcept {
  std::uint8_t blocked_lines = 0;
  bool all_blocked = true;
  for (int sig = 1; sig < k_signals; ++sig) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    const bool is_blocked = sigismember(&blocked, sig) == 1;
    if (!is_blocked) all_blocked = false;
    const unsigned line = signal_line_if_any(sig);
    if (is_blocked && line != k_no_signal_line && line != k_shared_signal_line)
      blocked_lines |= static_cast<std::uint8_t>(1u << line);
  }
  if (all_blocked) return 0;
  return static_cast<std::uint8_t>(lines & ~blocked_lines);
}

LOCKDEP_INTERNAL_END
