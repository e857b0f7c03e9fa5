// SPDX-License-Identifier: MIT
/*
 * fuzz_schedule.c - fuzz target: a schedule file, through the public API.
 *
 * The input is a schedule file's text. pcsim_schedule_info() reads its header; when it parses,
 * the file is replayed (strictly, then leniently) with pcsim_explore() on a built-in program
 * that makes every kind of choice: task steps, an event (a posted signal), TSO flushes when the
 * file asks for mem=tso, a data choice and spurious wakeups when it allows them. The program
 * takes the file's name, so the name check passes and the replay itself is exercised.
 *
 * Properties checked beyond "no crash, no sanitizer report": the library returns one of its
 * documented values, and a file that pcsim_schedule_info() accepts is not rejected as
 * unparseable by the replay.
 *
 * Two budgets the file may set are not honoured (fuzz_budget.h, shared with fuzz_scenario and
 * fuzz_litmus): the watchdog is off and fiber stacks are at most FUZZ_STACK_MAX. Neither is
 * recorded on a config line, so the replay still accepts the file.
 *
 * One source for every engine: libFuzzer (-fsanitize=fuzzer), AFL++ (afl-clang-fast with
 * -fsanitize=fuzzer links its own driver) and the plain corpus replayer (driver.c).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcsim/pcsim.h>

#include "fuzz_budget.h"
#include "fuzz_model.h"

/* A name-sized copy of the file's program line; a replay is refused for another name. */
static char name[512];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 1 << 16)
		return 0;	/* the size limit itself is tested by tests/robustness */
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;

	struct pcsim_config cfg;
	char err[512];
	pcsim_config_init(&cfg);
	int rc = pcsim_schedule_info(text, name, sizeof(name), &cfg, err, sizeof(err));
	if (rc != 0 && rc != -EINVAL && rc != -ENOMEM)
		abort();
	if (rc == 0 && strlen(name) < sizeof(name) - 1 && cfg.backend == PCSIM_BACKEND_SIM) {
		/* The program is short whatever the file's budgets say. */
		struct pcsim_config run = cfg;
		fuzz_budget(&run);
		struct pcsim_program prog = { name, fuzz_model_setup, NULL, NULL };
		struct pcsim_explore_opts o;
		struct pcsim_report r;
		for (int lenient = 0; lenient < 2; lenient++) {
			pcsim_explore_opts_init(&o);
			o.strategy = PCSIM_STRATEGY_REPLAY;
			o.schedule = text;
			o.replay_lenient = lenient;
			int x = pcsim_explore(&prog, &run, &o, &r);
			/* Parsed by pcsim_schedule_info(), so the replay must accept the file,
			 * unless the name cannot be a program's (pcsim_explore() refuses names
			 * with a line break: they could not be written back). */
			if (x == -EINVAL && !strpbrk(name, "\r\n"))
				abort();
			if (x == -ENOMEM)
				abort();
			if (x != 0 && x != 1 && x != -EINVAL && x != -ENOMEM)
				abort();
			pcsim_report_free(&r);
		}
	}
	free(text);
	return 0;
}
