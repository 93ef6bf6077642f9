// lockdep/site.hpp - where a lock was constructed.
//
// A lock without a name or key gets its class from its construction site.
// Every lock type's constructor takes a `lockdep::site` as its last argument,
// defaulted to `lockdep::site::here()`, which records the *caller's* file,
// line, function (and column on clang) and the address of the call. A lock
// type of your own that wraps a lockdep lock passes its user's site through,
// so its users' locks are classed by where *they* construct them:
//
//   class Mutex {                                  // port/port.h
//    public:
//     explicit Mutex(lockdep::site s = lockdep::site::here()) : mu_(s) {}
//     void Lock() { mu_.lock(); }
//     void Unlock() { mu_.unlock(); }
//    private:
//     lockdep::mutex mu_;
//   };
//   struct DBImpl { port::Mutex mutex_; port::Mutex stats_mutex_; };
//
// Here mutex_ and stats_mutex_ are two classes, each one class in every
// DBImpl and every translation unit (see lock_class_key.hpp for the rules).
// Without the parameter every port::Mutex would be one class: the site
// inside Mutex's constructor.
//
// A wrapper's own frames (its Lock(), a scoped-lock helper's constructor)
// are frames of their own in an unoptimised build, and inline frames in an
// optimised one. Derive the type from lockdep::strip_frames_of<itself> and
// stacks and `at:` lines start below them, at its user's code:
//
//   class Mutex : lockdep::strip_frames_of<Mutex> { ... };       // as above
//   class MutexLock : lockdep::strip_frames_of<MutexLock> {      // RAII helper
//    public:
//     explicit MutexLock(Mutex* mu) : mu_(mu) { mu_->Lock(); }
//     ...
//   };
//
// It drops the frames of every member function of that type (matched by
// the qualified name, "port::Mutex::"), as the strip_frames option does for
// patterns named at run time (options.hpp; e.g. for the preload).
//
// here() is an out-of-line call on purpose: its return address tells apart
// two members built by one constructor (two calls) from the elements of one
// array (one call in a loop). It works as a default argument with g++ 12 and
// clang 14, where std::source_location (clang 14 with libstdc++) does not.
// Under clang it is also `noduplicate` (config.hpp), so the optimiser keeps
// one call per construction in the source: a small array's loop is not
// unrolled into a call per element, and a function that constructs a lock
// (a class's constructor, say) is not inlined into its callers. Costs: one
// call per lock constructed; with clang, such functions stay out of line.
#pragma once

#include "lockdep/config.hpp"

LOCKDEP_BEGIN_NAMESPACE

class site {
 public:
  // The call site of the function whose default argument this is.
#if LOCKDEP_ENABLED
  // In the library: clang inlines a `noduplicate` function whose body it
  // sees, noinline or not, and the return address would be the caller's.
  LOCKDEP_NOINLINE LOCKDEP_NODUPLICATE static site here(const char* file = __builtin_FILE(),
                                                        unsigned line = __builtin_LINE(),
                                                        const char* function = __builtin_FUNCTION(),
                                                        unsigned column = LOCKDEP_HERE_COLUMN) noexcept;
#else
  LOCKDEP_NOINLINE static site here(const char* file = __builtin_FILE(), unsigned line = __builtin_LINE(),
                                    const char* function = __builtin_FUNCTION(),
                                    unsigned column = LOCKDEP_HERE_COLUMN) noexcept {
    return site(file, line, column, function, __builtin_return_address(0));
  }
#endif
  // A site spelled out (generated code, a site recorded elsewhere). `pc`
  // may be null: then locks built at this file:line are one class.
  constexpr site(const char* file, unsigned line, unsigned column = 0, const char* function = nullptr,
                 const void* pc = nullptr) noexcept
      : file_(file), function_(function), pc_(pc), line_(line), column_(column) {}

  const char* file() const { return file_; }
  unsigned line() const { return line_; }
  unsigned column() const { return column_; }  // 0 where the compiler has none (g++)
  const char* function() const { return function_; }
  // Return address of the here() call (null when spelled out).
  const void* pc() const { return pc_; }

 private:
  const char* file_;
  const char* function_;
  const void* pc_;
  unsigned line_;
  unsigned column_;
};

namespace internal {
// Registers the type named in `pretty_function` (strip_frames_of's
// __PRETTY_FUNCTION__, "... [with T = port::Mutex]") with the report layer.
void strip_frames_of_type(const char* pretty_function) noexcept;
}  // namespace internal

// Empty base of a wrapper type whose frames reports do not print (above).
// The first construction registers the type; later ones cost one load.
template <class T>
class strip_frames_of {
 protected:
  strip_frames_of() noexcept {
#if LOCKDEP_ENABLED
    [[maybe_unused]] static const bool registered = (internal::strip_frames_of_type(__PRETTY_FUNCTION__), true);
#endif
  }
};

LOCKDEP_END_NAMESPACE
