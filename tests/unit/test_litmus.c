// SPDX-License-Identifier: MIT
/*
 * Description: final states as a result (<pcsim/outcome.h>), the litmus front end
 * (<pcsim/litmus.h>) and the kernel primitives issue 13 added to <pcsim/kernel/>
 * (smp_store_mb, smp_mb__after_spinlock, smp_mb__after_unlock_lock, xchg/cmpxchg and their
 * _relaxed/_acquire/_release forms, the ordering variants of the atomics,
 * synchronize_rcu_expedited).
 * Kernel reference: tools/memory-model/linux-kernel.def (the primitives and their orderings),
 * Documentation/atomic_t.txt, herd7's C litmus format.
 * What to look for: under tso the store-buffering outcome 0:r0=0; 1:r0=0; appears in the
 * histogram without barriers and disappears with smp_store_mb() or smp_mb().
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcsim_test.h"

#include <pcsim/kernel/atomic.h>
#include <pcsim/kernel/barrier.h>
#include <pcsim/kernel/cmpxchg.h>
#include <pcsim/kernel/compiler.h>
#include <pcsim/kernel/rcupdate.h>
#include <pcsim/kernel/spinlock.h>
#include <pcsim/kernel/srcu.h>
#include <pcsim/litmus.h>
#include <pcsim/outcome.h>

/* ---- store buffering in C, its final states as the result */
enum sb_kind { SB_PLAIN, SB_STORE_MB, SB_MB, SB_XCHG, SB_XCHG_RELAXED };

struct sb {
	pcsim_int x, y;
	int r0, r1;
	enum sb_kind kind;
};

/* What one exploration shares with its executions: the program's arg, no globals. */
struct sb_run {
	enum sb_kind kind;
	struct sb *cur; /* the execution under way */
};

static void sb_side(struct sb *s, pcsim_int *mine, pcsim_int *other, int *r)
{
	switch (s->kind) {
	case SB_PLAIN:
		WRITE_ONCE(*mine, 1);
		break;
	case SB_STORE_MB:
		smp_store_mb(*mine, 1);
		break;
	case SB_MB:
		WRITE_ONCE(*mine, 1);
		smp_mb();
		break;
	case SB_XCHG:
		(void)xchg(mine, 1);
		break;
	case SB_XCHG_RELAXED:
		(void)xchg_relaxed(mine, 1);
		break;
	}
	*r = READ_ONCE(*other);
}

static void sb_p0(void *arg)
{
	struct sb *s = arg;
	sb_side(s, &s->x, &s->y, &s->r0);
}

static void sb_p1(void *arg)
{
	struct sb *s = arg;
	sb_side(s, &s->y, &s->x, &s->r1);
}

static void sb_setup(struct pcsim_world *w, void *arg)
{
	struct sb_run *run = arg;
	struct sb *s = pcsim_alloc(w, sizeof(*s));
	run->cur = s;
	if (!s)
		return;
	s->kind = run->kind;
	pcsim_task_create(w, "P0", sb_p0, s, 0);
	pcsim_task_create(w, "P1", sb_p1, s, 1);
}

static void sb_finish(struct pcsim_world *w, void *arg)
{
	struct sb_run *run = arg;
	assert_int_equal(pcsim_outcome_record(w, "0:r0", run->cur->r0), 0);
	assert_int_equal(pcsim_outcome_record(w, "1:r0", run->cur->r1), 0);
}

/* DFS, unbounded, of SB in @mem: the report with its histogram. */
static void sb_explore(enum sb_kind kind, enum pcsim_memmode mem, struct pcsim_report *r)
{
	struct sb_run run = {.kind = kind};
	struct pcsim_program prog = {"sb-outcomes", sb_setup, sb_finish, &run};
	struct pcsim_config cfg;
	struct pcsim_explore_opts o;
	pcsim_config_init(&cfg);
	cfg.mem = mem;
	cfg.trace = false;
	pcsim_explore_opts_init(&o);
	o.strategy = PCSIM_STRATEGY_DFS;
	o.preemption_bound = PCSIM_PREEMPTION_UNBOUNDED;
	o.max_executions = 0;
	assert_int_equal(pcsim_explore(&prog, &cfg, &o, r), 0);
	assert_true(r->exhausted);
}

static const char *const both_zero = "0:r0=0; 1:r0=0;";

static void test_outcome_histogram(void **state)
{
	(void)state;
	struct pcsim_report r;
	sb_explore(SB_PLAIN, PCSIM_MEM_TSO, &r);
	/* all four outcomes, sorted by text, counts adding up to the executions */
	assert_int_equal(r.nstates, 4);
	uint64_t sum = 0;
	for (size_t i = 0; i < r.nstates; i++) {
		sum += r.states[i].count;
		assert_true(r.states[i].count > 0);
		if (i)
			assert_true(strcmp(r.states[i - 1].state, r.states[i].state) < 0);
	}
	assert_int_equal(sum, r.executions);
	assert_int_equal(r.unrecorded, 0);
	assert_string_equal(r.states[0].state, both_zero);
	assert_true(pcsim_outcome_count(r.states, r.nstates, both_zero) > 0);
	assert_int_equal(pcsim_outcome_count(r.states, r.nstates, "nonsense"), 0);
	pcsim_report_free(&r);
	assert_null(r.states);

	sb_explore(SB_PLAIN, PCSIM_MEM_SC, &r);
	assert_int_equal(r.nstates, 3);
	assert_int_equal(pcsim_outcome_count(r.states, r.nstates, both_zero), 0);
	pcsim_report_free(&r);
}

/* The full barriers issue 13 added order the store before the load under tso; the relaxed
 * exchange is a locked instruction on x86, so tso cannot tell it from the full one. */
static void test_barriers_order_sb_under_tso(void **state)
{
	(void)state;
	static const struct {
		enum sb_kind kind;
		bool reaches;
	} cases[] = {
		{SB_PLAIN, true}, {SB_STORE_MB, false},	    {SB_MB, false},
		{SB_XCHG, false}, {SB_XCHG_RELAXED, false},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pcsim_report r;
		sb_explore(cases[i].kind, PCSIM_MEM_TSO, &r);
		uint64_t n = pcsim_outcome_count(r.states, r.nstates, both_zero);
		printf("sb kind %d under tso: %llu of %llu executions with both loads 0\n",
		       (int)cases[i].kind, (unsigned long long)n, (unsigned long long)r.executions);
		assert_int_equal(n > 0, cases[i].reaches);
		pcsim_report_free(&r);
	}
}

/* ---- pcsim_outcome_record()'s contract */
struct rec_case {
	int setup_rc, bad_name, bad_value, space, long_rc;
};

static void rec_task(void *arg)
{
	(void)arg;
	/* a task is not finish(): nothing recorded */
	PCSIM_CHECK(pcsim_outcome_record(pcsim_world_current(), "t", 1) == -EPERM, "rec",
		    "recorded from a task");
}

static void rec_setup(struct pcsim_world *w, void *arg)
{
	struct rec_case *c = arg;
	c->setup_rc = pcsim_outcome_record(w, "s", 1);
	pcsim_task_create(w, "T", rec_task, NULL, 0);
}

static void rec_finish(struct pcsim_world *w, void *arg)
{
	struct rec_case *c = arg;
	c->bad_name = pcsim_outcome_record(w, "a=b", 1);
	c->bad_value = pcsim_outcome_record_text(w, "a", "x y");
	c->space = pcsim_outcome_record(w, "", 1);
	char big[PCSIM_OUTCOME_STATE_MAX];
	memset(big, 'n', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	c->long_rc = pcsim_outcome_record(w, big, 1);
	assert_int_equal(pcsim_outcome_record(w, "ok", -5), 0);
}

static void test_outcome_record_contract(void **state)
{
	(void)state;
	struct rec_case c = {0};
	struct pcsim_program prog = {"rec", rec_setup, rec_finish, &c};
	struct pcsim_report r;
	assert_int_equal(pcsim_outcome_record(NULL, "x", 1), -EPERM);
	assert_int_equal(
		pt_run("rec", rec_setup, rec_finish, &c, NULL, PCSIM_STRATEGY_RANDOM, 3, 0, 0, &r),
		0);
	(void)prog;
	assert_int_equal(c.setup_rc, -EPERM);
	assert_int_equal(c.bad_name, -EINVAL);
	assert_int_equal(c.bad_value, -EINVAL);
	assert_int_equal(c.space, -EINVAL);
	assert_int_equal(c.long_rc, -ENOSPC);
	assert_int_equal(r.nstates, 1);
	assert_string_equal(r.states[0].state, "ok=-5;");
	assert_int_equal(r.states[0].count, 3);
	pcsim_report_free(&r);
	/* outside pcsim_explore() */
	assert_int_equal(pcsim_outcome_record_text(NULL, "a", "b"), -EPERM);
}

/* ---- every new primitive computes what the kernel's does, on both backends */
struct prim_state {
	pcsim_int v;
	pcsim_long l;
	atomic_t a;
	spinlock_t lock;
	struct srcu_struct srcu;
};

static void prim_task(void *arg)
{
	struct prim_state *s = arg;
#define EQ(e, want) PCSIM_CHECK((e) == (want), "prim", "%s is not %s", #e, #want)
	EQ(xchg(&s->v, 1), 0);
	EQ(xchg_relaxed(&s->v, 2), 1);
	EQ(xchg_acquire(&s->v, 3), 2);
	EQ(xchg_release(&s->v, 4), 3);
	EQ(cmpxchg(&s->v, 4, 5), 4);
	EQ(cmpxchg_relaxed(&s->v, 4, 6), 5); /* fails: unchanged */
	EQ(cmpxchg_acquire(&s->v, 5, 6), 5);
	EQ(cmpxchg_release(&s->v, 6, 7), 6);
	EQ(READ_ONCE(s->v), 7);
	EQ(xchg(&s->l, 1l << 40), 0);
	EQ(READ_ONCE(s->l), 1l << 40);
	smp_store_mb(s->v, 8);
	EQ(READ_ONCE(s->v), 8);
	spin_lock(&s->lock);
	smp_mb__after_spinlock();
	spin_unlock(&s->lock);
	spin_lock(&s->lock);
	smp_mb__after_unlock_lock();
	spin_unlock(&s->lock);
	/* atomics: start at 10 */
	atomic_set(&s->a, 10);
	EQ(atomic_fetch_add_acquire(2, &s->a), 10);
	EQ(atomic_fetch_add_release(2, &s->a), 12);
	EQ(atomic_fetch_sub_relaxed(1, &s->a), 14);
	EQ(atomic_fetch_sub_acquire(1, &s->a), 13);
	EQ(atomic_fetch_inc(&s->a), 12);
	EQ(atomic_fetch_dec_release(&s->a), 13);
	EQ(atomic_add_return_relaxed(3, &s->a), 15);
	EQ(atomic_add_return_acquire(1, &s->a), 16);
	EQ(atomic_add_return_release(1, &s->a), 17);
	EQ(atomic_sub_return_relaxed(7, &s->a), 10);
	EQ(atomic_inc_return_acquire(&s->a), 11);
	EQ(atomic_dec_return_release(&s->a), 10);
	EQ(atomic_fetch_or_relaxed(0x10, &s->a), 10);
	EQ(atomic_fetch_and_acquire(0xf, &s->a), 26);
	EQ(atomic_fetch_xor_release(1, &s->a), 10);
	EQ(atomic_fetch_andnot(2, &s->a), 11);
	atomic_xor(1, &s->a);
	atomic_andnot(8, &s->a);
	EQ(atomic_read(&s->a), 0);
	EQ(atomic_xchg_relaxed(&s->a, 5), 0);
	EQ(atomic_xchg_acquire(&s->a, 6), 5);
	EQ(atomic_xchg_release(&s->a, 7), 6);
	EQ(atomic_cmpxchg_relaxed(&s->a, 7, 8), 7);
	EQ(atomic_cmpxchg_acquire(&s->a, 0, 9), 8);
	EQ(atomic_cmpxchg_release(&s->a, 8, 1), 8);
	EQ(atomic_sub_and_test(1, &s->a), 1);
	EQ(atomic_add_negative(-1, &s->a), 1);
	rcu_read_lock();
	rcu_read_unlock();
	synchronize_rcu_expedited();
	int idx = srcu_read_lock(&s->srcu);
	EQ(READ_ONCE(s->srcu.readers), 1);
	srcu_read_unlock(&s->srcu, idx);
	synchronize_srcu(&s->srcu);
	synchronize_srcu_expedited(&s->srcu);
#undef EQ
}

static void prim_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	struct prim_state *s = pcsim_alloc(w, sizeof(*s));
	if (!s)
		return;
	spin_lock_init(&s->lock);
	init_srcu_struct(&s->srcu);
	pcsim_task_create(w, "prims", prim_task, s, 0);
}

static void test_new_primitives_values(void **state)
{
	(void)state;
	for (int b = 0; b < 2; b++) {
		struct pcsim_config cfg;
		struct pcsim_report r;
		pcsim_config_init(&cfg);
		cfg.backend = b ? PCSIM_BACKEND_THREADS : PCSIM_BACKEND_SIM;
		for (int m = 0; m < (b ? 1 : 2); m++) {
			cfg.mem = m ? PCSIM_MEM_TSO : PCSIM_MEM_SC;
			assert_int_equal(pt_run("prims", prim_setup, NULL, NULL, &cfg,
						PCSIM_STRATEGY_RANDOM, 2, 0, 0, &r),
					 0);
			pcsim_report_free(&r);
		}
	}
}

/* ---- the litmus front end */
static struct pcsim_litmus *parse_ok(const char *text)
{
	struct pcsim_litmus *t = NULL;
	char err[512];
	int rc = pcsim_litmus_parse(text, "t.litmus", &t, err, sizeof(err));
	if (rc)
		fail_msg("parse: %s", err);
	return t;
}

static void run_litmus(const struct pcsim_litmus *t, enum pcsim_memmode mem,
		       struct pcsim_litmus_result *res)
{
	struct pcsim_config cfg;
	pcsim_config_init(&cfg);
	cfg.trace = false;
	cfg.mem = mem;
	assert_int_equal(pcsim_litmus_run(t, &cfg, NULL, res), 0);
	assert_true(res->report.exhausted);
}

static const char sb_text[] =
	"C SB\n"
	"(* Result: Sometimes *)\n"
	"{ x=0; }\n"
	"P0(int *x, int *y) { int r0; WRITE_ONCE(*x, 1); r0 = READ_ONCE(*y); }\n"
	"P1(int *x, int *y) { int r0; WRITE_ONCE(*y, 1); r0 = READ_ONCE(*x); }\n"
	"exists (0:r0=0 /\\ 1:r0=0)\n";

static void test_litmus_sb_verdicts(void **state)
{
	(void)state;
	struct pcsim_litmus *t = parse_ok(sb_text);
	assert_string_equal(pcsim_litmus_name(t), "SB");
	assert_int_equal(pcsim_litmus_nprocs(t), 2);
	assert_int_equal(pcsim_litmus_expected(t), PCSIM_LITMUS_SOMETIMES);
	struct pcsim_litmus_result res;
	run_litmus(t, PCSIM_MEM_SC, &res);
	assert_int_equal(res.observed, PCSIM_LITMUS_NEVER);
	assert_int_equal(res.agreement, PCSIM_LITMUS_STRONGER);
	assert_false(res.ok);
	assert_int_equal(res.positive, 0);
	assert_int_equal(res.negative, res.report.executions);
	pcsim_litmus_result_free(&res);

	run_litmus(t, PCSIM_MEM_TSO, &res);
	assert_int_equal(res.observed, PCSIM_LITMUS_SOMETIMES);
	assert_int_equal(res.agreement, PCSIM_LITMUS_CONSISTENT);
	assert_true(res.ok);
	assert_int_equal(res.positive,
			 pcsim_outcome_count(res.report.states, res.report.nstates, both_zero));
	char *out = pcsim_litmus_format(t, &res, "tso");
	assert_non_null(out);
	assert_non_null(strstr(out, "Test SB Allowed\nStates 4\n"));
	assert_non_null(strstr(out, "*> 0:r0=0; 1:r0=0;\n"));
	assert_non_null(strstr(out, "\nOk\nWitnesses\nPositive: "));
	assert_non_null(strstr(out, "Observation SB Sometimes "));
	assert_non_null(strstr(out, "Expected Sometimes (LKMM), observed Sometimes: consistent"));
	free(out);
	pcsim_litmus_result_free(&res);
	pcsim_litmus_free(t);
}

/*
 * A three-CPU store-buffering ring reaches all-zero under tso only if every process has its
 * own CPU (two tasks on one CPU share a store buffer, and the switch between them drains it):
 * the front end sizes the world to the processes.
 */
static const char ring_text[] =
	"C SB3\n"
	"{}\n"
	"P0(int *x, int *y) { int r0; WRITE_ONCE(*x, 1); r0 = READ_ONCE(*y); }\n"
	"P1(int *y, int *z) { int r0; WRITE_ONCE(*y, 1); r0 = READ_ONCE(*z); }\n"
	"P2(int *z, int *x) { int r0; WRITE_ONCE(*z, 1); r0 = READ_ONCE(*x); }\n"
	"exists (0:r0=0 /\\ 1:r0=0 /\\ 2:r0=0)\n";

static void test_litmus_one_cpu_per_process(void **state)
{
	(void)state;
	struct pcsim_litmus *t = parse_ok(ring_text);
	struct pcsim_litmus_result res;
	struct pcsim_config cfg;
	pcsim_config_init(&cfg);
	cfg.trace = false;
	cfg.mem = PCSIM_MEM_TSO;
	cfg.ncpus = 2; /* replaced by the number of processes */
	struct pcsim_explore_opts o;
	pcsim_explore_opts_init(&o);
	o.strategy = PCSIM_STRATEGY_DFS;
	o.preemption_bound = 1; /* unbounded takes 20 s under ASan; one is enough here */
	o.max_executions = 0;
	assert_int_equal(pcsim_litmus_run(t, &cfg, &o, &res), 0);
	assert_int_equal(pcsim_litmus_nprocs(t), 3);
	assert_int_equal(res.observed, PCSIM_LITMUS_SOMETIMES);
	assert_int_equal(res.agreement, PCSIM_LITMUS_NO_EXPECTATION);
	pcsim_litmus_result_free(&res);
	pcsim_litmus_free(t);
}

/* A "Never" test that pcsim breaks is reported as weaker (here: a lost update without a lock
 * claimed to be impossible). */
static void test_litmus_weaker_is_reported(void **state)
{
	(void)state;
	struct pcsim_litmus *t =
		parse_ok("C lost\n(* Result: Never *)\n{}\n"
			 "P0(int *x) { int r0; r0 = READ_ONCE(*x); WRITE_ONCE(*x, r0 + 1); }\n"
			 "P1(int *x) { int r0; r0 = READ_ONCE(*x); WRITE_ONCE(*x, r0 + 1); }\n"
			 "exists (x=1)\n");
	struct pcsim_litmus_result res;
	run_litmus(t, PCSIM_MEM_SC, &res);
	assert_int_equal(res.agreement, PCSIM_LITMUS_WEAKER);
	pcsim_litmus_result_free(&res);
	pcsim_litmus_free(t);
}

/* Pointers, RCU, locks, atomics, if/else, forall and ~exists through the interpreter. */
static void test_litmus_constructs(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		enum pcsim_litmus_verdict want;
		int ok;
	} cases[] = {
		{"C ptr\n{ y=z; z=0; }\n"
		 "P0(int *x, int **y) { WRITE_ONCE(*x, 1); rcu_assign_pointer(*y, x); }\n"
		 "P1(int *x, int **y) { int *r0; int r1; rcu_read_lock(); "
		 "r0 = rcu_dereference(*y); r1 = READ_ONCE(*r0); rcu_read_unlock(); }\n"
		 "exists (1:r0=x /\\ 1:r1=0)\n",
		 PCSIM_LITMUS_NEVER, 0},
		{"C ifelse\n{ int x = 2; }\n"
		 "P0(int *x) { int r0; int r1; r0 = READ_ONCE(*x);\n"
		 "  if (r0 == 2 && !(r0 < 1)) { r1 = r0 * 3 - 1; } else r1 = -1; }\n"
		 "forall (0:r0=2 /\\ 0:r1=5)\n",
		 PCSIM_LITMUS_ALWAYS, 1},
		{"C atomics\n{ atomic_t v = ATOMIC_INIT(3); }\n"
		 "P0(atomic_t *v) { int r0; r0 = atomic_dec_and_test(v); atomic_add(5, v); }\n"
		 "P1(atomic_t *v) { int r0; r0 = atomic_fetch_sub_acquire(2, v); }\n"
		 "~exists (v=6 /\\ ~(0:r0=0))\n",
		 PCSIM_LITMUS_NEVER, 1},
		{"C lock\n{}\n"
		 "P0(int *x, spinlock_t *s) { int r0; spin_lock(s); r0 = READ_ONCE(*x); "
		 "WRITE_ONCE(*x, r0 + 1); spin_unlock(s); }\n"
		 "P1(int *x, spinlock_t *s) { int r0; spin_lock(s); r0 = READ_ONCE(*x); "
		 "WRITE_ONCE(*x, r0 + 1); spin_unlock(s); }\n"
		 "locations [0:r0; 1:r0;]\n"
		 "exists (x=2)\n",
		 PCSIM_LITMUS_ALWAYS, 1},
		{"C filtered\n{}\n"
		 "P0(int *x) { WRITE_ONCE(*x, 1); }\n"
		 "P1(int *x) { r0 = READ_ONCE(*x); r1 = READ_ONCE(*x); }\n"
		 "filter (1:r0=1)\n"
		 "forall (1:r1=1)\n",
		 PCSIM_LITMUS_ALWAYS, 1},
		{"C cmpx\n{}\n"
		 "P0(int *x) { int r0; r0 = cmpxchg_release(x, 0, 1); }\n"
		 "P1(int *x) { int r0; r0 = xchg_acquire(x, 2); }\n"
		 "exists (x=1 /\\ 1:r0=0)\n",
		 PCSIM_LITMUS_NEVER, 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pcsim_litmus *t = parse_ok(cases[i].text);
		for (int m = 0; m < 2; m++) {
			struct pcsim_litmus_result res;
			run_litmus(t, m ? PCSIM_MEM_TSO : PCSIM_MEM_SC, &res);
			if (res.observed != cases[i].want || res.ok != cases[i].ok) {
				char *out = pcsim_litmus_format(t, &res, m ? "tso" : "sc");
				fail_msg("case %zu:\n%s", i, out ? out : "");
			}
			assert_int_equal(res.report.unrecorded, res.filtered);
			assert_int_equal(res.filtered > 0, strstr(cases[i].text, "filter") != NULL);
			pcsim_litmus_result_free(&res);
		}
		pcsim_litmus_free(t);
	}
}

static void test_litmus_parse_errors(void **state)
{
	(void)state;
	static const struct {
		const char *text, *where, *what;
	} cases[] = {
		{"", "t.litmus:1:1:", "expected 'C'"},
		{"X SB\n{}\n", "t.litmus:1:1:", "expected 'C'"},
		{"C SB\n{}\nP1(int *x) { }\nexists (x=0)", "t.litmus:3:1:", "expected process P0"},
		{"C SB\n{}\nP0(int *x) { WRITE_ONCE(*x, 1) }\nexists (x=0)",
		 "t.litmus:3:32:", "expected ';'"},
		{"C SB\n{}\nP0(int *x) {\n  frob(x);\n}\nexists (x=0)",
		 "t.litmus:4:3:", "unsupported primitive 'frob'"},
		{"C SB\n{}\nP0(int *x) {\n  WRITE_ONCE(*x);\n}\nexists (x=0)",
		 "t.litmus:4:3:", "WRITE_ONCE takes 2 arguments, not 1"},
		{"C SB\n{}\nP0(int *x) { r1 = r0 + 1; }\nexists (x=0)",
		 "t.litmus:3:19:", "'r0' is neither a register"},
		{"C SB\n{}\nP0(int *x) { int r0; while (1) { } }\nexists (x=0)",
		 "t.litmus:3:22:", "'while' is not supported"},
		{"C SB\n{}\nP0(int *x) { int r0; }\nexists (0:r1=0)",
		 "t.litmus:4:11:", "P0 has no register 'r1'"},
		{"C SB\n{}\nP0(int *x) { int r0; }\nexists (2:r0=0)",
		 "t.litmus:4:9:", "there is no process 2"},
		{"C SB\n{}\nP0(int *x) { int r0; }\n",
		 "t.litmus:4:1:", "expected the final clause"},
		{"C SB\n(* open\n", "t.litmus:2:1:", "unterminated comment"},
		{"C SB\n{}\nP0(int *x) { int r0; }\nexists (x=0) junk",
		 "t.litmus:4:14:", "unexpected 'junk'"},
		{"C SB\n{ x=99999999999999999999; }\n", "t.litmus:2:5:", "bad number"},
		{"C SB\n{}\nP0(int *x) { int r0; r0 = 1 + ; }\nexists (x=0)",
		 "t.litmus:3:31:", "expected an expression"},
		{"C SB\n{}\nP0(int *x) { @ }\n", "t.litmus:3:14:", "unexpected character '@'"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pcsim_litmus *t = (struct pcsim_litmus *)1;
		char err[512] = "";
		int rc = pcsim_litmus_parse(cases[i].text, "t.litmus", &t, err, sizeof(err));
		if (rc != -EINVAL || strncmp(err, cases[i].where, strlen(cases[i].where)) != 0 ||
		    !strstr(err, cases[i].what))
			fail_msg("case %zu: rc %d, \"%s\"; wanted %s ... %s", i, rc, err,
				 cases[i].where, cases[i].what);
		assert_null(t);
	}
	/* and no crash without an error buffer */
	struct pcsim_litmus *t;
	assert_int_equal(pcsim_litmus_parse("C", NULL, &t, NULL, 0), -EINVAL);
	assert_int_equal(pcsim_litmus_parse(NULL, NULL, &t, NULL, 0), -EINVAL);
}

int main(int argc, char **argv)
{
	pt_init(argc, argv);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_outcome_histogram),
		cmocka_unit_test(test_barriers_order_sb_under_tso),
		cmocka_unit_test(test_outcome_record_contract),
		cmocka_unit_test(test_new_primitives_values),
		cmocka_unit_test(test_litmus_sb_verdicts),
		cmocka_unit_test(test_litmus_one_cpu_per_process),
		cmocka_unit_test(test_litmus_weaker_is_reported),
		cmocka_unit_test(test_litmus_constructs),
		cmocka_unit_test(test_litmus_parse_errors),
	};
	return cmocka_run_group_tests_name("litmus", tests, NULL, NULL);
}
