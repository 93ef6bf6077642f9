// A lock class: one node of the dependency graph, one per (key, subclass).
//
// Classes live in one preallocated table and are never freed, only recycled
// after their key was unregistered, so a pointer loaded on the warm path
// stays valid memory. Everything except `usage` is written under the graph
// lock; the warm path reads `usage`, `chain_hash` and `validate` only.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "core/chain_key.hpp"
#include "core/usage.hpp"
#include "lockdep/lock_class_key.hpp"

LOCKDEP_INTERNAL_BEGIN

struct lock_class {
  std::atomic<std::uint32_t> usage{0};  // usage bits (usage.hpp)
  std::uint32_t id = 0;                 // index in the class table, > 0
  bool validate = true;                 // false: tracked only
  bool in_use = false;
  std::uint8_t subclass = 0;
  std::uint8_t wait_inner = 0;
  std::uint8_t wait_outer = 0;
  std::uint16_t name_version = 1;  // N of name#N, given at registration
  // hlock_hash(hlock_id_of(id, read)) by read mode, set with `id`: the warm
  // path's chain step then needs no multiply of its own for the element.
  std::uint64_t chain_hash[4] = {};  // [3]: a read mode out of range, hashed as before
  lock_class_key* key = nullptr;
  std::uint32_t usage_trace[usage_bits] = {};  // first trace of each bit
  // Adjacency: heads of the intrusive lists in the dependency table
  // (0 = empty). `after` holds edges this -> x, `before` edges x -> this.
  std::uint32_t after_head = 0;
  std::uint32_t before_head = 0;
  std::uint32_t nr_after = 0;
  std::uint32_t nr_before = 0;
  // Search scratch, per (class, flag) state; owned by the graph lock.
  std::uint32_t visit_gen[2] = {};
  std::uint32_t parent_state[2] = {};
  std::uint32_t parent_edge[2] = {};
  std::uint32_t next_free = 0;  // recycling list of dead classes
  // Ordered locking within the class (set_lock_cmp_fn; graph lock): a lock
  // of the class may be taken under another when cmp_fn(held, new) < 0.
  // The functions receive the lock objects: lock_map address - object_offset.
  int (*cmp_fn)(const void*, const void*) = nullptr;
  void (*print_fn)(const void*, char*, std::size_t) = nullptr;
  std::ptrdiff_t object_offset = 0;
  // Lock statistics (only with lock_stat on; written under stat_lock).
  std::uint64_t acquisitions = 0;
};

// What a key looks like from inside (lock_class_key keeps these private).
struct key_access {
  static std::atomic<lock_class*>* classes(lock_class_key& k) { return k.classes_; }
  static std::atomic<std::uint8_t>& state(lock_class_key& k) { return k.state_; }
  static void set_site(lock_class_key& k, const char* file, unsigned line, unsigned col) {
    k.site_file_ = file;
    k.site_line_ = line;
    k.site_column_ = col;
  }
  static void set_name(lock_class_key& k, const char* name) { k.name_.store(name, std::memory_order_release); }
  static const char* site_file(const lock_class_key& k) { return k.site_file_; }
  static unsigned site_line(const lock_class_key& k) { return k.site_line_; }
  static unsigned site_column(const lock_class_key& k) { return k.site_column_; }
};

enum key_state : std::uint8_t { key_static = 0, key_registered = 1, key_unregistered = 2 };

LOCKDEP_INTERNAL_END
