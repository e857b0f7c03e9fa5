/* SPDX-License-Identifier: MIT */
/*
 * sched_int.h - the engine's private structures, shared by the sim and threads backends,
 * the strategies, the memory model and the trace.
 */
#ifndef PCSIM_SCHED_INT_H
#define PCSIM_SCHED_INT_H

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pcsim/explore.h>
#include <pcsim/mem.h>
#include <pcsim/sched.h>
#include <pcsim/trace.h>

#include "sim/fiber.h"

#define PCSIM_MAX_HELD 16		/* lockdep: locks held by one context */
#define PCSIM_MAX_CLASSES 256		/* lockdep: lock classes per world */
#define PCSIM_MAX_INVARIANTS 32

/* A decision of a replayed prefix (struct pcsim__exec.pfx). */
struct pcsim__pfx {
	uint64_t step;		/* the step it is taken at */
	uint32_t run;		/* the running context's id if it goes on there, else 0 */
};
#define PCSIM_SB_MAX 64			/* tso: hard cap on store buffer entries */
#define PCSIM_IRQ_CTX_BASE 1000u	/* context id of the atomic context of event N: 1000 + N */

enum ctx_run {
	CR_RUNNABLE = 0,	/* can take its next step (subject to CPU rules) */
	CR_SLEEPING,		/* in schedule(), waiting for try_to_wake_up */
	CR_SPINNING,		/* waiting for a spinlock word to read 0 */
	CR_EXITED,
};

struct pcsim_world;

/* An execution context: a task, or the atomic context of a firing event. */
struct pcsim__ctx {
	struct pcsim_world *w;
	uint32_t id;			/* trace/context id: task id, or 1000 + event id */
	uint16_t cpu;
	uint8_t kind;			/* enum pcsim_ctx_kind */
	uint8_t run;			/* enum ctx_run */
	int preempt_count;
	bool irqs_off;
	bool yielding;			/* cpu_relax: skip me until someone else steps */
	bool fresh;			/* not yet past its first preemption point */
	int rcu_nesting;
	uint64_t rcu_qs;		/* count of outermost rcu_read_unlock()s */
	struct pcsim_spinlock *spin_on;	/* CR_SPINNING: the lock */
	uint16_t held[PCSIM_MAX_HELD];	/* lockdep classes held, in order */
	uint8_t nheld;
	uint64_t pct_prio;
	uint64_t pct_spurious_prio;	/* PCT: priority of "spurious wakeup of this task" */
	struct pcsim__fiber fib;
	void (*fn)(void *arg);
	void *arg;
	struct pcsim__event *ev;	/* atomic context: its event */
	struct pcsim__ctx *next_on_cpu;	/* tasks of one CPU, in creation order */
	uint32_t por_hint;		/* dpor: what the next access really touches (PCSIM_POR_HINT_*) */
};

/* struct pcsim_task: `current`. The context must stay the first member. */
struct pcsim_task {
	struct pcsim__ctx ctx;
	char name[32];
	pcsim_long state;		/* task->state: a shared word, accessed through the model */
	unsigned flags;			/* PF_* */
	uint64_t sigpending;		/* bit per signal number (1..63) */
	bool notify_signal;		/* TIF_NOTIFY_SIGNAL */
	bool notify_resume;		/* TIF_NOTIFY_RESUME */
	bool works_exited;		/* exit_task_work() ran: task_work_add fails with -ESRCH */
	bool gp_waiting;		/* sleeping in synchronize_rcu */
	bool barrier_waiting;		/* sleeping in rcu_barrier */
	bool timer_fired;		/* schedule_timeout(): the timer woke us */
	struct pcsim_callback_head *task_works;
	/* synchronize_rcu snapshot: the contexts that were in a read-side section */
	struct pcsim__gp *gp;
	char wchan[96];
	/* threads backend */
	pthread_t thread;
	bool thread_started;
	pcsim_int futex_word;		/* bumped on every wakeup; futex address */
	struct pcsim__thr_task *thr;
};

static inline struct pcsim_task *ctx_task(struct pcsim__ctx *c)
{
	return c && c->kind == PCSIM_CTX_TASK ? (struct pcsim_task *)c : NULL;
}

enum ev_state { EV_PENDING = 0, EV_RUNNING, EV_DONE };

struct pcsim__event {
	uint32_t id;
	int16_t cpu;			/* -1: an engine action, runs without a context */
	uint8_t kind;			/* enum pcsim_ctx_kind */
	uint8_t state;			/* enum ev_state */
	uint8_t claim;			/* threads, atomic: 0, EV_CLAIM_RUN or EV_CLAIM_CANCEL */
	uint64_t due;			/* timed mode */
	uint64_t pct_prio;
	void (*fn)(void *arg);
	void *arg;
	char name[40];
	struct pcsim__ctx *ctx;		/* while running */
	/* engine actions */
	void (*action)(struct pcsim_world *w, struct pcsim__event *ev);
	struct pcsim_task *task;
	int sig;
	struct pcsim__event *next_pending;
};

/* A grace-period snapshot: which contexts were inside a read-side section, at which count. */
struct pcsim__gp {
	unsigned n;
	struct {
		struct pcsim__ctx *c;
		uint64_t qs;
	} e[];
};

struct pcsim__rcu_cb {
	uint64_t seq;			/* call_rcu() order */
	bool done;
	struct pcsim__rcu_cb *all_next;	/* every callback of the execution */
	struct pcsim_callback_head *head;
	void (*func)(struct pcsim_callback_head *head);
	struct pcsim__gp *gp;
	struct pcsim__rcu_cb *next;
};

struct sb_entry {
	void *addr;
	uint64_t val;
	uint8_t size;
	bool ptr;	/* the value is a pointer (traced as an object id) */
	uint32_t epoch;	/* weak: the CPU's barrier epoch when the store entered the buffer */
};

#define PCSIM_TASK_WORDS ((PCSIM_MAX_TASKS + 63) / 64)

struct pcsim__cpu {
	struct pcsim__ctx *curr;	/* the task on this CPU, NULL when idle */
	struct pcsim__ctx *irq;		/* the running atomic context, if any */
	struct pcsim__ctx *tasks, **tasks_tail;	/* the tasks pinned to this CPU */
	/*
	 * sim: the runnable set of this CPU, bit (id - 1) for each of its tasks whose run state
	 * is CR_RUNNABLE, kept on every change of that state (pcsim__rq_add/del) so that the
	 * scheduler does not walk the tasks at each step. Ids grow in creation order, so the
	 * bits in ascending order are the tasks in creation order.
	 */
	uint64_t rq[PCSIM_TASK_WORDS];
	struct sb_entry *sb;		/* PCSIM_SB_MAX entries, out of line (keeps CPUs small) */
	unsigned sb_head, sb_len;
	uint64_t flush_prio;
};

/* One option at a decision point. */
enum opt_type { OPT_RUN = 0, OPT_FIRE, OPT_FLUSH, OPT_SPURIOUS, OPT_DATA };

struct pcsim__opt {
	uint8_t type;
	uint32_t target;	/* ctx id, event id, cpu, task id, or data value */
	void *p;		/* the ctx / event / task */
};

/* A recorded choice (the schedule). */
struct pcsim__choice {
	uint8_t type;
	uint32_t target;
	const char *label;	/* OPT_DATA: the kind (interned) */
};

#define PCSIM_MAX_OPTS 512

struct pcsim__strategy;

struct arena_chunk {
	struct arena_chunk *next;
	size_t used, size;
	max_align_t data[];
};

struct objmap_ent {
	const void *addr;
	uint32_t id;
};

struct lock_class {
	const char *name;
	unsigned usage;		/* LU_* */
};

#define LU_IN_HARDIRQ 0x1u
#define LU_IN_SOFTIRQ 0x2u
#define LU_HARDIRQ_ON 0x4u	/* taken in task context with interrupts enabled */

struct pcsim__thr_world;

#define PCSIM_MAX_FORBID 16

/*
 * struct pcsim__exec - the scalar state of one execution: zeroed in one step when an execution
 * begins (pcsim__exec_reset), while the world keeps its configuration and the buffers it reuses
 * (arena chunks, fiber stacks, the choice log, the trace, the per-CPU store buffers).
 */
struct pcsim__exec {
	uint64_t index;			/* execution index within the exploration */
	uint64_t step;
	uint64_t now;			/* virtual time (timed mode) */
	struct pcsim__ctx *cur;		/* the running context (sim) */
	unsigned ntasks, nexited;
	unsigned task_rr, ev_rr;	/* round-robin CPU of the next task / event */
	unsigned nevents;
	unsigned npending;
	struct pcsim__event *pending;	/* list of pending events, by id */
	unsigned spurious_used;
	uint16_t opts_n;		/* sim: with opts_ok and opts_ci below */
	struct pcsim__ctx *yielder;	/* the context that last relaxed (cpu_relax) */
	unsigned nforbid;		/* forbidden ranges in use (w->forbid) */
	/* outcome (its texts, w->what and w->msg, are cleared by their first byte) */
	enum pcsim_outcome outcome;
	uint64_t fail_step;
	bool in_finish;
	bool msg_deferred;		/* msg still to be written (pcsim__exec_message) */
	unsigned deadlock_waiting;
	/* choices */
	size_t nlog;			/* entries of w->log */
	uint64_t ndecisions;
	/* registrations of this execution */
	unsigned ninv;			/* invariants (w->inv) */
	unsigned ninv_every;		/* of them, those checked after every step (public API) */
	/*
	 * The invariants that depend on the state alone (pcsim__invariant_register_state()) are
	 * checked from the state after this many steps on: the states before it are the same
	 * as an execution's that checked them already (DFS re-executing a decision prefix sets
	 * it at its begin; 0 checks every state).
	 */
	uint64_t inv_from;
	/*
	 * A decision prefix the strategy replays (DFS, set at its begin): decision i of this
	 * execution was taken at step pfx[i].step; pfx[i].run is the id of the context that ran
	 * on there, if the decision let the running context go on, else 0. While decisions of
	 * it are ahead, a step that is not one of them, or is one that lets the running context
	 * go on, is taken without enumerating the options or asking the strategy (the engine
	 * logs the choice, pfx_log): the prefix replays the previous execution step for step.
	 */
	const struct pcsim__pfx *pfx;
	size_t npfx;
	bool pfx_log;
	unsigned nlayers;		/* layer states (w->layers) */
	bool state_in_world;		/* pcsim_state_in_world(): prefixes may be restored */
	unsigned nclasses;		/* lockdep classes (w->classes) */
	struct pcsim__cleanup *cleanups;	/* pcsim_exec_cleanup_register, newest first */
	/* rcu (sim) */
	struct pcsim__rcu_cb *rcu_cbs;	/* waiting for their grace period */
	unsigned rcu_cbs_inflight;	/* queued, not yet run */
	uint64_t rcu_cb_seq;
	struct pcsim__rcu_cb *rcu_all;
	unsigned ngp_waiters;
	/*
	 * sim: the dispatch has more to do at each step than enumerate and pick: the partial-order
	 * recorder (w->por) or timed mode. Set when the execution starts (pcsim__sim_exec_start(),
	 * after the strategy's begin installed the recorder); a step tests this one flag instead
	 * of each (the invariants, which may be registered at any time, and the replayed prefix,
	 * whose test is the DFS hot path, keep their own tests).
	 */
	bool slow;
	/*
	 * sim: the options the last enumeration built (w->opts[0..opts_n)) are still exactly
	 * what enumerating now would build, and opts_ci is the running context's among them
	 * (sim/sched.c, "Options kept between steps"). Cleared by pcsim__opts_stale() wherever
	 * something the enumeration reads changes. In the holes of the structure rather than at
	 * its end: 16 more bytes here move every later field of the world, which alone cost the
	 * micro model 2 % (bench/README.md).
	 */
	bool opts_ok;
	int16_t opts_ci;
	/* sim: interrupt contexts that returned, reused last-in first-out (sim/sched.c fire()) */
	struct pcsim__ctx *irq_free;	/* chained through ->arg */
	struct pcsim__ctx *irq_zombie;	/* the last one to return: its fiber may still be ours */
	struct pcsim__event *ev_free;	/* their events, when nothing traces (->next_pending) */
};

struct pcsim__backend_ops;

/*
 * The footprint of a step, for partial-order reduction (src/explore/dpor.c; docs/engine.md
 * "The recorded footprint"). Recorded only while w->por is set (the dpor strategy sets it;
 * every other strategy leaves it NULL and each hook costs one predictable test). A step is what
 * the sim scheduler executes for one option: the chosen context's code up to its next
 * preemption point, an event firing, a store-buffer flush, a spurious wakeup. The hooks name
 * what a step touched by key: a shared word's address (the recorder turns it into an object
 * id in first-touch order, never using the address itself for a decision), or a pseudo object
 * of the engine (PCSIM_POR_KEY below).
 */
#define PCSIM_POR_R 1u
#define PCSIM_POR_W 2u
#define PCSIM_POR_RW 3u
/*
 * Flags a write may carry, so that the recorder can tell a race it cannot reverse: the written
 * object's owner could not run before this step, and nothing but this step's agent can change
 * that. ENABLE: a task woken from sleep or created (POR_WAKE), an event made pending (POR_EV).
 * HELD: the step's context held its CPU when the step began (POR_CPU): no other task of that
 * CPU runs until the same context lets go of it.
 */
#define PCSIM_POR_ENABLE 4u
#define PCSIM_POR_HELD 8u
/*
 * Finer kinds of access to a shared word, each dependent only on some others (the recorder's
 * conf_mask() is the table): ADD, an atomic add whose result nobody reads (atomic_inc/dec/add/
 * sub, atomic_long_inc/dec; not get_page(), which tests the old value): adds commute with each
 * other. BITW, a bit operation's write to the word: the bit
 * itself is an object of its own (PCSIM_POR_BITKEY), so bit writes to one word commute with
 * each other at the word. BITR, a bit test's read of the word: it depends only on the word's
 * full writes and adds (the bit's own object carries the rest). A plain R or W of the word
 * depends on all of them.
 */
#define PCSIM_POR_ADD 16u
#define PCSIM_POR_BITW 32u
#define PCSIM_POR_BITR 64u
/* A plain C field reported by the model (pcsim_plain_access()); the recorder may set it aside
 * (PCSIM_DPOR_NOPLAIN, for tests). */
#define PCSIM_POR_PLAIN 128u

enum pcsim__por_obj {
	POR_CPU = 1,	/* a CPU's preemptibility: its running context holds it (preempt_count,
			 * irqs off, an atomic context), which disables its other contexts */
	POR_SB,		/* a CPU's store buffer (tso): stores, flushes and drains */
	POR_WAKE,	/* a task's runnability: woken, created, exited */
	POR_TASKF,	/* a task's engine fields: signals, task_work, timer, exit */
	POR_EV,		/* an event: pending, cancelled, fired */
	POR_EVNEW,	/* event ids (allocated in order) */
	POR_TASKNEW,	/* task ids (allocated in order) */
	POR_RCU,	/* readers' sections against grace periods and callbacks */
	POR_SPURIOUS,	/* the spurious wakeup budget */
	POR_YIELD,	/* the cpu_relax() yielder */
};

/* Pseudo-object keys sit above every user-space address (x86-64: below 2^47). */
#define PCSIM_POR_KEY(obj, idx) ((1ull << 62) | ((uint64_t)(obj) << 32) | (uint32_t)(idx))
/* One bit of the unsigned long at @word: an object of its own (still a real, numbered one). */
#define PCSIM_POR_BITKEY(word, nr) \
	((1ull << 61) | ((uint64_t)(uintptr_t)(word) << 6) | ((nr) & 63u))

/*
 * Access hints (pcsim__ctx.por_hint): set by a wrapper just before its one access, taken by
 * that access's footprint hook (pcsim__por_hinted()), whatever steps run in between (the hint
 * lives in the context, the access is the context's next one). Set only while dpor records.
 * BIT: the access is a bit operation on bit (hint & 63) of the unsigned long it touches: a
 * test_bit() load, or an OR/AND/XOR RMW that changes that bit alone and whose returned value
 * is used for that bit only; BIT2 adds a read of bit ((hint >> 8) & 63) of the same word (the
 * sign bit of clear_bit_unlock_is_negative_byte()). ADD: an ADD RMW recorded as PCSIM_POR_ADD.
 */
#define PCSIM_POR_HINT_BIT (1u << 31)
#define PCSIM_POR_HINT_BIT2 (1u << 30)
#define PCSIM_POR_HINT_ADD (1u << 29)

struct pcsim__por {
	/* The scheduler was entered: the step under way (if any) is over. */
	void (*end)(struct pcsim__por *p);
	/* Dispatch is about to execute option @o of @n: a new step begins. */
	void (*step)(struct pcsim__por *p, struct pcsim_world *w, const struct pcsim__opt *o,
		     unsigned n);
	/* The current step touched @key (an address with @size bytes, or a pseudo key with
	 * @size 0) as @kind (PCSIM_POR_R/W/RW). */
	void (*access)(struct pcsim__por *p, uint64_t key, unsigned size, unsigned kind);
	/* The engine's: the context of the last step (sim/sched.c). */
	const struct pcsim__ctx *prev;
};

/*
 * The strategy seam. At each decision point the sim backend asks the world's chooser to pick one
 * of the enumerated options, and new agents (tasks, events) ask it for a PCT priority. The
 * exploration layer (src/explore/) installs it; the engine never sees a strategy.
 */
struct pcsim__chooser {
	/* Pick one of @n >= 2 options; @cur is the index of the current context's RUN option or
	 * -1; @data_kind labels a data choice (NULL otherwise). Records the choice in w->log. */
	unsigned (*pick)(void *s, struct pcsim_world *w, const struct pcsim__opt *opts, unsigned n,
			 int cur, const char *data_kind);
	/* A fresh random priority (PCT), or 0. */
	uint64_t (*prio)(void *s, struct pcsim_world *w);
	void *s;
};

struct pcsim_world {
	struct pcsim_config cfg;
	const struct pcsim__backend_ops *ops;	/* the backend, chosen once at world init */
	bool tracing;
	bool checks_inv, checks_lockdep, checks_atomic;
	const struct pcsim_program *prog;
	/* while setup() or finish() runs on the sim backend: where an execution that cannot go on
	 * (out of memory, too many tasks) leaves them, as a task's would stop (explore.c) */
	jmp_buf *escape;

	/* execution */
	uint64_t exec_gen;		/* bumped by every reset: stale objects are recognised */
	struct pcsim__exec ex;
	/* pcsim_forbid_access(): ranges a context must not touch (sim); checked when nforbid */
	struct pcsim__forbid {
		uintptr_t lo, hi;
		const struct pcsim__ctx *c;
		const char *what;
		bool writes_only;
	} forbid[PCSIM_MAX_FORBID];
	struct pcsim__cpu cpus[PCSIM_MAX_CPUS];
	struct pcsim_task *tasks[PCSIM_MAX_TASKS];
	struct pcsim__event **events;
	unsigned events_cap;

	/* outcome */
	char what[64];
	char msg[2048];

	/* arena (per execution) */
	struct arena_chunk *arena;
	struct arena_chunk *arena_free;

	/* fibers */
	struct pcsim__fiber main_fib;
	/*
	 * sim: what the watchdog's monitor reads of this world (sim/sched.c, "The watchdog"),
	 * written on the hot path: in the world rather than in the watchdog's registration
	 * (main_fib.wd), so that a step, a switch or an execution stores them with no pointer
	 * to load and test; without a watchdog nobody reads them and nobody sets fired. All
	 * atomic (relaxed): the monitor thread reads them and sets fired.
	 */
	struct {
		uint64_t beat;		/* the step number, at every point */
		uint64_t exec;		/* 1-based index of the running execution */
		unsigned cur;		/* id of the running context, 0 = the main context */
		int active;		/* an execution is running */
		int fired;		/* the monitor's verdict: no heartbeat for watchdog_ms */
		/* the step budget (cfg.max_steps) during an execution, 0 once the watchdog
		 * fired or the execution has an outcome (pcsim__vfail()): the sim dispatch
		 * loop's one test for the three (its slow side tells them apart) */
		uint64_t limit;
	} wd_pulse;
	void **stack_pool;
	unsigned nstack_pool, stack_pool_cap;
	void **stacks_used;
	unsigned nstacks_used, stacks_used_cap;
	void *dead_stack;	/* an interrupt context's stack, free once we switched off it */
	/*
	 * sim: task slot i (the task with id i + 1 in every execution) keeps its structure from
	 * one execution to the next: creating a task clears it, with no arena allocation. Its
	 * stack still comes from the pool (sim/sched.c stack_get(): the order matters to traces).
	 */
	struct pcsim_task *task_slots[PCSIM_MAX_TASKS];
	uintptr_t stack_lo, stack_hi;	/* bounds of every fiber stack ever allocated */

	/* strategy and schedule */
	struct pcsim__chooser chooser;	/* sim: installed by the explorer; unset = option 0 */
	struct pcsim__choice *log;
	size_t caplog;
	struct pcsim__por *por;		/* dpor: the footprint recorder; NULL = record nothing */

	/* invariants */
	struct {
		const char *name;
		int (*fn)(struct pcsim_world *w, void *arg);
		void *arg;
		bool every_step;	/* registered with pcsim_invariant_register() */
	} inv[PCSIM_MAX_INVARIANTS];

	/* trace */
	struct pcsim_trace_event *tr;
	size_t ntr, captr;
	struct objmap_ent *objs;
	size_t objcap, nobj;
	char **objnames;	/* by id, arena strings */
	size_t objnames_cap;

	/* lockdep */
	struct lock_class classes[PCSIM_MAX_CLASSES];
	uint64_t deps[PCSIM_MAX_CLASSES][PCSIM_MAX_CLASSES / 64];

	struct sb_entry sb_store[PCSIM_MAX_CPUS][PCSIM_SB_MAX];

	/* per-execution layer state (pcsim_world_layer) */
	struct {
		const void *key;
		void *data;
	} layers[16];


	/* weak memory mode (sim/mem.c): store histories and per-CPU views, allocated on first use */
	struct pcsim__weak *weak;

	/*
	 * sim: prefix restore (sim/snap.c). @restore: set by the strategy's begin (DFS), the
	 * snapshot this execution starts from instead of running setup() and replaying its
	 * prefix; cleared by every reset. @snap_resumed: raised by the restore for the
	 * snapshot's taker, which then returns into the execution it resumes. @snapper: the
	 * fiber that copies the state, made at the first snapshot. @stacks_freed: counts the
	 * fiber stacks given back to the system, which snapshots taken before no longer find.
	 */
	struct pcsim__snap *restore;
	bool snap_resumed;
	struct pcsim__snapper *snapper;
	uint64_t stacks_freed;

	/* threads backend */
	struct pcsim__thr_world *thr;

	/*
	 * sim: the options of the step being decided (sim/sched.c). One buffer per world, which
	 * runs on one thread; no two dispatches build options at once (a dispatch that switches
	 * away returns as soon as it resumes; one that fires an event enumerates again). They
	 * stay there after the step while nothing changes them (struct pcsim__exec.opts_ok):
	 * the next dispatch may take them as they are. Not thread-local storage: see
	 * PCSIM_TLS_IE.
	 */
	struct pcsim__opt opts[PCSIM_MAX_OPTS];
	/* sim, debug builds (no NDEBUG): where the dispatch enumerates again to check kept
	 * options against (sim/sched.c) */
#ifndef NDEBUG
	struct pcsim__opt opts_check[PCSIM_MAX_OPTS];
#endif
};

/*
 * The engine's hot thread-locals use the initial-exec TLS model: in the shared library the
 * default (dynamic) model calls __tls_get_addr() on every access, which cost the micro model
 * a sixth of its time. Initial-exec needs the library's TLS block in the static TLS area: true
 * when a program links the library, and when it is dlopen()ed as long as the block fits in
 * the C library's reserve for that (a few pointers here; large per-thread buffers such as the
 * dispatch's options live in the world instead).
 */
#define PCSIM_TLS_IE __attribute__((tls_model("initial-exec")))

/* The calling context (sim: the running fiber; threads: the calling thread). */
extern _Thread_local struct pcsim__ctx *pcsim__tls_ctx PCSIM_TLS_IE;
extern _Thread_local struct pcsim_world *pcsim__tls_world PCSIM_TLS_IE;	/* setup/finish */

static inline struct pcsim_world *cur_world(void)
{
	struct pcsim__ctx *c = pcsim__tls_ctx;
	return c ? c->w : pcsim__tls_world;
}

/* ---- world.c */
/* memset(@p, 0, @n) through the C library's: a constant size inlined at the call site
 * becomes `rep stos`, whose start-up costs more than clearing a few hundred bytes. */
void pcsim__zero(void *p, size_t n);
/* vsnprintf() for the usual name formats without stdio; false: @fmt needs vsnprintf() (mem.c) */
bool pcsim__name_format(char *buf, size_t len, const char *fmt, va_list ap);
void pcsim__config_normalize(struct pcsim_config *cfg);
/* Set up @w for @cfg (zeroes it first) and its backend: 0, or -ENOMEM (destroy it anyway). */
int pcsim__world_init(struct pcsim_world *w, const struct pcsim_config *cfg);
void pcsim__world_destroy(struct pcsim_world *w);
void pcsim__exec_reset(struct pcsim_world *w);
void pcsim__exec_release(struct pcsim_world *w);
void pcsim__failf(struct pcsim_world *w, enum pcsim_outcome o, const char *what, const char *fmt,
		  ...) __attribute__((format(printf, 4, 5)));
void pcsim__vfail(struct pcsim_world *w, enum pcsim_outcome o, const char *what,
		  const char *fmt, va_list ap);
const char *pcsim__ctx_label(const struct pcsim_world *w, uint32_t id, char *buf, size_t len);
struct pcsim__ctx *pcsim__ctx_by_id(struct pcsim_world *w, uint32_t id);
void pcsim__dump_blocked(struct pcsim_world *w, char *buf, size_t len);
char *pcsim__strdup_arena(struct pcsim_world *w, const char *s);
/* The registered invariants; with @replayed (a state the strategy knows checked), only those
 * registered with pcsim_invariant_register(). */
void pcsim__run_invariants(struct pcsim_world *w, bool replayed);
void pcsim__exec_cleanups_run(struct pcsim_world *w);
/* ---- cover.c: a counter of <pcsim/cover.h> set to @count (a checkpoint's, explore.c) */
void pcsim__cover_set(unsigned id, uint64_t count);
/* Write a deferred report (a deadlock's list of waiters) into w->msg. */
void pcsim__exec_message(struct pcsim_world *w);

/* ---- mem.c: plain memory (outside contexts, and under the sim backend's memory modes) */
static inline uint64_t pcsim__raw_load(const void *p, unsigned size)
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

static inline void pcsim__raw_store(void *p, unsigned size, uint64_t v)
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

static inline uint64_t pcsim__apply_rmw(uint64_t old, enum pcsim_rmw_op op, uint64_t a, uint64_t b, unsigned size,
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

/* The names of orderings, read-modify-write operations and barriers, for traces. */
extern const char *const pcsim__mo_names[];
extern const char *const pcsim__rmw_names[];
extern const char *const pcsim__fence_names[];

/* ---- core.c, signal.c, task_work.c, exit.c */
int pcsim__ttwu_nopoint(struct pcsim_world *w, struct pcsim_task *p, unsigned state, bool trace);
void pcsim__task_entry(void *arg);
void pcsim__send_signal_nopoint(struct pcsim_world *w, struct pcsim_task *p, int sig);
bool pcsim__signal_pending_state_locked(long state, struct pcsim_task *p);
int pcsim__task_work_run_locked(struct pcsim_task *t, bool exiting);

/* ---- spinlock.c / lockdep */
void pcsim__lockdep_acquire(struct pcsim_world *w, struct pcsim__ctx *c,
			    struct pcsim_spinlock *l);
void pcsim__lockdep_usage(struct pcsim_world *w, struct pcsim__ctx *c, struct pcsim_spinlock *l);
void pcsim__lockdep_release(struct pcsim_world *w, struct pcsim__ctx *c,
			    struct pcsim_spinlock *l);
const char *pcsim__lock_name(const struct pcsim_world *w, const struct pcsim_spinlock *l);

/* ---- event.c */
struct pcsim__event *pcsim__event_new(struct pcsim_world *w);
void pcsim__event_add_pending(struct pcsim_world *w, struct pcsim__event *ev);
void pcsim__event_remove_pending(struct pcsim_world *w, struct pcsim__event *ev);

/* ---- tracepoint.c: recording (rendering and hashing: src/trace/) */
void pcsim__trace_reset(struct pcsim_world *w);
void pcsim__trace(struct pcsim_world *w, struct pcsim__ctx *c, const struct pcsim_trace_kind *k,
		  uint32_t obj, uint32_t obj2, uint64_t a, uint64_t b, const char *str);
uint32_t pcsim__obj_id(struct pcsim_world *w, const void *addr);
/* describe.c: @addr's object id if it has one, else 0; assigns nothing (read-only views). */
uint32_t pcsim__obj_peek(const struct pcsim_world *w, const void *addr);
uint32_t pcsim__obj_id_fresh(struct pcsim_world *w, const void *addr);
/* Put @addr's number @id back into the object table (a restored snapshot, sim/snap.c): the
 * table is empty of @addr and has room (it only grows, and held the entry when it was saved). */
void pcsim__obj_insert(struct pcsim_world *w, const void *addr, uint32_t id);
const char *pcsim__state_name(long state);

/* Trace an engine event under the world's lock (the trace buffer is shared on threads). */
void pcsim__trace_under_lock(struct pcsim_world *w, struct pcsim__ctx *c,
			     const struct pcsim_trace_kind *k, uint32_t obj, uint64_t a,
			     uint64_t b, const char *s);

static inline void pcsim__trace_locked(struct pcsim_world *w, struct pcsim__ctx *c,
				       const struct pcsim_trace_kind *k, uint32_t obj, uint64_t a,
				       uint64_t b, const char *s)
{
	if (w->tracing)
		pcsim__trace_under_lock(w, c, k, obj, a, b, s);
}

/* Engine trace kinds (tracepoint.c). */
extern const struct pcsim_trace_kind pcsim__tk_load, pcsim__tk_store, pcsim__tk_rmw,
	pcsim__tk_fence, pcsim__tk_flush, pcsim__tk_state, pcsim__tk_sleep,
	pcsim__tk_wake, pcsim__tk_lock, pcsim__tk_unlock, pcsim__tk_irq_enter, pcsim__tk_irq_exit,
	pcsim__tk_signal, pcsim__tk_tw_add, pcsim__tk_tw_run, pcsim__tk_rcu, pcsim__tk_exit,
	pcsim__tk_start, pcsim__tk_fail, pcsim__tk_data, pcsim__tk_spurious, pcsim__tk_post;

/* ---------------------------------------------------------------------------------------------
 * The backend: one table per implementation, chosen once when the world is made (the way
 * userspace-rcu selects a flavour through struct rcu_flavor_struct). The engine's files above
 * (core.c, signal.c, task_work.c, spinlock.c, rcu.c, event.c, mem.c, world.c) hold what both
 * backends share and reach everything backend-specific through w->ops; sim/ and threads/ each
 * fill one table. Context rules are those of the public function that calls the entry.
 */
struct pcsim__backend_ops {
	const char *name;
	/* Executions are reproducible from their choice log (schedule files, replay, traces). */
	bool replayable;

	/* World and execution. init: 0 or -ENOMEM; run_exec: run the tasks setup() created until
	 * they all exit or the execution fails; hung: an execution's threads could not be
	 * reclaimed (its memory must not be freed). */
	int (*world_init)(struct pcsim_world *w);
	void (*world_destroy)(struct pcsim_world *w);
	void (*run_exec)(struct pcsim_world *w);
	bool (*hung)(struct pcsim_world *w);
	/* The world's global lock (recursive). NULL where one thread runs everything: the
	 * helpers below then cost a test, not a call. */
	void (*lock)(struct pcsim_world *w);
	void (*unlock)(struct pcsim_world *w);

	/* pcsim_fail() recorded a violation: stop the execution if the backend can (outside setup
	 * and finish), or return to the caller. */
	void (*violation)(struct pcsim_world *w);

	/* A preemption point: the step before a primitive's effect. */
	void (*point)(struct pcsim_world *w, struct pcsim__ctx *c);
	/* A full barrier that is not a step of its own (locked instruction, cmpxchg, __schedule). */
	void (*full_barrier)(struct pcsim_world *w, struct pcsim__ctx *c);

	/* Tasks (core.c): a task was created and must start; its state word is written (@mb: with
	 * the full barrier of set_current_state); try_to_wake_up after the caller's point; the
	 * sleeping part of schedule() and schedule_timeout(); cpu_relax; do_exit's last step. */
	void (*task_created)(struct pcsim_world *w, struct pcsim_task *t);
	void (*set_state)(struct pcsim_world *w, struct pcsim_task *t, long state, bool mb);
	int (*ttwu)(struct pcsim_world *w, struct pcsim__ctx *c, struct pcsim_task *p,
		    unsigned state, bool trace);
	void (*schedule)(struct pcsim_world *w, struct pcsim_task *t);
	long (*schedule_timeout)(struct pcsim_world *w, struct pcsim_task *t, long timeout);
	bool (*task_sleeping)(const struct pcsim_task *t);
	void (*cpu_relax)(struct pcsim_world *w, struct pcsim__ctx *c);
	PCSIM_NORETURN void (*task_exit)(struct pcsim_world *w, struct pcsim_task *t);

	/* Signals and task_work: deliver a posted signal; task_work_add(TWA_SIGNAL) notifies;
	 * pcsim_task_work_wait() blocks until task_work or a signal may be there. */
	int (*post_signal)(struct pcsim_world *w, struct pcsim_task *p, int sig);
	void (*task_work_kick)(struct pcsim_world *w, struct pcsim_task *t);
	void (*task_work_block)(struct pcsim_world *w, struct pcsim_task *t);

	/* Events (event.c): make a filled-in event pending; called without the global lock. */
	int (*event_post)(struct pcsim_world *w, struct pcsim__event *ev);
	/* Data choices and time. */
	uint64_t (*choose)(struct pcsim_world *w, const char *kind, uint64_t n);
	uint64_t (*now_ns)(struct pcsim_world *w);

	/* RCU (rcu.c does the context checks and the nesting count). */
	void (*rcu_read_lock)(struct pcsim_world *w, struct pcsim__ctx *c);
	void (*rcu_read_unlock)(struct pcsim_world *w, struct pcsim__ctx *c);
	void (*synchronize_rcu)(struct pcsim_world *w, struct pcsim_task *t);
	void (*call_rcu)(struct pcsim_world *w, struct pcsim__ctx *c,
			 struct pcsim_callback_head *head,
			 void (*func)(struct pcsim_callback_head *head));
	void (*rcu_barrier)(struct pcsim_world *w, struct pcsim_task *t);
	void (*rcu_ctx_exit)(struct pcsim_world *w, struct pcsim__ctx *c);

	/* Spinlock words (spinlock.c takes the point, the preemption and irq state, lockdep).
	 * acquire: take @l (acquire), spinning as the backend spins, and set the owner (@irqs: an
	 * _irq/_irqsave form, for the trace); trylock: one attempt; word: the lock word reads
	 * locked; release: clear owner and word (release; @irqsave for the trace). */
	void (*spin_acquire)(struct pcsim_world *w, struct pcsim__ctx *c, struct pcsim_spinlock *l,
			     bool irqs);
	bool (*spin_trylock)(struct pcsim_world *w, struct pcsim__ctx *c, struct pcsim_spinlock *l);
	bool (*spin_word)(struct pcsim_world *w, struct pcsim__ctx *c, struct pcsim_spinlock *l);
	void (*spin_release)(struct pcsim_world *w, struct pcsim__ctx *c, struct pcsim_spinlock *l,
			     unsigned long irqsave);

	/* Shared memory (mem.c): accesses by a context, with and without a preemption point. */
	uint64_t (*load)(struct pcsim__ctx *c, const void *p, unsigned size, enum pcsim_mo mo);
	void (*store)(struct pcsim__ctx *c, void *p, unsigned size, uint64_t v, enum pcsim_mo mo);
	uint64_t (*load_np)(struct pcsim__ctx *c, const void *p, unsigned size, enum pcsim_mo mo);
	void (*store_np)(struct pcsim__ctx *c, void *p, unsigned size, uint64_t v,
			 enum pcsim_mo mo);
	uint64_t (*rmw)(struct pcsim__ctx *c, void *p, unsigned size, enum pcsim_rmw_op op,
			uint64_t operand, uint64_t operand2, enum pcsim_mo mo);
	void (*fence)(struct pcsim__ctx *c, enum pcsim_fence f);
	/* __set_bit/__clear_bit: a non-atomic read-modify-write of one word (@set: or, else and-not). */
	void (*bit_nonatomic)(struct pcsim__ctx *c, unsigned long *word, unsigned long mask,
			      bool set);
	/* pcsim_forbid_access(): record or end a forbidden range (a no-op where unchecked). */
	void (*forbid)(struct pcsim__ctx *c, const void *addr, size_t size, const char *what,
		       bool writes_only);
	void (*allow)(struct pcsim__ctx *c, const void *addr);
	/* Before pcsim__setup_escape() leaves setup or finish: let go of what the calling thread
	 * holds (the threads backend's global lock, at any depth). NULL: nothing to release. */
	void (*setup_unwind)(struct pcsim_world *w);
};

extern const struct pcsim__backend_ops pcsim__sim_ops;		/* sim/ */
extern const struct pcsim__backend_ops pcsim__threads_ops;	/* threads/ */

/*
 * Setup or finish cannot go on (the outcome is already PCSIM_OUTCOME_INTERNAL): leave them
 * as a task would stop, on either backend, so no program or model layer needs to check
 * pcsim_alloc() or pcsim_task_create() for NULL in setup. The threads backend first lets go
 * of its global lock, which the failing call may hold (setup_unwind).
 */
static inline void pcsim__setup_escape(struct pcsim_world *w)
{
	if (!w->escape || pcsim__tls_ctx)
		return;
	if (w->ops->setup_unwind)
		w->ops->setup_unwind(w);
	longjmp(*w->escape, 1);
}

/* The global lock of a backend that has one (threads); the sim backend has none, which one
 * compare of w->ops tells without loading the table (pcsim__sim_direct(), below). */
static inline bool pcsim__sim_direct(const struct pcsim_world *w);

static inline void pcsim__world_lock(struct pcsim_world *w)
{
	if (!pcsim__sim_direct(w) && w->ops->lock)
		w->ops->lock(w);
}

static inline void pcsim__world_unlock(struct pcsim_world *w)
{
	if (!pcsim__sim_direct(w) && w->ops->unlock)
		w->ops->unlock(w);
}

/* sim/sched.c: the scheduler of the sim backend (sim/sim.h says more), and the two halves of
 * its run_exec around the main context's first dispatch. */
void pcsim__sim_dispatch(struct pcsim_world *w, struct pcsim__ctx *cur);
void pcsim__sim_exec_start(struct pcsim_world *w);
void pcsim__sim_exec_over(struct pcsim_world *w);

/*
 * Prefix restore (sim/snap.c; docs/explore.md, "Prefixes are restored"): a snapshot of the
 * whole state of an execution at a decision, taken by the strategy in its pick, so that a
 * later execution that changes that decision starts there instead of replaying up to it.
 *
 * pcsim__snap_new - an empty snapshot. Return: it, or NULL (no memory).
 * pcsim__snap_made - how many pcsim__snap_new() made in this process (any thread), for
 *   tests: a strategy that keeps its snapshots for reuse makes few (dfs.c's pool).
 * pcsim__snap_free - free @s (NULL: nothing). Not while a world restores from it.
 * pcsim__snap_take - from a strategy's pick, running in a context of the sim backend: save
 *   the state of @w as it is now into @s. Return: 0 saved; 1 the execution was restored from
 *   @s (pcsim__snap_run()) and goes on from here (the pick answers for the new execution);
 *   -1 nothing saved, the state cannot be restored here (a trace, the recorder, the weak
 *   memory mode, --coverage, invariants of every step, exec cleanups, a program that did
 *   not call pcsim_state_in_world(), the main context, or a sanitizer that cannot
 *   follow a copied stack: TSan).
 * pcsim__snap_bytes - the memory @s holds, for a strategy's budget.
 * pcsim__snap_usable - can @w's next execution start from @s (taken in this world, no stack
 *   freed since, nothing traced)? Between executions, after the reset.
 * pcsim__snap_run - run the execution begun in @w (w->restore set, the strategy's begin
 *   done) from the snapshot instead of setup() and the prefix. Main context.
 * pcsim__snap_world_free - the world's snapshot fiber (world destroy).
 */
struct pcsim__snap;
struct pcsim__snap *pcsim__snap_new(void);
unsigned long pcsim__snap_made(void);
void pcsim__snap_free(struct pcsim__snap *s);
int pcsim__snap_take(struct pcsim_world *w, struct pcsim__snap *s);
bool pcsim__snap_usable(const struct pcsim_world *w, const struct pcsim__snap *s);
/* The memory @s holds (its buffer's size). */
size_t pcsim__snap_bytes(const struct pcsim__snap *s);
void pcsim__snap_run(struct pcsim_world *w);
void pcsim__snap_world_free(struct pcsim_world *w);
/* sim/core.c: the sim backend's task primitives (its ops table's entries), which the shared
 * code calls directly on that backend (sim_direct()) so that LTO can inline them. */
void pcsim__sim_task_created(struct pcsim_world *w, struct pcsim_task *t);
void pcsim__sim_set_state(struct pcsim_world *w, struct pcsim_task *t, long state, bool mb);
int pcsim__sim_ttwu(struct pcsim_world *w, struct pcsim__ctx *c, struct pcsim_task *p,
		    unsigned state, bool tr);
void pcsim__sim_schedule(struct pcsim_world *w, struct pcsim_task *t);
PCSIM_NORETURN void pcsim__sim_task_exit(struct pcsim_world *w, struct pcsim_task *t);

/* Is @w on the sim backend (whose entries the shared code may call without the ops table)? */
static inline bool pcsim__sim_direct(const struct pcsim_world *w)
{
	return __builtin_expect(w->ops == &pcsim__sim_ops, 1);
}

/*
 * Run the execution set up in @w (w->ops->run_exec). On the sim backend the main context's
 * dispatch is called from the caller's own frame: while the execution's fibers run, every
 * frame between the caller and the switch is suspended, and each of their returns afterwards
 * is mispredicted (the return-stack predictor holds the fibers' calls), so there is one frame
 * fewer to return through.
 */
static inline void pcsim__run_exec(struct pcsim_world *w)
{
	if (pcsim__sim_direct(w)) {
		pcsim__sim_exec_start(w);
		pcsim__sim_dispatch(w, NULL);
		pcsim__sim_exec_over(w);
		return;
	}
	w->ops->run_exec(w);
}

/*
 * A preemption point of @c. The sim backend's is reached without the ops table (one compare
 * instead of two indirect calls per step; pcsim__sim_point() in sim/sim.h is the same test):
 * a task's first point is not a decision of its own, later ones ask the scheduler.
 */
static inline void pcsim__point(struct pcsim__ctx *c)
{
	struct pcsim_world *w = c->w;
	if (pcsim__sim_direct(w)) {
		if (__builtin_expect(c->fresh, 0)) {
			c->fresh = false;
			return;
		}
		pcsim__sim_dispatch(w, c);
		return;
	}
	w->ops->point(w, c);
}

/* A fresh PCT priority from the world's chooser (0 without one). */
static inline uint64_t pcsim__prio(struct pcsim_world *w)
{
	return w->chooser.prio ? w->chooser.prio(w->chooser.s, w) : 0;
}


/* Footprint hooks (see struct pcsim__por): nothing but a test unless the dpor strategy runs.
 * Always inlined: an out-of-line copy (which LTO made of pcsim__por_obj()) costs a call per
 * hook where the inline test costs one compare. */
static inline __attribute__((always_inline)) void
pcsim__por_mem(struct pcsim_world *w, const void *p, unsigned size, unsigned kind)
{
	if (__builtin_expect(w->por != NULL, 0))
		w->por->access(w->por, (uint64_t)(uintptr_t)p, size & 0xffu, kind);
}

static inline __attribute__((always_inline)) void
pcsim__por_obj(struct pcsim_world *w, enum pcsim__por_obj obj, uint32_t idx, unsigned kind)
{
	if (__builtin_expect(w->por != NULL, 0))
		w->por->access(w->por, PCSIM_POR_KEY(obj, idx), 0, kind);
}

/* An access of @c that a hint may refine (@op: the RMW's operation, -1 for a load). */
void pcsim__por_hinted(struct pcsim_world *w, struct pcsim__ctx *c, const void *p,
		       unsigned size, unsigned kind, int op);

static inline __attribute__((always_inline)) void
pcsim__por_access(struct pcsim_world *w, struct pcsim__ctx *c, const void *p, unsigned size,
		  unsigned kind, int op)
{
	if (__builtin_expect(w->por != NULL, 0)) {
		if (__builtin_expect(c->por_hint != 0, 0))
			pcsim__por_hinted(w, c, p, size, kind, op);
		else
			w->por->access(w->por, (uint64_t)(uintptr_t)p, size & 0xffu, kind);
	}
}

/* Set @c's hint for its next access, when the dpor recorder runs. */
static inline void pcsim__por_hint(struct pcsim__ctx *c, uint32_t hint)
{
	if (c && __builtin_expect(c->w->por != NULL, 0))
		c->por_hint = hint;
}

/*
 * Something the sim scheduler's enumeration of options reads has changed (a task's run state
 * or runnable set, a CPU's current or atomic context, a context's preempt_count or irqs_off,
 * the pending events, the yielder): the options kept from the last step are stale
 * (struct pcsim__exec.opts_ok). A plain store: from the sim backend, or under the world's
 * lock on any backend; primitives that the threads backend runs on several threads at once
 * call pcsim__opts_stale_any().
 */
static inline void pcsim__opts_stale(struct pcsim_world *w)
{
	w->ex.opts_ok = false;
}

static inline bool pcsim__sim_direct(const struct pcsim_world *w);

/* pcsim__opts_stale() from any context of any backend (the threads backend keeps none). */
static inline void pcsim__opts_stale_any(struct pcsim_world *w)
{
	if (pcsim__sim_direct(w))
		w->ex.opts_ok = false;
}

/* The runnable sets of struct pcsim__cpu: @c (a task) became CR_RUNNABLE, or stopped being. */
static inline void pcsim__rq_add(struct pcsim_world *w, const struct pcsim__ctx *c)
{
	unsigned i = c->id - 1;
	w->cpus[c->cpu].rq[i / 64] |= 1ull << (i % 64);
	pcsim__opts_stale(w);
}

static inline void pcsim__rq_del(struct pcsim_world *w, const struct pcsim__ctx *c)
{
	unsigned i = c->id - 1;
	w->cpus[c->cpu].rq[i / 64] &= ~(1ull << (i % 64));
	pcsim__opts_stale(w);
}

/* Common helper: the current context, failing loudly when there is none. */
struct pcsim__ctx *pcsim__need_ctx_slow(const char *fn);
struct pcsim_task *pcsim__need_task_slow(const char *fn);

/* The calling context, or NULL with the misuse reported (world.c: the slow paths). */
static inline struct pcsim__ctx *pcsim__need_ctx(const char *fn)
{
	struct pcsim__ctx *c = pcsim__tls_ctx;
	if (__builtin_expect(c != NULL, 1))
		return c;
	return pcsim__need_ctx_slow(fn);
}

/* The calling task, or NULL with the misuse reported (setup, an atomic context). */
static inline struct pcsim_task *pcsim__need_task(const char *fn)
{
	struct pcsim__ctx *c = pcsim__tls_ctx;
	if (__builtin_expect(c && c->kind == PCSIM_CTX_TASK, 1))
		return (struct pcsim_task *)c;
	return pcsim__need_task_slow(fn);
}

#endif /* PCSIM_SCHED_INT_H */
