// SPDX-License-Identifier: MIT
/*
 * threads/core.c - the threads backend's side of kernel/sched/core.c: task states as C11
 * atomics, try_to_wake_up() as a compare-and-swap of the state followed by a futex wake,
 * schedule() as a futex sleep that re-checks the state, timeouts as libev timers; and the
 * backend's ops table (pcsim__threads_ops). See core.c for the protocol both backends keep and
 * threads/sched.c for how sleeping works.
 */
#include <sched.h>
#include <stdio.h>
#include <time.h>

#include "threads/threads.h"

static void thr_point(struct pcsim_world *w, struct pcsim__ctx *c)
{
	(void)w, (void)c;	/* real threads interleave by themselves */
}

static void thr_violation(struct pcsim_world *w)
{
	(void)w;	/* the first report is kept; the caller goes on */
}

static void thr_full_barrier(struct pcsim_world *w, struct pcsim__ctx *c)
{
	(void)w, (void)c;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static void thr_run_exec(struct pcsim_world *w)
{
	(void)pcsim__thr_run_exec(w);	/* failures are recorded in the world's outcome */
}

static void thr_set_state(struct pcsim_world *w, struct pcsim_task *t, long state, bool mb)
{
	(void)w;
	__atomic_store_n(&t->state.pcsim_private_, state, __ATOMIC_RELAXED);
	if (mb)
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* The waker's full barrier, then the state test-and-set as one CAS, then the futex wake. */
static int thr_ttwu(struct pcsim_world *w, struct pcsim__ctx *c, struct pcsim_task *p,
		    unsigned state, bool tr)
{
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
		pcsim__trace_locked(w, c, &pcsim__tk_wake, p->ctx.id, 1, state, NULL);
	return 1;
}

static void thr_schedule(struct pcsim_world *w, struct pcsim_task *t)
{
	for (;;) {
		long s = __atomic_load_n(&t->state.pcsim_private_, __ATOMIC_SEQ_CST);
		if (s == PCSIM_TASK_RUNNING)
			break;
		pcsim__world_lock(w);
		bool sp = pcsim__signal_pending_state_locked(s, t);
		pcsim__world_unlock(w);
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
}

static bool thr_task_sleeping(const struct pcsim_task *t)
{
	(void)t;
	return false;	/* not observable without racing the task */
}

static void timeout_irq(void *arg)
{
	struct pcsim_task *t = arg;
	__atomic_store_n(&t->timer_fired, true, __ATOMIC_RELEASE);
	pcsim__ttwu_nopoint(t->ctx.w, t, (unsigned)PCSIM_TASK_NORMAL, true);
}

/* The expiry is a softirq on the task's CPU after the delay: a libev timer (event.c). */
static long thr_schedule_timeout(struct pcsim_world *w, struct pcsim_task *t, long timeout)
{
	/* a softirq on the task's CPU after the delay: a libev timer (event.c) */
	pcsim__thr_lock_global(w);
	struct pcsim__event *tev = pcsim__event_new(w);
	if (!tev) {
		pcsim__thr_unlock_global(w);
		return 0;	/* out of memory: reported as the execution's outcome */
	}
	tev->cpu = (int16_t)t->ctx.cpu;
	tev->kind = (uint8_t)PCSIM_CTX_SOFTIRQ;
	tev->fn = timeout_irq;
	tev->arg = t;
	tev->due = w->ex.now + (uint64_t)timeout * 1000000ull;
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

static void thr_cpu_relax(struct pcsim_world *w, struct pcsim__ctx *c)
{
	(void)w, (void)c;
	pcsim__thr_cpu_relax();
}

static void thr_task_work_block(struct pcsim_world *w, struct pcsim_task *t)
{
	pcsim__thr_loop_wait(w, t);
}

static int thr_event_post(struct pcsim_world *w, struct pcsim__event *ev)
{
	int r = pcsim__thr_event_post(w, ev);
	return r < 0 ? r : (int)ev->id;
}

/* A cheap thread-local generator: not reproducible, by design. */
static uint64_t thr_choose(struct pcsim_world *w, const char *kind, uint64_t n)
{
	(void)w, (void)kind;
	static _Thread_local uint64_t x = 0x9e3779b97f4a7c15ull;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return x % n;
}

static uint64_t thr_now_ns(struct pcsim_world *w)
{
	(void)w;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void thr_rcu_ctx_exit(struct pcsim_world *w, struct pcsim__ctx *c)
{
	(void)w, (void)c;	/* liburcu tracks its readers itself */
}

/* Spinlocks: a test-and-test-and-set loop that yields now and then. */
static void thr_spin_acquire(struct pcsim_world *w, struct pcsim__ctx *c,
			     struct pcsim_spinlock *l, bool irqs)
{
	(void)w, (void)irqs;
	unsigned spins = 0;
	/* A task seen spinning here by a hang report is said to be spinning on a lock. */
	struct pcsim__thr_task *tt = c->kind == PCSIM_CTX_TASK ? ctx_task(c)->thr : NULL;
	while (__atomic_exchange_n(&l->locked.pcsim_private_, 1u, __ATOMIC_ACQUIRE)) {
		if (tt && !spins)
			__atomic_store_n(&tt->waiting, (uint8_t)3, __ATOMIC_RELAXED);
		while (__atomic_load_n(&l->locked.pcsim_private_, __ATOMIC_RELAXED)) {
			if (++spins % 64 == 0)
				sched_yield();
			else
				__builtin_ia32_pause();
		}
		spins |= 1;
	}
	if (tt && spins)
		__atomic_store_n(&tt->waiting, (uint8_t)0, __ATOMIC_RELAXED);
	__atomic_store_n(&l->owner, (uint32_t)c->id, __ATOMIC_RELAXED);
}

static bool thr_spin_trylock(struct pcsim_world *w, struct pcsim__ctx *c,
			     struct pcsim_spinlock *l)
{
	(void)w, (void)c;
	return __atomic_exchange_n(&l->locked.pcsim_private_, 1u, __ATOMIC_ACQUIRE) == 0;
}

static bool thr_spin_word(struct pcsim_world *w, struct pcsim__ctx *c, struct pcsim_spinlock *l)
{
	(void)w, (void)c;
	return __atomic_load_n(&l->locked.pcsim_private_, __ATOMIC_RELAXED) != 0;
}

static void thr_spin_release(struct pcsim_world *w, struct pcsim__ctx *c,
			     struct pcsim_spinlock *l, unsigned long irqsave)
{
	(void)w, (void)c, (void)irqsave;
	__atomic_store_n(&l->owner, (uint32_t)0, __ATOMIC_RELAXED);
	__atomic_store_n(&l->locked.pcsim_private_, 0u, __ATOMIC_RELEASE);
}

const struct pcsim__backend_ops pcsim__threads_ops = {
	.name = "threads",
	.replayable = false,
	.world_init = pcsim__thr_world_init,
	.world_destroy = pcsim__thr_world_destroy,
	.run_exec = thr_run_exec,
	.hung = pcsim__thr_world_hung,
	.lock = pcsim__thr_lock_global,
	.unlock = pcsim__thr_unlock_global,
	.violation = thr_violation,
	.point = thr_point,
	.full_barrier = thr_full_barrier,
	.task_created = pcsim__thr_task_created,
	.set_state = thr_set_state,
	.ttwu = thr_ttwu,
	.schedule = thr_schedule,
	.schedule_timeout = thr_schedule_timeout,
	.task_sleeping = thr_task_sleeping,
	.cpu_relax = thr_cpu_relax,
	.task_exit = pcsim__thr_task_exit,
	.post_signal = pcsim__thr_post_signal,
	.task_work_kick = pcsim__thr_task_work_kick,
	.task_work_block = thr_task_work_block,
	.event_post = thr_event_post,
	.choose = thr_choose,
	.now_ns = thr_now_ns,
	.rcu_read_lock = pcsim__thr_rcu_read_lock,
	.rcu_read_unlock = pcsim__thr_rcu_read_unlock,
	.synchronize_rcu = pcsim__thr_synchronize_rcu,
	.call_rcu = pcsim__thr_call_rcu,
	.rcu_barrier = pcsim__thr_rcu_barrier,
	.rcu_ctx_exit = thr_rcu_ctx_exit,
	.spin_acquire = thr_spin_acquire,
	.spin_trylock = thr_spin_trylock,
	.spin_word = thr_spin_word,
	.spin_release = thr_spin_release,
	.load = pcsim__thr_load,
	.store = pcsim__thr_store,
	.load_np = pcsim__thr_load,
	.store_np = pcsim__thr_store,
	.rmw = pcsim__thr_rmw,
	.fence = pcsim__thr_fence,
	.bit_nonatomic = pcsim__thr_bit_nonatomic,
	.forbid = pcsim__thr_forbid,
	.allow = pcsim__thr_allow,
	.setup_unwind = pcsim__thr_setup_unwind,
};
