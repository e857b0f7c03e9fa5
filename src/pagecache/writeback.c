// SPDX-License-Identifier: MIT
/*
 * writeback.c - writeback of one cached page, as an operation tasks run beside readers,
 * truncation and reclaim.
 *
 * Models (5.10): write_cache_pages() for one page (mm/page-writeback.c): lock_page(), skip a
 * page truncated meanwhile, wait for a writeback still in flight, set_page_writeback(),
 * unlock_page(), submit the write and let the page go; the bio's completion runs in interrupt
 * context and calls end_page_writeback() (mm/filemap.c), which pins the page across its clear
 * and its wake (073861ed77b6). The page holds no dirty data in pcsim (contents are a function
 * of file and offset), so only the PG_writeback protocol is modelled: truncation waits for it,
 * reclaim keeps the page while it is set, and its end wakes wait_on_page_writeback().
 */
#include <errno.h>
#include <stdio.h>

#include <pcsim/kernel/compiler.h>
#include <pcsim/kernel/pagemap.h>

#include "pagecache_int.h"

/* end_bio_bh_io_sync() -> end_page_writeback(), in hard-irq context */
static void write_complete(void *arg)
{
	end_page_writeback(arg);
}

int pcsim_write_page(struct address_space *m, unsigned long index)
{
	struct pcsim_world *w = pcsim_world_current();
	struct page *page = find_get_page(m, index);
	char name[40];

	if (!page)
		return -ENOENT;
	lock_page(page);
	if (unlikely(READ_ONCE(page->mapping) != m)) {	/* truncated before we locked it */
		unlock_page(page);
		put_page(page);
		return -ENOENT;
	}
	wait_on_page_writeback(page);	/* WB_SYNC_ALL: wait for the previous write */
	if (TestSetPageWriteback(page))	/* set_page_writeback() */
		pcsim_fail("writeback", "page %u under writeback twice", page->pfn);
	unlock_page(page);

	/* submit_bio(): the write completes in interrupt context; the page cache's reference
	 * keeps the page while PG_writeback is set (truncation waits, reclaim keeps it) */
	snprintf(name, sizeof(name), "write page %u", page->pfn);
	struct pcsim_event_desc d = { name, PCSIM_CTX_HARDIRQ, -1, 0, write_complete, page };
	pcsim_event_post(w, &d);
	put_page(page);
	return 0;
}
