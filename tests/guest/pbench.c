/*
 * pbench.c - process benchmarks under the pager (root=pager init=pbench
 * bench): fork+exit+wait with 0, 1, 4 and 16 MiB of heap touched, one COW
 * break (fault + copy of a page the parent still holds), and
 * fork+exec(echo)+exit+wait. Medians of FORK_RUNS samples.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "libsys.h"

#define PG 4096
#define FORK_RUNS 101

static uint64_t samples[BENCH_RUNS];

static void bench_fork(const char *name, long mib)
{
	char *heap = sbrk(mib << 20);
	for (long i = 0; i < (mib << 20); i += PG)
		heap[i] = 1;
	for (int i = 0; i < FORK_RUNS; i++) {
		uint64_t t0 = rdinstret();
		pid_t pid = fork();
		if (pid == 0)
			_exit(0);
		waitpid(pid, NULL, 0);
		samples[i] = rdinstret() - t0;
	}
	bench_report(name, samples, FORK_RUNS);
	sbrk(-(mib << 20));
}

/* In the child every page is still held by the parent: each first store
 * faults, the pager copies the page, maps the copy, and we resume. */
static void bench_cow_break(void)
{
	char *heap = sbrk(BENCH_RUNS * PG);
	for (int i = 0; i < BENCH_RUNS; i++)
		heap[i * PG] = 1;
	pid_t pid = fork();
	if (pid == 0) {
		for (int i = 0; i < BENCH_RUNS; i++) {
			volatile char *p = heap + i * PG;
			uint64_t t0 = rdinstret();
			*p = 2;
			samples[i] = rdinstret() - t0;
		}
		bench_report("cow_break", samples, BENCH_RUNS);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	sbrk(-(BENCH_RUNS * PG));
}

static void bench_fork_exec(void)
{
	char *argv[] = {"echo", "fork_exec_echo", NULL};
	for (int i = 0; i < FORK_RUNS; i++) {
		uint64_t t0 = rdinstret();
		pid_t pid = fork();
		if (pid == 0) {
			execv("echo", argv);
			_exit(127);
		}
		waitpid(pid, NULL, 0);
		samples[i] = rdinstret() - t0;
	}
	bench_report("fork_exec_echo", samples, FORK_RUNS);
}

int main(void)
{
	bench_fork("fork_0mib", 0);
	bench_fork("fork_1mib", 1);
	bench_fork("fork_4mib", 4);
	bench_fork("fork_16mib", 16);
	bench_cow_break();
	bench_fork_exec();
	return 0;
}
