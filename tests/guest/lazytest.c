/*
 * lazytest.c - lazy allocation suite (root=pager init=lazytest): a 1 GiB
 * sbrk on a small machine touched sparsely, a touch above a shrunk break
 * kills only the child, and an allocation loop that exhausts memory kills
 * only the allocating process with every frame coming back.
 */
#include <signal.h>
#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libsys.h"

#define PG 4096L

static long free_frames(void)
{
	struct msg m;
	pager_cache_drop(); /* cached file pages are not lost, only kept */
	pager_stats(&m);
	return (long)m.w[0];
}

static int run_child(void (*fn)(void))
{
	int st = -1;
	pid_t pid = fork();
	if (pid == 0) {
		fn();
		_exit(0);
	}
	return waitpid(pid, &st, 0) == pid ? st : -1;
}

static void test_huge_sbrk(void)
{
	long before = free_frames();
	char *base = sbrk(1L << 30);
	tap_check(base != (char *)-1, "sbrk(1 GiB) on a %ld MiB machine", before / 256);
	long bad = 0;
	for (long i = 0; i < (1L << 30) / PG; i += 64)
		base[i * PG] = (char)(i >> 6);
	for (long i = 0; i < (1L << 30) / PG; i += 64)
		bad += base[i * PG] != (char)(i >> 6);
	tap_eq(bad, 0, "every 64th page of it holds what was written");
	/* 4096 data frames, plus the pager's shadow page table: one node per
	 * 2 MiB touched (512) and one or two above them. */
	long used = before - free_frames();
	tap_check(used >= 4096 + 512 && used <= 4096 + 512 + 2,
		  "%ld frames used for 4096 pages touched, not 262144", used);
	sbrk(-(1L << 30));
	tap_eq(free_frames(), before, "shrinking it returns every frame");
}

static void touch_above_break(void)
{
	volatile char *p = sbrk(4 * PG);
	p[3 * PG] = 1;
	sbrk(-4 * PG);
	p[3 * PG] = 2; /* above the break now: the pager kills us */
}

static void exhaust(void)
{
	for (;;) {
		volatile char *p = sbrk(1 << 20);
		if (p == (char *)-1)
			_exit(3);
		for (long i = 0; i < (1 << 20); i += PG)
			p[i] = 1;
	}
}

int main(void)
{
	tap_plan(7);
	test_huge_sbrk();
	int st = run_child(touch_above_break);
	tap_check(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV,
		  "a touch above the shrunk break kills the child (status %#x)", st);
	long before = free_frames();
	st = run_child(exhaust);
	tap_check(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
		  "exhausting memory kills only the allocating child (status %#x)", st);
	tap_eq(free_frames(), before, "free frames afterwards == before");
	return tap_done();
}
