// SPDX-License-Identifier: MIT
/*
 * fuzz_litmus.c - fuzz target: a C litmus test (pcsim_litmus_parse(), the herd7/LKMM format of
 * docs/litmus.md), and for small tests that parse, a few executions of it in each memory mode.
 *
 * Properties checked beyond "no crash, no sanitizer report": the parser returns 0, -EINVAL or
 * -ENOMEM; an error is "fuzz.litmus:LINE:COL: message" with LINE within the text (one more for
 * an error at its end) and COL at least 1; what parses is deterministic (a second parse gives
 * the same name, process count and expected verdict); a run of what parses (2 random
 * executions in sc, tso and weak) is never refused for its options, never ends as DIVERGED,
 * and accounts for every execution it recorded (positive + negative + filtered + unrecorded
 * failures make up the executions run).
 *
 * One source for every engine: libFuzzer, AFL++ and the plain corpus replayer (driver.c).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcsim/litmus.h>
#include <pcsim/pcsim.h>

#include "fuzz_budget.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 64 * 1024)
		return 0;
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	size_t len = strlen(text);	/* the parser reads up to the first NUL */
	char err[1024];
	struct pcsim_litmus *t = NULL, *again = NULL;
	int rc = pcsim_litmus_parse(text, "fuzz.litmus", &t, err, sizeof(err));
	if (rc == -ENOMEM)
		goto out;
	if (rc == -EINVAL) {
		unsigned line = 0, col = 0, lines = 1;
		for (size_t i = 0; i < len; i++)
			lines += text[i] == '\n';
		if (t || sscanf(err, "fuzz.litmus:%u:%u: ", &line, &col) != 2 || line < 1 ||
		    line > lines + 1 || col < 1)
			abort();
		goto out;
	}
	if (rc != 0 || !t)
		abort();
	if (pcsim_litmus_parse(text, "fuzz.litmus", &again, err, sizeof(err)) != 0 ||
	    strcmp(pcsim_litmus_name(again), pcsim_litmus_name(t)) != 0 ||
	    pcsim_litmus_nprocs(again) != pcsim_litmus_nprocs(t) ||
	    pcsim_litmus_expected(again) != pcsim_litmus_expected(t))
		abort();
	pcsim_litmus_free(again);
	if (len <= 2048 && pcsim_litmus_nprocs(t) <= 4) {
		static const enum pcsim_memmode modes[] = { PCSIM_MEM_SC, PCSIM_MEM_TSO,
							    PCSIM_MEM_WEAK };
		for (unsigned m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
			struct pcsim_config cfg;
			struct pcsim_explore_opts o;
			struct pcsim_litmus_result res;
			pcsim_config_init(&cfg);
			cfg.trace = false;
			cfg.mem = modes[m];
			cfg.max_steps = 20000;
			fuzz_budget(&cfg);
			pcsim_explore_opts_init(&o);
			o.strategy = PCSIM_STRATEGY_RANDOM;
			o.max_executions = 2;
			o.seed = 1;
			rc = pcsim_litmus_run(t, &cfg, &o, &res);
			if (rc == -EINVAL)
				abort();
			if (rc >= 0) {
				if (res.report.outcome == PCSIM_OUTCOME_DIVERGED)
					abort();
				if (res.positive + res.negative > res.report.executions)
					abort();
			}
			pcsim_litmus_result_free(&res);
		}
	}
	pcsim_litmus_free(t);
out:
	free(text);
	return 0;
}
