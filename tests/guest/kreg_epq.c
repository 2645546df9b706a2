/* kreg_epq: ipc_call's direct switch returns receiver r still marked
 * TS_RECV with r->queue = E2 although it was popped; the deferred release
 * of P (parent of r's task) kills r, and thread_unlink's tq_remove on E2
 * empties E2's queue: receiver Z, queued behind r, is lost. */
#include "kreg.h"
#include "libsys.h"
#include "root.h"

void recv_twice(long);
static volatile long z_got;
static long g_e2;
static char zstack[8192] __attribute__((aligned(16)));

static void z_fn(long arg)
{
	(void)arg;
	struct msg m = {0};
	long r = sys_recv(g_e2, &m);
	z_got = r == 0x55 ? 1 : r;
}

int main(void)
{
	const struct bootinfo *bi = libsys_bootinfo;
	root_init();
	tap_plan(5);
	long ep = sys_ep_create(), ef = sys_ep_create(), pth;
	g_e2 = sys_ep_create();
	long efs = sys_handle_dup(ef, R_SEND, 0x66), p;
	long t = kreg_family(ep, efs, &p, &pth); /* T, child of P */
	struct msg m = {0};
	sys_reply(&m);
	long ef_t = sys_handle_give(t, ef, R_RECV, 0), e2_t = sys_handle_give(t, g_e2, R_RECV, 0);
	uint64_t code = (uint64_t)recv_twice;
	tap_eq(sys_map(t, code, bi->image_pa + code - bi->image_va, PERM_R | PERM_X), 0, "map r's code into T");
	long r = sys_thread_create(t, code, 0, (uint64_t)e2_t << 32 | (uint64_t)ef_t, 25);
	sys_thread_start(r);
	sys_handle_close(pth), sys_handle_close(p), sys_handle_close(efs), sys_handle_close(ef);
	sys_sleep(10); /* r takes F's fault, then waits on E2 holding it */
	root_thread(z_fn, 0, zstack, sizeof zstack, 20, 0, 0);
	sys_sleep(10); /* Z waits on E2 behind r */
	m = (struct msg){.label = 2};
	tap_eq(sys_call(g_e2, &m), ERR_DEAD, "call reaches r, whose task dies with P");
	tap_eq(sys_task_info(t, NULL, NULL), ERR_DEAD, "T died with P");
	m = (struct msg){.label = 3};
	long s = sys_handle_dup(g_e2, R_SEND, 0x55);
	tap_eq(sys_send(s, &m), 0, "Z still waits on E2: a send reaches it");
	sys_sleep(5);
	tap_eq(z_got, 1, "Z got the message");
	return tap_done();
}
