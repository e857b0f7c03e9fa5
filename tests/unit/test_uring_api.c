// SPDX-License-Identifier: MIT
/*
 * Description: the calls of <pcsim/uring.h> that complete the liburing 2.3 surface: READV
 * (across EOF, across pages, more iovecs than UIO_FASTIOV, in every mode, RWF_NOWAIT on an
 * evicted page, the iovec array reused once submit returns, bad arrays), wait_cqe_timeout and
 * wait_cqes with a timeout (expiring, not expiring, fewer CQEs than asked, bad timespecs),
 * for_each_cqe, peek_batch_cqe and peek_cqe flushing the CQ overflow list, sq_ready and
 * sq_space_left, queue_init_io_params, and the file shim. Both backends.
 * Kernel reference: fs/io_uring.c of 5.10.13 (io_import_iovec, io_setup_async_rw,
 * io_cqring_wait; the timed wait is 5.11's IORING_ENTER_EXT_ARG), liburing 2.3's
 * src/include/liburing.h and src/queue.c. docs/uring.md maps each call.
 * What to look for in a trace: "uring.arm" then "uring.retry" for a readv whose bytes are
 * copied out to its iovecs from task_work; "timeout of T1" for an expiring wait.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "pcsim_test.h"

#include <pcsim/kernel/pagemap.h>
#include <pcsim/uring.h>

/* `--kernel 6.18` (stripped before pt_init): every case at that kernel profile. */
static enum pcsim_kernel t_kernel = PCSIM_KERNEL_5_10;

static struct pcsim_config t_config(enum pcsim_memmode mem)
{
	struct pcsim_config cfg = pt_config(mem);
	cfg.kernel = t_kernel;
	return cfg;
}
#define pt_config t_config

#define FILE_ID 7
#define MARK 0xee	/* what a buffer holds where nothing was read */

struct api;
typedef void (*body_fn)(struct api *a, struct pcsim_uring *ring);

struct api {
	/* configuration */
	uint64_t file_size;
	bool cached;			/* every page uptodate in the cache at the start */
	enum pcsim_uring_mode mode;
	unsigned entries, cq_entries;
	bool timed;
	body_fn body;
	unsigned arg;			/* a body's own parameter */
	/* per execution */
	struct pcsim_world *w;
	int fd;
	struct pcsim_address_space *m;
	unsigned char buf[4][3 * 4096];
	struct pcsim_uring_stats st;
	bool done;			/* the body ran to its end */
	/* across executions */
	unsigned outcome[2];		/* wait_cqe_timeout: [0] got the CQE, [1] -ETIME first */
};

/* The bytes of [@off, @off + @len) of the file are in @p. */
static void check_file_bytes(const struct api *a, const unsigned char *p, uint64_t off,
			     size_t len)
{
	for (size_t k = 0; k < len; k++)
		if (p[k] != pcsim_file_byte(FILE_ID, off + k)) {
			pcsim_fail("read-data", "byte %zu of a buffer for file offset %llu is wrong",
				   k, (unsigned long long)off);
			return;
		}
	(void)a;
}

static void check_untouched(const unsigned char *p, size_t len)
{
	for (size_t k = 0; k < len; k++)
		if (p[k] != MARK) {
			pcsim_fail("read-data", "byte %zu past the read's end was written", k);
			return;
		}
}

/* Submit what was prepared, wait for one CQE, return its res (and check its user_data). */
static int submit_wait_one(struct pcsim_uring *ring, uint64_t user_data)
{
	struct io_uring_cqe *cqe;
	int ret = pcsim_uring_submit(ring);
	PCSIM_CHECK(ret == 1, "api-test", "submit returned %d", ret);
	ret = pcsim_uring_wait_cqe(ring, &cqe);
	PCSIM_CHECK(ret == 0 && cqe, "api-test", "wait_cqe returned %d", ret);
	if (ret || !cqe)
		return INT_MIN;
	PCSIM_CHECK(cqe->user_data == user_data, "api-test", "CQE for %llu, expected %llu",
		    (unsigned long long)cqe->user_data, (unsigned long long)user_data);
	int res = cqe->res;
	pcsim_uring_cqe_seen(ring, cqe);
	return res;
}

static void submitter(void *arg)
{
	struct api *a = arg;
	struct pcsim_uring ring;
	struct pcsim_uring_params p = { .cq_entries = a->cq_entries, .mode = a->mode };
	int ret = pcsim_uring_queue_init_params(a->entries ? a->entries : 8, &ring, &p);
	PCSIM_CHECK(ret == 0, "api-test", "queue_init: %d", ret);
	if (ret)
		return;
	a->body(a, &ring);
	pcsim_uring_queue_exit(&ring);
	pcsim_uring_stats(&ring, &a->st);
	a->done = true;
}

static void setup(struct pcsim_world *w, void *arg)
{
	struct api *a = arg;
	a->w = w;
	a->done = false;
	memset(&a->st, 0, sizeof(a->st));
	memset(a->buf, MARK, sizeof(a->buf));
	a->fd = pcsim_uring_create_file(w, FILE_ID, a->file_size, 0);
	a->m = pcsim_uring_file_mapping(w, a->fd);
	if (!a->m)
		return;
	if (a->cached)
		for (unsigned long i = 0; i < (a->file_size + 4095) / 4096; i++)
			pcsim_mapping_populate(a->m, i, true, false);
	pcsim_task_create(w, "submitter", submitter, a, 0);
}

static void finish(struct pcsim_world *w, void *arg)
{
	(void)w;
	struct api *a = arg;
	PCSIM_CHECK(a->done, "api-test", "the submitter did not finish");
}

static int run(struct api *a, const char *name, enum pcsim_strategy strat, uint64_t max,
	       unsigned bound, struct pcsim_report *r)
{
	struct pcsim_config cfg = pt_config(PCSIM_MEM_SC);
	cfg.timed = a->timed;
	return pt_run(name, setup, finish, a, &cfg, strat, max, bound, 0, r);
}

static void run_ok(struct api *a, const char *name, enum pcsim_strategy strat, uint64_t max)
{
	struct pcsim_report r;
	assert_int_equal(run(a, name, strat, max, 0, &r), 0);
	pcsim_report_free(&r);
}

static struct api base(uint64_t size, body_fn body)
{
	struct api a;
	memset(&a, 0, sizeof(a));
	a.file_size = size;
	a.body = body;
	return a;
}

/* ------------------------------------------------------------------------------------------
 * READV
 */

/*
 * Three iovecs (100, 5000 and 9000 bytes) from offset 50 of a file of two pages and 1000 bytes:
 * the read crosses three pages and ends at EOF, short (9142 of 14100); each iovec holds its
 * part of the file and nothing is written past EOF's byte. Then a readv wholly past EOF: 0.
 */
static void body_readv_eof(struct api *a, struct pcsim_uring *ring)
{
	struct iovec iov[3] = {
		{ a->buf[0], 100 }, { a->buf[1], 5000 }, { a->buf[2], 9000 },
	};
	struct io_uring_sqe *sqe = pcsim_uring_get_sqe(ring);
	pcsim_uring_prep_readv(sqe, a->fd, iov, 3, 50);
	pcsim_uring_sqe_set_data64(sqe, 1);
	int res = submit_wait_one(ring, 1);
	long expect = (long)a->file_size - 50;
	PCSIM_CHECK(res == expect, "api-test", "readv across EOF: res %d, expected %ld", res,
		    expect);
	check_file_bytes(a, a->buf[0], 50, 100);
	check_file_bytes(a, a->buf[1], 150, 5000);
	check_file_bytes(a, a->buf[2], 5150, (size_t)(expect - 5100));
	check_untouched(a->buf[2] + (expect - 5100), 9000 - (size_t)(expect - 5100));

	sqe = pcsim_uring_get_sqe(ring);
	pcsim_uring_prep_readv(sqe, a->fd, iov, 3, a->file_size + 10);
	pcsim_uring_sqe_set_data64(sqe, 2);
	res = submit_wait_one(ring, 2);
	PCSIM_CHECK(res == 0, "api-test", "readv past EOF: res %d", res);
}

static void test_readv_across_eof(void **state)
{
	(void)state;
	static const char *const names[] = { "readv-eof-rasync", "readv-eof-offload",
					     "readv-eof-sync" };
	for (int mode = PCSIM_URING_RASYNC; mode <= PCSIM_URING_SYNC; mode++) {
		struct api a = base(2 * 4096 + 1000, body_readv_eof);
		a.mode = (enum pcsim_uring_mode)mode;
		run_ok(&a, names[mode], PCSIM_STRATEGY_PCT, 100);
		if (mode == PCSIM_URING_RASYNC && pt_backend == PCSIM_BACKEND_SIM)
			assert_true(a.st.armed >= 1);	/* the bytes came from a retry */
		if (mode == PCSIM_URING_OFFLOAD)
			assert_int_equal(a.st.punted, 2);
	}
	struct api c = base(2 * 4096 + 1000, body_readv_eof);
	c.cached = true;
	run_ok(&c, "readv-eof-cached", PCSIM_STRATEGY_PCT, 50);
	assert_int_equal(c.st.armed, 0);	/* the short read's retry finds EOF at once */
	assert_int_equal(c.st.punted, 0);
}

/*
 * A position below zero other than -1 (the file position): rw_verify_area() in io_read() makes
 * it -EINVAL at issue, for READ and READV, inline and in io-wq; the buffer is not written, and
 * a read chained behind it is cancelled (the chain fails, as for any failed request).
 */
static void body_negative_pos(struct api *a, struct pcsim_uring *ring)
{
	struct iovec iov = { a->buf[1], 100 };
	struct io_uring_sqe *sqe = pcsim_uring_get_sqe(ring);
	pcsim_uring_prep_read(sqe, a->fd, a->buf[0], 100, (uint64_t)-2);
	pcsim_uring_sqe_set_flags(sqe, a->arg);
	pcsim_uring_sqe_set_data64(sqe, 1);
	int res = submit_wait_one(ring, 1);
	PCSIM_CHECK(res == -EINVAL, "api-test", "read at -2: res %d, expected -EINVAL", res);
	check_untouched(a->buf[0], 100);
	sqe = pcsim_uring_get_sqe(ring);
	pcsim_uring_prep_readv(sqe, a->fd, &iov, 1, (uint64_t)-4096);
	pcsim_uring_sqe_set_flags(sqe, a->arg | IOSQE_IO_LINK);
	pcsim_uring_sqe_set_data64(sqe, 2);
	sqe = pcsim_uring_get_sqe(ring);
	pcsim_uring_prep_read(sqe, a->fd, a->buf[2], 100, 0);
	pcsim_uring_sqe_set_data64(sqe, 3);
	res = pcsim_uring_submit(ring);
	PCSIM_CHECK(res == 2, "api-test", "submit of the chain returned %d", res);
	for (int i = 0; i < 2; i++) {
		struct io_uring_cqe *cqe;
		if (pcsim_uring_wait_cqe(ring, &cqe) || !cqe)
			break;
		if (cqe->user_data == 2)
			PCSIM_CHECK(cqe->res == -EINVAL, "api-test",
				    "readv at -4096: res %d, expected -EINVAL", cqe->res);
		else
			PCSIM_CHECK(cqe->res == -ECANCELED, "api-test",
				    "the linked read (%llu): res %d, expected -ECANCELED",
				    (unsigned long long)cqe->user_data, cqe->res);
		pcsim_uring_cqe_seen(ring, cqe);
	}
	check_untouched(a->buf[1], 100);
	check_untouched(a->buf[2], 100);
}

static void test_negative_position(void **state)
{
	(void)state;
	struct api a = base(4096, body_negative_pos);
	run_ok(&a, "negative-pos", PCSIM_STRATEGY_PCT, 50);
	struct api b = base(4096, body_negative_pos);
	b.arg = IOSQE_ASYNC;
	run_ok(&b, "negative-pos-async", PCSIM_STRATEGY_PCT, 50);
}

/*
 * Twenty iovecs (more than UIO_FASTIOV: the kernel's heap copy) of uneven sizes over three
 * pages not cached: armed, retried, every segment holds its bytes. IOSQE_ASYNC too (io-wq).
 */
static void body_readv_many(struct api *a, struct pcsim_uring *ring)
{
	struct iovec iov[20];
	size_t off = 0, total = 0;
	for (unsigned i = 0; i < 20; i++) {
		iov[i].iov_base = &a->buf[0][off];
		iov[i].iov_len = 100 + 37 * i;
		off += iov[i].iov_len;
	}
	total = off;
	struct io_uring_sqe *sqe = pcsim_uring_get_sqe(ring);
	pcsim_uring_prep_readv(sqe, a->fd, iov, 20, 10);
	pcsim_uring_sqe_set_flags(sqe, a->arg);
	pcsim_uring_sqe_set_data64(sqe, 3);
	int res = submit_wait_one(ring, 3);
	PCSIM_CHECK(res == (int)total, "api-test", "readv of 20 iovecs: res %d, expected %zu", res,
		    total);
	check_file_bytes(a, a->buf[0], 10, total);
}

static void test_readv_many_iovecs(void **state)
{
	(void)state;
	struct api a = base(3 * 4096, body_readv_many);
	run_ok(&a, "readv-many", PCSIM_STRATEGY_PCT, 100);
	struct api b = base(3 * 4096, body_readv_many);
	b.arg = IOSQE_ASYNC;
	run_ok(&b, "readv-many-async", PCSIM_STRATEGY_PCT, 100);
	assert_int_equal(b.st.punted, 1);
}

/*
 * RWF_NOWAIT: page 1 evicted (by the submitter, before its reads), pages 0 and 2 cached.
 * readv2(RWF_NOWAIT) of page 1 completes -EAGAIN; of pages 0-2 too (5.10.13: a NOWAIT read that
 * copied page 0 and then needed to wait completes -EAGAIN, docs/uring.md); of page 2 it reads.
 * None arms or goes to io-wq. A readv without the flag then reads page 1 in.
 */
static void body_readv_nowait(struct api *a, struct pcsim_uring *ring)
{
	int ret = pcsim_evict_page(a->m, 1);
	PCSIM_CHECK(ret == 0, "api-test", "evicting page 1: %d", ret);
	const struct {
		uint64_t off;
		size_t len;
		int flags;
		int expect;
		int alt618;	/* != 0: also right at 6.18 */
	} rq[] = {
		/* 6.18: the read's own forced readahead of the page (page_cache_sync_ra()) may be
		 * done before it looks again (docs/kernel-profiles.md) */
		{ 4096, 4096, RWF_NOWAIT, -EAGAIN, 4096 },
		/* 6.18 completes it with what it copied: REQ_F_NOWAIT ends __io_read() (or all
		 * three pages, page 1 read by the readahead above) */
		{ 0, 3 * 4096, RWF_NOWAIT, t_kernel == PCSIM_KERNEL_6_18 ? 4096 : -EAGAIN, 3 * 4096 },
		{ 2 * 4096, 4096, RWF_NOWAIT, 4096, 0 },
		{ 4096, 4096, 0, 4096, 0 },
	};
	for (unsigned i = 0; i < 4; i++) {
		/* two iovecs splitting the range unevenly */
		struct iovec iov[2] = { { a->buf[0], 1000 }, { a->buf[1], rq[i].len - 1000 } };
		memset(a->buf, MARK, sizeof(a->buf));
		struct io_uring_sqe *sqe = pcsim_uring_get_sqe(ring);
		pcsim_uring_prep_readv2(sqe, a->fd, iov, 2, rq[i].off, rq[i].flags);
		pcsim_uring_sqe_set_data64(sqe, 10 + i);
		int res = submit_wait_one(ring, 10 + i);
		PCSIM_CHECK(res == rq[i].expect || (t_kernel == PCSIM_KERNEL_6_18 && rq[i].alt618 &&
						    res == rq[i].alt618),
			    "api-test", "readv2 %u: res %d, expected %d", i, res, rq[i].expect);
		if (res > 0) {
			size_t got = (size_t)res;
			check_file_bytes(a, a->buf[0], rq[i].off, got < 1000 ? got : 1000);
			if (got > 1000)
				check_file_bytes(a, a->buf[1], rq[i].off + 1000, got - 1000);
		}
	}
}

static void test_readv_nowait_evicted(void **state)
{
	(void)state;
	struct api a = base(3 * 4096, body_readv_nowait);
	a.cached = true;
	run_ok(&a, "readv-nowait", PCSIM_STRATEGY_PCT, 100);
	assert_int_equal(a.st.punted, 0);
	if (pt_backend == PCSIM_BACKEND_SIM)
		assert_true(a.st.armed <= 1);	/* only the last read, without the flag */
	assert_int_equal(a.st.completed, 4);
}

/*
 * IORING_FEAT_SUBMIT_STABLE: the iovec array is the kernel's once submit returns. The user
 * wipes it right after submit (as liburing's submit-reuse test sets iov_base = NULL); the read
 * of pages not cached completes later - from task_work (rasync), in io-wq (IOSQE_ASYNC, the
 * offload mode) - and still fills the original buffers. A model that read the array at the
 * retry, or in the worker, would write nothing (or fault) and fail the byte check.
 */
static void body_readv_stable(struct api *a, struct pcsim_uring *ring)
{
	struct iovec iov[2] = { { a->buf[0], 4096 }, { a->buf[1], 4096 } };
	struct io_uring_sqe *sqe = pcsim_uring_get_sqe(ring);
	struct io_uring_cqe *cqe;
	pcsim_uring_prep_readv(sqe, a->fd, iov, 2, 0);
	pcsim_uring_sqe_set_flags(sqe, a->arg);
	pcsim_uring_sqe_set_data64(sqe, 5);
	int ret = pcsim_uring_submit(ring);
	PCSIM_CHECK(ret == 1, "api-test", "submit: %d", ret);
	memset(iov, 0, sizeof(iov));
	ret = pcsim_uring_wait_cqe(ring, &cqe);
	PCSIM_CHECK(ret == 0 && cqe->res == 8192, "api-test", "readv: %d, res %d", ret,
		    cqe ? cqe->res : 0);
	check_file_bytes(a, a->buf[0], 0, 4096);
	check_file_bytes(a, a->buf[1], 4096, 4096);
	pcsim_uring_cqe_seen(ring, cqe);
}

static void test_readv_submit_stable(void **state)
{
	(void)state;
	struct api a = base(2 * 4096, body_readv_stable);
	run_ok(&a, "readv-stable-rasync", PCSIM_STRATEGY_PCT, 100);
	if (pt_backend == PCSIM_BACKEND_SIM)
		assert_true(a.st.retries >= 1);
	struct api b = base(2 * 4096, body_readv_stable);
	b.arg = IOSQE_ASYNC;
	run_ok(&b, "readv-stable-async", PCSIM_STRATEGY_PCT, 100);
	struct api c = base(2 * 4096, body_readv_stable);
	c.mode = PCSIM_URING_OFFLOAD;
	run_ok(&c, "readv-stable-offload", PCSIM_STRATEGY_PCT, 100);
	assert_int_equal(c.st.punted, 1);
}

/* Bad arrays and flags complete with the kernel's errors; an empty array reads nothing. */
static void body_readv_errors(struct api *a, struct pcsim_uring *ring)
{
	static struct iovec big[UIO_MAXIOV + 1];
	struct iovec huge[1] = { { a->buf[0], (size_t)SSIZE_MAX + 1 } };
	struct iovec one[1] = { { a->buf[0], 10 } };
	struct {
		const struct iovec *iov;
		unsigned nr;
		int fd_delta, flags;
		int expect;
	} rq[] = {
		{ big, UIO_MAXIOV + 1, 0, 0, -EINVAL },
		{ NULL, 2, 0, 0, -EFAULT },
		{ one, 0, 0, 0, 0 },
		{ huge, 1, 0, 0, -EINVAL },
		{ one, 1, 0, RWF_HIPRI, -EOPNOTSUPP },
		{ one, 1, 30, 0, -EBADF },
		{ one, 1, 0, 0, 10 },
	};
	for (unsigned i = 0; i < sizeof(rq) / sizeof(rq[0]); i++) {
		struct io_uring_sqe *sqe = pcsim_uring_get_sqe(ring);
		pcsim_uring_prep_readv2(sqe, a->fd + rq[i].fd_delta, rq[i].iov, rq[i].nr, 0,
					rq[i].flags);
		pcsim_uring_sqe_set_data64(sqe, 20 + i);
		int res = submit_wait_one(ring, 20 + i);
		PCSIM_CHECK(res == rq[i].expect, "api-test", "readv %u: res %d, expected %d", i, res,
			    rq[i].expect);
	}
	check_file_bytes(a, a->buf[0], 0, 10);
}

static void test_readv_errors(void **state)
{
	(void)state;
	struct api a = base(4096, body_readv_errors);
	a.cached = true;
	run_ok(&a, "readv-errors", PCSIM_STRATEGY_RANDOM, 10);
}

/* ------------------------------------------------------------------------------------------
 * wait_cqe_timeout, wait_cqes
 */

/* Nothing in flight: the only way out of the wait is the timer, in every schedule. */
static void body_timeout_expires(struct api *a, struct pcsim_uring *ring)
{
	(void)a;
	struct __kernel_timespec ts = { .tv_sec = 0, .tv_nsec = 5 * 1000 * 1000 };
	struct io_uring_cqe *cqe = (void *)1;
	int ret = pcsim_uring_wait_cqe_timeout(ring, &cqe, &ts);
	PCSIM_CHECK(ret == -ETIME && cqe == NULL, "api-test",
		    "wait_cqe_timeout with nothing in flight: %d", ret);
}

static void test_wait_cqe_timeout_expires(void **state)
{
	(void)state;
	struct api a = base(4096, body_timeout_expires);
	struct pcsim_report r;
	if (pt_backend == PCSIM_BACKEND_SIM) {
		assert_int_equal(run(&a, "timeout-expires", PCSIM_STRATEGY_DFS, 0, 1, &r), 0);
		assert_true(r.exhausted);
		pcsim_report_free(&r);
	}
	a.timed = true;		/* virtual time runs to the expiry */
	run_ok(&a, "timeout-expires-timed", PCSIM_STRATEGY_RANDOM, 5);
}

/*
 * A CQE already there: returned at once, even with a zero timeout. Then wait_cqes for two CQEs
 * with one ready and nothing else in flight: the timeout ends the wait and, as liburing, the
 * ready one is returned (0), not -ETIME. Bad timespecs and a signal mask are refused.
 */
static void body_timeout_ready(struct api *a, struct pcsim_uring *ring)
{
	(void)a;
	struct __kernel_timespec zero = { 0, 0 }, ms = { 0, 1000 * 1000 };
	struct io_uring_cqe *cqe;
	pcsim_uring_prep_nop(pcsim_uring_get_sqe(ring));
	PCSIM_CHECK(pcsim_uring_submit(ring) == 1, "api-test", "submit");
	int ret = pcsim_uring_wait_cqe_timeout(ring, &cqe, &zero);
	PCSIM_CHECK(ret == 0 && cqe, "api-test", "a ready CQE with a zero timeout: %d", ret);
	ret = pcsim_uring_wait_cqes(ring, &cqe, 2, &ms, NULL);
	PCSIM_CHECK(ret == 0 && cqe, "api-test", "wait_cqes(2) with one ready: %d", ret);
	PCSIM_CHECK(pcsim_uring_cq_ready(ring) == 1, "api-test", "cq_ready %u",
		    pcsim_uring_cq_ready(ring));
	pcsim_uring_cqe_seen(ring, cqe);

	struct __kernel_timespec bad[3] = { { -1, 0 }, { 0, -1 }, { 0, 1000 * 1000 * 1000 } };
	for (int i = 0; i < 3; i++) {
		ret = pcsim_uring_wait_cqe_timeout(ring, &cqe, &bad[i]);
		PCSIM_CHECK(ret == -EINVAL, "api-test", "bad timespec %d: %d", i, ret);
	}
	int sigmask_stand_in = 0;
	ret = pcsim_uring_wait_cqes(ring, &cqe, 1, &ms, &sigmask_stand_in);
	PCSIM_CHECK(ret == -EINVAL, "api-test", "a sigmask: %d", ret);
}

static void test_wait_cqe_timeout_ready(void **state)
{
	(void)state;
	struct api a = base(4096, body_timeout_ready);
	run_ok(&a, "timeout-ready", PCSIM_STRATEGY_PCT, 50);
}

/*
 * A read of a page not cached, waited for with a timeout. In timed mode with a 10 s timeout and
 * the zero-latency device, the read always wins. Untimed, the expiry is an event the strategy
 * may fire at any step: some schedules see -ETIME first and then get the CQE with
 * wait_cqe; both outcomes are reached, and every schedule gets its CQE with the file's bytes.
 */
static void body_timeout_read(struct api *a, struct pcsim_uring *ring)
{
	struct __kernel_timespec ts = { .tv_sec = 10, .tv_nsec = 0 };
	struct io_uring_cqe *cqe;
	pcsim_uring_prep_read(pcsim_uring_get_sqe(ring), a->fd, a->buf[0], 4096, 0);
	PCSIM_CHECK(pcsim_uring_submit(ring) == 1, "api-test", "submit");
	int ret = pcsim_uring_wait_cqe_timeout(ring, &cqe, &ts);
	PCSIM_CHECK(ret == 0 || ret == -ETIME, "api-test", "wait_cqe_timeout: %d", ret);
	PCSIM_CHECK(ret == 0 || !a->timed, "api-test", "timed mode: expired before the read");
	a->outcome[ret == -ETIME]++;
	if (ret == -ETIME)
		ret = pcsim_uring_wait_cqe(ring, &cqe);
	PCSIM_CHECK(ret == 0 && cqe->res == 4096, "api-test", "the read: %d, res %d", ret,
		    ret ? 0 : cqe->res);
	check_file_bytes(a, a->buf[0], 0, 4096);
	pcsim_uring_cqe_seen(ring, cqe);
}

static void test_wait_cqe_timeout_read(void **state)
{
	(void)state;
	struct api a = base(4096, body_timeout_read);
	a.timed = true;
	run_ok(&a, "timeout-read-timed", PCSIM_STRATEGY_PCT, 50);
	assert_int_equal(a.outcome[1], 0);
	if (pt_backend != PCSIM_BACKEND_SIM)
		return;
	struct api b = base(4096, body_timeout_read);
	run_ok(&b, "timeout-read", PCSIM_STRATEGY_PCT, 200);
	assert_true(b.outcome[0] > 0);
	assert_true(b.outcome[1] > 0);
}

/* The same untimed, every schedule with at most one preemption (scenario tier). */
static void test_wait_cqe_timeout_read_explore(void **state)
{
	(void)state;
	if (pt_backend != PCSIM_BACKEND_SIM)
		skip();
	struct api b = base(4096, body_timeout_read);
	struct pcsim_report r;
	assert_int_equal(run(&b, "timeout-read-dfs", PCSIM_STRATEGY_DFS, 0, 1, &r), 0);
	assert_true(r.exhausted);
	pcsim_report_free(&r);
	assert_true(b.outcome[0] > 0);
	assert_true(b.outcome[1] > 0);
}

/*
 * The usual loop around a timed wait: four reads of pages not cached, and on -ETIME wait again.
 * Untimed, each new expiry may fire at any step; before the wait stepped aside after an expiry,
 * PCT fired every new one ahead of the device's completion and the run ended as a livelock
 * (1,000,000 steps) in its 17th execution (docs/porting-from-liburing.md).
 */
static void body_timeout_loop(struct api *a, struct pcsim_uring *ring)
{
	struct __kernel_timespec ts = { .tv_sec = 1, .tv_nsec = 0 };
	struct io_uring_cqe *cqe;
	unsigned seen = 0;
	for (unsigned i = 0; i < 4; i++)
		pcsim_uring_prep_read(pcsim_uring_get_sqe(ring), a->fd, a->buf[i], 4096, i * 4096);
	PCSIM_CHECK(pcsim_uring_submit(ring) == 4, "api-test", "submit");
	while (seen < 4) {
		int ret = pcsim_uring_wait_cqe_timeout(ring, &cqe, &ts);
		if (ret == -ETIME) {
			a->outcome[1]++;
			continue;
		}
		PCSIM_CHECK(ret == 0 && cqe->res == 4096, "api-test", "wait: %d", ret);
		if (ret)
			return;
		pcsim_uring_cqe_seen(ring, cqe);
		seen++;
	}
	for (unsigned i = 0; i < 4; i++)
		check_file_bytes(a, a->buf[i], i * 4096, 4096);
}

static void test_wait_timeout_loop(void **state)
{
	(void)state;
	struct api a = base(4 * 4096, body_timeout_loop);
	run_ok(&a, "timeout-loop", PCSIM_STRATEGY_PCT, 300);
	if (pt_backend == PCSIM_BACKEND_SIM)
		assert_true(a.outcome[1] > 0);	/* some schedules did time out */
}

/* ------------------------------------------------------------------------------------------
 * CQ iteration, batches, overflow, SQ accounting
 */
static void body_for_each(struct api *a, struct pcsim_uring *ring)
{
	(void)a;
	struct io_uring_cqe *cqe;
	unsigned head, n = 0;
	pcsim_uring_for_each_cqe(ring, head, cqe)
		n++;
	PCSIM_CHECK(n == 0, "api-test", "for_each_cqe on an empty CQ visited %u", n);
	for (unsigned i = 0; i < 5; i++) {
		struct io_uring_sqe *sqe = pcsim_uring_get_sqe(ring);
		pcsim_uring_prep_nop(sqe);
		pcsim_uring_sqe_set_data64(sqe, 100 + i);
	}
	int ret = pcsim_uring_submit_and_wait(ring, 5);
	PCSIM_CHECK(ret == 5, "api-test", "submit_and_wait: %d", ret);
	pcsim_uring_for_each_cqe(ring, head, cqe) {
		PCSIM_CHECK(cqe->user_data == 100 + n && cqe->res == 0, "api-test",
			    "CQE %u: user_data %llu", n, (unsigned long long)cqe->user_data);
		n++;
		if (n == 3)
			break;
	}
	pcsim_uring_cq_advance(ring, n);	/* three seen: two left */
	PCSIM_CHECK(pcsim_uring_cq_ready(ring) == 2, "api-test", "cq_ready %u after 3 of 5",
		    pcsim_uring_cq_ready(ring));
	n = 0;
	pcsim_uring_for_each_cqe(ring, head, cqe) {
		PCSIM_CHECK(pcsim_uring_cqe_get_data64(cqe) == 103 + n, "api-test", "CQE %u", n);
		n++;
	}
	PCSIM_CHECK(n == 2, "api-test", "second pass visited %u", n);
	pcsim_uring_cq_advance(ring, n);
	PCSIM_CHECK(pcsim_uring_cq_ready(ring) == 0, "api-test", "cq_ready at the end");
}

static void test_for_each_cqe(void **state)
{
	(void)state;
	struct api a = base(4096, body_for_each);
	run_ok(&a, "for-each-cqe", PCSIM_STRATEGY_PCT, 50);
	assert_int_equal(a.st.completed, 5);
}

/*
 * A CQ ring of four, eight NOPs without reaping: four CQEs overflow. peek_batch_cqe takes the
 * first four; once they are seen, it finds the ring empty, flushes the overflow list (liburing
 * 2.3 enters the kernel when IORING_SQ_CQ_OVERFLOW is set) and takes the other four; peek_cqe
 * does the same for a last overflowed one.
 */
static void nops(struct pcsim_uring *ring, unsigned n, uint64_t first)
{
	for (unsigned i = 0; i < n; i++) {
		struct io_uring_sqe *sqe = pcsim_uring_get_sqe(ring);
		pcsim_uring_prep_nop(sqe);
		pcsim_uring_sqe_set_data64(sqe, first + i);
	}
	int ret = pcsim_uring_submit(ring);
	PCSIM_CHECK(ret == (int)n, "api-test", "submit: %d of %u", ret, n);
}

static void body_overflow(struct api *a, struct pcsim_uring *ring)
{
	(void)a;
	struct io_uring_cqe *cqes[8];
	nops(ring, 4, 0);
	nops(ring, 4, 4);
	unsigned got = pcsim_uring_peek_batch_cqe(ring, cqes, 8);
	PCSIM_CHECK(got == 4, "api-test", "first batch: %u", got);
	for (unsigned i = 0; i < got; i++)
		PCSIM_CHECK(cqes[i]->user_data == i, "api-test", "first batch %u", i);
	pcsim_uring_cq_advance(ring, got);
	got = pcsim_uring_peek_batch_cqe(ring, cqes, 8);
	PCSIM_CHECK(got == 4, "api-test", "second batch (flushed from overflow): %u", got);
	for (unsigned i = 0; i < got; i++)
		PCSIM_CHECK(cqes[i]->user_data == 4 + i, "api-test", "second batch %u", i);
	pcsim_uring_cq_advance(ring, got);
	nops(ring, 4, 8);
	nops(ring, 1, 12);
	pcsim_uring_cq_advance(ring, 4);
	struct io_uring_cqe *cqe;
	int ret = pcsim_uring_peek_cqe(ring, &cqe);
	PCSIM_CHECK(ret == 0 && cqe->user_data == 12, "api-test", "peek after overflow: %d", ret);
	pcsim_uring_cqe_seen(ring, cqe);
	ret = pcsim_uring_peek_cqe(ring, &cqe);
	PCSIM_CHECK(ret == -EAGAIN && !cqe, "api-test", "peek on an empty CQ: %d", ret);
}

static void test_peek_overflow(void **state)
{
	(void)state;
	struct api a = base(4096, body_overflow);
	a.entries = 4;
	a.cq_entries = 4;
	run_ok(&a, "peek-overflow", PCSIM_STRATEGY_PCT, 50);
	assert_int_equal(a.st.overflowed, 5);
}

static void body_sq(struct api *a, struct pcsim_uring *ring)
{
	(void)a;
	PCSIM_CHECK(pcsim_uring_sq_space_left(ring) == 4 && pcsim_uring_sq_ready(ring) == 0,
		    "api-test", "empty SQ");
	for (int i = 0; i < 3; i++)
		pcsim_uring_prep_nop(pcsim_uring_get_sqe(ring));
	PCSIM_CHECK(pcsim_uring_sq_space_left(ring) == 1 && pcsim_uring_sq_ready(ring) == 3,
		    "api-test", "3 SQEs got: space %u ready %u", pcsim_uring_sq_space_left(ring),
		    pcsim_uring_sq_ready(ring));
	pcsim_uring_prep_nop(pcsim_uring_get_sqe(ring));
	PCSIM_CHECK(pcsim_uring_get_sqe(ring) == NULL, "api-test", "a fifth SQE of four");
	PCSIM_CHECK(pcsim_uring_submit_and_wait(ring, 4) == 4, "api-test", "submit");
	PCSIM_CHECK(pcsim_uring_sq_space_left(ring) == 4 && pcsim_uring_sq_ready(ring) == 0,
		    "api-test", "after submit: space %u", pcsim_uring_sq_space_left(ring));
	pcsim_uring_cq_advance(ring, 4);
}

static void test_sq_accounting(void **state)
{
	(void)state;
	struct api a = base(4096, body_sq);
	a.entries = 4;
	run_ok(&a, "sq-accounting", PCSIM_STRATEGY_RANDOM, 10);
}

/* ------------------------------------------------------------------------------------------
 * Set-up with liburing's params, the file shim
 */
static void body_params(struct api *a, struct pcsim_uring *ring)
{
	(void)ring;
	struct pcsim_uring r2;
	struct io_uring_params p;
	memset(&p, 0, sizeof(p));
	int ret = pcsim_uring_queue_init_io_params(3, &r2, &p);
	PCSIM_CHECK(ret == 0 && p.sq_entries == 4 && p.cq_entries == 8, "api-test",
		    "entries 3: %d, sq %u cq %u", ret, p.sq_entries, p.cq_entries);
	PCSIM_CHECK((p.features & IORING_FEAT_NODROP) && (p.features & IORING_FEAT_SUBMIT_STABLE) &&
			    !(p.features & IORING_FEAT_EXT_ARG),
		    "api-test", "features %#x", p.features);
	pcsim_uring_queue_exit(&r2);
	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_CQSIZE;
	p.cq_entries = 20;
	ret = pcsim_uring_queue_init_io_params(8, &r2, &p);
	PCSIM_CHECK(ret == 0 && p.sq_entries == 8 && p.cq_entries == 32, "api-test",
		    "CQSIZE 20: %d, cq %u", ret, p.cq_entries);
	pcsim_uring_queue_exit(&r2);
	static const struct {
		unsigned entries, flags, cq, resv;
		int expect;
	} bad[] = {
		{ 8, IORING_SETUP_SQPOLL, 0, 0, -EINVAL },
		{ 8, IORING_SETUP_CQSIZE, 0, 0, -EINVAL },
		{ 8, IORING_SETUP_CQSIZE, 4, 0, -EINVAL },
		{ 8, 0, 0, 1, -EINVAL },
		{ 0, 0, 0, 0, -EINVAL },
		{ 5000, 0, 0, 0, -EINVAL },
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&p, 0, sizeof(p));
		p.flags = bad[i].flags;
		p.cq_entries = bad[i].cq;
		p.resv[0] = bad[i].resv;
		ret = pcsim_uring_queue_init_io_params(bad[i].entries, &r2, &p);
		PCSIM_CHECK(ret == bad[i].expect, "api-test", "bad params %u: %d", i, ret);
	}
	ret = pcsim_uring_queue_init_io_params(8, &r2, NULL);
	PCSIM_CHECK(ret == -EFAULT, "api-test", "NULL params: %d", ret);
	PCSIM_CHECK(pcsim_uring_file_mapping(a->w, a->fd + 40) == NULL, "api-test", "bad fd");
}

static void test_queue_init_io_params(void **state)
{
	(void)state;
	struct api a = base(4096, body_params);
	run_ok(&a, "init-params", PCSIM_STRATEGY_RANDOM, 5);
}

static void shim_setup(struct pcsim_world *w, void *arg)
{
	int *res = arg;
	res[0] = pcsim_uring_create_file(w, 1, 4096, 0x80);
	res[1] = pcsim_uring_create_file(w, 1, 4096, PCSIM_URING_O_NO_RASYNC);
	res[2] = pcsim_uring_file_mapping(w, res[1]) != NULL;
	res[3] = (int)pcsim_uring_file_pos(w, res[1]);
	res[4] = pcsim_uring_create_file(w, 1, PCSIM_URING_FILE_MAX + 1, 0);
}

static void test_file_shim(void **state)
{
	(void)state;
	int res[5];
	struct pcsim_config cfg = pt_config(PCSIM_MEM_SC);
	struct pcsim_report r;
	assert_int_equal(pt_run("file-shim", shim_setup, NULL, res, &cfg, PCSIM_STRATEGY_RANDOM, 1,
				0, 0, &r),
			 0);
	pcsim_report_free(&r);
	assert_int_equal(res[0], -EINVAL);
	assert_true(res[1] >= 3);
	assert_int_equal(res[2], 1);
	assert_int_equal(res[3], 0);
	assert_int_equal(res[4], -EFBIG);
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
		cmocka_unit_test(test_readv_across_eof),
		cmocka_unit_test(test_negative_position),
		cmocka_unit_test(test_readv_many_iovecs),
		cmocka_unit_test(test_readv_nowait_evicted),
		cmocka_unit_test(test_readv_submit_stable),
		cmocka_unit_test(test_readv_errors),
		cmocka_unit_test(test_wait_cqe_timeout_expires),
		cmocka_unit_test(test_wait_cqe_timeout_ready),
		cmocka_unit_test(test_wait_cqe_timeout_read),
		cmocka_unit_test(test_wait_cqe_timeout_read_explore),
		cmocka_unit_test(test_wait_timeout_loop),
		cmocka_unit_test(test_for_each_cqe),
		cmocka_unit_test(test_peek_overflow),
		cmocka_unit_test(test_sq_accounting),
		cmocka_unit_test(test_queue_init_io_params),
		cmocka_unit_test(test_file_shim),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
