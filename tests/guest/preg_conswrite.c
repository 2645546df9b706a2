/*
 * preg_conswrite.c - a console write() of 1 MiB from an untouched heap is
 * served in slices (issue 9, class 3): while a child writes it, another
 * process's getpid never waits 5 ms of guest time (5 M instructions under
 * -icount; the bound is 50 ms for 4 MiB). Before, the whole write
 * was one request: 12 M instructions for 1 MiB.
 */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libsys.h"

#define SIZE (1L << 20)
#define BUDGET 5000000ULL /* 5 ms at one instruction a nanosecond */

int main(void)
{
	tap_plan(3);
	pid_t kid = fork();
	if (kid == 0) {
		char *heap = sbrk(SIZE); /* never touched: the pager fills it */
		_exit(write(1, heap, SIZE) == SIZE ? 0 : 1);
	}
	uint64_t worst = 0, calls = 0;
	int st = -1;
	while (waitpid(kid, &st, WNOHANG) == 0) {
		uint64_t t0 = rdinstret();
		getpid();
		uint64_t dt = rdinstret() - t0;
		worst = dt > worst ? dt : worst;
		calls++;
	}
	tap_check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the 1 MiB console write completed");
	tap_check(calls > 10, "getpid ran %lu times during it", (unsigned long)calls);
	tap_check(worst < BUDGET, "its worst wait %lu instructions (< 5 ms)", (unsigned long)worst);
	return tap_done();
}
