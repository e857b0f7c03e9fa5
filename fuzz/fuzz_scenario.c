// SPDX-License-Identifier: MIT
/*
 * fuzz_scenario.c - fuzz target: a `.pcs` scenario text (pcsim_scenario_load_string(), the
 * language of docs/scenarios.md), and for small texts that load, two executions of it.
 *
 * Properties checked beyond "no crash, no sanitizer report": the loader returns 0, -EINVAL or
 * -ENOMEM; an error is "fuzz.pcs:LINE:COL: message" with LINE within the text (one more for
 * an error at its end); what loads is deterministic (a second load gives the same program name
 * and hash); an execution of what loads never makes pcsim_explore() fail for bad options other
 * than a configuration the scenario's settings make invalid, and never ends as DIVERGED.
 *
 * The scenario's own `config` line may set any setting: the execution runs under the same budgets
 * as fuzz_schedule's replays (fuzz_budget.h: watchdog off, fiber stacks at most FUZZ_STACK_MAX,
 * so `config stack_size=1073741824` does not cost 128 MiB of ASan shadow per fiber).
 *
 * One source for every engine: libFuzzer, AFL++ and the plain corpus replayer (driver.c).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcsim/pcsim.h>
#include <pcsim/scenario.h>

#include "fuzz_budget.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 64 * 1024)
		return 0;
	char err[1024];
	struct pcsim_scenario *s = NULL, *again = NULL;
	int rc = pcsim_scenario_load_string("fuzz.pcs", (const char *)data, size, &s, err,
					    sizeof(err));
	if (rc == -ENOMEM)
		return 0;
	if (rc == -EINVAL) {
		unsigned line = 0, col = 0, lines = 1;
		for (size_t i = 0; i < size; i++)
			lines += data[i] == '\n';
		if (s || sscanf(err, "fuzz.pcs:%u:%u: ", &line, &col) != 2 || line < 1 ||
		    line > lines + 1 || col < 1)
			abort();
		return 0;
	}
	if (rc != 0 || !s)
		abort();
	if (pcsim_scenario_load_string("fuzz.pcs", (const char *)data, size, &again, err,
				       sizeof(err)) != 0 ||
	    pcsim_scenario_hash(again) != pcsim_scenario_hash(s) ||
	    strcmp(pcsim_scenario_program(again)->name, pcsim_scenario_program(s)->name) != 0)
		abort();
	pcsim_scenario_free(again);
	if (size <= 2048) {
		struct pcsim_config cfg;
		struct pcsim_explore_opts o;
		struct pcsim_report r;
		pcsim_config_init(&cfg);
		if (pcsim_scenario_apply_config(s, &cfg, err, sizeof(err)) != 0)
			abort();
		cfg.backend = PCSIM_BACKEND_SIM;
		cfg.timed = false;
		cfg.max_steps = 20000;
		fuzz_budget(&cfg);
		pcsim_explore_opts_init(&o);
		o.max_executions = 2;
		o.confirm = false;
		o.strategy = PCSIM_STRATEGY_RANDOM;
		rc = pcsim_explore(pcsim_scenario_program(s), &cfg, &o, &r);
		if (rc == -EINVAL && pcsim_config_validate(&cfg, err, sizeof(err)) == 0)
			abort();
		if (rc >= 0 && r.outcome == PCSIM_OUTCOME_DIVERGED)
			abort();
		pcsim_report_free(&r);
	}
	pcsim_scenario_free(s);
	return 0;
}
