// A thread pool's "wait for all" under lockdep: tasks run inside the pool's
// wait map, and wait_all() waits on it. Holding a lock that a task needs
// while waiting for the pool can deadlock - no second lock is involved, so
// ThreadSanitizer, Abseil and Helgrind are silent; lockdep reports
//   cache_mu -> (pool:workers) -> cache_mu.
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "lockdep/lockdep.hpp"
#include "lockdep/wait.hpp"

class thread_pool {
 public:
  explicit thread_pool(int n) {
    for (int i = 0; i < n; ++i) workers_.emplace_back([this] { run(); });
  }
  ~thread_pool() {
    {
      std::lock_guard<lockdep::mutex> g(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& w : workers_) w.join();
  }
  void submit(std::function<void()> task) {
    {
      std::lock_guard<lockdep::mutex> g(mu_);
      tasks_.push_back(std::move(task));
      ++pending_;
    }
    cv_.notify_all();
  }
  // Blocks until every submitted task has finished.
  void wait_all() {
    done_.will_wait();  // the locks we hold now -> (pool:workers)
    std::unique_lock<lockdep::mutex> g(mu_);
    idle_.wait(g, [this] { return pending_ == 0; });
  }

 private:
  void run() {
    std::unique_lock<lockdep::mutex> g(mu_);
    for (;;) {
      cv_.wait(g, [this] { return stop_ || !tasks_.empty(); });
      if (tasks_.empty()) return;
      auto task = std::move(tasks_.front());
      tasks_.pop_front();
      g.unlock();
      {
        lockdep::work_scope w(done_);  // (pool:workers) -> whatever the task locks
        task();
      }
      g.lock();
      if (--pending_ == 0) idle_.notify_all();
    }
  }

  lockdep::mutex mu_{"pool.mu"};
  std::condition_variable_any cv_, idle_;
  std::deque<std::function<void()>> tasks_;
  int pending_ = 0;
  bool stop_ = false;
  lockdep::wait_map done_{"pool", "workers"};
  std::vector<std::thread> workers_;
};

int main() {
  lockdep::mutex cache_mu{"cache_mu"};
  int cache = 0;
  thread_pool pool(2);
  pool.submit([&] {
    std::lock_guard<lockdep::mutex> g(cache_mu);
    ++cache;
  });
  pool.wait_all();  // fine: nothing held

  pool.submit([&] {
    std::lock_guard<lockdep::mutex> g(cache_mu);
    ++cache;
  });
  {
    // This run happens to be safe (the task may already be done), but with
    // other timing the task blocks on cache_mu while we wait for it.
    std::lock_guard<lockdep::mutex> g(cache_mu);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  pool.wait_all();
  {
    std::lock_guard<lockdep::mutex> g(cache_mu);
    pool.submit([] {});
    pool.wait_all();  // holds cache_mu while waiting for the pool: report
  }
  std::printf("cache = %d\n", cache);
  return lockdep::get_statistics().reports == 1 ? 0 : 1;
}
