// Ranks of construction calls within their group (see member_sites.hpp).
#include "core/immortal.hpp"
#include "core/member_sites.hpp"

#include <atomic>
#include <mutex>
#include <string>
#include <tuple>

#include "absl/container/flat_hash_map.h"
#include "core/spin_mutex.hpp"

LOCKDEP_INTERNAL_BEGIN

namespace {

std::atomic<site_group_hook> g_group_hook{nullptr};

struct rank_table {
  spin_mutex lock;
  // A call, as the site gives it: pc plus the site's pointers.
  absl::flat_hash_map<std::tuple<const void*, const void*, unsigned, unsigned, const void*>, unsigned> by_call;
  // Groups per (site text, name text, code text).
  struct group {
    unsigned index = 0;      // + 1
    unsigned next_rank = 0;  // one past the highest rank given in it
  };
  absl::flat_hash_map<std::tuple<std::string, unsigned, unsigned, std::string, std::string>, group> groups;
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

void set_site_group_hook(site_group_hook h) noexcept { g_group_hook.store(h, std::memory_order_release); }

unsigned member_rank(const char* file, unsigned line, unsigned column, const char* name, const void* pc,
                     const void* lock) {
  if (!pc) return 0;
  rank_table& t = ranks();
  const auto call = std::make_tuple(pc, static_cast<const void*>(file), line, column, static_cast<const void*>(name));
  {
    std::lock_guard<spin_mutex> g(t.lock);
    if (auto it = t.by_call.find(call); it != t.by_call.end()) return it->second;
  }
  // Not under the table lock: symbolizing is slow and takes the loader's lock.
  char text[512];
  site_group_hook hook = g_group_hook.load(std::memory_order_acquire);
  if (!hook || !hook(reinterpret_cast<std::uintptr_t>(pc), text, sizeof text)) {
    // No way to group: one group for the site, so copies of an inlined
    // constructor rank apart only by where their locks lie.
    text[0] = 0;
  }
  std::lock_guard<spin_mutex> g(t.lock);
  if (auto it = t.by_call.find(call); it != t.by_call.end()) return it->second;  // ranked meanwhile
  auto [git, new_group] = t.groups.try_emplace(
      std::make_tuple(std::string(file ? file : "?"), line, column, std::string(name ? name : ""), std::string(text)),
      rank_table::group{});
  rank_table::group& grp = git->second;
  if (new_group) grp.index = static_cast<unsigned>(t.groups.size());
  const unsigned rank = rank_in_group(grp.index, grp.next_rank, reinterpret_cast<std::uintptr_t>(lock));
  if (rank >= grp.next_rank) grp.next_rank = rank + 1;
  t.by_call.emplace(call, rank);
  return rank;
}

LOCKDEP_INTERNAL_END
