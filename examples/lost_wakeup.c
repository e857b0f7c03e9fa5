// SPDX-License-Identifier: MIT
/* lost_wakeup.c - the README's example: PCT finds a lost wakeup in a 2-task model. */
#include <stdio.h>

#include <pcsim/pcsim.h>
#include <pcsim/kernel/compiler.h>
#include <pcsim/kernel/sched.h>

struct model { pcsim_int flag; struct task_struct *waiter; };

static void waiter(void *arg)
{
	struct model *m = arg;
	if (!READ_ONCE(m->flag)) {		/* bug: tests before set_current_state() */
		set_current_state(TASK_UNINTERRUPTIBLE);
		schedule();
	}
}

static void waker(void *arg)
{
	struct model *m = arg;
	WRITE_ONCE(m->flag, 1);
	wake_up_process(m->waiter);
}

static void setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	struct model *m = pcsim_alloc(w, sizeof(*m));	/* freed when the execution ends */
	m->waiter = pcsim_task_create(w, "waiter", waiter, m, 0);
	pcsim_task_create(w, "waker", waker, m, 1);
}

int main(void)
{
	struct pcsim_program prog = { "lost-wakeup", setup, NULL, NULL };
	struct pcsim_config cfg;
	struct pcsim_explore_opts o;
	struct pcsim_report r;

	pcsim_config_init(&cfg);		/* sim backend, 2 CPUs, sc, default checks */
	pcsim_explore_opts_init(&o);		/* PCT depth 3, seed 1 */
	int found = pcsim_explore(&prog, &cfg, &o, &r);
	if (found == 1)
		printf("%s\n%s\n%s", r.message, r.trace, r.schedule);
	pcsim_report_free(&r);
	return found == 1 ? 0 : 1;	/* the bug must be found */
}
