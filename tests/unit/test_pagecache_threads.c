// SPDX-License-Identifier: MIT
/*
 * Description: a bounded stress of the page-cache layer on the threads backend (run under TSan
 * by `make test`): the general scenario (an io_uring-style reader armed on a page under I/O, a
 * blocking reader, a locker and a truncator, completions on libev threads) many times over, every
 * byte and the end-of-run quiescence checked by the scenario itself.
 */
#include <stdio.h>

#include "pcsim_test.h"

static void test_general_scenario_on_threads(void **state)
{
	(void)state;
	struct pcsim_config cfg;
	struct pcsim_explore_opts o;
	struct pcsim_report r;
	pcsim_config_init(&cfg);
	cfg.backend = PCSIM_BACKEND_THREADS;
	cfg.wait_table_bits = 0;
	pcsim_explore_opts_init(&o);
	o.max_executions = 200;
	assert_int_equal(pt_explore(pcsim_pagecache_general_program(), &cfg, &o, 0, &r), 0);
	printf("threads: %llu executions of the general scenario, no violation\n",
	       (unsigned long long)r.executions);
	pcsim_report_free(&r);
}

int main(int argc, char **argv)
{
	pt_init(argc, argv);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_general_scenario_on_threads),
	};
	return cmocka_run_group_tests_name("pagecache_threads", tests, NULL, NULL);
}
