/* kreg_runq: sys_exit pops the next ready thread N, then the deferred
 * release of P (N's task's parent) kills N while it is off the run queue:
 * thread_unlink -> sched_unready -> tq_remove on a queue N is not on, which
 * empties runq[prio] and loses every other thread there (Z). */
#include "kreg.h"
#include "libsys.h"
#include "root.h"
#include <stdio.h>

static volatile long z_ran;
static char zstack[8192] __attribute__((aligned(16))), cstack[8192] __attribute__((aligned(16)));

static void z_fn(long arg) { (void)arg; z_ran = 1; }
static void x_fn(long arg) { (void)arg; /* returns: sys_exit */ }

int main(void)
{
	root_init();
	tap_plan(4);
	long ep = sys_ep_create(), p, pth, f = sys_handle_dup(ep, R_SEND, 0x77);
	long t = kreg_family(ep, f, &p, &pth); /* T, child of P */
	struct msg m = {0};
	sys_reply_recv(ep, &m); /* P faults to us */
	tap_eq(m.label, LABEL_FAULT, "P's thread faults to us");
	m = (struct msg){.label = FAULT_KILL};
	sys_reply(&m); /* P alive, no thread */
	long n = sys_thread_create(t, 0, 0, 0, 20); /* never runs */
	long z = root_thread(z_fn, 0, zstack, sizeof zstack, 20, 0, 1);
	long c = root_thread(z_fn, 0, cstack, sizeof cstack, 20, 0, 1);
	sys_thread_start(n);
	sys_thread_start(z);
	sys_thread_start(c); /* runq[20]: N, Z, C */
	long xth;
	long x = root_clone_give(x_fn, 0, p, 0, 25, 16, &xth); /* X holds P */
	tap_check(x > 0, "X holds a handle to P");
	sys_handle_close(pth), sys_handle_close(p), sys_handle_close(f);
	sys_sleep(50); /* X exits: P released, T killed; Z must still run */
	tap_check(z_ran, "Z (ready at prio 20 behind N) ran");
	/* If Z and C were lost: C's stale prev is Z. Unready C, ready it again:
	 * runq[20] = {head NULL, tail C}, bit set; sched_next derefs NULL. */
	printf("suspend C: %ld\n", sys_thread_suspend(c));
	printf("start C: %ld\n", sys_thread_start(c));
	fflush(stdout);
	sys_sleep(5);
	tap_eq(sys_task_info(t, NULL, NULL), ERR_DEAD, "T died with P");
	return tap_done();
}
