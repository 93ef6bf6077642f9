// The one table of report kinds: for each, its name (to_string and the
// suppression/JSON/SARIF rule id), the banner the kernel prints, the banner
// rule's width, and what makes two reports the same problem (the fields of
// its signature: a problem is reported once per process). The core builds
// and deduplicates reports with it (problem_signature), the report layer
// names and formats them with it; a new kind is one row here plus its
// builder in lib/core and its body in lib/report/format.cpp, and the
// compiler names every switch that lacks it (none has a `default:`).
//
// Header templates: {irq} is the irq state ("HARDIRQ"), {thread} the
// thread's name/tid, {limit} the kernel's limit line. Width -1: no banner
// rules (the kernel prints the limit line alone); 0: as wide as the header.
// Traits: U = the report names an old and a new usage bit ({IN-HARDIRQ-W}
// -> {HARDIRQ-ON-W}); D = the report is about the dependency graph (a
// cycle, an irq path, a recursion), so graph_dot() marks its classes.
#pragma once

#include <cstdint>

#include "lockdep/report.hpp"

LOCKDEP_INTERNAL_BEGIN

// X(kind, header template, banner width, traits, same problem when ...)
#define LOCKDEP_REPORT_KIND_LIST(X)                                                                                      \
  X(recursive_locking, "WARNING: possible recursive locking detected", 0, k_kind_dependency,                             \
    "same class, same read mode of the new and the held acquisition")                                                    \
  X(circular_dependency, "WARNING: possible circular locking dependency detected", 0, k_kind_dependency,                 \
    "same new and held class (preload instance cycles: same class and instance pair)")                                   \
  X(inconsistent_lock_state, "WARNING: inconsistent lock state", 0, k_kind_usage,                                        \
    "same class, old and new usage bit")                                                                                 \
  X(irq_lock_inversion, "WARNING: possible irq lock inversion dependency detected", 0, k_kind_usage | k_kind_dependency, \
    "same class, other class and new usage bit")                                                                         \
  X(irq_safe_to_unsafe, "WARNING: {irq}-safe -> {irq}-unsafe lock order detected", 53, k_kind_usage | k_kind_dependency, \
    "same irq-safe class, irq-unsafe class and irq state")                                                               \
  X(invalid_wait_context, "[ BUG: Invalid wait context ]", 0, 0,                                                         \
    "same class, context level and context type")                                                                        \
  X(bad_unlock_balance, "WARNING: bad unlock balance detected!", 0, 0,                                                   \
    "same class (or key) and message")                                                                                   \
  X(held_lock_freed, "WARNING: held lock freed!", 0, 0,                                                                  \
    "same class (or key) and message")                                                                                   \
  X(locks_held_at_exit, "WARNING: {thread} still has locks held!", 36, 0,                                                \
    "same class, message and thread")                                                                                    \
  X(nested_lock_not_taken, "WARNING: Nested lock was not taken", 0, 0,                                                   \
    "same class")                                                                                                        \
  X(bad_irq_state, "WARNING: inconsistent irq state detected!", 0, 0,                                                    \
    "same message")                                                                                                      \
  X(bad_lock_usage, "WARNING: bad lock usage detected!", 0, 0,                                                           \
    "same class (or key) and message")                                                                                   \
  X(assertion_failed, "WARNING: lock assertion failed!", 0, 0,                                                           \
    "same class (or key) and message")                                                                                   \
  X(limit_reached, "{limit}", -1, 0,                                                                                     \
    "same limit")

inline constexpr unsigned k_kind_usage = 1;       // U: carries old/new usage labels
inline constexpr unsigned k_kind_dependency = 2;  // D: a dependency-graph problem

struct report_kind_info {
  report_kind kind;
  const char* name;
  const char* header;
  int banner_width;
  unsigned traits;
  const char* same_problem;
};

inline constexpr report_kind_info k_report_kinds[] = {
#define LOCKDEP_REPORT_KIND_ROW(kind, header, width, traits, same) {report_kind::kind, #kind, header, width, traits, same},
    LOCKDEP_REPORT_KIND_LIST(LOCKDEP_REPORT_KIND_ROW)
#undef LOCKDEP_REPORT_KIND_ROW
};

// The table is in report_kind's order, with every kind.
constexpr bool kinds_in_order() {
  unsigned i = 0;
  for (const report_kind_info& k : k_report_kinds)
    if (static_cast<unsigned>(k.kind) != i++) return false;
  return i == static_cast<unsigned>(report_kind::limit_reached) + 1;
}
static_assert(kinds_in_order(), "k_report_kinds must list every report_kind in declaration order");

constexpr const report_kind_info& kind_info(report_kind k) { return k_report_kinds[static_cast<unsigned>(k)]; }

// The signature two reports of one problem share (see the table's last
// column for what a, b and c are per kind).
constexpr std::uint64_t problem_signature(report_kind k, std::uint64_t a, std::uint64_t b = 0,
                                          std::uint64_t c = 0) {
  std::uint64_t h = 0x6c6f636b64657021ull ^ (static_cast<std::uint64_t>(k) + 1) * 0x9e3779b97f4a7c15ull;
  for (std::uint64_t v : {a, b, c}) {
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    h = (h ^ (h >> 31)) * 0xbf58476d1ce4e5b9ull;
  }
  return h ^ (h >> 29);
}

LOCKDEP_INTERNAL_END
