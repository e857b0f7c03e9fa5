// SPDX-License-Identifier: MIT
/*
 * interp.c - run a checked scenario (scenario_int.h) as a struct pcsim_program: setup() builds
 * its files, pages, eventfds and tasks; each task walks its statements calling the model's
 * public API, the same functions the C built-ins call (support/programs.c,
 * src/pagecache/general.c): lock_page() and its killable, trylock and wait variants,
 * unlock_page(), wait_on_page_writeback(), end_page_writeback(), the buffered read path
 * (generic_file_buffered_read() through ->read_iter, with IOCB_NOWAIT/NOIO/WAITQ and the
 * io_read() retry in miniature), evict/truncate/write_page, the ring (io_uring_queue_init,
 * SQEs, io_uring_enter, io_cqring_wait), eventfds, send_sig(), schedule_timeout(). finish()
 * checks the scenario's predicates. Nothing here models a kernel function itself.
 *
 * All per-execution state lives in the world's arena (pcsim_alloc), found again in finish()
 * through pcsim_world_layer(), so executions on several threads never share it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <pcsim/file_bytes.h>
#include <pcsim/kernel/compiler.h>
#include <pcsim/uring.h>

#include "scenario_int.h"

const char *pcsim__scenario_errno_name(int64_t v);

struct rt;

struct rt_sqe {
	uint64_t data;
	int file;
	uint64_t off;
	unsigned len;
	unsigned char *buf;
	bool has_expect, check, reaped;
	int64_t expect;
	unsigned line;
};

struct rt_ring {
	struct pcsim_uring ring;
	bool live;
	struct rt_sqe *sqes;
	unsigned nsqes, cap;
	uint64_t next_data;
};

struct rt_held {
	int file;
	uint64_t index;
	struct pcsim_page *page;	/* NULL: the last lock attempt failed */
};

struct rt_task {
	struct rt *rt;
	const struct scn_task *t;
	unsigned inst;
	struct pcsim_task *task;
	char name[SCN_NAME_MAX + 16];
	struct rt_ring rings[SCN_RINGS_MAX];
	struct rt_held held[SCN_HELD_MAX];
	unsigned nheld;
	unsigned char *buf;
	struct pcsim_async_waiter aw;
	pcsim_int fired;
};

struct rt_file {
	struct pcsim_bdev bdev;
	struct pcsim_address_space *m;
	int fd;
};

struct rt_cqe {
	uint64_t data;
	int32_t res;
};

struct rt {
	const struct pcsim_scenario *s;
	struct rt_file files[SCN_FILES_MAX];
	int efds[SCN_EVENTFDS_MAX];
	struct rt_task *tasks;
	unsigned ntasks;
	unsigned first[SCN_TASKS_MAX];	/* index of each task statement's first instance */
	struct rt_cqe log[SCN_CQE_LOG_MAX];
	unsigned nlog;		/* atomic: tasks on the threads backend append concurrently */
};

static const char rt_key;	/* the layer key of the per-execution root */

static struct rt *rt_of(struct pcsim_world *w)
{
	struct rt **slot = pcsim_world_layer(w, &rt_key, sizeof(struct rt *), NULL);
	return slot ? *slot : NULL;
}

static const char *ename(int64_t v, char *buf, size_t len)
{
	const char *n = v < 0 ? pcsim__scenario_errno_name(v) : NULL;
	if (n)
		snprintf(buf, len, "-%s", n);
	else
		snprintf(buf, len, "%" PRId64, v);
	return buf;
}

/* An operation's result against its expect=: the violation "expect" when they differ. */
static void check_res(struct rt_task *rt, const struct scn_stmt *st, const char *what, int64_t res)
{
	if (!st->has_expect || res == st->expect)
		return;
	char a[32], b[32];
	pcsim_fail("expect", "%s:%u: %s: %s returned %s, expected %s", rt->rt->s->name,
		   st->line, rt->name, what, ename(res, a, sizeof(a)),
		   ename(st->expect, b, sizeof(b)));
}

static void check_bytes(struct rt_task *rt, const struct scn_stmt *st, const unsigned char *buf,
			uint32_t id, uint64_t pos, size_t n)
{
	size_t i = pcsim_file_bytes_mismatch(id, pos, buf, n);	/* every byte; the first wrong */

	PCSIM_CHECK(i == n, "read-data", "%s:%u: %s: byte %" PRIu64 " of the file read wrong",
		    rt->rt->s->name, st->line, rt->name, pos + i);
}

/* ---- pages ------------------------------------------------------------------------------- */

static struct rt_held *held_find(struct rt_task *rt, int file, uint64_t index)
{
	for (unsigned i = 0; i < rt->nheld; i++)
		if (rt->held[i].file == file && rt->held[i].index == index)
			return &rt->held[i];
	return NULL;
}

/* Record the outcome of a lock attempt: @page with its reference if taken, NULL if not. */
static void held_set(struct rt_task *rt, const struct scn_stmt *st, struct pcsim_page *page)
{
	struct rt_held *h = held_find(rt, st->file, st->a);
	if (!h) {
		if (rt->nheld == SCN_HELD_MAX) {
			pcsim_fail("scenario", "%s:%u: %s holds more than %u page locks",
				   rt->rt->s->name, st->line, rt->name, SCN_HELD_MAX);
			return;
		}
		h = &rt->held[rt->nheld++];
		h->file = st->file;
		h->index = st->a;
	}
	h->page = page;
}

static void held_drop(struct rt_task *rt, struct rt_held *h)
{
	*h = rt->held[--rt->nheld];
}

static struct pcsim_address_space *mapping(struct rt_task *rt, int file)
{
	return rt->rt->files[file].m;
}

static void page_op(struct rt_task *rt, const struct scn_stmt *st)
{
	struct pcsim_address_space *m = mapping(rt, st->file);
	const char *opn;
	struct pcsim_page *page;
	int64_t res = 0;

	if (st->op == OP_UNLOCK_PAGE) {
		struct rt_held *h = held_find(rt, st->file, st->a);
		if (h) {
			/* as `if (trylock_page(page)) unlock_page(page)`: nothing after a failed
			 * attempt */
			if (h->page) {
				pcsim_unlock_page(h->page);
				pcsim_put_page(h->page);
			}
			held_drop(rt, h);
			return;
		}
		/* a lock this task did not take (a page locked in setup, another task's) */
		page = pcsim_find_get_page(m, st->a);
		if (!page)
			return;
		pcsim_unlock_page(page);
		pcsim_put_page(page);
		return;
	}
	switch (st->op) {
	case OP_EVICT:
		check_res(rt, st, "evict", pcsim_evict_page(m, st->a));
		return;
	case OP_TRUNCATE:
		check_res(rt, st, "truncate", pcsim_truncate_page(m, st->a));
		return;
	case OP_WRITE_PAGE:
		check_res(rt, st, "write_page", pcsim_write_page(m, st->a));
		return;
	default:
		break;
	}
	page = pcsim_find_get_page(m, st->a);
	if (!page) {
		/* not cached: the C built-ins skip the operation (`if (!page) continue;`) */
		if (st->op == OP_LOCK_PAGE_KILLABLE || st->op == OP_TRYLOCK)
			held_set(rt, st, NULL);
		check_res(rt, st, "find_get_page", -ENOENT);
		return;
	}
	switch (st->op) {
	case OP_LOCK_PAGE:
		pcsim_lock_page(page);
		held_set(rt, st, page);
		return;
	case OP_LOCK_PAGE_KILLABLE:
		res = pcsim_lock_page_killable(page);
		held_set(rt, st, res == 0 ? page : NULL);
		if (res)
			pcsim_put_page(page);
		check_res(rt, st, "lock_page_killable", res);
		return;
	case OP_TRYLOCK:
		res = pcsim_trylock_page(page);
		held_set(rt, st, res ? page : NULL);
		if (!res)
			pcsim_put_page(page);
		check_res(rt, st, "trylock", res);
		return;
	case OP_WAIT_LOCKED:
		opn = "wait_on_page_locked";
		pcsim_wait_on_page_locked(page);
		break;
	case OP_WAIT_LOCKED_KILLABLE:
		opn = "wait_on_page_locked_killable";
		res = pcsim_wait_on_page_locked_killable(page);
		break;
	case OP_PUT_AND_WAIT:
		/* drops our reference itself: the page must not be touched afterwards */
		res = pcsim_put_and_wait_on_page_locked(
			page, st->killable ? PCSIM_TASK_KILLABLE : PCSIM_TASK_UNINTERRUPTIBLE);
		check_res(rt, st, "put_and_wait_on_page_locked", res);
		return;
	case OP_WAIT_WRITEBACK:
		opn = "wait_on_page_writeback";
		pcsim_wait_on_page_writeback(page);
		break;
	case OP_SET_WRITEBACK:
		/* set_page_writeback() under the page lock the task holds (the write path's
		 * TestSetPageWriteback) */
		opn = "set_page_writeback";
		pcsim_test_and_set_bit(PCSIM_PG_writeback, &page->flags);
		break;
	case OP_END_WRITEBACK:
		opn = "end_page_writeback";
		pcsim_end_page_writeback(page);
		break;
	default:
		opn = "?";
		break;
	}
	pcsim_put_page(page);
	check_res(rt, st, opn, res);
}

/* ---- the read path ----------------------------------------------------------------------- */

static void read_notify(struct pcsim_async_waiter *aw)
{
	struct rt_task *rt = aw->owner;
	WRITE_ONCE(rt->fired, 1);
	pcsim_wake_up_process(rt->task);
}

/* Sleep until the armed callback has fired (the task_work retry's turn). */
static void wait_fired(struct rt_task *rt, int64_t pos)
{
	pcsim_task_set_wchan("scenario retry of page %lld", (long long)(pos >> PCSIM_PAGE_SHIFT));
	for (;;) {
		pcsim_set_current_state(PCSIM_TASK_UNINTERRUPTIBLE);
		if (READ_ONCE(rt->fired))
			break;
		pcsim_schedule();
	}
	pcsim___set_current_state(PCSIM_TASK_RUNNING);
}

static void arm(struct rt_task *rt, struct pcsim_kiocb *iocb)
{
	pcsim_async_waiter_init(&rt->aw, read_notify, rt);
	WRITE_ONCE(rt->fired, 0);
	iocb->ki_waitq = &rt->aw.wpq;
	iocb->ki_flags = PCSIM_IOCB_WAITQ;	/* NOWAIT cleared when arming (c8d317aa1887) */
}

static void read_op(struct rt_task *rt, const struct scn_stmt *st)
{
	struct pcsim_address_space *m = mapping(rt, st->file);
	struct pcsim_kiocb iocb = { m, (int64_t)st->a, 0, NULL };
	struct pcsim_iov_iter it = { rt->buf, st->b, 0 };
	long ret;

	if (st->flags & RD_WAITQ) {
		/* io_read() in miniature (src/pagecache/general.c's uring reader): a
		 * nonblocking try, then arm and retry after each callback, re-arming on a
		 * short read */
		uint64_t isize = PCSIM_SETUP_GET(m->i_size);
		iocb.ki_flags = PCSIM_IOCB_NOWAIT;
		ret = pcsim_read_iter(&iocb, &it, 0);
		while (ret == -EAGAIN ||
		       (ret > 0 && it.count && (uint64_t)iocb.ki_pos < isize)) {
			arm(rt, &iocb);
			ret = pcsim_read_iter(&iocb, &it, 0);
			if (ret == -EAGAIN) {
				/* the armed attempt cannot progress without blocking: io_read()
				 * hands the request to io-wq, whose attempt blocks (kernel 6.18
				 * never reads a page under IOCB_WAITQ; without this, a spin) */
				iocb.ki_flags = 0;
				ret = pcsim_read_iter(&iocb, &it, 0);
				continue;
			}
			if (ret != -PCSIM_EIOCBQUEUED)
				continue;
			wait_fired(rt, iocb.ki_pos);
			iocb.ki_flags = PCSIM_IOCB_NOWAIT;
			ret = pcsim_read_iter(&iocb, &it, 0);
		}
		if (it.done)
			ret = (long)it.done;
	} else if (st->flags & RD_ARM) {
		/* one IOCB_WAITQ call, as a filesystem's ->read_iter that already moved
		 * `written` bytes makes it (B-11's shape) */
		arm(rt, &iocb);
		ret = pcsim_read_iter(&iocb, &it, (long)st->written);
		if (ret == -PCSIM_EIOCBQUEUED)
			wait_fired(rt, iocb.ki_pos);
	} else {
		iocb.ki_flags = ((st->flags & RD_NOWAIT) ? PCSIM_IOCB_NOWAIT : 0) |
				((st->flags & RD_NOIO) ? PCSIM_IOCB_NOIO : 0);
		ret = pcsim_read_iter(&iocb, &it, 0);
	}
	check_bytes(rt, st, rt->buf, m->id, st->a, it.done);
	check_res(rt, st, "read", ret);
}

/* ---- rings ------------------------------------------------------------------------------- */

static void log_cqe(struct rt *r, uint64_t data, int32_t res)
{
	unsigned i = __atomic_fetch_add(&r->nlog, 1, __ATOMIC_RELAXED);
	if (i < SCN_CQE_LOG_MAX) {
		r->log[i].data = data;
		__atomic_store_n(&r->log[i].res, res, __ATOMIC_RELEASE);
	}
}

static void reap_one(struct rt_task *rt, struct rt_ring *rg, const struct scn_stmt *st,
		     struct io_uring_cqe *cqe)
{
	uint64_t data = cqe->user_data;
	int32_t res = cqe->res;
	for (unsigned i = 0; i < rg->nsqes; i++) {
		struct rt_sqe *q = &rg->sqes[i];
		if (q->reaped || q->data != data)
			continue;
		q->reaped = true;
		if (q->has_expect && res != q->expect) {
			char a[32], b[32];
			pcsim_fail("expect", "%s:%u: %s: the CQE of user_data %" PRIu64 " has res %s, "
					     "expected %s",
				   rt->rt->s->name, q->line, rt->name, data, ename(res, a, sizeof(a)),
				   ename(q->expect, b, sizeof(b)));
		}
		if (q->check && res > 0)
			check_bytes(rt, st, q->buf, rt->rt->files[q->file].m->id, q->off,
				    (size_t)res < q->len ? (size_t)res : q->len);
		break;
	}
	log_cqe(rt->rt, data, res);
}

static void ring_op(struct rt_task *rt, const struct scn_stmt *st)
{
	struct rt_ring *rg = &rt->rings[st->ring];
	struct io_uring_cqe *cqe;
	int ret;

	switch (st->op) {
	case OP_RING: {
		struct pcsim_uring_params prm = { .cq_entries = st->cq_entries,
						  .mode = (enum pcsim_uring_mode)st->mode,
						  .iowq_workers = st->workers };
		ret = pcsim_uring_queue_init_params(st->entries, &rg->ring, &prm);
		if (ret) {
			pcsim_fail("scenario", "%s:%u: %s: io_uring_queue_init: %d", rt->rt->s->name,
				   st->line, rt->name, ret);
			return;
		}
		rg->live = true;
		rg->cap = st->count;
		rg->sqes = rg->cap ? pcsim_alloc(pcsim_world_current(),
						 rg->cap * sizeof(*rg->sqes)) : NULL;
		return;
	}
	case OP_SQE: {
		struct io_uring_sqe *sqe = pcsim_uring_get_sqe(&rg->ring);
		if (!sqe) {
			pcsim_fail("expect", "%s:%u: %s: the SQ ring is full (submit first)",
				   rt->rt->s->name, st->line, rt->name);
			return;
		}
		struct rt_sqe *q = rg->nsqes < rg->cap ? &rg->sqes[rg->nsqes++] : NULL;
		uint64_t data = st->has_data ? st->data : rg->next_data;
		rg->next_data++;
		int fd = st->file >= 0 ? rt->rt->files[st->file].fd : -1;
		unsigned char *buf = NULL;
		if (st->sqe == SQE_READ) {
			buf = pcsim_alloc(pcsim_world_current(), st->b);
			pcsim_uring_prep_read(sqe, fd, buf, (unsigned)st->b,
					      (st->flags & SQ_POS) ? (uint64_t)-1 : st->a);
			if (st->flags & SQ_NOWAIT)
				sqe->rw_flags = RWF_NOWAIT;
		} else if (st->sqe == SQE_NOP) {
			pcsim_uring_prep_nop(sqe);
		} else {
			pcsim_uring_prep_fadvise(sqe, fd, st->a, (unsigned)st->b, st->advice);
		}
		pcsim_uring_sqe_set_flags(sqe, ((st->flags & SQ_ASYNC) ? IOSQE_ASYNC : 0) |
						       ((st->flags & SQ_LINK) ? IOSQE_IO_LINK : 0));
		pcsim_uring_sqe_set_data64(sqe, data);
		if (q) {
			*q = (struct rt_sqe){ .data = data, .file = st->file, .off = st->a,
					      .len = (unsigned)st->b, .buf = buf,
					      .has_expect = st->has_expect, .expect = st->expect,
					      .check = st->sqe == SQE_READ &&
						       !(st->flags & (SQ_POS | SQ_NOCHECK)),
					      .line = st->line };
		}
		return;
	}
	case OP_SUBMIT:
		check_res(rt, st, "submit", pcsim_uring_submit(&rg->ring));
		return;
	case OP_WAIT: {
		unsigned n = st->count;
		if (st->all) {
			n = 0;
			for (unsigned i = 0; i < rg->nsqes; i++)
				n += !rg->sqes[i].reaped;
		}
		for (unsigned k = 0; k < n; k++) {
			struct __kernel_timespec ts = { (long long)(st->timeout_ms / 1000),
							(long long)(st->timeout_ms % 1000) * 1000000 };
			if (st->timeout_ms)
				ret = pcsim_uring_wait_cqe_timeout(&rg->ring, &cqe, &ts);
			else
				ret = pcsim_uring_wait_cqe(&rg->ring, &cqe);
			if (ret)	/* -EINTR, -ETIME: the wait ends as the syscall would */
				return;
			reap_one(rt, rg, st, cqe);
			pcsim_uring_cqe_seen(&rg->ring, cqe);
		}
		return;
	}
	case OP_RING_EXIT:
		if (rg->live)
			pcsim_uring_queue_exit(&rg->ring);
		rg->live = false;
		return;
	case OP_REGISTER_EVENTFD:
		check_res(rt, st, "register_eventfd",
			  pcsim_uring_register_eventfd(&rg->ring, rt->rt->efds[st->efd]));
		return;
	default:
		return;
	}
}

/* ---- the statements ---------------------------------------------------------------------- */

static void kill_op(struct rt_task *rt, int task, int inst, int sig)
{
	struct rt *r = rt->rt;
	const struct scn_task *tk = &r->s->tasks[task];
	for (unsigned i = 0; i < tk->ninst; i++)
		if (inst < 0 || (unsigned)inst == i)
			(void)pcsim_send_signal(r->tasks[r->first[task] + i].task, sig);
}

static void run_block(struct rt_task *rt, const struct scn_stmt *body, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		const struct scn_stmt *st = &body[i];
		uint64_t v;
		int ret;
		switch (st->op) {
		case OP_READ:
			read_op(rt, st);
			break;
		case OP_RING:
		case OP_SQE:
		case OP_SUBMIT:
		case OP_WAIT:
		case OP_RING_EXIT:
		case OP_REGISTER_EVENTFD:
			ring_op(rt, st);
			break;
		case OP_EVENTFD_READ:
			v = 0;
			/* read(2) of an eventfd, restarted after each interruption as a syscall
			 * is (the task_work runs in between) */
			while ((ret = pcsim_uring_eventfd_read(rt->rt->efds[st->efd], &v)) == -EINTR)
				pcsim_return_to_user();
			check_res(rt, st, "eventfd_read", ret ? ret : (int64_t)v);
			break;
		case OP_EVENTFD_WRITE:
			check_res(rt, st, "eventfd_write",
				  pcsim_uring_eventfd_write(rt->rt->efds[st->efd], st->a));
			break;
		case OP_KILL:
			kill_op(rt, st->task, st->inst, st->sig);
			break;
		case OP_SLEEP:
			pcsim_set_current_state(PCSIM_TASK_UNINTERRUPTIBLE);
			(void)pcsim_schedule_timeout((long)st->count);
			break;
		case OP_YIELD:
			pcsim_cpu_relax();
			break;
		case OP_RETURN_TO_USER:
			pcsim_return_to_user();
			break;
		case OP_REPEAT:
			for (unsigned k = 0; k < st->count; k++)
				run_block(rt, st->body, st->nbody);
			break;
		default:
			page_op(rt, st);
			break;
		}
	}
}

static void task_main(void *arg)
{
	struct rt_task *rt = arg;
	if (rt->t->sync_buf)
		rt->buf = pcsim_alloc(pcsim_world_current(), rt->t->sync_buf);
	run_block(rt, rt->t->body, rt->t->nbody);
	/* a ring still set up is torn down as the task's exit would (io_uring release) */
	for (unsigned i = 0; i < rt->t->nrings; i++)
		if (rt->rings[i].live) {
			pcsim_uring_queue_exit(&rt->rings[i].ring);
			rt->rings[i].live = false;
		}
}

void pcsim__scenario_setup(struct pcsim_world *w, void *arg)
{
	const struct pcsim_scenario *s = arg;
	/* the parsed scenario is read only; everything an execution changes is in @r */
	pcsim_state_in_world(w);
	struct rt *r = pcsim_alloc(w, sizeof(*r));
	struct rt **slot = pcsim_world_layer(w, &rt_key, sizeof(struct rt *), NULL);
	if (!r || !slot)
		return;
	*slot = r;
	r->s = s;
	for (unsigned i = 0; i < s->nfiles; i++) {
		const struct scn_file *f = &s->files[i];
		struct rt_file *rf = &r->files[i];
		if (f->preset)
			pcsim_bdev_init_params(&rf->bdev, f->preset);
		else
			pcsim_bdev_init(&rf->bdev, f->slots, f->eio);
		rf->bdev.eio = f->eio;
		rf->m = pcsim_mapping_create(w, f->id, f->size, &rf->bdev, f->ra_pages);
		if (!rf->m)
			return;
		rf->m->fadv_random = f->random;
		for (unsigned k = 0; k < f->npages; k++) {
			unsigned st = f->pages[k];
			if (!(st & PG_INIT_PRESENT))
				continue;
			struct pcsim_page *pg = pcsim_mapping_populate(
				rf->m, k, st & PG_INIT_UPTODATE, st & PG_INIT_LOCKED);
			if (!pg)
				return;
			if (st & PG_INIT_READAHEAD)
				PCSIM_SETUP_SET(pg->flags, PCSIM_SETUP_GET(pg->flags) |
								   (1ul << PCSIM_PG_readahead));
			if (st & PG_INIT_WRITEBACK)
				PCSIM_SETUP_SET(pg->flags, PCSIM_SETUP_GET(pg->flags) |
								   (1ul << PCSIM_PG_writeback));
			if (st & PG_INIT_IO)
				pcsim_readpage(rf->m, pg);
		}
		rf->fd = pcsim_uring_open(w, rf->m, f->norasync ? PCSIM_URING_O_NO_RASYNC : 0);
	}
	for (unsigned i = 0; i < s->nefds; i++)
		r->efds[i] = pcsim_uring_eventfd(w, s->efds[i].init);
	for (unsigned i = 0; i < s->ntasks; i++) {
		r->first[i] = r->ntasks;
		r->ntasks += s->tasks[i].ninst;
	}
	r->tasks = pcsim_alloc(w, r->ntasks * sizeof(*r->tasks));
	if (!r->tasks)
		return;
	for (unsigned i = 0; i < s->ntasks; i++) {
		const struct scn_task *tk = &s->tasks[i];
		for (unsigned k = 0; k < tk->ninst; k++) {
			struct rt_task *rt = &r->tasks[r->first[i] + k];
			rt->rt = r;
			rt->t = tk;
			rt->inst = k;
			if (tk->array)
				snprintf(rt->name, sizeof(rt->name), "%s[%u]", tk->name, k);
			else
				snprintf(rt->name, sizeof(rt->name), "%s", tk->name);
			rt->task = pcsim_task_create(w, rt->name, task_main, rt, tk->cpu);
			if (!rt->task) {
				pcsim_fail("scenario", "%s: task %s could not be created", s->name,
					   rt->name);
				return;
			}
		}
	}
	for (unsigned i = 0; i < s->nsignals; i++) {
		const struct scn_signal *sg = &s->signals[i];
		const struct scn_task *tk = &s->tasks[sg->task];
		for (unsigned k = 0; k < tk->ninst; k++)
			if (sg->inst < 0 || (unsigned)sg->inst == k)
				pcsim_post_signal(w, r->tasks[r->first[sg->task] + k].task, sg->sig);
	}
}

/* ---- expectations at the end ------------------------------------------------------------- */

static struct pcsim_page *cached(struct rt *r, int file, uint64_t index)
{
	struct pcsim_address_space *m = r->files[file].m;
	if (index >= m->nr_slots)
		return NULL;
	return PCSIM_SETUP_GET(m->slots[index]);
}

static void check_page(struct rt *r, const struct scn_pred *pr)
{
	const char *sn = r->s->name, *fn = r->s->files[pr->file].name;
	struct pcsim_page *pg = cached(r, pr->file, pr->index);
	unsigned long fl = pg ? PCSIM_SETUP_GET(pg->flags) : 0;
	unsigned i = (unsigned)pr->index;
	if (pr->what & PP_ABSENT)
		PCSIM_CHECK(!pg, "expect", "%s:%u: page %s %u is still cached", sn, pr->line, fn, i);
	if (pr->what & PP_PRESENT)
		PCSIM_CHECK(pg, "expect", "%s:%u: page %s %u is not cached", sn, pr->line, fn, i);
	if (!pg)
		return;
	if (pr->what & PP_LOCKED)
		PCSIM_CHECK(fl & (1ul << PCSIM_PG_locked), "expect", "%s:%u: page %s %u is unlocked",
			    sn, pr->line, fn, i);
	if (pr->what & PP_UNLOCKED)
		PCSIM_CHECK(!(fl & (1ul << PCSIM_PG_locked)), "expect",
			    "%s:%u: page %s %u is left locked", sn, pr->line, fn, i);
	if (pr->what & PP_UPTODATE)
		PCSIM_CHECK(fl & (1ul << PCSIM_PG_uptodate), "expect",
			    "%s:%u: page %s %u is not uptodate", sn, pr->line, fn, i);
	if (pr->what & PP_NOTUPTODATE)
		PCSIM_CHECK(!(fl & (1ul << PCSIM_PG_uptodate)), "expect",
			    "%s:%u: page %s %u is uptodate", sn, pr->line, fn, i);
	if (pr->what & PP_WRITEBACK)
		PCSIM_CHECK(fl & (1ul << PCSIM_PG_writeback), "expect",
			    "%s:%u: page %s %u is not under writeback", sn, pr->line, fn, i);
	if (pr->what & PP_NOWRITEBACK)
		PCSIM_CHECK(!(fl & (1ul << PCSIM_PG_writeback)), "expect",
			    "%s:%u: page %s %u is still under writeback", sn, pr->line, fn, i);
	if (pr->what & PP_REFS) {
		int refs = PCSIM_SETUP_GET(pg->_refcount);
		PCSIM_CHECK(refs == pr->refs, "expect", "%s:%u: page %s %u has %d references, "
							"expected %d",
			    sn, pr->line, fn, i, refs, pr->refs);
	}
}

/* As src/pagecache/general.c's finish: no page left locked or under writeback, references
 * back to the cache's own, no waiter left in the buckets of the files' pages. */
static void check_quiescent(struct rt *r, const struct scn_pred *pr)
{
	const char *sn = r->s->name;
	for (unsigned f = 0; f < r->s->nfiles; f++) {
		struct pcsim_address_space *m = r->files[f].m;
		for (unsigned long i = 0; i < m->nr_slots; i++) {
			struct pcsim_page *pg = PCSIM_SETUP_GET(m->slots[i]);
			if (!pg)
				continue;
			unsigned long fl = PCSIM_SETUP_GET(pg->flags);
			const char *fn = r->s->files[f].name;
			PCSIM_CHECK(!(fl & (1ul << PCSIM_PG_locked)), "quiescence",
				    "%s:%u: page %s %lu left locked at the end", sn, pr->line, fn, i);
			PCSIM_CHECK(!(fl & (1ul << PCSIM_PG_writeback)), "quiescence",
				    "%s:%u: page %s %lu left under writeback", sn, pr->line, fn, i);
			PCSIM_CHECK(PCSIM_SETUP_GET(pg->_refcount) == 1, "quiescence",
				    "%s:%u: page %s %lu ends with %d references (a get without a "
				    "put?)",
				    sn, pr->line, fn, i, PCSIM_SETUP_GET(pg->_refcount));
			struct pcsim_wait_queue_head *q = pcsim_page_waitqueue(pg);
			PCSIM_CHECK(PCSIM_SETUP_GET(q->head.next) == &q->head, "quiescence",
				    "%s:%u: a waiter is still queued in the bucket of page %s %lu",
				    sn, pr->line, fn, i);
		}
	}
}

void pcsim__scenario_finish(struct pcsim_world *w, void *arg)
{
	(void)arg;
	struct rt *r = rt_of(w);
	if (!r)
		return;
	const struct pcsim_scenario *s = r->s;
	unsigned nlog = __atomic_load_n(&r->nlog, __ATOMIC_ACQUIRE);
	if (nlog > SCN_CQE_LOG_MAX)
		nlog = SCN_CQE_LOG_MAX;
	unsigned kernel = (unsigned)pcsim_world_config(w)->kernel;
	for (unsigned i = 0; i < s->npreds; i++) {
		const struct scn_pred *pr = &s->preds[i];
		if (kernel < PCSIM_NR_KERNELS && !(pr->kmask & (1u << kernel)))
			continue;	/* `on kernel ...` names other profiles */
		if (pr->kind == PRED_PAGE) {
			check_page(r, pr);
		} else if (pr->kind == PRED_QUIESCENT) {
			check_quiescent(r, pr);
		} else {
			bool seen = false, match = false;
			int32_t got = 0;
			for (unsigned k = 0; k < nlog; k++) {
				if (r->log[k].data != pr->data)
					continue;
				seen = true;
				got = r->log[k].res;
				if (!pr->has_res || got == pr->res)
					match = true;
			}
			char a[32], b[32];
			PCSIM_CHECK(seen, "expect", "%s:%u: no CQE with user_data %" PRIu64 " was reaped",
				    s->name, pr->line, pr->data);
			PCSIM_CHECK(match, "expect", "%s:%u: the CQE of user_data %" PRIu64 " has res %s, "
						     "expected %s",
				    s->name, pr->line, pr->data, ename(got, a, sizeof(a)),
				    ename(pr->res, b, sizeof(b)));
		}
	}
}
