// SPDX-License-Identifier: MIT
/*
 * programs.c - built-in programs, written in the kernel-flavoured API.
 *
 * micro-lost-wakeup: the engine issue's micro-model. The waiter tests its condition before
 *   setting its state, so a wake_up_process() in between finds it TASK_RUNNING and is lost.
 * micro-fixed: the kernel pattern: set_current_state(), re-check, schedule(), in a loop.
 * sb / sb-mb: store buffering (tools/memory-model SB+fencembonceonces): run with --mem tso.
 * abba: two spinlocks taken in opposite orders.
 */
#include <pcsim_support/programs.h>

#include <errno.h>
#include <string.h>

#include <pcsim/kernel/barrier.h>
#include <pcsim/kernel/compiler.h>
#include <pcsim/kernel/sched.h>
#include <pcsim/kernel/spinlock.h>
#include <pcsim/file_bytes.h>
#include <pcsim/uring.h>

/* ---- micro-model ---------------------------------------------------------------------------- */
struct micro {
	pcsim_int flag;
	struct task_struct *waiter;
};

static void micro_waiter(void *arg)
{
	struct micro *m = arg;
	if (!READ_ONCE(m->flag)) {
		set_current_state(TASK_UNINTERRUPTIBLE);
		schedule();
	}
}

static void micro_waiter_fixed(void *arg)
{
	struct micro *m = arg;
	for (;;) {
		set_current_state(TASK_UNINTERRUPTIBLE);
		if (READ_ONCE(m->flag))
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);
}

static void micro_waker(void *arg)
{
	struct micro *m = arg;
	WRITE_ONCE(m->flag, 1);
	wake_up_process(m->waiter);
}

static void micro_setup(struct pcsim_world *w, void *arg)
{
	pcsim_state_in_world(w);
	struct micro *m = pcsim_alloc(w, sizeof(*m));
	pcsim_obj_name(&m->flag, "flag");
	m->waiter = pcsim_task_create(w, "waiter", arg ? micro_waiter_fixed : micro_waiter, m, 0);
	pcsim_task_create(w, "waker", micro_waker, m, 1);
}

/* ---- store buffering ------------------------------------------------------------------------- */
struct sb {
	pcsim_int x, y;
	int r0, r1;
	bool mb;
};

/* the execution's struct sb, for sb_finish(): per-execution state lives in the world */
static const char sb_key;

static struct sb **sb_cur(struct pcsim_world *w)
{
	return pcsim_world_layer(w, &sb_key, sizeof(struct sb *), NULL);
}

static void sb_p0(void *arg)
{
	struct sb *s = arg;
	WRITE_ONCE(s->x, 1);
	if (s->mb)
		smp_mb();
	s->r0 = READ_ONCE(s->y);
}

static void sb_p1(void *arg)
{
	struct sb *s = arg;
	WRITE_ONCE(s->y, 1);
	if (s->mb)
		smp_mb();
	s->r1 = READ_ONCE(s->x);
}

static void sb_setup(struct pcsim_world *w, void *arg)
{
	pcsim_state_in_world(w);
	struct sb *s = pcsim_alloc(w, sizeof(*s));
	s->mb = arg != NULL;
	pcsim_obj_name(&s->x, "x");
	pcsim_obj_name(&s->y, "y");
	pcsim_task_create(w, "P0", sb_p0, s, 0);
	pcsim_task_create(w, "P1", sb_p1, s, 1);
	*sb_cur(w) = s;
}

static void sb_finish(struct pcsim_world *w, void *arg)
{
	(void)arg;
	const struct sb *s = *sb_cur(w);
	if (s->r0 == 0 && s->r1 == 0)
		pcsim_fail("sb-both-zero", "store buffering: P0 read y == 0 and P1 read x == 0");
}

/* ---- ABBA ------------------------------------------------------------------------------------ */
struct abba {
	spinlock_t a, b;
};

static void abba_ab(void *arg)
{
	struct abba *l = arg;
	spin_lock(&l->a);
	spin_lock(&l->b);
	spin_unlock(&l->b);
	spin_unlock(&l->a);
}

static void abba_ba(void *arg)
{
	struct abba *l = arg;
	spin_lock(&l->b);
	spin_lock(&l->a);
	spin_unlock(&l->a);
	spin_unlock(&l->b);
}

static void abba_setup(struct pcsim_world *w, void *arg)
{
	pcsim_state_in_world(w);
	(void)arg;
	struct abba *l = pcsim_alloc(w, sizeof(*l));
	pcsim_spin_lock_init(&l->a, "lock_a");
	pcsim_spin_lock_init(&l->b, "lock_b");
	pcsim_task_create(w, "ab", abba_ab, l, 0);
	pcsim_task_create(w, "ba", abba_ba, l, 1);
}

static void general_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	pcsim_pagecache_general_program()->setup(w, NULL);
}

static void general_finish(struct pcsim_world *w, void *arg)
{
	(void)arg;
	pcsim_pagecache_general_program()->finish(w, NULL);
}

/*
 * uring-rasync / uring-offload / uring-sync: a task reads three 4 KiB blocks through a ring -
 * page 0, which is being read when the scenario starts, page 1, not cached, and page 0 again -
 * while a locker takes and drops page 0 and an evictor reclaims page 1 (one wait bucket). Every
 * CQE must carry the full count and every byte must be the file's; the ring's exit checks its
 * requests and references.
 */
/* What every ring program starts from: a file whose page 0 is being read (locked, I/O in
 * flight), open for the ring. */
struct ring_file {
	struct pcsim_bdev bdev;
	struct pcsim_address_space *m;
	struct pcsim_page *page0;
	int fd;
};

static void ring_file_init(struct pcsim_world *w, struct ring_file *f, uint32_t id, uint64_t size)
{
	pcsim_bdev_init(&f->bdev, 2, false);
	f->m = pcsim_mapping_create(w, id, size, &f->bdev, 0);
	f->page0 = pcsim_mapping_populate(f->m, 0, false, true);
	pcsim_readpage(f->m, f->page0);
	f->fd = pcsim_uring_open(w, f->m, 0);
}

struct uring_prog {
	struct ring_file f;
	enum pcsim_uring_mode mode;
	unsigned char buf[3][4096];
};

static void uring_submitter(void *arg)
{
	struct uring_prog *u = arg;
	static const uint64_t off[3] = { 0, 4096, 0 };
	struct pcsim_uring ring;
	struct pcsim_uring_params p = { .mode = u->mode };
	if (pcsim_uring_queue_init_params(8, &ring, &p)) {
		pcsim_fail("uring", "queue_init failed");
		return;
	}
	for (unsigned i = 0; i < 3; i++) {
		struct io_uring_sqe *sqe = pcsim_uring_get_sqe(&ring);
		if (!sqe) {
			pcsim_fail("uring", "no SQE");
			return;
		}
		pcsim_uring_prep_read(sqe, u->f.fd, u->buf[i], 4096, off[i]);
		pcsim_uring_sqe_set_data64(sqe, i);
	}
	pcsim_uring_submit(&ring);
	for (unsigned n = 0; n < 3; n++) {
		struct io_uring_cqe *cqe;
		if (pcsim_uring_wait_cqe(&ring, &cqe)) {
			pcsim_fail("uring", "wait_cqe interrupted");
			return;
		}
		uint64_t i = cqe->user_data;
		PCSIM_CHECK(i < 3 && cqe->res == 4096, "uring-cqe",
			    "request %llu completed with %d, expected 4096", (unsigned long long)i,
			    cqe->res);
		if (i < 3) {
			size_t k = pcsim_file_bytes_mismatch(u->f.m->id, off[i], u->buf[i], 4096);
			PCSIM_CHECK(k == 4096, "read-data", "request %llu: byte %zu read wrong",
				    (unsigned long long)i, k);
		}
		pcsim_uring_cqe_seen(&ring, cqe);
	}
	pcsim_uring_queue_exit(&ring);
}

static void uring_locker(void *arg)
{
	struct uring_prog *u = arg;
	struct pcsim_page *page = pcsim_find_get_page(u->f.m, 0);
	if (!page)
		return;
	if (pcsim_trylock_page(page))
		pcsim_unlock_page(page);
	pcsim_put_page(page);
}

static void uring_evictor(void *arg)
{
	struct uring_prog *u = arg;
	(void)pcsim_evict_page(u->f.m, 1);
}

static void uring_setup(struct pcsim_world *w, void *arg)
{
	pcsim_state_in_world(w);
	struct uring_prog *u = pcsim_alloc(w, sizeof(*u));
	u->mode = (enum pcsim_uring_mode)(uintptr_t)arg;
	ring_file_init(w, &u->f, 5, 2 * 4096);
	u->f.m->fadv_random = true;
	pcsim_task_create(w, "submitter", uring_submitter, u, 0);
	pcsim_task_create(w, "locker", uring_locker, u, 1);
	pcsim_task_create(w, "evict", uring_evictor, u, 1);
}

/*
 * uring-eventfd: a task submits a read of a page under I/O (it arms), then waits for its
 * completion in read(2) of the eventfd registered with the ring, restarting the read after
 * each interruption as a syscall would (pcsim_return_to_user() runs the task_work). B-16
 * re-injected queues the retry with TWA_RESUME: the sleeping reader is woken but sees nothing
 * to read and sleeps again; the retry never runs.
 */
struct uring_efd {
	struct ring_file f;
	int efd;
	unsigned char buf[4096];
};

static void uring_efd_task(void *arg)
{
	struct uring_efd *u = arg;
	struct pcsim_uring ring;
	struct io_uring_cqe *cqe;
	uint64_t v = 0;
	if (pcsim_uring_queue_init(4, &ring, 0) || pcsim_uring_register_eventfd(&ring, u->efd)) {
		pcsim_fail("uring", "ring or eventfd set-up failed");
		return;
	}
	struct io_uring_sqe *sqe = pcsim_uring_get_sqe(&ring);
	if (!sqe)
		return;
	pcsim_uring_prep_read(sqe, u->f.fd, u->buf, 4096, 0);
	pcsim_uring_submit(&ring);
	while (pcsim_uring_eventfd_read(u->efd, &v) == -EINTR)
		pcsim_return_to_user();
	PCSIM_CHECK(v >= 1, "uring-eventfd", "eventfd read %llu", (unsigned long long)v);
	PCSIM_CHECK(pcsim_uring_peek_cqe(&ring, &cqe) == 0 && cqe->res == 4096, "uring-cqe",
		    "the eventfd said a CQE was posted, but there is none with the full count");
	if (cqe)
		pcsim_uring_cqe_seen(&ring, cqe);
	size_t k = pcsim_file_bytes_mismatch(u->f.m->id, 0, u->buf, 4096);
	PCSIM_CHECK(k == 4096, "read-data", "byte %zu", k);
	pcsim_uring_queue_exit(&ring);
}

static void uring_efd_setup(struct pcsim_world *w, void *arg)
{
	pcsim_state_in_world(w);
	(void)arg;
	struct uring_efd *u = pcsim_alloc(w, sizeof(*u));
	ring_file_init(w, &u->f, 6, 4096);
	u->efd = pcsim_uring_eventfd(w, 0);
	pcsim_task_create(w, "submitter", uring_efd_task, u, 0);
}

/*
 * uring-p6: the P6 race (docs/pagecache.md, "P6 and fatal signals") reaching the ring. Page 0 is
 * under I/O; a task waits for its lock with lock_page_killable() and is sent SIGKILL; a ring
 * read of page 0 arms its callback on the same page. When the I/O's unlock wakes the killable
 * waiter (exclusive: the walk stops there) in the window where the waiter is already leaving
 * on the signal, 5.9+ drops that wakeup: the page is unlocked, nothing will unlock it again,
 * the armed read behind the waiter never gets its callback, and the submitter waits for a CQE
 * that never comes. Reported as a deadlock naming io_cqring_wait; with --checks strict-p6 as
 * P6 where the wakeup is dropped.
 */
struct uring_p6 {
	struct ring_file f;
	unsigned char buf[4096];
};

static void uring_p6_victim(void *arg)
{
	struct uring_p6 *u = arg;
	if (pcsim_lock_page_killable(u->f.page0) == 0)
		pcsim_unlock_page(u->f.page0);
	pcsim_return_to_user();
}

static void uring_p6_reader(void *arg)
{
	struct uring_p6 *u = arg;
	struct pcsim_uring ring;
	struct io_uring_cqe *cqe;
	if (pcsim_uring_queue_init(4, &ring, 0)) {
		pcsim_fail("uring", "queue_init failed");
		return;
	}
	struct io_uring_sqe *sqe = pcsim_uring_get_sqe(&ring);
	if (!sqe)
		return;
	pcsim_uring_prep_read(sqe, u->f.fd, u->buf, 4096, 0);
	pcsim_uring_submit(&ring);
	if (pcsim_uring_wait_cqe(&ring, &cqe) == 0) {
		PCSIM_CHECK(cqe->res == 4096, "uring-cqe", "the read completed with %d", cqe->res);
		pcsim_uring_cqe_seen(&ring, cqe);
	}
	pcsim_uring_queue_exit(&ring);
}

static void uring_p6_setup(struct pcsim_world *w, void *arg)
{
	pcsim_state_in_world(w);
	(void)arg;
	struct uring_p6 *u = pcsim_alloc(w, sizeof(*u));
	ring_file_init(w, &u->f, 8, 4096);
	struct pcsim_task *victim = pcsim_task_create(w, "killable", uring_p6_victim, u, 1);
	pcsim_task_create(w, "ring-reader", uring_p6_reader, u, 0);
	pcsim_post_signal(w, victim, PCSIM_SIGKILL);
}

/* ---- the ring's zoo scenarios ---------------------------------------------------------------- */
/*
 * What a ring program expects of its SQEs: each user_data gets one CQE with the result given
 * here, and every byte a read reports is the file's.
 */
#define LEDGER_MAX 8
struct ring_ledger {
	unsigned n;
	uint32_t file;				/* the file id of the reads */
	long expect[LEDGER_MAX];
	long alt[LEDGER_MAX];			/* != 0: another result that is right too */
	uint64_t off[LEDGER_MAX];
	unsigned char *buf[LEDGER_MAX];		/* NULL: not a read */
	bool seen[LEDGER_MAX];
};

/* One SQE (user_data = its index in the ledger): a read of @len at @off into @buf, or a NOP. */
static bool ledger_sqe(struct pcsim_uring *ring, struct ring_ledger *lg, int fd,
		       unsigned char *buf, unsigned len, uint64_t off, unsigned flags, long expect)
{
	struct io_uring_sqe *sqe = pcsim_uring_get_sqe(ring);
	if (!sqe || lg->n == LEDGER_MAX) {
		pcsim_fail("uring", "no SQE");
		return false;
	}
	if (buf)
		pcsim_uring_prep_read(sqe, fd, buf, len, off);
	else
		pcsim_uring_prep_nop(sqe);
	pcsim_uring_sqe_set_flags(sqe, flags);
	pcsim_uring_sqe_set_data64(sqe, lg->n);
	lg->expect[lg->n] = expect;
	lg->off[lg->n] = off;
	lg->buf[lg->n] = buf;
	lg->n++;
	return true;
}

/* The CQE @cqe against the ledger: known, first, the result expected, the file's bytes. */
static void ledger_check(struct ring_ledger *lg, const struct io_uring_cqe *cqe)
{
	uint64_t i = cqe->user_data;
	PCSIM_CHECK(i < lg->n && !lg->seen[i], "uring-cqe", "a CQE for user_data %llu, unknown or "
		    "seen twice", (unsigned long long)i);
	if (i >= lg->n)
		return;
	lg->seen[i] = true;
	bool right = cqe->res == lg->expect[i] || (lg->alt[i] && cqe->res == lg->alt[i]);
	/*
	 * Kernel 5.8 has neither async buffered reads nor the internal short-read retry (both
	 * 5.9-rc1): a read completes with what its attempt copied, a short read breaks the link
	 * behind it, and io-wq work still queued when the ring closes is cancelled. So there a
	 * short read and -ECANCELED are right answers too; the bytes are checked all the same.
	 */
	if (pcsim_world_config(pcsim_world_current())->kernel == PCSIM_KERNEL_5_8)
		right = right || cqe->res == -ECANCELED ||
			(lg->buf[i] && cqe->res > 0 && cqe->res < lg->expect[i]);
	PCSIM_CHECK(right, "uring-cqe",
		    "user_data %llu completed with %d, expected %ld", (unsigned long long)i,
		    cqe->res, lg->expect[i]);
	if (lg->buf[i] && cqe->res > 0) {
		size_t k = pcsim_file_bytes_mismatch(lg->file, lg->off[i], lg->buf[i],
						     (size_t)cqe->res);
		PCSIM_CHECK(k == (size_t)cqe->res, "read-data", "user_data %llu: byte %zu read wrong",
			    (unsigned long long)i, k);
	}
}

/* Wait for and check @nr CQEs. */
static bool ledger_reap(struct pcsim_uring *ring, struct ring_ledger *lg, unsigned nr)
{
	for (unsigned k = 0; k < nr; k++) {
		struct io_uring_cqe *cqe;
		if (pcsim_uring_wait_cqe(ring, &cqe)) {
			pcsim_fail("uring", "wait_cqe interrupted");
			return false;
		}
		ledger_check(lg, cqe);
		pcsim_uring_cqe_seen(ring, cqe);
	}
	return true;
}

/* Quiescence: every SQE of the ledger got its CQE. */
static void ledger_done(const struct ring_ledger *lg)
{
	for (unsigned i = 0; i < lg->n; i++)
		PCSIM_CHECK(lg->seen[i], "uring-cqe", "user_data %u got no CQE", i);
}

/*
 * uring-b13: one ring read of page 0 while its read is in flight. When the I/O completes
 * between the read's NOWAIT attempt and its armed attempt, the armed attempt copies the page
 * and returns 4096 without arming; 5.10.13 leaves IOCB_WAITQ set then (B-13), and the next
 * read of the request would arm where it must block (U5).
 */
struct uring_small {
	struct ring_file f;
	struct ring_ledger lg;
	unsigned char buf[2][8192];
};

static void uring_b13_task(void *arg)
{
	struct uring_small *u = arg;
	struct pcsim_uring ring;
	if (pcsim_uring_queue_init(4, &ring, 0)) {
		pcsim_fail("uring", "queue_init failed");
		return;
	}
	if (!ledger_sqe(&ring, &u->lg, u->f.fd, u->buf[0], 4096, 0, 0, 4096))
		return;
	pcsim_uring_submit(&ring);
	if (ledger_reap(&ring, &u->lg, 1))
		ledger_done(&u->lg);
	pcsim_uring_queue_exit(&ring);
}

static struct uring_small *uring_small_init(struct pcsim_world *w, uint32_t id, uint64_t size)
{
	struct uring_small *u = pcsim_alloc(w, sizeof(*u));
	ring_file_init(w, &u->f, id, size);
	u->f.m->fadv_random = true;
	u->lg.file = id;
	return u;
}

static void uring_b13_setup(struct pcsim_world *w, void *arg)
{
	pcsim_state_in_world(w);
	(void)arg;
	struct uring_small *u = uring_small_init(w, 13, 4096);
	pcsim_task_create(w, "submitter", uring_b13_task, u, 0);
}

/*
 * uring-b14: a ring read of page 0, in flight, arms; its submitter closes the ring at once
 * (io_uring_queue_exit() with the read armed). The page's unlock queues the retry, which runs
 * while the ring is being released: the request completes inside the retry, and only the ctx
 * reference the callback took for the task_work keeps the context alive for the rest of
 * io_req_task_submit(). B-14 (5.7-5.8) took none: the context is freed under it.
 */
static void uring_b14_task(void *arg)
{
	struct uring_small *u = arg;
	struct pcsim_uring ring;
	struct io_uring_cqe *cqe;
	if (pcsim_uring_queue_init(4, &ring, 0)) {
		pcsim_fail("uring", "queue_init failed");
		return;
	}
	if (!ledger_sqe(&ring, &u->lg, u->f.fd, u->buf[0], 4096, 0, 0, 4096))
		return;
	pcsim_uring_submit(&ring);
	pcsim_uring_queue_exit(&ring);
	/* the ring's memory stays readable here (the model's arena): its one CQE is there */
	PCSIM_CHECK(pcsim_uring_peek_cqe(&ring, &cqe) == 0, "uring-cqe",
		    "the read got no CQE from the ring's release");
	if (cqe)
		ledger_check(&u->lg, cqe);
	ledger_done(&u->lg);
}

static void uring_b14_setup(struct pcsim_world *w, void *arg)
{
	pcsim_state_in_world(w);
	(void)arg;
	struct uring_small *u = uring_small_init(w, 14, 4096);
	pcsim_task_create(w, "submitter", uring_b14_task, u, 0);
}

/*
 * uring-b15: SQE 0 reads 8 KiB linked to SQE 1, a NOP; page 0 is cached, page 1 is being read.
 * The NOWAIT attempt copies page 0 and stops short; the retry arms on page 1, and its callback's
 * task_work reads the rest: the CQE says 8192, the whole count. 5.10.13 compares that total with
 * the remaining count its re-entered io_read() set as the expected result, and cancels the NOP
 * (B-15 in its 5.10 form).
 */
static void uring_b15_task(void *arg)
{
	struct uring_small *u = arg;
	struct pcsim_uring ring;
	if (pcsim_uring_queue_init(4, &ring, 0)) {
		pcsim_fail("uring", "queue_init failed");
		return;
	}
	if (!ledger_sqe(&ring, &u->lg, u->f.fd, u->buf[0], 8192, 0, IOSQE_IO_LINK, 8192) ||
	    !ledger_sqe(&ring, &u->lg, u->f.fd, NULL, 0, 0, 0, 0))
		return;
	pcsim_uring_submit(&ring);
	if (ledger_reap(&ring, &u->lg, 2))
		ledger_done(&u->lg);
	pcsim_uring_queue_exit(&ring);
}

static void uring_b15_setup(struct pcsim_world *w, void *arg)
{
	pcsim_state_in_world(w);
	(void)arg;
	struct uring_small *u = pcsim_alloc(w, sizeof(*u));
	pcsim_bdev_init(&u->f.bdev, 2, false);
	u->f.m = pcsim_mapping_create(w, 15, 2 * 4096, &u->f.bdev, 0);
	u->f.m->fadv_random = true;
	pcsim_mapping_populate(u->f.m, 0, true, false);
	pcsim_readpage(u->f.m, pcsim_mapping_populate(u->f.m, 1, false, true));
	u->f.fd = pcsim_uring_open(w, u->f.m, 0);
	u->lg.file = 15;
	pcsim_task_create(w, "submitter", uring_b15_task, u, 0);
}

/*
 * uring-general: two rings over a file of four pages (page 0 being read, page 1 cached, pages 2
 * and 3 not), a locker of page 0 and an evictor of pages 1 and 3 (one wait bucket). Ring A
 * reads pages 1-2 linked to a NOP, page 0 and page 3, and reaps; ring B reads page 0 and closes
 * its ring at once. Every CQE must carry its full count and the file's bytes; the NOP must
 * complete 0. B-13, B-14 and B-15 each break it.
 */
struct uring_general {
	struct ring_file f;
	struct ring_ledger lg[2];
	unsigned char buf[4][8192];
};

static void uring_general_a(void *arg)
{
	struct uring_general *u = arg;
	struct ring_ledger *lg = &u->lg[0];
	struct pcsim_uring ring;
	if (pcsim_uring_queue_init(8, &ring, 0)) {
		pcsim_fail("uring", "queue_init failed");
		return;
	}
	if (!ledger_sqe(&ring, lg, u->f.fd, u->buf[0], 8192, 4096, IOSQE_IO_LINK, 8192) ||
	    !ledger_sqe(&ring, lg, u->f.fd, NULL, 0, 0, 0, 0) ||
	    !ledger_sqe(&ring, lg, u->f.fd, u->buf[1], 4096, 0, 0, 4096) ||
	    !ledger_sqe(&ring, lg, u->f.fd, u->buf[2], 4096, 3 * 4096, 0, 4096))
		return;
	pcsim_uring_submit(&ring);
	if (ledger_reap(&ring, lg, 4))
		ledger_done(lg);
	pcsim_uring_queue_exit(&ring);
}

static void uring_general_b(void *arg)
{
	struct uring_general *u = arg;
	struct ring_ledger *lg = &u->lg[1];
	struct pcsim_uring ring;
	struct io_uring_cqe *cqe;
	if (pcsim_uring_queue_init(4, &ring, 0)) {
		pcsim_fail("uring", "queue_init failed");
		return;
	}
	if (!ledger_sqe(&ring, lg, u->f.fd, u->buf[3], 4096, 0, 0, 4096))
		return;
	pcsim_uring_submit(&ring);
	pcsim_uring_queue_exit(&ring);
	PCSIM_CHECK(pcsim_uring_peek_cqe(&ring, &cqe) == 0, "uring-cqe",
		    "ring B's read got no CQE from the ring's release");
	if (cqe)
		ledger_check(lg, cqe);
	ledger_done(lg);
}

static void uring_general_locker(void *arg)
{
	struct uring_general *u = arg;
	struct pcsim_page *page = pcsim_find_get_page(u->f.m, 0);
	if (!page)
		return;
	if (pcsim_trylock_page(page))
		pcsim_unlock_page(page);
	pcsim_put_page(page);
}

static void uring_general_evictor(void *arg)
{
	struct uring_general *u = arg;
	(void)pcsim_evict_page(u->f.m, 1);
	(void)pcsim_evict_page(u->f.m, 3);
}

static void uring_general_setup(struct pcsim_world *w, void *arg)
{
	pcsim_state_in_world(w);
	(void)arg;
	struct uring_general *u = pcsim_alloc(w, sizeof(*u));
	ring_file_init(w, &u->f, 16, 4 * 4096);
	u->f.m->fadv_random = true;
	pcsim_mapping_populate(u->f.m, 1, true, false);
	u->lg[0].file = u->lg[1].file = 16;
	pcsim_task_create(w, "ring-a", uring_general_a, u, 0);
	pcsim_task_create(w, "ring-b", uring_general_b, u, 1);
	pcsim_task_create(w, "locker", uring_general_locker, u, 1);
	pcsim_task_create(w, "evict", uring_general_evictor, u, 0);
}

/*
 * uring-b18: short reads by file type. SQE 0 reads 8 KiB of a block device whose page 0 is
 * cached and page 1 being read; SQE 1 reads 4 KiB of a pipe that holds 100 bytes and whose
 * writer stays silent. 6.18's need_complete_io() retries the block device's short read (the
 * CQE says 8192) and not the pipe's (100). What each profile does, by design: 5.10 (5.10.13,
 * with 9a173346bd9e) and 5.8 complete the block device short (4096, when page 1 is still being
 * read at the first attempt; the program accepts both there); 5.9 retries every file's
 * short read, so its pipe read waits for bytes that never come (the first half of B-18: the
 * program hangs there). B-18 re-injected on 6.18: 5.11-5.13's rule, regular files only - the
 * block device read completes with 4096.
 */
struct uring_b18 {
	struct ring_file f;
	int pipe_fd;
	struct ring_ledger lg;
	unsigned char buf[2][8192];
};

static void uring_b18_task(void *arg)
{
	struct uring_b18 *u = arg;
	struct pcsim_uring ring;
	enum pcsim_kernel k = pcsim_world_config(pcsim_world_current())->kernel;
	if (pcsim_uring_queue_init(4, &ring, 0)) {
		pcsim_fail("uring", "queue_init failed");
		return;
	}
	/* where the device's short read is not retried, it is short if page 1's read is still in
	 * flight when the first attempt gets there, and whole if it is done */
	if (k != PCSIM_KERNEL_6_18 && k != PCSIM_KERNEL_5_9)
		u->lg.alt[0] = 4096;
	if (!ledger_sqe(&ring, &u->lg, u->f.fd, u->buf[0], 8192, 0, 0, 8192) ||
	    !ledger_sqe(&ring, &u->lg, u->pipe_fd, u->buf[1], 4096, 0, 0, 100))
		return;
	pcsim_uring_submit(&ring);
	if (ledger_reap(&ring, &u->lg, 2))
		ledger_done(&u->lg);
	pcsim_uring_queue_exit(&ring);
}

static void uring_b18_setup(struct pcsim_world *w, void *arg)
{
	pcsim_state_in_world(w);
	(void)arg;
	struct uring_b18 *u = pcsim_alloc(w, sizeof(*u));
	pcsim_bdev_init(&u->f.bdev, 2, false);
	u->f.m = pcsim_mapping_create(w, 18, 2 * 4096, &u->f.bdev, 0);
	u->f.m->fadv_random = true;
	pcsim_mapping_populate(u->f.m, 0, true, false);
	pcsim_readpage(u->f.m, pcsim_mapping_populate(u->f.m, 1, false, true));
	u->f.fd = pcsim_uring_open(w, u->f.m, PCSIM_URING_O_BDEV);
	u->pipe_fd = pcsim_uring_pipe(w, 18, 100);
	u->lg.file = 18;
	pcsim_task_create(w, "submitter", uring_b18_task, u, 0);
}

/*
 * uring-b19: reads that the read path truncates at s_maxbytes. A file of two pages whose
 * superblock's s_maxbytes is its size; page 0 being read, page 1 cached. SQE 0 reads 4 KiB
 * 100 bytes before the limit, SQE 1 reads 8000 bytes from 50 bytes into page 1: each copies
 * what lies before the limit (100, 4046), then its retry reads 0 at the limit. 6.18 restores
 * the iterator's saved state before each retry and advances it by what was read; B-19
 * re-injected (5.14's revert by counts) rewinds the truncated iterator past the start of the
 * buffer (U6). Every profile gives 100 and 4046.
 */
static void uring_b19_task(void *arg)
{
	struct uring_small *u = arg;
	struct pcsim_uring ring;
	if (pcsim_uring_queue_init(4, &ring, 0)) {
		pcsim_fail("uring", "queue_init failed");
		return;
	}
	if (!ledger_sqe(&ring, &u->lg, u->f.fd, u->buf[0], 4096, 8192 - 100, 0, 100) ||
	    !ledger_sqe(&ring, &u->lg, u->f.fd, u->buf[1], 8000, 4096 + 50, 0, 4046))
		return;
	pcsim_uring_submit(&ring);
	if (ledger_reap(&ring, &u->lg, 2))
		ledger_done(&u->lg);
	pcsim_uring_queue_exit(&ring);
}

static void uring_b19_setup(struct pcsim_world *w, void *arg)
{
	pcsim_state_in_world(w);
	(void)arg;
	struct uring_small *u = pcsim_alloc(w, sizeof(*u));
	pcsim_bdev_init(&u->f.bdev, 2, false);
	u->f.m = pcsim_mapping_create(w, 19, 2 * 4096, &u->f.bdev, 0);
	u->f.m->fadv_random = true;
	pcsim_readpage(u->f.m, pcsim_mapping_populate(u->f.m, 0, false, true));
	pcsim_mapping_populate(u->f.m, 1, true, false);
	u->f.fd = pcsim_uring_open(w, u->f.m, 0);
	pcsim_uring_set_maxbytes(w, u->f.fd, 2 * 4096);
	u->lg.file = 19;
	pcsim_task_create(w, "submitter", uring_b19_task, u, 0);
}

const struct pcsim_zoo_entry pcsim_zoo[] = {
	{ 1, "async buffered reads v1 (May 2020), fixed in v2",
	  "lock_page_async() reports success when it only saw the page unlocked",
	  "pagecache-general" },
	{ 2, "async buffered reads v1, fixed in v2",
	  "__wait_on_page_locked_async() tests the lock before publishing itself: lost wakeup",
	  "pagecache-general" },
	{ 3, "async buffered reads v1, fixed in v2",
	  "the async wake callback returns before setting page_match: PG_waiters cleared under it",
	  "pagecache-general" },
	{ 4, "async buffered reads v3, fixed in v4",
	  "io_rw_should_retry() arms RWF_NOWAIT requests too: they wait instead of completing "
	  "with -EAGAIN",
	  "tests/unit/test_uring.c" },
	{ 6, "5.9-rc1 rewrite, first posting; fixed by c6fe44d96fc1 (5.9-rc1)",
	  "the wake function's unlink is not ordered after its flags (no careful unlink, no "
	  "acquire in finish_wait): the waiter sees the entry unlinked, reads stale flags, "
	  "returns -EINTR with the lock taken for it (--mem weak only)",
	  "scenarios/zoo/b06-unordered-unlink.pcs" },
	{ 9, "efa8480a8316 (5.9-rc1), gone with the 5.11 rewrite",
	  "RWF_NOWAIT read at a PG_readahead page returns 0: a false EOF",
	  "tests/unit/test_read.c" },
	{ 10, "c8d317aa1887 (5.9-rc8)",
	  "a sleeping lock_page_killable() after ->readpage under IOCB_WAITQ",
	  "pagecache-general" },
	{ 11, "13bd691421bc (5.10-rc1)",
	  "arming a callback after the caller already moved bytes: the count is lost",
	  "tests/unit/test_read.c" },
	{ 13, "b5b0ecb736f1 (5.12-rc, stable 5.9+); in 5.10.13",
	  "io_read() leaves IOCB_WAITQ set after an armed read that did not return "
	  "-EIOCBQUEUED: the next read of the request arms where it must block",
	  "uring-b13" },
	{ 14, "6d816e088c35 (5.9-rc1, stable 5.7+); cancel put 5.9-rc6",
	  "the retry's task_work holds no ring context reference: a ring closed with a read "
	  "armed is freed under io_req_task_submit()",
	  "uring-b14" },
	{ 15, "bf68b5b34311 (6.1); its 5.10 form is in 5.10.13",
	  "a read that needed a callback retry is compared with the remaining count as its "
	  "expected result: the chain behind it is cancelled though every byte was read",
	  "uring-b15" },
	{ 16, "ce593a6c480a (5.8-rc4); TWA_SIGNAL always from 5.9-rc1",
	  "the retry's task_work is queued to run on return to user space: a submitter asleep "
	  "in read() of the ring's eventfd never gets its CQE",
	  "uring-eventfd" },
	{ 18, "9a173346bd9e (5.11-rc5) broke block devices; need_complete_io (5.14); kernel=6.18",
	  "the short-read retry is kept for regular files only: a block device read with part of "
	  "its range cached completes short",
	  "uring-b18" },
	{ 19, "89c2b3b74918 (5.15-rc1), cd65869512ab (5.15-rc2); kernel=6.18",
	  "the retry rewinds the iterator by the count it lost, not to a saved state: an iterator "
	  "the read path truncated at s_maxbytes is rewound past the start of the buffer",
	  "uring-b19" },
};

const unsigned pcsim_nzoo = sizeof(pcsim_zoo) / sizeof(pcsim_zoo[0]);

const struct pcsim_builtin pcsim_builtins[] = {
	{ { "micro-lost-wakeup", micro_setup, NULL, NULL },
	  "waiter checks its condition before set_current_state(): a lost wakeup", PCSIM_MEM_SC, -1 },
	{ { "micro-fixed", micro_setup, NULL, (void *)1 },
	  "the kernel's set_current_state/re-check/schedule loop: no lost wakeup", PCSIM_MEM_SC, -1 },
	{ { "sb", sb_setup, sb_finish, NULL },
	  "store buffering litmus: both loads read 0 under --mem tso", PCSIM_MEM_TSO, -1 },
	{ { "sb-mb", sb_setup, sb_finish, (void *)1 },
	  "store buffering with smp_mb() on both sides: never both 0", PCSIM_MEM_TSO, -1 },
	{ { "abba", abba_setup, NULL, NULL },
	  "two spinlocks taken in opposite orders (lockdep, or a deadlock without it)",
	  PCSIM_MEM_SC, -1 },
	{ { "pagecache-general", general_setup, general_finish, NULL },
	  "io_uring-style and blocking readers, a locker, a truncator and an evictor over a "
	  "small file (one wait bucket)",
	  PCSIM_MEM_SC, 0 },
	{ { "uring-rasync", uring_setup, NULL, (void *)(uintptr_t)PCSIM_URING_RASYNC },
	  "three ring reads (async buffered reads: arm, callback, task_work retry) racing a "
	  "locker and an evictor",
	  PCSIM_MEM_SC, 0 },
	{ { "uring-offload", uring_setup, NULL, (void *)(uintptr_t)PCSIM_URING_OFFLOAD },
	  "the same reads, every one to io-wq (IOSQE_ASYNC)", PCSIM_MEM_SC, 0 },
	{ { "uring-sync", uring_setup, NULL, (void *)(uintptr_t)PCSIM_URING_SYNC },
	  "the same reads, blocking in the submitter (preadv)", PCSIM_MEM_SC, 0 },
	{ { "uring-p6", uring_p6_setup, NULL, NULL },
	  "a killable page waiter SIGKILLed while a ring read is armed behind it on the same page: "
	  "5.9+ can drop the wakeup and the read never completes (--checks strict-p6: P6)",
	  PCSIM_MEM_SC, 0 },
	{ { "uring-eventfd", uring_efd_setup, NULL, NULL },
	  "an armed ring read whose completion the submitter awaits in read() of the ring's "
	  "eventfd (B-16)",
	  PCSIM_MEM_SC, 0 },
	{ { "uring-b13", uring_b13_setup, NULL, NULL },
	  "a ring read of a page whose read completes while the ring arms (B-13: IOCB_WAITQ "
	  "left set)",
	  PCSIM_MEM_SC, 0 },
	{ { "uring-b14", uring_b14_setup, NULL, NULL },
	  "a ring closed right after its read armed: the retry runs during the release (B-14)",
	  PCSIM_MEM_SC, 0 },
	{ { "uring-b15", uring_b15_setup, NULL, NULL },
	  "an 8 KiB ring read linked to a NOP, half cached, half being read: the retry's total "
	  "must not cancel the NOP (B-15)",
	  PCSIM_MEM_SC, 0 },
	{ { "uring-general", uring_general_setup, NULL, NULL },
	  "two rings (linked reads, a ring closed with a read armed), a locker and an evictor "
	  "over a four-page file",
	  PCSIM_MEM_SC, 0 },
	{ { "uring-b18", uring_b18_setup, NULL, NULL },
	  "a short read of a block device (retried: 8192) and of a pipe (not: 100) - B-18 with "
	  "kernel=6.18; 5.8/5.10 complete the device short, 5.9 waits on the pipe for good",
	  PCSIM_MEM_SC, 0 },
	{ { "uring-b19", uring_b19_setup, NULL, NULL },
	  "ring reads truncated at s_maxbytes, retried at the limit (B-19 with kernel=6.18)",
	  PCSIM_MEM_SC, 0 },
};

const unsigned pcsim_nbuiltins = sizeof(pcsim_builtins) / sizeof(pcsim_builtins[0]);

const struct pcsim_builtin *pcsim_builtin_find(const char *name)
{
	for (unsigned i = 0; i < pcsim_nbuiltins; i++)
		if (strcmp(pcsim_builtins[i].prog.name, name) == 0)
			return &pcsim_builtins[i];
	return NULL;
}
