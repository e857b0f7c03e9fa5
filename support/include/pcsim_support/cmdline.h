/* SPDX-License-Identifier: MIT */
/*
 * pcsim_support/cmdline.h - command-line helpers shared by the pcsim CLI and the benchmarks it
 * runs: the usage-error message, bounded number parsing and writing a result file. Part of the
 * pcsim_support library (not installed).
 */
#ifndef PCSIM_SUPPORT_CMDLINE_H
#define PCSIM_SUPPORT_CMDLINE_H

#include <stdint.h>
#include <stdio.h>

/* Exit status of a bad usage or input (README "Exit status"). */
#define PCSIM_CMDLINE_EXIT_USAGE 2

/* The program name messages start with ("pcsim"). */
extern const char pcsim_cmdline_prog[];

/* Print "pcsim: <message>" and a hint to stderr; returns PCSIM_CMDLINE_EXIT_USAGE. */
int pcsim_cmdline_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Parse a decimal in [min, max] for option @opt into @out; 0 or the usage exit status. */
int pcsim_cmdline_parse_u64(const char *opt, const char *s, uint64_t min, uint64_t max,
			    uint64_t *out);

/* Write @text (NULL: empty) to @path; on failure print why and return -1. */
int pcsim_cmdline_write_file(const char *path, const char *text);

/* Write @s (NULL: empty) to @f as a JSON string, quotes and escapes included. */
void pcsim_cmdline_json_str(FILE *f, const char *s);

#endif
