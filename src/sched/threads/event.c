// SPDX-License-Identifier: MIT
/*
 * threads/event.c - the threads backend's atomic contexts: one completion thread per virtual
 * CPU, each driving a libev loop for the world's lifetime. Events are handed over through a
 * mutex-protected queue and a kick (an eventfd the loop watches: pcsim__thr_kick_open()); a
 * delay becomes an ev_timer; a posted signal is an event
 * whose handler delivers it. Events posted during setup wait in per-CPU queues until the
 * execution starts (sched.c).
 *
 * libev's allocator is replaced here (ev_set_allocator()): libev's own aborts the process when
 * malloc fails inside libev, and libev has no way to report it to its caller.
 */
#include <errno.h>
#include <linux/futex.h>
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>
#include <urcu/urcu-memb.h>

#include "threads/threads.h"

/* ---------------------------------------------------------------------------------------------
 * libev's allocator
 *
 * libev allocates through one process-wide realloc-like hook; its default prints "cannot
 * allocate" and aborts when malloc fails (a loop, its descriptor and timer arrays, its pending
 * queues). pcsim's hook never aborts: an allocation malloc cannot serve comes from an emergency
 * pool reserved for this (EV_POOL bytes, untouched until needed), and the world it was made for
 * (the completion thread's, the task's, or the one whose loops are being created) counts it;
 * the execution then ends as internal "out-of-memory" (pcsim__thr_ev_oom_check(), at the end of
 * the execution and after the completion threads start). Pool blocks go back to the pool when
 * libev frees them; the pool is reused once every block is back. If even the pool is exhausted,
 * the call waits for memory (retrying malloc, saying so once on stderr) rather than abort.
 *
 * The hook is process-wide: a host program that uses libev with an allocator of its own has
 * it replaced by the first threads-backend world.
 *
 * Fault injection for the tests: PCSIM_FAULT_LIBEV=N in the environment makes the N-th libev
 * allocation of every world fail as if malloc had (1: the first completion thread's loop).
 */
#define EV_POOL (1024u * 1024u)
#define EV_ALIGN 16u

struct ev_pool_hdr {
	size_t size;			/* bytes the caller asked for */
	size_t pad;			/* keeps the block EV_ALIGN-aligned */
};

static struct {
	pthread_mutex_t mu;
	size_t used;			/* bump offset */
	unsigned long live;		/* blocks not yet freed */
	bool warned;			/* "waiting for memory" said */
	_Alignas(EV_ALIGN) unsigned char mem[EV_POOL];
} ev_pool = { .mu = PTHREAD_MUTEX_INITIALIZER };

/* The world of the libev loops the calling thread is making or running (completion threads,
 * and the main thread while it creates them); a task thread is found through its context. */
static _Thread_local struct pcsim__thr_world *ev_tls_tw;

static struct pcsim__thr_world *ev_world(void)
{
	if (ev_tls_tw)
		return ev_tls_tw;
	struct pcsim__ctx *c = pcsim__tls_ctx;
	return c && c->w ? c->w->thr : NULL;
}

static bool ev_in_pool(const void *p)
{
	return (const unsigned char *)p >= ev_pool.mem &&
	       (const unsigned char *)p < ev_pool.mem + EV_POOL;
}

static size_t ev_pool_size(const void *p)
{
	return ((const struct ev_pool_hdr *)p - 1)->size;
}

static void *ev_pool_get(size_t size)
{
	size_t need = (sizeof(struct ev_pool_hdr) + size + EV_ALIGN - 1) & ~(size_t)(EV_ALIGN - 1);
	void *p = NULL;
	pthread_mutex_lock(&ev_pool.mu);
	if (size < EV_POOL && need <= EV_POOL - ev_pool.used) {
		struct ev_pool_hdr *h = (struct ev_pool_hdr *)(ev_pool.mem + ev_pool.used);
		h->size = size;
		ev_pool.used += need;
		ev_pool.live++;
		p = h + 1;
	}
	pthread_mutex_unlock(&ev_pool.mu);
	return p;
}

static void ev_pool_put(void *p)
{
	(void)p;
	pthread_mutex_lock(&ev_pool.mu);
	if (--ev_pool.live == 0)
		ev_pool.used = 0;	/* every block is back: the whole pool is free again */
	pthread_mutex_unlock(&ev_pool.mu);
}

/* malloc failed for @size bytes: the pool, else wait for memory. Never NULL, never aborts. */
static void *ev_emergency(size_t size)
{
	struct pcsim__thr_world *tw = ev_world();
	if (tw) {
		__atomic_store_n(&tw->ev_oom_size, (unsigned long)size, __ATOMIC_RELAXED);
		__atomic_add_fetch(&tw->ev_oom, 1, __ATOMIC_RELEASE);
	}
	void *p = ev_pool_get(size);
	long ns = 1000000;
	while (!p) {
		pthread_mutex_lock(&ev_pool.mu);
		bool say = !ev_pool.warned;
		ev_pool.warned = true;
		pthread_mutex_unlock(&ev_pool.mu);
		if (say)
			fprintf(stderr, "pcsim: libev: out of memory for %zu bytes and the emergency "
					"pool is exhausted: waiting for memory\n", size);
		struct timespec ts = { 0, ns };
		nanosleep(&ts, NULL);
		if (ns < 100000000)
			ns *= 2;
		p = malloc(size);
		if (!p)
			p = ev_pool_get(size);
	}
	return p;
}

/* This allocation of the calling thread's world fails by injection. */
static bool ev_fault_now(void)
{
	struct pcsim__thr_world *tw = ev_world();
	if (!tw || !tw->ev_fault_nth)
		return false;
	return __atomic_add_fetch(&tw->ev_nalloc, 1, __ATOMIC_RELAXED) == tw->ev_fault_nth;
}

/* libev's realloc: @size 0 frees @ptr (returns NULL), else (re)allocates, never NULL. */
static void *ev_alloc(void *ptr, long size)
{
	if (size <= 0) {
		if (ev_in_pool(ptr))
			ev_pool_put(ptr);
		else
			free(ptr);
		return NULL;
	}
	size_t n = (size_t)size;
	if (ev_in_pool(ptr)) {
		/* Out of the pool as soon as malloc can serve it again. */
		void *q = ev_fault_now() ? NULL : malloc(n);
		if (!q)
			q = ev_emergency(n);
		size_t old = ev_pool_size(ptr);
		memcpy(q, ptr, old < n ? old : n);
		ev_pool_put(ptr);
		return q;
	}
	void *q = ev_fault_now() ? NULL : realloc(ptr, n);
	if (q)
		return q;
	/* realloc failed and @ptr is intact: move it into the pool. */
	q = ev_emergency(n);
	if (ptr) {
		size_t old = malloc_usable_size(ptr);
		memcpy(q, ptr, old < n ? old : n);
		free(ptr);
	}
	return q;
}

static void ev_install(void)
{
	ev_set_allocator(ev_alloc);
}

void pcsim__thr_ev_init(struct pcsim__thr_world *tw)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, ev_install);
	const char *e = getenv("PCSIM_FAULT_LIBEV");
	if (e && *e) {
		char *end;
		unsigned long n = strtoul(e, &end, 10);
		tw->ev_fault_nth = *end ? 0 : n;
	}
}

void pcsim__thr_ev_oom_check(struct pcsim_world *w)
{
	struct pcsim__thr_world *tw = w->thr;
	unsigned long n = __atomic_load_n(&tw->ev_oom, __ATOMIC_ACQUIRE);
	if (n == tw->ev_oom_seen)
		return;
	unsigned long size = __atomic_load_n(&tw->ev_oom_size, __ATOMIC_RELAXED);
	unsigned long delta = n - tw->ev_oom_seen;
	tw->ev_oom_seen = n;
	pcsim__thr_lock_global(w);
	pcsim__failf(w, PCSIM_OUTCOME_INTERNAL, "out-of-memory",
		     "threads backend: libev out of memory (%lu allocation(s), the last of %lu "
		     "bytes): served from pcsim's emergency pool instead of aborting; the "
		     "execution does not go on as modelled",
		     delta, size);
	pcsim__thr_unlock_global(w);
}

struct ev_loop *pcsim__thr_loop_new(void)
{
	return ev_loop_new(EVFLAG_AUTO | EVFLAG_NOTIMERFD | EVFLAG_NOINOTIFY | EVFLAG_NOSIGMASK);
}

int pcsim__thr_kick_open(struct ev_loop *loop, struct thr_kick *k,
			 void (*cb)(struct ev_loop *loop, ev_io *io, int revents))
{
	k->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (k->fd < 0)
		return -errno;
	ev_io_init(&k->io, cb, k->fd, EV_READ);
	ev_io_start(loop, &k->io);
	return 0;
}

void pcsim__thr_kick_send(struct thr_kick *k)
{
	uint64_t one = 1;
	/* Fails only when the counter is saturated: the loop has a wakeup pending anyway. */
	ssize_t r = write(k->fd, &one, sizeof(one));
	(void)r;
}

void pcsim__thr_kick_drain(struct thr_kick *k)
{
	uint64_t n;
	ssize_t r = read(k->fd, &n, sizeof(n));	/* non-blocking: EAGAIN if already drained */
	(void)r;
}

void pcsim__thr_kick_close(struct ev_loop *loop, struct thr_kick *k)
{
	if (k->fd < 0)
		return;
	ev_io_stop(loop, &k->io);
	close(k->fd);
	k->fd = -1;
}

void pcsim__thr_event_done(struct pcsim__thr_world *tw)
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
	pcsim__thr_event_done(it->tw);
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
	pcsim__thr_event_done(it->tw);
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

static void irq_kick_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	struct irq_thread *it = (struct irq_thread *)((char *)io - offsetof(struct irq_thread, kick.io));
	if (revents & EV_ERROR) {
		/* libev dropped the descriptor (epoll_ctl failed): nothing can wake this loop. */
		pcsim__thr_lock_global(it->tw->w);
		pcsim__failf(it->tw->w, PCSIM_OUTCOME_INTERNAL, "internal",
			     "threads backend: libev dropped the wake-up descriptor of cpu%u",
			     it->cpu);
		pcsim__thr_unlock_global(it->tw->w);
	} else {
		pcsim__thr_kick_drain(&it->kick);
	}
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
	ev_tls_tw = tw;	/* the loop's allocations are this world's */
	urcu_memb_register_thread();
	pthread_mutex_lock(&tw->done_mu);
	tw->irq_ready++;
	pthread_cond_broadcast(&tw->done_cv);
	pthread_mutex_unlock(&tw->done_mu);
	ev_run(it->loop, 0);
	pcsim__thr_kick_close(it->loop, &it->kick);
	ev_loop_destroy(it->loop);
	it->loop = NULL;
	urcu_memb_unregister_thread();
	return NULL;
}

int pcsim__thr_irq_threads_start(struct pcsim__thr_world *tw, unsigned ncpu)
{
	int err = 0;
	ev_tls_tw = tw;	/* the loops made here are this world's */
	for (unsigned c = 0; c < ncpu && !err; c++) {
		struct irq_thread *it = &tw->irq[c];
		if (it->started)
			continue;
		it->loop = pcsim__thr_loop_new();
		if (!it->loop) {
			err = errno ? -errno : -ENOMEM;
			break;
		}
		err = pcsim__thr_kick_open(it->loop, &it->kick, irq_kick_cb);
		if (!err && pthread_create(&it->thread, NULL, irq_main, it) != 0) {
			pcsim__thr_kick_close(it->loop, &it->kick);
			err = -EAGAIN;
		}
		if (err) {
			ev_loop_destroy(it->loop);
			it->loop = NULL;
			break;
		}
		it->started = true;
		tw->irq_started++;
	}
	ev_tls_tw = NULL;
	if (err)
		return err;
	pthread_mutex_lock(&tw->done_mu);
	while (tw->irq_ready < tw->irq_started)
		pthread_cond_wait(&tw->done_cv, &tw->done_mu);
	pthread_mutex_unlock(&tw->done_mu);
	return 0;
}

void pcsim__thr_irq_threads_stop(struct pcsim__thr_world *tw)
{
	for (unsigned c = 0; c < PCSIM_MAX_CPUS; c++) {
		struct irq_thread *it = &tw->irq[c];
		if (!it->started)
			continue;
		pthread_mutex_lock(&it->mu);
		it->stop = true;
		pcsim__thr_kick_send(&it->kick);
		pthread_mutex_unlock(&it->mu);
		pthread_join(it->thread, NULL);
		it->started = false;
	}
}

void pcsim__thr_irq_enqueue(struct irq_thread *it, struct pcsim__event *ev)
{
	pthread_mutex_lock(&it->mu);
	ev->next_pending = NULL;
	if (it->queue_tail)
		it->queue_tail->next_pending = ev;
	else
		it->queue = ev;
	it->queue_tail = ev;
	pcsim__thr_kick_send(&it->kick);
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
		pcsim__thr_kick_send(&it->kick);
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
	ev->due = ev->due > w->ex.now ? ev->due - w->ex.now : 0;
	ev->state = EV_PENDING;
	pthread_mutex_lock(&tw->done_mu);
	bool running = tw->running;
	if (running) {
		/* The poster is a live task or handler, so the execution cannot end meanwhile. */
		tw->outstanding++;
		pthread_mutex_unlock(&tw->done_mu);
		pcsim__thr_irq_enqueue(&tw->irq[ev->cpu], ev);
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

