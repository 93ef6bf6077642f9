// Call sites and static objects -> lock_class_key, and the keys' names.
//
// Keys live in a pool of static-duration memory (never freed, like the
// code they name), so the core treats them as static keys. A key gets a
// cheap name at once ("pthread_mutex_init@prog+0x1234", no allocation) and
// its symbolized name ("pthread_mutex_init@bucket_new (buckets.c:12)") only
// when a report is about to print it (symbolized_name, called on delivery).
// Never in a hook: symbolizing allocates, and a hook may run inside the
// program's allocator (jemalloc takes a pthread mutex with trylock inside
// malloc), where allocating re-enters it and deadlocks. Naming lazily also
// keeps start-up cheap: most classes never appear in a report.
#include <backtrace.h>
#include <dlfcn.h>
#include <sys/mman.h>
#include <unwind.h>

#include <cstdio>
#include <cstring>
#include <new>
#include <string>

#include "core/frontend.hpp"
#include "lockdep/report.hpp"
#include "preload/preload.hpp"

namespace lockdep_preload {

using lockdep::lock_class_key;
using lockdep::internal::spin_mutex;

namespace {

constexpr unsigned k_max_keys = 16384;
constexpr unsigned k_site_slots = 1u << 15;  // open addressing, > 2x keys
constexpr unsigned k_name_len = 240;

struct key_info {
  call_site site;
  std::uintptr_t static_address = 0;
  lock_kind kind = lock_kind::mutex;
  site_origin origin = site_origin::init;
  bool is_static = false;
  char cheap_name[k_name_len];
  char full_name[k_name_len];
  // What stays the same from run to run of one build, whatever the key is
  // named later: every site frame as module+offset (the graph store's
  // class identity, stable_identity()).
  char identity[k_name_len];
  std::atomic<bool> named{false};  // full_name is written and published
};

struct site_table {
  spin_mutex lock;
  lock_class_key* keys = nullptr;  // k_max_keys
  key_info* info = nullptr;        // k_max_keys
  std::uint32_t* slots = nullptr;  // k_site_slots: key index + 1, 0 empty
  std::uint64_t* hashes = nullptr;
  std::atomic<unsigned> used{0};
  spin_mutex naming;  // symbolized_name(): one key named at a time
  bool ready = false;
};

site_table g_sites;

void* map_zeroed(std::size_t bytes) {
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  return p == MAP_FAILED ? nullptr : p;
}

bool ensure_tables() {
  if (g_sites.ready) return true;
  g_sites.keys = static_cast<lock_class_key*>(map_zeroed(sizeof(lock_class_key) * k_max_keys));
  g_sites.info = static_cast<key_info*>(map_zeroed(sizeof(key_info) * k_max_keys));
  g_sites.slots = static_cast<std::uint32_t*>(map_zeroed(sizeof(std::uint32_t) * k_site_slots));
  g_sites.hashes = static_cast<std::uint64_t*>(map_zeroed(sizeof(std::uint64_t) * k_site_slots));
  g_sites.ready = g_sites.keys && g_sites.info && g_sites.slots && g_sites.hashes;
  return g_sites.ready;
}

std::uint64_t mix(std::uint64_t h, std::uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
  return h * 0xff51afd7ed558ccdull;
}

const char* kind_word(lock_kind k, site_origin o) {
  switch (k) {
    case lock_kind::mutex: return o == site_origin::init ? "pthread_mutex_init" : "pthread_mutex_lock";
    case lock_kind::rwlock: return o == site_origin::init ? "pthread_rwlock_init" : "pthread_rwlock_lock";
    case lock_kind::spin: return o == site_origin::init ? "pthread_spin_init" : "pthread_spin_lock";
    case lock_kind::thread: return "pthread_create";
  }
  return "lock";
}

const char* static_word(lock_kind k) {
  switch (k) {
    case lock_kind::mutex: return "mutex";
    case lock_kind::rwlock: return "rwlock";
    case lock_kind::spin: return "spinlock";
    case lock_kind::thread: return "thread";
  }
  return "lock";
}

// "module+0xoff" without allocating.
void module_offset(std::uintptr_t address, char* out, std::size_t cap) {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(address), &info) && info.dli_fname) {
    const char* slash = std::strrchr(info.dli_fname, '/');
    const char* base = slash ? slash + 1 : info.dli_fname;
    if (!*base) base = "main";
    std::snprintf(out, cap, "%s+0x%lx", base,
                  static_cast<unsigned long>(address - reinterpret_cast<std::uintptr_t>(info.dli_fbase)));
  } else {
    std::snprintf(out, cap, "0x%lx", static_cast<unsigned long>(address));
  }
}

// Frame text "function (file:line)" from describe_frame's
// "function (module+0xoff) /path/file:line" or "function+0xoff /path/file:line"
// (its full text when there is no line information).
std::string short_frame(std::uintptr_t return_address) {
  const std::string d = lockdep::describe_frame(return_address);
  const std::size_t last_space = d.rfind(' ');
  const std::size_t colon = d.rfind(':');
  if (d.compare(0, 1, "?") == 0 || last_space == std::string::npos || colon == std::string::npos ||
      colon < last_space || d[last_space + 1] == '(')
    return d;
  std::string fn = d.substr(0, d.find(' '));
  if (const std::size_t plus = fn.rfind("+0x"); plus != std::string::npos) fn.resize(plus);
  std::string where = d.substr(last_space + 1);
  if (const std::size_t slash = where.rfind('/'); slash != std::string::npos) where = where.substr(slash + 1);
  return fn + " (" + where + ")";
}

backtrace_state* symbol_state() {
  static backtrace_state* s = backtrace_create_state(nullptr, 1, [](void*, const char*, int) {}, nullptr);
  return s;
}

void full_name(key_info& k) {
  std::string name;
  if (k.is_static) {
    const char* sym = nullptr;
    if (backtrace_state* st = symbol_state()) {
      backtrace_syminfo(
          st, k.static_address,
          [](void* data, std::uintptr_t, const char* symname, std::uintptr_t, std::uintptr_t) {
            *static_cast<const char**>(data) = symname;
          },
          [](void*, const char*, int) {}, &sym);
    }
    if (sym) name = sym;
    else name = std::string(static_word(k.kind)) + "@" + k.cheap_name;
  } else {
    name = kind_word(k.kind, k.origin);
    name += '@';
    for (unsigned i = 0; i < k.site.n; ++i) {
      if (i) name += " <- ";
      name += short_frame(k.site.frames[i]);
    }
  }
  std::snprintf(k.full_name, k_name_len, "%s", name.c_str());
}

lock_class_key* intern(std::uint64_t h, const call_site* s, std::uintptr_t static_address, lock_kind kind,
                       site_origin origin) {
  site_table& t = g_sites;
  t.lock.lock();
  if (!ensure_tables()) {
    t.lock.unlock();
    return nullptr;
  }
  h |= 1;
  lock_class_key* found = nullptr;
  std::uint32_t i = static_cast<std::uint32_t>(h) & (k_site_slots - 1);
  for (;; i = (i + 1) & (k_site_slots - 1)) {
    if (t.slots[i] == 0) break;
    if (t.hashes[i] != h) continue;
    const key_info& k = t.info[t.slots[i] - 1];
    const bool same = s ? (!k.is_static && k.kind == kind && k.origin == origin && k.site.n == s->n &&
                           std::memcmp(k.site.frames, s->frames, s->n * sizeof(std::uintptr_t)) == 0)
                        : (k.is_static && k.static_address == static_address && k.kind == kind);
    if (same) {
      found = &t.keys[t.slots[i] - 1];
      break;
    }
  }
  const unsigned used = t.used.load(std::memory_order_relaxed);
  if (!found && used < k_max_keys) {
    key_info& k = t.info[used];
    k.kind = kind;
    k.origin = origin;
    if (s) {
      k.site = *s;
      char where[160];
      module_offset(s->frames[0], where, sizeof where);
      std::snprintf(k.cheap_name, k_name_len, "%s@%s", kind_word(kind, origin), where);
      std::size_t at = static_cast<std::size_t>(std::snprintf(k.identity, k_name_len, "%s", k.cheap_name));
      for (unsigned f = 1; f < s->n && at + 1 < k_name_len; ++f) {
        module_offset(s->frames[f], where, sizeof where);
        const int w = std::snprintf(k.identity + at, k_name_len - at, "<%s", where);
        at += w > 0 ? static_cast<std::size_t>(w) : 0;
      }
    } else {
      k.is_static = true;
      k.static_address = static_address;
      module_offset(static_address, k.cheap_name, k_name_len);
      std::memcpy(k.identity, k.cheap_name, k_name_len);
    }
    found = new (&t.keys[used]) lock_class_key(k.cheap_name);
    t.slots[i] = used + 1;
    t.hashes[i] = h;
    t.used.store(used + 1, std::memory_order_release);
  }
  t.lock.unlock();
  return found;
}

struct unwind_state {
  std::uintptr_t* out;
  unsigned n, cap;
};

_Unwind_Reason_Code unwind_one(_Unwind_Context* ctx, void* arg) {
  auto* st = static_cast<unwind_state*>(arg);
  if (st->n >= st->cap) return _URC_END_OF_STACK;
  st->out[st->n++] = _Unwind_GetIP(ctx);
  return _URC_NO_REASON;
}

}  // namespace

void capture_site(call_site& out, std::uintptr_t caller) noexcept {
  const preload_options& o = options();
  if (o.site_frames == 1 && o.skip_frames == 0) {
    out.frames[0] = caller;
    out.n = 1;
    return;
  }
  std::uintptr_t frames[64];
  unwind_state st{frames, 0, 64};
  _Unwind_Backtrace(&unwind_one, &st);
  unsigned start = 0;
  while (start < st.n && frames[start] != caller) ++start;
  if (start == st.n) {  // unwinding failed: the direct caller alone
    out.frames[0] = caller;
    out.n = 1;
    return;
  }
  start += o.skip_frames;
  if (start >= st.n) start = st.n - 1;
  out.n = 0;
  for (unsigned i = start; i < st.n && out.n < o.site_frames; ++i) out.frames[out.n++] = frames[i];
}

lock_class_key* key_for_site(const call_site& s, lock_kind kind, site_origin origin) noexcept {
  std::uint64_t h = mix(static_cast<std::uint64_t>(kind) * 4 + static_cast<std::uint64_t>(origin), s.n);
  for (unsigned i = 0; i < s.n; ++i) h = mix(h, s.frames[i]);
  return intern(h, &s, 0, kind, origin);
}

lock_class_key* key_for_static(std::uintptr_t address, lock_kind kind) noexcept {
  return intern(mix(mix(0x5747, static_cast<std::uint64_t>(kind)), address), nullptr, address, kind,
                site_origin::first_lock);
}

bool in_static_segment(const void* address) noexcept {
  Dl_info info{};
  return dladdr(address, &info) != 0 && info.dli_fname != nullptr;
}

const char* symbolized_name(const lock_class_key* key) noexcept {
  site_table& t = g_sites;
  if (!key || !t.ready || key < t.keys || key >= t.keys + t.used.load(std::memory_order_acquire)) return nullptr;
  const auto i = static_cast<unsigned>(key - t.keys);
  key_info& k = t.info[i];
  if (k.named.load(std::memory_order_acquire)) return k.full_name;
  t.naming.lock();
  if (!k.named.load(std::memory_order_relaxed)) {
    full_name(k);
    // An atomic pointer store (release): a report being built reads either
    // name, never a torn or half-written one.
    lockdep::internal::set_key_name(t.keys[i], k.full_name);
    k.named.store(true, std::memory_order_release);
  }
  t.naming.unlock();
  return k.full_name;
}

const char* stable_identity(const lock_class_key& key) noexcept {
  site_table& t = g_sites;
  if (!t.ready || &key < t.keys || &key >= t.keys + t.used.load(std::memory_order_acquire)) return nullptr;
  return t.info[&key - t.keys].identity;
}

void reset_naming_after_fork_in_child() noexcept {
  // The child's only thread was not naming; another thread of the parent
  // may have been, and never will finish here. A key it was naming has no
  // `named` mark yet, so it is simply named again.
  new (&g_sites.naming) spin_mutex();
}

}  // namespace lockdep_preload
