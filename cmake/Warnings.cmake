# SPDX-License-Identifier: MIT
#
# pcsim_set_warnings(<target>)
#
# Applies the project warning set to the C sources of
# <target>.  -Werror is added only when PCSIM_WERROR is ON.  The flags are
# restricted to C compilation so .S files are not fed C-only options.
# Not enabled yet on purpose: -Wconversion / -Wsign-conversion, and
# -Wcast-align (fires inside liburcu's caa_container_of on clang).

include_guard(GLOBAL)

set(PCSIM_WARNING_FLAGS
	-Wall
	-Wextra
	-Wpedantic
	-Wshadow
	-Wstrict-prototypes
	-Wmissing-prototypes
	-Wformat=2
	-Wundef
	-Wvla
	-Wimplicit-fallthrough
	-Wnull-dereference
	-Wdouble-promotion
)

function(pcsim_set_warnings target)
	if(NOT TARGET ${target})
		message(FATAL_ERROR "pcsim_set_warnings: '${target}' is not a target")
	endif()
	set(flags ${PCSIM_WARNING_FLAGS})
	if(PCSIM_WERROR)
		list(APPEND flags -Werror)
	endif()
	foreach(flag IN LISTS flags)
		target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:C>:${flag}>)
	endforeach()
endfunction()
