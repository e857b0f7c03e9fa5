// SPDX-License-Identifier: MIT
/*
 * Description: the RCU rules of the engine: synchronize_rcu() waits for every pre-existing
 * reader, call_rcu() callbacks run after a grace period in softirq context and rcu_barrier()
 * waits for them; mutants without a grace period must be caught.
 *
 * Kernel reference (5.10): kernel/rcu/tree.c synchronize_rcu(), call_rcu(), rcu_barrier(),
 * include/linux/rcupdate.h, Documentation/RCU/whatisRCU.rst.
 *
 * Part of the engine's conformance suite (see tests/support/pcsim_rules.h for how a rule program
 * runs on each backend); CTest runs this program as rules_rcu_sim and rules_rcu_threads
 * (`--backend threads`).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pcsim_rules.h"

#include <pcsim/kernel/compiler.h>
#include <pcsim/kernel/rcupdate.h>
#include <pcsim/kernel/sched.h>

/* ---------------------------------------------------------------------------------------------
 * RCU
 */
#define POISON 0x6b6b6b6b
#define NFIELDS 3

struct rcu_obj {
	pcsim_int field[NFIELDS];
	struct rcu_head rh;
	struct rcu_st *s;
};

struct rcu_st {
	pcsim_ptr ptr;
	struct rcu_obj *objs;	/* nupdates + 1 objects */
	int nupdates;
	int rounds;		/* read-side sections per reader */
	int passes;		/* passes over the fields inside one section */
	bool use_call_rcu;
	bool mutant;		/* no grace period at all */
	pcsim_int freed;	/* call_rcu callbacks run */
	pcsim_int cb_bad;	/* callback context check */
	pcsim_int reads;
};

static void rcu_reader(void *arg)
{
	struct rcu_st *s = arg;
	for (int round = 0; round < s->rounds; round++) {
		rcu_read_lock();
		struct rcu_obj *p = READ_ONCE(s->ptr);
		for (int pass = 0; pass < s->passes; pass++) {
			for (int i = 0; i < NFIELDS; i++) {
				int v = READ_ONCE(p->field[i]);
				PCSIM_CHECK(v != POISON, "rcu",
					    "a reader saw POISON: object reclaimed inside its "
					    "read-side critical section");
			}
			if (pass + 1 < s->passes)
				cpu_relax();	/* hold the section open (threads) */
		}
		rcu_read_unlock();
	}
	(void)pcsim_rmw(&s->reads, PCSIM_RMW_ADD, 1, PCSIM_MO_FULL);
}

static void rcu_free_cb(struct rcu_head *rh)
{
	struct rcu_obj *o = (struct rcu_obj *)((char *)rh - offsetof(struct rcu_obj, rh));
	struct rcu_st *s = o->s;
	if (pcsim_current() != NULL || !pcsim_in_interrupt())
		WRITE_ONCE(s->cb_bad, 1);
	for (int i = 0; i < NFIELDS; i++)
		WRITE_ONCE(o->field[i], POISON);
	(void)pcsim_rmw(&s->freed, PCSIM_RMW_ADD, 1, PCSIM_MO_FULL);
}

static void rcu_updater(void *arg)
{
	struct rcu_st *s = arg;
	for (int u = 1; u <= s->nupdates; u++) {
		struct rcu_obj *old = READ_ONCE(s->ptr);
		struct rcu_obj *nw = &s->objs[u];
		WRITE_ONCE(s->ptr, nw);
		if (s->use_call_rcu) {
			if (s->mutant)
				rcu_free_cb(&old->rh);
			else
				call_rcu(&old->rh, rcu_free_cb);
			continue;
		}
		if (!s->mutant)
			synchronize_rcu();
		for (int i = 0; i < NFIELDS; i++)
			WRITE_ONCE(old->field[i], POISON);
	}
	if (s->use_call_rcu) {
		rcu_barrier();
		int f = READ_ONCE(s->freed);
		PCSIM_CHECK(f == s->nupdates, "rcu_barrier",
			    "rcu_barrier() returned with %d of %d callbacks run", f, s->nupdates);
	}
}

static void rcu_setup(struct pcsim_world *w, void *arg)
{
	unsigned mode = (unsigned)(uintptr_t)arg;
	struct rcu_st *s = pcsim_alloc(w, sizeof(*s));
	g_state = s;
	s->use_call_rcu = mode & 1;
	s->mutant = mode & 2;
	/* sim: small enough for an exhaustive search; threads: long read-side sections. */
	s->nupdates = SIM ? 2 : 10;
	s->rounds = SIM ? 2 : 20;
	s->passes = SIM ? 1 : 50;
	s->objs = pcsim_alloc(w, sizeof(s->objs[0]) * (size_t)(s->nupdates + 1));
	for (int o = 0; o <= s->nupdates; o++) {
		s->objs[o].s = s;
		for (int i = 0; i < NFIELDS; i++)
			PCSIM_SETUP_SET(s->objs[o].field[i], o * 10 + i);
	}
	PCSIM_SETUP_SET(s->ptr, &s->objs[0]);
	pcsim_obj_name(&s->ptr, "ptr");
	pcsim_task_create(w, "reader0", rcu_reader, s, 0);
	pcsim_task_create(w, "reader1", rcu_reader, s, 1);
	pcsim_task_create(w, "updater", rcu_updater, s, 1);
}

static void rcu_finish(struct pcsim_world *w, void *arg)
{
	(void)w;
	(void)arg;
	struct rcu_st *s = g_state;
	g_finished++;
	if (PCSIM_SETUP_GET(s->reads) != 2)
		pcsim_fail("rcu", "readers did not finish");
	if (s->use_call_rcu && PCSIM_SETUP_GET(s->freed) != s->nupdates)
		pcsim_fail("rcu", "%d callbacks ran, expected %d", PCSIM_SETUP_GET(s->freed),
			   s->nupdates);
	if (PCSIM_SETUP_GET(s->cb_bad))
		pcsim_fail("rcu", "a call_rcu callback ran in task context");
}

static const struct pcsim_program rcu_sync_prog = { "rules-rcu-synchronize", rcu_setup,
						    rcu_finish, (void *)0 };
static const struct pcsim_program rcu_cb_prog = { "rules-rcu-call-rcu", rcu_setup, rcu_finish,
						  (void *)1 };
static const struct pcsim_program rcu_sync_mutant = { "rules-rcu-mutant-no-gp", rcu_setup,
						      rcu_finish, (void *)2 };
static const struct pcsim_program rcu_cb_mutant = { "rules-rcu-mutant-free-now", rcu_setup,
						    rcu_finish, (void *)3 };

static void test_rcu_synchronize(void **state)
{
	(void)state;
	run_ok(&rcu_sync_prog, (struct plan){ .dfs = true, .sim_execs = 600, .thr_execs = 1000 });
	if (SIM)
		run_expect_fail(&rcu_sync_mutant, (struct plan){ .sim_execs = 600 }, "rcu");
}

static void test_rcu_call_rcu_and_barrier(void **state)
{
	(void)state;
	/*
	 * threads: liburcu's call_rcu thread batches callbacks for 10 ms after a wakeup, so each
	 * execution lasts at least that long: a few hundred executions only.
	 */
	run_ok(&rcu_cb_prog, (struct plan){ .sim_execs = 1000, .thr_execs = 200 });
	if (SIM)
		run_expect_fail(&rcu_cb_mutant, (struct plan){ .sim_execs = 600 }, "rcu");
}

int main(int argc, char **argv)
{
	pt_init(argc, argv);
	printf("backend: %s\n", SIM ? "sim" : "threads");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rcu_synchronize),
		cmocka_unit_test(test_rcu_call_rcu_and_barrier),
	};
	return cmocka_run_group_tests_name(SIM ? "rules_rcu_sim" : "rules_rcu_threads",
					   tests, NULL, NULL);
}
