// SPDX-License-Identifier: MIT
/*
 * trace.c - what is made of a recorded event stream: the stable hash (FNV-1a over fixed-width
 * fields and kind names, never an address: equal across runs, builds and machines) and the
 * text narrative, one line per event through each kind's renderer. The stream itself is
 * recorded by the engine (src/sched/tracepoint.c). Schema: docs/trace-schema.md.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sched_int.h"
#include "trace_int.h"

/* ---------------------------------------------------------------------------------------------
 * Hash: FNV-1a over fixed-width little-endian fields and the kind's name, never an address.
 */
static inline uint64_t fnv_bytes(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;
	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static inline uint64_t fnv_u64(uint64_t h, uint64_t v)
{
	unsigned char b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	return fnv_bytes(h, b, 8);
}

static inline uint64_t fnv_str(uint64_t h, const char *s)
{
	if (!s)
		return fnv_u64(h, 0);
	return fnv_bytes(h, s, strlen(s) + 1);
}

uint64_t pcsim_trace_hash_event(uint64_t h, const struct pcsim_trace_event *ev)
{
	h = fnv_str(h, ev->kind->name);
	h = fnv_u64(h, ev->step);
	h = fnv_u64(h, ev->ts_ns);
	h = fnv_u64(h, ((uint64_t)ev->ctx << 16) | ev->cpu);
	h = fnv_u64(h, ((uint64_t)ev->obj << 32) | ev->obj2);
	h = fnv_u64(h, ev->a);
	h = fnv_u64(h, ev->b);
	return fnv_str(h, ev->str);
}

uint64_t pcsim__trace_hash(const struct pcsim_world *w)
{
	uint64_t h = PCSIM_TRACE_HASH_INIT;
	for (size_t i = 0; i < w->ntr; i++)
		h = pcsim_trace_hash_event(h, &w->tr[i]);
	return h;
}

/* ---------------------------------------------------------------------------------------------
 * Narrative
 */
/*
 * Events [@from, @to) of @w's trace as narrative lines, after the column header if @header.
 * Return: malloc'd text, or NULL without memory.
 */
char *pcsim__trace_render_range(const struct pcsim_world *w, size_t from, size_t to, bool header)
{
	if (to > w->ntr)
		to = w->ntr;
	size_t cap = 4096 + (to > from ? to - from : 0) * 96, off = 0;
	char *out = malloc(cap);
	char ctxb[64], text[256];
	if (!out)
		return NULL;
	out[0] = 0;
	if (header)
		off += (size_t)snprintf(out + off, cap - off, "%6s  %-4s  %-20s  %s\n", "step",
					"cpu", "context", "event");
	for (size_t i = from; i < to; i++) {
		const struct pcsim_trace_event *e = &w->tr[i];
		text[0] = 0;
		if (e->kind->render)
			e->kind->render(w, e, text, sizeof(text));
		else
			snprintf(text, sizeof(text), "%s", e->kind->name);
		const char *cl = e->ctx ? pcsim__ctx_label(w, e->ctx, ctxb, sizeof(ctxb)) : "-";
		char cpub[8];
		if (e->ctx)
			snprintf(cpub, sizeof(cpub), "%u", e->cpu);
		else
			snprintf(cpub, sizeof(cpub), "-");
		size_t need = strlen(text) + strlen(cl) + 48;
		if (off + need >= cap) {
			cap = cap * 2 + need;
			char *n = realloc(out, cap);
			if (!n) {
				free(out);
				return NULL;
			}
			out = n;
		}
		off += (size_t)snprintf(out + off, cap - off, "%6" PRIu64 "  %-4s  %-20s  %s\n",
					e->step, cpub, cl, text);
	}
	return out;
}

char *pcsim__trace_render(const struct pcsim_world *w)
{
	pcsim__exec_message((struct pcsim_world *)w);
	return pcsim__trace_render_range(w, 0, w->ntr, true);
}

