// Interned labels for wait maps (lockdep/wait.hpp).
#include <boost/core/demangle.hpp>
#include <deque>
#include <mutex>
#include <string>
#include <typeindex>

#include "absl/container/flat_hash_map.h"
#include "core/frontend.hpp"
#include "core/immortal.hpp"
#include "lockdep/wait.hpp"
#include "report/frames.hpp"
#include "report/observer.hpp"

LOCKDEP_INTERNAL_BEGIN

namespace {
struct name_table {
  spin_mutex lock;
  absl::flat_hash_map<std::string, const char*> labels;
  absl::flat_hash_map<std::type_index, const char*> callables;
  std::deque<std::string> storage;  // stable c_str()s
};
name_table& names() {
  return lockdep::internal::immortal<name_table>();  // never destroyed: threads may outlive statics
}
const char* intern(name_table& t, std::string s) {
  auto [it, inserted] = t.labels.try_emplace(s, nullptr);
  if (inserted) {
    it->second = t.storage.emplace_back(std::move(s)).c_str();
    // One class per label, as with a literal name (the label is the name
    // of the wait map's lock_map).
    note_constant_name(it->second);
  }
  return it->second;
}
}  // namespace

void wait_names_fork_lock() noexcept { names().lock.lock(); }
void wait_names_fork_unlock() noexcept { names().lock.unlock(); }

const char* wait_map_name(const char* kind, const char* name) {
  name_table& t = names();
  std::string label = std::string("(") + (kind ? kind : "wait") + ":" + (name ? name : "?") + ")";
  std::lock_guard<spin_mutex> g(t.lock);  // interning allocates: unlock on bad_alloc too
  return intern(t, std::move(label));
}

const char* callable_name(const std::type_info& type) {
  name_table& t = names();
  {
    std::lock_guard<spin_mutex> g(t.lock);
    if (auto it = t.callables.find(std::type_index(type)); it != t.callables.end()) return it->second;
  }
  std::string demangled = readable_name(boost::core::demangle(type.name()));  // outside the lock: it allocates a lot
  std::lock_guard<spin_mutex> g(t.lock);
  const char* p = intern(t, std::move(demangled));
  t.callables.emplace(std::type_index(type), p);
  return p;
}

LOCKDEP_INTERNAL_END
