// SPDX-License-Identifier: MIT
/*
 * describe.c - pcsim_pagecache_describe(): the page-cache layer's part of an execution's state,
 * for a person (`pcsim step`'s `state` command): every page frame with its file, index,
 * reference count and PG_* flags, and every non-empty bucket of the hashed page wait table
 * with its entries in queue order (page and bit waited for, who waits, the wake function, the
 * WQ_FLAG_* bits). Read-only: plain reads of memory (PCSIM_SETUP_GET), no step, no trace event,
 * no object id, so looking never changes the execution. It shows the state page_waitqueue(),
 * wait_on_page_bit_common() and __wait_on_page_locked_async() (mm/filemap.c, 5.10) leave behind.
 */
#include <stddef.h>
#include <stdio.h>

#include <pcsim/pagecache.h>
#include <pcsim/task.h>

#include "pagecache_int.h"

static void print_flags(unsigned long fl, FILE *f)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = {
		{PCSIM_PG_locked, "locked"},	 {PCSIM_PG_referenced, "referenced"},
		{PCSIM_PG_uptodate, "uptodate"}, {PCSIM_PG_dirty, "dirty"},
		{PCSIM_PG_lru, "lru"},		 {PCSIM_PG_waiters, "waiters"},
		{PCSIM_PG_error, "error"},	 {PCSIM_PG_writeback, "writeback"},
		{PCSIM_PG_reclaim, "reclaim"},
	};
	bool any = false;
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (fl & (1ul << names[i].bit)) {
			fprintf(f, "%s%s", any ? "|" : "", names[i].name);
			any = true;
		}
	if (!any)
		fprintf(f, "-");
}

static const char *bit_name(int bit)
{
	switch (bit) {
	case PCSIM_PG_locked:
		return "PG_locked";
	case PCSIM_PG_writeback:
		return "PG_writeback";
	default:
		return "PG_?";
	}
}

static void describe_entry(struct pagecache_layer *L, const struct pcsim_wait_queue_entry *e,
			   const struct pcsim_wq_flag_values *v, FILE *f)
{
	unsigned fl = PCSIM_SETUP_GET(e->flags);
	pcsim_wait_queue_func_t fn = e->func;
	if (pcsim__pagecache_is_page_waiter(L, e)) {
		const struct pcsim_wait_page_queue *wpq =
			(const void *)((const char *)e -
				       offsetof(struct pcsim_wait_page_queue, wait));
		fprintf(f, "page %u %s, ", wpq->pcsim_page ? wpq->pcsim_page->pfn : 0u,
			bit_name(wpq->bit_nr));
	}
	if (fn == pcsim__wake_page_function || fn == L->ops.wake_page_function) {
		const struct pcsim_task *t = e->private;
		fprintf(f, "T%u %s sleeping, wake_page_function", t ? pcsim_task_id(t) : 0u,
			t ? pcsim_task_name(t) : "?");
	} else if (fn == pcsim_async_page_wake_function) {
		fprintf(f, "async waiter, async_page_wake_function (runs in the waker)");
	} else if (fn == pcsim_autoremove_wake_function || fn == pcsim_default_wake_function) {
		const struct pcsim_task *t = e->private;
		fprintf(f, "T%u %s sleeping, %s", t ? pcsim_task_id(t) : 0u,
			t ? pcsim_task_name(t) : "?",
			fn == pcsim_default_wake_function ? "default_wake_function"
							  : "autoremove_wake_function");
	} else if (pcsim__pagecache_is_page_waiter(L, e)) {
		/* io_uring's io_async_buf_func() (or a user's): a callback, no task sleeps */
		fprintf(f,
			"async callback (io_async_buf_func: runs in the waker, queues task_work)");
	} else {
		fprintf(f, "callback");
	}
	if (fl & PCSIM_WQ_FLAG_EXCLUSIVE)
		fprintf(f, ", exclusive");
	if (fl & PCSIM_WQ_FLAG_WOKEN)
		fprintf(f, ", WOKEN");
	/* the bits above WOKEN as the world's kernel profile numbers them (6.18: no bookmark) */
	if (fl & v->done)
		fprintf(f, ", DONE");
	if (fl & v->bookmark)
		fprintf(f, ", bookmark");
}

int pcsim_pagecache_describe(const struct pcsim_world *w, FILE *f)
{
	if (!w || !f)
		return -1;
	struct pagecache_layer *L = pcsim__pagecache_peek(w);
	if (!L || L->threads) {
		fprintf(f, "pages: (none)\n");
		return ferror(f) ? -1 : 0;
	}
	fprintf(f, "pages:\n");
	if (!L->nframes)
		fprintf(f, "  (none)\n");
	for (unsigned pfn = 0; pfn < L->nframes; pfn++) {
		const struct pcsim_page *p = L->frames[pfn].page;
		bool free_frame = false;
		for (unsigned i = 0; i < L->nfree; i++)
			free_frame |= L->free_pfns[i] == pfn;
		fprintf(f, "  page %-3u ", pfn);
		if (free_frame) {
			fprintf(f, "free\n");
			continue;
		}
		const struct pcsim_address_space *m = PCSIM_SETUP_GET(p->mapping);
		if (m)
			fprintf(f, "file %u index %lu  ", m->id,
				(unsigned long)PCSIM_SETUP_GET(p->index));
		else
			fprintf(f, "no mapping (truncated or not cached)  ");
		fprintf(f, "refs %d  flags ", PCSIM_SETUP_GET(p->_refcount));
		print_flags(PCSIM_SETUP_GET(p->flags), f);
		fprintf(f, "\n");
	}
	unsigned nb = 1u << L->bits, shown = 0;
	fprintf(f, "page wait table (%u bucket%s), non-empty buckets:\n", nb, nb == 1 ? "" : "s");
	for (unsigned b = 0; b < nb; b++) {
		if (!L->bucket_ready[b])
			continue;
		const struct pcsim_list_head *h = &L->table[b].head;
		const struct pcsim_wq_flag_values *flagv =
			pcsim_wq_flags_of((int)pcsim_world_config(w)->kernel);
		const struct pcsim_list_head *pos = PCSIM_SETUP_GET(h->next);
		unsigned n = 0;
		for (; pos && pos != h && n < 1000; pos = PCSIM_SETUP_GET(pos->next), n++) {
			const struct pcsim_wait_queue_entry *e =
				(const void *)((const char *)pos -
					       offsetof(struct pcsim_wait_queue_entry, entry));
			if (n)
				fprintf(f, "%14s", "");
			else
				fprintf(f, "  bucket %-4u ", b);
			describe_entry(L, e, flagv, f);
			fprintf(f, "\n");
		}
		shown += n > 0;
	}
	if (!shown)
		fprintf(f, "  (all empty)\n");
	return ferror(f) ? -1 : 0;
}
