// SPDX-License-Identifier: MIT
/*
 * cmdline.c - command-line helpers shared by the pcsim CLI and the benchmarks: the usage-error
 * message, bounded number parsing and writing a result file.
 */
#include <pcsim_support/cmdline.h>

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char pcsim_cmdline_prog[] = "pcsim";

int pcsim_cmdline_usage_error(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", pcsim_cmdline_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n(try '%s help')\n", pcsim_cmdline_prog);
	return PCSIM_CMDLINE_EXIT_USAGE;
}

int pcsim_cmdline_parse_u64(const char *opt, const char *s, uint64_t min, uint64_t max,
			    uint64_t *out)
{
	char *end;
	if (!s || !*s || *s == '-')
		return pcsim_cmdline_usage_error("%s needs a number", opt);
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return pcsim_cmdline_usage_error(
			"%s: '%s' is not a number in [%" PRIu64 ", %" PRIu64 "]", opt, s, min, max);
	*out = v;
	return 0;
}

int pcsim_cmdline_write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "%s: cannot write %s: %s\n", pcsim_cmdline_prog, path,
			strerror(errno));
		return -1;
	}
	fputs(text ? text : "", f);
	if (fclose(f) != 0) {
		fprintf(stderr, "%s: cannot write %s: %s\n", pcsim_cmdline_prog, path,
			strerror(errno));
		return -1;
	}
	return 0;
}

void pcsim_cmdline_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}
