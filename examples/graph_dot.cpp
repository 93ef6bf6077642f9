// Render lockdep's dependency graph: a small program whose locks form an
// inversion, exported with lockdep::graph_dot() to lockdep_graph.dot and, if
// Graphviz's `dot` is installed, rendered to lockdep_graph.svg. The classes
// of the reported cycle are drawn red. Also prints the /proc-style dumps.
//
//   ./graph_dot [output-prefix]      (default: lockdep_graph)
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <string>

#include "lockdep/introspect.hpp"
#include "lockdep/lockdep.hpp"

struct account {
  lockdep::mutex mu{LOCKDEP_CLASS("account::mu")};
};

int main(int argc, char** argv) {
  const std::string prefix = argc > 1 ? argv[1] : "lockdep_graph";
  lockdep::options o = lockdep::get_options();
  o.print_reports = false;  // the report is not the point here; the graph is
  lockdep::set_options(o);

  lockdep::mutex bank{"bank::mu"};
  lockdep::mutex ledger{"ledger::mu"};
  lockdep::mutex audit{"audit::mu"};
  account alice, bob;

  {  // bank -> ledger -> audit, bank -> account
    std::lock_guard b(bank);
    std::lock_guard l(ledger);
    std::lock_guard a(audit);
  }
  {
    std::lock_guard b(bank);
    std::lock_guard a(alice.mu);
  }
  {  // audit -> bank closes a cycle: reported, and drawn red
    std::lock_guard a(audit);
    std::lock_guard b(bank);
  }
  lockdep::flush_reports();

  std::printf("%s%s%s", lockdep::dump_classes().c_str(), lockdep::dump_chains().c_str(),
              lockdep::dump_stats().c_str());

  const std::string dot_path = prefix + ".dot", svg_path = prefix + ".svg";
  std::ofstream(dot_path) << lockdep::graph_dot();
  std::printf("\nwrote %s\n", dot_path.c_str());
  if (std::system("command -v dot >/dev/null 2>&1") != 0) {
    std::printf("Graphviz `dot` not found; render later with: dot -Tsvg %s -o %s\n", dot_path.c_str(),
                svg_path.c_str());
    return 0;
  }
  const std::string cmd = "dot -Tsvg '" + dot_path + "' -o '" + svg_path + "'";
  if (std::system(cmd.c_str()) != 0) {
    std::fprintf(stderr, "dot failed: %s\n", cmd.c_str());
    return 1;
  }
  std::printf("wrote %s\n", svg_path.c_str());
  (void)bob;
  return 0;
}
