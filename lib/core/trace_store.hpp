// Stack traces captured on the cold path, stored once each.
//
// A trace is a run of return addresses in one preallocated pool, named by a
// 32-bit id (0 = none). Identical traces are stored once (hash lookup), as
// the kernel does. Capturing goes through a hook the runtime installs (the
// core knows no unwinder); symbolizing happens only when a report prints.
// Graph lock held for every call except get().
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "lockdep/config.hpp"

LOCKDEP_INTERNAL_BEGIN

// Fills `out` with up to `max` return addresses of the caller, skipping
// `skip` innermost frames; returns the count. Must be async-signal-safe.
using capture_hook = unsigned (*)(std::uintptr_t* out, unsigned max, unsigned skip);
void set_capture_hook(capture_hook h) noexcept;
// The installed hook, or null (caller_chains.cpp's short unwinds).
capture_hook installed_capture_hook() noexcept;

constexpr unsigned k_max_trace_depth = 48;

class trace_store {
 public:
  bool init(std::uint32_t max_entries) noexcept;
  // Capture the current stack; 0 if disabled or the pool is full (then
  // `full()` turns true).
  // Frames before `from_ip` (lockdep's own) are dropped when it is found.
  std::uint32_t capture(unsigned skip, std::uintptr_t from_ip = 0) noexcept;
  std::uint32_t store(const std::uintptr_t* frames, unsigned n) noexcept;
  // Frames of trace `id`; safe to read at any time once stored.
  const std::uintptr_t* get(std::uint32_t id, unsigned* n) const noexcept;
  bool full() const { return full_; }
  // Forget every trace (graph lock held, no trace id referenced anywhere).
  void clear() noexcept;
  std::uint32_t used() const { return used_.load(std::memory_order_relaxed); }
  std::uint32_t capacity() const { return max_; }
  std::size_t bytes() const { return std::size_t(used()) * sizeof(std::uintptr_t); }
  void set_enabled(bool on) { enabled_ = on; }

 private:
  std::uintptr_t* pool_ = nullptr;  // [hash, len, frames...] per trace
  std::uint32_t* index_ = nullptr;  // open-addressing hash of ids
  std::uint32_t index_mask_ = 0;
  // Written under the graph lock; read by the report layer without it
  // (the traces it resolves were published to it through the graph lock).
  std::atomic<std::uint32_t> used_{1};
  std::uint32_t max_ = 0;
  bool full_ = false;
  bool enabled_ = true;
};

LOCKDEP_INTERNAL_END
