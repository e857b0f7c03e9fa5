// SPDX-License-Identifier: MIT
/*
 * Description: the options the sim scheduler keeps from one step to the next (struct
 * pcsim__exec.opts_ok, src/sched/sim/sched.c; docs/engine.md §6.2) are the options the CPU
 * rules give at every decision (docs/engine.md §5.3): on one CPU, no other task is offered
 * while the running task holds the CPU (preempt_disable(), a spinlock, interrupts off), the
 * point where it lets go of the CPU offers the others, a task is offered exactly while it is
 * runnable (a sleep, a wake-up and an exit change that), and the options are the CPU's current
 * task first, then its other runnable tasks in creation order (a context switch changes which
 * task comes first). A kept list that missed one of those changes shows here as a decision
 * inside a held section, a point without the decision that was due, a missing or extra task,
 * or the wrong order. Random choices over many executions; debug builds also compare every
 * kept list with a fresh enumeration inside the engine.
 */
#include <string.h>

#include <pcsim/kernel/compiler.h>
#include <pcsim/kernel/sched.h>
#include <pcsim/kernel/spinlock.h>

#include "pcsim_test.h"

#define NTASKS 3

struct kept {
	pcsim_int x;
	spinlock_t lock;
	struct task_struct *sleeper;
};

/* What the test sees of this execution, for the callback (one world, one thread). */
static struct pcsim_task *tasks[NTASKS];
static bool held;		/* T1 holds its CPU (set right after taking it, by plain C) */
static bool expect;		/* T1 lets go of its CPU: its point there is a decision */
static unsigned missed;		/* ... unless nothing else could run: it was not */

/* The other tasks of the CPU, one of which may run: T1 letting go of the CPU must offer it. */
static bool others_runnable(void)
{
	for (unsigned i = 1; i < NTASKS; i++)
		if (!pcsim_task_exited(tasks[i]) && !pcsim_task_is_sleeping(tasks[i]))
			return true;
	return false;
}

/* Right after T1's point that lets go of the CPU (the callback clears @expect). */
static void released(void)
{
	if (expect && others_runnable())
		missed++;
	expect = false;
}

struct tally {
	uint64_t rng;
	unsigned decisions, runs;
	unsigned in_held;	/* decisions while T1 held the CPU */
	unsigned wrong_set;	/* the RUN options are not the runnable tasks */
	unsigned wrong_order;	/* not the current task first, then creation order */
	unsigned sleeper_offered, sleeper_asleep;	/* coverage: both states were met */
	unsigned firsts_other;	/* coverage: decisions where a task other than T1 came first */
};

static void holder(void *arg)
{
	struct kept *k = arg;
	unsigned long flags;
	(void)READ_ONCE(k->x);
	preempt_disable();
	held = true;
	(void)READ_ONCE(k->x);
	(void)READ_ONCE(k->x);
	held = false;
	expect = true;
	preempt_enable();
	released();
	(void)READ_ONCE(k->x);
	spin_lock(&k->lock);
	held = true;
	(void)READ_ONCE(k->x);
	WRITE_ONCE(k->x, 1);
	held = false;
	expect = true;
	spin_unlock(&k->lock);
	released();
	local_irq_save(flags);
	held = true;
	(void)READ_ONCE(k->x);
	(void)READ_ONCE(k->x);
	held = false;
	expect = true;
	local_irq_restore(flags);
	released();
	wake_up_process(k->sleeper);
	(void)READ_ONCE(k->x);
}

static void sleeper(void *arg)
{
	struct kept *k = arg;
	(void)READ_ONCE(k->x);
	set_current_state(TASK_UNINTERRUPTIBLE);
	schedule();
	(void)READ_ONCE(k->x);
}

static void reader(void *arg)
{
	struct kept *k = arg;
	(void)READ_ONCE(k->x);
	(void)READ_ONCE(k->x);
	(void)READ_ONCE(k->x);
}

static void kept_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	struct kept *k = pcsim_alloc(w, sizeof(*k));
	spin_lock_init(&k->lock);
	held = expect = false;
	tasks[0] = pcsim_task_create(w, "holder", holder, k, 0);
	tasks[1] = k->sleeper = pcsim_task_create(w, "sleeper", sleeper, k, 0);
	tasks[2] = pcsim_task_create(w, "reader", reader, k, 0);
}

static unsigned kept_choose(const struct pcsim_decision *d, void *arg)
{
	struct tally *t = arg;
	if (d->n == 0)
		return 0;
	t->decisions++;
	expect = false;
	if (held)
		t->in_held++;
	/* the runnable tasks, by id (one CPU: each is offered, nothing else can be) */
	bool want[NTASKS + 1] = { false }, got[NTASKS + 1] = { false };
	for (unsigned i = 0; i < NTASKS; i++) {
		bool asleep = pcsim_task_is_sleeping(tasks[i]);
		want[i + 1] = !pcsim_task_exited(tasks[i]) && !asleep;
		if (i == 1)
			asleep ? t->sleeper_asleep++ : t->sleeper_offered++;
	}
	unsigned first = d->cur >= 0 ? 1 : 0;	/* the running task is the CPU's current one */
	if (d->cur > 0)
		t->wrong_order++;
	for (unsigned i = 0; i < d->n; i++) {
		const struct pcsim_option *o = &d->opts[i];
		if (o->kind != PCSIM_OPTION_RUN || o->target == 0 || o->target > NTASKS ||
		    got[o->target]) {
			t->wrong_set++;
			continue;
		}
		got[o->target] = true;
		if (i > first && o->target < d->opts[i - 1].target)
			t->wrong_order++;
	}
	if (memcmp(want, got, sizeof(want)) != 0)
		t->wrong_set++;
	if (d->opts[0].target != 1)
		t->firsts_other++;
	/* xorshift64: any choice, reproducible */
	t->rng ^= t->rng << 13;
	t->rng ^= t->rng >> 7;
	t->rng ^= t->rng << 17;
	return (unsigned)(t->rng % d->n);
}

static void test_kept_options_follow_the_cpu_rules(void **state)
{
	(void)state;
	static const struct pcsim_program prog = { "kept-opts", kept_setup, NULL, NULL };
	struct pcsim_config cfg;
	struct pcsim_explore_opts o;
	struct pcsim_report r;
	struct tally t = { .rng = 0x9e3779b97f4a7c15ull };
	pcsim_config_init(&cfg);
	cfg.ncpus = 1;
	pcsim_explore_opts_init(&o);
	o.strategy = PCSIM_STRATEGY_CALLBACK;
	o.choose = kept_choose;
	o.choose_arg = &t;
	o.max_executions = 3000;
	o.stop_on_violation = false;
	o.confirm = false;
	assert_true(pcsim_explore(&prog, &cfg, &o, &r) >= 0);
	/* the sleeper may sleep for good when the holder's wake-up comes first: a deadlock, or
	 * nothing wrong */
	assert_true(r.outcome == PCSIM_OUTCOME_OK || r.outcome == PCSIM_OUTCOME_DEADLOCK);
	assert_int_equal(r.executions, 3000);
	pcsim_report_free(&r);
	assert_true(t.decisions > 3000);
	assert_int_equal(t.in_held, 0);
	assert_int_equal(missed, 0);
	assert_int_equal(t.wrong_set, 0);
	assert_int_equal(t.wrong_order, 0);
	/* the cases the rules distinguish were met */
	assert_true(t.sleeper_offered > 0 && t.sleeper_asleep > 0);
	assert_true(t.firsts_other > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kept_options_follow_the_cpu_rules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
