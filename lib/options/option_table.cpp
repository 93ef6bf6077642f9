// The option scanner. Allocation-free: the core calls it at load time and
// the preload interposer from inside pthread hooks.
#include "options/option_table.hpp"

#include <cstdlib>

LOCKDEP_INTERNAL_BEGIN

namespace {

bool parse_boolean(std::string_view v, long* out) {
  if (v == "1" || v == "true" || v == "yes") *out = 1;
  else if (v == "0" || v == "false" || v == "no") *out = 0;
  else return false;
  return true;
}

bool parse_decimal(std::string_view v, long lo, long hi, long* out) {
  if (v.empty() || v.size() > 18) return false;
  long n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + (c - '0');
  }
  if (n < lo || n > hi) return false;
  *out = n;
  return true;
}

}  // namespace

option_item parse_option_item(std::string_view item) noexcept {
  option_item it;
  it.text = item;
  const std::size_t eq = item.find('=');
  if (eq == std::string_view::npos) {
    it.error = option_error::malformed;
    return it;
  }
  const std::string_view key = item.substr(0, eq);
  it.value = item.substr(eq + 1);
  unsigned i = 0;
  while (i < k_option_count && key != k_option_table[i].name) ++i;
  if (i == k_option_count) {
    it.error = option_error::unknown;
    return it;
  }
  it.id = static_cast<option_id>(i);
  const option_def& d = k_option_table[i];
  bool ok = true;
  switch (d.kind) {
    case option_kind::boolean: ok = parse_boolean(it.value, &it.number); break;
    case option_kind::integer:
    case option_kind::limit: ok = parse_decimal(it.value, d.min, d.max, &it.number); break;
    case option_kind::text: break;
  }
  if (!ok) it.error = option_error::bad_value;
  return it;
}

long option_number(option_id id, const char* text) noexcept {
  if (!text) text = std::getenv("LOCKDEP_OPTIONS");
  long value = option_default(id);
  if (!text) return value;
  for_each_option(text, [&](const option_item& it) {
    if (it.error == option_error::none && it.id == id) value = it.number;
  });
  return value;
}

std::string_view option_text(option_id id, const char* text) noexcept {
  if (!text) text = std::getenv("LOCKDEP_OPTIONS");
  std::string_view value;
  if (!text) return value;
  for_each_option(text, [&](const option_item& it) {
    if (it.error == option_error::none && it.id == id) value = it.value;
  });
  return value;
}

LOCKDEP_INTERNAL_END
