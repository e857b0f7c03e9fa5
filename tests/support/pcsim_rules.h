/* SPDX-License-Identifier: MIT */
/*
 * pcsim_rules.h - shared by the engine's conformance suite (tests/unit/test_rules_*.c): how a
 * rule program is run on either backend and what every run must show. Each rule program checks
 * one rule of the engine with pcsim_fail()/PCSIM_CHECK() inside the program (tasks, event
 * handlers, the finish callback) and with cmocka asserts on the report. Every test_rules_*
 * program runs on both backends (CTest: rules_<name>_sim and rules_<name>_threads, the latter
 * with `--backend threads`): sim explores each program exhaustively with DFS (preemption bound
 * 2) or with PCT over a few hundred executions; threads runs each a few hundred to a few
 * thousand times on real threads.
 *
 * What to look for when one fails: the report names the rule ("ttwu", "signal", "task_work",
 * "rcu", ...) and the sim backend prints the trace and writes the schedule that replays it.
 */
#ifndef PCSIM_RULES_H
#define PCSIM_RULES_H

#include <stdbool.h>
#include <stdint.h>

#include "pcsim_test.h"

#include <pcsim/kernel/compiler.h>

#define SIM (pt_backend == PCSIM_BACKEND_SIM)

/* Busy-wait for a condition on shared memory; cpu_relax() keeps bounded searches finite. */
#define WAIT_UNTIL(cond)             \
	do {                         \
		while (!(cond))      \
			cpu_relax(); \
	} while (0)

/* Per-execution state of the program under test, for its finish callback. */
extern void *g_state;
/* Executions whose finish callback ran (and checked the end state). */
extern uint64_t g_finished;

struct plan {
	bool dfs;		/* sim: exhaustive DFS, preemption bound 2 */
	uint64_t sim_execs;	/* sim: PCT executions when !dfs */
	uint64_t thr_execs;	/* threads: executions */
};

/* The config rule programs run with: SC memory; threads: 5 s hang timeout, no trace. */
struct pcsim_config test_config(void);

/* Run @p under @pl; every execution must pass and reach its finish callback. */
void run_ok_cfg(const struct pcsim_program *p, struct plan pl, struct pcsim_config cfg);

/* run_ok_cfg() with test_config(). */
void run_ok(const struct pcsim_program *p, struct plan pl);

/*
 * Run @p, which breaks a rule on purpose (a mutant), and expect the engine to find it: shows
 * that the corresponding program is sensitive to the rule. sim only (exhaustive or PCT).
 * @what, when not NULL, is the rule the report must name.
 */
void run_expect_fail(const struct pcsim_program *p, struct plan pl, const char *what);

#endif
