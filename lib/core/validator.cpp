// Acquire and release: the warm path.
//
// Warm path (this file): the held classes' chain was validated before and
// the class already has the usage bits this acquisition would set. It reads
// the thread's state, the lock's class pointer and usage word, probes the
// chain cache, and pushes one entry: no lock, no allocation, no write to
// shared memory. Anything else goes to the cold path (acquire_slow.cpp),
// which edits the stack through the held-stack editor (held_stack.cpp).
#include <atomic>
#include <cstddef>

#include "core/held_stack.hpp"

LOCKDEP_INTERNAL_BEGIN

namespace {

// The warm paths themselves, inlined into each public entry point: acquire
// calling the global acquire_at would stay a real call (through the PLT in
// liblockdep.so), since -fPIC code lets another definition interpose it.
LOCKDEP_ALWAYS_INLINE void acquire_warm(lock_map& m, unsigned flags, lock_map* nest, std::uintptr_t ip) {
  thread_state* ts = current_thread_state_if_any();
  if (__builtin_expect(!ts || ts->recursion || ts->off || nest || map_access::alive(m) != k_map_alive ||
                           (flags & (k_recursive_instance | k_bad_subclass)),
                       0))
    return acquire_slow(ts, m, flags, nest, ip);
  const unsigned sub = (flags & k_has_subclass) ? (flags >> k_subclass_shift) & 7u : m.subclass();
  lock_class* cls = key_access::classes(*m.key())[sub].load(std::memory_order_acquire);
  const unsigned depth = ts->depth.load(std::memory_order_relaxed);
  if (__builtin_expect(!cls || depth >= ts->max_depth, 0)) return acquire_slow(ts, m, flags, nest, ip);
  const unsigned read = flags & k_read_mask;
  const bool trylock = flags & k_trylock;
  const std::uint64_t key = chain_mix(ts->chain_key, hlock_id(cls, read));
  if (cls->validate) {
    const std::uint32_t need = ts->need[trylock][read != 0];
    if ((cls->usage.load(std::memory_order_relaxed) & need) != need)
      return acquire_slow(ts, m, flags, nest, ip);
    if (!trylock && !core_unchecked().chains.contains(key)) return acquire_slow(ts, m, flags, nest, ip);
  }
  held_lock& hl = ts->held[depth];
  fill_entry(hl, *ts, m, cls, read, trylock, ip);
  ts->chain_key = key;
  ts->depth.store(depth + 1, std::memory_order_relaxed);
}

LOCKDEP_ALWAYS_INLINE bool release_warm(lock_map& m, std::uintptr_t ip) {
  thread_state* ts = current_thread_state_if_any();
  if (__builtin_expect(ts && !ts->recursion, 1)) {
    const unsigned depth = ts->depth.load(std::memory_order_relaxed);
    if (depth > 0) {
      // held[depth - 1], the -1 folded into the address (no 32-bit wrap to compute first)
      held_lock& top = *(ts->held + std::size_t(depth) - 1);
      // context_matches(*ts, top) && top.references == 0, in one compare
      if (top.instance.load(std::memory_order_relaxed) == &m && ctx_and_references(top) == ctx_word(ts->ctx_id, 0)) {
        ts->chain_key = top.prev_chain_key;
        ts->depth.store(depth - 1, std::memory_order_relaxed);
        return true;
      }
    }
  }
  return release_slow(ts, m, true, ip);
}

}  // namespace

void acquire_at(lock_map& m, unsigned flags, lock_map* nest, std::uintptr_t ip) noexcept {
  acquire_warm(m, flags, nest, ip);
}

void acquire(lock_map& m, unsigned flags, lock_map* nest) noexcept {
  acquire_warm(m, flags, nest, reinterpret_cast<std::uintptr_t>(__builtin_return_address(0)));
}

void acquire_exclusive(lock_map& m) noexcept {
  acquire_warm(m, static_cast<unsigned>(read_mode::exclusive), nullptr,
               reinterpret_cast<std::uintptr_t>(__builtin_return_address(0)));
}

bool release_at(lock_map& m, std::uintptr_t ip) noexcept { return release_warm(m, ip); }

bool release(lock_map& m) noexcept {
  return release_warm(m, reinterpret_cast<std::uintptr_t>(__builtin_return_address(0)));
}

LOCKDEP_INTERNAL_END
