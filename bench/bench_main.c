// SPDX-License-Identifier: MIT
/*
 * bench_main.c - `pcsim bench NAME [ARGS...]`: dispatch to the benchmark NAME.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <pcsim_bench/bench.h>
#include <pcsim_support/cmdline.h>

#include "bench_util.h"

int pcsim_bench_seed(int argc, char **argv);	/* bench_seed.c */
int pcsim_bench_calibrate(int argc, char **argv);	/* bench_calibrate.c */

/*
 * The benchmarks, what each measures and its options (`pcsim bench NAME --help`); the figures
 * and how to read them are in bench/README.md, one section per benchmark.
 */
static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *what;
	const char *opts;
} benchmarks[] = {
	{ "sched", pcsim_bench_sched, "engine throughput: steps/s and executions/s of the micro model",
	  "--executions N, --repeats R (1-31), --json" },
	{ "waitq", pcsim_bench_waitq, "the wake walk of a wait queue head, per waiter", "--json" },
	{ "pagelock", pcsim_bench_pagelock, "page lock handoff against stealing", "--json" },
	{ "pagecache", pcsim_bench_pagecache, "hash collisions and lookups of the page cache",
	  "(none)" },
	{ "bdev", pcsim_bench_bdev, "the device model against the real disk",
	  "--reads N, --repeats R, --seed S, --preset NAME, --json" },
	{ "uring", pcsim_bench_uring, "the ring submitter's three modes",
	  "--pages N, --repeats R, --json" },
	{ "seed", pcsim_bench_seed,
	  "the cover letter's experiment: kernel, model, real threads (docs/seed-experiment.md)",
	  "--legs kernel,sim,threads, --modes sync,offload,rasync, --size S, --reads N, "
	  "--sim-size S, --sim-reads N, --threads-size S, --threads-reads N, --repeats R, "
	  "--sim-repeats R, --threads-repeats R, --qd N, --workers N, --cpus N, --irq-batch N, "
	  "--step-ns N, --strategy random|pct, --seed S, --dir DIR, --keep-file, --svg FILE, "
	  "--json, --calibration FILE, --calibrate, --predict, --sweep qd|cpus|workers|size, "
	  "--sweep-svg FILE, --sweep-points N,N,..." },
	{ "dpor", pcsim_bench_dpor, "executions to exhaust each program, plain DFS against DPOR",
	  "--budget N, --seconds S, --programs a,b, --bounds 0,1,2,u, --json" },
	{ "calibrate", pcsim_bench_calibrate,
	  "this machine's costs for the sim leg of bench seed (bench/calibration.conf)",
	  "--out FILE, --repeats R, --dir DIR, --json" },
	{ "explore", pcsim_bench_explore, "executions/s and steps/s per program and strategy",
	  "--programs a,b, --strategies random,pct,dfs,dpor, --configs default,engine, "
	  "--seconds S, --repeats R, --preemptions K, --json" },
};
#define NBENCH (sizeof(benchmarks) / sizeof(benchmarks[0]))

static bool is_help(const char *a)
{
	return strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0 || strcmp(a, "help") == 0;
}

/* @opts ("--a N, --b, ...") one option per item, lines of at most 80 columns, indented. */
static void print_wrapped(const char *opts)
{
	unsigned col = 80;	/* start a new line at the first item */
	for (const char *p = opts; *p;) {
		const char *end = strstr(p, ", ");
		size_t n = end ? (size_t)(end - p) + 1 : strlen(p);
		if (col + 1 + n > 80) {
			printf("\n ");
			col = 1;
		}
		printf(" %.*s", (int)n, p);
		col += 1 + (unsigned)n;
		p += end ? n + 1 : n;
	}
	printf("\n");
}

static int bench_usage(void)
{
	printf("usage: pcsim bench NAME [options]   (pcsim bench NAME --help: its options)\n\n");
	for (size_t i = 0; i < NBENCH; i++)
		printf("  %-10s %s\n", benchmarks[i].name, benchmarks[i].what);
	printf("\nfigures, commands and how to read them: bench/README.md\n");
	return 0;
}

int pcsim_bench_main(int argc, char **argv)
{
	if (argc < 1)
		return pcsim_cmdline_usage_error("bench needs a benchmark name (sched, waitq, "
						 "pagelock, pagecache, bdev, uring, seed, dpor, "
						 "calibrate, explore)");
	if (is_help(argv[0]))
		return bench_usage();
	for (size_t i = 0; i < NBENCH; i++) {
		if (strcmp(argv[0], benchmarks[i].name) != 0)
			continue;
		for (int j = 1; j < argc; j++)
			if (strcmp(argv[j], "--help") == 0 || strcmp(argv[j], "-h") == 0) {
				printf("usage: pcsim bench %s [options]\n  %s\noptions:",
				       benchmarks[i].name, benchmarks[i].what);
				print_wrapped(benchmarks[i].opts);
				printf("figures and how to read them: bench/README.md, section "
				       "'pcsim bench %s'\n",
				       benchmarks[i].name);
				return 0;
			}
		return benchmarks[i].run(argc - 1, argv + 1);
	}
	return pcsim_cmdline_usage_error("bench: unknown benchmark '%s' (known: sched, waitq, "
					 "pagelock, pagecache, bdev, uring, seed, dpor, calibrate, explore)",
					 argv[0]);
}
