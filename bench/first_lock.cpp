// The cost of a program's first lock constructions (issue 13, #16's "load no
// debug information before the first report"): an unnamed lock's class is
// its construction site and its call's rank among the calls of the code it
// sits in (lib/core/member_sites.hpp). Run one shape per process under
// callgrind and compare with `none`:
//
//   valgrind --tool=callgrind build/default/bench/lockdep_first_lock static
//
//   none     no lock (the baseline: start and exit)
//   static   a function-local static object with one lock member
//   pair     an object with two lock members, inlined into its user
//   two      two such objects built on two lines of one function (heap,
//            adjacent: the second lies just above the first)
#include <cstdio>
#include <cstring>
#include <memory>

#include "lockdep/lockdep.hpp"

namespace {

struct one_lock {
  lockdep::mutex mu;
  int value = 0;
};
struct two_locks {
  lockdep::mutex balance_mu;
  lockdep::mutex audit_mu;
};

__attribute__((noinline)) int first_static() {
  static one_lock shared;
  std::lock_guard<lockdep::mutex> g(shared.mu);
  return ++shared.value;
}

__attribute__((noinline)) bool pair() {
  auto p = std::make_unique<two_locks>();
  return p->balance_mu.lockdep_map().key() != p->audit_mu.lockdep_map().key();
}

__attribute__((noinline)) bool two() {
  auto x = std::make_unique<two_locks>();
  auto y = std::make_unique<two_locks>();
  return x->balance_mu.lockdep_map().key() == y->balance_mu.lockdep_map().key() &&
         x->audit_mu.lockdep_map().key() == y->audit_mu.lockdep_map().key();
}

}  // namespace

int main(int argc, char** argv) {
  const char* shape = argc > 1 ? argv[1] : "none";
  if (!std::strcmp(shape, "static")) return first_static() == 1 ? 0 : 1;
  if (!std::strcmp(shape, "pair")) return pair() ? 0 : 1;
  if (!std::strcmp(shape, "two")) return two() ? 0 : 1;
  if (!std::strcmp(shape, "none")) return 0;
  std::fprintf(stderr, "usage: %s [none|static|pair|two]\n", argv[0]);
  return 2;
}
