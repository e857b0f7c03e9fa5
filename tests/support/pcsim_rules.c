// SPDX-License-Identifier: MIT
/* pcsim_rules.c - see pcsim_rules.h. */
#include "pcsim_rules.h"

#include <stdio.h>
#include <time.h>

void *g_state;
uint64_t g_finished;

struct pcsim_config test_config(void)
{
	struct pcsim_config cfg = pt_config(PCSIM_MEM_SC);
	if (!SIM) {
		/* A lost wakeup shows up as a hang: report it quickly. */
		cfg.threads_timeout_ms = 5000;
		cfg.trace = false;
	}
	return cfg;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void plan_opts(const struct plan *pl, struct pcsim_explore_opts *o)
{
	pcsim_explore_opts_init(o);
	o->seed = 7;
	if (!SIM) {
		o->strategy = PCSIM_STRATEGY_RANDOM;
		o->max_executions = pl->thr_execs;
	} else if (pl->dfs) {
		o->strategy = PCSIM_STRATEGY_DFS;
		o->preemption_bound = 2;
		o->max_executions = 0;
	} else {
		o->strategy = PCSIM_STRATEGY_PCT;
		o->pct_depth = 3;
		o->max_executions = pl->sim_execs;
	}
}

void run_ok_cfg(const struct pcsim_program *p, struct plan pl, struct pcsim_config cfg)
{
	struct pcsim_explore_opts o;
	struct pcsim_report r;
	plan_opts(&pl, &o);
	g_finished = 0;
	double t0 = now_s();
	int ret = pt_explore(p, &cfg, &o, 0, &r);
	double dt = now_s() - t0;
	printf("    %-34s %-7s %-4s %6llu executions %9llu steps %7.3f s\n", p->name,
	       SIM ? "sim" : "threads",
	       !SIM	? "rand"
	       : pl.dfs ? "dfs"
			: "pct",
	       (unsigned long long)r.executions, (unsigned long long)r.steps, dt);
	assert_int_equal(ret, 0);
	assert_int_equal(r.outcome, PCSIM_OUTCOME_OK);
	if (SIM && pl.dfs) {
		assert_true(r.exhausted);
		assert_true(r.executions >= 1);
	} else {
		assert_int_equal(r.executions, o.max_executions);
	}
	assert_int_equal(g_finished, r.executions);
	pcsim_report_free(&r);
}

void run_ok(const struct pcsim_program *p, struct plan pl)
{
	run_ok_cfg(p, pl, test_config());
}

void run_expect_fail(const struct pcsim_program *p, struct plan pl, const char *what)
{
	struct pcsim_config cfg = test_config();
	struct pcsim_explore_opts o;
	struct pcsim_report r;
	plan_opts(&pl, &o);
	o.confirm = SIM;
	int ret = pt_explore(p, &cfg, &o, 1, &r);
	printf("    %-34s %-7s mutant found after %llu execution(s): %s (replay %s)\n", p->name,
	       SIM ? "sim" : "threads", (unsigned long long)r.failing_execution, r.what,
	       r.confirmed ? "confirmed" : "not confirmed");
	assert_int_equal(ret, 1);
	if (what)
		assert_string_equal(r.what, what);
	/* The failure replays with the same outcome and trace hash (pointers included). */
	if (SIM)
		assert_true(r.confirmed);
	pcsim_report_free(&r);
}
