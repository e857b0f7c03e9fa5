// SPDX-License-Identifier: MIT
/*
 * bench_dpor.c - `pcsim bench dpor`: executions to explore each built-in program completely
 * with plain DFS and with DPOR (src/explore/dpor.c), per preemption bound, and the reduction.
 *
 * Each search runs until its bounded space is exhausted or a budget of executions (--budget N,
 * default 1,000,000) or seconds (--seconds S per search, default 60) is spent; an unfinished
 * search prints its count as ">N". A violation found does not stop a search (every execution
 * is counted); the kinds found are not compared here (tests/unit/test_dpor.c does that).
 * Options: --programs a,b,c (default: every built-in program), --bounds 0,1,2,u (u: no bound),
 * --json.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pcsim_support/cmdline.h>
#include <pcsim_support/programs.h>

#include "bench_util.h"

struct search {
	uint64_t executions;
	bool exhausted;
	double seconds;
};

static volatile sig_atomic_t stop_flag;

/* The time budget: SIGALRM stops the search after the execution under way. */
static void on_alarm(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static int search(const struct pcsim_builtin *b, enum pcsim_strategy s, unsigned bound,
		  uint64_t budget, double seconds, struct search *out)
{
	struct pcsim_config cfg;
	struct pcsim_explore_opts o;
	struct pcsim_report r;
	pcsim_config_init(&cfg);
	cfg.mem = b->mem;
	if (b->wait_table_bits >= 0)
		pcsim_pagecache_config(&cfg)->wait_table_bits = (unsigned)b->wait_table_bits;
	pcsim_explore_opts_init(&o);
	o.strategy = s;
	o.preemption_bound = bound;
	o.max_executions = budget;
	o.stop_on_violation = false;
	o.confirm = false;
	stop_flag = 0;
	o.stop = &stop_flag;
	double t0 = bench_now_s();
	signal(SIGALRM, on_alarm);
	alarm((unsigned)seconds);
	int ret = pcsim_explore(&b->prog, &cfg, &o, &r);
	alarm(0);
	out->seconds = bench_now_s() - t0;
	out->executions = r.executions;
	out->exhausted = r.exhausted;
	if (ret < 0 || r.outcome == PCSIM_OUTCOME_INTERNAL) {
		fprintf(stderr, "bench dpor: %s: %s\n", b->prog.name,
			r.message ? r.message : "internal error");
		pcsim_report_free(&r);
		return -1;
	}
	pcsim_report_free(&r);
	return 0;
}

static void fmt_count(char *buf, size_t len, const struct search *s)
{
	snprintf(buf, len, "%s%" PRIu64, s->exhausted ? "" : ">", s->executions);
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

int pcsim_bench_dpor(int argc, char **argv)
{
	bool json = false;
	uint64_t budget = 1000000, secs = 60;
	const char *programs = NULL, *bounds_arg = "0,1,2,u";
	int rc;
	for (int i = 0; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(argv[i], "--json") == 0) {
			json = true;
		} else if (strcmp(argv[i], "--budget") == 0 && v) {
			if ((rc = pcsim_cmdline_parse_u64("--budget", v, 1, UINT64_MAX, &budget)))
				return rc;
			i++;
		} else if (strcmp(argv[i], "--seconds") == 0 && v) {
			if ((rc = pcsim_cmdline_parse_u64("--seconds", v, 1, 86400, &secs)))
				return rc;
			i++;
		} else if (strcmp(argv[i], "--programs") == 0 && v) {
			programs = argv[++i];
		} else if (strcmp(argv[i], "--bounds") == 0 && v) {
			bounds_arg = argv[++i];
		} else {
			return pcsim_cmdline_usage_error(
				"bench dpor: unknown argument '%s' (--budget N, --seconds S, "
				"--programs a,b, --bounds 0,1,2,u, --json)",
				argv[i]);
		}
	}
	unsigned bounds[8], nb = 0;
	for (const char *p = bounds_arg; *p && nb < 8;) {
		if (*p == 'u') {
			bounds[nb++] = PCSIM_DPOR_UNBOUNDED;
			p++;
		} else if (*p >= '0' && *p <= '9') {
			bounds[nb++] = (unsigned)strtoul(p, (char **)&p, 10);
		} else {
			return pcsim_cmdline_usage_error("bench dpor: --bounds '%s': numbers or u, "
							 "separated by commas",
							 bounds_arg);
		}
		if (*p == ',')
			p++;
	}
	if (!json)
		printf("pcsim bench dpor: executions to explore each program completely "
		       "(\">N\": not finished within %" PRIu64 " executions or %" PRIu64
		       " s), one core\n\n"
		       "%-20s %5s %12s %12s %9s %9s %9s\n",
		       budget, secs, "program", "bound", "dfs", "dpor", "reduction", "dfs s",
		       "dpor s");
	else
		printf("{\"benchmark\":\"dpor\",\"budget\":%" PRIu64 ",\"seconds\":%" PRIu64
		       ",\"rows\":[",
		       budget, secs);
	bool first = true;
	for (unsigned i = 0; i < pcsim_nbuiltins; i++) {
		const struct pcsim_builtin *b = &pcsim_builtins[i];
		if (!listed(programs, b->prog.name))
			continue;
		for (unsigned k = 0; k < nb; k++) {
			struct search d, p;
			double sec = (double)secs;
			if (search(b, PCSIM_STRATEGY_DFS, bounds[k], budget, sec, &d) < 0 ||
			    search(b, PCSIM_STRATEGY_DPOR, bounds[k], budget, sec, &p) < 0)
				return 3;
			char bb[16], cd[32], cp[32], red[32];
			if (bounds[k] >= PCSIM_DPOR_UNBOUNDED)
				snprintf(bb, sizeof(bb), "none");
			else
				snprintf(bb, sizeof(bb), "%u", bounds[k]);
			fmt_count(cd, sizeof(cd), &d);
			fmt_count(cp, sizeof(cp), &p);
			if (p.exhausted && p.executions)
				snprintf(red, sizeof(red), "%s%.1fx", d.exhausted ? "" : ">",
					 (double)d.executions / (double)p.executions);
			else
				snprintf(red, sizeof(red), "?");
			if (json) {
				printf("%s{\"program\":\"%s\",\"bound\":\"%s\",\"dfs\":%" PRIu64
				       ",\"dfs_done\":%s,\"dpor\":%" PRIu64 ",\"dpor_done\":%s,"
				       "\"dfs_s\":%.2f,\"dpor_s\":%.2f}",
				       first ? "" : ",", b->prog.name, bb, d.executions,
				       d.exhausted ? "true" : "false", p.executions,
				       p.exhausted ? "true" : "false", d.seconds, p.seconds);
			} else {
				printf("%-20s %5s %12s %12s %9s %9.1f %9.1f\n", b->prog.name, bb,
				       cd, cp, red, d.seconds, p.seconds);
			}
			fflush(stdout);
			first = false;
		}
	}
	if (json)
		printf("]}\n");
	return 0;
}
