// SPDX-License-Identifier: MIT
/*
 * Description: a file's contents in bulk (src/pagecache/file_bytes.c, <pcsim/file_bytes.h>):
 * pcsim_file_bytes() gives exactly the bytes pcsim_file_byte() defines, at any offset and length
 * (page crossings, offsets near 2^64, many files and pages so that the per-thread page cache
 * evicts and refills), and pcsim_file_bytes_mismatch() finds the first wrong byte wherever it is
 * (first, last, across a page boundary, with a second wrong byte behind it), also from several
 * threads at once. The read path's copy and the byte checks of the page-cache, ring and scenario
 * layers rest on these two functions.
 * Kernel reference: none (the model's file contents; copy_page_to_iter() uses them).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "pcsim_test.h"

#include <pcsim/file_bytes.h>
#include <pcsim/pagecache.h>

#define BUFSZ (3 * 4096 + 777)

static const uint32_t ids[] = { 0, 1, 7, 0x12345678u, 0xffffffffu };
static const uint64_t offs[] = { 0, 1, 4095, 4096, 4097, 12345, 1ull << 40,
				 UINT64_MAX - 5000, UINT64_MAX - 4095, UINT64_MAX };
static const size_t lens[] = { 0, 1, 100, 4095, 4096, 4097, 9000, BUFSZ };

/* Each byte against the content function, one by one. */
static void expect_bytes(uint32_t id, uint64_t off, const unsigned char *b, size_t n)
{
	for (size_t k = 0; k < n; k++)
		if (b[k] != pcsim_file_byte(id, off + k))
			fail_msg("file %u offset %llu + %zu: %#x, want %#x", id,
				 (unsigned long long)off, k, b[k], pcsim_file_byte(id, off + k));
}

static void test_bytes_are_the_function(void **state)
{
	(void)state;
	unsigned char *b = malloc(BUFSZ + 2);
	assert_non_null(b);
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		for (size_t j = 0; j < sizeof(offs) / sizeof(offs[0]); j++)
			for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
				/* guard bytes: nothing outside [0, n) is written */
				memset(b, 0xa5, BUFSZ + 2);
				pcsim_file_bytes(ids[i], offs[j], b + 1, lens[l]);
				expect_bytes(ids[i], offs[j], b + 1, lens[l]);
				assert_int_equal(b[0], 0xa5);
				assert_int_equal(b[lens[l] + 1], 0xa5);
			}
	free(b);
}

/* Many (file, page) pairs in turn, then back: entries are evicted and refilled correctly. */
static void test_many_pages_evict_and_refill(void **state)
{
	(void)state;
	unsigned char b[600];
	for (int round = 0; round < 3; round++)
		for (uint32_t id = 0; id < 9; id++)
			for (uint64_t page = 0; page < 40; page += 3) {
				uint64_t off = page * 4096 + (page * 37 + id) % 4096;
				pcsim_file_bytes(id, off, b, sizeof(b));
				expect_bytes(id, off, b, sizeof(b));
				assert_int_equal(pcsim_file_bytes_mismatch(id, off, b, sizeof(b)),
						 sizeof(b));
			}
}

static void test_mismatch_finds_first_wrong_byte(void **state)
{
	(void)state;
	static const size_t at[] = { 0, 1, 4000, 4095, 4096, 4097, 8191, 8192, BUFSZ - 1 };
	unsigned char *b = malloc(BUFSZ);
	assert_non_null(b);
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		for (size_t j = 0; j < sizeof(offs) / sizeof(offs[0]); j++) {
			uint32_t id = ids[i];
			uint64_t off = offs[j];
			pcsim_file_bytes(id, off, b, BUFSZ);
			assert_int_equal(pcsim_file_bytes_mismatch(id, off, b, BUFSZ), BUFSZ);
			assert_int_equal(pcsim_file_bytes_mismatch(id, off, b, 0), 0);
			for (size_t a = 0; a < sizeof(at) / sizeof(at[0]); a++) {
				size_t w = at[a];
				b[w] ^= 0x01;
				assert_int_equal(pcsim_file_bytes_mismatch(id, off, b, BUFSZ), w);
				/* a shorter range ending before it sees no difference */
				assert_int_equal(pcsim_file_bytes_mismatch(id, off, b, w), w);
				/* a second wrong byte behind the first does not hide it */
				if (w + 5 < BUFSZ) {
					b[w + 5] ^= 0x80;
					size_t k = pcsim_file_bytes_mismatch(id, off, b, BUFSZ);
					assert_int_equal(k, w);
					b[w + 5] ^= 0x80;
				}
				b[w] ^= 0x01;
			}
			/* another file's bytes are wrong from (almost surely) the start */
			size_t k = pcsim_file_bytes_mismatch(id + 1, off, b, BUFSZ);
			assert_true(k < BUFSZ);
			assert_int_not_equal(b[k], pcsim_file_byte(id + 1, off + k));
			for (size_t q = 0; q < k; q++)
				assert_int_equal(b[q], pcsim_file_byte(id + 1, off + q));
		}
	free(b);
}

static void *thread_body(void *arg)
{
	uint32_t id = (uint32_t)(uintptr_t)arg;
	unsigned char b[5000];
	long bad = 0;
	for (unsigned r = 0; r < 200; r++) {
		uint64_t off = (uint64_t)r * 1531 + id;
		pcsim_file_bytes(id, off, b, sizeof(b));
		for (size_t k = 0; k < sizeof(b); k++)
			bad += b[k] != pcsim_file_byte(id, off + k);
		b[r % sizeof(b)] ^= 0xff;
		bad += pcsim_file_bytes_mismatch(id, off, b, sizeof(b)) != r % sizeof(b);
	}
	return (void *)bad;
}

/* Each thread has its own cache: concurrent use gives every thread the right bytes. */
static void test_threads(void **state)
{
	(void)state;
	pthread_t t[4];
	for (uintptr_t i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, thread_body, (void *)(i + 3)), 0);
	for (int i = 0; i < 4; i++) {
		void *bad;
		assert_int_equal(pthread_join(t[i], &bad), 0);
		assert_int_equal((long)bad, 0);
	}
}

int main(int argc, char **argv)
{
	pt_init(argc, argv);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bytes_are_the_function),
		cmocka_unit_test(test_many_pages_evict_and_refill),
		cmocka_unit_test(test_mismatch_finds_first_wrong_byte),
		cmocka_unit_test(test_threads),
	};
	return cmocka_run_group_tests_name("file_bytes", tests, NULL, NULL);
}
