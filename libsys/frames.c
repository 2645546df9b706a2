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
