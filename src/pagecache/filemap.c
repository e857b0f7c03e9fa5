// SPDX-License-Identifier: MIT
/*
 * filemap.c - the page lock and page waits, written on pcsim's kernel-flavoured API.
 *
 * Models mm/filemap.c of 5.10 (S-FM510 in docs/kernel-semantics.md) function by function:
 * wake_page_function() (5.9+ WOKEN/DONE with handoff after sysctl_page_lock_unfairness steals,
 * and, as lock_profile 5.8, the pre-rewrite callback), wake_up_page_bit() with bookmarks and
 * the PG_waiters clearing rule, wait_on_page_bit_common() (EXCLUSIVE/SHARED/DROP; both
 * profiles), unlock_page() with the fused clear-and-test, __lock_page(),
 * __lock_page_killable(), wait_on_page_bit(_killable)(), put_and_wait_on_page_locked(),
 * add_page_wait_queue(), end_page_writeback() with its page pin (073861ed77b6), and the async
 * helpers of the 2020 series: __wait_on_page_locked_async(), lock_page_async() and
 * wait_on_page_locked_async(). wake_page_match() follows include/linux/pagemap.h (5.10).
 *
 * Kernel profiles (pcsim_config.kernel with lock_profile; docs/kernel-profiles.md): 5.8 takes
 * the pre-rewrite loop and callback; 5.9 and 5.10 the functions above, 5.9 without the
 * end_page_writeback() pin (5.10-rc6); 6.18 the folio functions of today's mm/filemap.c:
 * folio_wait_bit_common() (with the P6 fix under lock_profile 5.9-p6fix), folio_wake_bit()
 * without bookmarks, folio_unlock() and folio_end_read() with one XOR that reports PG_waiters,
 * folio_end_writeback() and __folio_lock_async().
 *
 * Re-injectable bugs (pcsim_config.bugs): B-01 (the lock-mode async helper reports success when
 * it merely sees the page unlocked), B-02 (check-then-enqueue in the async helper) and B-06
 * (the first posting of the 5.9 rewrite: plain flags and unlink in the wake function, a
 * lock-free emptiness test without acquire in finish_wait(); found under --mem weak only).
 */
#include <stdio.h>

#include <pcsim/cover.h>
#include <pcsim/kernel/barrier.h>
#include <pcsim/kernel/compiler.h>
#include <pcsim/kernel/folio.h>
#include <pcsim/kernel/pagemap.h>
#include <pcsim/trace.h>

#include "pagecache_int.h"

/* Trace events of the layer (docs/trace-schema.md): a = page frame number. */
static void r_pc(const struct pcsim_world *w, const struct pcsim_trace_event *e, char *buf,
		 size_t len)
{
	(void)w;
	snprintf(buf, len, "%s (page %llu)", e->str, (unsigned long long)e->a);
}

static const struct pcsim_trace_kind tk_arm = { "pagecache.async_arm", "pagecache", r_pc };
static const struct pcsim_trace_kind tk_clear = { "pagecache.clear_waiters", "pagecache", r_pc };
static const struct pcsim_trace_kind tk_cb = { "pagecache.async_callback", "pagecache", r_pc };

static inline bool profile_5_8(void)
{
	return lock_impl() == LOCK_5_8;
}

/* The P6 fix is asked for (lock_profile 5.9-p6fix): the 5.9/5.10 and 6.18 waits apply it. */
static inline bool p6fix(void)
{
	return pagecache_settings()->lock_profile == PCSIM_LOCK_PROFILE_5_9_P6FIX;
}

bool pcsim_wake_page_match(struct wait_page_queue *wait_page, struct wait_page_key *key)
{
	if (wait_page->page != key->page)
		return false;
	key->page_match = 1;

	if (wait_page->bit_nr != key->bit_nr)
		return false;

	return true;
}

/*
 * Three kinds of page waiter share one callback (docs/kernel-semantics.md 2.3), told apart by
 * the entry's flags:
 *  - none set: waiting for the bit to clear. Marked WOKEN, woken, taken off the queue.
 *  - EXCLUSIVE: wants the lock. If the bit is already set again the walk stops (-1) and the
 *    entry stays; otherwise it is woken and must race for the bit itself.
 *  - EXCLUSIVE|CUSTOM: has lost the race page_lock_unfairness times. The walker sets the bit
 *    for it and marks DONE: the lock is handed over.
 */
int pcsim__wake_page_function(wait_queue_entry_t *wait, unsigned mode, int sync, void *arg)
{
	unsigned int flags;
	struct wait_page_key *key = arg;
	struct wait_page_queue *wait_page = container_of(wait, struct wait_page_queue, wait);

	if (!wake_page_match(wait_page, key))
		return 0;

	if (profile_5_8()) {
		/* <= 5.8: stop the walk if somebody re-took the bit; else wake and dequeue. */
		if (test_bit(key->bit_nr, &key->page->flags))
			return -1;
		pcsim_cover(PCSIM_COV_WPF58_WOKEN);
		return autoremove_wake_function(wait, mode, sync, key);
	}

	/* Handoff: take the bit on the waiter's behalf; if someone holds it, stop the walk. */
	flags = READ_ONCE(wait->flags);
	if (flags & WQ_FLAG_EXCLUSIVE) {
		if (test_bit(key->bit_nr, &key->page->flags))
			return -1;
		if (flags & WQ_FLAG_CUSTOM) {
			if (test_and_set_bit(key->bit_nr, &key->page->flags))
				return -1;
			flags |= WQ_FLAG_DONE;
		}
	}

	/*
	 * The waiter reads its flags without the bucket lock, so they are published with one
	 * release store before the wakeup (pairs with the load-acquire in
	 * wait_on_page_bit_common_5_9()).
	 */
	if (unlikely(bug(6))) {
		/* B-06: the first posting: plain flag store, wake, full barrier, plain unlink. */
		WRITE_ONCE(wait->flags, flags | WQ_FLAG_WOKEN);
		wake_up_state(wait->private, mode);
		smp_mb();
		list_del_init(&wait->entry);
		return (flags & WQ_FLAG_EXCLUSIVE) != 0;
	}
	smp_store_release(&wait->flags, flags | WQ_FLAG_WOKEN);
	wake_up_state(wait->private, mode);

	/*
	 * Unlinking is the last access to the entry: once the waiter sees it unlinked
	 * (list_empty_careful() in finish_wait(), the pair of this careful unlink) it may return
	 * and reuse the stack the entry lives on.
	 */
	list_del_init_careful(&wait->entry);
	pcsim_cover_ret(PCSIM_COV_WPF_SHARED, pcsim_cover_wpf(flags));
	return (flags & WQ_FLAG_EXCLUSIVE) != 0;
}

/*
 * folio_wake_bit() (6.18, S-FMnew): the walk of wake_up_page_bit() without bookmarks, one
 * __wake_up_locked_key() under one hold of the bucket lock ("filemap: Remove use of wait
 * bookmarks", M. Wilcox), then the same PG_waiters rule.
 */
static void folio_wake_bit(struct folio *folio, int bit_nr)
{
	wait_queue_head_t *q = folio_waitqueue(folio);
	struct wait_page_key key;
	unsigned long flags;

	key.folio = folio;
	key.bit_nr = bit_nr;
	key.page_match = 0;

	spin_lock_irqsave(&q->lock, flags);
	__wake_up_locked_key(q, TASK_NORMAL, &key);

	/* as in 5.10: another folio's entries in the bucket keep PG_waiters set (one slow path
	 * later, never a lost wakeup) */
	if (!waitqueue_active(q) || !key.page_match) {
		pcsim__pagecache_check_p2(q, folio);
		pcsim_trace_emit(&tk_clear, 0, 0, folio->pfn, key.page_match,
				 key.page_match
					 ? "folio_wake_bit(): bucket empty, PG_waiters cleared"
					 : "folio_wake_bit(): no entry matched the folio, "
					   "PG_waiters cleared");
		folio_clear_waiters(folio);
	}
	pcsim__pagecache_walk_report();
	spin_unlock_irqrestore(&q->lock, flags);
}

void pcsim_wake_up_page_bit(struct page *page, int bit_nr)
{
	wait_queue_head_t *q;
	struct wait_page_key key;
	unsigned long flags;
	wait_queue_entry_t bookmark;

	if (pagecache_kernel() == PCSIM_KERNEL_6_18) {
		folio_wake_bit(page, bit_nr);
		return;
	}
	q = page_waitqueue(page);
	key.page = page;
	key.bit_nr = bit_nr;
	key.page_match = 0;

	PCSIM_SETUP_SET(bookmark.flags, 0);
	bookmark.private = NULL;
	bookmark.func = NULL;
	INIT_LIST_HEAD(&bookmark.entry);

	spin_lock_irqsave(&q->lock, flags);
	__wake_up_locked_key_bookmark(q, TASK_NORMAL, &key, &bookmark);

	while (READ_ONCE(bookmark.flags) & WQ_FLAG_BOOKMARK) {
		/* Drop the lock between chunks so others can take it; the bookmark marks where
		 * the walk resumes. */
		spin_unlock_irqrestore(&q->lock, flags);
		cpu_relax();
		spin_lock_irqsave(&q->lock, flags);
		__wake_up_locked_key_bookmark(q, TASK_NORMAL, &key, &bookmark);
	}

	/*
	 * PG_waiters goes only when no entry of this page was met (page_match) or the bucket is
	 * empty. Entries of other pages hashed to the same bucket keep it set even when this page
	 * has no waiter left; the next wakeup of this page clears it then. That costs one slow
	 * path, never a lost wakeup.
	 */
	if (!waitqueue_active(q) || !key.page_match) {
		pcsim__pagecache_check_p2(q, page);
		pcsim_trace_emit(&tk_clear, 0, 0, page->pfn, key.page_match,
				 key.page_match ? "wake_up_page_bit(): bucket empty, PG_waiters cleared"
						: "wake_up_page_bit(): no entry matched the page, "
						  "PG_waiters cleared");
		ClearPageWaiters(page);
	}
	/* what the callbacks of this walk did wrong (P2/A4, P5, P9, P10), now that the
	 * trace shows the PG_waiters decision */
	pcsim__pagecache_walk_report();
	spin_unlock_irqrestore(&q->lock, flags);
}

/* Returns whether it walked (pcsim: the P8 check needs to know). */
static bool wake_up_page(struct page *page, int bit)
{
	if (!PageWaiters(page))
		return false;
	wake_up_page_bit(page, bit);
	return true;
}

/* What a waiter wants from wait_on_page_bit_common(). */
enum behavior {
	EXCLUSIVE,	/* the bit itself (the page lock); keeps its page reference */
	SHARED,		/* the bit to be clear (writeback); keeps its page reference */
	DROP,		/* one wakeup; gives its page reference up before sleeping */
};

/* The last synchronous try, under the bucket lock: take (or test) the bit; WOKEN|DONE if so. */
static inline bool trylock_page_bit_common(struct page *page, int bit_nr,
					   struct wait_queue_entry *wait)
{
	if (READ_ONCE(wait->flags) & WQ_FLAG_EXCLUSIVE) {
		if (test_and_set_bit(bit_nr, &page->flags))
			return false;
	} else if (test_bit(bit_nr, &page->flags)) {
		return false;
	}

	WRITE_ONCE(wait->flags, READ_ONCE(wait->flags) | WQ_FLAG_WOKEN | WQ_FLAG_DONE);
	return true;
}

/*
 * B-06 re-injected: finish_wait() as the first posting of the rewrite paired it, its lock-free
 * emptiness test reading both links without acquire, so a weakly ordered CPU may read the flags
 * after it from before the waker's unlink.
 */
static void finish_wait_b06(wait_queue_head_t *q, struct wait_queue_entry *wait)
{
	unsigned long flags;
	struct list_head *next;

	__set_current_state(TASK_RUNNING);
	pcsim_point();
	next = pcsim__lnext(&wait->entry);	/* list_empty_careful() without the acquire */
	if (next == &wait->entry && pcsim__lprev(&wait->entry) == &wait->entry)
		return;
	spin_lock_irqsave(&q->lock, flags);
	list_del_init(&wait->entry);
	spin_unlock_irqrestore(&q->lock, flags);
}

/* 5.9+ (2a9127fcf229, 5ef64cc8987a): the bit is tested, or taken, by the wake function. */
static int wait_on_page_bit_common_5_9(wait_queue_head_t *q, struct page *page, int bit_nr,
				       long state, enum behavior behavior)
{
	int unfairness = pagecache_settings()->page_lock_unfairness;
	struct wait_page_queue wait_page;
	wait_queue_entry_t *wait = &wait_page.wait;
	unsigned int wflags;

	init_wait(wait);
	wait->func = pcsim__pagecache(pcsim_world_current())->ops.wake_page_function;
	wait_page.page = page;
	wait_page.bit_nr = bit_nr;
	pcsim_obj_name(wait, "T%u's page wait", pcsim_task_id(current));
	pcsim_task_set_wchan("page %u bit %d (%s)", page->pfn, bit_nr,
			     behavior == EXCLUSIVE ? "lock" : behavior == SHARED ? "wait" : "drop");
	bool requeue = false;
	goto first;

repeat:
	requeue = true;
	pcsim_cover(PCSIM_COV_WOPBC_REQUEUE);
first:
	wflags = 0;
	if (behavior == EXCLUSIVE) {
		wflags = WQ_FLAG_EXCLUSIVE;
		if (--unfairness < 0)
			wflags |= WQ_FLAG_CUSTOM;
	}
	WRITE_ONCE(wait->flags, wflags);

	/*
	 * P3: publish first, then try. PG_waiters is set before the last try of the bit, so an
	 * unlocker either sees PG_waiters (and takes the slow path, which needs this bucket lock)
	 * or has already cleared the bit, which the try then sees. All of it under the bucket lock.
	 */
	if (unlikely(inject(PCSIM_INJECT_WAITER_TEST_FIRST))) {
		/* broken on purpose (tests): try first, publish after (P3) */
		bool got = trylock_page_bit_common(page, bit_nr, wait);
		spin_lock_irq(&q->lock);
		if (requeue)
			pcsim__pagecache_owed_resolve(wait, false);
		if (!got) {
			__add_wait_queue_entry_tail(q, wait);
			SetPageWaiters(page);
		} else {
			wflags |= WQ_FLAG_DONE;
		}
		spin_unlock_irq(&q->lock);
	} else {
		spin_lock_irq(&q->lock);
		/*
		 * P6 bookkeeping: queued again, so the counted wakeup was acted on. Under the
		 * bucket lock: the walker that counted it records it under the same lock, after
		 * the callback returned - and the waiter can see WOKEN and get here before that.
		 */
		if (requeue)
			pcsim__pagecache_owed_resolve(wait, false);
		SetPageWaiters(page);
		if (!trylock_page_bit_common(page, bit_nr, wait))
			__add_wait_queue_entry_tail(q, wait);
		else
			wflags |= WQ_FLAG_DONE;	/* pcsim: taken here, not handed over (P10) */
		spin_unlock_irq(&q->lock);
	}

	/* DROP waiters give up their reference now; from here on only the flags matter. */
	if (behavior == DROP) {
		put_page(page);
		pcsim_forbid_access(page, sizeof(*page), "P7");	/* pcsim: checked */
	}

	/* A waker may write wait->flags until finish_wait() or until we have seen WOKEN. */
	for (;;) {
		unsigned int flags;

		set_current_state(state);

		/* Not woken yet: a signal that the sleep state honours ends the wait. */
		flags = smp_load_acquire(&wait->flags);
		if (!(flags & WQ_FLAG_WOKEN)) {
			if (signal_pending_state(state, current))
				break;

			io_schedule();
			continue;
		}

		/* Woken: enough for SHARED and DROP. */
		if (behavior != EXCLUSIVE) {
			if (behavior == DROP && inject(PCSIM_INJECT_DROP_TOUCH))
				(void)PageLocked(page);	/* broken on purpose (tests): P7 */
			break;
		}

		/* Handed the lock by the waker. */
		if (flags & WQ_FLAG_DONE) {
			pcsim__pagecache_check_handoff(page, wflags);	/* P10 */
			break;
		}

		/* Woken without a handoff: race for the bit; on failure queue again (one less
		 * steal allowed before the next handoff). */
		if (unlikely(test_and_set_bit(bit_nr, &page->flags)))
			goto repeat;

		WRITE_ONCE(wait->flags, flags | WQ_FLAG_DONE);
		break;
	}

	/* After a signal this may leave PG_waiters set with no waiter: harmless, the next
	 * wakeup of the page clears it. */
	if (unlikely(bug(6)))
		finish_wait_b06(q, wait);
	else
		finish_wait(q, wait);

	/* Only now are the flags final (a waker may have marked us after the signal check). */
	wflags = READ_ONCE(wait->flags);
	/*
	 * The P6 fix (lock profile 5.9-p6fix): a counted wakeup (WOKEN) that did not hand us the
	 * lock (no DONE) is not dropped: try the bit once more and keep the lock if we get it. If
	 * another task got it instead, that task's unlock wakes the next waiter.
	 */
	bool passed_on = false;
	if (behavior == EXCLUSIVE && (wflags & WQ_FLAG_WOKEN) && !(wflags & WQ_FLAG_DONE) &&
	    p6fix()) {
		if (!test_and_set_bit(bit_nr, &page->flags))
			wflags |= WQ_FLAG_DONE;
		else
			passed_on = true;	/* pcsim: the holder's unlock walks again */
	}
	if (behavior == DROP)
		pcsim_allow_access(page);	/* the caller's business again (it must not) */
	/* P6: a counted wakeup ends with the lock, or (5.10, fatal signal) is dropped here */
	pcsim__pagecache_owed_resolve(wait, behavior == EXCLUSIVE && !(wflags & WQ_FLAG_DONE) &&
						    !passed_on);
	pcsim_cover_ret(PCSIM_COV_WOPBC_LOCKED, pcsim_cover_wopbc(behavior == EXCLUSIVE, wflags));
	if (behavior == EXCLUSIVE)
		return wflags & WQ_FLAG_DONE ? 0 : -EINTR;

	return wflags & WQ_FLAG_WOKEN ? 0 : -EINTR;
}

/* <= 5.8: enqueue, test, sleep, retry; a failed exclusive waiter re-queues at the tail. */
static int wait_on_page_bit_common_5_8(wait_queue_head_t *q, struct page *page, int bit_nr,
				       long state, enum behavior behavior)
{
	struct wait_page_queue wait_page;
	wait_queue_entry_t *wait = &wait_page.wait;
	int ret = 0;

	init_wait(wait);
	WRITE_ONCE(wait->flags, behavior == EXCLUSIVE ? WQ_FLAG_EXCLUSIVE : 0);
	wait->func = pcsim__wake_page_function;
	wait_page.page = page;
	wait_page.bit_nr = bit_nr;
	pcsim_task_set_wchan("page %u bit %d (%s)", page->pfn, bit_nr,
			     behavior == EXCLUSIVE ? "lock" : behavior == SHARED ? "wait" : "drop");

	for (;;) {
		bool bit_set;

		spin_lock_irq(&q->lock);
		/* P6: queued again (under the bucket lock, where the walker recorded it) */
		pcsim__pagecache_owed_resolve(wait, false);
		if (likely(list_empty(&wait->entry))) {
			__add_wait_queue_entry_tail(q, wait);
			SetPageWaiters(page);
		}
		set_current_state(state);
		spin_unlock_irq(&q->lock);

		bit_set = test_bit(bit_nr, &page->flags);
		if (behavior == DROP) {
			put_page(page);
			pcsim_forbid_access(page, sizeof(*page), "P7");	/* pcsim: checked */
		}

		if (likely(bit_set))
			io_schedule();

		if (behavior == EXCLUSIVE) {
			if (!test_and_set_bit_lock(bit_nr, &page->flags))
				break;
		} else if (behavior == SHARED) {
			if (!test_bit(bit_nr, &page->flags))
				break;
		}

		if (signal_pending_state(state, current)) {
			ret = -EINTR;
			break;
		}

		if (behavior == DROP) {
			/* The reference is gone: the page may already be another page. */
			break;
		}
	}

	finish_wait(q, wait);
	/*
	 * P6: a 5.8 exclusive waiter leaves with -EINTR only right after its own
	 * test_and_set_bit_lock() found the bit held: the holder's unlock walks the queue again,
	 * so a counted wakeup is passed on, never dropped (the 5.9 rewrite lost this).
	 */
	pcsim__pagecache_owed_resolve(wait, false);
	if (behavior == DROP)
		pcsim_allow_access(page);
	pcsim_cover_ret(PCSIM_COV_WOPBC58_OK, ret);
	return ret;
}

/*
 * folio_trylock_flag() (6.18): the last synchronous try, under the bucket lock: take (or test)
 * the bit; WOKEN|DONE if so.
 */
static inline bool folio_trylock_flag(struct folio *folio, int bit_nr,
				      struct wait_queue_entry *wait)
{
	if (READ_ONCE(wait->flags) & WQ_FLAG_EXCLUSIVE) {
		if (test_and_set_bit(bit_nr, folio_flags(folio, 0)))
			return false;
	} else if (test_bit(bit_nr, folio_flags(folio, 0))) {
		return false;
	}

	WRITE_ONCE(wait->flags, READ_ONCE(wait->flags) | WQ_FLAG_WOKEN | WQ_FLAG_DONE);
	return true;
}

/*
 * folio_wait_bit_common() (6.18, S-FMnew): the 5.9 rewrite with folio names and the 6.18
 * WQ_FLAG_* numbering (CUSTOM 0x04, DONE 0x08; WQ_FLAG_CUSTOM/_DONE follow the profile). The
 * thrashing accounting (delayacct, PSI) around it changes no page state and is left out.
 *
 * The P6 fix for today's kernel (lock_profile 5.9-p6fix; docs/findings/p6-current-kernel.md) is
 * the block marked "P6 fix" after finish_wait(): the only change to the function.
 */
static int folio_wait_bit_common(struct folio *folio, int bit_nr, long state,
				 enum behavior behavior)
{
	wait_queue_head_t *q = folio_waitqueue(folio);
	int unfairness = pagecache_settings()->page_lock_unfairness;
	struct wait_page_queue wait_page;
	wait_queue_entry_t *wait = &wait_page.wait;
	unsigned int wflags;

	init_wait(wait);
	wait->func = pcsim__pagecache(pcsim_world_current())->ops.wake_page_function;
	wait_page.folio = folio;
	wait_page.bit_nr = bit_nr;
	pcsim_obj_name(wait, "T%u's folio wait", pcsim_task_id(current));
	pcsim_task_set_wchan("folio %u bit %d (%s)", folio->pfn, bit_nr,
			     behavior == EXCLUSIVE ? "lock" : behavior == SHARED ? "wait" : "drop");
	bool requeue = false;
	goto first;

repeat:
	requeue = true;
first:
	wflags = 0;
	if (behavior == EXCLUSIVE) {
		wflags = WQ_FLAG_EXCLUSIVE;
		if (--unfairness < 0)
			wflags |= WQ_FLAG_CUSTOM;
	}
	WRITE_ONCE(wait->flags, wflags);

	/* Publish (PG_waiters, under the bucket lock), then the last try; queue if it fails. */
	spin_lock_irq(&q->lock);
	if (requeue)	/* P6 bookkeeping under the bucket lock, as in the 5.9 function */
		pcsim__pagecache_owed_resolve(wait, false);
	folio_set_waiters(folio);
	if (!folio_trylock_flag(folio, bit_nr, wait))
		__add_wait_queue_entry_tail(q, wait);
	else
		wflags |= WQ_FLAG_DONE;	/* pcsim: taken here, not handed over (P10) */
	spin_unlock_irq(&q->lock);

	if (behavior == DROP) {
		folio_put(folio);
		pcsim_forbid_access(folio, sizeof(*folio), "P7");	/* pcsim: checked */
	}

	/* Until finish_wait() or WOKEN, a waker may write wait->flags. */
	for (;;) {
		unsigned int flags;

		set_current_state(state);

		flags = smp_load_acquire(&wait->flags);
		if (!(flags & WQ_FLAG_WOKEN)) {
			if (signal_pending_state(state, current))
				break;

			io_schedule();
			continue;
		}

		if (behavior != EXCLUSIVE)
			break;

		if (flags & WQ_FLAG_DONE) {
			pcsim__pagecache_check_handoff(folio, wflags);	/* P10 */
			break;
		}

		/* woken without a handoff: race for the bit; queue again if it is gone */
		if (unlikely(test_and_set_bit(bit_nr, folio_flags(folio, 0))))
			goto repeat;

		WRITE_ONCE(wait->flags, flags | WQ_FLAG_DONE);
		break;
	}

	/* A signal may leave PG_waiters set with no waiter: the next wakeup clears it. */
	finish_wait(q, wait);

	/* The flags are stable only now. */
	wflags = READ_ONCE(wait->flags);
	/*
	 * P6 fix: a waiter that leaves the loop on a fatal signal can still have been chosen by a
	 * walk between its signal test and finish_wait(); if so it holds WOKEN without DONE, and
	 * the walk counted it as the one exclusive wakeup of that unlock and stopped. Dropping it
	 * here would leave the next waiter asleep on an unlocked folio. Instead try the bit once:
	 * with it, return 0 (the caller has the lock it asked for, and its unlock wakes the next
	 * waiter); without it, somebody else holds the lock, and that holder's unlock wakes them.
	 */
	bool passed_on = false;	/* pcsim: for the P6 check */
	if (p6fix() && behavior == EXCLUSIVE && (wflags & WQ_FLAG_WOKEN) &&
	    !(wflags & WQ_FLAG_DONE)) {
		if (!test_and_set_bit(bit_nr, folio_flags(folio, 0)))
			wflags |= WQ_FLAG_DONE;
		else
			passed_on = true;
	}
	if (behavior == DROP)
		pcsim_allow_access(folio);
	/*
	 * P6: a counted wakeup ends with the lock, is passed on (the fix found the bit held: its
	 * holder took it after the unlock that woke us, and its own unlock walks the queue again),
	 * or (fatal signal, unfixed) is dropped here.
	 */
	pcsim__pagecache_owed_resolve(wait, behavior == EXCLUSIVE && !(wflags & WQ_FLAG_DONE) &&
						    !passed_on);
	if (behavior == EXCLUSIVE)
		return wflags & WQ_FLAG_DONE ? 0 : -EINTR;

	return wflags & WQ_FLAG_WOKEN ? 0 : -EINTR;
}

static int wait_on_page_bit_common(wait_queue_head_t *q, struct page *page, int bit_nr,
				   long state, enum behavior behavior)
{
	might_sleep();
	pcsim__pagecache_check_page_sleep(page);	/* A7, A9 */
	switch (lock_impl()) {
	case LOCK_5_8:
		return wait_on_page_bit_common_5_8(q, page, bit_nr, state, behavior);
	case LOCK_6_18:
		return folio_wait_bit_common(page, bit_nr, state, behavior);
	default:
		return wait_on_page_bit_common_5_9(q, page, bit_nr, state, behavior);
	}
}

static void wait_on_page_bit(struct page *page, int bit_nr)
{
	wait_queue_head_t *q = page_waitqueue(page);
	wait_on_page_bit_common(q, page, bit_nr, TASK_UNINTERRUPTIBLE, SHARED);
}

static int wait_on_page_bit_killable(struct page *page, int bit_nr)
{
	wait_queue_head_t *q = page_waitqueue(page);
	return wait_on_page_bit_common(q, page, bit_nr, TASK_KILLABLE, SHARED);
}

int pcsim_put_and_wait_on_page_locked(struct page *page, long state)
{
	wait_queue_head_t *q;

	q = page_waitqueue(page);
	return wait_on_page_bit_common(q, page, PG_locked, state, DROP);
}

void pcsim_add_page_wait_queue(struct page *page, wait_queue_entry_t *waiter)
{
	wait_queue_head_t *q = page_waitqueue(page);
	unsigned long flags;

	spin_lock_irqsave(&q->lock, flags);
	__add_wait_queue_entry_tail(q, waiter);
	SetPageWaiters(page);
	spin_unlock_irqrestore(&q->lock, flags);
}

/**
 * unlock_page - release PG_locked; take the slow path only if PG_waiters was set.
 *
 * PG_waiters is bit 7 of the byte that holds PG_locked, so one atomic AND both clears the lock
 * (with release ordering) and reports, as the sign of the byte, whether waiters were marked
 * (P4). Waiters for other bits of the page share the bucket and re-check their own bit.
 */
/*
 * folio_xor_flags_has_waiters() (6.18): flip @mask in the flags with one atomic XOR with release
 * ordering and report whether PG_waiters was set in the same step (x86: the sign of the low
 * byte; PG_locked, PG_uptodate and PG_waiters are all in it).
 */
static bool folio_xor_flags_has_waiters(struct folio *folio, unsigned long mask)
{
	unsigned long old = pcsim_rmw(folio_flags(folio, 0), PCSIM_RMW_XOR, mask, PCSIM_MO_RELEASE);
	return (old & (1ul << PG_waiters)) != 0;
}

void pcsim_folio_unlock(struct folio *folio)
{
	_Static_assert(PG_waiters == 7 && PG_locked <= 7, "PG_locked and PG_waiters: low byte");
	if (!folio_test_locked(folio)) {
		pcsim_fail("unlock-page-unlocked",
			   "VM_BUG_ON_FOLIO(!folio_test_locked(folio)): folio_unlock() of page %u, "
			   "which is not locked", folio->pfn);
		return;
	}
	if (folio_xor_flags_has_waiters(folio, 1ul << PG_locked)) {
		uint32_t gen = pcsim__pagecache_wake_begin(folio);	/* pcsim: P3, P8 */
		folio_wake_bit(folio, PG_locked);
		pcsim__pagecache_wake_end(folio, gen, true, true);
	}
}

void pcsim_folio_end_read(struct folio *folio, bool success)
{
	unsigned long mask = 1ul << PG_locked;

	_Static_assert(PG_uptodate <= 7, "PG_uptodate must be in the low byte");
	if (!folio_test_locked(folio)) {
		pcsim_fail("end-read-not-locked",
			   "VM_BUG_ON_FOLIO(!folio_test_locked(folio)): folio_end_read() of "
			   "page %u, which is not locked", folio->pfn);
		return;
	}
	if (folio_test_uptodate(folio)) {
		pcsim_fail("end-read-uptodate",
			   "VM_BUG_ON_FOLIO(folio_test_uptodate(folio)): folio_end_read() of "
			   "page %u, which is already uptodate", folio->pfn);
		return;
	}
	if (likely(success))
		mask |= 1ul << PG_uptodate;
	/* the contents (data_tag, written before) are released by the same XOR: a reader that
	 * sees PG_uptodate (PageUptodate()'s smp_rmb()) sees them */
	if (folio_xor_flags_has_waiters(folio, mask)) {
		uint32_t gen = pcsim__pagecache_wake_begin(folio);
		folio_wake_bit(folio, PG_locked);
		pcsim__pagecache_wake_end(folio, gen, true, true);
	}
}

void pcsim_unlock_page(struct page *page)
{
	_Static_assert(PG_waiters == 7, "PG_waiters must be the sign bit of the low byte");
	if (pagecache_kernel() == PCSIM_KERNEL_6_18 &&
	    !inject(PCSIM_INJECT_UNLOCK_TEST_FIRST)) {
		pcsim_folio_unlock(page);
		return;
	}
	if (!PageLocked(page)) {
		pcsim_fail("unlock-page-unlocked",
			   "VM_BUG_ON_PAGE(!PageLocked(page)): unlock_page() of page %u, which is "
			   "not locked", page->pfn);
		return;
	}
	bool waiters;
	if (unlikely(inject(PCSIM_INJECT_UNLOCK_TEST_FIRST))) {
		/* broken on purpose (tests): the waiters bit read before the clear, apart */
		waiters = PageWaiters(page);
		unsigned long old = pcsim_rmw(&page->flags, PCSIM_RMW_AND, ~(1ul << PG_locked),
					      PCSIM_MO_RELEASE);
		pcsim__pagecache_check_unlock(page, old, waiters);	/* P4 */
	} else {
		waiters = clear_bit_unlock_is_negative_byte(PG_locked, &page->flags);
	}
	if (waiters) {
		uint32_t gen = pcsim__pagecache_wake_begin(page);	/* pcsim: P3, P8 */
		wake_up_page_bit(page, PG_locked);
		pcsim__pagecache_wake_end(page, gen, true, true);
	}
}

/**
 * end_page_writeback - clear PG_writeback and wake its waiters.
 */
void pcsim_end_page_writeback(struct page *page)
{
	/*
	 * P8: once PG_writeback is clear a truncation may free the page, and a freed frame may
	 * be reused before the wake walk below. A reference held across both keeps the walk on
	 * the same page (073861ed77b6).
	 */
	enum pcsim_kernel k = pagecache_kernel();
	/* tests: before 073861ed77b6 (5.10-rc6), which kernels 5.8 and 5.9 are */
	bool pin = !inject(PCSIM_INJECT_WRITEBACK_NO_PIN) && k != PCSIM_KERNEL_5_8 &&
		   k != PCSIM_KERNEL_5_9;
	if (pin)
		get_page(page);
	if (k == PCSIM_KERNEL_6_18) {
		/*
		 * folio_end_writeback() (6.18): __folio_end_writeback() clears PG_writeback and
		 * learns PG_waiters in one atomic XOR (6.18 keeps PG_writeback in the low byte;
		 * pcsim's is bit 15 of the same word, which one RMW covers as well).
		 */
		if (!folio_test_writeback(page)) {
			pcsim_fail("end-writeback-not-writeback",
				   "folio_end_writeback() of page %u without PG_writeback",
				   page->pfn);
		} else {
			uint32_t gen = pcsim__pagecache_wake_begin(page);
			bool waiters = folio_xor_flags_has_waiters(page, 1ul << PG_writeback);
			if (waiters)
				folio_wake_bit(page, PG_writeback);
			pcsim__pagecache_wake_end(page, gen, waiters, false);
		}
	} else {
		if (!TestClearPageWriteback(page))
			pcsim_fail("end-writeback-not-writeback",
				   "end_page_writeback() of page %u without PG_writeback",
				   page->pfn);
		uint32_t gen = pcsim__pagecache_wake_begin(page);
		smp_mb__after_atomic();
		pcsim__pagecache_wake_end(page, gen, wake_up_page(page, PG_writeback), false);
	}
	if (pin)
		put_page(page);
}

void pcsim_wait_on_page_writeback(struct page *page)
{
	while (PageWriteback(page))
		wait_on_page_bit(page, PG_writeback);
}

bool pcsim_trylock_page(struct page *page)
{
	return !test_and_set_bit_lock(PG_locked, &page->flags);
}

/* The sleeping half of lock_page(). */
static void __lock_page(struct page *__page)
{
	wait_queue_head_t *q = page_waitqueue(__page);
	wait_on_page_bit_common(q, __page, PG_locked, TASK_UNINTERRUPTIBLE, EXCLUSIVE);
}

static int __lock_page_killable(struct page *__page)
{
	wait_queue_head_t *q = page_waitqueue(__page);
	return wait_on_page_bit_common(q, __page, PG_locked, TASK_KILLABLE, EXCLUSIVE);
}

void pcsim_lock_page(struct page *page)
{
	might_sleep();
	if (!trylock_page(page))
		__lock_page(page);
}

int pcsim_lock_page_killable(struct page *page)
{
	might_sleep();
	if (!trylock_page(page))
		return __lock_page_killable(page);
	return 0;
}

void pcsim_wait_on_page_locked(struct page *page)
{
	if (PageLocked(page))
		wait_on_page_bit(page, PG_locked);
}

int pcsim_wait_on_page_locked_killable(struct page *page)
{
	if (!PageLocked(page))
		return 0;
	return wait_on_page_bit_killable(page, PG_locked);
}

/* ---------------------------------------------------------------------------------------------
 * The async helpers (the 2020 series; docs/kernel-semantics.md section 3.1)
 */
/*
 * __folio_lock_async() (6.18, S-FMnew): the lock mode of __wait_on_page_locked_async(), the only
 * one left (filemap_update_page() calls it after its own trylock failed). B-01 and B-02 stay
 * re-injectable in it as in 5.10's helper.
 */
int pcsim___folio_lock_async(struct folio *folio, struct wait_page_queue *wait, bool set)
{
	struct wait_queue_head *q;
	int ret;

	if (!set)	/* no wait-only mode on 6.18: the 5.10 helper's */
		return pcsim___wait_on_page_locked_async(folio, wait, false);
	q = folio_waitqueue(folio);
	pcsim__pagecache_note_page_func(pcsim_world_current(), wait->wait.func);
	wait->folio = folio;
	wait->bit_nr = PG_locked;

	spin_lock_irq(&q->lock);
	if (bug(2)) {
		/* B-02 (v1): try first, then publish */
		ret = 0;
		if (!folio_trylock(folio)) {
			__add_wait_queue_entry_tail(q, &wait->wait);
			folio_set_waiters(folio);
			ret = -EIOCBQUEUED;
		}
		spin_unlock_irq(&q->lock);
		return ret;
	}
	__add_wait_queue_entry_tail(q, &wait->wait);
	folio_set_waiters(folio);
	ret = bug(1) ? folio_test_locked(folio) : !folio_trylock(folio);	/* B-01 */
	/* still under the bucket lock: no walker has seen the entry, the callback cannot run */
	if (!ret)
		__remove_wait_queue(q, &wait->wait);
	else
		ret = -EIOCBQUEUED;
	pcsim_trace_emit(&tk_arm, 0, 0, folio->pfn, (uint64_t)(int64_t)ret,
			 ret ? "__folio_lock_async(): callback armed, -EIOCBQUEUED"
			     : "__folio_lock_async(): locked after publishing, not armed");
	spin_unlock_irq(&q->lock);
	return ret;
}

int pcsim___wait_on_page_locked_async(struct page *page, struct wait_page_queue *wait,
				      bool set)
{
	struct wait_queue_head *q = page_waitqueue(page);
	int ret = 0;

	pcsim__pagecache_note_page_func(pcsim_world_current(), wait->wait.func);
	wait->page = page;
	wait->bit_nr = PG_locked;

	spin_lock_irq(&q->lock);
	if (bug(2)) {
		/* B-02 (v1): test (or try) first, then publish: an unlock that slips in between
		 * finds PG_waiters clear, takes the fast path, and nobody calls us back. */
		if (set ? !trylock_page(page) : PageLocked(page)) {
			__add_wait_queue_entry_tail(q, &wait->wait);
			SetPageWaiters(page);
			ret = -EIOCBQUEUED;
		}
		spin_unlock_irq(&q->lock);
		return ret;
	}
	__add_wait_queue_entry_tail(q, &wait->wait);
	SetPageWaiters(page);
	if (set && !bug(1))
		ret = !trylock_page(page);
	else
		ret = PageLocked(page);	/* B-01: "unlocked" taken for "locked by us" */
	/*
	 * A2: still under the bucket lock, so no walker can have reached the entry: taking it
	 * off now guarantees the callback will not run for this call.
	 */
	if (!ret)
		__remove_wait_queue(q, &wait->wait);
	else
		ret = -EIOCBQUEUED;
	pcsim_trace_emit(&tk_arm, 0, 0, page->pfn, (uint64_t)(int64_t)ret,
			 ret ? (set ? "lock_page_async(): callback armed, -EIOCBQUEUED"
				    : "wait_on_page_locked_async(): callback armed, -EIOCBQUEUED")
			     : (set ? "lock_page_async(): locked after publishing, not armed"
				    : "wait_on_page_locked_async(): unlocked, not armed"));
	spin_unlock_irq(&q->lock);
	pcsim_cover_ret(set ? PCSIM_COV_LPA_LOCKED : PCSIM_COV_WPLA_UNLOCKED, ret);
	return ret;
}

int pcsim__wait_on_page_locked_async_ops(struct page *page, struct wait_page_queue *wait,
					 bool set)
{
	struct pagecache_layer *L = pcsim__pagecache(pcsim_world_current());
	pcsim__pagecache_note_page_func(pcsim_world_current(), wait->wait.func);
	pcsim__pagecache_check_arm(page);	/* A9 */
	int ret = L->ops.wait_async(page, wait, set);
	pcsim__pagecache_check_async_ret(page, wait, set, ret);	/* A2, A3 */
	if (ret == -EIOCBQUEUED)
		pcsim__pagecache_note_armed();	/* A3, A5 */
	return ret;
}

int pcsim_lock_page_async(struct page *page, struct wait_page_queue *wait)
{
	if (!trylock_page(page))
		return pcsim__wait_on_page_locked_async_ops(page, wait, true);
	pcsim_cover(PCSIM_COV_LPA_TRYLOCK);
	return 0;
}

int pcsim_wait_on_page_locked_async(struct page *page, struct wait_page_queue *wait)
{
	if (!PageLocked(page))
		return 0;
	return pcsim__wait_on_page_locked_async_ops(page, wait, false);
}

/*
 * The reference async callback (io_async_buf_func() of fs/io_uring.c, 5.10, without the
 * io_uring parts): match, clear "armed", unlink itself under the bucket lock, notify.
 */
int pcsim_async_page_wake_function(struct wait_queue_entry *wait, unsigned mode, int sync,
				   void *arg)
{
	struct wait_page_key *key = arg;
	struct wait_page_queue *wpq = container_of(wait, struct wait_page_queue, wait);
	struct pcsim_async_waiter *aw = container_of(wpq, struct pcsim_async_waiter, wpq);

	(void)mode;
	(void)sync;
	if (bug(3)) {
		/* B-03 (v1): compare page and bit by hand, stop if relocked, never set
		 * page_match: wake_up_page_bit() then thinks the page has no waiter. */
		if (wpq->page != key->page || wpq->bit_nr != key->bit_nr)
			return 0;
		if (test_bit(key->bit_nr, &key->page->flags))
			return -1;
	} else if (!wake_page_match(wpq, key)) {
		return 0;
	}

	list_del_init(&wait->entry);
	pcsim_trace_emit(&tk_cb, 0, 0, wpq->page->pfn, 0,
			 "async callback: unlinked itself, queues the retry");
	aw->notify(aw);
	return 1;
}

void pcsim_async_waiter_init(struct pcsim_async_waiter *aw,
			     void (*notify)(struct pcsim_async_waiter *aw), void *owner)
{
	aw->notify = notify;
	aw->owner = owner;
	aw->wpq.wait.func = pcsim_async_page_wake_function;
	aw->wpq.wait.private = aw;
	pcsim_obj_name(&aw->wpq.wait, "async waiter of T%u",
		       current ? pcsim_task_id(current) : 0);
	WRITE_ONCE(aw->wpq.wait.flags, 0);
	INIT_LIST_HEAD(&aw->wpq.wait.entry);
}
