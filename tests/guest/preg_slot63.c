/* Zombies fill the process slots after those in use (init, and the block
 * driver when a disk is attached); the child in the last slot (63) ends its
 * task with a raw SYS_EXIT: the watch bit is 1<<63, a negative long. */
#include <sys/wait.h>
#include <unistd.h>
#include "libsys.h"

int main(void)
{
	struct pg_ps ps[64];
	int nz = 63 - (int)pager_ps(ps, 64); /* slots 0..n-1 are taken */
	tap_plan(1);
	for (int i = 0; i < nz; i++) {
		pid_t z = fork();
		if (z == 0)
			_exit(0);
		sys_sleep(5);
	}
	pid_t c = fork();
	if (c == 0)
		sys_exit(3);
	int st = -1;
	long w = 0;
	for (int i = 0; i < 100 && w == 0; i++) {
		w = waitpid(c, &st, WNOHANG);
		sys_sleep(20);
	}
	tap_check(w == c, "waitpid returns for raw-exited child after %d zombies (got %ld)", nz, w);
	return tap_done();
}
