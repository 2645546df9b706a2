/* A child removes the pager's TASK_WATCH on its own task (self handle has
 * R_CONTROL), then ends its task with a raw SYS_EXIT. */
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <stdio.h>
#include "libsys.h"

static long free_frames(void)
{
	struct msg m;
	pager_cache_drop(); /* cached file pages are not lost, only kept */
	pager_stats(&m);
	return (long)m.w[0];
}

int main(void)
{
	tap_plan(3);
	long before = free_frames();
	pid_t c = 0;
	for (int r = 0; r < 8; r++) {
		c = fork();
		if (c == 0) {
			static char big[64 * 4096];
			for (unsigned i = 0; i < sizeof big; i += 4096)
				big[i] = 1; /* hold some frames */
			long e = sys_task_watch((long)libsys_startinfo->self, 0, 0);
			sys_exit(e == 0 ? 3 : 4);
		}
		sys_sleep(50);
		if (r < 7) { int s2; long w2 = 0; for (int i = 0; i < 20 && w2 == 0; i++) { w2 = waitpid(c, &s2, WNOHANG); sys_sleep(5); } }
	}
	int st = -1;
	long w = 0;
	for (int i = 0; i < 50 && w == 0; i++) {
		w = waitpid(c, &st, WNOHANG);
		sys_sleep(20);
	}
	tap_eq(w, (long)c, "waitpid returns for a child that unwatched itself");
	struct pg_ps ps[64];
	long n = pager_ps(ps, 64), others = 0;
	for (long i = 0; i < n; i++) /* the block driver runs when there is a disk */
		others += ps[i].pid != getpid() && strcmp(ps[i].name, "blk") != 0;
	tap_eq(others, 0L, "only init (and the block driver) in the process table");
	long after = free_frames();
	tap_eq(after, before, "no frames leaked");
	return tap_done();
}
