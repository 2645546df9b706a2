/* kreg_idle2 (root=pager init=kreg_idle2): the idle-before-reap stall from an
 * ordinary pager-started process. T1 waits in recv on E; the only other
 * handle to E is in codeless child C; C's thread faults (no handler), so
 * the kernel kills C inside that entry, E's release is deferred, and
 * sched_next() idles with nothing ready: T1 never gets ERR_DEAD. */
#include <stdio.h>
#include "libsys.h"

struct tramp { void (*fn)(long); long arg; long own_task; };
void root_thread_start(struct tramp *t);

static long g_e, g_done_n, g_park;
static volatile long g_r;
static char stack[8192] __attribute__((aligned(16)));

static void t1(long arg)
{
	(void)arg;
	struct msg m = {0};
	g_r = sys_recv(g_e, &m);
	sys_notif_signal(g_done_n, 1);
	for (;;)
		sys_notif_wait(g_park);
}

int main(void)
{
	long self = (long)libsys_startinfo->self;
	pager_quota(KQ_EP, 1); /* a process starts with no quota of these */
	pager_quota(KQ_NOTIF, 2);
	pager_quota(KQ_THREAD, 2);
	pager_quota(KQ_TASK, 1);
	g_e = sys_ep_create();
	g_done_n = sys_notif_create();
	g_park = sys_notif_create();
	struct tramp *tr = (struct tramp *)(stack + sizeof stack - 64);
	*tr = (struct tramp){t1, 0, 1};
	long th = sys_thread_create(self, (uint64_t)root_thread_start, (uint64_t)tr, (uint64_t)tr, 5);
	sys_thread_start(th);
	sys_sleep(5); /* T1 now waits in recv on E */
	tap_plan(3);
	long c = sys_task_create(1);
	tap_check(c > 0 && sys_handle_give(c, g_e, 0, 0) > 0, "a codeless child holds E");
	sys_handle_close(g_e); /* C holds E's last handle */
	long ct = sys_thread_create(c, 0, 0, 0, 5); /* pc 0: faults, no handler */
	sys_thread_start(ct);
	long t = sys_notif_timer(g_done_n, 3000, 2); /* watchdog: bit 2 after 3 s */
	(void)t;
	long bits = sys_notif_wait(g_done_n);
	tap_check(bits & 1, "T1 woke before the 3 s watchdog (bits %lx)", bits);
	tap_eq(g_r, ERR_DEAD, "its recv on the released endpoint failed with ERR_DEAD");
	return tap_done();
}
