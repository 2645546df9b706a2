/*
 * root.c - root-task helpers (libsys/, root.h): frames from the grant,
 * and clones of our own image as new tasks or threads.
 */
#include <string.h>

#include "libsys.h"
#include "root.h"

struct frames root_frames;
static long root_forever; /* a notification nobody signals */

extern char __data_start[], _end[];

struct tramp {
	void (*fn)(long);
	long arg;
	long own_task; /* 1: thread in our task, park; 0: clone, exit */
};

void root_thread_start(struct tramp *t); /* root_tramp.S: gp, tp, then below */

void root_tramp(struct tramp *t)
{
	t->fn(t->arg);
	if (!t->own_task)
		sys_exit(0);
	for (;;)
		sys_notif_wait(root_forever);
}

void root_init(void)
{
	const struct bootinfo *bi = libsys_bootinfo;
	frames_init(&root_frames, bi->first_free, bi->grant_end, FRAME_WINDOW);
	root_forever = sys_notif_create();
}

uint64_t root_frame(void)
{
	uint64_t pa = frames_alloc(&root_frames);
	if (pa)
		frame_zero(root_frame_va(pa));
	return pa;
}

/* Text and rodata shared (same frames, read+execute), data/bss copied. */
static long root_clone_image(long task)
{
	const struct bootinfo *bi = libsys_bootinfo;
	uint64_t data = (uint64_t)__data_start, end = (uint64_t)_end;
	for (uint64_t va = bi->image_va; va < end; va += PAGE_SIZE) {
		long e;
		if (va < data) {
			e = sys_map(task, va, bi->image_pa + (va - bi->image_va), PERM_R | PERM_X);
		} else {
			uint64_t pa = root_frame();
			if (!pa)
				return ERR_NOMEM;
			memcpy(root_frame_va(pa), (void *)va, PAGE_SIZE);
			e = sys_map(task, va, pa, PERM_R | PERM_W);
		}
		if (e < 0)
			return e;
	}
	return 0;
}

static long root_clone_stack(long task, struct tramp *tr, uint64_t *sp)
{
	uint64_t top_pa = 0;
	for (unsigned i = 1; i <= CLONE_STACK_PAGES; i++) {
		uint64_t pa = root_frame();
		if (!pa)
			return ERR_NOMEM;
		long e = sys_map(task, CLONE_STACK_TOP - i * PAGE_SIZE, pa, PERM_R | PERM_W);
		if (e < 0)
			return e;
		if (i == 1)
			top_pa = pa;
	}
	/* The trampoline block sits at the top of the child's stack. */
	memcpy((char *)root_frame_va(top_pa) + PAGE_SIZE - sizeof *tr, tr, sizeof *tr);
	*sp = CLONE_STACK_TOP - 64;
	return 0;
}

long root_clone(void (*fn)(long), long arg, unsigned prio, uint64_t quota, long *thread)
{
	return root_clone_give(fn, arg, 0, 0, prio, quota, thread);
}

long root_clone_give(void (*fn)(long), long arg, long give, uint32_t rights, unsigned prio,
		     uint64_t quota, long *thread)
{
	struct tramp tr = {fn, arg, 0};
	uint64_t sp;
	/* A small share of the other kernel objects, for its own endpoints,
	 * notifications, threads and tasks (the kernel charges the task that
	 * creates an object: sched/quota.c). */
	const uint32_t q[KQ_COUNT] = {(uint32_t)quota, ROOT_CLONE_SHARE, ROOT_CLONE_SHARE,
				      ROOT_CLONE_SHARE, ROOT_CLONE_SHARE};
	long task = quota > UINT32_MAX ? ERR_QUOTA : sys_task_create_q(q);
	if (task < 0)
		return task;
	long e = give ? sys_handle_give(task, give, rights, 0) : 0;
	if (give && e >= 0)
		tr.arg = e;
	if (e >= 0)
		e = root_clone_image(task);
	if (!e)
		e = root_clone_stack(task, &tr, &sp);
	long th = e < 0 ? e
			: sys_thread_create(task, (uint64_t)root_thread_start, sp,
					    CLONE_STACK_TOP - sizeof tr, prio);
	if (th >= 0)
		e = sys_thread_start(th);
	if (th < 0 || e < 0) {
		sys_task_kill(task);
		sys_handle_close(task);
		return th < 0 ? th : e;
	}
	if (thread)
		*thread = th;
	return task;
}

long root_thread(void (*fn)(long), long arg, void *stack, uint64_t size, unsigned prio,
		 long fault_ep, int suspended)
{
	uint64_t top = ((uint64_t)stack + size) & ~15UL;
	struct tramp *tr = (struct tramp *)(top - 64);
	*tr = (struct tramp){fn, arg, 1};
	long th = sys_thread_create(H_SELF_TASK, (uint64_t)root_thread_start, top - 64,
				    (uint64_t)tr, prio);
	if (th < 0)
		return th;
	if (fault_ep && sys_thread_fault(th, fault_ep) < 0)
		return ERR_INVAL;
	if (!suspended)
		sys_thread_start(th);
	return th;
}

static uint64_t root_brk = ROOT_HEAP_VA, root_mapped = ROOT_HEAP_VA;

uint64_t root_heap_pages(void) { return (root_mapped - ROOT_HEAP_VA) / PAGE_SIZE; }

void *root_sbrk(intptr_t incr)
{
	uint64_t old = root_brk;
	if (incr < 0 ? (uint64_t)-incr > old - ROOT_HEAP_VA
		     : (uint64_t)incr > ROOT_HEAP_VA + ROOT_HEAP_MAX - old)
		return (void *)-1;
	while (root_mapped < old + incr) {
		uint64_t pa = root_frame();
		if (!pa || sys_map(H_SELF_TASK, root_mapped, pa, PERM_R | PERM_W) < 0)
			return (void *)-1;
		root_mapped += PAGE_SIZE;
	}
	root_brk = old + incr;
	return (void *)old;
}
