# SPDX-License-Identifier: MIT
# The engine's conformance suite: one program run on both backends, and a bounded
# ThreadSanitizer stress test of the threads backend (run it with the tsan preset).
pcsim_cmocka_test(NAME engine_rules_sim SOURCES unit/test_engine_rules.c LABELS unit)
pcsim_cmocka_test(NAME engine_rules_threads SOURCES unit/test_engine_rules.c
	ARGS --backend threads LABELS unit threads)
pcsim_cmocka_test(NAME threads_stress SOURCES unit/test_threads_stress.c LABELS unit threads)
