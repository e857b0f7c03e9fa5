/* SPDX-License-Identifier: MIT */
/*
 * pcsim/kernel/list.h - struct list_head and its primitives (include/linux/list.h, 5.10,
 * including list_del_init_careful()/list_empty_careful() of c6fe44d96fc1).
 *
 * Differences from the kernel: each primitive is one preemption point (its accesses are then
 * atomic with respect to other contexts, in program order through the memory model); following
 * a poisoned or NULL link while iterating is reported (violation "list-poison") instead of
 * faulting; the iterators read links with once-loads.
 */
#ifndef PCSIM_KERNEL_LIST_H
#define PCSIM_KERNEL_LIST_H

#include <stddef.h>

#include <pcsim/list.h>
#include <pcsim/check.h>

#define list_head pcsim_list_head
#define LIST_POISON1 PCSIM_LIST_POISON1
#define LIST_POISON2 PCSIM_LIST_POISON2

#ifndef container_of
#define container_of(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))
#endif

#define LIST_HEAD_INIT(name) { PCSIM_INIT(&(name)), PCSIM_INIT(&(name)) }
#define LIST_HEAD(name) struct list_head name = LIST_HEAD_INIT(name)

#define pcsim__lnext(l) ((struct list_head *)pcsim_load_np(&(l)->next, PCSIM_MO_ONCE))
#define pcsim__lprev(l) ((struct list_head *)pcsim_load_np(&(l)->prev, PCSIM_MO_ONCE))
#define pcsim__lset_next(l, v) pcsim_store_np(&(l)->next, (v), PCSIM_MO_ONCE)
#define pcsim__lset_prev(l, v) pcsim_store_np(&(l)->prev, (v), PCSIM_MO_ONCE)

static inline void INIT_LIST_HEAD(struct list_head *list)
{
	pcsim_point();
	pcsim__lset_next(list, list);
	pcsim__lset_prev(list, list);
}

static inline void __list_add(struct list_head *new, struct list_head *prev,
			      struct list_head *next)
{
	pcsim__lset_prev(next, new);
	pcsim__lset_next(new, next);
	pcsim__lset_prev(new, prev);
	pcsim__lset_next(prev, new);
}

static inline void list_add(struct list_head *new, struct list_head *head)
{
	pcsim_point();
	__list_add(new, head, pcsim__lnext(head));
}

static inline void list_add_tail(struct list_head *new, struct list_head *head)
{
	pcsim_point();
	__list_add(new, pcsim__lprev(head), head);
}

static inline void __list_del(struct list_head *prev, struct list_head *next)
{
	pcsim__lset_prev(next, prev);
	pcsim__lset_next(prev, next);
}

static inline void __list_del_entry(struct list_head *entry)
{
	__list_del(pcsim__lprev(entry), pcsim__lnext(entry));
}

static inline void list_del(struct list_head *entry)
{
	pcsim_point();
	__list_del_entry(entry);
	pcsim__lset_next(entry, LIST_POISON1);
	pcsim__lset_prev(entry, LIST_POISON2);
}

static inline void list_del_init(struct list_head *entry)
{
	pcsim_point();
	__list_del_entry(entry);
	pcsim__lset_next(entry, entry);
	pcsim__lset_prev(entry, entry);
}

/*
 * list_del_init_careful - unlink and re-initialise @entry so that a lock-free
 * list_empty_careful() observing it empty also observes every store made before: the final
 * store of ->next is a store-release. Pairs with the load-acquire in list_empty_careful().
 */
static inline void list_del_init_careful(struct list_head *entry)
{
	pcsim_point();
	__list_del_entry(entry);
	pcsim__lset_prev(entry, entry);
	pcsim_store_np(&entry->next, entry, PCSIM_MO_RELEASE);
}

static inline int list_empty(const struct list_head *head)
{
	pcsim_point();
	return pcsim__lnext(head) == head;
}

/*
 * list_empty_careful - lock-free emptiness test: load-acquire ->next, then ->prev. Pairs with
 * the store-release in list_del_init_careful().
 */
static inline int list_empty_careful(const struct list_head *head)
{
	pcsim_point();
	struct list_head *next =
		(struct list_head *)pcsim_load_np(&head->next, PCSIM_MO_ACQUIRE);
	return next == head && next == pcsim__lprev(head);
}

static inline int list_is_last(const struct list_head *list, const struct list_head *head)
{
	pcsim_point();
	return pcsim__lnext(list) == head;
}

/* A link read by an iterator: poisoned or NULL links are reported, not followed. */
static inline struct list_head *pcsim__list_follow(struct list_head *l)
{
	if (l == LIST_POISON1 || l == LIST_POISON2 || !l) {
		pcsim_fail("list-poison", "following a %s list link (entry used after list_del?)",
			   l ? "poisoned" : "NULL");
		return NULL;
	}
	return l;
}

#define list_entry(ptr, type, member) container_of(ptr, type, member)
#define list_first_entry(ptr, type, member) \
	list_entry(pcsim__list_follow(pcsim__lnext(ptr)), type, member)
#define list_next_entry(pos, member) \
	list_entry(pcsim__list_follow(pcsim__lnext(&(pos)->member)), __typeof__(*(pos)), member)

#define list_for_each(pos, head)                                            \
	for (pos = pcsim__list_follow(pcsim__lnext(head)); pos != (head);   \
	     pos = pcsim__list_follow(pcsim__lnext(pos)))

#define list_for_each_entry(pos, head, member)                                   \
	for (pos = list_first_entry(head, __typeof__(*pos), member); &pos->member != (head); \
	     pos = list_next_entry(pos, member))

#define list_for_each_entry_safe(pos, n, head, member)                                    \
	for (pos = list_first_entry(head, __typeof__(*pos), member),                      \
	    n = list_next_entry(pos, member);                                             \
	     &pos->member != (head); pos = n, n = list_next_entry(n, member))

#define list_for_each_entry_safe_from(pos, n, head, member)                          \
	for (n = list_next_entry(pos, member); &pos->member != (head);              \
	     pos = n, n = list_next_entry(n, member))

#endif
