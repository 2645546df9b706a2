/* A saved reply belongs to one image: a second thread blocked in waitpid
 * and a third in a console read when the process execs must not leave
 * their requests to the new image (it got ECHILD for its live child, whose
 * status the stale reply then took, and EAGAIN from a console read). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libsys.h"

static uint64_t stacks[2][1024];
static volatile int read_done;

static void thread_wait(long child)
{
	int st;
	waitpid((pid_t)child, &st, 0);
	for (;;)
		sys_sleep(1000);
}

static void thread_read(long arg)
{
	char c;
	(void)arg;
	long n = read(0, &c, 1);
	read_done = n < 0 ? 2 : 1;
	for (;;)
		sys_sleep(1000);
}

static long thread(void (*fn)(long), long arg, int i)
{
	const struct startinfo *si = libsys_startinfo;
	pager_quota(KQ_THREAD, 1); /* a process starts with no thread quota */
	long th = sys_thread_create((long)si->self, (uint64_t)fn, (uint64_t)&stacks[i][1024], (uint64_t)arg,
				    PRIO_DEFAULT);
	if (th < 0 || sys_thread_fault(th, (long)si->pager) < 0 || sys_thread_start(th) < 0)
		return -1;
	return th;
}

/* The checks of both images print here, in the new one: TAP numbers are
 * a process's own and start again at 1 after exec. */
static int after_exec(pid_t child, int threads_ok, int blocked)
{
	int st = -1;
	tap_check(threads_ok, "before exec, a thread waited for the child, another read the console");
	tap_check(blocked, "and that read blocked");
	pid_t w = waitpid(child, &st, 0);
	tap_eq(w, child, "after exec, waitpid finds the live child (not ECHILD)");
	tap_check(w == child && WIFEXITED(st) && WEXITSTATUS(st) == 7,
		  "and gets its exit status 7 (%#x)", st);
	tap_check(thread(thread_read, 0, 1) > 0, "a reader thread in the new image");
	sys_sleep(100);
	tap_eq(read_done, 0, "its console read blocks (no EAGAIN from the old image's read)");
	return tap_done();
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "after"))
		return after_exec((pid_t)atoi(argv[2]), atoi(argv[3]), atoi(argv[4]));
	tap_plan(6);
	pid_t c = fork();
	if (c == 0) {
		sys_sleep(300);
		_exit(7);
	}
	int threads_ok = thread(thread_wait, c, 0) > 0 && thread(thread_read, 0, 1) > 0;
	sys_sleep(50);
	char pid[16], t[4], b[4];
	snprintf(pid, sizeof pid, "%d", (int)c);
	snprintf(t, sizeof t, "%d", threads_ok);
	snprintf(b, sizeof b, "%d", read_done == 0);
	char *const args[] = {"preg_execwait", "after", pid, t, b, NULL};
	execv("/bin/preg_execwait", args);
	tap_check(0, "exec failed");
	return tap_done();
}
