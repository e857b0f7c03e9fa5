// SPDX-License-Identifier: MIT
/*
 * Description: the 2-task lost-wakeup micro-model of the engine issue.
 * Kernel reference: the sleep/wake pattern of include/linux/wait.h and kernel/sched/core.c:
 *   waiter: if (!READ_ONCE(flag)) { set_current_state(TASK_UNINTERRUPTIBLE); schedule(); }
 *   waker:  WRITE_ONCE(flag, 1); wake_up_process(waiter);
 * The buggy waiter tests the condition before setting its state, so a wakeup that lands in
 * between finds the waiter TASK_RUNNING and is lost. The fixed waiter sets its state first and
 * re-checks the condition.
 * What to look for in the trace: the waker's try_to_wake_up() returns 0 ("already
 * TASK_RUNNING") and the waiter then sleeps forever.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcsim_test.h"

#include <pcsim/kernel/compiler.h>
#include <pcsim/kernel/sched.h>

struct micro {
	pcsim_int flag;
	struct task_struct *waiter;
	bool fixed;
};

static void waiter_fn(void *arg)
{
	struct micro *m = arg;
	if (m->fixed) {
		for (;;) {
			set_current_state(TASK_UNINTERRUPTIBLE);
			if (READ_ONCE(m->flag))
				break;
			schedule();
		}
		__set_current_state(TASK_RUNNING);
		return;
	}
	if (!READ_ONCE(m->flag)) {
		set_current_state(TASK_UNINTERRUPTIBLE);
		schedule();
	}
}

static void waker_fn(void *arg)
{
	struct micro *m = arg;
	WRITE_ONCE(m->flag, 1);
	wake_up_process(m->waiter);
}

static void setup(struct pcsim_world *w, void *arg)
{
	bool fixed = arg != NULL;
	struct micro *m = pcsim_alloc(w, sizeof(*m));
	m->fixed = fixed;
	pcsim_obj_name(&m->flag, "flag");
	m->waiter = pcsim_task_create(w, "waiter", waiter_fn, m, 0);
	pcsim_task_create(w, "waker", waker_fn, m, 1);
}

static const struct pcsim_program buggy = { "micro-lost-wakeup", setup, NULL, NULL };
static const struct pcsim_program fixed = { "micro-fixed", setup, NULL, (void *)1 };

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* PCT finds the lost wakeup within 10 executions, median over 20 fixed seeds. */
static void test_pct_finds_lost_wakeup(void **state)
{
	(void)state;
	uint64_t found[20];
	struct pcsim_config cfg = pt_config(PCSIM_MEM_SC);
	for (unsigned s = 0; s < 20; s++) {
		struct pcsim_explore_opts o;
		struct pcsim_report r;
		pcsim_explore_opts_init(&o);
		o.strategy = PCSIM_STRATEGY_PCT;
		o.seed = 1000 + s;
		o.max_executions = 10000;
		int ret = pt_explore(&buggy, &cfg, &o, 1, &r);
		assert_int_equal(ret, 1);
		assert_int_equal(r.outcome, PCSIM_OUTCOME_DEADLOCK);
		assert_string_equal(r.what, "deadlock");
		assert_true(r.confirmed);
		assert_non_null(strstr(r.message, "waiter"));
		found[s] = r.failing_execution;
		pcsim_report_free(&r);
	}
	qsort(found, 20, sizeof(found[0]), cmp_u64);
	uint64_t median = (found[9] + found[10]) / 2;
	printf("PCT executions to find the lost wakeup, median over 20 seeds: %llu (min %llu, max "
	       "%llu)\n",
	       (unsigned long long)median, (unsigned long long)found[0],
	       (unsigned long long)found[19]);
	assert_true(median <= 10);
}

static void test_failure_report_is_readable(void **state)
{
	(void)state;
	struct pcsim_config cfg = pt_config(PCSIM_MEM_SC);
	struct pcsim_explore_opts o;
	struct pcsim_report r;
	pcsim_explore_opts_init(&o);
	o.seed = 1;
	o.max_executions = 10000;
	assert_int_equal(pt_explore(&buggy, &cfg, &o, 1, &r), 1);
	assert_non_null(r.trace);
	assert_non_null(strstr(r.trace, "load flag -> 0"));
	assert_non_null(strstr(r.trace, "store flag <- 1"));
	assert_non_null(strstr(r.trace, "already TASK_RUNNING"));
	assert_non_null(strstr(r.trace, "sleeps in TASK_UNINTERRUPTIBLE"));
	assert_non_null(strstr(r.message, "TASK_UNINTERRUPTIBLE"));
	assert_non_null(r.schedule);
	assert_non_null(strstr(r.schedule, "pcsim-schedule 1\nprogram micro-lost-wakeup\n"));
	pcsim_report_free(&r);
}

/* The corrected model survives DFS with preemption bound 2, exhaustively. */
static void test_dfs_fixed_exhaustive(void **state)
{
	(void)state;
	struct pcsim_config cfg = pt_config(PCSIM_MEM_SC);
	struct pcsim_explore_opts o;
	struct pcsim_report r;
	pcsim_explore_opts_init(&o);
	o.strategy = PCSIM_STRATEGY_DFS;
	o.preemption_bound = 2;
	o.max_executions = 0;
	assert_int_equal(pt_explore(&fixed, &cfg, &o, 0, &r), 0);
	assert_true(r.exhausted);
	printf("DFS(bound 2) explored the fixed model in %llu executions\n",
	       (unsigned long long)r.executions);
	assert_true(r.executions > 1);
	pcsim_report_free(&r);
	/* ... and DFS also finds the bug in the unfixed one. */
	assert_int_equal(pt_explore(&buggy, &cfg, &o, 1, &r), 1);
	assert_int_equal(r.outcome, PCSIM_OUTCOME_DEADLOCK);
	pcsim_report_free(&r);
}

/*
 * Random exploration seeds execution i from (seed, i): no two executions repeat one stream.
 * Regression: the stream was seeded before the execution's index was set, so execution i ran
 * with the seed of i - 1 and the first two executions were the same.
 */
#define RANDOM_EXECS 20
static uint64_t drawn[RANDOM_EXECS];
static unsigned ndrawn;

static void draw_task(void *arg)
{
	(void)arg;
	uint64_t v = 0;
	for (int i = 0; i < 3; i++)
		v = v * 512 + pcsim_choose("v", 512);
	if (ndrawn < RANDOM_EXECS)
		drawn[ndrawn++] = v;
}

static void draw_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	pcsim_task_create(w, "draw", draw_task, NULL, 0);
}

static void test_random_executions_differ(void **state)
{
	(void)state;
	if (pt_backend != PCSIM_BACKEND_SIM)
		skip();
	struct pcsim_report r;
	struct pcsim_config cfg = pt_config(PCSIM_MEM_SC);
	ndrawn = 0;
	assert_int_equal(pt_run("draw", draw_setup, NULL, NULL, &cfg, PCSIM_STRATEGY_RANDOM,
				RANDOM_EXECS, 0, 0, &r), 0);
	pcsim_report_free(&r);
	assert_int_equal(ndrawn, RANDOM_EXECS);
	for (unsigned i = 0; i < RANDOM_EXECS; i++)
		for (unsigned j = i + 1; j < RANDOM_EXECS; j++)
			assert_true(drawn[i] != drawn[j]);
}

int main(int argc, char **argv)
{
	pt_init(argc, argv);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pct_finds_lost_wakeup),
		cmocka_unit_test(test_failure_report_is_readable),
		cmocka_unit_test(test_dfs_fixed_exhaustive),
		cmocka_unit_test(test_random_executions_differ),
	};
	return cmocka_run_group_tests_name("micro_model", tests, NULL, NULL);
}
