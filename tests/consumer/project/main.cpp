// A user program: two locks taken in both orders must produce exactly one
// circular-dependency report naming both classes, delivered to a callback.
#include <cstdio>
#include <mutex>
#include <string>

#include "lockdep/lockdep.hpp"

// Built also by a project that sets no standard: the lockdep targets must
// have raised it to C++20.
static_assert(__cplusplus >= 202002L, "lockdep's targets carry cxx_std_20");

int main() {
  int reports = 0;
  bool names_ok = false;
  lockdep::set_report_callback([&](const lockdep::report& r) {
    ++reports;
    if (r.kind != lockdep::report_kind::circular_dependency || r.classes.size() < 2) return;
    const std::string a = r.classes[0].name, b = r.classes[1].name;
    names_ok = (a == "consumer_a" && b == "consumer_b") || (a == "consumer_b" && b == "consumer_a");
  });
  lockdep::options quiet = lockdep::get_options();
  quiet.print_reports = false;
  lockdep::set_options(quiet);

  lockdep::mutex a{"consumer_a"};
  lockdep::mutex b{"consumer_b"};
  {
    std::lock_guard<lockdep::mutex> ga(a);
    std::lock_guard<lockdep::mutex> gb(b);
  }
  {
    std::lock_guard<lockdep::mutex> gb(b);
    std::lock_guard<lockdep::mutex> ga(a);
  }
  if (reports != 1 || !names_ok) {
    std::fprintf(stderr, "consumer: expected one circular report on consumer_a/consumer_b, got %d\n", reports);
    return 1;
  }
  std::printf("consumer: lockdep reported the inversion\n");
  return 0;
}
