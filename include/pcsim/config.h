/* SPDX-License-Identifier: MIT */
/*
 * pcsim/config.h - the engine's configuration (struct pcsim_config), programs and worlds.
 *
 * Contexts. Functions marked "Context: task" may be called only from a task created with
 * pcsim_task_create(); "Context: any" also from an atomic context (an event handler: hard IRQ or
 * softirq); "Context: setup" only from a program's setup() or finish() callbacks, outside any
 * context. Calling a function from the wrong context is reported as a violation (sim backend) or
 * returns -EPERM where a return value exists. The same rule holds in <pcsim/task.h>,
 * <pcsim/sync.h>, <pcsim/event.h> and <pcsim/check.h>.
 */
#ifndef PCSIM_CONFIG_H
#define PCSIM_CONFIG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pcsim/export.h>

#ifdef __cplusplus
extern "C" {
#endif

struct pcsim_world;
struct pcsim_task;

/* ---------------------------------------------------------------------------------------------
 * Configuration
 */
enum pcsim_backend {
	PCSIM_BACKEND_SIM = 0,	/* deterministic fibers on one OS thread */
	PCSIM_BACKEND_THREADS,	/* pthreads + C11 atomics + liburcu + libev */
};

enum pcsim_memmode {
	PCSIM_MEM_SC = 0,	/* sequential consistency */
	PCSIM_MEM_TSO,		/* per-CPU FIFO store buffers, flushes are choices */
	PCSIM_MEM_WEAK,		/* LKMM-flavoured: stores and loads reorder unless fenced
				 * (docs/ordering.md "The weak mode") */
};

/*
 * Kernel profiles (struct pcsim_config.kernel, setting `kernel`): which kernel's page-lock,
 * wait-walk, read-path and ring behaviour the model layers follow, as one coherent set
 * (docs/kernel-profiles.md says, function by function, what each selects). The engine only
 * stores the value; each layer reads it through pcsim_world_config().
 */
enum pcsim_kernel {
	PCSIM_KERNEL_5_10 = 0,	/* 5.10.13: the model's reference (docs/kernel-semantics.md) */
	PCSIM_KERNEL_5_8,	/* before the page-wait rewrite: the old retry loop */
	PCSIM_KERNEL_5_9,	/* 5.9 final */
	PCSIM_KERNEL_6_18,	/* current: folios, filemap_read(), io_uring/rw.c, no bookmarks */
	PCSIM_NR_KERNELS,
};

/* Check levels (bitmask). */
#define PCSIM_CHECK_INVARIANTS 0x1u	/* layer invariants at every step (sim) */
#define PCSIM_CHECK_LOCKDEP 0x2u	/* lock order and irq-safety */
#define PCSIM_CHECK_ATOMIC 0x4u		/* sleeping in atomic context, context misuse */
/* P6 strictly (not in the default): an exclusive page waiter that leaves on a fatal signal with
 * its counted wakeup unused is a violation. 5.9/5.10 behave so (docs/pagecache.md, P6). */
#define PCSIM_CHECK_STRICT_P6 0x8u
#define PCSIM_CHECK_DEFAULT (PCSIM_CHECK_INVARIANTS | PCSIM_CHECK_LOCKDEP | PCSIM_CHECK_ATOMIC)
#define PCSIM_CHECK_NONE 0u
#define PCSIM_CHECK_ALL 0xfu		/* every bit above */

/* Engine-level bug injection (struct pcsim_config.inject), for tests that show a check works. */
#define PCSIM_INJECT_SCS_NO_MB 0x1u	/* set_current_state() without its full barrier */
/* Bits 0x2-0x20 are the page-cache layer's mutants (<pcsim/pagecache.h>). */

#define PCSIM_MAX_CPUS 64
#define PCSIM_MAX_TASKS 256
/* Fiber stacks (struct pcsim_config.stack_size): smaller or larger is -EINVAL. */
#define PCSIM_STACK_MIN (16u * 1024u)
#define PCSIM_STACK_MAX (1024u * 1024u * 1024u)
/* Largest single pcsim_alloc(); larger requests are out-of-memory. */
#define PCSIM_ALLOC_MAX ((size_t)1 << 30)

/* The model layers that keep settings in struct pcsim_config (index of its layer[] member). */
enum pcsim_layer {
	PCSIM_LAYER_WAITQ = 0,
	PCSIM_LAYER_PAGECACHE,
	PCSIM_LAYER_URING,
	PCSIM_NR_LAYERS,
};
#define PCSIM_LAYER_CONFIG_BYTES 64

/**
 * struct pcsim_config - every tunable of a world, with the kernel's defaults.
 *
 * Initialise with pcsim_config_init() and then change fields; never zero-initialise by hand.
 */
struct pcsim_config {
	enum pcsim_backend backend;	/* default PCSIM_BACKEND_SIM */
	unsigned ncpus;			/* virtual CPUs, default 2 */
	enum pcsim_memmode mem;		/* default PCSIM_MEM_SC */
	unsigned checks;		/* PCSIM_CHECK_* bitmask, default PCSIM_CHECK_DEFAULT */
	bool trace;			/* record the event trace (default true) */
	uint64_t max_steps;		/* livelock budget per execution, default 1000000 */
	unsigned store_buffer_size;	/* tso: entries per CPU before a forced flush, default 8 */
	unsigned max_spurious;		/* spurious wakeups offered per execution, default 0 */
	bool timed;			/* virtual clock orders events (benchmarks), default false */
	uint64_t step_ns;		/* timed mode: virtual ns charged per step, default 10 */
	size_t stack_size;		/* fiber stack bytes, default 64 KiB (256 KiB sanitizers) */
	unsigned inject;		/* PCSIM_INJECT_*: engine bugs re-injected for tests, 0 */
	unsigned threads_timeout_ms;	/* threads backend: an execution running longer than this
					 * is reported as a deadlock, default 20000 */
	unsigned watchdog_ms;		/* sim backend: a context running this long (wall clock)
					 * without reaching a preemption point trips the watchdog
					 * (pcsim_watchdog_set_handler()), default 10000, 0 = off */
	uint64_t bugs;			/* re-injected bug-zoo entries: bit n = B-n, default 0 */
	enum pcsim_kernel kernel;	/* kernel profile, default PCSIM_KERNEL_5_10 */
	/*
	 * The model layers' settings. Each layer declares its own struct in its header and reaches
	 * it with an accessor: pcsim_waitq_config() (<pcsim/waitq.h>), pcsim_pagecache_config()
	 * (<pcsim/pagecache.h>), pcsim_uring_config() (<pcsim/uring.h>). The engine only stores
	 * them; pcsim_config_init() fills them with the kernel's defaults.
	 */
	union pcsim_layer_config {
		uint64_t align;
		unsigned char bytes[PCSIM_LAYER_CONFIG_BYTES];
	} layer[PCSIM_NR_LAYERS];
};

/**
 * pcsim_config_init - fill @cfg with the defaults: those above and every layer's (the settings
 * table, <pcsim/settings.h>, holds each default once). Context: any thread, no world needed.
 */
PCSIM_API void pcsim_config_init(struct pcsim_config *cfg);

/**
 * pcsim_watchdog_set_handler - what the sim backend's watchdog does about an endless loop.
 *
 * A context that runs watchdog_ms without reaching a preemption point makes its execution end
 * as PCSIM_OUTCOME_LIVELOCK ("watchdog") at the next point it reaches. If it reaches none for
 * another watchdog_ms, the loop is taken to be endless: no other thread can take the fiber
 * back, so the watchdog's thread calls @fn with a one-line message naming the context (@fn
 * may print it and exit the process; it must not return into the stuck world). With no
 * handler (the default, or @fn NULL) the message goes to stderr once and the caller of
 * pcsim_explore() stays blocked. Process-wide. Context: any thread. docs/engine.md, "Watchdog".
 */
PCSIM_API void pcsim_watchdog_set_handler(void (*fn)(const char *msg));

/**
 * pcsim_config_validate - check every field of @cfg against its documented range (enums are
 * one of their values; ncpus 1..PCSIM_MAX_CPUS; checks within PCSIM_CHECK_ALL; max_steps >= 1;
 * max_spurious <= 1000000; stack_size PCSIM_STACK_MIN..PCSIM_STACK_MAX; threads_timeout_ms
 * >= 1 on the threads backend; and every setting of the settings table within its range,
 * e.g. wait_table_bits <= 16, walk_break 1..1000000, unfairness 0..1000000, lock_profile one
 * of enum pcsim_lock_profile). store_buffer_size 0 or above 64 is not an
 * error: the world uses 64. pcsim_explore() calls it first. Context: any.
 * Return: 0, or -EINVAL with "config: FIELD ..." in @err.
 */
PCSIM_API int pcsim_config_validate(const struct pcsim_config *cfg, char *err, size_t errlen);

/* ---------------------------------------------------------------------------------------------
 * Programs and worlds
 */

/**
 * struct pcsim_program - what one execution runs.
 * @name: stable name; appears in schedule files and reports.
 * @setup: creates shared state (pcsim_alloc) and tasks (pcsim_task_create). Context: setup.
 * @finish: optional end-of-run checks once every task has exited (not called after a deadlock or
 *          violation). May call pcsim_fail(). Context: setup.
 * @arg: passed to both.
 */
struct pcsim_program {
	const char *name;
	void (*setup)(struct pcsim_world *w, void *arg);
	void (*finish)(struct pcsim_world *w, void *arg);
	void *arg;
};

/**
 * pcsim_alloc - zeroed memory that lives until the end of the current execution.
 * Context: setup or any context of a running execution. Freed in bulk when the execution ends:
 * use it for everything a model allocates per execution, so abandoned executions (violations)
 * never leak.
 * Return: the memory. It never aborts the host: a request above PCSIM_ALLOC_MAX or one malloc()
 * cannot satisfy ends the execution with PCSIM_OUTCOME_INTERNAL ("out-of-memory"). From setup
 * or finish it then does not return, on either backend: they are left where the call was (the
 * execution's tasks do not run), so setup code needs no NULL check. From a task or an atomic
 * context the sim backend does not return either (the execution stops there, as after a
 * violation); the threads backend returns NULL there and the caller must not use the result.
 */
PCSIM_API void *pcsim_alloc(struct pcsim_world *w, size_t size);

/** pcsim_world_config - the configuration the world runs with. Context: any. */
PCSIM_API const struct pcsim_config *pcsim_world_config(const struct pcsim_world *w);

/** pcsim_world_current - the world of the calling context, or NULL outside any world. */
PCSIM_API struct pcsim_world *pcsim_world_current(void);

/**
 * pcsim_world_layer - per-execution state of a model layer: zeroed storage of @size bytes,
 * one per (@key, execution); @key is the address of a static object of the layer. The first
 * call in an execution allocates it and sets *@fresh (if given). Context: setup or any.
 * Locking: takes the world's global lock (threads), so concurrent first calls allocate once.
 * Return: the storage (NULL only as pcsim_alloc() returns it). More than 16 distinct keys in
 * one execution (a fixed table, sized for pcsim's own layers plus a user's) end it with
 * PCSIM_OUTCOME_INTERNAL "too-many-layers": from a sim task the call does not return; from
 * setup it returns unregistered storage.
 */
PCSIM_API void *pcsim_world_layer(struct pcsim_world *w, const void *key, size_t size,
				  bool *fresh);

/**
 * pcsim_world_layer_peek - the storage pcsim_world_layer() gave @key in this execution, or NULL
 * if the layer has none yet. Unlike pcsim_world_layer() it never allocates or registers
 * anything: for read-only views of a layer's state (pcsim_pagecache_describe()).
 * Context: setup, finish or any context (sim); locking: none (the threads backend's layers are
 * registered under the world's lock: call it only while @w is not running there).
 */
PCSIM_API void *pcsim_world_layer_peek(const struct pcsim_world *w, const void *key);

/**
 * pcsim_state_in_world - the program running in @w promises that everything its setup(), its
 * tasks and its finish() write in this execution lives in the world: pcsim_alloc() memory,
 * pcsim_world_layer() state, the tasks' stacks and the engine's own objects, and nothing
 * outside it (a static or global variable, malloc() memory, a file) is written by setup() or
 * the tasks, or read by finish(), as state of the execution. DFS then starts an execution from
 * a copy of the state before the decision it changes instead of running setup() and replaying
 * the decisions before it (docs/explore.md, "Prefixes are restored"); without the promise it
 * replays. A program that makes it and keeps state elsewhere is explored wrongly, without a
 * word: what setup() set outside the world would be the last execution's, not this one's.
 * Context: setup (sim backend; the threads backend ignores it). Locking: none.
 */
PCSIM_API void pcsim_state_in_world(struct pcsim_world *w);

/** pcsim_world_step - the number of steps taken so far in this execution (sim); 0 (threads). */
PCSIM_API uint64_t pcsim_world_step(const struct pcsim_world *w);

#ifdef __cplusplus
}
#endif
#endif /* PCSIM_CONFIG_H */
