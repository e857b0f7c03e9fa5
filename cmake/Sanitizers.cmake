# SPDX-License-Identifier: MIT
#
# Turns the PCSIM_SANITIZE cache variable into global compile/link options.
#
#   -DPCSIM_SANITIZE="address;undefined"     (ASan + UBSan)
#   -DPCSIM_SANITIZE=thread                  (TSan)
#   -DPCSIM_SANITIZE="address;undefined;fuzzer-no-link"   (clang, fuzz builds)
#
# Commas are accepted as separators too.  Every target in the tree (library,
# CLI, tests, examples) is instrumented, because the options are added with
# add_compile_options()/add_link_options() before any target is created.

include_guard(GLOBAL)

set(PCSIM_SANITIZE "" CACHE STRING
	"Sanitizers to enable, e.g. \"address;undefined\" or \"thread\" (empty = none)")

string(REPLACE "," ";" _pcsim_san "${PCSIM_SANITIZE}")
string(STRIP "${_pcsim_san}" _pcsim_san)
list(REMOVE_ITEM _pcsim_san "")
list(REMOVE_DUPLICATES _pcsim_san)

if(_pcsim_san)
	if("thread" IN_LIST _pcsim_san AND
	   ("address" IN_LIST _pcsim_san OR "leak" IN_LIST _pcsim_san OR "memory" IN_LIST _pcsim_san))
		message(FATAL_ERROR
			"PCSIM_SANITIZE: 'thread' cannot be combined with address/leak/memory")
	endif()

	list(JOIN _pcsim_san "," _pcsim_san_joined)
	message(STATUS "pcsim: sanitizers enabled: ${_pcsim_san_joined}")

	add_compile_options(
		$<$<COMPILE_LANGUAGE:C>:-fsanitize=${_pcsim_san_joined}>
		$<$<COMPILE_LANGUAGE:C>:-fno-omit-frame-pointer>
	)
	add_link_options(-fsanitize=${_pcsim_san_joined})

	if("undefined" IN_LIST _pcsim_san)
		# Make every UBSan finding fatal so CTest sees a failure.
		add_compile_options($<$<COMPILE_LANGUAGE:C>:-fno-sanitize-recover=undefined>)
		add_link_options(-fno-sanitize-recover=undefined)
	endif()

	# Lets sources (e.g. fiber switch annotations, B.7) know what is enabled
	# even on compilers without __has_feature.
	if("address" IN_LIST _pcsim_san)
		add_compile_definitions(PCSIM_ASAN=1)
	endif()
	if("thread" IN_LIST _pcsim_san)
		add_compile_definitions(PCSIM_TSAN=1)
	endif()
endif()

unset(_pcsim_san)
unset(_pcsim_san_joined)
