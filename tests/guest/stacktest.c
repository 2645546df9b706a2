/*
 * stacktest.c - stack growth suite (root=pager init=stacktest): deep
 * recursion grows the stack on demand; past the 8 MiB limit the process
 * is killed and the system goes on.
 */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libsys.h"

static long deep(long n)
{
	volatile char pad[1024];
	pad[0] = (char)n;
	return n ? deep(n - 1) + pad[0] : 0;
}

int main(void)
{
	tap_plan(4);
	struct msg a, b;
	pager_stats(&a);
	long sum = deep(4000); /* about 4 MiB of stack */
	pager_stats(&b);
	long want = 0;
	for (long k = 1; k <= 4000; k++)
		want += (unsigned char)k; /* each frame's pad[0], read back */
	tap_eq(sum, want, "4000 frames of 1 KiB recursion kept their contents");
	long grew = (long)(b.w[1] - a.w[1]);
	tap_check(grew >= 1000 && grew <= 1100, "the stack grew by %ld pages on demand", grew);
	int st = -1;
	pid_t pid = fork();
	if (pid == 0) {
		deep(1L << 20); /* 1 GiB: far past the limit */
		_exit(0);
	}
	tap_eq(waitpid(pid, &st, 0), pid, "the runaway child was reaped");
	tap_check(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV, "it was killed by SIGSEGV (%#x)", st);
	return tap_done();
}
