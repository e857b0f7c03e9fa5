// SPDX-License-Identifier: MIT
/*
 * svg.c - an execution's trace as a self-contained SVG timeline (no script, no external font
 * or image): a lane per task and per CPU's hard and soft interrupts, the step index across;
 * bars for a task running, runnable, sleeping in schedule() (red when a deadlock leaves it
 * asleep for ever) and for an
 * atomic context's activation; a marker per event (hover for its text), labels where there is
 * room, the flow arrows of picture.c (ring retry, wakeup, task_work), the violation as a red
 * line, and a legend. A long trace is cut to a window of steps (PCSIM_TRACE_SVG_MAX_STEPS by
 * default) and the picture says so. Integer arithmetic only, so the file is deterministic.
 * No kernel function is modelled here. docs/pictures.md.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sched_int.h"
#include "picture_int.h"

#define LW 210	/* label column */
#define TOP 78	/* first lane */
#define LH 64	/* lane height */
#define BAR_Y 6 /* bar within a lane */
#define BAR_H 18
#define ROWS 3 /* label rows under the bar */
#define ROW_H 11
#define CHAR_W10 55  /* estimated glyph width of the 9 px monospace labels, in tenths */
#define LABEL_MAX 44 /* characters of a label */

/* XML text: markup characters as entities, control bytes as '?', bytes >= 0x80 as the code
 * point of the same value (so any input gives well-formed XML). */
static void xstr(FILE *f, const char *s, size_t max)
{
	size_t n = 0;
	for (const unsigned char *c = (const unsigned char *)(s ? s : ""); *c; c++, n++) {
		if (max && n == max) {
			fputs("...", f);
			return;
		}
		switch (*c) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&apos;", f);
			break;
		default:
			if (*c < 0x20 || *c == 0x7f)
				fputc('?', f);
			else if (*c >= 0x80)
				fprintf(f, "&#x%02x;", *c);
			else
				fputc(*c, f);
		}
	}
}

/* A coordinate in tenths of a pixel. */
static void num(FILE *f, int64_t v10)
{
	if (v10 < 0) {
		fputc('-', f);
		v10 = -v10;
	}
	if (v10 % 10)
		fprintf(f, "%" PRId64 ".%d", v10 / 10, (int)(v10 % 10));
	else
		fprintf(f, "%" PRId64, v10 / 10);
}

struct svg {
	FILE *f;
	const struct pcsim__pic *p;
	uint64_t s0, s1; /* steps drawn, inclusive */
	uint64_t T0, T1; /* the same in ticks, [T0, T1) */
	int64_t pxs;	 /* pixels per step */
	int width, height;
	/* label rows: occupied intervals per lane and row, in tenths of a pixel */
	struct occ {
		int64_t *x;
		size_t n, cap;
	} * occ;
};

static int64_t xt(const struct svg *s, uint64_t t)
{
	if (t < s->T0)
		t = s->T0;
	if (t > s->T1)
		t = s->T1;
	return LW * 10 + (int64_t)((t - s->T0) * (uint64_t)s->pxs * 10u / PIC_STEP_TICKS);
}

static int64_t lane_y10(unsigned lane)
{
	return ((int64_t)TOP + (int64_t)lane * LH) * 10;
}

static bool in_window(const struct svg *s, size_t i)
{
	return s->p->tr[i].step >= s->s0 && s->p->tr[i].step <= s->s1;
}

static int64_t ev_x(const struct svg *s, size_t i)
{
	return xt(s, s->p->ev[i].t + s->p->ev[i].w / 2);
}

static int64_t ev_yc(const struct svg *s, size_t i)
{
	return lane_y10(s->p->ev[i].lane) + (BAR_Y + BAR_H / 2) * 10;
}

/* ---------------------------------------------------------------------------------------------
 * Markers
 */
enum mclass {
	M_MEM,
	M_LOCK,
	M_STATE,
	M_SLEEP,
	M_NOSLEEP,
	M_WAKE,
	M_NOWAKE,
	M_TW,
	M_SIGNAL,
	M_VIOLATION,
	M_LIFE,
	M_IRQ,
	M_OTHER,
	M_WAITQ,
	M_PAGECACHE,
	M_URING
};

static enum mclass classify(const struct pcsim_trace_event *e)
{
	const char *n = e->kind->name;
	if (!strncmp(n, "waitq.", 6))
		return M_WAITQ;
	if (!strncmp(n, "pagecache.", 10))
		return M_PAGECACHE;
	if (!strncmp(n, "uring.", 6))
		return M_URING;
	if (strncmp(n, "engine.", 7))
		return M_OTHER;
	n += 7;
	if (!strcmp(n, "load") || !strcmp(n, "store") || !strcmp(n, "rmw") || !strcmp(n, "fence") ||
	    !strcmp(n, "flush"))
		return M_MEM;
	if (!strcmp(n, "spin_lock") || !strcmp(n, "spin_unlock"))
		return M_LOCK;
	if (!strcmp(n, "state"))
		return M_STATE;
	if (!strcmp(n, "sleep"))
		return e->str ? M_NOSLEEP : M_SLEEP;
	if (!strcmp(n, "wake"))
		return e->a == 1 ? M_WAKE : M_NOWAKE;
	if (!strcmp(n, "task_work_add") || !strcmp(n, "task_work_run"))
		return M_TW;
	if (!strcmp(n, "signal"))
		return M_SIGNAL;
	if (!strcmp(n, "violation"))
		return M_VIOLATION;
	if (!strcmp(n, "start") || !strcmp(n, "exit"))
		return M_LIFE;
	if (!strcmp(n, "irq_enter") || !strcmp(n, "irq_exit"))
		return M_IRQ;
	return M_OTHER;
}

static const char *const mcolor[] = {
	[M_MEM] = "#8a8f96",	   [M_LOCK] = "#8d6e63",    [M_STATE] = "#5d6d7e",
	[M_SLEEP] = "#1f3a93",	   [M_NOSLEEP] = "#1f3a93", [M_WAKE] = "#2471a3",
	[M_NOWAKE] = "#8a8f96",	   [M_TW] = "#1e8449",	    [M_SIGNAL] = "#c2185b",
	[M_VIOLATION] = "#d50000", [M_LIFE] = "#222222",    [M_IRQ] = "#e67e22",
	[M_OTHER] = "#7f8c8d",	   [M_WAITQ] = "#3d6fb6",   [M_PAGECACHE] = "#8e44ad",
	[M_URING] = "#d35400",
};

static void open_title(FILE *f)
{
	fputs("><title>", f);
}

/* The shape of a marker of class @c centred at (x, y) (tenths), opened for a <title>. */
static void shape(FILE *f, enum mclass c, int64_t x, int64_t y, const char **close)
{
	const char *col = mcolor[c];
	switch (c) {
	case M_MEM:
	case M_LOCK:
	case M_IRQ:
		fputs("<line x1=\"", f);
		num(f, x);
		fputs("\" y1=\"", f);
		num(f, y - 50);
		fputs("\" x2=\"", f);
		num(f, x);
		fputs("\" y2=\"", f);
		num(f, y + 50);
		fprintf(f, "\" stroke=\"%s\" stroke-width=\"1\"", col);
		*close = "</line>";
		break;
	case M_LIFE:
		fputs("<rect x=\"", f);
		num(f, x - 10);
		fputs("\" y=\"", f);
		num(f, y - 90);
		fprintf(f, "\" width=\"2\" height=\"18\" fill=\"%s\"", col);
		*close = "</rect>";
		break;
	case M_SLEEP:
	case M_NOSLEEP:
		fputs("<path d=\"M", f);
		num(f, x - 45);
		fputc(',', f);
		num(f, y - 40);
		fputs(" L", f);
		num(f, x + 45);
		fputc(',', f);
		num(f, y - 40);
		fputs(" L", f);
		num(f, x);
		fputc(',', f);
		num(f, y + 40);
		fprintf(f, " Z\" fill=\"%s\" stroke=\"%s\"", c == M_SLEEP ? col : "#ffffff", col);
		*close = "</path>";
		break;
	case M_WAKE:
	case M_NOWAKE:
		fputs("<path d=\"M", f);
		num(f, x - 45);
		fputc(',', f);
		num(f, y + 40);
		fputs(" L", f);
		num(f, x + 45);
		fputc(',', f);
		num(f, y + 40);
		fputs(" L", f);
		num(f, x);
		fputc(',', f);
		num(f, y - 40);
		fprintf(f, " Z\" fill=\"%s\" stroke=\"%s\"", c == M_WAKE ? col : "#ffffff", col);
		*close = "</path>";
		break;
	case M_TW:
	case M_STATE:
		fputs("<rect x=\"", f);
		num(f, x - 35);
		fputs("\" y=\"", f);
		num(f, y - 35);
		fprintf(f, "\" width=\"7\" height=\"7\" fill=\"%s\"", col);
		*close = "</rect>";
		break;
	case M_VIOLATION:
		fputs("<path d=\"M", f);
		num(f, x - 50);
		fputc(',', f);
		num(f, y - 50);
		fputs(" L", f);
		num(f, x + 50);
		fputc(',', f);
		num(f, y + 50);
		fputs(" M", f);
		num(f, x - 50);
		fputc(',', f);
		num(f, y + 50);
		fputs(" L", f);
		num(f, x + 50);
		fputc(',', f);
		num(f, y - 50);
		fprintf(f, "\" stroke=\"%s\" stroke-width=\"2.5\"", col);
		*close = "</path>";
		break;
	case M_SIGNAL:
	case M_WAITQ:
	case M_PAGECACHE:
		fputs("<path d=\"M", f);
		num(f, x);
		fputc(',', f);
		num(f, y - 50);
		fputs(" L", f);
		num(f, x + 50);
		fputc(',', f);
		num(f, y);
		fputs(" L", f);
		num(f, x);
		fputc(',', f);
		num(f, y + 50);
		fputs(" L", f);
		num(f, x - 50);
		fputc(',', f);
		num(f, y);
		fprintf(f, " Z\" fill=\"%s\"", col);
		*close = "</path>";
		break;
	default:
		fputs("<circle cx=\"", f);
		num(f, x);
		fputs("\" cy=\"", f);
		num(f, y);
		fprintf(f, "\" r=\"%s\" fill=\"%s\"", c == M_URING ? "4.5" : "3", col);
		*close = "</circle>";
		break;
	}
}

/* ---------------------------------------------------------------------------------------------
 * Labels: placed in the first row under the bar where they overlap nothing.
 */
static bool occ_fits(const struct occ *o, int64_t a, int64_t b)
{
	for (size_t k = 0; k + 1 < o->n; k += 2)
		if (a < o->x[k + 1] && o->x[k] < b)
			return false;
	return true;
}

static int occ_add(struct occ *o, int64_t a, int64_t b)
{
	if (o->n + 2 > o->cap) {
		size_t ncap = o->cap ? 2 * o->cap : 64;
		int64_t *n = realloc(o->x, ncap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		o->x = n;
		o->cap = ncap;
	}
	o->x[o->n++] = a;
	o->x[o->n++] = b;
	return 0;
}

static int place_label(struct svg *s, size_t i)
{
	char text[320];
	pcsim__pic_text(s->p, i, text, sizeof(text));
	const char *t = text;
	while (*t == ' ')
		t++;
	size_t len = strlen(t);
	size_t shown = len > LABEL_MAX ? LABEL_MAX + 3 : len;
	int64_t x = ev_x(s, i) - 20;
	int64_t wdt = (int64_t)shown * CHAR_W10;
	if (x + wdt > (int64_t)s->width * 10 - 40)
		x = (int64_t)s->width * 10 - 40 - wdt;
	if (x < LW * 10)
		x = LW * 10;
	unsigned lane = s->p->ev[i].lane;
	for (unsigned r = 0; r < ROWS; r++) {
		struct occ *o = &s->occ[lane * ROWS + r];
		if (!occ_fits(o, x, x + wdt + 40))
			continue;
		if (occ_add(o, x, x + wdt + 40) < 0)
			return -ENOMEM;
		enum mclass c = classify(&s->p->tr[i]);
		fputs("<text x=\"", s->f);
		num(s->f, x);
		fputs("\" y=\"", s->f);
		num(s->f, lane_y10(lane) + (BAR_Y + BAR_H + 9 + (int64_t)r * ROW_H) * 10);
		fprintf(s->f, "\" class=\"l\" fill=\"%s\">",
			c == M_MEM || c == M_NOWAKE || c == M_OTHER ? "#555555" : mcolor[c]);
		xstr(s->f, t, LABEL_MAX);
		fputs("</text>\n", s->f);
		return 0;
	}
	return 0;
}

/* ---------------------------------------------------------------------------------------------
 * The picture
 */
static const char *const flow_color[] = {[FL_RING] = "#c0392b",
					 [FL_WAKE] = "#2471a3",
					 [FL_TASK_WORK] = "#1e8449",
					 [FL_MISSED] = "#9e9e9e"};
static const char *const flow_id[] = {
	[FL_RING] = "ring", [FL_WAKE] = "wake", [FL_TASK_WORK] = "tw", [FL_MISSED] = "miss"};
static const char *const flow_dash[] = {[FL_RING] = "",
					[FL_WAKE] = "",
					[FL_TASK_WORK] = "",
					[FL_MISSED] = " stroke-dasharray=\"4,3\""};

static void defs(FILE *f)
{
	fputs("<defs>\n<style>text{font-family:monospace;font-size:10px}"
	      ".t{font-size:15px;font-weight:bold}.s{font-size:11px}.l{font-size:9px}"
	      ".n{font-size:11px}.g{stroke:#e3e6ea;stroke-width:1}</style>\n",
	      f);
	for (unsigned k = 0; k < PIC_NFLOW_KINDS; k++)
		fprintf(f,
			"<marker id=\"ah-%s\" viewBox=\"0 0 8 8\" refX=\"7\" refY=\"4\" "
			"markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\">"
			"<path d=\"M0,0 L8,4 L0,8 Z\" fill=\"%s\"/></marker>\n",
			flow_id[k], flow_color[k]);
	fputs("<pattern id=\"sleep\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
	      "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#dfe6f0\"/>"
	      "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#9fb0c8\" stroke-width=\"2\"/>"
	      "</pattern>\n"
	      "<pattern id=\"lost\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
	      "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#fadbd8\"/>"
	      "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#e6a19a\" stroke-width=\"2\"/>"
	      "</pattern>\n</defs>\n",
	      f);
}

static void span_svg(struct svg *s, const struct pic_span *sp)
{
	FILE *f = s->f;
	const struct pcsim__pic *p = s->p;
	if (sp->t1 <= s->T0 || sp->t0 >= s->T1)
		return;
	int64_t x0 = xt(s, sp->t0), x1 = xt(s, sp->t1);
	if (x1 < x0 + 10)
		x1 = x0 + 10;
	int64_t y = lane_y10(sp->lane) + BAR_Y * 10, h = BAR_H * 10;
	const char *fill = "#82c99a", *stroke = "none";
	char label[160] = "", title[400], b[64], st[48];
	const char *who = pcsim_trace_ctx_label(p->w, sp->ctx, b, sizeof(b));
	bool lost = pcsim__pic_lost(p, sp);
	switch (sp->kind) {
	case SP_RUN:
		snprintf(title, sizeof(title), "%s runs, steps %" PRIu64 "-%" PRIu64, who,
			 p->tr[sp->ev0].step, p->tr[sp->ev1].step);
		break;
	case SP_RUNNABLE:
		fill = "#f4d03f";
		y += 60;
		h = 60;
		snprintf(title, sizeof(title), "%s woken at step %" PRIu64 ", waits to run%s", who,
			 p->tr[sp->ev0].step, sp->open ? " (never ran again)" : "");
		break;
	case SP_SLEEP:
		snprintf(st, sizeof(st), "%s", pcsim__state_name((long)p->tr[sp->ev0].a));
		fill = lost ? "url(#lost)" : "url(#sleep)";
		stroke = lost ? "#d50000" : "#7f8fa6";
		snprintf(label, sizeof(label), "%s %s",
			 lost	    ? "asleep, never woken:"
			 : sp->open ? "still asleep at the end:"
				    : "sleeps",
			 st);
		if (sp->open)
			snprintf(title, sizeof(title), "%s sleeps in %s from step %" PRIu64 " %s",
				 who, st, p->tr[sp->ev0].step,
				 lost ? "and is never woken" : "to the end of the execution");
		else
			snprintf(title, sizeof(title),
				 "%s sleeps in %s from step %" PRIu64 " to step %" PRIu64, who, st,
				 p->tr[sp->ev0].step, p->tr[sp->ev1].step);
		break;
	case SP_IRQ:
		fill = "#f8c471";
		stroke = "#e67e22";
		snprintf(label, sizeof(label), "%s", who);
		snprintf(title, sizeof(title), "%s (%s), steps %" PRIu64 "-%" PRIu64 "%s", who,
			 p->lanes[sp->lane].name, p->tr[sp->ev0].step,
			 sp->ev1 != (size_t)-1 ? p->tr[sp->ev1].step : p->tr[p->nev - 1].step,
			 sp->open ? " (unfinished)" : "");
		break;
	}
	fputs("<rect x=\"", f);
	num(f, x0);
	fputs("\" y=\"", f);
	num(f, y);
	fputs("\" width=\"", f);
	num(f, x1 - x0);
	fputs("\" height=\"", f);
	num(f, h);
	fprintf(f, "\" fill=\"%s\" stroke=\"%s\"><title>", fill, stroke);
	xstr(f, title, 0);
	fputs("</title></rect>\n", f);
	size_t len = strlen(label);
	if (len && (x1 - x0) >= (int64_t)len * 60 + 80) {
		fputs("<text x=\"", f);
		num(f, x0 + 40);
		fputs("\" y=\"", f);
		num(f, y + 130);
		fprintf(f, "\" fill=\"%s\">", lost ? "#b71c1c" : "#2c3e50");
		xstr(f, label, 0);
		fputs("</text>\n", f);
	}
}

static void legend(struct svg *s, int64_t y)
{
	FILE *f = s->f;
	fprintf(f, "<g transform=\"translate(12,%" PRId64 ")\">\n", y);
	fputs("<text x=\"0\" y=\"0\" class=\"n\" font-weight=\"bold\">Legend</text>\n", f);
	static const struct {
		const char *fill, *stroke, *text;
	} bars[] = {
		{"#82c99a", "none", "running"},
		{"#f4d03f", "none", "runnable (woken)"},
		{"url(#sleep)", "#7f8fa6", "sleeping in schedule()"},
		{"url(#lost)", "#d50000", "never woken (deadlock)"},
		{"#f8c471", "#e67e22", "interrupt (atomic context)"},
	};
	int x = 0;
	for (unsigned k = 0; k < 5; k++) {
		fprintf(f,
			"<rect x=\"%d\" y=\"10\" width=\"26\" height=\"12\" fill=\"%s\" "
			"stroke=\"%s\"/><text x=\"%d\" y=\"20\">%s</text>\n",
			x, bars[k].fill, bars[k].stroke, x + 32, bars[k].text);
		x += 32 + (int)strlen(bars[k].text) * 6 + 24;
	}
	static const struct {
		enum mclass c;
		const char *text;
	} marks[] = {
		{M_MEM, "memory access"},
		{M_LOCK, "spinlock"},
		{M_SLEEP, "schedule(): sleeps"},
		{M_WAKE, "try_to_wake_up() = 1"},
		{M_NOWAKE, "= 0"},
		{M_TW, "task_work / state"},
		{M_WAITQ, "wait queue"},
		{M_PAGECACHE, "page cache"},
		{M_URING, "ring"},
		{M_SIGNAL, "signal"},
		{M_LIFE, "start/exit"},
		{M_VIOLATION, "violation"},
	};
	x = 0;
	for (unsigned k = 0; k < sizeof(marks) / sizeof(marks[0]); k++) {
		const char *close;
		int row = k < 6 ? 0 : 1;
		if (k == 6)
			x = 0;
		fputs("<g>", f);
		shape(f, marks[k].c, (int64_t)(x + 6) * 10, 400 + row * 180, &close);
		open_title(f);
		fputs(marks[k].text, f);
		fputs("</title>", f);
		fputs(close, f);
		fprintf(f, "<text x=\"%d\" y=\"%d\">%s</text></g>\n", x + 16, 44 + row * 18,
			marks[k].text);
		x += 16 + (int)strlen(marks[k].text) * 6 + 18;
	}
	static const char *const ftext[] = {
		[FL_RING] = ("ring retry: unlock (bit clear) -> wake walk -> io_async_buf_func -> "
			     "task_work_add -> retry -> CQE"),
		[FL_WAKE] = "wakeup: (unlock -> wake walk ->) try_to_wake_up -> the task runs",
		[FL_TASK_WORK] = "task_work: task_work_add -> task_work_run",
		[FL_MISSED] = "try_to_wake_up = 0: the task was running, nothing woken (dashed)",
	};
	for (unsigned k = 0; k < PIC_NFLOW_KINDS; k++) {
		int yy = 84 + (int)k * 15;
		fprintf(f,
			"<path d=\"M0,%d L34,%d\" stroke=\"%s\" stroke-width=\"1.6\" "
			"fill=\"none\"%s "
			"marker-end=\"url(#ah-%s)\"/><text x=\"44\" y=\"%d\">%s</text>\n",
			yy - 4, yy - 4, flow_color[k], flow_dash[k], flow_id[k], yy, ftext[k]);
	}
	fputs("<text x=\"0\" y=\"152\" class=\"s\">x: steps (one step = one scheduling decision; "
	      "the events of one step share it, in order).</text>\n"
	      "<text x=\"0\" y=\"167\" class=\"s\">Hover a bar, marker or arrow for its event. "
	      "The .json of the same trace opens in ui.perfetto.dev.</text>\n</g>\n",
	      f);
}

static int draw(struct svg *s)
{
	FILE *f = s->f;
	const struct pcsim__pic *p = s->p;
	const struct pcsim_world *w = p->w;
	char buf[400], outcome[160];

	uint64_t smin = p->tr[0].step, smax = p->tr[p->nev - 1].step;
	int64_t lanes_bottom = TOP + (int64_t)p->nlanes * LH;
	fprintf(f,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		"viewBox=\"0 0 %d %d\">\n",
		s->width, s->height, s->width, s->height);
	pcsim__pic_outcome(w, outcome, sizeof(outcome));
	fputs("<title>", f);
	xstr(f, pcsim__pic_program(w), 0);
	fputs(": ", f);
	xstr(f, outcome, 0);
	fputs("</title>\n", f);
	defs(f);
	fprintf(f, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", s->width, s->height);
	fputs("<text x=\"12\" y=\"22\" class=\"t\">", f);
	xstr(f, pcsim__pic_program(w), 0);
	fputs(": ", f);
	xstr(f, outcome, 0);
	fputs("</text>\n<text x=\"12\" y=\"40\" class=\"s\">", f);
	if (s->s0 == smin && s->s1 == smax)
		snprintf(buf, sizeof(buf),
			 "steps %" PRIu64 "-%" PRIu64 " (the whole trace: %zu event%s, %zu flow%s)",
			 smin, smax, p->nev, p->nev == 1 ? "" : "s", p->nflows,
			 p->nflows == 1 ? "" : "s");
	else
		snprintf(buf, sizeof(buf),
			 "steps %" PRIu64 "-%" PRIu64 " of %" PRIu64 "-%" PRIu64
			 " drawn (at most %" PRIu64 " steps; the rest is cut: write a .json trace "
			 "for all of it)",
			 s->s0, s->s1, smin, smax, s->s1 - s->s0 + 1);
	xstr(f, buf, 0);
	fputs("</text>\n", f);

	/* lanes and the step axis */
	for (unsigned l = 0; l < p->nlanes; l++) {
		int64_t y = TOP + (int64_t)l * LH;
		fprintf(f,
			"<rect x=\"0\" y=\"%" PRId64
			"\" width=\"%d\" height=\"%d\" fill=\"%s\"/>\n",
			y, s->width, LH, l % 2 ? "#ffffff" : "#f6f7f9");
		fprintf(f, "<text x=\"12\" y=\"%" PRId64 "\" class=\"n\">", y + BAR_Y + 13);
		xstr(f, p->lanes[l].name, 30);
		fputs("</text>\n", f);
	}
	static const uint64_t nice[] = {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000};
	uint64_t tick = 10000;
	for (unsigned k = 0; k < sizeof(nice) / sizeof(nice[0]); k++)
		if ((int64_t)nice[k] * s->pxs >= 44) {
			tick = nice[k];
			break;
		}
	fprintf(f, "<text x=\"12\" y=\"%d\" class=\"s\">step</text>\n", TOP - 8);
	for (uint64_t st = (s->s0 + tick - 1) / tick * tick; st <= s->s1; st += tick) {
		int64_t x = xt(s, st * PIC_STEP_TICKS);
		fputs("<line class=\"g\" x1=\"", f);
		num(f, x);
		fprintf(f, "\" y1=\"%d\" x2=\"", TOP - 4);
		num(f, x);
		fprintf(f, "\" y2=\"%" PRId64 "\"/>\n<text x=\"", lanes_bottom);
		num(f, x + s->pxs * 5);
		fprintf(f, "\" y=\"%d\" text-anchor=\"middle\">%" PRIu64 "</text>\n", TOP - 8, st);
	}

	/* bars */
	for (size_t k = 0; k < p->nspans; k++)
		span_svg(s, &p->spans[k]);

	/* violations: a line across every lane */
	for (size_t i = 0; i < p->nev; i++) {
		if (!in_window(s, i) || classify(&p->tr[i]) != M_VIOLATION)
			continue;
		int64_t x = ev_x(s, i);
		fputs("<line x1=\"", f);
		num(f, x);
		fprintf(f, "\" y1=\"%d\" x2=\"", TOP - 2);
		num(f, x);
		fprintf(f,
			"\" y2=\"%" PRId64 "\" stroke=\"#d50000\" stroke-width=\"1.5\" "
			"stroke-dasharray=\"5,3\"/>\n",
			lanes_bottom);
	}

	/* markers */
	for (size_t i = 0; i < p->nev; i++) {
		if (!in_window(s, i))
			continue;
		const char *close;
		char ctxb[64];
		const struct pcsim_trace_event *e = &p->tr[i];
		int64_t x = ev_x(s, i), y = ev_yc(s, i);
		if (p->ev[i].flags & PIC_EV_NODE) {
			fputs("<circle cx=\"", f);
			num(f, x);
			fputs("\" cy=\"", f);
			num(f, y);
			fputs("\" r=\"6.5\" fill=\"#ffffff\" stroke=\"#222222\" "
			      "stroke-width=\"1\"/>\n",
			      f);
		}
		shape(f, classify(e), x, y, &close);
		open_title(f);
		pcsim__pic_text(p, i, buf, sizeof(buf));
		fprintf(f, "step %" PRIu64 ", ", e->step);
		xstr(f, e->ctx ? pcsim_trace_ctx_label(w, e->ctx, ctxb, sizeof(ctxb)) : "engine",
		     0);
		fputs(": ", f);
		xstr(f, buf, 0);
		fputs("</title>", f);
		fputs(close, f);
		fputc('\n', f);
	}

	/* flow arrows, each segment once */
	size_t *seen = NULL, nseen = 0, capseen = 0;
	for (size_t k = 0; k < p->nflows; k++) {
		const struct pic_flow *fl = &p->flows[k];
		char name[160];
		pcsim__pic_flow_name(p, fl, name, sizeof(name));
		for (unsigned j = 0; j + 1 < fl->n; j++) {
			size_t a = fl->node[j], b = fl->node[j + 1];
			if (!in_window(s, a) || !in_window(s, b))
				continue;
			bool dup = false;
			for (size_t m = 0; m + 3 <= nseen && !dup; m += 3)
				dup = seen[m] == a && seen[m + 1] == b && seen[m + 2] == fl->kind;
			if (dup)
				continue;
			if (nseen + 3 > capseen) {
				size_t ncap = capseen ? 2 * capseen : 96;
				size_t *n = realloc(seen, ncap * sizeof(*n));
				if (!n) {
					free(seen);
					return -ENOMEM;
				}
				seen = n;
				capseen = ncap;
			}
			seen[nseen++] = a;
			seen[nseen++] = b;
			seen[nseen++] = fl->kind;
			int64_t xa = ev_x(s, a), ya = ev_yc(s, a), xb = ev_x(s, b),
				yb = ev_yc(s, b);
			fputs("<path d=\"M", f);
			num(f, xa);
			fputc(',', f);
			num(f, ya);
			if (ya == yb) {
				fputs(" Q", f);
				num(f, (xa + xb) / 2);
				fputc(',', f);
				num(f, ya - 160);
			} else {
				int64_t dx = (xb > xa ? xb - xa : xa - xb) / 3;
				if (dx < 120)
					dx = 120;
				fputs(" C", f);
				num(f, xa + dx);
				fputc(',', f);
				num(f, ya);
				fputc(' ', f);
				num(f, xb - dx);
				fputc(',', f);
				num(f, yb);
			}
			fputc(' ', f);
			num(f, xb);
			fputc(',', f);
			num(f, yb);
			fprintf(f,
				"\" fill=\"none\" stroke=\"%s\" stroke-width=\"%s\"%s "
				"stroke-opacity=\"0.85\" marker-end=\"url(#ah-%s)\"><title>",
				flow_color[fl->kind], fl->kind == FL_MISSED ? "1.2" : "1.6",
				flow_dash[fl->kind], flow_id[fl->kind]);
			snprintf(buf, sizeof(buf), "%s: step %" PRIu64 " -> step %" PRIu64, name,
				 p->tr[a].step, p->tr[b].step);
			xstr(f, buf, 0);
			fputs("</title></path>\n", f);
		}
	}
	free(seen);

	/* labels: flow nodes and key events first, then the others where there is room */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < p->nev; i++) {
			if (!in_window(s, i))
				continue;
			bool key = p->ev[i].flags & (PIC_EV_NODE | PIC_EV_KEY);
			if ((pass == 0) != key)
				continue;
			if (pass == 1 && s->pxs < 12)
				continue;
			if (place_label(s, i) < 0)
				return -ENOMEM;
		}
	}
	legend(s, lanes_bottom + 24);
	fputs("</svg>\n", f);
	return 0;
}

int pcsim__pic_write_svg(const struct pcsim_world *w, const struct pcsim_trace_svg_opts *o, FILE *f)
{
	struct pcsim__pic p;
	struct svg s;
	int rc = pcsim__pic_build(&p, w, PIC_BY_STEP);
	if (rc < 0)
		return rc;
	memset(&s, 0, sizeof(s));
	s.f = f;
	s.p = &p;
	uint64_t cap = o && o->max_steps ? o->max_steps : PCSIM_TRACE_SVG_MAX_STEPS;
	uint64_t smin = p.tr[0].step, smax = p.tr[p.nev - 1].step;
	if (o && o->first_step) {
		s.s0 = o->first_step < smin ? smin : o->first_step > smax ? smax : o->first_step;
		s.s1 = smax - s.s0 + 1 > cap ? s.s0 + cap - 1 : smax;
	} else if (smax - smin + 1 <= cap) {
		s.s0 = smin;
		s.s1 = smax;
	} else {
		s.s1 = smax;
		s.s0 = smax - cap + 1;
	}
	uint64_t n = s.s1 - s.s0 + 1;
	s.pxs = (int64_t)(1600 / n);
	if (s.pxs < 3)
		s.pxs = 3;
	if (s.pxs > 96)
		s.pxs = 96;
	s.T0 = s.s0 * PIC_STEP_TICKS;
	/* two more steps after the end of the trace: what never ends shows that it goes on */
	uint64_t tail = s.s1 == smax ? 2 : 0;
	s.T1 = (s.s1 + 1 + tail) * PIC_STEP_TICKS;
	s.width = LW + (int)((n + tail) * (uint64_t)s.pxs) + 40;
	if (s.width < 1100)
		s.width = 1100;
	s.height = TOP + (int)p.nlanes * LH + 24 + 180;
	s.occ = calloc((size_t)(p.nlanes ? p.nlanes : 1) * ROWS, sizeof(*s.occ));
	if (!s.occ) {
		pcsim__pic_free(&p);
		return -ENOMEM;
	}
	rc = draw(&s);
	for (size_t k = 0; k < (size_t)p.nlanes * ROWS; k++)
		free(s.occ[k].x);
	free(s.occ);
	pcsim__pic_free(&p);
	if (rc < 0)
		return rc;
	return ferror(f) ? -EIO : 0;
}
