// The kernel's report layouts (kernel-lockdep.md §1), line for line, with
// thread name/tid in place of comm/pid and user-space stack traces.
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/usage.hpp"
#include "report/format.hpp"
#include "report/frames.hpp"

LOCKDEP_INTERNAL_BEGIN

namespace {

constexpr const char* k_ident = "lockdep 1.0.0 Not tainted";

class writer {
 public:
  writer(bool symbolize, std::vector<std::string> strip) : symbolize_(symbolize), strip_(std::move(strip)) {}
  void line(std::string_view s = {}) {
    out_.append(s.data(), s.size());
    out_ += '\n';
  }
  template <class... A>
  void f(const absl::FormatSpec<A...>& fmt, const A&... a) {
    absl::StrAppendFormat(&out_, fmt, a...);
  }
  void banner(const std::string& header, std::size_t width = 0) {
    if (!width) width = header.size();
    line();
    line(std::string(width, '='));
    line(header);
    line(k_ident);
    line(std::string(width, '-'));
  }
  std::string frame(std::uintptr_t pc) { return symbolize_ ? describe_frame(pc) : absl::StrFormat("0x%x", pc); }
  // Frames indented by `spaces`.
  void trace(std::uint32_t id, unsigned spaces) {
    unsigned n = 0;
    const std::uintptr_t* fr = trace_frames(id, &n);
    if (n == 0) {
      f("%s(no stack trace: stacktrace=0 or trace storage full)\n", std::string(spaces, ' '));
      return;
    }
    // From the user's frame on: the lock guards and wrappers above it are
    // not what the user wrote (one frame always stays).
    unsigned first = 0;
    if (symbolize_)
      while (first + 1 < n && not_user_frame(describe_frame(fr[first]), strip_)) ++first;
    for (unsigned i = first; i < n; ++i) f("%s%s\n", std::string(spaces, ' '), frame(fr[i]));
  }
  // `at:` text, symbolized even with stacktrace=0 (one address). When `ip`
  // lies in a lock guard or wrapper, the first user frame of `fallback`
  // (the stack of this very acquisition) names the user's code instead.
  std::string site(std::uintptr_t ip, std::uint32_t fallback) {
    std::string at = describe_frame(ip);
    if (!fallback || !not_user_frame(at, strip_)) return at;
    unsigned n = 0;
    const std::uintptr_t* fr = trace_frames(fallback, &n);
    for (unsigned i = 0; i < n; ++i) {
      std::string d = describe_frame(fr[i]);
      if (!not_user_frame(d, strip_)) return d;
    }
    return at;
  }
  // `XXXXXXXXXXXXXXXX (name){usage}-{o:i}, at: function file:line`
  void lock_line(const void* instance, const class_snapshot& c, std::uintptr_t ip, std::uint32_t fallback = 0) {
    f("%016x (%s)%s, at: %s\n", reinterpret_cast<std::uintptr_t>(instance), class_name(c), class_state(c),
      ip ? site(ip, fallback) : std::string("?"));
  }
  void held_list(const report_record& r) {
    if (r.total_held == 0) {
      f("no locks held by %s/%d.\n", r.thread_name, static_cast<int>(r.tid));
      return;
    }
    f("%d lock%s held by %s/%d:\n", r.total_held, r.total_held == 1 ? "" : "s", r.thread_name,
      static_cast<int>(r.tid));
    for (unsigned i = 0; i < r.nr_held; ++i) {
      f(" #%d: ", i);
      lock_line(r.held[i].instance, r.held[i].cls, r.held[i].ip);
    }
    if (r.nr_held < r.total_held) f(" ... %d more not shown\n", r.total_held - r.nr_held);
  }
  // The "Possible ... scenario:" table header, one or two CPU columns.
  void scenario_header(const char* title, bool two_cpus) {
    line(title);
    line();
    line(two_cpus ? "       CPU0                    CPU1" : "       CPU0");
    line(two_cpus ? "       ----                    ----" : "       ----");
  }
  void deadlock_line() {
    line();
    line(" *** DEADLOCK ***");
    line();
  }
  void chain_exists(const class_snapshot& a, const class_snapshot& b, const class_snapshot& c) {
    f("Chain exists of:\n  %s --> %s --> %s\n\n", class_name(a), class_name(b), class_name(c));
  }
  void backtrace(const report_record& r) {
    line();
    line("stack backtrace:");
    trace(r.backtrace, 1);
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
  bool symbolize_;
  std::vector<std::string> strip_;
};

std::string who(const report_record& r) { return absl::StrFormat("%s/%d", r.thread_name, static_cast<int>(r.tid)); }
std::string irq_tag(const report_record& r) {
  return absl::StrFormat("[HC%d[%d]:SC%d[%d]:HE%d:SE%d]", r.hardirq_depth ? 1 : 0, r.hardirq_depth,
                         r.softirq_depth ? 1 : 0, r.softirq_depth, r.hardirqs_on ? 1 : 0, r.softirqs_on ? 1 : 0);
}
const char* lock_verb(unsigned read) { return read ? "rlock(" : "lock("; }

// A class header block of the shortest-dependencies listings.
void class_block(writer& w, const class_snapshot& c, unsigned depth, std::uint32_t acquired_trace) {
  const std::string pad(depth, ' ');
  w.f("%s-> (%s)%s {\n", pad, class_name(c), class_state(c));
  for (unsigned b = 0; b < usage_bits; ++b) {
    if (!(c.usage & bit_mask(b))) continue;
    w.f("%s   %s at:\n", pad, usage_label(b));
    w.trace(c.usage_trace[b], 2 * depth + static_cast<unsigned>(std::strlen(usage_label(b))) + 8);
  }
  w.f("%s }\n", pad);
  w.f("%s ... key      at: [<%016x>] %s\n", pad, reinterpret_cast<std::uintptr_t>(c.key),
      c.site_file ? absl::StrCat(c.site_file, ":", c.site_line) : std::string(c.name ? c.name : "?"));
  w.f("%s ... acquired at:\n", pad);
  w.trace(acquired_trace, 3);
  w.line();
}

// Steps root (depth 0) .. leaf; printed leaf first, as the kernel does.
void shortest(writer& w, const chain_step* steps, unsigned n) {
  for (unsigned i = n; i-- > 0;) class_block(w, steps[i].cls, steps[i].depth, steps[i].trace);
}

void irq_scenario(writer& w, const class_snapshot& safe, const class_snapshot& middle, const class_snapshot& unsafe) {
  if (middle.id != unsafe.id) w.chain_exists(safe, middle, unsafe);
  w.scenario_header(" Possible interrupt unsafe locking scenario:", true);
  w.f("  lock(%s);\n", class_name(unsafe));
  w.line("                               local_irq_disable();");
  w.f("                               lock(%s);\n", class_name(safe));
  w.f("                               lock(%s);\n", class_name(middle));
  w.line("  <Interrupt>");
  w.f("    lock(%s);\n", class_name(safe));
  w.deadlock_line();
}

// The lock being acquired and the held one it conflicts with.
void acquiring_while_holding(writer& w, const report_record& r) {
  w.f("%s is trying to acquire lock:\n", who(r));
  w.lock_line(r.instance, r.classes[0], r.ip, r.backtrace);
  w.line();
  w.line("but task is already holding lock:");
  w.lock_line(r.other_instance, r.classes[1], r.other_ip);
  w.line();
}

void recursive(writer& w, const report_record& r) {
  acquiring_while_holding(w, r);
  w.line("other info that might help us debug this:");
  w.scenario_header(" Possible unsafe locking scenario:", false);
  w.f("  %s%s);\n", lock_verb(r.other_read), class_name(r.classes[1]));
  w.f("  %s%s);\n", lock_verb(r.read), class_name(r.classes[0]));
  w.deadlock_line();
  const class_snapshot& c = r.classes[0];
  if (r.instance != r.other_instance && c.site_file) {
    // Nothing told the two locks apart: say so rather than hint at nesting.
    const char* slash = std::strrchr(c.site_file, '/');
    w.f(" two different locks constructed at %s:%u share a class; if they play different roles, give them "
        "names or keys\n", slash ? slash + 1 : c.site_file, c.site_line);
    w.line(" (if they are one role nested on purpose, annotate the nesting: lock_nested, lock_nest_lock)");
  } else {
    w.line(" May be due to missing lock nesting notation");
  }
  w.line();
  w.held_list(r);
}

void circular(writer& w, const report_record& r) {
  acquiring_while_holding(w, r);
  w.line("which lock already depends on the new lock.");
  w.line();
  w.line();
  w.line("the existing dependency chain (in reverse order) is:");
  for (unsigned i = 0; i < r.nr_chain; ++i) {
    w.f("\n-> #%d (%s)%s:\n", r.chain[i].depth, class_name(r.chain[i].cls), class_state(r.chain[i].cls));
    w.trace(r.chain[i].trace, 7);
  }
  if (r.truncated) w.line("\n-> ... (chain truncated)");
  w.line();
  w.line("other info that might help us debug this:");
  w.line();
  // chain[0] is prev (the held lock); chain[1] the class before it on the
  // path from next, i.e. the kernel's "parent".
  const class_snapshot& parent = r.nr_chain > 1 ? r.chain[1].cls : r.classes[0];
  if (r.nr_chain > 2) w.chain_exists(r.classes[0], parent, r.classes[1]);
  w.scenario_header(" Possible unsafe locking scenario:", true);
  w.f("  %s%s);\n", lock_verb(r.other_read), class_name(r.classes[1]));
  w.f("                               lock(%s);\n", class_name(parent));
  w.f("                               lock(%s);\n", class_name(r.classes[1]));
  w.f("  %s%s);\n", lock_verb(r.read), class_name(r.classes[0]));
  w.deadlock_line();
  w.held_list(r);
}

void inconsistent(writer& w, const report_record& r) {
  w.f("inconsistent {%s} -> {%s} usage.\n", usage_label(r.old_bit), usage_label(r.new_bit));
  w.f("%s %s takes:\n", who(r), irq_tag(r));
  w.lock_line(r.instance, r.classes[0], r.ip, r.backtrace);
  w.f("{%s} state was registered at:\n", usage_label(r.old_bit));
  w.trace(r.classes[0].usage_trace[r.old_bit], 2);
  w.line();
  w.line("other info that might help us debug this:");
  w.scenario_header(" Possible unsafe locking scenario:", false);
  w.f("  lock(%s);\n", class_name(r.classes[0]));
  w.line("  <Interrupt>");
  w.f("    lock(%s);\n", class_name(r.classes[0]));
  w.deadlock_line();
  w.held_list(r);
}

void irq_inversion(writer& w, const report_record& r) {
  const class_snapshot& self = r.classes[0];
  const class_snapshot& other = r.classes[1];
  w.f("%s just changed the state of lock:\n", who(r));
  w.lock_line(r.instance, self, r.ip);
  if (r.forwards)
    w.f("but this lock took another, %s-unsafe lock in the past:\n", state_label(r.new_bit & ~k_read_bit));
  else
    w.f("but this lock was taken by another, %s-safe lock in the past:\n", state_label(r.new_bit & ~k_read_bit));
  w.f(" (%s)%s\n\n", class_name(other), class_state(other));
  w.line();
  w.line("and interrupts could create inverse lock ordering between them.");
  w.line();
  w.line();
  w.line("other info that might help us debug this:");
  // Path root .. leaf: forwards self(safe) -> .. -> other(unsafe); backwards
  // self(unsafe) <- .. <- other(safe). As in the kernel, the middle class
  // is the search root's neighbour on the path (chain[1]).
  const class_snapshot& safe = r.forwards ? self : other;
  const class_snapshot& unsafe = r.forwards ? other : self;
  const class_snapshot* middle = &unsafe;
  if (r.nr_chain >= 2) middle = &r.chain[1].cls;
  if (middle->id == safe.id) middle = &unsafe;
  irq_scenario(w, safe, *middle, unsafe);
  w.held_list(r);
  w.line();
  w.line("the shortest dependencies between 2nd lock and 1st lock:");
  shortest(w, r.chain, r.nr_chain);
}

void safe_to_unsafe(writer& w, const report_record& r) {
  const char* s = state_label(r.old_bit);
  w.f("%s %s is trying to acquire:\n", who(r), irq_tag(r));
  w.lock_line(r.instance, r.classes[0], r.ip, r.backtrace);
  w.line();
  w.line("and this task is already holding:");
  w.lock_line(r.other_instance, r.classes[1], r.other_ip);
  w.line("which would create a new lock dependency:");
  w.f(" (%s)%s -> (%s)%s\n", class_name(r.classes[1]), class_state(r.classes[1]), class_name(r.classes[0]),
      class_state(r.classes[0]));
  w.line();
  w.f("but this new dependency connects a %s-irq-safe lock:\n", s);
  w.f(" (%s)%s\n", class_name(r.classes[2]), class_state(r.classes[2]));
  w.line();
  w.f("... which became %s-irq-safe at:\n", s);
  w.trace(r.classes[2].usage_trace[r.old_bit], 2);
  w.line();
  w.f("to a %s-irq-unsafe lock:\n", s);
  w.f(" (%s)%s\n", class_name(r.classes[3]), class_state(r.classes[3]));
  w.line();
  w.f("... which became %s-irq-unsafe at:\n", s);
  w.line("...");
  w.trace(r.classes[3].usage_trace[r.new_bit], 2);
  w.line();
  w.line("other info that might help us debug this:");
  w.line();
  const class_snapshot* middle = &r.classes[1];
  if (middle->id == r.classes[2].id) middle = &r.classes[0];
  irq_scenario(w, r.classes[2], *middle, r.classes[3]);
  w.held_list(r);
  w.line();
  w.f("the dependencies between %s-irq-safe lock and the holding lock:\n", s);
  shortest(w, r.chain, r.nr_chain);
  w.line();
  w.f("the dependencies between the lock to be acquired\n and %s-irq-unsafe lock:\n", s);
  shortest(w, r.chain2, r.nr_chain2);
}

void simple_body(writer& w, const report_record& r) {
  switch (r.kind) {
    case report_kind::invalid_wait_context:
      w.f("%s is trying to lock:\n", who(r));
      w.lock_line(r.instance, r.classes[0], r.ip, r.backtrace);
      w.line("other info that might help us debug this:");
      w.f("context-{%d:%d}\n", r.ctx_outer, r.ctx_inner);
      w.held_list(r);
      return;
    case report_kind::bad_unlock_balance:
      w.f("%s is trying to release lock (%s) at:\n", who(r), r.nr_classes ? class_name(r.classes[0]) : "?");
      {
        unsigned n = 0;
        const std::uintptr_t* fr = trace_frames(r.backtrace, &n);
        w.f("[<%016x>] %s\n", n ? fr[0] : 0, n ? w.frame(fr[0]) : std::string("?"));
      }
      w.line("but there are no more locks to release!");
      w.line();
      w.line("other info that might help us debug this:");
      w.held_list(r);
      return;
    case report_kind::held_lock_freed:
      w.f("%s is freeing memory %016x-%016x, with a lock still held there!\n", who(r),
          reinterpret_cast<std::uintptr_t>(r.instance), reinterpret_cast<std::uintptr_t>(r.instance) + sizeof(lock_map) - 1);
      for (unsigned i = 0; i < r.nr_held; ++i)
        if (r.held[i].instance == r.instance) w.lock_line(r.instance, r.held[i].cls, r.held[i].ip);
      w.held_list(r);
      return;
    case report_kind::locks_held_at_exit:
      w.held_list(r);
      return;
    case report_kind::nested_lock_not_taken:
      w.f("%s is trying to lock:\n", who(r));
      w.lock_line(r.instance, r.classes[0], r.ip, r.backtrace);
      w.line();
      w.line("but this task is not holding:");
      w.line(r.message ? r.message : "?");
      w.line();
      w.line("other info that might help us debug this:");
      w.held_list(r);
      return;
    case report_kind::limit_reached:
      w.line("turning off the locking correctness validator.");
      w.f("Raise the limit with LOCKDEP_OPTIONS=%s=<N> (see README, Options).\n", r.message2 ? r.message2 : "?");
      w.held_list(r);
      return;
    default:  // bad_irq_state, bad_lock_usage, assertion_failed
      w.f("%s %s: %s\n", who(r), irq_tag(r), r.message ? r.message : "");
      // A map that was never constructed has an address but no class.
      if (r.nr_classes) w.f(" (%s)%s", class_name(r.classes[0]), class_state(r.classes[0]));
      if (r.nr_classes || r.instance) w.f(" instance %016x\n", reinterpret_cast<std::uintptr_t>(r.instance));
      w.line();
      w.line("other info that might help us debug this:");
      w.held_list(r);
      return;
  }
}

}  // namespace

std::string format_report(const report& rep, const report_record& r, bool symbolize) {
  writer w(symbolize, strip_patterns(get_options().strip_frames));
  std::size_t width = 0;
  if (r.kind == report_kind::irq_safe_to_unsafe) width = 53;
  if (r.kind == report_kind::locks_held_at_exit) width = 36;
  if (r.kind == report_kind::limit_reached) {
    w.line(rep.header);
  } else {
    w.banner(rep.header, width);
  }
  switch (r.kind) {
    case report_kind::recursive_locking: recursive(w, r); break;
    case report_kind::circular_dependency: circular(w, r); break;
    case report_kind::inconsistent_lock_state: inconsistent(w, r); break;
    case report_kind::irq_lock_inversion: irq_inversion(w, r); break;
    case report_kind::irq_safe_to_unsafe: safe_to_unsafe(w, r); break;
    default: simple_body(w, r); break;
  }
  if (r.dropped_before) w.f("(%d earlier report(s) were dropped: report queue full)\n", r.dropped_before);
  w.backtrace(r);
  return w.take();
}

LOCKDEP_INTERNAL_END
