# SPDX-License-Identifier: MIT
# The engine's conformance suite: one cmocka program per kernel file its rules come from
# (tests/unit/test_rules_<part>.c, helpers in tests/support/pcsim_rules.c), each run on both
# backends, and a bounded ThreadSanitizer stress test of the threads backend (run it with the
# tsan preset).
foreach(part sched signal task_work spinlock irq rcu exec)
	pcsim_cmocka_test(NAME rules_${part}_sim PROGRAM rules_${part}
		SOURCES unit/test_rules_${part}.c LABELS unit)
	pcsim_cmocka_test(NAME rules_${part}_threads PROGRAM rules_${part}
		ARGS --backend threads LABELS unit threads)
endforeach()
pcsim_cmocka_test(NAME threads_stress SOURCES unit/test_threads_stress.c LABELS unit threads)
