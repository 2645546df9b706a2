/*
 * proc.c (servers/) - processes: spawn a program from the initrd (headers
 * read, regions set up, nothing loaded: every page arrives by fault), exit
 * with a status, and wait (a deferred reply, answered at exit).
 */
#include <stdio.h>
#include <string.h>

#include "cpio.h"
#include "pager.h"

#define PG 4096UL
#define PROC_QUOTA 16 /* page-table pages to start with; raised on demand */

static struct proc procs[MAX_PROCS];
static long next_pid = 1;

struct proc *proc_find(long pid)
{
	for (int i = 0; i < MAX_PROCS; i++)
		if (procs[i].state != P_FREE && procs[i].pid == pid)
			return &procs[i];
	return NULL;
}

static struct proc *proc_alloc(const char *name)
{
	for (int i = 0; i < MAX_PROCS; i++) {
		if (procs[i].state == P_FREE) {
			struct proc *p = &procs[i];
			memset(p, 0, sizeof *p);
			p->pid = next_pid++;
			strncpy(p->name, name, PG_NAME_MAX - 1);
			return p;
		}
	}
	return NULL;
}

/* Regions from the ELF headers: file-backed segments, an empty heap after
 * the last one, the stack below USER_STACK_TOP. */
static int proc_regions(struct proc *p, const struct elf_image *img, const uint8_t *file)
{
	uint64_t top = 0;
	for (int i = 0; i < img->nseg; i++) {
		const struct elf_seg *s = &img->seg[i];
		struct region r = {.start = s->va & ~(PG - 1), .end = (s->va + s->memsz + PG - 1) & ~(PG - 1),
				   .kind = RG_FILE, .perms = (uint8_t)s->perms, .file = file,
				   .seg_va = s->va, .seg_off = s->off, .seg_filesz = s->filesz};
		if (r.end > top)
			top = r.end;
		if (vm_region_add(p, r) < 0)
			return -1;
	}
	p->brk = top;
	struct region heap = {.start = top, .end = top, .kind = RG_HEAP, .perms = PERM_R | PERM_W};
	struct region stack = {.start = USER_STACK_TOP - USER_STACK_MAX, .end = USER_STACK_TOP,
			       .kind = RG_STACK, .perms = PERM_R | PERM_W};
	if (vm_region_add(p, heap) < 0 || vm_region_add(p, stack) < 0)
		return -1;
	return 0;
}

/* The top stack page: struct startinfo, then the argv strings. Its frame
 * is entered in the page map like any faulted-in page. */
static long proc_startinfo(struct proc *p, const char *const *argv, struct startinfo *si)
{
	uint64_t pa = frames_alloc(&pg_frames), page = USER_STACK_TOP - PG;
	if (!pa || pagemap_put(&p->pages, page / PG, pa) < 0)
		return PGERR_NOMEM;
	uint8_t *base = frames_va(&pg_frames, pa);
	frame_zero(base);
	uint64_t off = sizeof *si;
	for (si->argc = 0; argv[si->argc] && si->argc < 8; si->argc++) {
		size_t n = strlen(argv[si->argc]) + 1;
		if (off + n > PG - 64)
			break;
		memcpy(base + off, argv[si->argc], n);
		si->argv[si->argc] = (char *)(page + off);
		off += n;
	}
	memcpy(base, si, sizeof *si);
	p->resident++;
	return sys_map(p->task, page, pa, PERM_R | PERM_W);
}

static long proc_thread(struct proc *p, uint64_t entry)
{
	long fault = sys_handle_dup(pg_ep, R_SEND, (uint64_t)p->pid);
	if (fault < 0)
		return fault;
	p->thread = sys_thread_create(p->task, entry, USER_STACK_TOP - PG, USER_STACK_TOP - PG,
				      PRIO_DEFAULT);
	long e = p->thread < 0 ? p->thread : sys_thread_fault(p->thread, fault);
	sys_handle_close(fault); /* the thread keeps its own reference */
	return e < 0 ? e : sys_thread_start(p->thread);
}

static long proc_setup(struct proc *p, const struct elf_image *img, const uint8_t *file,
		       const char *const *argv, long given)
{
	struct startinfo si = {.magic = STARTINFO_MAGIC, .pid = (uint64_t)p->pid};
	if (proc_regions(p, img, file) < 0)
		return PGERR_NOEXEC;
	si.heap = p->brk;
	long h = sys_handle_give(p->task, pg_ep, R_SEND, (uint64_t)p->pid);
	si.pager = (uint64_t)h;
	if (h >= 0)
		si.self = (uint64_t)(h = sys_handle_give(p->task, p->task, R_MAP | R_CONTROL, 0));
	if (h >= 0 && given)
		si.given = (uint64_t)(h = sys_handle_give(p->task, given, 0, 0));
	if (h < 0)
		return h;
	long e = proc_startinfo(p, argv, &si);
	return e < 0 ? e : proc_thread(p, img->entry);
}

long proc_spawn(const char *name, const char *const *argv, long given)
{
	struct cpio_file f;
	struct elf_image img;
	if (cpio_find((const void *)INITRD_VA, libsys_bootinfo->initrd_size, name, &f) < 0)
		return PGERR_NOENT;
	if (elf_parse(f.data, f.size, USER_STACK_TOP - USER_STACK_MAX, &img) < 0)
		return PGERR_NOEXEC;
	struct proc *p = proc_alloc(name);
	if (!p)
		return PGERR_NOMEM;
	p->pt_quota = PROC_QUOTA;
	p->task = sys_task_create(PROC_QUOTA);
	long e = p->task < 0 ? p->task : proc_setup(p, &img, f.data, argv, given);
	if (e < 0) {
		p->state = P_LIVE;
		proc_exit(p, 0, PG_KILLED);
		p->state = P_FREE;
		return e;
	}
	p->state = P_LIVE;
	return p->pid;
}

static void proc_answer(long reply, const struct proc *p)
{
	struct msg m = {.label = 0, .w = {(uint64_t)p->status, (uint64_t)p->how}};
	sys_reply_to(reply, &m);
}

void proc_exit(struct proc *p, long status, long how)
{
	if (p->task > 0) {
		sys_task_kill(p->task);
		sys_handle_close(p->task);
	}
	if (p->thread > 0)
		sys_handle_close(p->thread);
	p->task = p->thread = 0;
	vm_free_all(p);
	p->state = P_ZOMBIE;
	p->status = status;
	p->how = how;
	for (int i = 0; i < p->nwaiters; i++)
		proc_answer(p->waiters[i], p);
	if (p->nwaiters)
		p->state = P_FREE;
	p->nwaiters = 0;
	if (p->pid == 1) {
		printf("pager: init (%s) %s with status %ld; powering off\n", p->name,
		       how == PG_KILLED ? "was killed" : "exited", status);
		sys_poweroff(H_PLATFORM, how == PG_KILLED ? 255 : (unsigned)status & 0xff);
	}
}

void proc_wait(struct proc *caller, long pid, struct msg *m, bool *deferred)
{
	struct proc *p = proc_find(pid);
	(void)caller;
	*deferred = false;
	if (!p) {
		*m = (struct msg){.label = (uint64_t)-PGERR_NOENT};
	} else if (p->state == P_ZOMBIE) {
		*m = (struct msg){.label = 0, .w = {(uint64_t)p->status, (uint64_t)p->how}};
		p->state = P_FREE;
	} else if (p->nwaiters < MAX_WAITERS) {
		long h = sys_reply_save();
		if (h >= 0) {
			p->waiters[p->nwaiters++] = h;
			*deferred = true;
		} else {
			*m = (struct msg){.label = (uint64_t)-h};
		}
	} else {
		*m = (struct msg){.label = (uint64_t)-PGERR_NOMEM};
	}
}
