/* SPDX-License-Identifier: MIT */
/*
 * pcsim_support/programs.h - the built-in programs (until scenario files arrive): small, named
 * models that `pcsim run/explore/replay NAME`, the benchmarks and the tests use, and the table of
 * the bug zoo entries pcsim can re-inject. Part of the pcsim_support library (not installed).
 */
#ifndef PCSIM_SUPPORT_PROGRAMS_H
#define PCSIM_SUPPORT_PROGRAMS_H

#include <pcsim/pcsim.h>

struct pcsim_builtin {
	struct pcsim_program prog;
	const char *summary;
	enum pcsim_memmode mem;		/* the memory mode it is meant for */
	int wait_table_bits;		/* >= 0: the program's default; -1: the kernel's */
};

/* The bug zoo entries pcsim can re-inject (docs/kernel-semantics.md section 5). */
struct pcsim_zoo_entry {
	unsigned n;			/* B-n */
	const char *kernel;		/* where and when */
	const char *what;
	const char *found_in;		/* the scenario that finds it */
};

extern const struct pcsim_zoo_entry pcsim_zoo[];
extern const unsigned pcsim_nzoo;

extern const struct pcsim_builtin pcsim_builtins[];
extern const unsigned pcsim_nbuiltins;

const struct pcsim_builtin *pcsim_builtin_find(const char *name);

#endif
