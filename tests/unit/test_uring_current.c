// SPDX-License-Identifier: MIT
/*
 * Description: the ring at the other kernel profiles (src/uring_sim/, docs/uring-current.md):
 * 6.18's io_read (a RWF_NOWAIT read completes with what it copied, the descriptor and f_pos are
 * taken at issue, a bad descriptor inside a chain cancels only what is behind it), its short-read
 * rule by file type (block device retried, pipe not), IORING_SETUP_DEFER_TASKRUN (the retry runs
 * only when the submitter waits for completions) and its set-up flags; 5.8 (no async buffered
 * reads: to io-wq, short reads complete short) and 5.9 (short reads of any file retried: a pipe
 * read waits for good); the zoo entries B-18 and B-19 found by PCT in uring-b18 and uring-b19 at
 * kernel=6.18 and clean without them, at every profile where the program says so.
 * Kernel reference: io_uring/rw.c and io_uring/io_uring.c of 6.18 (S-RWnew in
 * docs/kernel-semantics.md §0.1), fs/io_uring.c of 5.8, 5.9 and 5.10.
 * What to look for in a trace: at kernel=6.18 "uring.arm ... armed: waits for the folio's
 * unlock", then "uring.retry" only after the submitter entered io_cqring_wait (DEFER_TASKRUN).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcsim_test.h"

#include <pcsim_support/programs.h>

#include <pcsim/kernel/compiler.h>
#include <pcsim/kernel/pagemap.h>
#include <pcsim/kernel/sched.h>
#include <pcsim/task.h>
#include <pcsim/uring.h>

#define FILE_ID 21
#define NPAGES 3
#define MAXQ 6

enum pg { ABSENT = 0, CACHED, IN_FLIGHT };

struct q {
	int64_t off;
	unsigned len;	/* 0 with nop: a NOP */
	bool nop, bad_fd, pipe, nowait;
	unsigned sqe_flags;
	long expect;
	long alt;	/* != 0: another result that is right too */
};

struct cur {
	/* configuration */
	enum pg page[NPAGES];
	unsigned ring_flags;
	bool bdev;
	size_t pipe_bytes;
	unsigned nq;
	struct q q[MAXQ];
	int submit_expect;	/* SQEs the submit call consumes (0: all) */
	/* state */
	struct pcsim_bdev dev;
	struct pcsim_address_space *m;
	int fd, pipe_fd;
	unsigned char buf[MAXQ][NPAGES * 4096];
	struct pcsim_uring_stats st;
};

static void cur_task(void *arg)
{
	struct cur *c = arg;
	struct pcsim_uring ring;
	int ret = pcsim_uring_queue_init(8, &ring, c->ring_flags);
	PCSIM_CHECK(ret == 0, "test", "queue_init: %d", ret);
	if (ret)
		return;
	for (unsigned i = 0; i < c->nq; i++) {
		struct q *q = &c->q[i];
		struct io_uring_sqe *sqe = pcsim_uring_get_sqe(&ring);
		if (q->nop)
			pcsim_uring_prep_nop(sqe);
		else
			pcsim_uring_prep_read(sqe, q->bad_fd ? 60 : q->pipe ? c->pipe_fd : c->fd,
					      c->buf[i], q->len, (uint64_t)q->off);
		sqe->rw_flags = q->nowait ? RWF_NOWAIT : 0;
		pcsim_uring_sqe_set_flags(sqe, q->sqe_flags);
		pcsim_uring_sqe_set_data64(sqe, i);
	}
	unsigned want = c->submit_expect ? (unsigned)c->submit_expect : c->nq;
	ret = pcsim_uring_submit(&ring);
	PCSIM_CHECK(ret == (int)want, "test", "submit: %d of %u", ret, want);
	bool seen[MAXQ] = { false };
	for (unsigned k = 0; k < want; k++) {
		struct io_uring_cqe *cqe;
		PCSIM_CHECK(pcsim_uring_wait_cqe(&ring, &cqe) == 0, "test", "wait_cqe");
		uint64_t i = cqe->user_data;
		PCSIM_CHECK(i < c->nq && !seen[i], "test", "CQE %llu", (unsigned long long)i);
		seen[i] = true;
		PCSIM_CHECK(cqe->res == c->q[i].expect || (c->q[i].alt && cqe->res == c->q[i].alt),
			    "uring-cqe",
			    "SQE %llu: res %d, expected %ld", (unsigned long long)i, cqe->res,
			    c->q[i].expect);
		for (int b = 0; b < cqe->res && !c->q[i].pipe; b++) {
			uint64_t off = (uint64_t)(c->q[i].off + b);
			PCSIM_CHECK(c->buf[i][b] == pcsim_file_byte(FILE_ID, off), "read-data",
				    "SQE %llu byte %d", (unsigned long long)i, b);
		}
		pcsim_uring_cqe_seen(&ring, cqe);
	}
	pcsim_uring_queue_exit(&ring);
	pcsim_uring_stats(&ring, &c->st);
}

static void cur_setup(struct pcsim_world *w, void *arg)
{
	struct cur *c = arg;
	memset(&c->st, 0, sizeof(c->st));
	pcsim_bdev_init(&c->dev, 2, false);
	c->m = pcsim_mapping_create(w, FILE_ID, NPAGES * 4096, &c->dev, 0);
	c->m->fadv_random = true;
	for (unsigned i = 0; i < NPAGES; i++) {
		if (c->page[i] == CACHED)
			pcsim_mapping_populate(c->m, i, true, false);
		else if (c->page[i] == IN_FLIGHT)
			pcsim_readpage(c->m, pcsim_mapping_populate(c->m, i, false, true));
	}
	c->fd = pcsim_uring_open(w, c->m, c->bdev ? PCSIM_URING_O_BDEV : 0);
	c->pipe_fd = pcsim_uring_pipe(w, FILE_ID, c->pipe_bytes);
	pcsim_task_create(w, "submitter", cur_task, c, 0);
}

static struct pcsim_config kcfg(enum pcsim_kernel k)
{
	struct pcsim_config cfg = pt_config(PCSIM_MEM_SC);
	cfg.kernel = k;
	pcsim_pagecache_config(&cfg)->wait_table_bits = 0;
	return cfg;
}

/* @c at kernel @k: PCT, @max executions, clean. */
static void cur_ok(struct cur *c, const char *name, enum pcsim_kernel k, uint64_t max)
{
	struct pcsim_config cfg = kcfg(k);
	struct pcsim_report r;
	assert_int_equal(pt_run(name, cur_setup, NULL, c, &cfg, PCSIM_STRATEGY_PCT, max, 0, 0, &r),
			 0);
	pcsim_report_free(&r);
}

static struct q rd(int64_t off, unsigned len, long expect)
{
	return (struct q){ .off = off, .len = len, .expect = expect };
}

/* ------------------------------------------------------------------------------------------ */

/*
 * RWF_NOWAIT over a cached page then an absent one: 6.18 ends __io_read() at REQ_F_NOWAIT with
 * the short count - or, when the absent page's forced readahead (page_cache_sync_ra(), started
 * by that very read) is done before the read looks again, with both pages; 5.10 sends the short
 * read to its retry, which refuses NOWAIT: -EAGAIN.
 */
static void test_nowait_short(void **state)
{
	(void)state;
	struct cur c = { .page = { CACHED, ABSENT, CACHED }, .nq = 1 };
	c.q[0] = rd(0, 2 * 4096, 4096);
	c.q[0].alt = 2 * 4096;
	c.q[0].nowait = true;
	cur_ok(&c, "nowait-short-618", PCSIM_KERNEL_6_18, 20);
	assert_int_equal(c.st.armed, 0);
	assert_int_equal(c.st.punted, 0);
	c.q[0].expect = -EAGAIN;
	c.q[0].alt = 0;
	cur_ok(&c, "nowait-short-510", PCSIM_KERNEL_5_10, 20);
}

/*
 * A bad descriptor in the middle of a chain: 6.18 looks it up at issue - the head reads, the
 * bad one fails -EBADF, the NOP behind it is cancelled, and submission takes all three; 5.10
 * fails it in io_init_req(): the head being built is cancelled and submission stops there.
 */
static void test_bad_fd_in_chain(void **state)
{
	(void)state;
	struct cur c = { .page = { CACHED, CACHED, CACHED }, .nq = 3 };
	c.q[0] = rd(0, 4096, 4096);
	c.q[0].sqe_flags = IOSQE_IO_LINK;
	c.q[1] = rd(0, 100, -EBADF);
	c.q[1].bad_fd = true;
	c.q[1].sqe_flags = IOSQE_IO_LINK;
	c.q[2] = (struct q){ .nop = true, .expect = -ECANCELED };
	cur_ok(&c, "bad-fd-chain-618", PCSIM_KERNEL_6_18, 20);
	c.q[0].expect = -ECANCELED;
	c.submit_expect = 2;
	cur_ok(&c, "bad-fd-chain-510", PCSIM_KERNEL_5_10, 20);
}

/*
 * 5.8: no async buffered reads. A read of a page being read goes to io-wq (nothing arms); a read
 * whose NOWAIT attempt copies a cached page and stops at one being read completes short - the
 * short-read retry came with 5.9 (227c0c9673d8).
 */
static void test_k58(void **state)
{
	(void)state;
	struct cur c = { .page = { IN_FLIGHT, CACHED, CACHED }, .nq = 1 };
	c.q[0] = rd(0, 4096, 4096);
	cur_ok(&c, "k58-punt", PCSIM_KERNEL_5_8, 50);
	assert_int_equal(c.st.armed, 0);
	assert_int_equal(c.st.callbacks, 0);
	struct cur d = { .page = { CACHED, ABSENT, CACHED }, .nq = 1 };
	d.q[0] = rd(0, 2 * 4096, 4096);
	cur_ok(&d, "k58-short", PCSIM_KERNEL_5_8, 50);
	assert_int_equal(d.st.armed, 0);
	assert_int_equal(d.st.punted, 0);
	d.q[0].expect = 2 * 4096;	/* 5.10 and 6.18 retry it */
	cur_ok(&d, "k510-short", PCSIM_KERNEL_5_10, 50);
	cur_ok(&d, "k618-short", PCSIM_KERNEL_6_18, 50);
}

/* A pipe holding 100 bytes read for 4096: 100 at 5.10 and 6.18 (not a regular file or a block
 * device); 5.9 retries it and its io-wq read waits for bytes that never come. */
static void test_pipe_short(void **state)
{
	(void)state;
	if (pt_backend != PCSIM_BACKEND_SIM)
		skip();
	struct cur c = { .page = { CACHED, CACHED, CACHED }, .nq = 1, .pipe_bytes = 100 };
	c.q[0] = rd(0, 4096, 100);
	c.q[0].pipe = true;
	cur_ok(&c, "pipe-618", PCSIM_KERNEL_6_18, 20);
	cur_ok(&c, "pipe-510", PCSIM_KERNEL_5_10, 20);
	struct pcsim_config cfg = kcfg(PCSIM_KERNEL_5_9);
	struct pcsim_report r;
	assert_int_equal(pt_run("pipe-59", cur_setup, NULL, &c, &cfg, PCSIM_STRATEGY_PCT, 20, 0, 1,
				&r), 1);
	assert_int_equal(r.outcome, PCSIM_OUTCOME_DEADLOCK);
	assert_non_null(strstr(r.message, "pipe_read"));
	pcsim_report_free(&r);
}

/* Set-up flags: only 6.18 takes them; DEFER_TASKRUN needs SINGLE_ISSUER. */
struct flags_case {
	int ret[4];
};

static void flags_task(void *arg)
{
	struct flags_case *f = arg;
	static const unsigned fl[4] = { IORING_SETUP_SINGLE_ISSUER, IORING_SETUP_DEFER_TASKRUN,
					IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
					IORING_SETUP_SQPOLL };
	for (unsigned i = 0; i < 4; i++) {
		struct pcsim_uring ring;
		f->ret[i] = pcsim_uring_queue_init(4, &ring, fl[i]);
		if (!f->ret[i])
			pcsim_uring_queue_exit(&ring);
	}
}

static void flags_setup(struct pcsim_world *w, void *arg)
{
	pcsim_task_create(w, "t", flags_task, arg, 0);
}

static void test_setup_flags(void **state)
{
	(void)state;
	struct flags_case f;
	struct pcsim_report r;
	struct pcsim_config cfg = kcfg(PCSIM_KERNEL_6_18);
	assert_int_equal(pt_run("flags-618", flags_setup, NULL, &f, &cfg, PCSIM_STRATEGY_RANDOM, 1,
				0, 0, &r), 0);
	pcsim_report_free(&r);
	assert_int_equal(f.ret[0], 0);
	assert_int_equal(f.ret[1], -EINVAL);
	assert_int_equal(f.ret[2], 0);
	assert_int_equal(f.ret[3], -EINVAL);
	cfg = kcfg(PCSIM_KERNEL_5_10);
	assert_int_equal(pt_run("flags-510", flags_setup, NULL, &f, &cfg, PCSIM_STRATEGY_RANDOM, 1,
				0, 0, &r), 0);
	pcsim_report_free(&r);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(f.ret[i], -EINVAL);
}

/*
 * DEFER_TASKRUN: a read of a page being read arms; the submitter waits until the callback has
 * fired, then crosses the syscall boundary (where task_work queued with TWA_SIGNAL runs): with
 * DEFER_TASKRUN nothing runs there and no CQE is ready; the retry runs in the wait for the CQE.
 * Without the flag the boundary runs the retry and the CQE is there.
 */
struct defer_case {
	struct pcsim_bdev dev;
	struct pcsim_address_space *m;
	int fd;
	unsigned flags;
	unsigned char buf[4096];
	struct pcsim_uring *ring;	/* the submitter's, once set up */
	bool cqe_before_wait, armed;
	int res;
	uint64_t retries_before_wait;
};

static void defer_task(void *arg)
{
	struct defer_case *d = arg;
	struct pcsim_uring ring;
	struct pcsim_uring_stats st;
	struct io_uring_cqe *cqe;
	if (pcsim_uring_queue_init(4, &ring, d->flags))
		return;
	__atomic_store_n(&d->ring, &ring, __ATOMIC_RELEASE);
	struct io_uring_sqe *sqe = pcsim_uring_get_sqe(&ring);
	pcsim_uring_prep_read(sqe, d->fd, d->buf, 4096, 0);
	pcsim_uring_submit(&ring);
	for (;;) {
		/* the callback fired, or the read completed inline (its page's I/O was done) */
		pcsim_uring_stats(&ring, &st);
		if (st.callbacks || st.completed)
			break;
		pcsim_cpu_relax();
	}
	d->armed = st.callbacks != 0;
	pcsim_return_to_user();
	pcsim_uring_stats(&ring, &st);
	d->retries_before_wait = st.retries;
	d->cqe_before_wait = pcsim_uring_peek_cqe(&ring, &cqe) == 0;
	if (pcsim_uring_wait_cqe(&ring, &cqe) == 0) {
		d->res = cqe->res;
		pcsim_uring_cqe_seen(&ring, cqe);
	}
	__atomic_store_n(&d->ring, NULL, __ATOMIC_RELEASE);
	pcsim_uring_queue_exit(&ring);
}

/* The page is locked, not uptodate, with no read submitted: this task submits it once the
 * ring's read has armed on it. */
static void defer_filler(void *arg)
{
	struct defer_case *d = arg;
	struct pcsim_uring_stats st;
	for (;;) {
		struct pcsim_uring *ring = __atomic_load_n(&d->ring, __ATOMIC_ACQUIRE);
		if (ring) {
			pcsim_uring_stats(ring, &st);
			if (st.armed)
				break;
		}
		pcsim_cpu_relax();
	}
	struct page *page = find_get_page(d->m, 0);
	pcsim_readpage(d->m, page);
	put_page(page);
}

static void defer_setup(struct pcsim_world *w, void *arg)
{
	struct defer_case *d = arg;
	pcsim_bdev_init(&d->dev, 2, false);
	d->m = pcsim_mapping_create(w, FILE_ID, 4096, &d->dev, 0);
	d->m->fadv_random = true;
	pcsim_mapping_populate(d->m, 0, false, true);
	d->fd = pcsim_uring_open(w, d->m, 0);
	pcsim_task_create(w, "submitter", defer_task, d, 0);
	pcsim_task_create(w, "filler", defer_filler, d, 1);
}

static void defer_run(struct defer_case *d, unsigned flags, unsigned seed)
{
	memset(d, 0, sizeof(*d));
	d->flags = flags;
	struct pcsim_config cfg = kcfg(PCSIM_KERNEL_6_18);
	struct pcsim_explore_opts o;
	struct pcsim_report r;
	struct pcsim_program prog = { "defer-taskrun", defer_setup, NULL, d };
	pcsim_explore_opts_init(&o);
	o.strategy = PCSIM_STRATEGY_RANDOM;
	o.seed = seed;
	o.max_executions = 1;	/* the outcome below is of this one execution */
	assert_int_equal(pt_explore(&prog, &cfg, &o, 0, &r), 0);
	pcsim_report_free(&r);
}

static void test_defer_taskrun(void **state)
{
	(void)state;
	if (pt_backend != PCSIM_BACKEND_SIM)
		skip();
	struct defer_case d;
	unsigned armed = 0;
	for (unsigned seed = 1; seed <= 20; seed++) {
		defer_run(&d, IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN, seed);
		assert_int_equal(d.res, 4096);
		if (d.armed) {
			armed++;
			assert_false(d.cqe_before_wait);
			assert_int_equal(d.retries_before_wait, 0);
		}
		defer_run(&d, 0, seed);
		assert_int_equal(d.res, 4096);
		if (d.armed) {
			assert_true(d.cqe_before_wait);
			assert_int_equal(d.retries_before_wait, 1);
		}
	}
	assert_true(armed > 0);
	printf("DEFER_TASKRUN: %u of 20 executions armed the read\n", armed);
}

/* ------------------------------------------------------------------------------------------ */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* B-@bug in built-in @name at kernel=6.18: PCT finds it as @what within 10,000 executions for
 * seeds 1..@nseeds (the first confirmed by replay); prints the median. */
static void zoo618_found(const char *name, unsigned bug, unsigned nseeds, const char *what)
{
	const struct pcsim_builtin *b = pcsim_builtin_find(name);
	assert_non_null(b);
	uint64_t found[20];
	for (unsigned seed = 1; seed <= nseeds; seed++) {
		struct pcsim_config cfg = kcfg(PCSIM_KERNEL_6_18);
		cfg.bugs = PCSIM_BUG(bug);
		struct pcsim_explore_opts o;
		struct pcsim_report r;
		pcsim_explore_opts_init(&o);
		o.seed = seed;
		o.max_executions = 10000;
		o.confirm = seed == 1;
		assert_int_equal(pt_explore(&b->prog, &cfg, &o, 1, &r), 1);
		assert_string_equal(r.what, what);
		if (seed == 1)
			assert_true(r.confirmed);
		found[seed - 1] = r.failing_execution;
		pcsim_report_free(&r);
	}
	qsort(found, nseeds, sizeof(found[0]), cmp_u64);
	printf("B-%02u in %s (kernel=6.18) as %s: median %llu executions over %u seeds (max "
	       "%llu)\n", bug, name, what, (unsigned long long)found[(nseeds - 1) / 2], nseeds,
	       (unsigned long long)found[nseeds - 1]);
}

/* Built-in @name stays clean at kernel @k: @max PCT executions. */
static void builtin_clean(const char *name, enum pcsim_kernel k, uint64_t max)
{
	const struct pcsim_builtin *b = pcsim_builtin_find(name);
	assert_non_null(b);
	struct pcsim_config cfg = kcfg(k);
	struct pcsim_explore_opts o;
	struct pcsim_report r;
	pcsim_explore_opts_init(&o);
	o.max_executions = max;
	assert_int_equal(pt_explore(&b->prog, &cfg, &o, 0, &r), 0);
	pcsim_report_free(&r);
}

static void test_zoo_b18_b19(void **state)
{
	(void)state;
	if (pt_backend != PCSIM_BACKEND_SIM)
		skip();
	zoo618_found("uring-b18", 18, 5, "uring-cqe");
	zoo618_found("uring-b19", 19, 5, "U6");
	builtin_clean("uring-b18", PCSIM_KERNEL_6_18, 300);
	builtin_clean("uring-b19", PCSIM_KERNEL_6_18, 300);
	/* what the other profiles do by design (the programs' expectations say so) */
	builtin_clean("uring-b18", PCSIM_KERNEL_5_10, 100);
	builtin_clean("uring-b18", PCSIM_KERNEL_5_8, 100);
	builtin_clean("uring-b19", PCSIM_KERNEL_5_10, 100);
	builtin_clean("uring-b19", PCSIM_KERNEL_5_9, 100);
	/* the switches are 6.18's: at 5.10 they change nothing */
	const struct pcsim_builtin *b = pcsim_builtin_find("uring-b19");
	struct pcsim_config cfg = kcfg(PCSIM_KERNEL_5_10);
	cfg.bugs = PCSIM_BUG(18) | PCSIM_BUG(19);
	struct pcsim_explore_opts o;
	struct pcsim_report r;
	pcsim_explore_opts_init(&o);
	o.max_executions = 100;
	assert_int_equal(pt_explore(&b->prog, &cfg, &o, 0, &r), 0);
	pcsim_report_free(&r);
}

/* The ring's other built-ins at 6.18: clean, DFS at preemption bound 1 (scenario tier). */
static void test_builtins_618_dfs1_explore(void **state)
{
	(void)state;
	if (pt_backend != PCSIM_BACKEND_SIM)
		skip();
	static const char *const names[] = { "uring-b18", "uring-b19" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct pcsim_builtin *b = pcsim_builtin_find(names[i]);
		struct pcsim_config cfg = kcfg(PCSIM_KERNEL_6_18);
		struct pcsim_explore_opts o;
		struct pcsim_report r;
		pcsim_explore_opts_init(&o);
		o.strategy = PCSIM_STRATEGY_DFS;
		o.preemption_bound = 1;
		o.max_executions = 0;
		assert_int_equal(pt_explore(&b->prog, &cfg, &o, 0, &r), 0);
		printf("%s at kernel=6.18: clean, DFS bound 1, %llu executions\n", names[i],
		       (unsigned long long)r.executions);
		pcsim_report_free(&r);
	}
}

int main(int argc, char **argv)
{
	pt_init(argc, argv);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nowait_short),
		cmocka_unit_test(test_bad_fd_in_chain),
		cmocka_unit_test(test_k58),
		cmocka_unit_test(test_pipe_short),
		cmocka_unit_test(test_setup_flags),
		cmocka_unit_test(test_defer_taskrun),
		cmocka_unit_test(test_zoo_b18_b19),
		cmocka_unit_test(test_builtins_618_dfs1_explore),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
