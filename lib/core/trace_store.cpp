#include "core/trace_store.hpp"

#include <sys/mman.h>

#include <atomic>

LOCKDEP_INTERNAL_BEGIN

namespace {
std::atomic<capture_hook> g_capture{nullptr};

std::uint64_t hash_frames(const std::uintptr_t* f, unsigned n) {
  std::uint64_t h = 0xcbf29ce484222325ull ^ n;
  for (unsigned i = 0; i < n; ++i) {
    h ^= f[i];
    h *= 0x100000001b3ull;
    h ^= h >> 29;
  }
  return h | 1;  // never 0
}
}  // namespace

void set_capture_hook(capture_hook h) noexcept { g_capture.store(h, std::memory_order_release); }
capture_hook installed_capture_hook() noexcept { return g_capture.load(std::memory_order_acquire); }

bool trace_store::init(std::uint32_t max_entries) noexcept {
  max_ = max_entries;
  std::uint32_t buckets = 1;
  while (buckets < max_entries / 4) buckets <<= 1;
  void* p = mmap(nullptr, sizeof(std::uintptr_t) * max_, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  void* q = mmap(nullptr, sizeof(std::uint32_t) * buckets, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED || q == MAP_FAILED) return false;
  pool_ = static_cast<std::uintptr_t*>(p);
  index_ = static_cast<std::uint32_t*>(q);
  index_mask_ = buckets - 1;
  return true;
}

std::uint32_t trace_store::capture(unsigned skip, std::uintptr_t from_ip) noexcept {
  capture_hook h = g_capture.load(std::memory_order_acquire);
  if (!h || !enabled_ || full_) return 0;
  std::uintptr_t frames[k_max_trace_depth];
  unsigned n = h(frames, k_max_trace_depth, skip + 1);
  unsigned first = 0;
  if (from_ip) {
    for (unsigned i = 0; i < n; ++i) {
      if (frames[i] == from_ip) {
        first = i;
        break;
      }
    }
  }
  return store(frames + first, n - first);
}

std::uint32_t trace_store::store(const std::uintptr_t* frames, unsigned n) noexcept {
  if (n == 0 || full_) return 0;
  const std::uint64_t h = hash_frames(frames, n);
  std::uint32_t b = static_cast<std::uint32_t>(h) & index_mask_;
  for (std::uint32_t probes = 0; index_[b] && probes <= index_mask_; ++probes) {
    const std::uint32_t id = index_[b];
    if (pool_[id] == h && pool_[id + 1] == n) {
      bool same = true;
      for (unsigned i = 0; i < n && same; ++i) same = pool_[id + 2 + i] == frames[i];
      if (same) return id;
    }
    b = (b + 1) & index_mask_;
  }
  const std::uint32_t used = used_.load(std::memory_order_relaxed);
  if (used + 2 + n > max_ || index_[b]) {
    full_ = true;
    return 0;
  }
  const std::uint32_t id = used;
  pool_[id] = h;
  pool_[id + 1] = n;
  for (unsigned i = 0; i < n; ++i) pool_[id + 2 + i] = frames[i];
  used_.store(used + 2 + n, std::memory_order_relaxed);
  index_[b] = id;
  return id;
}

const std::uintptr_t* trace_store::get(std::uint32_t id, unsigned* n) const noexcept {
  if (id == 0 || id >= used_.load(std::memory_order_relaxed)) {
    *n = 0;
    return nullptr;
  }
  *n = static_cast<unsigned>(pool_[id + 1]);
  return pool_ + id + 2;
}

void trace_store::clear() noexcept {
  for (std::uint32_t b = 0; b <= index_mask_; ++b) index_[b] = 0;
  used_.store(1, std::memory_order_relaxed);
  full_ = false;
}

LOCKDEP_INTERNAL_END
