// SPDX-License-Identifier: MIT
/*
 * Description: PCSIM_STRATEGY_CALLBACK (src/explore/callback.c, <pcsim/explore.h>), the strategy
 * behind `pcsim step`: the callback sees the engine's real decisions with labelled options, its
 * answers are the execution's schedule (which replays to the same outcome), PCSIM_CHOOSE_STOP
 * ends the execution as "stopped", the end of an execution is announced with n == 0, and the
 * read-only views (pcsim_world_describe(), pcsim_pagecache_describe(), pcsim_decision_trace(),
 * pcsim_decision_schedule()) called at every decision leave the execution unchanged (same trace
 * hash, same schedule).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcsim_support/programs.h>

#include "pcsim_test.h"

struct script {
	const char *const *want; /* choices to take, schedule spelling; then the default */
	unsigned nwant;
	unsigned calls, ends;
	int end_outcome;
	bool look;	    /* call every read-only view at every decision */
	unsigned stop_at;   /* 1-based decision to answer PCSIM_CHOOSE_STOP, 0 = never */
	bool out_of_range;  /* answer n (not an option) */
	char first[2][160]; /* labels of the first decision */
	unsigned first_n, first_dflt;
	int first_cur;
	uint64_t first_step, first_index;
	bool sched_ok;	/* pcsim_decision_schedule() had "choices K" at decision K */
	bool trace_ok;	/* pcsim_decision_trace() grew with the events */
	bool saw_pages; /* pcsim_pagecache_describe() showed the wait table */
	/* what went wrong inside the callback (which runs on a context's stack inside the
	 * world, where a cmocka failure could not unwind): checked after pcsim_explore() */
	char bad[200];
};

#define CHECK(s, cond)                                                                      \
	do {                                                                                \
		if (!(cond) && !(s)->bad[0])                                                \
			snprintf((s)->bad, sizeof((s)->bad), "decision %u: %s", (s)->calls, \
				 #cond);                                                    \
	} while (0)

static void look(const struct pcsim_decision *d, struct script *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	if (!m) {
		CHECK(s, m != NULL);
		return;
	}
	CHECK(s, pcsim_world_describe(d->world, m) == 0);
	CHECK(s, pcsim_pagecache_describe(d->world, m) == 0);
	fclose(m);
	CHECK(s, buf && strstr(buf, "tasks:"));
	s->saw_pages |= buf && strstr(buf, "page wait table") != NULL;
	free(buf);
	char *sched = pcsim_decision_schedule(d);
	CHECK(s, sched != NULL);
	if (!sched)
		return;
	char want[32];
	snprintf(want, sizeof(want), "\nchoices %llu\n", (unsigned long long)d->index);
	if (!strstr(sched, want))
		s->sched_ok = false;
	free(sched);
	char *t = pcsim_decision_trace(d, 0);
	CHECK(s, t != NULL);
	if (!t)
		return;
	size_t lines = 0;
	for (const char *p = t; *p; p++)
		lines += *p == '\n';
	if (lines != d->nevents)
		s->trace_ok = false;
	free(t);
}

static unsigned choose(const struct pcsim_decision *d, void *arg)
{
	struct script *s = arg;
	if (d->n == 0) {
		s->ends++;
		s->end_outcome = d->outcome;
		return 0;
	}
	CHECK(s, d->n >= 2);
	CHECK(s, d->dflt < d->n);
	CHECK(s, d->index == s->calls);
	CHECK(s, d->cur < 0 || (unsigned)d->cur == d->dflt);
	if (s->calls == 0) {
		s->first_n = d->n;
		s->first_dflt = d->dflt;
		s->first_cur = d->cur;
		s->first_step = d->step;
		s->first_index = d->index;
		for (unsigned i = 0; i < 2 && i < d->n; i++)
			snprintf(s->first[i], sizeof(s->first[i]), "%s", d->opts[i].label);
	}
	s->calls++;
	if (s->look)
		look(d, s);
	if (s->stop_at && s->calls == s->stop_at)
		return PCSIM_CHOOSE_STOP;
	if (s->out_of_range)
		return d->n;
	if (s->calls <= s->nwant) {
		for (unsigned i = 0; i < d->n; i++)
			if (strcmp(d->opts[i].choice, s->want[s->calls - 1]) == 0)
				return i;
		CHECK(s, !"the scripted choice is an option");
	}
	return d->dflt;
}

static int run(const char *prog, struct script *s, struct pcsim_report *r)
{
	const struct pcsim_builtin *b = pcsim_builtin_find(prog);
	assert_non_null(b);
	struct pcsim_config cfg;
	struct pcsim_explore_opts o;
	pcsim_config_init(&cfg);
	cfg.mem = b->mem;
	if (b->wait_table_bits >= 0)
		pcsim_pagecache_config(&cfg)->wait_table_bits = (unsigned)b->wait_table_bits;
	pcsim_explore_opts_init(&o);
	o.strategy = PCSIM_STRATEGY_CALLBACK;
	o.choose = choose;
	o.choose_arg = s;
	o.max_executions = 1;
	o.keep_trace = true;
	s->sched_ok = s->trace_ok = true;
	int rc = pcsim_explore(&b->prog, &cfg, &o, r);
	if (s->bad[0])
		fail_msg("%s: %s", prog, s->bad);
	return rc;
}

static const char *const lost[] = {"run T1", "run T2", "run T2", "run T2"};

static void test_needs_choose(void **state)
{
	(void)state;
	struct pcsim_explore_opts o;
	struct pcsim_report r;
	pcsim_explore_opts_init(&o);
	o.strategy = PCSIM_STRATEGY_CALLBACK;
	assert_int_equal(
		pcsim_explore(&pcsim_builtin_find("micro-lost-wakeup")->prog, NULL, &o, &r),
		-EINVAL);
	assert_non_null(r.message);
	assert_non_null(strstr(r.message, "choose"));
	pcsim_report_free(&r);
	assert_string_equal(pcsim_strategy_name(PCSIM_STRATEGY_CALLBACK), "callback");
}

/* The picks are taken, labelled as the narrative says, and the schedule replays them. */
static void test_picks_are_the_schedule(void **state)
{
	(void)state;
	struct script s = {.want = lost, .nwant = 4};
	struct pcsim_report r;
	assert_int_equal(run("micro-lost-wakeup", &s, &r), 1);
	assert_int_equal(r.outcome, PCSIM_OUTCOME_DEADLOCK);
	assert_int_equal(s.calls, 4);
	assert_int_equal(s.ends, 1);
	assert_int_equal(s.end_outcome, PCSIM_OUTCOME_DEADLOCK);
	assert_int_equal(s.first_n, 2);
	assert_int_equal(s.first_dflt, 0);
	assert_int_equal(s.first_cur, -1);
	assert_int_equal(s.first_index, 0);
	assert_int_equal(s.first_step, 1);
	assert_string_equal(s.first[0], "T1 waiter: start (on cpu0)");
	assert_string_equal(s.first[1], "T2 waker: start (on cpu1)");
	assert_non_null(r.schedule);
	assert_non_null(strstr(r.schedule, "choices 4\nrun T1\nrun T2\nrun T2\nrun T2\nend\n"));
	assert_non_null(strstr(r.schedule, "strategy callback "));
	/* replayed, the schedule gives the same failure */
	struct pcsim_explore_opts o;
	struct pcsim_report r2;
	pcsim_explore_opts_init(&o);
	o.strategy = PCSIM_STRATEGY_REPLAY;
	o.schedule = r.schedule;
	assert_int_equal(
		pcsim_explore(&pcsim_builtin_find("micro-lost-wakeup")->prog, NULL, &o, &r2), 1);
	assert_int_equal(r2.outcome, PCSIM_OUTCOME_DEADLOCK);
	assert_int_equal(r2.step, r.step);
	pcsim_report_free(&r2);
	pcsim_report_free(&r);
}

/* The other order is clean: the strategy does what it is told, not what it would have done. */
static void test_other_order_is_clean(void **state)
{
	(void)state;
	static const char *const other[] = {"run T2"};
	struct script s = {.want = other, .nwant = 1};
	struct pcsim_report r;
	assert_int_equal(run("micro-lost-wakeup", &s, &r), 0);
	assert_int_equal(r.outcome, PCSIM_OUTCOME_OK);
	assert_int_equal(s.ends, 1);
	assert_non_null(strstr(r.schedule, "\nrun T2\n"));
	pcsim_report_free(&r);
}

static void test_stop(void **state)
{
	(void)state;
	struct script s = {.want = lost, .nwant = 4, .stop_at = 2};
	struct pcsim_report r;
	assert_int_equal(run("micro-lost-wakeup", &s, &r), 1);
	assert_int_equal(r.outcome, PCSIM_OUTCOME_DIVERGED);
	assert_string_equal(r.what, "stopped");
	assert_int_equal(s.calls, 2);
	assert_false(r.confirmed);
	/* the stopping decision is not part of the schedule */
	assert_non_null(strstr(r.schedule, "choices 1\nrun T1\nend\n"));
	pcsim_report_free(&r);
}

static void test_out_of_range_is_default(void **state)
{
	(void)state;
	struct script a = {.out_of_range = true}, b = {0};
	struct pcsim_report ra, rb;
	assert_true(run("micro-lost-wakeup", &a, &ra) >= 0);
	assert_true(run("micro-lost-wakeup", &b, &rb) >= 0);
	assert_int_equal(ra.outcome, rb.outcome);
	assert_string_equal(ra.schedule, rb.schedule);
	pcsim_report_free(&ra);
	pcsim_report_free(&rb);
}

/* Looking (every view, at every decision) changes nothing: same hash, same schedule. */
static void test_looking_changes_nothing(void **state)
{
	(void)state;
	static const char *const progs[] = {"micro-lost-wakeup", "sb", "pagecache-general",
					    "uring-rasync"};
	for (unsigned i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		struct script a = {0}, b = {.look = true};
		struct pcsim_report ra, rb;
		assert_true(run(progs[i], &a, &ra) >= 0);
		assert_true(run(progs[i], &b, &rb) >= 0);
		assert_true(b.sched_ok);
		assert_true(b.trace_ok);
		assert_int_equal(ra.outcome, rb.outcome);
		assert_true(ra.trace_hash != 0);
		assert_true(ra.trace_hash == rb.trace_hash);
		assert_string_equal(ra.schedule, rb.schedule);
		if (strncmp(progs[i], "pagecache", 9) == 0 || strncmp(progs[i], "uring", 5) == 0)
			assert_true(b.saw_pages);
		pcsim_report_free(&ra);
		pcsim_report_free(&rb);
	}
}

int main(int argc, char **argv)
{
	pt_init(argc, argv);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_needs_choose),
		cmocka_unit_test(test_picks_are_the_schedule),
		cmocka_unit_test(test_other_order_is_clean),
		cmocka_unit_test(test_stop),
		cmocka_unit_test(test_out_of_range_is_default),
		cmocka_unit_test(test_looking_changes_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
