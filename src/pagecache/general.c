// SPDX-License-Identifier: MIT
/*
 * general.c - the page-cache layer's general scenario: one small file, wait_table_bits 0
 * (every page in one bucket), and everything at once: an io_uring-style reader (IOCB_NOWAIT
 * first, then IOCB_WAITQ with a callback and a retry), a blocking reader, a task that locks
 * and unlocks the first page, a truncator of the second page and an evictor of the first. Used by the zoo tests, by `pcsim explore
 * pagecache-general` and by `make demo`. Every byte read is checked; at the end no page may be
 * left locked and no waiter queued.
 */
#include <errno.h>

#include <pcsim/file_bytes.h>
#include <pcsim/kernel/compiler.h>
#include <pcsim/kernel/pagemap.h>
#include <pcsim/kernel/sched.h>

#include "pagecache_int.h"

#define GEN_FILE_SIZE (2 * 4096 + 512)

struct general {
	struct pcsim_bdev bdev;
	struct address_space *m;
	struct pcsim_async_waiter aw;
	pcsim_int fired;
	/*
	 * The callback's handoff to the reader stands in for io_uring's task_work_add() and
	 * task_work_run(), whose atomics order everything the callback did before it with
	 * everything the retry does after (the retry re-initialises the waiter whose function
	 * and notify the callback read). The model's flag is READ_ONCE/WRITE_ONCE, which carry no
	 * such order: on the threads backend ThreadSanitizer saw the re-initialisation race with
	 * the callback's read of aw->notify. This counter gives it that order, in C11 and outside
	 * the model (no step, nothing traced: sim executions are unchanged): the callback bumps it
	 * with release before it sets the flag, and the reader, once it sees the flag, waits with
	 * acquire until it reads the bumped value - an acquire that read an older value would
	 * order nothing. The wait is for the threads backend only (on the sim backend the bump
	 * is always there already: it is not a store of the model, so no store buffer of --mem
	 * tso or weak holds it back) and bounded: a callback that fired late, from an earlier
	 * arming (a bug the explorer is there to find), must not make the reader spin for ever.
	 */
	unsigned handoff;
	bool threads;
	struct task_struct *uring;
	unsigned char buf[2][8192];
};

static void gen_notify(struct pcsim_async_waiter *aw)
{
	struct general *g = aw->owner;
	__atomic_fetch_add(&g->handoff, 1, __ATOMIC_RELEASE);
	WRITE_ONCE(g->fired, 1);
	wake_up_process(g->uring);
}

static void check_bytes(struct general *g, const unsigned char *buf, int64_t pos, size_t n)
{
	/* Every byte compared (memcmp against the cached contents); the first wrong one named. */
	size_t i = pcsim_file_bytes_mismatch(g->m->id, (uint64_t)pos, buf, n);

	PCSIM_CHECK(i == n, "read-data", "byte %lld of the file read wrong",
		    (long long)pos + (long long)i);
}

/* io_read() in miniature: nonblocking try; arm and retry after each callback. */
static void uring_reader(void *arg)
{
	struct general *g = arg;
	struct kiocb iocb = { g->m, 0, IOCB_NOWAIT, NULL };
	struct iov_iter it = { g->buf[0], 8192, 0 };
	long ret = pcsim_read_iter(&iocb, &it, 0);

	while (ret == -EAGAIN || (ret > 0 && it.count && iocb.ki_pos < GEN_FILE_SIZE)) {
		unsigned armed = __atomic_load_n(&g->handoff, __ATOMIC_RELAXED);

		pcsim_async_waiter_init(&g->aw, gen_notify, g);
		WRITE_ONCE(g->fired, 0);
		iocb.ki_waitq = &g->aw.wpq;
		iocb.ki_flags = IOCB_WAITQ;
		ret = pcsim_read_iter(&iocb, &it, 0);
		if (ret == -EAGAIN) {
			/*
			 * The armed attempt cannot make progress without blocking: io_read()
			 * hands the request to io-wq, whose attempt blocks. (On kernel profile
			 * 6.18 a read under IOCB_WAITQ never reads a page itself, so this is how
			 * a page nobody is reading gets read; without it this loop would spin.)
			 */
			iocb.ki_flags = 0;
			ret = pcsim_read_iter(&iocb, &it, 0);
			continue;
		}
		if (ret != -EIOCBQUEUED)
			continue;
		pcsim_task_set_wchan("io_uring retry of page %lld", (long long)(iocb.ki_pos >> 12));
		for (;;) {
			set_current_state(TASK_UNINTERRUPTIBLE);
			if (READ_ONCE(g->fired))
				break;
			schedule();
		}
		for (unsigned spin = 0; g->threads && spin < (1u << 24); spin++)	/* task_work_run() */
			if (__atomic_load_n(&g->handoff, __ATOMIC_ACQUIRE) != armed)
				break;
		__set_current_state(TASK_RUNNING);
		iocb.ki_flags = IOCB_NOWAIT;
		ret = pcsim_read_iter(&iocb, &it, 0);
	}
	check_bytes(g, g->buf[0], 0, it.done);
}

static void blocking_reader(void *arg)
{
	struct general *g = arg;
	struct kiocb iocb = { g->m, 100, 0, NULL };
	struct iov_iter it = { g->buf[1], 4096, 0 };
	(void)pcsim_read_iter(&iocb, &it, 0);
	check_bytes(g, g->buf[1], 100, it.done);
}

static void locker(void *arg)
{
	struct general *g = arg;
	for (int i = 0; i < 2; i++) {
		struct page *page = find_get_page(g->m, 0);
		if (!page)
			continue;
		if (trylock_page(page))
			unlock_page(page);
		put_page(page);
	}
}

/* reclaim of the page being read: kept while locked or referenced, else freed (LIFO reuse) */
static void evictor(void *arg)
{
	struct general *g = arg;
	(void)pcsim_evict_page(g->m, 0);
}

static void truncator(void *arg)
{
	struct general *g = arg;
	(void)pcsim_truncate_page(g->m, 1);
}

/* the execution's struct general, for general_finish(): per-execution state is the world's */
static const char gen_key;

static struct general **gen_cur(struct pcsim_world *w)
{
	return pcsim_world_layer(w, &gen_key, sizeof(struct general *), NULL);
}

static void general_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	pcsim_state_in_world(w);	/* gen_cur() included: DFS may restore prefixes */
	struct general *g = pcsim_alloc(w, sizeof(*g));
	g->threads = pcsim_world_config(w)->backend == PCSIM_BACKEND_THREADS;
	pcsim_bdev_init(&g->bdev, 2, false);
	g->m = pcsim_mapping_create(w, 3, GEN_FILE_SIZE, &g->bdev, 0);
	/* page 0 is being read when the scenario starts: locked, not uptodate, I/O in flight */
	struct page *p0 = pcsim_mapping_populate(g->m, 0, false, true);
	pcsim_readpage(g->m, p0);
	g->uring = pcsim_task_create(w, "uring-reader", uring_reader, g, 0);
	pcsim_task_create(w, "reader", blocking_reader, g, 1);
	pcsim_task_create(w, "locker", locker, g, 1);
	pcsim_task_create(w, "truncate", truncator, g, 0);
	pcsim_task_create(w, "evict", evictor, g, 1);
	*gen_cur(w) = g;
}

static void general_finish(struct pcsim_world *w, void *arg)
{
	(void)arg;
	struct general *g = *gen_cur(w);
	for (unsigned long i = 0; i < g->m->nr_slots; i++) {
		struct page *p = PCSIM_SETUP_GET(g->m->slots[i]);
		if (!p)
			continue;
		PCSIM_CHECK(!(PCSIM_SETUP_GET(p->flags) & (1ul << PG_locked)), "quiescence",
			    "page %lu left locked at the end", i);
		/* references back to baseline: only the page cache's own */
		PCSIM_CHECK(PCSIM_SETUP_GET(p->_refcount) == 1, "quiescence",
			    "page %lu ends with %d references (a get without a put?)", i,
			    PCSIM_SETUP_GET(p->_refcount));
	}
	/* no waiter left in any bucket */
	struct pagecache_layer *L = pcsim__pagecache(w);
	for (unsigned b = 0; b < (1u << L->bits); b++) {
		struct wait_queue_head *q = &L->table[b];
		PCSIM_CHECK(PCSIM_SETUP_GET(q->head.next) == &q->head, "quiescence",
			    "a waiter is still queued in bucket %u at the end", b);
	}
}

const struct pcsim_program *pcsim_pagecache_general_program(void)
{
	static const struct pcsim_program prog = { "pagecache-general", general_setup,
						    general_finish, NULL };
	return &prog;
}
