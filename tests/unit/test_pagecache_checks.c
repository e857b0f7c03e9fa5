// SPDX-License-Identifier: MIT
/*
 * Description: the page-cache layer's run-time checks (src/pagecache/checks.c) each catch the
 * mistake they exist for: a mutant of pcsim's own model (pcsim_config.inject) or a user's
 * plugged variant (struct pcsim_pagecache_ops) is reported under the invariant's name, and the
 * correct code survives the same scenario. Kernel reference: docs/kernel-semantics.md 2.9 and 3.6.
 * What to look for in a failing trace: the VIOLATION line names the invariant; the wake walk's
 * "callback ... returned" lines show which callback broke it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "pcsim_test.h"

#include <pcsim/kernel/compiler.h>
#include <pcsim/kernel/list.h>
#include <pcsim/kernel/pagemap.h>
#include <pcsim/kernel/sched.h>

typedef void (*setup_fn)(struct pcsim_world *, void *);

static int run(const char *name, setup_fn setup, void *arg, struct pcsim_config *cfg,
	       enum pcsim_strategy s, uint64_t max, unsigned bound, int expect,
	       struct pcsim_report *r)
{
	return pt_run(name, setup, NULL, arg, cfg, s, max, bound, expect, r);
}

/* The scenario fails as @what: in one run (@pct false) or within 10,000 PCT executions. */
static void expect_found(const char *name, setup_fn setup, void *arg, struct pcsim_config *cfg,
			 bool pct, const char *what)
{
	struct pcsim_report r;
	assert_int_equal(run(name, setup, arg, cfg, pct ? PCSIM_STRATEGY_PCT : PCSIM_STRATEGY_RANDOM,
			     pct ? 10000 : 1, pct ? 2 : 0, 1, &r),
			 1);
	printf("%s: %s in execution %llu: %s\n", name, r.what,
	       (unsigned long long)r.failing_execution, r.message);
	assert_string_equal(r.what, what);
	assert_true(r.confirmed);
	pcsim_report_free(&r);
}

/* No violation in any schedule with at most two preemptions. */
static void expect_clean_dfs(const char *name, setup_fn setup, void *arg,
			     struct pcsim_config *cfg)
{
	struct pcsim_report r;
	assert_int_equal(run(name, setup, arg, cfg, PCSIM_STRATEGY_DFS, 0, 2, 0, &r), 0);
	assert_true(r.exhausted);
	pcsim_report_free(&r);
}

/* Found with @inject (PCT), as @what; without it, DFS with bound 2 finds nothing. */
static void found_and_clean(const char *name, setup_fn setup, void *arg, unsigned inject,
			    const char *what)
{
	struct pcsim_config cfg = pt_config(PCSIM_MEM_SC);
	cfg.inject = inject;
	expect_found(name, setup, arg, &cfg, true, what);
	cfg.inject = 0;
	expect_clean_dfs(name, setup, arg, &cfg);
}

/* ---- P3: a waiter that tries the bit before it publishes itself; P4: an unlock that reads
 * PG_waiters apart from its clear. Both lose wakeups. ---------------------------------------- */
static void locker(void *arg)
{
	struct page *page = arg;
	lock_page(page);
	unlock_page(page);
}

static void two_lockers(struct pcsim_world *w, void *arg)
{
	(void)arg;
	struct page *page = pcsim_page_alloc(w);
	pcsim_task_create(w, "locker", locker, page, 0);
	pcsim_task_create(w, "locker", locker, page, 1);
}

static void test_p3_waiter_test_first(void **state)
{
	(void)state;
	found_and_clean("checks-p3", two_lockers, NULL, PCSIM_INJECT_WAITER_TEST_FIRST, "P3");
}

static void test_p4_unlock_test_first(void **state)
{
	(void)state;
	found_and_clean("checks-p4", two_lockers, NULL, PCSIM_INJECT_UNLOCK_TEST_FIRST, "P4");
}

/* ---- P8: end_page_writeback() without its pin walks a freed frame ------------------------ */
struct wb {
	struct page *page;
};

static void wb_ender(void *arg)
{
	struct wb *b = arg;
	end_page_writeback(b->page);	/* holds no reference of its own, as in the kernel */
}

static void wb_owner(void *arg)
{
	struct wb *b = arg;
	lock_page(b->page);
	wait_on_page_writeback(b->page);
	unlock_page(b->page);
	put_page(b->page);	/* the reference the setup gave this task */
}

static void wb_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	struct wb *b = pcsim_alloc(w, sizeof(*b));
	b->page = pcsim_page_alloc(w);	/* one reference: the owner's */
	PCSIM_SETUP_SET(b->page->flags, 1ul << PG_writeback);
	get_page(b->page);		/* the second locker's */
	pcsim_task_create(w, "ender", wb_ender, b, 0);
	pcsim_task_create(w, "owner", wb_owner, b, 1);
	pcsim_task_create(w, "locker", wb_owner, b, 1);
}

static void test_p8_writeback_without_pin(void **state)
{
	(void)state;
	found_and_clean("checks-p8", wb_setup, NULL, PCSIM_INJECT_WRITEBACK_NO_PIN, "P8");
}

/* ---- P7: a DROP waiter that touches its page after put_page() ---------------------------- */
static void drop_waiter(void *arg)
{
	struct page *page = arg;
	get_page(page);
	put_and_wait_on_page_locked(page, TASK_UNINTERRUPTIBLE);	/* gives the reference up */
}

static void drop_unlocker(void *arg)
{
	struct page *page = arg;
	unlock_page(page);
}

static void drop_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	struct page *page = pcsim_page_alloc(w);	/* the holder's reference */
	PCSIM_SETUP_SET(page->flags, 1ul << PG_locked);
	pcsim_task_create(w, "drop", drop_waiter, page, 0);
	pcsim_task_create(w, "unlock", drop_unlocker, page, 1);
}

static void test_p7_drop_waiter_touches_page(void **state)
{
	(void)state;
	for (int prof = 0; prof < 2; prof++) {
		struct pcsim_config cfg = pt_config(PCSIM_MEM_SC);
		pcsim_pagecache_config(&cfg)->lock_profile = prof;
		/* pcsim's own DROP waiter never touches the page: exhaustively clean */
		expect_clean_dfs("checks-p7", drop_setup, NULL, &cfg);
	}
	/* one that re-reads the page's flags after its wakeup (5.9 profile) is caught */
	found_and_clean("checks-p7", drop_setup, NULL, PCSIM_INJECT_DROP_TOUCH, "P7");
}

/* ---- A8: ->readpage() of a page truncated before the reader locked it --------------------- */
struct tr {
	struct pcsim_bdev bdev;
	struct address_space *m;
	unsigned char buf[64];
};

static void tr_reader(void *arg)
{
	struct tr *t = arg;
	struct kiocb iocb = { t->m, 0, 0, NULL };
	struct iov_iter it = { t->buf, sizeof(t->buf), 0 };
	long ret = pcsim_read_iter(&iocb, &it, 0);
	PCSIM_CHECK(ret == (long)sizeof(t->buf), "read", "read returned %ld", ret);
}

static void tr_truncator(void *arg)
{
	struct tr *t = arg;
	pcsim_truncate_page(t->m, 0);
}

static void tr_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	struct tr *t = pcsim_alloc(w, sizeof(*t));
	pcsim_bdev_init(&t->bdev, 1, false);
	t->m = pcsim_mapping_create(w, 7, 4096, &t->bdev, 0);
	pcsim_mapping_populate(t->m, 0, false, false);	/* cached, not uptodate */
	pcsim_task_create(w, "reader", tr_reader, t, 0);
	pcsim_task_create(w, "truncate", tr_truncator, t, 1);
}

static void test_a8_no_mapping_recheck(void **state)
{
	(void)state;
	found_and_clean("checks-a8", tr_setup, NULL, PCSIM_INJECT_NO_MAPPING_RECHECK, "A8");
}

/* ---- A3, A5, A6, A9: read paths plugged in by a user, each wrong in one way --------------- */
static int plug;

static void plug_notify(struct pcsim_async_waiter *aw)
{
	(void)aw;
}

static long bad_read(struct kiocb *iocb, struct iov_iter *iter, long written)
{
	(void)iter;
	static struct pcsim_async_waiter aw;
	struct page *page = find_get_page(iocb->mapping, 0);
	long ret;
	(void)written;
	switch (plug) {
	case 0:	/* A3: claims a queued callback that it never armed */
		ret = -EIOCBQUEUED;
		break;
	case 1:	/* A6: moves the position, then reports -EIOCBQUEUED */
		pcsim_async_waiter_init(&aw, plug_notify, NULL);
		iocb->ki_pos += 10;
		ret = wait_on_page_locked_async(page, &aw.wpq);
		break;
	case 2:	/* A9: IOCB_NOWAIT alone, and it arms */
		pcsim_async_waiter_init(&aw, plug_notify, NULL);
		ret = wait_on_page_locked_async(page, &aw.wpq);
		break;
	default: /* A9: IOCB_NOWAIT, and it sleeps on the page */
		wait_on_page_locked(page);
		ret = -EAGAIN;
		break;
	}
	put_page(page);
	return ret;
}

static void plug_reader(void *arg)
{
	struct tr *t = arg;
	struct kiocb iocb = { t->m, 0, plug >= 2 ? IOCB_NOWAIT : IOCB_WAITQ, NULL };
	struct iov_iter it = { t->buf, sizeof(t->buf), 0 };
	pcsim_read_iter(&iocb, &it, 0);
}

static void plug_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	struct tr *t = pcsim_alloc(w, sizeof(*t));
	struct pcsim_pagecache_ops ops = { .buffered_read = bad_read };
	pcsim_pagecache_set_ops(w, &ops);
	pcsim_bdev_init(&t->bdev, 1, false);
	t->m = pcsim_mapping_create(w, 7, 4096, &t->bdev, 0);
	pcsim_mapping_populate(t->m, 0, false, true);	/* locked: I/O in flight forever */
	pcsim_task_create(w, "reader", plug_reader, t, 0);
}

static void test_read_path_contract_plugged(void **state)
{
	(void)state;
	static const char *const want[] = { "A3", "A6", "A9", "A9" };
	for (plug = 0; plug < 4; plug++) {
		struct pcsim_config cfg = pt_config(PCSIM_MEM_SC);
		/* no interleaving needed: one deterministic run */
		expect_found("checks-read-plug", plug_setup, NULL, &cfg, false, want[plug]);
	}
}

/* ---- P5, P9, A4: wake functions and callbacks plugged in by a user ------------------------ */
/* P5: stops the walk at any waiter of the page, held or not. */
static int stop_always_wake_function(wait_queue_entry_t *wait, unsigned mode, int sync, void *arg)
{
	struct wait_page_key *key = arg;
	struct wait_page_queue *wp = container_of(wait, struct wait_page_queue, wait);
	(void)mode;
	(void)sync;
	if (!wake_page_match(wp, key))
		return 0;
	return -1;
}

/* P9: a 5.9 wake function that, like 5.8, leaves a non-exclusive waiter queued when the bit
 * was taken again before the walk reached it. */
static int skip_relocked_wake_function(wait_queue_entry_t *wait, unsigned mode, int sync,
				       void *arg)
{
	struct wait_page_key *key = arg;
	struct wait_page_queue *wp = container_of(wait, struct wait_page_queue, wait);
	unsigned flags;
	(void)sync;
	if (!wake_page_match(wp, key))
		return 0;
	flags = READ_ONCE(wait->flags);
	if (test_bit(key->bit_nr, &key->page->flags))
		return (flags & WQ_FLAG_EXCLUSIVE) ? -1 : 0;
	smp_store_release(&wait->flags, flags | WQ_FLAG_WOKEN);
	wake_up_state(wait->private, mode);
	list_del_init_careful(&wait->entry);
	return (flags & WQ_FLAG_EXCLUSIVE) != 0;
}

static pcsim_wait_queue_func_t user_fn;

static void waiter(void *arg)
{
	wait_on_page_locked((struct page *)arg);
}

static void relocker(void *arg)
{
	struct page *page = arg;
	for (int i = 0; i < 2; i++) {
		lock_page(page);
		unlock_page(page);
	}
}

static void wake_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	struct pcsim_pagecache_ops ops = { .wake_page_function = user_fn };
	pcsim_pagecache_set_ops(w, &ops);
	struct page *page = pcsim_page_alloc(w);
	pcsim_task_create(w, "relocker", relocker, page, 0);
	pcsim_task_create(w, "waiter", waiter, page, 1);
	pcsim_task_create(w, "relocker", relocker, page, 1);
}

static void test_wake_function_rules_plugged(void **state)
{
	(void)state;
	struct pcsim_config cfg = pt_config(PCSIM_MEM_SC);
	user_fn = stop_always_wake_function;
	expect_found("checks-p5", wake_setup, NULL, &cfg, true, "P5");
	user_fn = skip_relocked_wake_function;
	expect_found("checks-p9", wake_setup, NULL, &cfg, true, "P9");
	/* pcsim's own wake function survives the same scenario exhaustively */
	user_fn = NULL;
	expect_clean_dfs("checks-p5", wake_setup, NULL, &cfg);
}

/* A4: an async callback that takes its neighbour (a waiter of another page in the same bucket)
 * off the queue along with itself. */
struct aw2 {
	struct page *page, *other;
	struct pcsim_async_waiter a, b;
};

static int greedy_async_wake_function(struct wait_queue_entry *wait, unsigned mode, int sync,
				      void *arg)
{
	struct wait_page_key *key = arg;
	struct wait_page_queue *wpq = container_of(wait, struct wait_page_queue, wait);
	struct pcsim_async_waiter *aw = container_of(wpq, struct pcsim_async_waiter, wpq);
	struct aw2 *s = aw->owner;
	(void)mode;
	(void)sync;
	if (!wake_page_match(wpq, key))
		return 0;
	if (aw == &s->b && !list_empty(&s->a.wpq.wait.entry))
		list_del_init(&s->a.wpq.wait.entry);	/* not its own */
	list_del_init(&wait->entry);
	return 1;
}

static void arm_two(void *arg)
{
	struct aw2 *s = arg;
	pcsim_async_waiter_init(&s->a, plug_notify, s);
	pcsim_async_waiter_init(&s->b, plug_notify, s);
	s->a.wpq.wait.func = greedy_async_wake_function;
	s->b.wpq.wait.func = greedy_async_wake_function;
	int ra = wait_on_page_locked_async(s->other, &s->a.wpq);
	int rb = wait_on_page_locked_async(s->page, &s->b.wpq);
	(void)ra;
	(void)rb;
	unlock_page(s->page);
}

static void a4_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	struct aw2 *s = pcsim_alloc(w, sizeof(*s));
	s->page = pcsim_page_alloc(w);
	s->other = pcsim_page_alloc(w);
	PCSIM_SETUP_SET(s->page->flags, 1ul << PG_locked);
	PCSIM_SETUP_SET(s->other->flags, 1ul << PG_locked);	/* never unlocked: a stays */
	pcsim_task_create(w, "armer", arm_two, s, 0);
}

/* A10: an async callback that takes the lock for its waiter (the sync handoff, misapplied). */
static int handoff_async_wake_function(struct wait_queue_entry *wait, unsigned mode, int sync,
				       void *arg)
{
	struct wait_page_key *key = arg;
	struct wait_page_queue *wpq = container_of(wait, struct wait_page_queue, wait);
	(void)mode;
	(void)sync;
	if (!wake_page_match(wpq, key))
		return 0;
	if (trylock_page(key->page) == 0)
		return -1;
	list_del_init(&wait->entry);
	return 1;
}

static void a10_waiter(void *arg)
{
	struct aw2 *s = arg;
	pcsim_async_waiter_init(&s->a, plug_notify, s);
	s->a.wpq.wait.func = handoff_async_wake_function;
	if (lock_page_async(s->page, &s->a.wpq) == 0)
		unlock_page(s->page);
}

static void a10_unlocker(void *arg)
{
	struct aw2 *s = arg;
	unlock_page(s->page);
}

static void a10_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	struct aw2 *s = pcsim_alloc(w, sizeof(*s));
	s->page = pcsim_page_alloc(w);
	PCSIM_SETUP_SET(s->page->flags, 1ul << PG_locked);
	pcsim_task_create(w, "armer", a10_waiter, s, 0);
	pcsim_task_create(w, "unlocker", a10_unlocker, s, 1);
}

static void test_a10_async_callback_takes_lock(void **state)
{
	(void)state;
	struct pcsim_config cfg = pt_config(PCSIM_MEM_SC);
	expect_found("checks-a10", a10_setup, NULL, &cfg, true, "A10");
}

static void test_a4_async_callback_unlinks_another(void **state)
{
	(void)state;
	struct pcsim_config cfg = pt_config(PCSIM_MEM_SC);
	pcsim_pagecache_config(&cfg)->wait_table_bits = 0;	/* both pages in one bucket */
	expect_found("checks-a4", a4_setup, NULL, &cfg, false, "A4");
}

int main(int argc, char **argv)
{
	pt_init(argc, argv);
	if (pt_backend != PCSIM_BACKEND_SIM)
		return 77;	/* run-time checks exist in the sim backend only */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_p3_waiter_test_first),
		cmocka_unit_test(test_p4_unlock_test_first),
		cmocka_unit_test(test_p7_drop_waiter_touches_page),
		cmocka_unit_test(test_p8_writeback_without_pin),
		cmocka_unit_test(test_a8_no_mapping_recheck),
		cmocka_unit_test(test_read_path_contract_plugged),
		cmocka_unit_test(test_wake_function_rules_plugged),
		cmocka_unit_test(test_a4_async_callback_unlinks_another),
		cmocka_unit_test(test_a10_async_callback_takes_lock),
	};
	return cmocka_run_group_tests_name("pagecache_checks", tests, NULL, NULL);
}
