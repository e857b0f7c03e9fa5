// SPDX-License-Identifier: MIT
/*
 * task.c - tasks: creation, set_current_state, schedule, try_to_wake_up, signals, task_work,
 * the return-to-user boundary and do_exit.
 *
 * Models (5.10): kernel/sched/core.c try_to_wake_up() and __schedule() (the signal_pending_state
 * check before deactivating), include/linux/sched.h set_current_state() (smp_store_mb),
 * include/linux/sched/signal.h signal_pending_state(), kernel/signal.c signal_wake_up_state(),
 * kernel/task_work.c task_work_add()/task_work_run(), kernel/exit.c do_exit()/exit_task_work().
 * TIF_NOTIFY_SIGNAL follows 5.11 (a notification distinct from a real signal, see
 * docs/engine.md); 5.10 reached the same effect through JOBCTL_TASK_WORK.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sched/sched_int.h"

static inline struct pcsim_world *ctx_world(struct pcsim__ctx *c)
{
	return c->w;
}

struct pcsim_task *pcsim_task_create(struct pcsim_world *w, const char *name,
				     void (*fn)(void *arg), void *arg, int cpu)
{
	if (!w || !fn || cpu >= (int)w->cfg.ncpus || cpu < -1)
		return NULL;
	if (!w->sim)
		pcsim__thr_lock_global(w);
	if (w->ntasks >= PCSIM_MAX_TASKS) {
		if (!w->sim)
			pcsim__thr_unlock_global(w);
		return NULL;
	}
	/* The global lock is recursive: allocating under it keeps the capacity check and the
	 * insertion below one critical section. */
	struct pcsim_task *t = pcsim_alloc(w, sizeof(*t));
	t->ctx.w = w;
	t->ctx.id = w->ntasks + 1;
	t->ctx.cpu = (uint16_t)(cpu >= 0 ? (unsigned)cpu : w->task_rr++ % w->cfg.ncpus);
	t->ctx.kind = PCSIM_CTX_TASK;
	t->ctx.run = CR_RUNNABLE;
	t->ctx.fn = fn;
	t->ctx.arg = arg;
	const char *nm = name ? name : "task";
	size_t nl = 0;
	while (nm[nl] && nl < sizeof(t->name) - 1) {
		t->name[nl] = nm[nl];
		nl++;
	}
	PCSIM_SETUP_SET(t->state, PCSIM_TASK_RUNNING);
	w->tasks[w->ntasks++] = t;
	*w->cpus[t->ctx.cpu].tasks_tail = &t->ctx;
	w->cpus[t->ctx.cpu].tasks_tail = &t->ctx.next_on_cpu;
	if (!w->sim)
		pcsim__thr_unlock_global(w);
	if (w->sim) {
		if (w->tracing)
			pcsim_obj_name(&t->state, "T%u.state", t->ctx.id);
		t->ctx.pct_prio = pcsim__strategy_prio(w->strat, w);
		t->ctx.pct_spurious_prio = pcsim__strategy_prio(w->strat, w);
		pcsim__sim_ctx_start(w, &t->ctx);
	} else {
		pcsim__thr_task_created(w, t);
	}
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
	return __atomic_load_n(&t->ctx.run, __ATOMIC_ACQUIRE) == CR_EXITED;
}

bool pcsim_task_is_sleeping(const struct pcsim_task *t)
{
	return t->ctx.w->sim && t->ctx.run == CR_SLEEPING;
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
	vsnprintf(t->wchan, sizeof(t->wchan), fmt, ap);
	va_end(ap);
}

/* The step before a primitive's effect: a preemption point in the sim backend. */
static inline void step(struct pcsim__ctx *c)
{
	if (c->w->sim)
		pcsim__sim_point(c->w, c);
}

static inline void trace(struct pcsim_world *w, struct pcsim__ctx *c,
			 const struct pcsim_trace_kind *k, uint32_t obj, uint64_t a, uint64_t b,
			 const char *s)
{
	if (w->tracing) {
		if (!w->sim)
			pcsim__thr_lock_global(w);
		pcsim__trace(w, c, k, obj, 0, a, b, s);
		if (!w->sim)
			pcsim__thr_unlock_global(w);
	}
}

/* ---------------------------------------------------------------------------------------------
 * Task states
 */
static void store_state(struct pcsim_task *t, long state, bool mb)
{
	struct pcsim_world *w = t->ctx.w;
	if (w->cfg.inject & PCSIM_INJECT_SCS_NO_MB)
		mb = false;	/* test-only: the classic missing barrier */
	if (!w->sim) {
		__atomic_store_n(&t->state.pcsim_private_, state, __ATOMIC_RELAXED);
		if (mb)
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
		return;
	}
	step(&t->ctx);
	pcsim__mm_store(w, &t->ctx, &t->state.pcsim_private_, sizeof(long), (uint64_t)state);
	trace(w, &t->ctx, &pcsim__tk_state, 0, (uint64_t)state, 0,
	      mb ? "set_current_state" : "__set_current_state");
	if (mb) {
		/* smp_store_mb(): the barrier is its own step, so the store can be observed first. */
		step(&t->ctx);
		if (w->cfg.mem == PCSIM_MEM_TSO)
			pcsim__mm_drain(w, t->ctx.cpu);
		trace(w, &t->ctx, &pcsim__tk_fence, 0, PCSIM_FENCE_MB, 0,
		      "smp_mb");
	}
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
 * Signals (the state lives in the engine; each primitive is one step)
 */
static bool sig_pending_locked(struct pcsim_task *p)
{
	return p->sigpending != 0 || p->notify_signal;
}

static bool fatal_pending_locked(struct pcsim_task *p)
{
	return (p->sigpending & (1ull << PCSIM_SIGKILL)) != 0;
}

static bool sps_locked(long state, struct pcsim_task *p)
{
	if (!(state & (PCSIM_TASK_INTERRUPTIBLE | PCSIM_TASK_WAKEKILL)))
		return false;
	if (!sig_pending_locked(p))
		return false;
	return (state & PCSIM_TASK_INTERRUPTIBLE) || fatal_pending_locked(p);
}

static inline void glock(struct pcsim_world *w)
{
	if (!w->sim)
		pcsim__thr_lock_global(w);
}

static inline void gunlock(struct pcsim_world *w)
{
	if (!w->sim)
		pcsim__thr_unlock_global(w);
}

bool pcsim_signal_pending(struct pcsim_task *p)
{
	struct pcsim__ctx *c = pcsim__need_ctx("signal_pending");
	if (!c || !p)
		return false;
	step(c);
	glock(c->w);
	bool r = sig_pending_locked(p);
	gunlock(c->w);
	return r;
}

bool pcsim_fatal_signal_pending(struct pcsim_task *p)
{
	struct pcsim__ctx *c = pcsim__need_ctx("fatal_signal_pending");
	if (!c || !p)
		return false;
	step(c);
	glock(c->w);
	bool r = fatal_pending_locked(p);
	gunlock(c->w);
	return r;
}

bool pcsim_signal_pending_state(long state, struct pcsim_task *p)
{
	struct pcsim__ctx *c = pcsim__need_ctx("signal_pending_state");
	if (!c || !p)
		return false;
	step(c);
	glock(c->w);
	bool r = sps_locked(state, p);
	gunlock(c->w);
	return r;
}

/*
 * try_to_wake_up without the preemption point (the caller took it). The waker's full barrier
 * comes first (smp_mb__after_spinlock on p->pi_lock in 5.10), then the state test and update,
 * which the kernel does under p->pi_lock: here they are one atomic step on memory.
 */
int pcsim__ttwu_nopoint(struct pcsim_world *w, struct pcsim_task *p, unsigned state, bool tr)
{
	struct pcsim__ctx *c = pcsim__tls_ctx;
	if (!w->sim) {
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		long s = __atomic_load_n(&p->state.pcsim_private_, __ATOMIC_RELAXED);
		for (;;) {
			if (!(s & (long)state))
				return 0;
			if (__atomic_compare_exchange_n(&p->state.pcsim_private_, &s,
							PCSIM_TASK_RUNNING, false, __ATOMIC_SEQ_CST,
							__ATOMIC_RELAXED))
				break;
		}
		pcsim__thr_wake(w, p);
		if (tr)
			trace(w, c, &pcsim__tk_wake, p->ctx.id, 1, state, NULL);
		return 1;
	}
	if (c && w->cfg.mem == PCSIM_MEM_TSO)
		pcsim__mm_drain(w, c->cpu);
	long s = (long)pcsim__mm_load(w, c, &p->state.pcsim_private_, sizeof(long));
	if (!(s & (long)state)) {
		if (tr)
			trace(w, c, &pcsim__tk_wake, p->ctx.id, 0, state,
			      s == PCSIM_TASK_RUNNING ? "already TASK_RUNNING" : "state does not match");
		return 0;
	}
	pcsim__raw_store(&p->state.pcsim_private_, sizeof(long), (uint64_t)PCSIM_TASK_RUNNING);
	bool slept = p->ctx.run == CR_SLEEPING;
	pcsim__sim_make_runnable(w, &p->ctx);
	if (tr)
		trace(w, c, &pcsim__tk_wake, p->ctx.id, 1, state,
		      slept ? "woken" : "not yet asleep: state set to TASK_RUNNING");
	return 1;
}

int pcsim_try_to_wake_up(struct pcsim_task *p, unsigned state, int wake_flags)
{
	(void)wake_flags;
	struct pcsim__ctx *c = pcsim__need_ctx("try_to_wake_up");
	if (!c || !p)
		return 0;
	step(c);
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
	step(&t->ctx);
	if (!w->sim) {
		for (;;) {
			long s = __atomic_load_n(&t->state.pcsim_private_, __ATOMIC_SEQ_CST);
			if (s == PCSIM_TASK_RUNNING)
				break;
			glock(w);
			bool sp = sps_locked(s, t);
			gunlock(w);
			if (sp) {
				__atomic_store_n(&t->state.pcsim_private_, PCSIM_TASK_RUNNING,
						 __ATOMIC_SEQ_CST);
				break;
			}
			if (w->checks_atomic && t->ctx.rcu_nesting)
				pcsim_fail("rcu-sleep",
					   "voluntary context switch within RCU read-side critical "
					   "section (%s)", t->name);
			pcsim__thr_sleep(w, t);
		}
		t->wchan[0] = 0;
		return;
	}
	/* __schedule() implies a full barrier. */
	if (w->cfg.mem == PCSIM_MEM_TSO)
		pcsim__mm_drain(w, t->ctx.cpu);
	long s = (long)pcsim__mm_load(w, &t->ctx, &t->state.pcsim_private_, sizeof(long));
	if (s == PCSIM_TASK_RUNNING) {
		trace(w, &t->ctx, &pcsim__tk_sleep, 0, (uint64_t)s, 0,
		      "state is TASK_RUNNING, does not sleep");
		return;
	}
	if (sps_locked(s, t)) {
		pcsim__raw_store(&t->state.pcsim_private_, sizeof(long),
				 (uint64_t)PCSIM_TASK_RUNNING);
		trace(w, &t->ctx, &pcsim__tk_sleep, 0, (uint64_t)s, 0,
		      "signal pending, does not sleep");
		return;
	}
	if (w->checks_atomic && t->ctx.rcu_nesting)
		pcsim_fail("rcu-sleep",
			   "voluntary context switch within RCU read-side critical section (%s)",
			   t->name);
	trace(w, &t->ctx, &pcsim__tk_sleep, 0, (uint64_t)s, 0, NULL);
	t->ctx.run = CR_SLEEPING;
	pcsim__sim_block(w, &t->ctx);
	t->wchan[0] = 0;
}

/* ---------------------------------------------------------------------------------------------
 * schedule_timeout(): process_timeout() wakes the task when the timer expires.
 */
static void timeout_action(struct pcsim_world *w, struct pcsim__event *ev)
{
	struct pcsim_task *t = ev->task;
	t->timer_fired = true;
	pcsim__ttwu_nopoint(w, t, (unsigned)PCSIM_TASK_NORMAL, true);
}

static void timeout_irq(void *arg)
{
	struct pcsim_task *t = arg;
	__atomic_store_n(&t->timer_fired, true, __ATOMIC_RELEASE);
	pcsim__ttwu_nopoint(t->ctx.w, t, (unsigned)PCSIM_TASK_NORMAL, true);
}

long pcsim_schedule_timeout(long timeout)
{
	struct pcsim_task *t = pcsim__need_task("schedule_timeout");
	if (!t)
		return 0;
	struct pcsim_world *w = t->ctx.w;
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
	if (!w->sim) {
		/* a softirq on the task's CPU after the delay: a libev timer (threads.c) */
		pcsim__thr_lock_global(w);
		struct pcsim__event *tev = pcsim__event_new(w);
		tev->cpu = (int16_t)t->ctx.cpu;
		tev->kind = (uint8_t)PCSIM_CTX_SOFTIRQ;
		tev->fn = timeout_irq;
		tev->arg = t;
		tev->due = w->now + (uint64_t)timeout * 1000000ull;
		snprintf(tev->name, sizeof(tev->name), "timer of T%u", t->ctx.id);
		pcsim__thr_unlock_global(w);
		pcsim__thr_event_post(w, tev);
		pcsim_schedule();
		if (__atomic_load_n(&t->timer_fired, __ATOMIC_ACQUIRE))
			return 0;
		/* del_singleshot_timer_sync(): woken before expiry; a handler that has already
		 * begun is waited for, so it cannot wake a later sleep of this task. */
		pcsim__thr_event_cancel(w, tev);
		return __atomic_load_n(&t->timer_fired, __ATOMIC_ACQUIRE) ? 0 : timeout;
	}
	struct pcsim__event *ev = pcsim__event_new(w);
	ev->cpu = -1;
	ev->action = timeout_action;
	ev->task = t;
	ev->due = w->now + (uint64_t)timeout * 1000000ull;
	snprintf(ev->name, sizeof(ev->name), "timeout of T%u", t->ctx.id);
	pcsim__event_add_pending(w, ev);
	pcsim_schedule();
	if (t->timer_fired)
		return 0;
	/* del_timer(): woken before expiry. */
	if (ev->state == EV_PENDING) {
		pcsim__event_remove_pending(w, ev);
		ev->state = EV_DONE;
	}
	if (w->cfg.timed)
		return ev->due > w->now ? (long)((ev->due - w->now) / 1000000ull) : 0;
	return timeout;
}

/* ---------------------------------------------------------------------------------------------
 * Preemption, interrupts, atomicity
 */
void pcsim_preempt_disable(void)
{
	struct pcsim__ctx *c = pcsim__need_ctx("preempt_disable");
	if (c)
		c->preempt_count++;
}

void pcsim_preempt_enable(void)
{
	struct pcsim__ctx *c = pcsim__need_ctx("preempt_enable");
	if (!c)
		return;
	if (c->preempt_count <= 0) {
		pcsim_fail("preempt-underflow", "preempt_enable() without preempt_disable()");
		return;
	}
	c->preempt_count--;
	/* preempt_enable() is a preemption point once the count drops to zero. */
	if (c->preempt_count == 0 && !c->irqs_off)
		step(c);
}

unsigned long pcsim_local_irq_save(void)
{
	struct pcsim__ctx *c = pcsim__need_ctx("local_irq_save");
	if (!c)
		return 0;
	/* The point comes first: an interrupt can still arrive right before the save. */
	step(c);
	unsigned long flags = c->irqs_off ? 1ul : 0ul;
	c->irqs_off = true;
	return flags;
}

void pcsim_local_irq_restore(unsigned long flags)
{
	struct pcsim__ctx *c = pcsim__need_ctx("local_irq_restore");
	if (!c)
		return;
	if (c->kind != PCSIM_CTX_TASK && !flags) {
		pcsim_fail("irq-enable-in-irq", "local_irq_restore() enabling interrupts in %s",
			   c->ev ? c->ev->name : "an atomic context");
		return;
	}
	c->irqs_off = flags != 0;
	/* Pending interrupts may fire now. */
	if (!c->irqs_off)
		step(c);
}

void pcsim_local_irq_disable(void)
{
	(void)pcsim_local_irq_save();
}

void pcsim_local_irq_enable(void)
{
	pcsim_local_irq_restore(0);
}

bool pcsim_in_atomic(void)
{
	struct pcsim__ctx *c = pcsim__tls_ctx;
	return c && atomic_ctx(c);
}

bool pcsim_in_interrupt(void)
{
	struct pcsim__ctx *c = pcsim__tls_ctx;
	return c && c->kind != PCSIM_CTX_TASK;
}

bool pcsim_irqs_disabled(void)
{
	struct pcsim__ctx *c = pcsim__tls_ctx;
	return c && c->irqs_off;
}

unsigned pcsim_smp_processor_id(void)
{
	struct pcsim__ctx *c = pcsim__tls_ctx;
	return c ? c->cpu : 0;
}

void pcsim_might_sleep(void)
{
	struct pcsim__ctx *c = pcsim__need_ctx("might_sleep");
	if (!c || !c->w->checks_atomic)
		return;
	if (atomic_ctx(c))
		pcsim_fail("sleep-in-atomic",
			   "BUG: sleeping function called from invalid context: in_atomic=%d, "
			   "irqs_disabled=%d, in_interrupt=%d",
			   c->preempt_count > 0, c->irqs_off, c->kind != PCSIM_CTX_TASK);
	if (c->rcu_nesting)
		pcsim_fail("sleep-in-rcu",
			   "BUG: sleeping function called inside an RCU read-side critical section");
}

void pcsim_cpu_relax(void)
{
	struct pcsim__ctx *c = pcsim__need_ctx("cpu_relax");
	if (!c)
		return;
	struct pcsim_world *w = c->w;
	if (!w->sim) {
		pcsim__thr_cpu_relax();
		return;
	}
	if (w->yielder && w->yielder != c)
		w->yielder->yielding = false;
	c->yielding = true;
	w->yielder = c;
	step(c);
}

/* ---------------------------------------------------------------------------------------------
 * Signals
 */
void pcsim__send_signal_nopoint(struct pcsim_world *w, struct pcsim_task *p, int sig)
{
	glock(w);
	p->sigpending |= 1ull << sig;
	gunlock(w);
	trace(w, pcsim__tls_ctx, &pcsim__tk_signal, p->ctx.id, (uint64_t)sig, 0, NULL);
	/* signal_wake_up_state(): TASK_INTERRUPTIBLE, plus TASK_WAKEKILL for SIGKILL. */
	unsigned state = (unsigned)PCSIM_TASK_INTERRUPTIBLE |
			 (sig == PCSIM_SIGKILL ? (unsigned)PCSIM_TASK_WAKEKILL : 0u);
	pcsim__ttwu_nopoint(w, p, state, true);
}

int pcsim_send_signal(struct pcsim_task *p, int sig)
{
	struct pcsim__ctx *c = pcsim__need_ctx("send_signal");
	if (!c || !p)
		return -EINVAL;
	if (sig <= 0 || sig >= 64)
		return -EINVAL;
	step(c);
	glock(c->w);
	bool gone = pcsim_task_exited(p);	/* an exiting task still takes signals */
	gunlock(c->w);
	if (gone)
		return -ESRCH;
	pcsim__send_signal_nopoint(c->w, p, sig);
	return 0;
}

static void signal_action(struct pcsim_world *w, struct pcsim__event *ev)
{
	if (ev->task->ctx.run == CR_EXITED)
		return;
	pcsim__send_signal_nopoint(w, ev->task, ev->sig);
}

int pcsim_post_signal(struct pcsim_world *w, struct pcsim_task *p, int sig)
{
	if (!w || !p || sig <= 0 || sig >= 64)
		return -EINVAL;
	if (!w->sim)
		return pcsim__thr_post_signal(w, p, sig);	/* a completion thread delivers it */
	struct pcsim__event *ev = pcsim__event_new(w);
	ev->cpu = -1;
	ev->action = signal_action;
	ev->task = p;
	ev->sig = sig;
	snprintf(ev->name, sizeof(ev->name), "signal %d to T%u", sig, p->ctx.id);
	pcsim__event_add_pending(w, ev);
	return (int)ev->id;
}

/* ---------------------------------------------------------------------------------------------
 * task_work
 */
int pcsim_task_work_add(struct pcsim_task *task, struct pcsim_callback_head *work,
			enum pcsim_twa notify)
{
	struct pcsim__ctx *c = pcsim__need_ctx("task_work_add");
	if (!c || !task || !work)
		return -EINVAL;
	struct pcsim_world *w = c->w;
	step(c);
	/* The kernel queues with cmpxchg(): a full barrier. */
	if (w->sim && w->cfg.mem == PCSIM_MEM_TSO)
		pcsim__mm_drain(w, c->cpu);
	glock(w);
	if (task->works_exited) {
		gunlock(w);
		trace(w, c, &pcsim__tk_tw_add, task->ctx.id, (uint64_t)(int64_t)-ESRCH,
		      (uint64_t)notify, NULL);
		return -ESRCH;
	}
	work->next = task->task_works;
	task->task_works = work;
	if (notify == PCSIM_TWA_SIGNAL)
		task->notify_signal = true;
	else if (notify == PCSIM_TWA_RESUME)
		task->notify_resume = true;
	gunlock(w);
	trace(w, c, &pcsim__tk_tw_add, task->ctx.id, 0, (uint64_t)notify, NULL);
	if (notify == PCSIM_TWA_SIGNAL) {
		/* Like signal_wake_up(): interrupt an interruptible sleep. */
		pcsim__ttwu_nopoint(w, task, (unsigned)PCSIM_TASK_INTERRUPTIBLE, true);
	}
	if (!w->sim && notify == PCSIM_TWA_SIGNAL)
		pcsim__thr_task_work_kick(w, task);
	return 0;
}

bool pcsim_task_work_pending(struct pcsim_task *p)
{
	struct pcsim_world *w = p->ctx.w;
	glock(w);
	bool r = p->task_works != NULL;
	gunlock(w);
	return r;
}

static int task_work_run_locked(struct pcsim_task *t, bool exiting)
{
	struct pcsim_world *w = t->ctx.w;
	int n = 0;
	for (;;) {
		glock(w);
		t->notify_signal = false;
		t->notify_resume = false;
		struct pcsim_callback_head *work = t->task_works;
		t->task_works = NULL;
		if (!work && exiting)
			t->works_exited = true;
		gunlock(w);
		if (!work)
			break;
		while (work) {
			struct pcsim_callback_head *next = work->next;
			work->func(work);
			n++;
			work = next;
		}
	}
	return n;
}

int pcsim_task_work_run(void)
{
	struct pcsim_task *t = pcsim__need_task("task_work_run");
	if (!t)
		return 0;
	step(&t->ctx);
	int n = task_work_run_locked(t, false);
	trace(t->ctx.w, &t->ctx, &pcsim__tk_tw_run, 0, (uint64_t)n, 0, NULL);
	return n;
}

int pcsim_return_to_user(void)
{
	struct pcsim_task *t = pcsim__need_task("return_to_user");
	if (!t)
		return 0;
	struct pcsim_world *w = t->ctx.w;
	if (w->checks_atomic && atomic_ctx(&t->ctx))
		pcsim_fail("return-to-user-atomic",
			   "returning to user space with preempt_count=%d, irqs %s",
			   t->ctx.preempt_count, t->ctx.irqs_off ? "off" : "on");
	int delivered = 0;
	for (;;) {
		step(&t->ctx);
		glock(w);
		/* exit_to_user_mode_loop() runs task_work only when notified (TWA_NONE is not). */
		bool work = t->task_works && (t->notify_signal || t->notify_resume);
		uint64_t sigs = t->sigpending;
		gunlock(w);
		if (work) {
			int n = task_work_run_locked(t, false);
			trace(w, &t->ctx, &pcsim__tk_tw_run, 0, (uint64_t)n, 0, NULL);
			continue;
		}
		if (sigs & (1ull << PCSIM_SIGKILL))
			pcsim_do_exit();
		if (sigs) {
			glock(w);
			t->sigpending = 0;
			gunlock(w);
			delivered += __builtin_popcountll(sigs);
			continue;
		}
		break;
	}
	return delivered;
}

void pcsim_do_exit(void)
{
	struct pcsim_task *t = pcsim__need_task("do_exit");
	if (!t)
		abort();
	struct pcsim_world *w = t->ctx.w;
	glock(w);
	t->flags |= PCSIM_PF_EXITING;
	gunlock(w);
	if (w->checks_atomic && (t->ctx.preempt_count || t->ctx.irqs_off || t->ctx.nheld))
		pcsim_fail("exit-atomic", "task %s exits holding %u lock(s), preempt_count=%d",
			   t->name, t->ctx.nheld, t->ctx.preempt_count);
	if (t->ctx.rcu_nesting)
		pcsim_fail("exit-rcu", "task %s exits inside an RCU read-side critical section",
			   t->name);
	step(&t->ctx);
	/* exit_task_work(): run what is queued, then refuse new work. */
	int n = task_work_run_locked(t, true);
	if (n)
		trace(w, &t->ctx, &pcsim__tk_tw_run, 0, (uint64_t)n, 0, NULL);
	trace(w, &t->ctx, &pcsim__tk_exit, 0, 0, 0, NULL);
	pcsim__rcu_ctx_exit(w, &t->ctx);
	if (!w->sim)
		pcsim__thr_task_exit(w, t);
	w->nexited++;
	pcsim__sim_exit_ctx(w, &t->ctx);
}

void pcsim__task_entry(void *arg)
{
	struct pcsim_task *t = arg;
	struct pcsim_world *w = t->ctx.w;
	trace(w, &t->ctx, &pcsim__tk_start, 0, 0, 0, NULL);
	t->ctx.fn(t->ctx.arg);
	pcsim_do_exit();
}

/* ---------------------------------------------------------------------------------------------
 * Data choices and time
 */
uint64_t pcsim_choose(const char *kind, uint64_t n)
{
	struct pcsim_world *w = cur_world();
	if (!w || n <= 1)
		return 0;
	if (!w->sim) {
		/* threads: a cheap thread-local generator; not reproducible by design. */
		static _Thread_local uint64_t x = 0x9e3779b97f4a7c15ull;
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		return x % n;
	}
	return pcsim__sim_choose_data(w, kind ? kind : "data", n);
}

uint64_t pcsim_now_ns(void)
{
	struct pcsim_world *w = cur_world();
	if (!w)
		return 0;
	if (w->sim)
		return w->cfg.timed ? w->now : w->step * 1000u;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int pcsim_task_work_wait(void)
{
	struct pcsim_task *t = pcsim__need_task("task_work_wait");
	if (!t)
		return -EINVAL;
	struct pcsim_world *w = t->ctx.w;
	pcsim_might_sleep();
	for (;;) {
		glock(w);
		bool work = t->task_works != NULL;
		bool sig = t->sigpending != 0;
		gunlock(w);
		if (work)
			return pcsim_task_work_run();
		if (sig)
			return -EINTR;
		if (!w->sim) {
			pcsim__thr_loop_wait(w, t);
			continue;
		}
		snprintf(t->wchan, sizeof(t->wchan), "task_work_wait");
		pcsim_set_current_state(PCSIM_TASK_INTERRUPTIBLE);
		glock(w);
		work = t->task_works != NULL;
		gunlock(w);
		if (work) {
			pcsim___set_current_state(PCSIM_TASK_RUNNING);
			continue;
		}
		pcsim_schedule();
		pcsim___set_current_state(PCSIM_TASK_RUNNING);
	}
}
