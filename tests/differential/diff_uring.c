// SPDX-License-Identifier: MIT
/*
 * diff_uring.c - the differential test of the ring submitter: the same read workloads through
 * the running kernel (liburing, a temporary file) and through pcsim's model (sim backend, a
 * file of the same size and bytes), comparing every CQE's res and every byte read.
 *
 * Models nothing itself: it holds the kernel's io_uring (whatever version runs here) up against
 * src/uring_sim/ (5.10's io_submit_sqes, io_read, kiocb_done, io_fail_links) and the page-cache
 * layer under it (generic_file_buffered_read).
 *
 * A workload is a list of rounds. Each round starts from a known page-cache state (which pages
 * of the file are cached: in the kernel, POSIX_FADV_DONTNEED of the whole file, then a pread of
 * each page to cache, checked with mincore(); in pcsim, the same pages populated at setup) and
 * runs one or more steps; a step is a batch of SQEs submitted together and reaped completely
 * before the next. The file is opened with POSIX_FADV_RANDOM in both, so readahead reads only
 * what is asked and never sets PG_readahead (5.10 and 6.x differ at such a page, B-09).
 *
 * Only outcomes that do not depend on the kernel version or on timing are compared:
 * - RWF_NOWAIT reads are generated only where the page state they meet is fixed: every page of
 *   the range cached, or its first page absent and touched by no other read of the step (another
 *   read would start I/O on it, and whether that I/O is done when the NOWAIT read looks is
 *   timing). A NOWAIT read that would be short (its first page cached, a later one absent, or
 *   EOF inside the range) is run but not compared (5.10: -EAGAIN; 6.x: the short count), nor
 *   one starting past the EOF page (5.10: -EAGAIN; 6.x: 0).
 * - A linked read of several pages not all cached may complete in more than one attempt: 5.10
 *   then cancels the chain behind it (B-15, fixed in 6.1): the chain is not compared.
 * - A bad descriptor fails at io_init_req() in 5.10 (submission stops there, a chain being
 *   built is cancelled) but at issue in 6.x (the chain goes on being built, then is cancelled):
 *   bad-descriptor reads are generated only unlinked and last in their step. The failing link
 *   head used is a RWF_NOWAIT read of an absent page (-EAGAIN, then -ECANCELED behind it in
 *   both).
 * - File-position reads (offset -1) take f_pos at prep in 5.10, at issue in 6.x: they are
 *   generated alone in their step, or unlinked in a step of cached pages only, never
 *   RWF_NOWAIT (so the position each one reads at is known, and its bytes are checked).
 * docs/uring.md, "Against the running kernel", lists these differences.
 *
 * --kernel 6.18: the model runs its 6.18 profile and none of the exclusions above applies; the
 * random rounds add READV, pages evicted between steps and bad descriptors inside chains. Left
 * out there only: what the page cache's read path decides while it is 5.10's (a probe says),
 * and RWF_NOWAIT reads over pages the kernel did not have in the state the workload set. The
 * kernel's own RWF_NOWAIT readahead race (nowait_raced()) is recognised by its evidence.
 *
 * --defer-taskrun (with --kernel 6.18): both rings with IORING_SETUP_DEFER_TASKRUN.
 *
 * Usage: test_differential [--seed N] [--rounds N] [--executions N] [--kernel 5.10|6.18]
 * [--exact] [--defer-taskrun] [--verbose] [--trace]
 * (--verbose: every round and its outcomes; --trace: the model's trace of a difference.)
 * The seed is printed; a failure prints the command that replays it. Exit status: 0 same
 * outcomes, 1 a difference (or a model failure), 2 bad usage or a host error, 77 io_uring is
 * unavailable here (CTest SKIP_RETURN_CODE).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include <liburing.h>

#include <pcsim/check.h>
#include <pcsim/explore.h>
#include <pcsim/pcsim.h>
#include <pcsim/uring.h>

#define PG 4096u
#define MAX_PAGES 16u /* file pages: the cache state is a mask */
#define MAX_STEPS 4u
#define MAX_REQS 8u /* per step */
#define MAX_LEN (3u * PG + 512u)
#define FILE_ID 11u	/* the file's identity: byte i is pcsim_file_byte(FILE_ID, i) */
#define BAD_FD_PCSIM 60 /* never opened in the model (at most 64 fds, from 3 up) */

/* Why a request's outcome is left out of the comparison (NULL: compared). */
static const char *const WHY_NOWAIT_SHORT =
	"RWF_NOWAIT read that would be short (an absent page after a cached one, or EOF): 5.10's "
	"io_read() sends a short read of a regular file to the retry, which RWF_NOWAIT refuses "
	"(-EAGAIN); 6.x completes it with the short count";
static const char *const WHY_NOWAIT_EOF =
	"RWF_NOWAIT read starting at or past EOF on a page not cached: 5.10 looks the page up "
	"before testing i_size (-EAGAIN), 6.x's filemap_read() tests i_size first (0)";
static const char *const WHY_B15 =
	"linked behind a read of several pages not all cached: 5.10 cancels the chain when an "
	"earlier attempt moved bytes (B-15, fixed in 6.1), 6.x does not";
static const char *const WHY_BEHIND_EXCLUDED = "linked behind a request not compared";
static const char *const WHY_KERNEL_DRIFT =
	"RWF_NOWAIT over a page whose state in the kernel at submission (mincore) is not the one "
	"the workload set";

#define MAX_VEC 4u /* READV segments */

struct dreq {
	int64_t off; /* -1: the file position */
	unsigned len;
	unsigned nvec;		  /* 0: IORING_OP_READ; else IORING_OP_READV of nvec segments */
	unsigned seg[MAX_VEC];	  /* their lengths (summing to len) */
	bool nowait; /* RWF_NOWAIT */
	bool link;   /* IOSQE_IO_LINK to the next request of the step */
	bool bad_fd;
	const char *why; /* not compared, and why */
	bool raced;	 /* its kernel result was the kernel's readahead race (nowait_raced) */
	int64_t pos;	 /* where it reads: off, or the file position it will find */
};

struct dstep {
	uint32_t evict; /* pages dropped from the cache before the step is submitted */
	uint32_t known, cached; /* what the workload knows of the cache when it is submitted */
	uint32_t k_resident;	/* the kernel's cache (mincore) right before its submission */
	uint32_t k_after;	/* and once its CQEs are all reaped */
	unsigned n;
	struct dreq r[MAX_REQS];
};

struct result {
	bool seen;
	int res;
	unsigned char buf[MAX_LEN];
	struct iovec iov[MAX_VEC]; /* READV: the segments of buf */
};

struct dround {
	char name[48];
	uint32_t cached; /* bit i: page i cached when the round starts */
	bool fpos;	 /* the round moves f_pos: compare it at the end */
	unsigned nsteps;
	struct dstep s[MAX_STEPS];
	/* outcomes */
	struct result k[MAX_STEPS][MAX_REQS]; /* the kernel */
	int64_t k_fpos;
	bool skipped; /* the kernel's cache state could not be set up */
};

static uint64_t file_size;
static unsigned npages;
static bool verbose, show_trace;
/*
 * --kernel 6.18: the model runs its 6.18 profile and every outcome is compared: none of the
 * version exclusions above applies. One exclusion stays while the page-cache layer still reads
 * with 5.10's generic_file_buffered_read() at kernel=6.18 (found by a probe at start): the NOWAIT
 * read at or past EOF (WHY_NOWAIT_EOF), which is the read path's, not the ring's. --exact makes
 * that an error instead.
 */
static bool k618, require_exact, pc_legacy;
/* --defer-taskrun (with --kernel 6.18): both rings set up with IORING_SETUP_SINGLE_ISSUER |
 * IORING_SETUP_DEFER_TASKRUN - the retries run only while the submitter waits; same outcomes */
static unsigned ring_flags;
static uint64_t seed;
static unsigned nrounds = 24, executions = 8;
static const char *argv0;

/* ------------------------------------------------------------------------------------------
 * The workload
 */
static uint64_t rng_state;
static uint64_t rnd(void)
{
	/* xorshift64*: the workload is a function of the seed only */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}
static unsigned rnd_below(unsigned n)
{
	return n ? (unsigned)(rnd() % n) : 0;
}

/* The pages [first, last] a read of @len at @off touches inside the file (none: false). */
static bool read_pages(int64_t off, unsigned len, unsigned *first, unsigned *last)
{
	if (len == 0 || off < 0 || (uint64_t)off >= file_size)
		return false;
	uint64_t end = (uint64_t)off + len;
	if (end > file_size)
		end = file_size;
	*first = (unsigned)((uint64_t)off / PG);
	*last = (unsigned)((end - 1) / PG);
	return true;
}

/*
 * The pages a read may bring into the cache: those of read_pages(), and for a read starting
 * after EOF inside the EOF page, that page (5.10 looks it up, and reads it, before testing
 * i_size).
 */
static bool touched_pages(int64_t off, unsigned len, unsigned *first, unsigned *last)
{
	if (read_pages(off, len, first, last))
		return true;
	if (len == 0 || off < 0 || (uint64_t)off / PG > (file_size - 1) / PG)
		return false;
	*first = *last = (unsigned)((uint64_t)off / PG);
	return true;
}

static bool page_cached(uint32_t mask, unsigned i)
{
	return i < 32 && (mask >> i) & 1u;
}

/*
 * Mark what is not comparable and drop what would make an outcome depend on timing, for one
 * step of a round whose pages in @known are in a known state (@cached among them). Pages
 * touched by the step leave the known set unless they were cached.
 */
static void settle_step(struct dstep *st, uint32_t *cached, uint32_t *known, int64_t *fpos)
{
	uint32_t touched_by[MAX_REQS] = {0};
	for (unsigned i = 0; i < st->n; i++) {
		struct dreq *r = &st->r[i];
		unsigned f, l;
		r->pos = r->off;
		if (r->off == -1 && !r->bad_fd) {
			/* never RWF_NOWAIT nor linked: it reads min(len, EOF - pos) */
			r->pos = *fpos;
			if ((uint64_t)*fpos < file_size)
				*fpos += (int64_t)(r->len < file_size - (uint64_t)*fpos
							   ? r->len
							   : file_size - (uint64_t)*fpos);
		}
		if (r->bad_fd || !touched_pages(r->pos, r->len, &f, &l))
			continue;
		for (unsigned p = f; p <= l; p++)
			touched_by[i] |= 1u << p;
	}
	for (unsigned i = 0; i < st->n; i++) {
		struct dreq *r = &st->r[i];
		unsigned f, l, lastpg = (unsigned)((file_size - 1) / PG);
		if (!r->nowait || r->bad_fd || r->len == 0)
			continue;
		bool eof_differs = !k618 || pc_legacy;
		if ((uint64_t)r->pos / PG > lastpg) {
			if (eof_differs)
				r->why = WHY_NOWAIT_EOF;
			continue;
		}
		if ((uint64_t)r->pos >= file_size) {
			/* inside the EOF page, after EOF: 0 if the page is cached */
			unsigned p = (unsigned)((uint64_t)r->pos / PG);
			if (!(*known >> p & 1u))
				r->nowait = false;
			else if (!page_cached(*cached, p) && eof_differs)
				r->why = WHY_NOWAIT_EOF;
			continue;
		}
		read_pages(r->pos, r->len, &f, &l);
		uint32_t others = 0;
		for (unsigned j = 0; j < st->n; j++)
			if (j != i)
				others |= touched_by[j];
		bool ok = true;
		for (unsigned p = f; p <= l; p++) {
			if (!(*known >> p & 1u))
				ok = false; /* state left by an earlier step: timing */
			else if (!page_cached(*cached, p) && (others >> p & 1u))
				ok = false; /* another read of this step starts I/O on it */
		}
		if (!ok) {
			r->nowait = false;
			continue;
		}
		if (page_cached(*cached, f) && !k618) {
			for (unsigned p = f + 1; p <= l; p++)
				if (!page_cached(*cached, p))
					r->why = WHY_NOWAIT_SHORT;
			if ((uint64_t)r->pos + r->len > file_size)
				r->why = WHY_NOWAIT_SHORT;
		}
	}
	for (unsigned i = 0; i < st->n; i++) {
		struct dreq *r = &st->r[i];
		unsigned f, l;
		if (r->bad_fd || r->len == 0 || r->pos < 0)
			continue;
		uint64_t last = (uint64_t)r->pos + r->len - 1;
		/* B-15: a chain behind a read that may complete in several attempts, unless the
		 * read is short at EOF (then every version cancels the chain) */
		if (!k618 && r->link && i + 1 < st->n && last < file_size &&
		    read_pages(r->pos, r->len, &f, &l) && f != l) {
			for (unsigned p = f; p <= l; p++)
				if (!page_cached(*cached, p) || !(*known >> p & 1u))
					st->r[i + 1].why = WHY_B15;
		}
	}
	/* a chain behind a request not compared is not compared either */
	for (unsigned i = 1; i < st->n; i++)
		if (st->r[i - 1].link && st->r[i - 1].why && !st->r[i].why)
			st->r[i].why = WHY_BEHIND_EXCLUDED;
	for (unsigned i = 0; i < st->n; i++)
		*known &= ~(touched_by[i] & ~*cached);
}

static void settle_round(struct dround *rd)
{
	uint32_t cached = rd->cached, known = npages >= 32 ? ~0u : (1u << npages) - 1;
	int64_t fpos = 0;
	for (unsigned s = 0; s < rd->nsteps; s++) {
		/* evicted pages are known again: absent */
		known |= rd->s[s].evict;
		cached &= ~rd->s[s].evict;
		rd->s[s].known = known;
		rd->s[s].cached = cached;
		settle_step(&rd->s[s], &cached, &known, &fpos);
		for (unsigned i = 0; i < rd->s[s].n; i++)
			if (rd->s[s].r[i].off == -1)
				rd->fpos = true;
	}
}

static struct dreq *add(struct dround *rd, unsigned step, int64_t off, unsigned len)
{
	if (step >= rd->nsteps)
		rd->nsteps = step + 1;
	struct dstep *st = &rd->s[step];
	struct dreq *r = &st->r[st->n++];
	memset(r, 0, sizeof(*r));
	r->off = off;
	r->len = len;
	return r;
}

static uint32_t all_pages(void)
{
	return npages >= 32 ? ~0u : (1u << npages) - 1;
}

/* The fixed rounds: every case the issue names, on this seed's file size. */
static unsigned fixed_rounds(struct dround *rd)
{
	unsigned n = 0;
	uint64_t eof = file_size;
	unsigned lastpg = npages - 1;
	struct dround *r;

	for (int cached = 1; cached >= 0; cached--) {
		r = &rd[n++];
		snprintf(r->name, sizeof(r->name), "eof-and-empty-%s",
			 cached ? "cached" : "absent");
		r->cached = cached ? all_pages() : 0;
		add(r, 0, 0, PG);
		add(r, 0, 100, 3 * PG);			   /* across pages */
		add(r, 0, (int64_t)eof - 10, 4 * PG);	   /* across EOF: short */
		add(r, 0, (int64_t)eof, PG);		   /* at EOF */
		add(r, 0, (int64_t)eof + 1000, 100);	   /* past EOF */
		add(r, 0, (int64_t)(npages + 3) * PG, PG); /* pages past EOF */
		add(r, 0, 0, 0);			   /* zero-length */
		add(r, 0, (int64_t)eof + PG, 0);	   /* zero-length past EOF */
		/* the same with RWF_NOWAIT, in a step of their own */
		for (unsigned i = 0; i < r->s[0].n; i++)
			*add(r, 1, r->s[0].r[i].off, r->s[0].r[i].len) = (struct dreq){
				.off = r->s[0].r[i].off, .len = r->s[0].r[i].len, .nowait = true};
	}

	r = &rd[n++];
	snprintf(r->name, sizeof(r->name), "nowait");
	/* pages 1, 3 and the last absent */
	r->cached = all_pages() & ~(1u << 1) & ~(1u << 3) & ~(1u << lastpg);
	add(r, 0, 0, PG)->nowait = true;			/* cached: full */
	add(r, 0, 2 * PG + 7, 300)->nowait = true;		/* cached, inside a page */
	add(r, 0, PG + 5, 100)->nowait = true;			/* absent: -EAGAIN */
	add(r, 0, (int64_t)lastpg * PG, 2 * PG)->nowait = true; /* absent EOF page */
	add(r, 0, 2 * PG, 2 * PG)->nowait = true; /* cached then absent: not compared */
	add(r, 0, 3 * PG, 0)->nowait = true;	  /* zero-length */

	r = &rd[n++];
	snprintf(r->name, sizeof(r->name), "links");
	r->cached = 1u << 0;
	for (unsigned i = 0; i < 3; i++) /* a chain over absent pages */
		add(r, 0, (int64_t)(1 + i) * PG, PG)->link = i < 2;
	/* a failing head: RWF_NOWAIT on an absent page, the rest cancelled */
	struct dreq *h = add(r, 1, (int64_t)lastpg * PG, 64);
	h->nowait = true;
	h->link = true;
	add(r, 1, 0, 100)->link = true;
	add(r, 1, 200, 100);
	add(r, 2, 0, 64)->bad_fd = true; /* unlinked, last: -EBADF */

	r = &rd[n++];
	snprintf(r->name, sizeof(r->name), "file-position");
	r->cached = (1u << 0) | (1u << 2);
	add(r, 0, -1, 1000);
	add(r, 1, -1, PG);	     /* crosses into page 1, absent */
	add(r, 2, -1, 3 * PG + 100); /* and on, maybe to EOF */
	add(r, 3, -1, 2 * PG);	     /* whatever is left */

	r = &rd[n++];
	snprintf(r->name, sizeof(r->name), "file-position-batch");
	r->cached = all_pages();
	for (unsigned i = 0; i < 5; i++)
		add(r, 0, -1, 1000 + 2000 * i);
	if (!k618)
		return n;

	/* 6.18 only: READV, pages evicted between steps, RWF_NOWAIT short reads, chains behind
	 * multi-page reads, a bad descriptor inside a chain */
	r = &rd[n++];
	snprintf(r->name, sizeof(r->name), "readv-evict-618");
	r->cached = all_pages();
	struct dreq *q = add(r, 0, 100, 2 * PG + 300);
	q->nvec = 3;
	q->seg[0] = 10, q->seg[1] = PG, q->seg[2] = PG + 290;
	add(r, 0, (int64_t)eof - 50, 200)->nowait = true; /* short at EOF */
	r->s[1].evict = (1u << 1) | (1u << 2);
	add(r, 1, 0, 3 * PG)->nowait = true;		  /* cached, then evicted: short */
	q = add(r, 2, PG, 2 * PG);			  /* evicted pages: arms, retries */
	q->link = true;
	add(r, 2, 0, 64);				  /* behind it: not cancelled */
	q = add(r, 3, 0, 3 * PG + 7);
	q->nvec = 2;
	q->seg[0] = PG + 1, q->seg[1] = 2 * PG + 6;
	q->link = true;
	q = add(r, 3, 0, 100);
	q->bad_fd = true;				  /* -EBADF at issue */
	q->link = true;
	add(r, 3, 0, 100);				  /* -ECANCELED */
	return n;
}

/* Make @q a READV: its length cut into 1..MAX_VEC segments (some may be empty). */
static void split_vec(struct dreq *q)
{
	q->nvec = 1 + rnd_below(MAX_VEC);
	unsigned left = q->len;
	for (unsigned v = 0; v + 1 < q->nvec; v++) {
		q->seg[v] = rnd_below(left + 1);
		left -= q->seg[v];
	}
	q->seg[q->nvec - 1] = left;
}

/* A random round: a random cache state, one to three steps of random reads (6.18: READV too,
 * pages evicted between steps, bad descriptors anywhere). */
static void random_round(struct dround *r, unsigned idx)
{
	snprintf(r->name, sizeof(r->name), "random-%u", idx);
	r->cached = (uint32_t)rnd() & all_pages();
	unsigned steps = 1 + rnd_below(3);
	for (unsigned s = 0; s < steps; s++) {
		if (rnd_below(6) == 0) { /* a file-position read, alone */
			add(r, s, -1, rnd_below(2 * PG) + 1);
			continue;
		}
		unsigned nreq = 1 + rnd_below(MAX_REQS - 1);
		for (unsigned i = 0; i < nreq; i++) {
			int64_t off;
			unsigned len;
			switch (rnd_below(8)) {
			case 0: /* around EOF */
				off = (int64_t)file_size - (int64_t)rnd_below(2 * PG) + 2 * PG / 3;
				break;
			case 1: /* page aligned */
				off = (int64_t)rnd_below(npages + 1) * PG;
				break;
			default:
				off = (int64_t)rnd_below((unsigned)file_size);
			}
			if (off < 0)
				off = 0;
			switch (rnd_below(6)) {
			case 0:
				len = 0;
				break;
			case 1:
				len = PG;
				break;
			default:
				len = 1 + rnd_below(MAX_LEN);
			}
			struct dreq *q = add(r, s, off, len);
			q->nowait = rnd_below(3) == 0;
			q->link = i + 1 < nreq && rnd_below(4) == 0;
			if (k618 && rnd_below(3) == 0)
				split_vec(q);
			if (k618 && rnd_below(12) == 0)
				q->bad_fd = true; /* 6.18: fails at issue, anywhere in a chain */
		}
		if (k618 && s > 0 && rnd_below(3) == 0)
			r->s[s].evict = (uint32_t)rnd() & all_pages();
		if (rnd_below(5) == 0 && r->s[s].n < MAX_REQS) {
			r->s[s].r[r->s[s].n - 1].link = false;
			add(r, s, (int64_t)rnd_below((unsigned)file_size), 1 + rnd_below(PG))
				->bad_fd = true;
		}
	}
}

/* ------------------------------------------------------------------------------------------
 * The kernel side
 */
static int kfd = -1, kbadfd = -1;
static unsigned char *kmap;
static size_t kmap_len;
static struct io_uring kring;

static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "differential: ");
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(2);
}

/* 1: io_uring works here; 0: unavailable (the reason printed). */
static int kernel_ring_available(void)
{
	FILE *f = fopen("/proc/sys/kernel/io_uring_disabled", "r");
	if (f) {
		int v = 0;
		if (fscanf(f, "%d", &v) == 1 && v == 2) {
			fclose(f);
			printf("differential: SKIP: kernel.io_uring_disabled = 2\n");
			return 0;
		}
		fclose(f);
	}
	int ret = io_uring_queue_init(32, &kring, ring_flags);
	if (ret == -EINVAL && ring_flags) {
		printf("differential: SKIP: this kernel refuses IORING_SETUP_DEFER_TASKRUN\n");
		return 0;
	}
	if (ret == -ENOSYS || ret == -EPERM || ret == -EACCES) {
		printf("differential: SKIP: io_uring_queue_init: %s\n", strerror(-ret));
		return 0;
	}
	if (ret < 0)
		die("io_uring_queue_init: %s", strerror(-ret));
	return 1;
}

static bool kernel_set_cache(uint32_t want);

/*
 * The temporary file in @dir, of file_size bytes pcsim_file_byte(FILE_ID, i). Return: true if
 * its filesystem behaves as the model's disk file does (its pages can be dropped, and it reads
 * with RWF_NOWAIT); false (the file closed) otherwise, e.g. on tmpfs.
 */
static bool kernel_file_create(const char *dir)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/pcsim-differential-XXXXXX", dir);
	kfd = mkstemp(path);
	if (kfd < 0) {
		printf("differential: mkstemp(%s): %s\n", path, strerror(errno));
		return false;
	}
	unlink(path);
	unsigned char *data = malloc(file_size);
	if (!data)
		die("out of memory");
	for (uint64_t i = 0; i < file_size; i++)
		data[i] = pcsim_file_byte(FILE_ID, i);
	for (uint64_t done = 0; done < file_size;) {
		ssize_t w = pwrite(kfd, data + done, file_size - done, (off_t)done);
		if (w <= 0)
			die("pwrite: %s", strerror(errno));
		done += (uint64_t)w;
	}
	free(data);
	if (fsync(kfd)) /* clean pages: DONTNEED can drop them */
		die("fsync: %s", strerror(errno));
	int err = posix_fadvise(kfd, 0, 0, POSIX_FADV_RANDOM);
	if (err)
		die("posix_fadvise(RANDOM): %s", strerror(err));
	kmap_len = (size_t)npages * PG;
	kmap = mmap(NULL, kmap_len, PROT_READ, MAP_SHARED, kfd, 0);
	if (kmap == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	/* a descriptor that is surely not open */
	for (kbadfd = 1000; kbadfd > 3 && fcntl(kbadfd, F_GETFD) != -1; kbadfd--)
		;
	struct statfs sfs;
	unsigned long magic = fstatfs(kfd, &sfs) == 0 ? (unsigned long)sfs.f_type : 0;
	/* a probe: page 0 dropped, then cached and read with RWF_NOWAIT */
	const char *why = NULL;
	unsigned char tmp[64];
	struct iovec iov = {tmp, sizeof(tmp)};
	if (!kernel_set_cache(0))
		why = "its pages cannot be dropped";
	else if (!kernel_set_cache(1) || preadv2(kfd, &iov, 1, 0, RWF_NOWAIT) != sizeof(tmp))
		why = "RWF_NOWAIT reads of cached pages fail";
	if (why) {
		printf("differential: %s (fs magic 0x%lx): %s; the model's file is a disk file\n",
		       dir, magic, why);
		munmap(kmap, kmap_len);
		close(kfd);
		return false;
	}
	if (verbose)
		printf("differential: file in %s (fs magic 0x%lx)\n", dir, magic);
	return true;
}

static uint32_t kernel_resident(void)
{
	unsigned char vec[MAX_PAGES];
	if (mincore(kmap, kmap_len, vec))
		die("mincore: %s", strerror(errno));
	uint32_t m = 0;
	for (unsigned i = 0; i < npages; i++)
		if (vec[i] & 1)
			m |= 1u << i;
	return m;
}

/* Set the cache state: drop the file, read back the pages to cache. false: could not. */
static bool kernel_set_cache(uint32_t want)
{
	unsigned char tmp[PG];
	for (int attempt = 0; attempt < 5; attempt++) {
		posix_fadvise(kfd, 0, 0, POSIX_FADV_DONTNEED);
		for (unsigned i = 0; i < npages; i++)
			if (page_cached(want, i) && pread(kfd, tmp, PG, (off_t)i * PG) < 0)
				die("pread: %s", strerror(errno));
		if (kernel_resident() == want)
			return true;
		usleep(2000); /* I/O started by a NOWAIT read may still hold a page locked */
	}
	return false;
}

/* Drop the pages of @mask from the kernel's cache (all CQEs of the step before are reaped, so
 * no read holds them). false: they stayed. */
static bool kernel_evict(uint32_t mask)
{
	for (int attempt = 0; attempt < 5; attempt++) {
		for (unsigned i = 0; i < npages; i++)
			if (page_cached(mask, i))
				posix_fadvise(kfd, (off_t)i * PG, PG, POSIX_FADV_DONTNEED);
		if (!(kernel_resident() & mask))
			return true;
		usleep(2000);
	}
	return false;
}

/* A READV's segments over @buf, as @q cuts it. */
static void set_iovecs(const struct dreq *q, struct iovec *iov, unsigned char *buf)
{
	size_t at = 0;
	for (unsigned v = 0; v < q->nvec; v++) {
		iov[v].iov_base = buf + at;
		iov[v].iov_len = q->seg[v];
		at += q->seg[v];
	}
}

/*
 * A RWF_NOWAIT read's result is its pages' state, which the workload knows where it set it (the
 * round's start, pages evicted before a step). Where the kernel's cache at submission (mincore)
 * is not that state, the set-up did not take: such a read is left out, by that evidence.
 */
static void mark_drift(struct dstep *st)
{
	uint32_t drift = (st->k_resident ^ st->cached) & st->known;
	bool marked = false;
	for (unsigned i = 0; i < st->n && drift; i++) {
		struct dreq *r = &st->r[i];
		unsigned f, l;
		if (!r->nowait || r->why || r->bad_fd || !touched_pages(r->pos, r->len, &f, &l))
			continue;
		for (unsigned p = f; p <= l; p++)
			if (drift >> p & 1u) {
				r->why = WHY_KERNEL_DRIFT;
				marked = true;
			}
	}
	if (!marked)
		return;
	for (unsigned i = 1; i < st->n; i++)
		if (st->r[i - 1].link && st->r[i - 1].why && !st->r[i].why)
			st->r[i].why = WHY_BEHIND_EXCLUDED;
}

/* A RWF_NOWAIT read whose result @r is longer than the other side's @other (a count, or
 * -EAGAIN) and whose every byte is the file's: the first half of either race's evidence. */
static bool longer_and_the_files(const struct dreq *q, const struct result *r, int other)
{
	if (!q->nowait || r->res <= 0 || r->res <= (other > 0 ? other : 0))
		return false;
	for (int b = 0; b < r->res; b++)
		if (r->buf[b] != pcsim_file_byte(FILE_ID, (uint64_t)q->pos + (uint64_t)b))
			return false;
	return true;
}

/*
 * The kernel's own race, recognised when it happens: on this kernel (6.18) a RWF_NOWAIT buffered
 * read does not imply IOCB_NOIO - at a page not cached it starts the page's readahead and looks
 * again; if that I/O is already done (a fast device), it copies the page instead of stopping
 * with -EAGAIN or a short count (about 3 reads in 1,000 here, preadv2(RWF_NOWAIT) as well as
 * the ring; at 5.10 the model's RWF_NOWAIT starts no I/O). @q's kernel result @kres is that
 * race when it is longer than the model's @pres (a count, or -EAGAIN), every byte is the file's, and the
 * pages of the extra bytes were absent when the step was submitted and cached after it.
 */
static bool nowait_raced(const struct dstep *st, const struct dreq *q, const struct result *k,
			 int pres)
{
	int kres = k->res;
	if (!longer_and_the_files(q, k, pres))
		return false;
	uint64_t from = (uint64_t)q->pos + (uint64_t)(pres > 0 ? pres : 0);
	uint64_t to = (uint64_t)q->pos + (uint64_t)kres - 1;
	for (uint64_t p = from / PG; p <= to / PG; p++)
		if ((st->k_resident >> p & 1u) || !(st->k_after >> p & 1u))
			return false;
	return true;
}

static unsigned raced;	/* RWF_NOWAIT reads the kernel's own readahead outran (counted once) */

/*
 * The same race the other way round: at kernel=6.18 the model's RWF_NOWAIT read starts the
 * page's readahead too (page_cache_sync_ra()'s forced page), and the model's scheduler may
 * complete that I/O before the read looks again - the outcome the kernel reaches only when its
 * device is fast enough. @q's model result @pres is that race when it is longer than the
 * kernel's @kres (a count, or -EAGAIN), every byte is the file's, and the page where the
 * kernel stopped was not known to be cached when the step was submitted (a page the workload
 * did not put there may be resident but still under an earlier RWF_NOWAIT read's I/O, which
 * mincore() cannot tell apart; once that page is read, cached pages after it are read too).
 */
static bool nowait_raced_model(const struct dstep *st, const struct dreq *q,
			       const struct result *p, int kres)
{
	if (!longer_and_the_files(q, p, kres))
		return false;
	uint64_t from = (uint64_t)q->pos + (uint64_t)(kres > 0 ? kres : 0);
	return !(((st->known & st->cached) >> (from / PG)) & 1u);
}

static unsigned model_raced;	/* RWF_NOWAIT reads whose readahead the model finished first */

static void kernel_run(struct dround *rd)
{
	memset(rd->k, 0, sizeof(rd->k));
	if (!kernel_set_cache(rd->cached)) {
		rd->skipped = true;
		return;
	}
	if (lseek(kfd, 0, SEEK_SET) != 0)
		die("lseek: %s", strerror(errno));
	for (unsigned s = 0; s < rd->nsteps; s++) {
		struct dstep *st = &rd->s[s];
		if (st->evict && !kernel_evict(st->evict)) {
			rd->skipped = true;
			return;
		}
		for (unsigned i = 0; i < st->n; i++) {
			struct dreq *q = &st->r[i];
			struct io_uring_sqe *sqe = io_uring_get_sqe(&kring);
			if (!sqe)
				die("no SQE");
			memset(rd->k[s][i].buf, 0, MAX_LEN);
			int fd = q->bad_fd ? kbadfd : kfd;
			if (q->nvec) {
				set_iovecs(q, rd->k[s][i].iov, rd->k[s][i].buf);
				io_uring_prep_readv(sqe, fd, rd->k[s][i].iov, q->nvec,
						    (uint64_t)q->off);
			} else {
				io_uring_prep_read(sqe, fd, rd->k[s][i].buf, q->len,
						   (uint64_t)q->off);
			}
			sqe->rw_flags = q->nowait ? RWF_NOWAIT : 0;
			io_uring_sqe_set_flags(sqe, q->link ? IOSQE_IO_LINK : 0);
			io_uring_sqe_set_data64(sqe, i);
		}
		st->k_resident = kernel_resident();
		int ret = io_uring_submit(&kring);
		if (ret < 0)
			die("io_uring_submit: %s", strerror(-ret));
		for (unsigned got = 0; got < st->n; got++) {
			struct io_uring_cqe *cqe;
			struct __kernel_timespec ts = {.tv_sec = 10};
			ret = io_uring_wait_cqe_timeout(&kring, &cqe, &ts);
			if (ret == -ETIME && io_uring_sq_ready(&kring)) {
				/* SQEs left in the ring (a kernel that stops submitting at a bad
				 * one): submit them too */
				io_uring_submit(&kring);
				got--;
				continue;
			}
			if (ret < 0)
				die("round %s step %u: %u of %u CQEs, then %s", rd->name, s, got,
				    st->n, strerror(-ret));
			uint64_t i = cqe->user_data;
			if (i >= st->n || rd->k[s][i].seen)
				die("round %s step %u: CQE for %" PRIu64 " unknown or twice",
				    rd->name, s, i);
			rd->k[s][i].seen = true;
			rd->k[s][i].res = cqe->res;
			io_uring_cqe_seen(&kring, cqe);
		}
		st->k_after = kernel_resident();
	}
	rd->k_fpos = lseek(kfd, 0, SEEK_CUR);
	for (unsigned s = 0; s < rd->nsteps; s++)
		mark_drift(&rd->s[s]);
}

/* ------------------------------------------------------------------------------------------
 * pcsim's side: one program per round, explored for a few executions
 */
struct pstate {
	struct dround *rd;
	struct pcsim_bdev bdev;
	struct pcsim_address_space *m;
	int fd;
	struct result (*p)[MAX_REQS]; /* arena: the model's outcomes */
	int64_t fpos;
};

static void p_submitter(void *arg)
{
	struct pstate *ps = arg;
	struct dround *rd = ps->rd;
	struct pcsim_uring ring;
	int ret = pcsim_uring_queue_init(32, &ring, ring_flags);
	PCSIM_CHECK(ret == 0, "differential", "pcsim_uring_queue_init: %d", ret);
	if (ret)
		return;
	for (unsigned s = 0; s < rd->nsteps; s++) {
		struct dstep *st = &rd->s[s];
		for (unsigned i = 0; i < npages; i++) {
			if (!page_cached(st->evict, i))
				continue;
			int e = pcsim_evict_page(ps->m, i);
			PCSIM_CHECK(e == 0 || e == -ENOENT, "differential",
				    "step %u: page %u could not be evicted (%d)", s, i, e);
		}
		for (unsigned i = 0; i < st->n; i++) {
			struct dreq *q = &st->r[i];
			struct io_uring_sqe *sqe = pcsim_uring_get_sqe(&ring);
			PCSIM_CHECK(sqe != NULL, "differential", "no SQE");
			if (!sqe)
				return;
			int fd = q->bad_fd ? BAD_FD_PCSIM : ps->fd;
			if (q->nvec) {
				set_iovecs(q, ps->p[s][i].iov, ps->p[s][i].buf);
				pcsim_uring_prep_readv(sqe, fd, ps->p[s][i].iov, q->nvec,
						       (uint64_t)q->off);
			} else {
				pcsim_uring_prep_read(sqe, fd, ps->p[s][i].buf, q->len,
						      (uint64_t)q->off);
			}
			sqe->rw_flags = q->nowait ? RWF_NOWAIT : 0;
			pcsim_uring_sqe_set_flags(sqe, q->link ? IOSQE_IO_LINK : 0);
			pcsim_uring_sqe_set_data64(sqe, i);
		}
		unsigned want = st->n;
		ret = pcsim_uring_submit(&ring);
		PCSIM_CHECK(ret >= 0, "differential", "pcsim_uring_submit: %d", ret);
		for (unsigned got = 0; got < want; got++) {
			struct io_uring_cqe *cqe;
			if (pcsim_uring_cq_ready(&ring) == 0 && ret >= 0 && (unsigned)ret < want) {
				/* the model stops submitting at a bad SQE (5.10): the rest */
				int more = pcsim_uring_submit(&ring);
				PCSIM_CHECK(more >= 0, "differential", "pcsim_uring_submit: %d",
					    more);
				ret += more > 0 ? more : 0;
			}
			int w = pcsim_uring_wait_cqe(&ring, &cqe);
			PCSIM_CHECK(w == 0, "differential", "pcsim_uring_wait_cqe: %d", w);
			if (w)
				return;
			uint64_t i = cqe->user_data;
			PCSIM_CHECK(i < st->n && !ps->p[s][i].seen, "differential",
				    "step %u: a CQE for %llu, unknown or twice", s,
				    (unsigned long long)i);
			if (i < st->n) {
				ps->p[s][i].seen = true;
				ps->p[s][i].res = cqe->res;
			}
			pcsim_uring_cqe_seen(&ring, cqe);
		}
	}
	ps->fpos = pcsim_uring_file_pos(pcsim_world_current(), ps->fd);
	pcsim_uring_queue_exit(&ring);
}

static void p_setup(struct pcsim_world *w, void *arg)
{
	struct pstate *ps = arg;
	pcsim_bdev_init(&ps->bdev, 2, false);
	ps->m = pcsim_mapping_create(w, FILE_ID, file_size, &ps->bdev, 0);
	ps->m->fadv_random = true; /* POSIX_FADV_RANDOM, as the kernel's file */
	for (unsigned i = 0; i < npages; i++)
		if (page_cached(ps->rd->cached, i))
			pcsim_mapping_populate(ps->m, i, true, false);
	ps->fd = pcsim_uring_open(w, ps->m, 0);
	ps->p = pcsim_alloc(w, sizeof(struct result) * MAX_STEPS * MAX_REQS);
	if (!ps->p)
		return;
	ps->fpos = -1;
	pcsim_task_create(w, "submitter", p_submitter, ps, 0);
}

static void describe(const struct dreq *q, char *buf, size_t len)
{
	snprintf(buf, len, "read%s%s off %" PRId64 " len %u%s%s", q->nvec ? "v" : "",
		 q->bad_fd ? "(bad fd)" : "", q->off, q->len, q->nowait ? " RWF_NOWAIT" : "",
		 q->link ? " IOSQE_IO_LINK" : "");
	if (q->nvec) {
		size_t at = strlen(buf);
		for (unsigned v = 0; v < q->nvec && at < len; v++)
			at += (size_t)snprintf(buf + at, len - at, "%s%u", v ? "+" : " [", q->seg[v]);
		if (at < len)
			snprintf(buf + at, len - at, "]");
	}
}

/* Compare the model's outcome of this execution with the kernel's: a difference fails it. */
static void p_finish(struct pcsim_world *w, void *arg)
{
	(void)w;
	struct pstate *ps = arg;
	struct dround *rd = ps->rd;
	char d[192];
	for (unsigned s = 0; s < rd->nsteps; s++) {
		bool chain_raced = false; /* behind a raced read in its chain: its fate follows */
		for (unsigned i = 0; i < rd->s[s].n; i++) {
			const struct dreq *q = &rd->s[s].r[i];
			const struct result *k = &rd->k[s][i], *p = &ps->p[s][i];
			bool behind = chain_raced;
			chain_raced = chain_raced && q->link;
			describe(q, d, sizeof(d));
			PCSIM_CHECK(p->seen, "differential", "round %s step %u #%u (%s): no CQE",
				    rd->name, s, i, d);
			if (!p->seen || q->why || behind)
				continue;
			if (p->res != k->res && nowait_raced(&rd->s[s], q, k, p->res)) {
				if (!q->raced)
					raced++;
				((struct dreq *)q)->raced = true;
				chain_raced = q->link;
				continue;
			}
			if (p->res != k->res && nowait_raced_model(&rd->s[s], q, p, k->res)) {
				model_raced++;
				chain_raced = q->link;
				continue;
			}
			PCSIM_CHECK(p->res == k->res, "differential",
				    "round %s step %u #%u (%s): kernel res %d, pcsim res %d",
				    rd->name, s, i, d, k->res, p->res);
			if (p->res != k->res || p->res <= 0)
				continue;
			int64_t off = q->pos;
			for (int b = 0; b < p->res; b++) {
				if (p->buf[b] != k->buf[b]) {
					PCSIM_CHECK(false, "differential",
						    "round %s step %u #%u (%s): byte %d: kernel "
						    "0x%02x, "
						    "pcsim 0x%02x",
						    rd->name, s, i, d, b, k->buf[b], p->buf[b]);
					break;
				}
				if (off >= 0 &&
				    p->buf[b] !=
					    pcsim_file_byte(FILE_ID, (uint64_t)off + (uint64_t)b)) {
					PCSIM_CHECK(false, "differential",
						    "round %s step %u #%u (%s): byte %d is not the "
						    "file's",
						    rd->name, s, i, d, b);
					break;
				}
			}
		}
	}
	if (rd->fpos)
		PCSIM_CHECK(ps->fpos == rd->k_fpos, "differential",
			    "round %s: kernel f_pos %" PRId64 ", pcsim f_pos %" PRId64, rd->name,
			    rd->k_fpos, ps->fpos);
}

static int pcsim_run(struct dround *rd, unsigned idx)
{
	struct pstate ps;
	memset(&ps, 0, sizeof(ps));
	ps.rd = rd;
	char name[64];
	snprintf(name, sizeof(name), "differential-%s", rd->name);
	struct pcsim_program prog = {name, p_setup, p_finish, &ps};
	struct pcsim_config cfg;
	pcsim_config_init(&cfg);
	cfg.backend = PCSIM_BACKEND_SIM;
	if (k618)
		cfg.kernel = PCSIM_KERNEL_6_18;
	struct pcsim_explore_opts o;
	pcsim_explore_opts_init(&o);
	o.strategy = PCSIM_STRATEGY_RANDOM;
	o.seed = seed + idx;
	o.max_executions = executions;
	struct pcsim_report rep;
	int ret = pcsim_explore(&prog, &cfg, &o, &rep);
	if (ret != 0) {
		fprintf(stderr,
			"differential: round %s: pcsim %s (%s) in execution %" PRIu64
			" of strategy random seed %" PRIu64 "\n  %s\n",
			rd->name, ret < 0 ? "error" : pcsim_outcome_name(rep.outcome), rep.what,
			rep.failing_execution, o.seed, rep.message ? rep.message : "");
		if (show_trace && rep.trace)
			fprintf(stderr, "%s", rep.trace);
	}
	pcsim_report_free(&rep);
	return ret != 0;
}

/*
 * The probe: does the model's page cache read with 6.18's filemap_read() at kernel=6.18? A
 * RWF_NOWAIT read past EOF inside an absent EOF page is 0 there (i_size is tested before the
 * page is looked up) and -EAGAIN with 5.10's generic_file_buffered_read().
 */
struct probe {
	struct pcsim_bdev bdev;
	int fd, res;
};

static void probe_task(void *arg)
{
	struct probe *pr = arg;
	struct pcsim_uring ring;
	struct io_uring_cqe *cqe;
	static unsigned char buf[64];
	if (pcsim_uring_queue_init(4, &ring, 0))
		return;
	struct io_uring_sqe *sqe = pcsim_uring_get_sqe(&ring);
	pcsim_uring_prep_read(sqe, pr->fd, buf, sizeof(buf), PG + 200);
	sqe->rw_flags = RWF_NOWAIT;
	pcsim_uring_submit(&ring);
	if (pcsim_uring_wait_cqe(&ring, &cqe) == 0) {
		pr->res = cqe->res;
		pcsim_uring_cqe_seen(&ring, cqe);
	}
	pcsim_uring_queue_exit(&ring);
}

static void probe_setup(struct pcsim_world *w, void *arg)
{
	struct probe *pr = arg;
	pcsim_bdev_init(&pr->bdev, 2, false);
	struct pcsim_address_space *m = pcsim_mapping_create(w, FILE_ID, PG + 100, &pr->bdev, 0);
	m->fadv_random = true;
	pr->fd = pcsim_uring_open(w, m, 0);
	pcsim_task_create(w, "probe", probe_task, pr, 0);
}

static bool pagecache_is_legacy(void)
{
	struct probe pr = {.res = 1};
	struct pcsim_program prog = {"differential-probe", probe_setup, NULL, &pr};
	struct pcsim_config cfg;
	pcsim_config_init(&cfg);
	cfg.kernel = PCSIM_KERNEL_6_18;
	struct pcsim_explore_opts o;
	pcsim_explore_opts_init(&o);
	o.max_executions = 1;
	struct pcsim_report rep;
	if (pcsim_explore(&prog, &cfg, &o, &rep) != 0)
		die("the page-cache probe failed: %s", rep.message ? rep.message : "?");
	pcsim_report_free(&rep);
	if (pr.res != 0 && pr.res != -EAGAIN)
		die("the page-cache probe read %d", pr.res);
	return pr.res == -EAGAIN;
}

/* ------------------------------------------------------------------------------------------ */

static void print_round(const struct dround *rd)
{
	char d[192];
	printf("round %s: cached pages 0x%x%s\n", rd->name, rd->cached,
	       rd->skipped ? " (skipped: the cache state could not be set here)" : "");
	for (unsigned s = 0; s < rd->nsteps; s++) {
		if (rd->s[s].evict)
			printf("  step %u: pages 0x%x evicted first\n", s, rd->s[s].evict);
		if (verbose)
			printf("  step %u: the kernel's cache: 0x%x at submission, 0x%x after\n", s,
			       rd->s[s].k_resident, rd->s[s].k_after);
		uint32_t drift = (rd->s[s].k_resident ^ rd->s[s].cached) & rd->s[s].known;
		if (drift)
			printf("  step %u: the kernel's cache at submission differs from what the "
			       "workload knows on pages 0x%x (resident 0x%x, known 0x%x, cached "
			       "0x%x)\n", s, drift, rd->s[s].k_resident, rd->s[s].known,
			       rd->s[s].cached);
		for (unsigned i = 0; i < rd->s[s].n; i++) {
			describe(&rd->s[s].r[i], d, sizeof(d));
			printf("  step %u #%u %-52s kernel %6d%s%s%s\n", s, i, d, rd->k[s][i].res,
			       rd->s[s].r[i].why ? "  not compared: " : "",
			       rd->s[s].r[i].why ? rd->s[s].r[i].why : "",
			       rd->s[s].r[i].raced ? "  (the kernel's own readahead was done in "
						     "time: more than the model)" : "");
		}
	}
}

static void usage(void)
{
	fprintf(stderr,
		"usage: %s [--seed N] [--rounds N] [--executions N] [--kernel 5.10|6.18] [--exact] "
		"[--defer-taskrun] [--verbose] [--trace]\n",
		argv0);
	exit(2);
}

static uint64_t parse_u64(const char *s)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || !*s || *end || *s == '-')
		usage();
	return v;
}

int main(int argc, char **argv)
{
	argv0 = argv[0];
	bool have_seed = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
			seed = parse_u64(argv[++i]);
			have_seed = true;
		} else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) {
			nrounds = (unsigned)parse_u64(argv[++i]);
		} else if (strcmp(argv[i], "--executions") == 0 && i + 1 < argc) {
			executions = (unsigned)parse_u64(argv[++i]);
		} else if (strcmp(argv[i], "--kernel") == 0 && i + 1 < argc) {
			const char *k = argv[++i];
			if (strcmp(k, "6.18") == 0)
				k618 = true;
			else if (strcmp(k, "5.10") != 0)
				usage();
		} else if (strcmp(argv[i], "--exact") == 0) {
			require_exact = true;
		} else if (strcmp(argv[i], "--defer-taskrun") == 0) {
			ring_flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
		} else if (strcmp(argv[i], "--verbose") == 0) {
			verbose = true;
		} else if (strcmp(argv[i], "--trace") == 0) {
			show_trace = true;
		} else {
			usage();
		}
	}
	if (nrounds > 1000 || executions == 0 || executions > 100000 ||
	    ((require_exact || ring_flags) && !k618))
		usage();
	if (!have_seed)
		seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 20);
	char replay[256];
	snprintf(replay, sizeof(replay), "%s --seed %" PRIu64 " --rounds %u --executions %u%s%s%s",
		 argv0, seed, nrounds, executions, k618 ? " --kernel 6.18" : "",
		 require_exact ? " --exact" : "", ring_flags ? " --defer-taskrun" : "");
	printf("differential: seed %" PRIu64 " (replay: %s)\n", seed, replay);

	if (!kernel_ring_available())
		return 77;
	if (k618) {
		pc_legacy = pagecache_is_legacy();
		printf("differential: the model at kernel=6.18, every outcome compared%s\n",
		       pc_legacy ? ", except one the page cache decides: its read path at 6.18 is "
				   "still 5.10's generic_file_buffered_read() (RWF_NOWAIT at or past "
				   "EOF on an absent page: 5.10 -EAGAIN, filemap_read() 0)"
				 : " (exact)");
		if (pc_legacy && require_exact) {
			printf("differential: --exact: the page cache's read path is not 6.18's\n");
			return 1;
		}
	}
	rng_state = seed * 0x9e3779b97f4a7c15ull + 1;
	npages = 5 + rnd_below(MAX_PAGES - 5);			     /* 5..15 pages */
	file_size = (uint64_t)(npages - 1) * PG + 1 + rnd_below(PG); /* EOF inside the last */
	printf("differential: file of %" PRIu64 " bytes (%u pages)\n", file_size, npages);
	const char *tmpdir = getenv("TMPDIR");
	if (!kernel_file_create(tmpdir && *tmpdir ? tmpdir : "/tmp") &&
	    !kernel_file_create("/var/tmp")) {
		printf("differential: SKIP: no temporary directory on a disk filesystem (set "
		       "TMPDIR)\n");
		return 77;
	}

	unsigned total = 8 + nrounds;
	struct dround *rds = calloc(total, sizeof(*rds));
	if (!rds)
		die("out of memory");
	unsigned n = fixed_rounds(rds);
	for (unsigned i = 0; i < nrounds; i++)
		random_round(&rds[n++], i);
	unsigned failed = 0, skipped = 0, compared = 0, excluded = 0, drifted = 0;
	for (unsigned i = 0; i < n; i++) {
		struct dround *rd = &rds[i];
		settle_round(rd);
		kernel_run(rd);
		if (rd->skipped) {
			skipped++;
			if (verbose)
				print_round(rd);
			continue;
		}
		for (unsigned s = 0; s < rd->nsteps; s++)
			for (unsigned j = 0; j < rd->s[s].n; j++) {
				rd->s[s].r[j].why ? excluded++ : compared++;
				drifted += rd->s[s].r[j].why == WHY_KERNEL_DRIFT;
			}
		int bad = pcsim_run(rd, i);
		if (bad || verbose)
			print_round(rd);
		failed += (unsigned)bad;
	}
	io_uring_queue_exit(&kring);
	munmap(kmap, kmap_len);
	close(kfd);
	printf("differential: %u rounds (%u skipped: cache state not settable here), %u CQEs "
	       "compared, %u left out (kernel-version dependent), %u executions of the model each%s: "
	       "%s\n",
	       n, skipped, compared, excluded, executions, k618 ? " at kernel=6.18" : "",
	       failed ? "DIFFERENCES" : "same outcomes");
	if (drifted)
		printf("differential: %u of those left out: RWF_NOWAIT over a page the kernel did not "
		       "have in the state the workload set\n", drifted);
	if (model_raced)
		printf("differential: %u model execution(s) of a RWF_NOWAIT read finished the read's "
		       "own readahead first (more than the kernel; the same race, recognised by its "
		       "evidence)\n", model_raced);
	if (raced)
		printf("differential: %u RWF_NOWAIT read(s) got more than the model because the "
		       "readahead they started themselves was done when they looked again (the "
		       "kernel's timing, recognised by its evidence; --verbose lists them)\n", raced);
	free(rds);
	if (failed) {
		printf("differential: %u round(s) differ; replay: %s --verbose\n", failed, replay);
		return 1;
	}
	if (skipped == n) {
		printf("differential: SKIP: no round could set its page-cache state here\n");
		return 77;
	}
	return 0;
}
