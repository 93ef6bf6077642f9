// Callers of an unoptimised acquisition (caller_chains.hpp): a bounded
// frame-pointer walk inside the thread's stack and a lock-free table that
// interns the chains, so a held lock carries one pointer.
#include "core/caller_chains.hpp"

#include <pthread.h>

#include <atomic>
#include <cstddef>

#include "core/thread_state.hpp"
#include "core/trace_store.hpp"

LOCKDEP_INTERNAL_BEGIN

namespace {

// Stack bounds, learnt once per thread. pthread_getattr_np allocates, so
// never inside a handler lockdep knows of; `1` in stack_hi marks "learning
// or unknown" (a handler interrupting the learning walks nothing).
bool stack_bounds(thread_state& ts) noexcept {
  if (ts.stack_hi > 1) return true;
  if (ts.stack_hi == 1 || ts.in_signal_handler) return false;
  ts.stack_hi = 1;
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) return false;
  void* base = nullptr;
  std::size_t size = 0;
  const bool ok = pthread_attr_getstack(&attr, &base, &size) == 0 && base && size;
  pthread_attr_destroy(&attr);
  if (!ok) return false;
  ts.stack_lo = reinterpret_cast<std::uintptr_t>(base);
  ts.stack_hi = ts.stack_lo + size;
  return true;
}

// Interned chains: open addressing, claimed by CAS on the hash, published
// by `ready`. Never freed (chains are code addresses; few distinct ones).
struct chain_slot {
  std::atomic<std::uint64_t> hash{0};
  std::atomic<bool> ready{false};
  std::uintptr_t ra[k_caller_chain] = {};
};
constexpr unsigned k_slots = 8192;  // power of two
constexpr unsigned k_probes = 32;
chain_slot g_slots[k_slots];

std::uint64_t hash_chain(const std::uintptr_t* ra) noexcept {
  std::uint64_t h = 0x9e3779b97f4a7c15ull;
  for (unsigned i = 0; i < k_caller_chain; ++i) {
    h ^= ra[i];
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
  }
  return h | 1;  // 0 marks a free slot
}

bool same(const std::uintptr_t* a, const std::uintptr_t* b) noexcept {
  for (unsigned i = 0; i < k_caller_chain; ++i)
    if (a[i] != b[i]) return false;
  return true;
}

const std::uintptr_t* intern(const std::uintptr_t* ra) noexcept {
  const std::uint64_t h = hash_chain(ra);
  for (unsigned p = 0; p < k_probes; ++p) {
    chain_slot& s = g_slots[(h + p) & (k_slots - 1)];
    std::uint64_t cur = s.hash.load(std::memory_order_acquire);
    if (cur == 0) {
      if (s.hash.compare_exchange_strong(cur, h, std::memory_order_acq_rel)) {
        for (unsigned i = 0; i < k_caller_chain; ++i) s.ra[i] = ra[i];
        s.ready.store(true, std::memory_order_release);
        return s.ra;
      }
    }
    // A slot being filled (maybe by the code this signal interrupted) is
    // not waited for: the acquisition then records no callers.
    if (cur == h) {
      if (!s.ready.load(std::memory_order_acquire)) return nullptr;
      if (same(s.ra, ra)) return s.ra;
    }
  }
  return nullptr;
}

}  // namespace

const std::uintptr_t* caller_chain(thread_state* ts, const void* frame) noexcept {
  if (!ts || !frame || !stack_bounds(*ts)) return nullptr;
  // Only frames above this one, on the thread's own stack (not a signal
  // stack or a coroutine's): every word read lies in mapped memory.
  const std::uintptr_t here = reinterpret_cast<std::uintptr_t>(&ts);
  const std::uintptr_t lo = here > ts->stack_lo ? here : ts->stack_lo;
  std::uintptr_t fp = reinterpret_cast<std::uintptr_t>(frame);
  std::uintptr_t ra[k_caller_chain] = {};
  for (unsigned i = 0; i < k_caller_chain; ++i) {
    if (fp < lo || fp + 2 * sizeof(std::uintptr_t) > ts->stack_hi || (fp % sizeof(std::uintptr_t)) != 0) break;
    const auto* record = reinterpret_cast<const std::uintptr_t*>(fp);
    ra[i] = record[1];  // {saved frame pointer, return address}
    if (record[0] <= fp) break;  // the chain only goes up the stack
    fp = record[0];
  }
  return ra[0] ? intern(ra) : nullptr;
}

const std::uintptr_t* recorded_callers(std::uintptr_t caller_word) noexcept {
  if (caller_word & k_chain_tag) {
    // Ours only if it is a slot's chain (the warm path stores the outer
    // return address unchecked; no tagged value may be dereferenced blindly).
    const std::uintptr_t p = caller_word & ~k_chain_tag;
    const std::uintptr_t lo = reinterpret_cast<std::uintptr_t>(&g_slots[0]);
    const std::uintptr_t hi = reinterpret_cast<std::uintptr_t>(&g_slots[k_slots]);
    if (p < lo || p >= hi || (p - lo) % sizeof(chain_slot) != offsetof(chain_slot, ra)) return nullptr;
    return reinterpret_cast<const std::uintptr_t*>(p);
  }
  if (!caller_word) return nullptr;
  std::uintptr_t ra[k_caller_chain] = {caller_word};
  return intern(ra);
}

const std::uintptr_t* unwound_callers(std::uintptr_t ip) noexcept {
  capture_hook capture = installed_capture_hook();
  if (!capture || !ip) return nullptr;
  // lockdep's own frames (entry point, cold path) come first: a few more.
  constexpr unsigned k_depth = k_caller_chain + 8;
  std::uintptr_t frames[k_depth];
  const unsigned n = capture(frames, k_depth, 1);
  for (unsigned i = 0; i < n; ++i) {
    if (frames[i] != ip) continue;
    std::uintptr_t ra[k_caller_chain] = {};
    for (unsigned j = 0; j < k_caller_chain && i + 1 + j < n; ++j) ra[j] = frames[i + 1 + j];
    return ra[0] ? intern(ra) : nullptr;
  }
  return nullptr;
}

LOCKDEP_INTERNAL_END
