/* SPDX-License-Identifier: MIT */
/*
 * pcsim/outcome.h - final states as a result of an exploration: which outcomes are reachable,
 * and how many executions ended in each.
 *
 * A program's finish() callback describes the state its execution ended in by recording named
 * values ("0:r0" = 1, "x" = 2) with pcsim_outcome_record(). pcsim_explore() groups the
 * executions by the text of their final state and returns the histogram in struct
 * pcsim_report (states, nstates): each distinct state once, with the number of executions that
 * ended in it, sorted by text. This is the herd7 "States" list of a litmus test, computed over
 * the executions the strategy ran (DFS with PCSIM_PREEMPTION_UNBOUNDED: all of them), and it
 * needs no globals in the program: the state lives in the exploration, not in the test.
 */
#ifndef PCSIM_OUTCOME_H
#define PCSIM_OUTCOME_H

#include <stddef.h>
#include <stdint.h>

#include <pcsim/export.h>

#ifdef __cplusplus
extern "C" {
#endif

struct pcsim_world;

/* Largest final state of one execution, in bytes of its text ("a=1; b=2;"). */
#define PCSIM_OUTCOME_STATE_MAX 4096u

/** struct pcsim_outcome_state - one distinct final state and how often it was reached. */
struct pcsim_outcome_state {
	char *state;	/* "name=value;" items separated by one space, in record order */
	uint64_t count; /* executions that ended in it */
};

/**
 * pcsim_outcome_record - add "@name=@value;" to the final state of the current execution.
 * @w: the world passed to finish().
 * @name: a non-empty name without '=', ';' or white space ("0:r0", "x").
 * @value: the value.
 *
 * Context: setup only, inside the program's finish() callback (the tasks have all exited), of
 * an execution run by pcsim_explore(). Record the same names in the same order in every
 * execution: states are compared as text. Nothing is recorded by executions that fail
 * (finish() is not called after a violation, deadlock or livelock); those are counted in
 * struct pcsim_report.unrecorded.
 * Return: 0; -EPERM outside finish() or outside pcsim_explore(); -EINVAL for a bad name;
 * -ENOSPC when the state would exceed PCSIM_OUTCOME_STATE_MAX bytes (the item is dropped).
 */
PCSIM_API int pcsim_outcome_record(struct pcsim_world *w, const char *name, long long value);

/**
 * pcsim_outcome_record_text - as pcsim_outcome_record() with a textual value (a symbolic one:
 * the name of the location a pointer register holds, "0:r0=x;"). @value: non-empty, without
 * ';' or white space. Return: as pcsim_outcome_record().
 */
PCSIM_API int pcsim_outcome_record_text(struct pcsim_world *w, const char *name, const char *value);

/**
 * pcsim_outcome_count - executions of the report's histogram that ended in @state (the exact
 * text, e.g. "0:r0=0; 1:r0=0;"), 0 if none. @states, @n: the report's states and nstates.
 * Context: any.
 */
PCSIM_API uint64_t pcsim_outcome_count(const struct pcsim_outcome_state *states, size_t n,
				       const char *state);

#ifdef __cplusplus
}
#endif
#endif /* PCSIM_OUTCOME_H */
