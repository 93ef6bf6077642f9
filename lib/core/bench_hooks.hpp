// Hooks for benchmarks and tests that need a large dependency graph fast.
//
// They edit the graph directly: no validation, no chain records, no stack
// traces. A graph of 100,000 edges built through real acquisitions would need
// 100,000 validated chains (more than the default max_chains) and minutes of
// stack captures; these hooks build it in milliseconds. Not part of the API.
#pragma once

#include <cstdint>

#include "lockdep/lock_class_key.hpp"

LOCKDEP_INTERNAL_BEGIN

// Record from -> to (both taken exclusively) as a known dependency, creating
// the classes (subclass 0, sleeping wait type) if needed. False when a table
// is full.
bool bench_add_dependency(lock_class_key& from, lock_class_key& to) noexcept;
// Is there an edge from -> to (of any type)?
bool bench_has_dependency(lock_class_key& from, lock_class_key& to) noexcept;
// Remove the edge from -> to and every validated chain containing `to`'s
// class, so acquiring `to` under `from` is validated from scratch again.
void bench_remove_dependency(lock_class_key& from, lock_class_key& to) noexcept;
// Set usage bits (usage.hpp's usage_bit mask) on the key's class without
// any check.
bool bench_add_usage(lock_class_key& key, std::uint32_t usage_mask) noexcept;

LOCKDEP_INTERNAL_END
