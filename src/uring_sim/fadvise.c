// SPDX-License-Identifier: MIT
/*
 * fadvise.c - IORING_OP_FADVISE on the page-cache model.
 *
 * Models (5.10): io_fadvise_prep() and io_fadvise() of fs/io_uring.c - with force_nonblock only
 * NORMAL, RANDOM and SEQUENTIAL are done inline, the others return -EAGAIN and go to io-wq -
 * and generic_fadvise() of mm/fadvise.c for what the advice does: RANDOM and NORMAL /
 * SEQUENTIAL set or clear FMODE_RANDOM (the file's fadv_random here); DONTNEED drops the clean,
 * unlocked, unreferenced pages of the range through reclaim's path (pcsim_evict_page(), the
 * model of invalidate_mapping_pages()' per-page work); WILLNEED starts reads of the pages of
 * the range that are not cached (force_page_cache_readahead(): allocate, insert locked,
 * ->readpage; nobody waits). NOREUSE does nothing. The CQE result is 0, or -EINVAL for an
 * unknown advice.
 */
#include <linux/fadvise.h>

#include "uring_int.h"

int pcsim__io_fadvise_prep(struct io_kiocb *req, const struct io_uring_sqe *sqe)
{
	struct io_file *f = pcsim__uring_file(req->ctx->w, sqe->fd);
	if (!f)
		return -EBADF;
	if (!f->mapping)
		return -ESPIPE;		/* generic_fadvise() of a pipe-like file */
	if (sqe->ioprio || sqe->buf_index || sqe->addr)
		return -EINVAL;
	req->file = f;
	req->off = (int64_t)sqe->off;
	req->len = sqe->len;
	req->advice = sqe->fadvise_advice;
	return 0;
}

/* The pages [first, last] of the range (len 0: to EOF), within the model's index. */
static void fadvise_range(struct io_kiocb *req, unsigned long *first, unsigned long *last)
{
	struct address_space *m = req->file->mapping;
	uint64_t size = (uint64_t)READ_ONCE(m->i_size);
	uint64_t end = req->len ? (uint64_t)req->off + req->len : size;
	if (end > size)
		end = size;
	*first = (unsigned long)((uint64_t)req->off >> PAGE_SHIFT);
	*last = end ? (unsigned long)((end - 1) >> PAGE_SHIFT) : 0;
	if (*last >= m->nr_slots)
		*last = m->nr_slots - 1;
	if (!end || (uint64_t)req->off >= end)
		*last = *first - 1;	/* empty */
}

int pcsim__io_fadvise(struct io_kiocb *req, bool force_nonblock)
{
	struct address_space *m = req->file->mapping;
	unsigned long first, last;
	long ret = 0;

	if (force_nonblock) {
		switch (req->advice) {
		case POSIX_FADV_NORMAL:
		case POSIX_FADV_RANDOM:
		case POSIX_FADV_SEQUENTIAL:
			break;
		default:
			return -EAGAIN;
		}
	}
	if (req->off < 0)
		goto done_inval;
	fadvise_range(req, &first, &last);
	switch (req->advice) {
	case POSIX_FADV_NORMAL:
	case POSIX_FADV_SEQUENTIAL:
		m->fadv_random = false;
		break;
	case POSIX_FADV_RANDOM:
		m->fadv_random = true;
		break;
	case POSIX_FADV_NOREUSE:
		break;
	case POSIX_FADV_DONTNEED:
		for (unsigned long i = first; i + 1 > first && i <= last; i++)
			(void)pcsim_evict_page(m, i);
		break;
	case POSIX_FADV_WILLNEED:
		for (unsigned long i = first; i + 1 > first && i <= last; i++) {
			struct page *page = find_get_page(m, i);
			if (page) {
				put_page(page);
				continue;
			}
			page = pcsim_page_alloc(pcsim_world_current());
			if (add_to_page_cache_lru(page, m, i) == 0)
				(void)pcsim_readpage(m, page);	/* unlocks when the I/O ends */
			put_page(page);
		}
		break;
	default:
done_inval:
		ret = -EINVAL;
		break;
	}
	if (ret < 0)
		pcsim__req_set_fail_links(req);
	pcsim__io_req_complete(req, ret);
	return 0;
}
