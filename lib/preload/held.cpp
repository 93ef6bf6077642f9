// The thread's held pthread locks, same-class instance ordering, and the
// calls into the validator core.
//
// The core validates classes. An unmodified program cannot say "these two
// locks of one class nest legitimately" (the kernel's lock_nested), so a
// second instance of a held class is handled here:
//   * it reaches the core with the held instance as its nest lock (the core
//     then records its dependencies without a recursion report), or not at
//     all when the core's innermost held lock already has its class;
//   * the order in which instances of one class were nested is recorded in
//     an instance graph (order.cpp: edges between instance ids with their
//     read modes, dropped on destroy), and only a strong cycle there is
//     reported: buckets always taken in ascending order stay silent, two
//     threads nesting the same two buckets in opposite orders do not.
// A re-lock of the same instance goes to the core as is and is reported
// there as recursive locking (unless the mutex is recursive / error-checking).
#include "core/frontend.hpp"
#include "preload/preload.hpp"

namespace lockdep_preload {

namespace core = lockdep::internal;

namespace {

constexpr unsigned k_max_held = 64;

struct held_entry {
  instance* in;
  std::uint64_t id;
  lockdep::lock_class_key* key;
  std::uintptr_t ip;    // where it was acquired
  std::uint16_t count;  // extra recursive acquisitions
  std::uint8_t read;
  bool in_core;
};

struct thread_locks {
  held_entry e[k_max_held];
  unsigned n;
  unsigned untracked;   // acquisitions beyond k_max_held
  bool in_hook;
};

thread_local thread_locks tl __attribute__((tls_model("initial-exec")));

// ---- held list ------------------------------------------------------------------------------

int find_entry(const instance& in) {
  for (int i = static_cast<int>(tl.n) - 1; i >= 0; --i)
    if (tl.e[i].in == &in && tl.e[i].id == in.id) return i;
  return -1;
}

void remove_entry(int i) {
  for (unsigned j = static_cast<unsigned>(i) + 1; j < tl.n; ++j) tl.e[j - 1] = tl.e[j];
  --tl.n;
}

unsigned read_flags(unsigned read, bool trylock) {
  return lockdep::internal::make_flags(static_cast<lockdep::read_mode>(read), trylock);
}

}  // namespace

hook_scope::hook_scope() noexcept : active_(false) {
  if (tl.in_hook || !resolve_real() || !options().enabled) return;
  tl.in_hook = true;
  active_ = true;
  forget_deferred();
  sync_signal_state();  // handlers left by longjmp, handlers installed since
}

hook_scope::~hook_scope() {
  if (active_) tl.in_hook = false;
}

// The fork window: between our prepare handler and our parent/child handler
// the forking thread holds every table stripe, and atfork handlers
// registered before ours (jemalloc's, registered while the preload itself
// started) run after our prepare and lock their mutexes. Those calls must
// only forward, as inside a hook, or the thread would wait for itself.
bool enter_fork_window() noexcept {
  const bool was = tl.in_hook;
  tl.in_hook = true;
  return was;
}
void leave_fork_window(bool was_in_hook) noexcept { tl.in_hook = was_in_hook; }

bool note_acquire(instance& in, unsigned read, bool trylock, int type, std::uintptr_t ip) noexcept {
  const int mine = find_entry(in);
  if (mine >= 0) {
    held_entry& e = tl.e[mine];
    if (type == type_errorcheck) return false;  // the real call answers EDEADLK
    if (type == type_recursive || (read == 2 && e.read)) {
      ++e.count;  // a recursive mutex, or a recursive reader
      return true;
    }
    // Otherwise fall through: the core reports the re-lock as recursive.
  }
  if (tl.n >= k_max_held) {
    ++tl.untracked;
    return false;
  }
  bool in_core = true;
  lockdep::lock_map* nest = nullptr;
  // A class ordered by address (preload_ordered) is the core's to check.
  if (mine < 0 && !ordered_by_address(in)) {
    int same = -1, top_core = -1;
    for (int i = static_cast<int>(tl.n) - 1; i >= 0; --i) {
      held_entry& h = tl.e[i];
      if (h.in_core && top_core < 0) top_core = i;
      if (h.key != in.key) continue;
      if (h.in_core && same < 0) same = i;
      // Instance order: only blocking acquisitions wait (order.cpp applies
      // the read modes). A held instance destroyed meanwhile (reported by
      // the core) orders nothing.
      if (!trylock && h.in->id == h.id)
        order_check(order_end{h.in, h.id, h.read, h.ip}, order_end{&in, in.id, read, ip});
    }
    if (same >= 0) {
      if (top_core >= 0 && tl.e[top_core].key == in.key) in_core = false;
      else nest = &tl.e[same].in->map();
    }
  }
  if (in_core) core::acquire_at(in.map(), read_flags(read, trylock), nest, ip);
  tl.e[tl.n++] = held_entry{&in, in.id, in.key, ip, 0, static_cast<std::uint8_t>(read), in_core};
  return true;
}

void note_release(instance& in, int type, std::uintptr_t ip) noexcept {
  const int i = find_entry(in);
  if (i < 0) {
    if (tl.untracked > 0) {
      --tl.untracked;
      return;
    }
    if (type == type_errorcheck) return;  // the real call answers EPERM
    core::release_at(in.map(), ip);       // not held: "bad unlock balance"
    return;
  }
  held_entry& e = tl.e[i];
  if (e.count > 0) {
    --e.count;
    return;
  }
  if (e.in_core) core::release_at(in.map(), ip);
  remove_entry(i);
}

void note_failed(instance& in) noexcept {
  const int i = find_entry(in);
  if (i < 0) {
    if (tl.untracked > 0) --tl.untracked;
    return;
  }
  held_entry& e = tl.e[i];
  if (e.count > 0) {
    --e.count;
    return;
  }
  if (e.in_core) core::acquire_failed(in.map());
  remove_entry(i);
}

wait_token release_for_wait(instance& in, int type, std::uintptr_t ip) noexcept {
  wait_token t;
  const int i = find_entry(in);
  if (i < 0) {
    // Waiting on a mutex this thread does not hold: the wait's unlock is
    // unbalanced (reported here, at the wait). glibc then waits and returns
    // with the mutex locked, so it is held from there on. An error-checking
    // or recursive mutex instead makes the real call fail with EPERM, which
    // tells the program (as for its unlock). With untracked acquisitions
    // (past the held list) the mutex may be one of them: nothing to say.
    if (type != type_normal || tl.untracked > 0) return t;
    core::release_at(in.map(), ip);
    t.in = &in;
    return t;
  }
  t.in = &in;
  t.count = tl.e[i].count;
  if (tl.e[i].in_core) core::release_at(in.map(), ip);
  remove_entry(i);
  return t;
}

void reacquire_after_wait(const wait_token& t, std::uintptr_t ip) noexcept {
  if (!t.in) return;
  if (note_acquire(*t.in, 0, false, type_normal, ip)) {
    const int i = find_entry(*t.in);
    if (i >= 0) tl.e[i].count = t.count;
  }
}

}  // namespace lockdep_preload
