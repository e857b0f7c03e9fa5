/* SPDX-License-Identifier: MIT */
/*
 * submit_threads.h - the ring submitter's wait for completions on the threads backend, in its
 * event loop (submit_threads.c). liburing.c calls these instead of pcsim__io_uring_enter()'s
 * wait when the world runs on threads; the sim backend never does.
 */
#ifndef PCSIM_URING_SUBMIT_THREADS_H
#define PCSIM_URING_SUBMIT_THREADS_H

struct io_ring_ctx;

/*
 * pcsim__uring_thr_cqring_wait - io_cqring_wait() for an event-loop submitter: until
 * @min_events CQEs are there (or the ring is dying with nothing in flight), wait in the task's
 * libev loop, running the task_work (retries) that arrives. Context: the ring's task, may sleep.
 * Return: 0, or -EINTR if a real signal is pending.
 */
int pcsim__uring_thr_cqring_wait(struct io_ring_ctx *ctx, unsigned min_events);

/*
 * pcsim__uring_thr_enter - io_uring_enter(): submit @to_submit SQEs, then wait for
 * @min_complete CQEs with pcsim__uring_thr_cqring_wait(). Context: the ring's task.
 * Return: the number submitted, or a negative errno (the wait's only if nothing was submitted).
 */
int pcsim__uring_thr_enter(struct io_ring_ctx *ctx, unsigned to_submit, unsigned min_complete);

#endif
