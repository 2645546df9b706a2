/* memcheck.c - prints the pager's free frame count. */
#include <stdio.h>

#include "libsys.h"

int main(void)
{
	struct msg m;
	pager_stats(&m);
	printf("%lu\n", (unsigned long)m.w[0]);
	return 0;
}
