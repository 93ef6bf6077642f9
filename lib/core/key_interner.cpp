// The key interner: construction sites and names become lock_class_keys,
// interned for the life of the process (a site is code, it does not go
// away); run-time names are labels of their site's key; members of one type
// are told apart by their rank (member_sites.hpp); a lock constructed in a
// signal handler never waits on the interner.
#include <dlfcn.h>

#include <cstring>
#include <deque>
#include <mutex>
#include <string>
#include <tuple>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"
#include "core/core.hpp"
#include "core/immortal.hpp"
#include "core/member_sites.hpp"

LOCKDEP_INTERNAL_BEGIN

namespace {

// Site and name keys are interned for the life of the process (a site is
// code, it does not go away). Lookups by file pointer first, then by
// content, since one header's __FILE__ has one address per translation unit.
// A site key also has the rank of its construction call (member_sites.hpp):
// by_ptr finds a call seen before (its pc is part of the key), by_site the
// key of (site, rank) from any copy of the code.
struct key_interner {
  spin_mutex lock;
  absl::flat_hash_map<std::tuple<const void*, const void*, unsigned, unsigned, const void*>, lock_class_key*>
      by_ptr;
  absl::flat_hash_map<std::tuple<std::string, unsigned, unsigned, std::string, unsigned>, lock_class_key*> by_site;
  absl::flat_hash_map<std::string, lock_class_key*> by_name;
  // Sites whose name is built at run time: one key for the site.
  absl::flat_hash_map<std::tuple<const void*, unsigned, unsigned>, lock_class_key*> runtime_named;
  // Strings lockdep itself interned for the life of the process (wait-map
  // labels): constant names, though not literals.
  absl::flat_hash_set<const void*> constant_names;
  std::deque<lock_class_key> storage;  // stable addresses
  std::deque<std::string> names;       // interned name copies
};

// Set while this thread takes or holds the interner lock (a little before
// and after, so no instant is uncovered): a signal handler that interrupts it
// there and constructs a lock must not spin on that lock.
__thread bool t_in_interner __attribute__((tls_model("initial-exec"))) = false;

// The interner lock, keeping t_in_interner (for std::unique_lock).
struct interner_lock {
  spin_mutex& mu;
  void lock() {
    t_in_interner = true;
    std::atomic_signal_fence(std::memory_order_seq_cst);  // flag first, as a handler sees it
    mu.lock();
  }
  void unlock() {
    mu.unlock();
    std::atomic_signal_fence(std::memory_order_seq_cst);
    t_in_interner = false;
  }
};

key_interner& interner() {
  return lockdep::internal::immortal<key_interner>();  // never destroyed: locks outlive statics
}

// Created at load time: a signal handler constructing a lock must never wait
// on the function-local static's guard held by the code it interrupted.
__attribute__((constructor)) void create_interner_at_load() { interner(); }

// A constant name (a string literal) lives in a loaded object's image; one
// built at run time lives on the heap or the stack.
bool constant_name(const char* name) {
  Dl_info info{};
  return dladdr(name, &info) != 0 && info.dli_fname != nullptr;
}

bool in_system_header(const char* file) {
  if (!file) return false;
  return std::strncmp(file, "/usr/include/", 13) == 0 || std::strncmp(file, "/usr/lib/", 9) == 0 ||
         std::strncmp(file, "/usr/local/include/", 19) == 0 || std::strstr(file, "/include/c++/");
}

lock_class_key* new_key(key_interner& in, const char* name) {
  lock_class_key& k = in.storage.emplace_back();
  if (name) key_access::set_name(k, in.names.emplace_back(name).c_str());
  return &k;
}

// "db.h:12 (lock #2 built by DB)": the label of an unnamed lock that shares
// its site with others (members built by one constructor). Interner lock.
const char* member_label(key_interner& in, const char* file, unsigned line, unsigned rank, const char* function) {
  const char* slash = file ? std::strrchr(file, '/') : nullptr;
  std::string s = std::string(slash ? slash + 1 : (file ? file : "?")) + ":" + std::to_string(line) + " (lock #" +
                  std::to_string(rank + 1);
  if (function && *function) s += std::string(" built by ") + function;
  s += ")";
  return in.names.emplace_back(std::move(s)).c_str();
}

lock_class_key* intern_site(const char* name, const site& where, const void* lock, bool* unkeyed,
                            bool* runtime_name_in_system) {
  const char* file = where.file();
  const unsigned line = where.line(), col = where.column();
  key_interner& in = interner();
  *unkeyed = false;
  *runtime_name_in_system = false;
  const bool system = in_system_header(file);

  // In a signal handler nothing may allocate: a site seen before keeps its
  // class, a new one gets this shared class. Re-entered from a handler
  // (whatever its scope) the interner lock may be ours: not even a lookup.
  static lock_class_key in_handler{"(lock constructed in a signal handler)"};
  if (t_in_interner) return &in_handler;
  const thread_state* ts = current_thread_state_if_any();
  const bool no_alloc = ts && ts->in_signal_handler > 0;
  // A guard object: the tables allocate, and a bad_alloc must not leave the
  // interner locked for every later lock construction.
  interner_lock locked{in.lock};
  std::unique_lock<interner_lock> guard(locked);
  if (system && name) {
    if (no_alloc) {  // string_view lookup: no std::string built
      auto it = in.by_name.find(absl::string_view(name));
      return it != in.by_name.end() ? it->second : &in_handler;
    }
    // In a system header the name is all there is: its text selects the
    // class, so a name built at run time there makes a class per distinct
    // name (said once: the fix is a key, or constructing the lock in user
    // code). Literals seen here are remembered: dladdr once per literal.
    static bool told = false;  // interner lock
    if (!told && !in.constant_names.contains(name)) {
      guard.unlock();  // dladdr takes the loader's lock (see below)
      const bool constant = constant_name(name);
      guard.lock();
      if (constant) in.constant_names.insert(name);
      else *runtime_name_in_system = !told, told = true;
    }
    auto [it, inserted] = in.by_name.try_emplace(name, nullptr);
    if (inserted) it->second = new_key(in, name);
    return it->second;
  }
  *unkeyed = system;
  // A constant name is part of a site key: g++ has no __builtin_COLUMN, and
  // two named locks declared on one line must still be two classes. A name
  // built at run time ("shard-3") is only a label: every lock made at the
  // site is one class, named after the first, as in the kernel. Otherwise
  // each shard would be a class of its own (inversions between shards
  // missed) and the tables here would grow with every new name.
  auto ptr_key =
      std::make_tuple(where.pc(), static_cast<const void*>(file), line, col, static_cast<const void*>(name));
  if (auto it = in.by_ptr.find(ptr_key); it != in.by_ptr.end()) return it->second;
  const auto site_ptrs = std::make_tuple(static_cast<const void*>(file), line, col);
  if (auto it = in.runtime_named.find(site_ptrs); it != in.runtime_named.end()) return it->second;
  if (no_alloc) return &in_handler;
  bool runtime_name = false;
  if (name && !in.constant_names.contains(name)) {
    // Not under our lock: dladdr takes the loader's lock, which a dlopen in
    // another thread holds while its constructors make locks (and wait here).
    guard.unlock();
    runtime_name = !constant_name(name);
    guard.lock();
  }
  // An unnamed lock is told apart from the others its site builds by its
  // construction call (member_sites.hpp); a constant name already says
  // which lock it is, and a name built at run time is one class for the
  // whole site (see above).
  unsigned rank = 0;
  if (!name) {
    guard.unlock();  // ranking may symbolize (the loader's lock again)
    rank = member_rank(file, line, col, name, where.function(), where.pc(), lock);
    guard.lock();
    if (auto it = in.by_ptr.find(ptr_key); it != in.by_ptr.end()) return it->second;
  }
  const std::string file_text(file ? file : "?");
  auto [it, inserted] = in.by_site.try_emplace(
      std::make_tuple(file_text, line, col, std::string(name && !runtime_name ? name : ""), rank), nullptr);
  if (inserted) {
    it->second = new_key(in, name);
    key_access::set_site(*it->second, file, line, col);
    if (rank > 0) {
      // The first lock of the site gets its number too, now that it has company.
      key_access::set_name(*it->second, member_label(in, file, line, rank, where.function()));
      auto first = in.by_site.find(std::make_tuple(file_text, line, col, std::string(), 0u));
      if (first != in.by_site.end() && !first->second->name())
        key_access::set_name(*first->second, member_label(in, file, line, 0, where.function()));
    }
  }
  if (runtime_name) in.runtime_named.emplace(site_ptrs, it->second);
  else in.by_ptr.emplace(ptr_key, it->second);
  return it->second;
}

}  // namespace

void note_constant_name(const char* name) {
  key_interner& in = interner();
  interner_lock locked{in.lock};
  std::lock_guard<interner_lock> guard(locked);
  in.constant_names.insert(name);
}

// fork() (fork.cpp): the interner must not be copied mid-update.
void lock_interner() noexcept { interner().lock.lock(); }
void unlock_interner() noexcept { interner().lock.unlock(); }

LOCKDEP_INTERNAL_END

LOCKDEP_BEGIN_NAMESPACE
using namespace internal;

// Out of line (site.hpp): the return address is the call in the caller.
LOCKDEP_NOINLINE site site::here(const char* file, unsigned line, const char* function, unsigned column) noexcept {
  return site(file, line, column, function, __builtin_return_address(0));
}

lock_map::lock_map(const char* name, wait_type inner, wait_type outer, check c, site where) {
  bool unkeyed = false, runtime_name_in_system = false;
  lock_class_key* key = intern_site(name, where, this, &unkeyed, &runtime_name_in_system);
  map_access::init(*this, key, inner, outer, c);
  if (runtime_name_in_system) {
    misuse_report(current_thread_state(), report_kind::bad_lock_usage,
                  "lock constructed inside a system header (e.g. std::make_unique, emplace) with a name built "
                  "at run time: each distinct name is a class of its own (inversions between them are "
                  "missed, and many names fill max_classes). Pass a key (LOCKDEP_CLASS(\"name\")) or "
                  "construct the lock in your own code, where the site selects the class",
                  this);
  }
  if (unkeyed) {
    misuse_report(current_thread_state(), report_kind::bad_lock_usage,
                  "lock constructed inside a system header (e.g. std::make_unique, emplace) with neither "
                  "a name nor a key: all such locks share one class. Pass a name "
                  "(lockdep::mutex m{\"name\"}) or a key (LOCKDEP_CLASS(\"name\"))",
                  this);
  }
}

LOCKDEP_END_NAMESPACE
