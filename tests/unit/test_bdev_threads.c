// SPDX-License-Identifier: MIT
/*
 * Description: the device model on the threads backend (run under TSan by `ctest --preset tsan
 * -L threads -R bdev`): interrupt coalescing (struct pcsim_bdev_params.irq_batch, setting
 * device_irq_batch) with completions on the libev completion threads, one per CPU, racing with
 * the readers' submissions: a finished request frees its slot at once, its page is ended by
 * the interrupt of the N-th finished request or sooner when nothing is left in service; so no
 * interrupt ends more than N pages, no page is ended before its service is over, every read
 * completes uptodate, one read at a time is one interrupt per read, and many readers share
 * interrupts. And the idle latency (idle_ns): a request that finds the device idle is delayed
 * by idle_ns more than one that finds it busy (the drawn times, not the host's timers, are
 * checked: no assertion depends on the host's speed).
 * Kernel reference: vring_interrupt -> virtblk_done draining every used buffer, then each
 * request's end_io (page_endio(), 5.10), in outline; src/pagecache/bdev.c.
 * What to look for in the trace: the threads backend records no trace; a failure names its
 * check ("th-count", "th-uptodate", "th-batch", "th-early").
 */
#include <stdio.h>
#include <string.h>

#include "pcsim_test.h"

#include <pcsim/kernel/compiler.h>
#include <pcsim/kernel/pagemap.h>

#define MAX_READS 128

static struct {
	struct pcsim_bdev_params params;
	unsigned qd, reads;
} P;

/* Written by the completion threads (observer) and the readers: atomics, or one writer each. */
static struct {
	struct pcsim_bdev *bdev;
	unsigned nio, ok;
	uint64_t group[MAX_READS], end_ns[MAX_READS], done_ns[MAX_READS];
	uint64_t service_ns[MAX_READS];
	bool idle[MAX_READS];
	uint64_t interrupts;
	unsigned irq_batch;
} S;

struct reader {
	struct address_space *m;
	struct page **pages;
	unsigned first;
};

static void observe(const struct pcsim_bdev_io *io, void *arg)
{
	(void)arg;
	unsigned i = __atomic_fetch_add(&S.nio, 1, __ATOMIC_RELAXED);
	if (i >= MAX_READS)
		return;
	S.group[i] = io->irq;
	S.end_ns[i] = pcsim_now_ns();
	S.done_ns[i] = io->complete_ns;
	S.service_ns[i] = io->service_ns;
	S.idle[i] = io->idle;
}

static void reader_fn(void *arg)
{
	struct reader *rd = arg;
	for (unsigned i = rd->first; i < P.reads; i += P.qd) {
		struct page *page = rd->pages[i];
		if (add_to_page_cache_lru(page, rd->m, i) == 0) {
			pcsim_readpage(rd->m, page);
			wait_on_page_locked(page);
			if (PageUptodate(page))
				__atomic_fetch_add(&S.ok, 1, __ATOMIC_RELAXED);
		}
		put_page(page);
	}
}

static void th_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	struct pcsim_bdev *bdev = pcsim_alloc(w, sizeof(*bdev));
	pcsim_bdev_init_params(bdev, &P.params);
	pcsim_bdev_set_observer(bdev, observe, NULL);
	memset(&S, 0, sizeof(S));
	S.bdev = bdev;
	struct address_space *m = pcsim_mapping_create(w, 5, (uint64_t)P.reads * PCSIM_PAGE_SIZE,
							bdev, 0);
	struct page **pages = pcsim_alloc(w, P.reads * sizeof(*pages));
	for (unsigned i = 0; i < P.reads; i++)
		pages[i] = pcsim_page_alloc(w);
	for (unsigned t = 0; t < P.qd; t++) {
		struct reader *rd = pcsim_alloc(w, sizeof(*rd));
		rd->m = m;
		rd->pages = pages;
		rd->first = t;
		pcsim_task_create(w, "reader", reader_fn, rd, -1);
	}
}

/* After every task and completion: every read ended once and uptodate, no interrupt ended more
 * than the batch, no page ended before its service was over. */
static void th_finish(struct pcsim_world *w, void *arg)
{
	(void)w;
	(void)arg;
	unsigned batch = S.bdev->irq_batch;
	S.interrupts = S.bdev->interrupts;
	S.irq_batch = batch;
	PCSIM_CHECK(S.nio == P.reads, "th-count", "%u pages ended for %u reads", S.nio, P.reads);
	PCSIM_CHECK(S.ok == P.reads, "th-uptodate", "%u of %u pages uptodate", S.ok, P.reads);
	for (unsigned i = 0; i < S.nio && i < MAX_READS; i++) {
		PCSIM_CHECK(S.end_ns[i] >= S.done_ns[i], "th-early",
			    "page ended before its service");
		unsigned in_group = 0;
		for (unsigned j = 0; j < S.nio && j < MAX_READS; j++)
			in_group += S.group[j] == S.group[i];
		PCSIM_CHECK(in_group <= batch, "th-batch", "one interrupt ended %u pages, batch %u",
			    in_group, batch);
	}
}

static void run(unsigned batch, unsigned qd, unsigned reads, uint64_t idle_ns, unsigned draws)
{
	P.params = *pcsim_bdev_preset("perf-anchor");
	P.params.irq_batch = batch;
	P.params.idle_ns = idle_ns;
	P.params.draws = draws;
	P.qd = qd;
	P.reads = reads;
	struct pcsim_config cfg;
	pcsim_config_init(&cfg);
	cfg.backend = PCSIM_BACKEND_THREADS;
	cfg.threads_timeout_ms = 60000;
	struct pcsim_program prog = { "bdev-threads", th_setup, th_finish, NULL };
	struct pcsim_explore_opts o;
	struct pcsim_report r;
	pcsim_explore_opts_init(&o);
	o.max_executions = 1;
	assert_int_equal(pt_explore(&prog, &cfg, &o, 0, &r), 0);
	assert_int_equal(r.outcome, PCSIM_OUTCOME_OK);
	pcsim_report_free(&r);
}

/* 16 readers on a 2-slot device, batch 4: pages end in groups of at most 4, and they do share
 * interrupts (the device is idle only between the readers' rounds). */
static void test_threads_batches(void **state)
{
	(void)state;
	for (unsigned rep = 0; rep < 3; rep++) {
		run(4, 16, 96, 0, 0);
		print_message("batch 4, QD 16: %llu interrupts for %u reads\n",
			      (unsigned long long)S.interrupts, P.reads);
		assert_int_equal(S.irq_batch, 4);
		assert_true(S.interrupts <= P.reads);
		assert_true(S.interrupts >= P.reads / 4);
		assert_true(S.interrupts < P.reads);
	}
}

/* One read at a time: nothing else is in service when it finishes, so each is its own. */
static void test_threads_qd1(void **state)
{
	(void)state;
	run(8, 1, 24, 0, 0);
	assert_int_equal(S.interrupts, P.reads);
}

/* The idle latency: at QD 1 every request finds the device idle (mean + idle_ns); at QD 16 the
 * ones that find it busy take the mean (draws 1: no spread). */
static void test_threads_idle_latency(void **state)
{
	(void)state;
	const uint64_t idle = 30000;
	run(4, 1, 16, idle, 1);
	uint64_t mean = P.params.service_ns_mean;
	for (unsigned i = 0; i < S.nio; i++) {
		assert_true(S.idle[i]);
		assert_int_equal(S.service_ns[i], mean + idle);
	}
	run(4, 16, 96, idle, 1);
	unsigned nidle = 0;
	for (unsigned i = 0; i < S.nio; i++) {
		nidle += S.idle[i];
		assert_int_equal(S.service_ns[i], S.idle[i] ? mean + idle : mean);
	}
	print_message("QD 16: %u of %u requests found the device idle\n", nidle, S.nio);
	assert_true(nidle >= 1 && nidle < S.nio);
}

int main(int argc, char **argv)
{
	pt_init(argc, argv);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threads_batches),
		cmocka_unit_test(test_threads_qd1),
		cmocka_unit_test(test_threads_idle_latency),
	};
	return cmocka_run_group_tests_name("bdev_threads", tests, NULL, NULL);
}
