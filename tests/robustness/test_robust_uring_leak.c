// SPDX-License-Identifier: MIT
/*
 * test_robust_uring_leak.c - a request that nothing will ever complete is reported as the leak
 * it is (uring-leak), at the step the ring's exit starts to wait for it for good, instead of as
 * a deadlock of the exit (src/uring_sim/checks.c, check_exit_leak()). The leak is made with the
 * ring's read plug point: a read that says it is under way (as after -EIOCBQUEUED) but arms
 * nothing. The same program with pcsim's own read exits clean, and a read left armed on a page
 * that is never unlocked is still a deadlock, not a leak.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <pcsim/pcsim.h>

static void assert_contains(const char *s, const char *want)
{
	if (!s || !strstr(s, want)) {
		print_error("expected '%s' in '%s'\n", want, s ? s : "(null)");
		fail();
	}
}

struct leak {
	struct pcsim_bdev bdev;
	struct pcsim_address_space *m;
	int fd;
	unsigned char buf[2][4096];
};

/*
 * The mutant read: returns 0, io_read()'s "issued: the completion follows" (what it returns
 * after its attempt said -EIOCBQUEUED), and neither completes nor arms anything.
 */
static int queued_but_not_armed(struct io_kiocb *req, bool force_nonblock)
{
	(void)req, (void)force_nonblock;
	return 0;
}

static void submitter(void *arg)
{
	struct leak *l = arg;
	struct pcsim_uring ring;
	if (pcsim_uring_queue_init(4, &ring, 0)) {
		pcsim_fail("uring", "queue_init failed");
		return;
	}
	for (unsigned i = 0; i < 2; i++) {
		struct io_uring_sqe *sqe = pcsim_uring_get_sqe(&ring);
		if (!sqe) {
			pcsim_fail("uring", "no SQE");
			return;
		}
		pcsim_uring_prep_read(sqe, l->fd, l->buf[i], 4096, 4096u * i);
		pcsim_uring_sqe_set_data64(sqe, 10 + i);
	}
	pcsim_uring_submit(&ring);
	pcsim_uring_queue_exit(&ring);	/* waits for what is in flight */
}

static bool mutant, page1_locked;

static void setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	struct leak *l = pcsim_alloc(w, sizeof(*l));
	pcsim_bdev_init(&l->bdev, 1, false);
	l->m = pcsim_mapping_create(w, 5, 2 * 4096, &l->bdev, 0);
	pcsim_mapping_populate(l->m, 0, true, false);
	/* page 1: cached, or locked for good (no I/O will ever unlock it) */
	pcsim_mapping_populate(l->m, 1, !page1_locked, page1_locked);
	l->fd = pcsim_uring_open(w, l->m, 0);
	if (mutant) {
		struct pcsim_uring_ops ops = *pcsim_uring_default_ops();
		ops.read = queued_but_not_armed;
		pcsim_uring_set_ops(w, &ops);
	}
	pcsim_task_create(w, "submitter", submitter, l, 0);
}

static int run(bool mut, bool locked, uint64_t n, struct pcsim_report *r)
{
	struct pcsim_config cfg;
	pcsim_config_init(&cfg);
	cfg.ncpus = 2;
	struct pcsim_explore_opts o;
	pcsim_explore_opts_init(&o);
	o.strategy = PCSIM_STRATEGY_RANDOM;
	o.max_executions = n;
	mutant = mut;
	page1_locked = locked;
	struct pcsim_program prog = { "uring-leak", setup, NULL, NULL };
	return pcsim_explore(&prog, &cfg, &o, r);
}

static void test_leak_reported_as_leak(void **state)
{
	(void)state;
	struct pcsim_report r;
	assert_int_equal(run(true, false, 20, &r), 1);
	if (strcmp(r.what, "uring-leak") != 0)
		print_error("%s (%s): %s\n", pcsim_outcome_name(r.outcome), r.what,
			    r.message ? r.message : "");
	assert_int_equal(r.outcome, PCSIM_OUTCOME_VIOLATION);
	assert_string_equal(r.what, "uring-leak");
	assert_contains(r.message, "request 1 (user_data 10) and others never freed");
	assert_contains(r.message, "waits for 2 request(s) that nothing can complete");
	pcsim_report_free(&r);
}

static void test_clean_exit(void **state)
{
	(void)state;
	struct pcsim_report r;
	assert_int_equal(run(false, false, 200, &r), 0);
	assert_int_equal(r.outcome, PCSIM_OUTCOME_OK);
	pcsim_report_free(&r);
}

/* An armed read whose page is never unlocked: the exit's wait is a real deadlock. */
static void test_armed_forever_is_a_deadlock(void **state)
{
	(void)state;
	struct pcsim_report r;
	assert_int_equal(run(false, true, 20, &r), 1);
	assert_int_equal(r.outcome, PCSIM_OUTCOME_DEADLOCK);
	pcsim_report_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_leak_reported_as_leak),
		cmocka_unit_test(test_clean_exit),
		cmocka_unit_test(test_armed_forever_is_a_deadlock),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
