/* SPDX-License-Identifier: MIT */
/*
 * bench_seed.h - what bench_seed.c (`pcsim bench seed`: its legs, tables, JSON and chart) and
 * bench_seed_sweep.c (its scaling curves, --sweep) share: the modes and legs, one run's figures,
 * a leg's configuration, the options, and the few functions of bench_seed.c the sweep calls.
 * Private to the pcsim_bench library. Models nothing (docs/seed-experiment.md).
 */
#ifndef PCSIM_BENCH_SEED_H
#define PCSIM_BENCH_SEED_H

#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <pcsim/pcsim.h>

#include "calib.h"

#define SD_BS 4096u

enum sd_mode { SD_SYNC = 0, SD_OFFLOAD, SD_RASYNC, SD_NR_MODES };
enum sd_leg { SD_KERNEL = 0, SD_SIM, SD_THREADS, SD_NR_LEGS };

static const char *const sd_mode_name[SD_NR_MODES] = { "sync", "offload", "rasync" };

/* One run's figures, as the issue names them. */
struct sd_result {
	double wall_s, user_s, sys_s, cpu_pct, iops;
	double ctx_vol, ctx_invol;
	/* extra, for the table only */
	double host_s;		/* sim: host seconds the run took */
	double host_cpu_s;	/* sim: host CPU seconds (user+sys) of the run */
	double steps;		/* sim: steps of the whole execution */
	double workers;		/* kernel: iou-wrk threads seen at the end of the run */
	double resident;	/* kernel: pages of the file resident before the run */
	/* sim: steps per read, and from the accounting run the reader's, the io-wq workers' and
	 * the device interrupts' */
	double steps_read, reader_read, worker_read, irq_read;
	double acct_reads;	/* sim: reads of the accounting run the switches were counted on */
	/* sim with a calibration: the operations the CPU model charges (whole run), the virtual
	 * wall of the run itself (the device's, plus 1 ns steps) and the flat model's CPU */
	double op_sys, op_waits, op_punted, op_armed, wall_dev, cpu_flat, cpu_reader;
};

struct sd_leg_cfg {
	bool on;
	uint64_t size, reads, repeats;
	const char *skipped;	/* why the leg did not run, or NULL */
	struct sd_result med[SD_NR_MODES];
	bool have[SD_NR_MODES];
};

struct sd_opts {
	unsigned qd, workers;
	bool workers_given;
	unsigned irq_batch;		/* sim, threads: requests per completion interrupt (0: 1) */
	bool irq_batch_given;
	uint64_t seed, step_ns;
	const char *dir, *svg;
	bool json, keep;
	enum pcsim_strategy strategy;
	struct sd_leg_cfg leg[SD_NR_LEGS];
	long sim_maxrss_kb;
	uint64_t acct_reads;		/* sim: reads of the per-step accounting run */
	double sim_steps_per_s[SD_NR_MODES];
	/* the per-operation costs (bench/calib.h): from --calibration FILE or --calibrate */
	struct pcsim_calib cal;
	bool have_cal, step_ns_given, predict;
	const char *cal_path;
	unsigned ncpus;			/* sim: virtual CPUs (the kernel leg's with --predict) */
	unsigned modes;			/* bit per enum sd_mode to run */
	const char *sweep, *sweep_svg;
	bool sim_reads_given;		/* --sim-reads (--sweep size keeps it fixed, or errs) */
	/* --sweep: --legs given (else the sim leg only), --size and --reads given (the kernel
	 * points read the sim leg's sizes; --reads is their count), --sweep-points LIST */
	bool legs_given, size_given, reads_given;
	const char *sweep_points;
};

/* bench_seed.c, for the sweep: the sim or threads leg at @o's settings (0, or an exit status;
 * the medians in o->leg[leg].med), and a JSON number (null for NaN and infinities). */
int bench_seed_model_leg(struct sd_opts *o, enum sd_leg leg);
/* Close @svg, an open_memstream() over *@s, and write *@s to @path (freed); 0 or -1. */
int bench_seed_svg_write(FILE *svg, char **s, const char *path);
void bench_seed_json_num(double v, int prec);
/* ... and for the kernel points: the first @n of a fixed random permutation of @nblk blocks
 * (malloc'ed; NULL: no memory), the medians of @n runs, the file (created once, fsync'ed: 0 or
 * -errno), its resident pages, the process's iou-wrk threads, why io_uring is unusable (NULL:
 * usable). The last four exist with liburing only (PCSIM_BENCH_LIBURING). */
unsigned *bench_seed_order(uint64_t nblk, uint64_t n, uint64_t seed);
void bench_seed_medians(const struct sd_result *runs, unsigned n, struct sd_result *med);
int bench_seed_make_file(const char *path, uint64_t size);
double bench_seed_resident(int fd, uint64_t size);
double bench_seed_count_workers(void);
const char *bench_seed_uring_unavailable(void);
/*
 * One kernel run of @mode (liburing only): @n reads of the blocks @order names from the file at
 * @path (@size bytes, its pages dropped first, POSIX_FADV_RANDOM), @qd in flight and the ring's
 * depth, one SQE per io_uring_enter; @direct opens it O_DIRECT, @workers (0: the default) is
 * io-wq's bound and unbound limit, @aff (NULL: unchanged) its workers' CPUs. 0, or -errno with
 * @err saying which call failed. Used by the kernel leg and by the sweeps' kernel points.
 */
int bench_seed_kernel_run(const char *path, uint64_t size, const unsigned *order, uint64_t n,
			  unsigned qd, enum sd_mode mode, bool direct, unsigned workers,
			  const cpu_set_t *aff, struct sd_result *out, char *err, size_t errlen);

/* bench_seed_sweep.c: --sweep, the curves over o->sweep's points; 0, or an exit status. */
int sd_sweep_run(struct sd_opts *o);

#endif /* PCSIM_BENCH_SEED_H */
