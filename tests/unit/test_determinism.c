// SPDX-License-Identifier: MIT
/*
 * Description: same program, configuration, strategy and seed => byte-identical trace.
 * Runs the determinism program set twice in one process and compares every trace hash, then
 * compares them with tests/golden/determinism.txt, which every build (gcc/clang, -O0/-O2,
 * sanitizers or not) must reproduce; tests/determinism/cross_build.sh checks the compilers.
 * Regenerate the golden file only for an intended trace change:
 *   build/debug/bin/test_determinism --print > tests/golden/determinism.txt
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "det_programs.h"
#include "pcsim_test.h"

#ifndef PCSIM_SOURCE_DIR
#define PCSIM_SOURCE_DIR "."
#endif

struct buf {
	char text[16384];
	size_t len;
};

static void emit(const char *name, uint64_t seed, uint64_t hash, void *arg)
{
	struct buf *b = arg;
	b->len += (size_t)snprintf(b->text + b->len, sizeof(b->text) - b->len,
				   "%s %" PRIu64 " %016" PRIx64 "\n", name, seed, hash);
}

static void test_same_seed_same_trace(void **state)
{
	(void)state;
	static struct buf a, b;
	a.len = b.len = 0;
	assert_int_equal(det_hashes(emit, &a), 0);
	assert_int_equal(det_hashes(emit, &b), 0);
	assert_true(a.len > 0);
	assert_string_equal(a.text, b.text);
}

static void test_matches_golden(void **state)
{
	(void)state;
	static struct buf a;
	static char golden[16384];
	a.len = 0;
	assert_int_equal(det_hashes(emit, &a), 0);
	FILE *f = fopen(PCSIM_SOURCE_DIR "/tests/golden/determinism.txt", "r");
	assert_non_null(f);
	size_t n = fread(golden, 1, sizeof(golden) - 1, f);
	golden[n] = 0;
	fclose(f);
	if (strcmp(a.text, golden) != 0)
		fprintf(stderr, "trace hashes differ from the golden file; this build gives:\n%s",
			a.text);
	assert_string_equal(a.text, golden);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--print") == 0) {
		static struct buf a;
		if (det_hashes(emit, &a) < 0)
			return 1;
		fputs(a.text, stdout);
		return 0;
	}
	pt_init(argc, argv);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_seed_same_trace),
		cmocka_unit_test(test_matches_golden),
	};
	return cmocka_run_group_tests_name("determinism", tests, NULL, NULL);
}
