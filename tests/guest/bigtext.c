/*
 * bigtext.c - 256 KiB of text in a function that never runs; prints how
 * many pages the pager made resident for us (demand paging: few).
 */
#include <stdio.h>

#include "libsys.h"

__attribute__((used, noinline)) void never_called(void)
{
	__asm__ volatile(".rept 65536\n nop\n .endr");
}

int main(void)
{
	struct msg m;
	pager_stats(&m);
	printf("%lu\n", (unsigned long)m.w[3]);
	return 0;
}
