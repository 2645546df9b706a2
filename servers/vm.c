/*
 * vm.c (servers/) - the pager's address-space logic: regions, the fault
 * path (find the region, take a frame, zero or fill it, or copy a COW
 * page, and answer FAULT_MAP), reference-counted frames, fork's sharing,
 * lending a page to a third process, sbrk, and copies into and out of a
 * process made with exactly the rights the process itself has.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fs/cache.h"
#include "pager.h"
#include "fs/vfs.h"

#define PG 4096UL

static uint16_t *frame_ref; /* per grant frame: holders (pager.h invariant) */

static uint64_t page_up(uint64_t v) { return (v + PG - 1) & ~(PG - 1); }
static uint64_t entry_pa(uint64_t e) { return e & ~PM_FLAGS; }

void frame_ref_init(void)
{
	/* Fresh heap pages are zero-filled frames already: no calloc pass. */
	frame_ref = sbrk((intptr_t)((pg_frames.end - pg_frames.base) / PG * sizeof *frame_ref));
}

void frame_get(uint64_t pa) { frame_ref[(pa - pg_frames.base) / PG]++; }
uint32_t frame_refs(uint64_t pa) { return frame_ref[(pa - pg_frames.base) / PG]; }

/* frame_put's last-holder case, out of line: the common put (a sharer
 * left) is then a leaf function with no stack frame. */
static void __attribute__((noinline)) frame_release(uint64_t pa)
{
	ev_untrack(pa); /* out of its eviction policy */
	frames_free(&pg_frames, pa);
}

void frame_put(uint64_t pa)
{
	if (--frame_ref[(pa - pg_frames.base) / PG] == 0)
		frame_release(pa);
}

uint64_t frames_shared(void)
{
	uint64_t n = 0, total = (pg_frames.end - pg_frames.base) / PG;
	for (uint64_t i = 0; i < total; i++)
		n += frame_ref[i] > 1;
	return n;
}

struct region *vm_region_find(struct proc *p, uint64_t va)
{
	struct region *h = &p->regions[p->rhint]; /* faults come in runs: try the last */
	if (p->rhint < p->nregions && va >= h->start && va < h->end)
		return h;
	for (int i = 0; i < p->nregions; i++) {
		if (va >= p->regions[i].start && va < p->regions[i].end) {
			p->rhint = i;
			return &p->regions[i];
		}
	}
	return NULL;
}

int vm_region_add(struct proc *p, struct region r)
{
	if (p->nregions == MAX_REGIONS)
		return -1;
	p->regions[p->nregions++] = r;
	return 0;
}

/* Bytes of the segment's file image that fall into page va, rest zero. */
static void vm_fill_file(const struct region *r, uint64_t va, uint8_t *dst)
{
	uint64_t lo = va > r->seg_va ? va : r->seg_va;
	uint64_t hi = va + PG < r->seg_va + r->seg_filesz ? va + PG : r->seg_va + r->seg_filesz;
	frame_zero(dst);
	if (lo < hi)
		mem_copy(dst + (lo - va), r->file + r->seg_off + (lo - r->seg_va), hi - lo);
}

/* A page of a segment that lies wholly in the file, at the same offset
 * in the page as in the file: the cache's frame itself can be mapped. */
static bool vm_file_whole(const struct region *r, uint64_t va)
{
	return r->vn && (r->seg_va & (PG - 1)) == (r->seg_off & (PG - 1)) && va >= r->seg_va &&
	       va + PG <= r->seg_va + r->seg_filesz;
}

/* The cache page holding file byte off of region r's file (-EAGAIN: being
 * read, cache_miss names it). */
static struct cpage *vm_file_page(const struct region *r, uint64_t off, int *err)
{
	struct ext2_inode *in;
	*err = ext2_inode_get(&cache_fs, r->vn->ino, &in);
	if (*err)
		return NULL;
	return cache_file_page(r->vn->ino, off / PG, ext2_inode_size(in), false, err);
}

/* Fill dst with page va of a disk-backed segment (bytes past filesz zero). */
static int vm_fill_disk(const struct region *r, uint64_t va, uint8_t *dst)
{
	uint64_t lo = va > r->seg_va ? va : r->seg_va;
	uint64_t hi = va + PG < r->seg_va + r->seg_filesz ? va + PG : r->seg_va + r->seg_filesz;
	int err = 0;
	for (uint64_t a = lo; a < hi;) { /* at most two cache pages */
		uint64_t off = r->seg_off + (a - r->seg_va), n = PG - off % PG;
		struct cpage *cp = vm_file_page(r, off, &err);
		if (!cp)
			return err;
		n = n < hi - a ? n : hi - a;
		mem_copy(dst + (a - va), (uint8_t *)cache_data(cp) + off % PG, n);
		a += n;
	}
	return 0;
}

/* Record frame pa (already counted once for us) at va. */
static uint64_t *vm_install(struct proc *p, uint64_t va, uint64_t entry)
{
	uint64_t *e = pagemap_set(&pg_frames, &p->pages, va / PG, entry);
	if (!e) {
		frame_put(entry & ~PM_FLAGS);
		return NULL;
	}
	p->resident++;
	return e;
}

/* A first touch of a disk-backed page: the cache frame, shared (COW when
 * the segment is writable), or a private copy for a partial page. */
static uint64_t *vm_populate_disk(struct proc *p, const struct region *r, uint64_t va, int *err)
{
	if (vm_file_whole(r, va)) {
		struct cpage *cp = vm_file_page(r, r->seg_off + (va - r->seg_va), err);
		if (!cp)
			return NULL;
		frame_get(cp->pa);
		pg_stats.file_faults++;
		uint64_t *e = vm_install(p, va, cp->pa | ((r->perms & PERM_W) ? PM_COW : 0));
		if (e && ev_on)
			ev_track_file(p, cp->ino, cp->idx, cp->pa, cp->flags & CP_DIRTY);
		return e;
	}
	uint64_t pa = cache_frame_alloc();
	if (!pa) {
		*err = -ENOMEM;
		return NULL;
	}
	frame_zero(frames_va(&pg_frames, pa));
	if ((*err = vm_fill_disk(r, va, frames_va(&pg_frames, pa))) < 0) {
		frames_free(&pg_frames, pa);
		return NULL;
	}
	frame_get(pa);
	pg_stats.file_faults++;
	uint64_t *e = vm_install(p, va, pa);
	if (e)
		ev_track(p, va, pa);
	return e;
}

/* A first touch of a mapping of a file or of a shared anonymous object:
 * the cache's frame itself. Private file pages are COW whatever the
 * protection now (mprotect may add W later); a shared writable page gets
 * its blocks first, so a store never meets a hole (a full disk: SIGBUS).
 * A page wholly past the end of the file is -ENXIO: SIGBUS, as Linux. */
static uint64_t *vm_populate_mmap(struct proc *p, const struct region *r, uint64_t va,
				  unsigned perm, int *err)
{
	uint64_t off = r->seg_off + (va - r->seg_va);
	struct cpage *cp;
	if (vfs_is_anon(r->vn)) {
		uint64_t reads = cache_stats.swap_reads;
		cp = ev_anon_page(r->vn->ino, off / PG, err);
		if (cache_stats.swap_reads != reads) { /* paged in (a retry finds it cached) */
			p->pageins++;
			ev_stats.pageins++;
		}
		if (!cp)
			return NULL;
	} else {
		uint64_t size;
		if ((*err = (int)vfs_vsize(r->vn, &size)) < 0)
			return NULL;
		if (off >= page_up(size)) {
			*err = -ENXIO;
			return NULL;
		}
		if (!(cp = cache_file_page(r->vn->ino, off / PG, size, false, err)))
			return NULL;
		uint64_t valid = size - off < PG ? size - off : PG;
		uint32_t before = cache_blocks_from(cp, 0);
		if (r->shared && (r->perms & PERM_W) &&
		    (*err = cache_alloc_blocks(cp, 0, (uint32_t)valid)) < 0) {
			*err = *err == -ENOSPC ? -ENXIO : *err;
			return NULL;
		}
		if (cache_blocks_from(cp, 0) != before)
			cache_dirty(cp); /* new blocks hold old bytes until written */
		pg_stats.file_faults++;
	}
	if (!r->shared && (perm & PERM_W)) { /* a private store: our own copy at once */
		uint64_t pa = cache_frame_alloc();
		if (!pa) {
			*err = -ENOMEM;
			return NULL;
		}
		frame_copy(frames_va(&pg_frames, pa), cache_data(cp));
		frame_get(pa);
		p->cow_copies++;
		pg_stats.cow_copies++;
		uint64_t *e = vm_install(p, va, pa);
		if (e)
			ev_track(p, va, pa);
		return e;
	}
	frame_get(cp->pa);
	uint64_t *e = vm_install(p, va, cp->pa | (r->shared ? 0 : PM_COW));
	if (e && ev_on) /* an anonymous object's page has no copy anywhere: dirty */
		ev_track_file(p, cp->ino, cp->idx, cp->pa,
			      (cp->flags & CP_DIRTY) || vfs_is_anon(r->vn));
	return e;
}

/* A first touch: a fresh frame, zeroed or filled from the file. */
static uint64_t *vm_populate(struct proc *p, const struct region *r, uint64_t va, unsigned perm,
				int *err)
{
	*err = -ENOMEM;
	if (r->kind == RG_MMAP && r->vn)
		return vm_populate_mmap(p, r, va, perm, err);
	if (r->kind == RG_FILE && r->vn && va < r->seg_va + r->seg_filesz)
		return vm_populate_disk(p, r, va, err);
	uint64_t pa = cache_frame_alloc();
	if (!pa)
		return NULL;
	uint64_t *e = pagemap_set(&pg_frames, &p->pages, va / PG, pa);
	if (!e) {
		frames_free(&pg_frames, pa);
		return NULL;
	}
	frame_get(pa);
	if (r->kind == RG_FILE && va < r->seg_va + r->seg_filesz) {
		vm_fill_file(r, va, frames_va(&pg_frames, pa));
		pg_stats.file_faults++;
	} else { /* anonymous, heap, stack, or bss past the file bytes */
		/* LAB lazy: BEGIN -- a fresh anonymous page reads as zeros, unless nozero */
		if (!r->nozero)
			frame_zero(frames_va(&pg_frames, pa));
		pg_stats.zero_faults++;
		/* LAB lazy: END */
	}
	p->resident++;
	ev_track(p, va, pa); /* an eviction there frees no shadow node: e stays */
	return e;
}

/* A store to a COW page: the only holder writes in place; otherwise copy.
 * "Only holder" means frame_ref == 1, which counts every holder. */
static bool vm_cow_break(struct proc *p, uint64_t va, uint64_t *e)
{
	/* LAB cow: BEGIN -- write in place when we are the only holder, else copy */
	/* LAB cow: STUB (void)p, (void)va; *e = entry_pa(*e); return true; */
	uint64_t pa = entry_pa(*e);
	if (frame_refs(pa) == 1) {
		*e = pa;
		pg_stats.cow_reuses++;
		return true;
	}
	uint64_t copy = cache_frame_alloc();
	if (!copy)
		return false;
	frame_copy(frames_va(&pg_frames, copy), frames_va(&pg_frames, pa));
	frame_get(copy);
	frame_put(pa);
	*e = copy;
	ev_track(p, va, copy);
	p->cow_copies++;
	pg_stats.cow_copies++;
	return true;
	/* LAB cow: END */
}

/* Make page va present for an access needing perm, as a fault would. */
static const char VM_AGAIN[] = "again"; /* why: the page is being read */
static const char VM_PAST_END[] = "past the end of its file:"; /* why: SIGBUS */
static const char VM_SWAP_EIO[] = "swap I/O error: its page is lost:"; /* why: SIGBUS */

/* The last holder of slot meets its page still on its way to disk: a
 * copy of its own, the slot freed (a store would copy anyway: this way
 * the page joins its policy once, not twice). */
static bool vm_swap_copy(struct proc *p, uint64_t va, uint64_t *e, struct cpage *cp, int *err)
{
	uint64_t pa = cache_frame_alloc();
	if (!pa) {
		*err = -ENOMEM;
		return false;
	}
	frame_copy(frames_va(&pg_frames, pa), cache_data(cp));
	frame_get(pa);
	swap_put(*e >> 12);
	*e = pa;
	p->swapped--;
	p->resident++;
	ev_track(p, va, pa);
	return true;
}

/* The last holder of slot meets its page not yet written (swap has no
 * copy to keep: the write is called off), or is about to store to it: the
 * slot is freed and the frame leaves the cache as its anonymous page,
 * writable. */
static bool vm_swap_own(struct proc *p, uint64_t va, uint64_t *e, uint64_t pa)
{
	frame_get(pa);
	swap_put(*e >> 12); /* the slot goes, and the page from the cache */
	*e = pa;
	p->swapped--;
	p->resident++;
	ev_track(p, va, pa);
	return true;
}

/* A page in swap slot *e >> 12 comes back: the cached copy, or read now
 * (-EAGAIN: the caller parks). Every holder maps the swap-cache frame
 * read-only (PM_COW | PM_SC), the slot kept: evicted unchanged, the page
 * needs no write. The first store takes the frame or copies it
 * (vm_store_break). */
static bool vm_swap_in(struct proc *p, uint64_t va, uint64_t *e, unsigned perm, int *err)
{
	uint64_t slot = *e >> 12;
	uint64_t reads = cache_stats.swap_reads;
	struct cpage *cp = cache_swap_in(slot, err);
	if (cache_stats.swap_reads != reads) { /* a read started (a retry finds it cached) */
		p->pageins++;
		ev_stats.pageins++;
	}
	if (!cp)
		return false;
	if (swap_refs(slot) == 1 && (cp->flags & CP_WRITING))
		return vm_swap_copy(p, va, e, cp, err);
	if (swap_refs(slot) == 1 && ((cp->flags & CP_DIRTY) || (perm & PERM_W)))
		return vm_swap_own(p, va, e, cp->pa);
	frame_get(cp->pa);
	*e = cp->pa | PM_COW | PM_SC;
	p->swapped--;
	p->resident++;
	p->swap_cached = true; /* vm_put_leaf looks for PM_SC */
	ev_sc_map(p, va, cp->pa, slot);
	return true;
}

/* Why (on success): the fault only let the first store to a swap-cache
 * page through (vm_store_break), as a D bit would have without a fault:
 * vm_fault does not count it, so the faults stay the pages brought in or
 * copied, which pagersim's misses must equal. */
static const char VM_SC_TAKEN[] = "taken";

/* A store to a COW page. A swap-cache page (PM_SC) is taken over when the
 * storer alone maps it and holds its slot (no copy; the slot is freed),
 * else copied; once its last mapper has gone the frame lets its slot go. */
static bool vm_store_break(struct proc *p, uint64_t va, uint64_t *e, const char **why)
{
	uint64_t sc = *e & PM_SC ? entry_pa(*e) : 0;
	if (__builtin_expect(sc != 0, 0) && ev_sc_take(sc)) {
		*e = sc;
		*why = VM_SC_TAKEN;
		return true;
	}
	if (!vm_cow_break(p, va, e))
		return false;
	if (__builtin_expect(sc != 0, 0) && frame_refs(sc) == 1)
		ev_sc_release(sc);
	return true;
}

static uint64_t *vm_resolve(struct proc *p, uint64_t va, unsigned perm, const char **why)
{
	struct region *r = vm_region_find(p, va);
	if (!r || !(r->perms & perm)) {
		*why = r ? "permission denied:" : "outside every region:";
		return NULL;
	}
	uint64_t *e = pagemap_find(&pg_frames, &p->pages, va / PG);
	int err;
	if (e && (*e & PM_SWAP) && !vm_swap_in(p, va, e, perm, &err)) {
		bool wait = err == -EAGAIN || (err == -ENOMEM && cache_waiting());
		*why = wait ? VM_AGAIN : err == -EIO ? VM_SWAP_EIO : "out of memory:";
		return NULL;
	}
	if (e)
		ev_touch(entry_pa(*e)); /* no victim while we use it */
	if (!e && !(e = vm_populate(p, r, va, perm, &err))) {
		/* short of memory while dirty pages are written: wait too */
		bool wait = err == -EAGAIN || (err == -ENOMEM && cache_waiting());
		*why = wait ? VM_AGAIN : err == -EIO ? "I/O error on"
			: err == -ENXIO ? VM_PAST_END : "out of memory:";
		return NULL;
	}
	if ((perm & PERM_W) && (*e & PM_COW) && !vm_store_break(p, va, e, why)) {
		*why = cache_waiting() ? VM_AGAIN : "out of memory:";
		return NULL;
	}
	return e;
}

static unsigned vm_map_perms(struct proc *p, uint64_t va, uint64_t e)
{
	unsigned perms = vm_region_find(p, va)->perms;
	return e & (PM_COW | PM_LENT) ? perms & ~PERM_W : perms;
}

static const char *vm_fault_name(uint64_t scause)
{
	switch (scause) {
	case 12: return "instruction fetch";
	case 13: return "load";
	case 15: return "store";
	default: return "exception";
	}
}

static int vm_signal_of(uint64_t scause)
{
	return scause == 2 ? SIGILL : (scause == 0 || scause == 4 || scause == 6) ? SIGBUS : SIGSEGV;
}

/* Not resolvable: a syscall's buffer fails the syscall, anything else
 * kills the process. Returns whether m now holds a reply. */
static bool vm_bad(struct proc *p, struct msg *m, const char *why)
{
	uint64_t scause = m->w[FAULT_W_SCAUSE];
	if (m->w[FAULT_W_FLAGS] & FAULT_FLAG_KACCESS) {
		*m = (struct msg){.label = FAULT_FAIL};
		return true;
	}
	printf("pager: pid %ld (%s) killed: %s %s at %#lx, pc %#lx\n", p->pid, p->name, why,
	       vm_fault_name(scause), (unsigned long)m->w[FAULT_W_STVAL],
	       (unsigned long)m->w[FAULT_W_SEPC]);
	pg_stats.kills++;
	/* Out of memory is the OOM killer's SIGKILL; bad accesses are faults. */
	int sig = !strcmp(why, "out of memory:") ? SIGKILL
		  : why == VM_PAST_END || why == VM_SWAP_EIO || !strcmp(why, "I/O error on")
		  ? SIGBUS : vm_signal_of(scause);
	proc_exit(p, PG_STATUS_SIGNAL(sig));
	return false;
}

static unsigned vm_need(uint64_t scause)
{
	return scause == 15 ? PERM_W : scause == 12 ? PERM_X : PERM_R;
}

bool vm_fault(struct proc *p, struct msg *m)
{
	uint64_t scause = m->w[FAULT_W_SCAUSE], va = m->w[FAULT_W_STVAL] & ~(PG - 1);
	const char *why = "unexpected";
	if (scause != 12 && scause != 13 && scause != 15)
		return vm_bad(p, m, why);
	uint64_t *e = vm_resolve(p, va, vm_need(scause), &why);
	if (!e && why == VM_AGAIN) {
		pager_park(cache_miss);
		return false;
	}
	if (!e)
		return vm_bad(p, m, why);
	if (__builtin_expect(why != VM_SC_TAKEN, 1)) {
		p->faults++;
		ev_stats.faults++;
		if (ev_tracing)
			ev_trace_page(p, va);
	}
	*m = (struct msg){.label = FAULT_MAP, .w = {va, entry_pa(*e), vm_map_perms(p, va, *e)}};
	return true;
}

/* For copies into a process: if its present page moved to a new frame
 * (COW copy), point the hardware mapping at the new frame now. */
static uint64_t *vm_resolve_write(struct proc *p, uint64_t page, const char **why)
{
	uint64_t *old = pagemap_find(&pg_frames, &p->pages, page / PG);
	uint64_t before = old ? *old : 0;
	uint64_t *e = vm_resolve(p, page, PERM_W, why);
	if (e && before && entry_pa(before) != entry_pa(*e))
		sys_map(p->task, page, entry_pa(*e), vm_map_perms(p, page, *e));
	return e;
}

/* Copies fail with -EFAULT, or -EAGAIN when a page of the process must
 * first be read from disk (the caller parks and runs again). */
long vm_copy_out(struct proc *p, uint64_t va, const void *src, uint64_t len)
{
	const char *s = src, *why = NULL;
	for (uint64_t done = 0; done < len;) {
		uint64_t a = va + done, off = a & (PG - 1), n = PG - off;
		uint64_t *e = vm_resolve_write(p, a - off, &why);
		if (!e)
			return why == VM_AGAIN ? -EAGAIN : -EFAULT;
		n = n < len - done ? n : len - done;
		mem_copy((char *)frames_va(&pg_frames, entry_pa(*e)) + off, s + done, n);
		if (!(*e & PM_COW) && frame_refs(entry_pa(*e)) > 1 && vm_region_find(p, a)->shared)
			mm_note_store(p, a); /* no dirty bit for the pager's own stores */
		done += n;
	}
	return (long)len;
}

long vm_copy_in(struct proc *p, void *dst, uint64_t va, uint64_t len)
{
	char *d = dst;
	const char *why = NULL;
	for (uint64_t done = 0; done < len;) {
		uint64_t a = va + done, off = a & (PG - 1), n = PG - off;
		uint64_t *e = vm_resolve(p, a - off, PERM_R, &why);
		if (!e)
			return why == VM_AGAIN ? -EAGAIN : -EFAULT;
		n = n < len - done ? n : len - done;
		mem_copy(d + done, (char *)frames_va(&pg_frames, entry_pa(*e)) + off, n);
		done += n;
	}
	return (long)len;
}

/* Make the pages of [va, va + len) resident as an access with perm would,
 * so that a copy after it cannot meet a page still on disk nor fail: 0,
 * -EAGAIN if one is being read (the caller parks) or -EFAULT. A call that
 * must not stop half way (a file write, once its blocks are allocated)
 * prefaults its buffer first; nothing runs between that and the copy. */
long vm_prefault(struct proc *p, uint64_t va, uint64_t len, unsigned perm)
{
	const char *why = NULL;
	uint64_t first = va & ~(PG - 1), pages = len ? ((va & (PG - 1)) + len + PG - 1) / PG : 0;
	for (uint64_t i = 0; i < pages; i++) {
		uint64_t a = first + i * PG, *e;
		e = (perm & PERM_W) ? vm_resolve_write(p, a, &why) : vm_resolve(p, a, perm, &why);
		if (!e)
			return why == VM_AGAIN ? -EAGAIN : -EFAULT;
	}
	return 0;
}

/* A NUL-terminated string of at most size - 1 bytes. */
long vm_string_in(struct proc *p, char *dst, uint64_t va, uint64_t size)
{
	const char *why = NULL;
	for (uint64_t i = 0; i < size;) { /* a page at a time: one lookup each */
		uint64_t a = va + i, off = a & (PG - 1);
		uint64_t *e = vm_resolve(p, a - off, PERM_R, &why);
		if (!e)
			return why == VM_AGAIN ? -EAGAIN : -EFAULT;
		const char *src = (const char *)frames_va(&pg_frames, entry_pa(*e)) + off;
		for (uint64_t n = PG - off; n && i < size; n--, i++)
			if (!(dst[i] = *src++))
				return (long)i;
	}
	return -ENAMETOOLONG;
}

struct vm_fork_ctx {
	struct proc *parent, *child;
	long err;
};

/* LAB cow: BEGIN -- (a helper of vm_fork_leaf below: write your own or none) */
/* The flag fork adds to the pages of the region holding vpn first + i
 * (PM_COW when it is writable and private: a shared mapping's pages stay
 * shared), and in *end the leaf index where that region stops. */
static uint64_t vm_fork_flag(struct proc *p, uint64_t first, unsigned i, unsigned *end)
{
	struct region *r = vm_region_find(p, (first + i) * PG);
	if (!r) {
		*end = i + 1;
		return 0;
	}
	uint64_t stop = r->end / PG - first;
	*end = stop < 512 ? (unsigned)stop : 512;
	return (r->perms & PERM_W) && !r->shared ? PM_COW : 0;
}
/* LAB cow: END */

/* One leaf of the parent (512 entries from vpn first) into the child's,
 * whose leaf is still empty: every page shared, writable private ones COW
 * in both (the parent's hardware mapping is made read-only in vm_fork).
 * A region lookup per run of pages in one region, not per page: this loop
 * is most of fork's cost. A swap entry is one slot with two holders. */
static void vm_fork_leaf(uint64_t first, uint64_t *pe, void *arg)
{
	/* LAB cow: BEGIN -- share each entry with the child, COW if private and writable */
	/* LAB cow: STUB (void)first, (void)pe, (void)arg; */
	struct vm_fork_ctx *c = arg;
	uint64_t *ce, cow = 0, used = 0, swapped = 0;
	uint16_t *ref = frame_ref; /* frame_get's, fixed since boot: loaded once */
	uint64_t base = pg_frames.base;
	if (c->err)
		return;
	if (!(ce = pagemap_leaf_make(&pg_frames, &c->child->pages, first))) {
		c->err = -ENOMEM;
		return;
	}
	for (unsigned i = 0, end = 0; i < 512; i++) {
		uint64_t v = pe[i];
		if (!v)
			continue;
		if (i >= end)
			cow = vm_fork_flag(c->parent, first, i, &end);
		if (!(v & (PM_LENT | PM_SWAP)))
			pe[i] = v |= cow;
		ce[i] = v;
		used++;
		if (__builtin_expect(!(v & PM_SWAP), 1)) {
			ref[(entry_pa(v) - base) / PG]++;
		} else {
			swap_get(v >> 12);
			swapped++;
		}
	}
	c->child->pages.used += used;
	c->child->resident += used - swapped;
	c->child->swapped += swapped;
	/* LAB cow: END */
}

long vm_fork(struct proc *parent, struct proc *child)
{
	struct vm_fork_ctx c = {parent, child, 0};
	memcpy(child->regions, parent->regions, sizeof parent->regions);
	child->nregions = parent->nregions;
	for (int i = 0; i < child->nregions; i++)
		if (child->regions[i].vn)
			child->regions[i].vn->refs++;
	child->brk = parent->brk;
	child->swap_cached = parent->swap_cached; /* PM_SC entries are copied */
	pagemap_walk_leaves(&pg_frames, &parent->pages, vm_fork_leaf, &c);
	for (int i = 0; i < parent->nregions; i++) {
		struct region *r = &parent->regions[i];
		if ((r->perms & PERM_W) && r->end > r->start && !r->shared)
			sys_protect(parent->task, r->start, (r->end - r->start) / PG,
				    r->perms & ~PERM_W);
	}
	return c.err;
}

/* Lend page va of from to process to at to_va, read-only: a third holder
 * of the frame, counted like any other. */
long vm_lend(struct proc *from, uint64_t va, struct proc *to, uint64_t to_va)
{
	const char *why;
	if ((va | to_va) & (PG - 1) || to_va >= USER_STACK_TOP || vm_region_find(to, to_va))
		return -EINVAL;
	uint64_t *e = vm_resolve(from, va, PERM_R, &why);
	if (!e)
		return why == VM_AGAIN ? -EAGAIN : -EFAULT;
	struct region r = {.start = to_va, .end = to_va + PG, .kind = RG_ANON, .perms = PERM_R};
	if (vm_region_add(to, r) < 0)
		return -ENOMEM;
	/* a swap-cache frame stays one (PM_SC): the last to let go frees its slot */
	uint64_t lent = entry_pa(*e) | PM_LENT | (*e & PM_SC);
	if (pagemap_put(&pg_frames, &to->pages, to_va / PG, lent) < 0) {
		to->nregions--; /* the region just added goes again */
		return -ENOMEM;
	}
	ev_untrack(entry_pa(*e)); /* held at two addresses: never evicted */
	frame_get(entry_pa(*e));
	to->resident++;
	return 0;
}

/* Let go of one shadow entry: its frame, or its swap slot. */
static void vm_put_entry(struct proc *p, uint64_t e)
{
	if (!(e & PM_SWAP)) {
		frame_put(entry_pa(e));
		if ((e & PM_SC) && frame_refs(entry_pa(e)) == 1) /* the cache's: */
			ev_sc_release(entry_pa(e));               /* no mapper left */
		p->resident--;
	} else {
		swap_drop(e >> 12);
		p->swapped--;
	}
}

static void vm_drop_page(uint64_t vpn, uint64_t *e, void *ctx)
{
	struct proc *p = ctx;
	(void)vpn;
	vm_put_entry(p, *e);
	*e = 0;
	p->pages.used--;
}

bool vm_present(struct proc *p, uint64_t lo, uint64_t hi)
{
	return pagemap_any(&pg_frames, &p->pages, lo / PG, hi / PG);
}

/* Unmap [lo, hi) and give back the frames held there: the work follows the
 * pages present (pagemap_walk_range), not the size of the range; with none
 * present nothing is mapped there either (we map only what we hold). */
void vm_drop_range(struct proc *p, uint64_t lo, uint64_t hi)
{
	if (hi <= lo || !vm_present(p, lo, hi))
		return;
	sys_unmap(p->task, lo, (hi - lo) / PG);
	pagemap_walk_range(&pg_frames, &p->pages, lo / PG, hi / PG, vm_drop_page, p);
	pagemap_prune(&pg_frames, &p->pages, lo / PG, hi / PG);
}

/* Growing only moves the break; shrinking unmaps and frees whole pages. */
long vm_sbrk(struct proc *p, int64_t incr)
{
	/* LAB lazy: BEGIN -- check the new break, move it, free whole pages when it shrinks */
	/* LAB lazy: STUB (void)p, (void)incr; return -ENOMEM; */
	struct region *heap = NULL;
	for (int i = 0; i < p->nregions; i++)
		if (p->regions[i].kind == RG_HEAP)
			heap = &p->regions[i];
	uint64_t old = p->brk, nbrk = old + (uint64_t)incr;
	uint64_t limit = USER_STACK_TOP - USER_STACK_MAX - USER_HEAP_GAP;
	if (!heap || (incr < 0 && (uint64_t)-incr > old - heap->start) ||
	    (incr > 0 && (uint64_t)incr > limit - old))
		return -ENOMEM;
	for (int i = 0; i < p->nregions; i++) { /* e.g. a page lent to us */
		struct region *r = &p->regions[i];
		if (r != heap && r->start < page_up(nbrk) && r->end > heap->end)
			return -ENOMEM;
	}
	if (page_up(nbrk) < heap->end)
		vm_drop_range(p, page_up(nbrk), heap->end);
	heap->end = page_up(nbrk);
	p->brk = nbrk;
	return (long)old;
	/* LAB lazy: END */
}

/* vm_free_all's, a leaf at a time (no call per page): the counts are
 * reset after the walk, not kept up. */
static void vm_put_leaf(uint64_t first, uint64_t *e, void *ctx)
{
	uint16_t *ref = frame_ref; /* frame_put's, fixed since boot: loaded once */
	uint64_t base = pg_frames.base;
	(void)first;
	if (ctx) { /* PM_SC entries may be here: the slow way */
		for (unsigned i = 0; i < 512; i++)
			if (e[i])
				vm_put_entry(ctx, e[i]);
		return;
	}
	for (unsigned i = 0; i < 512; i++) {
		uint64_t v = e[i];
		if (!v)
			continue;
		if (__builtin_expect(!(v & PM_SWAP), 1)) {
			if (--ref[(entry_pa(v) - base) / PG] == 0)
				frame_release(entry_pa(v));
		} else {
			swap_drop(v >> 12);
		}
	}
}

void vm_free_all(struct proc *p)
{
	pagemap_walk_leaves(&pg_frames, &p->pages, vm_put_leaf, p->swap_cached ? p : NULL);
	pagemap_free(&pg_frames, &p->pages);
	p->resident = 0;
	p->swapped = 0;
	for (int i = 0; i < p->nregions; i++) { /* after the pages: none is mapped now */
		vfs_vput(p->regions[i].vn); /* the file or object may be freed now */
		p->regions[i].vn = NULL;
	}
}

/* Frames pa[0..n) at va.. in p, read-write, in a region of their own (the
 * block driver's ring and DMA pages, servers/blk/blkc.c): p holds one
 * reference on each, given back by vm_free_all when it exits; the caller
 * keeps its own, so they outlive p if need be. Faults map them. */
long vm_pin_frames(struct proc *p, uint64_t va, const uint64_t *pa, int n)
{
	uint64_t end = va + (uint64_t)n * PG;
	if ((va & (PG - 1)) || n <= 0 || n > 64 || end > USER_TOP)
		return -EINVAL;
	for (int i = 0; i < p->nregions; i++)
		if (va < p->regions[i].end && p->regions[i].start < end)
			return -EINVAL;
	struct region r = {.start = va, .end = end, .kind = RG_ANON, .perms = PERM_R | PERM_W};
	if (vm_region_add(p, r) < 0)
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		if (pagemap_put(&pg_frames, &p->pages, va / PG + (uint64_t)i, pa[i]) < 0) {
			vm_drop_range(p, va, va + (uint64_t)i * PG);
			p->nregions--; /* the region just added goes again */
			return -ENOMEM;
		}
		frame_get(pa[i]);
		p->resident++;
	}
	return 0;
}
