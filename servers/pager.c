/*
 * pager.c (servers/) - the root pager: the first task, owner of all user
 * memory, and the process, file and console server. It starts init
 * (boot argument init=NAME, default "sh"; words after " -- " become
 * init's arguments) and then serves, in one loop, the page faults the
 * kernel forwards and the calls of libsys/pager.h. Replies go out with
 * reply-and-receive: one kernel entry answers a request and waits for the
 * next, so a page fault costs the pager a single syscall.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "blk/blkc.h"
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

/* REPLY_TO consumes the handle, but not when the caller is gone: close it
 * then, or saved replies of killed processes would fill our table. */
void pager_answer(long reply, struct msg *m)
{
	if (sys_reply_to(reply, m) < 0)
		sys_handle_close(reply);
}

static struct msg pager_ok(uint64_t w0) { return (struct msg){.w = {w0}}; }
static struct msg pager_err(long e) { return (struct msg){.label = (uint64_t)-e}; }
static struct msg pager_result(long r) { return r < 0 ? pager_err(r) : pager_ok((uint64_t)r); }

static void pager_stats_reply(struct proc *p, struct msg *m)
{
	*m = (struct msg){.w = {frames_free_count(&pg_frames), pg_stats.zero_faults,
				pg_stats.file_faults, p->resident, p->faults,
				(pg_frames.end - pg_frames.base) / 4096}};
}

static long pg_meminfo_call(struct proc *p, uint64_t buf)
{
	struct pg_meminfo mi = {
		.frames_total = (pg_frames.end - pg_frames.base) / 4096,
		.frames_free = frames_free_count(&pg_frames),
		.frames_shared = frames_shared(),
		.zero_faults = pg_stats.zero_faults,
		.file_faults = pg_stats.file_faults,
		.cow_copies = pg_stats.cow_copies,
		.cow_reuses = pg_stats.cow_reuses,
		.kills = pg_stats.kills,
		.pager_heap = root_heap_pages(),
	};
	mi.frames_used = mi.frames_total - mi.frames_free;
	return vm_copy_out(p, buf, &mi, sizeof mi) < 0 ? -EFAULT : 0;
}

static long pg_ps_call(struct proc *p, uint64_t buf, uint64_t max)
{
	long n = 0;
	for (int i = 0; i < MAX_PROCS && (uint64_t)n < max; i++) {
		struct proc *q = proc_slot(i);
		if (q->state == P_FREE)
			continue;
		struct pg_ps e = {(int32_t)q->pid, (int32_t)q->ppid, q->state, (uint32_t)q->resident,
				  (uint32_t)q->faults, (uint32_t)q->cow_copies, {0}};
		memcpy(e.name, q->name, sizeof e.name);
		if (vm_copy_out(p, buf + (uint64_t)n * sizeof e, &e, sizeof e) < 0)
			return -EFAULT;
		n++;
	}
	return n;
}

static void pager_spawn_call(struct proc *p, struct msg *m)
{
	long given = (long)m->handle > 0 ? (long)m->handle : 0;
	long pid = proc_spawn_call(p, m->w[0], m->w[1], given);
	if (given)
		sys_handle_close(given);
	*m = pager_result(pid);
}

static long pager_nozero(struct proc *p, struct msg *m)
{
	struct region r = {.start = m->w[0], .end = m->w[0] + m->w[1] * 4096, .kind = RG_ANON,
			   .perms = PERM_R | PERM_W, .nozero = true};
	if (!pg_bench || (r.start & 4095) || r.end <= r.start || r.end > USER_STACK_TOP)
		return -EINVAL;
	for (int i = 0; i < p->nregions; i++)
		if (r.start < p->regions[i].end && p->regions[i].start < r.end)
			return -EINVAL; /* overlaps */
	return vm_region_add(p, r) < 0 ? -ENOMEM : 0;
}

static long pg_lend_call(struct proc *p, struct msg *m)
{
	struct proc *to = proc_find((long)m->w[1]);
	if (!to || to->state != P_LIVE)
		return -ESRCH;
	return vm_lend(p, m->w[0], to, m->w[2]);
}

/* Process calls; false when no reply is due (exit, exec, deferred). */
static bool pager_proc_call(struct proc *p, struct msg *m)
{
	long r;
	switch (m->label) {
	case PG_EXIT:
		proc_exit(p, PG_STATUS_EXIT((long)m->w[0]));
		return false;
	case PG_FORK:
		*m = pager_result(proc_fork(p));
		return true;
	case PG_EXEC:
		r = proc_exec(p, m);
		*m = pager_err(r);
		return r < 0;
	case PG_WAIT:
		return proc_wait(p, m);
	case PG_KILL:
		r = proc_kill((long)m->w[0], (long)m->w[1]);
		*m = pager_result(r);
		return p->state == P_LIVE;
	case PG_GETPID:
		*m = (struct msg){.w = {(uint64_t)p->pid, (uint64_t)p->ppid}};
		return true;
	case PG_SPAWN:
		pager_spawn_call(p, m);
		return true;
	default:
		return fs_call(p, m);
	}
}

/* One request from process p; false when no reply is due. */
static bool pager_handle(struct proc *p, struct msg *m)
{
	switch (m->label) {
	case LABEL_FAULT:
		return vm_fault(p, m);
	case PG_SBRK:
		*m = pager_result(vm_sbrk(p, (int64_t)m->w[0]));
		return true;
	case PG_STATS:
		pager_stats_reply(p, m);
		return true;
	case PG_MEMINFO:
		*m = pager_result(pg_meminfo_call(p, m->w[0]));
		return true;
	case PG_PS:
		*m = pager_result(pg_ps_call(p, m->w[0], m->w[1]));
		return true;
	case PG_NOZERO:
		*m = pager_result(pager_nozero(p, m));
		return true;
	case PG_LEND:
		*m = pager_result(pg_lend_call(p, m));
		return true;
	case PG_BLK_ATTACH: case PG_BLK_READY: case PG_BLK_DONE:
		return blkc_call(p, m);
	default:
		return pager_proc_call(p, m);
	}
}

/* A FAULT_MAP the kernel refused for lack of page-table quota: move more
 * quota to the process (doubling it; trimming everyone once if our own is
 * used up) and answer again. */
static bool pager_more_quota(struct proc *p)
{
	uint64_t q = p->pt_quota * 2 > p->pt_quota + 16 ? p->pt_quota * 2 : p->pt_quota + 16;
	if (sys_task_quota(p->task, q) < 0) {
		proc_trim_quotas();
		q = p->pt_quota + 16;
		if (sys_task_quota(p->task, q) < 0)
			return false;
	}
	p->pt_quota = q;
	return true;
}

static bool pager_dispatch(long badge, struct msg *m, struct proc **who)
{
	*who = NULL;
	if (badge == (long)CONSOLE_BADGE && m->label == PG_CONSOLE_IN) {
		fs_console_input((const char *)&m->w[1], m->w[0] < 40 ? (unsigned)m->w[0] : 40);
		*m = pager_ok(0);
		return true;
	}
	if (badge == (long)WATCH_BADGE && m->label == PG_TASKS_DIED) {
		proc_tasks_died(m->w[0]);
		*m = pager_ok(0);
		return true;
	}
	struct proc *p = badge > 0 ? proc_find(badge) : NULL;
	bool fault = m->label == LABEL_FAULT;
	/* A handle may come with any call; only PG_SPAWN uses one. The others
	 * would stay in our table for good. */
	bool keep = m->label == PG_SPAWN || m->label == PG_BLK_ATTACH; /* ATTACH: blkc keeps it */
	if ((long)m->handle > 0 && !(keep && p && p->state == P_LIVE)) {
		sys_handle_close((long)m->handle);
		m->handle = 0;
	}
	/* A process may start threads in tasks of its own and point their
	 * faults at us with its badge: we serve only its own task's faults
	 * (a frame mapped elsewhere would be held by nobody we know of). */
	if (!p || p->state != P_LIVE || (fault && (long)m->w[FAULT_W_TASK] != p->task_id)) {
		*m = fault ? (struct msg){.label = FAULT_KILL} : pager_err(-ESRCH);
		return true;
	}
	*who = p;
	return pager_handle(p, m);
}

static __attribute__((noreturn)) void pager_loop(void)
{
	struct msg m;
	struct proc *p;
	long badge = sys_recv(pg_ep, &m);
	for (;;) {
		if (!pager_dispatch(badge, &m, &p)) {
			badge = sys_recv(pg_ep, &m);
			continue;
		}
		badge = sys_reply_recv(pg_ep, &m);
		while (badge == ERR_QUOTA && m.label == FAULT_MAP && p && pager_more_quota(p))
			badge = sys_reply_recv(pg_ep, &m);
		if (badge < 0) {
			if (p && p->state == P_LIVE) {
				printf("pager: pid %ld (%s) killed: %s (%ld)\n", p->pid, p->name,
				       badge == ERR_QUOTA ? "out of page-table memory"
							  : "the kernel refused our reply", badge);
				pg_stats.kills++;
				proc_exit(p, PG_STATUS_SIGNAL(9));
			}
			badge = sys_recv(pg_ep, &m);
		}
	}
}

/* init's argv: its name, then the words after " -- " in the boot args
 * (tools/run passes a shell command line this way: init=sh -- -c CMD). */
static int pager_init_argv(const char *args, char *init, char *store, size_t size,
			   const char **argv)
{
	int argc = 0;
	argv[argc++] = init;
	const char *rest = strstr(args, " -- ");
	if (rest && strlen(rest + 4) < size) {
		strcpy(store, rest + 4);
		char *w = store;
		if (!strncmp(w, "-c ", 3)) { /* the command stays one word */
			argv[argc++] = "-c";
			argv[argc++] = w + 3;
		} else {
			for (char *tok = strtok(w, " "); tok && argc < PG_ARGV_MAX;
			     tok = strtok(NULL, " "))
				argv[argc++] = tok;
		}
	}
	argv[argc] = NULL;
	return argc;
}

int main(void)
{
	const struct bootinfo *bi = libsys_bootinfo;
	static char init[PG_NAME_MAX], store[256];
	const char *argv[PG_ARGV_MAX + 1];
	root_init();
	frame_ref_init();
	fs_init();
	pg_ep = sys_ep_create();
	pg_bench = pager_has_word(bi->bootargs, "bench");
	pager_arg(bi->bootargs, "init=", init, sizeof init, "sh");
	pager_init_argv(bi->bootargs, init, store, sizeof store, argv);
	printf("pager: root pager up: %lu frames (%lu MiB) to give, initrd %lu KiB\n",
	       (unsigned long)frames_free_count(&pg_frames),
	       (unsigned long)(frames_free_count(&pg_frames) >> 8),
	       (unsigned long)(bi->initrd_size >> 10));
	console_start();
	watch_start();
	long pid = proc_spawn(NULL, init, argv, 0);
	if (pid < 0) {
		printf("pager: cannot start init \"%s\" (error %ld)\n", init, -pid);
		return 1;
	}
	blkc_start(H_PLATFORM); /* after init: pid 1 is init's */
	pager_loop();
}
