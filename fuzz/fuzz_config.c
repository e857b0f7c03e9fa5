// SPDX-License-Identifier: MIT
/*
 * fuzz_config.c - fuzz target: a configuration line (pcsim_config_parse()), as on a schedule's
 * `config` line and the CLI's --config.
 *
 * Properties checked beyond "no crash, no sanitizer report": the parser returns 0 or -EINVAL,
 * an error message starts with "col N: " where N lies within the line, and what it accepts
 * round-trips: formatting the parsed configuration and parsing that again gives the same text
 * (so nothing accepted is silently misread into another value).
 *
 * One source for every engine: libFuzzer, AFL++ and the plain corpus replayer (driver.c).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcsim/pcsim.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 2 * PCSIM_CONFIG_LINE_MAX)
		return 0;
	char *line = malloc(size + 1);
	if (!line)
		return 0;
	memcpy(line, data, size);
	line[size] = 0;

	struct pcsim_config cfg, again;
	char err[512], a[1024], b[1024];
	pcsim_config_init(&cfg);
	int rc = pcsim_config_parse(line, &cfg, err, sizeof(err));
	if (rc == -EINVAL) {
		unsigned col = 0;
		if (sscanf(err, "col %u: ", &col) != 1 || col < 1 || col > strlen(line) + 1)
			abort();
	} else if (rc == 0) {
		pcsim_config_format(&cfg, a, sizeof(a));
		pcsim_config_init(&again);
		if (pcsim_config_parse(a, &again, err, sizeof(err)) != 0)
			abort();	/* what we write, we must read */
		pcsim_config_format(&again, b, sizeof(b));
		if (strcmp(a, b) != 0)
			abort();
	} else {
		abort();
	}
	free(line);
	return 0;
}
