// Importing other processes' dependencies and queueing this one's for the
// graph store (imports.hpp).
#include "core/imports.hpp"

#include <sys/mman.h>

#include <atomic>
#include <cstring>
#include <new>

#include "core/core.hpp"
#include "core/signal_lines.hpp"

LOCKDEP_INTERNAL_BEGIN

namespace {

// Imported classes by descriptor hash (open addressing; written once by
// import_graph, read under the graph lock by register_class).
struct import_slot {
  std::uint64_t hash = 0;
  std::uint32_t id = 0;
  const lock_class_key* placeholder = nullptr;
};
import_slot* g_slots = nullptr;
std::uint32_t g_slot_mask = 0;

// The recording ring: written and read under the graph lock.
recorded_item* g_ring = nullptr;
std::uint32_t g_ring_cap = 0, g_ring_head = 0, g_ring_count = 0;
std::uint64_t g_ring_lost = 0;
std::atomic<bool> g_recording{false};
std::atomic<std::uint32_t> g_queued{0};
std::atomic<recorded_hook> g_hook{nullptr};
std::atomic<reset_hook> g_reset_hook{nullptr};
std::atomic<key_identity_fn> g_identity{nullptr};
// Two buffers: the listener writes the one not in use and flips, so a push
// copying the current one does not see it change (unless two tests start
// during one copy: then only the name is garbled).
char g_tests[2][k_test_chars];
std::atomic<int> g_test_index{0};

void put(char (&out)[k_descriptor_chars], std::size_t& at, const char* s) {
  while (s && *s && at + 1 < k_descriptor_chars) out[at++] = *s++;
  out[at] = 0;
}
void put_number(char (&out)[k_descriptor_chars], std::size_t& at, unsigned v) {
  char tmp[12];
  int n = 0;
  do tmp[n++] = static_cast<char>('0' + v % 10), v /= 10;
  while (v);
  while (n && at + 1 < k_descriptor_chars) out[at++] = tmp[--n];
  out[at] = 0;
}

import_slot* find_slot(std::uint64_t hash) {
  if (!g_slots) return nullptr;
  for (std::uint32_t i = static_cast<std::uint32_t>(hash) & g_slot_mask;; i = (i + 1) & g_slot_mask) {
    if (g_slots[i].hash == hash) return &g_slots[i];
    if (g_slots[i].hash == 0) return nullptr;
  }
}

// False for a key with neither a name nor a site (an unnamed dynamic key):
// nothing tells it apart in another process, so it is neither stored nor matched.
bool describe(const lock_class& c, char (&out)[k_descriptor_chars]) {
  describe_class(*c.key, c.subclass, c.wait_inner, c.wait_outer, out);
  return out[0] != '|' || out[1] != '|';
}

void copy_frames(recorded_item& it, std::uint32_t trace) {
  it.nr_frames = 0;
  if (!trace || is_imported_trace(trace)) return;
  unsigned n = 0;
  const std::uintptr_t* f = core().traces.get(trace, &n);
  if (n > k_recorded_frames) n = k_recorded_frames;
  for (unsigned i = 0; i < n; ++i) it.frames[i] = f[i];
  it.nr_frames = n;
}

void copy_test(recorded_item& it) {
  const char* t = g_tests[g_test_index.load(std::memory_order_acquire)];
  std::memcpy(it.test, t, k_test_chars);
  it.test[k_test_chars - 1] = 0;
}

recorded_item* push() {
  if (g_ring_count == g_ring_cap) {
    ++g_ring_lost;
    return nullptr;
  }
  recorded_item* it = &g_ring[(g_ring_head + g_ring_count++) % g_ring_cap];
  g_queued.store(g_ring_count, std::memory_order_relaxed);
  return it;
}

// Imported signal usage (imports.hpp), class ids resolved: applied to a
// signal's line when the import finds it has one, else when it gets one
// (signal_line_hook, maybe in a handler: only atomics). A later import
// publishes a new table; the old one is never freed, as a handler may be
// reading it (one small table per lockdep::reset(), kept reachable from
// the new one: not a leak).
struct signal_usage_entry {
  std::uint32_t cls;
  int sig;
  std::uint8_t bits;
};
struct signal_usage_table {
  std::uint32_t n = 0;
  signal_usage_entry* entries = nullptr;
  signal_usage_table* previous = nullptr;
};
std::atomic<signal_usage_table*> g_signal_usage{nullptr};

// Usage bits `bits` imported into c: those it gains are marked as
// another process's (reports say so where they would print the stack).
void import_usage(lock_class& c, std::uint32_t bits) {
  const std::uint32_t gained = bits & ~c.usage.fetch_or(bits, std::memory_order_relaxed);
  for (unsigned b = 0; b < usage_bits; ++b)
    if ((gained & bit_mask(b)) && !c.usage_trace[b]) c.usage_trace[b] = k_imported_trace;
}

void apply_signal_usage(const signal_usage_table& t, int sig, unsigned line) {
  const unsigned state = k_first_signal_state + line;
  for (std::uint32_t i = 0; i < t.n; ++i) {
    const signal_usage_entry& e = t.entries[i];
    if (e.sig != sig) continue;
    lock_class& c = core().g.cls(e.cls);
    if (!c.in_use) continue;  // dropped by a reset the next import replaces
    import_usage(c, static_cast<std::uint32_t>(e.bits & 0xfu) << state_base(state));
    if (e.bits & (bit_mask(0) | bit_mask(k_read_bit))) note_signal_state_used_in(state);
  }
}

void on_signal_line(int sig, unsigned line) {
  if (const signal_usage_table* t = g_signal_usage.load(std::memory_order_acquire)) apply_signal_usage(*t, sig, line);
}

// A table with room for `n` entries (allocated outside the graph lock),
// or nullptr when there is nothing to publish or no memory (then no signal
// usage is imported). Made empty too when an earlier table exists, which
// it keeps reachable.
signal_usage_table* alloc_signal_table(std::uint32_t n) {
  if (!n && !g_signal_usage.load(std::memory_order_acquire)) return nullptr;
  auto* t = new (std::nothrow) signal_usage_table;
  auto* entries = n ? new (std::nothrow) signal_usage_entry[n] : nullptr;
  if (!t || (n && !entries)) {
    delete t;
    delete[] entries;
    return nullptr;
  }
  t->entries = entries;
  return t;
}

// Graph lock held: the imported classes have their ids.
void fill_signal_table(signal_usage_table& t, const imported_class* classes, std::uint32_t nr_classes,
                       const imported_signal_usage* signals, std::uint32_t n) {
  for (std::uint32_t i = 0; i < n; ++i) {
    const imported_signal_usage& u = signals[i];
    if (u.cls >= nr_classes || !classes[u.cls].id || u.sig <= 0) continue;
    t.entries[t.n++] = {classes[u.cls].id, u.sig, u.bits};
  }
}

}  // namespace

void describe_class(const lock_class_key& key, unsigned subclass, unsigned inner, unsigned outer,
                    char (&out)[k_descriptor_chars]) noexcept {
  std::size_t at = 0;
  out[0] = 0;
  if (const char* file = key_access::site_file(key)) {
    const char* base = std::strrchr(file, '/');
    put(out, at, base ? base + 1 : file);
    put(out, at, ":");
    put_number(out, at, key_access::site_line(key));
    put(out, at, ":");
    put_number(out, at, key_access::site_column(key));
  }
  put(out, at, "|");
  const key_identity_fn identity = g_identity.load(std::memory_order_acquire);
  const char* stable = identity ? identity(key) : nullptr;
  put(out, at, stable ? stable : key.name());
  put(out, at, "|");
  put_number(out, at, subclass);
  put(out, at, "|");
  put_number(out, at, inner);
  put(out, at, "|");
  put_number(out, at, outer);
}

void set_key_identity(key_identity_fn fn) noexcept { g_identity.store(fn, std::memory_order_release); }

std::uint64_t descriptor_hash(const char* d) noexcept {
  std::uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a
  for (; *d; ++d) h = (h ^ static_cast<unsigned char>(*d)) * 0x100000001b3ull;
  return h ? h : 1;  // 0 marks an empty slot
}

bool import_graph(imported_class* classes, std::uint32_t nr_classes, const imported_dependency* deps,
                  std::uint32_t nr_deps, const imported_signal_usage* signals, std::uint32_t nr_signals) noexcept {
  core_state& cs = core();
  // Room for the imported classes and the live ones (read early, so with
  // slack; a class registered in between only misses its match).
  const std::uint32_t live_bound = cs.g.classes_high_water() + 1024;
  std::uint32_t cap = 16;
  while (cap < 2 * (nr_classes + live_bound)) cap <<= 1;
  auto* slots = new (std::nothrow) import_slot[cap];
  if (!slots) return false;
  auto slot_of = [&](std::uint64_t hash) -> import_slot& {
    std::uint32_t i = static_cast<std::uint32_t>(hash) & (cap - 1);
    while (slots[i].hash != 0 && slots[i].hash != hash) i = (i + 1) & (cap - 1);
    return slots[i];
  };
  signal_usage_table* table = alloc_signal_table(signals ? nr_signals : 0);
  bool complete = true;
  import_slot* old = nullptr;
  {
    cold_section section(nullptr);
    // Classes this process already uses keep their ids: entered without a
    // placeholder, so register_class never adopts them.
    char d[k_descriptor_chars];
    std::uint32_t live = 0;
    for (std::uint32_t id = 1; id < cs.g.classes_high_water() && live < live_bound; ++id) {
      lock_class& c = cs.g.cls(id);
      if (!c.in_use || !c.key || !describe(c, d)) continue;
      const std::uint64_t h = descriptor_hash(d);
      slot_of(h) = {h, id, nullptr};
      ++live;
    }
    for (std::uint32_t i = 0; i < nr_classes && complete; ++i) {
      imported_class& ic = classes[i];
      import_slot& s = slot_of(ic.hash);
      lock_class* c = s.hash ? &cs.g.cls(s.id) : cs.g.alloc_class();
      if (!c) {
        complete = false;
        break;
      }
      if (!s.hash) {
        c->key = ic.placeholder;
        c->subclass = ic.subclass;
        c->wait_inner = ic.wait_inner;
        c->wait_outer = ic.wait_outer;
        key_access::classes(*ic.placeholder)[ic.subclass & 7u].store(c, std::memory_order_release);
        s = {ic.hash, c->id, ic.placeholder};
      }
      import_usage(*c, ic.usage & ~k_signal_usage_mask);  // lines: by signal name, below
      ic.id = c->id;
    }
    for (std::uint32_t i = 0; i < nr_deps && complete; ++i) {
      const imported_dependency& e = deps[i];
      if (e.from >= nr_classes || e.to >= nr_classes) continue;
      const std::uint32_t from = classes[e.from].id, to = classes[e.to].id;
      if (!from || !to || from == to) continue;
      const std::uint32_t existing = cs.g.find_edge(from, to);
      if (existing && (cs.g.dep(existing).dep & e.bits) == e.bits) continue;
      const std::uint32_t trace = existing ? cs.g.dep(existing).trace : k_imported_trace | e.edge_id;
      if (!cs.g.add_edge(from, to, e.bits, true, trace)) complete = false;
    }
    // A later import (benchmarks, after lockdep::reset) replaces the table;
    // the old one is freed outside the graph lock.
    old = g_slots;
    g_slot_mask = cap - 1;
    g_slots = slots;
    // Signal usage: to the lines this process has now, and (the hook) to
    // those it gives signals later.
    if (table) {
      fill_signal_table(*table, classes, nr_classes, signals, nr_signals);
      table->previous = g_signal_usage.load(std::memory_order_relaxed);
      g_signal_usage.store(table, std::memory_order_release);
      set_signal_line_hook(&on_signal_line);
      for (unsigned line = 0; line < k_shared_signal_line; ++line)
        if (const int sig = line_signal(line); sig > 0) apply_signal_usage(*table, sig, line);
    }
  }
  delete[] old;
  return complete;
}

lock_class* adopt_imported_class(lock_class_key& key, unsigned subclass, std::uint8_t inner,
                                 std::uint8_t outer) noexcept {
  if (!g_slots) return nullptr;
  char d[k_descriptor_chars];
  describe_class(key, subclass, inner, outer, d);
  if (d[0] == '|' && d[1] == '|') return nullptr;  // neither site nor name
  import_slot* s = find_slot(descriptor_hash(d));
  if (!s || !s->placeholder) return nullptr;
  lock_class& c = core().g.cls(s->id);
  // Recycled (its placeholder's class was dropped) or adopted already.
  if (!c.in_use || c.key != s->placeholder) return nullptr;
  c.key = &key;
  s->placeholder = nullptr;
  return &c;
}

void set_recording_test(const char* suite, const char* name) noexcept {
  const int next = 1 - g_test_index.load(std::memory_order_relaxed);
  char(&out)[k_test_chars] = g_tests[next];
  std::size_t at = 0;
  for (const char* s = suite; s && *s && at + 2 < k_test_chars;) out[at++] = *s++;
  if (suite && name) out[at++] = '.';
  for (const char* s = name; s && *s && at + 1 < k_test_chars;) out[at++] = *s++;
  out[at] = 0;
  g_test_index.store(next, std::memory_order_release);
}

bool start_recording(std::uint32_t capacity) noexcept {
  if (g_recording.load() || capacity == 0) return false;
  void* mem = mmap(nullptr, sizeof(recorded_item) * capacity, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) return false;
  cold_section section(nullptr);
  g_ring = static_cast<recorded_item*>(mem);
  g_ring_cap = capacity;
  g_recording.store(true, std::memory_order_release);
  return true;
}

unsigned take_recorded(recorded_item* out, unsigned max, std::uint64_t* lost) noexcept {
  if (!g_recording.load(std::memory_order_acquire)) return 0;
  cold_section section(nullptr);
  unsigned n = 0;
  for (; n < max && g_ring_count; ++n, --g_ring_count) {
    out[n] = g_ring[g_ring_head];
    g_ring_head = (g_ring_head + 1) % g_ring_cap;
  }
  g_queued.store(g_ring_count, std::memory_order_relaxed);
  *lost = g_ring_lost;
  g_ring_lost = 0;
  return n;
}

bool recorded_pending() noexcept { return g_queued.load(std::memory_order_relaxed) != 0; }
void set_recorded_hook(recorded_hook h) noexcept { g_hook.store(h, std::memory_order_release); }
void run_recorded_hook() noexcept {
  if (!recorded_pending()) return;
  if (recorded_hook h = g_hook.load(std::memory_order_acquire)) h();
}

void set_reset_hook(reset_hook h) noexcept { g_reset_hook.store(h, std::memory_order_release); }
void run_reset_hook() noexcept {
  if (reset_hook h = g_reset_hook.load(std::memory_order_acquire)) h();
}

void record_dependency(const lock_class& from, const lock_class& to, std::uint8_t bit,
                       std::uint32_t trace) noexcept {
  if (!g_recording.load(std::memory_order_relaxed) || !from.key || !to.key) return;
  char f[k_descriptor_chars], t[k_descriptor_chars];
  if (!describe(from, f) || !describe(to, t)) return;
  recorded_item* it = push();
  if (!it) return;
  it->dependency = true;
  it->bits = bit;
  it->signal[0] = 0;
  std::memcpy(it->from, f, sizeof f);
  std::memcpy(it->to, t, sizeof t);
  it->from_usage = from.usage.load(std::memory_order_relaxed) & ~k_signal_usage_mask;
  it->to_usage = to.usage.load(std::memory_order_relaxed) & ~k_signal_usage_mask;
  copy_frames(*it, trace);
  copy_test(*it);
}

void record_usage(const lock_class& c, unsigned bit, std::uint32_t trace) noexcept {
  if (!g_recording.load(std::memory_order_relaxed) || !c.key) return;
  // A signal line's bit is stored by its signal's name: only a line of one
  // signal has one (the shared line stands for several, an unassigned one
  // for none).
  int sig = 0;
  if (is_signal_bit(bit) && (sig = line_signal(state_of(bit) - k_first_signal_state)) <= 0) return;
  char d[k_descriptor_chars];
  if (!describe(c, d)) return;
  recorded_item* it = push();
  if (!it) return;
  it->dependency = false;
  it->bits = static_cast<std::uint8_t>(sig ? bit & 3u : bit);
  it->signal[0] = 0;
  if (sig) {
    char name[k_signal_name_chars];
    signal_name(sig, name);
    static_assert(sizeof it->signal == k_signal_name_chars);
    std::memcpy(it->signal, name, sizeof name);
  }
  std::memcpy(it->from, d, sizeof d);
  it->to[0] = 0;
  it->from_usage = c.usage.load(std::memory_order_relaxed) & ~k_signal_usage_mask;
  it->to_usage = 0;
  copy_frames(*it, trace);
  copy_test(*it);
}

LOCKDEP_INTERNAL_END
