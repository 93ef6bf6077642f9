// The symbolizer side of member_sites.hpp: which code a construction call
// sits in. The function, from the symbol table (elf_symbols.hpp); the line
// an inlined constructor was inlined into, from the debug information
// through libbacktrace (one state shared by all threads, so it is read once
// per process, not once per thread), only where member_sites.cpp needs it.
#include <backtrace.h>
#include <cxxabi.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "core/member_sites.hpp"
#include "report/elf_symbols.hpp"
#include "report/frames.hpp"

LOCKDEP_INTERNAL_BEGIN

namespace {

// The last component of a demangled function's qualified name, without its
// template arguments, parameters and clone suffix:
// "ns::acc<int>::acc() [clone .constprop.0]" -> "acc".
std::string unqualified(std::string d) {
  if (auto clone = d.find(" [clone"); clone != std::string::npos) d.resize(clone);
  // Drop the parameter list: from the last ')' back to its '('.
  int depth = 0;
  std::size_t end = d.size();
  for (std::size_t i = d.size(); i-- > 0;) {
    if (d[i] == ')') ++depth;
    else if (d[i] == '(' && --depth == 0) {
      end = i;
      break;
    }
  }
  d.resize(end);
  if (!d.empty() && d.back() == '>') {  // template arguments
    depth = 0;
    for (std::size_t i = d.size(); i-- > 0;) {
      if (d[i] == '>') ++depth;
      else if (d[i] == '<' && --depth == 0) {
        d.resize(i);
        break;
      }
    }
  }
  const std::size_t colon = d.rfind("::");
  const std::size_t space = d.rfind(' ');  // a template function's return type
  std::size_t from = colon == std::string::npos ? 0 : colon + 2;
  if (space != std::string::npos && space + 1 > from) from = space + 1;
  return d.substr(from);
}

struct name_match {
  const char* site_function;
  bool matched = false;
};

void match_name(const char* mangled, void* data) {
  auto* m = static_cast<name_match*>(data);
  if (m->matched) return;
  int status = -1;
  char* d = abi::__cxa_demangle(mangled, nullptr, nullptr, &status);
  m->matched = unqualified(status == 0 && d ? d : mangled) == m->site_function;
  std::free(d);
}

std::uintptr_t function_of(std::uintptr_t pc, const char* site_function, bool* is_site_function) {
  name_match m{site_function && site_function[0] ? site_function : nullptr};
  const std::uintptr_t start = function_start_of(pc, m.site_function ? &match_name : nullptr, &m);
  *is_site_function = start && m.matched;
  return start;
}

// The outermost frame of a pc's inline chain: the function the code really
// is in and the line there (for an inlined constructor, the line that
// constructs the object).
struct outer_frame {
  const char* function = nullptr;
  const char* file = nullptr;
  int line = 0;
};

bool inlined_into(std::uintptr_t pc, char* out, std::size_t cap) {
  backtrace_state* st = symbol_state();
  if (!st) return false;
  outer_frame f;
  backtrace_pcinfo(
      st, pc,
      [](void* data, std::uintptr_t, const char* file, int line, const char* function) {
        auto* o = static_cast<outer_frame*>(data);
        if (function || file) *o = outer_frame{function, file, line};
        return 0;  // keep going: the last one called is the outermost
      },
      [](void*, const char*, int) {}, &f);
  if (!f.function && !f.file) return false;
  std::snprintf(out, cap, "%s %s:%d", f.function ? f.function : "?", f.file ? f.file : "?", f.line);
  return true;
}

constexpr site_group_hooks k_hooks{&function_of, &inlined_into};

// Before user code's static constructors, which may build locks.
__attribute__((constructor(101))) void install_at_load() { set_site_group_hooks(k_hooks); }

}  // namespace

// Also called by the report layer's initializer, which a static link keeps:
// the reference keeps this file (and its load-time constructor) in too.
void install_site_group_hook() { set_site_group_hooks(k_hooks); }

LOCKDEP_INTERNAL_END
