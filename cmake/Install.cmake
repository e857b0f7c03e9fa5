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
# <pcsim/version.h> is generated from project(VERSION) (cmake/Version.cmake).
install(FILES "${PCSIM_GENERATED_INCLUDE_DIR}/pcsim/version.h"
	DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/pcsim)
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

# pkg-config.  One build makes either a static or a shared libpcsim, and pcsim.pc is written for
# the kind built, so that a plain `pkg-config --cflags --libs pcsim` links in both cases:
#
#   shared: Libs: -lpcsim; liburcu, libev and pthread are libpcsim.so's own DT_NEEDED
#           dependencies and stay in Requires.private/Libs.private (`--static` still lists them).
#   static: libpcsim.a carries no dependencies, so they go in Requires/Libs, after -lpcsim.
#
# A static build also installs pcsim-static.pc (as libuv ships libuv-static.pc): it names the
# archive itself, so `pkg-config --libs pcsim-static` links libpcsim.a even where a shared
# libpcsim from another build sits in the same libdir (-lpcsim would pick the .so).
#
# libdir/includedir are relative to ${prefix}; the prefix itself is filled in at *install* time
# so that `cmake --install --prefix <dir>` yields correct files (configure_file runs twice: now
# with the prefix left as the placeholder @PCSIM_PC_PREFIX@, then again from install(CODE)).
foreach(_dir LIBDIR INCLUDEDIR)
	if(IS_ABSOLUTE "${CMAKE_INSTALL_${_dir}}")
		set(PCSIM_PC_${_dir} "${CMAKE_INSTALL_${_dir}}")
	else()
		set(PCSIM_PC_${_dir} "\${prefix}/${CMAKE_INSTALL_${_dir}}")
	endif()
endforeach()
set(_pcsim_pc_deps "liburcu-memb liburcu-cds")
if(PCSIM_HAVE_LIBURING)
	string(APPEND _pcsim_pc_deps " liburing")
endif()
set(_pcsim_pc_deplibs "-lev -lpthread")	# libev ships no .pc file on Debian 12

set(PCSIM_PC_PREFIX "@PCSIM_PC_PREFIX@")
set(_pcsim_pc_files pcsim)
if(PCSIM_CONFIG_STATIC)
	list(APPEND _pcsim_pc_files pcsim-static)
endif()
foreach(_pc IN LISTS _pcsim_pc_files)
	if(_pc STREQUAL "pcsim-static")
		set(PCSIM_PC_NAME "pcsim (static)")
		get_target_property(_pcsim_out pcsim OUTPUT_NAME)
		if(NOT _pcsim_out)
			set(_pcsim_out pcsim)
		endif()
		set(_pcsim_out
			"${CMAKE_STATIC_LIBRARY_PREFIX}${_pcsim_out}${CMAKE_STATIC_LIBRARY_SUFFIX}")
		set(PCSIM_PC_LIB "\${libdir}/${_pcsim_out}")
	else()
		set(PCSIM_PC_NAME "pcsim")
		set(PCSIM_PC_LIB "-L\${libdir} -lpcsim")
	endif()
	if(PCSIM_CONFIG_STATIC)
		set(PCSIM_PC_KIND static)
		set(PCSIM_PC_REQUIRES "${_pcsim_pc_deps}")
		set(PCSIM_PC_REQUIRES_PRIVATE "")
		set(PCSIM_PC_LIBS "${PCSIM_PC_LIB} ${_pcsim_pc_deplibs}")
		set(PCSIM_PC_LIBS_PRIVATE "")
	else()
		set(PCSIM_PC_KIND shared)
		set(PCSIM_PC_REQUIRES "")
		set(PCSIM_PC_REQUIRES_PRIVATE "${_pcsim_pc_deps}")
		set(PCSIM_PC_LIBS "${PCSIM_PC_LIB}")
		set(PCSIM_PC_LIBS_PRIVATE "${_pcsim_pc_deplibs}")
	endif()
	configure_file("${PROJECT_SOURCE_DIR}/cmake/pcsim.pc.in"
		"${PROJECT_BINARY_DIR}/pkgconfig/${_pc}.pc.in" @ONLY)
	install(CODE "
		set(PCSIM_PC_PREFIX \"\${CMAKE_INSTALL_PREFIX}\")
		configure_file(\"${PROJECT_BINARY_DIR}/pkgconfig/${_pc}.pc.in\"
			\"${PROJECT_BINARY_DIR}/pkgconfig/${_pc}.pc\" @ONLY)
	")
	install(FILES "${PROJECT_BINARY_DIR}/pkgconfig/${_pc}.pc"
		DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endforeach()
unset(_pcsim_pc_deps)
unset(_pcsim_pc_deplibs)
unset(_pcsim_pc_files)
unset(_pcsim_out)

# ---------------------------------------------------------------------------
# The install test (tests/install/install_test.sh): install this tree into a fresh prefix under
# the build directory and build examples/*.c against it through find_package(pcsim) and through
# pkg-config, then run them.  install.<other kind> does the same for a library of the other
# kind (shared for a static tree, static for a shared one) built from the source tree, so that
# both kinds are checked by every run.  An instrumented libpcsim needs instrumented programs, so
# the sanitizer flags of cmake/Sanitizers.cmake are passed on (the same derivation).
# ---------------------------------------------------------------------------
if(PCSIM_BUILD_TESTS AND EXISTS "${PROJECT_SOURCE_DIR}/tests/install/install_test.sh")
	string(REPLACE "," ";" _pcsim_it_san "${PCSIM_SANITIZE}")
	string(STRIP "${_pcsim_it_san}" _pcsim_it_san)
	list(REMOVE_ITEM _pcsim_it_san "")
	list(REMOVE_DUPLICATES _pcsim_it_san)
	set(_pcsim_it_cflags "")
	set(_pcsim_it_ldflags "")
	if(_pcsim_it_san)
		list(JOIN _pcsim_it_san "," _pcsim_it_joined)
		set(_pcsim_it_cflags "-fsanitize=${_pcsim_it_joined} -fno-omit-frame-pointer")
		set(_pcsim_it_ldflags "-fsanitize=${_pcsim_it_joined}")
		if("undefined" IN_LIST _pcsim_it_san)
			string(APPEND _pcsim_it_cflags " -fno-sanitize-recover=undefined")
			string(APPEND _pcsim_it_ldflags " -fno-sanitize-recover=undefined")
		endif()
	endif()
	list(JOIN _pcsim_it_san ";" _pcsim_it_san_list)
	if(PCSIM_CONFIG_STATIC)
		set(_pcsim_it_kind static)
		set(_pcsim_it_other shared)
	else()
		set(_pcsim_it_kind shared)
		set(_pcsim_it_other static)
	endif()
	set(_pcsim_it_args
		"--source=${PROJECT_SOURCE_DIR}"
		"--version=${PROJECT_VERSION}"
		"--libdir=${CMAKE_INSTALL_LIBDIR}"
		"--config=$<CONFIG>"
		"--cc=${CMAKE_C_COMPILER}"
		"--generator=${CMAKE_GENERATOR}"
		"--pkg-config=${PKG_CONFIG_EXECUTABLE}"
		"--cflags=${_pcsim_it_cflags}"
		"--ldflags=${_pcsim_it_ldflags}")
	set(_pcsim_it "${PROJECT_SOURCE_DIR}/tests/install/install_test.sh")
	# Measured on a busy 2-core machine (asan preset, ctest -j2, load 6-8): install 33-44 s,
	# install.shared 28-35 s (it compiles the library); at load 9-16 (docs/robustness.md) 45 and
	# 42 s: the timeouts leave a 5x margin.
	add_test(NAME install
		COMMAND "${_pcsim_it}" ${_pcsim_it_args}
			"--build=${PROJECT_BINARY_DIR}" --kind=${_pcsim_it_kind}
			"--work=${PROJECT_BINARY_DIR}/tests/install/${_pcsim_it_kind}")
	set_tests_properties(install PROPERTIES LABELS "unit;install" TIMEOUT 240)
	add_test(NAME install.${_pcsim_it_other}
		COMMAND "${_pcsim_it}" ${_pcsim_it_args}
			--from-source=${_pcsim_it_other} "--sanitize=${_pcsim_it_san_list}"
			"--work=${PROJECT_BINARY_DIR}/tests/install/${_pcsim_it_other}")
	set_tests_properties(install.${_pcsim_it_other} PROPERTIES
		LABELS "unit;install" TIMEOUT 240)
	unset(_pcsim_it)
	unset(_pcsim_it_args)
	unset(_pcsim_it_san)
	unset(_pcsim_it_san_list)
	unset(_pcsim_it_joined)
	unset(_pcsim_it_cflags)
	unset(_pcsim_it_ldflags)
	unset(_pcsim_it_kind)
	unset(_pcsim_it_other)
endif()
