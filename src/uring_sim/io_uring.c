// SPDX-License-Identifier: MIT
/*
 * io_uring.c - the ring: set-up and teardown, submission, request references, completion
 * (CQ ring and overflow list), waiting for completions, and the task_work that retries an
 * armed read in the submitter.
 *
 * Models (5.10, fs/io_uring.c): io_uring_setup, io_submit_sqes, io_init_req, io_queue_sqe,
 * __io_queue_sqe, io_issue_sqe, io_put_req / io_put_req_find_next / io_free_req with links,
 * io_req_complete, io_cqring_fill_event, io_commit_cqring, io_cqring_ev_posted,
 * io_cqring_overflow_flush, io_cqring_wait with io_run_task_work_sig, io_req_task_work_add,
 * io_req_task_submit, io_req_task_cancel, io_req_task_queue, io_ring_ctx_wait_and_kill.
 * The read itself is rw.c; io-wq is io-wq.c; the user's side (liburing) is liburing.c.
 *
 * References (docs/kernel-semantics.md §4.1, U3): a request starts with two, the submission
 * reference (dropped when the issue attempt returns 0, or by the io-wq work) and the completion
 * reference (dropped when its CQE is posted); io_async_buf_func() takes one more and a ctx
 * reference before queueing the retry; the retry's __io_queue_sqe() drops the request's, the
 * task_work the ctx's. A request freed twice or never freed by the ring's exit is a violation.
 */
#include <stdio.h>
#include <string.h>

#include <pcsim/cover.h>
#include "uring_int.h"

static void r_uring(const struct pcsim_world *w, const struct pcsim_trace_event *e, char *buf,
		    size_t len)
{
	(void)w;
	snprintf(buf, len, "%s (request %llu, %lld)", e->str, (unsigned long long)e->a,
		 (long long)e->b);
}

const struct pcsim_trace_kind pcsim__tk_uring_sqe = { "uring.sqe", "uring", r_uring };
const struct pcsim_trace_kind pcsim__tk_uring_cqe = { "uring.cqe", "uring", r_uring };
const struct pcsim_trace_kind pcsim__tk_uring_arm = { "uring.arm", "uring", r_uring };
const struct pcsim_trace_kind pcsim__tk_uring_callback = { "uring.callback", "uring", r_uring };
const struct pcsim_trace_kind pcsim__tk_uring_retry = { "uring.retry", "uring", r_uring };
const struct pcsim_trace_kind pcsim__tk_uring_punt = { "uring.punt", "uring", r_uring };
const struct pcsim_trace_kind pcsim__tk_uring_iowq = { "uring.iowq", "uring", r_uring };

static void trace_req(const struct pcsim_trace_kind *k, const struct io_kiocb *req, long v,
		      const char *what)
{
	pcsim_trace_emit(k, 0, 0, req->id, (uint64_t)(int64_t)v, what);
}

/* ---------------------------------------------------------------------------------------------
 * ctx->uring_lock: only the ring's task takes it here (no SQPOLL), so an owner field is enough
 * to report misuse (U4: retries run in the submitter with the lock held).
 */
void pcsim__uring_lock(struct io_ring_ctx *ctx)
{
	PCSIM_CHECK(ctx->uring_lock_owner == NULL, "U4",
		    "ctx->uring_lock taken by %s while %s holds it",
		    current ? pcsim_task_name(current) : "an atomic context",
		    ctx->uring_lock_owner ? pcsim_task_name(ctx->uring_lock_owner) : "?");
	PCSIM_CHECK(current == ctx->sqo_task && !in_interrupt(), "U4",
		    "ctx->uring_lock taken outside the ring's task (%s)",
		    current ? pcsim_task_name(current) : "an atomic context");
	ctx->uring_lock_owner = current;
}

void pcsim__uring_unlock(struct io_ring_ctx *ctx)
{
	ctx->uring_lock_owner = NULL;
}

/* ---------------------------------------------------------------------------------------------
 * Requests and references
 */
/*
 * The request cache (`req_cache`, sim backend): io_alloc_req() takes the request freed last
 * (5.10 keeps freed requests in ctx->submit_state's cache the same way), cleared but for its
 * bumped gen and its async data, which the next read that needs some reuses. It stays in
 * ctx->reqs once, so the end-of-ring checks see every request as it is now.
 */
static bool io_req_cache_on(struct io_ring_ctx *ctx)
{
	const struct pcsim_config *cfg = pcsim_world_config(ctx->w);
	return cfg->backend == PCSIM_BACKEND_SIM && pcsim_uring_config_get(cfg)->req_cache;
}

static struct io_kiocb *io_alloc_req(struct io_ring_ctx *ctx)
{
	struct io_kiocb *req = ctx->req_free;
	if (req) {
		uint32_t gen = req->gen;
		struct io_async_rw *rw = req->cached_async;
		ctx->req_free = req->link;
		memset(req, 0, sizeof(*req));
		req->gen = gen;
		req->cached_async = rw;
		req->id = ++ctx->req_ids;
		req->ctx = ctx;
		pcsim_obj_name(req, "request %u", req->id);
		atomic_inc(&ctx->inflight);
		atomic_inc(&ctx->refs);
		return req;
	}
	req = pcsim_alloc(ctx->w, sizeof(*req));
	if (ctx->nr_reqs == ctx->cap_reqs) {
		unsigned ncap = ctx->cap_reqs ? 2 * ctx->cap_reqs : 64;
		struct io_kiocb **n = pcsim_alloc(ctx->w, ncap * sizeof(*n));
		if (ctx->nr_reqs)
			memcpy(n, ctx->reqs, ctx->nr_reqs * sizeof(*n));
		ctx->reqs = n;
		ctx->cap_reqs = ncap;
	}
	ctx->reqs[ctx->nr_reqs++] = req;
	req->id = ++ctx->req_ids;
	req->ctx = ctx;
	pcsim_obj_name(req, "request %u", req->id);
	atomic_inc(&ctx->inflight);
	atomic_inc(&ctx->refs);		/* percpu_ref_get per submitted SQE */
	return req;
}

/* __io_free_req(): the request's memory stays (arena); it is marked dead for the checks. */
static void io_free_req_mem(struct io_kiocb *req)
{
	struct io_ring_ctx *ctx = req->ctx;
	PCSIM_CHECK(!req->freed, "uring-double-free", "request %u freed twice", req->id);
	req->freed = true;
	req->gen++;
	if (io_req_cache_on(ctx)) {
		if (req->async_data)
			req->cached_async = req->async_data;
		req->link = ctx->req_free;
		ctx->req_free = req;
	}
	req->async_data = NULL;
	atomic_dec(&ctx->inflight);
	atomic_dec(&ctx->refs);		/* percpu_ref_put */
	if (ring_dying(ctx) && atomic_read(&ctx->inflight) == 0)
		wake_up(&ctx->wait);	/* io_ring_exit: the last request is gone */
	pcsim__io_ctx_note_put(ctx);
}

/*
 * The ring's percpu_ref as the kernel kills it: once the ring is dying (the owner closed it),
 * the reference the ring itself held is gone, and the put that leaves only it here is the one
 * after which io_ring_exit_work() frees the context. Whatever touches the context after that is
 * a use after free (B-14). Call after every put of ctx->refs that a request or a task_work does.
 */
void pcsim__io_ctx_note_put(struct io_ring_ctx *ctx)
{
	if (ring_dying(ctx) && pcsim_load_np(&ctx->refs.counter, PCSIM_MO_ONCE) == 1)
		__atomic_store_n(&ctx->released, true, __ATOMIC_RELAXED);
}

/*
 * The ctx reference of a queued task_work (U3): taken by whoever queues a retry or a cancel
 * (io_async_buf_func, io_req_task_queue), dropped by io_req_task_submit / io_req_task_cancel
 * when they are done with the context (6d816e088c35, 5.9-rc1). B-14 re-injected (5.7-5.8):
 * neither taken nor dropped.
 */
void pcsim__io_tw_ctx_get(struct io_kiocb *req)
{
	if (uring_bug(req->ctx, 14))
		return;
	/*
	 * The checker's bookkeeping first, in one step with no preemption point inside: the
	 * reference is taken for a task_work about to be queued, so U3 at the end of a task_work
	 * that is still running (the retry re-armed and the page was unlocked on another CPU)
	 * counts it as queued, not as a reference the running one forgot to drop.
	 */
	__atomic_fetch_add(&req->tw_pins, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&req->tw_pending, true, __ATOMIC_RELAXED);
	atomic_inc(&req->ctx->refs);	/* percpu_ref_get(&ctx->refs) */
}

void pcsim__io_tw_ctx_put(struct io_kiocb *req)
{
	struct io_ring_ctx *ctx = req->ctx;
	if (uring_bug(ctx, 14))
		return;
	PCSIM_CHECK(!ctx_released(ctx), "uring-ctx-use-after-free",
		    "the task_work of request %u puts a reference of a ring context already freed",
		    req->id);
	__atomic_fetch_sub(&req->tw_pins, 1, __ATOMIC_RELAXED);
	atomic_dec(&ctx->refs);		/* percpu_ref_put(&ctx->refs) */
	pcsim__io_ctx_note_put(ctx);
}

void pcsim__req_set_fail_links(struct io_kiocb *req)
{
	if (req->flags & REQ_F_LINK)
		req->flags |= REQ_F_FAIL_LINK;
}

/* io_fail_links(): every request behind a failed one completes -ECANCELED. */
static void io_fail_links(struct io_kiocb *req)
{
	struct io_kiocb *link = req->link;
	req->link = NULL;
	while (link) {
		struct io_kiocb *nxt = link->link;
		link->link = NULL;
		URING_STAT(link->ctx, cancelled);
		pcsim__io_req_complete(link, -ECANCELED);	/* drops its completion ref */
		pcsim__io_put_req(link);			/* and its submission ref */
		link = nxt;
	}
}

/* io_req_find_next(): the next request of the chain, or NULL (failing the chain if needed). */
static struct io_kiocb *io_req_find_next(struct io_kiocb *req)
{
	if (!req->link)
		return NULL;
	if (req->flags & REQ_F_FAIL_LINK) {
		io_fail_links(req);
		return NULL;
	}
	struct io_kiocb *nxt = req->link;
	req->link = NULL;
	return nxt;
}

struct io_kiocb *pcsim__io_put_req_find_next(struct io_kiocb *req)
{
	struct io_kiocb *nxt = NULL;
	if (refcount_dec_and_test(&req->refs)) {
		nxt = io_req_find_next(req);
		io_free_req_mem(req);
	}
	return nxt;
}

/* io_put_req() -> io_free_req(): the next linked request is queued as task_work. */
void pcsim__io_put_req(struct io_kiocb *req)
{
	if (refcount_dec_and_test(&req->refs)) {
		struct io_kiocb *nxt = io_req_find_next(req);
		io_free_req_mem(req);
		if (nxt)
			pcsim__io_req_task_queue(nxt);
	}
}

/* ---------------------------------------------------------------------------------------------
 * Completion: the CQ ring and its overflow list
 */
unsigned pcsim__io_cqring_events(struct io_ring_ctx *ctx)
{
	return cq_tail_peek(ctx) - (unsigned)smp_load_acquire(&ctx->rings.cq_head);
}

/* io_cqring_fill_event(): under completion_lock. Returns false if the CQE went to overflow. */
static bool io_cqring_fill_event(struct io_kiocb *req, long res)
{
	struct io_ring_ctx *ctx = req->ctx;
	struct io_rings *r = &ctx->rings;
	unsigned head = (unsigned)smp_load_acquire(&r->cq_head);
	trace_req(&pcsim__tk_uring_cqe, req, res, "CQE");
	pcsim__uring_check_cqe(req);	/* one CQE per request */
	req->cqes++;
	URING_STAT(ctx, completed);
	if (ctx->cached_cq_tail - head == r->cq_ring_entries) {
		/* The CQ ring is full: the request waits on the overflow list with a reference
		 * (5.10 counts rings->cq_overflow only for CQEs it drops, which it does not do
		 * while the ring is alive). */
		req->cqe_res = res;
		refcount_inc(&req->refs);
		list_add_tail(&req->list, &ctx->cq_overflow_list);
		URING_STAT(ctx, overflowed);
		return false;
	}
	struct io_uring_cqe *cqe = &r->cqes[ctx->cached_cq_tail & r->cq_ring_mask];
	cqe->user_data = req->user_data;
	cqe->res = (int32_t)res;
	cqe->flags = 0;
	cq_tail_inc(ctx);
	return true;
}

/* io_commit_cqring(): publish the CQEs (store-release of the tail). */
static void io_commit_cqring(struct io_ring_ctx *ctx)
{
	smp_store_release(&ctx->rings.cq_tail, ctx->cached_cq_tail);
}

/* io_cqring_ev_posted(): wake the task waiting for completions, signal the eventfd. */
static void io_cqring_ev_posted(struct io_ring_ctx *ctx)
{
	if (waitqueue_active(&ctx->wait))
		wake_up(&ctx->wait);
	struct eventfd_ctx *ev = __atomic_load_n(&ctx->cq_ev_fd, __ATOMIC_ACQUIRE);
	if (ev)
		pcsim__eventfd_signal(ev, 1);
}

void pcsim__io_cqring_overflow_flush(struct io_ring_ctx *ctx)
{
	struct io_rings *r = &ctx->rings;
	struct io_kiocb *done[64];
	unsigned n = 0;
	unsigned long fl;
	spin_lock_irqsave(&ctx->completion_lock, fl);
	while (!list_empty(&ctx->cq_overflow_list) && n < 64) {
		unsigned head = (unsigned)smp_load_acquire(&r->cq_head);
		if (ctx->cached_cq_tail - head == r->cq_ring_entries)
			break;
		struct list_head *first = pcsim__list_follow(pcsim__lnext(&ctx->cq_overflow_list));
		if (!first)
			break;		/* a poisoned link: already reported */
		struct io_kiocb *req = list_entry(first, struct io_kiocb, list);
		list_del_init(&req->list);
		struct io_uring_cqe *cqe = &r->cqes[ctx->cached_cq_tail & r->cq_ring_mask];
		cqe->user_data = req->user_data;
		cqe->res = (int32_t)req->cqe_res;
		cqe->flags = 0;
		cq_tail_inc(ctx);
		done[n++] = req;
	}
	io_commit_cqring(ctx);
	spin_unlock_irqrestore(&ctx->completion_lock, fl);
	if (n)
		io_cqring_ev_posted(ctx);
	for (unsigned i = 0; i < n; i++)
		pcsim__io_put_req(done[i]);	/* the overflow list's reference */
}

/* io_cqring_add_event() + io_put_req(): post the CQE, drop the completion reference. */
void pcsim__io_req_complete(struct io_kiocb *req, long res)
{
	struct io_ring_ctx *ctx = req->ctx;
	unsigned long fl;
	spin_lock_irqsave(&ctx->completion_lock, fl);
	io_cqring_fill_event(req, res);
	io_commit_cqring(ctx);
	spin_unlock_irqrestore(&ctx->completion_lock, fl);
	io_cqring_ev_posted(ctx);
	pcsim__io_put_req(req);
}

/* ---------------------------------------------------------------------------------------------
 * Issue
 */
static int io_nop(struct io_kiocb *req)
{
	pcsim__io_req_complete(req, 0);
	return 0;
}

int pcsim__io_issue_sqe(struct io_kiocb *req, bool force_nonblock)
{
	/* U4: an inline (non-blocking) issue - the submission, or the retry from task_work - runs
	 * in the ring's task with uring_lock held; io-wq issues (blocking) without it */
	if (force_nonblock && pcsim__uring_checking(req->ctx))
		PCSIM_CHECK(req->ctx->uring_lock_owner == current && current, "U4",
			    "request %u is issued without blocking outside ctx->uring_lock (%s)",
			    req->id, current ? pcsim_task_name(current) : "an atomic context");
	switch (req->opcode) {
	case IORING_OP_NOP:
		return io_nop(req);
	case IORING_OP_READ:
	case IORING_OP_READV:
		/* 6.18's io_assign_file(): the descriptor is looked up now */
		if (req->flags & REQ_F_BADFD)
			return -EBADF;
		return req->ctx->ops.read(req, force_nonblock);
	case IORING_OP_FADVISE:
		return pcsim__io_fadvise(req, force_nonblock);
	default:
		return -EINVAL;
	}
}

/* __io_queue_sqe(): issue inline without blocking, then punt, drop or complete. */
void pcsim__io_queue_sqe_inline(struct io_kiocb *req)
{
	int ret = pcsim__io_issue_sqe(req, true);
	if (ret == -EAGAIN && !(req->flags & REQ_F_NOWAIT)) {
		/* Regular files cannot be polled: to io-wq, which owns the submission ref. */
		pcsim__io_queue_async_work(req);
		return;
	}
	if (ret == 0) {
		struct io_kiocb *nxt = pcsim__io_put_req_find_next(req);
		if (nxt)
			pcsim__io_queue_sqe(nxt);
		return;
	}
	pcsim__req_set_fail_links(req);
	pcsim__io_put_req(req);		/* the submission reference */
	pcsim__io_req_complete(req, ret);	/* the completion reference, with the CQE */
}

/* io_queue_sqe(): IOSQE_ASYNC (and the offload mode) go to io-wq with no inline attempt. */
void pcsim__io_queue_sqe(struct io_kiocb *req)
{
	struct io_ring_ctx *ctx = req->ctx;
	if (io_op_is_read(req->opcode) && ctx->mode == PCSIM_URING_OFFLOAD)
		req->flags |= REQ_F_FORCE_ASYNC;
	if (req->flags & REQ_F_FORCE_ASYNC) {
		pcsim__io_queue_async_work(req);
		return;
	}
	if (io_op_is_read(req->opcode) && ctx->mode == PCSIM_URING_SYNC) {
		/* preadv(): the submitting task does a blocking read. */
		int ret = pcsim__io_issue_sqe(req, false);
		if (ret) {
			pcsim__req_set_fail_links(req);
			pcsim__io_put_req(req);
			pcsim__io_req_complete(req, ret);
			return;
		}
		struct io_kiocb *nxt = pcsim__io_put_req_find_next(req);
		if (nxt)
			pcsim__io_queue_sqe(nxt);
		return;
	}
	pcsim__io_queue_sqe_inline(req);
}

/* io_init_req(): two references, the task, the flags of the SQE. 0 or -errno (bad SQE). */
static int io_init_req(struct io_ring_ctx *ctx, struct io_kiocb *req,
		       const struct io_uring_sqe *sqe)
{
	req->opcode = sqe->opcode;
	req->user_data = sqe->user_data;
	req->task = current;
	req->result = 0;
	refcount_set(&req->refs, 2);
	INIT_LIST_HEAD(&req->list);
	if (sqe->flags & ~(IOSQE_ASYNC | IOSQE_IO_LINK))
		return -EINVAL;
	if (sqe->flags & IOSQE_ASYNC)
		req->flags |= REQ_F_FORCE_ASYNC;
	if (sqe->flags & IOSQE_IO_LINK)
		req->flags |= REQ_F_LINK;
	switch (req->opcode) {
	case IORING_OP_NOP:
		return 0;
	case IORING_OP_READ:
	case IORING_OP_READV:
		return pcsim__io_prep_rw(req, sqe);
	case IORING_OP_FADVISE:
		return pcsim__io_fadvise_prep(req, sqe);
	default:
		(void)ctx;
		return -EINVAL;
	}
}

/*
 * io_submit_sqes(): consume up to @nr SQEs (load-acquire of the SQ tail), build the link chains
 * and queue each chain's head; publish the new SQ head (store-release). Under uring_lock.
 */
static int io_submit_sqes(struct io_ring_ctx *ctx, unsigned nr)
{
	struct io_rings *r = &ctx->rings;
	unsigned tail = (unsigned)smp_load_acquire(&r->sq_tail);
	unsigned avail = tail - ctx->cached_sq_head;
	struct io_kiocb *head = NULL, *last = NULL;
	int submitted = 0;
	if (nr > avail)
		nr = avail;
	for (unsigned i = 0; i < nr; i++) {
		const struct io_uring_sqe *sqe =
			&r->sqes[ctx->cached_sq_head++ & r->sq_ring_mask];
		struct io_kiocb *req = io_alloc_req(ctx);
		int err = io_init_req(ctx, req, sqe);
		URING_STAT(ctx, submitted);
		submitted++;
		trace_req(&pcsim__tk_uring_sqe, req, req->opcode, "SQE");
		if (err) {
			/* io_submit_sqe(): a bad SQE completes with its error; a chain being built
			 * fails with -ECANCELED, and submission stops here. */
			pcsim__io_put_req(req);
			pcsim__io_req_complete(req, err);
			if (head) {
				head->flags |= REQ_F_FAIL_LINK;
				pcsim__io_put_req(head);
				pcsim__io_req_complete(head, -ECANCELED);
				head = last = NULL;
			}
			break;
		}
		if (head) {
			last->link = req;
			last = req;
			if (!(req->flags & REQ_F_LINK)) {
				struct io_kiocb *h = head;
				head = last = NULL;
				pcsim__io_queue_sqe(h);
			}
			continue;
		}
		if (req->flags & REQ_F_LINK) {
			head = last = req;
			continue;
		}
		pcsim__io_queue_sqe(req);
	}
	if (head)
		pcsim__io_queue_sqe(head);	/* a chain cut short by the end of the batch */
	smp_store_release(&r->sq_head, ctx->cached_sq_head);
	return submitted;
}

/* ---------------------------------------------------------------------------------------------
 * task_work: the retry in the submitter, and its fallback
 */
/*
 * IORING_SETUP_DEFER_TASKRUN (6.1+, io_req_local_work_add): the work goes on the ring's own list,
 * not to the task; only the submitter runs it, when it waits for completions
 * (io_cqring_wait -> io_run_local_work) or tears the ring down. A waiter in io_cqring_wait() is
 * woken (the kernel wakes it once the work count reaches what it waits for; the model wakes it
 * at every add and lets it count). No signal, no TIF_NOTIFY_SIGNAL: a submitter asleep anywhere
 * else does not run it.
 */
static int io_req_local_work_add(struct io_kiocb *req)
{
	struct io_ring_ctx *ctx = req->ctx;
	unsigned long fl;
	if (pcsim_task_flags(req->task) & PF_EXITING)
		return -ESRCH;
	__atomic_store_n(&req->tw_pending, true, __ATOMIC_RELAXED);
	req->tw_queues++;
	req->task_work.next = NULL;
	spin_lock_irqsave(&ctx->work_lock, fl);
	if (ctx->work_last)
		ctx->work_last->next = &req->task_work;
	else
		ctx->work_first = &req->task_work;
	ctx->work_last = &req->task_work;
	__atomic_store_n(&ctx->work_nr, ctx->work_nr + 1, __ATOMIC_RELAXED);
	spin_unlock_irqrestore(&ctx->work_lock, fl);
	if (waitqueue_active(&ctx->wait))
		wake_up(&ctx->wait);
	return 0;
}

/* io_run_local_work(): run the ring's deferred task_work, oldest first. Context: the
 * submitter. Return: how many ran. */
int pcsim__io_run_local_work(struct io_ring_ctx *ctx)
{
	int n = 0;
	unsigned long fl;
	while (ring_local_work_pending(ctx)) {
		spin_lock_irqsave(&ctx->work_lock, fl);
		struct callback_head *cb = ctx->work_first;
		ctx->work_first = ctx->work_last = NULL;
		__atomic_store_n(&ctx->work_nr, 0, __ATOMIC_RELAXED);
		spin_unlock_irqrestore(&ctx->work_lock, fl);
		while (cb) {
			struct callback_head *next = cb->next;
			cb->func(cb);
			cb = next;
			n++;
		}
	}
	return n;
}

int pcsim__io_req_task_work_add(struct io_kiocb *req, bool twa_signal_ok)
{
	struct task_struct *tsk = req->task;
	if (ring_defer_taskrun(req->ctx))
		return io_req_local_work_add(req);
	if (pcsim_task_flags(tsk) & PF_EXITING)
		return -ESRCH;
	/* 5.10: TWA_SIGNAL unless SQPOLL (TIF_SIGPENDING through JOBCTL_TASK_WORK: it interrupts
	 * TASK_INTERRUPTIBLE sleeps only); 6.18: ctx->notify_method, TWA_SIGNAL for a ring without
	 * COOP_TASKRUN (TIF_NOTIFY_SIGNAL: the same sleeps end). B-16 (5.7-5.8): TWA_RESUME, run
	 * only on the way back to user space, so a task sleeping in the kernel for the result never
	 * runs it. */
	int notify = twa_signal_ok ? TWA_SIGNAL : TWA_NONE;
	if (uring_bug(req->ctx, 16))
		notify = TWA_RESUME;
	__atomic_store_n(&req->tw_pending, true, __ATOMIC_RELAXED);
	req->tw_queues++;
	int ret = task_work_add(tsk, &req->task_work, notify);
	if (!ret) {
		wake_up_process(tsk);
	} else {
		__atomic_store_n(&req->tw_pending, false, __ATOMIC_RELAXED);
		req->tw_queues--;
	}
	return ret;
}

/* The task is exiting: io_req_task_cancel() from the io-wq manager instead (-ECANCELED). */
void pcsim__io_req_task_work_fallback(struct io_kiocb *req)
{
	struct task_struct *tsk = pcsim__io_wq_get_task(req->ctx);
	req->task_work.func = pcsim__io_req_task_cancel;
	__atomic_store_n(&req->tw_pending, true, __ATOMIC_RELAXED);
	req->tw_queues++;
	task_work_add(tsk, &req->task_work, TWA_NONE);
	wake_up_process(tsk);
}

/* __io_req_task_cancel(): post -ECANCELED and drop both references. */
static void io_req_task_cancel_one(struct io_kiocb *req, long error)
{
	struct io_ring_ctx *ctx = req->ctx;
	unsigned long fl;
	URING_STAT(ctx, cancelled);
	spin_lock_irqsave(&ctx->completion_lock, fl);
	io_cqring_fill_event(req, error);
	io_commit_cqring(ctx);
	spin_unlock_irqrestore(&ctx->completion_lock, fl);
	io_cqring_ev_posted(ctx);
	pcsim__req_set_fail_links(req);
	pcsim__io_put_req(req);
	pcsim__io_put_req(req);
}

void pcsim__io_req_task_cancel(struct callback_head *cb)
{
	struct io_kiocb *req = container_of(cb, struct io_kiocb, task_work);
	pcsim__uring_check_tw_begin(req, false);
	io_req_task_cancel_one(req, -ECANCELED);
	/* 5.9-rc6 "drop 'ctx' ref on task work cancelation" (the mutant: before it) */
	if (!uring_inject(req->ctx, PCSIM_INJECT_URING_CANCEL_NO_PUT))
		pcsim__io_tw_ctx_put(req);
	pcsim__uring_check_tw_end(req);
}

/* io_req_task_submit(): re-issue under uring_lock, a fresh io_read() from step 1. */
void pcsim__io_req_task_submit(struct callback_head *cb)
{
	struct io_kiocb *req = container_of(cb, struct io_kiocb, task_work);
	struct io_ring_ctx *ctx = req->ctx;
	PCSIM_CHECK(!req->freed, "uring-use-after-free",
		    "task_work retry of request %u, already freed", req->id);
	pcsim__uring_check_tw_begin(req, true);
	URING_STAT(ctx, retries);
	trace_req(&pcsim__tk_uring_retry, req, 0, "retry from task_work");
	pcsim_cover(PCSIM_COV_TW_RETRY);
	pcsim__uring_lock(ctx);
	pcsim__io_queue_sqe_inline(req);
	/* the request may be gone now: only the task_work's own ctx reference keeps the ring's
	 * context alive for the unlock and the put below (B-14 re-injected: nothing does) */
	PCSIM_CHECK(!ctx_released(ctx), "uring-ctx-use-after-free",
		    "io_req_task_submit() of request %u unlocks ctx->uring_lock of a ring context "
		    "freed under it: the ring is closed and its last reference went with the "
		    "request (B-14)", req->id);
	pcsim__uring_unlock(ctx);
	pcsim__io_tw_ctx_put(req);	/* percpu_ref_put: the callback's ctx reference */
	pcsim__uring_check_tw_end(req);
}

/* io_req_task_queue(): run @req's issue from task_work (links), with the same fallback. */
void pcsim__io_req_task_queue(struct io_kiocb *req)
{
	struct io_ring_ctx *ctx = req->ctx;
	req->task_work.func = ctx->ops.task_submit;
	pcsim__io_tw_ctx_get(req);
	if (pcsim__io_req_task_work_add(req, true))
		pcsim__io_req_task_work_fallback(req);
}

/* ---------------------------------------------------------------------------------------------
 * Waiting for completions
 */
struct io_wait_queue {
	struct wait_queue_entry wq;
	struct io_ring_ctx *ctx;
	unsigned to_wait;
};

static bool io_should_wake(struct io_wait_queue *iowq)
{
	return pcsim__io_cqring_events(iowq->ctx) >= iowq->to_wait ||
	       (ring_dying(iowq->ctx) && atomic_read(&iowq->ctx->inflight) == 0);
}

static int io_wake_function(struct wait_queue_entry *curr, unsigned mode, int wake_flags,
			    void *key)
{
	struct io_wait_queue *iowq = container_of(curr, struct io_wait_queue, wq);
	/* 6.18 also wakes for deferred task_work to run (io_has_work) */
	if (!io_should_wake(iowq) && !ring_local_work_pending(iowq->ctx))
		return -1;
	return autoremove_wake_function(curr, mode, wake_flags, key);
}

/*
 * io_run_task_work_sig(): 1 if task_work ran (or was just queued: the pending "signal" is its
 * notification, JOBCTL_TASK_WORK in 5.10, and the caller loops to run it), -EINTR on a real
 * signal, else 0. The second look at the work list matters: a callback can queue work between
 * the first look and the signal test, and without it the wait ends with a false -EINTR.
 */
static int io_run_task_work_sig(struct io_ring_ctx *ctx)
{
	if (ring_local_work_pending(ctx)) {
		__set_current_state(TASK_RUNNING);
		pcsim__io_run_local_work(ctx);
		return 1;
	}
	if (pcsim_task_work_pending(current)) {
		__set_current_state(TASK_RUNNING);
		task_work_run();
		return 1;
	}
	if (!signal_pending(current))
		return 0;
	if (pcsim_task_work_pending(current))
		return 1;
	return -EINTR;
}

/*
 * With @timeout (jiffies, updated with what is left) the wait is 5.11's IORING_ENTER_EXT_ARG
 * one: schedule_timeout() instead of schedule(), -ETIME when it expires (docs/uring.md).
 */
int pcsim__io_cqring_wait_timeout(struct io_ring_ctx *ctx, unsigned min_events, long *timeout)
{
	struct io_wait_queue iowq;
	int ret = 0;
	/* io_run_task_work() until nothing is left (and, DEFER_TASKRUN, the ring's own work),
	 * then the wait loop. */
	while (pcsim_task_work_pending(current))
		task_work_run();
	if (ring_local_work_pending(ctx))
		pcsim__io_run_local_work(ctx);
	if (pcsim__io_cqring_events(ctx) >= min_events)
		return 0;
	iowq.ctx = ctx;
	iowq.to_wait = min_events;
	init_waitqueue_func_entry(&iowq.wq, io_wake_function);
	iowq.wq.private = current;
	INIT_LIST_HEAD(&iowq.wq.entry);
	for (;;) {
		pcsim__io_cqring_overflow_flush(ctx);
		prepare_to_wait_exclusive(&ctx->wait, &iowq.wq, TASK_INTERRUPTIBLE);
		ret = io_run_task_work_sig(ctx);
		if (ret > 0) {
			pcsim_cover(PCSIM_COV_CQWAIT_TW);
			ret = 0;
			continue;
		}
		if (ret < 0)
			break;
		if (io_should_wake(&iowq))
			break;
		pcsim_task_set_wchan("io_cqring_wait (%u of %u CQEs)", pcsim__io_cqring_events(ctx),
				     min_events);
		if (!timeout) {
			schedule();
		} else if (!(*timeout = schedule_timeout(*timeout))) {
			ret = -ETIME;
			break;
		}
	}
	finish_wait(&ctx->wait, &iowq.wq);
	pcsim_cover_ret(PCSIM_COV_CQWAIT_OK, ret);
	return ret;
}

int pcsim__io_cqring_wait(struct io_ring_ctx *ctx, unsigned min_events)
{
	return pcsim__io_cqring_wait_timeout(ctx, min_events, NULL);
}

/* io_uring_enter(): submit under uring_lock, then wait for @min_complete CQEs. */
int pcsim__io_uring_enter(struct io_ring_ctx *ctx, unsigned to_submit, unsigned min_complete)
{
	int submitted = 0;
	pcsim__uring_checks_ring(ctx);
	if (!list_empty(&ctx->cq_overflow_list))
		pcsim__io_cqring_overflow_flush(ctx);
	if (to_submit) {
		pcsim__uring_lock(ctx);
		submitted = io_submit_sqes(ctx, to_submit);
		pcsim__uring_unlock(ctx);
	}
	if (min_complete) {
		int ret = pcsim__io_cqring_wait(ctx, min_complete);
		if (ret < 0 && !submitted)
			return ret;
	}
	return submitted;
}
