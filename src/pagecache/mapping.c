// SPDX-License-Identifier: MIT
/*
 * mapping.c - a file's page cache (the address_space), its lockless lookup, insertion and
 * truncation, and the block device that fills pages.
 *
 * Models (5.10): find_get_entry()/pagecache_get_page() (RCU lookup, speculative reference
 * with get_page_unless_zero(), re-check that the slot still holds the page),
 * add_to_page_cache_lru() (insert a locked page under the i_pages lock),
 * delete_from_page_cache()/truncate_inode_page() (lock, wait for writeback, remove, mapping =
 * NULL, unlock, drop the cache's reference), and a readpage that submits a bio whose
 * completion runs in interrupt context: SetPageUptodate (or SetPageError) and unlock_page().
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

struct pcsim_bdev_req {
	struct pcsim_bdev *bdev;
	struct page *page;
	uint32_t file;
	struct pcsim_bdev_req *next;
};

void pcsim_bdev_init(struct pcsim_bdev *bdev, unsigned slots, bool eio)
{
	bdev->slots = slots ? slots : 1;
	bdev->eio = eio;
	pcsim_spin_lock_init(&bdev->lock, "bdev->lock");
	bdev->inflight = 0;
	bdev->queue = bdev->queue_tail = NULL;
	bdev->completed = bdev->failed = 0;
}

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

static void set_page_data(struct page *page, uint32_t file)
{
	/* The content a read fills in: (file, index) + 1; 0 means never filled. */
	WRITE_ONCE(page->data_tag, ((uint64_t)file << 32 | (uint32_t)READ_ONCE(page->index)) + 1);
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

/* ---------------------------------------------------------------------------------------------
 * The block device
 */
static void bdev_start(struct pcsim_bdev_req *rq);

static void bdev_complete(void *arg)
{
	struct pcsim_bdev_req *rq = arg;
	struct pcsim_bdev *bdev = rq->bdev;
	struct page *page = rq->page;
	bool eio = bdev->eio && pcsim_choose("eio", 2) == 1;

	/* end_page_read(): in interrupt context, on the CPU the event fired on */
	if (eio) {
		ClearPageUptodate(page);
		SetPageError(page);
		__atomic_fetch_add(&bdev->failed, 1, __ATOMIC_RELAXED);
	} else {
		set_page_data(page, rq->file);
		SetPageUptodate(page);
		__atomic_fetch_add(&bdev->completed, 1, __ATOMIC_RELAXED);
	}
	unlock_page(page);
	struct pcsim_bdev_req *next;
	spin_lock(&bdev->lock);		/* interrupts are off here already */
	bdev->inflight--;
	next = bdev->queue;
	if (next) {
		bdev->queue = next->next;
		if (!bdev->queue)
			bdev->queue_tail = NULL;
		bdev->inflight++;
	}
	spin_unlock(&bdev->lock);
	if (next)
		bdev_start(next);
}

static void bdev_start(struct pcsim_bdev_req *rq)
{
	struct pcsim_world *w = pcsim_world_current();
	char name[40];
	snprintf(name, sizeof(name), "bio page %u", rq->page->pfn);
	struct pcsim_event_desc d = { name, PCSIM_CTX_HARDIRQ, -1, 0, bdev_complete, rq };
	pcsim_event_post(w, &d);
}

int pcsim_readpage(struct address_space *m, struct page *page)
{
	struct pcsim_world *w = pcsim_world_current();
	struct pcsim_bdev_req *rq = pcsim_alloc(w, sizeof(*rq));

	PCSIM_CHECK(PageLocked(page), "readpage", "->readpage() of an unlocked page %u", page->pfn);
	rq->bdev = m->bdev;
	rq->page = page;
	rq->file = m->id;
	/* submit_bio(): into a free slot, or wait in the queue */
	unsigned long flags = 0;
	bool start;
	bool in_ctx = current || in_interrupt();	/* setup code runs alone: no lock */
	if (in_ctx)
		spin_lock_irqsave(&m->bdev->lock, flags);
	start = m->bdev->inflight < m->bdev->slots;
	if (start) {
		m->bdev->inflight++;
	} else {
		if (m->bdev->queue_tail)
			m->bdev->queue_tail->next = rq;
		else
			m->bdev->queue = rq;
		m->bdev->queue_tail = rq;
	}
	if (in_ctx)
		spin_unlock_irqrestore(&m->bdev->lock, flags);
	if (start)
		bdev_start(rq);
	return 0;
}
