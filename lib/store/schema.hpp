// The graph store's file format (SQLite), shared by the runtime
// (store/runtime.cpp) and the lockdep-graph tool.
//
//   classes(id, descriptor UNIQUE, usage)      one row per class, usage bits OR'ed
//   deps(id, from_class, to_class, bits,        one row per ordered pair of
//        stack, program, test, pid)             classes; bits OR'ed, the rest
//                                               from the first recording
//   signal_usage(class, signal, bits)           a class's usage in a signal's
//                                               state, by the signal's name
//                                               ("SIGUSR1"); bits OR'ed
//
// Format 2 added signal_usage; a format-1 store is migrated by open_store
// (the table created, user_version raised in one transaction); read-only
// readers (merge's shards) read it as one without signal usage.
//
// A store is an SQLite database in WAL mode whose application_id is
// k_store_application_id and whose user_version is k_store_version; every
// write is one transaction, so a writer killed mid-way leaves the store as
// it was before that transaction.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <vector>

#include "lockdep/config.hpp"

LOCKDEP_INTERNAL_BEGIN

constexpr int k_store_application_id = 0x4c4b4447;  // "LKDG"
constexpr int k_store_version = 2;
constexpr int k_oldest_store_version = 1;  // read, and migrated when written

// Opens the store at `path`, creating it (with `create`) when the file is
// absent or empty. nullptr with a sentence in *error when it cannot be
// opened, is not a graph store, or is of another version.
sqlite3* open_store(const std::string& path, bool create, std::string* error);

// Statements on an open store; false (and *error) on failure.
bool store_exec(sqlite3* db, const char* sql, std::string* error = nullptr);

// Usage words are stored as the writing build lays them out (core/usage.hpp:
// four bits per interrupt state, then INITIAL USE and INITIAL READ USE),
// with the state names in bit order in meta('usage_states'), e.g.
// "HARDIRQ SOFTIRQ". A store without that row has the first layout. A build
// with other states translates by name: a state it lacks is dropped, one the
// store lacks is 0.
std::string build_usage_states();
std::string store_usage_states(sqlite3* db);
class usage_translation {
 public:
  usage_translation() = default;  // identity
  usage_translation(const std::string& from, const std::string& to);
  // 64 bits: the column is an SQLite INTEGER, room for 15 states.
  std::uint64_t operator()(std::uint64_t word) const;

 private:
  bool identity_ = true;
  signed char target_[64] = {};  // bit of `from` -> bit of `to`, -1 dropped
};

// deps.runs: how many runs recorded the dependency, added by lockdep-graph
// merge (its row keeps the first run's stack and name). A store without the
// column counts one run a row; the runtime never writes it.
bool deps_have_runs(sqlite3* db);

// signal_usage.bits: a signal's state as the usage word lays every state
// out (core/usage.hpp): IN-W, IN-R, ON-W, ON-R from bit 0. Signals have
// no line number in a store: each process gives its signals lines of its
// own (core/signal_lines.hpp), so a store names the signal.
bool store_has_signal_usage(sqlite3* db);

// The parts of a descriptor (core/imports.hpp):
// "<site>|<name>|<subclass>|<inner>|<outer>".
struct descriptor_parts {
  std::string site, name;  // either may be empty
  unsigned subclass = 0, inner = 0, outer = 0;
};
descriptor_parts split_descriptor(const std::string& d);
// How reports name the class: its name, else its site; "/N" for a subclass.
std::string descriptor_label(const std::string& d);

LOCKDEP_INTERNAL_END
