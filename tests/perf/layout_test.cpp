// Size budget of the lock types: the real lock plus at most 16 bytes.
#include <gtest/gtest.h>

#include <cstddef>
#include <mutex>
#include <shared_mutex>

#include "lockdep/lockdep.hpp"

static_assert(sizeof(lockdep::mutex) <= sizeof(std::mutex) + 16, "lockdep::mutex grew past std::mutex + 16");
static_assert(sizeof(lockdep::lock_map) <= 16, "lock_map grew past 16 bytes");

namespace {

TEST(Layout, MutexIsStdMutexPlus16AtMost) {
  EXPECT_LE(sizeof(lockdep::mutex), sizeof(std::mutex) + 16);
  EXPECT_LE(sizeof(lockdep::timed_mutex), sizeof(std::timed_mutex) + 16);
  EXPECT_LE(sizeof(lockdep::recursive_mutex), sizeof(std::recursive_mutex) + 16);
  EXPECT_LE(sizeof(lockdep::shared_mutex), sizeof(std::shared_timed_mutex) + 16);
  EXPECT_LE(sizeof(lockdep::tracked<std::mutex>), sizeof(std::mutex) + 16);
}

// A 1- or 4-byte raw lock is padded to the lock_map's alignment; past
// that padding only the 16 bytes of the lock_map may be added.
constexpr std::size_t padded(std::size_t raw) {
  return (raw + alignof(lockdep::lock_map) - 1) / alignof(lockdep::lock_map) * alignof(lockdep::lock_map);
}

TEST(Layout, SpinlocksStaySmall) {
  EXPECT_LE(sizeof(lockdep::spinlock), padded(sizeof(lockdep::internal::raw_spinlock)) + 16);
  EXPECT_LE(sizeof(lockdep::rwlock), padded(sizeof(lockdep::internal::raw_rwlock)) + 16);
}

}  // namespace
