// SPDX-License-Identifier: MIT
/*
 * test_settings.c - the settings table (<pcsim/settings.h>) is the one description of every
 * setting: its defaults are what pcsim_config_init() gives, every value it accepts survives a
 * round trip through the config parser, the schedule file's header (pcsim_config_format() then
 * pcsim_schedule_info()) and pcsim_config_validate(), and each setting reaches the layer that
 * owns it. The command line's side is tests/cli/settings.sh.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcsim_test.h"
#include <pcsim/pcsim.h>

/* Values of each setting worth a round trip: its names, its range ends, a duration. */
static unsigned samples(const struct pcsim_setting *s, char out[][64], unsigned max)
{
	unsigned n = 0;
	for (unsigned i = 0; i < s->nnames && n < max; i++)
		snprintf(out[n++], 64, "%s", s->names[i].name);
	switch (s->kind) {
	case PCSIM_SETTING_BOOL:
		snprintf(out[n++], 64, "0");
		snprintf(out[n++], 64, "1");
		break;
	case PCSIM_SETTING_UINT:
		snprintf(out[n++], 64, "%lld", (long long)s->min);
		snprintf(out[n++], 64, "%lld", (long long)s->max);
		if (s->max > s->min + 1)
			snprintf(out[n++], 64, "%lld", (long long)s->min + 1);
		break;
	case PCSIM_SETTING_FLAGS:
		snprintf(out[n++], 64, "invariants,p6");
		snprintf(out[n++], 64, "9");
		break;
	case PCSIM_SETTING_BUGS:
		snprintf(out[n++], 64, "b03");
		snprintf(out[n++], 64, "b03,b16,b63");
		snprintf(out[n++], 64, "0x8");
		snprintf(out[n++], 64, "none");
		break;
	case PCSIM_SETTING_DURATION:
		snprintf(out[n++], 64, "3");
		snprintf(out[n++], 64, "1500ms");
		break;
	case PCSIM_SETTING_RANGE:
		snprintf(out[n++], 64, "12us..25us");
		snprintf(out[n++], 64, "100ns..1ms");
		snprintf(out[n++], 64, "7");
		break;
	default:
		break;
	}
	return n;
}

static bool same_config(const struct pcsim_config *a, const struct pcsim_config *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

static const char *schedule_with(const struct pcsim_config *cfg, char *buf, size_t len)
{
	char line[2048];
	pcsim_config_format(cfg, line, sizeof(line));
	snprintf(buf, len,
		 "pcsim-schedule 1\nprogram p\nconfig %s\nstrategy pct seed=1 depth=3 bound=2 "
		 "execution=1\noutcome deadlock - step=1\nchoices 0\nend\n",
		 line);
	return buf;
}

/* Every default is a value of its setting, and pcsim_config_init() applied it. */
static void test_defaults(void **state)
{
	(void)state;
	size_t n;
	const struct pcsim_setting *t = pcsim_settings(&n);
	struct pcsim_config d, c;
	char err[512];
	pcsim_config_init(&d);
	assert_true(n >= 20);
	for (size_t i = 0; i < n; i++) {
		c = d;
		assert_int_equal(pcsim_setting_set(&c, &t[i], t[i].def, strlen(t[i].def), err,
						   sizeof(err)), 0);
		if (!same_config(&c, &d))
			fail_msg("%s: default '%s' is not what pcsim_config_init() set", t[i].key,
				 t[i].def);
		assert_true(pcsim_setting_is_default(&d, &t[i]));
		assert_ptr_equal(pcsim_setting_find(t[i].key, strlen(t[i].key)), &t[i]);
		assert_ptr_equal(pcsim_setting_find(t[i].option, strlen(t[i].option)), &t[i]);
		assert_int_equal(strncmp(t[i].option, "--", 2), 0);
	}
	assert_int_equal(pcsim_config_validate(&d, err, sizeof(err)), 0);
	/* the kernel's defaults, as the layers' headers promise */
	assert_int_equal(d.ncpus, 2);
	assert_int_equal(d.checks, PCSIM_CHECK_DEFAULT);
	assert_int_equal(pcsim_pagecache_config_get(&d)->wait_table_bits, 8);
	assert_int_equal(pcsim_pagecache_config_get(&d)->page_lock_unfairness, 5);
	assert_int_equal(pcsim_pagecache_config_get(&d)->lock_profile, PCSIM_LOCK_PROFILE_5_9);
	assert_int_equal(pcsim_pagecache_config_get(&d)->readahead, -1);
	assert_int_equal(pcsim_waitq_config_get(&d)->walk_break_cnt, 64);
	assert_int_equal(pcsim_uring_config_get(&d)->mode, -1);
	assert_int_equal(d.watchdog_ms, 10000);
	assert_int_equal(d.threads_timeout_ms, 20000);
}

/* Every sample value: parse -> get -> parse gives the same config; recorded settings survive the
 * schedule header; the config validates; a non-recorded setting is not in the header. */
static void test_round_trip(void **state)
{
	(void)state;
	size_t n;
	const struct pcsim_setting *t = pcsim_settings(&n);
	char err[512], word[1200], back[128], sched[4096], prog[64];
	for (size_t i = 0; i < n; i++) {
		char vals[16][64];
		unsigned nv = samples(&t[i], vals, 12);
		assert_true(nv >= 2);
		for (unsigned v = 0; v < nv; v++) {
			struct pcsim_config a, b, c;
			pcsim_config_init(&a);
			snprintf(word, sizeof(word), "%s=%s", t[i].key, vals[v]);
			if (pcsim_config_parse(word, &a, err, sizeof(err)) != 0)
				fail_msg("%s: %s", word, err);
			assert_int_equal(pcsim_config_validate(&a, err, sizeof(err)), 0);
			/* the canonical text reads back to the same value */
			pcsim_setting_get(&a, &t[i], back, sizeof(back));
			pcsim_config_init(&b);
			assert_int_equal(pcsim_setting_set(&b, &t[i], back, strlen(back), err,
							   sizeof(err)), 0);
			if (!same_config(&a, &b))
				fail_msg("%s: '%s' formats as '%s' which reads back differently",
					 t[i].key, vals[v], back);
			/* the schedule header */
			pcsim_config_init(&c);
			assert_int_equal(pcsim_schedule_info(schedule_with(&a, sched, sizeof(sched)),
							     prog, sizeof(prog), &c, err,
							     sizeof(err)), 0);
			if (t[i].flags & PCSIM_SETTING_RECORDED) {
				if (!same_config(&a, &c))
					fail_msg("%s=%s did not survive the schedule header:\n%s",
						 t[i].key, vals[v], sched);
			} else {
				struct pcsim_config d;
				pcsim_config_init(&d);
				assert_true(same_config(&c, &d));
				char key[64];
				snprintf(key, sizeof(key), " %s=", t[i].key);
				assert_null(strstr(sched, key));
			}
		}
	}
}

/* Values outside a setting's range are refused with the column, and leave the config alone. */
static void test_bad_values(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"cpus=0", "cpus=65", "mem=pso", "backend=", "checks=bogus", "checks=16",
		"checks=default,", "wait_table_bits=17", "walk_break=0", "unfairness=-1",
		"lock_profile=5.10", "bugs=b64", "bugs=b3x", "bugs=c03", "bugs=b03,",
		"readahead=1025", "device=ssd", "latency=5us..1us", "latency=0", "latency=11s",
		"ring_mode=fast", "iowq_workers=65", "watchdog=5m", "watchdog=-1",
		"threads_timeout=0", "stack_size=1", "timed=2", "max_steps=0", "inject=0x100000000",
		"store_buffer=65",
	};
	char err[512], line[128];
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct pcsim_config c, d;
		pcsim_config_init(&c);
		d = c;
		snprintf(line, sizeof(line), "cpus=3 %s", bad[i]);
		if (pcsim_config_parse(line, &c, err, sizeof(err)) != -EINVAL)
			fail_msg("'%s' was accepted", bad[i]);
		/* the column is the value's: "cpus=3 " is 7 bytes, then the key and '=' */
		char want[64];
		snprintf(want, sizeof(want), "col %d: bad value '",
			 8 + (int)(strchr(bad[i], '=') - bad[i]) + 1);
		if (strncmp(err, want, strlen(want)) != 0)
			fail_msg("'%s': %s (wanted '%s...')", bad[i], err, want);
		/* cpus=3 before it applied; the bad word did not */
		d.ncpus = 3;
		assert_true(same_config(&c, &d));
	}
	struct pcsim_config c;
	pcsim_config_init(&c);
	assert_int_equal(pcsim_config_parse("cpu=2", &c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "unknown configuration key 'cpu'"));
	assert_non_null(strstr(err, "wait_table_bits"));
	/* an option name is not a key */
	assert_int_equal(pcsim_config_parse("--cpus=2", &c, err, sizeof(err)), -EINVAL);
}

/* The names mean what the CLI always meant: --checks strict-p6 is the default checks plus P6. */
static void test_names(void **state)
{
	(void)state;
	struct pcsim_config c;
	char err[256], buf[256];
	pcsim_config_init(&c);
	assert_int_equal(pcsim_config_parse("checks=strict-p6", &c, err, sizeof(err)), 0);
	assert_int_equal(c.checks, PCSIM_CHECK_DEFAULT | PCSIM_CHECK_STRICT_P6);
	assert_int_equal(pcsim_config_parse("checks=15", &c, err, sizeof(err)), 0);
	pcsim_config_format(&c, buf, sizeof(buf));
	assert_non_null(strstr(buf, " checks=strict-p6 "));
	assert_int_equal(pcsim_config_parse("checks=lockdep,p6", &c, err, sizeof(err)), 0);
	assert_int_equal(c.checks, PCSIM_CHECK_LOCKDEP | PCSIM_CHECK_STRICT_P6);
	assert_int_equal(pcsim_config_parse("bugs=b03,b16 lock_profile=5.8", &c, err, sizeof(err)),
			 0);
	assert_int_equal(c.bugs, (1ull << 3) | (1ull << 16));
	assert_int_equal(pcsim_pagecache_config_get(&c)->lock_profile, PCSIM_LOCK_PROFILE_5_8);
	pcsim_config_format(&c, buf, sizeof(buf));
	assert_non_null(strstr(buf, " bugs=b03,b16"));
	assert_non_null(strstr(buf, " lock_profile=5.8 "));
	/* schedule files of version 1 (numbers) still read */
	assert_int_equal(pcsim_config_parse("checks=7 bugs=0x8 bugs=0 timed=0", &c, err,
					    sizeof(err)), 0);
	assert_int_equal(c.checks, PCSIM_CHECK_DEFAULT);
	assert_int_equal(c.bugs, 0);
	/* TERSE settings are absent at their default, so old headers look as before */
	pcsim_config_init(&c);
	pcsim_config_format(&c, buf, sizeof(buf));
	assert_string_equal(buf, "backend=sim cpus=2 mem=sc max_steps=1000000 store_buffer=8 "
				 "spurious=0 timed=0 step_ns=10 checks=default wait_table_bits=8 "
				 "walk_break=64 unfairness=5 inject=0 lock_profile=5.9 bugs=none");
	assert_int_equal(pcsim_config_parse("latency=12500ns..25us ring_mode=offload", &c, err,
					    sizeof(err)), 0);
	pcsim_config_format(&c, buf, sizeof(buf));
	assert_non_null(strstr(buf, " latency=12500ns..25us ring_mode=offload"));
	assert_int_equal(pcsim_pagecache_config_get(&c)->latency_min_ns, 12500);
	assert_int_equal(pcsim_pagecache_config_get(&c)->latency_mean_ns, 25000);
	assert_int_equal(pcsim_config_parse("watchdog=2 threads_timeout=500ms", &c, err,
					    sizeof(err)), 0);
	assert_int_equal(c.watchdog_ms, 2000);
	assert_int_equal(c.threads_timeout_ms, 500);
}

/* ---- each setting reaches its layer */

struct probe {
	unsigned bucket_pages;	/* pages of 64 that share page 0's wait bucket */
	unsigned ra_pages, slots;
	uint64_t svc_min, svc_mean;
};
static struct probe seen;

static void probe_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	static struct pcsim_bdev bdev;
	pcsim_bdev_init(&bdev, 2, false);
	struct pcsim_address_space *m = pcsim_mapping_create(w, 1, 64 * 4096, &bdev, 4);
	seen.ra_pages = m->ra_pages;
	seen.slots = bdev.slots;
	seen.svc_min = bdev.service_ns_min;
	seen.svc_mean = bdev.service_ns_mean;
	seen.bucket_pages = 0;
	struct pcsim_page *p0 = pcsim_mapping_populate(m, 0, true, false);
	for (unsigned i = 1; i < 64; i++) {
		struct pcsim_page *p = pcsim_mapping_populate(m, i, true, false);
		seen.bucket_pages += pcsim_page_waitqueue(p) == pcsim_page_waitqueue(p0);
	}
}

static void probe(const char *line)
{
	struct pcsim_config cfg;
	struct pcsim_program prog = { "probe", probe_setup, NULL, NULL };
	struct pcsim_explore_opts o;
	struct pcsim_report r;
	char err[256];
	pcsim_config_init(&cfg);
	assert_int_equal(pcsim_config_parse(line, &cfg, err, sizeof(err)), 0);
	pcsim_explore_opts_init(&o);
	o.max_executions = 1;
	assert_int_equal(pcsim_explore(&prog, &cfg, &o, &r), 0);
	pcsim_report_free(&r);
}

static void test_settings_reach_layers(void **state)
{
	(void)state;
	probe("");
	assert_int_equal(seen.ra_pages, 4);	/* the program's own */
	assert_int_equal(seen.slots, 2);
	assert_int_equal(seen.svc_mean, 0);
	assert_true(seen.bucket_pages < 8);	/* 256 buckets: few collisions */
	probe("wait_table_bits=0 readahead=off device=perf-anchor");
	assert_int_equal(seen.bucket_pages, 63);	/* one bucket */
	assert_int_equal(seen.ra_pages, 0);
	assert_int_equal(seen.svc_min, 12500);
	assert_int_equal(seen.svc_mean, 25000);
	probe("readahead=32 device_slots=8 latency=1us..3us");
	assert_int_equal(seen.ra_pages, 32);
	assert_int_equal(seen.slots, 8);
	assert_int_equal(seen.svc_min, 1000);
	assert_int_equal(seen.svc_mean, 3000);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_settings_reach_layers),
	};
	(void)argc;
	(void)argv;
	return cmocka_run_group_tests_name("settings", tests, NULL, NULL);
}
