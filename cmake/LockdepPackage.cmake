# `cpack -G DEB` in a build tree: one Debian package with everything
# `cmake --install` installs (the libraries, headers, the CMake package, the
# pkg-config files, liblockdep_preload.so and lockdep-run), under /usr, where
# find_package(lockdep) and pkg-config find it without any hint.
set(CPACK_PACKAGE_NAME lockdep)
set(CPACK_PACKAGE_VENDOR "lockdep")
set(CPACK_PACKAGE_CONTACT "lockdep maintainers <lockdep@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "the Linux kernel's lock validator (lockdep) for user-space C++")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_GENERATOR DEB)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION libdevel)
# What the installed CMake package and lockdep.pc look for (the headers of
# the libraries lockdep links); GoogleTest only for the gtest component.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libabsl-dev, libboost-stacktrace-dev (>= 1.74), libsqlite3-dev")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "libgtest-dev, pkg-config")
include(CPack)
