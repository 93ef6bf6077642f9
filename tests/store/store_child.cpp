// A program the graph-store tests run as separate processes, each with its
// own LOCKDEP_OPTIONS=graph_store=... . It takes locks in the order its
// argument says and prints, at exit, how many reports of each kind it saw:
//   ab | ba              the named locks A and B (construction-site classes)
//   key_ab | key_ba      LOCKDEP_CLASS keys, matched by name
//   writer ID N          N new dependencies among classes "w<ID>.<k>"
//   forever ID           new dependencies until killed
//   anonymous            A -> B between dynamic keys without names
//   reset_ba             lockdep::reset(), then B -> A
//   fork_ba              B -> A in a child of fork() (its own connection)
//   in_irq | irqs_on     a spinlock taken in (simulated) hardirq context / with
//                        hardirqs on
//   nest_irqs_off X Y    spinlock Y taken under X with hardirqs off
//   take_irqs_on X       spinlock X taken with hardirqs on (X, Y: irq, M, U)
//   sig_handler SIG      lock S taken in signal SIG's handler (install_signal_handler)
//   sig_take SIG         SIG's handler installed, S taken with SIG unblocked
//   sig_take_blocked SIG the same with SIG blocked (signals_blocked_scope)
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "lockdep/lockdep.hpp"

namespace {

lockdep::mutex a{"store.A"};
lockdep::mutex b{"store.B"};
lockdep::mutex a_sibling{"store.A2"};
lockdep::spinlock irq_lock{"store.irq"};
lockdep::spinlock middle_lock{"store.M"};
lockdep::spinlock unsafe_lock{"store.U"};
lockdep::mutex sig_lock{"store.S"};
std::atomic<int> circular{0}, other{0};

void sig_noop(int) {}
void sig_take_lock(int) { std::lock_guard<lockdep::mutex> g(sig_lock); }

template <class M1, class M2>
void nest(M1& outer, M2& inner) {
  std::lock_guard<M1> g1(outer);
  std::lock_guard<M2> g2(inner);
}

// Never freed (a registered key must outlive its classes, a lock its use),
// and kept reachable from a global so that LeakSanitizer does not count it.
template <class T>
T& kept(T* p) {
  static auto* all = new std::vector<void*>;  // not destroyed before LeakSanitizer's exit check
  all->push_back(p);
  return *p;
}

// Dependencies w<id>.0 -> w<id>.1 -> ... -> w<id>.n, between dynamic keys.
void chain_of(const std::string& id, long n, bool slow) {
  auto& names = kept(new std::deque<std::string>);
  auto& keys = kept(new std::deque<lockdep::lock_class_key>);
  auto& locks = kept(new std::deque<lockdep::mutex>);
  for (long k = 0; n < 0 || k <= n; ++k) {
    keys.emplace_back(names.emplace_back("w" + id + "." + std::to_string(k)).c_str());
    lockdep::register_key(keys.back());
    locks.emplace_back(keys.back());
    if (k > 0) nest(locks[locks.size() - 2], locks.back());
    if (slow) usleep(200);
  }
}

lockdep::spinlock* spinlock_named(const std::string& n) {
  if (n == "irq") return &irq_lock;
  if (n == "M") return &middle_lock;
  if (n == "U") return &unsafe_lock;
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  lockdep::set_report_callback([](const lockdep::report& r) {
    (r.kind == lockdep::report_kind::circular_dependency ? circular : other).fetch_add(1);
  });
  const std::string mode = argv[1];
  if (mode == "ab") nest(a, b);
  else if (mode == "ba") nest(b, a);
  else if (mode == "reset_ba") {
    nest(a, a_sibling);  // a dependency of this process's own, before the reset
    if (!lockdep::reset()) return 3;
    nest(b, a);
  }
  else if (mode == "key_ab") nest(kept(new lockdep::mutex(LOCKDEP_CLASS("store.key.A"))), kept(new lockdep::mutex(LOCKDEP_CLASS("store.key.B"))));
  else if (mode == "key_ba") nest(kept(new lockdep::mutex(LOCKDEP_CLASS("store.key.B"))), kept(new lockdep::mutex(LOCKDEP_CLASS("store.key.A"))));
  else if (mode == "writer" && argc == 4) chain_of(argv[2], std::atol(argv[3]), false);
  else if (mode == "forever" && argc == 3) chain_of(argv[2], -1, true);
  else if (mode == "in_irq") {
    lockdep::hardirq_enter();
    { std::lock_guard<lockdep::spinlock> g(irq_lock); }
    lockdep::hardirq_exit();
  } else if (mode == "irqs_on") {
    std::lock_guard<lockdep::spinlock> g(irq_lock);
  } else if (mode == "nest_irqs_off" && argc == 4) {
    lockdep::irq_disabled_scope off;
    nest(*spinlock_named(argv[2]), *spinlock_named(argv[3]));
  } else if (mode == "take_irqs_on" && argc == 3) {
    std::lock_guard<lockdep::spinlock> g(*spinlock_named(argv[2]));
  } else if (mode == "sig_handler" && argc == 3) {
    const int sig = std::atoi(argv[2]);
    if (lockdep::install_signal_handler(sig, &sig_take_lock) != 0) return 4;
    raise(sig);  // delivered before raise returns, SIG blocked in the handler
  } else if ((mode == "sig_take" || mode == "sig_take_blocked") && argc == 3) {
    const int sig = std::atoi(argv[2]);
    if (lockdep::install_signal_handler(sig, &sig_noop) != 0) return 4;
    sigset_t set;
    sigemptyset(&set);
    if (mode == "sig_take_blocked") sigaddset(&set, sig);
    lockdep::signals_blocked_scope blocked(set);
    std::lock_guard<lockdep::mutex> g(sig_lock);
  } else if (mode == "fork_ba") {
    const pid_t pid = fork();
    if (pid == 0) {
      nest(b, a);
      lockdep::flush_reports();
      std::printf("child circular=%d\n", circular.load());
      std::fflush(stdout);
      std::exit(0);  // exit, not _exit: the child's batch is written at exit
    }
    int status = 0;
    waitpid(pid, &status, 0);
  } else if (mode == "anonymous") {
    auto* keys = &kept(new lockdep::lock_class_key[2]);
    lockdep::register_key(keys[0]);
    lockdep::register_key(keys[1]);
    nest(kept(new lockdep::mutex(keys[0])), kept(new lockdep::mutex(keys[1])));
  }
  else return 2;
  lockdep::flush_reports();
  std::printf("circular=%d other=%d\n", circular.load(), other.load());
  return 0;
}
