/* SPDX-License-Identifier: MIT */
/*
 * calib.h - the per-operation costs `pcsim bench calibrate` measures on this machine and
 * `pcsim bench seed` charges to the sim leg's operations instead of a flat step_ns: a system
 * call, a voluntary context switch, the buffered read path of a cached page (find_get_page and
 * copy_page_to_iter), the miss path (add_to_page_cache_lru, the bio, the completion interrupt,
 * unlock_page), a 4 KiB copy, an io-wq hand-off (io_wq_enqueue and the worker's wake-up), the
 * extra cost of many io-wq workers reading one inode and of many workers each asleep on an
 * uncached page (wait_on_page_locked_killable, woken from the bio's end_io), plus the device
 * (the perf-anchor preset, calibrated from O_DIRECT fio runs: docs/pagecache.md), the lone
 * request's extra round trip when it finds the device idle (an O_DIRECT read at QD 1) and the
 * wake-up of a task sleeping on an idle CPU (try_to_wake_up to running). Models nothing
 * itself. The file format and the meaning of each figure: docs/seed-experiment.md, "Calibration".
 * Private to the pcsim_bench library (and fuzz/fuzz_calibration.c, which links
 * bench_calib_file.c alone).
 */
#ifndef PCSIM_BENCH_CALIB_H
#define PCSIM_BENCH_CALIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/*
 * Every figure is a median over the repeats. Raw figures are what a microbenchmark measured;
 * the derived ones (the model's costs) take from a raw CPU cost the switches and system calls
 * it contains, which the model counts and charges on their own. NAN: not measured (no
 * liburing, io_uring refused, the file could not be made).
 */
#define PCSIM_CALIB_FIELDS(X)                                                                    \
	/* raw */                                                                                \
	X(syscall_ns, "CPU ns of one getppid(2) (the system-call round trip)")                   \
	X(copy4k_ns, "CPU ns of a 4 KiB memcpy from one of 256 source pages")                    \
	X(futex_cpu_per_switch_ns, "CPU ns per voluntary switch of a futex ping-pong (2 threads)") \
	X(futex_syscalls_per_switch, "system calls per voluntary switch of that ping-pong")      \
	X(futex_hop_ns, "wall ns of one futex ping-pong hop (wake to running)")                 \
	X(warm_read_ns, "CPU ns of a preadv(2) of a cached 4 KiB page")                          \
	X(cold_read_ns, "CPU ns of a preadv(2) of an uncached 4 KiB page (FADV_RANDOM)")         \
	X(cold_read_switches, "voluntary switches per uncached preadv(2)")                      \
	X(cold_read_wall_ns, "wall ns of an uncached preadv(2) (device included)")              \
	X(readahead_ns, "CPU ns per readahead(2) of an uncached page, back to back (2048)")     \
	X(nop_inline_ns, "CPU ns per io_uring NOP completed inline, QD 1")                      \
	X(nop_async_ns, "CPU ns per io_uring NOP with IOSQE_ASYNC (io-wq), QD 1, workers in")   \
	X(nop_async_switches, "switches per IOSQE_ASYNC NOP, QD 1")                             \
	X(wq_read_qd1_ns, "CPU ns per cached 4 KiB read with IOSQE_ASYNC, QD 1")                \
	X(wq_read_qd1_switches, "switches per such read, QD 1")                                 \
	X(wq_read_qd32_ns, "CPU ns per cached 4 KiB read with IOSQE_ASYNC, QD 32 (one inode)")  \
	X(wq_read_qd32_switches, "switches per such read, QD 32")                               \
	X(model_insert_host_ns, "host ns of one add_to_page_cache in the model (sim, no checks)") \
	X(model_insert_steps, "sim steps of one add_to_page_cache in the model")                \
	X(device_irq_batch, "device requests ended per completion interrupt, cold reads QD 32") \
	X(par_cold_read_ns, "CPU ns per uncached preadv(2), 33 threads at once (all threads)")  \
	X(par_cold_read_switches, "voluntary switches per such read (33 threads)")            \
	X(par_cold_read_invol, "involuntary switches per such read (33 threads)")             \
	X(direct_read_wall_ns, "wall ns of an O_DIRECT pread(2) of 4 KiB, QD 1 (lone round trip)") \
	X(direct_read_cpu_ns, "CPU ns of that pread(2) (the reading thread)")                   \
	X(wake_idle_ns, "wall ns from FUTEX_WAKE to the sleeper running, both CPUs idle before") \
	/* derived: what the seed's CPU model charges */                                         \
	X(ctx_switch_ns, "per voluntary switch: futex CPU per switch minus its system calls")  \
	X(read_path_ns, "per read: warm preadv minus the system call (lookup + 4 KiB copy)")     \
	X(lookup_ns, "per extra read attempt: read_path_ns minus the 4 KiB copy")               \
	X(miss_qd1_ns, "per miss at QD 1: cold minus warm preadv minus its switches")           \
	X(miss_ns, "per miss at depth: readahead(2) minus the system call (insert, bio)")       \
	X(iowq_ns, "per io-wq hand-off: async minus inline NOP minus its switches")             \
	X(contention_ns, "per io-wq read at QD 32 over QD 1 on one inode, switches taken out")  \
	X(wq_block_ns, "per io-wq read asleep on a page: par_cold - warm - miss - switches") \
	X(device_idle_ns, "per request finding the device idle: direct wall-CPU-wake-device mean") \
	/* the device: the perf-anchor preset (not measured here) */                             \
	X(device_slots, "device slots (perf-anchor preset)")                                    \
	X(device_min_ns, "device service time, fixed part (perf-anchor preset)")                \
	X(device_mean_ns, "device service time, mean (perf-anchor preset)")                     \
	X(ncpus, "online CPUs when measured")                                                   \
	X(repeats, "repeats each median is taken over")

struct pcsim_calib {
#define PCSIM_CALIB_MEMBER(name, what) double name;
	PCSIM_CALIB_FIELDS(PCSIM_CALIB_MEMBER)
#undef PCSIM_CALIB_MEMBER
};

/*
 * The figures in file order: field @i's name, its one-line meaning and its value in @c (each
 * pointer may be NULL). Return: 0, -ENOENT past the last field. (bench_calib_file.c)
 */
int pcsim_calib_field(const struct pcsim_calib *c, size_t i, const char **name, const char **what,
		      double *value);

/* Every field NAN. */
void pcsim_calib_clear(struct pcsim_calib *c);

/* Fill the derived fields from the raw ones (NAN where an input is NAN; never below 0). */
void pcsim_calib_derive(struct pcsim_calib *c);

/* The file: "# comment" lines and "name = value" lines, one per field, NAN as "nan". */
int pcsim_calib_write(const struct pcsim_calib *c, const char *path, const char *header);

/* @header, then one "name = value  # what" line per field: a malloc()ed string, NULL without
 * memory. */
char *pcsim_calib_format(const struct pcsim_calib *c, const char *header);

/*
 * Parse @len bytes of @text (a file's content; @name_of_file names it in errors) into @c
 * (cleared first): "# comment" lines, blank lines and "name = value" lines, a value being a
 * number >= 0 or nan. Lines of 512 characters or more, NUL bytes, unknown names and malformed
 * lines are errors: @err gets "name:line: why". Return: 0, -EINVAL for bad content or when a
 * derived cost the seed needs is missing. (bench_calib_file.c; no I/O, for the fuzz target)
 */
int pcsim_calib_parse(struct pcsim_calib *c, const char *text, size_t len,
		      const char *name_of_file, char *err, size_t errlen);

/*
 * Read @path into @c (cleared first). Unknown names and malformed lines are errors: @err gets
 * "path:line: why". Return: 0, -errno when the file cannot be read, -EINVAL for bad content
 * or when a derived cost the seed needs is missing.
 */
int pcsim_calib_read(struct pcsim_calib *c, const char *path, char *err, size_t errlen);

/* @c as one JSON object ({"name": value or null, ...}) on @f, no newline. */
void pcsim_calib_json(const struct pcsim_calib *c, FILE *f);

/* Measure on this machine: @repeats per figure, the file for the page-cache figures in @dir. */
int pcsim_calib_measure(struct pcsim_calib *c, unsigned repeats, const char *dir, bool quiet);

#endif
