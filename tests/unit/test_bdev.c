// SPDX-License-Identifier: MIT
/*
 * Description: the block-device model (src/pagecache/bdev.c): at most k requests in service,
 * FIFO start order, completions as choices with -EIO injectable, and the service-time
 * distribution of struct pcsim_bdev_params: drawn only in timed mode (untimed traces are those
 * of the zero-service device), never completed early, reproducible per seed, and the
 * "perf-anchor" preset's virtual-time QD 1 latency and QD 32 throughput inside the ranges
 * measured on the real disk (docs/pagecache.md, "The block device"). Virtual time is
 * deterministic: no assertion here depends on the host's speed.
 * Kernel reference: submit_bio() and the read end_io (page_endio(), 5.10) in outline.
 * What to look for in the trace: "bio page N" events, "latency" data choices (timed only),
 * "eio" data choices.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcsim_test.h"

#include <pcsim/kernel/compiler.h>
#include <pcsim/kernel/pagemap.h>
#include <pcsim/kernel/sched.h>

#define MAX_READS 4096

/* What one execution runs: @qd readers, @reads distinct pages between them. */
static struct {
	struct pcsim_bdev_params params;
	bool legacy;			/* pcsim_bdev_init(slots, eio) instead of params */
	unsigned qd, reads;
} P;

/* What the last execution saw. */
static struct {
	struct pcsim_bdev *bdev;
	struct pcsim_bdev_io io[MAX_READS];
	unsigned nio;			/* atomic on threads */
	unsigned ok, err;		/* pages found uptodate / PG_error by their readers */
} S;

/* Counts over a whole exploration. */
static unsigned runs_with_error, runs_without_error;

struct reader {
	struct address_space *m;
	struct page **pages;
	unsigned first;
};

static void observe(const struct pcsim_bdev_io *io, void *arg)
{
	(void)arg;
	unsigned i = __atomic_fetch_add(&S.nio, 1, __ATOMIC_RELAXED);
	if (i < MAX_READS)
		S.io[i] = *io;
}

static void reader_fn(void *arg)
{
	struct reader *rd = arg;
	for (unsigned i = rd->first; i < P.reads; i += P.qd) {
		struct page *page = rd->pages[i];
		if (add_to_page_cache_lru(page, rd->m, i) == 0) {
			pcsim_readpage(rd->m, page);
			wait_on_page_locked(page);
			if (PageError(page))
				__atomic_fetch_add(&S.err, 1, __ATOMIC_RELAXED);
			else if (PageUptodate(page))
				__atomic_fetch_add(&S.ok, 1, __ATOMIC_RELAXED);
		}
		put_page(page);
	}
}

/* Checked after every step (sim): the device never has more than k requests in service. */
static int slots_invariant(struct pcsim_world *w, void *arg)
{
	(void)w;
	struct pcsim_bdev *bdev = arg;
	PCSIM_CHECK(bdev->inflight <= bdev->slots, "bdev-slots", "%u requests in service, %u slots",
		    bdev->inflight, bdev->slots);
	return 0;
}

static void bd_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	struct pcsim_bdev *bdev = pcsim_alloc(w, sizeof(*bdev));
	if (P.legacy)
		pcsim_bdev_init(bdev, P.params.slots, P.params.eio);
	else
		pcsim_bdev_init_params(bdev, &P.params);
	pcsim_bdev_set_observer(bdev, observe, NULL);
	S.bdev = bdev;
	S.nio = S.ok = S.err = 0;
	const struct pcsim_config *cfg = pcsim_world_config(w);
	if (cfg->backend == PCSIM_BACKEND_SIM && (cfg->checks & PCSIM_CHECK_INVARIANTS))
		pcsim_invariant_register(w, "bdev-slots", slots_invariant, bdev);
	struct address_space *m = pcsim_mapping_create(w, 5, (uint64_t)P.reads * PCSIM_PAGE_SIZE,
							bdev, 0);
	/*
	 * The frames are allocated here, before any task runs. Besides keeping the readers short,
	 * this sets the page-cache layer up in setup: on the threads backend its first use must not
	 * come from two tasks at once.
	 */
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

static int cmp_ev(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;
	/* by time; at equal times a completion (odd) before a start (even) */
	return x[0] != y[0] ? (x[0] < y[0] ? -1 : 1) : (x[1] > y[1] ? -1 : x[1] < y[1]);
}

/*
 * End of an execution: every read completed once, started in submission order, never before
 * its service time, and at no moment more than k of the [start, complete) intervals overlap.
 */
static void bd_finish(struct pcsim_world *w, void *arg)
{
	(void)w;
	(void)arg;
	unsigned n = S.nio, slots = S.bdev->slots;
	PCSIM_CHECK(n == P.reads, "bdev-count", "%u completions for %u reads", n, P.reads);
	PCSIM_CHECK(S.ok + S.err == P.reads, "bdev-pages", "%u uptodate + %u error of %u", S.ok,
		    S.err, P.reads);
	static uint64_t ev[2 * MAX_READS][2];
	for (unsigned i = 0; i < n; i++) {
		const struct pcsim_bdev_io *io = &S.io[i];
		PCSIM_CHECK(io->start_seq == io->seq, "bdev-fifo",
			    "request %llu of submission order started as %llu",
			    (unsigned long long)io->seq, (unsigned long long)io->start_seq);
		PCSIM_CHECK(io->complete_ns >= io->start_ns + io->service_ns, "bdev-early",
			    "completion at %llu ns, started at %llu with %llu ns of service",
			    (unsigned long long)io->complete_ns, (unsigned long long)io->start_ns,
			    (unsigned long long)io->service_ns);
		PCSIM_CHECK(io->start_ns >= io->submit_ns, "bdev-order", "started before submitted");
		ev[2 * i][0] = io->start_ns;
		ev[2 * i][1] = 0;
		ev[2 * i + 1][0] = io->complete_ns;
		ev[2 * i + 1][1] = 1;
	}
	qsort(ev, 2 * n, sizeof(ev[0]), cmp_ev);
	unsigned busy = 0;
	for (unsigned i = 0; i < 2 * n; i++) {
		busy = ev[i][1] ? busy - 1 : busy + 1;
		PCSIM_CHECK(busy <= slots, "bdev-overlap", "%u requests in service at %llu ns", busy,
			    (unsigned long long)ev[i][0]);
	}
	if (S.err)
		runs_with_error++;
	else
		runs_without_error++;
}

static unsigned dfs_bound = 2;

static int bd_run(const struct pcsim_config *cfg, enum pcsim_strategy s, uint64_t seed,
		  uint64_t max, struct pcsim_report *r)
{
	struct pcsim_program prog = { "bdev", bd_setup, bd_finish, NULL };
	struct pcsim_explore_opts o;
	pcsim_explore_opts_init(&o);
	o.strategy = s;
	o.seed = seed;
	o.max_executions = max;
	o.preemption_bound = dfs_bound;
	return pt_explore(&prog, cfg, &o, 0, r);
}

static struct pcsim_config timed_config(void)
{
	struct pcsim_config cfg = pt_config(PCSIM_MEM_SC);
	cfg.timed = true;
	cfg.max_steps = 50000000;
	return cfg;
}

static void set_program(const struct pcsim_bdev_params *p, bool legacy, unsigned qd,
			unsigned reads)
{
	P.params = *p;
	P.legacy = legacy;
	P.qd = qd;
	P.reads = reads;
	runs_with_error = runs_without_error = 0;
}

/* Untimed: k slots respected at every step, FIFO starts, no service time, every strategy. */
static void test_untimed_slots_and_fifo(void **state)
{
	(void)state;
	struct pcsim_config cfg = pt_config(PCSIM_MEM_SC);
	struct pcsim_report r;
	for (unsigned slots = 1; slots <= 2; slots++) {
		struct pcsim_bdev_params p = { .slots = slots };
		set_program(&p, true, 3, 7);
		assert_int_equal(bd_run(&cfg, PCSIM_STRATEGY_RANDOM, 1, 300, &r), 0);
		pcsim_report_free(&r);
		assert_int_equal(bd_run(&cfg, PCSIM_STRATEGY_PCT, 2, 300, &r), 0);
		pcsim_report_free(&r);
		for (unsigned i = 0; i < S.nio; i++)
			assert_int_equal(S.io[i].service_ns, 0);
		/* exhaustively for a small case: 2 readers, 1 read each, one preemption */
		set_program(&p, true, 2, 2);
		dfs_bound = 1;
		assert_int_equal(bd_run(&cfg, PCSIM_STRATEGY_DFS, 1, 0, &r), 0);
		dfs_bound = 2;
		assert_true(r.exhausted);
		print_message("%u slot(s): DFS, %llu executions\n", slots,
			      (unsigned long long)r.executions);
		pcsim_report_free(&r);
	}
}

/*
 * Untimed exploration is unchanged by a service-time distribution: the perf-anchor device and
 * the zero-service device of pcsim_bdev_init() give byte-identical traces, seed by seed.
 */
static void test_untimed_ignores_service_time(void **state)
{
	(void)state;
	struct pcsim_config cfg = pt_config(PCSIM_MEM_SC);
	struct pcsim_report r;
	const struct pcsim_bdev_params *anchor = pcsim_bdev_preset("perf-anchor");
	assert_non_null(anchor);
	for (uint64_t seed = 1; seed <= 6; seed++) {
		enum pcsim_strategy s = seed % 2 ? PCSIM_STRATEGY_RANDOM : PCSIM_STRATEGY_PCT;
		uint64_t h[3];
		const struct pcsim_bdev_params instant = { .slots = anchor->slots };
		set_program(&instant, true, 4, 9);
		assert_int_equal(bd_run(&cfg, s, seed, 3, &r), 0);
		h[0] = r.trace_hash;
		pcsim_report_free(&r);
		set_program(pcsim_bdev_preset("instant"), false, 4, 9);
		assert_int_equal(bd_run(&cfg, s, seed, 3, &r), 0);
		h[1] = r.trace_hash;
		pcsim_report_free(&r);
		set_program(anchor, false, 4, 9);
		assert_int_equal(bd_run(&cfg, s, seed, 3, &r), 0);
		h[2] = r.trace_hash;
		pcsim_report_free(&r);
		for (unsigned i = 0; i < S.nio; i++)
			assert_int_equal(S.io[i].service_ns, 0);
		assert_true(h[0] == h[1]);
		assert_true(h[0] == h[2]);
	}
}

/* Timed: every request gets a drawn service time and no completion fires before it. */
static void test_timed_never_early(void **state)
{
	(void)state;
	struct pcsim_config cfg = timed_config();
	struct pcsim_report r;
	const struct pcsim_bdev_params *p = pcsim_bdev_preset("perf-anchor");
	for (uint64_t seed = 1; seed <= 3; seed++) {
		set_program(p, false, 8, 200);
		assert_int_equal(bd_run(&cfg, PCSIM_STRATEGY_RANDOM, seed, 1, &r), 0);
		pcsim_report_free(&r);
		uint64_t lo = UINT64_MAX, hi = 0;
		for (unsigned i = 0; i < S.nio; i++) {
			assert_true(S.io[i].service_ns >= p->service_ns_min);
			lo = S.io[i].service_ns < lo ? S.io[i].service_ns : lo;
			hi = S.io[i].service_ns > hi ? S.io[i].service_ns : hi;
		}
		assert_true(lo < p->service_ns_mean && hi > p->service_ns_mean);	/* a spread */
	}
	/* draws = 1: every request takes exactly the mean, and no latency choice is made */
	struct pcsim_bdev_params fixed = *p;
	fixed.draws = 1;
	set_program(&fixed, false, 3, 30);
	struct pcsim_explore_opts o;
	struct pcsim_program prog = { "bdev", bd_setup, bd_finish, NULL };
	pcsim_explore_opts_init(&o);
	o.max_executions = 1;
	o.keep_trace = true;
	assert_int_equal(pt_explore(&prog, &cfg, &o, 0, &r), 0);
	assert_non_null(r.schedule);
	assert_null(strstr(r.schedule, "latency"));
	pcsim_report_free(&r);
	for (unsigned i = 0; i < S.nio; i++)
		assert_int_equal(S.io[i].service_ns, p->service_ns_mean);
}

/* Same seed => same virtual completion times and trace; another seed => different ones. */
static void test_timed_seed_determinism(void **state)
{
	(void)state;
	struct pcsim_config cfg = timed_config();
	struct pcsim_report r;
	static uint64_t t[3][64];
	uint64_t h[3];
	const uint64_t seeds[3] = { 7, 7, 8 };
	for (int k = 0; k < 3; k++) {
		set_program(pcsim_bdev_preset("perf-anchor"), false, 4, 64);
		assert_int_equal(bd_run(&cfg, PCSIM_STRATEGY_RANDOM, seeds[k], 1, &r), 0);
		h[k] = r.trace_hash;
		pcsim_report_free(&r);
		assert_int_equal(S.nio, 64);
		for (unsigned i = 0; i < 64; i++)
			t[k][i] = S.io[i].complete_ns;
	}
	assert_true(h[0] == h[1]);
	assert_memory_equal(t[0], t[1], sizeof(t[0]));
	assert_true(h[0] != h[2]);
	assert_true(memcmp(t[0], t[2], sizeof(t[0])) != 0);
}

/* Mean latency and IOPS of the last execution, in virtual time. */
static void figures(double *mean_us, double *iops)
{
	uint64_t first = UINT64_MAX, last = 0;
	double sum = 0;
	for (unsigned i = 0; i < S.nio; i++) {
		sum += (double)(S.io[i].complete_ns - S.io[i].submit_ns);
		first = S.io[i].submit_ns < first ? S.io[i].submit_ns : first;
		last = S.io[i].complete_ns > last ? S.io[i].complete_ns : last;
	}
	*mean_us = sum / S.nio / 1e3;
	*iops = S.nio * 1e9 / (double)(last - first);
}

/*
 * The perf-anchor preset against the real disk (O_DIRECT, fio): QD 1 clat 19-27 us;
 * QD 32 40.6k-97.0k IOPS with clat 326-775 us. Virtual time: deterministic per seed.
 */
static void test_preset_within_anchor(void **state)
{
	(void)state;
	struct pcsim_config cfg = timed_config();
	struct pcsim_report r;
	double lat1, iops1, lat32, iops32;
	cfg.trace = false;
	cfg.checks = PCSIM_CHECK_NONE;	/* figures only; the checks run in the tests above */
	set_program(pcsim_bdev_preset("perf-anchor"), false, 1, 2000);
	assert_int_equal(bd_run(&cfg, PCSIM_STRATEGY_RANDOM, 1, 1, &r), 0);
	pcsim_report_free(&r);
	figures(&lat1, &iops1);
	set_program(pcsim_bdev_preset("perf-anchor"), false, 32, 4000);
	assert_int_equal(bd_run(&cfg, PCSIM_STRATEGY_RANDOM, 1, 1, &r), 0);
	pcsim_report_free(&r);
	figures(&lat32, &iops32);
	print_message("perf-anchor: QD 1 %.1f us %.0f IOPS; QD 32 %.1f us %.0f IOPS (%.2fx)\n", lat1,
		      iops1, lat32, iops32, iops32 / iops1);
	assert_true(lat1 >= 19 && lat1 <= 27);
	assert_true(iops32 >= 40600 && iops32 <= 97000);
	assert_true(lat32 >= 326 && lat32 <= 775);
	/* the device alone scales by its slots (the anchor's 2.5-3x adds host CPU at QD 1) */
	assert_true(iops32 / iops1 > 1.8 && iops32 / iops1 < 2.2);
}

/* -EIO stays an injectable data choice, untimed (exhaustively) and timed. */
static void test_eio_injectable(void **state)
{
	(void)state;
	struct pcsim_report r;
	struct pcsim_config cfg = pt_config(PCSIM_MEM_SC);
	struct pcsim_bdev_params p = { .slots = 2, .eio = true };
	set_program(&p, true, 1, 1);
	assert_int_equal(bd_run(&cfg, PCSIM_STRATEGY_DFS, 1, 0, &r), 0);
	assert_true(r.exhausted);
	pcsim_report_free(&r);
	assert_true(runs_with_error > 0 && runs_without_error > 0);

	struct pcsim_config tcfg = timed_config();
	struct pcsim_bdev_params pe = *pcsim_bdev_preset("perf-anchor");
	pe.eio = true;
	set_program(&pe, false, 2, 4);
	assert_int_equal(bd_run(&tcfg, PCSIM_STRATEGY_RANDOM, 3, 20, &r), 0);
	pcsim_report_free(&r);
	assert_true(runs_with_error > 0);
}

/* Threads backend: the drawn time is a real delay; every read completes (no host timing). */
static void test_threads_backend(void **state)
{
	(void)state;
	struct pcsim_config cfg = pt_config(PCSIM_MEM_SC);
	struct pcsim_report r;
	const struct pcsim_bdev_params *p = pcsim_bdev_preset("perf-anchor");
	cfg.backend = PCSIM_BACKEND_THREADS;
	set_program(p, false, 4, 32);
	assert_int_equal(bd_run(&cfg, PCSIM_STRATEGY_RANDOM, 1, 1, &r), 0);
	pcsim_report_free(&r);
	assert_int_equal(S.nio, 32);
	assert_int_equal(S.ok, 32);
	for (unsigned i = 0; i < S.nio; i++)
		assert_true(S.io[i].service_ns >= p->service_ns_min);
}

int main(int argc, char **argv)
{
	pt_init(argc, argv);
	if (pt_backend != PCSIM_BACKEND_SIM)
		return 77;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_untimed_slots_and_fifo),
		cmocka_unit_test(test_untimed_ignores_service_time),
		cmocka_unit_test(test_timed_never_early),
		cmocka_unit_test(test_timed_seed_determinism),
		cmocka_unit_test(test_preset_within_anchor),
		cmocka_unit_test(test_eio_injectable),
		cmocka_unit_test(test_threads_backend),
	};
	return cmocka_run_group_tests_name("bdev", tests, NULL, NULL);
}
