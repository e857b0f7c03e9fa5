// SPDX-License-Identifier: MIT
/*
 * Description: pcsim's own execution rules, which have no kernel counterpart: the cleanup
 * hooks registered with pcsim_exec_cleanup_register() run once per execution, in order, after
 * finish(), also when the execution ends in a violation.
 *
 * Part of the engine's conformance suite (see tests/support/pcsim_rules.h for how a rule program
 * runs on each backend); CTest runs this program as rules_exec_sim and rules_exec_threads
 * (`--backend threads`).
 */
#include <errno.h>
#include <stdio.h>

#include "pcsim_rules.h"

#include <pcsim/kernel/sched.h>

/* ---------------------------------------------------------------------------------------------
 * Execution cleanup hooks (pcsim_exec_cleanup_register)
 *
 * setup() registers one hook and a task registers another. Both must run exactly once per
 * execution, the task's first (last registered, first run), after finish(), outside any task,
 * with the execution's arena memory still readable, and also when the execution ends in a
 * violation. The hooks run on the thread that called pcsim_explore(), so plain globals suffice.
 */
struct cleanup_st {
	struct pcsim_world *w;
	unsigned magic;		/* arena memory the hooks read */
	bool fail;		/* the task reports a violation (the run still ends normally) */
};

#define CLEANUP_MAGIC 0xc1ea2u

static uint64_t g_cleanup_calls;	/* hook calls, all executions */
static uint64_t g_cleanup_at_setup;	/* g_cleanup_calls when this execution's setup ran */
static unsigned g_cleanup_next;		/* the hook that must run next: 2 (task's), then 1 */
static bool g_cleanup_finished;		/* this execution's finish() ran */
static bool g_cleanup_bad;

static void cleanup_check(struct pcsim_world *w, struct cleanup_st *s, unsigned id)
{
	if (w != s->w || s->magic != CLEANUP_MAGIC || pcsim_current() != NULL ||
	    g_cleanup_next != id || (!s->fail && !g_cleanup_finished))
		g_cleanup_bad = true;
	g_cleanup_next = id == 2 ? 1 : 2;
	g_cleanup_calls++;
}

static void cleanup_hook_setup(struct pcsim_world *w, void *arg)
{
	cleanup_check(w, arg, 1);
}

static void cleanup_hook_task(struct pcsim_world *w, void *arg)
{
	cleanup_check(w, arg, 2);
}

static void cleanup_task(void *arg)
{
	struct cleanup_st *s = arg;
	int err = pcsim_exec_cleanup_register(s->w, cleanup_hook_task, s);
	PCSIM_CHECK(err == 0, "cleanup", "registration from a task returned %d", err);
	if (s->fail)
		pcsim_fail("cleanup-violation", "this execution ends in a violation on purpose");
}

static void cleanup_setup(struct pcsim_world *w, void *arg)
{
	struct cleanup_st *s = pcsim_alloc(w, sizeof(*s));
	s->w = w;
	s->magic = CLEANUP_MAGIC;
	s->fail = arg != NULL;
	g_state = s;
	g_cleanup_at_setup = g_cleanup_calls;
	g_cleanup_finished = false;
	if (pcsim_exec_cleanup_register(w, NULL, s) != -EINVAL ||
	    pcsim_exec_cleanup_register(w, cleanup_hook_setup, s) != 0)
		g_cleanup_bad = true;
	pcsim_task_create(w, "registers", cleanup_task, s, 0);
}

static void cleanup_finish(struct pcsim_world *w, void *arg)
{
	(void)w;
	(void)arg;
	g_finished++;
	g_cleanup_finished = true;
	PCSIM_CHECK(g_cleanup_calls == g_cleanup_at_setup, "cleanup",
		    "a cleanup hook ran before finish()");
}

static const struct pcsim_program cleanup_prog = { "rules-exec-cleanup", cleanup_setup,
						   cleanup_finish, NULL };
static const struct pcsim_program cleanup_fail_prog = { "rules-exec-cleanup-violation",
							cleanup_setup, cleanup_finish, (void *)1 };

static void test_exec_cleanup_hooks(void **state)
{
	(void)state;
	g_cleanup_calls = 0;
	g_cleanup_next = 2;
	g_cleanup_bad = false;
	run_ok(&cleanup_prog, (struct plan){ .sim_execs = 50, .thr_execs = 50 });
	assert_false(g_cleanup_bad);
	assert_true(g_finished > 0);
	assert_int_equal(g_cleanup_calls, 2 * g_finished);

	/* A violation does not skip them (sim: the task is abandoned inside pcsim_fail();
	 * threads: the first report is kept and the execution runs to its end). */
	struct pcsim_config cfg = test_config();
	struct pcsim_explore_opts o;
	struct pcsim_report r;
	pcsim_explore_opts_init(&o);
	o.max_executions = 1;
	o.confirm = false;
	g_cleanup_calls = 0;
	assert_int_equal(pt_explore(&cleanup_fail_prog, &cfg, &o, 1, &r), 1);
	assert_string_equal(r.what, "cleanup-violation");
	assert_int_equal(r.executions, 1);
	assert_int_equal(g_cleanup_calls, 2);
	assert_false(g_cleanup_bad);
	pcsim_report_free(&r);
}

int main(int argc, char **argv)
{
	pt_init(argc, argv);
	printf("backend: %s\n", SIM ? "sim" : "threads");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exec_cleanup_hooks),
	};
	return cmocka_run_group_tests_name(SIM ? "rules_exec_sim" : "rules_exec_threads",
					   tests, NULL, NULL);
}
