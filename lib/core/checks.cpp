// The checks run on a chain-cache miss (validate_chain) and when a class
// gains a usage bit (mark_usage). Graph lock held throughout.
//
// Ordering (kernel-lockdep.md §3.5-3.7): recursion on one class, then for
// each held lock down to the first non-trylock: a strong cycle through the
// new edge (circular), an irq-safe class reaching an irq-unsafe one through
// it (safe -> unsafe), and the edge is recorded - also after a report, so
// the program runs on at full speed and the same problem is not re-checked.
//
// IRQ rules with readers, as one strong-path condition: an irq-safe class X
// and an irq-unsafe class Y deadlock when a strong path X -> ... -> Y exists
// where a read-only "used in irq" X needs the path to leave X exclusively
// (the irq's recursive read waits only for a writer), and a read-only
// "enabled" Y needs the path to enter Y non-recursively.
#include <atomic>

#include "core/caller_chains.hpp"
#include "core/core.hpp"
#include "core/imports.hpp"

LOCKDEP_INTERNAL_BEGIN

namespace {
std::atomic<std::uint32_t> g_signal_states_used_in{0};  // bit per state
}  // namespace

void note_signal_state_used_in(unsigned state) noexcept {
  g_signal_states_used_in.fetch_or(1u << state, std::memory_order_relaxed);
}

namespace {

constexpr unsigned k_trace_skip = 3;

std::uint32_t capture_once(std::uint32_t& trace) {
  if (!trace && core().stacktraces.load(std::memory_order_relaxed)) {
    thread_state* ts = current_thread_state_if_any();
    trace = core().traces.capture(k_trace_skip, ts ? ts->entry_ip : 0);
    if (!trace && core().traces.full())
      limit_reached(ts, "BUG: MAX_STACK_TRACE_ENTRIES too low!", option_id::max_trace_entries);
  }
  return trace;
}

// Does class c, reached with search flag f, carry usage for `state` that
// makes it the irq end we look for? `want_enabled` selects the bit family.
// Read-only usage needs an unrestricted path end (f == false).
int irq_match_bit(const lock_class& c, bool f, unsigned state, bool want_enabled) {
  const unsigned base = state_base(state) + (want_enabled ? k_dir_bit : 0);
  const std::uint32_t u = c.usage.load(std::memory_order_relaxed);
  if (u & bit_mask(base)) return static_cast<int>(base);
  if (!f && (u & bit_mask(base | k_read_bit))) return static_cast<int>(base | k_read_bit);
  return -1;
}

// Copy the last search's path ending at `state` into steps; the root gets
// `root_trace`, every other step the trace of the edge that reached it.
// Depths count from the root (0) outwards. A path longer than the record
// keeps the steps nearest `state` (with their true depths) and sets *trunc.
unsigned fill_path(chain_step* out, unsigned cap, std::uint32_t state, std::uint32_t root_trace, bool* trunc) {
  core_state& cs = core();
  std::uint32_t states[k_record_max_chain], edges[k_record_max_chain];
  unsigned length = 0;
  const unsigned limit = cap < k_record_max_chain ? cap : k_record_max_chain;
  const unsigned n = cs.g.path_to(state, states, edges, limit, &length);
  if (length > n) *trunc = true;
  const unsigned first_depth = length - n;  // 0 unless cut
  for (unsigned i = 0; i < n; ++i) {
    const unsigned depth = first_depth + i;
    snapshot_class(cs.g.cls(states[i] >> 1), out[i].cls);
    out[i].trace = depth == 0 ? root_trace : cs.g.dep(edges[i]).trace;
    out[i].depth = static_cast<std::uint16_t>(depth);
  }
  return n;
}

void set_acquire(report_record& r, const held_lock& next, const held_lock* prev) {
  r.instance = next.instance.load(std::memory_order_relaxed);
  r.ip = next.acquire_ip;
  r.callers = recorded_callers(next.caller_word);
  r.read = next.read;
  describe_lock(next.cls.load(std::memory_order_relaxed), next.instance.load(std::memory_order_relaxed), r.text);
  if (prev) {
    r.other_instance = prev->instance.load(std::memory_order_relaxed);
    r.other_ip = prev->acquire_ip;
    r.other_callers = recorded_callers(prev->caller_word);
    r.other_read = prev->read;
    describe_lock(prev->cls.load(std::memory_order_relaxed), prev->instance.load(std::memory_order_relaxed),
                  r.other_text);
  }
}

void check_wait_context(thread_state& ts, const held_lock& next, unsigned base) {
  const lock_class& nc = *next.cls.load(std::memory_order_relaxed);
  if (nc.wait_inner == 0) return;
  const unsigned next_outer = nc.wait_outer ? nc.wait_outer : nc.wait_inner;
  // A signal handler may block (it is the thread itself, not a borrowed
  // CPU): it is a sleeping context, though a hardirq for the usage rules.
  const bool handler = ts.irq_nesting && ts.frames[ts.irq_nesting - 1].signal_handler;
  const unsigned ctx_level = ts.ctx_type == ctx_process || handler ? 4 : 2;
  unsigned curr = ctx_level;
  const unsigned depth = ts.depth.load(std::memory_order_relaxed);
  for (unsigned i = base; i < depth; ++i) {
    const unsigned inner = ts.held[i].cls.load(std::memory_order_relaxed)->wait_inner;
    if (inner && inner < curr) curr = inner;
  }
  if (next_outer <= curr) return;
  report_record* r = begin_report(report_kind::invalid_wait_context, problem_signature(report_kind::invalid_wait_context, nc.id, curr, ts.ctx_type));
  if (!r) return;
  snapshot_class(nc, r->classes[0]);
  r->nr_classes = 1;
  set_acquire(*r, next, nullptr);
  r->ctx_outer = static_cast<std::uint8_t>(ctx_level);
  r->ctx_inner = static_cast<std::uint8_t>(curr);
  finish_report(*r, ts);
}

// What check_deadlock found: the kernel's 1 (no recursion), 0 (reported)
// and 2 (a same-class hold the nest lock serialises).
enum class recursion_verdict { none, reported, nested };

// A held lock of next's class is recursion unless next is a recursive read
// on a read, the class's comparison puts the held lock first
// (cmp(held, next) < 0: then `ordered` is set), or next's nest lock was taken
// *before* that hold: like the kernel, the scan runs bottom-up and notes the
// nest lock on its way, so a nest lock taken after the earlier hold excuses
// nothing.
recursion_verdict check_deadlock(thread_state& ts, const held_lock& next, unsigned base, bool& ordered) {
  const lock_class* nc = next.cls.load(std::memory_order_relaxed);
  const unsigned depth = ts.depth.load(std::memory_order_relaxed);
  bool nest_below = false;
  for (unsigned i = 0; i < depth; ++i) {
    const held_lock& prev = ts.held[i];
    if (next.nest_lock && prev.instance.load(std::memory_order_relaxed) == next.nest_lock) nest_below = true;
    if (i < base || prev.cls.load(std::memory_order_relaxed) != nc) continue;
    if (next.read == 2 && prev.read) continue;  // recursive read on a read
    const int order = nc->cmp_fn ? compare_locks(*nc, prev.instance.load(std::memory_order_relaxed),
                                                 next.instance.load(std::memory_order_relaxed))
                                 : 0;
    if (nc->cmp_fn && order < 0) {
      ordered = true;
      continue;
    }
    if (nest_below) return recursion_verdict::nested;
    report_record* r = begin_report(report_kind::recursive_locking, problem_signature(report_kind::recursive_locking, nc->id, next.read, prev.read));
    if (r) {
      snapshot_class(*nc, r->classes[0]);
      snapshot_class(*nc, r->classes[1]);
      r->nr_classes = 2;
      set_acquire(*r, next, &prev);
      r->cmp_valid = nc->cmp_fn != nullptr;
      r->cmp_result = order;
      finish_report(*r, ts);
    }
    return recursion_verdict::reported;
  }
  return recursion_verdict::none;
}

void report_circular(thread_state& ts, const held_lock& prev, const held_lock& next, std::uint32_t end,
                     std::uint32_t& trace) {
  const lock_class* pc = prev.cls.load(std::memory_order_relaxed);
  const lock_class* nc = next.cls.load(std::memory_order_relaxed);
  report_record* r = begin_report(report_kind::circular_dependency, problem_signature(report_kind::circular_dependency, nc->id, pc->id));
  if (!r) return;
  snapshot_class(*nc, r->classes[0]);
  snapshot_class(*pc, r->classes[1]);
  r->nr_classes = 2;
  set_acquire(*r, next, &prev);
  // The search ran next -> ... -> prev. Entries print from prev (#N, with the
  // trace of the edge into it) down to next (#0, with the trace just taken).
  chain_step tmp[k_record_max_chain];
  unsigned n = fill_path(tmp, k_record_max_chain, end, capture_once(trace), &r->truncated);
  // Each keeps its depth from the root: a cut path prints its true numbers.
  for (unsigned i = 0; i < n; ++i) r->chain[i] = tmp[n - 1 - i];
  r->nr_chain = n;
  finish_report(*r, ts);
}

// safe -> unsafe through the new edge prev -> next. Returns true if reported.
bool check_irq_usage(thread_state& ts, const held_lock& prev, const held_lock& next, std::uint32_t& trace) {
  core_state& cs = core();
  const lock_class* pc = prev.cls.load(std::memory_order_relaxed);
  const lock_class* nc = next.cls.load(std::memory_order_relaxed);
  for (unsigned state = 0; state < k_irq_states; ++state) {
    int safe_bit = -1;
    auto back = cs.g.backward(pc->id, prev.read != 0, [&](const lock_class& c, bool f) {
      safe_bit = irq_match_bit(c, f, state, false);
      return safe_bit >= 0;
    });
    if (!back.found) continue;
    // Save the backward path before the forward search reuses the scratch.
    chain_step back_steps[k_record_max_chain];
    bool trunc = false;
    unsigned nb = fill_path(back_steps, k_record_max_chain, back.state, 0, &trunc);
    int unsafe_bit = -1;
    auto fwd = cs.g.forward(nc->id, next.read == 2, [&](const lock_class& c, bool f) {
      unsafe_bit = irq_match_bit(c, f, state, true);
      return unsafe_bit >= 0;
    });
    if (!fwd.found) continue;
    const lock_class& safe = cs.g.cls(back.state >> 1);
    const lock_class& unsafe = cs.g.cls(fwd.state >> 1);
    report_record* r = begin_report(report_kind::irq_safe_to_unsafe,
                                    problem_signature(report_kind::irq_safe_to_unsafe, safe.id, unsafe.id, state));
    if (!r) return true;
    snapshot_class(*nc, r->classes[0]);
    snapshot_class(*pc, r->classes[1]);
    snapshot_class(safe, r->classes[2]);
    snapshot_class(unsafe, r->classes[3]);
    r->nr_classes = 4;
    set_acquire(*r, next, &prev);
    r->old_bit = static_cast<std::uint8_t>(safe_bit);
    r->new_bit = static_cast<std::uint8_t>(unsafe_bit);
    for (unsigned i = 0; i < nb; ++i) r->chain[i] = back_steps[i];
    r->nr_chain = nb;
    r->nr_chain2 = fill_path(r->chain2, k_record_max_chain, fwd.state, capture_once(trace), &r->truncated);
    r->truncated |= trunc;
    finish_report(*r, ts);
    return true;
  }
  return false;
}

void check_prev_add(thread_state& ts, const held_lock& prev, const held_lock& next, unsigned distance,
                    std::uint32_t& trace) {
  core_state& cs = core();
  const lock_class* pc = prev.cls.load(std::memory_order_relaxed);
  const lock_class* nc = next.cls.load(std::memory_order_relaxed);
  const std::uint8_t bit = dep_bit(prev.read, next.read);
  if (std::uint32_t e = cs.g.find_edge(pc->id, nc->id); e && (cs.g.dep(e).dep & bit)) {
    cs.g.dep(e).direct |= distance == 1;
    return;  // this exact dependency was validated when first recorded
  }
  auto cycle = cs.g.forward(nc->id, next.read == 2, [&](const lock_class& c, bool only_xr) {
    return c.id == pc->id && (prev.read == 0 || !only_xr);
  });
  if (cycle.found)
    report_circular(ts, prev, next, cycle.state, trace);
  else
    check_irq_usage(ts, prev, next, trace);
  if (!cs.g.add_edge(pc->id, nc->id, bit, distance == 1, capture_once(trace)))
    limit_reached(&ts, "BUG: MAX_LOCKDEP_ENTRIES too low!", option_id::max_dependencies);
  else
    record_dependency(*pc, *nc, bit, trace);  // for the graph store, if one is open
}

// One usage bit newly set on class c. Checks single-lock consistency, then
// searches the graph in the direction the bit can conflict.
void mark_lock(thread_state& ts, held_lock& hl, lock_class& c, unsigned bit, std::uint32_t& trace) {
  const std::uint32_t before = c.usage.load(std::memory_order_relaxed);
  if (before & bit_mask(bit)) return;
  c.usage.store(before | bit_mask(bit), std::memory_order_relaxed);
  c.usage_trace[bit] = capture_once(trace);
  record_usage(c, bit, trace);  // for the graph store, if one is open
  if (!is_irq_bit(bit) || !c.validate) return;
  if (std::uint32_t conflict = conflicting_bits(bit) & before) {
    const unsigned old = static_cast<unsigned>(__builtin_ctz(conflict));
    report_record* r = begin_report(report_kind::inconsistent_lock_state,
                                    problem_signature(report_kind::inconsistent_lock_state, c.id, bit, old));
    if (r) {
      snapshot_class(c, r->classes[0]);
      r->nr_classes = 1;
      set_acquire(*r, hl, nullptr);
      r->old_bit = static_cast<std::uint8_t>(old);
      r->new_bit = static_cast<std::uint8_t>(bit);
      finish_report(*r, ts);
    }
    return;
  }
  core_state& cs = core();
  const unsigned state = state_of(bit);
  const bool enabled = is_enabled_bit(bit);
  // A signal's ENABLED bit can conflict only with a class used in its
  // handler: until one is (here, or imported from a graph store), skip the
  // search (API threads mark every line on).
  if (is_signal_state(state)) {
    if (!enabled) note_signal_state_used_in(state);
    else if (!(g_signal_states_used_in.load(std::memory_order_relaxed) & (1u << state))) return;
  }
  int other_bit = -1;
  auto match = [&](const lock_class& o, bool f) {
    if (o.id == c.id) return false;
    other_bit = irq_match_bit(o, f, state, !enabled);
    return other_bit >= 0;
  };
  // A new ENABLED bit looks back for irq-safe classes that reach c; a new
  // USED_IN bit looks ahead for irq-unsafe classes c reaches.
  auto end = enabled ? cs.g.backward(c.id, is_read_bit(bit), match) : cs.g.forward(c.id, is_read_bit(bit), match);
  if (!end.found) return;
  const lock_class& other = cs.g.cls(end.state >> 1);
  report_record* r = begin_report(report_kind::irq_lock_inversion,
                                  problem_signature(report_kind::irq_lock_inversion, c.id, other.id, bit));
  if (!r) return;
  snapshot_class(c, r->classes[0]);
  snapshot_class(other, r->classes[1]);
  r->nr_classes = 2;
  set_acquire(*r, hl, nullptr);
  r->new_bit = static_cast<std::uint8_t>(bit);
  r->old_bit = static_cast<std::uint8_t>(other_bit);
  r->forwards = !enabled;
  r->nr_chain = fill_path(r->chain, k_record_max_chain, end.state, capture_once(trace), &r->truncated);
  finish_report(*r, ts);
}

}  // namespace

unsigned context_base(const thread_state& ts) noexcept {
  unsigned d = ts.depth.load(std::memory_order_relaxed);
  while (d > 0 && ts.held[d - 1].ctx_id == ts.ctx_id) --d;
  return d;
}

void validate_chain(thread_state& ts, held_lock& next, std::uint64_t chain_key, std::uint32_t& trace) noexcept {
  core_state& cs = core();
  if (cs.chains.contains(chain_key)) return;
  const unsigned base = context_base(ts);
  const unsigned depth = ts.depth.load(std::memory_order_relaxed);
  check_wait_context(ts, next, base);
  // A reported recursion adds no dependencies, nor does an acquisition its
  // nest lock excuses (the kernel's ret == 2): the nest lock orders it.
  bool ordered = false;
  if (check_deadlock(ts, next, base, ordered) == recursion_verdict::none) {
    const lock_class* nc = next.cls.load(std::memory_order_relaxed);
    for (unsigned i = depth; i-- > base;) {
      const held_lock& prev = ts.held[i];
      if (!prev.check) continue;
      if (prev.cls.load(std::memory_order_relaxed) != nc) check_prev_add(ts, prev, next, depth - i, trace);
      // Stop after the first blocking lock: the locks below reach `next`
      // through it by a path as strong as a direct edge. Not through a
      // recursive reader: x -(*R)-> prev -(S*)-> next is not strong, so
      // the locks below it get their own edges (the kernel stops here and
      // misses an ABBA with a recursive reader between the two locks).
      if (!prev.trylock && prev.read != 2) break;
    }
  }
  // Not cached: whether the instances are in order is decided anew each
  // time (the kernel caches the class sequence and lets a later
  // out-of-order acquisition of it pass).
  if (ordered) return;
  if (!add_chain(chain_key, ts, base, next, ts.ctx_type)) {
    if (cs.nr_chain_recs < cs.limits.max_chains && cs.chains.size() < cs.chains.capacity())
      limit_reached(&ts, "BUG: MAX_LOCKDEP_CHAIN_HLOCKS too low!", option_id::max_chain_hlocks);
    else
      limit_reached(&ts, "BUG: MAX_LOCKDEP_CHAINS too low!", option_id::max_chains);
  }
}

void mark_usage(thread_state& ts, held_lock& hl, std::uint32_t need, std::uint32_t& trace) noexcept {
  lock_class& c = *hl.cls.load(std::memory_order_relaxed);
  std::uint32_t missing = need & ~c.usage.load(std::memory_order_relaxed);
  // INITIAL USE first so a conflicting irq bit's report shows it.
  for (unsigned bit : {static_cast<unsigned>(used), static_cast<unsigned>(used_read)})
    if (missing & bit_mask(bit)) mark_lock(ts, hl, c, bit, trace);
  for (unsigned bit = 0; bit < usage_bits; ++bit)
    if (is_irq_bit(bit) && (missing & bit_mask(bit))) mark_lock(ts, hl, c, bit, trace);
}

LOCKDEP_INTERNAL_END
