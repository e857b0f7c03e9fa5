/* SPDX-License-Identifier: MIT */
/*
 * pcsim/sched.h - the engine's public API, all of it: <pcsim/config.h> (configuration, programs,
 * worlds), <pcsim/task.h> (tasks, sleeping and waking, preemption, signals, task_work),
 * <pcsim/sync.h> (spinlocks, RCU), <pcsim/event.h> (events, data choices, time) and
 * <pcsim/check.h> (violations, invariants, forbidden ranges, cleanup hooks). Include the one
 * you need, or this header for all of them.
 */
#ifndef PCSIM_SCHED_H
#define PCSIM_SCHED_H

#include <pcsim/check.h>
#include <pcsim/config.h>
#include <pcsim/event.h>
#include <pcsim/sync.h>
#include <pcsim/task.h>

#endif /* PCSIM_SCHED_H */
