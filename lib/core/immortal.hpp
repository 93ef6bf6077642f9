// immortal<T>(): the one T of the process, made on first use and never
// destroyed.
//
// lockdep's tables must outlive every static destructor (reports come during
// exit; locks outlive statics), so they are never destroyed. They are not on
// the heap either: fork()'s prepare handlers reach them (to lock them), and
// by then an allocator's own atfork handler (jemalloc's) may already hold
// the allocator's locks, so a first use that called malloc there would wait
// for itself. The storage is static; construction is the usual thread-safe
// local-static initialisation. Construction itself may allocate (a
// std::deque does), so a table that a fork handler locks is also made at
// load time (the report layer's init_runtime, the interner's load-time
// constructor), never first inside the handler.
#pragma once

#include <new>

#include "lockdep/config.hpp"

LOCKDEP_INTERNAL_BEGIN

template <class T>
T& immortal() {
  alignas(T) static unsigned char storage[sizeof(T)];
  static T* const object = new (storage) T();
  return *object;
}

LOCKDEP_INTERNAL_END
