// SPDX-License-Identifier: MIT
/*
 * Description: the signal rules of the engine: signals wake sleepers by state,
 * signal_pending_state() and friends for every kind of pending notification, and SIGKILL at
 * return to user makes the task exit.
 *
 * Kernel reference (5.10): kernel/signal.c signal_wake_up_state(), get_signal() (a fatal signal
 * ends in do_group_exit()), include/linux/sched/signal.h signal_pending_state(),
 * signal_pending(), fatal_signal_pending().
 *
 * Part of the engine's conformance suite (see tests/support/pcsim_rules.h for how a rule program
 * runs on each backend); CTest runs this program as rules_signal_sim and rules_signal_threads
 * (`--backend threads`).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>

#include "pcsim_rules.h"

#include <pcsim/kernel/compiler.h>
#include <pcsim/kernel/sched.h>
#include <pcsim/kernel/task_work.h>

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

int main(int argc, char **argv)
{
	pt_init(argc, argv);
	printf("backend: %s\n", SIM ? "sim" : "threads");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signal_wakeups),
		cmocka_unit_test(test_signal_pending_state_table),
		cmocka_unit_test(test_return_to_user_sigkill),
	};
	return cmocka_run_group_tests_name(SIM ? "rules_signal_sim" : "rules_signal_threads",
					   tests, NULL, NULL);
}
