/* SPDX-License-Identifier: MIT */
/*
 * pcsim/file_bytes.h - a file's contents in bulk: the bytes pcsim_file_byte() defines, copied
 * into a buffer or compared with one at memory speed. The models' read paths (the kernel's
 * copy_page_to_iter() and pipe_read()'s copy) and every byte check use these instead of
 * computing pcsim_file_byte() once per byte: the value of every byte is unchanged, so a check
 * keeps its strength (each byte is still compared) and reports the same first wrong byte.
 */
#ifndef PCSIM_FILE_BYTES_H
#define PCSIM_FILE_BYTES_H

#include <stddef.h>
#include <stdint.h>

#include <pcsim/export.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * pcsim_file_bytes - copy file @id's bytes at offsets [@off, @off + @n) into @dst: afterwards
 * dst[k] == pcsim_file_byte(@id, @off + k) for every k < @n (offsets wrap modulo 2^64 as
 * pcsim_file_byte()'s arithmetic does).
 *
 * Context: any (task, atomic, setup, any thread of either backend); takes no lock and makes no
 * shared-memory access the explorer sees, so it is never a scheduling point. Each thread keeps
 * a small cache of whole pages of contents (allocated on first use, freed when the thread
 * exits); if that allocation fails the bytes are computed one by one. @dst may be NULL only
 * when @n is 0.
 */
PCSIM_API void pcsim_file_bytes(uint32_t id, uint64_t off, unsigned char *dst, size_t n);

/**
 * pcsim_file_bytes_mismatch - compare @buf[0, @n) with file @id's bytes at [@off, @off + @n).
 *
 * Context: as pcsim_file_bytes(). Return: the index k of the first byte with
 * buf[k] != pcsim_file_byte(@id, @off + k), or @n when every byte is right.
 */
PCSIM_API size_t pcsim_file_bytes_mismatch(uint32_t id, uint64_t off, const unsigned char *buf,
					   size_t n);

#ifdef __cplusplus
}
#endif
#endif /* PCSIM_FILE_BYTES_H */
