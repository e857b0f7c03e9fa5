// SPDX-License-Identifier: MIT
/*
 * Description: the ring submitter (src/uring_sim/) on the page-cache model: NOP and READ
 * through a liburing-shaped API; reads of cached pages complete inline, reads of pages being
 * read arm io_async_buf_func and retry from task_work in the submitter (rasync), go to io-wq
 * (offload) or block in the submitter (sync) - with the same CQEs and bytes in every mode;
 * RWF_NOWAIT, EOF, file-position reads, links cancelled behind a failed request, CQ overflow,
 * explorations with a locker and an evictor racing the armed reads, a plugged callback that
 * forgets its request reference, the same workload on real threads; every ring check made to
 * fire by a mutant (PCSIM_INJECT_URING_*), a plugged variant or a zoo entry, and the zoo
 * entries B-04, B-13, B-14, B-15, B-16 found by PCT in their built-ins.
 * Kernel reference: fs/io_uring.c and fs/io-wq.c (5.10.13), docs/kernel-semantics.md §4.
 * What to look for in a trace: "uring.arm" (-EIOCBQUEUED), the bdev completion's unlock running
 * "uring.callback", then "uring.retry" in the submitter and the "uring.cqe".
 */
#include <errno.h>
#include <linux/fadvise.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcsim_test.h"

#include <pcsim_support/programs.h>

#include <pcsim/kernel/compiler.h>
#include <pcsim/kernel/list.h>
#include <pcsim/kernel/pagemap.h>
#include <pcsim/kernel/sched.h>
#include <pcsim/uring.h>

/*
 * `--kernel 6.18` (stripped before pt_init): every case runs at that kernel profile; the cases
 * that pin 5.10's own behaviour skip themselves there (test_uring_current.c has 6.18's).
 */
static enum pcsim_kernel t_kernel = PCSIM_KERNEL_5_10;

static struct pcsim_config t_config(enum pcsim_memmode mem)
{
	struct pcsim_config cfg = pt_config(mem);
	cfg.kernel = t_kernel;
	return cfg;
}
#define pt_config t_config

#define MAX_READS 8

struct rd_req {
	int64_t off;		/* -1: the file position */
	unsigned len;
	unsigned sqe_flags;	/* IOSQE_* */
	int rw_flags;		/* RWF_NOWAIT */
	int fd_delta;		/* != 0: use a bad fd */
	long expect;		/* expected CQE res */
	long alt;		/* != 0: another res that is right too */
	bool check_bytes;
};

struct scen {
	/* configuration */
	uint64_t file_size;
	bool cached;		/* pages uptodate in the cache at the start */
	bool in_flight;		/* page 0 locked with its read in flight at the start */
	enum pcsim_uring_mode mode;
	unsigned entries, cq_entries;
	unsigned nreads;
	struct rd_req reads[MAX_READS];
	bool nop_only;
	bool locker, evictor;
	bool two_rounds;	/* submit half, then the rest (overflow test) */
	bool reap_between;	/* two rounds, reaping the first before the second */
	bool no_rasync;
	bool split;		/* page 0 cached, page 1 being read at the start */
	bool held;		/* page 0 locked, not uptodate, and never unlocked */
	bool no_reap;		/* close the ring right after submitting */
	const struct pcsim_uring_ops *ops;
	const struct pcsim_pagecache_ops *pc_ops;
	/* state */
	struct pcsim_bdev bdev;
	struct address_space *m;
	int fd;
	unsigned char buf[MAX_READS][3 * 4096];
	long res[MAX_READS];
	bool seen[MAX_READS];
	uint64_t order[MAX_READS];
	unsigned ncqe;
	struct pcsim_uring_stats st;
	int64_t f_pos_end;
};

static struct scen *cur;

static void check_bytes(struct scen *s, unsigned i)
{
	const struct rd_req *rq = &s->reads[i];
	int64_t off = rq->off;
	if (off < 0) {
		/* file-position reads in this test are back to back from 0 */
		off = 0;
		for (unsigned j = 0; j < i; j++)
			off += s->res[j] > 0 ? s->res[j] : 0;
	}
	for (long k = 0; k < s->res[i]; k++)
		PCSIM_CHECK(s->buf[i][k] == pcsim_file_byte(s->m->id, (uint64_t)(off + k)),
			    "read-data", "request %u: byte %ld read wrong", i, k);
}

static void reap(struct scen *s, struct pcsim_uring *ring, unsigned n)
{
	for (unsigned k = 0; k < n; k++) {
		struct io_uring_cqe *cqe;
		int ret = pcsim_uring_wait_cqe(ring, &cqe);
		PCSIM_CHECK(ret == 0, "uring-test", "wait_cqe returned %d", ret);
		if (ret)
			return;
		uint64_t i = cqe->user_data;
		PCSIM_CHECK(i < s->nreads && !s->seen[i], "uring-cqe",
			    "a CQE for user_data %llu, unknown or seen twice", (unsigned long long)i);
		if (i < s->nreads) {
			s->seen[i] = true;
			s->res[i] = cqe->res;
			s->order[s->ncqe++] = i;
		}
		pcsim_uring_cqe_seen(ring, cqe);
	}
}

static void submitter(void *arg)
{
	struct scen *s = arg;
	struct pcsim_uring ring;
	struct pcsim_uring_params p = { .cq_entries = s->cq_entries, .mode = s->mode };
	int ret = pcsim_uring_queue_init_params(s->entries, &ring, &p);
	PCSIM_CHECK(ret == 0, "uring-test", "queue_init: %d", ret);
	if (ret)
		return;
	unsigned first = s->two_rounds ? s->nreads / 2 : s->nreads;
	for (unsigned round = 0; round < (s->two_rounds ? 2u : 1u); round++) {
		unsigned lo = round ? first : 0, hi = round ? s->nreads : first;
		for (unsigned i = lo; i < hi; i++) {
			struct io_uring_sqe *sqe = pcsim_uring_get_sqe(&ring);
			PCSIM_CHECK(sqe != NULL, "uring-test", "no SQE for request %u", i);
			if (s->nop_only)
				pcsim_uring_prep_nop(sqe);
			else
				pcsim_uring_prep_read(sqe, s->fd + s->reads[i].fd_delta, s->buf[i],
						      s->reads[i].len, (uint64_t)s->reads[i].off);
			sqe->rw_flags = s->reads[i].rw_flags;
			pcsim_uring_sqe_set_flags(sqe, s->reads[i].sqe_flags);
			pcsim_uring_sqe_set_data64(sqe, i);
		}
		ret = pcsim_uring_submit(&ring);
		PCSIM_CHECK(ret == (int)(hi - lo), "uring-test", "submit returned %d of %u", ret,
			    hi - lo);
		if (s->reap_between && round == 0)
			reap(s, &ring, hi - lo);
	}
	if (!s->no_reap)
		reap(s, &ring, s->nreads - (s->reap_between ? first : 0));
	pcsim_uring_queue_exit(&ring);
	pcsim_uring_stats(&ring, &s->st);
	s->f_pos_end = pcsim_uring_file_pos(pcsim_world_current(), s->fd);
}

static void locker(void *arg)
{
	struct scen *s = arg;
	for (int i = 0; i < 2; i++) {
		struct page *page = find_get_page(s->m, 0);
		if (!page)
			continue;
		if (trylock_page(page))
			unlock_page(page);
		put_page(page);
	}
}

static void evictor(void *arg)
{
	struct scen *s = arg;
	(void)pcsim_evict_page(s->m, 1);
}

static void setup(struct pcsim_world *w, void *arg)
{
	struct scen *s = arg;
	cur = s;
	memset(s->res, 0, sizeof(s->res));
	memset(s->seen, 0, sizeof(s->seen));
	s->ncqe = 0;
	memset(&s->st, 0, sizeof(s->st));
	pcsim_bdev_init(&s->bdev, 2, false);
	s->m = pcsim_mapping_create(w, 7, s->file_size, &s->bdev, 0);
	s->m->fadv_random = true;
	unsigned long npages = (unsigned long)((s->file_size + 4095) / 4096);
	for (unsigned long i = 0; i < npages; i++) {
		if (s->cached || (s->split && i == 0))
			pcsim_mapping_populate(s->m, i, true, false);
		else if ((i == 0 && s->in_flight) || (i == 1 && s->split))
			pcsim_readpage(s->m, pcsim_mapping_populate(s->m, i, false, true));
		else if (i == 0 && s->held)
			pcsim_mapping_populate(s->m, 0, false, true);
	}
	if (s->ops)
		pcsim_uring_set_ops(w, s->ops);
	if (s->pc_ops)
		pcsim_pagecache_set_ops(w, s->pc_ops);
	s->fd = pcsim_uring_open(w, s->m, s->no_rasync ? PCSIM_URING_O_NO_RASYNC : 0);
	pcsim_task_create(w, "submitter", submitter, s, 0);
	if (s->locker)
		pcsim_task_create(w, "locker", locker, s, 1);
	if (s->evictor)
		pcsim_task_create(w, "evict", evictor, s, 1);
}

static void finish(struct pcsim_world *w, void *arg)
{
	(void)w;
	struct scen *s = arg;
	for (unsigned i = 0; i < s->nreads; i++) {
		PCSIM_CHECK(s->seen[i], "uring-cqe", "request %u got no CQE", i);
		PCSIM_CHECK(s->res[i] == s->reads[i].expect ||
				    (s->reads[i].alt && s->res[i] == s->reads[i].alt), "uring-cqe",
			    "request %u: res %ld, expected %ld", i, s->res[i], s->reads[i].expect);
		if (s->reads[i].check_bytes && s->res[i] > 0)
			check_bytes(s, i);
	}
	/* quiescence: no page left locked, references back to the cache's own */
	for (unsigned long i = 0; i < s->m->nr_slots; i++) {
		struct page *p = PCSIM_SETUP_GET(s->m->slots[i]);
		if (!p)
			continue;
		PCSIM_CHECK(!(PCSIM_SETUP_GET(p->flags) & (1ul << PG_locked)), "quiescence",
			    "page %lu left locked", i);
		PCSIM_CHECK(PCSIM_SETUP_GET(p->_refcount) == 1, "quiescence",
			    "page %lu ends with %d references", i, PCSIM_SETUP_GET(p->_refcount));
	}
}

static struct scen base(uint64_t size)
{
	struct scen s;
	memset(&s, 0, sizeof(s));
	s.file_size = size;
	s.entries = 8;
	return s;
}

static void add_read(struct scen *s, int64_t off, unsigned len, long expect)
{
	struct rd_req *r = &s->reads[s->nreads++];
	r->off = off;
	r->len = len;
	r->expect = expect;
	r->check_bytes = true;
}

static int run(struct scen *s, const char *name, enum pcsim_strategy strat, uint64_t max,
	       unsigned bound, int expect_fail, struct pcsim_report *rep)
{
	struct pcsim_config cfg = pt_config(PCSIM_MEM_SC);
	pcsim_pagecache_config(&cfg)->wait_table_bits = 0;
	return pt_run(name, setup, finish, s, &cfg, strat, max, bound, expect_fail, rep);
}

/* @s under the default checks plus the ring mutants @inject, or (@no_invariants) with the
 * invariants off: PCT, at most @max executions, a failure expected; its name is returned in
 * @what (static storage), and the report freed. */
static char what_buf[64];

static const char *fails_as(struct scen *s, const char *name, unsigned inject, bool no_invariants,
			    uint64_t max)
{
	struct pcsim_config cfg = pt_config(PCSIM_MEM_SC);
	struct pcsim_report r;
	pcsim_pagecache_config(&cfg)->wait_table_bits = 0;
	cfg.inject = inject;
	if (no_invariants)
		cfg.checks &= ~PCSIM_CHECK_INVARIANTS;
	int ret = pt_run(name, setup, finish, s, &cfg, PCSIM_STRATEGY_PCT, max, 0, 1, &r);
	assert_int_equal(ret, 1);
	snprintf(what_buf, sizeof(what_buf), "%s",
		 r.outcome == PCSIM_OUTCOME_DEADLOCK ? "deadlock" : r.what);
	pcsim_report_free(&r);
	return what_buf;
}

static void run_ok(struct scen *s, const char *name, enum pcsim_strategy strat, uint64_t max,
		   unsigned bound)
{
	struct pcsim_report r;
	int ret = run(s, name, strat, max, bound, 0, &r);
	assert_int_equal(ret, 0);
	pcsim_report_free(&r);
}

/* ------------------------------------------------------------------------------------------ */

static void test_nop(void **state)
{
	(void)state;
	struct scen s = base(4096);
	s.nop_only = true;
	for (int i = 0; i < 3; i++)
		add_read(&s, 0, 0, 0);
	run_ok(&s, "uring-nop", PCSIM_STRATEGY_RANDOM, 50, 0);
	assert_int_equal(s.st.submitted, 3);
	assert_int_equal(s.st.completed, 3);
	assert_int_equal(s.st.punted, 0);
}

/* Cached pages: every read completes in the submitting call, nothing arms or punts. */
static void test_read_cached(void **state)
{
	(void)state;
	struct scen s = base(3 * 4096 + 100);
	s.cached = true;
	add_read(&s, 0, 4096, 4096);
	add_read(&s, 100, 8000, 8000);
	add_read(&s, 3 * 4096, 4096, 100);	/* across EOF: short */
	add_read(&s, 8 * 4096, 4096, 0);	/* past EOF, beyond the model's index: no I/O */
	run_ok(&s, "uring-cached", PCSIM_STRATEGY_PCT, 200, 0);
	assert_int_equal(s.st.armed, 0);
	assert_int_equal(s.st.punted, 0);
	assert_int_equal(s.st.completed, 4);
}

/* Pages not in the cache, rasync: NOWAIT fails, the read arms, the completion's unlock runs
 * io_async_buf_func, the retry in the submitter copies the bytes. No io-wq. */
static void test_read_rasync(void **state)
{
	(void)state;
	struct scen s = base(2 * 4096);
	add_read(&s, 0, 4096, 4096);
	add_read(&s, 4096, 4096, 4096);
	run_ok(&s, "uring-rasync", PCSIM_STRATEGY_PCT, 300, 0);
	assert_int_equal(s.st.punted, 0);
	/* (on threads the device may finish before the read arms) */
	if (pt_backend == PCSIM_BACKEND_SIM)
		assert_true(s.st.armed >= 1);
	assert_int_equal(s.st.callbacks, s.st.armed);
	assert_int_equal(s.st.retries, s.st.callbacks);
}

/* One armed read, every schedule with at most one preemption; two, every schedule without one
 * (scenario tier). */
static void test_rasync_dfs_explore(void **state)
{
	(void)state;
	struct scen one = base(4096);
	add_read(&one, 0, 4096, 4096);
	struct pcsim_report r;
	assert_int_equal(run(&one, "uring-rasync-dfs1", PCSIM_STRATEGY_DFS, 0, 1, 0, &r), 0);
	assert_true(r.exhausted);
	pcsim_report_free(&r);
	struct scen s = base(2 * 4096);
	add_read(&s, 0, 4096, 4096);
	add_read(&s, 4096, 4096, 4096);
	assert_int_equal(run(&s, "uring-rasync-dfs0", PCSIM_STRATEGY_DFS, 0, 0, 0, &r), 0);
	assert_true(r.exhausted);
	pcsim_report_free(&r);
}

/* The same reads, offload (everything to io-wq) and sync (blocking in the submitter): the same
 * CQEs and bytes. */
static void test_modes_same_cqes(void **state)
{
	(void)state;
	for (int mode = PCSIM_URING_OFFLOAD; mode <= PCSIM_URING_SYNC; mode++) {
		struct scen s = base(2 * 4096 + 10);
		s.mode = (enum pcsim_uring_mode)mode;
		add_read(&s, 0, 4096, 4096);
		add_read(&s, 4096, 8192, 4106);
		run_ok(&s, mode == PCSIM_URING_OFFLOAD ? "uring-offload" : "uring-sync",
		       PCSIM_STRATEGY_PCT, 300, 0);
		assert_int_equal(s.st.armed, 0);
		if (mode == PCSIM_URING_OFFLOAD)
			assert_int_equal(s.st.punted, 2);
		else
			assert_int_equal(s.st.punted, 0);
	}
}

/* A file opened without FMODE_BUF_RASYNC cannot retry: the read goes to io-wq. */
static void test_no_rasync_punts(void **state)
{
	(void)state;
	struct scen s = base(4096);
	s.no_rasync = true;
	add_read(&s, 0, 4096, 4096);
	run_ok(&s, "uring-no-rasync", PCSIM_STRATEGY_PCT, 200, 0);
	assert_int_equal(s.st.armed, 0);
	/* (6.18: the NOWAIT attempt's own forced readahead may be done before it looks again,
	 * and then the read completes inline: docs/kernel-profiles.md) */
	if (t_kernel == PCSIM_KERNEL_6_18)
		assert_true(s.st.punted <= 1);
	else
		assert_int_equal(s.st.punted, 1);
}

/* RWF_NOWAIT on a page that is not cached completes -EAGAIN: never arms, never punts (U10). */
static void test_rwf_nowait(void **state)
{
	(void)state;
	struct scen s = base(4096);
	add_read(&s, 0, 4096, -EAGAIN);
	/* 6.18: the read's own forced readahead (page_cache_sync_ra()) may be done before it looks
	 * again (docs/kernel-profiles.md) */
	if (t_kernel == PCSIM_KERNEL_6_18)
		s.reads[0].alt = 4096;
	s.reads[0].rw_flags = RWF_NOWAIT;
	run_ok(&s, "uring-nowait", PCSIM_STRATEGY_PCT, 200, 0);
	assert_int_equal(s.st.armed, 0);
	assert_int_equal(s.st.punted, 0);
	/* on a cached page it reads */
	struct scen c = base(4096);
	c.cached = true;
	add_read(&c, 0, 4096, 4096);
	c.reads[0].rw_flags = RWF_NOWAIT;
	run_ok(&c, "uring-nowait-cached", PCSIM_STRATEGY_PCT, 100, 0);
	/* with IOSQE_ASYNC the user asked for io-wq: 5.10 does a blocking read there (io_read()
	 * clears IOCB_NOWAIT without force_nonblock), which U10 does not forbid */
	struct scen a = base(4096);
	add_read(&a, 0, 4096, 4096);
	a.reads[0].rw_flags = RWF_NOWAIT;
	a.reads[0].sqe_flags = IOSQE_ASYNC;
	run_ok(&a, "uring-nowait-async", PCSIM_STRATEGY_PCT, 100, 0);
	assert_int_equal(a.st.punted, 1);
}

/* B-04 (v3 of the series): RWF_NOWAIT requests armed too. Found as U10 in one execution. */
static void test_b04_nowait_armed(void **state)
{
	(void)state;
	if (pt_backend != PCSIM_BACKEND_SIM)
		skip();
	struct scen s = base(4096);
	add_read(&s, 0, 4096, -EAGAIN);
	if (t_kernel == PCSIM_KERNEL_6_18)
		s.reads[0].alt = 4096;	/* as in test_rwf_nowait */
	s.reads[0].rw_flags = RWF_NOWAIT;
	struct pcsim_config cfg = pt_config(PCSIM_MEM_SC);
	pcsim_pagecache_config(&cfg)->wait_table_bits = 0;
	cfg.bugs = PCSIM_BUG(4);
	struct pcsim_report r;
	assert_int_equal(pt_run("uring-b04", setup, finish, &s, &cfg, PCSIM_STRATEGY_PCT, 100, 0, 1,
				&r), 1);
	assert_string_equal(r.what, "U10");
	/* 6.18: in the executions where the read's forced readahead is done first it reads the
	 * page and arms nothing (execution 4 of PCT seed 1 finds it) */
	if (t_kernel == PCSIM_KERNEL_6_18)
		assert_true(r.failing_execution <= 10);
	else
		assert_int_equal(r.failing_execution, 1);
	pcsim_report_free(&r);
}

/* offset -1 reads at the file position and advances it (REQ_F_CUR_POS). 5.10 takes the
 * position when the SQE is prepared, so two such reads linked together both read at the same
 * position (docs/uring.md); submitted one after the other they read back to back. */
static void test_file_position(void **state)
{
	(void)state;
	struct scen s = base(2 * 4096);
	s.cached = true;
	s.two_rounds = s.reap_between = true;
	add_read(&s, -1, 3000, 3000);
	add_read(&s, -1, 3000, 3000);
	run_ok(&s, "uring-cur-pos", PCSIM_STRATEGY_PCT, 100, 0);
	assert_int_equal(s.f_pos_end, 6000);

	/* linked: both are prepared (f_pos 0) before the first one runs */
	struct scen t = base(2 * 4096);
	t.cached = true;
	add_read(&t, 0, 3000, 3000);		/* what a prep-time f_pos of 0 reads */
	add_read(&t, -1, 3000, 3000);
	add_read(&t, -1, 3000, 3000);
	t.reads[1].sqe_flags = IOSQE_IO_LINK;
	t.reads[1].check_bytes = t.reads[2].check_bytes = false;
	run_ok(&t, "uring-cur-pos-batch", PCSIM_STRATEGY_PCT, 100, 0);
	if (t_kernel == PCSIM_KERNEL_6_18) {
		/* 6.18 takes f_pos at issue (io_kiocb_update_pos): the linked one reads on */
		assert_memory_equal(t.buf[1], t.buf[0], 3000);
		for (unsigned k = 0; k < 3000; k++)
			assert_int_equal(t.buf[2][k], pcsim_file_byte(7, 3000 + k));
		assert_int_equal(t.f_pos_end, 6000);
		return;
	}
	assert_memory_equal(t.buf[1], t.buf[0], 3000);
	assert_memory_equal(t.buf[2], t.buf[0], 3000);
	assert_int_equal(t.f_pos_end, 3000);
}

/* A chain behind a failed request completes -ECANCELED; a bad fd fails with -EBADF. */
static void test_link_failure(void **state)
{
	(void)state;
	struct scen s = base(4096);
	s.cached = true;
	add_read(&s, 8192, 4096, 0);		/* EOF: res 0 != expected 4096 -> chain fails */
	add_read(&s, 0, 4096, -ECANCELED);
	add_read(&s, 0, 100, 100);		/* not linked: reads */
	s.reads[0].sqe_flags = IOSQE_IO_LINK;
	run_ok(&s, "uring-link", PCSIM_STRATEGY_PCT, 100, 0);
	assert_int_equal(s.st.cancelled, 1);

	struct scen b = base(4096);
	b.cached = true;
	add_read(&b, 0, 100, -EBADF);
	b.reads[0].fd_delta = 40;
	run_ok(&b, "uring-badf", PCSIM_STRATEGY_RANDOM, 20, 0);
}

/* More CQEs than the CQ ring holds: the rest wait on the overflow list, none is lost, and
 * they arrive in order once the user makes room. */
static void test_cq_overflow(void **state)
{
	(void)state;
	struct scen s = base(4096);
	s.nop_only = true;
	s.entries = 4;
	s.cq_entries = 4;
	s.two_rounds = true;
	for (int i = 0; i < 8; i++)
		add_read(&s, 0, 0, 0);
	/* two rounds of four SQEs without reaping in between: four CQEs overflow */
	run_ok(&s, "uring-overflow", PCSIM_STRATEGY_RANDOM, 20, 0);
	assert_int_equal(s.st.overflowed, 4);
	for (unsigned i = 0; i < 8; i++)
		assert_int_equal(s.order[i], i);
}

/* @nreads reads (pages 0, 1) while page 0 is being read, racing a locker of page 0 and an
 * evictor of page 1 (one wait bucket). */
static struct scen racing(unsigned nreads)
{
	struct scen s = base(2 * 4096);
	s.in_flight = true;
	s.locker = true;
	s.evictor = true;
	for (unsigned i = 0; i < nreads; i++)
		add_read(&s, (int64_t)i * 4096, 4096, 4096);
	return s;
}

static void test_racing_pct_explore(void **state)
{
	(void)state;
	struct scen s = racing(2);
	run_ok(&s, "uring-racing", PCSIM_STRATEGY_PCT, 1000, 0);
}

static void test_racing_dfs_explore(void **state)
{
	(void)state;
	/* one armed read of the page being read, the locker racing its unlock and callback */
	struct scen s = racing(1);
	struct pcsim_report r;
	assert_int_equal(run(&s, "uring-racing-dfs", PCSIM_STRATEGY_DFS, 0, 0, 0, &r), 0);
	assert_true(r.exhausted);
	pcsim_report_free(&r);
}

/* Plug points: a wrapper around the default callback is used; a variant that unlinks itself
 * but never queues the retry leaves the read without its CQE - the submitter waits for it
 * forever, and the run is reported as a deadlock that names that wait. */
static unsigned wrapped_calls;

static int counting_buf_func(struct pcsim_wait_queue_entry *wait, unsigned mode, int sync,
			     void *key)
{
	wrapped_calls++;
	return pcsim_uring_default_ops()->async_buf_func(wait, mode, sync, key);
}

static int lost_retry_buf_func(struct pcsim_wait_queue_entry *wait, unsigned mode, int sync,
			       void *key)
{
	struct wait_page_queue *wpq = container_of(wait, struct wait_page_queue, wait);
	(void)mode;
	(void)sync;
	if (!wake_page_match(wpq, key))
		return 0;
	list_del_init(&wait->entry);
	return 1;	/* the retry is never queued */
}

/* A callback that runs the default body twice for one arming: U2 reports the second firing. */
static int twice_buf_func(struct pcsim_wait_queue_entry *wait, unsigned mode, int sync, void *key)
{
	int ret = pcsim_uring_default_ops()->async_buf_func(wait, mode, sync, key);
	if (ret == 1)
		(void)pcsim_uring_default_ops()->async_buf_func(wait, mode, sync, key);
	return ret;
}

static void test_plugged_callback(void **state)
{
	(void)state;
	struct pcsim_uring_ops ops = { 0 };
	ops.async_buf_func = counting_buf_func;
	struct scen s = base(4096);
	add_read(&s, 0, 4096, 4096);
	s.ops = &ops;
	wrapped_calls = 0;
	run_ok(&s, "uring-plugged-wrapper", PCSIM_STRATEGY_PCT, 50, 0);
	assert_true(wrapped_calls > 0);

	if (pt_backend == PCSIM_BACKEND_THREADS)
		return;		/* a hang on threads is only seen after threads_timeout_ms */
	struct pcsim_report r;
	ops.async_buf_func = twice_buf_func;
	assert_int_equal(run(&s, "uring-plugged-twice", PCSIM_STRATEGY_PCT, 50, 0, 1, &r), 1);
	assert_string_equal(r.what, "U2");
	pcsim_report_free(&r);

	/* U2 reports it where it happens; without the invariants the submitter hangs */
	ops.async_buf_func = lost_retry_buf_func;
	assert_string_equal(fails_as(&s, "uring-plugged-lost-retry", 0, false, 50), "U2");
	struct pcsim_config cfg = pt_config(PCSIM_MEM_SC);
	pcsim_pagecache_config(&cfg)->wait_table_bits = 0;
	cfg.checks &= ~PCSIM_CHECK_INVARIANTS;
	assert_int_equal(pt_run("uring-plugged-lost-retry", setup, finish, &s, &cfg,
				PCSIM_STRATEGY_PCT, 50, 0, 1, &r), 1);
	assert_int_equal(r.outcome, PCSIM_OUTCOME_DEADLOCK);
	assert_non_null(strstr(r.message, "io_cqring_wait"));
	pcsim_report_free(&r);
}

/* IORING_OP_FADVISE: DONTNEED drops the clean pages of the range (through io-wq: not an inline
 * advice in 5.10), WILLNEED starts reads of what is not cached, RANDOM sets FMODE_RANDOM
 * inline; reads after them see the file's bytes. */
struct fadv {
	struct pcsim_bdev bdev;
	struct address_space *m;
	int fd;
	unsigned char buf[2][4096];
	struct pcsim_uring_stats st;
};

static int fadv_one(struct pcsim_uring *ring, int fd, uint64_t off, unsigned len, int advice)
{
	struct io_uring_sqe *sqe = pcsim_uring_get_sqe(ring);
	struct io_uring_cqe *cqe;
	pcsim_uring_prep_fadvise(sqe, fd, off, len, advice);
	pcsim_uring_submit(ring);
	if (pcsim_uring_wait_cqe(ring, &cqe))
		return -9999;
	int res = cqe->res;
	pcsim_uring_cqe_seen(ring, cqe);
	return res;
}

static void fadv_task(void *arg)
{
	struct fadv *f = arg;
	struct pcsim_uring ring;
	PCSIM_CHECK(pcsim_uring_queue_init(8, &ring, 0) == 0, "uring-test", "queue_init");
	PCSIM_CHECK(fadv_one(&ring, f->fd, 0, 0, POSIX_FADV_DONTNEED) == 0, "uring-test",
		    "DONTNEED failed");
	for (unsigned long i = 0; i < 4; i++) {
		struct page *p = find_get_page(f->m, i);
		PCSIM_CHECK(p == NULL, "fadvise", "page %lu still cached after DONTNEED", i);
		if (p)
			put_page(p);
	}
	PCSIM_CHECK(fadv_one(&ring, f->fd, 0, 8192, POSIX_FADV_WILLNEED) == 0, "uring-test",
		    "WILLNEED failed");
	for (unsigned long i = 0; i < 2; i++) {
		struct page *p = find_get_page(f->m, i);
		PCSIM_CHECK(p != NULL, "fadvise", "page %lu not cached after WILLNEED", i);
		if (p)
			put_page(p);
	}
	PCSIM_CHECK(fadv_one(&ring, f->fd, 0, 0, POSIX_FADV_RANDOM) == 0, "uring-test",
		    "RANDOM failed");
	PCSIM_CHECK(f->m->fadv_random, "fadvise", "RANDOM did not set FMODE_RANDOM");
	PCSIM_CHECK(fadv_one(&ring, f->fd, 0, 0, 99) == -EINVAL, "fadvise",
		    "an unknown advice did not fail with -EINVAL");
	for (unsigned i = 0; i < 2; i++) {
		struct io_uring_sqe *sqe = pcsim_uring_get_sqe(&ring);
		struct io_uring_cqe *cqe;
		pcsim_uring_prep_read(sqe, f->fd, f->buf[i], 4096, (uint64_t)i * 4096);
		pcsim_uring_submit(&ring);
		PCSIM_CHECK(pcsim_uring_wait_cqe(&ring, &cqe) == 0 && cqe->res == 4096, "uring-cqe",
			    "read %u after WILLNEED", i);
		pcsim_uring_cqe_seen(&ring, cqe);
		for (unsigned k = 0; k < 4096; k++)
			PCSIM_CHECK(f->buf[i][k] == pcsim_file_byte(f->m->id, i * 4096ull + k),
				    "read-data", "byte %u of page %u", k, i);
	}
	pcsim_uring_queue_exit(&ring);
	pcsim_uring_stats(&ring, &f->st);
}

static void fadv_setup(struct pcsim_world *w, void *arg)
{
	struct fadv *f = arg;
	pcsim_bdev_init(&f->bdev, 2, false);
	f->m = pcsim_mapping_create(w, 11, 4 * 4096, &f->bdev, 0);
	for (unsigned long i = 0; i < 4; i++)
		pcsim_mapping_populate(f->m, i, true, false);
	f->fd = pcsim_uring_open(w, f->m, 0);
	pcsim_task_create(w, "fadvise", fadv_task, f, 0);
}

static void test_fadvise(void **state)
{
	(void)state;
	static struct fadv f;
	struct pcsim_report r;
	struct pcsim_config cfg = pt_config(PCSIM_MEM_SC);
	memset(&f, 0, sizeof(f));
	assert_int_equal(pt_run("uring-fadvise", fadv_setup, NULL, &f, &cfg, PCSIM_STRATEGY_PCT,
				pt_backend == PCSIM_BACKEND_SIM ? 200 : 10, 0, 0, &r), 0);
	pcsim_report_free(&r);
	assert_true(f.st.punted >= 2);	/* DONTNEED and WILLNEED are io-wq work */
}

/* The configuration `pcsim explore` gives built-in @b: its memory mode and wait table. */
static struct pcsim_config builtin_config(const struct pcsim_builtin *b)
{
	struct pcsim_config cfg = pt_config(b->mem);
	if (b->wait_table_bits >= 0)
		pcsim_pagecache_config(&cfg)->wait_table_bits = (unsigned)b->wait_table_bits;
	return cfg;
}

/* Built-in program @name stays clean under @cfg: DFS at @bound to exhaustion (@max == 0), or
 * @max executions of the default strategy (PCT). */
static void builtin_clean(const char *name, const struct pcsim_config *cfg, unsigned bound,
			  uint64_t max)
{
	const struct pcsim_builtin *b = pcsim_builtin_find(name);
	assert_non_null(b);
	struct pcsim_explore_opts o;
	struct pcsim_report r;
	pcsim_explore_opts_init(&o);
	if (!max) {
		o.strategy = PCSIM_STRATEGY_DFS;
		o.preemption_bound = bound;
	}
	o.max_executions = max;
	assert_int_equal(pt_explore(&b->prog, cfg, &o, 0, &r), 0);
	if (!max)
		assert_true(r.exhausted);
	pcsim_report_free(&r);
}

/* The CLI's built-in ring programs (uring-rasync, -offload, -sync) stay clean. */
static void test_builtin_programs(void **state)
{
	(void)state;
	static const char *const names[] = { "uring-rasync", "uring-offload", "uring-sync" };
	for (unsigned i = 0; i < 3; i++) {
		struct pcsim_config cfg = pt_config(pcsim_builtin_find(names[i])->mem);
		pcsim_pagecache_config(&cfg)->wait_table_bits = 0;
		builtin_clean(names[i], &cfg, 0, pt_backend == PCSIM_BACKEND_SIM ? 300 : 20);
	}
}

/*
 * B-16 (5.7-5.8: the retry's task_work queued to run on return to user space) re-injected into
 * uring-eventfd: PCT finds the hang within 10,000 executions on every one of 20 seeds; the
 * median is printed. Without the switch the scenario survives DFS at bound 1 (bound 2: soak).
 */
static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/*
 * Zoo entry B-@bug re-injected into built-in @name: the default strategy (PCT) finds it within
 * 10,000 executions for each of the seeds 1..@nseeds, reported as @what (with the invariants
 * off when @no_invariants: then the bug's own symptom, "deadlock" for a hang). Prints and
 * returns the median execution count.
 */
static uint64_t zoo_found(const char *name, unsigned bug, unsigned nseeds, const char *what,
			  bool no_invariants)
{
	const struct pcsim_builtin *b = pcsim_builtin_find(name);
	assert_non_null(b);
	uint64_t found[20];
	assert_true(nseeds >= 1 && nseeds <= 20);
	for (unsigned seed = 1; seed <= nseeds; seed++) {
		struct pcsim_config cfg = builtin_config(b);
		cfg.bugs = PCSIM_BUG(bug);
		if (no_invariants)
			cfg.checks &= ~PCSIM_CHECK_INVARIANTS;
		struct pcsim_explore_opts o;
		struct pcsim_report r;
		pcsim_explore_opts_init(&o);
		o.seed = seed;
		o.max_executions = 10000;
		o.confirm = seed == 1;
		assert_int_equal(pt_explore(&b->prog, &cfg, &o, 1, &r), 1);
		if (strcmp(what, strcmp(what, "deadlock") == 0 && r.outcome ==
				 PCSIM_OUTCOME_DEADLOCK ? "deadlock" : r.what))
			pt_print_report(name, &r);
		if (strcmp(what, "deadlock") == 0)
			assert_int_equal(r.outcome, PCSIM_OUTCOME_DEADLOCK);
		else
			assert_string_equal(r.what, what);
		if (seed == 1)
			assert_true(r.confirmed);
		found[seed - 1] = r.failing_execution;
		pcsim_report_free(&r);
	}
	qsort(found, nseeds, sizeof(found[0]), cmp_u64);
	printf("B-%02u in %s as %s: median %llu executions over %u seeds (max %llu)\n", bug, name,
	       what, (unsigned long long)found[(nseeds - 1) / 2], nseeds,
	       (unsigned long long)found[nseeds - 1]);
	return found[(nseeds - 1) / 2];
}

/* B-16: U9 at the sleep it cannot leave, on every one of 20 seeds; without the invariants the
 * hang itself, named by the sleep. */
static void test_b16_found_by_pct(void **state)
{
	(void)state;
	if (pt_backend != PCSIM_BACKEND_SIM)
		skip();
	zoo_found("uring-eventfd", 16, 20, "U9", false);
	const struct pcsim_builtin *b = pcsim_builtin_find("uring-eventfd");
	struct pcsim_config cfg = pt_config(PCSIM_MEM_SC);
	cfg.bugs = PCSIM_BUG(16);
	cfg.checks &= ~PCSIM_CHECK_INVARIANTS;
	struct pcsim_explore_opts o;
	struct pcsim_report r;
	pcsim_explore_opts_init(&o);
	o.max_executions = 10000;
	assert_int_equal(pt_explore(&b->prog, &cfg, &o, 1, &r), 1);
	assert_int_equal(r.outcome, PCSIM_OUTCOME_DEADLOCK);
	assert_non_null(strstr(r.message, "eventfd_read"));
	pcsim_report_free(&r);
}

/*
 * B-13, B-14, B-15 (scenario tier): each found by PCT in its own small built-in within 10,000
 * executions for seeds 1-5, as the invariant it breaks; B-14 and B-15 also by their symptoms
 * with the invariants off (the ring context freed under the retry; the NOP behind a complete
 * read cancelled). The 20-seed medians are measured in the soak tier (test_zoo_medians_soak).
 */
static void test_zoo_b13_explore(void **state)
{
	(void)state;
	if (pt_backend != PCSIM_BACKEND_SIM)
		skip();
	zoo_found("uring-b13", 13, 5, "U5", false);
}

static void test_zoo_b14_explore(void **state)
{
	(void)state;
	if (pt_backend != PCSIM_BACKEND_SIM)
		skip();
	zoo_found("uring-b14", 14, 5, "U3", false);
	zoo_found("uring-b14", 14, 5, "uring-ctx-use-after-free", true);
}

static void test_zoo_b15_explore(void **state)
{
	(void)state;
	if (pt_backend != PCSIM_BACKEND_SIM)
		skip();
	zoo_found("uring-b15", 15, 5, "U7", false);
	zoo_found("uring-b15", 15, 5, "uring-cqe", true);
}

/* The general ring scenario finds each of them too, and is clean without them (2,000 PCT
 * executions here; 10,000 in the soak tier's measurement). */
static void test_zoo_general_explore(void **state)
{
	(void)state;
	if (pt_backend != PCSIM_BACKEND_SIM)
		skip();
	zoo_found("uring-general", 13, 3, "U5", false);
	zoo_found("uring-general", 14, 3, "U3", false);
	zoo_found("uring-general", 15, 3, "U7", false);
	struct pcsim_config cfg = builtin_config(pcsim_builtin_find("uring-general"));
	builtin_clean("uring-general", &cfg, 0, 2000);
}

/* Without the switches the small scenarios survive DFS at preemption bound 1 (here) and 2
 * (soak tier). */
static void zoo_clean_dfs(unsigned bound)
{
	static const char *const names[] = { "uring-b13", "uring-b14", "uring-b15" };
	for (unsigned i = 0; i < 3; i++) {
		struct pcsim_config cfg = builtin_config(pcsim_builtin_find(names[i]));
		builtin_clean(names[i], &cfg, bound, 0);
	}
}

static void test_zoo_clean_dfs1_explore(void **state)
{
	(void)state;
	if (pt_backend != PCSIM_BACKEND_SIM)
		skip();
	zoo_clean_dfs(1);
}

static void test_zoo_clean_dfs2_soak(void **state)
{
	(void)state;
	if (pt_backend != PCSIM_BACKEND_SIM || !getenv("PCSIM_SOAK"))
		skip();
	zoo_clean_dfs(2);
}

/* The medians of docs/uring.md's zoo section: 20 seeds per entry and scenario, and 10,000 PCT
 * executions of uring-general without a switch. */
static void test_zoo_medians_soak(void **state)
{
	(void)state;
	if (pt_backend != PCSIM_BACKEND_SIM || !getenv("PCSIM_SOAK"))
		skip();
	zoo_found("uring-b13", 13, 20, "U5", false);
	zoo_found("uring-b14", 14, 20, "U3", false);
	zoo_found("uring-b14", 14, 20, "uring-ctx-use-after-free", true);
	zoo_found("uring-b15", 15, 20, "U7", false);
	zoo_found("uring-b15", 15, 20, "uring-cqe", true);
	zoo_found("uring-general", 13, 20, "U5", false);
	zoo_found("uring-general", 14, 20, "U3", false);
	zoo_found("uring-general", 15, 20, "U7", false);
	struct pcsim_config cfg = builtin_config(pcsim_builtin_find("uring-general"));
	builtin_clean("uring-general", &cfg, 0, 10000);
}

static void eventfd_clean_dfs(unsigned bound)
{
	struct pcsim_config cfg = pt_config(PCSIM_MEM_SC);
	builtin_clean("uring-eventfd", &cfg, bound, 0);
}

static void test_eventfd_clean_dfs_explore(void **state)
{
	(void)state;
	if (pt_backend != PCSIM_BACKEND_SIM)
		skip();
	eventfd_clean_dfs(1);
}

/* 420,528 executions (about 20 s release, 10 minutes under ASan): the soak tier only. */
static void test_eventfd_clean_dfs2_soak(void **state)
{
	(void)state;
	if (pt_backend != PCSIM_BACKEND_SIM || !getenv("PCSIM_SOAK"))
		skip();
	eventfd_clean_dfs(2);
}

/*
 * The P6 race reaches the ring (uring-p6): a killable page waiter SIGKILLed in the window drops
 * the exclusive wakeup of the I/O's unlock (5.9+, docs/pagecache.md), and the ring read armed
 * behind it on the same page never gets its callback: no CQE, the submitter waits forever.
 * Default checks: a confirmed deadlock naming io_cqring_wait; --checks strict-p6: P6.
 */
static void test_p6_reaches_ring(void **state)
{
	(void)state;
	if (pt_backend != PCSIM_BACKEND_SIM)
		skip();
	const struct pcsim_builtin *b = pcsim_builtin_find("uring-p6");
	assert_non_null(b);
	struct pcsim_config cfg = pt_config(PCSIM_MEM_SC);
	struct pcsim_explore_opts o;
	struct pcsim_report r;
	pcsim_explore_opts_init(&o);
	o.max_executions = 10000;
	assert_int_equal(pt_explore(&b->prog, &cfg, &o, 1, &r), 1);
	assert_int_equal(r.outcome, PCSIM_OUTCOME_DEADLOCK);
	assert_non_null(strstr(r.message, "io_cqring_wait (0 of 1 CQEs)"));
	assert_true(r.confirmed);
	pcsim_report_free(&r);
	cfg.checks |= PCSIM_CHECK_STRICT_P6;
	assert_int_equal(pt_explore(&b->prog, &cfg, &o, 1, &r), 1);
	assert_string_equal(r.what, "P6");
	assert_true(r.confirmed);
	pcsim_report_free(&r);
}

/* With the fix plugged in (lock profile 5.9-p6fix: a WOKEN-not-DONE exclusive waiter tries the
 * bit after finish_wait()), uring-p6 is clean under strict P6: 10,000 PCT executions (the same
 * search finds the race without the fix), and in the soak tier every schedule with at most one
 * preemption (1,288,524 executions, 2 min 43 s release). */
static void p6_fix_config(struct pcsim_config *cfg)
{
	*cfg = pt_config(PCSIM_MEM_SC);
	pcsim_pagecache_config(cfg)->lock_profile = PCSIM_LOCK_PROFILE_5_9_P6FIX;
	cfg->checks |= PCSIM_CHECK_STRICT_P6;
}

static void test_p6_fix_pct_explore(void **state)
{
	(void)state;
	if (pt_backend != PCSIM_BACKEND_SIM)
		skip();
	struct pcsim_config cfg;
	p6_fix_config(&cfg);
	builtin_clean("uring-p6", &cfg, 0, 10000);
}

static void test_p6_fix_dfs1_soak(void **state)
{
	(void)state;
	if (pt_backend != PCSIM_BACKEND_SIM || !getenv("PCSIM_SOAK"))
		skip();
	struct pcsim_config cfg;
	p6_fix_config(&cfg);
	builtin_clean("uring-p6", &cfg, 1, 0);
}

/* ---------------------------------------------------------------------------------------------
 * Each check of the ring fires (docs/uring.md, "Checks"): a mutant of the ring layer
 * (PCSIM_INJECT_URING_*), a plugged variant, or a zoo entry makes it report.
 */

/* One read of page 0 while its read is in flight (it arms). */
static struct scen armed_read(void)
{
	struct scen s = base(4096);
	s.in_flight = true;
	add_read(&s, 0, 4096, 4096);
	return s;
}

/* One 8 KiB read: page 0 cached, page 1 being read (a short first attempt, then a retry). */
static struct scen split_read(void)
{
	struct scen s = base(2 * 4096);
	s.split = true;
	add_read(&s, 0, 8192, 8192);
	return s;
}

/* U1: the wpq armed lives in io_read()'s frame instead of the heap async data. */
static void test_u1_stack_wpq(void **state)
{
	(void)state;
	if (pt_backend != PCSIM_BACKEND_SIM)
		skip();
	struct scen s = armed_read();
	assert_string_equal(fails_as(&s, "uring-u1", PCSIM_INJECT_URING_STACK_WPQ, false, 100),
			    "U1");
}

/* A plugged io_read that issues twice: an armed read re-initialises its wpq while its callback
 * is outstanding (U1); a cached read posts a second CQE (one CQE per request). */
static int double_read(struct io_kiocb *req, bool force_nonblock)
{
	int ret = pcsim_uring_default_ops()->read(req, force_nonblock);
	if (ret == 0)
		ret = pcsim_uring_default_ops()->read(req, force_nonblock);
	return ret;
}

static void test_u1_double_issue(void **state)
{
	(void)state;
	if (pt_backend != PCSIM_BACKEND_SIM)
		skip();
	struct pcsim_uring_ops ops = { 0 };
	ops.read = double_read;
	struct scen s = base(4096);
	s.held = true;		/* the first issue always arms */
	s.ops = &ops;
	add_read(&s, 0, 4096, 4096);
	assert_string_equal(fails_as(&s, "uring-double-issue", 0, false, 100), "U1");
	struct scen c = base(4096);
	c.cached = true;
	c.ops = &ops;
	add_read(&c, 0, 4096, 4096);
	/* 6.18 keeps the iterator in the async data from prep: the second issue finds it used up
	 * and reports 0 bytes of the 4096 it moved (U6) before it can post a second CQE */
	assert_string_equal(fails_as(&c, "uring-double-cqe", 0, false, 100),
			    t_kernel == PCSIM_KERNEL_6_18 ? "U6" : "uring-cqe-count");
}

/* U3, the cancel half of B-14 (5.9-rc6): io_req_task_cancel() keeps the ctx reference taken
 * for it. The submitter arms a read of page 0 (locked by a holder) and exits without closing
 * its ring; the holder fills and unlocks the page after that, so the callback finds the task
 * exiting and queues the cancel to the io-wq manager. */
struct cancel_prog {
	struct pcsim_bdev bdev;
	struct address_space *m;
	struct page *page;
	struct pcsim_task *submitter;
	int fd;
	unsigned char buf[4096];
};

static void cancel_submitter(void *arg)
{
	struct cancel_prog *c = arg;
	struct pcsim_uring ring;
	if (pcsim_uring_queue_init(4, &ring, 0))
		return;
	struct io_uring_sqe *sqe = pcsim_uring_get_sqe(&ring);
	pcsim_uring_prep_read(sqe, c->fd, c->buf, 4096, 0);
	pcsim_uring_submit(&ring);
}

static void cancel_holder(void *arg)
{
	struct cancel_prog *c = arg;
	while (!pcsim_task_exited(c->submitter))
		pcsim_cpu_relax();
	SetPageUptodate(c->page);
	unlock_page(c->page);
}

static void cancel_setup(struct pcsim_world *w, void *arg)
{
	struct cancel_prog *c = arg;
	pcsim_bdev_init(&c->bdev, 1, false);
	c->m = pcsim_mapping_create(w, 9, 4096, &c->bdev, 0);
	c->page = pcsim_mapping_populate(c->m, 0, false, true);
	c->fd = pcsim_uring_open(w, c->m, 0);
	c->submitter = pcsim_task_create(w, "submitter", cancel_submitter, c, 0);
	pcsim_task_create(w, "holder", cancel_holder, c, 1);
}

static void test_u3_cancel_no_put(void **state)
{
	(void)state;
	if (pt_backend != PCSIM_BACKEND_SIM)
		skip();
	static struct cancel_prog c;
	struct pcsim_config cfg = pt_config(PCSIM_MEM_SC);
	struct pcsim_report r;
	memset(&c, 0, sizeof(c));
	cfg.inject = PCSIM_INJECT_URING_CANCEL_NO_PUT;
	assert_int_equal(pt_run("uring-cancel-no-put", cancel_setup, NULL, &c, &cfg,
				PCSIM_STRATEGY_PCT, 100, 0, 1, &r), 1);
	if (strcmp(r.what, "U3") || !strstr(r.message, "ended"))
		pt_print_report("uring-cancel-no-put", &r);
	assert_string_equal(r.what, "U3");
	assert_non_null(strstr(r.message, "ended"));
	pcsim_report_free(&r);
}

/* U4: the callback runs the retry itself, in the unlocker's context (the I/O's interrupt). */
static void test_u4_retry_in_callback(void **state)
{
	(void)state;
	if (pt_backend != PCSIM_BACKEND_SIM)
		skip();
	struct scen s = armed_read();
	assert_string_equal(fails_as(&s, "uring-u4", PCSIM_INJECT_URING_RETRY_IN_CALLBACK, false,
				     100), "U4");
}

/*
 * U5 where io-wq takes a request: B-13 with a read_iter that returns -EAGAIN under IOCB_WAITQ
 * for a page that is not uptodate (5.11's filemap_update_page() rule, a plugged page-cache
 * read): the armed attempt fails, the request is reissued to io-wq with the flag still set.
 * The per-step U5 catches it first; with the invariants off, io-wq's own check does. Without
 * B-13 the same read completes in io-wq.
 */
static long waitq_eagain_read(struct pcsim_kiocb *iocb, struct pcsim_iov_iter *iter, long written)
{
	if (iocb->ki_flags & IOCB_WAITQ) {
		struct page *p = find_get_page(iocb->mapping, (unsigned long)(iocb->ki_pos >> 12));
		bool uptodate = p && PageUptodate(p);
		if (p)
			put_page(p);
		if (!uptodate)
			return -EAGAIN;
	}
	return pcsim_pagecache_default_ops()->buffered_read(iocb, iter, written);
}

static void test_u5_b13_iowq(void **state)
{
	(void)state;
	if (pt_backend != PCSIM_BACKEND_SIM)
		skip();
	struct pcsim_pagecache_ops pc = { 0 };
	pc.buffered_read = waitq_eagain_read;
	struct scen s = armed_read();
	s.pc_ops = &pc;
	run_ok(&s, "uring-waitq-eagain", PCSIM_STRATEGY_PCT, 100, 0);
	assert_true(s.st.punted >= 1);
	struct pcsim_config cfg = pt_config(PCSIM_MEM_SC);
	struct pcsim_report r;
	pcsim_pagecache_config(&cfg)->wait_table_bits = 0;
	cfg.bugs = PCSIM_BUG(13);
	assert_int_equal(pt_run("uring-waitq-eagain", setup, finish, &s, &cfg, PCSIM_STRATEGY_PCT,
				100, 0, 1, &r), 1);
	assert_string_equal(r.what, "U5");
	assert_null(strstr(r.message, "io-wq"));	/* the per-step check */
	pcsim_report_free(&r);
	cfg.checks &= ~PCSIM_CHECK_INVARIANTS;
	assert_int_equal(pt_run("uring-waitq-eagain", setup, finish, &s, &cfg, PCSIM_STRATEGY_PCT,
				100, 0, 1, &r), 1);
	assert_string_equal(r.what, "U5");
	assert_non_null(strstr(r.message, "io-wq"));
	pcsim_report_free(&r);
}

/* U6: kiocb_done() forgets bytes_done (the result misses what the first attempt read); a
 * plugged page-cache read that returns one byte more than it moved the iterator. */
static long lying_read(struct pcsim_kiocb *iocb, struct pcsim_iov_iter *iter, long written)
{
	long ret = pcsim_pagecache_default_ops()->buffered_read(iocb, iter, written);
	if (ret > 1) {
		iter->done--;
		iter->count++;
	}
	return ret;
}

static void test_u6_bytes_done(void **state)
{
	(void)state;
	if (pt_backend != PCSIM_BACKEND_SIM)
		skip();
	struct scen s = split_read();
	assert_string_equal(fails_as(&s, "uring-u6", PCSIM_INJECT_URING_NO_BYTES_DONE, false, 200),
			    "U6");
	struct pcsim_pagecache_ops pc = { 0 };
	pc.buffered_read = lying_read;
	struct scen c = base(4096);
	c.cached = true;
	c.pc_ops = &pc;
	add_read(&c, 0, 4096, 4096);
	assert_string_equal(fails_as(&c, "uring-u6-lying-read", 0, false, 10), "U6");
}

/* U8: io_read() reports the short count when its retry arms, leaving the callback armed. */
static void test_u8_complete_armed(void **state)
{
	(void)state;
	if (pt_backend != PCSIM_BACKEND_SIM)
		skip();
	struct scen s = split_read();
	assert_string_equal(fails_as(&s, "uring-u8", PCSIM_INJECT_URING_COMPLETE_ARMED, false, 200),
			    "U8");
}

/* Every byte a read reports is the file's: a plugged page-cache read that flips the last byte
 * it copies. */
static long corrupt_read(struct pcsim_kiocb *iocb, struct pcsim_iov_iter *iter, long written)
{
	long ret = pcsim_pagecache_default_ops()->buffered_read(iocb, iter, written);
	if (ret > 0)
		iter->buf[iter->done - 1] ^= 0xff;
	return ret;
}

static void test_data_checked(void **state)
{
	(void)state;
	if (pt_backend != PCSIM_BACKEND_SIM)
		skip();
	struct pcsim_pagecache_ops pc = { 0 };
	pc.buffered_read = corrupt_read;
	struct scen c = base(4096);
	c.cached = true;
	c.pc_ops = &pc;
	add_read(&c, 0, 4096, 4096);
	assert_string_equal(fails_as(&c, "uring-data", 0, false, 10), "uring-data");
}

/*
 * What the ring's exit checks: a request that never completes is reported as uring-leak once
 * the exit waits for it with nothing left that could complete it; a retry run twice (a
 * plugged io_req_task_submit) finds its request freed: uring-use-after-free; the callback of a
 * request completed while armed (the U8 mutant with the invariants off) takes a reference of a
 * freed request, which refcount_t reports; a request completed twice (the plugged io_read
 * issuing twice, invariants off) is freed twice or underflows its references.
 */
static void twice_task_submit(struct pcsim_callback_head *cb)
{
	pcsim_uring_default_ops()->task_submit(cb);
	pcsim_uring_default_ops()->task_submit(cb);
}

static int no_complete_read(struct io_kiocb *req, bool force_nonblock)
{
	(void)req;
	(void)force_nonblock;
	return 0;	/* "issued": the submission reference goes, the request never completes */
}

static void test_exit_checks(void **state)
{
	(void)state;
	if (pt_backend != PCSIM_BACKEND_SIM)
		skip();
	struct pcsim_uring_ops ops = { 0 };
	ops.read = no_complete_read;
	struct scen s = base(4096);
	s.cached = true;
	s.no_reap = true;
	s.ops = &ops;
	add_read(&s, 0, 4096, 4096);
	struct pcsim_config cfg = pt_config(PCSIM_MEM_SC);
	struct pcsim_report r;
	assert_int_equal(pt_run("uring-never-completes", setup, finish, &s, &cfg,
				PCSIM_STRATEGY_PCT, 10, 0, 1, &r), 1);
	assert_int_equal(r.outcome, PCSIM_OUTCOME_VIOLATION);
	assert_string_equal(r.what, "uring-leak");
	assert_non_null(strstr(r.message, "never freed"));
	pcsim_report_free(&r);

	struct pcsim_uring_ops tw = { 0 };
	tw.task_submit = twice_task_submit;
	struct scen t = armed_read();
	t.ops = &tw;
	assert_string_equal(fails_as(&t, "uring-retry-twice", 0, false, 100),
			    "uring-use-after-free");

	struct scen u = split_read();
	assert_string_equal(fails_as(&u, "uring-armed-freed", PCSIM_INJECT_URING_COMPLETE_ARMED,
				     true, 200), "refcount");

	ops.read = double_read;
	struct scen c = base(4096);
	c.cached = true;
	c.ops = &ops;
	add_read(&c, 0, 4096, 4096);
	const char *what = fails_as(&c, "uring-double-complete", 0, true, 10);
	assert_true(strcmp(what, "uring-double-free") == 0 || strstr(what, "refcount") != NULL);
}

/* The racing workload on real threads (TSan in the tsan preset). */
static void test_threads(void **state)
{
	(void)state;
	if (pt_backend != PCSIM_BACKEND_THREADS)
		skip();
	struct scen s = racing(2);
	run_ok(&s, "uring-threads", PCSIM_STRATEGY_RANDOM, 100, 0);
}

int main(int argc, char **argv)
{
	for (int i = 1; i + 1 < argc; i++) {
		if (strcmp(argv[i], "--kernel") != 0)
			continue;
		if (strcmp(argv[i + 1], "6.18") == 0)
			t_kernel = PCSIM_KERNEL_6_18;
		else if (strcmp(argv[i + 1], "5.10") != 0)
			return 2;
		memmove(&argv[i], &argv[i + 2], (size_t)(argc - i - 1) * sizeof(*argv));
		argc -= 2;
		break;
	}
	pt_init(argc, argv);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nop),
		cmocka_unit_test(test_read_cached),
		cmocka_unit_test(test_read_rasync),
		cmocka_unit_test(test_rasync_dfs_explore),
		cmocka_unit_test(test_modes_same_cqes),
		cmocka_unit_test(test_no_rasync_punts),
		cmocka_unit_test(test_rwf_nowait),
		cmocka_unit_test(test_b04_nowait_armed),
		cmocka_unit_test(test_file_position),
		cmocka_unit_test(test_link_failure),
		cmocka_unit_test(test_cq_overflow),
		cmocka_unit_test(test_racing_pct_explore),
		cmocka_unit_test(test_racing_dfs_explore),
		cmocka_unit_test(test_plugged_callback),
		cmocka_unit_test(test_fadvise),
		cmocka_unit_test(test_builtin_programs),
		cmocka_unit_test(test_b16_found_by_pct),
		cmocka_unit_test(test_p6_reaches_ring),
		cmocka_unit_test(test_p6_fix_pct_explore),
		cmocka_unit_test(test_p6_fix_dfs1_soak),
		cmocka_unit_test(test_eventfd_clean_dfs_explore),
		cmocka_unit_test(test_eventfd_clean_dfs2_soak),
		cmocka_unit_test(test_zoo_b13_explore),
		cmocka_unit_test(test_zoo_b14_explore),
		cmocka_unit_test(test_zoo_b15_explore),
		cmocka_unit_test(test_zoo_general_explore),
		cmocka_unit_test(test_zoo_clean_dfs1_explore),
		cmocka_unit_test(test_zoo_clean_dfs2_soak),
		cmocka_unit_test(test_zoo_medians_soak),
		cmocka_unit_test(test_u1_stack_wpq),
		cmocka_unit_test(test_u1_double_issue),
		cmocka_unit_test(test_u3_cancel_no_put),
		cmocka_unit_test(test_u4_retry_in_callback),
		cmocka_unit_test(test_u5_b13_iowq),
		cmocka_unit_test(test_u6_bytes_done),
		cmocka_unit_test(test_u8_complete_armed),
		cmocka_unit_test(test_data_checked),
		cmocka_unit_test(test_exit_checks),
		cmocka_unit_test(test_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
