/* SPDX-License-Identifier: MIT */
/*
 * pcsim/kernel/refcount.h - refcount_t (include/linux/refcount.h, 5.10): saturating
 * reference counts. refcount_inc() on 0 (use after free) and an underflow are reported as
 * violations ("refcount") instead of the kernel's WARN and saturation; refcount_dec_and_test()
 * has release ordering, and acquire ordering when it returns true.
 */
#ifndef PCSIM_KERNEL_REFCOUNT_H
#define PCSIM_KERNEL_REFCOUNT_H

#include <stdbool.h>

#include <pcsim/mem.h>
#include <pcsim/check.h>

typedef struct {
	pcsim_int refs;
} refcount_t;

#define REFCOUNT_INIT(n) { PCSIM_INIT(n) }

static inline void refcount_set(refcount_t *r, int n)
{
	pcsim_write_once(&r->refs, n);
}

static inline unsigned int refcount_read(const refcount_t *r)
{
	return (unsigned int)pcsim_read_once((pcsim_int *)&r->refs);
}

static inline void refcount_add(int i, refcount_t *r)
{
	int old = pcsim_rmw(&r->refs, PCSIM_RMW_ADD, i, PCSIM_MO_ONCE);
	if (old == 0)
		pcsim_fail("refcount", "refcount_t: addition on 0; use-after-free");
	else if (i > 0 && old > __INT_MAX__ - i)
		pcsim_fail("refcount", "refcount_t: saturated; leaking memory");
}

static inline void refcount_inc(refcount_t *r)
{
	refcount_add(1, r);
}

/* refcount_inc_not_zero(): true if the count was not 0 and was incremented. */
static inline bool refcount_inc_not_zero(refcount_t *r)
{
	int c = pcsim_read_once(&r->refs);
	do {
		if (c == 0)
			return false;
		int old = pcsim_cmpxchg(&r->refs, c, c + 1, PCSIM_MO_ONCE);
		if (old == c)
			return true;
		c = old;
	} while (1);
}

static inline bool refcount_sub_and_test(int i, refcount_t *r)
{
	int old = pcsim_rmw(&r->refs, PCSIM_RMW_ADD, -i, PCSIM_MO_RELEASE);
	if (old == i) {
		pcsim_smp_mb__after_atomic();	/* acquire: the last put sees every earlier put */
		return true;
	}
	if (old < i)
		pcsim_fail("refcount", "refcount_t: underflow; use-after-free");
	return false;
}

static inline bool refcount_dec_and_test(refcount_t *r)
{
	return refcount_sub_and_test(1, r);
}

static inline void refcount_dec(refcount_t *r)
{
	int old = pcsim_rmw(&r->refs, PCSIM_RMW_ADD, -1, PCSIM_MO_RELEASE);
	if (old <= 1)
		pcsim_fail("refcount", "refcount_t: decrement hit 0; leaking memory");
}

#endif
