/*
 * frames.c - bump-then-free-list frame allocator (libsys/, frames.h).
 * O(1) both ways and no set-up cost: a 1 GiB grant is not touched until
 * its frames are used.
 */
#include "frames.h"

#define FRAME_SIZE 4096u

void frames_init(struct frames *f, uint64_t base, uint64_t end, uint64_t window)
{
	f->base = base;
	f->end = end;
	f->bump = base;
	f->free_head = 0;
	f->nfree_list = 0;
	f->window = window;
}

uint64_t frames_alloc(struct frames *f)
{
	if (f->free_head) {
		uint64_t pa = f->free_head;
		f->free_head = *(uint64_t *)frames_va(f, pa);
		f->nfree_list--;
		return pa;
	}
	if (f->bump >= f->end)
		return 0;
	uint64_t pa = f->bump;
	f->bump += FRAME_SIZE;
	return pa;
}

void frames_free(struct frames *f, uint64_t pa)
{
	*(uint64_t *)frames_va(f, pa) = f->free_head;
	f->free_head = pa;
	f->nfree_list++;
}

uint64_t frames_free_count(const struct frames *f)
{
	return (f->end - f->bump) / FRAME_SIZE + f->nfree_list;
}

void frame_zero(void *page)
{
	uint64_t *p = page;
	for (unsigned i = 0; i < FRAME_SIZE / 8; i += 8) {
		p[i] = 0, p[i + 1] = 0, p[i + 2] = 0, p[i + 3] = 0;
		p[i + 4] = 0, p[i + 5] = 0, p[i + 6] = 0, p[i + 7] = 0;
	}
}

/* Eight words a turn: a copy is on every COW break and private mapping
 * fault, so the loop's own instructions count. */
void frame_copy(void *dst, const void *src)
{
	uint64_t *d = dst, *end = d + FRAME_SIZE / 8;
	const uint64_t *s = src;
	for (; d < end; d += 8, s += 8) {
		uint64_t a = s[0], b = s[1], c = s[2], e = s[3];
		uint64_t f = s[4], g = s[5], h = s[6], k = s[7];
		d[0] = a, d[1] = b, d[2] = c, d[3] = e;
		d[4] = f, d[5] = g, d[6] = h, d[7] = k;
	}
}

void mem_copy(void *dst, const void *src, uint64_t n)
{
	char *d = dst;
	const char *s = src;
	uint64_t align = ((uintptr_t)d | (uintptr_t)s) & 7;
	if (align == 0) { /* 64 bytes a turn: read() and write() copy pages */
		for (; n >= 64; n -= 64, d += 64, s += 64) {
			const uint64_t *sw = (const uint64_t *)s;
			uint64_t a = sw[0], b = sw[1], c = sw[2], e = sw[3];
			uint64_t f = sw[4], g = sw[5], h = sw[6], k = sw[7];
			uint64_t *dw = (uint64_t *)d;
			dw[0] = a, dw[1] = b, dw[2] = c, dw[3] = e;
			dw[4] = f, dw[5] = g, dw[6] = h, dw[7] = k;
		}
		for (; n >= 8; n -= 8, d += 8, s += 8)
			*(uint64_t *)d = *(const uint64_t *)s;
	} else if ((align & 3) == 0) {
		for (; n >= 16; n -= 16, d += 16, s += 16) {
			((uint32_t *)d)[0] = ((const uint32_t *)s)[0];
			((uint32_t *)d)[1] = ((const uint32_t *)s)[1];
			((uint32_t *)d)[2] = ((const uint32_t *)s)[2];
			((uint32_t *)d)[3] = ((const uint32_t *)s)[3];
		}
	}
	while (n--)
		*d++ = *s++;
}
