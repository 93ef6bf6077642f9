// The one scanner of the LOCKDEP_OPTIONS syntax, over the one table of
// options (lockdep/options.hpp: name, kind, default, bounds, documentation). The core (table sizes, at load time), the report layer (runtime
// options, parse_options) and the preload interposer (preload_*) all read
// their options through it, so a name, a default or a bound is written here
// and nowhere else. README's option table is checked against it by a test
// (lockdep::list_options()).
//
// Below the core: includes nothing of lockdep but config, allocates nothing,
// and is usable before main, in a signal handler and inside the interposer.
#pragma once

#include <climits>
#include <cstdint>
#include <string_view>

#include "lockdep/options.hpp"

LOCKDEP_INTERNAL_BEGIN

using lockdep::option_def;
using lockdep::option_id;
using lockdep::option_kind;
inline constexpr unsigned k_option_count = lockdep::option_count;
inline constexpr const option_def* k_option_table = lockdep::option_table;
using lockdep::option_info;
constexpr long option_default(option_id id) { return option_info(id).default_value; }
constexpr long option_max(option_id id) { return option_info(id).max; }

enum class option_error : std::uint8_t { none, malformed, unknown, bad_value };

// One `name=value` item of LOCKDEP_OPTIONS-syntax text.
struct option_item {
  std::string_view text;   // the whole item, for warnings
  option_error error = option_error::none;
  option_id id{};          // valid unless error is malformed or unknown
  std::string_view value;  // as written
  long number = 0;         // parsed value of boolean, integer and limit options
};

// Items are separated by ':', ',' or ' '. Calls visit(const option_item&)
// for each, in order; never allocates.
template <class Visit>
void for_each_option(std::string_view text, Visit&& visit);

// Parse one item (no separators in it).
option_item parse_option_item(std::string_view item) noexcept;

// The value of numeric option `id` in `text` (LOCKDEP_OPTIONS when null):
// the last valid setting, else the default. Bad values are not reported
// here; the report layer warns about them once, at start-up.
long option_number(option_id id, const char* text = nullptr) noexcept;
// The value of text option `id` in `text` (LOCKDEP_OPTIONS when null): the
// last setting, else empty. A view into `text`.
std::string_view option_text(option_id id, const char* text = nullptr) noexcept;

template <class Visit>
void for_each_option(std::string_view text, Visit&& visit) {
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t end = text.find_first_of(": ,", i);
    const std::size_t stop = end == std::string_view::npos ? text.size() : end;
    if (stop > i) visit(parse_option_item(text.substr(i, stop - i)));
    i = stop + 1;
  }
}

LOCKDEP_INTERNAL_END
