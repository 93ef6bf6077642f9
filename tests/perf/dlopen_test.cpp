// dlopen of liblockdep.so (through a plugin that links it): its TLS slot is
// initial-exec, which a dlopen'ed library may use only because it is a few
// bytes of the static TLS surplus; threads that existed before the dlopen
// must get it too. This binary does not link lockdep itself.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <thread>

namespace {

using invert_fn = int (*)();
using loop_fn = long (*)(int);

TEST(Dlopen, SharedLibraryLoadsAndValidates) {
  // A thread that exists before the library is loaded.
  std::mutex mu;
  std::condition_variable cv;
  bool loaded = false;
  long early_thread_cold = -1;
  loop_fn loop = nullptr;
  std::thread early([&] {
    std::unique_lock l(mu);
    cv.wait(l, [&] { return loaded; });
    early_thread_cold = loop(1000);
  });

  void* plugin = dlopen(LOCKDEP_DLOPEN_PLUGIN, RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(plugin, nullptr) << dlerror();
  auto invert = reinterpret_cast<invert_fn>(dlsym(plugin, "lockdep_plugin_invert"));
  loop = reinterpret_cast<loop_fn>(dlsym(plugin, "lockdep_plugin_lock_loop"));
  ASSERT_NE(invert, nullptr);
  ASSERT_NE(loop, nullptr);
  EXPECT_EQ(invert(), 1);
  EXPECT_LE(loop(1000), 1);  // the first acquisition may be cold, no other
  {
    std::lock_guard l(mu);
    loaded = true;
  }
  cv.notify_all();
  early.join();
  // The plugin's class was validated by now: the early thread ran warm.
  EXPECT_EQ(early_thread_cold, 0);
  // liblockdep.so stays loaded (threads' key destructors point into it).
}

}  // namespace
