/* SPDX-License-Identifier: MIT */
/*
 * pcsim/map/liburing.h - liburing's names (2.3) mapped onto pcsim's ring, so that a liburing
 * program's model runs by changing its include and its file set-up:
 *
 *	#ifdef PCSIM
 *	#include <pcsim/map/liburing.h>
 *	#else
 *	#include <liburing.h>
 *	#endif
 *
 * Each name is a macro for its pcsim_uring_ counterpart, which takes the same arguments in the
 * same order and follows the same return conventions (docs/porting-from-liburing.md; the
 * semantics of each call: <pcsim/uring.h>). `struct io_uring` becomes `struct pcsim_uring`;
 * the types and constants of <linux/io_uring.h> (struct io_uring_sqe, struct io_uring_cqe,
 * struct io_uring_params, IORING_OP_*, IOSQE_*, RWF_*) are the system's own, so code that pokes
 * SQE fields directly behaves the same. Macros replace whole tokens only: io_uring_sqe and
 * io_uring_cqe are untouched by the io_uring macro.
 *
 * Never include this header and <liburing.h> in the same translation unit. Everything liburing
 * has beyond the list below is not mapped (docs/porting-from-liburing.md lists it): a program
 * using it fails to compile or link rather than running something else.
 */
#ifndef PCSIM_MAP_LIBURING_H
#define PCSIM_MAP_LIBURING_H

#ifdef LIB_URING_H
#error "<pcsim/map/liburing.h> and <liburing.h> in one translation unit"
#endif

#include <pcsim/uring.h>

/* the ring */
#define io_uring pcsim_uring

/* set-up and teardown */
#define io_uring_queue_init pcsim_uring_queue_init
#define io_uring_queue_init_params pcsim_uring_queue_init_io_params
#define io_uring_queue_exit pcsim_uring_queue_exit
#define io_uring_register_eventfd pcsim_uring_register_eventfd
#define io_uring_unregister_eventfd pcsim_uring_unregister_eventfd

/* submission */
#define io_uring_get_sqe pcsim_uring_get_sqe
#define io_uring_prep_rw pcsim_uring_prep_rw
#define io_uring_prep_nop pcsim_uring_prep_nop
#define io_uring_prep_read pcsim_uring_prep_read
#define io_uring_prep_readv pcsim_uring_prep_readv
#define io_uring_prep_readv2 pcsim_uring_prep_readv2
#define io_uring_prep_fadvise pcsim_uring_prep_fadvise
#define io_uring_sqe_set_data pcsim_uring_sqe_set_data
#define io_uring_sqe_set_data64 pcsim_uring_sqe_set_data64
#define io_uring_sqe_set_flags pcsim_uring_sqe_set_flags
#define io_uring_submit pcsim_uring_submit
#define io_uring_submit_and_wait pcsim_uring_submit_and_wait
#define io_uring_sq_ready pcsim_uring_sq_ready
#define io_uring_sq_space_left pcsim_uring_sq_space_left

/* completion */
#define io_uring_wait_cqe pcsim_uring_wait_cqe
#define io_uring_wait_cqe_nr pcsim_uring_wait_cqe_nr
#define io_uring_wait_cqes pcsim_uring_wait_cqes
#define io_uring_wait_cqe_timeout pcsim_uring_wait_cqe_timeout
#define io_uring_peek_cqe pcsim_uring_peek_cqe
#define io_uring_peek_batch_cqe pcsim_uring_peek_batch_cqe
#define io_uring_for_each_cqe pcsim_uring_for_each_cqe
#define io_uring_cq_ready pcsim_uring_cq_ready
#define io_uring_cq_advance pcsim_uring_cq_advance
#define io_uring_cqe_seen pcsim_uring_cqe_seen
#define io_uring_cqe_get_data pcsim_uring_cqe_get_data
#define io_uring_cqe_get_data64 pcsim_uring_cqe_get_data64

#endif /* PCSIM_MAP_LIBURING_H */
