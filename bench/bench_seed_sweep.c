// SPDX-License-Identifier: MIT
/*
 * bench_seed_sweep.c - `pcsim bench seed --sweep qd|cpus|workers|size`: the scaling curves of the
 * seed experiment (bench_seed.c), per mode, over the queue depth, the number of CPUs, the io-wq
 * workers or the file's size: a table, a JSON object and an SVG chart of wall time, CPU time
 * and voluntary context switches per read, for the sim leg (the model) and, with --legs kernel,
 * this machine's kernel at the same points: the io_uring depth and reads in flight, the io-wq
 * workers limit (IORING_REGISTER_IOWQ_MAX_WORKERS), the CPUs the process and its io-wq workers
 * may run on (sched_setaffinity, IORING_REGISTER_IOWQ_AFF), the file's size (and then also an
 * O_DIRECT run per point: the device without the page cache). Models nothing itself: the sim
 * points rerun bench_seed.c's sim leg, which drives the ring's model (io_read,
 * io_async_buf_func, io_wq, generic_file_buffered_read: docs/uring.md). What the curves show:
 * docs/seed-experiment.md, "Scaling curves".
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/uio.h>

#ifdef PCSIM_BENCH_LIBURING
#include <liburing.h>
#endif

#include <pcsim/pcsim.h>
#include <pcsim_support/cmdline.h>

#include "bench_seed.h"
#include "bench_util.h"

/* ---------------------------------------------------------------------------------------------
 * Scaling curves: the sim leg over QD 1..128, CPUs 1..8, io-wq workers 1..64 or the file's size
 * (the sim leg's size / 64 to its size, doubling, at a fixed number of reads), per mode; the
 * kernel at the same points with --legs kernel
 */
#define SD_SWEEP_MAX 8
#define SW_MAX_QD 4096u		/* as --qd */
#define SW_KERNEL_READS 4096u	/* the kernel points' reads unless --reads: a short run each */

/* the series of a point: the model, the kernel (buffered), the kernel with O_DIRECT */
enum sw_series { SW_SIM = 0, SW_KERN, SW_KDIRECT, SW_NR };
static const char *const sw_series_name[SW_NR] = { "sim", "kernel", "kernel-direct" };
enum sd_sweep_kind { SD_SW_QD = 0, SD_SW_CPUS, SD_SW_WORKERS, SD_SW_SIZE };
static const char *const sd_sweep_name[] = { "qd", "cpus", "workers", "size" };
static const char *const sd_sweep_axis[] = { "queue depth", "CPUs", "io-wq workers",
					     "file size" };

struct sd_point {
	uint64_t x;			/* the swept value (size: bytes) */
	/* per series and mode, per read: wall and CPU us, voluntary and involuntary switches */
	bool have[SW_NR][SD_NR_MODES];
	double wall_us[SW_NR][SD_NR_MODES], cpu_us[SW_NR][SD_NR_MODES];
	double ctx[SW_NR][SD_NR_MODES], invol[SW_NR][SD_NR_MODES];
	/* kernel: iou-wrk threads at the end of the run, pages resident before it */
	double workers[SW_NR][SD_NR_MODES], resident[SW_NR][SD_NR_MODES];
	/* what the model costs the host, per read: seconds of its run, and steps */
	double host_us[SD_NR_MODES], steps[SD_NR_MODES];
	double rss_mb;			/* the process's peak RSS over the point (NAN: unknown) */
};

/* The kernel points' settings and state. */
struct sw_kernel {
	bool on, direct;		/* run; also O_DIRECT (--sweep size) */
	const char *skipped;		/* why the kernel points did not run, or NULL */
	const char *direct_skipped;	/* why the O_DIRECT runs did not, or NULL */
	uint64_t reads, repeats;
	unsigned ncpus;			/* CPUs this process may run on (sched_getaffinity) */
	cpu_set_t cpus0;		/* ... which, to restore after a CPUs point */
	char why[4200], dwhy[300];
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
	double mb = (double)NAN;
	if (!f)
		return (double)NAN;
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

/* ---------------------------------------------------------------------------------------------
 * The kernel points: liburing on a real file, with the swept parameter applied to the ring, the
 * io-wq or the process
 */
#ifdef PCSIM_BENCH_LIBURING
/* The kernel's file of @size bytes for the sweep: where bench_seed.c's kernel leg puts it. */
static void sw_path(const struct sd_opts *o, uint64_t size, char *path, size_t n)
{
	const char *dir = o->dir ? o->dir : getenv("TMPDIR");
	if (!dir || !*dir)
		dir = "/tmp";
	snprintf(path, n, "%s/pcsim-seed-%" PRIu64 ".dat", dir, size);
}

/*
 * The kernel at one point: the file at @path of @size bytes, @qd in flight, @workers (0: the
 * default) and @ncpus (0: unchanged) of the process's CPUs; K->repeats interleaved rounds of the
 * modes (buffered, then O_DIRECT when K->direct), medians into @pt. 0, or 1 when a run failed
 * (K->skipped says why; the remaining kernel points are not run).
 */
static int sw_kernel_point(struct sd_opts *o, struct sw_kernel *K, const char *path,
			   uint64_t size, unsigned qd, unsigned workers, unsigned ncpus,
			   struct sd_point *pt)
{
	unsigned *order = bench_seed_order(size / SD_BS, K->reads, o->seed);
	struct sd_result *runs = calloc(2 * SD_NR_MODES * K->repeats, sizeof(*runs));
	cpu_set_t aff;
	int rc = 0;
	if (!order || !runs) {
		snprintf(K->why, sizeof(K->why), "out of memory");
		rc = 1;
		goto out;
	}
	if (ncpus) {
		/* the first @ncpus CPUs this process could run on, for it and its io-wq workers */
		CPU_ZERO(&aff);
		unsigned got = 0;
		for (int c = 0; c < CPU_SETSIZE && got < ncpus; c++)
			if (CPU_ISSET(c, &K->cpus0)) {
				CPU_SET(c, &aff);
				got++;
			}
		if (sched_setaffinity(0, sizeof(aff), &aff) < 0) {
			snprintf(K->why, sizeof(K->why), "sched_setaffinity(%u CPUs): %s", ncpus,
				 strerror(errno));
			rc = 1;
			goto out;
		}
	}
	bool direct_ok = K->direct && !K->direct_skipped;
	for (uint64_t r = 0; r < K->repeats && rc == 0; r++)
		for (int m = 0; m < SD_NR_MODES && rc == 0; m++)
			for (int d = 0; d < 2 && rc == 0; d++) {
				char err[256] = "";
				if (!(o->modes & (1u << m)) || (d && !direct_ok))
					continue;
				struct sd_result *res = &runs[(d * SD_NR_MODES + m) * K->repeats + r];
				int e = bench_seed_kernel_run(path, size, order, K->reads, qd,
							       (enum sd_mode)m, d, workers,
							       ncpus ? &aff : NULL, res, err,
							       sizeof(err));
				if (e == -EINVAL && d) {
					/* a file system without O_DIRECT: the buffered runs go on */
					snprintf(K->dwhy, sizeof(K->dwhy), "O_DIRECT: %s", err);
					K->direct_skipped = K->dwhy;
					direct_ok = false;
				} else if (e) {
					snprintf(K->why, sizeof(K->why), "%s%s run failed: %s",
						 sd_mode_name[m], d ? " O_DIRECT" : "", err);
					rc = 1;
				}
			}
	if (ncpus)
		sched_setaffinity(0, sizeof(K->cpus0), &K->cpus0);
	for (int d = 0; d < 2 && rc == 0; d++)
		for (int m = 0; m < SD_NR_MODES; m++) {
			if (!(o->modes & (1u << m)) || (d && !direct_ok))
				continue;
			struct sd_result med;
			int sr = d ? SW_KDIRECT : SW_KERN;
			double k = 1e6 / (double)K->reads;
			bench_seed_medians(&runs[(d * SD_NR_MODES + m) * K->repeats],
					   (unsigned)K->repeats, &med);
			pt->have[sr][m] = true;
			pt->wall_us[sr][m] = med.wall_s * k;
			pt->cpu_us[sr][m] = (med.user_s + med.sys_s) * k;
			pt->ctx[sr][m] = med.ctx_vol / (double)K->reads;
			pt->invol[sr][m] = med.ctx_invol / (double)K->reads;
			pt->workers[sr][m] = med.workers;
			pt->resident[sr][m] = med.resident;
		}
out:
	if (rc)
		K->skipped = K->why;
	free(order);
	free(runs);
	return rc;
}
#endif

/* ---------------------------------------------------------------------------------------------
 * The chart
 */
/* @what of series @sr, mode @m at a point: 0 wall, 1 CPU, 2 voluntary switches (per read). */
static double sd_pt_val(const struct sd_point *p, int sr, int m, int what)
{
	return what == 0 ? p->wall_us[sr][m] : what == 1 ? p->cpu_us[sr][m] : p->ctx[sr][m];
}

/*
 * One series of one mode in one panel: the model a solid line (offload dashed), the kernel a
 * dotted line with a dot at each point, the kernel with O_DIRECT a sparser dotted line with a
 * square at each point.
 */
static void sd_polyline(FILE *svg, const struct sd_point *pt, unsigned n, int sr, int m,
			int what, double x0, double y0, double pw, double ph, double ymax,
			const char *colour)
{
	static const char *const dash_k[SW_NR] = { "", " stroke-dasharray=\"2 3\"",
						   " stroke-dasharray=\"1 4\"" };
	const char *dash = sr != SW_SIM ? dash_k[sr]
			   : m == SD_OFFLOAD ? " stroke-dasharray=\"6 3\"" : "";
	fprintf(svg, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"%s\"%s points=\"",
		colour, sr == SW_SIM ? "2" : "1.5", dash);
	for (unsigned i = 0; i < n; i++)
		if (pt[i].have[sr][m])
			fprintf(svg, "%.1f,%.1f ", x0 + (n > 1 ? pw * i / (n - 1) : pw / 2),
				y0 + ph - fmin(sd_pt_val(&pt[i], sr, m, what), ymax) / ymax * ph);
	fprintf(svg, "\"/>\n");
	/* The kernel's points are marked: circles for the page cache, squares for O_DIRECT. */
	for (unsigned i = 0; i < n && sr != SW_SIM; i++) {
		if (!pt[i].have[sr][m])
			continue;
		double x = x0 + (n > 1 ? pw * i / (n - 1) : pw / 2);
		double y = y0 + ph - fmin(sd_pt_val(&pt[i], sr, m, what), ymax) / ymax * ph;
		if (sr == SW_KERN)
			fprintf(svg, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"%s\"/>\n", x,
				y, colour);
		else
			fprintf(svg, "<rect x=\"%.1f\" y=\"%.1f\" width=\"5\" height=\"5\" "
				"fill=\"none\" stroke=\"%s\"/>\n", x - 2.5, y - 2.5, colour);
	}
}

/*
 * Three panels against the swept value, lines per mode and series: wall and CPU per read (us)
 * and voluntary context switches per read.
 */
static int sd_sweep_svg(const struct sd_opts *o, const struct sw_kernel *K,
			const struct sd_point *pt, unsigned n, const char *path)
{
	static const char *const colour[SD_NR_MODES] = { "#d62728", "#1f77b4", "#2ca02c" };
	static const char *const title[3] = { "wall per read (us)", "CPU per read (us)",
					      "voluntary switches per read" };
	enum sd_sweep_kind kind = sd_sweep_kind(o->sweep);
	char *s = NULL;
	size_t len = 0;
	FILE *svg = open_memstream(&s, &len);	/* the document grows as it is written */
	if (!svg)
		return -1;
#define SVG(...) fprintf(svg, __VA_ARGS__)
	bool sim = o->leg[SD_SIM].on, kern = K->on && !K->skipped;
	const double W = 1220, H = kern ? 420 : 380, pw = 320, ph = 250, y0 = 50;
	SVG("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
	    "font-family=\"sans-serif\" font-size=\"11\">\n", W, H);
	SVG("<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
	char fixed[128], file[96], sz[32], kline[200] = "";
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
	if (sim)
		SVG("<text x=\"60\" y=\"18\" font-size=\"13\">pcsim bench seed --sweep %s: sim leg, "
		    "%s, %" PRIu64 " reads of %s, %s</text>\n", o->sweep,
		    o->have_cal ? "calibrated costs" : "flat step_ns", o->leg[SD_SIM].reads, file,
		    fixed);
	else
		SVG("<text x=\"60\" y=\"18\" font-size=\"13\">pcsim bench seed --sweep %s: this "
		    "machine's kernel, %s</text>\n", o->sweep, file);
	if (kern) {
		char kfix[96];
		if (kind == SD_SW_QD)
			snprintf(kfix, sizeof(kfix), "%u CPUs, io-wq's default limit", K->ncpus);
		else if (kind == SD_SW_WORKERS)
			snprintf(kfix, sizeof(kfix), "QD %u, %u CPUs", o->qd, K->ncpus);
		else if (kind == SD_SW_CPUS)
			snprintf(kfix, sizeof(kfix), "QD %u, io-wq's default limit", o->qd);
		else
			snprintf(kfix, sizeof(kfix), "QD %u, %u CPUs, io-wq's default limit", o->qd,
				 K->ncpus);
		snprintf(kline, sizeof(kline), "kernel (dotted, dots): %" PRIu64 " reads, median of "
			 "%" PRIu64 ", %s%s", K->reads, K->repeats, kfix,
			 K->direct && !K->direct_skipped ? "; O_DIRECT: sparse dots, squares" : "");
	}
	for (int panel = 0; panel < 3; panel++) {
		double x0 = 60 + panel * 400, ymax = 0;
		for (unsigned i = 0; i < n; i++)
			for (int sr = 0; sr < SW_NR; sr++)
				for (int m = 0; m < SD_NR_MODES; m++)
					if (pt[i].have[sr][m] &&
					    sd_pt_val(&pt[i], sr, m, panel) > ymax)
						ymax = sd_pt_val(&pt[i], sr, m, panel);
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
		for (int sr = 0; sr < SW_NR; sr++)
			for (int m = 0; m < SD_NR_MODES; m++) {
				bool any = false;
				for (unsigned i = 0; i < n; i++)
					any |= pt[i].have[sr][m];
				if (any)
					sd_polyline(svg, pt, n, sr, m, panel, x0, y0, pw, ph,
						    ymax, colour[m]);
			}
	}
	double ly = H - 13 - (kern ? 24 : 0);
	for (int m = 0; m < SD_NR_MODES; m++) {
		SVG("<rect x=\"%d\" y=\"%.0f\" width=\"10\" height=\"10\" fill=\"%s\"/>\n",
		    60 + m * 120, ly - 9, colour[m]);
		SVG("<text x=\"%d\" y=\"%.0f\">%s</text>\n", 74 + m * 120, ly, sd_mode_name[m]);
	}
	if (sim && kern)
		SVG("<text x=\"420\" y=\"%.0f\">model: solid lines (offload dashed)</text>\n", ly);
	if (kern)
		SVG("<text x=\"60\" y=\"%.0f\">%s</text>\n", H - 13, kline);
	SVG("</svg>\n");
#undef SVG
	return bench_seed_svg_write(svg, &s, path);
}

/* ---------------------------------------------------------------------------------------------
 * The sweep
 */
/* A JSON string, or null. */
static void sw_json_str(const char *s)
{
	if (!s) {
		printf("null");
		return;
	}
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

/* --sweep-points N,N,...: 1 to SD_SWEEP_MAX values for qd, cpus or workers. */
static int sw_parse_points(const struct sd_opts *o, enum sd_sweep_kind kind, uint64_t *xs,
			   unsigned *n)
{
	static const uint64_t max[] = { SW_MAX_QD, PCSIM_MAX_CPUS, PCSIM_URING_IOWQ_MAX, 0 };
	if (kind == SD_SW_SIZE)
		return pcsim_cmdline_usage_error(
			"bench seed: --sweep-points: not for --sweep size (its points are "
			"--sim-size and six halvings)");
	char *dup = strdup(o->sweep_points), *save = NULL;
	int rc = 0;
	if (!dup)
		return 3;
	*n = 0;
	for (char *t = strtok_r(dup, ",", &save); t && !rc; t = strtok_r(NULL, ",", &save)) {
		if (*n == SD_SWEEP_MAX) {
			rc = pcsim_cmdline_usage_error("bench seed: --sweep-points: at most %d "
						       "points", SD_SWEEP_MAX);
			break;
		}
		rc = pcsim_cmdline_parse_u64("--sweep-points", t, 1, max[kind], &xs[*n]);
		if (!rc && *n && xs[*n] <= xs[*n - 1])
			rc = pcsim_cmdline_usage_error("bench seed: --sweep-points: %" PRIu64
						       " after %" PRIu64 " (increasing values)",
						       xs[*n], xs[*n - 1]);
		(*n)++;
	}
	free(dup);
	if (!rc && !*n)
		rc = pcsim_cmdline_usage_error("bench seed: --sweep-points: none given");
	return rc;
}

/* The kernel points' settings from the options; 0 or an exit status (2: bad arguments). */
static int sw_kernel_setup(struct sd_opts *o, struct sw_kernel *K, enum sd_sweep_kind kind,
			   const uint64_t *xs, unsigned n)
{
	K->on = o->legs_given && o->leg[SD_KERNEL].on;
	if (!K->on)
		return 0;
	if (o->size_given)
		return pcsim_cmdline_usage_error(
			"bench seed: --sweep: the kernel points read files of the sim leg's size "
			"(--sim-size), not --size");
	uint64_t nblk = (kind == SD_SW_SIZE ? xs[0] : o->leg[SD_SIM].size) / SD_BS;
	K->reads = o->reads_given ? o->leg[SD_KERNEL].reads
				  : nblk < SW_KERNEL_READS ? nblk : SW_KERNEL_READS;
	if (K->reads > nblk)
		return pcsim_cmdline_usage_error(
			"bench seed: --sweep: %" PRIu64 " kernel reads of distinct blocks do not fit "
			"the %sfile (%" PRIu64 " blocks): --reads %" PRIu64 " at most",
			K->reads, kind == SD_SW_SIZE ? "smallest " : "", nblk, nblk);
	K->repeats = o->leg[SD_KERNEL].repeats;
	K->direct = kind == SD_SW_SIZE;
	if (sched_getaffinity(0, sizeof(K->cpus0), &K->cpus0) == 0) {
		K->ncpus = (unsigned)CPU_COUNT(&K->cpus0);
	} else {
		long nc = sysconf(_SC_NPROCESSORS_ONLN);
		K->ncpus = nc > 0 ? (unsigned)nc : 1;
		CPU_ZERO(&K->cpus0);
		for (unsigned c = 0; c < K->ncpus && c < CPU_SETSIZE; c++)
			CPU_SET(c, &K->cpus0);
	}
	/* CPUs the process cannot have: an error when asked for, left out of the default points */
	if (kind == SD_SW_CPUS && o->sweep_points)
		for (unsigned i = 0; i < n; i++)
			if (xs[i] > K->ncpus)
				return pcsim_cmdline_usage_error(
					"bench seed: --sweep cpus: the kernel points cannot use %" PRIu64
					" CPUs: this process may run on %u (sched_getaffinity); "
					"--sweep-points up to %u, or --legs sim", xs[i], K->ncpus,
					K->ncpus);
#ifndef PCSIM_BENCH_LIBURING
	K->skipped = "built without liburing (PCSIM_WITH_LIBURING=OFF or liburing-dev missing)";
#else
	K->skipped = bench_seed_uring_unavailable();
#endif
	return 0;
}

static void sw_print_json(const struct sd_opts *o, const struct sw_kernel *K,
			  const struct sd_point *pt, unsigned n)
{
	const struct sd_leg_cfg *L = &o->leg[SD_SIM];
	printf("{\"benchmark\":\"seed-sweep\",\"sweep\":\"%s\",\"calibrated\":%s,"
	       "\"reads\":%" PRIu64 ",\"kernel\":{\"run\":%s,\"skipped\":", o->sweep,
	       o->have_cal ? "true" : "false", L->reads, K->on && !K->skipped ? "true" : "false");
	sw_json_str(K->on ? K->skipped : "not asked for (--legs kernel)");
	printf(",\"reads\":%" PRIu64 ",\"repeats\":%" PRIu64 ",\"cpus_available\":%u,"
	       "\"direct\":%s,\"direct_skipped\":", K->reads, K->repeats, K->ncpus,
	       K->direct && !K->direct_skipped && K->on && !K->skipped ? "true" : "false");
	sw_json_str(K->direct_skipped);
	printf("},\"points\":[");
	bool first = true;
	for (unsigned i = 0; i < n; i++)
		for (int sr = 0; sr < SW_NR; sr++)
			for (int m = 0; m < SD_NR_MODES; m++) {
				if (!pt[i].have[sr][m])
					continue;
				printf("%s{\"x\":%" PRIu64 ",\"leg\":\"%s\",\"mode\":\"%s\","
				       "\"wall_us_per_read\":", first ? "" : ",", pt[i].x,
				       sw_series_name[sr], sd_mode_name[m]);
				first = false;
				bench_seed_json_num(pt[i].wall_us[sr][m], 3);
				printf(",\"cpu_us_per_read\":");
				bench_seed_json_num(pt[i].cpu_us[sr][m], 3);
				printf(",\"ctx_voluntary_per_read\":");
				bench_seed_json_num(pt[i].ctx[sr][m], 3);
				printf(",\"ctx_involuntary_per_read\":");
				bench_seed_json_num(pt[i].invol[sr][m], 3);
				printf(",\"steps_per_read\":");
				bench_seed_json_num(sr == SW_SIM ? pt[i].steps[m] : (double)NAN, 3);
				printf(",\"host_us_per_read\":");
				bench_seed_json_num(sr == SW_SIM ? pt[i].host_us[m] : (double)NAN, 3);
				printf(",\"peak_rss_mb\":");
				bench_seed_json_num(sr == SW_SIM ? pt[i].rss_mb : (double)NAN, 1);
				if (sr != SW_SIM) {
					printf(",\"iou_wrk_threads\":");
					bench_seed_json_num(m == SD_SYNC ? (double)NAN : pt[i].workers[sr][m],
							    0);
					printf(",\"resident_pages\":");
					bench_seed_json_num(pt[i].resident[sr][m], 0);
				}
				printf("}");
			}
	printf("]}\n");
}

static void sw_print_table(const struct sd_opts *o, const struct sw_kernel *K,
			   const struct sd_point *pt, unsigned n)
{
	enum sd_sweep_kind kind = sd_sweep_kind(o->sweep);
	const struct sd_leg_cfg *L = &o->leg[SD_SIM];
	char sz[32];
	sd_fmt_x(sz, sizeof(sz), SD_SW_SIZE, L->size);
	if (L->on)
		printf("pcsim bench seed --sweep %s: sim leg, %" PRIu64 " reads of %s%s file, %s; "
		       "per read: wall us, CPU us, voluntary switches (modelled); steps and host "
		       "us (the model's own cost)\n", o->sweep, L->reads,
		       kind == SD_SW_SIZE ? "an up to " : "a ", sz,
		       o->have_cal ? "calibrated costs" : "flat step_ns");
	if (K->on && K->skipped)
		printf("kernel points: skipped: %s\n", K->skipped);
	else if (K->on)
		printf("kernel points (kernel, and kernel-direct: O_DIRECT): %" PRIu64 " reads, "
		       "median of %" PRIu64 "; per read: wall us, CPU us (getrusage, io-wq "
		       "workers included), voluntary and involuntary switches; iou-wrk threads at "
		       "the end%s%s\n", K->reads, K->repeats,
		       K->direct_skipped ? "; O_DIRECT skipped: " : "",
		       K->direct_skipped ? K->direct_skipped : "");
	printf("  %7s %-13s", sd_sweep_name[kind], "leg");
	for (int m = 0; m < SD_NR_MODES; m++)
		if (o->modes & (1u << m))
			printf(" | %-7s %7s %6s %5s %6s %6s", sd_mode_name[m], "wall", "CPU", "ctx",
			       "st|inv", "hst|wk");
	printf(" | RSS MiB\n");
	for (unsigned i = 0; i < n; i++) {
		char xb[32];
		sd_fmt_x(xb, sizeof(xb), kind, pt[i].x);
		for (int sr = 0; sr < SW_NR; sr++) {
			bool any = false;
			for (int m = 0; m < SD_NR_MODES; m++)
				any |= pt[i].have[sr][m];
			if (!any)
				continue;
			printf("  %7s %-13s", xb, sw_series_name[sr]);
			for (int m = 0; m < SD_NR_MODES; m++) {
				if (!(o->modes & (1u << m)))
					continue;
				if (!pt[i].have[sr][m])
					printf(" | %-7s %7s %6s %5s %6s %6s", "", "-", "-", "-", "-",
					       "-");
				else if (sr == SW_SIM)
					printf(" | %-7s %7.2f %6.2f %5.2f %6.1f %6.2f", "",
					       pt[i].wall_us[sr][m], pt[i].cpu_us[sr][m],
					       pt[i].ctx[sr][m], pt[i].steps[m], pt[i].host_us[m]);
				else
					printf(" | %-7s %7.2f %6.2f %5.2f %6.3f %6.0f", "",
					       pt[i].wall_us[sr][m], pt[i].cpu_us[sr][m],
					       pt[i].ctx[sr][m], pt[i].invol[sr][m],
					       m == SD_SYNC ? 0 : pt[i].workers[sr][m]);
			}
			if (sr != SW_SIM || isnan(pt[i].rss_mb))
				printf(" | %7s\n", "-");
			else
				printf(" | %7.1f\n", pt[i].rss_mb);
		}
	}
}

int sd_sweep_run(struct sd_opts *o)
{
	static const uint64_t qd_pts[] = { 1, 2, 4, 8, 16, 32, 64, 128 };
	static const uint64_t cpu_pts[] = { 1, 2, 4, 8 };
	static const uint64_t wk_pts[] = { 1, 2, 4, 8, 16, 32, 64 };
	enum sd_sweep_kind kind = sd_sweep_kind(o->sweep);
	struct sd_leg_cfg *L = &o->leg[SD_SIM];
	uint64_t xs[SD_SWEEP_MAX];
	unsigned n = 0;
	int rc;
	/* the legs: the sim leg alone unless --legs says which of sim and kernel */
	if (!o->legs_given) {
		L->on = true;
	} else if (o->leg[SD_THREADS].on) {
		return pcsim_cmdline_usage_error(
			"bench seed: --sweep runs the sim and kernel legs (--legs sim,kernel), "
			"not threads");
	}
	if (o->sweep_points) {
		rc = sw_parse_points(o, kind, xs, &n);
		if (rc)
			return rc;
	} else if (kind == SD_SW_QD) {
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
	struct sw_kernel K;
	memset(&K, 0, sizeof(K));
	rc = sw_kernel_setup(o, &K, kind, xs, n);
	if (rc)
		return rc;
	if (!L->on && !K.on)
		return pcsim_cmdline_usage_error("bench seed: --sweep: --legs sim, kernel or both");
	unsigned qd0 = o->qd, cpus0 = o->ncpus, workers0 = o->workers;
	uint64_t size0 = L->size;
	struct sd_point pt[SD_SWEEP_MAX];
	memset(pt, 0, sizeof(pt));
	char path[4096] = "";
#ifdef PCSIM_BENCH_LIBURING
	bool made = false;
#endif
	for (unsigned i = 0; i < n; i++) {
		o->qd = kind == SD_SW_QD ? (unsigned)xs[i] : qd0;
		o->ncpus = kind == SD_SW_CPUS ? (unsigned)xs[i] : cpus0;
		o->workers = kind == SD_SW_WORKERS ? (unsigned)xs[i] : workers0;
		L->size = kind == SD_SW_SIZE ? xs[i] : size0;
		char xb[32];
		sd_fmt_x(xb, sizeof(xb), kind, xs[i]);
		if (!o->json)
			fprintf(stderr, "bench seed: sweep %s = %s\n", o->sweep, xb);
		pt[i].x = xs[i];
		pt[i].rss_mb = (double)NAN;
		if (L->on) {
			memset(L->have, 0, sizeof(L->have));
			bool rss = sd_rss_reset();
			rc = bench_seed_model_leg(o, SD_SIM);
			pt[i].rss_mb = rss ? sd_rss_peak_mb() : (double)NAN;
			if (rc)
				return 1;
			for (int m = 0; m < SD_NR_MODES; m++) {
				if (!L->have[m])
					continue;
				const struct sd_result *r = &L->med[m];
				double k = 1e6 / (double)L->reads;
				pt[i].have[SW_SIM][m] = true;
				pt[i].wall_us[SW_SIM][m] = r->wall_s * k;
				pt[i].cpu_us[SW_SIM][m] = (r->user_s + r->sys_s) * k;
				pt[i].ctx[SW_SIM][m] = r->ctx_vol / (double)L->reads;
				pt[i].invol[SW_SIM][m] = r->ctx_invol / (double)L->reads;
				pt[i].host_us[m] = r->host_s * k;
				pt[i].steps[m] = r->steps_read;
			}
		}
		if (!K.on || K.skipped)
			continue;
		if (kind == SD_SW_CPUS && xs[i] > K.ncpus) {
			if (!o->json)
				fprintf(stderr, "bench seed: sweep cpus = %s: no kernel point (this "
					"process may run on %u CPUs)\n", xb, K.ncpus);
			continue;
		}
#ifdef PCSIM_BENCH_LIBURING
		/* the file: once, or once per size; its pages are dropped before every run */
		if (!made || kind == SD_SW_SIZE) {
			sw_path(o, L->size, path, sizeof(path));
			if (!o->json)
				fprintf(stderr, "bench seed: kernel points: file %s\n", path);
			int e = bench_seed_make_file(path, L->size);
			if (e) {
				snprintf(K.why, sizeof(K.why), "cannot create %s: %s", path,
					 strerror(-e));
				K.skipped = K.why;
				continue;
			}
			made = true;
		}
		sw_kernel_point(o, &K, path, L->size, o->qd,
				kind == SD_SW_WORKERS ? (unsigned)xs[i] : 0,
				kind == SD_SW_CPUS ? (unsigned)xs[i] : 0, &pt[i]);
		if (kind == SD_SW_SIZE && !o->keep)
			unlink(path);
#endif
	}
#ifdef PCSIM_BENCH_LIBURING
	if (made && kind != SD_SW_SIZE && !o->keep)
		unlink(path);
#endif
	(void)path;
	o->qd = qd0;
	o->ncpus = cpus0;
	o->workers = workers0;
	L->size = size0;
	if (o->json)
		sw_print_json(o, &K, pt, n);
	else
		sw_print_table(o, &K, pt, n);
	if (o->sweep_svg && sd_sweep_svg(o, &K, pt, n, o->sweep_svg))
		return 1;
	return 0;
}
