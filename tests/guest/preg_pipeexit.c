/* A child blocked in a pipe read whose second thread closes the pipe's
 * fds and then ends the process: its saved reply stayed in the pipe (the
 * parent keeps the write ends), pinning its dead thread and a kernel task
 * slot. 48 such children (6 pipes, 8 waits each), then 40 children must
 * still start at once. */
#include <sys/wait.h>
#include <unistd.h>

#include "libsys.h"

#define PIPES 6
#define ROUNDS 48

static uint64_t stack[1024];
static int pfds[PIPES][2];
static int *pfd;

static void reader(long arg)
{
	char c;
	(void)arg;
	read(pfd[0], &c, 1); /* blocks: the parent never writes */
	for (;;)
		sys_sleep(1000);
}

static void round_child(void)
{
	const struct startinfo *si = libsys_startinfo;
	pager_quota(KQ_THREAD, 1); /* a process starts with no thread quota */
	long th = sys_thread_create((long)si->self, (uint64_t)reader, (uint64_t)&stack[1024], 0,
				    PRIO_DEFAULT);
	if (th < 0 || sys_thread_fault(th, (long)si->pager) < 0 || sys_thread_start(th) < 0)
		_exit(2);
	sys_sleep(5); /* the reader is blocked now */
	for (int i = 0; i < PIPES; i++)
		close(pfds[i][0]), close(pfds[i][1]);
	_exit(0);
}

int main(void)
{
	tap_plan(2);
	int bad = 0;
	for (int i = 0; i < PIPES; i++)
		if (pipe(pfds[i]) < 0)
			return 1;
	for (int r = 0; r < ROUNDS; r++) {
		pfd = pfds[r % PIPES];
		pid_t c = fork();
		if (c == 0)
			round_child();
		int st = -1;
		waitpid(c, &st, 0);
		bad += !(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	tap_eq(bad, 0, "48 children: a reader blocked, the fds closed by another thread, exit");
	pid_t kids[40];
	int started = 0;
	for (int i = 0; i < 40; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			sys_sleep(100);
			_exit(0);
		}
		started += kids[i] > 0;
	}
	for (int i = 0; i < 40; i++)
		if (kids[i] > 0)
			waitpid(kids[i], NULL, 0);
	for (int i = 0; i < PIPES; i++) /* we kept the write ends until now */
		close(pfds[i][0]), close(pfds[i][1]);
	tap_eq(started, 40, "40 children start at once afterwards (no slot pinned)");
	return tap_done();
}
