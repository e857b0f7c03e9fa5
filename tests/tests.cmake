# SPDX-License-Identifier: MIT
# The test list: one pcsim_cmocka_test() per CTest test (see tests/CMakeLists.txt for the helper,
# the labels and the timeout rule).
pcsim_cmocka_test(NAME micro_model SOURCES unit/test_micro_model.c)
# Conformance suite (both backends) and threads-backend stress tests.
include(${CMAKE_CURRENT_SOURCE_DIR}/conformance.cmake OPTIONAL)
pcsim_cmocka_test(NAME memory_models SOURCES unit/test_memory_models.c)
pcsim_cmocka_test(NAME checks SOURCES unit/test_checks.c)
pcsim_cmocka_test(NAME settings SOURCES unit/test_settings.c)
target_link_libraries(test_checks PRIVATE pcsim_support)
pcsim_cmocka_test(NAME determinism LABELS unit determinism
	SOURCES unit/test_determinism.c determinism/det_programs.c)
target_include_directories(test_determinism PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/determinism)
target_compile_definitions(test_determinism PRIVATE PCSIM_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
# gcc and clang, -O0 and -O2: the same trace hashes as the golden file (it compiles: not unit).
add_test(NAME determinism_cross_build
	COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/determinism/cross_build.sh ${PROJECT_SOURCE_DIR}
		${CMAKE_CURRENT_BINARY_DIR}/cross_build ${PCSIM_GENERATED_INCLUDE_DIR})
set_tests_properties(determinism_cross_build PROPERTIES LABELS "determinism" TIMEOUT 300)
pcsim_cmocka_test(NAME waitq_sim PROGRAM waitq SOURCES unit/test_waitq.c)
pcsim_cmocka_test(NAME waitq_threads PROGRAM waitq ARGS --backend threads
	LABELS unit threads)
pcsim_cmocka_test(NAME pagelock_sim PROGRAM pagelock SOURCES unit/test_pagelock.c)
pcsim_cmocka_test(NAME pagelock_threads PROGRAM pagelock ARGS --backend threads
	LABELS unit threads)
# read: the exhaustive search of a truncation while a WAITQ read is armed is the long case (11 s
# idle, 54 s busy).
pcsim_cmocka_test(NAME read SOURCES unit/test_read.c ARGS --skip test_truncation_while_armed)
pcsim_cmocka_test(NAME read_truncation PROGRAM read ARGS test_truncation_while_armed
	LABELS scenario TIMEOUT 240)
# The bug zoo in the general scenario: PCT finds each bug, and 10,000 PCT executions survive
# without one (test_*_general). The exhaustive DFS searches are soak tests: preemption bound 0
# (about 80,000 executions: 50 s idle, 260 s on a busy machine under asan) and the full proof at
# bound 2 (hours), which covers every schedule bound 0 does.
pcsim_cmocka_test(NAME zoo_general SOURCES unit/test_zoo_general.c ARGS "test_*_general"
	LABELS scenario zoo TIMEOUT 480)
if(PCSIM_SOAK_TESTS)
	pcsim_cmocka_test(NAME zoo_general_bound0 PROGRAM zoo_general
		ARGS test_clean_general_bound0 LABELS soak zoo TIMEOUT 1800)
	pcsim_cmocka_test(NAME zoo_general_soak PROGRAM zoo_general
		ARGS test_clean_general_dfs LABELS soak zoo TIMEOUT 36000)
endif()
pcsim_cmocka_test(NAME pagecache_threads SOURCES unit/test_pagecache_threads.c
	LABELS unit threads)
pcsim_cmocka_test(NAME bdev SOURCES unit/test_bdev.c)
# Each check is shown to fire: mutants found by exploration (10 s idle, 30 s busy).
pcsim_cmocka_test(NAME pagecache_checks SOURCES unit/test_pagecache_checks.c LABELS scenario)
# The command line's contract: exit statuses, error positions in a schedule, a written schedule
# that replays to the same failure, --checks strict-p6.
if(TARGET pcsim-cli)
	add_test(NAME cli COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli/cli.sh $<TARGET_FILE:pcsim-cli>
		${CMAKE_CURRENT_BINARY_DIR}/cli)
	set_tests_properties(cli PROPERTIES LABELS unit TIMEOUT 300)
	# every setting of the table on the command line, into the schedule and back
	add_test(NAME cli_settings COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli/settings.sh
		$<TARGET_FILE:pcsim-cli> ${CMAKE_CURRENT_BINARY_DIR}/cli_settings)
	set_tests_properties(cli_settings PROPERTIES LABELS unit TIMEOUT 300)
endif()
# evict: writeback beside truncation and reclaim, two exhaustive searches (28,000 and 50,000
# executions) and PCT finding the mutant, is the long case (26 s idle, 126 s busy).
pcsim_cmocka_test(NAME evict_sim PROGRAM evict SOURCES unit/test_evict.c
	ARGS --skip test_writeback_vs_truncate_and_reclaim)
pcsim_cmocka_test(NAME evict_writeback PROGRAM evict ARGS test_writeback_vs_truncate_and_reclaim
	LABELS scenario TIMEOUT 480)
pcsim_cmocka_test(NAME evict_threads PROGRAM evict ARGS --backend threads
	LABELS unit threads)
# The ring submitter (src/uring_sim/) on both backends; the explorations of armed reads racing
# a locker and an evictor are the scenario tier.
pcsim_cmocka_test(NAME uring_sim PROGRAM uring SOURCES unit/test_uring.c ARGS --skip "*_explore")
target_link_libraries(test_uring PRIVATE pcsim_support)
pcsim_cmocka_test(NAME uring_explore PROGRAM uring ARGS "*_explore" LABELS scenario TIMEOUT 400)
if(PCSIM_SOAK_TESTS)
	pcsim_cmocka_test(NAME uring_soak PROGRAM uring ARGS "*_soak" LABELS soak TIMEOUT 3600)
	set_tests_properties(uring_soak PROPERTIES ENVIRONMENT PCSIM_SOAK=1)
endif()
pcsim_cmocka_test(NAME uring_threads PROGRAM uring ARGS --backend threads --skip "*_explore"
	LABELS unit threads)
include(${CMAKE_CURRENT_SOURCE_DIR}/robustness_cli/robustness_cli.cmake)
include(${CMAKE_CURRENT_SOURCE_DIR}/robustness/robustness.cmake)
# The differential test: the same read workloads through the running kernel (liburing) and the
# model, every CQE's res and byte compared (seconds; exits 77 where io_uring is unavailable).
if(PCSIM_HAVE_LIBURING)
	pcsim_cmocka_test(NAME differential SOURCES differential/diff_uring.c
		LABELS unit differential TIMEOUT 120)
endif()
# docs/findings/p6-killable-lock-lost-wakeup.md: its committed schedule still replays to P6 (exit 1).
if(TARGET pcsim-cli)
	add_test(NAME finding_p6_replay COMMAND sh -c
		"out=$(\"$0\" replay uring-p6 \"$1\" 2>&1); rc=$?; printf '%s\\n' \"$out\"; [ $rc -eq 1 ] && printf '%s\\n' \"$out\" | grep -q '^uring-p6: violation (P6)'"
		$<TARGET_FILE:pcsim-cli>
		${PROJECT_SOURCE_DIR}/docs/findings/p6-killable-lock-lost-wakeup.schedule)
	set_tests_properties(finding_p6_replay PROPERTIES LABELS scenario TIMEOUT 60)
endif()
# dpor against plain DFS: reduction, each trace once, the small programs (unit); the scenario
# programs at bound 0 and the zoo switches DFS settles within 5,000 executions (scenario);
# every program and switch at bounds 0-2 and unbounded (soak).
pcsim_cmocka_test(NAME dpor SOURCES unit/test_dpor.c
	ARGS --skip "test_zoo_*")
target_include_directories(test_dpor PRIVATE ${PROJECT_SOURCE_DIR}/src/explore
	${PROJECT_SOURCE_DIR}/src/sched ${PROJECT_SOURCE_DIR}/src/trace)
target_link_libraries(test_dpor PRIVATE pcsim_support)
pcsim_cmocka_test(NAME dpor_scenarios PROGRAM dpor ARGS test_zoo_scenarios LABELS scenario
	TIMEOUT 900)
if(PCSIM_SOAK_TESTS)
	pcsim_cmocka_test(NAME dpor_soak PROGRAM dpor ARGS test_zoo_soak LABELS soak
		TIMEOUT 36000)
endif()
