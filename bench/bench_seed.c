// SPDX-License-Identifier: MIT
/*
 * bench_seed.c - `pcsim bench seed`: the experiment of the async buffered reads cover letter
 * (5.9: "io_uring: add support for async buffered reads"), on three legs side by side.
 *
 * The workload: distinct random 4 KiB blocks of a file that is not cached, read once each,
 * POSIX_FADV_RANDOM (no readahead), 32 reads in flight, one SQE per io_uring_enter (submit one,
 * reap, refill), in three modes: sync (preadv, one read at a time), offload (every read punted to
 * io-wq: IOSQE_ASYNC on every SQE) and rasync (plain buffered io_uring: the NOWAIT attempt, the
 * page wait callback, the retry from task_work). Legs:
 *  - kernel: this machine's kernel through liburing on a real file (preadv2-free preadv(2),
 *    io_uring_enter); the file's pages dropped with POSIX_FADV_DONTNEED before each run; wall
 *    time, getrusage(RUSAGE_SELF) (every thread of the process, io-wq workers included) and IOPS.
 *  - sim: the same program on pcsim's model (src/uring_sim/ over src/pagecache/) on the sim
 *    backend in timed mode with the perf-anchor device; virtual wall time; modelled CPU = steps
 *    taken by contexts x step_ns; modelled context switches counted per step (a task that goes
 *    to sleep: voluntary; a runnable task that another task replaces on its CPU: involuntary).
 *  - threads: the same program on the threads backend (real threads, real delays), measured as
 *    the kernel leg is (wall clock, getrusage).
 * Then the ratios sync/rasync and offload/rasync of wall, CPU and context switches, beside the
 * cover letter's and the kernel leg's. Models nothing itself: it drives the ring's model, which
 * holds io_read, io_async_buf_func, io_wq and generic_file_buffered_read (docs/uring.md).
 * What each figure means: docs/seed-experiment.md; the figures: bench/README.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sched.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/uio.h>

#ifdef PCSIM_BENCH_LIBURING
#include <liburing.h>
#endif

#include <pcsim/pcsim.h>
#include <pcsim_support/cmdline.h>

#include "bench_seed.h"
#include "bench_util.h"
#include "calib.h"

#define SD_MAX_QD 4096u
/* io-wq workers per ring: the default is the bounded io-wq's min(QD, 4 x CPUs) on 2 CPUs (5.10);
 * the model's pool holds up to PCSIM_URING_IOWQ_MAX (--predict takes the kernel leg's count) */
#define SD_DEFAULT_WORKERS 8u
#define SD_MAX_WORKERS PCSIM_URING_IOWQ_MAX

static const char *const sd_leg_name[SD_NR_LEGS] = { "kernel", "sim", "threads" };
/* the ring's mode for each of ours */
static const enum pcsim_uring_mode sd_ring_mode[SD_NR_MODES] = {
	PCSIM_URING_SYNC, PCSIM_URING_OFFLOAD, PCSIM_URING_RASYNC };

/* ---------------------------------------------------------------------------------------------
 * Helpers
 */
static double tv_s(struct timeval t)
{
	return (double)t.tv_sec + (double)t.tv_usec * 1e-6;
}

/* A fixed random order of distinct blocks: the first @n of a Fisher-Yates permutation of @nblk. */
static unsigned *sd_order(uint64_t nblk, uint64_t n, uint64_t seed)
{
	unsigned *o = malloc(nblk * sizeof(*o));
	if (!o)
		return NULL;
	uint64_t x = 0x9e3779b97f4a7c15ull ^ (seed * 0xbf58476d1ce4e5b9ull);
	if (!x)
		x = 1;
	for (uint64_t i = 0; i < nblk; i++)
		o[i] = (unsigned)i;
	for (uint64_t i = nblk - 1; i > 0 && n; i--) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		uint64_t j = x % (i + 1);
		unsigned t = o[i];
		o[i] = o[j];
		o[j] = t;
	}
	(void)n;
	return o;
}

/* "256M", "2G", "65536", "4K": bytes (or a count) with an optional binary suffix. */
static int sd_parse_size(const char *opt, const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	errno = 0;
	if (!s || !*s || *s == '-')
		return pcsim_cmdline_usage_error("%s: '%s' is not a size", opt, s ? s : "");
	unsigned long long v = strtoull(s, &end, 10);
	unsigned shift = 0;
	if (*end == 'K' || *end == 'k')
		shift = 10;
	else if (*end == 'M' || *end == 'm')
		shift = 20;
	else if (*end == 'G' || *end == 'g')
		shift = 30;
	if (shift)
		end++;
	if (errno || end == s || *end || (shift && v > (UINT64_MAX >> shift)))
		return pcsim_cmdline_usage_error("%s: '%s' is not a size (N, NK, NM or NG)", opt, s);
	v <<= shift;
	if (v < min || v > max)
		return pcsim_cmdline_usage_error("%s: %llu is outside %" PRIu64 "..%" PRIu64, opt, v,
						 min, max);
	*out = v;
	return 0;
}

static double sd_median(double *v, unsigned n)
{
	qsort(v, n, sizeof(*v), bench_cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Medians of each figure over @n runs. */
static void sd_medians(const struct sd_result *runs, unsigned n, struct sd_result *med)
{
	double *v = calloc(n, sizeof(double));
	if (!v)
		return;
	const size_t nf = sizeof(struct sd_result) / sizeof(double);
	for (size_t f = 0; f < nf; f++) {
		for (unsigned i = 0; i < n; i++)
			v[i] = ((const double *)&runs[i])[f];
		((double *)med)[f] = sd_median(v, n);
	}
	free(v);
}

/* ---------------------------------------------------------------------------------------------
 * The kernel leg: liburing on a real file
 */
#ifdef PCSIM_BENCH_LIBURING
static int sd_make_file(const char *path, uint64_t size)
{
	struct stat st;
	if (stat(path, &st) == 0 && (uint64_t)st.st_size == size)
		return 0;	/* reuse: its content does not matter, only that it is on disk */
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return -errno;
	const size_t chunk = 1u << 20;
	uint64_t *b = malloc(chunk), x = 0x2545f4914f6cdd1dull;
	int rc = b ? 0 : -ENOMEM;
	for (uint64_t done = 0; rc == 0 && done < size;) {
		for (size_t i = 0; i < chunk / 8; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			b[i] = x;
		}
		size_t n = size - done < chunk ? (size_t)(size - done) : chunk;
		ssize_t w = write(fd, b, n);
		if (w <= 0)
			rc = w < 0 ? -errno : -EIO;
		else
			done += (uint64_t)w;
	}
	/* on disk and clean, so that POSIX_FADV_DONTNEED can drop every page */
	if (rc == 0 && fsync(fd) < 0)
		rc = -errno;
	free(b);
	close(fd);
	if (rc)
		unlink(path);
	return rc;
}

/* Pages of @fd's first @size bytes in the page cache (mincore of a mapping). */
static double sd_resident(int fd, uint64_t size)
{
	void *p = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return -1;
	size_t np = (size + SD_BS - 1) / SD_BS;
	unsigned char *vec = malloc(np);
	double n = -1;
	if (vec && mincore(p, size, vec) == 0) {
		n = 0;
		for (size_t i = 0; i < np; i++)
			n += vec[i] & 1;
	}
	free(vec);
	munmap(p, size);
	return n;
}

/* io-wq workers of this process now: threads named iou-wrk-PID in /proc/self/task. */
static double sd_count_workers(void)
{
	DIR *d = opendir("/proc/self/task");
	double n = 0;
	if (!d)
		return -1;
	for (struct dirent *e; (e = readdir(d));) {
		char path[300], comm[64] = "";
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", e->d_name);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) && strncmp(comm, "iou-wrk", 7) == 0)
			n++;
		fclose(f);
	}
	closedir(d);
	return n;
}

/*
 * Reap what has completed, waiting for one: each CQE gives its buffer slot back. 0 or -errno
 * (@err says which call).
 */
static int sd_reap(struct io_uring *ring, unsigned *freel, unsigned *nfree, uint64_t *done,
		   char *err, size_t errlen)
{
	struct io_uring_cqe *cqe;
	int s;
	do
		s = io_uring_submit_and_wait(ring, 1);
	while (s == -EINTR);
	if (s < 0) {
		snprintf(err, errlen, "io_uring_submit_and_wait: %s", strerror(-s));
		return s;
	}
	int rc = 0;
	while (io_uring_peek_cqe(ring, &cqe) == 0) {
		if (cqe->res != (int)SD_BS && rc == 0) {
			rc = cqe->res < 0 ? cqe->res : -EIO;
			snprintf(err, errlen, "read completed with %d", cqe->res);
		}
		freel[(*nfree)++] = (unsigned)io_uring_cqe_get_data64(cqe);
		io_uring_cqe_seen(ring, cqe);
		(*done)++;
	}
	return rc;
}

/*
 * One run of @mode: @n reads of the blocks @order names, @qd in flight (the ring's depth too),
 * one SQE per io_uring_enter, as fio submits; @direct opens the file
 * O_DIRECT; @workers (0: the kernel's default) is io-wq's bound and unbound workers limit;
 * @aff (NULL: unchanged) the CPUs of its workers (the caller has set the process's). The
 * file's pages are dropped first. 0, or -errno with @err saying what failed.
 */
int bench_seed_kernel_run(const char *path, uint64_t size, const unsigned *order, uint64_t n,
			 unsigned qd, enum sd_mode mode, bool direct, unsigned workers,
			 const cpu_set_t *aff, struct sd_result *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	int fd = open(path, O_RDONLY | (direct ? O_DIRECT : 0));
	if (fd < 0) {
		int e = errno;
		snprintf(err, errlen, "open %s%s: %s", path, direct ? " O_DIRECT" : "", strerror(e));
		return -e;
	}
	unsigned char *buf = NULL;
	unsigned *freel = malloc(qd * sizeof(*freel));
	if (!freel || posix_memalign((void **)&buf, SD_BS, (size_t)qd * SD_BS)) {
		free(freel);
		close(fd);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	memset(buf, 0, (size_t)qd * SD_BS);
	posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM);
	out->resident = sd_resident(fd, size);

	struct io_uring ring;
	int rc = 0;
	if (mode != SD_SYNC) {
		rc = io_uring_queue_init(qd, &ring, 0);
		if (rc < 0) {
			snprintf(err, errlen, "io_uring_queue_init(%u): %s", qd, strerror(-rc));
			goto out_free;
		}
		if (workers) {
			/* both: on 6.18 IOSQE_ASYNC buffered reads are capped by the unbound limit,
			 * not the bound one (docs/seed-experiment.md, "Scaling curves") */
			unsigned v[2] = { workers, workers };
			rc = io_uring_register_iowq_max_workers(&ring, v);
			if (rc < 0)
				snprintf(err, errlen, "io_uring_register_iowq_max_workers(%u): %s",
					 workers, strerror(-rc));
		}
		if (rc == 0 && aff) {
			rc = io_uring_register_iowq_aff(&ring, sizeof(*aff), aff);
			if (rc < 0)
				snprintf(err, errlen, "io_uring_register_iowq_aff: %s",
					 strerror(-rc));
		}
		if (rc < 0) {
			io_uring_queue_exit(&ring);
			goto out_free;
		}
	}
	struct rusage r0, r1;
	getrusage(RUSAGE_SELF, &r0);
	double t0 = bench_now_s();
	if (mode == SD_SYNC) {
		for (uint64_t i = 0; i < n && rc == 0; i++) {
			struct iovec iov = { buf, SD_BS };
			ssize_t r = preadv(fd, &iov, 1, (off_t)order[i] * SD_BS);
			if (r != (ssize_t)SD_BS) {
				rc = r < 0 ? -errno : -EIO;
				snprintf(err, errlen, "preadv: %s", strerror(-rc));
			}
		}
	} else {
		unsigned nfree = qd;
		uint64_t sub = 0, done = 0;
		for (unsigned i = 0; i < qd; i++)
			freel[i] = i;
		while (rc == 0 && done < n) {
			while (rc == 0 && nfree && sub < n) {
				struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
				unsigned slot = freel[--nfree];
				io_uring_prep_read(sqe, fd, buf + (size_t)slot * SD_BS, SD_BS,
						   (uint64_t)order[sub++] * SD_BS);
				if (mode == SD_OFFLOAD)
					sqe->flags |= IOSQE_ASYNC;
				io_uring_sqe_set_data64(sqe, slot);
				int s = io_uring_submit(&ring);
				if (s < 0) {
					rc = s;
					snprintf(err, errlen, "io_uring_submit: %s", strerror(-s));
				}
			}
			if (rc == 0)
				rc = sd_reap(&ring, freel, &nfree, &done, err, errlen);
		}
	}
	double el = bench_now_s() - t0;
	getrusage(RUSAGE_SELF, &r1);
	if (mode != SD_SYNC) {
		out->workers = sd_count_workers();
		io_uring_queue_exit(&ring);
	}
	out->wall_s = el;
	out->user_s = tv_s(r1.ru_utime) - tv_s(r0.ru_utime);
	out->sys_s = tv_s(r1.ru_stime) - tv_s(r0.ru_stime);
	out->cpu_pct = el > 0 ? 100 * (out->user_s + out->sys_s) / el : 0;
	out->ctx_vol = (double)(r1.ru_nvcsw - r0.ru_nvcsw);
	out->ctx_invol = (double)(r1.ru_nivcsw - r0.ru_nivcsw);
	out->iops = el > 0 ? (double)n / el : 0;
out_free:
	free(freel);
	free(buf);
	close(fd);
	return rc;
}

/* Is io_uring usable here (not compiled out, not disabled by sysctl, not refused by seccomp)? */
static const char *sd_uring_unavailable(void)
{
	struct io_uring ring;
	int rc = io_uring_queue_init(2, &ring, 0);
	if (rc < 0) {
		static char why[96];
		snprintf(why, sizeof(why), "io_uring unavailable (io_uring_queue_init: %s)",
			 strerror(-rc));
		return why;
	}
	io_uring_queue_exit(&ring);
	return NULL;
}
#endif

static int sd_kernel_leg(struct sd_opts *o)
{
	struct sd_leg_cfg *L = &o->leg[SD_KERNEL];
#ifndef PCSIM_BENCH_LIBURING
	L->skipped = "built without liburing (PCSIM_WITH_LIBURING=OFF or liburing-dev missing)";
	return 0;
#else
	L->skipped = sd_uring_unavailable();
	if (L->skipped)
		return 0;
	char path[4096];
	const char *dir = o->dir ? o->dir : getenv("TMPDIR");
	if (!dir || !*dir)
		dir = "/tmp";
	snprintf(path, sizeof(path), "%s/pcsim-seed-%" PRIu64 ".dat", dir, L->size);
	if (!o->json)
		fprintf(stderr, "bench seed: kernel leg: file %s (%" PRIu64 " MiB)\n", path,
			L->size >> 20);
	int rc = sd_make_file(path, L->size);
	if (rc) {
		static char why[4200];
		snprintf(why, sizeof(why), "cannot create %s: %s", path, strerror(-rc));
		L->skipped = why;
		return 0;
	}
	uint64_t nblk = L->size / SD_BS;
	unsigned *order = sd_order(nblk, L->reads, o->seed);
	struct sd_result *runs = calloc(SD_NR_MODES * L->repeats, sizeof(*runs));
	if (!order || !runs) {
		free(order);
		free(runs);
		return 3;
	}
	rc = 0;
	/* interleaved: sync offload rasync, sync offload rasync, ... */
	for (uint64_t r = 0; r < L->repeats && rc == 0; r++)
		for (int m = 0; m < SD_NR_MODES && rc == 0; m++) {
			char err[256] = "";
			if (!(o->modes & (1u << m)))
				continue;
			rc = bench_seed_kernel_run(path, L->size, order, L->reads, o->qd,
						   (enum sd_mode)m, false, 0, NULL,
					   &runs[m * L->repeats + r], err, sizeof(err));
			if (rc) {
				static char why[300];
				snprintf(why, sizeof(why), "%s run failed: %s", sd_mode_name[m], err);
				L->skipped = why;
			}
		}
	if (rc == 0)
		for (int m = 0; m < SD_NR_MODES; m++) {
			if (!(o->modes & (1u << m)))
				continue;
			sd_medians(&runs[m * L->repeats], (unsigned)L->repeats, &L->med[m]);
			L->have[m] = true;
		}
	if (!o->keep)
		unlink(path);
	free(order);
	free(runs);
	return 0;
#endif
}

/* ---------------------------------------------------------------------------------------------
 * The sim and threads legs: the same program on pcsim's model
 */
struct sd_prog {
	uint64_t size, reads;
	unsigned qd;
	const unsigned *order;
	unsigned char *buf;
	uint64_t t0, t1;		/* pcsim_now_ns() around the reads */
	uint64_t s0, s1;		/* pcsim_world_step() around the reads (sim) */
	uint64_t done, errors;
	uint64_t waits;			/* wait_cqe calls that found no CQE (an io_uring_enter) */
	struct pcsim_uring_stats st;	/* the ring's counters at the end */
	/* the sim backend's accounting (an invariant called at every step) */
	bool acct;
	uint64_t task_steps, irq_steps, reader_steps, vol, invol;
	bool slept[PCSIM_MAX_TASKS + 2];
	bool woken[PCSIM_MAX_TASKS + 2];	/* has slept and run again */
	const struct pcsim_task *cpu_last[PCSIM_MAX_CPUS];
	const struct pcsim_task *reader;
};

/*
 * Called by the sim backend before every step with the context that reached the point: the
 * step is that context's, and its state tells whether it is going to sleep.
 */
static int sd_account(struct pcsim_world *w, void *arg)
{
	struct sd_prog *p = arg;
	(void)w;
	if (!p->acct)
		return 0;
	if (pcsim_in_interrupt()) {
		p->irq_steps++;
		return 0;
	}
	struct pcsim_task *t = pcsim_current();
	if (!t)
		return 0;
	p->task_steps++;
	if (t == p->reader)
		p->reader_steps++;
	unsigned id = pcsim_task_id(t), cpu = pcsim_task_cpu(t);
	if (id > PCSIM_MAX_TASKS || cpu >= PCSIM_MAX_CPUS)
		return 0;
	bool sl = pcsim_task_is_sleeping(t);
	/*
	 * schedule() with the task not runnable. Not an io-wq worker's first sleep: the model
	 * creates every worker with the ring and each goes idle at once, where 6.x creates them
	 * when work comes (the kernel leg's rasync runs have none); counted over the first reads
	 * and scaled per read, those set-up sleeps would weigh as a sleep per read each (33
	 * workers: one per 32 reads, as many as rasync's reader has).
	 */
	if (sl && !p->slept[id] && (t == p->reader || p->woken[id]))
		p->vol++;
	if (!sl && p->slept[id])
		p->woken[id] = true;
	p->slept[id] = sl;
	const struct pcsim_task *prev = p->cpu_last[cpu];
	if (prev != t) {
		unsigned pid = pcsim_task_id(prev ? prev : t);
		/* the CPU's last task was still runnable: replaced, not gone to sleep */
		if (prev && pid <= PCSIM_MAX_TASKS && !p->slept[pid] && !pcsim_task_exited(prev))
			p->invol++;
		p->cpu_last[cpu] = t;
	}
	return 0;
}

static void sd_submit(struct sd_prog *p, struct pcsim_uring *ring, int fd, uint64_t i,
		      unsigned slot)
{
	struct io_uring_sqe *sqe = pcsim_uring_get_sqe(ring);
	if (!sqe)
		return;
	pcsim_uring_prep_read(sqe, fd, p->buf + (size_t)slot * SD_BS, SD_BS,
			      (uint64_t)p->order[i] * SD_BS);
	pcsim_uring_sqe_set_data64(sqe, slot);
	pcsim_uring_submit(ring);	/* one SQE per io_uring_enter */
}

struct sd_task_arg {
	struct sd_prog *p;
	int fd;
};

/* The reader: QD reads in flight, reap one, submit the next (the kernel leg's loop). */
static void sd_reader(void *arg)
{
	struct sd_task_arg *a = arg;
	struct sd_prog *p = a->p;
	struct pcsim_uring ring;
	/* the mode comes from the world's ring_mode setting; workers from iowq_workers */
	if (pcsim_uring_queue_init_params(p->qd, &ring, NULL))
		return;
	p->t0 = pcsim_now_ns();
	p->s0 = pcsim_world_step(pcsim_world_current());
	p->acct = true;
	uint64_t next = 0, inflight = 0;
	for (; next < p->reads && next < p->qd; next++, inflight++)
		sd_submit(p, &ring, a->fd, next, (unsigned)next);
	while (inflight) {
		struct io_uring_cqe *cqe;
		if (pcsim_uring_peek_cqe(&ring, &cqe) != 0)
			p->waits++;	/* none ready: the reader enters the kernel to wait */
		if (pcsim_uring_wait_cqe(&ring, &cqe))
			break;
		unsigned slot = (unsigned)cqe->user_data;
		if (cqe->res != (int)SD_BS)
			p->errors++;
		p->done++;
		inflight--;
		pcsim_uring_cqe_seen(&ring, cqe);
		if (next < p->reads) {
			sd_submit(p, &ring, a->fd, next++, slot);
			inflight++;
		}
	}
	p->acct = false;
	p->t1 = pcsim_now_ns();
	p->s1 = pcsim_world_step(pcsim_world_current());
	pcsim_uring_stats(&ring, &p->st);
	pcsim_uring_queue_exit(&ring);
}

static void sd_setup(struct pcsim_world *w, void *arg)
{
	struct sd_prog *p = arg;
	struct pcsim_bdev *bdev = pcsim_alloc(w, sizeof(*bdev));
	struct sd_task_arg *a = pcsim_alloc(w, sizeof(*a));
	if (!bdev || !a)
		return;
	/* the instant device; the world's `device=perf-anchor` setting gives it its shape */
	pcsim_bdev_init(bdev, 2, false);
	struct pcsim_address_space *m = pcsim_mapping_create(w, 12, p->size, bdev, 0);
	if (!m)
		return;
	m->fadv_random = true;		/* POSIX_FADV_RANDOM */
	a->p = p;
	a->fd = pcsim_uring_open(w, m, 0);
	if (pcsim_world_config(w)->backend == PCSIM_BACKEND_SIM &&
	    (pcsim_world_config(w)->checks & PCSIM_CHECK_INVARIANTS))
		pcsim_invariant_register(w, "seed-accounting", sd_account, p);
	p->reader = pcsim_task_create(w, "reader", sd_reader, a, 0);
}

/*
 * One execution of @mode on @leg's file, @reads reads. On sim with @acct, the per-step
 * accounting runs (as an invariant, so the layers' own invariants run too: ~25x slower) and
 * gives the context switches and where the steps went; without it wall, CPU and IOPS.
 */
static int sd_model_run(struct sd_opts *o, enum sd_leg leg, const unsigned *order,
			enum sd_mode mode, uint64_t reads, bool acct, struct sd_result *out)
{
	struct sd_leg_cfg *L = &o->leg[leg];
	bool sim = leg == SD_SIM;
	struct sd_prog *p = calloc(1, sizeof(*p));
	unsigned char *buf = calloc(o->qd, SD_BS);
	if (!p || !buf) {
		free(p);
		free(buf);
		return -ENOMEM;
	}
	p->size = L->size;
	p->reads = reads;
	p->qd = o->qd;
	p->order = order;
	p->buf = buf;

	struct pcsim_config cfg = bench_config(sim ? PCSIM_BACKEND_SIM : PCSIM_BACKEND_THREADS);
	if (sim) {
		/* only the invariant list: the accounting above runs as one */
		cfg.checks = acct ? PCSIM_CHECK_INVARIANTS : PCSIM_CHECK_NONE;
		cfg.timed = true;
		cfg.step_ns = o->step_ns;
		cfg.ncpus = o->ncpus;
		cfg.max_steps = 4000 * reads + 1000000;
	} else {
		cfg.threads_timeout_ms = 600000;
	}
	pcsim_pagecache_config(&cfg)->device = PCSIM_DEVICE_PERF_ANCHOR;
	pcsim_uring_config(&cfg)->mode = (int)sd_ring_mode[mode];
	pcsim_uring_config(&cfg)->iowq_workers = o->workers;
	if (o->irq_batch > 1)
		pcsim_pagecache_config(&cfg)->device_irq_batch = o->irq_batch;
	/* the lone request's extra round trip, measured by the calibration (O_DIRECT at QD 1) */
	if (o->have_cal && !isnan(o->cal.device_idle_ns) && o->cal.device_idle_ns >= 1)
		pcsim_pagecache_config(&cfg)->device_idle_ns =
			(uint64_t)(o->cal.device_idle_ns > 1e9 ? 1e9 : o->cal.device_idle_ns + 0.5);
	/* memory for 1 M reads: freed requests reused (the kernel's request cache) */
	if (sim)
		pcsim_uring_config(&cfg)->req_cache = 1;

	struct pcsim_program prog = { "bench-seed", sd_setup, NULL, p };
	struct pcsim_explore_opts eo;
	struct pcsim_report rep;
	pcsim_explore_opts_init(&eo);
	eo.strategy = o->strategy;
	eo.seed = o->seed;
	eo.max_executions = 1;
	eo.confirm = false;
	eo.no_choice_log = true;	/* one timed run, never replayed: 16 bytes per choice saved */
	struct rusage r0, r1;
	getrusage(RUSAGE_SELF, &r0);
	double h0 = bench_now_s();
	int rc = pcsim_explore(&prog, &cfg, &eo, &rep);
	double host = bench_now_s() - h0;
	getrusage(RUSAGE_SELF, &r1);
	if (rc != 0 || p->done != p->reads || p->errors) {
		fprintf(stderr, "bench seed: %s leg, %s: rc %d, %s (%s), %" PRIu64 " of %" PRIu64
			" reads, %" PRIu64 " errors%s%s\n",
			sd_leg_name[leg], sd_mode_name[mode], rc, pcsim_outcome_name(rep.outcome),
			rep.what, p->done, p->reads, p->errors, rep.message ? ": " : "",
			rep.message ? rep.message : "");
		pcsim_report_free(&rep);
		free(p);
		free(buf);
		return -EIO;
	}
	memset(out, 0, sizeof(*out));
	double wall = (double)(p->t1 - p->t0) * 1e-9;
	out->wall_s = wall;
	out->iops = wall > 0 ? (double)p->reads / wall : 0;
	out->host_s = host;
	out->steps = (double)rep.steps;
	if (sim) {
		/* the model has no user space: every step between the first submission and the
		 * last CQE is modelled kernel work of some context (a task or an interrupt) */
		out->user_s = 0;
		out->sys_s = (double)(p->s1 - p->s0) * (double)o->step_ns * 1e-9;
		out->ctx_vol = (double)p->vol;
		out->ctx_invol = (double)p->invol;
		out->steps_read = (double)(p->s1 - p->s0) / (double)reads;
		out->reader_read = (double)p->reader_steps / (double)reads;
		out->worker_read = (double)(p->task_steps - p->reader_steps) / (double)reads;
		out->irq_read = (double)p->irq_steps / (double)reads;
		out->op_sys = (double)(p->st.submitted + p->waits);
		out->op_waits = (double)p->waits;
		out->op_punted = (double)p->st.punted;
		out->op_armed = (double)p->st.armed;
		out->wall_dev = wall;
		out->host_cpu_s = tv_s(r1.ru_utime) - tv_s(r0.ru_utime) + tv_s(r1.ru_stime) -
				  tv_s(r0.ru_stime);
		out->cpu_flat = out->sys_s;
	} else {
		out->user_s = tv_s(r1.ru_utime) - tv_s(r0.ru_utime);
		out->sys_s = tv_s(r1.ru_stime) - tv_s(r0.ru_stime);
		out->ctx_vol = (double)(r1.ru_nvcsw - r0.ru_nvcsw);
		out->ctx_invol = (double)(r1.ru_nivcsw - r0.ru_nivcsw);
	}
	out->cpu_pct = wall > 0 ? 100 * (out->user_s + out->sys_s) / wall : 0;
	pcsim_report_free(&rep);
	free(p);
	free(buf);
	return 0;
}

/*
 * The calibrated CPU model (docs/seed-experiment.md, "The calibrated model"): the run's counted
 * operations times their measured costs, in place of steps x step_ns:
 *   CPU = enters x syscall + voluntary switches x ctx_switch + reads x (read_path + miss),
 *       miss being miss_qd1 for one read at a time (sync, QD 1), else miss (at depth)
 *       + armed x lookup (the NOWAIT attempt that found the page missing)
 *       + punted x (iowq + worker x (min(QD, workers) - 1) / 31)
 *       worker being wq_block (a worker asleep on an uncached page among 33: its wake-up from
 *       the interrupt, the competition of 33 threads for 2 CPUs, their preemptions and the
 *       one-inode contention, measured by 33 threads of cold preadv) where the calibration has
 *       it, else contention (cached reads through io-wq at QD 32 over QD 1: no sleep on a page)
 * and the wall time composed with the device's (the run's own virtual wall, steps at 1 ns, the
 * device's idle_ns on every request that found it idle): sync is serial (device + CPU + a
 * wake-up of a task asleep on an idle CPU, wake_idle, per voluntary switch); at depth the
 * slowest of the device, the submitting task's own time (its CPU and a wake_idle per sleep) and
 * the whole CPU spread over the CPUs. Not charged in virtual time: the engine has one clock for
 * all CPUs and no hook to keep one CPU busy for a while.
 */
static void sd_charge(const struct sd_opts *o, enum sd_mode mode, struct sd_result *r,
		      double reads)
{
	const struct pcsim_calib *c = &o->cal;
	double nz_iowq = isnan(c->iowq_ns) ? 0 : c->iowq_ns;
	/* wq_block contains the one-inode contention of its 33 readers: never both */
	double nz_worker = !isnan(c->wq_block_ns)	  ? c->wq_block_ns :
			 !isnan(c->contention_ns) ? c->contention_ns :
						    0;
	unsigned conc = o->qd < o->workers ? o->qd : o->workers;
	double f = conc > 1 ? (double)(conc - 1) / 31.0 : 0;
	if (f > 1)
		f = 1;
	double cpu_ns = r->op_sys * c->syscall_ns + r->ctx_vol * c->ctx_switch_ns +
			reads * (c->read_path_ns +
				 (mode == SD_SYNC || o->qd == 1 ? c->miss_qd1_ns : c->miss_ns)) +
			r->op_armed * c->lookup_ns +
			r->op_punted * (nz_iowq + nz_worker * f);
	double reader_ns = cpu_ns;
	if (mode == SD_OFFLOAD)
		reader_ns = r->op_sys * c->syscall_ns + r->op_waits * c->ctx_switch_ns +
			    r->op_punted * nz_iowq;
	/* the wake-up latency of a task asleep on an idle CPU: off CPU, on the waker's path */
	double wake = isnan(c->wake_idle_ns) ? 0 : c->wake_idle_ns;
	double cpu = cpu_ns * 1e-9, reader = reader_ns * 1e-9, wall;
	double reader_time = (reader_ns + r->op_waits * wake) * 1e-9;
	if (mode == SD_SYNC || o->qd == 1) {
		/* one thing at a time: every sleep's wake-up is on the critical path */
		wall = r->wall_dev + cpu + r->ctx_vol * wake * 1e-9;
	} else {
		wall = r->wall_dev;
		if (reader_time > wall)
			wall = reader_time;
		if (cpu / o->ncpus > wall)
			wall = cpu / o->ncpus;
	}
	r->user_s = 0;
	r->sys_s = cpu;
	r->cpu_reader = reader;
	r->wall_s = wall;
	r->iops = wall > 0 ? reads / wall : 0;
	r->cpu_pct = wall > 0 ? 100 * cpu / wall : 0;
}

static double sd_div(double a, double b);

static int sd_model_leg(struct sd_opts *o, enum sd_leg leg)
{
	struct sd_leg_cfg *L = &o->leg[leg];
	unsigned *order = sd_order(L->size / SD_BS, L->reads, o->seed);
	struct sd_result *runs = calloc(SD_NR_MODES * L->repeats, sizeof(*runs));
	if (!order || !runs) {
		free(order);
		free(runs);
		fprintf(stderr, "bench seed: out of memory\n");
		return 3;
	}
	int rc = 0;
	for (uint64_t r = 0; r < L->repeats && rc == 0; r++)
		for (int m = 0; m < SD_NR_MODES && rc == 0; m++) {
			if (!(o->modes & (1u << m)))
				continue;
			if (!o->json && !o->sweep)
				fprintf(stderr, "bench seed: %s leg, %s, round %" PRIu64 "\n",
					sd_leg_name[leg], sd_mode_name[m], r + 1);
			struct sd_result *res = &runs[m * L->repeats + r];
			rc = sd_model_run(o, leg, order, (enum sd_mode)m, L->reads, false, res);
			if (rc || leg != SD_SIM)
				continue;
			/* the switches: counted per step on the first reads, scaled per read */
			struct sd_result ac;
			uint64_t n = L->reads < o->acct_reads ? L->reads : o->acct_reads;
			rc = sd_model_run(o, leg, order, (enum sd_mode)m, n, true, &ac);
			double k = (double)L->reads / (double)n;
			res->ctx_vol = ac.ctx_vol * k;
			res->ctx_invol = ac.ctx_invol * k;
			res->reader_read = ac.reader_read;
			res->worker_read = ac.worker_read;
			res->irq_read = ac.irq_read;
			res->acct_reads = (double)n;
			if (o->have_cal)
				sd_charge(o, (enum sd_mode)m, res, (double)L->reads);
		}
	if (rc == 0)
		for (int m = 0; m < SD_NR_MODES; m++) {
			if (!(o->modes & (1u << m)))
				continue;
			sd_medians(&runs[m * L->repeats], (unsigned)L->repeats, &L->med[m]);
			L->have[m] = true;
			if (leg == SD_SIM)
				o->sim_steps_per_s[m] =
					sd_div(L->med[m].steps, L->med[m].host_cpu_s);
		}
	if (leg == SD_SIM) {
		struct rusage ru;
		getrusage(RUSAGE_SELF, &ru);
		o->sim_maxrss_kb = ru.ru_maxrss;
	}
	free(order);
	free(runs);
	return rc ? 1 : 0;
}

/* ---------------------------------------------------------------------------------------------
 * Ratios, output, chart
 */
/* The cover letter: 4 GiB, 1 M reads, QD 32, ext4 on bare metal (2020). CPU is CPU-seconds:
 * preadv user+sys; offload ~82 % of 12.05 s (its `time` left out the kernel-thread workers);
 * the patch user+sys. No context-switch numbers ("much smaller"). */
static const double seed_wall[SD_NR_MODES] = { 73.821, 12.054, 9.283 };
static const double seed_cpu[SD_NR_MODES] = { 0.558 + 11.125, 0.82 * 12.054, 0.147 + 4.619 };

enum { R_WALL_SYNC, R_WALL_OFF, R_CPU_SYNC, R_CPU_OFF, R_CTX_SYNC, R_CTX_OFF, R_NR };
static const char *const ratio_key[R_NR] = {
	"wall_sync_rasync", "wall_offload_rasync", "cpu_sync_rasync",
	"cpu_offload_rasync", "ctx_sync_rasync", "ctx_offload_rasync" };
static const char *const ratio_label[R_NR] = {
	"wall sync/rasync", "wall offload/rasync", "CPU sync/rasync",
	"CPU offload/rasync", "ctx sync/rasync", "ctx offload/rasync" };

/* NAN where a figure is missing or the denominator is 0. */
static double sd_div(double a, double b)
{
	return b > 0 ? a / b : (double)NAN;
}

static void sd_ratios(const struct sd_leg_cfg *L, double r[R_NR])
{
	for (int i = 0; i < R_NR; i++)
		r[i] = NAN;
	if (!L->have[SD_SYNC] || !L->have[SD_OFFLOAD] || !L->have[SD_RASYNC])
		return;
	const struct sd_result *s = &L->med[SD_SYNC], *f = &L->med[SD_OFFLOAD],
			       *a = &L->med[SD_RASYNC];
	r[R_WALL_SYNC] = sd_div(s->wall_s, a->wall_s);
	r[R_WALL_OFF] = sd_div(f->wall_s, a->wall_s);
	r[R_CPU_SYNC] = sd_div(s->user_s + s->sys_s, a->user_s + a->sys_s);
	r[R_CPU_OFF] = sd_div(f->user_s + f->sys_s, a->user_s + a->sys_s);
	r[R_CTX_SYNC] = sd_div(s->ctx_vol + s->ctx_invol, a->ctx_vol + a->ctx_invol);
	r[R_CTX_OFF] = sd_div(f->ctx_vol + f->ctx_invol, a->ctx_vol + a->ctx_invol);
}

/* The sim leg's ratios as a prediction: switches are the voluntary ones only (the random
 * strategy's preemptions are not a kernel scheduler's: docs/seed-experiment.md). */
static void sd_pred_ratios(const struct sd_leg_cfg *L, double r[R_NR])
{
	sd_ratios(L, r);
	if (!L->have[SD_SYNC] || !L->have[SD_OFFLOAD] || !L->have[SD_RASYNC])
		return;
	r[R_CTX_SYNC] = sd_div(L->med[SD_SYNC].ctx_vol, L->med[SD_RASYNC].ctx_vol);
	r[R_CTX_OFF] = sd_div(L->med[SD_OFFLOAD].ctx_vol, L->med[SD_RASYNC].ctx_vol);
}

static void sd_seed_ratios(double r[R_NR])
{
	r[R_WALL_SYNC] = seed_wall[SD_SYNC] / seed_wall[SD_RASYNC];
	r[R_WALL_OFF] = seed_wall[SD_OFFLOAD] / seed_wall[SD_RASYNC];
	r[R_CPU_SYNC] = seed_cpu[SD_SYNC] / seed_cpu[SD_RASYNC];
	r[R_CPU_OFF] = seed_cpu[SD_OFFLOAD] / seed_cpu[SD_RASYNC];
	r[R_CTX_SYNC] = r[R_CTX_OFF] = NAN;
}

static void sd_json_num(double v, int prec)
{
	if (isnan(v) || isinf(v))
		printf("null");
	else
		printf("%.*f", prec, v);
}

static void sd_print_json(const struct sd_opts *o)
{
	printf("{\"benchmark\":\"seed\",\"qd\":%u,\"iowq_workers\":%u,\"irq_batch\":%u,"
	       "\"seed\":%" PRIu64 ",\"step_ns\":%" PRIu64 ",\"legs\":{",
	       o->qd, o->workers, o->irq_batch > 1 ? o->irq_batch : 1, o->seed, o->step_ns);
	bool first = true;
	for (int l = 0; l < SD_NR_LEGS; l++) {
		const struct sd_leg_cfg *L = &o->leg[l];
		printf("%s\"%s\":{\"run\":%s,\"size\":%" PRIu64 ",\"reads\":%" PRIu64
		       ",\"repeats\":%" PRIu64 ",\"skipped\":",
		       first ? "" : ",", sd_leg_name[l], L->on && !L->skipped ? "true" : "false",
		       L->size, L->reads, L->repeats);
		first = false;
		if (L->skipped || !L->on) {
			printf("\"");
			for (const char *c = L->skipped ? L->skipped : "not asked for"; *c; c++)
				printf(*c == '"' || *c == '\\' ? "\\%c" : (unsigned char)*c < 32 ? " "
					: "%c", *c);
			printf("\"");
		} else {
			printf("null");
		}
		if (l == SD_SIM && L->on && !L->skipped) {
			printf(",\"maxrss_kib\":%ld,\"steps_per_s\":{", o->sim_maxrss_kb);
			for (int m = 0; m < SD_NR_MODES; m++) {
				printf("%s\"%s\":", m ? "," : "", sd_mode_name[m]);
				sd_json_num(o->sim_steps_per_s[m], 0);
			}
			printf("}");
		}
		printf("}");
	}
	printf("},\"results\":[");
	first = true;
	for (int l = 0; l < SD_NR_LEGS; l++)
		for (int m = 0; m < SD_NR_MODES; m++) {
			const struct sd_leg_cfg *L = &o->leg[l];
			if (!L->have[m])
				continue;
			const struct sd_result *r = &L->med[m];
			printf("%s{\"leg\":\"%s\",\"mode\":\"%s\",\"wall_s\":", first ? "" : ",",
			       sd_leg_name[l], sd_mode_name[m]);
			first = false;
			sd_json_num(r->wall_s, 6);
			printf(",\"user_s\":");
			sd_json_num(r->user_s, 6);
			printf(",\"sys_s\":");
			sd_json_num(r->sys_s, 6);
			printf(",\"cpu_pct\":");
			sd_json_num(r->cpu_pct, 1);
			printf(",\"ctx_voluntary\":");
			sd_json_num(r->ctx_vol, 0);
			printf(",\"ctx_involuntary\":");
			sd_json_num(r->ctx_invol, 0);
			printf(",\"iops\":");
			sd_json_num(r->iops, 0);
			printf("}");
		}
	printf("],\"ratios\":{");
	double r[R_NR];
	sd_seed_ratios(r);
	printf("\"seed\":{");
	for (int i = 0; i < R_NR; i++) {
		printf("%s\"%s\":", i ? "," : "", ratio_key[i]);
		sd_json_num(r[i], 3);
	}
	printf("}");
	for (int l = 0; l < SD_NR_LEGS; l++) {
		sd_ratios(&o->leg[l], r);
		printf(",\"%s\":{", sd_leg_name[l]);
		for (int i = 0; i < R_NR; i++) {
			printf("%s\"%s\":", i ? "," : "", ratio_key[i]);
			sd_json_num(r[i], 3);
		}
		printf("}");
	}
	printf("}");
	printf(",\"calibration\":");
	if (o->have_cal) {
		pcsim_calib_json(&o->cal, stdout);
	} else {
		printf("null");
	}
	printf(",\"prediction\":");
	if (o->predict) {
		double pr[R_NR], me[R_NR];
		sd_pred_ratios(&o->leg[SD_SIM], pr);
		sd_ratios(&o->leg[SD_KERNEL], me);
		printf("{\"cpus\":%u", o->ncpus);
		for (int i = 0; i < R_NR; i++) {
			printf(",\"%s\":{\"predicted\":", ratio_key[i]);
			sd_json_num(pr[i], 3);
			printf(",\"measured\":");
			sd_json_num(me[i], 3);
			printf(",\"error\":");
			sd_json_num(pr[i] / me[i] - 1, 3);
			printf("}");
		}
		printf("}");
	} else {
		printf("null");
	}
	printf("}\n");
}

static void sd_fmt(char *b, size_t n, double v, int prec)
{
	if (isnan(v) || isinf(v))
		snprintf(b, n, "-");
	else
		snprintf(b, n, "%.*f", prec, v);
}

static void sd_print_table(const struct sd_opts *o)
{
	printf("pcsim bench seed: distinct random 4 KiB reads of a cold file, POSIX_FADV_RANDOM, "
	       "QD %u, one SQE per enter; sync = preadv, offload = IOSQE_ASYNC, rasync = buffered "
	       "io_uring\n",
	       o->qd);
	for (int l = 0; l < SD_NR_LEGS; l++) {
		const struct sd_leg_cfg *L = &o->leg[l];
		printf("\n%s leg: ", sd_leg_name[l]);
		if (!L->on) {
			printf("not run\n");
			continue;
		}
		printf("%" PRIu64 " MiB file, %" PRIu64 " reads, median of %" PRIu64, L->size >> 20,
		       L->reads, L->repeats);
		if (l == SD_SIM)
			printf(" (timed, perf-anchor device, %u request(s) per interrupt, %.0f us "
			       "more on an idle device, step_ns %" PRIu64 ", %s strategy seed %"
			       PRIu64 ", %u io-wq workers, %u CPUs; %s)",
			       o->irq_batch > 1 ? o->irq_batch : 1,
			       o->have_cal && !isnan(o->cal.device_idle_ns)
				       ? o->cal.device_idle_ns / 1000 : 0.0,
			       o->step_ns,
			       pcsim_strategy_name(o->strategy), o->seed, o->workers, o->ncpus,
			       o->have_cal ? "CPU and wall from the calibrated per-operation costs"
					   : "virtual time, CPU = steps x step_ns");
		if (l == SD_THREADS)
			printf(" (perf-anchor device with real delays, %u request(s) per interrupt, "
			       "%.0f us more for a request on an idle device, %u io-wq workers)",
			       o->irq_batch > 1 ? o->irq_batch : 1,
			       o->have_cal && !isnan(o->cal.device_idle_ns)
				       ? o->cal.device_idle_ns / 1000 : 0.0,
			       o->workers);
		printf("\n");
		if (L->skipped) {
			printf("  skipped: %s\n", L->skipped);
			continue;
		}
		printf("  %-8s %9s %8s %8s %7s %13s %15s %10s", "mode", "wall_s", "user_s", "sys_s",
		       "cpu_pct", "ctx_voluntary", "ctx_involuntary", "iops");
		if (l == SD_KERNEL)
			printf(" %8s %9s", "workers", "resident");
		if (l == SD_SIM)
			printf(" %10s %8s %8s %10s | %6s %6s %6s %6s", "steps", "host_s",
			       "host_cpu", "steps/s", "st/rd", "reader", "io-wq", "irq");
		if (l == SD_SIM && o->have_cal)
			printf(" | %8s %8s %8s %6s %6s %6s", "dev_wall", "rdr_cpu", "flat_cpu",
			       "sys/rd", "punt", "armed");
		printf("\n");
		for (int m = 0; m < SD_NR_MODES; m++) {
			const struct sd_result *r = &L->med[m];
			if (!L->have[m])
				continue;
			printf("  %-8s %9.3f %8.3f %8.3f %7.1f %13.0f %15.0f %10.0f", sd_mode_name[m],
			       r->wall_s, r->user_s, r->sys_s, r->cpu_pct, r->ctx_vol, r->ctx_invol,
			       r->iops);
			if (l == SD_KERNEL)
				printf(" %8.0f %9.0f", r->workers, r->resident);
			if (l == SD_SIM)
				printf(" %10.0f %8.2f %8.2f %10.0f | %6.1f %6.1f %6.1f %6.1f",
				       r->steps, r->host_s, r->host_cpu_s,
				       sd_div(r->steps, r->host_cpu_s), r->steps_read,
				       r->reader_read, r->worker_read, r->irq_read);
			if (l == SD_SIM && o->have_cal)
				printf(" | %8.3f %8.3f %8.3f %6.2f %6.2f %6.2f", r->wall_dev,
				       r->cpu_reader, r->cpu_flat, r->op_sys / (double)L->reads,
				       r->op_punted / (double)L->reads,
				       r->op_armed / (double)L->reads);
			printf("\n");
		}
		if (l == SD_SIM)
			printf("  ctx: counted at every step over the first %.0f reads (same file, "
			       "order, seed), scaled to %" PRIu64 "; st/rd: steps per read, then the "
			       "reader's, the io-wq workers' and the device interrupts' (counted run)\n"
			       "  peak RSS of the process after the sim leg: %.1f MiB\n",
			       L->med[0].acct_reads, L->reads, o->sim_maxrss_kb / 1024.0);
	}
	printf("\nratios (CPU = user+sys seconds; ctx = voluntary+involuntary)\n");
	printf("  %-20s %8s", "ratio", "seed");
	for (int l = 0; l < SD_NR_LEGS; l++)
		printf(" %8s", sd_leg_name[l]);
	printf("\n");
	double r[SD_NR_LEGS + 1][R_NR];
	sd_seed_ratios(r[0]);
	for (int l = 0; l < SD_NR_LEGS; l++)
		sd_ratios(&o->leg[l], r[l + 1]);
	for (int i = 0; i < R_NR; i++) {
		printf("  %-20s", ratio_label[i]);
		for (int l = 0; l <= SD_NR_LEGS; l++) {
			char b[32];
			sd_fmt(b, sizeof(b), r[l][i], i >= R_CTX_SYNC ? 1 : 2);
			printf(" %8s", b);
		}
		printf("\n");
	}
	printf("  (seed: the cover letter, 4 GiB on bare metal, 2020; it gives no context-switch "
	       "counts)\n");
	if (o->predict) {
		double pr[R_NR], me[R_NR];
		sd_pred_ratios(&o->leg[SD_SIM], pr);
		sd_ratios(&o->leg[SD_KERNEL], me);
		printf("\nprediction: the sim leg at the kernel leg's parameters (%" PRIu64
		       " MiB, %" PRIu64 " reads, QD %u, %u CPUs), calibrated costs; "
		       "ctx = voluntary switches\n",
		       o->leg[SD_KERNEL].size >> 20, o->leg[SD_KERNEL].reads, o->qd, o->ncpus);
		printf("  %-20s %9s %9s %8s\n", "ratio", "predicted", "measured", "error");
		for (int i = 0; i < R_NR; i++) {
			char a[32], b[32], e[32];
			sd_fmt(a, sizeof(a), pr[i], 2);
			sd_fmt(b, sizeof(b), me[i], 2);
			sd_fmt(e, sizeof(e), 100 * (pr[i] / me[i] - 1), 0);
			printf("  %-20s %9s %9s %7s%%\n", ratio_label[i], a, b, e);
		}
	}
}

/* A grouped bar chart of the ratios per leg, log scale, self-contained SVG. */
static int sd_write_svg(const struct sd_opts *o, const char *path)
{
	static const char *const colour[SD_NR_LEGS + 1] = { "#888888", "#1f77b4", "#d62728",
							     "#2ca02c" };
	static const char *const name[SD_NR_LEGS + 1] = { "seed (cover letter)", "kernel", "sim",
							  "threads" };
	double r[SD_NR_LEGS + 1][R_NR];
	sd_seed_ratios(r[0]);
	for (int l = 0; l < SD_NR_LEGS; l++)
		sd_ratios(&o->leg[l], r[l + 1]);
	const double W = 760, H = 360, x0 = 60, y0 = 30, pw = 680, ph = 260;
	const double lo = -1, hi = 2;	/* log10: 0.1 .. 100 */
	char *s = NULL;
	size_t len = 0;
	FILE *svg = open_memstream(&s, &len);	/* the document grows as it is written */
	if (!svg)
		return -1;
#define SVG(...) fprintf(svg, __VA_ARGS__)
	SVG("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
	    "font-family=\"sans-serif\" font-size=\"11\">\n", W, H);
	SVG("<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
	SVG("<text x=\"%.0f\" y=\"18\" font-size=\"13\">pcsim bench seed: ratios to rasync "
	    "(log scale)</text>\n", x0);
	for (int d = (int)lo; d <= (int)hi; d++) {
		double y = y0 + ph - (d - lo) / (hi - lo) * ph;
		SVG("<line x1=\"%.0f\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", x0,
		    y, x0 + pw, y);
		SVG("<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n", x0 - 4, y + 4,
		    pow(10, d));
	}
	double y1 = y0 + ph - (0 - lo) / (hi - lo) * ph;
	SVG("<line x1=\"%.0f\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" stroke=\"#000\"/>\n", x0, y1,
	    x0 + pw, y1);
	double gw = pw / R_NR, bw = gw * 0.8 / (SD_NR_LEGS + 1);
	for (int i = 0; i < R_NR; i++) {
		double gx = x0 + i * gw + gw * 0.1;
		for (int l = 0; l <= SD_NR_LEGS; l++) {
			double v = r[l][i];
			if (isnan(v) || v <= 0)
				continue;
			double lv = log10(v);
			if (lv < lo)
				lv = lo;
			if (lv > hi)
				lv = hi;
			double y = y0 + ph - (lv - lo) / (hi - lo) * ph;
			double top = y < y1 ? y : y1, h = fabs(y1 - y);
			SVG("<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\">"
			    "<title>%s %s: %.2f</title></rect>\n",
			    gx + l * bw, top, bw - 1, h < 1 ? 1 : h, colour[l], name[l],
			    ratio_label[i], v);
			SVG("<text x=\"%.1f\" y=\"%.1f\" font-size=\"8\" text-anchor=\"middle\">"
			    "%.1f</text>\n", gx + l * bw + bw / 2, top - 2, v);
		}
		SVG("<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\">%s</text>\n", gx + gw * 0.4,
		    y0 + ph + 16, ratio_label[i]);
	}
	for (int l = 0; l <= SD_NR_LEGS; l++) {
		double lx = x0 + l * 170;
		SVG("<rect x=\"%.0f\" y=\"%.0f\" width=\"10\" height=\"10\" fill=\"%s\"/>\n", lx,
		    H - 30, colour[l]);
		SVG("<text x=\"%.0f\" y=\"%.0f\">%s%s</text>\n", lx + 14, H - 21, name[l],
		    l && (!o->leg[l - 1].on || o->leg[l - 1].skipped) ? " (not run)" : "");
	}
	SVG("</svg>\n");
#undef SVG
	return bench_seed_svg_write(svg, &s, path);
}

/* ---------------------------------------------------------------------------------------------
 * For the scaling curves (bench_seed_sweep.c, bench_seed.h)
 */
int bench_seed_svg_write(FILE *svg, char **s, const char *path)
{
	bool ok = !ferror(svg);
	ok = fclose(svg) == 0 && ok;	/* fclose() sets *s */
	int rc = ok ? pcsim_cmdline_write_file(path, *s) : -1;
	free(*s);
	*s = NULL;
	return rc;
}

int bench_seed_model_leg(struct sd_opts *o, enum sd_leg leg)
{
	return sd_model_leg(o, leg);
}

void bench_seed_json_num(double v, int prec)
{
	sd_json_num(v, prec);
}

unsigned *bench_seed_order(uint64_t nblk, uint64_t n, uint64_t seed)
{
	return sd_order(nblk, n, seed);
}

void bench_seed_medians(const struct sd_result *runs, unsigned n, struct sd_result *med)
{
	sd_medians(runs, n, med);
}

#ifdef PCSIM_BENCH_LIBURING
int bench_seed_make_file(const char *path, uint64_t size)
{
	return sd_make_file(path, size);
}

double bench_seed_resident(int fd, uint64_t size)
{
	return sd_resident(fd, size);
}

double bench_seed_count_workers(void)
{
	return sd_count_workers();
}

const char *bench_seed_uring_unavailable(void)
{
	return sd_uring_unavailable();
}
#endif

/* ---------------------------------------------------------------------------------------------
 * Entry point (dispatched from bench_main.c)
 */
int pcsim_bench_seed(int argc, char **argv);

static int sd_usage(const char *arg)
{
	return pcsim_cmdline_usage_error(
		"bench seed: unknown or incomplete argument '%s' (--legs kernel,sim,threads, "
		"--size S, --reads N, --sim-size S, --sim-reads N, --threads-size S, "
		"--threads-reads N, --repeats R, --sim-repeats R, --threads-repeats R, --qd N, "
		"--workers N, --irq-batch N, --step-ns N, --strategy random|pct, --seed S, --dir DIR, --keep-file, "
		"--svg FILE, --json, --calibration FILE, --calibrate, --predict, --cpus N, "
		"--modes sync,offload,rasync, --sweep qd|cpus|workers|size, --sweep-svg FILE, "
		"--sweep-points N,N,...)",
		arg);
}

int pcsim_bench_seed(int argc, char **argv)
{
	struct sd_opts o;
	memset(&o, 0, sizeof(o));
	o.qd = 32;
	o.workers = SD_DEFAULT_WORKERS;
	o.seed = 1;
	o.step_ns = 10;
	o.acct_reads = 2048;
	o.strategy = PCSIM_STRATEGY_RANDOM;
	o.ncpus = 2;
	o.modes = (1u << SD_NR_MODES) - 1;
	bool calibrate_now = false;
	/* kernel: the reference experiment's parameters (docs/seed-experiment.md) scaled down (the
	 * full size: --size 2G) */
	o.leg[SD_KERNEL] = (struct sd_leg_cfg){ .on = true, .size = 256ull << 20, .repeats = 3 };
	/*
	 * sim: the seed's file (4 GiB) but 128 K of its 1 M reads, ~2-4 s of CPU per mode (1 M:
	 * 8-14 s, 151 MiB; docs/seed-experiment.md, "Memory"). Deterministic, so one run.
	 */
	o.leg[SD_SIM] = (struct sd_leg_cfg){ .on = true, .size = 4ull << 30, .reads = 131072,
					     .repeats = 1 };
	/* threads: real delays at the timers' resolution, ~2 k reads/s at QD 32 */
	o.leg[SD_THREADS] = (struct sd_leg_cfg){ .on = true, .size = 32ull << 20, .repeats = 1 };
	bool legs_given = false;
	for (int i = 0; i < argc; i++) {
		int rc = 0;
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		uint64_t x;
		if (strcmp(a, "--json") == 0) {
			o.json = true;
			continue;
		}
		if (strcmp(a, "--keep-file") == 0) {
			o.keep = true;
			continue;
		}
		if (strcmp(a, "--calibrate") == 0) {
			calibrate_now = true;
			continue;
		}
		if (strcmp(a, "--predict") == 0) {
			o.predict = true;
			continue;
		}
		if (!v)
			return sd_usage(a);
		i++;
		if (strcmp(a, "--legs") == 0) {
			legs_given = true;
			for (int l = 0; l < SD_NR_LEGS; l++)
				o.leg[l].on = false;
			char *dup = strdup(v), *save = NULL;
			if (!dup)
				return 3;
			for (char *t = strtok_r(dup, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
				int l = 0;
				while (l < SD_NR_LEGS && strcmp(t, sd_leg_name[l]))
					l++;
				if (l == SD_NR_LEGS) {
					rc = pcsim_cmdline_usage_error(
						"bench seed: --legs: unknown leg '%s' (kernel, sim, "
						"threads)", t);
					free(dup);
					return rc;
				}
				o.leg[l].on = true;
			}
			free(dup);
		} else if (strcmp(a, "--size") == 0) {
			rc = sd_parse_size(a, v, SD_BS, 1ull << 40, &o.leg[SD_KERNEL].size);
			o.size_given = true;
		} else if (strcmp(a, "--reads") == 0) {
			rc = sd_parse_size(a, v, 1, 1ull << 28, &o.leg[SD_KERNEL].reads);
			o.reads_given = true;
		} else if (strcmp(a, "--sim-size") == 0) {
			rc = sd_parse_size(a, v, SD_BS, 64ull << 30, &o.leg[SD_SIM].size);
		} else if (strcmp(a, "--sim-reads") == 0) {
			rc = sd_parse_size(a, v, 1, 1ull << 24, &o.leg[SD_SIM].reads);
			o.sim_reads_given = true;
		} else if (strcmp(a, "--threads-size") == 0) {
			rc = sd_parse_size(a, v, SD_BS, 64ull << 30, &o.leg[SD_THREADS].size);
		} else if (strcmp(a, "--threads-reads") == 0) {
			rc = sd_parse_size(a, v, 1, 1ull << 24, &o.leg[SD_THREADS].reads);
		} else if (strcmp(a, "--repeats") == 0) {
			rc = pcsim_cmdline_parse_u64(a, v, 1, 1000, &o.leg[SD_KERNEL].repeats);
		} else if (strcmp(a, "--sim-acct-reads") == 0) {
			rc = sd_parse_size(a, v, 1, 1ull << 24, &o.acct_reads);
		} else if (strcmp(a, "--sim-repeats") == 0) {
			rc = pcsim_cmdline_parse_u64(a, v, 1, 1000, &o.leg[SD_SIM].repeats);
		} else if (strcmp(a, "--threads-repeats") == 0) {
			rc = pcsim_cmdline_parse_u64(a, v, 1, 1000, &o.leg[SD_THREADS].repeats);
		} else if (strcmp(a, "--qd") == 0) {
			rc = pcsim_cmdline_parse_u64(a, v, 1, SD_MAX_QD, &x);
			o.qd = (unsigned)x;
		} else if (strcmp(a, "--workers") == 0) {
			rc = pcsim_cmdline_parse_u64(a, v, 1, SD_MAX_WORKERS, &x);
			o.workers = (unsigned)x;
			o.workers_given = true;
		} else if (strcmp(a, "--irq-batch") == 0) {
			rc = pcsim_cmdline_parse_u64(a, v, 1, 1024, &x);
			o.irq_batch = (unsigned)x;
			o.irq_batch_given = true;
		} else if (strcmp(a, "--step-ns") == 0) {
			rc = pcsim_cmdline_parse_u64(a, v, 1, 1000000, &o.step_ns);
			o.step_ns_given = true;
		} else if (strcmp(a, "--calibration") == 0) {
			o.cal_path = v;
		} else if (strcmp(a, "--cpus") == 0) {
			rc = pcsim_cmdline_parse_u64(a, v, 1, PCSIM_MAX_CPUS, &x);
			o.ncpus = (unsigned)x;
		} else if (strcmp(a, "--sweep") == 0) {
			if (strcmp(v, "qd") && strcmp(v, "cpus") && strcmp(v, "workers") &&
			    strcmp(v, "size"))
				return pcsim_cmdline_usage_error(
					"bench seed: --sweep: '%s' (qd, cpus, workers or size)", v);
			o.sweep = v;
		} else if (strcmp(a, "--sweep-svg") == 0) {
			o.sweep_svg = v;
		} else if (strcmp(a, "--sweep-points") == 0) {
			o.sweep_points = v;
		} else if (strcmp(a, "--modes") == 0) {
			o.modes = 0;
			char *dup = strdup(v), *save = NULL;
			if (!dup)
				return 3;
			char *t;
			for (t = strtok_r(dup, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
				int m = 0;
				while (m < SD_NR_MODES && strcmp(t, sd_mode_name[m]))
					m++;
				if (m == SD_NR_MODES) {
					rc = pcsim_cmdline_usage_error(
						"bench seed: --modes: unknown mode '%s' "
						"(sync, offload, rasync)", t);
					free(dup);
					return rc;
				}
				o.modes |= 1u << m;
			}
			free(dup);
			if (!o.modes)
				return pcsim_cmdline_usage_error("bench seed: --modes: none given");
		} else if (strcmp(a, "--seed") == 0) {
			rc = pcsim_cmdline_parse_u64(a, v, 0, UINT64_MAX / 2, &o.seed);
		} else if (strcmp(a, "--strategy") == 0) {
			if (pcsim_strategy_parse(v, &o.strategy) ||
			    (o.strategy != PCSIM_STRATEGY_RANDOM && o.strategy != PCSIM_STRATEGY_PCT))
				return pcsim_cmdline_usage_error(
					"bench seed: --strategy: '%s' (random or pct)", v);
		} else if (strcmp(a, "--dir") == 0) {
			o.dir = v;
		} else if (strcmp(a, "--svg") == 0) {
			o.svg = v;
		} else {
			return sd_usage(a);
		}
		if (rc)
			return rc;
	}
	if (o.cal_path) {
		char err[512];
		if (pcsim_calib_read(&o.cal, o.cal_path, err, sizeof(err)))
			return pcsim_cmdline_usage_error("bench seed: --calibration: %s", err);
		o.have_cal = true;
	} else if (calibrate_now) {
		const char *dir = o.dir ? o.dir : getenv("TMPDIR");
		if (pcsim_calib_measure(&o.cal, 5, dir && *dir ? dir : "/tmp", o.json))
			return 1;
		o.have_cal = true;
	}
	if (o.have_cal && !o.step_ns_given)
		o.step_ns = 1;	/* the costs are the operations', not the steps' */
	/* the device's completions per interrupt, as measured by the calibration (QD 32) */
	if (o.have_cal && !o.irq_batch_given && !isnan(o.cal.device_irq_batch))
		o.irq_batch = o.cal.device_irq_batch < 1	 ? 1
			      : o.cal.device_irq_batch > 1024 ? 1024
							       : (unsigned)(o.cal.device_irq_batch + 0.5);
	if (o.predict) {
		if (!o.have_cal)
			return pcsim_cmdline_usage_error(
				"bench seed: --predict needs the costs: --calibration FILE or "
				"--calibrate");
		if (legs_given && (!o.leg[SD_KERNEL].on || !o.leg[SD_SIM].on))
			return pcsim_cmdline_usage_error(
				"bench seed: --predict runs the kernel and the sim legs");
		o.leg[SD_KERNEL].on = o.leg[SD_SIM].on = true;
		o.leg[SD_SIM].size = o.leg[SD_KERNEL].size;
		o.leg[SD_SIM].reads = o.leg[SD_KERNEL].reads;
		long nc = sysconf(_SC_NPROCESSORS_ONLN);
		o.ncpus = nc > 0 && nc <= PCSIM_MAX_CPUS ? (unsigned)nc : 2;
		if (o.modes != (1u << SD_NR_MODES) - 1)
			return pcsim_cmdline_usage_error(
				"bench seed: --predict needs all three modes");
	}
	/* --sweep size: by default as many reads as the smallest file (1/64 of the size) has */
	if (o.sweep && strcmp(o.sweep, "size") == 0 && !o.sim_reads_given &&
	    o.leg[SD_SIM].size / SD_BS / 64 && o.leg[SD_SIM].reads > o.leg[SD_SIM].size / SD_BS / 64)
		o.leg[SD_SIM].reads = o.leg[SD_SIM].size / SD_BS / 64;
	for (int l = 0; l < SD_NR_LEGS; l++) {
		struct sd_leg_cfg *L = &o.leg[l];
		uint64_t nblk = L->size / SD_BS;
		if (L->size % SD_BS)
			return pcsim_cmdline_usage_error("bench seed: the %s leg's size %" PRIu64
							 " is not a multiple of 4 KiB",
							 sd_leg_name[l], L->size);
		if (nblk > UINT32_MAX)
			return pcsim_cmdline_usage_error("bench seed: the %s leg's file is too large",
							 sd_leg_name[l]);
		if (!L->reads)
			L->reads = nblk;	/* the whole file, each block once */
		/* a leg that does not run reads nothing (--legs kernel --sweep reads --sim-size's
		 * files with --reads, checked by the sweep) */
		if (L->on && L->reads > nblk)
			return pcsim_cmdline_usage_error(
				"bench seed: %" PRIu64 " %s reads of distinct blocks need a file of "
				"at least %" PRIu64 " bytes, not %" PRIu64,
				L->reads, sd_leg_name[l], L->reads * SD_BS, L->size);
	}
	if (o.sweep_points && !o.sweep)
		return pcsim_cmdline_usage_error("bench seed: --sweep-points needs --sweep");
	if (o.sweep) {
		o.legs_given = legs_given;
		return sd_sweep_run(&o);
	}
	if (o.leg[SD_KERNEL].on && sd_kernel_leg(&o))
		return 3;
	/*
	 * The prediction runs the model with the io-wq the kernel leg had: its offload runs' iou-wrk
	 * threads (one per read in flight plus one), unless --workers says otherwise.
	 */
	if (o.predict && !o.workers_given && o.leg[SD_KERNEL].have[SD_OFFLOAD] &&
	    !o.leg[SD_KERNEL].skipped) {
		double kw = o.leg[SD_KERNEL].med[SD_OFFLOAD].workers;
		if (kw >= 1)
			o.workers = kw > SD_MAX_WORKERS ? SD_MAX_WORKERS : (unsigned)(kw + 0.5);
	}
	if (o.leg[SD_SIM].on && sd_model_leg(&o, SD_SIM))
		return 1;
	if (o.leg[SD_THREADS].on && sd_model_leg(&o, SD_THREADS))
		return 1;
	if (o.svg && sd_write_svg(&o, o.svg))
		return 1;
	if (o.json)
		sd_print_json(&o);
	else
		sd_print_table(&o);
	return 0;
}
