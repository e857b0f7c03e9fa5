// SPDX-License-Identifier: MIT
/*
 * mem.c - the shared-memory wrappers and the memory modes.
 *
 * sc:  every access goes straight to memory; the interleaving is the only nondeterminism.
 * tso: each CPU has a FIFO store buffer (x86-TSO, Owens/Sarkar/Sewell 2009). Plain, once and
 *      release stores enter the buffer; loads first look in their own CPU's buffer (newest
 *      entry for the same address wins) and then in memory; locked read-modify-writes and
 *      smp_mb() drain the buffer; the oldest entry of any non-empty buffer may be flushed to
 *      memory at any step, and that flush is a choice of the strategy. smp_rmb(), smp_wmb() and
 *      smp_mb__{before,after}_atomic() are compiler barriers on x86 and no-ops here.
 *
 * A weaker mode (bounded store histories, C11/LKMM-like) plugs in behind pcsim__mm_load() and
 * pcsim__mm_store(), which already receive the access size and, from the callers below, the
 * ordering; model code does not change.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sched/sched_int.h"

uint64_t pcsim__raw_load(const void *p, unsigned size)
{
	switch (size) {
	case 1:
		return *(const volatile uint8_t *)p;
	case 2:
		return *(const volatile uint16_t *)p;
	case 4:
		return *(const volatile uint32_t *)p;
	default:
		return *(const volatile uint64_t *)p;
	}
}

void pcsim__raw_store(void *p, unsigned size, uint64_t v)
{
	switch (size) {
	case 1:
		*(volatile uint8_t *)p = (uint8_t)v;
		break;
	case 2:
		*(volatile uint16_t *)p = (uint16_t)v;
		break;
	case 4:
		*(volatile uint32_t *)p = (uint32_t)v;
		break;
	default:
		*(volatile uint64_t *)p = v;
		break;
	}
}

/* The context whose fiber stack holds @p, or NULL (not on any live fiber stack). */
struct pcsim__ctx *pcsim__stack_owner(struct pcsim_world *w, const void *p)
{
	uintptr_t a = (uintptr_t)p;
	if (a < w->stack_lo || a >= w->stack_hi)
		return NULL;
	for (unsigned i = 0; i < w->ntasks; i++) {
		struct pcsim__ctx *c = &w->tasks[i]->ctx;
		uintptr_t lo = (uintptr_t)c->fib.stack;
		if (a >= lo && a < lo + c->fib.stack_size)
			return c;
	}
	for (unsigned i = 0; i < w->cfg.ncpus; i++) {
		struct pcsim__ctx *c = w->cpus[i].irq;
		if (c && a >= (uintptr_t)c->fib.stack && a < (uintptr_t)c->fib.stack + c->fib.stack_size)
			return c;
	}
	return NULL;
}

/*
 * A store that lands in another context's stack below that context's stack pointer writes a
 * frame that has already returned: the waiter left (or freed) the object the store was meant
 * for. In the kernel that is a use-after-return of an on-stack wait entry (the class of bug
 * list_del_init_careful() exists for); here it would also corrupt the simulator, so it is
 * reported and not performed.
 */
static bool dead_frame_store(struct pcsim_world *w, struct pcsim__ctx *writer, const void *p,
			     unsigned size)
{
	struct pcsim__ctx *o = pcsim__stack_owner(w, p);
	if (!o || o == writer)
		return false;
	if (o->run == CR_EXITED || (uintptr_t)p + size <= (uintptr_t)o->fib.sp_hint) {
		char b[64];
		pcsim__failf(w, PCSIM_OUTCOME_VIOLATION, "stack-use-after-return",
			     "a store to %s reached the stack of %s after the frame holding it had "
			     "returned (on-stack object used after its owner moved on)",
			     pcsim_trace_obj_label(w, pcsim__obj_id(w, p), b, sizeof(b)),
			     pcsim__ctx_label(w, o->id, (char[64]){ 0 }, 64));
		return true;
	}
	return false;
}

/* sc: a store by one context into another's dead frame is caught the same way. */
static inline bool sc_dead_store(struct pcsim_world *w, struct pcsim__ctx *c, const void *p,
				 unsigned size)
{
	return w->cfg.mem == PCSIM_MEM_SC && dead_frame_store(w, c, p, size);
}

static inline bool overlaps(const struct sb_entry *e, const void *p, unsigned size)
{
	const char *a = e->addr, *b = p;
	return a < b + size && b < a + e->size;
}

void pcsim__mm_flush_one(struct pcsim_world *w, unsigned cpu, bool forced)
{
	struct pcsim__cpu *cp = &w->cpus[cpu];
	if (!cp->sb_len)
		return;
	struct sb_entry *e = &cp->sb[cp->sb_head];
	if (!dead_frame_store(w, cp->curr ? cp->curr : cp->irq, e->addr, e->size))
		pcsim__raw_store(e->addr, e->size, e->val);
	if (w->tracing)
		pcsim__trace(w, NULL, &pcsim__tk_flush, pcsim__obj_id(w, e->addr), 0,
			     pcsim__trace_value(w, e->val, e->ptr), cpu | (e->ptr ? PCSIM_SZ_PTR : 0),
			     forced ? "forced" : NULL);
	cp->sb_head = (cp->sb_head + 1) % PCSIM_SB_MAX;
	cp->sb_len--;
}

void pcsim__mm_drain(struct pcsim_world *w, unsigned cpu)
{
	while (w->cpus[cpu].sb_len)
		pcsim__mm_flush_one(w, cpu, true);
}

uint64_t pcsim__mm_load(struct pcsim_world *w, struct pcsim__ctx *c, const void *p,
			unsigned size)
{
	size &= 0xffu;
	if (w->cfg.mem == PCSIM_MEM_TSO && c) {
		struct pcsim__cpu *cp = &w->cpus[c->cpu];
		for (unsigned i = cp->sb_len; i-- > 0;) {
			struct sb_entry *e = &cp->sb[(cp->sb_head + i) % PCSIM_SB_MAX];
			if (e->addr == p && e->size == size)
				return e->val;
			if (overlaps(e, p, size)) {
				/* Mixed-size forwarding is not modelled: drain, then read memory. */
				pcsim__mm_drain(w, c->cpu);
				break;
			}
		}
	}
	return pcsim__raw_load(p, size);
}

uint64_t pcsim__trace_value(struct pcsim_world *w, uint64_t v, bool ptr)
{
	return ptr && v ? pcsim__obj_id(w, (const void *)(uintptr_t)v) : v;
}

void pcsim__mm_store(struct pcsim_world *w, struct pcsim__ctx *c, void *p, unsigned size,
		     uint64_t v)
{
	bool ptr = (size & PCSIM_SZ_PTR) != 0;
	size &= 0xffu;
	if (w->cfg.mem == PCSIM_MEM_TSO && c) {
		struct pcsim__cpu *cp = &w->cpus[c->cpu];
		/*
		 * A context's stores to its own stack are written through: the C code around the
		 * model reuses that stack with plain accesses the buffer cannot see, and a late
		 * flush would overwrite them. Earlier buffered stores drain first to keep order.
		 */
		if ((uintptr_t)p >= (uintptr_t)c->fib.stack &&
		    (uintptr_t)p < (uintptr_t)c->fib.stack + c->fib.stack_size) {
			pcsim__mm_drain(w, c->cpu);
			pcsim__raw_store(p, size, v);
			return;
		}
		if (cp->sb_len >= w->cfg.store_buffer_size)
			pcsim__mm_flush_one(w, c->cpu, true);
		struct sb_entry *e = &cp->sb[(cp->sb_head + cp->sb_len) % PCSIM_SB_MAX];
		e->addr = p;
		e->size = (uint8_t)size;
		e->val = v;
		e->ptr = ptr;
		cp->sb_len++;
		return;
	}
	pcsim__raw_store(p, size, v);
}

/* ---------------------------------------------------------------------------------------------
 * threads backend: C11 atomics with the kernel's orderings.
 */
static uint64_t thr_load(const void *p, unsigned size, enum pcsim_mo mo)
{
	int o = mo == PCSIM_MO_ACQUIRE ? __ATOMIC_ACQUIRE : __ATOMIC_RELAXED;
	switch (size) {
	case 1:
		return __atomic_load_n((const uint8_t *)p, o);
	case 2:
		return __atomic_load_n((const uint16_t *)p, o);
	case 4:
		return __atomic_load_n((const uint32_t *)p, o);
	default:
		return __atomic_load_n((const uint64_t *)p, o);
	}
}

static void thr_store(void *p, unsigned size, uint64_t v, enum pcsim_mo mo)
{
	int o = mo == PCSIM_MO_RELEASE ? __ATOMIC_RELEASE : __ATOMIC_RELAXED;
	switch (size) {
	case 1:
		__atomic_store_n((uint8_t *)p, (uint8_t)v, o);
		break;
	case 2:
		__atomic_store_n((uint16_t *)p, (uint16_t)v, o);
		break;
	case 4:
		__atomic_store_n((uint32_t *)p, (uint32_t)v, o);
		break;
	default:
		__atomic_store_n((uint64_t *)p, v, o);
		break;
	}
}

static int c11_order(enum pcsim_mo mo)
{
	switch (mo) {
	case PCSIM_MO_ACQUIRE:
		return __ATOMIC_ACQUIRE;
	case PCSIM_MO_RELEASE:
		return __ATOMIC_RELEASE;
	case PCSIM_MO_FULL:
		return __ATOMIC_SEQ_CST;
	default:
		return __ATOMIC_RELAXED;
	}
}

#define THR_RMW(T)                                                                         \
	do {                                                                               \
		T *q = (T *)p;                                                             \
		T a = (T)operand, b = (T)operand2;                                         \
		switch (op) {                                                              \
		case PCSIM_RMW_ADD:                                                        \
			return __atomic_fetch_add(q, a, o);                                \
		case PCSIM_RMW_OR:                                                         \
			return __atomic_fetch_or(q, a, o);                                 \
		case PCSIM_RMW_AND:                                                        \
			return __atomic_fetch_and(q, a, o);                                \
		case PCSIM_RMW_XOR:                                                        \
			return __atomic_fetch_xor(q, a, o);                                \
		case PCSIM_RMW_XCHG:                                                       \
			return __atomic_exchange_n(q, a, o);                               \
		case PCSIM_RMW_CMPXCHG:                                                    \
			__atomic_compare_exchange_n(q, &a, b, false, o,                    \
						    o == __ATOMIC_RELEASE ? __ATOMIC_RELAXED \
						    : o == __ATOMIC_ACQ_REL ? __ATOMIC_ACQUIRE \
									       : o);          \
			return a;                                                          \
		}                                                                          \
	} while (0)

static uint64_t thr_rmw(void *p, unsigned size, enum pcsim_rmw_op op, uint64_t operand,
			uint64_t operand2, enum pcsim_mo mo)
{
	int o = c11_order(mo);
	switch (size) {
	case 1:
		THR_RMW(uint8_t);
		break;
	case 2:
		THR_RMW(uint16_t);
		break;
	case 4:
		THR_RMW(uint32_t);
		break;
	default:
		THR_RMW(uint64_t);
		break;
	}
	return 0;
}

static uint64_t apply_rmw(uint64_t old, enum pcsim_rmw_op op, uint64_t a, uint64_t b, unsigned size,
			  bool *write)
{
	uint64_t mask = size >= 8 ? ~0ull : ((1ull << (size * 8)) - 1);
	*write = true;
	switch (op) {
	case PCSIM_RMW_ADD:
		return (old + a) & mask;
	case PCSIM_RMW_OR:
		return (old | a) & mask;
	case PCSIM_RMW_AND:
		return (old & a) & mask;
	case PCSIM_RMW_XOR:
		return (old ^ a) & mask;
	case PCSIM_RMW_XCHG:
		return a & mask;
	case PCSIM_RMW_CMPXCHG:
		if (old == (a & mask))
			return b & mask;
		*write = false;
		return old;
	}
	return old;
}

/* ---------------------------------------------------------------------------------------------
 * Public entry points. Outside any context (setup, finish) they access memory directly.
 */
static const char *const mo_names[] = { "once", "acquire", "release", "full" };

/* ---------------------------------------------------------------------------------------------
 * Forbidden ranges (pcsim_forbid_access)
 */
static void forbid_check(struct pcsim_world *w, const struct pcsim__ctx *c, const void *p,
			 unsigned size, bool write)
{
	uintptr_t a = (uintptr_t)p;
	for (unsigned i = 0; i < w->nforbid; i++) {
		const struct pcsim__forbid *f = &w->forbid[i];
		if (f->c == c && a < f->hi && a + size > f->lo && (write || !f->writes_only)) {
			char b[64];
			pcsim__failf(w, PCSIM_OUTCOME_VIOLATION, f->what,
				     "%s %s %s, which it may not %s here (pcsim_forbid_%s)",
				     pcsim__ctx_label(w, c->id, (char[64]){ 0 }, 64),
				     write ? "wrote" : "read",
				     pcsim_trace_obj_label(w, pcsim__obj_id(w, p), b, sizeof(b)),
				     f->writes_only ? "write" : "touch",
				     f->writes_only ? "writes" : "access");
			pcsim__sim_abort_exec(w);
		}
	}
}

static void forbid(const void *addr, size_t size, const char *what, bool writes_only)
{
	struct pcsim__ctx *c = pcsim__tls_ctx;
	if (!c || !c->w->sim || !addr || !size || !what)
		return;
	struct pcsim_world *w = c->w;
	if (w->nforbid == PCSIM_MAX_FORBID) {
		pcsim_fail("forbid-access", "more than %d ranges forbidden at once",
			   PCSIM_MAX_FORBID);
		return;
	}
	w->forbid[w->nforbid++] = (struct pcsim__forbid){ (uintptr_t)addr, (uintptr_t)addr + size,
							   c, what, writes_only };
}

void pcsim_forbid_access(const void *addr, size_t size, const char *what)
{
	forbid(addr, size, what, false);
}

void pcsim_forbid_writes(const void *addr, size_t size, const char *what)
{
	forbid(addr, size, what, true);
}

void pcsim_allow_access(const void *addr)
{
	struct pcsim__ctx *c = pcsim__tls_ctx;
	if (!c || !c->w->sim)
		return;
	struct pcsim_world *w = c->w;
	for (unsigned i = 0; i < w->nforbid; i++) {
		if (w->forbid[i].c == c && w->forbid[i].lo == (uintptr_t)addr) {
			w->forbid[i] = w->forbid[--w->nforbid];
			return;
		}
	}
}

uint64_t pcsim__load(const void *p, unsigned size, enum pcsim_mo mo)
{
	struct pcsim__ctx *c = pcsim__tls_ctx;
	unsigned fl = size & PCSIM_SZ_PTR;
	size &= 0xffu;
	if (!c)
		return pcsim__raw_load(p, size);
	struct pcsim_world *w = c->w;
	if (!w->sim)
		return thr_load(p, size, mo);
	pcsim__sim_point(w, c);
	if (__builtin_expect(w->nforbid != 0, 0))
		forbid_check(w, c, p, size, false);
	uint64_t v = pcsim__mm_load(w, c, p, size);
	if (w->tracing)
		pcsim__trace(w, c, &pcsim__tk_load, pcsim__obj_id(w, p), 0,
			     pcsim__trace_value(w, v, fl), size | fl, mo_names[mo]);
	return v;
}

void pcsim__store(void *p, unsigned size, uint64_t v, enum pcsim_mo mo)
{
	struct pcsim__ctx *c = pcsim__tls_ctx;
	unsigned fl = size & PCSIM_SZ_PTR;
	size &= 0xffu;
	if (!c) {
		pcsim__raw_store(p, size, v);
		return;
	}
	struct pcsim_world *w = c->w;
	if (!w->sim) {
		thr_store(p, size, v, mo);
		return;
	}
	pcsim__sim_point(w, c);
	if (__builtin_expect(w->nforbid != 0, 0))
		forbid_check(w, c, p, size, true);
	if (sc_dead_store(w, c, p, size))
		pcsim__sim_abort_exec(w);
	pcsim__mm_store(w, c, p, size | fl, v);
	if (w->tracing)
		pcsim__trace(w, c, &pcsim__tk_store, pcsim__obj_id(w, p), 0,
			     pcsim__trace_value(w, v, fl), size | fl, mo_names[mo]);
}

void pcsim_point(void)
{
	struct pcsim__ctx *c = pcsim__tls_ctx;
	if (c && c->w->sim)
		pcsim__sim_point(c->w, c);
}

uint64_t pcsim__load_np(const void *p, unsigned size, enum pcsim_mo mo)
{
	struct pcsim__ctx *c = pcsim__tls_ctx;
	size &= 0xffu;
	if (!c)
		return pcsim__raw_load(p, size);
	if (!c->w->sim)
		return thr_load(p, size, mo);
	return pcsim__mm_load(c->w, c, p, size);
}

void pcsim__store_np(void *p, unsigned size, uint64_t v, enum pcsim_mo mo)
{
	struct pcsim__ctx *c = pcsim__tls_ctx;
	unsigned fl = size & PCSIM_SZ_PTR;
	size &= 0xffu;
	if (!c)
		pcsim__raw_store(p, size, v);
	else if (!c->w->sim)
		thr_store(p, size, v, mo);
	else if (sc_dead_store(c->w, c, p, size))
		pcsim__sim_abort_exec(c->w);
	else
		pcsim__mm_store(c->w, c, p, size | fl, v);
}


static const char *const rmw_names[] = { "add", "or", "and", "xor", "xchg", "cmpxchg" };

uint64_t pcsim__rmw(void *p, unsigned size, enum pcsim_rmw_op op, uint64_t operand,
		    uint64_t operand2, enum pcsim_mo mo)
{
	struct pcsim__ctx *c = pcsim__tls_ctx;
	bool write;
	unsigned fl = size & PCSIM_SZ_PTR;
	size &= 0xffu;
	if (!c) {
		uint64_t old = pcsim__raw_load(p, size);
		uint64_t nv = apply_rmw(old, op, operand, operand2, size, &write);
		if (write)
			pcsim__raw_store(p, size, nv);
		return old;
	}
	struct pcsim_world *w = c->w;
	if (!w->sim)
		return thr_rmw(p, size, op, operand, operand2, mo);
	pcsim__sim_point(w, c);
	if (__builtin_expect(w->nforbid != 0, 0))
		forbid_check(w, c, p, size, true);
	/* A locked instruction: drains the store buffer and is atomic on memory (TSO). */
	if (w->cfg.mem == PCSIM_MEM_TSO)
		pcsim__mm_drain(w, c->cpu);
	if (dead_frame_store(w, c, p, size))
		pcsim__sim_abort_exec(w);
	uint64_t old = pcsim__raw_load(p, size);
	uint64_t nv = apply_rmw(old, op, operand, operand2, size, &write);
	if (write)
		pcsim__raw_store(p, size, nv);
	if (w->tracing)
		pcsim__trace(w, c, &pcsim__tk_rmw, pcsim__obj_id(w, p), 0,
			     pcsim__trace_value(w, old, fl), pcsim__trace_value(w, nv, fl),
			     rmw_names[op]);
	return old;
}

static const char *const fence_names[] = { "smp_mb", "smp_rmb", "smp_wmb",
					   "smp_mb__before_atomic", "smp_mb__after_atomic" };

void pcsim__fence(enum pcsim_fence f)
{
	struct pcsim__ctx *c = pcsim__tls_ctx;
	if (!c)
		return;
	struct pcsim_world *w = c->w;
	if (!w->sim) {
		if (f == PCSIM_FENCE_RMB)
			__atomic_thread_fence(__ATOMIC_ACQUIRE);
		else if (f == PCSIM_FENCE_WMB)
			__atomic_thread_fence(__ATOMIC_RELEASE);
		else
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
		return;
	}
	pcsim__sim_point(w, c);
	if (f == PCSIM_FENCE_MB && w->cfg.mem == PCSIM_MEM_TSO)
		pcsim__mm_drain(w, c->cpu);
	if (w->tracing)
		pcsim__trace(w, c, &pcsim__tk_fence, 0, 0, f, 0, fence_names[f]);
}

/* ---------------------------------------------------------------------------------------------
 * Bit operations (asm-generic/bitops/atomic.h, lock.h semantics).
 */
#define BIT_MASK(nr) (1ul << ((nr) % (8 * sizeof(unsigned long))))
/* Bit @nr of a bitmap that starts at @addr: the word it lives in (kernel BIT_WORD()). */
#define BIT_WORD(addr, nr) (&(addr)[(nr) / (8 * sizeof(unsigned long))])

bool pcsim_test_bit(unsigned nr, const pcsim_ulong *addr)
{
	return (pcsim__load(&BIT_WORD(addr, nr)->pcsim_private_, sizeof(unsigned long), PCSIM_MO_ONCE) &
		BIT_MASK(nr)) != 0;
}

void pcsim_set_bit(unsigned nr, pcsim_ulong *addr)
{
	pcsim__rmw(&BIT_WORD(addr, nr)->pcsim_private_, sizeof(unsigned long), PCSIM_RMW_OR, BIT_MASK(nr), 0,
		   PCSIM_MO_ONCE);
}

void pcsim_clear_bit(unsigned nr, pcsim_ulong *addr)
{
	pcsim__rmw(&BIT_WORD(addr, nr)->pcsim_private_, sizeof(unsigned long), PCSIM_RMW_AND, ~BIT_MASK(nr), 0,
		   PCSIM_MO_ONCE);
}

void pcsim_change_bit(unsigned nr, pcsim_ulong *addr)
{
	pcsim__rmw(&BIT_WORD(addr, nr)->pcsim_private_, sizeof(unsigned long), PCSIM_RMW_XOR, BIT_MASK(nr), 0,
		   PCSIM_MO_ONCE);
}

bool pcsim_test_and_set_bit(unsigned nr, pcsim_ulong *addr)
{
	return (pcsim__rmw(&BIT_WORD(addr, nr)->pcsim_private_, sizeof(unsigned long), PCSIM_RMW_OR,
			   BIT_MASK(nr), 0, PCSIM_MO_FULL) &
		BIT_MASK(nr)) != 0;
}

bool pcsim_test_and_clear_bit(unsigned nr, pcsim_ulong *addr)
{
	return (pcsim__rmw(&BIT_WORD(addr, nr)->pcsim_private_, sizeof(unsigned long), PCSIM_RMW_AND,
			   ~BIT_MASK(nr), 0, PCSIM_MO_FULL) &
		BIT_MASK(nr)) != 0;
}

bool pcsim_test_and_set_bit_lock(unsigned nr, pcsim_ulong *addr)
{
	return (pcsim__rmw(&BIT_WORD(addr, nr)->pcsim_private_, sizeof(unsigned long), PCSIM_RMW_OR,
			   BIT_MASK(nr), 0, PCSIM_MO_ACQUIRE) &
		BIT_MASK(nr)) != 0;
}

void pcsim_clear_bit_unlock(unsigned nr, pcsim_ulong *addr)
{
	pcsim__rmw(&BIT_WORD(addr, nr)->pcsim_private_, sizeof(unsigned long), PCSIM_RMW_AND, ~BIT_MASK(nr), 0,
		   PCSIM_MO_RELEASE);
}

bool pcsim_clear_bit_unlock_is_negative_byte(unsigned nr, pcsim_ulong *addr)
{
	/* Bit 7 of the byte that holds @nr (the PG_waiters trick in mm/filemap.c). */
	unsigned long sign = 1ul << ((nr / 8) * 8 + 7);
	unsigned long old = pcsim__rmw(&BIT_WORD(addr, nr)->pcsim_private_, sizeof(unsigned long),
				       PCSIM_RMW_AND, ~BIT_MASK(nr), 0, PCSIM_MO_RELEASE);
	return (old & sign) != 0;
}

void pcsim___set_bit(unsigned nr, pcsim_ulong *addr)
{
	struct pcsim__ctx *c = pcsim__tls_ctx;
	if (!c || !c->w->sim) {
		unsigned long v = (unsigned long)pcsim__load(&BIT_WORD(addr, nr)->pcsim_private_,
							     sizeof(unsigned long), PCSIM_MO_ONCE);
		pcsim__store(&BIT_WORD(addr, nr)->pcsim_private_, sizeof(unsigned long), v | BIT_MASK(nr),
			     PCSIM_MO_ONCE);
		return;
	}
	/* One step: read and write back without atomicity against other CPUs' buffers. */
	struct pcsim_world *w = c->w;
	pcsim__sim_point(w, c);
	uint64_t v = pcsim__mm_load(w, c, &BIT_WORD(addr, nr)->pcsim_private_, sizeof(unsigned long));
	pcsim__mm_store(w, c, &BIT_WORD(addr, nr)->pcsim_private_, sizeof(unsigned long), v | BIT_MASK(nr));
	if (w->tracing)
		pcsim__trace(w, c, &pcsim__tk_store, pcsim__obj_id(w, BIT_WORD(addr, nr)), 0, v | BIT_MASK(nr),
			     sizeof(unsigned long), "__set_bit");
}

void pcsim___clear_bit(unsigned nr, pcsim_ulong *addr)
{
	struct pcsim__ctx *c = pcsim__tls_ctx;
	if (!c || !c->w->sim) {
		unsigned long v = (unsigned long)pcsim__load(&BIT_WORD(addr, nr)->pcsim_private_,
							     sizeof(unsigned long), PCSIM_MO_ONCE);
		pcsim__store(&BIT_WORD(addr, nr)->pcsim_private_, sizeof(unsigned long), v & ~BIT_MASK(nr),
			     PCSIM_MO_ONCE);
		return;
	}
	struct pcsim_world *w = c->w;
	pcsim__sim_point(w, c);
	uint64_t v = pcsim__mm_load(w, c, &BIT_WORD(addr, nr)->pcsim_private_, sizeof(unsigned long));
	pcsim__mm_store(w, c, &BIT_WORD(addr, nr)->pcsim_private_, sizeof(unsigned long), v & ~BIT_MASK(nr));
	if (w->tracing)
		pcsim__trace(w, c, &pcsim__tk_store, pcsim__obj_id(w, BIT_WORD(addr, nr)), 0, v & ~BIT_MASK(nr),
			     sizeof(unsigned long), "__clear_bit");
}

void pcsim_obj_name(const void *addr, const char *fmt, ...)
{
	struct pcsim_world *w = cur_world();
	char buf[96];
	va_list ap;
	if (!w || !w->tracing)
		return;		/* names only ever appear in traces */
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (!w->sim)
		pcsim__thr_lock_global(w);
	uint32_t id = pcsim__obj_id(w, addr);
	if (id >= w->objnames_cap) {
		size_t ncap = w->objnames_cap ? w->objnames_cap * 2 : 64;
		while (ncap <= id)
			ncap *= 2;
		char **nn = realloc(w->objnames, ncap * sizeof(char *));
		if (nn) {
			memset(nn + w->objnames_cap, 0, (ncap - w->objnames_cap) * sizeof(char *));
			w->objnames = nn;
			w->objnames_cap = ncap;
		}
	}
	if (id < w->objnames_cap)	/* the global lock is recursive: allocate under it */
		w->objnames[id] = pcsim__strdup_arena(w, buf);
	if (!w->sim)
		pcsim__thr_unlock_global(w);
}
