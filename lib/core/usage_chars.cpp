// The names of usage bits and the kernel's usage characters of a class
// ({....}): shared by the report layer and lockdep-graph, which links
// nothing else of the core but signal_lines.cpp.
#include <cstring>

#include "core/signal_lines.hpp"
#include "core/usage.hpp"

LOCKDEP_INTERNAL_BEGIN

namespace {

#define LOCKDEP_STATE_LABELS(s, label) "IN-" label "-W", "IN-" label "-R", label "-ON-W", label "-ON-R",
constexpr const char* k_kernel_labels[] = {LOCKDEP_USAGE_STATES(LOCKDEP_STATE_LABELS)};
#undef LOCKDEP_STATE_LABELS
#define LOCKDEP_STATE_NAMES(s, label) label, label "-READ",
constexpr const char* k_kernel_states_names[] = {LOCKDEP_USAGE_STATES(LOCKDEP_STATE_NAMES)};
#undef LOCKDEP_STATE_NAMES

void two_chars(std::uint32_t mask, unsigned state, char* out) {
  state_usage_chars(mask >> state_base(state) & 0xfu, out);
}

}  // namespace

void state_usage_chars(std::uint32_t four, char out[2]) {
  for (unsigned read = 0; read < 2; ++read) {
    const bool used_in = four & bit_mask(read);
    const bool enabled = four & bit_mask(read + k_dir_bit);
    char c = '.';
    if (enabled) c = used_in ? '?' : '+';
    else if (used_in) c = '-';
    out[read] = c;
  }
}

const char* usage_label(unsigned b) noexcept {
  if (b == used) return "INITIAL USE";
  if (b == used_read) return "INITIAL READ USE";
  if (!is_irq_bit(b)) return "?";
  const unsigned state = state_of(b);
  if (is_signal_state(state)) return signal_line_label(state - k_first_signal_state, b & 3u);
  return k_kernel_labels[state * 4 + (b & 3u)];
}

const char* state_label(unsigned b) noexcept {
  if (!is_irq_bit(b)) return "?";
  const unsigned state = state_of(b);
  if (is_signal_state(state)) return signal_line_label(state - k_first_signal_state, 4 + (b & k_read_bit));
  return k_kernel_states_names[state * 2 + (b & k_read_bit)];
}

void usage_chars(std::uint32_t mask, char out[k_usage_chars + 1]) {
  unsigned n = 0;
  for (unsigned state = 0; state < k_kernel_states; ++state, n += 2) two_chars(mask, state, out + n);
  for (unsigned line = 0; line < k_signal_lines; ++line) {
    const unsigned state = k_first_signal_state + line;
    if (!(mask & state_bits(state))) continue;
    // Only a line with a signal has bits a report shows (API threads mark
    // the unassigned ones too: every signal is deliverable there).
    if (line_signal(line) == 0) continue;
    const char* name = signal_line_label(line, 4);
    const std::size_t len = std::strlen(name);
    if (n + len + 4 > k_usage_chars) break;
    out[n++] = '|';
    std::memcpy(out + n, name, len);
    n += static_cast<unsigned>(len);
    out[n++] = ':';
    two_chars(mask, state, out + n);
    n += 2;
  }
  out[n] = 0;
}

LOCKDEP_INTERNAL_END
