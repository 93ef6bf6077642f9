# cmake -DCOMPILER=... -DINCLUDE=... -DWORK=... -DSOURCE_DIR=... -P abi_mismatch.cmake
# Mixing LOCKDEP_ENABLED settings in one program must fail at link time.
# Control: both files disabled (header-only, no library) link and run.
# Mismatch: the library file disabled, the caller enabled: the link must
# fail on use_lock(lockdep::v1_on::...), the type of the enabled build.
file(MAKE_DIRECTORY ${WORK})
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  set(rc ${rc} PARENT_SCOPE)
  set(log "${out}${err}" PARENT_SCOPE)
endfunction()
set(flags -std=c++20 -I${INCLUDE})

run(${COMPILER} ${flags} -DLOCKDEP_ENABLED=0 -c ${SOURCE_DIR}/abi_lib.cpp -o ${WORK}/lib_off.o)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "compiling abi_lib.cpp (disabled) failed:\n${log}")
endif()
run(${COMPILER} ${flags} -DLOCKDEP_ENABLED=0 -c ${SOURCE_DIR}/abi_main.cpp -o ${WORK}/main_off.o)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "compiling abi_main.cpp (disabled) failed:\n${log}")
endif()
run(${COMPILER} ${WORK}/main_off.o ${WORK}/lib_off.o -o ${WORK}/matched)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "control: matching settings must link (without the library):\n${log}")
endif()

run(${COMPILER} ${flags} -DLOCKDEP_ENABLED=1 -c ${SOURCE_DIR}/abi_main.cpp -o ${WORK}/main_on.o)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "compiling abi_main.cpp (enabled) failed:\n${log}")
endif()
run(${COMPILER} ${WORK}/main_on.o ${WORK}/lib_off.o -o ${WORK}/mismatched)
if(rc EQUAL 0)
  message(FATAL_ERROR "mixing LOCKDEP_ENABLED=1 and =0 objects linked; it must fail")
endif()
if(NOT log MATCHES "use_lock\\(lockdep::v1_on::")
  message(FATAL_ERROR "the link failed, but not on the mismatched use_lock():\n${log}")
endif()
message(STATUS "mismatched settings fail to link, as they must")
