// SPDX-License-Identifier: MIT
/*
 * liburing.c - the user's side of the ring, call for call as liburing 2.3 has it (queue
 * init/exit, get_sqe, the prep helpers, submit, wait/peek with and without a timeout, the CQ
 * iteration, cqe_seen), plus what the kernel does when a ring is created and released
 * (io_uring_setup, io_ring_ctx_wait_and_kill), the model's files (an fd table over page-cache
 * mappings, and a shim that creates a file) and the layer's per-execution state.
 *
 * The shared ring memory is ordered as liburing and the kernel order it: the user publishes
 * SQEs with a store-release of the SQ tail and sees CQEs after a load-acquire of the CQ tail;
 * the kernel does the converse. Those are accesses of the memory model, so tso exploration
 * sees them.
 */
#include <string.h>

#include "submit_threads.h"
#include "uring_int.h"

static const char layer_key = 0;
const void *pcsim__uring_layer_key(void) { return &layer_key; }	/* describe.c */

struct uring_layer *pcsim__uring(struct pcsim_world *w)
{
	return pcsim_world_layer(w, &layer_key, sizeof(struct uring_layer), NULL);
}

static const struct pcsim_uring_ops default_ops = {
	.async_buf_func = pcsim__io_async_buf_func,
	.read = pcsim__io_read,
	.task_submit = pcsim__io_req_task_submit,
};

const struct pcsim_uring_ops *pcsim_uring_default_ops(void)
{
	return &default_ops;
}

void pcsim_uring_set_ops(struct pcsim_world *w, const struct pcsim_uring_ops *ops)
{
	struct uring_layer *L = pcsim__uring(w);
	L->ops = ops ? *ops : default_ops;
	if (!L->ops.async_buf_func)
		L->ops.async_buf_func = default_ops.async_buf_func;
	if (!L->ops.read)
		L->ops.read = default_ops.read;
	if (!L->ops.task_submit)
		L->ops.task_submit = default_ops.task_submit;
	L->ops_set = true;
}

/* ---------------------------------------------------------------------------------------------
 * Files
 */
int pcsim_uring_open(struct pcsim_world *w, struct pcsim_address_space *mapping, unsigned flags)
{
	if (!w || !mapping || (flags & ~(PCSIM_URING_O_NO_RASYNC | PCSIM_URING_O_BDEV)))
		return -EINVAL;
	struct uring_layer *L = pcsim__uring(w);
	if (L->nr_files == PCSIM_URING_MAX_FILES)
		return -EMFILE;
	struct io_file *f = &L->files[L->nr_files];
	f->mapping = mapping;
	f->f_pos = 0;
	f->type = (flags & PCSIM_URING_O_BDEV) ? IO_FTYPE_BLK : IO_FTYPE_REG;
	f->buf_rasync = !(flags & PCSIM_URING_O_NO_RASYNC);
	f->open = true;
	return PCSIM_URING_FD_BASE + (int)L->nr_files++;
}

int pcsim_uring_pipe(struct pcsim_world *w, uint32_t id, size_t nbytes)
{
	if (!w)
		return -EINVAL;
	struct uring_layer *L = pcsim__uring(w);
	if (L->nr_files == PCSIM_URING_MAX_FILES)
		return -EMFILE;
	struct io_pipe *p = pcsim_alloc(w, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->id = id;
	p->avail = nbytes;
	init_waitqueue_head(&p->rd_wait);
	pcsim_obj_name(&p->rd_wait, "pipe %u", id);
	struct io_file *f = &L->files[L->nr_files];
	f->pipe = p;
	f->type = IO_FTYPE_PIPE;
	f->open = true;
	return PCSIM_URING_FD_BASE + (int)L->nr_files++;
}

int pcsim_uring_set_maxbytes(struct pcsim_world *w, int fd, uint64_t s_maxbytes)
{
	struct io_file *f = w ? pcsim__uring_file(w, fd) : NULL;
	if (!f || !f->mapping)
		return -EBADF;
	if (s_maxbytes < PCSIM_SETUP_GET(f->mapping->i_size) || s_maxbytes > INT64_MAX)
		return -EINVAL;
	f->s_maxbytes = s_maxbytes;
	return 0;
}

struct io_file *pcsim__uring_file(struct pcsim_world *w, int fd)
{
	struct uring_layer *L = pcsim__uring(w);
	if (fd < PCSIM_URING_FD_BASE || fd >= PCSIM_URING_FD_BASE + (int)L->nr_files)
		return NULL;
	return &L->files[fd - PCSIM_URING_FD_BASE];
}

int64_t pcsim_uring_file_pos(struct pcsim_world *w, int fd)
{
	struct io_file *f = w ? pcsim__uring_file(w, fd) : NULL;
	return f ? f->f_pos : -EBADF;
}

int pcsim_uring_create_file(struct pcsim_world *w, uint32_t id, uint64_t size, unsigned flags)
{
	if (!w || (flags & ~PCSIM_URING_O_NO_RASYNC))
		return -EINVAL;
	if (size > PCSIM_URING_FILE_MAX)
		return -EFBIG;	/* the mapping's page index is one array of every page */
	if (pcsim__uring(w)->nr_files == PCSIM_URING_MAX_FILES)
		return -EMFILE;
	struct pcsim_bdev *bdev = pcsim_alloc(w, sizeof(*bdev));
	if (!bdev)
		return -ENOMEM;
	pcsim_bdev_init(bdev, 2, false);
	struct pcsim_address_space *m = pcsim_mapping_create(w, id, size, bdev, 0);
	if (!m)
		return -ENOMEM;
	m->fadv_random = true;
	return pcsim_uring_open(w, m, flags);
}

struct pcsim_address_space *pcsim_uring_file_mapping(struct pcsim_world *w, int fd)
{
	struct io_file *f = w ? pcsim__uring_file(w, fd) : NULL;
	return f ? f->mapping : NULL;
}

/* ---------------------------------------------------------------------------------------------
 * Set-up (io_uring_setup) and teardown (io_ring_ctx_wait_and_kill)
 */
static unsigned roundup_pow_of_two(unsigned n)
{
	unsigned p = 1;
	while (p < n)
		p <<= 1;
	return p;
}

int pcsim_uring_queue_init_params(unsigned entries, struct pcsim_uring *ring,
				  const struct pcsim_uring_params *p)
{
	struct pcsim_uring_params defaults = { 0 };
	struct pcsim_world *w = pcsim_world_current();
	if (!p)
		p = &defaults;
	if (!ring || !w || !current)
		return -EINVAL;
	/* io_uring_create(): both sizes rounded up to a power of two */
	if (!entries || entries > 4096)
		return -EINVAL;
	entries = roundup_pow_of_two(entries);
	if (p->cq_entries > 8192)
		return -EINVAL;
	unsigned cq = p->cq_entries ? roundup_pow_of_two(p->cq_entries) : 2 * entries;
	if (cq < entries)
		return -EINVAL;
	if ((unsigned)p->mode > PCSIM_URING_SYNC)
		return -EINVAL;
	/* the setup flags a 6.18 ring takes (the older kernels refuse them as unknown) */
	enum pcsim_kernel kernel = pcsim_world_config(w)->kernel;
	const unsigned known = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
	if (p->flags & ~known)
		return -EINVAL;
	if (p->flags && kernel != PCSIM_KERNEL_6_18)
		return -EINVAL;
	if ((p->flags & IORING_SETUP_DEFER_TASKRUN) && !(p->flags & IORING_SETUP_SINGLE_ISSUER))
		return -EINVAL;
	struct uring_layer *L = pcsim__uring(w);
	struct io_ring_ctx *ctx = pcsim_alloc(w, sizeof(*ctx));
	ctx->w = w;
	/* the world's ring_mode setting, if any, overrides what the program asked for */
	const struct pcsim_uring_config *ucfg = pcsim_uring_config_get(pcsim_world_config(w));
	ctx->mode = ucfg->mode >= 0 ? (enum pcsim_uring_mode)ucfg->mode : p->mode;
	ctx->sqo_task = current;
	ctx->kernel = kernel;
	ctx->setup_flags = p->flags;
	if (p->flags & IORING_SETUP_DEFER_TASKRUN)
		spin_lock_init(&ctx->work_lock);	/* only such rings take it */
	ctx->ops = L->ops_set ? L->ops : default_ops;
	ctx->rings.sq_ring_entries = entries;
	ctx->rings.sq_ring_mask = entries - 1;
	ctx->rings.cq_ring_entries = cq;
	ctx->rings.cq_ring_mask = cq - 1;
	ctx->rings.sqes = pcsim_alloc(w, entries * sizeof(struct io_uring_sqe));
	ctx->rings.cqes = pcsim_alloc(w, cq * sizeof(struct io_uring_cqe));
	WRITE_ONCE(ctx->rings.sq_head, 0);
	WRITE_ONCE(ctx->rings.sq_tail, 0);
	WRITE_ONCE(ctx->rings.cq_head, 0);
	WRITE_ONCE(ctx->rings.cq_tail, 0);
	WRITE_ONCE(ctx->rings.cq_overflow, 0);
	spin_lock_init(&ctx->completion_lock);
	init_waitqueue_head(&ctx->wait);
	INIT_LIST_HEAD(&ctx->cq_overflow_list);
	atomic_set(&ctx->refs, 1);
	atomic_set(&ctx->inflight, 0);
	/* rings of one world may be set up by several tasks at once (threads backend) */
	unsigned nr = __atomic_fetch_add(&L->nr_rings, 1u, __ATOMIC_RELAXED);
	pcsim_obj_name(&ctx->rings.sq_tail, "ring %u sq.tail", nr);
	pcsim_obj_name(&ctx->rings.cq_tail, "ring %u cq.tail", nr);
	pcsim_obj_name(&ctx->rings.cq_head, "ring %u cq.head", nr);
	int ret = pcsim__io_wq_create(ctx, ucfg->iowq_workers ? ucfg->iowq_workers
							      : p->iowq_workers);
	if (ret) {
		pcsim__io_wq_exit(ctx);
		return ret;
	}
	ring->ctx = ctx;
	ring->sqe_head = ring->sqe_tail = 0;
	return 0;
}

int pcsim_uring_queue_init(unsigned entries, struct pcsim_uring *ring, unsigned flags)
{
	struct pcsim_uring_params p = { .flags = flags };
	return pcsim_uring_queue_init_params(entries, ring, &p);
}

int pcsim_uring_queue_init_io_params(unsigned entries, struct pcsim_uring *ring,
				     struct io_uring_params *p)
{
	if (!p)
		return -EFAULT;
	const unsigned known = IORING_SETUP_CQSIZE | IORING_SETUP_SINGLE_ISSUER |
			       IORING_SETUP_DEFER_TASKRUN;
	if (p->flags & ~known)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(p->resv) / sizeof(p->resv[0]); i++)
		if (p->resv[i])
			return -EINVAL;
	struct pcsim_uring_params pp = { .flags = p->flags & ~(unsigned)IORING_SETUP_CQSIZE };
	if (p->flags & IORING_SETUP_CQSIZE) {
		if (!p->cq_entries)
			return -EINVAL;
		pp.cq_entries = p->cq_entries;
	}
	int ret = pcsim_uring_queue_init_params(entries, ring, &pp);
	if (ret)
		return ret;
	p->sq_entries = ring->ctx->rings.sq_ring_entries;
	p->cq_entries = ring->ctx->rings.cq_ring_entries;
	p->features = IORING_FEAT_SINGLE_MMAP | IORING_FEAT_NODROP | IORING_FEAT_SUBMIT_STABLE |
		      IORING_FEAT_RW_CUR_POS;
	return 0;
}

/* The exit waits for in-flight requests while running their retries, then for the workers. */
static bool exit_done(struct io_ring_ctx *ctx)
{
	return atomic_read(&ctx->inflight) == 0 && atomic_read(&ctx->wq.alive) == 0;
}

static int exit_wake_function(struct wait_queue_entry *curr, unsigned mode, int wake_flags,
			      void *key)
{
	return autoremove_wake_function(curr, mode, wake_flags, key);
}

void pcsim_uring_queue_exit(struct pcsim_uring *ring)
{
	struct io_ring_ctx *ctx = ring ? ring->ctx : NULL;
	if (!ctx || ctx->exited)
		return;
	PCSIM_CHECK(current == ctx->sqo_task, "uring-misuse",
		    "io_uring_queue_exit() from a task that does not own the ring");
	__atomic_store_n(&ctx->dying, true, __ATOMIC_RELAXED);
	pcsim__io_wq_cancel_all(ctx);
	DEFINE_WAIT_FUNC(wait, exit_wake_function);
	bool workers_told = false;
	for (;;) {
		while (pcsim_task_work_pending(current))
			task_work_run();
		if (ring_local_work_pending(ctx))
			pcsim__io_run_local_work(ctx);	/* DEFER_TASKRUN: io_ring_exit_work */
		if (atomic_read(&ctx->inflight) == 0 && !workers_told) {
			pcsim__io_wq_exit(ctx);
			workers_told = true;
		}
		/* two traced loads: in statements of their own, so the order is not the
		 * compiler's (alive first, as every build before this did with gcc) */
		int alive = atomic_read(&ctx->wq.alive);
		int inflight = atomic_read(&ctx->inflight);
		pcsim_task_set_wchan("io_uring exit: %d request(s) in flight, %d worker(s)",
				     inflight, alive);
		prepare_to_wait(&ctx->wait, &wait, TASK_UNINTERRUPTIBLE);
		if (exit_done(ctx)) {
			finish_wait(&ctx->wait, &wait);
			break;
		}
		if (!pcsim_task_work_pending(current) && !ring_local_work_pending(ctx) &&
		    !(atomic_read(&ctx->inflight) == 0 && !workers_told))
			schedule();
		finish_wait(&ctx->wait, &wait);
	}
	/* What the kernel frees now must all be back: requests and context references. */
	for (unsigned i = 0; i < ctx->nr_reqs; i++)
		PCSIM_CHECK(ctx->reqs[i]->freed, "uring-leak",
			    "request %u (user_data %llu) never freed by the ring's exit",
			    ctx->reqs[i]->id, (unsigned long long)ctx->reqs[i]->user_data);
	PCSIM_CHECK(atomic_read(&ctx->refs) == 1, "uring-ctx-ref",
		    "the ring's context holds %d reference(s) at exit, expected 1",
		    atomic_read(&ctx->refs));
	ctx->exited = true;	/* the ring's counters stay readable (pcsim_uring_stats) */
}

/* ---------------------------------------------------------------------------------------------
 * Submission (the user's side)
 */
struct io_uring_sqe *pcsim_uring_get_sqe(struct pcsim_uring *ring)
{
	if (!ring || !ring->ctx || ring->ctx->exited)
		return NULL;
	struct io_rings *r = &ring->ctx->rings;
	unsigned head = (unsigned)smp_load_acquire(&r->sq_head);
	if (ring->sqe_tail - head >= r->sq_ring_entries)
		return NULL;
	return &r->sqes[ring->sqe_tail++ & r->sq_ring_mask];
}

void pcsim_uring_prep_rw(int op, struct io_uring_sqe *sqe, int fd, const void *addr, unsigned len,
			 uint64_t offset)
{
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = (uint8_t)op;
	sqe->fd = fd;
	sqe->off = offset;
	sqe->addr = (uint64_t)(uintptr_t)addr;
	sqe->len = len;
}

void pcsim_uring_prep_nop(struct io_uring_sqe *sqe)
{
	pcsim_uring_prep_rw(IORING_OP_NOP, sqe, -1, NULL, 0, 0);
}

void pcsim_uring_prep_read(struct io_uring_sqe *sqe, int fd, void *buf, unsigned nbytes,
			   uint64_t offset)
{
	pcsim_uring_prep_rw(IORING_OP_READ, sqe, fd, buf, nbytes, offset);
}

void pcsim_uring_prep_readv(struct io_uring_sqe *sqe, int fd, const struct iovec *iovecs,
			    unsigned nr_vecs, uint64_t offset)
{
	pcsim_uring_prep_rw(IORING_OP_READV, sqe, fd, iovecs, nr_vecs, offset);
}

void pcsim_uring_prep_readv2(struct io_uring_sqe *sqe, int fd, const struct iovec *iovecs,
			     unsigned nr_vecs, uint64_t offset, int flags)
{
	pcsim_uring_prep_readv(sqe, fd, iovecs, nr_vecs, offset);
	sqe->rw_flags = flags;
}

void pcsim_uring_prep_fadvise(struct io_uring_sqe *sqe, int fd, uint64_t offset, unsigned len,
			      int advice)
{
	pcsim_uring_prep_rw(IORING_OP_FADVISE, sqe, fd, NULL, len, offset);
	sqe->fadvise_advice = (uint32_t)advice;
}

void pcsim_uring_sqe_set_data(struct io_uring_sqe *sqe, void *data)
{
	sqe->user_data = (uint64_t)(uintptr_t)data;
}

void pcsim_uring_sqe_set_data64(struct io_uring_sqe *sqe, uint64_t data)
{
	sqe->user_data = data;
}

void pcsim_uring_sqe_set_flags(struct io_uring_sqe *sqe, unsigned flags)
{
	sqe->flags = (uint8_t)flags;
}

/* __io_uring_flush_sq(): publish the new SQEs; returns how many wait to be submitted. */
static unsigned flush_sq(struct pcsim_uring *ring)
{
	struct io_rings *r = &ring->ctx->rings;
	if (ring->sqe_head != ring->sqe_tail) {
		ring->sqe_head = ring->sqe_tail;
		smp_store_release(&r->sq_tail, ring->sqe_tail);
	}
	return ring->sqe_tail - (unsigned)smp_load_acquire(&r->sq_head);
}

/* The threads backend's submitter waits for CQEs in its event loop (submit_threads.c). */
static bool on_threads(const struct io_ring_ctx *ctx)
{
	return pcsim_world_config(ctx->w)->backend == PCSIM_BACKEND_THREADS;
}

int pcsim_uring_submit_and_wait(struct pcsim_uring *ring, unsigned wait_nr)
{
	if (!ring || !ring->ctx || ring->ctx->exited)
		return -EINVAL;
	unsigned n = flush_sq(ring);
	if (!n && !wait_nr)
		return 0;
	if (wait_nr && on_threads(ring->ctx))
		return pcsim__uring_thr_enter(ring->ctx, n, wait_nr);	/* in its event loop */
	return pcsim__io_uring_enter(ring->ctx, n, wait_nr);
}

int pcsim_uring_submit(struct pcsim_uring *ring)
{
	return pcsim_uring_submit_and_wait(ring, 0);
}

unsigned pcsim_uring_sq_ready(const struct pcsim_uring *ring)
{
	if (!ring || !ring->ctx)
		return 0;
	return ring->sqe_tail - (unsigned)smp_load_acquire(&ring->ctx->rings.sq_head);
}

unsigned pcsim_uring_sq_space_left(const struct pcsim_uring *ring)
{
	if (!ring || !ring->ctx)
		return 0;
	return ring->ctx->rings.sq_ring_entries - pcsim_uring_sq_ready(ring);
}

/* ---------------------------------------------------------------------------------------------
 * Completion (the user's side)
 */
unsigned pcsim_uring_cq_ready(const struct pcsim_uring *ring)
{
	struct io_rings *r = &ring->ctx->rings;
	return (unsigned)smp_load_acquire(&r->cq_tail) - (unsigned)READ_ONCE(r->cq_head);
}

/*
 * cq_ring_needs_flush(): liburing reads IORING_SQ_CQ_OVERFLOW, which 5.10 sets while CQEs wait
 * on the overflow list; the model looks at the list itself, as io_uring_enter() does. If so,
 * io_uring_enter(0, 0, IORING_ENTER_GETEVENTS) moves them to the ring.
 */
static bool cq_flush_overflow(struct pcsim_uring *ring)
{
	struct io_ring_ctx *ctx = ring->ctx;
	if (ctx->exited || list_empty(&ctx->cq_overflow_list))
		return false;
	pcsim__io_uring_enter(ctx, 0, 0);
	return true;
}

static int peek_cqe_once(struct pcsim_uring *ring, struct io_uring_cqe **cqe_ptr)
{
	struct io_rings *r = &ring->ctx->rings;
	unsigned tail = (unsigned)smp_load_acquire(&r->cq_tail);
	unsigned head = (unsigned)READ_ONCE(r->cq_head);
	*cqe_ptr = NULL;
	if (head == tail)
		return -EAGAIN;
	*cqe_ptr = &r->cqes[head & r->cq_ring_mask];
	return 0;
}

int pcsim_uring_peek_cqe(struct pcsim_uring *ring, struct io_uring_cqe **cqe_ptr)
{
	int ret = peek_cqe_once(ring, cqe_ptr);
	if (ret == -EAGAIN && cq_flush_overflow(ring))
		ret = peek_cqe_once(ring, cqe_ptr);
	return ret;
}

unsigned pcsim_uring_peek_batch_cqe(struct pcsim_uring *ring, struct io_uring_cqe **cqes,
				    unsigned count)
{
	struct io_rings *r = &ring->ctx->rings;
	unsigned ready = pcsim_uring_cq_ready(ring);
	if (!ready && cq_flush_overflow(ring))
		ready = pcsim_uring_cq_ready(ring);
	unsigned head = (unsigned)READ_ONCE(r->cq_head);
	if (count > ready)
		count = ready;
	for (unsigned i = 0; i < count; i++)
		cqes[i] = &r->cqes[(head + i) & r->cq_ring_mask];
	return count;
}

unsigned pcsim_uring_cq_head(const struct pcsim_uring *ring)
{
	return (unsigned)READ_ONCE(ring->ctx->rings.cq_head);
}

struct io_uring_cqe *pcsim_uring_cqe_at(struct pcsim_uring *ring, unsigned head)
{
	struct io_rings *r = &ring->ctx->rings;
	if (head == (unsigned)smp_load_acquire(&r->cq_tail))
		return NULL;
	return &r->cqes[head & r->cq_ring_mask];
}

int pcsim_uring_wait_cqe_nr(struct pcsim_uring *ring, struct io_uring_cqe **cqe_ptr,
			    unsigned wait_nr)
{
	if (!ring || !ring->ctx || ring->ctx->exited || !cqe_ptr)
		return -EINVAL;
	for (bool entered = false;; entered = true) {
		if (pcsim_uring_cq_ready(ring) >= wait_nr)
			return pcsim_uring_peek_cqe(ring, cqe_ptr);
		/*
		 * The kernel's io_cqring_wait() counts CQEs by ctx->cached_cq_tail, which runs ahead
		 * of the published tail while another CPU is between io_cqring_fill_event() and
		 * io_commit_cqring(): enter then returns at once and the user loops until the tail
		 * shows. On real CPUs that window closes by itself; here the loop says it waits
		 * for another CPU (cpu_relax), or a strategy could run it forever.
		 */
		if (entered)
			pcsim_cpu_relax();
		int ret = on_threads(ring->ctx) ? pcsim__uring_thr_enter(ring->ctx, 0, wait_nr)
						: pcsim__io_uring_enter(ring->ctx, 0, wait_nr);
		if (ret < 0)
			return ret;
	}
}

int pcsim_uring_wait_cqe(struct pcsim_uring *ring, struct io_uring_cqe **cqe_ptr)
{
	return pcsim_uring_wait_cqe_nr(ring, cqe_ptr, 1);
}

/* timespec64_to_jiffies(): rounded up, capped; a pcsim jiffy is a millisecond. */
static int timespec_to_jiffies(const struct __kernel_timespec *ts, long *jiffies)
{
	const uint64_t max = (uint64_t)PCSIM_MAX_SCHEDULE_TIMEOUT - 1;
	if (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000)
		return -EINVAL;
	uint64_t ms = (uint64_t)ts->tv_nsec / 1000000u + ((uint64_t)ts->tv_nsec % 1000000u != 0);
	if ((uint64_t)ts->tv_sec > (max - ms) / 1000u)
		*jiffies = (long)max;
	else
		*jiffies = (long)((uint64_t)ts->tv_sec * 1000u + ms);
	return 0;
}

/*
 * io_uring_wait_cqes() with a timeout, as liburing 2.3 does it where the kernel has
 * IORING_FEAT_EXT_ARG: one io_uring_enter() whose io_cqring_wait() sleeps with
 * schedule_timeout(); after it, any ready CQE is returned (even fewer than @wait_nr), else its
 * error (-ETIME, -EINTR). The loop only re-enters while the kernel has counted a CQE another CPU
 * has not yet published (see pcsim_uring_wait_cqe_nr()).
 */
static int wait_cqes_timeout(struct pcsim_uring *ring, struct io_uring_cqe **cqe_ptr,
			     unsigned wait_nr, long timeout)
{
	for (bool entered = false;; entered = true) {
		unsigned ready = pcsim_uring_cq_ready(ring);
		if (ready >= wait_nr || (entered && ready))
			return pcsim_uring_peek_cqe(ring, cqe_ptr);
		if (entered)
			pcsim_cpu_relax();
		int ret = pcsim__io_cqring_wait_timeout(ring->ctx, wait_nr, &timeout);
		if (ret < 0) {
			/* 5.11: "return cq.head == cq.tail ? ret : 0" */
			if (pcsim_uring_cq_ready(ring))
				return pcsim_uring_peek_cqe(ring, cqe_ptr);
			*cqe_ptr = NULL;
			/*
			 * The timeout passed: time went by for everyone else too. Untimed, an expiry
			 * may fire at any step, so a program that waits again on -ETIME would let a
			 * strategy fire each new expiry ahead of the completion it waits for,
			 * forever (a port did: docs/porting-from-liburing.md). Stepping aside once,
			 * as a polling loop does, lets the rest of the world move first.
			 */
			if (ret == -ETIME)
				pcsim_cpu_relax();
			return ret;
		}
	}
}

int pcsim_uring_wait_cqes(struct pcsim_uring *ring, struct io_uring_cqe **cqe_ptr,
			  unsigned wait_nr, struct __kernel_timespec *ts, void *sigmask)
{
	long timeout;
	if (cqe_ptr)
		*cqe_ptr = NULL;
	if (!ring || !ring->ctx || ring->ctx->exited || !cqe_ptr || sigmask)
		return -EINVAL;
	if (!ts)
		return pcsim_uring_wait_cqe_nr(ring, cqe_ptr, wait_nr);
	int ret = timespec_to_jiffies(ts, &timeout);
	if (ret)
		return ret;
	return wait_cqes_timeout(ring, cqe_ptr, wait_nr, timeout);
}

int pcsim_uring_wait_cqe_timeout(struct pcsim_uring *ring, struct io_uring_cqe **cqe_ptr,
				 struct __kernel_timespec *ts)
{
	return pcsim_uring_wait_cqes(ring, cqe_ptr, 1, ts, NULL);
}

void pcsim_uring_cq_advance(struct pcsim_uring *ring, unsigned nr)
{
	struct io_rings *r = &ring->ctx->rings;
	if (nr)
		smp_store_release(&r->cq_head, READ_ONCE(r->cq_head) + nr);
}

void pcsim_uring_cqe_seen(struct pcsim_uring *ring, struct io_uring_cqe *cqe)
{
	if (cqe)
		pcsim_uring_cq_advance(ring, 1);
}

void *pcsim_uring_cqe_get_data(const struct io_uring_cqe *cqe)
{
	return (void *)(uintptr_t)cqe->user_data;
}

uint64_t pcsim_uring_cqe_get_data64(const struct io_uring_cqe *cqe)
{
	return cqe->user_data;
}

void pcsim_uring_stats(const struct pcsim_uring *ring, struct pcsim_uring_stats *st)
{
	if (!ring || !ring->ctx || !st)
		return;
	const struct pcsim_uring_stats *s = &ring->ctx->stats;
	st->submitted = __atomic_load_n(&s->submitted, __ATOMIC_RELAXED);
	st->completed = __atomic_load_n(&s->completed, __ATOMIC_RELAXED);
	st->inline_done = __atomic_load_n(&s->inline_done, __ATOMIC_RELAXED);
	st->armed = __atomic_load_n(&s->armed, __ATOMIC_RELAXED);
	st->callbacks = __atomic_load_n(&s->callbacks, __ATOMIC_RELAXED);
	st->retries = __atomic_load_n(&s->retries, __ATOMIC_RELAXED);
	st->punted = __atomic_load_n(&s->punted, __ATOMIC_RELAXED);
	st->overflowed = __atomic_load_n(&s->overflowed, __ATOMIC_RELAXED);
	st->cancelled = __atomic_load_n(&s->cancelled, __ATOMIC_RELAXED);
}
