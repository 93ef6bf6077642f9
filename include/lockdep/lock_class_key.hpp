// lockdep/lock_class_key.hpp - what identifies a lock class.
//
// lockdep validates lock *classes*, not lock instances: every lock whose key
// is the same belongs to one class, and an ordering learnt from one instance
// applies to all of them (this is how an inversion between two objects of one
// type is found even though no single object was ever locked both ways).
//
// A class is identified by a key plus a subclass (0..7, see lock_nested). A
// key is one of:
//   * a construction site (the default; site.hpp): file, line and column of
//     the lock's constructor call, and which call it is. Two members of one
//     type are two classes (two calls in its constructor, as the kernel's
//     two spin_lock_init() calls would be); one member is one class in every
//     object and every translation unit (also when the constructor is
//     inlined into many callers: calls are matched by their order in the
//     function they lie in, from the symbol table, and where an inlined
//     constructor builds two unnamed locks, in the line of that function
//     the debug information names, read then); the elements of one array
//     are one class (one call in a loop). Unnamed members print as
//     `db.h:12 (lock #2 built by DB)`. A constant name says which lock it
//     is: locks of one site with one literal name are one class. A type with
//     several constructors has a class per constructor per member (clang
//     does not unroll an array's construction loop nor inline a function
//     that constructs locks into its callers: site::here() is
//     `noduplicate` there, see site.hpp). Limit: two objects built on one
//     line (`account x, y;`) may be told apart wrongly when optimised; give
//     such locks a name or a key. If the site lies in a system header
//     (std::make_unique, emplace, containers) it says nothing about the
//     user's code: the lock's explicit name selects the class instead, and a
//     lock with neither a key nor a name makes lockdep warn once.
//   * a lock_class_key object with static storage duration, usually made by
//     LOCKDEP_CLASS("name") at its own site, which also works in default
//     member initializers and in system-header contexts:
//         struct conn { lockdep::mutex mu{LOCKDEP_CLASS("conn::mu")}; };
//   * a lock_class_key with dynamic storage duration (heap objects, code in
//     dlopen'ed libraries): register_key() before first use and
//     unregister_key() before its memory goes away; scoped_key does both.
//     Unregistering removes the key's classes, their dependencies and every
//     validated chain containing them, while other threads keep locking.
//
// A name is a label: two classes with one name print as `name` and
// `name#2`. A string literal also tells apart locks constructed on one line
// (g++ has no column for the site). A name built at run time
// (`lockdep::mutex mu{shard_name.c_str()}`) is copied and never makes a class
// of its own: all locks constructed at that site are one class, labelled
// with the first name, so an inversion between two shards is still found.
// Only where the site says nothing (a system header, see above) does the
// name's text select the class; a run-time name there is one class per
// distinct text, and lockdep warns once (use a key).
#pragma once

#include <atomic>
#include <cstdint>

#include "lockdep/config.hpp"

LOCKDEP_BEGIN_NAMESPACE

namespace internal {
struct lock_class;
struct key_access;
}  // namespace internal

// Wait types as the kernel numbers them in a lock line's `-{outer:inner}`.
// `inner` is the context a held lock creates; `outer` the context it needs to
// be acquired in (none = same as inner). A blocking acquisition whose wait
// type exceeds the current context's is an invalid wait context.
enum class wait_type : std::uint8_t {
  none = 0,   // not checked (pseudo-locks without a wait rule)
  free = 1,   // never waits (RCU-like readers)
  spin = 2,   // spins: spinlock, rwlock
  sleep = 3,  // sleeps: mutex, shared_mutex
};

class lock_class_key {
 public:
  constexpr lock_class_key() = default;
  constexpr explicit lock_class_key(const char* name) : name_(name) {}
  lock_class_key(const lock_class_key&) = delete;
  lock_class_key& operator=(const lock_class_key&) = delete;

  const char* name() const { return name_.load(std::memory_order_acquire); }

 private:
  friend struct internal::key_access;
  // Atomic: the preload runtime names its keys lazily while reports may be
  // reading them.
  std::atomic<const char*> name_{nullptr};
  // Construction site for site keys (file == nullptr for explicit keys).
  const char* site_file_ = nullptr;
  unsigned site_line_ = 0;
  unsigned site_column_ = 0;
  // 0 = static key (usable at once), 1 = registered dynamic key,
  // 2 = unregistered (using it is reported).
  std::atomic<std::uint8_t> state_{0};
  // Class per subclass, filled on first acquisition; read lock-free.
  std::atomic<internal::lock_class*> classes_[8]{};
};

// Dynamic keys (see above). Both are safe while other threads lock.
// unregister_key refuses, with a report, while a lock of the key is held.
#if LOCKDEP_ENABLED
void register_key(lock_class_key& key);
bool unregister_key(lock_class_key& key);
#else
inline void register_key(lock_class_key&) {}
inline bool unregister_key(lock_class_key&) { return true; }
#endif

// RAII owner of a dynamic key.
class scoped_key {
 public:
  explicit scoped_key(const char* name = nullptr) : key_(name) { register_key(key_); }
  ~scoped_key() { unregister_key(key_); }
  lock_class_key& get() { return key_; }
  operator lock_class_key&() { return key_; }

 private:
  lock_class_key key_;
};

LOCKDEP_END_NAMESPACE

// A static key made at this site, usable as an expression anywhere,
// including default member initializers.
#define LOCKDEP_CLASS(name_literal)                          \
  ([]() -> ::lockdep::lock_class_key& {                      \
    static ::lockdep::lock_class_key lockdep_key_{name_literal}; \
    return lockdep_key_;                                     \
  }())
