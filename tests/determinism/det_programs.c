// SPDX-License-Identifier: MIT
/*
 * det_programs.c - programs that touch every source of choice the engine has: interleavings,
 * store-buffer flushes (tso; weak: out-of-order drains and stale reads), events in atomic
 * context, spinlocks with irqsave, signals, task_work, simulated RCU with call_rcu, data choices
 * and spurious wakeups; and the page-cache and ring built-ins, at 5.10 and at kernel 6.18.
 */
#include "det_programs.h"
#include <pcsim/pagecache.h>
#include <pcsim_support/programs.h>

#include <stdio.h>
#include <string.h>

#include <pcsim/pcsim.h>
#include <pcsim/kernel/barrier.h>
#include <pcsim/kernel/compiler.h>
#include <pcsim/kernel/sched.h>
#include <pcsim/kernel/rcupdate.h>
#include <pcsim/kernel/spinlock.h>

struct det {
	pcsim_int flag, x, y, count;
	spinlock_t lock;
	struct task_struct *sleeper, *worker;
	struct pcsim_callback_head tw, rcu;
	pcsim_ptr ptr;
	int a, b;
};

static void sleeper(void *arg)
{
	struct det *d = arg;
	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (READ_ONCE(d->flag))
			break;
		if (signal_pending(current))
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);
	pcsim_return_to_user();
}

static void tw_fn(struct pcsim_callback_head *h)
{
	struct det *d = (struct det *)((char *)h - offsetof(struct det, tw));
	WRITE_ONCE(d->y, 7);
}

static void rcu_fn(struct pcsim_callback_head *h)
{
	struct det *d = (struct det *)((char *)h - offsetof(struct det, rcu));
	WRITE_ONCE(d->count, READ_ONCE(d->count) + 100);
}

static void irq_fn(void *arg)
{
	struct det *d = arg;
	spin_lock(&d->lock);
	WRITE_ONCE(d->count, READ_ONCE(d->count) + 1);
	spin_unlock(&d->lock);
	wake_up_process(d->sleeper);
}

static void worker(void *arg)
{
	struct det *d = arg;
	unsigned long flags;
	rcu_read_lock();
	(void)READ_ONCE(d->ptr);
	rcu_read_unlock();
	spin_lock_irqsave(&d->lock, flags);
	WRITE_ONCE(d->count, READ_ONCE(d->count) + 1);
	spin_unlock_irqrestore(&d->lock, flags);
	WRITE_ONCE(d->x, (int)pcsim_choose("value", 3));
	pcsim_task_work_add(d->sleeper, &d->tw, PCSIM_TWA_SIGNAL);
	WRITE_ONCE(d->flag, 1);
	wake_up_process(d->sleeper);
	pcsim_call_rcu(&d->rcu, rcu_fn);
	d->a = READ_ONCE(d->y);
}

static void det_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	struct det *d = pcsim_alloc(w, sizeof(*d));
	d->tw.func = tw_fn;
	pcsim_spin_lock_init(&d->lock, "det.lock");
	pcsim_obj_name(&d->flag, "flag");
	d->sleeper = pcsim_task_create(w, "sleeper", sleeper, d, 0);
	d->worker = pcsim_task_create(w, "worker", worker, d, 1);
	struct pcsim_event_desc e = { "irq", PCSIM_CTX_HARDIRQ, 1, 0, irq_fn, d };
	pcsim_event_post(w, &e);
	pcsim_post_signal(w, d->sleeper, PCSIM_SIGUSR1);
}

static void sb0(void *arg)
{
	struct det *d = arg;
	WRITE_ONCE(d->x, 1);
	d->a = READ_ONCE(d->y);
}

static void sb1(void *arg)
{
	struct det *d = arg;
	WRITE_ONCE(d->y, 1);
	smp_mb();
	d->b = READ_ONCE(d->x);
}

static void sb_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	struct det *d = pcsim_alloc(w, sizeof(*d));
	pcsim_task_create(w, "P0", sb0, d, 0);
	pcsim_task_create(w, "P1", sb1, d, 1);
}

int det_hashes(void (*emit)(const char *name, uint64_t seed, uint64_t hash, void *arg), void *arg)
{
	static const struct pcsim_program progs[] = {
		{ "det-all", det_setup, NULL, NULL },
		{ "det-sb", sb_setup, NULL, NULL },
	};
	for (unsigned p = 0; p < 2; p++) {
		for (unsigned mem = 0; mem < 3; mem++) {
			for (uint64_t seed = 1; seed <= 3; seed++) {
				for (unsigned strat = 0; strat < 2; strat++) {
					struct pcsim_config cfg;
					struct pcsim_explore_opts o;
					struct pcsim_report r;
					char name[64];
					pcsim_config_init(&cfg);
					static const enum pcsim_memmode mems[] = {
						PCSIM_MEM_SC, PCSIM_MEM_TSO, PCSIM_MEM_WEAK
					};
					static const char *const mem_names[] = { "sc", "tso", "weak" };
					cfg.mem = mems[mem];
					cfg.max_spurious = 1;
					pcsim_explore_opts_init(&o);
					o.strategy = strat ? PCSIM_STRATEGY_PCT : PCSIM_STRATEGY_RANDOM;
					o.seed = seed;
					o.max_executions = 3;
					if (pcsim_explore(&progs[p], &cfg, &o, &r) < 0)
						return -1;
					snprintf(name, sizeof(name), "%s/%s/%s", progs[p].name,
						 mem_names[mem], pcsim_strategy_name(o.strategy));
					emit(name, seed, r.trace_hash, arg);
					pcsim_report_free(&r);
				}
			}
		}
	}
	/* The built-in programs of the page cache and the ring: PCT, three seeds, three executions
	 * each, in the program's own configuration. */
	static const char *const builtins[] = {
		"pagecache-general", "uring-rasync", "uring-offload", "uring-sync", "uring-eventfd",
		"uring-p6",
		/* and at kernel profile 6.18 (the folio read path, the 6.18 ring) */
		"pagecache-general", "uring-rasync", "uring-general",
	};
	const unsigned n510 = 6;
	for (unsigned p = 0; p < sizeof(builtins) / sizeof(builtins[0]); p++) {
		const struct pcsim_builtin *b = pcsim_builtin_find(builtins[p]);
		if (!b)
			return -1;
		for (uint64_t seed = 1; seed <= 3; seed++) {
			struct pcsim_config cfg;
			struct pcsim_explore_opts o;
			struct pcsim_report r;
			char name[64];
			pcsim_config_init(&cfg);
			cfg.mem = b->mem;
			if (p >= n510)
				cfg.kernel = PCSIM_KERNEL_6_18;
			if (b->wait_table_bits >= 0)
				pcsim_pagecache_config(&cfg)->wait_table_bits =
					(unsigned)b->wait_table_bits;
			pcsim_explore_opts_init(&o);
			o.strategy = PCSIM_STRATEGY_PCT;
			o.seed = seed;
			o.max_executions = 3;
			o.confirm = false;
			if (pcsim_explore(&b->prog, &cfg, &o, &r) < 0)
				return -1;
			snprintf(name, sizeof(name), "%s/pct%s", builtins[p],
				 p >= n510 ? "/kernel=6.18" : "");
			emit(name, seed, r.trace_hash, arg);
			pcsim_report_free(&r);
		}
	}
	return 0;
}
