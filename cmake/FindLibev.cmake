# SPDX-License-Identifier: MIT
#
# FindLibev
# ---------
# libev ships no pkg-config file and no CMake package (Debian's libev-dev
# installs only ev.h, ev++.h, libev.so, ev.3), so look it up by hand.
#
# Result variables:  Libev_FOUND, LIBEV_INCLUDE_DIR, LIBEV_LIBRARY,
#                    Libev_VERSION (from EV_VERSION_MAJOR/MINOR in ev.h)
# Imported target:   libev::libev
#
# Hints: LIBEV_ROOT / Libev_ROOT (standard <Pkg>_ROOT handling).

find_path(LIBEV_INCLUDE_DIR NAMES ev.h PATH_SUFFIXES libev)
find_library(LIBEV_LIBRARY NAMES ev libev)

if(LIBEV_INCLUDE_DIR AND EXISTS "${LIBEV_INCLUDE_DIR}/ev.h")
	file(STRINGS "${LIBEV_INCLUDE_DIR}/ev.h" _libev_major
		REGEX "^#define[ \t]+EV_VERSION_MAJOR[ \t]+[0-9]+")
	file(STRINGS "${LIBEV_INCLUDE_DIR}/ev.h" _libev_minor
		REGEX "^#define[ \t]+EV_VERSION_MINOR[ \t]+[0-9]+")
	string(REGEX REPLACE ".*[ \t]([0-9]+).*" "\\1" _libev_major "${_libev_major}")
	string(REGEX REPLACE ".*[ \t]([0-9]+).*" "\\1" _libev_minor "${_libev_minor}")
	if(_libev_major MATCHES "^[0-9]+$" AND _libev_minor MATCHES "^[0-9]+$")
		set(Libev_VERSION "${_libev_major}.${_libev_minor}")
	endif()
	unset(_libev_major)
	unset(_libev_minor)
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(Libev
	REQUIRED_VARS LIBEV_LIBRARY LIBEV_INCLUDE_DIR
	VERSION_VAR Libev_VERSION)

if(Libev_FOUND AND NOT TARGET libev::libev)
	add_library(libev::libev UNKNOWN IMPORTED)
	set_target_properties(libev::libev PROPERTIES
		IMPORTED_LOCATION "${LIBEV_LIBRARY}"
		INTERFACE_INCLUDE_DIRECTORIES "${LIBEV_INCLUDE_DIR}")
endif()

mark_as_advanced(LIBEV_INCLUDE_DIR LIBEV_LIBRARY)
