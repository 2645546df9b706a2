/*
 * preg_zpipe.c - pager regression (root=pager init=preg_zpipe): a writer
 * killed while blocked in a pipe write stays a zombie until waited for;
 * the pager must not finish its write from the zombie's freed memory (the
 * reader would get zeros, and frames would leak).
 */
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libsys.h"

static char wbuf[8192];
static char rbuf[8192];

static long free_frames(void)
{
	struct msg m;
	pager_cache_drop(); /* cached file pages are not lost, only kept */
	pager_stats(&m);
	return (long)m.w[0];
}

/* One round: returns 1 if the reader saw only the writer's data. */
static int zpipe_round(void)
{
	int fds[2], st;
	long total = 0, zeros = 0, n;
	pipe(fds);
	pid_t w = fork();
	if (w == 0) {
		close(fds[0]);
		memset(wbuf, 'A', sizeof wbuf);
		write(fds[1], wbuf, sizeof wbuf); /* blocks after 4096 */
		_exit(0);
	}
	close(fds[1]);
	sys_sleep(20); /* the writer blocks: ~20M instructions under icount */
	kill(w, SIGKILL); /* a zombie: we do not wait yet */
	sys_sleep(5);
	while ((n = read(fds[0], rbuf, sizeof rbuf)) > 0) {
		for (long i = 0; i < n; i++)
			zeros += rbuf[i] != 'A';
		total += n;
	}
	close(fds[0]);
	waitpid(w, &st, 0);
	return total == 4096 && zeros == 0;
}

int main(void)
{
	tap_plan(2);
	int good = zpipe_round(); /* also faults in our own buffers */
	long before = free_frames();
	for (int round = 1; round < 20; round++)
		good += zpipe_round();
	tap_eq(good, 20, "every round: the reader got the 4096 bytes written, then EOF");
	tap_eq(free_frames(), before, "no frame leaked over 19 more rounds");
	return tap_done();
}
