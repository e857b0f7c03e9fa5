// SPDX-License-Identifier: MIT
/*
 * Description: pcsim_obj_name() (src/sched/mem.c) names an object exactly as snprintf() would
 * format its arguments into 96 bytes, whether the format takes the fast path (text, %%, %d,
 * %i, %u, %x and %s) or stdio's (widths, flags, length modifiers, other conversions), including
 * the limits of each integer type and long strings cut at 95 bytes. Names appear
 * only in traced executions, so the program runs with tracing on and compares each object's
 * label (pcsim_trace_obj_label()) with snprintf() of the same arguments; an execution that
 * does not trace names nothing (the labels stay obj#N).
 * Kernel reference: none (pcsim's trace naming).
 * What to look for on a failure: the name, the expected name and the case's number.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "pcsim_test.h"

#include <pcsim/trace.h>

#define NCASES 24

static pcsim_int objs[NCASES];
static char want[NCASES][96];
static unsigned nbad;
static char bad_msg[512];
static bool traced;

/* snprintf into want[@i] and pcsim_obj_name of objs[@i], with the same arguments. */
#define NAME(i, ...)                                                         \
	do {                                                                 \
		int i_ = (i);                                                \
		assert_true(i_ < NCASES);                                    \
		snprintf(want[i_], sizeof(want[i_]), __VA_ARGS__);           \
		pcsim_obj_name(&objs[i_], __VA_ARGS__);                      \
	} while (0)

/* the long names are cut on purpose: that is what is compared */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif

static const char long_s[] = "a-name-longer-than-the-ninety-six-bytes-pcsim_obj_name-keeps-of-"
			     "any-name-so-the-end-is-cut-off-here-and-here";

static void setup(struct pcsim_world *w, void *arg)
{
	(void)w;
	(void)arg;
	int i = 0;
	NAME(i++, "plain text");
	NAME(i++, "page %u.flags", 17u);
	NAME(i++, "T%u's page wait", 0u);
	NAME(i++, "%u", UINT_MAX);
	NAME(i++, "%d %d %d", INT_MIN, -1, INT_MAX);
	NAME(i++, "%i and %i", -42, 0);
	NAME(i++, "%x/%x/%x", 0u, 0xdeadbeefu, UINT_MAX);
	NAME(i++, "100%% of %s", "bucket 3");
	NAME(i++, "%s", "");
	NAME(i++, "%s", long_s);
	NAME(i++, "%s %u %s", long_s, 12345u, "tail");
	NAME(i++, "ends with text %u then more", 7u);
	NAME(i++, "%5u|%-4d|%05x", 42u, -3, 0xabu);	/* widths and flags: stdio */
	NAME(i++, "%lu %lld %zu", 1ul << 40, LLONG_MIN, (size_t)99);	/* length modifiers */
	NAME(i++, "%X %o %c %p", 0xabcu, 8u, 'q', (void *)0);	/* other conversions */
	NAME(i++, "%.3s|%.0u", "abcdef", 0u);	/* precision */
	NAME(i++, "mixed %u then %5s", 3u, "ab");	/* stdio after a fast conversion */
	NAME(i++, "%%%%%u%%", 9u);
	NAME(i++, "request %u", 4294967295u);
	NAME(i++, "wpq of request %u", 1u);
	NAME(i++, "%s%s%s%s", long_s, long_s, "x", "y");
	NAME(i++, "%d", 0);
	NAME(i++, "%u-%u-%u-%u-%u-%u-%u-%u-%u-%u-%u-%u-%u-%u-%u-%u-%u-%u-%u-%u", 4000000000u, 1u,
	     2u, 3u, 4u, 5u, 6u, 7u, 8u, 9u, 10u, 11u, 12u, 13u, 14u, 15u, 16u, 17u, 18u, 19u);
	NAME(i++, "x%xy", 0xf00du);
}

static void finish(struct pcsim_world *w, void *arg)
{
	(void)arg;
	for (int i = 0; i < NCASES; i++) {
		char buf[64];
		const char *got = pcsim_trace_obj_label(w, pcsim_trace_obj(&objs[i]), buf, sizeof(buf));
		bool ok = traced ? strcmp(got, want[i]) == 0 : strncmp(got, "obj#", 4) == 0;
		if (!ok && !nbad++)
			snprintf(bad_msg, sizeof(bad_msg), "case %d: name \"%s\", want \"%s\"", i, got,
				 traced ? want[i] : "obj#N");
	}
}

static void run(bool trace)
{
	struct pcsim_config cfg = pt_config(PCSIM_MEM_SC);
	struct pcsim_report r;
	if (pt_backend != PCSIM_BACKEND_SIM)
		skip();
	cfg.trace = trace;
	traced = trace;
	nbad = 0;
	assert_int_equal(pt_run("obj_name", setup, finish, NULL, &cfg, PCSIM_STRATEGY_RANDOM, 1, 0,
				0, &r),
			 0);
	pcsim_report_free(&r);
	if (nbad)
		fail_msg("%u bad name(s); first: %s", nbad, bad_msg);
}

static void test_names_are_snprintf(void **state)
{
	(void)state;
	run(true);
}

static void test_untraced_names_nothing(void **state)
{
	(void)state;
	run(false);
}

int main(int argc, char **argv)
{
	pt_init(argc, argv);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_are_snprintf),
		cmocka_unit_test(test_untraced_names_nothing),
	};
	return cmocka_run_group_tests_name("obj_name", tests, NULL, NULL);
}
