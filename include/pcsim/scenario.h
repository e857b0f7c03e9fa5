/* SPDX-License-Identifier: MIT */
/*
 * pcsim/scenario.h - `.pcs` scenario files: load one (from a file or a string) into a
 * struct pcsim_program that runs it, the settings and exploration budget it asks for, and its
 * expectations; judge a report against them. The language is documented in docs/scenarios.md.
 *
 * The interpreter (src/scenario/) calls the same public functions the C built-in programs call
 * (<pcsim/pagecache.h>, <pcsim/uring.h>, <pcsim/task.h>): a scenario is a program written in
 * data, with no private path into the model.
 *
 * Contexts: every function here is called from an ordinary thread, outside any world (like
 * pcsim_explore()). A loaded scenario is immutable and may be explored from several threads at
 * once (each execution keeps its state in its own world's arena).
 */
#ifndef PCSIM_SCENARIO_H
#define PCSIM_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pcsim/config.h>
#include <pcsim/explore.h>
#include <pcsim/export.h>

#ifdef __cplusplus
extern "C" {
#endif

struct pcsim_scenario;

/* Input bounds (larger is an error at the position where the limit is crossed). */
#define PCSIM_SCENARIO_TEXT_MAX (1u << 20)	/* bytes of one scenario file */

/**
 * pcsim_scenario_load_string - parse and type-check the scenario @text (@len bytes; it may
 * hold anything: a NUL byte is an error) named @name (a path: messages start with it, the
 * program is named after its last component).
 * On success *@out is the scenario (free with pcsim_scenario_free()).
 * Return: 0; -EINVAL with "NAME:LINE:COL: message" in @err for a parse or type error (the
 * first one); -ENOMEM ("NAME: out of memory"). Never aborts on any input.
 */
PCSIM_API int pcsim_scenario_load_string(const char *name, const char *text, size_t len,
					 struct pcsim_scenario **out, char *err, size_t errlen);

/**
 * pcsim_scenario_load_file - read @path (a regular file of at most PCSIM_SCENARIO_TEXT_MAX
 * bytes) and load it as above. Return: as pcsim_scenario_load_string(); a file that cannot
 * be read is -EINVAL (or -ENOMEM) with "PATH: why" in @err.
 */
PCSIM_API int pcsim_scenario_load_file(const char *path, struct pcsim_scenario **out, char *err,
				       size_t errlen);

/** pcsim_scenario_free - free @s (NULL is fine). No execution of it may be running. */
PCSIM_API void pcsim_scenario_free(struct pcsim_scenario *s);

/**
 * pcsim_scenario_program - the program that runs @s. Its name is "BASENAME HASH" (e.g.
 * "b03-no-page-match.pcs 5f0c2a1be3d49a70"): a schedule file's program line carries it, so a
 * schedule recorded for an older text of the scenario is refused at replay. Valid while @s is.
 */
PCSIM_API const struct pcsim_program *pcsim_scenario_program(const struct pcsim_scenario *s);

/** pcsim_scenario_name - the file's last path component ("b03-no-page-match.pcs"). */
PCSIM_API const char *pcsim_scenario_name(const struct pcsim_scenario *s);

/**
 * pcsim_scenario_hash - FNV-1a hash of the scenario's statements (its words and line
 * structure; comments and spacing do not count), the second word of the program name.
 */
PCSIM_API uint64_t pcsim_scenario_hash(const struct pcsim_scenario *s);

/**
 * pcsim_scenario_apply_config - apply the scenario's `config` statements to @cfg with
 * pcsim_config_parse(), in file order. They were checked at load, so this fails only if the
 * parser changed meanwhile. Return: 0 or -EINVAL with the message in @err.
 */
PCSIM_API int pcsim_scenario_apply_config(const struct pcsim_scenario *s, struct pcsim_config *cfg,
					  char *err, size_t errlen);

/**
 * pcsim_scenario_apply_explore - apply the scenario's `explore` statement (strategy, seed,
 * budget, PCT depth, DFS bound) to @o; fields it does not name are left alone.
 */
PCSIM_API void pcsim_scenario_apply_explore(const struct pcsim_scenario *s,
					    struct pcsim_explore_opts *o);

/**
 * pcsim_scenario_expectation - the scenario's verdict expectation as text: "clean" or
 * "find WHAT" ("find any" for any failure) when one verdict holds for every kernel profile,
 * else each verdict with the profiles it holds for ("find P2 on kernel 5.9,5.10; clean on
 * kernel 5.8,6.18"; "none on kernel ..." for profiles no verdict covers). Valid while @s is.
 */
PCSIM_API const char *pcsim_scenario_expectation(const struct pcsim_scenario *s);

/**
 * pcsim_scenario_judge - did exploring @s give what it expects? `expect clean`: the outcome is
 * OK. `expect find WHAT`: the outcome is a violation, deadlock or livelock whose r->what (or
 * outcome name) is WHAT; `find any`: any of those. An INTERNAL or DIVERGED outcome never meets
 * an expectation. The predicates (`expect cqe`, `expect page`, `expect quiescent`) are checked
 * inside every execution, at its end: a failed one is the violation "expect" of that
 * execution, so `expect clean` covers them.
 * Return: true if met; @why (if given) gets one line saying what was expected and found.
 */
PCSIM_API bool pcsim_scenario_judge(const struct pcsim_scenario *s, const struct pcsim_report *r,
				    char *why, size_t whylen);

/**
 * pcsim_scenario_expectation_on - the verdict @s expects under kernel profile @kernel (enum
 * pcsim_kernel): "clean", "find WHAT", or NULL when no verdict of @s holds for that profile
 * (every verdict names its profiles with `on kernel ...` and none names @kernel). Context: any;
 * valid while @s is.
 */
PCSIM_API const char *pcsim_scenario_expectation_on(const struct pcsim_scenario *s, int kernel);

/**
 * pcsim_scenario_judge_on - pcsim_scenario_judge() against the verdict of kernel profile @kernel
 * (the profile @r was explored under: struct pcsim_config.kernel). pcsim_scenario_judge() is
 * this with PCSIM_KERNEL_5_10.
 * Return: 1 met, 0 missed, -1 not judged (no verdict of @s holds for @kernel, or @kernel is not
 * a profile); @why (if given) gets one line saying what was expected and found.
 */
PCSIM_API int pcsim_scenario_judge_on(const struct pcsim_scenario *s, int kernel,
				      const struct pcsim_report *r, char *why, size_t whylen);

#ifdef __cplusplus
}
#endif
#endif /* PCSIM_SCENARIO_H */
