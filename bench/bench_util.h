/* SPDX-License-Identifier: MIT */
/*
 * bench_util.h - helpers shared by the benchmarks: their entry points (bench_main.c dispatches
 * `pcsim bench NAME` to them), a monotonic clock, median sorts and the measurement configuration
 * (no checks, no trace). Private to the pcsim_bench library.
 */
#ifndef PCSIM_BENCH_UTIL_H
#define PCSIM_BENCH_UTIL_H

#include <stdint.h>
#include <time.h>

#include <pcsim/pcsim.h>

/* `pcsim bench NAME ARGS...`: each takes the ARGS; 0, or the exit status of a failure. */
int pcsim_bench_sched(int argc, char **argv);
int pcsim_bench_waitq(int argc, char **argv);
int pcsim_bench_pagelock(int argc, char **argv);
int pcsim_bench_pagecache(int argc, char **argv);
int pcsim_bench_bdev(int argc, char **argv);
int pcsim_bench_uring(int argc, char **argv);
int pcsim_bench_dpor(int argc, char **argv);
int pcsim_bench_explore(int argc, char **argv);

static inline uint64_t bench_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline double bench_now_s(void)
{
	return (double)bench_now_ns() * 1e-9;
}

/* qsort comparators (medians of repeats). */
static inline int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static inline int bench_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* A configuration for measuring @be: the model's own cost, without checks or trace. */
static inline struct pcsim_config bench_config(enum pcsim_backend be)
{
	struct pcsim_config cfg;
	pcsim_config_init(&cfg);
	cfg.backend = be;
	cfg.checks = PCSIM_CHECK_NONE;
	cfg.trace = false;
	return cfg;
}

#endif
