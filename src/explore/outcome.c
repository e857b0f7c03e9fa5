// SPDX-License-Identifier: MIT
/*
 * outcome.c - final states as a result (<pcsim/outcome.h>): finish() records named values,
 * pcsim_explore() folds each execution's state into a histogram (a hash table keyed by the
 * state's text) and hands it back sorted in struct pcsim_report. Models nothing of the kernel:
 * it is herd7's "States" list for pcsim's executions.
 *
 * The collector belongs to the pcsim_explore() call running on this thread (explorations do
 * not nest), so it is reached through a thread-local pointer; finish() runs on that thread on
 * both backends.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explore_int.h"

/* Initial-exec TLS (PCSIM_TLS_IE): read at every execution's begin and end. */
static _Thread_local struct pcsim__outcomes *cur_coll PCSIM_TLS_IE;

void pcsim__outcomes_attach(struct pcsim__outcomes *o)
{
	cur_coll = o;
}

void pcsim__outcomes_begin(struct pcsim__outcomes *o)
{
	o->len = 0;
	o->cur[0] = '\0';
	o->recorded = false;
}

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static int grow(struct pcsim__outcomes *o)
{
	size_t ncap = o->cap ? o->cap * 2 : 64;
	struct pcsim__outcome_slot *ns = calloc(ncap, sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	for (size_t i = 0; i < o->cap; i++) {
		if (!o->slots[i].state)
			continue;
		size_t j = o->slots[i].hash & (ncap - 1);
		while (ns[j].state)
			j = (j + 1) & (ncap - 1);
		ns[j] = o->slots[i];
	}
	free(o->slots);
	o->slots = ns;
	o->cap = ncap;
	return 0;
}

/* Count @count more executions in state @st (a string of @len bytes): 0 or -ENOMEM. */
static int add(struct pcsim__outcomes *o, const char *st, size_t len, uint64_t count)
{
	if ((o->n + 1) * 2 > o->cap && grow(o) < 0)
		return -ENOMEM;
	uint64_t h = hash_str(st);
	size_t j = h & (o->cap - 1);
	while (o->slots[j].state) {
		if (o->slots[j].hash == h && strcmp(o->slots[j].state, st) == 0) {
			o->slots[j].count += count;
			return 0;
		}
		j = (j + 1) & (o->cap - 1);
	}
	char *s = malloc(len + 1);
	if (!s)
		return -ENOMEM;
	memcpy(s, st, len);
	s[len] = '\0';
	o->slots[j] = (struct pcsim__outcome_slot){s, h, count};
	o->n++;
	return 0;
}

int pcsim__outcomes_end(struct pcsim__outcomes *o)
{
	if (!o->recorded) {
		o->unrecorded++;
		return 0;
	}
	return add(o, o->cur, o->len, 1);
}

void pcsim__outcomes_save(const struct pcsim__outcomes *o, struct pcsim__ckpt_out *b)
{
	pcsim__ckpt_printf(b, "outcomes %zu %" PRIu64 "\n", o->n, o->unrecorded);
	for (size_t i = 0; i < o->cap; i++)
		if (o->slots[i].state)
			pcsim__ckpt_printf(b, "state %" PRIu64 " %s\n", o->slots[i].count,
					   o->slots[i].state);
}

bool pcsim__outcomes_load(struct pcsim__outcomes *o, struct pcsim__ckpt_in *in)
{
	uint64_t n, count;
	if (!pcsim__ckpt_line(in, "outcomes") || !pcsim__ckpt_uint(in, 1u << 30, &n) ||
	    !pcsim__ckpt_u64(in, &o->unrecorded) || !pcsim__ckpt_eol(in))
		return false;
	for (uint64_t i = 0; i < n; i++) {
		const char *st;
		size_t len;
		if (!pcsim__ckpt_line(in, "state") || !pcsim__ckpt_uint(in, UINT64_MAX, &count) ||
		    !pcsim__ckpt_rest(in, &st, &len))
			return false;
		if (!count || len >= PCSIM_OUTCOME_STATE_MAX || memchr(st, '\0', len))
			return pcsim__ckpt_fail(in, "not a final state of at least one execution");
		char buf[PCSIM_OUTCOME_STATE_MAX];
		memcpy(buf, st, len);
		buf[len] = '\0';
		size_t before = o->n;
		if (add(o, buf, len, count) < 0)
			return pcsim__ckpt_fail(in, "out of memory");
		if (o->n == before)
			return pcsim__ckpt_fail(in, "this final state was listed before");
	}
	return true;
}

static int cmp_state(const void *a, const void *b)
{
	return strcmp(((const struct pcsim_outcome_state *)a)->state,
		      ((const struct pcsim_outcome_state *)b)->state);
}

int pcsim__outcomes_take(struct pcsim__outcomes *o, struct pcsim_report *r)
{
	r->unrecorded = o->unrecorded;
	if (!o->n)
		return 0;
	struct pcsim_outcome_state *st = malloc(o->n * sizeof(*st));
	if (!st)
		return -ENOMEM;
	size_t k = 0;
	for (size_t i = 0; i < o->cap; i++) {
		if (o->slots[i].state) {
			st[k].state = o->slots[i].state;
			st[k].count = o->slots[i].count;
			o->slots[i].state = NULL; /* now the report's */
			k++;
		}
	}
	qsort(st, k, sizeof(*st), cmp_state);
	r->states = st;
	r->nstates = k;
	return 0;
}

void pcsim__outcomes_free(struct pcsim__outcomes *o)
{
	for (size_t i = 0; i < o->cap; i++)
		free(o->slots[i].state);
	free(o->slots);
	if (cur_coll == o)
		cur_coll = NULL;
	memset(o, 0, sizeof(*o));
}

static bool bad_text(const char *s, bool name)
{
	if (!s || !*s)
		return true;
	for (; *s; s++)
		if (*s == ';' || *s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' ||
		    (name && *s == '='))
			return true;
	return false;
}

int pcsim_outcome_record_text(struct pcsim_world *w, const char *name, const char *value)
{
	struct pcsim__outcomes *o = cur_coll;
	if (!o || !w || w != pcsim__tls_world || !w->ex.in_finish)
		return -EPERM;
	if (bad_text(name, true) || bad_text(value, false))
		return -EINVAL;
	size_t need = strlen(name) + strlen(value) + 2 + (o->len ? 1 : 0);
	if (o->len + need + 1 > sizeof(o->cur))
		return -ENOSPC;
	o->len += (size_t)snprintf(o->cur + o->len, sizeof(o->cur) - o->len, "%s%s=%s;",
				   o->len ? " " : "", name, value);
	o->recorded = true;
	return 0;
}

int pcsim_outcome_record(struct pcsim_world *w, const char *name, long long value)
{
	char v[24];
	snprintf(v, sizeof(v), "%lld", value);
	return pcsim_outcome_record_text(w, name, v);
}

uint64_t pcsim_outcome_count(const struct pcsim_outcome_state *states, size_t n, const char *state)
{
	if (!states || !state)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (states[i].state && strcmp(states[i].state, state) == 0)
			return states[i].count;
	return 0;
}
