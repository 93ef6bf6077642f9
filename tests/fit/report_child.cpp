// A child program for the machine-readable output and suppressions tests:
// it raises two real reports, a circular dependency between "&dev->lock"
// and "&queue->lock" and a recursive locking of "solo_lock" (unless
// argv[1] is "clean", which takes the same locks in one order only), prints
// "pid=<pid>" on stdout and exits normally, so the exit-time outputs (the
// SARIF log, the suppressions summary) are written. With argv[1] "fork" it
// then forks a child that reports nothing, prints "forked=<pid>" and exits
// normally too. LOCKDEP_OPTIONS chooses what happens with the reports.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <mutex>

#include "lockdep/lockdep.hpp"

namespace {

struct device {
  lockdep::mutex lock{"&dev->lock"};
};
struct queue {
  lockdep::mutex lock{"&queue->lock"};
};

// Not inlined, so each acquisition's user frame is its own line here.
[[gnu::noinline]] void dev_then_queue(device& d, queue& q) {
  std::lock_guard g(d.lock);
  std::lock_guard h(q.lock);
}

[[gnu::noinline]] void queue_then_dev(device& d, queue& q) {
  std::lock_guard g(q.lock);
  std::lock_guard h(d.lock);  // closes the cycle
}

[[gnu::noinline]] void solo_twice() {
  lockdep::lock_map m{"solo_lock"};
  lockdep::lock_acquire(m);
  lockdep::lock_acquire(m);  // recursive locking (a lock_map: no real deadlock)
  lockdep::lock_release(m);
  lockdep::lock_release(m);
}

}  // namespace

int main(int argc, char** argv) {
  const bool clean = argc > 1 && std::strcmp(argv[1], "clean") == 0;
  device d;
  queue q;
  dev_then_queue(d, q);
  if (!clean) {
    queue_then_dev(d, q);
    solo_twice();
  }
  lockdep::flush_reports();
  std::printf("pid=%d\n", static_cast<int>(getpid()));
  std::fflush(stdout);
  if (argc > 1 && std::strcmp(argv[1], "fork") == 0) {
    const pid_t child = fork();
    if (child == 0) {
      std::printf("forked=%d\n", static_cast<int>(getpid()));
      return 0;  // exit(): the child's exit-time outputs are written too
    }
    int status = 0;
    waitpid(child, &status, 0);
  }
  return 0;
}
