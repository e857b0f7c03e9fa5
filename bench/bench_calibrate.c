// SPDX-License-Identifier: MIT
/*
 * bench_calibrate.c - `pcsim bench calibrate`: microbenchmarks on this machine of the costs the
 * seed experiment's sim leg charges per operation (bench/calib.h): a system call (getppid), a
 * voluntary context switch (a futex ping-pong between two threads), the buffered read of a
 * cached and of an uncached page (preadv of a file on disk, the kernel's generic_file_buffered_read
 * with and without add_to_page_cache_lru and the device), a 4 KiB copy, an io-wq hand-off
 * (io_uring NOPs inline against IOSQE_ASYNC: io_wq_enqueue and the worker's wake-up) and many
 * io-wq workers reading one inode (IOSQE_ASYNC reads of cached pages at QD 32 against QD 1); the
 * model's own add_to_page_cache (host ns and steps, for reference: not charged); the device is
 * the perf-anchor preset (calibrated from O_DIRECT fio runs, docs/pagecache.md),
 * and the disk's requests per completion interrupt at QD 32 (/proc/interrupts against
 * /sys/dev/block/.../stat: the model device's interrupt coalescing, device_irq_batch), the lone
 * request's round trip (O_DIRECT pread at QD 1: the device's idle_ns) and the wake-up of a task
 * asleep on an idle CPU (a futex wake after both threads slept: try_to_wake_up to running).
 * Medians over repeats; nothing is fitted to any result. The file it writes is read by
 * `pcsim bench seed --calibration FILE`. Models nothing itself. docs/seed-experiment.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/futex.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>

#ifdef PCSIM_BENCH_LIBURING
#include <liburing.h>
#endif

#include <pcsim/pcsim.h>
#include <pcsim_support/cmdline.h>

#include "bench_util.h"
#include "calib.h"

#define CB_BS 4096u
#define CB_FILE_BLOCKS 16384u		/* 64 MiB */
#define CB_MAX_REPEATS 101u

/* The file (its format: bench_calib_file.c), written whole or not at all. */
int pcsim_calib_write(const struct pcsim_calib *c, const char *path, const char *header)
{
	char *s = pcsim_calib_format(c, header);
	int rc = s ? pcsim_cmdline_write_file(path, s) : -1;
	free(s);
	return rc;
}

/* ---------------------------------------------------------------------------------------------
 * Clocks
 */
static double cb_thread_cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* CPU of every thread of the process (io-wq workers included), switches, wall. */
struct cb_usage {
	double cpu_ns, sw_vol, sw_all, wall_ns;
};

static void cb_usage_now(struct cb_usage *u)
{
	struct rusage r;
	getrusage(RUSAGE_SELF, &r);
	u->cpu_ns = ((double)r.ru_utime.tv_sec + (double)r.ru_stime.tv_sec) * 1e9 +
		    ((double)r.ru_utime.tv_usec + (double)r.ru_stime.tv_usec) * 1e3;
	u->sw_vol = (double)r.ru_nvcsw;
	u->sw_all = (double)(r.ru_nvcsw + r.ru_nivcsw);
	u->wall_ns = (double)bench_now_ns();
}

static void cb_usage_delta(struct cb_usage *d, const struct cb_usage *a, const struct cb_usage *b)
{
	d->cpu_ns = b->cpu_ns - a->cpu_ns;
	d->sw_vol = b->sw_vol - a->sw_vol;
	d->sw_all = b->sw_all - a->sw_all;
	d->wall_ns = b->wall_ns - a->wall_ns;
}

static double cb_median(double *v, unsigned n)
{
	if (!n)
		return NAN;
	qsort(v, n, sizeof(*v), bench_cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ---------------------------------------------------------------------------------------------
 * System call, copy
 */
static double cb_syscall_once(void)
{
	const unsigned n = 100000;
	double t0 = cb_thread_cpu_ns();
	for (unsigned i = 0; i < n; i++)
		(void)syscall(SYS_getppid);
	return (cb_thread_cpu_ns() - t0) / n;
}

static unsigned char *cb_src;
static double cb_copy_once(void)
{
	const unsigned n = 100000, pages = 256;
	static unsigned char dst[CB_BS] __attribute__((aligned(64)));
	volatile unsigned sink = 0;
	double t0 = cb_thread_cpu_ns();
	for (unsigned i = 0; i < n; i++) {
		memcpy(dst, cb_src + (size_t)((i * 97u) % pages) * CB_BS, CB_BS);
		__asm__ volatile("" : : "r"(dst) : "memory");
		sink += dst[i % CB_BS];
	}
	(void)sink;
	return (cb_thread_cpu_ns() - t0) / n;
}

/* ---------------------------------------------------------------------------------------------
 * Context switch: futex ping-pong
 */
static _Atomic int cb_turn;	/* 0: the main thread's, 1: the partner's, 2: stop */

static void cb_futex_wait(_Atomic int *a, int val)
{
	syscall(SYS_futex, (int *)a, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
}

static void cb_futex_wake(_Atomic int *a)
{
	syscall(SYS_futex, (int *)a, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static atomic_ulong cb_partner_calls;
static void *cb_partner(void *arg)
{
	(void)arg;
	unsigned long calls = 0;
	for (;;) {
		int t;
		while ((t = atomic_load(&cb_turn)) == 0) {
			cb_futex_wait(&cb_turn, 0);
			calls++;
		}
		if (t == 2)
			break;
		atomic_store(&cb_turn, 0);
		cb_futex_wake(&cb_turn);
		calls++;
	}
	atomic_store(&cb_partner_calls, calls);
	return NULL;
}

static int cb_futex_once(double *cpu_per_switch, double *sys_per_switch, double *hop)
{
	const unsigned n = 20000;
	pthread_t th;
	atomic_store(&cb_turn, 0);
	if (pthread_create(&th, NULL, cb_partner, NULL))
		return -1;
	unsigned long calls = 0;
	struct cb_usage a, b, d;
	cb_usage_now(&a);
	for (unsigned i = 0; i < n; i++) {
		atomic_store(&cb_turn, 1);
		cb_futex_wake(&cb_turn);
		calls++;
		while (atomic_load(&cb_turn) == 1) {
			cb_futex_wait(&cb_turn, 1);
			calls++;
		}
	}
	cb_usage_now(&b);
	atomic_store(&cb_turn, 2);
	cb_futex_wake(&cb_turn);
	pthread_join(th, NULL);
	cb_usage_delta(&d, &a, &b);
	calls += atomic_load(&cb_partner_calls);
	double sw = d.sw_vol > 0 ? d.sw_vol : 1;
	*cpu_per_switch = d.cpu_ns / sw;
	*sys_per_switch = (double)calls / sw;
	*hop = d.wall_ns / (2.0 * n);
	return 0;
}

/* ---------------------------------------------------------------------------------------------
 * The wake-up of a task asleep on an idle CPU: a thread sleeps in FUTEX_WAIT; the main thread
 * sleeps CB_WAKE_GAP_NS (so both CPUs have nothing to run, as when a lone read's reader sleeps
 * on its page), takes the time and wakes it; the sleeper takes the time when it runs again.
 * What the reader of a lone read pays between the interrupt's wake_up_page() and running:
 * try_to_wake_up, the IPI or the idle loop's exit, in this nested VM the vCPU's exit from halt.
 */
#define CB_WAKE_ROUNDS 500u
#define CB_WAKE_GAP_NS 200000L

static _Atomic int cb_wake_flag;	/* 0: sleep, 1: woken, 2: stop */
static _Atomic uint64_t cb_wake_t0, cb_wake_sum;

static void *cb_wake_sleeper(void *arg)
{
	(void)arg;
	for (;;) {
		int f;
		while ((f = atomic_load(&cb_wake_flag)) == 0)
			cb_futex_wait(&cb_wake_flag, 0);
		if (f == 2)
			return NULL;
		atomic_fetch_add(&cb_wake_sum, bench_now_ns() - atomic_load(&cb_wake_t0));
		atomic_store(&cb_wake_flag, 0);
	}
}

/* Mean wall ns from FUTEX_WAKE to the woken thread running, CB_WAKE_ROUNDS rounds. */
static int cb_wake_once(double *ns)
{
	pthread_t th;
	atomic_store(&cb_wake_flag, 0);
	atomic_store(&cb_wake_sum, 0);
	if (pthread_create(&th, NULL, cb_wake_sleeper, NULL))
		return -EAGAIN;
	for (unsigned i = 0; i < CB_WAKE_ROUNDS; i++) {
		struct timespec gap = { 0, CB_WAKE_GAP_NS };
		nanosleep(&gap, NULL);
		while (atomic_load(&cb_wake_flag) != 0)	/* the last round's sleeper not back yet */
			nanosleep(&gap, NULL);
		atomic_store(&cb_wake_t0, bench_now_ns());
		atomic_store(&cb_wake_flag, 1);
		cb_futex_wake(&cb_wake_flag);
	}
	while (atomic_load(&cb_wake_flag) != 0)
		usleep(100);
	atomic_store(&cb_wake_flag, 2);
	cb_futex_wake(&cb_wake_flag);
	pthread_join(th, NULL);
	*ns = (double)atomic_load(&cb_wake_sum) / CB_WAKE_ROUNDS;
	return 0;
}

/* ---------------------------------------------------------------------------------------------
 * The page cache: cached and uncached preadv of a file on disk
 */
static int cb_make_file(const char *path)
{
	struct stat st;
	if (stat(path, &st) == 0 && st.st_size == (off_t)CB_FILE_BLOCKS * CB_BS)
		return 0;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return -errno;
	int rc = 0;
	for (unsigned i = 0; i < CB_FILE_BLOCKS / 256 && rc == 0; i++)
		if (write(fd, cb_src, 256 * CB_BS) != (ssize_t)(256 * CB_BS))
			rc = -EIO;
	if (rc == 0 && fsync(fd))
		rc = -errno;
	close(fd);
	if (rc)
		unlink(path);
	return rc;
}

/* @n distinct random blocks of the file (the first @n of a permutation). */
static void cb_blocks(unsigned *o, unsigned n, uint64_t seed)
{
	static unsigned perm[CB_FILE_BLOCKS];
	uint64_t x = 0x9e3779b97f4a7c15ull ^ seed;
	for (unsigned i = 0; i < CB_FILE_BLOCKS; i++)
		perm[i] = i;
	for (unsigned i = CB_FILE_BLOCKS - 1; i > 0; i--) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		unsigned j = (unsigned)(x % (i + 1)), t = perm[i];
		perm[i] = perm[j];
		perm[j] = t;
	}
	memcpy(o, perm, n * sizeof(*o));
}

/* cold then warm preadv of @n blocks: CPU ns per read, switches per read, wall ns per read */
static int cb_preadv_once(int fd, const unsigned *blk, unsigned n, double cold[3],
			  double warm[3])
{
	unsigned char buf[CB_BS];
	posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM);
	for (int pass = 0; pass < 2; pass++) {
		struct cb_usage a, b, d;
		cb_usage_now(&a);
		for (unsigned i = 0; i < n; i++) {
			struct iovec iov = { buf, CB_BS };
			if (preadv(fd, &iov, 1, (off_t)blk[i] * CB_BS) != (ssize_t)CB_BS)
				return -EIO;
		}
		cb_usage_now(&b);
		cb_usage_delta(&d, &a, &b);
		double *o = pass ? warm : cold;
		o[0] = d.cpu_ns / n;
		o[1] = d.sw_vol / n;
		o[2] = d.wall_ns / n;
	}
	return 0;
}

/*
 * readahead(2) of @n uncached pages back to back (each starts the read of one page and returns:
 * page allocation, add_to_page_cache_lru, the bio, the device's doorbell), then one wait for
 * them all (a preadv of the last one): CPU ns per page, the completions' interrupts included
 * where they land on this task.
 */
static int cb_readahead_once(int fd, const unsigned *blk, unsigned n, double *cpu)
{
	unsigned char buf[CB_BS];
	posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM);
	struct cb_usage a, b, d;
	cb_usage_now(&a);
	for (unsigned i = 0; i < n; i++)
		if (readahead(fd, (off_t)blk[i] * CB_BS, CB_BS))
			return -errno;
	for (unsigned i = 0; i < n; i++) {
		struct iovec iov = { buf, CB_BS };
		if (preadv(fd, &iov, 1, (off_t)blk[i] * CB_BS) != (ssize_t)CB_BS)
			return -EIO;
	}
	cb_usage_now(&b);
	cb_usage_delta(&d, &a, &b);
	*cpu = d.cpu_ns / n;
	return 0;
}

/*
 * The device's lone round trip: O_DIRECT pread(2) of @n distinct random blocks, one at a time
 * (no page cache: the bio goes straight to the idle device, the reader sleeps until its
 * completion wakes it). Wall ns and the reading thread's CPU ns per read (means over @n).
 * -EINVAL where the file system refuses O_DIRECT (tmpfs).
 */
static int cb_direct_once(const char *path, const unsigned *blk, unsigned n, double *wall,
			  double *cpu)
{
	int fd = open(path, O_RDONLY | O_DIRECT);
	if (fd < 0)
		return -errno;
	void *buf;
	if (posix_memalign(&buf, CB_BS, CB_BS)) {
		close(fd);
		return -ENOMEM;
	}
	int rc = 0;
	double w0 = (double)bench_now_ns(), c0 = cb_thread_cpu_ns();
	for (unsigned i = 0; i < n && rc == 0; i++)
		if (pread(fd, buf, CB_BS, (off_t)blk[i] * CB_BS) != (ssize_t)CB_BS)
			rc = -EIO;
	*cpu = (cb_thread_cpu_ns() - c0) / n;
	*wall = ((double)bench_now_ns() - w0) / n;
	free(buf);
	close(fd);
	return rc;
}

/* ---------------------------------------------------------------------------------------------
 * Many threads each sleeping on an uncached page: what the kernel leg's io-wq workers do in the
 * offload mode (each of its 33 iou-wrk threads runs a blocking buffered read, sleeps in
 * wait_on_page_locked_killable until the bio's end_io unlocks the page and wakes it, then copies
 * and completes), here as CB_WQ_THREADS threads of preadv(2) of distinct uncached blocks of one
 * file, so ~CB_WQ_THREADS reads are in flight on 2 vCPUs with as many threads competing for them.
 */
#define CB_WQ_THREADS 33u	/* the kernel leg's iou-wrk threads after its offload runs */

struct cb_par {
	int fd;
	const unsigned *blk;
	unsigned n, idx;
	int rc;
};

static _Atomic int cb_par_go;		/* 0: wait, 1: read */
static atomic_uint cb_par_ready;

static void *cb_par_thread(void *arg)
{
	struct cb_par *p = arg;
	unsigned char buf[CB_BS];
	atomic_fetch_add(&cb_par_ready, 1);
	while (atomic_load(&cb_par_go) == 0)
		cb_futex_wait(&cb_par_go, 0);
	for (unsigned i = p->idx; i < p->n; i += CB_WQ_THREADS) {
		struct iovec iov = { buf, CB_BS };
		if (preadv(p->fd, &iov, 1, (off_t)p->blk[i] * CB_BS) != (ssize_t)CB_BS) {
			p->rc = -EIO;
			break;
		}
	}
	return NULL;
}

/*
 * @n uncached blocks read by CB_WQ_THREADS threads at once (dropped and FADV_RANDOM first):
 * CPU ns (every thread), voluntary and involuntary switches per read. The window opens once
 * every thread sleeps on the start flag and closes when all are joined: thread creation is
 * outside it; the one wake of each thread and its exit (CB_WQ_THREADS of them for @n reads)
 * are inside.
 */
static int cb_par_once(int fd, const unsigned *blk, unsigned n, double *cpu, double *vol,
		       double *invol)
{
	pthread_t th[CB_WQ_THREADS];
	struct cb_par p[CB_WQ_THREADS];
	unsigned made = 0;
	int rc = 0;
	posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM);
	atomic_store(&cb_par_go, 0);
	atomic_store(&cb_par_ready, 0);
	for (; made < CB_WQ_THREADS; made++) {
		p[made] = (struct cb_par){ .fd = fd, .blk = blk, .n = n, .idx = made };
		if (pthread_create(&th[made], NULL, cb_par_thread, &p[made])) {
			rc = -EAGAIN;
			break;
		}
	}
	/* every thread at the start flag (asleep or about to be) before the window opens */
	while (atomic_load(&cb_par_ready) < made)
		usleep(1000);
	usleep(10000);
	struct cb_usage a, b, d;
	cb_usage_now(&a);
	atomic_store(&cb_par_go, 1);
	syscall(SYS_futex, (int *)&cb_par_go, FUTEX_WAKE_PRIVATE, INT32_MAX, NULL, NULL, 0);
	for (unsigned i = 0; i < made; i++) {
		pthread_join(th[i], NULL);
		if (p[i].rc)
			rc = p[i].rc;
	}
	cb_usage_now(&b);
	cb_usage_delta(&d, &a, &b);
	*cpu = d.cpu_ns / n;
	*vol = d.sw_vol / n;
	*invol = (d.sw_all - d.sw_vol) / n;
	return rc;
}

/* ---------------------------------------------------------------------------------------------
 * io_uring: NOPs inline and through io-wq; io-wq reads of cached pages at QD 1 and 32
 */
#ifdef PCSIM_BENCH_LIBURING
/*
 * @n operations at depth @qd, one SQE per io_uring_enter, reaping what is there: CPU ns and
 * switches (all threads, io-wq workers included) per operation. @fd < 0: NOPs.
 */
static int cb_uring_once(int fd, const unsigned *blk, unsigned nblk, unsigned n, unsigned qd,
			 bool async, double *cpu, double *sw)
{
	struct io_uring ring;
	if (io_uring_queue_init(qd < 4 ? 4 : qd, &ring, 0) < 0)
		return -ENOSYS;
	unsigned char *buf = NULL;
	if (fd >= 0 && posix_memalign((void **)&buf, CB_BS, (size_t)qd * CB_BS)) {
		io_uring_queue_exit(&ring);
		return -ENOMEM;
	}
	unsigned sub = 0, done = 0, inflight = 0;
	int rc = 0;
	struct cb_usage a, b, d;
	cb_usage_now(&a);
	while (done < n && rc == 0) {
		while (inflight < qd && sub < n) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
			unsigned slot = sub % qd;
			if (fd >= 0)
				io_uring_prep_read(sqe, fd, buf + (size_t)slot * CB_BS, CB_BS,
						   (uint64_t)blk[sub % nblk] * CB_BS);
			else
				io_uring_prep_nop(sqe);
			if (async)
				sqe->flags |= IOSQE_ASYNC;
			sub++;
			inflight++;
			if (io_uring_submit(&ring) < 0)
				rc = -EIO;
		}
		if (io_uring_submit_and_wait(&ring, 1) < 0) {
			rc = -EIO;
			break;
		}
		struct io_uring_cqe *cqe;
		unsigned head, cnt = 0;
		io_uring_for_each_cqe(&ring, head, cqe) {
			if (cqe->res < 0)
				rc = cqe->res;
			cnt++;
		}
		io_uring_cq_advance(&ring, cnt);
		done += cnt;
		inflight -= cnt;
	}
	cb_usage_now(&b);
	cb_usage_delta(&d, &a, &b);
	io_uring_queue_exit(&ring);
	free(buf);
	*cpu = d.cpu_ns / n;
	*sw = d.sw_all / n;
	return rc;
}
#endif

/* ---------------------------------------------------------------------------------------------
 * The device's completions per interrupt (interrupt coalescing): the requests the disk behind
 * @fd completed (/sys/dev/block/MAJ:MIN/stat, reads + writes) and the interrupts its driver
 * took (/proc/interrupts, the lines named after the disk's device, e.g. virtio1-req.0; not its
 * -config line). Other processes' I/O on the same disk counts on both sides. 0 when either is
 * not readable (not a virtio/NVMe-style device, no /sys).
 */
static __attribute__((unused)) int cb_disk_counters(int fd, double *ios, double *irqs)
{
	struct stat st;
	char p[512], link[512], line[1024];
	if (fstat(fd, &st))
		return -errno;
	unsigned ma = major(st.st_dev), mi = minor(st.st_dev);
	snprintf(p, sizeof(p), "/sys/dev/block/%u:%u/device", ma, mi);
	ssize_t n = readlink(p, link, sizeof(link) - 1);
	if (n < 0) {	/* a partition: its disk's device */
		snprintf(p, sizeof(p), "/sys/dev/block/%u:%u/../device", ma, mi);
		n = readlink(p, link, sizeof(link) - 1);
	}
	if (n <= 0)
		return -ENOENT;
	link[n] = 0;
	const char *dev = strrchr(link, '/') ? strrchr(link, '/') + 1 : link;
	size_t dl = strlen(dev);
	snprintf(p, sizeof(p), "/sys/dev/block/%u:%u/stat", ma, mi);
	FILE *f = fopen(p, "r");
	unsigned long long v[5];
	if (!f)
		return -errno;
	int got = fscanf(f, "%llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4]);
	fclose(f);
	if (got != 5)
		return -EINVAL;
	*ios = (double)(v[0] + v[4]);
	f = fopen("/proc/interrupts", "r");
	if (!f)
		return -errno;
	double sum = 0;
	bool any = false;
	while (fgets(line, sizeof(line), f)) {
		char *name = strrchr(line, ' ');
		if (!name)
			continue;
		name++;
		name[strcspn(name, "\n")] = 0;
		if (strncmp(name, dev, dl) || !name[dl] || strstr(name, "config"))
			continue;
		char *q = strchr(line, ':');
		for (q = q ? q + 1 : line;;) {
			char *e;
			unsigned long long x = strtoull(q, &e, 10);
			if (e == q)
				break;
			sum += (double)x;
			q = e;
		}
		any = true;
	}
	fclose(f);
	if (!any)
		return -ENOENT;
	*irqs = sum;
	return 0;
}

#ifdef PCSIM_BENCH_LIBURING
/*
 * @n cold random reads (dropped first, FADV_RANDOM) through a plain io_uring at QD 32: the
 * device's requests per completion interrupt over the run (what the seed's rasync mode meets).
 */
static int cb_irq_batch_once(int fd, const unsigned *blk, unsigned n, double *batch)
{
	double io0, irq0, io1, irq1, cpu, sw;
	posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM);
	if (cb_disk_counters(fd, &io0, &irq0))
		return -ENOENT;
	int rc = cb_uring_once(fd, blk, n, n, 32, false, &cpu, &sw);
	if (rc || cb_disk_counters(fd, &io1, &irq1))
		return rc ? rc : -ENOENT;
	if (irq1 <= irq0 || io1 <= io0)
		return -ENOENT;
	*batch = (io1 - io0) / (irq1 - irq0);
	return 0;
}
#endif

/* ---------------------------------------------------------------------------------------------
 * The model's own add_to_page_cache (sim backend, no checks): host ns and steps per insert
 */
struct cb_model {
	unsigned n;
	struct pcsim_address_space *m;
	double host_ns;
	uint64_t steps;
};

static void cb_model_task(void *arg)
{
	struct cb_model *b = arg;
	struct pcsim_world *w = pcsim_world_current();
	uint64_t s0 = pcsim_world_step(w);
	double t0 = (double)bench_now_ns();
	for (unsigned i = 0; i < b->n; i++) {
		struct pcsim_page *pg = pcsim_page_alloc(w);
		if (pcsim_add_to_page_cache(pg, b->m, i) == 0)
			pcsim_unlock_page(pg);
		pcsim_put_page(pg);
	}
	b->host_ns = ((double)bench_now_ns() - t0) / b->n;
	b->steps = pcsim_world_step(w) - s0;
}

static void cb_model_setup(struct pcsim_world *w, void *arg)
{
	struct cb_model *b = arg;
	b->m = pcsim_mapping_create(w, 1, (uint64_t)b->n * CB_BS, NULL, 0);
	if (b->m)
		pcsim_task_create(w, "inserter", cb_model_task, b, 0);
}

static int cb_model_once(double *host_ns, double *steps)
{
	struct cb_model b = { .n = 20000 };
	struct pcsim_config cfg = bench_config(PCSIM_BACKEND_SIM);
	cfg.max_steps = 1000ull * b.n;
	struct pcsim_program prog = { "calibrate-insert", cb_model_setup, NULL, &b };
	struct pcsim_explore_opts eo;
	struct pcsim_report rep;
	pcsim_explore_opts_init(&eo);
	eo.max_executions = 1;
	eo.confirm = false;
	int rc = pcsim_explore(&prog, &cfg, &eo, &rep);
	pcsim_report_free(&rep);
	if (rc || !b.steps)
		return -1;
	*host_ns = b.host_ns;
	*steps = (double)b.steps / b.n;
	return 0;
}

/* ---------------------------------------------------------------------------------------------
 * All of it
 */
static void cb_note(bool quiet, const char *what)
{
	if (!quiet)
		fprintf(stderr, "bench calibrate: %s\n", what);
}

int pcsim_calib_measure(struct pcsim_calib *c, unsigned repeats, const char *dir, bool quiet)
{
	pcsim_calib_clear(c);
	if (repeats < 1 || repeats > CB_MAX_REPEATS)
		return -EINVAL;
	double v[40][CB_MAX_REPEATS];
	unsigned nv[40] = { 0 };
	cb_src = malloc(256 * CB_BS);
	unsigned *blk = malloc(CB_FILE_BLOCKS * sizeof(*blk));
	if (!cb_src || !blk) {
		free(cb_src);
		free(blk);
		return -ENOMEM;
	}
	uint64_t x = 0x2545f4914f6cdd1dull;
	for (size_t i = 0; i < 256 * CB_BS / 8; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		((uint64_t *)cb_src)[i] = x;
	}
	enum { SYS, CPY, FCPU, FSYS, FHOP, COLD, COLDSW, COLDW, WARM, NOPI, NOPA, NOPASW, Q1, Q1SW,
	       Q32, Q32SW, MH, MS, RA, IRQB, PAR, PARSW, PARIN, DWALL, DCPU, WAKE, NV };
	_Static_assert(NV <= 40, "v[] and nv[] hold 40 figures");
	cb_note(quiet, "system call, 4 KiB copy, futex ping-pong, idle wake-up, model insert");
	for (unsigned r = 0; r < repeats; r++) {
		v[SYS][nv[SYS]++] = cb_syscall_once();
		v[CPY][nv[CPY]++] = cb_copy_once();
		double a, b, h;
		if (cb_futex_once(&a, &b, &h) == 0) {
			v[FCPU][nv[FCPU]++] = a;
			v[FSYS][nv[FSYS]++] = b;
			v[FHOP][nv[FHOP]++] = h;
		}
		if (cb_wake_once(&a) == 0)
			v[WAKE][nv[WAKE]++] = a;
		if (cb_model_once(&a, &b) == 0) {
			v[MH][nv[MH]++] = a;
			v[MS][nv[MS]++] = b;
		}
	}
	char path[4096];
	snprintf(path, sizeof(path), "%s/pcsim-calibrate-%u.dat", dir, CB_FILE_BLOCKS);
	int frc = cb_make_file(path);
	int fd = frc == 0 ? open(path, O_RDONLY) : -1;
	const unsigned nread = 2048;
	if (fd >= 0) {
		cb_note(quiet, "cached and uncached preadv, one thread and 33 at once");
		cb_blocks(blk, CB_FILE_BLOCKS, 1);
		for (unsigned r = 0; r < repeats; r++) {
			double cold[3], warm[3];
			if (cb_preadv_once(fd, blk, nread, cold, warm))
				break;
			v[COLD][nv[COLD]++] = cold[0];
			v[COLDSW][nv[COLDSW]++] = cold[1];
			v[COLDW][nv[COLDW]++] = cold[2];
			v[WARM][nv[WARM]++] = warm[0];
			double ra = 0;
			if (cb_readahead_once(fd, blk + nread, nread, &ra) == 0)
				v[RA][nv[RA]++] = ra - warm[0];	/* the final pass is warm */
			double pc, pv, pi;
			if (cb_par_once(fd, blk + 3 * nread, nread, &pc, &pv, &pi) == 0) {
				v[PAR][nv[PAR]++] = pc;
				v[PARSW][nv[PARSW]++] = pv;
				v[PARIN][nv[PARIN]++] = pi;
			}
			/*
			 * blocks no other pass reads: neither cached nor recently read; twice as
			 * many as the other passes, its mean being the one most moved by the
			 * machine's other jobs (a lone read waits for a CPU after each wake-up)
			 */
			double dw = 0, dc = 0;
			if (cb_direct_once(path, blk + 4 * nread, 2 * nread, &dw, &dc) == 0) {
				v[DWALL][nv[DWALL]++] = dw;
				v[DCPU][nv[DCPU]++] = dc;
			}
		}
	} else if (!quiet) {
		fprintf(stderr, "bench calibrate: %s: %s (no page-cache figures)\n", path,
			strerror(frc ? -frc : errno));
	}
#ifdef PCSIM_BENCH_LIBURING
	cb_note(quiet, "io_uring NOPs inline and through io-wq; io-wq reads at QD 1 and 32");
	for (unsigned r = 0; r < repeats; r++) {
		double cpu, sw;
		if (cb_uring_once(-1, NULL, 0, 20000, 1, false, &cpu, &sw))
			break;
		v[NOPI][nv[NOPI]++] = cpu;
		if (cb_uring_once(-1, NULL, 0, 20000, 1, true, &cpu, &sw) == 0) {
			v[NOPA][nv[NOPA]++] = cpu;
			v[NOPASW][nv[NOPASW]++] = sw;
		}
		/* the blocks the preadv pass left cached: reads that never wait for the device */
		if (fd >= 0 && nv[WARM]) {
			if (cb_uring_once(fd, blk, nread, 8192, 1, true, &cpu, &sw) == 0) {
				v[Q1][nv[Q1]++] = cpu;
				v[Q1SW][nv[Q1SW]++] = sw;
			}
			if (cb_uring_once(fd, blk, nread, 8192, 32, true, &cpu, &sw) == 0) {
				v[Q32][nv[Q32]++] = cpu;
				v[Q32SW][nv[Q32SW]++] = sw;
			}
			double ib;
			if (cb_irq_batch_once(fd, blk + 2 * nread, nread, &ib) == 0)
				v[IRQB][nv[IRQB]++] = ib;
		}
	}
#endif
	if (fd >= 0)
		close(fd);
	unlink(path);
	double m[NV];
	for (int i = 0; i < NV; i++)
		m[i] = cb_median(v[i], nv[i]);
	c->syscall_ns = m[SYS];
	c->copy4k_ns = m[CPY];
	c->futex_cpu_per_switch_ns = m[FCPU];
	c->futex_syscalls_per_switch = m[FSYS];
	c->futex_hop_ns = m[FHOP];
	c->warm_read_ns = m[WARM];
	c->cold_read_ns = m[COLD];
	c->cold_read_switches = m[COLDSW];
	c->cold_read_wall_ns = m[COLDW];
	c->readahead_ns = m[RA];
	c->nop_inline_ns = m[NOPI];
	c->nop_async_ns = m[NOPA];
	c->nop_async_switches = m[NOPASW];
	c->wq_read_qd1_ns = m[Q1];
	c->wq_read_qd1_switches = m[Q1SW];
	c->wq_read_qd32_ns = m[Q32];
	c->wq_read_qd32_switches = m[Q32SW];
	c->model_insert_host_ns = m[MH];
	c->model_insert_steps = m[MS];
	c->device_irq_batch = m[IRQB];
	c->par_cold_read_ns = m[PAR];
	c->par_cold_read_switches = m[PARSW];
	c->par_cold_read_invol = m[PARIN];
	c->direct_read_wall_ns = m[DWALL];
	c->direct_read_cpu_ns = m[DCPU];
	c->wake_idle_ns = m[WAKE];
	const struct pcsim_bdev_params *p = pcsim_bdev_preset("perf-anchor");
	if (p) {
		c->device_slots = p->slots;
		c->device_min_ns = (double)p->service_ns_min;
		c->device_mean_ns = (double)p->service_ns_mean;
	}
	long nc = sysconf(_SC_NPROCESSORS_ONLN);
	c->ncpus = nc > 0 ? (double)nc : (double)NAN;
	c->repeats = repeats;
	pcsim_calib_derive(c);
	free(cb_src);
	cb_src = NULL;
	free(blk);
	return 0;
}

/* ---------------------------------------------------------------------------------------------
 * `pcsim bench calibrate [--out FILE] [--repeats R] [--dir DIR] [--json]`
 */
int pcsim_bench_calibrate(int argc, char **argv);

static void cb_print(const struct pcsim_calib *c, bool json)
{
	if (json) {
		printf("{\"benchmark\":\"calibrate\",\"costs\":");
		pcsim_calib_json(c, stdout);
		printf("}\n");
		return;
	}
	printf("pcsim bench calibrate: medians over %.0f repeats on this machine (%.0f CPUs)\n",
	       c->repeats, c->ncpus);
	const char *name, *what;
	for (size_t i = 0; pcsim_calib_field(c, i, &name, &what, NULL) == 0; i++) {
		double v;
		pcsim_calib_field(c, i, NULL, NULL, &v);
		char b[32];
		if (isnan(v))
			snprintf(b, sizeof(b), "-");
		else
			snprintf(b, sizeof(b), "%.1f", v);
		printf("  %-26s %12s  %s\n", name, b, what);
	}
}

int pcsim_bench_calibrate(int argc, char **argv)
{
	const char *out = NULL, *dir = NULL;
	uint64_t repeats = 7;
	bool json = false;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int rc = 0;
		if (strcmp(a, "--json") == 0) {
			json = true;
			continue;
		}
		if (!v || (strcmp(a, "--out") && strcmp(a, "--repeats") && strcmp(a, "--dir")))
			return pcsim_cmdline_usage_error(
				"bench calibrate: unknown or incomplete argument '%s' (--out FILE, "
				"--repeats R, --dir DIR, --json)", a);
		i++;
		if (strcmp(a, "--out") == 0)
			out = v;
		else if (strcmp(a, "--dir") == 0)
			dir = v;
		else
			rc = pcsim_cmdline_parse_u64(a, v, 1, CB_MAX_REPEATS, &repeats);
		if (rc)
			return rc;
	}
	if (!dir || !*dir)
		dir = getenv("TMPDIR");
	if (!dir || !*dir)
		dir = "/tmp";
	struct pcsim_calib c;
	int rc = pcsim_calib_measure(&c, (unsigned)repeats, dir, json);
	if (rc) {
		fprintf(stderr, "bench calibrate: %s\n", strerror(-rc));
		return 1;
	}
	if (out) {
		char hdr[512];
		snprintf(hdr, sizeof(hdr),
			 "# pcsim bench calibrate --repeats %" PRIu64 " (medians; ns unless named "
			 "otherwise)\n# read by: pcsim bench seed --calibration FILE; meaning: "
			 "docs/seed-experiment.md, \"Calibration\"\n",
			 repeats);
		if (pcsim_calib_write(&c, out, hdr))
			return 1;
	}
	cb_print(&c, json);
	return 0;
}
