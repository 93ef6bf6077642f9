// report_format=json: each report as one JSON object on one line (JSON
// Lines), built from the public lockdep::report. Frames are symbolized into
// function / file / line / module / offset (symbolize_frame), so tools need
// not parse the kernel-layout text, which is still included as "text".
#include <cstdio>

#include "report/frames.hpp"
#include "report/machine_format.hpp"

LOCKDEP_INTERNAL_BEGIN

void json_string(std::string* out, std::string_view s) {
  *out += '"';
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': *out += "\\\""; break;
      case '\\': *out += "\\\\"; break;
      case '\n': *out += "\\n"; break;
      case '\t': *out += "\\t"; break;
      case '\r': *out += "\\r"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          *out += buf;
        } else {
          *out += ch;
        }
    }
  }
  *out += '"';
}

namespace {

void key(std::string* out, std::string_view name) {
  if (out->back() != '{') *out += ',';
  json_string(out, name);
  *out += ':';
}
void field(std::string* out, std::string_view name, std::string_view value) {
  key(out, name);
  json_string(out, value);
}
void field(std::string* out, std::string_view name, long long value) {
  key(out, name);
  *out += std::to_string(value);
}
void field(std::string* out, std::string_view name, bool value) {
  key(out, name);
  *out += value ? "true" : "false";
}
std::string hex(std::uintptr_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%lx", static_cast<unsigned long>(v));
  return buf;
}

void stack(std::string* out, const stack_trace& t) {
  *out += '[';
  for (std::size_t i = 0; i < t.frames.size(); ++i) {
    if (i) *out += ',';
    json_frame(out, symbolize_frame(t.frames[i]));
  }
  *out += ']';
}

void class_object(std::string* out, const class_info& c) {
  *out += '{';
  field(out, "name", c.name);
  field(out, "usage", c.usage);
  key(out, "wait");
  *out += '{';
  field(out, "outer", static_cast<long long>(c.wait_outer));
  field(out, "inner", static_cast<long long>(c.wait_inner));
  *out += '}';
  field(out, "key_location", c.key_location);
  *out += '}';
}

}  // namespace

void json_frame(std::string* out, const frame_info& f) {
  *out += '{';
  field(out, "function", f.function);
  field(out, "file", f.file);
  field(out, "line", static_cast<long long>(f.line));
  field(out, "module", f.module);
  field(out, "offset", static_cast<long long>(f.offset));
  field(out, "address", hex(f.address));
  *out += '}';
}

std::uintptr_t user_site(const held_lock_info& h, const stack_trace* fallback, const std::vector<std::string>& strip) {
  std::vector<std::uintptr_t> more = h.caller_ips;
  if (fallback) more.insert(more.end(), fallback->frames.begin(), fallback->frames.end());
  std::uintptr_t pc = h.acquire_ip;
  site_lines(h.acquire_ip, more, strip, &pc);
  return pc;
}

std::string report_json_line(const report& rep) {
  const std::vector<std::string> strip = current_strip_patterns();
  std::string out = "{";
  field(&out, "kind", to_string(rep.kind));
  field(&out, "header", rep.header);
  key(&out, "thread");
  out += '{';
  field(&out, "name", rep.thread_name);
  field(&out, "tid", static_cast<long long>(rep.tid));
  out += '}';
  key(&out, "classes");
  out += '[';
  for (std::size_t i = 0; i < rep.classes.size(); ++i) {
    if (i) out += ',';
    class_object(&out, rep.classes[i]);
  }
  out += ']';
  key(&out, "chain");
  out += '[';
  for (std::size_t i = 0; i < rep.chain.size(); ++i) {
    if (i) out += ',';
    out += '{';
    field(&out, "class", rep.chain[i].cls.name);
    field(&out, "depth", static_cast<long long>(rep.chain[i].depth));
    key(&out, "stack");
    stack(&out, rep.chain[i].trace);
    out += '}';
  }
  out += ']';
  key(&out, "held_locks");
  out += '[';
  for (std::size_t i = 0; i < rep.held_locks.size(); ++i) {
    const held_lock_info& h = rep.held_locks[i];
    if (i) out += ',';
    out += '{';
    field(&out, "class", h.cls.name);
    field(&out, "usage", h.cls.usage);
    field(&out, "instance", hex(reinterpret_cast<std::uintptr_t>(h.instance)));
    field(&out, "read", h.read != read_mode::exclusive);
    field(&out, "trylock", h.trylock);
    key(&out, "at");
    json_frame(&out, symbolize_frame(user_site(h, nullptr, strip)));
    out += '}';
  }
  out += ']';
  if (acquire_ip(rep)) {
    key(&out, "at");
    json_frame(&out, symbolize_frame(user_site(*rep.acquiring, &rep.backtrace, strip)));
  }
  key(&out, "backtrace");
  stack(&out, rep.backtrace);
  field(&out, "detail", rep.detail);
  field(&out, "waived", rep.waived);
  if (rep.waived) field(&out, "waiver_reason", rep.waiver_reason);
  field(&out, "text", rep.text);
  out += "}\n";
  return out;
}

LOCKDEP_INTERNAL_END
