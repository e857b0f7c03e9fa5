// SPDX-License-Identifier: MIT
/*
 * submit_threads.c - the ring's submitter on the threads backend: it waits for completions in
 * its event loop, as a real program built on libev does, instead of sleeping in
 * io_cqring_wait()'s schedule().
 *
 * A real submitter keeps an event loop (libev) with a watcher on an eventfd. Two things must
 * get it out of its wait: a CQE (the kernel signals the ring's eventfd, io_cqring_ev_posted())
 * and a retry the page callback queued (io_async_buf_func() -> task_work_add(TWA_SIGNAL): the
 * notification interrupts the wait and the retry runs in the task on its way out, 5.10). Here
 * the task's wait is pcsim_task_work_wait(), which on the threads backend sleeps in
 * TASK_INTERRUPTIBLE in the task's own libev loop and is roused through the eventfd that loop
 * watches (src/sched/threads/): the retry's TWA_SIGNAL wakes it directly, and a CQE does so
 * through an entry on ctx->wait whose wake function queues a small notification task_work -
 * the eventfd's readiness, in the model's terms. The wait then runs what is queued (retries
 * included, in the submitter, as 5.10 requires: U4) and looks at the CQ again.
 *
 * Models the user side of 5.10's io_uring_enter(IORING_ENTER_GETEVENTS) for an event-loop
 * program (io_cqring_wait()'s condition, io_should_wake(): enough CQEs, or the ring dying with
 * nothing in flight). The sim backend keeps io_cqring_wait() (io_uring.c): its schedules and
 * traces are unchanged; this file only runs on the threads backend (liburing.c decides).
 */
#include "submit_threads.h"

#include "uring_int.h"

struct thr_cq_wait {
	struct wait_queue_entry wq;	/* on ctx->wait: woken by io_cqring_ev_posted() */
	struct callback_head note;	/* the notification: queued to the submitter */
	struct task_struct *task;
	struct io_ring_ctx *ctx;
	unsigned to_wait;
	int queued;			/* atomic: note is queued and has not run */
};

static bool cq_should_wake(struct io_ring_ctx *ctx, unsigned to_wait)
{
	return pcsim__io_cqring_events(ctx) >= to_wait ||
	       (ring_dying(ctx) && atomic_read(&ctx->inflight) == 0);
}

/* The notification's body: it ran, so the next CQE may queue it again. */
static void cq_note_fn(struct callback_head *cb)
{
	struct thr_cq_wait *w = container_of(cb, struct thr_cq_wait, note);
	__atomic_store_n(&w->queued, 0, __ATOMIC_RELEASE);
}

/*
 * ctx->wait's wake function for the submitter's entry. Runs in the poster's context (a task or
 * an interrupt) under the queue's lock. Queues the notification once (until it has run); the
 * task_work_add() with TWA_SIGNAL wakes the loop. The entry stays queued: the submitter removes
 * it when it stops waiting.
 */
static int cq_wake(struct wait_queue_entry *curr, unsigned mode, int wake_flags, void *key)
{
	struct thr_cq_wait *w = container_of(curr, struct thr_cq_wait, wq);
	(void)mode, (void)wake_flags, (void)key;
	if (!cq_should_wake(w->ctx, w->to_wait))
		return 0;
	if (__atomic_exchange_n(&w->queued, 1, __ATOMIC_ACQ_REL) == 0 &&
	    task_work_add(w->task, &w->note, TWA_SIGNAL) != 0)
		__atomic_store_n(&w->queued, 0, __ATOMIC_RELEASE);	/* exiting: never runs */
	return 1;
}

int pcsim__uring_thr_cqring_wait(struct io_ring_ctx *ctx, unsigned min_events)
{
	struct thr_cq_wait w;
	int ret = 0;

	/* io_run_task_work() until nothing is left, as io_cqring_wait() begins. */
	while (pcsim_task_work_pending(current))
		task_work_run();
	if (pcsim__io_cqring_events(ctx) >= min_events)
		return 0;
	w.ctx = ctx;
	w.task = current;
	w.to_wait = min_events;
	w.note.next = NULL;
	w.note.func = cq_note_fn;
	__atomic_store_n(&w.queued, 0, __ATOMIC_RELAXED);
	init_waitqueue_func_entry(&w.wq, cq_wake);
	w.wq.private = current;
	/* Registered before the first look, so a CQE posted after it queues the note. */
	add_wait_queue(&ctx->wait, &w.wq);
	for (;;) {
		pcsim__io_cqring_overflow_flush(ctx);
		if (cq_should_wake(ctx, min_events))
			break;
		pcsim_task_set_wchan("submitter's event loop (%u of %u CQEs)",
				     pcsim__io_cqring_events(ctx), min_events);
		/* Sleeps in the task's libev loop; runs the retries and the note. */
		int r = pcsim_task_work_wait();
		if (r == -EINTR) {
			ret = -EINTR;
			break;
		}
	}
	remove_wait_queue(&ctx->wait, &w.wq);
	/* No wake function runs any more; a note it queued is ours to run before @w goes. */
	while (__atomic_load_n(&w.queued, __ATOMIC_ACQUIRE))
		task_work_run();
	return ret;
}

int pcsim__uring_thr_enter(struct io_ring_ctx *ctx, unsigned to_submit, unsigned min_complete)
{
	int submitted = 0;
	if (to_submit) {
		submitted = pcsim__io_uring_enter(ctx, to_submit, 0);
		if (submitted < 0)
			return submitted;
	} else {
		/* what io_uring_enter() does before it waits: checks, overflow */
		int r = pcsim__io_uring_enter(ctx, 0, 0);
		if (r < 0)
			return r;
	}
	if (min_complete) {
		int ret = pcsim__uring_thr_cqring_wait(ctx, min_complete);
		if (ret < 0 && !submitted)
			return ret;
	}
	return submitted;
}
