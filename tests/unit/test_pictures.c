// SPDX-License-Identifier: MIT
/*
 * Description: the pictures of an execution (src/trace/picture.c, chrome.c, svg.c; the API in
 * include/pcsim/trace.h). Two fixed schedules (tests/golden/pictures/NAME.schedule: the lost
 * wakeup of micro-lost-wakeup, and uring-rasync with two armed reads retried from task_work)
 * are replayed and drawn; the Chrome trace JSON and the SVG must be byte-identical to the
 * golden files beside them, every JSON output must parse (a strict RFC 8259 checker below),
 * the flows must be the ones the events carry, and bad input gets an error, never a crash.
 * tests/golden/check_pictures.py checks the structure further (B/E, flows, XML) with python3.
 * Regenerate the goldens only for an intended change of the pictures:
 *   PCSIM_UPDATE_GOLDEN=1 build/asan/bin/test_pictures
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcsim/kernel/compiler.h>
#include <pcsim/kernel/sched.h>
#include <pcsim_support/programs.h>

#include "pcsim_test.h"

#ifndef PCSIM_SOURCE_DIR
#define PCSIM_SOURCE_DIR "."
#endif
#define GOLDEN PCSIM_SOURCE_DIR "/tests/golden/pictures/"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, n = 0;
	char *b = malloc(cap);
	size_t k;
	while (b && (k = fread(b + n, 1, cap - n - 1, f)) > 0) {
		n += k;
		if (n + 1 == cap) {
			char *nb = realloc(b, cap *= 2);
			if (!nb)
				free(b);
			b = nb;
		}
	}
	fclose(f);
	if (b)
		b[n] = 0;
	return b;
}

/* Replay @sched of @prog and draw it in @fmt; returns the malloc'd text (or NULL, rc in *rc). */
static char *draw(const char *prog, const char *sched, enum pcsim_trace_format fmt,
		  const struct pcsim_trace_svg_opts *o, uint64_t *hash, int *rc)
{
	const struct pcsim_builtin *b = pcsim_builtin_find(prog);
	char *text = NULL, err[512];
	size_t len = 0;
	assert_non_null(b);
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	*rc = pcsim_trace_replay_write(&b->prog, sched, fmt, o, f, hash, err, sizeof(err));
	fclose(f);
	if (*rc < 0)
		fprintf(stderr, "pcsim_trace_replay_write: %d %s\n", *rc, err);
	return text;
}

/* ---------------------------------------------------------------------------------------------
 * A strict JSON checker (RFC 8259): 0 if @s is one valid JSON value, else the offset + 1.
 */
struct jp {
	const char *s;
	size_t i;
	int depth;
};

static void jws(struct jp *p)
{
	while (p->s[p->i] == ' ' || p->s[p->i] == '\n' || p->s[p->i] == '\r' || p->s[p->i] == '\t')
		p->i++;
}

static bool jvalue(struct jp *p);

static bool jstring(struct jp *p)
{
	if (p->s[p->i] != '"')
		return false;
	p->i++;
	for (;;) {
		unsigned char c = (unsigned char)p->s[p->i];
		if (c == '"') {
			p->i++;
			return true;
		}
		if (c < 0x20 || c >= 0x80) /* the writers emit ASCII only */
			return false;
		if (c == '\\') {
			char e = p->s[++p->i];
			if (e == 'u') {
				for (int k = 1; k <= 4; k++)
					if (!p->s[p->i + k] ||
					    !strchr("0123456789abcdefABCDEF", p->s[p->i + k]))
						return false;
				p->i += 4;
			} else if (!e || !strchr("\"\\/bfnrt", e)) {
				return false;
			}
		}
		p->i++;
	}
}

static bool jnumber(struct jp *p)
{
	size_t start = p->i;
	if (p->s[p->i] == '-')
		p->i++;
	if (p->s[p->i] == '0')
		p->i++;
	else if (p->s[p->i] >= '1' && p->s[p->i] <= '9')
		while (p->s[p->i] >= '0' && p->s[p->i] <= '9')
			p->i++;
	else
		return false;
	if (p->s[p->i] == '.') {
		p->i++;
		if (!(p->s[p->i] >= '0' && p->s[p->i] <= '9'))
			return false;
		while (p->s[p->i] >= '0' && p->s[p->i] <= '9')
			p->i++;
	}
	return p->i > start;
}

static bool jvalue(struct jp *p)
{
	if (++p->depth > 64)
		return false;
	jws(p);
	bool ok = false;
	char c = p->s[p->i];
	if (c == '{' || c == '[') {
		char close = c == '{' ? '}' : ']';
		p->i++;
		jws(p);
		if (p->s[p->i] == close) {
			p->i++;
			ok = true;
		} else {
			for (;;) {
				jws(p);
				if (c == '{') {
					if (!jstring(p))
						break;
					jws(p);
					if (p->s[p->i++] != ':')
						break;
				}
				if (!jvalue(p))
					break;
				jws(p);
				if (p->s[p->i] == ',') {
					p->i++;
					continue;
				}
				ok = p->s[p->i] == close;
				p->i++;
				break;
			}
		}
	} else if (c == '"') {
		ok = jstring(p);
	} else if (!strncmp(p->s + p->i, "true", 4) || !strncmp(p->s + p->i, "null", 4)) {
		p->i += 4;
		ok = true;
	} else if (!strncmp(p->s + p->i, "false", 5)) {
		p->i += 5;
		ok = true;
	} else {
		ok = jnumber(p);
	}
	p->depth--;
	return ok;
}

static size_t json_check(const char *s)
{
	struct jp p = {s, 0, 0};
	if (!jvalue(&p))
		return p.i + 1;
	jws(&p);
	return s[p.i] ? p.i + 1 : 0;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* ---------------------------------------------------------------------------------------------
 * Goldens
 */
static void golden(const char *prog, const char *ext, enum pcsim_trace_format fmt)
{
	char spath[512], gpath[512];
	snprintf(spath, sizeof(spath), GOLDEN "%s.schedule", prog);
	snprintf(gpath, sizeof(gpath), GOLDEN "%s.%s", prog, ext);
	char *sched = slurp(spath);
	assert_non_null(sched);
	int rc;
	char *got = draw(prog, sched, fmt, NULL, NULL, &rc);
	assert_int_equal(rc, 0);
	assert_non_null(got);
	if (getenv("PCSIM_UPDATE_GOLDEN")) {
		FILE *f = fopen(gpath, "w");
		assert_non_null(f);
		fputs(got, f);
		assert_int_equal(fclose(f), 0);
		fprintf(stderr, "wrote %s\n", gpath);
	}
	char *want = slurp(gpath);
	if (!want || strcmp(got, want) != 0) {
		char apath[512];
		snprintf(apath, sizeof(apath), "%s.%s.actual", prog, ext);
		FILE *f = fopen(apath, "w");
		if (f) {
			fputs(got, f);
			fclose(f);
		}
		size_t i = 0, line = 1;
		while (want && got[i] && got[i] == want[i])
			line += got[i++] == '\n';
		fprintf(stderr,
			"%s differs from the golden file %s (first at line %zu); this build's is "
			"in "
			"%s (diff them; regenerate with PCSIM_UPDATE_GOLDEN=1 only for an intended "
			"change)\n",
			prog, gpath, line, apath);
	}
	assert_non_null(want);
	assert_string_equal(got, want);
	free(want);
	free(got);
	free(sched);
}

static void test_golden_micro_json(void **state)
{
	(void)state;
	golden("micro-lost-wakeup", "json", PCSIM_TRACE_CHROME_JSON);
}

static void test_golden_micro_svg(void **state)
{
	(void)state;
	golden("micro-lost-wakeup", "svg", PCSIM_TRACE_SVG);
}

static void test_golden_rasync_json(void **state)
{
	(void)state;
	golden("uring-rasync", "json", PCSIM_TRACE_CHROME_JSON);
}

static void test_golden_rasync_svg(void **state)
{
	(void)state;
	golden("uring-rasync", "svg", PCSIM_TRACE_SVG);
}

/* ---------------------------------------------------------------------------------------------
 * What the pictures say
 */

/* The lost wakeup: T1 sleeps and is never woken; T2's try_to_wake_up() found it running. */
static void test_lost_wakeup_picture(void **state)
{
	(void)state;
	char *sched = slurp(GOLDEN "micro-lost-wakeup.schedule");
	assert_non_null(sched);
	int rc;
	char *j = draw("micro-lost-wakeup", sched, PCSIM_TRACE_CHROME_JSON, NULL, NULL, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(json_check(j), 0);
	assert_non_null(strstr(j, "\"name\":\"asleep, never woken (TASK_UNINTERRUPTIBLE)\""));
	assert_non_null(strstr(j, "\"ph\":\"s\",\"name\":\"try_to_wake_up(T1 waiter) = 0: woke "
				  "nothing\",\"cat\":\"flow\",\"pid\":1,\"tid\":2"));
	assert_non_null(strstr(j, "\"ph\":\"f\",\"name\":\"try_to_wake_up(T1 waiter) = 0: woke "
				  "nothing\",\"cat\":\"flow\",\"pid\":1,\"tid\":1"));
	assert_int_equal(count(j, "\"ph\":\"B\""), count(j, "\"ph\":\"E\""));
	assert_non_null(strstr(j, "\"args\":{\"name\":\"micro-lost-wakeup: deadlock at step 7\"}"));
	char *s = draw("micro-lost-wakeup", sched, PCSIM_TRACE_SVG, NULL, NULL, &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(s, "is never woken"));
	assert_non_null(strstr(s, "VIOLATION deadlock"));
	assert_null(strstr(s, "<script"));
	free(s);
	free(j);
	free(sched);
}

/* Each armed read: unlock -> wake walk -> io_async_buf_func -> task_work_add -> retry -> CQE,
 * the nodes in that order, on the interrupt's lane then the submitter's. */
static void test_ring_retry_flows(void **state)
{
	(void)state;
	char *sched = slurp(GOLDEN "uring-rasync.schedule");
	assert_non_null(sched);
	int rc;
	char *j = draw("uring-rasync", sched, PCSIM_TRACE_CHROME_JSON, NULL, NULL, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(json_check(j), 0);
	assert_int_equal(count(j, "\"ph\":\"s\""), count(j, "\"ph\":\"f\""));
	assert_int_equal(count(j, "\"ph\":\"B\""), count(j, "\"ph\":\"E\""));
	static const char *const req[] = {"1", "3"};
	for (unsigned r = 0; r < 2; r++) {
		char name[128];
		snprintf(name, sizeof(name), "\"name\":\"ring retry of request %s\"", req[r]);
		/* one s, four t (walk, callback, task_work_add, retry), one f (CQE) */
		size_t n = count(j, name);
		assert_int_equal(n, 6);
		const char *p = strstr(j, name);
		assert_non_null(p);
		assert_non_null(strstr(p - 12, "\"ph\":\"s\""));
		assert_true(strstr(p - 12, "\"ph\":\"s\"") < p);
	}
	/* the nodes are the events the flow names, as short slices */
	assert_non_null(strstr(j, "{\"ph\":\"X\",\"name\":\"io_async_buf_func: queue the retry "
				  "(request 1, 0)\",\"cat\":\"uring\""));
	assert_non_null(strstr(j, "{\"ph\":\"X\",\"name\":\"retry from task_work (request 3, 0)\","
				  "\"cat\":\"uring\",\"pid\":1,\"tid\":1"));
	assert_non_null(strstr(j, "{\"ph\":\"X\",\"name\":\"CQE (request 3, 4096)\","
				  "\"cat\":\"uring\",\"pid\":1,\"tid\":1"));
	assert_non_null(strstr(j, "{\"ph\":\"X\",\"name\":\"atomic and page 0.flags: "));
	assert_non_null(strstr(j, "\"name\":\"hardirq cpu0\""));
	free(j);
	free(sched);
}

/* The replay drawn is the execution reported: same trace hash as a traced replay. */
static void test_replay_hash_matches_report(void **state)
{
	(void)state;
	char *sched = slurp(GOLDEN "uring-rasync.schedule");
	assert_non_null(sched);
	const struct pcsim_builtin *b = pcsim_builtin_find("uring-rasync");
	struct pcsim_config cfg;
	char pname[64], err[256];
	pcsim_config_init(&cfg);
	assert_int_equal(pcsim_schedule_info(sched, pname, sizeof(pname), &cfg, err, sizeof(err)),
			 0);
	struct pcsim_explore_opts o;
	struct pcsim_report r;
	pcsim_explore_opts_init(&o);
	o.strategy = PCSIM_STRATEGY_REPLAY;
	o.schedule = sched;
	o.keep_trace = true;
	assert_int_equal(pcsim_explore(&b->prog, &cfg, &o, &r), 0);
	uint64_t h1 = 0, h2 = 0;
	int rc;
	char *a = draw("uring-rasync", sched, PCSIM_TRACE_SVG, NULL, &h1, &rc);
	assert_int_equal(rc, 0);
	char *c = draw("uring-rasync", sched, PCSIM_TRACE_SVG, NULL, &h2, &rc);
	assert_int_equal(rc, 0);
	assert_true(r.trace_hash != 0);
	assert_true(h1 == r.trace_hash);
	assert_true(h2 == h1);
	assert_string_equal(a, c); /* deterministic within a process too */
	/* and the text format is the report's narrative */
	char *t = draw("uring-rasync", sched, PCSIM_TRACE_TEXT, NULL, NULL, &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(t, r.trace);
	pcsim_report_free(&r);
	free(t);
	free(c);
	free(a);
	free(sched);
}

/* A long trace is cut to a window of steps, and the picture says which. */
static void test_svg_window(void **state)
{
	(void)state;
	char *sched = slurp(GOLDEN "uring-rasync.schedule");
	assert_non_null(sched);
	int rc;
	struct pcsim_trace_svg_opts o = {.max_steps = 50};
	char *full = draw("uring-rasync", sched, PCSIM_TRACE_SVG, NULL, NULL, &rc);
	assert_int_equal(rc, 0);
	char *last = draw("uring-rasync", sched, PCSIM_TRACE_SVG, &o, NULL, &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(last, "steps 445-494 of 0-494 drawn (at most 50 steps"));
	assert_true(strlen(last) < strlen(full) / 2);
	o.first_step = 250;
	char *mid = draw("uring-rasync", sched, PCSIM_TRACE_SVG, &o, NULL, &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(mid, "steps 250-299 of 0-494 drawn"));
	assert_non_null(strstr(mid, "queue the retry"));
	assert_null(strstr(last, "queue the retry"));
	assert_non_null(strstr(full, "(the whole trace: "));
	free(mid);
	free(last);
	free(full);
	free(sched);
}

/* ---------------------------------------------------------------------------------------------
 * From a program's finish(), names that need escaping, and errors
 */
struct odd {
	pcsim_int flag;
	struct task_struct *sleeper;
	int rc_json, rc_svg, rc_off;
	char *json, *svg;
};

static void odd_sleeper(void *arg)
{
	struct odd *o = arg;
	for (;;) {
		set_current_state(TASK_UNINTERRUPTIBLE);
		if (READ_ONCE(o->flag))
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);
}

static void odd_waker(void *arg)
{
	struct odd *o = arg;
	WRITE_ONCE(o->flag, 1);
	wake_up_process(o->sleeper);
}

static struct odd odd_state;

static void odd_setup(struct pcsim_world *w, void *arg)
{
	struct odd *o = pcsim_alloc(w, sizeof(*o));
	(void)arg;
	pcsim_obj_name(&o->flag, "fl\"ag\\<&>");
	o->sleeper =
		pcsim_task_create(w, "a \"quoted\"\\ <name> & \x01\xc3\xa9", odd_sleeper, o, 0);
	pcsim_task_create(w, "waker", odd_waker, o, 1);
}

static void odd_finish(struct pcsim_world *w, void *arg)
{
	size_t len;
	(void)arg;
	FILE *f = open_memstream(&odd_state.json, &len);
	odd_state.rc_json = pcsim_trace_write_chrome_json(w, f);
	fclose(f);
	f = open_memstream(&odd_state.svg, &len);
	odd_state.rc_svg = pcsim_trace_write_svg(w, NULL, f);
	fclose(f);
	odd_state.rc_off = pcsim_trace_write(w, (enum pcsim_trace_format)7, NULL, stderr);
}

static void test_from_finish_and_escapes(void **state)
{
	(void)state;
	struct pcsim_program prog = {"odd-names", odd_setup, odd_finish, NULL};
	struct pcsim_config cfg = pt_config(PCSIM_MEM_SC);
	struct pcsim_explore_opts o;
	struct pcsim_report r;
	memset(&odd_state, 0, sizeof(odd_state));
	pcsim_explore_opts_init(&o);
	o.strategy = PCSIM_STRATEGY_RANDOM;
	o.max_executions = 1;
	assert_int_equal(pcsim_explore(&prog, &cfg, &o, &r), 0);
	pcsim_report_free(&r);
	assert_int_equal(odd_state.rc_json, 0);
	assert_int_equal(odd_state.rc_svg, 0);
	assert_int_equal(odd_state.rc_off, -EINVAL);
	assert_int_equal(json_check(odd_state.json), 0);
	assert_non_null(
		strstr(odd_state.json, "T1 a \\\"quoted\\\"\\\\ <name> & \\u0001\\u00c3\\u00a9"));
	assert_non_null(strstr(odd_state.svg, "T1 a &quot;quoted&quot;\\ &lt;name&gt; &amp; "
					      "?&#xc3;&#xa9;"));
	assert_null(strstr(odd_state.svg, "<name>"));
	assert_non_null(strstr(odd_state.svg, "fl&quot;ag\\&lt;&amp;&gt;"));
	free(odd_state.json);
	free(odd_state.svg);

	/* timed mode: the virtual clock gives the timestamps, the structure is the same */
	cfg.timed = true;
	memset(&odd_state, 0, sizeof(odd_state));
	assert_int_equal(pcsim_explore(&prog, &cfg, &o, &r), 0);
	pcsim_report_free(&r);
	assert_int_equal(odd_state.rc_json, 0);
	assert_int_equal(json_check(odd_state.json), 0);
	assert_non_null(strstr(odd_state.json, "\"clock\":\"virtual time (timed mode)\""));
	assert_int_equal(count(odd_state.json, "\"ph\":\"B\""),
			 count(odd_state.json, "\"ph\":\"E\""));
	assert_int_equal(count(odd_state.json, "\"ph\":\"s\""),
			 count(odd_state.json, "\"ph\":\"f\""));
	free(odd_state.json);
	free(odd_state.svg);
	cfg.timed = false;

	/* tracing off: nothing to draw */
	cfg.trace = false;
	memset(&odd_state, 0, sizeof(odd_state));
	assert_int_equal(pcsim_explore(&prog, &cfg, &o, &r), 0);
	pcsim_report_free(&r);
	assert_int_equal(odd_state.rc_json, -ENODATA);
	assert_int_equal(odd_state.rc_svg, -ENODATA);
	free(odd_state.json);
	free(odd_state.svg);
}

static void test_errors(void **state)
{
	(void)state;
	const struct pcsim_builtin *b = pcsim_builtin_find("micro-lost-wakeup");
	const struct pcsim_builtin *u = pcsim_builtin_find("uring-rasync");
	char err[256];
	char *sched = slurp(GOLDEN "micro-lost-wakeup.schedule");
	assert_non_null(sched);
	assert_int_equal(pcsim_trace_write(NULL, PCSIM_TRACE_SVG, NULL, stdout), -EINVAL);
	assert_int_equal(pcsim_trace_write_chrome_json(NULL, stdout), -EINVAL);
	assert_int_equal(pcsim_trace_replay_write(NULL, sched, PCSIM_TRACE_SVG, NULL, stdout, NULL,
						  err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(pcsim_trace_replay_write(&b->prog, NULL, PCSIM_TRACE_SVG, NULL, stdout,
						  NULL, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(pcsim_trace_replay_write(&b->prog, sched, (enum pcsim_trace_format)9, NULL,
						  stdout, NULL, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "format"));
	assert_int_equal(pcsim_trace_replay_write(&u->prog, sched, PCSIM_TRACE_SVG, NULL, stdout,
						  NULL, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "micro-lost-wakeup, not uring-rasync"));
	assert_int_equal(pcsim_trace_replay_write(&b->prog, "pcsim-schedule 1\nprogram x\nbogus\n",
						  PCSIM_TRACE_SVG, NULL, stdout, NULL, err,
						  sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "schedule:"));
	free(sched);
}

static void test_format_from_path(void **state)
{
	(void)state;
	assert_int_equal(pcsim_trace_format_from_path("a.json"), PCSIM_TRACE_CHROME_JSON);
	assert_int_equal(pcsim_trace_format_from_path("dir/A.JSON"), PCSIM_TRACE_CHROME_JSON);
	assert_int_equal(pcsim_trace_format_from_path("x.svg"), PCSIM_TRACE_SVG);
	assert_int_equal(pcsim_trace_format_from_path("x.Svg"), PCSIM_TRACE_SVG);
	assert_int_equal(pcsim_trace_format_from_path("x.txt"), PCSIM_TRACE_TEXT);
	assert_int_equal(pcsim_trace_format_from_path("trace"), PCSIM_TRACE_TEXT);
	assert_int_equal(pcsim_trace_format_from_path("d.svg/trace"), PCSIM_TRACE_TEXT);
	assert_int_equal(pcsim_trace_format_from_path("x.json.txt"), PCSIM_TRACE_TEXT);
	assert_int_equal(pcsim_trace_format_from_path(NULL), PCSIM_TRACE_TEXT);
	/* the checker itself rejects what it must */
	assert_int_equal(json_check("{\"a\":[1,2.5,-3,true,null,\"x\\u0041\"]}"), 0);
	assert_true(json_check("{\"a\":1,}") != 0);
	assert_true(json_check("{\"a\":\"\x01\"}") != 0);
	assert_true(json_check("[1] x") != 0);
	assert_true(json_check("{\"a\":01}") != 0);
}

int main(int argc, char **argv)
{
	pt_init(argc, argv);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_from_path),
		cmocka_unit_test(test_golden_micro_json),
		cmocka_unit_test(test_golden_micro_svg),
		cmocka_unit_test(test_golden_rasync_json),
		cmocka_unit_test(test_golden_rasync_svg),
		cmocka_unit_test(test_lost_wakeup_picture),
		cmocka_unit_test(test_ring_retry_flows),
		cmocka_unit_test(test_replay_hash_matches_report),
		cmocka_unit_test(test_svg_window),
		cmocka_unit_test(test_from_finish_and_escapes),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests_name("pictures", tests, NULL, NULL);
}
