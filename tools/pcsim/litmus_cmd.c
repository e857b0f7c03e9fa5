// SPDX-License-Identifier: MIT
/*
 * litmus_cmd.c - `pcsim litmus FILE.litmus... [--mem sc|tso|weak[,...]] [--strategy dfs|pct|random]
 * [--preemptions K|unbounded] [--executions N] [--seed N] [--summary] [--no-cache]`: run C
 * litmus tests (herd7's format, the Linux kernel memory model's suite) with <pcsim/litmus.h>
 * and print herd7-style results, one block per test and memory mode. docs/litmus.md.
 *
 * Exit status: 0 when every test's verdict is consistent with (or, in a mode stronger than
 * LKMM, stronger than) the verdict its comment states; 1 when one is weaker; 2 for bad usage,
 * an unreadable file or a parse error (FILE:LINE:COL: message); 3 internal error.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pcsim/explore.h>
#include <pcsim/litmus.h>
#include <pcsim_support/cmdline.h>

#include "cli.h"

#define LITMUS_FILE_MAX (1u << 20)

static void litmus_usage(void)
{
	printf("usage: pcsim litmus FILE.litmus... [options]\n"
	       "\n"
	       "  --mem sc|tso|weak[,...]   memory modes to run each test in, default sc\n"
	       "  --strategy dfs|pct|random default dfs (exhaustive)\n"
	       "  --preemptions K|unbounded DFS preemption bound, default unbounded\n"
	       "  --executions N            stop after N executions (0 = no limit, default)\n"
	       "  --seed N                  pct/random seed, default 1\n"
	       "  --summary                 one line per test and mode\n"
	       "  --no-cache                DFS without the visited-state cache (on by default\n"
	       "                            for dfs without a preemption bound: same states\n"
	       "                            and verdicts, far fewer executions; its counts are\n"
	       "                            executions run, not schedules)\n"
	       "\n"
	       "exit status: 0 every verdict consistent with (or stronger than) the test's\n"
	       "\"Result:\", 1 one is weaker than LKMM allows, 2 bad usage or a parse error\n");
}

static char *read_file(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	char *buf = malloc(LITMUS_FILE_MAX + 1);
	if (!buf) {
		fclose(f);
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	size_t n = fread(buf, 1, LITMUS_FILE_MAX + 1, f);
	bool bad = ferror(f);
	fclose(f);
	if (bad || n > LITMUS_FILE_MAX) {
		free(buf);
		snprintf(err, errlen, "%s: %s", path,
			 bad ? "read error" : "larger than 1 MiB: not a litmus test");
		return NULL;
	}
	if (memchr(buf, '\0', n)) {
		free(buf);
		snprintf(err, errlen, "%s:1:1: binary file (NUL byte): not a litmus test", path);
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int pcsim_cli_litmus(int argc, char **argv)
{
	const char *files[256];
	unsigned nfiles = 0;
	enum pcsim_memmode modes[4];
	unsigned nmodes = 0;
	bool summary = false, cache = true;
	struct pcsim_explore_opts o;
	pcsim_explore_opts_init(&o);
	o.strategy = PCSIM_STRATEGY_DFS;
	o.preemption_bound = PCSIM_PREEMPTION_UNBOUNDED;
	o.max_executions = 0;
	bool gave_exec = false;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		uint64_t n;
		int rc;
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			litmus_usage();
			return 0;
		}
		if (strcmp(a, "--summary") == 0) {
			summary = true;
			continue;
		}
		if (strcmp(a, "--no-cache") == 0) {
			cache = false;
			continue;
		}
		if (a[0] == '-' && a[1] == '-' && !v)
			return pcsim_cmdline_usage_error("litmus: %s needs a value", a);
		if (strcmp(a, "--mem") == 0) {
			char buf[64];
			snprintf(buf, sizeof(buf), "%s", v);
			for (char *s = strtok(buf, ","); s; s = strtok(NULL, ",")) {
				enum pcsim_memmode m;
				if (strcmp(s, "sc") == 0)
					m = PCSIM_MEM_SC;
				else if (strcmp(s, "tso") == 0)
					m = PCSIM_MEM_TSO;
				else if (strcmp(s, "weak") == 0)
					m = PCSIM_MEM_WEAK;
				else
					return pcsim_cmdline_usage_error(
						"litmus: --mem: '%s' is not a mode (sc, tso, "
						"weak)", s);
				if (nmodes == 4)
					return pcsim_cmdline_usage_error(
						"litmus: --mem: too many modes");
				modes[nmodes++] = m;
			}
			i++;
		} else if (strcmp(a, "--strategy") == 0) {
			if (pcsim_strategy_parse(v, &o.strategy) < 0 ||
			    o.strategy == PCSIM_STRATEGY_REPLAY)
				return pcsim_cmdline_usage_error(
					"litmus: --strategy: '%s' is not dfs, pct or random", v);
			i++;
		} else if (strcmp(a, "--preemptions") == 0) {
			if (strcmp(v, "unbounded") == 0) {
				o.preemption_bound = PCSIM_PREEMPTION_UNBOUNDED;
			} else {
				if ((rc = pcsim_cmdline_parse_u64(a, v, 0, 1000, &n)))
					return rc;
				o.preemption_bound = (unsigned)n;
			}
			i++;
		} else if (strcmp(a, "--executions") == 0) {
			if ((rc = pcsim_cmdline_parse_u64(a, v, 0, UINT64_MAX, &o.max_executions)))
				return rc;
			gave_exec = true;
			i++;
		} else if (strcmp(a, "--seed") == 0) {
			if ((rc = pcsim_cmdline_parse_u64(a, v, 0, UINT64_MAX, &o.seed)))
				return rc;
			i++;
		} else if (a[0] == '-' && a[1]) {
			return pcsim_cmdline_usage_error("litmus: unknown option '%s'", a);
		} else {
			if (nfiles == sizeof(files) / sizeof(files[0]))
				return pcsim_cmdline_usage_error("litmus: more than 256 files");
			files[nfiles++] = a;
		}
	}
	if (!nfiles)
		return pcsim_cmdline_usage_error("litmus: no litmus file given");
	if (!nmodes)
		modes[nmodes++] = PCSIM_MEM_SC;
	if (o.strategy != PCSIM_STRATEGY_DFS && !gave_exec)
		o.max_executions = 10000; /* pct and random never finish on their own */
	int status = 0;
	for (unsigned f = 0; f < nfiles; f++) {
		char err[1024];
		struct pcsim_litmus *t = NULL;
		char *text = read_file(files[f], err, sizeof(err));
		if (!text || pcsim_litmus_parse(text, files[f], &t, err, sizeof(err)) < 0) {
			fprintf(stderr, "%s\n", err);
			free(text);
			status = 2;
			continue;
		}
		free(text);
		for (unsigned m = 0; m < nmodes; m++) {
			struct pcsim_config cfg;
			pcsim_config_init(&cfg);
			cfg.trace = false;
			cfg.mem = modes[m];
			const char *mname = modes[m] == PCSIM_MEM_TSO	 ? "tso"
					    : modes[m] == PCSIM_MEM_WEAK ? "weak"
									 : "sc";
			struct pcsim_litmus_result res;
			double t0 = now_s();
			int rc = cache ? pcsim_litmus_run_cached(t, &cfg, &o, &res)
				       : pcsim_litmus_run(t, &cfg, &o, &res);
			double dt = now_s() - t0;
			if (rc < 0) {
				fprintf(stderr, "%s: %s\n", files[f],
					res.report.message ? res.report.message : strerror(-rc));
				pcsim_litmus_result_free(&res);
				if (status < 3)
					status = rc == -ENOMEM ? 3 : 2;
				continue;
			}
			if (res.agreement == PCSIM_LITMUS_WEAKER && status == 0)
				status = 1;
			if (summary) {
				printf("%-40s %-3s %-9s expected %-9s %-10s %10" PRIu64
				       " executions %8.2f s%s\n",
				       pcsim_litmus_name(t), mname,
				       pcsim_litmus_verdict_name(res.observed),
				       pcsim_litmus_verdict_name(pcsim_litmus_expected(t)),
				       pcsim_litmus_agreement_name(res.agreement),
				       res.report.executions, dt, res.cached ? " cached" : "");
			} else {
				char *out = pcsim_litmus_format(t, &res, mname);
				if (!out) {
					fprintf(stderr, "%s: out of memory\n", files[f]);
					status = 3;
				} else {
					printf("%sTime %s %.2f\n\n", out, pcsim_litmus_name(t), dt);
					free(out);
				}
			}
			fflush(stdout);
			pcsim_litmus_result_free(&res);
		}
		pcsim_litmus_free(t);
	}
	return status;
}
