// Frame text as users read it (frames.cpp).
#pragma once

#include <string>
#include <vector>

#include "lockdep/config.hpp"

LOCKDEP_INTERNAL_BEGIN

// `lockdep::v1_on::tracked<std::mutex, ...>` -> `lockdep::mutex`, etc.
std::string readable_name(std::string text);
// The '|'-separated patterns of the strip_frames option (':' and ',' separate
// options in LOCKDEP_OPTIONS, so a pattern there names a file or a name
// fragment: "port_stdcxx.h|Lock"; set_options() takes any text).
std::vector<std::string> strip_patterns(const std::string& option);
// A described frame (describe_frame's text) that is not the user's code: a
// standard lock guard, lockdep itself, or one matching a strip pattern
// (a substring of its text, e.g. "port::Mutex::Lock").
bool not_user_frame(const std::string& described, const std::vector<std::string>& patterns);

LOCKDEP_INTERNAL_END
