/* SPDX-License-Identifier: MIT */
/*
 * pcsim/settings.h - the settings table: every engine and model setting described once.
 *
 * A setting is a field of struct pcsim_config (the engine's own, or a model layer's: struct
 * pcsim_waitq_config, pcsim_pagecache_config, pcsim_uring_config). Its row in this table gives
 * its key, its command-line option, its accepted values, its default and a one-line help, and
 * the same row is used by every place that reads or writes a setting:
 *
 *   - the C configuration parser: pcsim_config_parse("key=value ...") (<pcsim/explore.h>);
 *   - the schedule file's `config` line (pcsim_config_format(): the rows marked RECORDED);
 *   - the command line: `pcsim explore PROG --key-with-dashes VALUE` (`pcsim settings` lists);
 *   - the scenario language: `config key=value ...` in a .pcs file.
 *
 * pcsim_config_init() takes every default from here and pcsim_config_validate() every range,
 * so a setting cannot mean one thing in one place and another elsewhere. docs/settings.md has
 * the table in prose (generated from `pcsim settings --markdown`).
 */
#ifndef PCSIM_SETTINGS_H
#define PCSIM_SETTINGS_H

#include <stddef.h>
#include <stdint.h>

#include <pcsim/config.h>
#include <pcsim/export.h>

#ifdef __cplusplus
extern "C" {
#endif

/* How a setting's value is written. */
enum pcsim_setting_kind {
	PCSIM_SETTING_BOOL,	/* 0 or 1 (also true/false, on/off, yes/no) */
	PCSIM_SETTING_UINT,	/* unsigned decimal in [min, max], or one of the names */
	PCSIM_SETTING_ENUM,	/* one of the names */
	PCSIM_SETTING_FLAGS,	/* names joined by ',' (a name may stand for several bits), or a
				 * number */
	PCSIM_SETTING_BUGS,	/* bug-zoo entries `b03,b16`, `none`, or the mask as 0x... */
	PCSIM_SETTING_DURATION,	/* a number with a unit (ns, us, ms, s); without one the
				 * setting's own unit */
	PCSIM_SETTING_RANGE,	/* MIN..MEAN, two durations */
};

/* struct pcsim_setting.flags */
#define PCSIM_SETTING_RECORDED 0x1u	/* written in schedule headers: a replay runs with it */
#define PCSIM_SETTING_TERSE 0x2u	/* recorded only when it is not at its default, so schedule
					 * files written before the setting existed stay the same */

/* A value name of an enum, flags or uint setting. */
struct pcsim_setting_name {
	const char *name;
	int64_t value;
};

/**
 * struct pcsim_setting - one row of the table. Every field is read-only.
 * @key: the name in config lines, schedule headers and scenarios ("wait_table_bits").
 * @option: the command-line option ("--wait-table-bits").
 * @layer: "engine", "waitq", "pagecache" or "uring".
 * @values: the accepted values in words, for help ("0..16", "sc|tso").
 * @def: the default, as a value of this setting (what pcsim_config_init() applies).
 * @help: one line.
 * The rest says where the value lives and what is in range; use the functions below.
 */
struct pcsim_setting {
	const char *key;
	const char *option;
	const char *layer;
	enum pcsim_setting_kind kind;
	unsigned flags;
	const char *values;
	const char *def;
	const char *help;
	/* private: storage and range */
	const char *field;	/* the C field ("ncpus", "walk_break_cnt") */
	int layer_index;	/* -1: a field of struct pcsim_config itself; else enum pcsim_layer */
	size_t offset;		/* in struct pcsim_config, or in the layer's struct */
	size_t size;		/* 1, 4 or 8 bytes */
	size_t offset2;		/* RANGE: where MEAN goes */
	int is_signed;
	int64_t min, max;
	const struct pcsim_setting_name *names;
	unsigned nnames;
	uint64_t unit_ns;	/* DURATION/RANGE: the unit stored (1 = ns, 1000000 = ms) */
	uint64_t bare_ns;	/* DURATION/RANGE: the unit of a number written without one */
};

/** pcsim_settings - the table: *@n rows. Context: any. */
PCSIM_API const struct pcsim_setting *pcsim_settings(size_t *n);

/**
 * pcsim_setting_find - the row whose key is the @len bytes at @key, or whose option is @key
 * ("--cpus"). Return: the row, or NULL. Context: any.
 */
PCSIM_API const struct pcsim_setting *pcsim_setting_find(const char *key, size_t len);

/**
 * pcsim_setting_set - parse @value (@vlen bytes) as setting @s and store it in @cfg.
 * Return: 0, or -EINVAL with the reason ("bad value 'x' for cpus: 1..64") in @err; @cfg is
 * not changed then. Context: any.
 */
PCSIM_API int pcsim_setting_set(struct pcsim_config *cfg, const struct pcsim_setting *s,
				const char *value, size_t vlen, char *err, size_t errlen);

/**
 * pcsim_setting_get - @s's value in @cfg as text that pcsim_setting_set() reads back to the
 * same value (names where the setting has them). Return: @buf. Context: any.
 */
PCSIM_API const char *pcsim_setting_get(const struct pcsim_config *cfg,
					const struct pcsim_setting *s, char *buf, size_t len);

/**
 * pcsim_setting_is_default - whether @cfg holds @s's default. Context: any.
 */
PCSIM_API int pcsim_setting_is_default(const struct pcsim_config *cfg,
				       const struct pcsim_setting *s);

#ifdef __cplusplus
}
#endif
#endif /* PCSIM_SETTINGS_H */
