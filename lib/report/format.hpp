// The report layer's internal interface: record -> lockdep::report -> text.
#pragma once

#include <string>

#include "core/report_record.hpp"
#include "lockdep/report.hpp"

LOCKDEP_INTERNAL_BEGIN

void install_capture_hook();
void install_site_group_hook();  // site_groups.cpp

// Class label as printed: name (or file:line), `#N`, `/subclass`.
std::string class_name(const class_snapshot& c);
// "{+.+.}-{3:3}" part of a lock line.
std::string class_state(const class_snapshot& c);
class_info make_class_info(const class_snapshot& c);
stack_trace make_trace(std::uint32_t id);

// The banner line of a kind ("WARNING: possible recursive locking detected").
std::string header_for(const report_record& r);
report build_report(const report_record& r);
// The kernel-layout text; fills nothing else.
std::string format_report(const report& rep, const report_record& r, bool symbolize);

LOCKDEP_INTERNAL_END
