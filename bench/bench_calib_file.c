// SPDX-License-Identifier: MIT
/*
 * bench_calib_file.c - the calibration file of `pcsim bench calibrate` / `pcsim bench seed
 * --calibration FILE` (bench/calib.h): its figures by name, the derived costs, and the text
 * format ("# comment" lines and "name = value" lines) written and read. Plain C and libc only,
 * so the fuzz target fuzz/fuzz_calibration.c links it without the benchmarks. Models nothing.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calib.h"

static const struct {
	const char *name, *what;
	size_t off;
} cb_fields[] = {
#define CB_FIELD(n, w) { #n, w, offsetof(struct pcsim_calib, n) },
	PCSIM_CALIB_FIELDS(CB_FIELD)
#undef CB_FIELD
};
#define CB_NFIELDS (sizeof(cb_fields) / sizeof(cb_fields[0]))

static double *cb_at(struct pcsim_calib *c, size_t i)
{
	return (double *)((char *)c + cb_fields[i].off);
}

int pcsim_calib_field(const struct pcsim_calib *c, size_t i, const char **name, const char **what,
		      double *value)
{
	if (i >= CB_NFIELDS)
		return -ENOENT;
	if (name)
		*name = cb_fields[i].name;
	if (what)
		*what = cb_fields[i].what;
	if (value)
		*value = *cb_at((struct pcsim_calib *)c, i);
	return 0;
}

void pcsim_calib_clear(struct pcsim_calib *c)
{
	for (size_t i = 0; i < CB_NFIELDS; i++)
		*cb_at(c, i) = NAN;
}

static double cb_pos(double v)
{
	return isnan(v) ? v : v < 0 ? 0 : v;
}

void pcsim_calib_derive(struct pcsim_calib *c)
{
	c->ctx_switch_ns = cb_pos(c->futex_cpu_per_switch_ns -
				  c->futex_syscalls_per_switch * c->syscall_ns);
	c->read_path_ns = cb_pos(c->warm_read_ns - c->syscall_ns);
	c->lookup_ns = cb_pos(c->read_path_ns - c->copy4k_ns);
	c->miss_qd1_ns = cb_pos(c->cold_read_ns - c->warm_read_ns -
				c->cold_read_switches * c->ctx_switch_ns);
	c->miss_ns = cb_pos(c->readahead_ns - c->syscall_ns);
	c->iowq_ns = cb_pos(c->nop_async_ns - c->nop_inline_ns -
			    c->nop_async_switches * c->ctx_switch_ns);
	c->contention_ns = cb_pos(c->wq_read_qd32_ns - c->wq_read_qd1_ns -
				  (c->wq_read_qd32_switches - c->wq_read_qd1_switches) *
					  c->ctx_switch_ns);
	c->wq_block_ns = cb_pos(c->par_cold_read_ns - c->warm_read_ns - c->miss_ns -
				c->par_cold_read_switches * c->ctx_switch_ns);
	/* the lone read's time off CPU beyond the device's mean service and the wake-up */
	c->device_idle_ns = cb_pos(c->direct_read_wall_ns - c->direct_read_cpu_ns -
				   c->wake_idle_ns - c->device_mean_ns);
}

char *pcsim_calib_format(const struct pcsim_calib *c, const char *header)
{
	size_t cap = 8192, len = 0;
	char *s = malloc(cap);
	if (!s)
		return NULL;
	len += (size_t)snprintf(s + len, cap - len, "%s", header ? header : "");
	for (size_t i = 0; i < CB_NFIELDS && len < cap; i++) {
		double v = *cb_at((struct pcsim_calib *)c, i);
		if (isnan(v))
			len += (size_t)snprintf(s + len, cap - len, "%-26s = nan  # %s\n",
						cb_fields[i].name, cb_fields[i].what);
		else if (fabs(v) < 1e9)	/* 15 significant digits at most: reads back the same */
			len += (size_t)snprintf(s + len, cap - len, "%-26s = %.6f  # %s\n",
						cb_fields[i].name, v, cb_fields[i].what);
		else	/* exact, and short enough for the reader's 63-character value */
			len += (size_t)snprintf(s + len, cap - len, "%-26s = %.17g  # %s\n",
						cb_fields[i].name, v, cb_fields[i].what);
	}
	if (len >= cap) {
		free(s);
		return NULL;
	}
	return s;
}

/* One line, NUL-terminated, without its newline: a figure into @c, or an error into @err. */
static int cb_parse_line(struct pcsim_calib *c, char *line, const char *name_of_file,
			 unsigned ln, char *err, size_t errlen)
{
	char *h = strchr(line, '#');
	if (h)
		*h = 0;
	char *p = line;
	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p || *p == '\r')
		return 0;
	char name[64], val[64], extra[8];
	if (sscanf(p, "%63[A-Za-z0-9_] = %63s %7s", name, val, extra) != 2) {
		snprintf(err, errlen, "%s:%u: expected 'name = value'", name_of_file, ln);
		return -EINVAL;
	}
	size_t i = 0;
	while (i < CB_NFIELDS && strcmp(cb_fields[i].name, name))
		i++;
	if (i == CB_NFIELDS) {
		snprintf(err, errlen, "%s:%u: unknown figure '%s'", name_of_file, ln, name);
		return -EINVAL;
	}
	char *end;
	errno = 0;
	double v = strtod(val, &end);
	if (*end || (!isnan(v) && (isinf(v) || v < 0))) {
		snprintf(err, errlen, "%s:%u: '%s' is not a number >= 0 (or nan)", name_of_file, ln,
			 val);
		return -EINVAL;
	}
	*cb_at(c, i) = isnan(v) ? (double)NAN : v;	/* "-nan" reads as nan */
	return 0;
}

int pcsim_calib_parse(struct pcsim_calib *c, const char *text, size_t len,
		      const char *name_of_file, char *err, size_t errlen)
{
	pcsim_calib_clear(c);
	if (errlen)
		err[0] = 0;
	char line[512];
	unsigned ln = 0;
	size_t pos = 0;
	int rc = 0;
	while (rc == 0 && pos < len) {
		size_t e = pos;
		while (e < len && text[e] != '\n')
			e++;
		ln++;
		if (e - pos >= sizeof(line)) {
			snprintf(err, errlen, "%s:%u: line longer than %zu characters", name_of_file,
				 ln, sizeof(line) - 1);
			rc = -EINVAL;
			break;
		}
		if (memchr(text + pos, 0, e - pos)) {
			snprintf(err, errlen, "%s:%u: a NUL byte in the line", name_of_file, ln);
			rc = -EINVAL;
			break;
		}
		memcpy(line, text + pos, e - pos);
		line[e - pos] = 0;
		rc = cb_parse_line(c, line, name_of_file, ln, err, errlen);
		pos = e + 1;
	}
	if (rc == 0) {
		/* the seed charges these; the rest is what they came from */
		const double need[] = { c->syscall_ns, c->ctx_switch_ns, c->read_path_ns,
					c->lookup_ns, c->miss_ns, c->miss_qd1_ns };
		for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++)
			if (isnan(need[i])) {
				snprintf(err, errlen,
					 "%s: syscall_ns, ctx_switch_ns, read_path_ns, lookup_ns, "
					 "miss_ns and miss_qd1_ns must all be given", name_of_file);
				rc = -EINVAL;
				break;
			}
	}
	return rc;
}

int pcsim_calib_read(struct pcsim_calib *c, const char *path, char *err, size_t errlen)
{
	pcsim_calib_clear(c);
	FILE *f = fopen(path, "r");
	if (!f) {
		int e = errno;
		snprintf(err, errlen, "%s: %s", path, strerror(e));
		return -e;
	}
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	while (buf) {
		size_t n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (len < cap)
			break;
		if (cap >= ((size_t)1 << 20)) {	/* no calibration file is this large */
			free(buf);
			fclose(f);
			snprintf(err, errlen, "%s: larger than 1 MiB", path);
			return -EINVAL;
		}
		char *nb = realloc(buf, cap * 2);
		if (!nb) {
			free(buf);
			buf = NULL;
			break;
		}
		buf = nb;
		cap *= 2;
	}
	int rerr = ferror(f) ? -EIO : buf ? 0 : -ENOMEM;
	fclose(f);
	if (rerr) {
		free(buf);
		snprintf(err, errlen, "%s: %s", path, strerror(-rerr));
		return rerr;
	}
	int rc = pcsim_calib_parse(c, buf, len, path, err, errlen);
	free(buf);
	return rc;
}

void pcsim_calib_json(const struct pcsim_calib *c, FILE *f)
{
	fputc('{', f);
	for (size_t i = 0; i < CB_NFIELDS; i++) {
		double v = *cb_at((struct pcsim_calib *)c, i);
		fprintf(f, "%s\"%s\":", i ? "," : "", cb_fields[i].name);
		if (isnan(v))
			fprintf(f, "null");
		else
			fprintf(f, "%.6f", v);
	}
	fputc('}', f);
}

