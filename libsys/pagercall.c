/*
 * pagercall.c - client side of the pager protocol (libsys/, pager.h).
 */
#include <errno.h>
#include <string.h>

#include "libsys.h"

static long pager_ep(void) { return libsys_startinfo ? (long)libsys_startinfo->pager : 0; }

long pager_spawn(const char *name, long give_handle, long *task_out)
{
	struct msg m = {.label = PG_SPAWN, .handle = (uint64_t)give_handle};
	size_t n = strlen(name);
	if (n >= PG_NAME_MAX)
		return -ENAMETOOLONG;
	memcpy(m.w, name, n);
	long e = sys_call(pager_ep(), &m);
	if (e < 0)
		return e;
	if (m.label)
		return -(long)m.label;
	if (task_out)
		*task_out = (long)m.handle;
	return (long)m.w[0];
}

long pager_startup_handle(void)
{
	return libsys_startinfo ? (long)libsys_startinfo->given : 0;
}

long pager_stats(struct msg *out)
{
	*out = (struct msg){.label = PG_STATS};
	long e = sys_call(pager_ep(), out);
	return e < 0 ? e : -(long)out->label;
}
