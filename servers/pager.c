/*
 * pager.c (servers/) - the root pager: the first task, owner of all user
 * memory. It starts the init program named by the boot argument init=
 * (default "demo") and then serves, in one loop, page faults forwarded by
 * the kernel and the calls of libsys/pager.h. Replies go out with
 * reply-and-receive, so one kernel entry answers one request and waits
 * for the next; a fault costs the pager one syscall.
 */
#include <stdio.h>
#include <string.h>

#include "pager.h"
#include "root.h"

struct pager_stats pg_stats;
long pg_ep;
bool pg_bench;

static bool pager_has_word(const char *args, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = args; (p = strstr(p, word)); p += n)
		if ((p == args || p[-1] == ' ') && (p[n] == 0 || p[n] == ' '))
			return true;
	return false;
}

static void pager_arg(const char *args, const char *key, char *out, size_t size,
		      const char *dflt)
{
	const char *p = strstr(args, key);
	snprintf(out, size, "%s", dflt);
	if (!p || (p != args && p[-1] != ' '))
		return;
	p += strlen(key);
	size_t i = 0;
	while (*p && *p != ' ' && i + 1 < size)
		out[i++] = *p++;
	out[i] = 0;
}

static void pager_stats_reply(struct proc *p, struct msg *m)
{
	*m = (struct msg){.label = 0,
			  .w = {frames_free_count(&pg_frames), pg_stats.zero_faults,
				pg_stats.file_faults, p->resident, p->faults,
				(pg_frames.end - pg_frames.base) / 4096}};
}

static void pager_spawn_call(struct msg *m)
{
	char name[PG_NAME_MAX + 1] = {0};
	memcpy(name, m->w, PG_NAME_MAX);
	const char *argv[] = {name, NULL};
	long given = (long)m->handle > 0 ? (long)m->handle : 0;
	long pid = proc_spawn(name, argv, given);
	if (given)
		sys_handle_close(given);
	*m = pid < 0 ? (struct msg){.label = (uint64_t)-pid} : (struct msg){.w = {(uint64_t)pid}};
}

static void pager_nozero(struct proc *p, struct msg *m)
{
	struct region r = {.start = m->w[0], .end = m->w[0] + m->w[1] * 4096, .kind = RG_ANON,
			   .perms = PERM_R | PERM_W, .nozero = true};
	long e = !pg_bench || (r.start & 4095) || r.end <= r.start ? ERR_INVAL
								   : vm_region_add(p, r);
	*m = (struct msg){.label = (uint64_t)-(e < 0 ? ERR_INVAL : 0)};
}

/* One request from process p; false when no reply is due (exit, a
 * deferred wait, a killed faulter). */
static bool pager_handle(struct proc *p, struct msg *m)
{
	bool deferred;
	switch (m->label) {
	case LABEL_FAULT:
		return vm_fault(p, m);
	case PG_EXIT:
		proc_exit(p, (long)m->w[0], PG_EXITED);
		return false;
	case PG_SBRK: {
		long old = vm_sbrk(p, (int64_t)m->w[0]);
		*m = old < 0 ? (struct msg){.label = (uint64_t)-old} : (struct msg){.w = {(uint64_t)old}};
		return true;
	}
	case PG_SPAWN:
		pager_spawn_call(m);
		return true;
	case PG_WAIT:
		proc_wait(p, (long)m->w[0], m, &deferred);
		return !deferred;
	case PG_STATS:
		pager_stats_reply(p, m);
		return true;
	case PG_NOZERO:
		pager_nozero(p, m);
		return true;
	default:
		*m = (struct msg){.label = (uint64_t)-ERR_INVAL};
		return true;
	}
}

/* A FAULT_MAP the kernel refused for lack of page-table quota: move more
 * quota to the process and answer again. */
static bool pager_more_quota(struct proc *p)
{
	uint64_t q = p->pt_quota * 2;
	if (sys_task_quota(p->task, q) < 0)
		return false;
	p->pt_quota = q;
	return true;
}

static __attribute__((noreturn)) void pager_loop(void)
{
	struct msg m;
	long badge = sys_recv(pg_ep, &m);
	for (;;) {
		struct proc *p = badge > 0 ? proc_find(badge) : NULL;
		if (!p || p->state != P_LIVE) {
			badge = sys_recv(pg_ep, &m);
			continue;
		}
		if (!pager_handle(p, &m)) {
			badge = sys_recv(pg_ep, &m);
			continue;
		}
		badge = sys_reply_recv(pg_ep, &m);
		while (badge == ERR_QUOTA && m.label == FAULT_MAP && pager_more_quota(p))
			badge = sys_reply_recv(pg_ep, &m);
		if (badge < 0) {
			printf("pager: reply to pid %ld refused (%ld); killing it\n", p->pid, badge);
			proc_exit(p, 0, PG_KILLED);
			badge = sys_recv(pg_ep, &m);
		}
	}
}

int main(void)
{
	const struct bootinfo *bi = libsys_bootinfo;
	char init[PG_NAME_MAX];
	root_init();
	pg_ep = sys_ep_create();
	pg_bench = pager_has_word(bi->bootargs, "bench");
	pager_arg(bi->bootargs, "init=", init, sizeof init, "demo");
	printf("pager: root pager up: %lu frames (%lu MiB) to give, initrd %lu KiB\n",
	       (unsigned long)frames_free_count(&pg_frames),
	       (unsigned long)(frames_free_count(&pg_frames) >> 8),
	       (unsigned long)(bi->initrd_size >> 10));
	const char *argv[] = {init, NULL};
	long pid = proc_spawn(init, argv, 0);
	if (pid < 0) {
		printf("pager: cannot start init \"%s\" (%ld)\n", init, pid);
		return 1;
	}
	pager_loop();
}
