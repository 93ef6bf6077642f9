// libstdc++ 12 compiles these timeouts to the pthread *clock* forms
// (pthread_mutex_clocklock, pthread_rwlock_clock*lock, pthread_cond_clockwait):
// a missed acquisition there would turn the later unlock into a false report.
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <vector>

int main() {
  using namespace std::chrono_literals;
  std::timed_mutex timed;
  std::shared_timed_mutex shared;
  std::mutex m;
  std::condition_variable cv;
  int ready = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        if (timed.try_lock_for(1ms)) timed.unlock();
        if (shared.try_lock_for(1ms)) shared.unlock();
        if (shared.try_lock_shared_for(1ms)) shared.unlock_shared();
        std::unique_lock<std::timed_mutex> held(timed, std::chrono::steady_clock::now() + 1ms);
      }
      std::lock_guard<std::mutex> g(m);
      ++ready;
      cv.notify_all();
    });
  }
  {
    std::unique_lock<std::mutex> lk(m);
    while (ready < 3) cv.wait_for(lk, 5ms);
  }
  for (auto& t : threads) t.join();
  return 0;
}
