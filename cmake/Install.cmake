# SPDX-License-Identifier: MIT
#
# Install rules: the library, the public headers, the CMake package and the pkg-config file.
# Included from the top-level CMakeLists.txt after every target exists.
include(CMakePackageConfigHelpers)

set(PCSIM_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/pcsim")

install(TARGETS pcsim
	EXPORT pcsimTargets
	ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
	LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
	RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
	INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY include/pcsim DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT pcsimTargets
	NAMESPACE pcsim::
	DESTINATION ${PCSIM_INSTALL_CMAKEDIR})

get_target_property(_pcsim_type pcsim TYPE)
if(_pcsim_type STREQUAL "STATIC_LIBRARY")
	set(PCSIM_CONFIG_STATIC ON)
else()
	set(PCSIM_CONFIG_STATIC OFF)
endif()

configure_package_config_file(
	"${PROJECT_SOURCE_DIR}/cmake/pcsimConfig.cmake.in"
	"${PROJECT_BINARY_DIR}/pcsimConfig.cmake"
	INSTALL_DESTINATION ${PCSIM_INSTALL_CMAKEDIR})
write_basic_package_version_file(
	"${PROJECT_BINARY_DIR}/pcsimConfigVersion.cmake"
	VERSION ${PROJECT_VERSION}
	COMPATIBILITY SameMinorVersion)
install(FILES
	"${PROJECT_BINARY_DIR}/pcsimConfig.cmake"
	"${PROJECT_BINARY_DIR}/pcsimConfigVersion.cmake"
	"${PROJECT_SOURCE_DIR}/cmake/FindLibev.cmake"
	DESTINATION ${PCSIM_INSTALL_CMAKEDIR})

# pkg-config.  libdir/includedir are relative to ${prefix}; the prefix itself
# is filled in at *install* time so that `cmake --install --prefix <dir>`
# yields a correct pcsim.pc (configure_file runs twice: now with the prefix
# left as the placeholder @PCSIM_PC_PREFIX@, then again from install(CODE)).
foreach(_dir LIBDIR INCLUDEDIR)
	if(IS_ABSOLUTE "${CMAKE_INSTALL_${_dir}}")
		set(PCSIM_PC_${_dir} "${CMAKE_INSTALL_${_dir}}")
	else()
		set(PCSIM_PC_${_dir} "\${prefix}/${CMAKE_INSTALL_${_dir}}")
	endif()
endforeach()
set(PCSIM_PC_REQUIRES_PRIVATE_EXTRA "")
if(PCSIM_HAVE_LIBURING)
	set(PCSIM_PC_REQUIRES_PRIVATE_EXTRA " liburing")
endif()
set(PCSIM_PC_PREFIX "@PCSIM_PC_PREFIX@")
configure_file("${PROJECT_SOURCE_DIR}/cmake/pcsim.pc.in" "${PROJECT_BINARY_DIR}/pcsim.pc.in" @ONLY)
install(CODE "
	set(PCSIM_PC_PREFIX \"\${CMAKE_INSTALL_PREFIX}\")
	configure_file(\"${PROJECT_BINARY_DIR}/pcsim.pc.in\" \"${PROJECT_BINARY_DIR}/pcsim.pc\" @ONLY)
")
install(FILES "${PROJECT_BINARY_DIR}/pcsim.pc"
	DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
