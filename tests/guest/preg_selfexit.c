/*
 * preg_selfexit.c - pager regression (root=pager init=preg_selfexit): a
 * child that ends its own task with raw syscalls (SYS_EXIT, or TASK_KILL
 * on its self handle) instead of exit() is still noticed by the pager
 * (TASK_WATCH), so the parent's waitpid returns.
 */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libsys.h"

static int child_status(int how)
{
	int st = -1;
	pid_t c = fork();
	if (c == 0) {
		if (how == 0)
			sys_exit(3);
		sys_task_kill((long)libsys_startinfo->self);
		_exit(4); /* not reached */
	}
	return waitpid(c, &st, 0) == c ? st : -1;
}

int main(void)
{
	tap_plan(3);
	int st = child_status(0);
	tap_check(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "raw SYS_EXIT: waitpid returns (%#x)", st);
	st = child_status(1);
	tap_check(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "TASK_KILL of itself: too (%#x)", st);
	pid_t c = fork();
	if (c == 0)
		_exit(5);
	st = -1;
	waitpid(c, &st, 0);
	tap_check(WIFEXITED(st) && WEXITSTATUS(st) == 5, "an ordinary exit still reports its status");
	return tap_done();
}
