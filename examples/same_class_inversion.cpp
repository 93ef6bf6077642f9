// Two objects of one type, locked "from, then to": the classic bank-transfer
// deadlock. transfer(x, y) on one thread and transfer(y, x) on another
// deadlock when they overlap; here they run one after the other, so the
// program never hangs, and lockdep still reports the problem.
//
// What lockdep reports, and when: every account's mutex belongs to ONE class
// (`account::mu`, the member's construction site), so the very first
// transfer(x, y) nests a lock of that class inside a lock of the same class:
// "possible recursive locking detected", exactly what the kernel prints for
// same-class nesting without an annotation. It needs no second call, no
// second thread and no overlap: the order of *classes* is checked, and
// within one class there is no order unless the code states one.
//
// Why instance-based detectors (TSan's deadlock detector, Abseil's
// absl::Mutex detector) do not give this: they build a graph of lock
// *instances*. The first transfer(x, y) shows them only x -> y, which is
// fine. They can flag the inversion only once the opposite order is seen on
// the SAME two objects; when the two orders hit different objects (another
// pair of accounts, another test with its own accounts, another run), they
// never see a cycle, while lockdep, reasoning about the class, reports at
// the first nested acquisition whatever the objects are.
//
// The fix (either makes lockdep silent, and correct):
//   1. Take the two locks in one global order and tell lockdep it is
//      deliberate with a subclass:
//        account& first = &from < &to ? from : to;
//        account& second = &from < &to ? to : from;
//        std::lock_guard<lockdep::mutex> g1(first.mu);
//        second.mu.lock_nested(1);  // subclass 1: "the second account"
//        std::lock_guard<lockdep::mutex> g2(second.mu, std::adopt_lock);
//   2. Or let std::scoped_lock(from.mu, to.mu) take both: std::lock backs
//      off with try_lock instead of waiting while holding, so no order is
//      established (lockdep sees the second lock as a trylock).
//   3. Or take them lowest address first and tell lockdep that order:
//      lockdep::set_lock_cmp_fn(x.mu, lockdep::by_address) (see
//      examples/ordered_transfer.cpp).
//
// Exit status: 0 when exactly one report was printed (the second transfer
// repeats the same problem, which lockdep prints only once).
#include <mutex>
#include <thread>

#include "lockdep/lockdep.hpp"

struct account {
  lockdep::mutex mu{"account::mu"};  // one class for every account
  long balance = 100;
};

void transfer(account& from, account& to, long amount) {
  std::lock_guard<lockdep::mutex> lock_from(from.mu);
  std::lock_guard<lockdep::mutex> lock_to(to.mu);  // same class as lock_from: reported
  from.balance -= amount;
  to.balance += amount;
}

int main() {
  account x, y;
  std::thread first([&] { transfer(x, y, 10); });
  first.join();  // never overlaps with the second thread: no real deadlock
  std::thread second([&] { transfer(y, x, 5); });
  second.join();
  const bool balances_ok = x.balance == 95 && y.balance == 105;
  return balances_ok && lockdep::get_statistics().reports == 1 ? 0 : 1;
}
