/* SPDX-License-Identifier: MIT */
/*
 * pcsim/kernel/compiler.h - READ_ONCE/WRITE_ONCE on pcsim's wrapped shared scalars.
 * Follows include/linux/compiler.h (5.10). Differs: the argument must be a wrapped field
 * (pcsim_int, pcsim_ulong, ...), which is what makes a plain access fail to compile.
 */
#ifndef PCSIM_KERNEL_COMPILER_H
#define PCSIM_KERNEL_COMPILER_H

#include <pcsim/mem.h>

#define READ_ONCE(x) pcsim_read_once(&(x))
#define WRITE_ONCE(x, val) pcsim_write_once(&(x), (val))

#ifndef likely
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#endif

#endif
