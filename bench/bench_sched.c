// SPDX-License-Identifier: MIT
/*
 * bench_sched.c - `pcsim bench sched`: scheduling steps per second and complete executions
 * per second of the engine on the 2-task lost-wakeup micro-model.
 *
 * A step is one decision at a preemption point; an execution runs from setup to the end or
 * to a violation (the micro-model deadlocks in some schedules: those count too, and the run
 * goes on). Three configurations: engine only (checks and trace off), default checks (trace
 * off), and the defaults (checks and trace on). Each is measured `repeats` times (default 5)
 * and the median is reported, with its ratio to the goal of issue 11 (30 M steps/s, 4 M
 * executions/s, engine only). Rates are per second of process CPU time, as in `pcsim bench
 * explore`: on a shared machine other jobs then disturb them less than wall-clock rates.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pcsim/pcsim.h>

#include <pcsim_support/cmdline.h>
#include <pcsim_support/programs.h>

#include "bench_util.h"

#define GOAL_STEPS 30e6
#define GOAL_EXECS 4e6

static double cpu_now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

struct result {
	double steps_per_s, execs_per_s, steps_per_exec;
};

static int measure(const struct pcsim_program *p, unsigned checks, bool trace,
		   enum pcsim_strategy strat, uint64_t n, unsigned repeats, struct result *out)
{
	double sps[32], eps[32];
	uint64_t steps = 0, execs = 0;
	for (unsigned i = 0; i < repeats; i++) {
		struct pcsim_config cfg;
		struct pcsim_explore_opts o;
		struct pcsim_report r;
		pcsim_config_init(&cfg);
		cfg.checks = checks;
		cfg.trace = trace;
		pcsim_explore_opts_init(&o);
		o.strategy = strat;
		o.seed = 1 + i;
		o.max_executions = n;
		o.stop_on_violation = false;
		o.confirm = false;
		double t0 = cpu_now_s();
		if (pcsim_explore(p, &cfg, &o, &r) < 0) {
			fprintf(stderr, "bench: %s\n", r.message ? r.message : "explore failed");
			pcsim_report_free(&r);
			return -1;
		}
		double dt = cpu_now_s() - t0;
		sps[i] = (double)r.steps / dt;
		eps[i] = (double)r.executions / dt;
		steps = r.steps;
		execs = r.executions;
		pcsim_report_free(&r);
	}
	qsort(sps, repeats, sizeof(double), bench_cmp_double);
	qsort(eps, repeats, sizeof(double), bench_cmp_double);
	out->steps_per_s = sps[repeats / 2];
	out->execs_per_s = eps[repeats / 2];
	out->steps_per_exec = execs ? (double)steps / (double)execs : 0;
	return 0;
}

int pcsim_bench_sched(int argc, char **argv)
{
	bool json = false;
	uint64_t n = 200000, repeats = 5;
	for (int i = 0; i < argc; i++) {
		int rc;
		if (strcmp(argv[i], "--json") == 0) {
			json = true;
		} else if (strcmp(argv[i], "--executions") == 0 && i + 1 < argc) {
			if ((rc = pcsim_cmdline_parse_u64("--executions", argv[++i], 1, UINT64_MAX,
							  &n)))
				return rc;
		} else if (strcmp(argv[i], "--repeats") == 0 && i + 1 < argc) {
			if ((rc = pcsim_cmdline_parse_u64("--repeats", argv[++i], 1, 31, &repeats)))
				return rc;
		} else {
			return pcsim_cmdline_usage_error("bench sched: unknown argument '%s'",
							 argv[i]);
		}
	}
	const struct pcsim_program *p = &pcsim_builtin_find("micro-lost-wakeup")->prog;
	struct result eng, chk, dft, pct;
	if (measure(p, PCSIM_CHECK_NONE, false, PCSIM_STRATEGY_RANDOM, n, (unsigned)repeats,
		    &eng) < 0 ||
	    measure(p, PCSIM_CHECK_DEFAULT, false, PCSIM_STRATEGY_RANDOM, n, (unsigned)repeats,
		    &chk) < 0 ||
	    measure(p, PCSIM_CHECK_DEFAULT, true, PCSIM_STRATEGY_RANDOM, n, (unsigned)repeats,
		    &dft) < 0 ||
	    measure(p, PCSIM_CHECK_NONE, false, PCSIM_STRATEGY_PCT, n, (unsigned)repeats, &pct) < 0)
		return 3;
	if (json) {
		printf("{\"benchmark\":\"sched\",\"program\":\"micro-lost-wakeup\","
		       "\"executions_per_repeat\":%" PRIu64 ",\"repeats\":%" PRIu64 ","
		       "\"steps_per_execution\":%.2f,"
		       "\"steps_per_s\":%.0f,\"executions_per_s\":%.0f,"
		       "\"default_checks\":{\"steps_per_s\":%.0f,\"executions_per_s\":%.0f},"
		       "\"default_checks_trace\":{\"steps_per_s\":%.0f,\"executions_per_s\":%.0f},"
		       "\"pct_engine_only\":{\"steps_per_s\":%.0f,\"executions_per_s\":%.0f},"
		       "\"goal\":{\"steps_per_s\":%.0f,\"executions_per_s\":%.0f}}\n",
		       n, repeats, eng.steps_per_exec, eng.steps_per_s, eng.execs_per_s,
		       chk.steps_per_s, chk.execs_per_s, dft.steps_per_s, dft.execs_per_s,
		       pct.steps_per_s, pct.execs_per_s, GOAL_STEPS, GOAL_EXECS);
		return 0;
	}
	printf("pcsim bench sched: micro-lost-wakeup, %" PRIu64 " executions x %" PRIu64
	       " repeats (median), %.1f steps per execution, one core, CPU-time rates\n\n",
	       n, repeats, eng.steps_per_exec);
	printf("%-34s %14s %8s %16s %8s\n", "configuration", "steps/s", "vs goal", "executions/s",
	       "vs goal");
	const struct {
		const char *name;
		struct result *r;
	} rows[] = { { "engine only (random)", &eng },
		     { "engine only (pct)", &pct },
		     { "default checks, no trace (random)", &chk },
		     { "default checks + trace (random)", &dft } };
	for (unsigned i = 0; i < 4; i++)
		printf("%-34s %14.0f %7.2fx %16.0f %7.2fx\n", rows[i].name, rows[i].r->steps_per_s,
		       rows[i].r->steps_per_s / GOAL_STEPS, rows[i].r->execs_per_s,
		       rows[i].r->execs_per_s / GOAL_EXECS);
	printf("\ngoals (engine only): %.0f M steps/s, %.0f M executions/s\n",
	       GOAL_STEPS / 1e6, GOAL_EXECS / 1e6);
	return 0;
}
