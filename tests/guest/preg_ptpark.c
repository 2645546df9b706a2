/* Hardening class 1: page-table quota parked out of the pager's reach. A
 * process moves the quota the pager gives it into a task of its own and
 * faults for more, round after round. The pager counts what a process
 * passed on (the kernel's "lent") and stops at the process's share: the
 * hog is killed, every other fork meanwhile works, and all the quota comes
 * back when it dies. */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libsys.h"

#define GIB (1ULL << 30)
#define HEAP (255ULL << 30) /* one new L1 and L0 table per GiB touched */

/* Forever: fault for more page-table quota, then park all of it in our
 * child task; report what we hold, ours and the child's, after each round. */
static void hog(int fd)
{
	char *heap = sbrk((intptr_t)HEAP);
	pager_quota(KQ_TASK, 1);
	long child = sys_task_create(1);
	if (heap == (char *)-1 || child < 0)
		_exit(2);
	for (uint64_t i = 1; i < HEAP / GIB; i++) {
		heap[i * GIB] = 1;
		uint64_t used, quota, lent, cq;
		sys_task_info_q((long)libsys_startinfo->self, KQ_PT, &used, &quota, &lent);
		sys_task_info(child, NULL, &cq);
		if (sys_task_quota(child, cq + quota - used) < 0)
			_exit(3);
		uint64_t held = quota + lent;
		if (write(fd, &held, sizeof held) != sizeof held)
			_exit(4);
	}
	_exit(5); /* never: the share is far below 255 GiB's tables */
}

/* A process that touches 1 MiB and exits: 0 when all went well. */
static int fork_works(void)
{
	pid_t c = fork();
	if (c == 0) {
		char *p = sbrk(1 << 20);
		for (int i = 0; i < (1 << 20); i += 4096)
			p[i] = (char)i;
		_exit(0);
	}
	int st = -1;
	return c > 0 && waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

int main(void)
{
	struct pg_meminfo m0, m1;
	int fds[2], st = -1, rounds = 0, fails = 0;
	uint64_t held = 0, peak = 0;
	tap_plan(5);
	fork_works(); /* warm: our own tables for the fork path are in place */
	pager_meminfo(&m0);
	pipe(fds);
	pid_t h = fork();
	if (h == 0) {
		close(fds[0]);
		hog(fds[1]);
	}
	close(fds[1]);
	while (read(fds[0], &held, sizeof held) == sizeof held) {
		rounds++;
		peak = held > peak ? held : peak;
		fails += !fork_works();
	}
	tap_check(waitpid(h, &st, 0) == h && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
		  "the hog is killed when it asks past its share (status %#x)", st);
	tap_check(peak <= m0.kq_share[KQ_PT] && peak >= m0.kq_share[KQ_PT] / 2,
		  "it held at most its share, its task's included: %lu of %lu pages",
		  (unsigned long)peak, (unsigned long)m0.kq_share[KQ_PT]);
	tap_check(rounds >= 8, "it was given more %d times", rounds);
	tap_eq(fails, 0, "every fork meanwhile worked");
	pager_meminfo(&m1);
	int same = 1;
	for (int k = 0; k < KQ_COUNT; k++)
		same &= m1.kq_free[k] == m0.kq_free[k];
	tap_check(same, "all of it came back: page-table pages %lu, was %lu",
		  (unsigned long)m1.kq_free[KQ_PT], (unsigned long)m0.kq_free[KQ_PT]);
	return tap_done();
}
