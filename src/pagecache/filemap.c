// SPDX-License-Identifier: MIT
/*
 * filemap.c - the page lock and page waits, written on pcsim's kernel-flavoured API.
 *
 * Models mm/filemap.c of 5.10 (S-FM510 in SEMANTICS.md) function by function:
 * wake_page_function() (5.9+ WOKEN/DONE with handoff after sysctl_page_lock_unfairness steals,
 * and, as lock_profile 5.8, the pre-rewrite callback), wake_up_page_bit() with bookmarks and
 * the PG_waiters clearing rule, wait_on_page_bit_common() (EXCLUSIVE/SHARED/DROP; both
 * profiles), unlock_page() with the fused clear-and-test, __lock_page(),
 * __lock_page_killable(), wait_on_page_bit(_killable)(), put_and_wait_on_page_locked(),
 * add_page_wait_queue(), end_page_writeback() with its page pin (073861ed77b6), and the async
 * helpers of the 2020 series: __wait_on_page_locked_async(), lock_page_async() and
 * wait_on_page_locked_async(). wake_page_match() follows include/linux/pagemap.h (5.10).
 *
 * Re-injectable bugs (pcsim_config.bugs): B-01 (the lock-mode async helper reports success when
 * it merely sees the page unlocked) and B-02 (check-then-enqueue in the async helper).
 */
#include <stdio.h>

#include <pcsim/kernel/barrier.h>
#include <pcsim/kernel/compiler.h>
#include <pcsim/kernel/pagemap.h>
#include <pcsim/trace.h>

#include "pagecache/pagecache_int.h"

static inline bool bug(unsigned n)
{
	return (pcsim_world_config(pcsim_world_current())->bugs & PCSIM_BUG(n)) != 0;
}

static inline bool profile_5_8(void)
{
	return pcsim_world_config(pcsim_world_current())->lock_profile == PCSIM_LOCK_PROFILE_5_8;
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
 * The page wait code treats the "wait->flags" somewhat unusually, because we have multiple
 * different kinds of waits, not just the usual "exclusive" one (SEMANTICS.md 2.3):
 *  (a) no special bits set: we just wait for the bit to be released; the waker sets
 *      WQ_FLAG_WOKEN, wakes us and removes us from the queue;
 *  (b) WQ_FLAG_EXCLUSIVE: only one waiter should get the lock; the walk stops (-1) if the bit
 *      was taken again before we got to it; otherwise we are woken and race for the bit;
 *  (c) WQ_FLAG_EXCLUSIVE | WQ_FLAG_CUSTOM: robbed too often, the waker takes the bit on our
 *      behalf and sets WQ_FLAG_DONE: a fair handoff.
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
		return autoremove_wake_function(wait, mode, sync, key);
	}

	/*
	 * If it's a lock handoff wait, we get the bit for it, and stop walking (and release
	 * the wait queue lock) if that fails.
	 */
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
	 * We are holding the wait-queue lock, but the waiter that is waiting for this will be
	 * checking the flags without any locking.
	 *
	 * So update the flags atomically, and wake up the waiter afterwards to avoid any
	 * races. This store-release pairs with the load-acquire in wait_on_page_bit_common().
	 */
	smp_store_release(&wait->flags, flags | WQ_FLAG_WOKEN);
	wake_up_state(wait->private, mode);

	/*
	 * Ok, we have successfully done what we're waiting for, and we can unconditionally
	 * remove the wait entry. Note that this has to be the absolute last thing we do, since
	 * after list_del_init(&wait->entry) the wait entry might be de-allocated and the process
	 * might even have exited. Pairs with list_empty_careful() in finish_wait().
	 */
	list_del_init_careful(&wait->entry);
	return (flags & WQ_FLAG_EXCLUSIVE) != 0;
}

void pcsim_wake_up_page_bit(struct page *page, int bit_nr)
{
	wait_queue_head_t *q = page_waitqueue(page);
	struct wait_page_key key;
	unsigned long flags;
	wait_queue_entry_t bookmark;

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
		/*
		 * Take a breather from holding the lock, allow pages that finish wake up
		 * asynchronously to acquire the lock and remove themselves from wait queues.
		 */
		spin_unlock_irqrestore(&q->lock, flags);
		cpu_relax();
		spin_lock_irqsave(&q->lock, flags);
		__wake_up_locked_key_bookmark(q, TASK_NORMAL, &key, &bookmark);
	}

	/*
	 * It is possible for other pages to have collided on the waitqueue hash, so in that case
	 * check for a page match. That prevents a long-term waitqueue-active situation when pages
	 * die and are freed (and never get their waiters bit cleared). The imprecision is
	 * accepted: if we woke every waiter of this page but others remain, PG_waiters stays set
	 * until some later wakeup of this page clears it.
	 */
	if (!waitqueue_active(q) || !key.page_match) {
		pcsim__pagecache_check_p2(q, page);
		ClearPageWaiters(page);
	}
	spin_unlock_irqrestore(&q->lock, flags);
}

static void wake_up_page(struct page *page, int bit)
{
	if (!PageWaiters(page))
		return;
	wake_up_page_bit(page, bit);
}

/*
 * A choice of three behaviors for wait_on_page_bit_common():
 */
enum behavior {
	EXCLUSIVE,	/* Hold ref to page and take the bit when woken, like __lock_page() waiting
			 * on then setting PG_locked. */
	SHARED,		/* Hold ref to page and check the bit when woken, like
			 * wait_on_page_writeback() waiting on PG_writeback. */
	DROP,		/* Drop ref to page before wait, no check when woken, like
			 * put_and_wait_on_page_locked() on PG_locked. */
};

/*
 * Attempt to check (or get) the page bit, and mark us done if successful.
 */
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

/* 5.9+ (2a9127fcf229, 5ef64cc8987a): the bit is tested, or taken, by the wake function. */
static int wait_on_page_bit_common_5_9(wait_queue_head_t *q, struct page *page, int bit_nr,
				       long state, enum behavior behavior)
{
	int unfairness = pcsim_world_config(pcsim_world_current())->page_lock_unfairness;
	struct wait_page_queue wait_page;
	wait_queue_entry_t *wait = &wait_page.wait;
	unsigned int wflags;

	init_wait(wait);
	wait->func = pcsim__wake_page_function;
	wait_page.page = page;
	wait_page.bit_nr = bit_nr;
	pcsim_task_set_wchan("page %u bit %d (%s)", page->pfn, bit_nr,
			     behavior == EXCLUSIVE ? "lock" : behavior == SHARED ? "wait" : "drop");

repeat:
	wflags = 0;
	if (behavior == EXCLUSIVE) {
		wflags = WQ_FLAG_EXCLUSIVE;
		if (--unfairness < 0)
			wflags |= WQ_FLAG_CUSTOM;
	}
	WRITE_ONCE(wait->flags, wflags);

	/*
	 * Do one last check whether we can get the page bit synchronously.
	 *
	 * Do the SetPageWaiters() marking before that to let any waker we _just_ missed know
	 * they need to wake us up (otherwise they'll never even go to the slow case that looks
	 * at the page queue), and add ourselves to the wait queue if we need to sleep.
	 *
	 * This part needs to be done under the queue lock to avoid races.
	 */
	spin_lock_irq(&q->lock);
	SetPageWaiters(page);
	if (!trylock_page_bit_common(page, bit_nr, wait))
		__add_wait_queue_entry_tail(q, wait);
	spin_unlock_irq(&q->lock);

	/*
	 * From now on, all the logic will be based on the WQ_FLAG_WOKEN and WQ_FLAG_DONE flag,
	 * see whether the page bit testing has already been done by the wake function.
	 *
	 * We can drop our reference to the page.
	 */
	if (behavior == DROP)
		put_page(page);

	/*
	 * Note that until the "finish_wait()", or until we see the WQ_FLAG_WOKEN flag, we
	 * need to be very careful with the 'wait->flags', because we may race with a waker that
	 * sets them.
	 */
	for (;;) {
		unsigned int flags;

		set_current_state(state);

		/* Loop until we've been woken or interrupted */
		flags = smp_load_acquire(&wait->flags);
		if (!(flags & WQ_FLAG_WOKEN)) {
			if (signal_pending_state(state, current))
				break;

			io_schedule();
			continue;
		}

		/* If we were non-exclusive, we're done */
		if (behavior != EXCLUSIVE)
			break;

		/* If the waker got the lock for us, we're done */
		if (flags & WQ_FLAG_DONE)
			break;

		/*
		 * Otherwise, if we're getting the lock, we need to try to get it ourselves.
		 *
		 * And if that fails, we'll have to retry this all.
		 */
		if (unlikely(test_and_set_bit(bit_nr, &page->flags)))
			goto repeat;

		WRITE_ONCE(wait->flags, flags | WQ_FLAG_DONE);
		break;
	}

	/*
	 * If a signal happened, this 'finish_wait()' may remove the last waiter from the wait
	 * queues, but the PageWaiters bit will remain set. That's ok. The next wakeup will take
	 * care of it, and trying to do it here would be difficult and prone to races.
	 */
	finish_wait(q, wait);

	/*
	 * NOTE! The wait->flags weren't stable until we've done the 'finish_wait()', and we
	 * could have exited the loop early. Now that the flags are stable, use them to decide
	 * what to return.
	 */
	wflags = READ_ONCE(wait->flags);
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
		if (likely(list_empty(&wait->entry))) {
			__add_wait_queue_entry_tail(q, wait);
			SetPageWaiters(page);
		}
		set_current_state(state);
		spin_unlock_irq(&q->lock);

		bit_set = test_bit(bit_nr, &page->flags);
		if (behavior == DROP)
			put_page(page);

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
			/*
			 * We can no longer safely access page->flags: even if CONFIG_MEMORY_HOTREMOVE
			 * is not set since a page->mapping could be a different one.
			 */
			break;
		}
	}

	finish_wait(q, wait);
	return ret;
}

static int wait_on_page_bit_common(wait_queue_head_t *q, struct page *page, int bit_nr,
				   long state, enum behavior behavior)
{
	might_sleep();
	if (profile_5_8())
		return wait_on_page_bit_common_5_8(q, page, bit_nr, state, behavior);
	return wait_on_page_bit_common_5_9(q, page, bit_nr, state, behavior);
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
 * unlock_page - unlock a locked page
 *
 * Unlocks the page and wakes up sleepers in wait_on_page_locked(). Also wakes sleepers in
 * wait_on_page_writeback() because the wakeup mechanism between PageLocked pages and
 * PageWriteback pages is shared. But that's OK - sleepers in wait_on_page_writeback() just go
 * back to sleep.
 *
 * Note that this depends on PG_waiters being the sign bit in the byte that contains PG_locked
 * - thus the BUILD_BUG_ON(). That allows us to clear the PG_locked bit and test PG_waiters at
 * the same time fairly portably (architectures that do LL/SC can test any bit, while x86 can
 * test the sign bit).
 */
void pcsim_unlock_page(struct page *page)
{
	_Static_assert(PG_waiters == 7, "PG_waiters must be the sign bit of the low byte");
	if (!PageLocked(page)) {
		pcsim_fail("unlock-page-unlocked",
			   "VM_BUG_ON_PAGE(!PageLocked(page)): unlock_page() of page %u, which is "
			   "not locked", page->pfn);
		return;
	}
	if (clear_bit_unlock_is_negative_byte(PG_locked, &page->flags))
		wake_up_page_bit(page, PG_locked);
}

/**
 * end_page_writeback - end writeback against a page
 */
void pcsim_end_page_writeback(struct page *page)
{
	/*
	 * Writeback does not hold a page reference of its own, relying on truncation to wait
	 * for the clearing of PG_writeback. But here we must make sure that the page is not
	 * freed and reused before the wake_up_page() (073861ed77b6).
	 */
	get_page(page);
	if (!TestClearPageWriteback(page))
		pcsim_fail("end-writeback-not-writeback",
			   "end_page_writeback() of page %u without PG_writeback", page->pfn);
	smp_mb__after_atomic();
	wake_up_page(page, PG_writeback);
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

/**
 * __lock_page - get a lock on the page, assuming we need to sleep to get it
 */
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
 * The async helpers (the 2020 series; S-FM510 section 3.1)
 */
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
		/* B-02 (v1): test first, then publish: an unlock in between is never seen. */
		if (PageLocked(page)) {
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
	 * If we were successful now, we know we're still on the waitqueue as we're still under
	 * the lock. This means it's safe to remove and return success, we know the callback isn't
	 * going to trigger.
	 */
	if (!ret)
		__remove_wait_queue(q, &wait->wait);
	else
		ret = -EIOCBQUEUED;
	spin_unlock_irq(&q->lock);
	return ret;
}

int pcsim_lock_page_async(struct page *page, struct wait_page_queue *wait)
{
	if (!trylock_page(page))
		return __wait_on_page_locked_async(page, wait, true);
	return 0;
}

int pcsim_wait_on_page_locked_async(struct page *page, struct wait_page_queue *wait)
{
	if (!PageLocked(page))
		return 0;
	return __wait_on_page_locked_async(page, wait, false);
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
	WRITE_ONCE(aw->wpq.wait.flags, 0);
	INIT_LIST_HEAD(&aw->wpq.wait.entry);
}
