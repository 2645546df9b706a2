/*
 * demo.c - the program tools/boot starts under the pager: it takes
 * zero-fill faults on the heap, the stack and bss, and text faults as it
 * runs, and prints what the pager counted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libsys.h"

static volatile char big_bss[64 * 4096];

static unsigned long touch_stack(int depth)
{
	volatile char frame[4000];
	frame[0] = (char)depth;
	return depth ? touch_stack(depth - 1) + frame[0] : 0;
}

int main(void)
{
	struct msg before, after;
	pager_stats(&before);
	char *heap = malloc(256 * 1024);
	for (int i = 0; i < 256 * 1024; i += 4096)
		heap[i] = 1;
	for (size_t i = 0; i < sizeof big_bss; i += 4096)
		big_bss[i] = 1;
	touch_stack(32);
	pager_stats(&after);
	printf("demo: hello from pid %lu; touched 64 heap pages, 64 bss pages, 32 stack pages\n",
	       (unsigned long)libsys_startinfo->pid);
	printf("demo: zero-fill faults %lu, file faults %lu, resident pages %lu, free frames %lu\n",
	       (unsigned long)(after.w[1] - before.w[1]), (unsigned long)after.w[2],
	       (unsigned long)after.w[3], (unsigned long)after.w[0]);
	free(heap);
	return 0;
}
