// Telling apart the locks one construction site builds (the members of one
// type, built by one constructor) while keeping one class for one member
// everywhere and for the elements of one array.
//
// A site (site.hpp) carries the address of the here() call in the code that
// constructs the lock. Two members are two calls; an array is one call in a
// loop. The same member built by two copies of an inlined constructor (two
// translation units, two callers) is two calls too, so calls are grouped by
// the code they sit in and ranked within their group in the order they
// first run: members construct in declaration order, so the N-th call of
// every copy is the N-th member. The rank, not the address, is part of the
// class key. Two copies in one group (`account x, y;` inlined into one
// line) are told apart by the lock addresses: a member lies just above the
// previous one.
//
// The group is the function the call lies in (its symbol's start, from the
// ELF symbol table: cheap, no debug information). Where that function is
// the one the site names (the constructor itself, out of line, as at -O0),
// it holds one copy of the constructing code and that is all (names are
// compared unqualified: a function of the same name that inlined the
// constructor, say one lambda's operator() inlined into another's, is
// taken for it and its copies rank by address alone). Otherwise
// the constructor was inlined there, maybe more than once (`account x;` and
// `account y;` on two lines), and a second call in the group needs the line
// of the code it is inlined into: only then is the debug information read,
// and the group splits by that line (the first call's group keeps its
// ranks). So a lone lock, and every lock an out-of-line constructor builds,
// never load it; the first inlined object with two unnamed locks does.
//
// Limits: a compiler that unrolled the loop constructing an array would make
// its calls indistinguishable from members (README), so each element would
// rank apart; clang -O2 would, and site::here()'s `noduplicate` stops it
// (site.hpp). Without symbols or debug information every copy of an inlined
// constructor in one function shares one group.
#pragma once

#include <cstddef>
#include <cstdint>

#include "lockdep/config.hpp"

LOCKDEP_INTERNAL_BEGIN

// The report layer's symbolizer, installed by it.
struct site_group_hooks {
  // The start of the function `pc` lies in (0 if unknown), and whether that
  // function is `site_function` itself (the name __builtin_FUNCTION gave the
  // site: a constructor's class name) rather than code it was inlined into.
  // Reads symbol tables only.
  std::uintptr_t (*function_of)(std::uintptr_t pc, const char* site_function, bool* is_site_function);
  // A text naming the code `pc` was inlined into (same for every call of
  // one inlined copy of a constructor, different between copies); false if
  // it cannot tell. Reads the debug information.
  bool (*inlined_into)(std::uintptr_t pc, char* out, std::size_t cap);
};
void set_site_group_hooks(site_group_hooks h) noexcept;
site_group_hooks site_group_hooks_now() noexcept;  // for tests that count the calls

// Rank of the call at `pc`, constructing the lock at `lock`, among the calls
// of its group that construct locks at this site (file, line, column,
// name; `function` as the site names it). Allocates and may symbolize: call
// with no lockdep lock held, never in a signal handler.
unsigned member_rank(const char* file, unsigned line, unsigned column, const char* name, const char* function,
                     const void* pc, const void* lock);

LOCKDEP_INTERNAL_END
