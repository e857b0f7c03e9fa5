// SPDX-License-Identifier: MIT
/*
 * vmscan.c - page reclaim of one clean page-cache page: the evictor, an actor of its own beside
 * truncation.
 *
 * Models (5.10, mm/vmscan.c): shrink_page_list() for a clean, unmapped file page -
 * trylock_page() (reclaim never sleeps on a page lock: a locked page is kept), skip a page under
 * writeback, then __remove_mapping(): under the i_pages lock freeze the reference count at the
 * expected value (the page cache's reference plus the isolation reference; any other holder,
 * such as a reader's speculative reference, makes the freeze fail and the page is kept),
 * delete it from the cache, then unlock_page() (which wakes waiters that dropped their
 * reference: put_and_wait_on_page_locked()) and free the frame, whose count is already zero.
 *
 * What it makes reachable: a lookup whose get_page_unless_zero() meets the frozen count, or
 * whose re-check meets the emptied slot; a frame that is freed and comes back at once (LIFO) as
 * another page while someone still holds a stale pointer to it.
 */
#include <errno.h>

#include <pcsim/kernel/compiler.h>
#include <pcsim/kernel/pagemap.h>
#include <pcsim/kernel/spinlock.h>

#include "pagecache_int.h"

/* page_ref_freeze(): the count becomes 0 only if it is exactly @count. */
static inline bool page_ref_freeze(struct page *page, int count)
{
	return pcsim_cmpxchg(&page->_refcount, count, 0, PCSIM_MO_FULL) == count;
}

int pcsim_evict_page(struct address_space *m, unsigned long index)
{
	unsigned long flags;
	/* isolate_lru_page(): the reference that reclaim holds while it works on the page */
	struct page *page = find_get_page(m, index);

	if (!page)
		return -ENOENT;
	if (!trylock_page(page)) {
		put_page(page);		/* keep: somebody holds the lock */
		return -EBUSY;
	}
	if (PageWriteback(page) || READ_ONCE(page->mapping) != m) {
		unlock_page(page);
		put_page(page);
		return -EBUSY;
	}

	/* __remove_mapping() */
	spin_lock_irqsave(&m->i_pages_lock, flags);
	if (!page_ref_freeze(page, 2)) {
		/* another reference (a reader between its lookup and its put): keep */
		spin_unlock_irqrestore(&m->i_pages_lock, flags);
		unlock_page(page);
		put_page(page);
		return -EBUSY;
	}
	pcsim__mapping_delete_locked(m, index, page);
	WRITE_ONCE(page->mapping, NULL);
	spin_unlock_irqrestore(&m->i_pages_lock, flags);

	/* No reference is left and none can be taken (the count is frozen at zero), but a DROP
	 * waiter may still be queued: unlock_page(), not a plain clear. */
	unlock_page(page);
	pcsim__page_free_frozen(page);
	return 0;
}
