/*
 * pager.h (servers/) - the root pager's internal model. The pager owns
 * all user memory: a process is a task plus a list of regions (what may
 * be there) and a page map (what is there now, va -> frame). Faults come
 * in as IPC from the kernel; the pager finds the region, takes a frame,
 * fills it, and replies FAULT_MAP so the kernel maps and resumes in one
 * step. Invariants: every mapped user page is in exactly one page map
 * entry of its process; frame_ref counts page-map entries plus any
 * other holder (pinned), so a frame is freed only at count 0.
 */
#ifndef SERVERS_PAGER_H
#define SERVERS_PAGER_H

#include <stdbool.h>
#include <stdint.h>

#include "elf.h"
#include "frames.h"
#include "libsys.h"

#define MAX_PROCS 64
#define MAX_REGIONS 16
#define MAX_WAITERS 8

enum region_kind { RG_ANON, RG_FILE, RG_STACK, RG_HEAP };

struct region {
	uint64_t start, end;   /* page aligned, [start, end) */
	uint8_t kind;
	uint8_t perms;         /* PERM_* */
	bool nozero;           /* bench only: skip zeroing */
	const uint8_t *file;   /* RG_FILE: the ELF image in the initrd */
	uint64_t seg_va, seg_off, seg_filesz;
};

struct pte_rec {           /* one page-map entry; vpn 0 = empty slot */
	uint64_t vpn;
	uint64_t pa;
};

struct pagemap {
	struct pte_rec *slots;
	uint64_t cap, used;    /* cap is a power of two */
};

enum proc_state { P_FREE, P_LIVE, P_ZOMBIE };

struct proc {
	uint8_t state;
	long pid;
	long task, thread;     /* handles in the pager */
	char name[PG_NAME_MAX];
	struct region regions[MAX_REGIONS];
	int nregions;
	uint64_t brk;
	uint64_t pt_quota;
	struct pagemap pages;
	uint64_t faults, resident;
	long status, how;
	long waiters[MAX_WAITERS]; /* saved replies of PG_WAIT callers */
	int nwaiters;
};

struct pager_stats {
	uint64_t zero_faults, file_faults, kills;
};

/* The pager's frames are the root grant's allocator (libsys/root.c), which
 * also backs the pager's own heap. */
extern struct frames root_frames;
#define pg_frames root_frames
extern struct pager_stats pg_stats;
extern long pg_ep;
extern bool pg_bench;

/* proc.c */
struct proc *proc_find(long pid);
long proc_spawn(const char *name, const char *const *argv, long given);
void proc_exit(struct proc *p, long status, long how);
void proc_wait(struct proc *p, long pid, struct msg *m, bool *deferred);

/* vm.c */
struct region *vm_region_find(struct proc *p, uint64_t va);
int vm_region_add(struct proc *p, struct region r);
bool vm_fault(struct proc *p, struct msg *m);
long vm_sbrk(struct proc *p, int64_t incr);
void vm_free_all(struct proc *p);
uint64_t *pagemap_find(struct pagemap *pm, uint64_t vpn);
int pagemap_put(struct pagemap *pm, uint64_t vpn, uint64_t pa);
void pagemap_del(struct pagemap *pm, uint64_t vpn);

#endif /* SERVERS_PAGER_H */
