// SPDX-License-Identifier: MIT
/*
 * chrome.c - an execution's trace as Chrome trace-event JSON, the format ui.perfetto.dev and
 * chrome://tracing open: the world is one process, every lane of picture.c a thread (a task,
 * the hard or soft interrupts of a CPU, the engine) named by metadata events; a task's runs
 * and an atomic context's activations are complete slices ("X"), a task's sleeps in
 * schedule() begin/end pairs ("B"/"E"), events instants ("i") or, where a flow arrow binds,
 * short slices; flows are "s"/"t"/"f" events with one id per chain. Timestamps are virtual
 * (step x 1 us, or the virtual clock in timed mode), so the file is deterministic. No kernel
 * function is modelled here. docs/pictures.md.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sched_int.h"
#include "picture_int.h"

/* A JSON string: ASCII kept, quotes, backslashes, control and non-ASCII bytes escaped (a byte
 * >= 0x80 becomes the code point of the same value, so any input gives valid JSON). */
static void jstr(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *c = (const unsigned char *)(s ? s : ""); *c; c++) {
		if (*c == '"' || *c == '\\')
			fprintf(f, "\\%c", *c);
		else if (*c == '\n')
			fputs("\\n", f);
		else if (*c == '\t')
			fputs("\\t", f);
		else if (*c < 0x20 || *c >= 0x7f)
			fprintf(f, "\\u%04x", *c);
		else
			fputc(*c, f);
	}
	fputc('"', f);
}

/* Ticks (picoseconds) as microseconds with six decimals. */
static void jts(FILE *f, const char *key, uint64_t t)
{
	fprintf(f, ",\"%s\":%" PRIu64 ".%06" PRIu64, key, t / 1000000u, t % 1000000u);
}

static void head(FILE *f, bool *first, const char *ph, const char *name, const char *cat,
		 uint32_t tid)
{
	fputs(*first ? "\n" : ",\n", f);
	*first = false;
	fprintf(f, "{\"ph\":\"%s\",\"name\":", ph);
	jstr(f, name);
	if (cat)
		fprintf(f, ",\"cat\":\"%s\"", cat);
	fprintf(f, ",\"pid\":1,\"tid\":%" PRIu32, tid);
}

static void span_name(const struct pcsim__pic *p, const struct pic_span *s, char *buf, size_t len)
{
	char b[64];
	switch (s->kind) {
	case SP_RUN:
		snprintf(buf, len, "running");
		break;
	case SP_RUNNABLE:
		snprintf(buf, len, "runnable (woken, waits for its CPU)");
		break;
	case SP_IRQ:
		snprintf(buf, len, "%s", pcsim_trace_ctx_label(p->w, s->ctx, b, sizeof(b)));
		break;
	case SP_SLEEP:
		snprintf(buf, len, "%s (%s)",
			 pcsim__pic_lost(p, s) ? "asleep, never woken"
			 : s->open	       ? "still asleep at the end"
					       : "sleeps",
			 pcsim__state_name((long)p->tr[s->ev0].a));
		break;
	}
}

int pcsim__pic_write_chrome(const struct pcsim_world *w, FILE *f)
{
	struct pcsim__pic p;
	char text[320], name[400], ctxb[64];
	int rc = pcsim__pic_build(&p, w, PIC_BY_TS);
	if (rc < 0)
		return rc;
	bool first = true;

	fputs("{\"traceEvents\":[", f);
	/* metadata: the process, the lanes and their order */
	char outcome[160];
	pcsim__pic_outcome(w, outcome, sizeof(outcome));
	snprintf(name, sizeof(name), "%s: %s", pcsim__pic_program(w), outcome);
	head(f, &first, "M", "process_name", NULL, 0);
	fputs(",\"args\":{\"name\":", f);
	jstr(f, name);
	fputs("}}", f);
	for (unsigned l = 0; l < p.nlanes; l++) {
		head(f, &first, "M", "thread_name", NULL, p.lanes[l].tid);
		fputs(",\"args\":{\"name\":", f);
		jstr(f, p.lanes[l].name);
		fputs("}}", f);
		head(f, &first, "M", "thread_sort_index", NULL, p.lanes[l].tid);
		fprintf(f, ",\"args\":{\"sort_index\":%u}}", l);
	}
	/* spans */
	for (size_t k = 0; k < p.nspans; k++) {
		const struct pic_span *s = &p.spans[k];
		uint32_t tid = p.lanes[s->lane].tid;
		span_name(&p, s, name, sizeof(name));
		if (s->kind == SP_SLEEP) {
			/* strictly between the run that sleeps and what ends the sleep */
			if (s->t1 < s->t0 + 3)
				continue;
			head(f, &first, "B", name, "sched", tid);
			jts(f, "ts", s->t0 + 1);
			fprintf(f, ",\"args\":{\"step\":%" PRIu64 ",\"state\":", p.tr[s->ev0].step);
			jstr(f, pcsim__state_name((long)p.tr[s->ev0].a));
			if (s->ev1 != (size_t)-1) {
				pcsim__pic_text(&p, s->ev1, text, sizeof(text));
				fprintf(f, ",\"ended_at_step\":%" PRIu64 ",\"ended_by\":",
					p.tr[s->ev1].step);
				jstr(f, text);
			}
			fputs("}}", f);
			head(f, &first, "E", name, "sched", tid);
			jts(f, "ts", s->t1 - 1);
			fputc('}', f);
			continue;
		}
		uint64_t t0 = s->t0, t1 = s->t1;
		if (s->kind == SP_RUNNABLE) {
			if (t1 < t0 + 3)
				continue;
			t0++;
			t1--;
		}
		head(f, &first, "X", name,
		     s->kind == SP_RUN || s->kind == SP_RUNNABLE ? "sched" : "irq", tid);
		jts(f, "ts", t0);
		jts(f, "dur", t1 - t0);
		fprintf(f, ",\"args\":{\"first_step\":%" PRIu64, p.tr[s->ev0].step);
		if (s->ev1 != (size_t)-1)
			fprintf(f, ",\"last_step\":%" PRIu64, p.tr[s->ev1].step);
		if (s->open)
			fputs(",\"unfinished\":true", f);
		fputs("}}", f);
	}
	/* events */
	for (size_t i = 0; i < p.nev; i++) {
		const struct pcsim_trace_event *e = &p.tr[i];
		const struct pic_ev *pe = &p.ev[i];
		pcsim__pic_text(&p, i, text, sizeof(text));
		const char *cat = e->kind->cat ? e->kind->cat : "sched";
		bool violation = strcmp(e->kind->name, "engine.violation") == 0;
		if (pe->flags & PIC_EV_NODE) {
			head(f, &first, "X", text, cat, p.lanes[pe->lane].tid);
			jts(f, "ts", pe->t + pe->w / 4);
			jts(f, "dur", pe->w / 2 ? pe->w / 2 : 1);
		} else {
			head(f, &first, "i", text, cat, p.lanes[pe->lane].tid);
			fprintf(f, ",\"s\":\"%s\"", violation ? "g" : "t");
			jts(f, "ts", pe->t + pe->w / 2);
		}
		fprintf(f, ",\"args\":{\"step\":%" PRIu64 ",\"kind\":", e->step);
		jstr(f, e->kind->name);
		fputs(",\"context\":", f);
		jstr(f, e->ctx ? pcsim_trace_ctx_label(w, e->ctx, ctxb, sizeof(ctxb)) : "-");
		fprintf(f,
			",\"cpu\":%u,\"obj\":%" PRIu32 ",\"obj2\":%" PRIu32 ",\"a\":%" PRIu64
			",\"b\":%" PRIu64 "}}",
			(unsigned)e->cpu, e->obj, e->obj2, e->a, e->b);
	}
	/* flows: one id per chain, each node inside its event's short slice */
	for (size_t k = 0; k < p.nflows; k++) {
		const struct pic_flow *fl = &p.flows[k];
		pcsim__pic_flow_name(&p, fl, name, sizeof(name));
		for (unsigned j = 0; j < fl->n; j++) {
			const struct pic_ev *pe = &p.ev[fl->node[j]];
			const char *ph = j == 0 ? "s" : j + 1 == fl->n ? "f" : "t";
			head(f, &first, ph, name, "flow", p.lanes[pe->lane].tid);
			fprintf(f, ",\"id\":%zu", k + 1);
			jts(f, "ts", pe->t + pe->w / 2);
			if (j)
				fputs(",\"bp\":\"e\"", f);
			fputc('}', f);
		}
	}
	fputs("\n],\"displayTimeUnit\":\"ns\",\"otherData\":{\"generator\":\"pcsim\",\"program\":",
	      f);
	jstr(f, pcsim__pic_program(w));
	fputs(",\"outcome\":", f);
	jstr(f, outcome);
	fprintf(f, ",\"trace_schema\":%d,\"events\":%zu,\"flows\":%zu,\"clock\":\"%s\"}}\n",
		PCSIM_TRACE_SCHEMA, p.nev, p.nflows,
		w->cfg.timed ? "virtual time (timed mode)" : "step x 1 us");
	pcsim__pic_free(&p);
	return ferror(f) ? -EIO : 0;
}
