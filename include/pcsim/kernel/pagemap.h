/* SPDX-License-Identifier: MIT */
/*
 * pcsim/kernel/pagemap.h - struct page, page flags and the page lock under their kernel names
 * (include/linux/pagemap.h, include/linux/page-flags.h, mm/filemap.c; 5.10, with the 5.9
 * async helpers of the async buffered reads series).
 */
#ifndef PCSIM_KERNEL_PAGEMAP_H
#define PCSIM_KERNEL_PAGEMAP_H

#include <pcsim/kernel/barrier.h>
#include <pcsim/kernel/bitops.h>
#include <pcsim/kernel/wait.h>
#include <pcsim/pagecache.h>

#define page pcsim_page
#define address_space pcsim_address_space
#define kiocb pcsim_kiocb
#define iov_iter pcsim_iov_iter
#define IOCB_NOWAIT PCSIM_IOCB_NOWAIT
#define IOCB_WAITQ PCSIM_IOCB_WAITQ
#define IOCB_NOIO PCSIM_IOCB_NOIO
#define PAGE_SHIFT PCSIM_PAGE_SHIFT
#define PAGE_SIZE PCSIM_PAGE_SIZE
#define find_get_page(m, i) pcsim_find_get_page((m), (i))
#define add_to_page_cache_lru(p, m, i) pcsim_add_to_page_cache((p), (m), (i))
#define wait_page_key pcsim_wait_page_key
#define wait_page_queue pcsim_wait_page_queue

#define PG_locked PCSIM_PG_locked
#define PG_referenced PCSIM_PG_referenced
#define PG_uptodate PCSIM_PG_uptodate
#define PG_dirty PCSIM_PG_dirty
#define PG_lru PCSIM_PG_lru
#define PG_waiters PCSIM_PG_waiters
#define PG_error PCSIM_PG_error
#define PG_writeback PCSIM_PG_writeback
#define PG_reclaim PCSIM_PG_reclaim
#define PG_readahead PCSIM_PG_readahead

#define PageLocked(p) test_bit(PG_locked, &(p)->flags)
#define PageWaiters(p) test_bit(PG_waiters, &(p)->flags)
#define SetPageWaiters(p) set_bit(PG_waiters, &(p)->flags)
#define ClearPageWaiters(p) clear_bit(PG_waiters, &(p)->flags)
/* PageUptodate(): a true result is followed by smp_rmb(), the reader half of the pair whose
 * writer half is the smp_wmb() in SetPageUptodate() (the page's contents before the flag). */
static inline bool pcsim__page_uptodate(struct pcsim_page *p)
{
	bool ret = pcsim_test_bit(PCSIM_PG_uptodate, &p->flags);
	if (ret)
		pcsim_smp_rmb();
	return ret;
}
#define PageUptodate(p) pcsim__page_uptodate(p)
#define SetPageUptodate(p) (smp_wmb(), set_bit(PG_uptodate, &(p)->flags))
#define ClearPageUptodate(p) clear_bit(PG_uptodate, &(p)->flags)
#define PageError(p) test_bit(PG_error, &(p)->flags)
#define SetPageError(p) set_bit(PG_error, &(p)->flags)
#define ClearPageError(p) clear_bit(PG_error, &(p)->flags)
#define PageReadahead(p) test_bit(PG_readahead, &(p)->flags)
#define SetPageReadahead(p) set_bit(PG_readahead, &(p)->flags)
#define ClearPageReadahead(p) clear_bit(PG_readahead, &(p)->flags)
#define PageWriteback(p) test_bit(PG_writeback, &(p)->flags)
#define TestSetPageWriteback(p) test_and_set_bit(PG_writeback, &(p)->flags)
#define TestClearPageWriteback(p) test_and_clear_bit(PG_writeback, &(p)->flags)

#define get_page(p) pcsim_get_page(p)
#define get_page_unless_zero(p) pcsim_get_page_unless_zero(p)
#define put_page(p) pcsim_put_page(p)
#define page_count(p) pcsim_page_count(p)
#define page_waitqueue(p) pcsim_page_waitqueue(p)
#define wake_page_match(w, k) pcsim_wake_page_match((w), (k))
#define trylock_page(p) pcsim_trylock_page(p)
#define unlock_page(p) pcsim_unlock_page(p)
#define lock_page(p) pcsim_lock_page(p)
#define lock_page_killable(p) pcsim_lock_page_killable(p)
#define wait_on_page_locked(p) pcsim_wait_on_page_locked(p)
#define wait_on_page_locked_killable(p) pcsim_wait_on_page_locked_killable(p)
#define put_and_wait_on_page_locked(p, s) pcsim_put_and_wait_on_page_locked((p), (s))
#define wait_on_page_writeback(p) pcsim_wait_on_page_writeback(p)
#define end_page_writeback(p) pcsim_end_page_writeback(p)
#define wake_up_page_bit(p, b) pcsim_wake_up_page_bit((p), (b))
#define add_page_wait_queue(p, w) pcsim_add_page_wait_queue((p), (w))
#define __wait_on_page_locked_async(p, w, s) pcsim___wait_on_page_locked_async((p), (w), (s))
#define lock_page_async(p, w) pcsim_lock_page_async((p), (w))
#define wait_on_page_locked_async(p, w) pcsim_wait_on_page_locked_async((p), (w))

#endif
