// SPDX-License-Identifier: MIT
/*
 * parse.c - the `.pcs` scenario language: lexer, parser and type checker (docs/scenarios.md).
 *
 * A text becomes the tree of scenario_int.h or one error "NAME:LINE:COL: message". Every
 * count the text controls is bounded (scenario_int.h), every number is range-checked, and a
 * name that is not known gets the known ones as a suggestion. Settings go through
 * pcsim_config_parse() (<pcsim/explore.h>): this file knows no configuration key. No kernel
 * function is modelled here.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/fadvise.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pcsim/settings.h>

#include "scenario_int.h"

enum tk { T_WORD, T_LBRACE, T_RBRACE, T_END, T_EOF };

struct tok {
	enum tk k;
	unsigned line, col;
	const char *s;
	unsigned len;
};

struct kill_ref {
	struct scn_stmt *st;	/* NULL: a top-level signal */
	struct scn_signal *sig;
	const struct tok *name;
};

struct parser {
	struct pcsim_scenario *s;
	const char *path;
	struct tok *t;
	size_t n, i;
	char *err;
	size_t errlen;
	bool failed, oom;
	unsigned nstmts;
	/* the task being parsed */
	struct scn_task *task;
	int ring_state[SCN_RINGS_MAX];	/* 0 none, 1 live, 2 exited */
	unsigned ring_sqes[SCN_RINGS_MAX];	/* SQE statements x repeats, per instance */
	uint64_t ops, ring_bytes;
	bool file_ring[SCN_FILES_MAX];
	struct kill_ref *kills;
	size_t nkills, capkills;
	const struct tok *cpu_tok[SCN_TASKS_MAX];
};

/* ---- errors ------------------------------------------------------------------------------ */

/* @w as it can be printed: non-printable bytes as \xNN, at most 40 bytes shown. */
static const char *show(const char *s, size_t n, char *buf, size_t len)
{
	size_t o = 0;
	for (size_t i = 0; i < n && o + 5 < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (i >= 40) {
			snprintf(buf + o, len - o, "...");
			return buf;
		}
		if (c >= 0x20 && c < 0x7f && c != '\'')
			buf[o++] = (char)c;
		else
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", c);
	}
	buf[o] = 0;
	return buf;
}

static int __attribute__((format(printf, 4, 5)))
fail_at(struct parser *p, unsigned line, unsigned col, const char *fmt, ...)
{
	if (p->failed)
		return -1;
	p->failed = true;
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->err && p->errlen)
		snprintf(p->err, p->errlen, "%s:%u:%u: %s", p->path, line, col, msg);
	return -1;
}

#define FAIL(tk, ...) fail_at(p, (tk)->line, (tk)->col, __VA_ARGS__)

static void *salloc(struct parser *p, size_t n)
{
	struct pcsim_scenario *s = p->s;
	if (s->nallocs == s->capallocs) {
		size_t nc = s->capallocs ? s->capallocs * 2 : 32;
		void **na = realloc(s->allocs, nc * sizeof(*na));
		if (!na) {
			p->oom = true;
			return NULL;
		}
		s->allocs = na;
		s->capallocs = nc;
	}
	void *m = calloc(1, n ? n : 1);
	if (!m) {
		p->oom = true;
		return NULL;
	}
	s->allocs[s->nallocs++] = m;
	return m;
}

/* Edit distance, for "did you mean". Words are short (names, keywords). */
static unsigned distance(const char *a, size_t la, const char *b)
{
	size_t lb = strlen(b);
	unsigned row[SCN_WORD_MAX + 1];
	if (la > SCN_WORD_MAX || lb > SCN_WORD_MAX)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		unsigned prev = row[0];
		row[0] = (unsigned)i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned cur = row[j];
			unsigned sub = prev + (a[i - 1] != b[j - 1]);
			unsigned del = row[j] + 1, ins = row[j - 1] + 1;
			row[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
			prev = cur;
		}
	}
	return row[lb];
}

/* "did you mean 'x'?" or "known: a, b, c" for @w against the NULL-terminated @known. */
static const char *suggest(const char *w, size_t wl, const char *const *known, char *buf,
			   size_t len)
{
	const char *best = NULL;
	unsigned bd = 99;
	for (unsigned i = 0; known[i]; i++) {
		unsigned d = distance(w, wl, known[i]);
		if (d < bd) {
			bd = d;
			best = known[i];
		}
	}
	if (best && bd <= 2 && bd < strlen(best)) {
		snprintf(buf, len, "did you mean '%s'?", best);
		return buf;
	}
	size_t o = (size_t)snprintf(buf, len, "known: ");
	for (unsigned i = 0; known[i] && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? ", " : "", known[i]);
	if (!known[0])
		snprintf(buf, len, "none declared");
	return buf;
}

/* ---- lexer ------------------------------------------------------------------------------- */

static int lex(struct parser *p, const char *text, size_t len)
{
	size_t cap = 256;
	unsigned line = 1, col = 1;
	p->t = malloc(cap * sizeof(*p->t));
	if (!p->t) {
		p->oom = true;
		return -1;
	}
	size_t i = 0;
	for (;;) {
		if (p->n + 1 >= cap) {
			if (cap >= SCN_TOKENS_MAX)
				return fail_at(p, line, col, "more than %u words and symbols",
					       SCN_TOKENS_MAX);
			struct tok *nt = realloc(p->t, cap * 2 * sizeof(*nt));
			if (!nt) {
				p->oom = true;
				return -1;
			}
			p->t = nt;
			cap *= 2;
		}
		struct tok *t = &p->t[p->n];
		t->line = line;
		t->col = col;
		t->s = text + i;
		t->len = 1;
		if (i >= len) {
			t->k = T_EOF;
			t->len = 0;
			p->n++;
			return 0;
		}
		unsigned char c = (unsigned char)text[i];
		if (c == '#') {
			while (i < len && text[i] != '\n') {
				if (text[i] == 0)
					return fail_at(p, line, col, "a NUL byte (binary data?)");
				i++;
				col++;
			}
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\r') {
			i++;
			col++;
			continue;
		}
		if (c == '\n' || c == ';') {
			t->k = T_END;
			p->n++;
			i++;
			if (c == '\n') {
				line++;
				col = 1;
			} else {
				col++;
			}
			continue;
		}
		if (c == '{' || c == '}') {
			t->k = c == '{' ? T_LBRACE : T_RBRACE;
			p->n++;
			i++;
			col++;
			continue;
		}
		if (c == 0)
			return fail_at(p, line, col, "a NUL byte (binary data?)");
		if (c < 0x20 || c == 0x7f)
			return fail_at(p, line, col, "unexpected control character \\x%02x", c);
		size_t start = i;
		while (i < len) {
			unsigned char d = (unsigned char)text[i];
			if (d <= 0x20 || d == 0x7f || d == '#' || d == ';' || d == '{' || d == '}')
				break;
			i++;
		}
		if (i - start > SCN_WORD_MAX)
			return fail_at(p, line, col, "a word longer than %u bytes", SCN_WORD_MAX);
		t->k = T_WORD;
		t->len = (unsigned)(i - start);
		col += t->len;
		p->n++;
	}
}

/* The statement hash: words, and line structure (empty statements do not count). */
static uint64_t hash_tokens(const struct parser *p)
{
	uint64_t h = 0xcbf29ce484222325ull;
	bool at_start = true;
	for (size_t i = 0; i < p->n; i++) {
		const struct tok *t = &p->t[i];
		const char *s = t->k == T_WORD ? t->s : t->k == T_LBRACE ? "{" : t->k == T_RBRACE ? "}"
							: "\n";
		size_t n = t->k == T_WORD ? t->len : 1;
		if (t->k == T_END && at_start)
			continue;
		if (t->k == T_EOF)
			break;
		at_start = t->k == T_END;
		for (size_t k = 0; k < n; k++) {
			h ^= (unsigned char)s[k];
			h *= 0x100000001b3ull;
		}
		h ^= ' ';
		h *= 0x100000001b3ull;
	}
	return h;
}

/* ---- words ------------------------------------------------------------------------------- */

static bool is(const struct tok *t, const char *s)
{
	return t->k == T_WORD && t->len == strlen(s) && memcmp(t->s, s, t->len) == 0;
}

static bool eq(const char *a, size_t n, const char *s)
{
	return n == strlen(s) && memcmp(a, s, n) == 0;
}

/* The words of one statement: up to the end of line, ';', '{', '}' or the end. */
#define WORDS_MAX 24
static int words(struct parser *p, const struct tok **w, unsigned *nw)
{
	*nw = 0;
	while (p->t[p->i].k == T_WORD) {
		if (*nw == WORDS_MAX)
			return FAIL(&p->t[p->i], "too many words in one statement (at most %u)",
				    WORDS_MAX);
		w[(*nw)++] = &p->t[p->i++];
	}
	return 0;
}

static bool name_ok(const char *s, size_t n)
{
	if (n == 0 || n >= SCN_NAME_MAX)
		return false;
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-'))
			return false;
	}
	return true;
}

static int check_name(struct parser *p, const struct tok *t, const char *what)
{
	char b[200];
	if (!name_ok(t->s, t->len))
		return FAIL(t, "'%s' is not a valid %s name (a letter or '_', then letters, digits, "
			       "'_' or '-', at most %u bytes)",
			    show(t->s, t->len, b, sizeof(b)), what, SCN_NAME_MAX - 1);
	return 0;
}

static const struct {
	const char *name;
	int64_t v;
} errnames[] = {
	{ "EPERM", EPERM },	    { "ENOENT", ENOENT },   { "ESRCH", ESRCH },
	{ "EINTR", EINTR },	    { "EIO", EIO },	    { "EBADF", EBADF },
	{ "EAGAIN", EAGAIN },	    { "ENOMEM", ENOMEM },   { "EBUSY", EBUSY },
	{ "EEXIST", EEXIST },	    { "EINVAL", EINVAL },   { "EMFILE", EMFILE },
	{ "ENXIO", ENXIO },	    { "ECANCELED", ECANCELED },
	{ "EIOCBQUEUED", PCSIM_EIOCBQUEUED },		    { "ERESTARTSYS", PCSIM_ERESTARTSYS },
};

static const char *errno_name(int64_t v)
{
	for (unsigned i = 0; i < sizeof(errnames) / sizeof(errnames[0]); i++)
		if (errnames[i].v == -v)
			return errnames[i].name;
	return NULL;
}

/*
 * A number at @s (@n bytes), column @col of @t's line: decimal or 0x hex, an optional K or M
 * suffix (x 1024, x 1048576), a leading '-', or -ENAME for an errno; within [min, max].
 */
static int number(struct parser *p, const struct tok *t, const char *s, size_t n, unsigned col,
		  int64_t min, int64_t max, int64_t *out)
{
	char b[200];
	bool neg = false;
	size_t i = 0;
	uint64_t v = 0, mul = 1;
	if (n && s[0] == '-') {
		neg = true;
		i = 1;
	}
	if (neg && n > 1 && s[1] == 'E') {
		bool found = false;
		for (unsigned k = 0; k < sizeof(errnames) / sizeof(errnames[0]); k++)
			if (eq(s + 1, n - 1, errnames[k].name)) {
				v = (uint64_t)errnames[k].v;
				found = true;
			}
		if (!found)
			return fail_at(p, t->line, col, "unknown error name '%s'",
				       show(s, n, b, sizeof(b)));
	} else {
		size_t e = n;
		if (e > i && (s[e - 1] == 'K' || s[e - 1] == 'M')) {
			mul = s[e - 1] == 'K' ? 1024 : 1024 * 1024;
			e--;
		}
		bool hex = e - i > 2 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X');
		if (hex)
			i += 2;
		if (i == e)
			return fail_at(p, t->line, col, "'%s' is not a number",
				       show(s, n, b, sizeof(b)));
		for (; i < e; i++) {
			unsigned d;
			char c = s[i];
			if (c >= '0' && c <= '9')
				d = (unsigned)(c - '0');
			else if (hex && c >= 'a' && c <= 'f')
				d = (unsigned)(c - 'a' + 10);
			else if (hex && c >= 'A' && c <= 'F')
				d = (unsigned)(c - 'A' + 10);
			else
				return fail_at(p, t->line, col, "'%s' is not a number",
					       show(s, n, b, sizeof(b)));
			if (v > ((1ull << 62) - d) / (hex ? 16 : 10))
				return fail_at(p, t->line, col, "'%s' is too large",
					       show(s, n, b, sizeof(b)));
			v = v * (hex ? 16 : 10) + d;
		}
		if (v > (1ull << 62) / mul)
			return fail_at(p, t->line, col, "'%s' is too large",
				       show(s, n, b, sizeof(b)));
		v *= mul;
	}
	int64_t x = neg ? -(int64_t)v : (int64_t)v;
	if (x < min || x > max)
		return fail_at(p, t->line, col, "%s is out of range (%" PRId64 "..%" PRId64 ")",
			       show(s, n, b, sizeof(b)), min, max);
	*out = x;
	return 0;
}

static int num_word(struct parser *p, const struct tok *t, int64_t min, int64_t max, int64_t *out)
{
	return number(p, t, t->s, t->len, t->col, min, max, out);
}

/* key=value: the key's length, the value's place; false if @t has no '='. */
static bool kv(const struct tok *t, size_t *kl, const char **v, size_t *vl)
{
	const char *e = memchr(t->s, '=', t->len);
	if (!e)
		return false;
	*kl = (size_t)(e - t->s);
	*v = e + 1;
	*vl = t->len - *kl - 1;
	return true;
}

static int kv_num(struct parser *p, const struct tok *t, int64_t min, int64_t max, int64_t *out)
{
	size_t kl = 0, vl = 0;
	const char *v = "";
	kv(t, &kl, &v, &vl);
	return number(p, t, v, vl, t->col + (unsigned)kl + 1, min, max, out);
}

static int unknown_word(struct parser *p, const struct tok *t, const char *stmt,
			const char *const *known)
{
	char b[200], sg[600];
	size_t kl = t->len;
	const char *e = memchr(t->s, '=', t->len);
	if (e)
		kl = (size_t)(e - t->s);
	return FAIL(t, "%s: unknown option '%s' (%s)", stmt, show(t->s, kl, b, sizeof(b)),
		    suggest(t->s, kl, known, sg, sizeof(sg)));
}

/* ---- lookups ----------------------------------------------------------------------------- */

static int find_file(struct parser *p, const struct tok *t)
{
	struct pcsim_scenario *s = p->s;
	const char *known[SCN_FILES_MAX + 1];
	char b[200], sg[600];
	for (unsigned i = 0; i < s->nfiles; i++) {
		if (eq(t->s, t->len, s->files[i].name))
			return (int)i;
		known[i] = s->files[i].name;
	}
	known[s->nfiles] = NULL;
	for (unsigned i = 0; i < s->nefds; i++)
		if (eq(t->s, t->len, s->efds[i].name))
			return FAIL(t, "'%s' is an eventfd, not a file", s->efds[i].name), -1;
	for (unsigned i = 0; i < s->ntasks; i++)
		if (eq(t->s, t->len, s->tasks[i].name))
			return FAIL(t, "'%s' is a task, not a file", s->tasks[i].name), -1;
	if (p->task)
		for (unsigned i = 0; i < p->task->nrings; i++)
			if (eq(t->s, t->len, p->task->rings[i]))
				return FAIL(t, "'%s' is a ring, not a file", p->task->rings[i]), -1;
	return FAIL(t, "unknown file '%s' (%s; a file is declared before the tasks that use it)",
		    show(t->s, t->len, b, sizeof(b)), suggest(t->s, t->len, known, sg, sizeof(sg))),
	       -1;
}

static int find_efd(struct parser *p, const struct tok *t)
{
	struct pcsim_scenario *s = p->s;
	const char *known[SCN_EVENTFDS_MAX + 1];
	char b[200], sg[400];
	for (unsigned i = 0; i < s->nefds; i++) {
		if (eq(t->s, t->len, s->efds[i].name))
			return (int)i;
		known[i] = s->efds[i].name;
	}
	known[s->nefds] = NULL;
	for (unsigned i = 0; i < s->nfiles; i++)
		if (eq(t->s, t->len, s->files[i].name))
			return FAIL(t, "'%s' is a file, not an eventfd", s->files[i].name), -1;
	return FAIL(t, "unknown eventfd '%s' (%s)", show(t->s, t->len, b, sizeof(b)),
		    suggest(t->s, t->len, known, sg, sizeof(sg))),
	       -1;
}

static int find_ring(struct parser *p, const struct tok *t)
{
	struct scn_task *tk = p->task;
	const char *known[SCN_RINGS_MAX + 1];
	char b[200], sg[400];
	for (unsigned i = 0; i < tk->nrings; i++) {
		if (eq(t->s, t->len, tk->rings[i])) {
			if (p->ring_state[i] == 2)
				return FAIL(t, "ring '%s' was torn down (exit) earlier in task '%s'",
					    tk->rings[i], tk->name), -1;
			return (int)i;
		}
		known[i] = tk->rings[i];
	}
	known[tk->nrings] = NULL;
	for (unsigned i = 0; i < p->s->nfiles; i++)
		if (eq(t->s, t->len, p->s->files[i].name))
			return FAIL(t, "'%s' is a file, not a ring", p->s->files[i].name), -1;
	return FAIL(t, "ring '%s' is not set up in task '%s' before this line (%s; a ring belongs "
		       "to the task that sets it up)",
		    show(t->s, t->len, b, sizeof(b)), tk->name,
		    suggest(t->s, t->len, known, sg, sizeof(sg))),
	       -1;
}

static bool name_taken(struct parser *p, const struct tok *t)
{
	struct pcsim_scenario *s = p->s;
	for (unsigned i = 0; i < s->nfiles; i++)
		if (eq(t->s, t->len, s->files[i].name))
			return FAIL(t, "'%s' is already the name of a file", s->files[i].name), true;
	for (unsigned i = 0; i < s->nefds; i++)
		if (eq(t->s, t->len, s->efds[i].name))
			return FAIL(t, "'%s' is already the name of an eventfd", s->efds[i].name),
			       true;
	for (unsigned i = 0; i < s->ntasks; i++)
		if (eq(t->s, t->len, s->tasks[i].name))
			return FAIL(t, "'%s' is already the name of a task", s->tasks[i].name), true;
	return false;
}

/* FILE INDEX -> file and page index within it. */
static int page_args(struct parser *p, const struct tok *stmt, const struct tok **w, unsigned nw,
		     unsigned at, int *file, uint64_t *index)
{
	if (nw < at + 2)
		return FAIL(stmt, "%.*s needs FILE and PAGE (a page index)", (int)stmt->len, stmt->s);
	int f = find_file(p, w[at]);
	if (f < 0)
		return -1;
	int64_t v;
	const struct scn_file *sf = &p->s->files[f];
	if (num_word(p, w[at + 1], 0, (int64_t)sf->npages - 1, &v)) {
		p->failed = false;
		return FAIL(w[at + 1], "page index '%.*s': file '%s' has pages 0..%u",
			    (int)w[at + 1]->len, w[at + 1]->s, sf->name, sf->npages - 1);
	}
	*file = f;
	*index = (uint64_t)v;
	return 0;
}

static int parse_signal(struct parser *p, const struct tok *t, int *sig)
{
	int64_t v;
	if (is(t, "SIGKILL") || is(t, "KILL")) {
		*sig = PCSIM_SIGKILL;
		return 0;
	}
	if (is(t, "SIGUSR1") || is(t, "USR1")) {
		*sig = PCSIM_SIGUSR1;
		return 0;
	}
	if (t->len && t->s[0] >= '0' && t->s[0] <= '9') {
		if (num_word(p, t, 1, 64, &v))
			return -1;
		*sig = (int)v;
		return 0;
	}
	char b[200];
	return FAIL(t, "unknown signal '%s' (known: SIGKILL, SIGUSR1, or a number 1..64)",
		    show(t->s, t->len, b, sizeof(b)));
}

static int add_kill(struct parser *p, struct scn_stmt *st, struct scn_signal *sig,
		    const struct tok *name)
{
	if (p->nkills == p->capkills) {
		size_t nc = p->capkills ? p->capkills * 2 : 16;
		struct kill_ref *nk = realloc(p->kills, nc * sizeof(*nk));
		if (!nk) {
			p->oom = true;
			return -1;
		}
		p->kills = nk;
		p->capkills = nc;
	}
	p->kills[p->nkills++] = (struct kill_ref){ st, sig, name };
	return 0;
}

/* TASK or TASK[i]: resolved once every task is known (a task may signal a later one). */
static int resolve_task(struct parser *p, const struct tok *t, int *task, int *inst)
{
	char b[200], sg[600];
	const char *br = memchr(t->s, '[', t->len);
	size_t nl = br ? (size_t)(br - t->s) : t->len;
	const char *known[SCN_TASKS_MAX + 1];
	*inst = -1;
	for (unsigned i = 0; i < p->s->ntasks; i++)
		known[i] = p->s->tasks[i].name;
	known[p->s->ntasks] = NULL;
	for (unsigned i = 0; i < p->s->ntasks; i++) {
		const struct scn_task *tk = &p->s->tasks[i];
		if (!eq(t->s, nl, tk->name))
			continue;
		*task = (int)i;
		if (br) {
			int64_t v;
			if (t->s[t->len - 1] != ']' || t->len - nl < 3)
				return FAIL(t, "expected TASK[INDEX], got '%s'",
					    show(t->s, t->len, b, sizeof(b)));
			if (!tk->array)
				return FAIL(t, "task '%s' is not an array", tk->name);
			if (number(p, t, br + 1, t->len - nl - 2, t->col + (unsigned)nl + 1, 0,
				   (int64_t)tk->ninst - 1, &v))
				return -1;
			*inst = (int)v;
		}
		return 0;
	}
	return FAIL(t, "unknown task '%s' (%s)", show(t->s, nl, b, sizeof(b)),
		    suggest(t->s, nl, known, sg, sizeof(sg)));
}

/* ---- top-level statements ---------------------------------------------------------------- */

static int st_config(struct parser *p, const struct tok *kw, const struct tok **w, unsigned nw)
{
	struct pcsim_scenario *s = p->s;
	if (nw < 2)
		return FAIL(kw, "config needs KEY=VALUE words");
	if (s->nconfig == SCN_CONFIG_MAX)
		return FAIL(kw, "more than %u config statements", SCN_CONFIG_MAX);
	size_t len = 0, off[WORDS_MAX];
	for (unsigned i = 1; i < nw; i++)
		len += w[i]->len + 1;
	char *line = salloc(p, len + 1);
	if (!line)
		return -1;
	size_t o = 0;
	for (unsigned i = 1; i < nw; i++) {
		off[i] = o;
		memcpy(line + o, w[i]->s, w[i]->len);
		o += w[i]->len;
		line[o++] = i + 1 < nw ? ' ' : 0;
	}
	struct pcsim_config scratch;
	char e[512];
	pcsim_config_init(&scratch);
	if (pcsim_config_parse(line, &scratch, e, sizeof(e)) < 0) {
		unsigned col = 0;
		const char *msg = e;
		if (sscanf(e, "col %u: ", &col) == 1) {
			msg = strstr(e, ": ");
			msg = msg ? msg + 2 : e;
		}
		unsigned at = 1;
		for (unsigned i = 1; i < nw; i++)
			if (col >= 1 && off[i] <= col - 1)
				at = i;
		unsigned fc = w[at]->col + (col >= 1 ? (unsigned)(col - 1 - off[at]) : 0);
		if (col >= 1 && col - 1 - off[at] > w[at]->len)
			fc = w[at]->col;
		return fail_at(p, w[at]->line, fc, "config: %s", msg);
	}
	s->config[s->nconfig++] = (struct scn_config){ line, kw->line, kw->col };
	return 0;
}

static int st_explore(struct parser *p, const struct tok *kw, const struct tok **w, unsigned nw)
{
	static const char *const known[] = { "strategy", "seed", "schedules", "depth",
					     "preemptions", NULL };
	struct pcsim_scenario *s = p->s;
	int64_t v;
	for (unsigned i = 1; i < nw; i++) {
		size_t kl, vl;
		const char *val;
		if (!kv(w[i], &kl, &val, &vl))
			return unknown_word(p, w[i], "explore", known);
		if (eq(w[i]->s, kl, "strategy")) {
			char b[64];
			snprintf(b, sizeof(b), "%.*s", (int)(vl < 60 ? vl : 60), val);
			if (pcsim_strategy_parse(b, &s->strategy) < 0 ||
			    s->strategy == PCSIM_STRATEGY_REPLAY)
				return fail_at(p, w[i]->line, w[i]->col + (unsigned)kl + 1,
					       "explore: strategy '%s' is not one of random, pct, dfs, "
					       "dpor",
					       show(val, vl, b, sizeof(b)));
			s->has_strategy = true;
		} else if (eq(w[i]->s, kl, "seed")) {
			if (kv_num(p, w[i], 0, INT64_MAX, &v))
				return -1;
			s->seed = (uint64_t)v;
			s->has_seed = true;
		} else if (eq(w[i]->s, kl, "schedules")) {
			if (kv_num(p, w[i], 0, INT64_MAX, &v))
				return -1;
			s->schedules = (uint64_t)v;
			s->has_schedules = true;
		} else if (eq(w[i]->s, kl, "depth")) {
			if (kv_num(p, w[i], 1, 16, &v))
				return -1;
			s->depth = (unsigned)v;
			s->has_depth = true;
		} else if (eq(w[i]->s, kl, "preemptions")) {
			if (kv_num(p, w[i], 0, 1000, &v))
				return -1;
			s->bound = (unsigned)v;
			s->has_bound = true;
		} else {
			return unknown_word(p, w[i], "explore", known);
		}
	}
	(void)kw;
	return 0;
}

static int st_file(struct parser *p, const struct tok *kw, const struct tok **w, unsigned nw)
{
	static const char *const known[] = { "size", "id", "ra", "random", "norasync", "eio",
					     "slots", "device", "cached", NULL };
	struct pcsim_scenario *s = p->s;
	if (nw < 2)
		return FAIL(kw, "file needs a NAME and size=BYTES");
	if (s->nfiles == SCN_FILES_MAX)
		return FAIL(kw, "more than %u files", SCN_FILES_MAX);
	if (check_name(p, w[1], "file") || name_taken(p, w[1]))
		return -1;
	struct scn_file *f = &s->files[s->nfiles];
	memset(f, 0, sizeof(*f));
	memcpy(f->name, w[1]->s, w[1]->len);
	f->id = s->nfiles + 1;
	f->slots = 2;
	bool cached = false, sized = false;
	int64_t v;
	for (unsigned i = 2; i < nw; i++) {
		size_t kl, vl;
		const char *val;
		bool has = kv(w[i], &kl, &val, &vl);
		if (!has && is(w[i], "random"))
			f->random = true;
		else if (!has && is(w[i], "norasync"))
			f->norasync = true;
		else if (!has && is(w[i], "eio"))
			f->eio = true;
		else if (!has && is(w[i], "cached"))
			cached = true;
		else if (has && eq(w[i]->s, kl, "size")) {
			if (kv_num(p, w[i], 1, SCN_FILE_SIZE_MAX, &v))
				return -1;
			f->size = (uint64_t)v;
			sized = true;
		} else if (has && eq(w[i]->s, kl, "id")) {
			if (kv_num(p, w[i], 0, UINT32_MAX, &v))
				return -1;
			f->id = (uint32_t)v;
		} else if (has && eq(w[i]->s, kl, "ra")) {
			if (kv_num(p, w[i], 0, 256, &v))
				return -1;
			f->ra_pages = (unsigned)v;
		} else if (has && eq(w[i]->s, kl, "slots")) {
			if (kv_num(p, w[i], 1, 64, &v))
				return -1;
			f->slots = (unsigned)v;
		} else if (has && eq(w[i]->s, kl, "device")) {
			char b[64];
			snprintf(b, sizeof(b), "%.*s", (int)(vl < 60 ? vl : 60), val);
			f->preset = pcsim_bdev_preset(b);
			if (!f->preset)
				return fail_at(p, w[i]->line, w[i]->col + (unsigned)kl + 1,
					       "file: unknown device '%s' (known: instant, "
					       "perf-anchor)", show(val, vl, b, sizeof(b)));
		} else {
			return unknown_word(p, w[i], "file", known);
		}
	}
	if (!sized)
		return FAIL(w[1], "file '%s' needs size=BYTES", f->name);
	f->npages = (unsigned)((f->size + PCSIM_PAGE_SIZE - 1) / PCSIM_PAGE_SIZE);
	f->pages = salloc(p, f->npages);
	if (!f->pages)
		return -1;
	if (cached)
		memset(f->pages, PG_INIT_PRESENT | PG_INIT_UPTODATE, f->npages);
	s->nfiles++;
	return 0;
}

static int st_page(struct parser *p, const struct tok *kw, const struct tok **w, unsigned nw)
{
	static const char *const known[] = { "cached", "locked", "io", "notuptodate", "readahead",
					     "writeback", "absent", NULL };
	int file;
	uint64_t idx;
	if (page_args(p, kw, w, nw, 1, &file, &idx))
		return -1;
	unsigned st = PG_INIT_PRESENT | PG_INIT_UPTODATE;
	for (unsigned i = 3; i < nw; i++) {
		if (is(w[i], "cached"))
			;
		else if (is(w[i], "locked"))
			st |= PG_INIT_LOCKED;
		else if (is(w[i], "io"))
			st = (st | PG_INIT_IO | PG_INIT_LOCKED) & ~PG_INIT_UPTODATE;
		else if (is(w[i], "notuptodate"))
			st &= ~PG_INIT_UPTODATE;
		else if (is(w[i], "readahead"))
			st |= PG_INIT_READAHEAD;
		else if (is(w[i], "writeback"))
			st |= PG_INIT_WRITEBACK;
		else if (is(w[i], "absent"))
			st = 0;
		else
			return unknown_word(p, w[i], "page", known);
	}
	if (st && !(st & PG_INIT_PRESENT))
		return FAIL(kw, "page: 'absent' goes alone");
	p->s->files[file].pages[idx] = (uint8_t)st;
	return 0;
}

static int st_eventfd(struct parser *p, const struct tok *kw, const struct tok **w, unsigned nw)
{
	static const char *const known[] = { "init", NULL };
	struct pcsim_scenario *s = p->s;
	if (nw < 2)
		return FAIL(kw, "eventfd needs a NAME");
	if (s->nefds == SCN_EVENTFDS_MAX)
		return FAIL(kw, "more than %u eventfds", SCN_EVENTFDS_MAX);
	if (check_name(p, w[1], "eventfd") || name_taken(p, w[1]))
		return -1;
	struct scn_eventfd *e = &s->efds[s->nefds];
	memset(e, 0, sizeof(*e));
	memcpy(e->name, w[1]->s, w[1]->len);
	for (unsigned i = 2; i < nw; i++) {
		size_t kl, vl;
		const char *val;
		int64_t v;
		if (kv(w[i], &kl, &val, &vl) && eq(w[i]->s, kl, "init")) {
			if (kv_num(p, w[i], 0, UINT32_MAX, &v))
				return -1;
			e->init = (unsigned)v;
		} else {
			return unknown_word(p, w[i], "eventfd", known);
		}
	}
	s->nefds++;
	return 0;
}

static int st_signal(struct parser *p, const struct tok *kw, const struct tok **w, unsigned nw)
{
	struct pcsim_scenario *s = p->s;
	if (nw != 3)
		return FAIL(kw, "signal needs TASK and SIGNAL (signal reader SIGKILL)");
	if (s->nsignals == SCN_SIGNALS_MAX)
		return FAIL(kw, "more than %u signal statements", SCN_SIGNALS_MAX);
	struct scn_signal *sg = &s->signals[s->nsignals++];
	if (parse_signal(p, w[2], &sg->sig))
		return -1;
	return add_kill(p, NULL, sg, w[1]);
}

/* The kernel profiles' names, from the settings table's `kernel` row ("5.10", "5.8", ...). */
static const struct pcsim_setting *kernel_setting(void)
{
	return pcsim_setting_find("kernel", 6);
}

/* "5.10, 5.8, 5.9, 6.18" */
static const char *kernel_names(char *buf, size_t len)
{
	const struct pcsim_setting *ks = kernel_setting();
	size_t o = 0;
	buf[0] = 0;
	for (unsigned i = 0; ks && i < ks->nnames && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? ", " : "", ks->names[i].name);
	return buf;
}

/*
 * `on kernel LIST` at w[at..]: LIST is one word of profile names separated by commas, or `*`
 * (every profile). Sets *@mask (bit n = enum pcsim_kernel n). Errors point into the word.
 */
static int on_kernel(struct parser *p, const struct tok **w, unsigned nw, unsigned at,
		     unsigned *mask)
{
	const struct pcsim_setting *ks = kernel_setting();
	char b[200], names[200];
	kernel_names(names, sizeof(names));
	if (at + 1 >= nw || !is(w[at + 1], "kernel"))
		return FAIL(at + 1 < nw ? w[at + 1] : w[at],
			    "expected 'on kernel PROFILES' (PROFILES: %s or *, separated by "
			    "commas)",
			    names);
	if (at + 2 >= nw)
		return FAIL(w[at + 1], "on kernel needs the profiles it holds for (%s or *, "
				       "separated by commas: on kernel 5.9,5.10)",
			    names);
	if (at + 3 < nw)
		return FAIL(w[at + 3], "unexpected '%s' after the kernel profiles (one word: "
				       "5.9,5.10)",
			    show(w[at + 3]->s, w[at + 3]->len, b, sizeof(b)));
	const struct tok *t = w[at + 2];
	*mask = 0;
	for (size_t i = 0; i <= t->len;) {
		size_t j = i;
		while (j < t->len && t->s[j] != ',')
			j++;
		unsigned col = t->col + (unsigned)i, bit = 0;
		if (j == i)
			return fail_at(p, t->line, col, "an empty kernel profile in '%s' (%s or *)",
				       show(t->s, t->len, b, sizeof(b)), names);
		if (j - i == 1 && t->s[i] == '*') {
			bit = SCN_KMASK_ALL;
		} else {
			unsigned k;
			for (k = 0; ks && k < ks->nnames; k++)
				if (eq(t->s + i, j - i, ks->names[k].name))
					break;
			if (!ks || k == ks->nnames)
				return fail_at(p, t->line, col,
					       "unknown kernel profile '%s' (known: %s, or * for "
					       "all)",
					       show(t->s + i, j - i, b, sizeof(b)), names);
			bit = 1u << ks->names[k].value;
		}
		if (*mask & bit)
			return fail_at(p, t->line, col, "kernel profile '%s' named twice",
				       show(t->s + i, j - i, b, sizeof(b)));
		*mask |= bit;
		i = j + 1;
	}
	return 0;
}

/* "5.9,5.10" for @mask, in the settings table's order; "*" for all */
static const char *kmask_text(unsigned mask, char *buf, size_t len)
{
	const struct pcsim_setting *ks = kernel_setting();
	size_t o = 0;
	buf[0] = 0;
	if (mask == SCN_KMASK_ALL)
		return snprintf(buf, len, "*"), buf;
	for (unsigned i = 0; ks && i < ks->nnames && o < len; i++)
		if (mask & (1u << ks->names[i].value))
			o += (size_t)snprintf(buf + o, len - o, "%s%s", o ? "," : "",
					      ks->names[i].name);
	return buf;
}

static int st_expect(struct parser *p, const struct tok *kw, const struct tok **w, unsigned nw)
{
	static const char *const kinds[] = { "clean", "find", "cqe", "page", "quiescent", NULL };
	static const char *const pagew[] = { "locked", "unlocked", "uptodate", "notuptodate",
					     "absent", "present", "writeback", "nowriteback",
					     "refs", NULL };
	struct pcsim_scenario *s = p->s;
	char b[200], sg[400];
	unsigned kmask = SCN_KMASK_ALL;
	bool qualified = false;
	if (nw < 2)
		return FAIL(kw, "expect needs what: clean, find WHAT, cqe, page or quiescent");
	/* `... on kernel LIST`: the profiles this expectation holds for */
	for (unsigned i = 2; i < nw; i++)
		if (is(w[i], "on")) {
			if (on_kernel(p, w, nw, i, &kmask))
				return -1;
			qualified = true;
			nw = i;
			break;
		}
	if (is(w[1], "clean") || is(w[1], "find")) {
		if (s->nverdicts == SCN_VERDICTS_MAX)
			return FAIL(w[1], "more verdicts than kernel profiles");
		for (unsigned v = 0; v < s->nverdicts; v++) {
			const struct scn_verdict *o = &s->verdicts[v];
			if (!qualified && !o->qualified)
				return FAIL(w[1],
					    "a second verdict expectation (expect clean/find: one "
					    "per scenario, or one per kernel profile with 'on "
					    "kernel PROFILES'; line %u has one)",
					    o->line);
			if (qualified && o->qualified && (o->kmask & kmask))
				return FAIL(w[nw + 2],
					    "a second verdict for kernel %s (line %u says %s "
					    "there)",
					    kmask_text(o->kmask & kmask, sg, sizeof(sg)), o->line,
					    o->text);
		}
		struct scn_verdict *vd = &s->verdicts[s->nverdicts];
		memset(vd, 0, sizeof(*vd));
		vd->qualified = qualified;
		vd->kmask = kmask;
		vd->line = kw->line;
		vd->col = kw->col;
		if (is(w[1], "clean")) {
			if (nw != 2)
				return FAIL(w[2],
					    "expect clean takes nothing more (but on kernel ...)");
			vd->text = salloc(p, 8);
			if (!vd->text)
				return -1;
			strcpy(vd->text, "clean");
			s->nverdicts++;
			return 0;
		}
		if (nw != 3)
			return FAIL(w[1], "expect find needs one WHAT (P3, deadlock, any, ...)");
		if (w[2]->len >= sizeof(vd->what) || !w[2]->len)
			return FAIL(w[2], "expect find: '%s' is too long",
				    show(w[2]->s, w[2]->len, b, sizeof(b)));
		for (unsigned k = 0; k < w[2]->len; k++)
			if (!((unsigned char)w[2]->s[k] > 0x20 && (unsigned char)w[2]->s[k] < 0x7f))
				return FAIL(w[2], "expect find: '%s' is not a failure name",
					    show(w[2]->s, w[2]->len, b, sizeof(b)));
		memcpy(vd->what, w[2]->s, w[2]->len);
		vd->find = true;
		vd->text = salloc(p, w[2]->len + 8);
		if (!vd->text)
			return -1;
		snprintf(vd->text, w[2]->len + 8, "find %s", vd->what);
		s->nverdicts++;
		return 0;
	}
	if (s->npreds == SCN_PREDS_MAX)
		return FAIL(kw, "more than %u expectations", SCN_PREDS_MAX);
	struct scn_pred *pr = &s->preds[s->npreds];
	memset(pr, 0, sizeof(*pr));
	pr->line = kw->line;
	pr->col = kw->col;
	pr->kmask = kmask;
	if (is(w[1], "quiescent")) {
		if (nw != 2)
			return FAIL(w[2], "expect quiescent takes nothing more");
		pr->kind = PRED_QUIESCENT;
	} else if (is(w[1], "cqe")) {
		static const char *const known[] = { "data", "user_data", "res", NULL };
		bool has_data = false;
		pr->kind = PRED_CQE;
		for (unsigned i = 2; i < nw; i++) {
			size_t kl, vl;
			const char *val;
			int64_t v;
			if (!kv(w[i], &kl, &val, &vl))
				return unknown_word(p, w[i], "expect cqe", known);
			if (eq(w[i]->s, kl, "data") || eq(w[i]->s, kl, "user_data")) {
				if (kv_num(p, w[i], 0, INT64_MAX, &v))
					return -1;
				pr->data = (uint64_t)v;
				has_data = true;
			} else if (eq(w[i]->s, kl, "res")) {
				if (kv_num(p, w[i], INT32_MIN, INT32_MAX, &v))
					return -1;
				pr->res = v;
				pr->has_res = true;
			} else {
				return unknown_word(p, w[i], "expect cqe", known);
			}
		}
		if (!has_data)
			return FAIL(kw, "expect cqe needs data=N (the user_data of the CQE)");
	} else if (is(w[1], "page")) {
		pr->kind = PRED_PAGE;
		if (page_args(p, w[1], w, nw, 2, &pr->file, &pr->index))
			return -1;
		for (unsigned i = 4; i < nw; i++) {
			size_t kl, vl;
			const char *val;
			int64_t v;
			if (kv(w[i], &kl, &val, &vl) && eq(w[i]->s, kl, "refs")) {
				if (kv_num(p, w[i], 0, 1000000, &v))
					return -1;
				pr->what |= PP_REFS;
				pr->refs = (int)v;
				continue;
			}
			static const unsigned bits[] = { PP_LOCKED,    PP_UNLOCKED,   PP_UPTODATE,
							 PP_NOTUPTODATE, PP_ABSENT,   PP_PRESENT,
							 PP_WRITEBACK, PP_NOWRITEBACK };
			unsigned k;
			for (k = 0; k < 8; k++)
				if (is(w[i], pagew[k]))
					break;
			if (k == 8)
				return unknown_word(p, w[i], "expect page", pagew);
			pr->what |= bits[k];
		}
		if (!pr->what)
			return FAIL(w[1], "expect page needs what holds (unlocked, uptodate, ...)");
	} else {
		return FAIL(w[1], "unknown expectation '%s' (%s)",
			    show(w[1]->s, w[1]->len, b, sizeof(b)),
			    suggest(w[1]->s, w[1]->len, kinds, sg, sizeof(sg)));
	}
	s->npreds++;
	return 0;
}

/* ---- task bodies ------------------------------------------------------------------------- */

static const char *const op_names[] = {
	"lock_page", "lock_page_killable", "trylock", "unlock_page", "wait_on_page_locked",
	"wait_on_page_locked_killable", "put_and_wait_on_page_locked", "wait_on_page_writeback",
	"set_page_writeback", "end_page_writeback", "write_page", "read", "evict", "truncate",
	"ring", "sqe", "submit", "wait", "exit", "register_eventfd", "eventfd_read",
	"eventfd_write", "kill", "sleep", "yield", "return_to_user", "repeat", NULL,
};

/* expect=RES words (and the options @opts) after the fixed arguments. */
static int op_tail(struct parser *p, struct scn_stmt *st, const struct tok **w, unsigned nw,
		   unsigned from, bool can_expect, const char *name)
{
	static const char *const known[] = { "expect", NULL };
	static const char *const none[] = { NULL };
	for (unsigned i = from; i < nw; i++) {
		size_t kl, vl;
		const char *val;
		int64_t v;
		if (can_expect && kv(w[i], &kl, &val, &vl) && eq(w[i]->s, kl, "expect")) {
			if (kv_num(p, w[i], INT32_MIN, (int64_t)1 << 40, &v))
				return -1;
			st->has_expect = true;
			st->expect = v;
		} else {
			return unknown_word(p, w[i], name, can_expect ? known : none);
		}
	}
	return 0;
}

static int parse_block(struct parser *p, struct scn_stmt **body, unsigned *nbody, unsigned depth,
		       uint64_t mult, const struct tok *open);

static int task_op(struct parser *p, struct scn_stmt *st, const struct tok **w, unsigned nw,
		   unsigned depth, uint64_t mult)
{
	const struct tok *kw = w[0];
	char b[200], sg[900];
	unsigned k;
	for (k = 0; op_names[k]; k++)
		if (is(kw, op_names[k]))
			break;
	if (!op_names[k]) {
		static const char *const top[] = { "config", "explore", "file", "page", "eventfd",
						   "task", "signal", "expect", NULL };
		for (unsigned j = 0; top[j]; j++)
			if (is(kw, top[j]))
				return FAIL(kw, "'%s' is a top-level statement, not an operation of a "
						"task", top[j]);
		return FAIL(kw, "unknown operation '%s' (%s)", show(kw->s, kw->len, b, sizeof(b)),
			    suggest(kw->s, kw->len, op_names, sg, sizeof(sg)));
	}
	st->op = (enum scn_op)k;
	st->file = st->ring = st->efd = st->task = st->inst = -1;
	p->ops += mult;
	if (p->ops > SCN_OPS_MAX)
		return FAIL(kw, "task '%s' would execute more than %llu operations", p->task->name,
			    SCN_OPS_MAX);
	int64_t v;
	switch (st->op) {
	case OP_LOCK_PAGE:
	case OP_UNLOCK_PAGE:
	case OP_WAIT_LOCKED:
	case OP_WAIT_WRITEBACK:
	case OP_SET_WRITEBACK:
	case OP_END_WRITEBACK:
		if (page_args(p, kw, w, nw, 1, &st->file, &st->a))
			return -1;
		return op_tail(p, st, w, nw, 3, false, kw->s[0] == 'l' ? "lock_page" : "operation");
	case OP_LOCK_PAGE_KILLABLE:
	case OP_TRYLOCK:
	case OP_WAIT_LOCKED_KILLABLE:
	case OP_WRITE_PAGE:
	case OP_EVICT:
	case OP_TRUNCATE:
		if (page_args(p, kw, w, nw, 1, &st->file, &st->a))
			return -1;
		return op_tail(p, st, w, nw, 3, true, op_names[k]);
	case OP_PUT_AND_WAIT:
		if (page_args(p, kw, w, nw, 1, &st->file, &st->a))
			return -1;
		if (nw > 3 && is(w[3], "killable")) {
			st->killable = true;
			return op_tail(p, st, w, nw, 4, true, op_names[k]);
		}
		return op_tail(p, st, w, nw, 3, true, op_names[k]);
	case OP_READ: {
		static const char *const known[] = { "nowait", "noio", "waitq", "arm", "written",
						     "expect", NULL };
		if (nw < 4)
			return FAIL(kw, "read needs FILE OFFSET LENGTH");
		if ((st->file = find_file(p, w[1])) < 0)
			return -1;
		if (num_word(p, w[2], 0, 1 << 30, &v))
			return -1;
		st->a = (uint64_t)v;
		if (num_word(p, w[3], 1, SCN_READ_MAX, &v))
			return -1;
		st->b = (uint64_t)v;
		if (st->b > p->task->sync_buf)
			p->task->sync_buf = st->b;
		for (unsigned i = 4; i < nw; i++) {
			size_t kl, vl;
			const char *val;
			bool has = kv(w[i], &kl, &val, &vl);
			if (!has && is(w[i], "nowait"))
				st->flags |= RD_NOWAIT;
			else if (!has && is(w[i], "noio"))
				st->flags |= RD_NOIO;
			else if (!has && is(w[i], "waitq"))
				st->flags |= RD_WAITQ;
			else if (!has && is(w[i], "arm"))
				st->flags |= RD_ARM;
			else if (has && eq(w[i]->s, kl, "written")) {
				if (kv_num(p, w[i], 0, SCN_READ_MAX, &v))
					return -1;
				st->written = v;
			} else if (has && eq(w[i]->s, kl, "expect")) {
				if (kv_num(p, w[i], INT32_MIN, INT32_MAX, &v))
					return -1;
				st->has_expect = true;
				st->expect = v;
			} else {
				return unknown_word(p, w[i], "read", known);
			}
		}
		if ((st->flags & RD_WAITQ) && (st->flags & (RD_ARM | RD_NOWAIT | RD_NOIO)))
			return FAIL(kw, "read: waitq (NOWAIT, then arm and retry) goes alone");
		if ((st->flags & RD_ARM) && (st->flags & (RD_NOWAIT | RD_NOIO)))
			return FAIL(kw, "read: arm (one IOCB_WAITQ call) does not go with nowait");
		if ((st->flags & RD_NOIO) && !(st->flags & RD_NOWAIT))
			return FAIL(kw, "read: noio needs nowait (RWF_NOWAIT is IOCB_NOWAIT|"
					"IOCB_NOIO)");
		if (st->written && !(st->flags & RD_ARM))
			return FAIL(kw, "read: written=N goes with arm");
		return 0;
	}
	case OP_RING: {
		static const char *const known[] = { "entries", "mode", "cq", "workers", NULL };
		struct scn_task *tk = p->task;
		if (nw < 2)
			return FAIL(kw, "ring needs a NAME");
		if (depth > 0)
			return FAIL(kw, "ring: set rings up at the top of a task body, not in repeat");
		if (check_name(p, w[1], "ring"))
			return -1;
		for (unsigned i = 0; i < tk->nrings; i++)
			if (eq(w[1]->s, w[1]->len, tk->rings[i]))
				return FAIL(w[1], "ring '%s' is already set up in task '%s'",
					    tk->rings[i], tk->name);
		if (tk->nrings == SCN_RINGS_MAX)
			return FAIL(kw, "more than %u rings in one task", SCN_RINGS_MAX);
		st->ring = (int)tk->nrings;
		memcpy(tk->rings[tk->nrings], w[1]->s, w[1]->len);
		p->ring_state[tk->nrings] = 1;
		tk->nrings++;
		st->entries = 8;
		st->workers = 0;
		st->mode = PCSIM_URING_RASYNC;
		for (unsigned i = 2; i < nw; i++) {
			size_t kl, vl;
			const char *val;
			if (!kv(w[i], &kl, &val, &vl))
				return unknown_word(p, w[i], "ring", known);
			if (eq(w[i]->s, kl, "entries")) {
				if (kv_num(p, w[i], 1, SCN_ENTRIES_MAX, &v))
					return -1;
				if (v & (v - 1))
					return FAIL(w[i], "ring: entries=%lld is not a power of two",
						    (long long)v);
				st->entries = (unsigned)v;
			} else if (eq(w[i]->s, kl, "cq")) {
				if (kv_num(p, w[i], 0, 2 * SCN_ENTRIES_MAX, &v))
					return -1;
				st->cq_entries = (unsigned)v;
			} else if (eq(w[i]->s, kl, "workers")) {
				if (kv_num(p, w[i], 0, 4, &v))
					return -1;
				st->workers = (unsigned)v;
			} else if (eq(w[i]->s, kl, "mode")) {
				if (eq(val, vl, "rasync"))
					st->mode = PCSIM_URING_RASYNC;
				else if (eq(val, vl, "offload"))
					st->mode = PCSIM_URING_OFFLOAD;
				else if (eq(val, vl, "sync"))
					st->mode = PCSIM_URING_SYNC;
				else
					return fail_at(p, w[i]->line, w[i]->col + (unsigned)kl + 1,
						       "ring: mode '%s' is not rasync, offload or sync",
						       show(val, vl, b, sizeof(b)));
			} else {
				return unknown_word(p, w[i], "ring", known);
			}
		}
		return 0;
	}
	case OP_SQE: {
		static const char *const kinds[] = { "read", "nop", "fadvise", NULL };
		static const char *const known[] = { "data", "async", "link", "nowait", "nocheck",
						     "expect", "advice", NULL };
		if (nw < 3)
			return FAIL(kw, "sqe needs RING and read|nop|fadvise");
		if ((st->ring = find_ring(p, w[1])) < 0)
			return -1;
		unsigned at;
		if (is(w[2], "nop")) {
			st->sqe = SQE_NOP;
			at = 3;
		} else if (is(w[2], "read") || is(w[2], "fadvise")) {
			st->sqe = is(w[2], "read") ? SQE_READ : SQE_FADVISE;
			if (nw < 6)
				return FAIL(w[2], "sqe %s needs FILE OFFSET LENGTH",
					    st->sqe == SQE_READ ? "read" : "fadvise");
			if ((st->file = find_file(p, w[3])) < 0)
				return -1;
			p->file_ring[st->file] = true;
			if (st->sqe == SQE_READ && is(w[4], "pos")) {
				st->flags |= SQ_POS;
			} else {
				if (num_word(p, w[4], 0, 1 << 30, &v))
					return -1;
				st->a = (uint64_t)v;
			}
			if (num_word(p, w[5], st->sqe == SQE_READ ? 1 : 0, SCN_READ_MAX, &v))
				return -1;
			st->b = (uint64_t)v;
			at = 6;
		} else {
			return FAIL(w[2], "unknown SQE kind '%s' (%s)",
				    show(w[2]->s, w[2]->len, b, sizeof(b)),
				    suggest(w[2]->s, w[2]->len, kinds, sg, sizeof(sg)));
		}
		st->advice = -1;
		for (unsigned i = at; i < nw; i++) {
			size_t kl, vl;
			const char *val;
			bool has = kv(w[i], &kl, &val, &vl);
			if (!has && is(w[i], "async"))
				st->flags |= SQ_ASYNC;
			else if (!has && is(w[i], "link"))
				st->flags |= SQ_LINK;
			else if (!has && is(w[i], "nowait") && st->sqe == SQE_READ)
				st->flags |= SQ_NOWAIT;
			else if (!has && is(w[i], "nocheck"))
				st->flags |= SQ_NOCHECK;
			else if (has && eq(w[i]->s, kl, "data")) {
				if (kv_num(p, w[i], 0, INT64_MAX, &v))
					return -1;
				st->has_data = true;
				st->data = (uint64_t)v;
			} else if (has && eq(w[i]->s, kl, "expect")) {
				if (kv_num(p, w[i], INT32_MIN, INT32_MAX, &v))
					return -1;
				st->has_expect = true;
				st->expect = v;
			} else if (has && eq(w[i]->s, kl, "advice") && st->sqe == SQE_FADVISE) {
				static const struct {
					const char *n;
					int v;
				} adv[] = { { "normal", POSIX_FADV_NORMAL },
					    { "random", POSIX_FADV_RANDOM },
					    { "sequential", POSIX_FADV_SEQUENTIAL },
					    { "willneed", POSIX_FADV_WILLNEED },
					    { "dontneed", POSIX_FADV_DONTNEED },
					    { "noreuse", POSIX_FADV_NOREUSE } };
				for (unsigned j = 0; j < 6; j++)
					if (eq(val, vl, adv[j].n))
						st->advice = adv[j].v;
				if (st->advice < 0)
					return fail_at(p, w[i]->line, w[i]->col + (unsigned)kl + 1,
						       "sqe fadvise: advice '%s' is not normal, random, "
						       "sequential, willneed, dontneed or noreuse",
						       show(val, vl, b, sizeof(b)));
			} else {
				return unknown_word(p, w[i], "sqe", known);
			}
		}
		if (st->sqe == SQE_FADVISE && st->advice < 0)
			return FAIL(w[2], "sqe fadvise needs advice=normal|random|sequential|willneed|"
					  "dontneed|noreuse");
		p->ring_sqes[st->ring] += (unsigned)(mult > SCN_OPS_MAX ? SCN_OPS_MAX : mult);
		if (st->sqe == SQE_READ) {
			p->ring_bytes += mult * st->b;
			if (p->ring_bytes > SCN_RING_BYTES_MAX)
				return FAIL(kw, "task '%s' would read more than %llu bytes through "
						"rings (each SQE has its own buffer)",
					    p->task->name, SCN_RING_BYTES_MAX);
		}
		return 0;
	}
	case OP_SUBMIT:
		if (nw < 2)
			return FAIL(kw, "submit needs a RING");
		if ((st->ring = find_ring(p, w[1])) < 0)
			return -1;
		return op_tail(p, st, w, nw, 2, true, "submit");
	case OP_WAIT:
		if (nw < 3)
			return FAIL(kw, "wait needs RING and a count (or all)");
		if ((st->ring = find_ring(p, w[1])) < 0)
			return -1;
		if (is(w[2], "all"))
			st->all = true;
		else if (num_word(p, w[2], 1, 1024, &v))
			return -1;
		else
			st->count = (unsigned)v;
		for (unsigned i = 3; i < nw; i++) {
			static const char *const known[] = { "timeout", NULL };
			size_t kl, vl;
			const char *val;
			if (!kv(w[i], &kl, &val, &vl) || !eq(w[i]->s, kl, "timeout"))
				return unknown_word(p, w[i], "wait", known);
			if (kv_num(p, w[i], 1, 60000, &v))
				return -1;
			st->timeout_ms = (unsigned)v;
		}
		return 0;
	case OP_RING_EXIT:
		if (nw < 2)
			return FAIL(kw, "exit needs a RING");
		if (depth > 0)
			return FAIL(kw, "exit: tear rings down at the top of a task body, not in "
					"repeat");
		if ((st->ring = find_ring(p, w[1])) < 0)
			return -1;
		p->ring_state[st->ring] = 2;
		return op_tail(p, st, w, nw, 2, false, "exit");
	case OP_REGISTER_EVENTFD:
		if (nw < 3)
			return FAIL(kw, "register_eventfd needs RING and EVENTFD");
		if ((st->ring = find_ring(p, w[1])) < 0 || (st->efd = find_efd(p, w[2])) < 0)
			return -1;
		return op_tail(p, st, w, nw, 3, true, "register_eventfd");
	case OP_EVENTFD_READ:
		if (nw < 2)
			return FAIL(kw, "eventfd_read needs an EVENTFD");
		if ((st->efd = find_efd(p, w[1])) < 0)
			return -1;
		return op_tail(p, st, w, nw, 2, true, "eventfd_read");
	case OP_EVENTFD_WRITE:
		if (nw < 3)
			return FAIL(kw, "eventfd_write needs EVENTFD and a value");
		if ((st->efd = find_efd(p, w[1])) < 0)
			return -1;
		if (num_word(p, w[2], 1, UINT32_MAX, &v))
			return -1;
		st->a = (uint64_t)v;
		return op_tail(p, st, w, nw, 3, true, "eventfd_write");
	case OP_KILL:
		if (nw != 3)
			return FAIL(kw, "kill needs TASK and SIGNAL (kill reader[1] SIGKILL)");
		if (parse_signal(p, w[2], &st->sig))
			return -1;
		return add_kill(p, st, NULL, w[1]);
	case OP_SLEEP:
		st->count = 1;
		if (nw > 1) {
			if (num_word(p, w[1], 1, 1000000, &v))
				return -1;
			st->count = (unsigned)v;
		}
		return op_tail(p, st, w, nw, 2, false, "sleep");
	case OP_YIELD:
	case OP_RETURN_TO_USER:
		return op_tail(p, st, w, nw, 1, false, op_names[k]);
	case OP_REPEAT:
		if (nw != 2)
			return FAIL(kw, "repeat needs a count and a block: repeat N { ... }");
		if (num_word(p, w[1], 1, SCN_REPEAT_MAX, &v))
			return -1;
		st->count = (unsigned)v;
		if (depth + 1 > SCN_DEPTH_MAX)
			return FAIL(kw, "repeat nested more than %u deep", SCN_DEPTH_MAX);
		if (p->t[p->i].k != T_LBRACE)
			return FAIL(&p->t[p->i], "repeat %u needs '{' on the same line", st->count);
		p->ops -= mult;
		return parse_block(p, &st->body, &st->nbody, depth + 1, mult * st->count,
				   &p->t[p->i++]);
	}
	return FAIL(kw, "internal: operation not handled");
}

/* Statements up to the '}' that closes @open. */
static int parse_block(struct parser *p, struct scn_stmt **body, unsigned *nbody, unsigned depth,
		       uint64_t mult, const struct tok *open)
{
	size_t cap = 0;
	*body = NULL;
	*nbody = 0;
	for (;;) {
		const struct tok *t = &p->t[p->i];
		if (t->k == T_END) {
			p->i++;
			continue;
		}
		if (t->k == T_RBRACE) {
			p->i++;
			return 0;
		}
		if (t->k == T_EOF)
			return FAIL(open, "this '{' is never closed (missing '}')");
		if (t->k == T_LBRACE)
			return FAIL(t, "unexpected '{' (only task and repeat open a block)");
		if (++p->nstmts > SCN_STMTS_MAX)
			return FAIL(t, "more than %u statements", SCN_STMTS_MAX);
		if (*nbody == cap) {
			size_t nc = cap ? cap * 2 : 8;
			struct scn_stmt *nb = salloc(p, nc * sizeof(*nb));
			if (!nb)
				return -1;
			if (*nbody)
				memcpy(nb, *body, *nbody * sizeof(*nb));
			*body = nb;
			cap = nc;
		}
		const struct tok *w[WORDS_MAX];
		unsigned nw;
		if (words(p, w, &nw))
			return -1;
		struct scn_stmt *st = &(*body)[*nbody];
		memset(st, 0, sizeof(*st));
		st->line = w[0]->line;
		st->col = w[0]->col;
		(*nbody)++;
		if (task_op(p, st, w, nw, depth, mult))
			return -1;
		/* kill references point into the block, which may move as it grows: fix them
		 * when the block is final (below) */
		if (p->t[p->i].k == T_LBRACE && st->op != OP_REPEAT)
			return FAIL(&p->t[p->i], "unexpected '{' (only task and repeat open a block)");
	}
}

/* Blocks grow by copying: re-point every kill reference at its statement's final place. */
static void fix_kills(struct parser *p, struct scn_stmt *body, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct scn_stmt *st = &body[i];
		if (st->op == OP_KILL)
			for (size_t k = 0; k < p->nkills; k++)
				if (p->kills[k].st && p->kills[k].st->line == st->line &&
				    p->kills[k].st->col == st->col)
					p->kills[k].st = st;
		if (st->op == OP_REPEAT)
			fix_kills(p, st->body, st->nbody);
	}
}

static int st_task(struct parser *p, const struct tok *kw, const struct tok **w, unsigned nw)
{
	static const char *const known[] = { "cpu", NULL };
	struct pcsim_scenario *s = p->s;
	char b[200];
	if (nw < 2)
		return FAIL(kw, "task needs a NAME (or NAME[N]) and a block");
	if (s->ntasks == SCN_TASKS_MAX)
		return FAIL(kw, "more than %u task statements", SCN_TASKS_MAX);
	struct scn_task *tk = &s->tasks[s->ntasks];
	memset(tk, 0, sizeof(*tk));
	tk->line = w[1]->line;
	tk->col = w[1]->col;
	tk->cpu = -1;
	tk->ninst = 1;
	const char *br = memchr(w[1]->s, '[', w[1]->len);
	struct tok nm = *w[1];
	if (br) {
		int64_t v;
		nm.len = (unsigned)(br - w[1]->s);
		if (w[1]->s[w[1]->len - 1] != ']' || w[1]->len - nm.len < 3)
			return FAIL(w[1], "expected NAME[COUNT], got '%s'",
				    show(w[1]->s, w[1]->len, b, sizeof(b)));
		if (number(p, w[1], br + 1, w[1]->len - nm.len - 2, w[1]->col + nm.len + 1, 1,
			   SCN_INSTANCES_MAX, &v))
			return -1;
		tk->ninst = (unsigned)v;
		tk->array = true;
	}
	if (check_name(p, &nm, "task") || name_taken(p, &nm))
		return -1;
	memcpy(tk->name, nm.s, nm.len);
	unsigned total = tk->ninst;
	for (unsigned i = 0; i < s->ntasks; i++)
		total += s->tasks[i].ninst;
	if (total > SCN_INSTANCES_MAX)
		return FAIL(w[1], "more than %u tasks in all (arrays count each element)",
			    SCN_INSTANCES_MAX);
	for (unsigned i = 2; i < nw; i++) {
		size_t kl, vl;
		const char *val;
		int64_t v;
		if (kv(w[i], &kl, &val, &vl) && eq(w[i]->s, kl, "cpu")) {
			if (kv_num(p, w[i], 0, PCSIM_MAX_CPUS - 1, &v))
				return -1;
			tk->cpu = (int)v;
			p->cpu_tok[s->ntasks] = w[i];
		} else {
			return unknown_word(p, w[i], "task", known);
		}
	}
	if (p->t[p->i].k != T_LBRACE)
		return FAIL(&p->t[p->i], "task '%s' needs '{' on the same line", tk->name);
	s->ntasks++;
	p->task = tk;
	memset(p->ring_state, 0, sizeof(p->ring_state));
	memset(p->ring_sqes, 0, sizeof(p->ring_sqes));
	p->ops = 0;
	p->ring_bytes = 0;
	const struct tok *open = &p->t[p->i++];
	if (parse_block(p, &tk->body, &tk->nbody, 0, 1, open))
		return -1;
	fix_kills(p, tk->body, tk->nbody);
	/* each ring's SQE records are sized now that the body is known (rings are set up at
	 * the top level of the body; the block may have moved while it grew) */
	for (unsigned i = 0; i < tk->nbody; i++)
		if (tk->body[i].op == OP_RING)
			tk->body[i].count = p->ring_sqes[tk->body[i].ring];
	unsigned workers = 0;
	for (unsigned i = 0; i < s->ntasks; i++)
		for (unsigned r = 0; r < s->tasks[i].nrings; r++)
			workers += s->tasks[i].ninst * 4;
	if (workers > SCN_WORKER_TASKS_MAX)
		return FAIL(w[1], "too many rings: their io-wq workers would exceed %u tasks",
			    SCN_WORKER_TASKS_MAX);
	p->task = NULL;
	return 0;
}

/* ---- the whole text ---------------------------------------------------------------------- */

static int parse_top(struct parser *p)
{
	static const char *const top[] = { "config", "explore", "file", "page", "eventfd", "task",
					   "signal", "expect", NULL };
	char b[200], sg[400];
	for (;;) {
		const struct tok *t = &p->t[p->i];
		if (t->k == T_EOF)
			return 0;
		if (t->k == T_END) {
			p->i++;
			continue;
		}
		if (t->k == T_LBRACE)
			return FAIL(t, "unexpected '{' (a block belongs to a task or repeat)");
		if (t->k == T_RBRACE)
			return FAIL(t, "unexpected '}' (no block is open)");
		if (++p->nstmts > SCN_STMTS_MAX)
			return FAIL(t, "more than %u statements", SCN_STMTS_MAX);
		const struct tok *w[WORDS_MAX];
		unsigned nw;
		if (words(p, w, &nw))
			return -1;
		int rc;
		if (is(t, "config"))
			rc = st_config(p, t, w, nw);
		else if (is(t, "explore"))
			rc = st_explore(p, t, w, nw);
		else if (is(t, "file"))
			rc = st_file(p, t, w, nw);
		else if (is(t, "page"))
			rc = st_page(p, t, w, nw);
		else if (is(t, "eventfd"))
			rc = st_eventfd(p, t, w, nw);
		else if (is(t, "task"))
			rc = st_task(p, t, w, nw);
		else if (is(t, "signal"))
			rc = st_signal(p, t, w, nw);
		else if (is(t, "expect"))
			rc = st_expect(p, t, w, nw);
		else {
			for (unsigned k = 0; op_names[k]; k++)
				if (is(t, op_names[k]))
					return FAIL(t, "'%s' is an operation: it goes inside a task "
						       "{ ... }", op_names[k]);
			return FAIL(t, "unknown statement '%s' (%s)",
				    show(t->s, t->len, b, sizeof(b)),
				    suggest(t->s, t->len, top, sg, sizeof(sg)));
		}
		if (rc)
			return -1;
		if (p->t[p->i].k == T_LBRACE && !is(t, "task"))
			return FAIL(&p->t[p->i], "unexpected '{' (a block belongs to a task or "
						 "repeat)");
		if (p->t[p->i].k == T_RBRACE && !is(t, "task"))
			return FAIL(&p->t[p->i], "unexpected '}' (no block is open)");
	}
}

/* After the text: kill targets, CPUs against the configuration, the configuration itself. */
static int check_whole(struct parser *p)
{
	struct pcsim_scenario *s = p->s;
	for (size_t k = 0; k < p->nkills; k++) {
		int task = 0, inst = 0;
		if (resolve_task(p, p->kills[k].name, &task, &inst))
			return -1;
		if (p->kills[k].st) {
			p->kills[k].st->task = task;
			p->kills[k].st->inst = inst;
		} else {
			p->kills[k].sig->task = task;
			p->kills[k].sig->inst = inst;
		}
	}
	if (s->ntasks == 0)
		return fail_at(p, 1, 1, "no task: a scenario needs at least one task { ... }");
	struct pcsim_config cfg;
	char e[512];
	pcsim_config_init(&cfg);
	if (pcsim_scenario_apply_config(s, &cfg, e, sizeof(e)))
		return fail_at(p, 1, 1, "config: %s", e);
	if (pcsim_config_validate(&cfg, e, sizeof(e)) < 0)
		return fail_at(p, s->nconfig ? s->config[s->nconfig - 1].line : 1,
			       s->nconfig ? s->config[s->nconfig - 1].col : 1, "%s", e);
	for (unsigned i = 0; i < s->ntasks; i++)
		if (s->tasks[i].cpu >= (int)cfg.ncpus)
			return FAIL(p->cpu_tok[i], "task '%s': cpu=%d, but the world has %u CPUs "
						   "(config cpus=N)",
				    s->tasks[i].name, s->tasks[i].cpu, cfg.ncpus);
	return 0;
}

/*
 * Which verdict each kernel profile is judged by: the qualified one that names it, else the
 * unqualified one; none at all means `expect clean` everywhere. Then the whole expectation as
 * one text: "find P2" when one verdict holds everywhere, else each verdict with its profiles
 * ("find P2 on kernel 5.9,5.10; clean on kernel 5.8,6.18"), and the profiles no verdict covers.
 */
static void resolve_verdicts(struct parser *p)
{
	struct pcsim_scenario *s = p->s;
	char ks[64];
	if (s->nverdicts == 0) {
		struct scn_verdict *vd = &s->verdicts[s->nverdicts++];
		memset(vd, 0, sizeof(*vd));
		vd->kmask = SCN_KMASK_ALL;
		vd->line = vd->col = 1;
		vd->text = salloc(p, 8);
		if (!vd->text)
			return;
		strcpy(vd->text, "clean");
	}
	int dflt = -1;
	for (unsigned v = 0; v < s->nverdicts; v++)
		if (!s->verdicts[v].qualified)
			dflt = (int)v;
	for (unsigned k = 0; k < PCSIM_NR_KERNELS; k++) {
		s->verdict_of[k] = dflt;
		for (unsigned v = 0; v < s->nverdicts; v++)
			if (s->verdicts[v].qualified && (s->verdicts[v].kmask & (1u << k)))
				s->verdict_of[k] = (int)v;
	}
	size_t len = 1;
	for (unsigned v = 0; v < s->nverdicts; v++)
		len += strlen(s->verdicts[v].text ? s->verdicts[v].text : "") + 80;
	len += 80;
	s->expect_text = salloc(p, len);
	if (!s->expect_text)
		return;
	size_t o = 0;
	unsigned covered = 0;
	for (unsigned v = 0; v < s->nverdicts; v++) {
		unsigned m = 0;
		for (unsigned k = 0; k < PCSIM_NR_KERNELS; k++)
			if (s->verdict_of[k] == (int)v)
				m |= 1u << k;
		covered |= m;
		if (!m)
			continue;
		if (m == SCN_KMASK_ALL)
			o += (size_t)snprintf(s->expect_text + o, len - o, "%s",
					      s->verdicts[v].text ? s->verdicts[v].text : "");
		else
			o += (size_t)snprintf(s->expect_text + o, len - o, "%s%s on kernel %s",
					      o ? "; " : "", s->verdicts[v].text,
					      kmask_text(m, ks, sizeof(ks)));
	}
	if (covered != SCN_KMASK_ALL && o < len)
		snprintf(s->expect_text + o, len - o, "%snone on kernel %s", o ? "; " : "",
			 kmask_text(SCN_KMASK_ALL & ~covered, ks, sizeof(ks)));
}

void pcsim_scenario_free(struct pcsim_scenario *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nallocs; i++)
		free(s->allocs[i]);
	free(s->allocs);
	free(s);
}

int pcsim_scenario_load_string(const char *name, const char *text, size_t len,
			       struct pcsim_scenario **out, char *err, size_t errlen)
{
	struct parser P, *p = &P;
	char scratch[8];
	if (!err || !errlen) {
		err = scratch;
		errlen = sizeof(scratch);
	}
	if (out)
		*out = NULL;
	if (!name || !out || (!text && len)) {
		snprintf(err, errlen, "pcsim_scenario_load_string: NULL argument");
		return -EINVAL;
	}
	memset(p, 0, sizeof(*p));
	p->path = name;
	p->err = err;
	p->errlen = errlen;
	err[0] = 0;
	if (len > PCSIM_SCENARIO_TEXT_MAX) {
		snprintf(err, errlen, "%s:1:1: longer than %u bytes", name, PCSIM_SCENARIO_TEXT_MAX);
		return -EINVAL;
	}
	struct pcsim_scenario *s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "%s: out of memory", name);
		return -ENOMEM;
	}
	p->s = s;
	int rc = -1;
	if (lex(p, text ? text : "", len) == 0 && parse_top(p) == 0 && !p->oom)
		rc = check_whole(p);
	if (rc == 0 && !p->oom) {
		const char *base = strrchr(name, '/');
		base = base ? base + 1 : name;
		s->hash = hash_tokens(p);
		size_t bl = strlen(base);
		s->path = salloc(p, strlen(name) + 1);
		s->name = salloc(p, bl + 1);
		s->progname = salloc(p, bl + 20);
		if (s->path && s->name && s->progname) {
			strcpy(s->path, name);
			strcpy(s->name, base);
			/* the program name is one line: a name with a line break is cut there */
			for (char *c = s->name; *c; c++)
				if (*c == '\n' || *c == '\r')
					*c = '?';
			snprintf(s->progname, bl + 20, "%s %016" PRIx64, s->name, s->hash);
		}
		resolve_verdicts(p);
		s->prog.name = s->progname;
		s->prog.setup = pcsim__scenario_setup;
		s->prog.finish = pcsim__scenario_finish;
		s->prog.arg = s;
	}
	free(p->t);
	free(p->kills);
	if (p->oom) {
		snprintf(err, errlen, "%s: out of memory", name);
		pcsim_scenario_free(s);
		return -ENOMEM;
	}
	if (rc) {
		if (!err[0])
			snprintf(err, errlen, "%s:1:1: invalid scenario", name);
		pcsim_scenario_free(s);
		return -EINVAL;
	}
	*out = s;
	return 0;
}

int pcsim_scenario_load_file(const char *path, struct pcsim_scenario **out, char *err,
			     size_t errlen)
{
	char scratch[8];
	if (!err || !errlen) {
		err = scratch;
		errlen = sizeof(scratch);
	}
	if (out)
		*out = NULL;
	if (!path || !out) {
		snprintf(err, errlen, "pcsim_scenario_load_file: NULL argument");
		return -EINVAL;
	}
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		return -EINVAL;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return -EINVAL;
	}
	if ((uint64_t)st.st_size > PCSIM_SCENARIO_TEXT_MAX) {
		snprintf(err, errlen, "%s: %lld bytes; a scenario is at most %u", path,
			 (long long)st.st_size, PCSIM_SCENARIO_TEXT_MAX);
		close(fd);
		return -EINVAL;
	}
	size_t cap = PCSIM_SCENARIO_TEXT_MAX + 1, len = 0;
	char *buf = malloc((size_t)st.st_size + 2);
	if (!buf) {
		close(fd);
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	cap = (size_t)st.st_size + 1;
	for (;;) {
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
			free(buf);
			close(fd);
			return -EINVAL;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == cap) {	/* grew meanwhile */
			snprintf(err, errlen, "%s: the file changed while being read", path);
			free(buf);
			close(fd);
			return -EINVAL;
		}
	}
	close(fd);
	int rc = pcsim_scenario_load_string(path, buf, len, out, err, errlen);
	free(buf);
	return rc;
}

/* ---- accessors --------------------------------------------------------------------------- */

const struct pcsim_program *pcsim_scenario_program(const struct pcsim_scenario *s)
{
	return s ? &s->prog : NULL;
}

const char *pcsim_scenario_name(const struct pcsim_scenario *s)
{
	return s ? s->name : NULL;
}

uint64_t pcsim_scenario_hash(const struct pcsim_scenario *s)
{
	return s ? s->hash : 0;
}

const char *pcsim_scenario_expectation(const struct pcsim_scenario *s)
{
	return s ? s->expect_text : NULL;
}

int pcsim_scenario_apply_config(const struct pcsim_scenario *s, struct pcsim_config *cfg,
				char *err, size_t errlen)
{
	if (!s || !cfg)
		return -EINVAL;
	for (unsigned i = 0; i < s->nconfig; i++) {
		int rc = pcsim_config_parse(s->config[i].words, cfg, err, errlen);
		if (rc < 0)
			return rc;
	}
	return 0;
}

void pcsim_scenario_apply_explore(const struct pcsim_scenario *s, struct pcsim_explore_opts *o)
{
	if (!s || !o)
		return;
	if (s->has_strategy)
		o->strategy = s->strategy;
	if (s->has_seed)
		o->seed = s->seed;
	if (s->has_schedules)
		o->max_executions = s->schedules;
	if (s->has_depth)
		o->pct_depth = s->depth;
	if (s->has_bound)
		o->preemption_bound = s->bound;
}

static const struct scn_verdict *verdict_on(const struct pcsim_scenario *s, int kernel)
{
	if (!s || kernel < 0 || kernel >= PCSIM_NR_KERNELS || s->verdict_of[kernel] < 0)
		return NULL;
	return &s->verdicts[s->verdict_of[kernel]];
}

const char *pcsim_scenario_expectation_on(const struct pcsim_scenario *s, int kernel)
{
	const struct scn_verdict *v = verdict_on(s, kernel);
	return v ? v->text : NULL;
}

int pcsim_scenario_judge_on(const struct pcsim_scenario *s, int kernel,
			    const struct pcsim_report *r, char *why, size_t whylen)
{
	char scratch[8];
	if (!why || !whylen) {
		why = scratch;
		whylen = sizeof(scratch);
	}
	if (!s || !r) {
		snprintf(why, whylen, "no scenario or report");
		return 0;
	}
	const char *found = r->outcome == PCSIM_OUTCOME_OK ? "nothing" : r->what;
	bool failure = r->outcome == PCSIM_OUTCOME_VIOLATION ||
		       r->outcome == PCSIM_OUTCOME_DEADLOCK || r->outcome == PCSIM_OUTCOME_LIVELOCK;
	const struct scn_verdict *v = verdict_on(s, kernel);
	bool met;
	if (!v)
		met = false;
	else if (!v->find)
		met = r->outcome == PCSIM_OUTCOME_OK;
	else
		met = failure && (strcmp(v->what, "any") == 0 || strcmp(v->what, r->what) == 0 ||
				  strcmp(v->what, pcsim_outcome_name(r->outcome)) == 0);
	snprintf(why, whylen, "expected %s, found %s%s%s%s",
		 v ? v->text : "nothing (no expectation for this kernel profile)", found,
		 r->outcome != PCSIM_OUTCOME_OK ? " (" : "",
		 r->outcome != PCSIM_OUTCOME_OK ? pcsim_outcome_name(r->outcome) : "",
		 r->outcome != PCSIM_OUTCOME_OK ? ")" : "");
	return v ? met : -1;
}

bool pcsim_scenario_judge(const struct pcsim_scenario *s, const struct pcsim_report *r,
			  char *why, size_t whylen)
{
	return pcsim_scenario_judge_on(s, PCSIM_KERNEL_5_10, r, why, whylen) == 1;
}

/* used by interp.c messages */
const char *pcsim__scenario_errno_name(int64_t v);
const char *pcsim__scenario_errno_name(int64_t v)
{
	return errno_name(v);
}
