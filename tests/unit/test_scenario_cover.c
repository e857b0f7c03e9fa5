// SPDX-License-Identifier: MIT
/*
 * Description: the exit coverage of the wait functions (<pcsim/cover.h>, src/sched/cover.c,
 * docs/scenarios.md section 9). The table is well formed (each function's rows together, one
 * row per value, at most one "> 0" and one "other" row); pcsim_cover_ret() counts the row a
 * value matches; an exploration counts the exits its executions take, the same counts every
 * time (sim), and counting changes nothing the execution records (its trace hash).
 * Kernel reference: none directly (the counted functions cite theirs).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcsim_test.h"

#include <pcsim/cover.h>
#include <pcsim/scenario.h>

static void test_table(void **state)
{
	(void)state;
	unsigned n = 0;
	const struct pcsim_cover_site *t = pcsim_cover_sites(&n);
	assert_int_equal(n, PCSIM_NR_COVER_SITES);
	for (unsigned i = 0; i < n; i++) {
		assert_true(t[i].layer && t[i].layer[0]);
		assert_true(t[i].function && t[i].function[0]);
		assert_true(t[i].exit && t[i].exit[0]);
		/* a function's rows are consecutive: once left, its name never comes back */
		if (i && strcmp(t[i].function, t[i - 1].function) != 0)
			for (unsigned k = 0; k + 1 < i; k++)
				assert_true(strcmp(t[k].function, t[i].function) != 0);
		/* within a function: distinct EQ values, one POS, one OTHER */
		unsigned first = i;
		while (first && strcmp(t[first - 1].function, t[i].function) == 0)
			first--;
		for (unsigned k = first; k < i; k++) {
			if (t[i].match == PCSIM_COVER_EQ && t[k].match == PCSIM_COVER_EQ)
				assert_true(t[k].value != t[i].value);
			if (t[i].match == PCSIM_COVER_POS || t[i].match == PCSIM_COVER_OTHER)
				assert_true(t[k].match != t[i].match);
		}
	}
}

/* The counts of every site, for comparing two explorations. */
static void snapshot(uint64_t *c)
{
	for (unsigned i = 0; i < PCSIM_NR_COVER_SITES; i++)
		c[i] = pcsim_cover_count((enum pcsim_cover_id)i);
}

static void test_ret_picks_the_row(void **state)
{
	(void)state;
	uint64_t before[PCSIM_NR_COVER_SITES], after[PCSIM_NR_COVER_SITES];
	pcsim_cover_reset();
	/* off (the default): nothing counts, and the value still passes through */
	pcsim_cover_enable(false);
	assert_int_equal(pcsim_cover_ret(PCSIM_COV_GFBR_BYTES, 4096), 4096);
	pcsim_cover(PCSIM_COV_RETRY_TRUE);
	snapshot(before);
	for (unsigned i = 0; i < PCSIM_NR_COVER_SITES; i++)
		assert_int_equal(before[i], 0);
	pcsim_cover_enable(true);
	assert_int_equal(pcsim_cover_ret(PCSIM_COV_GFBR_BYTES, 4096), 4096);
	assert_int_equal(pcsim_cover_ret(PCSIM_COV_GFBR_BYTES, -EAGAIN), -EAGAIN);
	assert_int_equal(pcsim_cover_ret(PCSIM_COV_GFBR_BYTES, -ENOSPC), -ENOSPC);
	assert_int_equal(pcsim_cover_ret(PCSIM_COV_GFBR_BYTES, 0), 0);
	pcsim_cover_ret(PCSIM_COV_WOPBC58_OK, -EINTR);
	pcsim_cover_ret(PCSIM_COV_WOPBC58_OK, 0);
	pcsim_cover_ret(PCSIM_COV_CQWAIT_OK, -ETIME);
	pcsim_cover(PCSIM_COV_RETRY_TRUE);
	pcsim_cover((enum pcsim_cover_id)PCSIM_NR_COVER_SITES);	/* out of range: ignored */
	pcsim_cover_ret((enum pcsim_cover_id)PCSIM_NR_COVER_SITES, 1);
	snapshot(after);
	static const enum pcsim_cover_id hit[] = {
		PCSIM_COV_GFBR_BYTES, PCSIM_COV_GFBR_EAGAIN, PCSIM_COV_GFBR_OTHER,
		PCSIM_COV_GFBR_ZERO, PCSIM_COV_WOPBC58_EINTR, PCSIM_COV_WOPBC58_OK,
		PCSIM_COV_CQWAIT_ETIME, PCSIM_COV_RETRY_TRUE,
	};
	for (unsigned i = 0; i < PCSIM_NR_COVER_SITES; i++) {
		bool want = false;
		for (unsigned k = 0; k < sizeof(hit) / sizeof(hit[0]); k++)
			want |= hit[k] == (enum pcsim_cover_id)i;
		if (after[i] != (want ? 1u : 0u))
			fprintf(stderr, "site %u (%s: %s) counted %llu\n", i,
				pcsim_cover_sites(NULL)[i].function,
				pcsim_cover_sites(NULL)[i].exit, (unsigned long long)after[i]);
		assert_int_equal(after[i], want ? 1 : 0);
	}
	/* the printed table says what was never reached */
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	unsigned never = pcsim_cover_print(f);
	fclose(f);
	assert_int_equal(never, PCSIM_NR_COVER_SITES - 8);
	assert_non_null(strstr(buf, "never reached: "));
	assert_non_null(
		strstr(buf, "  io_async_buf_func: 1: task exiting, cancel through fallback\n"));
	assert_null(strstr(buf, "  io_rw_should_retry: true"));
	free(buf);
	pcsim_cover_reset();
	assert_int_equal(pcsim_cover_count(PCSIM_COV_RETRY_TRUE), 0);
}

static const char scn[] = "file d size=8K id=5 random\n"
			  "page d 0 io\n"
			  "task app {\n"
			  "  ring r\n"
			  "  sqe r read d 0 4096 data=1\n"
			  "  sqe r read d 4096 4096 data=2\n"
			  "  submit r\n"
			  "  wait r 2\n"
			  "}\n"
			  "task locker { trylock d 1; unlock_page d 1 }\n";

static int explore_counted(uint64_t *counts, uint64_t *trace_hash)
{
	char err[512];
	struct pcsim_scenario *s = NULL;
	int rc = pcsim_scenario_load_string("c.pcs", scn, strlen(scn), &s, err, sizeof(err));
	assert_int_equal(rc, 0);
	struct pcsim_config cfg = pt_config(PCSIM_MEM_SC);
	struct pcsim_explore_opts o;
	struct pcsim_report r;
	pcsim_explore_opts_init(&o);
	o.max_executions = 100;
	o.confirm = false;
	pcsim_cover_reset();
	rc = pcsim_explore(pcsim_scenario_program(s), &cfg, &o, &r);
	snapshot(counts);
	*trace_hash = r.trace_hash;
	pcsim_report_free(&r);
	pcsim_scenario_free(s);
	return rc;
}

static void test_exploration_counts(void **state)
{
	(void)state;
	uint64_t a[PCSIM_NR_COVER_SITES], b[PCSIM_NR_COVER_SITES], ha, hb;
	pcsim_cover_enable(true);
	assert_int_equal(explore_counted(a, &ha), 0);
	/* a ring read of a page whose read is in flight: NOWAIT -EAGAIN, then armed */
	assert_true(a[PCSIM_COV_RETRY_TRUE] > 0);
	assert_true(a[PCSIM_COV_GFBR_EAGAIN] > 0);
	assert_true(a[PCSIM_COV_READ_DONE_BYTES] >= 200);	/* two CQEs per execution */
	assert_int_equal(a[PCSIM_COV_READ_DONE_ERR], 0);
	assert_int_equal(a[PCSIM_COV_CQWAIT_ETIME], 0);
	if (pt_backend != PCSIM_BACKEND_SIM)
		return;
	/* the same exploration counts the same; and its trace is what it was */
	assert_int_equal(explore_counted(b, &hb), 0);
	assert_memory_equal(a, b, sizeof(a));
	assert_true(ha == hb);
	assert_true(a[PCSIM_COV_READ_ARMED] > 0);
	assert_true(a[PCSIM_COV_ABF_QUEUED] == a[PCSIM_COV_TW_RETRY]);
}

int main(int argc, char **argv)
{
	pt_init(argc, argv);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_ret_picks_the_row),
		cmocka_unit_test(test_exploration_counts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
