// SPDX-License-Identifier: MIT
/*
 * snap.c - prefix restore for the sim backend: a copy of the whole state of an execution at a
 * decision, and a later execution started from it (docs/explore.md, "Prefixes are restored").
 * Models no kernel function: it is the engine's own, a checkpoint of a stack-copying
 * coroutine system.
 *
 * A snapshot is taken from inside a strategy's pick, on the stack of the context being
 * decided for. That context switches to a fiber of the world's own (the snapper), so that
 * every context of the execution is suspended with its registers on its stack and its stack
 * pointer in its fiber; the snapper copies the state and switches back. The state is: the
 * execution's engine fields (w->ex, the CPUs, store buffers, tasks, events, forbidden ranges,
 * invariants, layer states, lockdep's classes and dependencies, the options kept, the choice
 * log, the object numbering), the arena's chunks up to their use, and each stack in use from
 * its fiber's stack pointer up. Addresses stay what they were: arena chunks and stacks are
 * never given back to the system while a world lives (a stack given back on a failed
 * allocation makes the snapshots taken before unusable: w->stacks_freed), so the restore
 * takes the same chunks and stacks out of their free lists and copies the bytes back.
 *
 * The restore runs in the main context after the execution's reset and the strategy's begin:
 * it copies everything back and switches to the context that took the snapshot, which
 * returns from pcsim__snap_take() with 1 into the decision it was taking; the strategy
 * answers for the new execution. The execution then ends as any other, in the main context.
 *
 * What is not in the world cannot be restored, so only programs that say their state is all
 * in it (pcsim_state_in_world()) are snapshotted, and nothing is while a trace is being
 * written, the partial-order recorder runs, the weak memory mode keeps its histories, exec
 * cleanups hold memory outside the arena, --coverage counts, or invariants of every step may
 * count their calls: the execution is then replayed as before. ThreadSanitizer follows each
 * fiber's calls and returns, which a copied stack would break: no snapshots in TSan builds.
 * Under AddressSanitizer, stacks are read without the instrumentation (live frames carry
 * redzones) and a restored stack is unpoisoned as a new fiber's is.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcsim/cover.h"
#include "sim/fiber.h"
#include "sim/sim.h"

#if defined(PCSIM_FIBER_ASM) && !defined(PCSIM_TSAN)
#define SNAP_OK 1
#else
#define SNAP_OK 0
#endif

struct pcsim__snap {
	bool valid;
	const struct pcsim_world *w; /* taken in this world */
	uint64_t stacks_freed;	     /* w->stacks_freed then */
	struct pcsim__ctx *cur;	     /* the context that took it */
	unsigned char *buf;
	size_t len, cap;
	bool oom;
};

#define SNAPPER_STACK (64u * 1024u)

struct pcsim__snapper {
	struct pcsim__fiber fib;
	void *stack;
	struct pcsim_world *w;
	struct pcsim__snap *snap;  /* to fill */
	struct pcsim__fiber *back; /* who asked */
	bool ok;
};

static atomic_ulong snaps_made; /* pcsim__snap_new()'s calls, for pcsim__snap_made() */

struct pcsim__snap *pcsim__snap_new(void)
{
	atomic_fetch_add_explicit(&snaps_made, 1, memory_order_relaxed);
	return calloc(1, sizeof(struct pcsim__snap));
}

unsigned long pcsim__snap_made(void)
{
	return atomic_load_explicit(&snaps_made, memory_order_relaxed);
}

void pcsim__snap_free(struct pcsim__snap *s)
{
	if (s) {
		free(s->buf);
		free(s);
	}
}

void pcsim__snap_world_free(struct pcsim_world *w)
{
	struct pcsim__snapper *sp = w->snapper;
	if (!sp)
		return;
	pcsim__stack_free(sp->stack, SNAPPER_STACK);
	free(sp);
	w->snapper = NULL;
}

size_t pcsim__snap_bytes(const struct pcsim__snap *s)
{
	return s ? sizeof(*s) + s->cap : 0;
}

bool pcsim__snap_usable(const struct pcsim_world *w, const struct pcsim__snap *s)
{
	return s && s->valid && s->w == w && s->stacks_freed == w->stacks_freed && !w->tracing;
}

/* ---- the byte stream */

static void *put_room(struct pcsim__snap *s, size_t n)
{
	if (s->len + n > s->cap) {
		size_t ncap = s->cap ? s->cap : 64 * 1024;
		while (ncap < s->len + n)
			ncap *= 2;
		unsigned char *nb = realloc(s->buf, ncap);
		if (!nb) {
			s->oom = true;
			return NULL;
		}
		s->buf = nb;
		s->cap = ncap;
	}
	void *p = s->buf + s->len;
	s->len += n;
	return p;
}

static void put(struct pcsim__snap *s, const void *p, size_t n)
{
	void *d = put_room(s, n);
	if (d && n)
		memcpy(d, p, n);
}

#define PUT(s, v) put((s), &(v), sizeof(v))

static void get(const struct pcsim__snap *s, size_t *off, void *p, size_t n)
{
	if (n)
		memcpy(p, s->buf + *off, n);
	*off += n;
}

#define GET(s, off, v) get((s), (off), &(v), sizeof(v))

/*
 * A live frame's redzones are poisoned under ASan: a stack is read and written word by word,
 * without the instrumentation (and not through memcpy(), which ASan checks).
 */
#if defined(PCSIM_ASAN)
__attribute__((no_sanitize_address, noinline)) static void stack_copy(void *dst, const void *src,
								      size_t n)
{
	volatile unsigned char *d = dst;
	const volatile unsigned char *p = src;
	for (size_t i = 0; i < n; i++)
		d[i] = p[i];
}
#else
static void stack_copy(void *dst, const void *src, size_t n)
{
	memcpy(dst, src, n);
}
#endif

/* The fiber whose stack is @stack: a task's, an interrupt context's running on a CPU, or the
 * running context's (an interrupt context that returned decides what runs next on its own
 * stack before it leaves it). */
static const struct pcsim__fiber *stack_fiber(const struct pcsim_world *w, const void *stack)
{
	if (w->ex.cur && w->ex.cur->fib.stack == stack)
		return &w->ex.cur->fib;
	for (unsigned i = 0; i < w->ex.ntasks; i++)
		if (w->tasks[i]->ctx.fib.stack == stack)
			return &w->tasks[i]->ctx.fib;
	for (unsigned c = 0; c < w->cfg.ncpus; c++)
		if (w->cpus[c].irq && w->cpus[c].irq->fib.stack == stack)
			return &w->cpus[c].irq->fib;
	return NULL;
}

/*
 * The engine's state beside w->ex that is plain memory, its sizes given by w->ex: saved into
 * @to, or (@to NULL) restored from @from at *@off. One list for both directions, so that they
 * cannot drift apart. (The restore has checked that the growable arrays hold them.)
 */
static void plain_sections(struct pcsim_world *w, struct pcsim__snap *to,
			   const struct pcsim__snap *from, size_t *off)
{
	const struct pcsim__exec *ex = &w->ex;
	struct {
		void *p;
		size_t n;
	} sec[] = {
		{w->cpus, w->cfg.ncpus * sizeof(w->cpus[0])},
		{w->sb_store, pcsim__mm_buffered(w) ? w->cfg.ncpus * sizeof(w->sb_store[0]) : 0},
		{w->tasks, ex->ntasks * sizeof(w->tasks[0])},
		{w->events, ex->nevents * sizeof(w->events[0])},
		{w->forbid, ex->nforbid * sizeof(w->forbid[0])},
		{w->inv, ex->ninv * sizeof(w->inv[0])},
		{w->layers, ex->nlayers * sizeof(w->layers[0])},
		{w->classes, (ex->nclasses + 1) * sizeof(w->classes[0])},
		{w->deps, (ex->nclasses + 1) * sizeof(w->deps[0])},
		{w->opts, ex->opts_n * sizeof(w->opts[0])},
		{w->log, ex->nlog * sizeof(w->log[0])},
	};
	for (size_t i = 0; i < sizeof(sec) / sizeof(sec[0]); i++) {
		if (to)
			put(to, sec[i].p, sec[i].n);
		else
			get(from, off, sec[i].p, sec[i].n);
	}
	/* the task structures, through w->tasks (just restored, when restoring) */
	for (unsigned i = 0; i < ex->ntasks; i++) {
		if (to)
			put(to, w->tasks[i], sizeof(*w->tasks[i]));
		else
			get(from, off, w->tasks[i], sizeof(*w->tasks[i]));
	}
}

/* ---- taking one (on the snapper's fiber: every context of the execution is suspended) */

static bool snap_save(struct pcsim_world *w, struct pcsim__snap *s)
{
	s->len = 0;
	s->oom = false;
	PUT(s, w->exec_gen);
	PUT(s, w->ex);
	size_t nchunks = 0;
	for (const struct arena_chunk *c = w->arena; c; c = c->next)
		nchunks++;
	PUT(s, nchunks);
	for (struct arena_chunk *c = w->arena; c; c = c->next) {
		PUT(s, c);
		PUT(s, c->used);
		put(s, c->data, c->used);
	}
	plain_sections(w, s, NULL, NULL);
	/* the object numbering: its entries (the table is rebuilt), and the names by id */
	size_t nent = 0;
	for (size_t i = 0; i < w->objcap; i++)
		nent += w->objs[i].addr != NULL;
	PUT(s, w->nobj);
	PUT(s, nent);
	for (size_t i = 0; i < w->objcap; i++)
		if (w->objs[i].addr)
			PUT(s, w->objs[i]);
	size_t nnames =
		w->objnames ? (w->nobj + 1 < w->objnames_cap ? w->nobj + 1 : w->objnames_cap) : 0;
	PUT(s, nnames);
	put(s, w->objnames, nnames * sizeof(w->objnames[0]));
	/* the stacks in use, and each one's live part */
	PUT(s, w->nstacks_used);
	put(s, w->stacks_used, w->nstacks_used * sizeof(w->stacks_used[0]));
	for (unsigned i = 0; i < w->nstacks_used; i++) {
		const struct pcsim__fiber *f = stack_fiber(w, w->stacks_used[i]);
		if (!f)
			return false; /* a stack nobody is known to own */
		uintptr_t lo = f->sp ? (uintptr_t)f->sp : (uintptr_t)f->top;
		uintptr_t hi = (uintptr_t)f->top;
		if (lo > hi || lo < (uintptr_t)f->stack)
			return false;
		size_t n = hi - lo;
		PUT(s, lo);
		PUT(s, n);
		void *d = put_room(s, n);
		if (d)
			stack_copy(d, (const void *)lo, n);
	}
	return !s->oom;
}

static void snapper_entry(void *arg)
{
	struct pcsim__snapper *sp = arg;
	pcsim__fiber_started(sp->back);
	for (;;) {
		sp->ok = snap_save(sp->w, sp->snap);
		pcsim__fiber_switch(&sp->fib, sp->back, false);
	}
}

/* Can the state of @w be restored later, from here? */
static bool snap_allowed(const struct pcsim_world *w)
{
	const struct pcsim__exec *ex = &w->ex;
	return SNAP_OK && pcsim__sim_direct(w) && ex->state_in_world && !w->tracing && !w->por &&
	       w->cfg.mem != PCSIM_MEM_WEAK && !w->weak && ex->cur && !ex->in_finish &&
	       ex->outcome == PCSIM_OUTCOME_OK && !ex->ninv_every && !ex->cleanups &&
	       !w->dead_stack && !w->escape && !pcsim_cover_enabled();
}

int pcsim__snap_take(struct pcsim_world *w, struct pcsim__snap *s)
{
	if (!snap_allowed(w))
		return -1;
	struct pcsim__ctx *cur = w->ex.cur;
	/* on the running context's own stack (not an engine action's, nor the main context) */
	uintptr_t here = (uintptr_t)__builtin_frame_address(0);
	if (!cur->fib.stack || here < (uintptr_t)cur->fib.stack ||
	    here >= (uintptr_t)cur->fib.stack + cur->fib.stack_size)
		return -1;
	struct pcsim__snapper *sp = w->snapper;
	if (!sp) {
		sp = calloc(1, sizeof(*sp));
		if (!sp)
			return -1;
		sp->stack = pcsim__stack_alloc(SNAPPER_STACK);
		if (!sp->stack) {
			free(sp);
			return -1;
		}
		sp->w = w;
		pcsim__fiber_init(&sp->fib, sp->stack, SNAPPER_STACK, snapper_entry, sp);
		w->snapper = sp;
	}
	s->valid = false;
	sp->snap = s;
	sp->back = &cur->fib;
	w->snap_resumed = false;
	/* NULL while an engine action runs on @cur's stack (a signal's delivery): kept here,
	 * on the stack the snapshot holds, for the resumed execution */
	struct pcsim__ctx *const tls = pcsim__tls_ctx;
	pcsim__fiber_switch(&cur->fib, &sp->fib, false);
	if (w->snap_resumed) {
		/* restored (pcsim__snap_run()): a new execution goes on from here */
		w->snap_resumed = false;
		pcsim__tls_ctx = tls;
		return 1;
	}
	if (!sp->ok)
		return -1;
	s->valid = true;
	s->w = w;
	s->stacks_freed = w->stacks_freed;
	s->cur = cur;
	return 0;
}

/* ---- restoring one (the main context, after the reset and the strategy's begin) */

/* Take @c out of the arena's free list. */
static bool chunk_take(struct pcsim_world *w, struct arena_chunk *c)
{
	for (struct arena_chunk **pp = &w->arena_free; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			return true;
		}
	}
	return false;
}

/* Take @stack out of the stack pool. */
static bool stack_take(struct pcsim_world *w, void *stack)
{
	for (unsigned i = 0; i < w->nstack_pool; i++) {
		if (w->stack_pool[i] == stack) {
			memmove(&w->stack_pool[i], &w->stack_pool[i + 1],
				(w->nstack_pool - i - 1) * sizeof(w->stack_pool[0]));
			w->nstack_pool--;
			return true;
		}
	}
	return false;
}

static PCSIM_NORETURN void restore_broken(const char *what)
{
	/* Only a bug of the engine gets here: the snapshot's world is this one, and nothing
	 * it names has been given back since (pcsim__snap_usable()). */
	fprintf(stderr, "pcsim: internal error: a snapshot cannot be restored: %s\n", what);
	abort();
}

void pcsim__snap_run(struct pcsim_world *w)
{
	const struct pcsim__snap *s = w->restore;
	size_t off = 0;
	pcsim__sim_exec_start(w);
	/* what the reset and the strategy's begin set for this execution */
	const struct pcsim__exec fresh = w->ex;
	GET(s, &off, w->exec_gen);
	GET(s, &off, w->ex);
	w->ex.index = fresh.index;
	w->ex.inv_from = fresh.inv_from;
	w->ex.pfx = fresh.pfx;
	w->ex.npfx = fresh.npfx;
	w->ex.pfx_log = fresh.pfx_log;
	const struct pcsim__exec *ex = &w->ex;
	size_t nchunks;
	GET(s, &off, nchunks);
	struct arena_chunk **tail = &w->arena;
	for (size_t i = 0; i < nchunks; i++) {
		struct arena_chunk *c;
		GET(s, &off, c);
		if (!chunk_take(w, c))
			restore_broken("an arena chunk is not free");
		GET(s, &off, c->used);
		get(s, &off, c->data, c->used);
		c->next = NULL;
		*tail = c;
		tail = &c->next;
	}
	if (ex->nevents > w->events_cap)
		restore_broken("the events array shrank");
	if (ex->nlog > w->caplog)
		restore_broken("the choice log shrank");
	plain_sections(w, NULL, s, &off);
	size_t nent, nnames;
	GET(s, &off, w->nobj);
	GET(s, &off, nent);
	if (nent && nent * 2 > w->objcap)
		restore_broken("the object table shrank");
	for (size_t i = 0; i < nent; i++) {
		struct objmap_ent e;
		GET(s, &off, e);
		pcsim__obj_insert(w, e.addr, e.id);
	}
	GET(s, &off, nnames);
	if (nnames > w->objnames_cap)
		restore_broken("the object names shrank");
	get(s, &off, w->objnames, nnames * sizeof(w->objnames[0]));
	unsigned nused;
	GET(s, &off, nused);
	if (nused > w->stacks_used_cap)
		restore_broken("the stack list shrank");
	get(s, &off, w->stacks_used, nused * sizeof(w->stacks_used[0]));
	w->nstacks_used = nused;
	for (unsigned i = 0; i < nused; i++) {
		if (!stack_take(w, w->stacks_used[i]))
			restore_broken("a stack is not in the pool");
		uintptr_t lo;
		size_t n;
		GET(s, &off, lo);
		GET(s, &off, n);
		pcsim__stack_restored(w->stacks_used[i], w->cfg.stack_size);
		stack_copy((void *)lo, s->buf + off, n);
		off += n;
	}
	if (off != s->len)
		restore_broken("the snapshot was not read to its end");
	w->snap_resumed = true;
	pcsim__sim_run_restored(w, s->cur);
}
