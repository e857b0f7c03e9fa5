// SPDX-License-Identifier: MIT
/*
 * Description: a bounded stress run of the threads backend, meant for ThreadSanitizer (the
 * tsan preset) but run by every preset. Four tasks on two virtual CPUs mix everything the
 * engine offers model code:
 *   - spinlock-protected updates of *plain* (unwrapped) data, from tasks with
 *     spin_lock_irqsave() and from event handlers with spin_lock(): TSan checks that the lock
 *     orders them;
 *   - a sleep/wake handshake in the correct pattern (set_current_state; test; schedule), passing
 *     plain data under smp_store_release()/smp_load_acquire();
 *   - task_work ping-pong between two tasks waiting in pcsim_task_work_wait(), each work
 *     carrying plain data that the queueing publishes;
 *   - events posted to both CPUs, with delay_ns 0 and small delays, whose handlers take the
 *     lock and wake a task that also sleeps for the handshake (so it sees foreign wakeups);
 *   - RCU readers (plain reads of malloc'd objects found through rcu_dereference) against an
 *     updater that replaces the object and frees the old one with call_rcu(); the callback
 *     poisons and free()s it, so a grace-period bug is a TSan report or a poison check.
 * Everything is checked at the end of each execution (finish callback) and by cmocka.
 * The run is bounded by time: PCSIM_STRESS_SECONDS (default 2) seconds of executions.
 *
 * Kernel reference: the same primitives as the conformance suite, test_rules_*.c (5.10).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pcsim_test.h"

#include <pcsim/kernel/barrier.h>
#include <pcsim/kernel/compiler.h>
#include <pcsim/kernel/rcupdate.h>
#include <pcsim/kernel/sched.h>
#include <pcsim/kernel/spinlock.h>
#include <pcsim/kernel/task_work.h>

#define ROUNDS 1500		/* handshake and ping-pong rounds per execution */
#define LOCK_ITERS 3000		/* locked updates per task per execution */
#define UPDATES 100		/* RCU updates per execution */
#define READS 4000		/* RCU read-side sections per reader */
#define NEV_TASK 100		/* events posted by the updater */
#define NEV_SETUP 2		/* events posted during setup */
#define NEV (NEV_TASK + NEV_SETUP)
#define MAGIC 0x5eed5eedu
#define POISON 0x6b6b6b6bu

struct obj {
	struct rcu_head rh;
	unsigned magic;		/* plain fields: TSan watches them */
	unsigned a, b;		/* a + b == MAGIC */
	struct stress *s;
};

struct msg {
	struct callback_head cb;
	struct stress *s;
	unsigned seq;		/* plain payload */
	unsigned check;		/* plain payload: seq * 3 + 1 */
};

struct stress {
	struct task_struct *t[4];
	spinlock_t lock;
	/* under lock: plain data */
	unsigned long locked_count;
	unsigned long locked_sum;
	/* the handshake: plain payload published by release/acquire on turn */
	pcsim_int turn;
	unsigned hs_payload, hs_reply;
	pcsim_int hs_bad;
	/* task_work ping-pong */
	struct msg ping[ROUNDS], pong[ROUNDS];
	pcsim_int pings_run, pongs_run, tw_bad;
	/* events */
	pcsim_int ev_done, ev_bad;
	/* RCU */
	pcsim_ptr gp;
	pcsim_int rcu_freed, rcu_bad, rcu_reads;
	pcsim_int done_tasks;
};

static struct stress *g_s;
static uint64_t g_finished;

static void locked_update(struct stress *s, unsigned long v)
{
	unsigned long flags;
	spin_lock_irqsave(&s->lock, flags);
	s->locked_count++;
	s->locked_sum += v;
	spin_unlock_irqrestore(&s->lock, flags);
}

/* ---- RCU */
static struct obj *obj_new(struct stress *s, unsigned gen)
{
	struct obj *o = malloc(sizeof(*o));
	if (!o)
		abort();
	o->magic = MAGIC;
	o->a = gen;
	o->b = MAGIC - gen;
	o->s = s;
	return o;
}

static void obj_free_cb(struct rcu_head *rh)
{
	struct obj *o = (struct obj *)((char *)rh - offsetof(struct obj, rh));
	struct stress *s = o->s;
	if (current != NULL || !in_interrupt())
		WRITE_ONCE(s->rcu_bad, 1);
	o->magic = POISON;
	o->a = o->b = POISON;
	free(o);
	(void)pcsim_rmw(&s->rcu_freed, PCSIM_RMW_ADD, 1, PCSIM_MO_FULL);
}

static void rcu_read_some(struct stress *s, int n)
{
	for (int i = 0; i < n; i++) {
		rcu_read_lock();
		struct obj *o = rcu_dereference(s->gp);
		unsigned m = o->magic, a = o->a, b = o->b;
		if (m != MAGIC || a + b != MAGIC)
			WRITE_ONCE(s->rcu_bad, 2);
		rcu_read_unlock();
	}
	(void)pcsim_rmw(&s->rcu_reads, PCSIM_RMW_ADD, (unsigned)n, PCSIM_MO_FULL);
}

/* ---- events */
static void ev_handler(void *arg)
{
	struct stress *s = arg;
	if (!in_interrupt() || !irqs_disabled() || current != NULL)
		WRITE_ONCE(s->ev_bad, 1);
	spin_lock(&s->lock);
	s->locked_count++;
	s->locked_sum += 1000;
	spin_unlock(&s->lock);
	/* A reader in atomic context, too. */
	rcu_read_lock();
	struct obj *o = rcu_dereference(s->gp);
	if (o->magic != MAGIC)
		WRITE_ONCE(s->rcu_bad, 3);
	rcu_read_unlock();
	(void)pcsim_rmw(&s->ev_done, PCSIM_RMW_ADD, 1, PCSIM_MO_FULL);
	wake_up_process(s->t[3]);
}

static void post_ev(struct pcsim_world *w, struct stress *s, int i)
{
	static const uint64_t delays[] = { 0, 0, 1000, 5000, 20000 };
	struct pcsim_event_desc d = { "stress irq", i % 3 ? PCSIM_CTX_HARDIRQ : PCSIM_CTX_SOFTIRQ,
				      i % 2, delays[i % 5], ev_handler, s };
	if (pcsim_event_post(w, &d) <= 0)
		WRITE_ONCE(s->ev_bad, 2);
}

/* ---- task_work ping-pong between t[0] and t[1] */
static void pong_fn(struct callback_head *cb)
{
	struct msg *m = (struct msg *)cb;
	struct stress *s = m->s;
	if (current != s->t[0] || m->check != m->seq * 3 + 1)
		WRITE_ONCE(s->tw_bad, 1);
	WRITE_ONCE(s->pongs_run, READ_ONCE(s->pongs_run) + 1);
}

static void ping_fn(struct callback_head *cb)
{
	struct msg *m = (struct msg *)cb;
	struct stress *s = m->s;
	if (current != s->t[1] || m->check != m->seq * 3 + 1)
		WRITE_ONCE(s->tw_bad, 2);
	WRITE_ONCE(s->pings_run, READ_ONCE(s->pings_run) + 1);
	struct msg *r = &s->pong[m->seq];
	r->s = s;
	r->seq = m->seq;
	r->check = m->seq * 3 + 1;
	init_task_work(&r->cb, pong_fn);
	if (task_work_add(s->t[0], &r->cb, TWA_SIGNAL) != 0)
		WRITE_ONCE(s->tw_bad, 3);
}

/* t[0]: pinger, RCU updater, event poster. */
static void task0(void *arg)
{
	struct stress *s = arg;
	struct pcsim_world *w = pcsim_world_current();
	int updates = 0, evs = 0;
	for (int r = 0; r < ROUNDS; r++) {
		locked_update(s, 1);
		struct msg *m = &s->ping[r];
		m->s = s;
		m->seq = (unsigned)r;
		m->check = (unsigned)r * 3 + 1;
		init_task_work(&m->cb, ping_fn);
		if (task_work_add(s->t[1], &m->cb, TWA_SIGNAL) != 0)
			WRITE_ONCE(s->tw_bad, 4);
		if (updates < UPDATES && r % 3 == 0) {
			struct obj *old = rcu_dereference(s->gp);
			rcu_assign_pointer(s->gp, obj_new(s, (unsigned)r + 1));
			call_rcu(&old->rh, obj_free_cb);
			updates++;
		}
		if (evs < NEV_TASK && r % 4 == 1)
			post_ev(w, s, evs++);
		while (READ_ONCE(s->pongs_run) < r + 1) {
			int n = pcsim_task_work_wait();
			if (n <= 0)
				WRITE_ONCE(s->tw_bad, 5);
		}
	}
	while (updates < UPDATES) {
		struct obj *old = rcu_dereference(s->gp);
		rcu_assign_pointer(s->gp, obj_new(s, 1000u + (unsigned)updates));
		if (updates % 2)
			synchronize_rcu();	/* a synchronous grace period now and then */
		call_rcu(&old->rh, obj_free_cb);
		updates++;
	}
	while (evs < NEV_TASK)
		post_ev(w, s, evs++);
	for (int i = 0; i < LOCK_ITERS - ROUNDS; i++)
		locked_update(s, 1);
	rcu_barrier();
	if (READ_ONCE(s->rcu_freed) != UPDATES)
		WRITE_ONCE(s->rcu_bad, 4);
	(void)pcsim_rmw(&s->done_tasks, PCSIM_RMW_ADD, 1, PCSIM_MO_FULL);
}

/* t[1]: ponger, RCU reader. */
static void task1(void *arg)
{
	struct stress *s = arg;
	int locked = 0, reads = 0;
	while (READ_ONCE(s->pings_run) < ROUNDS) {
		int n = pcsim_task_work_wait();
		if (n <= 0)
			WRITE_ONCE(s->tw_bad, 6);
		if (locked < LOCK_ITERS) {
			locked_update(s, 2);
			locked++;
		}
		if (reads < READS) {
			rcu_read_some(s, 1);
			reads++;
		}
	}
	for (; locked < LOCK_ITERS; locked++)
		locked_update(s, 2);
	rcu_read_some(s, READS - reads);
	(void)pcsim_rmw(&s->done_tasks, PCSIM_RMW_ADD, 1, PCSIM_MO_FULL);
}

/* Wait in the correct pattern until @turn reaches @want (acquire). */
static void wait_turn(struct stress *s, int want)
{
	for (;;) {
		set_current_state(TASK_UNINTERRUPTIBLE);
		if (smp_load_acquire(&s->turn) >= want)
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);
}

/* t[2]: handshake responder, RCU reader. */
static void task2(void *arg)
{
	struct stress *s = arg;
	for (int r = 0; r < ROUNDS; r++) {
		wait_turn(s, 2 * r + 1);
		if (s->hs_payload != (unsigned)r * 7)
			WRITE_ONCE(s->hs_bad, 1);
		s->hs_reply = (unsigned)r * 11;
		smp_store_release(&s->turn, 2 * r + 2);
		wake_up_process(s->t[3]);
		locked_update(s, 3);
		rcu_read_some(s, 2);
	}
	for (int i = ROUNDS; i < LOCK_ITERS; i++)
		locked_update(s, 3);
	rcu_read_some(s, READS - 2 * ROUNDS);
	(void)pcsim_rmw(&s->done_tasks, PCSIM_RMW_ADD, 1, PCSIM_MO_FULL);
}

/* t[3]: handshake initiator, woken by event handlers too. */
static void task3(void *arg)
{
	struct stress *s = arg;
	for (int r = 0; r < ROUNDS; r++) {
		s->hs_payload = (unsigned)r * 7;
		smp_store_release(&s->turn, 2 * r + 1);
		wake_up_process(s->t[2]);
		wait_turn(s, 2 * r + 2);
		if (s->hs_reply != (unsigned)r * 11)
			WRITE_ONCE(s->hs_bad, 2);
		locked_update(s, 4);
	}
	for (int i = ROUNDS; i < LOCK_ITERS; i++)
		locked_update(s, 4);
	/* Every event: the handlers wake us. */
	for (;;) {
		set_current_state(TASK_UNINTERRUPTIBLE);
		if (READ_ONCE(s->ev_done) == NEV)
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);
	rcu_read_some(s, READS);
	(void)pcsim_rmw(&s->done_tasks, PCSIM_RMW_ADD, 1, PCSIM_MO_FULL);
}

static void stress_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	struct stress *s = pcsim_alloc(w, sizeof(*s));
	g_s = s;
	spin_lock_init(&s->lock);
	PCSIM_SETUP_SET(s->gp, obj_new(s, 0));
	static void (*const fns[4])(void *) = { task0, task1, task2, task3 };
	static const char *const names[4] = { "pinger", "ponger", "responder", "initiator" };
	for (int i = 0; i < 4; i++)
		s->t[i] = pcsim_task_create(w, names[i], fns[i], s, i % 2);
	for (int i = 0; i < NEV_SETUP; i++)
		post_ev(w, s, NEV_TASK + i);
}

static void stress_finish(struct pcsim_world *w, void *arg)
{
	(void)w;
	(void)arg;
	struct stress *s = g_s;
	g_finished++;
	unsigned long want_count = 4ul * LOCK_ITERS + NEV;
	unsigned long want_sum = (unsigned long)LOCK_ITERS * (1 + 2 + 3 + 4) + 1000ul * NEV;
	if (s->locked_count != want_count || s->locked_sum != want_sum)
		pcsim_fail("stress-lock", "locked count %lu sum %lu, expected %lu and %lu",
			   s->locked_count, s->locked_sum, want_count, want_sum);
	if (PCSIM_SETUP_GET(s->turn) != 2 * ROUNDS || PCSIM_SETUP_GET(s->hs_bad))
		pcsim_fail("stress-handshake", "turn %d, bad %d", PCSIM_SETUP_GET(s->turn),
			   PCSIM_SETUP_GET(s->hs_bad));
	if (PCSIM_SETUP_GET(s->pings_run) != ROUNDS || PCSIM_SETUP_GET(s->pongs_run) != ROUNDS ||
	    PCSIM_SETUP_GET(s->tw_bad))
		pcsim_fail("stress-task-work", "pings %d pongs %d bad %d",
			   PCSIM_SETUP_GET(s->pings_run), PCSIM_SETUP_GET(s->pongs_run),
			   PCSIM_SETUP_GET(s->tw_bad));
	if (PCSIM_SETUP_GET(s->ev_done) != NEV || PCSIM_SETUP_GET(s->ev_bad))
		pcsim_fail("stress-events", "%d of %d events, bad %d", PCSIM_SETUP_GET(s->ev_done),
			   NEV, PCSIM_SETUP_GET(s->ev_bad));
	if (PCSIM_SETUP_GET(s->rcu_freed) != UPDATES || PCSIM_SETUP_GET(s->rcu_bad) ||
	    PCSIM_SETUP_GET(s->rcu_reads) != 3 * READS)
		pcsim_fail("stress-rcu", "freed %d of %d, reads %d, bad %d",
			   PCSIM_SETUP_GET(s->rcu_freed), UPDATES, PCSIM_SETUP_GET(s->rcu_reads),
			   PCSIM_SETUP_GET(s->rcu_bad));
	if (PCSIM_SETUP_GET(s->done_tasks) != 4)
		pcsim_fail("stress", "%d tasks finished", PCSIM_SETUP_GET(s->done_tasks));
	for (int i = 0; i < 4; i++)
		if (!pcsim_task_exited(s->t[i]))
			pcsim_fail("stress", "task %d did not exit", i);
	free(PCSIM_SETUP_GET(s->gp));
}

static const struct pcsim_program stress_prog = { "threads-stress", stress_setup, stress_finish,
						  NULL };

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_threads_stress(void **state)
{
	(void)state;
	const char *env = getenv("PCSIM_STRESS_SECONDS");
	double budget = env ? atof(env) : 2.0;
	struct pcsim_config cfg;
	pcsim_config_init(&cfg);
	cfg.backend = PCSIM_BACKEND_THREADS;
	cfg.ncpus = 2;
	cfg.threads_timeout_ms = 10000;
	struct pcsim_explore_opts o;
	pcsim_explore_opts_init(&o);
	o.strategy = PCSIM_STRATEGY_RANDOM;
	o.max_executions = 4;
	uint64_t execs = 0;
	g_finished = 0;
	double t0 = now_s();
	do {
		struct pcsim_report r;
		int ret = pt_explore(&stress_prog, &cfg, &o, 0, &r);
		assert_int_equal(ret, 0);
		assert_int_equal(r.outcome, PCSIM_OUTCOME_OK);
		assert_int_equal(r.executions, o.max_executions);
		execs += r.executions;
		pcsim_report_free(&r);
		o.seed++;
	} while (now_s() - t0 < budget);
	printf("    threads stress: %llu executions in %.2f s\n", (unsigned long long)execs,
	       now_s() - t0);
	assert_int_equal(g_finished, execs);
}

int main(int argc, char **argv)
{
	pt_init(argc, argv);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threads_stress),
	};
	return cmocka_run_group_tests_name("threads_stress", tests, NULL, NULL);
}
