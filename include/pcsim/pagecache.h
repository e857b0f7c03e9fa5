/* SPDX-License-Identifier: MIT */
/*
 * pcsim/pagecache.h - pages, the hashed page wait table and the page lock
 * (mm/filemap.c and include/linux/pagemap.h, 5.10), under the pcsim_ prefix. Model code and
 * users' patches normally use the kernel names from <pcsim/kernel/pagemap.h>.
 * Semantics: docs/kernel-semantics.md 2 and 3.1; modelled and simplified: docs/pagecache.md.
 */
#ifndef PCSIM_PAGECACHE_H
#define PCSIM_PAGECACHE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <pcsim/explore.h>
#include <pcsim/export.h>
#include <pcsim/mem.h>
#include <pcsim/sched.h>
#include <pcsim/waitq.h>

#ifdef __cplusplus
extern "C" {
#endif

/* pcsim's own mutants of the page-cache layer (struct pcsim_config.inject), for the tests of its
 * run-time checks; bit 0x1 is the engine's (PCSIM_INJECT_SCS_NO_MB, <pcsim/config.h>). */
#define PCSIM_INJECT_UNLOCK_TEST_FIRST 0x2u	/* unlock_page() reads PG_waiters, then clears */
#define PCSIM_INJECT_WRITEBACK_NO_PIN 0x4u	/* end_page_writeback() without get_page() */
#define PCSIM_INJECT_NO_MAPPING_RECHECK 0x8u	/* read path: no page->mapping check after lock */
#define PCSIM_INJECT_DROP_TOUCH 0x10u		/* a woken DROP waiter reads its page's flags */
#define PCSIM_INJECT_WAITER_TEST_FIRST 0x20u	/* 5.9 page waiter: try the bit, then publish */

/* enum pageflags, 5.10 bit numbers. PG_locked and PG_waiters share the low byte. */
#define PCSIM_PG_locked 0
#define PCSIM_PG_referenced 1
#define PCSIM_PG_uptodate 2
#define PCSIM_PG_dirty 3
#define PCSIM_PG_lru 4
#define PCSIM_PG_waiters 7
#define PCSIM_PG_error 8
#define PCSIM_PG_writeback 15
#define PCSIM_PG_reclaim 18
#define PCSIM_PG_readahead PCSIM_PG_reclaim

/**
 * struct pcsim_page - struct page, the fields the model needs. Pages come only from
 * pcsim_page_alloc() (never declare one): the layer keeps a private record of each frame by @pfn.
 * @flags: PG_* bits (wrapped: every access is a preemption point).
 * @_refcount: page references (get_page/put_page).
 * @mapping: the address_space, NULL once truncated.
 * @index: page index in the mapping.
 *
 * Not kernel fields, each because users need it:
 * @data_tag: the page's contents (pcsim stores no data: a byte is pcsim_file_byte() of the file
 *	and offset the tag names): (file << 32 | index) + 1, 0 = nothing read yet. Written by the
 *	read completion, read by copy-out; scenarios that fill a page themselves write it.
 * @pfn: the frame number (the kernel's page_to_pfn(), which pcsim cannot take from an address):
 *	stable, what the wait table hashes, and how traces and reports name the page.
 * @gen: bumped each time the frame is freed, so a scenario (and the P8 check) recognises that
 *	a page it still points at has been freed and reused.
 *
 * The run-time checks' bookkeeping of a frame (wakeups in flight, dropped exclusive wakeups) is
 * the layer's, not the page's: struct pagecache_frame in src/pagecache/pagecache_int.h.
 */
struct pcsim_page {
	pcsim_ulong flags;
	pcsim_int _refcount;
	pcsim_ptr mapping;
	pcsim_ulong index;
	pcsim_u64 data_tag;
	uint32_t pfn;
	uint32_t gen;
};

/*
 * The page pointer fields are spelled pcsim_page: <pcsim/kernel/pagemap.h> maps the token
 * `page` to `pcsim_page`, so kernel-style code writes key->page and gets this field.
 */

/** struct pcsim_wait_page_key - struct wait_page_key: built on the waker's stack. */
struct pcsim_wait_page_key {
	struct pcsim_page *pcsim_page;
	int bit_nr;
	int page_match;
};

/** struct pcsim_wait_page_queue - struct wait_page_queue: a page waiter's entry. */
struct pcsim_wait_page_queue {
	struct pcsim_page *pcsim_page;
	int bit_nr;
	struct pcsim_wait_queue_entry wait;
};

/*
 * Lock profiles: struct pcsim_pagecache_config.lock_profile (setting `lock_profile`). They pick
 * a variant of the page lock relative to the kernel profile (struct pcsim_config.kernel,
 * docs/kernel-profiles.md):
 *  - 5.9 (the default) means "the page lock of the kernel profile": 5.8's retry loop at
 *    kernel=5.8, wait_on_page_bit_common() of the 5.9 rewrite at 5.9 and 5.10,
 *    folio_wait_bit_common() at 6.18. (The name is the release that introduced the lock every
 *    later profile has; schedules written before the kernel profiles say lock_profile=5.9 and
 *    mean 5.10's lock, which is still what they get.)
 *  - 5.8 overrides the kernel profile: the old retry loop whatever the kernel.
 *  - 5.9-p6fix: the kernel profile's lock with the P6 fix (at kernel=5.8, which has no P6 race,
 *    it overrides to 5.9's lock with the fix).
 */
enum pcsim_lock_profile {
	PCSIM_LOCK_PROFILE_5_9 = 0,	/* the kernel profile's page lock (5.9+: WOKEN/DONE) */
	PCSIM_LOCK_PROFILE_5_8,		/* the old retry loop, exclusive waiters re-queue at tail */
	/* the kernel profile's lock with the P6 fix (docs/pagecache.md, "P6 and fatal signals";
	 * docs/findings/p6-current-kernel.md): after finish_wait(), an exclusive waiter that was
	 * WOKEN but not handed the lock (no DONE) tries the bit itself and returns 0 if it gets
	 * it, so a counted wakeup is never dropped */
	PCSIM_LOCK_PROFILE_5_9_P6FIX,
};

/* Device presets: struct pcsim_pagecache_config.device (setting `device`). */
enum pcsim_device_setting {
	PCSIM_DEVICE_PROGRAM = 0,	/* each device as its program sets it up */
	PCSIM_DEVICE_INSTANT,		/* pcsim_bdev_preset("instant") for every device */
	PCSIM_DEVICE_PERF_ANCHOR,	/* pcsim_bdev_preset("perf-anchor") for every device */
};

/**
 * struct pcsim_pagecache_config - the page-cache layer's settings in struct pcsim_config. Each
 * is a row of the settings table (<pcsim/settings.h>), which gives its key (config lines,
 * schedule headers, scenarios), its CLI option, range and default.
 * @wait_table_bits: PAGE_WAIT_TABLE_BITS (`wait_table_bits`, 0..16, kernel 8; 0 puts every
 *	page in one bucket).
 * @page_lock_unfairness: sysctl_page_lock_unfairness (`unfairness`, kernel 5).
 * @lock_profile: enum pcsim_lock_profile (`lock_profile`, 5.9 | 5.8 | 5.9-p6fix).
 * @readahead: -1 (default): each file keeps the readahead window its creator gave
 *	pcsim_mapping_create(); 0 disables readahead for every file; N: every file reads ahead N
 *	pages (`readahead`, program | off | 1..1024).
 * @device: enum pcsim_device_setting (`device`, program | instant | perf-anchor).
 * @latency_min_ns, @latency_mean_ns: when @latency_mean_ns is not 0, every device's service
 *	time (struct pcsim_bdev_params) becomes this (`latency`, MIN..MEAN with ns/us/ms units;
 *	it counts in timed mode only).
 * @device_slots: when not 0, every device has this many slots (`device_slots`, 0..1024).
 * @device_irq_batch: when not 0, every device ends this many requests per completion
 *	interrupt (`device_irq_batch`, 1..1024; struct pcsim_bdev_params @irq_batch).
 * @device_idle_ns: when not 0, every device's extra latency for a request that finds it idle
 *	(struct pcsim_bdev_params @idle_ns; timed mode and threads only). Set in code (pcsim
 *	bench seed); not a row of the settings table yet, so schedules do not record it.
 */
struct pcsim_pagecache_config {
	unsigned wait_table_bits;
	int page_lock_unfairness;
	int lock_profile;
	int readahead;
	int device;
	unsigned device_slots;
	uint64_t latency_min_ns;
	uint64_t latency_mean_ns;
	unsigned device_irq_batch;
	uint64_t device_idle_ns;
};

/** pcsim_pagecache_config - the page-cache settings of @cfg (set them before the world starts). */
static inline struct pcsim_pagecache_config *pcsim_pagecache_config(struct pcsim_config *cfg)
{
	return (struct pcsim_pagecache_config *)(void *)cfg->layer[PCSIM_LAYER_PAGECACHE].bytes;
}

/** pcsim_pagecache_config_get - the same, read-only (e.g. of pcsim_world_config()). */
static inline const struct pcsim_pagecache_config *
pcsim_pagecache_config_get(const struct pcsim_config *cfg)
{
	return (const struct pcsim_pagecache_config *)(const void *)
		cfg->layer[PCSIM_LAYER_PAGECACHE].bytes;
}

/* Re-injectable bugs of docs/kernel-semantics.md section 5 (pcsim_config.bugs, bit n = B-n). */
#define PCSIM_BUG(n) (1ull << (n))

/**
 * pcsim_page_alloc - a page frame from the world's deterministic frame pool, with one
 * reference, flags 0, no mapping. Freed frames are reused last-in first-out, so a freed frame
 * comes back as the next page allocated (stale waiters of its old use are reachable).
 * Context: setup or any. Return: the page (never NULL; the pool grows).
 */
PCSIM_API struct pcsim_page *pcsim_page_alloc(struct pcsim_world *w);
/** get_page(): one more reference. Reports "page-use-after-free" on a freed frame. */
PCSIM_API void pcsim_get_page(struct pcsim_page *page);
/** get_page_unless_zero(): a reference unless the count is 0; true if taken. */
PCSIM_API bool pcsim_get_page_unless_zero(struct pcsim_page *page);
/** put_page(): drop a reference; at zero the frame returns to the pool (checked: no lock held,
 * no waiter flag, no writeback). */
PCSIM_API void pcsim_put_page(struct pcsim_page *page);
/** page_count(). */
PCSIM_API int pcsim_page_count(struct pcsim_page *page);

/** page_waitqueue(): the hashed bucket of @page (hash_32(pfn, wait_table_bits)). */
PCSIM_API struct pcsim_wait_queue_head *pcsim_page_waitqueue(struct pcsim_page *page);
/** wake_page_match(): false if @wait is for another page; sets key->page_match for this page;
 * false if it waits for another bit; true otherwise (5.10 boolean form). */
PCSIM_API bool pcsim_wake_page_match(struct pcsim_wait_page_queue *wait,
				     struct pcsim_wait_page_key *key);

/** trylock_page(): test_and_set_bit_lock(PG_locked); true if we took it. Context: any. */
PCSIM_API bool pcsim_trylock_page(struct pcsim_page *page);
/** unlock_page(): clear PG_locked with release and, in the same atomic step, learn whether
 * PG_waiters is set; if so wake_up_page_bit(). Reports "unlock-page-unlocked" if not locked. */
PCSIM_API void pcsim_unlock_page(struct pcsim_page *page);
/** lock_page(): sleep uninterruptibly until the lock is ours. Context: task. */
PCSIM_API void pcsim_lock_page(struct pcsim_page *page);
/** lock_page_killable(): 0 with the lock, or -EINTR on a fatal signal (not locked). */
PCSIM_API int pcsim_lock_page_killable(struct pcsim_page *page);
/** wait_on_page_locked(): wait until PG_locked is clear, without taking it. */
PCSIM_API void pcsim_wait_on_page_locked(struct pcsim_page *page);
/** wait_on_page_locked_killable(): 0, or -EINTR on a fatal signal. */
PCSIM_API int pcsim_wait_on_page_locked_killable(struct pcsim_page *page);
/** put_and_wait_on_page_locked(): enqueue, drop the caller's reference, wait until woken. The
 * caller must not touch the page afterwards. Return: 0, or -EINTR (killable state). */
PCSIM_API int pcsim_put_and_wait_on_page_locked(struct pcsim_page *page, long state);
/** wait_on_page_writeback(): wait while PG_writeback is set. */
PCSIM_API void pcsim_wait_on_page_writeback(struct pcsim_page *page);
/** end_page_writeback(): pin, test-and-clear PG_writeback, smp_mb__after_atomic, wake, unpin. */
PCSIM_API void pcsim_end_page_writeback(struct pcsim_page *page);
/** wake_up_page_bit(): the unlock slow path (exported for tests). */
PCSIM_API void pcsim_wake_up_page_bit(struct pcsim_page *page, int bit_nr);
/** add_page_wait_queue(): queue an arbitrary waiter and set PG_waiters; no re-check. */
PCSIM_API void pcsim_add_page_wait_queue(struct pcsim_page *page,
					 struct pcsim_wait_queue_entry *waiter);
/**
 * folio_unlock() (kernel profile 6.18): clear PG_locked with an atomic XOR (release) that also
 * reports PG_waiters (folio_xor_flags_has_waiters()), and if it was set folio_wake_bit().
 * pcsim_unlock_page() is this on the 6.18 profile. Reports "unlock-page-unlocked" if not locked.
 * Context: any.
 */
PCSIM_API void pcsim_folio_unlock(struct pcsim_page *folio);
/**
 * folio_end_read() (6.18): end a read of a locked, not uptodate page: one atomic XOR (release)
 * clears PG_locked and, if @success, sets PG_uptodate; if PG_waiters was set, folio_wake_bit().
 * Nobody can see the page uptodate and still locked, or unlocked before it is uptodate. The
 * block device's completion uses it on the 6.18 profile (5.10: SetPageUptodate, then
 * unlock_page()). Reports "end-read-not-locked" / "end-read-uptodate" on misuse (the kernel's
 * VM_BUG_ONs). Context: any (a completion's hard-irq context).
 */
PCSIM_API void pcsim_folio_end_read(struct pcsim_page *folio, bool success);

/* ---------------------------------------------------------------------------------------------
 * Files, the block device and the buffered read path (docs/kernel-semantics.md section 3.2)
 */
#define PCSIM_PAGE_SHIFT 12
#define PCSIM_PAGE_SIZE (1ul << PCSIM_PAGE_SHIFT)

/* kiocb flags, 5.10 values (include/linux/fs.h). */
#define PCSIM_IOCB_NOWAIT (1 << 7)
#define PCSIM_IOCB_WAITQ (1 << 8)
#define PCSIM_IOCB_NOIO (1 << 9)

/* Quantile buckets a service-time draw chooses among: the default, and the most one choice
 * can offer (the engine's limit of options per decision). */
#define PCSIM_BDEV_DRAWS_DEFAULT 256u
#define PCSIM_BDEV_DRAWS_MAX 512u

/**
 * struct pcsim_bdev_params - the shape of a block device (pcsim_bdev_init_params()).
 * @slots: requests in service at once (>= 1; 0 means 1); the others wait in FIFO order.
 * @service_ns_min, @service_ns_mean: the service time of a request is a shifted exponential,
 *	min + Exp(mean - min): a fixed part (the round trip every request pays) plus a memoryless
 *	tail. Throughput at depth >= @slots is @slots / mean whatever the shape, and the mean is
 *	also the depth-1 latency, so the two figures a measurement gives calibrate @slots and the
 *	mean; min sets the spread (p99 = min + 4.6 (mean - min)). A mean below min is raised to
 *	min; mean 0 is the zero-service-time device (pcsim_bdev_init()).
 * @draws: quantile buckets a draw chooses among (0: PCSIM_BDEV_DRAWS_DEFAULT; at most
 *	PCSIM_BDEV_DRAWS_MAX); each bucket stands for the distribution's mean over its
 *	probability range, so the draws keep the mean exactly. 1 makes every request take the mean
 *	(no choice: what a DFS in timed mode wants).
 * @eio: offer an -EIO data choice on every completion.
 * @irq_batch: requests one completion interrupt ends (0 or 1: each its own, the default). With
 *	N > 1 a request whose service is over frees its slot at once (the device posts it) but its
 *	page is ended by the interrupt that comes once N requests are done, or sooner when the
 *	device has nothing left in service: interrupt coalescing, as the measured virtio disk
 *	completes requests in bursts (`device_irq_batch`; docs/seed-experiment.md).
 * @idle_ns: extra service time of a request that finds the device idle (nothing in service,
 *	nothing queued): the lone request's round trip beyond the per-request service time at
 *	depth (a paravirtual disk's doorbell exit, the host's wake-up, the interrupt injected into
 *	an idle vCPU; docs/seed-experiment.md, "The lone read"). 0: none (the default). Counts only
 *	where service times do (timed mode, threads), added to the drawn time, no choice of its own.
 *
 * Service times exist only where time does: in the sim backend's timed mode a started request's
 * time is a "latency" data choice of the strategy (seeded and recorded, so one seed gives one
 * trace) and its completion event is not due before it; on the threads backend it is the
 * completion's real delay. Untimed exploration draws nothing: completions fire when the strategy
 * chooses, as with zero service time.
 */
struct pcsim_bdev_params {
	unsigned slots;
	uint64_t service_ns_min;
	uint64_t service_ns_mean;
	unsigned draws;
	bool eio;
	unsigned irq_batch;
	uint64_t idle_ns;
};

/**
 * struct pcsim_bdev_io - one request as the device saw it, shown to the device's observer when
 * it completes. Times are pcsim_now_ns(): virtual in timed mode, steps x 1000 in untimed sim
 * worlds, the monotonic clock on threads.
 * @pcsim_page, @file: the page read and its file id.
 * @seq: submission order (0, 1, ... under the queue lock). @start_seq: order of entering a slot
 *	(FIFO: equal to @seq).
 * @submit_ns, @start_ns, @complete_ns: ->readpage(), start of service, the completion handler.
 * @service_ns: the drawn service time (0 when none is drawn); the completion is not due before
 *	@start_ns + @service_ns.
 * @error: 0, or -EIO when the injected error was chosen.
 * @irq: which completion interrupt ended the page (0, 1, ... in the order they took their
 *	requests): with irq_batch > 1 several requests share one.
 * @idle: the request found the device idle (so @service_ns includes the device's idle_ns).
 */
struct pcsim_bdev_io {
	struct pcsim_page *pcsim_page;
	uint32_t file;
	uint64_t seq, start_seq;
	uint64_t submit_ns, start_ns, service_ns, complete_ns;
	int error;
	uint64_t irq;
	bool idle;
};

/**
 * struct pcsim_bdev - a block device: a queue with @slots requests in flight at most; each
 * completion is an interrupt-context event (a choice of the strategy; in timed mode not due
 * before the request's drawn service time), which marks the page uptodate (or PG_error when an
 * injected -EIO is chosen) and unlocks it. Fields are set by pcsim_bdev_init_params().
 *
 * Not a kernel structure: pcsim's queueing model of the device behind ->readpage(). The caller
 * provides the storage (embedded in a scenario's state), so the whole device is declared here;
 * users may read its shape and the counters (@inflight, @completed, @failed), and the rest is
 * src/pagecache/bdev.c's own.
 */
struct pcsim_bdev {
	/* the shape: struct pcsim_bdev_params */
	unsigned slots;		/* parallel requests, >= 1 */
	bool eio;		/* offer an -EIO data choice on every completion */
	uint64_t service_ns_min, service_ns_mean;
	unsigned draws;
	/* the counters users may read (@inflight under @lock) */
	unsigned inflight;		/* requests in service, <= @slots */
	uint64_t completed, failed;	/* completions: read, -EIO */
	/* bdev.c's own: the request queue under @lock, its sequence numbers, the observer */
	struct pcsim_spinlock lock;	/* taken from tasks and completions */
	struct pcsim_bdev_req *queue, *queue_tail;
	uint64_t submitted, started;
	void (*observe)(const struct pcsim_bdev_io *io, void *arg);
	void *observe_arg;
	/* interrupt coalescing (@irq_batch > 1): requests done, their pages not yet ended */
	unsigned irq_batch;
	unsigned ndone;
	struct pcsim_bdev_req *done, *done_tail;
	uint64_t interrupts;		/* completion interrupts that ended pages */
	struct pcsim_bdev_req *free_reqs;	/* ended requests, reused last-in first-out */
	uint64_t idle_ns;		/* the shape: struct pcsim_bdev_params @idle_ns */
	unsigned in_service;		/* started, completion not yet fired (atomic) */
};

/* The threads backend's page index (src/pagecache/index_threads.c), opaque. */
struct pcsim__page_index;

/**
 * struct pcsim_address_space - a file's page cache: the page index (sim backend: one
 * RCU-protected slot per page index, the model of the xarray leaf; threads backend: a liburcu
 * lock-free hash table, the slots then only recording the same contents for setup()/finish()),
 * i_size, the device, readahead setting.
 *
 * Each field models kernel state: @i_pages_lock is the xarray's xa_lock, @slots and
 * @i_pages_lfht are i_pages, @bdev is where ->readpage() submits, @ra_pages and the ra_ fields
 * are the file's struct file_ra_state (one reader's view; pcsim keeps it per file), @fadv_random
 * is FMODE_RANDOM. The one pcsim field is @id, the file's identity: every byte's expected value
 * is pcsim_file_byte(id, offset), and a page's data_tag names it. Scenarios read @slots and
 * @nr_slots in setup() and finish() (PCSIM_SETUP_GET()).
 */
struct pcsim_address_space {
	uint32_t id;			/* file id: part of every byte's expected value */
	pcsim_u64 i_size;
	unsigned long nr_slots;
	pcsim_ptr *slots;		/* index -> struct pcsim_page *, RCU (sim) */
	struct pcsim__page_index *i_pages_lfht;	/* threads backend's index (opaque); NULL on sim */
	struct pcsim_spinlock i_pages_lock;
	struct pcsim_bdev *bdev;
	unsigned ra_pages;		/* 0 disables readahead */
	bool fadv_random;		/* POSIX_FADV_RANDOM: read only what is asked */
	/* struct file_ra_state */
	unsigned long ra_start, ra_size, ra_async_size;
	int64_t ra_prev_pos;
};

/** struct pcsim_kiocb - the kiocb fields the read path uses. */
struct pcsim_kiocb {
	struct pcsim_address_space *mapping;
	int64_t ki_pos;
	int ki_flags;
	struct pcsim_wait_page_queue *ki_waitq;
};

/** struct pcsim_iov_iter - a user buffer being filled. */
struct pcsim_iov_iter {
	unsigned char *buf;
	size_t count;		/* bytes left */
	size_t done;		/* bytes copied */
};

/** The expected byte at @off of file @id: file content is a function, never stored. */
static inline unsigned char pcsim_file_byte(uint32_t id, uint64_t off)
{
	uint64_t x = ((uint64_t)id << 40) ^ off ^ 0x9e3779b97f4a7c15ull;
	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ull;
	return (unsigned char)(x >> 56);
}

/**
 * pcsim_bdev_init - @slots parallel requests with zero service time (completions whenever the
 * strategy chooses, in every mode); @eio offers injected I/O errors. Context: setup.
 */
PCSIM_API void pcsim_bdev_init(struct pcsim_bdev *bdev, unsigned slots, bool eio);
/** pcsim_bdev_init_params - a device of shape @p (copied; see struct pcsim_bdev_params).
 * Context: setup. */
PCSIM_API void pcsim_bdev_init_params(struct pcsim_bdev *bdev,
				      const struct pcsim_bdev_params *p);
/**
 * pcsim_bdev_preset - a named device shape: "instant" (2 slots, zero service time: the tests'
 * device) or "perf-anchor" (the measured virtio-blk disk under O_DIRECT:
 * 2 slots, service 12.5 us + Exp(12.5 us), mean 25 us; derivation in docs/pagecache.md).
 * Context: any thread. Return: the parameters (static), or NULL for an unknown name.
 */
PCSIM_API const struct pcsim_bdev_params *pcsim_bdev_preset(const char *name);
/**
 * pcsim_bdev_set_observer - call @fn(@io, @arg) in every completion of @bdev, in its atomic
 * context before the page is marked and unlocked (@fn must not sleep or take page locks; on the
 * threads backend concurrent completions call it concurrently). NULL removes it. Context: setup.
 */
PCSIM_API void pcsim_bdev_set_observer(struct pcsim_bdev *bdev,
				       void (*fn)(const struct pcsim_bdev_io *io, void *arg),
				       void *arg);
/**
 * pcsim_mapping_create - a file of @size bytes on @bdev, empty cache, readahead of @ra_pages
 * pages (0 disables it). Context: setup. Return: the mapping (execution arena).
 */
PCSIM_API struct pcsim_address_space *pcsim_mapping_create(struct pcsim_world *w, uint32_t id,
							    uint64_t size,
							    struct pcsim_bdev *bdev,
							    unsigned ra_pages);
/**
 * pcsim_mapping_populate - put page @index in the cache now (setup only), uptodate or not,
 * locked or not (a read in flight is modelled by a locked, not-uptodate page).
 */
PCSIM_API struct pcsim_page *pcsim_mapping_populate(struct pcsim_address_space *m,
						    unsigned long index, bool uptodate,
						    bool locked);
/** find_get_page(): RCU lookup with a speculative reference, re-checked; NULL if absent. */
PCSIM_API struct pcsim_page *pcsim_find_get_page(struct pcsim_address_space *m,
						 unsigned long index);
/**
 * add_to_page_cache_lru(): insert a locked new page; -EEXIST if the slot is taken, -ENOMEM if
 * the threads backend's page index is out of memory (the execution has then failed with
 * "out-of-memory").
 */
PCSIM_API int pcsim_add_to_page_cache(struct pcsim_page *page, struct pcsim_address_space *m,
				      unsigned long index);
/**
 * pcsim_truncate_page - truncate/evict one page: lock it, wait for writeback, remove it from
 * the cache (mapping = NULL), unlock, drop the cache's reference. Context: task.
 * Return: 0, or -ENOENT if the index is not cached.
 */
PCSIM_API int pcsim_truncate_page(struct pcsim_address_space *m, unsigned long index);
/**
 * pcsim_evict_page - reclaim one clean page as 5.10's shrink_page_list() does: trylock (never
 * sleeps on the page lock), skip writeback, then under the i_pages lock freeze the reference
 * count at the cache's plus reclaim's own; any other reference keeps the page. On success the
 * page leaves the cache, is unlocked (waking DROP waiters) and its frame is freed.
 * Context: task. Return: 0, -ENOENT if the index is not cached, -EBUSY if the page was kept
 * (locked, under writeback, truncated meanwhile, or referenced by someone else).
 */
PCSIM_API int pcsim_evict_page(struct pcsim_address_space *m, unsigned long index);
/**
 * pcsim_write_page - write one cached page back as 5.10's write_cache_pages() does for it: lock,
 * skip it if truncated meanwhile, wait for a write in flight, set PG_writeback, unlock, submit;
 * the write completes in hard-irq context with end_page_writeback(). Context: task.
 * Return: 0 (the write is in flight), or -ENOENT if the index is not cached (or was truncated).
 */
PCSIM_API int pcsim_write_page(struct pcsim_address_space *m, unsigned long index);
/** ->readpage(): submit the read of a locked page to the device. Return: 0. */
PCSIM_API int pcsim_readpage(struct pcsim_address_space *m, struct pcsim_page *page);
/**
 * generic_file_buffered_read(): the 5.10 shape, every row of docs/kernel-semantics.md 3.2 (no
 * ->is_partially_uptodate: block size = page size). Return: bytes copied if any, else 0 (EOF)
 * or -EAGAIN, -EIOCBQUEUED (armed: exactly one callback of iocb->ki_waitq follows), -EINTR,
 * -EIO. Context: task. Re-injectable: B-09 (NOIO at a readahead page: false EOF, as 5.10),
 * B-10 (blocking lock after ->readpage under WAITQ), B-11 (arming with written > 0).
 */
PCSIM_API long pcsim_generic_file_buffered_read(struct pcsim_kiocb *iocb,
						struct pcsim_iov_iter *iter, long written);

/**
 * filemap_read() (kernel profile 6.18): the read path of 5.11+ with filemap_get_pages() and
 * filemap_update_page() (docs/kernel-semantics.md 3.3, every row of 3.4): batches of cached
 * pages; under IOCB_WAITQ it never creates or reads a page (-EAGAIN instead), arms with
 * __folio_lock_async() only for the last page of a batch of one, and marks the read IOCB_NOWAIT
 * once bytes were copied (each iteration) or the batch has earlier pages. Return: bytes copied
 * (added to @already_read) if any, else 0 (EOF) or -EAGAIN, -EIOCBQUEUED, -EINTR, -EIO.
 * Context: task. On the 6.18 profile it is the default buffered_read plug.
 */
PCSIM_API long pcsim_filemap_read(struct pcsim_kiocb *iocb, struct pcsim_iov_iter *iter,
				  long already_read);

/**
 * struct pcsim_pagecache_ops - plug points: bring your own kernel-style variant of a key
 * function and explore it against the same scenarios and checks (docs/pagecache.md, "Bringing
 * your own variant"). A NULL member keeps pcsim's model of the 5.10 function.
 * @wake_page_function: the callback of sync page waiters (wait_on_page_bit_common).
 * @wait_async: __wait_on_page_locked_async() (@set: lock mode).
 * @buffered_read: the read path behind pcsim_read_iter() (generic_file_buffered_read).
 */
struct pcsim_pagecache_ops {
	pcsim_wait_queue_func_t wake_page_function;
	int (*wait_async)(struct pcsim_page *page, struct pcsim_wait_page_queue *wait, bool set);
	long (*buffered_read)(struct pcsim_kiocb *iocb, struct pcsim_iov_iter *iter, long written);
};

/** pcsim_pagecache_set_ops - use @ops in this execution (copied). Context: setup. */
PCSIM_API void pcsim_pagecache_set_ops(struct pcsim_world *w,
				       const struct pcsim_pagecache_ops *ops);
/** pcsim_pagecache_default_ops - pcsim's own model of each plug point (the 5.10 functions). */
PCSIM_API const struct pcsim_pagecache_ops *pcsim_pagecache_default_ops(void);
/**
 * pcsim_pagecache_kernel_ops - pcsim's model of each plug point on kernel profile @kernel (an
 * enum pcsim_kernel): 5.10's for 5.8 to 5.10; on 6.18 buffered_read is pcsim_filemap_read() and
 * wait_async pcsim___folio_lock_async(). A world fills the members its program leaves NULL from
 * its own profile. Context: any thread. Return: static storage.
 */
PCSIM_API const struct pcsim_pagecache_ops *pcsim_pagecache_kernel_ops(int kernel);
/**
 * pcsim_read_iter - ->read_iter(): the read path through the world's ops. Context: task.
 * Return: bytes read (added to @written), or a negative errno: -EAGAIN (IOCB_NOWAIT),
 * -EIOCBQUEUED (IOCB_WAITQ armed), -EIO, -EINTR/-ERESTARTSYS, -EINVAL for a negative
 * iocb->ki_pos (what rw_verify_area() refuses before a kernel read starts).
 */
PCSIM_API long pcsim_read_iter(struct pcsim_kiocb *iocb, struct pcsim_iov_iter *iter,
			       long written);

/**
 * pcsim_pagecache_general_program - the layer's general scenario (src/pagecache/general.c): an
 * io_uring-style reader, a blocking reader, a locker, a truncator and an evictor over a small
 * file. Run it
 * with wait_table_bits 0 to put every page in one bucket. Context: any thread.
 */
PCSIM_API const struct pcsim_program *pcsim_pagecache_general_program(void);

/**
 * pcsim_pagecache_describe - the layer's part of the state of @w's execution, for a person:
 * each page frame (file, index, references, PG_* flags, or "free") and each non-empty bucket of
 * the page wait table with its entries in queue order (page and bit, the sleeping task or the
 * async callback, the wake function, WQ_FLAG_* bits). Memory as it is in memory. Layout not
 * frozen. Read-only: no step, no trace event, no object id; the layer is not created if the
 * execution has not used it yet. pcsim_world_describe() gives the engine's part.
 * Context: as pcsim_world_describe() (sim backend; on threads it prints no pages).
 * Return: 0, or -1 for NULL arguments or a write error on @f.
 */
PCSIM_API int pcsim_pagecache_describe(const struct pcsim_world *w, FILE *f);

/**
 * pcsim_async_page_wake_function - a reference async page-wait callback in the shape of
 * io_uring's io_async_buf_func() (5.10): wake_page_match(), then unlink itself, then call
 * @wait->wait.private's notify function (struct pcsim_async_waiter) from the unlocker's atomic
 * context. Returns 1 (the entry is non-exclusive, so it never consumes the exclusive wakeup).
 * Re-injectable: B-03 (returns before recording page_match).
 */
struct pcsim_async_waiter {
	struct pcsim_wait_page_queue wpq;
	/* the user's, standing for io_uring's request (io_kiocb): what the callback tells */
	void (*notify)(struct pcsim_async_waiter *aw);	/* runs in the unlocker's context */
	void *owner;
};
PCSIM_API int pcsim_async_page_wake_function(struct pcsim_wait_queue_entry *wait, unsigned mode,
					     int sync, void *key);
/** Prepare @aw for arming: func, private, flags 0, self-linked entry (io_rw_should_retry). */
PCSIM_API void pcsim_async_waiter_init(struct pcsim_async_waiter *aw,
				       void (*notify)(struct pcsim_async_waiter *aw), void *owner);

/**
 * __wait_on_page_locked_async(): publish @wait (tail insert, PG_waiters) and then, under the
 * bucket lock, try the lock (@set) or test it; on success unlink and return 0 (no callback will
 * run), else return -EIOCBQUEUED: exactly one call of @wait->wait.func follows the next unlock.
 * The caller prepares @wait->wait (func, private, flags 0, self-linked entry).
 */
PCSIM_API int pcsim___wait_on_page_locked_async(struct pcsim_page *page,
						struct pcsim_wait_page_queue *wait, bool set);
/**
 * __folio_lock_async() (6.18): under the bucket lock publish @wait (tail insert, PG_waiters),
 * then try the lock; on success unlink and return 0 (locked, no callback), else -EIOCBQUEUED.
 * As a wait_async plug it is called with @set true (6.18 has no wait-only mode; @set false
 * falls back to 5.10's __wait_on_page_locked_async()). Re-injectable as in 5.10: B-01, B-02.
 */
PCSIM_API int pcsim___folio_lock_async(struct pcsim_page *folio, struct pcsim_wait_page_queue *wait,
				       bool set);
/** lock_page_async(): trylock, else __wait_on_page_locked_async(set). 0 = locked. */
PCSIM_API int pcsim_lock_page_async(struct pcsim_page *page, struct pcsim_wait_page_queue *wait);
/** wait_on_page_locked_async(): 0 if not locked, else __wait_on_page_locked_async(test). */
PCSIM_API int pcsim_wait_on_page_locked_async(struct pcsim_page *page,
					      struct pcsim_wait_page_queue *wait);


#ifdef __cplusplus
}
#endif
#endif
