// lockdep/wait.hpp - waiting is locking too: joins and futures in the graph.
//
// "Hold M, then wait for work that itself needs M" deadlocks although no
// second lock is ever taken, so ThreadSanitizer, Abseil's detector and
// Helgrind all miss it. The kernel models a wait as the acquisition of a
// pseudo-lock (flush_work, completions); so does lockdep:
//
//   * the worker holds a wait map around the work (validated, so locks it
//     takes get edges map -> L);
//   * a waiter acquires and releases the map at once (so the locks it holds
//     get edges L -> map).
//
// Hold M and wait for work that takes M: M -> map -> M, reported as a
// `possible circular locking dependency` naming the map, e.g.
// `(thread:worker)`. Work that never takes M, or a waiter that holds nothing,
// stays silent. The check holds for the whole class: wait maps of one kind
// share a class per creation site (per callable type for lockdep::thread),
// so a thread started at one site and joined while holding M is one class.
//
//   lockdep::mutex m{"m"};
//   lockdep::thread t{"worker", [&] { std::lock_guard g(m); }};
//   std::lock_guard g(m);
//   t.join();                       // report: m -> (thread:worker) -> m
//
// Limitation: a worker that waits for another worker of its own class (a
// thread spawning and joining a thread from the same site) is reported as
// recursive locking of the map's class; give the inner one another name.
#pragma once

#include <future>
#include <memory>
#include <string>
#include <thread>
#include <type_traits>
#include <typeinfo>
#include <utility>

#include "lockdep/lock_map.hpp"

LOCKDEP_BEGIN_NAMESPACE

namespace internal {
// Interned "(kind:name)" label; stable for the life of the process.
const char* wait_map_name(const char* kind, const char* name);
// Demangled name of a callable's type, interned.
const char* callable_name(const std::type_info& t);
}  // namespace internal

// A pseudo-lock standing for "this piece of work has finished".
class wait_map {
 public:
  // `kind` and `name` make the label `(kind:name)`; the class is the
  // creation site (plus the label).
  explicit wait_map(const char* kind = "wait", const char* name = "work", site where = site::here())
      : map_(internal::wait_map_name(kind, name), wait_type::none, wait_type::none, check::full, where) {}
  explicit wait_map(lock_class_key& key) : map_(key, wait_type::none) {}
  wait_map(const wait_map&) = delete;
  wait_map& operator=(const wait_map&) = delete;

  // Worker side: bracket the work.
  LOCKDEP_ALWAYS_INLINE void begin_work() { lock_acquire(map_); }
  LOCKDEP_ALWAYS_INLINE void end_work() { lock_release(map_); }
  // Waiter side: call before blocking on the real wait (join, get, ...).
  LOCKDEP_ALWAYS_INLINE void will_wait() { might_lock(map_); }

  lock_map& lockdep_map() { return map_; }

 private:
  lock_map map_;
};

// RAII for the worker side.
class work_scope {
 public:
  explicit work_scope(wait_map& m) : m_(m) { m_.begin_work(); }
  ~work_scope() { m_.end_work(); }
  work_scope(const work_scope&) = delete;
  work_scope& operator=(const work_scope&) = delete;

 private:
  wait_map& m_;
};

// Drop-in for std::thread whose body runs under its own wait map and whose
// join() waits on it. The map's class is the callable's type (each lambda
// expression is its own type) or, with a leading name, that name at the
// construction site.
class thread {
 public:
  thread() noexcept = default;

  template <class F, class... Args>
    requires(!std::is_convertible_v<std::decay_t<F>, const char*> && !std::is_same_v<std::decay_t<F>, thread>)
  explicit thread(F&& f, Args&&... args)
      : map_(std::make_shared<wait_map>("thread", internal::callable_name(typeid(std::decay_t<F>)),
                                        site(internal::callable_name(typeid(std::decay_t<F>)), 0))) {
    start(std::forward<F>(f), std::forward<Args>(args)...);
  }

  template <class F, class... Args>
  thread(const char* name, F&& f, Args&&... args)
      : map_(std::make_shared<wait_map>("thread", name, site(internal::callable_name(typeid(std::decay_t<F>)), 1))) {
    start(std::forward<F>(f), std::forward<Args>(args)...);
  }

  thread(thread&&) noexcept = default;
  thread& operator=(thread&&) noexcept = default;
  ~thread() = default;  // like std::thread: destroying a joinable thread terminates

  // Records held locks -> thread map before blocking in std::thread::join.
  void join() {
    if (map_) map_->will_wait();
    t_.join();
  }
  void detach() { t_.detach(); }
  bool joinable() const noexcept { return t_.joinable(); }
  std::thread::id get_id() const noexcept { return t_.get_id(); }
  std::thread::native_handle_type native_handle() { return t_.native_handle(); }
  wait_map* lockdep_wait_map() { return map_.get(); }

 private:
  template <class F, class... Args>
  void start(F&& f, Args&&... args) {
    t_ = std::thread(
        [map = map_](auto&& fn, auto&&... a) {
          work_scope scope(*map);
          std::invoke(std::forward<decltype(fn)>(fn), std::forward<decltype(a)>(a)...);
        },
        std::forward<F>(f), std::forward<Args>(args)...);
  }

  std::shared_ptr<wait_map> map_;
  std::thread t_;
};

// A std::future whose get()/wait() first wait on the producer's map.
template <class T>
class future {
 public:
  future() = default;
  future(std::future<T> f, std::shared_ptr<wait_map> m) : f_(std::move(f)), map_(std::move(m)) {}
  T get() {
    if (map_) map_->will_wait();
    return f_.get();
  }
  void wait() const {
    if (map_) map_->will_wait();
    f_.wait();
  }
  bool valid() const noexcept { return f_.valid(); }
  wait_map* lockdep_wait_map() { return map_.get(); }

 private:
  std::future<T> f_;
  std::shared_ptr<wait_map> map_;
};

// std::async(std::launch::async, ...) whose task runs under a wait map that
// future::get()/wait() wait on. The class is the callable's type.
template <class F, class... Args>
auto async(F&& f, Args&&... args) -> future<std::invoke_result_t<std::decay_t<F>, std::decay_t<Args>...>> {
  using R = std::invoke_result_t<std::decay_t<F>, std::decay_t<Args>...>;
  const char* label = internal::callable_name(typeid(std::decay_t<F>));
  auto map = std::make_shared<wait_map>("future", label, site(label, 2));
  std::future<R> fut = std::async(
      std::launch::async,
      [map](auto&& fn, auto&&... a) -> R {
        work_scope scope(*map);
        return std::invoke(std::forward<decltype(fn)>(fn), std::forward<decltype(a)>(a)...);
      },
      std::forward<F>(f), std::forward<Args>(args)...);
  return future<R>(std::move(fut), std::move(map));
}

LOCKDEP_END_NAMESPACE
