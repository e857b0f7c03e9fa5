/* SPDX-License-Identifier: MIT */
/* bench_util.h - helpers shared by the benchmarks: a monotonic clock and a median sort. */
#ifndef PCSIM_BENCH_UTIL_H
#define PCSIM_BENCH_UTIL_H

#include <time.h>

static inline double bench_now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* qsort comparator for doubles (medians of repeats). */
static inline int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

#endif
