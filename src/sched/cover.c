// SPDX-License-Identifier: MIT
/*
 * cover.c - the counters of <pcsim/cover.h>: how often each exit of the model's wait functions
 * was taken, the table of those exits (each layer's rows of PCSIM_COVER_SITES) and its
 * printing for `pcsim explore --coverage`. The counters are process-wide relaxed atomics, so a
 * count never orders, delays or records anything in an execution. No kernel function is
 * modelled here.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include <pcsim/cover.h>
#include <pcsim/task.h>

#include "sched_int.h"

#define ROW(id, layer, fn, exit, match, value) { layer, fn, exit, match, value },
static const struct pcsim_cover_site sites[PCSIM_NR_COVER_SITES] = { PCSIM_COVER_SITES(ROW) };
#undef ROW

static uint64_t counts[PCSIM_NR_COVER_SITES];
/* Off unless asked for: the marks sit in the wake walk and the read path, where a shared
 * atomic add (and pcsim_cover_ret()'s row search) is a cost no other run should pay. */
static bool enabled;

void pcsim_cover_enable(bool on)
{
	__atomic_store_n(&enabled, on, __ATOMIC_RELAXED);
}

bool pcsim_cover_enabled(void)
{
	return __atomic_load_n(&enabled, __ATOMIC_RELAXED);
}

void pcsim__cover_set(unsigned id, uint64_t count)
{
	if (id < PCSIM_NR_COVER_SITES)
		__atomic_store_n(&counts[id], count, __ATOMIC_RELAXED);
}

void pcsim_cover(enum pcsim_cover_id id)
{
	if (__atomic_load_n(&enabled, __ATOMIC_RELAXED) && (unsigned)id < PCSIM_NR_COVER_SITES)
		__atomic_fetch_add(&counts[id], 1, __ATOMIC_RELAXED);
}

static bool same_function(unsigned a, unsigned b)
{
	return sites[a].function == sites[b].function ||
	       (sites[a].function && sites[b].function &&
		__builtin_strcmp(sites[a].function, sites[b].function) == 0);
}

long pcsim_cover_ret(enum pcsim_cover_id first, long value)
{
	unsigned pos = PCSIM_NR_COVER_SITES, other = PCSIM_NR_COVER_SITES;
	if (!__atomic_load_n(&enabled, __ATOMIC_RELAXED) || (unsigned)first >= PCSIM_NR_COVER_SITES)
		return value;
	for (unsigned i = first; i < PCSIM_NR_COVER_SITES && same_function(i, first); i++) {
		if (sites[i].match == PCSIM_COVER_EQ && sites[i].value == value) {
			pcsim_cover((enum pcsim_cover_id)i);
			return value;
		}
		if (sites[i].match == PCSIM_COVER_POS && pos == PCSIM_NR_COVER_SITES)
			pos = i;
		if (sites[i].match == PCSIM_COVER_OTHER && other == PCSIM_NR_COVER_SITES)
			other = i;
	}
	if (value > 0 && pos < PCSIM_NR_COVER_SITES)
		pcsim_cover((enum pcsim_cover_id)pos);
	else if (other < PCSIM_NR_COVER_SITES)
		pcsim_cover((enum pcsim_cover_id)other);
	return value;
}

const struct pcsim_cover_site *pcsim_cover_sites(unsigned *n)
{
	if (n)
		*n = PCSIM_NR_COVER_SITES;
	return sites;
}

uint64_t pcsim_cover_count(enum pcsim_cover_id id)
{
	if ((unsigned)id >= PCSIM_NR_COVER_SITES)
		return 0;
	return __atomic_load_n(&counts[id], __ATOMIC_RELAXED);
}

void pcsim_cover_reset(void)
{
	for (unsigned i = 0; i < PCSIM_NR_COVER_SITES; i++)
		__atomic_store_n(&counts[i], 0, __ATOMIC_RELAXED);
}

static unsigned never_reached(void)
{
	unsigned n = 0;
	for (unsigned i = 0; i < PCSIM_NR_COVER_SITES; i++)
		n += pcsim_cover_count((enum pcsim_cover_id)i) == 0;
	return n;
}

unsigned pcsim_cover_print(FILE *f)
{
	unsigned never = never_reached();
	fprintf(f, "coverage: exits of the wait functions (%u of %u reached)\n",
		PCSIM_NR_COVER_SITES - never, PCSIM_NR_COVER_SITES);
	fprintf(f, "  %-10s %-30s %12s  %s\n", "layer", "function", "taken", "exit");
	for (unsigned i = 0; i < PCSIM_NR_COVER_SITES; i++)
		fprintf(f, "  %-10s %-30s %12" PRIu64 "  %s\n", sites[i].layer,
			i && same_function(i, i - 1) ? "" : sites[i].function,
			pcsim_cover_count((enum pcsim_cover_id)i), sites[i].exit);
	if (!never) {
		fprintf(f, "every exit was reached\n");
		return 0;
	}
	fprintf(f, "never reached: %u of %u exits\n", never, PCSIM_NR_COVER_SITES);
	for (unsigned i = 0; i < PCSIM_NR_COVER_SITES; i++)
		if (!pcsim_cover_count((enum pcsim_cover_id)i))
			fprintf(f, "  %s: %s\n", sites[i].function, sites[i].exit);
	return never;
}

/* @s as a JSON string (the table's texts are ASCII without control characters; quotes and
 * backslashes are escaped all the same) */
static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

unsigned pcsim_cover_print_json(FILE *f)
{
	unsigned never = never_reached();
	fprintf(f, "{\"coverage\":{\"sites\":[");
	for (unsigned i = 0; i < PCSIM_NR_COVER_SITES; i++) {
		fprintf(f, "%s{\"layer\":", i ? "," : "");
		json_str(f, sites[i].layer);
		fprintf(f, ",\"function\":");
		json_str(f, sites[i].function);
		fprintf(f, ",\"exit\":");
		json_str(f, sites[i].exit);
		fprintf(f, ",\"count\":%" PRIu64 "}", pcsim_cover_count((enum pcsim_cover_id)i));
	}
	fprintf(f, "],\"reached\":%u,\"total\":%u}}\n", PCSIM_NR_COVER_SITES - never,
		PCSIM_NR_COVER_SITES);
	return never;
}
