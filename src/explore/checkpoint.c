// SPDX-License-Identifier: MIT
/*
 * checkpoint.c - the text of a search's checkpoint (docs/campaigns.md, "Checkpoints"): a
 * growing buffer that the explorer and the strategies write lines into, and a reader that
 * takes them back field by field and places every error at "checkpoint:LINE:COL:".
 *
 * The format is line-based: a line is a key, then fields separated by one space. Numbers
 * are decimal, hashes hexadecimal, doubles C99 hexadecimal floats (exact both ways), and a
 * block of raw bytes is a line "key N" followed by N bytes and a newline. The explorer's
 * part is in explore.c, each strategy's in its own file (ops.save and ops.load).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explore_int.h"

/* Room for @need more bytes (and a NUL): false, with @b->oom set, when there is no memory. */
static bool reserve(struct pcsim__ckpt_out *b, size_t need)
{
	if (b->oom)
		return false;
	if (b->n + need + 1 <= b->cap)
		return true;
	size_t ncap = b->cap * 2 > b->n + need + 1 ? b->cap * 2 : b->n + need + 256;
	char *np = realloc(b->p, ncap);
	if (!np) {
		b->oom = true;
		return false;
	}
	b->p = np;
	b->cap = ncap;
	return true;
}

void pcsim__ckpt_printf(struct pcsim__ckpt_out *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (k < 0) {
		b->oom = true;
		return;
	}
	if (!reserve(b, (size_t)k))
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->n, b->cap - b->n, fmt, ap);
	va_end(ap);
	b->n += (size_t)k;
}

void pcsim__ckpt_bytes(struct pcsim__ckpt_out *b, const char *s, size_t n)
{
	if (!reserve(b, n))
		return;
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

void pcsim__ckpt_in_init(struct pcsim__ckpt_in *in, const char *text, char *err, size_t errlen)
{
	memset(in, 0, sizeof(*in));
	in->next = text;
	in->err = err;
	in->errlen = errlen;
	if (errlen)
		err[0] = '\0';
}

bool pcsim__ckpt_fail(struct pcsim__ckpt_in *in, const char *fmt, ...)
{
	if (in->failed)
		return false;
	in->failed = true;
	unsigned col = in->line ? (unsigned)(in->cur - in->line) + 1 : 1;
	int k = snprintf(in->err, in->errlen, "checkpoint:%u:%u: ", in->lineno ? in->lineno : 1,
			 col);
	if (k >= 0 && (size_t)k < in->errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(in->err + k, in->errlen - (size_t)k, fmt, ap);
		va_end(ap);
	}
	return false;
}

bool pcsim__ckpt_line(struct pcsim__ckpt_in *in, const char *key)
{
	if (in->failed)
		return false;
	if (!in->next || !*in->next) {
		if (in->line)
			in->cur = in->eol;
		return pcsim__ckpt_fail(in,
					"the checkpoint ends where a '%s' line was expected "
					"(a file cut short?)",
					key);
	}
	in->line = in->cur = in->next;
	in->lineno++;
	const char *nl = strchr(in->line, '\n');
	in->eol = nl ? nl : in->line + strlen(in->line);
	in->next = nl ? nl + 1 : in->eol;
	const char *cr = memchr(in->line, '\r', (size_t)(in->eol - in->line));
	if (cr) {
		in->cur = cr;
		return pcsim__ckpt_fail(in, "a carriage return: a checkpoint has LF line endings "
					    "(was it converted to CRLF?)");
	}
	size_t k = strlen(key);
	if ((size_t)(in->eol - in->line) < k || memcmp(in->line, key, k) != 0 ||
	    (in->line + k < in->eol && in->line[k] != ' '))
		return pcsim__ckpt_fail(in, "expected a '%s' line", key);
	in->cur = in->line + k;
	return true;
}

/* The next field: one space, then characters up to a space or the end of the line. */
static bool field(struct pcsim__ckpt_in *in, const char **s, size_t *n, const char *what)
{
	if (in->failed)
		return false;
	if (in->cur >= in->eol || *in->cur != ' ' || in->cur + 1 >= in->eol || in->cur[1] == ' ')
		return pcsim__ckpt_fail(in, "expected %s", what);
	in->cur++;
	*s = in->cur;
	while (in->cur < in->eol && *in->cur != ' ')
		in->cur++;
	*n = (size_t)(in->cur - *s);
	return true;
}

static bool number(struct pcsim__ckpt_in *in, uint64_t *v, int base, const char *what)
{
	const char *s;
	size_t n;
	const char *at = in->cur;
	if (!field(in, &s, &n, what))
		return false;
	uint64_t x = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned d = s[i] >= '0' && s[i] <= '9' ? (unsigned)(s[i] - '0')
			     : base == 16 && s[i] >= 'a' && s[i] <= 'f'
				     ? (unsigned)(s[i] - 'a' + 10)
				     : 99u;
		if (d >= (unsigned)base || x > (UINT64_MAX - d) / (unsigned)base) {
			in->cur = at + 1;
			return pcsim__ckpt_fail(in, "expected %s, found '%.*s'", what, (int)n, s);
		}
		x = x * (unsigned)base + d;
	}
	*v = x;
	return true;
}

bool pcsim__ckpt_u64(struct pcsim__ckpt_in *in, uint64_t *v)
{
	return number(in, v, 10, "a number");
}

bool pcsim__ckpt_x64(struct pcsim__ckpt_in *in, uint64_t *v)
{
	return number(in, v, 16, "a hexadecimal number");
}

bool pcsim__ckpt_uint(struct pcsim__ckpt_in *in, uint64_t max, uint64_t *v)
{
	const char *at = in->cur;
	if (!pcsim__ckpt_u64(in, v))
		return false;
	if (*v > max) {
		in->cur = at + 1;
		return pcsim__ckpt_fail(in, "%" PRIu64 " is out of range (at most %" PRIu64 ")", *v,
					max);
	}
	return true;
}

bool pcsim__ckpt_f64(struct pcsim__ckpt_in *in, double *v)
{
	const char *s;
	size_t n;
	const char *at = in->cur;
	if (!field(in, &s, &n, "a number"))
		return false;
	char buf[64];
	if (n >= sizeof(buf))
		n = sizeof(buf) - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	char *end = NULL;
	*v = strtod(buf, &end);
	if (!n || end != buf + n) {
		in->cur = at + 1;
		return pcsim__ckpt_fail(in, "expected a number, found '%s'", buf);
	}
	return true;
}

bool pcsim__ckpt_rest(struct pcsim__ckpt_in *in, const char **s, size_t *n)
{
	if (in->failed)
		return false;
	if (in->cur >= in->eol || *in->cur != ' ')
		return pcsim__ckpt_fail(in, "expected a space and a value");
	*s = in->cur + 1;
	*n = (size_t)(in->eol - *s);
	in->cur = in->eol;
	return true;
}

bool pcsim__ckpt_eol(struct pcsim__ckpt_in *in)
{
	if (in->failed)
		return false;
	if (in->cur != in->eol)
		return pcsim__ckpt_fail(in, "unexpected '%.*s' at the end of the line",
					(int)(in->eol - in->cur), in->cur);
	return true;
}

bool pcsim__ckpt_raw(struct pcsim__ckpt_in *in, size_t n, const char **s)
{
	if (in->failed)
		return false;
	size_t left = strnlen(in->next, n + 1);
	if (left < n + 1 || in->next[n] != '\n') {
		in->cur = in->eol;
		return pcsim__ckpt_fail(in, "expected %zu bytes and a newline after this line", n);
	}
	*s = in->next;
	/* count the block's lines, so that errors after it still name the right line */
	for (size_t i = 0; i < n; i++)
		in->lineno += in->next[i] == '\n';
	in->lineno++;
	in->line = in->cur = in->eol = in->next + n;
	in->next += n + 1;
	return true;
}
