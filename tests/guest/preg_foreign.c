/*
 * preg_foreign.c - pager regression (root=pager init=preg_foreign): a
 * process makes a task of its own and points that task's faults at its
 * pager handle. The pager must not map the process's frames there (it
 * would hold them behind the pager's back): it kills that thread, and a
 * forked child's private memory stays private.
 */
#include <sys/wait.h>
#include <unistd.h>

#include "libsys.h"

static volatile uint64_t shared = 1;
static uint64_t astack[1024] __attribute__((aligned(4096)));

static void spin(uint64_t arg)
{
	(void)arg;
	for (;;) {
		shared++;
		sys_yield();
	}
}

int main(void)
{
	const struct startinfo *si = libsys_startinfo;
	tap_plan(4);
	pager_quota(KQ_TASK, 1); /* a process starts with no task quota */
	pager_quota(KQ_THREAD, 1);
	long task = sys_task_create(6);
	long th = sys_thread_create(task, (uint64_t)spin, (uint64_t)&astack[1024], 0, PRIO_DEFAULT);
	tap_check(task > 0 && th > 0, "a task and thread of our own");
	tap_eq(sys_thread_fault(th, (long)si->pager) | sys_thread_start(th), 0,
	       "its faults go to the pager with our badge");
	sys_sleep(20);
	shared = 7;
	pid_t c = fork();
	if (c == 0) {
		uint64_t v0 = shared;
		sys_sleep(40);
		_exit(v0 == 7 && shared == 7 ? 0 : 1);
	}
	shared = 8; /* we copy on write; the child keeps the old frame */
	int st = -1;
	tap_eq(waitpid(c, &st, 0), c, "the child finished");
	tap_eq(st, 0, "nobody else wrote the child's private page");
	return tap_done();
}
