// SPDX-License-Identifier: MIT
/*
 * checks.c - the ring's invariants U1-U10 of docs/kernel-semantics.md 4.9 and the completion
 * checks, while the model runs (sim backend, PCSIM_CHECK_INVARIANTS). docs/uring.md, "Checks",
 * lists each with where it is checked and which mutant or zoo entry makes it fire.
 *
 * At every step (a world invariant over the live requests of every ring that submitted):
 *  - U5: IOCB_WAITQ is set only while an arming is outstanding: from io_rw_should_retry() to
 *    the read's -EIOCBQUEUED and its callback, or to the read's other return (B-13).
 * At the points where they can break:
 *  - U1 when a wpq is armed: it is the one in the request's heap async data, and no arming of
 *    it is outstanding (rw.c; a linked wpq always has one: A3, A5 of the page cache); and on
 *    every entry to io_read(): none is outstanding;
 *  - U2 around every firing of the wake function: one firing per arming (rw.c), and a firing
 *    that unlinked its entry queued exactly one retry or cancel;
 *  - U3 when a task_work of a request starts (its queuer took a ctx reference for it, B-14)
 *    and ends (it dropped that reference; the cancel half of B-14);
 *  - U4 when a retry starts (in the submitter, not in an interrupt) and on every inline issue
 *    (under ctx->uring_lock, io_uring.c);
 *  - U6 after every read attempt (the iterator and the position moved by what it returned)
 *    and at completion (the result is what the iterator moved: bytes_done counted once);
 *  - U7 where the link decision is made: a chain fails exactly when the request's result is
 *    not the whole count it asked for (B-15 in its 5.10 form);
 *  - U8 at completion: no callback armed and no retry queued for a request that completes;
 *  - U9 where a task is about to sleep for a ring's effect outside io_cqring_wait()
 *    (eventfd_read): task_work queued to it must be able to interrupt that sleep (B-16);
 *  - U10 in rw.c and io-wq.c (a RWF_NOWAIT request never arms and is never punted, B-04);
 *  - completion: one CQE per request; every byte a read reports is the file's byte at its
 *    offset.
 * At every step of a ring's exit (sc memory), uring-leak: the exit sleeps waiting for requests
 * that nothing can complete any more (check_exit_leak()). Without it a leaked request showed
 * as a deadlock of the exit, and the uring-leak check after the wait could never run.
 */
#include <stdio.h>

#include <pcsim/file_bytes.h>

#include "uring_int.h"

static bool world_checking(const struct pcsim_world *w)
{
	const struct pcsim_config *cfg = w ? pcsim_world_config(w) : NULL;
	return cfg && cfg->backend == PCSIM_BACKEND_SIM && (cfg->checks & PCSIM_CHECK_INVARIANTS);
}

bool pcsim__uring_checking(const struct io_ring_ctx *ctx)
{
	return world_checking(ctx->w);
}

/* Is @wpq linked in a wait queue? A raw look (no preemption point, no memory-model access). */
static bool wpq_linked(const struct wait_page_queue *wpq)
{
	struct list_head *self = (struct list_head *)&wpq->wait.entry;
	struct list_head *n = pcsim__lnext(self);
	return n && n != self && n != PCSIM_LIST_POISON1;
}

/* ---------------------------------------------------------------------------------------------
 * Per step: U5 over the live requests; a leak at the ring's exit
 */

/* A raw look at a list's next pointer: no preemption point, no footprint, not traced. */
static struct list_head *raw_next(const struct list_head *l)
{
	return __atomic_load_n((struct list_head *const *)&l->next.pcsim_private_,
			       __ATOMIC_RELAXED);
}

static bool raw_list_empty(const struct list_head *head)
{
	return raw_next(head) == head;
}

/* Is @t asleep as an idle io-wq worker: an entry of its pool's wait queue is its own? */
static bool worker_idle(const struct io_wq *wq, const struct task_struct *t)
{
	if (!pcsim_task_is_sleeping(t) || pcsim_task_work_pending((struct task_struct *)t))
		return false;
	const struct list_head *head = &wq->wait.head;
	unsigned n = 0;
	for (const struct list_head *e = raw_next(head); e && e != head && n < 1024;
	     e = raw_next(e), n++) {
		const struct wait_queue_entry *we =
			container_of(e, const struct wait_queue_entry, entry);
		if (we->private == t)
			return true;
	}
	return false;
}

/*
 * uring-leak while the ring's exit waits: pcsim_uring_queue_exit() sleeps until every request
 * is freed, so a request nobody will ever complete or free kept it asleep for good and the run
 * ended as a deadlock, before the exit's own uring-leak check. Here the leak is reported at the
 * step where it becomes certain: the ring is dying and its owner sleeps in the exit with no
 * task_work queued; every io-wq worker has exited or sleeps idle on its pool's queue with none;
 * no work is queued to the pool and no CQE waits on the overflow list; and no unfreed request
 * has a page callback armed or a task_work queued for it. Then no context can complete any of
 * them: a page unlock reaches only armed requests, and every other path to a completion runs in
 * the owner or a worker. io_async_buf_func() sets tw_pending in the same step it clears armed
 * (no preemption point between them), so a callback in flight never looks quiet; with B-14
 * re-injected it does not (its ctx reference, and tw_pending with it, come later), so the check
 * stands aside then. The raw looks need sc memory: under tso a store may still sit in a buffer.
 */
static int check_exit_leak(struct io_ring_ctx *ctx)
{
	if (!ring_dying(ctx) || ctx->exited || !ctx->sqo_task)
		return 0;
	if (pcsim_world_config(ctx->w)->mem != PCSIM_MEM_SC || uring_bug(ctx, 14))
		return 0;
	if (!pcsim_task_is_sleeping(ctx->sqo_task) || pcsim_task_work_pending(ctx->sqo_task))
		return 0;
	for (unsigned i = 0; i < ctx->wq.nr_workers; i++) {
		struct task_struct *t = ctx->wq.workers[i];
		if (t && !pcsim_task_exited(t) && !worker_idle(&ctx->wq, t))
			return 0;
	}
	if (!raw_list_empty(&ctx->wq.work_list) || !raw_list_empty(&ctx->cq_overflow_list))
		return 0;
	struct io_kiocb *first = NULL;
	unsigned leaked = 0;
	for (unsigned k = 0; k < ctx->nr_reqs; k++) {
		struct io_kiocb *req = ctx->reqs[k];
		if (req->freed)
			continue;
		if (req->armed || __atomic_load_n(&req->tw_pending, __ATOMIC_RELAXED))
			return 0;
		if (!leaked++)
			first = req;
	}
	if (!leaked)
		return 0;
	pcsim_fail("uring-leak", "request %u (user_data %llu)%s never freed: the ring's exit "
		   "waits for %u request(s) that nothing can complete (no page callback armed, no "
		   "task_work queued, io-wq idle)", first->id,
		   (unsigned long long)first->user_data, leaked > 1 ? " and others" : "", leaked);
	return 1;
}

static int check_rings(struct pcsim_world *w, void *arg)
{
	struct uring_layer *L = arg;
	(void)w;
	for (unsigned i = 0; i < L->nr_chk_rings; i++) {
		struct io_ring_ctx *ctx = L->chk_rings[i];
		if (check_exit_leak(ctx))
			return 1;
		for (unsigned k = 0; k < ctx->nr_reqs; k++) {
			struct io_kiocb *req = ctx->reqs[k];
			if (req->freed || req->armed || !(req->kiocb.ki_flags & IOCB_WAITQ))
				continue;
			pcsim_fail("U5", "request %u has IOCB_WAITQ set with no arming "
				   "outstanding: its armed read returned without -EIOCBQUEUED "
				   "and left the flag for the next read of the request, which "
				   "would arm where it must block (B-13)", req->id);
			return 1;
		}
	}
	return 0;
}

/* A ring takes part in the per-step checks from its first io_uring_enter(). */
void pcsim__uring_checks_ring(struct io_ring_ctx *ctx)
{
	if (ctx->checked || !pcsim__uring_checking(ctx))
		return;
	ctx->checked = true;
	struct uring_layer *L = pcsim__uring(ctx->w);
	if (L->nr_chk_rings == sizeof(L->chk_rings) / sizeof(L->chk_rings[0]))
		return;		/* more rings than the checks follow: the rest go unchecked */
	if (!L->nr_chk_rings)
		pcsim_state_invariant_register(ctx->w, "U5", check_rings, L);
	L->chk_rings[L->nr_chk_rings++] = ctx;
}

/* ---------------------------------------------------------------------------------------------
 * At the points where they can break
 */

/* U1, when io_rw_should_retry() is about to (re)initialise and arm @wait. */
void pcsim__uring_check_arm(struct io_kiocb *req, const struct wait_page_queue *wait)
{
	if (!pcsim__uring_checking(req->ctx))
		return;
	struct io_async_rw *rw = req->async_data;
	PCSIM_CHECK(rw && wait == &rw->wpq, "U1",
		    "request %u arms a wait entry that is not the wpq of its heap async data: the "
		    "page's wait queue would keep it after the frame that holds it is gone",
		    req->id);
}

/* Every io_read(): no arming of the request is outstanding (U1: its wpq would be passed to
 * the page cache a second time while linked); the first one records the whole count and the
 * position it reads from. */
void pcsim__uring_check_read_begin(struct io_kiocb *req, const struct iov_iter *iter)
{
	if (!pcsim__uring_checking(req->ctx))
		return;
	PCSIM_CHECK(!req->armed, "U1", "io_read() of request %u runs while its wpq is armed on a "
		    "page: the read may link it a second time", req->id);
	if (req->chk_started)
		return;
	req->chk_started = true;
	req->chk_total = (long)iter->count;
	req->chk_pos0 = req->kiocb.ki_pos;
}

/* U6, after each ->read_iter() attempt: it moved the iterator and ki_pos by what it returned. */
void pcsim__uring_check_attempt(struct io_kiocb *req, const struct iov_iter *iter,
				size_t count0, size_t done0, int64_t pos0, long ret)
{
	if (ret <= 0 || !pcsim__uring_checking(req->ctx))
		return;
	PCSIM_CHECK((size_t)ret <= count0 && iter->count == count0 - (size_t)ret &&
			    iter->done == done0 + (size_t)ret,
		    "U6", "a read attempt of request %u returned %ld but moved its iterator by %zu",
		    req->id, ret, iter->done - done0);
	PCSIM_CHECK(req->kiocb.ki_pos == pos0 + ret, "U6",
		    "a read attempt of request %u returned %ld but moved the file position by %lld",
		    req->id, ret, (long long)(req->kiocb.ki_pos - pos0));
}

/* U8, U6 and the bytes, when kiocb_done() is about to report @res (@last: the last attempt's
 * own return) for a read whose attempts used @iter. */
void pcsim__uring_check_done(struct io_kiocb *req, const struct iov_iter *iter, long last,
			     long res)
{
	if (!pcsim__uring_checking(req->ctx))
		return;
	const struct io_async_rw *rw = req->async_data;
	PCSIM_CHECK(!req->armed && !(rw && wpq_linked(&rw->wpq)), "U8",
		    "request %u completes (result %ld) while its page callback is armed: the "
		    "callback will retry a request that is gone", req->id, res);
	PCSIM_CHECK(!__atomic_load_n(&req->tw_pending, __ATOMIC_RELAXED), "U8",
		    "request %u completes (result %ld) while a retry of it is queued", req->id,
		    res);
	if (res < 0)
		return;
	PCSIM_CHECK((size_t)res == iter->done, "U6",
		    "request %u reports %ld bytes but its reads moved %zu (bytes done before the "
		    "last attempt %zu, last attempt %ld)", req->id, res, iter->done,
		    rw ? rw->bytes_done : 0, last);
	if (req->opcode != IORING_OP_READ || !req->chk_started || !req->file->mapping)
		return;
	uint32_t id = req->file->mapping->id;
	size_t n = (size_t)res < req->len ? (size_t)res : req->len;
	size_t k = pcsim_file_bytes_mismatch(id, (uint64_t)req->chk_pos0, req->buf, n);
	if (k < n) {
		unsigned char want = pcsim_file_byte(id, (uint64_t)(req->chk_pos0 + (long)k));
		pcsim_fail("uring-data", "request %u: byte %ld of its buffer is %#x, the file's "
			   "byte at offset %lld is %#x", req->id, (long)k, req->buf[k],
			   (long long)(req->chk_pos0 + (long)k), want);
	}
}

/* U7, where io_complete_rw_common() decides whether the chain behind @req fails. */
void pcsim__uring_check_link(struct io_kiocb *req, long res, bool fail)
{
	if (!req->chk_started || !pcsim__uring_checking(req->ctx))
		return;
	bool short_or_failed = res != req->chk_total;
	PCSIM_CHECK(fail == short_or_failed, "U7",
		    "request %u (result %ld of %ld bytes) %s: the link decision compared against "
		    "an expected count (%ld) that is not the one of the attempt it compared (B-15)",
		    req->id, res, req->chk_total,
		    fail ? "fails the chain behind a read that got every byte"
			 : "keeps the chain behind a short or failed read",
		    req->result);
}

/* U2, after a firing of the wake function of an armed @req (the plug point's or pcsim's). */
void pcsim__uring_check_callback(struct io_kiocb *req, unsigned tw_queues_before,
				 unsigned arm_seq_before)
{
	if (!pcsim__uring_checking(req->ctx) || !req->async_data)
		return;
	unsigned queued = req->tw_queues - tw_queues_before;
	if (req->arm_seq != arm_seq_before) {
		/* the retry it queued already ran on another CPU and armed the request again:
		 * this firing did queue it */
		PCSIM_CHECK(queued >= 1, "U2", "request %u was armed again during a firing of its "
			    "page callback that queued nothing", req->id);
		return;
	}
	bool consumed = !wpq_linked(&req->async_data->wpq);
	PCSIM_CHECK(!consumed || queued == 1, "U2",
		    "the page callback of request %u took its entry off the queue but queued %s",
		    req->id, queued ? "more than one retry or cancel"
				    : "neither the retry nor the cancel: the read never completes");
	PCSIM_CHECK(consumed || queued == 0, "U2",
		    "the page callback of request %u queued its retry but left its entry queued",
		    req->id);
}

/* U3 and U4, when a task_work of @req (the retry if @retry, else the cancel) starts. */
void pcsim__uring_check_tw_begin(struct io_kiocb *req, bool retry)
{
	__atomic_store_n(&req->tw_pending, false, __ATOMIC_RELAXED);
	if (!pcsim__uring_checking(req->ctx))
		return;
	if (retry)
		PCSIM_CHECK(current && current == req->task && !in_interrupt(), "U4",
			    "the retry of request %u runs in %s, not in its submitter %s",
			    req->id, in_interrupt() ? "an interrupt"
				     : current ? pcsim_task_name(current) : "an atomic context",
			    pcsim_task_name(req->task));
	unsigned pins = __atomic_load_n(&req->tw_pins, __ATOMIC_RELAXED);
	PCSIM_CHECK(pins == 1, "U3",
		    "the %s task_work of request %u runs with %u ring context references taken "
		    "for it (one: its queuer's, which keeps the ring alive while it runs; B-14)",
		    retry ? "retry" : "cancel", req->id, pins);
}

/* U3, when it ends: the reference taken for it is gone (one more if it was queued again). */
void pcsim__uring_check_tw_end(struct io_kiocb *req)
{
	if (!pcsim__uring_checking(req->ctx))
		return;
	PCSIM_CHECK(__atomic_load_n(&req->tw_pins, __ATOMIC_RELAXED) ==
			    (__atomic_load_n(&req->tw_pending, __ATOMIC_RELAXED) ? 1 : 0),
		    "U3",
		    "a task_work of request %u ended without dropping the ring context reference "
		    "taken for it: the ring's exit waits for it forever (B-14, 5.9-rc6 half)",
		    req->id);
}

/* One CQE per request: @req is about to post one. */
void pcsim__uring_check_cqe(struct io_kiocb *req)
{
	if (!pcsim__uring_checking(req->ctx))
		return;
	PCSIM_CHECK(req->cqes == 0, "uring-cqe-count",
		    "request %u (user_data %llu) posts a second CQE", req->id,
		    (unsigned long long)req->user_data);
}

/*
 * U9, where a task is about to sleep for an effect of its ring outside io_cqring_wait() (which
 * runs task_work itself): task_work queued to it must be able to end the sleep. Only looked
 * at when work is pending, so a clean run takes no extra preemption point here.
 */
void pcsim__uring_check_sleep(const char *where)
{
	if (!world_checking(pcsim_world_current()) || !current)
		return;
	if (pcsim_task_work_pending(current) && !signal_pending(current))
		pcsim_fail("U9", "%s sleeps in %s with task_work queued to it and no notification "
			   "that ends the sleep: the work (a ring's retry) runs only on the way "
			   "back to user space, after the wake-up it is meant to cause (B-16)",
			   pcsim_task_name(current), where);
}
