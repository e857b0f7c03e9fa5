// SPDX-License-Identifier: MIT
/*
 * Description: litmus tests for the memory modes.
 * Kernel reference: tools/memory-model/litmus-tests/SB+fencembonceonces.litmus (store
 * buffering: "Result: Never" with smp_mb() on both sides), MP+fencewmbonceonce+fencermbonceonce
 * (message passing), and x86-TSO (Owens, Sarkar, Sewell 2009).
 * What to look for in the trace: under tso both CPUs' stores sit in their store buffers
 * ("(store buffer)") while both loads read 0; smp_mb() drains the buffer first.
 */
#include <stdio.h>
#include <string.h>

#include "pcsim_test.h"

#include <pcsim/kernel/barrier.h>
#include <pcsim/kernel/compiler.h>
#include <pcsim/kernel/rcupdate.h>

struct sb {
	pcsim_int x, y;
	int r0, r1;	/* task-private results */
	bool mb;
};

static void sb_cpu0(void *arg)
{
	struct sb *s = arg;
	WRITE_ONCE(s->x, 1);
	if (s->mb)
		smp_mb();
	s->r0 = READ_ONCE(s->y);
}

static void sb_cpu1(void *arg)
{
	struct sb *s = arg;
	WRITE_ONCE(s->y, 1);
	if (s->mb)
		smp_mb();
	s->r1 = READ_ONCE(s->x);
}

/*
 * The result lives in the arena; the finish callback cannot see setup's locals, so the program
 * stores its state pointer in a static for finish (one world at a time per thread).
 */
static _Thread_local struct sb *cur_sb;

static void sb_setup2(struct pcsim_world *w, void *arg)
{
	struct sb *s = pcsim_alloc(w, sizeof(*s));
	s->mb = arg != NULL;
	pcsim_obj_name(&s->x, "x");
	pcsim_obj_name(&s->y, "y");
	pcsim_task_create(w, "P0", sb_cpu0, s, 0);
	pcsim_task_create(w, "P1", sb_cpu1, s, 1);
	cur_sb = s;
}

static void sb_finish2(struct pcsim_world *w, void *arg)
{
	(void)w;
	(void)arg;
	if (cur_sb->r0 == 0 && cur_sb->r1 == 0)
		pcsim_fail("sb-both-zero", "store buffering: both loads read 0");
}

static const struct pcsim_program sb_plain = { "sb", sb_setup2, sb_finish2, NULL };
static const struct pcsim_program sb_mb = { "sb+mb", sb_setup2, sb_finish2, (void *)1 };

/* Outcome counts of sb, for strategies' coverage: [0] both loads 0, [1] anything else. */
static unsigned sb_counts[2];

static void sb_count_finish(struct pcsim_world *w, void *arg)
{
	(void)w;
	(void)arg;
	sb_counts[cur_sb->r0 == 0 && cur_sb->r1 == 0 ? 0 : 1]++;
}

static const struct pcsim_program sb_count = { "sb-count", sb_setup2, sb_count_finish, NULL };

static int dfs(const struct pcsim_program *p, enum pcsim_memmode mem, int expect,
	       struct pcsim_report *r)
{
	struct pcsim_config cfg = pt_config(mem);
	struct pcsim_explore_opts o;
	pcsim_explore_opts_init(&o);
	o.strategy = PCSIM_STRATEGY_DFS;
	o.preemption_bound = 2;
	o.max_executions = 0;
	return pt_explore(p, &cfg, &o, expect, r);
}

static void test_sb_tso_reaches_both_zero(void **state)
{
	(void)state;
	struct pcsim_report r;
	assert_int_equal(dfs(&sb_plain, PCSIM_MEM_TSO, 1, &r), 1);
	assert_string_equal(r.what, "sb-both-zero");
	assert_true(r.confirmed);
	assert_non_null(strstr(r.trace, "(store buffer)"));
	pcsim_report_free(&r);
}

static void test_sb_sc_never_both_zero(void **state)
{
	(void)state;
	struct pcsim_report r;
	assert_int_equal(dfs(&sb_plain, PCSIM_MEM_SC, 0, &r), 0);
	assert_true(r.exhausted);
	printf("sc: %llu executions, none with r0 == r1 == 0\n", (unsigned long long)r.executions);
	pcsim_report_free(&r);
}

static void test_sb_tso_mb_never_both_zero(void **state)
{
	(void)state;
	struct pcsim_report r;
	assert_int_equal(dfs(&sb_mb, PCSIM_MEM_TSO, 0, &r), 0);
	assert_true(r.exhausted);
	printf("tso+smp_mb: %llu executions, none with r0 == r1 == 0\n",
	       (unsigned long long)r.executions);
	pcsim_report_free(&r);
}

/* PCT and random reach the TSO outcome too (flushes are prioritised agents in PCT). */
static void test_sb_tso_found_by_pct_and_random(void **state)
{
	(void)state;
	struct pcsim_config cfg = pt_config(PCSIM_MEM_TSO);
	for (int k = 0; k < 2; k++) {
		struct pcsim_explore_opts o;
		struct pcsim_report r;
		pcsim_explore_opts_init(&o);
		o.strategy = k ? PCSIM_STRATEGY_RANDOM : PCSIM_STRATEGY_PCT;
		o.seed = 7;
		o.max_executions = 1000;
		assert_int_equal(pt_explore(&sb_plain, &cfg, &o, 1, &r), 1);
		assert_string_equal(r.what, "sb-both-zero");
		pcsim_report_free(&r);
	}
}

/* Message passing: TSO keeps store order and load order, so MP never fails without barriers. */
struct mp {
	pcsim_int data, flag;
	int seen_flag, seen_data;
};

static _Thread_local struct mp *cur_mp;

static void mp_writer(void *arg)
{
	struct mp *m = arg;
	WRITE_ONCE(m->data, 42);
	WRITE_ONCE(m->flag, 1);
}

static void mp_reader(void *arg)
{
	struct mp *m = arg;
	m->seen_flag = READ_ONCE(m->flag);
	m->seen_data = READ_ONCE(m->data);
}

static void mp_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	struct mp *m = pcsim_alloc(w, sizeof(*m));
	pcsim_task_create(w, "writer", mp_writer, m, 0);
	pcsim_task_create(w, "reader", mp_reader, m, 1);
	cur_mp = m;
}

static void mp_finish(struct pcsim_world *w, void *arg)
{
	(void)w;
	(void)arg;
	if (cur_mp->seen_flag == 1 && cur_mp->seen_data != 42)
		pcsim_fail("mp-reordered", "flag seen before data");
}

static const struct pcsim_program mp = { "mp", mp_setup, mp_finish, NULL };

static void test_mp_tso_never_reorders(void **state)
{
	(void)state;
	struct pcsim_report r;
	assert_int_equal(dfs(&mp, PCSIM_MEM_TSO, 0, &r), 0);
	assert_true(r.exhausted);
	pcsim_report_free(&r);
}

/* A CPU sees its own buffered store (store forwarding). */
static void fwd_task(void *arg)
{
	pcsim_int *x = arg;
	WRITE_ONCE(*x, 5);
	PCSIM_CHECK(READ_ONCE(*x) == 5, "forwarding", "own store not visible to own loads");
}

static void fwd_other(void *arg)
{
	pcsim_int *x = arg;
	int v = READ_ONCE(*x);
	PCSIM_CHECK(v == 0 || v == 5, "value", "impossible value %d", v);
}

static void fwd_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	pcsim_int *x = pcsim_alloc(w, sizeof(*x));
	pcsim_task_create(w, "writer", fwd_task, x, 0);
	pcsim_task_create(w, "other", fwd_other, x, 1);
}

static const struct pcsim_program fwd = { "forwarding", fwd_setup, NULL, NULL };

static void test_tso_store_forwarding(void **state)
{
	(void)state;
	struct pcsim_report r;
	assert_int_equal(dfs(&fwd, PCSIM_MEM_TSO, 0, &r), 0);
	assert_true(r.exhausted);
	pcsim_report_free(&r);
}

/* Locked RMWs drain the buffer: SB with xchg instead of plain stores never gives 0/0. */
static void sbx_cpu0(void *arg)
{
	struct sb *s = arg;
	(void)pcsim_rmw(&s->x, PCSIM_RMW_XCHG, 1, PCSIM_MO_FULL);
	s->r0 = READ_ONCE(s->y);
}

static void sbx_cpu1(void *arg)
{
	struct sb *s = arg;
	(void)pcsim_rmw(&s->y, PCSIM_RMW_XCHG, 1, PCSIM_MO_FULL);
	s->r1 = READ_ONCE(s->x);
}

static void sbx_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	struct sb *s = pcsim_alloc(w, sizeof(*s));
	pcsim_task_create(w, "P0", sbx_cpu0, s, 0);
	pcsim_task_create(w, "P1", sbx_cpu1, s, 1);
	cur_sb = s;
}

static const struct pcsim_program sbx = { "sb-xchg", sbx_setup, sb_finish2, NULL };

static void test_tso_locked_rmw_drains(void **state)
{
	(void)state;
	struct pcsim_report r;
	assert_int_equal(dfs(&sbx, PCSIM_MEM_TSO, 0, &r), 0);
	assert_true(r.exhausted);
	pcsim_report_free(&r);
}

/*
 * PCT gives each CPU's store-buffer flush a random priority above the depth, as it gives tasks
 * and events, so that with depth 1 (no change points: the highest priority always runs) some
 * executions flush a store before the other CPU loads. Regression: the world's reset zeroed
 * those priorities after PCT drew them, so a flush never outranked a runnable task and every
 * PCT execution of sb under tso ended with both loads reading 0.
 */
static void test_pct_flush_priorities(void **state)
{
	(void)state;
	if (pt_backend != PCSIM_BACKEND_SIM)
		skip();
	struct pcsim_config cfg = pt_config(PCSIM_MEM_TSO);
	struct pcsim_explore_opts o;
	struct pcsim_report r;
	pcsim_explore_opts_init(&o);
	o.strategy = PCSIM_STRATEGY_PCT;
	o.pct_depth = 1;
	o.max_executions = 200;
	sb_counts[0] = sb_counts[1] = 0;
	assert_int_equal(pt_explore(&sb_count, &cfg, &o, 0, &r), 0);
	pcsim_report_free(&r);
	assert_true(sb_counts[0] > 0);
	assert_true(sb_counts[1] > 0);
}

/*
 * RCU's grace-period guarantee under tso (LKMM: RCU-deferred-free / the "fundamental law"):
 * a reader that stored x and y inside one read-side section, and an updater that saw x before
 * synchronize_rcu(), must see y after it: the section began before the grace period, so it
 * ended before the grace period did, and every CPU runs a full barrier in between. The
 * call_rcu() form: a callback queued after x was seen must see y. Both were reachable under
 * tso when the grace period flushed only the caller's store buffer (issue 13).
 */
struct rcu_gp {
	pcsim_int x, y;
	int r0, r1;
	bool use_call_rcu;
	struct pcsim_callback_head head;
};
static _Thread_local struct rcu_gp *cur_gp;

static void gp_reader(void *arg)
{
	struct rcu_gp *g = arg;
	rcu_read_lock();
	WRITE_ONCE(g->x, 1);
	WRITE_ONCE(g->y, 1);
	rcu_read_unlock();
}

static void gp_cb(struct pcsim_callback_head *head)
{
	struct rcu_gp *g = (struct rcu_gp *)((char *)head - offsetof(struct rcu_gp, head));
	g->r1 = READ_ONCE(g->y);
}

static void gp_updater(void *arg)
{
	struct rcu_gp *g = arg;
	g->r0 = READ_ONCE(g->x);
	if (g->use_call_rcu) {
		if (g->r0)
			call_rcu(&g->head, gp_cb);
		else
			g->r1 = 1;	/* nothing to check */
		return;
	}
	synchronize_rcu();
	g->r1 = READ_ONCE(g->y);
}

static void gp_setup(struct pcsim_world *w, void *arg)
{
	struct rcu_gp *g = pcsim_alloc(w, sizeof(*g));
	g->use_call_rcu = arg != NULL;
	g->r1 = -1;
	pcsim_obj_name(&g->x, "x");
	pcsim_obj_name(&g->y, "y");
	/* the reader on CPU 1: the callback's softirq (round robin from CPU 0) then runs on the
	 * updater's CPU, where y is not forwarded from the reader's store buffer */
	pcsim_task_create(w, "reader", gp_reader, g, 1);
	pcsim_task_create(w, "updater", gp_updater, g, 0);
	cur_gp = g;
}

static void gp_finish(struct pcsim_world *w, void *arg)
{
	(void)w;
	(void)arg;
	if (cur_gp->r0 == 1 && cur_gp->r1 == 0)
		pcsim_fail("rcu-gp", "the updater saw x = 1 before the grace period and y = 0 "
				     "after it");
}

static const struct pcsim_program rcu_gp_sync = { "rcu-gp-sync", gp_setup, gp_finish, NULL };
static const struct pcsim_program rcu_gp_call = { "rcu-gp-call", gp_setup, gp_finish,
						  (void *)1 };

static void rcu_gp_never(const struct pcsim_program *p, enum pcsim_memmode mem)
{
	struct pcsim_config cfg = pt_config(mem);
	struct pcsim_explore_opts o;
	struct pcsim_report r;
	pcsim_explore_opts_init(&o);
	o.strategy = PCSIM_STRATEGY_DFS;
	o.preemption_bound = 3;
	o.max_executions = 0;
	assert_int_equal(pt_explore(p, &cfg, &o, 0, &r), 0);
	assert_true(r.exhausted);
	printf("%s %s: %llu executions, none with r0 == 1 && r1 == 0\n", p->name,
	       mem == PCSIM_MEM_TSO ? "tso" : "sc", (unsigned long long)r.executions);
	pcsim_report_free(&r);
}

static void test_rcu_gp_sync(void **state)
{
	(void)state;
	rcu_gp_never(&rcu_gp_sync, PCSIM_MEM_SC);
	rcu_gp_never(&rcu_gp_sync, PCSIM_MEM_TSO);
}

static void test_rcu_gp_call_rcu(void **state)
{
	(void)state;
	rcu_gp_never(&rcu_gp_call, PCSIM_MEM_SC);
	rcu_gp_never(&rcu_gp_call, PCSIM_MEM_TSO);
}

int main(int argc, char **argv)
{
	pt_init(argc, argv);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sb_tso_reaches_both_zero),
		cmocka_unit_test(test_sb_sc_never_both_zero),
		cmocka_unit_test(test_sb_tso_mb_never_both_zero),
		cmocka_unit_test(test_sb_tso_found_by_pct_and_random),
		cmocka_unit_test(test_mp_tso_never_reorders),
		cmocka_unit_test(test_tso_store_forwarding),
		cmocka_unit_test(test_pct_flush_priorities),
		cmocka_unit_test(test_tso_locked_rmw_drains),
		cmocka_unit_test(test_rcu_gp_sync),
		cmocka_unit_test(test_rcu_gp_call_rcu),
	};
	return cmocka_run_group_tests_name("memory_models", tests, NULL, NULL);
}
