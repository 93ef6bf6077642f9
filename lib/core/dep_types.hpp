// The four types of a dependency A -> B (kernel-lockdep.md §3.6): how A was
// held (Shared/Exclusive) and how B was taken (Recursive reader or
// Non-recursive). The class graph and the preload's instance order apply
// the same strong-path rule over them: no -(*R)-> edge directly followed by
// a -(S*)-> edge.
#pragma once

#include <cstdint>

#include "lockdep/config.hpp"

LOCKDEP_INTERNAL_BEGIN

enum dep_bits : std::uint8_t {
  dep_sr = 1,  // prev shared, next recursive reader
  dep_er = 2,  // prev exclusive, next recursive reader
  dep_sn = 4,  // prev shared, next non-recursive
  dep_en = 8,  // prev exclusive, next non-recursive
  dep_into_r = dep_sr | dep_er,
  dep_into_n = dep_sn | dep_en,
  dep_from_s = dep_sr | dep_sn,
  dep_from_e = dep_er | dep_en,
};

// The type bit of an edge whose ends were held with these read modes.
constexpr std::uint8_t dep_bit(unsigned prev_read, unsigned next_read) {
  bool e = prev_read == 0, n = next_read != 2;
  return static_cast<std::uint8_t>(1u << ((e ? 1 : 0) + (n ? 2 : 0)));
}

LOCKDEP_INTERNAL_END
