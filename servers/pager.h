/*
 * pager.h (servers/) - the root pager's internal model. The pager owns all
 * user memory and is the process, file, pipe and console server.
 * A process is a task plus regions (what may be mapped), a shadow page
 * table (what is: vpn -> frame | PM_* flags) and a file table.
 * Invariants:
 *  - frame_ref[f] counts every holder of frame f: each shadow-table entry
 *    of every process (COW sharers, lenders and borrowers alike); a frame
 *    is written in place on a COW fault only when its count is 1, and
 *    freed when it reaches 0 (docs/design.md, CVE-2020-29374);
 *  - a page the hardware maps read-only because of PM_COW is writable in
 *    its region; the store fault is the signal to copy or reuse;
 *  - a request that must wait (read of an empty pipe, waitpid) keeps the
 *    caller's saved reply handle and is answered later.
 */
#ifndef SERVERS_PAGER_H
#define SERVERS_PAGER_H

#include <stdbool.h>
#include <stdint.h>

#include "elf.h"
#include "frames.h"
#include "libsys.h"
#include "pagemap.h"

#define MAX_PROCS 64
#define MAX_REGIONS 64

struct vnode;

enum region_kind { RG_ANON, RG_FILE, RG_STACK, RG_HEAP, RG_MMAP };

struct region {
	uint64_t start, end;   /* page aligned, [start, end) */
	uint8_t kind;
	uint8_t perms;         /* PERM_* */
	bool nozero;           /* bench only: skip zeroing */
	bool shared;           /* RG_MMAP: MAP_SHARED (else private: COW) */
	bool file_wr;          /* RG_MMAP of a file: its fd was open for writing */
	const uint8_t *file;   /* RG_FILE: the ELF image in the initrd, or */
	struct vnode *vn;      /* RG_FILE: the program file on disk (page cache);
				  RG_MMAP: the file, or a shared anonymous object */
	uint64_t seg_va, seg_off, seg_filesz; /* file byte seg_off is at seg_va */
};

struct file;

enum proc_state { P_FREE, P_LIVE, P_ZOMBIE };

struct proc {
	uint8_t state;
	long pid, ppid;
	long task, thread;     /* handles in the pager */
	long task_id;          /* the kernel's id of task (fault messages) */
	int slot;              /* index in the process table (death bit) */
	char name[PG_NAME_MAX];
	struct region regions[MAX_REGIONS];
	int nregions;
	int rhint;             /* the region found last (a hint, checked each use) */
	uint64_t brk;
	uint64_t pt_quota;
	struct pagemap pages;
	uint64_t faults, resident, cow_copies;
	uint64_t swapped, pageins; /* pages in swap; pages read back (evict.c) */
	bool swap_cached; /* some entry may be PM_SC (paged in here or in a parent) */
	uint64_t rlimit;       /* resident limit of local replacement, 0 = none */
	long status;           /* wait status once a zombie */
	long wait_reply;       /* saved reply of our waitpid, 0 = none */
	uint32_t nsaved;       /* its calls waiting in us (saved replies) */
	long wait_pid;
	struct file *fds[PG_MAX_FDS];
	uint32_t cwd_ino;      /* current directory (disk) */
	char cwd[PG_PATH_MAX]; /* its path, for getcwd */
};

struct pager_stats {
	uint64_t zero_faults, file_faults, cow_copies, cow_reuses, kills;
};

/* The pager's frames are the root grant's allocator (libsys/root.c), which
 * also backs the pager's own heap. */
extern struct frames root_frames;
#define pg_frames root_frames
extern struct pager_stats pg_stats;
extern long pg_ep;
extern bool pg_bench;
extern bool pg_testcalls;
#define CONSOLE_BADGE (1ULL << 40) /* calls from console.c's thread */
#define WATCH_BADGE (1ULL << 41)   /* calls from watch.c's thread */
#define PG_TASKS_DIED 100          /* watch.c: w0 = slots whose task died */
#define FLUSH_BADGE (1ULL << 42)   /* calls from pager.c's flusher thread */
#define PG_FLUSH_TICK 101          /* flusher: start writing dirty pages */
#define PG_BOOT_INIT 102           /* our own parked request: start init */
extern long pg_init_pid;           /* init: when it ends, we power off */
void pager_shutdown(int code);     /* sync, unmount, then power off */
void pager_yield(void);            /* park the request until the next turn */
void pager_forget(long pid);       /* drop the parked requests of a process that ended */
/* r is -EAGAIN because a page is being read: park the request (true). */
bool pager_blocked(long r);
/* REPLY_SAVE for a handler that keeps p's caller waiting (pipes, waitpid):
 * a request run again from the parked list has its reply saved already.
 * -EAGAIN when p has PROC_SAVED_MAX calls waiting already: each holds a
 * slot of our handle table, which must not fill for everyone else. */
#define PROC_SAVED_MAX 32
long pager_reply_save(struct proc *p);
/* A saved reply is dropped unanswered (its caller or image is gone). */
void pager_reply_close(long reply);

/* vm.c: regions, faults, COW, copies to and from a process */
struct region *vm_region_find(struct proc *p, uint64_t va);
int vm_region_add(struct proc *p, struct region r);
bool vm_fault(struct proc *p, struct msg *m);
long vm_sbrk(struct proc *p, int64_t incr);
void vm_free_all(struct proc *p);
void vm_drop_range(struct proc *p, uint64_t lo, uint64_t hi);
bool vm_present(struct proc *p, uint64_t lo, uint64_t hi); /* a page held there? */
long vm_copy_out(struct proc *p, uint64_t va, const void *src, uint64_t len);
long vm_copy_in(struct proc *p, void *dst, uint64_t va, uint64_t len);
long vm_string_in(struct proc *p, char *dst, uint64_t va, uint64_t size);
long vm_prefault(struct proc *p, uint64_t va, uint64_t len, unsigned perm);
long vm_fork(struct proc *parent, struct proc *child);
long vm_lend(struct proc *from, uint64_t va, struct proc *to, uint64_t to_va);
void frame_ref_init(void);
void frame_get(uint64_t pa);
void frame_put(uint64_t pa);
uint32_t frame_refs(uint64_t pa);
uint64_t frames_shared(void);

/* pager.c: answer a saved reply (pager_reply_save's); the handle is gone
 * either way. */
void pager_answer(long reply, struct msg *m);
/* pager.c: the request being served must wait for cache page cp (NULL:
 * for any I/O, or just a turn): it is kept, as it stands in its message
 * (with any progress recorded there), and served again later. */
struct cpage;
void pager_park(struct cpage *cp);

/* evict.c: page-out (swap slots, policies, limits, PG_PAGERCTL) */
struct ev_stats {
	uint64_t faults, evictions, pageins, pageouts, writebacks, swap_used;
};
extern struct ev_stats ev_stats;
void ev_init(const char *bootargs);
bool swap_header_ok(const uint8_t *page0, uint64_t sectors, uint64_t *slots);
void swap_init(unsigned unit, uint64_t slots);
void swap_get(uint64_t slot);
uint32_t swap_refs(uint64_t slot);
/* Drop a holder of slot; the slot's page frame if that freed the slot
 * while processes map the frame (the caller makes it theirs), else 0. */
uint64_t swap_put(uint64_t slot);
void swap_drop(uint64_t slot); /* swap_put, and that frame made theirs */
/* ev_on: a swap disk is attached (else nothing is tracked: the fault path
 * pays one load and a branch). */
extern bool ev_on;
void ev_track_page(struct proc *p, uint64_t va, uint64_t pa);
static inline void ev_track(struct proc *p, uint64_t va, uint64_t pa) /* a new process page */
{
	if (ev_on)
		ev_track_page(p, va, pa);
}
void ev_untrack(uint64_t pa);    /* the frame leaves process memory */
void ev_adopt(uint64_t pa);      /* a former swap page, mapped: track it */
/* Page-in: p maps the swap-cache frame pa of slot at va (PM_COW | PM_SC);
 * the caller's swap entry is given up, the frame holds the slot. */
void ev_sc_map(struct proc *p, uint64_t va, uint64_t pa, uint64_t slot);
/* A store to such a frame: true if the storer may take it as its own
 * anonymous page (the slot is freed); false: it copies. */
bool ev_sc_take(uint64_t pa);
/* Its last mapper let go (frame_refs 1, the cache's): the slot goes. */
void ev_sc_release(uint64_t pa);
void ev_track_file(struct proc *p, uint32_t ino, uint64_t idx, uint64_t pa, bool dirty);
/* Page idx of shared anonymous object ino: cached, back from its swap
 * slot (-EAGAIN while read: park), or new zeros. NULL with *err. */
struct cpage *ev_anon_page(uint32_t ino, uint64_t idx, int *err);
void ev_touch_page(uint64_t pa);
static inline void ev_touch(uint64_t pa) /* used by this request: not a victim now */
{
	if (ev_on)
		ev_touch_page(pa);
}
void ev_proc_gone(struct proc *p);
long ev_call(struct proc *p, const struct msg *m);
extern bool ev_tracing;          /* PCTL_TRACE_START: faults are recorded */
void ev_trace_page(struct proc *p, uint64_t va);

/* mmap.c: mappings (PG_MMAP .. PG_MADVISE) */
bool mm_call(struct proc *p, struct msg *m);
void mm_harvest(struct proc *p, uint64_t lo, uint64_t hi); /* dirty bits -> cache */
void mm_harvest_all(void);
void mm_truncated(uint32_t ino, uint64_t size); /* drop mapped pages past the end */
void mm_note_store(struct proc *p, uint64_t va);  /* the pager wrote into page va */

/* proc.c: life cycle */
struct proc *proc_find(long pid);
struct proc *proc_slot(int i);
long proc_spawn(struct proc *parent, const char *name, const char *const *argv, long given);
long proc_fork(struct proc *p);
long proc_spawn_call(struct proc *p, uint64_t upath, uint64_t uargv, long given);
long proc_exec(struct proc *p, struct msg *m);
void proc_exit(struct proc *p, long status);
bool proc_wait(struct proc *p, struct msg *m);
long proc_kill(long pid, long sig);
void proc_trim_quotas(void);
void proc_init_shares(void);
uint64_t proc_room(const struct proc *p, unsigned kind, uint64_t *pool);
void proc_quota_info(uint64_t free[KQ_COUNT], uint64_t share[KQ_COUNT]);
long proc_quota_call(struct proc *p, uint64_t kind, uint64_t n);

/* fs.c: files, pipes, the console */
void fs_init(void);
void fs_init_proc(struct proc *p);
bool fs_call(struct proc *p, struct msg *m);
void fs_fork(struct proc *parent, struct proc *child);
void fs_close_all(struct proc *p);
void fs_exec(struct proc *p); /* drop the old image's waiting reads and writes */
struct file *fs_file(struct proc *p, uint64_t fd); /* NULL: not open */
void fs_console_input(const char *buf, unsigned n);
void console_start(void);

/* watch.c: tasks that die behind our back */
void watch_start(void);
long watch_task(long task, int slot);
void proc_tasks_died(uint64_t slots);

#endif /* SERVERS_PAGER_H */
