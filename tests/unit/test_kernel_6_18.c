// SPDX-License-Identifier: MIT
/*
 * Description: the 6.18 kernel profile of the page cache and the wait queues
 * (docs/kernel-profiles.md): every row of docs/kernel-semantics.md 3.4 (the read path under
 * IOCB_WAITQ), the wake walk without bookmarks, the renumbered WQ_FLAG_* bits, folio_end_read()'s
 * single atomic step, __folio_lock_async(), and that the same programs give the 5.10 answers at
 * kernel=5.10 where 5.10 differs.
 * Kernel reference: mm/filemap.c (filemap_read, filemap_get_pages, filemap_update_page,
 * __folio_lock_async, folio_wait_bit_common, folio_wake_bit, folio_unlock, folio_end_read),
 * kernel/sched/wait.c and include/linux/wait.h after "sched: Remove wait bookmarks".
 * What to look for in the trace: "__folio_lock_async(): callback armed", "folio_wake_bit()".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcsim_test.h"

#include <pcsim/kernel/compiler.h>
#include <pcsim/kernel/pagemap.h>
#include <pcsim/kernel/sched.h>

#define FILE_SIZE (4 * 4096)

/* ---------------------------------------------------------------------------------------------
 * A read harness: the WAITQ attempt of io_read(), its retry after the callback, and io-wq
 */
enum page_state { ABSENT, CACHED, CACHED_NOT_UPTODATE, IN_FLIGHT, IN_FLIGHT_EIO };

struct kp {
	int kernel;
	enum page_state page[2];
	unsigned ra_pages;
	bool eio;		/* the device offers -EIO on its completions */
	bool truncate;		/* a task truncates page 0 at a moment the search picks */
	bool blocking;		/* a plain blocking read instead of the ring's attempts */
	int64_t pos;
	size_t len;
	unsigned inject;
};

struct rd {
	struct pcsim_bdev bdev;
	struct address_space *m;
	struct pcsim_async_waiter aw;
	pcsim_int fired;
	struct task_struct *reader;
	unsigned char buf[2 * 4096];
	/* the WAITQ attempt, the retry after its callback, the end */
	long first, retry, final;
};

static struct kp K;
static struct rd *cur;

/* What the exhaustive search saw, over all executions: each a small set of results. */
#define NSEEN 8
struct seen {
	long v[NSEEN];
	unsigned n;
};
static struct seen s_first, s_retry, s_final;

static void seen_add(struct seen *s, long v)
{
	for (unsigned i = 0; i < s->n; i++)
		if (s->v[i] == v)
			return;
	if (s->n < NSEEN)
		s->v[s->n++] = v;
}

static bool seen_has(const struct seen *s, long v)
{
	for (unsigned i = 0; i < s->n; i++)
		if (s->v[i] == v)
			return true;
	return false;
}

/* every value seen is one of @n values of @ok */
static bool seen_only(const struct seen *s, const long *ok, unsigned n)
{
	for (unsigned i = 0; i < s->n; i++) {
		bool found = false;
		for (unsigned j = 0; j < n; j++)
			found |= s->v[i] == ok[j];
		if (!found) {
			fprintf(stderr, "unexpected result %ld\n", s->v[i]);
			return false;
		}
	}
	return true;
}

static void notify(struct pcsim_async_waiter *aw)
{
	struct rd *r = aw->owner;
	WRITE_ONCE(r->fired, 1);
	wake_up_process(r->reader);
}

static void wait_fired(struct rd *r)
{
	for (;;) {
		set_current_state(TASK_UNINTERRUPTIBLE);
		if (READ_ONCE(r->fired))
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);
}

#define NOT_RUN 1	/* a result slot no attempt filled */

static void reader(void *arg)
{
	struct rd *r = arg;
	struct kiocb iocb = { r->m, K.pos, 0, NULL };
	struct iov_iter it = { r->buf, K.len, 0 };
	long ret;

	r->first = r->retry = NOT_RUN;
	if (K.blocking) {
		r->final = pcsim_read_iter(&iocb, &it, 0);
		goto check;
	}
	/* io_read()'s armed attempt: IOCB_WAITQ with the callback prepared */
	pcsim_async_waiter_init(&r->aw, notify, r);
	iocb.ki_waitq = &r->aw.wpq;
	iocb.ki_flags = IOCB_WAITQ;
	ret = r->first = pcsim_read_iter(&iocb, &it, 0);
	if (ret == -EIOCBQUEUED) {
		/* the task_work retry after the callback: IOCB_WAITQ again (may re-arm) */
		wait_fired(r);
		pcsim_async_waiter_init(&r->aw, notify, r);
		WRITE_ONCE(r->fired, 0);
		iocb.ki_flags = IOCB_WAITQ;
		ret = r->retry = pcsim_read_iter(&iocb, &it, 0);
		if (ret == -EIOCBQUEUED) {
			wait_fired(r);
			iocb.ki_flags = 0;
			ret = pcsim_read_iter(&iocb, &it, 0);
		}
	}
	/* -EAGAIN: io-wq's blocking attempt */
	if (ret == -EAGAIN) {
		iocb.ki_flags = 0;
		ret = pcsim_read_iter(&iocb, &it, 0);
	}
	r->final = ret > 0 ? (long)it.done : ret;
check:
	for (size_t i = 0; i < it.done; i++)
		PCSIM_CHECK(r->buf[i] == pcsim_file_byte(r->m->id, (uint64_t)K.pos + i), "data",
			    "byte %zu wrong", i);
}

static void truncator(void *arg)
{
	struct rd *r = arg;
	(void)pcsim_truncate_page(r->m, 0);
}

struct inflight {
	struct page *p;
	bool eio;
};

/* The read that had the page locked at the start completes (the device's end of read). */
static void inflight_completion(void *arg)
{
	struct inflight *f = arg;
	if (!f->eio) {
		uint32_t index = (uint32_t)PCSIM_SETUP_GET(f->p->index);
		pcsim_store_np(&f->p->data_tag, ((uint64_t)cur->m->id << 32 | index) + 1,
			       PCSIM_MO_ONCE);
	}
	if (pcsim_world_config(pcsim_world_current())->kernel == PCSIM_KERNEL_6_18) {
		pcsim_folio_end_read(f->p, !f->eio);
	} else {
		if (!f->eio)
			SetPageUptodate(f->p);
		unlock_page(f->p);
	}
}

static void kp_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	struct rd *r = pcsim_alloc(w, sizeof(*r));
	pcsim_bdev_init(&r->bdev, 2, K.eio);
	r->m = pcsim_mapping_create(w, 9, FILE_SIZE, &r->bdev, K.ra_pages);
	cur = r;
	for (unsigned i = 0; i < 2; i++) {
		switch (K.page[i]) {
		case ABSENT:
			break;
		case CACHED:
			pcsim_mapping_populate(r->m, i, true, false);
			break;
		case CACHED_NOT_UPTODATE:
			pcsim_mapping_populate(r->m, i, false, false);
			break;
		case IN_FLIGHT:
		case IN_FLIGHT_EIO: {
			struct inflight *f = pcsim_alloc(w, sizeof(*f));
			f->p = pcsim_mapping_populate(r->m, i, false, true);
			f->eio = K.page[i] == IN_FLIGHT_EIO;
			struct pcsim_event_desc d = { "bio (earlier read)", PCSIM_CTX_HARDIRQ, 1, 0,
						      inflight_completion, f };
			pcsim_event_post(w, &d);
			break;
		}
		}
	}
	r->reader = pcsim_task_create(w, "reader", reader, r, 0);
	if (K.truncate)
		pcsim_task_create(w, "truncate", truncator, r, 1);
}

static void kp_finish(struct pcsim_world *w, void *arg)
{
	(void)w;
	(void)arg;
	seen_add(&s_first, cur->first);
	seen_add(&s_retry, cur->retry);
	seen_add(&s_final, cur->final);
	/* quiescence: nothing left locked */
	for (unsigned long i = 0; i < cur->m->nr_slots; i++) {
		struct page *p = PCSIM_SETUP_GET(cur->m->slots[i]);
		if (p)
			PCSIM_CHECK(!(PCSIM_SETUP_GET(p->flags) & (1ul << PG_locked)), "quiescence",
				    "page %lu left locked", i);
	}
}

/* Explore every schedule (DFS, preemption bound 2) of the read harness under @k. */
static int kp_run(struct kp k, int expect_fail, struct pcsim_report *r)
{
	struct pcsim_config cfg = pt_config(PCSIM_MEM_SC);
	memset(&s_first, 0, sizeof(s_first));
	memset(&s_retry, 0, sizeof(s_retry));
	memset(&s_final, 0, sizeof(s_final));
	K = k;
	cfg.kernel = (enum pcsim_kernel)k.kernel;
	cfg.inject = k.inject;
	/* DFS to the end at preemption bound 2; PCSIM_KP_BOUND lowers it (the default suite runs
	 * the two truncation rows, the largest spaces, at bound 1 and the soak label at 2) */
	const char *env = getenv("PCSIM_KP_BOUND");
	unsigned bound = env && *env ? (unsigned)atoi(env) : 2;
	int ret = pt_run("kernel-read", kp_setup, kp_finish, NULL, &cfg, PCSIM_STRATEGY_DFS, 0,
			 bound, expect_fail, r);
	if (!expect_fail)
		assert_true(r->exhausted);
	return ret;
}

/* ---------------------------------------------------------------------------------------------
 * docs/kernel-semantics.md 3.4, row by row (kernel=6.18)
 */

/* Row 1: folio cached and uptodate: copied, nothing armed. */
static void test_row_cached_uptodate(void **state)
{
	(void)state;
	struct pcsim_report r;
	struct kp k = { .kernel = PCSIM_KERNEL_6_18, .page = { CACHED, CACHED }, .pos = 100,
			.len = 5000 };
	assert_int_equal(kp_run(k, 0, &r), 0);
	pcsim_report_free(&r);
	const long ok[] = { 5000 };
	assert_true(seen_only(&s_first, ok, 1));
	assert_true(seen_only(&s_final, ok, 1));
}

/* Row 2: absent, readahead creates it (locked, I/O in flight): the lock attempt fails, the
 * callback is armed. (If the completion runs first the folio is uptodate and copied.) */
static void test_row_absent_readahead_arms(void **state)
{
	(void)state;
	struct pcsim_report r;
	struct kp k = { .kernel = PCSIM_KERNEL_6_18, .ra_pages = 4, .pos = 0, .len = 4096 };
	assert_int_equal(kp_run(k, 0, &r), 0);
	pcsim_report_free(&r);
	const long ok[] = { -EIOCBQUEUED, 4096 };
	assert_true(seen_has(&s_first, -EIOCBQUEUED));
	assert_true(seen_only(&s_first, ok, 2));
	const long fin[] = { 4096 };
	assert_true(seen_only(&s_final, fin, 1));
}

/*
 * Row 3: absent with readahead off. kernel-semantics.md 3.4 has -EAGAIN (to io-wq) here, but
 * 6.18's page_cache_sync_ra() reads the page asked for even with readahead disabled (a forced
 * one-page readahead; docs/kernel-profiles.md), so the folio is created and under I/O and the
 * read arms as in row 2 (or copies, if the I/O is done first); never -EAGAIN. 5.10 creates the
 * page in the read path, calls ->readpage under IOCB_WAITQ and arms.
 */
static void test_row_absent_no_readahead_eagain(void **state)
{
	(void)state;
	struct pcsim_report r;
	struct kp k = { .kernel = PCSIM_KERNEL_6_18, .pos = 0, .len = 4096 };
	assert_int_equal(kp_run(k, 0, &r), 0);
	pcsim_report_free(&r);
	const long ok[] = { -EIOCBQUEUED, 4096 };
	assert_true(seen_has(&s_first, -EIOCBQUEUED));
	assert_true(seen_only(&s_first, ok, 2));
	const long fin[] = { 4096 };
	assert_true(seen_only(&s_final, fin, 1));
	/* 5.10: no_cached_page + ->readpage + lock_page_async */
	k.kernel = PCSIM_KERNEL_5_10;
	assert_int_equal(kp_run(k, 0, &r), 0);
	pcsim_report_free(&r);
	assert_false(seen_has(&s_first, -EAGAIN));
	assert_true(seen_has(&s_first, -EIOCBQUEUED));
}

/* Row 4: cached, not uptodate, locked (a read in flight): armed. */
static void test_row_locked_in_flight_arms(void **state)
{
	(void)state;
	struct pcsim_report r;
	struct kp k = { .kernel = PCSIM_KERNEL_6_18, .page = { IN_FLIGHT }, .pos = 10,
			.len = 3000 };
	assert_int_equal(kp_run(k, 0, &r), 0);
	pcsim_report_free(&r);
	const long ok[] = { -EIOCBQUEUED, 3000 };
	assert_true(seen_has(&s_first, -EIOCBQUEUED));
	assert_true(seen_only(&s_first, ok, 2));
	/* Row 8: the callback fired with the folio uptodate: the retry copies */
	const long retry[] = { NOT_RUN, 3000 };
	assert_true(seen_has(&s_retry, 3000));
	assert_true(seen_only(&s_retry, retry, 2));
	const long fin[] = { 3000 };
	assert_true(seen_only(&s_final, fin, 1));
}

/* Row 5: cached, not uptodate, unlocked, nobody reading it: the lock is taken, the folio is
 * not uptodate: -EAGAIN (filemap never reads under IOCB_WAITQ). 5.10 calls ->readpage and
 * arms. */
static void test_row_unlocked_not_uptodate_eagain(void **state)
{
	(void)state;
	struct pcsim_report r;
	struct kp k = { .kernel = PCSIM_KERNEL_6_18, .page = { CACHED_NOT_UPTODATE }, .pos = 0,
			.len = 4096 };
	assert_int_equal(kp_run(k, 0, &r), 0);
	pcsim_report_free(&r);
	const long ok[] = { -EAGAIN };
	assert_true(seen_only(&s_first, ok, 1));
	const long fin[] = { 4096 };
	assert_true(seen_only(&s_final, fin, 1));
	k.kernel = PCSIM_KERNEL_5_10;
	assert_int_equal(kp_run(k, 0, &r), 0);
	pcsim_report_free(&r);
	assert_true(seen_has(&s_first, -EIOCBQUEUED));
	assert_false(seen_has(&s_first, -EAGAIN));
}

/* Row 6: truncated while we waited (mapping NULL once locked): AOP_TRUNCATED_PAGE, the lookup
 * is retried in the same call; every read ends with the file's bytes. */
static void test_row_truncated_retries_lookup(void **state)
{
	(void)state;
	struct pcsim_report r;
	struct kp k = { .kernel = PCSIM_KERNEL_6_18, .page = { IN_FLIGHT }, .truncate = true,
			.blocking = true, .pos = 0, .len = 4096 };
	assert_int_equal(kp_run(k, 0, &r), 0);
	pcsim_report_free(&r);
	const long fin[] = { 4096 };
	assert_true(seen_only(&s_final, fin, 1));
	/* the ring's attempts too */
	k.blocking = false;
	assert_int_equal(kp_run(k, 0, &r), 0);
	pcsim_report_free(&r);
	assert_true(seen_only(&s_final, fin, 1));
	/*
	 * The row broken on purpose: no page->mapping re-check after the lock. The read in flight
	 * fails, so the folio the reader holds can be truncated while still not uptodate, and the
	 * reader then reads a folio no longer in the file (A8).
	 */
	k.page[0] = IN_FLIGHT_EIO;
	k.blocking = true;
	k.inject = PCSIM_INJECT_NO_MAPPING_RECHECK;
	assert_int_equal(kp_run(k, 1, &r), 1);
	assert_string_equal(r.what, "A8");
	pcsim_report_free(&r);
}

/*
 * Not a row of 3.4: what the model found next to it (docs/kernel-profiles.md, "A stale wake
 * walk and filemap_read_folio()"). A failed read's completion clears PG_locked with PG_waiters
 * set and takes the bucket lock only afterwards; in between a reader can lock the folio, start
 * its own read and queue a SHARED wait in folio_wait_locked_killable(). The late walk wakes that
 * waiter for the old unlock (P9: a non-exclusive waiter is woken whatever the bit is now), and
 * filemap_read_folio() takes "woken" for "read done": it sees the folio not uptodate and
 * returns -EIO for a read that is still in flight and will succeed.
 */
static void test_row_truncated_stale_walk_eio(void **state)
{
	(void)state;
	struct pcsim_report r;
	struct kp k = { .kernel = PCSIM_KERNEL_6_18, .page = { IN_FLIGHT_EIO }, .truncate = true,
			.blocking = true, .pos = 0, .len = 4096 };
	assert_int_equal(kp_run(k, 0, &r), 0);
	pcsim_report_free(&r);
	const long fin[] = { 4096, -EIO };
	assert_true(seen_has(&s_final, -EIO));
	assert_true(seen_only(&s_final, fin, 2));
}

/* Row 7: earlier folios uptodate, the last locked: NOWAIT is forced, the last folio is dropped
 * from the batch and the earlier ones are returned as a short read (never -EIOCBQUEUED, A5). */
static void test_row_batch_short_read(void **state)
{
	(void)state;
	struct pcsim_report r;
	struct kp k = { .kernel = PCSIM_KERNEL_6_18, .page = { CACHED, IN_FLIGHT }, .pos = 0,
			.len = 8192 };
	assert_int_equal(kp_run(k, 0, &r), 0);
	pcsim_report_free(&r);
	const long ok[] = { 4096, 8192 };
	assert_true(seen_has(&s_first, 4096));
	assert_true(seen_only(&s_first, ok, 2));
}

/*
 * Not 6.18: the same batch on the older profiles. 5.10 returns the first page as a short read
 * (written > 0: no arming, 13bd691421bc and 0abed7c69b95); 5.9 final has neither fix and arms
 * after copying it (B-11's behaviour: A5).
 */
static void test_profile_5_9_arms_after_bytes(void **state)
{
	(void)state;
	struct pcsim_report r;
	struct kp k = { .kernel = PCSIM_KERNEL_5_10, .page = { CACHED, IN_FLIGHT }, .pos = 0,
			.len = 8192 };
	assert_int_equal(kp_run(k, 0, &r), 0);
	pcsim_report_free(&r);
	assert_true(seen_has(&s_first, 4096));
	k.kernel = PCSIM_KERNEL_5_9;
	assert_int_equal(kp_run(k, 1, &r), 1);
	assert_string_equal(r.what, "A5");
	pcsim_report_free(&r);
}

/* Row 9: the callback fired but the read failed (unlocked, not uptodate): the retry locks it,
 * finds it not uptodate and returns -EAGAIN; io-wq's blocking ->read_folio then reports -EIO
 * when the device fails again. */
static void test_row_io_error_eagain_then_eio(void **state)
{
	(void)state;
	struct pcsim_report r;
	struct kp k = { .kernel = PCSIM_KERNEL_6_18, .page = { IN_FLIGHT_EIO }, .eio = true,
			.pos = 0, .len = 4096 };
	assert_int_equal(kp_run(k, 0, &r), 0);
	pcsim_report_free(&r);
	const long retry[] = { NOT_RUN, -EAGAIN };
	assert_true(seen_has(&s_retry, -EAGAIN));
	assert_true(seen_only(&s_retry, retry, 2));
	const long fin[] = { -EIO, 4096 };
	assert_true(seen_has(&s_final, -EIO));
	assert_true(seen_only(&s_final, fin, 2));
}

/* ---------------------------------------------------------------------------------------------
 * The wake walk without bookmarks; WQ_FLAG_* numbering
 */
static unsigned calls, first_chunk, walk_bookmark_flags;

static int count_func(struct wait_queue_entry *e, unsigned mode, int sync, void *key)
{
	(void)e;
	(void)mode;
	(void)sync;
	(void)key;
	calls++;
	return 0;
}

struct walk {
	wait_queue_head_t q;
	wait_queue_entry_t e[3], bookmark;
	int left;
	unsigned bookmark_flags;
};

static void walk_task(void *arg)
{
	struct walk *wk = arg;
	init_waitqueue_func_entry(&wk->bookmark, NULL);
	INIT_LIST_HEAD(&wk->bookmark.entry);
	spin_lock_irq(&wk->q.lock);
	for (int i = 0; i < 3; i++) {
		init_waitqueue_func_entry(&wk->e[i], count_func);
		__add_wait_queue_entry_tail(&wk->q, &wk->e[i]);
	}
	/* an entry whose flags are the 6.18 CUSTOM bit: 5.10's BOOKMARK value */
	WRITE_ONCE(wk->e[2].flags, PCSIM_WQ618_FLAG_CUSTOM);
	calls = 0;
	wk->left = __wake_up_common(&wk->q, TASK_NORMAL, 0, 0, NULL, &wk->bookmark);
	wk->bookmark_flags = READ_ONCE(wk->bookmark.flags);
	first_chunk = calls;
	/* 5.10: the walk paused; finish it as __wake_up_common_lock() would */
	while (READ_ONCE(wk->bookmark.flags) & WQ_FLAG_BOOKMARK)
		__wake_up_common(&wk->q, TASK_NORMAL, 0, 0, NULL, &wk->bookmark);
	spin_unlock_irq(&wk->q.lock);
}

static struct walk *cur_walk;

static void walk_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	struct walk *wk = pcsim_alloc(w, sizeof(*wk));
	init_waitqueue_head(&wk->q);
	cur_walk = wk;
	pcsim_task_create(w, "waker", walk_task, wk, 0);
}

static void walk_finish(struct pcsim_world *w, void *arg)
{
	(void)w;
	(void)arg;
	walk_bookmark_flags = cur_walk->bookmark_flags;
}

static void walk_run(int kernel)
{
	struct pcsim_config cfg = pt_config(PCSIM_MEM_SC);
	struct pcsim_report r;
	cfg.kernel = (enum pcsim_kernel)kernel;
	pcsim_waitq_config(&cfg)->walk_break_cnt = 1;
	assert_int_equal(pt_run("walk", walk_setup, walk_finish, NULL, &cfg, PCSIM_STRATEGY_DFS, 1,
				0, 0, &r),
			 0);
	pcsim_report_free(&r);
}

static void test_walk_without_bookmarks(void **state)
{
	(void)state;
	/* 5.10 with walk_break=1: the first call pauses after two entries, and the third entry
	 * (flags 0x04 = WQ_FLAG_BOOKMARK there) is skipped as a bookmark */
	walk_run(PCSIM_KERNEL_5_10);
	assert_int_equal(walk_bookmark_flags, PCSIM_WQ_FLAG_BOOKMARK);
	assert_int_equal(first_chunk, 2);
	/* 6.18: one pass over all three, the bookmark untouched, 0x04 (CUSTOM) not skipped:
	 * walk_break has no effect */
	walk_run(PCSIM_KERNEL_6_18);
	assert_int_equal(walk_bookmark_flags, 0);
	assert_int_equal(first_chunk, 3);
}

static void test_wq_flag_values(void **state)
{
	(void)state;
	const struct pcsim_wq_flag_values *a = pcsim_wq_flags_of(PCSIM_KERNEL_5_10);
	const struct pcsim_wq_flag_values *b = pcsim_wq_flags_of(PCSIM_KERNEL_6_18);
	assert_int_equal(a->custom, 0x08);
	assert_int_equal(a->done, 0x10);
	assert_int_equal(a->bookmark, 0x04);
	assert_int_equal(b->exclusive, 0x01);
	assert_int_equal(b->woken, 0x02);
	assert_int_equal(b->custom, 0x04);
	assert_int_equal(b->done, 0x08);
	assert_int_equal(b->priority, 0x10);
	assert_int_equal(b->bookmark, 0);
	assert_ptr_equal(pcsim_wq_flags_of(PCSIM_KERNEL_5_9), a);
	assert_ptr_equal(pcsim_wq_flags_of(PCSIM_KERNEL_5_8), a);
}

/* A handoff waiter (unfairness 0: CUSTOM at once) as another task sees its queued entry. */
struct hand {
	struct page *p;
	pcsim_uint seen;
};

static void holder(void *arg)
{
	struct hand *h = arg;
	/* look at the bucket while the waiter may be queued, then unlock */
	wait_queue_head_t *q = page_waitqueue(h->p);
	spin_lock_irq(&q->lock);
	struct list_head *n = READ_ONCE(q->head.next);
	if (n != &q->head)
		WRITE_ONCE(h->seen, READ_ONCE(container_of(n, wait_queue_entry_t, entry)->flags));
	spin_unlock_irq(&q->lock);
	unlock_page(h->p);
}

static void handoff_waiter(void *arg)
{
	struct hand *h = arg;
	lock_page(h->p);
	unlock_page(h->p);
}

static unsigned hand_seen_mask;
static struct hand *cur_hand;

static void hand_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	struct hand *h = pcsim_alloc(w, sizeof(*h));
	h->p = pcsim_page_alloc(w);
	PCSIM_SETUP_SET(h->p->flags, 1ul << PG_locked);
	cur_hand = h;
	pcsim_task_create(w, "waiter", handoff_waiter, h, 0);
	pcsim_task_create(w, "holder", holder, h, 1);
}

static void hand_finish(struct pcsim_world *w, void *arg)
{
	(void)w;
	(void)arg;
	unsigned v = PCSIM_SETUP_GET(cur_hand->seen);
	if (v < 32)
		hand_seen_mask |= 1u << v;
}

static void hand_run(int kernel)
{
	struct pcsim_config cfg = pt_config(PCSIM_MEM_SC);
	struct pcsim_report r;
	cfg.kernel = (enum pcsim_kernel)kernel;
	pcsim_pagecache_config(&cfg)->page_lock_unfairness = 0;
	hand_seen_mask = 0;
	assert_int_equal(pt_run("handoff", hand_setup, hand_finish, NULL, &cfg, PCSIM_STRATEGY_DFS,
				0, 2, 0, &r),
			 0);
	assert_true(r.exhausted);
	pcsim_report_free(&r);
}

static void test_handoff_flags_renumbered(void **state)
{
	(void)state;
	/* queued for a handoff: EXCLUSIVE|CUSTOM */
	hand_run(PCSIM_KERNEL_6_18);
	assert_true(hand_seen_mask & (1u << (0x01 | 0x04)));
	assert_false(hand_seen_mask & (1u << (0x01 | 0x08)));
	hand_run(PCSIM_KERNEL_5_10);
	assert_true(hand_seen_mask & (1u << (0x01 | 0x08)));
	assert_false(hand_seen_mask & (1u << (0x01 | 0x04)));
}

/* ---------------------------------------------------------------------------------------------
 * folio_end_read(): uptodate and unlocked in one step
 */
struct er {
	struct page *p;
	struct inflight f;
	pcsim_int torn;		/* a look saw uptodate while still locked */
};

static struct er *cur_er;
static bool torn_seen;

static void looker(void *arg)
{
	struct er *e = arg;
	for (int i = 0; i < 3; i++) {
		unsigned long f = READ_ONCE(e->p->flags);
		if ((f & (1ul << PG_uptodate)) && (f & (1ul << PG_locked)))
			WRITE_ONCE(e->torn, 1);
	}
}

static void er_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	struct er *e = pcsim_alloc(w, sizeof(*e));
	struct pcsim_bdev *bdev = pcsim_alloc(w, sizeof(*bdev));
	pcsim_bdev_init(bdev, 1, false);
	struct address_space *m = pcsim_mapping_create(w, 3, 4096, bdev, 0);
	e->p = pcsim_mapping_populate(m, 0, false, true);
	/* the device's own completion (bdev.c) ends this read */
	pcsim_readpage(m, e->p);
	cur_er = e;
	pcsim_task_create(w, "looker", looker, e, 1);
}

static void er_finish(struct pcsim_world *w, void *arg)
{
	(void)w;
	(void)arg;
	torn_seen |= PCSIM_SETUP_GET(cur_er->torn) != 0;
	PCSIM_CHECK(PCSIM_SETUP_GET(cur_er->p->flags) & (1ul << PG_uptodate), "end-read",
		    "page not uptodate after its read");
	PCSIM_CHECK(!(PCSIM_SETUP_GET(cur_er->p->flags) & (1ul << PG_locked)), "end-read",
		    "page still locked after its read");
}

static void er_run(int kernel)
{
	struct pcsim_config cfg = pt_config(PCSIM_MEM_SC);
	struct pcsim_report r;
	cfg.kernel = (enum pcsim_kernel)kernel;
	torn_seen = false;
	assert_int_equal(pt_run("end-read", er_setup, er_finish, NULL, &cfg, PCSIM_STRATEGY_DFS, 0,
				2, 0, &r),
			 0);
	assert_true(r.exhausted);
	pcsim_report_free(&r);
}

static void test_folio_end_read_one_step(void **state)
{
	(void)state;
	er_run(PCSIM_KERNEL_5_10);	/* SetPageUptodate(), then unlock_page(): a window */
	assert_true(torn_seen);
	er_run(PCSIM_KERNEL_6_18);	/* folio_end_read(): none */
	assert_false(torn_seen);
}

/* ---------------------------------------------------------------------------------------------
 * __folio_lock_async() as the 6.18 wait_async plug
 */
static int async_ret[2];
static bool async_queued[2], async_locked[2];

static void al_task(void *arg)
{
	struct page *p = arg;
	struct pcsim_async_waiter aw;
	for (int i = 0; i < 2; i++) {
		pcsim_async_waiter_init(&aw, NULL, NULL);
		async_ret[i] = pcsim___folio_lock_async(p, &aw.wpq, true);
		async_locked[i] = PageLocked(p);
		wait_queue_head_t *q = page_waitqueue(p);
		spin_lock_irq(&q->lock);
		/* taken off with list_del() (poisoned) on success, or still linked */
		struct list_head *next = READ_ONCE(aw.wpq.wait.entry.next);
		async_queued[i] = next != &aw.wpq.wait.entry && next != PCSIM_LIST_POISON1;
		/* take it back: no unlock follows */
		if (async_queued[i])
			__remove_wait_queue(q, &aw.wpq.wait);
		spin_unlock_irq(&q->lock);
	}
	unlock_page(p);
}

static void al_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	struct page *p = pcsim_page_alloc(w);
	pcsim_task_create(w, "async", al_task, p, 0);
}

static void test_folio_lock_async(void **state)
{
	(void)state;
	struct pcsim_config cfg = pt_config(PCSIM_MEM_SC);
	struct pcsim_report r;
	cfg.kernel = PCSIM_KERNEL_6_18;
	cfg.checks = PCSIM_CHECK_LOCKDEP | PCSIM_CHECK_ATOMIC;	/* the entry is taken back */
	assert_ptr_equal(pcsim_pagecache_kernel_ops(PCSIM_KERNEL_6_18)->wait_async,
			 pcsim___folio_lock_async);
	assert_ptr_equal(pcsim_pagecache_kernel_ops(PCSIM_KERNEL_6_18)->buffered_read,
			 pcsim_filemap_read);
	assert_ptr_equal(pcsim_pagecache_kernel_ops(PCSIM_KERNEL_5_10),
			 pcsim_pagecache_default_ops());
	assert_int_equal(pt_run("folio-lock-async", al_setup, NULL, NULL, &cfg, PCSIM_STRATEGY_DFS,
				1, 0, 0, &r),
			 0);
	pcsim_report_free(&r);
	/* unlocked: taken, 0, nothing queued */
	assert_int_equal(async_ret[0], 0);
	assert_true(async_locked[0]);
	assert_false(async_queued[0]);
	/* locked (by us now): -EIOCBQUEUED with the entry queued */
	assert_int_equal(async_ret[1], -EIOCBQUEUED);
	assert_true(async_queued[1]);
}

int main(int argc, char **argv)
{
	pt_init(argc, argv);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_row_cached_uptodate),
		cmocka_unit_test(test_row_absent_readahead_arms),
		cmocka_unit_test(test_row_absent_no_readahead_eagain),
		cmocka_unit_test(test_row_locked_in_flight_arms),
		cmocka_unit_test(test_row_unlocked_not_uptodate_eagain),
		cmocka_unit_test(test_row_truncated_retries_lookup),
		cmocka_unit_test(test_row_truncated_stale_walk_eio),
		cmocka_unit_test(test_row_batch_short_read),
		cmocka_unit_test(test_row_io_error_eagain_then_eio),
		cmocka_unit_test(test_profile_5_9_arms_after_bytes),
		cmocka_unit_test(test_walk_without_bookmarks),
		cmocka_unit_test(test_wq_flag_values),
		cmocka_unit_test(test_handoff_flags_renumbered),
		cmocka_unit_test(test_folio_end_read_one_step),
		cmocka_unit_test(test_folio_lock_async),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
