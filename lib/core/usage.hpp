// Usage bits of a lock class: the kernel's encoding (kernel-lockdep.md §2).
// bit 0 = read, bit 1 = direction (0 used-in-irq, 1 enabled), bits 2.. = state.
#pragma once

#include <cstdint>

#include "lockdep/config.hpp"

LOCKDEP_INTERNAL_BEGIN

enum usage_bit : unsigned {
  used_in_hardirq = 0,
  used_in_hardirq_read = 1,
  enabled_hardirq = 2,
  enabled_hardirq_read = 3,
  used_in_softirq = 4,
  used_in_softirq_read = 5,
  enabled_softirq = 6,
  enabled_softirq_read = 7,
  used = 8,
  used_read = 9,
  usage_bits = 10,
};

constexpr std::uint32_t bit_mask(unsigned b) { return 1u << b; }
constexpr unsigned k_read_bit = 1, k_dir_bit = 2;
constexpr unsigned k_irq_states = 2;  // hardirq, softirq
constexpr unsigned state_of(unsigned b) { return b >> 2; }
constexpr bool is_read_bit(unsigned b) { return b & k_read_bit; }
constexpr bool is_enabled_bit(unsigned b) { return b & k_dir_bit; }
constexpr bool is_irq_bit(unsigned b) { return b < used; }

// "IN-HARDIRQ-W", "SOFTIRQ-ON-R", "INITIAL USE", ...
const char* usage_label(unsigned b);
// "HARDIRQ", "SOFTIRQ-READ", ...
const char* state_label(unsigned b);
// The four characters inside `{....}`.
void usage_chars(std::uint32_t mask, char out[5]);

// The bits that conflict with `b` on one class (the single-lock rules):
// IN-S-W vs S-ON-W/R, IN-S-R vs S-ON-W, S-ON-W vs IN-S-W/R, S-ON-R vs IN-S-W.
constexpr std::uint32_t conflicting_bits(unsigned b) {
  unsigned excl = (b & ~k_read_bit) ^ k_dir_bit;  // same state, other direction, write
  std::uint32_t m = bit_mask(excl);
  if (!is_read_bit(b)) m |= bit_mask(excl | k_read_bit);
  return m;
}

LOCKDEP_INTERNAL_END
