/* SPDX-License-Identifier: MIT */
/*
 * pcsim_test.h - cmocka glue for pcsim tests: run a program under a strategy and, on an
 * unexpected result, print the report, the seed, the schedule file written next to the test and
 * the command that replays it.
 */
#ifndef PCSIM_TEST_H
#define PCSIM_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pcsim/pcsim.h>

/* Backend under test for conformance suites: "sim" or "threads" (argv or PCSIM_BACKEND). */
extern enum pcsim_backend pt_backend;

/*
 * Parse `--backend sim|threads`, `--replay FILE`, `--skip PATTERN` (cmocka_set_skip_filter: the
 * cases to leave out) and an optional PATTERN (cmocka_set_test_filter: the cases to run); a
 * pattern is a test-case name with * and ? wildcards, one of each kind at most. Call first in
 * main().
 */
void pt_init(int argc, char **argv);

/* A config for the current backend with the given memory mode. */
struct pcsim_config pt_config(enum pcsim_memmode mem);

/*
 * Run @prog. Returns pcsim_explore()'s value; the report stays in @r (free it). When the
 * outcome differs from @expect_fail (0 = expect no failure, 1 = expect one), prints the report,
 * writes the schedule to `<program>-<seed>.schedule` in the working directory and prints how to
 * replay it.
 */
int pt_explore(const struct pcsim_program *prog, const struct pcsim_config *cfg,
	       const struct pcsim_explore_opts *o, int expect_fail, struct pcsim_report *r);

/*
 * pt_explore() of the program {@name, @setup, @finish, @arg} with strategy @s, at most @max
 * executions (0: no limit) and preemption bound @bound (DFS, PCT depth stays the default).
 */
int pt_run(const char *name, void (*setup)(struct pcsim_world *, void *),
	   void (*finish)(struct pcsim_world *, void *), void *arg,
	   const struct pcsim_config *cfg, enum pcsim_strategy s, uint64_t max, unsigned bound,
	   int expect_fail, struct pcsim_report *r);

/* Print a report (outcome, message, trace, schedule, replay command) to stderr. */
void pt_print_report(const char *title, const struct pcsim_report *r);

/*
 * pt_racy: two tasks (CPUs 0 and 1) add 1 to a shared x without a lock, READ_ONCE() then
 * WRITE_ONCE(); finish() records the final state, "x=1;" or "x=2;" (<pcsim/outcome.h>).
 * pt_racy_choice: the same after a data choice of three values in setup (a tree whose DFS
 * slices cut subtrees there). One world at a time per thread.
 */
extern const struct pcsim_program pt_racy, pt_racy_choice;

/*
 * pt_late: task A (CPU 0) posts SIGUSR1 to task B (CPU 1) if it saw B's first store - a signal
 * that only a later ordering shows (under a preemption bound DPOR's sleep sets find it after
 * they pruned, and the search starts again without them: tests/unit/test_dpor.c). pt_late_seen:
 * the same, and B fails ("late-signal") if the signal reached it before its end. Two CPUs.
 */
extern const struct pcsim_program pt_late, pt_late_seen;

#endif
