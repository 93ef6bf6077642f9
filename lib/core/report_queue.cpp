// The report queue: building report records and handing them to the report layer.
//
// Records are built in a small ring under the graph lock (no allocation, so
// this works in a signal handler), deduplicated by a signature of (kind,
// classes, irq state), and delivered in order by whichever thread next leaves
// a cold section outside a signal handler. A full ring (only while reports
// pile up undelivered: in a signal handler, or behind a slow callback) counts
// the report as dropped and says so with the next delivered one, and does not
// remember its signature, so the same problem is reported when it recurs:
// nothing vanishes silently.
#include <cstring>

#include "core/caller_chains.hpp"
#include "core/core.hpp"
#include "core/imports.hpp"

LOCKDEP_INTERNAL_BEGIN

namespace {

constexpr unsigned k_ring = 32;  // ~20 KB a record, touched only when used
constexpr unsigned k_sig_slots = 8192;

enum slot_state : std::uint8_t { slot_free, slot_building, slot_ready, slot_delivering };

struct ring_slot {
  report_record rec;
  std::uint64_t seq = 0;
  slot_state state = slot_free;
};

ring_slot g_ring[k_ring];
std::uint64_t g_next_seq = 1;
std::uint64_t g_signatures[k_sig_slots];
std::uint32_t g_nr_signatures = 0;
std::atomic<deliver_hook> g_deliver{nullptr};
std::atomic<key_namer> g_namer{nullptr};
std::atomic<unsigned> g_pending{0};
std::uint64_t g_dropped_announced = 0;  // core().dropped already told; graph lock
spin_mutex g_deliver_lock;

// Returns false if the signature was seen before; otherwise records it if
// `store`.
bool remember(std::uint64_t s, bool store) {
  s |= 1;
  std::uint32_t i = static_cast<std::uint32_t>(s) & (k_sig_slots - 1);
  for (std::uint32_t probes = 0; probes < k_sig_slots; ++probes, i = (i + 1) & (k_sig_slots - 1)) {
    if (g_signatures[i] == s) return false;
    if (g_signatures[i] == 0) {
      // Keep the table at most 3/4 full; past that, stop deduplicating
      // rather than lose a report.
      if (store && g_nr_signatures < k_sig_slots / 4 * 3) {
        g_signatures[i] = s;
        ++g_nr_signatures;
      }
      return true;
    }
  }
  return true;
}

// Hand a filled record to delivery.
void publish(report_record& r) {
  auto* slot = reinterpret_cast<ring_slot*>(reinterpret_cast<char*>(&r) - offsetof(ring_slot, rec));
  slot->state = slot_ready;
  g_pending.fetch_add(1, std::memory_order_release);
}

void snapshot_key(const lock_class_key* key, class_snapshot& out) {
  out = class_snapshot{};
  out.key = key;
  if (!key) return;
  out.name = key->name();
  out.site_file = key_access::site_file(*key);
  out.site_line = key_access::site_line(*key);
}

// Late names (set_key_namer) for every class the record shows.
void name_classes(report_record& r, key_namer namer) {
  auto name = [namer](class_snapshot& c) {
    if (const char* n = c.key ? namer(c.key) : nullptr) c.name = n;
  };
  for (unsigned i = 0; i < r.nr_classes; ++i) name(r.classes[i]);
  for (unsigned i = 0; i < r.nr_chain; ++i) name(r.chain[i].cls);
  for (unsigned i = 0; i < r.nr_chain2; ++i) name(r.chain2[i].cls);
  for (unsigned i = 0; i < r.nr_held; ++i) name(r.held[i].cls);
}

}  // namespace

void set_key_namer(key_namer namer) noexcept { g_namer.store(namer, std::memory_order_release); }

// fork() child (fork.cpp): a thread that was delivering does not exist here.
void release_delivery_after_fork() noexcept { g_deliver_lock.unlock(); }

void set_deliver_hook(deliver_hook h) noexcept { g_deliver.store(h, std::memory_order_release); }

const std::uintptr_t* trace_frames(std::uint32_t id, unsigned* n) noexcept { return core().traces.get(id, n); }

report_record* begin_report(report_kind kind, std::uint64_t signature) noexcept {
  core_state& cs = core();
  ring_slot* slot = nullptr;
  for (ring_slot& s : g_ring) {
    if (s.state == slot_free) {
      slot = &s;
      break;
    }
  }
  if (!remember(signature, slot != nullptr)) {
    ++cs.suppressed;
    return nullptr;
  }
  if (!slot) {
    ++cs.dropped;
    return nullptr;
  }
  slot->state = slot_building;
  slot->seq = g_next_seq++;
  slot->rec = report_record{};
  slot->rec.kind = kind;
  return &slot->rec;
}

void snapshot_held(const held_lock& h, held_snapshot& out) noexcept {
  out = held_snapshot{};
  lock_class* c = h.cls.load(std::memory_order_relaxed);
  if (c) snapshot_class(*c, out.cls);
  out.instance = h.instance.load(std::memory_order_relaxed);
  out.ip = h.acquire_ip;
  out.callers = recorded_callers(h.caller_word);
  out.read = h.read;
  out.trylock = h.trylock;
  describe_lock(c, h.instance.load(std::memory_order_relaxed), out.text);
}

void finish_report(report_record& r, thread_state& ts) noexcept {
  core_state& cs = core();
  r.tid = ts.tid;
  thread_name(ts, r.thread_name);
  r.hardirq_depth = ts.hardirq_depth;
  r.softirq_depth = ts.softirq_depth;
  r.hardirqs_on = ts.hardirqs_on;
  r.softirqs_on = ts.bh_disable == 0 && ts.softirq_depth == 0;
  const unsigned depth = ts.depth.load(std::memory_order_relaxed);
  r.total_held = depth;
  r.nr_held = depth < k_record_max_held ? depth : k_record_max_held;
  for (unsigned i = 0; i < r.nr_held; ++i) snapshot_held(ts.held[i], r.held[i]);
  if (cs.stacktraces.load(std::memory_order_relaxed)) r.backtrace = cs.traces.capture(2, ts.entry_ip);
  publish(r);
}

void deliver_pending() noexcept {
  run_recorded_hook();  // the graph store's writes, outside every core lock
  // Without a report layer yet (a lock used by an early static
  // initialiser), records wait in the ring until it installs its hook.
  while (g_pending.load(std::memory_order_acquire) > 0 && g_deliver.load(std::memory_order_acquire)) {
    if (!g_deliver_lock.try_lock()) return;  // the deliverer in charge loops until empty
    for (;;) {
      ring_slot* next = nullptr;
      std::uint64_t dropped = 0;
      {
        cold_section section(nullptr);  // graph lock only; no delivery recursion (ts null is handled)
        for (ring_slot& s : g_ring)
          if (s.state == slot_ready && (!next || s.seq < next->seq)) next = &s;
        if (next) {
          next->state = slot_delivering;
          // Each drop is told once, by the first report delivered after it.
          dropped = core().dropped - g_dropped_announced;
          g_dropped_announced = core().dropped;
        }
      }
      if (!next) break;
      if (dropped) next->rec.dropped_before = dropped;
      thread_state* ts = current_thread_state_if_any();
      if (ts) ++ts->recursion;
      if (key_namer n = g_namer.load(std::memory_order_acquire)) name_classes(next->rec, n);
      if (deliver_hook h = g_deliver.load(std::memory_order_acquire)) h(next->rec);
      if (ts) --ts->recursion;
      {
        cold_section section(nullptr);
        next->state = slot_free;
      }
      g_pending.fetch_sub(1, std::memory_order_acq_rel);
    }
    g_deliver_lock.unlock();
  }
}

void misuse_report(thread_state* ts, report_kind kind, const char* message, const lock_map* m,
                   long value) noexcept {
  if (!ts || ts->recursion) return;
  cold_section section(ts);
  // Only a map that was constructed (alive, or destroyed by its destructor)
  // has a key worth reading; the bytes of one never constructed are
  // garbage, and following them could crash the program we report on.
  const bool constructed =
      m && (map_access::alive(*m) == k_map_alive || map_access::alive(*m) == k_map_dead);
  const lock_class_key* key = constructed ? m->key() : nullptr;
  lock_class* c = nullptr;
  if (key) c = key_access::classes(*m->key())[m->subclass() & 7u].load();
  // A lock never acquired has no class yet: its key tells it apart from others.
  const std::uint64_t who = c ? c->id : reinterpret_cast<std::uintptr_t>(key);
  const std::uint64_t s =
      problem_signature(kind, who, reinterpret_cast<std::uintptr_t>(message),
                        kind == report_kind::locks_held_at_exit ? static_cast<std::uint64_t>(ts->tid) : 0);
  report_record* r = begin_report(kind, s);
  if (!r) return;
  if (c)
    snapshot_class(*c, r->classes[0]);
  else if (key)
    snapshot_key(key, r->classes[0]);
  r->nr_classes = key ? 1 : 0;
  r->instance = m;
  r->message = message;
  r->value = value;
  finish_report(*r, *ts);
}

bool reports_in_flight() noexcept { return g_pending.load(std::memory_order_acquire) > 0; }

void forget_signatures() noexcept {
  for (std::uint64_t& s : g_signatures) s = 0;
  g_nr_signatures = 0;
}

void limit_reached(thread_state* ts, const char* limit, option_id option) noexcept {
  core_state& cs = core();
  if (!cs.enabled.exchange(false)) return;
  report_record* r = begin_report(report_kind::limit_reached,
                                  problem_signature(report_kind::limit_reached, reinterpret_cast<std::uintptr_t>(limit)));
  if (!r) return;
  r->message = limit;
  r->message2 = option_info(option).name;
  if (ts)
    finish_report(*r, *ts);
  else
    publish(*r);
}

LOCKDEP_INTERNAL_END
