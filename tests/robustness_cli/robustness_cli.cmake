# SPDX-License-Identifier: MIT
# The CLI's robustness cases (issue 14, parts 3-5): exit status and message shape for hostile
# and careless input, signals, sanitizer errors, the watchdog. Included from tests/tests.cmake.
if(NOT TARGET pcsim-cli)
	return()
endif()
add_test(NAME robustness_cli
	COMMAND ${CMAKE_CURRENT_LIST_DIR}/robustness_cli.sh $<TARGET_FILE:pcsim-cli>
		${CMAKE_CURRENT_BINARY_DIR}/robustness_cli)
set_tests_properties(robustness_cli PROPERTIES LABELS "unit;robustness" TIMEOUT 300)
# A long sim exploration under ThreadSanitizer: the fibers' TSan annotations hold (before them
# the TSan build crashed after about 2,000 executions). Labelled threads so the tsan test
# preset (which runs only that label) picks it up; registered in TSan builds only.
if(PCSIM_SANITIZE MATCHES "thread")
	add_test(NAME tsan_sim_long
		COMMAND $<TARGET_FILE:pcsim-cli> explore pagecache-general --schedules 5000
			--out ${CMAKE_CURRENT_BINARY_DIR})
	set_tests_properties(tsan_sim_long PROPERTIES LABELS "threads;robustness" TIMEOUT 600
		PASS_REGULAR_EXPRESSION "no violation in 5000 execution")
endif()
