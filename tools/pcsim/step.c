// SPDX-License-Identifier: MIT
/*
 * step.c - `pcsim step PROGRAM`: the interactive stepper for teaching. One execution of a
 * built-in program or a scenario file runs under PCSIM_STRATEGY_CALLBACK; at every decision
 * (a step with two or more options, or a data choice) the enabled options are listed in the
 * narrative's words and a command read from stdin picks one:
 *
 *   N        take option N            d        take the default (the running context)
 *   s N      take N defaults          b        back one decision (replays the prefix)
 *   state    page flags, wait-table buckets, tasks, pending events, store buffers, rings
 *   trace    the narrative so far     w FILE   write the choices so far as a schedule file
 *   l        list the options again   q        quit            help    this list
 *
 * The trace events that happened since the last decision are printed before each list, so
 * the output reads as the narrative with the choices between its lines. Commands come from
 * stdin, one per line, so a here-doc scripts a session (tests/cli/step.sh); '#' starts a
 * comment; end of input is `q`. When the execution ends its outcome is printed and the same
 * commands (but the choices) work on the finished execution: `w FILE` then writes a complete
 * schedule that `pcsim replay` replays to the same outcome.
 *
 * "Back" re-runs the execution from the start with the choices taken before the decision left
 * as a prefix, answered without asking: the engine is deterministic, so the prefix leads to
 * the same decision. No kernel function is modelled here.
 *
 * `pcsim step PROGRAM SCHEDULE` starts from a schedule file's choices instead (its configuration,
 * as `pcsim replay` takes it): the execution replays them without asking and the student goes
 * on from where they end, or looks at (`state`, `trace`) and goes back (`b`) from the end of a
 * failure found by `pcsim explore`.
 *
 * Exit status: 0 when the student quits, or the status of the finished execution's outcome (0
 * ok, 1 violation/deadlock/livelock) when it ends; 2 bad usage; 3 internal error.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pcsim/pcsim.h>
#include <pcsim/scenario.h>

#include <pcsim_support/cmdline.h>
#include <pcsim_support/programs.h>

#include "cli.h"

#define EXIT_OK 0
#define EXIT_VIOLATION 1
#define EXIT_USAGE 2
#define EXIT_INTERNAL 3

struct stepper {
	const char *target; /* as the command line named the program */
	FILE *in, *out;
	bool tty; /* commands typed at a terminal (not echoed) */
	char line[4096];
	/* the choices taken, in the schedule's spelling ("run T1"), by decision index */
	char (*path)[64];
	size_t npath, cap;
	size_t replay_to;	 /* decisions below this index replay path[] silently */
	unsigned long auto_left; /* `s N`: defaults still to take */
	size_t shown;		 /* trace events printed so far */
	bool live;		 /* a decision has been asked in this execution */
	bool quit, restart, failed;
	/* the finished execution */
	char *final_state;
	int outcome;
	size_t ndecisions;
};

static void help(FILE *f)
{
	fprintf(f, "commands:\n"
		   "  N        take option N             d        take the default (marked *)\n"
		   "  s N      take N defaults           b        back one decision\n"
		   "  state    pages, wait-table buckets, tasks, events, store buffers, rings\n"
		   "  trace    the narrative so far      w FILE   write the choices so far as a "
		   "schedule\n"
		   "  l        list the options again    q        quit\n");
}

static bool push(struct stepper *s, const char *choice)
{
	if (s->npath == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 64;
		char(*np)[64] = realloc(s->path, nc * sizeof(*np));
		if (!np)
			return false;
		s->path = np;
		s->cap = nc;
	}
	snprintf(s->path[s->npath++], sizeof(s->path[0]), "%s", choice);
	return true;
}

static void print_trace(struct stepper *s, const struct pcsim_decision *d, size_t from)
{
	char *t = pcsim_decision_trace(d, from);
	if (t)
		fputs(t, s->out);
	free(t);
}

static void list(struct stepper *s, const struct pcsim_decision *d)
{
	fprintf(s->out, "decision %" PRIu64 " at step %" PRIu64 "%s%s:\n", d->index + 1, d->step,
		d->data_kind ? ", a data choice: " : "", d->data_kind ? d->data_kind : "");
	for (unsigned i = 0; i < d->n; i++)
		fprintf(s->out, "  %2u%c %s\n", i + 1, i == d->dflt ? '*' : ' ', d->opts[i].label);
}

/*
 * Read one command line into s->line: false at end of input. A '#' starts a comment (a
 * script's explanation); a line that holds only a comment is skipped.
 */
static bool read_cmd(struct stepper *s, const char *prompt)
{
	bool shown = false;
again:
	if (!shown)
		fprintf(s->out, "%s", prompt);
	shown = true;
	fflush(s->out);
	if (!fgets(s->line, sizeof(s->line), s->in)) {
		fprintf(s->out, "\n");
		return false;
	}
	char *hash = strchr(s->line, '#');
	if (hash) {
		const char *p = s->line;
		while (*p == ' ' || *p == '\t')
			p++;
		if (p == hash)
			goto again;
		*hash = 0;
	}
	size_t n = strlen(s->line);
	while (n && (s->line[n - 1] == '\n' || s->line[n - 1] == '\r' || s->line[n - 1] == ' ' ||
		     s->line[n - 1] == '\t'))
		s->line[--n] = 0;
	char *p = s->line;
	while (*p == ' ' || *p == '\t')
		p++;
	memmove(s->line, p, strlen(p) + 1);
	if (!s->tty) /* a script: echo the command, so the transcript reads like a session */
		fprintf(s->out, "%s\n", s->line);
	return true;
}

static void write_schedule(struct stepper *s, const char *path, const char *text, bool partial)
{
	if (!text) {
		fprintf(stderr, "%s: out of memory\n", pcsim_cmdline_prog);
		return;
	}
	if (pcsim_cmdline_write_file(path, text) < 0)
		return; /* it said why */
	fprintf(s->out, "wrote %s", path);
	if (partial)
		fprintf(s->out,
			" (the choices so far; `%s replay --lenient %s %s` takes the default "
			"after them)",
			pcsim_cmdline_prog, s->target, path);
	fprintf(s->out, "\n");
}

/* Commands that work both at a decision and at the end: true if @cmd was one of them. */
static bool common_cmd(struct stepper *s, const char *cmd)
{
	if (strcmp(cmd, "help") == 0 || strcmp(cmd, "h") == 0 || strcmp(cmd, "?") == 0) {
		help(s->out);
		return true;
	}
	return false;
}

static unsigned choose(const struct pcsim_decision *d, void *arg)
{
	struct stepper *s = arg;
	if (d->n == 0) {
		/* the end of the execution */
		if (s->quit || s->restart)
			return 0;
		if (!s->live && s->replay_to)
			fprintf(s->out,
				"(replayed %zu choice%s to the end: `trace` shows the "
				"narrative)\n",
				s->replay_to, s->replay_to == 1 ? "" : "s");
		else
			print_trace(s, d, s->shown);
		s->shown = d->nevents;
		s->outcome = d->outcome;
		s->ndecisions = (size_t)d->index;
		char *buf = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&buf, &len);
		if (m) {
			pcsim_world_describe(d->world, m);
			pcsim_pagecache_describe(d->world, m);
			pcsim_uring_describe(d->world, m);
			fclose(m);
			free(s->final_state);
			s->final_state = buf;
		}
		return 0;
	}
	size_t i = (size_t)d->index;
	if (i < s->replay_to) {
		/* the prefix of a `b`: answer as before */
		for (unsigned k = 0; k < d->n; k++)
			if (i < s->npath && strcmp(d->opts[k].choice, s->path[i]) == 0)
				return k;
		fprintf(stderr,
			"%s: step: the replayed prefix left the recorded choices at "
			"decision %zu (the program is not deterministic?)\n",
			pcsim_cmdline_prog, i + 1);
		s->failed = s->quit = true;
		return PCSIM_CHOOSE_STOP;
	}
	if (!s->live && s->replay_to) {
		fprintf(s->out, "(replayed %zu choice%s: the narrative up to here is in `trace`)\n",
			s->replay_to, s->replay_to == 1 ? "" : "s");
		s->shown = d->nevents; /* printed the first time round */
	}
	s->live = true;
	s->npath = i; /* what lies beyond this decision is forgotten */
	print_trace(s, d, s->shown);
	s->shown = d->nevents;
	unsigned pick = d->dflt;
	bool quiet = false;
	if (s->auto_left) {
		s->auto_left--;
		quiet = (int)pick == d->cur; /* the running context goes on: nothing to say */
		goto take;
	}
	list(s, d);
	for (;;) {
		char prompt[64];
		snprintf(prompt, sizeof(prompt),
			 "choice [1-%u, d, s N, b, state, trace, w FILE, q]> ", d->n);
		if (!read_cmd(s, prompt)) {
			s->quit = true;
			return PCSIM_CHOOSE_STOP;
		}
		const char *c = s->line;
		char *end;
		if (!*c || strcmp(c, "l") == 0 || strcmp(c, "list") == 0) {
			list(s, d);
		} else if (c[0] >= '0' && c[0] <= '9') {
			unsigned long v = strtoul(c, &end, 10);
			if (*end || v < 1 || v > d->n) {
				fprintf(s->out, "no option '%s': pick 1..%u\n", c, d->n);
				continue;
			}
			pick = (unsigned)v - 1;
			goto take;
		} else if (strcmp(c, "d") == 0) {
			goto take;
		} else if (c[0] == 's' && (c[1] == 0 || c[1] == ' ')) {
			unsigned long v = 1;
			if (c[1]) {
				v = strtoul(c + 2, &end, 10);
				if (*end || v < 1) {
					fprintf(s->out,
						"s N: N is a number of decisions, 1 or more\n");
					continue;
				}
			}
			s->auto_left = v - 1;
			goto take;
		} else if (strcmp(c, "b") == 0) {
			if (i == 0) {
				fprintf(s->out,
					"this is the first decision: nothing to go back to\n");
				continue;
			}
			s->replay_to = i - 1;
			s->npath = i - 1;
			s->restart = true;
			return PCSIM_CHOOSE_STOP;
		} else if (strcmp(c, "state") == 0) {
			pcsim_world_describe(d->world, s->out);
			pcsim_pagecache_describe(d->world, s->out);
			pcsim_uring_describe(d->world, s->out);
		} else if (strcmp(c, "trace") == 0) {
			fprintf(s->out, "%6s  %-4s  %-20s  %s\n", "step", "cpu", "context",
				"event");
			print_trace(s, d, 0);
		} else if (c[0] == 'w' && c[1] == ' ' && c[2]) {
			char *text = pcsim_decision_schedule(d);
			write_schedule(s, c + 2, text, true);
			free(text);
		} else if (strcmp(c, "w") == 0) {
			fprintf(s->out, "w FILE: name the file to write\n");
		} else if (strcmp(c, "q") == 0 || strcmp(c, "quit") == 0) {
			s->quit = true;
			return PCSIM_CHOOSE_STOP;
		} else if (!common_cmd(s, c)) {
			fprintf(s->out, "unknown command '%s' (help lists them)\n", c);
		}
	}
take:
	if (!push(s, d->opts[pick].choice)) {
		fprintf(stderr, "%s: out of memory\n", pcsim_cmdline_prog);
		s->failed = s->quit = true;
		return PCSIM_CHOOSE_STOP;
	}
	if (!quiet)
		fprintf(s->out, "-> %s\n", d->opts[pick].label);
	return pick;
}

static int outcome_status(int o)
{
	switch (o) {
	case PCSIM_OUTCOME_OK:
		return EXIT_OK;
	case PCSIM_OUTCOME_INTERNAL:
		return EXIT_INTERNAL;
	case PCSIM_OUTCOME_DIVERGED:
		return EXIT_USAGE;
	default:
		return EXIT_VIOLATION;
	}
}

/* The finished execution: its outcome, then commands on it until q, b or end of input. */
static int after_end(struct stepper *s, const struct pcsim_report *r)
{
	if (r->outcome == PCSIM_OUTCOME_OK)
		fprintf(s->out,
			"the execution ended: ok (no violation), %" PRIu64 " steps, %zu "
			"decisions\n",
			r->steps, s->ndecisions);
	else
		fprintf(s->out, "the execution ended: %s (%s) at step %" PRIu64 "\n  %s\n",
			pcsim_outcome_name(r->outcome), r->what, r->step,
			r->message ? r->message : "");
	for (;;) {
		if (!read_cmd(s, "end [b, state, trace, w FILE, q]> "))
			return outcome_status(r->outcome);
		const char *c = s->line;
		if (strcmp(c, "q") == 0 || strcmp(c, "quit") == 0) {
			return outcome_status(r->outcome);
		} else if (strcmp(c, "b") == 0) {
			if (!s->ndecisions) {
				fprintf(s->out, "this execution had no decision to go back to\n");
				continue;
			}
			s->replay_to = s->ndecisions - 1;
			s->npath = s->ndecisions - 1;
			s->restart = true;
			return -1;
		} else if (strcmp(c, "state") == 0) {
			fputs(s->final_state ? s->final_state : "(no state recorded)\n", s->out);
		} else if (strcmp(c, "trace") == 0) {
			fputs(r->trace ? r->trace : "(no trace recorded)\n", s->out);
		} else if (c[0] == 'w' && c[1] == ' ' && c[2]) {
			write_schedule(s, c + 2, r->schedule, false);
		} else if (strcmp(c, "w") == 0) {
			fprintf(s->out, "w FILE: name the file to write\n");
		} else if (!*c) {
			continue;
		} else if (!common_cmd(s, c)) {
			fprintf(s->out, "the execution is over: %s (help lists the commands)\n",
				c[0] >= '0' && c[0] <= '9' ? "nothing to choose"
							   : "unknown command");
		}
	}
}

static int step_loop(struct stepper *s, const struct pcsim_program *prog,
		     const struct pcsim_config *cfg)
{
	for (;;) {
		struct pcsim_explore_opts ex;
		struct pcsim_report r;
		pcsim_explore_opts_init(&ex);
		ex.strategy = PCSIM_STRATEGY_CALLBACK;
		ex.choose = choose;
		ex.choose_arg = s;
		ex.max_executions = 1;
		ex.keep_trace = true;
		ex.confirm = false; /* the failure is in front of the student already */
		s->restart = s->quit = s->live = false;
		s->shown = 0;
		s->auto_left = 0;
		int rc = pcsim_explore(prog, cfg, &ex, &r);
		if (rc < 0) {
			fprintf(stderr, "%s: %s\n", pcsim_cmdline_prog,
				r.message ? r.message : strerror(-rc));
			pcsim_report_free(&r);
			return rc == -EINVAL ? EXIT_USAGE : EXIT_INTERNAL;
		}
		if (s->failed) {
			pcsim_report_free(&r);
			return EXIT_INTERNAL;
		}
		if (s->restart) {
			pcsim_report_free(&r);
			continue;
		}
		if (s->quit) {
			fprintf(s->out, "quit\n");
			pcsim_report_free(&r);
			return EXIT_OK;
		}
		int st = after_end(s, &r);
		pcsim_report_free(&r);
		if (st >= 0)
			return st;
	}
}

/* A schedule file's text (at most PCSIM_SCHEDULE_MAX bytes), or NULL after a message. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "%s: cannot read %s: %s\n", pcsim_cmdline_prog, path,
			strerror(errno));
		return NULL;
	}
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	for (;;) {
		if (!buf)
			break;
		if (len + 1 == cap) {
			char *nb = cap <= PCSIM_SCHEDULE_MAX ? realloc(buf, cap * 2) : NULL;
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		size_t n = fread(buf + len, 1, cap - 1 - len, f);
		len += n;
		if (n == 0)
			break;
	}
	bool bad = ferror(f);
	fclose(f);
	if (!buf || bad || memchr(buf, 0, len)) {
		fprintf(stderr,
			"%s: %s: not a readable schedule file (too large, binary or an I/O "
			"error)\n",
			pcsim_cmdline_prog, path);
		free(buf);
		return NULL;
	}
	buf[len] = 0;
	return buf;
}

/* The choice lines of a schedule file (already checked by pcsim_schedule_info()) as the prefix. */
static bool load_prefix(struct stepper *s, char *text)
{
	bool in = false;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		while (*line == ' ' || *line == '\t')
			line++;
		size_t n = strlen(line);
		while (n && (line[n - 1] == ' ' || line[n - 1] == '\t' || line[n - 1] == '\r'))
			line[--n] = 0;
		if (!n || line[0] == '#')
			continue;
		if (!in) {
			in = strncmp(line, "choices ", 8) == 0;
			continue;
		}
		if (strcmp(line, "end") == 0)
			break;
		if (!push(s, line))
			return false;
	}
	s->replay_to = s->npath;
	return true;
}

int pcsim_cli_step(const char *target, const char *schedule,
		   int (*apply_cli)(struct pcsim_config *cfg, void *arg, char *err, size_t errlen),
		   void *cli_arg)
{
	struct pcsim_config cfg;
	struct pcsim_scenario *scn = NULL;
	const struct pcsim_program *prog;
	char err[1024];
	pcsim_config_init(&cfg);
	const struct pcsim_builtin *b = pcsim_builtin_find(target);
	if (b) {
		prog = &b->prog;
		cfg.mem = b->mem;
		if (b->wait_table_bits >= 0)
			pcsim_pagecache_config(&cfg)->wait_table_bits =
				(unsigned)b->wait_table_bits;
	} else if (pcsim_cli_is_scenario(target)) {
		struct stat st;
		if (stat(target, &st) == 0 && S_ISDIR(st.st_mode))
			return pcsim_cmdline_usage_error("step takes one scenario file, not a "
							 "directory");
		if (pcsim_scenario_load_file(target, &scn, err, sizeof(err)) < 0) {
			fprintf(stderr, "%s: %s\n", pcsim_cmdline_prog, err);
			return EXIT_USAGE;
		}
		if (pcsim_scenario_apply_config(scn, &cfg, err, sizeof(err)) < 0) {
			fprintf(stderr, "%s: %s: config: %s\n", pcsim_cmdline_prog, target, err);
			pcsim_scenario_free(scn);
			return EXIT_USAGE;
		}
		prog = pcsim_scenario_program(scn);
	} else {
		fprintf(stderr, "%s: unknown program '%s' ('%s programs' lists them)\n",
			pcsim_cmdline_prog, target, pcsim_cmdline_prog);
		return EXIT_USAGE;
	}
	if (apply_cli(&cfg, cli_arg, err, sizeof(err)) < 0) {
		pcsim_scenario_free(scn);
		return pcsim_cmdline_usage_error("%s", err);
	}
	if (cfg.backend != PCSIM_BACKEND_SIM) {
		pcsim_scenario_free(scn);
		return pcsim_cmdline_usage_error("step: the threads backend makes no choices to "
						 "step through (use the sim backend)");
	}
	struct stepper s = {.target = target, .in = stdin, .out = stdout};
	s.tty = isatty(fileno(stdin));
	if (schedule) {
		/* the schedule's configuration (as replay takes it), then its choices as a prefix
		 */
		char pname[256];
		char *text = slurp(schedule);
		if (!text) {
			pcsim_scenario_free(scn);
			return EXIT_USAGE;
		}
		pcsim_config_init(&cfg);
		if (pcsim_schedule_info(text, pname, sizeof(pname), &cfg, err, sizeof(err)) < 0 ||
		    (prog->name && strcmp(pname, prog->name) != 0)) {
			if (strncmp(err, "schedule:", 9) != 0)
				snprintf(err, sizeof(err), "recorded for program '%s', not '%s'",
					 pname, prog->name);
			fprintf(stderr, "%s: %s: %s\n", pcsim_cmdline_prog, schedule, err);
			free(text);
			pcsim_scenario_free(scn);
			return EXIT_USAGE;
		}
		bool ok = load_prefix(&s, text);
		free(text);
		if (!ok) {
			fprintf(stderr, "%s: out of memory\n", pcsim_cmdline_prog);
			pcsim_scenario_free(scn);
			free(s.path);
			return EXIT_INTERNAL;
		}
	}
	/* The student may think for longer than any watchdog waits. */
	cfg.watchdog_ms = 0;
	cfg.trace = true;
	fprintf(s.out, "stepping %s: at each decision pick an option (help lists the commands)\n",
		prog->name);
	int st = step_loop(&s, prog, &cfg);
	fflush(s.out);
	free(s.path);
	free(s.final_state);
	pcsim_scenario_free(scn);
	return st;
}
