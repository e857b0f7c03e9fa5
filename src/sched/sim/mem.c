// SPDX-License-Identifier: MIT
/*
 * sim/mem.c - the sim backend's shared memory: the memory modes and the accesses.
 *
 * sc:  every access goes straight to memory; the interleaving is the only nondeterminism.
 * tso: each CPU has a FIFO store buffer (x86-TSO, Owens/Sarkar/Sewell 2009). Plain, once and
 *      release stores enter the buffer; loads first look in their own CPU's buffer (newest
 *      entry for the same address wins) and then in memory; locked read-modify-writes and
 *      smp_mb() drain the buffer; the oldest entry of any non-empty buffer may be flushed to
 *      memory at any step, and that flush is a choice of the strategy. smp_rmb(), smp_wmb() and
 *      smp_mb__{before,after}_atomic() are compiler barriers on x86 and no-ops here.
 *
 * Every access by a context is a preemption point, then checked (forbidden ranges, stores
 * into dead stack frames), performed through the memory mode and traced. A weaker mode
 * (bounded store histories, C11/LKMM-like) plugs in behind pcsim__mm_load() and
 * pcsim__mm_store(), which already receive the access size and, from the callers below, the
 * ordering; model code does not change.
 */
#include <stdio.h>
#include <string.h>

#include "sim/sim.h"

/* The context whose fiber stack holds @p, or NULL (not on any live fiber stack). */
struct pcsim__ctx *pcsim__stack_owner(struct pcsim_world *w, const void *p)
{
	uintptr_t a = (uintptr_t)p;
	if (a < w->stack_lo || a >= w->stack_hi)
		return NULL;
	for (unsigned i = 0; i < w->ex.ntasks; i++) {
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
	pcsim__por_mem(w, e->addr, e->size, PCSIM_POR_W);
	pcsim__por_obj(w, POR_SB, cpu, PCSIM_POR_W);
	if (!dead_frame_store(w, cp->curr ? cp->curr : cp->irq, e->addr, e->size))
		pcsim__raw_store(e->addr, e->size, e->val);
	if (w->tracing) {
		/* Object ids are handed out on first sight: the value's first, then the address's,
		 * in statements of their own (as arguments the order is the compiler's). */
		uint64_t val = pcsim__trace_value(w, e->val, e->ptr);
		uint32_t obj = pcsim__obj_id(w, e->addr);
		pcsim__trace(w, NULL, &pcsim__tk_flush, obj, 0, val,
			     cpu | (e->ptr ? PCSIM_SZ_PTR : 0), forced ? "forced" : NULL);
	}
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
		pcsim__por_obj(w, POR_SB, c->cpu, PCSIM_POR_W);
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

static void forbid_check(struct pcsim_world *w, const struct pcsim__ctx *c, const void *p,
			 unsigned size, bool write)
{
	uintptr_t a = (uintptr_t)p;
	for (unsigned i = 0; i < w->ex.nforbid; i++) {
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

/* ---------------------------------------------------------------------------------------------
 * The accesses (struct pcsim__backend_ops).
 */
uint64_t pcsim__sim_load(struct pcsim__ctx *c, const void *p, unsigned size, enum pcsim_mo mo)
{
	struct pcsim_world *w = c->w;
	unsigned fl = size & PCSIM_SZ_PTR;
	size &= 0xffu;
	pcsim__sim_point(w, c);
	if (__builtin_expect(w->ex.nforbid != 0, 0))
		forbid_check(w, c, p, size, false);
	pcsim__por_mem(w, p, size, PCSIM_POR_R);
	uint64_t v = pcsim__mm_load(w, c, p, size);
	if (w->tracing) {
		uint64_t val = pcsim__trace_value(w, v, fl);	/* ids: value, then address */
		uint32_t obj = pcsim__obj_id(w, p);
		pcsim__trace(w, c, &pcsim__tk_load, obj, 0, val, size | fl, pcsim__mo_names[mo]);
	}
	return v;
}

void pcsim__sim_store(struct pcsim__ctx *c, void *p, unsigned size, uint64_t v, enum pcsim_mo mo)
{
	struct pcsim_world *w = c->w;
	unsigned fl = size & PCSIM_SZ_PTR;
	size &= 0xffu;
	pcsim__sim_point(w, c);
	if (__builtin_expect(w->ex.nforbid != 0, 0))
		forbid_check(w, c, p, size, true);
	pcsim__por_mem(w, p, size, PCSIM_POR_W);
	if (sc_dead_store(w, c, p, size))
		pcsim__sim_abort_exec(w);
	pcsim__mm_store(w, c, p, size | fl, v);
	if (w->tracing) {
		uint64_t val = pcsim__trace_value(w, v, fl);	/* ids: value, then address */
		uint32_t obj = pcsim__obj_id(w, p);
		pcsim__trace(w, c, &pcsim__tk_store, obj, 0, val, size | fl, pcsim__mo_names[mo]);
	}
}

uint64_t pcsim__sim_load_np(struct pcsim__ctx *c, const void *p, unsigned size, enum pcsim_mo mo)
{
	(void)mo;
	pcsim__por_mem(c->w, p, size, PCSIM_POR_R);
	return pcsim__mm_load(c->w, c, p, size & 0xffu);
}

void pcsim__sim_store_np(struct pcsim__ctx *c, void *p, unsigned size, uint64_t v,
			 enum pcsim_mo mo)
{
	(void)mo;
	unsigned fl = size & PCSIM_SZ_PTR;
	size &= 0xffu;
	pcsim__por_mem(c->w, p, size, PCSIM_POR_W);
	if (sc_dead_store(c->w, c, p, size))
		pcsim__sim_abort_exec(c->w);
	else
		pcsim__mm_store(c->w, c, p, size | fl, v);
}

uint64_t pcsim__sim_rmw(struct pcsim__ctx *c, void *p, unsigned size, enum pcsim_rmw_op op,
			uint64_t operand, uint64_t operand2, enum pcsim_mo mo)
{
	(void)mo;
	struct pcsim_world *w = c->w;
	bool write;
	unsigned fl = size & PCSIM_SZ_PTR;
	size &= 0xffu;
	pcsim__sim_point(w, c);
	if (__builtin_expect(w->ex.nforbid != 0, 0))
		forbid_check(w, c, p, size, true);
	pcsim__por_mem(w, p, size, PCSIM_POR_RW);
	/* A locked instruction: drains the store buffer and is atomic on memory (TSO). */
	if (w->cfg.mem == PCSIM_MEM_TSO)
		pcsim__mm_drain(w, c->cpu);
	if (dead_frame_store(w, c, p, size))
		pcsim__sim_abort_exec(w);
	uint64_t old = pcsim__raw_load(p, size);
	uint64_t nv = pcsim__apply_rmw(old, op, operand, operand2, size, &write);
	if (write)
		pcsim__raw_store(p, size, nv);
	if (w->tracing) {
		/* ids: the new value, the old one, then the address */
		uint64_t tnv = pcsim__trace_value(w, nv, fl);
		uint64_t told = pcsim__trace_value(w, old, fl);
		uint32_t obj = pcsim__obj_id(w, p);
		pcsim__trace(w, c, &pcsim__tk_rmw, obj, 0, told, tnv, pcsim__rmw_names[op]);
	}
	return old;
}

void pcsim__sim_fence(struct pcsim__ctx *c, enum pcsim_fence f)
{
	struct pcsim_world *w = c->w;
	pcsim__sim_point(w, c);
	if (f == PCSIM_FENCE_MB && w->cfg.mem == PCSIM_MEM_TSO)
		pcsim__mm_drain(w, c->cpu);
	if (w->tracing)
		pcsim__trace(w, c, &pcsim__tk_fence, 0, 0, f, 0, pcsim__fence_names[f]);
}

/* One step: read and write back without atomicity against other CPUs' buffers. */
void pcsim__sim_bit_nonatomic(struct pcsim__ctx *c, unsigned long *word, unsigned long mask,
			      bool set)
{
	struct pcsim_world *w = c->w;
	pcsim__sim_point(w, c);
	pcsim__por_mem(w, word, sizeof(unsigned long), PCSIM_POR_RW);
	uint64_t v = pcsim__mm_load(w, c, word, sizeof(unsigned long));
	uint64_t nv = set ? v | mask : v & ~mask;
	pcsim__mm_store(w, c, word, sizeof(unsigned long), nv);
	if (w->tracing)
		pcsim__trace(w, c, &pcsim__tk_store, pcsim__obj_id(w, word), 0, nv,
			     sizeof(unsigned long), set ? "__set_bit" : "__clear_bit");
}

void pcsim__sim_forbid(struct pcsim__ctx *c, const void *addr, size_t size, const char *what,
		       bool writes_only)
{
	struct pcsim_world *w = c->w;
	if (w->ex.nforbid == PCSIM_MAX_FORBID) {
		pcsim_fail("forbid-access", "more than %d ranges forbidden at once",
			   PCSIM_MAX_FORBID);
		return;
	}
	w->forbid[w->ex.nforbid++] = (struct pcsim__forbid){ (uintptr_t)addr, (uintptr_t)addr + size,
							   c, what, writes_only };
}

void pcsim__sim_allow(struct pcsim__ctx *c, const void *addr)
{
	struct pcsim_world *w = c->w;
	for (unsigned i = 0; i < w->ex.nforbid; i++) {
		if (w->forbid[i].c == c && w->forbid[i].lo == (uintptr_t)addr) {
			w->forbid[i] = w->forbid[--w->ex.nforbid];
			return;
		}
	}
}

