/* SPDX-License-Identifier: MIT */
/*
 * scenario_int.h - the scenario layer's own declarations: the checked syntax tree that
 * parse.c builds from a `.pcs` text and interp.c runs as a struct pcsim_program. Nothing here
 * models a kernel function; interp.c calls the model's public API (pagecache.h, uring.h).
 */
#ifndef PCSIM_SCENARIO_INT_H
#define PCSIM_SCENARIO_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pcsim/pcsim.h>
#include <pcsim/scenario.h>

/* Limits: every count a text controls is bounded (docs/scenarios.md, "Limits"). */
#define SCN_NAME_MAX 32		/* identifier bytes, with the NUL */
#define SCN_WORD_MAX 256	/* one word */
#define SCN_TOKENS_MAX 200000u
#define SCN_FILES_MAX 16
#define SCN_FILE_SIZE_MAX (1u << 20)	/* bytes: 256 pages */
#define SCN_EVENTFDS_MAX 8
#define SCN_TASKS_MAX 32	/* task statements */
#define SCN_INSTANCES_MAX 64	/* tasks created, arrays counted */
#define SCN_WORKER_TASKS_MAX 128	/* io-wq workers of all rings of all instances */
#define SCN_RINGS_MAX 4		/* ring statements per task */
#define SCN_STMTS_MAX 4096	/* statements in all */
#define SCN_DEPTH_MAX 4		/* nested repeat blocks */
#define SCN_REPEAT_MAX 10000
#define SCN_OPS_MAX 1000000ull	/* operations one task instance may execute */
#define SCN_READ_MAX (256u * 1024u)	/* bytes of one read */
#define SCN_RING_BYTES_MAX (16ull << 20)	/* ring read buffers one instance may allocate */
#define SCN_ENTRIES_MAX 64
#define SCN_HELD_MAX 16		/* page locks one task holds at once */
#define SCN_PREDS_MAX 256
#define SCN_CONFIG_MAX 32	/* config statements */
#define SCN_SIGNALS_MAX 64
#define SCN_CQE_LOG_MAX 1024

enum scn_op {
	OP_LOCK_PAGE,
	OP_LOCK_PAGE_KILLABLE,
	OP_TRYLOCK,
	OP_UNLOCK_PAGE,
	OP_WAIT_LOCKED,
	OP_WAIT_LOCKED_KILLABLE,
	OP_PUT_AND_WAIT,
	OP_WAIT_WRITEBACK,
	OP_SET_WRITEBACK,
	OP_END_WRITEBACK,
	OP_WRITE_PAGE,
	OP_READ,
	OP_EVICT,
	OP_TRUNCATE,
	OP_RING,
	OP_SQE,
	OP_SUBMIT,
	OP_WAIT,
	OP_RING_EXIT,
	OP_REGISTER_EVENTFD,
	OP_EVENTFD_READ,
	OP_EVENTFD_WRITE,
	OP_KILL,
	OP_SLEEP,
	OP_YIELD,
	OP_RETURN_TO_USER,
	OP_REPEAT,
};

/* read modes */
#define RD_NOWAIT 0x1u
#define RD_NOIO 0x2u
#define RD_WAITQ 0x4u	/* io_read() in miniature: NOWAIT, then arm WAITQ and retry */
#define RD_ARM 0x8u	/* a single IOCB_WAITQ call (with written=N), waiting for its callback */

/* SQE kinds and flags */
enum scn_sqe { SQE_READ, SQE_NOP, SQE_FADVISE };
#define SQ_ASYNC 0x1u
#define SQ_LINK 0x2u
#define SQ_NOWAIT 0x4u
#define SQ_POS 0x8u	/* offset -1: the file position (bytes then not checked) */
#define SQ_NOCHECK 0x10u

struct scn_stmt {
	enum scn_op op;
	unsigned line, col;
	int file;		/* index, -1 none */
	uint64_t a, b;		/* page index, or offset and length */
	unsigned flags;		/* RD_* or SQ_* */
	int ring;		/* ring slot within the task */
	enum scn_sqe sqe;
	int advice;
	bool has_data;
	uint64_t data;
	bool has_expect;
	int64_t expect;
	int64_t written;	/* RD_ARM: bytes the caller already moved */
	int efd;		/* eventfd index */
	int task, inst;		/* kill target: task index, instance (-1: all) */
	int sig;
	unsigned count;		/* repeat N, wait N (0 with all: every outstanding), sleep N */
	unsigned timeout_ms;	/* wait ... timeout=MS (0: none) */
	bool all;
	/* ring set-up */
	unsigned entries, cq_entries, workers;
	int mode;
	bool killable;		/* put_and_wait_on_page_locked */
	struct scn_stmt *body;	/* repeat */
	unsigned nbody;
};

struct scn_task {
	char name[SCN_NAME_MAX];
	unsigned line, col;
	unsigned ninst;
	bool array;
	int cpu;
	struct scn_stmt *body;
	unsigned nbody;
	unsigned nrings;
	char rings[SCN_RINGS_MAX][SCN_NAME_MAX];
	size_t sync_buf;	/* largest synchronous read */
};

#define PG_INIT_LOCKED 0x1u
#define PG_INIT_UPTODATE 0x2u
#define PG_INIT_IO 0x4u
#define PG_INIT_READAHEAD 0x8u
#define PG_INIT_WRITEBACK 0x10u
#define PG_INIT_PRESENT 0x80u	/* in the cache (0: not cached) */

struct scn_file {
	char name[SCN_NAME_MAX];
	uint32_t id;
	uint64_t size;
	unsigned ra_pages;
	bool random, norasync, eio;
	unsigned slots;
	const struct pcsim_bdev_params *preset;
	uint8_t *pages;		/* PG_INIT_* per page; 0 = not cached */
	unsigned npages;
};

struct scn_eventfd {
	char name[SCN_NAME_MAX];
	unsigned init;
};

struct scn_signal {
	int task, inst;
	int sig;
};

enum scn_pred_kind { PRED_CQE, PRED_PAGE, PRED_QUIESCENT };
#define PP_LOCKED 0x1u
#define PP_UNLOCKED 0x2u
#define PP_UPTODATE 0x4u
#define PP_NOTUPTODATE 0x8u
#define PP_ABSENT 0x10u
#define PP_PRESENT 0x20u
#define PP_WRITEBACK 0x40u
#define PP_NOWRITEBACK 0x80u
#define PP_REFS 0x100u

struct scn_pred {
	enum scn_pred_kind kind;
	unsigned line, col;
	uint64_t data;
	bool has_res;
	int64_t res;
	int file;
	uint64_t index;
	unsigned what;		/* PP_* */
	int refs;
	unsigned kmask;		/* the kernel profiles it is checked under (bit n = enum pcsim_kernel n) */
};

/* A verdict (`expect clean|find WHAT [on kernel LIST]`) and the profiles it holds for. */
#define SCN_KMASK_ALL ((1u << PCSIM_NR_KERNELS) - 1)
#define SCN_VERDICTS_MAX (PCSIM_NR_KERNELS + 1)

struct scn_verdict {
	bool find;
	bool qualified;		/* named its profiles; else: every profile no other verdict names */
	char what[64];
	unsigned kmask;		/* qualified: the profiles named */
	unsigned line, col;
	char *text;		/* "clean", "find P2" */
};

struct scn_config {
	char *words;
	unsigned line, col;
};

struct pcsim_scenario {
	char *path, *name, *progname, *expect_text;
	uint64_t hash;
	struct pcsim_program prog;
	struct scn_config config[SCN_CONFIG_MAX];
	unsigned nconfig;
	/* explore statement */
	bool has_strategy, has_seed, has_schedules, has_depth, has_bound;
	enum pcsim_strategy strategy;
	uint64_t seed, schedules;
	unsigned depth, bound;
	/* verdicts: by kernel profile, which of verdicts[] applies (-1: none) */
	struct scn_verdict verdicts[SCN_VERDICTS_MAX];
	unsigned nverdicts;
	int verdict_of[PCSIM_NR_KERNELS];
	struct scn_file files[SCN_FILES_MAX];
	unsigned nfiles;
	struct scn_eventfd efds[SCN_EVENTFDS_MAX];
	unsigned nefds;
	struct scn_task tasks[SCN_TASKS_MAX];
	unsigned ntasks;
	struct scn_signal signals[SCN_SIGNALS_MAX];
	unsigned nsignals;
	struct scn_pred preds[SCN_PREDS_MAX];
	unsigned npreds;
	/* every allocation of the tree, freed with the scenario */
	void **allocs;
	size_t nallocs, capallocs;
};

/* interp.c */
void pcsim__scenario_setup(struct pcsim_world *w, void *arg);
void pcsim__scenario_finish(struct pcsim_world *w, void *arg);

#endif
