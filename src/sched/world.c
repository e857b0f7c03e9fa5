// SPDX-License-Identifier: MIT
/*
 * world.c - worlds, configuration, per-execution arena, violations, invariants, labels.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sched_int.h"

_Thread_local struct pcsim__ctx *pcsim__tls_ctx PCSIM_TLS_IE;
_Thread_local struct pcsim_world *pcsim__tls_world PCSIM_TLS_IE;

const struct pcsim_config *pcsim_world_config(const struct pcsim_world *w)
{
	return &w->cfg;
}

struct pcsim_world *pcsim_world_current(void)
{
	return cur_world();
}

uint64_t pcsim_world_step(const struct pcsim_world *w)
{
	return w->ex.step;
}

void pcsim__config_normalize(struct pcsim_config *cfg)
{
	if (cfg->ncpus == 0)
		cfg->ncpus = 1;
	if (cfg->store_buffer_size == 0 || cfg->store_buffer_size > PCSIM_SB_MAX)
		cfg->store_buffer_size = PCSIM_SB_MAX;
}

int pcsim__world_init(struct pcsim_world *w, const struct pcsim_config *cfg)
{
	memset(w, 0, sizeof(*w));
	w->cfg = *cfg;
	pcsim__config_normalize(&w->cfg);
	w->ops = cfg->backend == PCSIM_BACKEND_THREADS ? &pcsim__threads_ops : &pcsim__sim_ops;
	for (unsigned c = 0; c < PCSIM_MAX_CPUS; c++)
		w->cpus[c].sb = w->sb_store[c];
	w->tracing = cfg->trace;
	w->checks_inv = (cfg->checks & PCSIM_CHECK_INVARIANTS) != 0;
	w->checks_lockdep = (cfg->checks & PCSIM_CHECK_LOCKDEP) != 0;
	w->checks_atomic = (cfg->checks & PCSIM_CHECK_ATOMIC) != 0;
	return w->ops->world_init(w);
}

static void arena_free_all(struct arena_chunk *c)
{
	while (c) {
		struct arena_chunk *n = c->next;
		free(c);
		c = n;
	}
}

void pcsim__world_destroy(struct pcsim_world *w)
{
	w->ops->world_destroy(w);
	pcsim__snap_world_free(w);
	pcsim__exec_release(w);
	arena_free_all(w->arena);
	arena_free_all(w->arena_free);
	free(w->stack_pool);
	free(w->stacks_used);
	free(w->events);
	free(w->log);
	free(w->tr);
	free(w->objs);
	free(w->objnames);
	for (unsigned i = 0; i < PCSIM_MAX_TASKS; i++)
		free(w->task_slots[i]);
}

/* ---------------------------------------------------------------------------------------------
 * Per-execution arena: bump allocation in chunks, recycled between executions.
 */
#define ARENA_CHUNK (64u * 1024u)

/*
 * Out of memory in an execution: the execution ends with PCSIM_OUTCOME_INTERNAL. From a sim
 * task or atomic context the call does not return (the execution is abandoned, as for a
 * violation); from setup, finish or the threads backend it returns NULL after marking the
 * outcome (the engine runs no task of an execution whose setup failed).
 */
static void *alloc_failed(struct pcsim_world *w, size_t size)
{
	pcsim__world_lock(w);
	pcsim__failf(w, PCSIM_OUTCOME_INTERNAL, "out-of-memory",
		     "pcsim_alloc(%zu bytes): out of memory (the per-allocation limit is %zu bytes)",
		     size, (size_t)PCSIM_ALLOC_MAX);
	pcsim__world_unlock(w);
	w->ops->violation(w);
	pcsim__setup_escape(w);
	return NULL;
}

void *pcsim_alloc(struct pcsim_world *w, size_t size)
{
	if (!w)
		return NULL;
	/* Checked before the rounding below, which would wrap for sizes near SIZE_MAX. */
	if (size > PCSIM_ALLOC_MAX)
		return alloc_failed(w, size);
	size_t asked = size;
	size = (size + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
	pcsim__world_lock(w);
	struct arena_chunk *c = w->arena;
	if (!c || c->used + size > c->size) {
		size_t want = size > ARENA_CHUNK ? size : ARENA_CHUNK;
		struct arena_chunk **pp = &w->arena_free;
		c = NULL;
		while (*pp) {
			if ((*pp)->size >= want) {
				c = *pp;
				*pp = c->next;
				break;
			}
			pp = &(*pp)->next;
		}
		if (!c) {
			c = malloc(sizeof(*c) + want);
			if (!c) {
				pcsim__world_unlock(w);
				return alloc_failed(w, asked);
			}
			c->size = want;
		}
		c->used = 0;
		c->next = w->arena;
		w->arena = c;
	}
	void *p = (char *)c->data + c->used;
	c->used += size;
	pcsim__world_unlock(w);
	memset(p, 0, size);
	return p;
}

void pcsim_state_in_world(struct pcsim_world *w)
{
	if (w)
		w->ex.state_in_world = true;
}

char *pcsim__strdup_arena(struct pcsim_world *w, const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = pcsim_alloc(w, n);
	if (d)
		memcpy(d, s, n);
	return d;
}

#if defined(__clang__)
__attribute__((noinline))
#else
__attribute__((noipa))	/* no clone for a constant size either */
#endif
void pcsim__zero(void *p, size_t n)
{
	memset(p, 0, n);
}

/* Reset the per-execution state; keeps allocations for reuse. */
void pcsim__exec_reset(struct pcsim_world *w)
{
	/* Recycle arena chunks. */
	if (w->arena) {
		struct arena_chunk *c = w->arena;
		while (c->next)
			c = c->next;
		c->next = w->arena_free;
		w->arena_free = w->arena;
		w->arena = NULL;
	}
	w->exec_gen++;
	w->restore = NULL;
	_Static_assert(PCSIM_OUTCOME_OK == 0, "a zeroed execution has no outcome yet");
	pcsim__zero(&w->ex, sizeof(w->ex));
	w->what[0] = 0;
	w->msg[0] = 0;
	for (unsigned c = 0; c < w->cfg.ncpus; c++) {
		/* Store-buffer slots are dead while sb_len is 0: no need to clear them. */
		w->cpus[c].curr = NULL;
		w->cpus[c].irq = NULL;
		w->cpus[c].tasks = NULL;
		w->cpus[c].tasks_tail = &w->cpus[c].tasks;
		memset(w->cpus[c].rq, 0, sizeof(w->cpus[c].rq));
		w->cpus[c].sb_head = w->cpus[c].sb_len = 0;
		w->cpus[c].flush_prio = 0;
	}
	pcsim__trace_reset(w);
}

void pcsim__exec_release(struct pcsim_world *w)
{
	(void)w;
}

/* ---------------------------------------------------------------------------------------------
 * Violations
 */
/* snprintf(@dst, @size, "%s", @src) without the formatting machinery (glibc's "(null)"). */
static void copy_trunc(char *dst, size_t size, const char *src)
{
	if (!src)
		src = "(null)";
	size_t n = strnlen(src, size - 1);
	memcpy(dst, src, n);
	dst[n] = 0;
}

void pcsim__vfail(struct pcsim_world *w, enum pcsim_outcome o, const char *what,
		  const char *fmt, va_list ap)
{
	if (w->ex.outcome != PCSIM_OUTCOME_OK)
		return;		/* keep the first report */
	w->ex.outcome = o;
	/* the sim dispatch loop's one test for a budget, a watchdog and an outcome (sched_int.h) */
	__atomic_store_n(&w->wd_pulse.limit, 0, __ATOMIC_RELAXED);
	copy_trunc(w->what, sizeof(w->what), what);
	/* "%s" (the deferred deadlock report, every execution that ends in one): a copy, not a
	 * formatting pass; the text is the same as vsnprintf()'s. */
	if (fmt[0] == '%' && fmt[1] == 's' && !fmt[2])
		copy_trunc(w->msg, sizeof(w->msg), va_arg(ap, const char *));
	else
		vsnprintf(w->msg, sizeof(w->msg), fmt, ap);
	w->ex.fail_step = w->ex.step;
	struct pcsim__ctx *c = pcsim__tls_ctx;
	if (w->tracing)
		pcsim__trace(w, c, &pcsim__tk_fail, 0, 0, 0, 0, pcsim_trace_intern(w, w->what));
}

void pcsim__failf(struct pcsim_world *w, enum pcsim_outcome o, const char *what, const char *fmt,
		  ...)
{
	va_list ap;
	va_start(ap, fmt);
	pcsim__vfail(w, o, what, fmt, ap);
	va_end(ap);
}

/* pcsim_fail() and pcsim_fail_internal(): report @what with outcome @o and stop (sim). */
static void vfail_stop(enum pcsim_outcome o, const char *what, const char *fmt, va_list ap)
{
	struct pcsim_world *w = cur_world();
	if (!w) {
		fprintf(stderr, "pcsim: %s outside a world: ", what);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
		return;
	}
	pcsim__world_lock(w);
	pcsim__vfail(w, o, what, fmt, ap);
	pcsim__world_unlock(w);
	/* sim: stop the execution now; threads: the first report is kept and the call returns. */
	w->ops->violation(w);
}

void pcsim_fail(const char *what, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail_stop(PCSIM_OUTCOME_VIOLATION, what, fmt, ap);
	va_end(ap);
}

void pcsim_fail_internal(const char *what, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail_stop(PCSIM_OUTCOME_INTERNAL, what, fmt, ap);
	va_end(ap);
}

void *pcsim_world_layer(struct pcsim_world *w, const void *key, size_t size, bool *fresh)
{
	pcsim__world_lock(w);
	void *data = NULL;
	for (unsigned i = 0; i < w->ex.nlayers; i++)
		if (w->layers[i].key == key) {
			data = w->layers[i].data;
			break;
		}
	bool isnew = !data;
	if (isnew) {
		/* The global lock is recursive, so the allocation happens under it: two threads
		 * cannot both create the layer. */
		if (w->ex.nlayers == sizeof(w->layers) / sizeof(w->layers[0])) {
			/* The execution ends (internal); the caller still gets usable storage,
			 * unregistered, when it is setup and the call returns. */
			pcsim__failf(w, PCSIM_OUTCOME_INTERNAL, "too-many-layers",
				     "pcsim_world_layer: more than %zu model layers in one world",
				     sizeof(w->layers) / sizeof(w->layers[0]));
			pcsim__world_unlock(w);
			w->ops->violation(w);
			if (fresh)
				*fresh = true;
			return pcsim_alloc(w, size);
		}
		data = pcsim_alloc(w, size);
		w->layers[w->ex.nlayers].key = key;
		w->layers[w->ex.nlayers].data = data;
		w->ex.nlayers++;
	}
	pcsim__world_unlock(w);
	if (fresh)
		*fresh = isnew;
	return data;
}

/*
 * Cleanup hooks: a singly linked list in arena memory, pushed at the head, so the hooks run
 * last registered first (a layer built on another is torn down before it) and the list itself
 * goes away with the arena.
 */
struct pcsim__cleanup {
	void (*fn)(struct pcsim_world *w, void *arg);
	void *arg;
	struct pcsim__cleanup *next;
};

int pcsim_exec_cleanup_register(struct pcsim_world *w, void (*fn)(struct pcsim_world *w, void *arg),
				void *arg)
{
	if (!w || !fn)
		return -EINVAL;
	struct pcsim__cleanup *c = pcsim_alloc(w, sizeof(*c));
	c->fn = fn;
	c->arg = arg;
	pcsim__world_lock(w);
	c->next = w->ex.cleanups;
	w->ex.cleanups = c;
	pcsim__world_unlock(w);
	return 0;
}

void pcsim__exec_cleanups_run(struct pcsim_world *w)
{
	struct pcsim__cleanup *c = w->ex.cleanups;
	if (!c)
		return;		/* the usual case: nothing registered, no backend to ask */
	w->ex.cleanups = NULL;
	/*
	 * Threads of an execution that could not be torn down may still use what the hooks would
	 * free: leave it allocated, as pcsim__thr_world_destroy() leaves the arena.
	 */
	if (w->ops->hung(w))
		return;
	for (; c; c = c->next)
		c->fn(w, c->arg);
}

static int invariant_register(struct pcsim_world *w, const char *name,
			      int (*fn)(struct pcsim_world *w, void *arg), void *arg,
			      bool every_step)
{
	if (!w || !fn)
		return -EINVAL;
	if (w->ex.ninv >= PCSIM_MAX_INVARIANTS)
		return -ENOSPC;
	w->inv[w->ex.ninv].name = name;
	w->inv[w->ex.ninv].fn = fn;
	w->inv[w->ex.ninv].arg = arg;
	w->inv[w->ex.ninv].every_step = every_step;
	w->ex.ninv++;
	w->ex.ninv_every += every_step;
	return 0;
}

int pcsim_invariant_register(struct pcsim_world *w, const char *name,
			     int (*fn)(struct pcsim_world *w, void *arg), void *arg)
{
	return invariant_register(w, name, fn, arg, true);
}

int pcsim_state_invariant_register(struct pcsim_world *w, const char *name,
				   int (*fn)(struct pcsim_world *w, void *arg), void *arg)
{
	return invariant_register(w, name, fn, arg, false);
}

void pcsim__run_invariants(struct pcsim_world *w, bool replayed)
{
	for (unsigned i = 0; i < w->ex.ninv; i++) {
		if (replayed && !w->inv[i].every_step)
			continue;	/* checked in the execution whose prefix this is */
		if (w->inv[i].fn(w, w->inv[i].arg) != 0 && w->ex.outcome == PCSIM_OUTCOME_OK)
			pcsim__failf(w, PCSIM_OUTCOME_VIOLATION, w->inv[i].name,
				     "invariant %s does not hold", w->inv[i].name);
		if (w->ex.outcome != PCSIM_OUTCOME_OK)
			w->ops->violation(w);
	}
}

/* ---------------------------------------------------------------------------------------------
 * Context helpers and labels
 */
struct pcsim__ctx *pcsim__ctx_by_id(struct pcsim_world *w, uint32_t id)
{
	if (id >= 1 && id <= w->ex.ntasks)
		return &w->tasks[id - 1]->ctx;
	if (id > PCSIM_IRQ_CTX_BASE && id - PCSIM_IRQ_CTX_BASE <= w->ex.nevents &&
	    w->events[id - PCSIM_IRQ_CTX_BASE - 1])	/* NULL: reused (sim/sched.c) */
		return w->events[id - PCSIM_IRQ_CTX_BASE - 1]->ctx;
	return NULL;
}

const char *pcsim__ctx_label(const struct pcsim_world *w, uint32_t id, char *buf, size_t len)
{
	if (id == 0)
		snprintf(buf, len, "-");
	else if (id <= w->ex.ntasks && id < PCSIM_IRQ_CTX_BASE)
		snprintf(buf, len, "T%u %s", id, w->tasks[id - 1]->name);
	else if (id > PCSIM_IRQ_CTX_BASE && id - PCSIM_IRQ_CTX_BASE <= w->ex.nevents)
		snprintf(buf, len, "E%u %s", id - PCSIM_IRQ_CTX_BASE,
			 w->events[id - PCSIM_IRQ_CTX_BASE - 1]
				 ? w->events[id - PCSIM_IRQ_CTX_BASE - 1]->name
				 : "(returned)");
	else
		snprintf(buf, len, "?%u", id);
	return buf;
}

const char *pcsim_trace_ctx_label(const struct pcsim_world *w, uint32_t ctx, char *buf,
				  size_t len)
{
	return pcsim__ctx_label(w, ctx, buf, len);
}


void pcsim__dump_blocked(struct pcsim_world *w, char *buf, size_t len)
{
	size_t off = 0;
	char lb[64];
	for (unsigned i = 0; i < w->ex.ntasks && off < len; i++) {
		struct pcsim_task *t = w->tasks[i];
		const char *what;
		if (t->ctx.run == CR_EXITED)
			continue;
		char sb[48];
		if (t->ctx.run == CR_SLEEPING) {
			snprintf(sb, sizeof(sb), "sleeping in %s",
				 pcsim__state_name(PCSIM_SETUP_GET(t->state)));
			what = sb;
		}
		else if (t->ctx.run == CR_SPINNING)
			what = "spinning";
		else
			what = "runnable but cannot run";
		off += (size_t)snprintf(buf + off, len - off, "\n  %s (cpu%u): %s", 
					pcsim__ctx_label(w, t->ctx.id, lb, sizeof(lb)), t->ctx.cpu,
					what);
		if (off >= len)
			break;
		if (t->ctx.run == CR_SPINNING && t->ctx.spin_on) {
			struct pcsim__ctx *o = pcsim__ctx_by_id(w, t->ctx.spin_on->owner);
			off += (size_t)snprintf(buf + off, len - off, " on %s held by %s",
						pcsim__lock_name(w, t->ctx.spin_on),
						o ? pcsim__ctx_label(w, o->id, lb, sizeof(lb)) : "?");
		} else if (t->wchan[0]) {
			off += (size_t)snprintf(buf + off, len - off, " in %s", t->wchan);
		}
	}
	for (unsigned c = 0; c < w->cfg.ncpus && off < len; c++) {
		struct pcsim__ctx *x = w->cpus[c].irq;
		if (!x)
			continue;
		off += (size_t)snprintf(buf + off, len - off, "\n  %s (cpu%u): atomic context",
					pcsim__ctx_label(w, x->id, lb, sizeof(lb)), c);
		if (off < len && x->run == CR_SPINNING && x->spin_on) {
			struct pcsim__ctx *o = pcsim__ctx_by_id(w, x->spin_on->owner);
			off += (size_t)snprintf(buf + off, len - off,
						" spinning on %s held by %s (interrupted on this CPU)",
						pcsim__lock_name(w, x->spin_on),
						o ? pcsim__ctx_label(w, o->id, lb, sizeof(lb)) : "?");
		}
	}
	for (struct pcsim__event *e = w->ex.pending; e && off < len; e = e->next_pending)
		off += (size_t)snprintf(buf + off, len - off,
					"\n  E%u %s: pending, cpu%d has interrupts disabled", e->id,
					e->name, e->cpu);
}

struct pcsim__ctx *pcsim__need_ctx_slow(const char *fn)
{
	struct pcsim__ctx *c = pcsim__tls_ctx;
	if (!c) {
		struct pcsim_world *w = pcsim__tls_world;
		if (w)
			pcsim__failf(w, PCSIM_OUTCOME_VIOLATION, "bad-context",
				     "%s() called from setup, outside any task or atomic context",
				     fn);
		else
			fprintf(stderr, "pcsim: %s() called outside a world\n", fn);
		return NULL;
	}
	return c;
}

struct pcsim_task *pcsim__need_task_slow(const char *fn)
{
	struct pcsim__ctx *c = pcsim__need_ctx_slow(fn);
	if (!c)
		return NULL;
	if (c->kind != PCSIM_CTX_TASK) {
		pcsim_fail("bad-context", "%s() called from an atomic context (%s)", fn,
			   c->ev ? c->ev->name : "?");
		return NULL;
	}
	return (struct pcsim_task *)c;
}

void pcsim__exec_message(struct pcsim_world *w)
{
	if (!w->ex.msg_deferred)
		return;
	char buf[1536];
	pcsim__dump_blocked(w, buf, sizeof(buf));
	snprintf(w->msg, sizeof(w->msg), "nothing can run and %u task(s) wait:%s",
		 w->ex.deadlock_waiting, buf);
	w->ex.msg_deferred = false;
}
