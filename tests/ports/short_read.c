// SPDX-License-Identifier: MIT
/*
 * Description: a port of liburing's test/short-read.c (liburing 2.3), re-implemented from its
 * behaviour against <pcsim/map/liburing.h>: a readv of one 4096-byte buffer at offset 0 of a
 * 1024-byte file must complete with res 1024 (the short read at EOF), reaped with
 * io_uring_wait_cqes(ring, &cqe, 1, NULL, NULL).
 *
 * What changed from the liburing program (docs/porting-from-liburing.md): the include; the file
 * set-up (pcsim_uring_create_file in the program's setup instead of writing and opening a real
 * file); main() became the task body short_read_main(), whose non-zero return is reported as a
 * violation; the ring is torn down with io_uring_queue_exit() (the original leaves that to the
 * process's exit). pcsim adds one check the original does not make: the 1024 bytes are the
 * file's.
 *
 * Runs: the page is not cached, so the read takes the async buffered read path (NOWAIT attempt,
 * armed callback, retry from task_work) while a "flusher" task evicts the page, as liburing's
 * submit-reuse test does with POSIX_FADV_DONTNEED; explored with PCT and DFS (every schedule
 * without preemption; with one, in the soak tier); and on the threads backend.
 *
 * What breaks it: a file of another size (test_short_read_fails_on_2048 shows the port's check
 * firing: res 2048); in the model, a retry that kept reading past EOF (res != 1024), a readv
 * that lost the bytes of its retry (the byte check), or a callback that never queued the retry
 * (the wait never ends: a deadlock naming io_cqring_wait).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "pcsim_test.h"

#include <pcsim/map/liburing.h>

#define BUF_SIZE 4096
#define FILE_SIZE 1024
#define FILE_ID 11

struct short_read {
	uint64_t file_size;	/* what the set-up creates (FILE_SIZE but in the negative test) */
	struct pcsim_address_space *m;
	int fd;
	unsigned char buf[BUF_SIZE];
};

/* The original's main(), from the ring's set-up on. */
static int short_read_main(struct short_read *s)
{
	int ret;
	struct io_uring ring;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	struct iovec vec;

	vec.iov_base = s->buf;
	vec.iov_len = BUF_SIZE;

	ret = io_uring_queue_init(32, &ring, 0);
	if (ret) {
		fprintf(stderr, "queue init failed: %d\n", ret);
		return 1;
	}
	sqe = io_uring_get_sqe(&ring);
	if (!sqe) {
		fprintf(stderr, "sqe get failed\n");
		return 1;
	}
	io_uring_prep_readv(sqe, s->fd, &vec, 1, 0);

	ret = io_uring_submit(&ring);
	if (ret != 1) {
		fprintf(stderr, "submit failed: %d\n", ret);
		return 1;
	}
	ret = io_uring_wait_cqes(&ring, &cqe, 1, NULL, NULL);
	if (ret) {
		fprintf(stderr, "wait_cqe failed: %d\n", ret);
		return 1;
	}
	if (cqe->res != FILE_SIZE) {
		fprintf(stderr, "Read failed: %d\n", cqe->res);
		return 1;
	}
	/* pcsim's addition: the bytes are the file's */
	for (int i = 0; i < FILE_SIZE; i++)
		if (s->buf[i] != pcsim_file_byte(FILE_ID, (uint64_t)i)) {
			fprintf(stderr, "byte %d is wrong\n", i);
			return 1;
		}
	io_uring_cqe_seen(&ring, cqe);
	io_uring_queue_exit(&ring);
	return 0;
}

static void submitter(void *arg)
{
	if (short_read_main(arg))
		pcsim_fail("port-short-read", "short-read.c returned 1");
}

/* The flusher: evicts the file's page whenever it can, racing the read. */
static void flusher(void *arg)
{
	struct short_read *s = arg;
	for (int i = 0; i < 2; i++)
		(void)pcsim_evict_page(s->m, 0);
}

/* The file set-up: a file of the model instead of t_create_file() and open(). */
static void setup(struct pcsim_world *w, void *arg)
{
	struct short_read *s = arg;
	memset(s->buf, 0, sizeof(s->buf));
	s->fd = pcsim_uring_create_file(w, FILE_ID, s->file_size, 0);
	s->m = pcsim_uring_file_mapping(w, s->fd);
	pcsim_task_create(w, "short-read", submitter, s, 0);
	pcsim_task_create(w, "flusher", flusher, s, 1);
}

static void test_short_read(void **state)
{
	(void)state;
	struct short_read s = { .file_size = FILE_SIZE };
	struct pcsim_config cfg = pt_config(PCSIM_MEM_SC);
	struct pcsim_report r;
	assert_int_equal(pt_run("port-short-read", setup, NULL, &s, &cfg, PCSIM_STRATEGY_PCT, 300,
				0, 0, &r),
			 0);
	pcsim_report_free(&r);
}

/* The port's check can fire: with a file of 2048 bytes the read returns 2048, not 1024. */
static void test_short_read_fails_on_2048(void **state)
{
	(void)state;
	if (pt_backend != PCSIM_BACKEND_SIM)
		skip();
	struct short_read s = { .file_size = 2 * FILE_SIZE };
	struct pcsim_config cfg = pt_config(PCSIM_MEM_SC);
	struct pcsim_report r;
	assert_int_equal(pt_run("port-short-read-2048", setup, NULL, &s, &cfg,
				PCSIM_STRATEGY_PCT, 10, 0, 1, &r),
			 1);
	assert_string_equal(r.what, "port-short-read");
	assert_int_equal(r.failing_execution, 1);
	pcsim_report_free(&r);
}

/* Every schedule without preemption (230 executions). */
static void dfs(unsigned bound)
{
	struct short_read s = { .file_size = FILE_SIZE };
	struct pcsim_config cfg = pt_config(PCSIM_MEM_SC);
	struct pcsim_report r;
	assert_int_equal(pt_run("port-short-read-dfs", setup, NULL, &s, &cfg, PCSIM_STRATEGY_DFS,
				0, bound, 0, &r),
			 0);
	assert_true(r.exhausted);
	pcsim_report_free(&r);
}

static void test_short_read_dfs0(void **state)
{
	(void)state;
	if (pt_backend != PCSIM_BACKEND_SIM)
		skip();
	dfs(0);
}

/* Every schedule with at most one preemption (soak tier: 3.5 minutes under asan). */
static void test_short_read_dfs1_soak(void **state)
{
	(void)state;
	if (pt_backend != PCSIM_BACKEND_SIM)
		skip();
	dfs(1);
}

int main(int argc, char **argv)
{
	pt_init(argc, argv);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_short_read),
		cmocka_unit_test(test_short_read_fails_on_2048),
		cmocka_unit_test(test_short_read_dfs0),
		cmocka_unit_test(test_short_read_dfs1_soak),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
