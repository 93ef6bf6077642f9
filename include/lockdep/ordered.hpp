// lockdep/ordered.hpp - ordered locking within one class (the kernel's
// lock_set_cmp_fn).
//
// Code that locks several objects of one type in a defined order - two
// accounts lowest address first, tree nodes parent before child, shards by
// index - takes one class while it already holds it, which lockdep reports
// as `possible recursive locking`. Tell lockdep the order instead:
//
//   struct account { lockdep::mutex mu{"account::mu"}; long balance = 0; };
//   lockdep::set_lock_cmp_fn(some_account.mu, lockdep::by_address);
//
//   void transfer(account& from, account& to, long amount) {
//     account& first = &from.mu < &to.mu ? from : to;   // lowest address first
//     account& second = &first == &from ? to : from;
//     std::lock_guard g1(first.mu);
//     std::lock_guard g2(second.mu);                    // in order: silent
//     ...
//   }
//
// Semantics (as the kernel's): a lock of the class may be taken while
// another lock of the class is held when cmp(held, new) < 0 for every such
// held lock; such an in-order pair adds no dependency between the class and
// itself. Against the order (cmp >= 0) it is `possible recursive locking`,
// and the report adds `and the lock comparison function returns N:` after
// the held lock. Dependencies with other classes are recorded as usual, so
// an inversion between the ordered class and another class is still found.
// Unlike the kernel, an ordered same-class acquisition is compared on every
// acquisition, not only the first time its sequence of classes is seen:
// that costs lockdep's cold path (its graph lock) for each such nesting.
//
// The comparison belongs to the lock's class (its key and default subclass),
// not to the instance: set it once, on any lock of the class, before or
// after the class was first used. lockdep::reset() forgets it with the
// classes.
#pragma once

#include <cstddef>
#include <functional>
#include <type_traits>

#include "lockdep/config.hpp"
#include "lockdep/lock_map.hpp"

LOCKDEP_BEGIN_NAMESPACE

// Compares two locks of one class, given the lock objects the program
// passed to lock() (of the type set_lock_cmp_fn was called with): < 0 when
// `a` may be held while `b` is taken, 0 when equal, > 0 otherwise. Called
// inside lockdep (graph lock held, signals blocked): it must only read the
// two objects - no locking, no allocation, no throwing.
using lock_cmp_fn = int (*)(const void* a, const void* b);
// Writes a short text about one lock (e.g. "account 7") to out[0, size),
// NUL-terminated; reports print it on a line after the lock. Same rules as
// lock_cmp_fn: it runs inside lockdep.
using lock_print_fn = void (*)(const void* lock, char* out, std::size_t size);

// The order by which most code takes locks of one type: lowest address first.
inline int by_address(const void* a, const void* b) {
  if (std::less<const void*>{}(a, b)) return -1;
  return std::less<const void*>{}(b, a) ? 1 : 0;
}

#if LOCKDEP_ENABLED

namespace internal {
// `object_offset`: the lock_map's address minus the lock object's, so the
// comparison receives the objects themselves.
void set_cmp_fn(lock_map& m, lock_cmp_fn cmp, lock_print_fn print, std::ptrdiff_t object_offset) noexcept;
template <class L>
lock_map& map_of(L& lock) {
  if constexpr (std::is_same_v<L, lock_map>) return lock;
  else return lock.lockdep_map();
}
}  // namespace internal

// Sets the comparison (and optional print function) of `lock`'s class.
// `lock` is any lockdep lock: a wrapper (mutex, spinlock, ..., tracked<M>, or
// a type derived from one, which cmp then receives), or a lock_map. Every
// lock of the class must be of that same type (they are, unless they share
// an explicit key with locks of another type). Setting it again replaces it.
template <class L>
void set_lock_cmp_fn(L& lock, lock_cmp_fn cmp, lock_print_fn print = nullptr) {
  lock_map& m = internal::map_of(lock);
  internal::set_cmp_fn(m, cmp, print,
                       reinterpret_cast<const char*>(&m) - reinterpret_cast<const char*>(&lock));
}

#else  // !LOCKDEP_ENABLED

template <class L>
void set_lock_cmp_fn(L&, lock_cmp_fn, lock_print_fn = nullptr) {}

#endif  // LOCKDEP_ENABLED

LOCKDEP_END_NAMESPACE
