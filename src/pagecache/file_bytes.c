// SPDX-License-Identifier: MIT
/*
 * file_bytes.c - a file's contents in bulk (<pcsim/file_bytes.h>): pcsim_file_bytes() and
 * pcsim_file_bytes_mismatch(). Models no kernel function; it serves the models of
 * copy_page_to_iter() (mm/filemap.c's generic_file_buffered_read() copy), pipe_read()'s copy and
 * the checks that compare what a read returned with the file.
 *
 * A file's content is a function (pcsim_file_byte(), a multiply-xorshift per byte), so a read of
 * a few pages used to cost thousands of multiplies per copy and again per check. Here each
 * thread keeps a small direct-mapped cache of whole 4 KiB pages of contents, keyed by (file id,
 * page number); a copy is a memcpy() from it and a check a memcmp() against it (and, on a
 * difference, a scan for the first wrong byte). The cache holds nothing but values of that pure
 * function, so what it holds, whether it hits and where it lives can change no result: the sim
 * backend's determinism does not depend on it. A miss fills the page from an arithmetic
 * progression (fb_fill()), with AVX2 where the CPU has it: the same bytes either way.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <pcsim/file_bytes.h>
#include <pcsim/pagecache.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define FB_HAVE_AVX2 1	/* fb_fill_avx2(), chosen at run time */
#endif

#define FB_SHIFT 12
#define FB_SIZE (1u << FB_SHIFT)
#define FB_ENTRIES_SHIFT 4
#define FB_ENTRIES (1u << FB_ENTRIES_SHIFT)

struct fb_entry {
	uint64_t pageno;
	uint32_t id;
	bool valid;
	unsigned char b[FB_SIZE];
};

struct fb_cache {
	struct fb_entry e[FB_ENTRIES];
	bool avx2;		/* fill with fb_fill_avx2() */
};

/* Initial-exec TLS, as the engine's hot thread-locals (PCSIM_TLS_IE, src/sched/sched_int.h):
 * in the shared library the default model calls __tls_get_addr() on every copy and check. */
static __thread struct fb_cache *fb_tls __attribute__((tls_model("initial-exec")));
static __thread bool fb_tls_failed __attribute__((tls_model("initial-exec")));
static pthread_key_t fb_key;
static pthread_once_t fb_once = PTHREAD_ONCE_INIT;
static bool fb_key_ok;

static void fb_free(void *p)
{
	free(p);
}

static void fb_key_init(void)
{
	fb_key_ok = pthread_key_create(&fb_key, fb_free) == 0;
}

/* This thread's cache, or NULL when it cannot be had (then the caller computes byte by byte). */
static struct fb_cache *fb_cache(void)
{
	struct fb_cache *c = fb_tls;
	if (__builtin_expect(c != NULL, 1))
		return c;
	if (fb_tls_failed)
		return NULL;
	pthread_once(&fb_once, fb_key_init);
	c = fb_key_ok ? calloc(1, sizeof(*c)) : NULL;
	if (c && pthread_setspecific(fb_key, c) != 0) {
		free(c);
		c = NULL;
	}
	if (!c) {
		fb_tls_failed = true;
		return NULL;
	}
#ifdef FB_HAVE_AVX2
	/* PCSIM_FILE_BYTES_GENERIC: the portable fill (test_file_bytes_generic tests it) */
	c->avx2 = __builtin_cpu_supports("avx2") && !getenv("PCSIM_FILE_BYTES_GENERIC");
#endif
	fb_tls = c;
	return c;
}

/*
 * fb_fill - @b[k] = pcsim_file_byte(@id, (@pageno << FB_SHIFT) + k) for every k < FB_SIZE, without
 * the per-byte hash. The same arithmetic, taken apart over one page: the offset's low FB_SHIFT
 * bits are k and its others are the page's, so with B = (id << 40) ^ base ^ C the hash's input is
 * B ^ k; its `x ^= x >> 31` leaves k alone (k < 2^31 shifts out) and gives D ^ k with
 * D = B ^ (B >> 31); and D ^ k = Dh + (dl ^ k), Dh being D with its low bits cleared and dl those
 * bits. The product is then Dh * M + (dl ^ k) * M (mod 2^64), an arithmetic progression in
 * j = dl ^ k whose top byte is the file's byte. Blocks of 16 take their j from the block number
 * (high bits of k) and a 16-entry table (low bits), which the compiler vectorises: a page costs
 * about a third of the per-byte form, and test_file_bytes checks every byte against
 * pcsim_file_byte().
 */
static void fb_fill(unsigned char *b, uint32_t id, uint64_t pageno)
{
	const uint64_t mul = 0xbf58476d1ce4e5b9ull;	/* pcsim_file_byte()'s multiplier */
	uint64_t x = ((uint64_t)id << 40) ^ (pageno << FB_SHIFT) ^ 0x9e3779b97f4a7c15ull;
	uint64_t d = x ^ (x >> 31);
	unsigned dl = (unsigned)(d & (FB_SIZE - 1));
	uint64_t a = (d & ~(uint64_t)(FB_SIZE - 1)) * mul;
	uint64_t t[16];

	for (unsigned s = 0; s < 16; s++)
		t[s] = (uint64_t)(s ^ (dl & 15)) * mul;
	for (unsigned m = 0; m < FB_SIZE / 16; m++) {
		uint64_t v = a + (uint64_t)((m ^ (dl >> 4)) << 4) * mul;
		unsigned char *o = b + 16 * m;
		for (unsigned s = 0; s < 16; s++)
			o[s] = (unsigned char)((v + t[s]) >> 56);
	}
}

#ifdef FB_HAVE_AVX2
/*
 * fb_fill_avx2 - fb_fill() eight 32-bit lanes at a time, on CPUs with AVX2 (chosen at run time;
 * same bytes, about half the time of the compiler's vectorisation of fb_fill() here). The 64-bit
 * sum a + j * mul is kept as two 32-bit halves: the low halves add, their carry (the sum came
 * out below an addend, an unsigned compare done signed on sign-flipped values) goes into the
 * high halves, whose top byte is the file's. Blocks of 32 bytes take j's high bits from the
 * block number and its low five bits from a table, as fb_fill() does with 16.
 */
__attribute__((target("avx2"))) static void fb_fill_avx2(unsigned char *b, uint32_t id,
							  uint64_t pageno)
{
	const uint64_t mul = 0xbf58476d1ce4e5b9ull;	/* pcsim_file_byte()'s multiplier */
	uint64_t x = ((uint64_t)id << 40) ^ (pageno << FB_SHIFT) ^ 0x9e3779b97f4a7c15ull;
	uint64_t d = x ^ (x >> 31);
	unsigned dl = (unsigned)(d & (FB_SIZE - 1));
	uint64_t a = (d & ~(uint64_t)(FB_SIZE - 1)) * mul;
	uint32_t tl[32], th[32];
	__m256i TL[4], TH[4];
	const __m256i sign = _mm256_set1_epi32(INT32_MIN);
	/* vpackssdw/vpackuswb work within 128-bit lanes: put the 4-byte groups back in order */
	const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);

	for (unsigned s = 0; s < 32; s++) {
		uint64_t t = (uint64_t)(s ^ (dl & 31)) * mul;
		tl[s] = (uint32_t)t ^ 0x80000000u;	/* sign-flipped: the sum comes out flipped */
		th[s] = (uint32_t)(t >> 32);
	}
	for (int q = 0; q < 4; q++) {
		TL[q] = _mm256_loadu_si256((const __m256i *)(tl + 8 * q));
		TH[q] = _mm256_loadu_si256((const __m256i *)(th + 8 * q));
	}
	for (unsigned m = 0; m < FB_SIZE / 32; m++) {
		uint64_t v = a + (uint64_t)((m ^ (dl >> 5)) << 5) * mul;
		__m256i vl = _mm256_set1_epi32((int)(uint32_t)v);
		__m256i vls = _mm256_xor_si256(vl, sign);
		__m256i vh = _mm256_set1_epi32((int)(uint32_t)(v >> 32));
		__m256i h[4];
		for (int q = 0; q < 4; q++) {
			__m256i lo = _mm256_add_epi32(vl, TL[q]);	/* low sum, sign-flipped */
			__m256i carry = _mm256_cmpgt_epi32(vls, lo);	/* -1 where it wrapped */
			__m256i hi = _mm256_sub_epi32(_mm256_add_epi32(vh, TH[q]), carry);
			h[q] = _mm256_srli_epi32(hi, 24);
		}
		__m256i p = _mm256_packus_epi16(_mm256_packs_epi32(h[0], h[1]),
						_mm256_packs_epi32(h[2], h[3]));
		_mm256_storeu_si256((__m256i *)(b + 32 * m), _mm256_permutevar8x32_epi32(p, order));
	}
}
#endif

/* The cached contents of page @pageno of file @id (filled on a miss). */
static const unsigned char *fb_page(struct fb_cache *c, uint32_t id, uint64_t pageno)
{
	uint32_t h = (uint32_t)pageno * 0x9e3779b1u ^ id * 0x85ebca6bu;
	struct fb_entry *e = &c->e[(h ^ h >> 16) & (FB_ENTRIES - 1)];

	if (e->valid && e->pageno == pageno && e->id == id)
		return e->b;
#ifdef FB_HAVE_AVX2
	if (c->avx2)
		fb_fill_avx2(e->b, id, pageno);
	else
#endif
		fb_fill(e->b, id, pageno);
	e->pageno = pageno;
	e->id = id;
	e->valid = true;
	return e->b;
}

void pcsim_file_bytes(uint32_t id, uint64_t off, unsigned char *dst, size_t n)
{
	struct fb_cache *c = fb_cache();

	if (!c) {
		for (size_t k = 0; k < n; k++)
			dst[k] = pcsim_file_byte(id, off + k);
		return;
	}
	while (n) {
		size_t in = (size_t)(off & (FB_SIZE - 1));
		size_t chunk = FB_SIZE - in < n ? FB_SIZE - in : n;
		/* gcc inlines a copy it knows is at most a page as `rep movsq`; the C library's
		 * memcpy() is faster at these sizes (bench/README.md) */
		__asm__("" : "+r"(chunk));
		memcpy(dst, fb_page(c, id, off >> FB_SHIFT) + in, chunk);
		dst += chunk;
		off += chunk;
		n -= chunk;
	}
}

size_t pcsim_file_bytes_mismatch(uint32_t id, uint64_t off, const unsigned char *buf, size_t n)
{
	struct fb_cache *c = fb_cache();
	size_t done = 0;

	if (!c) {
		for (size_t k = 0; k < n; k++)
			if (buf[k] != pcsim_file_byte(id, off + k))
				return k;
		return n;
	}
	while (done < n) {
		size_t in = (size_t)(off & (FB_SIZE - 1));
		size_t chunk = FB_SIZE - in < n - done ? FB_SIZE - in : n - done;
		const unsigned char *want = fb_page(c, id, off >> FB_SHIFT) + in;
		if (memcmp(buf + done, want, chunk) != 0) {
			for (size_t k = 0;; k++)
				if (buf[done + k] != want[k])
					return done + k;
		}
		done += chunk;
		off += chunk;
	}
	return n;
}
