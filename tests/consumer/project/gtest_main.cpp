// lockdep::gtest from a consumer: an expected inversion passes the test.
#include <mutex>

#include "lockdep/gtest.hpp"
#include "lockdep/lockdep.hpp"

TEST(Consumer, ExpectsTheInversion) {
  lockdep::mutex first{"consumer_gtest_first"};
  lockdep::mutex second{"consumer_gtest_second"};
  {
    std::lock_guard<lockdep::mutex> a(first);
    std::lock_guard<lockdep::mutex> b(second);
  }
  EXPECT_LOCKDEP_REPORT(
      {
        std::lock_guard<lockdep::mutex> b(second);
        std::lock_guard<lockdep::mutex> a(first);
      },
      lockdep::report_kind::circular_dependency);
}
