// SPDX-License-Identifier: MIT
/*
 * tracepoint.c - the engine's side of tracing: recording the event stream of one execution,
 * object ids (first-access numbering, so no address ever reaches a trace), interned strings,
 * and the engine's own event kinds with their one-line renderers. Layers define their kinds
 * the same way (struct pcsim_trace_kind) and emit through pcsim_trace_emit(). What is made of
 * a recorded stream - the stable hash, the narrative, and later other formats - is the trace
 * layer's (src/trace/). Schema: docs/trace-schema.md.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sched_int.h"

/* ---------------------------------------------------------------------------------------------
 * Object ids: first-access numbering, so no address ever reaches a trace.
 */
static inline size_t ptr_hash(const void *p, size_t mask)
{
	uint64_t x = (uint64_t)(uintptr_t)p;
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return (size_t)x & mask;
}

static uint32_t obj_lookup(struct pcsim_world *w, const void *addr, bool fresh);

uint32_t pcsim__obj_id(struct pcsim_world *w, const void *addr)
{
	return obj_lookup(w, addr, false);
}

/*
 * A new object begins at @addr (it is being initialised or named): it gets the next number
 * even if the address was seen before. Ids are handed out on first sight, so without this an
 * object on a stack that reuses the address of an earlier, dead one would inherit its number,
 * and whether two stack objects share an address depends on the compiler's frame layout: the
 * same execution would be traced differently by gcc and clang builds.
 */
uint32_t pcsim__obj_id_fresh(struct pcsim_world *w, const void *addr)
{
	return obj_lookup(w, addr, true);
}

static uint32_t obj_lookup(struct pcsim_world *w, const void *addr, bool fresh)
{
	if (w->nobj * 2 >= w->objcap) {
		size_t ncap = w->objcap ? w->objcap * 2 : 256;
		struct objmap_ent *n = calloc(ncap, sizeof(*n));
		if (!n)
			return 0;
		for (size_t i = 0; i < w->objcap; i++) {
			if (!w->objs[i].addr)
				continue;
			size_t j = ptr_hash(w->objs[i].addr, ncap - 1);
			while (n[j].addr)
				j = (j + 1) & (ncap - 1);
			n[j] = w->objs[i];
		}
		free(w->objs);
		w->objs = n;
		w->objcap = ncap;
	}
	size_t j = ptr_hash(addr, w->objcap - 1);
	while (w->objs[j].addr) {
		if (w->objs[j].addr == addr) {
			if (fresh)
				w->objs[j].id = (uint32_t)++w->nobj;
			return w->objs[j].id;
		}
		j = (j + 1) & (w->objcap - 1);
	}
	w->objs[j].addr = addr;
	w->objs[j].id = (uint32_t)++w->nobj;
	return w->objs[j].id;
}

void pcsim__obj_insert(struct pcsim_world *w, const void *addr, uint32_t id)
{
	size_t j = ptr_hash(addr, w->objcap - 1);
	while (w->objs[j].addr)
		j = (j + 1) & (w->objcap - 1);
	w->objs[j].addr = addr;
	w->objs[j].id = id;
}

uint32_t pcsim_trace_obj(const void *addr)
{
	struct pcsim_world *w = cur_world();
	if (!w)
		return 0;
	pcsim__world_lock(w);
	uint32_t id = pcsim__obj_id(w, addr);
	pcsim__world_unlock(w);
	return id;
}

const char *pcsim_trace_obj_label(const struct pcsim_world *w, uint32_t id, char *buf,
				  size_t len)
{
	if (id < w->objnames_cap && w->objnames[id])
		return w->objnames[id];
	snprintf(buf, len, "obj#%u", id);
	return buf;
}

const char *pcsim_trace_intern(struct pcsim_world *w, const char *s)
{
	return s ? pcsim__strdup_arena(w, s) : NULL;
}

void pcsim__trace_reset(struct pcsim_world *w)
{
	w->ntr = 0;
	if (w->objs && w->nobj)
		memset(w->objs, 0, w->objcap * sizeof(*w->objs));
	if (w->objnames)
		memset(w->objnames, 0, w->objnames_cap * sizeof(char *));
	w->nobj = 0;
}

void pcsim__trace(struct pcsim_world *w, struct pcsim__ctx *c, const struct pcsim_trace_kind *k,
		  uint32_t obj, uint32_t obj2, uint64_t a, uint64_t b, const char *str)
{
	if (w->ntr == w->captr) {
		size_t ncap = w->captr ? w->captr * 2 : 1024;
		struct pcsim_trace_event *n = realloc(w->tr, ncap * sizeof(*n));
		if (!n)
			return;
		w->tr = n;
		w->captr = ncap;
	}
	struct pcsim_trace_event *e = &w->tr[w->ntr++];
	e->step = w->ex.step;
	e->ts_ns = w->cfg.timed ? w->ex.now : w->ex.step * 1000u;
	e->kind = k;
	e->ctx = c ? c->id : 0;
	e->cpu = c ? c->cpu : 0;
	e->pad = 0;
	e->obj = obj;
	e->obj2 = obj2;
	e->a = a;
	e->b = b;
	e->str = str;
}

void pcsim_trace_emit(const struct pcsim_trace_kind *kind, uint32_t obj, uint32_t obj2,
		      uint64_t a, uint64_t b, const char *str)
{
	struct pcsim_world *w = cur_world();
	if (!w || !w->tracing)
		return;
	pcsim__world_lock(w);
	pcsim__trace(w, pcsim__tls_ctx, kind, obj, obj2, a, b, str);
	pcsim__world_unlock(w);
}

void pcsim__trace_under_lock(struct pcsim_world *w, struct pcsim__ctx *c,
			     const struct pcsim_trace_kind *k, uint32_t obj, uint64_t a,
			     uint64_t b, const char *s)
{
	pcsim__world_lock(w);
	pcsim__trace(w, c, k, obj, 0, a, b, s);
	pcsim__world_unlock(w);
}

/* ---------------------------------------------------------------------------------------------
 * Engine event kinds
 */
#define OBJ(w, id, b) pcsim_trace_obj_label((w), (id), (b), sizeof(b))

/* A traced value: a number, or the object a pointer value points to. */
static const char *val(const struct pcsim_world *w, uint64_t v, bool ptr, char *b, size_t n)
{
	if (ptr && v)
		return pcsim_trace_obj_label(w, (uint32_t)v, b, n);
	if (ptr)
		return "NULL";
	snprintf(b, n, "%" PRIu64, v);
	return b;
}

static void r_load(const struct pcsim_world *w, const struct pcsim_trace_event *e, char *buf,
		   size_t len)
{
	char b[64], v[64];
	snprintf(buf, len, "load%s%s %s -> %s",
		 e->str && strcmp(e->str, "once") ? "_" : "", e->str && strcmp(e->str, "once") ? e->str : "",
		 OBJ(w, e->obj, b), val(w, e->a, e->b & PCSIM_SZ_PTR, v, sizeof(v)));
}

static void r_store(const struct pcsim_world *w, const struct pcsim_trace_event *e, char *buf,
		    size_t len)
{
	char b[64], v[64];
	bool buffered = w->cfg.mem != PCSIM_MEM_SC;
	if (e->str && e->str[0] == '_') {	/* __set_bit, __clear_bit: name the primitive */
		snprintf(buf, len, "%s %s <- %s%s", e->str, OBJ(w, e->obj, b),
			 val(w, e->a, e->b & PCSIM_SZ_PTR, v, sizeof(v)),
			 buffered ? " (store buffer)" : "");
		return;
	}
	snprintf(buf, len, "store%s%s %s <- %s%s",
		 e->str && strcmp(e->str, "once") ? "_" : "", e->str && strcmp(e->str, "once") ? e->str : "",
		 OBJ(w, e->obj, b), val(w, e->a, e->b & PCSIM_SZ_PTR, v, sizeof(v)),
		 buffered ? " (store buffer)" : "");
}

static void r_rmw(const struct pcsim_world *w, const struct pcsim_trace_event *e, char *buf,
		  size_t len)
{
	char b[64];
	snprintf(buf, len, "atomic %s %s: %#" PRIx64 " -> %#" PRIx64, e->str, OBJ(w, e->obj, b), e->a,
		 e->b);
}

static void r_fence(const struct pcsim_world *w, const struct pcsim_trace_event *e, char *buf,
		    size_t len)
{
	(void)w;
	snprintf(buf, len, "%s()", e->str);
}

static void r_flush(const struct pcsim_world *w, const struct pcsim_trace_event *e, char *buf,
		    size_t len)
{
	char b[64], v[64];
	snprintf(buf, len, "cpu%" PRIu64 " store buffer flush%s: %s <- %s", e->b & 0xffu,
		 e->str ? " (forced)" : "", OBJ(w, e->obj, b),
		 val(w, e->a, e->b & PCSIM_SZ_PTR, v, sizeof(v)));
}

const char *pcsim__state_name(long s)
{
	switch (s) {
	case PCSIM_TASK_RUNNING:
		return "TASK_RUNNING";
	case PCSIM_TASK_INTERRUPTIBLE:
		return "TASK_INTERRUPTIBLE";
	case PCSIM_TASK_UNINTERRUPTIBLE:
		return "TASK_UNINTERRUPTIBLE";
	case PCSIM_TASK_KILLABLE:
		return "TASK_KILLABLE";
	case PCSIM_TASK_PARKED:
		return "TASK_PARKED";
	case PCSIM_TASK_NORMAL:
		return "TASK_NORMAL";
	case PCSIM_TASK_INTERRUPTIBLE | PCSIM_TASK_WAKEKILL:
		return "TASK_INTERRUPTIBLE|TASK_WAKEKILL";
	default:
		return "TASK_?";
	}
}

static void r_state(const struct pcsim_world *w, const struct pcsim_trace_event *e, char *buf,
		    size_t len)
{
	(void)w;
	snprintf(buf, len, "%s(%s)", e->str, pcsim__state_name((long)e->a));
}

static void r_sleep(const struct pcsim_world *w, const struct pcsim_trace_event *e, char *buf,
		    size_t len)
{
	(void)w;
	if (e->str)
		snprintf(buf, len, "schedule(): %s", e->str);
	else
		snprintf(buf, len, "schedule(): sleeps in %s", pcsim__state_name((long)e->a));
}

static void r_wake(const struct pcsim_world *w, const struct pcsim_trace_event *e, char *buf,
		   size_t len)
{
	char b[64];
	snprintf(buf, len, "try_to_wake_up(%s, %s) = %" PRIu64 "%s%s",
		 pcsim__ctx_label(w, e->obj, b, sizeof(b)), pcsim__state_name((long)e->b), e->a,
		 e->str ? ": " : "", e->str ? e->str : "");
}

static void r_lock(const struct pcsim_world *w, const struct pcsim_trace_event *e, char *buf,
		   size_t len)
{
	(void)w;
	static const char *const names[] = { "spin_lock", "spin_lock_irq(save)", "spin_trylock" };
	snprintf(buf, len, "%s(%s)", names[e->a < 3 ? e->a : 0], e->str);
}

static void r_unlock(const struct pcsim_world *w, const struct pcsim_trace_event *e, char *buf,
		     size_t len)
{
	(void)w;
	snprintf(buf, len, "%s(%s)", e->a ? "spin_unlock_irq(restore)" : "spin_unlock", e->str);
}

static void r_irq_enter(const struct pcsim_world *w, const struct pcsim_trace_event *e, char *buf,
			size_t len)
{
	(void)w;
	snprintf(buf, len, "%s enter: %s", e->a == PCSIM_CTX_SOFTIRQ ? "softirq" : "irq", e->str);
}

static void r_irq_exit(const struct pcsim_world *w, const struct pcsim_trace_event *e, char *buf,
		       size_t len)
{
	(void)w;
	snprintf(buf, len, "%s exit", e->a == PCSIM_CTX_SOFTIRQ ? "softirq" : "irq");
}

static void r_signal(const struct pcsim_world *w, const struct pcsim_trace_event *e, char *buf,
		     size_t len)
{
	char b[64];
	snprintf(buf, len, "signal %" PRIu64 "%s -> %s", e->a, e->a == PCSIM_SIGKILL ? " (fatal)" : "",
		 pcsim__ctx_label(w, e->obj, b, sizeof(b)));
}

static void r_tw_add(const struct pcsim_world *w, const struct pcsim_trace_event *e, char *buf,
		     size_t len)
{
	char b[64];
	static const char *const twa[] = { "TWA_NONE", "TWA_RESUME", "TWA_SIGNAL" };
	snprintf(buf, len, "task_work_add(%s, %s) = %" PRId64,
		 pcsim__ctx_label(w, e->obj, b, sizeof(b)), e->b < 3 ? twa[e->b] : "?", (int64_t)e->a);
}

static void r_tw_run(const struct pcsim_world *w, const struct pcsim_trace_event *e, char *buf,
		     size_t len)
{
	(void)w;
	snprintf(buf, len, "task_work_run(): %" PRIu64 " work(s)", e->a);
}

static void r_rcu(const struct pcsim_world *w, const struct pcsim_trace_event *e, char *buf,
		  size_t len)
{
	(void)w;
	snprintf(buf, len, "%s", e->str);
}

static void r_exit(const struct pcsim_world *w, const struct pcsim_trace_event *e, char *buf,
		   size_t len)
{
	(void)w;
	(void)e;
	snprintf(buf, len, "do_exit()");
}

static void r_start(const struct pcsim_world *w, const struct pcsim_trace_event *e, char *buf,
		    size_t len)
{
	(void)w;
	(void)e;
	snprintf(buf, len, "task starts");
}

static void r_fail(const struct pcsim_world *w, const struct pcsim_trace_event *e, char *buf,
		   size_t len)
{
	const char *nl = strchr(w->msg, '\n');
	int n = nl ? (int)(nl - w->msg) : (int)strlen(w->msg);
	snprintf(buf, len, "VIOLATION %s: %.*s%s", e->str, n, w->msg, nl ? " (see report)" : "");
}

static void r_data(const struct pcsim_world *w, const struct pcsim_trace_event *e, char *buf,
		   size_t len)
{
	(void)w;
	snprintf(buf, len, "choice %s = %" PRIu64 " of %" PRIu64, e->str, e->a, e->b);
}

static void r_spurious(const struct pcsim_world *w, const struct pcsim_trace_event *e, char *buf,
		       size_t len)
{
	(void)w;
	(void)e;
	snprintf(buf, len, "spurious wakeup");
}

static void r_post(const struct pcsim_world *w, const struct pcsim_trace_event *e, char *buf,
		   size_t len)
{
	(void)w;
	snprintf(buf, len, "post event E%" PRIu64 " %s", e->a, e->str);
}

const struct pcsim_trace_kind pcsim__tk_load = { "engine.load", "mem", r_load };
const struct pcsim_trace_kind pcsim__tk_store = { "engine.store", "mem", r_store };
const struct pcsim_trace_kind pcsim__tk_rmw = { "engine.rmw", "mem", r_rmw };
const struct pcsim_trace_kind pcsim__tk_fence = { "engine.fence", "mem", r_fence };
const struct pcsim_trace_kind pcsim__tk_flush = { "engine.flush", "mem", r_flush };
const struct pcsim_trace_kind pcsim__tk_state = { "engine.state", "sched", r_state };
const struct pcsim_trace_kind pcsim__tk_sleep = { "engine.sleep", "sched", r_sleep };
const struct pcsim_trace_kind pcsim__tk_wake = { "engine.wake", "sched", r_wake };
const struct pcsim_trace_kind pcsim__tk_lock = { "engine.spin_lock", "sched", r_lock };
const struct pcsim_trace_kind pcsim__tk_unlock = { "engine.spin_unlock", "sched", r_unlock };
const struct pcsim_trace_kind pcsim__tk_irq_enter = { "engine.irq_enter", "sched", r_irq_enter };
const struct pcsim_trace_kind pcsim__tk_irq_exit = { "engine.irq_exit", "sched", r_irq_exit };
const struct pcsim_trace_kind pcsim__tk_signal = { "engine.signal", "sched", r_signal };
const struct pcsim_trace_kind pcsim__tk_tw_add = { "engine.task_work_add", "sched", r_tw_add };
const struct pcsim_trace_kind pcsim__tk_tw_run = { "engine.task_work_run", "sched", r_tw_run };
const struct pcsim_trace_kind pcsim__tk_rcu = { "engine.rcu", "sched", r_rcu };
const struct pcsim_trace_kind pcsim__tk_exit = { "engine.exit", "sched", r_exit };
const struct pcsim_trace_kind pcsim__tk_start = { "engine.start", "sched", r_start };
const struct pcsim_trace_kind pcsim__tk_fail = { "engine.violation", "sched", r_fail };
const struct pcsim_trace_kind pcsim__tk_data = { "engine.choice", "sched", r_data };
const struct pcsim_trace_kind pcsim__tk_spurious = { "engine.spurious", "sched", r_spurious };
const struct pcsim_trace_kind pcsim__tk_post = { "engine.post", "sched", r_post };
