// SPDX-License-Identifier: MIT
/*
 * threads/rcu.c - RCU in the threads backend: liburcu's memb flavour.
 *
 * Every thread that may enter a read-side section registers itself (sched.c, event.c).
 * liburcu 0.13 carries no ThreadSanitizer annotations and is not instrumented, so the
 * grace-period guarantees are restated to TSan with release/acquire pairs on counters of the
 * world: every rcu_read_unlock() releases, the end of synchronize_rcu() and the start of every
 * call_rcu callback acquire, every callback releases when done and rcu_barrier() acquires.
 * This adds no ordering the real program lacks (liburcu provides it with its own barriers).
 */
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>
#include <urcu/urcu-memb.h>

#include "threads/threads.h"

struct thr_rcu_cb {
	struct rcu_head rh;
	struct pcsim_world *w;
	struct pcsim_callback_head *head;
	void (*func)(struct pcsim_callback_head *head);
	int queued;		/* TSan: call_rcu() -> callback, release/acquire */
};

void pcsim__thr_rcu_read_lock(struct pcsim_world *w, struct pcsim__ctx *c)
{
	(void)w, (void)c;
	urcu_memb_read_lock();
}

void pcsim__thr_rcu_read_unlock(struct pcsim_world *w, struct pcsim__ctx *c)
{
	(void)w;
	c->rcu_nesting--;
	if (c->w->thr)
		__atomic_fetch_add(&c->w->thr->rcu_unlocks, 1, __ATOMIC_RELEASE);
	urcu_memb_read_unlock();
}

void pcsim__thr_synchronize_rcu(struct pcsim_world *w, struct pcsim_task *t)
{
	(void)t;
	urcu_memb_synchronize_rcu();
	if (w->thr)
		(void)__atomic_load_n(&w->thr->rcu_unlocks, __ATOMIC_ACQUIRE);
}

static void thr_rcu_cb(struct rcu_head *rh)
{
	struct thr_rcu_cb *cb = caa_container_of(rh, struct thr_rcu_cb, rh);
	/* Pairs with call_rcu(); liburcu's own queue is invisible to TSan. */
	(void)__atomic_load_n(&cb->queued, __ATOMIC_ACQUIRE);
	struct pcsim_world *w = cb->w;
	struct pcsim__thr_world *tw = w->thr;
	/* The grace period has elapsed: every reader that was there has unlocked. */
	(void)__atomic_load_n(&tw->rcu_unlocks, __ATOMIC_ACQUIRE);
	struct pcsim__ctx c;
	memset(&c, 0, sizeof(c));
	c.w = w;
	c.id = PCSIM_IRQ_CTX_BASE;
	c.kind = PCSIM_CTX_SOFTIRQ;
	c.run = CR_RUNNABLE;
	c.irqs_off = true;
	pcsim__tls_ctx = &c;
	cb->func(cb->head);
	pcsim__tls_ctx = NULL;
	free(cb);
	__atomic_fetch_add(&tw->rcu_cbs_done, 1, __ATOMIC_RELEASE);
	pcsim__thr_event_done(tw);
}

void pcsim__thr_call_rcu(struct pcsim_world *w, struct pcsim__ctx *c,
			 struct pcsim_callback_head *head,
			 void (*func)(struct pcsim_callback_head *head))
{
	(void)c;
	struct pcsim__thr_world *tw = w->thr;
	struct thr_rcu_cb *cb = calloc(1, sizeof(*cb));
	if (!cb) {
		/* The execution cannot go on as modelled: report it, never abort the host. The
		 * object is not freed (the callback never runs); the execution ends as internal. */
		pcsim__world_lock(w);
		pcsim__failf(w, PCSIM_OUTCOME_INTERNAL, "out-of-memory",
			     "call_rcu: out of memory for the callback record");
		pcsim__world_unlock(w);
		return;
	}
	cb->w = w;
	cb->head = head;
	cb->func = func;
	__atomic_store_n(&cb->queued, 1, __ATOMIC_RELEASE);
	/* The callback counts as outstanding work: the execution ends after it ran. */
	pthread_mutex_lock(&tw->done_mu);
	tw->outstanding++;
	pthread_mutex_unlock(&tw->done_mu);
	urcu_memb_call_rcu(&cb->rh, thr_rcu_cb);
}

void pcsim__thr_rcu_barrier(struct pcsim_world *w, struct pcsim_task *t)
{
	(void)t;
	urcu_memb_barrier();
	if (w->thr)
		(void)__atomic_load_n(&w->thr->rcu_cbs_done, __ATOMIC_ACQUIRE);
}

