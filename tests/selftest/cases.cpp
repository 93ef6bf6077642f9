// The rows of the kernel's context-free self-test tables (kernel-lockdep.md
// §5.2), as data. Columns of `expected`: spin wlock rlock mutex wsem rsem.
#include <array>

#include "selftest.hpp"

namespace selftest {

namespace {

using lockdep::report_kind;

// Which real drivers may run a body: all of them unless the body re-locks a
// held instance (or destroys a held lock) in a way the real lock cannot take.
bool real_recursive_reader(const driver_info& d) { return d.col == column::rlock; }
bool never(const driver_info&) { return false; }

// ---- the exclusive table: one body per row, LOCK in the column's mode --------------

void add_exclusive_rows(std::vector<selftest_case>& rows) {
  // Recursive readers (rlock) may take a class twice; everything else is a
  // same-class deadlock. X1 and X2 are distinct instances, so this does not
  // block a real lock either.
  rows.push_back({"AA", [](driver& d) {
                    d.lock(X1);
                    d.lock(X2);
                  },
                  "FFSFFF", report_kind::recursive_locking, {"X", "X"}, {}, true, nullptr});

  const std::string cycle = "FFSFFF";
  const auto circular = report_kind::circular_dependency;
  rows.push_back({"ABBA", [](driver& d) {
                    lu2(d, A, B);
                    lu2(d, B, A);
                  },
                  cycle, circular, {"A", "B"}, {"A", "B"}, true, nullptr});
  rows.push_back({"ABBCCA", [](driver& d) {
                    lu2(d, A, B);
                    lu2(d, B, C);
                    lu2(d, C, A);
                  },
                  cycle, circular, {"A", "C"}, {"A", "B", "C"}, true, nullptr});
  rows.push_back({"ABCABC", [](driver& d) {
                    lu2(d, A, B);
                    lu2(d, C, A);
                    lu2(d, B, C);
                  },
                  cycle, circular, {"C", "B"}, {"A", "B", "C"}, true, nullptr});
  rows.push_back({"ABBCCDDA", [](driver& d) {
                    lu2(d, A, B);
                    lu2(d, B, C);
                    lu2(d, C, D);
                    lu2(d, D, A);
                  },
                  cycle, circular, {"A", "D"}, {"A", "B", "C", "D"}, true, nullptr});
  // C is on no cycle: the shortest cycle through the new D->A is A->B->D->A.
  rows.push_back({"ABCDBDDA", [](driver& d) {
                    lu2(d, A, B);
                    lu2(d, C, D);
                    lu2(d, B, D);
                    lu2(d, D, A);
                  },
                  cycle, circular, {"A", "D"}, {"A", "B", "D"}, true, nullptr});
  rows.push_back({"ABCDBCDA", [](driver& d) {
                    lu2(d, A, B);
                    lu2(d, C, D);
                    lu2(d, B, C);
                    lu2(d, D, A);
                  },
                  cycle, circular, {"A", "D"}, {"A", "B", "C", "D"}, true, nullptr});

  // A real wrapper skips the real unlock after reporting, so this one is
  // safe on real locks too.
  rows.push_back({"double_unlock", [](driver& d) {
                    d.lock(A);
                    d.unlock(A);
                    d.unlock(A);
                  },
                  "FFFFFF", report_kind::bad_unlock_balance, {"A"}, {}, true, nullptr});
  rows.push_back({"initialize_held", [](driver& d) {
                    d.lock(A);
                    d.reinit(A);
                  },
                  "FFFFFF", report_kind::held_lock_freed, {"A"}, {}, true, never});
}

// ---- the rwlock / rwsem rows: explicit read, write and plain-lock steps -----------

// Only the rlock (rwlock_t, recursive readers) and rsem (rw_semaphore,
// non-recursive readers) columns are printed for these rows.
std::string rw_cells(char rlock, char rsem) { return std::string("--") + rlock + "--" + rsem; }

void add_rw_rows(std::vector<selftest_case>& rows) {
  const auto recursive = report_kind::recursive_locking;
  const auto circular = report_kind::circular_dependency;
  // Same instance twice: fine for the reader-preferring real rwlock, undefined
  // for std::shared_timed_mutex, so the rsem cell runs on the map only.
  rows.push_back({"recursive_read_lock", [](driver& d) {
                    d.rlock(X1);
                    d.rlock(X1);
                  },
                  rw_cells('S', 'F'), recursive, {"X", "X"}, {}, true, real_recursive_reader});
  rows.push_back({"recursive_read_lock_2", [](driver& d) {
                    d.rlock(X1);
                    d.rlock(X2);
                  },
                  rw_cells('S', 'F'), recursive, {"X", "X"}, {}, true, nullptr});
  rows.push_back({"mixed_read_write_lock", [](driver& d) {
                    d.rlock(X1);
                    d.wlock(X2);
                  },
                  rw_cells('F', 'F'), recursive, {"X", "X"}, {}, true, nullptr});
  rows.push_back({"mixed_write_read_lock", [](driver& d) {
                    d.wlock(X1);
                    d.rlock(X2);
                  },
                  rw_cells('F', 'F'), recursive, {"X", "X"}, {}, true, nullptr});
  rows.push_back({"mixed_read_lock_lock_write_ABBA", [](driver& d) {
                    d.rlock(X1); d.plain_lock(Y1); d.unlock(Y1); d.unlock(X1);
                    d.plain_lock(Y1); d.wlock(X1); d.unlock(X1); d.unlock(Y1);
                  },
                  rw_cells('F', 'F'), circular, {"X", "Y"}, {"X", "Y"}, true, nullptr});
  // rlock: X->Y is -(SN)-> and Y->X is -(ER)->; the cycle has an -(*R)-> edge
  // followed by an -(S*)-> one, so it is not strong. rsem: Y->X is -(EN)->, a
  // strong cycle (the reader can wait for a writer queued behind Y's holder).
  rows.push_back({"mixed_read_lock_lock_read_ABBA", [](driver& d) {
                    d.rlock(X1); d.plain_lock(Y1); d.unlock(Y1); d.unlock(X1);
                    d.plain_lock(Y1); d.rlock(X1); d.unlock(X1); d.unlock(Y1);
                  },
                  rw_cells('S', 'F'), circular, {"X", "Y"}, {"X", "Y"}, true, nullptr});
  rows.push_back({"mixed_write_lock_lock_write_ABBA", [](driver& d) {
                    d.wlock(X1); d.plain_lock(Y1); d.unlock(Y1); d.unlock(X1);
                    d.plain_lock(Y1); d.wlock(X1); d.unlock(X1); d.unlock(Y1);
                  },
                  rw_cells('F', 'F'), circular, {"X", "Y"}, {"X", "Y"}, true, nullptr});
  // The Y->X dependency is first learnt as into a recursive reader; the
  // write acquisition must not be taken for the cached read chain (the read
  // mode is part of the chain key).
  rows.push_back({"chain_cached_mixed_RL_LW_ABBA", [](driver& d) {
                    d.rlock(X1); d.plain_lock(Y1); d.unlock(Y1); d.unlock(X1);
                    d.plain_lock(Y1); d.rlock(X1); d.unlock(X1); d.unlock(Y1);
                    d.plain_lock(Y1); d.wlock(X1); d.unlock(X1); d.unlock(Y1);
                  },
                  rw_cells('F', '-'), circular, {"X", "Y"}, {"X", "Y"}, true, nullptr});
}

// ---- the rlock 3-class cycles, in all six orders of their events ---------------------

// One event: take `first`, then `second`, release both.
struct step {
  lock_id first;
  mode first_mode;
  lock_id second;
  mode second_mode;
};

void run_step(driver& d, const step& s) {
  auto take = [&d](lock_id id, mode m) { m == mode::read ? d.rlock(id) : d.wlock(id); };
  take(s.first, s.first_mode);
  take(s.second, s.second_mode);
  d.unlock(s.second);
  d.unlock(s.first);
}

struct three_class_row {
  const char* name;
  std::array<step, 3> events;
  char rlock;  // 'F' or 'S'
};

void add_three_class_rows(std::vector<selftest_case>& rows) {
  constexpr mode W = mode::write, R = mode::read;
  const three_class_row table[] = {
      // -(ER)-> -(ER)-> -(ER)->: no -(*R)-> is followed by -(S*)->: strong.
      {"rlock_W1R2_W2R3_W3R1", {{{X1, W, Y1, R}, {Y1, W, Z1, R}, {Z1, W, X1, R}}}, 'F'},
      // -(EN)-> -(SR)-> -(ER)->: strong.
      {"rlock_W1W2_R2R3_W3R1", {{{X1, W, Y1, W}, {Y1, R, Z1, R}, {Z1, W, X1, R}}}, 'F'},
      // -(EN)-> -(SR)-> -(SN)->: the SR edge is followed by an S edge.
      {"rlock_W1W2_R2R3_R3W1", {{{X1, W, Y1, W}, {Y1, R, Z1, R}, {Z1, R, X1, W}}}, 'S'},
      // -(ER)-> -(SR)-> -(EN)->: the ER edge is followed by an S edge.
      {"rlock_W1R2_R2R3_W3W1", {{{X1, W, Y1, R}, {Y1, R, Z1, R}, {Z1, W, X1, W}}}, 'S'},
  };
  const std::array<std::array<int, 3>, 6> orders{{{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}}};
  for (const auto& row : table) {
    for (const auto& order : orders) {
      std::string name = std::string(row.name) + "_";
      for (int e : order) name += static_cast<char>('1' + e);
      std::array<step, 3> seq{row.events[order[0]], row.events[order[1]], row.events[order[2]]};
      // The event that runs last closes the cycle: it acquires its second
      // lock while holding its first.
      const step& last = seq[2];
      rows.push_back({name, [seq](driver& d) {
                        for (const step& s : seq) run_step(d, s);
                      },
                      rw_cells(row.rlock, '-'), report_kind::circular_dependency,
                      {class_name(last.second), class_name(last.first)}, {"X", "Y", "Z"}, true, nullptr});
    }
  }
}

}  // namespace

std::vector<selftest_case> kernel_cases() {
  std::vector<selftest_case> rows;
  add_exclusive_rows(rows);
  add_rw_rows(rows);
  add_three_class_rows(rows);
  return rows;
}

}  // namespace selftest
