// SPDX-License-Identifier: MIT
/*
 * Description: the page lock and the hashed wait table, docs/kernel-semantics.md section 2 and the
 * async helpers of section 3.1, in both lock profiles.
 * Kernel reference: mm/filemap.c (5.10): unlock_page(), wake_up_page_bit(),
 * wake_page_function(), wait_on_page_bit_common(), __wait_on_page_locked_async().
 * What to look for in the trace: "atomic and page N.flags" for the fused unlock, one
 * "callback of ... returned" per waiter visited in the bucket, PG_waiters (bit 7, 0x80)
 * cleared only when the walk found no entry of the page or emptied the bucket.
 */
#include <stdio.h>
#include <string.h>

#include "pcsim_test.h"

#include <pcsim/kernel/barrier.h>
#include <pcsim/kernel/compiler.h>
#include <pcsim/kernel/pagemap.h>
#include <pcsim/kernel/sched.h>
#include <pcsim/kernel/task_work.h>

static int run(const char *name, void (*setup)(struct pcsim_world *, void *),
	       void (*finish)(struct pcsim_world *, void *), void *arg, struct pcsim_config *cfg,
	       enum pcsim_strategy s, uint64_t max, unsigned bound, int expect,
	       struct pcsim_report *r)
{
	return pt_run(name, setup, finish, arg, cfg, s, max, bound, expect, r);
}

/* ---- mutual exclusion ---------------------------------------------------------------------- */
struct mutex_world {
	struct page *page;
	int counter;	/* plain: protected by the page lock */
	int nloops;
};

static struct mutex_world *mw;

static void locker(void *arg)
{
	struct mutex_world *m = arg;
	for (int i = 0; i < m->nloops; i++) {
		lock_page(m->page);
		int c = m->counter;
		PCSIM_CHECK(PageLocked(m->page), "lock", "page not locked inside the section");
		m->counter = c + 1;
		unlock_page(m->page);
	}
}

static void mutex_setup(struct pcsim_world *w, void *arg)
{
	struct mutex_world *m = pcsim_alloc(w, sizeof(*m));
	m->page = pcsim_page_alloc(w);
	m->nloops = (int)(uintptr_t)arg;
	for (int i = 0; i < 3; i++)
		pcsim_task_create(w, "locker", locker, m, i % 2);
	mw = m;
}

static void mutex_finish(struct pcsim_world *w, void *arg)
{
	(void)w;
	(void)arg;
	unsigned long f = PCSIM_SETUP_GET(mw->page->flags);
	PCSIM_CHECK(mw->counter == 3 * mw->nloops, "lock", "counter %d", mw->counter);
	PCSIM_CHECK(!(f & (1ul << PG_locked)), "end", "page still locked");
}

static void test_mutual_exclusion_both_profiles(void **state)
{
	(void)state;
	for (int prof = 0; prof < 2; prof++) {
		for (int mem = 0; mem < (pt_backend == PCSIM_BACKEND_SIM ? 2 : 1); mem++) {
			struct pcsim_config cfg = pt_config(mem ? PCSIM_MEM_TSO : PCSIM_MEM_SC);
			struct pcsim_report r;
			pcsim_pagecache_config(&cfg)->lock_profile = prof;
			if (pt_backend == PCSIM_BACKEND_SIM)
				assert_int_equal(run("pagelock-mutex", mutex_setup, mutex_finish,
						     (void *)1, &cfg, PCSIM_STRATEGY_PCT, 2000, 2,
						     0, &r),
						 0);
			else
				assert_int_equal(run("pagelock-mutex", mutex_setup, mutex_finish,
						     (void *)200, &cfg, PCSIM_STRATEGY_RANDOM, 20,
						     2, 0, &r),
						 0);
			pcsim_report_free(&r);
		}
	}
}

/* ---- bring your own wake function (struct pcsim_pagecache_ops) ------------------------------ */
/*
 * A user's variant, kernel style: the first posting of the 5.9 rewrite, where every exclusive
 * waiter got the lock handed over (no bounded stealing). Correct, slower (B-07); against the
 * 5.9-final rule P10 (handoff only after page_lock_unfairness lost races) it is a violation,
 * and with page_lock_unfairness 0 (every waiter asks for the handoff) it is the same algorithm.
 */
static int handoff_always_wake_function(wait_queue_entry_t *wait, unsigned mode, int sync,
					void *arg)
{
	struct wait_page_key *key = arg;
	struct wait_page_queue *wait_page = container_of(wait, struct wait_page_queue, wait);
	unsigned int flags;

	(void)sync;
	if (!wake_page_match(wait_page, key))
		return 0;
	flags = READ_ONCE(wait->flags);
	if (flags & WQ_FLAG_EXCLUSIVE) {
		if (test_and_set_bit(key->bit_nr, &key->page->flags))
			return -1;
		flags |= WQ_FLAG_DONE;
	}
	smp_store_release(&wait->flags, flags | WQ_FLAG_WOKEN);
	wake_up_state(wait->private, mode);
	list_del_init_careful(&wait->entry);
	return (flags & WQ_FLAG_EXCLUSIVE) != 0;
}

/* A buggy variant: compares the page by hand and stops on a re-taken bit without ever
 * recording key->page_match (the sync twin of B-03). */
static int no_page_match_wake_function(wait_queue_entry_t *wait, unsigned mode, int sync,
				       void *arg)
{
	struct wait_page_key *key = arg;
	struct wait_page_queue *wait_page = container_of(wait, struct wait_page_queue, wait);

	if (wait_page->page != key->page || wait_page->bit_nr != key->bit_nr)
		return 0;
	if (test_bit(key->bit_nr, &key->page->flags))
		return -1;
	return autoremove_wake_function(wait, mode, sync, key);
}

static pcsim_wait_queue_func_t user_fn;

static void mutex_setup_user(struct pcsim_world *w, void *arg)
{
	struct pcsim_pagecache_ops ops = { .wake_page_function = user_fn };
	pcsim_pagecache_set_ops(w, &ops);
	mutex_setup(w, arg);
}

static void test_user_wake_function_plugged(void **state)
{
	(void)state;
	if (pt_backend != PCSIM_BACKEND_SIM)
		skip();
	struct pcsim_config cfg = pt_config(PCSIM_MEM_SC);
	struct pcsim_report r;
	user_fn = handoff_always_wake_function;
	assert_int_equal(run("pagelock-user-handoff", mutex_setup_user, mutex_finish, (void *)1,
			     &cfg, PCSIM_STRATEGY_PCT, 2000, 2, 1, &r),
			 1);
	assert_string_equal(r.what, "P10");
	pcsim_report_free(&r);
	pcsim_pagecache_config(&cfg)->page_lock_unfairness = 0;
	assert_int_equal(run("pagelock-user-handoff", mutex_setup_user, mutex_finish, (void *)1,
			     &cfg, PCSIM_STRATEGY_PCT, 2000, 2, 0, &r),
			 0);
	pcsim_report_free(&r);
	pcsim_pagecache_config(&cfg)->page_lock_unfairness = 5;
	user_fn = no_page_match_wake_function;
	assert_int_equal(run("pagelock-user-buggy", mutex_setup_user, mutex_finish, (void *)1,
			     &cfg, PCSIM_STRATEGY_PCT, 10000, 2, 1, &r),
			 1);
	printf("the buggy user wake function: %s (%s) in execution %llu\n",
	       pcsim_outcome_name(r.outcome), r.what, (unsigned long long)r.failing_execution);
	pcsim_report_free(&r);
}

/* ---- handoff: after page_lock_unfairness steals the waiter gets the lock handed over ------- */
struct handoff {
	struct page *page;
	pcsim_int done;
	int got;
};

static struct handoff *ho;

static void stealer(void *arg)
{
	struct handoff *h = arg;
	/* keeps re-taking the lock with trylock while the waiter waits */
	while (!READ_ONCE(h->done)) {
		if (trylock_page(h->page))
			unlock_page(h->page);
		cpu_relax();
	}
}

static void patient(void *arg)
{
	struct handoff *h = arg;
	lock_page(h->page);
	h->got = 1;
	WRITE_ONCE(h->done, 1);
	unlock_page(h->page);
}

static void handoff_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	struct handoff *h = pcsim_alloc(w, sizeof(*h));
	h->page = pcsim_page_alloc(w);
	pcsim_task_create(w, "stealer", stealer, h, 0);
	pcsim_task_create(w, "waiter", patient, h, 1);
	ho = h;
}

static void handoff_finish(struct pcsim_world *w, void *arg)
{
	(void)w;
	(void)arg;
	PCSIM_CHECK(ho->got, "handoff", "the waiter never got the lock");
}

static void test_lock_handoff_terminates(void **state)
{
	(void)state;
	if (pt_backend != PCSIM_BACKEND_SIM)
		skip();
	struct pcsim_config cfg = pt_config(PCSIM_MEM_SC);
	struct pcsim_report r;
	cfg.max_steps = 20000;
	for (int unf = 0; unf <= 5; unf += 5) {
		pcsim_pagecache_config(&cfg)->page_lock_unfairness = unf;
		assert_int_equal(run("pagelock-handoff", handoff_setup, handoff_finish, NULL, &cfg,
				     PCSIM_STRATEGY_PCT, 500, 2, 0, &r),
				 0);
		pcsim_report_free(&r);
	}
}

/* ---- hash collisions (wait_table_bits 0) and spurious PG_waiters --------------------------- */
struct coll {
	struct page *a, *b;
	struct task_struct *wa, *wb;
	pcsim_int phase;
};

static void coll_waiter(void *arg)
{
	struct page *p = arg;
	wait_on_page_locked(p);
}

static void coll_driver(void *arg)
{
	struct coll *c = arg;
	/* both waiters queued in the one bucket before we unlock anything */
	while (READ_ONCE(c->phase) < 2)
		cpu_relax();
	unlock_page(c->a);
	/* the walk woke A's waiter; B's waiter keeps the bucket active, and page_match was set:
	 * PG_waiters of A stays set although A has no waiter left (the accepted imprecision) */
	PCSIM_CHECK(PageWaiters(c->a), "collision", "PG_waiters of A cleared with B queued");
	unlock_page(c->b);
	PCSIM_CHECK(!PageWaiters(c->b), "collision", "bucket empty: PG_waiters of B must clear");
	/* a later lock/unlock of A takes the slow path once and clears the spurious bit */
	lock_page(c->a);
	unlock_page(c->a);
	PCSIM_CHECK(!PageWaiters(c->a), "collision", "spurious PG_waiters of A not cleared");
}

static void coll_wait_a(void *arg)
{
	struct coll *c = arg;
	coll_waiter(c->a);
}

static void coll_wait_b(void *arg)
{
	struct coll *c = arg;
	coll_waiter(c->b);
}

static int coll_phase(struct pcsim_world *w, void *arg)
{
	(void)w;
	struct coll *c = arg;
	/* phase = number of waiters queued (a test-only observer, no preemption points) */
	struct wait_queue_head *q = c->a ? pcsim_page_waitqueue(c->a) : NULL;
	if (!q)
		return 0;
	int n = 0;
	for (struct list_head *l = PCSIM_SETUP_GET(q->head.next); l != &q->head;
	     l = PCSIM_SETUP_GET(l->next))
		n++;
	if (n > PCSIM_SETUP_GET(c->phase))
		PCSIM_SETUP_SET(c->phase, n);
	return 0;
}

static void coll_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	struct coll *c = pcsim_alloc(w, sizeof(*c));
	c->a = pcsim_page_alloc(w);
	c->b = pcsim_page_alloc(w);
	/* both locked by the driver from the start */
	PCSIM_SETUP_SET(c->a->flags, 1ul << PG_locked);
	PCSIM_SETUP_SET(c->b->flags, 1ul << PG_locked);
	pcsim_invariant_register(w, "phase", coll_phase, c);
	c->wa = pcsim_task_create(w, "wait-A", coll_wait_a, c, 0);
	c->wb = pcsim_task_create(w, "wait-B", coll_wait_b, c, 0);
	pcsim_task_create(w, "driver", coll_driver, c, 1);
}

static void test_hash_collision_bits0(void **state)
{
	(void)state;
	if (pt_backend != PCSIM_BACKEND_SIM)
		skip();
	struct pcsim_config cfg = pt_config(PCSIM_MEM_SC);
	struct pcsim_report r;
	pcsim_pagecache_config(&cfg)->wait_table_bits = 0;	/* every page in one bucket */
	assert_int_equal(run("pagelock-collision", coll_setup, NULL, NULL, &cfg,
			     PCSIM_STRATEGY_DFS, 0, 1, 0, &r),
			 0);
	assert_true(r.exhausted);
	pcsim_report_free(&r);
}

/* ---- more than 64 waiters of one page: bookmarks in wake_up_page_bit ----------------------- */
static void many_waiter(void *arg)
{
	wait_on_page_locked(arg);
}

static struct page *many_page;

static void many_unlocker(void *arg)
{
	struct page *p = arg;
	/* let every waiter queue itself first */
	struct wait_queue_head *q = page_waitqueue(p);
	for (;;) {
		int n = 0;
		unsigned long fl;
		spin_lock_irqsave(&q->lock, fl);
		for (struct list_head *l = pcsim__lnext(&q->head); l != &q->head; l = pcsim__lnext(l))
			n++;
		spin_unlock_irqrestore(&q->lock, fl);
		if (n == 70)
			break;
		cpu_relax();
	}
	unlock_page(p);
}

static void many_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	struct page *p = pcsim_page_alloc(w);
	PCSIM_SETUP_SET(p->flags, 1ul << PG_locked);
	for (int i = 0; i < 70; i++)
		pcsim_task_create(w, "waiter", many_waiter, p, i % 2);
	pcsim_task_create(w, "unlocker", many_unlocker, p, 1);
	many_page = p;
}

static void many_finish(struct pcsim_world *w, void *arg)
{
	(void)w;
	(void)arg;
	PCSIM_CHECK(!(PCSIM_SETUP_GET(many_page->flags) & (1ul << PG_waiters)), "bookmark",
		    "PG_waiters left set after every waiter was woken");
}

static void test_bookmark_walk_70_waiters(void **state)
{
	(void)state;
	struct pcsim_config cfg = pt_config(PCSIM_MEM_SC);
	struct pcsim_report r;
	cfg.checks = PCSIM_CHECK_DEFAULT;
	assert_int_equal(run("pagelock-70", many_setup,
			     pt_backend == PCSIM_BACKEND_SIM ? many_finish : NULL, NULL, &cfg,
			     PCSIM_STRATEGY_RANDOM, pt_backend == PCSIM_BACKEND_SIM ? 20 : 5, 2, 0,
			     &r),
			 0);
	pcsim_report_free(&r);
}

/* ---- killable waiters and fatal signals, both profiles ------------------------------------- */
struct kill {
	struct page *page;
	struct task_struct *victim;
	int ret;
};

static struct kill *kw;

static void holder(void *arg)
{
	struct kill *k = arg;
	lock_page(k->page);
	unlock_page(k->page);
}

static void victim(void *arg)
{
	struct kill *k = arg;
	k->ret = lock_page_killable(k->page);
	if (k->ret == 0) {
		PCSIM_CHECK(PageLocked(k->page), "P6", "lock_page_killable() returned 0 unlocked");
		unlock_page(k->page);
	}
	pcsim_return_to_user();
}

static void other(void *arg)
{
	struct kill *k = arg;
	lock_page(k->page);
	unlock_page(k->page);
}

static void kill_setup(struct pcsim_world *w, void *arg)
{
	struct kill *k = pcsim_alloc(w, sizeof(*k));
	k->page = pcsim_page_alloc(w);
	k->ret = 1;
	pcsim_task_create(w, "holder", holder, k, 0);
	k->victim = pcsim_task_create(w, "victim", victim, k, 1);
	if (arg)
		pcsim_task_create(w, "other", other, k, 1);
	pcsim_post_signal(w, k->victim, PCSIM_SIGKILL);
	kw = k;
}

static void kill_finish(struct pcsim_world *w, void *arg)
{
	(void)w;
	(void)arg;
	PCSIM_CHECK(!(PCSIM_SETUP_GET(kw->page->flags) & (1ul << PG_locked)), "P6",
		    "page left locked: a consumed wakeup was dropped");
}

static void test_killable_fatal_signal_both_profiles(void **state)
{
	(void)state;
	if (pt_backend != PCSIM_BACKEND_SIM)
		skip();
	for (int prof = 0; prof < 2; prof++) {
		struct pcsim_config cfg = pt_config(PCSIM_MEM_SC);
		struct pcsim_report r;
		pcsim_pagecache_config(&cfg)->lock_profile = prof;
		/* holder + killable victim: -EINTR never holds the lock, 0 always does, and the
		 * page is never left locked (P6's safety half), in every bounded schedule */
		assert_int_equal(run("pagelock-killable", kill_setup, kill_finish, NULL, &cfg,
				     PCSIM_STRATEGY_DFS, 0, 2, 0, &r),
				 0);
		assert_true(r.exhausted);
		pcsim_report_free(&r);
	}
}

/*
 * 5.9/5.10 (and folio_wait_bit_common() since) can drop the single exclusive wakeup, checked
 * against the kernel source (docs/pagecache.md, "P6 and fatal signals"): the victim breaks out
 * of its loop on the fatal signal; before its finish_wait() the unlocker's walk reaches its
 * still-queued entry, sets WOKEN (plain EXCLUSIVE: no handoff) and counts it; the victim then
 * returns -EINTR (no DONE) without the lock, and the other waiter sleeps with the page unlocked
 * until its next unlock. pcsim reproduces it (a deadlock when nobody unlocks again), traces it
 * as pagecache.p6_dropped, and reports it as P6 under PCSIM_CHECK_STRICT_P6.
 */
static void test_killable_exclusive_wakeup_dropped(void **state)
{
	(void)state;
	if (pt_backend != PCSIM_BACKEND_SIM)
		skip();
	struct pcsim_config cfg = pt_config(PCSIM_MEM_SC);
	struct pcsim_report r;
	assert_int_equal(run("pagelock-killable-2", kill_setup, kill_finish, (void *)1, &cfg,
			     PCSIM_STRATEGY_PCT, 10000, 2, 1, &r),
			 1);
	assert_int_equal(r.outcome, PCSIM_OUTCOME_DEADLOCK);
	assert_non_null(strstr(r.message, "T3 other"));
	assert_non_null(strstr(r.message, "page 0 bit 0 (lock)"));
	assert_true(r.confirmed);
	pcsim_report_free(&r);
	cfg.checks |= PCSIM_CHECK_STRICT_P6;
	assert_int_equal(run("pagelock-killable-2", kill_setup, kill_finish, (void *)1, &cfg,
			     PCSIM_STRATEGY_PCT, 10000, 2, 1, &r),
			 1);
	assert_string_equal(r.what, "P6");
	assert_true(r.confirmed);
	pcsim_report_free(&r);
}

/* ---- the async helpers: 0 => nothing armed, -EIOCBQUEUED => exactly one callback ----------- */
struct async_world {
	struct page *page;
	struct pcsim_async_waiter aw;
	struct task_struct *owner;
	pcsim_int fired;
	int ret;
	bool lock_mode;
	bool owner_holds;
};

static struct async_world *aws;

static void async_notify(struct pcsim_async_waiter *aw)
{
	struct async_world *a = aw->owner;
	WRITE_ONCE(a->fired, READ_ONCE(a->fired) + 1);
	wake_up_process(a->owner);
}

static void async_owner(void *arg)
{
	struct async_world *a = arg;
	pcsim_async_waiter_init(&a->aw, async_notify, a);
	if (a->lock_mode)
		a->ret = lock_page_async(a->page, &a->aw.wpq);
	else
		a->ret = wait_on_page_locked_async(a->page, &a->aw.wpq);
	PCSIM_CHECK(a->ret == 0 || a->ret == -EIOCBQUEUED, "A3", "returned %d", a->ret);
	if (a->ret == -EIOCBQUEUED) {
		/* wait for the callback, as io_uring's task_work retry would */
		for (;;) {
			set_current_state(TASK_UNINTERRUPTIBLE);
			if (READ_ONCE(a->fired))
				break;
			schedule();
		}
		__set_current_state(TASK_RUNNING);
		return;
	}
	if (a->lock_mode) {
		/* 0 from lock_page_async(): we hold the lock and no callback is armed */
		PCSIM_CHECK(PageLocked(a->page), "A2", "lock_page_async() returned 0 unlocked");
		unlock_page(a->page);
	}
}

static void async_unlocker(void *arg)
{
	struct async_world *a = arg;
	unlock_page(a->page);
	/* relock and unlock once more: a stray callback would fire a second time */
	lock_page(a->page);
	unlock_page(a->page);
}

static void async_stealer(void *arg)
{
	struct async_world *a = arg;
	/* takes the page between an unlock and its wake walk, if the schedule says so */
	if (trylock_page(a->page))
		unlock_page(a->page);
}

/* arg: bit 0 = lock mode, bit 1 = add a task that briefly re-takes the lock */
static void async_setup(struct pcsim_world *w, void *arg)
{
	struct async_world *a = pcsim_alloc(w, sizeof(*a));
	uintptr_t mode = (uintptr_t)arg;
	a->page = pcsim_page_alloc(w);
	a->lock_mode = mode & 1;
	PCSIM_SETUP_SET(a->page->flags, 1ul << PG_locked);	/* held by the unlocker */
	a->owner = pcsim_task_create(w, "async", async_owner, a, 0);
	pcsim_task_create(w, "unlocker", async_unlocker, a, 1);
	if (mode & 2)
		pcsim_task_create(w, "stealer", async_stealer, a, 0);
	aws = a;
}

static void async_finish(struct pcsim_world *w, void *arg)
{
	(void)w;
	(void)arg;
	int fired = PCSIM_SETUP_GET(aws->fired);
	if (aws->ret == -EIOCBQUEUED)
		PCSIM_CHECK(fired == 1, "A3", "-EIOCBQUEUED but the callback ran %d times", fired);
	else
		PCSIM_CHECK(fired == 0, "A2", "returned 0 but the callback ran %d times", fired);
	PCSIM_CHECK(!(PCSIM_SETUP_GET(aws->page->flags) & (1ul << PG_locked)), "end",
		    "page left locked");
}

static void test_async_contract(void **state)
{
	(void)state;
	if (pt_backend != PCSIM_BACKEND_SIM)
		skip();
	for (int lock = 0; lock < 2; lock++) {
		for (int mem = 0; mem < 2; mem++) {
			struct pcsim_config cfg = pt_config(mem ? PCSIM_MEM_TSO : PCSIM_MEM_SC);
			struct pcsim_report r;
			assert_int_equal(run("pagelock-async", async_setup, async_finish,
					     lock ? (void *)1 : NULL, &cfg, PCSIM_STRATEGY_DFS, 0,
					     2, 0, &r),
					 0);
			assert_true(r.exhausted);
			pcsim_report_free(&r);
		}
	}
}

/* ---- a frame freed and reused while a DROP waiter still points at it ------------------------ */
struct reuse {
	struct page *p, *q;
	unsigned gen_p;
};

static struct reuse *rw;

static void drop_waiter(void *arg)
{
	struct reuse *r = arg;
	/* holds one reference, which it gives up once queued (P7: never touches the page again) */
	put_and_wait_on_page_locked(r->p, TASK_UNINTERRUPTIBLE);
}

static void recycler(void *arg)
{
	struct reuse *r = arg;
	unlock_page(r->p);
	put_page(r->p);		/* the last reference, unless the waiter still holds one */
	/* the next allocation reuses the frame if it was freed: a new page, same struct */
	r->q = pcsim_page_alloc(pcsim_world_current());
	if (trylock_page(r->q))
		unlock_page(r->q);	/* may wake the stale waiter of the frame's old use */
}

static void reuse_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	struct reuse *r = pcsim_alloc(w, sizeof(*r));
	r->p = pcsim_page_alloc(w);
	PCSIM_SETUP_SET(r->p->_refcount, 2);	/* the recycler's and the waiter's */
	PCSIM_SETUP_SET(r->p->flags, 1ul << PG_locked);
	r->gen_p = r->p->gen;
	pcsim_task_create(w, "waiter", drop_waiter, r, 0);
	pcsim_task_create(w, "recycler", recycler, r, 1);
	rw = r;
}

static unsigned reused_runs, total_runs;

static void reuse_finish(struct pcsim_world *w, void *arg)
{
	(void)w;
	(void)arg;
	total_runs++;
	if (rw->q == rw->p) {
		reused_runs++;
		PCSIM_CHECK(rw->q->gen == rw->gen_p + 1, "reuse", "generation not bumped");
	}
}

static void test_recycled_frame_stale_waiter(void **state)
{
	(void)state;
	if (pt_backend != PCSIM_BACKEND_SIM)
		skip();
	for (int prof = 0; prof < 2; prof++) {
		struct pcsim_config cfg = pt_config(PCSIM_MEM_SC);
		struct pcsim_report r;
		pcsim_pagecache_config(&cfg)->lock_profile = prof;
		reused_runs = total_runs = 0;
		/* every schedule ends cleanly: the stale waiter is woken by the old use's unlock or
		 * by the new use's, and never touches the page after its put */
		assert_int_equal(run("pagelock-reuse", reuse_setup, reuse_finish, NULL, &cfg,
				     PCSIM_STRATEGY_DFS, 0, 2, 0, &r),
				 0);
		assert_true(r.exhausted);
		printf("profile %s: the frame came back as a new page in %u of %u executions\n",
		       prof ? "5.8" : "5.9", reused_runs, total_runs);
		assert_true(reused_runs > 0);
		pcsim_report_free(&r);
	}
}

/* ---- bug zoo: B-01, B-02, B-03 re-injected, found; with the switch off, DFS finds nothing -- */
static void zoo(unsigned bugno, uintptr_t mode, const char *expect_what)
{
	struct pcsim_config cfg = pt_config(PCSIM_MEM_SC);
	struct pcsim_report r;
	cfg.bugs = PCSIM_BUG(bugno);
	assert_int_equal(run("zoo", async_setup, async_finish, (void *)mode, &cfg,
			     PCSIM_STRATEGY_PCT, 10000, 2, 1, &r),
			 1);
	printf("B-%02u found in execution %llu: %s (%s)\n", bugno,
	       (unsigned long long)r.failing_execution, pcsim_outcome_name(r.outcome), r.what);
	if (expect_what)
		assert_string_equal(r.what, expect_what);
	assert_true(r.confirmed);
	pcsim_report_free(&r);
}

static void test_zoo_b01_b02_b03(void **state)
{
	(void)state;
	if (pt_backend != PCSIM_BACKEND_SIM)
		skip();
	zoo(1, 1, NULL);	/* "locked" without the lock: A2, or unlock of an unlocked page */
	zoo(2, 0, "A1");	/* check-then-enqueue: queued on an unlocked page, no wakeup coming */
	zoo(3, 2, NULL);	/* page_match never set: PG_waiters cleared under a waiter (P2) */
	/* With the switches off, the same scenarios survive DFS with preemption bound 2. */
	for (uintptr_t mode = 0; mode < 4; mode++) {
		struct pcsim_config cfg = pt_config(PCSIM_MEM_SC);
		struct pcsim_report r;
		assert_int_equal(run("zoo-clean", async_setup, async_finish, (void *)mode, &cfg,
				     PCSIM_STRATEGY_DFS, 0, 2, 0, &r),
				 0);
		assert_true(r.exhausted);
		pcsim_report_free(&r);
	}
}

int main(int argc, char **argv)
{
	pt_init(argc, argv);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mutual_exclusion_both_profiles),
		cmocka_unit_test(test_lock_handoff_terminates),
		cmocka_unit_test(test_hash_collision_bits0),
		cmocka_unit_test(test_bookmark_walk_70_waiters),
		cmocka_unit_test(test_killable_fatal_signal_both_profiles),
		cmocka_unit_test(test_killable_exclusive_wakeup_dropped),
		cmocka_unit_test(test_async_contract),
		cmocka_unit_test(test_recycled_frame_stale_waiter),
		cmocka_unit_test(test_user_wake_function_plugged),
		cmocka_unit_test(test_zoo_b01_b02_b03),
	};
	return cmocka_run_group_tests_name(pt_backend == PCSIM_BACKEND_SIM ? "pagelock_sim"
									  : "pagelock_threads",
					   tests, NULL, NULL);
}
