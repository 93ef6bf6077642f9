// fork() in a program linked to liblockdep.so (where the order in which the
// core and the report layer initialise differs from the static library's):
// the child runs, reports, and exits; nothing waits on itself. Exit 0 = ok.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <mutex>

#include "lockdep/lockdep.hpp"

int main() {
  alarm(60);  // a deadlock fails the test instead of hanging it
  lockdep::options o = lockdep::get_options();
  o.print_reports = false;
  o.report_held_at_fork = true;
  lockdep::set_options(o);
  int reports = 0;
  lockdep::set_report_callback([&](const lockdep::report&) { ++reports; });
  lockdep::mutex a{"fork_shared_a"};
  lockdep::mutex b{"fork_shared_b"};
  for (int i = 0; i < 3; ++i) {
    const pid_t pid = fork();
    if (pid == 0) {
      {  // an ABBA in the child is still found
        std::lock_guard<lockdep::mutex> ga(a);
        std::lock_guard<lockdep::mutex> gb(b);
      }
      {
        std::lock_guard<lockdep::mutex> gb(b);
        std::lock_guard<lockdep::mutex> ga(a);
      }
      _exit(reports == 1 ? 0 : 3);
    }
    int status = 0;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      std::fprintf(stderr, "child %d failed: status %d\n", i, status);
      return 1;
    }
  }
  std::puts("fork with liblockdep.so: ok");
  return 0;
}
