/* SPDX-License-Identifier: MIT */
/*
 * sched_int.h - the engine's private structures, shared by the sim and threads backends,
 * the strategies, the memory model and the trace.
 */
#ifndef PCSIM_SCHED_INT_H
#define PCSIM_SCHED_INT_H

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pcsim/explore.h>
#include <pcsim/mem.h>
#include <pcsim/sched.h>
#include <pcsim/trace.h>

#include "sched/fiber.h"

#define PCSIM_MAX_HELD 16		/* lockdep: locks held by one context */
#define PCSIM_MAX_CLASSES 256		/* lockdep: lock classes per world */
#define PCSIM_MAX_INVARIANTS 32
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
};

struct pcsim__cpu {
	struct pcsim__ctx *curr;	/* the task on this CPU, NULL when idle */
	struct pcsim__ctx *irq;		/* the running atomic context, if any */
	struct pcsim__ctx *tasks, **tasks_tail;	/* the tasks pinned to this CPU */
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

struct pcsim_world {
	struct pcsim_config cfg;
	bool sim;
	bool tracing;
	bool checks_inv, checks_lockdep, checks_atomic;
	const struct pcsim_program *prog;

	/* execution */
	uint64_t exec_gen;
	uint64_t exec_index;
	uint64_t step;
	/* pcsim_forbid_access(): ranges a context must not touch (sim); checked when nforbid */
	struct pcsim__forbid {
		uintptr_t lo, hi;
		const struct pcsim__ctx *c;
		const char *what;
		bool writes_only;
	} forbid[PCSIM_MAX_FORBID];
	unsigned nforbid;
	uint64_t now;
	struct pcsim__ctx *cur;
	struct pcsim__cpu cpus[PCSIM_MAX_CPUS];
	struct pcsim_task *tasks[PCSIM_MAX_TASKS];
	unsigned ntasks, nexited;
	unsigned task_rr, ev_rr;
	struct pcsim__event **events;
	unsigned nevents, events_cap;
	unsigned npending;
	struct pcsim__event *pending;	/* list of pending events, by id */
	unsigned spurious_used;
	struct pcsim__ctx *yielder;

	/* outcome */
	enum pcsim_outcome outcome;
	char what[64];
	char msg[2048];
	uint64_t fail_step;
	bool in_finish;
	bool msg_deferred;		/* msg still to be written (pcsim__exec_message) */
	unsigned deadlock_waiting;

	/* arena (per execution) */
	struct arena_chunk *arena;
	struct arena_chunk *arena_free;

	/* fibers */
	struct pcsim__fiber main_fib;
	void **stack_pool;
	unsigned nstack_pool, stack_pool_cap;
	void **stacks_used;
	unsigned nstacks_used, stacks_used_cap;
	uintptr_t stack_lo, stack_hi;	/* bounds of every fiber stack ever allocated */

	/* strategy and schedule */
	struct pcsim__strategy *strat;
	struct pcsim__choice *log;
	size_t nlog, caplog;
	uint64_t ndecisions;

	/* invariants */
	struct {
		const char *name;
		int (*fn)(struct pcsim_world *w, void *arg);
		void *arg;
	} inv[PCSIM_MAX_INVARIANTS];
	unsigned ninv;

	/* trace */
	struct pcsim_trace_event *tr;
	size_t ntr, captr;
	struct objmap_ent *objs;
	size_t objcap, nobj;
	char **objnames;	/* by id, arena strings */
	size_t objnames_cap;

	/* lockdep */
	struct lock_class classes[PCSIM_MAX_CLASSES];
	unsigned nclasses;
	uint64_t deps[PCSIM_MAX_CLASSES][PCSIM_MAX_CLASSES / 64];

	/* rcu */
	struct pcsim__rcu_cb *rcu_cbs;	/* waiting for their grace period */
	unsigned rcu_cbs_inflight;	/* queued, not yet run */
	uint64_t rcu_cb_seq;
	struct pcsim__rcu_cb *rcu_all;
	unsigned ngp_waiters;

	struct sb_entry sb_store[PCSIM_MAX_CPUS][PCSIM_SB_MAX];

	/* per-execution layer state (pcsim_world_layer) */
	struct {
		const void *key;
		void *data;
	} layers[16];
	unsigned nlayers;

	/* per-execution cleanup hooks (pcsim_exec_cleanup_register), most recent first */
	struct pcsim__cleanup *cleanups;

	/* threads backend */
	struct pcsim__thr_world *thr;
};

/* The calling context (sim: the running fiber; threads: the calling thread). */
extern _Thread_local struct pcsim__ctx *pcsim__tls_ctx;
extern _Thread_local struct pcsim_world *pcsim__tls_world;	/* set during setup/finish */

static inline struct pcsim_world *cur_world(void)
{
	struct pcsim__ctx *c = pcsim__tls_ctx;
	return c ? c->w : pcsim__tls_world;
}

/* ---- world.c */
void pcsim__config_normalize(struct pcsim_config *cfg);
void pcsim__world_init(struct pcsim_world *w, const struct pcsim_config *cfg);
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
void pcsim__run_invariants(struct pcsim_world *w);
void pcsim__exec_cleanups_run(struct pcsim_world *w);

/* ---- sim.c: the deterministic scheduler */
void pcsim__sim_point(struct pcsim_world *w, struct pcsim__ctx *c);
void pcsim__sim_block(struct pcsim_world *w, struct pcsim__ctx *c);
PCSIM_NORETURN void pcsim__sim_exit_ctx(struct pcsim_world *w, struct pcsim__ctx *c);
PCSIM_NORETURN void pcsim__sim_abort_exec(struct pcsim_world *w);
void pcsim__sim_run_exec(struct pcsim_world *w);
void pcsim__sim_make_runnable(struct pcsim_world *w, struct pcsim__ctx *c);
void pcsim__sim_ctx_start(struct pcsim_world *w, struct pcsim__ctx *c);
void pcsim__exec_message(struct pcsim_world *w);
uint64_t pcsim__sim_choose_data(struct pcsim_world *w, const char *kind, uint64_t n);
void pcsim__sim_release_stacks(struct pcsim_world *w);

/* ---- mem.c: memory model primitives without a preemption point */
uint64_t pcsim__mm_load(struct pcsim_world *w, struct pcsim__ctx *c, const void *p,
			unsigned size);
void pcsim__mm_store(struct pcsim_world *w, struct pcsim__ctx *c, void *p, unsigned size,
		     uint64_t v);
uint64_t pcsim__trace_value(struct pcsim_world *w, uint64_t v, bool ptr);
void pcsim__mm_drain(struct pcsim_world *w, unsigned cpu);
void pcsim__mm_flush_one(struct pcsim_world *w, unsigned cpu, bool forced);
uint64_t pcsim__raw_load(const void *p, unsigned size);
struct pcsim__ctx *pcsim__stack_owner(struct pcsim_world *w, const void *p);
void pcsim__raw_store(void *p, unsigned size, uint64_t v);

/* ---- task.c: sleeping, waking, signals, task_work */
int pcsim__ttwu_nopoint(struct pcsim_world *w, struct pcsim_task *p, unsigned state, bool trace);
void pcsim__task_entry(void *arg);
void pcsim__send_signal_nopoint(struct pcsim_world *w, struct pcsim_task *p, int sig);

/* ---- spinlock.c / lockdep */
void pcsim__lockdep_acquire(struct pcsim_world *w, struct pcsim__ctx *c,
			    struct pcsim_spinlock *l);
void pcsim__lockdep_usage(struct pcsim_world *w, struct pcsim__ctx *c, struct pcsim_spinlock *l);
void pcsim__lockdep_release(struct pcsim_world *w, struct pcsim__ctx *c,
			    struct pcsim_spinlock *l);
const char *pcsim__lock_name(const struct pcsim_world *w, const struct pcsim_spinlock *l);

/* ---- rcu.c */
void pcsim__rcu_ctx_exit(struct pcsim_world *w, struct pcsim__ctx *c);

/* ---- event.c */
struct pcsim__event *pcsim__event_new(struct pcsim_world *w);
void pcsim__event_add_pending(struct pcsim_world *w, struct pcsim__event *ev);
void pcsim__event_remove_pending(struct pcsim_world *w, struct pcsim__event *ev);
void pcsim__irq_entry(void *arg);

/* ---- strategy.c */
struct pcsim__strategy *pcsim__strategy_new(const struct pcsim_explore_opts *o, char *err,
					    size_t errlen);
void pcsim__strategy_free(struct pcsim__strategy *s);
/* Called at the start of each execution; returns false when the strategy is done (DFS). */
bool pcsim__strategy_begin(struct pcsim__strategy *s, struct pcsim_world *w);
/* Called at the end of each execution. */
void pcsim__strategy_end(struct pcsim__strategy *s, struct pcsim_world *w);
/* Pick one of @n >= 2 options; @cur is the index of the current context's RUN option or -1. */
unsigned pcsim__strategy_pick(struct pcsim__strategy *s, struct pcsim_world *w,
			      const struct pcsim__opt *opts, unsigned n, int cur,
			      const char *data_kind);
uint64_t pcsim__strategy_prio(struct pcsim__strategy *s, struct pcsim_world *w);
bool pcsim__strategy_exhausted(const struct pcsim__strategy *s);
bool pcsim__strategy_diverged(const struct pcsim__strategy *s, char *msg, size_t len);

/* ---- schedule.c: the choice log as text */
char *pcsim__schedule_format(const struct pcsim_world *w, const struct pcsim_explore_opts *o,
			     uint64_t exec_index);
int pcsim__schedule_parse(const char *text, struct pcsim__choice **out, size_t *n,
			  char **program, char **config, char *err, size_t errlen);
void pcsim__config_format(const struct pcsim_config *cfg, char *buf, size_t len);
void pcsim__choice_format(const struct pcsim__choice *c, char *buf, size_t len);

/* ---- trace.c */
void pcsim__trace_reset(struct pcsim_world *w);
uint64_t pcsim__trace_hash(const struct pcsim_world *w);
char *pcsim__trace_render(const struct pcsim_world *w);
void pcsim__trace(struct pcsim_world *w, struct pcsim__ctx *c, const struct pcsim_trace_kind *k,
		  uint32_t obj, uint32_t obj2, uint64_t a, uint64_t b, const char *str);
uint32_t pcsim__obj_id(struct pcsim_world *w, const void *addr);
const char *pcsim__state_name(long state);

/* Engine trace kinds (trace.c). */
extern const struct pcsim_trace_kind pcsim__tk_load, pcsim__tk_store, pcsim__tk_rmw,
	pcsim__tk_fence, pcsim__tk_flush, pcsim__tk_state, pcsim__tk_sleep,
	pcsim__tk_wake, pcsim__tk_lock, pcsim__tk_unlock, pcsim__tk_irq_enter, pcsim__tk_irq_exit,
	pcsim__tk_signal, pcsim__tk_tw_add, pcsim__tk_tw_run, pcsim__tk_rcu, pcsim__tk_exit,
	pcsim__tk_start, pcsim__tk_fail, pcsim__tk_data, pcsim__tk_spurious, pcsim__tk_post;

/* ---- threads.c */
int pcsim__thr_world_init(struct pcsim_world *w);
void pcsim__thr_world_destroy(struct pcsim_world *w);
int pcsim__thr_run_exec(struct pcsim_world *w);
void pcsim__thr_task_created(struct pcsim_world *w, struct pcsim_task *t);
void pcsim__thr_sleep(struct pcsim_world *w, struct pcsim_task *t);
void pcsim__thr_wake(struct pcsim_world *w, struct pcsim_task *t);
int pcsim__thr_event_post(struct pcsim_world *w, struct pcsim__event *ev);
/*
 * del_timer_sync() for a posted event: unless its handler has begun, it completes without
 * running (at once if its timer is armed); if the handler has begun, wait until it has
 * returned. Whoever claims the event first (EV_CLAIM_*) decides.
 */
#define EV_CLAIM_RUN 1
#define EV_CLAIM_CANCEL 2
void pcsim__thr_event_cancel(struct pcsim_world *w, struct pcsim__event *ev);
void pcsim__thr_task_work_kick(struct pcsim_world *w, struct pcsim_task *t);
void pcsim__thr_loop_wait(struct pcsim_world *w, struct pcsim_task *t);
PCSIM_NORETURN void pcsim__thr_task_exit(struct pcsim_world *w, struct pcsim_task *t);
void pcsim__thr_rcu_read_lock(void);
void pcsim__thr_rcu_read_unlock(void);
void pcsim__thr_synchronize_rcu(void);
void pcsim__thr_call_rcu(struct pcsim_world *w, struct pcsim_callback_head *head,
			 void (*func)(struct pcsim_callback_head *head));
void pcsim__thr_rcu_barrier(void);
int pcsim__thr_post_signal(struct pcsim_world *w, struct pcsim_task *p, int sig);
void pcsim__thr_cpu_relax(void);
void pcsim__thr_lock_global(struct pcsim_world *w);
void pcsim__thr_unlock_global(struct pcsim_world *w);
bool pcsim__thr_world_hung(struct pcsim_world *w);

/* Common helper: the current context, failing loudly when there is none. */
struct pcsim__ctx *pcsim__need_ctx(const char *fn);
struct pcsim_task *pcsim__need_task(const char *fn);

#endif /* PCSIM_SCHED_INT_H */
