// The held-lock stack editor's interface, for the files of the validator
// (validator.cpp: the warm path; acquire_slow.cpp: the cold path;
// held_stack.cpp: the editor). Not for other layers.
#pragma once

#include <bit>
#include <cstddef>
#include <cstring>
#include <type_traits>

#include "core/core.hpp"

LOCKDEP_INTERNAL_BEGIN

// ---- entries (inline: the warm path fills them) ---------------------------------
inline bool context_matches(const thread_state& ts, const held_lock& h) { return h.ctx_id == ts.ctx_id; }

// ctx_id and references, adjacent, as one 64-bit word: the warm path writes
// both with one store and release_warm tests "this context's entry, no extra
// references" with one compare.
static_assert(std::is_standard_layout_v<held_lock>);
static_assert(offsetof(held_lock, references) == offsetof(held_lock, ctx_id) + 4 && sizeof(held_lock::ctx_id) == 4 &&
              sizeof(held_lock::references) == 4);
inline std::uint64_t ctx_word(std::uint32_t ctx_id, std::uint32_t references) {
  if constexpr (std::endian::native == std::endian::little) return ctx_id | (std::uint64_t(references) << 32);
  return (std::uint64_t(ctx_id) << 32) | references;
}
inline std::uint64_t ctx_and_references(const held_lock& h) {
  std::uint64_t w;
  std::memcpy(&w, reinterpret_cast<const char*>(&h) + offsetof(held_lock, ctx_id), sizeof w);
  return w;
}
inline void set_ctx_and_references(held_lock& h, std::uint64_t w) {
  std::memcpy(reinterpret_cast<char*>(&h) + offsetof(held_lock, ctx_id), &w, sizeof w);
}

// read, irq_context, trylock, check, hardirqs_off and nest_merged, adjacent
// bytes, as one 64-bit word (with the two padding bytes after them): the
// warm path writes them with one store instead of six.
static_assert(offsetof(held_lock, irq_context) == offsetof(held_lock, read) + 1 &&
              offsetof(held_lock, trylock) == offsetof(held_lock, read) + 2 &&
              offsetof(held_lock, check) == offsetof(held_lock, read) + 3 &&
              offsetof(held_lock, hardirqs_off) == offsetof(held_lock, read) + 4 &&
              offsetof(held_lock, nest_merged) == offsetof(held_lock, read) + 5 &&
              offsetof(held_lock, nest_lock) >= offsetof(held_lock, read) + 8);
static_assert(std::endian::native == std::endian::little, "entry_bits packs the bytes little-endian");
inline std::uint64_t entry_bits(unsigned read, std::uint8_t irq_context, bool trylock, bool check,
                                bool hardirqs_off) {
  return std::uint64_t(static_cast<std::uint8_t>(read)) | std::uint64_t(irq_context) << 8 |
         std::uint64_t(trylock) << 16 | std::uint64_t(check) << 24 | std::uint64_t(hardirqs_off) << 32;
}

// `check` is cls->validate (passed: the warm path knows it as a constant).
inline void fill_entry(held_lock& hl, thread_state& ts, lock_map& m, lock_class* cls, unsigned read, bool trylock,
                       bool check, std::uintptr_t ip, std::uintptr_t caller_word) {
  hl.instance.store(&m, std::memory_order_relaxed);
  hl.cls.store(cls, std::memory_order_relaxed);
  hl.prev_chain_key = ts.chain_key;
  hl.acquire_ip = ip;
  hl.caller_word = caller_word;
  set_ctx_and_references(hl, ctx_word(ts.ctx_id, 0));  // hl.ctx_id = ts.ctx_id, hl.references = 0
  // read, trylock, check and nest_merged (constants on the warm path) as one
  // word, then the two bytes taken from the thread's state: fewer
  // instructions and one temporary register less than six byte stores.
  const std::uint64_t bits = entry_bits(read, 0, trylock, check, false);
  std::memcpy(reinterpret_cast<char*>(&hl) + offsetof(held_lock, read), &bits, sizeof bits);
  hl.irq_context = ts.ctx_type;
  hl.hardirqs_off = !ts.hardirqs_on;
  hl.nest_lock = nullptr;
}

// ---- untracked acquisitions: taken while lockdep declined to track them -----
void note_untracked(thread_state& ts, const lock_map& m);
// Forget untracked acquisitions of `m`: one, or all; returns whether any.
bool drop_untracked(thread_state& ts, const lock_map& m, bool all);
// True if `m` was taken untracked (and forgets one such acquisition).
bool take_untracked(thread_state& ts, const lock_map& m);

// ---- the editor (cold section held) ------------------------------------------------
// Validate and push `hl` (already filled at held[depth]). `mark` false: leave
// the class's usage bits alone (the thread's irq state now is not the one
// `hl` was taken in).
void validate_and_push(thread_state& ts, held_lock& hl, std::uint32_t& trace, bool mark = true);
// Truncate the stack to held[0..i) and push the saved entries `from`.. back.
void rebuild_from(thread_state& ts, unsigned i, unsigned from);
// Remove held[i], re-validating the entries above it.
void remove_held(thread_state& ts, unsigned i);
// The entry of `m` in the current context (top-down), or -1.
int find_held(const thread_state& ts, const lock_map& m);

// ---- the cold path (acquire_slow.cpp), out of line --------------------------------
// noexcept like their noexcept callers, so the warm path can tail-call them
// (a call from a noexcept function into a potentially throwing one needs an
// exception region and so a frame).
__attribute__((visibility("hidden"))) LOCKDEP_NOINLINE void acquire_slow(thread_state* ts, lock_map& m,
                                                                        unsigned flags, lock_map* nest,
                                                                         std::uintptr_t ip,
                                                                         std::uintptr_t caller_word = 0) noexcept;
__attribute__((visibility("hidden"))) LOCKDEP_NOINLINE bool release_slow(thread_state* ts, lock_map& m,
                                                                        bool report, std::uintptr_t ip) noexcept;

LOCKDEP_INTERNAL_END
