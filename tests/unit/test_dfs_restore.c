// SPDX-License-Identifier: MIT
/*
 * Description: DFS prefix restore (docs/explore.md, "Prefixes are restored").
 * - A DFS search that starts executions from snapshots explores exactly what the search that
 *   replays every prefix explores (PCSIM_DFS_RESTORE=0): the same executions, steps,
 *   failures, digest (the multiset of executions' choices), outcome, failing execution, step
 *   and trace hash of the failure, on built-in programs that exercise what a snapshot holds:
 *   interrupt contexts and events (uring-eventfd, uring-b18), signals (uring-p6), store
 *   buffers (sb-mb under tso), the page-cache checks (pagecache-general), zoo violations
 *   found after restores (b01, b13), an unbounded search (micro-fixed).
 * - Restores happen (report.restored > 0) for programs that call pcsim_state_in_world(), and
 *   never for one that does not, nor with PCSIM_DFS_RESTORE=0, nor while --coverage counts.
 * - A restored execution does not run setup(): a program that promises its state is in the
 *   world runs setup() exactly executions - restored times (so state set there outside the
 *   world would be stale: the promise is the program's).
 * - A checkpointed search goes on with restores and ends as the whole search.
 * - Executions deeper than the snapshots kept for reuse keep being restored (the budget's
 *   count of memory does not drift), and so do the alternatives of the decisions a traced
 *   execution recorded (the first one's: traced executions take no snapshot, the next
 *   untraced one takes them on its way).
 * What to look for on failure: the case printed (program, bug, bound, restore on/off) and
 * which figure differs; rerun it with `pcsim explore P --strategy dfs --preemptions K`
 * with and without PCSIM_DFS_RESTORE=0 and compare the --json lines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcsim/cover.h>
#include <pcsim/kernel/compiler.h>
#include <pcsim_support/programs.h>

#include "pcsim_test.h"
#include "sched_int.h" /* pcsim__snap_made() */

#if defined(__SANITIZE_THREAD__)
#define RESTORES 0 /* TSan follows each fiber's calls: no snapshots (sim/snap.c) */
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define RESTORES 0
#else
#define RESTORES 1
#endif
#elif defined(__x86_64__)
#define RESTORES 1
#else
#define RESTORES 0 /* the ucontext fibers: no snapshots */
#endif

struct res {
	uint64_t executions, steps, failures, digest, failing, step, trace_hash, restored;
	enum pcsim_outcome outcome;
	bool exhausted;
};

/* The last checkpoint a search wrote (test_checkpoint). */
static char *last_ckpt;

static int keep(const char *text, size_t len, void *arg)
{
	(void)arg;
	free(last_ckpt);
	last_ckpt = malloc(len + 1);
	assert_non_null(last_ckpt);
	memcpy(last_ckpt, text, len + 1);
	return 0;
}

/* A DFS search of @p; @resume: go on from that checkpoint and keep the next in last_ckpt. */
static struct res run(const struct pcsim_program *p, const struct pcsim_config *cfg, unsigned bound,
		      uint64_t max, bool restore, const char *resume)
{
	struct pcsim_explore_opts o;
	struct pcsim_report r;
	pcsim_explore_opts_init(&o);
	o.strategy = PCSIM_STRATEGY_DFS;
	o.preemption_bound = bound;
	o.max_executions = max;
	o.digest = true;
	o.shrink = false;
	if (resume) {
		o.checkpoint = keep;
		o.resume = *resume ? resume : NULL;
	}
	setenv("PCSIM_DFS_RESTORE", restore ? "1" : "0", 1);
	int rc = pcsim_explore(p, cfg, &o, &r);
	unsetenv("PCSIM_DFS_RESTORE");
	assert_true(rc >= 0);
	struct res s = {r.executions, r.steps,	    r.failures, r.digest,  r.failing_execution,
			r.step,	      r.trace_hash, r.restored, r.outcome, r.exhausted};
	pcsim_report_free(&r);
	return s;
}

static void same(const char *what, const struct res *a, const struct res *b)
{
	bool ok = a->executions == b->executions && a->steps == b->steps &&
		  a->failures == b->failures && a->digest == b->digest &&
		  a->failing == b->failing && a->step == b->step &&
		  a->trace_hash == b->trace_hash && a->outcome == b->outcome &&
		  a->exhausted == b->exhausted;
	if (!ok)
		fail_msg(
			"%s: replayed %llu executions, %llu steps, digest %016llx, failing %llu at "
			"step %llu (trace %016llx); restored %llu, %llu, %016llx, %llu, %llu "
			"(%016llx)",
			what, (unsigned long long)a->executions, (unsigned long long)a->steps,
			(unsigned long long)a->digest, (unsigned long long)a->failing,
			(unsigned long long)a->step, (unsigned long long)a->trace_hash,
			(unsigned long long)b->executions, (unsigned long long)b->steps,
			(unsigned long long)b->digest, (unsigned long long)b->failing,
			(unsigned long long)b->step, (unsigned long long)b->trace_hash);
}

static void check_builtin(const char *name, unsigned bug, enum pcsim_memmode mem, unsigned bound,
			  uint64_t max)
{
	const struct pcsim_builtin *b = pcsim_builtin_find(name);
	assert_non_null(b);
	struct pcsim_config cfg;
	pcsim_config_init(&cfg);
	cfg.mem = mem;
	if (b->wait_table_bits >= 0)
		pcsim_pagecache_config(&cfg)->wait_table_bits = (unsigned)b->wait_table_bits;
	if (bug)
		cfg.bugs = PCSIM_BUG(bug);
	char what[128];
	snprintf(what, sizeof(what), "%s bug %u bound %u", name, bug, bound);
	struct res a = run(&b->prog, &cfg, bound, max, false, NULL);
	struct res c = run(&b->prog, &cfg, bound, max, true, NULL);
	print_message("  %s: %llu executions, %llu restored\n", what,
		      (unsigned long long)c.executions, (unsigned long long)c.restored);
	same(what, &a, &c);
	assert_int_equal(a.restored, 0);
	if (RESTORES && c.executions > 20)
		assert_true(c.restored > c.executions / 2);
}

static void test_same_as_replay(void **state)
{
	(void)state;
	check_builtin("uring-b18", 0, PCSIM_MEM_SC, 1, 0);	      /* 5,119: events, bdev */
	check_builtin("uring-eventfd", 0, PCSIM_MEM_SC, 1, 0);	      /* 4,662: an eventfd read */
	check_builtin("uring-p6", 0, PCSIM_MEM_SC, 0, 0);	      /* 3,408: SIGKILL */
	check_builtin("sb-mb", 0, PCSIM_MEM_TSO, 2, 0);		      /* store buffers */
	check_builtin("micro-fixed", 0, PCSIM_MEM_SC, UINT32_MAX, 0); /* unbounded: 67 */
	check_builtin("pagecache-general", 0, PCSIM_MEM_SC, 1, 2500); /* the checks */
	check_builtin("pagecache-general", 1, PCSIM_MEM_SC, 1, 0);    /* B-01 at 204 */
	check_builtin("uring-b13", 13, PCSIM_MEM_SC, 1, 0);	      /* B-13 at 3,810 */
}

/* ---- programs of our own: tasks counting in the world, and a count of setup() calls outside */

static unsigned setups; /* outside the world on purpose */

struct ctr {
	pcsim_int n;
	int iters; /* each task's increments (set by setup()) */
};

/* @tasks tasks of @iters increments each; with or without the promise */
struct ctr_shape {
	unsigned tasks;
	int iters;
	bool promise;
};

static void bump(void *arg)
{
	struct ctr *c = arg;
	for (int i = 0; i < c->iters; i++)
		WRITE_ONCE(c->n, READ_ONCE(c->n) + 1);
}

static void ctr_setup(struct pcsim_world *w, void *arg)
{
	const struct ctr_shape *sh = arg;
	static const char *const names[] = {"a", "b", "c"};
	setups++;
	if (sh->promise)
		pcsim_state_in_world(w);
	struct ctr *c = pcsim_alloc(w, sizeof(*c));
	c->iters = sh->iters;
	for (unsigned t = 0; t < sh->tasks; t++)
		pcsim_task_create(w, names[t], bump, c, (int)(t % 2));
}

static struct pcsim_config ctr_config(void)
{
	struct pcsim_config cfg;
	pcsim_config_init(&cfg);
	cfg.ncpus = 2;
	return cfg;
}

static void test_promise(void **state)
{
	(void)state;
	static const struct ctr_shape with = {3, 2, true}, without = {3, 2, false};
	const struct pcsim_program promise = {"ctr-promise", ctr_setup, NULL, (void *)&with};
	const struct pcsim_program plain = {"ctr-plain", ctr_setup, NULL, (void *)&without};
	struct pcsim_config cfg = ctr_config();

	/* without the promise: every execution runs setup(), nothing is restored */
	setups = 0;
	struct res a = run(&plain, &cfg, 2, 0, true, NULL);
	assert_true(a.exhausted);
	assert_true(a.executions > 100);
	assert_int_equal(a.restored, 0);
	assert_int_equal(setups, a.executions);

	/* with it: the same search, and setup() only for the executions not restored */
	setups = 0;
	struct res b = run(&promise, &cfg, 2, 0, true, NULL);
	same("ctr bound 2", &a, &b);
	if (RESTORES)
		assert_true(b.restored > b.executions / 2);
	assert_int_equal(setups, b.executions - b.restored);

	/* PCSIM_DFS_RESTORE=0 */
	setups = 0;
	struct res c = run(&promise, &cfg, 2, 0, false, NULL);
	same("ctr bound 2, no restore", &a, &c);
	assert_int_equal(c.restored, 0);
	assert_int_equal(setups, c.executions);
}

/*
 * Deep executions: two tasks of 150 increments each push some 600 decisions, more than the
 * snapshots DFS keeps allocated when their decision leaves the stack (256); the deeper ones go
 * to a pool for the next deep decision, or are freed when it is full. Their memory must be
 * counted out as it was counted in - a count that drifted below zero once made every later
 * snapshot look over budget, and the search replayed instead. And they must be reused: when
 * each was freed as its decision left, glibc gave the heap's top back to the kernel and took it
 * again every few executions, a quarter of a deep search's CPU time (dfs.c, the pool): the
 * search makes no more snapshots than it keeps and pools.
 */
static void test_deep(void **state)
{
	(void)state;
	static const struct ctr_shape two_long = {2, 150, true};
	const struct pcsim_program deep = {"deep", ctr_setup, NULL, (void *)&two_long};
	struct pcsim_config cfg = ctr_config();
	struct res a = run(&deep, &cfg, 1, 1500, false, NULL);
	unsigned long made = pcsim__snap_made();
	struct res b = run(&deep, &cfg, 1, 1500, true, NULL);
	made = pcsim__snap_made() - made;
	same("deep bound 1", &a, &b);
	print_message("  deep: %llu executions, %llu steps, %llu restored, %lu snapshots made\n",
		      (unsigned long long)b.executions, (unsigned long long)b.steps,
		      (unsigned long long)b.restored, made);
	assert_true(b.steps / b.executions > 500);
	if (RESTORES) {
		assert_true(b.restored > b.executions * 9 / 10);
		/* the 256 kept and the deep ones the pool (of 64) takes back: 300 here, 344 when
		 * every deep one was freed as its decision left and made again for the next */
		assert_true(made > 256);
		assert_true(made <= 256 + 64);
	}
}

/* --coverage counts every execution's exits: a restored prefix would not count them again */
static void test_not_with_coverage(void **state)
{
	(void)state;
	const struct pcsim_builtin *b = pcsim_builtin_find("uring-b18");
	assert_non_null(b);
	struct pcsim_config cfg;
	pcsim_config_init(&cfg);
	pcsim_cover_reset();
	pcsim_cover_enable(true);
	struct res a = run(&b->prog, &cfg, 1, 0, true, NULL);
	pcsim_cover_enable(false);
	assert_int_equal(a.restored, 0);
	assert_true(a.exhausted);
}

/* A search in goes of 1,000 executions: each go restores, and the last ends as the search in
 * one go. */
static void test_checkpoint(void **state)
{
	(void)state;
	const struct pcsim_builtin *b = pcsim_builtin_find("uring-b18");
	assert_non_null(b);
	struct pcsim_config cfg;
	pcsim_config_init(&cfg);
	struct res whole = run(&b->prog, &cfg, 1, 0, true, NULL);
	uint64_t restored = 0;
	struct res go;
	unsigned goes = 0;
	free(last_ckpt);
	last_ckpt = NULL;
	do {
		char *from = last_ckpt ? strdup(last_ckpt) : strdup("");
		assert_non_null(from);
		goes++;
		go = run(&b->prog, &cfg, 1, 1000ull * goes, true, from);
		free(from);
		restored += go.restored;
		if (RESTORES && !go.exhausted)
			assert_true(go.restored > 500); /* a go after a resume restores too */
	} while (!go.exhausted && goes < 20);
	free(last_ckpt);
	last_ckpt = NULL;
	assert_true(go.exhausted);
	assert_true(goes > 2);
	same("uring-b18 bound 1 in goes", &whole, &go);
	assert_true(restored <= go.executions);
}

int main(int argc, char **argv)
{
	pt_init(argc, argv);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_as_replay), cmocka_unit_test(test_promise),
		cmocka_unit_test(test_deep),	       cmocka_unit_test(test_not_with_coverage),
		cmocka_unit_test(test_checkpoint),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
