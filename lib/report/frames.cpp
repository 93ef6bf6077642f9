// Frame text as users read it: lockdep's own spellings shortened, and the
// frames that are not the user's code (the standard lock guards, lockdep's
// headers, wrapper frames named by strip_frames=) recognised so that stacks
// and `at:` start at the user's function.
#include "report/frames.hpp"

#include <cstring>
#include <string_view>

#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"

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

bool not_user_frame(const std::string& described, const std::vector<std::string>& patterns) {
  static constexpr std::string_view k_guards[] = {"std::lock_guard<", "std::unique_lock<", "std::scoped_lock<",
                                                  "std::shared_lock<", "lockdep::"};
  const std::string_view d(described);
  for (std::string_view g : k_guards)
    if (d.substr(0, g.size()) == g) return true;
  if (d.find("/include/lockdep/") != std::string_view::npos) return true;
  for (const std::string& p : patterns)
    if (d.find(p) != std::string_view::npos) return true;
  return false;
}

LOCKDEP_INTERNAL_END
