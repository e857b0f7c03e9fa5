// SPDX-License-Identifier: MIT
/*
 * threads.c - the threads backend: the same engine API on real concurrency.
 *
 * Tasks are pthreads. The memory wrappers are C11 atomics with the kernel's orderings
 * (mem.c). Sleeping keeps try_to_wake_up()'s contract: the waker changes task->state with a
 * compare-and-swap and then bumps a per-task futex word; the sleeper samples the futex word and
 * then re-reads the state, so a wakeup between "state looked asleep" and FUTEX_WAIT is never
 * lost (FUTEX_WAIT fails when the word moved). The state CAS (release) and the sleeper's
 * re-read (acquire) are also what orders the waker's earlier stores before the woken task's
 * later loads; nothing relies on the futex system call for ordering, so ThreadSanitizer sees
 * every happens-before edge the engine provides.
 *
 * Atomic contexts run on one completion thread per virtual CPU, each driving a libev loop;
 * the threads live as long as the world. Events are handed over through a mutex-protected queue
 * and ev_async, and a delay becomes an ev_timer. A task that waits for task_work
 * (pcsim_task_work_wait) waits in its own libev loop (created on first use), in
 * TASK_INTERRUPTIBLE: try_to_wake_up() - from task_work_add(TWA_SIGNAL), a signal, or any other
 * wakeup - rouses it with ev_async_send. TWA_RESUME and TWA_NONE do not wake it, as in the sim
 * backend and the kernel.
 *
 * RCU is liburcu's memb flavour; every thread that may enter a read-side section registers
 * itself. liburcu 0.13 carries no ThreadSanitizer annotations and is not instrumented, so the
 * grace-period guarantees are restated to TSan with release/acquire pairs on counters of this
 * file: every rcu_read_unlock() releases, the end of synchronize_rcu() and the start of every
 * call_rcu callback acquire, every callback releases when done and rcu_barrier() acquires.
 * This adds no ordering the real program lacks (liburcu provides it with its own barriers).
 *
 * An execution that does not finish within threads_timeout_ms is reported as a deadlock with
 * what each task is doing; its tasks are then made to leave at their next blocking point
 * (schedule, task_work_wait, cpu_relax) so the world stays usable. Threads that cannot be
 * reached that way (spinning on a lock forever) are left running and their memory is leaked.
 *
 * What differs from the sim backend (docs/engine.md): interrupts-off does not hold off a
 * completion thread (it only drives the checks), spinning is real, posted signals are
 * delivered by a completion thread as soon as it gets to them, the event trace is not recorded
 * (nothing renders it, and its lock would serialise the threads), and nothing is reproducible:
 * this backend exists for ThreadSanitizer stress tests and real measurements.
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

#include "sched/sched_int.h"

/* Per-task state of this backend (arena memory, one per task and execution). */
struct pcsim__thr_task {
	struct ev_loop *loop;		/* task_work_wait's loop, created on first use */
	ev_async kick;
	pthread_mutex_t loop_mu;	/* ev_async_send races with loop destruction otherwise */
	bool loop_alive;		/* under loop_mu */
	uint8_t waiting;		/* atomic: 0 running, 1 in schedule(), 2 in its loop */
};

struct irq_thread {
	struct pcsim__thr_world *tw;
	unsigned cpu;
	pthread_t thread;
	bool started;
	struct ev_loop *loop;
	ev_async async;
	pthread_mutex_t mu;		/* protects queue, queue_tail, stop */
	struct pcsim__event *queue, *queue_tail;
	bool stop;
	struct timer_ev *timers;	/* armed, not yet fired (the loop's thread only) */
};

struct timer_ev {
	ev_timer timer;
	struct irq_thread *it;
	struct pcsim__event *ev;
	struct timer_ev *next;		/* it->timers: touched by the completion thread only */
};

/* Events posted during setup wait here until the execution starts. */
struct setup_queue {
	struct pcsim__event *head, *tail;
	unsigned n;
};

struct pcsim__thr_world {
	struct pcsim_world *w;
	pthread_mutex_t big;		/* the global lock (recursive: model code may nest) */
	pthread_mutex_t done_mu;
	pthread_cond_t done_cv;		/* alive/outstanding changed, a completion thread is up */
	pthread_cond_t go_cv;
	unsigned outstanding;		/* events and RCU callbacks not yet finished, done_mu */
	unsigned alive;			/* task threads started and not yet exited, done_mu */
	bool running;			/* an execution is running, done_mu */
	bool go;			/* tasks may start, done_mu */
	unsigned irq_started;		/* completion threads created (main thread only) */
	unsigned irq_ready;		/* completion threads up, done_mu */
	bool killing;			/* atomic: a timed-out execution is being torn down */
	bool hung;			/* an execution could not be torn down: leak, do not free */
	uint64_t setup_gen;		/* execution the setup queues belong to */
	struct setup_queue setup_q[PCSIM_MAX_CPUS];
	unsigned long rcu_unlocks;	/* TSan: released by rcu_read_unlock, atomic */
	unsigned long rcu_cbs_done;	/* TSan: released by finished callbacks, atomic */
	struct irq_thread irq[PCSIM_MAX_CPUS];
};

static long futex(void *addr, int op, int val, const struct timespec *ts)
{
	return syscall(SYS_futex, addr, op, val, ts, NULL, 0);
}

void pcsim__thr_lock_global(struct pcsim_world *w)
{
	pthread_mutex_lock(&w->thr->big);
}

void pcsim__thr_unlock_global(struct pcsim_world *w)
{
	pthread_mutex_unlock(&w->thr->big);
}

/* An execution of this world could not be torn down: its threads may still run. */
bool pcsim__thr_world_hung(struct pcsim_world *w)
{
	return w->thr && w->thr->hung;
}

int pcsim__thr_world_init(struct pcsim_world *w)
{
	struct pcsim__thr_world *tw = calloc(1, sizeof(*tw));
	if (!tw)
		return -ENOMEM;
	tw->w = w;
	pthread_mutexattr_t ma;
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&tw->big, &ma);
	pthread_mutexattr_destroy(&ma);
	pthread_mutex_init(&tw->done_mu, NULL);
	pthread_cond_init(&tw->done_cv, NULL);
	pthread_cond_init(&tw->go_cv, NULL);
	for (unsigned c = 0; c < PCSIM_MAX_CPUS; c++) {
		tw->irq[c].tw = tw;
		tw->irq[c].cpu = c;
		pthread_mutex_init(&tw->irq[c].mu, NULL);
	}
	tw->setup_gen = UINT64_MAX;
	w->thr = tw;
	/* No trace in this backend: nothing renders it and recording it serialises threads. */
	w->tracing = false;
	return 0;
}

static void irq_threads_stop(struct pcsim__thr_world *tw);

void pcsim__thr_world_destroy(struct pcsim_world *w)
{
	struct pcsim__thr_world *tw = w->thr;
	if (!tw)
		return;
	if (tw->hung) {
		/*
		 * Threads of the execution that never finished still use the world's memory:
		 * leak it (the arena and this structure) rather than free it under them.
		 */
		w->arena = NULL;
		w->arena_free = NULL;
		w->thr = NULL;
		return;
	}
	irq_threads_stop(tw);
	for (unsigned c = 0; c < PCSIM_MAX_CPUS; c++)
		pthread_mutex_destroy(&tw->irq[c].mu);
	pthread_mutex_destroy(&tw->big);
	pthread_mutex_destroy(&tw->done_mu);
	pthread_cond_destroy(&tw->done_cv);
	pthread_cond_destroy(&tw->go_cv);
	free(tw);
	w->thr = NULL;
}

/* ---------------------------------------------------------------------------------------------
 * Sleeping and waking
 */
/*
 * Teardown of an execution that timed out: its tasks leave at their next blocking point
 * (schedule, task_work_wait, cpu_relax) as if they exited, so the world can be reused.
 */
static bool killing(struct pcsim_world *w)
{
	return __atomic_load_n(&w->thr->killing, __ATOMIC_ACQUIRE);
}

static PCSIM_NORETURN void die(struct pcsim_world *w, struct pcsim_task *t)
{
	while (t->ctx.rcu_nesting > 0) {
		t->ctx.rcu_nesting--;
		urcu_memb_read_unlock();
	}
	pcsim__thr_task_exit(w, t);
}

void pcsim__thr_sleep(struct pcsim_world *w, struct pcsim_task *t)
{
	if (killing(w))
		die(w, t);
	int v = __atomic_load_n(&t->futex_word.pcsim_private_, __ATOMIC_ACQUIRE);
	/* Re-check after sampling the word: a waker that changed the state also bumped it. */
	if (__atomic_load_n(&t->state.pcsim_private_, __ATOMIC_ACQUIRE) == PCSIM_TASK_RUNNING)
		return;
	__atomic_store_n(&t->thr->waiting, (uint8_t)1, __ATOMIC_RELAXED);
	futex(&t->futex_word.pcsim_private_, FUTEX_WAIT_PRIVATE, v, NULL);
	__atomic_store_n(&t->thr->waiting, (uint8_t)0, __ATOMIC_RELAXED);
	if (killing(w))
		die(w, t);
}

static void kick_loop(struct pcsim_task *t)
{
	struct pcsim__thr_task *tt = t->thr;
	if (!tt)
		return;
	pthread_mutex_lock(&tt->loop_mu);
	if (tt->loop_alive)
		ev_async_send(tt->loop, &tt->kick);
	pthread_mutex_unlock(&tt->loop_mu);
}

/* Called by try_to_wake_up() after its CAS made @t TASK_RUNNING. */
void pcsim__thr_wake(struct pcsim_world *w, struct pcsim_task *t)
{
	(void)w;
	__atomic_fetch_add(&t->futex_word.pcsim_private_, 1, __ATOMIC_RELEASE);
	futex(&t->futex_word.pcsim_private_, FUTEX_WAKE_PRIVATE, 1, NULL);
	kick_loop(t);
}

/*
 * task_work_add() with TWA_RESUME or TWA_SIGNAL. TWA_SIGNAL has already woken an
 * interruptible waiter through try_to_wake_up() (which kicks its loop); TWA_RESUME must not
 * wake anybody. So there is nothing left to do here.
 */
void pcsim__thr_task_work_kick(struct pcsim_world *w, struct pcsim_task *t)
{
	(void)w;
	(void)t;
}

static void kick_cb(struct ev_loop *loop, ev_async *a, int revents)
{
	(void)loop;
	(void)a;
	(void)revents;
	/* Nothing to do: returning from ev_run is the point. */
}

/*
 * One wait of pcsim_task_work_wait(): sleep in TASK_INTERRUPTIBLE in the task's libev loop
 * until try_to_wake_up() kicks it. The caller re-checks for task_work and signals afterwards.
 */
void pcsim__thr_loop_wait(struct pcsim_world *w, struct pcsim_task *t)
{
	struct pcsim__thr_task *tt = t->thr;
	if (!tt->loop) {
		/* Created before the state is set, so every wakeup from then on can kick it. */
		struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
		if (!loop) {
			fprintf(stderr, "pcsim: ev_loop_new failed for task %s\n", t->name);
			abort();
		}
		ev_async_init(&tt->kick, kick_cb);
		ev_async_start(loop, &tt->kick);
		pthread_mutex_lock(&tt->loop_mu);
		tt->loop = loop;
		tt->loop_alive = true;
		pthread_mutex_unlock(&tt->loop_mu);
	}
	snprintf(t->wchan, sizeof(t->wchan), "task_work_wait");
	/* set_current_state(TASK_INTERRUPTIBLE): store, then a full barrier. */
	__atomic_store_n(&t->state.pcsim_private_, PCSIM_TASK_INTERRUPTIBLE, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	pcsim__thr_lock_global(w);
	bool ready = t->task_works != NULL || t->sigpending != 0;
	pcsim__thr_unlock_global(w);
	if (!ready &&
	    __atomic_load_n(&t->state.pcsim_private_, __ATOMIC_ACQUIRE) != PCSIM_TASK_RUNNING) {
		__atomic_store_n(&tt->waiting, (uint8_t)2, __ATOMIC_RELAXED);
		/* Returns after an ev_async (a wakeup), possibly a stale one: the caller loops. */
		ev_run(tt->loop, EVRUN_ONCE);
		__atomic_store_n(&tt->waiting, (uint8_t)0, __ATOMIC_RELAXED);
	}
	if (killing(w))
		die(w, t);
	/* __set_current_state(TASK_RUNNING); acquire pairs with the waker's CAS. */
	(void)__atomic_load_n(&t->state.pcsim_private_, __ATOMIC_ACQUIRE);
	__atomic_store_n(&t->state.pcsim_private_, PCSIM_TASK_RUNNING, __ATOMIC_RELAXED);
	t->wchan[0] = 0;
}

void pcsim__thr_cpu_relax(void)
{
	/* A spinning thread gives its CPU away now and then: tasks may outnumber real CPUs. */
	static _Thread_local unsigned n;
	if ((++n & 15) == 0) {
		struct pcsim_task *t = ctx_task(pcsim__tls_ctx);
		if (t && killing(t->ctx.w))
			die(t->ctx.w, t);
		sched_yield();
	} else {
		__builtin_ia32_pause();
	}
}

/* ---------------------------------------------------------------------------------------------
 * Task threads
 */
static void *task_main(void *arg)
{
	struct pcsim_task *t = arg;
	struct pcsim_world *w = t->ctx.w;
	struct pcsim__thr_world *tw = w->thr;
	urcu_memb_register_thread();
	pcsim__tls_ctx = &t->ctx;
	/* Start together, so the tasks really overlap. */
	pthread_mutex_lock(&tw->done_mu);
	while (!tw->go)
		pthread_cond_wait(&tw->go_cv, &tw->done_mu);
	pthread_mutex_unlock(&tw->done_mu);
	pcsim__task_entry(t);
	return NULL;
}

static void task_thread_start(struct pcsim__thr_world *tw, struct pcsim_task *t)
{
	if (pthread_create(&t->thread, NULL, task_main, t) == 0) {
		t->thread_started = true;
		return;
	}
	fprintf(stderr, "pcsim: cannot create the thread of task %s\n", t->name);
	pthread_mutex_lock(&tw->done_mu);
	tw->alive--;
	pthread_cond_broadcast(&tw->done_cv);
	pthread_mutex_unlock(&tw->done_mu);
	pcsim__thr_lock_global(tw->w);
	pcsim__failf(tw->w, PCSIM_OUTCOME_INTERNAL, "internal", "pthread_create failed for %s",
		     t->name);
	pcsim__thr_unlock_global(tw->w);
}

void pcsim__thr_task_created(struct pcsim_world *w, struct pcsim_task *t)
{
	struct pcsim__thr_world *tw = w->thr;
	t->thr = pcsim_alloc(w, sizeof(*t->thr));
	pthread_mutex_init(&t->thr->loop_mu, NULL);
	/* During setup the execution starts the thread; a task creating a task starts it now. */
	pthread_mutex_lock(&tw->done_mu);
	bool running = tw->running;
	if (running)
		tw->alive++;
	pthread_mutex_unlock(&tw->done_mu);
	if (running)
		task_thread_start(tw, t);
}

void pcsim__thr_task_exit(struct pcsim_world *w, struct pcsim_task *t)
{
	struct pcsim__thr_world *tw = w->thr;
	struct pcsim__thr_task *tt = t->thr;
	pthread_mutex_lock(&tt->loop_mu);
	tt->loop_alive = false;
	struct ev_loop *loop = tt->loop;
	tt->loop = NULL;
	pthread_mutex_unlock(&tt->loop_mu);
	if (loop) {
		ev_async_stop(loop, &tt->kick);
		ev_loop_destroy(loop);
	}
	urcu_memb_unregister_thread();
	pcsim__tls_ctx = NULL;
	__atomic_store_n(&t->ctx.run, (uint8_t)CR_EXITED, __ATOMIC_RELEASE);
	pthread_mutex_lock(&tw->done_mu);
	tw->alive--;
	pthread_cond_broadcast(&tw->done_cv);
	pthread_mutex_unlock(&tw->done_mu);
	pthread_exit(NULL);
}

/* ---------------------------------------------------------------------------------------------
 * Completion threads (one libev loop per virtual CPU, for the world's lifetime)
 */
static void event_done(struct pcsim__thr_world *tw)
{
	pthread_mutex_lock(&tw->done_mu);
	tw->outstanding--;
	pthread_cond_broadcast(&tw->done_cv);
	pthread_mutex_unlock(&tw->done_mu);
}

static void run_event(struct irq_thread *it, struct pcsim__event *ev)
{
	struct pcsim_world *w = it->tw->w;
	struct pcsim__ctx c;
	memset(&c, 0, sizeof(c));
	c.w = w;
	c.id = PCSIM_IRQ_CTX_BASE + ev->id;
	c.cpu = (uint16_t)it->cpu;
	c.kind = ev->kind;
	c.run = CR_RUNNABLE;
	c.irqs_off = true;
	c.ev = ev;
	pcsim__tls_ctx = &c;
	__atomic_store_n(&ev->state, (uint8_t)EV_RUNNING, __ATOMIC_RELAXED);
	ev->fn(ev->arg);
	if (w->checks_atomic && (c.nheld || c.preempt_count))
		pcsim_fail("irq-exit-locked", "%s returns holding %u lock(s)", ev->name, c.nheld);
	if (c.rcu_nesting) {
		pcsim_fail("irq-exit-rcu", "%s returns inside an RCU read-side section", ev->name);
		while (c.rcu_nesting-- > 0)
			urcu_memb_read_unlock();
	}
	__atomic_store_n(&ev->state, (uint8_t)EV_DONE, __ATOMIC_RELEASE);
	pcsim__tls_ctx = NULL;
	event_done(it->tw);
}

static void timer_unlink(struct timer_ev *te)
{
	struct timer_ev **pp = &te->it->timers;
	while (*pp && *pp != te)
		pp = &(*pp)->next;
	if (*pp)
		*pp = te->next;
}

/* A cancelled event (del_timer_sync()) completes without running its handler. */
static void event_cancelled(struct irq_thread *it, struct pcsim__event *ev)
{
	__atomic_store_n(&ev->state, (uint8_t)EV_DONE, __ATOMIC_RELEASE);
	event_done(it->tw);
}

/* Run @ev unless pcsim__thr_event_cancel() claimed it first. */
static void run_or_cancel(struct irq_thread *it, struct pcsim__event *ev)
{
	uint8_t none = 0;
	if (__atomic_compare_exchange_n(&ev->claim, &none, (uint8_t)EV_CLAIM_RUN, false,
					__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		run_event(it, ev);
	else
		event_cancelled(it, ev);
}

static void timer_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	(void)loop;
	(void)revents;
	struct timer_ev *te = (struct timer_ev *)t;
	timer_unlink(te);
	run_or_cancel(te->it, te->ev);
	free(te);
}

/* Stop the armed timers whose events were cancelled since the last look. */
static void timers_reap_cancelled(struct ev_loop *loop, struct irq_thread *it)
{
	struct timer_ev **pp = &it->timers;
	while (*pp) {
		struct timer_ev *te = *pp;
		if (__atomic_load_n(&te->ev->claim, __ATOMIC_ACQUIRE) != EV_CLAIM_CANCEL) {
			pp = &te->next;
			continue;
		}
		*pp = te->next;
		ev_timer_stop(loop, &te->timer);
		event_cancelled(it, te->ev);
		free(te);
	}
}

static void irq_async_cb(struct ev_loop *loop, ev_async *a, int revents)
{
	(void)revents;
	struct irq_thread *it = (struct irq_thread *)((char *)a - offsetof(struct irq_thread, async));
	pthread_mutex_lock(&it->mu);
	struct pcsim__event *q = it->queue;
	bool stop = it->stop;
	it->queue = it->queue_tail = NULL;
	pthread_mutex_unlock(&it->mu);
	while (q) {
		struct pcsim__event *next = q->next_pending;
		q->next_pending = NULL;
		if (__atomic_load_n(&q->claim, __ATOMIC_ACQUIRE) == EV_CLAIM_CANCEL) {
			event_cancelled(it, q);
			q = next;
			continue;
		}
		struct timer_ev *te = q->due ? calloc(1, sizeof(*te)) : NULL;
		if (te) {
			te->it = it;
			te->ev = q;
			te->next = it->timers;
			it->timers = te;
			ev_now_update(loop);
			ev_timer_init(&te->timer, timer_cb, (double)q->due / 1e9, 0.);
			ev_timer_start(loop, &te->timer);
		} else {
			run_or_cancel(it, q);
		}
		q = next;
	}
	timers_reap_cancelled(loop, it);
	if (stop)
		ev_break(loop, EVBREAK_ALL);
}

static void *irq_main(void *arg)
{
	struct irq_thread *it = arg;
	struct pcsim__thr_world *tw = it->tw;
	urcu_memb_register_thread();
	pthread_mutex_lock(&tw->done_mu);
	tw->irq_ready++;
	pthread_cond_broadcast(&tw->done_cv);
	pthread_mutex_unlock(&tw->done_mu);
	ev_run(it->loop, 0);
	ev_async_stop(it->loop, &it->async);
	ev_loop_destroy(it->loop);
	it->loop = NULL;
	urcu_memb_unregister_thread();
	return NULL;
}

static int irq_threads_start(struct pcsim__thr_world *tw, unsigned ncpu)
{
	for (unsigned c = 0; c < ncpu; c++) {
		struct irq_thread *it = &tw->irq[c];
		if (it->started)
			continue;
		it->loop = ev_loop_new(EVFLAG_AUTO);
		if (!it->loop)
			return -ENOMEM;
		ev_async_init(&it->async, irq_async_cb);
		ev_async_start(it->loop, &it->async);
		if (pthread_create(&it->thread, NULL, irq_main, it) != 0) {
			ev_loop_destroy(it->loop);
			it->loop = NULL;
			return -EAGAIN;
		}
		it->started = true;
		tw->irq_started++;
	}
	pthread_mutex_lock(&tw->done_mu);
	while (tw->irq_ready < tw->irq_started)
		pthread_cond_wait(&tw->done_cv, &tw->done_mu);
	pthread_mutex_unlock(&tw->done_mu);
	return 0;
}

static void irq_threads_stop(struct pcsim__thr_world *tw)
{
	for (unsigned c = 0; c < PCSIM_MAX_CPUS; c++) {
		struct irq_thread *it = &tw->irq[c];
		if (!it->started)
			continue;
		pthread_mutex_lock(&it->mu);
		it->stop = true;
		ev_async_send(it->loop, &it->async);
		pthread_mutex_unlock(&it->mu);
		pthread_join(it->thread, NULL);
		it->started = false;
	}
}

static void irq_enqueue(struct irq_thread *it, struct pcsim__event *ev)
{
	pthread_mutex_lock(&it->mu);
	ev->next_pending = NULL;
	if (it->queue_tail)
		it->queue_tail->next_pending = ev;
	else
		it->queue = ev;
	it->queue_tail = ev;
	ev_async_send(it->loop, &it->async);
	pthread_mutex_unlock(&it->mu);
}

void pcsim__thr_event_cancel(struct pcsim_world *w, struct pcsim__event *ev)
{
	struct irq_thread *it = &w->thr->irq[ev->cpu];
	uint8_t none = 0;
	if (__atomic_compare_exchange_n(&ev->claim, &none, (uint8_t)EV_CLAIM_CANCEL, false,
					__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		/* the completion thread stops the timer (libev loops are single-threaded) */
		pthread_mutex_lock(&it->mu);
		ev_async_send(it->loop, &it->async);
		pthread_mutex_unlock(&it->mu);
		return;
	}
	/* the handler has begun: wait for it to return, as del_timer_sync() does */
	while (__atomic_load_n(&ev->state, __ATOMIC_ACQUIRE) != EV_DONE)
		sched_yield();
}

int pcsim__thr_event_post(struct pcsim_world *w, struct pcsim__event *ev)
{
	struct pcsim__thr_world *tw = w->thr;
	/* In this backend `due` is the delay relative to posting. */
	ev->due = ev->due > w->now ? ev->due - w->now : 0;
	ev->state = EV_PENDING;
	pthread_mutex_lock(&tw->done_mu);
	bool running = tw->running;
	if (running) {
		/* The poster is a live task or handler, so the execution cannot end meanwhile. */
		tw->outstanding++;
		pthread_mutex_unlock(&tw->done_mu);
		irq_enqueue(&tw->irq[ev->cpu], ev);
		return 0;
	}
	/* Setup (main thread): queue until the execution starts. */
	if (tw->setup_gen != w->exec_gen) {
		/* Left over from an execution whose setup failed: that memory is gone. */
		memset(tw->setup_q, 0, sizeof(tw->setup_q));
		tw->setup_gen = w->exec_gen;
	}
	struct setup_queue *sq = &tw->setup_q[ev->cpu];
	ev->next_pending = NULL;
	if (sq->tail)
		sq->tail->next_pending = ev;
	else
		sq->head = ev;
	sq->tail = ev;
	sq->n++;
	pthread_mutex_unlock(&tw->done_mu);
	return 0;
}

/* pcsim_post_signal(): the delivery is an event a completion thread runs. */
struct post_signal {
	struct pcsim_task *p;
	int sig;
};

static void post_signal_fn(void *arg)
{
	struct post_signal *ps = arg;
	struct pcsim_world *w = ps->p->ctx.w;
	if (pcsim_task_exited(ps->p))
		return;
	pcsim__send_signal_nopoint(w, ps->p, ps->sig);
}

int pcsim__thr_post_signal(struct pcsim_world *w, struct pcsim_task *p, int sig)
{
	struct post_signal *ps = pcsim_alloc(w, sizeof(*ps));
	ps->p = p;
	ps->sig = sig;
	char name[40];
	snprintf(name, sizeof(name), "signal %d to T%u", sig, p->ctx.id);
	struct pcsim_event_desc d = { name, PCSIM_CTX_SOFTIRQ, -1, 0, post_signal_fn, ps };
	return pcsim_event_post(w, &d);
}

/* ---------------------------------------------------------------------------------------------
 * RCU through liburcu (memb)
 */
struct thr_rcu_cb {
	struct rcu_head rh;
	struct pcsim_world *w;
	struct pcsim_callback_head *head;
	void (*func)(struct pcsim_callback_head *head);
	int queued;		/* TSan: call_rcu() -> callback, release/acquire */
};

void pcsim__thr_rcu_read_lock(void)
{
	urcu_memb_read_lock();
}

void pcsim__thr_rcu_read_unlock(void)
{
	struct pcsim__ctx *c = pcsim__tls_ctx;
	if (c && c->w->thr)
		__atomic_fetch_add(&c->w->thr->rcu_unlocks, 1, __ATOMIC_RELEASE);
	urcu_memb_read_unlock();
}

void pcsim__thr_synchronize_rcu(void)
{
	urcu_memb_synchronize_rcu();
	struct pcsim__ctx *c = pcsim__tls_ctx;
	if (c && c->w->thr)
		(void)__atomic_load_n(&c->w->thr->rcu_unlocks, __ATOMIC_ACQUIRE);
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
	event_done(tw);
}

void pcsim__thr_call_rcu(struct pcsim_world *w, struct pcsim_callback_head *head,
			 void (*func)(struct pcsim_callback_head *head))
{
	struct pcsim__thr_world *tw = w->thr;
	struct thr_rcu_cb *cb = calloc(1, sizeof(*cb));
	if (!cb) {
		fprintf(stderr, "pcsim: out of memory in call_rcu\n");
		abort();
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

void pcsim__thr_rcu_barrier(void)
{
	urcu_memb_barrier();
	struct pcsim__ctx *c = pcsim__tls_ctx;
	if (c && c->w->thr)
		(void)__atomic_load_n(&c->w->thr->rcu_cbs_done, __ATOMIC_ACQUIRE);
}

/* ---------------------------------------------------------------------------------------------
 * One execution
 */
static void deadline_after(struct timespec *ts, unsigned ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}


/* What every unfinished task is doing, for the hang report (read racily, on purpose). */
static void dump_hung(struct pcsim_world *w, char *buf, size_t len)
{
	size_t off = 0;
	buf[0] = 0;
	for (unsigned i = 0; i < w->ntasks && off < len; i++) {
		struct pcsim_task *t = w->tasks[i];
		if (pcsim_task_exited(t))
			continue;
		uint8_t wt = t->thr ? __atomic_load_n(&t->thr->waiting, __ATOMIC_RELAXED) : 0;
		long s = __atomic_load_n(&t->state.pcsim_private_, __ATOMIC_RELAXED);
		const char *what = wt == 1 ? "sleeping in schedule()"
				   : wt == 2 ? "waiting in its loop"
					     : "running (spinning?)";
		off += (size_t)snprintf(buf + off, len - off, "\n  T%u %s (cpu%u): %s, %s",
					t->ctx.id, t->name, t->ctx.cpu, what, pcsim__state_name(s));
	}
}

/*
 * After a timeout: make every task leave at its next blocking point and wait a little for
 * them and for outstanding events. Returns true if the execution is over after all.
 */
static bool teardown(struct pcsim_world *w)
{
	struct pcsim__thr_world *tw = w->thr;
	__atomic_store_n(&tw->killing, true, __ATOMIC_RELEASE);
	pthread_mutex_lock(&tw->done_mu);
	for (int i = 0; i < 200 && (tw->alive || tw->outstanding); i++) {
		pthread_mutex_unlock(&tw->done_mu);
		pcsim__thr_lock_global(w);
		unsigned ntasks = w->ntasks;
		pcsim__thr_unlock_global(w);
		for (unsigned k = 0; k < ntasks; k++) {
			struct pcsim_task *t = w->tasks[k];
			if (pcsim_task_exited(t))
				continue;
			__atomic_fetch_add(&t->futex_word.pcsim_private_, 1, __ATOMIC_RELEASE);
			futex(&t->futex_word.pcsim_private_, FUTEX_WAKE_PRIVATE, 1, NULL);
			kick_loop(t);
		}
		pthread_mutex_lock(&tw->done_mu);
		struct timespec step;
		deadline_after(&step, 10);
		pthread_cond_timedwait(&tw->done_cv, &tw->done_mu, &step);
	}
	bool over = !tw->alive && !tw->outstanding;
	pthread_mutex_unlock(&tw->done_mu);
	__atomic_store_n(&tw->killing, false, __ATOMIC_RELEASE);
	return over;
}

int pcsim__thr_run_exec(struct pcsim_world *w)
{
	struct pcsim__thr_world *tw = w->thr;
	unsigned ncpu = w->cfg.ncpus;
	if (tw->hung) {
		/* Threads of a hung execution may still wake up and count themselves out. */
		pcsim__failf(w, PCSIM_OUTCOME_INTERNAL, "internal",
			     "threads backend: a previous execution of this world hung");
		return -EDEADLK;
	}
	int err = irq_threads_start(tw, ncpu);
	if (err < 0) {
		pcsim__failf(w, PCSIM_OUTCOME_INTERNAL, "internal",
			     "threads backend: cannot start the completion threads (%d)", err);
		return err;
	}
	unsigned n = w->ntasks;
	pthread_mutex_lock(&tw->done_mu);
	tw->running = true;
	tw->go = false;
	tw->alive = n;
	tw->outstanding = 0;
	struct setup_queue sq[PCSIM_MAX_CPUS];
	if (tw->setup_gen == w->exec_gen) {
		memcpy(sq, tw->setup_q, sizeof(sq[0]) * ncpu);
		for (unsigned c = 0; c < ncpu; c++)
			tw->outstanding += sq[c].n;
	} else {
		memset(sq, 0, sizeof(sq[0]) * ncpu);
	}
	memset(tw->setup_q, 0, sizeof(tw->setup_q));
	tw->setup_gen = UINT64_MAX;
	pthread_mutex_unlock(&tw->done_mu);
	for (unsigned i = 0; i < n; i++)
		task_thread_start(tw, w->tasks[i]);
	/* Events posted during setup. */
	for (unsigned c = 0; c < ncpu; c++) {
		struct pcsim__event *ev = sq[c].head;
		while (ev) {
			struct pcsim__event *next = ev->next_pending;
			irq_enqueue(&tw->irq[c], ev);
			ev = next;
		}
	}
	pthread_mutex_lock(&tw->done_mu);
	tw->go = true;
	pthread_cond_broadcast(&tw->go_cv);
	struct timespec dl;
	deadline_after(&dl, w->cfg.threads_timeout_ms);
	int rc = 0;
	while ((tw->alive || tw->outstanding) && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&tw->done_cv, &tw->done_mu, &dl);
	bool hung = tw->alive || tw->outstanding;
	unsigned alive = tw->alive, outstanding = tw->outstanding;
	pthread_mutex_unlock(&tw->done_mu);
	if (hung) {
		char buf[1536];
		pcsim__thr_lock_global(w);
		dump_hung(w, buf, sizeof(buf));
		pcsim__failf(w, PCSIM_OUTCOME_DEADLOCK, "deadlock",
			     "threads backend: the execution did not finish within %u ms "
			     "(%u task(s), %u event(s) or RCU callback(s) outstanding):%s",
			     w->cfg.threads_timeout_ms, alive, outstanding, buf);
		pcsim__thr_unlock_global(w);
		if (!teardown(w)) {
			/* Threads that cannot be reclaimed: leave them and their memory. */
			tw->hung = true;
			return -ETIMEDOUT;
		}
	}
	for (unsigned i = 0; i < w->ntasks; i++) {
		struct pcsim_task *t = w->tasks[i];
		if (t->thread_started)
			pthread_join(t->thread, NULL);
		pthread_mutex_destroy(&t->thr->loop_mu);
	}
	/* Every callback has run (outstanding is 0); make that visible to TSan too. */
	(void)__atomic_load_n(&tw->rcu_cbs_done, __ATOMIC_ACQUIRE);
	pthread_mutex_lock(&tw->done_mu);
	tw->running = false;
	pthread_mutex_unlock(&tw->done_mu);
	return 0;
}
