/* SPDX-License-Identifier: MIT */
/*
 * pcsim/trace.h - the event trace: kinds that layers declare, events they emit, the stable hash.
 *
 * The schema is documented in docs/trace-schema.md and versioned (PCSIM_TRACE_SCHEMA). An event
 * carries no pointer values: objects appear as small ids numbered by first access in the
 * execution, so the same execution gives the same events on every build and machine.
 */
#ifndef PCSIM_TRACE_H
#define PCSIM_TRACE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <pcsim/export.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PCSIM_TRACE_SCHEMA 1

struct pcsim_world;
struct pcsim_trace_event;

/**
 * struct pcsim_trace_kind - an event kind. Declare one static instance per kind in the layer
 * that emits it; the kind is identified by @name (hashed), never by its address.
 * @name: "engine.store", "waitq.wake", ... (layer prefix, dot, verb).
 * @cat: Chrome-trace category: "sched", "mem", "waitq", "pagecache", "uring".
 * @render: writes the narrative text of one event (without step/context columns) into @buf.
 */
struct pcsim_trace_kind {
	const char *name;
	const char *cat;
	void (*render)(const struct pcsim_world *w, const struct pcsim_trace_event *ev, char *buf,
		       size_t len);
};

/** One recorded event. @ctx is the context id (tasks 1..N, atomic contexts 1000+event id). */
struct pcsim_trace_event {
	uint64_t step;		/* step number in the execution */
	uint64_t ts_ns;		/* virtual time: step * 1000 ns, or the clock in timed mode */
	const struct pcsim_trace_kind *kind;
	uint32_t ctx;
	uint16_t cpu;
	uint16_t pad;
	uint32_t obj;		/* object id (pcsim_trace_obj), 0 = none */
	uint32_t obj2;		/* second object id, 0 = none */
	uint64_t a, b;		/* kind-specific values */
	const char *str;	/* kind-specific static or world-interned string, may be NULL */
};

/**
 * pcsim_trace_emit - append an event of @kind for the calling context (no-op when tracing is
 * off). Not a preemption point. Context: any context of a running sim or threads world.
 */
PCSIM_API void pcsim_trace_emit(const struct pcsim_trace_kind *kind, uint32_t obj, uint32_t obj2,
				uint64_t a, uint64_t b, const char *str);

/** pcsim_trace_obj - the execution-local id of the object at @addr (assigned on first use). */
PCSIM_API uint32_t pcsim_trace_obj(const void *addr);

/** pcsim_trace_obj_label - "name" given with pcsim_obj_name(), else "obj#N". */
PCSIM_API const char *pcsim_trace_obj_label(const struct pcsim_world *w, uint32_t id, char *buf,
					    size_t len);

/** pcsim_trace_ctx_label - "T1 waiter", "E3 bdev completion" for a context id. */
PCSIM_API const char *pcsim_trace_ctx_label(const struct pcsim_world *w, uint32_t ctx, char *buf,
					    size_t len);

/** pcsim_trace_intern - copy @s into the world's string pool for this execution. */
PCSIM_API const char *pcsim_trace_intern(struct pcsim_world *w, const char *s);

/** pcsim_trace_hash_event - fold one event into a running 64-bit FNV-1a hash. */
PCSIM_API uint64_t pcsim_trace_hash_event(uint64_t h, const struct pcsim_trace_event *ev);

#define PCSIM_TRACE_HASH_INIT 0xcbf29ce484222325ull

#ifdef __cplusplus
}
#endif
#endif /* PCSIM_TRACE_H */
