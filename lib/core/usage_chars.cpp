// The kernel's usage characters of a class ({....}): shared by the report
// layer and lockdep-graph, which links nothing else of the core.
#include "core/usage.hpp"

LOCKDEP_INTERNAL_BEGIN

void usage_chars(std::uint32_t mask, char out[k_usage_chars + 1]) {
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
  out[k_usage_chars] = 0;
}

LOCKDEP_INTERNAL_END
