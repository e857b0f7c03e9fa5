// SPDX-License-Identifier: MIT
/*
 * bench_uring.c - `pcsim bench uring`: the ring submitter's cost in its three modes.
 *
 * One task reads every 4 KiB block of a file that is not cached, in a fixed random order, with
 * up to 32 reads in flight (queue depth 32: submit, reap one, submit the next), through a ring
 * in rasync, offload or sync mode, over the block device model (2 slots). On the sim backend
 * (random strategy, no checks, no trace) it reports steps and wall time per CQE; on the threads
 * backend CQEs per second. Medians of repeats; figures in bench/README.md.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcsim/pcsim.h>
#include <pcsim_support/cmdline.h>

#include "bench_util.h"

#define QD 32

struct ub {
	struct pcsim_bdev bdev;
	struct pcsim_address_space *m;
	int fd;
	enum pcsim_uring_mode mode;
	unsigned npages;
	unsigned *order;
	unsigned char *buf;	/* QD slots of 4 KiB */
	uint64_t cqes;
	struct pcsim_uring_stats st;
};

static struct ub *cur_ub;

static void ub_submit_one(struct ub *u, struct pcsim_uring *ring, unsigned i, unsigned slot)
{
	struct io_uring_sqe *sqe = pcsim_uring_get_sqe(ring);
	if (!sqe)
		return;
	pcsim_uring_prep_read(sqe, u->fd, u->buf + (size_t)slot * 4096, 4096,
			      (uint64_t)u->order[i] * 4096);
	pcsim_uring_sqe_set_data64(sqe, slot);
}

static void ub_task(void *arg)
{
	struct ub *u = arg;
	struct pcsim_uring ring;
	struct pcsim_uring_params p = { .mode = u->mode, .iowq_workers = 4 };
	if (pcsim_uring_queue_init_params(QD, &ring, &p))
		return;
	unsigned next = 0, inflight = 0;
	for (; next < u->npages && next < QD; next++, inflight++)
		ub_submit_one(u, &ring, next, next);
	pcsim_uring_submit(&ring);
	while (inflight) {
		struct io_uring_cqe *cqe;
		if (pcsim_uring_wait_cqe(&ring, &cqe))
			break;
		unsigned slot = (unsigned)cqe->user_data;
		u->cqes++;
		inflight--;
		pcsim_uring_cqe_seen(&ring, cqe);
		if (next < u->npages) {
			ub_submit_one(u, &ring, next++, slot);
			inflight++;
			pcsim_uring_submit(&ring);
		}
	}
	pcsim_uring_queue_exit(&ring);
	pcsim_uring_stats(&ring, &u->st);
}

static void ub_setup(struct pcsim_world *w, void *arg)
{
	struct ub *u = arg;
	u->cqes = 0;
	pcsim_bdev_init(&u->bdev, 2, false);
	u->m = pcsim_mapping_create(w, 9, (uint64_t)u->npages * 4096, &u->bdev, 0);
	u->m->fadv_random = true;
	u->fd = pcsim_uring_open(w, u->m, 0);
	pcsim_task_create(w, "reader", ub_task, u, 0);
	cur_ub = u;
}

static int ub_run(struct ub *u, enum pcsim_backend be, uint64_t execs, double *secs,
		  uint64_t *steps)
{
	struct pcsim_program prog = { "bench-uring", ub_setup, NULL, u };
	struct pcsim_config cfg = bench_config(be);
	struct pcsim_explore_opts o;
	struct pcsim_report r;
	pcsim_explore_opts_init(&o);
	o.strategy = PCSIM_STRATEGY_RANDOM;
	o.max_executions = execs;
	o.confirm = false;
	double t0 = bench_now_s();
	int rc = pcsim_explore(&prog, &cfg, &o, &r);
	*secs = bench_now_s() - t0;
	*steps = r.steps;
	if (rc != 0)
		fprintf(stderr, "bench uring: %s\n", r.message ? r.message : "failed");
	pcsim_report_free(&r);
	return rc;
}

static const char *const mode_names[] = { "rasync", "offload", "sync" };

int pcsim_bench_uring(int argc, char **argv)
{
	bool json = false;
	uint64_t repeats = 5, sim_pages = 64, thr_pages = 4096, execs = 20;
	for (int i = 0; i < argc; i++) {
		int rc = 0;
		if (strcmp(argv[i], "--json") == 0)
			json = true;
		else if (strcmp(argv[i], "--repeats") == 0 && i + 1 < argc)
			rc = pcsim_cmdline_parse_u64("--repeats", argv[++i], 1, 1000, &repeats);
		else if (strcmp(argv[i], "--pages") == 0 && i + 1 < argc)
			rc = pcsim_cmdline_parse_u64("--pages", argv[++i], 1, 1u << 20, &thr_pages);
		else
			return pcsim_cmdline_usage_error("bench uring: unknown argument '%s'", argv[i]);
		if (rc)
			return rc;
	}
	struct ub u;
	double sim_ns[3], sim_steps[3], thr_cqes[3];
	uint64_t armed[3], punted[3];
	for (int mode = 0; mode < 3; mode++) {
		double *tv = calloc(repeats, sizeof(double)), *sv = calloc(repeats, sizeof(double));
		double *cv = calloc(repeats, sizeof(double));
		if (!tv || !sv || !cv)
			return 3;
		for (int be = 0; be < 2; be++) {
			uint64_t n = be ? thr_pages : sim_pages;
			memset(&u, 0, sizeof(u));
			u.mode = (enum pcsim_uring_mode)mode;
			u.npages = (unsigned)n;
			u.order = calloc(n, sizeof(unsigned));
			u.buf = calloc(QD, 4096);
			if (!u.order || !u.buf)
				return 3;
			/* a fixed random permutation (xorshift, seed 1) */
			uint64_t x = 0x9e3779b97f4a7c15ull;
			for (unsigned i = 0; i < n; i++)
				u.order[i] = i;
			for (unsigned i = (unsigned)n; i > 1; i--) {
				x ^= x << 13;
				x ^= x >> 7;
				x ^= x << 17;
				unsigned j = (unsigned)(x % i), t = u.order[i - 1];
				u.order[i - 1] = u.order[j];
				u.order[j] = t;
			}
			for (uint64_t rep = 0; rep < repeats; rep++) {
				double secs;
				uint64_t steps;
				uint64_t ex = be ? 1 : execs;
				if (ub_run(&u, be ? PCSIM_BACKEND_THREADS : PCSIM_BACKEND_SIM, ex, &secs,
					   &steps))
					return 3;
				double cqes = (double)n * (double)ex;
				if (be) {
					cv[rep] = cqes / secs;
				} else {
					tv[rep] = secs * 1e9 / cqes;
					sv[rep] = (double)steps / cqes;
				}
			}
			if (!be) {
				armed[mode] = u.st.armed;
				punted[mode] = u.st.punted;
			}
			free(u.order);
			free(u.buf);
		}
		qsort(tv, repeats, sizeof(double), bench_cmp_double);
		qsort(sv, repeats, sizeof(double), bench_cmp_double);
		qsort(cv, repeats, sizeof(double), bench_cmp_double);
		sim_ns[mode] = tv[repeats / 2];
		sim_steps[mode] = sv[repeats / 2];
		thr_cqes[mode] = cv[repeats / 2];
		free(tv);
		free(sv);
		free(cv);
	}
	if (json) {
		printf("{\"benchmark\":\"uring\",\"qd\":%d,\"sim_pages\":%" PRIu64
		       ",\"sim_executions\":%" PRIu64 ",\"threads_pages\":%" PRIu64
		       ",\"repeats\":%" PRIu64 ",\"modes\":[",
		       QD, sim_pages, execs, thr_pages, repeats);
		for (int m = 0; m < 3; m++)
			printf("%s{\"mode\":\"%s\",\"sim_steps_per_cqe\":%.1f,\"sim_ns_per_cqe\":%.0f,"
			       "\"sim_armed\":%" PRIu64 ",\"sim_punted\":%" PRIu64
			       ",\"threads_cqes_per_s\":%.0f}",
			       m ? "," : "", mode_names[m], sim_steps[m], sim_ns[m], armed[m], punted[m],
			       thr_cqes[m]);
		printf("]}\n");
		return 0;
	}
	printf("pcsim bench uring: %d-deep random 4 KiB reads of a file not cached; sim: %" PRIu64
	       " pages x %" PRIu64 " executions (random strategy, no checks); threads: %" PRIu64
	       " pages; median of %" PRIu64 "\n\n",
	       QD, sim_pages, execs, thr_pages, repeats);
	printf("%-8s %14s %14s %10s %10s %18s\n", "mode", "sim steps/CQE", "sim ns/CQE", "armed",
	       "to io-wq", "threads CQEs/s");
	for (int m = 0; m < 3; m++)
		printf("%-8s %14.1f %14.0f %10" PRIu64 " %10" PRIu64 " %18.0f\n", mode_names[m],
		       sim_steps[m], sim_ns[m], armed[m], punted[m], thr_cqes[m]);
	printf("\n(armed and to io-wq: the last sim execution's %" PRIu64 " reads)\n", sim_pages);
	return 0;
}
