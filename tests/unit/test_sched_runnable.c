// SPDX-License-Identifier: MIT
/*
 * Description: the sim scheduler's runnable sets (struct pcsim__cpu.rq, src/sched/sim/sched.c;
 * docs/engine.md §5.3) give the options the CPU rules give, in their order: a task woken by an
 * engine action fired in the dispatch of its own sleep is still the running context (its
 * option is the decision's `cur`, which DFS's preemption count and PCT rely on); a CPU with more
 * tasks than one word of the set holds offers them all, in creation order; and task slots
 * reused across executions start each execution clean. Debug builds also check the sets
 * against the tasks' run states at every step.
 */
#include <stdio.h>
#include <string.h>

#include <pcsim/kernel/atomic.h>
#include <pcsim/kernel/compiler.h>
#include <pcsim/kernel/sched.h>
#include <pcsim/kernel/wait.h>

#include "pcsim_test.h"

/* ---- a sleeper woken by its own timeout, fired while it blocks */

struct sleeper {
	pcsim_int x;
};

static void sleeper_fn(void *arg)
{
	struct sleeper *s = arg;
	set_current_state(TASK_INTERRUPTIBLE);
	schedule_timeout(1);
	WRITE_ONCE(s->x, 1);
	WRITE_ONCE(s->x, 2);
}

static void other_fn(void *arg)
{
	struct sleeper *s = arg;
	(void)READ_ONCE(s->x);
	(void)READ_ONCE(s->x);
}

static void sleeper_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	struct sleeper *s = pcsim_alloc(w, sizeof(*s));
	pcsim_task_create(w, "sleeper", sleeper_fn, s, 0);	/* T1 */
	pcsim_task_create(w, "other", other_fn, s, 1);		/* T2 */
}

struct watch {
	bool fired;		/* the timeout fired while T1 slept, at the previous decision */
	unsigned checked;	/* decisions right after such a fire */
	int cur, t1;		/* at the last of them: the decision's cur, T1's option */
	unsigned dflt;
};

static int opt_of(const struct pcsim_decision *d, enum pcsim_option_kind k, uint32_t target)
{
	for (unsigned i = 0; i < d->n; i++)
		if (d->opts[i].kind == k && (target == UINT32_MAX || d->opts[i].target == target))
			return (int)i;
	return -1;
}

static unsigned watch_choose(const struct pcsim_decision *d, void *arg)
{
	struct watch *wt = arg;
	if (d->n == 0)
		return 0;
	if (wt->fired) {
		wt->fired = false;
		wt->checked++;
		wt->cur = d->cur;
		wt->t1 = opt_of(d, PCSIM_OPTION_RUN, 1);
		wt->dflt = d->dflt;
		return d->dflt;
	}
	/* T1 asleep (no option of its own) and its timeout pending: fire it now */
	int fire = opt_of(d, PCSIM_OPTION_FIRE, UINT32_MAX);
	if (fire >= 0 && opt_of(d, PCSIM_OPTION_RUN, 1) < 0) {
		wt->fired = true;
		return (unsigned)fire;
	}
	return d->dflt;
}

static void test_woken_in_own_dispatch_is_cur(void **state)
{
	(void)state;
	static const struct pcsim_program prog = { "sleeper-timeout", sleeper_setup, NULL, NULL };
	struct watch wt = { 0 };
	struct pcsim_explore_opts o;
	struct pcsim_report r;
	pcsim_explore_opts_init(&o);
	o.strategy = PCSIM_STRATEGY_CALLBACK;
	o.choose = watch_choose;
	o.choose_arg = &wt;
	o.max_executions = 1;
	assert_int_equal(pcsim_explore(&prog, NULL, &o, &r), 0);
	assert_int_equal(r.outcome, PCSIM_OUTCOME_OK);
	pcsim_report_free(&r);
	/* the timeout fired while T1 blocked in schedule(); the next decision is T1's own */
	assert_int_equal(wt.checked, 1);
	assert_true(wt.t1 >= 0);
	assert_int_equal(wt.cur, wt.t1);
	assert_int_equal(wt.dflt, (unsigned)wt.t1);
}

/* ---- a CPU with more tasks than one word of its runnable set */

#define NMANY 70

struct many {
	pcsim_int seen;
	atomic_t ran;
};

static struct many *the_many;	/* this execution's, for finish() */

static void many_fn(void *arg)
{
	struct many *m = arg;
	(void)READ_ONCE(m->seen);
	atomic_inc(&m->ran);
}

static void many_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	struct many *m = pcsim_alloc(w, sizeof(*m));
	char name[16];
	the_many = m;
	for (unsigned i = 0; i < NMANY; i++) {
		snprintf(name, sizeof(name), "t%u", i);
		struct pcsim_task *t = pcsim_task_create(w, name, many_fn, m, 0);
		/* a reused slot starts clean: named anew, nothing left of the last execution */
		if (strcmp(pcsim_task_name(t), name) != 0 || pcsim_task_flags(t) != 0 ||
		    pcsim_task_exited(t))
			pcsim_fail("slot-not-clean", "task %u", i);
	}
	pcsim_task_create(w, "lone", many_fn, m, 1);
}

static int many_finish_ran;

/* every task ran to its end */
static void many_finish(struct pcsim_world *w, void *arg)
{
	(void)arg;
	(void)w;
	if (atomic_read(&the_many->ran) != NMANY + 1)
		pcsim_fail("not-all-ran", "%d of %d", atomic_read(&the_many->ran), NMANY + 1);
	many_finish_ran++;
}

struct first {
	unsigned n, calls;
	bool in_order;
};

static unsigned first_choose(const struct pcsim_decision *d, void *arg)
{
	struct first *f = arg;
	if (d->n == 0)
		return 0;
	if (f->calls++ == 0) {
		/* from the main context: every task of cpu0 in creation order, then cpu1's */
		f->n = d->n;
		f->in_order = true;
		for (unsigned i = 0; i < d->n; i++)
			if (d->opts[i].kind != PCSIM_OPTION_RUN || d->opts[i].target != i + 1)
				f->in_order = false;
	}
	/* walk from the back: the last task of cpu0 (id 70, in the set's second word) first */
	return d->n >= 2 ? d->n - 2 : 0;
}

static void test_many_tasks_in_order(void **state)
{
	(void)state;
	static const struct pcsim_program prog = { "many-on-cpu0", many_setup, many_finish, NULL };
	struct first f = { 0 };
	struct pcsim_explore_opts o;
	struct pcsim_report r;
	pcsim_explore_opts_init(&o);
	o.strategy = PCSIM_STRATEGY_CALLBACK;
	o.choose = first_choose;
	o.choose_arg = &f;
	o.max_executions = 1;
	many_finish_ran = 0;
	assert_int_equal(pcsim_explore(&prog, NULL, &o, &r), 0);
	assert_int_equal(r.outcome, PCSIM_OUTCOME_OK);
	pcsim_report_free(&r);
	assert_int_equal(f.n, NMANY + 1);
	assert_true(f.in_order);
	assert_int_equal(many_finish_ran, 1);
}

/* Random schedules over the same world: task slots and stacks reused, every execution clean. */
static void test_many_tasks_random(void **state)
{
	(void)state;
	static const struct pcsim_program prog = { "many-on-cpu0", many_setup, many_finish, NULL };
	struct pcsim_explore_opts o;
	struct pcsim_report r;
	pcsim_explore_opts_init(&o);
	o.strategy = PCSIM_STRATEGY_RANDOM;
	o.max_executions = 40;
	many_finish_ran = 0;
	assert_int_equal(pcsim_explore(&prog, NULL, &o, &r), 0);
	assert_int_equal(r.outcome, PCSIM_OUTCOME_OK);
	assert_int_equal(r.executions, 40);
	pcsim_report_free(&r);
	assert_int_equal(many_finish_ran, 40);
}

int main(int argc, char **argv)
{
	pt_init(argc, argv);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_woken_in_own_dispatch_is_cur),
		cmocka_unit_test(test_many_tasks_in_order),
		cmocka_unit_test(test_many_tasks_random),
	};
	return cmocka_run_group_tests_name("sched_runnable", tests, NULL, NULL);
}
