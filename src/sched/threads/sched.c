// SPDX-License-Identifier: MIT
/*
 * threads/sched.c - the threads backend: the same engine API on real concurrency. This file
 * holds the world, sleeping and waking, the task threads and one execution; the completion
 * threads are in event.c, RCU in rcu.c, the memory accesses in mem.c, the ops table in core.c.
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
 * and a kick (an eventfd the loop watches, event.c), and a delay becomes an ev_timer. A task that waits for task_work
 * (pcsim_task_work_wait) waits in its own libev loop (created on first use), in
 * TASK_INTERRUPTIBLE: try_to_wake_up() - from task_work_add(TWA_SIGNAL), a signal, or any other
 * wakeup - rouses it through its kick. TWA_RESUME and TWA_NONE do not wake it, as in the sim
 * backend and the kernel.
 *
 * RCU is liburcu's memb flavour; every thread that may enter a read-side section registers
 * itself. liburcu 0.13 carries no ThreadSanitizer annotations and is not instrumented, so the
 * grace-period guarantees are restated to TSan with release/acquire pairs on counters of the
 * world (struct pcsim__thr_world, used in rcu.c): every rcu_read_unlock() releases, the end of synchronize_rcu() and the start of every
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

#include "threads/threads.h"

static long futex(void *addr, int op, int val, const struct timespec *ts)
{
	return syscall(SYS_futex, addr, op, val, ts, NULL, 0);
}

/* How deep the calling thread holds the global lock (it is recursive): setup_unwind's count. */
static _Thread_local unsigned big_depth;

void pcsim__thr_lock_global(struct pcsim_world *w)
{
	pthread_mutex_lock(&w->thr->big);
	big_depth++;
}

void pcsim__thr_unlock_global(struct pcsim_world *w)
{
	big_depth--;
	pthread_mutex_unlock(&w->thr->big);
}

/*
 * Setup or finish is being left at a failed call (pcsim__setup_escape(), a longjmp to
 * pcsim_explore()): the main thread lets go of the global lock at whatever depth the failing
 * call and its callers held it, so the world stays usable. Nothing else is held there: no task
 * or completion thread of the execution runs yet (setup) or any more (finish).
 */
void pcsim__thr_setup_unwind(struct pcsim_world *w)
{
	while (big_depth) {
		big_depth--;
		pthread_mutex_unlock(&w->thr->big);
	}
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
	pcsim__thr_ev_init(tw);
	w->thr = tw;
	/* No trace in this backend: nothing renders it and recording it serialises threads. */
	w->tracing = false;
	return 0;
}

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
	pcsim__thr_irq_threads_stop(tw);
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
		pcsim__thr_kick_send(&tt->kick);
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

static void kick_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	(void)loop;
	(void)revents;	/* EV_ERROR: the descriptor is dropped; the task loops and sees it */
	struct pcsim__thr_task *tt =
		(struct pcsim__thr_task *)((char *)io - offsetof(struct pcsim__thr_task, kick.io));
	/* Returning from ev_run is the point; the count goes, so the next wait sleeps. */
	pcsim__thr_kick_drain(&tt->kick);
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
		struct ev_loop *loop = tt->no_loop ? NULL : pcsim__thr_loop_new();
		if (loop && pcsim__thr_kick_open(loop, &tt->kick, kick_cb) < 0) {
			ev_loop_destroy(loop);	/* out of descriptors for its eventfd */
			loop = NULL;
		}
		if (!loop) {
			/*
			 * No loop or no eventfd to kick it (out of file descriptors or memory):
			 * sleep on the futex instead.
			 * try_to_wake_up() bumps the futex word before it kicks a loop, so the wait
			 * is the same; only the libev path is lost, and the run says so once.
			 */
			if (!tt->no_loop)
				fprintf(stderr, "pcsim: no libev loop for task %s (out of "
						"descriptors or memory): its task_work waits sleep "
						"on a futex instead\n",
					t->name);
			tt->no_loop = true;
			snprintf(t->wchan, sizeof(t->wchan), "task_work_wait");
			__atomic_store_n(&t->state.pcsim_private_, PCSIM_TASK_INTERRUPTIBLE,
					 __ATOMIC_RELAXED);
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
			pcsim__thr_lock_global(w);
			bool ready = t->task_works != NULL || t->sigpending != 0;
			pcsim__thr_unlock_global(w);
			if (!ready)
				pcsim__thr_sleep(w, t); /* may return early: the caller loops */
			(void)__atomic_load_n(&t->state.pcsim_private_, __ATOMIC_ACQUIRE);
			__atomic_store_n(&t->state.pcsim_private_, PCSIM_TASK_RUNNING,
					 __ATOMIC_RELAXED);
			t->wchan[0] = 0;
			return;
		}
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
		/* Returns after a kick (a wakeup), possibly a stale one: the caller loops. */
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
	/*
	 * do_exit() comes back here (pcsim__thr_task_exit()) and the thread returns: no
	 * pthread_exit(), whose unwinder glibc loads (libgcc_s) on first use - and aborts the
	 * process when it cannot, e.g. out of file descriptors.
	 */
	if (setjmp(t->thr->exit_jb) == 0)
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
	t->thr->kick.fd = -1;
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
		pcsim__thr_kick_close(loop, &tt->kick);
		ev_loop_destroy(loop);
	}
	urcu_memb_unregister_thread();
	pcsim__tls_ctx = NULL;
	__atomic_store_n(&t->ctx.run, (uint8_t)CR_EXITED, __ATOMIC_RELEASE);
	pthread_mutex_lock(&tw->done_mu);
	tw->alive--;
	pthread_cond_broadcast(&tw->done_cv);
	pthread_mutex_unlock(&tw->done_mu);
	/* @tt is arena memory of a running execution: still valid (the arena goes after join). */
	longjmp(tt->exit_jb, 1);
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


/*
 * What every unfinished task is doing, for the hang report (read racily, on purpose). Returns
 * how many of them are blocked (asleep in schedule() or waiting in their loop) rather than
 * running or spinning.
 */
static unsigned dump_hung(struct pcsim_world *w, char *buf, size_t len)
{
	size_t off = 0;
	unsigned blocked = 0;
	buf[0] = 0;
	for (unsigned i = 0; i < w->ex.ntasks && off < len; i++) {
		struct pcsim_task *t = w->tasks[i];
		if (pcsim_task_exited(t))
			continue;
		uint8_t wt = t->thr ? __atomic_load_n(&t->thr->waiting, __ATOMIC_RELAXED) : 0;
		long s = __atomic_load_n(&t->state.pcsim_private_, __ATOMIC_RELAXED);
		const char *what = wt == 1 ? "sleeping in schedule()"
				   : wt == 2 ? "waiting in its loop"
				   : wt == 3 ? "spinning on a spinlock"
					     : "running (spinning?)";
		blocked += wt == 1 || wt == 2;
		off += (size_t)snprintf(buf + off, len - off, "\n  T%u %s (cpu%u): %s, %s",
					t->ctx.id, t->name, t->ctx.cpu, what, pcsim__state_name(s));
	}
	return blocked;
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
		unsigned ntasks = w->ex.ntasks;
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
	int err = pcsim__thr_irq_threads_start(tw, ncpu);
	pcsim__thr_ev_oom_check(w);	/* a loop made from the emergency pool */
	if (err < 0) {
		pcsim__failf(w, PCSIM_OUTCOME_INTERNAL, "internal",
			     "threads backend: cannot start the completion threads: %s (%d)",
			     strerror(-err), err);
		return err;
	}
	unsigned n = w->ex.ntasks;
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
			pcsim__thr_irq_enqueue(&tw->irq[c], ev);
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
		unsigned blocked = dump_hung(w, buf, sizeof(buf));
		/*
		 * Every unfinished task still running (none asleep): they spin, or loop without
		 * end - a livelock as far as the report can tell, not a deadlock.
		 */
		if (alive && !blocked)
			pcsim__failf(w, PCSIM_OUTCOME_LIVELOCK, "livelock",
				     "threads backend: the execution did not finish within %u ms "
				     "and none of its %u unfinished task(s) sleeps: they are "
				     "spinning or looping (%u event(s) or RCU callback(s) "
				     "outstanding):%s",
				     w->cfg.threads_timeout_ms, alive, outstanding, buf);
		else
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
	for (unsigned i = 0; i < w->ex.ntasks; i++) {
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
	pcsim__thr_ev_oom_check(w);
	return 0;
}
