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

void frame_copy(void *dst, const void *src)
{
	uint64_t *d = dst;
	const uint64_t *s = src;
	for (unsigned i = 0; i < FRAME_SIZE / 8; i += 4) {
		d[i] = s[i], d[i + 1] = s[i + 1];
		d[i + 2] = s[i + 2], d[i + 3] = s[i + 3];
	}
}
