// SPDX-License-Identifier: MIT
/*
 * Description: the P6 lost wakeup in today's folio_wait_bit_common() (kernel profile 6.18) and
 * its fix (lock_profile 5.9-p6fix), explored exhaustively at DFS preemption bound 2 with strict
 * P6 checking (docs/findings/p6-current-kernel.md). A page is locked; a holder unlocks it; a
 * victim waits for the lock with folio_lock_killable() and is sent SIGKILL at a moment the search
 * picks; behind it waits a second party: a plain locker (folio_lock), another killable locker,
 * or an async waiter (__folio_lock_async with a callback, as io_uring's). Each with the handoff
 * out of reach (sysctl_page_lock_unfairness 5: the walk only sets WOKEN) and at once
 * (unfairness 0: WQ_FLAG_CUSTOM, the walk takes the bit for the waiter).
 * Kernel reference: mm/filemap.c folio_wait_bit_common(), wake_page_function(), folio_wake_bit(),
 * __folio_lock_async() (S-FMnew); docs/kernel-semantics.md P6.
 * What to look for in the trace: the victim's entry set to EXCLUSIVE|WOKEN (3) by the walk,
 * "callback ... returned 1: counts (exclusive)", the walk ending before the second party, and
 * the victim returning -EINTR (P6) - or, with the fix, taking the bit after finish_wait().
 *
 * Usage: test_p6_current [--figures] [PATTERN]: --figures prints executions and time per run.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "pcsim_test.h"

#include <pcsim/kernel/compiler.h>
#include <pcsim/kernel/pagemap.h>
#include <pcsim/kernel/sched.h>

enum second { LOCKER, KILLABLE, ASYNC };
static const char *const second_name[] = { "lock", "killable lock", "async waiter" };

struct p6 {
	struct page *page;
	struct task_struct *victim, *other;
	struct pcsim_async_waiter aw;
	pcsim_int fired;
	enum second kind;
};

static struct p6 *cur;
static enum second kind;
static bool figures;

static void holder(void *arg)
{
	struct p6 *p = arg;
	unlock_page(p->page);	/* the page was locked at setup */
}

static void victim(void *arg)
{
	struct p6 *p = arg;
	if (lock_page_killable(p->page) == 0) {
		PCSIM_CHECK(PageLocked(p->page), "P6", "lock_page_killable() returned 0 unlocked");
		unlock_page(p->page);
	}
	pcsim_return_to_user();
}

static void notify(struct pcsim_async_waiter *aw)
{
	struct p6 *p = aw->owner;
	WRITE_ONCE(p->fired, 1);
	wake_up_process(p->other);
}

static void other(void *arg)
{
	struct p6 *p = arg;
	switch (p->kind) {
	case LOCKER:
		lock_page(p->page);
		break;
	case KILLABLE:
		if (lock_page_killable(p->page))
			return;
		break;
	case ASYNC:
		/* io_read()'s arm-and-retry on the page lock: lock mode until it is ours */
		for (;;) {
			pcsim_async_waiter_init(&p->aw, notify, p);
			WRITE_ONCE(p->fired, 0);
			if (lock_page_async(p->page, &p->aw.wpq) == 0)
				break;
			for (;;) {
				set_current_state(TASK_UNINTERRUPTIBLE);
				if (READ_ONCE(p->fired))
					break;
				schedule();
			}
			__set_current_state(TASK_RUNNING);
		}
		break;
	}
	unlock_page(p->page);
}

static void p6_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	struct p6 *p = pcsim_alloc(w, sizeof(*p));
	p->kind = kind;
	p->page = pcsim_page_alloc(w);
	PCSIM_SETUP_SET(p->page->flags, 1ul << PG_locked);
	pcsim_task_create(w, "holder", holder, p, 0);
	p->victim = pcsim_task_create(w, "victim", victim, p, 1);
	p->other = pcsim_task_create(w, "other", other, p, 1);
	pcsim_post_signal(w, p->victim, PCSIM_SIGKILL);
	cur = p;
}

static void p6_finish(struct pcsim_world *w, void *arg)
{
	(void)w;
	(void)arg;
	PCSIM_CHECK(!(PCSIM_SETUP_GET(cur->page->flags) & (1ul << PG_locked)), "P6",
		    "page left locked");
}

/* One exhaustive run; returns what pt_run() returns. */
static int p6_run(int kernel, int lock_profile, int unfairness, enum second k, int expect_fail,
		  struct pcsim_report *r)
{
	struct pcsim_config cfg = pt_config(PCSIM_MEM_SC);
	struct timespec t0, t1;
	cfg.kernel = (enum pcsim_kernel)kernel;
	cfg.checks = PCSIM_CHECK_DEFAULT | PCSIM_CHECK_STRICT_P6;
	pcsim_pagecache_config(&cfg)->lock_profile = lock_profile;
	pcsim_pagecache_config(&cfg)->page_lock_unfairness = unfairness;
	kind = k;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int ret = pt_run("p6-current", p6_setup, p6_finish, NULL, &cfg, PCSIM_STRATEGY_DFS, 0, 2,
			 expect_fail, r);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (figures)
		printf("kernel=%s lock_profile=%s unfairness=%d second=%s: %s after %llu "
		       "executions%s, %.2f s\n",
		       kernel == PCSIM_KERNEL_6_18 ? "6.18"
		       : kernel == PCSIM_KERNEL_5_8 ? "5.8" : "5.10",
		       lock_profile == PCSIM_LOCK_PROFILE_5_9_P6FIX ? "5.9-p6fix" : "5.9",
		       unfairness, second_name[k], ret ? r->what : "clean",
		       (unsigned long long)r->executions, r->exhausted ? " (exhausted)" : "",
		       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return ret;
}

/* Without the fix and without the handoff, today's kernel drops the wakeup: found. */
static void test_race_present_6_18(void **state)
{
	(void)state;
	for (int k = LOCKER; k <= ASYNC; k++) {
		struct pcsim_report r;
		assert_int_equal(p6_run(PCSIM_KERNEL_6_18, PCSIM_LOCK_PROFILE_5_9, 5, k, 1, &r), 1);
		assert_string_equal(r.what, "P6");
		assert_true(r.confirmed);
		pcsim_report_free(&r);
	}
}

/* With the handoff (unfairness 0) the walk takes the bit for the victim: no drop, unfixed. */
static void test_handoff_clean_6_18(void **state)
{
	(void)state;
	for (int k = LOCKER; k <= ASYNC; k++) {
		struct pcsim_report r;
		assert_int_equal(p6_run(PCSIM_KERNEL_6_18, PCSIM_LOCK_PROFILE_5_9, 0, k, 0, &r), 0);
		assert_true(r.exhausted);
		pcsim_report_free(&r);
	}
}

/* The fix: every schedule with at most two preemptions is clean under strict P6, with and
 * without the handoff, whatever waits behind the victim. */
static void test_fix_clean_6_18(void **state)
{
	(void)state;
	for (int unf = 5; unf >= 0; unf -= 5) {
		for (int k = LOCKER; k <= ASYNC; k++) {
			struct pcsim_report r;
			int prof = PCSIM_LOCK_PROFILE_5_9_P6FIX;
			assert_int_equal(p6_run(PCSIM_KERNEL_6_18, prof, unf, k, 0, &r), 0);
			assert_true(r.exhausted);
			pcsim_report_free(&r);
		}
	}
}

/* kernel=5.8: the old loop takes the bit itself after every wakeup; no P6 race to find. */
static void test_no_race_clean_5_8(void **state)
{
	(void)state;
	for (int k = LOCKER; k <= ASYNC; k++) {
		struct pcsim_report r;
		assert_int_equal(p6_run(PCSIM_KERNEL_5_8, PCSIM_LOCK_PROFILE_5_9, 5, k, 0, &r), 0);
		assert_true(r.exhausted);
		pcsim_report_free(&r);
	}
}

/* The same program on 5.10: the race is there too (the fix was first written for it). */
static void test_race_present_5_10(void **state)
{
	(void)state;
	struct pcsim_report r;
	assert_int_equal(p6_run(PCSIM_KERNEL_5_10, PCSIM_LOCK_PROFILE_5_9, 5, ASYNC, 1, &r), 1);
	assert_string_equal(r.what, "P6");
	pcsim_report_free(&r);
}

int main(int argc, char **argv)
{
	int n = 1;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--figures") == 0)
			figures = true;
		else
			argv[n++] = argv[i];
	}
	pt_init(n, argv);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_race_present_6_18),
		cmocka_unit_test(test_handoff_clean_6_18),
		cmocka_unit_test(test_fix_clean_6_18),
		cmocka_unit_test(test_race_present_5_10),
		cmocka_unit_test(test_no_race_clean_5_8),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
