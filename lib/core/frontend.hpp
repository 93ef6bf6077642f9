// What a front end of the core may call: the narrow boundary between the
// validator and the runtimes that feed it events (the preload interposer,
// the gtest integration, any other). The public annotation API
// (lockdep/lock_map.hpp: acquire, release, lock_map, keys) is the rest of
// it. Nothing here exposes the graph, the chain cache or thread state; a
// front end includes this and no other header of lib/core.
//
// Every function may be called from any thread, before main and inside a
// signal handler; none allocates through malloc or blocks on a lock a
// program thread can hold.
#pragma once

#include <cstdint>

#include "core/spin_mutex.hpp"
#include "lockdep/lock_map.hpp"

LOCKDEP_INTERNAL_BEGIN

// ---- acquire / release with the caller's address given ----------------------
// For front ends whose public entry is not the user's call (the preload
// interposer): `ip` is reported as `at:` and starts captured traces.
// `flags` as made by make_flags() (lockdep/lock_map.hpp).
void acquire_at(lock_map& m, unsigned flags, lock_map* nest, std::uintptr_t ip) noexcept;
// False if `m` was not held (then a bad-unlock report was raised).
bool release_at(lock_map& m, std::uintptr_t ip) noexcept;

// ---- reports a front end finds itself -------------------------------------------
// A circular dependency between two instances of one class, found by a front
// end that orders instances itself (the preload interposer). Takes the
// core's cold section; `signature` identifies the problem (e.g. the two
// instances' ids): one report per signature. `ip`/`held_ip`: where each
// was acquired (`at:`).
void report_instance_cycle(lock_map& acquiring, std::uintptr_t ip, lock_map& held, std::uintptr_t held_ip,
                           std::uint64_t signature, const char* message) noexcept;

// ---- naming ------------------------------------------------------------------------
// Give a key a name found later (the preload names classes lazily). `name`
// must live as long as the key.
void set_key_name(lock_class_key& key, const char* name) noexcept;
// A string that lives as long as the process although not a literal (a
// label lockdep interned, such as a wait map's): as a lock's name it is part
// of the site key, not a run-time label (see the key interner).
void note_constant_name(const char* name);

LOCKDEP_INTERNAL_END
