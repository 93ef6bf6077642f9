// Usage bits of a lock class: the kernel's encoding (kernel-lockdep.md §2),
// four bits per interrupt-like state: bit 0 = read, bit 1 = direction
// (0 used-in-irq, 1 enabled).
#pragma once

#include <cstdint>

#include "lockdep/config.hpp"

LOCKDEP_INTERNAL_BEGIN

// The interrupt-like states, one line each (the kernel's lockdep_states.h):
// X(identifier, label). Each state gets four usage bits, labels and usage
// characters generated below; a new state is one line here plus the rules
// that enter and leave it (irq_state.cpp).
//
// HARDIRQ and SOFTIRQ are the kernel's (the irq.hpp API). The signal lines
// are real signals (signal_lines.hpp): the first four distinct signals that
// get a handler (or a signal_handler_scope) own a line each and are named
// after their signal in reports ("IN-SIGUSR1-W", "<SIGUSR1>"); every later
// signal shares the last line, named SIGNAL. The label column is the name
// of a line with no signal yet.
#define LOCKDEP_USAGE_STATES(X) \
  X(hardirq, "HARDIRQ")         \
  X(softirq, "SOFTIRQ")         \
  X(signal0, "SIGNAL0")         \
  X(signal1, "SIGNAL1")         \
  X(signal2, "SIGNAL2")         \
  X(signal3, "SIGNAL3")         \
  X(signal_other, "SIGNAL")

// Bit layout: HARDIRQ 0-3, SOFTIRQ 4-7, INITIAL USE 8-9 (the layout graph
// stores written before the signal lines keep), 10-11 unused, then the
// signal lines from 12, four bits each: every state starts at a multiple of
// four, so the read and direction bits are the same in all of them.
#define LOCKDEP_STATE_ID(s, label) state_##s,
enum irq_state_id : unsigned { LOCKDEP_USAGE_STATES(LOCKDEP_STATE_ID) k_irq_states };
#undef LOCKDEP_STATE_ID
constexpr unsigned k_kernel_states = 2;  // hardirq, softirq: below INITIAL USE
constexpr unsigned k_first_signal_state = k_kernel_states;
constexpr unsigned k_signal_lines = k_irq_states - k_first_signal_state;
constexpr unsigned state_base(unsigned state) { return state < k_kernel_states ? state * 4 : state * 4 + 4; }

enum usage_bit : unsigned {
#define LOCKDEP_STATE_BITS(s, label)                                                                 \
  used_in_##s = state_base(state_##s), used_in_##s##_read, enabled_##s, enabled_##s##_read,
  LOCKDEP_USAGE_STATES(LOCKDEP_STATE_BITS)
#undef LOCKDEP_STATE_BITS
  usage_bits,
  used = k_kernel_states * 4,
  used_read = used + 1,
};
static_assert(usage_bits <= 32, "the usage word is 32 bits wide");

constexpr std::uint32_t bit_mask(unsigned b) { return 1u << b; }
constexpr unsigned k_read_bit = 1, k_dir_bit = 2;
constexpr bool is_irq_bit(unsigned b) { return b < usage_bits && (b < used || b >= used + 4); }
constexpr unsigned state_of(unsigned b) { return b < used ? b >> 2 : (b >> 2) - 1; }
constexpr bool is_signal_state(unsigned state) { return state >= k_first_signal_state && state < k_irq_states; }
constexpr bool is_signal_bit(unsigned b) { return is_irq_bit(b) && is_signal_state(state_of(b)); }
// The four bits of state `s`.
constexpr std::uint32_t state_bits(unsigned s) { return 0xfu << state_base(s); }
// Every signal line's bits (lines are per process: graph stores record
// them by the signal's name, store/schema.hpp signal_usage).
constexpr std::uint32_t k_signal_usage_mask = ~0u << state_base(k_first_signal_state);

constexpr bool is_read_bit(unsigned b) { return b & k_read_bit; }
constexpr bool is_enabled_bit(unsigned b) { return b & k_dir_bit; }

// "IN-HARDIRQ-W", "SOFTIRQ-ON-R", "IN-SIGUSR1-W", "INITIAL USE", ...
const char* usage_label(unsigned b) noexcept;
// "HARDIRQ", "SOFTIRQ-READ", "SIGUSR1", ... of an irq usage bit.
const char* state_label(unsigned b) noexcept;
// The characters inside `{....}`: two per kernel state ("+.+."), then for
// each signal line the class has a bit of, "|" name ":" two characters
// ("+.+.|SIGUSR1:-."). At most k_usage_chars of them, then a NUL.
constexpr unsigned k_usage_chars = 4 + k_signal_lines * 24;
void usage_chars(std::uint32_t mask, char out[k_usage_chars + 1]);
// The two characters of one state whose four bits are `four` (IN-W, IN-R,
// ON-W, ON-R from bit 0): '.', '-' (used in), '+' (enabled), '?' (both).
void state_usage_chars(std::uint32_t four, char out[2]);

// The bits that conflict with `b` on one class (the single-lock rules):
// IN-S-W vs S-ON-W/R, IN-S-R vs S-ON-W, S-ON-W vs IN-S-W/R, S-ON-R vs IN-S-W.
constexpr std::uint32_t conflicting_bits(unsigned b) {
  unsigned excl = (b & ~k_read_bit) ^ k_dir_bit;  // same state, other direction, write
  std::uint32_t m = bit_mask(excl);
  if (!is_read_bit(b)) m |= bit_mask(excl | k_read_bit);
  return m;
}

LOCKDEP_INTERNAL_END
