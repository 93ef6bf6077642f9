// lockdep/lockdep.hpp - the umbrella header.
//
// lockdep is the Linux kernel's lock validator for user space. Wrap your
// mutexes (or annotate your own lock types) and lockdep learns which lock
// classes are taken while which others are held, and in which (simulated)
// interrupt context. The moment an acquisition makes a deadlock *possible* -
// not when it happens - it prints a kernel-style report:
//
//   lockdep::mutex a{"a"}, b{"b"};
//   { std::scoped_lock g(a); std::lock_guard h(b); }   // learns a -> b
//   { std::lock_guard g(b); std::lock_guard h(a); }   // b -> a: report
//
// Headers:
//   lock_class_key.hpp  what a lock class is; keys, LOCKDEP_CLASS
//   site.hpp            construction sites; passing one through a wrapper
//   lock_map.hpp        the annotation API for locks you cannot wrap
//   tracked.hpp         tracked<M>: instrument any Lockable, lock_traits
//   ordered.hpp         ordered locking within one class (set_lock_cmp_fn)
//   mutex.hpp           mutex, timed_mutex, recursive_mutex, shared_mutex,
//                       spinlock, rwlock; spin_lock_irq & co.
//   condition_variable.hpp  condition_variable for lockdep::mutex (no
//                       internal mutex, unlike std::condition_variable_any)
//   irq.hpp             simulated hardirq/softirq contexts, signal handlers
//   report.hpp          structured reports, callbacks, options, statistics
//   waiver.hpp          accept known reports, with a reason (waive)
//   introspect.hpp      /proc-style dumps, Graphviz export, show_all_locks,
//                       hung-wait watchdog, lock_stat
//   guard.hpp           lock_guard / unique_lock / shared_lock that Clang's
//                       -Wthread-safety understands
//   gtest.hpp           GoogleTest integration (link lockdep::gtest; not
//                       included here)
//   wait.hpp            joins and futures as pseudo-locks: lockdep::thread,
//                       lockdep::async, wait_map (not included here)
//   absl_mutex.hpp      lock_traits for absl::Mutex (not included here: it
//                       pulls in Abseil's synchronization library)
#pragma once

#include "lockdep/condition_variable.hpp"
#include "lockdep/config.hpp"
#include "lockdep/irq.hpp"
#include "lockdep/lock_class_key.hpp"
#include "lockdep/lock_map.hpp"
#include "lockdep/site.hpp"
#include "lockdep/mutex.hpp"
#include "lockdep/ordered.hpp"
#include "lockdep/report.hpp"
#include "lockdep/tracked.hpp"
#include "lockdep/guard.hpp"
#include "lockdep/introspect.hpp"
#include "lockdep/waiver.hpp"
