/* SPDX-License-Identifier: MIT */
/* pagecache_int.h - private state of the page-cache layer. */
#ifndef PCSIM_PAGECACHE_INT_H
#define PCSIM_PAGECACHE_INT_H

#include <pthread.h>

#include <pcsim/pagecache.h>

#define PCSIM_MAX_PAGE_WAKE_FUNCS 8

/* Per-execution state of the layer (pcsim_world_layer). */
struct pagecache_layer {
	unsigned bits;				/* wait_table_bits of this world */
	struct pcsim_wait_queue_head *table;	/* 1 << bits buckets, initialised on first use */
	bool *bucket_ready;
	struct pcsim_page **frames;		/* every frame of this execution, by pfn */
	unsigned nframes, frames_cap;
	uint32_t *free_pfns;			/* freed frames, reused last-in first-out */
	unsigned nfree, free_cap;
	/* wake functions whose entries are struct wait_page_queue (for the P1/P2 checks) */
	pcsim_wait_queue_func_t page_funcs[PCSIM_MAX_PAGE_WAKE_FUNCS];
	unsigned npage_funcs;
	bool checks_registered;
	struct pcsim_pagecache_ops ops;	/* every member set (defaults filled in) */
	bool threads;			/* threads backend: frame pool under @mu */
	pthread_mutex_t mu;
};

struct pagecache_layer *pcsim__pagecache(struct pcsim_world *w);
void pcsim__pagecache_note_page_func(struct pcsim_world *w, pcsim_wait_queue_func_t f);
bool pcsim__pagecache_is_page_waiter(struct pagecache_layer *L,
				     const struct pcsim_wait_queue_entry *e);
void pcsim__pagecache_check_p2(struct pcsim_wait_queue_head *q, struct pcsim_page *page);
int pcsim__wake_page_function(struct pcsim_wait_queue_entry *wait, unsigned mode, int sync,
			      void *arg);

#endif
