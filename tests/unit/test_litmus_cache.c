// SPDX-License-Identifier: MIT
/*
 * Description: the litmus runner's visited-state cache (pcsim_litmus_run_cached(),
 * src/litmus/cache.c, the state hook pcsim__mm_state_words() of src/sched/sim/mem.c). The
 * cache must be sound: for every project litmus file (tests/litmus/) and every memory mode
 * whose uncached exhaustive run is cheap, the set of final states, the verdict and the
 * agreement with and without it are the same. It must also earn its keep (fewer executions,
 * states actually cut short) and stay out of searches it is not sound for (a preemption
 * bound, random, PCT).
 * Kernel reference: none modelled here; the states are those of the sc, tso and weak modes
 * (docs/ordering.md).
 * What to look for: a file named in a failure message, with the state one run reached and the
 * other did not.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcsim_test.h"

#include <pcsim/litmus.h>

#ifndef PCSIM_LITMUS_DIR
#error "PCSIM_LITMUS_DIR (the tests/litmus directory) must be defined"
#endif

/* The uncached run of a file counts as cheap when DFS exhausts it within this many executions;
 * the others (IRIW, Z6.0, ... under tso and weak) are the soak label's. */
#define CHEAP_EXECUTIONS 4000u

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = malloc(1 << 20);
	size_t n = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
	fclose(f);
	if (buf)
		buf[n] = '\0';
	return buf;
}

static struct pcsim_litmus *load(const char *name)
{
	char path[1024], err[512];
	snprintf(path, sizeof(path), "%s/%s", PCSIM_LITMUS_DIR, name);
	char *text = slurp(path);
	assert_non_null(text);
	struct pcsim_litmus *t = NULL;
	if (pcsim_litmus_parse(text, path, &t, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	free(text);
	return t;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The project's litmus files, sorted; *n of them. */
static char **litmus_files(size_t *n)
{
	DIR *d = opendir(PCSIM_LITMUS_DIR);
	assert_non_null(d);
	char **v = NULL;
	size_t cap = 0;
	*n = 0;
	for (struct dirent *e; (e = readdir(d));) {
		size_t l = strlen(e->d_name);
		if (l < 8 || strcmp(e->d_name + l - 7, ".litmus") != 0)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			v = realloc(v, cap * sizeof(*v));
			assert_non_null(v);
		}
		v[(*n)++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(v, *n, sizeof(*v), cmp_name);
	return v;
}

static void run(const struct pcsim_litmus *t, enum pcsim_memmode mode, bool cached,
		uint64_t max_exec, unsigned bound, struct pcsim_litmus_result *res)
{
	struct pcsim_config cfg;
	pcsim_config_init(&cfg);
	cfg.trace = false;
	cfg.mem = mode;
	struct pcsim_explore_opts o;
	pcsim_explore_opts_init(&o);
	o.strategy = PCSIM_STRATEGY_DFS;
	o.preemption_bound = bound;
	o.max_executions = max_exec;
	int rc = cached ? pcsim_litmus_run_cached(t, &cfg, &o, res)
			: pcsim_litmus_run(t, &cfg, &o, res);
	assert_int_equal(rc, 0);
}

/* Is every state of @a among @b's? (Both are sorted by text, but a plain search is enough.) */
static const char *missing_state(const struct pcsim_litmus_result *a,
				 const struct pcsim_litmus_result *b)
{
	for (size_t i = 0; i < a->report.nstates; i++) {
		bool found = false;
		for (size_t j = 0; j < b->report.nstates && !found; j++)
			found = strcmp(a->report.states[i].state, b->report.states[j].state) == 0;
		if (!found)
			return a->report.states[i].state;
	}
	return NULL;
}

static const char *mode_name(enum pcsim_memmode m)
{
	return m == PCSIM_MEM_SC ? "sc" : m == PCSIM_MEM_TSO ? "tso" : "weak";
}

/* Every file, every mode whose uncached search is cheap: the same states and verdicts. */
static void test_cache_keeps_the_outcome_set(void **state)
{
	(void)state;
	size_t n;
	char **files = litmus_files(&n);
	assert_true(n >= 40); /* the project ships that many; a wrong directory finds none */
	unsigned compared = 0, skipped = 0;
	uint64_t plain_exec = 0, cached_exec = 0;
	static const enum pcsim_memmode modes[] = {PCSIM_MEM_SC, PCSIM_MEM_TSO, PCSIM_MEM_WEAK};
	for (size_t f = 0; f < n; f++) {
		struct pcsim_litmus *t = load(files[f]);
		for (size_t m = 0; m < 3; m++) {
			struct pcsim_litmus_result plain, cached;
			run(t, modes[m], false, CHEAP_EXECUTIONS, PCSIM_PREEMPTION_UNBOUNDED,
			    &plain);
			if (!plain.report.exhausted) {
				skipped++;
				pcsim_litmus_result_free(&plain);
				continue;
			}
			run(t, modes[m], true, 0, PCSIM_PREEMPTION_UNBOUNDED, &cached);
			const char *what = NULL, *st = NULL;
			if (!cached.cached)
				what = "the cache was not used";
			else if (!cached.report.exhausted)
				what = "the cached search is not exhaustive";
			else if ((st = missing_state(&plain, &cached)))
				what = "a state of the uncached run is missing with the cache";
			else if ((st = missing_state(&cached, &plain)))
				what = "the cached run has a state the uncached one does not";
			else if (plain.report.nstates != cached.report.nstates)
				what = "the number of states differs";
			else if (plain.observed != cached.observed)
				what = "the observed verdict differs";
			else if (plain.agreement != cached.agreement)
				what = "the agreement differs";
			else if (plain.ok != cached.ok)
				what = "Ok/No differs";
			else if (plain.report.unrecorded != cached.report.unrecorded &&
				 (plain.report.unrecorded == 0) != (cached.report.unrecorded == 0))
				what = "one run has executions without a final state, the other "
				       "not";
			else if (cached.report.executions > plain.report.executions)
				what = "the cache ran more executions than plain DFS";
			if (what)
				fail_msg("%s (%s): %s%s%s (uncached %llu executions, cached %llu)",
					 files[f], mode_name(modes[m]), what, st ? ": " : "",
					 st ? st : "", (unsigned long long)plain.report.executions,
					 (unsigned long long)cached.report.executions);
			compared++;
			plain_exec += plain.report.executions;
			cached_exec += cached.report.executions;
			pcsim_litmus_result_free(&plain);
			pcsim_litmus_result_free(&cached);
		}
		pcsim_litmus_free(t);
		free(files[f]);
	}
	free(files);
	printf("# %u file/mode pairs compared (%u left to the soak label): %llu executions "
	       "uncached, %llu cached\n",
	       compared, skipped, (unsigned long long)plain_exec, (unsigned long long)cached_exec);
	/* every file is cheap under sc but a few: most pairs must have been compared */
	assert_true(compared >= 2 * n);
	assert_true(cached_exec < plain_exec);
}

/* A three-process test: the cache cuts schedules short and still finds the weak outcome. */
static void test_cache_prunes(void **state)
{
	(void)state;
	struct pcsim_litmus *t = load("WRC.litmus");
	struct pcsim_litmus_result plain, cached;
	run(t, PCSIM_MEM_TSO, false, 0, PCSIM_PREEMPTION_UNBOUNDED, &plain);
	run(t, PCSIM_MEM_TSO, true, 0, PCSIM_PREEMPTION_UNBOUNDED, &cached);
	assert_true(cached.cached);
	assert_true(cached.report.exhausted);
	assert_true(cached.pruned > 0);
	assert_true(cached.cache_states > 0);
	assert_true(cached.report.executions < plain.report.executions);
	assert_int_equal(cached.report.nstates, plain.report.nstates);
	assert_int_equal(cached.observed, plain.observed);
	/* the text says the cache was on, and what it did */
	char *text = pcsim_litmus_format(t, &cached, "tso");
	assert_non_null(text);
	assert_non_null(strstr(text, "state cache:"));
	free(text);
	pcsim_litmus_result_free(&plain);
	pcsim_litmus_result_free(&cached);
	pcsim_litmus_free(t);
}

/*
 * IRIW under weak: plain DFS needs 3.7 M executions; with the cache the search is exhaustive
 * within a budget a hundredth of that, and finds the load->load outcome. This fails when weak
 * states are no longer cached (the hook declining them, or equal states hashing apart).
 */
static void test_cache_names_weak_states(void **state)
{
	(void)state;
	struct pcsim_litmus *t = load("IRIW.litmus");
	struct pcsim_litmus_result res;
	run(t, PCSIM_MEM_WEAK, true, 40000, PCSIM_PREEMPTION_UNBOUNDED, &res);
	assert_true(res.cached);
	assert_true(res.report.exhausted);
	assert_int_equal(res.observed, PCSIM_LITMUS_SOMETIMES);
	assert_int_equal(res.agreement, PCSIM_LITMUS_CONSISTENT);
	pcsim_litmus_result_free(&res);
	pcsim_litmus_free(t);
}

/* Where the cache is not sound (a preemption bound) the run is the plain one, count for count. */
static void test_cache_stays_out_of_bounded_search(void **state)
{
	(void)state;
	struct pcsim_litmus *t = load("SB.litmus");
	struct pcsim_litmus_result plain, cached;
	run(t, PCSIM_MEM_TSO, false, 0, 1, &plain);
	run(t, PCSIM_MEM_TSO, true, 0, 1, &cached);
	assert_false(cached.cached);
	assert_int_equal(cached.report.executions, plain.report.executions);
	assert_int_equal(cached.report.nstates, plain.report.nstates);
	for (size_t i = 0; i < plain.report.nstates; i++)
		assert_int_equal(cached.report.states[i].count, plain.report.states[i].count);
	pcsim_litmus_result_free(&plain);
	pcsim_litmus_result_free(&cached);
	pcsim_litmus_free(t);
}

/* An execution budget cuts the cached search: not exhaustive, the verdict incomplete. */
static void test_cache_budget_is_incomplete(void **state)
{
	(void)state;
	struct pcsim_litmus *t = load("MP+wmb+rmb.litmus");
	struct pcsim_litmus_result res;
	run(t, PCSIM_MEM_WEAK, true, 2, PCSIM_PREEMPTION_UNBOUNDED, &res);
	assert_true(res.cached);
	assert_int_equal(res.report.executions, 2);
	assert_false(res.report.exhausted);
	assert_int_equal(res.agreement, PCSIM_LITMUS_INCOMPLETE);
	pcsim_litmus_result_free(&res);
	/* and the library default (o NULL) is the exhaustive search, cached */
	memset(&res, 0, sizeof(res));
	assert_int_equal(pcsim_litmus_run_cached(t, NULL, NULL, &res), 0);
	assert_true(res.cached);
	assert_true(res.report.exhausted);
	assert_int_equal(res.observed, PCSIM_LITMUS_NEVER);
	pcsim_litmus_result_free(&res);
	pcsim_litmus_free(t);
}

int main(int argc, char **argv)
{
	pt_init(argc, argv);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cache_keeps_the_outcome_set),
		cmocka_unit_test(test_cache_prunes),
		cmocka_unit_test(test_cache_names_weak_states),
		cmocka_unit_test(test_cache_stays_out_of_bounded_search),
		cmocka_unit_test(test_cache_budget_is_incomplete),
	};
	return cmocka_run_group_tests_name("litmus_cache", tests, NULL, NULL);
}
