/*
 * swapeio.c - swap I/O errors (root=pager init=swapeio, a swap disk
 * attached): a child under a resident limit has most of its pages on the
 * swap disk when the swap driver is killed; touching them again kills the
 * child alone with SIGBUS (the pager prints why), the pager and this
 * process go on, and every slot and frame of the child comes back.
 */
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libsys.h"

#define PG 4096L
#define PAGES 512

static long pid_of(const char *name)
{
	static struct pg_ps ps[64];
	long n = pager_ps(ps, 64);
	for (long i = 0; i < n; i++)
		if (ps[i].state == 1 && !strcmp(ps[i].name, name))
			return ps[i].pid;
	return -1;
}

static struct pg_pagerstat stat_now(void)
{
	struct pg_pagerstat st;
	memset(&st, 0, sizeof st);
	pager_ctl(PCTL_STAT, (uint64_t)&st, 0);
	return st;
}

int main(void)
{
	tap_plan(6);
	int go[2], ready[2];
	pipe(go);
	pipe(ready);
	pid_t kid = fork();
	if (kid == 0) {
		char c = 0;
		pager_ctl(PCTL_RLIMIT, 0, 64); /* its new pages: 64 resident, the rest to swap */
		volatile uint64_t *m = mmap(NULL, PAGES * PG, PROT_READ | PROT_WRITE,
					    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		for (long p = 0; p < PAGES; p++)
			m[p * PG / 8] = (uint64_t)p;
		sync(); /* the evicted pages reach the swap disk */
		pager_cache_drop();
		write(ready[1], &c, 1);
		read(go[0], &c, 1);
		uint64_t sum = 0;
		for (long p = 0; p < PAGES; p++)
			sum += m[p * PG / 8];
		_exit(sum == (uint64_t)PAGES * (PAGES - 1) / 2 ? 0 : 1);
	}
	char c = 0;
	read(ready[0], &c, 1);
	struct pg_pagerstat a = stat_now();
	tap_check(a.swap_used >= PAGES - 64 - 16, "the child has %lu pages in swap",
		  (unsigned long)a.swap_used);
	long drv = pid_of("blk-swap");
	tap_check(drv > 0 && kill((pid_t)drv, SIGKILL) == 0, "the swap driver (pid %ld) killed", drv);
	write(go[1], &c, 1);
	int st = 0;
	tap_check(waitpid(kid, &st, 0) == kid, "the child ended");
	tap_check(WIFSIGNALED(st) && WTERMSIG(st) == SIGBUS,
		  "killed by SIGBUS for its lost pages (status %#x)", st);
	struct pg_pagerstat b = stat_now();
	tap_check(b.swap_used == 0, "its swap slots came back (%lu used)", (unsigned long)b.swap_used);
	tap_check(pid_of("blk") > 0, "the file system's driver lives on");
	return tap_done();
}
