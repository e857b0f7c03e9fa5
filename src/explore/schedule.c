// SPDX-License-Identifier: MIT
/*
 * schedule.c - the schedule file: the choices of one execution as versioned text.
 *
 *   pcsim-schedule 1
 *   program micro-lost-wakeup
 *   config backend=sim cpus=2 mem=sc ...
 *   strategy pct seed=7 depth=3 bound=2 execution=4
 *   outcome deadlock step=12
 *   choices 3
 *   run T1
 *   fire E2
 *   data eio 1
 *   end
 *
 * One choice per line, each labelled with its kind and value: `run T<n>` / `run E<n>` (which
 * context takes the next step), `fire E<n>` (a pending event fires), `flush cpu<n>` (the oldest
 * store-buffer entry of a CPU reaches memory), `spurious T<n>`, `data <kind> <value>`. Lines
 * starting with '#' are comments. Only decisions with more than one option are recorded, so a
 * shrinker may delete lines and replay the rest leniently. Format: docs/schedule-format.md.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcsim/settings.h>

#include "explore_int.h"

void pcsim__choice_format(const struct pcsim__choice *c, char *buf, size_t len)
{
	switch (c->type) {
	case OPT_RUN:
		if (c->target > PCSIM_IRQ_CTX_BASE)
			snprintf(buf, len, "run E%u", c->target - PCSIM_IRQ_CTX_BASE);
		else
			snprintf(buf, len, "run T%u", c->target);
		break;
	case OPT_FIRE:
		snprintf(buf, len, "fire E%u", c->target);
		break;
	case OPT_FLUSH:
		snprintf(buf, len, "flush cpu%u", c->target);
		break;
	case OPT_SPURIOUS:
		snprintf(buf, len, "spurious T%u", c->target);
		break;
	case OPT_DATA:
		snprintf(buf, len, "data %s %u", c->label ? c->label : "data", c->target);
		break;
	default:
		snprintf(buf, len, "?");
	}
}

void pcsim_config_format(const struct pcsim_config *cfg, char *buf, size_t len)
{
	pcsim__config_format(cfg, buf, len);
}

/*
 * Apply the words of @line to @cfg, each `key=value` with a key of the settings table
 * (<pcsim/settings.h>). On error: -EINVAL, *@col the 1-based column in @line of what is wrong
 * and the message (without position) in @err.
 */
static int config_parse(const char *line, struct pcsim_config *cfg, unsigned *col_out, char *err,
			size_t errlen)
{
	const char *p = line;
	while (*p) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '\n')
			break;
		const char *k = p, *eq = NULL;
		while (*p && *p != ' ' && *p != '\t' && *p != '\n') {
			if (*p == '=' && !eq)
				eq = p;
			p++;
		}
		*col_out = (unsigned)(k - line) + 1;
		if (!eq) {
			snprintf(err, errlen, "expected key=value, got '%.*s'", (int)(p - k), k);
			return -EINVAL;
		}
		size_t kl = (size_t)(eq - k), vl = (size_t)(p - eq - 1);
		const struct pcsim_setting *s = pcsim_setting_find(k, kl);
		if (!s || strlen(s->key) != kl) {
			size_t n, off = 0;
			const struct pcsim_setting *t = pcsim_settings(&n);
			char known[1024];
			known[0] = 0;
			for (size_t i = 0; i < n && off < sizeof(known); i++)
				off += (size_t)snprintf(known + off, sizeof(known) - off, "%s%s",
							i ? ", " : "", t[i].key);
			snprintf(err, errlen, "unknown configuration key '%.*s' (known: %s)",
				 (int)(kl > 64 ? 64 : kl), k, known);
			return -EINVAL;
		}
		struct pcsim_config tmp = *cfg;
		if (pcsim_setting_set(&tmp, s, eq + 1, vl, err, errlen) < 0) {
			*col_out = (unsigned)(eq + 1 - line) + 1;
			return -EINVAL;
		}
		*cfg = tmp;
	}
	return 0;
}

int pcsim_config_parse(const char *line, struct pcsim_config *cfg, char *err, size_t errlen)
{
	char msg[1400];
	unsigned col = 1;
	if (!line || !cfg) {
		if (err && errlen)
			snprintf(err, errlen, "pcsim_config_parse: NULL argument");
		return -EINVAL;
	}
	if (strnlen(line, PCSIM_CONFIG_LINE_MAX + 1) > PCSIM_CONFIG_LINE_MAX) {
		if (err && errlen)
			snprintf(err, errlen, "col 1: configuration longer than %u bytes",
				 PCSIM_CONFIG_LINE_MAX);
		return -EINVAL;
	}
	int rc = config_parse(line, cfg, &col, msg, sizeof(msg));
	if (rc < 0 && err && errlen)
		snprintf(err, errlen, "col %u: %s", col, msg);
	return rc;
}

int pcsim_schedule_info(const char *schedule, char *program, size_t plen,
			struct pcsim_config *cfg, char *err, size_t errlen)
{
	struct pcsim__choice *ch = NULL;
	size_t n = 0;
	char *prog = NULL, *conf = NULL;
	char scratch[8];
	if (!err || !errlen) {
		err = scratch;
		errlen = sizeof(scratch);
	}
	if (!schedule || !cfg) {
		snprintf(err, errlen, "pcsim_schedule_info: NULL argument");
		return -EINVAL;
	}
	int rc = pcsim__schedule_parse(schedule, &ch, &n, &prog, &conf, err, errlen);
	free(ch);
	if (rc < 0)
		return rc;
	if (program && plen)
		snprintf(program, plen, "%s", prog ? prog : "");
	if (conf) {
		char e2[256];
		rc = pcsim_config_parse(conf, cfg, e2, sizeof(e2));
		if (rc < 0)
			snprintf(err, errlen, "schedule: config line: %s", e2);
	}
	free(prog);
	free(conf);
	return rc;
}

void pcsim__config_format(const struct pcsim_config *cfg, char *buf, size_t len)
{
	size_t n, off = 0;
	const struct pcsim_setting *t = pcsim_settings(&n);
	if (len)
		buf[0] = 0;
	for (size_t i = 0; i < n; i++) {
		char v[256];
		if (!(t[i].flags & PCSIM_SETTING_RECORDED))
			continue;
		if ((t[i].flags & PCSIM_SETTING_TERSE) && pcsim_setting_is_default(cfg, &t[i]))
			continue;
		pcsim_setting_get(cfg, &t[i], v, sizeof(v));
		off += (size_t)snprintf(buf + off, off < len ? len - off : 0, "%s%s=%s",
					off ? " " : "", t[i].key, v);
	}
}

char *pcsim__schedule_format(const struct pcsim_world *w, const struct pcsim_explore_opts *o,
			     uint64_t exec_index)
{
	size_t cap = 1024 + w->ex.nlog * 32, off = 0;
	char *out = malloc(cap);
	char cfgb[1024];
	if (!out)
		return NULL;
	pcsim__config_format(&w->cfg, cfgb, sizeof(cfgb));
	off += (size_t)snprintf(out + off, cap - off,
				"pcsim-schedule 1\nprogram %s\nconfig %s\n"
				"strategy %s seed=%" PRIu64 " depth=%u bound=%u execution=%" PRIu64
				"\noutcome %s %s step=%" PRIu64 "\nchoices %zu\n",
				w->prog && w->prog->name ? w->prog->name : "unnamed", cfgb,
				pcsim_strategy_name(o->strategy), o->seed, o->pct_depth,
				o->preemption_bound, exec_index, pcsim_outcome_name(w->ex.outcome),
				w->what[0] ? w->what : "-", w->ex.fail_step, w->ex.nlog);
	for (size_t i = 0; i < w->ex.nlog; i++) {
		char b[96];
		pcsim__choice_format(&w->log[i], b, sizeof(b));
		off += (size_t)snprintf(out + off, cap - off, "%s\n", b);
	}
	snprintf(out + off, cap - off, "end\n");
	return out;
}

/* ---------------------------------------------------------------------------------------------
 * Parsing, with line:column errors. Every token is bounded by the end of its line (a line's
 * trailing blanks are trimmed first, so nothing may look past @e).
 */
struct parser {
	unsigned line;
	char *err;
	size_t errlen;
};

static int perr(struct parser *ps, const char *lp, const char *at, const char *msg)
{
	snprintf(ps->err, ps->errlen, "schedule:%u:%u: %s", ps->line, (unsigned)(at - lp) + 1,
		 msg);
	return -EINVAL;
}

/* Decimal digits in [s, e) up to a non-digit: 0 and *end, or -1 (none, or above UINT32_MAX). */
static int parse_u32(const char *s, const char *e, const char **end, uint32_t *out)
{
	if (s >= e || !isdigit((unsigned char)*s))
		return -1;
	uint64_t v = 0;
	while (s < e && isdigit((unsigned char)*s)) {
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > UINT32_MAX)
			return -1;
		s++;
	}
	*end = s;
	*out = (uint32_t)v;
	return 0;
}

/* [s, e) starts with @kw (which may end in a space or a prefix letter such as 'T'). */
static bool prefix(const char *s, const char *e, const char *kw)
{
	size_t n = strlen(kw);
	return (size_t)(e - s) >= n && memcmp(s, kw, n) == 0;
}

/*
 * [s, e) is the header keyword @kw, alone or followed by one space and its value: *@val is
 * where the value starts (@e when there is none: a line of blanks after the keyword is an
 * empty value, as written for a program named "").
 */
static bool header_word(const char *s, const char *e, const char *kw, const char **val)
{
	size_t n = strlen(kw);
	if ((size_t)(e - s) < n || memcmp(s, kw, n) != 0)
		return false;
	if (s + n == e) {
		*val = e;
		return true;
	}
	if (s[n] != ' ')
		return false;
	*val = s + n + 1;
	return true;
}

static char *dup_range(const char *a, const char *b)
{
	size_t n = b > a ? (size_t)(b - a) : 0;
	char *s = malloc(n + 1);
	if (s) {
		memcpy(s, a, n);
		s[n] = 0;
	}
	return s;
}

/* Targets a choice may name (docs/schedule-format.md section 4). */
#define MAX_EVENT_ID (UINT32_MAX - PCSIM_IRQ_CTX_BASE)

/* Labels of data choices point into one pool that lives as long as the script array. */
int pcsim__schedule_parse(const char *text, struct pcsim__choice **out, size_t *nout,
			  char **program, char **config, char *err, size_t errlen)
{
	struct parser ps = { 0, err, errlen };
	struct pcsim__choice *ch = NULL;
	size_t n = 0, cap = 0, declared = 0;
	bool have_header = false, have_end = false, have_choices = false;
	char *pool = NULL;
	size_t pool_off = 0, pool_cap = 0;
	const char *p = text;
	int rc = 0;
	*program = NULL;
	*config = NULL;
	/* Bounded input: the length is checked before anything else is read. */
	size_t len = strnlen(text, PCSIM_SCHEDULE_MAX + 1);
	if (len > PCSIM_SCHEDULE_MAX) {
		snprintf(err, errlen, "schedule:1:1: larger than %u bytes (PCSIM_SCHEDULE_MAX)",
			 PCSIM_SCHEDULE_MAX);
		return -EINVAL;
	}
	/* Labels need stable storage: size the pool by the text length. */
	pool_cap = len + 1;
	while (*p) {
		const char *lp = p;
		const char *eol = memchr(p, '\n', len - (size_t)(p - text));
		if (!eol)
			eol = text + len;
		ps.line++;
		const char *s = lp;
		while (s < eol && (*s == ' ' || *s == '\t' || *s == '\r'))
			s++;
		const char *e = eol;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
			e--;
		p = *eol ? eol + 1 : eol;
		if (s == e || *s == '#')
			continue;
		if (have_end) {
			rc = perr(&ps, lp, s, "text after 'end'");
			break;
		}
		if (!have_header) {
			if ((size_t)(e - s) != 16 || strncmp(s, "pcsim-schedule 1", 16) != 0) {
				rc = perr(&ps, lp, s,
					  prefix(s, e, "pcsim-schedule ")
						  ? "unsupported schedule version (this pcsim reads "
						    "version 1)"
						  : "not a schedule file: expected 'pcsim-schedule 1'");
				break;
			}
			have_header = true;
			continue;
		}
		if (!have_choices) {
			const char *val;
			if (header_word(s, e, "program", &val)) {
				free(*program);
				*program = dup_range(val, e);
				if (!*program) {
					rc = -ENOMEM;
					break;
				}
			} else if (header_word(s, e, "config", &val)) {
				/* Checked here, so that a bad key is reported at its line and column. */
				struct pcsim_config scratch;
				char msg[400];
				unsigned col = 1;
				free(*config);
				*config = dup_range(val, e);
				if (!*config) {
					rc = -ENOMEM;
					break;
				}
				pcsim_config_init(&scratch);
				if (config_parse(*config, &scratch, &col, msg, sizeof(msg)) < 0) {
					rc = perr(&ps, lp, val + col - 1, msg);
					break;
				}
			} else if (prefix(s, e, "strategy ") || prefix(s, e, "outcome ")) {
				/* informational */
			} else if (prefix(s, e, "choices ")) {
				const char *q;
				uint32_t v;
				if (parse_u32(s + 8, e, &q, &v) < 0 || q != e) {
					rc = perr(&ps, lp, s + 8, "expected a number of choices");
					break;
				}
				declared = v;
				have_choices = true;
				pool = malloc(pool_cap);
				if (!pool) {
					rc = -ENOMEM;
					break;
				}
			} else {
				rc = perr(&ps, lp, s, "unknown header line (expected program, config, "
						      "strategy, outcome or choices)");
				break;
			}
			continue;
		}
		if ((size_t)(e - s) == 3 && strncmp(s, "end", 3) == 0) {
			have_end = true;
			continue;
		}
		struct pcsim__choice c = { 0, 0, NULL };
		const char *q = NULL, *num = NULL;
		uint32_t v, lo = 1, hi = 0;
		const char *range = NULL;
		if (prefix(s, e, "run T") && parse_u32(num = s + 5, e, &q, &v) == 0) {
			c.type = OPT_RUN;
			c.target = v;
			lo = 1, hi = PCSIM_MAX_TASKS, range = "a task id is 1..256";
		} else if (prefix(s, e, "run E") && parse_u32(num = s + 5, e, &q, &v) == 0) {
			c.type = OPT_RUN;
			c.target = PCSIM_IRQ_CTX_BASE + (v <= MAX_EVENT_ID ? v : 0);
			lo = 1, hi = MAX_EVENT_ID, range = "an event id is 1..4294966295";
		} else if (prefix(s, e, "fire E") && parse_u32(num = s + 6, e, &q, &v) == 0) {
			c.type = OPT_FIRE;
			c.target = v;
			lo = 1, hi = MAX_EVENT_ID, range = "an event id is 1..4294966295";
		} else if (prefix(s, e, "flush cpu") && parse_u32(num = s + 9, e, &q, &v) == 0) {
			c.type = OPT_FLUSH;
			c.target = v;
			lo = 0, hi = PCSIM_MAX_CPUS - 1, range = "a CPU number is 0..63";
		} else if (prefix(s, e, "spurious T") && parse_u32(num = s + 10, e, &q, &v) == 0) {
			c.type = OPT_SPURIOUS;
			c.target = v;
			lo = 1, hi = PCSIM_MAX_TASKS, range = "a task id is 1..256";
		} else if (prefix(s, e, "data ")) {
			const char *k = s + 5, *ke = k;
			while (ke < e && *ke != ' ')
				ke++;
			if (ke == k || ke >= e || parse_u32(ke + 1, e, &q, &v) < 0) {
				rc = perr(&ps, lp, k, "expected 'data <kind> <value>'");
				break;
			}
			memcpy(pool + pool_off, k, (size_t)(ke - k));
			pool[pool_off + (size_t)(ke - k)] = 0;
			c.type = OPT_DATA;
			c.target = v;
			c.label = (const char *)(uintptr_t)pool_off;	/* fixed up below */
			pool_off += (size_t)(ke - k) + 1;
			hi = UINT32_MAX, lo = 0;
		} else {
			rc = perr(&ps, lp, s,
				  "unknown choice (expected run T<n>|E<n>, fire E<n>, flush cpu<n>, "
				  "spurious T<n> or data <kind> <value>)");
			break;
		}
		if (q != e) {
			rc = perr(&ps, lp, q, "unexpected text after the choice");
			break;
		}
		if (v < lo || v > hi) {
			char m[96];
			snprintf(m, sizeof(m), "target %" PRIu32 " out of range (%s)", v, range);
			rc = perr(&ps, lp, num, m);
			break;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			struct pcsim__choice *nc = realloc(ch, cap * sizeof(*ch));
			if (!nc) {
				rc = -ENOMEM;
				break;
			}
			ch = nc;
		}
		ch[n++] = c;
	}
	if (rc == 0 && !have_header)
		rc = perr(&ps, text, text, "empty schedule");
	else if (rc == 0 && !have_choices)
		rc = perr(&ps, text, text, "missing 'choices N' line");
	else if (rc == 0 && !have_end)
		rc = perr(&ps, text, text, "missing 'end' line (truncated file?)");
	else if (rc == 0 && declared != n) {
		snprintf(err, errlen, "schedule: 'choices %zu' declared but %zu choice lines found",
			 declared, n);
		rc = -EINVAL;
	}
	if (rc == -ENOMEM)
		snprintf(err, errlen, "schedule: out of memory");
	if (rc < 0) {
		free(ch);
		free(pool);
		free(*program);
		free(*config);
		*program = *config = NULL;
		return rc;
	}
	/*
	 * Pack the label pool after the choices in one allocation so a single free() releases
	 * both.
	 */
	struct pcsim__choice *all = malloc(n * sizeof(*all) + pool_off + 1);
	if (!all) {
		snprintf(err, errlen, "schedule: out of memory");
		free(ch);
		free(pool);
		free(*program);
		free(*config);
		*program = *config = NULL;
		return -ENOMEM;
	}
	char *lab = (char *)(all + n);
	if (pool_off)
		memcpy(lab, pool, pool_off);
	for (size_t i = 0; i < n; i++) {
		all[i] = ch[i];
		if (ch[i].type == OPT_DATA)
			all[i].label = lab + (uintptr_t)ch[i].label;
	}
	free(ch);
	free(pool);
	*out = all;
	*nout = n;
	return 0;
}
