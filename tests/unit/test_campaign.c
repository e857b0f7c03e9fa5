// SPDX-License-Identifier: MIT
/*
 * Description: campaigns and shrinking (docs/campaigns.md, docs/shrinking.md).
 * - The union of N slices (pcsim_explore_opts.slice_index/slice_count) is the single run: the
 *   same number of executions, steps, failures and the same digest (the sum of a hash of each
 *   execution's choices, i.e. the same multiset of executions), for random, PCT and DFS, on
 *   programs with and without failures; a DFS space is exhausted by the slices exactly when
 *   by the single run.
 * - DFS slices under a preemption bound are balanced (none has twice its share), and slice I
 *   of N is the union of slices I + N*j of N*J.
 * - Searches that claim the subtrees of one slice (slice_claim, as --jobs workers of a complete
 *   DFS do), run on threads at once, add up to the slice.
 * - Slices sharing a failure bound (as --jobs workers do) report, as the smallest failing
 *   order, the failure the single run reports first.
 * - The final states (<pcsim/outcome.h>) of the slices add up to the single run's.
 * - Shrinking: a zoo failure found at full length (B-02 in pagecache-general) is shrunk to fewer
 *   choices and steps; the shrunk schedule replays strictly with the same outcome and `what`;
 *   shrinking twice gives the same schedule.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcsim_support/programs.h>

#include "pcsim_test.h"

static const struct pcsim_builtin *prog(const char *name)
{
	const struct pcsim_builtin *b = pcsim_builtin_find(name);
	assert_non_null(b);
	return b;
}

static struct pcsim_config config_for(const struct pcsim_builtin *b)
{
	struct pcsim_config cfg;
	pcsim_config_init(&cfg);
	cfg.mem = b->mem;
	if (b->wait_table_bits >= 0)
		pcsim_pagecache_config(&cfg)->wait_table_bits = (unsigned)b->wait_table_bits;
	return cfg;
}

struct sums {
	uint64_t executions, steps, failures, digest;
	bool exhausted;
};

static uint64_t last_single;	/* run_slices(): the single run's executions */

/* Runs the single search and its @n slices, checks that they add up; the largest slice's
 * executions. */
static uint64_t run_slices(const char *name, enum pcsim_strategy st, uint64_t max,
			   unsigned bound, unsigned n)
{
	const struct pcsim_builtin *b = prog(name);
	struct pcsim_config cfg = config_for(b);
	struct pcsim_explore_opts o;
	struct pcsim_report r;
	pcsim_explore_opts_init(&o);
	o.strategy = st;
	o.max_executions = max;
	o.preemption_bound = bound;
	o.stop_on_violation = false;
	o.confirm = false;
	o.digest = true;
	assert_true(pcsim_explore(&b->prog, &cfg, &o, &r) >= 0);
	struct sums single = { r.executions, r.steps, r.failures, r.digest, r.exhausted };
	pcsim_report_free(&r);
	last_single = single.executions;
	struct sums u = { 0, 0, 0, 0, true };
	uint64_t largest = 0;
	for (unsigned i = 0; i < n; i++) {
		o.slice_index = i;
		o.slice_count = n;
		assert_true(pcsim_explore(&b->prog, &cfg, &o, &r) >= 0);
		assert_true(r.executions > 0);	/* every slice has work here */
		if (r.executions > largest)
			largest = r.executions;
		u.executions += r.executions;
		u.steps += r.steps;
		u.failures += r.failures;
		u.digest += r.digest;
		u.exhausted &= r.exhausted;
		pcsim_report_free(&r);
	}
	printf("%s %s: single %llu executions, %llu steps, %llu failures; %u slices: %llu, %llu, "
	       "%llu\n",
	       name, pcsim_strategy_name(st), (unsigned long long)single.executions,
	       (unsigned long long)single.steps, (unsigned long long)single.failures, n,
	       (unsigned long long)u.executions, (unsigned long long)u.steps,
	       (unsigned long long)u.failures);
	assert_true(single.executions > 1);
	assert_int_equal(u.executions, single.executions);
	assert_int_equal(u.steps, single.steps);
	assert_int_equal(u.failures, single.failures);
	assert_int_equal(u.digest, single.digest);
	if (st == PCSIM_STRATEGY_DFS)
		assert_int_equal(u.exhausted, single.exhausted);
	return largest;
}

static void test_slices_random(void **state)
{
	(void)state;
	run_slices("micro-lost-wakeup", PCSIM_STRATEGY_RANDOM, 700, 0, 3);
	run_slices("abba", PCSIM_STRATEGY_RANDOM, 500, 0, 4);
}

static void test_slices_pct(void **state)
{
	(void)state;
	/* past PCSIM_PCT_LEARN, where k must be the single run's */
	run_slices("micro-lost-wakeup", PCSIM_STRATEGY_PCT, PCSIM_PCT_LEARN + 700, 0, 3);
	run_slices("abba", PCSIM_STRATEGY_PCT, PCSIM_PCT_LEARN + 300, 0, 5);
}

static void test_slices_dfs(void **state)
{
	(void)state;
	run_slices("micro-fixed", PCSIM_STRATEGY_DFS, 0, 6, 4);
	run_slices("micro-lost-wakeup", PCSIM_STRATEGY_DFS, 0, 4, 3);
	run_slices("abba", PCSIM_STRATEGY_DFS, 0, 3, 2);
}

/* A complete DFS search at @bound, every execution counted, its choices digested. */
static void dfs_all(struct pcsim_explore_opts *o, unsigned bound)
{
	pcsim_explore_opts_init(o);
	o->strategy = PCSIM_STRATEGY_DFS;
	o->preemption_bound = bound;
	o->max_executions = 0;
	o->stop_on_violation = false;
	o->confirm = false;
	o->digest = true;
}

/*
 * DFS slices under a preemption bound share the work out: the subtree below a prefix of
 * defaults keeps the whole budget, so slices cut at a fixed depth gave one slice 90 % of
 * uring-eventfd's bound-1 tree (4,205 of 4,662 executions in 8 slices); cut where the
 * estimated share falls under 1/PCSIM_SLICE_PARTS (explore.c), none has twice its due.
 */
static void test_slices_dfs_balanced(void **state)
{
	(void)state;
	const struct { const char *name; unsigned bound; } c[] = {
		{ "uring-eventfd", 1 }, { "sb", 2 },
	};
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		const unsigned n = 8;
		uint64_t largest = run_slices(c[i].name, PCSIM_STRATEGY_DFS, 0, c[i].bound, n);
		uint64_t total = last_single;
		printf("%s bound %u: largest of %u slices %llu of %llu executions\n", c[i].name,
		       c[i].bound, n, (unsigned long long)largest, (unsigned long long)total);
		assert_true(largest * n <= 2 * total);
	}
}

/* Searches of one slice that claim its subtrees (slice_claim), on threads at once. */
struct claimer {
	const struct pcsim_builtin *b;
	struct pcsim_config cfg;
	struct pcsim_explore_opts o;
	struct pcsim_report r;
	int rc;
};

static void *claimer_run(void *arg)
{
	struct claimer *c = arg;
	c->rc = pcsim_explore(&c->b->prog, &c->cfg, &c->o, &c->r);
	return NULL;
}

/* @nthreads searches claiming the subtrees of slice @index of @count add up to the slice. */
static void run_claimed(const char *name, unsigned bound, unsigned index, unsigned count,
			unsigned nthreads)
{
	const struct pcsim_builtin *b = prog(name);
	struct claimer c[4];
	assert_true(nthreads <= 4);
	uint64_t claim = 0;
	struct pcsim_explore_opts o;
	struct pcsim_report r;
	dfs_all(&o, bound);
	o.slice_index = index;
	o.slice_count = count;
	struct pcsim_config cfg = config_for(b);
	assert_true(pcsim_explore(&b->prog, &cfg, &o, &r) >= 0);
	struct sums whole = { r.executions, r.steps, r.failures, r.digest, r.exhausted };
	pcsim_report_free(&r);
	pthread_t th[4];
	for (unsigned t = 0; t < nthreads; t++) {
		c[t].b = b;
		c[t].cfg = config_for(b);
		c[t].o = o;
		c[t].o.slice_claim = &claim;
		assert_int_equal(pthread_create(&th[t], NULL, claimer_run, &c[t]), 0);
	}
	struct sums u = { 0, 0, 0, 0, true };
	for (unsigned t = 0; t < nthreads; t++) {
		assert_int_equal(pthread_join(th[t], NULL), 0);
		assert_true(c[t].rc >= 0);
		u.executions += c[t].r.executions;
		u.steps += c[t].r.steps;
		u.failures += c[t].r.failures;
		u.digest += c[t].r.digest;
		u.exhausted &= c[t].r.exhausted;
		printf("%s bound %u, slice %u/%u, claimer %u: %llu executions\n", name, bound,
		       index, count, t, (unsigned long long)c[t].r.executions);
		pcsim_report_free(&c[t].r);
	}
	assert_true(whole.executions > 1);
	assert_int_equal(u.executions, whole.executions);
	assert_int_equal(u.steps, whole.steps);
	assert_int_equal(u.failures, whole.failures);
	assert_int_equal(u.digest, whole.digest);
	assert_int_equal(u.exhausted, whole.exhausted);
	/* every subtree was claimed once: the counter is the number of the slice's subtrees */
	assert_true(claim > 1);
}

static void test_slices_dfs_claimed(void **state)
{
	(void)state;
	run_claimed("uring-eventfd", 1, 0, 1, 3);	/* --jobs 3 */
	run_claimed("abba", 3, 0, 1, 2);		/* with failures */
	run_claimed("sb", 2, 1, 2, 2);			/* --shard 1/2 --jobs 2 */
}

/*
 * A DFS slice's trace hash is its own last execution's: a search that traces every execution
 * (no confirming replays) computes it at that execution, an untraced one (the default) from
 * a traced replay of it at the end; the last execution of the whole tree is usually another
 * slice's, uncounted here.
 */
static void test_slices_dfs_trace_hash(void **state)
{
	(void)state;
	const struct pcsim_builtin *b = prog("sb");
	struct pcsim_config cfg = config_for(b);
	struct pcsim_explore_opts o;
	struct pcsim_report r;
	for (unsigned i = 0; i < 4; i++) {
		dfs_all(&o, 2);
		o.slice_index = i;
		o.slice_count = 4;
		assert_true(pcsim_explore(&b->prog, &cfg, &o, &r) >= 0);
		uint64_t all = r.trace_hash;
		pcsim_report_free(&r);
		o.confirm = true;
		assert_true(pcsim_explore(&b->prog, &cfg, &o, &r) >= 0);
		printf("slice %u/4: trace hash %016llx traced, %016llx replayed\n", i,
		       (unsigned long long)all, (unsigned long long)r.trace_hash);
		assert_true(all != 0);
		assert_int_equal(r.trace_hash, all);
		pcsim_report_free(&r);
	}
}

/* Slices nest: slice I of N is slices I + N*j of N*J, j < J (what --jobs under --shard runs). */
static void test_slices_dfs_nest(void **state)
{
	(void)state;
	const struct pcsim_builtin *b = prog("sb");
	struct pcsim_config cfg = config_for(b);
	struct pcsim_explore_opts o;
	struct pcsim_report r;
	dfs_all(&o, 2);
	for (unsigned i = 0; i < 3; i++) {
		o.slice_index = i;
		o.slice_count = 3;
		assert_true(pcsim_explore(&b->prog, &cfg, &o, &r) >= 0);
		struct sums whole = { r.executions, r.steps, r.failures, r.digest, r.exhausted };
		pcsim_report_free(&r);
		struct sums parts = { 0, 0, 0, 0, true };
		for (unsigned j = 0; j < 2; j++) {
			o.slice_index = i + 3 * j;
			o.slice_count = 6;
			assert_true(pcsim_explore(&b->prog, &cfg, &o, &r) >= 0);
			parts.executions += r.executions;
			parts.steps += r.steps;
			parts.digest += r.digest;
			pcsim_report_free(&r);
		}
		assert_true(whole.executions > 0);
		assert_int_equal(parts.executions, whole.executions);
		assert_int_equal(parts.steps, whole.steps);
		assert_int_equal(parts.digest, whole.digest);
	}
}

/* Slices run one after the other with a shared bound: the smallest failing order is the
 * single run's first failure, whatever the order the slices run in. */
static void shared_bound(const char *name, enum pcsim_strategy st, unsigned bound, unsigned n)
{
	const struct pcsim_builtin *b = prog(name);
	struct pcsim_config cfg = config_for(b);
	struct pcsim_explore_opts o;
	struct pcsim_report r;
	pcsim_explore_opts_init(&o);
	o.strategy = st;
	o.preemption_bound = bound;
	o.max_executions = 5000;
	o.confirm = false;
	assert_int_equal(pcsim_explore(&b->prog, &cfg, &o, &r), 1);
	uint64_t first = r.failing_execution;
	char what[64];
	snprintf(what, sizeof(what), "%s", r.what);
	pcsim_report_free(&r);
	for (unsigned rev = 0; rev < 2; rev++) {
		uint64_t bnd = UINT64_MAX, best = UINT64_MAX;
		char bwhat[64] = "";
		for (unsigned k = 0; k < n; k++) {
			o.slice_count = n;
			o.slice_index = rev ? n - 1 - k : k;
			o.slice_bound = &bnd;
			int ret = pcsim_explore(&b->prog, &cfg, &o, &r);
			assert_true(ret >= 0);
			if (ret == 1 && r.failing_order < best) {
				best = r.failing_order;
				snprintf(bwhat, sizeof(bwhat), "%s", r.what);
			}
			pcsim_report_free(&r);
		}
		assert_int_equal(bnd, best);
		assert_string_equal(bwhat, what);
		if (st != PCSIM_STRATEGY_DFS)
			assert_int_equal(best + 1, first);	/* the order is the index */
	}
}

static void test_slices_shared_bound(void **state)
{
	(void)state;
	shared_bound("micro-lost-wakeup", PCSIM_STRATEGY_RANDOM, 0, 3);
	shared_bound("micro-lost-wakeup", PCSIM_STRATEGY_PCT, 0, 4);
	shared_bound("abba", PCSIM_STRATEGY_DFS, 3, 3);
}

static void test_slice_bad(void **state)
{
	(void)state;
	const struct pcsim_builtin *b = prog("abba");
	struct pcsim_explore_opts o;
	struct pcsim_report r;
	pcsim_explore_opts_init(&o);
	o.slice_index = 3;
	o.slice_count = 3;
	assert_int_equal(pcsim_explore(&b->prog, NULL, &o, &r), -22);
	assert_non_null(r.message);
	pcsim_report_free(&r);
}

/* B-02 in the general scenario, found by PCT (seed 1) at full length, then shrunk. */
static void shrink_b02(struct pcsim_report *r)
{
	struct pcsim_config cfg;
	struct pcsim_explore_opts o;
	pcsim_config_init(&cfg);
	pcsim_pagecache_config(&cfg)->wait_table_bits = 0;
	cfg.bugs = PCSIM_BUG(2);
	pcsim_explore_opts_init(&o);
	o.max_executions = 10000;
	o.shrink = true;
	assert_int_equal(pcsim_explore(pcsim_pagecache_general_program(), &cfg, &o, r), 1);
}

static void test_shrink_zoo(void **state)
{
	(void)state;
	struct pcsim_report a, b, rr;
	shrink_b02(&a);
	printf("B-02: %s (%s) found with %llu choices, %llu steps, %llu preemptions; shrunk to "
	       "%llu choices, %llu steps, %llu preemptions in %llu replays\n",
	       pcsim_outcome_name(a.outcome), a.what, (unsigned long long)a.found_choices,
	       (unsigned long long)a.found_steps, (unsigned long long)a.found_preemptions,
	       (unsigned long long)a.fail_choices, (unsigned long long)a.fail_steps,
	       (unsigned long long)a.fail_preemptions, (unsigned long long)a.shrink_replays);
	assert_true(a.confirmed);
	assert_true(a.shrunk);
	assert_true(a.fail_choices < a.found_choices);
	assert_true(a.fail_steps <= a.found_steps);
	assert_non_null(a.schedule);
	assert_non_null(a.trace);
	/* the written schedule replays strictly, to the same failure */
	struct pcsim_config cfg;
	char pname[128], err[256];
	pcsim_config_init(&cfg);
	assert_int_equal(pcsim_schedule_info(a.schedule, pname, sizeof(pname), &cfg, err,
					     sizeof(err)), 0);
	struct pcsim_explore_opts o;
	pcsim_explore_opts_init(&o);
	o.strategy = PCSIM_STRATEGY_REPLAY;
	o.schedule = a.schedule;
	assert_int_equal(pcsim_explore(pcsim_pagecache_general_program(), &cfg, &o, &rr), 1);
	assert_int_equal(rr.outcome, a.outcome);
	assert_string_equal(rr.what, a.what);
	assert_int_equal(rr.step, a.step);
	assert_true(rr.confirmed);
	pcsim_report_free(&rr);
	/* deterministic: the same failure shrinks to the same schedule */
	shrink_b02(&b);
	assert_true(b.shrunk);
	assert_string_equal(a.schedule, b.schedule);
	assert_int_equal(a.trace_hash, b.trace_hash);
	assert_int_equal(a.shrink_replays, b.shrink_replays);
	pcsim_report_free(&a);
	pcsim_report_free(&b);
}

/* Without o.shrink (the library's default) the report is the failure as found. */
static void test_shrink_off(void **state)
{
	(void)state;
	const struct pcsim_builtin *b = prog("micro-lost-wakeup");
	struct pcsim_explore_opts o;
	struct pcsim_report r;
	pcsim_explore_opts_init(&o);
	assert_false(o.shrink);
	assert_int_equal(pcsim_explore(&b->prog, NULL, &o, &r), 1);
	assert_false(r.shrunk);
	assert_int_equal(r.shrink_replays, 0);
	assert_int_equal(r.fail_choices, r.found_choices);
	assert_true(r.found_choices > 0);
	pcsim_report_free(&r);
}

/* The final states of the slices add up to the single run's: a slice does not count the
 * states of the executions it runs for another slice (PCT's learning, DFS's subtree finding). */
static void test_slices_final_states(void **state)
{
	(void)state;
	static const enum pcsim_strategy strategies[] = { PCSIM_STRATEGY_RANDOM,
							  PCSIM_STRATEGY_PCT, PCSIM_STRATEGY_DFS };
	for (unsigned k = 0; k < 3; k++) {
		struct pcsim_config cfg;
		pcsim_config_init(&cfg);
		struct pcsim_explore_opts o;
		struct pcsim_report r;
		pcsim_explore_opts_init(&o);
		o.strategy = strategies[k];
		o.max_executions = o.strategy == PCSIM_STRATEGY_DFS ? 0 : 1500;
		o.preemption_bound = 3;
		o.confirm = false;
		assert_true(pcsim_explore(&pt_racy_choice, &cfg, &o, &r) >= 0);
		uint64_t single[2] = { 0, 0 }, sum[2] = { 0, 0 }, unrec = r.unrecorded, usum = 0;
		assert_int_equal(r.nstates, 2);
		for (size_t i = 0; i < r.nstates; i++)
			single[i] = r.states[i].count;
		pcsim_report_free(&r);
		for (unsigned sl = 0; sl < 3; sl++) {
			o.slice_index = sl;
			o.slice_count = 3;
			assert_true(pcsim_explore(&pt_racy_choice, &cfg, &o, &r) >= 0);
			for (size_t i = 0; i < r.nstates; i++)
				sum[strcmp(r.states[i].state, "x=1;") == 0 ? 0 : 1] += r.states[i].count;
			usum += r.unrecorded;
			pcsim_report_free(&r);
		}
		if (sum[0] != single[0] || sum[1] != single[1] || usum != unrec) {
			print_error("%s: single x=1 %llu x=2 %llu unrecorded %llu; slices %llu %llu %llu\n",
				    pcsim_strategy_name(o.strategy), (unsigned long long)single[0],
				    (unsigned long long)single[1], (unsigned long long)unrec,
				    (unsigned long long)sum[0], (unsigned long long)sum[1],
				    (unsigned long long)usum);
			fail();
		}
	}
}

int main(int argc, char **argv)
{
	pt_init(argc, argv);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slices_random),	cmocka_unit_test(test_slices_pct),
		cmocka_unit_test(test_slices_dfs),	cmocka_unit_test(test_slices_dfs_balanced),
		cmocka_unit_test(test_slices_dfs_nest),	cmocka_unit_test(test_slices_dfs_trace_hash),	cmocka_unit_test(test_slices_dfs_claimed),	cmocka_unit_test(test_slices_shared_bound),
		cmocka_unit_test(test_slice_bad),	cmocka_unit_test(test_shrink_zoo),
		cmocka_unit_test(test_shrink_off),	cmocka_unit_test(test_slices_final_states),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
