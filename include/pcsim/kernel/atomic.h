/* SPDX-License-Identifier: MIT */
/*
 * pcsim/kernel/atomic.h - atomic_t and atomic_long_t (include/linux/atomic.h and
 * Documentation/atomic_t.txt, 5.10): atomic_read/atomic_set are once-accesses,
 * non-value-returning RMWs (atomic_inc, atomic_add, ...) are unordered, value-returning ones
 * (atomic_*_return, atomic_fetch_*, atomic_xchg, atomic_cmpxchg, atomic_dec_and_test) are fully
 * ordered, _acquire/_release/_relaxed variants as named.
 */
#ifndef PCSIM_KERNEL_ATOMIC_H
#define PCSIM_KERNEL_ATOMIC_H

#include <pcsim/mem.h>

typedef struct {
	pcsim_int counter;
} atomic_t;

typedef struct {
	pcsim_long counter;
} atomic_long_t;

#define ATOMIC_INIT(i) { PCSIM_INIT(i) }

#define atomic_read(v) pcsim_read_once(&(v)->counter)
#define atomic_set(v, i) pcsim_write_once(&(v)->counter, (i))
#define atomic_read_acquire(v) pcsim_load_acquire(&(v)->counter)
#define atomic_set_release(v, i) pcsim_store_release(&(v)->counter, (i))

#define atomic_add(i, v) \
	(pcsim_por_void_add(), (void)pcsim_rmw(&(v)->counter, PCSIM_RMW_ADD, (i), PCSIM_MO_ONCE))
#define atomic_sub(i, v) \
	(pcsim_por_void_add(), (void)pcsim_rmw(&(v)->counter, PCSIM_RMW_ADD, -(i), PCSIM_MO_ONCE))
#define atomic_inc(v) atomic_add(1, v)
#define atomic_dec(v) atomic_sub(1, v)
#define atomic_or(i, v) ((void)pcsim_rmw(&(v)->counter, PCSIM_RMW_OR, (i), PCSIM_MO_ONCE))
#define atomic_and(i, v) ((void)pcsim_rmw(&(v)->counter, PCSIM_RMW_AND, (i), PCSIM_MO_ONCE))

#define atomic_xor(i, v) ((void)pcsim_rmw(&(v)->counter, PCSIM_RMW_XOR, (i), PCSIM_MO_ONCE))
#define atomic_andnot(i, v) ((void)pcsim_rmw(&(v)->counter, PCSIM_RMW_AND, ~(i), PCSIM_MO_ONCE))

/*
 * The value-returning operations in the four orderings of Documentation/atomic_t.txt: the plain
 * name is fully ordered, _relaxed unordered, _acquire orders the load part before what
 * follows, _release the store part after what precedes. Under mem=tso all of them are locked
 * RMWs (drain the store buffer), as on x86; on the threads backend C11 RMWs of that order.
 */
#define pcsim__atomic_fetch(v, op, i, mo) pcsim_rmw(&(v)->counter, (op), (i), (mo))
#define pcsim__atomic_ret(v, i, mo) \
	__extension__({ int __i = (i); pcsim__atomic_fetch((v), PCSIM_RMW_ADD, __i, (mo)) + __i; })

#define atomic_fetch_add(i, v) pcsim__atomic_fetch((v), PCSIM_RMW_ADD, (i), PCSIM_MO_FULL)
#define atomic_fetch_add_relaxed(i, v) pcsim__atomic_fetch((v), PCSIM_RMW_ADD, (i), PCSIM_MO_ONCE)
#define atomic_fetch_add_acquire(i, v) \
	pcsim__atomic_fetch((v), PCSIM_RMW_ADD, (i), PCSIM_MO_ACQUIRE)
#define atomic_fetch_add_release(i, v) \
	pcsim__atomic_fetch((v), PCSIM_RMW_ADD, (i), PCSIM_MO_RELEASE)
#define atomic_fetch_sub(i, v) pcsim__atomic_fetch((v), PCSIM_RMW_ADD, -(i), PCSIM_MO_FULL)
#define atomic_fetch_sub_relaxed(i, v) \
	pcsim__atomic_fetch((v), PCSIM_RMW_ADD, -(i), PCSIM_MO_ONCE)
#define atomic_fetch_sub_acquire(i, v) \
	pcsim__atomic_fetch((v), PCSIM_RMW_ADD, -(i), PCSIM_MO_ACQUIRE)
#define atomic_fetch_sub_release(i, v) \
	pcsim__atomic_fetch((v), PCSIM_RMW_ADD, -(i), PCSIM_MO_RELEASE)
#define atomic_fetch_inc(v) atomic_fetch_add(1, v)
#define atomic_fetch_inc_relaxed(v) atomic_fetch_add_relaxed(1, v)
#define atomic_fetch_inc_acquire(v) atomic_fetch_add_acquire(1, v)
#define atomic_fetch_inc_release(v) atomic_fetch_add_release(1, v)
#define atomic_fetch_dec(v) atomic_fetch_sub(1, v)
#define atomic_fetch_dec_relaxed(v) atomic_fetch_sub_relaxed(1, v)
#define atomic_fetch_dec_acquire(v) atomic_fetch_sub_acquire(1, v)
#define atomic_fetch_dec_release(v) atomic_fetch_sub_release(1, v)
#define atomic_fetch_or(i, v) pcsim__atomic_fetch((v), PCSIM_RMW_OR, (i), PCSIM_MO_FULL)
#define atomic_fetch_or_relaxed(i, v) pcsim__atomic_fetch((v), PCSIM_RMW_OR, (i), PCSIM_MO_ONCE)
#define atomic_fetch_or_acquire(i, v) pcsim__atomic_fetch((v), PCSIM_RMW_OR, (i), PCSIM_MO_ACQUIRE)
#define atomic_fetch_or_release(i, v) pcsim__atomic_fetch((v), PCSIM_RMW_OR, (i), PCSIM_MO_RELEASE)
#define atomic_fetch_and(i, v) pcsim__atomic_fetch((v), PCSIM_RMW_AND, (i), PCSIM_MO_FULL)
#define atomic_fetch_and_relaxed(i, v) pcsim__atomic_fetch((v), PCSIM_RMW_AND, (i), PCSIM_MO_ONCE)
#define atomic_fetch_and_acquire(i, v) \
	pcsim__atomic_fetch((v), PCSIM_RMW_AND, (i), PCSIM_MO_ACQUIRE)
#define atomic_fetch_and_release(i, v) \
	pcsim__atomic_fetch((v), PCSIM_RMW_AND, (i), PCSIM_MO_RELEASE)
#define atomic_fetch_xor(i, v) pcsim__atomic_fetch((v), PCSIM_RMW_XOR, (i), PCSIM_MO_FULL)
#define atomic_fetch_xor_relaxed(i, v) pcsim__atomic_fetch((v), PCSIM_RMW_XOR, (i), PCSIM_MO_ONCE)
#define atomic_fetch_xor_acquire(i, v) \
	pcsim__atomic_fetch((v), PCSIM_RMW_XOR, (i), PCSIM_MO_ACQUIRE)
#define atomic_fetch_xor_release(i, v) \
	pcsim__atomic_fetch((v), PCSIM_RMW_XOR, (i), PCSIM_MO_RELEASE)
#define atomic_fetch_andnot(i, v) atomic_fetch_and(~(i), v)
#define atomic_fetch_andnot_relaxed(i, v) atomic_fetch_and_relaxed(~(i), v)
#define atomic_fetch_andnot_acquire(i, v) atomic_fetch_and_acquire(~(i), v)
#define atomic_fetch_andnot_release(i, v) atomic_fetch_and_release(~(i), v)

#define atomic_add_return(i, v) pcsim__atomic_ret((v), (i), PCSIM_MO_FULL)
#define atomic_add_return_relaxed(i, v) pcsim__atomic_ret((v), (i), PCSIM_MO_ONCE)
#define atomic_add_return_acquire(i, v) pcsim__atomic_ret((v), (i), PCSIM_MO_ACQUIRE)
#define atomic_add_return_release(i, v) pcsim__atomic_ret((v), (i), PCSIM_MO_RELEASE)
#define atomic_sub_return(i, v) pcsim__atomic_ret((v), -(i), PCSIM_MO_FULL)
#define atomic_sub_return_relaxed(i, v) pcsim__atomic_ret((v), -(i), PCSIM_MO_ONCE)
#define atomic_sub_return_acquire(i, v) pcsim__atomic_ret((v), -(i), PCSIM_MO_ACQUIRE)
#define atomic_sub_return_release(i, v) pcsim__atomic_ret((v), -(i), PCSIM_MO_RELEASE)
#define atomic_inc_return(v) atomic_add_return(1, v)
#define atomic_inc_return_relaxed(v) atomic_add_return_relaxed(1, v)
#define atomic_inc_return_acquire(v) atomic_add_return_acquire(1, v)
#define atomic_inc_return_release(v) atomic_add_return_release(1, v)
#define atomic_dec_return(v) atomic_sub_return(1, v)
#define atomic_dec_return_relaxed(v) atomic_sub_return_relaxed(1, v)
#define atomic_dec_return_acquire(v) atomic_sub_return_acquire(1, v)
#define atomic_dec_return_release(v) atomic_sub_return_release(1, v)
#define atomic_dec_and_test(v) (atomic_dec_return(v) == 0)
#define atomic_inc_and_test(v) (atomic_inc_return(v) == 0)
#define atomic_sub_and_test(i, v) (atomic_sub_return((i), (v)) == 0)
#define atomic_add_negative(i, v) (atomic_add_return((i), (v)) < 0)

#define atomic_xchg(v, n) pcsim_rmw(&(v)->counter, PCSIM_RMW_XCHG, (n), PCSIM_MO_FULL)
#define atomic_xchg_relaxed(v, n) pcsim_rmw(&(v)->counter, PCSIM_RMW_XCHG, (n), PCSIM_MO_ONCE)
#define atomic_xchg_acquire(v, n) pcsim_rmw(&(v)->counter, PCSIM_RMW_XCHG, (n), PCSIM_MO_ACQUIRE)
#define atomic_xchg_release(v, n) pcsim_rmw(&(v)->counter, PCSIM_RMW_XCHG, (n), PCSIM_MO_RELEASE)
#define atomic_cmpxchg(v, o, n) pcsim_cmpxchg(&(v)->counter, (o), (n), PCSIM_MO_FULL)
#define atomic_cmpxchg_relaxed(v, o, n) pcsim_cmpxchg(&(v)->counter, (o), (n), PCSIM_MO_ONCE)
#define atomic_cmpxchg_acquire(v, o, n) pcsim_cmpxchg(&(v)->counter, (o), (n), PCSIM_MO_ACQUIRE)
#define atomic_cmpxchg_release(v, o, n) pcsim_cmpxchg(&(v)->counter, (o), (n), PCSIM_MO_RELEASE)

/* atomic_add_unless(v, a, u): add @a unless the value is @u; true if it added (fully ordered). */
static inline int atomic_add_unless(atomic_t *v, int a, int u)
{
	int c = atomic_read(v);
	for (;;) {
		if (c == u)
			return 0;
		int old = atomic_cmpxchg(v, c, c + a);
		if (old == c)
			return 1;
		c = old;
	}
}
#define atomic_inc_not_zero(v) atomic_add_unless((v), 1, 0)

#define atomic_long_read(v) pcsim_read_once(&(v)->counter)
#define atomic_long_set(v, i) pcsim_write_once(&(v)->counter, (i))
#define atomic_long_inc(v) \
	(pcsim_por_void_add(), (void)pcsim_rmw(&(v)->counter, PCSIM_RMW_ADD, 1, PCSIM_MO_ONCE))
#define atomic_long_dec(v) \
	(pcsim_por_void_add(), (void)pcsim_rmw(&(v)->counter, PCSIM_RMW_ADD, -1, PCSIM_MO_ONCE))
#define atomic_long_add_return(i, v) \
	__extension__({ long __i = (i); pcsim_rmw(&(v)->counter, PCSIM_RMW_ADD, __i, PCSIM_MO_FULL) + __i; })

#endif
