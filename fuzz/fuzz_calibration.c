// SPDX-License-Identifier: MIT
/*
 * fuzz_calibration.c - fuzz target: a calibration file of `pcsim bench calibrate`, as
 * `pcsim bench seed --calibration FILE` reads it (pcsim_calib_parse(), bench/bench_calib_file.c).
 *
 * Properties checked beyond "no crash, no sanitizer report": the parser returns 0 or -EINVAL;
 * an error message starts with "fuzz.conf:" and, when it names a line, that line lies within the
 * text; an accepted file holds no negative or infinite figure, and round-trips: writing it
 * (pcsim_calib_format()) and parsing that gives a file that writes the same text again (so
 * nothing accepted is silently misread into another value).
 *
 * One source for every engine: libFuzzer, AFL++ and the plain corpus replayer (driver.c).
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calib.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Lines in @text: what an error's line number may be at most. */
static unsigned lines_of(const uint8_t *text, size_t size)
{
	unsigned n = 1;
	for (size_t i = 0; i < size; i++)
		n += text[i] == '\n';
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 64 * 1024)
		return 0;
	struct pcsim_calib c, again;
	char err[512];
	int rc = pcsim_calib_parse(&c, (const char *)data, size, "fuzz.conf", err, sizeof(err));
	if (rc == -EINVAL) {
		unsigned ln = 0;
		if (strncmp(err, "fuzz.conf:", 10) != 0)
			abort();
		if (sscanf(err, "fuzz.conf:%u:", &ln) == 1 && (ln < 1 || ln > lines_of(data, size)))
			abort();
		return 0;
	}
	if (rc != 0)
		abort();
	const char *name;
	double v;
	for (size_t i = 0; pcsim_calib_field(&c, i, &name, NULL, &v) == 0; i++)
		if (!isnan(v) && (v < 0 || isinf(v)))
			abort();
	char *a = pcsim_calib_format(&c, "# fuzz\n");
	if (!a)
		abort();
	if (pcsim_calib_parse(&again, a, strlen(a), "fuzz.conf", err, sizeof(err)) != 0)
		abort();	/* what we write, we must read */
	char *b = pcsim_calib_format(&again, "# fuzz\n");
	if (!b || strcmp(a, b) != 0)
		abort();
	free(a);
	free(b);
	return 0;
}
