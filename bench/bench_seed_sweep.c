// SPDX-License-Identifier: MIT
/*
 * bench_seed_sweep.c - `pcsim bench seed --sweep qd|cpus|workers|size`: the scaling curves of the
 * seed experiment (bench_seed.c), per mode, over the queue depth, the number of CPUs, the io-wq
 * workers or the file's size: a table, a JSON object and an SVG chart of wall time, CPU time
 * and voluntary context switches per read. Models nothing itself: it reruns bench_seed.c's
 * legs, which drive the ring's model (io_read, io_async_buf_func, io_wq,
 * generic_file_buffered_read: docs/uring.md). What the curves show: docs/seed-experiment.md,
 * "Scaling curves".
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pcsim/pcsim.h>
#include <pcsim_support/cmdline.h>

#include "bench_seed.h"
#include "bench_util.h"

/* ---------------------------------------------------------------------------------------------
 * Scaling curves: the sim leg over QD 1..128, CPUs 1..8, io-wq workers 1..64 or the file's size
 * (the sim leg's size / 64 to its size, doubling, at a fixed number of reads), per mode
 */
#define SD_SWEEP_MAX 8
enum sd_sweep_kind { SD_SW_QD = 0, SD_SW_CPUS, SD_SW_WORKERS, SD_SW_SIZE };
static const char *const sd_sweep_name[] = { "qd", "cpus", "workers", "size" };
static const char *const sd_sweep_axis[] = { "queue depth", "CPUs", "io-wq workers",
					     "file size" };

struct sd_point {
	uint64_t x;			/* the swept value (size: bytes) */
	bool have[SD_NR_MODES];
	double wall_us[SD_NR_MODES], cpu_us[SD_NR_MODES], ctx[SD_NR_MODES];
	/* what the model costs the host, per read: seconds of its run, and steps */
	double host_us[SD_NR_MODES], steps[SD_NR_MODES];
	double rss_mb;			/* the process's peak RSS over the point (NAN: unknown) */
};

static enum sd_sweep_kind sd_sweep_kind(const char *s)
{
	for (unsigned k = 0; k < sizeof(sd_sweep_name) / sizeof(sd_sweep_name[0]); k++)
		if (strcmp(s, sd_sweep_name[k]) == 0)
			return (enum sd_sweep_kind)k;
	return SD_SW_QD;	/* never: --sweep was checked when parsed */
}

/* "64M", "4G", "16K", "32" (sizes with the largest exact binary suffix); plain counts else. */
static void sd_fmt_x(char *b, size_t n, enum sd_sweep_kind k, uint64_t x)
{
	if (k != SD_SW_SIZE)
		snprintf(b, n, "%" PRIu64, x);
	else if (x >= 1ull << 30 && !(x & ((1ull << 30) - 1)))
		snprintf(b, n, "%" PRIu64 "G", x >> 30);
	else if (x >= 1ull << 20 && !(x & ((1ull << 20) - 1)))
		snprintf(b, n, "%" PRIu64 "M", x >> 20);
	else if (x >= 1ull << 10 && !(x & ((1ull << 10) - 1)))
		snprintf(b, n, "%" PRIu64 "K", x >> 10);
	else
		snprintf(b, n, "%" PRIu64, x);
}

/*
 * The peak RSS of one point: Linux resets the high-water mark when "5" is written to
 * /proc/self/clear_refs; VmHWM is then the peak since. NAN where either is unavailable.
 */
static bool sd_rss_reset(void)
{
	int fd = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	bool ok = write(fd, "5", 1) == 1;
	close(fd);
	return ok;
}

static double sd_rss_peak_mb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	double mb = NAN;
	if (!f)
		return NAN;
	while (fgets(line, sizeof(line), f)) {
		unsigned long kb;
		if (sscanf(line, "VmHWM: %lu kB", &kb) == 1) {
			mb = (double)kb / 1024;
			break;
		}
	}
	fclose(f);
	return mb;
}

/* @what of mode @m at point @i: 0 wall, 1 CPU, 2 voluntary switches (per read). */
static double sd_pt_val(const struct sd_point *p, int m, int what)
{
	return what == 0 ? p->wall_us[m] : what == 1 ? p->cpu_us[m] : p->ctx[m];
}

static void sd_polyline(char **s, size_t *len, size_t cap, const struct sd_point *pt,
			unsigned n, int m, int what, double x0, double y0, double pw, double ph,
			double ymax, const char *colour)
{
	int k = snprintf(*s + *len, *len < cap ? cap - *len : 0,
			 "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s points=\"",
			 colour, m == SD_OFFLOAD ? " stroke-dasharray=\"6 3\"" : "");
	if (k > 0)
		*len += (size_t)k;
	for (unsigned i = 0; i < n; i++) {
		if (!pt[i].have[m])
			continue;
		double v = sd_pt_val(&pt[i], m, what);
		double x = x0 + (n > 1 ? pw * i / (n - 1) : pw / 2);
		double y = y0 + ph - (v > ymax ? ymax : v) / ymax * ph;
		k = snprintf(*s + *len, *len < cap ? cap - *len : 0, "%.1f,%.1f ", x, y);
		if (k > 0)
			*len += (size_t)k;
	}
	k = snprintf(*s + *len, *len < cap ? cap - *len : 0, "\"/>\n");
	if (k > 0)
		*len += (size_t)k;
}

/*
 * Three panels against the swept value, one line per mode: wall and CPU per read (us) and
 * voluntary context switches per read.
 */
static int sd_sweep_svg(const struct sd_opts *o, const struct sd_point *pt, unsigned n,
			const char *path)
{
	static const char *const colour[SD_NR_MODES] = { "#d62728", "#1f77b4", "#2ca02c" };
	static const char *const title[3] = { "wall per read (us)", "CPU per read (us)",
					      "voluntary switches per read" };
	enum sd_sweep_kind kind = sd_sweep_kind(o->sweep);
	size_t cap = 1 << 16, len = 0;
	char *s = malloc(cap);
	if (!s)
		return -1;
#define SVG(...)                                                                         \
	do {                                                                             \
		int k_ = snprintf(s + len, len < cap ? cap - len : 0, __VA_ARGS__);      \
		if (k_ > 0)                                                              \
			len += (size_t)k_;                                               \
	} while (0)
	const double W = 1220, H = 380, pw = 320, ph = 250, y0 = 50;
	SVG("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
	    "font-family=\"sans-serif\" font-size=\"11\">\n", W, H);
	SVG("<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
	char fixed[128], file[96], sz[32];
	if (kind == SD_SW_QD)
		snprintf(fixed, sizeof(fixed), "%u CPUs, %u io-wq workers", o->ncpus, o->workers);
	else if (kind == SD_SW_WORKERS)
		snprintf(fixed, sizeof(fixed), "QD %u, %u CPUs", o->qd, o->ncpus);
	else if (kind == SD_SW_CPUS)
		snprintf(fixed, sizeof(fixed), "QD %u, %u io-wq workers", o->qd, o->workers);
	else
		snprintf(fixed, sizeof(fixed), "QD %u, %u CPUs, %u io-wq workers", o->qd,
			 o->ncpus, o->workers);
	sd_fmt_x(sz, sizeof(sz), SD_SW_SIZE, o->leg[SD_SIM].size);
	if (kind == SD_SW_SIZE && n) {
		char lo[32];
		sd_fmt_x(lo, sizeof(lo), SD_SW_SIZE, pt[0].x);
		snprintf(file, sizeof(file), "files of %s to %s", lo, sz);
	} else {
		snprintf(file, sizeof(file), "a %s file", sz);
	}
	SVG("<text x=\"60\" y=\"18\" font-size=\"13\">pcsim bench seed --sweep %s: sim leg, "
	    "%s, %" PRIu64 " reads of %s, %s</text>\n", o->sweep,
	    o->have_cal ? "calibrated costs" : "flat step_ns", o->leg[SD_SIM].reads, file, fixed);
	for (int panel = 0; panel < 3; panel++) {
		double x0 = 60 + panel * 400, ymax = 0;
		for (unsigned i = 0; i < n; i++)
			for (int m = 0; m < SD_NR_MODES; m++)
				if (pt[i].have[m] && sd_pt_val(&pt[i], m, panel) > ymax)
					ymax = sd_pt_val(&pt[i], m, panel);
		if (ymax <= 0)
			ymax = 1;
		ymax *= 1.1;
		SVG("<text x=\"%.0f\" y=\"40\">%s</text>\n", x0, title[panel]);
		for (int g = 0; g <= 4; g++) {
			double y = y0 + ph - ph * g / 4;
			SVG("<line x1=\"%.0f\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" "
			    "stroke=\"#ddd\"/>\n<text x=\"%.0f\" y=\"%.1f\" "
			    "text-anchor=\"end\">%.*f</text>\n",
			    x0, y, x0 + pw, y, x0 - 4, y + 4, panel == 2 ? 2 : 1, ymax * g / 4);
		}
		for (unsigned i = 0; i < n; i++) {
			double x = x0 + (n > 1 ? pw * i / (n - 1) : pw / 2);
			char xs[32];
			sd_fmt_x(xs, sizeof(xs), kind, pt[i].x);
			SVG("<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\">%s</text>\n", x,
			    y0 + ph + 16, xs);
		}
		SVG("<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\">%s</text>\n", x0 + pw / 2,
		    y0 + ph + 32, sd_sweep_axis[kind]);
		for (int m = 0; m < SD_NR_MODES; m++)
			sd_polyline(&s, &len, cap, pt, n, m, panel, x0, y0, pw, ph, ymax,
				    colour[m]);
	}
	for (int m = 0; m < SD_NR_MODES; m++) {
		SVG("<rect x=\"%d\" y=\"%.0f\" width=\"10\" height=\"10\" fill=\"%s\"/>\n",
		    60 + m * 120, H - 22, colour[m]);
		SVG("<text x=\"%d\" y=\"%.0f\">%s</text>\n", 74 + m * 120, H - 13,
		    sd_mode_name[m]);
	}
	SVG("</svg>\n");
#undef SVG
	int rc = len < cap ? pcsim_cmdline_write_file(path, s) : -1;
	free(s);
	return rc;
}

int sd_sweep_run(struct sd_opts *o)
{
	static const uint64_t qd_pts[] = { 1, 2, 4, 8, 16, 32, 64, 128 };
	static const uint64_t cpu_pts[] = { 1, 2, 4, 8 };
	static const uint64_t wk_pts[] = { 1, 2, 4, 8, 16, 32, 64 };
	enum sd_sweep_kind kind = sd_sweep_kind(o->sweep);
	struct sd_leg_cfg *L = &o->leg[SD_SIM];
	uint64_t xs[SD_SWEEP_MAX];
	unsigned n;
	if (kind == SD_SW_QD) {
		n = 8;
		memcpy(xs, qd_pts, sizeof(qd_pts));
	} else if (kind == SD_SW_CPUS) {
		n = 4;
		memcpy(xs, cpu_pts, sizeof(cpu_pts));
	} else if (kind == SD_SW_WORKERS) {
		n = 7;
		memcpy(xs, wk_pts, sizeof(wk_pts));
	} else {
		/* the sim leg's size and six halvings, smallest first; every point's reads are
		 * distinct blocks of the smallest file (default: as many as it has, at most the
		 * leg's reads), so the points differ in the size only */
		n = 7;
		if (L->size % (SD_BS << (n - 1)))
			return pcsim_cmdline_usage_error(
				"bench seed: --sweep size: the sim leg's size %" PRIu64 " is not a "
				"multiple of %u KiB (its 1/64 must be whole 4 KiB blocks)",
				L->size, (SD_BS << (n - 1)) >> 10);
		for (unsigned i = 0; i < n; i++)
			xs[i] = L->size >> (n - 1 - i);
		uint64_t nblk0 = xs[0] / SD_BS;
		if (o->sim_reads_given && L->reads > nblk0)
			return pcsim_cmdline_usage_error(
				"bench seed: --sweep size: %" PRIu64 " reads of distinct blocks "
				"do not fit the smallest file (%" PRIu64 " bytes, %" PRIu64
				" blocks): --sim-reads %" PRIu64 " at most, or a larger --sim-size",
				L->reads, xs[0], nblk0, nblk0);
		if (L->reads > nblk0)
			L->reads = nblk0;
	}
	unsigned qd0 = o->qd, cpus0 = o->ncpus, workers0 = o->workers;
	uint64_t size0 = L->size;
	struct sd_point pt[SD_SWEEP_MAX];
	memset(pt, 0, sizeof(pt));
	for (unsigned i = 0; i < n; i++) {
		o->qd = kind == SD_SW_QD ? (unsigned)xs[i] : qd0;
		o->ncpus = kind == SD_SW_CPUS ? (unsigned)xs[i] : cpus0;
		o->workers = kind == SD_SW_WORKERS ? (unsigned)xs[i] : workers0;
		L->size = kind == SD_SW_SIZE ? xs[i] : size0;
		char xb[32];
		sd_fmt_x(xb, sizeof(xb), kind, xs[i]);
		if (!o->json)
			fprintf(stderr, "bench seed: sweep %s = %s\n", o->sweep, xb);
		memset(L->have, 0, sizeof(L->have));
		bool rss = sd_rss_reset();
		int rc = bench_seed_model_leg(o, SD_SIM);
		pt[i].rss_mb = rss ? sd_rss_peak_mb() : (double)NAN;
		if (rc)
			return 1;
		pt[i].x = xs[i];
		for (int m = 0; m < SD_NR_MODES; m++) {
			if (!L->have[m])
				continue;
			const struct sd_result *r = &L->med[m];
			double k = 1e6 / (double)L->reads;
			pt[i].have[m] = true;
			pt[i].wall_us[m] = r->wall_s * k;
			pt[i].cpu_us[m] = (r->user_s + r->sys_s) * k;
			pt[i].ctx[m] = r->ctx_vol / (double)L->reads;
			pt[i].host_us[m] = r->host_s * k;
			pt[i].steps[m] = r->steps_read;
		}
	}
	o->qd = qd0;
	o->ncpus = cpus0;
	o->workers = workers0;
	L->size = size0;
	if (o->json) {
		printf("{\"benchmark\":\"seed-sweep\",\"sweep\":\"%s\",\"calibrated\":%s,"
		       "\"reads\":%" PRIu64 ",\"points\":[",
		       o->sweep, o->have_cal ? "true" : "false", L->reads);
		bool first = true;
		for (unsigned i = 0; i < n; i++)
			for (int m = 0; m < SD_NR_MODES; m++) {
				if (!pt[i].have[m])
					continue;
				printf("%s{\"x\":%" PRIu64 ",\"mode\":\"%s\",\"wall_us_per_read\":",
				       first ? "" : ",", pt[i].x, sd_mode_name[m]);
				first = false;
				bench_seed_json_num(pt[i].wall_us[m], 3);
				printf(",\"cpu_us_per_read\":");
				bench_seed_json_num(pt[i].cpu_us[m], 3);
				printf(",\"ctx_voluntary_per_read\":");
				bench_seed_json_num(pt[i].ctx[m], 3);
				printf(",\"steps_per_read\":");
				bench_seed_json_num(pt[i].steps[m], 3);
				printf(",\"host_us_per_read\":");
				bench_seed_json_num(pt[i].host_us[m], 3);
				printf(",\"peak_rss_mb\":");
				bench_seed_json_num(pt[i].rss_mb, 1);
				printf("}");
			}
		printf("]}\n");
	} else {
		char sz[32];
		sd_fmt_x(sz, sizeof(sz), SD_SW_SIZE, L->size);
		printf("pcsim bench seed --sweep %s: sim leg, %" PRIu64 " reads of %s%s file, %s; "
		       "per read: wall us, CPU us, voluntary switches (modelled); steps and host "
		       "us (the model's own cost)\n", o->sweep, L->reads,
		       kind == SD_SW_SIZE ? "an up to " : "a ", sz,
		       o->have_cal ? "calibrated costs" : "flat step_ns");
		printf("  %7s", sd_sweep_name[kind]);
		for (int m = 0; m < SD_NR_MODES; m++)
			if (o->modes & (1u << m))
				printf(" | %-7s %6s %6s %5s %6s %6s", sd_mode_name[m], "wall", "CPU",
				       "ctx", "steps", "host");
		printf(" | RSS MiB\n");
		for (unsigned i = 0; i < n; i++) {
			char xb[32];
			sd_fmt_x(xb, sizeof(xb), kind, pt[i].x);
			printf("  %7s", xb);
			for (int m = 0; m < SD_NR_MODES; m++)
				if (pt[i].have[m])
					printf(" | %-7s %6.2f %6.2f %5.2f %6.1f %6.2f", "",
					       pt[i].wall_us[m], pt[i].cpu_us[m], pt[i].ctx[m],
					       pt[i].steps[m], pt[i].host_us[m]);
			if (isnan(pt[i].rss_mb))
				printf(" | %7s\n", "-");
			else
				printf(" | %7.1f\n", pt[i].rss_mb);
		}
	}
	if (o->sweep_svg && sd_sweep_svg(o, pt, n, o->sweep_svg))
		return 1;
	return 0;
}

