/* SPDX-License-Identifier: MIT */
/*
 * pcsim/kernel/bitops.h - atomic bit operations on a wrapped unsigned long
 * (include/asm-generic/bitops/atomic.h, lock.h, instrumented-non-atomic.h; 5.10), with the
 * kernel's orderings: set_bit/clear_bit/change_bit are unordered, test_and_* fully ordered,
 * test_and_set_bit_lock acquire, clear_bit_unlock release, and
 * clear_bit_unlock_is_negative_byte() the fused unlock-and-test of unlock_page().
 */
#ifndef PCSIM_KERNEL_BITOPS_H
#define PCSIM_KERNEL_BITOPS_H

#include <pcsim/mem.h>

#define BITS_PER_LONG (8 * (int)sizeof(unsigned long))
#define BIT(nr) (1UL << (nr))

#define test_bit(nr, addr) pcsim_test_bit((nr), (addr))
#define set_bit(nr, addr) pcsim_set_bit((nr), (addr))
#define clear_bit(nr, addr) pcsim_clear_bit((nr), (addr))
#define change_bit(nr, addr) pcsim_change_bit((nr), (addr))
#define test_and_set_bit(nr, addr) pcsim_test_and_set_bit((nr), (addr))
#define test_and_clear_bit(nr, addr) pcsim_test_and_clear_bit((nr), (addr))
#define test_and_set_bit_lock(nr, addr) pcsim_test_and_set_bit_lock((nr), (addr))
#define clear_bit_unlock(nr, addr) pcsim_clear_bit_unlock((nr), (addr))
#define clear_bit_unlock_is_negative_byte(nr, addr) \
	pcsim_clear_bit_unlock_is_negative_byte((nr), (addr))
#define __set_bit(nr, addr) pcsim___set_bit((nr), (addr))
#define __clear_bit(nr, addr) pcsim___clear_bit((nr), (addr))

#endif
