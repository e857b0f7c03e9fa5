// SPDX-License-Identifier: MIT
/*
 * Description: the device's interrupt coalescing (struct pcsim_bdev_params.irq_batch, setting
 * device_irq_batch; src/pagecache/bdev.c) and the two memory options of long timed runs
 * (req_cache, pcsim_explore_opts.no_choice_log). With a batch of N, one completion interrupt
 * ends at most N pages, never a page before its service is over, and fewer than N only when the
 * device has nothing left in service (so one read at a time is one interrupt per read); every
 * read still completes, in untimed exploration too, where completions fire in any order. The
 * default (one request per interrupt) is unchanged: one interrupt per read. The device's idle
 * latency (struct pcsim_bdev_params.idle_ns): a request that finds the device idle takes idle_ns
 * more, one that finds it busy does not; untimed exploration draws nothing. With `--backend
 * threads` (registered as bdev_coalesce_threads, run under TSan with -L threads) the same program
 * runs on real threads, its completions on the libev completion threads racing with the readers'
 * submissions, and the same checks hold. No assertion depends on the host's speed: the sim side
 * reads virtual time, the threads side the drawn service times, not the host's timers.
 * Kernel reference: vring_interrupt -> virtblk_done draining every used buffer, then each
 * request's end_io (page_endio(), 5.10), in outline.
 * What to look for in the trace: "bio page N" events that end no page, then one that ends
 * several.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcsim_test.h"

#include <pcsim/kernel/compiler.h>
#include <pcsim/kernel/pagemap.h>
#include <pcsim/kernel/sched.h>

#define MAX_READS 256

static struct {
	struct pcsim_bdev_params params;
	unsigned qd, reads;
} P;

/* Written by the completion threads (observer) and the readers on the threads backend: atomics,
 * or one writer per slot. */
static struct {
	struct pcsim_bdev *bdev;
	unsigned nio, ok;
	uint64_t group[MAX_READS];	/* the interrupt that ended the page (io->irq) */
	uint64_t end_ns[MAX_READS], done_ns[MAX_READS];
	uint64_t service_ns[MAX_READS];
	bool idle[MAX_READS];
	/* copied at the end of the execution: the device lives in the world's memory */
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
	S.service_ns[i] = io->service_ns;
	S.idle[i] = io->idle;
	S.group[i] = io->irq;
	S.end_ns[i] = pcsim_now_ns();
	S.done_ns[i] = io->complete_ns;
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

static void co_setup(struct pcsim_world *w, void *arg)
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

/* Every read ended once and uptodate; no interrupt ended more than the batch; no page ended
 * before its service was over. */
static void co_finish(struct pcsim_world *w, void *arg)
{
	(void)w;
	(void)arg;
	unsigned batch = S.bdev->irq_batch;	/* the program's, or the setting's */
	S.interrupts = S.bdev->interrupts;
	S.irq_batch = batch;
	PCSIM_CHECK(S.nio == P.reads, "co-count", "%u pages ended for %u reads", S.nio, P.reads);
	PCSIM_CHECK(S.ok == P.reads, "co-uptodate", "%u of %u pages uptodate", S.ok, P.reads);
	PCSIM_CHECK(S.bdev->interrupts <= P.reads, "co-irqs", "%llu interrupts for %u reads",
		    (unsigned long long)S.bdev->interrupts, P.reads);
	for (unsigned i = 0; i < S.nio; i++) {
		PCSIM_CHECK(S.end_ns[i] >= S.done_ns[i], "co-early", "page ended before its service");
		unsigned in_group = 0;
		for (unsigned j = 0; j < S.nio; j++)
			in_group += S.group[j] == S.group[i];
		PCSIM_CHECK(in_group <= batch, "co-batch", "one interrupt ended %u pages, batch %u",
			    in_group, batch);
	}
}

static int co_run(const struct pcsim_config *cfg, enum pcsim_strategy s, uint64_t seed,
		  uint64_t max, struct pcsim_report *r)
{
	struct pcsim_program prog = { "bdev-coalesce", co_setup, co_finish, NULL };
	struct pcsim_explore_opts o;
	pcsim_explore_opts_init(&o);
	o.strategy = s;
	o.seed = seed;
	o.max_executions = max;
	return pt_explore(&prog, cfg, &o, 0, r);
}

static struct pcsim_config timed_config(void)
{
	struct pcsim_config cfg = pt_config(PCSIM_MEM_SC);
	cfg.timed = true;
	cfg.max_steps = 50000000;
	return cfg;
}

static void set_program(unsigned batch, unsigned qd, unsigned reads)
{
	P.params = *pcsim_bdev_preset("perf-anchor");
	P.params.irq_batch = batch;
	P.qd = qd;
	P.reads = reads;
}

/* Timed, 16 readers on a 2-slot device: pages end in batches, far fewer interrupts than reads. */
static void test_timed_batches(void **state)
{
	(void)state;
	struct pcsim_config cfg = timed_config();
	struct pcsim_report r;
	for (unsigned batch = 2; batch <= 16; batch *= 2) {
		set_program(batch, 16, 128);
		assert_int_equal(co_run(&cfg, PCSIM_STRATEGY_RANDOM, batch, 1, &r), 0);
		pcsim_report_free(&r);
		print_message("batch %u: %llu interrupts for %u reads\n", batch,
			      (unsigned long long)S.interrupts, P.reads);
		/* with 16 reads in flight the device is idle only between the readers' rounds */
		assert_true(S.interrupts * batch <= 2 * P.reads);
		assert_true(S.interrupts >= P.reads / batch);
	}
}

/* One read at a time: the device is idle after each, so each is its own interrupt. */
static void test_qd1_one_interrupt_per_read(void **state)
{
	(void)state;
	struct pcsim_config cfg = timed_config();
	struct pcsim_report r;
	set_program(8, 1, 40);
	assert_int_equal(co_run(&cfg, PCSIM_STRATEGY_RANDOM, 1, 1, &r), 0);
	pcsim_report_free(&r);
	assert_int_equal(S.interrupts, P.reads);
}

/* The default (batch 1, and 0 meaning 1): one interrupt per read at any depth. */
static void test_default_unchanged(void **state)
{
	(void)state;
	struct pcsim_config cfg = timed_config();
	struct pcsim_report r;
	for (unsigned batch = 0; batch <= 1; batch++) {
		set_program(batch, 16, 64);
		assert_int_equal(co_run(&cfg, PCSIM_STRATEGY_RANDOM, 3, 1, &r), 0);
		pcsim_report_free(&r);
		assert_int_equal(S.interrupts, P.reads);
	}
}

/* Untimed exploration: completions fire in any order, every read still completes. */
static void test_untimed_exploration(void **state)
{
	(void)state;
	struct pcsim_config cfg = pt_config(PCSIM_MEM_SC);
	struct pcsim_report r;
	set_program(3, 4, 11);
	assert_int_equal(co_run(&cfg, PCSIM_STRATEGY_RANDOM, 1, 200, &r), 0);
	pcsim_report_free(&r);
	assert_int_equal(co_run(&cfg, PCSIM_STRATEGY_PCT, 2, 200, &r), 0);
	pcsim_report_free(&r);
}

/* The setting reaches every device of the world, over the program's own shape. */
static void test_setting_overrides(void **state)
{
	(void)state;
	struct pcsim_config cfg = timed_config();
	char err[256];
	assert_int_equal(pcsim_config_parse("device_irq_batch=4", &cfg, err, sizeof(err)), 0);
	struct pcsim_report r;
	set_program(1, 16, 64);
	assert_int_equal(co_run(&cfg, PCSIM_STRATEGY_RANDOM, 5, 1, &r), 0);
	pcsim_report_free(&r);
	assert_int_equal(S.irq_batch, 4);
	assert_true(S.interrupts < P.reads);
	assert_int_not_equal(pcsim_config_parse("device_irq_batch=0", &cfg, err, sizeof(err)), 0);
	assert_int_not_equal(pcsim_config_parse("device_irq_batch=2000", &cfg, err, sizeof(err)),
			     0);
}

/*
 * Idle latency, every request taking the mean (draws 1, no choice): at QD 1 every request finds
 * the device idle and takes mean + idle_ns; at QD 16 on 2 slots only those that find nothing in
 * service or queued do (the first, and any after the device drained), the others the mean.
 */
static void test_idle_latency(void **state)
{
	(void)state;
	struct pcsim_config cfg = timed_config();
	struct pcsim_report r;
	const uint64_t idle = 40000;
	for (unsigned batch = 1; batch <= 8; batch *= 8) {
		set_program(batch, 1, 20);
		P.params.draws = 1;
		P.params.idle_ns = idle;
		uint64_t mean = P.params.service_ns_mean;
		assert_int_equal(co_run(&cfg, PCSIM_STRATEGY_RANDOM, 7, 1, &r), 0);
		pcsim_report_free(&r);
		assert_int_equal(S.nio, P.reads);
		for (unsigned i = 0; i < S.nio; i++) {
			assert_true(S.idle[i]);
			assert_int_equal(S.service_ns[i], mean + idle);
			assert_true(S.end_ns[i] >= S.done_ns[i]);
		}
		set_program(batch, 16, 128);
		P.params.draws = 1;
		P.params.idle_ns = idle;
		assert_int_equal(co_run(&cfg, PCSIM_STRATEGY_RANDOM, 7, 1, &r), 0);
		pcsim_report_free(&r);
		unsigned nidle = 0;
		for (unsigned i = 0; i < S.nio; i++) {
			nidle += S.idle[i];
			assert_int_equal(S.service_ns[i], S.idle[i] ? mean + idle : mean);
		}
		print_message("batch %u, QD 16: %u of %u requests found the device idle\n", batch,
			      nidle, S.nio);
		assert_true(nidle >= 1);	/* the first one */
		assert_true(nidle * 4 < S.nio);
	}
}

/* Untimed: nothing is drawn, the idle latency included; the setting overrides the program. */
static void test_idle_latency_untimed_and_setting(void **state)
{
	(void)state;
	struct pcsim_config cfg = pt_config(PCSIM_MEM_SC);
	struct pcsim_report r;
	set_program(1, 2, 9);
	P.params.idle_ns = 40000;
	assert_int_equal(co_run(&cfg, PCSIM_STRATEGY_RANDOM, 1, 50, &r), 0);
	pcsim_report_free(&r);
	for (unsigned i = 0; i < S.nio; i++)
		assert_int_equal(S.service_ns[i], 0);
	cfg = timed_config();
	pcsim_pagecache_config(&cfg)->device_idle_ns = 30000;
	set_program(1, 1, 10);
	P.params.draws = 1;
	P.params.idle_ns = 40000;
	assert_int_equal(co_run(&cfg, PCSIM_STRATEGY_RANDOM, 1, 1, &r), 0);
	pcsim_report_free(&r);
	assert_int_equal(S.nio, P.reads);
	for (unsigned i = 0; i < S.nio; i++)
		assert_int_equal(S.service_ns[i], P.params.service_ns_mean + 30000);
}

/* no_choice_log: refused where the log is replayed, accepted for a random run without them. */
static void test_no_choice_log_options(void **state)
{
	(void)state;
	struct pcsim_config cfg = timed_config();
	struct pcsim_program prog = { "bdev-coalesce", co_setup, co_finish, NULL };
	struct pcsim_explore_opts o;
	struct pcsim_report r;
	set_program(4, 8, 32);
	pcsim_explore_opts_init(&o);
	o.no_choice_log = true;
	o.strategy = PCSIM_STRATEGY_DFS;
	o.confirm = false;
	assert_int_equal(pcsim_explore(&prog, &cfg, &o, &r), -EINVAL);
	pcsim_report_free(&r);
	o.strategy = PCSIM_STRATEGY_RANDOM;
	o.confirm = true;
	assert_int_equal(pcsim_explore(&prog, &cfg, &o, &r), -EINVAL);
	pcsim_report_free(&r);
	o.confirm = false;
	o.max_executions = 2;
	assert_int_equal(pcsim_explore(&prog, &cfg, &o, &r), 0);
	assert_int_equal(r.outcome, PCSIM_OUTCOME_OK);
	assert_int_equal(r.executions, 2);
	pcsim_report_free(&r);
}

/* ---- the threads backend: one execution on real threads per run ---- */
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
	struct pcsim_program prog = { "bdev-coalesce", co_setup, co_finish, NULL };
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
	const struct CMUnitTest threads_tests[] = {
		cmocka_unit_test(test_threads_batches),
		cmocka_unit_test(test_threads_qd1),
		cmocka_unit_test(test_threads_idle_latency),
	};
	if (pt_backend == PCSIM_BACKEND_THREADS)
		return cmocka_run_group_tests_name("bdev_coalesce_threads", threads_tests, NULL,
						   NULL);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timed_batches),
		cmocka_unit_test(test_qd1_one_interrupt_per_read),
		cmocka_unit_test(test_default_unchanged),
		cmocka_unit_test(test_untimed_exploration),
		cmocka_unit_test(test_setting_overrides),
		cmocka_unit_test(test_no_choice_log_options),
		cmocka_unit_test(test_idle_latency),
		cmocka_unit_test(test_idle_latency_untimed_and_setting),
	};
	return cmocka_run_group_tests_name("bdev_coalesce", tests, NULL, NULL);
}
