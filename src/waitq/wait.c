// SPDX-License-Identifier: MIT
/*
 * wait.c - generic wait queues, written on pcsim's kernel-flavoured API.
 *
 * Models kernel/sched/wait.c and include/linux/wait.h of 5.10 (S-WC510, S-WH510 in
 * SEMANTICS.md): add_wait_queue(), add_wait_queue_exclusive(), remove_wait_queue(),
 * prepare_to_wait(), prepare_to_wait_exclusive(), prepare_to_wait_event(), finish_wait(),
 * __wake_up_common() with bookmarks, __wake_up_common_lock(), __wake_up(),
 * __wake_up_locked(), __wake_up_locked_key(), __wake_up_locked_key_bookmark(),
 * default_wake_function(), autoremove_wake_function() (list_del_init_careful, 5.9+),
 * woken_wake_function(), wait_woken() and waitqueue_active(). The walk-break count
 * (WAITQUEUE_WALK_BREAK_CNT, 64 in the kernel) is the world's walk_break_cnt.
 *
 * pcsim additions: a per-execution registry of queue heads for the invariant checks of
 * SEMANTICS.md section 1.7 (W1, W2, W8 at run time; see docs/waitq.md), and trace events.
 */
#include <stdio.h>

#include <pcsim/kernel/barrier.h>
#include <pcsim/kernel/compiler.h>
#include <pcsim/kernel/wait.h>
#include <pcsim/trace.h>

#include "waitq/waitq_int.h"

/* ---------------------------------------------------------------------------------------------
 * Trace kinds
 */
static const char *qname(const struct pcsim_world *w, uint32_t id, char *b, size_t n)
{
	return pcsim_trace_obj_label(w, id, b, n);
}

static void r_add(const struct pcsim_world *w, const struct pcsim_trace_event *e, char *buf,
		  size_t len)
{
	char a[64], b[64];
	snprintf(buf, len, "%s(%s, %s)%s", e->str, qname(w, e->obj, a, sizeof(a)),
		 qname(w, e->obj2, b, sizeof(b)), (e->a & WQ_FLAG_EXCLUSIVE) ? " exclusive" : "");
}

static void r_wake(const struct pcsim_world *w, const struct pcsim_trace_event *e, char *buf,
		   size_t len)
{
	char a[64];
	snprintf(buf, len, "wake walk on %s: mode %#llx, nr_exclusive %lld%s", qname(w, e->obj, a,
		 sizeof(a)), (unsigned long long)e->a, (long long)e->b, e->str ? e->str : "");
}

static void r_cb(const struct pcsim_world *w, const struct pcsim_trace_event *e, char *buf,
		 size_t len)
{
	char a[64];
	snprintf(buf, len, "  callback of %s returned %lld%s", qname(w, e->obj2, a, sizeof(a)),
		 (long long)(int64_t)e->a, e->str ? e->str : "");
}

static void r_walk_end(const struct pcsim_world *w, const struct pcsim_trace_event *e, char *buf,
		       size_t len)
{
	char a[64];
	snprintf(buf, len, "wake walk on %s %s (nr_exclusive left %lld)",
		 qname(w, e->obj, a, sizeof(a)), e->str, (long long)(int64_t)e->a);
}

const struct pcsim_trace_kind pcsim__tk_wq_add = { "waitq.add", "waitq", r_add };
const struct pcsim_trace_kind pcsim__tk_wq_remove = { "waitq.remove", "waitq", r_add };
const struct pcsim_trace_kind pcsim__tk_wq_wake = { "waitq.wake", "waitq", r_wake };
const struct pcsim_trace_kind pcsim__tk_wq_callback = { "waitq.callback", "waitq", r_cb };
const struct pcsim_trace_kind pcsim__tk_wq_walk_end = { "waitq.walk_end", "waitq", r_walk_end };

static inline void tr(const struct pcsim_trace_kind *k, const void *q, const void *e,
		      uint64_t a, uint64_t b, const char *s)
{
	pcsim_trace_emit(k, q ? pcsim_trace_obj(q) : 0, e ? pcsim_trace_obj(e) : 0, a, b, s);
}

/* ---------------------------------------------------------------------------------------------
 * Initialisation
 */
void pcsim_init_waitqueue_head(struct wait_queue_head *wq_head, const char *name)
{
	pcsim_spin_lock_init(&wq_head->lock, name);
	INIT_LIST_HEAD(&wq_head->head);
	pcsim__waitq_register(wq_head);
}

void pcsim_init_wait_entry(struct wait_queue_entry *wq_entry, unsigned flags)
{
	PCSIM_SETUP_SET(wq_entry->flags, flags);
	wq_entry->private = current;
	wq_entry->func = autoremove_wake_function;
	INIT_LIST_HEAD(&wq_entry->entry);
}

void pcsim_init_waitqueue_entry(struct wait_queue_entry *wq_entry, struct task_struct *p)
{
	PCSIM_SETUP_SET(wq_entry->flags, 0);
	wq_entry->private = p;
	wq_entry->func = default_wake_function;
}

void pcsim_init_waitqueue_func_entry(struct wait_queue_entry *wq_entry, wait_queue_func_t func)
{
	PCSIM_SETUP_SET(wq_entry->flags, 0);
	wq_entry->private = NULL;
	wq_entry->func = func;
}

/* The entry's flags are the entry owner's until it is published; afterwards wakers write them
 * under the queue lock. Both sides go through the memory model. */
static inline unsigned wq_flags(struct wait_queue_entry *e)
{
	return READ_ONCE(e->flags);
}

/* ---------------------------------------------------------------------------------------------
 * Queue manipulation
 */
void pcsim___add_wait_queue(struct wait_queue_head *wq_head, struct wait_queue_entry *wq_entry)
{
	pcsim__waitq_assert_locked(wq_head, "__add_wait_queue");
	list_add(&wq_entry->entry, &wq_head->head);
	tr(&pcsim__tk_wq_add, wq_head, wq_entry, PCSIM_SETUP_GET(wq_entry->flags), 0,
	   "__add_wait_queue");
}

void pcsim___add_wait_queue_entry_tail(struct wait_queue_head *wq_head,
				       struct wait_queue_entry *wq_entry)
{
	pcsim__waitq_assert_locked(wq_head, "__add_wait_queue_entry_tail");
	list_add_tail(&wq_entry->entry, &wq_head->head);
	tr(&pcsim__tk_wq_add, wq_head, wq_entry, PCSIM_SETUP_GET(wq_entry->flags), 0,
	   "__add_wait_queue_entry_tail");
}

void pcsim___remove_wait_queue(struct wait_queue_head *wq_head,
			       struct wait_queue_entry *wq_entry)
{
	pcsim__waitq_assert_locked(wq_head, "__remove_wait_queue");
	list_del(&wq_entry->entry);
	tr(&pcsim__tk_wq_remove, wq_head, wq_entry, 0, 0, "__remove_wait_queue");
}

void pcsim_add_wait_queue(struct wait_queue_head *wq_head, struct wait_queue_entry *wq_entry)
{
	unsigned long flags;

	WRITE_ONCE(wq_entry->flags, wq_flags(wq_entry) & ~WQ_FLAG_EXCLUSIVE);
	spin_lock_irqsave(&wq_head->lock, flags);
	__add_wait_queue(wq_head, wq_entry);
	spin_unlock_irqrestore(&wq_head->lock, flags);
}

void pcsim_add_wait_queue_exclusive(struct wait_queue_head *wq_head,
				    struct wait_queue_entry *wq_entry)
{
	unsigned long flags;

	WRITE_ONCE(wq_entry->flags, wq_flags(wq_entry) | WQ_FLAG_EXCLUSIVE);
	spin_lock_irqsave(&wq_head->lock, flags);
	__add_wait_queue_entry_tail(wq_head, wq_entry);
	spin_unlock_irqrestore(&wq_head->lock, flags);
}

void pcsim_remove_wait_queue(struct wait_queue_head *wq_head, struct wait_queue_entry *wq_entry)
{
	unsigned long flags;

	spin_lock_irqsave(&wq_head->lock, flags);
	__remove_wait_queue(wq_head, wq_entry);
	spin_unlock_irqrestore(&wq_head->lock, flags);
}

/* ---------------------------------------------------------------------------------------------
 * The wake walk
 *
 * The core wakeup function. Non-exclusive wakeups (nr_exclusive == 0) wake everything up. If
 * it's an exclusive wakeup (nr_exclusive == small +ve number) then we wake that number of
 * exclusive tasks, and all the non-exclusive tasks. Callers that are not unlinked by their
 * callback stay queued.
 *
 * The flags are read before the callback runs (W4): a callback that rewrites its own entry's
 * flags does not change how it is counted. A callback may unlink only its own entry (W2): the
 * next entry is fetched before the call. With a bookmark, the walk pauses after
 * walk_break_cnt entries and leaves the bookmark in front of the next entry (W7); bookmarks are
 * never passed to callbacks (W8).
 */
int pcsim___wake_up_common(struct wait_queue_head *wq_head, unsigned mode, int nr_exclusive,
			   int wake_flags, void *key, wait_queue_entry_t *bookmark)
{
	wait_queue_entry_t *curr, *next;
	unsigned cnt = 0, brk = pcsim__waitq_walk_break_cnt();
	bool resumed = false;

	pcsim__waitq_assert_locked(wq_head, "__wake_up_common");

	if (bookmark && (wq_flags(bookmark) & WQ_FLAG_BOOKMARK)) {
		curr = list_next_entry(bookmark, entry);

		list_del(&bookmark->entry);
		WRITE_ONCE(bookmark->flags, 0);
		resumed = true;
	} else {
		curr = list_first_entry(&wq_head->head, wait_queue_entry_t, entry);
	}

	if (&curr->entry == &wq_head->head)
		return nr_exclusive;

	tr(&pcsim__tk_wq_wake, wq_head, NULL, mode, (uint64_t)(int64_t)nr_exclusive,
	   resumed ? " (resumed at the bookmark)" : NULL);

	list_for_each_entry_safe_from(curr, next, &wq_head->head, entry) {
		unsigned flags = wq_flags(curr);
		int ret;

		if (flags & WQ_FLAG_BOOKMARK)
			continue;

		ret = curr->func(curr, mode, wake_flags, key);
		tr(&pcsim__tk_wq_callback, wq_head, curr, (uint64_t)(int64_t)ret, flags,
		   ret < 0 ? ": stop the walk"
			   : (ret && (flags & WQ_FLAG_EXCLUSIVE)) ? ": counts (exclusive)" : NULL);
		pcsim__waitq_check_next(wq_head, curr, next);
		if (ret < 0)
			break;
		if (ret && (flags & WQ_FLAG_EXCLUSIVE) && !--nr_exclusive)
			break;

		if (bookmark && (++cnt > brk) && (&next->entry != &wq_head->head)) {
			WRITE_ONCE(bookmark->flags, WQ_FLAG_BOOKMARK);
			list_add_tail(&bookmark->entry, &next->entry);
			tr(&pcsim__tk_wq_walk_end, wq_head, NULL, (uint64_t)(int64_t)nr_exclusive, 0,
			   "pauses at a bookmark");
			return nr_exclusive;
		}
	}
	tr(&pcsim__tk_wq_walk_end, wq_head, NULL, (uint64_t)(int64_t)nr_exclusive, 0, "ends");

	return nr_exclusive;
}

static void __wake_up_common_lock(struct wait_queue_head *wq_head, unsigned mode,
				  int nr_exclusive, int wake_flags, void *key)
{
	unsigned long flags;
	wait_queue_entry_t bookmark;

	PCSIM_SETUP_SET(bookmark.flags, 0);
	bookmark.private = NULL;
	bookmark.func = NULL;
	INIT_LIST_HEAD(&bookmark.entry);

	do {
		spin_lock_irqsave(&wq_head->lock, flags);
		nr_exclusive = __wake_up_common(wq_head, mode, nr_exclusive, wake_flags, key,
						&bookmark);
		spin_unlock_irqrestore(&wq_head->lock, flags);
	} while (READ_ONCE(bookmark.flags) & WQ_FLAG_BOOKMARK);
}

void pcsim___wake_up(struct wait_queue_head *wq_head, unsigned mode, int nr_exclusive, void *key)
{
	__wake_up_common_lock(wq_head, mode, nr_exclusive, 0, key);
}

void pcsim___wake_up_locked(struct wait_queue_head *wq_head, unsigned mode, int nr)
{
	__wake_up_common(wq_head, mode, nr, 0, NULL, NULL);
}

void pcsim___wake_up_locked_key(struct wait_queue_head *wq_head, unsigned mode, void *key)
{
	__wake_up_common(wq_head, mode, 1, 0, key, NULL);
}

void pcsim___wake_up_locked_key_bookmark(struct wait_queue_head *wq_head, unsigned mode,
					 void *key, wait_queue_entry_t *bookmark)
{
	__wake_up_common(wq_head, mode, 1, 0, key, bookmark);
}

/* ---------------------------------------------------------------------------------------------
 * Waiting
 *
 * Note: we use "set_current_state()" _after_ the wait-queue add, because we need a memory
 * barrier there on SMP, so that any wake-function that tests for the wait-queue being active
 * will be guaranteed to see waitqueue addition _or_ subsequent tests in this thread will see
 * the wakeup having taken place.
 */
void pcsim_prepare_to_wait(struct wait_queue_head *wq_head, struct wait_queue_entry *wq_entry,
			   long state)
{
	unsigned long flags;

	WRITE_ONCE(wq_entry->flags, wq_flags(wq_entry) & ~WQ_FLAG_EXCLUSIVE);
	spin_lock_irqsave(&wq_head->lock, flags);
	if (list_empty(&wq_entry->entry))
		__add_wait_queue(wq_head, wq_entry);
	set_current_state(state);
	spin_unlock_irqrestore(&wq_head->lock, flags);
}

void pcsim_prepare_to_wait_exclusive(struct wait_queue_head *wq_head,
				     struct wait_queue_entry *wq_entry, long state)
{
	unsigned long flags;

	WRITE_ONCE(wq_entry->flags, wq_flags(wq_entry) | WQ_FLAG_EXCLUSIVE);
	spin_lock_irqsave(&wq_head->lock, flags);
	if (list_empty(&wq_entry->entry))
		__add_wait_queue_entry_tail(wq_head, wq_entry);
	set_current_state(state);
	spin_unlock_irqrestore(&wq_head->lock, flags);
}

long pcsim_prepare_to_wait_event(struct wait_queue_head *wq_head,
				 struct wait_queue_entry *wq_entry, long state)
{
	unsigned long flags;
	long ret = 0;

	spin_lock_irqsave(&wq_head->lock, flags);
	if (signal_pending_state(state, current)) {
		/*
		 * Exclusive waiter must not fail if it was selected by wakeup, it should "consume"
		 * the condition we were waiting for.
		 *
		 * The caller will recheck the condition and return success if we were already
		 * woken up, we can not miss the event because wakeup locks/unlocks the same
		 * wq_head->lock.
		 *
		 * But we need to ensure that set-condition + wakeup after that can't see us, it
		 * should wake up another exclusive waiter if we fail.
		 */
		list_del_init(&wq_entry->entry);
		tr(&pcsim__tk_wq_remove, wq_head, wq_entry, 0, 0,
		   "prepare_to_wait_event: signal pending, unlinked");
		ret = -ERESTARTSYS;
	} else {
		if (list_empty(&wq_entry->entry)) {
			if (wq_flags(wq_entry) & WQ_FLAG_EXCLUSIVE)
				__add_wait_queue_entry_tail(wq_head, wq_entry);
			else
				__add_wait_queue(wq_head, wq_entry);
		}
		set_current_state(state);
	}
	spin_unlock_irqrestore(&wq_head->lock, flags);

	return ret;
}

/**
 * finish_wait - clean up after waiting in a queue
 *
 * Sets current thread back to running state and removes the wait descriptor from the given
 * waitqueue if still queued.
 */
void pcsim_finish_wait(struct wait_queue_head *wq_head, struct wait_queue_entry *wq_entry)
{
	unsigned long flags;

	__set_current_state(TASK_RUNNING);
	/*
	 * We can check for list emptiness outside the lock IFF:
	 *  - we use the "careful" check that verifies both the next and prev pointers, so that
	 *    there cannot be any half-pending updates in progress on other CPU's that we
	 *    haven't seen yet (and that might still change the stack area), and
	 *  - all other users take the lock (ie we can only have _one_ other CPU that looks at
	 *    or modifies the list).
	 * The acquire in list_empty_careful() pairs with the release in
	 * list_del_init_careful() (autoremove_wake_function, the page wake functions).
	 */
	if (!list_empty_careful(&wq_entry->entry)) {
		spin_lock_irqsave(&wq_head->lock, flags);
		list_del_init(&wq_entry->entry);
		tr(&pcsim__tk_wq_remove, wq_head, wq_entry, 0, 0, "finish_wait");
		spin_unlock_irqrestore(&wq_head->lock, flags);
	}
}

/* ---------------------------------------------------------------------------------------------
 * Standard wake functions
 */
int pcsim_default_wake_function(wait_queue_entry_t *curr, unsigned mode, int wake_flags,
				void *key)
{
	(void)key;
	return try_to_wake_up(curr->private, mode, wake_flags);
}

int pcsim_autoremove_wake_function(struct wait_queue_entry *wq_entry, unsigned mode, int sync,
				   void *key)
{
	int ret = default_wake_function(wq_entry, mode, sync, key);

	if (ret)
		list_del_init_careful(&wq_entry->entry);

	return ret;
}

/*
 * DEFINE_WAIT_FUNC(wait, woken_wake_func);
 *
 * add_wait_queue(&wq_head, &wait);
 * for (;;) {
 *     if (condition)
 *         break;
 *
 *     // in wait_woken()                     // in woken_wake_function()
 *
 *     p->state = mode;                       wq_entry->flags |= WQ_FLAG_WOKEN;
 *     smp_mb(); // A                         try_to_wake_up();
 *     if (!(wq_entry->flags & WQ_FLAG_WOKEN))    <full barrier>
 *         schedule()                         if (p->state & mode)
 *     p->state = TASK_RUNNING;                   p->state = TASK_RUNNING;
 *     wq_entry->flags &= ~WQ_FLAG_WOKEN;     ~~~~~~~~~~~~~~~~~~
 *     smp_mb(); // B                         condition = true;
 * }                                          smp_mb(); // C
 * remove_wait_queue(&wq_head, &wait);        wq_entry->flags |= WQ_FLAG_WOKEN;
 */
long pcsim_wait_woken(struct wait_queue_entry *wq_entry, unsigned mode, long timeout)
{
	/*
	 * The below executes an smp_mb(), which matches with the full barrier executed by the
	 * try_to_wake_up() in woken_wake_function() such that either we see the store to
	 * wq_entry->flags in woken_wake_function() or woken_wake_function() sees our store to
	 * current->state.
	 */
	set_current_state((long)mode); /* A */
	if (!(wq_flags(wq_entry) & WQ_FLAG_WOKEN))
		timeout = pcsim_schedule_timeout(timeout);
	__set_current_state(TASK_RUNNING);

	/*
	 * The below executes an smp_mb(), which matches with the smp_mb() (C) in
	 * woken_wake_function() such that either we see the wait condition being true or the
	 * store to wq_entry->flags in woken_wake_function() follows ours in the coherence order.
	 */
	WRITE_ONCE(wq_entry->flags, wq_flags(wq_entry) & ~WQ_FLAG_WOKEN);
	smp_mb(); /* B */

	return timeout;
}

int pcsim_woken_wake_function(struct wait_queue_entry *wq_entry, unsigned mode, int sync,
			      void *key)
{
	/* Pairs with the smp_store_mb() in wait_woken(). */
	smp_mb(); /* C */
	WRITE_ONCE(wq_entry->flags, wq_flags(wq_entry) | WQ_FLAG_WOKEN);

	return default_wake_function(wq_entry, mode, sync, key);
}

/* ---------------------------------------------------------------------------------------------
 * Lock-free tests
 *
 * waitqueue_active -- locklessly test for waiters on the queue. Use only with an smp_mb()
 * on the waker side between making the condition true and this test (or use
 * wq_has_sleeper()), else the test can be reordered before the condition store and a waiter
 * that has just queued itself misses its wakeup (69e51e92a394).
 */
bool pcsim_waitqueue_active(struct wait_queue_head *wq_head)
{
	return !list_empty(&wq_head->head);
}

bool pcsim_wq_has_sleeper(struct wait_queue_head *wq_head)
{
	/* Pairs with the barrier in set_current_state() on the waiting side. */
	smp_mb();
	return waitqueue_active(wq_head);
}
