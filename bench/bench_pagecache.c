// SPDX-License-Identifier: MIT
/*
 * bench_pagecache.c - `pcsim bench pagecache`: (1) the cost of wake_up_page_bit() against the
 * number of waiters of other pages sharing the bucket (wait_table_bits 0, so all collide): sim
 * steps, and threads ns (median of 9); (2) page-cache lookups per second (find_get_page: RCU,
 * speculative reference, re-check, put) on the threads backend with 1 and 2 threads.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcsim/pcsim.h>
#include <pcsim/kernel/pagemap.h>

#include <pcsim_support/cmdline.h>

#include "bench_util.h"

struct bucket_bench {
	unsigned n;
	struct page *target;
	struct page **others;
	struct wait_page_queue *wq;
	uint64_t steps;
	double ns[9];
	unsigned reps;
};

static struct bucket_bench *bb;

static int foreign_wake(wait_queue_entry_t *wait, unsigned mode, int sync, void *key)
{
	(void)mode;
	(void)sync;
	struct wait_page_queue *wpq = container_of(wait, struct wait_page_queue, wait);
	(void)wake_page_match(wpq, key);	/* another page: no match, stays queued */
	return 0;
}

static void bucket_task(void *arg)
{
	struct bucket_bench *b = arg;
	struct pcsim_world *w = pcsim_world_current();
	for (unsigned i = 0; i < b->n; i++) {
		b->wq[i].page = b->others[i % 8];
		b->wq[i].bit_nr = PG_locked;
		init_waitqueue_func_entry(&b->wq[i].wait, foreign_wake);
		add_page_wait_queue(b->wq[i].page, &b->wq[i].wait);
	}
	for (unsigned r = 0; r < b->reps; r++) {
		uint64_t s0 = pcsim_world_step(w);
		double t0 = bench_now_s();
		wake_up_page_bit(b->target, PG_locked);
		b->ns[r] = (bench_now_s() - t0) * 1e9;
		b->steps = pcsim_world_step(w) - s0;
	}
}

static void bucket_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	struct bucket_bench *b = bb;
	b->target = pcsim_page_alloc(w);
	b->others = pcsim_alloc(w, 8 * sizeof(*b->others));
	for (int i = 0; i < 8; i++)
		b->others[i] = pcsim_page_alloc(w);
	b->wq = pcsim_alloc(w, b->n * sizeof(*b->wq));
	pcsim_task_create(w, "waker", bucket_task, b, 0);
}

static int run_bucket(enum pcsim_backend be, unsigned n, struct bucket_bench *b)
{
	struct pcsim_config cfg = bench_config(be);
	struct pcsim_explore_opts o;
	struct pcsim_report r;
	struct pcsim_program p = { "bench-bucket", bucket_setup, NULL, NULL };
	pcsim_pagecache_config(&cfg)->wait_table_bits = 0;
	pcsim_explore_opts_init(&o);
	o.max_executions = 1;
	memset(b, 0, sizeof(*b));
	b->n = n;
	b->reps = be == PCSIM_BACKEND_SIM ? 1 : 9;
	bb = b;
	int rc = pcsim_explore(&p, &cfg, &o, &r);
	pcsim_report_free(&r);
	qsort(b->ns, b->reps, sizeof(double), bench_cmp_double);
	return rc;
}

/* ---- lookups ---------------------------------------------------------------------------- */
struct lk_bench {
	struct address_space *m;
	unsigned loops;
};

static struct lk_bench *lk;
static unsigned lk_threads;

static void lookup_task(void *arg)
{
	struct lk_bench *l = arg;
	for (unsigned i = 0; i < l->loops; i++) {
		struct page *p = find_get_page(l->m, i % 64);
		if (p)
			put_page(p);
	}
}

static void lookup_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	static struct pcsim_bdev bdev;
	pcsim_bdev_init(&bdev, 1, false);
	lk->m = pcsim_mapping_create(w, 1, 64 * 4096, &bdev, 0);
	for (unsigned long i = 0; i < 64; i++)
		pcsim_mapping_populate(lk->m, i, true, false);
	for (unsigned t = 0; t < lk_threads; t++)
		pcsim_task_create(w, "lookup", lookup_task, lk, (int)t);
}

static double lookups_per_s(unsigned threads)
{
	double v[5];
	struct lk_bench l = { NULL, 200000 };
	lk = &l;
	lk_threads = threads;
	for (int i = 0; i < 5; i++) {
		struct pcsim_config cfg = bench_config(PCSIM_BACKEND_THREADS);
		struct pcsim_explore_opts o;
		struct pcsim_report r;
		struct pcsim_program p = { "bench-lookup", lookup_setup, NULL, NULL };
		pcsim_explore_opts_init(&o);
		o.max_executions = 1;
		double t0 = bench_now_s();
		if (pcsim_explore(&p, &cfg, &o, &r) != 0) {
			pcsim_report_free(&r);
			return -1;
		}
		v[i] = (double)threads * l.loops / (bench_now_s() - t0);
		pcsim_report_free(&r);
	}
	qsort(v, 5, sizeof(double), bench_cmp_double);
	return v[2];
}

int pcsim_bench_pagecache(int argc, char **argv)
{
	for (int i = 0; i < argc; i++)
		return pcsim_cmdline_usage_error("bench pagecache: unknown argument '%s'", argv[i]);
	static const unsigned sizes[] = { 0, 1, 10, 100, 1000, 10000 };
	struct bucket_bench b;
	printf("pcsim bench pagecache\n\nwake_up_page_bit() of a page with no waiter, N waiters of "
	       "other pages in its bucket\n%8s %12s %14s\n", "others", "sim steps", "threads ns");
	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint64_t steps;
		if (run_bucket(PCSIM_BACKEND_SIM, sizes[i], &b) != 0)
			return 3;
		steps = b.steps;
		if (run_bucket(PCSIM_BACKEND_THREADS, sizes[i], &b) != 0)
			return 3;
		printf("%8u %12" PRIu64 " %14.0f\n", sizes[i], steps, b.ns[b.reps / 2]);
	}
	double one = lookups_per_s(1), two = lookups_per_s(2);
	if (one < 0 || two < 0)
		return 3;
	printf("\nfind_get_page() + put_page() on 64 cached pages, threads backend (median of 5)\n"
	       "  1 thread:  %.0f lookups/s\n  2 threads: %.0f lookups/s (%.2fx)\n",
	       one, two, two / one);
	return 0;
}
