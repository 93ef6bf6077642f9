// Test support for the fit suite: the a-b/b-a inversion, files, and running
// a child program with LOCKDEP_OPTIONS set, in a fresh temporary directory,
// collecting what it wrote.
#pragma once

#include <stdlib.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>

#include "lockdep/lockdep.hpp"

namespace fit_test {

// Takes a then b, then b then a: one circular-dependency report.
inline void abba(lockdep::mutex& a, lockdep::mutex& b) {
  {
    std::lock_guard g(a);
    std::lock_guard h(b);
  }
  {
    std::lock_guard g(b);
    std::lock_guard h(a);
  }
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A temporary directory, removed with its contents at the end of the scope.
class temp_dir {
 public:
  temp_dir() {
    char name[] = "/tmp/lockdep_fit_XXXXXX";
    if (mkdtemp(name)) path_ = name;
  }
  ~temp_dir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  // Write `text` to the file `name` here; returns its path.
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(file(name)) << text;
    return file(name);
  }

 private:
  std::string path_;
};

struct child_result {
  int exit_code = -1;
  std::string out, err;
  long pid = 0;  // from the child's "pid=<n>" line, if it printed one
};

// Runs `command` (a shell command line) with LOCKDEP_OPTIONS=`options`,
// its output captured in `dir`.
inline child_result run_child(const temp_dir& dir, const std::string& options, const std::string& command) {
  const std::string out = dir.file("child.out"), err = dir.file("child.err");
  const std::string cmd = "cd '" + dir.path() + "' && LOCKDEP_OPTIONS='" + options + "' " + command + " >'" + out +
                          "' 2>'" + err + "'";
  const int status = std::system(cmd.c_str());
  child_result r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_file(out);
  r.err = read_file(err);
  const std::size_t at = r.out.find("pid=");
  if (at != std::string::npos) r.pid = std::stol(r.out.substr(at + 4));
  return r;
}

}  // namespace fit_test
