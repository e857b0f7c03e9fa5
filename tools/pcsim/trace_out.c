// SPDX-License-Identifier: MIT
/*
 * trace_out.c - `--trace FILE` of `pcsim run|explore|replay`: the reported execution's trace in
 * the format the file name asks for (pcsim_trace_format_from_path()): the narrative the report
 * carries (.txt and anything else), or a picture, Chrome trace JSON (.json) or an SVG timeline
 * (.svg), drawn from a replay of the reported schedule (pcsim_trace_replay_write()). No kernel
 * function is modelled here. docs/pictures.md.
 */
#include <inttypes.h>
#include <stdio.h>

#include <pcsim/pcsim.h>

#include <pcsim_support/cmdline.h>

#include "cli.h"

int pcsim_cli_write_trace(const char *path, const struct pcsim_program *prog,
			  const struct pcsim_report *r)
{
	enum pcsim_trace_format fmt = pcsim_trace_format_from_path(path);
	if (fmt == PCSIM_TRACE_TEXT)
		return pcsim_cmdline_write_file(path, r->trace);
	if (!r->schedule) {
		fprintf(stderr, "%s: cannot draw %s: the report has no schedule to replay\n",
			pcsim_cmdline_prog, path);
		return -1;
	}
	FILE *f = fopen(path, "w");
	if (!f) {
		perror(path);
		return -1;
	}
	char err[512];
	uint64_t hash = 0;
	int rc = pcsim_trace_replay_write(prog, r->schedule, fmt, NULL, f, &hash, err, sizeof(err));
	if (fclose(f) != 0 && rc == 0) {
		perror(path);
		return -1;
	}
	if (rc < 0) {
		fprintf(stderr, "%s: cannot draw %s: %s\n", pcsim_cmdline_prog, path, err);
		return -1;
	}
	if (r->trace_hash && hash != r->trace_hash)
		fprintf(stderr,
			"%s: warning: %s: the replay drawn has trace hash %016" PRIx64
			", the report %016" PRIx64 "\n",
			pcsim_cmdline_prog, path, hash, r->trace_hash);
	return 0;
}
