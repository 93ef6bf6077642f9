// The simulated interrupt state of each thread (irq.hpp): context entry and
// exit, hardirq/softirq enable and disable, and marking held locks when
// interrupts come back on.
#include <signal.h>

#include "core/core.hpp"
#include "core/frontend.hpp"
#include "core/signal_lines.hpp"
#include "lockdep/irq.hpp"

LOCKDEP_INTERNAL_BEGIN

namespace {

void irq_misuse(thread_state* ts, const char* what) {
  misuse_report(ts, report_kind::bad_irq_state, what, nullptr);
}

bool softirqs_on(const thread_state& ts) { return ts.bh_disable == 0 && ts.softirq_depth == 0; }

bool enter_context(thread_state& ts, std::uint8_t type, bool signal_handler) {
  if (ts.irq_nesting >= k_max_irq_nesting) {
    irq_misuse(&ts, "irq contexts nested too deeply; entry ignored");
    return false;
  }
  irq_frame& f = ts.frames[ts.irq_nesting++];
  f.ctx_id = ts.ctx_id;
  f.saved_chain_key = ts.chain_key;
  f.type = ts.ctx_type;
  f.saved_hardirqs_on = ts.hardirqs_on;
  f.signal_handler = signal_handler;
  f.saved_signal_line = ts.signal_line;
  f.saved_signal_lines_on = ts.signal_lines_on;
  // A real signal may have interrupted the warm path between filling the
  // slot at `depth` and publishing it: keep that slot intact.
  copy_held(f.saved_slot, ts.held[ts.depth.load(std::memory_order_relaxed) % k_max_held_capacity]);
  ts.ctx_id = ts.next_ctx_id++;
  ts.ctx_type = type;
  ts.chain_key = initial_chain_key(type);
  if (signal_handler) ++ts.in_signal_handler;
  return true;
}

bool exit_context(thread_state& ts, std::uint8_t type, const char* what_if_unbalanced) {
  if (ts.irq_nesting == 0 || ts.ctx_type != type) {
    irq_misuse(&ts, what_if_unbalanced);
    return false;
  }
  const unsigned depth = ts.depth.load(std::memory_order_relaxed);
  if (depth > 0 && ts.held[depth - 1].ctx_id == ts.ctx_id) {
    irq_misuse(&ts, "leaving an irq context while locks taken in it are still held; they are dropped");
    drop_context_locks(ts);
  }
  irq_frame& f = ts.frames[--ts.irq_nesting];
  ts.ctx_id = f.ctx_id;
  ts.ctx_type = f.type;
  ts.chain_key = f.saved_chain_key;
  copy_held(ts.held[ts.depth.load(std::memory_order_relaxed) % k_max_held_capacity], f.saved_slot);
  if (f.signal_handler) --ts.in_signal_handler;
  if (f.signal_handler && ts.signal_line < k_signal_lines) --ts.signal_line_handlers;
  ts.signal_line = f.saved_signal_line;
  ts.signal_lines_on = f.saved_signal_lines_on;
  return true;
}

void hardirqs_on_transition(thread_state& ts) {
  ts.hardirqs_on = true;
  update_usage_needs(ts);
  mark_held_locks(ts, 0);
}

}  // namespace

bool set_signal_lines_deliverable(std::uint8_t lines) noexcept {
  thread_state* ts = current_thread_state();
  if (!ts) return true;
  // Inside a signal handler (the innermost context) its mask decides too.
  if (ts->irq_nesting && !ts->frames[ts->irq_nesting - 1].signal_handler) return false;
  lines &= k_all_signal_lines;
  const std::uint8_t turned_on = lines & ~ts->signal_lines_on & k_all_signal_lines;
  if (lines == (ts->signal_lines_on & k_all_signal_lines)) return true;
  ts->signal_lines_on = lines;
  update_usage_needs(*ts);
  for (unsigned line = 0; line < k_signal_lines; ++line)
    if (turned_on & (1u << line)) mark_held_locks(*ts, k_first_signal_state + line);
  return true;
}

std::uint8_t signal_lines_deliverable() noexcept {
  thread_state* ts = current_thread_state_if_any();
  return ts ? ts->signal_lines_on & k_all_signal_lines : k_all_signal_lines;
}

bool leave_signal_handler(thread_state& ts, const char* what_if_unbalanced) noexcept {
  if (ts.irq_nesting == 0 || !ts.frames[ts.irq_nesting - 1].signal_handler) return false;
  const bool restore_on = ts.frames[ts.irq_nesting - 1].saved_hardirqs_on;
  if (!exit_context(ts, ctx_hardirq, what_if_unbalanced)) return false;
  --ts.hardirq_depth;
  ts.hardirqs_on = restore_on;
  update_usage_needs(ts);
  return true;
}

void leave_abandoned_signal_handler() noexcept {
  if (thread_state* ts = current_thread_state_if_any())
    leave_signal_handler(*ts, "a signal handler left by longjmp from inside another context");
}

void mark_held_locks(thread_state& ts, unsigned state) noexcept {
  if (ts.recursion || !core_ready() || !core().enabled.load(std::memory_order_relaxed)) return;
  const unsigned depth = ts.depth.load(std::memory_order_relaxed);
  const bool soft = softirqs_on(ts);
  for (unsigned i = depth; i-- > 0;) {
    held_lock& h = ts.held[i];
    // Every held lock, the interrupted contexts' too (as the kernel does):
    // irqs enabled in a softirq also leave the process's locks exposed.
    if (!h.check) continue;
    const bool r = h.read != 0;
    std::uint32_t need = 0;
    if (is_signal_state(state)) {
      need = bit_mask(state_base(state) + k_dir_bit + (r ? 1 : 0));
    } else {
      if (state == 0) need |= bit_mask(r ? enabled_hardirq_read : enabled_hardirq);
      if (soft) need |= bit_mask(r ? enabled_softirq_read : enabled_softirq);
    }
    lock_class* c = h.cls.load(std::memory_order_relaxed);
    if ((c->usage.load(std::memory_order_relaxed) & need) == need) continue;
    cold_section section(&ts);
    std::uint32_t trace = 0;
    mark_usage(ts, h, need, trace);
  }
}

LOCKDEP_INTERNAL_END

LOCKDEP_BEGIN_NAMESPACE
using namespace internal;

namespace {
// Every public irq entry point: the caller's address starts captured traces.
#define self() self_at(reinterpret_cast<std::uintptr_t>(__builtin_return_address(0)))
thread_state* self_at(std::uintptr_t ip) {
  thread_state* ts = current_thread_state();
  if (ts) ts->entry_ip = ip;
  return ts;
}
}  // namespace

void hardirq_enter() {
  thread_state* ts = self();
  if (!ts) return;
  if (!ts->hardirqs_on && ts->hardirq_depth == 0)
    irq_misuse(ts, "entering hardirq context on a thread whose hardirqs are disabled (no interrupt could arrive)");
  if (!enter_context(*ts, ctx_hardirq, false)) return;
  ++ts->hardirq_depth;
  ts->hardirqs_on = false;
  update_usage_needs(*ts);
}

void hardirq_exit() {
  thread_state* ts = self();
  if (!ts) return;
  const bool restore_on = ts->irq_nesting ? ts->frames[ts->irq_nesting - 1].saved_hardirqs_on : true;
  if (!exit_context(*ts, ctx_hardirq, "hardirq_exit() without a matching hardirq_enter()")) return;
  --ts->hardirq_depth;
  ts->hardirqs_on = restore_on;
  update_usage_needs(*ts);
}

void softirq_enter() {
  thread_state* ts = self();
  if (!ts) return;
  if (!enter_context(*ts, ctx_softirq, false)) return;
  ++ts->softirq_depth;
  update_usage_needs(*ts);
}

void softirq_exit() {
  thread_state* ts = self();
  if (!ts) return;
  if (!exit_context(*ts, ctx_softirq, "softirq_exit() without a matching softirq_enter()")) return;
  --ts->softirq_depth;
  update_usage_needs(*ts);
}

void local_irq_disable() {
  thread_state* ts = self();
  if (!ts) return;
  ts->hardirqs_on = false;
  update_usage_needs(*ts);
}

void local_irq_enable() {
  thread_state* ts = self();
  if (!ts) return;
  if (ts->hardirqs_on) {
    irq_misuse(ts, "local_irq_enable() while hardirqs are already enabled (enable without disable)");
    return;
  }
  if (ts->hardirq_depth) {
    irq_misuse(ts, "local_irq_enable() in hardirq context");
    return;
  }
  hardirqs_on_transition(*ts);
}

irq_flags local_irq_save() {
  thread_state* ts = self();
  if (!ts) return 1;
  const irq_flags was_on = ts->hardirqs_on ? 1 : 0;
  ts->hardirqs_on = false;
  update_usage_needs(*ts);
  return was_on;
}

void local_irq_restore(irq_flags flags) {
  thread_state* ts = self();
  if (!ts) return;
  if (flags && !ts->hardirqs_on) {
    if (ts->hardirq_depth) {
      irq_misuse(ts, "local_irq_restore() enables hardirqs in hardirq context");
      return;
    }
    hardirqs_on_transition(*ts);
  } else if (!flags && ts->hardirqs_on) {
    ts->hardirqs_on = false;
    update_usage_needs(*ts);
  }
}

void local_bh_disable() {
  thread_state* ts = self();
  if (!ts) return;
  ++ts->bh_disable;
  update_usage_needs(*ts);
}

void local_bh_enable() {
  thread_state* ts = self();
  if (!ts) return;
  if (ts->bh_disable == 0) {
    irq_misuse(ts, "local_bh_enable() without a matching local_bh_disable()");
    return;
  }
  --ts->bh_disable;
  update_usage_needs(*ts);
  if (ts->bh_disable == 0 && softirqs_on(*ts) && ts->hardirqs_on) mark_held_locks(*ts, 1);
}

bool in_hardirq() {
  thread_state* ts = current_thread_state_if_any();
  return ts && ts->hardirq_depth > 0;
}
bool in_softirq() {
  thread_state* ts = current_thread_state_if_any();
  return ts && ts->softirq_depth > 0;
}
bool in_irq_context() { return in_hardirq() || in_softirq(); }
bool hardirqs_enabled() {
  thread_state* ts = current_thread_state_if_any();
  return !ts || ts->hardirqs_on;
}
bool softirqs_enabled() {
  thread_state* ts = current_thread_state_if_any();
  return !ts || softirqs_on(*ts);
}

namespace {
// A handler of a known signal is its line's context; one of an unknown
// signal is hardirq context, with every signal line off inside.
bool enter_signal_handler(thread_state* ts, unsigned line) {
  if (!ts || !enter_context(*ts, ctx_hardirq, true)) return false;
  ++ts->hardirq_depth;
  ts->hardirqs_on = false;
  if (line < k_signal_lines) {
    ts->signal_line = static_cast<std::uint8_t>(line);
    ++ts->signal_line_handlers;
  } else {
    ts->signal_line = k_no_signal_line;
    ts->signal_lines_on = 0;
  }
  update_usage_needs(*ts);
  return true;
}
}  // namespace

signal_handler_scope::signal_handler_scope() { entered_ = enter_signal_handler(self(), k_no_signal_line); }

signal_handler_scope::signal_handler_scope(int sig) : sig_(sig) {
  thread_state* ts = self();
  entered_ = enter_signal_handler(ts, sig > 0 ? signal_line(sig) : k_no_signal_line);
  if (!entered_ || sig <= 0) return;
  // The handler's mask: the thread's, plus sa_mask, plus the signal itself
  // unless SA_NODEFER (then it can interrupt itself).
  sigset_t now;
  if (pthread_sigmask(SIG_BLOCK, nullptr, &now) == 0)
    set_signal_lines_deliverable(signal_lines_unblocked(now, ts->signal_lines_on));
}

signal_handler_scope::~signal_handler_scope() {
  thread_state* ts = current_thread_state_if_any();
  if (!ts || !entered_) return;
  if (ts->irq_nesting == 0 || !ts->frames[ts->irq_nesting - 1].signal_handler) {
    irq_misuse(ts, "signal handler scope ended out of order");
    return;
  }
  leave_signal_handler(*ts, "signal handler scope ended out of order");
}

// Hardirqs off too: signal_handler_scope() without a signal is hardirq.
signals_blocked_scope::signals_blocked_scope(const sigset_t& set) {
  pthread_sigmask(SIG_BLOCK, &set, &old_);
  flags_ = local_irq_save();
  lines_ = signal_lines_deliverable();
  assign_signal_lines(set);
  set_signal_lines_deliverable(signal_lines_unblocked(set, lines_));
}

signals_blocked_scope::signals_blocked_scope() {
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old_);
  flags_ = local_irq_save();
  lines_ = signal_lines_deliverable();
  set_signal_lines_deliverable(0);
}

signals_blocked_scope::~signals_blocked_scope() {
  set_signal_lines_deliverable(lines_);
  local_irq_restore(flags_);
  pthread_sigmask(SIG_SETMASK, &old_, nullptr);
}

LOCKDEP_END_NAMESPACE
