// SPDX-License-Identifier: MIT
/*
 * rw.c - buffered reads through the ring: preparing a read, io_read() with its NOWAIT first
 * attempt and its armed retry, io_rw_should_retry(), the page wake function
 * io_async_buf_func(), and completion (kiocb_done, io_rw_reissue, io_complete_rw).
 *
 * Models (5.10.13, fs/io_uring.c), step by step as docs/kernel-semantics.md §4.3-4.7 give them:
 * io_prep_rw, io_import_iovec, io_read, io_setup_async_rw, io_rw_should_retry, io_async_buf_func,
 * kiocb_done, io_rw_done, __io_complete_rw, io_rw_reissue, io_complete_rw_common. The page cache
 * under it is the page-cache layer (pcsim_read_iter: generic_file_buffered_read of 5.10).
 *
 * What a reader of 5.10 should look for here: 5.10.13 clears IOCB_WAITQ only in the callback or
 * on a refused retry, so it stays set after an armed attempt that did not arm (B-13); the
 * retry's io_read() starts again from step 1 with the persistent iterator, so req->result
 * becomes the remaining count while the request reports bytes_done + last (B-15 in its 5.10
 * form: a linked request behind it is cancelled). The model carries both fixes (b5b0ecb736f1;
 * bf68b5b34311 in 5.10's shape); --bug b13 / b15 give 5.10.13 back. The checks of U1-U10 this
 * file calls are in checks.c; PCSIM_INJECT_URING_* are the mutants that make them fire.
 */
#include <limits.h>
#include <string.h>

#include <pcsim/cover.h>
#include <pcsim/file_bytes.h>
#include "uring_int.h"

/*
 * The kernel's copy of a readv's iovec array, taken while the SQE is prepared: 5.10 reads the
 * user's array during the submit call in every path (io_read's io_import_iovec inline,
 * io_req_defer_prep for IOSQE_ASYNC and linked requests), so the user may reuse it once submit
 * returns (IORING_FEAT_SUBMIT_STABLE). A count or array io_import_iovec() will refuse is left
 * for it to report at issue.
 */
static void io_rw_copy_iovec(struct io_kiocb *req)
{
	const struct iovec *uvec = (const struct iovec *)(void *)req->buf;
	unsigned long nr = req->len;
	if (nr > UIO_MAXIOV || (nr && !uvec))
		return;
	struct io_rw_vec *vec = pcsim_alloc(req->ctx->w, sizeof(*vec));
	struct iovec *iov = vec->fast_iov;
	if (nr > UIO_FASTIOV)
		iov = pcsim_alloc(req->ctx->w, nr * sizeof(*iov));
	if (nr)
		memcpy(iov, uvec, nr * sizeof(*iov));
	vec->iov = iov;
	vec->nr_segs = nr;
	req->vec = vec;
}

/*
 * The checks io_import_iovec() makes of a readv's array, which 6.18 makes at prep
 * (io_prep_rw_setup imports the iovec while the SQE is prepared): 0, -EINVAL or -EFAULT.
 */
static int io_rw_check_iovec(const struct io_kiocb *req)
{
	if (req->len > UIO_MAXIOV)
		return -EINVAL;
	if (!req->vec)
		return -EFAULT;
	for (unsigned long i = 0; i < req->vec->nr_segs; i++)
		if (req->vec->iov[i].iov_len > (size_t)SSIZE_MAX)
			return -EINVAL;
	return 0;
}

/*
 * io_prep_rw(): the kiocb from the SQE. 5.10 looks the descriptor up in io_init_req() (a bad
 * one fails the SQE there and stops the submission); 6.18 looks it up at issue (io_assign_file),
 * so the request is prepared and fails with -EBADF when issued. 6.18 also takes the file
 * position of an offset -1 read at issue (io_kiocb_update_pos), not here.
 */
int pcsim__io_prep_rw(struct io_kiocb *req, const struct io_uring_sqe *sqe)
{
	struct io_file *f = pcsim__uring_file(req->ctx->w, sqe->fd);
	bool k618 = ring_k618(req->ctx);
	if (!f && !k618)
		return -EBADF;
	if (f && f->eventfd)
		return -EOPNOTSUPP;	/* reads of an eventfd through the ring: not modelled */
	if (sqe->ioprio || sqe->buf_index)
		return -EINVAL;
	if (sqe->rw_flags & ~RWF_NOWAIT)
		return -EOPNOTSUPP;
	req->file = f;
	if (!f)
		req->flags |= REQ_F_BADFD;
	else if (f->type == IO_FTYPE_REG)
		req->flags |= REQ_F_ISREG;	/* S_ISREG */
	req->kiocb.mapping = f ? f->mapping : NULL;
	req->kiocb.ki_waitq = NULL;
	req->kiocb.ki_flags = 0;
	if (sqe->rw_flags & RWF_NOWAIT) {
		req->kiocb.ki_flags |= IOCB_NOWAIT;
		/* "don't allow async punt if RWF_NOWAIT was requested" */
		req->flags |= REQ_F_NOWAIT;
	}
	if ((int64_t)sqe->off == -1 && k618) {
		req->kiocb.ki_pos = -1;		/* io_kiocb_update_pos() at issue */
	} else if ((int64_t)sqe->off == -1 && f->type == IO_FTYPE_PIPE) {
		req->kiocb.ki_pos = 0;		/* FMODE_STREAM: no file position */
	} else if ((int64_t)sqe->off == -1) {
		req->kiocb.ki_pos = f->f_pos;
		req->flags |= REQ_F_CUR_POS;
	} else {
		req->kiocb.ki_pos = (int64_t)sqe->off;
	}
	req->buf = (unsigned char *)(uintptr_t)sqe->addr;
	req->len = sqe->len;
	if (req->opcode == IORING_OP_READV) {
		io_rw_copy_iovec(req);
		if (k618)
			return io_rw_check_iovec(req);
	}
	return 0;
}

/*
 * io_import_iovec(): the iterator of a read's first attempt. READ: the user's buffer. READV:
 * the segments of the prepared copy (lengths checked, the total capped at MAX_RW_COUNT as
 * rw_copy_check_uvector() does), and as the iterator a bounce buffer over the total length whose
 * new bytes io_iter_do_read() copies out to the segments after each attempt. The buffer holds
 * only what lies before EOF at the read's position: no read copies past i_size, which the model
 * sets up once and never changes. Return: the byte count, or -EINVAL (more than UIO_MAXIOV
 * segments, a length beyond ssize_t), -EFAULT (no array).
 */
int pcsim__io_import_iovec(struct io_kiocb *req, struct iov_iter *iter)
{
	const size_t max_rw_count = (size_t)INT32_MAX & ~(size_t)(PAGE_SIZE - 1);
	if (req->opcode != IORING_OP_READV) {
		*iter = (struct iov_iter){ req->buf, req->len, 0 };
		return (int)req->len;
	}
	if (req->len > UIO_MAXIOV)
		return -EINVAL;
	if (!req->vec)
		return -EFAULT;
	struct iovec *iov = (struct iovec *)(uintptr_t)req->vec->iov;
	size_t total = 0;
	for (unsigned long i = 0; i < req->vec->nr_segs; i++) {
		if (iov[i].iov_len > (size_t)SSIZE_MAX)
			return -EINVAL;
		if (iov[i].iov_len > max_rw_count - total)
			iov[i].iov_len = max_rw_count - total;
		total += iov[i].iov_len;
	}
	int64_t isize = (int64_t)PCSIM_SETUP_GET(req->file->mapping->i_size);
	int64_t before_eof = isize > req->kiocb.ki_pos ? isize - req->kiocb.ki_pos : 0;
	size_t cap = (uint64_t)before_eof < total ? (size_t)before_eof : total;
	*iter = (struct iov_iter){ pcsim_alloc(req->ctx->w, cap ? cap : 1), total, 0 };
	return (int)total;
}

/* Copy bytes [@from, @to) of a readv's bounce buffer out to its segments. */
static void io_iovec_scatter(const struct io_rw_vec *vec, const unsigned char *bounce,
			     size_t from, size_t to)
{
	size_t seg_start = 0;
	for (unsigned long i = 0; i < vec->nr_segs && from < to; i++) {
		size_t seg_end = seg_start + vec->iov[i].iov_len;
		if (from < seg_end) {
			size_t n = (to < seg_end ? to : seg_end) - from;
			memcpy((unsigned char *)vec->iov[i].iov_base + (from - seg_start),
			       bounce + from, n);
			from += n;
		}
		seg_start = seg_end;
	}
}

/*
 * io_setup_async_rw(): heap async data holding the current iterator (first use only); a readv's
 * iovecs are copied into it (io_req_map_rw: the inline array does not outlive io_read()).
 */
struct io_async_rw *pcsim__io_setup_async_rw(struct io_kiocb *req, const struct iov_iter *iter)
{
	if (!req->async_data) {
		/* req_cache: a previous use's, cleared (io_uring.c, "The request cache") */
		struct io_async_rw *rw = req->cached_async;
		if (rw) {
			req->cached_async = NULL;
			memset(rw, 0, sizeof(*rw));
		} else {
			rw = pcsim_alloc(req->ctx->w, sizeof(*rw));
		}
		rw->iter = *iter;
		rw->bytes_done = 0;
		if (req->vec) {
			rw->vec = *req->vec;
			if (req->vec->iov == req->vec->fast_iov)
				rw->vec.iov = rw->vec.fast_iov;
			req->vec = &rw->vec;
		}
		pcsim_obj_name(&rw->wpq.wait, "wpq of request %u", req->id);
		req->async_data = rw;
	}
	return req->async_data;
}

static int io_async_buf_func_checked(struct wait_queue_entry *wait, unsigned mode, int sync,
				     void *key);

/*
 * io_rw_should_retry(): may this read wait for a page with a callback? If so, point the kiocb
 * at the async data's wpq (non-exclusive, re-initialised on every pass: safe only because it is
 * never linked here, U1) and set IOCB_WAITQ, clear IOCB_NOWAIT.
 */
static bool io_rw_should_retry(struct io_kiocb *req, struct wait_page_queue *stack_wpq)
{
	struct io_async_rw *rw = req->async_data;
	struct wait_page_queue *wait = &rw->wpq;
	struct kiocb *kiocb = &req->kiocb;

	/* 5.8: no async buffered reads (the series came in 5.9): the read goes to io-wq */
	if (req->ctx->kernel == PCSIM_KERNEL_5_8)
		return false;
	/* never retry for NOWAIT, we just complete with -EAGAIN (B-04, v3 of the series: it did) */
	if ((req->flags & REQ_F_NOWAIT) && !uring_bug(req->ctx, 4))
		return false;
	/* no IOCB_DIRECT / IOCB_HIPRI in the model; a pollable file (a pipe) uses poll instead;
	 * only files with FMODE_BUF_RASYNC (6.18: FOP_BUFFER_RASYNC) retry */
	if (req->file->type == IO_FTYPE_PIPE || !req->file->buf_rasync)
		return false;
	/* the U1 mutant: a wait entry in io_read()'s frame, gone when it returns */
	if (uring_inject(req->ctx, PCSIM_INJECT_URING_STACK_WPQ))
		wait = stack_wpq;
	/* U1: one wpq, in the heap async data (io_read() checked on entry that no arming of it
	 * is outstanding, so it is not linked anywhere now) */
	pcsim__uring_check_arm(req, wait);
	/* U2's bookkeeping: from here the page cache may link the wpq, and its callback may run
	 * (on another CPU) before the read call returns -EIOCBQUEUED */
	req->armed = true;
	req->arm_seq++;
	wait->wait.func = pcsim__uring_checking(req->ctx) ? io_async_buf_func_checked
							  : req->ctx->ops.async_buf_func;
	wait->wait.private = req;
	WRITE_ONCE(wait->wait.flags, 0);
	INIT_LIST_HEAD(&wait->wait.entry);
	kiocb->ki_flags |= IOCB_WAITQ;
	kiocb->ki_flags &= ~IOCB_NOWAIT;
	kiocb->ki_waitq = wait;
	PCSIM_PLAIN_WRITE(kiocb->ki_flags);	/* dpor: read by the callback and the read path */
	PCSIM_PLAIN_WRITE(req->armed);
	/* U10: a RWF_NOWAIT request never waits, so it never arms */
	PCSIM_CHECK(!(req->flags & REQ_F_NOWAIT), "U10",
		    "request %u (RWF_NOWAIT) is about to arm a page wait callback", req->id);
	pcsim_cover(PCSIM_COV_RETRY_TRUE);
	return true;
}

/*
 * io_async_buf_func(): the page's wake function while armed. Runs in the unlocker's context
 * (an I/O completion in hard-IRQ context, or a task in unlock_page()) with the bucket lock held
 * and interrupts off: match, clear IOCB_WAITQ, unlink itself, take a request and a ctx
 * reference, queue the retry to the submitter with TWA_SIGNAL. Returns 1 on a non-exclusive
 * entry, so it never uses up the unlock's exclusive wakeup. It never takes the page lock (A10).
 */
int pcsim__io_async_buf_func(struct wait_queue_entry *wait, unsigned mode, int sync, void *arg)
{
	struct wait_page_queue *wpq = container_of(wait, struct wait_page_queue, wait);
	struct wait_page_key *key = arg;
	struct io_kiocb *req = wait->private;
	struct io_ring_ctx *ctx = req->ctx;

	(void)mode;
	(void)sync;
	if (!wake_page_match(wpq, key))
		return 0;
	/* U2: one firing per arming */
	PCSIM_CHECK(req->armed, "U2", "the page callback of request %u fired with no arming "
		    "outstanding (a second firing, or a wpq linked without -EIOCBQUEUED)", req->id);
	req->kiocb.ki_flags &= ~IOCB_WAITQ;
	list_del_init(&wait->entry);
	req->armed = false;	/* after the unlink: a linked wpq always has its arming (U1) */
	PCSIM_PLAIN_WRITE(req->kiocb.ki_flags);	/* dpor: shared with the submitter */
	PCSIM_PLAIN_WRITE(req->armed);
	URING_STAT(ctx, callbacks);
	pcsim_trace_emit(&pcsim__tk_uring_callback, 0, 0, req->id, wpq->page->pfn,
			 "io_async_buf_func: queue the retry");
	req->task_work.func = ctx->ops.task_submit;
	PCSIM_PLAIN_WRITE(req->task_work.func);
	pcsim__io_tw_ctx_get(req);		/* percpu_ref_get(&ctx->refs), B-14 */
	refcount_inc(&req->refs);		/* submit ref gets dropped, acquire a new one */
	if (uring_inject(ctx, PCSIM_INJECT_URING_RETRY_IN_CALLBACK)) {
		/* the U4 mutant: the retry runs here, in the unlocker's context */
		__atomic_store_n(&req->tw_pending, true, __ATOMIC_RELAXED);
		req->tw_queues++;
		ctx->ops.task_submit(&req->task_work);
		return 1;
	}
	if (unlikely(pcsim__io_req_task_work_add(req, true))) {
		/* the task is exiting: cancel from the io-wq manager instead */
		pcsim_cover(PCSIM_COV_ABF_FALLBACK);
		pcsim__io_req_task_work_fallback(req);
	}
	pcsim_cover(PCSIM_COV_ABF_QUEUED);
	return 1;
}

/*
 * The wake function a request arms: the plug point (ctx->ops.async_buf_func, pcsim's model by
 * default) and, around it, U2's second half: a firing that consumed the arming (unlinked the
 * entry) queued exactly one retry or cancel.
 */
static int io_async_buf_func_checked(struct wait_queue_entry *wait, unsigned mode, int sync,
				     void *key)
{
	struct io_kiocb *req = wait->private;
	unsigned before = req->tw_queues, seq = req->arm_seq;
	int ret = req->ctx->ops.async_buf_func(wait, mode, sync, key);
	pcsim__uring_check_callback(req, before, seq);
	return ret;
}

/* io_rw_reissue(): an inline -EAGAIN completion goes to io-wq instead (not from io-wq). */
static bool io_rw_reissue(struct io_kiocb *req, long res)
{
	if (res != -EAGAIN && res != -EOPNOTSUPP)
		return false;
	if (pcsim__io_wq_current_is_worker(req->ctx))
		return false;
	if (!req->async_data) {
		/* io_resubmit_prep(): import again */
		struct iov_iter iter;
		if (pcsim__io_import_iovec(req, &iter) < 0)
			return false;
		pcsim__io_setup_async_rw(req, &iter);
	}
	refcount_inc(&req->refs);
	pcsim__io_queue_async_work(req);
	return true;
}

/*
 * io_complete_rw_common(): a result other than the expected count fails the links. 5.10.13
 * compares the total (bytes_done + @last) with req->result, which a task_work re-entry set to
 * the remaining count: a read that needed a callback retry fails its links (B-15 in its 5.10
 * form). The model carries the fix (bf68b5b34311 in 5.10's shape): req->result is the remaining
 * count of each attempt and the last attempt's own count @last is compared with it (U7).
 */
static void io_complete_rw_common(struct io_kiocb *req, long res, long last)
{
	bool fail = (uring_bug(req->ctx, 15) ? res : last) != req->result;
	pcsim__uring_check_link(req, res, fail);
	if (fail)
		pcsim__req_set_fail_links(req);
	pcsim__io_req_complete(req, res);
}

/* kiocb_done(): add bytes_done, move f_pos, then complete (or reissue). @iter is the iterator
 * the attempts used (the checks compare the result with what it moved). */
static void kiocb_done(struct io_kiocb *req, const struct iov_iter *iter, long ret)
{
	struct io_async_rw *io = req->async_data;
	long last = ret;
	if (io && io->bytes_done > 0 && !uring_inject(req->ctx, PCSIM_INJECT_URING_NO_BYTES_DONE))
		ret = (ret < 0) ? (long)io->bytes_done : ret + (long)io->bytes_done;
	pcsim__uring_check_done(req, iter, last, ret);
	if (req->flags & REQ_F_CUR_POS)
		req->file->f_pos = req->kiocb.ki_pos;
	if (ret == -EIOCBQUEUED)
		return;				/* io_rw_done(): nothing to do */
	if (ret == -ERESTARTSYS)
		ret = -EINTR;
	if (!io_rw_reissue(req, ret))
		io_complete_rw_common(req, ret, last);
}

/*
 * A pipe's ->read_iter() (pipe_read): what is in the pipe, up to the count; an empty pipe is
 * -EAGAIN with IOCB_NOWAIT, else the reader sleeps until a write that never comes.
 */
static long io_pipe_read(struct io_kiocb *req, struct iov_iter *iter)
{
	struct io_pipe *p = req->file->pipe;
	if (!iter->count)
		return 0;
	if (!p->avail) {
		if (req->kiocb.ki_flags & IOCB_NOWAIT)
			return -EAGAIN;
		DEFINE_WAIT(wait);
		for (;;) {
			prepare_to_wait(&p->rd_wait, &wait, TASK_INTERRUPTIBLE);
			if (p->avail || signal_pending(current))
				break;
			pcsim_task_set_wchan("pipe_read (an empty pipe its writer holds open)");
			schedule();
		}
		finish_wait(&p->rd_wait, &wait);
		if (!p->avail)
			return -ERESTARTSYS;
	}
	size_t n = iter->count < p->avail ? iter->count : p->avail;
	pcsim_file_bytes(p->id, p->head, iter->buf + iter->done, n);
	p->head += n;
	p->avail -= n;
	iter->done += n;
	iter->count -= n;
	return (long)n;
}

/*
 * The read attempt: the file's ->read_iter(). A pipe reads itself; a file or a block device
 * goes through the page-cache layer's plug point, after the superblock's s_maxbytes limit that
 * the read path applies first: 5.10's generic_file_buffered_read() truncates the iterator to
 * s_maxbytes, 6.18's filemap_read() to s_maxbytes - ki_pos, and neither re-expands it (B-19's
 * truncated iterator). U6 then looks at how far the attempt moved the iterator and position.
 */
static long io_iter_do_read(struct io_kiocb *req, struct iov_iter *iter)
{
	struct io_file *f = req->file;
	if (f->type == IO_FTYPE_PIPE) {
		size_t done0 = iter->done;
		long ret = io_pipe_read(req, iter);
		if (req->vec && iter->done > done0)
			io_iovec_scatter(req->vec, iter->buf, done0, iter->done);	/* READV */
		return ret;
	}
	if (f->s_maxbytes) {
		int64_t pos = req->kiocb.ki_pos;
		if (pos >= (int64_t)f->s_maxbytes)
			return 0;
		uint64_t limit = ring_k618(req->ctx) ? f->s_maxbytes - (uint64_t)pos
						     : f->s_maxbytes;
		if (iter->count > limit)
			iter->count = (size_t)limit;	/* iov_iter_truncate() */
	}
	size_t count0 = iter->count, done0 = iter->done;
	int64_t pos0 = req->kiocb.ki_pos;
	PCSIM_PLAIN_READ(req->kiocb.ki_flags);	/* dpor: the read path tests them */
	long ret = pcsim_read_iter(&req->kiocb, iter, 0);
	if (req->vec && iter->done > done0)
		io_iovec_scatter(req->vec, iter->buf, done0, iter->done);	/* READV */
	pcsim__uring_check_attempt(req, iter, count0, done0, pos0, ret);
	return ret;
}

static void trace_read(const struct io_kiocb *req, long ret, const char *what)
{
	pcsim_trace_emit(&pcsim__tk_uring_arm, 0, 0, req->id, (uint64_t)(int64_t)ret, what);
}

static int io_read_618(struct io_kiocb *req, bool force_nonblock);

/* io_read(): docs/kernel-semantics.md §4.3, step by step (6.18: io_read_618() below). */
int pcsim__io_read(struct io_kiocb *req, bool force_nonblock)
{
	struct kiocb *kiocb = &req->kiocb;
	struct io_async_rw *rw = req->async_data;
	struct iov_iter inline_iter;
	struct iov_iter *iter = rw ? &rw->iter : &inline_iter;
	struct wait_page_queue stack_wpq;	/* only the U1 mutant arms this */
	size_t iov_count;
	long io_size, ret;

	if (ring_k618(req->ctx))
		return io_read_618(req, force_nonblock);

	/* io_import_iovec(): with async data, the persistent iterator (and a readv's copy) */
	if (!rw) {
		ret = pcsim__io_import_iovec(req, iter);
		if (ret < 0)
			return (int)ret;
	}

	/* rw_verify_area(): a negative position (an offset other than -1) is -EINVAL; the model's
	 * files are regular files, without FMODE_UNSIGNED_OFFSET */
	if (kiocb->ki_pos < 0 && req->file->type != IO_FTYPE_PIPE)
		return -EINVAL;

	/* 1: with async data the iterator is the persistent one and the size what remains */
	io_size = (long)iter->count;
	iov_count = iter->count;
	req->result = io_size;
	pcsim__uring_check_read_begin(req, iter);

	/* 2: IOCB_WAITQ is not touched here */
	if (!force_nonblock)
		kiocb->ki_flags &= ~IOCB_NOWAIT;
	else
		kiocb->ki_flags |= IOCB_NOWAIT;

	/* 3: every file of the model supports async reads (io_file_supports_async) */

	/* 4, 5: the first attempt */
	ret = io_iter_do_read(req, iter);
	if (!ret)
		goto done;
	if (ret == -EIOCBQUEUED) {
		/* the first attempt arms only under a stale IOCB_WAITQ (B-13 re-injected) */
		URING_STAT(req->ctx, armed);
		trace_read(req, ret, "armed (a stale IOCB_WAITQ)");
		pcsim_cover(PCSIM_COV_READ_ARMED_FIRST);
		return 0;
	}
	if (ret == -EAGAIN) {
		if (!force_nonblock)
			goto done;
		/* some cases will consume bytes even on error returns */
		size_t moved = iov_count - iter->count;
		iter->done -= moved;
		iter->count += moved;
		ret = 0;
		goto copy_iov;
	} else if (ret < 0) {
		goto done;
	}
	/* read it all, or we did blocking attempt, or not a regular file: done. 5.9 retried a
	 * short read of any file (the REQ_F_ISREG test, 9a173346bd9e, came in 5.11-rc5 and was
	 * backported to 5.10.y only); 5.8 had no short-read retry at all (227c0c9673d8, 5.9) */
	if (!iter->count || !force_nonblock || req->ctx->kernel == PCSIM_KERNEL_5_8 ||
	    (!(req->flags & REQ_F_ISREG) && req->ctx->kernel != PCSIM_KERNEL_5_9))
		goto done;
	io_size -= ret;
copy_iov:
	/* 6: async data with a copy of the iterator where it is now */
	rw = pcsim__io_setup_async_rw(req, iter);
	iter = &rw->iter;
	/* 7, 8: the retry loop */
	for (;;) {
		rw->bytes_done += (size_t)ret;
		if (!io_rw_should_retry(req, &stack_wpq)) {
			pcsim_cover(PCSIM_COV_RETRY_FALSE);
			kiocb->ki_flags &= ~IOCB_WAITQ;
			PCSIM_PLAIN_WRITE(kiocb->ki_flags);
			return -EAGAIN;
		}
		/* B-15's fix in 5.10's shape: the attempt's expected count is what remains */
		if (!uring_bug(req->ctx, 15))
			req->result = (long)iter->count;
		ret = io_iter_do_read(req, iter);
		if (ret == -EIOCBQUEUED) {
			if (rw->bytes_done && uring_inject(req->ctx,
							   PCSIM_INJECT_URING_COMPLETE_ARMED)) {
				/* the U8 mutant: report the short count now, still armed */
				ret = 0;
				goto done;
			}
			URING_STAT(req->ctx, armed);
			trace_read(req, ret, "armed: waits for the page's unlock");
			pcsim_cover(PCSIM_COV_READ_ARMED);
			return 0;
		}
		/* not armed: no callback follows this attempt (A3) */
		req->armed = false;
		PCSIM_PLAIN_WRITE(req->armed);
		/* b5b0ecb736f1 (stable 5.9+): every return but -EIOCBQUEUED clears IOCB_WAITQ (U5);
		 * 5.10.13 left it set (B-13 re-injected) */
		PCSIM_PLAIN_WRITE(kiocb->ki_flags);	/* dpor: (perhaps) written */
		if (!uring_bug(req->ctx, 13))
			kiocb->ki_flags &= ~IOCB_WAITQ;
		if (ret > 0 && ret < io_size)
			continue;	/* io_size is not reduced in this loop (5.10) */
		break;
	}
done:
	/* 9 */
	pcsim_cover_ret(PCSIM_COV_READ_DONE_BYTES, ret);
	if (force_nonblock && ret > 0)
		URING_STAT(req->ctx, inline_done);
	kiocb_done(req, iter, ret);
	return 0;
}

/* ---------------------------------------------------------------------------------------------
 * kernel=6.18: io_uring/rw.c (S-RWnew, docs/uring-current.md has the function-by-function
 * comparison with 5.10 and the lines each step was read from)
 */

/* iov_iter_save_state() / iov_iter_restore() / iov_iter_advance() on the model's iterator. */
static void io_iter_save(struct io_async_rw *io)
{
	io->iter_state = (struct io_iter_state){ io->iter.count, io->iter.done };
}

/*
 * Put the iterator back where the last save left it. B-19 re-injected (5.14's revert): rewind
 * it by what the count says was consumed, which is more than was read when the read path
 * truncated the iterator (s_maxbytes) and did not re-expand it: the rewind runs past the
 * start of the user's buffer (KASAN's stack-out-of-bounds in iov_iter_revert).
 */
static void io_iter_restore(struct io_kiocb *req, struct io_async_rw *io)
{
	if (uring_bug(req->ctx, 19)) {
		size_t unroll = io->iter_state.count - io->iter.count;
		PCSIM_CHECK(unroll <= io->iter.done, "U6",
			    "request %u rewinds its iterator by %zu bytes (the count it had less "
			    "the count it has) but only %zu were consumed: the read path truncated "
			    "the iterator to s_maxbytes and the rewind runs %zu bytes before the "
			    "start of the buffer (B-19)", req->id, unroll, io->iter.done,
			    unroll - io->iter.done);
		if (unroll > io->iter.done)
			unroll = io->iter.done;	/* threads backend: the report is kept, go on */
		io->iter.done -= unroll;
		io->iter.count += unroll;
		return;
	}
	io->iter.count = io->iter_state.count;
	io->iter.done = io->iter_state.done;
}

static void io_iter_advance(struct iov_iter *iter, size_t n)
{
	iter->done += n;
	iter->count -= n;
}

/*
 * need_complete_io(): a short read is retried for a regular file or a block device (Ming Lei's
 * "retry in case of short read on block device", 5.14). B-18 re-injected: 5.11-5.13's rule,
 * regular files only, so a block device read completes short.
 */
static bool need_complete_io(const struct io_kiocb *req)
{
	if (req->flags & REQ_F_ISREG)
		return true;
	return req->file->type == IO_FTYPE_BLK && !uring_bug(req->ctx, 18);
}

/*
 * kiocb_done() of 6.18 with io_fixup_rw_res() and __io_complete_rw_common(): the CQE carries the
 * bytes of the earlier attempts plus @ret (only those if @ret is an error); f_pos moves only on
 * success; the chain behind fails when @ret is not the count the attempt asked for (cqe.res,
 * the remaining count since bf68b5b34311: B-15 fixed) or is an error. A -EAGAIN never gets here
 * to be reissued: __io_read() returns it to be punted.
 */
static void kiocb_done_618(struct io_kiocb *req, long ret)
{
	struct io_async_rw *io = req->async_data;
	long res = ret;
	if (io->bytes_done > 0 && !uring_inject(req->ctx, PCSIM_INJECT_URING_NO_BYTES_DONE))
		res = ret < 0 ? (long)io->bytes_done : ret + (long)io->bytes_done;
	pcsim__uring_check_done(req, &io->iter, ret, res);
	if (ret >= 0 && (req->flags & REQ_F_CUR_POS))
		req->file->f_pos = req->kiocb.ki_pos;
	if (res == -ERESTARTSYS)
		res = -EINTR;		/* io_rw_done() */
	bool fail = ret < 0 || (uring_bug(req->ctx, 15) ? res : ret) != req->result;
	pcsim__uring_check_link(req, res, fail);
	if (fail)
		pcsim__req_set_fail_links(req);
	pcsim__io_req_complete(req, res);
}

/*
 * io_read() -> __io_read() of 6.18. The async data and the iterator exist from prep
 * (io_prep_rw_setup; the model makes them on the first issue, from the iovec copy prep took),
 * and every attempt starts from a saved iterator state: a partial or failed attempt restores it
 * and advances by exactly what was read (cd65869512ab, 5.15). Return: 0 (completed or armed),
 * -EAGAIN (punt to io-wq), another -errno (fail the request).
 */
static int io_read_618(struct io_kiocb *req, bool force_nonblock)
{
	struct kiocb *kiocb = &req->kiocb;
	struct io_async_rw *io = req->async_data;
	struct wait_page_queue stack_wpq;	/* only the U1 mutant arms this */
	long ret;

	if (!io) {
		struct iov_iter iter;
		ret = pcsim__io_import_iovec(req, &iter);
		if (ret < 0)
			return (int)ret;
		io = pcsim__io_setup_async_rw(req, &iter);
		io_iter_save(io);
	}
	/* req->cqe.res = iov_iter_count(): what this issue expects */
	req->result = (long)io->iter.count;
	/* every file of the model supports IOCB_NOWAIT (io_file_supports_nowait) */
	if (force_nonblock)
		kiocb->ki_flags |= IOCB_NOWAIT;
	else
		kiocb->ki_flags &= ~IOCB_NOWAIT;
	/* io_kiocb_update_pos(): an offset of -1 reads at f_pos as it is now, at issue */
	if (kiocb->ki_pos == -1) {
		if (req->file->type == IO_FTYPE_PIPE) {
			kiocb->ki_pos = 0;
		} else {
			req->flags |= REQ_F_CUR_POS;
			kiocb->ki_pos = req->file->f_pos;
		}
	}
	/* rw_verify_area() */
	if (kiocb->ki_pos < 0 && req->file->type != IO_FTYPE_PIPE)
		return -EINVAL;
	pcsim__uring_check_read_begin(req, &io->iter);

	ret = io_iter_do_read(req, &io->iter);
	if (ret == -EOPNOTSUPP && force_nonblock)
		ret = -EAGAIN;
	if (ret == -EAGAIN) {
		/* a pipe can be polled: 6.18 arms poll; the model punts it to io-wq instead */
		if (req->file->type == IO_FTYPE_PIPE && force_nonblock &&
		    !(req->flags & REQ_F_NOWAIT))
			return -EAGAIN;
		if (!force_nonblock)
			goto done;
		/* no retry on NONBLOCK nor RWF_NOWAIT (B-04 re-injected: v3 of the series
		 * retried them, and io_rw_should_retry() let them arm) */
		if ((req->flags & REQ_F_NOWAIT) && !uring_bug(req->ctx, 4))
			goto done;
		ret = 0;
	} else if (ret == -EIOCBQUEUED) {
		/* the first attempt arms only under a stale IOCB_WAITQ (B-13 re-injected) */
		URING_STAT(req->ctx, armed);
		trace_read(req, ret, "armed (a stale IOCB_WAITQ)");
		return 0;
	} else if (ret == req->result || ret <= 0 || !force_nonblock ||
		   (req->flags & REQ_F_NOWAIT) || !need_complete_io(req)) {
		/* read all, failed, already did sync or don't want to retry */
		goto done;
	}

	/* the iterator's state is not trusted after a partial or failed read: restore it and
	 * advance by what was read */
	io_iter_restore(req, io);
	do {
		io_iter_advance(&io->iter, (size_t)ret);
		if (!io->iter.count)
			break;
		io->bytes_done += (size_t)ret;
		io_iter_save(io);
		if (!io_rw_should_retry(req, &stack_wpq)) {
			kiocb->ki_flags &= ~IOCB_WAITQ;
			PCSIM_PLAIN_WRITE(kiocb->ki_flags);
			return -EAGAIN;
		}
		req->result = (long)io->iter.count;
		ret = io_iter_do_read(req, &io->iter);
		if (ret == -EIOCBQUEUED) {
			if (io->bytes_done && uring_inject(req->ctx,
							   PCSIM_INJECT_URING_COMPLETE_ARMED)) {
				ret = 0;	/* the U8 mutant */
				goto done;
			}
			URING_STAT(req->ctx, armed);
			trace_read(req, ret, "armed: waits for the folio's unlock");
			return 0;
		}
		/* not armed: no callback follows this attempt */
		req->armed = false;
		PCSIM_PLAIN_WRITE(req->armed);
		/* "we got some bytes, but not all. retry." (B-13 re-injected: the flag stays) */
		PCSIM_PLAIN_WRITE(kiocb->ki_flags);	/* dpor: (perhaps) written */
		if (!uring_bug(req->ctx, 13))
			kiocb->ki_flags &= ~IOCB_WAITQ;
		io_iter_restore(req, io);
	} while (ret > 0);
done:
	/* io_read(): a result >= 0 goes to kiocb_done(); an error is returned, and -EAGAIN of an
	 * issue that may punt goes to io-wq with the bytes done so far kept (the others complete
	 * with them, io_rw_fail()) */
	if (ret == -EAGAIN && force_nonblock && !(req->flags & REQ_F_NOWAIT))
		return -EAGAIN;
	if (force_nonblock && ret > 0)
		URING_STAT(req->ctx, inline_done);
	kiocb_done_618(req, ret);
	return 0;
}
