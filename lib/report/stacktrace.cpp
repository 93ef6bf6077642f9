// Stack capture and symbolization: the only place that knows Boost.Stacktrace.
//
// Capture (cold path, maybe in a signal handler) stores raw return
// addresses with safe_dump_to, which is async-signal-safe. Symbolizing
// (function, file:line through libbacktrace) happens only when a report is
// formatted.
#include <backtrace.h>
#include <cxxabi.h>
#include <dlfcn.h>

#include <boost/stacktrace.hpp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "core/trace_store.hpp"
#include "lockdep/report.hpp"
#include "report/frames.hpp"
#include "report/observer.hpp"

LOCKDEP_INTERNAL_BEGIN

namespace {
unsigned capture(std::uintptr_t* out, unsigned max, unsigned skip) {
  // safe_dump_to writes native_frame_ptr_t (void*) values, terminated by 0.
  void* frames[k_max_trace_depth + 1];
  const std::size_t n = boost::stacktrace::safe_dump_to(skip + 1, frames, sizeof frames);
  unsigned count = 0;
  for (std::size_t i = 0; i < n && count < max && frames[i]; ++i)
    out[count++] = reinterpret_cast<std::uintptr_t>(frames[i]);
  return count;
}
}  // namespace

void install_capture_hook() { set_capture_hook(&capture); }

backtrace_state* symbol_state() {
  static backtrace_state* s = backtrace_create_state(nullptr, /*threaded=*/1, [](void*, const char*, int) {}, nullptr);
  return s;
}

namespace {
struct inline_level {
  std::string function, file;
  int line = 0;
};
std::string demangled(const char* name) {
  if (!name) return "?";
  int status = -1;
  char* d = name[0] == '_' && name[1] == 'Z' ? abi::__cxa_demangle(name, nullptr, nullptr, &status) : nullptr;
  std::string out = status == 0 && d ? d : name;
  std::free(d);
  return readable_name(std::move(out));
}
}  // namespace

std::vector<std::string> describe_frame_lines(std::uintptr_t address) {
  std::vector<std::string> out;
  // libbacktrace reports every level of the inline chain at the call,
  // innermost first; the last one is the function the code is in, which
  // describe_frame names (with its offset).
  std::vector<inline_level> levels;
  if (backtrace_state* st = address > 0 ? symbol_state() : nullptr)
    backtrace_pcinfo(
        st, address - 1,
        [](void* data, std::uintptr_t, const char* file, int line, const char* function) {
          if (function || file)
            static_cast<std::vector<inline_level>*>(data)->push_back({demangled(function), file ? file : "?", line});
          return 0;
        },
        [](void*, const char*, int) {}, &levels);
  for (std::size_t i = 0; i + 1 < levels.size(); ++i)
    out.push_back(levels[i].function + ' ' + levels[i].file + ':' + std::to_string(levels[i].line) + " [inline]");
  out.push_back(describe_frame(address));
  return out;
}

LOCKDEP_INTERNAL_END

LOCKDEP_BEGIN_NAMESPACE

frame_info symbolize_frame(std::uintptr_t address) {
  frame_info out;
  out.address = address;
  // A return address points after the call: look up the call itself.
  const std::uintptr_t pc = address > 0 ? address - 1 : address;
  boost::stacktrace::frame f(reinterpret_cast<boost::stacktrace::frame::native_frame_ptr_t>(pc));
  out.function = internal::readable_name(f.name());
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(pc), &info) != 0) {
    if (info.dli_fname) out.module = info.dli_fname;
    out.offset = address - reinterpret_cast<std::uintptr_t>(info.dli_fbase);
  }
  if (!out.function.empty()) {
    out.file = f.source_file();
    out.line = static_cast<int>(f.source_line());
  }
  return out;
}

std::string describe_frame(std::uintptr_t address) {
  const frame_info fi = symbolize_frame(address);
  const std::uintptr_t pc = address > 0 ? address - 1 : address;
  Dl_info info{};
  const bool have_dl = dladdr(reinterpret_cast<void*>(pc), &info) != 0;
  char buf[64];
  // Every frame line carries "+0x<offset>": from the symbol when the
  // dynamic symbol table knows it, else from the module's load address.
  const auto saddr = have_dl ? reinterpret_cast<std::uintptr_t>(info.dli_saddr) : 0;
  std::string out = fi.function.empty() ? "?" : fi.function;
  if (saddr && !fi.function.empty()) {
    std::snprintf(buf, sizeof buf, "+0x%lx", static_cast<unsigned long>(address - saddr));
    out += buf;
  } else {
    const char* module = fi.module.empty() ? "?" : fi.module.c_str();
    const char* slash = std::strrchr(module, '/');
    std::snprintf(buf, sizeof buf, "+0x%lx", static_cast<unsigned long>(have_dl ? fi.offset : address));
    out += " (";
    out += slash ? slash + 1 : module;
    out += buf;
    out += ')';
  }
  if (!fi.file.empty()) {
    out += ' ';
    out += fi.file;
    out += ':';
    out += std::to_string(fi.line);
  }
  return out;
}

LOCKDEP_END_NAMESPACE
