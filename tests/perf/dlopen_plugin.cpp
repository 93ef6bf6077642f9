// A plugin linked against liblockdep.so, for the dlopen test: loading it
// loads liblockdep.so (with its initial-exec TLS slot) into a running
// process that never linked lockdep.
#include <mutex>

#include "lockdep/lockdep.hpp"

namespace {
int circular_reports = 0;
}

// Inverts two locks; returns how many circular-dependency reports arrived.
extern "C" __attribute__((visibility("default"))) int lockdep_plugin_invert() {
  lockdep::options o = lockdep::get_options();
  o.print_reports = false;
  lockdep::set_options(o);
  lockdep::set_report_callback([](const lockdep::report& r) {
    if (r.kind == lockdep::report_kind::circular_dependency) ++circular_reports;
  });
  static lockdep::mutex a{"plugin_a"};
  static lockdep::mutex b{"plugin_b"};
  {
    std::lock_guard ga(a);
    std::lock_guard gb(b);
  }
  {
    std::lock_guard gb(b);
    std::lock_guard ga(a);
  }
  lockdep::flush_reports();
  return circular_reports;
}

// Warm locking from any thread; returns the number of cold-path entries it caused.
extern "C" __attribute__((visibility("default"))) long lockdep_plugin_lock_loop(int n) {
  static lockdep::mutex c{"plugin_c"};
  const auto before = lockdep::get_statistics().cold_path_entries;
  for (int i = 0; i < n; ++i) {
    std::lock_guard g(c);
  }
  return static_cast<long>(lockdep::get_statistics().cold_path_entries - before);
}
