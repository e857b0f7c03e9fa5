// SPDX-License-Identifier: MIT
/*
 * Description: the interrupt-context rules of the engine: spin_lock_irqsave() restores the
 * previous interrupt state (nested and from an irq handler), and event handlers (hardirq and
 * softirq) run in atomic context on their CPU and may wake tasks.
 *
 * Kernel reference (5.10): include/linux/irqflags.h local_irq_save()/restore(),
 * include/linux/spinlock.h spin_lock_irqsave(), include/linux/preempt.h in_interrupt(),
 * in_atomic(), kernel/softirq.c.
 *
 * Part of the engine's conformance suite (see tests/support/pcsim_rules.h for how a rule program
 * runs on each backend); CTest runs this program as rules_irq_sim and rules_irq_threads
 * (`--backend threads`).
 */
#include <stdio.h>

#include "pcsim_rules.h"

#include <pcsim/kernel/compiler.h>
#include <pcsim/kernel/sched.h>
#include <pcsim/kernel/spinlock.h>

/* spin_lock_irqsave() restores the previous interrupt state, nested and from irq context. */
struct irqsave_st {
	spinlock_t a, b;
	pcsim_int done;
};

#define EXPECT_IRQS(off, where)                                                          \
	PCSIM_CHECK(irqs_disabled() == (off), "irqsave", "%s: interrupts should be %s", \
		    (where), (off) ? "off" : "on")

static void irqsave_task(void *arg)
{
	struct irqsave_st *s = arg;
	unsigned long f1, f2, f3;
	EXPECT_IRQS(false, "task start");
	spin_lock_irqsave(&s->a, f1);
	EXPECT_IRQS(true, "after irqsave(a)");
	PCSIM_CHECK(in_atomic(), "irqsave", "holding a spinlock is atomic");
	spin_lock_irqsave(&s->b, f2);
	EXPECT_IRQS(true, "after irqsave(b)");
	spin_unlock_irqrestore(&s->b, f2);
	EXPECT_IRQS(true, "after irqrestore(b): a still held with irqs saved off");
	spin_unlock_irqrestore(&s->a, f1);
	EXPECT_IRQS(false, "after irqrestore(a)");
	PCSIM_CHECK(!in_atomic(), "irqsave", "atomic after unlocking everything");
	/* Interrupts already off: irqsave/irqrestore keep them off. */
	local_irq_save(f3);
	EXPECT_IRQS(true, "after local_irq_save");
	spin_lock_irqsave(&s->a, f1);
	spin_unlock_irqrestore(&s->a, f1);
	EXPECT_IRQS(true, "irqrestore inside local_irq_save");
	local_irq_restore(f3);
	EXPECT_IRQS(false, "after local_irq_restore");
	/* spin_lock_irq / spin_unlock_irq. */
	spin_lock_irq(&s->b);
	EXPECT_IRQS(true, "after spin_lock_irq");
	spin_unlock_irq(&s->b);
	EXPECT_IRQS(false, "after spin_unlock_irq");
	(void)pcsim_rmw(&s->done, PCSIM_RMW_ADD, 1, PCSIM_MO_FULL);
}

static void irqsave_event(void *arg)
{
	struct irqsave_st *s = arg;
	unsigned long f;
	EXPECT_IRQS(true, "irq handler");
	spin_lock_irqsave(&s->b, f);
	EXPECT_IRQS(true, "irqsave in irq handler");
	spin_unlock_irqrestore(&s->b, f);
	EXPECT_IRQS(true, "irqrestore in irq handler");
	(void)pcsim_rmw(&s->done, PCSIM_RMW_ADD, 1, PCSIM_MO_FULL);
}

static void irqsave_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	struct irqsave_st *s = pcsim_alloc(w, sizeof(*s));
	g_state = s;
	spin_lock_init(&s->a);
	spin_lock_init(&s->b);
	pcsim_task_create(w, "t", irqsave_task, s, 0);
	struct pcsim_event_desc d = { "irq", PCSIM_CTX_HARDIRQ, 1, 0, irqsave_event, s };
	assert_true(pcsim_event_post(w, &d) > 0);
}

static void irqsave_finish(struct pcsim_world *w, void *arg)
{
	(void)w;
	(void)arg;
	struct irqsave_st *s = g_state;
	g_finished++;
	if (PCSIM_SETUP_GET(s->done) != 2)
		pcsim_fail("irqsave", "done is %d", PCSIM_SETUP_GET(s->done));
}

static const struct pcsim_program irqsave_prog = { "rules-spin-irqsave", irqsave_setup,
						   irqsave_finish, NULL };

static void test_spin_irqsave_restores(void **state)
{
	(void)state;
	run_ok(&irqsave_prog, (struct plan){ .dfs = true, .thr_execs = 500 });
}

/* ---------------------------------------------------------------------------------------------
 * Events: handlers run in atomic context and may wake tasks.
 */
#define NEV 4

struct ev_st {
	struct task_struct *waiter;
	pcsim_int count;
	pcsim_int seen[NEV];
	pcsim_int ctx_bad;
};

struct ev_arg {
	struct ev_st *s;
	int idx;
	int cpu;
};

static void ev_handler(void *arg)
{
	struct ev_arg *a = arg;
	struct ev_st *s = a->s;
	if (!pcsim_in_interrupt() || !irqs_disabled() || current != NULL || !in_atomic() ||
	    (a->cpu >= 0 && smp_processor_id() != (unsigned)a->cpu))
		WRITE_ONCE(s->ctx_bad, 1);
	WRITE_ONCE(s->seen[a->idx], READ_ONCE(s->seen[a->idx]) + 1);
	(void)pcsim_rmw(&s->count, PCSIM_RMW_ADD, 1, PCSIM_MO_FULL);
	wake_up_process(s->waiter);
}

static void ev_post(struct pcsim_world *w, struct ev_st *s, int idx, int cpu, uint64_t delay)
{
	struct ev_arg *a = pcsim_alloc(w, sizeof(*a));
	a->s = s;
	a->idx = idx;
	a->cpu = cpu;
	struct pcsim_event_desc d = { "completion", idx % 2 ? PCSIM_CTX_SOFTIRQ : PCSIM_CTX_HARDIRQ,
				      cpu, delay, ev_handler, a };
	int id = pcsim_event_post(w, &d);
	PCSIM_CHECK(id > 0, "event", "pcsim_event_post returned %d", id);
}

static void ev_waiter(void *arg)
{
	struct ev_st *s = arg;
	struct pcsim_world *w = pcsim_world_current();
	/* Two more events from task context, then wait for all four. */
	ev_post(w, s, 2, 0, 0);
	ev_post(w, s, 3, -1, 5000);
	for (;;) {
		set_current_state(TASK_UNINTERRUPTIBLE);
		if (READ_ONCE(s->count) == NEV)
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);
}

static void ev_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	struct ev_st *s = pcsim_alloc(w, sizeof(*s));
	g_state = s;
	pcsim_obj_name(&s->count, "count");
	s->waiter = pcsim_task_create(w, "waiter", ev_waiter, s, 0);
	ev_post(w, s, 0, 0, 0);
	ev_post(w, s, 1, 1, 2000);
}

static void ev_finish(struct pcsim_world *w, void *arg)
{
	(void)w;
	(void)arg;
	struct ev_st *s = g_state;
	g_finished++;
	if (PCSIM_SETUP_GET(s->ctx_bad))
		pcsim_fail("event-context", "a handler did not run in atomic context on its CPU");
	for (int i = 0; i < NEV; i++)
		if (PCSIM_SETUP_GET(s->seen[i]) != 1)
			pcsim_fail("event", "event %d ran %d times", i, PCSIM_SETUP_GET(s->seen[i]));
}

static const struct pcsim_program ev_prog = { "rules-events", ev_setup, ev_finish, NULL };

static void test_events_atomic_context(void **state)
{
	(void)state;
	run_ok(&ev_prog, (struct plan){ .sim_execs = 1000, .thr_execs = 1000 });
}

int main(int argc, char **argv)
{
	pt_init(argc, argv);
	printf("backend: %s\n", SIM ? "sim" : "threads");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spin_irqsave_restores),
		cmocka_unit_test(test_events_atomic_context),
	};
	return cmocka_run_group_tests_name(SIM ? "rules_irq_sim" : "rules_irq_threads",
					   tests, NULL, NULL);
}
