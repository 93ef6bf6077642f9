// libFuzzer target: arbitrary sequences of annotation-API calls on lock_maps
// (never real locks), valid or not - double release, release of a lock never
// taken, destroyed maps, bad subclasses, unbalanced irq calls, unregistered
// keys, re-classing held locks. lockdep must neither crash nor trip a
// sanitizer, and must leave a state that the next input can reset.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <vector>

#include "lockdep/lockdep.hpp"

namespace {

constexpr int k_maps = 8;

lockdep::lock_class_key g_static_keys[4] = {lockdep::lock_class_key{"fz0"}, lockdep::lock_class_key{"fz1"},
                                            lockdep::lock_class_key{"fz2"}, lockdep::lock_class_key{"fz3"}};
lockdep::lock_class_key g_dynamic_keys[2] = {lockdep::lock_class_key{"fzdyn0"}, lockdep::lock_class_key{"fzdyn1"}};
bool g_dynamic_registered[2] = {};

alignas(lockdep::lock_map) unsigned char g_storage[k_maps][sizeof(lockdep::lock_map)];
bool g_alive[k_maps] = {};

lockdep::lock_map& map(int i) { return *std::launder(reinterpret_cast<lockdep::lock_map*>(g_storage[i])); }

void construct(int i, std::uint8_t how) {
  const auto inner = static_cast<lockdep::wait_type>(how & 3);
  const auto outer = static_cast<lockdep::wait_type>((how >> 2) & 3);
  const auto chk = (how & 16) ? lockdep::check::track_only : lockdep::check::full;
  if (i >= 6) {
    new (g_storage[i]) lockdep::lock_map(g_dynamic_keys[i - 6], inner, outer, chk);
  } else {
    new (g_storage[i]) lockdep::lock_map(g_static_keys[i % 4], inner, outer, chk);
  }
  g_alive[i] = true;
}

struct cursor {
  const std::uint8_t* p;
  std::size_t n;
  std::uint8_t next() {
    if (!n) return 0;
    --n;
    return *p++;
  }
};

// Bring the thread back to a clean state: no context, nothing held, irqs on.
void wind_down(std::vector<std::unique_ptr<lockdep::validation_off>>& offs) {
  offs.clear();
  for (int i = 0; i < 64 && lockdep::in_irq_context(); ++i) {
    if (lockdep::in_hardirq()) lockdep::hardirq_exit();
    if (lockdep::in_softirq()) lockdep::softirq_exit();
  }
  for (int i = 0; i < k_maps; ++i) {
    if (!g_alive[i]) construct(i, 3);
    for (int n = 0; n < 200 && lockdep::is_held(map(i)); ++n)
      if (!lockdep::lock_release(map(i))) break;
  }
  if (!lockdep::hardirqs_enabled()) lockdep::local_irq_enable();
  for (int n = 0; n < 300 && !lockdep::softirqs_enabled(); ++n) lockdep::local_bh_enable();
  lockdep::reset();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  lockdep::options o = lockdep::get_options();
  o.print_reports = false;
  o.stacktrace = false;
  o.halt_on_error = false;
  lockdep::set_options(o);
  lockdep::set_report_callback([](const lockdep::report& r) {
    // Touch the structured data so the report building is exercised.
    volatile std::size_t sink = r.text.size() + r.classes.size() + r.held_locks.size();
    (void)sink;
  });
  for (auto& k : g_dynamic_keys) lockdep::register_key(k);
  g_dynamic_registered[0] = g_dynamic_registered[1] = true;
  for (int i = 0; i < k_maps; ++i) construct(i, 3);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  cursor in{data, size};
  std::vector<std::unique_ptr<lockdep::validation_off>> offs;
  for (int steps = 0; in.n && steps < 4096; ++steps) {
    const std::uint8_t op = in.next();
    const std::uint8_t arg = in.next();
    const int i = arg % k_maps;
    lockdep::lock_map& m = map(i);
    switch (op % 24) {
      case 0: case 1: case 2: case 3: case 4:
        lockdep::lock_acquire(m, static_cast<lockdep::read_mode>((arg >> 3) % 3), (arg >> 5) & 1);
        break;
      case 5: case 6: case 7: case 8: lockdep::lock_release(m); break;
      case 9: lockdep::lock_acquire(m, lockdep::read_mode::exclusive, false, static_cast<int>(in.next()) - 4); break;
      case 10: lockdep::lock_acquire(m, lockdep::read_mode::exclusive, false, -1, &map((arg >> 3) % k_maps)); break;
      case 11: lockdep::lock_acquire_failed(m); break;
      case 12: lockdep::might_lock(m, static_cast<lockdep::read_mode>((arg >> 3) % 3)); break;
      case 13:
        (void)lockdep::is_held(m, static_cast<int>((arg >> 3) % 4) - 1);
        lockdep::assert_held(m);
        break;
      case 14: lockdep::set_subclass(m, (arg >> 3) & 7); break;
      case 15: lockdep::set_class(m, g_static_keys[(arg >> 3) % 4], (arg >> 5) & 7); break;
      case 16:  // destroy (held or not, alive or not), then rebuild
        if (g_alive[i] || (arg & 0x80)) m.~lock_map();
        g_alive[i] = false;
        if (arg & 0x40) construct(i, in.next());
        break;
      case 17: if (!g_alive[i]) construct(i, in.next()); break;
      case 18: {
        const int k = (arg >> 3) & 1;
        if (g_dynamic_registered[k]) {
          g_dynamic_registered[k] = !lockdep::unregister_key(g_dynamic_keys[k]);
        } else {
          lockdep::register_key(g_dynamic_keys[k]);
          g_dynamic_registered[k] = true;
        }
        break;
      }
      case 19:
        switch ((arg >> 3) % 6) {
          case 0: lockdep::hardirq_enter(); break;
          case 1: lockdep::hardirq_exit(); break;
          case 2: lockdep::softirq_enter(); break;
          case 3: lockdep::softirq_exit(); break;
          case 4: lockdep::local_bh_disable(); break;
          default: lockdep::local_bh_enable(); break;
        }
        break;
      case 20:
        if (arg & 8) lockdep::local_irq_enable();
        else lockdep::local_irq_disable();
        break;
      case 21: lockdep::local_irq_restore(arg & 1); break;
      case 22:
        if (offs.size() < 4 && (arg & 8)) offs.push_back(std::make_unique<lockdep::validation_off>());
        else if (!offs.empty()) offs.pop_back();
        break;
      default:
        lockdep::assert_none_held();
        lockdep::assert_not_held(m);
        break;
    }
    if (!g_alive[i] && op % 24 != 16 && op % 24 != 17) construct(i, 3);
  }
  for (int k = 0; k < 2; ++k) {
    if (!g_dynamic_registered[k]) {
      lockdep::register_key(g_dynamic_keys[k]);
      g_dynamic_registered[k] = true;
    }
  }
  wind_down(offs);
  return 0;
}
