// SPDX-License-Identifier: MIT
/*
 * Description: the task_work rules of the engine: TWA_SIGNAL and TWA_RESUME notification,
 * LIFO order, works queued on an exiting task (run in do_exit, or refused with -ESRCH), and
 * pcsim_task_work_wait().
 *
 * Kernel reference (5.10): kernel/task_work.c task_work_add(), task_work_run(),
 * kernel/exit.c do_exit() -> exit_task_work(), include/linux/tracehook.h
 * tracehook_notify_resume() (TWA_RESUME runs at return to user).
 *
 * Part of the engine's conformance suite (see tests/support/pcsim_rules.h for how a rule program
 * runs on each backend); CTest runs this program as rules_task_work_sim and rules_task_work_threads
 * (`--backend threads`).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>

#include "pcsim_rules.h"

#include <pcsim/kernel/compiler.h>
#include <pcsim/kernel/sched.h>
#include <pcsim/kernel/task_work.h>

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

int main(int argc, char **argv)
{
	pt_init(argc, argv);
	printf("backend: %s\n", SIM ? "sim" : "threads");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_task_work_notify),
		cmocka_unit_test(test_task_work_lifo),
		cmocka_unit_test(test_task_work_exit),
		cmocka_unit_test(test_task_work_wait),
	};
	return cmocka_run_group_tests_name(SIM ? "rules_task_work_sim" : "rules_task_work_threads",
					   tests, NULL, NULL);
}
