/* SPDX-License-Identifier: MIT */
/*
 * pcsim/litmus.h - litmus tests in the C flavour of herd7 and the Linux kernel memory model
 * (tools/memory-model/litmus-tests, Documentation/litmus-tests), run by pcsim's engine.
 *
 * A test is parsed once (pcsim_litmus_parse()) and then run under any configuration: each
 * process P<n> becomes one pcsim task pinned to CPU n (the world gets exactly as many CPUs as
 * the test has processes), and its statements are interpreted through the kernel-named
 * primitives of <pcsim/kernel/> (READ_ONCE, smp_store_release, spin_lock, synchronize_rcu, ...),
 * so each access is a preemption point and goes through the memory mode (sc, tso, weak). The final
 * state of every execution (the registers and locations the condition names, plus a
 * `locations [...]` line) is recorded with <pcsim/outcome.h>; the result is herd7's: the
 * states, whether the condition was observed Never/Sometimes/Always, and how that compares
 * with the verdict the test's comment states ("Result: Never"). docs/litmus.md.
 */
#ifndef PCSIM_LITMUS_H
#define PCSIM_LITMUS_H

#include <stddef.h>
#include <stdint.h>

#include <pcsim/explore.h>
#include <pcsim/export.h>

#ifdef __cplusplus
extern "C" {
#endif

struct pcsim_litmus;

enum pcsim_litmus_verdict {
	PCSIM_LITMUS_UNKNOWN = 0, /* no "Result:" in the test's comments */
	PCSIM_LITMUS_NEVER,	  /* no execution satisfies the condition */
	PCSIM_LITMUS_SOMETIMES,	  /* some do, some do not */
	PCSIM_LITMUS_ALWAYS,	  /* every execution does */
};

/* How an observed verdict compares with the test's expected (LKMM) one. */
enum pcsim_litmus_agreement {
	PCSIM_LITMUS_NO_EXPECTATION = 0, /* the test states no result */
	PCSIM_LITMUS_CONSISTENT,	 /* the same verdict */
	PCSIM_LITMUS_STRONGER,		 /* pcsim never showed an outcome LKMM allows: expected of
					  * sc and tso, which are stronger than LKMM */
	PCSIM_LITMUS_WEAKER,		 /* pcsim showed an outcome LKMM forbids: a defect */
	PCSIM_LITMUS_INCOMPLETE, /* nothing weaker seen, but the search was not exhaustive */
};

/**
 * struct pcsim_litmus_result - what pcsim_litmus_run() found. Free with
 * pcsim_litmus_result_free().
 * @report: the exploration's report; report.states/nstates is the histogram of final states.
 * @holds: for each report.states[i], 1 if the condition holds in it (malloc'd, or NULL).
 * @positive, @negative: executions whose final state satisfies / does not satisfy it.
 * @filtered: executions a `filter` clause left out (counted in report.unrecorded too).
 * @observed: Never/Sometimes/Always over the executions that recorded a state.
 * @ok: herd7's "Ok": exists C was observed, ~exists C never was, forall C always held.
 * @agreement: @observed against the test's stated verdict.
 * @cached: the search ran with the visited-state cache (pcsim_litmus_run_cached()); then the
 *	counts of report.states, @positive and @negative are executions run, not schedules: a
 *	state's count includes executions cut short at a state already seen and leaves out the
 *	schedules below it. The set of states is the same as without the cache.
 * @pruned: executions cut short at a state already seen (@cached only).
 * @cache_states: distinct states the cache remembered (@cached only).
 */
struct pcsim_litmus_result {
	struct pcsim_report report;
	unsigned char *holds;
	uint64_t positive, negative;
	uint64_t filtered;
	enum pcsim_litmus_verdict observed;
	int ok;
	enum pcsim_litmus_agreement agreement;
	int cached;
	uint64_t pruned;
	uint64_t cache_states;
};

/**
 * pcsim_litmus_parse - parse one litmus test.
 * @text: the file's contents (NUL-terminated).
 * @file: the name errors are reported under.
 * @out: the parsed test, to free with pcsim_litmus_free().
 * @err, @errlen: receives "FILE:LINE:COL: message" on error.
 * Context: any thread. Return: 0, -EINVAL (syntax, or a construct docs/litmus.md lists as
 * unsupported), or -ENOMEM.
 */
PCSIM_API int pcsim_litmus_parse(const char *text, const char *file, struct pcsim_litmus **out,
				 char *err, size_t errlen);

/** pcsim_litmus_free - free a parsed test (NULL is fine). */
PCSIM_API void pcsim_litmus_free(struct pcsim_litmus *t);

/** pcsim_litmus_name - the test's name (its `C name` line). */
PCSIM_API const char *pcsim_litmus_name(const struct pcsim_litmus *t);

/** pcsim_litmus_nprocs - the number of processes (and so of CPUs and tasks). */
PCSIM_API unsigned pcsim_litmus_nprocs(const struct pcsim_litmus *t);

/** pcsim_litmus_expected - the verdict the test's comment states ("Result: Never"). */
PCSIM_API enum pcsim_litmus_verdict pcsim_litmus_expected(const struct pcsim_litmus *t);

/** pcsim_litmus_verdict_name - "Never", "Sometimes", "Always", "Unknown". */
PCSIM_API const char *pcsim_litmus_verdict_name(enum pcsim_litmus_verdict v);

/** pcsim_litmus_agreement_name - "consistent", "stronger", "WEAKER", "incomplete", "-". */
PCSIM_API const char *pcsim_litmus_agreement_name(enum pcsim_litmus_agreement a);

/**
 * pcsim_litmus_run - explore @t under @cfg and @o.
 * @cfg: the configuration (NULL: defaults); its ncpus is replaced by the number of processes.
 * @o: the exploration options (NULL: DFS, PCSIM_PREEMPTION_UNBOUNDED, no execution limit).
 *     stop_on_violation and confirm are turned off: an execution that fails (a deadlock of a
 *     test that forgets an unlock) records no state and the search goes on.
 * Context: an ordinary thread, not inside a world.
 * Return: 0 (see @res), or what pcsim_explore() returns for bad options (res->report.message
 * says why), -ENOMEM.
 */
PCSIM_API int pcsim_litmus_run(const struct pcsim_litmus *t, const struct pcsim_config *cfg,
			       const struct pcsim_explore_opts *o, struct pcsim_litmus_result *res);

/**
 * pcsim_litmus_run_cached - pcsim_litmus_run() with the visited-state cache where it is sound:
 * an exhaustive DFS without a preemption bound (@o NULL, or o->strategy DFS with
 * PCSIM_PREEMPTION_UNBOUNDED and no slices) on the sim backend. At each scheduling decision it
 * hashes the state that decides the future (each process's place in its program and what its
 * steps returned, the shared variables, the store buffers, the weak mode's store histories and
 * views, normalised: no address, relative timestamps) and does not branch again below a state
 * it has seen. The set of final states, the verdict and the agreement are those of the
 * uncached run; the counts are not (see struct pcsim_litmus_result). Other searches run as
 * pcsim_litmus_run() does (res->cached 0). docs/litmus.md "The state cache".
 * Context: an ordinary thread, not inside a world.
 * Return: as pcsim_litmus_run(); a search the cache could not finish (out of memory, a program
 * that is not deterministic) is reported as not exhaustive, with report.message saying why.
 */
PCSIM_API int pcsim_litmus_run_cached(const struct pcsim_litmus *t, const struct pcsim_config *cfg,
				      const struct pcsim_explore_opts *o,
				      struct pcsim_litmus_result *res);

/**
 * pcsim_litmus_format - the result as herd7 prints it ("Test", "States", "Ok"/"No",
 * "Witnesses", "Condition", "Observation") plus pcsim's lines: the mode, the executions, the
 * expected verdict and the agreement. @mode: the name printed for the memory mode.
 * Return: malloc'd text, or NULL without memory.
 */
PCSIM_API char *pcsim_litmus_format(const struct pcsim_litmus *t,
				    const struct pcsim_litmus_result *res, const char *mode);

/** pcsim_litmus_result_free - free @res's memory and zero it. */
PCSIM_API void pcsim_litmus_result_free(struct pcsim_litmus_result *res);

#ifdef __cplusplus
}
#endif
#endif /* PCSIM_LITMUS_H */
