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

/*
 * Pictures of an execution (docs/pictures.md): the recorded stream as Chrome trace-event JSON
 * (ui.perfetto.dev, chrome://tracing) or as a self-contained SVG timeline, beside the text
 * narrative. All three are pure functions of the events and the world's names (integer
 * arithmetic only): the same events give byte-identical files on every run, build and machine.
 */
enum pcsim_trace_format {
	PCSIM_TRACE_TEXT = 0,		/* the narrative, one line per event (report->trace) */
	PCSIM_TRACE_CHROME_JSON,	/* Chrome trace-event JSON */
	PCSIM_TRACE_SVG,		/* SVG timeline */
};

/** Default cap on the steps an SVG timeline draws (struct pcsim_trace_svg_opts). */
#define PCSIM_TRACE_SVG_MAX_STEPS 500u

/**
 * struct pcsim_trace_svg_opts - what part of a trace the SVG timeline draws.
 * @max_steps: steps drawn at most; 0 means PCSIM_TRACE_SVG_MAX_STEPS. A longer trace is cut
 *             and the picture says which steps it shows.
 * @first_step: the first step drawn; 0 means automatic: the whole trace if it fits, else its
 *              last @max_steps steps (where a failure is reported).
 */
struct pcsim_trace_svg_opts {
	uint64_t max_steps;
	uint64_t first_step;
};

/**
 * pcsim_trace_format_from_path - the format a file name asks for: ".json" (any case) is
 * PCSIM_TRACE_CHROME_JSON, ".svg" PCSIM_TRACE_SVG, anything else (".txt", no extension)
 * PCSIM_TRACE_TEXT. Context: any. Return: the format (PCSIM_TRACE_TEXT for NULL).
 */
PCSIM_API enum pcsim_trace_format pcsim_trace_format_from_path(const char *path);

/**
 * pcsim_trace_write - write the recorded stream of @w's current execution to @f in @fmt
 * (@svg may be NULL for the defaults; other formats ignore it).
 * Context: outside any task or atomic context of @w, on the thread that runs it: the
 * program's finish() or a hook registered with pcsim_exec_cleanup_register() (which also
 * runs after a failed execution). Sim backend only: the threads backend records nothing.
 * Locking: none; @w must not be running. It writes only to @f and allocates with malloc().
 * Return: 0; -EINVAL for a NULL @w or @f or an unknown @fmt; -ENODATA when @w recorded no
 * trace (tracing off, threads backend); -ENOMEM; -EIO when writing to @f failed.
 */
PCSIM_API int pcsim_trace_write(const struct pcsim_world *w, enum pcsim_trace_format fmt,
				const struct pcsim_trace_svg_opts *svg, FILE *f);

/** pcsim_trace_write_chrome_json - pcsim_trace_write(w, PCSIM_TRACE_CHROME_JSON, NULL, f). */
PCSIM_API int pcsim_trace_write_chrome_json(const struct pcsim_world *w, FILE *f);

/** pcsim_trace_write_svg - pcsim_trace_write(w, PCSIM_TRACE_SVG, o, f). */
PCSIM_API int pcsim_trace_write_svg(const struct pcsim_world *w,
				    const struct pcsim_trace_svg_opts *o, FILE *f);

/**
 * pcsim_world_describe - the engine's part of the state of @w's execution, for a person: each
 * task's run state (not started, on its cpu, preempted, sleeping, spinning, exited), its
 * task->state and wait channel, locks held, pending signal and task_work; the atomic contexts
 * running; the pending events; under mem=tso each CPU's store buffer, oldest first. Memory is
 * shown as it is in memory, not as one CPU's view. Several lines of text, layout not frozen.
 * Read-only: it takes no step, emits no trace event and assigns no object id, so calling it
 * never changes an execution. The model layers describe their own state
 * (pcsim_pagecache_describe()).
 * Context: setup, finish, or a choose callback of PCSIM_STRATEGY_CALLBACK (sim backend), on the
 * thread that runs @w. Return: 0, or -1 for NULL arguments or a write error on @f.
 */
PCSIM_API int pcsim_world_describe(const struct pcsim_world *w, FILE *f);

struct pcsim_program;

/**
 * pcsim_trace_replay_write - replay @schedule (a schedule file's text, e.g. report->schedule)
 * of @prog once, with tracing on, and write the picture of that execution to @f. The
 * configuration is the one the schedule's header records; the replay is strict and is not
 * confirmed again. Use it for the execution pcsim_explore() reported: the report keeps only
 * the narrative, the replay gives the events back (the same ones: @hash, if not NULL,
 * receives the replay's trace hash, which equals report->trace_hash).
 * Context: an ordinary thread, not inside a world (as pcsim_explore()).
 * Return: 0 (also when the replayed execution fails: its picture shows the failure);
 * -EINVAL for NULL arguments, a schedule that cannot be parsed or that is not @prog's, or an
 * unknown @fmt; -ENODATA when the replay recorded no events (it diverged before the first
 * one); -ENOMEM; -EIO when writing to @f failed. @err (if not NULL) says why for each
 * negative value.
 */
PCSIM_API int pcsim_trace_replay_write(const struct pcsim_program *prog, const char *schedule,
				       enum pcsim_trace_format fmt,
				       const struct pcsim_trace_svg_opts *svg, FILE *f,
				       uint64_t *hash, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif /* PCSIM_TRACE_H */
