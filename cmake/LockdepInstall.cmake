# `cmake --install`: headers, the static and the shared library, a CMake
# package (lockdepConfig.cmake, exporting lockdep::lockdep, lockdep::shared
# and, as component `gtest` when built, lockdep::gtest) and pkg-config files
# (lockdep.pc: the shared library; lockdep-static.pc: the archive).
# Both are relocatable: install with any --prefix.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(LOCKDEP_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/lockdep)
set(LOCKDEP_BOOST_MIN_VERSION 1.74)
if(LOCKDEP_ENABLE)
  set(LOCKDEP_ENABLED_VALUE 1)
else()
  set(LOCKDEP_ENABLED_VALUE 0)
endif()

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/lockdep
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.hpp" PATTERN "*.h")

set_target_properties(lockdep_shared PROPERTIES EXPORT_NAME shared)
set(lockdep_exported_targets lockdep lockdep_shared)
if(TARGET lockdep-graph)
  list(APPEND lockdep_exported_targets lockdep-graph)  # lockdep::lockdep-graph, installed to bin/
endif()
install(TARGETS ${lockdep_exported_targets} EXPORT lockdepTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} NAMELINK_COMPONENT Development
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT lockdepTargets NAMESPACE lockdep:: DESTINATION ${LOCKDEP_INSTALL_CMAKEDIR})
# lockdep::gtest in its own export set, loaded only for
# find_package(lockdep COMPONENTS gtest): a consumer without GoogleTest
# still finds the library.
set(LOCKDEP_EXPORTS_GTEST FALSE)
if(TARGET lockdep_gtest)
  set_target_properties(lockdep_gtest PROPERTIES EXPORT_NAME gtest)
  install(TARGETS lockdep_gtest EXPORT lockdepGtestTargets
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
          INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  install(EXPORT lockdepGtestTargets NAMESPACE lockdep:: DESTINATION ${LOCKDEP_INSTALL_CMAKEDIR})
  set(LOCKDEP_EXPORTS_GTEST TRUE)
endif()

configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/lockdepConfig.cmake.in
  ${PROJECT_BINARY_DIR}/lockdepConfig.cmake INSTALL_DESTINATION ${LOCKDEP_INSTALL_CMAKEDIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/lockdepConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/lockdepConfig.cmake ${PROJECT_BINARY_DIR}/lockdepConfigVersion.cmake
              ${CMAKE_CURRENT_LIST_DIR}/LockdepDiscoverTests.cmake
        DESTINATION ${LOCKDEP_INSTALL_CMAKEDIR})

# pkg-config: ${pcfiledir} plus one ".." per component of <libdir>/pkgconfig
# leads back to the prefix, so the file stays right under any --prefix.
set(LOCKDEP_PC_TO_PREFIX "..")
string(REPLACE "/" ";" libdir_parts "${CMAKE_INSTALL_LIBDIR}")
foreach(part IN LISTS libdir_parts)
  string(APPEND LOCKDEP_PC_TO_PREFIX "/..")
endforeach()
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  message(WARNING "lockdep.pc: CMAKE_INSTALL_LIBDIR is absolute; the .pc file assumes a relative one")
endif()
configure_file(${CMAKE_CURRENT_LIST_DIR}/lockdep.pc.in ${PROJECT_BINARY_DIR}/lockdep.pc @ONLY)
configure_file(${CMAKE_CURRENT_LIST_DIR}/lockdep-static.pc.in ${PROJECT_BINARY_DIR}/lockdep-static.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/lockdep.pc ${PROJECT_BINARY_DIR}/lockdep-static.pc
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
