#include "core/graph.hpp"

#include <sys/mman.h>

#include <new>
#include <utility>

#include "core/chain_cache.hpp"

LOCKDEP_INTERNAL_BEGIN

namespace {
// Zero-filled, lazily backed memory: untouched table pages cost nothing.
void* map_zeroed(std::size_t bytes) noexcept {
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return p == MAP_FAILED ? nullptr : p;
}
}  // namespace

bool graph::init(std::uint32_t max_classes, std::uint32_t max_deps) noexcept {
  max_classes_ = max_classes + 1;
  max_deps_ = max_deps + 1;
  void* c = map_zeroed(sizeof(lock_class) * max_classes_);
  void* d = map_zeroed(sizeof(dependency) * max_deps_);
  void* q = map_zeroed(sizeof(std::uint32_t) * 2 * max_classes_);
  if (!c || !d || !q) return false;
  // lock_class and dependency are valid when zero-filled except for the
  // atomics' and defaults' formal construction; construct lazily in
  // alloc_*, where every field is assigned.
  classes_ = static_cast<lock_class*>(c);
  deps_ = static_cast<dependency*>(d);
  queue_ = static_cast<std::uint32_t*>(q);
  return true;
}

std::uint64_t graph::bytes() const {
  return std::uint64_t(next_class_) * sizeof(lock_class) + std::uint64_t(next_dep_) * sizeof(dependency) +
         std::uint64_t(next_class_) * 2 * sizeof(std::uint32_t);
}

lock_class* graph::alloc_class() noexcept {
  std::uint32_t id;
  if (next_class_ < max_classes_) {
    id = next_class_++;
  } else if (free_classes_) {
    // Recycle the oldest dead class: the longest since any warm path could
    // have loaded a pointer to it.
    id = free_classes_;
    free_classes_ = classes_[id].next_free;
    if (!free_classes_) free_classes_tail_ = 0;
  } else {
    return nullptr;
  }
  lock_class* c = new (&classes_[id]) lock_class();
  c->id = id;
  for (unsigned read = 0; read < 4; ++read) c->chain_hash[read] = hlock_hash(hlock_id_of(id, read));
  c->in_use = true;
  ++nr_classes_;
  return c;
}

void graph::free_class(lock_class& c) noexcept {
  while (c.after_head) remove_edge(c.after_head);
  while (c.before_head) remove_edge(c.before_head);
  c.in_use = false;
  c.key = nullptr;
  c.usage.store(0, std::memory_order_relaxed);
  c.next_free = 0;
  if (free_classes_tail_)
    classes_[free_classes_tail_].next_free = c.id;
  else
    free_classes_ = c.id;
  free_classes_tail_ = c.id;
  --nr_classes_;
}

std::uint32_t graph::find_edge(std::uint32_t from, std::uint32_t to) const noexcept {
  for (std::uint32_t e = classes_[from].after_head; e; e = deps_[e].next_after)
    if (deps_[e].to == to) return e;
  return 0;
}

std::uint32_t graph::add_edge(std::uint32_t from, std::uint32_t to, std::uint8_t dep, bool direct,
                              std::uint32_t trace) noexcept {
  if (std::uint32_t e = find_edge(from, to)) {
    deps_[e].dep |= dep;
    deps_[e].direct |= direct;
    return e;
  }
  std::uint32_t id;
  if (free_deps_) {
    id = free_deps_;
    free_deps_ = deps_[id].next_after;
  } else if (next_dep_ < max_deps_) {
    id = next_dep_++;
  } else {
    return 0;
  }
  dependency& d = deps_[id];
  d = dependency{};
  d.from = from;
  d.to = to;
  d.dep = dep;
  d.direct = direct;
  d.trace = trace;
  d.in_use = true;
  // Append at the tail so that searches explore older (first-seen) edges
  // first, which keeps reported chains stable.
  std::uint32_t* link = &classes_[from].after_head;
  while (*link) link = &deps_[*link].next_after;
  *link = id;
  link = &classes_[to].before_head;
  while (*link) link = &deps_[*link].next_before;
  *link = id;
  ++classes_[from].nr_after;
  ++classes_[to].nr_before;
  ++nr_deps_;
  return id;
}

void graph::remove_edge(std::uint32_t id) noexcept {
  dependency& d = deps_[id];
  for (std::uint32_t* link = &classes_[d.from].after_head; *link; link = &deps_[*link].next_after) {
    if (*link == id) {
      *link = d.next_after;
      break;
    }
  }
  for (std::uint32_t* link = &classes_[d.to].before_head; *link; link = &deps_[*link].next_before) {
    if (*link == id) {
      *link = d.next_before;
      break;
    }
  }
  --classes_[d.from].nr_after;
  --classes_[d.to].nr_before;
  d.in_use = false;
  d.next_after = free_deps_;
  free_deps_ = id;
  --nr_deps_;
}

unsigned graph::path_to(std::uint32_t state, std::uint32_t* out_states, std::uint32_t* out_edges, unsigned cap,
                        unsigned* length) noexcept {
  // Collect target -> root, then reverse.
  unsigned n = 0;
  std::uint32_t s = state;
  for (; s != ~0u && n < cap;) {
    const lock_class& c = classes_[s >> 1];
    out_states[n] = s;
    out_edges[n] = c.parent_edge[s & 1];
    ++n;
    s = c.parent_state[s & 1];
  }
  if (length) {
    // The rest of the way to the root (a search's parent links form a tree).
    unsigned total = n;
    for (; s != ~0u; s = classes_[s >> 1].parent_state[s & 1]) ++total;
    *length = total;
  }
  for (unsigned i = 0; i < n / 2; ++i) {
    std::swap(out_states[i], out_states[n - 1 - i]);
    std::swap(out_edges[i], out_edges[n - 1 - i]);
  }
  return n;
}

// ---- chain cache -------------------------------------------------------------

bool chain_cache::init(std::uint32_t max_chains) noexcept {
  std::size_t n = 1;
  while (n < std::size_t(max_chains) * 2) n <<= 1;
  void* p = map_zeroed(n * sizeof(std::uint64_t));
  if (!p) return false;
  slots_ = static_cast<std::atomic<std::uint64_t>*>(p);
  mask_ = n - 1;
  max_ = max_chains;
  return true;
}

bool chain_cache::insert(std::uint64_t key) noexcept {
  key = normalize(key);
  if (size_ >= max_) return false;
  std::size_t i = static_cast<std::size_t>(key) & mask_;
  std::size_t reuse = ~std::size_t(0);
  for (;;) {
    std::uint64_t k = slots_[i].load(std::memory_order_relaxed);
    if (k == key) return true;
    if (k == k_removed && reuse == ~std::size_t(0)) reuse = i;
    if (k == k_empty) break;
    i = (i + 1) & mask_;
  }
  if (reuse != ~std::size_t(0)) {
    i = reuse;
  } else {
    ++used_;
  }
  slots_[i].store(key, std::memory_order_release);
  ++size_;
  return true;
}

// An odd step: 2^64 salts before one repeats. A never-written (zero) front
// entry matches only a key equal to the salt (probability 2^-64).
std::atomic<std::uint64_t> g_front_salt{0x9e3779b97f4a7c15ull};
namespace {
void change_front_salt() noexcept { g_front_salt.fetch_add(0x9e3779b97f4a7c15ull, std::memory_order_release); }
}  // namespace

void chain_cache::remove(std::uint64_t key) noexcept {
  key = normalize(key);
  std::size_t i = static_cast<std::size_t>(key) & mask_;
  for (;;) {
    std::uint64_t k = slots_[i].load(std::memory_order_relaxed);
    if (k == key) {
      slots_[i].store(k_removed, std::memory_order_release);
      --size_;
      change_front_salt();
      return;
    }
    if (k == k_empty) return;
    i = (i + 1) & mask_;
  }
}

void chain_cache::clear() noexcept {
  for (std::size_t i = 0; i <= mask_; ++i) slots_[i].store(k_empty, std::memory_order_relaxed);
  size_ = used_ = 0;
  change_front_salt();
}

LOCKDEP_INTERNAL_END
