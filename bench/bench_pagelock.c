// SPDX-License-Identifier: MIT
/*
 * bench_pagelock.c - `pcsim bench pagelock`: page-lock throughput with handoff
 * (page_lock_unfairness 0: every contended unlock hands the lock to the first waiter) against
 * bounded stealing (the default, 5), on the sim backend (steps per acquisition, deterministic
 * given the seed) and the threads backend (acquisitions per second, median of 5). Four tasks on
 * two CPUs lock and unlock the same page for a tiny critical section (B-07's convoy scenario).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pcsim/pcsim.h>
#include <pcsim/kernel/pagemap.h>

#include <pcsim_support/cmdline.h>

#include "bench_util.h"

#define TASKS 4

struct pl_bench {
	struct page *page;
	unsigned loops;
	int counter;
};

static struct pl_bench *pl_cur;
static unsigned pl_loops;

static void pl_task(void *arg)
{
	struct pl_bench *b = arg;
	for (unsigned i = 0; i < b->loops; i++) {
		lock_page(b->page);
		b->counter++;
		unlock_page(b->page);
	}
}

static void pl_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	struct pl_bench *b = pcsim_alloc(w, sizeof(*b));
	b->page = pcsim_page_alloc(w);
	b->loops = pl_loops;
	for (int i = 0; i < TASKS; i++)
		pcsim_task_create(w, "locker", pl_task, b, i % 2);
	pl_cur = b;
}

/* sim: steps per acquisition, averaged over @execs random schedules. */
static double sim_steps(int unfairness, unsigned execs)
{
	struct pcsim_config cfg = bench_config(PCSIM_BACKEND_SIM);
	struct pcsim_explore_opts o;
	struct pcsim_report r;
	struct pcsim_program p = { "bench-pagelock", pl_setup, NULL, NULL };
	pcsim_pagecache_config(&cfg)->page_lock_unfairness = unfairness;
	pcsim_explore_opts_init(&o);
	o.strategy = PCSIM_STRATEGY_RANDOM;
	o.max_executions = execs;
	o.confirm = false;
	pl_loops = 50;
	if (pcsim_explore(&p, &cfg, &o, &r) != 0) {
		pcsim_report_free(&r);
		return -1;
	}
	double v = (double)r.steps / ((double)r.executions * TASKS * pl_loops);
	pcsim_report_free(&r);
	return v;
}

/* threads: acquisitions per second, median of 5 runs. */
static double thr_rate(int unfairness)
{
	double v[5];
	for (int i = 0; i < 5; i++) {
		struct pcsim_config cfg = bench_config(PCSIM_BACKEND_THREADS);
		struct pcsim_explore_opts o;
		struct pcsim_report r;
		struct pcsim_program p = { "bench-pagelock", pl_setup, NULL, NULL };
		pcsim_pagecache_config(&cfg)->page_lock_unfairness = unfairness;
		pcsim_explore_opts_init(&o);
		o.max_executions = 1;
		pl_loops = 20000;
		double t0 = bench_now_s();
		if (pcsim_explore(&p, &cfg, &o, &r) != 0) {
			pcsim_report_free(&r);
			return -1;
		}
		v[i] = TASKS * (double)pl_loops / (bench_now_s() - t0);
		pcsim_report_free(&r);
	}
	qsort(v, 5, sizeof(double), bench_cmp_double);
	return v[2];
}

int pcsim_bench_pagelock(int argc, char **argv)
{
	bool json = false;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = true;
		else
			return pcsim_cmdline_usage_error("bench pagelock: unknown argument '%s'",
							 argv[i]);
	}
	double s_steal = sim_steps(5, 2000), s_hand = sim_steps(0, 2000);
	double t_steal = thr_rate(5), t_hand = thr_rate(0);
	if (s_steal < 0 || s_hand < 0 || t_steal < 0 || t_hand < 0)
		return 3;
	if (json) {
		printf("{\"benchmark\":\"pagelock\",\"tasks\":%d,\"sim_steps_per_lock\":{\"steal\":%.2f,"
		       "\"handoff\":%.2f},\"threads_locks_per_s\":{\"steal\":%.0f,\"handoff\":%.0f}}\n",
		       TASKS, s_steal, s_hand, t_steal, t_hand);
		return 0;
	}
	printf("pcsim bench pagelock: %d tasks on 2 CPUs, lock_page/unlock_page of one page\n\n"
	       "%-36s %14s %14s %8s\n", TASKS, "", "stealing (5)", "handoff (0)", "ratio");
	printf("%-36s %14.2f %14.2f %7.2fx\n", "sim: steps per acquisition", s_steal, s_hand,
	       s_hand / s_steal);
	printf("%-36s %14.0f %14.0f %7.2fx\n", "threads: acquisitions per second", t_steal, t_hand,
	       t_steal / t_hand);
	return 0;
}
