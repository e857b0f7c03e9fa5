/* SPDX-License-Identifier: MIT */
/*
 * pcsim/cover.h - exit coverage of the model's wait functions: how often each way out of
 * wait_on_page_bit_common(), __lock_page_async(), generic_file_buffered_read(),
 * io_rw_should_retry(), io_read(), io_cqring_wait(), the wake walk and the wake functions was
 * taken over an exploration, and which ways out were never reached (`pcsim explore
 * --coverage`, docs/scenarios.md "Coverage").
 *
 * Each layer's sites are one row of the table below (layer, function, exit); the model code
 * marks a site with one line, pcsim_cover(ID) at a point, or pcsim_cover_ret(FIRST, value) at
 * a return, which counts the exit of FIRST's function whose value matches. The counters are
 * process-wide, relaxed atomics: counting never changes an execution (no step, no trace event,
 * no choice), so traces and schedules are the same with and without it. Nothing here models a
 * kernel function.
 */
#ifndef PCSIM_COVER_H
#define PCSIM_COVER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <pcsim/export.h>

#ifdef __cplusplus
extern "C" {
#endif

/* How a site's row matches the value pcsim_cover_ret() is given. */
#define PCSIM_COVER_AT 0	/* a point: counted by pcsim_cover() */
#define PCSIM_COVER_EQ 1	/* the value equals the row's */
#define PCSIM_COVER_POS 2	/* the value is > 0 */
#define PCSIM_COVER_OTHER 3	/* no other row of the function matched */

/*
 * The sites: X(ID, layer, function, exit, match, value). The rows of one function are
 * consecutive; pcsim_cover_ret() is given the first of them.
 */
#define PCSIM_COVER_SITES(X)                                                                       \
	/* waitq: kernel/sched/wait.c */                                                           \
	X(WQ_CB_STOP, "waitq", "__wake_up_common", "a callback returned < 0: the walk stops",      \
	  PCSIM_COVER_EQ, -1)                                                                      \
	X(WQ_CB_ZERO, "waitq", "__wake_up_common", "a callback returned 0 (no match, not woken)",  \
	  PCSIM_COVER_EQ, 0)                                                                       \
	X(WQ_CB_WOKE, "waitq", "__wake_up_common", "a callback woke a non-exclusive entry",        \
	  PCSIM_COVER_EQ, 1)                                                                       \
	X(WQ_CB_EXCL, "waitq", "__wake_up_common", "a callback woke an exclusive entry (counted)", \
	  PCSIM_COVER_EQ, 2)                                                                       \
	X(WQ_BOOKMARK, "waitq", "__wake_up_common", "paused at a bookmark (walk_break)",           \
	  PCSIM_COVER_AT, 0)                                                                       \
	X(WQ_WALK_END, "waitq", "__wake_up_common", "the walk ended (stopped, done, at the end)", \
	  PCSIM_COVER_AT, 0)                                                                       \
	X(PTWE_SIGNAL, "waitq", "prepare_to_wait_event", "-ERESTARTSYS: a signal, unlinked",       \
	  PCSIM_COVER_AT, 0)                                                                       \
	X(PTWE_QUEUED, "waitq", "prepare_to_wait_event", "0: queued, state set", PCSIM_COVER_AT,  \
	  0) \
	/* pagecache: mm/filemap.c */                                                              \
	X(WPF_SHARED, "pagecache", "wake_page_function", "woke a SHARED/DROP waiter (returns 0)",  \
	  PCSIM_COVER_EQ, 0)                                                                       \
	X(WPF_EXCL, "pagecache", "wake_page_function",                                             \
	  "woke an exclusive waiter to race for the bit (1)", PCSIM_COVER_EQ, 1)                   \
	X(WPF_HANDOFF, "pagecache", "wake_page_function", "handed the lock over: DONE (1)",        \
	  PCSIM_COVER_EQ, 2)                                                                       \
	X(WPF58_WOKEN, "pagecache", "wake_page_function (5.8)", "autoremove wakeup",               \
	  PCSIM_COVER_AT, 0)                                                                       \
	X(WOPBC_LOCKED, "pagecache", "wait_on_page_bit_common", "0: the lock is ours (EXCLUSIVE)", \
	  PCSIM_COVER_EQ, 0)                                                                       \
	X(WOPBC_LOCK_EINTR, "pagecache", "wait_on_page_bit_common",                                \
	  "-EINTR: a signal before any wakeup (EXCLUSIVE)", PCSIM_COVER_EQ, 1)                     \
	X(WOPBC_LOCK_DROPPED, "pagecache", "wait_on_page_bit_common",                              \
	  "-EINTR after a counted wakeup (EXCLUSIVE: P6's window)", PCSIM_COVER_EQ, 2)             \
	X(WOPBC_WOKEN, "pagecache", "wait_on_page_bit_common", "0: woken (SHARED/DROP)",           \
	  PCSIM_COVER_EQ, 3)                                                                       \
	X(WOPBC_EINTR, "pagecache", "wait_on_page_bit_common", "-EINTR: a signal (SHARED/DROP)",   \
	  PCSIM_COVER_EQ, 4)                                                                       \
	X(WOPBC_REQUEUE, "pagecache", "wait_on_page_bit_common",                                   \
	  "woken, lost the race for the bit: queued again", PCSIM_COVER_AT, 0)                     \
	X(WOPBC58_OK, "pagecache", "wait_on_page_bit_common (5.8)", "0", PCSIM_COVER_EQ, 0)        \
	X(WOPBC58_EINTR, "pagecache", "wait_on_page_bit_common (5.8)", "-EINTR",                   \
	  PCSIM_COVER_OTHER, 0)                                                                    \
	X(LPA_TRYLOCK, "pagecache", "lock_page_async", "0: trylock_page() at once",                \
	  PCSIM_COVER_AT, 0)                                                                       \
	X(LPA_LOCKED, "pagecache", "__lock_page_async", "0: locked after publishing, not armed",   \
	  PCSIM_COVER_EQ, 0)                                                                       \
	X(LPA_QUEUED, "pagecache", "__lock_page_async", "-EIOCBQUEUED: callback armed",            \
	  PCSIM_COVER_OTHER, 0)                                                                    \
	X(WPLA_UNLOCKED, "pagecache", "__wait_on_page_locked_async", "0: unlocked, not armed",     \
	  PCSIM_COVER_EQ, 0)                                                                       \
	X(WPLA_QUEUED, "pagecache", "__wait_on_page_locked_async", "-EIOCBQUEUED: callback armed", \
	  PCSIM_COVER_OTHER, 0)                                                                    \
	X(GFBR_BYTES, "pagecache", "generic_file_buffered_read", "> 0: bytes copied",              \
	  PCSIM_COVER_POS, 0)                                                                      \
	X(GFBR_ZERO, "pagecache", "generic_file_buffered_read", "0: at EOF, or nothing asked",     \
	  PCSIM_COVER_EQ, 0)                                                                       \
	X(GFBR_EAGAIN, "pagecache", "generic_file_buffered_read", "-EAGAIN: would block",          \
	  PCSIM_COVER_EQ, -EAGAIN)                                                                 \
	X(GFBR_QUEUED, "pagecache", "generic_file_buffered_read", "-EIOCBQUEUED: armed",           \
	  PCSIM_COVER_EQ, -PCSIM_EIOCBQUEUED)                                                      \
	X(GFBR_EINTR, "pagecache", "generic_file_buffered_read", "-EINTR: a fatal signal",         \
	  PCSIM_COVER_EQ, -EINTR)                                                                  \
	X(GFBR_EIO, "pagecache", "generic_file_buffered_read", "-EIO: the read failed",            \
	  PCSIM_COVER_EQ, -EIO)                                                                    \
	X(GFBR_OTHER, "pagecache", "generic_file_buffered_read", "another error",                  \
	  PCSIM_COVER_OTHER, 0)                                                                    \
	/* uring: fs/io_uring.c */                                                                 \
	X(RETRY_TRUE, "uring", "io_rw_should_retry", "true: IOCB_WAITQ set, the read may arm",     \
	  PCSIM_COVER_AT, 0)                                                                       \
	X(RETRY_FALSE, "uring", "io_rw_should_retry", "false: -EAGAIN, to io-wq",                  \
	  PCSIM_COVER_AT, 0)                                                                       \
	X(ABF_QUEUED, "uring", "io_async_buf_func", "1: the retry (or its cancel) queued",         \
	  PCSIM_COVER_AT, 0)                                                                       \
	X(ABF_FALLBACK, "uring", "io_async_buf_func", "1: task exiting, cancel through fallback",  \
	  PCSIM_COVER_AT, 0)                                                                       \
	X(READ_ARMED_FIRST, "uring", "io_read", "armed at the first attempt (stale IOCB_WAITQ)",   \
	  PCSIM_COVER_AT, 0)                                                                       \
	X(READ_ARMED, "uring", "io_read", "armed in the retry loop: waits for the unlock",         \
	  PCSIM_COVER_AT, 0)                                                                       \
	X(READ_DONE_BYTES, "uring", "io_read", "completes with bytes", PCSIM_COVER_POS, 0)         \
	X(READ_DONE_ZERO, "uring", "io_read", "completes with 0", PCSIM_COVER_EQ, 0)               \
	X(READ_DONE_EAGAIN, "uring", "io_read", "completes with -EAGAIN", PCSIM_COVER_EQ, -EAGAIN) \
	X(READ_DONE_ERR, "uring", "io_read", "completes with another error", PCSIM_COVER_OTHER, 0) \
	X(TW_RETRY, "uring", "io_req_task_submit", "the retry runs from task_work",                \
	  PCSIM_COVER_AT, 0)                                                                       \
	X(CQWAIT_TW, "uring", "io_cqring_wait", "task_work ran in the wait: wait again",           \
	  PCSIM_COVER_AT, 0)                                                                       \
	X(CQWAIT_OK, "uring", "io_cqring_wait", "0: enough CQEs", PCSIM_COVER_EQ, 0)               \
	X(CQWAIT_EINTR, "uring", "io_cqring_wait", "-EINTR: a signal", PCSIM_COVER_EQ, -EINTR)     \
	X(CQWAIT_ETIME, "uring", "io_cqring_wait", "-ETIME: timed out", PCSIM_COVER_EQ, -ETIME)    \
	X(CQWAIT_OTHER, "uring", "io_cqring_wait", "another error", PCSIM_COVER_OTHER, 0)

#define PCSIM__COVER_ENUM(id, layer, fn, exit, match, value) PCSIM_COV_##id,
enum pcsim_cover_id { PCSIM_COVER_SITES(PCSIM__COVER_ENUM) PCSIM_NR_COVER_SITES };
#undef PCSIM__COVER_ENUM

/** struct pcsim_cover_site - one row of the table. */
struct pcsim_cover_site {
	const char *layer, *function, *exit;
	int match;		/* PCSIM_COVER_* */
	long value;
};

/**
 * pcsim_cover_enable - start (@on) or stop counting. Counting is off by default, so the marks
 * in the wake walk and the read path cost one relaxed load when nobody asked for coverage
 * (`pcsim explore --coverage` turns it on). Context: no execution running.
 */
PCSIM_API void pcsim_cover_enable(bool on);

/** pcsim_cover_enabled - whether counting is on (pcsim_cover_enable()). Context: any. */
PCSIM_API bool pcsim_cover_enabled(void);

/**
 * pcsim_cover - count one passage through site @id while counting is on
 * (pcsim_cover_enable()). Context: any (model code, any context of either backend); never
 * blocks, never changes the execution.
 */
PCSIM_API void pcsim_cover(enum pcsim_cover_id id);

/**
 * pcsim_cover_ret - count the exit of @first's function (@first and the rows after it with the
 * same function) that @value matches: an EQ row with that value, else a POS row if @value > 0,
 * else the OTHER row. Returns @value. Context: as pcsim_cover().
 */
PCSIM_API long pcsim_cover_ret(enum pcsim_cover_id first, long value);

/**
 * pcsim_cover_sites - the table: @n (if given) gets PCSIM_NR_COVER_SITES. Context: any.
 */
PCSIM_API const struct pcsim_cover_site *pcsim_cover_sites(unsigned *n);

/**
 * pcsim_cover_count - how often @id was passed since the last pcsim_cover_reset() (or the
 * process start). Context: any; exact once the executions that count have ended.
 */
PCSIM_API uint64_t pcsim_cover_count(enum pcsim_cover_id id);

/** pcsim_cover_reset - every counter to 0. Context: no execution running. */
PCSIM_API void pcsim_cover_reset(void);

/**
 * pcsim_cover_print - the table with its counts to @f, function by function, then the exits
 * never reached ("never reached: N of M exits", one per line); pcsim_cover_print_json - the
 * same as one JSON object {"coverage":{"sites":[{"layer","function","exit","count"}...],
 * "reached":N,"total":M}} on one line. Return: the number of exits never reached.
 */
PCSIM_API unsigned pcsim_cover_print(FILE *f);
PCSIM_API unsigned pcsim_cover_print_json(FILE *f);

/*
 * Helpers for one-line call sites, expanded where the WQ_FLAG_* names of
 * <pcsim/kernel/wait.h> are in scope: the value that picks the row of a wake callback's
 * return in the walk (WQ_CB rows), of wake_page_function()'s wakeup (WPF rows) and of
 * wait_on_page_bit_common()'s exit (WOPBC rows) from the flags of the entry.
 */
#define pcsim_cover_cb(ret, fl) \
	((ret) < 0 ? -1L : !(ret) ? 0L : ((fl) & WQ_FLAG_EXCLUSIVE) ? 2L : 1L)
#define pcsim_cover_wpf(fl) (((fl) & WQ_FLAG_DONE) ? 2L : ((fl) & WQ_FLAG_EXCLUSIVE) ? 1L : 0L)
#define pcsim_cover_wopbc(exclusive, fl)                                                  \
	((exclusive) ? (((fl) & WQ_FLAG_DONE) ? 0L : ((fl) & WQ_FLAG_WOKEN) ? 2L : 1L) \
		     : (((fl) & WQ_FLAG_WOKEN) ? 3L : 4L))

#ifdef __cplusplus
}
#endif
#endif /* PCSIM_COVER_H */
