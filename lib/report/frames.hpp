// Frame text as users read it (frames.cpp).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lockdep/config.hpp"

struct backtrace_state;

LOCKDEP_INTERNAL_BEGIN

// libbacktrace's state, one for the process (the debug information is read
// once, not once per thread); null if it cannot be created.
backtrace_state* symbol_state();
// The lines one return address prints as in a stack, innermost first: a
// `function file:line [inline]` line for each function inlined at the call
// (as the kernel prints them), then describe_frame's line for the function
// the code is in.
std::vector<std::string> describe_frame_lines(std::uintptr_t address);

// `lockdep::v1_on::tracked<std::mutex, ...>` -> `lockdep::mutex`, etc.
std::string readable_name(std::string text);
// The '|'-separated patterns of the strip_frames option (':' and ',' separate
// options in LOCKDEP_OPTIONS, so a pattern there names a file or a name
// fragment: "port_stdcxx.h|Lock"; set_options() takes any text).
std::vector<std::string> strip_patterns(const std::string& option);
// A described frame (a describe_frame_lines line) that is not the user's
// code: a standard lock guard, lockdep itself, one matching a strip pattern
// (a substring of its text, e.g. "port::Mutex::Lock"), or a member function
// of a type derived from lockdep::strip_frames_of.
bool not_user_frame(const std::string& described, const std::vector<std::string>& patterns);
// The qualified names ("port::Mutex::") of the types registered with
// lockdep::strip_frames_of (site.hpp), for not_user_frame.
std::vector<std::string> stripped_types();
// "T" of a __PRETTY_FUNCTION__ "... [with T = port::Mutex]" (g++) or
// "... [T = port::Mutex]" (clang), in demangler spelling; empty if none.
std::string pretty_template_argument(const char* pretty_function);

// Where an acquisition was made, as `at:` prints it: the first address of
// `ip` then `more` (recorded callers, then the acquisition's stack) with a
// line that is the user's code, and its lines from that one on (what of
// the user's code was inlined there, innermost first, then the function).
// Without one, `ip`'s function line. `pc`, if given, gets that address.
std::vector<std::string> site_lines(std::uintptr_t ip, const std::vector<std::uintptr_t>& more,
                                    const std::vector<std::string>& patterns, std::uintptr_t* pc = nullptr);
// The strip_frames option's patterns now (get_options()).
std::vector<std::string> current_strip_patterns();

LOCKDEP_INTERNAL_END
