// Waivers: reports the user declared known and accepted (lockdep/waiver.hpp).
// Matching runs in the delivering thread, outside every core lock, on the
// public report (whose classes carry their keys).
#include <algorithm>
#include <cstring>
#include <mutex>

#include "core/immortal.hpp"
#include "core/spin_mutex.hpp"
#include "lockdep/waiver.hpp"
#include "report/observer.hpp"

LOCKDEP_INTERNAL_BEGIN

namespace {

constexpr std::size_t k_max_listed = 10000;

// One side of a waiver: a class name or a key.
struct waiver_side {
  std::string name;
  const lock_class_key* key = nullptr;

  bool matches(const class_info& c) const {
    if (key) return c.key == key;
    return (!c.key_name.empty() && name == c.key_name) || name == c.name;
  }
};

struct waiver {
  waiver_side a, b;
  bool pair = false;
  std::string reason;
};

// Plain spin lock: never instrumented, so waiving can't report on itself.
// Held through std::lock_guard: the vectors may throw bad_alloc, and a
// spin lock left locked would hang every later report.
struct waiver_state {
  spin_mutex lock;
  std::vector<waiver> waivers;
  std::vector<waived_report> listed;
  std::uint64_t count = 0;
};

waiver_state& state() {
  return lockdep::internal::immortal<waiver_state>();  // never destroyed: reports may come during exit
}

}  // namespace

void waivers_fork_lock() noexcept { state().lock.lock(); }
void waivers_fork_unlock() noexcept { state().lock.unlock(); }

namespace {

void add(waiver w) {
  waiver_state& s = state();
  std::lock_guard<spin_mutex> g(s.lock);
  s.waivers.push_back(std::move(w));
}

}  // namespace

bool find_waiver(const report& rep, std::string* reason) {
  std::vector<waiver> ws;  // matched without holding the lock (class_name allocates)
  {
    waiver_state& s = state();
    std::lock_guard<spin_mutex> g(s.lock);
    ws = s.waivers;
  }
  for (const waiver& w : ws) {
    const bool has_a = any_class(rep, [&](const class_info& c) { return w.a.matches(c); });
    if (!has_a) continue;
    if (w.pair && !any_class(rep, [&](const class_info& c) { return w.b.matches(c); })) continue;
    *reason = w.reason;
    return true;
  }
  return false;
}

void note_waived(const report& rep, const std::string& reason) {
  waived_report w;
  w.kind = rep.kind;
  w.header = rep.header;
  for (const class_info& c : rep.classes) w.classes.push_back(c.name);
  w.reason = reason;
  waiver_state& s = state();
  std::lock_guard<spin_mutex> g(s.lock);
  ++s.count;
  if (s.listed.size() < k_max_listed) s.listed.push_back(std::move(w));
}

std::uint64_t waived_count() {
  waiver_state& s = state();
  std::lock_guard<spin_mutex> g(s.lock);
  return s.count;
}

LOCKDEP_INTERNAL_END

LOCKDEP_BEGIN_NAMESPACE
using namespace internal;

namespace {
waiver_side by_name(std::string_view name) {
  waiver_side w;
  w.name.assign(name.data(), name.size());
  return w;
}
waiver_side by_key(const lock_class_key& key) {
  waiver_side w;
  w.key = &key;
  return w;
}
waiver make_waiver(waiver_side a, waiver_side b, bool pair, std::string_view reason) {
  waiver w;
  w.a = std::move(a);
  w.b = std::move(b);
  w.pair = pair;
  w.reason.assign(reason.data(), reason.size());
  return w;
}
}  // namespace

void waive(std::string_view class_a, std::string_view class_b, std::string_view reason) {
  add(make_waiver(by_name(class_a), by_name(class_b), true, reason));
}
void waive(std::string_view class_name, std::string_view reason) {
  add(make_waiver(by_name(class_name), waiver_side(), false, reason));
}
void waive(const lock_class_key& a, const lock_class_key& b, std::string_view reason) {
  add(make_waiver(by_key(a), by_key(b), true, reason));
}
void waive(const lock_class_key& key, std::string_view reason) {
  add(make_waiver(by_key(key), waiver_side(), false, reason));
}

void clear_waivers() {
  waiver_state& s = state();
  std::lock_guard<spin_mutex> g(s.lock);
  s.waivers.clear();
}

std::vector<waived_report> waived_reports() {
  waiver_state& s = state();
  std::lock_guard<spin_mutex> g(s.lock);
  return s.listed;
}

LOCKDEP_END_NAMESPACE
