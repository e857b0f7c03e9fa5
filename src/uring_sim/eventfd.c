// SPDX-License-Identifier: MIT
/*
 * eventfd.c - an eventfd a task can block on, and its registration with a ring.
 *
 * Models (5.10): fs/eventfd.c - eventfd_signal() adds to the count under the queue's lock and
 * wakes the readers; eventfd_read() (the non-semaphore read(2)) sleeps in TASK_INTERRUPTIBLE
 * until the count is not 0, or returns -ERESTARTSYS when a signal is pending, then takes the
 * whole count - and io_eventfd_register() / io_cqring_ev_posted() of fs/io_uring.c (every
 * posted CQE signals the registered eventfd). A task that waits for a ring's completion in
 * eventfd_read() is what B-16 needs: the retry's task_work must interrupt that sleep (TWA_SIGNAL),
 * the caller returns to user space (pcsim_return_to_user(), which runs the work) and reads again.
 */
#include "uring_int.h"

void pcsim__eventfd_signal(struct eventfd_ctx *ctx, uint64_t n)
{
	unsigned long flags;
	spin_lock_irqsave(&ctx->wqh.lock, flags);
	ctx->count += n;
	if (waitqueue_active(&ctx->wqh))
		__wake_up_locked_key(&ctx->wqh, TASK_INTERRUPTIBLE, NULL);
	spin_unlock_irqrestore(&ctx->wqh.lock, flags);
}

int pcsim_uring_eventfd(struct pcsim_world *w, unsigned initval)
{
	if (!w)
		return -EINVAL;
	struct uring_layer *L = pcsim__uring(w);
	if (L->nr_files == PCSIM_URING_MAX_FILES)
		return -EMFILE;
	struct eventfd_ctx *ctx = pcsim_alloc(w, sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	init_waitqueue_head(&ctx->wqh);
	ctx->count = initval;
	struct io_file *f = &L->files[L->nr_files];
	f->eventfd = ctx;
	f->open = true;
	return PCSIM_URING_FD_BASE + (int)L->nr_files++;
}

static struct eventfd_ctx *eventfd_of(int fd)
{
	struct pcsim_world *w = pcsim_world_current();
	struct io_file *f = w ? pcsim__uring_file(w, fd) : NULL;
	return f ? f->eventfd : NULL;
}

int pcsim_uring_eventfd_read(int fd, uint64_t *value)
{
	struct eventfd_ctx *ctx = eventfd_of(fd);
	if (!ctx || !value || !current)
		return -EINVAL;
	DEFINE_WAIT_FUNC(wait, default_wake_function);
	wait.private = current;
	int res = 0;
	spin_lock_irq(&ctx->wqh.lock);
	if (!ctx->count) {
		__add_wait_queue(&ctx->wqh, &wait);
		for (;;) {
			set_current_state(TASK_INTERRUPTIBLE);
			if (ctx->count)
				break;
			if (signal_pending(current)) {
				res = -ERESTARTSYS;
				break;
			}
			spin_unlock_irq(&ctx->wqh.lock);
			pcsim_task_set_wchan("eventfd_read(fd %d)", fd);
			pcsim__uring_check_sleep("eventfd_read()");	/* U9 */
			schedule();
			spin_lock_irq(&ctx->wqh.lock);
		}
		__remove_wait_queue(&ctx->wqh, &wait);
		__set_current_state(TASK_RUNNING);
	}
	if (!res) {
		*value = ctx->count;
		ctx->count = 0;
	}
	spin_unlock_irq(&ctx->wqh.lock);
	return res == -ERESTARTSYS ? -EINTR : 0;
}

int pcsim_uring_eventfd_write(int fd, uint64_t value)
{
	struct eventfd_ctx *ctx = eventfd_of(fd);
	if (!ctx || !value)
		return -EINVAL;
	pcsim__eventfd_signal(ctx, value);
	return 0;
}

int pcsim_uring_register_eventfd(struct pcsim_uring *ring, int fd)
{
	if (!ring || !ring->ctx || ring->ctx->exited || !pcsim_world_current())
		return -EINVAL;
	struct io_file *f = pcsim__uring_file(ring->ctx->w, fd);
	if (!f || !f->eventfd)
		return -EBADF;
	if (ring->ctx->cq_ev_fd)
		return -EBUSY;
	__atomic_store_n(&ring->ctx->cq_ev_fd, f->eventfd, __ATOMIC_RELEASE);
	return 0;
}

int pcsim_uring_unregister_eventfd(struct pcsim_uring *ring)
{
	if (!ring || !ring->ctx || !ring->ctx->cq_ev_fd)
		return -ENXIO;
	__atomic_store_n(&ring->ctx->cq_ev_fd, NULL, __ATOMIC_RELEASE);
	return 0;
}
