/*
 * root.h - helpers for programs that run as the root task (libsys/): the
 * frame grant from bootinfo, and tasks and threads made from our own
 * image (text shared read-only, data and bss copied), which is how the
 * kernel test suite and benchmarks get a second address space without a
 * pager.
 */
#ifndef LIBSYS_ROOT_H
#define LIBSYS_ROOT_H

#include <stdint.h>

#include "frames.h"

extern struct frames root_frames;

void root_init(void);
uint64_t root_frame(void); /* a zeroed frame, 0 if the grant is used up */
static inline void *root_frame_va(uint64_t pa) { return frames_va(&root_frames, pa); }

/* A new task (page-table quota pages, and ROOT_CLONE_SHARE tasks, threads,
 * endpoints and notifications of its own to create) running fn(arg) at
 * prio; returns the task handle, *thread the thread handle (started). fn
 * may return: the task then exits. */
#define ROOT_CLONE_SHARE 4
long root_clone(void (*fn)(long), long arg, unsigned prio, uint64_t quota, long *thread);

/* The same, giving the new task handle give (with rights, 0 = same) first:
 * fn's argument is then the handle's number in the new task. */
long root_clone_give(void (*fn)(long), long arg, long give, uint32_t rights, unsigned prio,
		     uint64_t quota, long *thread);

/* A new thread in our own task on stack [stack, stack + size), with fault
 * handler fault_ep (0 = none). Returns the thread handle; started unless
 * suspended is set. When fn returns the thread blocks forever. */
long root_thread(void (*fn)(long), long arg, void *stack, uint64_t size, unsigned prio,
		 long fault_ep, int suspended);

/* sbrk for the root task once root_init ran: heap at ROOT_HEAP_VA, backed
 * by grant frames mapped as it grows. */
void *root_sbrk(intptr_t incr);
uint64_t root_heap_pages(void); /* frames the heap holds */
#define ROOT_HEAP_VA 0x1000000000UL
#define ROOT_HEAP_MAX (1UL << 32)

#define CLONE_STACK_TOP 0x3f00000000UL
#define CLONE_STACK_PAGES 4

#endif /* LIBSYS_ROOT_H */
