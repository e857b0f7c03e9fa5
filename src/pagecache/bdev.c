// SPDX-License-Identifier: MIT
/*
 * bdev.c - the block device behind ->readpage(): a queue with k parallel slots; a request's
 * completion is an interrupt-context event (end_page_read(): SetPageUptodate or SetPageError,
 * then unlock_page()), and in exploration its moment is a choice of the strategy. -EIO is an
 * injectable data choice.
 *
 * Models (5.10): mpage_readpage()/submit_bio() down to the request queue, and the bio end_io
 * that ends the page read (fs/mpage.c mpage_end_io -> page_endio()).
 */
#include <errno.h>
#include <stdio.h>

#include <pcsim/kernel/compiler.h>
#include <pcsim/kernel/pagemap.h>
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

static void set_page_data(struct page *page, uint32_t file)
{
	/* The content a read fills in: (file, index) + 1; 0 means never filled. */
	WRITE_ONCE(page->data_tag, ((uint64_t)file << 32 | (uint32_t)READ_ONCE(page->index)) + 1);
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
	pcsim__pagecache_check_readpage(m, page);	/* A8 */
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
