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
target_link_libraries(test_determinism PRIVATE pcsim_support)
target_compile_definitions(test_determinism PRIVATE PCSIM_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
# gcc -O2 and clang -O0 (all four pairs under soak): the same trace hashes as the golden file
# (it compiles: not unit).
add_test(NAME determinism_cross_build
	COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/determinism/cross_build.sh ${PROJECT_SOURCE_DIR}
		${CMAKE_CURRENT_BINARY_DIR}/cross_build ${PCSIM_GENERATED_INCLUDE_DIR})
set_tests_properties(determinism_cross_build PROPERTIES LABELS "determinism" TIMEOUT 450)
if(PCSIM_SOAK_TESTS)
	add_test(NAME determinism_cross_build_all
		COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/determinism/cross_build.sh ${PROJECT_SOURCE_DIR}
			${CMAKE_CURRENT_BINARY_DIR}/cross_build_all ${PCSIM_GENERATED_INCLUDE_DIR} all)
	set_tests_properties(determinism_cross_build_all PROPERTIES LABELS "soak" TIMEOUT 900)
endif()
pcsim_cmocka_test(NAME waitq_sim PROGRAM waitq SOURCES unit/test_waitq.c)
pcsim_cmocka_test(NAME waitq_threads PROGRAM waitq ARGS --backend threads
	LABELS unit threads)
pcsim_cmocka_test(NAME pagelock_sim PROGRAM pagelock SOURCES unit/test_pagelock.c)
pcsim_cmocka_test(NAME pagelock_threads PROGRAM pagelock ARGS --backend threads
	LABELS unit threads)
# read: the exhaustive search of a truncation while a WAITQ read is armed is the long case (11 s
# idle, 54 s busy, 76 s at load 9-16: docs/robustness.md §7).
pcsim_cmocka_test(NAME read SOURCES unit/test_read.c ARGS --skip test_truncation_while_armed)
pcsim_cmocka_test(NAME read_truncation PROGRAM read ARGS test_truncation_while_armed
	LABELS scenario TIMEOUT 360)
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
pcsim_cmocka_test(NAME pagecache_checks SOURCES unit/test_pagecache_checks.c LABELS scenario
	TIMEOUT 180)
# The command line's contract: exit statuses, error positions in a schedule, a written schedule
# that replays to the same failure, --checks strict-p6.
if(TARGET pcsim-cli)
	add_test(NAME cli COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli/cli.sh $<TARGET_FILE:pcsim-cli>
		${CMAKE_CURRENT_BINARY_DIR}/cli)
	set_tests_properties(cli PROPERTIES LABELS unit TIMEOUT 300)
	# every setting of the table on the command line, into the schedule and back
	add_test(NAME cli_settings COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli/settings.sh
		$<TARGET_FILE:pcsim-cli> ${CMAKE_CURRENT_BINARY_DIR}/cli_settings
		${PROJECT_SOURCE_DIR}/docs/settings.md)
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
pcsim_cmocka_test(NAME uring_explore PROGRAM uring ARGS "*_explore" LABELS scenario TIMEOUT 600)
if(PCSIM_SOAK_TESTS)
	pcsim_cmocka_test(NAME uring_soak PROGRAM uring ARGS "*_soak" --skip "test_zoo_*"
		LABELS soak TIMEOUT 3600)
	set_tests_properties(uring_soak PROPERTIES ENVIRONMENT PCSIM_SOAK=1)
	# the ring zoo's small scenarios at DFS bound 2 (about 1.6 M executions) and the 20-seed
	# medians of docs/uring.md
	pcsim_cmocka_test(NAME uring_zoo_soak PROGRAM uring ARGS "test_zoo_*_soak" LABELS soak
		TIMEOUT 7200)
	set_tests_properties(uring_zoo_soak PROPERTIES ENVIRONMENT PCSIM_SOAK=1)
endif()
pcsim_cmocka_test(NAME uring_threads PROGRAM uring ARGS --backend threads --skip "*_explore"
	LABELS unit threads)
include(${CMAKE_CURRENT_SOURCE_DIR}/robustness_cli/robustness_cli.cmake)
include(${CMAKE_CURRENT_SOURCE_DIR}/robustness/robustness.cmake)
# The differential test: the same read workloads through the running kernel (liburing) and the
# model, every CQE's res and byte compared (seconds; exits 77 where io_uring is unavailable).
if(PCSIM_HAVE_LIBURING)
	# a fixed seed in the default suite (CI must not depend on the day's luck); any seed
	# replays with the command a failure prints; differential_random tries new ones (soak)
	pcsim_cmocka_test(NAME differential SOURCES differential/diff_uring.c
		ARGS --seed 20261204 LABELS unit differential TIMEOUT 120)
	if(PCSIM_SOAK_TESTS)
		pcsim_cmocka_test(NAME differential_random PROGRAM differential
			ARGS --rounds 200 --executions 32 LABELS soak differential TIMEOUT 3600)
	endif()
endif()
# docs/findings/p6-killable-lock-lost-wakeup.md: its committed schedule still replays to P6 (exit 1).
if(TARGET pcsim-cli)
	add_test(NAME finding_p6_replay COMMAND sh -c
		"out=$(\"$0\" replay uring-p6 \"$1\" 2>&1); rc=$?; printf '%s\\n' \"$out\"; [ $rc -eq 1 ] && printf '%s\\n' \"$out\" | grep -q '^uring-p6: violation (P6)'"
		$<TARGET_FILE:pcsim-cli>
		${PROJECT_SOURCE_DIR}/docs/findings/p6-killable-lock-lost-wakeup.schedule)
	set_tests_properties(finding_p6_replay PROPERTIES LABELS scenario TIMEOUT 60)
endif()
# The rest of the liburing 2.3 surface (READV, wait_cqe_timeout, for_each_cqe, ...), both backends.
# The exhaustive search of a timed wait racing a read is the scenario tier (35 s idle, 100 s
# busy, under asan).
pcsim_cmocka_test(NAME uring_api PROGRAM uring_api SOURCES unit/test_uring_api.c
	ARGS --skip "*_explore")
pcsim_cmocka_test(NAME uring_api_explore PROGRAM uring_api ARGS "*_explore" LABELS scenario
	TIMEOUT 300)
pcsim_cmocka_test(NAME uring_api_threads PROGRAM uring_api ARGS --backend threads
	--skip "*_explore" LABELS unit threads)
# liburing's test/short-read.c and test/cq-peek-batch.c ported through <pcsim/map/liburing.h>.
pcsim_cmocka_test(NAME port_short_read SOURCES ports/short_read.c ARGS --skip "*_soak")
if(PCSIM_SOAK_TESTS)
	pcsim_cmocka_test(NAME port_short_read_soak PROGRAM port_short_read ARGS "*_soak"
		LABELS soak TIMEOUT 1800)
endif()
pcsim_cmocka_test(NAME port_short_read_threads PROGRAM port_short_read ARGS --backend threads
	--skip "*_soak" LABELS unit threads)
pcsim_cmocka_test(NAME port_cq_peek_batch SOURCES ports/cq_peek_batch.c)
pcsim_cmocka_test(NAME port_cq_peek_batch_threads PROGRAM port_cq_peek_batch
	ARGS --backend threads LABELS unit threads)
# The pictures of an execution (Chrome trace JSON, SVG timeline) against tests/golden/pictures/,
# and their structure checked by python3 (JSON parse, B/E pairs, flows, well-formed XML).
pcsim_cmocka_test(NAME pictures SOURCES unit/test_pictures.c)
target_link_libraries(test_pictures PRIVATE pcsim_support)
target_compile_definitions(test_pictures PRIVATE PCSIM_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
find_program(PCSIM_PYTHON3 python3)
if(TARGET pcsim-cli AND PCSIM_PYTHON3)
	add_test(NAME pictures_structure
		COMMAND ${PCSIM_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/golden/check_pictures.py
			$<TARGET_FILE:pcsim-cli> ${CMAKE_CURRENT_SOURCE_DIR}/golden/pictures
			${CMAKE_CURRENT_BINARY_DIR}/pictures)
	set_tests_properties(pictures_structure PROPERTIES LABELS unit TIMEOUT 120)
endif()
# The .pcs scenario language (src/scenario/): parser errors, interpreter equal to the C
# built-ins; and `pcsim explore scenarios/` at each file's own budget (docs/scenarios.md).
pcsim_cmocka_test(NAME scenario_lang PROGRAM scenario SOURCES unit/test_scenario.c
	ARGS --skip "*_equals_builtin")
pcsim_cmocka_test(NAME scenario_equiv PROGRAM scenario ARGS "*_equals_builtin" LABELS scenario)
pcsim_cmocka_test(NAME scenario_threads PROGRAM scenario
	ARGS --backend threads --skip "*_equals_builtin" LABELS unit threads)
target_link_libraries(test_scenario PRIVATE pcsim_support)
target_compile_definitions(test_scenario PRIVATE PCSIM_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
if(TARGET pcsim-cli)
	add_test(NAME scenario_library
		COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/scenario/library.sh $<TARGET_FILE:pcsim-cli>
			${PROJECT_SOURCE_DIR}/scenarios ${CMAKE_CURRENT_BINARY_DIR}/scenario_library)
	set_tests_properties(scenario_library PROPERTIES LABELS scenario TIMEOUT 300)
endif()
# The scenario parser's fuzz corpus, replayed through the plain driver (fuzz/README.md).
add_executable(fuzz_replay_scenario ${PROJECT_SOURCE_DIR}/fuzz/fuzz_scenario.c
	${PROJECT_SOURCE_DIR}/fuzz/driver.c)
target_link_libraries(fuzz_replay_scenario PRIVATE pcsim::pcsim)
pcsim_set_warnings(fuzz_replay_scenario)
add_test(NAME fuzz_corpus_scenario
	COMMAND fuzz_replay_scenario ${PROJECT_SOURCE_DIR}/fuzz/corpus/scenario)
set_tests_properties(fuzz_corpus_scenario PROPERTIES LABELS "unit;robustness" TIMEOUT 120)
if(PCSIM_SOAK_TESTS AND TARGET pcsim-cli)
	# The library at 200,000 executions per scenario (a zoo scenario stops at its finding).
	add_test(NAME scenario_library_soak
		COMMAND pcsim-cli explore ${PROJECT_SOURCE_DIR}/scenarios --schedules 200000
			--out ${CMAKE_CURRENT_BINARY_DIR})
	set_tests_properties(scenario_library_soak PROPERTIES LABELS soak TIMEOUT 36000)
endif()
# The exit coverage of the wait functions (<pcsim/cover.h>): the table, the counting, the same
# counts for the same exploration.
pcsim_cmocka_test(NAME scenario_cover SOURCES unit/test_scenario_cover.c)
# Kernel profiles (`expect ... on kernel`, `explore --kernel all`) and `--coverage` through the
# command line; the soak one runs the whole library under every profile at its own budgets.
if(TARGET pcsim-cli)
	add_test(NAME scenario_kernels
		COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/scenario/kernels.sh $<TARGET_FILE:pcsim-cli>
			${PROJECT_SOURCE_DIR}/scenarios ${CMAKE_CURRENT_BINARY_DIR}/scenario_kernels)
	set_tests_properties(scenario_kernels PROPERTIES LABELS scenario TIMEOUT 240)
	if(PCSIM_SOAK_TESTS)
		add_test(NAME scenario_kernels_all
			COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/scenario/kernels.sh
				$<TARGET_FILE:pcsim-cli> ${PROJECT_SOURCE_DIR}/scenarios
				${CMAKE_CURRENT_BINARY_DIR}/scenario_kernels_all)
		set_tests_properties(scenario_kernels_all PROPERTIES LABELS soak TIMEOUT 3600
			ENVIRONMENT ALL=1)
	endif()
endif()
# `pcsim bench seed --json` at a tiny size: the sim leg runs, the last line is the JSON object
# with every field (the kernel leg may be skipped). Timings never gate it.
if(TARGET pcsim-cli AND PCSIM_BUILD_BENCH)
	add_test(NAME bench_seed_json COMMAND sh -c "\"$1\" bench seed --json --dir \"$2\" --size 1M --reads 256 --repeats 1 --sim-size 1M --sim-reads 256 --sim-acct-reads 64 --threads-size 256K --threads-reads 32 | tail -n 1 | python3 -c \"import json,sys; d=json.load(sys.stdin); r=d['results']; F={'leg','mode','wall_s','user_s','sys_s','cpu_pct','ctx_voluntary','ctx_involuntary','iops'}; assert all(set(x)==F for x in r), r; s=[x for x in r if x['leg']=='sim']; assert sorted(x['mode'] for x in s)==['offload','rasync','sync'], s; assert all(x['iops']>0 and x['wall_s']>0 and x['ctx_voluntary']>0 for x in s), s; assert set(d['ratios'])>={'seed','kernel','sim','threads'}; assert d['ratios']['sim']['wall_sync_rasync']>1, d['ratios']; assert d['legs']['kernel']['run'] or d['legs']['kernel']['skipped']\"" sh $<TARGET_FILE:pcsim-cli> ${CMAKE_CURRENT_BINARY_DIR})
	set_tests_properties(bench_seed_json PROPERTIES LABELS unit TIMEOUT 120)
	# `pcsim bench calibrate` and seed's --calibration, --predict, --sweep at tiny sizes: the
	# file's shape, the derived costs' formulas, consistency of the charged figures, bad input.
	add_test(NAME bench_calibrate COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli/bench_calibrate.sh
		$<TARGET_FILE:pcsim-cli> ${CMAKE_CURRENT_BINARY_DIR}/bench_calibrate)
	set_tests_properties(bench_calibrate PROPERTIES LABELS unit TIMEOUT 300)
	# seed's --sweep with the kernel leg at tiny sizes: the points per leg and mode, O_DIRECT
	# per size, io-wq's limit applied, CPUs beyond the machine refused, bad arguments.
	add_test(NAME bench_seed_sweep COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli/bench_seed_sweep.sh
		$<TARGET_FILE:pcsim-cli> ${CMAKE_CURRENT_BINARY_DIR}/bench_seed_sweep)
	set_tests_properties(bench_seed_sweep PROPERTIES LABELS unit TIMEOUT 300)
endif()
# pcsim litmus (docs/litmus.md): the project's own litmus files, each in sc, tso and weak, checked
# against the verdicts their comments state. With the state cache every file finishes in seconds
# (bench/README.md); the two Z6.0 files under weak (85 k executions each, half a minute under
# asan on a loaded machine) run under soak, with the plain-DFS comparisons of cache_cmp.sh.
pcsim_cmocka_test(NAME litmus_api SOURCES unit/test_litmus.c LABELS unit)
# The visited-state cache keeps the outcome set of every cheap file and mode (docs/litmus.md).
pcsim_cmocka_test(NAME litmus_cache SOURCES unit/test_litmus_cache.c LABELS unit)
target_compile_definitions(test_litmus_cache PRIVATE
	PCSIM_LITMUS_DIR="${CMAKE_CURRENT_SOURCE_DIR}/litmus")
if(TARGET pcsim-cli)
	set(PCSIM_LITMUS_DIR ${CMAKE_CURRENT_SOURCE_DIR}/litmus)
	file(GLOB PCSIM_LITMUS_ALL ${PCSIM_LITMUS_DIR}/*.litmus)
	set(PCSIM_LITMUS_SLOW_SC)
	set(PCSIM_LITMUS_SLOW_TSO)
	set(PCSIM_LITMUS_SLOW_WEAK Z6.0+locks+mb Z6.0+locks+mbafterspinlock+mb)
	# cache_cmp.sh: files whose plain (--no-cache) DFS takes seconds to minutes per mode
	set(PCSIM_LITMUS_CMP_SC IRIW+mbs Z6.0+locks+mb Z6.0+locks+mbafterspinlock+mb)
	set(PCSIM_LITMUS_CMP_TSO IRIW IRIW+mbs SB+locks SB+mbafterspinlocks ISA2 ISA2+rel+acqs MP+locks
		WRC WRC+rel+rmb)
	set(PCSIM_LITMUS_CMP_WEAK IRIW SB+locks SB+mbafterspinlocks ISA2 ISA2+rel+acqs MP+locks
		WRC WRC+rel+rmb)
	add_test(NAME litmus_cli COMMAND ${PCSIM_LITMUS_DIR}/cli.sh $<TARGET_FILE:pcsim-cli>
		${CMAKE_CURRENT_BINARY_DIR}/litmus_cli)
	set_tests_properties(litmus_cli PROPERTIES LABELS unit TIMEOUT 60)
	foreach(mode sc tso weak)
		string(TOUPPER ${mode} MODE)
		set(quick)
		set(slow)
		foreach(f IN LISTS PCSIM_LITMUS_ALL)
			get_filename_component(n ${f} NAME_WLE)
			if(n IN_LIST PCSIM_LITMUS_SLOW_${MODE})
				list(APPEND slow ${f})
			else()
				list(APPEND quick ${f})
			endif()
		endforeach()
		add_test(NAME litmus_${mode} COMMAND ${PCSIM_LITMUS_DIR}/check.sh
			$<TARGET_FILE:pcsim-cli> ${mode} ${quick})
		set_tests_properties(litmus_${mode} PROPERTIES LABELS scenario TIMEOUT 120)
		if(PCSIM_SOAK_TESTS AND slow)
			add_test(NAME litmus_${mode}_soak COMMAND ${PCSIM_LITMUS_DIR}/check.sh
				$<TARGET_FILE:pcsim-cli> ${mode} ${slow})
			set_tests_properties(litmus_${mode}_soak PROPERTIES LABELS soak
				TIMEOUT 36000)
		endif()
		if(PCSIM_SOAK_TESTS)
			set(cmp)
			foreach(n IN LISTS PCSIM_LITMUS_CMP_${MODE})
				list(APPEND cmp ${PCSIM_LITMUS_DIR}/${n}.litmus)
			endforeach()
			add_test(NAME litmus_cache_${mode}_soak COMMAND ${PCSIM_LITMUS_DIR}/cache_cmp.sh
				$<TARGET_FILE:pcsim-cli> ${mode} ${cmp})
			set_tests_properties(litmus_cache_${mode}_soak PROPERTIES LABELS soak
				TIMEOUT 36000)
		endif()
	endforeach()
endif()
# Campaign slices (the union of N slices is the single run) and shrinking (docs/campaigns.md,
# docs/shrinking.md); the command line's --shard/--jobs/merge/--junit/--ktap in cli/campaign.sh.
pcsim_cmocka_test(NAME campaign SOURCES unit/test_campaign.c)
target_link_libraries(test_campaign PRIVATE pcsim_support)
pcsim_cmocka_test(NAME dfs_restore SOURCES unit/test_dfs_restore.c)
target_link_libraries(test_dfs_restore PRIVATE pcsim_support)
target_include_directories(test_dfs_restore PRIVATE ${PROJECT_SOURCE_DIR}/src/sched)
pcsim_cmocka_test(NAME checkpoint SOURCES unit/test_checkpoint.c ARGS --skip "*_soak")
target_link_libraries(test_checkpoint PRIVATE pcsim_support)
if(PCSIM_SOAK_TESTS)
	pcsim_cmocka_test(NAME checkpoint_soak PROGRAM checkpoint ARGS "*_soak" LABELS soak
		TIMEOUT 3600)
endif()
if(TARGET pcsim-cli)
	add_test(NAME cli_campaign COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli/campaign.sh
		$<TARGET_FILE:pcsim-cli> ${CMAKE_CURRENT_BINARY_DIR}/cli_campaign)
	set_tests_properties(cli_campaign PROPERTIES LABELS unit TIMEOUT 300)
	# scripts/campaign.sh: a campaign kept in a directory, run in several goes
	add_test(NAME cli_campaign_dir COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli/campaign_dir.sh
		$<TARGET_FILE:pcsim-cli> ${PROJECT_SOURCE_DIR} ${CMAKE_CURRENT_BINARY_DIR}/cli_campaign_dir)
	set_tests_properties(cli_campaign_dir PROPERTIES LABELS unit TIMEOUT 300)
	# --checkpoint FILE: a search run in goes (budgets, signals) ends as the whole one
	add_test(NAME cli_checkpoint COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli/checkpoint.sh
		$<TARGET_FILE:pcsim-cli> ${PROJECT_SOURCE_DIR} ${CMAKE_CURRENT_BINARY_DIR}/cli_checkpoint)
	set_tests_properties(cli_checkpoint PROPERTIES LABELS unit TIMEOUT 300)
	# The campaigns committed under bench/campaigns: this pcsim explores them as the pcsim
	# that began them did (the probe), and their results merge without a violation.
	file(GLOB pcsim_campaigns LIST_DIRECTORIES true ${PROJECT_SOURCE_DIR}/bench/campaigns/*)
	foreach(c ${pcsim_campaigns})
		if(EXISTS ${c}/campaign)
			get_filename_component(n ${c} NAME)
			add_test(NAME campaign_record_${n} COMMAND sh -c
				"'${PROJECT_SOURCE_DIR}/scripts/campaign.sh' --pcsim '$<TARGET_FILE:pcsim-cli>' --check '${c}' && '${PROJECT_SOURCE_DIR}/scripts/campaign.sh' --pcsim '$<TARGET_FILE:pcsim-cli>' --status '${c}'")
			set_tests_properties(campaign_record_${n} PROPERTIES LABELS unit TIMEOUT 300)
		endif()
	endforeach()
endif()
# pcsim step driven by here-docs (picks, state, back, a schedule that replays to the same
# outcome) and every `$ pcsim` command of docs/tutorial.md with its exit status.
if(TARGET pcsim-cli)
	add_test(NAME cli_step COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli/step.sh
		$<TARGET_FILE:pcsim-cli> ${PROJECT_SOURCE_DIR} ${CMAKE_CURRENT_BINARY_DIR}/cli_step)
	set_tests_properties(cli_step PROPERTIES LABELS unit TIMEOUT 300)
endif()
# PCSIM_STRATEGY_CALLBACK: labelled decisions, the answers are the schedule, STOP, and the
# read-only state views leave an execution unchanged.
pcsim_cmocka_test(NAME callback_strategy SOURCES unit/test_callback_strategy.c)
target_link_libraries(test_callback_strategy PRIVATE pcsim_support)
# dpor against plain DFS: reduction, each trace once, the small programs (unit); the ring
# programs DFS settles quickly (scenario); the zoo switches DFS settles within 5,000 executions,
# and every program and switch at bounds 0-2 and unbounded (soak).
pcsim_cmocka_test(NAME dpor SOURCES unit/test_dpor.c
	ARGS --skip "test_zoo_*")
target_include_directories(test_dpor PRIVATE ${PROJECT_SOURCE_DIR}/src/explore
	${PROJECT_SOURCE_DIR}/src/sched ${PROJECT_SOURCE_DIR}/src/trace)
target_link_libraries(test_dpor PRIVATE pcsim_support)
pcsim_cmocka_test(NAME dpor_scenarios PROGRAM dpor ARGS test_zoo_quick LABELS scenario
	TIMEOUT 600)
# the ring's plain fields reach the recorder; U5 of B-13 found with and without them (scenario)
pcsim_cmocka_test(NAME dpor_ring_plain PROGRAM dpor ARGS test_zoo_ring_plain_fields
	LABELS scenario TIMEOUT 600)
if(PCSIM_SOAK_TESTS)
	# every trace the unreduced search reaches, DPOR reaches: the ring programs at bounds 0-1
	# (185 s under asan: soak; the default dpor test checks traces on the micro programs at
	# bounds 0-2 and uring-eventfd at bound 1, which the unsound variant already fails)
	pcsim_cmocka_test(NAME dpor_traces PROGRAM dpor ARGS test_zoo_traces LABELS soak
		TIMEOUT 1200)
	# the zoo sweep at bounds 0-1 (70 s idle under asan, 140 s busy) and the long one
	pcsim_cmocka_test(NAME dpor_zoo PROGRAM dpor ARGS test_zoo_scenarios LABELS soak
		TIMEOUT 1800)
	pcsim_cmocka_test(NAME dpor_soak PROGRAM dpor ARGS test_zoo_soak LABELS soak
		TIMEOUT 36000)
endif()
if(PCSIM_SOAK_TESTS AND TARGET pcsim-cli)
	# pagecache-general at preemption bound 1 under DPOR, to the end and clean, every execution
	# and step (bench/README.md, 2026-12-05: 16.1 minutes of one core in a release build).
	add_test(NAME dpor_general_bound1 COMMAND $<TARGET_FILE:pcsim-cli> explore
		pagecache-general --strategy dpor --preemptions 1 --schedules 0)
	set_tests_properties(dpor_general_bound1 PROPERTIES LABELS soak TIMEOUT 36000
		PASS_REGULAR_EXPRESSION
		"no violation in 20836469 execution.s., 7500325868 steps .the bounded space was explored completely.")
	# The same search in two goes: stopped by its budget halfway with a checkpoint, then on
	# from it to the same end (docs/campaigns.md, "Checkpoints").
	add_test(NAME dpor_general_bound1_resumed COMMAND sh -c
		"rm -f dpor1.checkpoint && \"$1\" explore pagecache-general --strategy dpor --preemptions 1 --schedules 10000000 --checkpoint dpor1.checkpoint >/dev/null && \"$1\" explore pagecache-general --strategy dpor --preemptions 1 --schedules 0 --checkpoint dpor1.checkpoint"
		sh $<TARGET_FILE:pcsim-cli>)
	set_tests_properties(dpor_general_bound1_resumed PROPERTIES LABELS soak TIMEOUT 36000
		PASS_REGULAR_EXPRESSION
		"no violation in 20836469 execution.s., 7500325868 steps .the bounded space was explored completely.")
	# The same bound with plain DFS, whose exact size is known (bench/README.md, 2026-12-05: 7.8
	# minutes of one core in a release build): every execution and step, to the last.
	add_test(NAME dfs_general_bound1 COMMAND $<TARGET_FILE:pcsim-cli> explore
		pagecache-general --strategy dfs --preemptions 1 --schedules 0)
	set_tests_properties(dfs_general_bound1 PROPERTIES LABELS soak TIMEOUT 36000
		PASS_REGULAR_EXPRESSION
		"no violation in 42916191 execution.s., 15482762599 steps .the bounded space was explored completely.")
	# Bound 2 over every core of the machine (docs/campaigns.md, "DFS subtrees"): 12.37 G
	# executions, run out slice by slice in bench/campaigns/pagecache-general-dfs-bound2 (whose
	# merged counts these are), 14 hours of one core with `make pgo NATIVE=1`, more in a
	# release build, so about half an hour on 32 cores and 8-9 hours on 2; the timeout allows
	# 2 cores at a fifth of that speed. The same run at bound 1 first, whose counts are known:
	# --jobs adds up to the single run.
	cmake_host_system_information(RESULT pcsim_ncores QUERY NUMBER_OF_LOGICAL_CORES)
	add_test(NAME dfs_general_bound1_jobs COMMAND $<TARGET_FILE:pcsim-cli> explore
		pagecache-general --strategy dfs --preemptions 1 --schedules 0 --jobs ${pcsim_ncores})
	set_tests_properties(dfs_general_bound1_jobs PROPERTIES LABELS soak TIMEOUT 36000
		PASS_REGULAR_EXPRESSION
		"no violation in 42916191 execution.s., 15482762599 steps .the bounded space was explored completely.")
	add_test(NAME dfs_general_bound2 COMMAND $<TARGET_FILE:pcsim-cli> explore
		pagecache-general --strategy dfs --preemptions 2 --schedules 0 --jobs ${pcsim_ncores})
	set_tests_properties(dfs_general_bound2 PROPERTIES LABELS soak TIMEOUT 172800
		PASS_REGULAR_EXPRESSION
		"no violation in 12368246228 execution.s., 4552194986362 steps .the bounded space was explored completely.")
endif()
# Issue 15, the ring at kernel=6.18 (docs/uring-current.md): the ring's suites again at that
# profile (the cases pinned to 5.10 say what 6.18 does instead), the 6.18 rules, DEFER_TASKRUN,
# 5.8/5.9, B-18 and B-19 (unit); the explorations at 6.18 (scenario); the differential test
# against the running kernel with the model at 6.18 and nothing left out but what the page
# cache's read path decides (exact once that path is 6.18's: see the probe in diff_uring.c).
pcsim_cmocka_test(NAME uring_sim_618 PROGRAM uring ARGS --kernel 6.18 --skip "*_explore")
pcsim_cmocka_test(NAME uring_explore_618 PROGRAM uring ARGS --kernel 6.18 "*_explore"
	LABELS scenario TIMEOUT 600)
pcsim_cmocka_test(NAME uring_api_618 PROGRAM uring_api ARGS --kernel 6.18 --skip "*_explore")
pcsim_cmocka_test(NAME uring_threads_618 PROGRAM uring ARGS --kernel 6.18 --backend threads
	--skip "*_explore" LABELS unit threads)
pcsim_cmocka_test(NAME uring_current SOURCES unit/test_uring_current.c
	ARGS --skip "*_explore")
target_link_libraries(test_uring_current PRIVATE pcsim_support)
pcsim_cmocka_test(NAME uring_current_explore PROGRAM uring_current ARGS "*_explore"
	LABELS scenario TIMEOUT 400)
if(PCSIM_HAVE_LIBURING)
	pcsim_cmocka_test(NAME differential_618 PROGRAM differential
		ARGS --seed 20261204 --kernel 6.18 --exact LABELS unit differential
		TIMEOUT 120)
	pcsim_cmocka_test(NAME differential_618_defer PROGRAM differential
		ARGS --seed 20261205 --kernel 6.18 --defer-taskrun --exact LABELS unit differential
		TIMEOUT 120)
	if(PCSIM_SOAK_TESTS)
		pcsim_cmocka_test(NAME differential_random_618 PROGRAM differential
			ARGS --rounds 600 --executions 32 --kernel 6.18 LABELS soak differential
			TIMEOUT 3600)
	endif()
endif()
# The litmus parser's fuzz corpus (fuzz/fuzz_litmus.c), replayed by the plain driver.
add_executable(fuzz_replay_litmus ${PROJECT_SOURCE_DIR}/fuzz/fuzz_litmus.c
	${PROJECT_SOURCE_DIR}/fuzz/driver.c)
target_link_libraries(fuzz_replay_litmus PRIVATE pcsim::pcsim)
pcsim_set_warnings(fuzz_replay_litmus)
add_test(NAME fuzz_corpus_litmus
	COMMAND fuzz_replay_litmus ${PROJECT_SOURCE_DIR}/fuzz/corpus/litmus)
set_tests_properties(fuzz_corpus_litmus PROPERTIES LABELS "unit;robustness" TIMEOUT 120)
# The weak memory mode (docs/ordering.md "The weak mode"): MP's reorderings and the barriers that
# forbid them, coherence, RCU, exact replay, and bug zoo entry B-06 found under weak only.
pcsim_cmocka_test(NAME mem_weak SOURCES unit/test_mem_weak.c)
target_compile_definitions(test_mem_weak PRIVATE PCSIM_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
# The 5.10 page-wait code under the weak memory mode, DFS at preemption bound 2 to the end
# (about 1 M executions: minutes in release, longer under asan): clean.
if(PCSIM_SOAK_TESTS AND TARGET pcsim-cli)
	add_test(NAME weak_unlink_dfs2 COMMAND $<TARGET_FILE:pcsim-cli> explore
		${PROJECT_SOURCE_DIR}/scenarios/weak-unlink.pcs --mem weak --strategy dfs
		--preemptions 2 --schedules 0)
	set_tests_properties(weak_unlink_dfs2 PROPERTIES LABELS soak TIMEOUT 36000)
endif()
# Kernel profile 6.18 of the page cache and the wait queues: each row of kernel-semantics.md 3.4,
# the bookmark-free walk, the renumbered flags, folio_end_read, __folio_lock_async (2 s). The two
# searches with a truncator (row 6, and the stale-walk -EIO beside it) run to the end at
# preemption bound 1 here (1.5 s under asan) and at bound 2 in the soak label (70 s).
pcsim_cmocka_test(NAME kernel_6_18 SOURCES unit/test_kernel_6_18.c
	ARGS --skip "test_row_truncated*")
pcsim_cmocka_test(NAME kernel_6_18_truncation PROGRAM kernel_6_18 ARGS "test_row_truncated*")
set_tests_properties(kernel_6_18_truncation PROPERTIES ENVIRONMENT PCSIM_KP_BOUND=1)
if(PCSIM_SOAK_TESTS)
	pcsim_cmocka_test(NAME kernel_6_18_truncation_bound2 PROGRAM kernel_6_18
		ARGS "test_row_truncated*" LABELS soak TIMEOUT 1800)
endif()
# P6 on kernel 6.18 (docs/findings/p6-current-kernel.md): the race found without the fix (under a
# second); the exhaustive bound-2 searches - the fix (locks, killable locks, async waiters, with and
# without the handoff) and 5.8's loop, twelve of 49,000-70,000 executions, 3 min of CPU under
# asan - are soak.
pcsim_cmocka_test(NAME p6_current SOURCES unit/test_p6_current.c ARGS "test_race_present*")
if(PCSIM_SOAK_TESTS)
	pcsim_cmocka_test(NAME p6_current_bound2 PROGRAM p6_current ARGS "test_*_clean_*"
		LABELS soak TIMEOUT 3600)
endif()
# The calibration file's fuzz corpus (fuzz/fuzz_calibration.c over bench/bench_calib_file.c),
# replayed by the plain driver.
add_executable(fuzz_replay_calibration ${PROJECT_SOURCE_DIR}/fuzz/fuzz_calibration.c
	${PROJECT_SOURCE_DIR}/fuzz/driver.c ${PROJECT_SOURCE_DIR}/bench/bench_calib_file.c)
target_include_directories(fuzz_replay_calibration PRIVATE ${PROJECT_SOURCE_DIR}/bench)
target_link_libraries(fuzz_replay_calibration PRIVATE m)
pcsim_set_warnings(fuzz_replay_calibration)
add_test(NAME fuzz_corpus_calibration
	COMMAND fuzz_replay_calibration ${PROJECT_SOURCE_DIR}/fuzz/corpus/calibration)
set_tests_properties(fuzz_corpus_calibration PROPERTIES LABELS "unit;robustness" TIMEOUT 120)
# The device's interrupt coalescing (device_irq_batch) and no_choice_log's refusals (~2 s).
pcsim_cmocka_test(NAME bdev_coalesce SOURCES unit/test_bdev_coalesce.c)
# A file's contents in bulk (<pcsim/file_bytes.h>): the copy and the first-wrong-byte search.
pcsim_cmocka_test(NAME file_bytes SOURCES unit/test_file_bytes.c)
# The device model on the threads backend: interrupt coalescing and the idle latency (~1 s).
pcsim_cmocka_test(NAME bdev_coalesce_threads PROGRAM bdev_coalesce ARGS --backend threads
	LABELS unit threads)
# The sim scheduler's runnable sets: the running context's option after a wakeup in its own
# dispatch, more than 64 tasks on one CPU in order, clean task slots (under a second).
pcsim_cmocka_test(NAME sched_runnable SOURCES unit/test_sched_runnable.c)
# Object names (pcsim_obj_name()): the same bytes as snprintf(), on its fast path and stdio's.
pcsim_cmocka_test(NAME obj_name SOURCES unit/test_obj_name.c)
# The same with the portable fill of a page of contents (x86-64 otherwise uses AVX2 when it can).
pcsim_cmocka_test(NAME file_bytes_generic PROGRAM file_bytes)
set_tests_properties(file_bytes_generic PROPERTIES ENVIRONMENT PCSIM_FILE_BYTES_GENERIC=1)
# --estimate (src/explore/estimate.c) and the fraction explored of dfs/dpor: exact on a balanced
# tree, the interval against DFS counts, the online fraction over a run (unit); the DFS count of
# pagecache-general at bound 0 run in the test (soak).
pcsim_cmocka_test(NAME estimate SOURCES unit/test_estimate.c ARGS --skip test_general_live)
target_include_directories(test_estimate PRIVATE ${PROJECT_SOURCE_DIR}/src/explore
	${PROJECT_SOURCE_DIR}/src/sched ${PROJECT_SOURCE_DIR}/src/trace)
target_link_libraries(test_estimate PRIVATE pcsim_support)
if(PCSIM_SOAK_TESTS)
	pcsim_cmocka_test(NAME estimate_general PROGRAM estimate ARGS test_general_live
		LABELS soak TIMEOUT 1800)
endif()
if(TARGET pcsim-cli)
	add_test(NAME cli_estimate COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli/estimate.sh
		$<TARGET_FILE:pcsim-cli> ${CMAKE_CURRENT_BINARY_DIR}/cli_estimate)
	set_tests_properties(cli_estimate PROPERTIES LABELS unit TIMEOUT 120)
endif()
# DPOR's incremental record changes nothing: each search recording every step and recording
# from the first step that differs runs the same executions (docs/explore.md).
if(TARGET pcsim-cli)
	add_test(NAME dpor_incremental COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli/dpor_incremental.sh
		$<TARGET_FILE:pcsim-cli> ${CMAKE_CURRENT_BINARY_DIR}/dpor_incremental)
	set_tests_properties(dpor_incremental PROPERTIES LABELS unit TIMEOUT 300)
	add_test(NAME dfs_prefix COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli/dfs_prefix.sh
		$<TARGET_FILE:pcsim-cli> ${CMAKE_CURRENT_BINARY_DIR}/dfs_prefix)
	set_tests_properties(dfs_prefix PROPERTIES LABELS unit TIMEOUT 300)
endif()
# The profile-guided build (scripts/pgo-build.sh, `make pgo`): it builds, trains, and its
# results are the tested build's (soak: two builds and a training run, 7-15 minutes).
if(TARGET pcsim-cli AND PCSIM_SOAK_TESTS)
	add_test(NAME pgo_build COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli/pgo_build.sh
		${PROJECT_SOURCE_DIR} $<TARGET_FILE:pcsim-cli> ${CMAKE_CURRENT_BINARY_DIR}/pgo_build)
	set_tests_properties(pgo_build PROPERTIES LABELS soak TIMEOUT 2400)
	# the same for `make pgo NATIVE=1` (-O3 -march=native)
	add_test(NAME pgo_build_native COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli/pgo_build.sh
		${PROJECT_SOURCE_DIR} $<TARGET_FILE:pcsim-cli>
		${CMAKE_CURRENT_BINARY_DIR}/pgo_build_native --native)
	set_tests_properties(pgo_build_native PROPERTIES LABELS soak TIMEOUT 2400)
endif()
# The options the sim scheduler keeps between steps: on one CPU, at every decision of 3,000
# random executions, the runnable tasks in the CPU rules' order, and none inside a held section
# (under a second).
pcsim_cmocka_test(NAME sched_kept_opts SOURCES unit/test_sched_kept_opts.c)
