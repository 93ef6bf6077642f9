// Machine-readable forms of lockdep::report (option report_format): JSON
// Lines (json_format.cpp) and a SARIF 2.1.0 log (sarif.cpp). Both read only
// the public report, so they stay right whatever the text layout does.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "lockdep/report.hpp"

LOCKDEP_INTERNAL_BEGIN

// Append `s` as a JSON string literal (quotes included) to *out.
void json_string(std::string* out, std::string_view s);
// {"function":..,"file":..,"line":..,"module":..,"offset":..,"address":..}
void json_frame(std::string* out, const frame_info& f);
// Where the lock in question was acquired or released (the `at:` of "is
// trying to acquire"), 0 when the report has no such lock.
inline std::uintptr_t acquire_ip(const report& rep) { return rep.acquiring ? rep.acquiring->acquire_ip : 0; }
// The address `at:` names (frames.hpp site_lines): `h`'s own, or the first
// of its recorded callers, then of `fallback`, that is the user's code.
std::uintptr_t user_site(const held_lock_info& h, const stack_trace* fallback, const std::vector<std::string>& strip);
// One report as one JSON object on one line, '\n' included.
std::string report_json_line(const report& rep);

// Write the SARIF log at exit (from set_options with report_format=sarif;
// once, whatever the format is later).
void sarif_enable();
// Keep `rep` for the SARIF log (and enable it).
void sarif_collect(const report& rep);
// The SARIF log of the reports collected so far (what exit writes).
std::string sarif_log();

LOCKDEP_INTERNAL_END
