// The kernel report this project follows, reproduced in user space.
//
// /work/shared/seed/irq-lock-inversion.txt is a syzbot report against Linux
// 5.6 (fs/aio.c vs. pidfd): `&ctx->ctx_lock` is taken in softirq context
// (an RCU callback frees the aio context), and while holding it aio_poll
// takes `&pid->wait_pidfd`, which elsewhere is taken with interrupts
// enabled. If the softirq interrupts a CPU holding wait_pidfd while another
// CPU holds ctx_lock and waits for wait_pidfd, nobody can make progress.
//
// This program replays the same events, in the same order, with the kernel
// functions' names, on one thread:
//   1. do_notify_pidfd:      wait_pidfd with irqs saved/off  -> INITIAL USE
//   2. proc_pid_make_inode:  wait_pidfd with irqs on         -> HARDIRQ-ON-W, SOFTIRQ-ON-W
//   3. aio_poll:             spin_lock_irq(ctx_lock), then wait_pidfd under it
//                            -> dependency ctx_lock -> wait_pidfd
//   4. softirq (rcu_core -> rcu_do_batch -> percpu_ref_switch_to_atomic_rcu,
//      holding rcu_callback and rcu_read_lock): spin_lock_irq(ctx_lock)
//      -> ctx_lock becomes SOFTIRQ-safe while reaching a SOFTIRQ-unsafe lock:
//      "possible irq lock inversion dependency detected".
// Nothing here ever waits: the report comes from the order of events alone.
// Exits 0 after exactly one report.
#include <cstdio>

#include "lockdep/lockdep.hpp"

// The kernel functions' stand-ins must stay frames of their own (no inlining,
// no constant-propagated clones) so the traces read like the seed's.
#if defined(__clang__)
#define SEED_FRAME __attribute__((noinline))
#else
#define SEED_FRAME __attribute__((noinline, noclone))
#endif

struct pid_struct {
  lockdep::spinlock wait_pidfd{"&pid->wait_pidfd"};
};
struct kioctx {
  lockdep::spinlock ctx_lock{"&ctx->ctx_lock"};
};

// The RCU pseudo-locks: tracked (they show in the held-lock list) but not
// validated, so their usage prints as {....}. rcu_read_lock creates a
// spinning context (inner spin) and may be taken anywhere (outer free).
static lockdep::lock_map rcu_callback_map{"rcu_callback", lockdep::wait_type::none, lockdep::wait_type::none,
                                   lockdep::check::track_only};
static lockdep::lock_map rcu_read_lock_map{"rcu_read_lock", lockdep::wait_type::spin, lockdep::wait_type::free,
                                    lockdep::check::track_only};

static pid_struct the_pid;
static kioctx the_ctx;

// kernel/signal.c: wake pidfd waiters from the exiting task, irqs saved.
SEED_FRAME void do_notify_pidfd(pid_struct& pid) {
  lockdep::irq_flags flags = lockdep::spin_lock_irqsave(pid.wait_pidfd);
  lockdep::spin_unlock_irqrestore(pid.wait_pidfd, flags);
}

// fs/proc/base.c: plain spin_lock with interrupts enabled.
SEED_FRAME void proc_pid_make_inode(pid_struct& pid) {
  pid.wait_pidfd.lock();
  pid.wait_pidfd.unlock();
}

// fs/aio.c: IOCB_CMD_POLL adds itself to the pidfd's wait queue under ctx_lock.
SEED_FRAME void aio_poll(kioctx& ctx, pid_struct& pid) {
  lockdep::spin_lock_irq(ctx.ctx_lock);
  pid.wait_pidfd.lock();
  pid.wait_pidfd.unlock();
  lockdep::spin_unlock_irq(ctx.ctx_lock);
}

// fs/aio.c: the percpu_ref release callback, run from an RCU callback.
SEED_FRAME void free_ioctx_users(kioctx& ctx) {
  lockdep::spin_lock_irq(ctx.ctx_lock);  // <- the report fires here
  lockdep::spin_unlock_irq(ctx.ctx_lock);
}

SEED_FRAME void percpu_ref_switch_to_atomic_rcu(kioctx& ctx) {
  lockdep::lock_acquire(rcu_read_lock_map, lockdep::read_mode::shared_recursive);
  free_ioctx_users(ctx);
  lockdep::lock_release(rcu_read_lock_map);
}

SEED_FRAME void rcu_do_batch(kioctx& ctx) {
  lockdep::lock_acquire(rcu_callback_map);
  percpu_ref_switch_to_atomic_rcu(ctx);
  lockdep::lock_release(rcu_callback_map);
}

// kernel/rcu/tree.c: the RCU softirq.
SEED_FRAME void rcu_core(kioctx& ctx) {
  lockdep::softirq_scope in_softirq;
  rcu_do_batch(ctx);
}

// The four events in the seed's order; callable from a test.
SEED_FRAME void seed_irq_inversion_scenario() {
  do_notify_pidfd(the_pid);
  proc_pid_make_inode(the_pid);
  aio_poll(the_ctx, the_pid);
  rcu_core(the_ctx);
}

#ifndef SEED_IRQ_INVERSION_NO_MAIN
int main() {
  seed_irq_inversion_scenario();
  lockdep::flush_reports();
  const auto reports = lockdep::get_statistics().reports;
  if (reports != 1) std::fprintf(stderr, "expected exactly one report, got %llu\n", static_cast<unsigned long long>(reports));
  return reports == 1 ? 0 : 1;
}
#endif
