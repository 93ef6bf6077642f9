// Ranks of construction calls within their group (see member_sites.hpp).
#include "core/immortal.hpp"
#include "core/member_sites.hpp"

#include <atomic>
#include <cstdio>
#include <mutex>
#include <string>
#include <tuple>

#include "absl/container/flat_hash_map.h"
#include "core/spin_mutex.hpp"

LOCKDEP_INTERNAL_BEGIN

namespace {

std::atomic<std::uintptr_t (*)(std::uintptr_t, const char*, bool*)> g_function_of{nullptr};
std::atomic<bool (*)(std::uintptr_t, char*, std::size_t)> g_inlined_into{nullptr};

struct rank_table {
  spin_mutex lock;
  // A call, as the site gives it: pc plus the site's pointers.
  absl::flat_hash_map<std::tuple<const void*, const void*, unsigned, unsigned, const void*>, unsigned> by_call;
  using site_text = std::tuple<std::string, unsigned, unsigned, std::string>;  // file, line, column, name
  // Groups per (site, code text): "fn <start>", then " in <line>" once split.
  struct group {
    unsigned index = 0;      // + 1
    unsigned next_rank = 0;  // one past the highest rank given in it
  };
  absl::flat_hash_map<std::tuple<site_text, std::string>, group> groups;
  unsigned group_count = 0;
  // Per (site, function): how the function's calls are grouped.
  struct code {
    bool one_copy = false;      // the site's own function: never split
    bool split = false;         // grouped by the line inlined into
    bool unsplittable = false;  // no line information: one group
    const void* first_pc = nullptr;
  };
  absl::flat_hash_map<std::tuple<site_text, std::uintptr_t>, code> codes;
};

rank_table& ranks() {
  return lockdep::internal::immortal<rank_table>();  // never destroyed: locks outlive statics
}
__attribute__((constructor)) void create_ranks_at_load() { ranks(); }

// The last new call this thread ranked in a few recent groups. The next new
// call of a group continues the object being built when its lock lies just
// above that one (members ascend in declaration order); otherwise it starts
// another object (`account x, y;` inlined twice into one line) at rank 0.
// A thread that has not ranked in the group yet (another thread ranked the
// calls before this one, racing on the same first object) continues after
// the highest rank given.
struct last_call {
  unsigned group;
  unsigned rank;
  std::uintptr_t address;
};
constexpr unsigned k_recent_groups = 8;
constexpr std::uintptr_t k_max_member_gap = 1u << 20;
__thread last_call t_recent[k_recent_groups] __attribute__((tls_model("initial-exec")));
__thread unsigned t_recent_next __attribute__((tls_model("initial-exec")));

unsigned rank_in_group(unsigned group, unsigned next_rank, std::uintptr_t address) {
  for (last_call& c : t_recent) {
    if (c.group != group) continue;
    const bool same_object = address > c.address && address - c.address < k_max_member_gap;
    c.rank = same_object ? c.rank + 1 : 0;
    c.address = address;
    return c.rank;
  }
  t_recent[t_recent_next++ % k_recent_groups] = last_call{group, next_rank, address};
  return next_rank;
}

}  // namespace

void set_site_group_hooks(site_group_hooks h) noexcept {
  g_function_of.store(h.function_of, std::memory_order_release);
  g_inlined_into.store(h.inlined_into, std::memory_order_release);
}

site_group_hooks site_group_hooks_now() noexcept {
  return site_group_hooks{g_function_of.load(std::memory_order_acquire), g_inlined_into.load(std::memory_order_acquire)};
}

namespace {

std::string inlined_into(const void* pc) {
  char text[512];
  auto hook = g_inlined_into.load(std::memory_order_acquire);
  if (!hook || !hook(reinterpret_cast<std::uintptr_t>(pc) - 1, text, sizeof text)) return {};
  return text;
}

}  // namespace

unsigned member_rank(const char* file, unsigned line, unsigned column, const char* name, const char* function,
                     const void* pc, const void* lock) {
  if (!pc) return 0;
  rank_table& t = ranks();
  const auto call = std::make_tuple(pc, static_cast<const void*>(file), line, column, static_cast<const void*>(name));
  {
    std::lock_guard<spin_mutex> g(t.lock);
    if (auto it = t.by_call.find(call); it != t.by_call.end()) return it->second;
  }
  // Not under the table lock: symbolizing is slow and takes the loader's lock.
  // pc - 1: the call instruction, not the one after it.
  bool one_copy = false;
  auto function_of = g_function_of.load(std::memory_order_acquire);
  const std::uintptr_t fn =
      function_of ? function_of(reinterpret_cast<std::uintptr_t>(pc) - 1, function, &one_copy) : 0;
  const rank_table::site_text site(file ? file : "?", line, column, name ? name : "");
  const auto code_key = std::make_tuple(site, fn);
  char base[32];
  std::snprintf(base, sizeof base, "fn %lx", static_cast<unsigned long>(fn));
  std::string text = base;

  std::unique_lock<spin_mutex> g(t.lock);
  if (auto it = t.by_call.find(call); it != t.by_call.end()) return it->second;  // ranked meanwhile
  auto [cit, fresh] = t.codes.try_emplace(code_key, rank_table::code{one_copy, false, false, pc});
  if (!fresh && !cit->second.one_copy && !cit->second.unsplittable) {
    // A second call in code an inlined constructor may have been copied into
    // more than once: which copy is it? (The debug information, once.)
    const void* first_pc = cit->second.split ? nullptr : cit->second.first_pc;
    g.unlock();
    const std::string mine = inlined_into(pc);
    const std::string first = first_pc ? inlined_into(first_pc) : std::string();
    g.lock();
    if (auto it = t.by_call.find(call); it != t.by_call.end()) return it->second;
    rank_table::code& c = t.codes[code_key];
    if (!c.split && !c.unsplittable) {
      if (mine.empty() || first.empty()) {
        c.unsplittable = true;
      } else {
        // The first call's group becomes its line's, ranks and index kept.
        if (auto old = t.groups.find(std::make_tuple(site, text)); old != t.groups.end()) {
          const rank_table::group kept = old->second;
          t.groups.erase(old);
          t.groups.emplace(std::make_tuple(site, text + " in " + first), kept);
        }
        c.split = true;
      }
    }
    if (c.split && !mine.empty()) text += " in " + mine;
  }
  auto [git, new_group] = t.groups.try_emplace(std::make_tuple(site, text), rank_table::group{});
  rank_table::group& grp = git->second;
  if (new_group) grp.index = ++t.group_count;
  const unsigned rank = rank_in_group(grp.index, grp.next_rank, reinterpret_cast<std::uintptr_t>(lock));
  if (rank >= grp.next_rank) grp.next_rank = rank + 1;
  t.by_call.emplace(call, rank);
  return rank;
}

LOCKDEP_INTERNAL_END
