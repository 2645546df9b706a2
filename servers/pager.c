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
#include "fs/cache.h"
#include "pager.h"
#include "root.h"
#include "fs/vfs.h"

struct pager_stats pg_stats;
long pg_ep;
bool pg_bench;
bool pg_testcalls; /* boot argument "test": calls for test suites only (PG_LEND) */

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

/* ---- saved replies ---------------------------------------------------------
 * A call that cannot finish now keeps its caller's reply handle: a parked
 * request, a pipe or console wait, a waitpid. Each takes a slot of our
 * handle table, so each process may have PROC_SAVED_MAX of them at once
 * (its further blocking calls get EAGAIN): one process with many threads
 * cannot fill the table and make every other process's calls fail. The
 * owner of each is kept by handle slot; pid tells a reused proc apart. */
static struct {
	long pid; /* 0: not counted */
	int slot;
} reply_owner[256];

static void pager_reply_count(long reply, struct proc *p)
{
	reply_owner[reply & 0xff].pid = p->pid;
	reply_owner[reply & 0xff].slot = p->slot;
	p->nsaved++;
}

/* The reply is answered or closed: its owner may save another. */
static void pager_reply_uncount(long reply)
{
	if (reply <= 0)
		return; /* PARK_INTERNAL: no handle */
	long pid = reply_owner[reply & 0xff].pid;
	struct proc *p = pid ? proc_slot(reply_owner[reply & 0xff].slot) : NULL;
	if (p && p->pid == pid && p->nsaved)
		p->nsaved--;
	reply_owner[reply & 0xff].pid = 0;
}

/* REPLY_TO consumes the handle, but not when the caller is gone: close it
 * then, or saved replies of killed processes would fill our table. */
void pager_answer(long reply, struct msg *m)
{
	pager_reply_uncount(reply);
	if (sys_reply_to(reply, m) < 0)
		sys_handle_close(reply);
}

void pager_reply_close(long reply)
{
	pager_reply_uncount(reply);
	sys_handle_close(reply);
}

static struct msg pager_ok(uint64_t w0) { return (struct msg){.w = {w0}}; }
static struct msg pager_err(long e) { return (struct msg){.label = (uint64_t)-e}; }
static struct msg pager_result(long r) { return r < 0 ? pager_err(r) : pager_ok((uint64_t)r); }

/* The reply for result r, or park the request (-EAGAIN: a page of the
 * caller is being read from disk). */
static bool pager_reply(struct msg *m, long r)
{
	if (pager_blocked(r))
		return false;
	*m = pager_result(r);
	return true;
}

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
		.cache_pages = cache_stats.pages,
		.cache_dirty = cache_stats.dirty,
		.disk_reads = cache_stats.read_blocks,
		.disk_writes = cache_stats.write_blocks,
	};
	mi.frames_used = mi.frames_total - mi.frames_free;
	proc_quota_info(mi.kq_free, mi.kq_share);
	long r = vm_copy_out(p, buf, &mi, sizeof mi);
	return r == -EAGAIN ? r : r < 0 ? -EFAULT : 0;
}

static long pg_ps_call(struct proc *p, uint64_t buf, uint64_t max)
{
	long n = 0;
	for (int i = 0; i < MAX_PROCS && (uint64_t)n < max; i++) {
		struct proc *q = proc_slot(i);
		if (q->state == P_FREE)
			continue;
		struct pg_ps e = {(int32_t)q->pid, (int32_t)q->ppid, q->state, (uint32_t)q->resident,
				  (uint32_t)q->faults, (uint32_t)q->cow_copies, (uint32_t)q->swapped,
				  (uint32_t)q->pageins, {0}};
		memcpy(e.name, q->name, sizeof e.name);
		long r = vm_copy_out(p, buf + (uint64_t)n * sizeof e, &e, sizeof e);
		if (r < 0)
			return r == -EAGAIN ? r : -EFAULT;
		n++;
	}
	return n;
}

static bool pager_spawn_call(struct proc *p, struct msg *m)
{
	long given = (long)m->handle > 0 ? (long)m->handle : 0;
	long pid = proc_spawn_call(p, m->w[0], m->w[1], given);
	if (pager_blocked(pid)) /* the program is being read: the handle waits too */
		return false;
	if (given)
		sys_handle_close(given);
	*m = pager_result(pid);
	return true;
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

/* Lending places a page of ours in another process: a test's third holder
 * (cowtest, mmaptest), not for ordinary processes: only with the boot
 * argument "test" (no process may put a page into one that did not agree). */
static long pg_lend_call(struct proc *p, struct msg *m)
{
	if (!pg_testcalls)
		return -EPERM;
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
		return pager_reply(m, proc_fork(p));
	case PG_EXEC:
		r = proc_exec(p, m);
		if (pager_blocked(r))
			return false;
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
		return pager_spawn_call(p, m);
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
		return pager_reply(m, pg_meminfo_call(p, m->w[0]));
	case PG_PS:
		return pager_reply(m, pg_ps_call(p, m->w[0], m->w[1]));
	case PG_NOZERO:
		*m = pager_result(pager_nozero(p, m));
		return true;
	case PG_LEND:
		return pager_reply(m, pg_lend_call(p, m));
	case PG_MMAP: case PG_MUNMAP: case PG_MPROTECT: case PG_MSYNC: case PG_MADVISE:
		return mm_call(p, m);
	case PG_PAGERCTL:
		return pager_reply(m, ev_call(p, m));
	case PG_QUOTA:
		return pager_reply(m, proc_quota_call(p, m->w[0], m->w[1]));
	case PG_CACHE_DROP:
		*m = pager_ok(cache_reclaim(~0u));
		return true;
	case PG_BLK_ATTACH: case PG_BLK_READY: case PG_BLK_DONE:
		return blkc_call(p, m);
	default:
		return pager_proc_call(p, m);
	}
}

/* A FAULT_MAP the kernel refused for lack of page-table quota: move more
 * quota to the process (doubling it, at least 16 pages; trimming everyone
 * once if our own is short) and answer again. Never past its share: the
 * kernel's count includes what it passed on to tasks of its own. */
static bool pager_more_quota(struct proc *p)
{
	uint64_t quota;
	if (sys_task_info(p->task, NULL, &quota) < 0)
		return false;
	uint64_t grow = quota > 16 ? quota : 16, pool;
	uint64_t room = proc_room(p, KQ_PT, &pool);
	if (room < grow && pool < grow) { /* short ourselves, not at its share */
		proc_trim_quotas();
		room = proc_room(p, KQ_PT, &pool);
	}
	grow = grow < room ? grow : room;
	if (grow == 0 || sys_task_quota(p->task, quota + grow) < 0)
		return false;
	p->pt_quota = quota + grow;
	return true;
}

static bool pager_dispatch(long badge, struct msg *m, struct proc **who)
{
	*who = NULL;
	cache_urgent = false;
	cache_epoch++; /* pages this request uses are not reclaimed under it */
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
	if (badge == (long)FLUSH_BADGE && m->label == PG_FLUSH_TICK) {
		if (vfs_mounted) {
			mm_harvest_all(); /* stores through shared mappings */
			vfs_flush();      /* start writing; nobody waits for it */
		}
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
	/* The block driver's own faults must not wait for writeback: it is the
	 * one that finishes writes (servers/fs/cache.c, cache_starved). */
	cache_urgent = blkc_is_driver(p->pid);
	/* w4 of a transfer is the progress a parked request keeps for its
	 * rerun (servers/fs/vfs.c): a fresh request starts at 0 whatever it says. */
	if (m->label == PG_READ || m->label == PG_WRITE || m->label == PG_PREAD ||
	    m->label == PG_PWRITE)
		m->w[4] = 0;
	if (m->label == PG_MSYNC)
		m->w[5] = 0; /* msync's: "harvested already" */
	return pager_handle(p, m);
}

/* ---- parked requests ------------------------------------------------------
 * A request that needs a block the cache is reading is kept here with its
 * caller's saved reply and served again from the start when the read is
 * done (the restart contract of servers/fs/vfs.h). Meanwhile the loop goes
 * on serving everyone else: the pager never waits for the disk. */

#define MAX_PARKED 128
#define PARK_INTERNAL (-1L) /* a request of our own (boot): no caller */
enum park_wait { W_PAGE, W_IO, W_TURN };

static struct parked {
	long reply; /* saved reply handle, 0 = free slot */
	long pid, task_id;
	uint8_t wait;
	uint32_t ino;
	uint64_t idx;
	struct msg m;
} parked[MAX_PARKED];
static struct {
	bool asked, turn;
	struct cpage *page;
} park_now;
static uint64_t loop_turn; /* requests taken from the endpoint so far */
static unsigned nturn;     /* parked requests waiting for a turn */
static unsigned nparked;
static bool io_finished;
static int shutdown_code = -1;

void pager_park(struct cpage *cp)
{
	park_now.asked = true;
	park_now.turn = false;
	park_now.page = cp;
}

bool pager_blocked(long r)
{
	if (r != -EAGAIN || !cache_waiting())
		return false;
	pager_park(cache_miss);
	return true;
}

void pager_yield(void)
{
	pager_park(NULL);
	park_now.turn = true;
}

static void pager_io_done(void) { io_finished = true; }

static void park_store(struct parked *e, struct proc *p, const struct msg *m)
{
	e->pid = p ? p->pid : 0;
	e->task_id = p ? p->task_id : 0;
	e->m = *m;
	e->wait = park_now.turn ? W_TURN : park_now.page ? W_PAGE : W_IO;
	e->idx = loop_turn;
	nturn += e->wait == W_TURN;
	if (park_now.page) {
		e->ino = park_now.page->ino;
		e->idx = park_now.page->idx;
	}
	park_now.asked = false;
}

/* Keep the request the handler parked; false if there is no room (the
 * caller then gets EAGAIN, or a fault is simply retried). */
static bool pager_park_save(struct proc *p, const struct msg *m, long reply)
{
	for (int i = 0; i < MAX_PARKED; i++) {
		if (parked[i].reply)
			continue;
		if (!reply && (reply = pager_reply_save(p)) < 0)
			break;
		parked[i].reply = reply;
		park_store(&parked[i], p, m);
		nparked++;
		return true;
	}
	park_now.asked = false;
	return false;
}

static bool park_ready(const struct parked *e)
{
	if (e->wait == W_TURN)
		return e->idx < loop_turn; /* someone else was served since */
	return e->wait == W_IO || !cache_busy(e->ino, e->idx);
}

static void pager_answer_fault_aware(struct proc *p, long reply, struct msg *m)
{
	long e;
	pager_reply_uncount(reply);
	while ((e = sys_reply_to(reply, m)) == ERR_QUOTA && m->label == FAULT_MAP && p &&
	       pager_more_quota(p))
		;
	if (e < 0)
		sys_handle_close(reply);
}

static void pager_rerun(struct parked *e);

/* The saved reply of the request being run again, for pager_reply_save. */
static long rerun_reply;

long pager_reply_save(struct proc *p)
{
	long h = rerun_reply;
	if (h) {
		rerun_reply = 0; /* the handler keeps it (a pipe or wait queue) */
		return h;        /* counted when it was first saved */
	}
	if (p && p->nsaved >= PROC_SAVED_MAX)
		return -EAGAIN;
	if ((h = sys_reply_save()) > 0 && p)
		pager_reply_count(h, p);
	return h;
}

/* pid has ended: drop its parked requests now. Each holds a saved reply,
 * which keeps the dead thread, and so its kernel task slot, alive; rerun
 * would drop them too, but only once the block they wait for arrives. */
void pager_forget(long pid)
{
	for (int i = 0; i < MAX_PARKED && nparked; i++) {
		struct parked *e = &parked[i];
		if (!e->reply || e->reply == PARK_INTERNAL || e->pid != pid)
			continue;
		pager_reply_close(e->reply);
		e->reply = 0;
		nparked--;
		nturn -= e->wait == W_TURN;
	}
}

/* Serve again every parked request whose block arrived. */
static void pager_unpark(void)
{
	io_finished = false;
	if (vfs_mounted)
		vfs_free_pending();
	for (int i = 0; i < MAX_PARKED && nparked; i++)
		if (parked[i].reply && park_ready(&parked[i]))
			pager_rerun(&parked[i]);
}

static void pager_boot_step(struct msg *m);

static void pager_rerun(struct parked *e)
{
	struct msg m = e->m;
	long reply = e->reply;
	struct proc *p = e->pid ? proc_find(e->pid) : NULL;
	e->reply = 0;
	nparked--;
	nturn -= e->wait == W_TURN;
	cache_epoch++;
	cache_urgent = false;
	if (reply == PARK_INTERNAL) {
		pager_boot_step(&m);
		if (park_now.asked)
			pager_park_save(NULL, &m, PARK_INTERNAL);
		return;
	}
	if (!p || p->state != P_LIVE || p->task_id != e->task_id) {
		pager_reply_close(reply); /* its process is gone, or exec'd */
		return;
	}
	rerun_reply = reply;
	cache_urgent = blkc_is_driver(p->pid);
	bool answer = pager_handle(p, &m);
	bool kept = !rerun_reply;
	rerun_reply = 0;
	if (kept)
		return; /* now waiting in a queue of its own */
	if (park_now.asked && pager_park_save(p, &m, reply))
		return;
	if (answer)
		pager_answer_fault_aware(p, reply, &m);
	else
		pager_reply_close(reply); /* exit or exec: the caller is gone */
}

/* ---- boot: the disk, the root file system, init -------------------------- */

static const char *init_argv[PG_ARGV_MAX + 1];
static char init_name[PG_NAME_MAX];
static uint64_t sb_frame;
long pg_init_pid;

static void pager_start_init(void)
{
	long pid = proc_spawn(NULL, init_name, init_argv, 0);
	if (pid == -EAGAIN) {
		struct msg m = {.label = PG_BOOT_INIT};
		pager_park(cache_miss);
		pager_park_save(NULL, &m, PARK_INTERNAL);
		return;
	}
	if (pid < 0) {
		printf("pager: cannot start init \"%s\" (error %ld)\n", init_name, -pid);
		sys_poweroff(H_PLATFORM, 1);
	}
	pg_init_pid = pid;
}

static void pager_boot_step(struct msg *m)
{
	if (m->label == PG_BOOT_INIT)
		pager_start_init();
}

/* The disks are probed in turn (boot_disks): each one's page 0 says
 * whether it is a swap area (mkswap's signature); the first other one
 * holds the root file system. Then init starts. */
static struct {
	unsigned unit;  /* being probed */
	int root;       /* unit of the root file system, -1: none yet */
	bool nodisk;
} boot_disks = {.root = -1};

static void pager_sb_read(void *arg, int status)
{
	(void)arg;
	if (status || vfs_mount(frames_va(&pg_frames, sb_frame), blkc_readonly(cache_root_unit)) < 0)
		printf("pager: the disk holds no file system we can use: running from the initrd\n");
	frames_free(&pg_frames, sb_frame);
	pager_start_init();
}

static void pager_probe_next(void);

static void pager_probe_read(void *arg, int status)
{
	uint64_t slots, unit = (uint64_t)arg;
	const uint8_t *page0 = frames_va(&pg_frames, sb_frame);
	if (!status && cache_swap_unit < 0 && !blkc_readonly((unsigned)unit) &&
	    swap_header_ok(page0, blkc_capacity((unsigned)unit), &slots)) {
		swap_init((unsigned)unit, slots);
		struct proc *drv = proc_find(blkc_driver_pid((unsigned)unit));
		if (drv) /* ps tells the two drivers apart */
			snprintf(drv->name, sizeof drv->name, "blk-swap");
	}
	else if (boot_disks.root < 0)
		boot_disks.root = (int)unit;
	frames_free(&pg_frames, sb_frame);
	boot_disks.unit++;
	pager_probe_next();
}

static void pager_disk_ready(unsigned unit, int status)
{
	if (status < 0 || !(sb_frame = frames_alloc(&pg_frames))) {
		printf("pager: disk %u is not usable (%d)\n", unit, status);
		boot_disks.unit++;
		pager_probe_next();
		return;
	}
	cache_read_raw(unit, 0, 4096, sb_frame, pager_probe_read, (void *)(uint64_t)unit);
}

/* Start the next disk's driver, or, with all probed, mount the root. */
static void pager_probe_next(void)
{
	unsigned u = boot_disks.unit;
	if (u < BLKC_UNITS) {
		blkc_on_ready_unit(u, pager_disk_ready);
		if (blkc_start(H_PLATFORM, u, u) == 0)
			return;
	}
	if (boot_disks.root < 0 || !(sb_frame = frames_alloc(&pg_frames))) {
		printf("pager: no disk: running from the initrd\n");
		pager_start_init();
		return;
	}
	cache_root_unit = (unsigned)boot_disks.root;
	cache_read_raw(cache_root_unit, 1024, 1024, sb_frame, pager_sb_read, NULL);
}

/* init ended: write everything back, mark the file system clean, then
 * power off with init's status (proc.c). */
void pager_shutdown(int code)
{
	if (vfs_mounted)
		mm_harvest_all(); /* processes still running keep mappings */
	shutdown_code = code;
	io_finished = true;
}

/* Each step starts writes or waits for them; with none in flight a step
 * that did not finish is tried again at once. */
static void pager_shutdown_step(void)
{
	static int tries;
	bool done;
	while (!(done = vfs_unmount_step()) && !cache_inflight() && ++tries < 64)
		;
	if (done || cache_write_error() || ++tries > 100000) {
		sys_poweroff(H_PLATFORM, (unsigned)shutdown_code & 0xff);
	}
}

/* The periodic flusher: a thread that wakes every 5 s and asks the loop
 * to start writing dirty pages back. */
static char flush_stack[4096] __attribute__((aligned(16)));

static void flush_loop(long ep)
{
	for (;;) {
		sys_sleep(5000);
		struct msg m = {.label = PG_FLUSH_TICK};
		sys_call(ep, &m);
	}
}

/* Between two requests: serve what the finished I/O unblocked (a few
 * rounds at most: a dead disk finishes requests at once, forever). */
static void pager_after_request(void)
{
	loop_turn++;
	for (int round = 0; (io_finished || nturn) && round < 4; round++) {
		pager_unpark();
		if (shutdown_code >= 0)
			pager_shutdown_step();
	}
}

static __attribute__((noreturn)) void pager_loop(void)
{
	struct msg m;
	struct proc *p;
	long badge = sys_recv(pg_ep, &m);
	for (;;) {
		bool answer = pager_dispatch(badge, &m, &p);
		if (park_now.asked && !pager_park_save(p, &m, 0)) {
			m = m.label == LABEL_FAULT ? (struct msg){.label = FAULT_RESUME} : pager_err(-EAGAIN);
			answer = true;
		}
		pager_after_request();
		if (!answer) {
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
	static char store[256];
	root_init();
	frame_ref_init();
	fs_init();
	proc_init_shares();
	pg_ep = sys_ep_create();
	pg_bench = pager_has_word(bi->bootargs, "bench");
	pg_testcalls = pager_has_word(bi->bootargs, "test");
	pager_arg(bi->bootargs, "init=", init_name, sizeof init_name, "sh");
	pager_init_argv(bi->bootargs, init_name, store, sizeof store, init_argv);
	printf("pager: root pager up: %lu frames (%lu MiB) to give, initrd %lu KiB\n",
	       (unsigned long)frames_free_count(&pg_frames),
	       (unsigned long)(frames_free_count(&pg_frames) >> 8),
	       (unsigned long)(bi->initrd_size >> 10));
	console_start();
	watch_start();
	cache_done_hook = pager_io_done;
	root_thread(flush_loop, sys_handle_dup(pg_ep, R_SEND, FLUSH_BADGE), flush_stack,
		    sizeof flush_stack, PRIO_DEFAULT, 0, 0);
	ev_init(bi->bootargs);
	if (pager_has_word(bi->bootargs, "nodisk")) {
		printf("pager: no disk: running from the initrd\n");
		pager_start_init();
	} else if (pager_has_word(bi->bootargs, "blktest")) {
		blkc_start(H_PLATFORM, 0, 0); /* the scratch disk is the test's */
	} else {
		pager_probe_next();
	}
	pager_loop();
}
