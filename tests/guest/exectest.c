/*
 * exectest.c - exec suite (root=pager init=exectest): argv arrives; a
 * program with a large never-called function faults in only what it
 * touches; the old image's frames are freed at exec; missing and corrupt
 * ELF files are refused and the caller goes on.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libsys.h"

#define PG 4096

/* fork, exec argv in the child (stdout to a pipe if out), wait. */
static int run(char *const argv[], char *out, size_t size)
{
	int fds[2], st = -1;
	pipe(fds);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		execv(argv[0], argv);
		_exit(100 + errno);
	}
	close(fds[1]);
	ssize_t n = read(fds[0], out, size - 1), m;
	while (n >= 0 && (m = read(fds[0], out + n, size - 1 - (size_t)n)) > 0)
		n += m;
	out[n > 0 ? n : 0] = 0;
	close(fds[0]);
	waitpid(pid, &st, 0);
	return st;
}

static void test_argv(void)
{
	char out[64];
	char *argv[] = {"argcheck", "one", "two words", "3", NULL};
	int st = run(argv, out, sizeof out);
	tap_check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "argv arrives intact (status %#x)", st);
}

static void test_demand(void)
{
	char out[64];
	char *argv[] = {"bigtext", NULL};
	int st = run(argv, out, sizeof out);
	long resident = strtol(out, NULL, 10);
	tap_check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "bigtext ran");
	tap_check(resident > 0 && resident < 24,
		  "with 256 KiB of text it has only %ld pages resident", resident);
}

static void test_old_image_freed(void)
{
	char out[64];
	struct msg m;
	pager_stats(&m);
	long before = (long)m.w[0];
	int fds[2];
	pipe(fds);
	pid_t pid = fork();
	if (pid == 0) {
		char *p = malloc(300 * PG);
		memset(p, 1, 300 * PG); /* 300 pages of the old image */
		dup2(fds[1], 1);
		char *argv[] = {"memcheck", NULL};
		execv("memcheck", argv);
		_exit(1);
	}
	close(fds[1]);
	ssize_t n = read(fds[0], out, sizeof out - 1);
	out[n > 0 ? n : 0] = 0;
	close(fds[0]);
	waitpid(pid, NULL, 0);
	long during = strtol(out, NULL, 10);
	tap_check(before - during < 60, "after exec the 300 old pages are free (%ld of %ld free)",
		  during, before);
}

static void test_bad(const char *name, int want)
{
	char *argv[] = {(char *)name, NULL};
	errno = 0;
	int r = execv(name, argv);
	tap_check(r == -1 && errno == want, "exec %s refused with errno %d (got %d)", name, want,
		  errno);
}

int main(void)
{
	pid_t me = getpid();
	tap_plan(10);
	test_argv();
	test_demand();
	test_old_image_freed();
	test_bad("no-such-program", ENOENT);
	test_bad("bad_trunc", ENOEXEC);
	test_bad("bad_magic", ENOEXEC);
	test_bad("bad_kernel", ENOEXEC);
	test_bad("bad_huge", ENOEXEC);
	tap_check(getpid() == me, "the caller is still here after all that");
	return tap_done();
}
