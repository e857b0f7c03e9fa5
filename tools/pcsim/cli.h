/* SPDX-License-Identifier: MIT */
/* cli.h - shared helpers of the pcsim command-line tool. */
#ifndef PCSIM_TOOLS_CLI_H
#define PCSIM_TOOLS_CLI_H

#include <stdarg.h>
#include <stdint.h>

/* Print "pcsim: <message>" and a hint; returns 2 (bad usage). */
int pcsim_cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Parse a decimal in [min, max] for option @opt; 0 or the usage exit status. */
int pcsim_cli_parse_u64(const char *opt, const char *s, uint64_t min, uint64_t max,
			uint64_t *out);

/* Write @text (NULL: empty) to @path; on failure print why and return -1. */
int pcsim_cli_write_file(const char *path, const char *text);

int pcsim_cli_demo(int argc, char **argv);
int pcsim_cli_bench(int argc, char **argv);

#endif
