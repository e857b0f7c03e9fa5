// SPDX-License-Identifier: MIT
/*
 * mapping.c - a file's page cache (the address_space), its lockless lookup, insertion and
 * truncation, and the block device that fills pages.
 *
 * Models (5.10): find_get_entry()/pagecache_get_page() (RCU lookup, speculative reference
 * with get_page_unless_zero(), re-check that the slot still holds the page),
 * add_to_page_cache_lru() (insert a locked page under the i_pages lock) and
 * delete_from_page_cache()/truncate_inode_page() (lock, wait for writeback, remove, mapping =
 * NULL, unlock, drop the cache's reference). The block device behind ->readpage() is bdev.c.
 * The xarray is modelled by one RCU-protected pointer per page index; pages are freed without a
 * grace period, as in the kernel, so the speculative-reference protocol is what keeps lookups
 * safe against eviction and frame reuse.
 */
#include <errno.h>
#include <stdio.h>

#include <pcsim/kernel/barrier.h>
#include <pcsim/kernel/compiler.h>
#include <pcsim/kernel/pagemap.h>
#include <pcsim/kernel/rcupdate.h>
#include <pcsim/kernel/spinlock.h>

#include "pagecache/pagecache_int.h"

struct address_space *pcsim_mapping_create(struct pcsim_world *w, uint32_t id, uint64_t size,
					    struct pcsim_bdev *bdev, unsigned ra_pages)
{
	struct address_space *m = pcsim_alloc(w, sizeof(*m));
	m->id = id;
	PCSIM_SETUP_SET(m->i_size, size);
	m->nr_slots = (unsigned long)((size + PCSIM_PAGE_SIZE - 1) >> PCSIM_PAGE_SHIFT) + 1;
	m->slots = pcsim_alloc(w, m->nr_slots * sizeof(*m->slots));
	pcsim_spin_lock_init(&m->i_pages_lock, "mapping->i_pages");
	m->bdev = bdev;
	m->ra_pages = ra_pages;
	pcsim_obj_name(&m->i_size, "file %u.i_size", id);
	return m;
}

struct page *pcsim_mapping_populate(struct address_space *m, unsigned long index, bool uptodate,
				    bool locked)
{
	struct pcsim_world *w = pcsim_world_current();
	struct page *page = pcsim_page_alloc(w);
	unsigned long flags = 0;
	if (uptodate)
		flags |= 1ul << PG_uptodate;
	if (locked)
		flags |= 1ul << PG_locked;
	PCSIM_SETUP_SET(page->flags, flags);
	PCSIM_SETUP_SET(page->index, index);
	PCSIM_SETUP_SET(page->mapping, m);
	if (uptodate)
		PCSIM_SETUP_SET(page->data_tag, ((uint64_t)m->id << 32 | (uint32_t)index) + 1);
	/* one reference belongs to the cache (pcsim_page_alloc gave it) */
	PCSIM_SETUP_SET(m->slots[index], page);
	return page;
}

struct page *pcsim_find_get_page(struct address_space *m, unsigned long index)
{
	struct page *page;

	if (index >= m->nr_slots)
		return NULL;
	rcu_read_lock();
repeat:
	page = rcu_dereference(m->slots[index]);
	if (!page)
		goto out;
	/* The page may be freed and reused at any moment: take a reference only if it is still
	 * live, then make sure the slot still holds it (it may have been truncated and reused). */
	if (!get_page_unless_zero(page))
		goto repeat;
	if (unlikely(page != READ_ONCE(m->slots[index]))) {
		put_page(page);
		goto repeat;
	}
out:
	rcu_read_unlock();
	return page;
}

int pcsim_add_to_page_cache(struct page *page, struct address_space *m, unsigned long index)
{
	unsigned long flags;

	/* __SetPageLocked(): the page is new and private to us until it is in the cache. */
	WRITE_ONCE(page->flags, READ_ONCE(page->flags) | (1ul << PG_locked));
	WRITE_ONCE(page->index, index);
	spin_lock_irqsave(&m->i_pages_lock, flags);
	if (READ_ONCE(m->slots[index])) {
		spin_unlock_irqrestore(&m->i_pages_lock, flags);
		WRITE_ONCE(page->flags, READ_ONCE(page->flags) & ~(1ul << PG_locked));
		return -EEXIST;
	}
	get_page(page);		/* the cache's reference */
	WRITE_ONCE(page->mapping, m);
	rcu_assign_pointer(m->slots[index], page);
	spin_unlock_irqrestore(&m->i_pages_lock, flags);
	return 0;
}

int pcsim_truncate_page(struct address_space *m, unsigned long index)
{
	unsigned long flags;
	struct page *page = find_get_page(m, index);

	if (!page)
		return -ENOENT;
	lock_page(page);
	wait_on_page_writeback(page);
	if (READ_ONCE(page->mapping) != m) {	/* raced with another truncation */
		unlock_page(page);
		put_page(page);
		return -ENOENT;
	}
	spin_lock_irqsave(&m->i_pages_lock, flags);
	rcu_assign_pointer(m->slots[index], NULL);
	WRITE_ONCE(page->mapping, NULL);
	spin_unlock_irqrestore(&m->i_pages_lock, flags);
	unlock_page(page);
	put_page(page);		/* the cache's reference */
	put_page(page);		/* ours */
	return 0;
}
