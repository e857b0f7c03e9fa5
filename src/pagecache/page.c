// SPDX-License-Identifier: MIT
/*
 * page.c - page frames, references and the page wait table's buckets.
 *
 * Frames come from a per-execution pool: the pfn is the allocation order (deterministic) and
 * is what page_waitqueue() hashes, never an address. A frame whose last reference is dropped
 * goes back to the pool and is reused last-in first-out, so the next allocation returns the
 * same struct page for another use: a waiter that still points at it sees the new page, as in
 * the kernel, and stale wakeups after reuse are reachable. Each reuse bumps the frame's
 * generation.
 *
 * Models: get_page()/put_page()/page_count() (include/linux/mm.h), page_waitqueue() with
 * hash_32() and PAGE_WAIT_TABLE_BITS (mm/filemap.c, 5.10). The run-time checks are checks.c.
 */
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include <pcsim/kernel/atomic.h>
#include <pcsim/kernel/compiler.h>
#include <pcsim/kernel/pagemap.h>
#include <pcsim/trace.h>

#include "pagecache_int.h"
#include "waitq_int.h"

static const char layer_key = 0;

static void note_page_func(struct pagecache_layer *L, pcsim_wait_queue_func_t f);

/* The layer's state if this execution has used it, else NULL; creates nothing (describe.c). */
struct pagecache_layer *pcsim__pagecache_peek(const struct pcsim_world *w)
{
	struct pagecache_layer *L = pcsim_world_layer_peek(w, &layer_key);
	return L && __atomic_load_n(&L->ready, __ATOMIC_ACQUIRE) ? L : NULL;
}

struct pagecache_layer *pcsim__pagecache(struct pcsim_world *w)
{
	bool fresh;
	struct pagecache_layer *L = pcsim_world_layer(w, &layer_key, sizeof(*L), &fresh);
	if (!fresh) {
		/*
		 * Threads backend: the first user initialises the layer outside the world's lock;
		 * another thread that finds it meanwhile waits until it is complete (ops and table
		 * read half-initialised crashed a walk).
		 */
		while (unlikely(!__atomic_load_n(&L->ready, __ATOMIC_ACQUIRE)))
			sched_yield();
		return L;
	}
	{
		const struct pcsim_config *cfg = pcsim_world_config(w);
		L->threads = cfg->backend == PCSIM_BACKEND_THREADS;
		if (L->threads)
			pthread_mutex_init(&L->mu, NULL);
		unsigned bits = pcsim_pagecache_config_get(cfg)->wait_table_bits;
		L->bits = bits > 16 ? 16 : bits;
		L->table = pcsim_alloc(w, sizeof(*L->table) << L->bits);
		L->bucket_ready = pcsim_alloc(w, sizeof(bool) << L->bits);
		/*
		 * pagecache_init(): the kernel initialises the table at boot, before anything
		 * runs. Here it happens when the layer is first used, with plain stores and no
		 * preemption point, so no CPU can see a half-initialised bucket (under tso a
		 * buffered initialisation would be invisible to the others). One lock class for the
		 * whole table, as the kernel's init loop gives.
		 */
		for (unsigned b = 0; b < (1u << L->bits); b++) {
			struct wait_queue_head *q = &L->table[b];
			pcsim_spin_lock_init(&q->lock, "page_wait_table");
			PCSIM_SETUP_SET(q->head.next, &q->head);
			PCSIM_SETUP_SET(q->head.prev, &q->head);
		}
		L->ops = *pcsim_pagecache_kernel_ops(cfg->kernel);
		note_page_func(L, pcsim__wake_page_function);
		pcsim__pagecache_checks_init(w, L);
		__atomic_store_n(&L->ready, true, __ATOMIC_RELEASE);
	}
	return L;
}

void pcsim_pagecache_set_ops(struct pcsim_world *w, const struct pcsim_pagecache_ops *ops)
{
	struct pagecache_layer *L = pcsim__pagecache(w);
	const struct pcsim_pagecache_ops *d =
		pcsim_pagecache_kernel_ops(pcsim_world_config(w)->kernel);
	L->ops.wake_page_function = ops && ops->wake_page_function ? ops->wake_page_function
								    : d->wake_page_function;
	L->ops.wait_async = ops && ops->wait_async
						   ? ops->wait_async
						   : d->wait_async;
	L->ops.buffered_read = ops && ops->buffered_read ? ops->buffered_read : d->buffered_read;
	pcsim__pagecache_note_page_func(w, L->ops.wake_page_function);
}

void pcsim__pagecache_note_page_func(struct pcsim_world *w, pcsim_wait_queue_func_t f)
{
	note_page_func(pcsim__pagecache(w), f);
}

/* Only the sim backend's checks look at the list (so threads never write it concurrently). */
static void note_page_func(struct pagecache_layer *L, pcsim_wait_queue_func_t f)
{
	if (L->threads)
		return;
	for (unsigned i = 0; i < L->npage_funcs; i++)
		if (L->page_funcs[i] == f)
			return;
	if (L->npage_funcs < PCSIM_MAX_PAGE_WAKE_FUNCS)
		L->page_funcs[L->npage_funcs++] = f;
}

bool pcsim__pagecache_is_page_waiter(struct pagecache_layer *L,
				     const struct pcsim_wait_queue_entry *e)
{
	for (unsigned i = 0; i < L->npage_funcs; i++)
		if (e->func == L->page_funcs[i])
			return true;
	return false;
}

/* hash_32(): the golden-ratio multiplicative hash of include/linux/hash.h. */
static inline uint32_t hash_32(uint32_t val, unsigned bits)
{
	return bits ? (uint32_t)(val * 0x61C88647u) >> (32 - bits) : 0;
}

struct wait_queue_head *pcsim_page_waitqueue(struct page *page)
{
	struct pcsim_world *w = pcsim_world_current();
	struct pagecache_layer *L = pcsim__pagecache(w);
	uint32_t b = hash_32(page->pfn, L->bits);
	if (!L->threads && !L->bucket_ready[b]) {
		/* The per-step checks look only at buckets that have been used. */
		pcsim__waitq_register(&L->table[b]);
		pcsim_obj_name(&L->table[b], "bucket %u", b);
		L->bucket_ready[b] = true;
	}
	return &L->table[b];
}

/* ---------------------------------------------------------------------------------------------
 * Frames and references
 */
struct page *pcsim_page_alloc(struct pcsim_world *w)
{
	struct pagecache_layer *L = pcsim__pagecache(w);
	struct page *page;
	if (L->threads)
		pthread_mutex_lock(&L->mu);
	if (L->nfree) {
		page = L->frames[L->free_pfns[--L->nfree]].page;
	} else {
		if (L->nframes == L->frames_cap) {
			unsigned ncap = L->frames_cap ? 2 * L->frames_cap : 64;
			struct pagecache_frame *nf = pcsim_alloc(w, ncap * sizeof(*nf));
			if (L->nframes)
				memcpy(nf, L->frames, L->nframes * sizeof(*nf));
			L->frames = nf;
			L->frames_cap = ncap;
		}
		page = pcsim_alloc(w, sizeof(*page));
		page->pfn = L->nframes;
		L->frames[L->nframes++] = (struct pagecache_frame){ .page = page };
	}
	page_frame(L, page)->wake_dropped = false;
	if (L->threads)
		pthread_mutex_unlock(&L->mu);
	/* A new use of the frame: plain initialisation that nobody else may see half done (no
	 * preemption point), through the memory model so no older buffered store lands later. */
	pcsim_store_np(&page->flags, 0ul, PCSIM_MO_ONCE);
	pcsim_store_np(&page->_refcount, 1, PCSIM_MO_ONCE);
	pcsim_store_np(&page->mapping, NULL, PCSIM_MO_ONCE);
	pcsim_store_np(&page->index, 0ul, PCSIM_MO_ONCE);
	pcsim_store_np(&page->data_tag, (uint64_t)0, PCSIM_MO_ONCE);
	pcsim_obj_name(&page->flags, "page %u.flags", page->pfn);
	pcsim_obj_name(&page->_refcount, "page %u.refs", page->pfn);
	return page;
}

static void free_frame(struct pcsim_world *w, struct page *page);

void pcsim__page_free_frozen(struct page *page)
{
	PCSIM_CHECK(pcsim_read_once(&page->_refcount) == 0, "page-free-busy",
		    "page %u freed with references (its count was not frozen)", page->pfn);
	free_frame(pcsim_world_current(), page);
}

static void free_frame(struct pcsim_world *w, struct page *page)
{
	struct pagecache_layer *L = pcsim__pagecache(w);
	unsigned long flags = (unsigned long)pcsim__load_np(&page->flags.pcsim_private_,
							     sizeof(unsigned long), PCSIM_MO_ONCE);
	if (flags & ((1ul << PG_locked) | (1ul << PG_writeback)))
		pcsim_fail("page-free-busy", "page %u freed while %s", page->pfn,
			   (flags & (1ul << PG_locked)) ? "locked" : "under writeback");
	if (L->threads)
		pthread_mutex_lock(&L->mu);
	page->gen++;		/* this use of the frame is over */
	if (L->nfree == L->free_cap) {
		unsigned ncap = L->free_cap ? 2 * L->free_cap : 64;
		uint32_t *nf = pcsim_alloc(w, ncap * sizeof(*nf));
		if (L->nfree)
			memcpy(nf, L->free_pfns, L->nfree * sizeof(*nf));
		L->free_pfns = nf;
		L->free_cap = ncap;
	}
	L->free_pfns[L->nfree++] = page->pfn;
	if (L->threads)
		pthread_mutex_unlock(&L->mu);
}

void pcsim_get_page(struct page *page)
{
	int old = pcsim_rmw(&page->_refcount, PCSIM_RMW_ADD, 1, PCSIM_MO_ONCE);
	if (old <= 0)
		pcsim_fail("page-use-after-free", "get_page() on page %u (generation %u) with %d "
			   "references: the frame was freed", page->pfn, page->gen, old);
}

bool pcsim_get_page_unless_zero(struct page *page)
{
	int c = pcsim_read_once(&page->_refcount);
	while (c > 0) {
		int old = pcsim_cmpxchg(&page->_refcount, c, c + 1, PCSIM_MO_FULL);
		if (old == c)
			return true;
		c = old;
	}
	return false;
}

void pcsim_put_page(struct page *page)
{
	int old = pcsim_rmw(&page->_refcount, PCSIM_RMW_ADD, -1, PCSIM_MO_FULL);
	if (old <= 0) {
		pcsim_fail("page-use-after-free", "put_page() on page %u (generation %u) with %d "
			   "references", page->pfn, page->gen, old);
		return;
	}
	if (old == 1)
		free_frame(pcsim_world_current(), page);
}

int pcsim_page_count(struct page *page)
{
	return pcsim_read_once(&page->_refcount);
}
