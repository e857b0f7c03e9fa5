// SPDX-License-Identifier: MIT
/*
 * describe.c - pcsim_uring_describe(): the ring layer's part of an execution's state, for a
 * person (`pcsim step`'s `state` command): each ring with its SQ and CQ heads and tails, its
 * context references and state, and each request not yet freed with where it is - armed (a
 * page wait callback outstanding: io_async_buf_func on a page), task_work queued (the retry,
 * io_req_task_submit, or its cancel), queued to io-wq, issued (being read), completed (its
 * CQE posted). Callbacks are named, never shown as pointers. Read-only: plain reads of the
 * model's memory (PCSIM_SETUP_GET), no step, no trace event, no object id, so looking never
 * changes the execution. It shows the state io_rw_should_retry(), io_async_buf_func(),
 * io_req_task_work_add() and io_wq_enqueue() (fs/io_uring.c, fs/io-wq.c, 5.10) leave behind.
 */
#include <stddef.h>
#include <stdio.h>

#include <pcsim/task.h>

#include "uring_int.h"

static const char *opcode_name(uint8_t op)
{
	switch (op) {
	case IORING_OP_NOP:
		return "NOP";
	case IORING_OP_READ:
		return "READ";
	case IORING_OP_READV:
		return "READV";
	case IORING_OP_FADVISE:
		return "FADVISE";
	default:
		return "op?";
	}
}

static const char *mode_name(enum pcsim_uring_mode m)
{
	return m == PCSIM_URING_OFFLOAD ? "offload" : m == PCSIM_URING_SYNC ? "sync" : "rasync";
}

/* The names of the plug points' functions: pcsim's own, or "(custom)" for a program's. */
static const char *buf_func_name(const struct io_ring_ctx *ctx)
{
	return ctx->ops.async_buf_func == pcsim__io_async_buf_func ? "io_async_buf_func"
								   : "async_buf_func (custom)";
}

static const char *tw_func_name(const struct io_kiocb *req)
{
	const struct io_ring_ctx *ctx = req->ctx;
	if (req->task_work.func == pcsim__io_req_task_cancel)
		return "io_req_task_cancel";
	if (req->task_work.func == pcsim__io_req_task_submit)
		return "io_req_task_submit (the retry)";
	if (req->task_work.func == ctx->ops.task_submit)
		return "task_submit (custom)";
	return "task_work";
}

/* Is @req on its ring's io-wq work list? */
static bool on_iowq(const struct io_ring_ctx *ctx, const struct io_kiocb *req)
{
	const struct list_head *h = &ctx->wq.work_list;
	const struct list_head *pos = PCSIM_SETUP_GET(h->next);
	for (unsigned n = 0; pos && pos != h && n < 100000; pos = PCSIM_SETUP_GET(pos->next), n++)
		if (pos == &req->list)
			return true;
	return false;
}

static void describe_req(const struct io_ring_ctx *ctx, const struct io_kiocb *req, FILE *f)
{
	fprintf(f, "    request %u %s user_data %llu", req->id, opcode_name(req->opcode),
		(unsigned long long)req->user_data);
	if (req->opcode == IORING_OP_READ || req->opcode == IORING_OP_READV)
		fprintf(f, " (%u bytes, %zu done)", req->len,
			req->async_data ? req->async_data->bytes_done : (size_t)0);
	fprintf(f, ": ");
	bool any = false;
	if (req->armed) {
		const struct wait_page_queue *wpq = req->async_data ? &req->async_data->wpq : NULL;
		const struct page *pg = wpq ? wpq->page : NULL;
		if (pg)
			fprintf(f, "armed (%s waits for page %u to unlock)", buf_func_name(ctx),
				pg->pfn);
		else
			fprintf(f, "armed (%s)", buf_func_name(ctx));
		any = true;
	}
	if (req->tw_pending) {
		fprintf(f, "%stask_work queued to T%u: %s", any ? ", " : "",
			req->task ? pcsim_task_id(req->task) : 0u, tw_func_name(req));
		any = true;
	}
	if (on_iowq(ctx, req)) {
		fprintf(f, "%squeued to io-wq", any ? ", " : "");
		any = true;
	}
	if (req->cqes) {
		fprintf(f, "%scompleted (CQE posted)", any ? ", " : "");
		any = true;
	}
	if (!any)
		fprintf(f, "issued (being read, or blocked in an io-wq worker)");
	if (req->link)
		fprintf(f, "; linked to request %u", req->link->id);
	fprintf(f, "\n");
}

int pcsim_uring_describe(const struct pcsim_world *w, FILE *f)
{
	if (!w || !f)
		return -1;
	if (pcsim_world_config(w)->backend == PCSIM_BACKEND_THREADS) {
		fprintf(f, "rings: (not shown on the threads backend)\n");
		return ferror(f) ? -1 : 0;
	}
	const struct uring_layer *L = pcsim_world_layer_peek(w, pcsim__uring_layer_key());
	if (!L || !L->nr_chk_rings) {
		fprintf(f, "rings: (none entered yet)\n");
		return ferror(f) ? -1 : 0;
	}
	fprintf(f, "rings:\n");
	for (unsigned i = 0; i < L->nr_chk_rings; i++) {
		const struct io_ring_ctx *ctx = L->chk_rings[i];
		const struct io_rings *r = &ctx->rings;
		fprintf(f, "  ring %u (%s, of T%u): SQ head %u tail %u, CQ head %u tail %u of %u",
			i, mode_name(ctx->mode), ctx->sqo_task ? pcsim_task_id(ctx->sqo_task) : 0u,
			(unsigned)PCSIM_SETUP_GET(r->sq_head),
			(unsigned)PCSIM_SETUP_GET(r->sq_tail),
			(unsigned)PCSIM_SETUP_GET(r->cq_head),
			(unsigned)PCSIM_SETUP_GET(r->cq_tail),
			r->cq_ring_entries);
		if (PCSIM_SETUP_GET(r->cq_overflow))
			fprintf(f, ", %u overflowed", (unsigned)PCSIM_SETUP_GET(r->cq_overflow));
		fprintf(f, "; ctx refs %d, %d in flight%s\n", PCSIM_SETUP_GET(ctx->refs.counter),
			PCSIM_SETUP_GET(ctx->inflight.counter),
			ctx->exited ? ", closed" : ctx->dying ? ", being released" : "");
		unsigned shown = 0;
		for (unsigned k = 0; k < ctx->nr_reqs; k++) {
			const struct io_kiocb *req = ctx->reqs[k];
			if (!req || req->freed)
				continue;
			describe_req(ctx, req, f);
			shown++;
		}
		if (!shown)
			fprintf(f, "    (no request in flight)\n");
	}
	if (L->nr_chk_rings == sizeof(L->chk_rings) / sizeof(L->chk_rings[0]))
		fprintf(f, "  (rings beyond the first %u are not shown)\n", L->nr_chk_rings);
	return ferror(f) ? -1 : 0;
}
