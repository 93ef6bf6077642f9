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

#include "core/caller_chains.hpp"
#include "core/held_stack.hpp"

LOCKDEP_INTERNAL_BEGIN

namespace {

LOCKDEP_ALWAYS_INLINE void push_warm(thread_state& ts, std::size_t depth, lock_map& m, lock_class* cls, unsigned read,
                                     bool trylock, bool check, std::uint64_t key, std::uintptr_t ip,
                                     std::uintptr_t caller_word) {
  held_lock& hl = ts.held[depth];
  fill_entry(hl, ts, m, cls, read, trylock, check, ip, caller_word);
  ts.chain_key = key;
  ts.depth.store(static_cast<std::uint32_t>(depth + 1), std::memory_order_relaxed);
}

LOCKDEP_ALWAYS_INLINE lock_class* class_of(lock_map& m, unsigned flags) {
  const unsigned sub = (flags & k_has_subclass) ? (flags >> k_subclass_shift) & 7u : m.subclass();
  return key_access::classes(*m.key())[sub].load(std::memory_order_acquire);
}

inline std::uint64_t& front_slot(thread_state& ts, std::uint64_t key) {
  return ts.front_chains[key & (thread_state::k_front_chains - 1)];
}

// The warm path's chain was not in the thread's front cache: probe the shared
// chain cache, remember a hit, push. Out of line and entered by a tail call,
// so the warm path itself keeps no registers for the probe loop.
// (Six arguments, all in registers: the class is looked up again rather
// than passed, so the warm path's tail call needs no stack argument.)
LOCKDEP_NOINLINE void acquire_front_miss(thread_state* ts, lock_map& m, unsigned flags, std::uint64_t key,
                                         std::uintptr_t ip, std::uintptr_t caller_word) noexcept {
  // The salt before the probe (chain_cache.hpp): a removal after this load
  // changes the salt, so the entry written below stops matching.
  const std::uint64_t salt = g_front_salt.load(std::memory_order_acquire);
  lock_class* cls = class_of(m, flags);
  if (!cls || !core_unchecked().chains.contains(key)) return acquire_slow(ts, m, flags, nullptr, ip, caller_word);
  front_slot(*ts, key) = key ^ salt;
  push_warm(*ts, ts->depth.load(std::memory_order_relaxed), m, cls, flags & k_read_mask, false, true, key, ip,
            caller_word);
}

// The warm paths themselves, inlined into each public entry point: acquire
// calling the global acquire_at would stay a real call (through the PLT in
// liblockdep.so), since -fPIC code lets another definition interpose it.
LOCKDEP_ALWAYS_INLINE void acquire_warm(lock_map& m, unsigned flags, lock_map* nest, std::uintptr_t ip,
                                        std::uintptr_t caller_word) {
  thread_state* ts = current_thread_state_if_any();
  if (__builtin_expect(!ts || ts->recursion || ts->off || nest || map_access::alive(m) != k_map_alive ||
                           (flags & (k_recursive_instance | k_bad_subclass)),
                       0))
    return acquire_slow(ts, m, flags, nest, ip, caller_word);
  lock_class* cls = class_of(m, flags);
  // 64-bit: indexing held[] then needs no zero-extension (one register less)
  const std::size_t depth = ts->depth.load(std::memory_order_relaxed);
  if (__builtin_expect(!cls || depth >= ts->max_depth, 0)) return acquire_slow(ts, m, flags, nest, ip, caller_word);
  const unsigned read = flags & k_read_mask;
  const bool trylock = flags & k_trylock;
  const std::uint64_t key = chain_key_step(ts->chain_key, cls->chain_hash[read]);
  if (cls->validate) {
    const std::uint32_t need = ts->need[trylock][read != 0];
    if ((cls->usage.load(std::memory_order_relaxed) & need) != need)
      return acquire_slow(ts, m, flags, nest, ip, caller_word);
    // A validated chain: the thread's front cache, else the shared table.
    if (!trylock && front_slot(*ts, key) != (key ^ g_front_salt.load(std::memory_order_relaxed)))
      return acquire_front_miss(ts, m, flags, key, ip, caller_word);
    // Pushed here, not after the if: `check` is then a constant on both paths.
    return push_warm(*ts, depth, m, cls, read, trylock, true, key, ip, caller_word);
  }
  push_warm(*ts, depth, m, cls, read, trylock, false, key, ip, caller_word);
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
  acquire_warm(m, flags, nest, ip, 0);
}

// `outer` rides in held_lock::caller_word as passed: a return address never
// has k_chain_tag set (user space), and recorded_callers() takes a tagged
// word for a chain only if it points into the chain table.
void acquire(lock_map& m, unsigned flags, lock_map* nest, std::uintptr_t outer) noexcept {
  acquire_warm(m, flags, nest, reinterpret_cast<std::uintptr_t>(__builtin_return_address(0)), outer);
}

void acquire_exclusive(lock_map& m, std::uintptr_t outer) noexcept {
  acquire_warm(m, static_cast<unsigned>(read_mode::exclusive), nullptr,
               reinterpret_cast<std::uintptr_t>(__builtin_return_address(0)), outer);
}

// Unoptimised callers (lock_map.hpp): also the callers above `frame`.
void acquire_from(lock_map& m, unsigned flags, lock_map* nest, const void* frame) noexcept {
  thread_state* ts = current_thread_state_if_any();
  if (!ts) ts = current_thread_state();
  acquire_warm(m, flags, nest, reinterpret_cast<std::uintptr_t>(__builtin_return_address(0)),
               chain_word(caller_chain(ts, frame)));
}

bool release_at(lock_map& m, std::uintptr_t ip) noexcept { return release_warm(m, ip); }

bool release(lock_map& m) noexcept {
  return release_warm(m, reinterpret_cast<std::uintptr_t>(__builtin_return_address(0)));
}

LOCKDEP_INTERNAL_END
