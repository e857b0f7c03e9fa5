// SPDX-License-Identifier: MIT
/*
 * bdev.c - the block device behind ->readpage(): a queue with k parallel slots and a
 * service-time distribution; a request's completion is an interrupt-context event
 * (end_page_read(): SetPageUptodate or SetPageError, then unlock_page()), and in exploration its
 * moment is a choice of the strategy. -EIO is an injectable data choice.
 *
 * Models (5.10; on kernel profile 6.18 the completion ends the read with folio_end_read()):
 * mpage_readpage()/submit_bio() down to the request queue, and the bio end_io
 * that ends the page read (fs/mpage.c mpage_end_io -> page_endio()).
 *
 * Deliberately different: the device is not a driver but a queueing model. A request that finds
 * a free slot starts service at once; the others wait in FIFO order and start, one each, in the
 * completion that frees a slot. A started request's service time is drawn from a shifted
 * exponential distribution (struct pcsim_bdev_params; docs/pagecache.md has the calibration
 * against the real disk) only where time means something: in timed mode (sim) it is
 * the event's earliest firing time, on the threads backend a real delay. In untimed
 * exploration no time is drawn and nothing is delayed, so the completion's moment stays a pure
 * choice of the strategy and the traces are those of the zero-service-time device. A request
 * that finds the device idle (nothing in service or queued) adds the device's idle_ns to its
 * drawn time: the lone request's extra round trip (a virtio doorbell's exit to the host, the
 * host's wake-up, an interrupt into an idle vCPU), which requests at depth share or overlap.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <pcsim/kernel/compiler.h>
#include <pcsim/kernel/pagemap.h>
#include <pcsim/kernel/spinlock.h>

#include "pagecache_int.h"

struct pcsim_bdev_req {
	struct pcsim_bdev *bdev;
	struct page *page;
	uint32_t file;
	struct pcsim_bdev_req *next;
	bool idle;			/* found the device idle: idle_ns on its service time */
	struct pcsim_bdev_io io;	/* what the device's observer is shown */
};

/* The presets of pcsim_bdev_preset(); the derivation of "perf-anchor" is in docs/pagecache.md. */
static const struct {
	const char *name;
	struct pcsim_bdev_params p;
} presets[] = {
	/* today's device of the tests: two slots, completions whenever the strategy likes */
	{ "instant", { .slots = 2 } },
	/*
	 * the measured virtio-blk disk under O_DIRECT: mean service 25 us (QD 1 clat 19-27 us),
	 * 2 slots (QD 32 reaches 2.5-3x the QD 1 IOPS, of which the QD 1 side also pays ~12 us of
	 * host CPU per read: 2.5-3 x 25 / (25 + 12) = 1.7-2.0), so 2 / 25 us = 80k IOPS at QD 32
	 * (measured 40.6k-97.0k) with a completion latency of 32 / 80k = 400 us (326-775 us).
	 */
	{ "perf-anchor",
	  { .slots = 2, .service_ns_min = 12500, .service_ns_mean = 25000, .draws = 256 } },
};

const struct pcsim_bdev_params *pcsim_bdev_preset(const char *name)
{
	for (size_t i = 0; name && i < sizeof(presets) / sizeof(presets[0]); i++)
		if (strcmp(presets[i].name, name) == 0)
			return &presets[i].p;
	return NULL;
}

/*
 * The world's device settings (struct pcsim_pagecache_config: device, device_slots, latency)
 * applied over the shape a program asked for, into @tmp. Outside a world: @p as it is.
 */
static const struct pcsim_bdev_params *bdev_settings(const struct pcsim_bdev_params *p,
						     struct pcsim_bdev_params *tmp)
{
	struct pcsim_world *w = pcsim_world_current();
	if (!w)
		return p;
	const struct pcsim_pagecache_config *c = pcsim_pagecache_config_get(pcsim_world_config(w));
	*tmp = *p;
	const struct pcsim_bdev_params *preset =
		c->device == PCSIM_DEVICE_INSTANT	  ? pcsim_bdev_preset("instant")
		: c->device == PCSIM_DEVICE_PERF_ANCHOR ? pcsim_bdev_preset("perf-anchor")
							  : NULL;
	if (preset) {
		*tmp = *preset;
		tmp->eio = p->eio;
	}
	if (c->device_slots)
		tmp->slots = c->device_slots;
	if (c->latency_mean_ns) {
		tmp->service_ns_min = c->latency_min_ns;
		tmp->service_ns_mean = c->latency_mean_ns;
	}
	if (c->device_irq_batch)
		tmp->irq_batch = c->device_irq_batch;
	if (c->device_idle_ns)
		tmp->idle_ns = c->device_idle_ns;
	return tmp;
}

void pcsim_bdev_init_params(struct pcsim_bdev *bdev, const struct pcsim_bdev_params *p)
{
	struct pcsim_bdev_params tmp;
	p = bdev_settings(p, &tmp);
	bdev->slots = p->slots ? p->slots : 1;
	bdev->eio = p->eio;
	bdev->service_ns_min = p->service_ns_min;
	bdev->service_ns_mean = p->service_ns_mean > p->service_ns_min ? p->service_ns_mean
									 : p->service_ns_min;
	bdev->draws = p->draws ? p->draws : PCSIM_BDEV_DRAWS_DEFAULT;
	if (bdev->draws > PCSIM_BDEV_DRAWS_MAX)
		bdev->draws = PCSIM_BDEV_DRAWS_MAX;
	pcsim_spin_lock_init(&bdev->lock, "bdev->lock");
	bdev->inflight = 0;
	bdev->queue = bdev->queue_tail = NULL;
	bdev->completed = bdev->failed = 0;
	bdev->submitted = bdev->started = 0;
	bdev->observe = NULL;
	bdev->observe_arg = NULL;
	bdev->irq_batch = p->irq_batch ? p->irq_batch : 1;
	bdev->ndone = 0;
	bdev->done = bdev->done_tail = NULL;
	bdev->interrupts = 0;
	bdev->free_reqs = NULL;
	bdev->idle_ns = p->idle_ns;
	bdev->in_service = 0;
}

void pcsim_bdev_init(struct pcsim_bdev *bdev, unsigned slots, bool eio)
{
	struct pcsim_bdev_params p = { .slots = slots, .eio = eio };
	pcsim_bdev_init_params(bdev, &p);
}

void pcsim_bdev_set_observer(struct pcsim_bdev *bdev,
			     void (*fn)(const struct pcsim_bdev_io *io, void *arg), void *arg)
{
	bdev->observe = fn;
	bdev->observe_arg = arg;
}

/* ---------------------------------------------------------------------------------------------
 * Service times
 */

/*
 * ln(x) for a normal, positive x with +, -, * and / only. IEEE double arithmetic gives the same
 * bits on every x86-64 build (gcc or clang, -O0 or -O2), which libm's log() does not promise
 * across versions, and a service time feeds the sim backend's byte-identical traces. x = m 2^e
 * with m in [0.707, 1.414], then ln m = 2 atanh(s), s = (m - 1) / (m + 1), |s| < 0.172: the
 * odd series has converged to the last bit after 20 terms.
 */
static double ln_exact(double x)
{
	uint64_t bits;
	double m;
	memcpy(&bits, &x, sizeof(bits));
	int e = (int)((bits >> 52) & 0x7ff) - 1023;
	bits = (bits & ((1ull << 52) - 1)) | (1023ull << 52);
	memcpy(&m, &bits, sizeof(m));
	if (m > 1.4142135623730951) {
		m /= 2;
		e++;
	}
	double s = (m - 1) / (m + 1), s2 = s * s, term = s, sum = 0;
	for (int k = 1; k < 40; k += 2) {
		sum += term / k;
		term *= s2;
	}
	return 2 * sum + e * 0.6931471805599453;
}

static double v_ln_v(double v)
{
	return v > 0 ? v * ln_exact(v) : 0;
}

/*
 * Service time of quantile bucket @i of @n: min + (mean - min) X, X ~ Exp(1), where X is the
 * mean of the exponential over the bucket's probability range [i/n, (i+1)/n) rather than a
 * point in it. With survival v = 1 - u, the integral of -ln v over the bucket is
 * [v - v ln v] between its ends, so the bucket mean is 1 + n (vb ln vb - va ln va). The n
 * bucket means average to exactly 1, so the discrete draw keeps the calibrated mean, and n == 1
 * gives the mean itself.
 */
static uint64_t service_ns_of(const struct pcsim_bdev *bdev, uint64_t i, unsigned n)
{
	double va = (double)(n - i) / n, vb = (double)(n - i - 1) / n;
	double x = 1 + (double)n * (v_ln_v(vb) - v_ln_v(va));
	double tail = (double)(bdev->service_ns_mean - bdev->service_ns_min);
	return bdev->service_ns_min + (uint64_t)(tail * x + 0.5);
}

/*
 * A started request's service time: 0 (no delay, no choice) in untimed sim worlds, where the
 * strategy alone decides when completions fire; otherwise a "latency" data choice of the strategy
 * among @draws quantile buckets (seeded and recorded in the schedule in the sim backend, so a
 * seed replays its virtual times; a thread-local generator on the threads backend), none for a
 * zero-service device, plus @idle_ns when the request found the device @idle (no choice).
 */
static uint64_t draw_service_ns(struct pcsim_world *w, const struct pcsim_bdev *bdev, bool idle)
{
	const struct pcsim_config *cfg = pcsim_world_config(w);
	uint64_t ns = 0;
	if (cfg->backend == PCSIM_BACKEND_SIM && !cfg->timed)
		return 0;
	if (bdev->service_ns_mean)
		ns = service_ns_of(bdev, pcsim_choose("latency", bdev->draws), bdev->draws);
	return idle ? ns + bdev->idle_ns : ns;
}

static void set_page_data(struct page *page, uint32_t file)
{
	/* The content a read fills in: (file, index) + 1; 0 means never filled. */
	WRITE_ONCE(page->data_tag, ((uint64_t)file << 32 | (uint32_t)READ_ONCE(page->index)) + 1);
}

/* ---------------------------------------------------------------------------------------------
 * The block device
 */
static void bdev_start(struct pcsim_bdev_req *rq);

/*
 * end_page_read() of one request, in interrupt context on the CPU the completion fired on: the
 * observer sees it, then the page is marked and unlocked (its waiters woken).
 */
static void bdev_end_request(struct pcsim_bdev_req *rq)
{
	struct pcsim_bdev *bdev = rq->bdev;
	struct page *page = rq->page;
	bool eio = rq->io.error != 0;

	if (bdev->observe)
		bdev->observe(&rq->io, bdev->observe_arg);
	if (pcsim_world_config(pcsim_world_current())->kernel == PCSIM_KERNEL_6_18) {
		/*
		 * 6.18: folio_end_read(): PG_uptodate (on success) and the unlock in one atomic
		 * step. PG_error is gone from today's kernel: a failed read leaves the page
		 * unlocked and not uptodate, which is what the readers test.
		 */
		if (eio) {
			__atomic_fetch_add(&bdev->failed, 1, __ATOMIC_RELAXED);
		} else {
			set_page_data(page, rq->file);
			__atomic_fetch_add(&bdev->completed, 1, __ATOMIC_RELAXED);
		}
		pcsim_folio_end_read(page, !eio);
		return;
	}
	if (eio) {
		ClearPageUptodate(page);
		SetPageError(page);
		__atomic_fetch_add(&bdev->failed, 1, __ATOMIC_RELAXED);
	} else {
		set_page_data(page, rq->file);
		SetPageUptodate(page);
		__atomic_fetch_add(&bdev->completed, 1, __ATOMIC_RELAXED);
	}
	unlock_page(page);
}

/*
 * A request is over: back on the device's free list, reused last-in first-out by the next
 * ->readpage() (sim backend only, where no other context runs between two preemption points;
 * the threads backend keeps allocating).
 */
static void bdev_req_recycle(struct pcsim_bdev_req *rq)
{
	struct pcsim_world *w = pcsim_world_current();
	if (!w || pcsim_world_config(w)->backend != PCSIM_BACKEND_SIM)
		return;
	rq->next = rq->bdev->free_reqs;
	rq->bdev->free_reqs = rq;
}

/* The next queued request takes the slot just freed; under @bdev->lock. */
static struct pcsim_bdev_req *bdev_next_locked(struct pcsim_bdev *bdev)
{
	struct pcsim_bdev_req *next;
	bdev->inflight--;
	next = bdev->queue;
	if (next) {
		bdev->queue = next->next;
		if (!bdev->queue)
			bdev->queue_tail = NULL;
		bdev->inflight++;
		__atomic_fetch_add(&bdev->in_service, 1, __ATOMIC_RELAXED);
		next->io.start_seq = bdev->started++;
	}
	return next;
}

/*
 * Interrupt coalescing (@irq_batch > 1; vring_interrupt -> virtblk_done draining the used ring):
 * the request's service is over, so its slot goes to the next queued request at once, but its
 * page waits on the done list. The interrupt that ends pages comes with the @irq_batch-th done
 * request, or with this one when the device has nothing left in service (nothing else could
 * raise it); then every done request's page is ended here, oldest first, in one atomic context,
 * so their waiters' wake-ups (and the ring's task_work) pile up before any of them runs.
 */
static void bdev_complete_coalesced(struct pcsim_bdev_req *rq)
{
	struct pcsim_bdev *bdev = rq->bdev;
	struct pcsim_bdev_req *next, *batch = NULL;

	spin_lock(&bdev->lock);		/* interrupts are off here already */
	next = bdev_next_locked(bdev);
	rq->next = NULL;
	if (bdev->done_tail)
		bdev->done_tail->next = rq;
	else
		bdev->done = rq;
	bdev->done_tail = rq;
	bdev->ndone++;
	if (bdev->ndone >= bdev->irq_batch || !bdev->inflight) {
		batch = bdev->done;
		bdev->done = bdev->done_tail = NULL;
		bdev->ndone = 0;
		for (struct pcsim_bdev_req *r = batch; r; r = r->next)
			r->io.irq = bdev->interrupts;
		bdev->interrupts++;
	}
	spin_unlock(&bdev->lock);
	if (next)
		bdev_start(next);
	while (batch) {
		struct pcsim_bdev_req *r = batch;
		batch = r->next;
		bdev_end_request(r);
		bdev_req_recycle(r);
	}
}

static void bdev_complete(void *arg)
{
	struct pcsim_bdev_req *rq = arg;
	struct pcsim_bdev *bdev = rq->bdev;
	bool eio = bdev->eio && pcsim_choose("eio", 2) == 1;

	rq->io.complete_ns = pcsim_now_ns();
	rq->io.error = eio ? -EIO : 0;
	__atomic_fetch_sub(&bdev->in_service, 1, __ATOMIC_RELAXED);
	if (bdev->irq_batch > 1) {
		bdev_complete_coalesced(rq);
		return;
	}
	rq->io.irq = __atomic_fetch_add(&bdev->interrupts, 1, __ATOMIC_RELAXED);
	bdev_end_request(rq);
	struct pcsim_bdev_req *next;
	spin_lock(&bdev->lock);		/* interrupts are off here already */
	next = bdev_next_locked(bdev);
	spin_unlock(&bdev->lock);
	bdev_req_recycle(rq);
	if (next)
		bdev_start(next);
}

/* The request has a slot: draw its service time and post its completion. */
static void bdev_start(struct pcsim_bdev_req *rq)
{
	struct pcsim_world *w = pcsim_world_current();
	char name[40];
	rq->io.start_ns = pcsim_now_ns();
	rq->io.service_ns = draw_service_ns(w, rq->bdev, rq->idle);
	/* "bio page %u" without stdio: every read's request posts one */
	char num[12], *digit = num + sizeof(num);
	unsigned pfn = rq->page->pfn;
	*--digit = 0;
	do
		*--digit = (char)('0' + pfn % 10);
	while (pfn /= 10);
	memcpy(name, "bio page ", 9);
	memcpy(name + 9, digit, (size_t)(num + sizeof(num) - digit));
	struct pcsim_event_desc d = { name, PCSIM_CTX_HARDIRQ, -1, rq->io.service_ns,
				      bdev_complete, rq };
	pcsim_event_post(w, &d);
}

int pcsim_readpage(struct address_space *m, struct page *page)
{
	struct pcsim_world *w = pcsim_world_current();
	struct pcsim_bdev_req *rq = m->bdev->free_reqs;

	if (rq && pcsim_world_config(w)->backend == PCSIM_BACKEND_SIM)
		m->bdev->free_reqs = rq->next;	/* see bdev_req_recycle() */
	else
		rq = pcsim_alloc(w, sizeof(*rq));
	memset(rq, 0, sizeof(*rq));
	PCSIM_CHECK(PageLocked(page), "readpage", "->readpage() of an unlocked page %u", page->pfn);
	pcsim__pagecache_check_readpage(m, page);	/* A8 */
	rq->bdev = m->bdev;
	rq->page = page;
	rq->file = m->id;
	rq->io.pcsim_page = page;
	rq->io.file = m->id;
	rq->io.submit_ns = pcsim_now_ns();
	/* submit_bio(): into a free slot, or wait in the queue */
	unsigned long flags = 0;
	bool start;
	bool in_ctx = current || in_interrupt();	/* setup code runs alone: no lock */
	if (in_ctx)
		spin_lock_irqsave(&m->bdev->lock, flags);
	rq->io.seq = m->bdev->submitted++;
	start = m->bdev->inflight < m->bdev->slots;
	/*
	 * Idle: no request in service (one whose completion has fired but whose slot is not yet
	 * freed is over: the reader it woke may be back first) and none queued.
	 */
	rq->idle = rq->io.idle = !__atomic_load_n(&m->bdev->in_service, __ATOMIC_RELAXED) &&
				 !m->bdev->queue;
	if (start) {
		m->bdev->inflight++;
		__atomic_fetch_add(&m->bdev->in_service, 1, __ATOMIC_RELAXED);
		rq->io.start_seq = m->bdev->started++;
	} else {
		if (m->bdev->queue_tail)
			m->bdev->queue_tail->next = rq;
		else
			m->bdev->queue = rq;
		m->bdev->queue_tail = rq;
	}
	if (in_ctx)
		spin_unlock_irqrestore(&m->bdev->lock, flags);
	if (start)
		bdev_start(rq);
	return 0;
}
