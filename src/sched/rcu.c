// SPDX-License-Identifier: MIT
/*
 * rcu.c - RCU as the model sees it (include/linux/rcupdate.h, kernel/rcu/update.c, 5.10: the
 * guarantees only).
 *
 * What both backends share: the calling-context rules (synchronize_rcu() and rcu_barrier()
 * may sleep and must not run inside a read-side section; an unbalanced rcu_read_unlock() is a
 * violation) and each context's nesting count, which the sleep checks of core.c read. The
 * grace periods themselves are the backend's: simulated per context in sim/rcu.c, liburcu's
 * memb flavour in threads/rcu.c.
 *
 * Guarantee modelled (Documentation/RCU/whatisRCU.rst): a grace period ends only after every
 * read-side critical section that began before it has completed.
 */
#include "sched_int.h"

void pcsim_rcu_read_lock(void)
{
	struct pcsim__ctx *c = pcsim__need_ctx("rcu_read_lock");
	if (!c)
		return;
	pcsim__por_obj(c->w, POR_RCU, 0, PCSIM_POR_R);	/* grace periods read the nesting */
	c->rcu_nesting++;
	c->w->ops->rcu_read_lock(c->w, c);
}

void pcsim_rcu_read_unlock(void)
{
	struct pcsim__ctx *c = pcsim__need_ctx("rcu_read_unlock");
	if (!c)
		return;
	if (c->rcu_nesting <= 0) {
		pcsim_fail("rcu-unbalanced", "rcu_read_unlock() without rcu_read_lock()");
		return;
	}
	/* The backend leaves the section (drops the nesting count) at its own point. */
	c->w->ops->rcu_read_unlock(c->w, c);
}

bool pcsim_rcu_read_lock_held(void)
{
	struct pcsim__ctx *c = pcsim__tls_ctx;
	return c && c->rcu_nesting > 0;
}

void pcsim_synchronize_rcu(void)
{
	struct pcsim_task *t = pcsim__need_task("synchronize_rcu");
	if (!t)
		return;
	pcsim_might_sleep();
	if (t->ctx.rcu_nesting) {
		pcsim_fail("rcu-sync-in-reader",
			   "synchronize_rcu() inside an RCU read-side critical section (%s): "
			   "self-deadlock", t->name);
		return;
	}
	t->ctx.w->ops->synchronize_rcu(t->ctx.w, t);
}

void pcsim_call_rcu(struct pcsim_callback_head *head,
		    void (*func)(struct pcsim_callback_head *head))
{
	struct pcsim__ctx *c = pcsim__need_ctx("call_rcu");
	if (c)
		c->w->ops->call_rcu(c->w, c, head, func);
}

void pcsim_rcu_barrier(void)
{
	struct pcsim_task *t = pcsim__need_task("rcu_barrier");
	if (!t)
		return;
	pcsim_might_sleep();
	t->ctx.w->ops->rcu_barrier(t->ctx.w, t);
}
