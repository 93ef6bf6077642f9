// Interned labels for wait maps (lockdep/wait.hpp).
#include <boost/core/demangle.hpp>
#include <deque>
#include <string>
#include <typeindex>

#include "absl/container/flat_hash_map.h"
#include "core/spin_mutex.hpp"
#include "lockdep/wait.hpp"

LOCKDEP_INTERNAL_BEGIN

namespace {
struct name_table {
  spin_mutex lock;
  absl::flat_hash_map<std::string, const char*> labels;
  absl::flat_hash_map<std::type_index, const char*> callables;
  std::deque<std::string> storage;  // stable c_str()s
};
name_table& names() {
  static auto* t = new name_table();  // never destroyed: threads may outlive statics
  return *t;
}
const char* intern(name_table& t, std::string s) {
  auto [it, inserted] = t.labels.try_emplace(s, nullptr);
  if (inserted) it->second = t.storage.emplace_back(std::move(s)).c_str();
  return it->second;
}
}  // namespace

const char* wait_map_name(const char* kind, const char* name) {
  name_table& t = names();
  std::string label = std::string("(") + (kind ? kind : "wait") + ":" + (name ? name : "?") + ")";
  t.lock.lock();
  const char* p = intern(t, std::move(label));
  t.lock.unlock();
  return p;
}

const char* callable_name(const std::type_info& type) {
  name_table& t = names();
  t.lock.lock();
  auto it = t.callables.find(std::type_index(type));
  const char* p = it != t.callables.end() ? it->second : nullptr;
  t.lock.unlock();
  if (p) return p;
  std::string demangled = boost::core::demangle(type.name());
  t.lock.lock();
  p = intern(t, std::move(demangled));
  t.callables.emplace(std::type_index(type), p);
  t.lock.unlock();
  return p;
}

LOCKDEP_INTERNAL_END
