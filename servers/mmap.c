/*
 * mmap.c (servers/) - mappings: mmap, munmap, mprotect, msync and madvise
 * over a process's regions. A mapping is a region of kind RG_MMAP:
 * anonymous or of a file's pages in the page cache, private (copy on
 * write) or shared. Its pages arrive by fault (vm.c: vm_populate_mmap);
 * stores to shared file pages are found with SYS_AD_CLEAR (mm_harvest)
 * and handed to the cache, which writes them back.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>

#include "fs/cache.h"
#include "fs/vfs.h"
#include "pager.h"

#define PG 4096UL
/* Mappings without MAP_FIXED go below the stack's reserve, top down. */
#define MM_TOP (USER_STACK_TOP - USER_STACK_MAX - USER_HEAP_GAP)
#define MM_BOTTOM 0x10000UL

static uint64_t page_up(uint64_t v) { return (v + PG - 1) & ~(PG - 1); }

static bool mm_overlaps(const struct region *r, uint64_t lo, uint64_t hi)
{
	return r->start < hi && lo < r->end;
}

/* ---- dirty bits -------------------------------------------------------- */

/* The bytes of the file's last page past its end are zero on disk, as
 * Linux has it: a store there through a mapping is not written back. */
static void mm_mark_dirty(const struct region *r, uint64_t va, uint64_t size)
{
	uint64_t off = r->seg_off + (va - r->seg_va);
	struct cpage *cp = cache_lookup(r->vn->ino, off / PG);
	if (!cp || off >= size)
		return;
	if (size - off < PG)
		memset((uint8_t *)cache_data(cp) + (size - off), 0, PG - (size - off));
	cache_dirty(cp);
}

/* A store into the shared mapping of a file at va by the pager itself
 * (read() into it: vm_copy_out) sets no dirty bit: mark the page here. */
void mm_note_store(struct proc *p, uint64_t va)
{
	struct region *r = vm_region_find(p, va);
	if (r && r->kind == RG_MMAP && r->shared && r->vn && !vfs_is_anon(r->vn))
		mm_mark_dirty(r, va & ~(PG - 1), UINT64_MAX);
}

/* The pages of bits[] (one a page from a, n pages) that were dirty. */
static void mm_harvest_bits(const struct region *r, uint64_t a, const uint64_t *bits, uint64_t n,
			    uint64_t size)
{
	for (uint64_t w = 0; w < (n + 63) / 64; w++)
		for (uint64_t b = bits[w]; b; b &= b - 1)
			mm_mark_dirty(r, a + (w * 64 + (uint64_t)__builtin_ctzll(b)) * PG, size);
}

/* Shared, writable file mappings in [lo, hi): read and clear the hardware
 * dirty bits (SYS_DIRTY_CLEAR: D only, the A bits stay for page-out), and
 * mark the cache pages stored to since the last harvest. */
void mm_harvest(struct proc *p, uint64_t lo, uint64_t hi)
{
	enum { CHUNK = 4096 }; /* pages per call: the kernel's limit */
	static uint64_t bits[CHUNK / 64];
	for (int i = 0; i < p->nregions; i++) {
		struct region *r = &p->regions[i];
		if (r->kind != RG_MMAP || !r->shared || !r->vn || vfs_is_anon(r->vn) ||
		    !mm_overlaps(r, lo, hi))
			continue;
		struct ext2_inode *in;
		uint64_t a = r->start > lo ? r->start : lo, end = r->end < hi ? r->end : hi;
		if (!vm_present(p, a, end))
			continue; /* nothing mapped: nothing stored */
		/* Without the inode (its block being read) the tail past the
		 * end is not zeroed this time; the stores are kept all the same. */
		uint64_t size = ext2_inode_get(&cache_fs, r->vn->ino, &in) ? UINT64_MAX
									  : ext2_inode_size(in);
		for (; a < end; a += CHUNK * PG) {
			uint64_t n = (end - a) / PG < CHUNK ? (end - a) / PG : CHUNK;
			long dirty = sys_dirty_clear(p->task, a, n, bits);
			if (dirty < 0)
				break;
			if (dirty)
				mm_harvest_bits(r, a, bits, n, size);
		}
	}
}

void mm_harvest_all(void)
{
	for (int i = 0; i < MAX_PROCS; i++) {
		struct proc *p = proc_slot(i);
		if (p->state == P_LIVE && p->task > 0)
			mm_harvest(p, 0, USER_TOP);
	}
}

/* File ino shrank to size: every mapping of it loses its pages past the
 * new end, private copies too (as Linux's truncate): the next touch there
 * is SIGBUS. */
void mm_truncated(uint32_t ino, uint64_t size)
{
	for (int i = 0; i < MAX_PROCS; i++) {
		struct proc *p = proc_slot(i);
		for (int k = 0; p->state == P_LIVE && k < p->nregions; k++) {
			struct region *r = &p->regions[k];
			if (r->kind != RG_MMAP || !r->vn || r->vn->ino != ino)
				continue;
			uint64_t end_off = page_up(size); /* first file byte wholly past the end */
			uint64_t va = end_off > r->seg_off ? r->seg_va + (end_off - r->seg_off) : r->seg_va;
			if (va < r->end)
				vm_drop_range(p, va > r->start ? va : r->start, r->end);
		}
	}
}

/* ---- regions ------------------------------------------------------------ */

/* How many more region slots cutting [lo, hi) out of p's mappings takes
 * (a mapping split in two by a hole, or in three by mprotect). */
static int mm_cut_cost(const struct proc *p, uint64_t lo, uint64_t hi, bool keep_middle)
{
	int extra = 0;
	for (int i = 0; i < p->nregions; i++) {
		const struct region *r = &p->regions[i];
		if (r->kind != RG_MMAP || !mm_overlaps(r, lo, hi))
			continue;
		int pieces = (r->start < lo) + (r->end > hi) + keep_middle;
		extra += pieces - 1;
	}
	return extra;
}

/* Cut [lo, hi) out of p's mappings: the parts outside stay, the part
 * inside goes (its pages were dropped by the caller) or, with keep_middle,
 * stays with perms. Each piece holds its own reference to the file. The
 * caller checked mm_cut_cost. */
static void mm_cut(struct proc *p, uint64_t lo, uint64_t hi, bool keep_middle, uint8_t perms)
{
	/* LAB mmap: BEGIN -- rebuild the region list with [lo, hi) cut out of every mapping */
	/* LAB mmap: STUB (void)p, (void)lo, (void)hi, (void)keep_middle, (void)perms; */
	static struct region out[MAX_REGIONS];
	int n = 0;
	for (int i = 0; i < p->nregions; i++) {
		struct region r = p->regions[i];
		if (r.kind != RG_MMAP || !mm_overlaps(&r, lo, hi)) {
			out[n++] = r;
			continue;
		}
		int pieces = 0;
		if (r.start < lo) {
			out[n] = r, out[n++].end = lo;
			pieces++;
		}
		if (keep_middle) {
			out[n] = r;
			out[n].start = r.start > lo ? r.start : lo;
			out[n].end = r.end < hi ? r.end : hi;
			out[n++].perms = perms;
			pieces++;
		}
		if (r.end > hi) {
			out[n] = r, out[n++].start = hi;
			pieces++;
		}
		if (r.vn && pieces == 0)
			vfs_vput(r.vn);
		else if (r.vn)
			r.vn->refs += (uint32_t)pieces - 1;
	}
	memcpy(p->regions, out, (size_t)n * sizeof out[0]);
	p->nregions = n;
	/* LAB mmap: END */
}

/* Is [lo, hi) free of every region? */
static bool mm_free_range(const struct proc *p, uint64_t lo, uint64_t hi)
{
	for (int i = 0; i < p->nregions; i++)
		if (mm_overlaps(&p->regions[i], lo, hi))
			return false;
	return true;
}

/* Where a mapping of len bytes goes: the hint if free, else the highest
 * free range below MM_TOP and above the heap's reach so far. */
static uint64_t mm_place(const struct proc *p, uint64_t hint, uint64_t len)
{
	if (hint && !(hint & (PG - 1)) && hint >= MM_BOTTOM && hint <= MM_TOP - len &&
	    mm_free_range(p, hint, hint + len))
		return hint;
	uint64_t top = MM_TOP;
	for (int tries = 0; tries <= p->nregions && top >= MM_BOTTOM + len; tries++) {
		uint64_t lo = top - len, next = 0;
		for (int i = 0; i < p->nregions; i++) {
			const struct region *r = &p->regions[i];
			if (mm_overlaps(r, lo, top) && (!next || r->start < next))
				next = r->start;
		}
		if (!next)
			return lo;
		top = next;
	}
	return 0;
}

/* Everything in [lo, hi) may be replaced by MAP_FIXED or unmapped: only
 * mappings are, never a program's segments, its heap or its stack. */
static bool mm_only_mappings(const struct proc *p, uint64_t lo, uint64_t hi)
{
	for (int i = 0; i < p->nregions; i++)
		if (p->regions[i].kind != RG_MMAP && mm_overlaps(&p->regions[i], lo, hi))
			return false;
	return true;
}

/* Drop [lo, hi) of p's mappings: stores harvested first, then the pages and
 * the regions (pages never touched cost nothing). */
static void mm_unmap(struct proc *p, uint64_t lo, uint64_t hi)
{
	mm_harvest(p, lo, hi);
	for (int i = 0; i < p->nregions; i++) { /* only what mappings cover */
		struct region *r = &p->regions[i];
		if (r->kind == RG_MMAP && mm_overlaps(r, lo, hi))
			vm_drop_range(p, r->start > lo ? r->start : lo, r->end < hi ? r->end : hi);
	}
	mm_cut(p, lo, hi, false, 0);
}

/* ---- the calls ------------------------------------------------------------ */

#define MM_PROTS (PROT_READ | PROT_WRITE | PROT_EXEC)

/* Sv39 has no write-only pages (W needs R): PROT_WRITE maps readable too,
 * as Linux does on RISC-V. PROT_* and PERM_* share their values. */
static uint8_t mm_perms(uint64_t prot)
{
	return (uint8_t)((prot & PROT_WRITE) ? prot | PROT_READ : prot);
}
#define MM_FLAGS (MAP_SHARED | MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS)

/* The file of a file mapping: an open regular file of the disk, readable,
 * and writable too for a shared writable mapping. */
static long mm_check_file(struct proc *p, uint64_t fd, bool shared, unsigned prot,
			  struct file **out)
{
	struct file *f = fs_file(p, fd);
	if (!f)
		return -EBADF;
	if (f->kind != F_DISK)
		return -ENODEV; /* the console, a pipe, an initrd file */
	struct ext2_inode *in;
	long e = ext2_inode_get(&cache_fs, f->vn->ino, &in);
	if (e < 0)
		return e;
	if ((in->i_mode & EXT2_S_IFMT) != EXT2_S_IFREG)
		return -ENODEV;
	unsigned acc = f->flags & O_ACCMODE;
	if (acc == O_WRONLY || (shared && (prot & PROT_WRITE) && acc == O_RDONLY))
		return -EACCES;
	*out = f;
	return 0;
}

static long mm_check_mmap(struct proc *p, const struct msg *m, struct file **f)
{
	uint64_t addr = m->w[0], len = m->w[1], prot = m->w[2], flags = m->w[3], off = m->w[5];
	uint64_t type = flags & (MAP_SHARED | MAP_PRIVATE);
	if (!len || (prot & ~(uint64_t)MM_PROTS) || (flags & ~(uint64_t)MM_FLAGS) ||
	    (type != MAP_SHARED && type != MAP_PRIVATE) || (off & (PG - 1)))
		return -EINVAL;
	if (len > USER_TOP || off > UINT64_MAX - page_up(len))
		return len > USER_TOP ? -ENOMEM : -EOVERFLOW;
	len = page_up(len);
	if (flags & MAP_FIXED) {
		if (addr & (PG - 1))
			return -EINVAL;
		if (addr < MM_BOTTOM || addr > USER_STACK_TOP - len ||
		    !mm_only_mappings(p, addr, addr + len))
			return -ENOMEM;
	}
	if (p->nregions + 1 + ((flags & MAP_FIXED) ? mm_cut_cost(p, addr, addr + len, false) : 0) >
	    MAX_REGIONS)
		return -ENOMEM;
	*f = NULL;
	if (flags & MAP_ANONYMOUS)
		return 0;
	return mm_check_file(p, m->w[4], type == MAP_SHARED, (unsigned)prot, f);
}

static long mm_mmap(struct proc *p, const struct msg *m)
{
	struct file *f;
	long e = mm_check_mmap(p, m, &f);
	if (e < 0)
		return e;
	uint64_t len = page_up(m->w[1]), flags = m->w[3], addr = m->w[0];
	bool shared = flags & MAP_SHARED;
	struct vnode *vn = f ? vfs_vget(f->vn->ino) : shared ? vfs_anon_new(len) : NULL;
	if ((f || shared) && !vn)
		return -ENOMEM;
	if (flags & MAP_FIXED)
		mm_unmap(p, addr, addr + len);
	else if (!(addr = mm_place(p, addr, len))) {
		vfs_vput(vn);
		return -ENOMEM;
	}
	struct region r = {
		.start = addr, .end = addr + len, .kind = RG_MMAP, .perms = mm_perms(m->w[2]),
		.shared = shared, .file_wr = f && (f->flags & O_ACCMODE) != O_RDONLY, .vn = vn,
		.seg_va = addr, .seg_off = f ? m->w[5] : 0,
	};
	vm_region_add(p, r); /* room was checked */
	return (long)addr;
}

/* The bytes of [lo, hi) that regions (mappings only, or any) cover. */
static uint64_t mm_covered(const struct proc *p, uint64_t lo, uint64_t hi, bool mappings)
{
	uint64_t n = 0;
	for (int i = 0; i < p->nregions; i++) {
		const struct region *r = &p->regions[i];
		if ((mappings && r->kind != RG_MMAP) || !mm_overlaps(r, lo, hi))
			continue;
		n += (r->end < hi ? r->end : hi) - (r->start > lo ? r->start : lo);
	}
	return n;
}

/* addr page aligned and [addr, addr + len) inside user space. */
static long mm_check_range(uint64_t addr, uint64_t len, uint64_t *hi)
{
	if (addr & (PG - 1))
		return -EINVAL;
	if (len > USER_TOP || addr > USER_TOP - page_up(len))
		return -ENOMEM;
	*hi = addr + page_up(len);
	return 0;
}

static long mm_munmap(struct proc *p, uint64_t addr, uint64_t len)
{
	uint64_t hi;
	if (!len || (addr & (PG - 1)) || mm_check_range(addr, len, &hi) < 0)
		return -EINVAL;
	if (p->nregions + mm_cut_cost(p, addr, hi, false) > MAX_REGIONS)
		return -ENOMEM;
	mm_unmap(p, addr, hi);
	return 0;
}

static long mm_mprotect(struct proc *p, uint64_t addr, uint64_t len, uint64_t prot)
{
	uint64_t hi;
	long e = mm_check_range(addr, len, &hi);
	if (e < 0 || (prot & ~(uint64_t)MM_PROTS))
		return e < 0 && e != -EINVAL ? e : -EINVAL;
	if (mm_covered(p, addr, hi, true) != hi - addr)
		return -ENOMEM;
	for (int i = 0; i < p->nregions; i++) {
		const struct region *r = &p->regions[i];
		if (mm_overlaps(r, addr, hi) && r->shared && r->vn && !vfs_is_anon(r->vn) &&
		    !r->file_wr && (prot & PROT_WRITE))
			return -EACCES;
	}
	if (p->nregions + mm_cut_cost(p, addr, hi, true) > MAX_REGIONS)
		return -ENOMEM;
	if (hi == addr)
		return 0;
	/* The hardware mappings go (stores harvested first); the next touch
	 * maps each page again with what the region allows now. */
	mm_harvest(p, addr, hi);
	sys_unmap(p->task, addr, (hi - addr) / PG);
	mm_cut(p, addr, hi, true, mm_perms(prot));
	return 0;
}

/* msync: stores harvested, their pages written; MS_SYNC answers when they
 * are on the disk (parks meanwhile). */
static bool mm_msync(struct proc *p, struct msg *m)
{
	uint64_t addr = m->w[0], len = m->w[1], flags = m->w[2], hi;
	long e = mm_check_range(addr, len, &hi);
	if (!e && ((flags & ~(uint64_t)(MS_ASYNC | MS_SYNC | MS_INVALIDATE)) ||
		   ((flags & MS_SYNC) && (flags & MS_ASYNC))))
		e = -EINVAL;
	if (!e && mm_covered(p, addr, hi, false) != hi - addr)
		e = -ENOMEM;
	bool idle = true;
	if (!e && vfs_mounted) {
		if (!m->w[5]) /* not on a rerun: the stores were harvested already */
			mm_harvest(p, addr, hi);
		m->w[5] = 1;
		for (int i = 0; i < p->nregions; i++) {
			const struct region *r = &p->regions[i];
			if (r->kind == RG_MMAP && r->shared && r->vn && !vfs_is_anon(r->vn) &&
			    mm_overlaps(r, addr, hi))
				idle &= cache_sync(r->vn->ino);
		}
		if (idle && (flags & MS_SYNC))
			idle = cache_flush();
		if (cache_write_error())
			e = -EIO;
	}
	if (!e && !idle && (flags & MS_SYNC)) {
		pager_park(NULL); /* until a write completes */
		return false;
	}
	*m = e < 0 ? (struct msg){.label = (uint64_t)-e} : (struct msg){0};
	return true;
}

static long mm_madvise(struct proc *p, uint64_t addr, uint64_t len, uint64_t advice)
{
	uint64_t hi;
	long e = mm_check_range(addr, len, &hi);
	if (e < 0 || advice > MADV_DONTNEED)
		return e < 0 && e != -EINVAL ? e : -EINVAL;
	if (mm_covered(p, addr, hi, false) != hi - addr)
		return -ENOMEM;
	if (advice == MADV_DONTNEED && hi > addr) {
		/* The pages go: anonymous ones read as zeros again, private file
		 * pages as the file, shared ones as what was stored (harvested). */
		mm_harvest(p, addr, hi);
		vm_drop_range(p, addr, hi);
	}
	return 0;
}

bool mm_call(struct proc *p, struct msg *m)
{
	long r;
	switch (m->label) {
	case PG_MMAP: r = mm_mmap(p, m); break;
	case PG_MUNMAP: r = mm_munmap(p, m->w[0], m->w[1]); break;
	case PG_MPROTECT: r = mm_mprotect(p, m->w[0], m->w[1], m->w[2]); break;
	case PG_MSYNC: return mm_msync(p, m);
	case PG_MADVISE: r = mm_madvise(p, m->w[0], m->w[1], m->w[2]); break;
	default: r = -ENOSYS; break;
	}
	if (pager_blocked(r))
		return false;
	*m = r < 0 ? (struct msg){.label = (uint64_t)-r} : (struct msg){.w = {(uint64_t)r}};
	return true;
}
