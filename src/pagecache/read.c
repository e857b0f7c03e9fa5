// SPDX-License-Identifier: MIT
/*
 * read.c - the buffered read path and on-demand readahead, written on the kernel-flavoured API.
 *
 * Models generic_file_buffered_read() of 5.10 (every row of docs/kernel-semantics.md 3.2, with
 * block size = page size so ->is_partially_uptodate never applies) and a subset of
 * mm/readahead.c's on-demand readahead: the initial window from the request size
 * (get_init_ra_size), ramp-up on sequential hits (get_next_ra_size), the PG_readahead mark and
 * the asynchronous readahead it triggers, random reads, FADV_RANDOM and ra_pages = 0.
 * Every byte copied is checked against the file's content function.
 *
 * Re-injectable: B-09 (IOCB_NOIO at a PG_readahead page returns 0, a false EOF, as 5.9/5.10
 * did; off: -EAGAIN as 5.11), B-10 (a sleeping lock after ->readpage under IOCB_WAITQ), B-11
 * (arming a callback after bytes were copied).
 */
#include <errno.h>
#include <stdio.h>

#include <pcsim/cover.h>
#include <pcsim/kernel/barrier.h>
#include <pcsim/kernel/compiler.h>
#include <pcsim/kernel/pagemap.h>

#include "pagecache_int.h"

/* ---------------------------------------------------------------------------------------------
 * On-demand readahead (subset)
 */
static unsigned long roundup_pow_of_two(unsigned long n)
{
	unsigned long r = 1;
	while (r < n)
		r <<= 1;
	return r;
}

/* The first window: a small request gets 4x, a medium one 2x, a large one the maximum. */
static unsigned long get_init_ra_size(unsigned long size, unsigned long max)
{
	unsigned long newsize = roundup_pow_of_two(size);

	if (newsize <= max / 32)
		newsize = newsize * 4;
	else if (newsize <= max / 4)
		newsize = newsize * 2;
	else
		newsize = max;
	return newsize;
}

/* The next window: quadruple while small, then double, capped at the maximum. */
static unsigned long get_next_ra_size(unsigned long cur, unsigned long max)
{
	if (cur < max / 16)
		return 4 * cur;
	if (cur <= max / 2)
		return 2 * cur;
	return max;
}

/*
 * Read [start, start + nr) ahead: new pages go into the cache locked and are submitted; the
 * page at @mark (if any) gets PG_readahead. Pages already cached and pages past EOF are skipped.
 */
static void do_page_cache_ra(struct address_space *m, unsigned long start, unsigned long nr,
			     unsigned long mark)
{
	struct pcsim_world *w = pcsim_world_current();
	unsigned long end_index = (unsigned long)((READ_ONCE(m->i_size) + PAGE_SIZE - 1) >> PAGE_SHIFT);

	for (unsigned long i = start; i < start + nr && i < end_index; i++) {
		struct page *page = pcsim_page_alloc(w);
		if (add_to_page_cache_lru(page, m, i) < 0) {
			put_page(page);		/* already cached */
			continue;
		}
		if (i == mark)
			SetPageReadahead(page);
		pcsim_readpage(m, page);
		put_page(page);			/* the cache holds its own reference */
	}
}

static void ondemand_readahead(struct address_space *m, unsigned long index,
			       unsigned long req_size, bool hit_readahead_marker)
{
	unsigned long max = m->ra_pages;

	/* A sequential continuation of the current window, or the marker: ramp up. */
	if (index == m->ra_start + m->ra_size - m->ra_async_size ||
	    index == m->ra_start + m->ra_size || hit_readahead_marker) {
		m->ra_start += m->ra_size;
		m->ra_size = get_next_ra_size(m->ra_size, max);
		m->ra_async_size = m->ra_size;
		goto readit;
	}
	/* A new sequential stream (start of file or right after the previous read). */
	if (index == 0 || (int64_t)index * (int64_t)PAGE_SIZE <= m->ra_prev_pos + 1) {
		m->ra_start = index;
		m->ra_size = get_init_ra_size(req_size, max);
		m->ra_async_size = m->ra_size > req_size ? m->ra_size - req_size : m->ra_size;
		goto readit;
	}
	/* Random: read what was asked, leave the window alone. */
	do_page_cache_ra(m, index, req_size, ~0ul);
	return;

readit:
	do_page_cache_ra(m, m->ra_start, m->ra_size, m->ra_start + m->ra_size - m->ra_async_size);
}

static void page_cache_sync_readahead(struct address_space *m, unsigned long index,
				      unsigned long req_count)
{
	if (!m->ra_pages)
		return;		/* readahead disabled: the read path creates the page itself */
	if (m->fadv_random) {
		do_page_cache_ra(m, index, req_count, ~0ul);
		return;
	}
	ondemand_readahead(m, index, req_count, false);
}

static void page_cache_async_readahead(struct address_space *m, struct page *page,
				       unsigned long index, unsigned long req_count)
{
	if (!m->ra_pages)
		return;
	ClearPageReadahead(page);
	if (m->fadv_random)
		return;
	ondemand_readahead(m, index, req_count, true);
}

/* ---------------------------------------------------------------------------------------------
 * Copying, checked byte by byte against the file's content function
 */
static unsigned long copy_page_to_iter(struct address_space *m, struct page *page,
				       unsigned long offset, unsigned long bytes,
				       struct iov_iter *iter)
{
	uint64_t tag = READ_ONCE(page->data_tag);
	unsigned long index = READ_ONCE(page->index);
	uint64_t want = ((uint64_t)m->id << 32 | (uint32_t)index) + 1;

	if (bytes > iter->count)
		bytes = iter->count;
	PCSIM_CHECK(tag == want, "read-data",
		    "copying from page %u (index %lu) whose content is %s, not file %u's", page->pfn,
		    index, tag ? "another page's" : "never read", m->id);
	for (unsigned long i = 0; i < bytes; i++)
		iter->buf[iter->done + i] =
			pcsim_file_byte(m->id, ((uint64_t)index << PAGE_SHIFT) + offset + i);
	iter->done += bytes;
	iter->count -= bytes;
	return bytes;
}

/* ---------------------------------------------------------------------------------------------
 * generic_file_buffered_read()
 */
long pcsim_generic_file_buffered_read(struct kiocb *iocb, struct iov_iter *iter, long written)
{
	struct address_space *mapping = iocb->mapping;
	unsigned long index, last_index, prev_index = 0, offset;
	long error = 0;

	if (!iter->count)
		return 0;

	index = (unsigned long)(iocb->ki_pos >> PAGE_SHIFT);
	offset = (unsigned long)(iocb->ki_pos & (PAGE_SIZE - 1));
	last_index = (unsigned long)((iocb->ki_pos + (int64_t)iter->count + (int64_t)PAGE_SIZE - 1) >>
				     PAGE_SHIFT);

	/*
	 * Bytes already moved by the caller (a direct-I/O prefix): a callback armed now could
	 * not report them, so this whole call must not arm (5.10, 13bd691421bc; A5).
	 */
	if (written && (iocb->ki_flags & IOCB_WAITQ) && !bug(11))
		iocb->ki_flags |= IOCB_NOWAIT;

	for (;;) {
		struct page *page;
		unsigned long end_index, nr, ret;
		int64_t isize;

find_page:
		/* Row A */
		if (fatal_signal_pending(current)) {
			error = -EINTR;
			goto out;
		}

		/* Row B: not cached: readahead (unless NOIO), then look again */
		page = find_get_page(mapping, index);
		if (!page) {
			if (iocb->ki_flags & IOCB_NOIO)
				goto would_block;
			page_cache_sync_readahead(mapping, index, last_index - index);
			page = find_get_page(mapping, index);
			if (unlikely(page == NULL))
				goto no_cached_page;
		}
		/* Row D */
		if (PageReadahead(page)) {
			if (iocb->ki_flags & IOCB_NOIO) {
				put_page(page);
				if (bug(9))
					goto out;	/* B-09: 0 bytes = a false EOF */
				goto would_block;
			}
			page_cache_async_readahead(mapping, page, index, last_index - index);
		}
		/* Row E: not uptodate (a read in flight, or a failed one) */
		if (!PageUptodate(page)) {
			if (iocb->ki_flags & IOCB_WAITQ) {
				if (written && !bug(11)) {
					put_page(page);
					goto out;
				}
				error = wait_on_page_locked_async(page, iocb->ki_waitq);
			} else {
				if (iocb->ki_flags & IOCB_NOWAIT) {
					put_page(page);
					goto would_block;
				}
				error = wait_on_page_locked_killable(page);
			}
			if (unlikely(error))
				goto readpage_error;
			if (PageUptodate(page))
				goto page_ok;
			/* Row G does not apply (block size = page size): row H */
			goto page_not_up_to_date;
		}
page_ok:
		/* Row COPY: i_size is read after the page is known uptodate */
		isize = (int64_t)READ_ONCE(mapping->i_size);
		end_index = (unsigned long)((isize - 1) >> PAGE_SHIFT);
		if (unlikely(!isize || index > end_index)) {
			put_page(page);
			goto out;
		}
		nr = PAGE_SIZE;
		if (index == end_index) {
			nr = (unsigned long)(((isize - 1) & (int64_t)(PAGE_SIZE - 1)) + 1);
			if (nr <= offset) {
				put_page(page);
				goto out;
			}
		}
		nr = nr - offset;
		prev_index = index;
		ret = copy_page_to_iter(mapping, page, offset, nr, iter);
		offset += ret;
		index += offset >> PAGE_SHIFT;
		offset &= PAGE_SIZE - 1;
		put_page(page);
		written += (long)ret;
		if (!iter->count)
			goto out;
		if (ret < nr) {
			error = -EFAULT;
			goto out;
		}
		continue;

page_not_up_to_date:
		/* Row H: exclusive access to read it ourselves */
		if (iocb->ki_flags & IOCB_WAITQ) {
			if (written && !bug(11)) {
				put_page(page);
				goto out;
			}
			error = lock_page_async(page, iocb->ki_waitq);
		} else {
			error = lock_page_killable(page);
		}
		if (unlikely(error))
			goto readpage_error;

		/* Row I: truncated before we got the lock: look again (A8) */
		if (!READ_ONCE(page->mapping) && !inject(PCSIM_INJECT_NO_MAPPING_RECHECK)) {
			unlock_page(page);
			put_page(page);
			continue;
		}
		/* Row J: somebody else filled it */
		if (PageUptodate(page)) {
			unlock_page(page);
			goto page_ok;
		}

readpage:
		/* Row READPAGE */
		if (iocb->ki_flags & (IOCB_NOIO | IOCB_NOWAIT)) {
			unlock_page(page);
			put_page(page);
			goto would_block;
		}
		ClearPageError(page);
		error = pcsim_readpage(mapping, page);
		if (unlikely(error))
			goto readpage_error;

		/* Row L: the read is in flight */
		if (!PageUptodate(page)) {
			if ((iocb->ki_flags & IOCB_WAITQ) && !bug(10)) {
				if (written && !bug(11)) {
					put_page(page);
					goto out;
				}
				error = lock_page_async(page, iocb->ki_waitq);
			} else {
				/* B-10: a sleeping lock with IOCB_WAITQ set (A7) */
				PCSIM_CHECK(!(iocb->ki_flags & IOCB_WAITQ), "A7",
					    "the read path sleeps in lock_page_killable() under "
					    "IOCB_WAITQ (page %u)", page->pfn);
				error = lock_page_killable(page);
			}
			if (unlikely(error))
				goto readpage_error;
			/* Row M */
			if (!PageUptodate(page)) {
				if (READ_ONCE(page->mapping) == NULL) {
					/* invalidated under us: look again */
					unlock_page(page);
					put_page(page);
					goto find_page;
				}
				unlock_page(page);
				error = -EIO;
				goto readpage_error;
			}
			unlock_page(page);
		}
		goto page_ok;

readpage_error:
		/* a synchronous error (-EIO, -EINTR) or -EIOCBQUEUED: report it */
		put_page(page);
		goto out;

no_cached_page:
		/*
		 * The model's index covers the file's pages and one page past EOF. The kernel
		 * would create, read and cache a page further beyond EOF and then find nothing
		 * to copy; here such a read ends at EOF at once (docs/pagecache.md,
		 * "Simplifications"). Without this the sim index was read and written out of
		 * bounds (found by the ring tests: a read at 8 KiB of a 4 KiB file).
		 */
		if (index >= mapping->nr_slots)
			goto out;
		/* Row C: create the page ourselves (locked), then read it */
		page = pcsim_page_alloc(pcsim_world_current());
		error = add_to_page_cache_lru(page, mapping, index);
		if (error) {
			put_page(page);
			if (error == -EEXIST) {
				error = 0;
				goto find_page;
			}
			goto out;
		}
		/* we hold the page alloc's reference as ours; the cache took its own */
		goto readpage;
	}

would_block:
	error = -EAGAIN;
out:
	/* A5: once bytes are copied a queued callback can no longer be reported; the check is
	 * around the plug point (pcsim_read_iter), so it holds any read path to it */
	if (mapping->ra_pages)	/* file_ra_state: only readahead reads it */
		mapping->ra_prev_pos = ((int64_t)prev_index << PAGE_SHIFT) + (int64_t)offset;
	iocb->ki_pos = ((int64_t)index << PAGE_SHIFT) + (int64_t)offset;
	pcsim_cover_ret(PCSIM_COV_GFBR_BYTES, written ? written : error);
	return written ? written : error;
}

/* ---------------------------------------------------------------------------------------------
 * Plug points
 */
const struct pcsim_pagecache_ops *pcsim_pagecache_default_ops(void)
{
	static const struct pcsim_pagecache_ops ops = {
		.wake_page_function = pcsim__wake_page_function,
		.wait_async = pcsim___wait_on_page_locked_async,
		.buffered_read = pcsim_generic_file_buffered_read,
	};
	return &ops;
}

long pcsim_read_iter(struct kiocb *iocb, struct iov_iter *iter, long written)
{
	/* rw_verify_area() is the caller's in the kernel; here a negative position is refused
	 * before any path (a user's too) computes a page index from it */
	if (iocb->ki_pos < 0)
		return written ? written : -EINVAL;
	/* through the checks of A5, A6 (and the read context A7/A9 look at) */
	return pcsim__pagecache_checked_read(iocb, iter, written);
}
