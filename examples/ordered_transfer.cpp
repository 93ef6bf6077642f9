// Transfers between accounts that lock both accounts lowest address first,
// with that order told to lockdep (lockdep/ordered.hpp, the kernel's
// lock_set_cmp_fn). Every account's mutex is one class (`account::mu`), so
// without the comparison lockdep would report the first transfer as
// possible recursive locking (see examples/same_class_inversion.cpp). With
// it, transfers in address order are silent, whichever accounts and
// threads; one written the naive way ("from, then to") is reported the
// first time it goes against the order, with the comparison's result:
//
//   WARNING: possible recursive locking detected
//   ...
//   but task is already holding lock:
//   ... (account::mu){+.+.}-{3:3}, at: naive_transfer(...) ...
//       account 2
//   and the lock comparison function returns 1:
//
// Exit status: 0 when exactly that one report was printed.
#include <array>
#include <cstdio>
#include <functional>
#include <mutex>
#include <thread>

#include "lockdep/lockdep.hpp"

struct account_mutex : lockdep::mutex {
  explicit account_mutex(int account_id) : lockdep::mutex("account::mu"), id(account_id) {}
  int id;  // for reports
};

struct account {
  explicit account(int id) : mu(id) {}
  account_mutex mu;
  long balance = 100;
};

void print_account(const void* lock, char* out, std::size_t size) {
  std::snprintf(out, size, "account %d", static_cast<const account_mutex*>(lock)->id);
}

void transfer(account& from, account& to, long amount) {
  const bool from_first = std::less<account*>{}(&from, &to);
  std::lock_guard<lockdep::mutex> first(from_first ? from.mu : to.mu);
  std::lock_guard<lockdep::mutex> second(from_first ? to.mu : from.mu);  // in order: silent
  from.balance -= amount;
  to.balance += amount;
}

void naive_transfer(account& from, account& to, long amount) {
  std::lock_guard<lockdep::mutex> first(from.mu);
  std::lock_guard<lockdep::mutex> second(to.mu);  // against the order when &to < &from
  from.balance -= amount;
  to.balance += amount;
}

int main() {
  std::array<account, 3> accounts{account{0}, account{1}, account{2}};
  lockdep::set_lock_cmp_fn(accounts[0].mu, lockdep::by_address, print_account);
  std::thread worker([&] {
    for (account& from : accounts)
      for (account& to : accounts)
        if (&from != &to) transfer(from, to, 1);
  });
  worker.join();
  if (lockdep::get_statistics().reports != 0) return 1;
  naive_transfer(accounts[0], accounts[2], 1);  // in order by luck: silent
  naive_transfer(accounts[2], accounts[0], 1);  // reported
  return lockdep::get_statistics().reports == 1 ? 0 : 1;
}
