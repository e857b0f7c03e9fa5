// SPDX-License-Identifier: MIT
/* det_main.c - print the determinism hashes, one "name seed hash" line each (cross_build.sh). */
#include <inttypes.h>
#include <stdio.h>

#include "det_programs.h"

static void emit(const char *name, uint64_t seed, uint64_t hash, void *arg)
{
	(void)arg;
	printf("%s %" PRIu64 " %016" PRIx64 "\n", name, seed, hash);
}

int main(void)
{
	return det_hashes(emit, NULL) < 0 ? 1 : 0;
}
