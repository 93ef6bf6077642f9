// The graph store in a running process (runtime.hpp).
//
// SQLite is called only here, never under a core lock: the core queues what
// it records (core/imports.hpp) and the hook below, run at the end of a cold
// section, writes a batch in one transaction at most every k_batch_ms (or
// when the ring is half full); exit writes the rest. One connection per
// process, guarded by g_db_lock (a child of fork() opens its own).
#include "core/immortal.hpp"
#include "store/runtime.hpp"

#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/imports.hpp"
#include "core/signal_lines.hpp"
#include "core/spin_mutex.hpp"
#include "lockdep/report.hpp"
#include "options/option_table.hpp"
#include "store/schema.hpp"

LOCKDEP_INTERNAL_BEGIN

namespace {

constexpr std::uint32_t k_ring_items = 4096;
constexpr unsigned k_batch = 256;
constexpr long k_batch_ms = 20;

struct store_runtime {
  spin_mutex db_lock;  // the connection and everything below
  sqlite3* db = nullptr;
  std::string path;
  pid_t pid = 0;  // the process that opened db
  std::string program, test;
  std::unordered_map<std::string, std::int64_t> class_ids;  // descriptor -> store id
  std::unordered_map<std::uintptr_t, std::string> frames;   // address -> its line
  std::vector<recorded_item> batch = std::vector<recorded_item>(k_batch);
  std::deque<lock_class_key> placeholders;  // imported classes not used here yet
  std::unordered_map<std::string, lock_class_key*> placeholder_of;  // descriptor ->, kept over resets
  std::deque<std::string> strings;          // their names and sites
  std::chrono::steady_clock::time_point last_write{};
  bool warned_write = false, warned_import = false;
  // The store's usage layout <-> this build's (schema.hpp).
  usage_translation to_build, to_store;
};

void learn_usage_layout(store_runtime& r) {
  const std::string stored = store_usage_states(r.db), ours = build_usage_states();
  r.to_build = usage_translation(stored, ours);
  r.to_store = usage_translation(ours, stored);
}

store_runtime& rt() {
  return lockdep::internal::immortal<store_runtime>();  // never destroyed: used at exit
}

// Set while this thread holds db_lock in flush() or an import: taking queued
// items (or importing) ends a cold section, which may deliver a report whose
// imported edge is looked up here, between two statements, on the
// connection this thread holds.
thread_local bool t_flushing = false;

void warn(const std::string& s) {
  const std::string line = "lockdep: warning: graph_store=" + s + "\n";
  if (write(2, line.data(), line.size()) < 0) return;
}

// The test being run: LOCKDEP_TEST_NAME, else GoogleTest's --gtest_filter
// (gtest_discover_tests runs one test a process), else empty.
std::string test_name() {
  if (const char* t = std::getenv("LOCKDEP_TEST_NAME")) return t;
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::string arg;
  while (std::getline(in, arg, '\0'))
    if (arg.rfind("--gtest_filter=", 0) == 0) return arg.substr(15);
  return {};
}

// Symbolized once per address: the same call sites record edge after edge.
std::string stack_text(std::unordered_map<std::uintptr_t, std::string>& frames, const recorded_item& it) {
  std::string s;
  for (unsigned i = 0; i < it.nr_frames; ++i) {
    auto [f, inserted] = frames.try_emplace(it.frames[i]);
    if (inserted) f->second = lockdep::describe_frame(it.frames[i]);
    s += f->second + "\n";
  }
  return s;
}

std::int64_t class_id(store_runtime& r, const char* descriptor, std::uint32_t usage) {
  auto found = r.class_ids.find(descriptor);
  sqlite3_stmt* st = nullptr;
  if (found != r.class_ids.end() && !usage) return found->second;
  sqlite3_prepare_v2(r.db,
                     "INSERT INTO classes(descriptor, usage) VALUES(?1, ?2) ON CONFLICT(descriptor) DO UPDATE"
                     " SET usage = usage | excluded.usage RETURNING id;",
                     -1, &st, nullptr);
  sqlite3_bind_text(st, 1, descriptor, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 2, static_cast<std::int64_t>(r.to_store(usage)));
  std::int64_t id = 0;
  if (sqlite3_step(st) == SQLITE_ROW) id = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  if (id) r.class_ids[descriptor] = id;
  return id;
}

bool write_batch(store_runtime& r, unsigned n) {
  if (!store_exec(r.db, "BEGIN IMMEDIATE;")) return false;
  sqlite3_stmt* dep = nullptr;
  sqlite3_prepare_v2(r.db,
                     "INSERT INTO deps(from_class, to_class, bits, stack, program, test, pid)"
                     " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(from_class, to_class) DO UPDATE"
                     " SET bits = bits | excluded.bits;",
                     -1, &dep, nullptr);
  sqlite3_stmt* sig = nullptr;
  sqlite3_prepare_v2(r.db,
                     "INSERT INTO signal_usage(class, signal, bits) VALUES(?1, ?2, ?3)"
                     " ON CONFLICT(class, signal) DO UPDATE SET bits = bits | excluded.bits;",
                     -1, &sig, nullptr);
  bool ok = dep != nullptr && sig != nullptr;
  for (unsigned i = 0; i < n && ok; ++i) {
    const recorded_item& it = r.batch[i];
    const std::int64_t from = class_id(r, it.from, it.from_usage);
    if (!from) ok = false;
    if (!it.dependency && it.signal[0] && ok) {
      sqlite3_reset(sig);
      sqlite3_bind_int64(sig, 1, from);
      sqlite3_bind_text(sig, 2, it.signal, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int(sig, 3, 1 << (it.bits & 3u));
      ok = sqlite3_step(sig) == SQLITE_DONE;
    }
    if (!it.dependency || !ok) continue;
    const std::int64_t to = class_id(r, it.to, it.to_usage);
    const std::string stack = stack_text(r.frames, it);
    sqlite3_reset(dep);
    sqlite3_bind_int64(dep, 1, from);
    sqlite3_bind_int64(dep, 2, to);
    sqlite3_bind_int(dep, 3, it.bits);
    sqlite3_bind_text(dep, 4, stack.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(dep, 5, r.program.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(dep, 6, it.test[0] ? it.test : r.test.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(dep, 7, r.pid);
    ok = to && sqlite3_step(dep) == SQLITE_DONE;
  }
  sqlite3_finalize(dep);
  sqlite3_finalize(sig);
  if (ok && store_exec(r.db, "COMMIT;")) return true;
  store_exec(r.db, "ROLLBACK;");
  r.class_ids.clear();  // ids of a rolled-back insert are not in the store
  return false;
}

// A child of fork() must not use its parent's connection: it opens its own
// (the inherited one is left alone, never closed).
bool connection_usable(store_runtime& r) {
  if (!r.db) return false;
  if (r.pid == getpid()) return true;
  std::string error;
  r.db = open_store(r.path, true, &error);
  r.pid = getpid();
  r.class_ids.clear();
  return r.db != nullptr;
}

void flush(bool force) {
  store_runtime& r = rt();
  if (t_flushing || !r.db_lock.try_lock()) return;  // another thread writes (or this one, re-entered)
  t_flushing = true;
  const auto now = std::chrono::steady_clock::now();
  if (force || now - r.last_write >= std::chrono::milliseconds(k_batch_ms)) {
    r.last_write = now;
    std::uint64_t lost = 0, total_lost = 0;
    while (connection_usable(r)) {
      const unsigned n = take_recorded(r.batch.data(), k_batch, &lost);
      total_lost += lost;
      if (n == 0) break;
      if (!write_batch(r, n) && !r.warned_write) {
        r.warned_write = true;
        warn(r.path + ": writing failed (" + sqlite3_errmsg(r.db) + "); some dependencies were not stored");
      }
    }
    if (total_lost && !r.warned_write) {
      r.warned_write = true;
      warn(r.path + ": " + std::to_string(total_lost) + " dependencies were recorded faster than written and not stored");
    }
  }
  t_flushing = false;
  r.db_lock.unlock();
}

void flush_hook() { flush(false); }
// A thread that held db_lock at fork() does not exist in the child; the
// child's connection is its own (connection_usable), so the lock is free.
void release_after_fork_child() { rt().db_lock.unlock(); }
void flush_at_exit() { flush(true); }

// The placeholder key of an imported class, named as the class was.
// One per descriptor for the process: an import after lockdep::reset()
// reuses them (import_graph points them at their new classes).
lock_class_key* placeholder_for(store_runtime& r, const std::string& descriptor) {
  lock_class_key*& known = r.placeholder_of[descriptor];
  if (known) return known;
  const descriptor_parts p = split_descriptor(descriptor);
  lock_class_key& k = r.placeholders.emplace_back();
  known = &k;
  if (!p.name.empty()) key_access::set_name(k, r.strings.emplace_back(p.name).c_str());
  if (!p.site.empty()) {
    // "file:line:col": the report prints file:line.
    const std::size_t c2 = p.site.rfind(':');
    const std::size_t c1 = c2 == std::string::npos || c2 == 0 ? std::string::npos : p.site.rfind(':', c2 - 1);
    if (c1 != std::string::npos) {
      const char* file = r.strings.emplace_back(p.site.substr(0, c1)).c_str();
      key_access::set_site(k, file, static_cast<unsigned>(std::strtoul(p.site.c_str() + c1 + 1, nullptr, 10)),
                           static_cast<unsigned>(std::strtoul(p.site.c_str() + c2 + 1, nullptr, 10)));
    }
  }
  return &k;
}

bool import_store(store_runtime& r) {
  std::vector<imported_class> classes;
  std::unordered_map<std::int64_t, std::uint32_t> index;  // store id -> classes[i]
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(r.db, "SELECT id, descriptor, usage FROM classes;", -1, &st, nullptr);
  while (st && sqlite3_step(st) == SQLITE_ROW) {
    const std::string d = reinterpret_cast<const char*>(sqlite3_column_text(st, 1));
    const descriptor_parts p = split_descriptor(d);
    imported_class ic;
    ic.placeholder = placeholder_for(r, d);
    ic.hash = descriptor_hash(d.c_str());
    ic.subclass = static_cast<std::uint8_t>(p.subclass & 7u);
    ic.wait_inner = static_cast<std::uint8_t>(p.inner);
    ic.wait_outer = static_cast<std::uint8_t>(p.outer);
    ic.usage = static_cast<std::uint32_t>(r.to_build(static_cast<std::uint64_t>(sqlite3_column_int64(st, 2))));
    index[sqlite3_column_int64(st, 0)] = static_cast<std::uint32_t>(classes.size());
    r.class_ids[d] = sqlite3_column_int64(st, 0);
    classes.push_back(ic);
  }
  sqlite3_finalize(st);
  std::vector<imported_dependency> deps;
  sqlite3_prepare_v2(r.db, "SELECT id, from_class, to_class, bits FROM deps;", -1, &st, nullptr);
  while (st && sqlite3_step(st) == SQLITE_ROW) {
    auto from = index.find(sqlite3_column_int64(st, 1));
    auto to = index.find(sqlite3_column_int64(st, 2));
    if (from == index.end() || to == index.end()) continue;
    deps.push_back({from->second, to->second, static_cast<std::uint8_t>(sqlite3_column_int(st, 3) & 15),
                    static_cast<std::uint32_t>(sqlite3_column_int64(st, 0)) & ~k_imported_trace});
  }
  sqlite3_finalize(st);
  // Signal usage by the signal's name, for the line it has (or gets) here.
  std::vector<imported_signal_usage> signals;
  sqlite3_prepare_v2(r.db, "SELECT class, signal, bits FROM signal_usage;", -1, &st, nullptr);
  while (st && sqlite3_step(st) == SQLITE_ROW) {
    auto c = index.find(sqlite3_column_int64(st, 0));
    const unsigned char* name = sqlite3_column_text(st, 1);
    const int sig = name ? signal_by_name(reinterpret_cast<const char*>(name)) : 0;
    if (c == index.end() || !sig) continue;
    signals.push_back({c->second, sig, static_cast<std::uint8_t>(sqlite3_column_int(st, 2) & 15)});
  }
  sqlite3_finalize(st);
  if (import_graph(classes.data(), static_cast<std::uint32_t>(classes.size()), deps.data(),
                   static_cast<std::uint32_t>(deps.size()), signals.data(),
                   static_cast<std::uint32_t>(signals.size())))
    return true;
  if (!r.warned_import)  // once, not again at each lockdep::reset()
    warn(r.path + ": the store is larger than this process's tables (max_classes, max_dependencies); part of it was loaded");
  r.warned_import = true;
  return false;
}

// import_store with db_lock held by this thread (see t_flushing).
bool import_holding_lock(store_runtime& r) {
  t_flushing = true;
  const bool ok = import_store(r);
  t_flushing = false;
  return ok;
}

// After lockdep::reset(): what this process recorded so far is written, then
// the whole store (its and every other process's) imported again.
void import_after_reset() {
  if (t_flushing) return;  // reset by a report delivered inside flush: its connection is busy
  flush(true);
  store_runtime& r = rt();
  std::lock_guard<spin_mutex> g(r.db_lock);
  if (connection_usable(r)) import_holding_lock(r);
}

}  // namespace

void open_graph_store_at_start() {
  const std::string_view path = option_text(option_id::graph_store);
  if (!path.empty()) open_graph_store(std::string(path));
}

bool bench_import_store(const std::string& path) {
  auto* r = new store_runtime();  // its placeholder keys stay: classes refer to them
  std::string error;
  r->db = open_store(path, false, &error);
  r->path = path;
  if (r->db) learn_usage_layout(*r);
  const bool ok = r->db && import_store(*r);
  sqlite3_close(r->db);
  r->db = nullptr;
  return ok;
}

bool open_graph_store(const std::string& path) {
  store_runtime& r = rt();
  std::lock_guard<spin_mutex> g(r.db_lock);
  if (r.db) return false;
  r.path = path;
  std::string error;
  r.db = open_store(r.path, true, &error);
  if (!r.db) {
    warn(r.path + " " + error + "; running on with this process's own graph");
    return false;
  }
  r.pid = getpid();
  learn_usage_layout(r);
  r.program = program_invocation_short_name;
  r.test = test_name();
  import_holding_lock(r);
  if (!start_recording(k_ring_items)) {
    warn(r.path + ": cannot reserve the recording buffer; this run's dependencies are not stored");
    return false;
  }
  set_recorded_hook(&flush_hook);
  set_reset_hook(&import_after_reset);
  std::atexit(&flush_at_exit);
  pthread_atfork(nullptr, nullptr, &release_after_fork_child);
  return true;
}

void flush_graph_store() { flush(true); }

bool imported_edge_origin(unsigned edge_id, std::string* stack, std::string* origin) {
  store_runtime& r = rt();
  std::unique_lock<spin_mutex> g(r.db_lock, std::defer_lock);
  if (!t_flushing) g.lock();
  if (!connection_usable(r)) return false;
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(r.db, "SELECT stack, program, test, pid FROM deps WHERE id = ?1;", -1, &st, nullptr);
  sqlite3_bind_int64(st, 1, edge_id);
  const bool found = st && sqlite3_step(st) == SQLITE_ROW;
  if (found) {
    auto text = [&](int col) {
      const unsigned char* t = sqlite3_column_text(st, col);
      return t ? std::string(reinterpret_cast<const char*>(t)) : std::string();
    };
    *stack = text(0);
    const std::string test = text(2);
    *origin = "recorded by " + text(1) + (test.empty() ? "" : " (" + test + ")") + " pid " +
              std::to_string(sqlite3_column_int64(st, 3));
  }
  sqlite3_finalize(st);
  return found;
}

LOCKDEP_INTERNAL_END
