// SPDX-License-Identifier: MIT
/*
 * Description: the engine's conformance suite. Each test is a small pcsim program that checks
 * one rule of the engine with pcsim_fail()/PCSIM_CHECK() inside the program (tasks, event
 * handlers, the finish callback) and with cmocka asserts on the report. The same file runs on
 * both backends (CTest: engine_rules_sim and engine_rules_threads, `--backend threads`):
 * sim explores each program exhaustively with DFS (preemption bound 2) or with PCT over a few
 * hundred executions; threads runs each a few hundred to a few thousand times on real threads.
 *
 * Kernel reference (5.10): kernel/sched/core.c try_to_wake_up() and __schedule() (the
 * signal_pending_state() check), include/linux/sched/signal.h signal_pending_state(),
 * kernel/signal.c signal_wake_up_state(), kernel/task_work.c task_work_add()/task_work_run(),
 * kernel/exit.c do_exit()/exit_task_work(), include/linux/spinlock.h,
 * Documentation/RCU/whatisRCU.rst (grace periods, call_rcu, rcu_barrier).
 *
 * What to look for when one fails: the report names the rule ("ttwu", "signal", "task_work",
 * "rcu", ...) and the sim backend prints the trace and writes the schedule that replays it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pcsim_test.h"

#include <pcsim/kernel/barrier.h>
#include <pcsim/kernel/compiler.h>
#include <pcsim/kernel/rcupdate.h>
#include <pcsim/kernel/sched.h>
#include <pcsim/kernel/spinlock.h>
#include <pcsim/kernel/task_work.h>

#define SIM (pt_backend == PCSIM_BACKEND_SIM)

/* Busy-wait for a condition on shared memory; cpu_relax() keeps bounded searches finite. */
#define WAIT_UNTIL(cond)             \
	do {                         \
		while (!(cond))      \
			cpu_relax(); \
	} while (0)

/* ---------------------------------------------------------------------------------------------
 * Running a program
 */

/* Per-execution state of the program under test, for its finish callback. */
static void *g_state;
/* Executions whose finish callback ran (and checked the end state). */
static uint64_t g_finished;

struct plan {
	bool dfs;		/* sim: exhaustive DFS, preemption bound 2 */
	uint64_t sim_execs;	/* sim: PCT executions when !dfs */
	uint64_t thr_execs;	/* threads: executions */
};

static struct pcsim_config test_config(void)
{
	struct pcsim_config cfg = pt_config(PCSIM_MEM_SC);
	if (!SIM) {
		/* A lost wakeup shows up as a hang: report it quickly. */
		cfg.threads_timeout_ms = 5000;
		cfg.trace = false;
	}
	return cfg;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void plan_opts(const struct plan *pl, struct pcsim_explore_opts *o)
{
	pcsim_explore_opts_init(o);
	o->seed = 7;
	if (!SIM) {
		o->strategy = PCSIM_STRATEGY_RANDOM;
		o->max_executions = pl->thr_execs;
	} else if (pl->dfs) {
		o->strategy = PCSIM_STRATEGY_DFS;
		o->preemption_bound = 2;
		o->max_executions = 0;
	} else {
		o->strategy = PCSIM_STRATEGY_PCT;
		o->pct_depth = 3;
		o->max_executions = pl->sim_execs;
	}
}

/* Run @p under @pl; every execution must pass and reach its finish callback. */
static void run_ok_cfg(const struct pcsim_program *p, struct plan pl, struct pcsim_config cfg)
{
	struct pcsim_explore_opts o;
	struct pcsim_report r;
	plan_opts(&pl, &o);
	g_finished = 0;
	double t0 = now_s();
	int ret = pt_explore(p, &cfg, &o, 0, &r);
	double dt = now_s() - t0;
	printf("    %-34s %-7s %-4s %6llu executions %9llu steps %7.3f s\n", p->name,
	       SIM ? "sim" : "threads", !SIM ? "rand" : pl.dfs ? "dfs" : "pct",
	       (unsigned long long)r.executions, (unsigned long long)r.steps, dt);
	assert_int_equal(ret, 0);
	assert_int_equal(r.outcome, PCSIM_OUTCOME_OK);
	if (SIM && pl.dfs) {
		assert_true(r.exhausted);
		assert_true(r.executions >= 1);
	} else {
		assert_int_equal(r.executions, o.max_executions);
	}
	assert_int_equal(g_finished, r.executions);
	pcsim_report_free(&r);
}

static void run_ok(const struct pcsim_program *p, struct plan pl)
{
	run_ok_cfg(p, pl, test_config());
}

/*
 * Run @p, which breaks a rule on purpose (a mutant), and expect the engine to find it: shows
 * that the corresponding program is sensitive to the rule. sim only (exhaustive or PCT).
 */
static void run_expect_fail(const struct pcsim_program *p, struct plan pl, const char *what)
{
	struct pcsim_config cfg = test_config();
	struct pcsim_explore_opts o;
	struct pcsim_report r;
	plan_opts(&pl, &o);
	o.confirm = SIM;
	int ret = pt_explore(p, &cfg, &o, 1, &r);
	printf("    %-34s %-7s mutant found after %llu execution(s): %s (replay %s)\n", p->name,
	       SIM ? "sim" : "threads", (unsigned long long)r.failing_execution, r.what,
	       r.confirmed ? "confirmed" : "not confirmed");
	assert_int_equal(ret, 1);
	if (what)
		assert_string_equal(r.what, what);
	/* The failure replays with the same outcome and trace hash (pointers included). */
	if (SIM)
		assert_true(r.confirmed);
	pcsim_report_free(&r);
}

/* ---------------------------------------------------------------------------------------------
 * try_to_wake_up() return values
 *
 * The sleeper goes through four phases and publishes each one after setting its state; the
 * waker is the only one who wakes it. A wake in a state that does not match must return 0 and
 * leave the sleeper asleep (the sleeper checks that the waker had released it).
 */
struct ttwu_st {
	struct task_struct *sleeper;
	pcsim_int phase;	/* sleeper: the phase it is in */
	pcsim_int released;	/* waker: the matching wake of phase N is coming */
};

static void ttwu_sleeper(void *arg)
{
	struct ttwu_st *s = arg;
	/* Phase 1: running (spinning); a wake must find TASK_RUNNING. */
	WRITE_ONCE(s->phase, 1);
	WAIT_UNTIL(READ_ONCE(s->released) >= 1);
	PCSIM_CHECK(get_current_state() == TASK_RUNNING, "ttwu", "state changed while running");
	/* Phase 2: TASK_UNINTERRUPTIBLE. */
	set_current_state(TASK_UNINTERRUPTIBLE);
	WRITE_ONCE(s->phase, 2);
	schedule();
	PCSIM_CHECK(READ_ONCE(s->released) >= 2, "ttwu",
		    "an UNINTERRUPTIBLE sleeper was woken by a wake for another state");
	PCSIM_CHECK(get_current_state() == TASK_RUNNING, "ttwu", "woken but not TASK_RUNNING");
	/* Phase 3: TASK_INTERRUPTIBLE. */
	set_current_state(TASK_INTERRUPTIBLE);
	WRITE_ONCE(s->phase, 3);
	schedule();
	PCSIM_CHECK(READ_ONCE(s->released) >= 3, "ttwu",
		    "an INTERRUPTIBLE sleeper was woken by wake_up_state(TASK_UNINTERRUPTIBLE)");
	/* Phase 4: TASK_KILLABLE (WAKEKILL | UNINTERRUPTIBLE). */
	set_current_state(TASK_KILLABLE);
	WRITE_ONCE(s->phase, 4);
	schedule();
	PCSIM_CHECK(READ_ONCE(s->released) >= 4, "ttwu",
		    "a KILLABLE sleeper was woken by wake_up_state(TASK_INTERRUPTIBLE)");
	WRITE_ONCE(s->phase, 5);
}

#define EXPECT_TTWU(call, want)                                                              \
	do {                                                                                 \
		int r_ = (call);                                                             \
		PCSIM_CHECK(r_ == (want), "ttwu", "%s returned %d, expected %d", #call, r_, \
			    (want));                                                         \
	} while (0)

static void ttwu_waker(void *arg)
{
	struct ttwu_st *s = arg;
	struct task_struct *p = s->sleeper;
	/* current is running. */
	EXPECT_TTWU(wake_up_process(current), 0);
	WAIT_UNTIL(READ_ONCE(s->phase) >= 1);
	EXPECT_TTWU(wake_up_process(p), 0);
	EXPECT_TTWU(try_to_wake_up(p, TASK_NORMAL, 0), 0);
	WRITE_ONCE(s->released, 1);

	WAIT_UNTIL(READ_ONCE(s->phase) >= 2);	/* UNINTERRUPTIBLE (asleep or about to be) */
	EXPECT_TTWU(wake_up_state(p, TASK_INTERRUPTIBLE), 0);
	EXPECT_TTWU(try_to_wake_up(p, TASK_WAKEKILL, 0), 0);
	WRITE_ONCE(s->released, 2);
	EXPECT_TTWU(wake_up_state(p, TASK_UNINTERRUPTIBLE), 1);

	WAIT_UNTIL(READ_ONCE(s->phase) >= 3);	/* INTERRUPTIBLE */
	EXPECT_TTWU(wake_up_state(p, TASK_UNINTERRUPTIBLE), 0);
	WRITE_ONCE(s->released, 3);
	EXPECT_TTWU(wake_up_state(p, TASK_INTERRUPTIBLE), 1);

	WAIT_UNTIL(READ_ONCE(s->phase) >= 4);	/* KILLABLE */
	EXPECT_TTWU(wake_up_state(p, TASK_INTERRUPTIBLE), 0);
	WRITE_ONCE(s->released, 4);
	EXPECT_TTWU(wake_up_state(p, TASK_UNINTERRUPTIBLE), 1);

	WAIT_UNTIL(READ_ONCE(s->phase) >= 5);	/* running again, exiting */
	EXPECT_TTWU(wake_up_process(p), 0);
}

static void ttwu_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	struct ttwu_st *s = pcsim_alloc(w, sizeof(*s));
	g_state = s;
	pcsim_obj_name(&s->phase, "phase");
	pcsim_obj_name(&s->released, "released");
	s->sleeper = pcsim_task_create(w, "sleeper", ttwu_sleeper, s, 0);
	pcsim_task_create(w, "waker", ttwu_waker, s, 1);
}

static void ttwu_finish(struct pcsim_world *w, void *arg)
{
	(void)w;
	(void)arg;
	struct ttwu_st *s = g_state;
	g_finished++;
	if (PCSIM_SETUP_GET(s->phase) != 5 || !pcsim_task_exited(s->sleeper))
		pcsim_fail("ttwu", "the sleeper did not finish (phase %d)",
			   PCSIM_SETUP_GET(s->phase));
}

static const struct pcsim_program ttwu_prog = { "rules-ttwu-return", ttwu_setup, ttwu_finish,
						NULL };

static void test_ttwu_return_values(void **state)
{
	(void)state;
	run_ok(&ttwu_prog, (struct plan){ .dfs = true, .thr_execs = 1000 });
}

/* ---------------------------------------------------------------------------------------------
 * Wake-before-schedule
 *
 * (a) The correct pattern (set_current_state; test the condition; schedule, in a loop) never
 * sleeps forever, here as a two-way handshake. (b) A try_to_wake_up() that lands between
 * set_current_state() and schedule() makes schedule() return without sleeping: nobody wakes
 * the task again, so sleeping would be a deadlock (sim) or a hang (threads).
 */
struct wbs_st {
	struct task_struct *a, *b;
	pcsim_int flag, ack;
	pcsim_int armed, woke;
	pcsim_int done;
};

static void wait_for(pcsim_int *cond, long state)
{
	for (;;) {
		set_current_state(state);
		if (READ_ONCE(*cond))
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);
}

static void wbs_a(void *arg)
{
	struct wbs_st *s = arg;
	wait_for(&s->flag, TASK_UNINTERRUPTIBLE);
	WRITE_ONCE(s->ack, 1);
	wake_up_process(s->b);
}

static void wbs_b(void *arg)
{
	struct wbs_st *s = arg;
	WRITE_ONCE(s->flag, 1);
	wake_up_process(s->a);
	wait_for(&s->ack, TASK_INTERRUPTIBLE);
	WRITE_ONCE(s->done, 1);
}

static void wbs_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	struct wbs_st *s = pcsim_alloc(w, sizeof(*s));
	g_state = s;
	pcsim_obj_name(&s->flag, "flag");
	pcsim_obj_name(&s->ack, "ack");
	s->a = pcsim_task_create(w, "a", wbs_a, s, 0);
	s->b = pcsim_task_create(w, "b", wbs_b, s, 1);
}

static void wbs_finish(struct pcsim_world *w, void *arg)
{
	(void)w;
	(void)arg;
	struct wbs_st *s = g_state;
	g_finished++;
	if (!PCSIM_SETUP_GET(s->done) || !pcsim_task_exited(s->a) || !pcsim_task_exited(s->b))
		pcsim_fail("wake-before-schedule", "the handshake did not complete");
}

static const struct pcsim_program wbs_prog = { "rules-sleep-wake-pattern", wbs_setup, wbs_finish,
					       NULL };

/* The task sets its state, lets the waker run to completion, then calls schedule(). */
static void early_sleeper(void *arg)
{
	struct wbs_st *s = arg;
	set_current_state(TASK_UNINTERRUPTIBLE);
	WRITE_ONCE(s->armed, 1);
	WAIT_UNTIL(READ_ONCE(s->woke));
	PCSIM_CHECK(get_current_state() == TASK_RUNNING, "wake-before-schedule",
		    "try_to_wake_up() did not set TASK_RUNNING before schedule()");
	schedule();	/* must return at once: nobody will wake us */
	WRITE_ONCE(s->done, 1);
}

static void early_waker(void *arg)
{
	struct wbs_st *s = arg;
	WAIT_UNTIL(READ_ONCE(s->armed));
	int r = wake_up_process(s->a);
	PCSIM_CHECK(r == 1, "wake-before-schedule",
		    "wake_up_process() on a TASK_UNINTERRUPTIBLE task returned %d", r);
	WRITE_ONCE(s->woke, 1);
}

static void early_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	struct wbs_st *s = pcsim_alloc(w, sizeof(*s));
	g_state = s;
	pcsim_obj_name(&s->armed, "armed");
	pcsim_obj_name(&s->woke, "woke");
	s->a = pcsim_task_create(w, "sleeper", early_sleeper, s, 0);
	s->b = pcsim_task_create(w, "waker", early_waker, s, 1);
}

static const struct pcsim_program early_prog = { "rules-wake-before-schedule", early_setup,
						 wbs_finish, NULL };

static void test_wake_before_schedule(void **state)
{
	(void)state;
	run_ok(&wbs_prog, (struct plan){ .dfs = true, .thr_execs = 2000 });
	run_ok(&early_prog, (struct plan){ .dfs = true, .thr_execs = 1000 });
	if (SIM) {
		/* The same handshake under TSO: set_current_state()'s barrier is what makes it. */
		struct pcsim_config cfg = pt_config(PCSIM_MEM_TSO);
		run_ok_cfg(&wbs_prog, (struct plan){ .dfs = true }, cfg);
	}
}

/* ---------------------------------------------------------------------------------------------
 * Signals wake sleepers by state: signal_wake_up_state() wakes TASK_INTERRUPTIBLE, and
 * TASK_WAKEKILL too for SIGKILL. Delivered with pcsim_send_signal() by a task, or posted with
 * pcsim_post_signal() from setup (the strategy, or real time, chooses when it lands).
 */
struct sigcase {
	long state;
	int sig;
	bool wakes;
	bool post;
};

struct sig_st {
	const struct sigcase *c;
	struct task_struct *sleeper;
	pcsim_int armed, released, returned, survived, delivered;
};

static void sig_sleeper(void *arg)
{
	struct sig_st *s = arg;
	const struct sigcase *c = s->c;
	set_current_state(c->state);
	WRITE_ONCE(s->armed, 1);
	schedule();
	if (c->wakes)
		PCSIM_CHECK(signal_pending_state(c->state, current), "signal",
			    "schedule() returned without a wakeup or a signal");
	else
		PCSIM_CHECK(READ_ONCE(s->released), "signal",
			    "signal %d woke a sleeper in state %#lx", c->sig, c->state);
	__set_current_state(TASK_RUNNING);
	WRITE_ONCE(s->returned, 1);
	int n = pcsim_return_to_user();
	/* SIGKILL: pcsim_return_to_user() does not return. */
	PCSIM_CHECK(c->sig != PCSIM_SIGKILL, "signal", "code after return_to_user ran with SIGKILL");
	PCSIM_CHECK(n == 1, "signal", "return_to_user delivered %d signals, expected 1", n);
	PCSIM_CHECK(!signal_pending(current), "signal", "signal still pending after delivery");
	WRITE_ONCE(s->survived, 1);
}

static void sig_sender(void *arg)
{
	struct sig_st *s = arg;
	const struct sigcase *c = s->c;
	WAIT_UNTIL(READ_ONCE(s->armed));
	if (c->post) {
		/* When the signal wakes the sleeper, it is delivered (cleared) at once. */
		if (!c->wakes)
			WAIT_UNTIL(signal_pending(s->sleeper));
	} else {
		int r = pcsim_send_signal(s->sleeper, c->sig);
		PCSIM_CHECK(r == 0, "signal", "pcsim_send_signal returned %d", r);
	}
	if (!c->wakes) {
		/* Still asleep in its state: a TASK_NORMAL wake must succeed. */
		WRITE_ONCE(s->released, 1);
		int r = wake_up_process(s->sleeper);
		PCSIM_CHECK(r == 1, "signal",
			    "signal %d changed the state of a sleeper in %#lx (wake_up_process "
			    "returned %d)",
			    c->sig, c->state, r);
	}
}

static void sig_setup(struct pcsim_world *w, void *arg)
{
	struct sig_st *s = pcsim_alloc(w, sizeof(*s));
	g_state = s;
	s->c = arg;
	pcsim_obj_name(&s->armed, "armed");
	pcsim_obj_name(&s->released, "released");
	s->sleeper = pcsim_task_create(w, "sleeper", sig_sleeper, s, 0);
	pcsim_task_create(w, "sender", sig_sender, s, 1);
	if (s->c->post)
		assert_true(pcsim_post_signal(w, s->sleeper, s->c->sig) >= 0);
}

static void sig_finish(struct pcsim_world *w, void *arg)
{
	(void)w;
	const struct sigcase *c = arg;
	struct sig_st *s = g_state;
	g_finished++;
	bool fatal = c->sig == PCSIM_SIGKILL;
	if (!PCSIM_SETUP_GET(s->returned) || !pcsim_task_exited(s->sleeper))
		pcsim_fail("signal", "the sleeper did not return from schedule()");
	else if (fatal && PCSIM_SETUP_GET(s->survived))
		pcsim_fail("signal", "SIGKILL did not make return_to_user exit");
	else if (!fatal && !PCSIM_SETUP_GET(s->survived))
		pcsim_fail("signal", "a non-fatal signal killed the task");
	else if (fatal && !(pcsim_task_flags(s->sleeper) & PCSIM_PF_EXITING))
		pcsim_fail("signal", "exited without PF_EXITING");
}

static const struct sigcase sigcases[] = {
	{ TASK_INTERRUPTIBLE, PCSIM_SIGUSR1, true, false },
	{ TASK_KILLABLE, PCSIM_SIGUSR1, false, false },
	{ TASK_UNINTERRUPTIBLE, PCSIM_SIGUSR1, false, false },
	{ TASK_KILLABLE, PCSIM_SIGKILL, true, false },
	{ TASK_INTERRUPTIBLE, PCSIM_SIGKILL, true, false },
	{ TASK_UNINTERRUPTIBLE, PCSIM_SIGKILL, false, false },
	{ TASK_INTERRUPTIBLE, PCSIM_SIGUSR1, true, true },
	{ TASK_KILLABLE, PCSIM_SIGUSR1, false, true },
	{ TASK_UNINTERRUPTIBLE, PCSIM_SIGUSR1, false, true },
	{ TASK_KILLABLE, PCSIM_SIGKILL, true, true },
	{ TASK_INTERRUPTIBLE, PCSIM_SIGKILL, true, true },
	{ TASK_UNINTERRUPTIBLE, PCSIM_SIGKILL, false, true },
};

static const char *state_str(long s)
{
	return s == TASK_INTERRUPTIBLE	   ? "interruptible"
	       : s == TASK_UNINTERRUPTIBLE ? "uninterruptible"
	       : s == TASK_KILLABLE	   ? "killable"
					   : "?";
}

static void test_signal_wakeups(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(sigcases) / sizeof(sigcases[0]); i++) {
		const struct sigcase *c = &sigcases[i];
		char name[96];
		snprintf(name, sizeof(name), "rules-signal-%s-%s-%s", c->post ? "post" : "send",
			 c->sig == PCSIM_SIGKILL ? "kill" : "usr1", state_str(c->state));
		struct pcsim_program p = { name, sig_setup, sig_finish, (void *)c };
		run_ok(&p, (struct plan){ .dfs = true, .thr_execs = 300 });
	}
}

/* signal_pending_state() and friends, for every kind of pending notification. */
struct sps_st {
	struct task_struct *t;
	struct callback_head work;
	pcsim_int ran, after;
};

static void sps_work(struct callback_head *cb)
{
	struct sps_st *s = (struct sps_st *)((char *)cb - offsetof(struct sps_st, work));
	WRITE_ONCE(s->ran, READ_ONCE(s->ran) + 1);
}

static void sps_expect(const char *what, bool intr, bool unintr, bool killable, bool pending,
		       bool fatal)
{
	struct task_struct *t = current;
	PCSIM_CHECK(signal_pending_state(TASK_INTERRUPTIBLE, t) == intr, "signal_pending_state",
		    "%s: TASK_INTERRUPTIBLE should be %d", what, intr);
	PCSIM_CHECK(signal_pending_state(TASK_UNINTERRUPTIBLE, t) == unintr,
		    "signal_pending_state", "%s: TASK_UNINTERRUPTIBLE should be %d", what, unintr);
	PCSIM_CHECK(signal_pending_state(TASK_KILLABLE, t) == killable, "signal_pending_state",
		    "%s: TASK_KILLABLE should be %d", what, killable);
	PCSIM_CHECK(!signal_pending_state(TASK_RUNNING, t), "signal_pending_state",
		    "%s: TASK_RUNNING is never interrupted", what);
	PCSIM_CHECK(signal_pending(t) == pending, "signal_pending",
		    "%s: signal_pending should be %d", what, pending);
	PCSIM_CHECK(fatal_signal_pending(t) == fatal, "fatal_signal_pending",
		    "%s: fatal_signal_pending should be %d", what, fatal);
}

static void sps_task(void *arg)
{
	struct sps_st *s = arg;
	sps_expect("nothing pending", false, false, false, false, false);
	PCSIM_CHECK(pcsim_send_signal(current, PCSIM_SIGUSR1) == 0, "signal", "send failed");
	sps_expect("SIGUSR1", true, false, false, true, false);
	PCSIM_CHECK(pcsim_return_to_user() == 1, "signal", "SIGUSR1 not delivered");
	sps_expect("after delivery", false, false, false, false, false);
	init_task_work(&s->work, sps_work);
	PCSIM_CHECK(task_work_add(current, &s->work, TWA_SIGNAL) == 0, "task_work", "add failed");
	sps_expect("TIF_NOTIFY_SIGNAL", true, false, false, true, false);
	PCSIM_CHECK(task_work_run() == 1, "task_work", "the work did not run");
	sps_expect("after task_work_run", false, false, false, false, false);
	PCSIM_CHECK(pcsim_send_signal(current, PCSIM_SIGKILL) == 0, "signal", "send failed");
	sps_expect("SIGKILL", true, false, true, true, true);
	pcsim_return_to_user();
	WRITE_ONCE(s->after, 1);	/* never runs */
}

static void sps_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	struct sps_st *s = pcsim_alloc(w, sizeof(*s));
	g_state = s;
	s->t = pcsim_task_create(w, "t", sps_task, s, 0);
}

static void sps_finish(struct pcsim_world *w, void *arg)
{
	(void)w;
	(void)arg;
	struct sps_st *s = g_state;
	g_finished++;
	if (PCSIM_SETUP_GET(s->ran) != 1)
		pcsim_fail("task_work", "the work ran %d times", PCSIM_SETUP_GET(s->ran));
	if (PCSIM_SETUP_GET(s->after) || !pcsim_task_exited(s->t))
		pcsim_fail("signal", "return_to_user() with SIGKILL pending returned");
	if (!(pcsim_task_flags(s->t) & PCSIM_PF_EXITING))
		pcsim_fail("signal", "killed task without PF_EXITING");
}

static const struct pcsim_program sps_prog = { "rules-signal-pending-state", sps_setup,
					       sps_finish, NULL };

static void test_signal_pending_state_table(void **state)
{
	(void)state;
	run_ok(&sps_prog, (struct plan){ .dfs = true, .thr_execs = 500 });
}

/*
 * schedule() with a signal already pending: TASK_INTERRUPTIBLE (any signal) and TASK_KILLABLE
 * (SIGKILL) return at once in TASK_RUNNING; TASK_UNINTERRUPTIBLE sleeps even with SIGKILL
 * pending, until a real wakeup.
 */
struct sched_sig_st {
	struct task_struct *t;
	pcsim_int armed, released, after;
};

static void sched_sig_task(void *arg)
{
	struct sched_sig_st *s = arg;
	pcsim_send_signal(current, PCSIM_SIGUSR1);
	set_current_state(TASK_INTERRUPTIBLE);
	schedule();	/* returns at once, or deadlock */
	PCSIM_CHECK(get_current_state() == TASK_RUNNING, "signal",
		    "schedule() with a signal pending did not set TASK_RUNNING");
	/* The signal stays pending until delivered. */
	PCSIM_CHECK(signal_pending(current), "signal", "schedule() consumed the signal");
	PCSIM_CHECK(pcsim_return_to_user() == 1, "signal", "SIGUSR1 not delivered");
	/* A non-fatal signal does not interrupt TASK_KILLABLE... */
	pcsim_send_signal(current, PCSIM_SIGUSR1);
	set_current_state(TASK_KILLABLE);
	WRITE_ONCE(s->armed, 1);
	schedule();
	PCSIM_CHECK(READ_ONCE(s->released) == 1, "signal",
		    "schedule(TASK_KILLABLE) returned early with SIGUSR1 pending");
	PCSIM_CHECK(pcsim_return_to_user() == 1, "signal", "SIGUSR1 not delivered");
	/* ...SIGKILL does. */
	pcsim_send_signal(current, PCSIM_SIGKILL);
	set_current_state(TASK_KILLABLE);
	schedule();
	PCSIM_CHECK(get_current_state() == TASK_RUNNING, "signal",
		    "schedule(TASK_KILLABLE) with SIGKILL pending did not set TASK_RUNNING");
	/* TASK_UNINTERRUPTIBLE ignores even SIGKILL. */
	set_current_state(TASK_UNINTERRUPTIBLE);
	WRITE_ONCE(s->armed, 2);
	schedule();
	PCSIM_CHECK(READ_ONCE(s->released) == 2, "signal",
		    "schedule(TASK_UNINTERRUPTIBLE) returned early with SIGKILL pending");
	pcsim_return_to_user();
	WRITE_ONCE(s->after, 1);
}

static void sched_sig_waker(void *arg)
{
	struct sched_sig_st *s = arg;
	for (int i = 1; i <= 2; i++) {
		WAIT_UNTIL(READ_ONCE(s->armed) == i);
		WRITE_ONCE(s->released, i);
		int r = wake_up_process(s->t);
		PCSIM_CHECK(r == 1, "signal", "the sleeper was not asleep (%d)", r);
	}
}

static void sched_sig_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	struct sched_sig_st *s = pcsim_alloc(w, sizeof(*s));
	g_state = s;
	pcsim_obj_name(&s->armed, "armed");
	pcsim_obj_name(&s->released, "released");
	s->t = pcsim_task_create(w, "t", sched_sig_task, s, 0);
	pcsim_task_create(w, "waker", sched_sig_waker, s, 1);
}

static void sched_sig_finish(struct pcsim_world *w, void *arg)
{
	(void)w;
	(void)arg;
	struct sched_sig_st *s = g_state;
	g_finished++;
	if (PCSIM_SETUP_GET(s->released) != 2 || PCSIM_SETUP_GET(s->after) ||
	    !pcsim_task_exited(s->t) || !(pcsim_task_flags(s->t) & PCSIM_PF_EXITING))
		pcsim_fail("signal", "unexpected end state (released %d, after %d)",
			   PCSIM_SETUP_GET(s->released), PCSIM_SETUP_GET(s->after));
}

static const struct pcsim_program sched_sig_prog = { "rules-schedule-signal-pending",
						     sched_sig_setup, sched_sig_finish, NULL };

static void test_schedule_with_signal_pending(void **state)
{
	(void)state;
	run_ok(&sched_sig_prog, (struct plan){ .dfs = true, .thr_execs = 1000 });
}

/* pcsim_return_to_user() with SIGKILL from another task: the task exits there. */
struct kill_st {
	struct task_struct *victim;
	pcsim_int armed, before, after;
};

static void kill_victim(void *arg)
{
	struct kill_st *s = arg;
	WRITE_ONCE(s->armed, 1);
	/* A syscall loop: the kill lands in some iteration. */
	for (;;) {
		WRITE_ONCE(s->before, READ_ONCE(s->before) + 1);
		pcsim_return_to_user();
		if (READ_ONCE(s->before) > 1000000)
			break;
		cpu_relax();
	}
	WRITE_ONCE(s->after, 1);
}

static void kill_killer(void *arg)
{
	struct kill_st *s = arg;
	WAIT_UNTIL(READ_ONCE(s->armed));
	PCSIM_CHECK(pcsim_send_signal(s->victim, PCSIM_SIGKILL) == 0, "signal", "send failed");
	WAIT_UNTIL(pcsim_task_exited(s->victim));
	PCSIM_CHECK(pcsim_send_signal(s->victim, PCSIM_SIGUSR1) == -ESRCH, "signal",
		    "send_signal to an exited task should return -ESRCH");
	PCSIM_CHECK(wake_up_process(s->victim) == 0, "ttwu", "woke an exited task");
}

static void kill_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	struct kill_st *s = pcsim_alloc(w, sizeof(*s));
	g_state = s;
	s->victim = pcsim_task_create(w, "victim", kill_victim, s, 0);
	pcsim_task_create(w, "killer", kill_killer, s, 1);
}

static void kill_finish(struct pcsim_world *w, void *arg)
{
	(void)w;
	(void)arg;
	struct kill_st *s = g_state;
	g_finished++;
	if (PCSIM_SETUP_GET(s->after))
		pcsim_fail("signal", "code after return_to_user() ran with SIGKILL pending");
	if (!(pcsim_task_flags(s->victim) & PCSIM_PF_EXITING))
		pcsim_fail("signal", "the killed task has no PF_EXITING");
}

static const struct pcsim_program kill_prog = { "rules-return-to-user-sigkill", kill_setup,
						kill_finish, NULL };

static void test_return_to_user_sigkill(void **state)
{
	(void)state;
	run_ok(&kill_prog, (struct plan){ .dfs = true, .thr_execs = 1000 });
}

/* ---------------------------------------------------------------------------------------------
 * task_work
 */
struct tw_item {
	struct callback_head cb;
	struct tw_st *s;
	int id;
};

#define TW_MAX 8

struct tw_st {
	struct task_struct *t, *other;
	struct tw_item items[TW_MAX];
	pcsim_int armed, released, queued;
	pcsim_int ran[TW_MAX];		/* times item i ran */
	pcsim_int order[TW_MAX];	/* ids in the order they ran */
	pcsim_int norder;
	pcsim_int bad_ctx;		/* a work ran outside its task */
	pcsim_int r1;			/* task_work_add result */
	pcsim_int phase;
};

static void tw_record(struct callback_head *cb)
{
	struct tw_item *it = (struct tw_item *)cb;
	struct tw_st *s = it->s;
	if (current != s->t)
		WRITE_ONCE(s->bad_ctx, 1);
	WRITE_ONCE(s->ran[it->id], READ_ONCE(s->ran[it->id]) + 1);
	int n = READ_ONCE(s->norder);
	if (n < TW_MAX)
		WRITE_ONCE(s->order[n], it->id);
	WRITE_ONCE(s->norder, n + 1);
}

/* Prepare item @id (before it is queued: the queueing publishes it). */
static struct callback_head *tw_work_fn(struct tw_st *s, int id,
					void (*fn)(struct callback_head *cb))
{
	s->items[id].s = s;
	s->items[id].id = id;
	init_task_work(&s->items[id].cb, fn);
	return &s->items[id].cb;
}

static struct callback_head *tw_work(struct tw_st *s, int id)
{
	return tw_work_fn(s, id, tw_record);
}

static struct tw_st *tw_new(struct pcsim_world *w)
{
	struct tw_st *s = pcsim_alloc(w, sizeof(*s));
	g_state = s;
	pcsim_obj_name(&s->armed, "armed");
	pcsim_obj_name(&s->released, "released");
	pcsim_obj_name(&s->norder, "norder");
	return s;
}

static void tw_check_bad_ctx(struct tw_st *s)
{
	if (PCSIM_SETUP_GET(s->bad_ctx))
		pcsim_fail("task_work", "a work ran outside the task it was queued on");
}

/* TWA_SIGNAL interrupts an interruptible sleep and makes signal_pending() true. */
static void twsig_sleeper(void *arg)
{
	struct tw_st *s = arg;
	set_current_state(TASK_INTERRUPTIBLE);
	WRITE_ONCE(s->armed, 1);
	schedule();	/* only the TWA_SIGNAL notification can end this */
	__set_current_state(TASK_RUNNING);
	PCSIM_CHECK(signal_pending(current), "task_work",
		    "TWA_SIGNAL did not set TIF_NOTIFY_SIGNAL (signal_pending false)");
	PCSIM_CHECK(!fatal_signal_pending(current), "task_work", "TWA_SIGNAL is not fatal");
	PCSIM_CHECK(pcsim_task_work_pending(current), "task_work", "no task_work pending");
	PCSIM_CHECK(READ_ONCE(s->ran[0]) == 0, "task_work", "the work ran before task_work_run");
	int n = task_work_run();
	PCSIM_CHECK(n == 1, "task_work", "task_work_run ran %d works", n);
	PCSIM_CHECK(!signal_pending(current), "task_work",
		    "TIF_NOTIFY_SIGNAL still set after task_work_run");
	PCSIM_CHECK(pcsim_return_to_user() == 0, "task_work", "a real signal was delivered");
}

static void twsig_adder(void *arg)
{
	struct tw_st *s = arg;
	WAIT_UNTIL(READ_ONCE(s->armed));
	int r = task_work_add(s->t, tw_work(s, 0), TWA_SIGNAL);
	PCSIM_CHECK(r == 0, "task_work", "task_work_add returned %d", r);
}

static void twsig_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	struct tw_st *s = tw_new(w);
	s->t = pcsim_task_create(w, "sleeper", twsig_sleeper, s, 0);
	s->other = pcsim_task_create(w, "adder", twsig_adder, s, 1);
}

static void tw_finish_ran_once(struct pcsim_world *w, void *arg)
{
	(void)w;
	int n = (int)(intptr_t)arg;
	struct tw_st *s = g_state;
	g_finished++;
	tw_check_bad_ctx(s);
	for (int i = 0; i < n; i++)
		if (PCSIM_SETUP_GET(s->ran[i]) != 1)
			pcsim_fail("task_work", "work %d ran %d times", i,
				   PCSIM_SETUP_GET(s->ran[i]));
}

static const struct pcsim_program twsig_prog = { "rules-task-work-signal", twsig_setup,
						 tw_finish_ran_once, (void *)1 };

/* TWA_RESUME does not wake a sleeper; the work runs at return to user. */
static void twres_sleeper(void *arg)
{
	struct tw_st *s = arg;
	set_current_state(TASK_INTERRUPTIBLE);
	WRITE_ONCE(s->armed, 1);
	schedule();
	__set_current_state(TASK_RUNNING);
	PCSIM_CHECK(READ_ONCE(s->released), "task_work", "TWA_RESUME woke an interruptible sleeper");
	PCSIM_CHECK(!signal_pending(current), "task_work", "TWA_RESUME set signal_pending");
	PCSIM_CHECK(pcsim_task_work_pending(current), "task_work", "no task_work pending");
	PCSIM_CHECK(READ_ONCE(s->ran[0]) == 0, "task_work", "the work ran before return to user");
	PCSIM_CHECK(pcsim_return_to_user() == 0, "task_work", "a real signal was delivered");
	PCSIM_CHECK(READ_ONCE(s->ran[0]) == 1, "task_work", "return to user did not run the work");
}

static void twres_adder(void *arg)
{
	struct tw_st *s = arg;
	WAIT_UNTIL(READ_ONCE(s->armed));
	int r = task_work_add(s->t, tw_work(s, 0), TWA_RESUME);
	PCSIM_CHECK(r == 0, "task_work", "task_work_add returned %d", r);
	WRITE_ONCE(s->released, 1);
	r = wake_up_process(s->t);
	PCSIM_CHECK(r == 1, "task_work", "TWA_RESUME changed the sleeper's state (wake %d)", r);
}

static void twres_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	struct tw_st *s = tw_new(w);
	s->t = pcsim_task_create(w, "sleeper", twres_sleeper, s, 0);
	s->other = pcsim_task_create(w, "adder", twres_adder, s, 1);
}

static const struct pcsim_program twres_prog = { "rules-task-work-resume", twres_setup,
						 tw_finish_ran_once, (void *)1 };

static void test_task_work_notify(void **state)
{
	(void)state;
	run_ok(&twsig_prog, (struct plan){ .dfs = true, .thr_execs = 1000 });
	run_ok(&twres_prog, (struct plan){ .dfs = true, .thr_execs = 1000 });
}

/*
 * LIFO order (5.10: the list is a stack), works added while running run in the same call,
 * at pcsim_return_to_user() and at pcsim_task_work_run(); works queued by another task too.
 */
static void twlifo_adds_more(struct callback_head *cb)
{
	struct tw_item *it = (struct tw_item *)cb;
	tw_record(cb);
	/* Queued while task_work_run() is running: runs in the same call. */
	task_work_add(current, tw_work(it->s, 3), TWA_RESUME);
}

static void twlifo_task(void *arg)
{
	struct tw_st *s = arg;
	task_work_add(current, tw_work(s, 0), TWA_RESUME);
	task_work_add(current, tw_work(s, 1), TWA_NONE);
	task_work_add(current, tw_work_fn(s, 2, twlifo_adds_more), TWA_SIGNAL);
	PCSIM_CHECK(pcsim_return_to_user() == 0, "task_work", "a real signal was delivered");
	/* 2, 1, 0, then 3 (added by 2 while running). */
	static const int want1[] = { 2, 1, 0, 3 };
	PCSIM_CHECK(READ_ONCE(s->norder) == 4, "task_work", "%d works ran, expected 4",
		    READ_ONCE(s->norder));
	for (int i = 0; i < 4; i++)
		PCSIM_CHECK(READ_ONCE(s->order[i]) == want1[i], "task_work-order",
			    "position %d: work %d ran, expected %d (LIFO)", i,
			    READ_ONCE(s->order[i]), want1[i]);
	/* Works from another task, run with task_work_run(). */
	WRITE_ONCE(s->armed, 1);
	WAIT_UNTIL(READ_ONCE(s->queued));
	int n = task_work_run();
	PCSIM_CHECK(n == 3, "task_work", "task_work_run ran %d works, expected 3", n);
	static const int want2[] = { 6, 5, 4 };
	for (int i = 0; i < 3; i++)
		PCSIM_CHECK(READ_ONCE(s->order[4 + i]) == want2[i], "task_work-order",
			    "position %d: work %d ran, expected %d (LIFO)", 4 + i,
			    READ_ONCE(s->order[4 + i]), want2[i]);
	PCSIM_CHECK(task_work_run() == 0, "task_work", "works ran twice");
}

static void twlifo_other(void *arg)
{
	struct tw_st *s = arg;
	WAIT_UNTIL(READ_ONCE(s->armed));
	for (int id = 4; id <= 6; id++)
		PCSIM_CHECK(task_work_add(s->t, tw_work(s, id), TWA_NONE) == 0, "task_work",
			    "task_work_add failed");
	WRITE_ONCE(s->queued, 1);
}

static void twlifo_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	struct tw_st *s = tw_new(w);
	pcsim_obj_name(&s->queued, "queued");
	s->t = pcsim_task_create(w, "t", twlifo_task, s, 0);
	s->other = pcsim_task_create(w, "other", twlifo_other, s, 1);
}

static const struct pcsim_program twlifo_prog = { "rules-task-work-lifo", twlifo_setup,
						  tw_finish_ran_once, (void *)7 };

static void test_task_work_lifo(void **state)
{
	(void)state;
	run_ok(&twlifo_prog, (struct plan){ .dfs = true, .thr_execs = 1000 });
}

/* A task that exits with queued work runs it in do_exit (PF_EXITING already set). */
static void twexit_work(struct callback_head *cb)
{
	struct tw_item *it = (struct tw_item *)cb;
	if (!(pcsim_task_flags(current) & PCSIM_PF_EXITING))
		WRITE_ONCE(it->s->bad_ctx, 1);
	tw_record(cb);
}

static void twexit_task(void *arg)
{
	struct tw_st *s = arg;
	WAIT_UNTIL(READ_ONCE(s->queued));
	/* Returns without pcsim_return_to_user(): do_exit runs the works. */
}

static void twexit_other(void *arg)
{
	struct tw_st *s = arg;
	PCSIM_CHECK(task_work_add(s->t, tw_work_fn(s, 0, twexit_work), TWA_NONE) == 0,
		    "task_work", "add failed");
	PCSIM_CHECK(task_work_add(s->t, tw_work_fn(s, 1, twexit_work), TWA_RESUME) == 0,
		    "task_work", "add failed");
	WRITE_ONCE(s->queued, 1);
}

static void twexit_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	struct tw_st *s = tw_new(w);
	pcsim_obj_name(&s->queued, "queued");
	s->t = pcsim_task_create(w, "exiting", twexit_task, s, 0);
	s->other = pcsim_task_create(w, "adder", twexit_other, s, 1);
}

static void twexit_finish(struct pcsim_world *w, void *arg)
{
	tw_finish_ran_once(w, arg);
	struct tw_st *s = g_state;
	if (PCSIM_SETUP_GET(s->order[0]) != 1 || PCSIM_SETUP_GET(s->order[1]) != 0)
		pcsim_fail("task_work-order", "exit ran the works in the wrong order");
}

static const struct pcsim_program twexit_prog = { "rules-task-work-at-exit", twexit_setup,
						  twexit_finish, (void *)2 };

/*
 * task_work_add() to an exiting/exited task: either it is accepted (0) and runs in do_exit,
 * or it is refused (-ESRCH) and never runs; once the task has exited it is always refused.
 */
static void twesrch_task(void *arg)
{
	struct tw_st *s = arg;
	WRITE_ONCE(s->armed, 1);
}

static void twesrch_other(void *arg)
{
	struct tw_st *s = arg;
	WAIT_UNTIL(READ_ONCE(s->armed));
	WRITE_ONCE(s->r1, task_work_add(s->t, tw_work(s, 0), TWA_SIGNAL));
	WAIT_UNTIL(pcsim_task_exited(s->t));
	int r = task_work_add(s->t, tw_work(s, 1), TWA_SIGNAL);
	PCSIM_CHECK(r == -ESRCH, "task_work", "task_work_add to an exited task returned %d", r);
}

static void twesrch_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	struct tw_st *s = tw_new(w);
	s->t = pcsim_task_create(w, "exiting", twesrch_task, s, 0);
	s->other = pcsim_task_create(w, "adder", twesrch_other, s, 1);
}

static uint64_t g_esrch_accepted, g_esrch_refused;

static void twesrch_finish(struct pcsim_world *w, void *arg)
{
	(void)w;
	(void)arg;
	struct tw_st *s = g_state;
	g_finished++;
	tw_check_bad_ctx(s);
	int r1 = PCSIM_SETUP_GET(s->r1);
	int ran0 = PCSIM_SETUP_GET(s->ran[0]);
	if (r1 == 0)
		g_esrch_accepted++;
	else
		g_esrch_refused++;
	if (r1 != 0 && r1 != -ESRCH)
		pcsim_fail("task_work", "task_work_add returned %d", r1);
	else if (ran0 != (r1 == 0))
		pcsim_fail("task_work", "work accepted=%d ran %d times", r1 == 0, ran0);
	if (PCSIM_SETUP_GET(s->ran[1]))
		pcsim_fail("task_work", "a refused work ran");
}

static const struct pcsim_program twesrch_prog = { "rules-task-work-esrch", twesrch_setup,
						   twesrch_finish, NULL };

static void test_task_work_exit(void **state)
{
	(void)state;
	run_ok(&twexit_prog, (struct plan){ .dfs = true, .thr_execs = 1000 });
	g_esrch_accepted = g_esrch_refused = 0;
	run_ok(&twesrch_prog, (struct plan){ .dfs = true, .thr_execs = 2000 });
	printf("    task_work_add racing with exit: accepted %llu, refused %llu\n",
	       (unsigned long long)g_esrch_accepted, (unsigned long long)g_esrch_refused);
	if (SIM) {
		/* The exhaustive search sees both outcomes of the race. */
		assert_true(g_esrch_accepted > 0);
		assert_true(g_esrch_refused > 0);
	}
}

/*
 * pcsim_task_work_wait() sleeps until work is queued with TWA_SIGNAL, by a task or by an
 * event handler, runs it and returns the count; with a real signal pending it returns -EINTR.
 */
static void twwait_event(void *arg)
{
	struct tw_st *s = arg;
	int r = task_work_add(s->t, tw_work(s, 1), TWA_SIGNAL);
	if (r != 0)
		pcsim_fail("task_work", "task_work_add from an event handler returned %d", r);
}

static void twwait_task(void *arg)
{
	struct tw_st *s = arg;
	int total = 0;
	while (total < 2) {
		int n = pcsim_task_work_wait();
		PCSIM_CHECK(n > 0, "task_work_wait", "returned %d", n);
		if (n <= 0)
			break;
		total += n;
	}
	PCSIM_CHECK(total == 2, "task_work_wait", "ran %d works, expected 2", total);
	PCSIM_CHECK(!signal_pending(current), "task_work_wait", "TIF_NOTIFY_SIGNAL left set");
	/* A real signal ends the wait. */
	WRITE_ONCE(s->phase, 1);
	int r = pcsim_task_work_wait();
	PCSIM_CHECK(r == -EINTR, "task_work_wait", "returned %d with a signal pending", r);
	PCSIM_CHECK(pcsim_return_to_user() == 1, "task_work_wait", "the signal was not pending");
}

static void twwait_other(void *arg)
{
	struct tw_st *s = arg;
	int r = task_work_add(s->t, tw_work(s, 0), TWA_SIGNAL);
	PCSIM_CHECK(r == 0, "task_work", "task_work_add returned %d", r);
	WAIT_UNTIL(READ_ONCE(s->phase) == 1);
	PCSIM_CHECK(pcsim_send_signal(s->t, PCSIM_SIGUSR1) == 0, "signal", "send failed");
}

static void twwait_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	struct tw_st *s = tw_new(w);
	pcsim_obj_name(&s->phase, "phase");
	s->t = pcsim_task_create(w, "waiter", twwait_task, s, 0);
	s->other = pcsim_task_create(w, "adder", twwait_other, s, 1);
	struct pcsim_event_desc d = { "add task_work", PCSIM_CTX_HARDIRQ, 1, 20000, twwait_event,
				      s };
	assert_true(pcsim_event_post(w, &d) > 0);
}

static const struct pcsim_program twwait_prog = { "rules-task-work-wait", twwait_setup,
						  tw_finish_ran_once, (void *)2 };

static void test_task_work_wait(void **state)
{
	(void)state;
	run_ok(&twwait_prog, (struct plan){ .dfs = true, .thr_execs = 1000 });
}

/* ---------------------------------------------------------------------------------------------
 * Spinlocks
 */
enum spin_mode {
	SPIN_PLAIN,	/* two tasks, spin_lock() */
	SPIN_IRQ,	/* two tasks with spin_lock_irqsave(), handlers with spin_lock() */
	SPIN_NOLOCK,	/* mutant: no lock at all */
};

struct spin_cfg {
	enum spin_mode mode;
	int sim_iters, thr_iters;
};

struct spin_st {
	spinlock_t lock;
	pcsim_int counter;	/* updated non-atomically (load; store) under the lock */
	const struct spin_cfg *c;
	int iters;
	int nevents;
};

static void spin_inc(struct spin_st *s)
{
	int v = READ_ONCE(s->counter);
	WRITE_ONCE(s->counter, v + 1);
}

static void spin_task(void *arg)
{
	struct spin_st *s = arg;
	for (int i = 0; i < s->iters; i++) {
		unsigned long flags;
		switch (s->c->mode) {
		case SPIN_NOLOCK:
			spin_inc(s);
			break;
		case SPIN_PLAIN:
			spin_lock(&s->lock);
			PCSIM_CHECK(spin_is_locked(&s->lock), "spinlock", "held lock reads unlocked");
			spin_inc(s);
			spin_unlock(&s->lock);
			break;
		case SPIN_IRQ:
			/* The event handler takes the same lock: interrupts off while holding it. */
			spin_lock_irqsave(&s->lock, flags);
			spin_inc(s);
			spin_unlock_irqrestore(&s->lock, flags);
			break;
		}
	}
}

static void spin_event(void *arg)
{
	struct spin_st *s = arg;
	spin_lock(&s->lock);
	spin_inc(s);
	spin_unlock(&s->lock);
}

static void spin_setup(struct pcsim_world *w, void *arg)
{
	struct spin_st *s = pcsim_alloc(w, sizeof(*s));
	g_state = s;
	s->c = arg;
	s->iters = SIM ? s->c->sim_iters : s->c->thr_iters;
	s->nevents = s->c->mode != SPIN_IRQ ? 0 : SIM ? 1 : 2;
	spin_lock_init(&s->lock);
	pcsim_obj_name(&s->counter, "counter");
	pcsim_task_create(w, "inc0", spin_task, s, 0);
	pcsim_task_create(w, "inc1", spin_task, s, 1);
	for (int i = 0; i < s->nevents; i++) {
		struct pcsim_event_desc d = { "inc irq", PCSIM_CTX_HARDIRQ, i % 2,
					      (uint64_t)i * 1000, spin_event, s };
		assert_true(pcsim_event_post(w, &d) > 0);
	}
}

static void spin_finish(struct pcsim_world *w, void *arg)
{
	(void)w;
	(void)arg;
	struct spin_st *s = g_state;
	g_finished++;
	int want = 2 * s->iters + s->nevents;
	if (PCSIM_SETUP_GET(s->counter) != want)
		pcsim_fail("spinlock-mutex", "counter is %d, expected %d: lost updates",
			   PCSIM_SETUP_GET(s->counter), want);
	if (PCSIM_SETUP_GET(s->lock.locked))
		pcsim_fail("spinlock", "lock left held");
}

static const struct spin_cfg spin_plain_small = { SPIN_PLAIN, 2, 2000 };
static const struct spin_cfg spin_plain_many = { SPIN_PLAIN, 10, 0 };
static const struct spin_cfg spin_irq = { SPIN_IRQ, 2, 2000 };
static const struct spin_cfg spin_nolock = { SPIN_NOLOCK, 2, 0 };
static const struct pcsim_program spin_prog = { "rules-spinlock-mutex", spin_setup, spin_finish,
						(void *)&spin_plain_small };
static const struct pcsim_program spin_many_prog = { "rules-spinlock-mutex-many", spin_setup,
						     spin_finish, (void *)&spin_plain_many };
static const struct pcsim_program spin_irq_prog = { "rules-spinlock-mutex-irq", spin_setup,
						    spin_finish, (void *)&spin_irq };
static const struct pcsim_program spin_mutant = { "rules-spinlock-mutant-nolock", spin_setup,
						  spin_finish, (void *)&spin_nolock };

static void test_spinlock_mutual_exclusion(void **state)
{
	(void)state;
	run_ok(&spin_prog, (struct plan){ .dfs = true, .thr_execs = 200 });
	run_ok(&spin_irq_prog, (struct plan){ .dfs = true, .thr_execs = 200 });
	if (SIM) {
		/* Many iterations: too many for DFS, PCT samples them. */
		run_ok(&spin_many_prog, (struct plan){ .sim_execs = 500 });
		run_expect_fail(&spin_mutant, (struct plan){ .dfs = true }, "spinlock-mutex");
	}
}

/* spin_lock_irqsave() restores the previous interrupt state, nested and from irq context. */
struct irqsave_st {
	spinlock_t a, b;
	pcsim_int done;
};

#define EXPECT_IRQS(off, where)                                                          \
	PCSIM_CHECK(irqs_disabled() == (off), "irqsave", "%s: interrupts should be %s", \
		    (where), (off) ? "off" : "on")

static void irqsave_task(void *arg)
{
	struct irqsave_st *s = arg;
	unsigned long f1, f2, f3;
	EXPECT_IRQS(false, "task start");
	spin_lock_irqsave(&s->a, f1);
	EXPECT_IRQS(true, "after irqsave(a)");
	PCSIM_CHECK(in_atomic(), "irqsave", "holding a spinlock is atomic");
	spin_lock_irqsave(&s->b, f2);
	EXPECT_IRQS(true, "after irqsave(b)");
	spin_unlock_irqrestore(&s->b, f2);
	EXPECT_IRQS(true, "after irqrestore(b): a still held with irqs saved off");
	spin_unlock_irqrestore(&s->a, f1);
	EXPECT_IRQS(false, "after irqrestore(a)");
	PCSIM_CHECK(!in_atomic(), "irqsave", "atomic after unlocking everything");
	/* Interrupts already off: irqsave/irqrestore keep them off. */
	local_irq_save(f3);
	EXPECT_IRQS(true, "after local_irq_save");
	spin_lock_irqsave(&s->a, f1);
	spin_unlock_irqrestore(&s->a, f1);
	EXPECT_IRQS(true, "irqrestore inside local_irq_save");
	local_irq_restore(f3);
	EXPECT_IRQS(false, "after local_irq_restore");
	/* spin_lock_irq / spin_unlock_irq. */
	spin_lock_irq(&s->b);
	EXPECT_IRQS(true, "after spin_lock_irq");
	spin_unlock_irq(&s->b);
	EXPECT_IRQS(false, "after spin_unlock_irq");
	(void)pcsim_rmw(&s->done, PCSIM_RMW_ADD, 1, PCSIM_MO_FULL);
}

static void irqsave_event(void *arg)
{
	struct irqsave_st *s = arg;
	unsigned long f;
	EXPECT_IRQS(true, "irq handler");
	spin_lock_irqsave(&s->b, f);
	EXPECT_IRQS(true, "irqsave in irq handler");
	spin_unlock_irqrestore(&s->b, f);
	EXPECT_IRQS(true, "irqrestore in irq handler");
	(void)pcsim_rmw(&s->done, PCSIM_RMW_ADD, 1, PCSIM_MO_FULL);
}

static void irqsave_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	struct irqsave_st *s = pcsim_alloc(w, sizeof(*s));
	g_state = s;
	spin_lock_init(&s->a);
	spin_lock_init(&s->b);
	pcsim_task_create(w, "t", irqsave_task, s, 0);
	struct pcsim_event_desc d = { "irq", PCSIM_CTX_HARDIRQ, 1, 0, irqsave_event, s };
	assert_true(pcsim_event_post(w, &d) > 0);
}

static void irqsave_finish(struct pcsim_world *w, void *arg)
{
	(void)w;
	(void)arg;
	struct irqsave_st *s = g_state;
	g_finished++;
	if (PCSIM_SETUP_GET(s->done) != 2)
		pcsim_fail("irqsave", "done is %d", PCSIM_SETUP_GET(s->done));
}

static const struct pcsim_program irqsave_prog = { "rules-spin-irqsave", irqsave_setup,
						   irqsave_finish, NULL };

static void test_spin_irqsave_restores(void **state)
{
	(void)state;
	run_ok(&irqsave_prog, (struct plan){ .dfs = true, .thr_execs = 500 });
}

/* Unlocking a lock the caller does not hold is reported. */
struct unheld_st {
	spinlock_t lock;
	bool other_holds;
	pcsim_int held;
};

static void unheld_holder(void *arg)
{
	struct unheld_st *s = arg;
	spin_lock(&s->lock);
	WRITE_ONCE(s->held, 1);
	WAIT_UNTIL(READ_ONCE(s->held) == 2);
	spin_unlock(&s->lock);
}

static void unheld_task(void *arg)
{
	struct unheld_st *s = arg;
	if (s->other_holds)
		WAIT_UNTIL(READ_ONCE(s->held) == 1);
	spin_unlock(&s->lock);	/* not ours */
	if (s->other_holds)
		WRITE_ONCE(s->held, 2);
}

static void unheld_setup(struct pcsim_world *w, void *arg)
{
	struct unheld_st *s = pcsim_alloc(w, sizeof(*s));
	s->other_holds = arg != NULL;
	spin_lock_init(&s->lock);
	pcsim_task_create(w, "unlocker", unheld_task, s, 0);
	if (s->other_holds)
		pcsim_task_create(w, "holder", unheld_holder, s, 1);
}

static const struct pcsim_program unheld_prog = { "rules-spin-unlock-unheld", unheld_setup, NULL,
						  NULL };
static const struct pcsim_program unheld_other_prog = { "rules-spin-unlock-other-holds",
							unheld_setup, NULL, (void *)1 };

static void test_spin_unlock_unheld(void **state)
{
	(void)state;
	const struct pcsim_program *progs[] = { &unheld_prog, &unheld_other_prog };
	for (int i = 0; i < 2; i++) {
		struct pcsim_config cfg = test_config();
		struct pcsim_explore_opts o;
		struct pcsim_report r;
		pcsim_explore_opts_init(&o);
		o.strategy = SIM ? PCSIM_STRATEGY_DFS : PCSIM_STRATEGY_RANDOM;
		o.max_executions = SIM ? 0 : 50;
		o.stop_on_violation = false;
		int ret = pt_explore(progs[i], &cfg, &o, 1, &r);
		printf("    %-34s %-7s %6llu executions, first report: %s\n", progs[i]->name,
		       SIM ? "sim" : "threads", (unsigned long long)r.executions, r.what);
		assert_int_equal(ret, 1);
		assert_int_equal(r.outcome, PCSIM_OUTCOME_VIOLATION);
		assert_string_equal(r.what, "spin-unlock-unheld");
		assert_non_null(strstr(r.message, "does not hold it"));
		assert_int_equal(r.failing_execution, 1);
		pcsim_report_free(&r);
	}
}

/* ---------------------------------------------------------------------------------------------
 * Events: handlers run in atomic context and may wake tasks.
 */
#define NEV 4

struct ev_st {
	struct task_struct *waiter;
	pcsim_int count;
	pcsim_int seen[NEV];
	pcsim_int ctx_bad;
};

struct ev_arg {
	struct ev_st *s;
	int idx;
	int cpu;
};

static void ev_handler(void *arg)
{
	struct ev_arg *a = arg;
	struct ev_st *s = a->s;
	if (!pcsim_in_interrupt() || !irqs_disabled() || current != NULL || !in_atomic() ||
	    (a->cpu >= 0 && smp_processor_id() != (unsigned)a->cpu))
		WRITE_ONCE(s->ctx_bad, 1);
	WRITE_ONCE(s->seen[a->idx], READ_ONCE(s->seen[a->idx]) + 1);
	(void)pcsim_rmw(&s->count, PCSIM_RMW_ADD, 1, PCSIM_MO_FULL);
	wake_up_process(s->waiter);
}

static void ev_post(struct pcsim_world *w, struct ev_st *s, int idx, int cpu, uint64_t delay)
{
	struct ev_arg *a = pcsim_alloc(w, sizeof(*a));
	a->s = s;
	a->idx = idx;
	a->cpu = cpu;
	struct pcsim_event_desc d = { "completion", idx % 2 ? PCSIM_CTX_SOFTIRQ : PCSIM_CTX_HARDIRQ,
				      cpu, delay, ev_handler, a };
	int id = pcsim_event_post(w, &d);
	PCSIM_CHECK(id > 0, "event", "pcsim_event_post returned %d", id);
}

static void ev_waiter(void *arg)
{
	struct ev_st *s = arg;
	struct pcsim_world *w = pcsim_world_current();
	/* Two more events from task context, then wait for all four. */
	ev_post(w, s, 2, 0, 0);
	ev_post(w, s, 3, -1, 5000);
	for (;;) {
		set_current_state(TASK_UNINTERRUPTIBLE);
		if (READ_ONCE(s->count) == NEV)
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);
}

static void ev_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	struct ev_st *s = pcsim_alloc(w, sizeof(*s));
	g_state = s;
	pcsim_obj_name(&s->count, "count");
	s->waiter = pcsim_task_create(w, "waiter", ev_waiter, s, 0);
	ev_post(w, s, 0, 0, 0);
	ev_post(w, s, 1, 1, 2000);
}

static void ev_finish(struct pcsim_world *w, void *arg)
{
	(void)w;
	(void)arg;
	struct ev_st *s = g_state;
	g_finished++;
	if (PCSIM_SETUP_GET(s->ctx_bad))
		pcsim_fail("event-context", "a handler did not run in atomic context on its CPU");
	for (int i = 0; i < NEV; i++)
		if (PCSIM_SETUP_GET(s->seen[i]) != 1)
			pcsim_fail("event", "event %d ran %d times", i, PCSIM_SETUP_GET(s->seen[i]));
}

static const struct pcsim_program ev_prog = { "rules-events", ev_setup, ev_finish, NULL };

static void test_events_atomic_context(void **state)
{
	(void)state;
	run_ok(&ev_prog, (struct plan){ .sim_execs = 1000, .thr_execs = 1000 });
}

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

/* ---------------------------------------------------------------------------------------------
 * Execution cleanup hooks (pcsim_exec_cleanup_register)
 *
 * setup() registers one hook and a task registers another. Both must run exactly once per
 * execution, the task's first (last registered, first run), after finish(), outside any task,
 * with the execution's arena memory still readable, and also when the execution ends in a
 * violation. The hooks run on the thread that called pcsim_explore(), so plain globals suffice.
 */
struct cleanup_st {
	struct pcsim_world *w;
	unsigned magic;		/* arena memory the hooks read */
	bool fail;		/* the task reports a violation (the run still ends normally) */
};

#define CLEANUP_MAGIC 0xc1ea2u

static uint64_t g_cleanup_calls;	/* hook calls, all executions */
static uint64_t g_cleanup_at_setup;	/* g_cleanup_calls when this execution's setup ran */
static unsigned g_cleanup_next;		/* the hook that must run next: 2 (task's), then 1 */
static bool g_cleanup_finished;		/* this execution's finish() ran */
static bool g_cleanup_bad;

static void cleanup_check(struct pcsim_world *w, struct cleanup_st *s, unsigned id)
{
	if (w != s->w || s->magic != CLEANUP_MAGIC || pcsim_current() != NULL ||
	    g_cleanup_next != id || (!s->fail && !g_cleanup_finished))
		g_cleanup_bad = true;
	g_cleanup_next = id == 2 ? 1 : 2;
	g_cleanup_calls++;
}

static void cleanup_hook_setup(struct pcsim_world *w, void *arg)
{
	cleanup_check(w, arg, 1);
}

static void cleanup_hook_task(struct pcsim_world *w, void *arg)
{
	cleanup_check(w, arg, 2);
}

static void cleanup_task(void *arg)
{
	struct cleanup_st *s = arg;
	int err = pcsim_exec_cleanup_register(s->w, cleanup_hook_task, s);
	PCSIM_CHECK(err == 0, "cleanup", "registration from a task returned %d", err);
	if (s->fail)
		pcsim_fail("cleanup-violation", "this execution ends in a violation on purpose");
}

static void cleanup_setup(struct pcsim_world *w, void *arg)
{
	struct cleanup_st *s = pcsim_alloc(w, sizeof(*s));
	s->w = w;
	s->magic = CLEANUP_MAGIC;
	s->fail = arg != NULL;
	g_state = s;
	g_cleanup_at_setup = g_cleanup_calls;
	g_cleanup_finished = false;
	if (pcsim_exec_cleanup_register(w, NULL, s) != -EINVAL ||
	    pcsim_exec_cleanup_register(w, cleanup_hook_setup, s) != 0)
		g_cleanup_bad = true;
	pcsim_task_create(w, "registers", cleanup_task, s, 0);
}

static void cleanup_finish(struct pcsim_world *w, void *arg)
{
	(void)w;
	(void)arg;
	g_finished++;
	g_cleanup_finished = true;
	PCSIM_CHECK(g_cleanup_calls == g_cleanup_at_setup, "cleanup",
		    "a cleanup hook ran before finish()");
}

static const struct pcsim_program cleanup_prog = { "rules-exec-cleanup", cleanup_setup,
						   cleanup_finish, NULL };
static const struct pcsim_program cleanup_fail_prog = { "rules-exec-cleanup-violation",
							cleanup_setup, cleanup_finish, (void *)1 };

/* ---- schedule_timeout(): woken early, the timer is cancelled (del_singleshot_timer_sync) --- */
struct sto {
	struct pcsim_task *sleeper;
	pcsim_int woken;
	long left;
};

static struct sto *g_sto;

static void sto_sleeper(void *arg)
{
	struct sto *s = arg;
	set_current_state(TASK_UNINTERRUPTIBLE);
	if (!READ_ONCE(s->woken))
		s->left = pcsim_schedule_timeout(600000);	/* ten minutes: only a wakeup ends it */
	__set_current_state(TASK_RUNNING);
}

static void sto_waker(void *arg)
{
	struct sto *s = arg;
	WRITE_ONCE(s->woken, 1);
	wake_up_process(s->sleeper);
}

static void sto_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	struct sto *s = pcsim_alloc(w, sizeof(*s));
	s->left = -1;
	s->sleeper = pcsim_task_create(w, "sleeper", sto_sleeper, s, 0);
	pcsim_task_create(w, "waker", sto_waker, s, 1);
	g_sto = s;
}

static void sto_finish(struct pcsim_world *w, void *arg)
{
	(void)w;
	(void)arg;
	/* -1: the waker came first; > 0: woken before the timeout (timed mode: what is left).
	 * Never 0: it did not time out. */
	PCSIM_CHECK(g_sto->left == -1 || (g_sto->left > 0 && g_sto->left <= 600000),
		    "schedule_timeout",
		    "returned %ld", g_sto->left);
	g_finished++;
}

static const struct pcsim_program sto_prog = { "rules-schedule-timeout-cancel", sto_setup,
					       sto_finish, NULL };

/*
 * A wakeup before the timeout returns the time left and cancels the timer: on the threads
 * backend the ten-minute timer would otherwise keep each execution alive until it fired (the
 * CTest timeout catches that), and could wake a later sleep.
 */
static void test_schedule_timeout_cancelled(void **state)
{
	(void)state;
	struct pcsim_config cfg = test_config();
	cfg.timed = SIM;	/* sim: untimed, the expiry would be a choice that can time out */
	run_ok_cfg(&sto_prog, (struct plan){ .dfs = true, .thr_execs = 20 }, cfg);
}

static void test_exec_cleanup_hooks(void **state)
{
	(void)state;
	g_cleanup_calls = 0;
	g_cleanup_next = 2;
	g_cleanup_bad = false;
	run_ok(&cleanup_prog, (struct plan){ .sim_execs = 50, .thr_execs = 50 });
	assert_false(g_cleanup_bad);
	assert_true(g_finished > 0);
	assert_int_equal(g_cleanup_calls, 2 * g_finished);

	/* A violation does not skip them (sim: the task is abandoned inside pcsim_fail();
	 * threads: the first report is kept and the execution runs to its end). */
	struct pcsim_config cfg = test_config();
	struct pcsim_explore_opts o;
	struct pcsim_report r;
	pcsim_explore_opts_init(&o);
	o.max_executions = 1;
	o.confirm = false;
	g_cleanup_calls = 0;
	assert_int_equal(pt_explore(&cleanup_fail_prog, &cfg, &o, 1, &r), 1);
	assert_string_equal(r.what, "cleanup-violation");
	assert_int_equal(r.executions, 1);
	assert_int_equal(g_cleanup_calls, 2);
	assert_false(g_cleanup_bad);
	pcsim_report_free(&r);
}

int main(int argc, char **argv)
{
	pt_init(argc, argv);
	printf("backend: %s\n", SIM ? "sim" : "threads");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ttwu_return_values),
		cmocka_unit_test(test_wake_before_schedule),
		cmocka_unit_test(test_signal_wakeups),
		cmocka_unit_test(test_signal_pending_state_table),
		cmocka_unit_test(test_schedule_with_signal_pending),
		cmocka_unit_test(test_return_to_user_sigkill),
		cmocka_unit_test(test_task_work_notify),
		cmocka_unit_test(test_task_work_lifo),
		cmocka_unit_test(test_task_work_exit),
		cmocka_unit_test(test_task_work_wait),
		cmocka_unit_test(test_spinlock_mutual_exclusion),
		cmocka_unit_test(test_spin_irqsave_restores),
		cmocka_unit_test(test_spin_unlock_unheld),
		cmocka_unit_test(test_events_atomic_context),
		cmocka_unit_test(test_rcu_synchronize),
		cmocka_unit_test(test_rcu_call_rcu_and_barrier),
		cmocka_unit_test(test_exec_cleanup_hooks),
		cmocka_unit_test(test_schedule_timeout_cancelled),
	};
	return cmocka_run_group_tests_name(SIM ? "engine_rules_sim" : "engine_rules_threads",
					   tests, NULL, NULL);
}
