/* SPDX-License-Identifier: MIT */
/*
 * fuzz_budget.h - the budgets every fuzz target that runs executions imposes on the
 * configuration its input asks for (fuzz_schedule, fuzz_scenario, fuzz_litmus). Models no kernel
 * function.
 *
 * Neither budget changes what an execution decides (neither is recorded on a schedule's config
 * line), and both made a campaign's RSS climb (fuzz/README.md, "Memory"):
 *  - the watchdog is off (watchdog_ms = 0): its verdict depends on wall-clock time, which a
 *    fuzzer must not see (an input would crash on a loaded machine and pass on an idle one;
 *    libFuzzer's -timeout and AFL++'s hang detection cover an endless loop instead);
 *  - fiber stacks are at most FUZZ_STACK_MAX: a configuration may ask for 1 GiB stacks, which
 *    under ASan cost stack_size / 8 bytes of shadow per stack that stay resident once the stack
 *    is unmapped.
 */
#ifndef PCSIM_FUZZ_BUDGET_H
#define PCSIM_FUZZ_BUDGET_H

#include <pcsim/pcsim.h>

/* The largest fiber stack an execution runs with: 4 times the sanitizer builds' default. */
#define FUZZ_STACK_MAX (1024u * 1024u)

/* fuzz_budget - apply the fuzzers' budgets to @cfg (after the input's own settings). */
static inline void fuzz_budget(struct pcsim_config *cfg)
{
	cfg->watchdog_ms = 0;
	if (cfg->stack_size > FUZZ_STACK_MAX)
		cfg->stack_size = FUZZ_STACK_MAX;
}

#endif
