// SPDX-License-Identifier: MIT
/*
 * core.c - tasks: creation, task states, try_to_wake_up(), schedule(), schedule_timeout(), data
 * choices, time, and the partial-order reduction's plain-field hook and access hints.
 *
 * Models (5.10): kernel/sched/core.c try_to_wake_up() and __schedule() (the
 * signal_pending_state() check before deactivating), include/linux/sched.h set_current_state()
 * (smp_store_mb), kernel/time/timer.c schedule_timeout() (process_timeout wakes the sleeper).
 * What both backends share lives here; how a task sleeps, wakes and switches is the backend's
 * (w->ops: sim/core.c, threads/core.c).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sched_int.h"

/*
 * A reused task slot, cleared but for what every creation sets: the context's world, id, CPU,
 * kind and run state (the first 16 bytes), its PCT priorities (pcsim__sim_task_created()), the
 * fiber fields pcsim__fiber_init() sets (pcsim__sim_ctx_start(), which clears them itself when
 * no stack is left), the body and its argument, and the task's state word. A field added
 * anywhere but between those lands in a cleared range: the ranges run from one set field to
 * the next, and the asserts below fail if the layout moves a set field into one of them.
 */
#define SLOT_CLEAR(t, from, to)                                                               \
	memset((char *)(t) + offsetof(struct pcsim_task, from), 0,                             \
	       offsetof(struct pcsim_task, to) - offsetof(struct pcsim_task, from))
static inline void task_slot_clear(struct pcsim_task *t)
{
#define OFF(f) offsetof(struct pcsim_task, f)
	_Static_assert(OFF(ctx.preempt_count) == 16 && OFF(ctx.run) < 16 &&
			       OFF(ctx.pct_prio) > OFF(ctx.preempt_count) &&
			       OFF(ctx.pct_spurious_prio) == OFF(ctx.pct_prio) + 8 &&
			       OFF(ctx.fib) == OFF(ctx.pct_spurious_prio) + 8 &&
			       OFF(ctx.fn) > OFF(ctx.fib) && OFF(ctx.arg) == OFF(ctx.fn) + 8 &&
			       OFF(ctx.ev) == OFF(ctx.arg) + 8 && OFF(state) > OFF(ctx.ev) &&
			       OFF(flags) == OFF(state) + sizeof(pcsim_long) &&
			       OFF(wchan) > OFF(flags),
		       "task_slot_clear(): the fields creation sets moved");
#undef OFF
	SLOT_CLEAR(t, ctx.preempt_count, ctx.pct_prio);
#if defined(PCSIM_FIBER_ASM)
	/* sp, entry, arg, top, stack, sp_hint, stack_size, asan_fake: pcsim__fiber_init() */
	_Static_assert(offsetof(struct pcsim__fiber, asan_bottom) ==
			       offsetof(struct pcsim__fiber, asan_fake) + sizeof(void *),
		       "task_slot_clear(): the fiber fields pcsim__fiber_init() sets come first");
	SLOT_CLEAR(t, ctx.fib.asan_bottom, ctx.fn);
#else
	SLOT_CLEAR(t, ctx.fib, ctx.fn);		/* the ucontext: all of it */
#endif
	SLOT_CLEAR(t, ctx.ev, state);
	SLOT_CLEAR(t, flags, wchan);
}
#undef SLOT_CLEAR

/*
 * The structure of the task about to get id @id. Sim: its slot's, kept across executions and
 * cleared here (nothing of a task outlives its execution: a model keeps task pointers in its
 * arena, which goes with it). Threads: arena memory, since a thread of an execution that could
 * not be torn down may still read its task after the next execution began.
 */
static struct pcsim_task *task_struct(struct pcsim_world *w, unsigned id)
{
	if (w->ops != &pcsim__sim_ops)
		return pcsim_alloc(w, sizeof(struct pcsim_task));
	struct pcsim_task *t = w->task_slots[id - 1];
	if (__builtin_expect(t == NULL, 0)) {
		t = calloc(1, sizeof(*t));
		if (!t)
			return pcsim_alloc(w, sizeof(struct pcsim_task));	/* reports it */
		w->task_slots[id - 1] = t;
		return t;
	}
	/*
	 * Everything up to the wait channel, which is a string; the threads backend's fields
	 * after it stay zero (calloc). Not in one memset: the fields the creation sets in any
	 * case (task_slot_set) are left out, and the four ranges between them, each a few
	 * dozen bytes of constant size, are cleared with inline stores instead of a call.
	 */
	_Static_assert(offsetof(struct pcsim_task, wchan) + sizeof(t->wchan) <=
			       offsetof(struct pcsim_task, thread),
		       "the threads backend's fields come last");
	task_slot_clear(t);
	t->wchan[0] = 0;
	return t;
}

struct pcsim_task *pcsim_task_create(struct pcsim_world *w, const char *name,
				     void (*fn)(void *arg), void *arg, int cpu)
{
	if (!w || !fn || cpu >= (int)w->cfg.ncpus || cpu < -1)
		return NULL;
	pcsim__world_lock(w);
	if (w->ex.ntasks >= PCSIM_MAX_TASKS) {
		/* A program that needs more tasks than the engine has cannot be explored as
		 * written: say so rather than run a smaller program and report ok. */
		pcsim__failf(w, PCSIM_OUTCOME_INTERNAL, "too-many-tasks",
			     "pcsim_task_create(\"%s\"): more than PCSIM_MAX_TASKS (%d) tasks",
			     name ? name : "task", PCSIM_MAX_TASKS);
		pcsim__world_unlock(w);
		w->ops->violation(w);
		pcsim__setup_escape(w);
		return NULL;
	}
	/* The global lock is recursive: allocating under it keeps the capacity check and the
	 * insertion below one critical section. */
	struct pcsim_task *t = task_struct(w, w->ex.ntasks + 1);
	if (!t) {
		pcsim__world_unlock(w);
		return NULL;	/* out of memory: the execution's outcome says so */
	}
	t->ctx.w = w;
	t->ctx.id = w->ex.ntasks + 1;
	t->ctx.cpu = (uint16_t)(cpu >= 0 ? (unsigned)cpu : w->ex.task_rr++ % w->cfg.ncpus);
	t->ctx.kind = PCSIM_CTX_TASK;
	t->ctx.run = CR_RUNNABLE;
	t->ctx.fn = fn;
	t->ctx.arg = arg;
	const char *nm = name ? name : "task";
	memcpy(t->name, nm, strnlen(nm, sizeof(t->name) - 1));	/* zeroed: terminated */
	PCSIM_SETUP_SET(t->state, PCSIM_TASK_RUNNING);
	pcsim__por_obj(w, POR_TASKNEW, 0, PCSIM_POR_W);
	pcsim__por_obj(w, POR_WAKE, t->ctx.id, PCSIM_POR_W | PCSIM_POR_ENABLE);
	w->tasks[w->ex.ntasks++] = t;
	*w->cpus[t->ctx.cpu].tasks_tail = &t->ctx;
	w->cpus[t->ctx.cpu].tasks_tail = &t->ctx.next_on_cpu;
	pcsim__rq_add(w, &t->ctx);	/* sim's runnable set (unused by threads) */
	pcsim__world_unlock(w);
	if (pcsim__sim_direct(w))
		pcsim__sim_task_created(w, t);
	else
		w->ops->task_created(w, t);
	return t;
}

struct pcsim_task *pcsim_current(void)
{
	return ctx_task(pcsim__tls_ctx);
}

unsigned pcsim_task_id(const struct pcsim_task *t)
{
	return t->ctx.id;
}

const char *pcsim_task_name(const struct pcsim_task *t)
{
	return t->name;
}

unsigned pcsim_task_cpu(const struct pcsim_task *t)
{
	return t->ctx.cpu;
}

bool pcsim_task_exited(const struct pcsim_task *t)
{
	pcsim__por_obj(t->ctx.w, POR_TASKF, t->ctx.id, PCSIM_POR_R);
	return __atomic_load_n(&t->ctx.run, __ATOMIC_ACQUIRE) == CR_EXITED;
}

bool pcsim_task_is_sleeping(const struct pcsim_task *t)
{
	return t->ctx.w->ops->task_sleeping(t);
}

unsigned pcsim_task_flags(const struct pcsim_task *t)
{
	return t->flags;
}

void pcsim_task_set_wchan(const char *fmt, ...)
{
	struct pcsim_task *t = pcsim_current();
	va_list ap;
	if (!t)
		return;
	va_start(ap, fmt);
	if (!pcsim__name_format(t->wchan, sizeof(t->wchan), fmt, ap))	/* every sleep sets one */
		vsnprintf(t->wchan, sizeof(t->wchan), fmt, ap);
	va_end(ap);
}

/* ---------------------------------------------------------------------------------------------
 * Task states
 */
static void store_state(struct pcsim_task *t, long state, bool mb)
{
	struct pcsim_world *w = t->ctx.w;
	if (w->cfg.inject & PCSIM_INJECT_SCS_NO_MB)
		mb = false;	/* test-only: the classic missing barrier */
	if (pcsim__sim_direct(w))
		pcsim__sim_set_state(w, t, state, mb);
	else
		w->ops->set_state(w, t, state, mb);
}

void pcsim_set_current_state(long state)
{
	struct pcsim_task *t = pcsim__need_task("set_current_state");
	if (t)
		store_state(t, state, true);
}

void pcsim___set_current_state(long state)
{
	struct pcsim_task *t = pcsim__need_task("__set_current_state");
	if (t)
		store_state(t, state, false);
}

long pcsim_get_current_state(void)
{
	struct pcsim_task *t = pcsim__need_task("get_current_state");
	if (!t)
		return 0;
	return pcsim_read_once(&t->state);
}

/* ---------------------------------------------------------------------------------------------
 * try_to_wake_up() and schedule(): the backend does the state test and update after the
 * caller's point, and the sleeping.
 *
 * The sleeper/waker protocol both backends keep (as kernel/sched/core.c explains above
 * try_to_wake_up(), and as wait.c does above wait_woken()):
 *
 *   sleeper (waits for COND)                 waker (makes COND true)
 *   ------------------------                 -----------------------
 *   set_current_state(TASK_UNINTERRUPTIBLE)  COND = 1
 *     [state store; smp_mb()]       <-A->    try_to_wake_up(p, state):
 *   if (!COND)                                 [smp_mb() (smp_mb__after_spinlock)]
 *       schedule()                             if (p->state & state)
 *         [smp_mb(); re-read p->state:            p->state = TASK_RUNNING; enqueue p
 *          TASK_RUNNING -> return at once]
 *   __set_current_state(TASK_RUNNING)
 *
 * Barrier A pairs the sleeper's state store before its COND load with the waker's COND store
 * before its state load: either the sleeper sees COND, or the waker sees the sleeping state and
 * wakes it; a wakeup that lands between set_current_state() and schedule() leaves the state
 * TASK_RUNNING and schedule() returns at once (the wake-before-schedule case). Without A (see
 * PCSIM_INJECT_SCS_NO_MB) both loads may miss each other's stores under tso: the lost wakeup.
 */
int pcsim__ttwu_nopoint(struct pcsim_world *w, struct pcsim_task *p, unsigned state, bool tr)
{
	if (pcsim__sim_direct(w))
		return pcsim__sim_ttwu(w, pcsim__tls_ctx, p, state, tr);
	return w->ops->ttwu(w, pcsim__tls_ctx, p, state, tr);
}

int pcsim_try_to_wake_up(struct pcsim_task *p, unsigned state, int wake_flags)
{
	(void)wake_flags;
	struct pcsim__ctx *c = pcsim__need_ctx("try_to_wake_up");
	if (!c || !p)
		return 0;
	pcsim__point(c);
	if (pcsim__sim_direct(c->w))
		return pcsim__sim_ttwu(c->w, c, p, state, true);
	return pcsim__ttwu_nopoint(c->w, p, state, true);
}

int pcsim_wake_up_process(struct pcsim_task *p)
{
	return pcsim_try_to_wake_up(p, (unsigned)PCSIM_TASK_NORMAL, 0);
}

int pcsim_wake_up_state(struct pcsim_task *p, unsigned state)
{
	return pcsim_try_to_wake_up(p, state, 0);
}

/* ---------------------------------------------------------------------------------------------
 * schedule()
 */
static bool atomic_ctx(struct pcsim__ctx *c)
{
	return c->kind != PCSIM_CTX_TASK || c->preempt_count > 0 || c->irqs_off;
}

void pcsim_schedule(void)
{
	struct pcsim_task *t = pcsim__need_task("schedule");
	if (!t)
		return;
	struct pcsim_world *w = t->ctx.w;
	if (w->checks_atomic && atomic_ctx(&t->ctx))
		pcsim_fail("scheduling-while-atomic",
			   "BUG: scheduling while atomic: %s, preempt_count=%d, irqs %s",
			   t->name, t->ctx.preempt_count, t->ctx.irqs_off ? "off" : "on");
	pcsim__point(&t->ctx);
	if (pcsim__sim_direct(w))
		pcsim__sim_schedule(w, t);
	else
		w->ops->schedule(w, t);
	t->wchan[0] = 0;
}

/* ---------------------------------------------------------------------------------------------
 * schedule_timeout(): process_timeout() wakes the task when the timer expires.
 */
long pcsim_schedule_timeout(long timeout)
{
	struct pcsim_task *t = pcsim__need_task("schedule_timeout");
	if (!t)
		return 0;
	if (timeout == PCSIM_MAX_SCHEDULE_TIMEOUT) {
		pcsim_schedule();
		return timeout;
	}
	if (timeout < 0) {
		pcsim_fail("schedule-timeout-negative", "schedule_timeout: wrong timeout %ld",
			   timeout);
		return 0;
	}
	__atomic_store_n(&t->timer_fired, false, __ATOMIC_RELAXED);
	return t->ctx.w->ops->schedule_timeout(t->ctx.w, t, timeout);
}

/* ---------------------------------------------------------------------------------------------
 * Data choices and time
 */
uint64_t pcsim_choose(const char *kind, uint64_t n)
{
	struct pcsim_world *w = cur_world();
	if (!w || n <= 1)
		return 0;
	return w->ops->choose(w, kind ? kind : "data", n);
}

uint64_t pcsim_now_ns(void)
{
	struct pcsim_world *w = cur_world();
	return w ? w->ops->now_ns(w) : 0;
}

/* ---------------------------------------------------------------------------------------------
 * Plain shared fields, for the partial-order reduction
 */
void pcsim_plain_access(const void *addr, size_t size, bool write)
{
	struct pcsim__ctx *c = pcsim__tls_ctx;
	if (!c || !addr || !size || __builtin_expect(c->w->por == NULL, 1))
		return;
	/* the recorder takes it as part of the step under way (none in setup and finish) */
	unsigned n = size > 65536 ? 65536u : (unsigned)size;
	c->w->por->access(c->w->por, (uint64_t)(uintptr_t)addr, n,
			  (write ? PCSIM_POR_W : PCSIM_POR_R) | PCSIM_POR_PLAIN);
}

void pcsim_por_void_add(void)
{
	pcsim__por_hint(pcsim__tls_ctx, PCSIM_POR_HINT_ADD);
}

/*
 * An access whose footprint a hint of its context may refine (sched_int.h, PCSIM_POR_HINT_*).
 * A hint applies only to the access it was set for: a bit operation's one word (a load, or an
 * OR/AND/XOR RMW), an add RMW; anything else, or no hint, records the access as it is.
 */
void pcsim__por_hinted(struct pcsim_world *w, struct pcsim__ctx *c, const void *p,
		       unsigned size, unsigned kind, int op)
{
	uint32_t h = c->por_hint;
	c->por_hint = 0;
	uint64_t a = (uint64_t)(uintptr_t)p;
	if ((h & PCSIM_POR_HINT_BIT) && size == sizeof(unsigned long) &&
	    (op < 0 || op == PCSIM_RMW_OR || op == PCSIM_RMW_AND || op == PCSIM_RMW_XOR)) {
		/* The bit's own object, and its 4-byte granule of the word (little-endian). */
		unsigned nr = h & 63u;
		bool rmw = op >= 0;
		w->por->access(w->por, PCSIM_POR_BITKEY(a, nr), 0, rmw ? PCSIM_POR_RW : PCSIM_POR_R);
		w->por->access(w->por, a + 4u * (nr / 32u), 4,
			       rmw ? PCSIM_POR_BITW : PCSIM_POR_BITR);
		if (h & PCSIM_POR_HINT_BIT2) {
			nr = (h >> 8) & 63u;
			w->por->access(w->por, PCSIM_POR_BITKEY(a, nr), 0, PCSIM_POR_R);
			w->por->access(w->por, a + 4u * (nr / 32u), 4, PCSIM_POR_BITR);
		}
		return;
	}
	if ((h & PCSIM_POR_HINT_ADD) && op == PCSIM_RMW_ADD)
		kind = PCSIM_POR_ADD;
	w->por->access(w->por, a, size, kind);
}
