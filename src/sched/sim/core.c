// SPDX-License-Identifier: MIT
/*
 * sim/core.c - the sim backend's side of kernel/sched/core.c: task states through the memory
 * model, try_to_wake_up() and schedule() as steps of the deterministic scheduler, timeouts and
 * posted signals as engine actions the strategy fires, data choices, virtual time; and the
 * backend's ops table (pcsim__sim_ops).
 *
 * The waker's full barrier and the state test-and-set are one atomic step on memory here (the
 * kernel does them under p->pi_lock); __schedule() drains the CPU's store buffer (tso) before
 * it re-reads the state. See core.c for the protocol both backends keep.
 */
#include <errno.h>
#include <stdio.h>

#include "sim/sim.h"

static int sim_world_init(struct pcsim_world *w)
{
	(void)w;
	return 0;
}

static bool sim_hung(struct pcsim_world *w)
{
	(void)w;
	return false;
}

static void sim_point(struct pcsim_world *w, struct pcsim__ctx *c)
{
	pcsim__sim_point(w, c);
}

/* Stop the execution now, unless in setup/finish (no context to abandon). */
static void sim_violation(struct pcsim_world *w)
{
	if (pcsim__tls_ctx)
		pcsim__sim_abort_exec(w);
}

static void sim_full_barrier(struct pcsim_world *w, struct pcsim__ctx *c)
{
	pcsim__mm_barrier(w, c->cpu);
}

void pcsim__sim_task_created(struct pcsim_world *w, struct pcsim_task *t)
{
	if (w->tracing)
		pcsim_obj_name(&t->state, "T%u.state", t->ctx.id);
	t->ctx.pct_prio = pcsim__prio(w);
	t->ctx.pct_spurious_prio = pcsim__prio(w);
	if (pcsim__mm_buffered(w))
		pcsim__mm_task_created(w, pcsim__tls_ctx, t->ctx.cpu);
	pcsim__sim_ctx_start(w, &t->ctx);
}

void pcsim__sim_set_state(struct pcsim_world *w, struct pcsim_task *t, long state, bool mb)
{
	pcsim__sim_point(w, &t->ctx);
	pcsim__por_mem(w, &t->state.pcsim_private_, sizeof(long), PCSIM_POR_W);
	pcsim__mm_store(w, &t->ctx, &t->state.pcsim_private_, sizeof(long), (uint64_t)state);
	pcsim__trace_locked(w, &t->ctx, &pcsim__tk_state, 0, (uint64_t)state, 0,
			    mb ? "set_current_state" : "__set_current_state");
	if (mb) {
		/* smp_store_mb(): the barrier is its own step, so the store can be observed first. */
		pcsim__sim_point(w, &t->ctx);
		pcsim__mm_barrier(w, t->ctx.cpu);
		pcsim__trace_locked(w, &t->ctx, &pcsim__tk_fence, 0, PCSIM_FENCE_MB, 0, "smp_mb");
	}
}

int pcsim__sim_ttwu(struct pcsim_world *w, struct pcsim__ctx *c, struct pcsim_task *p,
		    unsigned state, bool tr)
{
	if (c)
		pcsim__mm_barrier(w, c->cpu);
	pcsim__por_mem(w, &p->state.pcsim_private_, sizeof(long), PCSIM_POR_R);
	long s = (long)pcsim__mm_load(w, c, &p->state.pcsim_private_, sizeof(long));
	if (!(s & (long)state)) {
		if (tr)
			pcsim__trace_locked(w, c, &pcsim__tk_wake, p->ctx.id, 0, state,
			      s == PCSIM_TASK_RUNNING ? "already TASK_RUNNING" : "state does not match");
		return 0;
	}
	bool slept = p->ctx.run == CR_SLEEPING;
	pcsim__por_mem(w, &p->state.pcsim_private_, sizeof(long), PCSIM_POR_W);
	pcsim__por_obj(w, POR_WAKE, p->ctx.id,
		       slept ? PCSIM_POR_W | PCSIM_POR_ENABLE : PCSIM_POR_W);
	pcsim__raw_store(&p->state.pcsim_private_, sizeof(long), (uint64_t)PCSIM_TASK_RUNNING);
	pcsim__sim_make_runnable(w, &p->ctx);
	if (tr)
		pcsim__trace_locked(w, c, &pcsim__tk_wake, p->ctx.id, 1, state,
		      slept ? "woken" : "not yet asleep: state set to TASK_RUNNING");
	return 1;
}

void pcsim__sim_schedule(struct pcsim_world *w, struct pcsim_task *t)
{
	/* __schedule() implies a full barrier. */
	pcsim__mm_barrier(w, t->ctx.cpu);
	pcsim__por_mem(w, &t->state.pcsim_private_, sizeof(long), PCSIM_POR_R);
	pcsim__por_obj(w, POR_TASKF, t->ctx.id, PCSIM_POR_R);
	long s = (long)pcsim__mm_load(w, &t->ctx, &t->state.pcsim_private_, sizeof(long));
	if (s == PCSIM_TASK_RUNNING) {
		pcsim__trace_locked(w, &t->ctx, &pcsim__tk_sleep, 0, (uint64_t)s, 0,
		      "state is TASK_RUNNING, does not sleep");
		return;
	}
	if (pcsim__signal_pending_state_locked(s, t)) {
		pcsim__por_mem(w, &t->state.pcsim_private_, sizeof(long), PCSIM_POR_W);
		pcsim__raw_store(&t->state.pcsim_private_, sizeof(long),
				 (uint64_t)PCSIM_TASK_RUNNING);
		pcsim__trace_locked(w, &t->ctx, &pcsim__tk_sleep, 0, (uint64_t)s, 0,
		      "signal pending, does not sleep");
		return;
	}
	if (w->checks_atomic && t->ctx.rcu_nesting)
		pcsim_fail("rcu-sleep",
			   "voluntary context switch within RCU read-side critical section (%s)",
			   t->name);
	pcsim__trace_locked(w, &t->ctx, &pcsim__tk_sleep, 0, (uint64_t)s, 0, NULL);
	t->ctx.run = CR_SLEEPING;	/* the block's pcsim__rq_del() makes the options stale */
	pcsim__sim_block(w, &t->ctx);
}

static bool sim_task_sleeping(const struct pcsim_task *t)
{
	pcsim__por_obj(t->ctx.w, POR_WAKE, t->ctx.id, PCSIM_POR_R);
	return t->ctx.run == CR_SLEEPING;
}

static void timeout_action(struct pcsim_world *w, struct pcsim__event *ev)
{
	struct pcsim_task *t = ev->task;
	pcsim__por_obj(w, POR_TASKF, t->ctx.id, PCSIM_POR_W);
	t->timer_fired = true;
	pcsim__ttwu_nopoint(w, t, (unsigned)PCSIM_TASK_NORMAL, true);
}

/* The expiry is an engine action the strategy may fire at any step (timed: not before due). */
static long sim_schedule_timeout(struct pcsim_world *w, struct pcsim_task *t, long timeout)
{
	struct pcsim__event *ev = pcsim__event_new(w);
	if (!ev)
		return 0;	/* out of memory: the execution is over */
	ev->cpu = -1;
	ev->action = timeout_action;
	ev->task = t;
	ev->due = w->ex.now + (uint64_t)timeout * 1000000ull;
	snprintf(ev->name, sizeof(ev->name), "timeout of T%u", t->ctx.id);
	pcsim__event_add_pending(w, ev);
	pcsim_schedule();
	if (t->timer_fired)
		return 0;
	/* del_timer(): woken before expiry. */
	pcsim__por_obj(w, POR_EV, ev->id, PCSIM_POR_W);
	pcsim__por_obj(w, POR_TASKF, t->ctx.id, PCSIM_POR_R);
	if (ev->state == EV_PENDING) {
		pcsim__event_remove_pending(w, ev);
		ev->state = EV_DONE;
	}
	if (w->cfg.timed)
		return ev->due > w->ex.now ? (long)((ev->due - w->ex.now) / 1000000ull) : 0;
	return timeout;
}

static void sim_cpu_relax(struct pcsim_world *w, struct pcsim__ctx *c)
{
	if (w->ex.yielder && w->ex.yielder != c)
		w->ex.yielder->yielding = false;
	c->yielding = true;
	w->ex.yielder = c;
	pcsim__opts_stale(w);
	pcsim__por_obj(w, POR_YIELD, 0, PCSIM_POR_W);
	pcsim__sim_point(w, c);
	pcsim__mm_relax(w, c->cpu);
}

PCSIM_NORETURN void pcsim__sim_task_exit(struct pcsim_world *w, struct pcsim_task *t)
{
	w->ex.nexited++;
	pcsim__por_obj(w, POR_WAKE, t->ctx.id, PCSIM_POR_W);
	pcsim__por_obj(w, POR_TASKF, t->ctx.id, PCSIM_POR_W);
	pcsim__sim_exit_ctx(w, &t->ctx);
}

static void signal_action(struct pcsim_world *w, struct pcsim__event *ev)
{
	/*
	 * The test of the target's exit is a read of its engine fields, which the exit writes:
	 * recorded before it, so a delivery after the exit still races with it and DPOR tries the
	 * delivery before the target's last steps (docs/explore.md, "Engine actions and their
	 * target's exit").
	 */
	pcsim__por_obj(w, POR_TASKF, ev->task->ctx.id, PCSIM_POR_R);
	if (ev->task->ctx.run == CR_EXITED)
		return;
	pcsim__send_signal_nopoint(w, ev->task, ev->sig);
}

/* A signal delivery is an engine action: the strategy chooses the step it arrives at. */
static int sim_post_signal(struct pcsim_world *w, struct pcsim_task *p, int sig)
{
	struct pcsim__event *ev = pcsim__event_new(w);
	if (!ev)
		return -ENOMEM;
	ev->cpu = -1;
	ev->action = signal_action;
	ev->task = p;
	ev->sig = sig;
	snprintf(ev->name, sizeof(ev->name), "signal %d to T%u", sig, p->ctx.id);
	pcsim__event_add_pending(w, ev);
	return (int)ev->id;
}

static void sim_task_work_kick(struct pcsim_world *w, struct pcsim_task *t)
{
	(void)w, (void)t;	/* the TWA_SIGNAL wakeup already made the task runnable */
}

/* Sleep interruptibly until task_work is queued, re-checking after publishing the state. */
static void sim_task_work_block(struct pcsim_world *w, struct pcsim_task *t)
{
	snprintf(t->wchan, sizeof(t->wchan), "task_work_wait");
	pcsim_set_current_state(PCSIM_TASK_INTERRUPTIBLE);
	pcsim__por_obj(w, POR_TASKF, t->ctx.id, PCSIM_POR_R);
	bool work = t->task_works != NULL;
	if (work) {
		pcsim___set_current_state(PCSIM_TASK_RUNNING);
		return;
	}
	pcsim_schedule();
	pcsim___set_current_state(PCSIM_TASK_RUNNING);
}

static int sim_event_post(struct pcsim_world *w, struct pcsim__event *ev)
{
	pcsim__event_add_pending(w, ev);
	if (w->tracing)
		pcsim__trace(w, pcsim__tls_ctx, &pcsim__tk_post, 0, 0, ev->id, 0,
			     pcsim_trace_intern(w, ev->name));
	return (int)ev->id;
}

static uint64_t sim_now_ns(struct pcsim_world *w)
{
	return w->cfg.timed ? w->ex.now : w->ex.step * 1000u;
}

/*
 * Spinlocks. A contended spin_lock() does not burn steps: the context waits (CR_SPINNING) and
 * is offered again only once the lock word reads 0 (sched.c). The acquire is a locked RMW: it
 * drains this CPU's store buffer (tso; weak: a full barrier, stronger than LKMM's acquire);
 * the release is a store that sits in the buffer like any other (weak: a release store).
 */
static void sim_spin_acquire(struct pcsim_world *w, struct pcsim__ctx *c,
			     struct pcsim_spinlock *l, bool irqs)
{
	for (;;) {
		pcsim__mm_barrier(w, c->cpu);
		pcsim__por_mem(w, &l->locked.pcsim_private_, 4, PCSIM_POR_RW);
		if (pcsim__raw_load(&l->locked.pcsim_private_, 4) == 0) {
			pcsim__raw_store(&l->locked.pcsim_private_, 4, 1);
			break;
		}
		c->run = CR_SPINNING;
		c->spin_on = l;
		pcsim__opts_stale(w);	/* an atomic context's block does not touch a runnable set */
		pcsim__sim_block(w, c);
		c->run = CR_RUNNABLE;
		c->spin_on = NULL;
		pcsim__opts_stale(w);
	}
	l->owner = (uint32_t)c->id;
	if (w->tracing)
		pcsim__trace(w, c, &pcsim__tk_lock, pcsim__obj_id(w, l), 0, irqs, 0,
			     pcsim__lock_name(w, l));
}

static bool sim_spin_trylock(struct pcsim_world *w, struct pcsim__ctx *c,
			     struct pcsim_spinlock *l)
{
	pcsim__sim_point(w, c);
	pcsim__mm_barrier(w, c->cpu);
	pcsim__por_mem(w, &l->locked.pcsim_private_, 4, PCSIM_POR_RW);
	bool got = pcsim__raw_load(&l->locked.pcsim_private_, 4) == 0;
	if (got)
		pcsim__raw_store(&l->locked.pcsim_private_, 4, 1);
	return got;
}

static bool sim_spin_word(struct pcsim_world *w, struct pcsim__ctx *c, struct pcsim_spinlock *l)
{
	pcsim__por_mem(w, &l->locked.pcsim_private_, 4, PCSIM_POR_R);
	return pcsim__mm_load(w, c, &l->locked.pcsim_private_, 4) != 0;
}

static void sim_spin_release(struct pcsim_world *w, struct pcsim__ctx *c,
			     struct pcsim_spinlock *l, unsigned long irqsave)
{
	pcsim__sim_point(w, c);
	l->owner = 0;
	pcsim__por_mem(w, &l->locked.pcsim_private_, 4, PCSIM_POR_W);
	pcsim__mm_store_mo(w, c, &l->locked.pcsim_private_, 4, 0, PCSIM_MO_RELEASE);
	if (w->tracing)
		pcsim__trace(w, c, &pcsim__tk_unlock, pcsim__obj_id(w, l), 0, irqsave, 0,
			     pcsim__lock_name(w, l));
}

const struct pcsim__backend_ops pcsim__sim_ops = {
	.name = "sim",
	.replayable = true,
	.world_init = sim_world_init,
	.world_destroy = pcsim__sim_release_stacks,
	.run_exec = pcsim__sim_run_exec,
	.hung = sim_hung,
	.lock = NULL,	/* one OS thread runs every context */
	.unlock = NULL,
	.violation = sim_violation,
	.point = sim_point,
	.full_barrier = sim_full_barrier,
	.task_created = pcsim__sim_task_created,
	.set_state = pcsim__sim_set_state,
	.ttwu = pcsim__sim_ttwu,
	.schedule = pcsim__sim_schedule,
	.schedule_timeout = sim_schedule_timeout,
	.task_sleeping = sim_task_sleeping,
	.cpu_relax = sim_cpu_relax,
	.task_exit = pcsim__sim_task_exit,
	.post_signal = sim_post_signal,
	.task_work_kick = sim_task_work_kick,
	.task_work_block = sim_task_work_block,
	.event_post = sim_event_post,
	.choose = pcsim__sim_choose_data,
	.now_ns = sim_now_ns,
	.rcu_read_lock = pcsim__sim_rcu_read_lock,
	.rcu_read_unlock = pcsim__sim_rcu_read_unlock,
	.synchronize_rcu = pcsim__sim_synchronize_rcu,
	.call_rcu = pcsim__sim_call_rcu,
	.rcu_barrier = pcsim__sim_rcu_barrier,
	.rcu_ctx_exit = pcsim__sim_rcu_ctx_exit,
	.spin_acquire = sim_spin_acquire,
	.spin_trylock = sim_spin_trylock,
	.spin_word = sim_spin_word,
	.spin_release = sim_spin_release,
	.load = pcsim__sim_load,
	.store = pcsim__sim_store,
	.load_np = pcsim__sim_load_np,
	.store_np = pcsim__sim_store_np,
	.rmw = pcsim__sim_rmw,
	.fence = pcsim__sim_fence,
	.bit_nonatomic = pcsim__sim_bit_nonatomic,
	.forbid = pcsim__sim_forbid,
	.allow = pcsim__sim_allow,
};
