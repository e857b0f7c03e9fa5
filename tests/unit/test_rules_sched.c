// SPDX-License-Identifier: MIT
/*
 * Description: the scheduler rules of the engine: try_to_wake_up() return values by task
 * state, the sleep/wake pattern and a wakeup that lands before schedule(), schedule() with a
 * signal already pending, schedule_timeout() woken early.
 *
 * Kernel reference (5.10): kernel/sched/core.c try_to_wake_up(), __schedule() (its
 * signal_pending_state() check), include/linux/sched.h set_current_state(),
 * kernel/time/timer.c schedule_timeout() (del_singleshot_timer_sync() when woken early).
 *
 * Part of the engine's conformance suite (see tests/support/pcsim_rules.h for how a rule program
 * runs on each backend); CTest runs this program as rules_sched_sim and rules_sched_threads
 * (`--backend threads`).
 */
#include <errno.h>
#include <stdio.h>

#include "pcsim_rules.h"

#include <pcsim/kernel/barrier.h>
#include <pcsim/kernel/compiler.h>
#include <pcsim/kernel/sched.h>

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

int main(int argc, char **argv)
{
	pt_init(argc, argv);
	printf("backend: %s\n", SIM ? "sim" : "threads");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ttwu_return_values),
		cmocka_unit_test(test_wake_before_schedule),
		cmocka_unit_test(test_schedule_with_signal_pending),
		cmocka_unit_test(test_schedule_timeout_cancelled),
	};
	return cmocka_run_group_tests_name(SIM ? "rules_sched_sim" : "rules_sched_threads",
					   tests, NULL, NULL);
}
