// The report layer's read-only view (view.hpp): everything is copied under
// the cold section (graph lock held, signals blocked), and handed out after.
#include "core/view.hpp"

#include <time.h>

#include <algorithm>
#include <cstring>

#include "core/caller_chains.hpp"
#include "core/core.hpp"

LOCKDEP_INTERNAL_BEGIN

std::uint64_t now_ns() noexcept {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return std::uint64_t(t.tv_sec) * 1000000000u + std::uint64_t(t.tv_nsec);
}

// ---- counts and settings ---------------------------------------------------------

core_counts read_counts() noexcept {
  core_counts s;
  core_state& c = core();
  cold_section section(nullptr);
  s.suppressed = c.suppressed;
  s.dropped = c.dropped;
  s.classes = c.g.class_count();
  s.max_classes = c.limits.max_classes;
  s.dependencies = c.g.dependency_count();
  s.max_dependencies = c.limits.max_dependencies;
  s.chains = c.chains.size();
  s.max_chains = c.limits.max_chains;
  s.chain_hlocks = c.hlocks_used;
  s.max_chain_hlocks = c.limits.max_chain_hlocks;
  s.trace_entries = c.traces.used();
  s.max_trace_entries = c.traces.capacity();
  s.cold_path_entries = c.cold_entries;
  s.graph_bytes = c.g.bytes() + c.chains.bytes() + c.traces.bytes() +
                  std::uint64_t(c.nr_chain_recs) * sizeof(chain_record) + std::uint64_t(c.hlocks_used) * 4;
  s.enabled = c.enabled.load(std::memory_order_relaxed);
  return s;
}

std::uint32_t class_capacity() noexcept { return core().limits.max_classes + 1; }

void set_stacktraces(bool on) noexcept { core().stacktraces.store(on, std::memory_order_relaxed); }
void set_fork_report(bool on) noexcept { core().report_held_at_fork.store(on, std::memory_order_relaxed); }

// ---- the graph ------------------------------------------------------------------------

static_assert(k_dep_types[0].first == dep_en && k_dep_types[1].first == dep_sn && k_dep_types[2].first == dep_er &&
              k_dep_types[3].first == dep_sr);

namespace {

// Number of classes reachable from `root` (itself included); graph lock held.
std::uint32_t reachable(graph& g, std::uint32_t root, bool forward, std::vector<std::uint32_t>& mark,
                        std::uint32_t gen, std::vector<std::uint32_t>& queue) {
  queue.clear();
  queue.push_back(root);
  mark[root] = gen;
  for (std::size_t head = 0; head < queue.size(); ++head) {
    const lock_class& c = g.cls(queue[head]);
    for (std::uint32_t e = forward ? c.after_head : c.before_head; e;
         e = forward ? g.dep(e).next_after : g.dep(e).next_before) {
      const std::uint32_t next = forward ? g.dep(e).to : g.dep(e).from;
      if (mark[next] == gen) continue;
      mark[next] = gen;
      queue.push_back(next);
    }
  }
  return static_cast<std::uint32_t>(queue.size());
}

// Graph lock held.
class_view view_of(graph& g, std::uint32_t id) {
  class_view v;
  lock_class& c = g.cls(id);
  v.id = id;
  snapshot_class(c, v.snap);
  for (std::uint32_t e = c.after_head; e; e = g.dep(e).next_after)
    v.after.push_back({g.dep(e).to, g.dep(e).dep, g.dep(e).direct});
  return v;
}

}  // namespace

std::vector<class_view> read_graph(bool counts) {
  std::vector<class_view> out;
  cold_section section(current_thread_state());
  graph& g = core().g;
  const std::uint32_t high = g.classes_high_water();
  std::vector<std::uint32_t> mark(counts ? high + 1 : 0, 0), queue;
  std::uint32_t gen = 0;
  for (std::uint32_t id = 1; id < high; ++id) {
    if (!g.cls(id).in_use) continue;
    class_view v = view_of(g, id);
    if (counts) {
      v.forward = reachable(g, id, true, mark, ++gen, queue);
      v.backward = reachable(g, id, false, mark, ++gen, queue);
    }
    out.push_back(std::move(v));
  }
  return out;
}

std::vector<class_view> read_classes_if(std::uint32_t limit, bool (*want)(std::uint32_t id, void* ctx), void* ctx) {
  std::vector<class_view> out;
  cold_section section(current_thread_state());
  graph& g = core().g;
  for (std::uint32_t id = 1; id < g.classes_high_water() && id < limit; ++id) {
    if (!g.cls(id).in_use || !want(id, ctx)) continue;
    class_view v;
    v.id = id;
    snapshot_class(g.cls(id), v.snap);
    out.push_back(std::move(v));
  }
  return out;
}

std::vector<chain_view> read_chains() {
  std::vector<chain_view> chains;
  cold_section section(current_thread_state());
  core_state& cs = core();
  for (std::uint32_t i = 0; i < cs.nr_chain_recs; ++i) {
    const chain_record& rec = cs.chain_recs[i];
    if (!rec.live) continue;
    chain_view v{rec.irq_context, {}};
    for (std::uint32_t j = 0; j < rec.depth; ++j) {
      const std::uint32_t h = cs.chain_hlocks[rec.base + j];
      const std::uint32_t cid = h & 0xffffffu;
      if (cid == 0 || cid >= cs.g.classes_high_water()) continue;
      class_snapshot snap;
      snapshot_class(cs.g.cls(cid), snap);
      v.locks.emplace_back(snap, h >> 24);
    }
    chains.push_back(std::move(v));
  }
  return chains;
}

// ---- threads ------------------------------------------------------------------------------

// The thread list lock is held while copying raw pointers; classes are
// snapshotted under the graph lock after.
std::vector<thread_view> read_threads() {
  struct raw {
    pid_t tid;
    char name[32];
    std::vector<std::pair<lock_class*, const void*>> held;
    std::vector<std::uintptr_t> ips;
    std::vector<const std::uintptr_t*> callers;
    std::vector<std::uint8_t> reads;
    const void* waiting;  // address only: never dereferenced here
    lock_class_key* waiting_key;
    unsigned waiting_subclass;
    std::uint64_t start;
  };
  thread_state* self = current_thread_state();
  std::vector<raw> raws;
  raws.reserve(64);
  for_each_thread([&](thread_state& t) {
    raw r{t.tid,
          {},
          {},
          {},
          {},
          {},
          t.waiting_on.load(std::memory_order_acquire),
          t.waiting_key.load(std::memory_order_relaxed),
          t.waiting_subclass.load(std::memory_order_relaxed),
          t.wait_start_ns.load(std::memory_order_relaxed)};
    thread_name(t, r.name);  // here: `t` may be gone once the list is unlocked
    const unsigned d = std::min<unsigned>(t.depth.load(std::memory_order_acquire), k_max_held_capacity);
    for (unsigned i = 0; i < d; ++i) {
      r.held.emplace_back(t.held[i].cls.load(std::memory_order_relaxed),
                          t.held[i].instance.load(std::memory_order_relaxed));
      // Other fields are the owner's alone; read them only for ourselves.
      r.ips.push_back(&t == self ? t.held[i].acquire_ip : 0);
      r.callers.push_back(&t == self ? recorded_callers(t.held[i].caller_word) : nullptr);
      r.reads.push_back(&t == self ? t.held[i].read : 0);
    }
    raws.push_back(std::move(r));
  });
  std::vector<thread_view> out;
  for (raw& r : raws) {
    thread_view v;
    v.tid = r.tid;
    std::memcpy(v.name, r.name, sizeof v.name);
    {
      cold_section section(self);
      for (std::size_t i = 0; i < r.held.size(); ++i) {
        held_view h{{}, r.held[i].second, r.ips[i], r.callers[i], r.reads[i]};
        if (r.held[i].first) snapshot_class(*r.held[i].first, h.cls);
        v.held.push_back(h);
      }
      if (r.waiting && r.waiting_key) {
        v.waiting = true;
        v.waiting_instance = r.waiting;
        lock_class* c = key_access::classes(*r.waiting_key)[r.waiting_subclass & 7].load();
        if (c) snapshot_class(*c, v.waiting_cls);
        else v.waiting_cls.key = r.waiting_key, v.waiting_cls.name = r.waiting_key->name();
        v.wait_start = r.start;
      }
    }
    out.push_back(std::move(v));
  }
  return out;
}

bool any_wait_longer(std::uint64_t now, std::uint64_t limit_ns, std::uint64_t (*seen)(pid_t tid, void* ctx),
                     void* ctx) noexcept {
  bool any = false;
  for_each_thread([&](thread_state& t) {
    if (!t.waiting_on.load(std::memory_order_acquire)) return;
    const std::uint64_t start = t.wait_start_ns.load(std::memory_order_relaxed);
    any |= now > start && now - start > limit_ns && seen(t.tid, ctx) != start;
  });
  return any;
}

// ---- the calling thread -------------------------------------------------------------------

bool own_hold(const lock_map& m, bool in_handler_ok, std::uint32_t* class_id, bool* read) noexcept {
  const thread_state* ts = current_thread_state_if_any();
  if (!ts || (!in_handler_ok && (ts->recursion || ts->in_signal_handler))) return false;
  for (unsigned i = std::min<unsigned>(ts->depth.load(std::memory_order_relaxed), k_max_held_capacity); i-- > 0;) {
    const held_lock& h = ts->held[i];
    if (h.instance.load(std::memory_order_relaxed) != &m) continue;
    const lock_class* c = h.cls.load(std::memory_order_relaxed);
    if (!c) return false;
    *class_id = c->id;
    *read = h.read != 0;
    return true;
  }
  return false;
}

bool in_signal_handler() noexcept {
  const thread_state* ts = current_thread_state_if_any();
  return ts && ts->in_signal_handler;
}

bool wait_started(lock_map& m, std::uint64_t now) noexcept {
  thread_state* ts = current_thread_state_if_any();
  if (!ts || ts->recursion) return false;
  ts->wait_start_ns.store(now, std::memory_order_relaxed);
  ts->waiting_key.store(m.key(), std::memory_order_relaxed);
  ts->waiting_subclass.store(static_cast<std::uint8_t>(m.subclass()), std::memory_order_relaxed);
  ts->waiting_on.store(&m, std::memory_order_release);
  return true;
}

lock_map* wait_finished(std::uint64_t now, std::uint64_t* waited_ns) noexcept {
  thread_state* ts = current_thread_state_if_any();
  if (!ts) return nullptr;
  lock_map* m = ts->waiting_on.load(std::memory_order_relaxed);
  if (!m) return nullptr;
  const std::uint64_t start = ts->wait_start_ns.load(std::memory_order_relaxed);
  *waited_ns = now > start ? now - start : 0;
  ts->waiting_on.store(nullptr, std::memory_order_release);
  return m;
}

bool waiting_now() noexcept {
  const thread_state* ts = current_thread_state_if_any();
  return ts && ts->waiting_on.load(std::memory_order_relaxed);
}

LOCKDEP_INTERNAL_END
