# SPDX-License-Identifier: MIT
# The robustness suite (docs/robustness.md, issue 14): the library's promises on bad input, the
# command line on bad schedule files, and the fuzz corpora replayed through plain builds of the
# fuzz targets (fuzz/driver.c), so every build checks the regression inputs without libFuzzer.
# Included from tests/CMakeLists.txt (or tests.cmake) after pcsim_cmocka_test() is defined.

pcsim_cmocka_test(NAME robustness_library SOURCES robustness/test_library.c
	LABELS unit robustness)

if(TARGET pcsim-cli)
	add_test(NAME robustness_schedules
		COMMAND ${CMAKE_CURRENT_LIST_DIR}/cli.sh $<TARGET_FILE:pcsim-cli>
			${CMAKE_CURRENT_BINARY_DIR}/robustness_schedules)
	set_tests_properties(robustness_schedules PROPERTIES LABELS "unit;robustness" TIMEOUT 120)
endif()

foreach(t schedule config checkpoint)
	add_executable(fuzz_replay_${t} ${PROJECT_SOURCE_DIR}/fuzz/fuzz_${t}.c
		${PROJECT_SOURCE_DIR}/fuzz/driver.c)
	target_link_libraries(fuzz_replay_${t} PRIVATE pcsim::pcsim)
	pcsim_set_warnings(fuzz_replay_${t})
	add_test(NAME fuzz_corpus_${t}
		COMMAND fuzz_replay_${t} ${PROJECT_SOURCE_DIR}/fuzz/corpus/${t})
	set_tests_properties(fuzz_corpus_${t} PROPERTIES LABELS "unit;robustness" TIMEOUT 120)
endforeach()
# `pcsim merge`'s reader of shard results (fuzz/fuzz_merge.c compiles the CLI's file in).
if(TARGET pcsim_support)
	add_executable(fuzz_replay_merge ${PROJECT_SOURCE_DIR}/fuzz/fuzz_merge.c
		${PROJECT_SOURCE_DIR}/fuzz/driver.c)
	target_include_directories(fuzz_replay_merge PRIVATE ${PROJECT_SOURCE_DIR}/tools/pcsim)
	target_compile_definitions(fuzz_replay_merge PRIVATE _GNU_SOURCE)	# as tools/pcsim
	target_link_libraries(fuzz_replay_merge PRIVATE pcsim::pcsim pcsim_support)
	pcsim_set_warnings(fuzz_replay_merge)
	add_test(NAME fuzz_corpus_merge
		COMMAND fuzz_replay_merge ${PROJECT_SOURCE_DIR}/fuzz/corpus/merge)
	set_tests_properties(fuzz_corpus_merge PROPERTIES LABELS "unit;robustness" TIMEOUT 120)
endif()

# Resource exhaustion where the threads backend differs: descriptors (child processes with
# RLIMIT_NOFILE lowered), the threads page index out of memory, setup/finish on both backends.
pcsim_cmocka_test(NAME robustness_threads SOURCES robustness/test_robust_threads.c
	LABELS unit robustness threads)

# The ring on real threads (issue 9 §5): the submitter waits in its libev loop; every ring
# program a few times here, and 200 times each in uring_threads_200 (label threads, so the tsan
# preset of `make test` runs it: 7 s under TSan, 4 s under asan).
pcsim_cmocka_test(NAME robustness_uring_threads SOURCES robustness/test_robust_uring_threads.c
	LABELS unit robustness threads)
target_link_libraries(test_robustness_uring_threads PRIVATE pcsim_support)
pcsim_cmocka_test(NAME uring_threads_200 PROGRAM robustness_uring_threads
	ARGS test_ring_programs LABELS threads TIMEOUT 600)
set_tests_properties(uring_threads_200 PROPERTIES ENVIRONMENT PCSIM_URING_THREADS_RUNS=200)

# The threads backend out of descriptors through the command line: exit 3 with the reason.
if(TARGET pcsim-cli)
	add_test(NAME robustness_cli_fds
		COMMAND ${PROJECT_SOURCE_DIR}/tests/cli/robust_fds.sh $<TARGET_FILE:pcsim-cli>)
	set_tests_properties(robustness_cli_fds PROPERTIES LABELS "unit;robustness;threads"
		TIMEOUT 120)
endif()

# A leaked ring request is reported as uring-leak, not as a deadlock of the ring's exit (sim).
pcsim_cmocka_test(NAME robustness_uring_leak SOURCES robustness/test_robust_uring_leak.c
	LABELS unit robustness)

# The sim watchdog is one thread per process: 1,000 explorations and 8 worlds at once see one
# thread; a spinning task is still caught, beside a healthy world and after fork().
pcsim_cmocka_test(NAME robustness_watchdog SOURCES robustness/test_robust_watchdog.c
	LABELS unit robustness)

# What ASan still sees on fiber stacks (a dead fiber's frame, a stack overflow) now that a fiber
# start unpoisons only what earlier frames covered; skipped without ASan.
pcsim_cmocka_test(NAME robustness_fiber SOURCES robustness/test_robust_fiber.c
	LABELS unit robustness)
