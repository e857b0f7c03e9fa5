// SPDX-License-Identifier: MIT
/*
 * io-wq.c - the ring's worker pool: requests that cannot (or may not) be issued without
 * blocking are run by worker tasks, which issue them again with force_nonblock = false - for a
 * buffered read an ordinary blocking read_iter that may sleep in lock_page_killable(),
 * wait_on_page_locked_killable() or ->readpage.
 *
 * Models (5.10): fs/io-wq.c (a pool of unbound workers sleeping on the queue, woken one at a
 * time) and io_wq_submit_work() of fs/io_uring.c (issue while it returns -EAGAIN, then complete
 * with any other error, then drop the submission reference the work owned). The pool is fixed
 * in size (struct pcsim_uring_params.iowq_workers) rather than growing on demand; the first
 * worker doubles as the manager task that receives the fallback cancel task_work. Workers run
 * their task_work when woken, and exit when the ring is torn down.
 */
#include <stdio.h>

#include "uring_int.h"

static bool io_wq_current_is_worker(struct io_ring_ctx *ctx)
{
	for (unsigned i = 0; i < ctx->wq.nr_workers; i++)
		if (ctx->wq.workers[i] == current)
			return true;
	return false;
}

/* io_wq_submit_work(): the work item's body, in a worker. */
static void io_wq_submit_work(struct io_kiocb *req)
{
	int ret;
	pcsim_trace_emit(&pcsim__tk_uring_iowq, 0, 0, req->id, 0, "io-wq worker issues");
	/* U5: an io-wq worker never sees IOCB_WAITQ (its read must block, not arm: B-13) */
	PCSIM_PLAIN_READ(req->kiocb.ki_flags);	/* dpor: written by the callback */
	PCSIM_CHECK(!(req->kiocb.ki_flags & IOCB_WAITQ), "U5",
		    "request %u reached io-wq with IOCB_WAITQ still set", req->id);
	do {
		ret = pcsim__io_issue_sqe(req, false);
		if (ret != -EAGAIN)
			break;
		pcsim_cpu_relax();	/* cond_resched() */
	} while (1);
	if (ret) {
		pcsim__req_set_fail_links(req);
		pcsim__io_req_complete(req, ret);
	}
	/* io_steal_work() / io_put_req_find_next(): the work owned the submission reference */
	struct io_kiocb *nxt = pcsim__io_put_req_find_next(req);
	if (nxt)
		pcsim__io_req_task_queue(nxt);
}

static struct io_kiocb *io_wq_dequeue(struct io_wq *wq)
{
	struct io_kiocb *req = NULL;
	spin_lock_irq(&wq->lock);
	if (!list_empty(&wq->work_list)) {
		req = list_first_entry(&wq->work_list, struct io_kiocb, list);
		list_del_init(&req->list);
	}
	spin_unlock_irq(&wq->lock);
	return req;
}

static bool io_wq_has_work(struct io_wq *wq)
{
	spin_lock_irq(&wq->lock);
	bool r = !list_empty(&wq->work_list);
	spin_unlock_irq(&wq->lock);
	return r;
}

/* io_wqe_worker(): run work, else sleep on the pool's queue until work, task_work or exit. */
static void io_wqe_worker(void *arg)
{
	struct io_wq *wq = arg;
	DEFINE_WAIT(wait);
	for (;;) {
		if (pcsim_task_work_pending(current))
			task_work_run();
		struct io_kiocb *req = io_wq_dequeue(wq);
		if (req) {
			io_wq_submit_work(req);
			continue;
		}
		if (READ_ONCE(wq->exiting))
			break;
		pcsim_task_set_wchan("io-wq worker: idle");
		prepare_to_wait_exclusive(&wq->wait, &wait, TASK_INTERRUPTIBLE);
		if (!io_wq_has_work(wq) && !READ_ONCE(wq->exiting) &&
		    !pcsim_task_work_pending(current))
			schedule();
		finish_wait(&wq->wait, &wait);
	}
	/* anything queued to us as the manager before exit still runs (exit_task_work) */
	if (atomic_dec_and_test(&wq->alive))
		wake_up(&wq->ctx->wait);
}

int pcsim__io_wq_create(struct io_ring_ctx *ctx, unsigned nr_workers)
{
	struct io_wq *wq = &ctx->wq;
	wq->ctx = ctx;
	spin_lock_init(&wq->lock);
	INIT_LIST_HEAD(&wq->work_list);
	init_waitqueue_head(&wq->wait);
	if (nr_workers == 0)
		nr_workers = 2;
	if (nr_workers > sizeof(wq->workers) / sizeof(wq->workers[0]))
		return -EINVAL;
	WRITE_ONCE(wq->exiting, 0);
	atomic_set(&wq->alive, (int)nr_workers);
	for (unsigned i = 0; i < nr_workers; i++) {
		char name[32];
		snprintf(name, sizeof(name), "iou-wrk-%u", i);
		wq->workers[i] = pcsim_task_create(ctx->w, name, io_wqe_worker, wq, -1);
		if (!wq->workers[i]) {
			atomic_set(&wq->alive, (int)i);
			wq->nr_workers = i;
			return -EAGAIN;
		}
		wq->nr_workers = i + 1;
	}
	return 0;
}

/* io_queue_async_work(): hand @req (and its submission reference) to a worker. */
void pcsim__io_queue_async_work(struct io_kiocb *req)
{
	struct io_ring_ctx *ctx = req->ctx;
	struct io_wq *wq = &ctx->wq;
	/* U10 (a REQ_F_NOWAIT request completes with -EAGAIN, it is never punted) holds by
	 * __io_queue_sqe()'s test; a RWF_NOWAIT request with IOSQE_ASYNC comes here because the
	 * user asked for io-wq, and 5.10 reads it there with a blocking read (io_read() drops
	 * IOCB_NOWAIT without force_nonblock): not a violation (test_rwf_nowait) */
	req->flags |= REQ_F_IN_IOWQ;
	URING_STAT(ctx, punted);
	pcsim_trace_emit(&pcsim__tk_uring_punt, 0, 0, req->id, 0, "queued to io-wq");
	spin_lock_irq(&wq->lock);
	list_add_tail(&req->list, &wq->work_list);
	spin_unlock_irq(&wq->lock);
	wake_up(&wq->wait);
}

/* io_wq_cancel_all(): queued work that has not started completes -ECANCELED. */
void pcsim__io_wq_cancel_all(struct io_ring_ctx *ctx)
{
	struct io_kiocb *req;
	while ((req = io_wq_dequeue(&ctx->wq))) {
		URING_STAT(ctx, cancelled);
		pcsim__req_set_fail_links(req);
		pcsim__io_req_complete(req, -ECANCELED);
		struct io_kiocb *nxt = pcsim__io_put_req_find_next(req);
		if (nxt)
			pcsim__io_req_task_queue(nxt);
	}
}

/* The workers leave once their queue is empty; the caller waits for them (ctx->wait). */
void pcsim__io_wq_exit(struct io_ring_ctx *ctx)
{
	WRITE_ONCE(ctx->wq.exiting, 1);
	wake_up_all(&ctx->wq.wait);
}

/* io_wq_get_task(): the manager task (here the first worker). */
struct task_struct *pcsim__io_wq_get_task(struct io_ring_ctx *ctx)
{
	return ctx->wq.workers[0];
}

bool pcsim__io_wq_current_is_worker(struct io_ring_ctx *ctx)
{
	return io_wq_current_is_worker(ctx);
}
