// SPDX-License-Identifier: MIT
/*
 * wait.c - generic wait queues, written on pcsim's kernel-flavoured API.
 *
 * Models kernel/sched/wait.c and include/linux/wait.h of 5.10 (S-WC510, S-WH510 in
 * docs/kernel-semantics.md): add_wait_queue(), add_wait_queue_exclusive(), remove_wait_queue(),
 * prepare_to_wait(), prepare_to_wait_exclusive(), prepare_to_wait_event(), finish_wait(),
 * __wake_up_common() with bookmarks, __wake_up_common_lock(), __wake_up(),
 * __wake_up_locked(), __wake_up_locked_key(), __wake_up_locked_key_bookmark(),
 * default_wake_function(), autoremove_wake_function() (list_del_init_careful, 5.9+),
 * woken_wake_function(), wait_woken() and waitqueue_active(). The walk-break count
 * (WAITQUEUE_WALK_BREAK_CNT, 64 in the kernel) is the world's walk_break_cnt.
 *
 * Kernel profiles (pcsim_config.kernel, docs/kernel-profiles.md): 5.8, 5.9 and 5.10 share this
 * file's 5.10 behaviour. 6.18 has no wait bookmarks ("sched: Remove wait bookmarks", M. Wilcox):
 * __wake_up_common() walks the whole list under the lock in one go, ignores a bookmark it is
 * given and never skips an entry for its flags, __wake_up_common_lock() takes the lock once,
 * the walk_break setting has no effect, and the WQ_FLAG_* bits are renumbered
 * (pcsim_wq_flags_of()).
 *
 * pcsim additions: a per-execution registry of queue heads for the invariant checks of
 * docs/kernel-semantics.md 1.7 (W1, W2, W8 at run time; see docs/waitq.md), and trace events.
 */
#include <stdio.h>

#include <pcsim/cover.h>
#include <pcsim/kernel/barrier.h>
#include <pcsim/kernel/compiler.h>
#include <pcsim/kernel/wait.h>
#include <pcsim/trace.h>

#include "waitq_int.h"

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
	/* ids are handed out on first sight: the entry's, then the head's, in statements of
	 * their own so that the order is not the compiler's argument order */
	uint32_t eid = e ? pcsim_trace_obj(e) : 0;
	uint32_t qid = q ? pcsim_trace_obj(q) : 0;
	pcsim_trace_emit(k, qid, eid, a, b, s);
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

/* A wait entry may live on a stack: it begins a new traced object (pcsim_obj_new()). */
static void entry_new(struct wait_queue_entry *wq_entry)
{
	pcsim_obj_new(wq_entry);
	if ((const void *)&wq_entry->flags != (const void *)wq_entry)
		pcsim_obj_new(&wq_entry->flags);
}

void pcsim_init_wait_entry(struct wait_queue_entry *wq_entry, unsigned flags)
{
	entry_new(wq_entry);
	PCSIM_SETUP_SET(wq_entry->flags, flags);
	wq_entry->private = current;
	wq_entry->func = autoremove_wake_function;
	INIT_LIST_HEAD(&wq_entry->entry);
}

void pcsim_init_waitqueue_entry(struct wait_queue_entry *wq_entry, struct task_struct *p)
{
	entry_new(wq_entry);
	PCSIM_SETUP_SET(wq_entry->flags, 0);
	wq_entry->private = p;
	wq_entry->func = default_wake_function;
}

void pcsim_init_waitqueue_func_entry(struct wait_queue_entry *wq_entry, wait_queue_func_t func)
{
	entry_new(wq_entry);
	PCSIM_SETUP_SET(wq_entry->flags, 0);
	wq_entry->private = NULL;
	wq_entry->func = func;
}

/* ---------------------------------------------------------------------------------------------
 * Kernel profiles: the flag values and whether the walk knows bookmarks
 */
const struct pcsim_wq_flag_values *pcsim_wq_flags_of(int kernel)
{
	static const struct pcsim_wq_flag_values v510 = {
		.exclusive = PCSIM_WQ_FLAG_EXCLUSIVE, .woken = PCSIM_WQ_FLAG_WOKEN,
		.bookmark = PCSIM_WQ_FLAG_BOOKMARK, .custom = PCSIM_WQ_FLAG_CUSTOM,
		.done = PCSIM_WQ_FLAG_DONE, .priority = 0,
	};
	static const struct pcsim_wq_flag_values v618 = {
		.exclusive = PCSIM_WQ_FLAG_EXCLUSIVE, .woken = PCSIM_WQ_FLAG_WOKEN,
		.bookmark = 0, .custom = PCSIM_WQ618_FLAG_CUSTOM, .done = PCSIM_WQ618_FLAG_DONE,
		.priority = PCSIM_WQ618_FLAG_PRIORITY,
	};
	return kernel == PCSIM_KERNEL_6_18 ? &v618 : &v510;
}

const struct pcsim_wq_flag_values *pcsim_wq_flags(void)
{
	struct pcsim_world *w = pcsim_world_current();
	return pcsim_wq_flags_of(w ? (int)pcsim_world_config(w)->kernel : PCSIM_KERNEL_5_10);
}

/* The wake walk of this world's kernel has bookmarks (4.14 up to the 6.x removal). */
static bool walk_has_bookmarks(void)
{
	struct pcsim_world *w = pcsim_world_current();
	return !w || pcsim_world_config(w)->kernel != PCSIM_KERNEL_6_18;
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
 * Every entry is offered the wakeup in list order. nr_exclusive counts down only for entries
 * flagged exclusive whose callback reported a real wakeup (> 0); at zero the walk ends. With
 * nr_exclusive 0 the count never reaches zero, so the walk covers the whole list. An entry whose
 * callback does not unlink it stays queued.
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
	const struct pcsim__waitq_cb_observer *obs = pcsim__waitq_cb_observer();
	uint64_t snap[PCSIM__WAITQ_SNAP];

	pcsim__waitq_assert_locked(wq_head, "__wake_up_common");

	/* 6.18: no bookmark parameter, no pacing, no entry skipped for its flags */
	bool bookmarks = walk_has_bookmarks();
	if (!bookmarks)
		bookmark = NULL;

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

		if (bookmarks && (flags & WQ_FLAG_BOOKMARK))
			continue;

		if (obs)
			obs->pre(obs->arg, wq_head, curr, key, snap);
		ret = curr->func(curr, mode, wake_flags, key);
		pcsim_cover_ret(PCSIM_COV_WQ_CB_STOP, pcsim_cover_cb(ret, flags));
		if (obs)
			obs->post(obs->arg, wq_head, curr, key, ret, flags, snap);
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
			pcsim_cover(PCSIM_COV_WQ_BOOKMARK);
			return nr_exclusive;
		}
	}
	tr(&pcsim__tk_wq_walk_end, wq_head, NULL, (uint64_t)(int64_t)nr_exclusive, 0, "ends");
	pcsim_cover(PCSIM_COV_WQ_WALK_END);

	return nr_exclusive;
}

static void __wake_up_common_lock(struct wait_queue_head *wq_head, unsigned mode,
				  int nr_exclusive, int wake_flags, void *key)
{
	unsigned long flags;
	wait_queue_entry_t bookmark;

	if (!walk_has_bookmarks()) {
		/* 6.18: one walk under one hold of the lock */
		spin_lock_irqsave(&wq_head->lock, flags);
		__wake_up_common(wq_head, mode, nr_exclusive, wake_flags, key, NULL);
		spin_unlock_irqrestore(&wq_head->lock, flags);
		return;
	}

	entry_new(&bookmark);
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
 * Order matters here: the entry is linked first and the task state is set after it, with the
 * full barrier that set_current_state() carries. A waker that tests the queue lock-free then
 * either finds the entry, or its condition store is already visible to the waiter's test that
 * follows. (Ordering pair: set_current_state() here, the waker's barrier in wq_has_sleeper() or
 * try_to_wake_up().)
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
		 * Leaving because of a signal. The entry goes off the list here, under the lock the
		 * wakers also take: a wakeup that already chose us happened before this point, and
		 * the caller's next look at its condition will see it; a wakeup that comes later
		 * cannot pick this entry, so an exclusive wakeup is never handed to a waiter that is
		 * about to give up, and passes to the next exclusive waiter instead.
		 */
		list_del_init(&wq_entry->entry);
		tr(&pcsim__tk_wq_remove, wq_head, wq_entry, 0, 0,
		   "prepare_to_wait_event: signal pending, unlinked");
		pcsim_cover(PCSIM_COV_PTWE_SIGNAL);
		ret = -ERESTARTSYS;
	} else {
		if (list_empty(&wq_entry->entry)) {
			if (wq_flags(wq_entry) & WQ_FLAG_EXCLUSIVE)
				__add_wait_queue_entry_tail(wq_head, wq_entry);
			else
				__add_wait_queue(wq_head, wq_entry);
		}
		set_current_state(state);
		pcsim_cover(PCSIM_COV_PTWE_QUEUED);
	}
	spin_unlock_irqrestore(&wq_head->lock, flags);

	return ret;
}

/**
 * finish_wait - end a wait: back to TASK_RUNNING, and off the queue if a waker did not already
 * take the entry off.
 */
void pcsim_finish_wait(struct wait_queue_head *wq_head, struct wait_queue_entry *wq_entry)
{
	unsigned long flags;

	__set_current_state(TASK_RUNNING);
	/*
	 * The lock can be skipped when the entry is seen unlinked, for two reasons: every
	 * writer of the list holds the lock, so at most one waker can be unlinking us, and the
	 * test reads both links with acquire ordering against the waker's release of its last
	 * store (list_empty_careful() here, list_del_init_careful() in autoremove and the page
	 * wake functions), so the waker has finished with the entry, which may live on our stack.
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
 * The WOKEN handshake, three barriers:
 *
 *   waiter (wait_woken)                     waker (woken_wake_function)
 *   state = mode; full barrier      (A)     condition = true; full barrier   (C)
 *   sleep unless WOKEN                      flags |= WOKEN
 *   state = RUNNING                         try_to_wake_up(): full barrier, then the state
 *   flags &= ~WOKEN; full barrier   (B)
 *
 * (A) against try_to_wake_up's barrier: the waiter sees WOKEN or the waker sees the sleeping
 * state. (B) against (C): after clearing WOKEN the waiter's next look at its condition sees
 * it true, or the waker's WOKEN store comes later and keeps the next wait from sleeping.
 */
long pcsim_wait_woken(struct wait_queue_entry *wq_entry, unsigned mode, long timeout)
{
	/* (A): pairs with the barrier inside try_to_wake_up() in woken_wake_function(). */
	set_current_state((long)mode); /* A */
	if (!(wq_flags(wq_entry) & WQ_FLAG_WOKEN))
		timeout = pcsim_schedule_timeout(timeout);
	__set_current_state(TASK_RUNNING);

	/* (B): pairs with (C) in woken_wake_function(). */
	WRITE_ONCE(wq_entry->flags, wq_flags(wq_entry) & ~WQ_FLAG_WOKEN);
	smp_mb(); /* B */

	return timeout;
}

int pcsim_woken_wake_function(struct wait_queue_entry *wq_entry, unsigned mode, int sync,
			      void *key)
{
	/* (C): pairs with (B) in wait_woken(). */
	smp_mb(); /* C */
	WRITE_ONCE(wq_entry->flags, wq_flags(wq_entry) | WQ_FLAG_WOKEN);

	return default_wake_function(wq_entry, mode, sync, key);
}

/* ---------------------------------------------------------------------------------------------
 * Lock-free tests
 *
 * waitqueue_active() reads the list without the lock. A waker that uses it must put a full
 * barrier between making its condition true and the test (wq_has_sleeper() does): without it
 * the test may be satisfied before the condition store is visible, and a waiter that queued
 * itself in between sleeps on (the pitfall documented by 69e51e92a394).
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
