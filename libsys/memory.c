/*
 * memory.c (libsys/) - memset and memcpy for every user program, a word at
 * a time. picolibc's RV64 build has the byte-at-a-time versions (4
 * instructions a byte), which made zeroing a page cost 16k instructions;
 * these take the place of libc.a's because libsys is linked first.
 */
#include <stddef.h>
#include <stdint.h>

/* The compiler must not turn these loops back into calls to themselves. */
#define NO_LIBCALL __attribute__((optimize("no-tree-loop-distribute-patterns")))

NO_LIBCALL void *memset(void *dst, int c, size_t n)
{
	uint8_t *d = dst;
	for (; n && ((uintptr_t)d & 7); n--)
		*d++ = (uint8_t)c;
	uint64_t w = (uint8_t)c * 0x0101010101010101ULL;
	for (; n >= 32; n -= 32, d += 32) {
		((uint64_t *)d)[0] = w;
		((uint64_t *)d)[1] = w;
		((uint64_t *)d)[2] = w;
		((uint64_t *)d)[3] = w;
	}
	for (; n >= 8; n -= 8, d += 8)
		*(uint64_t *)d = w;
	while (n--)
		*d++ = (uint8_t)c;
	return dst;
}

NO_LIBCALL void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;
	if ((((uintptr_t)d ^ (uintptr_t)s) & 7) == 0) { /* same alignment: words */
		for (; n && ((uintptr_t)d & 7); n--)
			*d++ = *s++;
		for (; n >= 32; n -= 32, d += 32, s += 32) {
			uint64_t a = ((const uint64_t *)s)[0], b = ((const uint64_t *)s)[1];
			uint64_t c = ((const uint64_t *)s)[2], e = ((const uint64_t *)s)[3];
			((uint64_t *)d)[0] = a;
			((uint64_t *)d)[1] = b;
			((uint64_t *)d)[2] = c;
			((uint64_t *)d)[3] = e;
		}
		for (; n >= 8; n -= 8, d += 8, s += 8)
			*(uint64_t *)d = *(const uint64_t *)s;
	}
	while (n--)
		*d++ = *s++;
	return dst;
}
