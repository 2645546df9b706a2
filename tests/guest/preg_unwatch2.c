/* Repeat the unwatch+raw-exit until fork fails: pinned task slots. */
#include <sys/wait.h>
#include <unistd.h>
#include <stdio.h>
#include "libsys.h"

int main(void)
{
	tap_plan(1);
	int r;
	for (r = 0; r < 100; r++) {
		pid_t c = fork();
		if (c < 0)
			break;
		if (c == 0) {
			sys_task_watch((long)libsys_startinfo->self, 0, 0);
			sys_exit(3);
		}
		sys_sleep(10);
		int st; long w = 0;
		for (int i = 0; i < 20 && w == 0; i++) { w = waitpid(c, &st, WNOHANG); sys_sleep(5); }
	}
	printf("# fork failed after %d children\n", r);
	pid_t c = fork();
	if (c == 0)
		_exit(0);
	tap_check(c > 0, "fork still works after %d unwatched raw exits (got %d)", r, (int)c);
	return tap_done();
}
