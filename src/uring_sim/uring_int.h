/* SPDX-License-Identifier: MIT */
/*
 * uring_int.h - the ring submitter's private structures, in the kernel's vocabulary:
 * struct io_ring_ctx, struct io_kiocb and its async data, the io-wq, and what the files of
 * src/uring_sim/ share. Models fs/io_uring.c and fs/io-wq.c of 5.10 (docs/kernel-semantics.md
 * §4; docs/uring.md maps each function).
 *
 * Simplifications (docs/uring.md): no SQPOLL, no IOPOLL, no fixed files or buffers, no poll
 * arming (regular files cannot be polled, so 5.10 never arms poll for them); ctx->uring_lock is
 * taken only by the ring's task, so it is modelled as an owner field whose misuse is reported.
 */
#ifndef PCSIM_URING_INT_H
#define PCSIM_URING_INT_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include <pcsim/check.h>
#include <pcsim/kernel/atomic.h>
#include <pcsim/kernel/barrier.h>
#include <pcsim/kernel/compiler.h>
#include <pcsim/kernel/list.h>
#include <pcsim/kernel/pagemap.h>
#include <pcsim/kernel/refcount.h>
#include <pcsim/kernel/sched.h>
#include <pcsim/kernel/spinlock.h>
#include <pcsim/kernel/task_work.h>
#include <pcsim/kernel/wait.h>
#include <pcsim/trace.h>
#include <pcsim/uring.h>

/* req->flags (5.10 names; only the ones the model acts on). */
#define REQ_F_FORCE_ASYNC (1u << 0)	/* IOSQE_ASYNC: straight to io-wq */
#define REQ_F_LINK (1u << 1)		/* IOSQE_IO_LINK: the next SQE waits for this one */
#define REQ_F_FAIL_LINK (1u << 2)	/* the chain behind fails with -ECANCELED */
#define REQ_F_NOWAIT (1u << 3)		/* RWF_NOWAIT at prep: never punt, never arm */
#define REQ_F_ISREG (1u << 4)		/* regular file: short reads retry */
#define REQ_F_CUR_POS (1u << 5)		/* offset -1: read at and advance f_pos */
#define REQ_F_IN_IOWQ (1u << 6)		/* has been queued to io-wq */
#define REQ_F_BADFD (1u << 7)		/* 6.18: the descriptor is looked up at issue and is bad */

#ifndef UIO_FASTIOV
#define UIO_FASTIOV 8			/* <linux/uio.h>, which clashes with <sys/uio.h> */
#endif

#define PCSIM_URING_MAX_FILES 64
#define PCSIM_URING_FD_BASE 3

/* fs/eventfd.c's struct eventfd_ctx: a counter and the queue of its readers. */
struct eventfd_ctx {
	struct wait_queue_head wqh;	/* its lock protects count */
	uint64_t count;
};

/* The file types the ring's read rules tell apart (i_mode; docs/uring-current.md). */
enum io_file_type {
	IO_FTYPE_REG = 0,		/* S_ISREG: a file of the page-cache model */
	IO_FTYPE_BLK,			/* S_ISBLK: a block device read through its page cache */
	IO_FTYPE_PIPE,			/* a pipe's read end: FMODE_STREAM, pollable, no cache */
};

/*
 * A pipe's read end (fs/pipe.c, the part a read sees): @avail bytes wait in it, the k-th byte
 * ever written being pcsim_file_byte(@id, k); its writer keeps it open and writes no more, so a
 * blocking read of the empty pipe sleeps for good (what a wrong short-read retry waits for).
 */
struct io_pipe {
	uint32_t id;
	uint64_t head;			/* bytes read so far */
	size_t avail;
	struct wait_queue_head rd_wait;
};

/* An open file of the model: struct file, the parts a buffered read uses, or an eventfd. */
struct io_file {
	struct address_space *mapping;	/* NULL for an eventfd or a pipe */
	struct eventfd_ctx *eventfd;
	struct io_pipe *pipe;
	int64_t f_pos;
	uint64_t s_maxbytes;		/* the superblock's s_maxbytes (0: no limit set) */
	uint8_t type;			/* enum io_file_type */
	bool buf_rasync;		/* f_mode & FMODE_BUF_RASYNC */
	bool open;
};

/*
 * The segments behind an IORING_OP_READV iterator: the kernel's copy of the user's iovec array
 * (io_import_iovec: UIO_FASTIOV inline, a heap copy beyond). The page cache's iov_iter is one
 * contiguous buffer, so a readv fills a bounce buffer of the total length and every attempt's
 * new bytes are copied out to these segments before the attempt returns (rw.c).
 */
struct io_rw_vec {
	const struct iovec *iov;	/* fast_iov, or the heap copy of a longer array */
	unsigned long nr_segs;
	struct iovec fast_iov[UIO_FASTIOV];
};

/* struct iov_iter_state (5.15+): what iov_iter_save_state() keeps and iov_iter_restore() puts
 * back; the model's iterator is a count and a distance from the start. */
struct io_iter_state {
	size_t count, done;
};

/* req->async_data for reads (struct io_async_rw): heap memory that outlives the submit call. */
struct io_async_rw {
	struct iov_iter iter;		/* the persistent iterator */
	struct io_iter_state iter_state;	/* 6.18: the state retries restore */
	struct io_rw_vec vec;		/* READV: the iovecs, copied here (io_req_map_rw) */
	size_t bytes_done;
	struct wait_page_queue wpq;	/* the page wait entry while armed */
};

struct io_ring_ctx;

struct io_kiocb {
	struct io_ring_ctx *ctx;
	struct task_struct *task;	/* req->task: the submitter, where retries run */
	struct io_file *file;
	struct kiocb kiocb;		/* req->rw.kiocb */
	uint8_t opcode;
	unsigned flags;			/* REQ_F_* */
	uint64_t user_data;
	long result;			/* req->result: the expected count of the current attempt */
	refcount_t refs;
	struct io_async_rw *async_data;
	struct io_rw_vec *vec;		/* READV: the iovecs the current iterator fills */
	struct callback_head task_work;
	struct list_head list;		/* io-wq queue, or the CQ overflow list */
	struct io_kiocb *link;		/* the next request of an IOSQE_IO_LINK chain */
	unsigned char *buf;
	uint32_t len;
	uint32_t advice;		/* IORING_OP_FADVISE: POSIX_FADV_* */
	int64_t off;			/* IORING_OP_FADVISE: the range's start */
	long cqe_res;			/* a CQE waiting on the overflow list */
	uint32_t id;			/* 1, 2, ... in submission order: traces and reports */
	uint32_t gen;			/* bumped when freed: a stale user is recognised */
	bool freed;
	bool armed;			/* a page wait callback is outstanding (U2) */
	/* What the checks keep (checks.c; docs/uring.md, "Checks") */
	bool tw_pending;		/* a task_work of the request is queued, not yet run */
	uint8_t tw_pins;		/* ctx references taken for its queued task_work (U3) */
	unsigned tw_queues;		/* task_work queued for it so far (U2) */
	unsigned arm_seq;		/* armings so far (U2) */
	unsigned cqes;			/* CQEs posted for it (one, and only one) */
	bool chk_started;		/* its first io_read() ran: chk_total, chk_pos0 are set */
	long chk_total;			/* bytes the whole read asked for (U7) */
	int64_t chk_pos0;		/* the file position it reads from (the bytes' check) */
	/* req_cache: the async data of a previous use, for pcsim__io_setup_async_rw() */
	struct io_async_rw *cached_async;
};

/* The shared ring memory (struct io_rings and the SQE array). */
struct io_rings {
	pcsim_uint sq_head, sq_tail;	/* head: kernel, tail: user (store-release / load-acquire) */
	pcsim_uint cq_head, cq_tail;	/* head: user, tail: kernel */
	pcsim_uint cq_overflow;
	unsigned sq_ring_mask, sq_ring_entries, cq_ring_mask, cq_ring_entries;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
};

/* fs/io-wq.c: the worker pool of one ring. */
struct io_wq {
	struct io_ring_ctx *ctx;
	spinlock_t lock;
	struct list_head work_list;
	struct wait_queue_head wait;	/* idle workers, exclusive */
	struct task_struct *workers[PCSIM_URING_IOWQ_MAX];
	unsigned nr_workers;
	pcsim_int exiting;
	atomic_t alive;			/* workers not yet exited */
};

struct io_ring_ctx {
	struct pcsim_world *w;
	struct io_rings rings;
	unsigned cached_sq_head;
	unsigned cached_cq_tail;
	enum pcsim_uring_mode mode;
	struct task_struct *sqo_task;	/* the ring's task */
	struct task_struct *uring_lock_owner;	/* ctx->uring_lock (see the header comment) */
	spinlock_t completion_lock;
	struct wait_queue_head wait;	/* io_cqring_wait() sleepers */
	struct list_head cq_overflow_list;
	atomic_t refs;			/* ctx->refs (a percpu_ref in the kernel) */
	atomic_t inflight;		/* requests allocated and not yet freed */
	struct io_wq wq;
	bool dying;			/* the ring is being released */
	bool exited;			/* pcsim_uring_queue_exit() is done */
	struct eventfd_ctx *cq_ev_fd;	/* io_uring_register_eventfd() */
	struct pcsim_uring_ops ops;
	struct pcsim_uring_stats stats;
	struct io_kiocb **reqs;		/* every request of the ring, for the end-of-ring checks */
	unsigned nr_reqs, cap_reqs;
	unsigned req_ids;		/* requests submitted so far (ids; > nr_reqs with req_cache) */
	struct io_kiocb *req_free;	/* req_cache: freed requests, chained through ->link */
	bool checked;			/* in the layer's list of rings the per-step checks walk */
	bool released;			/* dying and down to the ring's own reference: the kernel
					 * frees the ctx now (B-14); relaxed atomic accesses */
	enum pcsim_kernel kernel;	/* the world's kernel profile, read at set-up */
	unsigned setup_flags;		/* IORING_SETUP_SINGLE_ISSUER / _DEFER_TASKRUN (6.18) */
	/* IORING_SETUP_DEFER_TASKRUN: ctx->work_llist, the task_work only the submitter runs
	 * when it waits for completions (io_run_local_work); FIFO here, under work_lock */
	spinlock_t work_lock;
	struct callback_head *work_first, *work_last;
	unsigned work_nr;		/* relaxed atomic reads outside the lock */
};

/*
 * The kernel reads ctx->cached_cq_tail (io_cqring_events) and the ring's dying state without a
 * lock; they are the kernel's private words, not memory the model explores, so they are plain C
 * atomics here (relaxed: what the kernel's plain accesses compile to), which keeps TSan exact
 * on the threads backend. cached_cq_tail is written under completion_lock only.
 */
static inline unsigned cq_tail_peek(const struct io_ring_ctx *ctx)
{
	return __atomic_load_n(&ctx->cached_cq_tail, __ATOMIC_RELAXED);
}

static inline void cq_tail_inc(struct io_ring_ctx *ctx)
{
	__atomic_store_n(&ctx->cached_cq_tail, ctx->cached_cq_tail + 1, __ATOMIC_RELAXED);
}

static inline bool ring_dying(const struct io_ring_ctx *ctx)
{
	return __atomic_load_n(&ctx->dying, __ATOMIC_RELAXED);
}

/* The opcodes that are buffered reads (io_read): the modes apply to them. */
static inline bool io_op_is_read(uint8_t opcode)
{
	return opcode == IORING_OP_READ || opcode == IORING_OP_READV;
}

/* Count an event of the ring (plain counters, updated from any context on either backend). */
#define URING_STAT(ctx, field) __atomic_fetch_add(&(ctx)->stats.field, 1, __ATOMIC_RELAXED)

/* Per-execution state of the layer: files, plug points, the ring ids. */
struct uring_layer {
	struct io_file files[PCSIM_URING_MAX_FILES];
	unsigned nr_files;
	struct pcsim_uring_ops ops;
	bool ops_set;
	unsigned nr_rings;
	struct io_ring_ctx *chk_rings[16];	/* rings the per-step checks walk (checks.c) */
	unsigned nr_chk_rings;
};

struct uring_layer *pcsim__uring(struct pcsim_world *w);
const void *pcsim__uring_layer_key(void);	/* describe.c: pcsim_world_layer_peek() */
struct io_file *pcsim__uring_file(struct pcsim_world *w, int fd);

/* ---- io_uring.c */
void pcsim__uring_lock(struct io_ring_ctx *ctx);
void pcsim__uring_unlock(struct io_ring_ctx *ctx);
int pcsim__io_uring_enter(struct io_ring_ctx *ctx, unsigned to_submit, unsigned min_complete);
void pcsim__io_queue_sqe(struct io_kiocb *req);
void pcsim__io_queue_sqe_inline(struct io_kiocb *req);	/* __io_queue_sqe() */
void pcsim__io_req_complete(struct io_kiocb *req, long res);
void pcsim__io_put_req(struct io_kiocb *req);
struct io_kiocb *pcsim__io_put_req_find_next(struct io_kiocb *req);
void pcsim__req_set_fail_links(struct io_kiocb *req);
int pcsim__io_req_task_work_add(struct io_kiocb *req, bool twa_signal_ok);
void pcsim__io_req_task_work_fallback(struct io_kiocb *req);
void pcsim__io_tw_ctx_get(struct io_kiocb *req);
void pcsim__io_tw_ctx_put(struct io_kiocb *req);
void pcsim__io_ctx_note_put(struct io_ring_ctx *ctx);
void pcsim__io_req_task_submit(struct callback_head *cb);
void pcsim__io_req_task_cancel(struct callback_head *cb);
void pcsim__io_req_task_queue(struct io_kiocb *req);
int pcsim__io_issue_sqe(struct io_kiocb *req, bool force_nonblock);
unsigned pcsim__io_cqring_events(struct io_ring_ctx *ctx);
int pcsim__io_cqring_wait(struct io_ring_ctx *ctx, unsigned min_events);
int pcsim__io_cqring_wait_timeout(struct io_ring_ctx *ctx, unsigned min_events, long *timeout);
void pcsim__io_cqring_overflow_flush(struct io_ring_ctx *ctx);
int pcsim__io_run_local_work(struct io_ring_ctx *ctx);

/* ---- rw.c */
int pcsim__io_prep_rw(struct io_kiocb *req, const struct io_uring_sqe *sqe);
int pcsim__io_read(struct io_kiocb *req, bool force_nonblock);
int pcsim__io_async_buf_func(struct wait_queue_entry *wait, unsigned mode, int sync, void *key);
struct io_async_rw *pcsim__io_setup_async_rw(struct io_kiocb *req, const struct iov_iter *iter);
int pcsim__io_import_iovec(struct io_kiocb *req, struct iov_iter *iter);

/* ---- checks.c: the invariants U1-U10 and the completion checks (docs/uring.md, "Checks").
 * pcsim__uring_checking() is true in a sim world checking invariants; every check below is a
 * no-op otherwise. */
bool pcsim__uring_checking(const struct io_ring_ctx *ctx);
void pcsim__uring_checks_ring(struct io_ring_ctx *ctx);
void pcsim__uring_check_arm(struct io_kiocb *req, const struct wait_page_queue *wait);
void pcsim__uring_check_read_begin(struct io_kiocb *req, const struct iov_iter *iter);
void pcsim__uring_check_attempt(struct io_kiocb *req, const struct iov_iter *iter,
				size_t count0, size_t done0, int64_t pos0, long ret);
void pcsim__uring_check_done(struct io_kiocb *req, const struct iov_iter *iter, long last,
			     long res);
void pcsim__uring_check_link(struct io_kiocb *req, long res, bool fail);
void pcsim__uring_check_callback(struct io_kiocb *req, unsigned tw_queues_before,
				 unsigned arm_seq_before);
void pcsim__uring_check_tw_begin(struct io_kiocb *req, bool retry);
void pcsim__uring_check_tw_end(struct io_kiocb *req);
void pcsim__uring_check_cqe(struct io_kiocb *req);
void pcsim__uring_check_sleep(const char *where);

/* The ring layer's mutants (PCSIM_INJECT_URING_*) and re-injected zoo entries (B-n). */
static inline bool uring_inject(const struct io_ring_ctx *ctx, unsigned bit)
{
	return pcsim_world_config(ctx->w)->inject & bit;
}

static inline bool uring_bug(const struct io_ring_ctx *ctx, unsigned n)
{
	return pcsim_world_config(ctx->w)->bugs & PCSIM_BUG(n);
}

/* The kernel profile the ring follows (docs/uring-current.md). */
static inline bool ring_k618(const struct io_ring_ctx *ctx)
{
	return ctx->kernel == PCSIM_KERNEL_6_18;
}

static inline bool ring_defer_taskrun(const struct io_ring_ctx *ctx)
{
	return ctx->setup_flags & IORING_SETUP_DEFER_TASKRUN;
}

static inline bool ring_local_work_pending(const struct io_ring_ctx *ctx)
{
	return __atomic_load_n(&ctx->work_nr, __ATOMIC_RELAXED) != 0;
}

static inline bool ctx_released(const struct io_ring_ctx *ctx)
{
	return __atomic_load_n(&ctx->released, __ATOMIC_RELAXED);
}

/* ---- eventfd.c */
void pcsim__eventfd_signal(struct eventfd_ctx *ctx, uint64_t n);

/* ---- fadvise.c */
int pcsim__io_fadvise_prep(struct io_kiocb *req, const struct io_uring_sqe *sqe);
int pcsim__io_fadvise(struct io_kiocb *req, bool force_nonblock);

/* ---- io-wq.c */
int pcsim__io_wq_create(struct io_ring_ctx *ctx, unsigned nr_workers);
void pcsim__io_queue_async_work(struct io_kiocb *req);
void pcsim__io_wq_cancel_all(struct io_ring_ctx *ctx);
void pcsim__io_wq_exit(struct io_ring_ctx *ctx);
struct task_struct *pcsim__io_wq_get_task(struct io_ring_ctx *ctx);
bool pcsim__io_wq_current_is_worker(struct io_ring_ctx *ctx);

/* Trace kinds of the layer (io_uring.c). */
extern const struct pcsim_trace_kind pcsim__tk_uring_sqe, pcsim__tk_uring_cqe,
	pcsim__tk_uring_arm, pcsim__tk_uring_callback, pcsim__tk_uring_retry,
	pcsim__tk_uring_punt, pcsim__tk_uring_iowq;

#endif /* PCSIM_URING_INT_H */
