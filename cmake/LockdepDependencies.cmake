# The dependencies, found the CMake way. On Debian 12:
#   libabsl-dev libboost-stacktrace-dev libsqlite3-dev libgtest-dev libbenchmark-dev
find_package(Threads REQUIRED)
find_package(absl REQUIRED)
# Boost.Stacktrace with the libbacktrace backend: function names and file:line.
find_package(Boost 1.74 REQUIRED COMPONENTS stacktrace_backtrace)
# The graph store (graph_store=PATH, lockdep-graph): libsqlite3-dev.
find_package(SQLite3 REQUIRED)
set(LOCKDEP_STACKTRACE_LIBS Boost::stacktrace_backtrace backtrace ${CMAKE_DL_LIBS})
