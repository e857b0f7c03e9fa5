# SPDX-License-Identifier: MIT
# The test list: one pcsim_cmocka_test() per cmocka program (see tests/CMakeLists.txt).
pcsim_cmocka_test(NAME micro_model SOURCES unit/test_micro_model.c)
# Conformance suite (both backends) and threads-backend stress tests.
include(${CMAKE_CURRENT_SOURCE_DIR}/conformance.cmake OPTIONAL)
pcsim_cmocka_test(NAME memory_models SOURCES unit/test_memory_models.c)
pcsim_cmocka_test(NAME checks SOURCES unit/test_checks.c)
target_link_libraries(test_checks PRIVATE pcsim_support)
pcsim_cmocka_test(NAME determinism
	SOURCES unit/test_determinism.c determinism/det_programs.c)
target_include_directories(test_determinism PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/determinism)
target_compile_definitions(test_determinism PRIVATE PCSIM_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
# gcc and clang, -O0 and -O2: the same trace hashes as the golden file.
add_test(NAME determinism_cross_build
	COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/determinism/cross_build.sh ${PROJECT_SOURCE_DIR}
		${CMAKE_CURRENT_BINARY_DIR}/cross_build ${PCSIM_GENERATED_INCLUDE_DIR})
set_tests_properties(determinism_cross_build PROPERTIES LABELS "unit;determinism" TIMEOUT 300)
pcsim_cmocka_test(NAME waitq_sim SOURCES unit/test_waitq.c)
pcsim_cmocka_test(NAME waitq_threads SOURCES unit/test_waitq.c ARGS --backend threads
	LABELS unit threads)
pcsim_cmocka_test(NAME pagelock_sim SOURCES unit/test_pagelock.c)
pcsim_cmocka_test(NAME pagelock_threads SOURCES unit/test_pagelock.c ARGS --backend threads
	LABELS unit threads)
pcsim_cmocka_test(NAME read SOURCES unit/test_read.c)
pcsim_cmocka_test(NAME zoo_general SOURCES unit/test_zoo_general.c LABELS unit zoo TIMEOUT 600)
# The exhaustive proof of the clean general scenario (hours at bound 2): not in the default suite.
pcsim_cmocka_test(NAME zoo_general_soak SOURCES unit/test_zoo_general.c
	ARGS test_clean_general_dfs LABELS soak TIMEOUT 36000)
pcsim_cmocka_test(NAME pagecache_threads SOURCES unit/test_pagecache_threads.c LABELS unit threads)
pcsim_cmocka_test(NAME bdev SOURCES unit/test_bdev.c)
pcsim_cmocka_test(NAME pagecache_checks SOURCES unit/test_pagecache_checks.c)
# The command line's contract: exit statuses, error positions in a schedule, a written schedule
# that replays to the same failure, --checks strict-p6.
if(TARGET pcsim-cli)
	add_test(NAME cli COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli/cli.sh $<TARGET_FILE:pcsim-cli>
		${CMAKE_CURRENT_BINARY_DIR}/cli)
	set_tests_properties(cli PROPERTIES LABELS unit TIMEOUT 300)
endif()
pcsim_cmocka_test(NAME evict_sim SOURCES unit/test_evict.c)
pcsim_cmocka_test(NAME evict_threads SOURCES unit/test_evict.c ARGS --backend threads
	LABELS unit threads)
include(${CMAKE_CURRENT_SOURCE_DIR}/robustness/robustness.cmake)
