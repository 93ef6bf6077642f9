// The simulated interrupt state of each thread (irq.hpp): context entry and
// exit, hardirq/softirq enable and disable, and marking held locks when
// interrupts come back on.
#include <signal.h>

#include "core/core.hpp"
#include "core/frontend.hpp"
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
  return true;
}

void hardirqs_on_transition(thread_state& ts) {
  ts.hardirqs_on = true;
  update_usage_needs(ts);
  mark_held_locks(ts, 0);
}

}  // namespace

bool set_interrupts_deliverable(bool on) noexcept {
  thread_state* ts = current_thread_state();
  if (!ts) return true;
  // Inside a signal handler (the innermost context) its mask decides too.
  if (ts->irq_nesting && !ts->frames[ts->irq_nesting - 1].signal_handler) return false;
  if (on == ts->hardirqs_on) return true;
  if (on) {
    hardirqs_on_transition(*ts);
  } else {
    ts->hardirqs_on = false;
    update_usage_needs(*ts);
  }
  return true;
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
    if (state == 0) need |= bit_mask(r ? enabled_hardirq_read : enabled_hardirq);
    if (soft) need |= bit_mask(r ? enabled_softirq_read : enabled_softirq);
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
bool enter_signal_handler(thread_state* ts) {
  if (!ts || !enter_context(*ts, ctx_hardirq, true)) return false;
  ++ts->hardirq_depth;
  ts->hardirqs_on = false;
  update_usage_needs(*ts);
  return true;
}
}  // namespace

signal_handler_scope::signal_handler_scope() { entered_ = enter_signal_handler(self()); }

signal_handler_scope::signal_handler_scope(int sig) : sig_(sig) {
  thread_state* ts = self();
  entered_ = enter_signal_handler(ts);
  if (!entered_ || sig <= 0) return;
  sigset_t now;
  // Not blocked while its handler runs: SA_NODEFER, it can interrupt itself.
  if (pthread_sigmask(SIG_BLOCK, nullptr, &now) == 0 && sigismember(&now, sig) == 0) hardirqs_on_transition(*ts);
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

signals_blocked_scope::signals_blocked_scope(const sigset_t& set) {
  pthread_sigmask(SIG_BLOCK, &set, &old_);
  flags_ = local_irq_save();
}

signals_blocked_scope::signals_blocked_scope() {
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old_);
  flags_ = local_irq_save();
}

signals_blocked_scope::~signals_blocked_scope() {
  local_irq_restore(flags_);
  pthread_sigmask(SIG_SETMASK, &old_, nullptr);
}

LOCKDEP_END_NAMESPACE
