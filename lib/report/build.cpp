// Turning a core record into the public, structured lockdep::report: the
// one reader of the core's report records.
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/caller_chains.hpp"
#include "core/imports.hpp"
#include "core/signal_lines.hpp"
#include "core/usage.hpp"
#include "kinds/report_kinds.hpp"
#include "report/build.hpp"
#include "store/runtime.hpp"

LOCKDEP_INTERNAL_BEGIN

std::string class_name(const class_snapshot& c) {
  std::string s;
  if (c.name) {
    s = c.name;
  } else if (c.site_file) {
    const char* slash = std::strrchr(c.site_file, '/');
    s = absl::StrCat(slash ? slash + 1 : c.site_file, ":", c.site_line);
  } else if (c.key) {
    s = absl::StrFormat("key@%p", static_cast<const void*>(c.key));
  } else {
    s = "(unknown)";
  }
  if (c.name_version > 1) absl::StrAppend(&s, "#", c.name_version);
  if (c.subclass) absl::StrAppend(&s, "/", c.subclass);
  return s;
}

std::string class_state(const class_snapshot& c) {
  char u[k_usage_chars + 1];
  usage_chars(c.usage, u);
  const int outer = c.wait_outer ? c.wait_outer : c.wait_inner;
  return absl::StrFormat("{%s}-{%d:%d}", u, outer, c.wait_inner);
}

stack_trace make_trace(std::uint32_t id) {
  stack_trace t;
  if (is_imported_trace(id)) {  // a usage bit of another process (core/imports.hpp)
    t.imported = true;
    return t;
  }
  unsigned n = 0;
  const std::uintptr_t* f = trace_frames(id, &n);
  t.frames.assign(f, f + n);
  return t;
}

class_info make_class_info(const class_snapshot& c) {
  class_info ci;
  ci.name = class_name(c);
  if (c.name) ci.key_name = c.name;
  ci.key = c.key;
  ci.subclass = c.subclass;
  char u[k_usage_chars + 1];
  usage_chars(c.usage, u);
  ci.usage = u;
  ci.wait_inner = c.wait_inner;
  ci.wait_outer = c.wait_outer ? c.wait_outer : c.wait_inner;
  if (c.site_file) ci.key_location = ci.site = absl::StrCat(c.site_file, ":", c.site_line);
  else if (c.name) ci.key_location = c.name;
  for (unsigned b = 0; b < usage_bits; ++b)
    if ((c.usage & bit_mask(b)) && (!is_signal_bit(b) || line_signal(state_of(b) - k_first_signal_state) != 0))
      ci.usage_traces.emplace_back(usage_label(b), make_trace(c.usage_trace[b]));
  return ci;
}

namespace {

held_lock_info make_held(const class_snapshot* c, const void* instance, std::uintptr_t ip,
                         const std::uintptr_t* callers, std::uint8_t read, bool trylock) {
  held_lock_info h;
  if (c) h.cls = make_class_info(*c);
  h.instance = instance;
  h.read = static_cast<read_mode>(read);
  h.trylock = trylock;
  h.acquire_ip = ip;
  h.caller_ips = caller_list(callers);
  return h;
}

void replace_all(std::string& s, std::string_view token, const std::string& by) {
  for (std::size_t at; (at = s.find(token)) != std::string::npos;) s.replace(at, token.size(), by);
}

std::vector<dependency_step> make_chain(const chain_step* steps, unsigned n) {
  std::vector<dependency_step> out;
  out.reserve(n);
  for (unsigned i = 0; i < n; ++i) {
    const std::uint32_t t = steps[i].trace;
    out.push_back({make_class_info(steps[i].cls), make_trace(is_imported_trace(t) ? 0 : t), steps[i].depth, {}, {}});
    if (is_imported_trace(t) &&
        !imported_edge_origin(imported_edge_id(t), &out.back().imported_stack, &out.back().recorded_by))
      out.back().recorded_by = "recorded by another process (the graph store no longer has it)";
  }
  return out;
}

}  // namespace

std::string header_for(const report_record& r) {
  std::string h = kind_info(r.kind).header;
  replace_all(h, "{irq}", state_label(r.old_bit));
  replace_all(h, "{thread}", absl::StrFormat("%s/%d", r.thread_name, static_cast<int>(r.tid)));
  replace_all(h, "{limit}", r.message ? r.message : "BUG: lockdep limit reached!");
  return h;
}

// Everything the text shows, and more, from the core's record: the only
// place that reads one (the formatters read the report).
report build_report(const report_record& r) {
  report rep;
  rep.kind = r.kind;
  rep.header = header_for(r);
  rep.thread_name = r.thread_name;
  rep.tid = r.tid;
  rep.irq = {static_cast<int>(r.hardirq_depth), static_cast<int>(r.softirq_depth), r.hardirqs_on, r.softirqs_on};
  for (unsigned i = 0; i < r.nr_classes; ++i) rep.classes.push_back(make_class_info(r.classes[i]));
  if (r.instance || r.ip) {
    rep.acquiring = make_held(r.nr_classes > 0 ? &r.classes[0] : nullptr, r.instance, r.ip, r.callers, r.read, false);
    rep.acquiring->description = r.text;
  }
  if (r.other_instance || r.other_ip) {
    rep.conflicting = make_held(r.nr_classes > 1 ? &r.classes[1] : nullptr, r.other_instance, r.other_ip,
                                r.other_callers, r.other_read, false);
    rep.conflicting->description = r.other_text;
  }
  rep.chain = make_chain(r.chain, r.nr_chain);
  rep.forward_chain = make_chain(r.chain2, r.nr_chain2);
  rep.chain_truncated = r.truncated;
  rep.held_total = r.total_held;
  for (unsigned i = 0; i < r.nr_held; ++i) {
    const held_snapshot& h = r.held[i];
    rep.held_locks.push_back(make_held(&h.cls, h.instance, h.ip, h.callers, h.read, h.trylock));
    rep.held_locks.back().description = h.text;
  }
  if (kind_info(r.kind).traits & k_kind_usage) {
    rep.old_usage = usage_label(r.old_bit);
    rep.new_usage = usage_label(r.new_bit);
  }
  if (r.kind == report_kind::irq_lock_inversion) rep.irq_state_name = state_label(r.new_bit & ~k_read_bit);
  if (r.kind == report_kind::inconsistent_lock_state) rep.irq_state_name = state_label(r.new_bit & ~k_read_bit);
  if (r.kind == report_kind::irq_safe_to_unsafe) rep.irq_state_name = state_label(r.old_bit);
  rep.irq_forwards = r.forwards;
  rep.context_outer = r.ctx_outer;
  rep.context_inner = r.ctx_inner;
  if (r.kind == report_kind::inconsistent_lock_state)
    rep.detail = absl::StrFormat("inconsistent {%s} -> {%s} usage.", rep.old_usage, rep.new_usage);
  else if (r.cmp_valid)
    rep.detail = absl::StrFormat("and the lock comparison function returns %d:", r.cmp_result);
  else if (r.message)
    rep.detail = r.message;
  if (r.kind == report_kind::limit_reached && r.message2) rep.limit_option = r.message2;
  rep.dropped_before = r.dropped_before;
  rep.backtrace = make_trace(r.backtrace);
  return rep;
}

LOCKDEP_INTERNAL_END

LOCKDEP_BEGIN_NAMESPACE
std::string_view to_string(report_kind k) {
  const auto i = static_cast<unsigned>(k);
  return i < std::size(internal::k_report_kinds) ? internal::k_report_kinds[i].name : "unknown";
}
LOCKDEP_END_NAMESPACE
