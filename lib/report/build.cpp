// Turning a core record into the public, structured lockdep::report.
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/usage.hpp"
#include "report/format.hpp"

LOCKDEP_INTERNAL_BEGIN

const char* usage_label(unsigned b) {
  static const char* const labels[] = {"IN-HARDIRQ-W", "IN-HARDIRQ-R", "HARDIRQ-ON-W", "HARDIRQ-ON-R",
                                       "IN-SOFTIRQ-W", "IN-SOFTIRQ-R", "SOFTIRQ-ON-W", "SOFTIRQ-ON-R",
                                       "INITIAL USE",  "INITIAL READ USE"};
  return b < usage_bits ? labels[b] : "?";
}

const char* state_label(unsigned b) {
  static const char* const labels[] = {"HARDIRQ", "HARDIRQ-READ", "SOFTIRQ", "SOFTIRQ-READ"};
  return labels[(state_of(b) * 2 + (b & k_read_bit)) & 3];
}

void usage_chars(std::uint32_t mask, char out[5]) {
  for (unsigned state = 0; state < k_irq_states; ++state) {
    for (unsigned read = 0; read < 2; ++read) {
      const unsigned in = state * 4 + read;
      const bool used_in = mask & bit_mask(in);
      const bool enabled = mask & bit_mask(in + k_dir_bit);
      char c = '.';
      if (enabled) c = used_in ? '?' : '+';
      else if (used_in) c = '-';
      out[state * 2 + read] = c;
    }
  }
  out[4] = 0;
}

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
  char u[5];
  usage_chars(c.usage, u);
  const int outer = c.wait_outer ? c.wait_outer : c.wait_inner;
  return absl::StrFormat("{%s}-{%d:%d}", u, outer, c.wait_inner);
}

stack_trace make_trace(std::uint32_t id) {
  stack_trace t;
  unsigned n = 0;
  const std::uintptr_t* f = trace_frames(id, &n);
  t.frames.assign(f, f + n);
  return t;
}

class_info make_class_info(const class_snapshot& c) {
  class_info ci;
  ci.name = class_name(c);
  char u[5];
  usage_chars(c.usage, u);
  ci.usage = u;
  ci.wait_inner = c.wait_inner;
  ci.wait_outer = c.wait_outer ? c.wait_outer : c.wait_inner;
  if (c.site_file) ci.key_location = absl::StrCat(c.site_file, ":", c.site_line);
  else ci.key_location = absl::StrFormat("%p", static_cast<const void*>(c.key));
  for (unsigned b = 0; b < usage_bits; ++b)
    if (c.usage & bit_mask(b)) ci.usage_traces.emplace_back(usage_label(b), make_trace(c.usage_trace[b]));
  return ci;
}

std::string header_for(const report_record& r) {
  switch (r.kind) {
    case report_kind::recursive_locking: return "WARNING: possible recursive locking detected";
    case report_kind::circular_dependency: return "WARNING: possible circular locking dependency detected";
    case report_kind::inconsistent_lock_state: return "WARNING: inconsistent lock state";
    case report_kind::irq_lock_inversion: return "WARNING: possible irq lock inversion dependency detected";
    case report_kind::irq_safe_to_unsafe: {
      const char* s = state_label(r.old_bit);
      return absl::StrFormat("WARNING: %s-safe -> %s-unsafe lock order detected", s, s);
    }
    case report_kind::invalid_wait_context: return "[ BUG: Invalid wait context ]";
    case report_kind::bad_unlock_balance: return "WARNING: bad unlock balance detected!";
    case report_kind::held_lock_freed: return "WARNING: held lock freed!";
    case report_kind::locks_held_at_exit:
      return absl::StrFormat("WARNING: %s/%d still has locks held!", r.thread_name, static_cast<int>(r.tid));
    case report_kind::nested_lock_not_taken: return "WARNING: Nested lock was not taken";
    case report_kind::bad_irq_state: return "WARNING: inconsistent irq state detected!";
    case report_kind::bad_lock_usage: return "WARNING: bad lock usage detected!";
    case report_kind::assertion_failed: return "WARNING: lock assertion failed!";
    case report_kind::limit_reached: return r.message ? r.message : "BUG: lockdep limit reached!";
  }
  return "WARNING: lockdep";
}

report build_report(const report_record& r) {
  report rep;
  rep.kind = r.kind;
  rep.header = header_for(r);
  rep.thread_name = r.thread_name;
  rep.tid = r.tid;
  for (unsigned i = 0; i < r.nr_classes; ++i) rep.classes.push_back(make_class_info(r.classes[i]));
  for (unsigned i = 0; i < r.nr_chain; ++i)
    rep.chain.push_back({make_class_info(r.chain[i].cls), make_trace(r.chain[i].trace), r.chain[i].depth});
  for (unsigned i = 0; i < r.nr_chain2; ++i)
    rep.chain.push_back({make_class_info(r.chain2[i].cls), make_trace(r.chain2[i].trace), r.chain2[i].depth});
  for (unsigned i = 0; i < r.nr_held; ++i) {
    held_lock_info h;
    h.cls = make_class_info(r.held[i].cls);
    h.instance = r.held[i].instance;
    h.read = static_cast<read_mode>(r.held[i].read);
    h.trylock = r.held[i].trylock;
    h.acquire_ip = r.held[i].ip;
    rep.held_locks.push_back(std::move(h));
  }
  if (r.kind == report_kind::inconsistent_lock_state)
    rep.detail = absl::StrFormat("inconsistent {%s} -> {%s} usage.", usage_label(r.old_bit), usage_label(r.new_bit));
  else if (r.message)
    rep.detail = r.message;
  rep.backtrace = make_trace(r.backtrace);
  rep.acquire_ip = r.ip;
  return rep;
}

std::string_view to_string(report_kind k) {
  switch (k) {
    case report_kind::recursive_locking: return "recursive_locking";
    case report_kind::circular_dependency: return "circular_dependency";
    case report_kind::inconsistent_lock_state: return "inconsistent_lock_state";
    case report_kind::irq_lock_inversion: return "irq_lock_inversion";
    case report_kind::irq_safe_to_unsafe: return "irq_safe_to_unsafe";
    case report_kind::invalid_wait_context: return "invalid_wait_context";
    case report_kind::bad_unlock_balance: return "bad_unlock_balance";
    case report_kind::held_lock_freed: return "held_lock_freed";
    case report_kind::locks_held_at_exit: return "locks_held_at_exit";
    case report_kind::nested_lock_not_taken: return "nested_lock_not_taken";
    case report_kind::bad_irq_state: return "bad_irq_state";
    case report_kind::bad_lock_usage: return "bad_lock_usage";
    case report_kind::assertion_failed: return "assertion_failed";
    case report_kind::limit_reached: return "limit_reached";
  }
  return "unknown";
}

LOCKDEP_INTERNAL_END

LOCKDEP_BEGIN_NAMESPACE
std::string_view to_string(report_kind k) { return internal::to_string(k); }
LOCKDEP_END_NAMESPACE
