// The stdio functions that lock a FILE, as acquisitions of the "stdio"
// pseudo-lock where that matters (pseudo_locks.cpp); each forwards to the
// next definition (glibc's). One class for every FILE: a handler that prints
// while the interrupted code prints to the same stream deadlocks on its lock,
// and which stream is a run-time matter. The compiler's rewrites (printf of
// a literal -> puts, fprintf -> fwrite) and the _FORTIFY_SOURCE variants
// are covered; lockdep's own reports use write(2).
// glibc's <stdio.h> gives vprintf and putchar extern-inline bodies when
// optimizing (bits/stdio.h); this file defines them, and clang rejects the
// redefinition, so ask for none.
#include <features.h>
#undef __USE_EXTERN_INLINES

#include <dlfcn.h>

#include <atomic>
#include <cstdarg>
#include <cstdio>

#include "preload/preload.hpp"

using namespace lockdep_preload;

#define LOCKDEP_CALLER reinterpret_cast<std::uintptr_t>(__builtin_return_address(0))

namespace {

template <class F>
F next(std::atomic<void*>& slot, const char* name) {
  void* p = slot.load(std::memory_order_acquire);
  if (!p) {
    p = dlsym(RTLD_NEXT, name);
    slot.store(p, std::memory_order_release);
  }
  return reinterpret_cast<F>(p);
}

inline void note(std::uintptr_t ip) {
  if (!pseudo_lock_quiet(pseudo_stdio)) note_pseudo_lock(pseudo_stdio, ip);
}

using vfprintf_fn = int (*)(FILE*, const char*, va_list);
using vfprintf_chk_fn = int (*)(FILE*, int, const char*, va_list);
std::atomic<void*> g_vfprintf, g_vfprintf_chk, g_fputs, g_puts, g_fputc, g_putc, g_putchar, g_fwrite, g_fflush;

}  // namespace

extern "C" {

int vfprintf(FILE* f, const char* format, va_list args) {
  note(LOCKDEP_CALLER);
  return next<vfprintf_fn>(g_vfprintf, "vfprintf")(f, format, args);
}
int vprintf(const char* format, va_list args) {
  note(LOCKDEP_CALLER);
  return next<vfprintf_fn>(g_vfprintf, "vfprintf")(stdout, format, args);
}
int fprintf(FILE* f, const char* format, ...) {
  note(LOCKDEP_CALLER);
  va_list args;
  va_start(args, format);
  const int n = next<vfprintf_fn>(g_vfprintf, "vfprintf")(f, format, args);
  va_end(args);
  return n;
}
int printf(const char* format, ...) {
  note(LOCKDEP_CALLER);
  va_list args;
  va_start(args, format);
  const int n = next<vfprintf_fn>(g_vfprintf, "vfprintf")(stdout, format, args);
  va_end(args);
  return n;
}
int __vfprintf_chk(FILE* f, int flag, const char* format, va_list args) {
  note(LOCKDEP_CALLER);
  return next<vfprintf_chk_fn>(g_vfprintf_chk, "__vfprintf_chk")(f, flag, format, args);
}
int __vprintf_chk(int flag, const char* format, va_list args) {
  note(LOCKDEP_CALLER);
  return next<vfprintf_chk_fn>(g_vfprintf_chk, "__vfprintf_chk")(stdout, flag, format, args);
}
int __fprintf_chk(FILE* f, int flag, const char* format, ...) {
  note(LOCKDEP_CALLER);
  va_list args;
  va_start(args, format);
  const int n = next<vfprintf_chk_fn>(g_vfprintf_chk, "__vfprintf_chk")(f, flag, format, args);
  va_end(args);
  return n;
}
int __printf_chk(int flag, const char* format, ...) {
  note(LOCKDEP_CALLER);
  va_list args;
  va_start(args, format);
  const int n = next<vfprintf_chk_fn>(g_vfprintf_chk, "__vfprintf_chk")(stdout, flag, format, args);
  va_end(args);
  return n;
}
int fputs(const char* s, FILE* f) {
  note(LOCKDEP_CALLER);
  return next<int (*)(const char*, FILE*)>(g_fputs, "fputs")(s, f);
}
int puts(const char* s) {
  note(LOCKDEP_CALLER);
  return next<int (*)(const char*)>(g_puts, "puts")(s);
}
int fputc(int c, FILE* f) {
  note(LOCKDEP_CALLER);
  return next<int (*)(int, FILE*)>(g_fputc, "fputc")(c, f);
}
int putc(int c, FILE* f) {
  note(LOCKDEP_CALLER);
  return next<int (*)(int, FILE*)>(g_putc, "putc")(c, f);
}
int putchar(int c) {
  note(LOCKDEP_CALLER);
  return next<int (*)(int)>(g_putchar, "putchar")(c);
}
std::size_t fwrite(const void* p, std::size_t size, std::size_t n, FILE* f) {
  note(LOCKDEP_CALLER);
  return next<std::size_t (*)(const void*, std::size_t, std::size_t, FILE*)>(g_fwrite, "fwrite")(p, size, n, f);
}
int fflush(FILE* f) {
  note(LOCKDEP_CALLER);
  return next<int (*)(FILE*)>(g_fflush, "fflush")(f);
}

}  // extern "C"
