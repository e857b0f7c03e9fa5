/* SPDX-License-Identifier: MIT */
/*
 * trace_int.h - the trace layer's interface to the layers beside it (exploration): what is
 * made of the event stream the engine recorded for the current execution of a world.
 */
#ifndef PCSIM_TRACE_INT_H
#define PCSIM_TRACE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pcsim_world;

/* The stable 64-bit hash of the recorded stream (equal across runs, builds and machines). */
uint64_t pcsim__trace_hash(const struct pcsim_world *w);
/* The text narrative, one line per event; malloc'd, the caller frees it. NULL on no memory. */
char *pcsim__trace_render(const struct pcsim_world *w);
char *pcsim__trace_render_range(const struct pcsim_world *w, size_t from, size_t to, bool header);

#endif /* PCSIM_TRACE_INT_H */
