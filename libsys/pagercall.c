/*
 * pagercall.c - client side of the pager protocol (libsys/, pager.h).
 */
#include <errno.h>
#include <string.h>

#include "libsys.h"

static long pager_ep(void) { return libsys_startinfo ? (long)libsys_startinfo->pager : 0; }

long pager_spawnv(const char *path, char *const argv[], long give_handle)
{
	struct msg m = {.label = PG_SPAWN, .w = {(uint64_t)path, (uint64_t)argv},
			.handle = (uint64_t)give_handle};
	long e = sys_call(pager_ep(), &m);
	if (e < 0)
		return e;
	return m.label ? -(long)m.label : (long)m.w[0];
}

long pager_spawn(const char *name, long give_handle)
{
	char *const argv[] = {(char *)name, NULL};
	return pager_spawnv(name, argv, give_handle);
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

static long pager_call3(uint64_t label, uint64_t a, uint64_t b, uint64_t c)
{
	struct msg m = {.label = label, .w = {a, b, c}};
	long e = sys_call(pager_ep(), &m);
	if (e < 0)
		return e;
	return m.label ? -(long)m.label : (long)m.w[0];
}

long pager_ps(struct pg_ps *buf, long max) { return pager_call3(PG_PS, (uint64_t)buf, (uint64_t)max, 0); }

long pager_meminfo(struct pg_meminfo *mi) { return pager_call3(PG_MEMINFO, (uint64_t)mi, 0, 0); }

long pager_cache_drop(void) { return pager_call3(PG_CACHE_DROP, 0, 0, 0); }

long pager_ctl(long op, uint64_t a, uint64_t b) { return pager_call3(PG_PAGERCTL, (uint64_t)op, a, b); }

long pager_quota(unsigned kind, uint64_t n) { return pager_call3(PG_QUOTA, kind, n, 0); }

long pager_readdir(long index, char name[PG_NAME_MAX])
{
	return pager_call3(PG_READDIR, (uint64_t)index, (uint64_t)name, 0);
}

long pager_lend(void *va, long pid, uint64_t to_va)
{
	return pager_call3(PG_LEND, (uint64_t)va, (uint64_t)pid, to_va);
}
