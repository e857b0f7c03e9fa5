// SPDX-License-Identifier: MIT
/*
 * threads/event.c - the threads backend's atomic contexts: one completion thread per virtual
 * CPU, each driving a libev loop for the world's lifetime. Events are handed over through a
 * mutex-protected queue and a kick (an eventfd the loop watches: pcsim__thr_kick_open()); a
 * delay becomes an ev_timer; a posted signal is an event
 * whose handler delivers it. Events posted during setup wait in per-CPU queues until the
 * execution starts (sched.c).
 */
#include <errno.h>
#include <linux/futex.h>
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
	for (unsigned c = 0; c < ncpu; c++) {
		struct irq_thread *it = &tw->irq[c];
		if (it->started)
			continue;
		it->loop = pcsim__thr_loop_new();
		if (!it->loop)
			return errno ? -errno : -ENOMEM;
		int err = pcsim__thr_kick_open(it->loop, &it->kick, irq_kick_cb);
		if (!err && pthread_create(&it->thread, NULL, irq_main, it) != 0) {
			pcsim__thr_kick_close(it->loop, &it->kick);
			err = -EAGAIN;
		}
		if (err) {
			ev_loop_destroy(it->loop);
			it->loop = NULL;
			return err;
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

