// Port of the kernel self-test's irq-context cases (kernel-lockdep.md §5.3).
//
// Each case is two or three events, run in every order, in a hardirq and a
// softirq flavour, with the lock under test being a spinlock ("spin"), an
// rwlock taken for write ("wlock") or an rwlock taken as a recursive reader
// ("rlock"). The expectation follows the self-test: spin and wlock must get a
// report, rlock must stay silent (a recursive reader may be taken in an
// interrupt and with interrupts on). Where the reference says which report
// fires, that depends on the event that completes the pattern:
//   * both bits end up on one class         -> inconsistent lock state;
//   * a usage bit is added to a class that is already linked to the other
//     end                                    -> irq lock inversion;
//   * the edge between two classes that already have their usages is added
//     last                                   -> safe -> unsafe.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "support/report_capture.hpp"

namespace {

using lockdep::report_kind;

enum class flavour { hard, soft };
enum class prim { spin, wlock, rlock };

const char* name_of(flavour f) { return f == flavour::hard ? "hard" : "soft"; }
const char* name_of(prim p) { return p == prim::spin ? "spin" : p == prim::wlock ? "wlock" : "rlock"; }

// The self-test's IRQ_ENTER/EXIT/DISABLE/ENABLE for one flavour. The
// softirq flavour enters as the kernel's test does: bh off, irqs off, then
// softirq context.
struct irq_ops {
  flavour f;
  void enter() const {
    if (f == flavour::hard) {
      lockdep::hardirq_enter();
    } else {
      lockdep::local_bh_disable();
      lockdep::local_irq_disable();
      lockdep::softirq_enter();
    }
  }
  void exit() const {
    if (f == flavour::hard) {
      lockdep::hardirq_exit();
    } else {
      lockdep::softirq_exit();
      lockdep::local_irq_enable();
      lockdep::local_bh_enable();
    }
  }
  void disable() const { f == flavour::hard ? lockdep::local_irq_disable() : lockdep::local_bh_disable(); }
  void enable() const { f == flavour::hard ? lockdep::local_irq_enable() : lockdep::local_bh_enable(); }
};

// Keys with static storage: the classes are A, B, per primitive. Each test
// case starts from a reset graph, so cases never see each other's classes.
lockdep::lock_class_key spin_a_key{"A"}, spin_b_key{"B"};
lockdep::lock_class_key rw_a_key{"A"}, rw_b_key{"B"};

// One lock of the class under test, locked as `p` says.
class subject {
 public:
  subject(prim p, lockdep::lock_class_key& spin_key, lockdep::lock_class_key& rw_key)
      : p_(p), spin_(spin_key), rw_(rw_key) {}
  void lock() {
    if (p_ == prim::spin) spin_.lock();
    else if (p_ == prim::wlock) rw_.lock();
    else rw_.lock_shared();
  }
  void unlock() {
    if (p_ == prim::spin) spin_.unlock();
    else if (p_ == prim::wlock) rw_.unlock();
    else rw_.unlock_shared();
  }
  // Always-rwlock access (cases where A is an rwlock whatever is tested).
  void wl() { rw_.lock(); }
  void wu() { rw_.unlock(); }
  void rl() { rw_.lock_shared(); }
  void ru() { rw_.unlock_shared(); }

 private:
  prim p_;
  lockdep::spinlock spin_;
  lockdep::rwlock rw_;
};

struct world {
  irq_ops irq;
  subject a, b;
  world(flavour f, prim p) : irq{f}, a(p, spin_a_key, rw_a_key), b(p, spin_b_key, rw_b_key) {}
};

using event = std::function<void(world&)>;

// What a case expects for a given primitive and order (nullopt: silent).
using expectation = std::function<std::optional<report_kind>(prim, const std::vector<int>& order)>;

struct irq_case {
  std::string name;
  std::vector<flavour> flavours;
  std::vector<prim> prims;
  std::vector<event> events;
  expectation expect;
};

// spin and wlock report `k` in every order; rlock is silent.
expectation always(report_kind k) {
  return [k](prim p, const std::vector<int>&) -> std::optional<report_kind> {
    if (p == prim::rlock) return std::nullopt;
    return k;
  };
}

// The event that adds the A -> B edge (index `edge_event`) completes the
// pattern when it runs last: safe -> unsafe; otherwise a usage bit added
// later completes it: irq lock inversion.
expectation edge_last_is_safe_to_unsafe(int edge_event) {
  return [edge_event](prim p, const std::vector<int>& order) -> std::optional<report_kind> {
    if (p == prim::rlock) return std::nullopt;
    return order.back() == edge_event ? report_kind::irq_safe_to_unsafe : report_kind::irq_lock_inversion;
  };
}

std::vector<irq_case> all_cases() {
  const std::vector<flavour> both = {flavour::hard, flavour::soft};
  const std::vector<prim> three = {prim::spin, prim::wlock, prim::rlock};
  const std::vector<prim> rw_only = {prim::wlock, prim::rlock};
  std::vector<irq_case> cases;

  // irqs-on + irq-safe-A
  cases.push_back({"irqsafe1", both, three,
                   {[](world& w) { w.irq.enter(); w.a.lock(); w.a.unlock(); w.irq.exit(); },
                    [](world& w) { w.a.lock(); w.a.unlock(); }},
                   always(report_kind::inconsistent_lock_state)});

  // sirq-safe-A => hirqs-on: hardirqs come back on while a softirq-safe lock
  // is held (which also means softirqs are on).
  cases.push_back({"irqsafe2A", {flavour::soft}, three,
                   {[](world& w) { w.irq.enter(); w.a.lock(); w.a.unlock(); w.irq.exit(); },
                    [](world& w) {
                      lockdep::local_irq_disable();
                      w.a.lock();
                      lockdep::local_irq_enable();
                      w.a.unlock();
                    }},
                   always(report_kind::inconsistent_lock_state)});

  // safe-A + irqs-on
  cases.push_back({"irqsafe2B", both, three,
                   {[](world& w) { w.irq.enter(); w.a.lock(); w.a.unlock(); w.irq.exit(); },
                    [](world& w) {
                      w.irq.disable();
                      w.a.lock();
                      w.irq.enable();
                      w.a.unlock();
                    }},
                   always(report_kind::inconsistent_lock_state)});

  // safe-A + unsafe-B #1: A itself ends up both safe and unsafe.
  cases.push_back({"irqsafe3", both, three,
                   {[](world& w) { w.a.lock(); w.b.lock(); w.b.unlock(); w.a.unlock(); },
                    [](world& w) { w.b.lock(); w.b.unlock(); },
                    [](world& w) { w.irq.enter(); w.a.lock(); w.a.unlock(); w.irq.exit(); }},
                   always(report_kind::inconsistent_lock_state)});

  // safe-A + unsafe-B #2: the edge A -> B is made with irqs off.
  cases.push_back({"irqsafe4", both, three,
                   {[](world& w) {
                      w.irq.disable();
                      w.a.lock();
                      w.b.lock();
                      w.b.unlock();
                      w.a.unlock();
                      w.irq.enable();
                    },
                    [](world& w) { w.b.lock(); w.b.unlock(); },
                    [](world& w) { w.irq.enter(); w.a.lock(); w.a.unlock(); w.irq.exit(); }},
                   edge_last_is_safe_to_unsafe(0)});

  // irq lock-inversion: A is always an rwlock, read in the interrupt; B is
  // the primitive under test. A's read in irq waits only for a writer, and
  // the path leaves A as a writer, so B's irqs-on use matters unless B is
  // itself entered as a recursive reader.
  cases.push_back({"irq_inversion", both, three,
                   {[](world& w) {
                      w.irq.disable();
                      w.a.wl();
                      w.b.lock();
                      w.b.unlock();
                      w.a.wu();
                      w.irq.enable();
                    },
                    [](world& w) { w.b.lock(); w.b.unlock(); },
                    [](world& w) { w.irq.enter(); w.a.rl(); w.a.ru(); w.irq.exit(); }},
                   edge_last_is_safe_to_unsafe(0)});

  // irq read-recursion #1: A written with irqs off, read with irqs on, then
  // LOCK(A) (write or recursive read) in the interrupt with B under it.
  // B is taken for write (exclusive, like the self-test's L(B)).
  cases.push_back({"irq_read_recursion", both, rw_only,
                   {[](world& w) { w.irq.disable(); w.a.wl(); w.a.wu(); w.irq.enable(); },
                    [](world& w) { w.a.rl(); w.a.ru(); },
                    [](world& w) {
                      w.irq.enter();
                      w.a.lock();
                      w.b.wl();
                      w.b.wu();
                      w.a.unlock();
                      w.irq.exit();
                    }},
                   always(report_kind::inconsistent_lock_state)});

  // irq read-recursion #2: B -> A (A taken as LOCK) with irqs off, A read
  // with irqs on, B taken in the interrupt.
  cases.push_back({"irq_read_recursion2", both, rw_only,
                   {[](world& w) {
                      w.irq.disable();
                      w.b.wl();
                      w.a.lock();
                      w.a.unlock();
                      w.b.wu();
                      w.irq.enable();
                    },
                    [](world& w) { w.a.rl(); w.a.ru(); },
                    [](world& w) { w.irq.enter(); w.b.wl(); w.b.wu(); w.irq.exit(); }},
                   edge_last_is_safe_to_unsafe(0)});

  // irq read-recursion #3: as #2, but B is read (recursively) in the
  // interrupt and written on the path B -> A.
  cases.push_back({"irq_read_recursion3", both, rw_only,
                   {[](world& w) {
                      w.irq.disable();
                      w.b.wl();
                      w.a.lock();
                      w.a.unlock();
                      w.b.wu();
                      w.irq.enable();
                    },
                    [](world& w) { w.a.rl(); w.a.ru(); },
                    [](world& w) { w.irq.enter(); w.b.rl(); w.b.ru(); w.irq.exit(); }},
                   edge_last_is_safe_to_unsafe(0)});
  return cases;
}

struct run_spec {
  const irq_case* c;
  flavour f;
  prim p;
  std::vector<int> order;
};

std::string spec_name(const run_spec& s) {
  std::string n = s.c->name + "_" + name_of(s.f) + "_" + name_of(s.p) + "_";
  for (int i : s.order) n += std::to_string(i + 1);
  return n;
}

const std::vector<irq_case>& cases() {
  static const std::vector<irq_case> c = all_cases();
  return c;
}

std::vector<run_spec> all_specs() {
  std::vector<run_spec> specs;
  for (const irq_case& c : cases()) {
    for (flavour f : c.flavours) {
      for (prim p : c.prims) {
        std::vector<int> order(c.events.size());
        for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
        do specs.push_back({&c, f, p, order});
        while (std::next_permutation(order.begin(), order.end()));
      }
    }
  }
  return specs;
}

void PrintTo(const run_spec& s, std::ostream* os) { *os << spec_name(s); }

class IrqSelftest : public ::testing::TestWithParam<run_spec> {};

TEST_P(IrqSelftest, ExpectedOutcome) {
  const run_spec& s = GetParam();
  lockdep_test::report_capture cap;
  {
    world w(s.f, s.p);
    for (int e : s.order) s.c->events[static_cast<std::size_t>(e)](w);
  }
  const auto reports = cap.reports();
  const std::optional<report_kind> want = s.c->expect(s.p, s.order);
  if (!want) {
    EXPECT_TRUE(reports.empty()) << "unexpected report:\n" << reports.front().text;
    return;
  }
  ASSERT_FALSE(reports.empty()) << "expected " << lockdep::to_string(*want) << ", got no report";
  EXPECT_EQ(reports.front().kind, *want) << reports.front().text;
  // The report is about the self-test's classes, and the state named
  // matches the flavour.
  ASSERT_FALSE(reports.front().classes.empty());
  const std::string& n = reports.front().classes[0].name;
  EXPECT_TRUE(n == "A" || n == "B") << n;
  const char* state = s.f == flavour::hard ? "HARDIRQ" : "SOFTIRQ";
  EXPECT_NE(reports.front().text.find(state), std::string::npos) << reports.front().text;
  for (const auto& r : reports) EXPECT_NE(r.kind, report_kind::bad_irq_state) << r.text;
}

INSTANTIATE_TEST_SUITE_P(Permutations, IrqSelftest, ::testing::ValuesIn(all_specs()),
                         [](const ::testing::TestParamInfo<run_spec>& i) { return spec_name(i.param); });

// hardirq_unsafe_softirq_safe: a softirq-safe lock that is hardirq-unsafe
// (taken in softirq with hardirqs on) is harmless at the end of a chain from a
// softirq-unsafe lock, but the chain from a hardirq-safe lock to a
// hardirq-unsafe one is the real deadlock and must be reported as such.
TEST(IrqSelftestMisc, HardirqUnsafeSoftirqSafe) {
  lockdep_test::report_capture cap;
  lockdep::mutex mutex_a{"mutex_A"};
  lockdep::spinlock lock_a{"lock_A"};
  lockdep::spinlock lock_b{"lock_B"};
  lockdep::spinlock lock_c{"lock_C"};
  lockdep::spinlock lock_d{"lock_D"};
  {
    lockdep::softirq_scope soft;  // hardirqs stay on: D is {+.-.}
    lock_d.lock();
    lock_d.unlock();
  }
  mutex_a.lock();  // softirq-unsafe -> C -> D (softirq-safe): harmless
  lockdep::spin_lock_bh(lock_c);
  lock_d.lock();
  lock_d.unlock();
  lockdep::spin_unlock_bh(lock_c);
  mutex_a.unlock();
  EXPECT_EQ(cap.count(), 0u) << cap.first().text;

  {
    lockdep::hardirq_scope hard;  // A and B become hardirq-safe
    lock_a.lock();
    lock_b.lock();
    lock_b.unlock();
    lock_a.unlock();
  }
  lockdep::local_irq_disable();
  lock_b.lock();
  lock_c.lock();  // B (hardirq-safe) -> C (hardirq-unsafe)
  lock_c.unlock();
  lock_b.unlock();
  lockdep::local_irq_enable();

  const auto reports = cap.reports();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].kind, report_kind::irq_safe_to_unsafe);
  EXPECT_EQ(reports[0].header, "WARNING: HARDIRQ-safe -> HARDIRQ-unsafe lock order detected");
  ASSERT_EQ(reports[0].classes.size(), 4u);
  const std::string& safe = reports[0].classes[2].name;  // B itself or A behind it
  EXPECT_TRUE(safe == "lock_A" || safe == "lock_B") << safe;
  EXPECT_EQ(reports[0].classes[3].name, "lock_C");
}

}  // namespace
