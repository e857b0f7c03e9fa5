/* SPDX-License-Identifier: MIT */
/*
 * sim/sim.h - the sim backend's private interface: the deterministic scheduler (sched.c), the
 * memory modes (mem.c), simulated RCU (rcu.c) and the task primitives (core.c), gathered into
 * pcsim__sim_ops (core.c). Nothing outside src/sched/sim/ includes this header.
 */
#ifndef PCSIM_SIM_SIM_H
#define PCSIM_SIM_SIM_H

#include "sched_int.h"

/* ---- sched.c: the scheduler */
void pcsim__sim_dispatch(struct pcsim_world *w, struct pcsim__ctx *cur);

/*
 * A preemption point: the step before a primitive's effect. A task's first point is not a
 * decision of its own: the choice that started the task already chose to run its prologue and
 * this first step (the prologue touches nothing shared).
 */
static inline void pcsim__sim_point(struct pcsim_world *w, struct pcsim__ctx *c)
{
	if (__builtin_expect(c->fresh, 0)) {
		c->fresh = false;
		return;
	}
	pcsim__sim_dispatch(w, c);
}

void pcsim__sim_block(struct pcsim_world *w, struct pcsim__ctx *c);
PCSIM_NORETURN void pcsim__sim_exit_ctx(struct pcsim_world *w, struct pcsim__ctx *c);
PCSIM_NORETURN void pcsim__sim_abort_exec(struct pcsim_world *w);
void pcsim__sim_run_exec(struct pcsim_world *w);
/* The rest of an execution restored from a snapshot (sim/snap.c): switch to @to, which took
 * it, and end the execution when control comes back. Main context. */
void pcsim__sim_run_restored(struct pcsim_world *w, struct pcsim__ctx *to);
void pcsim__sim_make_runnable(struct pcsim_world *w, struct pcsim__ctx *c);
void pcsim__sim_ctx_start(struct pcsim_world *w, struct pcsim__ctx *c);
uint64_t pcsim__sim_choose_data(struct pcsim_world *w, const char *kind, uint64_t n);
void pcsim__sim_release_stacks(struct pcsim_world *w);

/* Ask the world's chooser (the strategy); without one the default: the current context, else
 * option 0. */
static inline unsigned pcsim__sim_pick(struct pcsim_world *w, const struct pcsim__opt *opts,
				       unsigned n, int cur, const char *data_kind)
{
	if (w->chooser.pick)
		return w->chooser.pick(w->chooser.s, w, opts, n, cur, data_kind);
	return cur >= 0 ? (unsigned)cur : 0;
}

/* ---- mem.c: the memory modes, without a preemption point */
uint64_t pcsim__mm_load(struct pcsim_world *w, struct pcsim__ctx *c, const void *p,
			unsigned size);
void pcsim__mm_store(struct pcsim_world *w, struct pcsim__ctx *c, void *p, unsigned size,
		     uint64_t v);
uint64_t pcsim__trace_value(struct pcsim_world *w, uint64_t v, bool ptr);
/* A load that makes no choice (weak: the newest value): for the scheduler's own looks. */
uint64_t pcsim__mm_peek(struct pcsim_world *w, struct pcsim__ctx *c, const void *p,
			unsigned size);
void pcsim__mm_drain(struct pcsim_world *w, unsigned cpu);
/* Flush one entry of @cpu's buffer: the oldest (tso, or @forced), or one the strategy picks
 * among those that may go first (weak). */
void pcsim__mm_flush_one(struct pcsim_world *w, unsigned cpu, bool forced);
/* A full barrier on @cpu: drain its buffer (tso, weak); weak: later loads see memory as it is
 * now and later stores stay behind earlier ones. Nothing under sc. */
void pcsim__mm_full_barrier(struct pcsim_world *w, unsigned cpu);
/* The context switch to a task on @cpu (@fresh: its first run; weak: no view change then). */
void pcsim__mm_switch_barrier(struct pcsim_world *w, unsigned cpu, bool fresh);
/* A task was created on @cpu by @creator (NULL: setup): weak: both CPUs take a full barrier. */
void pcsim__mm_task_created(struct pcsim_world *w, struct pcsim__ctx *creator, unsigned cpu);
/* The same on every CPU (the end and start of an RCU grace period). */
void pcsim__mm_all_barriers(struct pcsim_world *w);
/* cpu_relax() in a polling loop (weak): the CPU's later loads see memory as it is now, so a
 * poll is not explored as reading the same stale value again and again (stronger than LKMM,
 * which only promises that stores propagate eventually). */
void pcsim__mm_relax(struct pcsim_world *w, unsigned cpu);
/* Invariant checks begin (@on) or end: weak: their loads see every store its context has
 * executed (any CPU's buffer, then memory), without choices; they are no step of the program. */
void pcsim__mm_observe(struct pcsim_world *w, bool on);
/* Free the weak mode's state (world destroy). */
void pcsim__mm_weak_free(struct pcsim_world *w);
/* A store with ordering @mo (weak: release and full stores are ordered after earlier ones). */
void pcsim__mm_store_mo(struct pcsim_world *w, struct pcsim__ctx *c, void *p, unsigned size,
			uint64_t v, enum pcsim_mo mo);
/* Does @w buffer stores (tso, weak)? */
static inline bool pcsim__mm_buffered(const struct pcsim_world *w)
{
	return w->cfg.mem != PCSIM_MEM_SC;
}
/* pcsim__mm_full_barrier(), pcsim__mm_switch_barrier() and pcsim__mm_task_created() do nothing
 * under sc: the scheduler and the task primitives call them through these, which test that
 * inline (one compare instead of a call per barrier on the hot path). */
static inline void pcsim__mm_barrier(struct pcsim_world *w, unsigned cpu)
{
	if (pcsim__mm_buffered(w))
		pcsim__mm_full_barrier(w, cpu);
}

static inline void pcsim__mm_switch(struct pcsim_world *w, unsigned cpu, bool fresh)
{
	if (pcsim__mm_buffered(w))
		pcsim__mm_switch_barrier(w, cpu, fresh);
}
struct pcsim__ctx *pcsim__stack_owner(struct pcsim_world *w, const void *p);
/* ... and the accesses of struct pcsim__backend_ops */
uint64_t pcsim__sim_load(struct pcsim__ctx *c, const void *p, unsigned size, enum pcsim_mo mo);
void pcsim__sim_store(struct pcsim__ctx *c, void *p, unsigned size, uint64_t v, enum pcsim_mo mo);
uint64_t pcsim__sim_load_np(struct pcsim__ctx *c, const void *p, unsigned size,
			    enum pcsim_mo mo);
void pcsim__sim_store_np(struct pcsim__ctx *c, void *p, unsigned size, uint64_t v,
			 enum pcsim_mo mo);
uint64_t pcsim__sim_rmw(struct pcsim__ctx *c, void *p, unsigned size, enum pcsim_rmw_op op,
			uint64_t operand, uint64_t operand2, enum pcsim_mo mo);
void pcsim__sim_fence(struct pcsim__ctx *c, enum pcsim_fence f);
void pcsim__sim_bit_nonatomic(struct pcsim__ctx *c, unsigned long *word, unsigned long mask,
			      bool set);
void pcsim__sim_forbid(struct pcsim__ctx *c, const void *addr, size_t size, const char *what,
		       bool writes_only);
void pcsim__sim_allow(struct pcsim__ctx *c, const void *addr);

/* ---- rcu.c: simulated grace periods */
void pcsim__sim_rcu_read_lock(struct pcsim_world *w, struct pcsim__ctx *c);
void pcsim__sim_rcu_read_unlock(struct pcsim_world *w, struct pcsim__ctx *c);
void pcsim__sim_synchronize_rcu(struct pcsim_world *w, struct pcsim_task *t);
void pcsim__sim_call_rcu(struct pcsim_world *w, struct pcsim__ctx *c,
			 struct pcsim_callback_head *head,
			 void (*func)(struct pcsim_callback_head *head));
void pcsim__sim_rcu_barrier(struct pcsim_world *w, struct pcsim_task *t);
void pcsim__sim_rcu_ctx_exit(struct pcsim_world *w, struct pcsim__ctx *c);
/* Has pcsim__sim_rcu_ctx_exit() anything to do? Its grace-period advance records a read of the
 * RCU state for dpor and then looks at the waiters and callbacks: with no recorder, no waiter
 * and no callback it does nothing (the exit path skips the call then). */
static inline bool pcsim__sim_rcu_busy(const struct pcsim_world *w)
{
	return w->por || w->ex.ngp_waiters || w->ex.rcu_cbs;
}

#endif /* PCSIM_SIM_SIM_H */
