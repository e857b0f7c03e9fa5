// SPDX-License-Identifier: MIT
/*
 * my_wake_function.c - how a user brings their own kernel code to pcsim.
 *
 * The part between the "patch" markers is written only against the kernel-flavoured headers
 * (<pcsim/kernel/...>): a keyed wake function in the style of poll's pollwake() that wakes a
 * waiter only for the events it asked for, and the wait loop that uses it. Porting it to a
 * kernel is a matter of the includes (and plain fields for the pcsim_ wrapped ones).
 *
 * The harness below the patch plugs it into a wait queue with two waiters that want different
 * events and a producer that signals both, and explores every schedule with up to two
 * preemptions under sc (one under tso, whose flushes multiply the tree): no lost wakeup, no waiter woken for the wrong event,
 * every wait-queue invariant checked at each step. Run it; it exits 0 when the patch survives.
 */
#include <stdio.h>

#include <pcsim/pcsim.h>

/* ---- patch ------------------------------------------------------------------------------ */
#include <pcsim/kernel/compiler.h>
#include <pcsim/kernel/sched.h>
#include <pcsim/kernel/wait.h>

#define EV_READ 0x1UL
#define EV_WRITE 0x2UL

struct ev_wait {
	unsigned long want;		/* the events this waiter sleeps for */
	struct wait_queue_entry wq;
};

struct ev_source {
	struct wait_queue_head wq_head;
	pcsim_ulong ready;		/* events that happened */
};

/* Wake only waiters interested in one of the key's events; unlink them as autoremove does. */
static int ev_wake_function(struct wait_queue_entry *wq_entry, unsigned mode, int sync,
			    void *key)
{
	struct ev_wait *ew = container_of(wq_entry, struct ev_wait, wq);
	unsigned long events = (unsigned long)key;

	if (!(events & ew->want))
		return 0;	/* not for us: do not count, keep walking */
	return autoremove_wake_function(wq_entry, mode, sync, key);
}

static void ev_wait_for(struct ev_source *src, unsigned long want)
{
	struct ev_wait ew = { .want = want };

	init_wait_entry(&ew.wq, 0);
	ew.wq.func = ev_wake_function;
	for (;;) {
		prepare_to_wait(&src->wq_head, &ew.wq, TASK_UNINTERRUPTIBLE);
		if (READ_ONCE(src->ready) & want)
			break;
		schedule();
	}
	finish_wait(&src->wq_head, &ew.wq);
}

static void ev_signal(struct ev_source *src, unsigned long events)
{
	unsigned long old = READ_ONCE(src->ready);

	WRITE_ONCE(src->ready, old | events);
	__wake_up(&src->wq_head, TASK_NORMAL, 0, (void *)events);
}
/* ---- end of patch ------------------------------------------------------------------------- */

static struct ev_source *src_of_run;

static void reader(void *arg)
{
	ev_wait_for(arg, EV_READ);
}

static void writer(void *arg)
{
	ev_wait_for(arg, EV_WRITE);
}

static void producer(void *arg)
{
	ev_signal(arg, EV_READ);
	ev_signal(arg, EV_WRITE);
}

static void setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	struct ev_source *src = pcsim_alloc(w, sizeof(*src));
	init_waitqueue_head(&src->wq_head);
	pcsim_task_create(w, "reader", reader, src, 0);
	pcsim_task_create(w, "writer", writer, src, 1);
	pcsim_task_create(w, "producer", producer, src, 1);
	src_of_run = src;
}

static void finish(struct pcsim_world *w, void *arg)
{
	(void)w;
	(void)arg;
	/* Every waiter left the queue. */
	if (pcsim_waitqueue_active(&src_of_run->wq_head))
		pcsim_fail("queue-not-empty", "a waiter is still queued at the end");
}

int main(void)
{
	struct pcsim_program prog = { "my-wake-function", setup, finish, NULL };
	int status = 0;

	for (int mem = 0; mem < 2; mem++) {
		struct pcsim_config cfg;
		struct pcsim_explore_opts o;
		struct pcsim_report r;

		pcsim_config_init(&cfg);
		cfg.mem = mem ? PCSIM_MEM_TSO : PCSIM_MEM_SC;
		pcsim_explore_opts_init(&o);
		o.strategy = PCSIM_STRATEGY_DFS;
		/* tso adds store-buffer flushes to the tree: one preemption keeps it quick. */
		o.preemption_bound = mem ? 1 : 2;
		o.max_executions = 0;	/* until the bounded space is exhausted */
		int ret = pcsim_explore(&prog, &cfg, &o, &r);
		printf("%s, preemption bound %u: %s after %llu executions%s\n", mem ? "tso" : "sc",
		       o.preemption_bound,
		       ret == 0 ? "no violation" : pcsim_outcome_name(r.outcome),
		       (unsigned long long)r.executions, r.exhausted ? " (exhaustive)" : "");
		if (ret != 0) {
			printf("%s\n%s\n%s", r.message ? r.message : "", r.trace ? r.trace : "",
			       r.schedule ? r.schedule : "");
			status = 1;
		}
		pcsim_report_free(&r);
	}
	return status;
}
