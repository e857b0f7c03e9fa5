// SPDX-License-Identifier: MIT
/*
 * describe.c - pcsim_world_describe(): the engine's part of an execution's state, for a person
 * (`pcsim step`'s `state` command), and pcsim_world_layer_peek() for the layers' own views: each
 * task's run state, task->state and wait channel, the running atomic contexts, the pending events
 * and the store buffers. Read-only: it takes no step, emits no trace event and hands out no object
 * id (an address without one prints as "(unnamed object)"), so looking never changes
 * the execution. No kernel function is modelled here (it is what /proc/PID/wchan and /proc/PID/stat
 * show, roughly).
 */
#include <inttypes.h>
#include <stdio.h>

#include "sched_int.h"

/* The object id of @addr if it has one already, else 0 (tracepoint.c's table, never grown). */
uint32_t pcsim__obj_peek(const struct pcsim_world *w, const void *addr)
{
	if (!w->objcap)
		return 0;
	uint64_t x = (uint64_t)(uintptr_t)addr;
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull; /* tracepoint.c's ptr_hash() */
	x ^= x >> 33;
	size_t j = (size_t)x & (w->objcap - 1);
	for (size_t probes = 0; w->objs[j].addr && probes < w->objcap; probes++) {
		if (w->objs[j].addr == addr)
			return w->objs[j].id;
		j = (j + 1) & (w->objcap - 1);
	}
	return 0;
}

static void describe_ctx_extra(const struct pcsim_world *w, const struct pcsim__ctx *c, FILE *f)
{
	char lb[64];
	if (c->run == CR_SPINNING && c->spin_on) {
		struct pcsim__ctx *o = pcsim__ctx_by_id((struct pcsim_world *)w, c->spin_on->owner);
		fprintf(f, ", spinning on %s held by %s", pcsim__lock_name(w, c->spin_on),
			o ? pcsim__ctx_label(w, o->id, lb, sizeof(lb)) : "?");
	}
	if (c->irqs_off)
		fprintf(f, ", irqs off");
	if (c->preempt_count)
		fprintf(f, ", preempt_count %d", c->preempt_count);
	if (c->nheld) {
		fprintf(f, ", holds");
		for (unsigned i = 0; i < c->nheld; i++)
			fprintf(f, "%s%s", i ? "," : " ",
				c->held[i] <= w->ex.nclasses ? w->classes[c->held[i]].name : "?");
	}
	if (c->rcu_nesting)
		fprintf(f, ", in rcu_read_lock");
}

void *pcsim_world_layer_peek(const struct pcsim_world *w, const void *key)
{
	if (!w)
		return NULL;
	for (unsigned i = 0; i < w->ex.nlayers; i++)
		if (w->layers[i].key == key)
			return w->layers[i].data;
	return NULL;
}

int pcsim_world_describe(const struct pcsim_world *w, FILE *f)
{
	char lb[64];
	if (!w || !f)
		return -1;
	fprintf(f, "tasks:\n");
	if (!w->ex.ntasks)
		fprintf(f, "  (none)\n");
	for (unsigned i = 0; i < w->ex.ntasks; i++) {
		const struct pcsim_task *t = w->tasks[i];
		const struct pcsim__ctx *c = &t->ctx;
		fprintf(f, "  %-22s cpu%u  ", pcsim__ctx_label(w, c->id, lb, sizeof(lb)), c->cpu);
		if (c->run == CR_EXITED) {
			fprintf(f, "exited\n");
			continue;
		}
		const char *run = c->run == CR_SLEEPING	      ? "sleeping"
				  : c->run == CR_SPINNING     ? "spinning"
				  : c->fresh		      ? "not started"
				  : w->cpus[c->cpu].curr == c ? "on its cpu"
							      : "runnable (preempted)";
		fprintf(f, "%s, state %s", run, pcsim__state_name((long)PCSIM_SETUP_GET(t->state)));
		if (c->run == CR_SLEEPING && t->wchan[0])
			fprintf(f, ", wchan %s", t->wchan);
		describe_ctx_extra(w, c, f);
		if (t->sigpending)
			fprintf(f, ", signal pending (mask 0x%" PRIx64 ")", t->sigpending);
		if (t->task_works)
			fprintf(f, ", task_work queued");
		if (t->notify_signal)
			fprintf(f, ", TIF_NOTIFY_SIGNAL");
		fprintf(f, "\n");
	}
	bool any = false;
	for (unsigned cpu = 0; cpu < w->cfg.ncpus; cpu++) {
		const struct pcsim__ctx *x = w->cpus[cpu].irq;
		if (!x)
			continue;
		if (!any)
			fprintf(f, "atomic contexts:\n");
		any = true;
		fprintf(f, "  %-22s cpu%u  running its handler",
			pcsim__ctx_label(w, x->id, lb, sizeof(lb)), cpu);
		describe_ctx_extra(w, x, f);
		fprintf(f, "\n");
	}
	fprintf(f, "pending events:\n");
	if (!w->ex.pending)
		fprintf(f, "  (none)\n");
	for (const struct pcsim__event *e = w->ex.pending; e; e = e->next_pending) {
		fprintf(f, "  E%-3u %-22s ", e->id, e->name);
		if (e->cpu < 0)
			fprintf(f, "engine action");
		else
			fprintf(f, "%s on cpu%d",
				e->kind == PCSIM_CTX_SOFTIRQ ? "softirq" : "hardirq", e->cpu);
		if (w->cfg.timed)
			fprintf(f, ", due at %" PRIu64 " ns", e->due);
		fprintf(f, "\n");
	}
	if (w->cfg.mem != PCSIM_MEM_SC) {
		fprintf(f, "store buffers (oldest first):\n");
		for (unsigned cpu = 0; cpu < w->cfg.ncpus; cpu++) {
			const struct pcsim__cpu *cp = &w->cpus[cpu];
			fprintf(f, "  cpu%u:%s", cpu, cp->sb_len ? "" : " empty");
			for (unsigned i = 0; i < cp->sb_len; i++) {
				const struct sb_entry *e =
					&cp->sb[(cp->sb_head + i) % PCSIM_SB_MAX];
				uint32_t id = pcsim__obj_peek(w, e->addr);
				char ob[64];
				fprintf(f, "%s %s <- ", i ? "," : "",
					id ? pcsim_trace_obj_label(w, id, ob, sizeof(ob))
					   : "(unnamed object)");
				uint32_t vid = e->ptr && e->val
						       ? pcsim__obj_peek(w, (void *)(uintptr_t)e->val)
						       : 0;
				if (e->ptr && !e->val)
					fprintf(f, "NULL");
				else if (vid)
					fprintf(f, "%s",
						pcsim_trace_obj_label(w, vid, ob, sizeof(ob)));
				else
					fprintf(f, "0x%" PRIx64, e->val);
			}
			fprintf(f, "\n");
		}
	}
	return ferror(f) ? -1 : 0;
}
