// SPDX-License-Identifier: MIT
/*
 * bench_explore.c - `pcsim bench explore`: what an exploration costs per execution and per step,
 * for each built-in program and strategy (random, pct, dfs, dpor), in two configurations: the
 * program's defaults as `pcsim explore` runs it (default checks, trace events recorded) and the
 * engine only (no checks, no trace).
 *
 * One measurement calls pcsim_explore() again and again (a new search each time, so a small
 * space that DFS exhausts early is simply searched again) until --seconds of CPU time are
 * spent, without stopping at violations and without confirming replays. The figures are rates
 * of process CPU time, so other jobs on a shared machine slow them less than wall-clock rates.
 * The measurements of a run are interleaved (repeat 1 of every row, then repeat 2, ...) and each
 * row reports the median of --repeats. DFS and DPOR use --preemptions (default 2); DPOR refuses
 * timed programs (printed as n/a). Options: --programs a,b, --strategies random,pct,dfs,dpor,
 * --configs default,engine, --seconds S (default 1), --repeats R (default 3), --json.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcsim_support/cmdline.h>
#include <pcsim_support/programs.h>

#include "bench_util.h"

#define MAX_REPEATS 15

static const struct {
	const char *name;
	enum pcsim_strategy s;
} strategies[] = {
	{ "random", PCSIM_STRATEGY_RANDOM },
	{ "pct", PCSIM_STRATEGY_PCT },
	{ "dfs", PCSIM_STRATEGY_DFS },
	{ "dpor", PCSIM_STRATEGY_DPOR },
};

static const char *const configs[] = { "default", "engine" };

struct row {
	const struct pcsim_builtin *b;
	unsigned strat, config;
	bool na;
	double eps[MAX_REPEATS], sps[MAX_REPEATS];
};

static double cpu_now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static bool listed(const char *list, const char *name)
{
	if (!list)
		return true;
	size_t n = strlen(name);
	for (const char *p = list; (p = strstr(p, name)); p += n)
		if ((p == list || p[-1] == ',') && (p[n] == 0 || p[n] == ','))
			return true;
	return false;
}

/* One measurement of @r: searches until @secs of CPU time are spent. 1: not applicable. */
static int measure(struct row *r, unsigned rep, unsigned bound, double secs)
{
	struct pcsim_config cfg;
	if (r->config == 0)
		pcsim_config_init(&cfg);
	else
		cfg = bench_config(PCSIM_BACKEND_SIM);
	cfg.mem = r->b->mem;
	if (r->b->wait_table_bits >= 0)
		pcsim_pagecache_config(&cfg)->wait_table_bits = (unsigned)r->b->wait_table_bits;
	uint64_t execs = 0, steps = 0, seed = 1;
	double t0 = cpu_now_s(), t;
	do {
		struct pcsim_explore_opts o;
		struct pcsim_report rep_;
		pcsim_explore_opts_init(&o);
		o.strategy = strategies[r->strat].s;
		o.preemption_bound = bound;
		o.seed = seed++;
		o.max_executions = 20000;
		o.stop_on_violation = false;
		o.confirm = false;
		o.shrink = false;
		int ret = pcsim_explore(&r->b->prog, &cfg, &o, &rep_);
		bool internal = ret < 0 || rep_.outcome == PCSIM_OUTCOME_INTERNAL;
		if (internal && o.strategy == PCSIM_STRATEGY_DPOR && execs == 0) {
			pcsim_report_free(&rep_);
			return 1;	/* timed programs */
		}
		if (internal) {
			fprintf(stderr, "bench explore: %s: %s\n", r->b->prog.name,
				rep_.message ? rep_.message : "internal error");
			pcsim_report_free(&rep_);
			return -1;
		}
		execs += rep_.executions;
		steps += rep_.steps;
		pcsim_report_free(&rep_);
		t = cpu_now_s() - t0;
	} while (t < secs);
	r->eps[rep] = (double)execs / t;
	r->sps[rep] = (double)steps / t;
	return 0;
}

static double median(const double *v, unsigned n)
{
	double s[MAX_REPEATS];
	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), bench_cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

int pcsim_bench_explore(int argc, char **argv)
{
	bool json = false;
	uint64_t repeats = 3, bound = 2;
	double secs = 1.0;
	const char *programs = NULL, *strats = NULL, *cfgs = NULL;
	int rc;
	for (int i = 0; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(argv[i], "--json") == 0) {
			json = true;
		} else if (strcmp(argv[i], "--repeats") == 0 && v) {
			rc = pcsim_cmdline_parse_u64("--repeats", v, 1, MAX_REPEATS, &repeats);
			if (rc)
				return rc;
			i++;
		} else if (strcmp(argv[i], "--preemptions") == 0 && v) {
			if ((rc = pcsim_cmdline_parse_u64("--preemptions", v, 0, 100, &bound)))
				return rc;
			i++;
		} else if (strcmp(argv[i], "--seconds") == 0 && v) {
			char *end;
			secs = strtod(v, &end);
			if (*end || !(secs > 0 && secs <= 3600))
				return pcsim_cmdline_usage_error("bench explore: --seconds '%s': a "
								 "number of seconds, 0 < S <= 3600",
								 v);
			i++;
		} else if (strcmp(argv[i], "--programs") == 0 && v) {
			programs = argv[++i];
		} else if (strcmp(argv[i], "--strategies") == 0 && v) {
			strats = argv[++i];
		} else if (strcmp(argv[i], "--configs") == 0 && v) {
			cfgs = argv[++i];
		} else {
			return pcsim_cmdline_usage_error(
				"bench explore: unknown argument '%s' (--programs a,b, "
				"--strategies random,pct,dfs,dpor, --configs default,engine, "
				"--seconds S, --repeats R, --preemptions K, --json)",
				argv[i]);
		}
	}
	size_t nrows = 0, cap = pcsim_nbuiltins * 8;
	struct row *rows = calloc(cap, sizeof(*rows));
	if (!rows)
		return 3;
	for (unsigned i = 0; i < pcsim_nbuiltins; i++) {
		if (!listed(programs, pcsim_builtins[i].prog.name))
			continue;
		for (unsigned s = 0; s < 4; s++) {
			if (!listed(strats, strategies[s].name))
				continue;
			for (unsigned c = 0; c < 2; c++)
				if (listed(cfgs, configs[c]))
					rows[nrows++] = (struct row){
						.b = &pcsim_builtins[i], .strat = s, .config = c
					};
		}
	}
	if (!nrows) {
		free(rows);
		return pcsim_cmdline_usage_error("bench explore: no program, strategy and "
						 "configuration selected");
	}
	for (unsigned rep = 0; rep < repeats; rep++)
		for (size_t k = 0; k < nrows; k++) {
			if (rows[k].na)
				continue;
			int m = measure(&rows[k], rep, (unsigned)bound, secs);
			if (m < 0) {
				free(rows);
				return 3;
			}
			rows[k].na = m == 1;
		}
	if (json)
		printf("{\"benchmark\":\"explore\",\"seconds\":%.3f,\"repeats\":%" PRIu64
		       ",\"preemptions\":%" PRIu64 ",\"rows\":[",
		       secs, repeats, bound);
	else
		printf("pcsim bench explore: CPU-time rates, median of %" PRIu64 " interleaved "
		       "runs of %.1f s, one core (dfs/dpor: --preemptions %" PRIu64 ")\n\n"
		       "%-22s %-7s %-8s %14s %14s %11s\n",
		       repeats, secs, bound, "program", "strat", "config", "executions/s",
		       "steps/s", "steps/exec");
	for (size_t k = 0; k < nrows; k++) {
		const struct row *r = &rows[k];
		double e = r->na ? 0 : median(r->eps, (unsigned)repeats);
		double s = r->na ? 0 : median(r->sps, (unsigned)repeats);
		if (json) {
			printf("%s{\"program\":\"%s\",\"strategy\":\"%s\",\"config\":\"%s\"",
			       k ? "," : "", r->b->prog.name, strategies[r->strat].name,
			       configs[r->config]);
			if (r->na)
				printf(",\"na\":true}");
			else
				printf(",\"executions_per_s\":%.0f,\"steps_per_s\":%.0f}", e, s);
		} else if (r->na) {
			printf("%-22s %-7s %-8s %14s %14s %11s\n", r->b->prog.name,
			       strategies[r->strat].name, configs[r->config], "n/a", "n/a", "");
		} else {
			printf("%-22s %-7s %-8s %14.0f %14.0f %11.1f\n", r->b->prog.name,
			       strategies[r->strat].name, configs[r->config], e, s,
			       e > 0 ? s / e : 0.0);
		}
	}
	if (json)
		printf("]}\n");
	free(rows);
	return 0;
}
