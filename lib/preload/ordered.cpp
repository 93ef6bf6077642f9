// preload_ordered=PATTERN: classes whose name matches one of the '|'-separated
// globs (`*`, `?`; e.g. `*account_new*`, `pthread_mutex_init@*bank.c*`) are
// ordered by the address of their pthread locks, as if the program had
// called lockdep::set_lock_cmp_fn(lock, by_address): nesting two of them
// lowest address first is silent, the other way round is reported at once
// as recursive locking (no opposite order on another thread needed). Such a
// class bypasses the instance-order graph of held.cpp.
//
// A class is matched against its name when its lock is taken; a name still
// cheap (not yet symbolized, see sites.cpp) is matched again once it
// changes. Verdicts are cached per key, lock-free.
#include <atomic>
#include <cstdio>
#include <cstring>

#include "core/frontend.hpp"
#include "lockdep/ordered.hpp"
#include "preload/preload.hpp"

namespace lockdep_preload {

namespace {

using lockdep::lock_class_key;

// The lock objects the comparison receives are instance records; their
// order is the program's lock addresses.
int by_lock_address(const void* a, const void* b) {
  const auto* x = static_cast<const instance*>(a);
  const auto* y = static_cast<const instance*>(b);
  return lockdep::by_address(reinterpret_cast<const void*>(x->address.load(std::memory_order_relaxed)),
                             reinterpret_cast<const void*>(y->address.load(std::memory_order_relaxed)));
}

// Report lines print the record's lock_map; name the program's lock.
void print_lock_address(const void* lock, char* out, std::size_t size) {
  std::snprintf(out, size, "pthread lock at %p",
                reinterpret_cast<const void*>(static_cast<const instance*>(lock)->address.load(std::memory_order_relaxed)));
}

// Glob over [p, end): `*` any run, `?` any one character. Not fnmatch: a
// hook may run inside the program's allocator, and fnmatch may allocate.
bool glob(const char* p, const char* end, const char* s) {
  const char* star = nullptr;
  const char* resume = nullptr;
  while (*s) {
    if (p < end && *p == '*') {
      star = p++;
      resume = s;
    } else if (p < end && (*p == '?' || *p == *s)) {
      ++p;
      ++s;
    } else if (star) {
      p = star + 1;
      s = ++resume;
    } else {
      return false;
    }
  }
  while (p < end && *p == '*') ++p;
  return p == end;
}

bool name_matches(const char* patterns, const char* name) {
  for (const char* p = patterns; *p;) {
    const std::size_t n = std::strcspn(p, "|");
    if (n && glob(p, p + n, name)) return true;
    p += n;
    if (*p == '|') ++p;
  }
  return false;
}

enum verdict : std::uint8_t { unknown = 0, unordered = 1, ordered = 2 };

// Verdict per key, for the name it was decided on.
struct decision {
  std::atomic<const lock_class_key*> key{nullptr};
  std::atomic<const char*> name{nullptr};
  std::atomic<std::uint8_t> verdict{unknown};
};
constexpr unsigned k_slots = 4096;
constexpr unsigned k_probes = 16;
decision g_decisions[k_slots];

// The slot of `key` (claimed if new); nullptr when its probe run is full
// (then the verdict is recomputed each time).
decision* slot_of(const lock_class_key* key) {
  const auto h = static_cast<unsigned>((reinterpret_cast<std::uintptr_t>(key) >> 4) * 0x9e3779b1u);
  for (unsigned i = 0; i < k_probes; ++i) {
    decision& d = g_decisions[(h + i) & (k_slots - 1)];
    const lock_class_key* k = d.key.load(std::memory_order_acquire);
    if (k == key) return &d;
    if (!k && d.key.compare_exchange_strong(k, key, std::memory_order_acq_rel)) return &d;
    if (k == key) return &d;  // another thread claimed it for this key
  }
  return nullptr;
}

}  // namespace

bool ordered_by_address(instance& in) noexcept {
  const char* patterns = options().ordered;
  if (!*patterns || !in.key || in.kind == lock_kind::thread) return false;  // not join wait maps
  // The class's init-site name: symbolized now (it allocates), since the
  // hooks otherwise name classes only when a report prints them. Only with
  // preload_ordered set, once per key: a program whose allocator locks
  // pthread mutexes inside malloc should name no allocator class here.
  const char* name = symbolized_name(in.key);
  if (!name) name = in.key->name();
  decision* d = slot_of(in.key);
  if (d) {
    const std::uint8_t v = d->verdict.load(std::memory_order_acquire);
    if (v == ordered) return true;  // a key once ordered stays so
    if (v == unordered && d->name.load(std::memory_order_relaxed) == name) return false;
  }
  const bool match = name && name_matches(patterns, name);
  if (match) {
    lockdep::lock_map& m = in.map();
    lockdep::internal::set_cmp_fn(m, &by_lock_address, &print_lock_address,
                                  reinterpret_cast<const char*>(&m) - reinterpret_cast<const char*>(&in));
  }
  if (d) {
    d->name.store(name, std::memory_order_relaxed);
    d->verdict.store(match ? ordered : unordered, std::memory_order_release);
  }
  return match;
}

}  // namespace lockdep_preload
