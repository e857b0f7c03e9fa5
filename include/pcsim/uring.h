/* SPDX-License-Identifier: MIT */
/*
 * pcsim/uring.h - the ring submitter: io_uring 5.10's async buffered reads on the page-cache
 * model, behind an API that mirrors liburing (2.3) call for call under the pcsim_uring_ prefix.
 *
 * A task sets up a ring (pcsim_uring_queue_init), opens files of the page-cache model
 * (pcsim_uring_open), fills SQEs (struct io_uring_sqe and the opcodes, flags and RWF_* values of
 * the system's <linux/io_uring.h> and <linux/fs.h>), submits them and reaps CQEs. Behind it,
 * src/uring_sim/ models fs/io_uring.c and fs/io-wq.c of 5.10 in the kernel's own vocabulary:
 * io_submit_sqes, io_queue_sqe, io_read (NOWAIT first, then IOCB_WAITQ with io_async_buf_func
 * as the page's wake function, the retry from task_work in the submitter), the io-wq workers,
 * kiocb_done and the CQ ring with its overflow list. Semantics: docs/kernel-semantics.md §4;
 * the model function by function: docs/uring.md.
 *
 * Contexts. The ring belongs to the task that set it up (5.10's req->task and ctx->sqo_task):
 * every call below is "Context: the ring's task" unless it says otherwise, and may sleep where
 * it waits for completions. The world must be a pcsim world (setup creates the tasks).
 */
#ifndef PCSIM_URING_H
#define PCSIM_URING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include <linux/fs.h>
#include <linux/io_uring.h>

#include <pcsim/config.h>
#include <pcsim/export.h>
#include <pcsim/pagecache.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * enum pcsim_uring_mode - how a ring issues buffered reads (the seed experiment's three legs).
 * @PCSIM_URING_RASYNC: the async buffered reads series (5.9+): a NOWAIT attempt, then a page
 *	wait callback and a retry from task_work; io-wq only when the file cannot retry.
 * @PCSIM_URING_OFFLOAD: every read goes to io-wq (as IOSQE_ASYNC on every SQE: mainline before
 *	the series, for reads that would block).
 * @PCSIM_URING_SYNC: each read is a blocking read in the submitting task (preadv).
 * The same workload gives the same CQEs in every mode.
 */
enum pcsim_uring_mode {
	PCSIM_URING_RASYNC = 0,
	PCSIM_URING_OFFLOAD,
	PCSIM_URING_SYNC,
};

/**
 * struct pcsim_uring_params - ring set-up (io_uring_params, the parts the model uses).
 * @cq_entries: 0 = twice the SQ entries (the kernel's default).
 * @mode: see enum pcsim_uring_mode.
 * @iowq_workers: io-wq worker tasks (unbound, created with the ring), 0 = 2, at most
 *	PCSIM_URING_IOWQ_MAX (more is -EINVAL).
 * @flags: IORING_SETUP_* the model knows, kernel=6.18 only (any other profile: -EINVAL, as those
 *	kernels refuse unknown flags): IORING_SETUP_SINGLE_ISSUER, and IORING_SETUP_DEFER_TASKRUN
 *	(with SINGLE_ISSUER, else -EINVAL): the retries and link issues a ring queues as task_work
 *	run only when its task waits for completions (pcsim_uring_wait_cqe*, submit_and_wait) or
 *	exits the ring - never at a signal, never in another sleep (docs/uring-current.md).
 */
#define PCSIM_URING_IOWQ_MAX 64	/* io-wq workers of one ring (the seed's offload used ~33) */

struct pcsim_uring_params {
	unsigned cq_entries;
	enum pcsim_uring_mode mode;
	unsigned iowq_workers;
	unsigned flags;
};

/**
 * struct pcsim_uring_config - the ring layer's settings in struct pcsim_config (rows of the
 * settings table, <pcsim/settings.h>).
 * @mode: -1 (default): each ring has the mode its creator asked for; else an enum
 *	pcsim_uring_mode every ring of the world uses (`ring_mode`, program | rasync | offload |
 *	sync): the same program measured or explored in the seed experiment's three legs.
 * @iowq_workers: when not 0, every ring's io-wq has this many workers (`iowq_workers`, 0..64).
 * @req_cache: 1: a freed request and its async data are reused, last-in first-out, by the
 *	ring's next submission, as the kernel's request cache does (`req_cache`, 0 | 1; sim
 *	backend only). Memory then stays at the requests in flight, not all ever submitted, but a
 *	stale pointer to a freed request may meet a live one (its `gen` has moved on), so the
 *	use-after-free checks see less: for long measured runs, not for exploration. Default 0.
 */
struct pcsim_uring_config {
	int mode;
	unsigned iowq_workers;
	unsigned req_cache;
};

/** pcsim_uring_config - the ring settings of @cfg (set them before the world starts). */
static inline struct pcsim_uring_config *pcsim_uring_config(struct pcsim_config *cfg)
{
	return (struct pcsim_uring_config *)(void *)cfg->layer[PCSIM_LAYER_URING].bytes;
}

/** pcsim_uring_config_get - the same, read-only (e.g. of pcsim_world_config()). */
static inline const struct pcsim_uring_config *
pcsim_uring_config_get(const struct pcsim_config *cfg)
{
	return (const struct pcsim_uring_config *)(const void *)cfg->layer[PCSIM_LAYER_URING].bytes;
}

struct io_ring_ctx;

/**
 * struct pcsim_uring - the user's view of a ring (struct io_uring of liburing): the caller owns
 * the storage (arena memory or the task's stack), the fields are the library's.
 */
struct pcsim_uring {
	struct io_ring_ctx *ctx;
	unsigned sqe_head, sqe_tail;	/* SQEs handed out by get_sqe, not yet published */
};

/*
 * pcsim's own mutants of the ring layer (struct pcsim_config.inject), for the tests of its
 * run-time checks (docs/uring.md, "Checks"); bits 0x1-0x20 are the engine's and the page
 * cache's (<pcsim/config.h>, <pcsim/pagecache.h>).
 */
#define PCSIM_INJECT_URING_STACK_WPQ 0x40u	/* U1: the wpq armed is on io_read()'s stack */
#define PCSIM_INJECT_URING_RETRY_IN_CALLBACK 0x80u /* U4: the callback runs the retry itself */
#define PCSIM_INJECT_URING_NO_BYTES_DONE 0x100u	/* U6: kiocb_done() forgets bytes_done */
#define PCSIM_INJECT_URING_COMPLETE_ARMED 0x200u /* U8: complete the short count, stay armed */
#define PCSIM_INJECT_URING_CANCEL_NO_PUT 0x400u	/* U3: io_req_task_cancel() keeps its ctx ref */

/* ---------------------------------------------------------------------------------------------
 * Files
 */
#define PCSIM_URING_O_NO_RASYNC 0x1u	/* open without FMODE_BUF_RASYNC: reads cannot retry */
#define PCSIM_URING_O_BDEV 0x2u		/* the mapping is a block device's (S_ISBLK) */

/**
 * pcsim_uring_open - a file descriptor for @mapping, positioned at 0, FMODE_BUF_RASYNC unless
 * @flags has PCSIM_URING_O_NO_RASYNC. Context: setup or any task. Return: fd >= 3, -EINVAL, or
 * -EMFILE past 64 open files in the execution.
 */
PCSIM_API int pcsim_uring_open(struct pcsim_world *w, struct pcsim_address_space *mapping,
			       unsigned flags);
/**
 * pcsim_uring_pipe - a pipe's read end holding @nbytes (the k-th byte pcsim_file_byte(@id, k))
 * whose writer keeps it open and writes nothing more: a read takes what is there; a read of the
 * empty pipe is -EAGAIN with RWF_NOWAIT, else it sleeps for good. Pipes are FMODE_STREAM (no
 * file position) and pollable: a ring never arms a page callback for them (the model punts to
 * io-wq where 5.10 and 6.18 arm poll). Context: setup or any task.
 * Return: fd >= 3, -EINVAL, -EMFILE or -ENOMEM.
 */
PCSIM_API int pcsim_uring_pipe(struct pcsim_world *w, uint32_t id, size_t nbytes);
/**
 * pcsim_uring_set_maxbytes - the superblock's s_maxbytes for @fd's file (default: no limit).
 * The read path truncates a read's iterator at it and does not re-expand it (5.10: to
 * s_maxbytes; 6.18: to s_maxbytes - position), which is what B-19 trips over.
 * Context: setup. Return: 0, -EBADF (not a file of the page-cache model), -EINVAL (below the
 * file's size, or above INT64_MAX).
 */
PCSIM_API int pcsim_uring_set_maxbytes(struct pcsim_world *w, int fd, uint64_t s_maxbytes);
/** pcsim_uring_file_pos - the file position of @fd (f_pos), or -EBADF. Context: any, setup. */
PCSIM_API int64_t pcsim_uring_file_pos(struct pcsim_world *w, int fd);
/** The largest file pcsim_uring_create_file() makes: 1 GiB. */
#define PCSIM_URING_FILE_MAX ((uint64_t)1 << 30)
/**
 * pcsim_uring_create_file - the file shim a port uses in place of open(2) of a real file: a file
 * of @size bytes whose byte at offset o is pcsim_file_byte(@id, o), on its own block device (two
 * slots, zero service time), with an empty page cache, no readahead and POSIX_FADV_RANDOM (a
 * read reads what it asks for), open as by pcsim_uring_open(@flags). Pages can then be put in
 * the cache (pcsim_mapping_populate, setup only), evicted (pcsim_evict_page) or truncated
 * (pcsim_truncate_page) through pcsim_uring_file_mapping(). Context: setup (it creates the
 * mapping). Return: fd >= 3, -EINVAL (bad @flags), -EFBIG (@size above PCSIM_URING_FILE_MAX),
 * -EMFILE, -ENOMEM.
 */
PCSIM_API int pcsim_uring_create_file(struct pcsim_world *w, uint32_t id, uint64_t size,
				      unsigned flags);
/**
 * pcsim_uring_file_mapping - the page-cache mapping behind @fd, or NULL (a bad descriptor or an
 * eventfd). Context: any, setup.
 */
PCSIM_API struct pcsim_address_space *pcsim_uring_file_mapping(struct pcsim_world *w, int fd);

/**
 * pcsim_uring_eventfd - eventfd(initval, 0): a counter a task can block on, as a descriptor.
 * Context: setup or any task. Return: fd >= 3, -EINVAL, -EMFILE or -ENOMEM.
 */
PCSIM_API int pcsim_uring_eventfd(struct pcsim_world *w, unsigned initval);
/**
 * pcsim_uring_eventfd_read - read(2) of an eventfd: sleep interruptibly until the count is not
 * 0, then take it all into *@value. Context: task, may sleep. Return: 0; -EINTR when a signal or
 * a task_work notification is pending (the syscall would restart: call pcsim_return_to_user(),
 * which runs the task_work, then read again); -EINVAL for a bad descriptor.
 */
PCSIM_API int pcsim_uring_eventfd_read(int fd, uint64_t *value);
/** pcsim_uring_eventfd_write - write(2): add @value (> 0) and wake readers. Context: any. */
PCSIM_API int pcsim_uring_eventfd_write(int fd, uint64_t value);

/* ---------------------------------------------------------------------------------------------
 * Set-up and teardown
 */
/**
 * pcsim_uring_queue_init - io_uring_queue_init(): a ring of @entries SQEs (1..4096, rounded up
 * to a power of two as io_uring_setup() does) in RASYNC mode with the default io-wq; @flags is
 * 0, or on kernel=6.18 IORING_SETUP_SINGLE_ISSUER with or without IORING_SETUP_DEFER_TASKRUN
 * (struct pcsim_uring_params.flags); no SQPOLL, no IOPOLL. Context: the task that will own the
 * ring. Return: 0, or -EINVAL.
 */
PCSIM_API int pcsim_uring_queue_init(unsigned entries, struct pcsim_uring *ring, unsigned flags);
/**
 * pcsim_uring_queue_init_params - the same with @p (NULL = defaults); @p->cq_entries (0: twice
 * the SQ entries; else up to 8192, rounded up, not below the SQ entries).
 */
PCSIM_API int pcsim_uring_queue_init_params(unsigned entries, struct pcsim_uring *ring,
					    const struct pcsim_uring_params *p);
/**
 * pcsim_uring_queue_init_io_params - io_uring_queue_init_params() with liburing's own
 * struct io_uring_params: @p->flags may be 0 or IORING_SETUP_CQSIZE (with @p->cq_entries), with
 * IORING_SETUP_SINGLE_ISSUER / _DEFER_TASKRUN on kernel=6.18 (struct pcsim_uring_params), the
 * reserved fields must be 0; on success @p->sq_entries, @p->cq_entries and @p->features are
 * filled (IORING_FEAT_SINGLE_MMAP, _NODROP, _SUBMIT_STABLE, _RW_CUR_POS: what the model keeps
 * of 5.10's). The mode is RASYNC. Context: as pcsim_uring_queue_init().
 * Return: 0, -EINVAL (another setup flag, a reserved field, a bad size), -EFAULT (@p NULL).
 */
PCSIM_API int pcsim_uring_queue_init_io_params(unsigned entries, struct pcsim_uring *ring,
					       struct io_uring_params *p);
/**
 * pcsim_uring_queue_exit - io_uring_queue_exit() and the ring's release in the kernel
 * (io_ring_ctx_wait_and_kill): queued io-wq work completes -ECANCELED, requests in flight (armed
 * on a page, or running in io-wq) are waited for - retries still run from task_work, each gets
 * its one CQE -, then the workers exit. A request never freed, freed twice, or a context
 * reference left over is a violation. May sleep.
 */
PCSIM_API void pcsim_uring_queue_exit(struct pcsim_uring *ring);

/**
 * pcsim_uring_register_eventfd - io_uring_register_eventfd(): every CQE posted from now on
 * signals eventfd @fd. Return: 0, -EBADF (not an eventfd), -EBUSY (one is registered), -EINVAL.
 */
PCSIM_API int pcsim_uring_register_eventfd(struct pcsim_uring *ring, int fd);
/** pcsim_uring_unregister_eventfd - io_uring_unregister_eventfd(). Return: 0 or -ENXIO. */
PCSIM_API int pcsim_uring_unregister_eventfd(struct pcsim_uring *ring);

/* ---------------------------------------------------------------------------------------------
 * Submission
 */
/** pcsim_uring_get_sqe - the next free SQE, or NULL if the SQ ring is full. */
PCSIM_API struct io_uring_sqe *pcsim_uring_get_sqe(struct pcsim_uring *ring);
/** pcsim_uring_prep_rw - every field of @sqe for an opcode with fd, address, length, offset. */
PCSIM_API void pcsim_uring_prep_rw(int op, struct io_uring_sqe *sqe, int fd, const void *addr,
				   unsigned len, uint64_t offset);
/** pcsim_uring_prep_nop - IORING_OP_NOP. */
PCSIM_API void pcsim_uring_prep_nop(struct io_uring_sqe *sqe);
/** pcsim_uring_prep_read - IORING_OP_READ of @nbytes at @offset (-1: the file position). */
PCSIM_API void pcsim_uring_prep_read(struct io_uring_sqe *sqe, int fd, void *buf, unsigned nbytes,
				     uint64_t offset);
/**
 * pcsim_uring_prep_readv - IORING_OP_READV into the @nr_vecs buffers of @iovecs at @offset (-1:
 * the file position). The array is read while the SQE is submitted (the model's
 * IORING_FEAT_SUBMIT_STABLE): it may be reused once pcsim_uring_submit() returns, the buffers
 * not before the CQE. A CQE's res is the bytes read over all buffers (short at EOF), or
 * -EINVAL (more than UIO_MAXIOV buffers, a length beyond SSIZE_MAX), -EFAULT (a NULL array with
 * @nr_vecs > 0). Context: any (fills @sqe only).
 */
PCSIM_API void pcsim_uring_prep_readv(struct io_uring_sqe *sqe, int fd, const struct iovec *iovecs,
				      unsigned nr_vecs, uint64_t offset);
/**
 * pcsim_uring_prep_readv2 - the same with preadv2() flags in sqe->rw_flags: RWF_NOWAIT (a page
 * that is not cached and uptodate completes -EAGAIN: no wait, no io-wq); any other flag fails
 * the SQE with -EOPNOTSUPP. Context: any.
 */
PCSIM_API void pcsim_uring_prep_readv2(struct io_uring_sqe *sqe, int fd,
				       const struct iovec *iovecs, unsigned nr_vecs,
				       uint64_t offset, int flags);
/** pcsim_uring_prep_fadvise - IORING_OP_FADVISE of [@offset, @offset + @len) (@len 0: to EOF). */
PCSIM_API void pcsim_uring_prep_fadvise(struct io_uring_sqe *sqe, int fd, uint64_t offset,
					unsigned len, int advice);
/** pcsim_uring_sqe_set_data / _set_flags - user_data; IOSQE_* flags (ASYNC, IO_LINK). */
PCSIM_API void pcsim_uring_sqe_set_data(struct io_uring_sqe *sqe, void *data);
PCSIM_API void pcsim_uring_sqe_set_data64(struct io_uring_sqe *sqe, uint64_t data);
PCSIM_API void pcsim_uring_sqe_set_flags(struct io_uring_sqe *sqe, unsigned flags);
/**
 * pcsim_uring_submit - publish the SQEs got since the last submit (store-release of the SQ
 * tail) and enter the kernel to submit them. Return: the number submitted, or -errno (a bad
 * SQE completes with its error in a CQE; only ring-level errors are returned here).
 */
PCSIM_API int pcsim_uring_submit(struct pcsim_uring *ring);
/** pcsim_uring_submit_and_wait - submit, then wait until @wait_nr CQEs are ready. */
PCSIM_API int pcsim_uring_submit_and_wait(struct pcsim_uring *ring, unsigned wait_nr);
/** pcsim_uring_sq_ready - SQEs got with get_sqe and not yet consumed by the kernel. Never sleeps. */
PCSIM_API unsigned pcsim_uring_sq_ready(const struct pcsim_uring *ring);
/** pcsim_uring_sq_space_left - SQEs get_sqe can still hand out. Never sleeps. */
PCSIM_API unsigned pcsim_uring_sq_space_left(const struct pcsim_uring *ring);

/* ---------------------------------------------------------------------------------------------
 * Completion
 */
/**
 * pcsim_uring_wait_cqe - the next CQE, waiting for one if none is ready (io_cqring_wait: runs
 * task_work, then sleeps interruptibly on the ring). Return: 0 and *@cqe_ptr, or -EINTR if a
 * signal is pending.
 */
PCSIM_API int pcsim_uring_wait_cqe(struct pcsim_uring *ring, struct io_uring_cqe **cqe_ptr);
/** pcsim_uring_wait_cqe_nr - wait until @wait_nr CQEs are ready; *@cqe_ptr is the first. */
PCSIM_API int pcsim_uring_wait_cqe_nr(struct pcsim_uring *ring, struct io_uring_cqe **cqe_ptr,
				      unsigned wait_nr);
/**
 * pcsim_uring_wait_cqes - io_uring_wait_cqes(): wait for @wait_nr CQEs; with @ts, for at most
 * that long (struct __kernel_timespec, relative) as liburing 2.3 does on a kernel with
 * IORING_FEAT_EXT_ARG (5.11+): io_cqring_wait() sleeps with schedule_timeout() and nothing is
 * submitted. The timeout is the engine's: on the sim backend an event the strategy may fire at
 * any step once the task sleeps (in timed mode not before @ts of virtual time), so it is
 * deterministic for a schedule; on threads a real timer. After an expiry the caller steps
 * aside once (cpu_relax), so a loop that waits again cannot starve the rest of the world under
 * an untimed strategy. @sigmask (a sigset_t *) must be NULL (not modelled).
 * Context: the ring's task; sleeps interruptibly (runs task_work first).
 * Return: 0 and *@cqe_ptr the first ready CQE - after a timeout or signal, as liburing, whenever
 * at least one is ready, even fewer than @wait_nr -; -ETIME when the timeout expired with none
 * ready; -EINTR on a signal with none ready; -EINVAL for bad arguments (a @sigmask, a negative
 * @ts or a tv_nsec outside [0, 1e9)). *@cqe_ptr is NULL on an error.
 */
PCSIM_API int pcsim_uring_wait_cqes(struct pcsim_uring *ring, struct io_uring_cqe **cqe_ptr,
				    unsigned wait_nr, struct __kernel_timespec *ts,
				    void *sigmask);
/**
 * pcsim_uring_wait_cqe_timeout - io_uring_wait_cqe_timeout(): pcsim_uring_wait_cqes(@ring,
 * @cqe_ptr, 1, @ts, NULL); @ts NULL waits without a timeout. Return: 0, -ETIME, -EINTR, -EINVAL.
 */
PCSIM_API int pcsim_uring_wait_cqe_timeout(struct pcsim_uring *ring,
					   struct io_uring_cqe **cqe_ptr,
					   struct __kernel_timespec *ts);
/**
 * pcsim_uring_peek_cqe - the next CQE if one is ready: 0, else -EAGAIN. Never sleeps. If none is
 * ready and CQEs wait on the overflow list (IORING_SQ_CQ_OVERFLOW), it enters the kernel once to
 * flush them, as liburing 2.3 does.
 */
PCSIM_API int pcsim_uring_peek_cqe(struct pcsim_uring *ring, struct io_uring_cqe **cqe_ptr);
/**
 * pcsim_uring_peek_batch_cqe - up to @count ready CQEs into @cqes, oldest first; returns how
 * many (0 if none). The CQEs stay in the ring until pcsim_uring_cq_advance(). Flushes the
 * overflow list as pcsim_uring_peek_cqe() does when none is ready. Never sleeps.
 */
PCSIM_API unsigned pcsim_uring_peek_batch_cqe(struct pcsim_uring *ring,
					      struct io_uring_cqe **cqes, unsigned count);
/**
 * pcsim_uring_cq_head - the CQ head (the index of the oldest unseen CQE), for
 * pcsim_uring_for_each_cqe(). Context: the ring's task. Never sleeps.
 */
PCSIM_API unsigned pcsim_uring_cq_head(const struct pcsim_uring *ring);
/**
 * pcsim_uring_cqe_at - the CQE at index @head if the kernel has published it (load-acquire of
 * the CQ tail), else NULL. Context: the ring's task. Never sleeps.
 */
PCSIM_API struct io_uring_cqe *pcsim_uring_cqe_at(struct pcsim_uring *ring, unsigned head);
/**
 * pcsim_uring_for_each_cqe - io_uring_for_each_cqe(): for each ready CQE, oldest first, with
 * @head (unsigned) its index, without consuming any: follow with pcsim_uring_cq_advance(ring, n)
 * for the n seen. CQEs published while the loop runs are visited too (the tail is read each
 * turn), as in liburing.
 */
#define pcsim_uring_for_each_cqe(ring, head, cqe)					\
	for ((head) = pcsim_uring_cq_head(ring);					\
	     ((cqe) = pcsim_uring_cqe_at((ring), (head))) != NULL; (head)++)
/** pcsim_uring_cq_ready - CQEs ready to be reaped. */
PCSIM_API unsigned pcsim_uring_cq_ready(const struct pcsim_uring *ring);
/** pcsim_uring_cq_advance - mark @nr CQEs seen (store-release of the CQ head). */
PCSIM_API void pcsim_uring_cq_advance(struct pcsim_uring *ring, unsigned nr);
/** pcsim_uring_cqe_seen - pcsim_uring_cq_advance(ring, 1). */
PCSIM_API void pcsim_uring_cqe_seen(struct pcsim_uring *ring, struct io_uring_cqe *cqe);
/** pcsim_uring_cqe_get_data - user_data as a pointer. */
PCSIM_API void *pcsim_uring_cqe_get_data(const struct io_uring_cqe *cqe);
/** pcsim_uring_cqe_get_data64 - user_data. */
PCSIM_API uint64_t pcsim_uring_cqe_get_data64(const struct io_uring_cqe *cqe);

/* ---------------------------------------------------------------------------------------------
 * What happened (for tests, benchmarks and teaching)
 */
/**
 * struct pcsim_uring_stats - counters of one ring, read with pcsim_uring_stats().
 * @submitted: SQEs consumed. @completed: CQEs posted (including overflowed ones).
 * @inline_done: reads that completed in the submitting call. @armed: times a read armed a page
 * wait callback (-EIOCBQUEUED). @callbacks: io_async_buf_func() firings that queued a retry.
 * @retries: retries run from task_work. @punted: requests queued to io-wq. @overflowed: CQEs
 * that went to the overflow list. @cancelled: requests completed -ECANCELED.
 */
struct pcsim_uring_stats {
	uint64_t submitted, completed, inline_done, armed, callbacks, retries, punted, overflowed,
		cancelled;
};
/** pcsim_uring_stats - a copy of @ring's counters. Context: any, setup. */
PCSIM_API void pcsim_uring_stats(const struct pcsim_uring *ring, struct pcsim_uring_stats *st);

/* ---------------------------------------------------------------------------------------------
 * Plug points (bring your own variant, as the page cache has them)
 */
struct io_kiocb;
/**
 * struct pcsim_uring_ops - a NULL member keeps pcsim's model of the 5.10 function.
 * @async_buf_func: the page wake function of an armed read (io_async_buf_func): runs in the
 *	unlocker's context with the bucket lock held; see docs/kernel-semantics.md §4.5.
 * @read: io_read(req, force_nonblock): 0 when the request was completed or armed, -EAGAIN to
 *	punt, another -errno to fail it.
 * @task_submit: the retry run from task_work (io_req_task_submit).
 */
struct pcsim_uring_ops {
	pcsim_wait_queue_func_t async_buf_func;
	int (*read)(struct io_kiocb *req, bool force_nonblock);
	void (*task_submit)(struct pcsim_callback_head *cb);
};
/** pcsim_uring_set_ops - use @ops for the rings of this execution (copied). Context: setup. */
PCSIM_API void pcsim_uring_set_ops(struct pcsim_world *w, const struct pcsim_uring_ops *ops);
/** pcsim_uring_default_ops - pcsim's own model of each plug point. */
PCSIM_API const struct pcsim_uring_ops *pcsim_uring_default_ops(void);

/**
 * pcsim_uring_describe - the ring layer's part of the state of @w's execution, for a person:
 * each ring with its SQ/CQ heads and tails, context references and state, and each request
 * not yet freed with where it is (armed, with the callback's name and page; task_work queued,
 * with the function's name; queued to io-wq; issued; completed). The rings shown are those the
 * per-step checks follow (each from its first io_uring_enter(), invariants on: the default).
 * Read-only: never changes the execution. pcsim_pagecache_describe() gives the pages.
 * Context: as pcsim_world_describe() (sim backend; on threads it shows nothing).
 * Return: 0, or -1 on a write error or a NULL argument.
 */
PCSIM_API int pcsim_uring_describe(const struct pcsim_world *w, FILE *f);

#ifdef __cplusplus
}
#endif
#endif /* PCSIM_URING_H */
