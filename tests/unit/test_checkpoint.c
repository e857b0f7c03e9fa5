// SPDX-License-Identifier: MIT
/*
 * Description: checkpoints (pcsim_explore_opts.checkpoint and .resume, docs/campaigns.md,
 * "Checkpoints").
 * - A search resumed from any checkpoint written along it ends exactly as the search run whole:
 *   the same executions, steps, digest, trace hash, exhaustion and estimate, and the same
 *   failure (execution, step, `what`, schedule text) - for DFS whole and sliced, random and PCT
 *   sliced (PCT learns k across the checkpoint), DPOR (under a bound, without one, across the
 *   restart of its bounded sleep sets), zoo failures found after the resume, a program whose
 *   final states (<pcsim/outcome.h>) are counted on both sides of it, and the exit counts of
 *   <pcsim/cover.h>.
 * - The checkpoints chain: resumed from one, a search writes the next byte for byte (and, in
 *   the soak case, along 2,000,000 executions of a bound-2 slice of pagecache-general).
 * - When checkpoints are written: every checkpoint_every executions, when *checkpoint_req is
 *   set (and it is cleared), at a stop request and at the budget's end; never after the search
 *   is complete.
 * - A checkpoint of another search (seed, bound, slice, configuration, DPOR's switches,
 *   coverage counted or not), any strict prefix of a checkpoint and garbage are refused with -EINVAL and "checkpoint:LINE:COL:"; checkpoints of
 *   strategies, backends and workers that cannot have them are refused; a callback's error
 *   stops the search with -EIO.
 */
#include <errno.h>
#include <signal.h>
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

/* Options of a search with the digest on: @st, @max executions, DFS bound @bound. */
static struct pcsim_explore_opts opts(enum pcsim_strategy st, uint64_t max, unsigned bound)
{
	struct pcsim_explore_opts o;
	pcsim_explore_opts_init(&o);
	o.strategy = st;
	o.max_executions = max;
	o.preemption_bound = bound;
	o.digest = true;
	return o;
}

/* The checkpoints a search wrote, in order. */
struct kept {
	char *text[64];
	unsigned n;
	int fail_with;	/* the callback's answer, 0: keep */
};

static int keep(const char *text, size_t len, void *arg)
{
	struct kept *k = arg;
	assert_int_equal(strlen(text), len);
	if (k->fail_with)
		return k->fail_with;
	assert_true(k->n < 64);
	k->text[k->n] = malloc(len + 1);
	assert_non_null(k->text[k->n]);
	memcpy(k->text[k->n++], text, len + 1);
	return 0;
}

static void kept_free(struct kept *k)
{
	for (unsigned i = 0; i < k->n; i++)
		free(k->text[i]);
	k->n = 0;
}

/* What a search's report says, for comparison. */
struct result {
	int rc;
	enum pcsim_outcome outcome;
	uint64_t executions, steps, digest, trace_hash, failing_execution, step, unrecorded;
	bool exhausted, confirmed;
	double explored;
	char what[64];
	char *schedule;
	char states[512];
};

static struct result run(const struct pcsim_program *p, const struct pcsim_config *cfg,
			 const struct pcsim_explore_opts *o)
{
	struct pcsim_report r;
	struct result x;
	memset(&x, 0, sizeof(x));
	x.rc = pcsim_explore(p, cfg, o, &r);
	if (x.rc < 0)
		print_error("pcsim_explore: %d %s\n", x.rc, r.message ? r.message : "");
	x.outcome = r.outcome;
	x.executions = r.executions;
	x.steps = r.steps;
	x.digest = r.digest;
	x.trace_hash = r.trace_hash;
	x.failing_execution = r.failing_execution;
	x.step = r.step;
	x.unrecorded = r.unrecorded;
	x.exhausted = r.exhausted;
	x.confirmed = r.confirmed;
	x.explored = r.explored;
	memcpy(x.what, r.what, sizeof(x.what));
	x.schedule = r.schedule ? strdup(r.schedule) : NULL;
	size_t off = 0;
	for (size_t i = 0; i < r.nstates; i++)
		off += (size_t)snprintf(x.states + off, sizeof(x.states) - off, "%s=%llu|",
					r.states[i].state, (unsigned long long)r.states[i].count);
	pcsim_report_free(&r);
	return x;
}

static void same(const struct result *a, const struct result *b)
{
	assert_int_equal(a->rc, b->rc);
	assert_int_equal(a->outcome, b->outcome);
	assert_int_equal(a->executions, b->executions);
	assert_int_equal(a->steps, b->steps);
	assert_int_equal(a->digest, b->digest);
	assert_int_equal(a->trace_hash, b->trace_hash);
	assert_int_equal(a->failing_execution, b->failing_execution);
	assert_int_equal(a->step, b->step);
	assert_int_equal(a->unrecorded, b->unrecorded);
	assert_int_equal(a->exhausted, b->exhausted);
	assert_int_equal(a->confirmed, b->confirmed);
	assert_true(a->explored == b->explored);
	assert_string_equal(a->what, b->what);
	assert_string_equal(a->states, b->states);
	assert_int_equal(a->schedule != NULL, b->schedule != NULL);
	if (a->schedule)
		assert_string_equal(a->schedule, b->schedule);
}

/* checkpoint_every: keep the first checkpoint written, then ask the search to stop. */
struct first {
	char *text;
	volatile sig_atomic_t stop;
};

static int keep_first(const char *text, size_t len, void *arg)
{
	struct first *f = arg;
	if (!f->text) {
		f->text = malloc(len + 1);
		assert_non_null(f->text);
		memcpy(f->text, text, len + 1);
	}
	f->stop = 1;
	return 0;
}

/*
 * The chain: resumed from each checkpoint of @k (written every @o->checkpoint_every
 * executions), a search writes the next one byte for byte - the same state, whichever process
 * reached it. Texts with final states are left out (their order follows the histogram's
 * slots, which depend on the order the states came in).
 */
static void check_chain(const struct pcsim_program *p, const struct pcsim_config *cfg,
			struct pcsim_explore_opts o, const struct kept *k)
{
	for (unsigned i = 0; i + 1 < k->n; i++) {
		if (strstr(k->text[i + 1], "\nstate "))
			continue;
		struct first f = { NULL, 0 };
		o.resume = k->text[i];
		o.checkpoint = keep_first;
		o.checkpoint_arg = &f;
		o.stop = &f.stop;
		struct result r = run(p, cfg, &o);
		free(r.schedule);
		assert_non_null(f.text);
		assert_string_equal(f.text, k->text[i + 1]);
		free(f.text);
	}
}

/*
 * Run the search whole, then again writing a checkpoint every @every executions (at least
 * @min of them), then go on from each: every resumed search ends as the whole one, and the
 * checkpoints chain (check_chain()). Returns the whole search's result (its schedule freed).
 */
static struct result check_resumes(const struct pcsim_program *p, const struct pcsim_config *cfg,
				   struct pcsim_explore_opts o, uint64_t every, unsigned min)
{
	struct result whole = run(p, cfg, &o);
	assert_true(whole.rc >= 0);
	struct kept k = { .n = 0 };
	o.checkpoint = keep;
	o.checkpoint_arg = &k;
	o.checkpoint_every = every;
	struct result with = run(p, cfg, &o);
	same(&whole, &with);	/* writing checkpoints changes nothing */
	assert_true(k.n >= min);
	if (whole.exhausted)	/* none once the search is complete */
		assert_int_equal(k.n, (whole.executions - 1) / every);
	check_chain(p, cfg, o, &k);
	o.checkpoint = NULL;
	o.checkpoint_every = 0;
	for (unsigned i = 0; i < k.n; i++) {
		o.resume = k.text[i];
		struct result res = run(p, cfg, &o);
		same(&whole, &res);
		free(res.schedule);
	}
	kept_free(&k);
	free(with.schedule);
	free(whole.schedule);
	whole.schedule = NULL;
	return whole;
}

static void test_dfs_whole_and_sliced(void **state)
{
	(void)state;
	const struct pcsim_builtin *b = prog("uring-b18");
	struct pcsim_config cfg = config_for(b);
	struct pcsim_explore_opts o = opts(PCSIM_STRATEGY_DFS, 0, 1);
	struct result r = check_resumes(&b->prog, &cfg, o, 700, 7);
	assert_true(r.exhausted);
	assert_int_equal(r.executions, 5119);
	/* a slice: the subtree being walked and its prefix go on too */
	o.slice_index = 3;
	o.slice_count = 4;
	r = check_resumes(&b->prog, &cfg, o, 250, 4);
	assert_true(r.exhausted);
}

static void test_random_and_pct_sliced(void **state)
{
	(void)state;
	const struct pcsim_builtin *b = prog("uring-b18");
	struct pcsim_config cfg = config_for(b);
	struct pcsim_explore_opts o = opts(PCSIM_STRATEGY_RANDOM, 3000, 0);
	o.slice_index = 1;
	o.slice_count = 3;
	struct result r = check_resumes(&b->prog, &cfg, o, 300, 3);
	assert_int_equal(r.executions, 1000);
	/* PCT: every slice runs the first PCSIM_PCT_LEARN executions to learn k; checkpoints
	 * inside that stretch carry what was learnt so far */
	o.strategy = PCSIM_STRATEGY_PCT;
	o.slice_count = 2;
	r = check_resumes(&b->prog, &cfg, o, 200, 7);
	assert_int_equal(r.executions, 1500);
}

static void test_failure_after_resume(void **state)
{
	(void)state;
	const struct pcsim_builtin *b = prog("uring-b13");
	struct pcsim_config cfg = config_for(b);
	cfg.bugs |= 1ull << 13;
	struct pcsim_explore_opts o = opts(PCSIM_STRATEGY_DFS, 0, 1);
	struct result r = check_resumes(&b->prog, &cfg, o, 1000, 3);
	assert_int_equal(r.outcome, PCSIM_OUTCOME_VIOLATION);
	assert_string_equal(r.what, "U5");
	assert_int_equal(r.failing_execution, 3810);
	assert_true(r.confirmed);
}

static void test_final_states(void **state)
{
	(void)state;
	struct pcsim_config cfg;
	pcsim_config_init(&cfg);
	struct pcsim_explore_opts o = opts(PCSIM_STRATEGY_RANDOM, 400, 0);
	struct result r = check_resumes(&pt_racy, &cfg, o, 90, 4);
	assert_non_null(strstr(r.states, "x=1;="));
	assert_non_null(strstr(r.states, "x=2;="));
}

/*
 * DPOR: its decision stack (backtrack, done and sleep sets, the sleep entries' footprints) goes
 * on from every checkpoint - under a bound (uring-b18), without one (sleep sets throughout:
 * micro-fixed; sb-mb under tso, whose flushes turn the bounded sleep sets off before any entry),
 * across the restart of pt_late, whose late signal turns them off after they pruned (bounds 1
 * and 2, a checkpoint after every execution, so before and after the restart), and to a zoo
 * failure found after the resume.
 */
static void test_dpor(void **state)
{
	(void)state;
	const struct pcsim_builtin *b = prog("uring-b18");
	struct pcsim_config cfg = config_for(b);
	struct pcsim_explore_opts o = opts(PCSIM_STRATEGY_DPOR, 0, 1);
	struct result r = check_resumes(&b->prog, &cfg, o, 2000, 2);
	assert_true(r.exhausted);
	assert_int_equal(r.executions, 4376);

	b = prog("micro-fixed");
	cfg = config_for(b);
	o = opts(PCSIM_STRATEGY_DPOR, 0, PCSIM_DPOR_UNBOUNDED);
	r = check_resumes(&b->prog, &cfg, o, 1, 10);
	assert_true(r.exhausted);
	assert_int_equal(r.executions, 11);
	b = prog("sb-mb");
	cfg = config_for(b);
	cfg.mem = PCSIM_MEM_TSO;
	o.preemption_bound = 2;
	r = check_resumes(&b->prog, &cfg, o, 1, 3);
	assert_true(r.exhausted);

	struct pcsim_config c2 = pt_config(PCSIM_MEM_SC);
	c2.ncpus = 2;
	for (unsigned bound = 1; bound <= 2; bound++) {
		o = opts(PCSIM_STRATEGY_DPOR, 0, bound);
		r = check_resumes(&pt_late, &c2, o, 1, 8);
		assert_true(r.exhausted);
	}

	b = prog("uring-b13");
	cfg = config_for(b);
	cfg.bugs |= 1ull << 13;
	o = opts(PCSIM_STRATEGY_DPOR, 0, 1);
	r = check_resumes(&b->prog, &cfg, o, 1500, 1);
	assert_int_equal(r.outcome, PCSIM_OUTCOME_VIOLATION);
	assert_string_equal(r.what, "U5");
	assert_int_equal(r.failing_execution, 2438);
	assert_true(r.confirmed);
}

static void refused(const struct pcsim_program *p, const struct pcsim_config *cfg,
		    struct pcsim_explore_opts o, const char *text, const char *prefix);

/* The exit counters of <pcsim/cover.h>, all of them. */
static void cover_counts(uint64_t *c)
{
	unsigned n;
	pcsim_cover_sites(&n);
	for (unsigned i = 0; i < n; i++)
		c[i] = pcsim_cover_count((enum pcsim_cover_id)i);
}

/*
 * Coverage (`--coverage`): a checkpoint of a search that counts the exits of the wait functions
 * holds the counts so far, and the search resumed from it ends with the whole search's counts
 * (uring-b18, DFS bound 1; the explorer writes them, whatever the strategy); a checkpoint with
 * counts is refused by a search that does not count, and one without by a search that does,
 * with the counters left as they were.
 */
static void test_coverage(void **state)
{
	(void)state;
	const struct pcsim_builtin *b = prog("uring-b18");
	struct pcsim_config cfg = config_for(b);
	struct pcsim_explore_opts o = opts(PCSIM_STRATEGY_DFS, 0, 1);
	uint64_t whole[PCSIM_NR_COVER_SITES], now[PCSIM_NR_COVER_SITES];
	pcsim_cover_reset();
	pcsim_cover_enable(true);
	struct kept k = { .n = 0 };
	o.checkpoint = keep;
	o.checkpoint_arg = &k;
	o.checkpoint_every = 2500;
	struct result r = run(&b->prog, &cfg, &o);
	free(r.schedule);
	assert_int_equal(r.executions, 5119);
	assert_int_equal(k.n, 2);
	cover_counts(whole);
	uint64_t reached = 0;
	for (unsigned i = 0; i < PCSIM_NR_COVER_SITES; i++)
		reached += whole[i] != 0;
	assert_true(reached >= 3);
	o.checkpoint = NULL;
	for (unsigned i = 0; i < k.n; i++) {
		assert_non_null(strstr(k.text[i], "\ncover "));
		pcsim_cover_reset();	/* the checkpoint sets them */
		o.resume = k.text[i];
		r = run(&b->prog, &cfg, &o);
		free(r.schedule);
		assert_int_equal(r.rc, 0);
		cover_counts(now);
		assert_memory_equal(now, whole, sizeof(whole));
	}
	/* counts, resumed by a search that does not count them; and none, by one that does */
	pcsim_cover_enable(false);
	refused(&b->prog, &cfg, o, k.text[1], "checkpoint:");
	struct pcsim_explore_opts x = opts(PCSIM_STRATEGY_DFS, 300, 1);
	struct kept plain = { .n = 0 };
	x.checkpoint = keep;
	x.checkpoint_arg = &plain;
	r = run(&b->prog, &cfg, &x);
	free(r.schedule);
	assert_int_equal(plain.n, 1);
	assert_null(strstr(plain.text[0], "\ncover "));
	x.checkpoint = NULL;
	pcsim_cover_enable(true);
	pcsim_cover_reset();
	refused(&b->prog, &cfg, x, plain.text[0], "checkpoint:");
	cover_counts(now);
	for (unsigned i = 0; i < PCSIM_NR_COVER_SITES; i++)
		assert_int_equal(now[i], 0);
	pcsim_cover_enable(false);
	kept_free(&plain);
	kept_free(&k);
}

/* progress_ex: stop the search at its first progress call (after 1,024 executions). */
static volatile sig_atomic_t stop_flag;
static void stop_at_progress(const struct pcsim_progress *p, void *arg)
{
	(void)arg;
	if (!p->last)
		stop_flag = 1;
}

static void test_when_written(void **state)
{
	(void)state;
	const struct pcsim_builtin *b = prog("uring-b18");
	struct pcsim_config cfg = config_for(b);
	struct pcsim_explore_opts o = opts(PCSIM_STRATEGY_DFS, 0, 1);
	struct result whole = run(&b->prog, &cfg, &o);
	struct kept k = { .n = 0 };
	o.checkpoint = keep;
	o.checkpoint_arg = &k;

	/* a request before the first execution: written before the second, then cleared */
	volatile sig_atomic_t req = 1;
	o.checkpoint_req = &req;
	o.max_executions = 3;
	struct result r = run(&b->prog, &cfg, &o);
	assert_int_equal(req, 0);
	assert_int_equal(k.n, 2);	/* the request's, and the budget's end */
	assert_non_null(strstr(k.text[0], "\ncounts 1 "));
	assert_non_null(strstr(k.text[1], "\ncounts 3 "));
	kept_free(&k);
	o.checkpoint_req = NULL;

	/* a stop request: the state at the stop, from which the search ends as whole */
	o.max_executions = 0;
	stop_flag = 0;
	o.stop = &stop_flag;
	o.progress_ex = stop_at_progress;
	r = run(&b->prog, &cfg, &o);
	assert_int_equal(r.executions, 1024);
	assert_int_equal(k.n, 1);
	o.stop = NULL;
	o.progress_ex = NULL;
	o.resume = k.text[0];
	r = run(&b->prog, &cfg, &o);
	same(&whole, &r);
	/* complete: nothing written */
	assert_int_equal(k.n, 1);
	kept_free(&k);
	free(r.schedule);

	/* a budget's end is a checkpoint; a larger budget goes on from it */
	o.resume = NULL;
	o.max_executions = 2000;
	r = run(&b->prog, &cfg, &o);
	assert_int_equal(k.n, 1);
	o.resume = k.text[0];
	o.max_executions = 0;
	r = run(&b->prog, &cfg, &o);
	same(&whole, &r);
	assert_int_equal(k.n, 1);
	kept_free(&k);
	free(r.schedule);
	free(whole.schedule);
}

/* Resume @text in a search of @o: -EINVAL with a message starting with @prefix. */
static void refused(const struct pcsim_program *p, const struct pcsim_config *cfg,
		    struct pcsim_explore_opts o, const char *text, const char *prefix)
{
	struct pcsim_report r;
	o.resume = text;
	assert_int_equal(pcsim_explore(p, cfg, &o, &r), -EINVAL);
	assert_non_null(r.message);
	if (strncmp(r.message, prefix, strlen(prefix)) != 0) {
		print_error("message '%s' does not start with '%s'\n", r.message, prefix);
		fail();
	}
	assert_int_equal(r.executions, 0);
	pcsim_report_free(&r);
}

/* Every strict prefix of checkpoint @text is refused (no crash, no partial state used), and
 * so is anything after its end. */
static void refused_cut(const struct pcsim_program *p, const struct pcsim_config *cfg,
			struct pcsim_explore_opts o, const char *text)
{
	size_t len = strlen(text);
	char *cut = malloc(len + 8);
	assert_non_null(cut);
	for (size_t n = 17; n < len; n += n < len - 64 ? 23 : 1) {
		memcpy(cut, text, n);
		cut[n] = '\0';
		refused(p, cfg, o, cut, "checkpoint:");
	}
	snprintf(cut, len + 8, "%sx\n", text);
	refused(p, cfg, o, cut, "checkpoint:");
	free(cut);
}

static unsigned first_option(const struct pcsim_decision *d, void *arg)
{
	(void)d, (void)arg;
	return 0;
}

static void test_refused(void **state)
{
	(void)state;
	const struct pcsim_builtin *b = prog("uring-b18");
	struct pcsim_config cfg = config_for(b);
	struct pcsim_explore_opts o = opts(PCSIM_STRATEGY_DFS, 300, 1);
	o.slice_index = 1;
	o.slice_count = 2;
	struct kept k = { .n = 0 };
	o.checkpoint = keep;
	o.checkpoint_arg = &k;
	struct result r = run(&b->prog, &cfg, &o);
	assert_int_equal(r.executions, 300);
	assert_int_equal(k.n, 1);
	const char *text = k.text[0];
	o.checkpoint = NULL;

	struct pcsim_explore_opts x = o;
	x.seed = 2;
	refused(&b->prog, &cfg, x, text, "checkpoint:5:6: the checkpoint is of a search with seed");
	x = o;
	x.preemption_bound = 2;
	refused(&b->prog, &cfg, x, text, "checkpoint:7:7: the checkpoint is of a search with bound");
	x = o;
	x.slice_index = 0;
	refused(&b->prog, &cfg, x, text, "checkpoint:6:7: the checkpoint is of a search with slice");
	struct pcsim_config c2 = cfg;
	c2.ncpus = 3;
	refused(&b->prog, &c2, o, text, "checkpoint:10:8: the checkpoint is of a search with config");
	refused(&b->prog, &cfg, o, "hello\n", "checkpoint:1:1: not a pcsim checkpoint");
	refused(&b->prog, &cfg, o, "pcsim-checkpoint 1\r\nversion 0\r\n",
		"checkpoint:1:19: a carriage return");
	refused_cut(&b->prog, &cfg, o, text);

	/* DPOR's: every strict prefix; a search with another bound or other PCSIM_DPOR_* switches */
	x = o;
	x.strategy = PCSIM_STRATEGY_DPOR;
	x.slice_count = 0;
	x.checkpoint = keep;
	struct kept kd = { .n = 0 };
	x.checkpoint_arg = &kd;
	r = run(&b->prog, &cfg, &x);
	free(r.schedule);
	assert_int_equal(kd.n, 1);
	x.checkpoint = NULL;
	refused_cut(&b->prog, &cfg, x, kd.text[0]);
	/* a footprint's kind is any byte (access kinds and the ENABLE and HELD flags) */
	char *fp = strstr(kd.text[0], "\nfootprints ");
	assert_non_null(fp);
	char *kind = strchr(fp + 12, ' ');	/* after the first footprint's object number */
	assert_non_null(kind);
	size_t klen = strcspn(kind + 1, " \n");
	char *edited = malloc(strlen(kd.text[0]) + 8);
	assert_non_null(edited);
	snprintf(edited, strlen(kd.text[0]) + 8, "%.*s 255%s", (int)(kind - kd.text[0]),
		 kd.text[0], kind + 1 + klen);
	x.resume = edited;
	x.max_executions = 301;
	r = run(&b->prog, &cfg, &x);
	assert_true(r.rc >= 0);
	free(r.schedule);
	free(edited);
	x.resume = NULL;
	x.max_executions = 300;
	struct pcsim_explore_opts y = x;
	y.preemption_bound = 2;	/* another bound: another search */
	refused(&b->prog, &cfg, y, kd.text[0],
		"checkpoint:7:7: the checkpoint is of a search with bound '1'; this one has '2'");
	setenv("PCSIM_DPOR_NOHOLD", "1", 1);
	struct pcsim_report rep;
	x.resume = kd.text[0];
	assert_int_equal(pcsim_explore(&b->prog, &cfg, &x, &rep), -EINVAL);
	unsetenv("PCSIM_DPOR_NOHOLD");
	assert_non_null(rep.message);
	assert_non_null(strstr(rep.message, "the checkpoint is of a search with the PCSIM_DPOR_* "
					    "switches 0; this one has 0x2"));
	pcsim_report_free(&rep);
	kept_free(&kd);

	/* what cannot have checkpoints */
	x = o;
	x.strategy = PCSIM_STRATEGY_CALLBACK;
	x.choose = first_option;
	x.slice_count = 0;
	refused(&b->prog, &cfg, x, text,
		"pcsim_explore: checkpoints are for the random, pct, dfs and dpor strategies");
	c2 = cfg;
	c2.backend = PCSIM_BACKEND_THREADS;
	x = o;
	x.strategy = PCSIM_STRATEGY_RANDOM;
	x.slice_count = 0;
	refused(&b->prog, &c2, x, text, "pcsim_explore: checkpoints need the sim backend");
	uint64_t claim = 0;
	x = o;
	x.slice_claim = &claim;
	refused(&b->prog, &cfg, x, text, "pcsim_explore: checkpoints are not for --jobs workers");

	/* the callback's error stops the search */
	x = o;
	x.checkpoint = keep;
	x.checkpoint_every = 10;
	k.fail_with = -ENOSPC;
	assert_int_equal(pcsim_explore(&b->prog, &cfg, &x, &rep), -EIO);
	assert_int_equal(rep.executions, 10);
	assert_non_null(rep.message);
	assert_non_null(strstr(rep.message, "could not be written"));
	pcsim_report_free(&rep);
	kept_free(&k);
}

/*
 * Soak (label soak): 2,000,000 executions of the bound-2 slice 7/128 of pagecache-general with a
 * checkpoint every 100,000 - each resumed writes the next byte for byte, and the middle one goes
 * on to the whole search's result.
 */
static void test_chain_soak(void **state)
{
	(void)state;
	const struct pcsim_builtin *b = prog("pagecache-general");
	struct pcsim_config cfg = config_for(b);
	struct pcsim_explore_opts o = opts(PCSIM_STRATEGY_DFS, 2000000, 2);
	o.slice_index = 7;
	o.slice_count = 128;
	struct kept k = { .n = 0 };
	o.checkpoint = keep;
	o.checkpoint_arg = &k;
	o.checkpoint_every = 100000;
	struct result whole = run(&b->prog, &cfg, &o);
	assert_int_equal(whole.executions, 2000000);
	assert_int_equal(k.n, 20);	/* 19 on the way, and the budget's end */
	check_chain(&b->prog, &cfg, o, &k);
	o.checkpoint = NULL;
	o.resume = k.text[k.n / 2];
	struct result r = run(&b->prog, &cfg, &o);
	same(&whole, &r);
	free(r.schedule);
	free(whole.schedule);
	kept_free(&k);
}

int main(int argc, char **argv)
{
	pt_init(argc, argv);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dfs_whole_and_sliced),
		cmocka_unit_test(test_random_and_pct_sliced),
		cmocka_unit_test(test_failure_after_resume),
		cmocka_unit_test(test_final_states),
		cmocka_unit_test(test_dpor),
		cmocka_unit_test(test_coverage),
		cmocka_unit_test(test_when_written),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_chain_soak),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
