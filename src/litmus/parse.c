// SPDX-License-Identifier: MIT
/*
 * parse.c - the C flavour of the litmus format (herd7's C litmus tests, as the Linux kernel
 * memory model's suite writes them in tools/memory-model/litmus-tests/): the `C name`
 * header, an optional doc string, `(* ... *)` comments (one of which may say "Result: Never"),
 * the `{ }` initial state, processes `P0(int *x, ...) { ... }` over a small C subset
 * (declarations of registers, assignments, if/else, the primitives of prims.c), an optional
 * `locations [...]` line and the final `exists`/`~exists`/`forall` clause. Errors are
 * "FILE:LINE:COL: message"; the first one ends the parse.
 */
#include <ctype.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "litmus_int.h"

enum tk { T_EOF, T_IDENT, T_NUM, T_STR, T_PUNCT };

struct tok {
	enum tk k;
	char text[128];
	long long num;
	int line, col;
};

struct parser {
	const char *s;
	size_t pos;
	int line, col;
	struct tok cur, peek;
	bool have_peek;
	struct pcsim_litmus *t;
	char *err;
	size_t errlen;
	jmp_buf fail;
	int fail_code;
	int proc;     /* the process being parsed, -1 outside */
	bool in_code; /* inside a process: `(*` is a comment only before white space */
	/* register initialisations of the { } block, applied once the processes exist */
	struct {
		int proc;
		char name[128];
		long long v;
		int line, col;
	} rinit[64];
	unsigned nrinit;
};

static void __attribute__((noreturn, format(printf, 4, 5)))
perr(struct parser *p, int line, int col, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(p->err, p->errlen, "%s:%d:%d: %s", p->t->file, line, col, msg);
	p->fail_code = -EINVAL;
	longjmp(p->fail, 1);
}

void *pcsim__lit_node(struct pcsim_litmus *t, size_t size)
{
	if (t->nnodes == t->capnodes) {
		size_t ncap = t->capnodes ? t->capnodes * 2 : 64;
		void **nn = realloc(t->nodes, ncap * sizeof(*nn));
		if (!nn)
			return NULL;
		t->nodes = nn;
		t->capnodes = ncap;
	}
	void *n = calloc(1, size);
	if (n)
		t->nodes[t->nnodes++] = n;
	return n;
}

static void *node(struct parser *p, size_t size)
{
	void *n = pcsim__lit_node(p->t, size);
	if (!n) {
		snprintf(p->err, p->errlen, "%s: out of memory", p->t->file);
		p->fail_code = -ENOMEM;
		longjmp(p->fail, 1);
	}
	return n;
}

static char *pstrdup(struct parser *p, const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = node(p, n);
	memcpy(d, s, n);
	return d;
}

/* ---- characters */
static int ch(struct parser *p, size_t ahead)
{
	for (size_t i = 0; i < ahead; i++)
		if (!p->s[p->pos + i])
			return 0;
	return (unsigned char)p->s[p->pos + ahead];
}

static void adv(struct parser *p)
{
	if (!p->s[p->pos])
		return;
	if (p->s[p->pos] == '\n') {
		p->line++;
		p->col = 1;
	} else {
		p->col++;
	}
	p->pos++;
}

/* A comment or doc string: the test's expected verdict is stated as "Result: Never". */
static void scan_result(struct parser *p, const char *a, size_t n)
{
	static const struct {
		const char *w;
		enum pcsim_litmus_verdict v;
	} words[] = {
		{"Never", PCSIM_LITMUS_NEVER},
		{"Sometimes", PCSIM_LITMUS_SOMETIMES},
		{"Always", PCSIM_LITMUS_ALWAYS},
	};
	for (size_t i = 0; i + 7 <= n; i++) {
		if (strncmp(a + i, "Result:", 7) != 0)
			continue;
		size_t j = i + 7;
		while (j < n && (a[j] == ' ' || a[j] == '\t'))
			j++;
		for (unsigned k = 0; k < 3; k++) {
			size_t wl = strlen(words[k].w);
			if (j + wl <= n && strncmp(a + j, words[k].w, wl) == 0 &&
			    p->t->expected == PCSIM_LITMUS_UNKNOWN)
				p->t->expected = words[k].v;
		}
	}
}

static void skip_space(struct parser *p)
{
	for (;;) {
		int c = ch(p, 0);
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
			adv(p);
		} else if (c == '(' && ch(p, 1) == '*' &&
			   (!p->in_code || isspace(ch(p, 2)) || ch(p, 2) == '*' ||
			    ch(p, 2) == ')')) {
			/* OCaml comment; in C code READ_ONCE(*x) is not one */
			int l = p->line, co = p->col;
			size_t start = p->pos;
			int depth = 0;
			do {
				if (!ch(p, 0))
					perr(p, l, co, "unterminated comment");
				if (ch(p, 0) == '(' && ch(p, 1) == '*') {
					depth++;
					adv(p);
				} else if (ch(p, 0) == '*' && ch(p, 1) == ')') {
					depth--;
					adv(p);
				}
				adv(p);
			} while (depth > 0);
			scan_result(p, p->s + start, p->pos - start);
		} else if (c == '/' && ch(p, 1) == '/') {
			while (ch(p, 0) && ch(p, 0) != '\n')
				adv(p);
		} else if (c == '/' && ch(p, 1) == '*') {
			int l = p->line, co = p->col;
			size_t start = p->pos;
			adv(p);
			adv(p);
			while (!(ch(p, 0) == '*' && ch(p, 1) == '/')) {
				if (!ch(p, 0))
					perr(p, l, co, "unterminated comment");
				adv(p);
			}
			adv(p);
			adv(p);
			scan_result(p, p->s + start, p->pos - start);
		} else {
			return;
		}
	}
}

static const char *const puncts2[] = {
	"/\\", "\\/", "==", "!=", "<=", ">=", "&&", "||", "<<", ">>", "->"};

static void lex(struct parser *p, struct tok *t)
{
	skip_space(p);
	t->line = p->line;
	t->col = p->col;
	t->text[0] = '\0';
	int c = ch(p, 0);
	if (!c) {
		t->k = T_EOF;
		snprintf(t->text, sizeof(t->text), "end of file");
		return;
	}
	if (isalpha(c) || c == '_') {
		size_t n = 0;
		while (isalnum(ch(p, 0)) || ch(p, 0) == '_') {
			if (n + 1 >= sizeof(t->text))
				perr(p, t->line, t->col, "identifier too long");
			t->text[n++] = (char)ch(p, 0);
			adv(p);
		}
		t->text[n] = '\0';
		t->k = T_IDENT;
		return;
	}
	if (isdigit(c)) {
		size_t n = 0;
		while (isalnum(ch(p, 0))) {
			if (n + 1 >= sizeof(t->text))
				perr(p, t->line, t->col, "number too long");
			t->text[n++] = (char)ch(p, 0);
			adv(p);
		}
		t->text[n] = '\0';
		char *end;
		errno = 0;
		t->num = strtoll(t->text, &end, 0);
		if (*end || errno)
			perr(p, t->line, t->col, "bad number '%s'", t->text);
		if (t->num >= LIT_ADDR)
			perr(p, t->line, t->col, "number %s is too large (at most 2^40 - 1)",
			     t->text);
		t->k = T_NUM;
		return;
	}
	if (c == '"') {
		size_t start = p->pos;
		adv(p);
		while (ch(p, 0) != '"') {
			if (!ch(p, 0))
				perr(p, t->line, t->col, "unterminated string");
			adv(p);
		}
		adv(p);
		scan_result(p, p->s + start, p->pos - start);
		t->k = T_STR;
		snprintf(t->text, sizeof(t->text), "string");
		return;
	}
	for (size_t i = 0; i < sizeof(puncts2) / sizeof(puncts2[0]); i++) {
		if (c == puncts2[i][0] && ch(p, 1) == puncts2[i][1]) {
			memcpy(t->text, puncts2[i], 3);
			adv(p);
			adv(p);
			t->k = T_PUNCT;
			return;
		}
	}
	if (strchr("{}()[];,*&=!~+-|^<>:?%/.", c)) {
		t->text[0] = (char)c;
		t->text[1] = '\0';
		adv(p);
		t->k = T_PUNCT;
		return;
	}
	if (isprint(c))
		perr(p, t->line, t->col, "unexpected character '%c'", c);
	perr(p, t->line, t->col, "unexpected byte 0x%02x", (unsigned)c);
}

static struct tok *cur(struct parser *p)
{
	return &p->cur;
}

static void next(struct parser *p)
{
	if (p->have_peek) {
		p->cur = p->peek;
		p->have_peek = false;
	} else {
		lex(p, &p->cur);
	}
}

static struct tok *peek(struct parser *p)
{
	if (!p->have_peek) {
		lex(p, &p->peek);
		p->have_peek = true;
	}
	return &p->peek;
}

static bool is_p(struct parser *p, const char *s)
{
	return p->cur.k == T_PUNCT && strcmp(p->cur.text, s) == 0;
}

static bool is_id(struct parser *p, const char *s)
{
	return p->cur.k == T_IDENT && strcmp(p->cur.text, s) == 0;
}

static const char *desc(const struct tok *t)
{
	return t->k == T_EOF ? "end of file" : t->text;
}

static void expect(struct parser *p, const char *s)
{
	if (!is_p(p, s))
		perr(p, p->cur.line, p->cur.col, "expected '%s', found '%s'", s, desc(&p->cur));
	next(p);
}

/* ---- names */
static int loc_find(struct pcsim_litmus *t, const char *name)
{
	for (unsigned i = 0; i < t->nlocs; i++)
		if (strcmp(t->locs[i].name, name) == 0)
			return (int)i;
	return -1;
}

static int loc_add(struct parser *p, const char *name, enum lit_loc_kind kind, int line, int col)
{
	struct pcsim_litmus *t = p->t;
	int i = loc_find(t, name);
	if (i >= 0) {
		if (kind != LK_INT && t->locs[i].kind == LK_INT)
			t->locs[i].kind = kind;
		else if (kind != LK_INT && t->locs[i].kind != kind)
			perr(p, line, col, "'%s' is used with two different types", name);
		return i;
	}
	if (t->nlocs == LIT_MAX_LOCS)
		perr(p, line, col, "more than %d shared variables", LIT_MAX_LOCS);
	t->locs[t->nlocs].name = pstrdup(p, name);
	t->locs[t->nlocs].kind = kind;
	return (int)t->nlocs++;
}

static int reg_find(const struct lit_proc *pr, const char *name)
{
	for (unsigned i = 0; i < pr->nregs; i++)
		if (strcmp(pr->regs[i], name) == 0)
			return (int)i;
	return -1;
}

static int reg_add(struct parser *p, struct lit_proc *pr, const char *name, int line, int col)
{
	int i = reg_find(pr, name);
	if (i >= 0)
		return i;
	if (pr->nregs == LIT_MAX_REGS)
		perr(p, line, col, "more than %d registers in one process", LIT_MAX_REGS);
	pr->regs[pr->nregs] = pstrdup(p, name);
	return (int)pr->nregs++;
}

static bool type_word(const char *s)
{
	static const char *const w[] = {"int",	     "long",	 "unsigned", "signed",	"short",
					"char",	     "bool",	 "u8",	     "u16",	"u32",
					"u64",	     "s8",	 "s16",	     "s32",	"s64",
					"uintptr_t", "intptr_t", "const",    "volatile"};
	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		if (strcmp(s, w[i]) == 0)
			return true;
	return false;
}

/* ---- expressions */
static struct lit_expr *expr(struct parser *p);

static struct lit_expr *mk(struct parser *p, enum lit_ek k, const struct tok *at)
{
	struct lit_expr *e = node(p, sizeof(*e));
	e->k = k;
	e->line = at->line;
	e->col = at->col;
	return e;
}

static struct lit_expr *primary(struct parser *p)
{
	struct tok t = *cur(p);
	if (t.k == T_NUM) {
		next(p);
		struct lit_expr *e = mk(p, E_NUM, &t);
		e->num = t.num;
		return e;
	}
	if (is_p(p, "(")) {
		next(p);
		struct lit_expr *e = expr(p);
		expect(p, ")");
		return e;
	}
	if (t.k != T_IDENT)
		perr(p, t.line, t.col, "expected an expression, found '%s'", desc(&t));
	next(p);
	if (is_p(p, "(")) {
		const struct lit_prim *pr = pcsim__lit_prim(t.text);
		if (!pr)
			perr(p, t.line, t.col,
			     "unsupported primitive '%s' (docs/litmus.md lists "
			     "the supported ones)",
			     t.text);
		struct lit_expr *e = mk(p, E_CALL, &t);
		e->prim = pr;
		next(p);
		unsigned n = 0;
		if (!is_p(p, ")")) {
			for (;;) {
				if (n == 3)
					perr(p, cur(p)->line, cur(p)->col,
					     "too many arguments to %s", pr->name);
				e->a[n++] = expr(p);
				if (!is_p(p, ","))
					break;
				next(p);
			}
		}
		expect(p, ")");
		if (n != pr->nargs)
			perr(p, t.line, t.col, "%s takes %u argument%s, not %u", pr->name,
			     pr->nargs, pr->nargs == 1 ? "" : "s", n);
		if (pr->kind >= PK_RCU_LOCK && pr->kind <= PK_SYNC_SRCU)
			p->t->uses_rcu = true;
		return e;
	}
	if (strcmp(t.text, "NULL") == 0) {
		struct lit_expr *e = mk(p, E_NUM, &t);
		e->num = 0;
		return e;
	}
	if (p->proc >= 0) {
		int r = reg_find(&p->t->procs[p->proc], t.text);
		/* herd7 takes an assignment to an undeclared name as the register's declaration */
		if (r < 0 && loc_find(p->t, t.text) < 0 && is_p(p, "="))
			r = reg_add(p, &p->t->procs[p->proc], t.text, t.line, t.col);
		if (r >= 0) {
			struct lit_expr *e = mk(p, E_REG, &t);
			e->idx = r;
			return e;
		}
	}
	int l = loc_find(p->t, t.text);
	if (l >= 0) {
		struct lit_expr *e = mk(p, E_LOC, &t);
		e->idx = l;
		return e;
	}
	perr(p, t.line, t.col, "'%s' is neither a register of P%d nor a shared variable", t.text,
	     p->proc);
}

static struct lit_expr *unary(struct parser *p)
{
	struct tok t = *cur(p);
	if (is_p(p, "*") || is_p(p, "&") || is_p(p, "!") || is_p(p, "~") || is_p(p, "-") ||
	    is_p(p, "+")) {
		next(p);
		struct lit_expr *a = unary(p);
		if (t.text[0] == '+')
			return a;
		if (t.text[0] == '&') {
			/* &x of a shared variable is its address; &*e is e */
			if (a->k == E_LOC)
				return a;
			if (a->k == E_DEREF)
				return a->a[0];
			perr(p, t.line, t.col, "'&' applies to a shared variable only");
		}
		struct lit_expr *e = mk(p, t.text[0] == '*' ? E_DEREF : E_UN, &t);
		e->op = t.text[0];
		e->a[0] = a;
		return e;
	}
	return primary(p);
}

/* Binary operators by precedence, loosest first. */
static const char *const levels[][4] = {
	{"||"},
	{"&&"},
	{"|"},
	{"^"},
	{"&"},
	{"==", "!="},
	{"<", ">", "<=", ">="},
	{"<<", ">>"},
	{"+", "-"},
	{"*", "/", "%"},
};

static int op_code(const char *s)
{
	static const char *const two[] = {"==", "!=", "<=", ">=", "&&", "||", "<<", ">>"};
	for (int i = 0; i < 8; i++)
		if (strcmp(s, two[i]) == 0)
			return OP_EQ + i;
	return s[0];
}

static struct lit_expr *binary(struct parser *p, unsigned level)
{
	if (level == sizeof(levels) / sizeof(levels[0]))
		return unary(p);
	struct lit_expr *l = binary(p, level + 1);
	for (;;) {
		int hit = -1;
		for (int i = 0; i < 4 && levels[level][i]; i++)
			if (is_p(p, levels[level][i]))
				hit = i;
		if (hit < 0)
			return l;
		struct tok t = *cur(p);
		next(p);
		struct lit_expr *e = mk(p, E_BIN, &t);
		e->op = op_code(t.text);
		e->a[0] = l;
		e->a[1] = binary(p, level + 1);
		l = e;
	}
}

static struct lit_expr *expr(struct parser *p)
{
	struct lit_expr *c = binary(p, 0);
	if (is_p(p, "?")) {
		struct tok t = *cur(p);
		next(p);
		struct lit_expr *e = mk(p, E_COND, &t);
		e->a[0] = c;
		e->a[1] = expr(p);
		expect(p, ":");
		e->a[2] = expr(p);
		return e;
	}
	return c;
}

/* ---- statements */
static struct lit_stmt *stmt(struct parser *p);

static struct lit_stmt *mks(struct parser *p, enum lit_sk k, const struct tok *at)
{
	struct lit_stmt *s = node(p, sizeof(*s));
	s->k = k;
	s->line = at->line;
	s->col = at->col;
	return s;
}

static void block_add(struct parser *p, struct lit_stmt *b, struct lit_stmt *s)
{
	if (!s)
		return;
	struct lit_stmt **nb = node(p, (b->nbody + 1) * sizeof(*nb));
	if (b->nbody)
		memcpy(nb, b->body, b->nbody * sizeof(*nb));
	nb[b->nbody++] = s;
	b->body = nb; /* the old array stays in the node list: freed with the test */
}

static struct lit_stmt *block(struct parser *p)
{
	struct tok t = *cur(p);
	expect(p, "{");
	struct lit_stmt *b = mks(p, S_BLOCK, &t);
	while (!is_p(p, "}")) {
		if (cur(p)->k == T_EOF)
			perr(p, t.line, t.col, "unterminated block");
		block_add(p, b, stmt(p));
	}
	next(p);
	return b;
}

/* `int r0;`, `int *r0 = e, r1;`: registers of the current process. */
static struct lit_stmt *decl(struct parser *p)
{
	struct lit_proc *pr = &p->t->procs[p->proc];
	struct tok t0 = *cur(p);
	struct lit_stmt *b = mks(p, S_BLOCK, &t0);
	while (cur(p)->k == T_IDENT && type_word(cur(p)->text))
		next(p);
	for (;;) {
		while (is_p(p, "*"))
			next(p);
		struct tok n = *cur(p);
		if (n.k != T_IDENT)
			perr(p, n.line, n.col, "expected a register name, found '%s'", desc(&n));
		if (loc_find(p->t, n.text) >= 0)
			perr(p, n.line, n.col, "register '%s' has the name of a shared variable",
			     n.text);
		next(p);
		int r = reg_add(p, pr, n.text, n.line, n.col);
		if (is_p(p, "=")) {
			next(p);
			struct lit_stmt *s = mks(p, S_ASSIGN, &n);
			s->reg = r;
			s->e = expr(p);
			block_add(p, b, s);
		}
		if (!is_p(p, ","))
			break;
		next(p);
	}
	expect(p, ";");
	return b;
}

static struct lit_stmt *stmt(struct parser *p)
{
	struct tok t = *cur(p);
	if (is_p(p, "{"))
		return block(p);
	if (is_p(p, ";")) {
		next(p);
		return NULL;
	}
	if (t.k == T_IDENT && type_word(t.text))
		return decl(p);
	if (is_id(p, "if")) {
		next(p);
		expect(p, "(");
		struct lit_stmt *s = mks(p, S_IF, &t);
		s->e = expr(p);
		expect(p, ")");
		s->then = stmt(p);
		if (is_id(p, "else")) {
			next(p);
			s->els = stmt(p);
		}
		return s;
	}
	if (is_id(p, "while") || is_id(p, "for") || is_id(p, "do") || is_id(p, "goto") ||
	    is_id(p, "return") || is_id(p, "switch"))
		perr(p, t.line, t.col, "'%s' is not supported in litmus processes (docs/litmus.md)",
		     t.text);
	struct lit_expr *e = expr(p);
	if (is_p(p, "=")) {
		struct tok eq = *cur(p);
		next(p);
		struct lit_stmt *s;
		if (e->k == E_REG) {
			s = mks(p, S_ASSIGN, &t);
			s->reg = e->idx;
		} else if (e->k == E_DEREF) {
			s = mks(p, S_STORE, &t);
			s->lhs = e->a[0];
		} else {
			perr(p, eq.line, eq.col,
			     "can assign only to a register or through a pointer");
		}
		s->e = expr(p);
		expect(p, ";");
		return s;
	}
	if (e->k != E_CALL)
		perr(p, t.line, t.col, "statement has no effect");
	struct lit_stmt *s = mks(p, S_EXPR, &t);
	s->e = e;
	expect(p, ";");
	return s;
}

/* ---- the { } block */
static long long init_value(struct parser *p)
{
	struct tok t = *cur(p);
	if (is_p(p, "-")) {
		next(p);
		if (cur(p)->k != T_NUM)
			perr(p, t.line, t.col, "expected a number after '-'");
		long long v = -cur(p)->num;
		next(p);
		return v;
	}
	if (is_p(p, "&"))
		next(p);
	t = *cur(p);
	if (t.k == T_NUM) {
		next(p);
		return t.num;
	}
	if (t.k == T_IDENT && strcmp(t.text, "ATOMIC_INIT") == 0) {
		next(p);
		expect(p, "(");
		long long v = init_value(p);
		expect(p, ")");
		return v;
	}
	if (t.k == T_IDENT && strcmp(t.text, "NULL") == 0) {
		next(p);
		return 0;
	}
	if (t.k == T_IDENT) {
		next(p);
		return LIT_ADDR + loc_add(p, t.text, LK_INT, t.line, t.col);
	}
	perr(p, t.line, t.col, "expected an initial value, found '%s'", desc(&t));
}

static enum lit_loc_kind kind_of(const char *w)
{
	if (strcmp(w, "spinlock_t") == 0 || strcmp(w, "raw_spinlock_t") == 0)
		return LK_LOCK;
	if (strcmp(w, "atomic_t") == 0)
		return LK_ATOMIC;
	if (strcmp(w, "srcu_struct") == 0)
		return LK_SRCU;
	return LK_INT;
}

static void init_block(struct parser *p)
{
	expect(p, "{");
	while (!is_p(p, "}")) {
		if (is_p(p, ";")) {
			next(p);
			continue;
		}
		if (cur(p)->k == T_NUM && peek(p)->k == T_PUNCT &&
		    strcmp(peek(p)->text, ":") == 0) {
			/* 0:r1=1; */
			struct tok pn = *cur(p);
			next(p);
			next(p);
			struct tok rn = *cur(p);
			if (rn.k != T_IDENT)
				perr(p, rn.line, rn.col, "expected a register name");
			next(p);
			expect(p, "=");
			if (p->nrinit == 64)
				perr(p, pn.line, pn.col, "too many register initialisations");
			p->rinit[p->nrinit].proc = (int)pn.num;
			snprintf(p->rinit[p->nrinit].name, 128, "%s", rn.text);
			p->rinit[p->nrinit].line = rn.line;
			p->rinit[p->nrinit].col = rn.col;
			p->rinit[p->nrinit++].v = init_value(p);
			if (!is_p(p, "}"))
				expect(p, ";");
			continue;
		}
		enum lit_loc_kind kind = LK_INT;
		struct tok last = *cur(p);
		if (last.k != T_IDENT)
			perr(p, last.line, last.col, "expected a variable, found '%s'",
			     desc(&last));
		/* type words and stars, then the name: the name is the last identifier */
		struct tok name = last;
		next(p);
		while (cur(p)->k == T_IDENT || is_p(p, "*")) {
			if (cur(p)->k == T_IDENT) {
				enum lit_loc_kind k = kind_of(name.text);
				if (k != LK_INT)
					kind = k;
				name = *cur(p);
			}
			next(p);
		}
		int l = loc_add(p, name.text, kind, name.line, name.col);
		if (is_p(p, "=")) {
			next(p);
			p->t->locs[l].init = init_value(p);
		}
		if (!is_p(p, "}"))
			expect(p, ";");
	}
	next(p);
}

/* ---- processes */
static void process(struct parser *p)
{
	struct tok t = *cur(p);
	struct pcsim_litmus *tl = p->t;
	char *end;
	long n = strtol(t.text + 1, &end, 10);
	if (*end || n != (long)tl->nprocs)
		perr(p, t.line, t.col, "expected process P%u, found '%s'", tl->nprocs, t.text);
	if (tl->nprocs == LIT_MAX_PROCS)
		perr(p, t.line, t.col, "more than %d processes", LIT_MAX_PROCS);
	p->proc = (int)tl->nprocs++;
	p->in_code = true;
	next(p);
	expect(p, "(");
	while (!is_p(p, ")")) {
		enum lit_loc_kind kind = LK_INT;
		struct tok name = *cur(p);
		if (name.k != T_IDENT)
			perr(p, name.line, name.col, "expected a parameter, found '%s'",
			     desc(&name));
		next(p);
		while (cur(p)->k == T_IDENT || is_p(p, "*")) {
			if (cur(p)->k == T_IDENT) {
				enum lit_loc_kind k = kind_of(name.text);
				if (k != LK_INT)
					kind = k;
				name = *cur(p);
			}
			next(p);
		}
		if (strcmp(name.text, "void") != 0)
			loc_add(p, name.text, kind, name.line, name.col);
		if (!is_p(p, ")"))
			expect(p, ",");
	}
	next(p);
	tl->procs[p->proc].body = block(p);
	p->proc = -1;
	p->in_code = false;
}

/* ---- the final condition */
static void obs_add(struct pcsim_litmus *t, int proc, int idx)
{
	for (unsigned i = 0; i < t->nobs; i++)
		if (t->obs[i].proc == proc && t->obs[i].idx == idx)
			return;
	if (t->nobs < sizeof(t->obs) / sizeof(t->obs[0]))
		t->obs[t->nobs++] = (struct lit_obs){proc, idx};
}

/* `0:r0` or `x`: fills proc/idx; the item is added to the observed set. */
static void cond_target(struct parser *p, int *proc, int *idx)
{
	struct tok t = *cur(p);
	if (t.k == T_NUM) {
		next(p);
		expect(p, ":");
		struct tok r = *cur(p);
		if (r.k != T_IDENT)
			perr(p, r.line, r.col, "expected a register after '%lld:'", t.num);
		if (t.num < 0 || t.num >= (long long)p->t->nprocs)
			perr(p, t.line, t.col, "there is no process %lld", t.num);
		int ri = reg_find(&p->t->procs[t.num], r.text);
		if (ri < 0)
			perr(p, r.line, r.col, "P%lld has no register '%s'", t.num, r.text);
		next(p);
		*proc = (int)t.num;
		*idx = ri;
	} else if (t.k == T_IDENT) {
		int l = loc_find(p->t, t.text);
		if (l < 0)
			perr(p, t.line, t.col, "unknown shared variable '%s'", t.text);
		next(p);
		*proc = -1;
		*idx = l;
	} else {
		perr(p, t.line, t.col, "expected a register (0:r0) or a variable, found '%s'",
		     desc(&t));
	}
	obs_add(p->t, *proc, *idx);
}

static struct lit_cond *cond_or(struct parser *p);

static struct lit_cond *cond_unary(struct parser *p)
{
	struct lit_cond *c = node(p, sizeof(*c));
	if (is_p(p, "~") || is_p(p, "!") || is_id(p, "not")) {
		next(p);
		c->k = C_NOT;
		c->a = cond_unary(p);
		return c;
	}
	if (is_p(p, "(")) {
		next(p);
		struct lit_cond *in = cond_or(p);
		expect(p, ")");
		return in;
	}
	if (is_id(p, "true") || is_id(p, "false")) {
		c->k = is_id(p, "true") ? C_TRUE : C_FALSE;
		next(p);
		return c;
	}
	c->k = C_ATOM;
	cond_target(p, &c->proc, &c->idx);
	if (is_p(p, "!=")) {
		c->ne = true;
		next(p);
	} else {
		expect(p, "=");
	}
	c->val = init_value(p);
	return c;
}

static struct lit_cond *cond_and(struct parser *p)
{
	struct lit_cond *l = cond_unary(p);
	while (is_p(p, "/\\") || is_p(p, "&&")) {
		next(p);
		struct lit_cond *c = node(p, sizeof(*c));
		c->k = C_AND;
		c->a = l;
		c->b = cond_unary(p);
		l = c;
	}
	return l;
}

static struct lit_cond *cond_or(struct parser *p)
{
	struct lit_cond *l = cond_and(p);
	while (is_p(p, "\\/") || is_p(p, "||")) {
		next(p);
		struct lit_cond *c = node(p, sizeof(*c));
		c->k = C_OR;
		c->a = l;
		c->b = cond_and(p);
		l = c;
	}
	return l;
}

static int cmp_obs(const void *a, const void *b, void *arg)
{
	const struct lit_obs *x = a, *y = b;
	const struct pcsim_litmus *t = arg;
	if ((x->proc < 0) != (y->proc < 0))
		return x->proc < 0 ? 1 : -1;
	if (x->proc != y->proc)
		return x->proc - y->proc;
	const char *nx = x->proc < 0 ? t->locs[x->idx].name : t->procs[x->proc].regs[x->idx];
	const char *ny = y->proc < 0 ? t->locs[y->idx].name : t->procs[y->proc].regs[y->idx];
	return strcmp(nx, ny);
}

static void tail(struct parser *p)
{
	struct pcsim_litmus *t = p->t;
	if (is_id(p, "locations")) {
		next(p);
		expect(p, "[");
		while (!is_p(p, "]")) {
			int proc, idx;
			cond_target(p, &proc, &idx);
			if (!is_p(p, "]"))
				expect(p, ";");
		}
		next(p);
	}
	if (is_id(p, "filter")) {
		next(p);
		t->filter = cond_or(p);
	}
	if (is_id(p, "exists")) {
		t->quant = Q_EXISTS;
	} else if (is_p(p, "~") && peek(p)->k == T_IDENT && strcmp(peek(p)->text, "exists") == 0) {
		next(p);
		t->quant = Q_NOT_EXISTS;
	} else if (is_id(p, "forall")) {
		t->quant = Q_FORALL;
	} else {
		perr(p, cur(p)->line, cur(p)->col,
		     "expected the final clause (exists, ~exists or forall), found '%s'",
		     desc(cur(p)));
	}
	next(p);
	t->cond = cond_or(p);
	if (is_p(p, ";"))
		next(p);
	if (cur(p)->k != T_EOF)
		perr(p, cur(p)->line, cur(p)->col, "unexpected '%s' after the final clause",
		     desc(cur(p)));
	qsort_r(t->obs, t->nobs, sizeof(t->obs[0]), cmp_obs, t);
}

static void test(struct parser *p)
{
	skip_space(p);
	struct tok t;
	lex(p, &t);
	if (t.k != T_IDENT || strcmp(t.text, "C") != 0)
		perr(p, t.line, t.col, "expected 'C' (a C litmus test) at the start, found '%s'",
		     desc(&t));
	/* The name runs to the next white space: SB+fencembonceonces, 2+2W, Z6.0+pooncelock */
	while (ch(p, 0) == ' ' || ch(p, 0) == '\t')
		adv(p);
	size_t start = p->pos;
	int nl = p->line, nc = p->col;
	while (ch(p, 0) && !isspace(ch(p, 0)))
		adv(p);
	if (p->pos == start)
		perr(p, nl, nc, "the test has no name");
	char name[256];
	snprintf(name, sizeof(name), "%.*s", (int)(p->pos - start), p->s + start);
	p->t->name = pstrdup(p, name);
	next(p);
	if (cur(p)->k == T_STR)
		next(p);
	if (!is_p(p, "{"))
		perr(p, cur(p)->line, cur(p)->col, "expected the initial state '{', found '%s'",
		     desc(cur(p)));
	init_block(p);
	while (cur(p)->k == T_IDENT && cur(p)->text[0] == 'P' && isdigit(cur(p)->text[1]))
		process(p);
	if (!p->t->nprocs)
		perr(p, cur(p)->line, cur(p)->col, "expected a process P0, found '%s'",
		     desc(cur(p)));
	for (unsigned i = 0; i < p->nrinit; i++) {
		if (p->rinit[i].proc < 0 || p->rinit[i].proc >= (int)p->t->nprocs)
			perr(p, p->rinit[i].line, p->rinit[i].col, "there is no process %d",
			     p->rinit[i].proc);
		struct lit_proc *pr = &p->t->procs[p->rinit[i].proc];
		int r = reg_add(p, pr, p->rinit[i].name, p->rinit[i].line, p->rinit[i].col);
		pr->reg_init[r] = p->rinit[i].v;
	}
	tail(p);
}

int pcsim_litmus_parse(const char *text, const char *file, struct pcsim_litmus **out, char *err,
		       size_t errlen)
{
	static char dummy[1];
	if (!err || !errlen) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	if (!file)
		file = "<litmus>";
	if (!out || !text) {
		snprintf(err, errlen, "%s: no text", file);
		return -EINVAL;
	}
	*out = NULL;
	struct pcsim_litmus *t = calloc(1, sizeof(*t));
	struct parser *p = calloc(1, sizeof(*p));
	if (!t || !p) {
		free(t);
		free(p);
		snprintf(err, errlen, "%s: out of memory", file);
		return -ENOMEM;
	}
	t->file = malloc(strlen(file) + 1);
	if (!t->file) {
		free(t);
		free(p);
		snprintf(err, errlen, "%s: out of memory", file);
		return -ENOMEM;
	}
	strcpy(t->file, file);
	p->s = text;
	p->line = p->col = 1;
	p->t = t;
	p->err = err;
	p->errlen = errlen;
	p->proc = -1;
	if (setjmp(p->fail)) {
		int rc = p->fail_code;
		free(p);
		pcsim_litmus_free(t);
		return rc;
	}
	test(p);
	free(p);
	*out = t;
	return 0;
}

void pcsim_litmus_free(struct pcsim_litmus *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nnodes; i++)
		free(t->nodes[i]);
	free(t->nodes);
	free(t->file);
	free(t);
}

const char *pcsim_litmus_name(const struct pcsim_litmus *t)
{
	return t ? t->name : NULL;
}

unsigned pcsim_litmus_nprocs(const struct pcsim_litmus *t)
{
	return t ? t->nprocs : 0;
}

enum pcsim_litmus_verdict pcsim_litmus_expected(const struct pcsim_litmus *t)
{
	return t ? t->expected : PCSIM_LITMUS_UNKNOWN;
}
