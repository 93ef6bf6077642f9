// The lock-type drivers of the self-test matrix (see selftest.hpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <optional>
#include <type_traits>

#include "selftest.hpp"

namespace selftest {

// ---- classes ------------------------------------------------------------------

namespace {
// One static key per class: X1 and X2 share X, and so on.
lockdep::lock_class_key key_a{"A"}, key_b{"B"}, key_c{"C"}, key_d{"D"};
lockdep::lock_class_key key_x{"X"}, key_y{"Y"}, key_z{"Z"};
}  // namespace

lockdep::lock_class_key& key_of(lock_id id) {
  switch (id) {
    case A: return key_a;
    case B: return key_b;
    case C: return key_c;
    case D: return key_d;
    case X1: case X2: return key_x;
    case Y1: case Y2: return key_y;
    default: return key_z;
  }
}

const char* class_name(lock_id id) { return key_of(id).name(); }

// ---- driver bookkeeping ---------------------------------------------------------

mode driver::default_mode() const {
  return column_ == column::rlock || column_ == column::rsem ? mode::read : mode::write;
}

void driver::acquire(lock_id id, mode m) {
  last_mode_[id] = m;
  held_.emplace_back(id, m);
  do_acquire(id, m);
}

void driver::unlock(lock_id id) {
  const mode m = last_mode_[id];
  // Innermost matching entry; none left means this unlock is unbalanced,
  // which is passed on to the lock as asked.
  auto it = std::find_if(held_.rbegin(), held_.rend(), [&](const auto& h) { return h.first == id && h.second == m; });
  if (it != held_.rend()) held_.erase(std::next(it).base());
  do_release(id, m);
}

void driver::reinit(lock_id id) {
  // Re-initialising forgets every hold of the instance (lockdep does too).
  std::erase_if(held_, [&](const auto& h) { return h.first == id && h.second != mode::plain; });
  do_reinit(id);
}

void driver::release_all() {
  while (!held_.empty()) {
    const auto [id, m] = held_.back();
    held_.pop_back();
    do_release(id, m);
  }
}

namespace {

// ---- annotation-API drivers -------------------------------------------------------

// lock_maps configured like the kernel column's lock: wait type, and how its
// readers nest. The companion of an rw lock is the lock the kernel's mixed
// cases pair it with: a spinlock beside an rwlock, a mutex beside an rwsem.
class map_driver final : public driver {
 public:
  explicit map_driver(column col) : driver(col) {
    const bool spins = col == column::spin || col == column::wlock || col == column::rlock;
    wait_ = spins ? lockdep::wait_type::spin : lockdep::wait_type::sleep;
    has_readers_ = col != column::spin && col != column::mutex;
    read_ = col == column::wlock || col == column::rlock ? lockdep::read_mode::shared_recursive
                                                         : lockdep::read_mode::shared;
    for (int i = 0; i < k_lock_count; ++i) {
      maps_[i].emplace(key_of(static_cast<lock_id>(i)), wait_);
      companions_[i].emplace(key_of(static_cast<lock_id>(i)), wait_);
    }
  }

 protected:
  void do_acquire(lock_id id, mode m) override {
    switch (m) {
      case mode::write: lockdep::lock_acquire(*maps_[id]); break;
      case mode::read:
        if (!has_readers_) return ADD_FAILURE() << "read-locking an exclusive lock type";
        lockdep::lock_acquire(*maps_[id], read_);
        break;
      case mode::plain:
        if (!has_readers_) return ADD_FAILURE() << "companion lock of an exclusive lock type";
        lockdep::lock_acquire(*companions_[id]);
        break;
    }
  }
  void do_release(lock_id id, mode m) override {
    lockdep::lock_release(m == mode::plain ? *companions_[id] : *maps_[id]);
  }
  void do_reinit(lock_id id) override {
    maps_[id].reset();  // destroying a held lock: `held lock freed!`
    maps_[id].emplace(key_of(id), wait_);
  }

 private:
  lockdep::wait_type wait_;
  bool has_readers_;
  lockdep::read_mode read_;
  std::array<std::optional<lockdep::lock_map>, k_lock_count> maps_;
  std::array<std::optional<lockdep::lock_map>, k_lock_count> companions_;
};

// ---- real-lock drivers ---------------------------------------------------------------

// A Lockable written by a user, wrapped by the generic tracked<M>.
class user_mutex {
 public:
  void lock() { m_.lock(); }
  void unlock() { m_.unlock(); }
  bool try_lock() { return m_.try_lock(); }

 private:
  std::mutex m_;
};

enum class acquire_style { blocking, timed };

// Real wrappers, all constructed from the class keys. `Lock` is the column's
// lock; `Companion` the plain lock of the mixed cases (unused for exclusive
// lock types). Only non-blocking bodies run here (see cases.cpp).
template <class Lock, class Companion, acquire_style Style = acquire_style::blocking>
class real_driver final : public driver {
 public:
  explicit real_driver(column col) : driver(col) {
    for (int i = 0; i < k_lock_count; ++i) {
      locks_[i] = std::make_unique<Lock>(key_of(static_cast<lock_id>(i)));
      companions_[i] = std::make_unique<Companion>(key_of(static_cast<lock_id>(i)));
    }
  }

 protected:
  void do_acquire(lock_id id, mode m) override {
    Lock& l = *locks_[id];
    switch (m) {
      case mode::write:
        if constexpr (Style == acquire_style::timed) {
          // An uncontended lock: the wait can only end in success.
          EXPECT_TRUE(l.try_lock_for(std::chrono::seconds(10)));
        } else {
          l.lock();
        }
        break;
      case mode::read:
        if constexpr (requires { l.lock_shared(); }) {
          l.lock_shared();
        } else {
          ADD_FAILURE() << "read-locking an exclusive lock type";
        }
        break;
      case mode::plain: companions_[id]->lock(); break;
    }
  }
  void do_release(lock_id id, mode m) override {
    Lock& l = *locks_[id];
    switch (m) {
      case mode::write: l.unlock(); break;
      case mode::read:
        if constexpr (requires { l.unlock_shared(); }) l.unlock_shared();
        break;
      case mode::plain: companions_[id]->unlock(); break;
    }
  }
  void do_reinit(lock_id) override {
    ADD_FAILURE() << "destroying a held real lock is undefined behaviour; map drivers only";
  }

 private:
  std::array<std::unique_ptr<Lock>, k_lock_count> locks_;
  std::array<std::unique_ptr<Companion>, k_lock_count> companions_;
};

template <class Lock, class Companion, acquire_style Style = acquire_style::blocking>
driver_info real(std::string name, column col) {
  return {std::move(name), col, true,
          [col] { return std::make_unique<real_driver<Lock, Companion, Style>>(col); }};
}

driver_info map(std::string name, column col) {
  return {std::move(name), col, false, [col] { return std::make_unique<map_driver>(col); }};
}

}  // namespace

// The "mutex" driver is the generic wrapper over std::mutex as well.
static_assert(std::is_same_v<lockdep::mutex, lockdep::tracked<std::mutex>>);

const std::vector<driver_info>& all_drivers() {
  static const std::vector<driver_info> drivers = [] {
    using namespace lockdep;
    return std::vector<driver_info>{
        map("map_spin", column::spin),
        map("map_wlock", column::wlock),
        map("map_rlock", column::rlock),
        map("map_mutex", column::mutex),
        map("map_wsem", column::wsem),
        map("map_rsem", column::rsem),
        real<spinlock, spinlock>("spinlock", column::spin),
        real<rwlock, spinlock>("rwlock_write", column::wlock),
        real<rwlock, spinlock>("rwlock_read", column::rlock),
        real<mutex, mutex>("mutex", column::mutex),
        real<shared_mutex, mutex>("shared_mutex_write", column::wsem),
        real<shared_mutex, mutex>("shared_mutex_read", column::rsem),
        real<recursive_mutex, recursive_mutex>("recursive_mutex", column::mutex),
        real<timed_mutex, timed_mutex, acquire_style::timed>("timed_mutex", column::mutex),
        real<tracked<user_mutex>, tracked<user_mutex>>("tracked_user_mutex", column::mutex),
    };
  }();
  return drivers;
}

}  // namespace selftest
