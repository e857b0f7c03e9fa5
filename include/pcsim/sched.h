/* SPDX-License-Identifier: MIT */
/*
 * pcsim/sched.h - the engine: worlds, CPUs, tasks and atomic contexts, sleeping and waking,
 * signals, task_work, spinlocks with lockdep-lite, RCU, events as choices, violations.
 *
 * Kernel counterparts (5.10): kernel/sched/core.c (try_to_wake_up, __schedule),
 * include/linux/sched.h (task states, set_current_state), include/linux/sched/signal.h
 * (signal_pending_state), kernel/task_work.c, include/linux/spinlock.h, kernel/locking/lockdep.c
 * (the checks, much reduced), kernel/rcu/ (the guarantees only).
 *
 * Contexts. Everything below marked "Context: task" may be called only from a task created with
 * pcsim_task_create(); "Context: any" also from an atomic context (an event handler: hard IRQ or
 * softirq); "Context: setup" only from a program's setup() or finish() callbacks, outside any
 * context. Calling a function from the wrong context is reported as a violation (sim backend) or
 * returns -EPERM where a return value exists.
 *
 * Kernel-flavoured names (set_current_state, schedule, spin_lock_irqsave, ...) for these
 * functions live in include/pcsim/kernel/; this header keeps the pcsim_ prefix.
 */
#ifndef PCSIM_SCHED_H
#define PCSIM_SCHED_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pcsim/export.h>
#include <pcsim/mem.h>

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

/* Engine-level bug injection (struct pcsim_config.inject), for tests that show a check works. */
#define PCSIM_INJECT_SCS_NO_MB 0x1u	/* set_current_state() without its full barrier */
/* Bits 0x2-0x20 are the page-cache layer's mutants (<pcsim/pagecache.h>). */

#define PCSIM_MAX_CPUS 64
#define PCSIM_MAX_TASKS 256

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
	/* Tunables of the model layers, kept here so one struct describes a world. */
	unsigned wait_table_bits;	/* PAGE_WAIT_TABLE_BITS, kernel default 8 */
	unsigned walk_break_cnt;	/* WAITQUEUE_WALK_BREAK_CNT, kernel default 64 */
	int page_lock_unfairness;	/* sysctl_page_lock_unfairness, kernel default 5 */
	int lock_profile;		/* page lock: 0 = 5.9+ (WOKEN/DONE handoff), 1 = 5.8 */
	uint64_t bugs;			/* re-injected bug-zoo entries: bit n = B-n, default 0 */
};

/** pcsim_config_init - fill @cfg with the defaults above. Context: any thread, no world needed. */
PCSIM_API void pcsim_config_init(struct pcsim_config *cfg);

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
 * Context: setup or any context of a running execution. Never fails (aborts the run with an
 * internal error on out-of-memory). Freed in bulk when the execution ends: use it for everything
 * a model allocates per execution, so abandoned executions (violations) never leak.
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
 * Return: the storage, never NULL; more than 16 distinct keys in one world abort the program
 * (a fixed table, sized for pcsim's own layers plus a user's).
 */
PCSIM_API void *pcsim_world_layer(struct pcsim_world *w, const void *key, size_t size,
				  bool *fresh);

/** pcsim_world_step - the number of steps taken so far in this execution (sim); 0 (threads). */
PCSIM_API uint64_t pcsim_world_step(const struct pcsim_world *w);

/* ---------------------------------------------------------------------------------------------
 * Tasks
 */

/* Task states, with the kernel's values (include/linux/sched.h, 5.10). */
#define PCSIM_TASK_RUNNING 0x0000L
#define PCSIM_TASK_INTERRUPTIBLE 0x0001L
#define PCSIM_TASK_UNINTERRUPTIBLE 0x0002L
#define PCSIM_TASK_PARKED 0x0040L
#define PCSIM_TASK_WAKEKILL 0x0100L
#define PCSIM_TASK_KILLABLE (PCSIM_TASK_WAKEKILL | PCSIM_TASK_UNINTERRUPTIBLE)
#define PCSIM_TASK_NORMAL (PCSIM_TASK_INTERRUPTIBLE | PCSIM_TASK_UNINTERRUPTIBLE)

/* Task flags (task->flags). */
#define PCSIM_PF_EXITING 0x00000004u

/* Error numbers that the kernel keeps internal. */
#define PCSIM_ERESTARTSYS 512
#define PCSIM_EIOCBQUEUED 529

/**
 * pcsim_task_create - create a task (process context, may sleep).
 * @w: the world. @name: shown in traces (copied). @fn, @arg: the task body; returning from it
 * is do_exit(). @cpu: the CPU it runs on, or -1 for round robin by creation order.
 *
 * Context: setup, or task (like kthread_run; the new task is runnable at once).
 * Return: the task, or NULL if PCSIM_MAX_TASKS is reached or @cpu is out of range.
 */
PCSIM_API struct pcsim_task *pcsim_task_create(struct pcsim_world *w, const char *name,
					       void (*fn)(void *arg), void *arg, int cpu);

/** pcsim_current - the calling task (`current`); NULL in an atomic context or outside a world. */
PCSIM_API struct pcsim_task *pcsim_current(void);
/** pcsim_task_id - stable small id (1, 2, ... in creation order): `T<id>` in schedules. */
PCSIM_API unsigned pcsim_task_id(const struct pcsim_task *t);
/** pcsim_task_name - the name given at creation. */
PCSIM_API const char *pcsim_task_name(const struct pcsim_task *t);
/** pcsim_task_cpu - the CPU the task runs on. */
PCSIM_API unsigned pcsim_task_cpu(const struct pcsim_task *t);
/** pcsim_task_exited - true once the task has finished do_exit(). Context: any, setup. */
PCSIM_API bool pcsim_task_exited(const struct pcsim_task *t);
/** pcsim_task_is_sleeping - the task is blocked in schedule() (sim backend; false on threads). */
PCSIM_API bool pcsim_task_is_sleeping(const struct pcsim_task *t);
/** pcsim_task_flags - task->flags (PCSIM_PF_*). */
PCSIM_API unsigned pcsim_task_flags(const struct pcsim_task *t);

/**
 * pcsim_task_set_wchan - describe what the calling task is about to wait on ("page 3 PG_locked
 * (bucket 17)"); shown by deadlock reports. Cleared when the task next runs after waking.
 * Context: task. @fmt is printf-style and copied.
 */
PCSIM_API void pcsim_task_set_wchan(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/**
 * pcsim_set_current_state - set_current_state(): store the state, then a full barrier
 * (smp_store_mb). Pairs with the barrier in pcsim_try_to_wake_up(). Context: task.
 */
PCSIM_API void pcsim_set_current_state(long state);
/** pcsim___set_current_state - __set_current_state(): the store alone, no barrier. */
PCSIM_API void pcsim___set_current_state(long state);
/** pcsim_get_current_state - READ_ONCE(current->state). Context: task. */
PCSIM_API long pcsim_get_current_state(void);

/**
 * pcsim_schedule - schedule(). If the current state is TASK_RUNNING, return at once (the
 * wake-before-schedule case). If the state is interruptible (or killable) and a matching signal
 * is pending (signal_pending_state), set TASK_RUNNING and return. Otherwise sleep until
 * try_to_wake_up() makes the task runnable. Implies a full barrier.
 *
 * Context: task, preemptible, not in an RCU read-side section; otherwise "scheduling while
 * atomic" (or the RCU equivalent) is reported.
 */
PCSIM_API void pcsim_schedule(void);

/** The largest timeout: pcsim_schedule_timeout() sleeps until woken. */
#define PCSIM_MAX_SCHEDULE_TIMEOUT ((long)(~0ul >> 1))
/**
 * pcsim_schedule_timeout - schedule_timeout(): sleep (in the state the caller set) until woken
 * or until @timeout jiffies pass. In the sim backend the expiry is an event the strategy may
 * fire at any step (in timed mode not before now + @timeout ms); in the threads backend a
 * libev timer. Context: task, may sleep.
 * Return: 0 if the timeout expired, else the remaining jiffies (@timeout when untimed).
 */
PCSIM_API long pcsim_schedule_timeout(long timeout);

/**
 * pcsim_try_to_wake_up - try_to_wake_up(p, state, wake_flags): full barrier, then if p->state
 * matches @state set it to TASK_RUNNING and make the task runnable.
 * Context: any. Return: 1 if the state matched and was changed, 0 otherwise (already running,
 * or sleeping in a state @state does not cover).
 */
PCSIM_API int pcsim_try_to_wake_up(struct pcsim_task *p, unsigned state, int wake_flags);
/** pcsim_wake_up_process - try_to_wake_up(p, TASK_NORMAL, 0). */
PCSIM_API int pcsim_wake_up_process(struct pcsim_task *p);
/** pcsim_wake_up_state - try_to_wake_up(p, state, 0). */
PCSIM_API int pcsim_wake_up_state(struct pcsim_task *p, unsigned state);

/**
 * pcsim_cpu_relax - cpu_relax() in a polling loop. Besides being a preemption point it yields
 * priority: the caller is not scheduled again until another context has taken a step, so
 * bounded searches over spin loops terminate (fair scheduling). Context: any.
 */
PCSIM_API void pcsim_cpu_relax(void);

/**
 * pcsim_might_sleep - might_sleep(): report "sleeping function called from invalid context" if
 * the caller is atomic. Context: any (that is the point).
 */
PCSIM_API void pcsim_might_sleep(void);

/** pcsim_preempt_disable / _enable - preempt_count++ / --. Context: any. */
PCSIM_API void pcsim_preempt_disable(void);
PCSIM_API void pcsim_preempt_enable(void);
/** pcsim_local_irq_save / _restore - disable interrupts on this CPU and restore them. */
PCSIM_API unsigned long pcsim_local_irq_save(void);
PCSIM_API void pcsim_local_irq_restore(unsigned long flags);
PCSIM_API void pcsim_local_irq_disable(void);
PCSIM_API void pcsim_local_irq_enable(void);
/** pcsim_in_atomic - preempt_count != 0, interrupts off, or an atomic context. */
PCSIM_API bool pcsim_in_atomic(void);
/** pcsim_in_interrupt - the caller is an atomic context (event handler). */
PCSIM_API bool pcsim_in_interrupt(void);
/** pcsim_irqs_disabled - interrupts are off on the caller's CPU. */
PCSIM_API bool pcsim_irqs_disabled(void);
/** pcsim_smp_processor_id - the CPU of the caller. */
PCSIM_API unsigned pcsim_smp_processor_id(void);

/* ---------------------------------------------------------------------------------------------
 * Signals and task_work
 */
#define PCSIM_SIGKILL 9		/* fatal */
#define PCSIM_SIGUSR1 10	/* any other number: a real, non-fatal signal */

/**
 * pcsim_send_signal - send_sig(): make @sig pending on @p and wake it if its sleep allows
 * (signal_wake_up: TASK_INTERRUPTIBLE, plus TASK_WAKEKILL for a fatal signal).
 * Context: any. Return: 0, or -ESRCH if @p has exited.
 */
PCSIM_API int pcsim_send_signal(struct pcsim_task *p, int sig);
/**
 * pcsim_post_signal - schedule a signal delivery to @p as an event: the strategy chooses the
 * step at which it arrives (threads backend: delivered at once). Context: setup or any.
 * Return: the event id (>= 1; 0 in the threads backend), or -EINVAL.
 */
PCSIM_API int pcsim_post_signal(struct pcsim_world *w, struct pcsim_task *p, int sig);
/** pcsim_signal_pending - a real signal or a notification (TIF_NOTIFY_SIGNAL) is pending. */
PCSIM_API bool pcsim_signal_pending(struct pcsim_task *p);
/** pcsim_fatal_signal_pending - SIGKILL is pending. */
PCSIM_API bool pcsim_fatal_signal_pending(struct pcsim_task *p);
/** pcsim_signal_pending_state - would a sleep in @state be interrupted (signal_pending_state)? */
PCSIM_API bool pcsim_signal_pending_state(long state, struct pcsim_task *p);

/** struct pcsim_callback_head - struct callback_head (task_work, call_rcu). */
struct pcsim_callback_head {
	struct pcsim_callback_head *next;
	void (*func)(struct pcsim_callback_head *head);
};

enum pcsim_twa {
	PCSIM_TWA_NONE = 0,	/* queue only; the caller wakes the task some other way */
	PCSIM_TWA_RESUME,	/* run on return to user space (TIF_NOTIFY_RESUME) */
	PCSIM_TWA_SIGNAL,	/* notify like a signal (TIF_NOTIFY_SIGNAL), interrupting sleeps */
};

/**
 * pcsim_task_work_add - task_work_add(task, work, notify).
 * Context: any. Return: 0, or -ESRCH if @task is exiting and has run its final task_work
 * (exit_task_work), in which case @work will never run.
 */
PCSIM_API int pcsim_task_work_add(struct pcsim_task *task, struct pcsim_callback_head *work,
				  enum pcsim_twa notify);
/**
 * pcsim_task_work_run - task_work_run(): clear TIF_NOTIFY_SIGNAL, then run and clear the
 * caller's pending task_work. As in 5.10 the list is a stack: the most recently added work runs
 * first (no FIFO guarantee since "task_work: remove fifo ordering guarantee"). Works added while
 * running are run in the same call. Context: task. Return: number of works run.
 */
PCSIM_API int pcsim_task_work_run(void);
/**
 * pcsim_task_work_wait - sleep in TASK_INTERRUPTIBLE until task_work is queued for the caller,
 * then run it: the shape of a wait that handles task_work itself (io_cqring_wait). In the
 * threads backend the task waits in its own libev loop, woken through ev_async by
 * task_work_add() and by every wakeup. Context: task, may sleep.
 * Return: number of works run (> 0), or -EINTR if a real signal is pending.
 */
PCSIM_API int pcsim_task_work_wait(void);
/** pcsim_task_work_pending - the task has queued task_work. Context: any. */
PCSIM_API bool pcsim_task_work_pending(struct pcsim_task *p);

/**
 * pcsim_return_to_user - the model's explicit syscall boundary (exit_to_user_mode_loop): run
 * task_work, then handle signals: a fatal signal makes the task exit (does not return); other
 * real signals are delivered (cleared). Context: task, not atomic.
 * Return: number of non-fatal signals delivered.
 */
PCSIM_API int pcsim_return_to_user(void);

/** pcsim_do_exit - exit the calling task now (PF_EXITING, final task_work). Context: task. */
PCSIM_API PCSIM_NORETURN void pcsim_do_exit(void);

/* ---------------------------------------------------------------------------------------------
 * Spinlocks (with lockdep-lite)
 */

/**
 * struct pcsim_spinlock - spinlock_t. Initialise with pcsim_spin_lock_init(); the @name is the
 * lock class for lockdep (the kernel uses the init site; pass the same name for locks that play
 * the same role, e.g. "wait_queue_head.lock").
 */
struct pcsim_spinlock {
	pcsim_uint locked;
	uint16_t lclass;	/* lockdep class id (per world), 0 = not initialised */
	uint32_t owner;		/* context id of the holder, for reports */
	uint32_t init_gen;	/* execution generation it was initialised in */
};

/** pcsim_spin_lock_init - spin_lock_init(). Context: setup or any. */
PCSIM_API void pcsim_spin_lock_init(struct pcsim_spinlock *l, const char *name);
/** pcsim_spin_lock - spin_lock(): preempt_disable, then acquire (acquire ordering). */
PCSIM_API void pcsim_spin_lock(struct pcsim_spinlock *l);
/** pcsim_spin_trylock - spin_trylock(): 1 if acquired (preemption then disabled), else 0. */
PCSIM_API int pcsim_spin_trylock(struct pcsim_spinlock *l);
/** pcsim_spin_unlock - spin_unlock(): release, then preempt_enable. */
PCSIM_API void pcsim_spin_unlock(struct pcsim_spinlock *l);
/** pcsim_spin_lock_irq / _unlock_irq - with local_irq_disable / enable. */
PCSIM_API void pcsim_spin_lock_irq(struct pcsim_spinlock *l);
PCSIM_API void pcsim_spin_unlock_irq(struct pcsim_spinlock *l);
/** pcsim_spin_lock_irqsave / _irqrestore - with local_irq_save / restore. */
PCSIM_API unsigned long pcsim_spin_lock_irqsave(struct pcsim_spinlock *l);
PCSIM_API void pcsim_spin_unlock_irqrestore(struct pcsim_spinlock *l, unsigned long flags);
/** pcsim_spin_is_locked - spin_is_locked(): a once-load of the lock word. */
PCSIM_API bool pcsim_spin_is_locked(struct pcsim_spinlock *l);
/** pcsim_lockdep_assert_held - lockdep_assert_held(): violation if the caller does not hold @l. */
PCSIM_API void pcsim_lockdep_assert_held(struct pcsim_spinlock *l);

/* ---------------------------------------------------------------------------------------------
 * RCU
 */
/** pcsim_rcu_read_lock / _unlock - rcu_read_lock(): per-context nesting, preemptible (sim). */
PCSIM_API void pcsim_rcu_read_lock(void);
PCSIM_API void pcsim_rcu_read_unlock(void);
/** pcsim_rcu_read_lock_held - the caller is inside a read-side section. */
PCSIM_API bool pcsim_rcu_read_lock_held(void);
/**
 * pcsim_synchronize_rcu - wait until every read-side section that began before the call has
 * ended. Context: task, may sleep, not inside a read-side section.
 */
PCSIM_API void pcsim_synchronize_rcu(void);
/**
 * pcsim_call_rcu - run @func(@head) in softirq context after a grace period. Context: any.
 * In the sim backend the callback becomes an event the strategy fires once the grace period has
 * elapsed; in the threads backend it is liburcu's call_rcu.
 */
PCSIM_API void pcsim_call_rcu(struct pcsim_callback_head *head,
			      void (*func)(struct pcsim_callback_head *head));
/** pcsim_rcu_barrier - wait until every pending call_rcu callback has run. Context: task. */
PCSIM_API void pcsim_rcu_barrier(void);

/* ---------------------------------------------------------------------------------------------
 * Events: device completions, timers, signal deliveries. Each pending event is a choice.
 */
enum pcsim_ctx_kind {
	PCSIM_CTX_TASK = 0,
	PCSIM_CTX_HARDIRQ,
	PCSIM_CTX_SOFTIRQ,
};

/**
 * struct pcsim_event_desc - an atomic-context handler to run later on a CPU.
 * @name: for traces ("bdev completion 3"); copied.
 * @kind: PCSIM_CTX_HARDIRQ or PCSIM_CTX_SOFTIRQ.
 * @cpu: the CPU it fires on, or -1 for round robin by posting order.
 * @delay_ns: timed mode and threads backend: earliest firing time after posting; otherwise
 *            ignored (the strategy chooses the moment).
 * @fn, @arg: the handler; runs with interrupts off on that CPU, must not sleep.
 */
struct pcsim_event_desc {
	const char *name;
	enum pcsim_ctx_kind kind;
	int cpu;
	uint64_t delay_ns;
	void (*fn)(void *arg);
	void *arg;
};

/**
 * pcsim_event_post - make an event pending. It fires at a step the strategy chooses, only
 * while its CPU has interrupts enabled (and, in timed mode, not before its due time).
 * Context: setup or any. Return: event id (>= 1), or -EINVAL for a bad descriptor.
 */
PCSIM_API int pcsim_event_post(struct pcsim_world *w, const struct pcsim_event_desc *ev);

/**
 * pcsim_choose - a data choice: returns a value in [0, n) chosen by the strategy (uniform for
 * random and PCT, enumerated by DFS, read back by replay). @kind labels it in the choice log
 * ("latency", "eio"). Context: any, or setup. n == 0 or 1 returns 0 without a choice.
 */
PCSIM_API uint64_t pcsim_choose(const char *kind, uint64_t n);

/** pcsim_now_ns - virtual time in timed mode (sim), monotonic clock (threads). */
PCSIM_API uint64_t pcsim_now_ns(void);

/* ---------------------------------------------------------------------------------------------
 * Violations and invariants
 */

/**
 * pcsim_fail - report a violation of @what (an invariant id such as "P1" or a short name such
 * as "lost-wakeup") with a formatted message. In the sim backend the execution stops at once and
 * the call does not return; in the threads backend the first report is kept and the call
 * returns. Context: any, or setup (finish callback).
 */
PCSIM_API void pcsim_fail(const char *what, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/**
 * PCSIM_CHECK - if @cond is false, pcsim_fail(@what, ...). For invariants inside model code.
 */
#define PCSIM_CHECK(cond, what, ...)                  \
	do {                                          \
		if (__builtin_expect(!(cond), 0))     \
			pcsim_fail((what), __VA_ARGS__); \
	} while (0)

/**
 * pcsim_invariant_register - call @fn(@w, @arg) after every step of the sim backend while
 * PCSIM_CHECK_INVARIANTS is on. @fn returns 0 if the invariant holds or calls pcsim_fail()
 * (which does not return). Layers keep their checks incremental (look only at what the last step
 * could have changed). Context: setup. Return: 0 or -ENOSPC.
 */
PCSIM_API int pcsim_invariant_register(struct pcsim_world *w, const char *name,
				       int (*fn)(struct pcsim_world *w, void *arg), void *arg);

/**
 * pcsim_forbid_access - from now on, a shared-memory access (load, store or read-modify-write)
 * by the calling context to [@addr, @addr + @size) stops the execution with a violation named
 * @what, until pcsim_allow_access(@addr). For rules of the form "after this point the caller
 * must not touch that object" (P7: a DROP page waiter after its put_page()); other contexts
 * may go on using it. @what is not copied (a string literal). Sim backend only: a no-op on
 * threads and outside a context.
 * Context: task or atomic. At most 16 ranges per execution at once (more is a violation,
 * "forbid-access"). Ranges end with the execution.
 */
PCSIM_API void pcsim_forbid_access(const void *addr, size_t size, const char *what);
/** pcsim_forbid_writes - as pcsim_forbid_access(), for stores and read-modify-writes only. */
PCSIM_API void pcsim_forbid_writes(const void *addr, size_t size, const char *what);
/** pcsim_allow_access - end the calling context's forbidden range that began at @addr. */
PCSIM_API void pcsim_allow_access(const void *addr);

/**
 * pcsim_exec_cleanup_register - call @fn(@w, @arg) once when the current execution ends, to
 * release what a layer allocated outside pcsim_alloc() (malloc'd memory, a liburcu table).
 * The hooks run after the program's finish() (or, when the execution failed, where finish()
 * would have been called; also when setup() itself failed), before the arena is recycled, last
 * registered first, on the thread that called pcsim_explore(), outside any task or atomic
 * context: a hook may use arena memory but must not call anything that needs a context (no
 * preemption point, no trace event, so the sim backend's traces do not change). By then every
 * task has exited and, on the threads backend, every event and call_rcu() callback has run.
 * If an execution on the threads backend hung and its threads could not be reclaimed, its
 * hooks are not called and what they would free is leaked, like the arena.
 * Context: setup or any context of a running execution. Locking: takes the world's global
 * lock (threads). Return: 0, or -EINVAL if @w or @fn is NULL.
 */
PCSIM_API int pcsim_exec_cleanup_register(struct pcsim_world *w,
					  void (*fn)(struct pcsim_world *w, void *arg), void *arg);

#ifdef __cplusplus
}
#endif
#endif /* PCSIM_SCHED_H */
