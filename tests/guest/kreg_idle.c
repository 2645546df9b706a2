/* kreg_idle: a release left pending when the scheduler idles is never run.
 * M blocks in recv on E; helper H closes root's handle to E; child C holds
 * the last handle and exits; E's release (which would wake M with ERR_DEAD)
 * is deferred, but sched_next() idles first: nothing is ready, forever. */
#include "libsys.h"
#include "root.h"

static long g_ep;
static volatile long h_done;
static char hstack[8192] __attribute__((aligned(16)));

static void h_fn(long arg) { (void)arg; sys_handle_close(g_ep); h_done = 1; }
static void c_fn(long arg) { (void)arg; sys_sleep(20); /* then returns: sys_exit */ }

int main(void)
{
	root_init();
	tap_plan(2);
	g_ep = sys_ep_create();
	long cth;
	long c = root_clone_give(c_fn, 0, g_ep, R_RECV, 10, 16, &cth);
	tap_check(c > 0, "child holding E made");
	root_thread(h_fn, 0, hstack, sizeof hstack, 20, 0, 0);
	struct msg m = {0};
	long r = sys_recv(g_ep, &m); /* H closes our E while we wait */
	tap_eq(r, ERR_DEAD, "recv on E fails once the child with E's last handle exits");
	return tap_done();
}
