/* SPDX-License-Identifier: MIT */
/*
 * picture_int.h - what the two pictures of an execution (Chrome trace JSON, chrome.c; SVG
 * timeline, svg.c) are drawn from: the recorded event stream (src/sched/tracepoint.c) read as
 * lanes, spans and flows by picture.c. No kernel function is modelled here; the flows follow
 * the ones the model layers trace: unlock_page() -> __wake_up_common() -> io_async_buf_func()
 * -> task_work_add() -> io_req_task_submit() -> io_cqring_fill_event(), and try_to_wake_up()
 * -> the woken task running again. docs/pictures.md describes both formats.
 */
#ifndef PCSIM_PICTURE_INT_H
#define PCSIM_PICTURE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pcsim/trace.h>

struct pcsim_world;

/* Ticks: picoseconds of virtual time (PIC_BY_TS) or millionths of a step (PIC_BY_STEP). */
#define PIC_STEP_TICKS 1000000ull

enum pic_clock {
	PIC_BY_TS,   /* the events' ts_ns (untimed: step x 1000 ns; timed: the virtual clock) */
	PIC_BY_STEP, /* the step index: every step equally wide */
};

enum pic_lane_kind { PL_TASK, PL_HARDIRQ, PL_SOFTIRQ, PL_ENGINE };

/* A horizontal track: a task, the hard or soft interrupts of one CPU, or the engine (ctx 0). */
struct pic_lane {
	enum pic_lane_kind kind;
	uint32_t ctx; /* PL_TASK: the task's context id */
	unsigned cpu; /* PL_HARDIRQ, PL_SOFTIRQ */
	uint32_t tid; /* Chrome-trace thread id: task id, 10000+cpu, 20000+cpu, 30000 */
	char name[80];
};

/* Event flags. */
#define PIC_EV_NODE 1u /* a node of some flow */
#define PIC_EV_KEY 2u  /* worth a label (sleep, wake, uring, pagecache, ...) */

struct pic_ev {
	unsigned lane;
	uint64_t t, w; /* the event's slot [t, t + w) in ticks, w >= 1 */
	unsigned flags;
};

enum pic_span_kind {
	SP_RUN,	     /* a task running: a maximal run of its consecutive events */
	SP_SLEEP,    /* a task in schedule(), from its sleep to the wakeup that ends it */
	SP_RUNNABLE, /* woken, not yet running again */
	SP_IRQ,	     /* an atomic context, from its irq_enter to its irq_exit */
};

struct pic_span {
	enum pic_span_kind kind;
	unsigned lane;
	uint64_t t0, t1; /* [t0, t1) in ticks */
	size_t ev0;	 /* the event that opens it (first run event, the sleep, irq_enter) */
	size_t ev1;	 /* the event that closes it (SIZE_MAX when nothing does) */
	bool open;	 /* never closed: ends with the trace */
	uint32_t ctx;	 /* the context (SP_IRQ: the atomic context's id) */
};

enum pic_flow_kind {
	FL_RING, /* (bit clear ->) wake walk -> io_async_buf_func -> task_work_add -> retry -> CQE
		  */
	FL_WAKE, /* (bit clear -> wake walk ->) try_to_wake_up() -> the task runs again */
	FL_TASK_WORK, /* task_work_add() -> the target's task_work_run() */
	FL_MISSED,    /* try_to_wake_up() = 0 (the task was running) -> the task's next event */
};
#define PIC_NFLOW_KINDS 4

#define PIC_FLOW_MAX 8

struct pic_flow {
	enum pic_flow_kind kind;
	unsigned n;
	size_t node[PIC_FLOW_MAX]; /* event indices, in time order */
	uint64_t req;		   /* FL_RING: the request id */
	uint32_t target;	   /* the context the flow goes to */
	int state;		   /* while building: what the flow waits for */
};

struct pcsim__pic {
	const struct pcsim_world *w;
	enum pic_clock clock;
	const struct pcsim_trace_event *tr;
	size_t nev;
	struct pic_ev *ev;
	struct pic_lane *lanes;
	unsigned nlanes;
	struct pic_span *spans;
	size_t nspans, capspans;
	struct pic_flow *flows;
	size_t nflows, capflows;
	uint64_t t_end;	 /* end of the last slot */
	uint64_t t_tail; /* t_end and two more steps: where unfinished spans end */
};

/* Read the world's recorded stream. Return 0, -ENOMEM. Free with pcsim__pic_free(). */
int pcsim__pic_build(struct pcsim__pic *p, const struct pcsim_world *w, enum pic_clock clock);
void pcsim__pic_free(struct pcsim__pic *p);

/* The narrative text of event @i (the kind's renderer), and its context's label. */
void pcsim__pic_text(const struct pcsim__pic *p, size_t i, char *buf, size_t len);
const char *pcsim__pic_flow_name(const struct pcsim__pic *p, const struct pic_flow *f, char *buf,
				 size_t len);
/* "deadlock at step 7", "no violation, 494 steps": the execution's outcome in words. */
void pcsim__pic_outcome(const struct pcsim_world *w, char *buf, size_t len);
/* A sleep that nothing ended in an execution that ended in a deadlock: never woken. */
bool pcsim__pic_lost(const struct pcsim__pic *p, const struct pic_span *s);
/* The program's name, or "pcsim" when the world has none. */
const char *pcsim__pic_program(const struct pcsim_world *w);

/* Writers (chrome.c, svg.c). Return 0, -ENOMEM, -EIO. */
int pcsim__pic_write_chrome(const struct pcsim_world *w, FILE *f);
int pcsim__pic_write_svg(const struct pcsim_world *w, const struct pcsim_trace_svg_opts *o,
			 FILE *f);

#endif /* PCSIM_PICTURE_INT_H */
