// Must compile cleanly under clang++ -Wthread-safety -Werror (tests/tsa):
// lockdep's lock types are capabilities and lockdep/guard.hpp's guards tell
// the analysis what they lock. Compiled with LOCKDEP_ENABLED=1 and =0.
#include <condition_variable>

#include "absl/base/thread_annotations.h"
#include "lockdep/guard.hpp"
#include "lockdep/lockdep.hpp"

namespace {

class account {
 public:
  void deposit(int n) {
    lockdep::lock_guard g(mu_);
    balance_ += n;
    ++operations_;
  }
  int balance() {
    lockdep::unique_lock l(mu_);
    const int b = balance_;
    l.unlock();
    l.lock();
    return b + balance_ - balance_;
  }
  void add_locked(int n) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { balance_ += n; }
  void add_twice(int n) {
    mu_.lock();
    add_locked(n);
    add_locked(n);
    mu_.unlock();
  }
  bool try_add(int n) {
    if (!mu_.try_lock()) return false;
    lockdep::lock_guard g(mu_, std::adopt_lock);
    balance_ += n;
    return true;
  }
  void deferred(int n) {
    lockdep::unique_lock l(mu_, std::defer_lock);
    l.lock();
    balance_ += n;
  }
  void assert_then_touch() {
    mu_.assert_held();
    balance_ = 0;
  }

 private:
  lockdep::mutex mu_{"account::mu"};
  int balance_ ABSL_GUARDED_BY(mu_) = 0;
  int operations_ ABSL_GUARDED_BY(mu_) = 0;
};

class table {
 public:
  int read() {
    lockdep::shared_lock r(mu_);
    return rows_;
  }
  void write(int v) {
    lockdep::lock_guard g(mu_);
    rows_ = v;
  }
  int read_manually() {
    mu_.lock_shared();
    const int v = rows_;
    mu_.unlock_shared();
    return v;
  }

 private:
  lockdep::shared_mutex mu_{"table::mu"};
  int rows_ ABSL_GUARDED_BY(mu_) = 0;
};

struct irq_counter {
  lockdep::spinlock lock{"irq_counter::lock"};
  long ticks ABSL_GUARDED_BY(lock) = 0;
  void tick() {
    lockdep::spin_lock_irq(lock);
    ++ticks;
    lockdep::spin_unlock_irq(lock);
    lockdep::irq_flags f = lockdep::spin_lock_irqsave(lock);
    ++ticks;
    lockdep::spin_unlock_irqrestore(lock, f);
  }
};

struct queue {
  lockdep::mutex mu{"queue::mu"};
  std::condition_variable_any cv;
  int items ABSL_GUARDED_BY(mu) = 0;
  void pop() {
    lockdep::unique_lock l(mu);
    cv.wait(l);
    --items;
  }
};

}  // namespace

int tsa_clean_entry() {
  account a;
  a.deposit(1);
  a.add_twice(2);
  a.try_add(3);
  a.deferred(4);
  table t;
  t.write(1);
  irq_counter c;
  c.tick();
  return a.balance() + t.read() + t.read_manually();
}
