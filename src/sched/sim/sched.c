// SPDX-License-Identifier: MIT
/*
 * sim/sched.c - the deterministic scheduler of the sim backend.
 *
 * Every context (task or atomic context) is a fiber on the calling OS thread. A context runs
 * until its next preemption point, where dispatch() enumerates what may happen next - which
 * context takes its next step, which pending event fires, which CPU's store buffer flushes,
 * which sleeper wakes spuriously - and lets the strategy pick. The scheduler runs inline on the
 * fiber that reached the point and switches directly to the chosen fiber, so a step that keeps
 * the same context costs no switch at all.
 *
 * CPU rules (kernel-true, see docs/engine.md): an atomic context owns its CPU until it returns;
 * a task that holds a spinlock (preempt_count > 0) or runs with interrupts off cannot be
 * preempted by another task of its CPU; an event fires on a CPU only while that CPU's running
 * context has interrupts enabled and no other atomic context runs there.
 *
 * The watchdog (end of this file) turns a context that runs too long without reaching a
 * preemption point into a reported outcome.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim/sim.h"

static _Thread_local struct pcsim__fiber *switch_from PCSIM_TLS_IE;

static void wd_expired(struct pcsim_world *w, struct pcsim__ctx *cur);

/* A world's slot in the process-wide watchdog (see "The watchdog" below); the world's thread
 * only touches the atomics on its hot path. */
struct pcsim__watchdog {
	struct pcsim__watchdog *next;	/* wd_reg.worlds, under wd_reg.mu */
	struct pcsim_world *w;		/* its heartbeat (w->wd_pulse); registered until
					 * world_destroy (wd_stop), so alive under wd_reg.mu */
	pthread_t owner;		/* the thread running the world (fork: wd_atfork_child) */
	unsigned limit_ms;
	/* the monitor's view of the world, under wd_reg.mu */
	uint64_t last;		/* heartbeat last seen */
	uint64_t since;		/* when it last moved (ms, CLOCK_MONOTONIC) */
	int stage;		/* 0 beating, 1 fired, 2 reported as stuck */
};

/*
 * At every point: a heartbeat (the step number: with the execution index, which the monitor
 * also reads, it moves whenever the world makes progress). One store per step on the hot
 * path, with or without a watchdog (without one, nobody reads the beat). The monitor's verdict
 * needs no test of its own: firing, it also drops w->wd_pulse.limit, the step budget the
 * dispatch loop compares the step number with, to 0 (step_limit()).
 */
static inline void wd_beat(struct pcsim_world *w)
{
	__atomic_store_n(&w->wd_pulse.beat, w->ex.step, __ATOMIC_RELAXED);
}

static inline bool spin_free(struct pcsim_world *w, struct pcsim__ctx *c)
{
	return pcsim__mm_peek(w, c, &c->spin_on->locked.pcsim_private_, 4) == 0;
}

static inline bool ctx_enabled(struct pcsim_world *w, struct pcsim__ctx *c)
{
	if (c->run == CR_RUNNABLE)
		return true;
	if (c->run == CR_SPINNING)
		return spin_free(w, c);
	return false;
}

static inline bool cpu_takes_irq(const struct pcsim__cpu *cp)
{
	return !cp->irq && !(cp->curr && cp->curr->irqs_off);
}

/* More options than PCSIM_MAX_OPTS: never drop a choice silently (the search would no longer
 * be what it claims). Out of line: add_opt() stays a bounds test and three stores. */
static __attribute__((noinline, cold)) void too_many_opts(void)
{
	struct pcsim_world *w = pcsim__tls_ctx ? pcsim__tls_ctx->w : pcsim__tls_world;
	if (w)
		pcsim__failf(w, PCSIM_OUTCOME_INTERNAL, "too-many-choices",
			     "more than %d simultaneous choices at one step", PCSIM_MAX_OPTS);
}

static inline void add_opt(struct pcsim__opt *o, unsigned *n, uint8_t type, uint32_t target,
			   void *p)
{
	if (__builtin_expect(*n < PCSIM_MAX_OPTS, 1)) {
		o[*n].type = type;
		o[*n].target = target;
		o[*n].p = p;
		(*n)++;
		return;
	}
	too_many_opts();
}

#ifndef NDEBUG
/* Debug builds: the runnable set of @cp is what its list of tasks says. */
static void rq_check(const struct pcsim__cpu *cp)
{
	uint64_t want[PCSIM_TASK_WORDS] = { 0 };
	for (const struct pcsim__ctx *t = cp->tasks; t; t = t->next_on_cpu)
		if (t->run == CR_RUNNABLE)
			want[(t->id - 1) / 64] |= 1ull << ((t->id - 1) % 64);
	if (memcmp(want, cp->rq, sizeof(want)) != 0) {
		fprintf(stderr, "pcsim: internal error: a CPU's runnable set (%016llx...) is not its "
			"runnable tasks (%016llx...)\n", (unsigned long long)cp->rq[0],
			(unsigned long long)want[0]);
		abort();
	}
}
#endif

/*
 * A context's option. No bound test: a step offers at most one RUN option per task and one per
 * CPU's atomic context, which PCSIM_MAX_OPTS holds; only the options after them can overflow.
 */
_Static_assert(PCSIM_MAX_TASKS + PCSIM_MAX_CPUS <= PCSIM_MAX_OPTS,
	       "every context's RUN option fits in one step's options");

static inline void add_run(struct pcsim__opt *o, unsigned *n, struct pcsim__ctx *c)
{
	o[*n].type = OPT_RUN;
	o[*n].target = c->id;
	o[*n].p = c;
	(*n)++;
}

/* More than 64 tasks: the runnable tasks of @cp but the one with id @skip, word by word
 * (noting @cur's index in *@ci). */
static __attribute__((noinline)) unsigned rq_wide(struct pcsim_world *w,
						  const struct pcsim__cpu *cp, unsigned skip,
						  unsigned nw, struct pcsim__opt *restrict o,
						  unsigned n, const struct pcsim__ctx *cur, int *ci)
{
	for (unsigned k = 0; k < nw; k++) {
		uint64_t m = cp->rq[k];
		if (skip && (skip - 1) / 64 == k)
			m &= ~(1ull << ((skip - 1) % 64));
		while (m) {
			unsigned i = k * 64 + (unsigned)__builtin_ctzll(m);
			struct pcsim__ctx *t = &w->tasks[i]->ctx;
			if (t == cur)
				*ci = (int)n;
			add_run(o, &n, t);
			m &= m - 1;
		}
	}
	return n;
}

/*
 * The options after the contexts' (enumerate()): the pending events, the store-buffer flushes,
 * the yielder stepping aside and the spurious wakeups; @n options so far, *@ci the running
 * context's index (moved when the yielder's option goes). Returns the number of options.
 */
static __attribute__((noinline)) unsigned enumerate_extra(struct pcsim_world *w,
							  struct pcsim__opt *restrict o, unsigned n,
							  int *cip)
{
	int ci = *cip;
	if (w->ex.pending)
		for (struct pcsim__event *e = w->ex.pending; e; e = e->next_pending) {
			if (w->cfg.timed && e->due > w->ex.now)
				continue;
			if (e->cpu >= 0 && !cpu_takes_irq(&w->cpus[e->cpu]))
				continue;
			add_opt(o, &n, OPT_FIRE, e->id, e);
		}
	if (pcsim__mm_buffered(w))
		for (unsigned cpu = 0; cpu < w->cfg.ncpus; cpu++)
			if (w->cpus[cpu].sb_len)
				add_opt(o, &n, OPT_FLUSH, cpu, NULL);
	/*
	 * Fair scheduling: a context that just relaxed in a spin loop steps aside while anything
	 * else can happen - another context's step, but also an event or a store-buffer flush,
	 * which is what a spin loop often waits for.
	 */
	if (w->ex.yielder && n > 1) {
		for (unsigned i = 0; i < n; i++) {
			if (o[i].type == OPT_RUN && o[i].p == w->ex.yielder) {
				memmove(&o[i], &o[i + 1], (n - i - 1) * sizeof(*o));
				n--;
				/* the running context's option moves up, or goes */
				if (ci == (int)i)
					ci = -1;
				else if (ci > (int)i)
					ci--;
				break;
			}
		}
	}
	*cip = ci;
	/*
	 * Spurious wakeups interleave with other activity; they are never the only way on (then
	 * the execution is over, or deadlocked, as without them).
	 */
	if (w->ex.spurious_used < w->cfg.max_spurious && n)
		for (unsigned i = 0; i < w->ex.ntasks; i++)
			if (w->tasks[i]->ctx.run == CR_SLEEPING)
				add_opt(o, &n, OPT_SPURIOUS, w->tasks[i]->ctx.id, w->tasks[i]);
	return n;
}

/*
 * What may happen next, in the order every schedule relies on: CPU by CPU, its atomic context,
 * or its current task followed (when that task does not hold the CPU) by its other runnable
 * tasks in creation order; then the pending events, the store-buffer flushes and the spurious
 * wakeups. The other runnable tasks come from the CPU's runnable set (struct pcsim__cpu.rq),
 * kept on every change of a task's run state, not from a walk of every task of the CPU; the
 * index of @cur's option is noted as it is added (usually as its CPU's current task, but a
 * task that slept at this point and was woken by an engine action fired in this same dispatch
 * is no CPU's current task any more). Inlined into the dispatch loop.
 */
static inline __attribute__((always_inline)) unsigned
enumerate(struct pcsim_world *w, struct pcsim__ctx *cur, struct pcsim__opt *restrict o,
	  int *cur_idx, bool *keep)
{
	unsigned n = 0, nw = (w->ex.ntasks + 63) / 64;
	int ci = -1;
	bool spin = false;	/* a spinner's option depends on its lock word: not kept */
	for (unsigned cpu = 0; cpu < w->cfg.ncpus; cpu++) {
		struct pcsim__cpu *cp = &w->cpus[cpu];
#ifndef NDEBUG
		rq_check(cp);
#endif
		if (cp->irq) {
			spin |= cp->irq->run == CR_SPINNING;
			if (ctx_enabled(w, cp->irq)) {
				if (cp->irq == cur)
					ci = (int)n;
				add_run(o, &n, cp->irq);
			}
			continue;
		}
		struct pcsim__ctx *curr = cp->curr;
		unsigned skip = 0;	/* the id of curr, whose bit is skipped below */
		if (curr) {
			if (curr->run == CR_SPINNING) {
				spin = true;
				if (spin_free(w, curr)) {
					if (curr == cur)
						ci = (int)n;
					add_run(o, &n, curr);
				}
				continue;
			}
			if (curr == cur)
				ci = (int)n;
			add_run(o, &n, curr);
			if (curr->preempt_count || curr->irqs_off)
				continue;
			skip = curr->id;
		}
		if (__builtin_expect(nw > 1, 0)) {
			n = rq_wide(w, cp, skip, nw, o, n, cur, &ci);
			continue;
		}
		/* up to 64 tasks: one word, and curr's bit is its id - 1 */
		uint64_t m = cp->rq[0] & ~(skip ? 1ull << (skip - 1) : 0);
		while (m) {
			struct pcsim__ctx *t = &w->tasks[__builtin_ctzll(m)]->ctx;
			if (t == cur)
				ci = (int)n;	/* woken by an engine action in this dispatch */
			add_run(o, &n, t);
			m &= m - 1;
		}
	}
	/*
	 * The options are kept for the next step (struct pcsim__exec.opts_ok) only when they
	 * depend on nothing but what pcsim__opts_stale() reports: no pending event (timed mode's
	 * clock, a CPU's interrupt state), no store buffer (every store), no yielder, no spurious
	 * wakeup left (every sleeper) and no spinner (its lock word). Those four are one test
	 * here (branch-free) and the rest of the enumeration out of line: most steps of most
	 * programs have none of them.
	 */
	bool extra = ((uintptr_t)w->ex.pending | (uintptr_t)w->ex.yielder) != 0;
	extra |= pcsim__mm_buffered(w);
	extra |= w->ex.spurious_used < w->cfg.max_spurious;
	*keep = !spin && !extra;
	if (__builtin_expect(extra, 0))
		n = enumerate_extra(w, o, n, &ci);
	*cur_idx = ci;
	return n;
}

/* Timed mode, nothing to do: let virtual time run to the next due event and look again. */
static __attribute__((noinline)) unsigned idle_advance(struct pcsim_world *w,
						       struct pcsim__ctx *cur,
						       struct pcsim__opt *restrict o, int *cur_idx)
{
	uint64_t due = UINT64_MAX;
	for (struct pcsim__event *e = w->ex.pending; e; e = e->next_pending)
		if (e->due < due && (e->cpu < 0 || cpu_takes_irq(&w->cpus[e->cpu])))
			due = e->due;
	if (due == UINT64_MAX || due <= w->ex.now)
		return 0;
	w->ex.now = due;
	bool keep;	/* timed mode: never kept */
	return enumerate(w, cur, o, cur_idx, &keep);
}

static void reap_dead_stack_slow(struct pcsim_world *w, void *s);

/* After every switch: an interrupt context's stack to pool, if one died (rare: inline test). */
static inline void reap_dead_stack(struct pcsim_world *w)
{
	void *s = w->dead_stack;
	if (__builtin_expect(s != NULL, 0))
		reap_dead_stack_slow(w, s);
}

static void switch_to(struct pcsim_world *w, struct pcsim__ctx *from, struct pcsim__ctx *to,
		      bool dies)
{
	struct pcsim__fiber *ff = from ? &from->fib : &w->main_fib;
	/*
	 * An interrupt context that returned never runs again: its stack goes back to the pool
	 * as soon as we are off it (reap_dead_stack(), by whoever runs next), so an execution with
	 * a million device completions needs a handful of stacks, not a million. A task's stack
	 * stays until the execution ends: other contexts may still hold its on-stack objects.
	 */
	if (dies && from && from->kind != PCSIM_CTX_TASK && from->fib.stack)
		w->dead_stack = from->fib.stack;
	__atomic_store_n(&w->wd_pulse.cur, to ? to->id : 0u, __ATOMIC_RELAXED);
	w->ex.cur = to;
	pcsim__tls_ctx = to;
	switch_from = ff;
	pcsim__fiber_switch(ff, to ? &to->fib : &w->main_fib, dies);
	reap_dead_stack(w);	/* resumed: the context before us may have died */
}

/* Hand control back to the main context (end of execution, violation). Never returns. */
static PCSIM_NORETURN void to_main(struct pcsim_world *w, struct pcsim__ctx *from)
{
	/* @from is abandoned (or dead): its fiber is never resumed. */
	switch_to(w, from, NULL, true);
	abort();
}

void pcsim__sim_abort_exec(struct pcsim_world *w)
{
	to_main(w, w->ex.cur);
}

static void fire(struct pcsim_world *w, struct pcsim__ctx *cur, struct pcsim__event *ev);

static inline bool holds_cpu(const struct pcsim__ctx *c)
{
	return c->kind != PCSIM_CTX_TASK || c->preempt_count || c->irqs_off;
}

/*
 * A step begins (dpor only): tell the recorder, then note what executing the option touches
 * before any code of the model runs. Which context a CPU runs matters only while that context
 * holds the CPU (preemption or interrupts off, an atomic context): then the CPU's other
 * contexts and its interrupts are disabled. So a step reads its CPU's preemptibility and writes
 * it when its context holds the CPU at the step's start or end; a context switch under tso
 * drains the store buffer, which the flush hook records. A context's step reads its task's
 * runnability, which a wakeup writes; a step taken while a context yields writes the yielder
 * (who is offered depends on it).
 */
static __attribute__((noinline)) void por_end(struct pcsim_world *w)
{
	const struct pcsim__ctx *prev = w->por->prev;
	if (prev && prev->run != CR_EXITED && holds_cpu(prev))
		pcsim__por_obj(w, POR_CPU, prev->cpu, PCSIM_POR_W);
	w->por->prev = NULL;
	w->por->end(w->por);
}

static void por_step(struct pcsim_world *w, const struct pcsim__opt *o, unsigned n)
{
	w->por->step(w->por, w, o, n);
	if (w->ex.yielder)
		pcsim__por_obj(w, POR_YIELD, 0, PCSIM_POR_W);
	switch (o->type) {
	case OPT_RUN: {
		const struct pcsim__ctx *t = o->p;
		w->por->prev = t;	/* its hold on the CPU at the step's end: por_end() */
		pcsim__por_obj(w, POR_CPU, t->cpu,
			       holds_cpu(t) ? PCSIM_POR_W | PCSIM_POR_HELD : PCSIM_POR_R);
		if (t->kind == PCSIM_CTX_TASK)
			pcsim__por_obj(w, POR_WAKE, t->id, PCSIM_POR_R);
		else
			pcsim__por_obj(w, POR_EV, t->ev->id, PCSIM_POR_R);
		break;
	}
	case OPT_FIRE: {
		const struct pcsim__event *ev = o->p;
		pcsim__por_obj(w, POR_EV, ev->id, PCSIM_POR_W);
		if (ev->cpu >= 0)
			pcsim__por_obj(w, POR_CPU, (uint32_t)ev->cpu, PCSIM_POR_W);
		break;
	}
	case OPT_FLUSH:
		pcsim__por_obj(w, POR_SB, o->target, PCSIM_POR_W);
		break;
	case OPT_SPURIOUS: {
		const struct pcsim_task *t = o->p;
		pcsim__por_obj(w, POR_SPURIOUS, 0, PCSIM_POR_W);
		pcsim__por_obj(w, POR_WAKE, t->ctx.id, PCSIM_POR_W | PCSIM_POR_ENABLE);
		pcsim__por_mem(w, &t->state.pcsim_private_, sizeof(long), PCSIM_POR_W);
		break;
	}
	}
}

/*
 * In a replayed prefix (struct pcsim__exec.pfx): true when @cur, the running context, takes
 * this step as it did in the execution the prefix comes from - the step is no decision there
 * and @cur is enabled, so it was the one option, or the decision let @cur go on - with the
 * decision logged as the strategy would have. Otherwise (another context ran, or a step the
 * fast look cannot vouch for: a spinning or yielding context, a CPU taken by an interrupt, the
 * partial-order recorder) the options are enumerated and the strategy asked, as always.
 */
static inline bool replay_on(struct pcsim_world *w, struct pcsim__ctx *cur)
{
	const struct pcsim__pfx *p = &w->ex.pfx[w->ex.ndecisions];
	if (!cur || cur->run != CR_RUNNABLE || w->ex.yielder || w->por)
		return false;
	const struct pcsim__cpu *cp = &w->cpus[cur->cpu];
	if (cur->kind == PCSIM_CTX_TASK ? cp->irq || cp->curr != cur : cp->irq != cur)
		return false;
	if (p->step > w->ex.step)
		return true;	/* no decision at this step: @cur was the one option */
	if (p->step < w->ex.step || p->run != cur->id || w->ex.nlog == w->caplog)
		return false;
	w->ex.ndecisions++;
	if (w->ex.pfx_log) {
		struct pcsim__choice *c = &w->log[w->ex.nlog++];
		c->type = OPT_RUN;
		c->target = cur->id;
		c->label = NULL;
	}
	return true;
}


/* The invariants after a step (no step of their own), out of line so that the dispatch loop
 * keeps its registers for enumerate(). */
static __attribute__((noinline)) void check_invariants(struct pcsim_world *w, bool replayed)
{
	pcsim__mm_observe(w, true);
	pcsim__run_invariants(w, replayed);
	pcsim__mm_observe(w, false);
}

/*
 * The step number passed w->wd_pulse.limit, which is cfg.max_steps during an execution and 0
 * once the execution has an outcome (pcsim__vfail()) or the watchdog fired (and outside an
 * execution, where this sorts it out on every step): the watchdog's verdict first, then the
 * step budget. True when the execution is over (an outcome).
 */
static __attribute__((noinline, cold)) bool step_limit(struct pcsim_world *w,
						       struct pcsim__ctx *cur)
{
	if (__atomic_load_n(&w->wd_pulse.fired, __ATOMIC_RELAXED))
		wd_expired(w, cur);
	if (w->ex.step > w->cfg.max_steps && w->ex.outcome == PCSIM_OUTCOME_OK)
		pcsim__failf(w, PCSIM_OUTCOME_LIVELOCK, "livelock",
			     "step budget of %llu steps exhausted (livelock, or raise max_steps)",
			     (unsigned long long)w->cfg.max_steps);
	return w->ex.outcome != PCSIM_OUTCOME_OK;
}

_Static_assert(PCSIM_MAX_OPTS <= INT16_MAX, "struct pcsim__exec.opts_n and opts_ci hold an index");

/*
 * The task @t becomes its CPU's current task (a context switch there). The options change,
 * unless the CPU had no current task and @t comes first among its runnable tasks in creation
 * order and holds nothing: enumerate() listed them in that order, and lists @t and then the
 * others now (a task's first run on a CPU of its own: the usual case).
 */
static inline void set_curr(struct pcsim_world *w, struct pcsim__ctx *t)
{
	struct pcsim__cpu *cp = &w->cpus[t->cpu];
	unsigned i = t->id - 1;
	if (cp->curr || t->preempt_count || t->irqs_off || i >= 64 ||
	    (cp->rq[0] & ((2ull << i) - 1)) != 1ull << i)
		pcsim__opts_stale(w);
	cp->curr = t;
}

#ifndef NDEBUG
/* Debug builds: options kept from the last step are what enumerating now builds. */
static __attribute__((noinline)) void opts_check(struct pcsim_world *w, struct pcsim__ctx *cur,
						 unsigned n, int ci)
{
	int ci2;
	bool keep;
	unsigned n2 = enumerate(w, cur, w->opts_check, &ci2, &keep);
	bool same = n2 == n && ci2 == ci && keep;
	for (unsigned i = 0; same && i < n; i++)
		same = w->opts[i].type == w->opts_check[i].type &&
		       w->opts[i].target == w->opts_check[i].target &&
		       w->opts[i].p == w->opts_check[i].p;
	if (!same) {
		fprintf(stderr, "pcsim: internal error: the options kept at step %llu (%u, the "
			"running context's %d) are not what they are now (%u, %d, %s)\n",
			(unsigned long long)w->ex.step, n, ci, n2, ci2, keep ? "kept" : "not kept");
		abort();
	}
}
#endif

/*
 * pcsim__sim_dispatch - decide what happens next and make it happen. Returns once @cur (which
 * may be NULL: the main context) is chosen to take its next step. If nothing can happen any
 * more the execution is over and control goes back to the main context.
 */
void pcsim__sim_dispatch(struct pcsim_world *w, struct pcsim__ctx *cur)
{
	struct pcsim__opt *opts = w->opts;	/* sched_int.h, struct pcsim_world */
	for (;;) {
		wd_beat(w);
		/* The step that led here is over (before the invariants, which are no step). The
		 * recorder and timed mode: one test for both (struct pcsim__exec.slow). */
		bool slow = w->ex.slow;
		if (__builtin_expect(slow, 0) && w->por != NULL)
			por_end(w);
		if (w->checks_inv && w->ex.ninv) {
			bool replayed = w->ex.step < w->ex.inv_from;
			if (!replayed || w->ex.ninv_every)
				check_invariants(w, replayed);
		}
		/* the step budget, the watchdog and an outcome: one test (step_limit()) */
		if (__builtin_expect(++w->ex.step >
					     __atomic_load_n(&w->wd_pulse.limit, __ATOMIC_RELAXED), 0) &&
		    step_limit(w, cur)) {
			if (cur)
				to_main(w, cur);
			return;
		}
		if (__builtin_expect(slow, 0) && w->cfg.timed)
			w->ex.now += w->cfg.step_ns;
		if (w->ex.ndecisions < w->ex.npfx && replay_on(w, cur))
			return;
		int cur_idx;
		unsigned n;
		if (w->ex.opts_ok) {
			/* nothing they depend on changed: the options of the last step */
			n = w->ex.opts_n;
			cur_idx = w->ex.opts_ci;
#ifndef NDEBUG
			opts_check(w, cur, n, cur_idx);
#endif
		} else {
			bool keep;
			n = enumerate(w, cur, opts, &cur_idx, &keep);
			if (n == 0 && w->cfg.timed && w->ex.pending)
				n = idle_advance(w, cur, opts, &cur_idx);
			w->ex.opts_n = (uint16_t)n;
			w->ex.opts_ci = (int16_t)cur_idx;
			w->ex.opts_ok = keep && !slow;
		}
		if (n == 0) {
			w->ex.step--;	/* nothing happened */
			if (cur)
				to_main(w, cur);
			return;
		}
		unsigned pick = 0;
		if (n > 1) {
			pick = pcsim__sim_pick(w, opts, n, cur_idx, NULL);
			if (w->ex.outcome != PCSIM_OUTCOME_OK)
				continue;	/* replay diverged */
		}
		struct pcsim__opt *o = &opts[pick];
		if (__builtin_expect(slow, 0) && w->por != NULL)
			por_step(w, o, n);
		if ((int)pick == cur_idx) {
			/*
			 * @cur goes on: what OPT_RUN below does for it, from @cur itself rather
			 * than from the option, which the pick has just selected (a shorter chain
			 * of loads after the pick).
			 */
			if (w->ex.yielder && cur != w->ex.yielder) {
				w->ex.yielder->yielding = false;
				w->ex.yielder = NULL;
				pcsim__opts_stale(w);
			}
			if (cur->kind == PCSIM_CTX_TASK && w->cpus[cur->cpu].curr != cur) {
				pcsim__mm_switch(w, cur->cpu, cur->fresh);	/* as below */
				set_curr(w, cur);
			}
			return;
		}
		if (w->ex.yielder && o->p != w->ex.yielder) {
			w->ex.yielder->yielding = false;
			w->ex.yielder = NULL;
			pcsim__opts_stale(w);
		}
		switch (o->type) {
		case OPT_RUN: {
			struct pcsim__ctx *t = o->p;
			if (t->kind == PCSIM_CTX_TASK && w->cpus[t->cpu].curr != t) {
				/*
				 * A context switch on this CPU: __schedule() takes the runqueue
				 * lock (a locked RMW), so the CPU's store buffer drains.
				 */
				pcsim__mm_switch(w, t->cpu, t->fresh);
				set_curr(w, t);
			}
			w->ex.opts_ci = (int16_t)pick;	/* @t runs: its option, if they are kept */
			if (t == cur)
				return;
			switch_to(w, cur, t, cur && cur->run == CR_EXITED);
			return;
		}
		case OPT_FIRE: {
			struct pcsim__event *ev = o->p;	/* @opts is reused while we are away */
			fire(w, cur, ev);
			if (ev->cpu >= 0)
				return;	/* resumed later, by someone choosing us */
			break;
		}
		case OPT_FLUSH:
			pcsim__mm_flush_one(w, o->target, false);
			break;
		case OPT_SPURIOUS: {
			struct pcsim_task *t = o->p;
			w->ex.spurious_used++;
			pcsim__raw_store(&t->state.pcsim_private_, sizeof(long),
					 (uint64_t)PCSIM_TASK_RUNNING);
			t->ctx.run = CR_RUNNABLE;
			pcsim__rq_add(w, &t->ctx);
			if (w->tracing)
				pcsim__trace(w, &t->ctx, &pcsim__tk_spurious, 0, 0, 0, 0, NULL);
			break;
		}
		default:
			abort();
		}
	}
}

static void fire(struct pcsim_world *w, struct pcsim__ctx *cur, struct pcsim__event *ev)
{
	pcsim__event_remove_pending(w, ev);
	if (ev->cpu < 0) {
		/*
		 * An engine action (signal delivery): atomic, from outside every context, so it
		 * neither sees nor drains the current context's store buffer.
		 */
		ev->state = EV_DONE;
		pcsim__tls_ctx = NULL;
		ev->action(w, ev);
		pcsim__tls_ctx = cur;
		return;
	}
	struct pcsim__ctx *c = w->ex.irq_free;
	if (c) {
		/*
		 * A returned interrupt context, reused. Its RCU quiescent-state count moves on, so a
		 * grace-period snapshot that still names the old use sees it past its section.
		 */
		uint64_t qs = c->rcu_qs + 1;
		w->ex.irq_free = c->arg;
		memset(c, 0, sizeof(*c));
		c->rcu_qs = qs;
	} else {
		c = pcsim_alloc(w, sizeof(*c));
	}
	c->w = w;
	c->id = PCSIM_IRQ_CTX_BASE + ev->id;
	c->cpu = (uint16_t)ev->cpu;
	c->kind = ev->kind;
	c->run = CR_RUNNABLE;
	c->irqs_off = true;
	c->ev = ev;
	c->pct_prio = ev->pct_prio;
	c->fn = ev->fn;
	c->arg = ev->arg;
	ev->ctx = c;
	ev->state = EV_RUNNING;
	/* Interrupt delivery is serializing on x86: the CPU's store buffer drains. */
	pcsim__mm_barrier(w, (unsigned)ev->cpu);
	w->cpus[ev->cpu].irq = c;
	pcsim__opts_stale(w);
	pcsim__sim_ctx_start(w, c);
	switch_to(w, cur, c, cur && cur->run == CR_EXITED);
}

/*
 * @c has just left CR_RUNNABLE by itself (it sleeps, or spins on a lock) and waits to be chosen
 * again. A task leaves its CPU's runnable set until then: a sleeper is put back by its wakeup
 * (pcsim__sim_make_runnable()) before it can be chosen; a spinner is chosen while
 * CR_SPINNING and makes itself CR_RUNNABLE as soon as this returns, with no step in between.
 */
void pcsim__sim_block(struct pcsim_world *w, struct pcsim__ctx *c)
{
	if (c->kind != PCSIM_CTX_TASK) {
		pcsim__sim_dispatch(w, c);
		return;
	}
	if (w->cpus[c->cpu].curr == c && c->run == CR_SLEEPING)
		w->cpus[c->cpu].curr = NULL;
	pcsim__rq_del(w, c);	/* and the options kept are stale */
	pcsim__sim_dispatch(w, c);
	pcsim__rq_add(w, c);
}

void pcsim__sim_exit_ctx(struct pcsim_world *w, struct pcsim__ctx *c)
{
	c->run = CR_EXITED;
	if (c->kind == PCSIM_CTX_TASK) {
		pcsim__rq_del(w, c);
		if (w->cpus[c->cpu].curr == c)
			w->cpus[c->cpu].curr = NULL;
	} else if (w->cpus[c->cpu].irq == c) {
		/* iret is serializing too. */
		pcsim__mm_barrier(w, c->cpu);
		w->cpus[c->cpu].irq = NULL;
	}
	pcsim__opts_stale(w);	/* the task's pcsim__rq_del() did too */
	pcsim__sim_dispatch(w, c);
	abort();	/* an exited context is never chosen */
}

void pcsim__sim_make_runnable(struct pcsim_world *w, struct pcsim__ctx *c)
{
	if (c->run == CR_SLEEPING) {
		c->run = CR_RUNNABLE;
		pcsim__rq_add(w, c);
	}
}

/* ---------------------------------------------------------------------------------------------
 * Stacks
 */
/* A new stack; the bounds of every stack of the world grow to hold it. */
static void *stack_new(struct pcsim_world *w)
{
	void *s = pcsim__stack_alloc(w->cfg.stack_size);
	if (s) {
		uintptr_t lo = (uintptr_t)s, hi = lo + w->cfg.stack_size;
		if (!w->stack_lo || lo < w->stack_lo)
			w->stack_lo = lo;
		if (hi > w->stack_hi)
			w->stack_hi = hi;
	}
	return s;
}

static void stack_fail(struct pcsim_world *w)
{
	/* the execution ends as internal; in a context the call does not return */
	pcsim__failf(w, PCSIM_OUTCOME_INTERNAL, "out-of-memory",
		     "cannot allocate a %zu-byte fiber stack", w->cfg.stack_size);
	if (pcsim__tls_ctx)
		pcsim__sim_abort_exec(w);
}

/*
 * A stack from the pool (last in, first out), for a task or an atomic context. The order in
 * which stacks are handed out is part of what traces show: an on-stack object is named by its
 * address (object ids, first use), and an atomic context's stack goes back to the pool when it
 * returns, so a later context of the same execution may get it and meet its objects' ids.
 * Task slots (core.c) therefore keep their structure, not a stack of their own.
 */
static void *stack_get(struct pcsim_world *w)
{
	void *s;
	if (w->nstack_pool)
		s = w->stack_pool[--w->nstack_pool];
	else
		s = stack_new(w);
	if (s && w->nstacks_used == w->stacks_used_cap) {
		unsigned ncap = w->stacks_used_cap ? 2 * w->stacks_used_cap : 16;
		void **n = realloc(w->stacks_used, ncap * sizeof(void *));
		if (!n) {
			pcsim__stack_free(s, w->cfg.stack_size);
			w->stacks_freed++;
			s = NULL;
		} else {
			w->stacks_used = n;
			w->stacks_used_cap = ncap;
		}
	}
	if (!s) {
		stack_fail(w);
		return NULL;
	}
	w->stacks_used[w->nstacks_used++] = s;
	return s;
}

/* The stack @s of an interrupt context that has returned (switch_to()) back into the pool. */
static __attribute__((noinline)) void reap_dead_stack_slow(struct pcsim_world *w, void *s)
{
	w->dead_stack = NULL;
	for (unsigned i = w->nstacks_used; i-- > 0;) {
		if (w->stacks_used[i] == s) {
			w->stacks_used[i] = w->stacks_used[--w->nstacks_used];
			break;
		}
	}
	if (w->nstack_pool == w->stack_pool_cap) {
		unsigned ncap = w->stack_pool_cap ? 2 * w->stack_pool_cap : 16;
		void **n = realloc(w->stack_pool, ncap * sizeof(void *));
		if (!n) {
			pcsim__stack_free(s, w->cfg.stack_size);	/* no room to pool it */
			w->stacks_freed++;
			return;
		}
		w->stack_pool = n;
		w->stack_pool_cap = ncap;
	}
	pcsim__stack_recycled(s);
	w->stack_pool[w->nstack_pool++] = s;
}

/* End of execution: every stack goes back to the pool, in the order they were handed out. */
static void stacks_recycle(struct pcsim_world *w)
{
	if (w->nstack_pool + w->nstacks_used > w->stack_pool_cap) {
		unsigned ncap = w->nstack_pool + w->nstacks_used + 16;
		void **n = realloc(w->stack_pool, ncap * sizeof(void *));
		if (!n) {
			/* no room to pool them: give this execution's stacks back to the system */
			for (unsigned i = 0; i < w->nstacks_used; i++)
				pcsim__stack_free(w->stacks_used[i], w->cfg.stack_size);
			w->stacks_freed++;
			w->nstacks_used = 0;
			return;
		}
		w->stack_pool = n;
		w->stack_pool_cap = ncap;
	}
	for (unsigned i = 0; i < w->nstacks_used; i++) {
		pcsim__stack_recycled(w->stacks_used[i]);
		w->stack_pool[w->nstack_pool++] = w->stacks_used[i];
	}
	w->nstacks_used = 0;
}

static void wd_stop(struct pcsim_world *w);

/* The backend's world_destroy: the watchdog, then every stack (and the weak mode's state). */
void pcsim__sim_release_stacks(struct pcsim_world *w)
{
	pcsim__mm_weak_free(w);
	wd_stop(w);
	stacks_recycle(w);
	for (unsigned i = 0; i < w->nstack_pool; i++)
		pcsim__stack_free(w->stack_pool[i], w->cfg.stack_size);
	w->nstack_pool = 0;
}

static void irq_entry(void *arg)
{
	struct pcsim__ctx *c = arg;
	struct pcsim_world *w = c->w;
	struct pcsim__event *ev = c->ev;
	if (w->tracing)
		pcsim__trace(w, c, &pcsim__tk_irq_enter, 0, 0, ev->kind, 0, ev->name);
	ev->fn(ev->arg);
	if (w->checks_atomic && (c->nheld || c->preempt_count))
		pcsim_fail("irq-exit-locked", "%s returns holding %u lock(s)", ev->name, c->nheld);
	if (c->rcu_nesting)
		pcsim_fail("irq-exit-rcu", "%s returns inside an RCU read-side section", ev->name);
	if (w->tracing)
		pcsim__trace(w, c, &pcsim__tk_irq_exit, 0, 0, ev->kind, 0, NULL);
	ev->state = EV_DONE;
	pcsim__sim_rcu_ctx_exit(w, c);
	/*
	 * Memory for a million completions: this context's structure is reused by a later
	 * interrupt (fire()). Not yet: we still run on it, and switch_to() reads it once more. The
	 * one that returned before us is past that, and nothing names it but its event (by id,
	 * for labels: the event keeps its name, unless nothing traces; ev->ctx, the running
	 * context, goes).
	 */
	if (w->ex.irq_zombie) {
		struct pcsim__ctx *z = w->ex.irq_zombie;
		z->ev->ctx = NULL;
		if (!w->tracing) {
			/* no trace will name it: its event goes too (its id stays unused) */
			w->events[z->ev->id - 1] = NULL;
			z->ev->next_pending = w->ex.ev_free;
			w->ex.ev_free = z->ev;
		}
		z->arg = w->ex.irq_free;
		w->ex.irq_free = z;
	}
	w->ex.irq_zombie = c;
	pcsim__sim_exit_ctx(w, c);
}

static void ctx_entry(void *arg)
{
	struct pcsim__ctx *c = arg;
	pcsim__fiber_started(switch_from);
	reap_dead_stack(c->w);
	if (c->kind == PCSIM_CTX_TASK)
		pcsim__task_entry(c);
	else
		irq_entry(c);
	abort();
}

void pcsim__sim_ctx_start(struct pcsim_world *w, struct pcsim__ctx *c)
{
	void *stack = stack_get(w);
	c->fresh = true;
	if (!stack) {
		/* a reused task slot keeps its last fiber (core.c, task_slot_clear()) */
		memset(&c->fib, 0, sizeof(c->fib));
		c->run = CR_EXITED;	/* never runs: the execution's outcome is internal */
		if (c->kind == PCSIM_CTX_TASK)
			pcsim__rq_del(w, c);
		return;
	}
	pcsim__fiber_init(&c->fib, stack, w->cfg.stack_size, ctx_entry, c);
}

/* ---------------------------------------------------------------------------------------------
 * One execution, from the main context.
 */
static inline void wd_exec(struct pcsim_world *w, bool running);

void pcsim__sim_exec_start(struct pcsim_world *w)
{
	pcsim__tls_ctx = NULL;
	/* Set by now for the whole execution: the strategy's begin installed the recorder
	 * (dpor) or the replayed prefix (dfs). */
	w->ex.slow = w->por || w->cfg.timed;
	pcsim__opts_stale(w);	/* reset did already: nothing is kept across executions */
	wd_exec(w, true);
}

void pcsim__sim_exec_over(struct pcsim_world *w)
{
	/* Back in the main context: the execution is over. */
	wd_exec(w, false);
	pcsim__tls_ctx = NULL;
	w->ex.cur = NULL;
	if (w->ex.outcome == PCSIM_OUTCOME_OK) {
		/* every task exited (pcsim__sim_task_exit() counts them): no walk of the tasks */
		unsigned alive = w->ex.ntasks - w->ex.nexited, parked = 0;
#ifndef NDEBUG
		unsigned live = 0;
		for (unsigned i = 0; i < w->ex.ntasks; i++)
			live += w->tasks[i]->ctx.run != CR_EXITED;
		if (live != alive) {
			fprintf(stderr, "pcsim: internal error: %u tasks have not exited, the count "
				"says %u\n", live, alive);
			abort();
		}
#endif
		for (unsigned i = 0; alive && i < w->ex.ntasks; i++) {
			struct pcsim_task *t = w->tasks[i];
			if (t->ctx.run == CR_SLEEPING &&
			    PCSIM_SETUP_GET(t->state) == PCSIM_TASK_PARKED)
				parked++;
		}
		bool irq_stuck = false;
		for (unsigned c = 0; c < w->cfg.ncpus; c++)
			if (w->cpus[c].irq)
				irq_stuck = true;
		if (alive > parked || irq_stuck || w->ex.pending) {
			/*
			 * The report is written only if someone reads it (pcsim__exec_message):
			 * exploring with stop_on_violation off meets many deadlocks.
			 */
			pcsim__failf(w, PCSIM_OUTCOME_DEADLOCK, "deadlock", "%s", "");
			w->ex.deadlock_waiting = alive - parked;
			w->ex.msg_deferred = true;
		}
	}
	stacks_recycle(w);
}

/*
 * The execution restored from w->restore (sim/snap.c) runs from the context that took the
 * snapshot: it resumes in pcsim__snap_take(), and the execution ends as any other, back here.
 */
void pcsim__sim_run_restored(struct pcsim_world *w, struct pcsim__ctx *to)
{
	switch_to(w, NULL, to, false);
	pcsim__sim_exec_over(w);
}

/* The backend's run_exec; pcsim__run_exec() (sched_int.h) does the same inline. */
void pcsim__sim_run_exec(struct pcsim_world *w)
{
	pcsim__sim_exec_start(w);
	pcsim__sim_dispatch(w, NULL);
	pcsim__sim_exec_over(w);
}

uint64_t pcsim__sim_choose_data(struct pcsim_world *w, const char *kind, uint64_t n)
{
	struct pcsim__opt opts[PCSIM_MAX_OPTS];
	if (n <= 1)
		return 0;
	if (n > PCSIM_MAX_OPTS) {
		pcsim__failf(w, PCSIM_OUTCOME_VIOLATION, "bad-choice",
			     "pcsim_choose(\"%s\", %llu): at most %d values per choice", kind,
			     (unsigned long long)n, PCSIM_MAX_OPTS);
		if (pcsim__tls_ctx)
			pcsim__sim_abort_exec(w);
		return 0;
	}
	/* The kind is one word in schedule files. */
	char kb[48];
	size_t kl = 0;
	for (const char *k = kind; *k && kl < sizeof(kb) - 1; k++)
		kb[kl++] = (*k == ' ' || *k == '\t' || *k == '\n' || *k == '#') ? '_' : *k;
	kb[kl] = 0;
	kind = kl ? pcsim_trace_intern(w, kb) : "data";
	for (unsigned i = 0; i < n; i++) {
		opts[i].type = OPT_DATA;
		opts[i].target = i;
		opts[i].p = NULL;
	}
	unsigned pick = pcsim__sim_pick(w, opts, (unsigned)n, -1, kind);
	if (w->tracing)
		pcsim__trace(w, pcsim__tls_ctx, &pcsim__tk_data, 0, 0, pick, n,
			     pcsim_trace_intern(w, kind));
	if (w->ex.outcome != PCSIM_OUTCOME_OK && pcsim__tls_ctx)
		pcsim__sim_abort_exec(w);
	return pick;
}

/* ---------------------------------------------------------------------------------------------
 * The watchdog
 *
 * The scheduler runs only at preemption points, so a context that loops without reaching one
 * (a C loop around a plain variable, a computation that never ends) never gives control back.
 * When cfg.watchdog_ms is not 0, a world registers with the process's one watchdog thread
 * (started by the first world that needs it, then kept for the life of the process: a caller
 * running thousands of pcsim_explore() calls, or many worlds on many threads at once, costs one
 * thread) at its first execution, and leaves it when the world is destroyed. The thread samples
 * a heartbeat that each world's scheduler bumps at every point, waking every quarter of the
 * smallest registered watchdog_ms (10 ms to 1 s), and not at all while no world is registered.
 * If a world's running execution shows no heartbeat for its watchdog_ms of wall-clock time:
 *
 *  1. the monitor raises the world's flag. If the context reaches a point after all (a slow
 *     loop that does end), the execution ends there as PCSIM_OUTCOME_LIVELOCK, what "watchdog",
 *     with a message naming the context. That outcome depends on wall-clock time: replaying the
 *     schedule reproduces it only if the loop is as slow again.
 *  2. If another watchdog_ms passes without a heartbeat, the loop is taken to be endless.
 *     Another thread cannot unwind a fiber, so the execution cannot be ended: the monitor calls
 *     the handler installed with pcsim_watchdog_set_handler() with a message naming the
 *     context (the CLI prints it and exits with status 3); without a handler it prints the
 *     message on stderr, once, and the calling thread stays where it is. The message is built
 *     under the registry's lock and the handler runs without it, so a world that ends meanwhile
 *     is never read after it left.
 *
 * fork() stops the thread first (pthread_atfork), so the process forks with none of our threads
 * running; the parent starts it again at once if a world is registered. The child's registry
 * keeps only the worlds of the thread that forked (the others' threads do not exist there),
 * and its next execution that needs the watchdog starts a thread. The thread is named
 * "pcsim-watchdog" (/proc/PID/task/TID/comm).
 *
 * The heartbeat costs the world's thread one relaxed store and one relaxed load per step, and
 * one relaxed load per execution to check that the thread exists.
 */
static void (*wd_handler)(const char *msg);

void pcsim_watchdog_set_handler(void (*fn)(const char *msg))
{
	__atomic_store_n(&wd_handler, fn, __ATOMIC_RELEASE);
}

static void wd_expired(struct pcsim_world *w, struct pcsim__ctx *cur)
{
	if (w->ex.outcome != PCSIM_OUTCOME_OK)
		return;
	if (cur && cur->kind == PCSIM_CTX_TASK)
		pcsim__failf(w, PCSIM_OUTCOME_LIVELOCK, "watchdog",
			     "T%u %s ran for more than %u ms without reaching a preemption point "
			     "(a loop without one never ends in the sim backend; raise or disable "
			     "watchdog_ms if it is only slow)",
			     cur->id, ctx_task(cur)->name, w->cfg.watchdog_ms);
	else
		pcsim__failf(w, PCSIM_OUTCOME_LIVELOCK, "watchdog",
			     "context %u ran for more than %u ms without reaching a preemption "
			     "point (a loop without one never ends in the sim backend; raise or "
			     "disable watchdog_ms if it is only slow)",
			     cur ? cur->id : 0u, w->cfg.watchdog_ms);
}

/* The process-wide registry: the worlds being watched and the one thread watching them. */
static struct {
	pthread_once_t once;
	pthread_mutex_t mu;
	pthread_cond_t cv;		/* CLOCK_MONOTONIC; a world came, or quit */
	int running;			/* atomic (written under mu): the thread exists */
	bool quit;			/* under mu: the thread is asked to end (fork) */
	pthread_t thread;		/* while running */
	struct pcsim__watchdog *worlds;	/* under mu */
} wd_reg = { .once = PTHREAD_ONCE_INIT, .mu = PTHREAD_MUTEX_INITIALIZER };

static bool wd_thread_locked(void);

static void wd_cv_init(void)
{
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&wd_reg.cv, &ca);
	pthread_condattr_destroy(&ca);
}

/*
 * fork(): the thread is stopped first, so the process forks with no thread of ours running
 * (ThreadSanitizer refuses to start threads in a child forked from a multi-threaded process,
 * and a child has no use for a copy of the registry's other worlds). The parent starts it
 * again if a world is registered; the child when it next needs it.
 */
static void wd_atfork_prepare(void)
{
	pthread_mutex_lock(&wd_reg.mu);
	if (wd_reg.running && !pthread_equal(wd_reg.thread, pthread_self())) {
		wd_reg.quit = true;
		pthread_cond_signal(&wd_reg.cv);
		pthread_mutex_unlock(&wd_reg.mu);
		pthread_join(wd_reg.thread, NULL);
		pthread_mutex_lock(&wd_reg.mu);
		wd_reg.quit = false;
		__atomic_store_n(&wd_reg.running, 0, __ATOMIC_RELAXED);
	}
}

static void wd_atfork_parent(void)
{
	if (wd_reg.worlds)
		wd_thread_locked();
	pthread_mutex_unlock(&wd_reg.mu);
}

/* In the child only the forking thread exists: its worlds stay registered, the others go (their
 * memory is a copy nobody runs), and the thread is started again when next needed. */
static void wd_atfork_child(void)
{
	pthread_t self = pthread_self();
	struct pcsim__watchdog **pp = &wd_reg.worlds;
	while (*pp) {
		if (pthread_equal((*pp)->owner, self))
			pp = &(*pp)->next;
		else
			*pp = (*pp)->next;
	}
	__atomic_store_n(&wd_reg.running, 0, __ATOMIC_RELAXED);
	wd_reg.quit = false;
	wd_cv_init();	/* a waiter the parent had does not exist here */
	pthread_mutex_unlock(&wd_reg.mu);
}

static void wd_once(void)
{
	wd_cv_init();
	pthread_atfork(wd_atfork_prepare, wd_atfork_parent, wd_atfork_child);
}

static uint64_t wd_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Second stage: the loop does not end. Under wd_reg.mu: @d is alive while registered. */
static void wd_stuck_msg(const struct pcsim__watchdog *d, uint64_t ms, char *msg, size_t len)
{
	char who[64];
	unsigned id = __atomic_load_n(&d->w->wd_pulse.cur, __ATOMIC_RELAXED);
	if (id >= PCSIM_IRQ_CTX_BASE)
		snprintf(who, sizeof(who), "the atomic context of event %u", id - PCSIM_IRQ_CTX_BASE);
	else if (id)
		snprintf(who, sizeof(who), "task T%u", id);
	else
		snprintf(who, sizeof(who), "the scheduler");
	snprintf(msg, len,
		 "pcsim: watchdog: %s has run for %llu ms without reaching a preemption point "
		 "(execution %llu; sim backend, watchdog_ms=%u): a loop without a preemption point "
		 "never ends in the sim backend, and the thread cannot be taken back",
		 who, (unsigned long long)ms,
		 (unsigned long long)__atomic_load_n(&d->w->wd_pulse.exec, __ATOMIC_RELAXED),
		 d->limit_ms);
}

/* One look at every registered world. Under wd_reg.mu. Returns true and fills @msg when a
 * world has just been found stuck (one per look: the next look finds the others). */
static bool wd_scan(char *msg, size_t len)
{
	uint64_t now = wd_now_ms();
	bool stuck = false;
	for (struct pcsim__watchdog *d = wd_reg.worlds; d; d = d->next) {
		uint64_t b = __atomic_load_n(&d->w->wd_pulse.beat, __ATOMIC_RELAXED) ^
			     (__atomic_load_n(&d->w->wd_pulse.exec, __ATOMIC_RELAXED) << 40);
		if (!__atomic_load_n(&d->w->wd_pulse.active, __ATOMIC_RELAXED) || b != d->last) {
			d->last = b;
			d->since = now;
			d->stage = 0;
			continue;
		}
		if (d->stage == 0 && now - d->since >= d->limit_ms) {
			__atomic_store_n(&d->w->wd_pulse.fired, 1, __ATOMIC_RELAXED);
			__atomic_store_n(&d->w->wd_pulse.limit, 0, __ATOMIC_RELAXED);
			d->stage = 1;
		} else if (d->stage == 1 && !stuck && now - d->since >= 2ull * d->limit_ms) {
			d->stage = 2;
			wd_stuck_msg(d, now - d->since, msg, len);
			stuck = true;
		}
	}
	return stuck;
}

static void *wd_main(void *arg)
{
	(void)arg;
	char msg[512];
	pthread_mutex_lock(&wd_reg.mu);
	while (!wd_reg.quit) {
		if (!wd_reg.worlds) {
			pthread_cond_wait(&wd_reg.cv, &wd_reg.mu);	/* nothing to watch */
			continue;
		}
		unsigned period = 1000;
		for (struct pcsim__watchdog *d = wd_reg.worlds; d; d = d->next)
			if (d->limit_ms / 4 < period)
				period = d->limit_ms / 4;
		if (period < 10)
			period = 10;
		struct timespec dl;
		clock_gettime(CLOCK_MONOTONIC, &dl);
		dl.tv_sec += period / 1000;
		dl.tv_nsec += (long)(period % 1000) * 1000000L;
		if (dl.tv_nsec >= 1000000000L) {
			dl.tv_sec++;
			dl.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&wd_reg.cv, &wd_reg.mu, &dl);
		if (!wd_reg.quit && wd_scan(msg, sizeof(msg))) {
			pthread_mutex_unlock(&wd_reg.mu);
			void (*fn)(const char *) = __atomic_load_n(&wd_handler, __ATOMIC_ACQUIRE);
			if (fn)
				fn(msg);
			else
				fprintf(stderr, "%s\n", msg);
			pthread_mutex_lock(&wd_reg.mu);
		}
	}
	pthread_mutex_unlock(&wd_reg.mu);
	return NULL;
}

/* The thread, if it does not exist yet. Under wd_reg.mu. Returns false if it cannot be made. */
static bool wd_thread_locked(void)
{
	if (wd_reg.running)
		return true;
	if (pthread_create(&wd_reg.thread, NULL, wd_main, NULL) != 0)
		return false;
	pthread_setname_np(wd_reg.thread, "pcsim-watchdog");
	__atomic_store_n(&wd_reg.running, 1, __ATOMIC_RELAXED);
	return true;
}

/* The world joins the registry (its first execution with a watchdog). */
static void wd_start(struct pcsim_world *w)
{
	struct pcsim__watchdog *d = calloc(1, sizeof(*d));
	if (!d)
		return;		/* no watchdog: the executions themselves are not affected */
	pthread_once(&wd_reg.once, wd_once);
	d->w = w;
	d->limit_ms = w->cfg.watchdog_ms;
	d->owner = pthread_self();
	pthread_mutex_lock(&wd_reg.mu);
	if (!wd_thread_locked()) {
		/* No thread, no watchdog: the executions themselves are not affected. */
		pthread_mutex_unlock(&wd_reg.mu);
		free(d);
		return;
	}
	d->next = wd_reg.worlds;
	wd_reg.worlds = d;
	pthread_cond_signal(&wd_reg.cv);
	pthread_mutex_unlock(&wd_reg.mu);
	w->main_fib.wd = d;
}

/* An execution starts: join the registry at the first (wd_start()), or start the thread again
 * in a child of fork() (the thread stayed in the parent). */
static __attribute__((noinline)) void wd_exec_slow(struct pcsim_world *w)
{
	if (!w->main_fib.wd) {
		wd_start(w);
		return;
	}
	pthread_mutex_lock(&wd_reg.mu);
	wd_thread_locked();
	pthread_mutex_unlock(&wd_reg.mu);
}

static inline void wd_exec(struct pcsim_world *w, bool running)
{
	if (running) {
		if (__builtin_expect(w->main_fib.wd ? !__atomic_load_n(&wd_reg.running,
									__ATOMIC_RELAXED)
						    : w->cfg.watchdog_ms != 0, 0))
			wd_exec_slow(w);
		__atomic_store_n(&w->wd_pulse.fired, 0, __ATOMIC_RELAXED);
		/* 0 when set-up already failed: the loop then stops at its first step */
		__atomic_store_n(&w->wd_pulse.limit,
				 w->ex.outcome == PCSIM_OUTCOME_OK ? w->cfg.max_steps : 0,
				 __ATOMIC_RELAXED);
		__atomic_store_n(&w->wd_pulse.cur, 0u, __ATOMIC_RELAXED);
		__atomic_store_n(&w->wd_pulse.exec, w->ex.index + 1, __ATOMIC_RELAXED);
	}
	__atomic_store_n(&w->wd_pulse.active, running ? 1 : 0, __ATOMIC_RELAXED);
}

/* The world leaves the registry (world_destroy); the thread stays for the next world. */
static void wd_stop(struct pcsim_world *w)
{
	struct pcsim__watchdog *d = w->main_fib.wd;
	if (!d)
		return;
	pthread_mutex_lock(&wd_reg.mu);
	for (struct pcsim__watchdog **pp = &wd_reg.worlds; *pp; pp = &(*pp)->next) {
		if (*pp == d) {
			*pp = d->next;
			break;
		}
	}
	pthread_mutex_unlock(&wd_reg.mu);
	free(d);
	w->main_fib.wd = NULL;
}
