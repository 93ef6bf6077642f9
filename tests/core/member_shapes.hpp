// LevelDB-like shapes for the member-class tests (member_classes_test.cpp):
// a port layer around lockdep::mutex passing its user's site through, types
// whose constructors are inline in this header and used from two
// translation units, a member added beside another, an array of locks.
#pragma once

#include "lockdep/lockdep.hpp"

namespace shapes {

// A project's own lock type (LevelDB's port::Mutex).
namespace port {
class Mutex {
 public:
  explicit Mutex(lockdep::site s = lockdep::site::here()) : mu_(s) {}
  void Lock() ABSL_EXCLUSIVE_LOCK_FUNCTION(mu_) { mu_.lock(); }
  void Unlock() ABSL_UNLOCK_FUNCTION(mu_) { mu_.unlock(); }
  lockdep::mutex& raw() { return mu_; }

 private:
  lockdep::mutex mu_;
};
}  // namespace port

// Two members of one lock type, implicit (inline) constructor.
struct account {
  lockdep::mutex balance_mu;
  lockdep::mutex audit_mu;
};

// A member added beside another, through the port layer.
struct db_impl {
  db_impl() {}  // inline, user-written, in a header
  port::Mutex mutex_;
  port::Mutex stats_mutex_;
};

// An array of locks (one class) beside a plain member.
struct sharded {
  lockdep::mutex shards[32];
  lockdep::mutex meta;
};

// A small array beside a plain member. clang -O2 would unroll its
// construction loop into four calls that nothing in the binary tells from
// four members; site::here() is `noduplicate` under clang, which keeps the
// loop (site.hpp).
struct small_sharded {
  lockdep::mutex shards[4];
  lockdep::mutex meta;
};
// The same through the port layer: port::Mutex's default argument calls
// site::here() in this constructor's loop.
struct port_small_sharded {
  port::Mutex shards[4];
  port::Mutex meta;
};
struct named_shard {
  lockdep::mutex mu{"small_shard"};
};
struct keyed_shard {
  lockdep::mutex mu{LOCKDEP_CLASS("small_keyed_shard")};
};
struct named_small_sharded {
  named_shard shards[4];
  keyed_shard keyed[4];
  lockdep::mutex meta;
};

// Built in the other translation unit (member_classes_tu2.cpp).
account* make_account_elsewhere();
db_impl* make_db_elsewhere();

}  // namespace shapes
