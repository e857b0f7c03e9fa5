/* SPDX-License-Identifier: MIT */
/*
 * pcsim/kernel/folio.h - folio names for the kernel profile 6.18 (include/linux/pagemap.h,
 * include/linux/page-flags.h, mm/filemap.c of today's mainline), as aliases of the page names
 * of <pcsim/kernel/pagemap.h>.
 *
 * pcsim's pages are single-page folios: a folio is a struct pcsim_page, folio_pos() is the
 * page's byte offset and folio_size() PAGE_SIZE. The page flags keep the 5.10 numbering in every
 * profile; what 6.18 relies on holds in it too (PG_locked and PG_uptodate in the low byte,
 * PG_waiters its bit 7). Model code for the 6.18 profile (src/pagecache/filemap.c,
 * src/pagecache/read.c) is written with these names; docs/kernel-profiles.md maps each to the
 * function it models.
 */
#ifndef PCSIM_KERNEL_FOLIO_H
#define PCSIM_KERNEL_FOLIO_H

#include <pcsim/kernel/pagemap.h>

/* struct folio is struct pcsim_page; key->folio and wait_page->folio are its page pointers */
#define folio pcsim_page

#define folio_test_locked(f) PageLocked(f)
#define folio_test_uptodate(f) PageUptodate(f)
#define folio_test_readahead(f) PageReadahead(f)
#define folio_test_writeback(f) PageWriteback(f)
#define folio_set_waiters(f) SetPageWaiters(f)
#define folio_clear_waiters(f) ClearPageWaiters(f)
#define folio_flags(f, n) (&(f)->flags)
#define folio_get(f) get_page(f)
#define folio_put(f) put_page(f)
#define folio_pos(f) ((int64_t)READ_ONCE((f)->index) << PAGE_SHIFT)
#define folio_size(f) PAGE_SIZE
#define folio_waitqueue(f) page_waitqueue(f)
#define folio_trylock(f) trylock_page(f)
#define folio_unlock(f) pcsim_folio_unlock(f)
#define folio_end_read(f, ok) pcsim_folio_end_read((f), (ok))
#define folio_lock_killable(f) lock_page_killable(f)
#define folio_wait_locked_killable(f) wait_on_page_locked_killable(f)
#define folio_put_wait_locked(f, s) put_and_wait_on_page_locked((f), (s))
#define __folio_lock_async(f, w) pcsim___folio_lock_async((f), (w), true)
#define filemap_read(i, it, n) pcsim_filemap_read((i), (it), (n))

/* A ->read_folio() or filemap_update_page() result: drop the folio and look it up again. */
#define AOP_TRUNCATED_PAGE 0x80001

#endif
