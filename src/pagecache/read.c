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
 * Kernel profiles (docs/kernel-profiles.md): 5.10 is the function above; 5.9 and 5.8 the same
 * without the two 5.10 fixes of B-11; 6.18 filemap_read() with filemap_get_pages() and
 * filemap_update_page() (the default buffered_read plug on that profile), where B-11 stays
 * re-injectable (no NOWAIT once bytes were copied) and B-09, B-10 cannot happen (no such
 * branch: NOIO at a readahead folio is -EAGAIN, and a WAITQ read never reads a folio).
 *
 * Re-injectable: B-09 (IOCB_NOIO at a PG_readahead page returns 0, a false EOF, as 5.9/5.10
 * did; off: -EAGAIN as 5.11), B-10 (a sleeping lock after ->readpage under IOCB_WAITQ), B-11
 * (arming a callback after bytes were copied).
 */
#include <errno.h>
#include <stdio.h>

#include <pcsim/cover.h>
#include <pcsim/file_bytes.h>
#include <pcsim/kernel/barrier.h>
#include <pcsim/kernel/compiler.h>
#include <pcsim/kernel/folio.h>
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

	/*
	 * Start of file: a new window at once. The kernel tests this first (5.10
	 * ondemand_readahead(), 6.18 page_cache_sync_ra()); the 5.10 model has always tested the
	 * ramp-up first, which at index 0 of a fresh file ramps a zero window up to zero pages and
	 * leaves the page to the read path. Kept on 5.8-5.10 so their traces stay as recorded
	 * (docs/kernel-profiles.md, "Known differences"); on 6.18, where a read under IOCB_WAITQ
	 * never creates a page itself, the readahead has to create it.
	 */
	if (!index && !hit_readahead_marker && pagecache_kernel() == PCSIM_KERNEL_6_18)
		goto initial;
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
initial:
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
	if (!m->ra_pages) {
		/*
		 * 6.18's page_cache_sync_ra() reads the page asked for even with readahead
		 * disabled ("issue this request as readahead as we'll need it": a forced readahead
		 * of req_count = 1), so a NOWAIT or WAITQ read of an absent page starts its I/O
		 * there (docs/kernel-profiles.md). 5.10 returns; its read path creates the page.
		 */
		if (pagecache_kernel() == PCSIM_KERNEL_6_18)
			do_page_cache_ra(m, index, 1, ~0ul);
		return;
	}
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
 * Copying: the page's tag is checked, then its bytes (the file's content function) are copied in
 * bulk from the per-thread content cache (<pcsim/file_bytes.h>)
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
	pcsim_file_bytes(m->id, ((uint64_t)index << PAGE_SHIFT) + offset, iter->buf + iter->done,
			 bytes);
	iter->done += bytes;
	iter->count -= bytes;
	return bytes;
}

/* ---------------------------------------------------------------------------------------------
 * generic_file_buffered_read()
 */
/*
 * Kernels 5.8 and 5.9 have neither 13bd691421bc (5.10-rc1: NOWAIT once bytes were copied) nor
 * 0abed7c69b95 (5.10-rc5: no async lock after bytes were transferred): on those profiles the
 * path behaves as with B-11 re-injected.
 */
static bool b11(void)
{
	enum pcsim_kernel k = pagecache_kernel();
	return bug(11) || k == PCSIM_KERNEL_5_8 || k == PCSIM_KERNEL_5_9;
}

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
	if (written && (iocb->ki_flags & IOCB_WAITQ) && !b11())
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
				if (written && !b11()) {
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
			if (written && !b11()) {
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
				if (written && !b11()) {
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
 * filemap_read() and its helpers: kernel profile 6.18 (S-FMnew; docs/kernel-semantics.md 3.3)
 *
 * Written with the folio names (<pcsim/kernel/folio.h>); pcsim's folios are single pages. Not
 * modelled: the invalidate_lock (its holders - hole punch, truncate of a range - are not part of
 * the model; a NOWAIT trylock of it always succeeds here), folio_mark_accessed(), the
 * ->is_partially_uptodate() test (block size = page size) and the s_maxbytes clamp.
 */
#define FOLIO_BATCH_SIZE 31

struct folio_batch {
	unsigned nr;
	struct folio *folios[FOLIO_BATCH_SIZE];
};

/*
 * filemap_get_read_batch(): consecutive cached folios from @index to @max; the batch ends after
 * the first folio that is not uptodate or carries PG_readahead, so only its last folio can need
 * work.
 */
static void filemap_get_read_batch(struct address_space *mapping, unsigned long index,
				   unsigned long max, struct folio_batch *fbatch)
{
	for (; index <= max && fbatch->nr < FOLIO_BATCH_SIZE; index++) {
		struct folio *folio = find_get_page(mapping, index);

		if (!folio)
			break;
		fbatch->folios[fbatch->nr++] = folio;
		if (!folio_test_uptodate(folio))
			break;
		if (folio_test_readahead(folio))
			break;
	}
}

/* filemap_read_folio(): start the read (the completion unlocks), wait for the unlock. */
static int filemap_read_folio(struct address_space *mapping, struct folio *folio)
{
	int error;

	error = pcsim_readpage(mapping, folio);
	if (error)
		return error;
	error = folio_wait_locked_killable(folio);
	if (error)
		return error;
	if (folio_test_uptodate(folio))
		return 0;
	return -EIO;
}

/*
 * filemap_update_page(): the last folio of the batch is not uptodate. Lock it (without waiting
 * under NOWAIT/NOIO; arming a callback under WAITQ; otherwise sleeping in a DROP wait and
 * looking the folio up again), then re-check truncation and uptodate; under NOIO, NOWAIT or
 * WAITQ never read it here.
 */
static int filemap_update_page(struct kiocb *iocb, struct address_space *mapping,
			       struct folio *folio)
{
	int error;

	if (!folio_trylock(folio)) {
		error = -EAGAIN;
		if (iocb->ki_flags & (IOCB_NOWAIT | IOCB_NOIO))
			goto unlock_mapping;
		if (!(iocb->ki_flags & IOCB_WAITQ)) {
			/* usually where a reader waits for readahead it submitted earlier */
			folio_put_wait_locked(folio, TASK_KILLABLE);
			return AOP_TRUNCATED_PAGE;
		}
		/* __folio_lock_async() through the plug, with the arm checks around it */
		error = pcsim__wait_on_page_locked_async_ops(folio, iocb->ki_waitq, true);
		if (error)
			goto unlock_mapping;
	}

	error = AOP_TRUNCATED_PAGE;
	if (!READ_ONCE(folio->mapping) && !inject(PCSIM_INJECT_NO_MAPPING_RECHECK))
		goto unlock;

	error = 0;
	if (folio_test_uptodate(folio))
		goto unlock;

	error = -EAGAIN;
	if (iocb->ki_flags & (IOCB_NOIO | IOCB_NOWAIT | IOCB_WAITQ))
		goto unlock;

	error = filemap_read_folio(mapping, folio);
	goto unlock_mapping;
unlock:
	folio_unlock(folio);
unlock_mapping:
	if (error == AOP_TRUNCATED_PAGE)
		folio_put(folio);
	return error;
}

/* filemap_create_folio(): nothing cached and readahead made nothing: create, insert, read. */
static int filemap_create_folio(struct address_space *mapping, unsigned long index,
				struct folio_batch *fbatch)
{
	struct folio *folio;
	int error;

	/* the model's index ends one page past EOF (docs/pagecache.md, "Simplifications") */
	if (index >= mapping->nr_slots)
		return 0;
	folio = pcsim_page_alloc(pcsim_world_current());
	error = add_to_page_cache_lru(folio, mapping, index);
	if (error == -EEXIST)
		error = AOP_TRUNCATED_PAGE;
	if (error)
		goto error;

	error = filemap_read_folio(mapping, folio);
	if (error)
		goto error;

	fbatch->folios[fbatch->nr++] = folio;	/* the allocation's reference is the batch's */
	return 0;
error:
	folio_put(folio);
	return error;
}

static int filemap_readahead(struct kiocb *iocb, struct address_space *mapping,
			     struct folio *folio, unsigned long last_index)
{
	unsigned long index = (unsigned long)READ_ONCE(folio->index);

	if (iocb->ki_flags & IOCB_NOIO)
		return -EAGAIN;
	page_cache_async_readahead(mapping, folio, index, last_index - index);
	return 0;
}

/*
 * filemap_get_pages(): fill @fbatch for the read at iocb->ki_pos. Return 0 with a batch (maybe
 * shortened to the folios before one that failed: a short read), 0 with an empty batch past the
 * model's index, or the error of the only folio.
 */
static int filemap_get_pages(struct kiocb *iocb, size_t count, struct folio_batch *fbatch)
{
	struct address_space *mapping = iocb->mapping;
	unsigned long index = (unsigned long)(iocb->ki_pos >> PAGE_SHIFT);
	unsigned long last_index;
	struct folio *folio;
	int err = 0;

	/* the index of the page beyond the end of the read */
	last_index = (unsigned long)((iocb->ki_pos + (int64_t)count + (int64_t)PAGE_SIZE - 1) >>
				     PAGE_SHIFT);
retry:
	if (fatal_signal_pending(current))
		return -EINTR;

	filemap_get_read_batch(mapping, index, last_index - 1, fbatch);
	if (!fbatch->nr) {
		if (iocb->ki_flags & IOCB_NOIO)
			return -EAGAIN;
		page_cache_sync_readahead(mapping, index, last_index - index);
		filemap_get_read_batch(mapping, index, last_index - 1, fbatch);
	}
	if (!fbatch->nr) {
		/* never create and read a folio where that would block: punt */
		if (iocb->ki_flags & (IOCB_NOWAIT | IOCB_WAITQ))
			return -EAGAIN;
		err = filemap_create_folio(mapping, index, fbatch);
		if (err == AOP_TRUNCATED_PAGE)
			goto retry;
		return err;
	}

	folio = fbatch->folios[fbatch->nr - 1];
	if (folio_test_readahead(folio)) {
		err = filemap_readahead(iocb, mapping, folio, last_index);
		if (err)
			goto err;
	}
	if (!folio_test_uptodate(folio)) {
		/* earlier folios will be copied: this call must not also arm a callback */
		if ((iocb->ki_flags & IOCB_WAITQ) && fbatch->nr > 1)
			iocb->ki_flags |= IOCB_NOWAIT;
		err = filemap_update_page(iocb, mapping, folio);
		if (err)
			goto err;
	}
	return 0;
err:
	if (err < 0)
		folio_put(folio);
	if (likely(--fbatch->nr))
		return 0;
	if (err == AOP_TRUNCATED_PAGE)
		goto retry;
	return err;
}

long pcsim_filemap_read(struct kiocb *iocb, struct iov_iter *iter, long already_read)
{
	struct address_space *mapping = iocb->mapping;
	struct folio_batch fbatch;
	int64_t isize = 0, end_offset, last_pos = mapping->ra_prev_pos;
	int error = 0;

	if (unlikely(!iter->count))
		return 0;

	fbatch.nr = 0;
	do {
		/* bytes copied (by the caller or an earlier round): -EIOCBQUEUED can no longer be
		 * returned, so the read goes on NOWAIT (B-11 re-injected: not, as before 5.10) */
		if ((iocb->ki_flags & IOCB_WAITQ) && already_read && !bug(11))
			iocb->ki_flags |= IOCB_NOWAIT;

		if (unlikely(iocb->ki_pos >= (int64_t)READ_ONCE(mapping->i_size)))
			break;

		error = filemap_get_pages(iocb, iter->count, &fbatch);
		if (error < 0)
			break;
		if (!fbatch.nr)
			break;		/* past the model's index: nothing to read (EOF) */

		/* i_size only now that the folios are uptodate */
		isize = (int64_t)READ_ONCE(mapping->i_size);
		if (unlikely(iocb->ki_pos >= isize))
			goto put_folios;
		end_offset = isize < iocb->ki_pos + (int64_t)iter->count
				     ? isize
				     : iocb->ki_pos + (int64_t)iter->count;

		for (unsigned i = 0; i < fbatch.nr; i++) {
			struct folio *folio = fbatch.folios[i];
			unsigned long offset = (unsigned long)(iocb->ki_pos & (PAGE_SIZE - 1));
			int64_t left = end_offset - iocb->ki_pos;
			unsigned long bytes = left < (int64_t)(PAGE_SIZE - offset)
						      ? (unsigned long)left
						      : PAGE_SIZE - offset;
			unsigned long copied;

			if (end_offset < folio_pos(folio))
				break;
			copied = copy_page_to_iter(mapping, folio, offset, bytes, iter);

			already_read += (long)copied;
			iocb->ki_pos += (int64_t)copied;
			last_pos = iocb->ki_pos;

			if (copied < bytes) {
				error = -EFAULT;
				break;
			}
		}
put_folios:
		for (unsigned i = 0; i < fbatch.nr; i++)
			folio_put(fbatch.folios[i]);
		fbatch.nr = 0;
	} while (iter->count && iocb->ki_pos < isize && !error);

	if (mapping->ra_pages)	/* file_ra_state: only readahead reads it */
		mapping->ra_prev_pos = last_pos;
	return already_read ? already_read : error;
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

const struct pcsim_pagecache_ops *pcsim_pagecache_kernel_ops(int kernel)
{
	static const struct pcsim_pagecache_ops ops618 = {
		.wake_page_function = pcsim__wake_page_function,
		.wait_async = pcsim___folio_lock_async,
		.buffered_read = pcsim_filemap_read,
	};
	return kernel == PCSIM_KERNEL_6_18 ? &ops618 : pcsim_pagecache_default_ops();
}

long pcsim_read_iter(struct kiocb *iocb, struct iov_iter *iter, long written)
{
	/* rw_verify_area() is the caller's in the kernel; here a negative position is refused
	 * before any path (a user's too) computes a page index from it */
	if (iocb->ki_pos < 0)
		return written ? written : -EINVAL;
	/*
	 * 5.8 has no IOCB_WAITQ (the async buffered reads series is 5.9-rc1): its
	 * generic_file_buffered_read() has no branch that looks at the flag, so a caller's
	 * IOCB_WAITQ means nothing there and the read blocks as a plain read does
	 * (docs/kernel-profiles.md, "5.8").
	 */
	if (pagecache_kernel() == PCSIM_KERNEL_5_8)
		iocb->ki_flags &= ~IOCB_WAITQ;
	/* through the checks of A5, A6 (and the read context A7/A9 look at) */
	return pcsim__pagecache_checked_read(iocb, iter, written);
}
