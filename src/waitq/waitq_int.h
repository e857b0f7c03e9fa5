/* SPDX-License-Identifier: MIT */
/* waitq_int.h - private helpers of the wait-queue layer: checks and tunables. */
#ifndef PCSIM_WAITQ_INT_H
#define PCSIM_WAITQ_INT_H

#include <pcsim/waitq.h>

/* Register @q with this execution's wait-queue checks (W1 and list integrity). */
void pcsim__waitq_register(struct pcsim_wait_queue_head *q);
/* W1: the caller of a __ or _locked function must hold q->lock. */
void pcsim__waitq_assert_locked(struct pcsim_wait_queue_head *q, const char *fn);
/* W2: after @curr's callback returned, the entry fetched before the call must still be linked. */
void pcsim__waitq_check_next(struct pcsim_wait_queue_head *q, struct pcsim_wait_queue_entry *curr,
			     struct pcsim_wait_queue_entry *next);
/*
 * A higher layer's view of every wake callback of a walk (the page-cache layer checks P2, P5,
 * P9, P10, A4 and A10 there). @pre runs just before the callback and may fill @snap; @post runs
 * just after it with the callback's return value and the entry's flags as read before the call.
 * Neither may take a preemption point. Installed per execution; sim backend only.
 */
#define PCSIM__WAITQ_SNAP 4
struct pcsim__waitq_cb_observer {
	void (*pre)(void *arg, struct pcsim_wait_queue_head *q, struct pcsim_wait_queue_entry *e,
		    void *key, uint64_t snap[PCSIM__WAITQ_SNAP]);
	void (*post)(void *arg, struct pcsim_wait_queue_head *q, struct pcsim_wait_queue_entry *e,
		     void *key, int ret, unsigned flags, const uint64_t snap[PCSIM__WAITQ_SNAP]);
	void *arg;
};
void pcsim__waitq_set_cb_observer(struct pcsim_world *w, const struct pcsim__waitq_cb_observer *o);
/* The observer of the current execution, or NULL. */
const struct pcsim__waitq_cb_observer *pcsim__waitq_cb_observer(void);

/* WAITQUEUE_WALK_BREAK_CNT of the current world. */
unsigned pcsim__waitq_walk_break_cnt(void);

extern const struct pcsim_trace_kind pcsim__tk_wq_add, pcsim__tk_wq_remove, pcsim__tk_wq_wake,
	pcsim__tk_wq_callback, pcsim__tk_wq_walk_end;

#endif
