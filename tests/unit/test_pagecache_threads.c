// SPDX-License-Identifier: MIT
/*
 * Description: bounded stress tests of the page-cache layer on the threads backend (run under
 * TSan by `make test`):
 * - the general scenario (an io_uring-style reader armed on a page under I/O, a blocking reader,
 *   a locker and a truncator, completions on libev threads) many times over, every byte and the
 *   end-of-run quiescence checked by the scenario itself;
 * - the threads backend's page index (a liburcu cds_lfht, src/pagecache/index_threads.c):
 *   lookups on real threads racing with truncation and re-insertion of the same indices of two
 *   files that share the frame pool, so a truncated page's frame comes straight back for another
 *   index or file. Every page find_get_page() returns must be the looked-up file's page of the
 *   looked-up index (or already truncated since), a locked cached page must be what a second
 *   lookup returns, and no reference may be left behind by the lookups' retries.
 * Kernel reference: mm/filemap.c (5.10) find_get_entry()/pagecache_get_page() (speculative
 * reference, xas_reload() re-check), add_to_page_cache_lru(), truncate_inode_page(); ordering
 * pairs O6 and O15 (docs/ordering.md).
 * What to look for in the trace: the threads backend records no trace; a failure names its
 * check ("index-lookup", "index-update", "quiescence") with the file, index and frame number.
 */
#include <errno.h>
#include <stdio.h>

#include "pcsim_test.h"

#include <pcsim/kernel/compiler.h>
#include <pcsim/kernel/pagemap.h>

static void test_general_scenario_on_threads(void **state)
{
	(void)state;
	struct pcsim_config cfg;
	struct pcsim_explore_opts o;
	struct pcsim_report r;
	pcsim_config_init(&cfg);
	cfg.backend = PCSIM_BACKEND_THREADS;
	pcsim_pagecache_config(&cfg)->wait_table_bits = 0;
	pcsim_explore_opts_init(&o);
	o.max_executions = 200;
	assert_int_equal(pt_explore(pcsim_pagecache_general_program(), &cfg, &o, 0, &r), 0);
	printf("threads: %llu executions of the general scenario, no violation\n",
	       (unsigned long long)r.executions);
	pcsim_report_free(&r);
}

/* ---- the page index: lookups against truncation and re-insertion ------------------------ */
#define IX_FILES 2
#define IX_PAGES 4
#define IX_READERS 4
#define IX_UPDATERS 2

struct ix_world {
	struct pcsim_bdev bdev;
	struct address_space *m[IX_FILES];
	unsigned reader_loops, updater_loops;
	/* outcomes, summed over the execution (atomics) */
	pcsim_ulong found, absent, relooked, truncated, enoent, added, eexist;
};

static _Thread_local struct ix_world *ix_cur;
/* Sums over every execution of the test, for the printout (test thread only). */
static unsigned long long ix_found, ix_absent, ix_relooked, ix_truncated, ix_eexist;

static void count(pcsim_ulong *c)
{
	(void)pcsim_rmw(c, PCSIM_RMW_ADD, 1, PCSIM_MO_ONCE);
}

/* What a page returned by find_get_page(m, index) may look like while we hold a reference: its
 * frame cannot be freed or reused, so it keeps the index it was inserted at, and it belongs to
 * @m unless it has been truncated since the lookup. */
static void check_found(struct address_space *m, unsigned long index, struct page *p)
{
	unsigned long pi = READ_ONCE(p->index);
	struct address_space *pm = READ_ONCE(p->mapping);
	PCSIM_CHECK(pi == index, "index-lookup",
		    "file %u index %lu: find_get_page() returned page %u of index %lu", m->id,
		    index, p->pfn, pi);
	PCSIM_CHECK(pm == m || pm == NULL, "index-lookup",
		    "file %u index %lu: find_get_page() returned page %u of file %u", m->id, index,
		    p->pfn, pm ? pm->id : 0u);
}

static void ix_reader(void *arg)
{
	struct ix_world *x = arg;
	unsigned tid = pcsim_task_id(pcsim_current());
	for (unsigned i = 0; i < x->reader_loops; i++) {
		unsigned k = i + tid;
		struct address_space *m = x->m[k % IX_FILES];
		unsigned long index = (k / IX_FILES) % IX_PAGES;
		struct page *p = find_get_page(m, index);
		if (!p) {
			count(&x->absent);
			continue;
		}
		count(&x->found);
		check_found(m, index, p);
		if (i % 8 == 0) {
			/* Under the page lock a cached page cannot leave the index (truncation
			 * removes it with the lock held): a second lookup must find this very
			 * page. */
			lock_page(p);
			if (READ_ONCE(p->mapping) == m) {
				struct page *q = find_get_page(m, index);
				PCSIM_CHECK(q == p, "index-lookup",
					    "file %u index %lu: page %u is locked in the cache but a "
					    "second lookup returned %s %u",
					    m->id, index, p->pfn, q ? "page" : "nothing", q ? q->pfn : 0u);
				if (q)
					put_page(q);
				count(&x->relooked);
			}
			unlock_page(p);
		}
		put_page(p);
	}
}

/*
 * Truncate an index and put a fresh page there, over and over; two of these race on the same
 * indices, so either step may find the other's work done (-ENOENT, -EEXIST). The new page is
 * allocated before the truncation: the truncated frame goes back to the pool and (reuse is
 * last-in first-out) becomes the next page added, at another index or in the other file, which
 * is what a lookup that skipped the re-check would then return.
 */
static void ix_updater(void *arg)
{
	struct ix_world *x = arg;
	struct pcsim_world *w = pcsim_world_current();
	unsigned tid = pcsim_task_id(pcsim_current());
	for (unsigned i = 0; i < x->updater_loops; i++) {
		unsigned k = i + 3 * tid;
		struct address_space *m = x->m[k % IX_FILES];
		unsigned long index = (k / IX_FILES) % IX_PAGES;
		struct page *p = pcsim_page_alloc(w);
		int err = pcsim_truncate_page(m, index);
		PCSIM_CHECK(err == 0 || err == -ENOENT, "index-update",
			    "truncate of file %u index %lu: %d", m->id, index, err);
		count(err ? &x->enoent : &x->truncated);
		err = add_to_page_cache_lru(p, m, index);
		PCSIM_CHECK(err == 0 || err == -EEXIST, "index-update",
			    "add of file %u index %lu: %d", m->id, index, err);
		if (err == 0) {
			/* ->readpage() done at once: the data, then uptodate, then unlock. */
			WRITE_ONCE(p->data_tag, ((uint64_t)m->id << 32 | (uint32_t)index) + 1);
			SetPageUptodate(p);
			unlock_page(p);
			count(&x->added);
		} else {
			count(&x->eexist);
		}
		put_page(p);	/* the allocation's reference: the cache keeps its own */
	}
}

static void ix_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	struct ix_world *x = pcsim_alloc(w, sizeof(*x));
	pcsim_bdev_init(&x->bdev, 1, false);
	for (unsigned f = 0; f < IX_FILES; f++) {
		x->m[f] = pcsim_mapping_create(w, 20 + f, IX_PAGES * PCSIM_PAGE_SIZE, &x->bdev, 0);
		for (unsigned long i = 0; i < IX_PAGES; i++)
			pcsim_mapping_populate(x->m[f], i, true, false);
	}
	x->reader_loops = 4000;
	x->updater_loops = 600;
	for (unsigned t = 0; t < IX_READERS; t++)
		pcsim_task_create(w, "lookup", ix_reader, x, (int)(t % 2));
	for (unsigned t = 0; t < IX_UPDATERS; t++)
		pcsim_task_create(w, "truncate+add", ix_updater, x, (int)(t % 2));
	ix_cur = x;
}

/* Every updater ends each round with an add, so every index is cached at the end, by a page
 * that holds the cache's reference only (a lookup retry that forgot its put shows here). */
static void ix_finish(struct pcsim_world *w, void *arg)
{
	(void)w;
	(void)arg;
	struct ix_world *x = ix_cur;
	for (unsigned f = 0; f < IX_FILES; f++) {
		struct address_space *m = x->m[f];
		for (unsigned long i = 0; i < IX_PAGES; i++) {
			struct page *p = PCSIM_SETUP_GET(m->slots[i]);
			PCSIM_CHECK(p != NULL, "quiescence", "file %u index %lu not cached at the end",
				    m->id, i);
			if (!p)
				continue;
			PCSIM_CHECK(PCSIM_SETUP_GET(p->mapping) == m &&
					    PCSIM_SETUP_GET(p->index) == i,
				    "quiescence", "file %u index %lu holds page %u of another place",
				    m->id, i, p->pfn);
			PCSIM_CHECK(PCSIM_SETUP_GET(p->_refcount) == 1, "quiescence",
				    "file %u index %lu: page %u ends with %d references", m->id, i,
				    p->pfn, PCSIM_SETUP_GET(p->_refcount));
			PCSIM_CHECK(!(PCSIM_SETUP_GET(p->flags) & (1ul << PG_locked)), "quiescence",
				    "file %u index %lu: page %u left locked", m->id, i, p->pfn);
		}
	}
	unsigned long reads = PCSIM_SETUP_GET(x->found) + PCSIM_SETUP_GET(x->absent);
	PCSIM_CHECK(reads == (unsigned long)IX_READERS * x->reader_loops, "quiescence",
		    "%lu lookups counted, %u expected", reads, IX_READERS * x->reader_loops);
	ix_found += PCSIM_SETUP_GET(x->found);
	ix_absent += PCSIM_SETUP_GET(x->absent);
	ix_relooked += PCSIM_SETUP_GET(x->relooked);
	ix_truncated += PCSIM_SETUP_GET(x->truncated);
	ix_eexist += PCSIM_SETUP_GET(x->eexist);
}

static void test_index_lookup_vs_truncate_readd(void **state)
{
	(void)state;
	struct pcsim_config cfg;
	struct pcsim_explore_opts o;
	struct pcsim_report r;
	struct pcsim_program prog = { "pagecache-index-threads", ix_setup, ix_finish, NULL };
	pcsim_config_init(&cfg);
	cfg.backend = PCSIM_BACKEND_THREADS;
	cfg.trace = false;
	pcsim_explore_opts_init(&o);
	o.max_executions = 8;
	assert_int_equal(pt_explore(&prog, &cfg, &o, 0, &r), 0);
	assert_int_equal(r.executions, 8);
	printf("threads: %llu executions: %llu lookups found a page (%llu re-looked up under the "
	       "page lock), %llu found none; %llu truncations, %llu adds refused with -EEXIST\n",
	       (unsigned long long)r.executions, ix_found, ix_relooked, ix_absent, ix_truncated,
	       ix_eexist);
	/* The race must have happened at all: pages were truncated and found. */
	assert_true(ix_truncated > 0 && ix_found > 0);
	pcsim_report_free(&r);
}

int main(int argc, char **argv)
{
	pt_init(argc, argv);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_general_scenario_on_threads),
		cmocka_unit_test(test_index_lookup_vs_truncate_readd),
	};
	return cmocka_run_group_tests_name("pagecache_threads", tests, NULL, NULL);
}
