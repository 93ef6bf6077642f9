// Built by scripts/check-consumer.sh with nothing but
// `pkg-config --cflags --libs lockdep`: the flags must compile, carry
// LOCKDEP_ENABLED, and link a program whose lock inversion is reported.
#include <cstdio>

#include "lockdep/lockdep.hpp"

#ifndef LOCKDEP_ENABLED
#error "pkg-config --cflags lockdep must define LOCKDEP_ENABLED"
#endif

int main() {
  lockdep::options o = lockdep::get_options();
  o.print_reports = false;
  lockdep::set_options(o);
  lockdep::mutex first{"pc_first"};
  lockdep::mutex second{"pc_second"};
  first.lock();
  second.lock();
  second.unlock();
  first.unlock();
  second.lock();
  first.lock();  // second -> first closes a cycle: one report
  first.unlock();
  second.unlock();
  const auto reports = lockdep::get_statistics().reports;
  if (LOCKDEP_ENABLED && reports != 1) {
    std::fprintf(stderr, "pkg-config consumer: expected 1 report, got %llu\n",
                 static_cast<unsigned long long>(reports));
    return 1;
  }
  std::printf("pkg-config consumer: ok (%llu report)\n", static_cast<unsigned long long>(reports));
  return 0;
}
