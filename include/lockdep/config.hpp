// lockdep/config.hpp - build-time switches shared by every public header.
//
// LOCKDEP_ENABLED (default 1) selects between the validating types and plain
// pass-through types with zero overhead. The CMake option LOCKDEP_ENABLE sets
// it as an INTERFACE compile definition of lockdep::lockdep (and in the
// pkg-config flags), so every translation unit of a program sees one value.
// The public types live in an inline namespace named after the setting
// (lockdep::v1_on / lockdep::v1_off): a program that mixes objects compiled
// with different settings fails to link instead of silently misbehaving.
#pragma once

#ifndef LOCKDEP_ENABLED
#define LOCKDEP_ENABLED 1
#endif

#if LOCKDEP_ENABLED
#define LOCKDEP_ABI_NAMESPACE v1_on
#else
#define LOCKDEP_ABI_NAMESPACE v1_off
#endif

#define LOCKDEP_BEGIN_NAMESPACE \
  namespace lockdep {           \
  inline namespace LOCKDEP_ABI_NAMESPACE {
#define LOCKDEP_END_NAMESPACE \
  }                           \
  }

#if defined(__GNUC__) || defined(__clang__)
#define LOCKDEP_ALWAYS_INLINE inline __attribute__((always_inline))
#define LOCKDEP_NOINLINE __attribute__((noinline))
#else
#define LOCKDEP_ALWAYS_INLINE inline
#define LOCKDEP_NOINLINE
#endif

// Internal: the per-lock entry points (lock_map.hpp). g++ then calls them
// through the GOT, not a PLT stub, when they live in liblockdep.so (one
// indirect call instead of a call and an indirect jump per lock and unlock;
// a static link relaxes it to a direct call). Clang has no such attribute.
#if defined(__has_attribute)
#if __has_attribute(noplt)
#define LOCKDEP_ENTRY_POINT __attribute__((noinline, noplt))
#endif
#endif
#ifndef LOCKDEP_ENTRY_POINT
#define LOCKDEP_ENTRY_POINT LOCKDEP_NOINLINE
#endif

// Internal: clang's `noduplicate` on site::here() (site.hpp), else empty.
// A call to site::here() names one construction call; clang -O2 would
// otherwise copy it: unrolling the loop that builds a small array of locks
// (one call per element, so one class per element) and inlining a
// constructor into each of its callers. With it, such a loop stays a loop
// and a function that constructs locks is not inlined where the copy would
// duplicate the call (LLVM's rule: only a local function with one caller).
// g++ has no such attribute and keeps those loops as loops.
#if defined(__has_attribute) && !defined(LOCKDEP_NODUPLICATE)
#if __has_attribute(noduplicate)
#define LOCKDEP_NODUPLICATE __attribute__((noduplicate))
#endif
#endif
#ifndef LOCKDEP_NODUPLICATE
#define LOCKDEP_NODUPLICATE
#endif

// Internal: the caller's column where the compiler has __builtin_COLUMN
// (clang), else 0; used by lockdep::site::here() (site.hpp), which captures
// call sites without std::source_location (clang 14 cannot use libstdc++ 12's).
#if defined(__has_builtin)
#if __has_builtin(__builtin_COLUMN)
#define LOCKDEP_HERE_COLUMN __builtin_COLUMN()
#endif
#endif
#ifndef LOCKDEP_HERE_COLUMN
#define LOCKDEP_HERE_COLUMN 0
#endif

#define LOCKDEP_INTERNAL_BEGIN \
  LOCKDEP_BEGIN_NAMESPACE      \
  namespace internal {
#define LOCKDEP_INTERNAL_END \
  }                          \
  LOCKDEP_END_NAMESPACE
