// SPDX-License-Identifier: MIT
/*
 * preempt.c - preemption and interrupt state of a context, atomicity checks, cpu_relax().
 *
 * Models (5.10): include/linux/preempt.h (preempt_disable/enable, in_atomic, in_interrupt),
 * include/linux/irqflags.h (local_irq_save/restore), kernel/sched/core.c ___might_sleep()
 * ("sleeping function called from invalid context"), and cpu_relax() of a polling loop. The
 * counts live in the context; enabling preemption or interrupts is a preemption point, since
 * pending interrupts and other tasks may run there.
 */
#include "sched_int.h"

static bool atomic_ctx(struct pcsim__ctx *c)
{
	return c->kind != PCSIM_CTX_TASK || c->preempt_count > 0 || c->irqs_off;
}

void pcsim_preempt_disable(void)
{
	struct pcsim__ctx *c = pcsim__need_ctx("preempt_disable");
	if (c) {
		c->preempt_count++;
		pcsim__opts_stale_any(c->w);
	}
}

void pcsim_preempt_enable(void)
{
	struct pcsim__ctx *c = pcsim__need_ctx("preempt_enable");
	if (!c)
		return;
	if (c->preempt_count <= 0) {
		pcsim_fail("preempt-underflow", "preempt_enable() without preempt_disable()");
		return;
	}
	c->preempt_count--;
	pcsim__opts_stale_any(c->w);
	/* preempt_enable() is a preemption point once the count drops to zero. */
	if (c->preempt_count == 0 && !c->irqs_off)
		pcsim__point(c);
}

unsigned long pcsim_local_irq_save(void)
{
	struct pcsim__ctx *c = pcsim__need_ctx("local_irq_save");
	if (!c)
		return 0;
	/* The point comes first: an interrupt can still arrive right before the save. */
	pcsim__point(c);
	unsigned long flags = c->irqs_off ? 1ul : 0ul;
	c->irqs_off = true;
	pcsim__opts_stale_any(c->w);
	return flags;
}

void pcsim_local_irq_restore(unsigned long flags)
{
	struct pcsim__ctx *c = pcsim__need_ctx("local_irq_restore");
	if (!c)
		return;
	if (c->kind != PCSIM_CTX_TASK && !flags) {
		pcsim_fail("irq-enable-in-irq", "local_irq_restore() enabling interrupts in %s",
			   c->ev ? c->ev->name : "an atomic context");
		return;
	}
	c->irqs_off = flags != 0;
	pcsim__opts_stale_any(c->w);
	/* Pending interrupts may fire now. */
	if (!c->irqs_off)
		pcsim__point(c);
}

void pcsim_local_irq_disable(void)
{
	(void)pcsim_local_irq_save();
}

void pcsim_local_irq_enable(void)
{
	pcsim_local_irq_restore(0);
}

bool pcsim_in_atomic(void)
{
	struct pcsim__ctx *c = pcsim__tls_ctx;
	return c && atomic_ctx(c);
}

bool pcsim_in_interrupt(void)
{
	struct pcsim__ctx *c = pcsim__tls_ctx;
	return c && c->kind != PCSIM_CTX_TASK;
}

bool pcsim_irqs_disabled(void)
{
	struct pcsim__ctx *c = pcsim__tls_ctx;
	return c && c->irqs_off;
}

unsigned pcsim_smp_processor_id(void)
{
	struct pcsim__ctx *c = pcsim__tls_ctx;
	return c ? c->cpu : 0;
}

void pcsim_might_sleep(void)
{
	struct pcsim__ctx *c = pcsim__need_ctx("might_sleep");
	if (!c || !c->w->checks_atomic)
		return;
	if (atomic_ctx(c))
		pcsim_fail("sleep-in-atomic",
			   "BUG: sleeping function called from invalid context: in_atomic=%d, "
			   "irqs_disabled=%d, in_interrupt=%d",
			   c->preempt_count > 0, c->irqs_off, c->kind != PCSIM_CTX_TASK);
	if (c->rcu_nesting)
		pcsim_fail("sleep-in-rcu",
			   "BUG: sleeping function called inside an RCU read-side critical section");
}

void pcsim_cpu_relax(void)
{
	struct pcsim__ctx *c = pcsim__need_ctx("cpu_relax");
	if (!c)
		return;
	c->w->ops->cpu_relax(c->w, c);
}
