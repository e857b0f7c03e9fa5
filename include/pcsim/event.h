/* SPDX-License-Identifier: MIT */
/*
 * pcsim/event.h - events as choices: device completions, timers and other atomic-context
 * handlers that fire at a step the strategy chooses; data choices; time.
 *
 * Kernel counterparts: hard and soft interrupt handlers (irq_enter ... irq_exit), timers.
 * Context rules: <pcsim/config.h>.
 */
#ifndef PCSIM_EVENT_H
#define PCSIM_EVENT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pcsim/export.h>
#include <pcsim/config.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------------
 * Events: device completions, timers, signal deliveries. Each pending event is a choice.
 */
enum pcsim_ctx_kind {
	PCSIM_CTX_TASK = 0,
	PCSIM_CTX_HARDIRQ,
	PCSIM_CTX_SOFTIRQ,
};

/**
 * struct pcsim_event_desc - an atomic-context handler to run later on a CPU.
 * @name: for traces ("bdev completion 3"); copied.
 * @kind: PCSIM_CTX_HARDIRQ or PCSIM_CTX_SOFTIRQ.
 * @cpu: the CPU it fires on, or -1 for round robin by posting order.
 * @delay_ns: timed mode and threads backend: earliest firing time after posting; otherwise
 *            ignored (the strategy chooses the moment).
 * @fn, @arg: the handler; runs with interrupts off on that CPU, must not sleep.
 */
struct pcsim_event_desc {
	const char *name;
	enum pcsim_ctx_kind kind;
	int cpu;
	uint64_t delay_ns;
	void (*fn)(void *arg);
	void *arg;
};

/**
 * pcsim_event_post - make an event pending. It fires at a step the strategy chooses, only
 * while its CPU has interrupts enabled (and, in timed mode, not before its due time).
 * Context: setup or any. Return: event id (>= 1), or -EINVAL for a bad descriptor.
 */
PCSIM_API int pcsim_event_post(struct pcsim_world *w, const struct pcsim_event_desc *ev);

/**
 * pcsim_choose - a data choice: returns a value in [0, n) chosen by the strategy (uniform for
 * random and PCT, enumerated by DFS, read back by replay). @kind labels it in the choice log
 * ("latency", "eio"). Context: any, or setup. n == 0 or 1 returns 0 without a choice.
 */
PCSIM_API uint64_t pcsim_choose(const char *kind, uint64_t n);

/** pcsim_now_ns - virtual time in timed mode (sim), monotonic clock (threads). */
PCSIM_API uint64_t pcsim_now_ns(void);

#ifdef __cplusplus
}
#endif
#endif /* PCSIM_EVENT_H */
