// The kernel's report layouts (kernel-lockdep.md §1), line for line, with
// thread name/tid in place of comm/pid and user-space stack traces.
//
// Reads only the public lockdep::report: what the text shows is what a
// callback, the JSON and the SARIF writers get.
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "report/format.hpp"
#include "report/frames.hpp"

LOCKDEP_INTERNAL_BEGIN

namespace {

constexpr const char* k_ident = "lockdep 1.0.0 Not tainted";

std::string class_state(const class_info& c) {
  return absl::StrFormat("{%s}-{%d:%d}", c.usage, c.wait_outer, c.wait_inner);
}

bool same_class(const class_info& a, const class_info& b) {
  return a.key == b.key && a.subclass == b.subclass && a.name == b.name;
}

// The first trace of usage `label` of class c (empty if it has none).
const stack_trace& usage_trace(const class_info& c, const std::string& label) {
  static const stack_trace none;
  for (const auto& [l, t] : c.usage_traces)
    if (l == label) return t;
  return none;
}

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
  void trace(const stack_trace& t, unsigned spaces) {
    const std::size_t n = t.frames.size();
    if (n == 0 && t.imported) {
      f("%s(recorded by another process: the graph store keeps no stack for a usage bit)\n",
        std::string(spaces, ' '));
      return;
    }
    if (n == 0) {
      f("%s(no stack trace: stacktrace=0 or trace storage full)\n", std::string(spaces, ' '));
      return;
    }
    if (!symbolize_) {
      for (std::uintptr_t pc : t.frames) f("%s0x%x\n", std::string(spaces, ' '), pc);
      return;
    }
    std::vector<std::string> lines;
    for (std::uintptr_t pc : t.frames) {
      std::vector<std::string> l = describe_frame_lines(pc);
      lines.insert(lines.end(), std::make_move_iterator(l.begin()), std::make_move_iterator(l.end()));
    }
    // From the user's frame on: the lock guards and wrappers above it
    // (inlined or not) are not what the user wrote (one line always stays).
    std::size_t first = 0;
    while (first + 1 < lines.size() && not_user_frame(lines[first], strip_)) ++first;
    for (std::size_t i = first; i < lines.size(); ++i) f("%s%s\n", std::string(spaces, ' '), lines[i]);
  }
  // `at:` text, symbolized even with stacktrace=0 (a few addresses). When
  // the acquisition's return address lies in a lock guard or wrapper, the
  // first user frame among its recorded callers (unoptimised code) and then
  // `fallback` (the stack of this very acquisition) names the user's code.
  // The user's frame comes with what of the user's code was inlined there:
  // one line each, innermost first, as the kernel prints them.
  std::vector<std::string> site(const held_lock_info& h, const stack_trace* fallback) {
    std::vector<std::uintptr_t> more = h.caller_ips;
    if (fallback) more.insert(more.end(), fallback->frames.begin(), fallback->frames.end());
    return site_lines(h.acquire_ip, more, strip_);
  }
  // A path step's trace; one another process recorded (graph_store) is its
  // stack text and where it came from.
  void step_trace(const dependency_step& s, unsigned spaces) {
    if (s.recorded_by.empty()) return trace(s.trace, spaces);
    const std::string indent(spaces, ' ');
    for (std::size_t at = 0, end; at < s.imported_stack.size(); at = end + 1) {
      end = s.imported_stack.find('\n', at);
      if (end == std::string::npos) end = s.imported_stack.size();
      if (end > at) f("%s%s\n", indent, s.imported_stack.substr(at, end - at));
    }
    f("%s%s\n", indent, s.recorded_by);
  }
  // `XXXXXXXXXXXXXXXX (name){usage}-{o:i}, at: function file:line`, then
  // the class's print function's text for this lock, if any.
  // One line per inline level of the site, each with `prefix` (" #0: ").
  void lock_line(const held_lock_info& h, const stack_trace* fallback = nullptr, const std::string& prefix = {}) {
    for (const std::string& at : h.acquire_ip ? site(h, fallback) : std::vector<std::string>{"?"})
      f("%s%016x (%s)%s, at: %s\n", prefix, reinterpret_cast<std::uintptr_t>(h.instance), h.cls.name,
        class_state(h.cls), at);
    if (!h.description.empty()) f("    %s\n", h.description);
  }
  void held_list(const report& r) {
    if (r.held_total == 0) {
      f("no locks held by %s/%d.\n", r.thread_name, r.tid);
      return;
    }
    f("%d lock%s held by %s/%d:\n", r.held_total, r.held_total == 1 ? "" : "s", r.thread_name, r.tid);
    for (std::size_t i = 0; i < r.held_locks.size(); ++i) {
      lock_line(r.held_locks[i], nullptr, absl::StrFormat(" #%d: ", i));
    }
    if (r.held_locks.size() < r.held_total) f(" ... %d more not shown\n", r.held_total - r.held_locks.size());
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
  void chain_exists(const class_info& a, const class_info& b, const class_info& c) {
    f("Chain exists of:\n  %s --> %s --> %s\n\n", a.name, b.name, c.name);
  }
  void backtrace(const report& r) {
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

const held_lock_info& acquiring(const report& r) {
  static const held_lock_info none;
  return r.acquiring ? *r.acquiring : none;
}
const held_lock_info& conflicting(const report& r) {
  static const held_lock_info none;
  return r.conflicting ? *r.conflicting : none;
}
std::string who(const report& r) { return absl::StrFormat("%s/%d", r.thread_name, r.tid); }
std::string irq_tag(const report& r) {
  const irq_state_info& q = r.irq;
  return absl::StrFormat("[HC%d[%d]:SC%d[%d]:HE%d:SE%d]", q.hardirq_depth ? 1 : 0, q.hardirq_depth,
                         q.softirq_depth ? 1 : 0, q.softirq_depth, q.hardirqs_on ? 1 : 0, q.softirqs_on ? 1 : 0);
}
const char* lock_verb(read_mode read) { return read != read_mode::exclusive ? "rlock(" : "lock("; }

// A class header block of the shortest-dependencies listings.
void class_block(writer& w, const dependency_step& step) {
  const class_info& c = step.cls;
  const std::string pad(static_cast<std::size_t>(step.depth), ' ');
  w.f("%s-> (%s)%s {\n", pad, c.name, class_state(c));
  for (const auto& [label, trace] : c.usage_traces) {
    w.f("%s   %s at:\n", pad, label);
    w.trace(trace, 2 * static_cast<unsigned>(step.depth) + static_cast<unsigned>(label.size()) + 8);
  }
  w.f("%s }\n", pad);
  w.f("%s ... key      at: [<%016x>] %s\n", pad, reinterpret_cast<std::uintptr_t>(c.key),
      c.key_location.empty() ? std::string("?") : c.key_location);
  w.f("%s ... acquired at:\n", pad);
  w.step_trace(step, 3);
  w.line();
}

// Steps root (depth 0) .. leaf; printed leaf first, as the kernel does.
void shortest(writer& w, const std::vector<dependency_step>& steps) {
  for (std::size_t i = steps.size(); i-- > 0;) class_block(w, steps[i]);
}

// A signal line's state is named for its signal ("SIGUSR1", or "SIGNAL" for
// the shared line): its scenario shows the signal arriving and the other
// side blocking it, where the kernel's shows an interrupt and irqs off.
bool is_signal_state_name(const std::string& state) { return state.compare(0, 3, "SIG") == 0; }
std::string interrupt_line(const report& r) {
  return is_signal_state_name(r.irq_state_name) ? "  <" + r.irq_state_name + ">" : "  <Interrupt>";
}

void irq_scenario(writer& w, const report& r, const class_info& safe, const class_info& middle,
                  const class_info& unsafe) {
  if (!same_class(middle, unsafe)) w.chain_exists(safe, middle, unsafe);
  w.scenario_header(" Possible interrupt unsafe locking scenario:", true);
  w.f("  lock(%s);\n", unsafe.name);
  if (is_signal_state_name(r.irq_state_name))
    w.f("                               block(%s);\n", r.irq_state_name);
  else
    w.line("                               local_irq_disable();");
  w.f("                               lock(%s);\n", safe.name);
  w.f("                               lock(%s);\n", middle.name);
  w.line(interrupt_line(r));
  w.f("    lock(%s);\n", safe.name);
  w.deadlock_line();
}

// The lock being acquired and the held one it conflicts with, then
// `after_held` (the kernel's lock comparison line) if not empty.
void acquiring_while_holding(writer& w, const report& r, const std::string& after_held = {}) {
  w.f("%s is trying to acquire lock:\n", who(r));
  w.lock_line(acquiring(r), &r.backtrace);
  w.line();
  w.line("but task is already holding lock:");
  w.lock_line(conflicting(r));
  if (!after_held.empty()) w.line(after_held);
  w.line();
}

void recursive(writer& w, const report& r) {
  acquiring_while_holding(w, r, r.detail);
  w.line("other info that might help us debug this:");
  w.scenario_header(" Possible unsafe locking scenario:", false);
  w.f("  %s%s);\n", lock_verb(conflicting(r).read), conflicting(r).cls.name);
  w.f("  %s%s);\n", lock_verb(acquiring(r).read), acquiring(r).cls.name);
  w.deadlock_line();
  const class_info& c = acquiring(r).cls;
  if (acquiring(r).instance != conflicting(r).instance && !c.site.empty()) {
    // Nothing told the two locks apart: say so rather than hint at nesting.
    const std::size_t slash = c.site.rfind('/');
    w.f(" two different locks constructed at %s share a class; if they play different roles, give them "
        "names or keys\n", slash == std::string::npos ? c.site : c.site.substr(slash + 1));
    w.line(" (if they are one role nested on purpose, annotate the nesting: lock_nested, lock_nest_lock)");
  } else {
    w.line(" May be due to missing lock nesting notation");
  }
  w.line();
  w.held_list(r);
}

void circular(writer& w, const report& r) {
  acquiring_while_holding(w, r);
  w.line("which lock already depends on the new lock.");
  w.line();
  w.line();
  w.line("the existing dependency chain (in reverse order) is:");
  for (const dependency_step& s : r.chain) {
    w.f("\n-> #%d (%s)%s:\n", s.depth, s.cls.name, class_state(s.cls));
    w.step_trace(s, 7);
  }
  if (r.chain_truncated) w.line("\n-> ... (chain truncated)");
  w.line();
  w.line("other info that might help us debug this:");
  w.line();
  // chain[0] is the held lock; chain[1] the class before it on the path from
  // the new lock, i.e. the kernel's "parent".
  const class_info& next = r.classes[0];
  const class_info& prev = r.classes[1];
  const class_info& parent = r.chain.size() > 1 ? r.chain[1].cls : next;
  if (r.chain.size() > 2) w.chain_exists(next, parent, prev);
  w.scenario_header(" Possible unsafe locking scenario:", true);
  w.f("  %s%s);\n", lock_verb(conflicting(r).read), prev.name);
  w.f("                               lock(%s);\n", parent.name);
  w.f("                               lock(%s);\n", prev.name);
  w.f("  %s%s);\n", lock_verb(acquiring(r).read), next.name);
  w.deadlock_line();
  w.held_list(r);
}

void inconsistent(writer& w, const report& r) {
  const class_info& c = r.classes[0];
  w.f("%s\n", r.detail);
  w.f("%s %s takes:\n", who(r), irq_tag(r));
  w.lock_line(acquiring(r), &r.backtrace);
  w.f("{%s} state was registered at:\n", r.old_usage);
  w.trace(usage_trace(c, r.old_usage), 2);
  w.line();
  w.line("other info that might help us debug this:");
  w.scenario_header(" Possible unsafe locking scenario:", false);
  w.f("  lock(%s);\n", c.name);
  w.line(interrupt_line(r));
  w.f("    lock(%s);\n", c.name);
  w.deadlock_line();
  w.held_list(r);
}

void irq_inversion(writer& w, const report& r) {
  const class_info& self = r.classes[0];
  const class_info& other = r.classes[1];
  w.f("%s just changed the state of lock:\n", who(r));
  w.lock_line(acquiring(r), &r.backtrace);
  if (r.irq_forwards)
    w.f("but this lock took another, %s-unsafe lock in the past:\n", r.irq_state_name);
  else
    w.f("but this lock was taken by another, %s-safe lock in the past:\n", r.irq_state_name);
  w.f(" (%s)%s\n\n", other.name, class_state(other));
  w.line();
  w.line("and interrupts could create inverse lock ordering between them.");
  w.line();
  w.line();
  w.line("other info that might help us debug this:");
  // Path root .. leaf: forwards self(safe) -> .. -> other(unsafe); backwards
  // self(unsafe) <- .. <- other(safe). As in the kernel, the middle class
  // is the search root's neighbour on the path (chain[1]).
  const class_info& safe = r.irq_forwards ? self : other;
  const class_info& unsafe = r.irq_forwards ? other : self;
  const class_info* middle = &unsafe;
  if (r.chain.size() >= 2) middle = &r.chain[1].cls;
  if (same_class(*middle, safe)) middle = &unsafe;
  irq_scenario(w, r, safe, *middle, unsafe);
  w.held_list(r);
  w.line();
  w.line("the shortest dependencies between 2nd lock and 1st lock:");
  shortest(w, r.chain);
}

void safe_to_unsafe(writer& w, const report& r) {
  const std::string& s = r.irq_state_name;
  const class_info &next = r.classes[0], &prev = r.classes[1], &safe = r.classes[2], &unsafe = r.classes[3];
  w.f("%s %s is trying to acquire:\n", who(r), irq_tag(r));
  w.lock_line(acquiring(r), &r.backtrace);
  w.line();
  w.line("and this task is already holding:");
  w.lock_line(conflicting(r));
  w.line("which would create a new lock dependency:");
  w.f(" (%s)%s -> (%s)%s\n", prev.name, class_state(prev), next.name, class_state(next));
  w.line();
  w.f("but this new dependency connects a %s-irq-safe lock:\n", s);
  w.f(" (%s)%s\n", safe.name, class_state(safe));
  w.line();
  w.f("... which became %s-irq-safe at:\n", s);
  w.trace(usage_trace(safe, r.old_usage), 2);
  w.line();
  w.f("to a %s-irq-unsafe lock:\n", s);
  w.f(" (%s)%s\n", unsafe.name, class_state(unsafe));
  w.line();
  w.f("... which became %s-irq-unsafe at:\n", s);
  w.line("...");
  w.trace(usage_trace(unsafe, r.new_usage), 2);
  w.line();
  w.line("other info that might help us debug this:");
  w.line();
  const class_info* middle = &prev;
  if (same_class(*middle, safe)) middle = &next;
  irq_scenario(w, r, safe, *middle, unsafe);
  w.held_list(r);
  w.line();
  w.f("the dependencies between %s-irq-safe lock and the holding lock:\n", s);
  shortest(w, r.chain);
  w.line();
  w.f("the dependencies between the lock to be acquired\n and %s-irq-unsafe lock:\n", s);
  shortest(w, r.forward_chain);
}

void wait_context(writer& w, const report& r) {
  w.f("%s is trying to lock:\n", who(r));
  w.lock_line(acquiring(r), &r.backtrace);
  w.line("other info that might help us debug this:");
  w.f("context-{%d:%d}\n", r.context_outer, r.context_inner);
  w.held_list(r);
}

void unlock_balance(writer& w, const report& r) {
  w.f("%s is trying to release lock (%s) at:\n", who(r), r.classes.empty() ? "?" : r.classes[0].name);
  const std::uintptr_t pc = r.backtrace.empty() ? 0 : r.backtrace.frames[0];
  w.f("[<%016x>] %s\n", pc, pc ? w.frame(pc) : std::string("?"));
  w.line("but there are no more locks to release!");
  w.line();
  w.line("other info that might help us debug this:");
  w.held_list(r);
}

void lock_freed(writer& w, const report& r) {
  const void* at = acquiring(r).instance;
  w.f("%s is freeing memory %016x-%016x, with a lock still held there!\n", who(r),
      reinterpret_cast<std::uintptr_t>(at), reinterpret_cast<std::uintptr_t>(at) + sizeof(lock_map) - 1);
  for (const held_lock_info& h : r.held_locks)
    if (h.instance == at) w.lock_line(h);
  w.held_list(r);
}

void nested_not_taken(writer& w, const report& r) {
  w.f("%s is trying to lock:\n", who(r));
  w.lock_line(acquiring(r), &r.backtrace);
  w.line();
  w.line("but this task is not holding:");
  w.line(r.detail.empty() ? "?" : r.detail);
  w.line();
  w.line("other info that might help us debug this:");
  w.held_list(r);
}

void limit(writer& w, const report& r) {
  w.line("turning off the locking correctness validator.");
  w.f("Raise the limit with LOCKDEP_OPTIONS=%s=<N> (see README, Options).\n",
      r.limit_option.empty() ? "?" : r.limit_option);
  w.held_list(r);
}

// bad_irq_state, bad_lock_usage, assertion_failed.
void misuse(writer& w, const report& r) {
  w.f("%s %s: %s\n", who(r), irq_tag(r), r.detail);
  // A map that was never constructed has an address but no class.
  if (!r.classes.empty()) w.f(" (%s)%s", r.classes[0].name, class_state(r.classes[0]));
  if (!r.classes.empty() || acquiring(r).instance)
    w.f(" instance %016x\n", reinterpret_cast<std::uintptr_t>(acquiring(r).instance));
  w.line();
  w.line("other info that might help us debug this:");
  w.held_list(r);
}

}  // namespace

std::string format_report(const report& r, bool symbolize) {
  writer w(symbolize, strip_patterns(get_options().strip_frames));
  const report_kind_info& kind = kind_info(r.kind);
  if (kind.banner_width < 0)
    w.line(r.header);
  else
    w.banner(r.header, static_cast<std::size_t>(kind.banner_width));
  switch (r.kind) {
    case report_kind::recursive_locking: recursive(w, r); break;
    case report_kind::circular_dependency: circular(w, r); break;
    case report_kind::inconsistent_lock_state: inconsistent(w, r); break;
    case report_kind::irq_lock_inversion: irq_inversion(w, r); break;
    case report_kind::irq_safe_to_unsafe: safe_to_unsafe(w, r); break;
    case report_kind::invalid_wait_context: wait_context(w, r); break;
    case report_kind::bad_unlock_balance: unlock_balance(w, r); break;
    case report_kind::held_lock_freed: lock_freed(w, r); break;
    case report_kind::locks_held_at_exit: w.held_list(r); break;
    case report_kind::nested_lock_not_taken: nested_not_taken(w, r); break;
    case report_kind::limit_reached: limit(w, r); break;
    case report_kind::bad_irq_state:
    case report_kind::bad_lock_usage:
    case report_kind::assertion_failed: misuse(w, r); break;
  }
  if (r.dropped_before) w.f("(%d earlier report(s) were dropped: report queue full)\n", r.dropped_before);
  w.backtrace(r);
  return w.take();
}

LOCKDEP_INTERNAL_END
