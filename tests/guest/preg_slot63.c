/* 62 zombies fill process slots 1..62; the 63rd child (slot 63) ends its
 * task with a raw SYS_EXIT: the watch bit is 1<<63, a negative long. */
#include <sys/wait.h>
#include <unistd.h>
#include "libsys.h"

int main(int argc, char **argv)
{
	int nz = argc > 1 ? argv[1][0] - '0' ? 62 : 61 : 62;
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
