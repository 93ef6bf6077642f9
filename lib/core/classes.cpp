// Lock classes: one per (key, subclass), registered on first use (with their
// `name#N` number, given once then), and copied out for reports.
#include <cstring>

#include "core/core.hpp"
#include "core/imports.hpp"

LOCKDEP_INTERNAL_BEGIN

namespace {
bool same_label(const lock_class& a, const lock_class& b) {
  const lock_class_key* ka = a.key;
  const lock_class_key* kb = b.key;
  if (!ka || !kb) return false;
  if (ka->name() || kb->name()) return ka->name() && kb->name() && std::strcmp(ka->name(), kb->name()) == 0;
  const char* fa = key_access::site_file(*ka);
  const char* fb = key_access::site_file(*kb);
  if (!fa || !fb) return false;
  const char* ba = std::strrchr(fa, '/');
  const char* bb = std::strrchr(fb, '/');
  return key_access::site_line(*ka) == key_access::site_line(*kb) &&
         std::strcmp(ba ? ba + 1 : fa, bb ? bb + 1 : fb) == 0;
}

// name#N, as the kernel numbers it at registration: one more than the
// highest number among live classes of other keys carrying this label;
// subclasses of one key share their key's number. Graph lock held.
std::uint16_t name_version_of(const lock_class& c) {
  core_state& cs = core();
  std::uint16_t highest = 0;
  for (std::uint32_t id = 1; id < cs.g.classes_high_water(); ++id) {
    const lock_class& o = cs.g.cls(id);
    if (!o.in_use || &o == &c || !same_label(o, c)) continue;
    if (o.key == c.key) return o.name_version;
    if (o.name_version > highest) highest = o.name_version;
  }
  return static_cast<std::uint16_t>(highest + 1);
}
}  // namespace

lock_class* register_class(lock_class_key& key, unsigned subclass, std::uint8_t inner, std::uint8_t outer,
                           bool validate) noexcept {
  auto* slot = &key_access::classes(key)[subclass];
  if (lock_class* c = slot->load(std::memory_order_acquire)) return c;
  core_state& cs = core();
  // A class another process recorded (graph_store) becomes this key's.
  lock_class* c = adopt_imported_class(key, subclass, inner, outer);
  if (!c) c = cs.g.alloc_class();
  if (!c) return nullptr;
  c->key = &key;
  c->subclass = static_cast<std::uint8_t>(subclass);
  c->wait_inner = inner;
  c->wait_outer = outer;
  c->validate = validate;
  c->name_version = name_version_of(*c);
  slot->store(c, std::memory_order_release);
  return c;
}


void snapshot_class(const lock_class& c, class_snapshot& out) noexcept {
  out = class_snapshot{};
  out.key = c.key;
  out.id = c.id;
  out.usage = c.usage.load(std::memory_order_relaxed);
  out.subclass = c.subclass;
  out.wait_inner = c.wait_inner;
  out.wait_outer = c.wait_outer;
  out.validate = c.validate;
  for (unsigned b = 0; b < usage_bits; ++b) out.usage_trace[b] = c.usage_trace[b];
  if (c.key) {
    out.name = c.key->name();
    out.site_file = key_access::site_file(*c.key);
    out.site_line = key_access::site_line(*c.key);
  }
  out.name_version = c.name_version;
}

LOCKDEP_INTERNAL_END
