/*
 * proc.c (servers/) - processes: spawn a program from the initrd (headers
 * read, regions set up, nothing loaded: every page arrives by fault), COW
 * fork, exec into a fresh task, exit with a wait status, waitpid (a
 * deferred reply, answered when a child exits) and kill.
 */
#include <errno.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "cpio.h"
#include "blk/blkc.h"
#include "fs/cache.h"
#include "fs/vfs.h"
#include "pager.h"

#define PG 4096UL
#define PROC_QUOTA 16 /* page-table pages to start with; raised on demand */

static struct proc procs[MAX_PROCS];
static long next_pid = 1;

struct proc *proc_slot(int i) { return i >= 0 && i < MAX_PROCS ? &procs[i] : NULL; }

struct proc *proc_find(long pid)
{
	static struct proc *last; /* requests come in runs from one process */
	if (last && last->state != P_FREE && last->pid == pid)
		return last;
	for (int i = 0; i < MAX_PROCS; i++)
		if (procs[i].state != P_FREE && procs[i].pid == pid)
			return last = &procs[i];
	return NULL;
}

static struct proc *proc_alloc(const char *name, long ppid)
{
	for (int i = 0; i < MAX_PROCS; i++) {
		if (procs[i].state == P_FREE) {
			struct proc *p = &procs[i];
			memset(p, 0, sizeof *p);
			p->slot = i;
			p->pid = next_pid++;
			p->ppid = ppid;
			p->pt_quota = PROC_QUOTA;
			strncpy(p->name, name, PG_NAME_MAX - 1);
			return p;
		}
	}
	return NULL;
}

/* Regions from the ELF headers: file-backed segments, an empty heap after
 * the last one, the stack below USER_STACK_TOP. */
/* A program: ELF bytes in the initrd, or an inode of the disk. */
struct prog {
	const uint8_t *data;
	uint32_t ino;
};

static int proc_regions(struct proc *p, const struct elf_image *img, const struct prog *prog)
{
	uint64_t top = 0;
	p->nregions = 0;
	for (int i = 0; i < img->nseg; i++) {
		const struct elf_seg *s = &img->seg[i];
		struct region r = {.start = s->va & ~(PG - 1), .end = (s->va + s->memsz + PG - 1) & ~(PG - 1),
				   .kind = RG_FILE, .perms = (uint8_t)s->perms, .file = prog->data,
				   .seg_va = s->va, .seg_off = s->off, .seg_filesz = s->filesz};
		if (r.end > top)
			top = r.end;
		if (prog->ino && !(r.vn = vfs_vget(prog->ino)))
			return -1;
		if (vm_region_add(p, r) < 0) {
			vfs_vput(r.vn);
			return -1;
		}
	}
	p->brk = top;
	struct region heap = {.start = top, .end = top, .kind = RG_HEAP, .perms = PERM_R | PERM_W};
	struct region stack = {.start = USER_STACK_TOP - USER_STACK_MAX, .end = USER_STACK_TOP,
			       .kind = RG_STACK, .perms = PERM_R | PERM_W};
	return vm_region_add(p, heap) < 0 || vm_region_add(p, stack) < 0 ? -1 : 0;
}

/* The top stack page: struct startinfo, then the argv strings. */
static long proc_startinfo(struct proc *p, const char *const *argv, struct startinfo *si)
{
	uint64_t page = USER_STACK_TOP - PG, off = sizeof *si;
	static uint64_t words[PG / 8];
	char *buf = (char *)words;
	frame_zero(words);
	for (si->argc = 0; argv[si->argc] && si->argc < PG_ARGV_MAX; si->argc++) {
		size_t n = strlen(argv[si->argc]) + 1;
		if (off + n > PG - 64)
			return -E2BIG;
		memcpy(buf + off, argv[si->argc], n);
		si->argv[si->argc] = (char *)(page + off);
		off += n;
	}
	memcpy(buf, si, sizeof *si);
	return vm_copy_out(p, page, buf, PG) < 0 ? -ENOMEM : 0;
}

/* Each process's share of the kernel's objects (docs/design.md, quotas):
 * the most it may hold of a kind, its own child tasks' included, and what
 * no grant may take from the pager, kept for the other processes' fork
 * and exec. Page-table pages are granted as faults need them (pager.c),
 * the other kinds on request (PG_QUOTA); exit or kill returns all of it. */
static struct {
	uint32_t cap, reserve;
} proc_shares[KQ_COUNT] = {
	[KQ_PT] = {0, 0}, /* cap: half the pool (proc_init_shares) */
	[KQ_TASK] = {8, 8},
	[KQ_THREAD] = {192, 32},
	[KQ_EP] = {64, 16},
	[KQ_NOTIF] = {32, 16},
};

void proc_init_shares(void)
{
	uint64_t quota;
	sys_task_info(H_SELF_TASK, NULL, &quota);
	proc_shares[KQ_PT].cap = (uint32_t)(quota / 2);
}

/* How many more of kind p may be given now: within its share, and within
 * what we have beyond the reserve (that part in *pool). */
uint64_t proc_room(const struct proc *p, unsigned kind, uint64_t *pool)
{
	uint64_t quota, lent, used, mine;
	*pool = 0;
	if (sys_task_info_q(p->task, kind, NULL, &quota, &lent) < 0 ||
	    sys_task_info_q(H_SELF_TASK, kind, &used, &mine, NULL) < 0)
		return 0;
	uint64_t held = quota + lent, cap = proc_shares[kind].cap;
	uint64_t spare = mine - used, keep = proc_shares[kind].reserve;
	uint64_t share = held < cap ? cap - held : 0;
	*pool = spare > keep ? spare - keep : 0;
	return share < *pool ? share : *pool;
}

/* PG_MEMINFO: our unused quota of each kind, and the shares. */
void proc_quota_info(uint64_t free[KQ_COUNT], uint64_t share[KQ_COUNT])
{
	for (unsigned k = 0; k < KQ_COUNT; k++) {
		uint64_t used, quota;
		sys_task_info_q(H_SELF_TASK, k, &used, &quota, NULL);
		free[k] = quota - used;
		share[k] = proc_shares[k].cap;
	}
}

/* PG_QUOTA (kind, n): n more of kind for p's task -> its new quota. */
long proc_quota_call(struct proc *p, uint64_t kind, uint64_t n)
{
	uint64_t quota, pool;
	if (kind == KQ_PT || kind >= KQ_COUNT)
		return -EINVAL;
	if (n > proc_room(p, (unsigned)kind, &pool) ||
	    sys_task_info_q(p->task, (unsigned)kind, NULL, &quota, NULL) < 0 ||
	    sys_task_quota_q(p->task, (unsigned)kind, quota + n) < 0)
		return -EAGAIN;
	return (long)(quota + n);
}

/* Take back the page-table quota processes hold but do not use. */
void proc_trim_quotas(void)
{
	for (int i = 0; i < MAX_PROCS; i++) {
		struct proc *q = &procs[i];
		uint64_t used;
		if (q->state == P_LIVE && sys_task_info(q->task, &used, NULL) >= 0 &&
		    sys_task_quota(q->task, used) >= 0)
			q->pt_quota = used;
	}
}

/* A task with the pager's handles, ready for a thread. */
static long proc_task(struct proc *p, struct startinfo *si, long given)
{
	p->task = sys_task_create(p->pt_quota);
	if (p->task == ERR_QUOTA) {
		proc_trim_quotas();
		p->task = sys_task_create(p->pt_quota);
	}
	if (p->task < 0)
		return -ENOMEM;
	p->task_id = sys_task_info(p->task, NULL, NULL); /* names its faults */
	watch_task(p->task, p->slot);
	long h = sys_handle_give(p->task, pg_ep, R_SEND, (uint64_t)p->pid);
	si->pager = (uint64_t)h;
	if (h >= 0)
		si->self = (uint64_t)(h = sys_handle_give(p->task, p->task, R_MAP | R_CONTROL, 0));
	if (h >= 0 && given)
		si->given = (uint64_t)(h = sys_handle_give(p->task, given, 0, 0));
	return h < 0 ? -ENOMEM : 0;
}

/* The first thread: faults go to us with the pid as badge. */
static long proc_thread(struct proc *p, const struct user_regs *regs)
{
	long fault = sys_handle_dup(pg_ep, R_SEND, (uint64_t)p->pid);
	if (fault < 0)
		return -ENOMEM;
	p->thread = sys_thread_create(p->task, regs->regs[0], regs->regs[2], regs->regs[10],
				      PRIO_DEFAULT);
	long e = p->thread < 0 ? p->thread : sys_thread_fault(p->thread, fault);
	if (e >= 0)
		e = sys_thread_write(p->thread, regs);
	sys_handle_close(fault); /* the thread keeps its own reference */
	return e < 0 ? -ENOMEM : sys_thread_start(p->thread);
}

/* The ELF and program headers must lie in the file's first page, the
 * only one read before the program runs. */
static bool proc_headers_fit(const uint8_t *h, uint64_t size)
{
	uint64_t phoff, phnum = 0;
	if (size < 64)
		return false;
	memcpy(&phoff, h + 32, 8);
	memcpy(&phnum, h + 56, 2);
	return phoff <= 4096 && phnum * 56 <= 4096 - phoff && phoff + phnum * 56 <= size;
}

/* Check the program before anything changes: found, and a valid ELF.
 * From the disk when one is mounted (-EAGAIN: a block is being read),
 * else from the initrd by its last path component. */
static long proc_load_check(struct proc *caller, const char *path, struct prog *prog,
			    struct elf_image *img)
{
	const uint64_t limit = USER_STACK_TOP - USER_STACK_MAX - USER_HEAP_GAP;
	*prog = (struct prog){0};
	if (vfs_mounted) {
		const void *hdr;
		uint64_t size;
		long e = vfs_lookup_exec(caller, path, &prog->ino);
		if (!e)
			e = vfs_first_page(prog->ino, &hdr, &size);
		if (e < 0)
			return e;
		if (!proc_headers_fit(hdr, size) || elf_parse(hdr, size, limit, img) < 0)
			return -ENOEXEC;
		return 0;
	}
	struct cpio_file f;
	const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	if (cpio_find((const void *)INITRD_VA, libsys_bootinfo->initrd_size, name, &f) < 0)
		return -ENOENT;
	if (elf_parse(f.data, f.size, limit, img) < 0)
		return -ENOEXEC;
	prog->data = f.data;
	return 0;
}

/* Build p's image: task, regions, start-up page, running thread. */
static long proc_image(struct proc *p, const struct elf_image *img, const struct prog *prog,
		       const char *const *argv, long given)
{
	struct startinfo si = {.magic = STARTINFO_MAGIC, .pid = (uint64_t)p->pid};
	struct user_regs regs = {0};
	if (proc_regions(p, img, prog) < 0)
		return -ENOEXEC;
	si.heap = p->brk;
	long e = proc_task(p, &si, given);
	if (!e)
		e = proc_startinfo(p, argv, &si);
	regs.regs[0] = img->entry;
	regs.regs[2] = USER_STACK_TOP - PG;
	regs.regs[10] = USER_STACK_TOP - PG;
	return e < 0 ? e : proc_thread(p, &regs);
}

static void proc_discard(struct proc *p)
{
	if (p->task > 0) {
		if (vfs_mounted)
			mm_harvest(p, 0, USER_TOP); /* stores to shared files: before the
						       page tables go with the task */
		sys_task_kill(p->task);
		sys_handle_close(p->task);
	}
	if (p->thread > 0)
		sys_handle_close(p->thread);
	p->task = p->thread = 0;
	vm_free_all(p);
	ev_proc_gone(p); /* its resident limit ends; shared pages stay tracked */
	p->rlimit = 0;
}

long proc_spawn(struct proc *parent, const char *path, const char *const *argv, long given)
{
	struct prog prog;
	struct elf_image img;
	const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	long e = proc_load_check(parent, path, &prog, &img);
	if (e < 0)
		return e;
	struct proc *p = proc_alloc(name, parent ? parent->pid : 0);
	if (!p)
		return -EAGAIN;
	p->state = P_LIVE;
	e = proc_image(p, &img, &prog, argv, given);
	if (e < 0) {
		proc_discard(p);
		p->state = P_FREE;
		return e;
	}
	if (parent)
		fs_fork(parent, p);
	else
		fs_init_proc(p);
	return p->pid;
}

/* The caller is blocked in its PG_FORK call: the child gets a copy of its
 * registers, with the call's results (a0 status, a1 label, a2 = w0 = pid)
 * zero, so fork() returns 0 there. */
long proc_fork(struct proc *p)
{
	struct user_regs regs;
	struct startinfo si;
	struct proc *c = proc_alloc(p->name, p->pid);
	if (!c)
		return -EAGAIN;
	c->state = P_LIVE; /* its quota starts small too: raised as it faults */
	long e = sys_thread_read(p->thread, &regs) < 0 ? -ESRCH : proc_task(c, &si, 0);
	if (!e)
		e = vm_fork(p, c);
	/* The child's start-up page is a copy of ours: fix what differs, before
	 * it runs (the copy may have to wait for memory: then the whole fork is
	 * undone and the request runs again). */
	struct startinfo fix = {.pid = (uint64_t)c->pid, .given = 0};
	uint64_t top = USER_STACK_TOP - PG;
	if (!e)
		e = vm_copy_out(c, top + offsetof(struct startinfo, pid), &fix.pid, sizeof fix.pid);
	if (e >= 0)
		e = vm_copy_out(c, top + offsetof(struct startinfo, given), &fix.given,
				sizeof fix.given);
	regs.regs[10] = regs.regs[11] = regs.regs[12] = 0;
	if (e >= 0)
		e = proc_thread(c, &regs);
	if (e < 0) {
		proc_discard(c);
		c->state = P_FREE;
		return e;
	}
	fs_fork(p, c);
	return c->pid;
}

/* argv from the caller: an array of pointers to strings, NULL-ended. */
static long proc_argv_in(struct proc *p, uint64_t uargv, char *store, size_t size,
			 const char **argv)
{
	size_t used = 0;
	int i = 0;
	for (; i <= PG_ARGV_MAX; i++) {
		uint64_t ptr;
		long e = vm_copy_in(p, &ptr, uargv + 8 * (uint64_t)i, 8);
		if (e < 0)
			return e;
		if (!ptr)
			break;
		if (i == PG_ARGV_MAX)
			return -E2BIG; /* a 17th argument */
		long n = vm_string_in(p, store + used, ptr, size - used);
		if (n < 0)
			return n == -ENAMETOOLONG ? -E2BIG : n;
		argv[i] = store + used;
		used += (size_t)n + 1;
	}
	argv[i] = NULL;
	return i;
}

static char arg_path[PG_PATH_MAX], arg_store[2048];
static const char *arg_argv[PG_ARGV_MAX + 1];

/* Path and argv of an exec or spawn, read from the caller's memory; the
 * program name is the path's last component. */
static long proc_args_in(struct proc *p, uint64_t upath, uint64_t uargv, const char **name)
{
	long e = vm_string_in(p, arg_path, upath, sizeof arg_path);
	if (e >= 0)
		e = proc_argv_in(p, uargv, arg_store, sizeof arg_store, arg_argv);
	*name = strrchr(arg_path, '/') ? strrchr(arg_path, '/') + 1 : arg_path;
	return e < 0 ? e : 0;
}

long proc_spawn_call(struct proc *p, uint64_t upath, uint64_t uargv, long given)
{
	const char *name;
	long e = proc_args_in(p, upath, uargv, &name);
	return e < 0 ? e : proc_spawn(p, arg_path, arg_argv, given);
}

/* exec: check the new program, build it in a fresh task, then drop the
 * old task and its frames. The pid, parent and open files stay. */
long proc_exec(struct proc *p, struct msg *m)
{
	const char **argv = arg_argv, *name;
	struct prog prog;
	struct elf_image img;
	long e = proc_args_in(p, m->w[0], m->w[1], &name);
	if (e >= 0)
		e = proc_load_check(p, arg_path, &prog, &img);
	if (e < 0)
		return e;
	struct proc np = *p;
	np.pages = (struct pagemap){0};
	np.resident = 0;
	np.task = np.thread = 0; /* a failure must not close the caller's */
	e = proc_image(&np, &img, &prog, argv, 0);
	if (e < 0) {
		proc_discard(&np);
		return e;
	}
	proc_discard(p);
	memcpy(p->regions, np.regions, sizeof np.regions);
	p->nregions = np.nregions;
	p->brk = np.brk;
	p->pages = np.pages;
	p->resident = np.resident;
	p->task = np.task;
	p->task_id = np.task_id;
	p->thread = np.thread;
	strncpy(p->name, name, PG_NAME_MAX - 1);
	/* A saved reply belongs to one image: a waitpid or a read another thread
	 * of the old image was blocked in is gone with it (its status or input
	 * must reach the new image). */
	if (p->wait_reply)
		pager_reply_close(p->wait_reply);
	p->wait_reply = 0;
	fs_exec(p);
	return 0;
}

/* A zombie child of p that pid (-1 = any) selects, or NULL; *any says
 * whether p has such a child at all. */
static struct proc *proc_zombie(struct proc *p, long pid, bool *any)
{
	*any = false;
	for (int i = 0; i < MAX_PROCS; i++) {
		struct proc *c = &procs[i];
		if (c->state == P_FREE || c->ppid != p->pid || (pid != -1 && c->pid != pid))
			continue;
		*any = true;
		if (c->state == P_ZOMBIE)
			return c;
	}
	return NULL;
}

static void proc_reap(struct proc *c, struct msg *m)
{
	*m = (struct msg){.w = {(uint64_t)c->pid, (uint64_t)c->status}};
	c->state = P_FREE;
}

/* waitpid: answer now (a zombie, no such child, WNOHANG) or keep the
 * reply until a child exits. Returns whether m holds a reply now. */
bool proc_wait(struct proc *p, struct msg *m)
{
	long pid = (long)m->w[0], opts = (long)m->w[1];
	bool any;
	struct proc *z = proc_zombie(p, pid, &any);
	if (z) {
		proc_reap(z, m);
		return true;
	}
	if (!any || (opts & WNOHANG) || p->wait_reply) {
		*m = (struct msg){.label = any && !p->wait_reply ? 0 : ECHILD};
		return true;
	}
	long h = pager_reply_save(p);
	if (h < 0) {
		*m = (struct msg){.label = h == -EAGAIN ? EAGAIN : ENOMEM};
		return true;
	}
	p->wait_reply = h;
	p->wait_pid = pid;
	return false;
}

/* Tell a waiting parent; orphans lose their parent (reaped at exit). */
static void proc_notify_parent(struct proc *p)
{
	struct proc *parent = p->ppid ? proc_find(p->ppid) : NULL;
	struct msg m;
	if (!parent || parent->state != P_LIVE) {
		p->state = P_FREE;
		return;
	}
	if (parent->wait_reply && (parent->wait_pid == -1 || parent->wait_pid == p->pid)) {
		proc_reap(p, &m);
		pager_answer(parent->wait_reply, &m);
		parent->wait_reply = 0;
	}
}

void proc_exit(struct proc *p, long status)
{
	proc_discard(p);
	p->state = P_ZOMBIE; /* from here its memory is gone: no I/O for it */
	fs_close_all(p);
	pager_forget(p->pid);
	blkc_driver_died(p->pid); /* a driver: reset its disk, fail its I/O */
	if (p->wait_reply)
		pager_reply_close(p->wait_reply);
	p->wait_reply = 0;
	p->state = P_ZOMBIE;
	p->status = status;
	for (int i = 0; i < MAX_PROCS; i++) {
		if (procs[i].state != P_FREE && procs[i].ppid == p->pid) {
			procs[i].ppid = 0;
			if (procs[i].state == P_ZOMBIE)
				procs[i].state = P_FREE;
		}
	}
	if (p->pid == pg_init_pid) {
		int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		printf("pager: init (%s) %s %d; powering off\n", p->name,
		       WIFEXITED(status) ? "exited with status" : "was killed by signal",
		       WIFEXITED(status) ? code : (int)WTERMSIG(status));
		pager_shutdown(code);
	}
	proc_notify_parent(p);
}

/* watch.c saw these slots' tasks die. Those still live here ended their
 * own task without PG_EXIT: they are gone, as if killed. (Tasks we killed
 * ourselves, or an image replaced by exec, are not live or still alive.) */
void proc_tasks_died(uint64_t slots)
{
	for (int i = 0; i < MAX_PROCS; i++) {
		struct proc *p = &procs[i];
		if (!(slots >> i & 1) || p->state != P_LIVE ||
		    sys_task_info(p->task, NULL, NULL) != ERR_DEAD)
			continue;
		printf("pager: pid %ld (%s) ended its own task\n", p->pid, p->name);
		proc_exit(p, PG_STATUS_SIGNAL(SIGKILL));
	}
}

long proc_kill(long pid, long sig)
{
	struct proc *p = proc_find(pid);
	if (!p || p->state != P_LIVE)
		return -ESRCH;
	if (sig < 0 || sig >= 64)
		return -EINVAL;
	if (sig)
		proc_exit(p, PG_STATUS_SIGNAL(sig));
	return 0;
}
