// Opening, creating and checking a graph store (schema.hpp).
#include "store/schema.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <vector>

#include "core/usage.hpp"

LOCKDEP_INTERNAL_BEGIN

namespace {

const char* const k_create_sql =
    "CREATE TABLE IF NOT EXISTS classes(id INTEGER PRIMARY KEY, descriptor TEXT NOT NULL UNIQUE,"
    " usage INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS deps(id INTEGER PRIMARY KEY, from_class INTEGER NOT NULL,"
    " to_class INTEGER NOT NULL, bits INTEGER NOT NULL, stack TEXT, program TEXT, test TEXT,"
    " pid INTEGER, UNIQUE(from_class, to_class));"
    "CREATE TABLE IF NOT EXISTS signal_usage(class INTEGER NOT NULL, signal TEXT NOT NULL,"
    " bits INTEGER NOT NULL, PRIMARY KEY(class, signal)) WITHOUT ROWID;";

bool query_int(sqlite3* db, const char* sql, long* out, std::string* error) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) != SQLITE_OK) {
    if (error) *error = sqlite3_errmsg(db);
    return false;
  }
  const int rc = sqlite3_step(st);
  *out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
  sqlite3_finalize(st);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
    if (error) *error = sqlite3_errmsg(db);
    return false;
  }
  return true;
}

struct header {
  long app = 0, version = 0, tables = 0;
};
// The three read together: apart, another process creating the store
// between them would make it look half made.
bool read_header(sqlite3* db, header* h, std::string* error, bool in_transaction) {
  if (!in_transaction && !store_exec(db, "BEGIN;", error)) return false;
  const bool ok = query_int(db, "PRAGMA application_id;", &h->app, error) &&
                  query_int(db, "PRAGMA user_version;", &h->version, error) &&
                  query_int(db, "SELECT count(*) FROM sqlite_master;", &h->tables, error);
  if (!in_transaction) store_exec(db, ok ? "COMMIT;" : "ROLLBACK;");
  return ok;
}

// journal_mode=WAL takes an exclusive lock for a moment and may answer
// SQLITE_BUSY without waiting: retried while another process creates.
bool set_wal(sqlite3* db, std::string* error) {
  for (int attempt = 0;; ++attempt) {
    std::string e;
    if (store_exec(db, "PRAGMA journal_mode=WAL;", &e)) return true;
    if (attempt == 500 || sqlite3_errcode(db) != SQLITE_BUSY) {
      *error = e;
      return false;
    }
    usleep(10000);
  }
}

// Format 1 -> 2: the signal_usage table. Another process may migrate at
// the same time: the version is read again inside the write transaction.
bool migrate(sqlite3* db, std::string* error) {
  if (!store_exec(db, "BEGIN IMMEDIATE;", error)) return false;
  long version = 0;
  const std::string sql = std::string(k_create_sql) + "PRAGMA user_version=" + std::to_string(k_store_version) + ";";
  const bool ok = query_int(db, "PRAGMA user_version;", &version, error) &&
                  (version >= k_store_version || store_exec(db, sql.c_str(), error));
  if (ok && store_exec(db, "COMMIT;", error)) return true;
  store_exec(db, "ROLLBACK;");
  return false;
}

}  // namespace

bool store_has_signal_usage(sqlite3* db) {
  sqlite3_stmt* st = nullptr;
  const bool has = sqlite3_prepare_v2(db, "SELECT bits FROM signal_usage LIMIT 0;", -1, &st, nullptr) == SQLITE_OK;
  sqlite3_finalize(st);
  return has;
}

bool store_exec(sqlite3* db, const char* sql, std::string* error) {
  char* msg = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &msg) == SQLITE_OK) return true;
  if (error) *error = msg ? msg : sqlite3_errmsg(db);
  sqlite3_free(msg);
  return false;
}

sqlite3* open_store(const std::string& path, bool create, std::string* error) {
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    *error = std::string("cannot be opened: ") + (db ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_close(db);
    return nullptr;
  }
  sqlite3_busy_timeout(db, 30000);
  auto fail = [&](const std::string& why) -> sqlite3* {
    *error = why;
    sqlite3_close(db);
    return nullptr;
  };
  header h;
  std::string e;
  if (!read_header(db, &h, &e, false)) return fail("is not a lockdep graph store (" + e + ")");
  if (h.app == 0 && h.version == 0 && h.tables == 0) {
    if (!create) return fail("is empty, not a lockdep graph store");
    if (!set_wal(db, &e)) return fail("cannot be created: " + e);
    // Created once, by whichever process gets here first; the others see
    // the finished schema after their BEGIN IMMEDIATE.
    if (!store_exec(db, "BEGIN IMMEDIATE;", &e)) return fail("cannot be created: " + e);
    if (!read_header(db, &h, &e, true)) {
      store_exec(db, "ROLLBACK;");
      return fail("is not a lockdep graph store (" + e + ")");
    }
    if (h.app == 0 && h.version == 0 && h.tables == 0) {
      const std::string init = std::string(k_create_sql) +
                               "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
                               "INSERT INTO meta VALUES('usage_states', '" + build_usage_states() + "');" +
                               "PRAGMA application_id=" +
                               std::to_string(k_store_application_id) + ";PRAGMA user_version=" +
                               std::to_string(k_store_version) + ";";
      if (!store_exec(db, init.c_str(), &e)) {
        store_exec(db, "ROLLBACK;");
        return fail("cannot be created: " + e);
      }
    }
    if (!store_exec(db, "COMMIT;", &e)) return fail("cannot be created: " + e);
    if (!read_header(db, &h, &e, false)) return fail("is not a lockdep graph store (" + e + ")");
  }
  const long app = h.app, version = h.version;
  if (app != k_store_application_id) return fail("is not a lockdep graph store (an SQLite file of another application)");
  if (version < k_oldest_store_version || version > k_store_version)
    return fail("is a lockdep graph store of format version " + std::to_string(version) + "; this lockdep reads version " +
                std::to_string(k_store_version));
  if (!set_wal(db, &e)) return fail("cannot use WAL mode: " + e);
  store_exec(db, "PRAGMA synchronous=NORMAL;");
  // A reader (create false: lockdep-graph) of a store it cannot migrate, a
  // read-only artifact, reads it as format 1: no signal usage.
  if (version < k_store_version && !migrate(db, &e) && create)
    return fail("cannot be migrated to format version " + std::to_string(k_store_version) + ": " + e);
  return db;
}

bool deps_have_runs(sqlite3* db) {
  sqlite3_stmt* st = nullptr;
  const bool has = sqlite3_prepare_v2(db, "SELECT runs FROM deps LIMIT 0;", -1, &st, nullptr) == SQLITE_OK;
  sqlite3_finalize(st);
  return has;
}

std::string build_usage_states() {
  std::string s;
  // The kernel's states only: signal lines are per process and never stored.
  for (unsigned i = 0; i < k_kernel_states; ++i) s += (i ? " " : "") + std::string(state_label(state_base(i)));
  return s;
}

std::string store_usage_states(sqlite3* db) {
  std::string states = "HARDIRQ SOFTIRQ";  // format 1 before the meta table
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = 'usage_states';", -1, &st, nullptr) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW)
    states = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  return states;
}

namespace {
std::vector<std::string> words(const std::string& s) {
  std::vector<std::string> out;
  for (std::size_t at = 0; at < s.size();) {
    const std::size_t end = std::min(s.find(' ', at), s.size());
    if (end > at) out.push_back(s.substr(at, end - at));
    at = end + 1;
  }
  return out;
}
}  // namespace

usage_translation::usage_translation(const std::string& from, const std::string& to) : identity_(from == to) {
  const std::vector<std::string> f = words(from), t = words(to);
  for (signed char& b : target_) b = -1;
  for (std::size_t i = 0; i < f.size() && 4 * i + 3 < 64; ++i)
    for (std::size_t j = 0; j < t.size() && 4 * j + 3 < 64; ++j)
      if (f[i] == t[j])
        for (unsigned k = 0; k < 4; ++k) target_[4 * i + k] = static_cast<signed char>(4 * j + k);
  for (unsigned k = 0; k < 2 && 4 * f.size() + k < 64 && 4 * t.size() + k < 64; ++k)
    target_[4 * f.size() + k] = static_cast<signed char>(4 * t.size() + k);  // INITIAL (READ) USE
}

std::uint64_t usage_translation::operator()(std::uint64_t word) const {
  if (identity_) return word;
  std::uint64_t out = 0;
  for (unsigned b = 0; b < 64; ++b)
    if ((word >> b & 1u) && target_[b] >= 0) out |= std::uint64_t{1} << target_[b];
  return out;
}

descriptor_parts split_descriptor(const std::string& d) {
  descriptor_parts p;
  const std::size_t a = d.find('|');
  std::size_t c = d.rfind('|');
  std::size_t b = c == std::string::npos || c == 0 ? std::string::npos : d.rfind('|', c - 1);
  std::size_t n = b == std::string::npos || b == 0 ? std::string::npos : d.rfind('|', b - 1);
  if (a == std::string::npos || n == std::string::npos || n < a) {
    p.name = d;
    return p;
  }
  p.site = d.substr(0, a);
  p.name = d.substr(a + 1, n - a - 1);
  p.subclass = static_cast<unsigned>(std::strtoul(d.c_str() + n + 1, nullptr, 10));
  p.inner = static_cast<unsigned>(std::strtoul(d.c_str() + b + 1, nullptr, 10));
  p.outer = static_cast<unsigned>(std::strtoul(d.c_str() + c + 1, nullptr, 10));
  return p;
}

std::string descriptor_label(const std::string& d) {
  const descriptor_parts p = split_descriptor(d);
  std::string s = p.name.empty() ? p.site : p.name;
  if (p.subclass) s += "/" + std::to_string(p.subclass);
  return s;
}

LOCKDEP_INTERNAL_END
