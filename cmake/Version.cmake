# SPDX-License-Identifier: MIT
#
# Generates <pcsim/version.h> from project(VERSION) so the header, the soname and the
# CMake/pkg-config packages can never disagree.  The header lands in
# ${PCSIM_GENERATED_INCLUDE_DIR}/pcsim/version.h; the pcsim target puts that directory on its
# BUILD_INTERFACE include path and cmake/Install.cmake installs the header beside the others.
# Included from the top-level CMakeLists.txt after project().

include_guard(GLOBAL)

set(PCSIM_GENERATED_INCLUDE_DIR "${PROJECT_BINARY_DIR}/include")
configure_file("${PROJECT_SOURCE_DIR}/cmake/version.h.in"
	"${PCSIM_GENERATED_INCLUDE_DIR}/pcsim/version.h" @ONLY)

# A hand-written copy in the source tree would shadow the generated one
# (include/ comes first on the include path).
if(EXISTS "${PROJECT_SOURCE_DIR}/include/pcsim/version.h")
	message(FATAL_ERROR "pcsim: include/pcsim/version.h is generated from cmake/version.h.in; "
		"remove the copy in the source tree")
endif()
