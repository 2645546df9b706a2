/*
 * ptest.c - the root pager's suite (root=pager init=ptest): zero-fill
 * heap and stack with exact fault counts, a child killed for a touch
 * outside its regions while we go on, exit statuses through wait, and
 * every frame back after the children are gone.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libsys.h"

static struct msg stats(void)
{
	struct msg m;
	pager_cache_drop(); /* cached file pages are not lost, only kept */
	pager_stats(&m);
	return m;
}

static void test_heap(void)
{
	struct msg a = stats();
	volatile char *h = sbrk(10 * 4096);
	if (!tap_check(h != (char *)-1, "sbrk(40 KiB) succeeds"))
		return;
	int zero = 1;
	for (int i = 0; i < 10; i++) {
		zero &= h[i * 4096 + 123] == 0;
		h[i * 4096] = (char)i;
	}
	struct msg b = stats();
	tap_eq(b.w[1] - a.w[1], 10, "10 zero-fill faults for 10 heap pages");
	tap_check(zero, "fresh heap pages read as zero");
	tap_eq(b.w[3] - a.w[3], 10, "resident pages grew by 10");
	tap_eq(a.w[0] - b.w[0], 10, "10 frames left the free pool");
}

static unsigned long recurse(int n)
{
	volatile char pad[1000];
	pad[0] = (char)n;
	return n ? recurse(n - 1) + pad[0] : 0;
}

static void test_stack(void)
{
	struct msg a = stats();
	recurse(200); /* about 200 KB of stack */
	struct msg b = stats();
	long grew = (long)(b.w[1] - a.w[1]);
	tap_check(grew >= 45 && grew <= 60, "stack grows on demand (%ld zero-fill faults)", grew);
}

static void test_children(void)
{
	struct msg a = stats();
	int st = -1;
	long pid = pager_spawn("crash", 0);
	tap_check(pid > 1, "spawn crash (pid %ld)", pid);
	tap_eq(waitpid((pid_t)pid, &st, 0), pid, "waitpid returns the crashed child");
	tap_check(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV, "it was killed by SIGSEGV (%#x)", st);
	pid = pager_spawn("exit7", 0);
	tap_eq(waitpid((pid_t)pid, &st, 0), pid, "a second child runs afterwards");
	tap_check(WIFEXITED(st) && WEXITSTATUS(st) == 7, "and exits with status 7 (%#x)", st);
	char *const argv[] = {"argcheck", "one", "two words", "3", NULL};
	pid = pager_spawnv("/bin/argcheck", argv, 0);
	tap_eq(waitpid((pid_t)pid, &st, 0), pid, "spawn with an argv");
	tap_eq(st, 0, "the child saw exactly that argv");
	tap_eq(pager_spawn("no-such-program", 0), -ENOENT, "spawn of a missing program");
	tap_eq(waitpid(9999, NULL, 0), -1, "wait for an unknown pid fails");
	tap_eq(errno, ECHILD, "with ECHILD");
	struct msg b = stats();
	tap_eq(b.w[0], a.w[0], "all frames of the children came back");
}

int main(void)
{
	tap_plan(18);
	test_heap();
	test_stack();
	test_children();
	/* Lending is for test boots only ("test"): this is a normal boot. */
	static char page[4096] __attribute__((aligned(4096)));
	page[0] = 1;
	tap_eq(pager_lend(page, getppid() > 0 ? getppid() : getpid(), 0x200000000ULL), -EPERM,
	       "PG_LEND is refused in a normal boot (EPERM)");
	return tap_done();
}
