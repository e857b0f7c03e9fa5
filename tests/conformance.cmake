# SPDX-License-Identifier: MIT
# The engine's conformance suite: one cmocka program per kernel file its rules come from
# (tests/unit/test_rules_<part>.c, helpers in tests/support/pcsim_rules.c), each run on both
# backends, and a bounded ThreadSanitizer stress test of the threads backend (run it with the
# tsan preset).
foreach(part sched signal task_work spinlock irq rcu exec)
	pcsim_cmocka_test(NAME rules_${part}_sim PROGRAM rules_${part}
		SOURCES unit/test_rules_${part}.c LABELS unit)
	if(NOT part STREQUAL "rcu")
		pcsim_cmocka_test(NAME rules_${part}_threads PROGRAM rules_${part}
			ARGS --backend threads LABELS unit threads)
	endif()
endforeach()
# RCU on threads, one test per case so that the two long ones can run side by side.
pcsim_cmocka_test(NAME rules_rcu_threads PROGRAM rules_rcu
	ARGS --backend threads test_rcu_synchronize LABELS unit threads)
pcsim_cmocka_test(NAME rules_rcu_call_rcu_threads PROGRAM rules_rcu
	ARGS --backend threads test_rcu_call_rcu_and_barrier LABELS unit threads)
# On real threads the time depends on the load: 1 to 3 s each on an idle machine, up to 37 s
# (tsan) when both cores are busy; RCU's every synchronize_rcu() and call_rcu() batch waits for
# readers that an oversubscribed CPU has preempted inside their sections: 1 and 2 s idle, up to
# 143 s (synchronize) and 56 s (call_rcu) under tsan at load 13 on 2 cores.
foreach(part sched signal task_work spinlock irq exec)
	set_tests_properties(rules_${part}_threads PROPERTIES TIMEOUT 300)
endforeach()
set_tests_properties(rules_rcu_threads rules_rcu_call_rcu_threads PROPERTIES TIMEOUT 600)
pcsim_cmocka_test(NAME threads_stress SOURCES unit/test_threads_stress.c
	LABELS unit threads)
