#include "core/bench_hooks.hpp"

#include "core/core.hpp"

LOCKDEP_INTERNAL_BEGIN

namespace {
lock_class* class_of(lock_class_key& key) {
  return register_class(key, 0, static_cast<std::uint8_t>(wait_type::sleep), 0, true);
}
}  // namespace

bool bench_add_dependency(lock_class_key& from, lock_class_key& to) noexcept {
  cold_section section(current_thread_state());
  lock_class* a = class_of(from);
  lock_class* b = class_of(to);
  return a && b && core().g.add_edge(a->id, b->id, dep_bit(0, 0), true, 0) != 0;
}

bool bench_has_dependency(lock_class_key& from, lock_class_key& to) noexcept {
  cold_section section(current_thread_state());
  lock_class* a = key_access::classes(from)[0].load(std::memory_order_acquire);
  lock_class* b = key_access::classes(to)[0].load(std::memory_order_acquire);
  return a && b && core().g.find_edge(a->id, b->id) != 0;
}

void bench_remove_dependency(lock_class_key& from, lock_class_key& to) noexcept {
  cold_section section(current_thread_state());
  lock_class* a = key_access::classes(from)[0].load(std::memory_order_acquire);
  lock_class* b = key_access::classes(to)[0].load(std::memory_order_acquire);
  if (!a || !b) return;
  if (std::uint32_t e = core().g.find_edge(a->id, b->id)) core().g.remove_edge(e);
  drop_chains_with(b->id);
}

bool bench_add_usage(lock_class_key& key, std::uint32_t usage_mask) noexcept {
  cold_section section(current_thread_state());
  lock_class* c = class_of(key);
  if (!c) return false;
  c->usage.fetch_or(usage_mask, std::memory_order_relaxed);
  return true;
}

LOCKDEP_INTERNAL_END
