/*
 * cowtest.c - COW fork suite (root=pager init=cowtest): sharing, private
 * copies across three generations, frames returned, 100 rounds of
 * fork-fork, a kernel write into a COW buffer, pipe reads into a COW
 * buffer, and the CVE-2020-29374 pattern with a third holder.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libsys.h"

#define PG 4096

static long free_frames(void)
{
	struct msg m;
	pager_cache_drop(); /* cached file pages are not lost, only kept */
	pager_stats(&m);
	return (long)m.w[0];
}

static int wait_status(pid_t pid)
{
	int st = -1;
	return waitpid(pid, &st, 0) == pid ? st : -1;
}

/* fork after touching 2/3 of the free memory succeeds and is cheap */
static void test_big_fork(void)
{
	long before = free_frames();
	size_t n = (size_t)before * 2 / 3;
	char *buf = sbrk((intptr_t)(n * PG));
	for (size_t i = 0; i < n; i++)
		buf[i * PG] = (char)i;
	long touched = free_frames();
	pid_t pid = fork();
	if (pid == 0)
		_exit(buf[(n - 1) * PG] == (char)(n - 1) ? 0 : 1);
	tap_check(pid > 0, "fork with %zu pages touched (2/3 of free memory)", n);
	tap_eq(wait_status(pid), 0, "the child sees the parent's data");
	tap_check(touched - free_frames() < 64, "the fork copied no data pages");
	sbrk(-(intptr_t)(n * PG));
	tap_eq(free_frames(), before, "all frames back after shrinking the heap");
}

/* three generations write overlapping ranges; each keeps its own values */
static int gen_check(const int *a, int base, int n)
{
	for (int i = 0; i < n; i++)
		if (a[i * (PG / 4)] != base + i)
			return 0;
	return 1;
}

static void gen_write(int *a, int base, int from, int n)
{
	for (int i = from; i < n; i++)
		a[i * (PG / 4)] = base + i;
}

static void test_generations(void)
{
	enum { N = 16 };
	int *a = malloc(N * PG);
	gen_write(a, 100, 0, N);
	pid_t c = fork();
	if (c == 0) {
		gen_write(a, 200, 4, N); /* child: pages 4.. */
		pid_t g = fork();
		if (g == 0) {
			gen_write(a, 300, 8, N); /* grandchild: pages 8.. */
			_exit(gen_check(a, 100, 4) && a[5 * PG / 4] == 205 && gen_check(a + 8 * PG / 4, 308, 8) ? 0 : 1);
		}
		int ok = wait_status(g) == 0 && gen_check(a, 100, 4) && gen_check(a + 4 * PG / 4, 204, 12);
		_exit(ok ? 0 : 2);
	}
	tap_eq(wait_status(c), 0, "child and grandchild kept their own values");
	tap_check(gen_check(a, 100, N), "the parent's pages are untouched");
	free(a);
}

/* free count before == after a fork whose child writes everything */
static void test_frames_return(void)
{
	enum { N = 64 };
	char *a = malloc(N * PG);
	memset(a, 1, N * PG);
	long before = free_frames();
	pid_t c = fork();
	if (c == 0) {
		memset(a, 2, N * PG);
		_exit(0);
	}
	tap_eq(wait_status(c), 0, "the child wrote all 64 pages");
	tap_eq(free_frames(), before, "free frames after exit == before fork");
	a[0] = 3; /* the only holder again: reused in place, no copy */
	tap_eq(free_frames(), before, "the parent's write after that needs no new frame");
	free(a);
}

/* 100 rounds of fork-fork leave the parent's pages intact */
static void test_fork_rounds(void)
{
	enum { N = 8 };
	int *a = malloc(N * PG), bad = 0;
	gen_write(a, 1000, 0, N);
	for (int r = 0; r < 100 && !bad; r++) {
		pid_t c = fork();
		if (c == 0) {
			pid_t g = fork();
			if (g == 0) {
				gen_write(a, r, 0, N);
				_exit(0);
			}
			gen_write(a, -r, 0, N);
			_exit(wait_status(g) == 0 ? 0 : 1);
		}
		bad |= wait_status(c) != 0;
	}
	tap_check(!bad, "100 rounds of fork-fork all exited 0");
	tap_check(gen_check(a, 1000, N), "the parent's pages are intact");
	free(a);
}

/* a kernel write into a COW buffer (SYS_AD_CLEAR's output: the kernel
 * stores one byte per page) breaks COW for the writer only */
static void test_kernel_write(void)
{
	uint8_t *buf = malloc(2 * PG);
	uint8_t *b = (uint8_t *)(((uintptr_t)buf + PG - 1) & ~(uintptr_t)(PG - 1));
	b[0] = 0x5a; /* present, written: the A/D result is known */
	pid_t c = fork();
	if (c == 0) {
		/* b is not mapped in the child yet: the kernel's store faults
		 * to the pager (KACCESS), which copies the page and maps it;
		 * the retried call then finds it mapped, A and D still clear. */
		long e = sys_ad_clear((long)libsys_startinfo->self, (uint64_t)b, 1, b);
		_exit(e == 0 && b[0] == AD_MAPPED ? 0 : 1);
	}
	tap_eq(wait_status(c), 0, "the kernel's write landed in the child's own copy");
	tap_eq(b[0], 0x5a, "the parent's buffer is untouched");
	free(buf);
}

/* read() from a pipe into a COW buffer in the child */
static void test_pipe_read_cow(void)
{
	char *buf = malloc(PG);
	int fds[2];
	strcpy(buf, "parent data");
	pipe(fds);
	pid_t c = fork();
	if (c == 0) {
		close(fds[1]);
		ssize_t n = read(fds[0], buf, 64);
		_exit(n == 11 && !memcmp(buf, "child data!", 11) ? 0 : 1);
	}
	close(fds[0]);
	write(fds[1], "child data!", 11);
	close(fds[1]);
	tap_eq(wait_status(c), 0, "the child read the pipe into its COW buffer");
	tap_check(!strcmp(buf, "parent data"), "the parent's copy says \"%s\"", buf);
	free(buf);
}

/* CVE-2020-29374: the child lends a COW page to a third process, exits,
 * and the parent writes. The third process must still see the old data:
 * the loan counts as a reference, so the parent copies. The third process
 * is forked before the page is first written, so it holds no reference of
 * its own: at the parent's write only the parent and the loan hold the
 * frame, and a count that forgot the loan (1) would write in place. */
#define LEND_VA 0x200000000UL

static void test_cve(void)
{
	int go[2], done[2];
	char *raw = sbrk(2 * PG);
	char *page = (char *)(((uintptr_t)raw + PG - 1) & ~(uintptr_t)(PG - 1));
	pipe(go), pipe(done);
	pid_t third = fork(); /* before the page exists: it shares nothing of it */
	if (third == 0) { /* waits until told, then reads the loaned page */
		char c;
		read(go[0], &c, 1);
		_exit(!strcmp((char *)LEND_VA, "before") ? 0 : 1);
	}
	strcpy(page, "before"); /* the parent's own frame, count 1 */
	pid_t child = fork();
	if (child == 0)
		_exit(pager_lend(page, third, LEND_VA) == 0 ? 0 : 1);
	tap_eq(wait_status(child), 0, "the child lent its COW page to a third process");
	strcpy(page, "after!"); /* the parent writes after the child is gone */
	write(go[1], "x", 1);
	tap_eq(wait_status(third), 0, "the third process still sees the old data");
	tap_check(!strcmp(page, "after!"), "the parent sees its own write");
}

/* The child continues with the parent's registers, FPU included. */
pid_t fork_keep_fs0(double *out, double value);

static void test_fp_state(void)
{
	/* Compare bit patterns with integer code: an FP compare in the child
	 * would itself use FP registers that fork must have carried over. */
	union {
		double d;
		uint64_t bits;
	} volatile seen = {.bits = 0};
	double warm = 0.5;
	for (int i = 0; i < 10; i++)
		warm *= 1.5; /* we are an FPU user with live registers */
	pid_t pid = fork_keep_fs0((double *)&seen.d, 1234.5);
	if (pid == 0)
		_exit(seen.bits == 0x40934a0000000000ULL ? 0 : 1); /* 1234.5 */
	tap_eq(wait_status(pid), 0, "the child's fs0 after fork holds the parent's 1234.5");
	tap_check(seen.bits == 0x40934a0000000000ULL && warm > 28.0, "and the parent's too");
}

int main(void)
{
	tap_plan(20);
	test_big_fork();
	test_generations();
	test_frames_return();
	test_fork_rounds();
	test_kernel_write();
	test_pipe_read_cow();
	test_cve();
	test_fp_state();
	return tap_done();
}
