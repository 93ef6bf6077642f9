// The function an address lies in, from the ELF symbol table of the object
// that holds it (the executable or a shared library): the cheap half of
// grouping construction calls (member_sites.hpp), which must not load the
// debug information (#16: none before the first report). libbacktrace's
// backtrace_syminfo is not that: its first call initializes the whole
// state, reading the DWARF of every loaded object (~500 M instructions).
#pragma once

#include <cstdint>

#include "lockdep/config.hpp"

LOCKDEP_INTERNAL_BEGIN

// The start (run-time address) of the function symbol containing `pc`, 0
// if no object holds it or its file has no symbol for it (stripped). Calls
// `each` with the mangled name of every function symbol of that start that
// contains `pc` (C1/C2 constructor aliases, folded code); the names live as
// long as the process. The first call for an object maps its file and sorts
// its function symbols (once per object); later calls are a binary search.
// Allocates and takes the loader's lock: not in a signal handler.
using symbol_name_visitor = void (*)(const char* mangled, void* data);
std::uintptr_t function_start_of(std::uintptr_t pc, symbol_name_visitor each = nullptr, void* data = nullptr);

LOCKDEP_INTERNAL_END
