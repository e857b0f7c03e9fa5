// SPDX-License-Identifier: MIT
/*
 * index_threads.c - the threads backend's page index: liburcu's lock-free RCU hash table
 * (cds_lfht, memb flavour, the flavour the threads backend's rcu_read_lock() is) keyed by page
 * index. The protocol around it (speculative reference, re-check, locking) is in mapping.c;
 * this file owns the table and its entries and is the only page-cache file that sees liburcu.
 *
 * Models the role of the xarray behind mapping->i_pages (5.10): lockless lookups under
 * rcu_read_lock(), updates serialised by the i_pages lock, removed entries freed after a grace
 * period with call_rcu(), pages themselves freed at once. What differs from the kernel: the
 * xarray is a radix tree whose slots are overwritten in place and whose interior nodes are the
 * RCU-freed objects; here every cached page has its own hash-table entry, an entry never
 * changes its page (a page that returns to an index gets a new entry) and the entry is what
 * call_rcu() frees. The table is sized once from the file size (the index domain is bounded by
 * i_size), so it never resizes and runs no worker thread.
 *
 * ThreadSanitizer: liburcu is not instrumented, so its publication and grace periods are
 * invisible to TSan. An entry's fields are therefore written and read with atomics (the key is
 * stored again with release at publication and read with acquire, as rcu_assign_pointer() and
 * rcu_dereference() would, O6), and entries are freed through pcsim_call_rcu(), whose
 * threads-backend implementation (src/sched/threads/rcu.c) restates the grace period to TSan and counts the
 * callback as outstanding work of the execution, so every deleted entry has been freed before
 * the execution ends.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include <urcu/urcu-memb.h>
#include <urcu/rculfhash.h>

#include "index_threads.h"

/* Buckets are a power of two; files beyond 256 MiB share this many (chains grow, no harm). */
#define INDEX_MAX_BUCKETS (1ul << 16)

struct pcsim__page_index {
	struct cds_lfht *ht;
	unsigned long rcu_pending; /* atomic: deleted entries not yet freed */
	unsigned long fault_nth;   /* PCSIM_FAULT_PAGE_INDEX, 0: none */
	unsigned long nalloc;	   /* atomic: allocations so far, for fault_nth */
};

struct pcsim__page_index_node {
	struct cds_lfht_node node;	/* liburcu's links and hash */
	unsigned long index;		/* the key; atomic, released at publication (add_unique) */
	struct pcsim_page *page;	/* atomic: set once, before publication */
	struct pcsim__page_index *ix;	/* for the call_rcu() callback */
	struct pcsim_callback_head rcu; /* call_rcu() after deletion; teardown's list */
};

/*
 * Fault injection for the robustness tests (docs/robustness.md): with PCSIM_FAULT_PAGE_INDEX=N
 * in the environment, the N-th allocation of every index fails as if memory were exhausted
 * (1: the table itself, 2: its first entry, ...). Read once per index, at its creation.
 */
static unsigned long fault_nth(void)
{
	const char *e = getenv("PCSIM_FAULT_PAGE_INDEX");
	if (!e || !*e)
		return 0;
	char *end;
	unsigned long n = strtoul(e, &end, 10);
	return *end ? 0 : n;
}

/* This allocation of @ix fails by injection. Context: any (updaters are serialised anyway). */
static bool fault_now(struct pcsim__page_index *ix)
{
	if (!ix || !ix->fault_nth)
		return false;
	return __atomic_add_fetch(&ix->nalloc, 1, __ATOMIC_RELAXED) == ix->fault_nth;
}

/*
 * Out of memory in the index: the execution cannot go on as modelled. Report it as the
 * execution's internal error "out-of-memory" (the model's own bookkeeping failed, not the code
 * under test; the first report is what the run shows, and on the threads backend
 * pcsim_fail_internal() returns) and let the caller return -ENOMEM or NULL, never abort.
 */
static void index_oom(const char *what, unsigned long index)
{
	pcsim_fail_internal("out-of-memory",
			    "page index (threads backend): out of memory for %s %lu", what, index);
}

/* A 64-bit finaliser: every bit of the index moves every bit of the hash, so neighbouring
 * indices land in unrelated buckets whichever bits the table uses. */
static unsigned long index_hash(unsigned long index)
{
	uint64_t x = index;
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return (unsigned long)x;
}

/* The first access of a lookup to an entry: acquire, so that what the entry holds is seen as
 * initialised (pairs with the release store in add_unique(), O6). */
static int match_index(struct cds_lfht_node *node, const void *key)
{
	const struct pcsim__page_index_node *n =
		caa_container_of(node, struct pcsim__page_index_node, node);
	return __atomic_load_n(&n->index, __ATOMIC_ACQUIRE) == *(const unsigned long *)key;
}

static void index_destroy(struct pcsim_world *w, void *arg);

struct pcsim__page_index *pcsim__page_index_create(struct pcsim_world *w, unsigned long nr_slots)
{
	unsigned long size = 1;
	while (size < nr_slots && size < INDEX_MAX_BUCKETS)
		size <<= 1;
	struct pcsim__page_index *ix = pcsim_alloc(w, sizeof(*ix));
	if (!ix)
		return NULL;	/* pcsim_alloc() has reported it */
	ix->fault_nth = fault_nth();
	/* No CDS_LFHT_AUTO_RESIZE: a fixed table needs no resize worker and no call_rcu of its
	 * own, so the execution's end has only our entries to wait for. */
	ix->ht = fault_now(ix) ? NULL
			       : cds_lfht_new_flavor(size, size, size, 0, &urcu_memb_flavor, NULL);
	if (!ix->ht) {
		index_oom("a table of buckets:", size);
		return NULL;
	}
	if (pcsim_exec_cleanup_register(w, index_destroy, ix) < 0) {
		cds_lfht_destroy(ix->ht, NULL);	/* empty: cannot fail */
		return NULL;
	}
	return ix;
}

struct pcsim__page_index_node *pcsim__page_index_lookup(struct pcsim__page_index *ix,
							unsigned long index)
{
	struct cds_lfht_iter iter;
	cds_lfht_lookup(ix->ht, index_hash(index), match_index, &index, &iter);
	struct cds_lfht_node *node = cds_lfht_iter_get_node(&iter);
	return node ? caa_container_of(node, struct pcsim__page_index_node, node) : NULL;
}

struct pcsim_page *pcsim__page_index_node_page(const struct pcsim__page_index_node *n)
{
	/* Read after match_index()'s acquire load of the same entry (O6). */
	return __atomic_load_n(&n->page, __ATOMIC_RELAXED);
}

bool pcsim__page_index_node_deleted(const struct pcsim__page_index_node *n)
{
	return cds_lfht_is_node_deleted(&n->node) != 0;
}

struct pcsim__page_index_node *pcsim__page_index_node_alloc(struct pcsim__page_index *ix,
							    unsigned long index,
							    struct pcsim_page *page)
{
	struct pcsim__page_index_node *n = fault_now(ix) ? NULL : malloc(sizeof(*n));
	if (!n) {
		index_oom("the entry of index", index);
		return NULL;
	}
	cds_lfht_node_init(&n->node);
	n->ix = NULL;
	n->rcu.next = NULL;
	n->rcu.func = NULL;
	__atomic_store_n(&n->page, page, __ATOMIC_RELAXED);
	__atomic_store_n(&n->index, index, __ATOMIC_RELAXED); /* again, released, in add_unique() */
	return n;
}

void pcsim__page_index_node_free(struct pcsim__page_index_node *n)
{
	free(n);
}

static int add_unique(struct pcsim__page_index *ix, struct pcsim__page_index_node *n)
{
	unsigned long index = __atomic_load_n(&n->index, __ATOMIC_RELAXED);
	/*
	 * The key once more, with release, just before publication: pairs with the acquire load
	 * in match_index(), the first thing a lookup reads of an entry (O6), so a lookup that finds
	 * the entry sees it initialised and sees the caller's stores before the insert (the page's
	 * reference and mapping). The table's own publication (a full barrier in
	 * cds_lfht_add_unique()) already orders all this for the hardware; the release says it
	 * again in terms ThreadSanitizer sees, since liburcu is not instrumented.
	 */
	__atomic_store_n(&n->index, index, __ATOMIC_RELEASE);
	struct cds_lfht_node *got =
		cds_lfht_add_unique(ix->ht, index_hash(index), match_index, &index, &n->node);
	return got == &n->node ? 0 : -EEXIST;
}

int pcsim__page_index_insert(struct pcsim__page_index *ix, struct pcsim__page_index_node *n)
{
	/* liburcu's updates walk the chain, so they run inside a read-side section. */
	pcsim_rcu_read_lock();
	int ret = add_unique(ix, n);
	pcsim_rcu_read_unlock();
	return ret;
}

int pcsim__page_index_populate(struct pcsim__page_index *ix, struct pcsim__page_index_node *n)
{
	/* Setup: single-threaded and outside any context, so no reader or updater can race. */
	return add_unique(ix, n);
}

static void node_free_rcu(struct pcsim_callback_head *head)
{
	struct pcsim__page_index_node *n =
		caa_container_of(head, struct pcsim__page_index_node, rcu);
	struct pcsim__page_index *ix = n->ix;
	free(n);
	/* Pairs with the acquire load in index_destroy(). */
	__atomic_fetch_sub(&ix->rcu_pending, 1, __ATOMIC_RELEASE);
}

int pcsim__page_index_delete(struct pcsim__page_index *ix, unsigned long index,
			     struct pcsim_page *page)
{
	int ret = -ENOENT;
	pcsim_rcu_read_lock();
	struct pcsim__page_index_node *n = pcsim__page_index_lookup(ix, index);
	/* Under the i_pages lock the entry cannot change or go: every updater holds it. */
	if (n && pcsim__page_index_node_page(n) == page && cds_lfht_del(ix->ht, &n->node) == 0) {
		/* Lookups that found the entry may still read it: free it after they are done. */
		n->ix = ix;
		__atomic_fetch_add(&ix->rcu_pending, 1, __ATOMIC_RELAXED);
		pcsim_call_rcu(&n->rcu, node_free_rcu);
		ret = 0;
	}
	pcsim_rcu_read_unlock();
	return ret;
}

/*
 * The end of the execution (pcsim_exec_cleanup_register()): every task has exited, so nothing
 * reads or updates the table. Deleted entries must all be freed before the table goes (and
 * before the arena that holds @ix is recycled under a late callback): that is rcu_barrier()'s
 * job. pcsim_call_rcu() on the threads backend already makes the execution wait for its
 * callbacks, so the count is normally 0 here and the barrier, which costs a batching period of
 * liburcu's call_rcu thread (about 10 ms) per execution, is skipped. Then remove what is still
 * cached (deleting while iterating is allowed; the entries are freed after the walk) and
 * destroy the table, which liburcu refuses to do while it holds entries.
 */
static void index_destroy(struct pcsim_world *w, void *arg)
{
	(void)w;
	struct pcsim__page_index *ix = arg;
	struct cds_lfht_iter iter;
	struct cds_lfht_node *node;
	struct pcsim_callback_head *dead = NULL;

	if (__atomic_load_n(&ix->rcu_pending, __ATOMIC_ACQUIRE) != 0)
		urcu_memb_barrier();
	/* Still pending after the barrier: call_rcu() could not queue them (out of memory, the
	 * execution ended as such). They are out of the table and nothing will free them. */
	if (__atomic_load_n(&ix->rcu_pending, __ATOMIC_ACQUIRE) != 0)
		fprintf(stderr, "pcsim: page index: %lu deleted entries were never queued for "
				"freeing (call_rcu out of memory): leaked\n",
			__atomic_load_n(&ix->rcu_pending, __ATOMIC_RELAXED));
	for (cds_lfht_first(ix->ht, &iter); (node = cds_lfht_iter_get_node(&iter)) != NULL;
	     cds_lfht_next(ix->ht, &iter)) {
		struct pcsim__page_index_node *n =
			caa_container_of(node, struct pcsim__page_index_node, node);
		if (cds_lfht_del(ix->ht, node) == 0) {
			n->rcu.next = dead;
			dead = &n->rcu;
		}
	}
	while (dead) {
		struct pcsim_callback_head *next = dead->next;
		free(caa_container_of(dead, struct pcsim__page_index_node, rcu));
		dead = next;
	}
	int err = cds_lfht_destroy(ix->ht, NULL);
	if (err)	/* entries left behind: not possible after the walk; leak, never abort */
		fprintf(stderr, "pcsim: page index: cds_lfht_destroy failed (%d): leaked\n", err);
	ix->ht = NULL;
}
