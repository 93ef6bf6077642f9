// The symbolizer side of member_sites.hpp: which code a construction call
// sits in. Uses libbacktrace directly (one state shared by all threads, so
// the debug information is read once per process, not once per thread).
#include <backtrace.h>

#include <cstdio>
#include <cstring>

#include "core/member_sites.hpp"
#include "report/format.hpp"
#include "report/frames.hpp"

LOCKDEP_INTERNAL_BEGIN

namespace {

// The outermost frame of a pc's inline chain: the function the code really
// is in and the line there (for an inlined constructor, the line that
// constructs the object).
struct outer_frame {
  const char* function = nullptr;
  const char* file = nullptr;
  int line = 0;
};

bool group_of(std::uintptr_t pc, char* out, std::size_t cap) {
  backtrace_state* st = symbol_state();
  if (!st) return false;
  const std::uintptr_t call = pc - 1;  // the call instruction, not the next one
  outer_frame f;
  backtrace_pcinfo(
      st, call,
      [](void* data, std::uintptr_t, const char* file, int line, const char* function) {
        auto* o = static_cast<outer_frame*>(data);
        if (function || file) *o = outer_frame{function, file, line};
        return 0;  // keep going: the last one called is the outermost
      },
      [](void*, const char*, int) {}, &f);
  if (f.function || f.file) {
    std::snprintf(out, cap, "%s %s:%d", f.function ? f.function : "?", f.file ? f.file : "?", f.line);
    return true;
  }
  // No line information: the enclosing symbol still separates copies of an
  // inlined constructor in different functions.
  std::uintptr_t symval = 0;
  backtrace_syminfo(
      st, call,
      [](void* data, std::uintptr_t, const char*, std::uintptr_t value, std::uintptr_t) {
        *static_cast<std::uintptr_t*>(data) = value;
      },
      [](void*, const char*, int) {}, &symval);
  if (!symval) return false;
  std::snprintf(out, cap, "sym %lx", static_cast<unsigned long>(symval));
  return true;
}

// Before user code's static constructors, which may build locks.
__attribute__((constructor(101))) void install_at_load() { set_site_group_hook(&group_of); }

}  // namespace

// Also called by the report layer's initializer, which a static link keeps:
// the reference keeps this file (and its load-time constructor) in too.
void install_site_group_hook() { set_site_group_hook(&group_of); }

LOCKDEP_INTERNAL_END
