// Frame text as users read it: lockdep's own spellings shortened, and the
// frames that are not the user's code (the standard lock guards, lockdep's
// headers, wrapper frames named by strip_frames=) recognised so that stacks
// and `at:` start at the user's function.
#include "report/frames.hpp"

#include <cstring>
#include <mutex>
#include <string_view>

#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "lockdep/options.hpp"

LOCKDEP_INTERNAL_BEGIN

std::string readable_name(std::string text) {
  // The ABI namespace first (lockdep::v1_on::mutex -> lockdep::mutex), then
  // the ready-made lock types by their public names.
  absl::StrReplaceAll({{"lockdep::v1_on::", "lockdep::"}, {"lockdep::v1_off::", "lockdep::"}}, &text);
  absl::StrReplaceAll(
      {
          {"lockdep::tracked<std::mutex, lockdep::lock_traits<std::mutex> >", "lockdep::mutex"},
          {"lockdep::tracked<std::timed_mutex, lockdep::lock_traits<std::timed_mutex> >", "lockdep::timed_mutex"},
          {"lockdep::tracked<std::recursive_mutex, lockdep::internal::recursive_traits>", "lockdep::recursive_mutex"},
          {"lockdep::tracked<std::shared_timed_mutex, lockdep::lock_traits<std::shared_timed_mutex> >",
           "lockdep::shared_mutex"},
          {"lockdep::tracked<lockdep::internal::raw_spinlock, lockdep::internal::spin_traits>", "lockdep::spinlock"},
          {"lockdep::tracked<lockdep::internal::raw_rwlock, lockdep::internal::rwlock_traits>", "lockdep::rwlock"},
      },
      &text);
  return text;
}

std::vector<std::string> strip_patterns(const std::string& option) {
  std::vector<std::string> out;
  for (absl::string_view p : absl::StrSplit(option, '|', absl::SkipEmpty())) out.emplace_back(p);
  return out;
}

namespace {
// The function's qualified name begins at `at` (the text's start, or after
// a template function's return type; not inside its parameters).
bool names_member_of(std::string_view d, std::string_view type) {
  const std::size_t paren = d.find('(');
  for (std::size_t at = d.find(type); at != std::string_view::npos && at < paren; at = d.find(type, at + 1))
    if (at == 0 || d[at - 1] == ' ') return true;
  return false;
}

struct type_registry {
  std::mutex mu;  // lockdep's own: never instrumented
  std::vector<std::string> types;
};
type_registry& registry() {
  static type_registry* r = new type_registry;  // outlives static destructors
  return *r;
}
}  // namespace

bool not_user_frame(const std::string& described, const std::vector<std::string>& patterns) {
  static constexpr std::string_view k_guards[] = {"std::lock_guard<", "std::unique_lock<", "std::scoped_lock<",
                                                  "std::shared_lock<", "lockdep::"};
  const std::string_view d(described);
  for (std::string_view g : k_guards)
    if (d.substr(0, g.size()) == g) return true;
  if (d.find("/include/lockdep/") != std::string_view::npos) return true;
  for (const std::string& p : patterns)
    if (d.find(p) != std::string_view::npos) return true;
  for (const std::string& t : stripped_types())
    if (names_member_of(d, t)) return true;
  return false;
}

std::string pretty_template_argument(const char* pretty_function) {
  const std::string_view p(pretty_function ? pretty_function : "");
  std::size_t at = p.find("[with T = ");
  at = at != std::string_view::npos ? at + 10 : p.find("[T = ");
  if (at == std::string_view::npos) return {};
  if (p.substr(at, 5) == "[T = ") at += 5;
  std::size_t end = p.find_first_of(";]", at);
  std::string t(p.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at));
  absl::StrReplaceAll({{"{anonymous}", "(anonymous namespace)"}}, &t);
  return readable_name(std::move(t));
}

std::vector<std::string> site_lines(std::uintptr_t ip, const std::vector<std::uintptr_t>& more,
                                    const std::vector<std::string>& patterns, std::uintptr_t* pc) {
  if (pc) *pc = ip;
  std::vector<std::string> first;
  for (std::size_t k = 0; k <= more.size(); ++k) {
    const std::uintptr_t at = k == 0 ? ip : more[k - 1];
    std::vector<std::string> lines = describe_frame_lines(at);
    if (first.empty()) first = {lines.back()};
    for (std::size_t i = 0; i < lines.size(); ++i) {
      if (not_user_frame(lines[i], patterns)) continue;
      if (pc) *pc = at;
      return {lines.begin() + static_cast<std::ptrdiff_t>(i), lines.end()};
    }
  }
  return first;
}

std::vector<std::string> current_strip_patterns() { return strip_patterns(get_options().strip_frames); }

std::vector<std::string> stripped_types() {
  type_registry& r = registry();
  std::lock_guard<std::mutex> hold(r.mu);
  return r.types;
}

void strip_frames_of_type(const char* pretty_function) noexcept {
  try {
    std::string t = pretty_template_argument(pretty_function);
    if (t.empty()) return;
    t += "::";
    type_registry& r = registry();
    std::lock_guard<std::mutex> hold(r.mu);
    for (const std::string& have : r.types)
      if (have == t) return;
    r.types.push_back(std::move(t));
  } catch (...) {
    // Out of memory: the type's frames are printed, nothing else changes.
  }
}

LOCKDEP_INTERNAL_END
