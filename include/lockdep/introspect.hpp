// lockdep/introspect.hpp - seeing the graph and the state.
//
// The kernel exposes lockdep's state in /proc; these return the same views
// as strings (safe to call from any thread, any time, except in a signal
// handler):
//
//   dump_classes()  like /proc/lockdep: every class with its key, forward and
//                   backward dependency counts (transitive, itself included),
//                   usage characters, name, and its direct dependencies:
//                     0000558e4c0a1f60 FD:    2 BD:    1 +.+.: conn::mu
//                      -> [0000558e4c0a1fa0] pool::mu
//   dump_chains()   like /proc/lockdep_chains: every validated chain of held
//                   classes, per irq context.
//   dump_stats()    like /proc/lockdep_stats: table usage and counters.
//   graph_dot()     the dependency graph in Graphviz DOT. Classes named by a
//                   report of a cycle or an irq inversion (and the edges
//                   between them) are drawn red. Render with
//                   `dot -Tsvg graph.dot -o graph.svg` (examples/graph_dot.cpp).
//
// Held locks of every thread, like the kernel's debug_show_all_locks():
//
//   all_locks_text()  each thread's held locks (class, instance, `at:`), and
//                     the lock it is blocked on with how long it has waited;
//   show_all_locks()  prints that to stderr (or log_path).
//
// "Blocked on" is known only while wait tracking is on: the wrappers then
// try the real lock first and note the lock a thread waits for when the try
// fails. While it is off, a wrapper's lock() is the real lock() alone, so a
// contended wait costs what a bare mutex's does. It is turned on by
// lock_stat (below) and by the options
//   hung_timeout=N        a watchdog thread prints all locks when a thread
//                         has waited for one lock longer than N seconds
//                         ("INFO: task <name>:<tid> blocked for more than N
//                         seconds."), once per wait;
//   show_locks_signal=S   signal S (e.g. 10 for SIGUSR1) prints all locks
//                         (the handler only wakes the watchdog thread, which
//                         prints: nothing unsafe runs in the handler);
// or by set_wait_tracking(true).
//
// Lock contention statistics, like the kernel's lock_stat (off by default;
// the option lock_stat=1 or set_lock_stat(true) turns them on at run time):
//
//   lock_stat_text()  the /proc/lock_stat table: per class (sorted by
//                     contentions) contentions, wait time min/max/total/avg,
//                     acquisitions, hold time min/max/total/avg (times in
//                     microseconds, "us.xx"), read and write rows apart
//                     (`name-R`, `name-W`) when a class has both, and up to
//                     four contention points (the call sites that waited).
//                     The bounce columns print 0 (no CPU tracking here).
//   clear_lock_stat() zeroes it (also do this after lockdep::reset()).
// While off, each wrapper lock/unlock pays one relaxed load; while on, two
// clock reads and a few relaxed atomic adds. Only lockdep's wrappers
// (tracked<M> and the types in mutex.hpp) are measured, not bare lock_maps,
// and not inside a signal_handler_scope (no allocation there).
#pragma once

#include <string>

#include "lockdep/config.hpp"

LOCKDEP_BEGIN_NAMESPACE

#if LOCKDEP_ENABLED
std::string dump_classes();
std::string dump_chains();
std::string dump_stats();
std::string graph_dot();
std::string all_locks_text();
void show_all_locks();
void set_wait_tracking(bool on);
void set_lock_stat(bool on);
void clear_lock_stat();
std::string lock_stat_text();
#else
inline std::string dump_classes() { return {}; }
inline std::string dump_chains() { return {}; }
inline std::string dump_stats() { return {}; }
inline std::string graph_dot() { return "digraph lockdep {\n}\n"; }
inline std::string all_locks_text() { return {}; }
inline void show_all_locks() {}
inline void set_wait_tracking(bool) {}
inline void set_lock_stat(bool) {}
inline void clear_lock_stat() {}
inline std::string lock_stat_text() { return {}; }
#endif

LOCKDEP_END_NAMESPACE
