// Chain keys: the rolling 64-bit hash of a thread's held (class, read)
// sequence that names a validated chain (chain_cache.hpp).
#pragma once

#include <cstdint>

#include "lockdep/config.hpp"

LOCKDEP_INTERNAL_BEGIN

// The kernel's hlock_id: the class id with the read mode above it, so
// read_lock(A); lock(B) and write_lock(A); lock(B) are different chains.
inline std::uint32_t hlock_id_of(std::uint32_t class_id, unsigned read) { return class_id | (read << 24); }

constexpr std::uint64_t k_chain_seed = 0x6c6f636b64657021ull;  // "lockdep!"
// A chain key is a rolling 64-bit hash of the held (class, read) sequence,
// as the kernel's iterate_chain_key; a collision would skip validation, so
// it must stay a real 64-bit hash: every step a bijection of the running key
// (two chains that differ anywhere stay apart unless they collide outright)
// and order-sensitive (the multiply after the xor does not commute).
//
// The per-element work is split: hlock_hash() scatters the 32-bit hlock id
// over 64 bits (the murmur3 finalizer, a bijection, so distinct ids get
// distinct words); classes cache it at registration (lock_class::chain_hash),
// so the warm path's chain_key_step() is one xor, one multiply and one xorshift.
inline std::uint64_t hlock_hash(std::uint32_t hlock_id) {
  std::uint64_t h = (std::uint64_t(hlock_id) ^ k_chain_seed) * 0xff51afd7ed558ccdull;
  h = (h ^ (h >> 32)) * 0xc4ceb9fe1a85ec53ull;
  return h ^ (h >> 29);
}
// One step: xor in the element, then mix (odd multiply: bijective, carries
// low bits up; the xorshift brings the high, well-mixed half down for the
// next step's multiply).
inline std::uint64_t chain_key_step(std::uint64_t key, std::uint64_t element_hash) {
  const std::uint64_t h = (key ^ element_hash) * 0x9e3779b97f4a7c15ull;
  return h ^ (h >> 32);
}

LOCKDEP_INTERNAL_END
