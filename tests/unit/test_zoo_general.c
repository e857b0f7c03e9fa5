// SPDX-License-Identifier: MIT
/*
 * Description: the bug zoo in the page-cache layer's general scenario (an io_uring-style
 * reader, a blocking reader, a locker and a truncator over a small file, wait_table_bits 0):
 * each re-injected bug that the scenario can reach is found by the default strategy (PCT)
 * within 10,000 executions, median over 20 fixed seeds; with no bug injected the scenario
 * survives the same budget (CTest zoo_general: `test_*_general`) and DFS with preemption bound 0
 * (zoo_general_bound0); bound 1 (about 1.7 M executions) and bound 2 run as the soak test
 * zoo_general_soak (PCSIM_SOAK_BOUND, default 2; only with -DPCSIM_SOAK_TESTS=ON).
 * Kernel reference: docs/kernel-semantics.md section 5 (B-01, B-02, B-03, B-10).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcsim_test.h"

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void find(unsigned bugno)
{
	uint64_t found[20];
	for (unsigned s = 0; s < 20; s++) {
		struct pcsim_config cfg = pt_config(PCSIM_MEM_SC);
		struct pcsim_explore_opts o;
		struct pcsim_report r;
		pcsim_pagecache_config(&cfg)->wait_table_bits = 0;
		cfg.bugs = PCSIM_BUG(bugno);
		pcsim_explore_opts_init(&o);
		o.seed = 100 + s;
		o.max_executions = 10000;
		o.confirm = s == 0;
		int ret = pt_explore(pcsim_pagecache_general_program(), &cfg, &o, 1, &r);
		assert_int_equal(ret, 1);
		if (s == 0) {
			printf("B-%02u in the general scenario: %s (%s) at execution %llu\n", bugno,
			       pcsim_outcome_name(r.outcome), r.what,
			       (unsigned long long)r.failing_execution);
			assert_true(r.confirmed);
		}
		found[s] = r.failing_execution;
		pcsim_report_free(&r);
	}
	qsort(found, 20, sizeof(found[0]), cmp_u64);
	printf("B-%02u: median %llu executions over 20 seeds (max %llu)\n", bugno,
	       (unsigned long long)((found[9] + found[10]) / 2), (unsigned long long)found[19]);
	assert_true((found[9] + found[10]) / 2 <= 10000);
}

static void test_b01_general(void **state)
{
	(void)state;
	find(1);
}

static void test_b02_general(void **state)
{
	(void)state;
	find(2);
}

static void test_b03_general(void **state)
{
	(void)state;
	find(3);
}

static void test_b10_general(void **state)
{
	(void)state;
	find(10);
}

static void test_clean_general(void **state)
{
	(void)state;
	struct pcsim_config cfg = pt_config(PCSIM_MEM_SC);
	struct pcsim_explore_opts o;
	struct pcsim_report r;
	pcsim_pagecache_config(&cfg)->wait_table_bits = 0;
	pcsim_explore_opts_init(&o);
	o.seed = 100;
	o.max_executions = 10000;
	assert_int_equal(pt_explore(pcsim_pagecache_general_program(), &cfg, &o, 0, &r), 0);
	pcsim_report_free(&r);
}

/* DFS with preemption bound 0, exhaustive: about 80,000 executions (CTest zoo_general_bound0). */
static void test_clean_general_bound0(void **state)
{
	(void)state;
	struct pcsim_config cfg = pt_config(PCSIM_MEM_SC);
	struct pcsim_explore_opts o;
	struct pcsim_report r;
	pcsim_pagecache_config(&cfg)->wait_table_bits = 0;
	pcsim_explore_opts_init(&o);
	o.seed = 100;
	o.strategy = PCSIM_STRATEGY_DFS;
	o.preemption_bound = 0;
	o.max_executions = 0;
	assert_int_equal(pt_explore(pcsim_pagecache_general_program(), &cfg, &o, 0, &r), 0);
	assert_true(r.exhausted);
	printf("clean general scenario: DFS bound 0 exhaustive in %llu executions\n",
	       (unsigned long long)r.executions);
	pcsim_report_free(&r);
}

/* The soak proof (CTest label soak, not in the default suite): DFS with bound 1 takes about
 * 1.7 M executions (six minutes in a debug build); bound 2 is the full claim. */
static void test_clean_general_dfs(void **state)
{
	(void)state;
	const char *b = getenv("PCSIM_SOAK_BOUND");
	struct pcsim_config cfg = pt_config(PCSIM_MEM_SC);
	struct pcsim_explore_opts o;
	struct pcsim_report r;
	pcsim_pagecache_config(&cfg)->wait_table_bits = 0;
	pcsim_explore_opts_init(&o);
	o.strategy = PCSIM_STRATEGY_DFS;
	o.preemption_bound = b ? (unsigned)atoi(b) : 2;
	o.max_executions = 0;
	assert_int_equal(pt_explore(pcsim_pagecache_general_program(), &cfg, &o, 0, &r), 0);
	assert_true(r.exhausted);
	printf("clean general scenario: DFS bound %u exhaustive in %llu executions\n",
	       o.preemption_bound, (unsigned long long)r.executions);
	pcsim_report_free(&r);
}

int main(int argc, char **argv)
{
	pt_init(argc, argv);
	if (pt_backend != PCSIM_BACKEND_SIM)
		return 77;
	bool soak = false;
	for (int i = 1; i < argc; i++)
		soak |= strcmp(argv[i], "test_clean_general_dfs") == 0;
	if (!soak)
		cmocka_set_skip_filter("test_clean_general_dfs");	/* soak only */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_b01_general), cmocka_unit_test(test_b02_general),
		cmocka_unit_test(test_b03_general), cmocka_unit_test(test_b10_general),
		cmocka_unit_test(test_clean_general), cmocka_unit_test(test_clean_general_bound0),
		cmocka_unit_test(test_clean_general_dfs),
	};
	return cmocka_run_group_tests_name("zoo_general", tests, NULL, NULL);
}
