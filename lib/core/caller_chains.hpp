// The callers of an acquisition made from code built without optimisation
// (lock_map.hpp's acquire_from): there the function the lockdep headers
// inline into - a std::lock_guard constructor, std::unique_lock::lock, a
// wrapper's Lock() - is a frame of its own with a frame pointer, so the one
// return address lockdep stores names it, not the user's function. The
// entry walks the frame-pointer chain a few frames up, within the thread's
// stack, and stores the interned return addresses with the held lock; the
// report layer names the first of them that is the user's code.
#pragma once

#include <cstdint>
#include <vector>

#include "lockdep/config.hpp"

LOCKDEP_INTERNAL_BEGIN

struct thread_state;

// Return addresses recorded per acquisition, nearest caller first.
constexpr unsigned k_caller_chain = 4;

// The interned chain of callers above `frame` (the frame pointer of the
// function the acquisition is inlined into), or null: no frame, not on the
// thread's own stack, or the table is full. Lock-free and allocation-free
// except once per thread (learning its stack bounds, never in a signal
// handler lockdep knows of).
const std::uintptr_t* caller_chain(thread_state* ts, const void* frame) noexcept;
// The same from a short unwind (the capture hook, trace_store.hpp), for the
// cold path of optimised code, where a guard may stay out of line (clang
// keeps std::unique_lock::lock a call): the frames above `ip`, interned.
// Acquisitions that stay on the warm path record none.
const std::uintptr_t* unwound_callers(std::uintptr_t ip) noexcept;

// held_lock::caller_word: a chain pointer carries this bit (user-space
// addresses never do); a word without it is a plain return address.
constexpr std::uintptr_t k_chain_tag = std::uintptr_t(1) << (sizeof(std::uintptr_t) * 8 - 1);
inline std::uintptr_t chain_word(const std::uintptr_t* chain) {
  return chain ? reinterpret_cast<std::uintptr_t>(chain) | k_chain_tag : 0;
}
// The interned callers a report names for a held lock's caller_word: its
// chain, or the one return address interned as a chain (null when none or
// the table is full). Lock-free, allocation-free.
const std::uintptr_t* recorded_callers(std::uintptr_t caller_word) noexcept;

// An interned chain as a list (the report layer's form), without its
// empty tail.
inline std::vector<std::uintptr_t> caller_list(const std::uintptr_t* chain) {
  std::vector<std::uintptr_t> out;
  for (unsigned i = 0; chain && i < k_caller_chain && chain[i]; ++i) out.push_back(chain[i]);
  return out;
}

LOCKDEP_INTERNAL_END
