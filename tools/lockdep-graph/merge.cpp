// lockdep-graph merge (merge.hpp).
//
// Where the time went in the set-based version (ATTACH each shard, INSERT
// ... SELECT ... ON CONFLICT DO UPDATE, one transaction a shard): per
// dependency row, two seeks into the class map, a seek into the output's
// UNIQUE(from_class, to_class) index and one into its table to read the
// row the upsert's WHERE compares against; perf put 40% of the time in
// SQLite's b-tree seeks, and CI shards of one suite repeat 90% of their
// dependencies, so nearly all of that work found a row that needed nothing.
// Now the output's *keys* are held in memory (a descriptor -> class id map
// and a flat table of (from, to) -> row id, bits: about 16 bytes a
// dependency of the result, whatever the number of shards); each shard is
// read once, sequentially, three integer columns a row; only a dependency
// that is new to the output (its stack and run read then, by id) or adds a
// bit is written, with prepared statements, in one transaction for the
// whole merge. Nothing else of a store is loaded: SQLite's page cache is
// bounded. A new OUT is built in a temporary file beside it, with no
// journal and no syncs, and renamed when complete: a merge killed half-way
// leaves no OUT, or an existing OUT as it was (one transaction).
#include "merge.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <unordered_map>
#include <vector>

#include "store/schema.hpp"

namespace lockdep_graph {

using namespace lockdep::internal;

namespace {

// (from, to) of the output -> its row id, bits and the runs this merge adds
// to it; open addressing.
class dep_index {
 public:
  struct slot {
    std::uint64_t key = 0;  // from << 32 | to; 0 = empty (class ids start at 1)
    std::uint32_t row = 0;
    // 16 bytes a slot: the table of a large result is a cache miss a row.
    std::uint32_t bits : 8 = 0;
    std::uint32_t added_runs : 24 = 0;  // runs merged into an existing row, written at the end
                                        // (saturating: 16M runs of one edge in one merge)
  };
  static constexpr std::uint32_t k_max_added_runs = (1u << 24) - 1;
  template <class F>
  void for_each(F&& f) {
    for (slot& s : slots_)
      if (s.key) f(s);
  }
  slot& find_or_add(std::uint64_t key, bool* added) {
    if (2 * (size_ + 1) > slots_.size()) grow();
    slot& s = probe(slots_, key);
    *added = s.key == 0;
    if (*added) {
      s.key = key;
      ++size_;
    }
    return s;
  }

 private:
  static slot& probe(std::vector<slot>& t, std::uint64_t key) {
    const std::size_t mask = t.size() - 1;
    for (std::size_t i = (key * 0x9e3779b97f4a7c15ull) >> 20 & mask;; i = (i + 1) & mask)
      if (t[i].key == key || t[i].key == 0) return t[i];
  }
  void grow() {
    std::vector<slot> bigger(slots_.empty() ? 1024 : 2 * slots_.size());
    for (const slot& s : slots_)
      if (s.key) probe(bigger, s.key) = s;
    slots_.swap(bigger);
  }
  std::vector<slot> slots_;
  std::size_t size_ = 0;
};

struct statement {
  sqlite3_stmt* st = nullptr;
  statement(sqlite3* db, const char* sql) { sqlite3_prepare_v2(db, sql, -1, &st, nullptr); }
  ~statement() { sqlite3_finalize(st); }
  statement(const statement&) = delete;
  statement& operator=(const statement&) = delete;
  bool run() {  // a write: step once, reset
    const bool ok = st && sqlite3_step(st) == SQLITE_DONE;
    sqlite3_reset(st);
    return ok;
  }
};

struct output {
  sqlite3* db = nullptr;
  std::unordered_map<std::string, std::uint32_t> class_ids;  // descriptor -> id
  std::unordered_map<std::uint32_t, std::int64_t> usage;     // id -> usage
  dep_index deps;
  std::string usage_states;  // its usage layout (schema.hpp): shards are translated to it
};

long query_int(sqlite3* db, const char* pragma) {
  sqlite3_stmt* st = nullptr;
  long v = -1;
  if (sqlite3_prepare_v2(db, pragma, -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
    v = static_cast<long>(sqlite3_column_int64(st, 0));
  sqlite3_finalize(st);
  return v;
}

// A shard, read only: the header open_store checks, without its writes.
sqlite3* open_shard(const std::string& path, std::string* error) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    *error = std::string("cannot be opened: ") + (db ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_close(db);
    return nullptr;
  }
  sqlite3_busy_timeout(db, 30000);
  // Read through a mapping: no copy of every page through read().
  store_exec(db, "PRAGMA mmap_size=1073741824;");
  const long app = query_int(db, "PRAGMA application_id;"), version = query_int(db, "PRAGMA user_version;");
  if (app != k_store_application_id) *error = "is not a lockdep graph store";
  else if (version < k_oldest_store_version || version > k_store_version)
    *error = "is a lockdep graph store of format version " + std::to_string(version) +
             "; this lockdep reads version " + std::to_string(k_store_version);
  else return db;
  sqlite3_close(db);
  return nullptr;
}

// The output's keys (it may be an existing store).
bool load_keys(output& o) {
  statement classes(o.db, "SELECT id, descriptor, usage FROM classes;");
  while (classes.st && sqlite3_step(classes.st) == SQLITE_ROW) {
    const auto id = static_cast<std::uint32_t>(sqlite3_column_int64(classes.st, 0));
    o.class_ids.emplace(reinterpret_cast<const char*>(sqlite3_column_text(classes.st, 1)), id);
    o.usage[id] = sqlite3_column_int64(classes.st, 2);
  }
  statement deps(o.db, "SELECT id, from_class, to_class, bits FROM deps;");
  while (deps.st && sqlite3_step(deps.st) == SQLITE_ROW) {
    bool added = false;
    dep_index::slot& s = o.deps.find_or_add(
        static_cast<std::uint64_t>(sqlite3_column_int64(deps.st, 1)) << 32 |
            static_cast<std::uint32_t>(sqlite3_column_int64(deps.st, 2)),
        &added);
    s.row = static_cast<std::uint32_t>(sqlite3_column_int64(deps.st, 0));
    s.bits = (s.bits | static_cast<std::uint32_t>(sqlite3_column_int(deps.st, 3))) & 0xffu;
  }
  return classes.st && deps.st;
}

// A shard's signal usage (a format-1 shard has none): few rows, upserted.
bool merge_signal_usage(output& o, sqlite3* shard, const std::vector<std::uint32_t>& local) {
  if (!store_has_signal_usage(shard)) return true;
  statement rows(shard, "SELECT class, signal, bits FROM signal_usage;");
  statement add(o.db,
                "INSERT INTO signal_usage(class, signal, bits) VALUES(?1, ?2, ?3)"
                " ON CONFLICT(class, signal) DO UPDATE SET bits = bits | excluded.bits;");
  bool ok = rows.st && add.st;
  while (ok && sqlite3_step(rows.st) == SQLITE_ROW) {
    const std::int64_t id = sqlite3_column_int64(rows.st, 0);
    if (id <= 0 || static_cast<std::size_t>(id) >= local.size() || !local[static_cast<std::size_t>(id)]) continue;
    sqlite3_bind_int64(add.st, 1, local[static_cast<std::size_t>(id)]);
    sqlite3_bind_value(add.st, 2, sqlite3_column_value(rows.st, 1));
    sqlite3_bind_int(add.st, 3, sqlite3_column_int(rows.st, 2));
    ok = add.run();
  }
  return ok;
}

bool merge_shard(output& o, sqlite3* shard, std::string* error) {
  statement add_class(o.db, "INSERT INTO classes(descriptor, usage) VALUES(?1, ?2);");
  statement set_usage(o.db, "UPDATE classes SET usage = ?2 WHERE id = ?1;");
  statement add_dep(o.db,
                    "INSERT INTO deps(from_class, to_class, bits, stack, program, test, pid, runs)"
                    " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8);");
  statement set_bits(o.db, "UPDATE deps SET bits = ?2 WHERE id = ?1;");
  statement classes(shard, "SELECT id, descriptor, usage FROM classes;");
  statement deps(shard, deps_have_runs(shard) ? "SELECT id, from_class, to_class, bits, runs FROM deps;"
                                              : "SELECT id, from_class, to_class, bits, 1 FROM deps;");
  statement origin(shard, "SELECT stack, program, test, pid FROM deps WHERE id = ?1;");
  const usage_translation to_output(store_usage_states(shard), o.usage_states);
  bool ok = add_class.st && set_usage.st && add_dep.st && set_bits.st && classes.st && deps.st && origin.st;
  // The shard's class id -> the output's (ids are dense: a vector).
  std::vector<std::uint32_t> local(static_cast<std::size_t>(query_int(shard, "SELECT max(id) FROM classes;") + 1), 0);
  while (ok && sqlite3_step(classes.st) == SQLITE_ROW) {
    const char* d = reinterpret_cast<const char*>(sqlite3_column_text(classes.st, 1));
    const auto usage = static_cast<std::int64_t>(to_output(static_cast<std::uint64_t>(sqlite3_column_int64(classes.st, 2))));
    auto [it, added] = o.class_ids.try_emplace(d, 0);
    if (added) {
      sqlite3_bind_text(add_class.st, 1, d, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64(add_class.st, 2, usage);
      ok = add_class.run();
      it->second = static_cast<std::uint32_t>(sqlite3_last_insert_rowid(o.db));
      o.usage[it->second] = usage;
    } else if (usage & ~o.usage[it->second]) {
      o.usage[it->second] |= usage;
      sqlite3_bind_int64(set_usage.st, 1, it->second);
      sqlite3_bind_int64(set_usage.st, 2, o.usage[it->second]);
      ok = set_usage.run();
    }
    const std::int64_t id = sqlite3_column_int64(classes.st, 0);
    if (id > 0 && static_cast<std::size_t>(id) < local.size()) local[static_cast<std::size_t>(id)] = it->second;
  }
  if (ok) ok = merge_signal_usage(o, shard, local);
  while (ok && sqlite3_step(deps.st) == SQLITE_ROW) {
    auto class_of = [&](int col) -> std::uint32_t {
      const std::int64_t id = sqlite3_column_int64(deps.st, col);
      return id > 0 && static_cast<std::size_t>(id) < local.size() ? local[static_cast<std::size_t>(id)] : 0;
    };
    const std::uint32_t from = class_of(1), to = class_of(2);
    if (!from || !to) continue;  // a class the shard does not have
    const auto bits = static_cast<std::uint8_t>(sqlite3_column_int(deps.st, 3));
    const auto runs = static_cast<std::uint32_t>(sqlite3_column_int64(deps.st, 4));
    bool added = false;
    dep_index::slot& s = o.deps.find_or_add(std::uint64_t{from} << 32 | to, &added);
    if (added) {
      sqlite3_bind_int64(origin.st, 1, sqlite3_column_int64(deps.st, 0));
      ok = sqlite3_step(origin.st) == SQLITE_ROW;
      sqlite3_bind_int64(add_dep.st, 1, from);
      sqlite3_bind_int64(add_dep.st, 2, to);
      sqlite3_bind_int(add_dep.st, 3, bits);
      // The origin's text as it is in the shard's page (SQLITE_STATIC: valid
      // until origin is reset, after the insert): no copy.
      for (int c = 0; c < 3; ++c) {
        const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(origin.st, c));
        sqlite3_bind_text(add_dep.st, 4 + c, text, text ? sqlite3_column_bytes(origin.st, c) : 0, SQLITE_STATIC);
      }
      sqlite3_bind_int64(add_dep.st, 7, sqlite3_column_int64(origin.st, 3));
      sqlite3_bind_int64(add_dep.st, 8, runs);
      ok = ok && add_dep.run();
      sqlite3_reset(origin.st);
      s.row = static_cast<std::uint32_t>(sqlite3_last_insert_rowid(o.db));
      s.bits = bits;
    } else {
      s.added_runs = std::min<std::uint64_t>(std::uint64_t{s.added_runs} + runs, dep_index::k_max_added_runs);
    }
    if (!added && (bits & ~s.bits)) {
      s.bits |= bits;
      sqlite3_bind_int64(set_bits.st, 1, s.row);
      sqlite3_bind_int(set_bits.st, 2, s.bits);
      ok = set_bits.run();
    }
  }
  const int rc = sqlite3_errcode(shard);
  if (ok && rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
    *error = std::string("reading failed: ") + sqlite3_errmsg(shard);
    return false;
  }
  if (!ok) *error = std::string("writing failed: ") + sqlite3_errmsg(o.db);
  return ok;
}

// The runs counted into rows that existed: one update a row that gained any
// (the suite's shared dependencies), not one a shard row.
bool add_runs(output& o) {
  statement add(o.db, "UPDATE deps SET runs = runs + ?2 WHERE id = ?1;");
  bool ok = add.st != nullptr;
  o.deps.for_each([&](dep_index::slot& s) {
    if (!ok || !s.added_runs) return;
    sqlite3_bind_int64(add.st, 1, s.row);
    sqlite3_bind_int64(add.st, 2, s.added_runs);
    ok = add.run();
    s.added_runs = 0;
  });
  return ok;
}

bool exists_nonempty(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && st.st_size > 0;
}

}  // namespace

int merge_stores(const std::string& out, const std::vector<std::string>& paths) {
  const bool fresh = !exists_nonempty(out);
  const std::string target = fresh ? out + ".merging." + std::to_string(getpid()) : out;
  std::string error;
  output o;
  o.db = open_store(target, true, &error);
  if (!o.db) {
    std::fprintf(stderr, "lockdep-graph: %s %s\n", out.c_str(), error.c_str());
    return 2;
  }
  auto fail = [&](const std::string& what) {
    std::fprintf(stderr, "lockdep-graph: %s\n", what.c_str());
    store_exec(o.db, "ROLLBACK;");
    sqlite3_close(o.db);
    if (fresh) unlink(target.c_str());
    return 2;
  };
  // The output only (shards are read): a fresh target is not OUT until renamed.
  if (fresh) store_exec(o.db, "PRAGMA journal_mode=OFF; PRAGMA locking_mode=EXCLUSIVE;");
  store_exec(o.db, "PRAGMA synchronous=OFF; PRAGMA cache_size=-65536;");
  if (!store_exec(o.db, "BEGIN IMMEDIATE;", &error)) return fail(out + ": " + error);
  o.usage_states = store_usage_states(o.db);
  if (!load_keys(o)) return fail(out + ": reading failed: " + sqlite3_errmsg(o.db));
  if (!deps_have_runs(o.db) && !store_exec(o.db, "ALTER TABLE deps ADD COLUMN runs INTEGER NOT NULL DEFAULT 1;", &error))
    return fail(out + ": " + error);
  for (const std::string& p : paths) {
    sqlite3* shard = open_shard(p, &error);
    if (!shard) return fail(p + " " + error);
    const bool ok = merge_shard(o, shard, &error);
    sqlite3_close(shard);
    if (!ok) return fail("merging " + p + ": " + error);
  }
  if (!add_runs(o)) return fail(out + ": writing failed: " + sqlite3_errmsg(o.db));
  if (!store_exec(o.db, "COMMIT;", &error)) return fail(out + ": " + error);
  if (fresh && !store_exec(o.db, "PRAGMA locking_mode=NORMAL; PRAGMA journal_mode=WAL;", &error))
    return fail(out + ": " + error);
  sqlite3_close(o.db);
  if (fresh && rename(target.c_str(), out.c_str()) != 0) {
    std::perror(("lockdep-graph: " + out).c_str());
    unlink(target.c_str());
    return 2;
  }
  return 0;
}

}  // namespace lockdep_graph
