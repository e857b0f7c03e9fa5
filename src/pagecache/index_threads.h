/* SPDX-License-Identifier: MIT */
/*
 * index_threads.h - the threads backend's page index: a liburcu lock-free hash table
 * (cds_lfht, memb flavour) from page index to struct page, behind opaque types so that
 * mapping.c keeps its kernel-flavoured headers and never sees liburcu's names. The sim backend
 * does not use it (mapping.c's slots are its index). Implementation: index_threads.c.
 *
 * Locking, as for the kernel's xarray: lookups run under rcu_read_lock() only; insertions and
 * deletions run under the mapping's i_pages lock (so they are serialised per file) and take
 * the read-side lock themselves, which liburcu requires of every table update. A deleted entry
 * is freed after a grace period; the page it held is not (frames go back to the pool at once),
 * which is why a lookup's reference is speculative and re-checked.
 */
#ifndef PCSIM_PAGECACHE_INDEX_THREADS_H
#define PCSIM_PAGECACHE_INDEX_THREADS_H

#include <stdbool.h>

#include <pcsim/pagecache.h>

/* The table (one per address_space, threads backend) and one of its entries. */
struct pcsim__page_index;
struct pcsim__page_index_node;

/*
 * pcsim__page_index_create - an empty index for a file of @nr_slots pages, destroyed when the
 * execution ends (pcsim_exec_cleanup_register()). Context: setup, threads backend.
 * Return: the index, or NULL when memory is exhausted (the execution has been failed with
 * "out-of-memory"; the caller keeps going without an index, it never aborts).
 */
struct pcsim__page_index *pcsim__page_index_create(struct pcsim_world *w, unsigned long nr_slots);

/*
 * pcsim__page_index_lookup - the entry of @index, or NULL. Context: inside an RCU read-side
 * section, which keeps the entry's memory valid (not its being in the table) until it ends.
 */
struct pcsim__page_index_node *pcsim__page_index_lookup(struct pcsim__page_index *ix,
							unsigned long index);

/* pcsim__page_index_node_page - the page of @n: set before @n is published, never changed. */
struct pcsim_page *pcsim__page_index_node_page(const struct pcsim__page_index_node *n);

/*
 * pcsim__page_index_node_deleted - @n has been removed from its table (it is not reachable by
 * a new lookup and its page may already be free). Context: RCU read side.
 */
bool pcsim__page_index_node_deleted(const struct pcsim__page_index_node *n);

/*
 * pcsim__page_index_node_alloc - a new, unpublished entry @index -> @page for @ix (malloc'd:
 * its lifetime is the table's, not the arena's). Call it before taking the i_pages lock.
 * Return: the entry, or NULL when memory is exhausted: the execution has been failed with
 * "out-of-memory" and the caller returns -ENOMEM (add_to_page_cache_lru() may, in the kernel).
 * pcsim__page_index_node_free - free an entry that was never published. Context: any.
 */
struct pcsim__page_index_node *pcsim__page_index_node_alloc(struct pcsim__page_index *ix,
							    unsigned long index,
							    struct pcsim_page *page);
void pcsim__page_index_node_free(struct pcsim__page_index_node *n);

/*
 * pcsim__page_index_insert - publish @n, unless its index is present. Context: task or atomic
 * context, i_pages lock held; the caller needs no RCU read-side section (the function takes
 * one). Return: 0, or -EEXIST (then @n is still the caller's).
 */
int pcsim__page_index_insert(struct pcsim__page_index *ix, struct pcsim__page_index_node *n);

/*
 * pcsim__page_index_populate - publish @n during setup (no context, no concurrency, so no
 * lock and no read-side section). Return: 0, or -EEXIST (then @n is still the caller's).
 */
int pcsim__page_index_populate(struct pcsim__page_index *ix, struct pcsim__page_index_node *n);

/*
 * pcsim__page_index_delete - remove the entry of @index if it holds @page, and free it after a
 * grace period (call_rcu). Context: task or atomic context, i_pages lock held.
 * Return: 0, or -ENOENT if @index does not map to @page.
 */
int pcsim__page_index_delete(struct pcsim__page_index *ix, unsigned long index,
			     struct pcsim_page *page);

#endif
