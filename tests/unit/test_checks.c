// SPDX-License-Identifier: MIT
/*
 * Description: what the engine reports: deadlocks, lock-order (ABBA) and irq-safety
 * violations, sleeping in atomic context, interrupts held off by irqsave, livelock, misuse,
 * replay divergence, schedule parse errors, invariant hooks, spurious wakeups, data choices.
 * Kernel reference: kernel/locking/lockdep.c ("possible circular locking dependency",
 * "inconsistent {IN-HARDIRQ-W} -> {HARDIRQ-ON-W} usage"), kernel/sched/core.c
 * (__schedule_bug: "scheduling while atomic"), might_sleep().
 * What to look for: each report names the check, the step and the contexts involved.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcsim_test.h"
#include <pcsim_support/programs.h>

#include <pcsim/kernel/compiler.h>
#include <pcsim/kernel/sched.h>
#include <pcsim/kernel/spinlock.h>

static struct pcsim_config cfg_sim(void)
{
	return pt_config(PCSIM_MEM_SC);
}

static int run(const struct pcsim_program *p, struct pcsim_config *cfg,
	       enum pcsim_strategy s, uint64_t max, int expect, struct pcsim_report *r)
{
	struct pcsim_explore_opts o;
	pcsim_explore_opts_init(&o);
	o.strategy = s;
	o.max_executions = max;
	o.preemption_bound = 2;
	o.seed = 11;
	return pt_explore(p, cfg, &o, expect, r);
}

/*
 * The CLI's built-in programs (support/programs.c) serve as fixtures, so `pcsim explore abba`
 * and `pcsim replay micro-lost-wakeup` are held to the reports asserted here.
 */
static const struct pcsim_program *builtin(const char *name)
{
	const struct pcsim_builtin *b = pcsim_builtin_find(name);
	assert_non_null(b);
	return &b->prog;
}

/* ---- ABBA ---------------------------------------------------------------------------------- */

static void test_abba_lockdep(void **state)
{
	(void)state;
	struct pcsim_config cfg = cfg_sim();
	struct pcsim_report r;
	/* Lockdep reports the inverted order even in a schedule that does not deadlock. */
	assert_int_equal(run(builtin("abba"), &cfg, PCSIM_STRATEGY_DFS, 1, 1, &r), 1);
	assert_string_equal(r.what, "lockdep-abba");
	assert_non_null(strstr(r.message, "lock_a"));
	assert_non_null(strstr(r.message, "lock_b"));
	pcsim_report_free(&r);
}

static void test_abba_deadlock_without_lockdep(void **state)
{
	(void)state;
	struct pcsim_config cfg = cfg_sim();
	cfg.checks &= ~PCSIM_CHECK_LOCKDEP;
	struct pcsim_report r;
	assert_int_equal(run(builtin("abba"), &cfg, PCSIM_STRATEGY_DFS, 0, 1, &r), 1);
	assert_int_equal(r.outcome, PCSIM_OUTCOME_DEADLOCK);
	/* The report lists every blocked task and what it spins on, held by whom. */
	assert_non_null(strstr(r.message, "T1 ab (cpu0): spinning on lock_b held by T2 ba"));
	assert_non_null(strstr(r.message, "T2 ba (cpu1): spinning on lock_a held by T1 ab"));
	assert_true(r.confirmed);
	pcsim_report_free(&r);
}

/* ---- sleeping in atomic context ------------------------------------------------------------ */
static void sleeper_under_lock(void *arg)
{
	spinlock_t *l = arg;
	spin_lock(l);
	set_current_state(TASK_INTERRUPTIBLE);
	schedule();
	spin_unlock(l);
}

static void swa_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	spinlock_t *l = pcsim_alloc(w, sizeof(*l));
	pcsim_spin_lock_init(l, "l");
	pcsim_task_create(w, "sleeper", sleeper_under_lock, l, 0);
}

static const struct pcsim_program swa = { "sleep-under-spinlock", swa_setup, NULL, NULL };

static void test_scheduling_while_atomic(void **state)
{
	(void)state;
	struct pcsim_config cfg = cfg_sim();
	struct pcsim_report r;
	assert_int_equal(run(&swa, &cfg, PCSIM_STRATEGY_PCT, 1, 1, &r), 1);
	assert_string_equal(r.what, "scheduling-while-atomic");
	assert_non_null(strstr(r.message, "preempt_count=1"));
	pcsim_report_free(&r);
}

static void might_sleep_irqs_off(void *arg)
{
	(void)arg;
	unsigned long flags;
	local_irq_save(flags);
	might_sleep();
	local_irq_restore(flags);
}

static void ms_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	pcsim_task_create(w, "t", might_sleep_irqs_off, NULL, 0);
}

static const struct pcsim_program ms = { "might-sleep-irqs-off", ms_setup, NULL, NULL };

static void test_might_sleep_with_irqs_off(void **state)
{
	(void)state;
	struct pcsim_config cfg = cfg_sim();
	struct pcsim_report r;
	assert_int_equal(run(&ms, &cfg, PCSIM_STRATEGY_PCT, 1, 1, &r), 1);
	assert_string_equal(r.what, "sleep-in-atomic");
	assert_non_null(strstr(r.message, "irqs_disabled=1"));
	pcsim_report_free(&r);
}

/* Sleeping from an interrupt handler. */
static void irq_sleeps(void *arg)
{
	(void)arg;
	might_sleep();
}

static void irqs_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	struct pcsim_event_desc d = { "irq", PCSIM_CTX_HARDIRQ, 0, 0, irq_sleeps, NULL };
	assert_true(pcsim_event_post(w, &d) > 0);
}

static const struct pcsim_program irqs = { "irq-sleeps", irqs_setup, NULL, NULL };

static void test_sleep_in_irq(void **state)
{
	(void)state;
	struct pcsim_config cfg = cfg_sim();
	struct pcsim_report r;
	assert_int_equal(run(&irqs, &cfg, PCSIM_STRATEGY_PCT, 1, 1, &r), 1);
	assert_string_equal(r.what, "sleep-in-atomic");
	assert_non_null(strstr(r.message, "in_interrupt=1"));
	pcsim_report_free(&r);
}

/* ---- an IRQ and a lock its handler also takes ----------------------------------------------- */
struct irqlock {
	spinlock_t lock;
	pcsim_int in_cs;	/* the task is inside its critical section */
	bool irqsave;
};

static void irq_handler(void *arg)
{
	struct irqlock *s = arg;
	/* Interrupts are off while the task holds the lock with irqsave: never seen inside. */
	PCSIM_CHECK(READ_ONCE(s->in_cs) == 0, "irq-inside-irqsave",
		    "the interrupt fired while its CPU held an irqsave lock");
	spin_lock(&s->lock);
	spin_unlock(&s->lock);
}

static void irq_task(void *arg)
{
	struct irqlock *s = arg;
	unsigned long flags = 0;
	if (s->irqsave)
		spin_lock_irqsave(&s->lock, flags);
	else
		spin_lock(&s->lock);
	WRITE_ONCE(s->in_cs, 1);
	WRITE_ONCE(s->in_cs, 0);
	if (s->irqsave)
		spin_unlock_irqrestore(&s->lock, flags);
	else
		spin_unlock(&s->lock);
}

static void irql_setup(struct pcsim_world *w, void *arg)
{
	struct irqlock *s = pcsim_alloc(w, sizeof(*s));
	s->irqsave = arg != NULL;
	pcsim_spin_lock_init(&s->lock, "dev->lock");
	pcsim_task_create(w, "task", irq_task, s, 0);
	struct pcsim_event_desc d = { "dev irq", PCSIM_CTX_HARDIRQ, 0, 0, irq_handler, s };
	pcsim_event_post(w, &d);
}

static const struct pcsim_program irql_safe = { "irq-lock-irqsave", irql_setup, NULL, (void *)1 };
static const struct pcsim_program irql_bad = { "irq-lock-plain", irql_setup, NULL, NULL };

static void test_irq_held_off_by_irqsave(void **state)
{
	(void)state;
	struct pcsim_config cfg = cfg_sim();
	struct pcsim_report r;
	assert_int_equal(run(&irql_safe, &cfg, PCSIM_STRATEGY_DFS, 0, 0, &r), 0);
	assert_true(r.exhausted);
	assert_true(r.executions >= 3);	/* the IRQ fires before, and after, the section */
	pcsim_report_free(&r);
}

static void test_irq_safety_lockdep(void **state)
{
	(void)state;
	struct pcsim_config cfg = cfg_sim();
	struct pcsim_report r;
	assert_int_equal(run(&irql_bad, &cfg, PCSIM_STRATEGY_DFS, 0, 1, &r), 1);
	/* Either the IRQ interrupts the section (the handler's check fires first) or lockdep
	 * sees both usages; DFS's default order reaches the lockdep report first. */
	assert_true(strcmp(r.what, "lockdep-irq") == 0 || strcmp(r.what, "irq-inside-irqsave") == 0);
	pcsim_report_free(&r);
	/* Without lockdep and without the handler's check, the self-deadlock is found. */
	cfg.checks &= ~PCSIM_CHECK_LOCKDEP;
	assert_int_equal(run(&irql_bad, &cfg, PCSIM_STRATEGY_DFS, 0, 1, &r), 1);
	assert_true(strcmp(r.what, "irq-inside-irqsave") == 0 || r.outcome == PCSIM_OUTCOME_DEADLOCK);
	pcsim_report_free(&r);
}

static void irq_handler_nocheck(void *arg)
{
	struct irqlock *s = arg;
	spin_lock(&s->lock);
	spin_unlock(&s->lock);
}

static void irql2_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	struct irqlock *s = pcsim_alloc(w, sizeof(*s));
	pcsim_spin_lock_init(&s->lock, "dev->lock");
	pcsim_task_create(w, "task", irq_task, s, 0);
	struct pcsim_event_desc d = { "dev irq", PCSIM_CTX_HARDIRQ, 0, 0, irq_handler_nocheck, s };
	pcsim_event_post(w, &d);
}

static const struct pcsim_program irql2 = { "irq-lock-deadlock", irql2_setup, NULL, NULL };

static void test_irq_self_deadlock(void **state)
{
	(void)state;
	struct pcsim_config cfg = cfg_sim();
	cfg.checks &= ~PCSIM_CHECK_LOCKDEP;
	struct pcsim_report r;
	assert_int_equal(run(&irql2, &cfg, PCSIM_STRATEGY_DFS, 0, 1, &r), 1);
	assert_int_equal(r.outcome, PCSIM_OUTCOME_DEADLOCK);
	assert_non_null(strstr(r.message, "spinning on dev->lock held by T1 task (interrupted on "
					  "this CPU)"));
	pcsim_report_free(&r);
}

/* ---- livelock ------------------------------------------------------------------------------- */
static void spinner(void *arg)
{
	pcsim_int *stop = arg;
	while (!READ_ONCE(*stop))
		cpu_relax();
}

static void live_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	pcsim_int *stop = pcsim_alloc(w, sizeof(*stop));
	pcsim_task_create(w, "spin0", spinner, stop, 0);
	pcsim_task_create(w, "spin1", spinner, stop, 1);
}

static const struct pcsim_program live = { "livelock", live_setup, NULL, NULL };

static void test_livelock_budget(void **state)
{
	(void)state;
	struct pcsim_config cfg = cfg_sim();
	cfg.max_steps = 500;
	struct pcsim_report r;
	assert_int_equal(run(&live, &cfg, PCSIM_STRATEGY_PCT, 1, 1, &r), 1);
	assert_int_equal(r.outcome, PCSIM_OUTCOME_LIVELOCK);
	assert_non_null(strstr(r.message, "500 steps"));
	pcsim_report_free(&r);
}

/* A spin loop waiting for another task terminates under DFS thanks to cpu_relax fairness. */
static void setter(void *arg)
{
	pcsim_int *stop = arg;
	WRITE_ONCE(*stop, 1);
}

static void fair_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	pcsim_int *stop = pcsim_alloc(w, sizeof(*stop));
	pcsim_task_create(w, "spin", spinner, stop, 0);
	pcsim_task_create(w, "set", setter, stop, 0);	/* same CPU: needs preemption */
}

static const struct pcsim_program fair = { "fair-spin", fair_setup, NULL, NULL };

static void test_fair_spin_terminates(void **state)
{
	(void)state;
	struct pcsim_config cfg = cfg_sim();
	cfg.max_steps = 10000;
	struct pcsim_report r;
	assert_int_equal(run(&fair, &cfg, PCSIM_STRATEGY_DFS, 0, 0, &r), 0);
	assert_true(r.exhausted);
	pcsim_report_free(&r);
}

/* ---- misuse ---------------------------------------------------------------------------------- */
static void uses_uninit(void *arg)
{
	spinlock_t *l = arg;
	spin_lock(l);
}

static void uninit_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	spinlock_t *l = pcsim_alloc(w, sizeof(*l));
	pcsim_task_create(w, "t", uses_uninit, l, 0);
}

static const struct pcsim_program uninit = { "uninit-lock", uninit_setup, NULL, NULL };

static void test_uninitialised_spinlock(void **state)
{
	(void)state;
	struct pcsim_config cfg = cfg_sim();
	struct pcsim_report r;
	assert_int_equal(run(&uninit, &cfg, PCSIM_STRATEGY_PCT, 1, 1, &r), 1);
	assert_string_equal(r.what, "spinlock-uninit");
	pcsim_report_free(&r);
}

static void test_bad_arguments(void **state)
{
	(void)state;
	struct pcsim_report r;
	struct pcsim_config cfg = cfg_sim();
	struct pcsim_program none = { "none", NULL, NULL, NULL };
	assert_int_equal(pcsim_explore(&none, &cfg, NULL, &r), -22);
	assert_non_null(r.message);
	pcsim_report_free(&r);
	cfg.ncpus = 1000;
	assert_int_equal(pcsim_explore(builtin("abba"), &cfg, NULL, &r), -22);
	assert_non_null(strstr(r.message, "ncpus"));
	pcsim_report_free(&r);
	cfg = cfg_sim();
	cfg.backend = PCSIM_BACKEND_THREADS;
	cfg.mem = PCSIM_MEM_TSO;
	assert_int_equal(pcsim_explore(builtin("abba"), &cfg, NULL, &r), -22);
	pcsim_report_free(&r);
}

/* ---- replay ------------------------------------------------------------------------------ */

static void test_replay_reproduces_and_diverges(void **state)
{
	(void)state;
	const struct pcsim_program *micro = builtin("micro-lost-wakeup");
	struct pcsim_config cfg = cfg_sim();
	struct pcsim_report r, r2;
	assert_int_equal(run(micro, &cfg, PCSIM_STRATEGY_PCT, 1000, 1, &r), 1);
	/* Replaying the schedule reproduces the same failure, step and trace. */
	struct pcsim_explore_opts o;
	pcsim_explore_opts_init(&o);
	o.strategy = PCSIM_STRATEGY_REPLAY;
	o.schedule = r.schedule;
	int rr = pcsim_explore(micro, &cfg, &o, &r2);
	if (rr != 1)
		fprintf(stderr, "replay: %d %s\n%s\n", rr, r2.message ? r2.message : "", r.schedule);
	assert_int_equal(rr, 1);
	assert_int_equal(r2.outcome, r.outcome);
	assert_int_equal(r2.step, r.step);
	assert_true(r2.trace_hash == r.trace_hash);
	pcsim_report_free(&r2);
	/* A schedule whose choices do not fit reports the first divergence. */
	char *bad = strdup(r.schedule);
	char *p = strstr(bad, "\nrun T");
	assert_non_null(p);
	p[6] = p[6] == '1' ? '2' : '1';	/* flip the first choice */
	char *q = strstr(p + 1, "\nrun T");
	if (q)
		q[6] = '7';	/* and make a later one impossible */
	o.schedule = bad;
	assert_int_equal(pcsim_explore(micro, &cfg, &o, &r2), 1);
	assert_int_equal(r2.outcome, PCSIM_OUTCOME_DIVERGED);
	assert_non_null(strstr(r2.message, "replay diverged at step"));
	assert_non_null(strstr(r2.message, "recorded 'run T7'"));
	pcsim_report_free(&r2);
	/* Lenient replay skips what does not fit and finishes. */
	o.replay_lenient = true;
	assert_true(pcsim_explore(micro, &cfg, &o, &r2) >= 0);
	assert_int_not_equal(r2.outcome, PCSIM_OUTCOME_DIVERGED);
	pcsim_report_free(&r2);
	free(bad);
	/* A schedule recorded for another program or configuration is refused. */
	o.replay_lenient = false;
	o.schedule = r.schedule;
	cfg.mem = PCSIM_MEM_TSO;
	assert_int_equal(pcsim_explore(micro, &cfg, &o, &r2), -22);
	assert_non_null(strstr(r2.message, "recorded with config"));
	pcsim_report_free(&r2);
	pcsim_report_free(&r);
}

static void expect_parse_error(const char *text, const char *msg)
{
	const struct pcsim_program *micro = builtin("micro-lost-wakeup");
	struct pcsim_config cfg = cfg_sim();
	struct pcsim_explore_opts o;
	struct pcsim_report r;
	pcsim_explore_opts_init(&o);
	o.strategy = PCSIM_STRATEGY_REPLAY;
	o.schedule = text;
	assert_int_equal(pcsim_explore(micro, &cfg, &o, &r), -22);
	assert_non_null(r.message);
	if (!strstr(r.message, msg))
		fprintf(stderr, "got: %s\nwant: %s\n", r.message, msg);
	assert_non_null(strstr(r.message, msg));
	pcsim_report_free(&r);
}

static void test_schedule_parse_errors(void **state)
{
	(void)state;
	expect_parse_error("", "empty schedule");
	expect_parse_error("hello\n", "schedule:1:1: not a schedule file");
	expect_parse_error("pcsim-schedule 2\n", "schedule:1:1: unsupported schedule version");
	expect_parse_error("pcsim-schedule 1\nprogram micro\nbogus line\n",
			   "schedule:3:1: unknown header line");
	expect_parse_error("pcsim-schedule 1\nchoices 1\nrun X1\nend\n",
			   "schedule:3:1: unknown choice");
	expect_parse_error("pcsim-schedule 1\nchoices 1\n  run T1 junk\nend\n",
			   "schedule:3:9: unexpected text after the choice");
	expect_parse_error("pcsim-schedule 1\nchoices 2\nrun T1\nend\n",
			   "'choices 2' declared but 1 choice lines found");
	expect_parse_error("pcsim-schedule 1\nchoices 1\nrun T1\n", "missing 'end'");
	expect_parse_error("pcsim-schedule 1\nchoices 0\nend\nrun T1\n",
			   "schedule:4:1: text after 'end'");
	expect_parse_error("pcsim-schedule 1\nchoices 1\ndata eio\nend\n",
			   "schedule:3:6: expected 'data <kind> <value>'");
}

/* ---- invariants ---------------------------------------------------------------------------- */
static _Thread_local unsigned inv_calls;
static _Thread_local pcsim_int *inv_x;

static int inv_small(struct pcsim_world *w, void *arg)
{
	(void)w;
	(void)arg;
	inv_calls++;
	if (PCSIM_SETUP_GET(*inv_x) > 2) {
		pcsim_fail("x-small", "x grew to %d", PCSIM_SETUP_GET(*inv_x));
		return 1;
	}
	return 0;
}

static void incr3(void *arg)
{
	pcsim_int *x = arg;
	for (int i = 0; i < 3; i++)
		WRITE_ONCE(*x, READ_ONCE(*x) + 1);
}

static void inv_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	inv_x = pcsim_alloc(w, sizeof(*inv_x));
	assert_int_equal(pcsim_invariant_register(w, "x-small", inv_small, NULL), 0);
	pcsim_task_create(w, "incr", incr3, inv_x, 0);
}

static const struct pcsim_program inv = { "invariant", inv_setup, NULL, NULL };

static void test_invariant_checked_every_step(void **state)
{
	(void)state;
	struct pcsim_config cfg = cfg_sim();
	struct pcsim_report r;
	inv_calls = 0;
	assert_int_equal(run(&inv, &cfg, PCSIM_STRATEGY_PCT, 1, 1, &r), 1);
	assert_string_equal(r.what, "x-small");
	/* The violation is caught right after step 6 (the third store), not at the end. */
	assert_int_equal(r.step, 6);
	assert_true(inv_calls >= 6);
	pcsim_report_free(&r);
	/* With invariant checks off the hook is not called. */
	cfg.checks &= ~PCSIM_CHECK_INVARIANTS;
	inv_calls = 0;
	assert_int_equal(run(&inv, &cfg, PCSIM_STRATEGY_PCT, 1, 0, &r), 0);
	assert_int_equal(inv_calls, 0);
	pcsim_report_free(&r);
}

/*
 * pcsim_state_invariant_register() (docs/explore.md, "What a replayed prefix skips"): DFS checks
 * a state invariant only from the state its changed decision is taken in on, an every-step one
 * at every state; both see the same violation at the same execution and step, and with
 * PCSIM_DFS_CHECK_ALL=1 the state invariant is called at every state too. Two tasks each add
 * to x three times (lost updates included); the state invariant fails when y, which a third
 * task sets in its only step, goes from 0 to 1 while x is 5: a step that only some
 * interleavings take (the default order runs the tasks one after the other), late in their
 * executions. The invariant keeps y from one call to the next, as W1 keeps a signature, and
 * the step that sets y is the first new step of the execution whose changed decision runs
 * it: the first state that execution checks must be the one the decision is taken in, the
 * state before that step (checking from the state after it misses the violation there).
 * DPOR, which skips the same checks before the step it resumes recording at, runs the same
 * case with adders that read y (so that y's store is such a step): the same both ways, and
 * checking from one state late finds the violation in a later execution.
 */
static pcsim_int *st_x, *st_y;
static uint64_t st_calls, every_calls;
static bool st_fail;
static int st_prev;	/* y at the last call: seeded by the first call of an execution */

static int inv_state(struct pcsim_world *w, void *arg)
{
	(void)w;
	(void)arg;
	st_calls++;
	int y = PCSIM_SETUP_GET(*st_y), prev = st_prev;
	st_prev = y;
	if (st_fail && prev == 0 && y == 1 && PCSIM_SETUP_GET(*st_x) == 5) {
		pcsim_fail("x5-y1", "y was set while x was 5");
		return 1;
	}
	return 0;
}

static int inv_every(struct pcsim_world *w, void *arg)
{
	(void)w;
	(void)arg;
	every_calls++;
	return 0;
}

static void set_y(void *arg)
{
	WRITE_ONCE(*(pcsim_int *)arg, 1);
}

/* DPOR's version: the adders read y before each add, so y's store does not commute with them
 * and DPOR reverses the store against those reads: the store is then the first step an
 * execution records anew (a lone store to y would be one trace wherever it goes). */
static void incr3_read_y(void *arg)
{
	pcsim_int *x = arg;
	for (int i = 0; i < 3; i++) {
		(void)READ_ONCE(*st_y);
		WRITE_ONCE(*x, READ_ONCE(*x) + 1);
	}
}

static bool st_dpor;

static void st_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	st_x = pcsim_alloc(w, sizeof(*st_x));
	st_y = pcsim_alloc(w, sizeof(*st_y));
	st_prev = -1;
	assert_int_equal(pcsim_state_invariant_register(w, "x5-y1", inv_state, NULL), 0);
	assert_int_equal(pcsim_invariant_register(w, "every", inv_every, NULL), 0);
	pcsim_task_create(w, "a", st_dpor ? incr3_read_y : incr3, st_x, 0);
	pcsim_task_create(w, "b", st_dpor ? incr3_read_y : incr3, st_x, 0);
	pcsim_task_create(w, "y", set_y, st_y, 0);
}

static const struct pcsim_program st_prog = { "state-invariant", st_setup, NULL, NULL };

static int st_run(bool check_all, bool fail, struct pcsim_report *r)
{
	struct pcsim_config cfg = cfg_sim();
	struct pcsim_explore_opts o;
	pcsim_explore_opts_init(&o);
	o.strategy = st_dpor ? PCSIM_STRATEGY_DPOR : PCSIM_STRATEGY_DFS;
	o.preemption_bound = 2;
	o.shrink = false;
	st_calls = every_calls = 0;
	st_fail = fail;
	if (check_all)
		setenv("PCSIM_DFS_CHECK_ALL", "1", 1);
	int ret = pt_explore(&st_prog, &cfg, &o, fail ? 1 : 0, r);
	unsetenv("PCSIM_DFS_CHECK_ALL");
	return ret;
}

/* One strategy's case (st_dpor): DFS, or DPOR, which skips the same checks before the step it
 * resumes recording at. */
static void st_case(void)
{
	struct pcsim_report a, b;
	/* No violation: the whole tree, both ways. */
	assert_int_equal(st_run(false, false, &a), 0);
	uint64_t st_skip = st_calls, every_skip = every_calls;
	assert_int_equal(st_run(true, false, &b), 0);
	uint64_t st_all = st_calls, every_all = every_calls;
	assert_true(a.exhausted && b.exhausted);
	assert_true(a.executions > 100);
	assert_int_equal(a.executions, b.executions);
	assert_int_equal(a.steps, b.steps);
	assert_int_equal(a.trace_hash, b.trace_hash);
	/* the every-step invariant: at every state of every execution, both ways */
	assert_int_equal(every_skip, every_all);
	assert_true(every_all >= a.steps);
	/* the state invariant: at every state with PCSIM_DFS_CHECK_ALL, at about half without
	 * (these executions are short: their prefixes are too) */
	assert_int_equal(st_all, every_all);
	assert_true(st_skip * 4 < st_all * 3);
	printf("    state invariant: %llu calls of %llu (%llu executions)\n",
	       (unsigned long long)st_skip, (unsigned long long)st_all,
	       (unsigned long long)a.executions);
	pcsim_report_free(&a);
	pcsim_report_free(&b);
	/* A violation: found at the same execution and step both ways, confirmed. */
	assert_int_equal(st_run(false, true, &a), 1);
	assert_int_equal(st_run(true, true, &b), 1);
	assert_string_equal(a.what, "x5-y1");
	assert_string_equal(b.what, "x5-y1");
	assert_true(a.failing_execution > 1);
	assert_int_equal(a.failing_execution, b.failing_execution);
	assert_int_equal(a.step, b.step);
	assert_int_equal(a.trace_hash, b.trace_hash);
	assert_true(a.confirmed && b.confirmed);
	pcsim_report_free(&a);
	pcsim_report_free(&b);
}

static void test_state_invariant_skips_replayed_prefix(void **state)
{
	(void)state;
	for (int dp = 0; dp < 2; dp++) {
		st_dpor = dp;
		st_case();
	}
	st_dpor = false;
	/* API misuse */
	assert_int_equal(pcsim_state_invariant_register(NULL, "x", inv_state, NULL), -EINVAL);
}

/* ---- spurious wakeups and data choices ----------------------------------------------------- */
struct spur {
	pcsim_int flag, x;
	struct task_struct *sleeper;
};

static void naive_sleeper(void *arg)
{
	struct spur *s = arg;
	set_current_state(TASK_UNINTERRUPTIBLE);
	if (!READ_ONCE(s->flag))
		schedule();	/* no loop: a spurious wakeup returns early */
	__set_current_state(TASK_RUNNING);
	PCSIM_CHECK(READ_ONCE(s->flag), "woke-without-condition", "returned with flag clear");
}

static void busy_waker(void *arg)
{
	struct spur *s = arg;
	for (int i = 0; i < 3; i++)
		WRITE_ONCE(s->x, i);
	WRITE_ONCE(s->flag, 1);
	wake_up_process(s->sleeper);
}

static void spur_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	struct spur *s = pcsim_alloc(w, sizeof(*s));
	s->sleeper = pcsim_task_create(w, "sleeper", naive_sleeper, s, 0);
	pcsim_task_create(w, "waker", busy_waker, s, 1);
}

static const struct pcsim_program spur = { "spurious", spur_setup, NULL, NULL };

static void test_spurious_wakeups_are_choices(void **state)
{
	(void)state;
	struct pcsim_config cfg = cfg_sim();
	struct pcsim_report r;
	/* Without spurious wakeups the pattern is correct. */
	assert_int_equal(run(&spur, &cfg, PCSIM_STRATEGY_DFS, 0, 0, &r), 0);
	assert_true(r.exhausted);
	pcsim_report_free(&r);
	/* With them, DFS takes the spurious wakeup and the missing re-check is exposed. */
	cfg.max_spurious = 1;
	assert_int_equal(run(&spur, &cfg, PCSIM_STRATEGY_DFS, 0, 1, &r), 1);
	assert_string_equal(r.what, "woke-without-condition");
	assert_non_null(strstr(r.schedule, "spurious T1"));
	pcsim_report_free(&r);
}

static _Thread_local unsigned seen_mask;

static void chooser(void *arg)
{
	(void)arg;
	uint64_t v = pcsim_choose("latency", 4);
	seen_mask |= 1u << v;
}

static void choose_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	pcsim_task_create(w, "chooser", chooser, NULL, 0);
}

static const struct pcsim_program choose = { "choose", choose_setup, NULL, NULL };

static void test_data_choices_enumerated(void **state)
{
	(void)state;
	struct pcsim_config cfg = cfg_sim();
	struct pcsim_report r;
	seen_mask = 0;
	assert_int_equal(run(&choose, &cfg, PCSIM_STRATEGY_DFS, 0, 0, &r), 0);
	assert_int_equal(r.executions, 4);
	assert_int_equal(seen_mask, 0xf);
	pcsim_report_free(&r);
}

/* ---- pcsim_forbid_access: only the forbidding context, only until it allows again ---------- */
static pcsim_int fobj;
static int fmode;	/* 0: touch after allow; 1: another task touches; 2: the owner touches */

static void forbidder(void *arg)
{
	(void)arg;
	pcsim_forbid_access(&fobj, sizeof(fobj), "no-touch");
	if (fmode == 2)
		(void)READ_ONCE(fobj);
	pcsim_allow_access(&fobj);
	WRITE_ONCE(fobj, 1);
}

static void other_toucher(void *arg)
{
	(void)arg;
	WRITE_ONCE(fobj, 2);
}

static void forbid_setup(struct pcsim_world *w, void *arg)
{
	fmode = (int)(uintptr_t)arg;
	PCSIM_SETUP_SET(fobj, 0);
	pcsim_task_create(w, "owner", forbidder, NULL, 0);
	if (fmode == 1)
		pcsim_task_create(w, "other", other_toucher, NULL, 1);
}

static void test_forbid_access(void **state)
{
	(void)state;
	struct pcsim_config cfg = cfg_sim();
	struct pcsim_report r;
	for (uintptr_t mode = 0; mode < 3; mode++) {
		struct pcsim_program p = { "forbid", forbid_setup, NULL, (void *)mode };
		int expect = mode == 2;
		if (pt_backend != PCSIM_BACKEND_SIM)
			expect = 0;	/* a no-op on threads */
		assert_int_equal(run(&p, &cfg, pt_backend == PCSIM_BACKEND_SIM ? PCSIM_STRATEGY_DFS
									  : PCSIM_STRATEGY_RANDOM,
				     pt_backend == PCSIM_BACKEND_SIM ? 0 : 20, expect, &r),
				 expect);
		if (expect) {
			assert_string_equal(r.what, "no-touch");
			assert_non_null(strstr(r.message, "owner"));
		}
		pcsim_report_free(&r);
	}
}

/* ---- stores into a dead stack frame (docs/engine.md §7.2) ------------------------------------
 * The owner publishes the address of an object on its stack, then leaves the frame; the writer
 * stores through the published pointer. Unlocked (mode 0) the store may land after the frame
 * returned: the violation stack-use-after-return, under sc at the store and under tso when the
 * store leaves the buffer. Under a lock that the owner takes to withdraw the pointer (mode 1)
 * every store lands in the live frame, and the owner's own stores to its frame never count. */
struct dead_frame {
	pcsim_ptr slot;
	spinlock_t lock;
	int locked;
};

static __attribute__((noinline)) void dead_frame_publish(struct dead_frame *d)
{
	pcsim_int local;
	WRITE_ONCE(local, 0);	/* the owner's own frame: never a violation */
	if (d->locked)
		spin_lock(&d->lock);
	WRITE_ONCE(d->slot, (void *)&local);
	if (d->locked) {
		spin_unlock(&d->lock);
		spin_lock(&d->lock);
		WRITE_ONCE(d->slot, NULL);
		spin_unlock(&d->lock);
	}
	(void)READ_ONCE(local);
}

static void dead_frame_owner(void *arg)
{
	dead_frame_publish(arg);
	pcsim_int after[64];	/* a deeper frame over the dead one's place */
	WRITE_ONCE(after[0], 7);
	(void)READ_ONCE(after[0]);
}

static void dead_frame_writer(void *arg)
{
	struct dead_frame *d = arg;
	if (d->locked)
		spin_lock(&d->lock);
	pcsim_int *p = READ_ONCE(d->slot);
	if (p)
		WRITE_ONCE(*p, 1);
	if (d->locked)
		spin_unlock(&d->lock);
}

static void dead_frame_setup(struct pcsim_world *w, void *arg)
{
	struct dead_frame *d = pcsim_alloc(w, sizeof(*d));
	d->locked = (int)(uintptr_t)arg;
	pcsim_spin_lock_init(&d->lock, "slot_lock");
	pcsim_task_create(w, "owner", dead_frame_owner, d, 0);
	pcsim_task_create(w, "writer", dead_frame_writer, d, 1);
}

static void test_store_into_dead_frame(void **state)
{
	(void)state;
	if (pt_backend != PCSIM_BACKEND_SIM)
		skip();		/* fibers only: threads have their own stacks */
	for (int mem = 0; mem < 2; mem++) {
		for (uintptr_t locked = 0; locked < 2; locked++) {
			struct pcsim_config cfg = cfg_sim();
			cfg.mem = mem ? PCSIM_MEM_TSO : PCSIM_MEM_SC;
			struct pcsim_program p = { "dead-frame", dead_frame_setup, NULL,
						   (void *)locked };
			struct pcsim_report r;
			int expect = !locked;
			assert_int_equal(run(&p, &cfg, PCSIM_STRATEGY_DFS, 0, expect, &r), expect);
			if (expect) {
				assert_int_equal(r.outcome, PCSIM_OUTCOME_VIOLATION);
				assert_string_equal(r.what, "stack-use-after-return");
				assert_non_null(strstr(r.message, "owner"));
			} else {
				assert_true(r.exhausted);
			}
			pcsim_report_free(&r);
		}
	}
}

int main(int argc, char **argv)
{
	pt_init(argc, argv);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forbid_access),
		cmocka_unit_test(test_store_into_dead_frame),
		cmocka_unit_test(test_abba_lockdep),
		cmocka_unit_test(test_abba_deadlock_without_lockdep),
		cmocka_unit_test(test_scheduling_while_atomic),
		cmocka_unit_test(test_might_sleep_with_irqs_off),
		cmocka_unit_test(test_sleep_in_irq),
		cmocka_unit_test(test_irq_held_off_by_irqsave),
		cmocka_unit_test(test_irq_safety_lockdep),
		cmocka_unit_test(test_irq_self_deadlock),
		cmocka_unit_test(test_livelock_budget),
		cmocka_unit_test(test_fair_spin_terminates),
		cmocka_unit_test(test_uninitialised_spinlock),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_replay_reproduces_and_diverges),
		cmocka_unit_test(test_schedule_parse_errors),
		cmocka_unit_test(test_invariant_checked_every_step),
		cmocka_unit_test(test_state_invariant_skips_replayed_prefix),
		cmocka_unit_test(test_spurious_wakeups_are_choices),
		cmocka_unit_test(test_data_choices_enumerated),
	};
	return cmocka_run_group_tests_name("checks", tests, NULL, NULL);
}
