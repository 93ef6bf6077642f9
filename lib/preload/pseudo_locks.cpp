// The allocator and stdio as locks (the kernel's fs_reclaim annotation for
// its allocator): glibc's malloc and each FILE are locked inside, so a
// handler that allocates or prints while the interrupted code does the same
// deadlocks. Each is one pseudo-lock class ("malloc", "stdio"), without a
// wait type (it never blocks on a program lock), acquired and released at
// once: it orders nothing and only carries usage.
//
// In a handler every call notes an acquisition (IN-SIGUSR1 in SIGUSR1's).
// Elsewhere the first call after a handler change, or after the thread
// unblocked a handled signal, that runs with a handled signal unblocked
// notes one (SIGUSR1-ON for each such signal) and makes the thread quiet
// until the next change; with every handled signal blocked nothing is
// noted and the thread keeps looking. A quiet call costs one thread-local
// compare.
#include <new>

#include "core/frontend.hpp"
#include "lockdep/irq.hpp"
#include "preload/preload.hpp"

namespace lockdep_preload {

constinit thread_local pseudo_quiet tl_pseudo_quiet __attribute__((tls_model("initial-exec"))){};

namespace {

namespace core = lockdep::internal;

lockdep::lock_class_key g_keys[k_pseudo_locks] = {lockdep::lock_class_key{"malloc"},
                                                  lockdep::lock_class_key{"stdio"}};
alignas(lockdep::lock_map) unsigned char g_map_storage[k_pseudo_locks][sizeof(lockdep::lock_map)];
std::atomic<int> g_map_state[k_pseudo_locks];  // 0 none, 1 constructing, 2 ready

// The pseudo-lock's map, constructed at its first use (nullptr while another
// thread constructs it: that call notes nothing).
lockdep::lock_map* map_of(pseudo_lock k) {
  int state = g_map_state[k].load(std::memory_order_acquire);
  if (state == 0 && g_map_state[k].compare_exchange_strong(state, 1, std::memory_order_acq_rel)) {
    new (g_map_storage[k]) lockdep::lock_map(g_keys[k], lockdep::wait_type::none);
    g_map_state[k].store(2, std::memory_order_release);
    state = 2;
  }
  if (state != 2) return nullptr;
  return std::launder(reinterpret_cast<lockdep::lock_map*>(g_map_storage[k]));
}

void note(pseudo_lock k, std::uintptr_t ip) {
  if (lockdep::lock_map* m = map_of(k)) {
    core::acquire_at(*m, core::make_flags(lockdep::read_mode::exclusive), nullptr, ip);
    core::release_at(*m, ip);
  }
}

}  // namespace

void note_pseudo_lock(pseudo_lock k, std::uintptr_t ip) noexcept {
  hook_scope scope;  // inside lockdep's own code: forward only
  if (!scope) return;
  const std::uint32_t generation = g_signal_generation.load(std::memory_order_acquire);
  if (in_handler_frame()) {
    note(k, ip);
    return;
  }
  if (generation == 0) {  // no handler was ever installed: nothing can interrupt
    tl_pseudo_quiet.generation[k] = generation;
    return;
  }
  if (core::signal_lines_deliverable() == 0) return;
  note(k, ip);
  tl_pseudo_quiet.generation[k] = generation;
}

void pseudo_locks_rearm() noexcept {
  for (auto& g : tl_pseudo_quiet.generation) g = g_signal_generation.load(std::memory_order_relaxed) - 1;
}

void pseudo_locks_enter_handler() noexcept { pseudo_locks_rearm(); }

}  // namespace lockdep_preload
