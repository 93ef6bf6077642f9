// Core state initialisation and the cold path's critical section.
#include "core/core.hpp"

#include <signal.h>
#include <sys/mman.h>

#include <cstdlib>
#include <cstring>
#include <new>

#include "options/option_table.hpp"

LOCKDEP_INTERNAL_BEGIN

namespace {

alignas(core_state) unsigned char core_storage[sizeof(core_state)];
std::atomic<int> core_init_state{0};  // 0 none, 1 initialising, 2 ready, 3 failed

std::uint32_t limit(option_id id) { return static_cast<std::uint32_t>(option_number(id)); }

void init_core(core_state& c) {
  // Read straight from LOCKDEP_OPTIONS (the report layer may not be up
  // yet); it warns about malformed values later. The table bounds them.
  core_limits& l = c.limits;
  l.max_classes = limit(option_id::max_classes);
  l.max_dependencies = limit(option_id::max_dependencies);
  l.max_chains = limit(option_id::max_chains);
  l.max_chain_hlocks = limit(option_id::max_chain_hlocks);
  if (l.max_chain_hlocks == 0) l.max_chain_hlocks = 5 * l.max_chains;
  l.max_trace_entries = limit(option_id::max_trace_entries);
  l.max_depth = limit(option_id::max_depth);
  bool ok = c.g.init(l.max_classes, l.max_dependencies) && c.chains.init(l.max_chains) &&
            c.traces.init(l.max_trace_entries);
  void* recs = mmap(nullptr, sizeof(chain_record) * (l.max_chains + 1), PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  void* hl = mmap(nullptr, sizeof(std::uint32_t) * l.max_chain_hlocks, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ok = ok && recs != MAP_FAILED && hl != MAP_FAILED;
  if (ok) {
    c.chain_recs = static_cast<chain_record*>(recs);
    c.chain_hlocks = static_cast<std::uint32_t*>(hl);
  }
  c.enabled.store(ok, std::memory_order_relaxed);
}

}  // namespace

core_state* g_core = nullptr;
void install_fork_handlers() noexcept;  // fork.cpp

core_state& core() noexcept {
  if (core_init_state.load(std::memory_order_acquire) >= 2)
    return *std::launder(reinterpret_cast<core_state*>(core_storage));
  int expected = 0;
  if (core_init_state.compare_exchange_strong(expected, 1, std::memory_order_acq_rel)) {
    // No signal handler of this thread may run now: one that used lockdep
    // would wait below for this very initialisation.
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    auto* c = new (core_storage) core_state();
    init_core(*c);
    install_fork_handlers();
    g_core = c;
    core_init_state.store(2, std::memory_order_release);
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    return *c;
  }
  while (core_init_state.load(std::memory_order_acquire) < 2) sched_yield();
  return *std::launder(reinterpret_cast<core_state*>(core_storage));
}

bool core_ready() noexcept { return core_init_state.load(std::memory_order_acquire) == 2; }

namespace {
// Initialise at load time (the tables are mmap'ed, touched only when used),
// so the first lockdep call of the process is not the one to pay for it,
// wherever it happens (a signal handler, a hot loop). A lock used by an
// earlier static constructor still initialises on demand.
__attribute__((constructor)) void init_core_at_load() { core(); }
}  // namespace

cold_section::cold_section(thread_state* ts) noexcept : ts_(ts) {
  static_assert(sizeof(old_mask_) >= sizeof(sigset_t));
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, reinterpret_cast<sigset_t*>(old_mask_));
  if (ts_) ++ts_->recursion;
  core().graph_lock.lock();
}

cold_section::~cold_section() {
  core().graph_lock.unlock();
  if (ts_) --ts_->recursion;
  pthread_sigmask(SIG_SETMASK, reinterpret_cast<sigset_t*>(old_mask_), nullptr);
  if (!ts_ || (ts_->in_signal_handler == 0 && ts_->recursion == 0)) deliver_pending();
}

LOCKDEP_INTERNAL_END
