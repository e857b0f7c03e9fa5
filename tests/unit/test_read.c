// SPDX-License-Identifier: MIT
/*
 * Description: the buffered read path (docs/kernel-semantics.md 3.2) under IOCB_NOWAIT, IOCB_WAITQ,
 * IOCB_NOIO and blocking reads, with the block device's completions as choices, readahead on
 * and off, truncation during an armed wait, EOF, I/O errors, and bugs B-09, B-10, B-11.
 * Kernel reference: generic_file_buffered_read() (mm/filemap.c, 5.10); io_read() and
 * io_rw_should_retry() (fs/io_uring.c, 5.10) for the retry harness.
 * What to look for in the trace: "bio page N" events (the device), "-EIOCBQUEUED" arming, the
 * callback from the completion's unlock, then the retry copying the bytes.
 */
#include <stdio.h>
#include <string.h>

#include "pcsim_test.h"

#include <pcsim/kernel/compiler.h>
#include <pcsim/kernel/pagemap.h>
#include <pcsim/kernel/sched.h>

#define FILE_SIZE (6 * 4096 + 100)

struct rd {
	struct pcsim_bdev bdev;
	struct address_space *m;
	struct pcsim_async_waiter aw;
	pcsim_int fired;
	struct task_struct *reader;
	unsigned char buf[3 * 4096];
	long ret;
	int64_t pos;
	size_t len;
	int mode;		/* 0 blocking, 1 NOWAIT only, 2 io_uring-like (NOWAIT, then WAITQ),
				 * 3 WAITQ with bytes already moved by the caller */
	int noio;
	long prewritten;	/* bytes the caller says it already moved (B-11) */
	bool truncate;
};

static struct rd *cur;

static void notify(struct pcsim_async_waiter *aw)
{
	struct rd *r = aw->owner;
	WRITE_ONCE(r->fired, 1);
	wake_up_process(r->reader);
}

/* io_read() in miniature: a nonblocking try, then arm and retry on each callback. */
static long uring_read(struct rd *r, struct kiocb *iocb, struct iov_iter *it)
{
	long ret;
	iocb->ki_flags = IOCB_NOWAIT;
	ret = pcsim_read_iter(iocb, it, r->prewritten);
	while (ret == -EAGAIN) {
		pcsim_async_waiter_init(&r->aw, notify, r);
		WRITE_ONCE(r->fired, 0);
		iocb->ki_waitq = &r->aw.wpq;
		iocb->ki_flags = IOCB_WAITQ;	/* NOWAIT cleared when arming (c8d317aa1887) */
		ret = pcsim_read_iter(iocb, it, r->prewritten);
		if (ret != -EIOCBQUEUED)
			break;
		for (;;) {	/* the task_work retry runs after the callback */
			set_current_state(TASK_UNINTERRUPTIBLE);
			if (READ_ONCE(r->fired))
				break;
			schedule();
		}
		__set_current_state(TASK_RUNNING);
		iocb->ki_flags = IOCB_NOWAIT;
		ret = pcsim_read_iter(iocb, it, r->prewritten);
	}
	return ret;
}

static void reader(void *arg)
{
	struct rd *r = arg;
	struct kiocb iocb = { r->m, r->pos, 0, NULL };
	struct iov_iter it = { r->buf, r->len, 0 };
	if (r->mode == 0)
		r->ret = pcsim_read_iter(&iocb, &it, r->prewritten);
	else if (r->mode == 1) {
		iocb.ki_flags = IOCB_NOWAIT | (r->noio ? IOCB_NOIO : 0);
		r->ret = pcsim_read_iter(&iocb, &it, r->prewritten);
	} else if (r->mode == 2) {
		r->ret = uring_read(r, &iocb, &it);
	} else {
		/* a filesystem's read_iter that moved r->prewritten bytes itself (a direct-I/O
		 * prefix) and then calls the buffered helper with the caller's WAITQ still set */
		pcsim_async_waiter_init(&r->aw, notify, r);
		iocb.ki_waitq = &r->aw.wpq;
		iocb.ki_flags = IOCB_WAITQ;
		r->ret = pcsim_read_iter(&iocb, &it, r->prewritten);
		if (r->ret == -EIOCBQUEUED) {
			for (;;) {
				set_current_state(TASK_UNINTERRUPTIBLE);
				if (READ_ONCE(r->fired))
					break;
				schedule();
			}
			__set_current_state(TASK_RUNNING);
		}
	}
	/* every byte copied must be the file's */
	for (size_t i = 0; i < it.done; i++)
		PCSIM_CHECK(r->buf[i] == pcsim_file_byte(r->m->id, (uint64_t)r->pos + i), "data",
			    "byte %zu wrong", i);
}

static void truncator(void *arg)
{
	struct rd *r = arg;
	(void)pcsim_truncate_page(r->m, 0);
}

struct rd_params {
	int mode, noio;
	int64_t pos;
	size_t len;
	unsigned ra_pages;
	int page0;		/* 0 absent, 1 cached uptodate, 2 cached locked (read in flight) */
	bool eio, truncate, readahead_mark;
	long prewritten;
};

static struct rd_params P;

static void locked_page_completion(void *arg)
{
	/* the read that had page 0 locked at the start completes */
	struct page *p = arg;
	pcsim_store_np(&p->data_tag, ((uint64_t)cur->m->id << 32 | 0) + 1, PCSIM_MO_ONCE);
	SetPageUptodate(p);
	unlock_page(p);
}

static void rd_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	struct rd *r = pcsim_alloc(w, sizeof(*r));
	pcsim_bdev_init(&r->bdev, 2, P.eio);
	r->m = pcsim_mapping_create(w, 7, FILE_SIZE, &r->bdev, P.ra_pages);
	r->mode = P.mode;
	r->noio = P.noio;
	r->pos = P.pos;
	r->len = P.len;
	r->prewritten = P.prewritten;
	if (P.page0 == 1) {
		struct page *p = pcsim_mapping_populate(r->m, 0, true, false);
		if (P.readahead_mark)
			PCSIM_SETUP_SET(p->flags, PCSIM_SETUP_GET(p->flags) | (1ul << PG_readahead));
		pcsim_mapping_populate(r->m, 1, true, false);
		struct page *p1 = r->m->slots[1].pcsim_private_;
		if (P.readahead_mark)
			PCSIM_SETUP_SET(p1->flags, PCSIM_SETUP_GET(p1->flags) | (1ul << PG_readahead));
	} else if (P.page0 == 2) {
		struct page *p = pcsim_mapping_populate(r->m, 0, false, true);
		struct pcsim_event_desc d = { "bio page 0 (earlier read)", PCSIM_CTX_HARDIRQ, 1, 0,
					      locked_page_completion, p };
		pcsim_event_post(w, &d);
	}
	r->reader = pcsim_task_create(w, "reader", reader, r, 0);
	if (P.truncate)
		pcsim_task_create(w, "truncate", truncator, r, 1);
	cur = r;
}

static long last_ret;
static size_t last_done;

static void rd_finish(struct pcsim_world *w, void *arg)
{
	(void)w;
	(void)arg;
	last_ret = cur->ret;
	/* quiescence: no page of the file left locked, nothing waiting */
	for (unsigned long i = 0; i < cur->m->nr_slots; i++) {
		struct page *p = PCSIM_SETUP_GET(cur->m->slots[i]);
		if (p)
			PCSIM_CHECK(!(PCSIM_SETUP_GET(p->flags) & (1ul << PG_locked)), "quiescence",
				    "page %lu left locked", i);
	}
}

static int rd_run(struct rd_params p, enum pcsim_strategy s, uint64_t max, uint64_t bugs,
		  int expect, struct pcsim_report *r)
{
	struct pcsim_config cfg = pt_config(PCSIM_MEM_SC);
	struct pcsim_program prog = { "read", rd_setup, rd_finish, NULL };
	struct pcsim_explore_opts o;
	P = p;
	cfg.bugs = bugs;
	pcsim_explore_opts_init(&o);
	o.strategy = s;
	o.max_executions = max;
	o.preemption_bound = 2;
	(void)last_done;
	return pt_explore(&prog, &cfg, &o, expect, r);
}

static void test_cached_read_all_modes(void **state)
{
	(void)state;
	struct pcsim_report r;
	for (int mode = 0; mode < 3; mode++) {
		struct rd_params p = { .mode = mode, .pos = 100, .len = 5000, .page0 = 1 };
		assert_int_equal(rd_run(p, PCSIM_STRATEGY_DFS, 0, 0, 0, &r), 0);
		assert_true(r.exhausted);
		assert_int_equal(last_ret, 5000);
		pcsim_report_free(&r);
	}
}

static void test_cold_read_blocking_and_uring(void **state)
{
	(void)state;
	struct pcsim_report r;
	for (int ra = 0; ra < 2; ra++) {
		for (int mode = 0; mode <= 2; mode += 2) {
			struct rd_params p = { .mode = mode, .pos = 0, .len = 8192,
					       .ra_pages = ra ? 8 : 0 };
			assert_int_equal(rd_run(p, PCSIM_STRATEGY_DFS, 0, 0, 0, &r), 0);
			assert_true(r.exhausted);
			assert_int_equal(last_ret, 8192);
			pcsim_report_free(&r);
		}
	}
}

/* Reads far past EOF (beyond the model's index: the file's pages and one more) end at EOF in
 * every mode. Regression: they read and wrote the sim index out of bounds and, found by the
 * ring tests, spun forever on a slot that looked taken. */
static void test_read_far_past_eof(void **state)
{
	(void)state;
	struct pcsim_report r;
	for (int mode = 0; mode < 3; mode++) {
		struct rd_params p = { .mode = mode, .pos = 20 * 4096, .len = 4096 };
		assert_int_equal(rd_run(p, PCSIM_STRATEGY_DFS, 0, 0, 0, &r), 0);
		assert_true(r.exhausted);
		assert_int_equal(last_ret, 0);
		pcsim_report_free(&r);
	}
}

static void test_nowait_never_blocks(void **state)
{
	(void)state;
	struct pcsim_report r;
	/* cold, readahead off: row C creates a locked page, READPAGE bails with -EAGAIN (A9) */
	struct rd_params p = { .mode = 1, .pos = 0, .len = 4096 };
	assert_int_equal(rd_run(p, PCSIM_STRATEGY_DFS, 0, 0, 0, &r), 0);
	assert_int_equal(last_ret, -EAGAIN);
	pcsim_report_free(&r);
	/* a read in flight: NOWAIT does not wait (row E) */
	p.page0 = 2;
	assert_int_equal(rd_run(p, PCSIM_STRATEGY_DFS, 0, 0, 0, &r), 0);
	assert_true(last_ret == -EAGAIN || last_ret == 4096);
	pcsim_report_free(&r);
}

static void test_waitq_armed_on_read_in_flight(void **state)
{
	(void)state;
	struct pcsim_report r;
	struct rd_params p = { .mode = 2, .pos = 10, .len = 3000, .page0 = 2 };
	assert_int_equal(rd_run(p, PCSIM_STRATEGY_DFS, 0, 0, 0, &r), 0);
	assert_true(r.exhausted);
	assert_int_equal(last_ret, 3000);
	pcsim_report_free(&r);
}

static void test_truncation_while_armed(void **state)
{
	(void)state;
	struct pcsim_report r;
	struct rd_params p = { .mode = 2, .pos = 0, .len = 4096, .page0 = 2, .truncate = true };
	assert_int_equal(rd_run(p, PCSIM_STRATEGY_DFS, 0, 0, 0, &r), 0);
	assert_true(r.exhausted);
	assert_int_equal(last_ret, 4096);
	pcsim_report_free(&r);
}

static void test_eof_and_short_reads(void **state)
{
	(void)state;
	struct pcsim_report r;
	struct rd_params p = { .mode = 0, .pos = 6 * 4096, .len = 4096 };
	assert_int_equal(rd_run(p, PCSIM_STRATEGY_DFS, 0, 0, 0, &r), 0);
	assert_int_equal(last_ret, 100);	/* the last, partial page */
	pcsim_report_free(&r);
	p.pos = FILE_SIZE + 10;
	assert_int_equal(rd_run(p, PCSIM_STRATEGY_DFS, 0, 0, 0, &r), 0);
	assert_int_equal(last_ret, 0);		/* EOF */
	pcsim_report_free(&r);
}

static void test_io_error(void **state)
{
	(void)state;
	struct pcsim_report r;
	/* every completion may fail (a data choice); a blocking read then reports -EIO (row M) */
	struct rd_params p = { .mode = 0, .pos = 0, .len = 4096, .eio = true };
	assert_int_equal(rd_run(p, PCSIM_STRATEGY_DFS, 0, 0, 0, &r), 0);
	assert_true(r.exhausted);
	assert_true(r.executions >= 2);
	pcsim_report_free(&r);
}

static void test_zoo_b09_b10_b11(void **state)
{
	(void)state;
	struct pcsim_report r;
	/* B-09: RWF_NOWAIT (NOWAIT|NOIO) at a cached page carrying PG_readahead */
	struct rd_params p9 = { .mode = 1, .noio = 1, .pos = 4096, .len = 4096, .page0 = 1,
				.ra_pages = 8, .readahead_mark = true };
	assert_int_equal(rd_run(p9, PCSIM_STRATEGY_DFS, 0, 0, 0, &r), 0);
	assert_int_equal(last_ret, -EAGAIN);	/* fixed (5.11): -EAGAIN */
	pcsim_report_free(&r);
	assert_int_equal(rd_run(p9, PCSIM_STRATEGY_DFS, 0, PCSIM_BUG(9), 0, &r), 0);
	assert_int_equal(last_ret, 0);		/* 5.9/5.10: 0 bytes mid-file, a false EOF */
	pcsim_report_free(&r);
	/* B-10: readahead off, cold page, WAITQ: ->readpage then a sleeping lock (A7). It needs
	 * no interleaving: the first, non-preempting DFS run finds it. */
	struct rd_params p10 = { .mode = 2, .pos = 0, .len = 4096 };
	assert_int_equal(rd_run(p10, PCSIM_STRATEGY_DFS, 1, PCSIM_BUG(10), 1, &r), 1);
	assert_string_equal(r.what, "A7");
	pcsim_report_free(&r);
	/* B-11: entered with bytes already moved and WAITQ, next page locked: arms anyway (A5) */
	struct rd_params p11 = { .mode = 3, .pos = 0, .len = 4096, .page0 = 2, .prewritten = 512 };
	assert_int_equal(rd_run(p11, PCSIM_STRATEGY_PCT, 10000, PCSIM_BUG(11), 1, &r), 1);
	assert_string_equal(r.what, "A5");
	pcsim_report_free(&r);
	/* switches off: both scenarios survive DFS with preemption bound 2 */
	assert_int_equal(rd_run(p10, PCSIM_STRATEGY_DFS, 0, 0, 0, &r), 0);
	assert_true(r.exhausted);
	pcsim_report_free(&r);
	assert_int_equal(rd_run(p11, PCSIM_STRATEGY_DFS, 0, 0, 0, &r), 0);
	assert_true(r.exhausted);
	pcsim_report_free(&r);
}

int main(int argc, char **argv)
{
	pt_init(argc, argv);
	if (pt_backend != PCSIM_BACKEND_SIM)
		return 77;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cached_read_all_modes),
		cmocka_unit_test(test_cold_read_blocking_and_uring),
		cmocka_unit_test(test_nowait_never_blocks),
		cmocka_unit_test(test_read_far_past_eof),
		cmocka_unit_test(test_waitq_armed_on_read_in_flight),
		cmocka_unit_test(test_truncation_while_armed),
		cmocka_unit_test(test_eof_and_short_reads),
		cmocka_unit_test(test_io_error),
		cmocka_unit_test(test_zoo_b09_b10_b11),
	};
	return cmocka_run_group_tests_name("read", tests, NULL, NULL);
}
