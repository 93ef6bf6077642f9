// Keys and classes: interning construction sites and names into keys,
// dynamic key registration, class registration, validated-chain records.
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
#include "core/imports.hpp"

LOCKDEP_INTERNAL_BEGIN

namespace {

// Site and name keys are interned for the life of the process (a site is
// code, it does not go away). Lookups by file pointer first, then by
// content, since one header's __FILE__ has one address per translation unit.
struct key_interner {
  spin_mutex lock;
  absl::flat_hash_map<std::tuple<const void*, unsigned, unsigned, const void*>, lock_class_key*> by_ptr;
  absl::flat_hash_map<std::tuple<std::string, unsigned, unsigned, std::string>, lock_class_key*> by_site;
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
  static auto* k = new key_interner();  // never destroyed: locks outlive statics
  return *k;
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

lock_class_key* intern_site(const char* name, const char* file, unsigned line, unsigned col,
                            bool* unkeyed, bool* runtime_name_in_system) {
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
  auto ptr_key = std::make_tuple(static_cast<const void*>(file), line, col, static_cast<const void*>(name));
  if (auto it = in.by_ptr.find(ptr_key); it != in.by_ptr.end()) return it->second;
  const auto site = std::make_tuple(static_cast<const void*>(file), line, col);
  if (auto it = in.runtime_named.find(site); it != in.runtime_named.end()) return it->second;
  if (no_alloc) return &in_handler;
  bool runtime_name = false;
  if (name && !in.constant_names.contains(name)) {
    // Not under our lock: dladdr takes the loader's lock, which a dlopen in
    // another thread holds while its constructors make locks (and wait here).
    guard.unlock();
    runtime_name = !constant_name(name);
    guard.lock();
  }
  auto [it, inserted] = in.by_site.try_emplace(
      std::make_tuple(std::string(file ? file : "?"), line, col, std::string(name && !runtime_name ? name : "")),
      nullptr);
  if (inserted) {
    it->second = new_key(in, name);
    key_access::set_site(*it->second, file, line, col);
  }
  if (runtime_name) in.runtime_named.emplace(site, it->second);
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

// ---- classes ------------------------------------------------------------------------

lock_class* register_class(lock_class_key& key, unsigned subclass, std::uint8_t inner, std::uint8_t outer,
                           bool validate) noexcept {
  auto* slot = &key_access::classes(key)[subclass];
  if (lock_class* c = slot->load(std::memory_order_acquire)) return c;
  core_state& cs = core();
  // A class another process recorded (graph_store) becomes this key's.
  lock_class* c = adopt_imported_class(key, subclass, inner, outer);
  if (!c) c = cs.g.alloc_class();
  if (!c) return nullptr;
  c->key = &key;
  c->subclass = static_cast<std::uint8_t>(subclass);
  c->wait_inner = inner;
  c->wait_outer = outer;
  c->validate = validate;
  slot->store(c, std::memory_order_release);
  return c;
}

namespace {
bool same_label(const lock_class& a, const lock_class& b) {
  const lock_class_key* ka = a.key;
  const lock_class_key* kb = b.key;
  if (!ka || !kb) return false;
  if (ka->name() || kb->name()) return ka->name() && kb->name() && std::strcmp(ka->name(), kb->name()) == 0;
  const char* fa = key_access::site_file(*ka);
  const char* fb = key_access::site_file(*kb);
  if (!fa || !fb) return false;
  const char* ba = std::strrchr(fa, '/');
  const char* bb = std::strrchr(fb, '/');
  return key_access::site_line(*ka) == key_access::site_line(*kb) &&
         std::strcmp(ba ? ba + 1 : fa, bb ? bb + 1 : fb) == 0;
}
}  // namespace

void snapshot_class(const lock_class& c, class_snapshot& out) noexcept {
  core_state& cs = core();
  out = class_snapshot{};
  out.key = c.key;
  out.id = c.id;
  out.usage = c.usage.load(std::memory_order_relaxed);
  out.subclass = c.subclass;
  out.wait_inner = c.wait_inner;
  out.wait_outer = c.wait_outer;
  out.validate = c.validate;
  for (unsigned b = 0; b < usage_bits; ++b) out.usage_trace[b] = c.usage_trace[b];
  if (c.key) {
    out.name = c.key->name();
    out.site_file = key_access::site_file(*c.key);
    out.site_line = key_access::site_line(*c.key);
  }
  // name#N: N-th class (by age) carrying this label, subclasses of one key
  // sharing their key's number, as in the kernel.
  std::uint16_t version = 1;
  const lock_class_key* seen_keys[64];
  unsigned nseen = 0;
  for (std::uint32_t id = 1; id < c.id && id < cs.g.classes_high_water(); ++id) {
    const lock_class& o = cs.g.cls(id);
    if (!o.in_use || o.key == c.key || !same_label(o, c)) continue;
    bool dup = false;
    for (unsigned i = 0; i < nseen; ++i) dup |= seen_keys[i] == o.key;
    if (dup) continue;
    if (nseen < 64) seen_keys[nseen++] = o.key;
    ++version;
  }
  out.name_version = version;
}

// ---- chains --------------------------------------------------------------------------

namespace {
void rebuild_chain_table(core_state& cs) {
  cs.chains.clear();
  for (std::uint32_t i = 0; i < cs.nr_chain_recs; ++i)
    if (cs.chain_recs[i].live) cs.chains.insert(cs.chain_recs[i].key);
}

// Squeeze dead chain records and their hlocks out of the pools.
void compact_chains(core_state& cs) {
  std::uint32_t out = 0, hl = 0;
  for (std::uint32_t i = 0; i < cs.nr_chain_recs; ++i) {
    chain_record r = cs.chain_recs[i];
    if (!r.live) continue;
    std::memmove(cs.chain_hlocks + hl, cs.chain_hlocks + r.base, r.depth * sizeof(std::uint32_t));
    r.base = hl;
    hl += r.depth;
    cs.chain_recs[out++] = r;
  }
  cs.nr_chain_recs = out;
  cs.hlocks_used = hl;
}
}  // namespace

bool add_chain(std::uint64_t key, const thread_state& ts, unsigned ctx_base, const held_lock& next,
               std::uint8_t irq_context) noexcept {
  core_state& cs = core();
  const unsigned depth = ts.depth.load(std::memory_order_relaxed);
  const unsigned n = depth - ctx_base + 1;
  if (cs.nr_chain_recs >= cs.limits.max_chains || cs.hlocks_used + n > cs.limits.max_chain_hlocks)
    compact_chains(cs);
  if (cs.nr_chain_recs >= cs.limits.max_chains || cs.hlocks_used + n > cs.limits.max_chain_hlocks ||
      !cs.chains.insert(key))
    return false;
  // Removed slots (key churn) plus new ones must never fill the table: the
  // lock-free probe ends only at an empty slot.
  if (cs.chains.needs_rebuild()) rebuild_chain_table(cs);
  chain_record& r = cs.chain_recs[cs.nr_chain_recs++];
  r.key = key;
  r.base = cs.hlocks_used;
  r.depth = static_cast<std::uint16_t>(n);
  r.irq_context = irq_context;
  r.live = true;
  for (unsigned i = ctx_base; i < depth; ++i)
    cs.chain_hlocks[cs.hlocks_used++] =
        hlock_id(ts.held[i].cls.load(std::memory_order_relaxed), ts.held[i].read);
  cs.chain_hlocks[cs.hlocks_used++] = hlock_id(next.cls.load(std::memory_order_relaxed), next.read);
  return true;
}

void drop_chains_with(std::uint32_t id) noexcept {
  core_state& cs = core();
  for (std::uint32_t i = 0; i < cs.nr_chain_recs; ++i) {
    chain_record& r = cs.chain_recs[i];
    if (!r.live) continue;
    for (unsigned j = 0; j < r.depth; ++j) {
      if ((cs.chain_hlocks[r.base + j] & 0xffffff) == id) {
        r.live = false;
        cs.chains.remove(r.key);
        break;
      }
    }
  }
  if (cs.chains.needs_rebuild()) rebuild_chain_table(cs);
}

void reset_graph() noexcept {
  core_state& cs = core();
  for (std::uint32_t id = 1; id < cs.g.classes_high_water(); ++id) {
    lock_class& c = cs.g.cls(id);
    if (!c.in_use) continue;
    if (c.key) key_access::classes(*c.key)[c.subclass].store(nullptr, std::memory_order_release);
    cs.g.free_class(c);
  }
  cs.nr_chain_recs = 0;
  cs.hlocks_used = 0;
  cs.chains.clear();
}

// ---- keys -------------------------------------------------------------------------------

namespace {
// Is any class of `key` on some thread's held stack?
bool key_held(lock_class_key& key) {
  bool held = false;
  for_each_thread([&](thread_state& t) {
    const unsigned d = t.depth.load(std::memory_order_relaxed);
    for (unsigned i = 0; i < d && i < k_max_held_capacity; ++i) {
      lock_class* c = t.held[i].cls.load(std::memory_order_relaxed);
      if (c && c->key == &key) held = true;
    }
  });
  return held;
}
}  // namespace

LOCKDEP_INTERNAL_END

LOCKDEP_BEGIN_NAMESPACE
using namespace internal;

void register_key(lock_class_key& key) {
  key_access::state(key).store(key_registered, std::memory_order_release);
}

bool unregister_key(lock_class_key& key) {
  thread_state* ts = current_thread_state();
  bool held = false;
  {
    cold_section cs(ts);
    // Under the graph lock: free_class() writes lock_class::key, which
    // key_held() reads through other threads' held stacks.
    held = key_held(key);
    core_state& c = core();
    for (unsigned s = 0; s < 8 && !held; ++s) {
      lock_class* cls = key_access::classes(key)[s].exchange(nullptr, std::memory_order_acq_rel);
      if (!cls) continue;
      drop_chains_with(cls->id);
      c.g.free_class(*cls);
    }
    if (!held) key_access::state(key).store(key_unregistered, std::memory_order_release);
  }
  if (held)
    misuse_report(ts, report_kind::bad_lock_usage, "unregistering a lock class key whose lock is held; refused",
                  nullptr);
  return !held;
}

bool reset() {
  thread_state* ts = current_thread_state();
  bool held = false;
  for_each_thread([&](thread_state& t) { held |= t.depth.load(std::memory_order_relaxed) > 0; });
  if (held) {
    misuse_report(ts, report_kind::bad_lock_usage, "lockdep::reset() while locks are held; refused", nullptr);
    return false;
  }
  deliver_pending();  // queued reports refer to traces that are about to go
  if (ts) ts->untracked_overflow = false;
  cold_section section(ts);
  reset_graph();
  forget_signatures();
  // Every trace id lived in a class, an edge or a queued report: with the
  // first two gone, the pool can start over unless a report is in flight.
  if (!reports_in_flight()) core().traces.clear();
  core().enabled.store(true, std::memory_order_relaxed);
  return true;
}

lock_map::lock_map(const char* name, wait_type inner, wait_type outer, check c, const char* file,
                   unsigned line, unsigned column) {
  bool unkeyed = false, runtime_name_in_system = false;
  lock_class_key* key = intern_site(name, file, line, column, &unkeyed, &runtime_name_in_system);
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

lock_map::lock_map(lock_class_key& key, wait_type inner, wait_type outer, check c) {
  map_access::init(*this, &key, inner, outer, c);
}

lock_map::~lock_map() {
  if (alive_ != k_map_alive) {
    misuse_report(current_thread_state(), report_kind::bad_lock_usage, "destroying a lock that was already destroyed",
                  this);
    return;
  }
  alive_ = k_map_dead;
  thread_state* ts = current_thread_state_if_any();
  if (ts && ts->nr_untracked) forget_untracked(*ts, *this);
  if (!ts || ts->depth.load(std::memory_order_relaxed) == 0) return;
  const unsigned d = ts->depth.load(std::memory_order_relaxed);
  for (unsigned i = 0; i < d; ++i) {
    if (ts->held[i].instance.load(std::memory_order_relaxed) == this) {
      misuse_report(ts, report_kind::held_lock_freed, "is freeing memory", this);
      forget_held_instance(*ts, *this);
      return;
    }
  }
}

LOCKDEP_END_NAMESPACE
