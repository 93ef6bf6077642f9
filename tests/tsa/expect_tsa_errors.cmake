# cmake -DCOMPILER=... -DFLAGS="..." -DSOURCE=... -DEXPECTED=N -P expect_tsa_errors.cmake
# Passes when compiling SOURCE fails with exactly N thread-safety errors and
# no other error.
separate_arguments(flag_list UNIX_COMMAND "${FLAGS}")
execute_process(COMMAND ${COMPILER} ${flag_list} ${SOURCE}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc EQUAL 0)
  message(FATAL_ERROR "${SOURCE} compiled, but its lock misuse must be rejected")
endif()
string(REGEX MATCHALL "error: [^\n]*" errors "${err}")
set(tsa 0)
foreach(e ${errors})
  if(e MATCHES "-Wthread-safety")
    math(EXPR tsa "${tsa} + 1")
  else()
    message(FATAL_ERROR "unexpected compile error (not thread-safety analysis):\n${e}\n\n${err}")
  endif()
endforeach()
if(NOT tsa EQUAL EXPECTED)
  message(FATAL_ERROR "expected ${EXPECTED} thread-safety errors, got ${tsa}:\n${err}")
endif()
message(STATUS "rejected with ${tsa} thread-safety errors, as expected")
