// SPDX-License-Identifier: MIT
/*
 * Description: a port of liburing's test/cq-peek-batch.c (liburing 2.3), re-implemented from
 * its behaviour against <pcsim/map/liburing.h>: on a ring of four SQEs (eight CQEs),
 * io_uring_peek_batch_cqe() finds nothing before any submission; after four NOPs with
 * user_data 0-3 it returns exactly those four, in order; four more NOPs (4-7) are submitted, the
 * first four are consumed with io_uring_cq_advance(ring, 4), and the next batch is exactly 4-7.
 *
 * What changed from the liburing program (docs/porting-from-liburing.md): the include; main()
 * became the task body cq_peek_batch_main(), whose non-zero return is reported as a violation;
 * the last io_uring_cq_advance() consumes the four CQEs left where the original passes 8 (it
 * moves the CQ head past the tail, harmless there only because the ring is torn down next).
 * There is no file.
 *
 * What breaks it: a reaper that forgets the cq_advance before the second batch sees 0-3 again
 * (test_cq_peek_batch_fails_without_advance runs exactly that and expects the port's check to
 * fire); in the model, a CQ tail published before the CQE is written, or a peek that skipped
 * the head, would fail the user_data checks.
 */
#include <inttypes.h>
#include <stdio.h>

#include "pcsim_test.h"

#include <pcsim/map/liburing.h>

struct cq_peek_batch {
	bool forget_advance;	/* the negative test: no cq_advance before the second batch */
};

static int queue_n_nops(struct io_uring *ring, int n, int offset)
{
	struct io_uring_sqe *sqe;
	int i, ret;

	for (i = 0; i < n; i++) {
		sqe = io_uring_get_sqe(ring);
		if (!sqe) {
			printf("get sqe failed\n");
			return 1;
		}
		io_uring_prep_nop(sqe);
		sqe->user_data = (uint64_t)(i + offset);
	}
	ret = io_uring_submit(ring);
	if (ret < 0) {
		printf("sqe submit failed: %d\n", ret);
		return 1;
	}
	if (ret < n) {
		printf("Submitted only %d\n", ret);
		return 1;
	}
	return 0;
}

/* Peek a batch of up to @count into @cqes and check its size; on a mismatch, fail the port. */
#define CHECK_BATCH(ring, got, cqes, count, expected)					\
	do {										\
		got = io_uring_peek_batch_cqe((ring), cqes, count);			\
		if (got != (expected)) {						\
			printf("Got %u CQs, expected %d\n", got, (expected));		\
			goto err;							\
		}									\
	} while (0)

/* The original's main(). */
static int cq_peek_batch_main(const struct cq_peek_batch *c)
{
	struct io_uring_cqe *cqes[8];
	struct io_uring ring;
	int ret, i;
	unsigned got;

	ret = io_uring_queue_init(4, &ring, 0);
	if (ret) {
		printf("ring setup failed\n");
		return 1;
	}

	CHECK_BATCH(&ring, got, cqes, 4, 0);
	if (queue_n_nops(&ring, 4, 0))
		goto err;

	CHECK_BATCH(&ring, got, cqes, 4, 4);
	for (i = 0; i < 4; i++) {
		if ((uint64_t)i != cqes[i]->user_data) {
			printf("Got user_data %" PRIu64 ", expected %d\n",
			       (uint64_t)cqes[i]->user_data, i);
			goto err;
		}
	}

	if (queue_n_nops(&ring, 4, 4))
		goto err;

	if (!c->forget_advance)
		io_uring_cq_advance(&ring, 4);
	CHECK_BATCH(&ring, got, cqes, 4, 4);
	for (i = 0; i < 4; i++) {
		if ((uint64_t)(i + 4) != cqes[i]->user_data) {
			printf("Got user_data %" PRIu64 ", expected %d\n",
			       (uint64_t)cqes[i]->user_data, i + 4);
			goto err;
		}
	}

	io_uring_cq_advance(&ring, got);
	io_uring_queue_exit(&ring);
	return 0;
err:
	io_uring_queue_exit(&ring);
	return 1;
}

static void task(void *arg)
{
	if (cq_peek_batch_main(arg))
		pcsim_fail("port-cq-peek-batch", "cq-peek-batch.c returned 1");
}

static void setup(struct pcsim_world *w, void *arg)
{
	pcsim_task_create(w, "cq-peek-batch", task, arg, 0);
}

static void test_cq_peek_batch(void **state)
{
	(void)state;
	struct cq_peek_batch c = { .forget_advance = false };
	struct pcsim_config cfg = pt_config(PCSIM_MEM_SC);
	struct pcsim_report r;
	assert_int_equal(pt_run("port-cq-peek-batch", setup, NULL, &c, &cfg, PCSIM_STRATEGY_PCT,
				100, 0, 0, &r),
			 0);
	pcsim_report_free(&r);
}

/* The port's checks can fire: without the cq_advance the second batch is 0-3 again. */
static void test_cq_peek_batch_fails_without_advance(void **state)
{
	(void)state;
	if (pt_backend != PCSIM_BACKEND_SIM)
		skip();
	struct cq_peek_batch c = { .forget_advance = true };
	struct pcsim_config cfg = pt_config(PCSIM_MEM_SC);
	struct pcsim_report r;
	assert_int_equal(pt_run("port-cq-peek-batch-no-advance", setup, NULL, &c, &cfg,
				PCSIM_STRATEGY_PCT, 10, 0, 1, &r),
			 1);
	assert_string_equal(r.what, "port-cq-peek-batch");
	assert_int_equal(r.failing_execution, 1);
	pcsim_report_free(&r);
}

int main(int argc, char **argv)
{
	pt_init(argc, argv);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cq_peek_batch),
		cmocka_unit_test(test_cq_peek_batch_fails_without_advance),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
