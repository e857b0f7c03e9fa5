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
/* WAITQUEUE_WALK_BREAK_CNT of the current world. */
unsigned pcsim__waitq_walk_break_cnt(void);

extern const struct pcsim_trace_kind pcsim__tk_wq_add, pcsim__tk_wq_remove, pcsim__tk_wq_wake,
	pcsim__tk_wq_callback, pcsim__tk_wq_walk_end;

#endif
