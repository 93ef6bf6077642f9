// Telling apart the locks one construction site builds (the members of one
// type, built by one constructor) while keeping one class for one member
// everywhere and for the elements of one array.
//
// A site (site.hpp) carries the address of the here() call in the code that
// constructs the lock. Two members are two calls; an array is one call in a
// loop. The same member built by two copies of an inlined constructor (two
// translation units, two callers) is two calls too, so calls are grouped by
// the code they sit in (the outermost function and line the symbolizer gives
// for the call) and ranked within their group in the order they first run:
// members construct in declaration order, so the N-th call of every copy is
// the N-th member. The rank, not the address, is part of the class key. Two
// copies in one group (`account x, y;` inlined into one line) are told apart
// by the lock addresses: a member lies just above the previous one.
//
// Limits: a compiler that unrolls the loop constructing an array (clang -O2
// does so up to about 16 elements) makes it calls indistinguishable from
// members, so each element ranks apart; and without symbols every copy of
// an inlined constructor shares one group.
#pragma once

#include <cstddef>
#include <cstdint>

#include "lockdep/config.hpp"

LOCKDEP_INTERNAL_BEGIN

// Writes a text naming the code around `pc` (same for every call in one
// inlined copy of a constructor, different between copies); false if it
// cannot tell. Installed by the report layer, which knows the symbolizer.
using site_group_hook = bool (*)(std::uintptr_t pc, char* out, std::size_t cap);
void set_site_group_hook(site_group_hook h) noexcept;

// Rank of the call at `pc`, constructing the lock at `lock`, among the calls
// of its group that construct locks at this site (file, line, column,
// name). Allocates and may symbolize: call with no lockdep lock held, never
// in a signal handler.
unsigned member_rank(const char* file, unsigned line, unsigned column, const char* name, const void* pc,
                     const void* lock);

LOCKDEP_INTERNAL_END
