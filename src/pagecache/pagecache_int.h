/* SPDX-License-Identifier: MIT */
/* pagecache_int.h - private state of the page-cache layer. */
#ifndef PCSIM_PAGECACHE_INT_H
#define PCSIM_PAGECACHE_INT_H

#include <pthread.h>

#include <pcsim/pagecache.h>

#define PCSIM_MAX_PAGE_WAKE_FUNCS 8

/*
 * One frame of the pool, by pfn: the struct page users see, plus what the layer keeps about the
 * frame that is not a field of the kernel's struct page. The run-time checks' bookkeeping (sim
 * backend with PCSIM_CHECK_INVARIANTS; checks.c) lives here, not in struct pcsim_page.
 */
struct pagecache_frame {
	struct pcsim_page *page;
	/* wakeups of this frame in flight: a clear of a waited-on bit until its walk ends (P3/A1,
	 * P5); not reset on reuse, since a walk may still be running on the freed frame (P8) */
	uint32_t wake_inflight;
	/* a counted exclusive wakeup was dropped since the last wakeup (P6, 5.10 behaviour);
	 * reset when the frame is allocated for a new use */
	bool wake_dropped;
};

/* Per-execution state of the layer (pcsim_world_layer). */
struct pagecache_layer {
	unsigned bits;				/* wait_table_bits of this world */
	struct pcsim_wait_queue_head *table;	/* 1 << bits buckets, initialised on first use */
	bool *bucket_ready;
	struct pagecache_frame *frames;		/* every frame of this execution, by pfn */
	unsigned nframes, frames_cap;
	uint32_t *free_pfns;			/* freed frames, reused last-in first-out */
	unsigned nfree, free_cap;
	/* wake functions whose entries are struct wait_page_queue (for the P1/P2 checks) */
	pcsim_wait_queue_func_t page_funcs[PCSIM_MAX_PAGE_WAKE_FUNCS];
	unsigned npage_funcs;
	struct pcsim_pagecache_ops ops;	/* every member set (defaults filled in) */
	bool ready;			/* initialised (threads: others wait for it) */
	bool threads;			/* threads backend: frame pool under @mu */
	pthread_mutex_t mu;
	/* run-time checks (checks.c): sim backend with PCSIM_CHECK_INVARIANTS only */
	struct { const struct pcsim_wait_queue_entry *entry; struct pcsim_page *page; } *owed;
	unsigned nowed;			/* counted exclusive wakeups not yet acted on (P6) */
	unsigned owed_cap;		/* entries of @owed (grown in the arena as needed) */
	const char *walk_inv;		/* the first callback-level violation of this walk */
	char walk_msg[256];
	struct pagecache_read_ctx {	/* per task id: the read in progress (A5-A9) */
		struct pcsim_kiocb *iocb;
		unsigned armed;		/* callbacks armed during it */
	} *reading;
	unsigned reading_cap;		/* entries of @reading (by task id; grown as needed) */
};

struct pagecache_layer *pcsim__pagecache(struct pcsim_world *w);
struct pagecache_layer *pcsim__pagecache_peek(const struct pcsim_world *w);

/* The layer's record of @page's frame (@page from pcsim_page_alloc() of this world). */
static inline struct pagecache_frame *page_frame(struct pagecache_layer *L,
						 const struct pcsim_page *page)
{
	return &L->frames[page->pfn];
}

/* Bug zoo entry B-@n re-injected in this world (pcsim_config.bugs). */
static inline bool bug(unsigned n)
{
	return (pcsim_world_config(pcsim_world_current())->bugs & PCSIM_BUG(n)) != 0;
}

/* pcsim's own mutants for the tests of the checks (pcsim_config.inject, PCSIM_INJECT_*). */
static inline bool inject(unsigned what)
{
	return (pcsim_world_config(pcsim_world_current())->inject & what) != 0;
}
/* Return a frame whose count the caller froze at zero (reclaim) to the pool. */
void pcsim__page_free_frozen(struct pcsim_page *page);
/* Remove @page from @m's index at @index. Context: i_pages lock held (mapping.c). */
void pcsim__mapping_delete_locked(struct pcsim_address_space *m, unsigned long index,
				  struct pcsim_page *page);
void pcsim__pagecache_note_page_func(struct pcsim_world *w, pcsim_wait_queue_func_t f);
bool pcsim__pagecache_is_page_waiter(struct pagecache_layer *L,
				     const struct pcsim_wait_queue_entry *e);
void pcsim__pagecache_check_p2(struct pcsim_wait_queue_head *q, struct pcsim_page *page);

/* checks.c: see there for what each checks. All are no-ops unless the world checks
 * invariants in the sim backend. */
void pcsim__pagecache_checks_init(struct pcsim_world *w, struct pagecache_layer *L);
void pcsim__pagecache_walk_report(void);
uint32_t pcsim__pagecache_wake_begin(struct pcsim_page *page);
/* @walked: a walk ran; @unlock: it was unlock_page()'s (a read completion's is exempt from P8) */
void pcsim__pagecache_wake_end(struct pcsim_page *page, uint32_t gen, bool walked, bool unlock);
void pcsim__pagecache_check_unlock(struct pcsim_page *page, unsigned long old, bool slow);
void pcsim__pagecache_check_handoff(struct pcsim_page *page, unsigned queued_flags);
void pcsim__pagecache_owed_resolve(const struct pcsim_wait_queue_entry *e, bool left_without_lock);
long pcsim__pagecache_checked_read(struct pcsim_kiocb *iocb, struct pcsim_iov_iter *iter,
				   long written);
void pcsim__pagecache_check_page_sleep(struct pcsim_page *page);
void pcsim__pagecache_check_arm(struct pcsim_page *page);
void pcsim__pagecache_note_armed(void);
void pcsim__pagecache_check_async_ret(struct pcsim_page *page, struct pcsim_wait_page_queue *wait,
				      bool set, int ret);
void pcsim__pagecache_check_readpage(struct pcsim_address_space *m, struct pcsim_page *page);
int pcsim__wake_page_function(struct pcsim_wait_queue_entry *wait, unsigned mode, int sync,
			      void *arg);

/* The kernel profile of the running world (docs/kernel-profiles.md). */
static inline enum pcsim_kernel pagecache_kernel(void)
{
	return pcsim_world_config(pcsim_world_current())->kernel;
}

/*
 * Which page lock runs: lock_profile picks a variant relative to the kernel profile
 * (<pcsim/pagecache.h>, enum pcsim_lock_profile): 5.8 always the old loop; otherwise the kernel
 * profile's own, where kernel=5.8 with the default means the old loop and 5.9-p6fix at
 * kernel=5.8 means 5.9's lock with the fix.
 */
enum lock_impl { LOCK_5_8, LOCK_5_9, LOCK_6_18 };

static inline enum lock_impl lock_impl(void)
{
	const struct pcsim_config *cfg = pcsim_world_config(pcsim_world_current());
	int lp = pcsim_pagecache_config_get(cfg)->lock_profile;
	enum pcsim_kernel k = pagecache_kernel();

	if (lp == PCSIM_LOCK_PROFILE_5_8)
		return LOCK_5_8;
	if (k == PCSIM_KERNEL_6_18)
		return LOCK_6_18;
	if (k == PCSIM_KERNEL_5_8 && lp == PCSIM_LOCK_PROFILE_5_9)
		return LOCK_5_8;
	return LOCK_5_9;
}

/* The async lock or wait through the world's wait_async plug, with the checks around it
 * (filemap.c; read.c's filemap_update_page() uses it on the 6.18 profile). */
int pcsim__wait_on_page_locked_async_ops(struct pcsim_page *page,
					 struct pcsim_wait_page_queue *wait, bool set);

/* The page-cache settings (struct pcsim_pagecache_config) of the running world. */
static inline const struct pcsim_pagecache_config *pagecache_settings(void)
{
	return pcsim_pagecache_config_get(pcsim_world_config(pcsim_world_current()));
}

#endif
