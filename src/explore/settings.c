// SPDX-License-Identifier: MIT
/*
 * settings.c - the settings table (<pcsim/settings.h>): every engine and model setting once,
 * with its key, option, values, default and range; pcsim_config_init(), pcsim_config_validate(),
 * pcsim_config_parse() and pcsim_config_format() are loops over it.
 *
 * It lives in the explore layer because it is the one place that knows every layer's settings
 * struct (<pcsim/waitq.h>, <pcsim/pagecache.h>, <pcsim/uring.h>); the engine only stores them.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcsim/pagecache.h>
#include <pcsim/settings.h>
#include <pcsim/uring.h>
#include <pcsim/waitq.h>

#include "explore_int.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define BIG_STACKS 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define BIG_STACKS 1
#endif
#if defined(BIG_STACKS)
#define STACK_DEFAULT "262144"	/* sanitizers need room for their redzones */
#else
#define STACK_DEFAULT "65536"
#endif

#define NAMES(a) .names = (a), .nnames = sizeof(a) / sizeof((a)[0])
#define ENGINE(f) .layer = "engine", .layer_index = -1, .field = #f,                     \
		  .offset = offsetof(struct pcsim_config, f),                              \
		  .size = sizeof(((struct pcsim_config *)0)->f)
#define LAYER(idx, name, type, f) .layer = (name), .layer_index = (idx), .field = #f,     \
				  .offset = offsetof(type, f), .size = sizeof(((type *)0)->f)
#define WAITQ(f) LAYER(PCSIM_LAYER_WAITQ, "waitq", struct pcsim_waitq_config, f)
#define PAGECACHE(f) LAYER(PCSIM_LAYER_PAGECACHE, "pagecache", struct pcsim_pagecache_config, f)
#define URING(f) LAYER(PCSIM_LAYER_URING, "uring", struct pcsim_uring_config, f)

static const struct pcsim_setting_name backend_names[] = {
	{ "sim", PCSIM_BACKEND_SIM }, { "threads", PCSIM_BACKEND_THREADS },
};
static const struct pcsim_setting_name mem_names[] = {
	{ "sc", PCSIM_MEM_SC }, { "tso", PCSIM_MEM_TSO }, { "weak", PCSIM_MEM_WEAK },
};
/* Formatting takes the first name that covers the value exactly, then the single bits in order:
 * so 7 is "default", 15 "strict-p6" (as `--checks strict-p6` always meant: the default checks
 * and strict P6), 9 "invariants,p6". */
static const struct pcsim_setting_name checks_names[] = {
	{ "none", PCSIM_CHECK_NONE },
	{ "default", PCSIM_CHECK_DEFAULT },
	{ "strict-p6", PCSIM_CHECK_DEFAULT | PCSIM_CHECK_STRICT_P6 },
	{ "invariants", PCSIM_CHECK_INVARIANTS },
	{ "lockdep", PCSIM_CHECK_LOCKDEP },
	{ "atomic", PCSIM_CHECK_ATOMIC },
	{ "p6", PCSIM_CHECK_STRICT_P6 },
};
static const struct pcsim_setting_name lock_profile_names[] = {
	{ "5.9", PCSIM_LOCK_PROFILE_5_9 },
	{ "5.8", PCSIM_LOCK_PROFILE_5_8 },
	{ "5.9-p6fix", PCSIM_LOCK_PROFILE_5_9_P6FIX },
};
static const struct pcsim_setting_name kernel_names[] = {
	{ "5.10", PCSIM_KERNEL_5_10 },
	{ "5.8", PCSIM_KERNEL_5_8 },
	{ "5.9", PCSIM_KERNEL_5_9 },
	{ "6.18", PCSIM_KERNEL_6_18 },
};
static const struct pcsim_setting_name readahead_names[] = {
	{ "program", -1 }, { "off", 0 },
};
static const struct pcsim_setting_name device_names[] = {
	{ "program", PCSIM_DEVICE_PROGRAM },
	{ "instant", PCSIM_DEVICE_INSTANT },
	{ "perf-anchor", PCSIM_DEVICE_PERF_ANCHOR },
};
static const struct pcsim_setting_name program_zero_names[] = {
	{ "program", 0 },
};
static const struct pcsim_setting_name ring_mode_names[] = {
	{ "program", -1 },
	{ "rasync", PCSIM_URING_RASYNC },
	{ "offload", PCSIM_URING_OFFLOAD },
	{ "sync", PCSIM_URING_SYNC },
};

#define NS UINT64_C(1)
#define US UINT64_C(1000)
#define MS UINT64_C(1000000)
#define SEC UINT64_C(1000000000)

/*
 * The order of the RECORDED rows is the order of a schedule file's config line; rows added
 * after version 1 of the format are TERSE, so files that do not use them read as before.
 */
static const struct pcsim_setting table[] = {
	{ .key = "backend", .option = "--backend", ENGINE(backend), .kind = PCSIM_SETTING_ENUM,
	  .flags = PCSIM_SETTING_RECORDED, .values = "sim|threads", .def = "sim",
	  .help = "deterministic fibers (sim) or real threads with liburcu and libev",
	  NAMES(backend_names) },
	{ .key = "cpus", .option = "--cpus", ENGINE(ncpus), .kind = PCSIM_SETTING_UINT,
	  .flags = PCSIM_SETTING_RECORDED, .values = "1..64", .def = "2",
	  .help = "virtual CPUs", .min = 1, .max = PCSIM_MAX_CPUS },
	{ .key = "mem", .option = "--mem", ENGINE(mem), .kind = PCSIM_SETTING_ENUM,
	  .flags = PCSIM_SETTING_RECORDED, .values = "sc|tso|weak", .def = "sc",
	  .help = "memory model: sequential consistency, per-CPU FIFO store buffers (x86-TSO), "
		  "or weak (store-store and load-load reordering, LKMM's barriers)",
	  NAMES(mem_names) },
	{ .key = "max_steps", .option = "--max-steps", ENGINE(max_steps),
	  .kind = PCSIM_SETTING_UINT, .flags = PCSIM_SETTING_RECORDED, .values = "1..2^63",
	  .def = "1000000", .help = "livelock budget: steps per execution", .min = 1,
	  .max = INT64_MAX },
	{ .key = "store_buffer", .option = "--store-buffer", ENGINE(store_buffer_size),
	  .kind = PCSIM_SETTING_UINT, .flags = PCSIM_SETTING_RECORDED, .values = "1..64",
	  .def = "8", .help = "tso: store-buffer entries per CPU before a forced flush", .min = 1,
	  .max = 64 },
	{ .key = "spurious", .option = "--spurious", ENGINE(max_spurious),
	  .kind = PCSIM_SETTING_UINT, .flags = PCSIM_SETTING_RECORDED, .values = "0..1000000",
	  .def = "0", .help = "spurious wakeups the strategy may offer per execution", .min = 0,
	  .max = 1000000 },
	{ .key = "timed", .option = "--timed", ENGINE(timed), .kind = PCSIM_SETTING_BOOL,
	  .flags = PCSIM_SETTING_RECORDED, .values = "0|1", .def = "0",
	  .help = "a virtual clock orders events (device latency counts)", .min = 0, .max = 1 },
	{ .key = "step_ns", .option = "--step-ns", ENGINE(step_ns), .kind = PCSIM_SETTING_UINT,
	  .flags = PCSIM_SETTING_RECORDED, .values = "0..2^63", .def = "10",
	  .help = "timed mode: virtual ns charged per step", .min = 0, .max = INT64_MAX },
	{ .key = "checks", .option = "--checks", ENGINE(checks), .kind = PCSIM_SETTING_FLAGS,
	  .flags = PCSIM_SETTING_RECORDED,
	  .values = "default|none|strict-p6, or invariants,lockdep,atomic,p6",
	  .def = "default",
	  .help = "checks at every step; strict-p6 adds P6 (a killed waiter dropping a counted "
		  "wakeup)",
	  .min = 0, .max = PCSIM_CHECK_ALL, NAMES(checks_names) },
	{ .key = "wait_table_bits", .option = "--wait-table-bits", PAGECACHE(wait_table_bits),
	  .kind = PCSIM_SETTING_UINT, .flags = PCSIM_SETTING_RECORDED, .values = "0..16",
	  .def = "8", .help = "PAGE_WAIT_TABLE_BITS: 0 hashes every page to one bucket", .min = 0,
	  .max = 16 },
	{ .key = "walk_break", .option = "--walk-break", WAITQ(walk_break_cnt),
	  .kind = PCSIM_SETTING_UINT, .flags = PCSIM_SETTING_RECORDED, .values = "1..1000000",
	  .def = "64", .help = "WAITQUEUE_WALK_BREAK_CNT: entries per bookmarked wake walk",
	  .min = 1, .max = 1000000 },
	{ .key = "unfairness", .option = "--unfairness", PAGECACHE(page_lock_unfairness),
	  .kind = PCSIM_SETTING_UINT, .flags = PCSIM_SETTING_RECORDED, .values = "0..1000000",
	  .def = "5", .help = "sysctl_page_lock_unfairness: lost races before a lock handoff",
	  .is_signed = 1, .min = 0, .max = 1000000 },
	{ .key = "inject", .option = "--inject", ENGINE(inject), .kind = PCSIM_SETTING_UINT,
	  .flags = PCSIM_SETTING_RECORDED, .values = "0..0xffffffff", .def = "0",
	  .help = "PCSIM_INJECT_* mutants (tests of the checks)", .min = 0, .max = UINT32_MAX },
	{ .key = "lock_profile", .option = "--lock-profile", PAGECACHE(lock_profile),
	  .kind = PCSIM_SETTING_ENUM, .flags = PCSIM_SETTING_RECORDED,
	  .values = "5.9|5.8|5.9-p6fix", .def = "5.9",
	  .help = "page lock: 5.9 WOKEN/DONE handoff, 5.8 retry loop, 5.9 with the P6 fix",
	  .is_signed = 1, NAMES(lock_profile_names) },
	{ .key = "bugs", .option = "--bugs", ENGINE(bugs), .kind = PCSIM_SETTING_BUGS,
	  .flags = PCSIM_SETTING_RECORDED, .values = "none|bNN[,bNN...]|0xMASK", .def = "none",
	  .help = "re-injected bug-zoo entries (`pcsim bugs`; --bug bNN adds one)" },
	/* ---- added after version 1 of the schedule format: recorded when not at the default */
	{ .key = "readahead", .option = "--readahead", PAGECACHE(readahead),
	  .kind = PCSIM_SETTING_UINT, .flags = PCSIM_SETTING_RECORDED | PCSIM_SETTING_TERSE,
	  .values = "program|off|1..1024", .def = "program",
	  .help = "readahead window in pages of every file (program: each file's own)",
	  .is_signed = 1, .min = 0, .max = 1024, NAMES(readahead_names) },
	{ .key = "device", .option = "--device", PAGECACHE(device), .kind = PCSIM_SETTING_ENUM,
	  .flags = PCSIM_SETTING_RECORDED | PCSIM_SETTING_TERSE,
	  .values = "program|instant|perf-anchor", .def = "program",
	  .help = "block device preset of every device (perf-anchor: the measured disk)",
	  .is_signed = 1, NAMES(device_names) },
	{ .key = "device_slots", .option = "--device-slots", PAGECACHE(device_slots),
	  .kind = PCSIM_SETTING_UINT, .flags = PCSIM_SETTING_RECORDED | PCSIM_SETTING_TERSE,
	  .values = "program|1..1024", .def = "program",
	  .help = "requests a device serves at once", .min = 1, .max = 1024,
	  NAMES(program_zero_names) },
	{ .key = "latency", .option = "--latency", PAGECACHE(latency_min_ns),
	  .offset2 = offsetof(struct pcsim_pagecache_config, latency_mean_ns),
	  .kind = PCSIM_SETTING_RANGE, .flags = PCSIM_SETTING_RECORDED | PCSIM_SETTING_TERSE,
	  .values = "program|MIN..MEAN (ns, us, ms, s; bare: us)", .def = "program",
	  .help = "device service time: shifted exponential, min and mean (timed mode)",
	  .min = 0, .max = 10 * SEC, .unit_ns = NS, .bare_ns = US,
	  NAMES(program_zero_names) },
	{ .key = "ring_mode", .option = "--ring-mode", URING(mode), .kind = PCSIM_SETTING_ENUM,
	  .flags = PCSIM_SETTING_RECORDED | PCSIM_SETTING_TERSE,
	  .values = "program|rasync|offload|sync", .def = "program",
	  .help = "how every ring issues reads: the async retry, io-wq offload or preadv",
	  .is_signed = 1, NAMES(ring_mode_names) },
	{ .key = "iowq_workers", .option = "--iowq-workers", URING(iowq_workers),
	  .kind = PCSIM_SETTING_UINT, .flags = PCSIM_SETTING_RECORDED | PCSIM_SETTING_TERSE,
	  .values = "program|1..64", .def = "program", .help = "io-wq workers of every ring",
	  .min = 1, .max = 64, NAMES(program_zero_names) },
	{ .key = "kernel", .option = "--kernel", ENGINE(kernel), .kind = PCSIM_SETTING_ENUM,
	  .flags = PCSIM_SETTING_RECORDED | PCSIM_SETTING_TERSE,
	  .values = "5.10|5.8|5.9|6.18", .def = "5.10",
	  .help = "kernel profile: page lock, wake walk, read path and ring of that release",
	  NAMES(kernel_names) },
	{ .key = "device_irq_batch", .option = "--device-irq-batch", PAGECACHE(device_irq_batch),
	  .kind = PCSIM_SETTING_UINT, .flags = PCSIM_SETTING_RECORDED | PCSIM_SETTING_TERSE,
	  .values = "program|1..1024", .def = "program",
	  .help = "requests a device's completion interrupt ends (interrupt coalescing)", .min = 1,
	  .max = 1024, NAMES(program_zero_names) },
	{ .key = "device_idle", .option = "--device-idle", PAGECACHE(device_idle_ns),
	  .kind = PCSIM_SETTING_DURATION, .flags = PCSIM_SETTING_RECORDED | PCSIM_SETTING_TERSE,
	  .values = "program|DURATION (bare: us)", .def = "program",
	  .help = "extra latency of a request that finds its device idle (timed mode)", .min = 0,
	  .max = 10 * SEC, .unit_ns = NS, .bare_ns = US, NAMES(program_zero_names) },
	{ .key = "req_cache", .option = "--req-cache", URING(req_cache),
	  .kind = PCSIM_SETTING_BOOL, .flags = PCSIM_SETTING_RECORDED | PCSIM_SETTING_TERSE,
	  .values = "0|1", .def = "0",
	  .help = "sim: reuse freed ring requests LIFO (less memory; weaker use-after-free checks)",
	  .min = 0, .max = 1 },
	/* ---- not recorded: they do not change what an execution does */
	{ .key = "watchdog", .option = "--watchdog", ENGINE(watchdog_ms),
	  .kind = PCSIM_SETTING_DURATION, .values = "0 (off)|DURATION (bare: s)", .def = "10s",
	  .help = "sim: a context running this long without a preemption point is reported",
	  .min = 0, .max = UINT32_MAX, .unit_ns = MS, .bare_ns = SEC },
	{ .key = "threads_timeout", .option = "--threads-timeout",
	  ENGINE(threads_timeout_ms), .kind = PCSIM_SETTING_DURATION,
	  .values = "DURATION (bare: s)", .def = "20s",
	  .help = "threads: an execution running longer is reported as a deadlock", .min = 1,
	  .max = UINT32_MAX, .unit_ns = MS, .bare_ns = SEC },
	{ .key = "stack_size", .option = "--stack-size", ENGINE(stack_size),
	  .kind = PCSIM_SETTING_UINT, .values = "16384..1073741824 bytes", .def = STACK_DEFAULT,
	  .help = "sim: fiber stack bytes", .min = PCSIM_STACK_MIN, .max = PCSIM_STACK_MAX },
	{ .key = "trace_events", .option = "--trace-events", ENGINE(trace),
	  .kind = PCSIM_SETTING_BOOL, .values = "0|1", .def = "1",
	  .help = "record the event trace (0: faster, no narrative or trace hash)", .min = 0,
	  .max = 1 },
};

#define NSETTINGS (sizeof(table) / sizeof(table[0]))

const struct pcsim_setting *pcsim_settings(size_t *n)
{
	if (n)
		*n = NSETTINGS;
	return table;
}

const struct pcsim_setting *pcsim_setting_find(const char *key, size_t len)
{
	if (!key)
		return NULL;
	for (size_t i = 0; i < NSETTINGS; i++) {
		const char *k = table[i].key, *o = table[i].option;
		if ((strlen(k) == len && memcmp(k, key, len) == 0) ||
		    (strlen(o) == len && memcmp(o, key, len) == 0))
			return &table[i];
	}
	return NULL;
}

/* ---- storage */

static unsigned char *field(struct pcsim_config *cfg, const struct pcsim_setting *s, size_t off)
{
	unsigned char *base = s->layer_index < 0 ? (unsigned char *)cfg
						 : cfg->layer[s->layer_index].bytes;
	return base + off;
}

static int64_t load(const struct pcsim_config *cfg, const struct pcsim_setting *s, size_t off)
{
	const unsigned char *p = field((struct pcsim_config *)cfg, s, off);
	switch (s->size) {
	case 1: {
		bool b;
		memcpy(&b, p, 1);
		return b;
	}
	case 4:
		if (s->is_signed) {
			int32_t v;
			memcpy(&v, p, 4);
			return v;
		} else {
			uint32_t v;
			memcpy(&v, p, 4);
			return v;
		}
	default: {
		uint64_t v;
		memcpy(&v, p, 8);
		return (int64_t)v;
	}
	}
}

static void store(struct pcsim_config *cfg, const struct pcsim_setting *s, size_t off, int64_t v)
{
	unsigned char *p = field(cfg, s, off);
	switch (s->size) {
	case 1: {
		bool b = v != 0;
		memcpy(p, &b, 1);
		break;
	}
	case 4: {
		uint32_t u = (uint32_t)v;
		memcpy(p, &u, 4);
		break;
	}
	default: {
		uint64_t u = (uint64_t)v;
		memcpy(p, &u, 8);
	}
	}
}

/* ---- parsing one value */

static bool name_find_value(const struct pcsim_setting *s, int64_t v)
{
	for (unsigned i = 0; i < s->nnames; i++)
		if (s->names[i].value == v)
			return true;
	return false;
}

static bool word_is(const char *v, size_t n, const char *w)
{
	return strlen(w) == n && strncmp(v, w, n) == 0;
}

static const struct pcsim_setting_name *name_find(const struct pcsim_setting *s, const char *v,
						  size_t n)
{
	for (unsigned i = 0; i < s->nnames; i++)
		if (word_is(v, n, s->names[i].name))
			return &s->names[i];
	return NULL;
}

/* Decimal, or 0x and at most 16 hex digits; no sign, no blanks. */
static int parse_number(const char *v, size_t n, uint64_t *out)
{
	uint64_t x = 0;
	if (n == 0)
		return -1;
	if (n > 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X')) {
		if (n - 2 > 16)
			return -1;
		for (size_t i = 2; i < n; i++) {
			int d = isdigit((unsigned char)v[i]) ? v[i] - '0'
				: (v[i] >= 'a' && v[i] <= 'f') ? v[i] - 'a' + 10
				: (v[i] >= 'A' && v[i] <= 'F') ? v[i] - 'A' + 10 : -1;
			if (d < 0)
				return -1;
			x = x << 4 | (uint64_t)d;
		}
		*out = x;
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)v[i]) || x > (UINT64_MAX - 9) / 10)
			return -1;
		x = x * 10 + (uint64_t)(v[i] - '0');
	}
	*out = x;
	return 0;
}

/* A duration: digits and an optional unit; without one, @bare_ns. Result in ns. */
static int parse_duration(const char *v, size_t n, uint64_t bare_ns, uint64_t *ns)
{
	size_t d = 0;
	while (d < n && isdigit((unsigned char)v[d]))
		d++;
	uint64_t x, unit;
	if (d == 0 || parse_number(v, d, &x) < 0)
		return -1;
	const char *u = v + d;
	size_t un = n - d;
	if (un == 0)
		unit = bare_ns;
	else if (word_is(u, un, "ns"))
		unit = NS;
	else if (word_is(u, un, "us"))
		unit = US;
	else if (word_is(u, un, "ms"))
		unit = MS;
	else if (word_is(u, un, "s"))
		unit = SEC;
	else
		return -1;
	if (x > UINT64_MAX / unit)
		return -1;
	*ns = x * unit;
	return 0;
}

static uint64_t flags_mask(const struct pcsim_setting *s)
{
	uint64_t m = 0;
	for (unsigned i = 0; i < s->nnames; i++)
		m |= (uint64_t)s->names[i].value;
	return m;
}

/* One item of a FLAGS (a name) or BUGS (bNN) list: its bits, or -1 with the reason in @why. */
static int list_item(const struct pcsim_setting *s, const char *v, size_t n, uint64_t *bits,
		     char *why, size_t wl)
{
	if (s->kind == PCSIM_SETTING_FLAGS) {
		const struct pcsim_setting_name *f = name_find(s, v, n);
		if (!f) {
			snprintf(why, wl, "'%.*s' is not a name", (int)n, v);
			return -1;
		}
		*bits = (uint64_t)f->value;
		return 0;
	}
	uint64_t bn;
	bool digits = n >= 2 && n <= 3 && (v[0] == 'b' || v[0] == 'B');
	for (size_t k = 1; digits && k < n; k++)
		digits = isdigit((unsigned char)v[k]) != 0;
	if (!digits || parse_number(v + 1, n - 1, &bn) < 0 || bn > 63) {
		snprintf(why, wl, "'%.*s' is not bNN (0..63)", (int)n, v);
		return -1;
	}
	*bits = 1ull << bn;
	return 0;
}

/* Items separated by ',' (none empty), their bits ORed into *@out. */
static int parse_list(const struct pcsim_setting *s, const char *v, size_t n, uint64_t *out,
		      char *why, size_t wl)
{
	uint64_t x = 0, bits;
	if (n == 0 || v[n - 1] == ',')
		return -1;
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && v[j] != ',')
			j++;
		if (list_item(s, v + i, j - i, &bits, why, wl) < 0)
			return -1;
		x |= bits;
		i = j + 1;
	}
	*out = x;
	return 0;
}

/* Parse @v into *@a (and *@b for a RANGE). 0, or -1 with the reason in @why. */
static int parse_value(const struct pcsim_setting *s, const char *v, size_t n, int64_t *a,
		       int64_t *b, char *why, size_t wl)
{
	const struct pcsim_setting_name *nm = name_find(s, v, n);
	uint64_t x;
	*why = 0;
	switch (s->kind) {
	case PCSIM_SETTING_BOOL:
		if (word_is(v, n, "1") || word_is(v, n, "true") || word_is(v, n, "on") ||
		    word_is(v, n, "yes"))
			*a = 1;
		else if (word_is(v, n, "0") || word_is(v, n, "false") || word_is(v, n, "off") ||
			 word_is(v, n, "no"))
			*a = 0;
		else
			return -1;
		return 0;
	case PCSIM_SETTING_ENUM:
		if (!nm)
			return -1;
		*a = nm->value;
		return 0;
	case PCSIM_SETTING_UINT:
		if (nm) {
			*a = nm->value;
			return 0;
		}
		if (parse_number(v, n, &x) < 0)
			return -1;
		if (x < (uint64_t)s->min || x > (uint64_t)s->max) {
			snprintf(why, wl, "out of range");
			return -1;
		}
		*a = (int64_t)x;
		return 0;
	case PCSIM_SETTING_FLAGS:
	case PCSIM_SETTING_BUGS:
		if (s->kind == PCSIM_SETTING_BUGS && word_is(v, n, "none")) {
			*a = 0;
			return 0;
		}
		if (n && isdigit((unsigned char)v[0])) {
			if (parse_number(v, n, &x) < 0)
				return -1;
			if (s->kind == PCSIM_SETTING_FLAGS && (x & ~flags_mask(s))) {
				snprintf(why, wl, "bits outside %#" PRIx64, flags_mask(s));
				return -1;
			}
			*a = (int64_t)x;
			return 0;
		}
		if (parse_list(s, v, n, &x, why, wl) < 0)
			return -1;
		*a = (int64_t)x;
		return 0;
	case PCSIM_SETTING_DURATION:
		if (nm) {
			*a = nm->value;
			return 0;
		}
		if (parse_duration(v, n, s->bare_ns, &x) < 0)
			return -1;
		x /= s->unit_ns;
		if (x < (uint64_t)s->min || x > (uint64_t)s->max) {
			snprintf(why, wl, "out of range");
			return -1;
		}
		*a = (int64_t)x;
		return 0;
	case PCSIM_SETTING_RANGE: {
		if (nm) {
			*a = *b = nm->value;
			return 0;
		}
		size_t dots = 0;
		while (dots + 1 < n && !(v[dots] == '.' && v[dots + 1] == '.'))
			dots++;
		uint64_t lo, hi;
		if (dots + 1 >= n) { /* one value: min = mean */
			if (parse_duration(v, n, s->bare_ns, &lo) < 0)
				return -1;
			hi = lo;
		} else if (parse_duration(v, dots, s->bare_ns, &lo) < 0 ||
			   parse_duration(v + dots + 2, n - dots - 2, s->bare_ns, &hi) < 0) {
			return -1;
		}
		lo /= s->unit_ns;
		hi /= s->unit_ns;
		if (hi > (uint64_t)s->max || lo > hi || hi == 0) {
			snprintf(why, wl, "need MIN <= MEAN, MEAN 1ns..10s");
			return -1;
		}
		*a = (int64_t)lo;
		*b = (int64_t)hi;
		return 0;
	}
	}
	return -1;
}

int pcsim_setting_set(struct pcsim_config *cfg, const struct pcsim_setting *s, const char *value,
		      size_t vlen, char *err, size_t errlen)
{
	char scratch[8], why[96];
	int64_t a = 0, b = 0;
	if (!err || !errlen) {
		err = scratch;
		errlen = sizeof(scratch);
	}
	if (!cfg || !s || !value) {
		snprintf(err, errlen, "pcsim_setting_set: NULL argument");
		return -EINVAL;
	}
	if (parse_value(s, value, vlen, &a, &b, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "bad value '%.*s' for %s%s%s (%s)", (int)(vlen > 64 ? 64 : vlen),
			 value, s->key, why[0] ? ": " : "", why, s->values);
		return -EINVAL;
	}
	store(cfg, s, s->offset, a);
	if (s->kind == PCSIM_SETTING_RANGE)
		store(cfg, s, s->offset2, b);
	return 0;
}

/* ---- formatting one value */

static void fmt_duration(uint64_t ns, char *buf, size_t len)
{
	if (ns && ns % SEC == 0)
		snprintf(buf, len, "%" PRIu64 "s", ns / SEC);
	else if (ns && ns % MS == 0)
		snprintf(buf, len, "%" PRIu64 "ms", ns / MS);
	else if (ns && ns % US == 0)
		snprintf(buf, len, "%" PRIu64 "us", ns / US);
	else
		snprintf(buf, len, "%" PRIu64 "ns", ns);
}

const char *pcsim_setting_get(const struct pcsim_config *cfg, const struct pcsim_setting *s,
			      char *buf, size_t len)
{
	if (!buf || !len)
		return buf;
	buf[0] = 0;
	if (!cfg || !s)
		return buf;
	int64_t v = load(cfg, s, s->offset);
	switch (s->kind) {
	case PCSIM_SETTING_BOOL:
		snprintf(buf, len, "%d", v ? 1 : 0);
		return buf;
	case PCSIM_SETTING_ENUM:
	case PCSIM_SETTING_UINT:
		for (unsigned i = 0; i < s->nnames; i++)
			if (s->names[i].value == v) {
				snprintf(buf, len, "%s", s->names[i].name);
				return buf;
			}
		if (s->is_signed)
			snprintf(buf, len, "%" PRId64, v);
		else
			snprintf(buf, len, "%" PRIu64, (uint64_t)v);
		return buf;
	case PCSIM_SETTING_FLAGS: {
		uint64_t rest = (uint64_t)v;
		size_t off = 0;
		for (unsigned i = 0; i < s->nnames; i++)
			if ((uint64_t)s->names[i].value == rest) {
				snprintf(buf, len, "%s", s->names[i].name);
				return buf;
			}
		for (unsigned i = 0; i < s->nnames && rest; i++) {
			uint64_t f = (uint64_t)s->names[i].value;
			if (f && (f & (f - 1)) == 0 && (rest & f)) {
				off += (size_t)snprintf(buf + off, off < len ? len - off : 0, "%s%s",
							off ? "," : "", s->names[i].name);
				rest &= ~f;
			}
		}
		if (rest || off >= len) /* bits without a name: the number reads back */
			snprintf(buf, len, "%" PRIu64, (uint64_t)v);
		return buf;
	}
	case PCSIM_SETTING_BUGS: {
		uint64_t m = (uint64_t)v;
		size_t off = 0;
		if (!m) {
			snprintf(buf, len, "none");
			return buf;
		}
		for (unsigned n = 0; n < 64; n++)
			if (m & (1ull << n))
				off += (size_t)snprintf(buf + off, off < len ? len - off : 0,
							"%sb%02u", off ? "," : "", n);
		if (off >= len)
			snprintf(buf, len, "%#" PRIx64, m);
		return buf;
	}
	case PCSIM_SETTING_DURATION:
		for (unsigned i = 0; i < s->nnames; i++)
			if (s->names[i].value == v) {
				snprintf(buf, len, "%s", s->names[i].name);
				return buf;
			}
		fmt_duration((uint64_t)v * s->unit_ns, buf, len);
		return buf;
	case PCSIM_SETTING_RANGE: {
		int64_t b = load(cfg, s, s->offset2);
		char x[32], y[32];
		if (b == 0 && s->nnames) {
			snprintf(buf, len, "%s", s->names[0].name);
			return buf;
		}
		fmt_duration((uint64_t)v * s->unit_ns, x, sizeof(x));
		fmt_duration((uint64_t)b * s->unit_ns, y, sizeof(y));
		snprintf(buf, len, "%s..%s", x, y);
		return buf;
	}
	}
	return buf;
}

int pcsim_setting_is_default(const struct pcsim_config *cfg, const struct pcsim_setting *s)
{
	struct pcsim_config d;
	if (!cfg || !s)
		return 0;
	pcsim_config_init(&d);
	if (load(cfg, s, s->offset) != load(&d, s, s->offset))
		return 0;
	return s->kind != PCSIM_SETTING_RANGE || load(cfg, s, s->offset2) == load(&d, s, s->offset2);
}

/* ---- the configuration as a whole */

#define ZEROED_HINT " (was the config zeroed instead of pcsim_config_init()ed?)"

void pcsim_config_init(struct pcsim_config *cfg)
{
	char err[160];
	memset(cfg, 0, sizeof(*cfg));
	for (size_t i = 0; i < NSETTINGS; i++) {
		int rc = pcsim_setting_set(cfg, &table[i], table[i].def, strlen(table[i].def), err,
					   sizeof(err));
		(void)rc; /* the defaults are tested (test_settings.c) */
	}
}

int pcsim_config_validate(const struct pcsim_config *cfg, char *err, size_t errlen)
{
	char scratch[8];
	if (!err || !errlen) {
		err = scratch;
		errlen = sizeof(scratch);
	}
	if (!cfg) {
		snprintf(err, errlen, "config: NULL");
		return -EINVAL;
	}
	for (size_t i = 0; i < NSETTINGS; i++) {
		const struct pcsim_setting *s = &table[i];
		int64_t v = load(cfg, s, s->offset);
		bool ok = true;
		switch (s->kind) {
		case PCSIM_SETTING_BOOL:
		case PCSIM_SETTING_BUGS:
			break;
		case PCSIM_SETTING_ENUM:
			ok = name_find_value(s, v);
			break;
		case PCSIM_SETTING_UINT:
		case PCSIM_SETTING_DURATION:
			ok = name_find_value(s, v) ||
			     (s->is_signed ? v >= s->min && v <= s->max
					   : (uint64_t)v >= (uint64_t)s->min &&
						     (uint64_t)v <= (uint64_t)s->max);
			break;
		case PCSIM_SETTING_FLAGS:
			ok = ((uint64_t)v & ~flags_mask(s)) == 0;
			break;
		case PCSIM_SETTING_RANGE: {
			uint64_t b = (uint64_t)load(cfg, s, s->offset2);
			ok = b <= (uint64_t)s->max && (uint64_t)v <= b;
			break;
		}
		}
		/* the store buffer is clamped by the world (0 or above 64 means 64) */
		if (s->offset == offsetof(struct pcsim_config, store_buffer_size) &&
		    s->layer_index < 0)
			ok = true;
		/* only the threads backend has a timeout */
		if (s->offset == offsetof(struct pcsim_config, threads_timeout_ms) &&
		    s->layer_index < 0 && cfg->backend != PCSIM_BACKEND_THREADS)
			ok = true;
		if (!ok) {
			bool zero = v == 0 && (s->kind == PCSIM_SETTING_UINT);
			char setting[48] = "";
			if (strcmp(s->key, s->field) != 0)
				snprintf(setting, sizeof(setting), " (setting %s)", s->key);
			if (s->is_signed || s->kind != PCSIM_SETTING_UINT)
				snprintf(err, errlen, "config: %s%s must be %s, got %" PRId64 "%s",
					 s->field, setting, s->values, v, zero ? ZEROED_HINT : "");
			else
				snprintf(err, errlen, "config: %s%s must be %s, got %" PRIu64 "%s",
					 s->field, setting, s->values, (uint64_t)v,
					 zero ? ZEROED_HINT : "");
			return -EINVAL;
		}
	}
	return 0;
}
