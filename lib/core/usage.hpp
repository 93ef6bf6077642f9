// Usage bits of a lock class: the kernel's encoding (kernel-lockdep.md §2).
// bit 0 = read, bit 1 = direction (0 used-in-irq, 1 enabled), bits 2.. = state.
#pragma once

#include <cstdint>

#include "lockdep/config.hpp"

LOCKDEP_INTERNAL_BEGIN

// The interrupt-like states, one line each (the kernel's lockdep_states.h):
// X(identifier, label). Each state gets four usage bits, labels and usage
// characters generated below; a new state is one line here plus the rules
// that enter and leave it (irq_state.cpp).
#define LOCKDEP_USAGE_STATES(X) \
  X(hardirq, "HARDIRQ")         \
  X(softirq, "SOFTIRQ")

enum usage_bit : unsigned {
#define LOCKDEP_STATE_BITS(s, label) used_in_##s, used_in_##s##_read, enabled_##s, enabled_##s##_read,
  LOCKDEP_USAGE_STATES(LOCKDEP_STATE_BITS)
#undef LOCKDEP_STATE_BITS
  used,
  used_read,
  usage_bits,
};

constexpr std::uint32_t bit_mask(unsigned b) { return 1u << b; }
constexpr unsigned k_read_bit = 1, k_dir_bit = 2;
constexpr unsigned k_irq_states = used / 4;
constexpr unsigned state_of(unsigned b) { return b >> 2; }

// Labels of every usage bit, in bit order ("IN-HARDIRQ-W", ..., "INITIAL USE").
inline constexpr const char* k_usage_labels[usage_bits] = {
#define LOCKDEP_STATE_LABELS(s, label) "IN-" label "-W", "IN-" label "-R", label "-ON-W", label "-ON-R",
    LOCKDEP_USAGE_STATES(LOCKDEP_STATE_LABELS)
#undef LOCKDEP_STATE_LABELS
    "INITIAL USE", "INITIAL READ USE"};
// Labels of each state and its read variant ("HARDIRQ", "HARDIRQ-READ", ...).
inline constexpr const char* k_state_labels[2 * k_irq_states] = {
#define LOCKDEP_STATE_NAMES(s, label) label, label "-READ",
    LOCKDEP_USAGE_STATES(LOCKDEP_STATE_NAMES)
#undef LOCKDEP_STATE_NAMES
};
// The usage characters inside `{....}`: two per state.
constexpr unsigned k_usage_chars = 2 * k_irq_states;

constexpr bool is_read_bit(unsigned b) { return b & k_read_bit; }
constexpr bool is_enabled_bit(unsigned b) { return b & k_dir_bit; }
constexpr bool is_irq_bit(unsigned b) { return b < used; }

// "IN-HARDIRQ-W", "SOFTIRQ-ON-R", "INITIAL USE", ...
constexpr const char* usage_label(unsigned b) { return b < usage_bits ? k_usage_labels[b] : "?"; }
// "HARDIRQ", "SOFTIRQ-READ", ... of an irq usage bit.
constexpr const char* state_label(unsigned b) {
  return b < used ? k_state_labels[state_of(b) * 2 + (b & k_read_bit)] : "?";
}
// The characters inside `{....}` (k_usage_chars of them, then a NUL).
void usage_chars(std::uint32_t mask, char out[k_usage_chars + 1]);

// The bits that conflict with `b` on one class (the single-lock rules):
// IN-S-W vs S-ON-W/R, IN-S-R vs S-ON-W, S-ON-W vs IN-S-W/R, S-ON-R vs IN-S-W.
constexpr std::uint32_t conflicting_bits(unsigned b) {
  unsigned excl = (b & ~k_read_bit) ^ k_dir_bit;  // same state, other direction, write
  std::uint32_t m = bit_mask(excl);
  if (!is_read_bit(b)) m |= bit_mask(excl | k_read_bit);
  return m;
}

LOCKDEP_INTERNAL_END
