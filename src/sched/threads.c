// SPDX-License-Identifier: MIT
/*
 * threads.c - the threads backend: the same engine API on real concurrency.
 *
 * Tasks are pthreads. The memory wrappers are C11 atomics with the kernel's orderings
 * (mem.c). Sleeping keeps try_to_wake_up()'s contract: the waker changes task->state with a
 * compare-and-swap and then bumps a per-task futex word; the sleeper re-reads the state after
 * sampling the futex word, so a wakeup between "state looked asleep" and FUTEX_WAIT is never
 * lost. Atomic contexts run on one completion thread per virtual CPU, each driving a libev loop:
 * events are handed over through a mutex-protected queue and ev_async, and a delay becomes an
 * ev_timer. Each task also owns a libev loop with an ev_async watcher, so task_work_add() and
 * every wakeup can rouse a task waiting in its loop (pcsim_task_work_wait). RCU is liburcu's
 * memb flavour; every thread that may enter a read-side section registers itself.
 *
 * What differs from the sim backend (docs/engine.md): interrupts-off does not hold off a
 * completion thread (it only drives the checks), spinning is real, and nothing is reproducible:
 * this backend exists for ThreadSanitizer stress tests and real measurements.
 */
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>
#include <urcu/urcu-memb.h>

#include "sched/sched_int.h"

struct pcsim__thr_task {
	struct ev_loop *loop;
	ev_async kick;
	pthread_mutex_t loop_mu;	/* ev_async_send races with loop destruction otherwise */
	bool loop_alive;
};

struct irq_thread {
	struct pcsim__thr_world *tw;
	unsigned cpu;
	pthread_t thread;
	struct ev_loop *loop;
	ev_async async;
	pthread_mutex_t mu;
	struct pcsim__event *queue, *queue_tail;
	bool stop;
	bool ready;
};

struct timer_ev {
	ev_timer timer;
	struct irq_thread *it;
	struct pcsim__event *ev;
};

struct pcsim__thr_world {
	struct pcsim_world *w;
	pthread_mutex_t big;
	pthread_mutex_t done_mu;
	pthread_cond_t done_cv;
	pthread_cond_t ready_cv;
	unsigned outstanding;		/* events posted and not yet finished, under done_mu */
	unsigned alive;			/* tasks started and not yet exited, under done_mu */
	bool running;
	bool go;
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

int pcsim__thr_world_init(struct pcsim_world *w)
{
	struct pcsim__thr_world *tw = calloc(1, sizeof(*tw));
	if (!tw)
		return -ENOMEM;
	tw->w = w;
	pthread_mutex_init(&tw->big, NULL);
	pthread_mutex_init(&tw->done_mu, NULL);
	pthread_cond_init(&tw->done_cv, NULL);
	pthread_cond_init(&tw->ready_cv, NULL);
	w->thr = tw;
	return 0;
}

void pcsim__thr_world_destroy(struct pcsim_world *w)
{
	struct pcsim__thr_world *tw = w->thr;
	if (!tw)
		return;
	pthread_mutex_destroy(&tw->big);
	pthread_mutex_destroy(&tw->done_mu);
	pthread_cond_destroy(&tw->done_cv);
	pthread_cond_destroy(&tw->ready_cv);
	free(tw);
	w->thr = NULL;
}

/* ---------------------------------------------------------------------------------------------
 * Sleeping and waking
 */
void pcsim__thr_sleep(struct pcsim_world *w, struct pcsim_task *t)
{
	(void)w;
	int v = __atomic_load_n(&t->futex_word.pcsim_private_, __ATOMIC_ACQUIRE);
	/* Re-check after sampling the word: a waker that changed the state also bumped it. */
	if (__atomic_load_n(&t->state.pcsim_private_, __ATOMIC_SEQ_CST) == PCSIM_TASK_RUNNING)
		return;
	if (__atomic_load_n(&t->notify_signal, __ATOMIC_RELAXED))
		return;
	futex(&t->futex_word.pcsim_private_, FUTEX_WAIT_PRIVATE, v, NULL);
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

void pcsim__thr_wake(struct pcsim_world *w, struct pcsim_task *t)
{
	(void)w;
	__atomic_fetch_add(&t->futex_word.pcsim_private_, 1, __ATOMIC_RELEASE);
	futex(&t->futex_word.pcsim_private_, FUTEX_WAKE_PRIVATE, 1, NULL);
	kick_loop(t);
}

void pcsim__thr_task_work_kick(struct pcsim_world *w, struct pcsim_task *t)
{
	(void)w;
	kick_loop(t);
}

static void kick_cb(struct ev_loop *loop, ev_async *a, int revents)
{
	(void)loop;
	(void)a;
	(void)revents;
	/* Nothing to do: returning from ev_run is the point. */
}

void pcsim__thr_loop_wait(struct pcsim_world *w, struct pcsim_task *t)
{
	(void)w;
	/* One loop iteration: returns after an ev_async (task_work_add, a wakeup) arrived. */
	ev_run(t->thr->loop, EVRUN_ONCE);
}

/* ---------------------------------------------------------------------------------------------
 * Task threads
 */
static void *task_main(void *arg)
{
	struct pcsim_task *t = arg;
	struct pcsim_world *w = t->ctx.w;
	struct pcsim__thr_world *tw = w->thr;
	struct pcsim__thr_task *tt = t->thr;
	urcu_memb_register_thread();
	tt->loop = ev_loop_new(EVFLAG_AUTO);
	ev_async_init(&tt->kick, kick_cb);
	ev_async_start(tt->loop, &tt->kick);
	pthread_mutex_lock(&tt->loop_mu);
	tt->loop_alive = true;
	pthread_mutex_unlock(&tt->loop_mu);
	pcsim__tls_ctx = &t->ctx;
	/* Start together, so the tasks really overlap. */
	pthread_mutex_lock(&tw->done_mu);
	while (!tw->go)
		pthread_cond_wait(&tw->ready_cv, &tw->done_mu);
	pthread_mutex_unlock(&tw->done_mu);
	pcsim__task_entry(t);
	return NULL;
}

void pcsim__thr_task_created(struct pcsim_world *w, struct pcsim_task *t)
{
	struct pcsim__thr_world *tw = w->thr;
	t->thr = pcsim_alloc(w, sizeof(*t->thr));
	pthread_mutex_init(&t->thr->loop_mu, NULL);
	pthread_mutex_lock(&tw->done_mu);
	tw->alive++;
	bool running = tw->running;
	pthread_mutex_unlock(&tw->done_mu);
	if (running) {
		if (pthread_create(&t->thread, NULL, task_main, t) == 0)
			t->thread_started = true;
	}
}

void pcsim__thr_task_exit(struct pcsim_world *w, struct pcsim_task *t)
{
	struct pcsim__thr_world *tw = w->thr;
	struct pcsim__thr_task *tt = t->thr;
	pthread_mutex_lock(&tt->loop_mu);
	tt->loop_alive = false;
	pthread_mutex_unlock(&tt->loop_mu);
	ev_async_stop(tt->loop, &tt->kick);
	ev_loop_destroy(tt->loop);
	tt->loop = NULL;
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
 * Completion threads (one libev loop per virtual CPU)
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
	c.irqs_off = true;
	c.ev = ev;
	pcsim__tls_ctx = &c;
	if (w->tracing) {
		pcsim__thr_lock_global(w);
		pcsim__trace(w, &c, &pcsim__tk_irq_enter, 0, 0, ev->kind, 0, ev->name);
		pcsim__thr_unlock_global(w);
	}
	ev->fn(ev->arg);
	if (w->checks_atomic && (c.nheld || c.preempt_count))
		pcsim_fail("irq-exit-locked", "%s returns holding %u lock(s)", ev->name, c.nheld);
	pcsim__tls_ctx = NULL;
	event_done(it->tw);
}

static void timer_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	(void)loop;
	(void)revents;
	struct timer_ev *te = (struct timer_ev *)t;
	run_event(te->it, te->ev);
	free(te);
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
		if (q->due) {
			struct timer_ev *te = calloc(1, sizeof(*te));
			if (!te) {
				run_event(it, q);
			} else {
				te->it = it;
				te->ev = q;
				ev_timer_init(&te->timer, timer_cb, (double)q->due / 1e9, 0.);
				ev_timer_start(loop, &te->timer);
			}
		} else {
			run_event(it, q);
		}
		q = next;
	}
	if (stop)
		ev_break(loop, EVBREAK_ALL);
}

static void *irq_main(void *arg)
{
	struct irq_thread *it = arg;
	struct pcsim__thr_world *tw = it->tw;
	urcu_memb_register_thread();
	it->loop = ev_loop_new(EVFLAG_AUTO);
	ev_async_init(&it->async, irq_async_cb);
	ev_async_start(it->loop, &it->async);
	pthread_mutex_lock(&tw->done_mu);
	it->ready = true;
	pthread_cond_broadcast(&tw->done_cv);
	pthread_mutex_unlock(&tw->done_mu);
	ev_run(it->loop, 0);
	ev_async_stop(it->loop, &it->async);
	ev_loop_destroy(it->loop);
	urcu_memb_unregister_thread();
	return NULL;
}

int pcsim__thr_event_post(struct pcsim_world *w, struct pcsim__event *ev)
{
	struct pcsim__thr_world *tw = w->thr;
	struct irq_thread *it = &tw->irq[ev->cpu];
	/* In this backend `due` is the delay relative to posting. */
	ev->due = ev->due > w->now ? ev->due - w->now : 0;
	pthread_mutex_lock(&tw->done_mu);
	tw->outstanding++;
	bool running = tw->running;
	pthread_mutex_unlock(&tw->done_mu);
	pthread_mutex_lock(&it->mu);
	ev->next_pending = NULL;
	if (it->queue_tail)
		it->queue_tail->next_pending = ev;
	else
		it->queue = ev;
	it->queue_tail = ev;
	pthread_mutex_unlock(&it->mu);
	if (running)
		ev_async_send(it->loop, &it->async);
	return 0;
}

/* ---------------------------------------------------------------------------------------------
 * RCU through liburcu (memb)
 */
struct thr_rcu_cb {
	struct rcu_head rh;
	struct pcsim_world *w;
	struct pcsim_callback_head *head;
	void (*func)(struct pcsim_callback_head *head);
};

void pcsim__thr_rcu_read_lock(void)
{
	urcu_memb_read_lock();
}

void pcsim__thr_rcu_read_unlock(void)
{
	urcu_memb_read_unlock();
}

void pcsim__thr_synchronize_rcu(void)
{
	urcu_memb_synchronize_rcu();
}

static void thr_rcu_cb(struct rcu_head *rh)
{
	struct thr_rcu_cb *cb = caa_container_of(rh, struct thr_rcu_cb, rh);
	struct pcsim__ctx c;
	memset(&c, 0, sizeof(c));
	c.w = cb->w;
	c.id = PCSIM_IRQ_CTX_BASE;
	c.kind = PCSIM_CTX_SOFTIRQ;
	c.irqs_off = true;
	pcsim__tls_ctx = &c;
	cb->func(cb->head);
	pcsim__tls_ctx = NULL;
	free(cb);
}

void pcsim__thr_call_rcu(struct pcsim_world *w, struct pcsim_callback_head *head,
			 void (*func)(struct pcsim_callback_head *head))
{
	struct thr_rcu_cb *cb = calloc(1, sizeof(*cb));
	if (!cb) {
		fprintf(stderr, "pcsim: out of memory in call_rcu\n");
		abort();
	}
	cb->w = w;
	cb->head = head;
	cb->func = func;
	urcu_memb_call_rcu(&cb->rh, thr_rcu_cb);
}

void pcsim__thr_rcu_barrier(void)
{
	urcu_memb_barrier();
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

int pcsim__thr_run_exec(struct pcsim_world *w)
{
	struct pcsim__thr_world *tw = w->thr;
	unsigned ncpu = w->cfg.ncpus;
	/* Completion threads first, so events posted by tasks have a loop to go to. */
	for (unsigned c = 0; c < ncpu; c++) {
		struct irq_thread *it = &tw->irq[c];
		struct pcsim__event *q = it->queue;	/* events posted during setup */
		struct pcsim__event *qt = it->queue_tail;
		memset(it, 0, sizeof(*it));
		it->queue = q;
		it->queue_tail = qt;
		it->tw = tw;
		it->cpu = c;
		pthread_mutex_init(&it->mu, NULL);
		pthread_create(&it->thread, NULL, irq_main, it);
	}
	pthread_mutex_lock(&tw->done_mu);
	for (unsigned c = 0; c < ncpu; c++)
		while (!tw->irq[c].ready)
			pthread_cond_wait(&tw->done_cv, &tw->done_mu);
	tw->running = true;
	tw->go = false;
	pthread_mutex_unlock(&tw->done_mu);
	for (unsigned c = 0; c < ncpu; c++)
		ev_async_send(tw->irq[c].loop, &tw->irq[c].async);
	unsigned n = w->ntasks;
	for (unsigned i = 0; i < n; i++) {
		struct pcsim_task *t = w->tasks[i];
		if (pthread_create(&t->thread, NULL, task_main, t) == 0)
			t->thread_started = true;
	}
	pthread_mutex_lock(&tw->done_mu);
	tw->go = true;
	pthread_cond_broadcast(&tw->ready_cv);
	struct timespec dl;
	deadline_after(&dl, w->cfg.threads_timeout_ms);
	int rc = 0;
	while ((tw->alive || tw->outstanding) && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&tw->done_cv, &tw->done_mu, &dl);
	bool hung = tw->alive || tw->outstanding;
	pthread_mutex_unlock(&tw->done_mu);
	if (hung) {
		char buf[1536];
		pcsim__thr_lock_global(w);
		pcsim__dump_blocked(w, buf, sizeof(buf));
		pcsim__failf(w, PCSIM_OUTCOME_DEADLOCK, "deadlock",
			     "threads backend: the execution did not finish within %u ms "
			     "(%u task(s), %u event(s) outstanding):%s",
			     w->cfg.threads_timeout_ms, tw->alive, tw->outstanding, buf);
		pcsim__thr_unlock_global(w);
		/* Hung threads cannot be reclaimed; report and leave them (the process ends). */
		return -ETIMEDOUT;
	}
	for (unsigned i = 0; i < w->ntasks; i++)
		if (w->tasks[i]->thread_started)
			pthread_join(w->tasks[i]->thread, NULL);
	for (unsigned c = 0; c < ncpu; c++) {
		struct irq_thread *it = &tw->irq[c];
		pthread_mutex_lock(&it->mu);
		it->stop = true;
		pthread_mutex_unlock(&it->mu);
		ev_async_send(it->loop, &it->async);
		pthread_join(it->thread, NULL);
		pthread_mutex_destroy(&it->mu);
		it->queue = it->queue_tail = NULL;
	}
	/* Pending call_rcu callbacks touch this execution's memory: wait for them. */
	urcu_memb_barrier();
	pthread_mutex_lock(&tw->done_mu);
	tw->running = false;
	pthread_mutex_unlock(&tw->done_mu);
	return 0;
}
