/*
 * preg_hold.c - pager regression (root=pager init=preg_hold): a process
 * must not be able to use up the pager's resources for everyone: handles
 * sent along with calls do not pile up in the pager's table, and readers
 * of the console cannot take every waiting slot from the others.
 */
#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libsys.h"

static void send_handles(void)
{
	pager_quota(KQ_EP, 1); /* a process starts with no endpoint quota */
	long ep = sys_ep_create();
	for (int i = 0; i < 300; i++) {
		struct msg m = {.label = PG_GETPID, .handle = (uint64_t)ep};
		sys_call((long)libsys_startinfo->pager, &m);
	}
	_exit(0);
}

static pid_t console_reader(void)
{
	pid_t c = fork();
	if (c == 0) {
		char b[8];
		_exit(read(1, b, sizeof b) < 0 ? errno : 0); /* fd 1 is the console too */
	}
	return c;
}

int main(void)
{
	int st;
	pid_t readers[9], c;
	tap_plan(3);
	for (int i = 0; i < 9; i++)
		readers[i] = console_reader();
	sys_sleep(50);
	tap_eq(waitpid(readers[8], &st, WNOHANG), 0, "a 9th console reader waits, not refused");
	tap_eq(waitpid(-1, &st, WNOHANG), 0, "and so do the other eight");
	for (int i = 0; i < 9; i++)
		kill(readers[i], SIGKILL);
	while (wait(&st) > 0)
		;
	c = fork();
	if (c == 0)
		send_handles();
	waitpid(c, &st, 0);
	pid_t other = fork(); /* one more process alive, as in a real system */
	if (other == 0) {
		sys_sleep(1000);
		_exit(0);
	}
	c = fork();
	if (c == 0)
		_exit(0);
	tap_check(c > 0 && waitpid(c, &st, 0) == c, "fork still works after 300 calls carrying handles");
	kill(other, SIGKILL);
	waitpid(other, &st, 0);
	return tap_done();
}
