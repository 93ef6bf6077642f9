// Formatting reports: reads only the public lockdep::report (no core
// header here), so every output format sees what the text shows.
#pragma once

#include <string>

#include "kinds/report_kinds.hpp"
#include "lockdep/report.hpp"

LOCKDEP_INTERNAL_BEGIN

// The kernel-layout text of `r` (frames symbolized when `symbolize`).
std::string format_report(const report& r, bool symbolize);

LOCKDEP_INTERNAL_END
