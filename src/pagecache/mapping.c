// SPDX-License-Identifier: MIT
/*
 * mapping.c - a file's page cache (the address_space), its lockless lookup, insertion and
 * truncation.
 *
 * Models (5.10): find_get_entry()/pagecache_get_page() (RCU lookup, speculative reference
 * with get_page_unless_zero(), re-check that the index still holds the page),
 * add_to_page_cache_lru() (insert a locked page under the i_pages lock) and
 * delete_from_page_cache()/truncate_inode_page() (lock, wait for writeback, remove, mapping =
 * NULL, unlock, drop the cache's reference). The block device behind ->readpage() is bdev.c.
 *
 * The index (the kernel's xarray) has two models, chosen when the mapping is created:
 * - sim backend: one RCU-protected pointer per page index (m->slots), every access a
 *   preemption point of the engine and the read-side section the engine's simulated RCU, so
 *   the exploration interleaves lookups with truncation and frame reuse step by step;
 * - threads backend: a liburcu lock-free hash table (index_threads.c) under liburcu's memb
 *   RCU, which is what the threads backend's rcu_read_lock() is. Entries are freed with
 *   call_rcu(). m->slots is still kept up to date under the i_pages lock, as a record for
 *   setup() and finish() to inspect; lookups never read it.
 * Either way pages are freed without a grace period, as in the kernel, so the
 * speculative-reference protocol is what keeps lookups safe against eviction and frame reuse.
 */
#include <errno.h>
#include <stdio.h>

#include <pcsim/kernel/barrier.h>
#include <pcsim/kernel/compiler.h>
#include <pcsim/kernel/pagemap.h>
#include <pcsim/kernel/rcupdate.h>
#include <pcsim/kernel/spinlock.h>

#include "index_threads.h"
#include "pagecache_int.h"

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
	/* the world's readahead setting, if any, overrides the creator's window */
	int ra = pcsim_pagecache_config_get(pcsim_world_config(w))->readahead;
	m->ra_pages = ra >= 0 ? (unsigned)ra : ra_pages;
	pcsim_obj_name(&m->i_size, "file %u.i_size", id);
	if (pcsim_world_config(w)->backend == PCSIM_BACKEND_THREADS)
		m->i_pages_lfht = pcsim__page_index_create(w, m->nr_slots);
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
	if (m->i_pages_lfht) {
		struct pcsim__page_index_node *n =
			pcsim__page_index_node_alloc(m->i_pages_lfht, index, page);
		/* NULL: out of memory, the execution has failed and will not run */
		if (n && pcsim__page_index_populate(m->i_pages_lfht, n) != 0) {
			pcsim__page_index_node_free(n);
			pcsim_fail("i_pages", "file %u: page %lu populated twice", m->id, index);
		}
	}
	return page;
}

/*
 * find_get_page() on the threads backend: the same protocol as below, over the hash table. An
 * entry never changes its page, so "does the index still hold this page" becomes "is the entry
 * still in the table": if it was deleted after our lookup, the page may have been truncated,
 * freed and reused (even for this same index, through a new entry) before our reference.
 */
static struct page *find_get_page_lfht(struct address_space *m, unsigned long index)
{
	struct pcsim__page_index_node *n;
	struct page *page;

	rcu_read_lock();
repeat:
	n = pcsim__page_index_lookup(m->i_pages_lfht, index);
	if (!n) {
		page = NULL;
		goto out;
	}
	page = pcsim__page_index_node_page(n);
	if (!get_page_unless_zero(page)) {
		cpu_relax();	/* frozen or being freed: wait for the other CPU (see below) */
		goto repeat;
	}
	/* After the fully ordered increment: pairs with the deletion in pcsim_truncate_page(),
	 * which removes the entry before it drops the cache's reference (O15). */
	if (unlikely(pcsim__page_index_node_deleted(n))) {
		put_page(page);
		goto repeat;
	}
out:
	rcu_read_unlock();
	return page;
}

struct page *pcsim_find_get_page(struct address_space *m, unsigned long index)
{
	struct page *page;

	if (index >= m->nr_slots)
		return NULL;
	if (m->i_pages_lfht)
		return find_get_page_lfht(m, index);
	rcu_read_lock();
repeat:
	page = rcu_dereference(m->slots[index]);
	if (!page)
		goto out;
	/* The page may be freed and reused at any moment: take a reference only if it is still
	 * live, then make sure the slot still holds it (it may have been truncated and reused). */
	if (!get_page_unless_zero(page)) {
		/*
		 * The count is zero: the page is being freed, or reclaim froze it and is about to
		 * empty the slot. The kernel just retries, trusting the other CPU to run meanwhile;
		 * pcsim says so with cpu_relax(), which yields to the engine (docs/engine.md, 18),
		 * or a strategy could spin here forever.
		 */
		cpu_relax();
		goto repeat;
	}
	if (unlikely(page != READ_ONCE(m->slots[index]))) {
		put_page(page);
		goto repeat;
	}
out:
	rcu_read_unlock();
	return page;
}

/* Threads backend: insert under the i_pages lock; @n was allocated before the lock. */
static int add_lfht_locked(struct page *page, struct address_space *m, unsigned long index,
			   struct pcsim__page_index_node *n)
{
	/* Updaters are serialised by the lock, so this answer stays true until we publish. */
	rcu_read_lock();
	bool taken = pcsim__page_index_lookup(m->i_pages_lfht, index) != NULL;
	rcu_read_unlock();
	if (taken)
		return -EEXIST;
	get_page(page);		/* the cache's reference */
	WRITE_ONCE(page->mapping, m);
	/* Publishes the entry with a full barrier: a lookup that finds it sees the reference and
	 * the mapping (O6). */
	if (pcsim__page_index_insert(m->i_pages_lfht, n) != 0) {
		/* Impossible under the lock; undo rather than leave a page nobody indexes. */
		WRITE_ONCE(page->mapping, NULL);
		put_page(page);
		pcsim_fail("i_pages", "file %u: index %lu appeared under the i_pages lock", m->id,
			   index);
		return -EEXIST;
	}
	if (index < m->nr_slots)
		WRITE_ONCE(m->slots[index], page);	/* the record for setup()/finish() */
	return 0;
}

int pcsim_add_to_page_cache(struct page *page, struct address_space *m, unsigned long index)
{
	unsigned long flags;
	struct pcsim__page_index_node *n = NULL;
	int ret;

	/* __SetPageLocked(): the page is new and private to us until it is in the cache. */
	WRITE_ONCE(page->flags, READ_ONCE(page->flags) | (1ul << PG_locked));
	WRITE_ONCE(page->index, index);
	if (m->i_pages_lfht) {
		/* Allocate before taking the lock, as the kernel's xas_nomem() retry does. */
		n = pcsim__page_index_node_alloc(m->i_pages_lfht, index, page);
		if (!n) {	/* out of memory: the execution has failed, say so to the caller */
			WRITE_ONCE(page->flags, READ_ONCE(page->flags) & ~(1ul << PG_locked));
			return -ENOMEM;
		}
		spin_lock_irqsave(&m->i_pages_lock, flags);
		ret = add_lfht_locked(page, m, index, n);
		spin_unlock_irqrestore(&m->i_pages_lock, flags);
		if (ret) {
			pcsim__page_index_node_free(n);	/* never published */
			WRITE_ONCE(page->flags, READ_ONCE(page->flags) & ~(1ul << PG_locked));
		}
		return ret;
	}
	if (index >= m->nr_slots) {
		/* no slot in the model's index (file pages plus one past EOF) */
		WRITE_ONCE(page->flags, READ_ONCE(page->flags) & ~(1ul << PG_locked));
		return -EFBIG;
	}
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

/*
 * __delete_from_page_cache()'s index half: @page leaves @index. The caller holds the i_pages
 * lock and drops the cache's reference only afterwards, so a lookup that gets a reference later
 * sees the entry gone (O15).
 */
void pcsim__mapping_delete_locked(struct address_space *m, unsigned long index,
				  struct page *page)
{
	if (m->i_pages_lfht) {
		/* the entry is freed after a grace period */
		int err = pcsim__page_index_delete(m->i_pages_lfht, index, page);
		PCSIM_CHECK(err == 0, "i_pages",
			    "file %u: page %u is not at index %lu although its mapping says so",
			    m->id, page->pfn, index);
		WRITE_ONCE(m->slots[index], NULL);	/* the record for setup()/finish() */
	} else {
		rcu_assign_pointer(m->slots[index], NULL);
	}
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
	pcsim__mapping_delete_locked(m, index, page);
	WRITE_ONCE(page->mapping, NULL);
	spin_unlock_irqrestore(&m->i_pages_lock, flags);
	unlock_page(page);
	put_page(page);		/* the cache's reference */
	put_page(page);		/* ours */
	return 0;
}
