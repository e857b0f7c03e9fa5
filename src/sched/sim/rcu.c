// SPDX-License-Identifier: MIT
/*
 * sim/rcu.c - RCU in the sim backend.
 *
 * Read-side sections are tracked per context (nesting count plus a count of completed
 * outermost sections). synchronize_rcu() snapshots the contexts that are inside a section and
 * sleeps until each of them has left the section it was in (or exited); call_rcu() takes the
 * same snapshot and, once it is satisfied, posts the callback as a softirq event, so the
 * strategy chooses when it runs. Sections are preemptible: other contexts run meanwhile
 * (PREEMPT_RCU), but sleeping inside one is reported (rcu.c, core.c). liburcu is never used
 * here: its reader state is per OS thread and its call_rcu thread is outside the engine's
 * control.
 *
 * Guarantee modelled (Documentation/RCU/whatisRCU.rst): a grace period ends only after every
 * read-side critical section that began before it has completed, and every CPU executes a
 * full memory barrier between the end of such a section and the end of the grace period
 * (tools/memory-model: the RCU guarantee is stated with that barrier). Under tso the end of a
 * grace period therefore drains every CPU's store buffer (gp_end_barriers()): a reader's
 * stores made inside its section are visible to synchronize_rcu()'s caller when it returns
 * and to a call_rcu() callback when it runs, even if the reader's section ended before the
 * grace period began and its stores were still buffered. This is stronger than the kernel in
 * one way: stores a CPU made during the grace period, after its own quiescent state, are also
 * drained (docs/ordering.md).
 */
#include <stdio.h>
#include <string.h>

#include "sim/sim.h"

static struct pcsim__gp *gp_snapshot(struct pcsim_world *w)
{
	unsigned n = 0;
	for (unsigned i = 0; i < w->ex.ntasks; i++)
		if (w->tasks[i]->ctx.rcu_nesting)
			n++;
	for (unsigned c = 0; c < w->cfg.ncpus; c++)
		if (w->cpus[c].irq && w->cpus[c].irq->rcu_nesting)
			n++;
	struct pcsim__gp *gp = pcsim_alloc(w, sizeof(*gp) + n * sizeof(gp->e[0]));
	for (unsigned i = 0; i < w->ex.ntasks; i++) {
		struct pcsim__ctx *c = &w->tasks[i]->ctx;
		if (c->rcu_nesting) {
			gp->e[gp->n].c = c;
			gp->e[gp->n].qs = c->rcu_qs;
			gp->n++;
		}
	}
	for (unsigned c = 0; c < w->cfg.ncpus; c++) {
		struct pcsim__ctx *x = w->cpus[c].irq;
		if (x && x->rcu_nesting) {
			gp->e[gp->n].c = x;
			gp->e[gp->n].qs = x->rcu_qs;
			gp->n++;
		}
	}
	return gp;
}

static bool gp_done(const struct pcsim__gp *gp)
{
	for (unsigned i = 0; i < gp->n; i++)
		if (gp->e[i].c->run != CR_EXITED && gp->e[i].c->rcu_qs == gp->e[i].qs)
			return false;
	return true;
}

/*
 * The full barrier every CPU executes before a grace period ends: under tso, drain them all;
 * under weak also make every CPU's later loads see memory as it is now. A grace period's start
 * gets the same on every CPU under weak (gp_start_barriers): a reader that begins after it must
 * see every store made before it, though its CPU executed no barrier of its own yet. Both are
 * stronger than the kernel's (barriers on every CPU, not only at readers' boundaries): never
 * weaker.
 */
static void gp_end_barriers(struct pcsim_world *w)
{
	pcsim__mm_all_barriers(w);
}

static void gp_start_barriers(struct pcsim_world *w)
{
	if (w->cfg.mem == PCSIM_MEM_WEAK)
		pcsim__mm_all_barriers(w);
}

static void rcu_cb_fire(void *arg)
{
	struct pcsim__rcu_cb *cb = arg;
	struct pcsim__ctx *c = pcsim__tls_ctx;
	struct pcsim_world *w = c->w;
	pcsim__por_obj(w, POR_RCU, 0, PCSIM_POR_W);
	gp_end_barriers(w);
	if (w->tracing)
		pcsim__trace(w, c, &pcsim__tk_rcu, 0, 0, 0, 0, "RCU callback runs");
	cb->func(cb->head);
	cb->done = true;
	w->ex.rcu_cbs_inflight--;
	/* rcu_barrier() sleepers re-check which callbacks they still wait for. */
	for (unsigned i = 0; i < w->ex.ntasks; i++) {
		struct pcsim_task *t = w->tasks[i];
		if (t->barrier_waiting) {
			t->barrier_waiting = false;
			pcsim__ttwu_nopoint(w, t, (unsigned)PCSIM_TASK_UNINTERRUPTIBLE, false);
		}
	}
}

static void post_cb(struct pcsim_world *w, struct pcsim__rcu_cb *cb)
{
	struct pcsim_event_desc d = {
		.name = "rcu callback",
		.kind = PCSIM_CTX_SOFTIRQ,
		.cpu = -1,
		.fn = rcu_cb_fire,
		.arg = cb,
	};
	pcsim_event_post(w, &d);
}

/* A grace period may have ended: wake synchronize_rcu() sleepers, post ripe callbacks. */
static void gp_advance(struct pcsim_world *w)
{
	/* Reads every reader's state; ends grace periods (a write) when someone waits. */
	pcsim__por_obj(w, POR_RCU, 0,
		       (w->ex.ngp_waiters || w->ex.rcu_cbs) ? PCSIM_POR_W : PCSIM_POR_R);
	if (w->ex.ngp_waiters)
		for (unsigned i = 0; i < w->ex.ntasks; i++) {
			struct pcsim_task *t = w->tasks[i];
			if (t->gp_waiting && gp_done(t->gp)) {
				t->gp_waiting = false;
				w->ex.ngp_waiters--;
				pcsim__ttwu_nopoint(w, t, (unsigned)PCSIM_TASK_UNINTERRUPTIBLE, false);
			}
		}
	struct pcsim__rcu_cb **pp = &w->ex.rcu_cbs;
	while (*pp) {
		struct pcsim__rcu_cb *cb = *pp;
		if (gp_done(cb->gp)) {
			*pp = cb->next;
			post_cb(w, cb);
		} else {
			pp = &cb->next;
		}
	}
}

void pcsim__sim_rcu_ctx_exit(struct pcsim_world *w, struct pcsim__ctx *c)
{
	(void)c;
	gp_advance(w);
}

void pcsim__sim_rcu_read_lock(struct pcsim_world *w, struct pcsim__ctx *c)
{
	pcsim__sim_point(w, c);
	if (w->tracing && c->rcu_nesting == 1)
		pcsim__trace(w, c, &pcsim__tk_rcu, 0, 0, 1, 0, "rcu_read_lock()");
}

void pcsim__sim_rcu_read_unlock(struct pcsim_world *w, struct pcsim__ctx *c)
{
	pcsim__sim_point(w, c);
	pcsim__por_obj(w, POR_RCU, 0, PCSIM_POR_R);
	if (--c->rcu_nesting == 0) {
		c->rcu_qs++;
		if (w->tracing)
			pcsim__trace(w, c, &pcsim__tk_rcu, 0, 0, 0, 0, "rcu_read_unlock()");
		gp_advance(w);
	}
}

void pcsim__sim_synchronize_rcu(struct pcsim_world *w, struct pcsim_task *t)
{
	pcsim__sim_point(w, &t->ctx);
	pcsim__mm_full_barrier(w, t->ctx.cpu);	/* a grace period implies full barriers */
	gp_start_barriers(w);
	pcsim__por_obj(w, POR_RCU, 0, PCSIM_POR_W);
	struct pcsim__gp *gp = gp_snapshot(w);
	if (w->tracing)
		pcsim__trace(w, &t->ctx, &pcsim__tk_rcu, 0, 0, gp->n, 0,
			     gp->n ? "synchronize_rcu(): waits for readers"
				   : "synchronize_rcu(): no readers");
	if (gp_done(gp)) {
		gp_end_barriers(w);
		return;
	}
	t->gp = gp;
	t->gp_waiting = true;
	w->ex.ngp_waiters++;
	/* wait_for_completion(): spurious or foreign wakeups go back to sleep. */
	while (t->gp_waiting) {
		snprintf(t->wchan, sizeof(t->wchan), "synchronize_rcu");
		pcsim__raw_store(&t->state.pcsim_private_, sizeof(long),
				 (uint64_t)PCSIM_TASK_UNINTERRUPTIBLE);
		t->ctx.run = CR_SLEEPING;
		pcsim__sim_block(w, &t->ctx);
		pcsim__por_obj(w, POR_RCU, 0, PCSIM_POR_R);
	}
	t->wchan[0] = 0;
	gp_end_barriers(w);
}

void pcsim__sim_call_rcu(struct pcsim_world *w, struct pcsim__ctx *c,
			 struct pcsim_callback_head *head,
			 void (*func)(struct pcsim_callback_head *head))
{
	pcsim__sim_point(w, c);
	gp_start_barriers(w);
	pcsim__por_obj(w, POR_RCU, 0, PCSIM_POR_W);
	struct pcsim__rcu_cb *cb = pcsim_alloc(w, sizeof(*cb));
	cb->head = head;
	cb->func = func;
	cb->seq = ++w->ex.rcu_cb_seq;
	cb->all_next = w->ex.rcu_all;
	w->ex.rcu_all = cb;
	cb->gp = gp_snapshot(w);
	w->ex.rcu_cbs_inflight++;
	if (w->tracing)
		pcsim__trace(w, c, &pcsim__tk_rcu, 0, 0, cb->gp->n, 0, "call_rcu()");
	if (gp_done(cb->gp)) {
		post_cb(w, cb);
	} else {
		cb->next = w->ex.rcu_cbs;
		w->ex.rcu_cbs = cb;
	}
}

void pcsim__sim_rcu_barrier(struct pcsim_world *w, struct pcsim_task *t)
{
	pcsim__sim_point(w, &t->ctx);
	pcsim__mm_full_barrier(w, t->ctx.cpu);
	/* Wait for the callbacks queued before the barrier, not for later ones. */
	uint64_t upto = w->ex.rcu_cb_seq;
	for (;;) {
		pcsim__por_obj(w, POR_RCU, 0, PCSIM_POR_W);
		bool pending = false;
		for (struct pcsim__rcu_cb *cb = w->ex.rcu_all; cb && !pending; cb = cb->all_next)
			pending = cb->seq <= upto && !cb->done;
		if (!pending)
			break;
		t->barrier_waiting = true;
		snprintf(t->wchan, sizeof(t->wchan), "rcu_barrier");
		pcsim__raw_store(&t->state.pcsim_private_, sizeof(long),
				 (uint64_t)PCSIM_TASK_UNINTERRUPTIBLE);
		t->ctx.run = CR_SLEEPING;
		pcsim__sim_block(w, &t->ctx);
	}
	t->barrier_waiting = false;
	t->wchan[0] = 0;
}
