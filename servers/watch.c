/*
 * watch.c (servers/) - notices processes whose task died without telling
 * us (a raw SYS_EXIT, or TASK_KILL on their own task): every process task
 * signals a notification bit (its slot) when it dies; a pager thread waits
 * on it and hands the bits to the main loop, which ends such processes.
 */
#include "pager.h"
#include "root.h"

static long watch_notif;
static char watch_stack[8192] __attribute__((aligned(16)));

static void watch_loop(long arg)
{
	long ep = sys_handle_dup(pg_ep, R_SEND, WATCH_BADGE);
	(void)arg;
	for (;;) {
		/* unsigned: slot 63's bit is the sign bit */
		uint64_t bits = (uint64_t)sys_notif_wait(watch_notif);
		struct msg m = {.label = PG_TASKS_DIED, .w = {bits}};
		if (bits)
			sys_call(ep, &m);
	}
}

void watch_start(void)
{
	watch_notif = sys_notif_create();
	root_thread(watch_loop, 0, watch_stack, sizeof watch_stack, PRIO_MAX, 0, 0);
}

long watch_task(long task, int slot)
{
	return sys_task_watch(task, watch_notif, 1ULL << slot);
}
