// Two threads take two locks in opposite orders. They run one after the
// other, so the program never actually deadlocks - but the order they
// establish can, and lockdep reports it the moment the second order is seen.
#include <mutex>
#include <thread>

#include "lockdep/lockdep.hpp"

lockdep::mutex a{"a"};
lockdep::mutex b{"b"};

void forward() {
  std::lock_guard<lockdep::mutex> ga(a);
  std::lock_guard<lockdep::mutex> gb(b);  // learns a -> b
}

void backward() {
  std::lock_guard<lockdep::mutex> gb(b);
  std::lock_guard<lockdep::mutex> ga(a);  // b -> a closes the cycle: report
}

int main() {
  std::thread t1(forward);
  t1.join();
  std::thread t2(backward);
  t2.join();
  return lockdep::get_statistics().reports == 1 ? 0 : 1;
}
