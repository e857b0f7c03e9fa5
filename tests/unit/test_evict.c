// SPDX-License-Identifier: MIT
/*
 * Description: page reclaim as its own actor (pcsim_evict_page(), src/pagecache/vmscan.c):
 * what it keeps and what it frees, and its races with lookups and with a DROP waiter, explored
 * exhaustively (DFS, preemption bound 2) on the sim backend and run on real threads.
 * Kernel reference: shrink_page_list() and __remove_mapping() (mm/vmscan.c, 5.10);
 * find_get_entry() (mm/filemap.c, 5.10).
 * What to look for in a trace: "atomic cmpxchg page N.refs: 0x2 -> 0" is the freeze; a lookup
 * that loads 0 from the count retries (cpu_relax) until the slot is empty.
 */
#include <errno.h>
#include <stdio.h>

#include "pcsim_test.h"

#include <pcsim/kernel/compiler.h>
#include <pcsim/kernel/pagemap.h>
#include <pcsim/kernel/sched.h>

struct ev {
	struct pcsim_bdev bdev;
	struct address_space *m;
	struct page *p0;
	uint32_t gen0;
	int ret;
	int lookups_hit, lookups_miss;
	unsigned char buf[100];
};

static struct ev *cur;
static int last_ret;	/* outlives the execution's arena */

static int run(const char *name, void (*setup)(struct pcsim_world *, void *),
	       void (*finish)(struct pcsim_world *, void *), void *arg, enum pcsim_strategy s,
	       uint64_t max, unsigned bound, int expect, struct pcsim_report *r)
{
	struct pcsim_config cfg = pt_config(PCSIM_MEM_SC);
	return pt_run(name, setup, finish, arg, &cfg, s, max, bound, expect, r);
}

static struct ev *ev_new(struct pcsim_world *w, bool uptodate, bool locked)
{
	struct ev *e = pcsim_alloc(w, sizeof(*e));
	pcsim_bdev_init(&e->bdev, 1, false);
	e->m = pcsim_mapping_create(w, 5, 2 * 4096, &e->bdev, 0);
	e->p0 = pcsim_mapping_populate(e->m, 0, uptodate, locked);
	e->gen0 = e->p0->gen;
	e->ret = 1;
	cur = e;
	return e;
}

/* ---- what reclaim keeps and what it frees (one task, no interleaving) ---------------------- */
enum { CLEAN, LOCKED, REFERENCED, WRITEBACK, ABSENT };

static void evict_one(void *arg)
{
	struct ev *e = cur;
	uintptr_t what = (uintptr_t)arg;
	struct page *extra = NULL;
	if (what == REFERENCED)
		extra = find_get_page(e->m, 0);
	e->ret = pcsim_evict_page(e->m, what == ABSENT ? 1 : 0);
	last_ret = e->ret;
	if (extra)
		put_page(extra);
	if (what == CLEAN) {
		PCSIM_CHECK(find_get_page(e->m, 0) == NULL, "evict", "page still cached");
		/* the frame comes back (LIFO) as the next page, one generation later */
		struct page *again = pcsim_page_alloc(pcsim_world_current());
		PCSIM_CHECK(again == e->p0 && again->gen == e->gen0 + 1, "evict",
			    "the evicted frame was not freed");
		put_page(again);
	}
}

static void kept_setup(struct pcsim_world *w, void *arg)
{
	uintptr_t what = (uintptr_t)arg;
	struct ev *e = ev_new(w, true, what == LOCKED);
	if (what == WRITEBACK)
		PCSIM_SETUP_SET(e->p0->flags, PCSIM_SETUP_GET(e->p0->flags) | (1ul << PG_writeback));
	pcsim_task_create(w, "evict", evict_one, arg, 0);
}

static void test_evict_keeps_and_frees(void **state)
{
	(void)state;
	static const int want[] = { 0, -EBUSY, -EBUSY, -EBUSY, -ENOENT };
	for (uintptr_t what = CLEAN; what <= ABSENT; what++) {
		struct pcsim_report r;
		assert_int_equal(run("evict-one", kept_setup, NULL, (void *)what,
				     PCSIM_STRATEGY_RANDOM, 1, 0, 0, &r),
				 0);
		pcsim_report_free(&r);
		printf("case %u: pcsim_evict_page() = %d\n", (unsigned)what, last_ret);
		assert_int_equal(last_ret, want[what]);
	}
}

/* ---- lookups against reclaim: a hit is the file's page with its data, or a miss ----------- */
static void looker(void *arg)
{
	struct ev *e = arg;
	for (int i = 0; i < 2; i++) {
		struct page *page = find_get_page(e->m, 0);
		if (!page) {
			e->lookups_miss++;
			continue;
		}
		PCSIM_CHECK(READ_ONCE(page->index) == 0 && PageUptodate(page), "evict-lookup",
			    "a lookup returned page %u which is not index 0's", page->pfn);
		PCSIM_CHECK(READ_ONCE(page->data_tag) == ((uint64_t)e->m->id << 32) + 1,
			    "evict-lookup", "page %u holds another page's data", page->pfn);
		e->lookups_hit++;
		put_page(page);
	}
}

static void evictor(void *arg)
{
	struct ev *e = arg;
	e->ret = pcsim_evict_page(e->m, 0);
	/* the frame comes back at once as another file's page, so a stale lookup would see it */
	struct page *other = pcsim_page_alloc(pcsim_world_current());
	WRITE_ONCE(other->index, 7ul);
	put_page(other);
}

static void race_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	struct ev *e = ev_new(w, true, false);
	pcsim_task_create(w, "lookup", looker, e, 0);
	pcsim_task_create(w, "evict", evictor, e, 1);
}

static void race_finish(struct pcsim_world *w, void *arg)
{
	(void)w;
	(void)arg;
	struct ev *e = cur;
	PCSIM_CHECK(e->ret == 0 || e->ret == -EBUSY, "evict", "evict returned %d", e->ret);
	PCSIM_CHECK(e->lookups_hit + e->lookups_miss == 2, "evict", "lookups lost");
	if (e->ret == 0)
		PCSIM_CHECK(PCSIM_SETUP_GET(e->m->slots[0]) == NULL, "evict", "slot not emptied");
	else
		PCSIM_CHECK(PCSIM_SETUP_GET(e->p0->_refcount) == 1, "evict",
			    "a kept page ends with %d references",
			    PCSIM_SETUP_GET(e->p0->_refcount));
}

static void test_lookup_vs_evict_exhaustive(void **state)
{
	(void)state;
	if (pt_backend != PCSIM_BACKEND_SIM)
		skip();
	struct pcsim_report r;
	assert_int_equal(run("evict-lookup", race_setup, race_finish, NULL, PCSIM_STRATEGY_DFS, 0,
			     2, 0, &r),
			 0);
	assert_true(r.exhausted);
	printf("lookup vs evict: %llu executions, all clean\n", (unsigned long long)r.executions);
	pcsim_report_free(&r);
}

/* ---- a DROP waiter is woken by reclaim's unlock_page() ------------------------------------- */
static void dropper(void *arg)
{
	struct ev *e = arg;
	struct page *page = find_get_page(e->m, 0);
	if (!page)
		return;
	if (PageLocked(page))
		put_and_wait_on_page_locked(page, TASK_UNINTERRUPTIBLE);	/* drops our ref */
	else
		put_page(page);
}

static void holder(void *arg)
{
	struct ev *e = arg;
	struct page *page = find_get_page(e->m, 0);
	if (!page)
		return;
	if (trylock_page(page))
		unlock_page(page);
	put_page(page);
	e->ret = pcsim_evict_page(e->m, 0);
}

static void drop_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	struct ev *e = ev_new(w, true, false);
	pcsim_task_create(w, "dropper", dropper, e, 0);
	pcsim_task_create(w, "evict", holder, e, 1);
}

static void test_drop_waiter_vs_evict_exhaustive(void **state)
{
	(void)state;
	if (pt_backend != PCSIM_BACKEND_SIM)
		skip();
	struct pcsim_report r;
	/* a lost wakeup would be a deadlock (or P3); a walk on the freed frame, P8 */
	assert_int_equal(run("evict-drop", drop_setup, NULL, NULL, PCSIM_STRATEGY_DFS, 0, 2, 0, &r),
			 0);
	assert_true(r.exhausted);
	pcsim_report_free(&r);
}

/* ---- writeback beside truncation and reclaim --------------------------------------------- */
static void writer(void *arg)
{
	struct ev *e = arg;
	(void)pcsim_write_page(e->m, 0);
}

static void truncator(void *arg)
{
	struct ev *e = arg;
	(void)pcsim_truncate_page(e->m, 0);	/* waits for the write to end */
}

static void reclaimer(void *arg)
{
	struct ev *e = arg;
	int ret = pcsim_evict_page(e->m, 0);
	PCSIM_CHECK(ret != 0 || !PageWriteback(e->p0), "evict",
		    "reclaim freed a page under writeback");
}

/*
 * A sleeping locker keeps PG_waiters set, so the write's end has a walk to do; on a third CPU it
 * can take the lock, let go and drop the last reference while that walk is still pending on the
 * CPU the completion interrupted.
 */
static void wb_locker(void *arg)
{
	struct ev *e = arg;
	struct page *page = find_get_page(e->m, 0);
	if (!page)
		return;
	lock_page(page);
	unlock_page(page);
	put_page(page);
}

static void wb_setup(struct pcsim_world *w, void *arg)
{
	struct ev *e = ev_new(w, true, false);
	pcsim_task_create(w, "write", writer, e, 0);
	pcsim_task_create(w, "truncate", truncator, e, 1);
	if (arg)	/* on a CPU of its own, so it can let go of the page meanwhile */
		pcsim_task_create(w, "locker", wb_locker, e, 2);
	else
		pcsim_task_create(w, "evict", reclaimer, e, 1);
}

static void wb_finish(struct pcsim_world *w, void *arg)
{
	(void)w;
	(void)arg;
	struct page *p = PCSIM_SETUP_GET(cur->m->slots[0]);
	PCSIM_CHECK(p == NULL, "writeback", "page 0 still cached after its truncation");
	/* every frame is back in the pool, none locked or under writeback */
	unsigned long f = PCSIM_SETUP_GET(cur->p0->flags);
	PCSIM_CHECK(!(f & ((1ul << PG_locked) | (1ul << PG_writeback))), "writeback",
		    "the frame ends with flags %#lx", f);
}

static void test_writeback_vs_truncate_and_reclaim(void **state)
{
	(void)state;
	if (pt_backend != PCSIM_BACKEND_SIM)
		skip();
	struct pcsim_config cfg = pt_config(PCSIM_MEM_SC);
	struct pcsim_report r;
	cfg.ncpus = 3;
	for (uintptr_t with_locker = 0; with_locker < 2; with_locker++) {
		assert_int_equal(pt_run("evict-writeback", wb_setup, wb_finish,
					(void *)with_locker, &cfg, PCSIM_STRATEGY_DFS, 0, 2, 0, &r),
				 0);
		assert_true(r.exhausted);
		printf("writeback vs truncate vs %s: %llu executions, clean\n",
		       with_locker ? "a locker" : "reclaim", (unsigned long long)r.executions);
		pcsim_report_free(&r);
	}
	/* without end_page_writeback()'s pin, the truncation frees the page under its walk */
	cfg.inject = PCSIM_INJECT_WRITEBACK_NO_PIN;
	/* (a deep race: three CPUs and two preemptions; PCT seed 1 finds it near 8,000) */
	assert_int_equal(pt_run("evict-writeback", wb_setup, wb_finish, (void *)1, &cfg,
				PCSIM_STRATEGY_PCT, 50000, 2, 1, &r),
			 1);
	printf("without the pin: %s in execution %llu\n", r.what,
	       (unsigned long long)r.failing_execution);
	assert_string_equal(r.what, "P8");
	pcsim_report_free(&r);
}

/* ---- threads backend: the same races on real threads, many times ------------------------ */
static void test_lookup_vs_evict_threads(void **state)
{
	(void)state;
	if (pt_backend != PCSIM_BACKEND_THREADS)
		skip();
	struct pcsim_report r;
	assert_int_equal(run("evict-lookup", race_setup, race_finish, NULL,
			     PCSIM_STRATEGY_RANDOM, 300, 0, 0, &r),
			 0);
	pcsim_report_free(&r);
	/* writeback, truncation and reclaim of one page, the write's end on a libev thread */
	assert_int_equal(run("evict-writeback", wb_setup, wb_finish, NULL, PCSIM_STRATEGY_RANDOM,
			     300, 0, 0, &r),
			 0);
	pcsim_report_free(&r);
}

int main(int argc, char **argv)
{
	pt_init(argc, argv);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_evict_keeps_and_frees),
		cmocka_unit_test(test_lookup_vs_evict_exhaustive),
		cmocka_unit_test(test_drop_waiter_vs_evict_exhaustive),
		cmocka_unit_test(test_writeback_vs_truncate_and_reclaim),
		cmocka_unit_test(test_lookup_vs_evict_threads),
	};
	return cmocka_run_group_tests_name(pt_backend == PCSIM_BACKEND_SIM ? "evict_sim"
									  : "evict_threads",
					   tests, NULL, NULL);
}
