// SPDX-License-Identifier: MIT
/*
 * sim/mem.c - the sim backend's shared memory: the memory modes and the accesses.
 *
 * sc:   every access goes straight to memory; the interleaving is the only nondeterminism.
 * tso:  each CPU has a FIFO store buffer (x86-TSO, Owens/Sarkar/Sewell 2009). Plain, once and
 *       release stores enter the buffer; loads first look in their own CPU's buffer (newest
 *       entry for the same address wins) and then in memory; locked read-modify-writes and
 *       smp_mb() drain the buffer; the oldest entry of any non-empty buffer may be flushed to
 *       memory at any step, and that flush is a choice of the strategy. smp_rmb(), smp_wmb()
 *       and smp_mb__{before,after}_atomic() are compiler barriers on x86 and no-ops here.
 * weak: what LKMM allows and x86 forbids, store-store and load-load reordering, with the
 *       kernel's barriers keeping their LKMM meaning (docs/ordering.md "The weak mode"):
 *       - store buffers are not FIFO: any entry may be flushed unless an older entry of the
 *         same CPU writes an overlapping address or belongs to an older barrier epoch
 *         (smp_wmb(), a release store, a full barrier start a new epoch);
 *       - every flush (and every atomic read-modify-write) gets a global timestamp and joins
 *         the location's short history; a load may read any history entry at least as new
 *         as (a) the newest entry its CPU has read or written (coherence) and (b) the entry
 *         that was current at its CPU's view, a timestamp that smp_rmb(), acquire loads and
 *         full barriers raise. Which entry it reads is a data choice ("weak-read"), which
 *         entry a flush writes another ("sb-entry"): both are in the schedule, so replay is
 *         exact; option 0 is always what tso would do.
 *       Loads are never buffered, so a load is ordered before every later store of its CPU
 *       (no load buffering, LB: stronger than LKMM, which needs a dependency for that).
 *       Memory stays multi-copy atomic (one memory, one timestamp order): IRIW with full
 *       barriers is forbidden as in LKMM; IRIW without barriers is allowed through load
 *       reordering.
 *
 * Every access by a context is a preemption point, then checked (forbidden ranges, stores
 * into dead stack frames), performed through the memory mode and traced.
 */
#include <stdio.h>
#include <stdlib.h>
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
static bool dead_frame_store_slow(struct pcsim_world *w, struct pcsim__ctx *writer, const void *p,
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

/* Every store goes through this test: inline, the two common cases - not on any fiber stack, on
 * the writer's own - cost two compares and no call (the call was 1.8 % of a bound-2 DFS slice of
 * pagecache-general, whose wait entries live on their waiters' stacks). */
static inline bool dead_frame_store(struct pcsim_world *w, struct pcsim__ctx *writer,
				    const void *p, unsigned size)
{
	uintptr_t a = (uintptr_t)p;
	if (a < w->stack_lo || a >= w->stack_hi)
		return false;
	if (writer && a - (uintptr_t)writer->fib.stack < writer->fib.stack_size)
		return false;
	return dead_frame_store_slow(w, writer, p, size);
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

/* ---------------------------------------------------------------------------------------------
 * weak: store histories. One open-addressing table per world, keyed by address (the key only
 * finds a slot: no decision depends on an address or on the table's order), emptied at each
 * execution by its generation. Each location keeps its last WEAK_HIST values, oldest first,
 * with the timestamp of the write and the CPUs that have read or written it. The first
 * recorded write of a location also records the value it replaced (timestamp 0), so a stale
 * read can return the initial value. A location that changed behind the history's back (a
 * plain C store, a store of another size) restarts its history: loads then read memory.
 */
#define WEAK_HIST 4

struct weak_ent {
	uint64_t ts;
	uint64_t val;
	uint64_t seen;		/* bit per CPU: read or written by it */
	bool ptr;
};

struct weak_loc {
	const void *addr;
	uint64_t gen;		/* the execution the slot belongs to; others are empty */
	uint8_t size, n;
	struct weak_ent h[WEAK_HIST];
};

struct weak_cpu {
	uint64_t view;		/* loads read nothing older than memory at this timestamp */
	uint64_t seen;		/* newest timestamp the CPU has read (smp_rmb(): view = seen) */
	uint64_t last;		/* timestamp the last load read (acquire: view >= last) */
	uint32_t epoch;		/* barrier epoch of the next buffered store */
};

struct pcsim__weak {
	uint64_t gen;		/* w->exec_gen this state belongs to */
	uint64_t ts;		/* timestamp of the newest write to memory */
	struct weak_loc *tab;
	size_t cap, used;
	bool observing;		/* invariants run: loads see every executed store */
	struct weak_cpu cpu[PCSIM_MAX_CPUS];
};

static inline bool is_weak(const struct pcsim_world *w)
{
	return w->cfg.mem == PCSIM_MEM_WEAK;
}

/* The world's weak state for this execution, or NULL (out of memory: loads then read memory,
 * which is stronger, never weaker). */
static struct pcsim__weak *weak_state(struct pcsim_world *w)
{
	struct pcsim__weak *k = w->weak;
	if (!k) {
		k = calloc(1, sizeof(*k));
		if (!k)
			return NULL;
		k->gen = w->exec_gen;
		w->weak = k;
	}
	if (k->gen != w->exec_gen) {
		k->gen = w->exec_gen;
		k->ts = 0;
		k->used = 0;
		memset(k->cpu, 0, sizeof(k->cpu));
	}
	return k;
}

void pcsim__mm_weak_free(struct pcsim_world *w)
{
	if (w->weak) {
		free(w->weak->tab);
		free(w->weak);
		w->weak = NULL;
	}
}

static inline size_t weak_hash(const void *p, size_t cap)
{
	uint64_t x = (uint64_t)(uintptr_t)p;
	x ^= x >> 29;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 32;
	return (size_t)x & (cap - 1);
}

static struct weak_loc *weak_find(struct pcsim__weak *k, const void *p)
{
	if (!k->cap)
		return NULL;
	for (size_t i = weak_hash(p, k->cap);; i = (i + 1) & (k->cap - 1)) {
		struct weak_loc *l = &k->tab[i];
		if (l->gen != k->gen)
			return NULL;
		if (l->addr == p)
			return l;
	}
}

/* Find or make the slot of @p; NULL when out of memory. */
static struct weak_loc *weak_slot(struct pcsim__weak *k, const void *p)
{
	if ((k->used + 1) * 2 > k->cap) {
		size_t ncap = k->cap ? k->cap * 2 : 256;
		struct weak_loc *nt = calloc(ncap, sizeof(*nt));
		if (!nt)
			return NULL;
		for (size_t i = 0; i < k->cap; i++) {
			struct weak_loc *l = &k->tab[i];
			if (l->gen != k->gen)
				continue;
			size_t j = weak_hash(l->addr, ncap);
			while (nt[j].gen == k->gen && nt[j].addr)
				j = (j + 1) & (ncap - 1);
			nt[j] = *l;
		}
		free(k->tab);
		k->tab = nt;
		k->cap = ncap;
	}
	size_t i = weak_hash(p, k->cap);
	for (;; i = (i + 1) & (k->cap - 1)) {
		struct weak_loc *l = &k->tab[i];
		if (l->gen != k->gen) {
			l->gen = k->gen;
			l->addr = p;
			l->n = 0;
			k->used++;
			return l;
		}
		if (l->addr == p)
			return l;
	}
}

/* A write of @v to memory at @p by @cpu (a flush, a write-through, an atomic): the location's
 * history grows by one entry. Called before memory is written. */
static void weak_record(struct pcsim_world *w, unsigned cpu, const void *p, unsigned size,
			uint64_t v, bool ptr)
{
	struct pcsim__weak *k = weak_state(w);
	if (!k)
		return;
	struct weak_loc *l = weak_slot(k, p);
	if (!l)
		return;
	uint64_t old = pcsim__raw_load(p, size);
	if (l->n && (l->size != size || l->h[l->n - 1].val != old))
		l->n = 0;	/* changed behind our back: restart from what memory holds */
	if (!l->n) {
		l->size = (uint8_t)size;
		l->h[0] = (struct weak_ent){ 0, old, 0, ptr };
		l->n = 1;
	}
	if (l->n == WEAK_HIST) {
		memmove(&l->h[0], &l->h[1], (WEAK_HIST - 1) * sizeof(l->h[0]));
		l->n--;
	}
	l->h[l->n++] = (struct weak_ent){ ++k->ts, v, 1ull << cpu, ptr };
	if (k->cpu[cpu].seen < k->ts)
		k->cpu[cpu].seen = k->ts;
}

/*
 * A load by @cpu of @p from memory (its own buffer had nothing): the newest value, or, if the
 * CPU's view and coherence allow and @choose, an older one of the history (a data choice).
 */
static uint64_t weak_read(struct pcsim_world *w, unsigned cpu, const void *p, unsigned size,
			  bool choose)
{
	uint64_t raw = pcsim__raw_load(p, size);
	struct pcsim__weak *k = weak_state(w);
	if (!k)
		return raw;
	struct weak_cpu *wc = &k->cpu[cpu];
	struct weak_loc *l = weak_find(k, p);
	if (!l || !l->n || l->size != size || l->h[l->n - 1].val != raw) {
		if (l)
			l->n = 0;
		/* Untracked: memory as it is now, as if read after everything so far. */
		wc->last = k->ts;
		return raw;
	}
	unsigned lo = 0;
	uint64_t bit = 1ull << cpu;
	for (unsigned i = 0; i < l->n; i++)
		if (l->h[i].ts <= wc->view || (l->h[i].seen & bit))
			lo = i;
	unsigned n = l->n - lo, pick = 0;
	if (n > 1 && choose)
		pick = (unsigned)pcsim__sim_choose_data(w, "weak-read", n);
	struct weak_ent *e = &l->h[l->n - 1 - pick];
	e->seen |= bit;
	wc->last = e->ts;
	if (wc->seen < e->ts)
		wc->seen = e->ts;
	return e->val;
}

/* smp_rmb(): later loads read nothing older than what earlier loads saw. */
static void weak_rmb(struct pcsim_world *w, unsigned cpu)
{
	struct pcsim__weak *k = weak_state(w);
	if (k && k->cpu[cpu].view < k->cpu[cpu].seen)
		k->cpu[cpu].view = k->cpu[cpu].seen;
}

/* An acquire load: later loads read nothing older than memory when its value was written. */
static void weak_acquire(struct pcsim_world *w, unsigned cpu)
{
	struct pcsim__weak *k = weak_state(w);
	if (k && k->cpu[cpu].view < k->cpu[cpu].last)
		k->cpu[cpu].view = k->cpu[cpu].last;
}

/* smp_wmb() or a release store: later stores of the CPU may not pass earlier ones. */
static void weak_epoch(struct pcsim_world *w, unsigned cpu)
{
	struct pcsim__weak *k = weak_state(w);
	if (k)
		k->cpu[cpu].epoch++;
}

/* ---------------------------------------------------------------------------------------------
 * Store buffers (tso, weak).
 */

/* weak: may entry @i (0 = oldest) of @cp's buffer reach memory before the older ones? */
static bool sb_may_flush(const struct pcsim__cpu *cp, unsigned i)
{
	const struct sb_entry *e = &cp->sb[(cp->sb_head + i) % PCSIM_SB_MAX];
	for (unsigned j = 0; j < i; j++) {
		const struct sb_entry *o = &cp->sb[(cp->sb_head + j) % PCSIM_SB_MAX];
		if (o->epoch != e->epoch || overlaps(o, e->addr, e->size))
			return false;
	}
	return true;
}

/* Write entry @i of @cpu's buffer to memory and take it out of the buffer. */
static void flush_at(struct pcsim_world *w, unsigned cpu, unsigned i, bool forced)
{
	struct pcsim__cpu *cp = &w->cpus[cpu];
	struct sb_entry ent = cp->sb[(cp->sb_head + i) % PCSIM_SB_MAX], *e = &ent;
	for (unsigned j = i; j > 0; j--)	/* close the gap: older entries move up one */
		cp->sb[(cp->sb_head + j) % PCSIM_SB_MAX] =
			cp->sb[(cp->sb_head + j - 1) % PCSIM_SB_MAX];
	cp->sb_head = (cp->sb_head + 1) % PCSIM_SB_MAX;
	cp->sb_len--;
	pcsim__por_mem(w, e->addr, e->size, PCSIM_POR_W);
	pcsim__por_obj(w, POR_SB, cpu, PCSIM_POR_W);
	if (!dead_frame_store(w, cp->curr ? cp->curr : cp->irq, e->addr, e->size)) {
		if (is_weak(w))
			weak_record(w, cpu, e->addr, e->size, e->val, e->ptr);
		pcsim__raw_store(e->addr, e->size, e->val);
	}
	if (w->tracing) {
		/* Object ids are handed out on first sight: the value's first, then the address's,
		 * in statements of their own (as arguments the order is the compiler's). */
		uint64_t val = pcsim__trace_value(w, e->val, e->ptr);
		uint32_t obj = pcsim__obj_id(w, e->addr);
		pcsim__trace(w, NULL, &pcsim__tk_flush, obj, 0, val,
			     cpu | (e->ptr ? PCSIM_SZ_PTR : 0), forced ? "forced" : NULL);
	}
}

void pcsim__mm_flush_one(struct pcsim_world *w, unsigned cpu, bool forced)
{
	struct pcsim__cpu *cp = &w->cpus[cpu];
	if (!cp->sb_len)
		return;
	unsigned i = 0;
	if (is_weak(w) && !forced) {
		/* The strategy picks which of the entries that may go first goes (0: the oldest,
		 * as in tso). */
		unsigned idx[PCSIM_SB_MAX], n = 0;
		for (unsigned j = 0; j < cp->sb_len; j++)
			if (sb_may_flush(cp, j))
				idx[n++] = j;
		if (n > 1)
			i = idx[pcsim__sim_choose_data(w, "sb-entry", n)];
	}
	flush_at(w, cpu, i, forced);
}

void pcsim__mm_drain(struct pcsim_world *w, unsigned cpu)
{
	while (w->cpus[cpu].sb_len)
		flush_at(w, cpu, 0, true);
}

void pcsim__mm_full_barrier(struct pcsim_world *w, unsigned cpu)
{
	if (w->cfg.mem == PCSIM_MEM_SC)
		return;
	pcsim__mm_drain(w, cpu);
	if (is_weak(w)) {
		struct pcsim__weak *k = weak_state(w);
		if (k) {
			k->cpu[cpu].view = k->ts;
			k->cpu[cpu].epoch++;
		}
	}
}

void pcsim__mm_switch_barrier(struct pcsim_world *w, unsigned cpu, bool fresh)
{
	if (!is_weak(w) || !fresh) {
		pcsim__mm_full_barrier(w, cpu);
		return;
	}
	/*
	 * weak: a task's first run. The context switch that started it may have happened any
	 * time after the task was created (pcsim__mm_task_created raised the CPU's view then):
	 * drain and start a store epoch, but leave the view where it is, so the first load of
	 * a litmus process can be as stale as its later ones.
	 */
	pcsim__mm_drain(w, cpu);
	struct pcsim__weak *k = weak_state(w);
	if (k)
		k->cpu[cpu].epoch++;
}

void pcsim__mm_task_created(struct pcsim_world *w, struct pcsim__ctx *creator, unsigned cpu)
{
	if (!is_weak(w) || !creator)
		return;
	/* What the creator did before creating the task is visible to the task. */
	pcsim__mm_full_barrier(w, creator->cpu);
	pcsim__mm_full_barrier(w, cpu);
}

void pcsim__mm_relax(struct pcsim_world *w, unsigned cpu)
{
	struct pcsim__weak *k = is_weak(w) ? weak_state(w) : NULL;
	if (k)
		k->cpu[cpu].view = k->ts;
}

void pcsim__mm_observe(struct pcsim_world *w, bool on)
{
	if (is_weak(w) && weak_state(w))
		w->weak->observing = on;
}

void pcsim__mm_all_barriers(struct pcsim_world *w)
{
	for (unsigned cpu = 0; cpu < w->cfg.ncpus; cpu++)
		pcsim__mm_full_barrier(w, cpu);
}

/*
 * weak, invariant checks: every store as soon as its context executed it (the newest buffered
 * store to @p of any CPU, CPUs in order, else memory). A head another CPU is still
 * initialising would otherwise look torn to the check, its stores reaching memory in any
 * order; what the checks judge is the program's state, not how far stores have travelled.
 */
static uint64_t observe(struct pcsim_world *w, const void *p, unsigned size)
{
	for (unsigned cpu = 0; cpu < w->cfg.ncpus; cpu++) {
		const struct pcsim__cpu *cp = &w->cpus[cpu];
		for (unsigned i = cp->sb_len; i-- > 0;) {
			const struct sb_entry *e = &cp->sb[(cp->sb_head + i) % PCSIM_SB_MAX];
			if (e->addr == p && e->size == size)
				return e->val;
		}
	}
	return pcsim__raw_load(p, size);
}

static uint64_t mm_load(struct pcsim_world *w, struct pcsim__ctx *c, const void *p,
			unsigned size, bool choose)
{
	size &= 0xffu;
	if (w->cfg.mem != PCSIM_MEM_SC && c) {
		struct pcsim__cpu *cp = &w->cpus[c->cpu];
		for (unsigned i = cp->sb_len; i-- > 0;) {
			struct sb_entry *e = &cp->sb[(cp->sb_head + i) % PCSIM_SB_MAX];
			if (e->addr == p && e->size == size) {
				if (is_weak(w)) {
					struct pcsim__weak *k = weak_state(w);
					if (k)
						k->cpu[c->cpu].last = 0;	/* its own store */
				}
				return e->val;
			}
			if (overlaps(e, p, size)) {
				/* Mixed-size forwarding is not modelled: drain, then read memory. */
				pcsim__mm_drain(w, c->cpu);
				break;
			}
		}
		if (is_weak(w)) {
			if (!(w->weak && w->weak->observing))
				return weak_read(w, c->cpu, p, size, choose);
			return observe(w, p, size);
		}
	}
	return pcsim__raw_load(p, size);
}

uint64_t pcsim__mm_load(struct pcsim_world *w, struct pcsim__ctx *c, const void *p,
			unsigned size)
{
	return mm_load(w, c, p, size, true);
}

uint64_t pcsim__mm_peek(struct pcsim_world *w, struct pcsim__ctx *c, const void *p,
			unsigned size)
{
	return mm_load(w, c, p, size, false);
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
	if (w->cfg.mem != PCSIM_MEM_SC && c) {
		struct pcsim__cpu *cp = &w->cpus[c->cpu];
		/*
		 * A context's stores to its own stack are written through: the C code around the
		 * model reuses that stack with plain accesses the buffer cannot see, and a late
		 * flush would overwrite them. Earlier buffered stores drain first to keep order.
		 */
		if ((uintptr_t)p >= (uintptr_t)c->fib.stack &&
		    (uintptr_t)p < (uintptr_t)c->fib.stack + c->fib.stack_size) {
			pcsim__mm_drain(w, c->cpu);
			if (is_weak(w))
				weak_record(w, c->cpu, p, size, v, ptr);
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
		e->epoch = 0;
		if (is_weak(w)) {
			struct pcsim__weak *k = weak_state(w);
			e->epoch = k ? k->cpu[c->cpu].epoch : 0;
		}
		cp->sb_len++;
		return;
	}
	pcsim__raw_store(p, size, v);
}

/* A store with @mo (weak: a release store starts a new epoch first, so it cannot pass
 * earlier stores). */
void pcsim__mm_store_mo(struct pcsim_world *w, struct pcsim__ctx *c, void *p, unsigned size,
			uint64_t v, enum pcsim_mo mo)
{
	if (is_weak(w)) {
		if (mo == PCSIM_MO_FULL)
			pcsim__mm_full_barrier(w, c->cpu);
		else if (mo == PCSIM_MO_RELEASE)
			weak_epoch(w, c->cpu);
	}
	pcsim__mm_store(w, c, p, size, v);
}

/* A load with @mo: an acquire raises the CPU's view to what it read. */
static uint64_t mm_load_mo(struct pcsim_world *w, struct pcsim__ctx *c, const void *p,
			   unsigned size, enum pcsim_mo mo)
{
	if (is_weak(w) && mo == PCSIM_MO_FULL)
		pcsim__mm_full_barrier(w, c->cpu);
	uint64_t v = pcsim__mm_load(w, c, p, size);
	if (is_weak(w) && mo == PCSIM_MO_ACQUIRE)
		weak_acquire(w, c->cpu);
	return v;
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
	pcsim__por_access(w, c, p, size, PCSIM_POR_R, -1);
	uint64_t v = mm_load_mo(w, c, p, size, mo);
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
	pcsim__mm_store_mo(w, c, p, size | fl, v, mo);
	if (w->tracing) {
		uint64_t val = pcsim__trace_value(w, v, fl);	/* ids: value, then address */
		uint32_t obj = pcsim__obj_id(w, p);
		pcsim__trace(w, c, &pcsim__tk_store, obj, 0, val, size | fl, pcsim__mo_names[mo]);
	}
}

uint64_t pcsim__sim_load_np(struct pcsim__ctx *c, const void *p, unsigned size, enum pcsim_mo mo)
{
	pcsim__por_mem(c->w, p, size, PCSIM_POR_R);
	return mm_load_mo(c->w, c, p, size & 0xffu, mo);
}

void pcsim__sim_store_np(struct pcsim__ctx *c, void *p, unsigned size, uint64_t v,
			 enum pcsim_mo mo)
{
	unsigned fl = size & PCSIM_SZ_PTR;
	size &= 0xffu;
	pcsim__por_mem(c->w, p, size, PCSIM_POR_W);
	if (sc_dead_store(c->w, c, p, size))
		pcsim__sim_abort_exec(c->w);
	else
		pcsim__mm_store_mo(c->w, c, p, size | fl, v, mo);
}

uint64_t pcsim__sim_rmw(struct pcsim__ctx *c, void *p, unsigned size, enum pcsim_rmw_op op,
			uint64_t operand, uint64_t operand2, enum pcsim_mo mo)
{
	struct pcsim_world *w = c->w;
	bool write;
	unsigned fl = size & PCSIM_SZ_PTR;
	size &= 0xffu;
	pcsim__sim_point(w, c);
	if (__builtin_expect(w->ex.nforbid != 0, 0))
		forbid_check(w, c, p, size, true);
	pcsim__por_access(w, c, p, size, PCSIM_POR_RW, (int)op);
	/*
	 * A locked instruction: drains the store buffer and is atomic on memory (tso). weak: the
	 * same, reading the newest value; a fully ordered one is a full barrier on both sides,
	 * an acquire one raises the view to its own write, a relaxed one orders no later load.
	 */
	if (w->cfg.mem == PCSIM_MEM_TSO)
		pcsim__mm_drain(w, c->cpu);
	else if (is_weak(w) && mo == PCSIM_MO_FULL)
		pcsim__mm_full_barrier(w, c->cpu);
	else if (is_weak(w))
		pcsim__mm_drain(w, c->cpu);
	if (dead_frame_store(w, c, p, size))
		pcsim__sim_abort_exec(w);
	uint64_t old = pcsim__raw_load(p, size);
	uint64_t nv = pcsim__apply_rmw(old, op, operand, operand2, size, &write);
	if (is_weak(w)) {
		if (write)
			weak_record(w, c->cpu, p, size, nv, fl != 0);
		else
			(void)weak_read(w, c->cpu, p, size, false);	/* the newest */
		if (mo == PCSIM_MO_FULL)
			pcsim__mm_full_barrier(w, c->cpu);
		else if (mo == PCSIM_MO_ACQUIRE)
			weak_rmb(w, c->cpu);
	}
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
	if (f == PCSIM_FENCE_MB && w->cfg.mem == PCSIM_MEM_TSO) {
		pcsim__mm_drain(w, c->cpu);
	} else if (is_weak(w)) {
		/* smp_mb__{before,after}_atomic() count as full barriers (stronger than LKMM's
		 * "with the atomic next to it"). */
		if (f == PCSIM_FENCE_RMB)
			weak_rmb(w, c->cpu);
		else if (f == PCSIM_FENCE_WMB)
			weak_epoch(w, c->cpu);
		else
			pcsim__mm_full_barrier(w, c->cpu);
	}
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


/* ---------------------------------------------------------------------------------------------
 * The state hook of litmus-sized programs (src/litmus/run.c's visited-state cache): the part of
 * the world that decides the future of an execution, apart from what the program's own tasks
 * keep in their C state, as a list of 64-bit words that are equal for equal states. No word
 * holds an address (addresses become offsets into the caller's region), a step count or an
 * absolute timestamp (weak timestamps become their rank among those in the state, store epochs
 * the distance from their CPU's current epoch): only comparisons between timestamps and between
 * epochs of one CPU decide anything (weak_read, sb_may_flush), and a rank mapping keeps them.
 */

/* The declaration the litmus layer uses is in src/litmus/litmus_int.h (it cannot include this
 * directory's headers); this one keeps -Wmissing-prototypes content and must match it. */
int pcsim__mm_state_words(struct pcsim_world *w, const void *base, size_t len, uint64_t *out,
			  size_t cap);

struct sw_buf {
	uint64_t *out;
	size_t n, cap;
};

static inline void sw_put(struct sw_buf *b, uint64_t v)
{
	if (b->n < b->cap)
		b->out[b->n] = v;
	b->n++;
}

/* @p's offset in [base, base + len) plus one, or 0 when outside. */
static inline uint64_t sw_off(const void *base, size_t len, const void *p)
{
	uintptr_t a = (uintptr_t)p, lo = (uintptr_t)base;
	return a >= lo && a - lo < len ? (uint64_t)(a - lo) + 1 : 0;
}

static int sw_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* The rank of @ts among the sorted distinct @ranks[0..n). */
static uint64_t sw_rank(const uint64_t *ranks, size_t n, uint64_t ts)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (ranks[mid] < ts)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int sw_cmp_loc(const void *a, const void *b)
{
	const struct weak_loc *x = *(const struct weak_loc *const *)a;
	const struct weak_loc *y = *(const struct weak_loc *const *)b;
	uintptr_t ax = (uintptr_t)x->addr, ay = (uintptr_t)y->addr;
	return ax < ay ? -1 : ax > ay;
}

/*
 * pcsim__mm_state_words - the engine's part of the state of @w at a decision, for a program
 * whose shared objects all lie in [@base, @base + @len): per task (creation order) its run
 * state and the fields that decide what its next step does (fresh, yielding, the CPU it holds,
 * preemption, interrupts, RCU nesting, the spinlock it spins on, lockdep's held classes); the
 * lockdep graph; per CPU its store buffer (offset, size, value, relative epoch); under weak the
 * store histories of the region's locations (offset order) and the CPUs' views, timestamps as
 * ranks. Written to @out (at most @cap words).
 * Context: the sim backend, inside a strategy's decision (nothing changes state).
 * Return: the number of words (more than @cap: @out holds the first @cap; call again with room),
 * or -1 when the state is not one this hook can describe - something waits (a sleeping task,
 * an RCU grace period or callback, a pending event, an interrupt context), a forbidden range is
 * set, or a buffered store or a store history lies outside the region - and the caller must not
 * treat the state as known.
 */
int pcsim__mm_state_words(struct pcsim_world *w, const void *base, size_t len, uint64_t *out,
			  size_t cap)
{
	struct sw_buf b = { out, 0, cap };
	if (w->ex.pending || w->ex.rcu_cbs || w->ex.rcu_cbs_inflight || w->ex.ngp_waiters ||
	    w->ex.nforbid || w->ex.ninv)
		return -1;
	sw_put(&b, w->cfg.mem);
	sw_put(&b, w->ex.ntasks);
	for (unsigned i = 0; i < w->ex.ntasks; i++) {
		const struct pcsim_task *t = w->tasks[i];
		const struct pcsim__ctx *c = &t->ctx;
		if (c->run == CR_SLEEPING || t->gp || t->gp_waiting || t->barrier_waiting ||
		    t->task_works || t->sigpending)
			return -1;
		uint64_t spin = 0;
		if (c->run == CR_SPINNING && !(spin = sw_off(base, len, c->spin_on)))
			return -1;
		uint64_t flags = (uint64_t)c->run | (uint64_t)c->fresh << 8 |
				 (uint64_t)c->yielding << 9 | (uint64_t)(w->ex.yielder == c) << 10 |
				 (uint64_t)c->irqs_off << 11 |
				 (uint64_t)(w->cpus[c->cpu].curr == c) << 12;
		sw_put(&b, flags | (uint64_t)c->cpu << 16 | (uint64_t)c->nheld << 32);
		sw_put(&b, (uint64_t)(uint32_t)c->preempt_count |
				   (uint64_t)(uint32_t)c->rcu_nesting << 32);
		sw_put(&b, spin);
		for (unsigned h = 0; h < c->nheld && h < PCSIM_MAX_HELD; h++)
			sw_put(&b, c->held[h]);
	}
	/* lockdep: the classes in use, their usage and the dependencies found so far */
	sw_put(&b, w->ex.nclasses);
	for (unsigned i = 1; i <= w->ex.nclasses && i < PCSIM_MAX_CLASSES; i++) {
		sw_put(&b, w->classes[i].usage);
		for (unsigned j = 0; j <= w->ex.nclasses / 64 && j < PCSIM_MAX_CLASSES / 64; j++)
			sw_put(&b, w->deps[i][j]);
	}
	const struct pcsim__weak *k = NULL;
	if (is_weak(w) && w->weak && w->weak->gen == w->exec_gen)
		k = w->weak;
	for (unsigned cpu = 0; cpu < w->cfg.ncpus; cpu++) {
		const struct pcsim__cpu *cp = &w->cpus[cpu];
		if (cp->irq)
			return -1;
		uint32_t ep = k ? k->cpu[cpu].epoch : 0;
		sw_put(&b, cp->sb_len);
		for (unsigned i = 0; i < cp->sb_len; i++) {
			const struct sb_entry *e = &cp->sb[(cp->sb_head + i) % PCSIM_SB_MAX];
			uint64_t off = sw_off(base, len, e->addr);
			if (!off || e->ptr)
				return -1;
			sw_put(&b, off | (uint64_t)e->size << 48);
			sw_put(&b, e->val);
			sw_put(&b, is_weak(w) ? (uint32_t)(ep - e->epoch) : 0);
		}
	}
	if (!k)
		return b.n > (size_t)INT32_MAX ? -1 : (int)b.n;
	/* weak: the tracked locations, in offset order, and the timestamps as ranks */
	size_t nloc = 0, nts = 0;
	for (size_t i = 0; i < k->cap; i++)
		if (k->tab[i].gen == k->gen && k->tab[i].n)
			nloc++;
	const struct weak_loc **locs = malloc((nloc ? nloc : 1) * sizeof(*locs));
	uint64_t *ranks = malloc((nloc * WEAK_HIST + 3 * PCSIM_MAX_CPUS + 2) * sizeof(*ranks));
	if (!locs || !ranks) {
		free(locs);
		free(ranks);
		return -1;
	}
	nloc = 0;
	ranks[nts++] = 0;
	ranks[nts++] = k->ts;
	for (unsigned cpu = 0; cpu < w->cfg.ncpus; cpu++) {
		ranks[nts++] = k->cpu[cpu].view;
		ranks[nts++] = k->cpu[cpu].seen;
		ranks[nts++] = k->cpu[cpu].last;
	}
	for (size_t i = 0; i < k->cap; i++) {
		const struct weak_loc *l = &k->tab[i];
		if (l->gen != k->gen || !l->n)
			continue;
		if (!sw_off(base, len, l->addr)) {
			free(locs);
			free(ranks);
			return -1;
		}
		locs[nloc++] = l;
		for (unsigned h = 0; h < l->n; h++)
			ranks[nts++] = l->h[h].ts;
	}
	qsort(ranks, nts, sizeof(*ranks), sw_cmp_u64);
	size_t nr = 0;
	for (size_t i = 0; i < nts; i++)
		if (!nr || ranks[nr - 1] != ranks[i])
			ranks[nr++] = ranks[i];
	qsort(locs, nloc, sizeof(*locs), sw_cmp_loc);
	sw_put(&b, sw_rank(ranks, nr, k->ts));
	for (unsigned cpu = 0; cpu < w->cfg.ncpus; cpu++) {
		sw_put(&b, sw_rank(ranks, nr, k->cpu[cpu].view));
		sw_put(&b, sw_rank(ranks, nr, k->cpu[cpu].seen));
		sw_put(&b, sw_rank(ranks, nr, k->cpu[cpu].last));
	}
	sw_put(&b, nloc);
	for (size_t i = 0; i < nloc; i++) {
		const struct weak_loc *l = locs[i];
		sw_put(&b, sw_off(base, len, l->addr) | (uint64_t)l->size << 48 |
				   (uint64_t)l->n << 56);
		for (unsigned h = 0; h < l->n; h++) {
			sw_put(&b, sw_rank(ranks, nr, l->h[h].ts) | (uint64_t)l->h[h].ptr << 63);
			sw_put(&b, l->h[h].val);
			sw_put(&b, l->h[h].seen);
		}
	}
	free(locs);
	free(ranks);
	return b.n > (size_t)INT32_MAX ? -1 : (int)b.n;
}
