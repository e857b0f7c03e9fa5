/* SPDX-License-Identifier: MIT */
/*
 * pcsim_bench/bench.h - the entry point of the benchmarks (the pcsim_bench library, not
 * installed): `pcsim bench NAME [ARGS...]` runs the benchmark NAME (bench/README.md).
 */
#ifndef PCSIM_BENCH_BENCH_H
#define PCSIM_BENCH_BENCH_H

/*
 * Run the benchmark named by argv[0] with the arguments after it, printing its figures on
 * stdout. Returns 0, or the exit status of a failure (2 for a bad name or argument).
 */
int pcsim_bench_main(int argc, char **argv);

#endif
