/*
 * frames.h - a physical frame allocator for tasks that own a frame grant
 * (the root pager and root test programs; libsys/). Pure logic: frames
 * are reached through a window (pa + window = a VA where the frame is
 * mapped), so host tests run it over ordinary memory.
 * Invariants: [base, bump) were handed out at least once; free frames
 * below bump form a list linked through their first word; a frame is
 * either free or owned by exactly one caller.
 */
#ifndef LIBSYS_FRAMES_H
#define LIBSYS_FRAMES_H

#include <stdint.h>

struct frames {
	uint64_t base, end;   /* managed range [base, end) */
	uint64_t bump;        /* first never-used frame */
	uint64_t free_head;   /* pa of first free frame below bump, 0 = none */
	uint64_t nfree_list;  /* length of that list */
	uint64_t window;      /* VA = pa + window */
};

void frames_init(struct frames *f, uint64_t base, uint64_t end, uint64_t window);
uint64_t frames_alloc(struct frames *f); /* pa, or 0 when none is left */
void frames_free(struct frames *f, uint64_t pa);
uint64_t frames_free_count(const struct frames *f);
static inline void *frames_va(const struct frames *f, uint64_t pa)
{
	return (void *)(uintptr_t)(pa + f->window);
}

/* Whole-page zero and copy with 64-bit stores, 8 per iteration (picolibc's
 * size-optimised memset is byte-wise: 8x slower on the fault path). */
void frame_zero(void *page);
void frame_copy(void *dst, const void *src);
/* memcpy with the widest accesses the common alignment allows (the
 * initrd's file data is only 4-byte aligned; misaligned loads would trap
 * to the firmware). */
void mem_copy(void *dst, const void *src, uint64_t n);

#endif /* LIBSYS_FRAMES_H */
