/*
 * kreg.c - the shared set-up of the kernel regression suites (kreg.h).
 */
#include "kreg.h"
#include "libsys.h"
#include "root.h"

void kreg_parent(long ep)
{
	struct msg m = {.label = 1, .handle = (uint64_t)sys_task_create(8)};
	sys_call(ep, &m);     /* hand T over; the reply lets us go on */
	*(volatile int *)0 = 1; /* then fault to the handler the root chose */
}

long kreg_family(long ep, long fault_send, long *p, long *pth)
{
	struct msg m = {0};
	*p = root_clone_give(kreg_parent, 0, ep, R_SEND, 20, 16, pth);
	sys_thread_fault(*pth, fault_send);
	sys_recv(ep, &m);
	return (long)m.handle;
}
