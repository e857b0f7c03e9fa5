/* SPDX-License-Identifier: MIT */
/*
 * cli.h - the subcommands of the pcsim command-line tool that live outside main.c. The helpers
 * they share with the benchmarks are in <pcsim_support/cmdline.h>.
 */
#ifndef PCSIM_TOOLS_CLI_H
#define PCSIM_TOOLS_CLI_H

/* `pcsim demo [--seed N]`. */
int pcsim_cli_demo(int argc, char **argv);

/* `pcsim litmus FILE.litmus... [options]` (litmus_cmd.c, docs/litmus.md). */
int pcsim_cli_litmus(int argc, char **argv);

#endif
