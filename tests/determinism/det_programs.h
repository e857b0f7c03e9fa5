/* SPDX-License-Identifier: MIT */
/*
 * det_programs.h - a fixed set of programs whose trace hashes must be identical on every run,
 * build (-O0/-O2) and compiler (gcc/clang). Used by test_determinism and by
 * cross_build.sh, which compares builds against tests/golden/determinism.txt.
 */
#ifndef DET_PROGRAMS_H
#define DET_PROGRAMS_H

#include <stdint.h>

/* Calls @emit once per (program, seed) with the trace hash of that run. */
int det_hashes(void (*emit)(const char *name, uint64_t seed, uint64_t hash, void *arg), void *arg);

#endif
