// Core state initialisation and the cold path's critical section.
#include "core/core.hpp"

#include <signal.h>
#include <sys/mman.h>

#include <cstdlib>
#include <cstring>
#include <new>

LOCKDEP_INTERNAL_BEGIN

namespace {

alignas(core_state) unsigned char core_storage[sizeof(core_state)];
std::atomic<int> core_init_state{0};  // 0 none, 1 initialising, 2 ready, 3 failed

std::uint32_t env_limit(const char* opts, const char* name, std::uint32_t def) {
  // Limits are read straight from LOCKDEP_OPTIONS here (the option parser of
  // the runtime layer may not be up yet); malformed values are reported by
  // that parser later.
  if (!opts) return def;
  const std::size_t len = std::strlen(name);
  for (const char* p = opts; (p = std::strstr(p, name)) != nullptr; p += len) {
    if ((p == opts || p[-1] == ':' || p[-1] == ',' || p[-1] == ' ') && p[len] == '=') {
      char* end = nullptr;
      unsigned long v = std::strtoul(p + len + 1, &end, 10);
      if (end != p + len + 1 && v > 0 && v < (1ul << 28)) return static_cast<std::uint32_t>(v);
    }
  }
  return def;
}

void init_core(core_state& c) {
  const char* opts = std::getenv("LOCKDEP_OPTIONS");
  core_limits& l = c.limits;
  l.max_classes = env_limit(opts, "max_classes", l.max_classes);
  l.max_dependencies = env_limit(opts, "max_dependencies", l.max_dependencies);
  l.max_chains = env_limit(opts, "max_chains", l.max_chains);
  l.max_chain_hlocks = env_limit(opts, "max_chain_hlocks", 5 * l.max_chains);
  l.max_trace_entries = env_limit(opts, "max_trace_entries", l.max_trace_entries);
  l.max_depth = env_limit(opts, "max_depth", l.max_depth);
  if (l.max_depth > k_max_held_capacity) l.max_depth = k_max_held_capacity;
  if (l.max_classes >= (1u << 24)) l.max_classes = (1u << 24) - 1;
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
