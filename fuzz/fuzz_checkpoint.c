// SPDX-License-Identifier: MIT
/*
 * fuzz_checkpoint.c - fuzz target: a search's checkpoint (docs/campaigns.md, "Checkpoints"),
 * through the public API.
 *
 * The input is a checkpoint's text. It is resumed (pcsim_explore_opts.resume) in a search of a
 * small program that makes every kind of choice the strategies record (task steps, a posted
 * signal, a data choice), with the strategy and slice the text's own header names (dfs, dpor,
 * pct or random, "slice I/N"), so that fuzzed headers reach the state behind them. The resumed
 * search writes a checkpoint before each of its executions (checkpoint_every 1) and stops after
 * three; the last one written is resumed again. A text with a "cover" line is resumed with the
 * exit counters of <pcsim/cover.h> on, as `--coverage` does.
 *
 * Properties checked beyond "no crash, no sanitizer report": pcsim_explore() returns 0, 1 or
 * -EINVAL (-ENOMEM is allowed); a refusal says "checkpoint:LINE:COL:" with LINE inside the
 * text (or one past it, for a text cut short); and a checkpoint the search wrote is accepted
 * when resumed (the text round-trips).
 *
 * Built with -DFUZZ_CHECKPOINT_SEEDS and no driver, this file is a program that writes the
 * seeds of fuzz/corpus/checkpoint/ (checkpoints of this target's searches) into the directory
 * its argument names.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcsim/pcsim.h>

#include "fuzz_budget.h"
#include "fuzz_model.h"

static const struct pcsim_program prog = { "fz", fuzz_model_setup, NULL, NULL };

/* The search a checkpoint of @text would be of: its strategy and slice lines, the rest fixed. */
static void opts_for(const char *text, struct pcsim_explore_opts *o)
{
	pcsim_explore_opts_init(o);
	o->strategy = PCSIM_STRATEGY_DFS;
	o->preemption_bound = 2;
	o->pct_depth = 3;
	o->max_executions = 0;
	o->digest = true;
	o->confirm = false;
	const char *s = strstr(text, "\nstrategy ");
	if (s && strncmp(s + 10, "pct\n", 4) == 0)
		o->strategy = PCSIM_STRATEGY_PCT;
	else if (s && strncmp(s + 10, "random\n", 7) == 0)
		o->strategy = PCSIM_STRATEGY_RANDOM;
	else if (s && strncmp(s + 10, "dpor\n", 5) == 0)
		o->strategy = PCSIM_STRATEGY_DPOR;
	unsigned i, n;
	s = strstr(text, "\nslice ");
	if (s && sscanf(s + 7, "%3u/%3u", &i, &n) == 2 && n > 1 && i < n &&
	    o->strategy != PCSIM_STRATEGY_DPOR) {	/* (DPOR is not sliced) */
		o->slice_index = i;
		o->slice_count = n;
	}
}

/* checkpoint_every 1: keep the last text, stop after three. */
struct keep {
	char *last;
	unsigned calls;
	volatile sig_atomic_t stop;
};

static int keep(const char *text, size_t len, void *arg)
{
	struct keep *k = arg;
	char *c = malloc(len + 1);
	if (!c)
		return -ENOMEM;
	memcpy(c, text, len + 1);
	free(k->last);
	k->last = c;
	if (++k->calls >= 3)
		k->stop = 1;
	return 0;
}

static unsigned lines_of(const char *text)
{
	unsigned n = 1;
	for (; *text; text++)
		n += *text == '\n';
	return n;
}

/* Resume @text; abort() when a property does not hold. The search's last checkpoint in *@out
 * (NULL: none). */
static int resume(const char *text, char **out)
{
	struct pcsim_config cfg;
	pcsim_config_init(&cfg);
	fuzz_budget(&cfg);
	cfg.max_steps = 20000;
	struct pcsim_explore_opts o;
	opts_for(text, &o);
	/* a text with exit counts is resumed by a search that counts them (--coverage) */
	pcsim_cover_reset();
	pcsim_cover_enable(strstr(text, "\ncover ") != NULL);
	struct keep k = { NULL, 0, 0 };
	o.resume = text;
	o.checkpoint = keep;
	o.checkpoint_arg = &k;
	o.checkpoint_every = 1;
	o.stop = &k.stop;
	struct pcsim_report r;
	int rc = pcsim_explore(&prog, &cfg, &o, &r);
	if (rc != 0 && rc != 1 && rc != -EINVAL && rc != -ENOMEM)
		abort();
	if (rc == -EINVAL) {
		unsigned line = 0;
		if (!r.message || sscanf(r.message, "checkpoint:%u:", &line) != 1 || line < 1 ||
		    line > lines_of(text) + 1)
			abort();
	}
	pcsim_report_free(&r);
	*out = k.last;
	return rc;
}

#ifndef FUZZ_CHECKPOINT_SEEDS
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 1 << 16)
		return 0;
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	char *written = NULL;
	resume(text, &written);
	if (written) {
		/* what the search wrote is a checkpoint it accepts */
		char *again = NULL;
		if (resume(written, &again) == -EINVAL)
			abort();
		free(again);
		free(written);
	}
	free(text);
	return 0;
}
#else
/* The seeds: a checkpoint of each kind of search, taken after a few executions. */
int main(int argc, char **argv)
{
	static const struct {
		const char *name, *header;
		uint64_t after;
	} seeds[] = {
		{ "seed-dfs", "\nstrategy dfs\nslice 0/1\n", 7 },
		{ "seed-dfs-slice", "\nstrategy dfs\nslice 1/3\n", 5 },
		{ "seed-pct-slice", "\nstrategy pct\nslice 2/4\n", 9 },
		{ "seed-random", "\nstrategy random\nslice 0/1\n", 4 },
		{ "seed-dpor", "\nstrategy dpor\nslice 0/1\n", 6 },
		{ "seed-dpor-deep", "\nstrategy dpor\nslice 0/1\n", 40 },
		{ "seed-dfs-cover", "\nstrategy dfs\nslice 0/1\ncover\n", 5 },
	};
	if (argc != 2)
		return 2;
	for (unsigned i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		struct pcsim_config cfg;
		pcsim_config_init(&cfg);
		fuzz_budget(&cfg);
		cfg.max_steps = 20000;
		struct pcsim_explore_opts o;
		opts_for(seeds[i].header, &o);
		pcsim_cover_enable(strstr(seeds[i].header, "\ncover") != NULL);
		struct keep k = { NULL, 0, 0 };
		o.checkpoint = keep;
		o.checkpoint_arg = &k;
		o.max_executions = seeds[i].after;
		struct pcsim_report r;
		if (pcsim_explore(&prog, &cfg, &o, &r) < 0 || !k.last)
			return 1;
		pcsim_report_free(&r);
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", argv[1], seeds[i].name);
		FILE *f = fopen(path, "w");
		if (!f || fputs(k.last, f) < 0 || fclose(f) != 0)
			return 1;
		free(k.last);
	}
	return 0;
}
#endif
