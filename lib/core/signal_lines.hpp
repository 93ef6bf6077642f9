// The signal lines: which real signal each signal usage state stands for
// (usage.hpp). A signal gets a line the first time a handler is installed
// for it (or a signal_handler_scope names it); the first four distinct
// signals get a line each, every later one shares the last ("SIGNAL"), so a
// lock used by two of those is judged as if they were one signal (reports
// stay possible, never missed). A line never changes its signal.
//
// Lock-free and allocation-free: a handler may assign a line.
#pragma once

#include <signal.h>

#include <cstdint>

#include "core/usage.hpp"

LOCKDEP_INTERNAL_BEGIN

constexpr unsigned k_shared_signal_line = k_signal_lines - 1;
constexpr std::uint8_t k_all_signal_lines = static_cast<std::uint8_t>((1u << k_signal_lines) - 1);
constexpr unsigned k_no_signal_line = 0xff;

// The line of `sig` (1..64), assigned now if it has none.
unsigned signal_line(int sig) noexcept;
// The line of `sig` if it has one, else k_no_signal_line.
unsigned signal_line_if_any(int sig) noexcept;
// The signal a line stands for: 0 if none yet, -1 for the shared line.
int line_signal(unsigned line) noexcept;
// Lines that have a signal (bit per line).
std::uint8_t assigned_signal_lines() noexcept;
// The usage labels of a line's state: 0..3 in bit order ("IN-SIGUSR1-W",
// "IN-SIGUSR1-R", "SIGUSR1-ON-W", "SIGUSR1-ON-R"), 4 and 5 the state names
// ("SIGUSR1", "SIGUSR1-READ"); the generic SIGNALn names while unassigned.
const char* signal_line_label(unsigned line, unsigned which) noexcept;
// Gives each signal of a small set (at most four: as many as lines of their
// own) a line: signals a program blocks by name are the ones it handles, and a
// use with them blocked must not count as "on" for the line they get later.
void assign_signal_lines(const sigset_t& set) noexcept;
// The lines none of whose signals with a line is blocked in `blocked`,
// among `lines`; the shared line counts as blocked only when every signal
// is.
std::uint8_t signal_lines_unblocked(const sigset_t& blocked, std::uint8_t lines) noexcept;

// "SIGUSR1", "SIGRTMIN+3", "SIG33": the name a line of `sig` is given
// (async-signal-safe). `out` has room for k_signal_name_chars.
constexpr unsigned k_signal_name_chars = 32;
void signal_name(int sig, char (&out)[k_signal_name_chars]) noexcept;
// The signal named so (1..64), 0 for none.
int signal_by_name(const char* name) noexcept;
// Run when a signal gets a line of its own (not the shared one), after its
// labels are published; possibly in a signal handler, so it must be
// async-signal-safe. The graph store's imported signal usage is applied
// to the line this way (core/imports.hpp).
using signal_line_hook = void (*)(int sig, unsigned line);
void set_signal_line_hook(signal_line_hook h) noexcept;

LOCKDEP_INTERNAL_END
