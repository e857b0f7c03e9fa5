/* SPDX-License-Identifier: MIT */
/*
 * threads/threads.h - the threads backend's private interface: its per-world and per-task
 * state and what its files share. The design, and what differs from the sim backend, is at the
 * top of threads/sched.c. Nothing outside src/sched/threads/ includes this header.
 */
#ifndef PCSIM_THREADS_THREADS_H
#define PCSIM_THREADS_THREADS_H

#include <pthread.h>
#include <setjmp.h>

#include <ev.h>

#include "sched_int.h"

/*
 * A libev loop's wake-up line: an eventfd the loop watches with an ev_io, written by any
 * thread - what a real program does. It replaces ev_async, whose pipe libev creates inside
 * ev_async_start() and, when it cannot (descriptors exhausted: `ulimit -n`), answers by
 * aborting the process from a loop that retries for ever once a syserr callback returns. Here
 * the eventfd is made first, so running out of descriptors is an error code the caller reports.
 */
struct thr_kick {
	int fd;				/* the eventfd, -1 when closed */
	ev_io io;
};

/* Per-task state of this backend (arena memory, one per task and execution). */
struct pcsim__thr_task {
	struct ev_loop *loop;		/* task_work_wait's loop, created on first use */
	struct thr_kick kick;
	pthread_mutex_t loop_mu;	/* a kick races with the loop's destruction otherwise */
	bool loop_alive;		/* under loop_mu */
	bool no_loop;			/* ev_loop_new failed: task_work waits use the futex */
	uint8_t waiting;		/* atomic: 0 running, 1 in schedule(), 2 in its loop,
					 * 3 spinning on a spinlock */
	jmp_buf exit_jb;		/* do_exit(): back to the thread's start, which returns */
};

struct irq_thread {
	struct pcsim__thr_world *tw;
	unsigned cpu;
	pthread_t thread;
	bool started;
	struct ev_loop *loop;
	struct thr_kick kick;
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
	/* libev out of memory (event.c, "libev's allocator"): allocations of this world's loops
	 * that malloc could not serve, and the fault injection's count */
	unsigned long ev_oom;		/* atomic: served from the emergency pool */
	unsigned long ev_oom_seen;	/* ev_oom when last reported (main thread only) */
	unsigned long ev_oom_size;	/* atomic: the size of the last one */
	unsigned long ev_fault_nth;	/* PCSIM_FAULT_LIBEV, 0: none */
	unsigned long ev_nalloc;	/* atomic: allocations so far, for ev_fault_nth */
};

/* ---- sched.c: the world, sleeping and waking, task threads, one execution */
int pcsim__thr_world_init(struct pcsim_world *w);
void pcsim__thr_world_destroy(struct pcsim_world *w);
int pcsim__thr_run_exec(struct pcsim_world *w);
bool pcsim__thr_world_hung(struct pcsim_world *w);
void pcsim__thr_lock_global(struct pcsim_world *w);
void pcsim__thr_unlock_global(struct pcsim_world *w);
void pcsim__thr_setup_unwind(struct pcsim_world *w);
void pcsim__thr_task_created(struct pcsim_world *w, struct pcsim_task *t);
void pcsim__thr_sleep(struct pcsim_world *w, struct pcsim_task *t);
void pcsim__thr_wake(struct pcsim_world *w, struct pcsim_task *t);
void pcsim__thr_task_work_kick(struct pcsim_world *w, struct pcsim_task *t);
void pcsim__thr_loop_wait(struct pcsim_world *w, struct pcsim_task *t);
PCSIM_NORETURN void pcsim__thr_task_exit(struct pcsim_world *w, struct pcsim_task *t);
void pcsim__thr_cpu_relax(void);

/* ---- event.c: completion threads (one libev loop per virtual CPU), loops and their kicks */
/*
 * pcsim__thr_ev_init - install pcsim's allocator for libev (once per process) and read the fault
 * injection for @tw. libev's own allocator aborts the process when malloc fails; this one serves
 * the allocation from an emergency pool and counts it in @tw->ev_oom (docs/robustness.md §4).
 * Context: the world's creation.
 */
void pcsim__thr_ev_init(struct pcsim__thr_world *tw);
/*
 * pcsim__thr_ev_oom_check - end the execution as internal "out-of-memory" if libev ran out of
 * memory for this world since the last check. Context: the main thread, nothing held.
 */
void pcsim__thr_ev_oom_check(struct pcsim_world *w);
/*
 * pcsim__thr_loop_new - a libev loop that needs no descriptor libev would make behind our
 * back (no timerfd, no inotify; signals are never watched). Return: the loop, or NULL with
 * errno set (out of descriptors or memory).
 */
struct ev_loop *pcsim__thr_loop_new(void);
/*
 * pcsim__thr_kick_open - open @k's eventfd and watch it in @loop with @cb (which must call
 * pcsim__thr_kick_drain()). Context: before @loop runs, or in its thread.
 * Return: 0, or -errno (EMFILE, ENFILE, ENOMEM) with @k closed.
 */
int pcsim__thr_kick_open(struct ev_loop *loop, struct thr_kick *k,
			 void (*cb)(struct ev_loop *loop, ev_io *io, int revents));
/* pcsim__thr_kick_send - wake @k's loop. Context: any thread; @k must be open. */
void pcsim__thr_kick_send(struct thr_kick *k);
/* pcsim__thr_kick_drain - consume the pending kicks. Context: @k's loop's callback. */
void pcsim__thr_kick_drain(struct thr_kick *k);
/* pcsim__thr_kick_close - stop watching @k and close it. Context: @loop's thread. */
void pcsim__thr_kick_close(struct ev_loop *loop, struct thr_kick *k);
int pcsim__thr_irq_threads_start(struct pcsim__thr_world *tw, unsigned ncpu);
void pcsim__thr_irq_threads_stop(struct pcsim__thr_world *tw);
void pcsim__thr_irq_enqueue(struct irq_thread *it, struct pcsim__event *ev);
void pcsim__thr_event_done(struct pcsim__thr_world *tw);
int pcsim__thr_event_post(struct pcsim_world *w, struct pcsim__event *ev);
/*
 * del_timer_sync() for a posted event: unless its handler has begun, it completes without
 * running (at once if its timer is armed); if the handler has begun, wait until it has
 * returned. Whoever claims the event first (EV_CLAIM_*) decides.
 */
#define EV_CLAIM_RUN 1
#define EV_CLAIM_CANCEL 2
void pcsim__thr_event_cancel(struct pcsim_world *w, struct pcsim__event *ev);
int pcsim__thr_post_signal(struct pcsim_world *w, struct pcsim_task *p, int sig);

/* ---- rcu.c: liburcu (memb) */
void pcsim__thr_rcu_read_lock(struct pcsim_world *w, struct pcsim__ctx *c);
void pcsim__thr_rcu_read_unlock(struct pcsim_world *w, struct pcsim__ctx *c);
void pcsim__thr_synchronize_rcu(struct pcsim_world *w, struct pcsim_task *t);
void pcsim__thr_call_rcu(struct pcsim_world *w, struct pcsim__ctx *c,
			 struct pcsim_callback_head *head,
			 void (*func)(struct pcsim_callback_head *head));
void pcsim__thr_rcu_barrier(struct pcsim_world *w, struct pcsim_task *t);

/* ---- mem.c: C11 atomics */
uint64_t pcsim__thr_load(struct pcsim__ctx *c, const void *p, unsigned size, enum pcsim_mo mo);
void pcsim__thr_store(struct pcsim__ctx *c, void *p, unsigned size, uint64_t v, enum pcsim_mo mo);
uint64_t pcsim__thr_rmw(struct pcsim__ctx *c, void *p, unsigned size, enum pcsim_rmw_op op,
			uint64_t operand, uint64_t operand2, enum pcsim_mo mo);
void pcsim__thr_fence(struct pcsim__ctx *c, enum pcsim_fence f);
void pcsim__thr_bit_nonatomic(struct pcsim__ctx *c, unsigned long *word, unsigned long mask,
			      bool set);
void pcsim__thr_forbid(struct pcsim__ctx *c, const void *addr, size_t size, const char *what,
		       bool writes_only);
void pcsim__thr_allow(struct pcsim__ctx *c, const void *addr);

#endif /* PCSIM_THREADS_THREADS_H */
