// The validated-chain cache: the set of 64-bit chain keys whose lock
// sequence has been checked. The warm path is one lock-free probe sequence
// of acquire loads; inserts and removals happen under the graph lock.
//
// Open addressing with linear probing. 0 marks an empty slot, 1 a removed
// one; keys are remapped away from both. The table never grows: it is sized
// for max_chains at twice the capacity, and a full cache is a limit report.
#pragma once

#include <atomic>
#include "lockdep/config.hpp"
#include <cstddef>
#include <cstdint>

LOCKDEP_INTERNAL_BEGIN

// Each thread keeps a small direct-mapped front cache of chain keys it found
// here (thread_state::front_chains), stored as key ^ g_front_salt so that
// one change of the salt invalidates every thread's entries at once. remove()
// and clear() change it after the slots: a thread that read the old salt
// before its probe saw the key still here, and its entry fails the next
// compare with the new salt.
extern std::atomic<std::uint64_t> g_front_salt __attribute__((visibility("hidden")));

class chain_cache {
 public:
  static constexpr std::uint64_t k_empty = 0, k_removed = 1;

  // Allocates 2 * max_chains slots (rounded up to a power of two).
  bool init(std::uint32_t max_chains) noexcept;
  static std::uint64_t normalize(std::uint64_t key) { return key < 2 ? key + 2 : key; }

  bool contains(std::uint64_t key) const noexcept {
    key = normalize(key);
    // Locals: the acquire loads below would otherwise make the compiler
    // reload both members on every probe step.
    std::atomic<std::uint64_t>* const slots = slots_;
    const std::size_t mask = mask_;
    std::size_t i = static_cast<std::size_t>(key) & mask;
    for (;;) {
      std::uint64_t k = slots[i].load(std::memory_order_acquire);
      if (k == key) return true;
      if (k == k_empty) return false;
      i = (i + 1) & mask;
    }
  }
  // Graph lock held. Returns false when the cache is full.
  bool insert(std::uint64_t key) noexcept;
  // Graph lock held.
  void remove(std::uint64_t key) noexcept;
  void clear() noexcept;
  // Removed slots lengthen probes; past 3/4 occupancy the owner rebuilds.
  bool needs_rebuild() const { return used_ > (mask_ + 1) / 4 * 3; }
  std::uint32_t size() const { return size_; }
  std::uint32_t capacity() const { return max_; }
  std::size_t bytes() const { return (mask_ + 1) * sizeof(std::uint64_t); }

 private:
  std::atomic<std::uint64_t>* slots_ = nullptr;
  std::size_t mask_ = 0;
  std::uint32_t size_ = 0;     // live keys
  std::uint32_t used_ = 0;     // live + removed slots (probe lengths)
  std::uint32_t max_ = 0;
};

LOCKDEP_INTERNAL_END
