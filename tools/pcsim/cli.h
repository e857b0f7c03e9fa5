/* SPDX-License-Identifier: MIT */
/*
 * cli.h - the subcommands of the pcsim command-line tool that live outside main.c. The helpers
 * they share with the benchmarks are in <pcsim_support/cmdline.h>.
 */
#ifndef PCSIM_TOOLS_CLI_H
#define PCSIM_TOOLS_CLI_H

/* `pcsim demo [--seed N]`. */
int pcsim_cli_demo(int argc, char **argv);

struct pcsim_program;
struct pcsim_report;
/* `--trace FILE`: the report's trace in the format FILE's extension asks for (.txt narrative,
 * .json Chrome trace, .svg timeline; trace_out.c). Returns 0, or -1 after a message. */
int pcsim_cli_write_trace(const char *path, const struct pcsim_program *prog,
			  const struct pcsim_report *r);

#endif
