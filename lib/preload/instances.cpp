// Lock address -> instance record.
//
// A program's pthread lock has no room for lockdep's state, so each lock
// seen gets a record in a side table: a chained hash of record indexes, one
// spin lock per stripe of buckets, records from an mmap'd pool (never
// malloc: the table is used inside allocators' locks). A record is dropped
// when its lock is destroyed or re-initialised, so memory reused by a new
// object starts fresh with the class of its own init (or first-lock) site.
#include <sys/mman.h>

#include <new>

#include "core/frontend.hpp"
#include "preload/preload.hpp"

namespace lockdep_preload {

using lockdep::lock_class_key;
using lockdep::internal::spin_mutex;

namespace {

constexpr std::uint32_t k_buckets = 1u << 16;
constexpr std::uint32_t k_stripes = 256;
constexpr std::uint32_t k_max_instances = 1u << 20;

struct instance_table {
  std::uint32_t* heads = nullptr;  // bucket -> record index + 1
  instance* pool = nullptr;        // k_max_instances
  std::uint32_t* free_list = nullptr;
  std::uint32_t nr_free = 0;
  std::uint32_t high_water = 0;
  spin_mutex pool_lock;
  spin_mutex stripes[k_stripes];
  std::atomic<int> state{0};  // 0 none, 1 mapping, 2 ready, 3 failed
};

instance_table g_table;
std::atomic<std::uint64_t> g_next_id{1};

// forget() by the thread that holds every stripe for fork(): another atfork
// handler (an allocator's, in the child) re-initialising or destroying its
// mutexes. The record is dropped at the next hook instead (retiring it takes
// the order and core locks, held too in that window). Guarded by
// g_deferred_lock, which the fork holder takes with the stripes.
thread_local bool tl_holds_tables_for_fork = false;
constexpr unsigned k_max_deferred = 64;  // more are kept (a stale class), not lost track of
spin_mutex g_deferred_lock;
std::uintptr_t g_deferred[k_max_deferred];
std::atomic<unsigned> g_nr_deferred{0};

bool ready() {
  int s = g_table.state.load(std::memory_order_acquire);
  if (s == 2) return true;
  if (s == 3) return false;
  int expected = 0;
  if (g_table.state.compare_exchange_strong(expected, 1)) {
    auto map = [](std::size_t bytes) -> void* {
      void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
      return p == MAP_FAILED ? nullptr : p;
    };
    g_table.heads = static_cast<std::uint32_t*>(map(sizeof(std::uint32_t) * k_buckets));
    g_table.pool = static_cast<instance*>(map(sizeof(instance) * k_max_instances));
    g_table.free_list = static_cast<std::uint32_t*>(map(sizeof(std::uint32_t) * k_max_instances));
    const bool ok = g_table.heads && g_table.pool && g_table.free_list;
    g_table.state.store(ok ? 2 : 3, std::memory_order_release);
    return ok;
  }
  while ((s = g_table.state.load(std::memory_order_acquire)) == 1) sched_yield();
  return s == 2;
}

std::uint32_t bucket_of(std::uintptr_t a) {
  std::uint64_t h = (a >> 3) * 0x9e3779b97f4a7c15ull;
  return static_cast<std::uint32_t>(h >> 48) & (k_buckets - 1);
}

spin_mutex& stripe_of(std::uint32_t bucket) { return g_table.stripes[bucket & (k_stripes - 1)]; }

// Stripe held.
instance* find_in_bucket(std::uint32_t bucket, std::uintptr_t a, std::uint32_t** link_out = nullptr) {
  std::uint32_t* link = &g_table.heads[bucket];
  while (*link) {
    instance* in = &g_table.pool[*link - 1];
    if (in->address.load(std::memory_order_relaxed) == a) {
      if (link_out) *link_out = link;
      return in;
    }
    link = &in->next;
  }
  return nullptr;
}

instance* alloc_record() {
  instance_table& t = g_table;
  t.pool_lock.lock();
  std::uint32_t idx = 0;
  if (t.nr_free) idx = t.free_list[--t.nr_free];
  else if (t.high_water < k_max_instances) idx = ++t.high_water;
  t.pool_lock.unlock();
  return idx ? &t.pool[idx - 1] : nullptr;
}

void free_record(instance* in) {
  instance_table& t = g_table;
  t.pool_lock.lock();
  t.free_list[t.nr_free++] = static_cast<std::uint32_t>(in - t.pool) + 1;
  t.pool_lock.unlock();
}

// Stripe held; links a fresh record for `a`.
instance* insert(std::uint32_t bucket, std::uintptr_t a, lock_kind kind, lock_class_key* key) {
  instance* in = alloc_record();
  if (!in) return nullptr;
  in->address.store(a, std::memory_order_relaxed);
  in->id = g_next_id.fetch_add(1, std::memory_order_relaxed);
  in->key = key;
  in->kind = kind;
  new (in->map_storage) lockdep::lock_map(*key, lockdep::wait_type::sleep);
  in->next = g_table.heads[bucket];
  g_table.heads[bucket] = static_cast<std::uint32_t>(in - g_table.pool) + 1;
  return in;
}

// Stripe held; unlinks and returns the record for the caller to retire
// outside the stripe (its lock_map destructor may report).
instance* unlink(std::uint32_t bucket, std::uintptr_t a) {
  std::uint32_t* link = nullptr;
  instance* in = find_in_bucket(bucket, a, &link);
  if (!in) return nullptr;
  *link = in->next;
  return in;
}

void retire(instance* in) {
  forget_order_edges(in->id);
  in->map().~lock_map();  // reports "held lock freed" if this thread holds it
  in->address.store(0, std::memory_order_relaxed);
  free_record(in);
}

}  // namespace

lockdep::lock_map& instance::map() noexcept { return *std::launder(reinterpret_cast<lockdep::lock_map*>(map_storage)); }

instance* lookup(const void* address) noexcept {
  if (!ready()) return nullptr;
  const auto a = reinterpret_cast<std::uintptr_t>(address);
  const std::uint32_t b = bucket_of(a);
  spin_mutex& s = stripe_of(b);
  s.lock();
  instance* in = find_in_bucket(b, a);
  s.unlock();
  return in;
}

instance* lookup_or_create(const void* address, lock_kind kind, std::uintptr_t caller) noexcept {
  if (instance* in = lookup(address)) return in;
  if (!ready()) return nullptr;
  // Choose the class outside the stripe (dladdr and the key table lock).
  lock_class_key* key = nullptr;
  const auto a = reinterpret_cast<std::uintptr_t>(address);
  if (in_static_segment(address)) {
    key = key_for_static(a, kind);
  } else {
    call_site site;
    capture_site(site, caller);
    key = key_for_site(site, kind, site_origin::first_lock);
  }
  if (!key) return nullptr;
  const std::uint32_t b = bucket_of(a);
  spin_mutex& s = stripe_of(b);
  s.lock();
  instance* in = find_in_bucket(b, a);  // another thread may have won
  if (!in) in = insert(b, a, kind, key);
  s.unlock();
  return in;
}

instance* reinitialise(const void* address, lock_kind kind, lock_class_key* key) noexcept {
  if (!ready() || !key) return nullptr;
  const auto a = reinterpret_cast<std::uintptr_t>(address);
  const std::uint32_t b = bucket_of(a);
  spin_mutex& s = stripe_of(b);
  s.lock();
  instance* old = unlink(b, a);
  instance* in = insert(b, a, kind, key);
  s.unlock();
  if (old) retire(old);
  return in;
}

void forget(const void* address) noexcept {
  if (!ready()) return;
  const auto a = reinterpret_cast<std::uintptr_t>(address);
  if (tl_holds_tables_for_fork) {
    const unsigned n = g_nr_deferred.load(std::memory_order_relaxed);
    if (n < k_max_deferred) {
      g_deferred[n] = a;
      g_nr_deferred.store(n + 1, std::memory_order_release);
    }
    return;
  }
  const std::uint32_t b = bucket_of(a);
  spin_mutex& s = stripe_of(b);
  s.lock();
  instance* old = unlink(b, a);
  s.unlock();
  if (old) retire(old);
}

void forget_deferred() noexcept {
  if (g_nr_deferred.load(std::memory_order_acquire) == 0) return;
  std::uintptr_t mine[k_max_deferred];
  g_deferred_lock.lock();
  const unsigned n = g_nr_deferred.load(std::memory_order_relaxed);
  for (unsigned i = 0; i < n; ++i) mine[i] = g_deferred[i];
  g_nr_deferred.store(0, std::memory_order_relaxed);
  g_deferred_lock.unlock();
  for (unsigned i = 0; i < n; ++i) forget(reinterpret_cast<const void*>(mine[i]));
}

void lock_tables_for_fork() noexcept {
  if (!ready()) return;
  for (spin_mutex& s : g_table.stripes) s.lock();
  g_table.pool_lock.lock();
  g_deferred_lock.lock();
  tl_holds_tables_for_fork = true;
}

void unlock_tables_after_fork() noexcept {
  if (!ready()) return;
  tl_holds_tables_for_fork = false;
  g_deferred_lock.unlock();
  g_table.pool_lock.unlock();
  for (spin_mutex& s : g_table.stripes) s.unlock();
}

}  // namespace lockdep_preload
