# lockdep_discover_tests(<target> [STORE <path>] [CHECK_NAME <name>]
#                        [PROPERTIES <prop> <value>...] [<gtest_discover_tests args>...])
#
# gtest_discover_tests(), plus one lockdep dependency graph for the whole
# suite: every discovered test runs with LOCKDEP_OPTIONS graph_store=<path>
# (appended to the LOCKDEP_OPTIONS of the environment), a setup test removes
# the store of the previous ctest run, and a final test (CTest FIXTURES_CLEANUP,
# so after all of them, also with ctest -j or -R) runs
# `lockdep-graph check <path>`. The suite fails on an inversion whose halves
# ran in different tests, although each of them passed.
#
#   STORE       the store file (default: <binary dir>/<target>.lockdep-graph.db)
#   CHECK_NAME  the check test's name (default: <target>.lockdep_graph_check)
include_guard(GLOBAL)
include(GoogleTest)

function(lockdep_discover_tests target)
  cmake_parse_arguments(ARG "" "STORE;CHECK_NAME" "PROPERTIES" ${ARGN})
  if(NOT ARG_STORE)
    set(ARG_STORE ${CMAKE_CURRENT_BINARY_DIR}/${target}.lockdep-graph.db)
  endif()
  if(NOT ARG_CHECK_NAME)
    set(ARG_CHECK_NAME ${target}.lockdep_graph_check)
  endif()
  if(TARGET lockdep-graph)
    set(tool $<TARGET_FILE:lockdep-graph>)
  elseif(TARGET lockdep::lockdep-graph)
    set(tool $<TARGET_FILE:lockdep::lockdep-graph>)
  else()
    find_program(LOCKDEP_GRAPH_EXECUTABLE lockdep-graph REQUIRED)
    set(tool ${LOCKDEP_GRAPH_EXECUTABLE})
  endif()
  set(fixture ${target}.lockdep_graph)
  add_test(NAME ${target}.lockdep_graph_reset
           COMMAND ${CMAKE_COMMAND} -E rm -f ${ARG_STORE} ${ARG_STORE}-wal ${ARG_STORE}-shm)
  set_tests_properties(${target}.lockdep_graph_reset PROPERTIES FIXTURES_SETUP ${fixture})
  gtest_discover_tests(${target} ${ARG_UNPARSED_ARGUMENTS}
    PROPERTIES ${ARG_PROPERTIES}
      ENVIRONMENT_MODIFICATION "LOCKDEP_OPTIONS=string_append: graph_store=${ARG_STORE}"
      FIXTURES_REQUIRED ${fixture})
  add_test(NAME ${ARG_CHECK_NAME} COMMAND ${tool} check ${ARG_STORE})
  set_tests_properties(${ARG_CHECK_NAME} PROPERTIES FIXTURES_CLEANUP ${fixture})
endfunction()
