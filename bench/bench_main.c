// SPDX-License-Identifier: MIT
/*
 * bench_main.c - `pcsim bench NAME [ARGS...]`: dispatch to the benchmark NAME.
 */
#include <string.h>

#include <pcsim_bench/bench.h>
#include <pcsim_support/cmdline.h>

#include "bench_util.h"

int pcsim_bench_seed(int argc, char **argv);	/* bench_seed.c */
int pcsim_bench_calibrate(int argc, char **argv);	/* bench_calibrate.c */

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
} benchmarks[] = {
	{ "sched", pcsim_bench_sched },
	{ "waitq", pcsim_bench_waitq },
	{ "pagelock", pcsim_bench_pagelock },
	{ "pagecache", pcsim_bench_pagecache },
	{ "bdev", pcsim_bench_bdev },
	{ "uring", pcsim_bench_uring },
	{ "seed", pcsim_bench_seed },
	{ "dpor", pcsim_bench_dpor },
	{ "calibrate", pcsim_bench_calibrate },
	{ "explore", pcsim_bench_explore },
};

int pcsim_bench_main(int argc, char **argv)
{
	if (argc < 1)
		return pcsim_cmdline_usage_error("bench needs a benchmark name (sched, waitq, "
						 "pagelock, pagecache, bdev, uring, seed, dpor, "
						 "calibrate, explore)");
	for (size_t i = 0; i < sizeof(benchmarks) / sizeof(benchmarks[0]); i++)
		if (strcmp(argv[0], benchmarks[i].name) == 0)
			return benchmarks[i].run(argc - 1, argv + 1);
	return pcsim_cmdline_usage_error("bench: unknown benchmark '%s' (known: sched, waitq, "
					 "pagelock, pagecache, bdev, uring, seed, dpor, calibrate, explore)",
					 argv[0]);
}
