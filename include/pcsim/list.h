/* SPDX-License-Identifier: MIT */
/*
 * pcsim/list.h - the doubly linked list node shared by model objects (struct list_head).
 *
 * The links are wrapped shared pointers: list primitives (include/pcsim/kernel/list.h) are one
 * preemption point each and go through the memory model, so lock-free readers such as
 * list_empty_careful() race with writers exactly as the orderings allow.
 */
#ifndef PCSIM_LIST_H
#define PCSIM_LIST_H

#include <pcsim/mem.h>

struct pcsim_list_head {
	pcsim_ptr next, prev;
};

/* The kernel's poison values (include/linux/poison.h, x86-64 POISON_POINTER_DELTA). */
#define PCSIM_LIST_POISON1 ((void *)(uintptr_t)0xdead000000000100ull)
#define PCSIM_LIST_POISON2 ((void *)(uintptr_t)0xdead000000000122ull)

#endif
