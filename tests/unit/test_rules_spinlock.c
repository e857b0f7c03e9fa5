// SPDX-License-Identifier: MIT
/*
 * Description: the spinlock rules of the engine: mutual exclusion (tasks, and tasks against
 * interrupt handlers with spin_lock_irqsave()), a mutant without the lock that the search must
 * catch, and unlocking a lock the caller does not hold being reported.
 *
 * Kernel reference (5.10): include/linux/spinlock.h, kernel/locking/spinlock.c,
 * kernel/locking/spinlock_debug.c (the owner check of spin_unlock()).
 *
 * Part of the engine's conformance suite (see tests/support/pcsim_rules.h for how a rule program
 * runs on each backend); CTest runs this program as rules_spinlock_sim and rules_spinlock_threads
 * (`--backend threads`).
 */
#include <stdio.h>
#include <string.h>

#include "pcsim_rules.h"

#include <pcsim/kernel/compiler.h>
#include <pcsim/kernel/sched.h>
#include <pcsim/kernel/spinlock.h>

/* ---------------------------------------------------------------------------------------------
 * Spinlocks
 */
enum spin_mode {
	SPIN_PLAIN,	/* two tasks, spin_lock() */
	SPIN_IRQ,	/* two tasks with spin_lock_irqsave(), handlers with spin_lock() */
	SPIN_NOLOCK,	/* mutant: no lock at all */
};

struct spin_cfg {
	enum spin_mode mode;
	int sim_iters, thr_iters;
};

struct spin_st {
	spinlock_t lock;
	pcsim_int counter;	/* updated non-atomically (load; store) under the lock */
	const struct spin_cfg *c;
	int iters;
	int nevents;
};

static void spin_inc(struct spin_st *s)
{
	int v = READ_ONCE(s->counter);
	WRITE_ONCE(s->counter, v + 1);
}

static void spin_task(void *arg)
{
	struct spin_st *s = arg;
	for (int i = 0; i < s->iters; i++) {
		unsigned long flags;
		switch (s->c->mode) {
		case SPIN_NOLOCK:
			spin_inc(s);
			break;
		case SPIN_PLAIN:
			spin_lock(&s->lock);
			PCSIM_CHECK(spin_is_locked(&s->lock), "spinlock", "held lock reads unlocked");
			spin_inc(s);
			spin_unlock(&s->lock);
			break;
		case SPIN_IRQ:
			/* The event handler takes the same lock: interrupts off while holding it. */
			spin_lock_irqsave(&s->lock, flags);
			spin_inc(s);
			spin_unlock_irqrestore(&s->lock, flags);
			break;
		}
	}
}

static void spin_event(void *arg)
{
	struct spin_st *s = arg;
	spin_lock(&s->lock);
	spin_inc(s);
	spin_unlock(&s->lock);
}

static void spin_setup(struct pcsim_world *w, void *arg)
{
	struct spin_st *s = pcsim_alloc(w, sizeof(*s));
	g_state = s;
	s->c = arg;
	s->iters = SIM ? s->c->sim_iters : s->c->thr_iters;
	s->nevents = s->c->mode != SPIN_IRQ ? 0 : SIM ? 1 : 2;
	spin_lock_init(&s->lock);
	pcsim_obj_name(&s->counter, "counter");
	pcsim_task_create(w, "inc0", spin_task, s, 0);
	pcsim_task_create(w, "inc1", spin_task, s, 1);
	for (int i = 0; i < s->nevents; i++) {
		struct pcsim_event_desc d = { "inc irq", PCSIM_CTX_HARDIRQ, i % 2,
					      (uint64_t)i * 1000, spin_event, s };
		assert_true(pcsim_event_post(w, &d) > 0);
	}
}

static void spin_finish(struct pcsim_world *w, void *arg)
{
	(void)w;
	(void)arg;
	struct spin_st *s = g_state;
	g_finished++;
	int want = 2 * s->iters + s->nevents;
	if (PCSIM_SETUP_GET(s->counter) != want)
		pcsim_fail("spinlock-mutex", "counter is %d, expected %d: lost updates",
			   PCSIM_SETUP_GET(s->counter), want);
	if (PCSIM_SETUP_GET(s->lock.locked))
		pcsim_fail("spinlock", "lock left held");
}

static const struct spin_cfg spin_plain_small = { SPIN_PLAIN, 2, 2000 };
static const struct spin_cfg spin_plain_many = { SPIN_PLAIN, 10, 0 };
static const struct spin_cfg spin_irq = { SPIN_IRQ, 2, 2000 };
static const struct spin_cfg spin_nolock = { SPIN_NOLOCK, 2, 0 };
static const struct pcsim_program spin_prog = { "rules-spinlock-mutex", spin_setup, spin_finish,
						(void *)&spin_plain_small };
static const struct pcsim_program spin_many_prog = { "rules-spinlock-mutex-many", spin_setup,
						     spin_finish, (void *)&spin_plain_many };
static const struct pcsim_program spin_irq_prog = { "rules-spinlock-mutex-irq", spin_setup,
						    spin_finish, (void *)&spin_irq };
static const struct pcsim_program spin_mutant = { "rules-spinlock-mutant-nolock", spin_setup,
						  spin_finish, (void *)&spin_nolock };

static void test_spinlock_mutual_exclusion(void **state)
{
	(void)state;
	run_ok(&spin_prog, (struct plan){ .dfs = true, .thr_execs = 200 });
	run_ok(&spin_irq_prog, (struct plan){ .dfs = true, .thr_execs = 200 });
	if (SIM) {
		/* Many iterations: too many for DFS, PCT samples them. */
		run_ok(&spin_many_prog, (struct plan){ .sim_execs = 500 });
		run_expect_fail(&spin_mutant, (struct plan){ .dfs = true }, "spinlock-mutex");
	}
}

/* Unlocking a lock the caller does not hold is reported. */
struct unheld_st {
	spinlock_t lock;
	bool other_holds;
	pcsim_int held;
};

static void unheld_holder(void *arg)
{
	struct unheld_st *s = arg;
	spin_lock(&s->lock);
	WRITE_ONCE(s->held, 1);
	WAIT_UNTIL(READ_ONCE(s->held) == 2);
	spin_unlock(&s->lock);
}

static void unheld_task(void *arg)
{
	struct unheld_st *s = arg;
	if (s->other_holds)
		WAIT_UNTIL(READ_ONCE(s->held) == 1);
	spin_unlock(&s->lock);	/* not ours */
	if (s->other_holds)
		WRITE_ONCE(s->held, 2);
}

static void unheld_setup(struct pcsim_world *w, void *arg)
{
	struct unheld_st *s = pcsim_alloc(w, sizeof(*s));
	s->other_holds = arg != NULL;
	spin_lock_init(&s->lock);
	pcsim_task_create(w, "unlocker", unheld_task, s, 0);
	if (s->other_holds)
		pcsim_task_create(w, "holder", unheld_holder, s, 1);
}

static const struct pcsim_program unheld_prog = { "rules-spin-unlock-unheld", unheld_setup, NULL,
						  NULL };
static const struct pcsim_program unheld_other_prog = { "rules-spin-unlock-other-holds",
							unheld_setup, NULL, (void *)1 };

static void test_spin_unlock_unheld(void **state)
{
	(void)state;
	const struct pcsim_program *progs[] = { &unheld_prog, &unheld_other_prog };
	for (int i = 0; i < 2; i++) {
		struct pcsim_config cfg = test_config();
		struct pcsim_explore_opts o;
		struct pcsim_report r;
		pcsim_explore_opts_init(&o);
		o.strategy = SIM ? PCSIM_STRATEGY_DFS : PCSIM_STRATEGY_RANDOM;
		o.max_executions = SIM ? 0 : 50;
		o.stop_on_violation = false;
		int ret = pt_explore(progs[i], &cfg, &o, 1, &r);
		printf("    %-34s %-7s %6llu executions, first report: %s\n", progs[i]->name,
		       SIM ? "sim" : "threads", (unsigned long long)r.executions, r.what);
		assert_int_equal(ret, 1);
		assert_int_equal(r.outcome, PCSIM_OUTCOME_VIOLATION);
		assert_string_equal(r.what, "spin-unlock-unheld");
		assert_non_null(strstr(r.message, "does not hold it"));
		assert_int_equal(r.failing_execution, 1);
		pcsim_report_free(&r);
	}
}

int main(int argc, char **argv)
{
	pt_init(argc, argv);
	printf("backend: %s\n", SIM ? "sim" : "threads");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spinlock_mutual_exclusion),
		cmocka_unit_test(test_spin_unlock_unheld),
	};
	return cmocka_run_group_tests_name(SIM ? "rules_spinlock_sim" : "rules_spinlock_threads",
					   tests, NULL, NULL);
}
