// SPDX-License-Identifier: MIT
/*
 * checks.c - the page-cache invariants of docs/kernel-semantics.md 2.9 and 3.6 checked while the
 * model runs (sim backend, PCSIM_CHECK_INVARIANTS). docs/pagecache.md, "Checks", lists each
 * invariant with where and how it is checked and which test makes it fail.
 *
 * At every step:
 *  - P1: a page with a waiter queued in its bucket has PG_waiters set (bucket lock free).
 *  - P3/A1 (lost wakeup): a waiter that relies on a wakeup (an async entry, or a sync waiter that
 *    sleeps) is queued on a bit that is clear, while no wakeup of its page is on its way: no
 *    clear of a waited-on bit whose walk has not ended, no counted exclusive wakeup that its
 *    waiter has not acted on yet. Either the waiter published itself after its last test of the
 *    bit (P3, A1), or an unlock/wake passed it by (P4, P5).
 * After every wake callback in a page bucket (a waitq observer), reported when the walk ends,
 * after wake_up_page_bit()'s PG_waiters decision so the trace shows it:
 *  - P2/A4: a callback whose entry is for the walk's page and stays queued set
 *    key->page_match;
 *  - A4: an async callback unlinked nothing but its own entry (its neighbours still link up);
 *  - P5: a walk stop (-1) only for an entry of the walk's page, with the bit held again;
 *  - P9 (5.9+ page lock): a non-exclusive waiter of the page and bit was woken (unlinked);
 *  - A10: an async callback writes nothing to its page's flags (it never takes the lock for
 *    its waiter): the engine's access watch (pcsim_forbid_writes()) for the callback's run.
 * At the points where they apply:
 *  - P2 when PG_waiters is about to be cleared with an entry of the page still queued;
 *  - P10, on the waiter's side (a waker's flags store races with the waiter's own): a lock
 *    handed over (WOKEN|DONE seen) only to a waiter that queued with WQ_FLAG_CUSTOM, which it
 *    does after page_lock_unfairness lost races, and the bit is then set;
 *  - P6: an exclusive waiter whose wakeup was counted takes the lock or queues again. 5.10 drops
 *    such a wakeup when the waiter leaves on a fatal signal (mm/filemap.c keeps doing so): that
 *    is traced and, with PCSIM_CHECK_STRICT_P6, reported;
 *  - P7: nothing touches a page after a DROP waiter's put_page() (an engine access watch);
 *  - P8: the frame a wake walk runs on is not freed or reused between the clear of the bit and
 *    the end of the walk;
 *  - A5, A6 around pcsim_read_iter(): -EIOCBQUEUED only when no byte moved in this call or
 *    before it; A7, A9: a read under IOCB_WAITQ or IOCB_NOWAIT never sleeps on a page, and one
 *    under IOCB_NOWAIT alone never arms a callback; A8: ->readpage() only of a page still in
 *    the file it is read for.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <pcsim/kernel/pagemap.h>
#include <pcsim/trace.h>

#include "pagecache_int.h"
#include "waitq_int.h"

static inline void *raw_ptr(const pcsim_ptr *p)
{
	return (void *)(uintptr_t)pcsim__load_np(&p->pcsim_private_, sizeof(void *), PCSIM_MO_ONCE);
}

static inline unsigned long raw_flags(struct pcsim_page *p)
{
	return (unsigned long)pcsim__load_np(&p->flags.pcsim_private_, sizeof(unsigned long),
					     PCSIM_MO_ONCE);
}

/*
 * The per-step check's loads. It runs between steps (sim backend), where the engine records no
 * access for the partial-order reduction; under sc memory a load there is then a plain read,
 * so with @direct it reads memory itself rather than through the backend's load for two words
 * of every bucket at every step. Under tso and weak the backend's load is kept: it sees the
 * current CPU's store buffer (tso) or every executed store (weak).
 */
static inline void *step_ptr(bool direct, const pcsim_ptr *p)
{
	if (direct)
		return __atomic_load_n(&p->pcsim_private_, __ATOMIC_RELAXED);
	return raw_ptr(p);
}

static inline unsigned long step_flags(bool direct, struct pcsim_page *p)
{
	if (direct)
		return __atomic_load_n(&p->flags.pcsim_private_, __ATOMIC_RELAXED);
	return raw_flags(p);
}

static inline bool step_locked(bool direct, const struct pcsim_spinlock *l)
{
	if (direct)
		return __atomic_load_n(&l->locked.pcsim_private_, __ATOMIC_RELAXED) != 0;
	return pcsim__load_np(&l->locked.pcsim_private_, 4, PCSIM_MO_ONCE) != 0;
}

/*
 * The layer when this world checks invariants (sim backend), else NULL - decided from the
 * config alone, so the threads backend never looks the layer up (which takes the world's
 * global lock there) on behalf of a check that does not run.
 */
static struct pagecache_layer *checking(void)
{
	struct pcsim_world *w = pcsim_world_current();
	const struct pcsim_config *cfg = w ? pcsim_world_config(w) : NULL;
	if (!cfg || cfg->backend != PCSIM_BACKEND_SIM || !(cfg->checks & PCSIM_CHECK_INVARIANTS))
		return NULL;
	return pcsim__pagecache(w);
}

static bool is_sync_func(struct pagecache_layer *L, pcsim_wait_queue_func_t f)
{
	return f == L->ops.wake_page_function || f == pcsim__wake_page_function;
}

static bool owed_for_page(struct pagecache_layer *L, const struct pcsim_page *p)
{
	for (unsigned i = 0; i < L->nowed; i++)
		if (L->owed[i].page == p)
			return true;
	return false;
}

static bool is_bucket(struct pagecache_layer *L, const struct pcsim_wait_queue_head *q)
{
	return q >= L->table && q < L->table + (1u << L->bits);
}

/* ---------------------------------------------------------------------------------------------
 * Per step: P1 and the lost-wakeup check (P3/A1)
 */
static int check_buckets(struct pcsim_world *w, void *arg)
{
	struct pagecache_layer *L = arg;
	bool direct = pcsim_world_config(w)->mem == PCSIM_MEM_SC;
	for (unsigned b = 0; b < (1u << L->bits); b++) {
		if (!L->bucket_ready[b])
			continue;
		struct wait_queue_head *q = &L->table[b];
		if (step_locked(direct, &q->lock))
			continue;
		struct list_head *h = &q->head;
		struct list_head *n = step_ptr(direct, &h->next);
		unsigned guard = 0;
		while (n != h && n && guard++ < (1u << 20)) {
			struct wait_queue_entry *e = container_of(n, struct wait_queue_entry, entry);
			n = step_ptr(direct, &n->next);
			if (!pcsim__pagecache_is_page_waiter(L, e))
				continue;
			/*
			 * A sync waiter matters once it sleeps: until then it re-tests the bit
			 * itself (5.8's DROP waiter may still be queued, about to leave, when its
			 * freed frame is reused with clean flags). An async waiter always relies
			 * on the wakeup.
			 */
			bool sync = is_sync_func(L, e->func);
			if (sync && !(e->private && pcsim_task_is_sleeping(e->private)))
				continue;
			struct wait_page_queue *wpq = container_of(e, struct wait_page_queue, wait);
			struct page *p = wpq->page;
			unsigned long f = step_flags(direct, p);
			if (!(f & (1ul << PG_waiters))) {
				pcsim_fail("P1", "page %u has a waiter queued in bucket %u but "
					   "PG_waiters is clear: the next unlock_page() takes the "
					   "fast path and nobody wakes it", p->pfn, b);
				return 1;
			}
			const struct pagecache_frame *fr = page_frame(L, p);
			if ((f & (1ul << wpq->bit_nr)) || fr->wake_inflight || fr->wake_dropped ||
			    owed_for_page(L, p))
				continue;
			char wb[64];
			const char *who = pcsim_trace_obj_label(w, pcsim_trace_obj(e), wb, sizeof(wb));
			pcsim_fail(sync ? "P3" : "A1",
				   "lost wakeup: %s (%s) is queued on page %u bit %d, which is clear, "
				   "and no wakeup of the page is on its way: the waiter published "
				   "itself after its last test of the bit (P3/A1), or an unlock "
				   "passed it by (P4/P5)", who, sync ? "sleeping" : "async callback",
				   p->pfn, wpq->bit_nr);
			return 1;
		}
	}
	return 0;
}

/*
 * P2, at the moment it matters: wake_up_page_bit() is about to clear PG_waiters because no
 * callback reported a match, while an entry for this very page is still queued. A callback
 * returned before setting key->page_match (B-03), and the next unlock will not wake it.
 */
void pcsim__pagecache_check_p2(struct pcsim_wait_queue_head *q, struct pcsim_page *page)
{
	struct pagecache_layer *L = checking();
	if (!L)
		return;
	struct list_head *h = &q->head;
	struct list_head *n = raw_ptr(&h->next);
	while (n && n != h) {
		struct wait_queue_entry *e = container_of(n, struct wait_queue_entry, entry);
		if (pcsim__pagecache_is_page_waiter(L, e) &&
		    container_of(e, struct wait_page_queue, wait)->page == page) {
			pcsim_fail("P2", "clearing PG_waiters of page %u while one of its waiters is "
				   "queued: a wake callback returned before setting page_match",
				   page->pfn);
			return;
		}
		n = raw_ptr(&n->next);
	}
}

/* ---------------------------------------------------------------------------------------------
 * Per callback (P2/A4, P5, P9), reported when the walk ends; A10 while the callback runs
 */
static void walk_record(struct pagecache_layer *L, const char *inv, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void walk_record(struct pagecache_layer *L, const char *inv, const char *fmt, ...)
{
	if (L->walk_inv)
		return;		/* the first one of the walk is the one reported */
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(L->walk_msg, sizeof(L->walk_msg), fmt, ap);
	va_end(ap);
	L->walk_inv = inv;
}

static void cb_pre(void *arg, struct pcsim_wait_queue_head *q, struct pcsim_wait_queue_entry *e,
		   void *key, uint64_t snap[PCSIM__WAITQ_SNAP])
{
	struct pagecache_layer *L = arg;
	if (!is_bucket(L, q))
		return;
	/* what the entry is now: once unlinked, its owner may re-initialise it at any time */
	snap[0] = (uint64_t)(uintptr_t)raw_ptr(&e->entry.prev);
	snap[1] = (uint64_t)(uintptr_t)raw_ptr(&e->entry.next);
	snap[2] = pcsim__pagecache_is_page_waiter(L, e)
			  ? (uint64_t)(uintptr_t)container_of(e, struct wait_page_queue, wait)->page
			  : 0;
	snap[3] = snap[2] ? (uint64_t)is_sync_func(L, e->func) |
				    (uint64_t)container_of(e, struct wait_page_queue, wait)->bit_nr << 1
			  : 0;
	/* A10: an async callback never takes (or sets any bit of) the page for its waiter */
	if (pcsim__pagecache_is_page_waiter(L, e) && !is_sync_func(L, e->func)) {
		struct wait_page_key *k = key;
		pcsim_forbid_writes(&k->page->flags, sizeof(k->page->flags), "A10");
	}
}

/*
 * The checks' per-task arrays start small and double in the arena until index @need fits:
 * a copy of the @elem-byte entries of @old in new zeroed storage (every byte of the arena is
 * copied by a DFS snapshot, docs/explore.md "Prefixes are restored", so they are not sized for
 * PCSIM_MAX_TASKS up front).
 */
static void *arena_grow(const void *old, size_t elem, unsigned *cap, unsigned need)
{
	unsigned ncap = *cap * 2;
	while (ncap <= need)
		ncap *= 2;
	void *n = pcsim_alloc(pcsim_world_current(), (size_t)ncap * elem);
	memcpy(n, old, (size_t)*cap * elem);
	*cap = ncap;
	return n;
}

static void cb_post(void *arg, struct pcsim_wait_queue_head *q, struct pcsim_wait_queue_entry *e,
		    void *key_arg, int ret, unsigned flags, const uint64_t snap[PCSIM__WAITQ_SNAP])
{
	struct pagecache_layer *L = arg;
	struct wait_page_key *key = key_arg;
	if (!is_bucket(L, q))
		return;
	/* A10's range (cb_pre), unconditionally */
	pcsim_allow_access(&key->page->flags);
	if (!snap[2])
		return;		/* not a page waiter */
	struct page *page = key->page;
	struct page *wpage = (struct page *)(uintptr_t)snap[2];
	bool sync = snap[3] & 1;
	unsigned wbit = (unsigned)(snap[3] >> 1);
	bool same_page = wpage == page;
	/*
	 * Whether the callback unlinked the entry, from its old neighbour: once off the list an
	 * async entry belongs to its owner again, who may already have queued it elsewhere (not
	 * here: the walker holds this bucket's lock).
	 */
	struct list_head *self = &e->entry;
	struct list_head *prev = (struct list_head *)(uintptr_t)snap[0];
	struct list_head *onext = (struct list_head *)(uintptr_t)snap[1];
	struct list_head *pn = prev ? raw_ptr(&prev->next) : NULL;
	bool unlinked = pn != self;
	unsigned long pf = raw_flags(page);
	bool bit_set = (pf & (1ul << key->bit_nr)) != 0;

	/* (an entry that took itself off the queue leaves no waiter for PG_waiters to cover) */
	if (same_page && !key->page_match && !unlinked)
		walk_record(L, sync ? "P2" : "A4",
			    "the wake callback of a waiter of page %u returned %d, leaving the "
			    "entry queued, without setting key->page_match", page->pfn, ret);
	/* (an unlock that cleared the bit after the callback saw it set has its own wakeup
	 * in flight) */
	if (ret < 0 && !(same_page && key->page_match && wbit == (unsigned)key->bit_nr &&
			 (bit_set || page_frame(L, page)->wake_inflight > 1)))
		walk_record(L, "P5",
			    "a wake callback stopped the walk of page %u bit %d (-1) %s",
			    page->pfn, key->bit_nr,
			    !same_page ? "for an entry of another page"
				       : !bit_set ? "while the bit is clear: the waiters behind it "
						    "are not woken and no other wakeup follows"
						  : "without recording page_match");
	if (!sync) {
		/* A4: its neighbours are linked to each other or still to it. */
		if (unlinked && (pn != onext || raw_ptr(&onext->prev) != prev))
			walk_record(L, "A4", "the async callback of a waiter of page %u unlinked "
					     "an entry other than its own", page->pfn);
	}
	if (same_page && wbit == (unsigned)key->bit_nr && !(flags & WQ_FLAG_EXCLUSIVE) &&
	    !unlinked && lock_impl() != LOCK_5_8)
		walk_record(L, "P9", "a non-exclusive waiter of page %u bit %d was passed over by "
				     "its wake walk (callback returned %d)%s",
			    page->pfn, key->bit_nr, ret,
			    bit_set ? ": 5.9+ wakes it even though the bit is set again" : "");
	/* P6: a counted exclusive wakeup is now owed by that waiter. */
	if (sync && ret > 0 && (flags & WQ_FLAG_EXCLUSIVE) && L->nowed < PCSIM_MAX_TASKS) {
		if (L->nowed == L->owed_cap)
			L->owed = arena_grow(L->owed, sizeof(*L->owed), &L->owed_cap, L->nowed);
		L->owed[L->nowed].entry = e;
		L->owed[L->nowed].page = page;
		L->nowed++;
	}
}

void pcsim__pagecache_walk_report(void)
{
	struct pagecache_layer *L = checking();
	if (!L || !L->walk_inv)
		return;
	const char *inv = L->walk_inv;
	L->walk_inv = NULL;
	pcsim_fail(inv, "%s", L->walk_msg);
}

/* ---------------------------------------------------------------------------------------------
 * Wakeups in flight (P3/A1) and P8
 */
static void r_note(const struct pcsim_world *w, const struct pcsim_trace_event *e, char *buf,
		   size_t len)
{
	(void)w;
	snprintf(buf, len, "%s (page %llu)", e->str, (unsigned long long)e->a);
}

static const struct pcsim_trace_kind tk_p6 = { "pagecache.p6_dropped", "pagecache", r_note };
static const struct pcsim_trace_kind tk_p8 = { "pagecache.walk_on_freed_frame", "pagecache",
					       r_note };

uint32_t pcsim__pagecache_wake_begin(struct pcsim_page *page)
{
	struct pagecache_layer *L = checking();
	if (!L)
		return 0;
	struct pagecache_frame *fr = page_frame(L, page);
	fr->wake_inflight++;
	fr->wake_dropped = false;
	return page->gen;
}

void pcsim__pagecache_wake_end(struct pcsim_page *page, uint32_t gen, bool walked, bool unlock)
{
	struct pagecache_layer *L = checking();
	if (!L)
		return;
	page_frame(L, page)->wake_inflight--;
	if (!walked)
		return;
	if (page->gen == gen)	/* the frame's generation changes when it is freed */
		return;
	if (unlock && pcsim_in_interrupt()) {
		/*
		 * A read completion unlocks without a reference of its own (5.10: read_pages()
		 * drops its reference once ->readpage() has submitted the bio), so a truncation
		 * may lock, remove and free the page between the completion's clear and its walk.
		 * The kernel lives with it: the walk only wakes waiters that re-check, and the
		 * PG_waiters rule is applied under the bucket lock. Traced, not reported.
		 */
		pcsim_trace_emit(&tk_p8, pcsim_trace_obj(&page->flags), 0, page->pfn, 0,
				 "the completion's wake walk ran on a frame freed after the unlock "
				 "(5.10 behaviour: end_page_read holds no reference)");
		return;
	}
	pcsim_fail("P8", "the wake walk of page %u ran on a frame that was freed after the bit "
			 "was cleared: the unlocker held no reference across clear and walk",
		   page->pfn);
}

/* P6: the waiter of @e acts on its counted exclusive wakeup (locked, queued again, or left). */
void pcsim__pagecache_owed_resolve(const struct pcsim_wait_queue_entry *e, bool left_without_lock)
{
	struct pagecache_layer *L = checking();
	if (!L)
		return;
	for (unsigned i = 0; i < L->nowed; i++) {
		if (L->owed[i].entry != e)
			continue;
		struct pcsim_page *page = L->owed[i].page;
		L->owed[i] = L->owed[--L->nowed];
		if (!left_without_lock)
			return;
		if (pcsim_world_config(pcsim_world_current())->checks & PCSIM_CHECK_STRICT_P6) {
			pcsim_fail("P6", "a waiter of page %u whose exclusive wakeup was counted left "
					 "without the lock (fatal signal): the next waiter is not "
					 "woken although the page is unlocked", page->pfn);
			return;
		}
		/* 5.9/5.10 do this (wait_on_page_bit_common() returns -EINTR without DONE): the
		 * other waiters of the page wait for its next unlock. */
		page_frame(L, page)->wake_dropped = true;
		pcsim_trace_emit(&tk_p6, pcsim_trace_obj(&page->flags), 0, page->pfn, 0,
				 "exclusive wakeup dropped: the woken waiter left on a fatal signal "
				 "without the lock (5.10 behaviour)");
		return;
	}
}

/* P4: the slow path is taken exactly when the clear of PG_locked found PG_waiters set. */
void pcsim__pagecache_check_unlock(struct pcsim_page *page, unsigned long old, bool slow)
{
	struct pagecache_layer *L = checking();
	if (!L)
		return;
	bool waiters = (old & (1ul << PG_waiters)) != 0;
	PCSIM_CHECK(!waiters || slow, "P4",
		    "unlock_page() of page %u cleared PG_locked while PG_waiters was set and took "
		    "the fast path: its waiters are not woken (the test of PG_waiters was not the "
		    "clearing operation's own)", page->pfn);
}

void pcsim__pagecache_check_handoff(struct pcsim_page *page, unsigned queued_flags)
{
	struct pagecache_layer *L = checking();
	if (!L || (queued_flags & WQ_FLAG_DONE))
		return;		/* taken by the waiter's own try before it queued */
	PCSIM_CHECK(queued_flags & WQ_FLAG_CUSTOM, "P10",
		    "page %u's lock was handed over to a waiter that had not lost "
		    "page_lock_unfairness races (it queued without WQ_FLAG_CUSTOM)", page->pfn);
	PCSIM_CHECK(raw_flags(page) & (1ul << PG_locked), "P10",
		    "page %u's lock was handed over but the bit is clear", page->pfn);
}

/* ---------------------------------------------------------------------------------------------
 * The read path: A5, A6 around the plug point, A7/A9 where a page wait or an arm starts,
 * A8 at ->readpage()
 */
static struct pagecache_read_ctx *read_ctx(struct pagecache_layer *L)
{
	struct task_struct *t = pcsim_current();
	if (!L || !t)
		return NULL;
	unsigned id = pcsim_task_id(t);
	if (id >= L->reading_cap && id < PCSIM_MAX_TASKS)
		L->reading = arena_grow(L->reading, sizeof(*L->reading), &L->reading_cap, id);
	return id < L->reading_cap ? &L->reading[id] : NULL;
}

long pcsim__pagecache_checked_read(struct pcsim_kiocb *iocb, struct pcsim_iov_iter *iter,
				   long written)
{
	struct pagecache_layer *L = checking();
	struct pagecache_read_ctx *rc = read_ctx(L);
	if (!rc)
		return pcsim__pagecache(pcsim_world_current())->ops.buffered_read(iocb, iter,
										   written);
	struct pagecache_read_ctx outer = *rc;
	int64_t pos = iocb->ki_pos;
	size_t done = iter->done;
	rc->iocb = iocb;
	rc->armed = 0;
	long ret = L->ops.buffered_read(iocb, iter, written);
	unsigned armed = rc->armed;
	*rc = outer;
	size_t moved = iter->done - done;
	if (armed) {
		/* A5: a callback armed although bytes moved (the caller's or this call's) */
		PCSIM_CHECK(written == 0 && moved == 0, "A5",
			    "armed a callback after %ld bytes had moved (%ld by the caller, %zu in "
			    "this call) and returned %ld: the callback's retry cannot report them",
			    written + (long)moved, written, moved, ret);
		PCSIM_CHECK(ret == -EIOCBQUEUED && armed == 1, "A3",
			    "armed %u callback(s) but returned %ld", armed, ret);
	} else {
		PCSIM_CHECK(ret != -EIOCBQUEUED, "A3", "returned -EIOCBQUEUED without arming a "
						       "callback");
	}
	if (ret == -EIOCBQUEUED)
		PCSIM_CHECK(iocb->ki_pos == pos && moved == 0, "A6",
			    "returned -EIOCBQUEUED after moving this call's position by %lld and "
			    "its iterator by %zu bytes", (long long)(iocb->ki_pos - pos), moved);
	return ret;
}

void pcsim__pagecache_check_page_sleep(struct pcsim_page *page)
{
	struct pagecache_read_ctx *rc = read_ctx(checking());
	if (!rc || !rc->iocb)
		return;
	int f = rc->iocb->ki_flags;
	PCSIM_CHECK(!(f & PCSIM_IOCB_WAITQ), "A7",
		    "a read under IOCB_WAITQ is about to sleep on page %u", page->pfn);
	PCSIM_CHECK(!(f & PCSIM_IOCB_NOWAIT), "A9",
		    "a read under IOCB_NOWAIT is about to sleep on page %u", page->pfn);
}

void pcsim__pagecache_check_arm(struct pcsim_page *page)
{
	struct pagecache_read_ctx *rc = read_ctx(checking());
	if (!rc || !rc->iocb)
		return;
	int f = rc->iocb->ki_flags;
	PCSIM_CHECK(!((f & PCSIM_IOCB_NOWAIT) && !(f & PCSIM_IOCB_WAITQ)), "A9",
		    "a read under IOCB_NOWAIT (without IOCB_WAITQ) arms a callback on page %u",
		    page->pfn);
}

/*
 * A2/A3 at the async helper's return (the plug point): 0 leaves no entry queued (and in lock
 * mode the caller holds the lock), -EIOCBQUEUED leaves exactly this entry queued, nothing else
 * is returned. The entry is still the caller's here, so reading it cannot race its reuse.
 */
void pcsim__pagecache_check_async_ret(struct pcsim_page *page, struct pcsim_wait_page_queue *wait,
				      bool set, int ret)
{
	struct pagecache_layer *L = checking();
	if (!L)
		return;
	struct list_head *self = &wait->wait.entry;
	struct list_head *next = raw_ptr(&self->next);
	bool queued = next && next != self && next != PCSIM_LIST_POISON1;
	PCSIM_CHECK(ret == 0 || ret == -EIOCBQUEUED, "A3",
		    "the async wait helper returned %d for page %u (only 0 or -EIOCBQUEUED)", ret,
		    page->pfn);
	if (ret == 0) {
		PCSIM_CHECK(!queued, "A2", "the async wait helper returned 0 for page %u but left "
					   "its entry queued: the callback may still run", page->pfn);
		PCSIM_CHECK(!set || (raw_flags(page) & (1ul << PG_locked)), "A2",
			    "lock_page_async() returned 0 for page %u, which is not locked",
			    page->pfn);
	}
}

void pcsim__pagecache_note_armed(void)
{
	struct pagecache_read_ctx *rc = read_ctx(checking());
	if (rc && rc->iocb)
		rc->armed++;
}

void pcsim__pagecache_check_readpage(struct pcsim_address_space *m, struct pcsim_page *page)
{
	struct pagecache_layer *L = checking();
	if (!L)
		return;
	void *mapping = raw_ptr(&page->mapping);
	PCSIM_CHECK(mapping == m, "A8",
		    "->readpage() of page %u (index %lu) of file %u, which is %s: the page was "
		    "truncated before its lock was taken and the path did not re-check "
		    "page->mapping", page->pfn,
		    (unsigned long)pcsim__load_np(&page->index.pcsim_private_, sizeof(unsigned long),
						  PCSIM_MO_ONCE),
		    m->id, mapping ? "in another file" : "no longer in any file");
}

/* ---------------------------------------------------------------------------------------------
 * Set-up
 */
void pcsim__pagecache_checks_init(struct pcsim_world *w, struct pagecache_layer *L)
{
	const struct pcsim_config *cfg = pcsim_world_config(w);
	if (!(cfg->checks & PCSIM_CHECK_INVARIANTS) || cfg->backend != PCSIM_BACKEND_SIM)
		return;
	/* small, grown when a task id or the owed wakeups need more (arena_grow()) */
	L->reading_cap = 16;
	L->reading = pcsim_alloc(w, L->reading_cap * sizeof(*L->reading));
	L->owed_cap = 8;
	L->owed = pcsim_alloc(w, L->owed_cap * sizeof(*L->owed));
	pcsim_state_invariant_register(w, "P1/P3/A1", check_buckets, L);
	static const struct pcsim__waitq_cb_observer obs = { cb_pre, cb_post, NULL };
	struct pcsim__waitq_cb_observer o = obs;
	o.arg = L;
	pcsim__waitq_set_cb_observer(w, &o);
}
