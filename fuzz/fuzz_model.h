/* SPDX-License-Identifier: MIT */
/*
 * fuzz_model.h - the program the fuzz targets that replay or resume a search run
 * (fuzz_schedule, fuzz_checkpoint): a waiter that tests a flag before it sleeps, a waker that
 * sets it and wakes the waiter, and a data choice in setup that may post a signal to the waiter
 * - every kind of choice a schedule or a strategy records (task steps, an event, a data choice;
 * TSO flushes and spurious wakeups when the configuration allows them). Models no kernel
 * function.
 */
#ifndef PCSIM_FUZZ_MODEL_H
#define PCSIM_FUZZ_MODEL_H

#include <pcsim/pcsim.h>

struct fuzz_model {
	pcsim_int flag;
	struct pcsim_task *waiter;
};

static void fuzz_model_waiter(void *arg)
{
	struct fuzz_model *m = arg;
	pcsim_set_current_state(PCSIM_TASK_INTERRUPTIBLE);
	if (!pcsim_read_once(&m->flag))
		pcsim_schedule();
	pcsim_set_current_state(PCSIM_TASK_RUNNING);
}

static void fuzz_model_waker(void *arg)
{
	struct fuzz_model *m = arg;
	pcsim_write_once(&m->flag, 1);
	pcsim_wake_up_process(m->waiter);
}

/* The program's setup (struct pcsim_program.setup). */
static void fuzz_model_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	struct fuzz_model *m = pcsim_alloc(w, sizeof(*m));
	if (!m)
		return;
	m->waiter = pcsim_task_create(w, "waiter", fuzz_model_waiter, m, 0);
	struct pcsim_task *k = pcsim_task_create(w, "waker", fuzz_model_waker, m, -1);
	if (pcsim_choose("fz", 3) == 2 && k)
		pcsim_post_signal(w, m->waiter, 9);
}

#endif
