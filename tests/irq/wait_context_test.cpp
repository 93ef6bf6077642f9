// The wait-context matrix: which blocking acquisitions are invalid where.
//
// The rule (kernel-lockdep.md §3.9, with our levels none 0, free 1, spin 2,
// sleep 3) is written once, below, as a function; every row's expectation is
// derived from it rather than copied from the kernel's table:
//   an acquisition needs wait type `outer` (or `inner` when outer is 0);
//   the context allows the minimum of its own level (hardirq and softirq: spin;
//   process: anything) and the inner wait types of the locks held *in the
//   same context*; needing more than that is an invalid wait context.
//   Trylocks and locks of type 0 are not checked.
#include <gtest/gtest.h>

#include <algorithm>
#include <climits>
#include <functional>
#include <string>
#include <vector>

#include "support/report_capture.hpp"

namespace {

using lockdep::wait_type;

struct lock_kind {
  std::string name;
  int outer, inner;
  std::function<void()> lock, unlock, try_lock;
};

// One instance of each lock type, each its own class.
lockdep::lock_map rcu_map{"rcu_like", wait_type::spin, wait_type::free, lockdep::check::track_only};
lockdep::lock_map free_map{"free_section", wait_type::free};
lockdep::lock_map untyped_map{"untyped", wait_type::none};
lockdep::spinlock spin_held{"spin_held"};
lockdep::spinlock spin_taken{"spin_taken"};
lockdep::mutex mutex_held{"mutex_held"};
lockdep::mutex mutex_taken{"mutex_taken"};
lockdep::lock_map rcu_taken_map{"rcu_taken", wait_type::spin, wait_type::free, lockdep::check::track_only};

lock_kind rcu_like(lockdep::lock_map& m) {
  return {m.key()->name() ? m.key()->name() : "rcu", 1, 2,
          [&m] { lockdep::lock_acquire(m, lockdep::read_mode::shared_recursive); },
          [&m] { lockdep::lock_release(m); },
          [&m] { lockdep::lock_acquire(m, lockdep::read_mode::shared_recursive, true); }};
}
template <class L>
lock_kind real(const char* name, L& l, int inner) {
  return {name, 0, inner, [&l] { l.lock(); }, [&l] { l.unlock(); }, [&l] { EXPECT_TRUE(l.try_lock()); }};
}

// ---- the rule -----------------------------------------------------------------
enum class ctx { process, hardirq, softirq };

int context_level(ctx c) { return c == ctx::process ? INT_MAX : 2; }

// `held_inside`: the inner wait types of locks held in the acquiring context.
bool invalid_wait_context(ctx c, const std::vector<int>& held_inside, const lock_kind& next, bool trylock) {
  if (next.inner == 0 || trylock) return false;
  const int needs = next.outer ? next.outer : next.inner;
  int allowed = context_level(c);
  for (int inner : held_inside)
    if (inner) allowed = std::min(allowed, inner);
  return needs > allowed;
}

// ---- the matrix -----------------------------------------------------------------
// A context row: the irq context the acquisition runs in, locks held by the
// code it interrupted (outside) and locks held in it (inside).
struct row {
  std::string name;
  ctx c;
  std::vector<lock_kind> outside, inside;
};

std::vector<row> rows() {
  const lock_kind rcu = rcu_like(rcu_map);
  const lock_kind spin = real("spin_held", spin_held, 2);
  const lock_kind mtx = real("mutex_held", mutex_held, 3);
  const lock_kind free_section = {"free_section", 0, 1, [] { lockdep::lock_acquire(free_map); },
                                  [] { lockdep::lock_release(free_map); }, nullptr};
  return {
      {"process", ctx::process, {}, {}},
      {"hardirq", ctx::hardirq, {}, {}},
      {"softirq", ctx::softirq, {}, {}},
      {"under_rcu", ctx::process, {}, {rcu}},
      {"under_spinlock", ctx::process, {}, {spin}},
      {"under_mutex", ctx::process, {}, {mtx}},
      {"under_free_section", ctx::process, {}, {free_section}},
      {"hardirq_under_rcu", ctx::hardirq, {}, {rcu}},
      {"softirq_under_spinlock", ctx::softirq, {}, {spin}},
      // Locks of the interrupted code do not limit the interrupt.
      {"hardirq_interrupting_free_section", ctx::hardirq, {free_section}, {}},
      {"softirq_interrupting_spinlock", ctx::softirq, {spin}, {}},
  };
}

std::vector<lock_kind> inner_locks() {
  return {rcu_like(rcu_taken_map), real("spin_taken", spin_taken, 2), real("mutex_taken", mutex_taken, 3)};
}

void enter(ctx c) {
  if (c == ctx::hardirq) lockdep::hardirq_enter();
  if (c == ctx::softirq) lockdep::softirq_enter();
}
void leave(ctx c) {
  if (c == ctx::hardirq) lockdep::hardirq_exit();
  if (c == ctx::softirq) lockdep::softirq_exit();
}

struct cell {
  std::size_t row_index, lock_index;
  bool trylock;
};

std::string cell_name(const cell& c) {
  return rows()[c.row_index].name + "_" + inner_locks()[c.lock_index].name + (c.trylock ? "_trylock" : "");
}

std::vector<cell> all_cells() {
  std::vector<cell> out;
  for (std::size_t r = 0; r < rows().size(); ++r)
    for (std::size_t l = 0; l < inner_locks().size(); ++l)
      for (bool t : {false, true}) out.push_back({r, l, t});
  return out;
}

void PrintTo(const cell& c, std::ostream* os) { *os << cell_name(c); }

class WaitContextMatrix : public ::testing::TestWithParam<cell> {};

TEST_P(WaitContextMatrix, FollowsTheRule) {
  const row r = rows()[GetParam().row_index];
  const lock_kind next = inner_locks()[GetParam().lock_index];
  const bool trylock = GetParam().trylock;
  std::vector<int> held_inside;
  for (const auto& l : r.inside) held_inside.push_back(l.inner);
  const bool want = invalid_wait_context(r.c, held_inside, next, trylock);

  lockdep_test::report_capture cap;
  for (const auto& l : r.outside) l.lock();
  enter(r.c);
  for (const auto& l : r.inside) l.lock();
  trylock ? next.try_lock() : next.lock();
  next.unlock();
  for (auto it = r.inside.rbegin(); it != r.inside.rend(); ++it) it->unlock();
  leave(r.c);
  for (auto it = r.outside.rbegin(); it != r.outside.rend(); ++it) it->unlock();

  const std::size_t n = cap.count(lockdep::report_kind::invalid_wait_context);
  EXPECT_EQ(n, want ? 1u : 0u) << (cap.count() ? cap.first().text : std::string("(no report)"));
  if (want && n) {
    const lockdep::report rep = cap.first();
    ASSERT_FALSE(rep.classes.empty());
    EXPECT_EQ(rep.classes[0].name, next.name);
    EXPECT_EQ(rep.header, "[ BUG: Invalid wait context ]");
    EXPECT_NE(rep.text.find("context-{"), std::string::npos) << rep.text;
    EXPECT_EQ(rep.held_locks.size(), r.outside.size() + r.inside.size());
  }
}

INSTANTIATE_TEST_SUITE_P(Matrix, WaitContextMatrix, ::testing::ValuesIn(all_cells()),
                         [](const ::testing::TestParamInfo<cell>& i) { return cell_name(i.param); });

// The rule itself, on the rows that matter most (so a wrong rule function
// cannot make the matrix vacuous).
TEST(WaitContextRule, SleepingLockIsInvalidInIrqAndUnderSpinningLocks) {
  const lock_kind mtx = real("m", mutex_taken, 3);
  const lock_kind spin = real("s", spin_taken, 2);
  EXPECT_TRUE(invalid_wait_context(ctx::hardirq, {}, mtx, false));
  EXPECT_TRUE(invalid_wait_context(ctx::softirq, {}, mtx, false));
  EXPECT_TRUE(invalid_wait_context(ctx::process, {2}, mtx, false));
  EXPECT_FALSE(invalid_wait_context(ctx::process, {3}, mtx, false));
  EXPECT_FALSE(invalid_wait_context(ctx::hardirq, {}, spin, false));
  EXPECT_FALSE(invalid_wait_context(ctx::process, {2}, mtx, true));
}

// Type 0 locks are never checked, wherever they are taken.
TEST(WaitContext, UntypedLockIsNotChecked) {
  lockdep_test::report_capture cap;
  {
    lockdep::hardirq_scope hard;
    lockdep::lock_acquire(untyped_map);
    lockdep::lock_release(untyped_map);
  }
  lockdep::spin_lock_irq(spin_held);  // irqs off: no irq-state report either
  lockdep::lock_acquire(untyped_map);
  lockdep::lock_release(untyped_map);
  lockdep::spin_unlock_irq(spin_held);
  EXPECT_EQ(cap.count(), 0u) << cap.first().text;
}

// The wait types print as -{outer:inner} on every lock line.
TEST(WaitContext, WaitTypesPrintOnLockLines) {
  lockdep_test::report_capture cap;
  lockdep::shared_mutex rwsem{"rwsem"};
  lockdep::rwlock rw{"rw"};
  lockdep::lock_acquire(rcu_map, lockdep::read_mode::shared_recursive);
  rw.lock();
  rwsem.lock();  // sleeping under spinning locks: invalid, lists the held locks
  rwsem.unlock();
  rw.unlock();
  lockdep::lock_release(rcu_map);
  const auto reports = cap.reports();
  ASSERT_EQ(reports.size(), 1u);
  const lockdep::report& r = reports[0];
  EXPECT_NE(r.text.find("(rwsem){+.+.}-{3:3}"), std::string::npos) << r.text;
  EXPECT_NE(r.text.find("(rw){+.+.}-{2:2}"), std::string::npos) << r.text;
  EXPECT_NE(r.text.find("(rcu_like){....}-{1:2}"), std::string::npos) << r.text;
}

}  // namespace
